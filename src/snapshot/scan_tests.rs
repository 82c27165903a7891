//! The fast scanner against the serde reader: on every line, reading with
//! the scanner first gives exactly what serde alone gives (compared as
//! `Debug` text, so `-0.0` and `0.0` differ), and the scanner does take the
//! common lines.

use super::*;
use crate::Ruleset;

fn example() -> Ruleset {
    Ruleset::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap()
}

fn example_lines() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/customers.ndjson");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Whether the scanner took the line; panics when the two readers differ.
fn agree(program: &Program, line: &str) -> bool {
    let both = format!("{:?}", from_json_str(program, line));
    let serde = format!("{:?}", from_json_str_with_serde(program, line));
    assert_eq!(both, serde, "the readers differ on {line}");
    scan::customer(&program.schema, line).is_some()
}

#[test]
fn the_example_customers_are_all_scanned_and_read_as_serde_reads_them() {
    let ruleset = example();
    let lines = example_lines();
    let slow: Vec<&str> = lines
        .iter()
        .filter(|line| !agree(ruleset.program(), line))
        .map(|line| line.get(..20).unwrap_or(line))
        .collect();
    assert!(slow.is_empty(), "left to serde: {slow:?}");
}

/// A ruleset whose schema has every kind of value.
fn every_type() -> Ruleset {
    Ruleset::from_sources([(
        "r.nudge",
        "schema {\n  plan: \"trial\" | \"pro\"\n  seen: time?\n  seats: int\n  mrr: number?\n  \
         trial: duration?\n  vip: bool?\n  labels: list<string>\n  \
         company: { name: string, size: int? }?\n  \
         event watched { minutes: number }\n  event logged_in\n}\n\
         policy { channels email }\n\
         rule a { when seats > 0 send email \"a\" cooldown 1 day }",
    )])
    .unwrap()
}

#[test]
fn lines_the_scanner_takes_read_as_serde_reads_them() {
    let ruleset = every_type();
    let taken = [
        r#"{"id":"c","plan":"pro","seats":2,"labels":[]}"#,
        " \t{ \"id\" : \"c\" ,\n\"plan\":\"pro\",\"seats\":2,\"tags\":[ \"a\" , \"é\" ] } \r\n",
        r#"{"id":"c","plan":"pro","seats":-0,"labels":[],"mrr":-0}"#,
        r#"{"id":"c","plan":"pro","seats":2.0,"labels":[],"mrr":6.8100000000000005}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"mrr":9007199254740993.0}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"mrr":-0.1e-30}"#,
        r#"{"id":"c","plan":"pro","seats":-7,"labels":[],"mrr":-0.0}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"mrr":359.37}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"mrr":1e22}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"mrr":-1.5E-3}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"mrr":18446744073709551615}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"mrr":null,"seen":null,"vip":null}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"trial":"14 days","vip":true}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"company":{"name":"A","size":3}}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"company":{"name":"A","x":[1,{"y":null}]}}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"company":null}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"shoe":{"size":[1,2.5e3,"x",true,false,null]}}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"plan":"trial","id":"d"}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"seen":"2026-11-23T09:00:00Z"}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"seen":"2026-11-23T09:00:00.5+01:00"}"#,
        r#"{"plan":"pro","seats":7,"labels":[]}"#,
        // Missing attributes are found after reading, by both.
        r#"{"id":"c","plan":"pro","labels":[]}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"events":null,"messages":null}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"events":{"logged_in":["2026-11-20T09:00:00Z","2026-11-19T09:00:00Z"],"watched":[{"at":"2026-11-20T09:00:00Z","minutes":3,"extra":1}]}}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"events":{"logged_in":["2026-11-20T09:00:00Z"],"logged_in":[]}}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"events":{"logged_in":null,"dance":[1]}}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"messages":[{"rule":"a","message":"a","channel":"email","at":"2026-11-20T09:00:00Z","tags":["x"],"why":{}}]}"#,
        r#"{"id":"c","plan":"pro","seats":7,"labels":[],"messages":[{"rule":null,"message":"a","channel":"email","at":"2026-11-21T09:00:00Z","tags":null}],"messages":[{"message":"b","channel":"email","at":"2026-11-20T09:00:00Z"}]}"#,
    ];
    for line in taken {
        assert!(agree(ruleset.program(), line), "not scanned: {line}");
    }
}

