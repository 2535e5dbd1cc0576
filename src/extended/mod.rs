//! extended (in progress)
