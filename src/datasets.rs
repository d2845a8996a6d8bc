//! The labelled statement sets in `../shared/data`, read into one label convention.
//!
//! Stance sets become (target, text, favor | against | neutral):
//!
//! | set | target | text | labels |
//! |---|---|---|---|
//! | P-Stance | the politician | tweet | FAVOR -> favor, AGAINST -> against |
//! | IBM claim stance | the motion's target (`topicTarget`) | claim | PRO -> favor, CON -> against, reversed when the motion opposes its target (`topicSentiment` -1); training also pairs each claim with its own target (`claims.claimTarget.text`) and `claims.claimSentiment` |
//! | Emergent | claim headline | article headline | for -> favor, against -> against, observing -> neutral |
//! | FNC-1 | headline | article body | agree -> favor, disagree -> against, discuss and unrelated -> neutral |
//! | UKP sentential | the topic (`death penalty`) | web sentence | Argument_for -> favor, Argument_against -> against, NoArgument -> neutral |
//! | PERSPECTRUM | claim | perspective (train: every one of a cluster; dev, test: the cluster's first) | SUPPORT -> favor, UNDERMINE -> against |
//! | ARC | claim (headline) | user post (body) | as FNC-1 |
//! | news-quote set (`tests/data/news_stance`) | target | `speaker cue: quote`, as the pipeline forms it | favor / against / neutral |
//!
//! Check-worthiness sets become (text, yes | no):
//!
//! | set | text | splits |
//! |---|---|---|
//! | CheckThat! 2024 (`checkthat2024_en`) | debate sentence | train / dev / dev-test as test |
//! | CLEF CheckThat! 2019 and 2020 debates (`clef2019_debates`, `clef2020_debates`) | debate or speech sentence (label 1 = yes) | training files, a fifth of them (by file name) as dev; the annotated test files as test |
//! | CheckThat! 2022 tweets (`checkthat2022_en`) | tweet | train / dev / dev_test as test (the test file has no labels) |
//! | ClaimBuster two-class (`claimbuster`) | debate sentence (1 = check-worthy factual) | `train.json` (a tenth of it, by sentence id, as dev) / `test.json` |
//!
//! The 2019 and 2020 debate sets reuse the same debates; [`load_deduplicated`] drops a
//! sentence seen in an earlier set of a list, so training on both counts each sentence once.
//!
//! Splits: P-Stance, Emergent and CheckThat! ship train/dev(val)/test files; IBM ships
//! train/test, and its dev split is every fifth training topic; Emergent's dev split is a tenth of
//! its training claims (by claim id). Only FNC-1's competition test set is in the snapshot, so it
//! is split by article body (a fifth each for dev and test, the rest for training); every split
//! keeps every agree/disagree pair and a sample of the discuss (1/3) and unrelated (1/10) ones. Splits
//! that hash ids use FNV-1a, so they are the same on every machine. UKP is split by topic so
//! that dev and test topics are unseen in training (test: death penalty, school uniforms; dev:
//! minimum wage); PERSPECTRUM by claim, as it ships; ARC ships train/test, and its dev split is
//! a fifth of the training bodies. The news-quote set has only a test split.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One labelled statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The stance target (`None` for check-worthiness).
    pub target: Option<String>,
    /// The statement.
    pub text: String,
    /// `favor`, `against`, `neutral`, or `yes` / `no` for check-worthiness.
    pub label: String,
    /// Where a news-quote pair comes from, so that evaluation can apply the pipeline's target
    /// gate to it; `None` for every other set.
    pub context: Option<QuoteContext>,
}

/// A news-quote pair's article and the targets file that names the target: what the pipeline's
/// target gate (`classify::relevance`) reads for the same quote. The file is kept as a path, not
/// parsed here, because parsing targets belongs to `classify`, a layer above this one.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteContext {
    /// The article's targets file (`targets/<stem>.toml`), whose entry named as the pair's
    /// target gives the target's aliases.
    pub targets_file: PathBuf,
    /// The whole article, shared by all of its pairs.
    pub article: std::sync::Arc<str>,
    /// Byte range of the quote in `article`.
    pub quote: std::ops::Range<usize>,
}

/// Which part of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// Training data.
    Train,
    /// Data to tune and stop on.
    Dev,
    /// Held-out data, for the figures only.
    Test,
}

/// The sets this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// P-Stance tweets.
    PStance,
    /// IBM Debater claim stance.
    Ibm,
    /// Emergent claim/headline pairs.
    Emergent,
    /// FNC-1 headline/body pairs.
    Fnc1,
    /// UKP sentential argument mining: web sentences for / against / no argument on a topic.
    Ukp,
    /// PERSPECTRUM: perspectives that support or undermine a claim.
    Perspectrum,
    /// ARC: user posts (bodies) vs claims (headlines), FNC-1 format.
    Arc,
    /// Our news-quote stance set (`tests/data/news_stance`).
    NewsQuotes,
    /// SNLI (its dev and test files only): premise as the statement, hypothesis as the target.
    Snli,
    /// Adversarial NLI rounds 1-3 (dev and test files only), read like SNLI.
    Anli,
    /// CheckThat! 2024 English check-worthiness.
    CheckThat,
    /// CLEF CheckThat! 2019 (task 1) debate and speech sentences.
    Clef2019,
    /// CLEF CheckThat! 2020 (task 5) debate and speech sentences.
    Clef2020,
    /// CheckThat! 2022 (task 1A) English COVID-19 tweets.
    CheckThat2022,
    /// ClaimBuster's two-class debate sentences.
    ClaimBuster,
}

