//! The baseline for `bench/throughput.sh`: reads an NDJSON file with the
//! same pipeline as `nudge eval` (chunks of lines, parsed in parallel with
//! rayon) but only parses each line into a generic `serde_json::Value`.
//!
//! `cargo run --release --example parse_only -- FILE [THREADS]`

use std::io::{BufRead, BufReader};
use std::time::Instant;

use rayon::prelude::*;

/// The same allocator as the `nudge` binary, so the comparison is fair.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| String::from("-"));
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(std::io::Error::other)?;
    let file = std::fs::File::open(&path)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let start = Instant::now();
    let (mut lines, mut objects) = (0u64, 0u64);
    let mut chunk: Vec<Vec<u8>> = Vec::with_capacity(8192);
    loop {
        chunk.clear();
        while chunk.len() < 8192 {
            let mut buf = Vec::new();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            chunk.push(buf);
        }
        if chunk.is_empty() {
            break;
        }
        lines += chunk.len() as u64;
        objects += pool.install(|| {
            chunk
                .par_iter()
                .filter(|l| {
                    serde_json::from_slice::<serde_json::Value>(l).is_ok_and(|v| v.is_object())
                })
                .count() as u64
        });
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "parsed {objects} of {lines} lines in {secs:.2}s ({:.0} lines/s)",
        lines as f64 / secs
    );
    Ok(())
}
