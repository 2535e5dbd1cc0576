//! Screen geometry as a pure function of the terminal size, shared by the views (to draw) and by
//! `update` (to page, keep the selection in view and map mouse clicks).

use ratatui::layout::Rect;

use super::app::App;

/// Cells of the activity column (sparkline buckets).
pub const TIMELINE: usize = 14;

/// Below this the UI shows only a "terminal too small" note.
pub const MIN_WIDTH: u16 = 60;
/// Below this the UI shows only a "terminal too small" note.
pub const MIN_HEIGHT: u16 = 15;

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// The analytics pane (main screen only; zero height elsewhere).
    pub analytics: Rect,
    /// The table, list or text, with its border.
    pub body: Rect,
    /// The ingest gauge (zero height when no ingest runs).
    pub gauge: Rect,
    pub status: Rect,
}

impl Areas {
    /// Rows of data the body shows (inside the border, below a table header).
    pub fn body_rows(&self, with_header: bool) -> usize {
        (self.body.height as usize).saturating_sub(2 + usize::from(with_header))
    }
    /// Rows the analytics pane shows.
    pub fn analytics_rows(&self) -> usize {
        (self.analytics.height as usize).saturating_sub(2)
    }
}

/// Is the terminal too small to draw the UI?
pub fn too_small(size: (u16, u16)) -> bool {
    size.0 < MIN_WIDTH || size.1 < MIN_HEIGHT
}

/// Split the terminal for the app's current screen.
pub fn areas(app: &App) -> Areas {
    areas_in(app, app.size)
}

/// Split a terminal of `size` for the app's current screen.
pub fn areas_in(app: &App, size: (u16, u16)) -> Areas {
    let (w, h) = size;
    let main = app.stack.is_empty() && !app.hunts.is_empty() && !app.show_welcome();
    let analytics_h = if main {
        (app.hunts.len().min(6) as u16 + 2).min(h.saturating_sub(8))
    } else {
        0
    };
    let gauge_h = u16::from(app.ingest.is_some());
    let header = Rect::new(0, 0, w, 1.min(h));
    let status = Rect::new(0, h.saturating_sub(1), w, 1.min(h));
    let gauge = Rect::new(0, h.saturating_sub(1 + gauge_h), w, gauge_h);
    let analytics = Rect::new(0, 1, w, analytics_h);
    let body_top = 1 + analytics_h;
    let body_h = h.saturating_sub(body_top + 1 + gauge_h);
    let body = Rect::new(0, body_top, w, body_h);
    Areas {
        header,
        analytics,
        body,
        gauge,
        status,
    }
}
