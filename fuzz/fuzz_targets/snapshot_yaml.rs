//! A YAML snapshot file (`nudge eval --snapshots x.yaml`, `nudge explain
//! --customer x.yaml`) → `snapshot::from_yaml_str` → evaluation of every
//! customer, against the bundled ruleset (`rules/`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nudge_fuzz::{bundled, evaluate, now, on_worker_stack};

fuzz_target!(|data: &[u8]| on_worker_stack(|| run(data)));

fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ruleset = bundled();
    for customer in nudge::snapshot::from_yaml_str(ruleset.program(), text)
        .into_iter()
        .flatten()
    {
        evaluate(ruleset.program(), ruleset.hash(), &customer, now());
    }
}
