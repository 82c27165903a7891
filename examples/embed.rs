//! Embedding nudge in a service: load the rules once at start-up, then
//! decide messages for customers from many threads at once, as request
//! handlers would. No lock is taken: a `Ruleset` is an immutable, shared
//! value.
//!
//! `cargo run --example embed` (uses `rules/` and `examples/customers.ndjson`).

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use chrono::{DateTime, Utc};
use nudge::{Decision, Outcome, Ruleset};

/// What a request handler does: JSON in, decisions out.
fn handle(ruleset: &Ruleset, body: &str, now: DateTime<Utc>) -> Result<Vec<Decision>, String> {
    let customer = ruleset.read_customer(body).map_err(|e| e.to_string())?;
    Ok(ruleset.evaluate(&customer, now))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Load once. A broken ruleset is refused with every diagnostic.
    let ruleset = match Ruleset::load("rules") {
        Ok(r) => r,
        Err(e) => {
            for report in e.reports() {
                eprintln!("{:?}", miette::Report::new(report));
            }
            return Err(e.into());
        }
    };
    let now: DateTime<Utc> = "2026-11-23T09:00:00Z".parse()?;
    let requests: Vec<String> = std::fs::read_to_string("examples/customers.ndjson")?
        .lines()
        .map(str::to_string)
        .collect();

    // Four "worker threads", each with its own clone of the ruleset (an Arc).
    let workers = 4;
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    thread::scope(|scope| {
        for (w, chunk) in requests
            .chunks(requests.len().div_ceil(workers))
            .enumerate()
        {
            let ruleset = ruleset.clone();
            let tx = tx.clone();
            scope.spawn(move || {
                for body in chunk {
                    let _ = tx.send((w, handle(&ruleset, body, now)));
                }
            });
        }
    });
    drop(tx);
    let elapsed = start.elapsed();

    let mut per_outcome: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut sends = Vec::new();
    let mut errors = 0;
    for (_, result) in rx {
        match result {
            Ok(decisions) => {
                for d in decisions {
                    *per_outcome.entry(d.outcome).or_default() += 1;
                    if d.outcome == Outcome::Send {
                        sends.push(d);
                    }
                }
            }
            Err(_) => errors += 1,
        }
    }
    println!(
        "{} customers on {workers} threads in {:.1} ms (ruleset {})",
        requests.len(),
        elapsed.as_secs_f64() * 1000.0,
        &ruleset.hash()[..12]
    );
    for (outcome, n) in &per_outcome {
        println!("  {outcome:<10} {n}");
    }
    if errors > 0 {
        println!("  rejected   {errors}");
    }
    if let Some(d) = sends.first() {
        // The decision id is an idempotency key for the sender.
        println!(
            "first send: {} {} {:?} to {} at {} (id {})",
            d.rule,
            d.channel.as_deref().unwrap_or(""),
            d.message.as_deref().unwrap_or(""),
            d.customer,
            d.deliver_at.as_deref().unwrap_or(""),
            d.decision_id
        );
        println!("  because {}", d.reason);
    }
    Ok(())
}
