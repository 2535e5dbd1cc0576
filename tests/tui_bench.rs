//! The render benchmark helper runs end to end; speed itself is measured by `huntbench bench`.

use huntbench::tui::bench::{bench_render_figures, synthetic_hunt};

#[test]
fn synthetic_hunt_has_the_asked_rows() {
    let h = synthetic_hunt(1000);
    assert_eq!(h[0].groups.len(), 1000);
    assert_eq!(h[0].rows(), 1000);
}

/// `cargo test --test tui_bench -- --ignored --nocapture` prints the figures.
#[test]
#[ignore]
fn print_render_figures() {
    let f = bench_render_figures(100_000);
    eprintln!("100k groups: {f:?}");
}
