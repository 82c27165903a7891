//! Progress bars on stderr for long runs (only when stderr is a terminal).

use std::io;

use indicatif::{ProgressBar, ProgressStyle};
use nudge::batch::Input;

/// A bar over the bytes of an input (a spinner when its size is unknown).
pub fn bytes_bar(len: Option<u64>, name: &str) -> ProgressBar {
    let bar = match len {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner(),
    };
    bar.set_message(name.to_string());
    bar
}

/// Opens the input `name` (`-` for stdin) and gives it to `read`, with a bar
/// over its bytes while it is read when `show` is set.
pub fn read_input<T>(name: &str, show: bool, read: impl FnOnce(Input) -> T) -> io::Result<T> {
    let input = Input::open(name)?;
    if !show {
        return Ok(read(input));
    }
    let bar = bytes_bar(input.len(), name);
    let counter = bar.clone();
    let done = read(input.with_progress(move |n| counter.inc(n)));
    bar.finish_and_clear();
    Ok(done)
}
