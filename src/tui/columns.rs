//! Which columns a table shows in a given width, and how wide. Pure: `update` uses it to know
//! whether `→` has anything to reveal, the views to draw. The order in which columns give way
//! is data ([`GIVE_WAY`]), the same for every table.

/// What a column holds; it decides how the column gives way when room is short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Script text, a command line, a summary: what the analyst reads. Cut with `…`.
    Text,
    Host,
    User,
    /// Any other text key (process names, a channel): cut with `…`.
    Key,
    /// A number, id or label that is never cut: shown whole or not at all.
    Fixed,
    /// The row's event count: never cut, never hidden, never scrolled away.
    Count,
    /// A table's one timestamp (events, timeline): shortened, never dropped by priority.
    Time,
    /// First seen: shortened, then dropped.
    First,
    /// Last seen: shortened, then dropped.
    Last,
    /// The sparkline (timeline bucket column).
    Activity,
    /// A one-cell marker (suppressed ✗): never cut, never scrolled away.
    Marker,
}

impl Role {
    /// Pinned columns stay whatever the width and the sideways scroll.
    fn pinned(self) -> bool {
        matches!(self, Role::Count | Role::Marker)
    }
    /// Columns whose cells may be cut (with `…`) down to their minimum.
    fn shrinks(self) -> bool {
        matches!(self, Role::Text | Role::Host | Role::User | Role::Key)
    }
}

/// One step of giving way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Timestamps of these roles show only their time (or only their date), all at once so a
    /// row never mixes a full and a short time.
    Shorten(&'static [Role]),
    /// Columns of this role leave the table (`→` brings them back).
    Drop(Role),
    /// Columns of these roles are cut down towards their minimum, as far as needed, the widest
    /// first (so they end up sharing the room); on a tie the later role in the list gives first.
    Shrink(&'static [Role]),
    /// The rightmost shown columns leave while they are of these roles (hidden to the right,
    /// `→` scrolls to them), so the text, host and user that stand left of them keep room.
    HideTrailing(&'static [Role]),
}

/// The give-way order when a table is too wide, first step first: text, host and user keep
/// their room while the timestamps shorten and the sparkline and the timestamps go. Whatever
/// still does not fit is hidden from the right, to be scrolled to.
pub const GIVE_WAY: &[Step] = &[
    Step::Shorten(&[Role::First, Role::Last, Role::Time]),
    Step::Drop(Role::Activity),
    Step::Drop(Role::Last),
    Step::Drop(Role::First),
    Step::Shrink(&[Role::Key]),
    Step::HideTrailing(&[Role::Key]),
    Step::Shrink(&[Role::Text, Role::Host, Role::User]),
];

/// Room a text column keeps before anything else gives way (it gets more when there is spare).
pub const TEXT_KEEPS: usize = 32;
/// The narrowest a cut text column becomes.
pub const TEXT_MIN: usize = 12;
/// Width of a full timestamp (`2024-10-21T13:15:00`).
pub const TIME_FULL: usize = 19;

/// How a timestamp column shows its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeForm {
    Full,
    /// `13:15:00`: every row of the table falls on one day (said in the title).
    TimeOnly,
    /// `2024-10-21`: the rows span several days.
    DateOnly,
}

impl TimeForm {
    /// The short form for times between `lo` and `hi` (already formatted, same zone).
    pub fn short_for(lo: &str, hi: &str) -> TimeForm {
        if lo.get(..10).is_some() && lo.get(..10) == hi.get(..10) {
            TimeForm::TimeOnly
        } else {
            TimeForm::DateOnly
        }
    }
    /// Display width of this form.
    pub fn width(self) -> usize {
        match self {
            TimeForm::Full => TIME_FULL,
            TimeForm::TimeOnly => 8,
            TimeForm::DateOnly => 10,
        }
    }
    /// A `%Y-%m-%dT%H:%M:%S` string in this form.
    pub fn apply(self, full: &str) -> String {
        let part = match self {
            TimeForm::Full => Some(full),
            TimeForm::TimeOnly => full.get(11..),
            TimeForm::DateOnly => full.get(..10),
        };
        part.unwrap_or(full).to_string()
    }
}

/// `s` cut to `max` display columns, ending in `…` when cut.
fn fit(s: &str, max: usize) -> String {
    super::view::fit(s, max)
}

/// A column as a table declares it: name, role and the width its widest value needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub name: String,
    pub role: Role,
    /// Display width of its widest value (or header); a timestamp's full width.
    pub need: usize,
    /// A timestamp's short form (ignored for other roles).
    pub short: TimeForm,
}

