//! `newsquotes report` and `newsquotes stats` end to end: the rules extractor over `corpus/`,
//! the page opened in headless Chromium (the script must run without a console error and the
//! charts must paint), and the report over PolNeAR dev when the shared data is there.

mod corpus_common;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CHROMIUM: &str = "/usr/bin/chromium";
/// The main bar colour of the charts (`report::charts::MAIN`).
const MAIN_RGB: [u8; 3] = [31, 111, 235];
const CHART_IDS: [&str; 9] = [
    "chart-speakers", "chart-speaker-kinds", "chart-per-document", "chart-time",
    "chart-quote-kinds", "chart-gender", "chart-stance", "chart-outlets", "chart-checkworthy",
];

fn newsquotes(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary starts");
    assert!(
        out.status.success(),
        "newsquotes {:?} exited with {}; stderr:\n{}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the rules extractor over `input` into `dir/out.jsonl` and returns its path.
fn extract_rules(input: &Path, dir: &Path) -> PathBuf {
    let out = dir.join("out.jsonl");
    newsquotes(&[
        &"extract", &input, &"--extractor", &"rules", &"--progress", &"never", &"-o", &out,
    ]);
    out
}

fn report(output: &Path, html: &Path) -> String {
    newsquotes(&[&"report", &output, &"-o", &html]);
    fs::read_to_string(html).expect("the report was written")
}

/// The HTML of the section with element id `id`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in the page"));
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

fn record_lines(output: &Path) -> usize {
    fs::read_to_string(output)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("output lines are JSON");
            v.get("error").is_none()
        })
        .count()
}

/// Chromium, or `None` after printing the skip notice; under CI a missing Chromium fails.
fn chromium() -> Option<&'static str> {
    if Path::new(CHROMIUM).exists() {
        return Some(CHROMIUM);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{CHROMIUM} is missing, and CI must run the browser test"
    );
    eprintln!("SKIPPED: chromium not installed");
    None
}

/// Runs headless Chromium with a fresh profile and the given extra arguments.
fn run_chromium(bin: &str, profile: &Path, args: &[String]) -> Output {
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium {args:?} exited with {}; stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Lines of Chromium's log that come from the page's console. Chromium logs uncaught
/// exceptions (`"Uncaught ReferenceError: …"`) and `console.error` alike as `…:CONSOLE:…]`
/// lines, without a reliable level, and the page logs nothing on purpose: any such line is a
/// failure.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// Decoded pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes), as RGB.
/// Small on purpose: the inflate step is flate2's, the rest is PNG's row filters.
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let (mut width, mut height, mut channels) = (0usize, 0usize, 0usize);
    let mut idat = Vec::new();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "bit depth");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("unsupported PNG colour type {t}"),
                };
                assert_eq!(data[12], 0, "interlaced PNG");
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .expect("PNG data inflates");
    let stride = width * channels;
    assert_eq!(raw.len(), height * (stride + 1), "PNG data size");
    let mut prev = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        let mut row = raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)].to_vec();
        for i in 0..stride {
            let a = if i >= channels { row[i - channels] } else { 0 };
            let b = prev[i];
            let c = if i >= channels { prev[i - channels] } else { 0 };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("bad PNG filter {f}"),
            };
            row[i] = row[i].wrapping_add(predicted);
        }
        pixels.extend(row.chunks(channels).map(|p| [p[0], p[1], p[2]]));
        prev = row;
    }
    (width, height, pixels)
}

fn count_main_colour(pixels: &[[u8; 3]]) -> usize {
    pixels
        .iter()
        .filter(|p| p.iter().zip(MAIN_RGB).all(|(&v, m)| v.abs_diff(m) <= 3))
        .count()
}

