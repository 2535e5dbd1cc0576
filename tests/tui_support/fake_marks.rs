//! The fake backend's marks: the store's rules (same row → same mark and id, ids never
//! reused, the row's count as the new baseline) without a file.

use std::sync::Mutex;

use huntbench::triage::{Mark, MarkTarget, Status};

/// Mark `targets` in `marks` as `TriageStore::set_many` would.
pub fn set(
    marks: &Mutex<Vec<Mark>>,
    targets: &[MarkTarget],
    status: Status,
    note: &str,
) -> Result<Vec<Mark>, String> {
    let mut marks = marks.lock().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for t in targets {
        let i = match marks
            .iter()
            .position(|m| m.analytic == t.analytic && m.key == t.key)
        {
            Some(i) => i,
            None => {
                let n = marks
                    .iter()
                    .filter_map(|m| m.id.strip_prefix('t')?.parse::<u64>().ok())
                    .max()
                    .unwrap_or(0)
                    + 1;
                marks.push(Mark {
                    id: format!("t{n}"),
                    analytic: t.analytic.clone(),
                    key: t.key.clone(),
                    status,
                    note: None,
                    count: 0,
                    first: 0,
                    last: 0,
                    created: "2024-10-21T12:00:00Z".into(),
                    updated: String::new(),
                });
                marks.len() - 1
            }
        };
        let m = &mut marks[i];
        m.status = status;
        m.note = Some(note.trim().to_string()).filter(|n| !n.is_empty());
        (m.count, m.first, m.last) = (t.count, t.first, t.last);
        m.updated = "2024-10-21T12:00:00Z".into();
        out.push(m.clone());
    }
    Ok(out)
}