#[test]
fn lines_the_scanner_leaves_to_serde_read_as_serde_reads_them() {
    let ruleset = every_type();
    let left = [
        "",
        "[]",
        "{",
        r#"{"id":"c\"d","plan":"pro","seats":2,"labels":[]}"#,
        r#"{"id":7,"plan":"pro","seats":2,"labels":[]}"#,
        r#"{"id":"c","plan":"gold","seats":2,"labels":[]}"#,
        r#"{"id":"c","plan":"pro","seats":2.5,"labels":[]}"#,
        r#"{"id":"c","plan":"pro","seats":02,"labels":[]}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"mrr":1.}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"mrr":1e400}"#,
        r#"{"id":"c","plan":"pro","seats":99999999999999999999,"labels":[]}"#,
        r#"{"id":"c","plan":"pro","seats":-9223372036854775809,"labels":[]}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[]} x"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[1]}"#,
        r#"{"id":"c","plan":"pro","seats":null,"labels":[]}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"seen":"2026-02-30T00:00:00Z"}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"company":{"size":1}}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"shoe":"a	tab"}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"shoe":tru}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"events":[]}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"events":{"watched":["2026-11-20T09:00:00Z"]}}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"events":{"watched":[{"minutes":1}]}}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"events":{"watched":[{"at":"2026-11-20T09:00:00Z"}]}}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"messages":[{"message":"a","at":"2026-11-20T09:00:00Z"}]}"#,
        r#"{"id":"c","plan":"pro","seats":2,"labels":[],"messages":{}}"#,
    ];
    for line in left {
        assert!(!agree(ruleset.program(), line), "scanned: {line}");
    }
    let deep = format!(
        r#"{{"id":"c","plan":"pro","seats":2,"labels":[],"x":{}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    assert!(!agree(ruleset.program(), &deep));
}

/// One edit of a customer: a value replaced, a key added or removed,
/// bytes changed.
fn edit(line: &str, kind: u8, a: u32, b: u32) -> String {
    const VALUES: [&str; 22] = [
        "null",
        "true",
        "0",
        "-0",
        "-0.0",
        "1.5",
        "-2.25e3",
        "1e400",
        "12345678901234567890",
        "-9223372036854775809",
        "\"\"",
        "\"x\\\"y\"",
        "\"\\u00e9\"",
        "\"2026-02-30T00:00:00Z\"",
        "\"2026-11-23T09:00:00+01:00\"",
        "\"2026-11-23T09:00:00Z\"",
        "\"14 days\"",
        "[]",
        "{}",
        "[1,\"a\"]",
        "{\"at\":\"2026-11-20T09:00:00Z\"}",
        "\"pro\"",
    ];
    let value = VALUES[b as usize % VALUES.len()];
    let mut json: serde_json::Value = serde_json::from_str(line).unwrap();
    // The JSON pointer of every object in the customer, outermost first.
    fn objects(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                out.push(at.clone());
                for (k, x) in map {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    objects(x, format!("{at}/{k}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    objects(x, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut pointers = Vec::new();
    objects(&json, String::new(), &mut pointers);
    let pointer = &pointers[a as usize % pointers.len()];
    let Some(serde_json::Value::Object(map)) = json.pointer_mut(pointer) else {
        unreachable!("{pointer} is an object");
    };
    let key = map.keys().nth(b as usize % map.len().max(1)).cloned();
    match (kind % 6, key) {
        (0, Some(key)) => {
            map.insert(key, serde_json::from_str(value).unwrap_or_default());
        }
        (1, _) => {
            map.insert(
                format!("k{}", b % 3),
                serde_json::from_str(value).unwrap_or_default(),
            );
        }
        (2, Some(key)) => {
            map.remove(&key);
        }
        _ => {}
    }
    let text = serde_json::to_string(&json).unwrap();
    let mut bytes = text.into_bytes();
    let at = a as usize % (bytes.len() + 1);
    match kind % 6 {
        3 => {
            bytes.insert(at, b" \t\n\"\\{}[]:,0.-eE9tnf"[b as usize % 20]);
        }
        4 if at < bytes.len() => {
            bytes.remove(at);
        }
        5 => {
            // The value text inserted raw after a colon: also duplicate keys.
            if let Some(colon) = bytes.iter().skip(at).position(|&c| c == b':') {
                let end = bytes
                    .iter()
                    .skip(at + colon)
                    .position(|&c| c == b',' || c == b'}')
                    .map_or(bytes.len(), |p| at + colon + p);
                bytes.splice(at + colon + 1..end, value.bytes());
            }
        }
        _ => {}
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    /// Edited example customers (and every_type's): whatever the scanner
    /// takes, it reads as serde does.
    #[test]
    fn edited_customers_read_the_same_by_both_readers(
        line in 0usize..300,
        edits in proptest::collection::vec((0u8..6, proptest::prelude::any::<u32>(), proptest::prelude::any::<u32>()), 1..4),
    ) {
        thread_local! {
            static EXAMPLE: (Ruleset, Vec<String>) = (example(), example_lines());
        }
        EXAMPLE.with(|(ruleset, lines)| {
            let mut text = lines[line % lines.len()].clone();
            for (kind, a, b) in &edits {
                if serde_json::from_str::<serde_json::Value>(&text).is_err() {
                    break;
                }
                text = edit(&text, *kind, *a, *b);
            }
            agree(ruleset.program(), &text);
        });
    }
}