impl Spec {
    /// A column of `role` needing `need` cells (at least its name's width).
    pub fn new(name: &str, role: Role, need: usize) -> Spec {
        let need = need.max(unicode_width::UnicodeWidthStr::width(name).min(TEXT_MIN));
        Spec {
            name: name.to_string(),
            role,
            need,
            short: TimeForm::DateOnly,
        }
    }
    /// A timestamp column whose short form is `short`.
    pub fn time(name: &str, role: Role, short: TimeForm) -> Spec {
        Spec {
            name: name.to_string(),
            role,
            need: TIME_FULL,
            short,
        }
    }
    /// The header over this column as placed: a shortened timestamp drops its `Time` suffix
    /// (`first`, `last`), anything else is cut with `…`.
    pub fn header(&self, p: &Placed) -> String {
        let name = match p.form {
            TimeForm::Full => self.name.as_str(),
            _ => self.name.strip_suffix("Time").unwrap_or(&self.name),
        };
        fit(name, p.width)
    }
    fn keeps(&self) -> usize {
        match self.role {
            Role::Text => self.need.min(TEXT_KEEPS),
            _ => self.need,
        }
    }
    fn min(&self) -> usize {
        if self.role.shrinks() {
            self.need.min(TEXT_MIN)
        } else {
            self.need
        }
    }
}

/// One column as placed: which spec, how wide, and a timestamp's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// Index into the specs.
    pub col: usize,
    pub width: usize,
    pub form: TimeForm,
}

/// The columns a table shows, in display order, and how many it hides on either side.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub shown: Vec<Placed>,
    /// Columns scrolled past on the left (`◂ N more`).
    pub hidden_left: usize,
    /// Columns not shown to the right of the scroll position (`N more ▸`): `→` reveals them.
    pub hidden_right: usize,
}

impl Plan {
    /// The placement of spec `col`, when shown.
    pub fn get(&self, col: usize) -> Option<&Placed> {
        self.shown.iter().find(|p| p.col == col)
    }
    /// `◂ 2 more · 3 more ▸` (empty when every column shows).
    pub fn markers(&self) -> String {
        let mut parts = Vec::new();
        if self.hidden_left > 0 {
            parts.push(format!("◂ {} more", self.hidden_left));
        }
        if self.hidden_right > 0 {
            parts.push(format!("{} more ▸", self.hidden_right));
        }
        parts.join(" · ")
    }
}

/// Lay out `specs` in `room` cells (one space between columns), the first `skip` scrollable
/// (unpinned) columns scrolled past.
pub fn plan(specs: &[Spec], room: usize, skip: usize) -> Plan {
    let scrollable: Vec<usize> = (0..specs.len())
        .filter(|&i| !specs[i].role.pinned())
        .collect();
    let skip = skip.min(scrollable.len().saturating_sub(1));
    let skipped = &scrollable[..skip];
    let mut width: Vec<Option<usize>> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (!skipped.contains(&i)).then(|| s.keeps()))
        .collect();
    let mut form = vec![TimeForm::Full; specs.len()];
    let total = |w: &[Option<usize>]| {
        let n = w.iter().flatten().count();
        w.iter().flatten().sum::<usize>() + n.saturating_sub(1)
    };
    for step in GIVE_WAY {
        if total(&width) <= room {
            break;
        }
        match *step {
            Step::Shorten(roles) => {
                for (i, s) in specs.iter().enumerate() {
                    if roles.contains(&s.role) && width[i].is_some() {
                        form[i] = s.short;
                        width[i] = Some(s.short.width());
                    }
                }
            }
            Step::Drop(role) => {
                for (i, s) in specs.iter().enumerate() {
                    if s.role == role {
                        width[i] = None;
                    }
                }
            }
            Step::HideTrailing(roles) => {
                while total(&width) > room {
                    let shown: Vec<usize> = scrollable
                        .iter()
                        .copied()
                        .filter(|&i| width[i].is_some())
                        .collect();
                    match shown.last() {
                        Some(&i) if shown.len() > 1 && roles.contains(&specs[i].role) => {
                            width[i] = None
                        }
                        _ => break,
                    }
                }
            }
            Step::Shrink(roles) => {
                let mut excess = total(&width).saturating_sub(room);
                let rank = |i: usize| roles.iter().position(|r| *r == specs[i].role);
                while excess > 0 {
                    // The widest column that can still give a cell.
                    let widest = (0..specs.len())
                        .filter(|&i| rank(i).is_some())
                        .filter(|&i| width[i].is_some_and(|w| w > specs[i].min()))
                        .max_by_key(|&i| (width[i], rank(i)));
                    let Some(i) = widest else { break };
                    width[i] = width[i].map(|w| w - 1);
                    excess -= 1;
                }
            }
        }
    }
    // Still too wide: hide unpinned columns from the right, keeping at least one.
    while total(&width) > room {
        let shown: Vec<usize> = scrollable
            .iter()
            .copied()
            .filter(|&i| width[i].is_some())
            .collect();
        if shown.len() <= 1 {
            break;
        }
        width[shown[shown.len() - 1]] = None;
    }
    // A single column wider than the room is cut to it.
    let over = total(&width).saturating_sub(room);
    if over > 0
        && let Some(i) = scrollable.iter().copied().find(|&i| width[i].is_some())
    {
        width[i] = width[i].map(|w| w.saturating_sub(over));
    }
    // Spare room: to the text column up to its need, then to the other cut columns.
    let mut spare = room.saturating_sub(total(&width));
    for role in [Role::Text, Role::Key, Role::Host, Role::User] {
        for (i, s) in specs.iter().enumerate() {
            if s.role != role || spare == 0 {
                continue;
            }
            if let Some(w) = width[i] {
                let add = s.need.saturating_sub(w).min(spare);
                width[i] = Some(w + add);
                spare -= add;
            }
        }
    }
    let shown: Vec<Placed> = width
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            w.map(|width| Placed {
                col: i,
                width,
                form: form[i],
            })
        })
        .collect();
    let hidden_right = scrollable[skip..]
        .iter()
        .filter(|&&i| width[i].is_none())
        .count();
    Plan {
        shown,
        hidden_left: skip,
        hidden_right,
    }
}

