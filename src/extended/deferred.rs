//! Functions defined in one script block and called from another: an interactive session logs
//! each prompt as its own 4104 block, so `function go { icm -cn x {} }` and then `go` are apart.

use std::collections::HashMap;

use super::prefilter::is_candidate;
use super::reassemble::{Block, reassemble};
use super::winrm::{Analysis, Detection};
use crate::event::Event;

/// Non-candidate script blocks that may call a dormant function: same host and user as a block
/// with dormant detections, and the function's name somewhere in their text.
pub(crate) fn dormant_callers(
    events: &[&Event],
    blocks: &[Block],
    analyses: &[Analysis],
) -> Vec<Block> {
    let mut scopes: HashMap<(String, Option<String>), Vec<&str>> = HashMap::new();
    for (b, a) in blocks.iter().zip(analyses) {
        for (names, _) in &a.dormant {
            let v = scopes
                .entry((b.computer.to_lowercase(), b.user_id.clone()))
                .or_default();
            v.extend(names.iter().map(String::as_str));
        }
    }
    if scopes.is_empty() {
        return Vec::new();
    }
    let extra: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|e| e.is_script_block() && !is_candidate(e))
        .filter(|e| {
            let key = (e.computer.to_lowercase(), e.user_id.clone());
            let Some(names) = scopes.get(&key) else {
                return false;
            };
            let text = e.script_block_text.as_deref().unwrap_or("").to_lowercase();
            names.iter().any(|n| text.contains(n))
        })
        .collect();
    reassemble(&extra)
}

/// Dormant detections (in functions a block defines but does not call) that another block of
/// the same host and user calls: (defining block, detection, calling block).
pub(crate) fn deferred_calls(
    blocks: &[Block],
    analyses: &[Analysis],
) -> Vec<(usize, Detection, usize)> {
    type Scope = (String, Option<String>);
    let scope = |b: &Block| -> Scope { (b.computer.to_lowercase(), b.user_id.clone()) };
    // Per scope: called name → blocks calling it at top level (without defining it).
    let mut callers: HashMap<Scope, HashMap<&str, Vec<usize>>> = HashMap::new();
    for (k, a) in analyses.iter().enumerate() {
        let by_name = callers.entry(scope(&blocks[k])).or_default();
        for name in &a.calls {
            if !a.defined.contains(name) {
                let v = by_name.entry(name.as_str()).or_default();
                if v.last() != Some(&k) {
                    v.push(k);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (k, a) in analyses.iter().enumerate() {
        let Some(by_name) = callers.get(&scope(&blocks[k])) else {
            continue;
        };
        for (names, d) in &a.dormant {
            let caller = names
                .iter()
                .filter_map(|n| by_name.get(n.as_str()))
                .flatten()
                .copied()
                // A call can only run a function defined before it.
                .find(|&c| c != k && blocks[c].first >= blocks[k].first);
            if let Some(c) = caller {
                out.push((k, d.clone(), c));
            }
        }
    }
    out
}

/// `Invoke-Command -Session $s` in one block whose `$s = New-PSSession <remote>` is in an earlier
/// block of the same host and user (the usual interactive flow): (using block, detection,
/// creating block). The latest such creation before the use wins.
pub(crate) fn carried_sessions(
    blocks: &[Block],
    analyses: &[Analysis],
) -> Vec<(usize, Detection, usize)> {
    type Key = (String, Option<String>, String);
    let mut created: HashMap<Key, Vec<(i64, usize)>> = HashMap::new();
    for (k, a) in analyses.iter().enumerate() {
        for (var, _) in &a.sessions {
            let b = &blocks[k];
            let key = (b.computer.to_lowercase(), b.user_id.clone(), var.clone());
            created.entry(key).or_default().push((b.first, k));
        }
    }
    for list in created.values_mut() {
        list.sort_unstable();
    }
    let mut out = Vec::new();
    for (k, a) in analyses.iter().enumerate() {
        let b = &blocks[k];
        for (var, technique) in &a.session_uses {
            let key = (b.computer.to_lowercase(), b.user_id.clone(), var.clone());
            let Some(list) = created.get(&key) else {
                continue;
            };
            let n = list.partition_point(|&(t, _)| t <= b.first);
            let Some(&(_, creator)) = list[..n].iter().rev().find(|&&(_, c)| c != k) else {
                continue;
            };
            let targets = analyses[creator]
                .sessions
                .iter()
                .find(|(v, _)| v == var)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            out.push((
                k,
                Detection {
                    technique: technique.clone(),
                    escu: false,
                    targets,
                },
                creator,
            ));
        }
    }
    out
}
