//! Temporary output files are removed when `nudge` is interrupted
//! (SIGINT, SIGTERM): the handler unlinks the registered paths and exits
//! with 128 + the signal, using only async-signal-safe calls.

use std::ffi::CString;
use std::path::Path;
use std::sync::{Mutex, Once};

/// The temporary files to remove on a signal.
static TEMPS: Mutex<Vec<CString>> = Mutex::new(Vec::new());

/// Removes `path` if the process is interrupted before [`forget`].
pub(crate) fn remove_on_signal(path: &Path) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        #[cfg(unix)]
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: the handler only calls async-signal-safe functions
            // (a non-blocking lock, unlink, _exit).
            unsafe {
                libc::signal(
                    sig,
                    on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
                );
            }
        }
    });
    if let (Ok(c), Ok(mut temps)) = (path_c_string(path), TEMPS.lock()) {
        temps.push(c);
    }
}

/// `path` is no longer temporary (committed or removed).
pub(crate) fn forget(path: &Path) {
    if let (Ok(c), Ok(mut temps)) = (path_c_string(path), TEMPS.lock()) {
        temps.retain(|t| *t != c);
    }
}

fn path_c_string(path: &Path) -> Result<CString, std::ffi::NulError> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        CString::new(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        CString::new(path.to_string_lossy().as_bytes())
    }
}

#[cfg(unix)]
extern "C" fn on_signal(sig: libc::c_int) {
    if let Ok(temps) = TEMPS.try_lock() {
        for t in temps.iter() {
            // SAFETY: a valid NUL-terminated path; unlink is async-signal-safe.
            unsafe {
                libc::unlink(t.as_ptr());
            }
        }
    }
    // SAFETY: _exit is async-signal-safe and ends the process at once.
    unsafe { libc::_exit(128 + sig) }
}
