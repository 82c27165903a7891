//! A stack for the recursive passes over rule text. Parsing (pest recurses
//! many frames per nesting level, far more in a debug build), checking and
//! formatting run on their own thread with a stack sized for
//! [`MAX_DEPTH`](crate::syntax::MAX_DEPTH) levels, so they behave the same on
//! any caller's thread: a 2 MiB tokio worker reloading rules, a rayon worker,
//! the main thread.

use std::sync::Mutex;

/// Enough for [`MAX_DEPTH`](crate::syntax::MAX_DEPTH) levels of every shape
/// in a debug build, with a wide margin. Only touched pages are committed.
const STACK_BYTES: usize = 256 << 20;

/// Runs `f` on a thread with a `STACK_BYTES` stack and returns its result;
/// runs it in place when no thread can be started. A panic in `f` is
/// re-raised in the caller.
pub fn run<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    // The closure moves to the thread through the slot, so it is still here
    // when the thread cannot be started.
    let slot = Mutex::new(Some(f));
    let take = || slot.lock().map_or(None, |mut f| f.take());
    let ran = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name(String::from("nudge-rules"))
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || take().map(|f| f()))
            .ok()?;
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    match ran {
        Some(value) => value,
        #[allow(clippy::expect_used)]
        None => take().expect("the closure is in the slot when no thread took it")(),
    }
}
