//! Progress bars on stderr for long runs (only when stderr is a terminal).

use indicatif::{ProgressBar, ProgressStyle};

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
