//! The library's batch API: stream a file of customers through a ruleset on
//! all cores, in input order, into a sink — what `nudge eval` does, in a
//! dozen lines. Also a custom step (count sends per channel, rejecting
//! customers seen twice) over the same reading and ordering machinery.
//!
//! `cargo run --example batch [rules] [customers.ndjson]`
//! (defaults: `rules/` and `examples/customers.ndjson`).

use std::collections::BTreeMap;
use std::io::Write;

use nudge::batch::{
    Batch, Collect, Encoded, Evaluate, Input, Manifest, NdjsonWriter, Options, Record, Rejection,
    Step, UniqueCustomers,
};
use nudge::{Outcome, Ruleset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rules = args.next().unwrap_or_else(|| "rules".into());
    let file = args
        .next()
        .unwrap_or_else(|| "examples/customers.ndjson".into());
    let ruleset = Ruleset::load(&rules)?;
    let now = nudge::instant::parse("2026-11-23T09:00:00Z")?;
    let started = chrono::Utc::now();

    // 1. The plain run: evaluate and serialize on the workers, write NDJSON
    //    in input order, hash the input for the manifest.
    let batch = Batch::new(Evaluate::new(ruleset.clone(), now).map(Encoded::from))
        .options(Options { hash_inputs: true });
    let mut out = NdjsonWriter::new(std::io::sink());
    let summary = batch.run(Input::open(&file)?, &mut out)?;
    let manifest = Manifest::new(&ruleset, now, vec![summary], out.counts(), started);
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{}: {} customers, {} decisions ({} send), {} rejected, input sha256 {}",
        file,
        manifest.customers,
        manifest.decisions,
        manifest.outcomes["send"],
        manifest.rejected_lines,
        manifest.inputs[0].sha256.as_deref().unwrap_or("-"),
    )?;

    // 2. A step of our own: the channels this customer is sent on. It reads
    //    the record itself, so it could as well read it with two rulesets
    //    (`nudge diff`) or merge extra history first (`--history`).
    let sends_by_channel = |record: Record<'_>| -> Result<Vec<String>, Rejection> {
        let customer = record.read(&ruleset)?;
        Ok(ruleset
            .evaluate(&customer, now)
            .into_iter()
            .filter(|d| d.outcome == Outcome::Send)
            .filter_map(|d| d.channel)
            .collect())
    };
    let batch = Batch::new(Evaluate::new(ruleset.clone(), now));
    let mut collected = Collect::default();
    batch.run_admitting(
        Input::open(&file)?,
        &mut UniqueCustomers::default(),
        &mut collected,
    )?;
    let channels = Batch::new(sends_by_channel);
    let mut per_channel: BTreeMap<String, u64> = BTreeMap::new();
    let mut sends = Collect::default();
    channels.run(Input::open(&file)?, &mut sends)?;
    for channel in sends.outputs.into_iter().flat_map(|(_, c)| c) {
        *per_channel.entry(channel).or_default() += 1;
    }
    writeln!(
        stdout,
        "sends per channel: {per_channel:?}; {} customers with a unique id, {} repeated",
        collected.outputs.len(),
        collected.rejected.len()
    )?;
    Ok(())
}
