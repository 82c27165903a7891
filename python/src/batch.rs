//! Batches: snapshot lines in (an Arrow string array or Python strings),
//! decision rows out as an Arrow record batch. [`evaluate_lines`] hands the
//! lines to the library's batch engine (`nudge::batch`); everything else
//! here only moves data between Arrow and the library's results.

use std::sync::Arc;

use arrow_array::builder::{Int32Builder, Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, Utc};
use nudge::batch::{Batch, Encoded, Evaluate, Line, Step};
use nudge::{Decision, Evaluation, Ruleset};

/// One decision of one input line, with its record serialized exactly as
/// `nudge eval` writes it (one NDJSON line, without the newline).
pub struct Row {
    pub decision: Decision,
    pub record: String,
}

/// What one non-blank input line gave: its decisions in arbitration order,
/// or why it is not a customer (the text `nudge eval` reports for it).
pub struct LineResult {
    /// 1-based position of the line in the input.
    pub line: u64,
    pub result: Result<Vec<Row>, String>,
}

/// Evaluates numbered snapshot lines at `now` with the library's batch
/// engine ([`nudge::batch::Batch::lines`]: blank lines skipped, trailing
/// whitespace ignored, results in input order), with `no_match` records
/// when `explain` (as `nudge eval --explain`), on `threads` worker threads
/// (default: the global pool, all cores). Records are serialized by the
/// library exactly as `nudge eval` writes them ([`Encoded`]).
pub fn evaluate_lines(
    ruleset: &Ruleset,
    lines: &[(u64, &str)],
    now: DateTime<Utc>,
    explain: bool,
    threads: Option<usize>,
) -> Result<Vec<LineResult>, String> {
    let step =
        Evaluate::new(ruleset.clone(), now)
            .explain(explain)
            .map(|evaluation: Evaluation| {
                let encoded = Encoded::new(&evaluation);
                (evaluation.decisions, encoded.ndjson)
            });
    let mut batch = Batch::new(step);
    if let Some(n) = threads {
        batch = batch.threads(n).map_err(|e| e.to_string())?;
    }
    Ok(batch
        .lines(lines)
        .into_iter()
        .filter_map(|line| match line {
            Line::Record(processed) => Some(processed),
            Line::Blank(_) => None,
        })
        .map(|processed| LineResult {
            line: processed.line,
            result: processed
                .result
                .map_err(|why| why.to_string())
                .and_then(|(decisions, ndjson)| rows(decisions, &ndjson)),
        })
        .collect())
}

/// Pairs each decision with its line of the library's NDJSON.
fn rows(decisions: Vec<Decision>, ndjson: &[u8]) -> Result<Vec<Row>, String> {
    let records: Vec<&[u8]> = ndjson
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    if records.len() != decisions.len() {
        return Err(format!(
            "{} decisions but {} serialized records",
            decisions.len(),
            records.len()
        ));
    }
    decisions
        .into_iter()
        .zip(records)
        .map(|(decision, record)| {
            let record = String::from_utf8(record.to_vec()).map_err(|e| e.to_string())?;
            Ok(Row { decision, record })
        })
        .collect()
}

/// The lines of a string array (`utf8`, `large_utf8` or `utf8_view`),
/// numbered from `first_line`; nulls are left out (as blank lines are by
/// the batch engine).
pub fn lines_of(array: &dyn Array, first_line: u64) -> Result<Vec<(u64, &str)>, String> {
    fn numbered(first_line: u64) -> impl Fn((usize, Option<&str>)) -> Option<(u64, &str)> {
        move |(i, s)| s.map(|s| (first_line + i as u64, s))
    }
    let all: Vec<(u64, &str)> = match array.data_type() {
        DataType::Utf8 => array
            .as_string::<i32>()
            .iter()
            .enumerate()
            .filter_map(numbered(first_line))
            .collect(),
        DataType::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .enumerate()
            .filter_map(numbered(first_line))
            .collect(),
        DataType::Utf8View => array
            .as_string_view()
            .iter()
            .enumerate()
            .filter_map(numbered(first_line))
            .collect(),
        other => {
            return Err(format!(
                "snapshot lines must be an Arrow string array, not {other}"
            ))
        }
    };
    Ok(all)
}

/// The columns of a decision batch, one row per decision and one per
/// rejected line.
pub fn schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new("line", DataType::Int64, false),
        Field::new("seq", DataType::Int32, true),
        text("customer"),
        text("rule"),
        text("outcome"),
        text("channel"),
        text("message"),
        text("deliver_at"),
        text("reason"),
        text("decision_id"),
        text("record"),
        text("error"),
    ]))
}

