//! The columns of each table (results, events, edges, timeline) as [`Spec`]s, from the app's
//! data: one place both `update` (may `→` reveal more?) and the views (draw) read.

use unicode_width::UnicodeWidthStr;

use super::app::{App, EventSource, Screen};
use super::columns::{Plan, Role, Spec, TimeForm, plan};
use super::layout;
use super::rows::{host_field, text_field, user_field};
use crate::sanitize::inert_line;
use crate::time::ctime;

/// A table's columns: what each shows (`T`) and how it lays out.
pub struct Columns<T> {
    pub tags: Vec<T>,
    pub specs: Vec<Spec>,
}

impl<T: Copy> Columns<T> {
    fn push(&mut self, tag: T, spec: Spec) {
        self.tags.push(tag);
        self.specs.push(spec);
    }
    /// Lay out in `room` cells, `skip` columns scrolled past.
    pub fn plan(&self, room: usize, skip: usize) -> Plan {
        plan(&self.specs, room, skip)
    }
    /// What spec `i` shows.
    pub fn tag(&self, i: usize) -> T {
        self.tags[i]
    }
}

impl<T> Default for Columns<T> {
    fn default() -> Self {
        Columns {
            tags: Vec::new(),
            specs: Vec::new(),
        }
    }
}

/// Cells a table's columns have inside a body of `width`: borders and the `▶ ` marker.
pub fn room(width: u16) -> usize {
    (width as usize).saturating_sub(4)
}

/// Display width of attacker text as shown (a control character takes its symbol's room).
fn shown_width(s: &str) -> usize {
    inert_line(s).width()
}

/// A results column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultCol {
    Mark,
    /// The row's triage mark (status, `+N` when it grew).
    Triage,
    /// Index into `Results::columns`.
    Key(usize),
    Count,
    First,
    Last,
    Activity,
}

/// Numbers and ids among the key columns: never cut.
fn is_number(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "eventcode" || n == "event_code" || (n.ends_with("process_id"))
}

/// The short form for times between `lo` and `hi` (microseconds) in the app's zone.
pub fn short_form(app: &App, lo: i64, hi: i64) -> TimeForm {
    TimeForm::short_for(&ctime(lo, app.tz), &ctime(hi, app.tz))
}

/// The short form of a list's one timestamp: the time of day when every line is on one day;
/// over several days the full time stays (a date alone would lose when each event happened).
fn list_time_form(app: &App, lo: i64, hi: i64) -> TimeForm {
    match short_form(app, lo, hi) {
        TimeForm::TimeOnly => TimeForm::TimeOnly,
        _ => TimeForm::Full,
    }
}

/// The results table's columns: key columns (those with one value in every row are said in
/// the title instead), then count, first, last and the sparkline.
pub fn results(app: &App) -> Columns<ResultCol> {
    let r = &app.results;
    let mut c = Columns::default();
    if app.show_suppressed {
        // Cut like a key column when room is short: the id comes first in it.
        c.push(
            ResultCol::Mark,
            Spec::new("suppressed by", Role::Key, super::view::SUPPRESSED_CELL),
        );
    }
    // A triage column only where this analytic has marks (width of `benign+NN`).
    if app.triage.any_in(app.analytic) {
        c.push(
            ResultCol::Triage,
            Spec::new("mark", Role::Marker, super::view::MARK_CELL),
        );
    }
    let text = text_field(&r.columns);
    let host = host_field(&r.columns);
    let user = user_field(&r.columns);
    let sid_named = !app.sid_names.map.is_empty();
    // The by-clause order, except that the other text keys go last: trailing keys are hidden
    // (to the right) before the text is cut, so a by-clause that ends in its text (the
    // extended analytic's `technique, log, escu, …, text`) keeps what the analyst reads.
    let other_key = |i: usize| ![text, host, user].contains(&Some(i)) && !is_number(&r.columns[i]);
    let order = (0..r.columns.len())
        .filter(|&i| !other_key(i))
        .chain((0..r.columns.len()).filter(|&i| other_key(i)));
    for i in order {
        let name = &r.columns[i];
        if r.constant.get(i).copied().unwrap_or(false) {
            continue;
        }
        let need = match r.sid_width {
            Some(w) if sid_named && name.eq_ignore_ascii_case("user_id") => w,
            _ => r.widths.get(i).copied().unwrap_or(8),
        };
        let role = if Some(i) == text {
            Role::Text
        } else if Some(i) == host {
            Role::Host
        } else if Some(i) == user {
            Role::User
        } else if is_number(name) {
            Role::Fixed
        } else {
            Role::Key
        };
        c.push(ResultCol::Key(i), Spec::new(name, role, need));
    }
    let short = short_form(app, r.span.0, r.span.1);
    c.push(ResultCol::Count, Spec::new("count", Role::Count, 6));
    c.push(
        ResultCol::First,
        Spec::time("firstTime", Role::First, short),
    );
    c.push(ResultCol::Last, Spec::time("lastTime", Role::Last, short));
    c.push(
        ResultCol::Activity,
        Spec::new("activity", Role::Activity, layout::TIMELINE),
    );
    c
}

