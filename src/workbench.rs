//! workbench (in progress)