/// The rows of `results` as one Arrow record batch with [`schema`].
pub fn to_record_batch(results: &[LineResult]) -> Result<RecordBatch, String> {
    let rows: usize = results
        .iter()
        .map(|r| r.result.as_ref().map_or(1, Vec::len))
        .sum();
    let bytes: usize = results
        .iter()
        .filter_map(|r| r.result.as_ref().ok())
        .flatten()
        .map(|row| row.record.len())
        .sum();
    let mut line = Int64Builder::with_capacity(rows);
    let mut seq = Int32Builder::with_capacity(rows);
    let text = |per_row: usize| StringBuilder::with_capacity(rows, rows * per_row);
    let (mut customer, mut rule, mut outcome) = (text(16), text(24), text(9));
    let (mut channel, mut message, mut deliver_at) = (text(8), text(24), text(20));
    let (mut reason, mut decision_id) = (text(64), text(32));
    let mut record = StringBuilder::with_capacity(rows, bytes);
    let mut error = text(0);
    for result in results {
        let at = i64::try_from(result.line).unwrap_or(i64::MAX);
        match &result.result {
            Ok(decisions) => {
                for (i, row) in decisions.iter().enumerate() {
                    let d = &row.decision;
                    line.append_value(at);
                    seq.append_value(i32::try_from(i).unwrap_or(i32::MAX));
                    customer.append_value(&d.customer);
                    rule.append_value(&d.rule);
                    outcome.append_value(d.outcome.as_str());
                    channel.append_option(d.channel.as_deref());
                    message.append_option(d.message.as_deref());
                    deliver_at.append_option(d.deliver_at.as_deref());
                    reason.append_value(&d.reason);
                    decision_id.append_value(&d.decision_id);
                    record.append_value(&row.record);
                    error.append_null();
                }
            }
            Err(why) => {
                line.append_value(at);
                seq.append_null();
                for column in [
                    &mut customer,
                    &mut rule,
                    &mut outcome,
                    &mut channel,
                    &mut message,
                    &mut deliver_at,
                    &mut reason,
                    &mut decision_id,
                    &mut record,
                ] {
                    column.append_null();
                }
                error.append_value(why);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(line.finish()),
        Arc::new(seq.finish()),
        Arc::new(customer.finish()),
        Arc::new(rule.finish()),
        Arc::new(outcome.finish()),
        Arc::new(channel.finish()),
        Arc::new(message.finish()),
        Arc::new(deliver_at.finish()),
        Arc::new(reason.finish()),
        Arc::new(decision_id.finish()),
        Arc::new(record.finish()),
        Arc::new(error.finish()),
    ];
    RecordBatch::try_new(schema(), columns).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::StringArray;

    fn ruleset() -> Ruleset {
        Ruleset::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")).unwrap()
    }

    #[test]
    fn rows_match_the_library_records_and_rejects_bad_lines() {
        let ruleset = ruleset();
        let now = "2026-11-23T09:00:00Z".parse().unwrap();
        let good = r#"{"id": "c1", "plan": "trial", "signed_up_at": "2026-11-01T00:00:00Z"}"#;
        let array = StringArray::from(vec![Some(good), None, Some("  "), Some("{not json")]);
        let lines = lines_of(&array, 1).unwrap();
        assert_eq!(lines.iter().map(|l| l.0).collect::<Vec<_>>(), [1, 3, 4]);
        let results = evaluate_lines(&ruleset, &lines, now, false, Some(1)).unwrap();
        let batch = to_record_batch(&results).unwrap();
        let customer = ruleset.read_customer(good).unwrap();
        let expected: Vec<String> = ruleset
            .evaluate(&customer, now)
            .iter()
            .map(|d| serde_json::to_string(d).unwrap())
            .collect();
        assert_eq!(batch.num_rows(), expected.len() + 1);
        let records = batch.column(10).as_string::<i32>();
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(records.value(i), want);
        }
        let errors = batch.column(11).as_string::<i32>();
        assert!(errors.is_null(0));
        assert!(!errors.value(expected.len()).is_empty());
    }

    #[test]
    fn parallel_and_sequential_give_the_same_rows() {
        let ruleset = ruleset();
        let now = "2026-11-23T09:00:00Z".parse().unwrap();
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/customers.ndjson"
        ))
        .unwrap();
        let lines: Vec<(u64, &str)> = text.lines().zip(1..).map(|(s, i)| (i, s)).collect();
        let one = to_record_batch(&evaluate_lines(&ruleset, &lines, now, true, Some(1)).unwrap());
        let two = to_record_batch(&evaluate_lines(&ruleset, &lines, now, true, Some(2)).unwrap());
        assert_eq!(one.unwrap(), two.unwrap());
    }
}
