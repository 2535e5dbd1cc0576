//! tui (in progress)
