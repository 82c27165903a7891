//! One NDJSON snapshot line → `Ruleset::read_customer` → evaluation (with
//! and without explain), against the bundled ruleset (`rules/`); and the
//! fast snapshot scanner must read the line exactly as serde alone does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nudge_fuzz::{bundled, evaluate, now, on_worker_stack};

fuzz_target!(|data: &[u8]| on_worker_stack(|| run(data)));

fn run(data: &[u8]) {
    // `nudge eval` and the batch route reject a non-UTF-8 line before reading it.
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let ruleset = bundled();
    let program = ruleset.program();
    assert_eq!(
        format!("{:?}", nudge::snapshot::from_json_str(program, line)),
        format!("{:?}", nudge::snapshot::from_json_str_with_serde(program, line)),
        "the scanner and serde read {line:?} differently"
    );
    if let Ok(customer) = ruleset.read_customer(line) {
        evaluate(ruleset.program(), ruleset.hash(), &customer, now());
    }
}
