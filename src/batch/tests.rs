//! The batch engine against the facade: for any customers, streaming lines
//! through [`Batch`] gives what [`Ruleset::evaluation`] gives line by line.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;

use super::*;
use crate::Ruleset;

fn ruleset() -> Ruleset {
    Ruleset::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap()
}

const NOW: &str = "2026-11-23T09:00:00Z";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn batch_output_equals_ruleset_evaluate(
        seed in any::<u64>(),
        count in 0u64..40,
        junk in prop::collection::vec((0usize..40, "[ -~]{0,12}"), 0..4),
        explain in any::<bool>(),
        days in -30i64..30,
    ) {
        let ruleset = ruleset();
        let now = crate::instant::parse(NOW).unwrap() + chrono::Duration::days(days);
        let mut lines: Vec<String> = (0..count)
            .map(|i| crate::gen::customer(ruleset.program(), seed, i, now.timestamp_micros()).to_string())
            .collect();
        for (at, text) in junk {
            lines.insert(at.min(lines.len()), text);
        }

        let batch = Batch::new(Evaluate::new(ruleset.clone(), now).explain(explain));
        let mut collected = Collect::default();
        let summary = batch.run(Input::from_lines("p", lines.clone()), &mut collected).unwrap();

        let mut expected = Vec::new();
        let mut rejected = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let number = i as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            match ruleset.read_customer(line.trim_end()) {
                Ok(customer) => {
                    let evaluation = ruleset.evaluation(&customer, now, explain);
                    if !explain {
                        prop_assert_eq!(&evaluation.decisions, &ruleset.evaluate(&customer, now));
                    }
                    expected.push((number, evaluation));
                }
                Err(e) => rejected.push((number, e.to_string())),
            }
        }
        prop_assert_eq!(&collected.outputs, &expected);
        let got: Vec<(u64, String)> = collected
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.to_string()))
            .collect();
        prop_assert_eq!(got, rejected.clone());
        prop_assert_eq!(summary.records, expected.len() as u64);
        prop_assert_eq!(summary.rejected, rejected.len() as u64);
        prop_assert_eq!(summary.sha256, None);

        // The NDJSON writer writes exactly the facade's decisions.
        let batch = Batch::new(Evaluate::new(ruleset.clone(), now).explain(explain).map(Encoded::from));
        let mut writer = NdjsonWriter::new(Vec::new());
        batch.run(Input::from_lines("p", lines), &mut writer).unwrap();
        let mut ndjson = Vec::new();
        for (_, evaluation) in &expected {
            for d in &evaluation.decisions {
                serde_json::to_writer(&mut ndjson, d).unwrap();
                ndjson.push(b'\n');
            }
        }
        prop_assert_eq!(writer.counts().customers, expected.len() as u64);
        prop_assert_eq!(String::from_utf8(writer.into_inner()).unwrap(), String::from_utf8(ndjson).unwrap());
    }
}

#[test]
fn lines_skip_blank_lines_and_keep_order() {
    let ruleset = ruleset();
    let now = crate::instant::parse(NOW).unwrap();
    let batch = Batch::new(Evaluate::new(ruleset, now));
    let lines: [(u64, &[u8]); 4] = [(7, b"  "), (8, b"\xff"), (9, b""), (10, br#"{"id": "c"}"#)];
    let results = batch.lines(&lines);
    assert_eq!(results.len(), 4);
    assert_eq!(results[0], Line::Blank(7));
    assert!(
        matches!(&results[1], Line::Record(p) if p.line == 8 && p.result == Err(Rejection::NotUtf8))
    );
    assert_eq!(results[2], Line::Blank(9));
    let Line::Record(last) = &results[3] else {
        panic!("{:?}", results[3])
    };
    assert_eq!(last.line, 10);
    assert_eq!(last.result.as_ref().unwrap().customer, "c");
}

#[test]
fn runs_skip_and_count_blank_lines() {
    let ruleset = ruleset();
    let now = crate::instant::parse(NOW).unwrap();
    let batch = Batch::new(Evaluate::new(ruleset, now));
    let lines = [r#"{"id": "a"}"#, "", " \t ", r#"{"id": "b"}"#, "\r"];
    let mut sink = Collect::default();
    let summary = batch
        .run(Input::from_lines("blank.ndjson", lines), &mut sink)
        .unwrap();
    assert_eq!(
        (summary.records, summary.rejected, summary.blank_lines),
        (2, 0, 3)
    );
    let numbers: Vec<u64> = sink.outputs.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [1, 4]);
}

#[test]
fn unique_customers_rejects_later_lines_with_a_seen_id() {
    let ruleset = ruleset();
    let now = crate::instant::parse(NOW).unwrap();
    let batch = Batch::new(Evaluate::new(ruleset, now)).options(Options { hash_inputs: true });
    let lines = [r#"{"id": "a"}"#, r#"{"id": "b"}"#, r#"{"id": "a"}"#];
    let mut sink = Collect::default();
    let mut unique = UniqueCustomers::default();
    unique.input("dupes.ndjson", Unit::Line);
    let summary = batch
        .run_admitting(
            Input::from_lines("dupes.ndjson", lines),
            &mut unique,
            &mut sink,
        )
        .unwrap();
    assert_eq!((summary.records, summary.rejected), (2, 1));
    assert_eq!(summary.duplicates, 1);
    assert_eq!(
        sink.rejected[0].to_string(),
        "dupes.ndjson:3: duplicate customer id `a`, first at dupes.ndjson:1"
    );
    assert_eq!(summary.sha256.unwrap().len(), 64);
}

#[test]
fn json_arrays_and_yaml_are_numbered_by_customer() {
    let ruleset = ruleset();
    let now = crate::instant::parse(NOW).unwrap();
    let batch = Batch::new(Evaluate::new(ruleset, now));
    let mut sink = Collect::default();
    let json = r#"[{"id": "a"}, 42]"#;
    batch
        .run(
            Input::from_reader("c.json", Format::JsonArray, json.as_bytes()),
            &mut sink,
        )
        .unwrap();
    let yaml = "id: y\n---\n- id: z\n- [\n";
    batch
        .run(
            Input::from_reader("c.yaml", Format::Yaml, yaml.as_bytes()),
            &mut sink,
        )
        .unwrap();
    let ids: Vec<&str> = sink
        .outputs
        .iter()
        .map(|(_, e)| e.customer.as_str())
        .collect();
    assert_eq!(ids, ["a", "y"]);
    assert!(sink.rejected[0]
        .to_string()
        .starts_with("c.json: customer #2: "));
    assert!(sink.rejected[1]
        .to_string()
        .starts_with("c.yaml: customer #2: "));
}
