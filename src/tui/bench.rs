//! A render benchmark the `bench` subcommand calls: synthetic groups, keystrokes through
//! `update`, frames drawn into a 160x45 TestBackend.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::action::Action;
use super::app::App;
use super::keymap::KeyMap;
use super::msg::{Effect, Msg};
use super::rows::build_results;
use super::update::{start, update};
use crate::analytics::model::{Group, HuntResult};
use crate::time::TimeRange;

/// A hunt result with `n` synthetic groups for the 4104 analytic.
pub fn synthetic_hunt(n: usize) -> Vec<HuntResult> {
    let q = crate::analytics::builtin_queries().remove(0);
    let t0 = 1_729_500_000_000_000i64;
    let groups = (0..n)
        .map(|i| {
            let first = t0 + (i as i64 % 5000) * 60_000_000;
            Group {
                analytic: q.id.clone(),
                key: vec![
                    "4104".into(),
                    format!(
                        "Invoke-Command -ComputerName srv{:05} {{ step {i} }}",
                        i % 977
                    ),
                    format!("ws{:04}.corp.local", i % 3001),
                    format!("S-1-5-21-1-{}", 1000 + i % 97),
                ],
                count: 1 + (i as u64 * 7919) % 50,
                first,
                last: first + (i as i64 % 13) * 3_600_000_000,
                events: vec![i as u64],
                suppressed_by: vec![],
            }
        })
        .collect();
    vec![HuntResult {
        query: q,
        groups,
        dropped: vec![],
        suppressed: BTreeMap::new(),
    }]
}

/// Timings of the render benchmark.
#[derive(Debug, Clone, Copy, Default)]
pub struct BenchFigures {
    pub update_p50: Duration,
    pub update_max: Duration,
    pub draw_p50: Duration,
    pub draw_max: Duration,
    /// Longest regroup on the worker (off the UI thread; the table says "grouping…").
    pub regroup_max: Duration,
    /// Keystrokes measured.
    pub keys: usize,
}

/// Run the regroups an update asked for, as the worker would, and hand the rows back.
fn settle(app: &mut App, effects: Vec<Effect>, worst: &mut Duration) {
    for fx in effects {
        if let Effect::Regroup {
            gen_id,
            key,
            result,
        } = fx
        {
            let t = Instant::now();
            let results = Box::new(build_results(&result, key.1, key.2));
            *worst = (*worst).max(t.elapsed());
            update(
                app,
                Msg::Regrouped {
                    gen_id,
                    key,
                    results,
                },
            );
        }
    }
}

fn p50(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// (update p50, draw p50) over a keystroke script on `groups` synthetic rows at 160x45.
pub fn bench_render(groups: usize) -> (Duration, Duration) {
    let f = bench_render_figures(groups);
    (f.update_p50, f.draw_p50)
}

/// The full figures: p50 and worst keystroke for `update` and for drawing, at 160x45. The worst
/// includes each sort order's and pivot's first computation.
pub fn bench_render_figures(groups: usize) -> BenchFigures {
    let mut app = App::new(KeyMap::defaults(), TimeRange::ALL, None);
    update(&mut app, Msg::Resize(160, 45));
    start(&mut app);
    let gen_id = app.gens.hunt;
    let mut regroup_max = Duration::ZERO;
    let fx = update(
        &mut app,
        Msg::HuntDone {
            gen_id,
            result: Ok(synthetic_hunt(groups)),
        },
    );
    settle(&mut app, fx, &mut regroup_max);
    let Ok(mut term) = Terminal::new(TestBackend::new(160, 45));
    let script = [
        Action::Down,
        Action::PageDown,
        Action::Bottom,
        Action::Top,
        Action::Sort,
        Action::Sort,
        Action::Pivot,
        Action::Pivot,
        Action::Pivot,
        Action::Pivot,
        Action::Down,
        Action::PageDown,
    ];
    let (mut ups, mut draws) = (Vec::new(), Vec::new());
    for round in 0..3 {
        for a in script {
            let t = Instant::now();
            let fx = update(&mut app, Msg::Action(a));
            ups.push(t.elapsed());
            settle(&mut app, fx, &mut regroup_max);
            let t = Instant::now();
            let _ = term.draw(|f| super::view::draw(f, &app));
            draws.push(t.elapsed());
        }
        // Typing a filter character by character, as an analyst would.
        let key = |c| {
            Msg::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            ))
        };
        update(&mut app, Msg::Action(Action::Filter));
        for c in format!("srv0{round}").chars() {
            let t = Instant::now();
            update(&mut app, key(c));
            ups.push(t.elapsed());
            let t = Instant::now();
            let _ = term.draw(|f| super::view::draw(f, &app));
            draws.push(t.elapsed());
        }
        update(
            &mut app,
            Msg::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Esc,
                crossterm::event::KeyModifiers::NONE,
            )),
        );
    }
    BenchFigures {
        update_p50: p50(&ups),
        update_max: ups.iter().max().copied().unwrap_or_default(),
        draw_p50: p50(&draws),
        draw_max: draws.iter().max().copied().unwrap_or_default(),
        regroup_max,
        keys: ups.len(),
    }
}