/// An events-list column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCol {
    Time,
    Host,
    User,
    RecordId,
    Code,
    Part,
    Why,
    Detail,
}

/// The user cell of an event: its user, else its SID (with the name when known).
pub fn event_user(app: &App, e: &crate::event::Event) -> String {
    match (e.user.as_deref(), e.user_sid()) {
        (Some(u), _) => u.to_string(),
        (None, Some(sid)) => app.sid_names.display(sid),
        (None, None) => "-".into(),
    }
}

/// The "part n of m" cell of a script-block part.
pub fn event_part(e: &crate::event::Event) -> String {
    match (e.message_number, e.message_total) {
        (Some(n), Some(m)) => format!("{n} of {m}"),
        _ => "-".into(),
    }
}

/// The events list's columns.
pub fn events(app: &App) -> Columns<EventCol> {
    let ev = &app.events;
    let widest = |f: &dyn Fn(&crate::event::Event) -> usize, cap: usize| {
        ev.events.iter().map(f).max().unwrap_or(0).min(cap)
    };
    let lo = ev.events.iter().map(|e| e.time).min().unwrap_or(0);
    let hi = ev.events.iter().map(|e| e.time).max().unwrap_or(0);
    let mut c = Columns::default();
    c.push(
        EventCol::Time,
        Spec::time("time", Role::Time, list_time_form(app, lo, hi)),
    );
    c.push(
        EventCol::Host,
        Spec::new(
            "host",
            Role::Host,
            widest(&|e| shown_width(&e.computer), 40),
        ),
    );
    c.push(
        EventCol::User,
        Spec::new(
            "user",
            Role::User,
            widest(&|e| shown_width(&event_user(app, e)), 40),
        ),
    );
    let digits = |n: Option<u64>| n.map_or(1, |n| n.to_string().len());
    c.push(
        EventCol::RecordId,
        Spec::new(
            "record id",
            Role::Fixed,
            widest(&|e| digits(e.record_id), 20),
        ),
    );
    c.push(
        EventCol::Code,
        Spec::new(
            "code",
            Role::Fixed,
            widest(&|e| e.event_code.to_string().len(), 10),
        ),
    );
    c.push(
        EventCol::Part,
        Spec::new("part", Role::Fixed, widest(&|e| event_part(e).len(), 20)),
    );
    if !ev.reasons.is_empty() {
        let w = ev
            .reasons
            .values()
            .map(|r| shown_width(r))
            .max()
            .unwrap_or(0);
        c.push(
            EventCol::Why,
            Spec::new("dropped because", Role::Key, w.min(40)),
        );
    }
    let name = if matches!(ev.source, EventSource::Search(_)) {
        "text"
    } else {
        "ScriptBlockId / command line"
    };
    // As wide as the room allows: it takes whatever the others leave.
    c.push(EventCol::Detail, Spec::new(name, Role::Text, 1000));
    c
}

/// An edges-table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeCol {
    /// The edge's triage mark.
    Mark,
    Source,
    Target,
    Ends,
    Users,
    Count,
    First,
    Last,
    Evidence,
    Techniques,
}

