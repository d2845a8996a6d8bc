//! `newsquotes report` and `newsquotes stats` end to end: the rules extractor over `corpus/`,
//! the page opened in headless Chromium (the script must run without a console error and the
//! charts must paint; the page must look like the reference screenshot), and the report over
//! PolNeAR dev when the shared data is there.

mod corpus_common;

use std::fs;
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

/// The first frame of a PNG: its description and its sample bytes.
fn decode(source: impl std::io::Read) -> (png::OutputInfo, Vec<u8>) {
    let mut reader = png::Decoder::new(source).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data decodes");
    buf.truncate(info.buffer_size());
    (info, buf)
}

/// Decoded pixels of an 8-bit RGB or RGBA PNG (what Chromium writes), as RGB.
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    let (info, buf) = decode(bytes);
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        t => panic!("unexpected PNG colour type {t:?}"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let pixels = buf.chunks(channels).map(|p| [p[0], p[1], p[2]]).collect();
    (info.width as usize, info.height as usize, pixels)
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

/// Size of the reference screenshot: the page from the totals through the charts, the outlet
/// comparison and the first rows of the quote table.
const SHOT: (usize, usize) = (1280, 7200);
/// Side of the square pixel blocks the comparison averages (font smoothing and anti-aliasing
/// differ by a pixel here and there; a chart or a section that moves or vanishes changes whole
/// blocks).
const BLOCK: usize = 4;
/// A block differs when its mean grey level moves by more than this.
const BLOCK_TOLERANCE: u8 = 40;
/// Rows of blocks per band (200 pixels): a band fails when more than 2 % of its blocks differ.
const BAND: usize = 50;
/// The reference, as block means: a grayscale PNG of 320 x 1800 pixels.
const REFERENCE: &str = "tests/expected/report-sample.png";

/// Mean grey level of each BLOCK x BLOCK square of an RGB image.
fn block_means(width: usize, height: usize, pixels: &[[u8; 3]]) -> (usize, usize, Vec<u8>) {
    let (bw, bh) = (width / BLOCK, height / BLOCK);
    let mut out = Vec::with_capacity(bw * bh);
    for by in 0..bh {
        for bx in 0..bw {
            let mut sum = 0u32;
            for y in by * BLOCK..(by + 1) * BLOCK {
                for p in &pixels[y * width + bx * BLOCK..y * width + (bx + 1) * BLOCK] {
                    // ITU-R BT.601 luma, in integers.
                    sum += (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]))
                        / 1000;
                }
            }
            out.push((sum / (BLOCK * BLOCK) as u32) as u8);
        }
    }
    (bw, bh, out)
}

/// The pixel rows (start, end) of every band of `actual` that differs from `reference`.
fn differing_bands(width: usize, reference: &[u8], actual: &[u8]) -> Vec<(usize, usize)> {
    let rows = reference.len() / width;
    (0..rows)
        .step_by(BAND)
        .filter(|&r| {
            let end = (r + BAND).min(rows);
            let range = r * width..end * width;
            let differ = reference[range.clone()]
                .iter()
                .zip(&actual[range])
                .filter(|(a, b)| a.abs_diff(**b) > BLOCK_TOLERANCE)
                .count();
            differ * 50 > (end - r) * width
        })
        .map(|r| (r * BLOCK, (r + BAND).min(rows) * BLOCK))
        .collect()
}

fn write_gray_png(path: &Path, width: usize, height: usize, data: &[u8]) {
    let file = fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(data).unwrap();
}

fn read_gray_png(path: &Path) -> (usize, usize, Vec<u8>) {
    let (info, buf) = decode(fs::File::open(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (make it with NEWSQUOTES_UPDATE_SCREENSHOTS=1 cargo test --test report_browser)",
            path.display()
        )
    }));
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    (info.width as usize, info.height as usize, buf)
}

#[test]
fn the_report_is_reproducible_and_looks_like_the_reference_screenshot() {
    // The rules extractor without check-worthiness or targets: output that no CPU's int8
    // kernels can shift, so the page is the same on every machine with this Chromium.
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("report-sample.jsonl");
    newsquotes(&[
        &"extract",
        &corpus_common::root().join("corpus"),
        &"--extractor",
        &"rules",
        &"--no-claims",
        &"--progress",
        &"never",
        &"-o",
        &output,
    ]);
    let first = report(&output, &dir.path().join("a.html"));
    let html_path = dir.path().join("report.html");
    let second = report(&output, &html_path);
    assert!(first == second, "two reports of one output differ");

    let Some(bin) = chromium() else { return };
    let shot = dir.path().join("shot.png");
    run_chromium(
        bin,
        &dir.path().join("profile"),
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={},{}", SHOT.0, SHOT.1),
            "--hide-scrollbars".into(),
            "--force-device-scale-factor=1".into(),
            file_url(&html_path),
        ],
    );
    let png_bytes = fs::read(&shot).expect("chromium wrote the screenshot");
    let (w, h, pixels) = decode_png(&png_bytes);
    assert_eq!((w, h), SHOT);
    let (bw, bh, actual) = block_means(w, h, &pixels);
    let reference_path = corpus_common::root().join(REFERENCE);
    if std::env::var_os("NEWSQUOTES_UPDATE_SCREENSHOTS").is_some() {
        write_gray_png(&reference_path, bw, bh, &actual);
        eprintln!("wrote {}", reference_path.display());
        return;
    }
    let (rw, rh, reference) = read_gray_png(&reference_path);
    assert_eq!((rw, rh), (bw, bh), "reference size");
    let bands = differing_bands(bw, &reference, &actual);
    if !bands.is_empty() {
        let keep = corpus_common::root().join("target/report-screenshot-actual.png");
        let _ = fs::write(&keep, &png_bytes);
        panic!(
            "the report looks different from {REFERENCE} in the pixel rows {bands:?} (the \
             screenshot is kept at {}; if the change is intended, run with \
             NEWSQUOTES_UPDATE_SCREENSHOTS=1)",
            keep.display()
        );
    }
}

#[test]
fn the_screenshot_comparison_finds_a_missing_section() {
    // The guard of the test above: blank one chart-sized area and a band must differ, while
    // a faint change everywhere (anti-aliasing) must not.
    let (w, h) = (SHOT.0 / BLOCK, SHOT.1 / BLOCK);
    let reference: Vec<u8> = (0..w * h)
        .map(|i| {
            if (i / w) % 20 < 10 && i % w < 200 {
                40
            } else {
                250
            }
        })
        .collect();
    let faint: Vec<u8> = reference.iter().map(|v| v.saturating_sub(12)).collect();
    assert!(differing_bands(w, &reference, &faint).is_empty());
    let mut blank = reference.clone();
    blank[600 * w..700 * w].fill(255);
    assert_eq!(
        differing_bands(w, &reference, &blank),
        vec![(2400, 2600), (2600, 2800)]
    );
}
