//! The snapshot reader's problems, rejections and unknown keys, as typed
//! values and as the text records show.

use super::*;
use crate::Ruleset;

fn ruleset() -> Ruleset {
    Ruleset::from_sources([(
        "r.nudge",
        "schema {\n  plan: \"trial\" | \"pro\"\n  seen: time?\n  seats: int\n  \
         trial: duration?\n  company: { name: string }?\n  \
         event watched { minutes: number }\n}\n\
         policy { channels email }\n\
         rule a { when seats > 0 send email \"a\" cooldown 1 day }",
    )])
    .unwrap()
}

fn problems(json: &str) -> Vec<Problem> {
    match from_json_str(ruleset().program(), json).unwrap() {
        Customer::Invalid(invalid) => invalid.problems,
        Customer::Valid(_) => Vec::new(),
    }
}

fn path(steps: &[Step]) -> FieldPath {
    FieldPath(steps.to_vec())
}

fn key(k: &str) -> Step {
    Step::Key(k.to_string())
}

#[test]
fn a_valid_customer_has_no_problems() {
    assert!(problems(r#"{"id": "c", "plan": "pro", "seats": 2}"#).is_empty());
}

#[test]
fn wrong_types_name_the_path_the_type_and_the_value() {
    let found = problems(
        r#"{"id": "c", "plan": "gold", "seats": "many", "seen": "soon", "trial": "long"}"#,
    );
    // The kind of each; the text below shows each path, expectation and value.
    assert!(matches!(
        found.iter().map(|p| &p.kind).collect::<Vec<_>>().as_slice(),
        [
            ProblemKind::UnknownEnumValue { .. },
            ProblemKind::WrongType { .. },
            ProblemKind::BadTime { .. },
            ProblemKind::BadDuration { .. },
        ]
    ));
    assert_eq!(
        found.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![
            "`plan`: expected \"trial\" | \"pro\", found \"gold\"",
            "`seats`: expected int, found \"many\"",
            "`seen`: expected time, found \"soon\" (not an RFC 3339 time such as \"2026-11-12T17:30:00Z\")",
            "`trial`: expected duration, found \"long\" (write a duration such as \"7 days\", \"12h\" or \"30min\")",
        ]
    );
    assert!(found.get(2).is_some_and(Problem::is_bad_time));
}

#[test]
fn missing_attributes_and_fields_are_problems() {
    let found = problems(r#"{"id": "c", "plan": "pro", "company": {}}"#);
    let texts: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        vec![
            "`company.name`: missing required field (expected string)",
            "missing required attribute `seats` (expected int)",
        ]
    );
    assert_eq!(
        found.first().map(|p| &p.path),
        Some(&FieldPath::keys(["company", "name"]))
    );
    assert!(matches!(
        found.get(1).map(|p| &p.kind),
        Some(ProblemKind::MissingAttribute { .. })
    ));
}

#[test]
fn history_problems_point_at_the_entry() {
    let found = problems(
        r#"{"id": "c", "plan": "pro", "seats": 1,
            "events": {"watched": ["2026-11-01T00:00:00Z", {"minutes": 3}, {"at": "x", "minutes": 1}, 5]},
            "messages": [{"message": "m", "channel": "email", "at": "later"}, 7]}"#,
    );
    let watched = |i| path(&[key("events"), key("watched"), Step::Index(i)]);
    let messages = |i| path(&[key("messages"), Step::Index(i)]);
    assert_eq!(
        found,
        vec![
            Problem::new(
                watched(0),
                ProblemKind::BareTime {
                    properties: vec![String::from("minutes")]
                }
            ),
            Problem::new(watched(1), ProblemKind::MissingOccurrenceTime),
            Problem::new(
                path(&[key("events"), key("watched"), Step::Index(2), key("at")]),
                ProblemKind::BadTime {
                    expected: String::from("time"),
                    found: String::from("\"x\""),
                }
            ),
            Problem::new(
                watched(3),
                ProblemKind::NotAnOccurrence {
                    found: String::from("5")
                }
            ),
            Problem::new(
                messages(0),
                ProblemKind::BadMessageTime {
                    found: String::from("\"later\"")
                }
            ),
            Problem::new(messages(1), ProblemKind::MessageShape),
        ]
    );
    assert_eq!(
        found.last().map(ToString::to_string).unwrap(),
        "`messages[1]`: expected an object with string `message`, `channel` and `at` (and optional `rule`)"
    );
}

#[test]
fn input_that_is_not_a_customer_is_rejected_by_kind() {
    let ruleset = ruleset();
    let read = |text| from_json_str(ruleset.program(), text).unwrap_err();
    assert_eq!(read(r#"{"plan": "pro"}"#), RejectedInput::MissingId);
    assert_eq!(read(r#"{"id": 5}"#), RejectedInput::IdNotString);
    assert!(read(r#"{"id": 5}"#).is_about_id());
    let malformed = read(r#"{"id": "c""#);
    assert!(matches!(
        malformed,
        RejectedInput::Json(JsonSyntax::Unclosed { open: '{', .. })
    ));
    assert_eq!(
        malformed.to_string(),
        "`{` at column 1 is never closed: add `}`"
    );
    assert!(!malformed.is_about_id());
    assert_eq!(
        RejectedInput::MissingId.to_string(),
        "missing `id`: every customer needs a string `id`"
    );
}

#[test]
fn unknown_keys_are_counted_and_listed_on_request() {
    let ruleset = ruleset();
    let text = r#"{"id": "c", "plan": "pro", "seats": 1, "plna": 1, "company": {"nme": "x", "name": "y"},
        "events": {"wached": [], "watched": [{"at": "2026-11-01T00:00:00Z", "minutes": 1, "min": 2}]},
        "messages": [{"message": "m", "channel": "email", "at": "2026-11-01T00:00:00Z", "chanel": "x"}]}"#;
    let Customer::Valid(snapshot) = from_json_str(ruleset.program(), text).unwrap() else {
        panic!("valid customer expected");
    };
    // Message keys are listed but not counted: the count is of schema keys.
    assert_eq!(snapshot.unknown_keys, 4);
    let mut de = serde_json::Deserializer::from_str(text);
    let listed = unknown_keys(ruleset.program(), &mut de).unwrap();
    let paths: Vec<String> = listed.iter().map(|k| k.path.to_string()).collect();
    let summary: Vec<(&str, &str, &KeyPlace)> = listed
        .iter()
        .zip(&paths)
        .map(|(k, path)| (path.as_str(), k.key.as_str(), &k.place))
        .collect();
    assert_eq!(
        summary,
        [
            ("", "plna", &KeyPlace::Attribute),
            ("company", "nme", &KeyPlace::Field { record: 0 }),
            ("events", "wached", &KeyPlace::Event),
            ("events.watched[0]", "min", &KeyPlace::Property { event: 0 }),
            ("messages[0]", "chanel", &KeyPlace::MessageKey),
        ]
    );
}

#[test]
fn problems_are_miette_diagnostics_with_catalogue_codes() {
    use miette::Diagnostic as _;
    let found = problems(r#"{"id": "c", "plan": "pro", "seats": "x"}"#);
    let problem = found.first().unwrap();
    assert_eq!(
        problem.code().map(|c| c.to_string()),
        Some(String::from("nudge::snapshot::problem"))
    );
    assert!(problem.help().is_some());
    assert_eq!(
        RejectedInput::IdNotString.code().map(|c| c.to_string()),
        Some(String::from("nudge::snapshot::rejected"))
    );
}

#[test]
fn a_key_that_is_not_a_string_is_rejected_but_listed_when_asked() {
    let ruleset = ruleset();
    let yaml: serde_yaml::Value = serde_yaml::from_str("{ id: c, 7: x, seats: 1 }").unwrap();
    let rejected = from_deserializer(ruleset.program(), yaml.clone()).unwrap_err();
    assert_eq!(
        rejected.to_string(),
        "invalid type: integer `7`, expected an attribute name"
    );
    let listed = unknown_keys(ruleset.program(), yaml).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed.first().map(|k| k.key.as_str()), Some("7"));
}

#[test]
fn a_bad_yaml_document_is_one_rejection_and_the_others_are_read() {
    // Once an endless loop with growing memory: serde_yaml repeats a
    // syntax error forever.
    let ruleset = ruleset();
    let program = ruleset.program();
    for (text, customers, rejected) in [
        ("id: x\n  bad: indent\n", 0, 1),
        ("[", 0, 1),
        (
            "id: a\n---\nid: b\n  bad: indent\n---\n- id: c\n- id: d\n",
            3,
            1,
        ),
        ("--- {id: a}\n--- [\n--- {id: b}\n", 2, 1),
        ("---\n", 0, 0),
    ] {
        let results = super::from_yaml_str(program, text);
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let bad = results.iter().filter(|r| r.is_err()).count();
        assert_eq!((ok, bad), (customers, rejected), "{text:?}: {results:?}");
    }
}

#[test]
fn a_yaml_error_names_the_line_in_the_file() {
    let ruleset = ruleset();
    let program = ruleset.program();
    let results = super::from_yaml_str(program, "id: a\n---\nid: b\n  bad: indent\n");
    let error = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(error.to_string().contains("line 4"), "{error}");
}

#[test]
fn unknown_keys_are_counted_by_name_without_list_positions() {
    let program = crate::Ruleset::from_sources([(
        "r.nudge",
        "schema {\n  vip: bool\n  company: { name: string }\n  event watched { minutes: int }\n}\npolicy { channels email }\nrule r { when vip send email \"m\" cooldown 1 day }",
    )])
    .unwrap();
    let text = r#"{"id": "a", "vip": true, "shoe_size": 44, "company": {"name": "A", "size": 3},
        "events": {"watched": [{"at": "2026-11-01T00:00:00Z", "minutes": 1, "device": "tv"},
                               {"at": "2026-11-02T00:00:00Z", "minutes": 2, "device": "tv"}],
                   "clicked": []}}"#;
    let Ok(Customer::Valid(snapshot)) = from_json_str(program.program(), text) else {
        panic!("not read")
    };
    assert_eq!(snapshot.unknown_keys, 5);
    let names: Vec<(&str, u64)> = snapshot.unknown_key_names.iter().collect();
    assert_eq!(
        names,
        [
            ("shoe_size", 1),
            ("company.size", 1),
            ("events.watched.device", 2),
            ("events.clicked", 1)
        ]
    );
    assert_eq!(
        snapshot.unknown_key_names.describe(5, 2),
        "shoe_size: 1, company.size: 1, 3 more"
    );
    assert_eq!(
        serde_json::to_value(&snapshot.unknown_key_names).unwrap()[2],
        serde_json::json!({"key": "events.watched.device", "count": 2})
    );
}

#[test]
fn only_the_first_names_are_kept_and_counts_merge() {
    let mut a = UnknownKeyNames::default();
    for i in 0..15 {
        a.add(&format!("k{i}"), 1);
    }
    a.add("k0", 2);
    assert_eq!(a.iter().count(), UnknownKeyNames::MAX);
    assert_eq!(a.iter().next(), Some(("k0", 3)));
    let mut b = UnknownKeyNames::default();
    b.add("k1", 4);
    b.merge(&a);
    assert_eq!(b.iter().next(), Some(("k1", 5)));
}
