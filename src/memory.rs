//! Handing free memory back to the system. glibc's malloc keeps the pages
//! a busy pass freed inside its per-thread arenas (its high-water mark
//! stays resident for months in a daemon); `malloc_trim` returns every
//! whole free page of every arena. Elsewhere (musl, other systems) this is
//! a no-op.

/// Returns the allocator's free pages to the system; whether any went.
/// Costs a walk over the free lists (milliseconds at most): call it from a
/// blocking thread, now and then, not per request.
pub fn release_free_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes no pointers, is thread-safe (it locks
        // each arena as malloc does) and only gives unused pages back.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