impl SetKind {
    /// Short name used in logs and manifests.
    pub fn name(self) -> &'static str {
        match self {
            SetKind::PStance => "pstance",
            SetKind::Ibm => "ibm_claim_stance",
            SetKind::Emergent => "emergent",
            SetKind::Fnc1 => "fnc1",
            SetKind::Ukp => "ukp_sentential",
            SetKind::Perspectrum => "perspectrum",
            SetKind::Arc => "arc",
            SetKind::NewsQuotes => "news_stance",
            SetKind::Snli => "snli",
            SetKind::Anli => "anli",
            SetKind::CheckThat => "checkthat2024_en",
            SetKind::Clef2019 => "clef2019_debates",
            SetKind::Clef2020 => "clef2020_debates",
            SetKind::CheckThat2022 => "checkthat2022_en",
            SetKind::ClaimBuster => "claimbuster",
        }
    }

    /// True for the stance sets, false for check-worthiness.
    pub fn is_stance(self) -> bool {
        matches!(
            self,
            SetKind::PStance
                | SetKind::Ibm
                | SetKind::Emergent
                | SetKind::Fnc1
                | SetKind::Ukp
                | SetKind::Perspectrum
                | SetKind::Arc
                | SetKind::NewsQuotes
                | SetKind::Snli
                | SetKind::Anli
        )
    }

    /// The set's own label space. P-Stance and IBM are binary (no neutral gold), so they are
    /// scored as their papers do: the prediction is the likelier of favor and against.
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            SetKind::PStance | SetKind::Ibm | SetKind::Perspectrum => &["favor", "against"],
            SetKind::Emergent
            | SetKind::Fnc1
            | SetKind::Ukp
            | SetKind::Arc
            | SetKind::NewsQuotes
            | SetKind::Snli
            | SetKind::Anli => &["favor", "against", "neutral"],
            _ => &["no", "yes"],
        }
    }

    /// A file (or folder) whose presence identifies the set.
    fn marker(self) -> &'static str {
        match self {
            SetKind::PStance => "raw_train_trump.csv",
            SetKind::Ibm => "claim_stance_dataset_v1.fixed.csv",
            SetKind::Emergent => "url-versions-2015-06-14-clean-train.csv",
            SetKind::Fnc1 => "competition_test_stances.csv",
            SetKind::Ukp => "school_uniforms.tsv",
            SetKind::Perspectrum => "perspectrum_with_answers_v1.0.json",
            SetKind::Arc => "arc_stances_train.csv",
            SetKind::NewsQuotes => "pairs.jsonl",
            SetKind::Snli => "s1.dev",
            SetKind::Anli => "R1",
            SetKind::CheckThat => "CT24_checkworthy_english_train.tsv",
            SetKind::Clef2019 => "test_annotated",
            SetKind::Clef2020 => "test-gold",
            SetKind::CheckThat2022 => "CT22_english_1A_checkworthy_train.tsv",
            SetKind::ClaimBuster => "kfold_25ncs.json",
        }
    }

    const ALL: [SetKind; 15] = [
        SetKind::PStance,
        SetKind::Ibm,
        SetKind::Emergent,
        SetKind::Fnc1,
        SetKind::Ukp,
        SetKind::Perspectrum,
        SetKind::Arc,
        SetKind::NewsQuotes,
        SetKind::Snli,
        SetKind::Anli,
        SetKind::CheckThat,
        SetKind::Clef2019,
        SetKind::Clef2020,
        SetKind::CheckThat2022,
        SetKind::ClaimBuster,
    ];
}

/// A set found on disk: its kind and the folder holding its files.
#[derive(Debug, Clone)]
pub struct DataSet {
    /// Which set.
    pub kind: SetKind,
    /// Folder with the set's files.
    pub dir: PathBuf,
}

/// Finds the set in `path` (the set's folder or any folder above its files, up to four levels).
pub fn detect(path: &Path) -> Result<DataSet> {
    for entry in walkdir::WalkDir::new(path)
        .max_depth(4)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy();
        if let Some(kind) = SetKind::ALL.into_iter().find(|k| k.marker() == name) {
            let dir = entry.path().parent().unwrap_or(path).to_path_buf();
            return Ok(DataSet { kind, dir });
        }
    }
    Err(Error::Invalid(format!(
        "{}: no known labelled set there (P-Stance, IBM claim stance, Emergent, FNC-1, UKP \
         sentential, PERSPECTRUM, ARC, the news-quote set, SNLI, ANLI, CheckThat! 2024, CLEF 2019/2020 debates, CheckThat! 2022, ClaimBuster)",
        path.display()
    )))
}

/// FNV-1a: a stable hash for deterministic splits and samples (the same on every machine and
/// run, unlike the standard library's hasher).
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

fn csv_rows(path: &Path, delimiter: u8) -> Result<Vec<csv::StringRecord>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    let headers = reader.headers()?.clone();
    let mut rows = vec![headers];
    for row in reader.records() {
        rows.push(row.map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?);
    }
    Ok(rows)
}

/// Rows as maps from header to value, skipping the header row.
fn table(path: &Path, delimiter: u8) -> Result<Vec<std::collections::HashMap<String, String>>> {
    let mut rows = csv_rows(path, delimiter)?.into_iter();
    let headers: Vec<String> = rows
        .next()
        .map(|h| {
            h.iter()
                .map(|s| s.trim_start_matches('\u{feff}').to_string())
                .collect()
        })
        .unwrap_or_default();
    Ok(rows
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect())
}