/// The edges table's columns.
pub fn edges(app: &App) -> Columns<EdgeCol> {
    let ed = &app.edges;
    let widest = |f: &dyn Fn(&crate::extended::Edge) -> usize, cap: usize| {
        ed.items.iter().map(f).max().unwrap_or(0).min(cap)
    };
    let lo = ed.items.iter().map(|e| e.first).min().unwrap_or(0);
    let hi = ed.items.iter().map(|e| e.last).max().unwrap_or(0);
    let short = short_form(app, lo, hi);
    let mut c = Columns::default();
    // A mark column once any edge is marked.
    if app
        .triage
        .marks
        .list()
        .iter()
        .any(|m| m.analytic == crate::triage::EDGES)
    {
        c.push(
            EdgeCol::Mark,
            Spec::new("mark", Role::Marker, super::view::MARK_CELL),
        );
    }
    c.push(
        EdgeCol::Source,
        Spec::new(
            "source",
            Role::Host,
            widest(&|e| shown_width(&e.source), 40),
        ),
    );
    c.push(
        EdgeCol::Target,
        Spec::new(
            "target",
            Role::Host,
            widest(&|e| shown_width(&e.target) + 2, 42),
        ),
    );
    c.push(EdgeCol::Ends, Spec::new("ends", Role::Fixed, 6));
    c.push(
        EdgeCol::Users,
        Spec::new(
            "users",
            Role::User,
            widest(&|e| shown_width(&e.users.join(", ")), 40),
        ),
    );
    c.push(EdgeCol::Count, Spec::new("count", Role::Count, 6));
    c.push(EdgeCol::First, Spec::time("firstTime", Role::First, short));
    c.push(EdgeCol::Last, Spec::time("lastTime", Role::Last, short));
    c.push(EdgeCol::Evidence, Spec::new("evidence", Role::Fixed, 8));
    c.push(
        EdgeCol::Techniques,
        Spec::new(
            "techniques",
            Role::Text,
            widest(&|e| shown_width(&e.techniques.join(", ")), 1000),
        ),
    );
    c
}

/// A timeline column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineCol {
    Time,
    Host,
    Code,
    Channel,
    Summary,
}

/// `Microsoft-Windows-Sysmon/Operational` → `Sysmon/Operational`: the prefix every Windows
/// channel but the classic ones shares says nothing.
pub fn channel_label(channel: &str) -> &str {
    channel
        .strip_prefix("Microsoft-Windows-")
        .unwrap_or(channel)
}

/// The timeline's columns.
pub fn timeline(app: &App) -> Columns<TimelineCol> {
    let tl = &app.timeline;
    let widest = |f: &dyn Fn(&crate::timeline::TimelineLine) -> usize, cap: usize| {
        tl.lines.iter().map(f).max().unwrap_or(0).min(cap)
    };
    let lo = tl.lines.iter().map(|l| l.time).min().unwrap_or(0);
    let hi = tl.lines.iter().map(|l| l.time).max().unwrap_or(0);
    let mut c = Columns::default();
    c.push(
        TimelineCol::Time,
        Spec::time("time", Role::Time, list_time_form(app, lo, hi)),
    );
    c.push(
        TimelineCol::Host,
        Spec::new("host", Role::Host, widest(&|l| shown_width(&l.host), 40)),
    );
    c.push(
        TimelineCol::Code,
        Spec::new(
            "code",
            Role::Fixed,
            widest(&|l| l.event_code.to_string().len(), 10),
        ),
    );
    c.push(
        TimelineCol::Channel,
        Spec::new(
            "channel",
            Role::Key,
            widest(&|l| shown_width(channel_label(&l.channel)), 40),
        ),
    );
    c.push(TimelineCol::Summary, Spec::new("summary", Role::Text, 1000));
    c
}

/// An exclusions-list column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExclusionCol {
    Id,
    On,
    Analytic,
    Field,
    Op,
    Value,
    Suppresses,
    Note,
}

/// The short label of an exclusion's analytic (its id when the hunt does not know it).
pub fn exclusion_label(app: &App, analytic: &str) -> String {
    crate::analytics::label_of(app.hunts.iter().map(|h| &h.query), analytic).to_string()
}