/// How far each table is scrolled sideways (columns scrolled past on the left).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sideways {
    pub results: usize,
    pub events: usize,
    pub edges: usize,
    pub timeline: usize,
    pub exclusions: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results_specs() -> Vec<Spec> {
        vec![
            Spec::new("ScriptBlockText", Role::Text, 48),
            Spec::new("Computer", Role::Host, 17),
            Spec::new("user_id", Role::User, 15),
            Spec::new("count", Role::Count, 6),
            Spec::time("firstTime", Role::First, TimeForm::TimeOnly),
            Spec::time("lastTime", Role::Last, TimeForm::TimeOnly),
            Spec::new("activity", Role::Activity, 14),
        ]
    }

    fn names(specs: &[Spec], p: &Plan) -> Vec<(String, usize)> {
        p.shown
            .iter()
            .map(|c| (specs[c.col].name.clone(), c.width))
            .collect()
    }

    #[test]
    fn wide_shows_everything_and_text_takes_the_spare() {
        let s = results_specs();
        let p = plan(&s, 200, 0);
        assert_eq!(p.shown.len(), 7);
        assert_eq!(p.get(0).unwrap().width, 48);
        assert_eq!(p.get(4).unwrap().form, TimeForm::Full);
        assert_eq!(p.markers(), "");
    }

    #[test]
    fn timestamps_shorten_then_the_sparkline_and_times_go_before_text_is_cut() {
        let s = results_specs();
        // 116: both times short, sparkline kept, text gets the spare.
        let p = plan(&s, 116, 0);
        assert_eq!(p.get(4).unwrap().form, TimeForm::TimeOnly);
        assert_eq!(p.get(5).unwrap().width, 8);
        assert!(p.get(6).is_some());
        assert_eq!(p.get(0).unwrap().width, 42);
        // 76: the times and the sparkline are gone; text, host, user whole; count stays.
        let p = plan(&s, 76, 0);
        assert_eq!(
            names(&s, &p),
            vec![
                ("ScriptBlockText".into(), 35),
                ("Computer".into(), 17),
                ("user_id".into(), 15),
                ("count".into(), 6)
            ]
        );
        assert_eq!(p.markers(), "3 more ▸");
        // 56: text, host and user are cut, the widest first, so they share the room.
        let p = plan(&s, 56, 0);
        assert_eq!(p.get(0).unwrap().width, 16);
        assert_eq!(p.get(1).unwrap().width, 16);
        assert_eq!(p.get(2).unwrap().width, 15);
        assert_eq!(p.get(3).unwrap().width, 6, "the count is never cut");
    }

    #[test]
    fn scrolling_right_skips_columns_and_brings_hidden_ones_back() {
        let s = results_specs();
        let p = plan(&s, 76, 1);
        assert!(p.get(0).is_none());
        assert!(p.get(3).is_some(), "the count is pinned");
        assert!(p.get(6).is_some(), "the sparkline is back");
        assert_eq!(p.markers(), "◂ 1 more");
        // A row never mixes a full and a short time.
        let p = plan(&s, 88, 1);
        assert_eq!(p.get(4).unwrap().form, TimeForm::TimeOnly);
        assert_eq!(p.get(5).unwrap().form, TimeForm::TimeOnly);
        // Scrolled as far as it goes: the skip is clamped.
        let p = plan(&s, 76, 99);
        assert_eq!(p.hidden_left, 5);
        assert!(p.get(3).is_some());
    }
}