fn field<'a>(
    row: &'a std::collections::HashMap<String, String>,
    name: &str,
    path: &Path,
) -> Result<&'a str> {
    row.get(name)
        .map(String::as_str)
        .ok_or_else(|| Error::Invalid(format!("{}: no column {name}", path.display())))
}

fn stance_example(target: &str, text: &str, label: &str) -> Example {
    Example {
        target: Some(target.trim().to_string()),
        text: text.trim().to_string(),
        label: label.to_string(),
        context: None,
    }
}

/// Reads one split of a set in the common convention. Rows whose label does not map are
/// skipped.
pub fn load(set: &DataSet, split: Split) -> Result<Vec<Example>> {
    let dir = &set.dir;
    let mut out = Vec::new();
    match set.kind {
        SetKind::PStance => {
            let part = match split {
                Split::Train => "train",
                Split::Dev => "val",
                Split::Test => "test",
            };
            for who in ["trump", "biden", "bernie"] {
                let path = dir.join(format!("raw_{part}_{who}.csv"));
                for row in table(&path, b',')? {
                    let label = match field(&row, "Stance", &path)? {
                        "FAVOR" => "favor",
                        "AGAINST" => "against",
                        _ => continue,
                    };
                    out.push(stance_example(
                        field(&row, "Target", &path)?,
                        field(&row, "Tweet", &path)?,
                        label,
                    ));
                }
            }
        }
        SetKind::Ibm => {
            let path = dir.join(SetKind::Ibm.marker());
            for row in table(&path, b',')? {
                let topic: u64 = field(&row, "topicId", &path)?.parse().unwrap_or(0);
                let in_split = match (field(&row, "split", &path)?, split) {
                    ("test", Split::Test) => true,
                    ("train", Split::Dev) => topic.is_multiple_of(5),
                    ("train", Split::Train) => !topic.is_multiple_of(5),
                    _ => false,
                };
                // The motion ("This house believes that X should be banned") is a proposition
                // about its target X; stance toward X, as users name targets, is PRO or CON
                // times the motion's sentiment toward X.
                let motion_for_target = field(&row, "topicSentiment", &path)? != "-1";
                let label = match (field(&row, "claims.stance", &path)?, motion_for_target) {
                    ("PRO", true) | ("CON", false) => "favor",
                    ("CON", true) | ("PRO", false) => "against",
                    _ => continue,
                };
                if !in_split {
                    continue;
                }
                let claim = field(&row, "claims.claimCorrectedText", &path)?;
                out.push(stance_example(
                    field(&row, "topicTarget", &path)?,
                    claim,
                    label,
                ));
                // Training also learns the claim's sentiment toward the target it names
                // itself ("Exposure to violent video games" in "Exposure to violent video
                // games causes aggression"): the annotators' first step toward the stance,
                // and the way news quotes mostly meet their targets, by name.
                if split == Split::Train && field(&row, "claims.Compatible", &path)? == "yes" {
                    let sentiment = match field(&row, "claims.claimSentiment", &path)? {
                        "1" => "favor",
                        "-1" => "against",
                        _ => continue,
                    };
                    out.push(stance_example(
                        field(&row, "claims.claimTarget.text", &path)?,
                        claim,
                        sentiment,
                    ));
                }
            }
        }
        SetKind::Emergent => {
            let file = match split {
                Split::Test => "url-versions-2015-06-14-clean-test.csv",
                _ => "url-versions-2015-06-14-clean-train.csv",
            };
            let path = dir.join(file);
            for row in table(&path, b',')? {
                let dev = fnv(field(&row, "claimId", &path)?).is_multiple_of(10);
                if (split == Split::Dev && !dev) || (split == Split::Train && dev) {
                    continue;
                }
                let label = match field(&row, "articleHeadlineStance", &path)? {
                    "for" => "favor",
                    "against" => "against",
                    "observing" => "neutral",
                    _ => continue,
                };
                out.push(stance_example(
                    field(&row, "claimHeadline", &path)?,
                    field(&row, "articleHeadline", &path)?,
                    label,
                ));
            }
        }
        SetKind::Fnc1 => {
            let bodies_path = dir.join("competition_test_bodies.csv");
            let bodies: std::collections::HashMap<String, String> = table(&bodies_path, b',')?
                .into_iter()
                .filter_map(|mut r| Some((r.remove("Body ID")?, r.remove("articleBody")?)))
                .collect();
            let path = dir.join(SetKind::Fnc1.marker());
            for row in table(&path, b',')? {
                let body_id = field(&row, "Body ID", &path)?;
                let part = match fnv(body_id) % 5 {
                    0 => Split::Test,
                    1 => Split::Dev,
                    _ => Split::Train,
                };
                if part != split {
                    continue;
                }
                let stance = field(&row, "Stance", &path)?;
                let headline = field(&row, "Headline", &path)?;
                // Every split keeps all agree/disagree pairs but only a sample of the many
                // discuss (1 in 3) and unrelated (1 in 10) ones: the long bodies make each pair
                // costly, and the sample is still mostly neutral.
                let keep = match stance {
                    "discuss" => fnv(&format!("{headline}{body_id}")).is_multiple_of(3),
                    "unrelated" => fnv(&format!("{headline}{body_id}")).is_multiple_of(10),
                    _ => true,
                };
                let label = match stance {
                    "agree" => "favor",
                    "disagree" => "against",
                    "discuss" | "unrelated" => "neutral",
                    _ => continue,
                };
                if let (true, Some(body)) = (keep, bodies.get(body_id)) {
                    out.push(stance_example(headline, body, label));
                }
            }
        }
        SetKind::Ukp => {
            for topic in UKP_TOPICS {
                let part = match topic {
                    t if UKP_TEST_TOPICS.contains(&t) => Split::Test,
                    t if UKP_DEV_TOPICS.contains(&t) => Split::Dev,
                    _ => Split::Train,
                };
                if part != split {
                    continue;
                }
                let path = dir.join(format!("{topic}.tsv"));
                let target = topic.replace('_', " ");
                for row in tsv_rows(&path)?.iter().skip(1) {
                    // topic, retrievedUrl, archivedUrl, sentenceHash, sentence, annotation, set
                    let [_, _, _, _, text, annotation, ..] = row.as_slice() else {
                        continue;
                    };
                    let label = match annotation.trim() {
                        "Argument_for" => "favor",
                        "Argument_against" => "against",
                        "NoArgument" => "neutral",
                        _ => continue,
                    };
                    out.push(stance_example(&target, text.trim(), label));
                }
            }
        }
        SetKind::Perspectrum => {
            let read = |name: &str| -> Result<serde_json::Value> {
                let path = dir.join(name);
                serde_json::from_str(&read_text(&path)?)
                    .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
            };
            let splits = read("dataset_split_v1.0.json")?;
            let pool: std::collections::HashMap<u64, String> = read("perspective_pool_v1.0.json")?
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p["pId"].as_u64()?, p["text"].as_str()?.to_string())))
                .collect();
            let want = match split {
                Split::Train => "train",
                Split::Dev => "dev",
                Split::Test => "test",
            };
            for claim in read(SetKind::Perspectrum.marker())?
                .as_array()
                .into_iter()
                .flatten()
            {
                let id = claim["cId"].as_u64().unwrap_or_default().to_string();
                if splits[&id].as_str() != Some(want) {
                    continue;
                }
                let Some(target) = claim["text"].as_str() else {
                    continue;
                };
                for cluster in claim["perspectives"].as_array().into_iter().flatten() {
                    let label = match cluster["stance_label_3"].as_str() {
                        Some("SUPPORT") => "favor",
                        Some("UNDERMINE") => "against",
                        _ => continue,
                    };
                    // The others paraphrase the cluster's first perspective: training reads
                    // every one (2.3 times the pairs), dev and test the first, so that their
                    // figures count each cluster once.
                    let pids = cluster["pids"].as_array().into_iter().flatten();
                    let kept = if split == Split::Train { usize::MAX } else { 1 };
                    for text in pids.take(kept).filter_map(|p| pool.get(&p.as_u64()?)) {
                        out.push(stance_example(target, text, label));
                    }
                }
            }
        }
        SetKind::Arc => {
            let bodies_path = dir.join("arc_bodies.csv");
            let bodies: std::collections::HashMap<String, String> = table(&bodies_path, b',')?
                .into_iter()
                .filter_map(|mut r| Some((r.remove("Body ID")?, r.remove("articleBody")?)))
                .collect();
            let file = match split {
                Split::Test => "arc_stances_test.csv",
                _ => "arc_stances_train.csv",
            };
            let path = dir.join(file);
            for row in table(&path, b',')? {
                let body_id = field(&row, "Body ID", &path)?;
                let dev = fnv(body_id).is_multiple_of(5);
                if split != Split::Test && dev != (split == Split::Dev) {
                    continue;
                }
                let label = match field(&row, "Stance", &path)? {
                    "agree" => "favor",
                    "disagree" => "against",
                    "discuss" | "unrelated" => "neutral",
                    _ => continue,
                };
                if let Some(body) = bodies.get(body_id) {
                    out.push(stance_example(field(&row, "Headline", &path)?, body, label));
                }
            }
        }
        SetKind::NewsQuotes => {
            if split != Split::Test {
                return Err(Error::Invalid(format!(
                    "{}: the news-quote set is for scoring only (--split test)",
                    dir.display()
                )));
            }
            let pairs: Vec<NewsPair> = json_lines(&dir.join(SetKind::NewsQuotes.marker()))?;
            let mut sources: HashMap<String, NewsSource> = HashMap::new();
            for pair in pairs {
                // The statement as the pipeline forms it (`classify::stance::statement`).
                let statement = match (&pair.speaker, &pair.cue) {
                    (Some(s), Some(c)) => format!("{s} {c}: {}", pair.quote),
                    (Some(s), None) => format!("{s}: {}", pair.quote),
                    _ => pair.quote.clone(),
                };
                let mut example = stance_example(&pair.target, &statement, &pair.label);
                if let Some(source) = pair.source.as_deref() {
                    if !sources.contains_key(source) {
                        sources.insert(source.to_string(), NewsSource::read(dir, source)?);
                    }
                    example.context = Some(sources[source].context(&pair)?);
                }
                out.push(example);
            }
        }
        SetKind::Snli => {
            // Only SNLI's dev and test files are here (no train file): training takes both
            // but for the tenth of premises that hash to 0 mod 10, which form dev (from the dev
            // file) and test (from the test file).
            for file in ["dev", "test"] {
                let read = |name: &str| read_text(&dir.join(format!("{name}.{file}")));
                let (premises, hypotheses, labels) = (read("s1")?, read("s2")?, read("labels")?);
                for ((premise, hypothesis), label) in
                    premises.lines().zip(hypotheses.lines()).zip(labels.lines())
                {
                    let held = fnv(premise).is_multiple_of(10);
                    let part = match (held, file) {
                        (false, _) => Split::Train,
                        (true, "dev") => Split::Dev,
                        (true, _) => Split::Test,
                    };
                    if let (true, Some(label)) = (part == split, nli_label(label)) {
                        out.push(stance_example(hypothesis, premise, label));
                    }
                }
            }
        }
        SetKind::Anli => {
            // Rounds 1-3; dev files train (but for a tenth of their contexts, the dev split),
            // test files test.
            for round in ["R1", "R2", "R3"] {
                let file = if split == Split::Test { "test" } else { "dev" };
                let rows: Vec<AnliRow> =
                    json_lines(&dir.join(round).join(format!("{file}.jsonl")))?;
                for row in rows {
                    let held = fnv(&row.context).is_multiple_of(10);
                    if split != Split::Test && held != (split == Split::Dev) {
                        continue;
                    }
                    if let Some(label) = nli_label(&row.label) {
                        out.push(stance_example(&row.hypothesis, &row.context, label));
                    }
                }
            }
        }
        SetKind::CheckThat => {
            let part = match split {
                Split::Train => "train",
                Split::Dev => "dev",
                Split::Test => "dev-test",
            };
            let path = dir.join(format!("CT24_checkworthy_english_{part}.tsv"));
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(b'\t')
                .quoting(false)
                .flexible(true)
                .from_path(&path)
                .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
            for row in reader.records() {
                let row = row.map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
                let (Some(text), Some(label)) = (row.get(1), row.get(2)) else {
                    continue;
                };
                let label = match label.trim() {
                    "Yes" => "yes",
                    "No" => "no",
                    _ => continue,
                };
                out.push(Example {
                    target: None,
                    text: text.trim().to_string(),
                    label: label.to_string(),
                    context: None,
                });
            }
        }
        SetKind::Clef2019 | SetKind::Clef2020 => {
            let (training, test) = match set.kind {
                SetKind::Clef2019 => (dir.join("training"), dir.join("test_annotated")),
                _ => (dir.join("v2.0/training"), dir.join("test-gold")),
            };
            let folder = if split == Split::Test { test } else { training };
            let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
                .map_err(|e| Error::Invalid(format!("{}: {e}", folder.display())))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
                .collect();
            files.sort();
            for path in files {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                let dev = fnv(&name).is_multiple_of(5);
                if split != Split::Test && dev != (split == Split::Dev) {
                    continue;
                }
                // line number, speaker, sentence, label (0/1)
                for row in tsv_rows(&path)? {
                    if let [_, _, text, label, ..] = row.as_slice() {
                        push_claim(&mut out, text, label.trim() == "1");
                    }
                }
            }
        }
        SetKind::CheckThat2022 => {
            // The snapshot's test file has no labels, so dev_test serves as the test split.
            let part = match split {
                Split::Train => "train",
                Split::Dev => "dev",
                Split::Test => "dev_test",
            };
            let path = dir.join(format!("CT22_english_1A_checkworthy_{part}.tsv"));
            // topic, tweet_id, tweet_url, tweet_text, class_label (after a header line)
            for row in tsv_rows(&path)?.iter().skip(1) {
                if let [_, _, _, text, label, ..] = row.as_slice() {
                    push_claim(&mut out, text, label.trim() == "1");
                }
            }
        }
        SetKind::ClaimBuster => {
            let file = if split == Split::Test {
                "test.json"
            } else {
                "train.json"
            };
            let path = dir.join(file);
            let rows: Vec<ClaimBusterRow> = serde_json::from_str(&read_text(&path)?)
                .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
            for row in rows {
                let dev = fnv(&row.sentence_id.to_string()).is_multiple_of(10);
                if split != Split::Test && dev != (split == Split::Dev) {
                    continue;
                }
                push_claim(&mut out, &row.text, row.label == 1);
            }
        }
    }
    if out.is_empty() {
        return Err(Error::Invalid(format!(
            "{}: no {:?} examples of {}",
            dir.display(),
            split,
            set.kind.name()
        )));
    }
    Ok(out)
}

