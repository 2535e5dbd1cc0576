//! The report as one self-contained HTML file: the [`Sink`] that writes inline CSS, no
//! script, no link, image, font or any other reference a browser would fetch. Every string it
//! is given goes through `escape::html` (or `escape::html_pre` inside `<pre>`), after it is
//! made inert.

use std::fmt::Write;

use super::escape::{html, html_pre};
use super::layout::{Sink, walk};
use super::model::Report;
use super::text::Section;

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 78em; padding: 0 1em; color: #1d1d1f; background: #fff; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #d0d4da; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.1em; margin-top: 1.5em; }
h4 { font-size: 1em; margin: 1.2em 0 .4em; }
p.meta { color: #555; margin: .1em 0; }
nav ol { columns: 2; }
table { border-collapse: collapse; margin: .5em 0 1em; width: 100%; }
th, td { border: 1px solid #d0d4da; padding: .25em .5em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f0f2f5; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 12em; }
pre { background: #f6f8fa; border: 1px solid #d0d4da; padding: .6em; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12.5px; }
.st { display: inline-block; padding: 0 .5em; border-radius: 3px; font-weight: 600; }
.malicious { background: #fdd; color: #900; }
.suspicious { background: #fec; color: #840; }
.benign { background: #dfd; color: #060; }
.untriaged { background: #eee; color: #444; }
.path { font-family: ui-monospace, monospace; }
";

/// Render the report as HTML.
pub fn render(r: &Report) -> String {
    let mut sink = Html::default();
    walk(r, &mut sink);
    sink.out
}

#[derive(Default)]
struct Html {
    out: String,
}

impl Sink for Html {
    fn begin(&mut self, preamble: &[String], sections: &[Section]) {
        let out = &mut self.out;
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<title>huntbench case report</title>\n");
        let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
        out.push_str("<h1>huntbench case report</h1>\n");
        for line in preamble {
            let _ = writeln!(out, "<p class=\"meta\">{}</p>", html(line));
        }
        out.push_str("<nav><ol>\n");
        for s in sections {
            let _ = writeln!(out, "<li><a href=\"#{}\">{}</a></li>", s.id(), s.title());
        }
        out.push_str("</ol></nav>\n");
    }

    fn end(&mut self) {
        self.out.push_str("</body>\n</html>\n");
    }

    fn heading(&mut self, section: Section) {
        let _ = writeln!(
            self.out,
            "<h2 id=\"{}\">{}</h2>",
            section.id(),
            section.title()
        );
    }

    fn subheading(&mut self, level: u8, text: &str) {
        let _ = writeln!(self.out, "<h{level}>{}</h{level}>", html(text));
    }

    fn fixed_subheading(&mut self, title: &'static str) {
        let _ = writeln!(self.out, "<h3>{title}</h3>");
    }

    fn status_heading(&mut self, status: &str, title: &str, count: usize) {
        // The status is also the class that colours it (see STYLE).
        let _ = writeln!(
            self.out,
            "<h3><span class=\"st {}\">{}</span> ({count})</h3>",
            html(status),
            html(title)
        );
    }

    fn chain_heading(&mut self, n: usize, path: &[&str]) {
        let path: Vec<String> = path.iter().map(|h| html(h)).collect();
        let _ = writeln!(
            self.out,
            "<h3>Chain {n}: <span class=\"path\">{}</span></h3>",
            path.join(" → ")
        );
    }

    fn para(&mut self, text: &str) {
        let _ = writeln!(self.out, "<p>{}</p>", html(text));
    }

    fn list(&mut self, items: &[String]) {
        self.out.push_str("<ul>\n");
        for item in items {
            let _ = writeln!(self.out, "<li>{}</li>", html(item));
        }
        self.out.push_str("</ul>\n");
    }

    /// Cells that are whole numbers align right.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        let out = &mut self.out;
        out.push_str("<table>\n<tr>");
        for h in header {
            let _ = write!(out, "<th>{}</th>", html(h));
        }
        out.push_str("</tr>\n");
        for row in rows {
            out.push_str("<tr>");
            for cell in row {
                let cell = html(cell);
                let numeric = !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit());
                let class = if numeric { " class=\"n\"" } else { "" };
                let _ = write!(out, "<td{class}>{cell}</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }

    fn kv_table(&mut self, rows: &[(String, String)]) {
        let out = &mut self.out;
        out.push_str("<table class=\"kv\">\n");
        for (k, v) in rows {
            let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", html(k), html(v));
        }
        out.push_str("</table>\n");
    }

    fn code(&mut self, body: &str) {
        let _ = writeln!(self.out, "<pre>{}</pre>", html_pre(body));
    }
}
