//! What the benches that measure memory share.

unsafe extern "C" {
    /// mimalloc's own entry point, linked in with the global allocator.
    fn mi_collect(force: bool);
}

/// Resident set size of this process, in bytes, once mimalloc has returned the
/// pages it holds free, so that freed temporaries do not count as held.
pub fn settled_resident_bytes() -> u64 {
    // SAFETY: `mi_collect` takes no pointers and may be called at any time.
    unsafe { mi_collect(true) };
    let (resident, _) = nodecast::telemetry::resident_memory(None);
    assert!(resident > 0, "/proc/self/status tells the resident set on Linux");
    resident
}