/// The whole text of `path`, an error naming the path when it cannot be read.
fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
}

/// Every non-blank line of the JSON-lines file `path`, parsed; an error names the path.
fn json_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    read_text(path)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
        })
        .collect()
}

/// The tab-separated fields of every line of `path`, read literally: the debate and tweet files
/// quote nothing, and their sentences contain stray `"` that a CSV reader would take as quoting.
fn tsv_rows(path: &Path) -> Result<Vec<Vec<String>>> {
    Ok(read_text(path)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect())
}

/// UKP's eight topics (file stems).
const UKP_TOPICS: [&str; 8] = [
    "abortion", "cloning", "death_penalty", "gun_control", "marijuana_legalization",
    "minimum_wage", "nuclear_energy", "school_uniforms",
];
/// UKP topics held out for the test split: a model is scored on topics it never saw.
const UKP_TEST_TOPICS: [&str; 2] = ["death_penalty", "school_uniforms"];
/// UKP topic of the dev split (also unseen in training).
const UKP_DEV_TOPICS: [&str; 1] = ["minimum_wage"];

/// An article of the news-quote set with its targets file.
struct NewsSource {
    article: std::sync::Arc<str>,
    targets_file: PathBuf,
}

impl NewsSource {
    /// Reads `articles/<slug>.txt` or `gum:<id>` (kept as `gum/<id>.txt`) and
    /// `targets/<slug or id>.toml`.
    fn read(dir: &Path, source: &str) -> Result<Self> {
        let (path, stem) = match source.strip_prefix("gum:") {
            Some(id) => (dir.join("gum").join(format!("{id}.txt")), id.to_string()),
            None => {
                let path = dir.join(source);
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
                (path, stem.unwrap_or_default())
            }
        };
        Ok(NewsSource {
            article: read_text(&path)?.into(),
            targets_file: dir.join("targets").join(format!("{stem}.toml")),
        })
    }

