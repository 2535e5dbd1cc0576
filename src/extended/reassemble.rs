//! Script block reassembly: 4104 parts joined by (Computer, channel, ScriptBlockId) in
//! MessageNumber order with no separator, so literals split across parts are seen whole.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::Event;

/// One script block rebuilt from its 4104 parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    pub computer: String,
    pub channel: String,
    pub script_block_id: String,
    /// The first part's user SID (all parts of a block share it in practice).
    pub user_id: Option<String>,
    /// Present parts joined in MessageNumber order.
    pub text: String,
    /// uids of the parts used, in MessageNumber order.
    pub parts: Vec<u64>,
    /// MessageTotal (the largest seen; 1 when absent).
    pub total: u32,
    /// Part numbers 1..=total that no event carried.
    pub missing: Vec<u32>,
    /// Earliest and latest part time (microseconds).
    pub first: i64,
    pub last: i64,
}

impl Block {
    /// Are all parts 1..=total present?
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Rebuild script blocks from 4104 events (others are ignored). Single-part blocks are included.
///
/// A part number logged twice (forwarders and re-reads duplicate events) is used once: the
/// earliest copy wins, ties broken by uid, so the result does not depend on input order.
/// Events without a ScriptBlockId form a block of their own, keyed by their uid.
pub fn reassemble(events: &[&Event]) -> Vec<Block> {
    reassemble_parts(events)
        .into_iter()
        .map(|(b, _)| b)
        .collect()
}

/// reassemble(), also handing back each block's part events in MessageNumber order.
pub(crate) fn reassemble_parts<'e>(events: &[&'e Event]) -> Vec<(Block, Vec<&'e Event>)> {
    type Key = (String, String, String);
    let mut groups: BTreeMap<Key, Vec<(u32, i64, u64, &'e Event)>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.is_script_block()) {
        let uid = e.uid();
        let id = match e.script_block_id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => id.to_string(),
            None => format!("uid:{uid:016x}"),
        };
        let key = (
            e.computer.to_lowercase(),
            e.channel.to_lowercase(),
            id.to_lowercase(),
        );
        let n = e.message_number.unwrap_or(1);
        groups.entry(key).or_default().push((n, e.time, uid, e));
    }
    let mut blocks = Vec::with_capacity(groups.len());
    for (_, mut parts) in groups {
        parts.sort_by_key(|&(n, t, uid, _)| (n, t, uid));
        parts.dedup_by_key(|p| p.0);
        let first_event = parts[0].3;
        let total = parts
            .iter()
            .filter_map(|p| p.3.message_total)
            .max()
            .unwrap_or(1)
            .max(parts.last().map_or(1, |p| p.0));
        let present: Vec<u32> = parts.iter().map(|p| p.0).collect();
        let missing = (1..=total)
            .filter(|n| present.binary_search(n).is_err())
            .collect();
        let mut text = String::new();
        for p in &parts {
            text.push_str(p.3.script_block_text.as_deref().unwrap_or(""));
        }
        let events = parts.iter().map(|p| p.3).collect();
        let block = Block {
            computer: first_event.computer.clone(),
            channel: first_event.channel.clone(),
            script_block_id: first_event.script_block_id.clone().unwrap_or_default(),
            user_id: parts
                .iter()
                .find_map(|p| p.3.user_id.clone().filter(|u| !u.is_empty())),
            text,
            parts: parts.iter().map(|p| p.2).collect(),
            total,
            missing,
            first: parts.iter().map(|p| p.1).min().unwrap_or(0),
            last: parts.iter().map(|p| p.1).max().unwrap_or(0),
        };
        blocks.push((block, events));
    }
    blocks
}
