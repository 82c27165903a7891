//! Evaluation speed: one customer through a whole ruleset.
//!
//! - `example_*`: the example ruleset in `rules/` (17 rules), with the
//!   snapshot already read (parse excluded) and from its JSON line (parse
//!   included);
//! - `synthetic_200_rules`: a 200-rule ruleset over the same schema.
//!
//! Customers come from `nudge::gen` (seeded), cycled so each iteration sees
//! a different one. Run with `cargo bench --bench evaluate`.

#![allow(clippy::panic)] // a benchmark without its inputs cannot run

use std::cell::Cell;

use nudge::gen::Generator;
use nudge::snapshot::Customer;
use nudge::Ruleset;

/// The same allocator as the `nudge` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: i64 = 1_795_424_400_000_000; // 2026-11-23T09:00:00Z
const CUSTOMERS: usize = 1024;

fn main() {
    divan::main();
}

fn lines(ruleset: &Ruleset) -> Vec<String> {
    let generator = Generator::new(ruleset.program());
    (0..CUSTOMERS as u64)
        .map(|i| {
            let mut buf = Vec::new();
            generator.write_customer(7, i, NOW, &mut buf);
            String::from_utf8_lossy(&buf).trim_end().to_string()
        })
        .collect()
}

fn customers(ruleset: &Ruleset) -> Vec<Customer> {
    lines(ruleset)
        .iter()
        .filter_map(|l| ruleset.read_customer(l).ok())
        .collect()
}

fn example() -> Ruleset {
    match Ruleset::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

/// 200 rules over the example schema, cycling through the language's forms.
pub fn synthetic(rules: usize) -> Ruleset {
    let schema =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/schema.nudge"))
            .unwrap_or_default();
    let mut text = String::new();
    for i in 0..rules {
        let k = i % 23 + 1;
        let when = match i % 8 {
            0 => format!("plan == \"trial\" and inactive for {k} days"),
            1 => format!("mrr > {} and seats_active >= seats_paid", k * 10),
            2 => format!("watched at least {} times within {k} days", k % 5 + 1),
            3 => format!("sum(watched.minutes within 30 days) >= {k}"),
            4 => format!(
                "(last_seen_at ?? signed_up_at) older than {k} days and never imported_data"
            ),
            5 => format!(
                "count(feature_used where feature == \"export\" within 30 days) >= {}",
                k % 4
            ),
            6 => format!(
                "plan in [\"starter\", \"pro\"] and open_tickets < {}",
                k % 5
            ),
            _ => format!(
                "never sent \"m{}\" within 7 days and signed_up_at older than {k} days",
                i.saturating_sub(1)
            ),
        };
        let channel = ["email", "in_app", "push"][i % 3];
        text.push_str(&format!(
            "rule r{i} {{\n  when {when}\n  send {channel} \"m{i}\"\n  priority {}\n  cooldown {} days\n}}\n\n",
            i % 100,
            i % 30 + 1
        ));
    }
    match Ruleset::from_sources([("schema.nudge", schema), ("rules.nudge", text)]) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

fn cycle(i: &Cell<usize>) -> usize {
    let v = i.get();
    i.set((v + 1) % CUSTOMERS);
    v
}

#[divan::bench(sample_count = 400, sample_size = 64)]
fn example_parse_excluded(bencher: divan::Bencher) {
    let ruleset = example();
    let customers = customers(&ruleset);
    let seed = nudge::decision::IdSeed::new(ruleset.hash());
    let i = Cell::new(0);
    bencher.bench_local(|| {
        let c = &customers[cycle(&i) % customers.len()];
        nudge::arbitrate::evaluate(ruleset.program(), &seed, c, NOW, false)
    });
}

#[divan::bench(sample_count = 400, sample_size = 64)]
fn example_parse_included(bencher: divan::Bencher) {
    let ruleset = example();
    let lines = lines(&ruleset);
    let seed = nudge::decision::IdSeed::new(ruleset.hash());
    let i = Cell::new(0);
    bencher.bench_local(|| {
        let line = &lines[cycle(&i)];
        ruleset
            .read_customer(line)
            .map(|c| nudge::arbitrate::evaluate(ruleset.program(), &seed, &c, NOW, false))
    });
}

#[divan::bench(sample_count = 400, sample_size = 64)]
fn example_parse_only(bencher: divan::Bencher) {
    let ruleset = example();
    let lines = lines(&ruleset);
    let i = Cell::new(0);
    bencher.bench_local(|| ruleset.read_customer(&lines[cycle(&i)]));
}

#[divan::bench(sample_count = 400, sample_size = 64)]
fn example_serde_json_value_only(bencher: divan::Bencher) {
    let ruleset = example();
    let lines = lines(&ruleset);
    let i = Cell::new(0);
    bencher.bench_local(|| serde_json::from_str::<serde_json::Value>(&lines[cycle(&i)]).ok());
}

#[divan::bench(sample_count = 400, sample_size = 64)]
fn synthetic_200_rules_parse_excluded(bencher: divan::Bencher) {
    let ruleset = synthetic(200);
    let customers = customers(&ruleset);
    let seed = nudge::decision::IdSeed::new(ruleset.hash());
    let i = Cell::new(0);
    bencher.bench_local(|| {
        let c = &customers[cycle(&i) % customers.len()];
        nudge::arbitrate::evaluate(ruleset.program(), &seed, c, NOW, false)
    });
}

/// Only the rules' conditions, no arbitration or records: the floor.
#[divan::bench(sample_count = 400, sample_size = 64)]
fn example_conditions_only(bencher: divan::Bencher) {
    let ruleset = example();
    let customers = customers(&ruleset);
    let i = Cell::new(0);
    bencher.bench_local(|| {
        let Customer::Valid(s) = &customers[cycle(&i) % customers.len()] else {
            return 0;
        };
        let program = ruleset.program();
        let mut ev = nudge::eval::Evaluator::new(program, s, NOW);
        program
            .rules
            .iter()
            .filter(|r| {
                r.conjuncts
                    .iter()
                    .all(|c| ev.condition(&c.expr).unwrap_or(false))
            })
            .count()
    });
}