    /// The pair's quote located in the article, with its target's names.
    fn context(&self, pair: &NewsPair) -> Result<QuoteContext> {
        let missing = |what: &str| {
            Error::Invalid(format!(
                "news-quote pair {}: {what} not in {}",
                pair.id,
                pair.source.as_deref().unwrap_or("?")
            ))
        };
        let start = self
            .article
            .find(&pair.quote)
            .ok_or_else(|| missing("quote"))?;
        Ok(QuoteContext {
            targets_file: self.targets_file.clone(),
            article: std::sync::Arc::clone(&self.article),
            quote: start..start + pair.quote.len(),
        })
    }
}

/// One pair of the news-quote stance set (`tests/data/news_stance/README.md`).
#[derive(serde::Deserialize)]
struct NewsPair {
    id: String,
    /// `articles/<slug>.txt` or `gum:<doc id>`; a set without sources is scored without the
    /// target gate.
    source: Option<String>,
    speaker: Option<String>,
    cue: Option<String>,
    quote: String,
    target: String,
    label: String,
}

/// One ANLI pair.
#[derive(serde::Deserialize)]
struct AnliRow {
    context: String,
    hypothesis: String,
    label: String,
}

/// An entailment label as stance toward the hypothesis: what the premise entails it favours,
/// what contradicts the hypothesis it is against, the rest is neutral.
fn nli_label(label: &str) -> Option<&'static str> {
    match label.trim() {
        "entailment" | "e" => Some("favor"),
        "contradiction" | "c" => Some("against"),
        "neutral" | "n" => Some("neutral"),
        _ => None,
    }
}

