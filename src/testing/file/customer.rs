//! A case's customer: the keys the schema does not know and the problems
//! the snapshot reader finds, as diagnostics pointing at the value in the
//! case or in the file's `defaults`. The snapshot reader is the one
//! validator; this module only says where and how to fix.

use serde_yaml::Value as Yaml;

use super::super::locate::{display_path, Seg, Target};
use super::{path_with, suggest, Reader, CASE_KEYS, SAMPLE_NOW};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::snapshot::{
    self, Customer, KeyPlace, Problem, ProblemKind, Step, UnknownKey, MESSAGE_KEYS,
};

/// Deep merge: maps merge key by key (recursively), anything else from
/// `over` wins, `null` included (to unset an optional attribute).
pub fn deep_merge(under: &Yaml, over: &Yaml) -> Yaml {
    match (under, over) {
        (Yaml::Mapping(u), Yaml::Mapping(o)) => {
            let mut out = u.clone();
            for (k, v) in o {
                let merged = match u.get(k) {
                    Some(uv) => deep_merge(uv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Yaml::Mapping(out)
        }
        (_, o) => o.clone(),
    }
}

/// A snapshot path as test-file path segments.
fn segments(path: &snapshot::FieldPath) -> Vec<Seg> {
    path.steps()
        .iter()
        .map(|step| match step {
            Step::Key(k) => Seg::Key(k.clone()),
            Step::Index(i) => Seg::Index(*i),
        })
        .collect()
}

/// Whether the fix for a problem is writing an RFC 3339 time.
fn wants_time(problem: &Problem) -> bool {
    match &problem.kind {
        ProblemKind::WrongType { expected, .. } | ProblemKind::MissingField { expected } => {
            expected == "time"
        }
        ProblemKind::NotAnOccurrence { .. } => true,
        _ => problem.is_bad_time(),
    }
}

impl Reader<'_> {
    /// Reports the keys of a customer (or of `defaults`) that the schema
    /// does not know: unknown attributes, record fields, events, event
    /// properties and `messages` keys, as the snapshot reader finds them.
    pub(super) fn check_customer(&mut self, value: &Yaml, path: &[Seg]) {
        // Input the reader cannot take at all is reported when it is read.
        let Ok(unknown) = snapshot::unknown_keys(self.program, value.clone()) else {
            return;
        };
        for key in &unknown {
            let d = self.unknown_key(key, path);
            self.push(d);
        }
    }

    /// The diagnostic for one unknown key of the customer at `path`.
    fn unknown_key(&self, unknown: &UnknownKey, path: &[Seg]) -> Diagnostic {
        let schema = &self.program.schema;
        let name = unknown.key.as_str();
        let inner = segments(&unknown.path);
        let mut container = path.to_vec();
        container.extend(inner.iter().cloned());
        let here = path_with(&container, Seg::key(name));
        let span = self.span(&here, Target::Key);
        let (code, message, label, names, intro): (_, _, _, Vec<&str>, _) = match unknown.place {
            KeyPlace::Attribute => {
                let mut candidates: Vec<&str> =
                    schema.attributes.iter().map(|a| a.name.as_str()).collect();
                candidates.extend(["id", "events", "messages"]);
                let d = Diagnostic::error(
                    Code::TestUnknownAttribute,
                    span,
                    format!("unknown attribute `{name}`: the schema has no such attribute"),
                )
                .with_label("not in the schema");
                return match did_you_mean(name, candidates.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None if CASE_KEYS.contains(&name) && path.last() == Some(&Seg::key("customer")) => {
                        d.with_help(format!("`{name}` belongs to the case, not to its customer: move it one level up, next to `customer:`"))
                    }
                    None if schema.event_index(name).is_some() => {
                        d.with_help(format!("`{name}` is an event: put its occurrences under `events: {{ {name}: [...] }}`"))
                    }
                    None => d.with_help("a customer holds the schema's attributes, `id`, `events` and `messages`"),
                };
            }
            KeyPlace::MessageKey => {
                return self.unknown_key_diagnostic(name, span, &MESSAGE_KEYS, "a sent message");
            }
            KeyPlace::Field { record } => (
                Code::TestUnknownAttribute,
                format!("unknown field `{name}` in `{}`", display_path(&inner)),
                "not a field of this record",
                schema
                    .records
                    .get(record as usize)
                    .map(|fields| fields.iter().map(|f| f.name.as_str()).collect())
                    .unwrap_or_default(),
                "its fields are",
            ),
            KeyPlace::Event => (
                Code::TestUnknownEvent,
                format!("unknown event `{name}`: the schema declares no such event"),
                "not in the schema",
                schema.events.iter().map(|e| e.name.as_str()).collect(),
                "the schema's events are",
            ),
            KeyPlace::Property { event } => {
                let def = schema.events.get(event);
                let event_name = def.map(|e| e.name.as_str()).unwrap_or_default();
                let props = def.map(|e| e.props.as_slice()).unwrap_or_default();
                (
                    Code::TestUnknownAttribute,
                    format!("unknown property `{name}` of event `{event_name}`"),
                    "not a property of this event",
                    props
                        .iter()
                        .map(|p| p.name.as_str())
                        .chain(["at"])
                        .collect(),
                    "an occurrence holds",
                )
            }
        };
        let d = Diagnostic::error(code, span, message).with_label(label);
        suggest(d, name, &names, intro)
    }

    /// Reads the merged customer with the schema; a problem (wrong type,
    /// missing attribute) points at the value in the case or in `defaults`.
    pub(super) fn read_customer(
        &mut self,
        merged: &Yaml,
        customer_path: &[Seg],
    ) -> Option<Customer> {
        let customer_key = (customer_path.to_vec(), Target::Key);
        match snapshot::from_deserializer(self.program, merged.clone()) {
            Ok(c @ Customer::Valid(_)) => Some(c),
            Ok(Customer::Invalid(invalid)) => {
                for problem in &invalid.problems {
                    let d = self.problem_diagnostic(problem, customer_path, &customer_key);
                    self.push(d);
                }
                None
            }
            Err(rejected) => {
                let span = self.span_any(&[
                    (path_with(customer_path, Seg::key("id")), Target::Value),
                    customer_key,
                ]);
                let help = if rejected.is_about_id() {
                    "give every case's customer a string `id` (it also decides holdout and variant buckets)"
                } else {
                    "a customer is a map of attributes, `id`, `events` and `messages`"
                };
                self.push(
                    Diagnostic::error(
                        Code::TestInvalidCustomer,
                        span,
                        format!("invalid customer: {rejected}"),
                    )
                    .with_label("here")
                    .with_help(help),
                );
                None
            }
        }
    }

    /// The diagnostic for one problem the snapshot reader found.
    fn problem_diagnostic(
        &self,
        problem: &Problem,
        customer_path: &[Seg],
        customer_key: &(Vec<Seg>, Target),
    ) -> Diagnostic {
        if let ProblemKind::MissingAttribute { .. } = problem.kind {
            let span = self.span_any(std::slice::from_ref(customer_key));
            return Diagnostic::error(
                Code::TestInvalidCustomer,
                span,
                format!("invalid customer: {problem}"),
            )
            .with_label("this customer")
            .with_help(format!(
                "add `{}` to this case's customer or to the file's `defaults`",
                problem.path
            ));
        }
        let inner = segments(&problem.path);
        let span = if inner.is_empty() {
            self.span_any(std::slice::from_ref(customer_key))
        } else {
            // The value is in the case's customer, or else in `defaults`;
            // fall back to ever shorter paths (a missing field's record).
            let mut candidates = Vec::new();
            for len in (1..=inner.len()).rev() {
                let part = inner.get(..len).unwrap_or(&[]);
                let target = if len == inner.len() {
                    Target::Value
                } else {
                    Target::Key
                };
                let mut in_case = customer_path.to_vec();
                in_case.extend_from_slice(part);
                let mut in_defaults = vec![Seg::key("defaults")];
                in_defaults.extend_from_slice(part);
                candidates.push((in_case, target));
                candidates.push((in_defaults, target));
            }
            candidates.push(customer_key.clone());
            self.span_any(&candidates)
        };
        let help = if wants_time(problem) {
            format!("write times as RFC 3339, e.g. `{SAMPLE_NOW}`")
        } else {
            String::from("the value must match the type declared in the schema")
        };
        Diagnostic::error(
            Code::TestInvalidCustomer,
            span,
            format!("invalid customer: {problem}"),
        )
        .with_label("wrong value")
        .with_help(help)
    }
}
