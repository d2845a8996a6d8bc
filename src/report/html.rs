//! The report page: one self-contained HTML file (inline CSS, inline SVG charts, a little
//! vanilla JS for searching and sorting the quote table; nothing is fetched). Every piece of
//! text that comes from the data goes through [`escape`].

use super::aggregate::speaker_label;
use super::context::Segment;
use crate::record::Record;
use std::fmt::Write as _;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One chart section: an SVG, or a note saying why there is none.
#[derive(Debug, Clone)]
pub struct Section {
    /// Element id of the section (stable: tests look for it).
    pub id: &'static str,
    /// Heading.
    pub heading: String,
    /// The chart, as an SVG document.
    pub svg: Option<String>,
    /// A short note shown under the heading (or instead of the chart).
    pub note: Option<String>,
}

/// A headline figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// What it counts.
    pub label: String,
    /// The value, already formatted.
    pub value: String,
}

/// Everything the page shows.
pub struct Page<'a> {
    /// Page title.
    pub title: String,
    /// Headline figures (documents, records, errors, ...).
    pub figures: Vec<Figure>,
    /// Notes about the data (limits, missing manifest).
    pub notes: Vec<String>,
    /// Chart sections, in order.
    pub sections: Vec<Section>,
    /// Table rows.
    pub rows: &'a [Record],
    /// Source context per row, when the inputs could be read.
    pub contexts: Option<&'a [Option<Vec<Segment>>]>,
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1f2328;background:#fff}
h1{font-size:1.6em;margin:.2em 0 .6em}
h2{font-size:1.2em;margin:1.6em 0 .4em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:0;padding:0}
.figures div{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
.figures dt{font-size:.8em;color:#59636e}
.figures dd{margin:0;font-size:1.4em;font-weight:600}
.note{color:#59636e;font-style:italic}
.chart svg{width:100%;height:auto;display:block}
#search{width:100%;max-width:420px;padding:6px 8px;font-size:1em;margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:.85em}
th,td{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;position:sticky;top:0;user-select:none}
th[data-dir=asc]::after{content:' \\25B2'}
th[data-dir=desc]::after{content:' \\25BC'}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.quote{min-width:320px;max-width:640px}
.ctx{color:#59636e}
mark{background:#fff3b0;color:#1f2328}
td small{display:block;color:#59636e}
";

/// Client-side search and sorting. Written defensively (every element looked up is checked)
/// so that the page never logs an error, whatever the table holds.
const JS: &str = r#"
document.addEventListener("DOMContentLoaded", function () {
  var table = document.getElementById("quotes");
  var input = document.getElementById("search");
  var shown = document.getElementById("shown");
  var minconf = document.getElementById("minconf");
  if (table && table.tBodies.length && table.tHead) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var confs = rows.map(function (r) { return parseFloat(r.getAttribute("data-conf")) || 0; });
    var filter = function () {
      var q = input ? input.value.trim().toLowerCase() : "";
      var m = minconf ? (parseFloat(minconf.value) || 0) : 0;
      var n = 0;
      rows.forEach(function (r, i) {
        var ok = (q === "" || texts[i].indexOf(q) !== -1) && confs[i] >= m;
        r.hidden = !ok;
        if (ok) { n += 1; }
      });
      if (shown) { shown.textContent = String(n); }
    };
    if (input) { input.addEventListener("input", filter); }
    if (minconf) { minconf.addEventListener("input", filter); }
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("data-dir") !== "asc";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", asc ? "asc" : "desc");
        var numeric = th.getAttribute("data-type") === "num";
        var keyed = rows.map(function (r, i) {
          var c = r.cells[col];
          var v = c ? (c.getAttribute("data-sort") || c.textContent) : "";
          return { row: r, i: i, k: numeric ? (parseFloat(v) || 0) : v.toLowerCase() };
        });
        keyed.sort(function (a, b) {
          var d = a.k < b.k ? -1 : (a.k > b.k ? 1 : 0);
          return (asc ? d : -d) || a.i - b.i;
        });
        keyed.forEach(function (e) { body.appendChild(e.row); });
      });
    });
  }
  document.body.dataset.ready = "1";
});
"#;

/// Only web links become `href`s: a `javascript:` URL in the data must stay text.
fn is_web_url(u: &str) -> bool {
    let l = u.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

fn meta_str<'r>(r: &'r Record, key: &str) -> Option<&'r str> {
    r.meta
        .get(key)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn document_cell(out: &mut String, r: &Record) {
    out.push_str("<td class=\"doc\">");
    out.push_str(&escape(&r.doc_id.0));
    let title = meta_str(r, "title");
    match (meta_str(r, "url"), title) {
        (Some(url), t) if is_web_url(url) => {
            let _ = write!(
                out,
                "<small><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></small>",
                escape(url),
                escape(t.unwrap_or(url))
            );
        }
        (url, t) => {
            for s in [t, url].into_iter().flatten() {
                let _ = write!(out, "<small>{}</small>", escape(s));
            }
        }
    }
    if let Some(date) = meta_str(r, "date") {
        let _ = write!(out, "<small>{}</small>", escape(date));
    }
    out.push_str("</td>");
}

fn quote_cell(out: &mut String, r: &Record, context: Option<&[Segment]>) {
    out.push_str("<td class=\"quote\">");
    match context {
        Some(segments) => {
            for s in segments {
                if s.mark {
                    let _ = write!(out, "<mark>{}</mark>", escape(&s.text));
                } else {
                    let _ = write!(out, "<span class=\"ctx\">{}</span>", escape(&s.text));
                }
            }
        }
        None => out.push_str(&escape(&r.quote.text)),
    }
    out.push_str("</td>");
}

fn table(out: &mut String, page: &Page) {
    out.push_str(
        "<table id=\"quotes\"><thead><tr><th data-type=\"num\">#</th><th>document</th>\
         <th>speaker</th><th>mention</th><th>cue</th><th>kind</th>\
         <th data-type=\"num\">confidence</th><th>quote</th><th>stance</th>\
         <th data-type=\"num\">check-worthy</th></tr></thead><tbody>\n",
    );
    for (i, r) in page.rows.iter().enumerate() {
        let _ = write!(
            out,
            "<tr data-conf=\"{:.4}\"><td class=\"num\">{}</td>",
            r.speaker.confidence,
            i + 1
        );
        document_cell(out, r);
        let name = r.speaker.name.as_deref().unwrap_or(speaker_label(r));
        let role = r
            .speaker
            .role
            .as_deref()
            .map(|role| format!("<small>{}</small>", escape(role)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<td>{}{role}</td><td>{}</td><td>{}</td><td>{} · {}</td>\
             <td class=\"num\" data-sort=\"{c:.4}\">{c:.2}</td>",
            escape(name),
            escape(r.speaker.mention.as_ref().map_or("", |m| m.text.as_str())),
            escape(r.cue.as_ref().map_or("", |c| c.text.as_str())),
            r.quote.kind.as_str(),
            escape(&kind_name(r)),
            c = r.speaker.confidence,
        );
        let context = page
            .contexts
            .and_then(|c| c.get(i))
            .and_then(|c| c.as_deref());
        quote_cell(out, r, context);
        stance_and_claim_cells(out, r);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// The stance cell (the model's answers, `target: label (score)`; answers of the target gate
/// say only that the article never names the target, so they are left out) and the
/// check-worthiness cell (the score, marked when the quote is check-worthy).
fn stance_and_claim_cells(out: &mut String, r: &Record) {
    out.push_str("<td>");
    for s in r
        .stance
        .iter()
        .filter(|s| s.basis == crate::record::Basis::Model)
    {
        let _ = write!(
            out,
            "<small>{}: {} ({:.2})</small>",
            escape(&s.target),
            escape(&s.label),
            s.score
        );
    }
    out.push_str("</td>");
    match &r.claim {
        Some(c) => {
            let _ = write!(
                out,
                "<td class=\"num\" data-sort=\"{s:.4}\">{}{s:.2}</td>",
                if c.checkworthy { "✔ " } else { "" },
                s = c.score
            );
        }
        None => out.push_str("<td class=\"num\" data-sort=\"-1\"></td>"),
    }
}

fn kind_name(r: &Record) -> String {
    serde_json::to_value(r.speaker.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Renders the whole page.
pub fn render(page: &Page) -> String {
    let mut out = String::with_capacity(64 * 1024 + page.rows.len() * 1024);
    let title = escape(&page.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{CSS}</style></head>\n<body>\n<h1>{title}</h1>\n"
    );
    out.push_str("<dl class=\"figures\" id=\"totals\">");
    for f in &page.figures {
        let _ = write!(
            out,
            "<div><dt>{}</dt><dd>{}</dd></div>",
            escape(&f.label),
            escape(&f.value)
        );
    }
    out.push_str("</dl>\n");
    for n in &page.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
    }
    for s in &page.sections {
        let _ = write!(
            out,
            "<section class=\"chart\" id=\"{}\"><h2>{}</h2>",
            s.id,
            escape(&s.heading)
        );
        if let Some(n) = &s.note {
            let _ = write!(out, "<p class=\"note\">{}</p>", escape(n));
        }
        if let Some(svg) = &s.svg {
            // plotters escapes the text it writes, so the SVG is embedded as it is.
            out.push_str(svg);
        }
        out.push_str("</section>\n");
    }
    let _ = writeln!(
        out,
        "<section id=\"quote-table\"><h2>Quotes</h2>\
         <input id=\"search\" type=\"search\" placeholder=\"Search quotes, speakers, documents…\" \
         aria-label=\"Search the table\"> <label>minimum confidence <input id=\"minconf\" \
         type=\"number\" min=\"0\" max=\"1\" step=\"0.05\" value=\"0\"></label> \
         <span id=\"shown\">{n}</span> of {n} rows shown",
        n = page.rows.len()
    );
    table(&mut out, page);
    let _ = write!(out, "</section>\n<script>{JS}</script>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::QuoteKind;
    use crate::report::aggregate::tests::record;

    fn page_with(rows: &[Record], contexts: Option<&[Option<Vec<Segment>>]>) -> String {
        render(&Page {
            title: "t <i>".into(),
            figures: vec![Figure {
                label: "records".into(),
                value: "1".into(),
            }],
            notes: vec![],
            sections: vec![],
            rows,
            contexts,
        })
    }

    #[test]
    fn escapes_everything_from_the_data() {
        let mut r = record(
            "doc<1>",
            Some("Eve \"E\" <b>"),
            QuoteKind::Direct,
            "<script>alert('x')</script> & more",
        );
        r.meta.insert("url".into(), "javascript:alert(1)".into());
        r.meta.insert("title".into(), "<img src=x>".into());
        let html = page_with(std::slice::from_ref(&r), None);
        assert_eq!(
            html.matches("<script>").count(),
            1,
            "only the page's own script"
        );
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
        assert!(html.contains("Eve &quot;E&quot; &lt;b&gt;"));
        assert!(html.contains("doc&lt;1&gt;"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("href=\"javascript"));
        assert!(html.contains("<title>t &lt;i&gt;</title>"));
    }

    #[test]
    fn marks_quote_in_context_and_links_web_urls() {
        let mut r = record("d", Some("Ana"), QuoteKind::Indirect, "yes <now>");
        r.meta
            .insert("url".into(), "https://example.org/a?b=1&c=2".into());
        let ctx = vec![Some(vec![
            Segment {
                text: "She said ".into(),
                mark: false,
            },
            Segment {
                text: "yes <now>".into(),
                mark: true,
            },
        ])];
        let html = page_with(std::slice::from_ref(&r), Some(&ctx));
        assert!(html.contains("<mark>yes &lt;now&gt;</mark>"));
        assert!(html.contains("href=\"https://example.org/a?b=1&amp;c=2\""));
        assert!(html.contains("document.body.dataset.ready = \"1\""));
    }
}
