//! Transparent huge pages, off for this process.
//!
//! mimalloc asks the kernel to back its regions with 2 MB pages (`MADV_HUGEPAGE`), and the
//! first touch of each such page zeroes all 2 MB of it. huntbench's allocations touch them
//! thinly and briefly (4 MB read chunks handed between threads, a Sigma rule set's many small
//! regex and automaton tables), so the zeroing and the resident memory were mostly waste: a
//! 100,000-event ingest spent 0.74 s of system CPU (0.31 s without) and peaked 30 MB higher,
//! and loading 2,407 Sigma rules took 123 ms against 71 ms (BENCHMARKS.md, "Transparent huge
//! pages").
//!
//! The kernel's flag is per process and inherited by children, so `bench` restores the
//! default around a peer it runs: the peer runs as it would on its own.

/// Opt this process (and the children it starts) out. Where the kernel has no such switch
/// there is nothing to do, and a refusal changes only speed, so it is not an error.
pub fn opt_out() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}

/// Whether this process has opted out.
pub fn opted_out() -> bool {
    #[cfg(target_os = "linux")]
    return nix::sys::prctl::get_thp_disable().unwrap_or(false);
    #[cfg(not(target_os = "linux"))]
    false
}

/// Run `f` (which starts a peer's process) with the kernel's default restored, then opt out
/// again if this process had.
pub fn with_default<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(target_os = "linux")]
    {
        let was = opted_out();
        if was {
            let _ = nix::sys::prctl::set_thp_disable(false);
        }
        let out = f();
        if was {
            opt_out();
        }
        out
    }
    #[cfg(not(target_os = "linux"))]
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The THP flag a new child process reports for itself.
    #[cfg(target_os = "linux")]
    fn childs_flag() -> String {
        let out = std::process::Command::new("grep")
            .args(["THP_enabled", "/proc/self/status"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    // The flag is process-wide, so one test walks through every state in order.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_peer_starts_with_the_default_and_other_children_inherit_the_opt_out() {
        opt_out();
        assert!(opted_out());
        assert_eq!(childs_flag(), "THP_enabled:\t0");
        let peer = with_default(|| {
            assert!(!opted_out(), "the default while the peer starts");
            childs_flag()
        });
        assert_eq!(peer, "THP_enabled:\t1");
        assert!(opted_out(), "opted out again after");
        assert_eq!(childs_flag(), "THP_enabled:\t0");
    }
}
