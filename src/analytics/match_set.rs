//! Many matched queries over one event at a time: what ingest tagging, `hunt --input` and the
//! workbench's batched scan run. Thousands of Sigma rules make the per-event loop the cost:
//! the queries are indexed by event code (a rule for Sysmon 1 is never asked about a 4624),
//! within one code the Sigma rules go through a literal prefilter (only the rules whose
//! needed literals occur in the event are evaluated), and the rules evaluated share one
//! per-event cache of lowercased field values.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::matcher::Matcher;
use super::model::SavedQuery;
use crate::event::Event;
use crate::sigma::{Automata, EvalCache, Prefilter, Scratch};

/// The queries one event code (or any code) asks.
#[derive(Debug)]
struct Bucket {
    /// Built-in and other non-Sigma queries: evaluated on every event of the code.
    plain: Vec<usize>,
    /// Sigma queries, in the prefilter's order.
    sigma: Vec<usize>,
    prefilter: Prefilter,
}

impl Bucket {
    fn new(
        positions: &[usize],
        matchers: &[Matcher],
        code: Option<u32>,
        automata: &Automata,
    ) -> Bucket {
        let (sigma, plain): (Vec<usize>, Vec<usize>) = positions
            .iter()
            .partition(|&&i| matchers[i].sigma_rule().is_some());
        let rules: Vec<&crate::sigma::Rule> = sigma
            .iter()
            .filter_map(|&i| matchers[i].sigma_rule())
            .collect();
        Bucket {
            plain,
            prefilter: Prefilter::with_automata(&rules, code, automata),
            sigma,
        }
    }
}

/// A bucket's queries, compiled the first time an event that asks them comes (most of the
/// hundreds of event codes and channels the rules name never do).
#[derive(Debug)]
struct Lazy {
    positions: Vec<usize>,
    code: Option<u32>,
    bucket: OnceLock<Bucket>,
}

impl Lazy {
    fn new(mut positions: Vec<usize>, code: Option<u32>) -> Lazy {
        positions.sort_unstable();
        positions.dedup();
        Lazy {
            positions,
            code,
            bucket: OnceLock::new(),
        }
    }

    fn get(&self, matchers: &[Matcher], automata: &Automata) -> &Bucket {
        self.bucket
            .get_or_init(|| Bucket::new(&self.positions, matchers, self.code, automata))
    }
}

/// Compiled queries with an event-code and channel index. Shared by clones (one per
/// thread), so the automata are built once.
#[derive(Debug, Clone)]
pub struct MatchSet {
    matchers: Arc<Vec<Matcher>>,
    /// Queries by the event code they read.
    by_code: Arc<HashMap<u32, Lazy>>,
    /// Sigma queries that read every code of a channel (`service: security` with no
    /// `EventID` in the detection), by the channel, ASCII-lowercased.
    by_channel: Arc<Vec<(String, Lazy)>>,
    /// Queries that read any event (a Sigma rule naming only the product, and built-in
    /// queries without event codes).
    anywhere: Arc<Lazy>,
    /// The literal automata the buckets' prefilters have built, shared between buckets.
    automata: Arc<Automata>,
}

thread_local! {
    /// Per-thread prefilter scratch and candidate list (reused, never reallocated per event).
    static SCRATCH: RefCell<(Scratch, Vec<usize>)> = RefCell::default();
}

impl MatchSet {
    /// Compile these queries (their positions are what [`MatchSet::matching`] reports).
    pub fn new<'a>(queries: impl IntoIterator<Item = &'a SavedQuery>) -> Self {
        let mut matchers = Vec::new();
        let mut by_code: HashMap<u32, Vec<usize>> = HashMap::new();
        let mut by_channel: Vec<(String, Vec<usize>)> = Vec::new();
        let mut anywhere = Vec::new();
        for (i, q) in queries.into_iter().enumerate() {
            matchers.push(Matcher::new(q));
            if let Some(codes) = event_codes(q) {
                for c in codes {
                    by_code.entry(c).or_default().push(i);
                }
                continue;
            }
            let sources = &q.selection.sources;
            if q.sigma.is_none() || sources.is_empty() {
                anywhere.push(i);
                continue;
            }
            for s in sources {
                let chan = s.channel.to_ascii_lowercase();
                match by_channel.iter_mut().find(|(c, _)| *c == chan) {
                    Some((_, v)) => v.push(i),
                    None => by_channel.push((chan, vec![i])),
                }
            }
        }
        MatchSet {
            matchers: Arc::new(matchers),
            by_code: Arc::new(
                by_code
                    .into_iter()
                    .map(|(c, v)| (c, Lazy::new(v, Some(c))))
                    .collect(),
            ),
            by_channel: Arc::new(
                by_channel
                    .into_iter()
                    .map(|(c, v)| (c, Lazy::new(v, None)))
                    .collect(),
            ),
            anywhere: Arc::new(Lazy::new(anywhere, None)),
            automata: Arc::default(),
        }
    }

    /// Number of queries.
    pub fn len(&self) -> usize {
        self.matchers.len()
    }

    /// No queries at all.
    pub fn is_empty(&self) -> bool {
        self.matchers.is_empty()
    }

    /// Positions of the queries this event matches, ascending, into `out` (cleared first).
    pub fn matching(&self, e: &Event, out: &mut Vec<usize>) {
        out.clear();
        let cache = EvalCache::new(e);
        let m = &self.matchers[..];
        let coded = self.by_code.get(&e.event_code);
        let chan = self
            .by_channel
            .iter()
            .find(|(c, _)| e.channel.eq_ignore_ascii_case(c))
            .map(|(_, l)| l);
        let anywhere = (!self.anywhere.positions.is_empty()).then_some(&*self.anywhere);
        SCRATCH.with_borrow_mut(|(scratch, cand)| {
            for b in [coded, chan, anywhere].into_iter().flatten() {
                let b = b.get(m, &self.automata);
                for &i in &b.plain {
                    if m[i].matches_cached(&cache) {
                        out.push(i);
                    }
                }
                if b.sigma.is_empty() {
                    continue;
                }
                b.prefilter.candidates(&cache, scratch, cand);
                for &k in cand.iter() {
                    let i = b.sigma[k];
                    if m[i].matches_cached(&cache) {
                        out.push(i);
                    }
                }
            }
        });
        // A query in two buckets (a code and a channel) is reported once.
        out.sort_unstable();
        out.dedup();
    }
}

/// The event codes a query can match; `None` when any code can.
fn event_codes(q: &SavedQuery) -> Option<Vec<u32>> {
    let sources = &q.selection.sources;
    if sources.is_empty() || sources.iter().any(|s| s.event_codes.is_empty()) {
        // A Sigma rule on a whole channel (`service: security`) that names its codes in
        // the detection instead (`EventID: 4624`).
        return q.sigma.as_ref().and_then(|r| r.0.detection_codes());
    }
    Some(
        sources
            .iter()
            .flat_map(|s| s.event_codes.iter().copied())
            .collect(),
    )
}