#[test]
fn report_on_the_sample_corpus_runs_and_paints_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let output = extract_rules(&corpus_common::root().join("corpus"), dir.path());
    let html_path = dir.path().join("report.html");
    let html = report(&output, &html_path);
    for id in CHART_IDS {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "no {id} in the page"
        );
    }
    assert!(
        html.contains("<mark>"),
        "no quote shown in its source context"
    );
    // The sample's JSONL feed names its outlet; the claims model scores every quote.
    let outlets = section(&html, "chart-outlets");
    assert!(
        outlets.contains("Northwind Wire") && outlets.contains("<svg"),
        "{outlets}"
    );
    let checkworthy = section(&html, "chart-checkworthy");
    assert!(
        checkworthy.contains("scored quotes are check-worthy claims")
            && checkworthy.contains("<svg"),
        "{checkworthy}"
    );
    // The quote table has stance and claim columns and a confidence filter.
    let table = section(&html, "quote-table");
    assert!(
        table.contains("id=\"minconf\"")
            && table.contains("<th data-type=\"num\">check-worthy</th>")
    );
    assert!(
        table.contains("<tr data-conf=\""),
        "rows carry their confidence for the filter"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&html_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o644,
            "the report is readable by others, as any output"
        );
    }
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http://cdn"));

    let Some(bin) = chromium() else { return };
    let url = file_url(&html_path);
    let dom = run_chromium(
        bin,
        &dir.path().join("profile-dom"),
        &[
            "--enable-logging=stderr".into(),
            "--v=0".into(),
            "--dump-dom".into(),
            url.clone(),
        ],
    );
    let dumped = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dumped.contains("data-ready=\"1\""),
        "the page's script did not finish (no data-ready on body)"
    );
    let stderr = String::from_utf8_lossy(&dom.stderr);
    let console = console_lines(&stderr);
    assert!(
        console.is_empty(),
        "console output from the page:\n{}",
        console.join("\n")
    );

    let shot = dir.path().join("shot.png");
    run_chromium(
        bin,
        &dir.path().join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400".into(),
            url,
        ],
    );
    let png = fs::read(&shot).expect("chromium wrote the screenshot");
    let keep = corpus_common::root().join("target/report-screenshot.png");
    if let Err(e) = fs::write(&keep, &png) {
        eprintln!("could not keep the screenshot at {}: {e}", keep.display());
    }
    let (w, h, pixels) = decode_png(&png);
    assert_eq!((w, h), (1280, 2400));
    let main = count_main_colour(&pixels);
    assert!(
        main > 2000,
        "only {main} pixels of the bar colour: the charts did not paint"
    );
}

#[test]
fn console_check_catches_script_errors() {
    // The guard of the test above: a page that throws must show up in the log it reads.
    let Some(bin) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    fs::write(
        &page,
        "<!DOCTYPE html><html><body><script>document.addEventListener('DOMContentLoaded', \
         function () { undefinedFunction(); });</script></body></html>",
    )
    .unwrap();
    let out = run_chromium(
        bin,
        &dir.path().join("profile"),
        &[
            "--enable-logging=stderr".into(),
            "--v=0".into(),
            "--dump-dom".into(),
            file_url(&page),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console = console_lines(&stderr);
    assert!(
        console.iter().any(|l| l.contains("Uncaught")),
        "the thrown error was not seen; stderr:\n{stderr}"
    );
}

#[test]
fn stats_counts_every_record_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = extract_rules(&corpus_common::root().join("corpus"), dir.path());
    let records = record_lines(&output);
    assert!(records > 0, "the rules found nothing in corpus/");
    let table = String::from_utf8(newsquotes(&[&"stats", &output]).stdout).unwrap();
    let row = table
        .lines()
        .find(|l| {
            l.split('┆').next().is_some_and(|label| {
                label.trim_matches(|c: char| c == '│' || c.is_whitespace()) == "records"
            })
        })
        .unwrap_or_else(|| panic!("no records row in\n{table}"));
    let shown: usize = row
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .next()
        .unwrap_or_else(|| panic!("no number in {row:?}"));
    assert_eq!(shown, records, "{table}");
    let json: serde_json::Value =
        serde_json::from_slice(&newsquotes(&[&"stats", &output, &"--json"]).stdout).unwrap();
    assert_eq!(json["records"], records);
}

#[test]
fn report_on_polnear_dev_has_every_chart_and_row() {
    let Some(text) = corpus_common::shared_path("data/polnear/dev/text") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let output = extract_rules(&text, dir.path());
    let records = record_lines(&output);
    let html = report(&output, &dir.path().join("report.html"));
    for id in CHART_IDS {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "no {id} in the page"
        );
    }
    // Brat text files carry no dates or outlets and the run no targets: those charts give
    // notes; the gender chart (PolNeAR quotes named people) and the check-worthy share are
    // drawn.
    let dated = !html.contains("No dates in this output");
    assert!(!html.contains("No quotes of named people"));
    assert_eq!(html.matches("<svg").count(), 6 + usize::from(dated));
    assert!(html.contains("run extract with --targets"));
    let rows = html.matches("<tr data-conf=").count();
    assert_eq!(rows, records.min(5000));
    assert!(
        html.matches("<mark>").count() >= rows,
        "context missing for some rows"
    );
}