/// One sentence of ClaimBuster's two-class JSON files.
#[derive(serde::Deserialize)]
struct ClaimBusterRow {
    sentence_id: u64,
    label: u8,
    text: String,
}

/// Adds one check-worthiness example (whitespace-trimmed; empty sentences are skipped).
fn push_claim(out: &mut Vec<Example>, text: &str, checkworthy: bool) {
    let text = text.trim();
    if !text.is_empty() {
        out.push(Example {
            target: None,
            text: text.to_string(),
            label: if checkworthy { "yes" } else { "no" }.to_string(),
            context: None,
        });
    }
}

/// The examples of several sets' `split`, each set in order, dropping an example whose
/// (target, text) already came from an earlier set: the CLEF 2019 and 2020 debate sets share
/// debates, and training or scoring on both should count each sentence once.
pub fn load_deduplicated(sets: &[DataSet], split: Split) -> Result<Vec<Vec<Example>>> {
    let mut seen = SeenExamples::default();
    sets.iter()
        .map(|set| {
            let mut examples = load(set, split)?;
            seen.drop_repeats(&mut examples);
            Ok(examples)
        })
        .collect()
}

/// The (target, text) pairs met so far across sets, the text compared case-blind: what
/// [`load_deduplicated`] and training on several check-worthiness sets use to count each
/// sentence once.
#[derive(Debug, Default)]
pub struct SeenExamples(std::collections::HashSet<(Option<String>, String)>);

