//! The row-detail screen (`v`): every column of the selected row of any table as
//! `name: value`, each value whole and wrapped at the screen's width. Built from the row when
//! opened (the data is already in memory: no effect), scrolled like the text view.

use super::action::Action;
use super::app::{App, Screen};
use super::input::moved;
use super::layout;
use super::msg::Effect;
use super::table_specs::{channel_label, event_part, event_user};
use super::update::{fail, source_label};
use crate::analytics::event_summary;
use crate::sanitize::{inert_line, inert_text};
use crate::time::ctime;

/// What the row-detail screen shows: the row's columns, exact (sanitized when drawn).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailView {
    /// Which table and row (sanitized).
    pub title: String,
    /// (column name, exact value), in the table's column order.
    pub fields: Vec<(String, String)>,
    /// First wrapped line on screen.
    pub scroll: usize,
}

/// One wrapped line; its first `name` bytes are a field's name (drawn bold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailLine {
    pub text: String,
    pub name: usize,
}

/// The fields laid out in `width` columns: `name: value`, a long value wrapped (words kept
/// whole where they fit, wide characters never split), its further lines indented; line breaks
/// in a value (a script's) are kept. Every piece is inert.
pub fn lines(d: &DetailView, width: usize) -> Vec<DetailLine> {
    let width = width.max(8);
    let mut out = Vec::new();
    for (name, value) in &d.fields {
        let head = format!("{}: ", inert_line(name));
        let value = inert_text(value);
        let mut first = true;
        for part in value.split('\n') {
            let initial = if first { head.as_str() } else { "  " };
            if part.is_empty() {
                out.push(DetailLine {
                    text: initial.trim_end().to_string(),
                    name: if first { head.len() - 1 } else { 0 },
                });
                first = false;
                continue;
            }
            let opts = textwrap::Options::new(width)
                .initial_indent(initial)
                .subsequent_indent("  ")
                .break_words(true)
                .word_separator(textwrap::WordSeparator::AsciiSpace);
            for (i, l) in textwrap::wrap(part, opts).into_iter().enumerate() {
                let name = if first && i == 0 { head.len() - 1 } else { 0 };
                out.push(DetailLine {
                    text: l.into_owned(),
                    name,
                });
            }
            first = false;
        }
    }
    out
}

/// Wrap width inside the screen's border.
fn wrap_width(app: &App) -> usize {
    (layout::areas(app).body.width as usize).saturating_sub(2)
}

/// `v`: open the row-detail screen on the selected row of the table on screen.
pub fn open(app: &mut App) -> Vec<Effect> {
    let Some((title, fields)) = selected_fields(app) else {
        let why = match app.screen() {
            Screen::Main | Screen::Events | Screen::Edges | Screen::Timeline => "no row selected",
            _ => "v shows a table's row in full; this screen has no table rows",
        };
        fail(app, why.into());
        return vec![];
    };
    app.detail = DetailView {
        title,
        fields,
        scroll: 0,
    };
    app.stack.push(Screen::Detail);
    vec![]
}

/// A key on the row-detail screen: scroll; Esc (handled for every screen) goes back.
pub fn action(app: &mut App, a: Action) -> Vec<Effect> {
    let total = lines(&app.detail, wrap_width(app)).len();
    let rows = layout::areas(app).body_rows(false);
    if let Some(i) = moved(app.detail.scroll, total, rows, a) {
        app.detail.scroll = i;
    }
    vec![]
}

fn opt(v: Option<&str>) -> String {
    v.unwrap_or("-").to_string()
}

/// The selected row of the table on screen as its columns' names and exact values.
fn selected_fields(app: &App) -> Option<(String, Vec<(String, String)>)> {
    let time = |t: i64| ctime(t, app.tz);
    match app.screen() {
        Screen::Main => {
            let row = app.selected_row()?;
            let h = app.current()?;
            let r = &app.results;
            let mut f: Vec<(String, String)> = Vec::new();
            for (i, name) in r.columns.iter().enumerate() {
                let v = row.key.get(i).cloned().unwrap_or_default();
                // A SID with the name learned for it (the value itself stays the SID).
                let v = match app.sid_names.get(&v) {
                    Some((n, src)) => format!("{v} = {n} (from {src})"),
                    None => v,
                };
                f.push((name.clone(), v));
            }
            f.push(("count".into(), row.count.to_string()));
            f.push(("firstTime".into(), time(row.first)));
            f.push(("lastTime".into(), time(row.last)));
            if !row.suppressed_by.is_empty() {
                f.push(("suppressed by".into(), row.suppressed_by.join(", ")));
            }
            let title = format!("row of {} ({})", h.query.name, app.pivot.label());
            Some((inert_line(&title).into_owned(), f))
        }
        Screen::Events => {
            let ev = &app.events;
            let e = ev.events.get(ev.selected)?;
            let mut f = vec![
                ("time".to_string(), time(e.time)),
                ("host".into(), e.computer.clone()),
                ("user".into(), event_user(app, e)),
                (
                    "record id".into(),
                    opt(e.record_id.map(|r| r.to_string()).as_deref()),
                ),
                ("code".into(), e.event_code.to_string()),
                ("channel".into(), e.channel.clone()),
                ("part".into(), event_part(e)),
            ];
            if let Some(why) = ev.reasons.get(&e.uid()) {
                f.push(("dropped because".into(), why.clone()));
            }
            f.push(("ScriptBlockId".into(), opt(e.script_block_id.as_deref())));
            if let Some(p) = e.process.as_deref() {
                f.push(("command line".into(), p.to_string()));
            }
            f.push(("text".into(), event_summary(e).into_owned()));
            Some((format!("event in {}", source_label(&ev.source)), f))
        }
        Screen::Edges => {
            let e = app.edges.items.get(app.edges.selected)?;
            let mut f = vec![
                ("source".to_string(), e.source.clone()),
                ("target".into(), e.target.clone()),
                ("ends".into(), e.ends.label().to_string()),
                ("users".into(), e.users.join(", ")),
                ("count".into(), e.count.to_string()),
                ("firstTime".into(), time(e.first)),
                ("lastTime".into(), time(e.last)),
                ("evidence".into(), format!("{} events", e.evidence.len())),
                ("techniques".into(), e.techniques.join(", ")),
            ];
            if !e.notes.is_empty() {
                f.push(("note".into(), e.note()));
            }
            let title = format!("edge {} → {}", e.source, e.target);
            Some((inert_line(&title).into_owned(), f))
        }
        Screen::Timeline => {
            let l = app.timeline.lines.get(app.timeline.selected)?;
            let f = vec![
                ("time".to_string(), time(l.time)),
                ("host".into(), l.host.clone()),
                ("code".into(), l.event_code.to_string()),
                ("channel".into(), channel_label(&l.channel).to_string()),
                ("user".into(), opt(l.user.as_deref())),
                ("summary".into(), l.summary.clone()),
            ];
            Some(("timeline line".into(), f))
        }
        _ => None,
    }
}