/// An exclusion's operation and value as the list shows them (SIDs with their names).
pub fn exclusion_op(app: &App, op: &crate::analytics::ExclusionOp) -> (&'static str, String) {
    use crate::analytics::ExclusionOp;
    let show = |v: &str| app.sid_names.display(v);
    match op {
        ExclusionOp::Equals(v) => ("=", show(v)),
        ExclusionOp::Wildcard(v) => ("like", v.clone()),
        ExclusionOp::OneOf(v) => (
            "in",
            v.iter().map(|v| show(v)).collect::<Vec<_>>().join(", "),
        ),
        ExclusionOp::Sha256(v) => ("sha256", v.clone()),
    }
}

/// The exclusions list's columns, in the order a narrow screen keeps them: what the exclusion
/// tests (field, op, value: the value cut with `…`), what it suppresses (never goes), then the
/// analytic's label (never cut) and the note.
pub fn exclusions(app: &App) -> Columns<ExclusionCol> {
    let items = &app.exclusions.items;
    let widest = |f: &dyn Fn(&crate::analytics::Exclusion) -> usize, cap: usize| {
        items.iter().map(f).max().unwrap_or(0).min(cap)
    };
    let mut c = Columns::default();
    let id_w = widest(&|x| x.id.len(), 8);
    c.push(ExclusionCol::Id, Spec::new("id", Role::Fixed, id_w));
    c.push(ExclusionCol::On, Spec::new("on", Role::Fixed, 3));
    let field_w = widest(&|x| shown_width(&x.field), 24);
    c.push(
        ExclusionCol::Field,
        Spec::new("field", Role::Fixed, field_w),
    );
    c.push(ExclusionCol::Op, Spec::new("op", Role::Fixed, 6));
    let value_w = widest(&|x| shown_width(&exclusion_op(app, &x.op).1), 80);
    c.push(ExclusionCol::Value, Spec::new("value", Role::Text, value_w));
    c.push(
        ExclusionCol::Suppresses,
        Spec::new("rows/events", Role::Count, 13),
    );
    // Never cut: the label is what tells the two parity analytics apart. On a narrow screen
    // it is scrolled to (`→`) rather than cut.
    let label_w = widest(&|x| shown_width(&exclusion_label(app, &x.analytic)), 40);
    c.push(
        ExclusionCol::Analytic,
        Spec::new("analytic", Role::Fixed, label_w),
    );
    let note_w = widest(&|x| shown_width(x.note.as_deref().unwrap_or("")), 60);
    c.push(ExclusionCol::Note, Spec::new("note", Role::Text, note_w));
    c
}

/// The sideways plan of the table on the current screen, with its scroll (`None` off a table).
pub fn current_plan(app: &App) -> Option<Plan> {
    let room = room(layout::areas(app).body.width);
    let s = &app.sideways;
    Some(match app.screen() {
        Screen::Main => results(app).plan(room, s.results),
        Screen::Events => events(app).plan(room, s.events),
        Screen::Edges => edges(app).plan(room, s.edges),
        Screen::Timeline => timeline(app).plan(room, s.timeline),
        Screen::Exclusions => exclusions(app).plan(room, s.exclusions),
        _ => return None,
    })
}

/// `←` / `→` on a table: scroll one column, `→` only while columns are hidden to the right.
/// Returns whether it moved.
pub fn scroll(app: &mut App, right: bool) -> bool {
    let Some(p) = current_plan(app) else {
        return false;
    };
    let s = &mut app.sideways;
    let at = match app.stack.last().copied().unwrap_or(Screen::Main) {
        Screen::Main => &mut s.results,
        Screen::Events => &mut s.events,
        Screen::Edges => &mut s.edges,
        Screen::Timeline => &mut s.timeline,
        Screen::Exclusions => &mut s.exclusions,
        _ => return false,
    };
    // The plan clamps the scroll; start from where it really is.
    *at = p.hidden_left;
    if right && p.hidden_right > 0 {
        *at += 1;
        true
    } else if !right && *at > 0 {
        *at -= 1;
        true
    } else {
        false
    }
}
