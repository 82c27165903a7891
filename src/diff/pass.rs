//! The streaming pass of a diff: snapshot files (NDJSON, a JSON array,
//! YAML; `-` for stdin) read in chunks, each customer compared on the rayon
//! pool, results added up in input order. Memory stays flat: one chunk in
//! flight, and a report bounded by the number of rules.

use std::io::{self, BufRead, Read};

use rayon::prelude::*;

use super::compare::Pair;
use super::report::Accumulator;

/// Lines compared per parallel chunk.
const CHUNK: usize = 8192;

/// Compares every customer of `name` and adds them to `accumulator`.
pub fn run_input(
    pair: &Pair,
    pool: &rayon::ThreadPool,
    name: &str,
    accumulator: &mut Accumulator,
) -> io::Result<()> {
    let reader: Box<dyn Read + Send> = if name == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(std::fs::File::open(name)?)
    };
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return run_whole(pair, pool, name, reader, accumulator);
    }
    let mut reader = io::BufReader::with_capacity(1 << 20, reader);
    let mut line_no = 0u64;
    loop {
        let mut chunk: Vec<(u64, String)> = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                break;
            }
            line_no += 1;
            if !line.trim().is_empty() {
                chunk.push((line_no, line));
            }
        }
        if chunk.is_empty() {
            return Ok(());
        }
        let results: Vec<_> = pool.install(|| {
            chunk
                .par_iter()
                .map(|(n, line)| (*n, pair.compare_json(line.trim_end())))
                .collect()
        });
        for (n, result) in results {
            match result {
                Ok(diff) => accumulator.add(diff),
                Err(e) => accumulator.reject(name, n, e.message),
            }
        }
    }
}

fn run_whole(
    pair: &Pair,
    pool: &rayon::ThreadPool,
    name: &str,
    mut reader: Box<dyn Read + Send>,
    accumulator: &mut Accumulator,
) -> io::Result<()> {
    let mut text = String::new();
    reader.read_to_string(&mut text)?;
    let lower = name.to_ascii_lowercase();
    let results: Vec<_> = if lower.ends_with(".json") {
        let values: Vec<serde_json::Value> = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                accumulator.reject(name, 1, crate::snapshot::json_error_message(&e));
                return Ok(());
            }
        };
        pool.install(|| {
            values
                .par_iter()
                .map(|v| pair.compare_with(|r| r.read_customer_value(v)))
                .collect()
        })
    } else {
        let mut docs = Vec::new();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            match <serde_yaml::Value as serde::Deserialize>::deserialize(doc) {
                Ok(serde_yaml::Value::Sequence(items)) => docs.extend(items),
                Ok(serde_yaml::Value::Null) => {}
                Ok(value) => docs.push(value),
                Err(e) => {
                    accumulator.reject(name, 1, e.to_string());
                    return Ok(());
                }
            }
        }
        pool.install(|| {
            docs.par_iter()
                .map(|v| pair.compare_with(|r| crate::snapshot::from_deserializer(r.program(), v)))
                .collect()
        })
    };
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok(diff) => accumulator.add(diff),
            Err(e) => accumulator.reject(name, i as u64 + 1, e.message),
        }
    }
    Ok(())
}