impl SeenExamples {
    /// Drops from `examples` every one already met (here or in an earlier call).
    pub fn drop_repeats(&mut self, examples: &mut Vec<Example>) {
        examples.retain(|e| self.0.insert((e.target.clone(), e.text.to_lowercase())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_hash_splits_do_not_depend_on_the_machine() {
        assert_eq!(fnv(""), 0xcbf29ce484222325);
        assert_eq!(fnv("a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn a_small_pstance_folder_is_detected_and_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("data/pstance");
        std::fs::create_dir_all(&sub).unwrap();
        for part in ["train", "val", "test"] {
            for who in ["trump", "biden", "bernie"] {
                std::fs::write(
                    sub.join(format!("raw_{part}_{who}.csv")),
                    "Tweet,Target,Stance\n\"Great, plan\",Joe Biden,FAVOR\nbad,Joe Biden,AGAINST\nx,Joe Biden,NONE\n",
                )
                .unwrap();
            }
        }
        let set = detect(dir.path()).unwrap();
        assert_eq!(set.kind, SetKind::PStance);
        let train = load(&set, Split::Train).unwrap();
        assert_eq!(train.len(), 6);
        assert_eq!(train[0].text, "Great, plan");
        assert_eq!(train[0].label, "favor");
        assert_eq!(train[1].label, "against");
        assert!(detect(&dir.path().join("data/nothing")).is_err());
    }

    #[test]
    fn ibm_claims_are_stance_toward_the_motion_target_and_train_on_their_own_target() {
        let dir = tempfile::tempdir().unwrap();
        let header = "topicId,split,topicText,topicTarget,topicSentiment,claims.stance,\
                      claims.claimCorrectedText,claims.Compatible,claims.claimTarget.text,\
                      claims.claimSentiment";
        let rows = [
            // Topic 1 (training): the motion opposes its target, so PRO is against it.
            "1,train,This house would ban boxing,boxing,-1,PRO,Boxing causes brain damage,yes,Boxing,-1",
            "1,train,This house would ban boxing,boxing,-1,CON,x,no,,",
            // Topic 5 is a dev topic; topic 7 is in the test split.
            "5,train,This house supports nuclear power,nuclear power,1,PRO,Reactors are clean,yes,Reactors,1",
            "7,test,This house supports zoos,zoos,1,CON,Zoos confine animals,yes,Zoos,-1",
        ];
        std::fs::write(
            dir.path().join(SetKind::Ibm.marker()),
            format!("{header}\n{}\n", rows.join("\n")),
        )
        .unwrap();
        let set = detect(dir.path()).unwrap();
        let pairs = |split| -> Vec<(String, String)> {
            load(&set, split)
                .unwrap()
                .into_iter()
                .map(|e| (e.target.unwrap(), e.label))
                .collect()
        };
        let owned = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(t, l)| (t.to_string(), l.to_string()))
                .collect()
        };
        assert_eq!(
            pairs(Split::Train),
            owned(&[
                ("boxing", "against"),
                ("Boxing", "against"),
                ("boxing", "favor")
            ])
        );
        assert_eq!(pairs(Split::Dev), owned(&[("nuclear power", "favor")]));
        assert_eq!(pairs(Split::Test), owned(&[("zoos", "against")]));
    }

    #[test]
    fn debate_tweet_and_claimbuster_sets_read_as_yes_no_and_deduplicate() {
        let root = tempfile::tempdir().unwrap();
        let clef19 = root.path().join("clef2019_debates");
        let clef20 = root.path().join("clef2020_debates");
        for (dir, train, test) in [
            (&clef19, "training", "test_annotated"),
            (&clef20, "v2.0/training", "test-gold"),
        ] {
            std::fs::create_dir_all(dir.join(train)).unwrap();
            std::fs::create_dir_all(dir.join(test)).unwrap();
            std::fs::write(
                dir.join(test).join("d.tsv"),
                "1\tANNA\tTaxes rose \"40 %\" last year.\t1\n2\tBEN\tThank you.\t0\n",
            )
            .unwrap();
        }
        let ct22 = root.path().join("checkthat2022_en");
        std::fs::create_dir_all(&ct22).unwrap();
        std::fs::write(
            ct22.join("CT22_english_1A_checkworthy_train.tsv"),
            "topic\ttweet_id\ttweet_url\ttweet_text\tclass_label\nC\t1\tu\tCases doubled\t1\n",
        )
        .unwrap();
        let cb = root.path().join("claimbuster/data/two_class");
        std::fs::create_dir_all(&cb).unwrap();
        std::fs::write(cb.join("kfold_25ncs.json"), "[]").unwrap();
        std::fs::write(
            cb.join("test.json"),
            r#"[{"sentence_id": 4, "label": 1, "text": "Taxes rose \"40 %\" last year."}]"#,
        )
        .unwrap();
        let sets: Vec<DataSet> = [&clef19, &clef20, &ct22, &cb]
            .iter()
            .map(|d| detect(d).unwrap())
            .collect();
        let kinds: Vec<SetKind> = sets.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SetKind::Clef2019,
                SetKind::Clef2020,
                SetKind::CheckThat2022,
                SetKind::ClaimBuster
            ]
        );
        let test = load(&sets[0], Split::Test).unwrap();
        assert_eq!(test.len(), 2);
        assert_eq!(test[0].text, "Taxes rose \"40 %\" last year.");
        assert_eq!(
            (test[0].label.as_str(), test[1].label.as_str()),
            ("yes", "no")
        );
        assert_eq!(load(&sets[2], Split::Train).unwrap()[0].label, "yes");
        // The 2020 file and ClaimBuster repeat the 2019 sentences: each is kept once.
        let each = load_deduplicated(
            &[sets[0].clone(), sets[1].clone(), sets[3].clone()],
            Split::Test,
        )
        .unwrap();
        assert_eq!(each.iter().map(Vec::len).collect::<Vec<_>>(), [2, 0, 0]);
    }

    #[test]
    fn ukp_splits_by_topic_perspectrum_by_claim_and_news_pairs_read_as_the_pipeline_asks() {
        let root = tempfile::tempdir().unwrap();
        let ukp = root.path().join("ukp");
        std::fs::create_dir_all(&ukp).unwrap();
        let header = "topic\tretrievedUrl\tarchivedUrl\tsentenceHash\tsentence\tannotation\tset\n";
        for topic in UKP_TOPICS {
            std::fs::write(
                ukp.join(format!("{topic}.tsv")),
                format!(
                    "{header}{topic}\tu\ta\th\tIt saves lives .\tArgument_for\ttrain\n\
                     {topic}\tu\ta\th\tWhere did you get that ?\tNoArgument\ttest\n"
                ),
            )
            .unwrap();
        }
        let set = detect(&ukp).unwrap();
        assert_eq!(set.kind, SetKind::Ukp);
        let test = load(&set, Split::Test).unwrap();
        let targets: std::collections::BTreeSet<_> =
            test.iter().map(|e| e.target.clone().unwrap()).collect();
        assert_eq!(
            targets.into_iter().collect::<Vec<_>>(),
            ["death penalty", "school uniforms"],
            "the test topics are held out whatever each row's own split says"
        );
        assert_eq!(
            (test[0].label.as_str(), test[1].label.as_str()),
            ("favor", "neutral")
        );
        assert_eq!(load(&set, Split::Train).unwrap().len(), 10);

        let persp = root.path().join("perspectrum");
        std::fs::create_dir_all(&persp).unwrap();
        std::fs::write(
            persp.join("dataset_split_v1.0.json"),
            r#"{"1": "test", "2": "train"}"#,
        )
        .unwrap();
        std::fs::write(
            persp.join("perspective_pool_v1.0.json"),
            r#"[{"pId": 7, "text": "It protects children"}, {"pId": 8, "text": "It costs too much"}]"#,
        )
        .unwrap();
        std::fs::write(
            persp.join(SetKind::Perspectrum.marker()),
            r#"[{"cId": 1, "text": "Vaccination must be compulsory", "perspectives": [
                {"pids": [7, 99], "stance_label_3": "SUPPORT"},
                {"pids": [8], "stance_label_3": "UNDERMINE"}]},
               {"cId": 2, "text": "Zoos should close", "perspectives": [
                {"pids": [8, 7], "stance_label_3": "SUPPORT"}]}]"#,
        )
        .unwrap();
        let set = detect(&persp).unwrap();
        let test = load(&set, Split::Test).unwrap();
        assert_eq!(test.len(), 2);
        assert_eq!(
            test[0].target.as_deref(),
            Some("Vaccination must be compulsory")
        );
        assert_eq!(test[0].text, "It protects children");
        assert_eq!(
            (test[0].label.as_str(), test[1].label.as_str()),
            ("favor", "against")
        );
        // Training reads every paraphrase of a cluster, test only its first perspective.
        let train: Vec<String> = load(&set, Split::Train)
            .unwrap()
            .into_iter()
            .map(|e| e.text)
            .collect();
        assert_eq!(train, ["It costs too much", "It protects children"]);

        let news = root.path().join("news_stance");
        std::fs::create_dir_all(&news).unwrap();
        std::fs::write(
            news.join("pairs.jsonl"),
            r#"{"id": "n1", "speaker": "Ana Ruiz", "cue": "said", "quote": "We will build it", "target": "the bridge", "label": "favor"}
{"id": "n2", "speaker": null, "cue": null, "quote": "Costs rose", "target": "the bridge", "label": "neutral"}
"#,
        )
        .unwrap();
        let set = detect(&news).unwrap();
        let pairs = load(&set, Split::Test).unwrap();
        assert_eq!(pairs[0].text, "Ana Ruiz said: We will build it");
        assert_eq!(pairs[1].text, "Costs rose");
        assert!(
            load(&set, Split::Train).is_err(),
            "the news set is for scoring only"
        );
    }

    #[test]
    fn nli_sets_read_as_stance_toward_the_hypothesis_with_disjoint_splits() {
        let root = tempfile::tempdir().unwrap();
        let snli = root.path().join("snli");
        std::fs::create_dir_all(&snli).unwrap();
        // Forty premises, each with an entailed, a contradicted and a neutral hypothesis.
        let premises: Vec<String> = (0..40)
            .map(|i| format!("A dog runs in park {i}."))
            .collect();
        for file in ["dev", "test"] {
            let (mut s1, mut s2, mut labels) = (String::new(), String::new(), String::new());
            for p in &premises {
                for (h, l) in [
                    ("An animal moves.", "entailment"),
                    ("A cat sleeps.", "contradiction"),
                    ("It is sunny.", "neutral"),
                ] {
                    s1 += &format!("{p}\n");
                    s2 += &format!("{h}\n");
                    labels += &format!("{l}\n");
                }
            }
            std::fs::write(snli.join(format!("s1.{file}")), s1).unwrap();
            std::fs::write(snli.join(format!("s2.{file}")), s2).unwrap();
            std::fs::write(snli.join(format!("labels.{file}")), labels).unwrap();
        }
        let set = detect(&snli).unwrap();
        assert_eq!(set.kind, SetKind::Snli);
        let split = |s| load(&set, s).unwrap();
        let (train, dev, test) = (split(Split::Train), split(Split::Dev), split(Split::Test));
        assert!(!dev.is_empty() && !test.is_empty() && train.len() > dev.len() + test.len());
        assert_eq!(train.len() + 2 * dev.len(), 2 * 3 * premises.len());
        let texts = |v: &[Example]| {
            v.iter()
                .map(|e| e.text.clone())
                .collect::<std::collections::HashSet<_>>()
        };
        assert!(
            texts(&train).is_disjoint(&texts(&dev)),
            "a premise is in one split only"
        );
        let e = train
            .iter()
            .find(|e| e.target.as_deref() == Some("A cat sleeps."))
            .unwrap();
        assert_eq!(e.label, "against");

        let anli = root.path().join("anli");
        for round in ["R1", "R2", "R3"] {
            std::fs::create_dir_all(anli.join(round)).unwrap();
            for file in ["dev", "test"] {
                let rows: String = (0..30)
                    .map(|i| {
                        format!(
                            "{{\"uid\": \"{round}{file}{i}\", \"context\": \"Context {round} {file} {i}.\", \"hypothesis\": \"H {i}\", \"label\": \"{}\"}}\n",
                            ["e", "n", "c"][i % 3]
                        )
                    })
                    .collect();
                std::fs::write(anli.join(round).join(format!("{file}.jsonl")), rows).unwrap();
            }
        }
        let set = detect(&anli).unwrap();
        assert_eq!(set.kind, SetKind::Anli);
        let split = |s| load(&set, s).unwrap();
        let (train, dev, test) = (split(Split::Train), split(Split::Dev), split(Split::Test));
        assert_eq!(
            train.len() + dev.len(),
            90,
            "the dev files train, but for the dev tenth"
        );
        assert!(texts(&train).is_disjoint(&texts(&dev)));
        assert_eq!(test.len(), 90);
        assert!(test.iter().all(|e| e.text.contains("test")));
        assert_eq!(
            test.iter()
                .map(|e| e.label.as_str())
                .take(3)
                .collect::<Vec<_>>(),
            ["favor", "neutral", "against"]
        );
    }
}
