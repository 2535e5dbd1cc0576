//! The report as Markdown (the default): the [`Sink`] that writes headings, pipe tables and
//! fenced blocks. Every string it is given goes through `escape::md` (headings, cells, list
//! items, paragraphs) or `escape::md_code` (whole script blocks).

use std::fmt::Write;

use super::escape::{md, md_code};
use super::layout::{Sink, walk};
use super::model::Report;
use super::text::Section;

/// Render the report as Markdown.
pub fn render(r: &Report) -> String {
    let mut sink = Markdown::default();
    walk(r, &mut sink);
    sink.out
}

#[derive(Default)]
struct Markdown {
    out: String,
}

impl Sink for Markdown {
    fn begin(&mut self, preamble: &[String], _sections: &[Section]) {
        let _ = writeln!(self.out, "# huntbench case report\n");
        for line in preamble {
            // Two trailing spaces: a line break, so the lines do not run into one paragraph.
            let _ = writeln!(self.out, "{}  ", md(line));
        }
        self.out.push('\n');
    }

    fn end(&mut self) {
        // Every element ends in a blank line; the file ends in exactly one newline.
        self.out.truncate(self.out.trim_end().len());
        self.out.push('\n');
    }

    fn heading(&mut self, section: Section) {
        let _ = writeln!(self.out, "## {}\n", section.title());
    }

    fn subheading(&mut self, level: u8, text: &str) {
        let hashes = "#".repeat(usize::from(level));
        let _ = writeln!(self.out, "{hashes} {}\n", md(text));
    }

    fn fixed_subheading(&mut self, title: &'static str) {
        let _ = writeln!(self.out, "### {title}\n");
    }

    fn status_heading(&mut self, _status: &str, title: &str, count: usize) {
        let _ = writeln!(self.out, "### {} ({count})\n", md(title));
    }

    fn chain_heading(&mut self, n: usize, path: &[&str]) {
        let path: Vec<String> = path.iter().map(|h| md(h)).collect();
        let _ = writeln!(self.out, "### Chain {n}: {}\n", path.join(" → "));
    }

    fn para(&mut self, text: &str) {
        let _ = writeln!(self.out, "{}\n", md(text));
    }

    fn list(&mut self, items: &[String]) {
        for item in items {
            let _ = writeln!(self.out, "- {}", md(item));
        }
        self.out.push('\n');
    }

    fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        // The header is ours and written as it is: `md` would turn the hop column `#` into `\#`.
        let _ = writeln!(self.out, "| {} |", header.join(" | "));
        self.pipe_rows(
            header.len(),
            rows.iter().map(|row| row.iter().map(|c| md(c))),
        );
    }

    fn kv_table(&mut self, rows: &[(String, String)]) {
        // A pipe table needs a header row; an empty one reads as a plain two-column list.
        self.out.push_str("|  |  |\n");
        self.pipe_rows(2, rows.iter().map(|(k, v)| [md(k), md(v)].into_iter()));
    }

    fn code(&mut self, body: &str) {
        self.out.push_str(&md_code(body));
        self.out.push('\n');
    }
}

impl Markdown {
    /// The delimiter row and the rows of escaped cells of a `columns`-wide pipe table; a
    /// table without rows shows one row of dashes, so "none" is visible in the table itself.
    fn pipe_rows<R, C>(&mut self, columns: usize, rows: R)
    where
        R: Iterator<Item = C>,
        C: Iterator<Item = String>,
    {
        let _ = writeln!(self.out, "|{}|", vec!["---"; columns].join("|"));
        let mut any = false;
        for row in rows {
            any = true;
            let _ = writeln!(self.out, "| {} |", row.collect::<Vec<_>>().join(" | "));
        }
        if !any {
            let _ = writeln!(self.out, "| {} |", vec!["—"; columns].join(" | "));
        }
        self.out.push('\n');
    }
}
