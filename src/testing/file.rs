//! Reading one YAML test file into cases: the file's `now` and `defaults`,
//! every case's customer (defaults deep-merged under it, then read with the
//! ruleset's schema) and its expectations. Every mistake becomes a
//! [`Diagnostic`] pointing at the offending key or value.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_yaml::{Mapping, Value as Yaml};

use super::locate::{display_path, locate, token_end, Seg, Target};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::program::{Message, Program, Type};
use crate::snapshot::{self, Customer};
use crate::syntax::{FileId, Span};

/// What a case expects. `send` is always exact; the other outcome lists are
/// exact when given; the per-rule checks compare one field of one decision.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expect {
    pub send: Vec<String>,
    pub held_out: Option<Vec<String>>,
    /// Rule → the suppression that blocks it.
    pub suppressed: Option<Vec<(String, String)>>,
    pub capped: Option<Vec<String>>,
    pub cooldown: Option<Vec<String>>,
    pub error: Option<Vec<String>>,
    /// Rule → message (the chosen variant).
    pub messages: Vec<(String, String)>,
    /// Rule → channel.
    pub channels: Vec<(String, String)>,
    /// Rule → the params to compare (the keys listed; others are not checked).
    pub params: Vec<(String, serde_json::Map<String, serde_json::Value>)>,
    /// Rule → delivery time (RFC 3339).
    pub deliver_at: Vec<(String, String)>,
}

/// A case ready to run.
#[derive(Debug, Clone)]
pub struct CaseRun {
    pub now: DateTime<Utc>,
    pub customer: Customer,
    pub expect: Expect,
}

/// One case of a test file.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// 1-based line of the case in its file.
    pub line: usize,
    /// `None` when the case has errors (they are in the diagnostics).
    pub run: Option<CaseRun>,
    /// The errors found in this case (also in the file's diagnostics).
    pub errors: Vec<Diagnostic>,
}

/// Everything read from one test file.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub cases: Vec<Case>,
    /// The file itself is unusable (bad YAML, no `cases`, broken `defaults`).
    pub broken: bool,
}

const TOP_KEYS: [&str; 3] = ["now", "defaults", "cases"];
const CASE_KEYS: [&str; 4] = ["name", "now", "customer", "expect"];
const EXPECT_KEYS: [&str; 10] = [
    "send",
    "held_out",
    "suppressed",
    "capped",
    "cooldown",
    "error",
    "messages",
    "channels",
    "params",
    "deliver_at",
];
const MESSAGE_KEYS: [&str; 4] = ["rule", "message", "channel", "at"];
const SAMPLE_NOW: &str = "2026-11-23T09:00:00Z";

struct Reader<'a> {
    program: &'a Program,
    text: &'a str,
    file: FileId,
    diagnostics: Vec<Diagnostic>,
}

/// Reads one test file's text; diagnostics use `file` for their spans.
pub fn parse(program: &Program, file: FileId, text: &str) -> (Parsed, Vec<Diagnostic>) {
    let mut reader = Reader {
        program,
        text,
        file,
        diagnostics: Vec::new(),
    };
    let parsed = reader.file();
    let mut diagnostics = reader.diagnostics;
    diagnostics.sort_by_key(|d| d.span.start);
    // A mistake in `defaults` shows up in every case: report it once.
    let mut seen = BTreeSet::new();
    diagnostics.retain(|d| seen.insert((d.span.start, d.span.end, d.message.clone())));
    (parsed, diagnostics)
}

/// `serde_yaml`'s message without its "at line … column …" tail (the
/// diagnostic shows the position itself).
fn yaml_message(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

fn kind(v: &Yaml) -> &'static str {
    match v {
        Yaml::Null => "nothing",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a map",
        Yaml::Tagged(_) => "a tagged value",
    }
}

fn key_str(k: &Yaml) -> Option<String> {
    match k {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn path_with(base: &[Seg], seg: Seg) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.push(seg);
    p
}

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

/// Parses an RFC 3339 instant.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Reader<'_> {
    /// The span of the node at `path`; when it is not in the text, the
    /// closest ancestor that is.
    fn span(&self, path: &[Seg], target: Target) -> Span {
        let mut path = path.to_vec();
        let mut target = target;
        loop {
            if let Some(start) = locate(self.text, &path, target) {
                return Span::new(self.file, start, token_end(self.text, start));
            }
            if path.pop().is_none() || path.is_empty() {
                return Span::new(self.file, 0, token_end(self.text, 0));
            }
            target = Target::Key;
        }
    }

    /// The first of `paths` found in the text.
    fn span_any(&self, paths: &[(Vec<Seg>, Target)]) -> Span {
        for (p, t) in paths {
            if let Some(start) = locate(self.text, p, *t) {
                return Span::new(self.file, start, token_end(self.text, start));
            }
        }
        match paths.first() {
            Some((p, t)) => self.span(p, *t),
            None => Span::new(self.file, 0, 0),
        }
    }

    fn line_of(&self, span: Span) -> usize {
        self.text
            .get(..span.start)
            .map_or(1, |t| t.matches('\n').count() + 1)
    }

    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn wrong_shape(&mut self, path: &[Seg], what: &str, found: &Yaml, help: &str) {
        let span = self.span(path, Target::Value);
        let name = display_path(path);
        let mut d = Diagnostic::error(
            Code::TestWrongType,
            span,
            format!("`{name}` must be {what}, found {}", kind(found)),
        )
        .with_label(format!("expected {what}"));
        if !help.is_empty() {
            d = d.with_help(help.to_string());
        }
        self.push(d);
    }

    fn unknown_keys(&mut self, map: &Mapping, path: &[Seg], allowed: &[&str], what: &str) -> bool {
        let mut ok = true;
        for k in map.keys() {
            let name = key_str(k).unwrap_or_default();
            if allowed.contains(&name.as_str()) {
                continue;
            }
            ok = false;
            let span = self.span(&path_with(path, Seg::Key(name.clone())), Target::Key);
            let mut d = Diagnostic::error(
                Code::TestUnknownKey,
                span,
                format!("unknown key `{name}` in {what}"),
            )
            .with_label("not a known key");
            // A key cut short (`held` for `held_out`) before a near miss.
            let prefixed = allowed
                .iter()
                .copied()
                .find(|a| name.len() >= 3 && a.starts_with(name.as_str()));
            d = match prefixed.or_else(|| did_you_mean(&name, allowed.iter().copied())) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("{what} may hold: {}", allowed.join(", "))),
            };
            self.push(d);
        }
        ok
    }

    fn file(&mut self) -> Parsed {
        let root: Yaml = match serde_yaml::from_str(self.text) {
            Ok(v) => v,
            Err(e) => {
                let start = e.location().map_or(0, |l| l.index()).min(self.text.len());
                let span = Span::new(self.file, start, token_end(self.text, start).max(start));
                self.push(
                    Diagnostic::error(
                        Code::TestYaml,
                        span,
                        format!("invalid YAML: {}", yaml_message(&e)),
                    )
                    .with_label("here"),
                );
                return Parsed {
                    cases: Vec::new(),
                    broken: true,
                };
            }
        };
        let Yaml::Mapping(top) = &root else {
            let span = Span::new(self.file, 0, token_end(self.text, 0));
            self.push(
                Diagnostic::error(
                    Code::TestWrongType,
                    span,
                    format!(
                        "a test file must be a map with `now`, `defaults` and `cases`, found {}",
                        kind(&root)
                    ),
                )
                .with_help(format!(
                    "start the file with `now: {SAMPLE_NOW}`, then `cases:`"
                )),
            );
            return Parsed {
                cases: Vec::new(),
                broken: true,
            };
        };
        let mut broken = !self.unknown_keys(top, &[], &TOP_KEYS, "a test file");

        let now = match top.get("now") {
            None => None,
            Some(v) => self.instant(v, &[Seg::key("now")]),
        };
        let has_now_key = top.contains_key("now");

        let defaults = match top.get("defaults") {
            None | Some(Yaml::Null) => Yaml::Mapping(Mapping::new()),
            Some(d @ Yaml::Mapping(_)) => {
                let before = self.diagnostics.len();
                self.check_customer(d, &[Seg::key("defaults")]);
                if self.diagnostics.len() > before {
                    broken = true;
                }
                d.clone()
            }
            Some(other) => {
                self.wrong_shape(
                    &[Seg::key("defaults")],
                    "a map of customer attributes",
                    other,
                    "e.g. `defaults: { plan: trial, vip: false }`",
                );
                broken = true;
                Yaml::Mapping(Mapping::new())
            }
        };

        let items = match top.get("cases") {
            Some(Yaml::Sequence(items)) => items.clone(),
            Some(other) => {
                self.wrong_shape(
                    &[Seg::key("cases")],
                    "a list of cases",
                    other,
                    "each case starts with `- name: …`",
                );
                return Parsed {
                    cases: Vec::new(),
                    broken: true,
                };
            }
            None => {
                let span = Span::new(self.file, 0, token_end(self.text, 0));
                self.push(
                    Diagnostic::error(
                        Code::TestMissingKey,
                        span,
                        "missing `cases`: the file has no test cases",
                    )
                    .with_help(
                        "add `cases:` with a list of `- name: …`, `customer: …`, `expect: …`",
                    ),
                );
                return Parsed {
                    cases: Vec::new(),
                    broken: true,
                };
            }
        };

        let missing_now_everywhere = now.is_none()
            && !has_now_key
            && items
                .iter()
                .any(|c| matches!(c, Yaml::Mapping(m) if !m.contains_key("now")));
        if missing_now_everywhere {
            let span = Span::new(self.file, 0, token_end(self.text, 0));
            self.push(
                Diagnostic::error(Code::TestMissingNow, span, "missing `now`: the instant the cases are evaluated at")
                    .with_label("the file starts here")
                    .with_help(format!(
                        "add `now: {SAMPLE_NOW}` at the top of the file (a case may override it with its own `now`)"
                    )),
            );
        }

        let mut names = BTreeSet::new();
        let mut cases = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let case = self.case(i, item, now, &defaults, broken, &mut names);
            cases.push(case);
        }
        Parsed { cases, broken }
    }

    fn instant(&mut self, v: &Yaml, path: &[Seg]) -> Option<DateTime<Utc>> {
        let parsed = match v {
            Yaml::String(s) => parse_instant(s),
            _ => None,
        };
        if parsed.is_none() {
            let span = self.span(path, Target::Value);
            self.push(
                Diagnostic::error(
                    Code::TestBadTime,
                    span,
                    format!("`{}` must be an RFC 3339 time", display_path(path)),
                )
                .with_label("not an RFC 3339 time")
                .with_help(format!("write e.g. `{SAMPLE_NOW}`")),
            );
        }
        parsed
    }

    fn case(
        &mut self,
        i: usize,
        item: &Yaml,
        file_now: Option<DateTime<Utc>>,
        defaults: &Yaml,
        broken: bool,
        names: &mut BTreeSet<String>,
    ) -> Case {
        let base = vec![Seg::key("cases"), Seg::Index(i)];
        let case_span = self.span(&base, Target::Value);
        let line = self.line_of(case_span);
        let fallback_name = format!("case #{}", i + 1);
        let Yaml::Mapping(map) = item else {
            self.wrong_shape(
                &base,
                "a case (a map with `name`, `customer` and `expect`)",
                item,
                "",
            );
            return Case {
                name: fallback_name,
                line,
                run: None,
                errors: self.diagnostics.last().cloned().into_iter().collect(),
            };
        };
        let before = self.diagnostics.len();
        self.unknown_keys(map, &base, &CASE_KEYS, "a case");

        let name = match map.get("name") {
            Some(Yaml::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(other) => {
                self.wrong_shape(
                    &path_with(&base, Seg::key("name")),
                    "a non-empty string",
                    other,
                    "",
                );
                fallback_name
            }
            None => {
                self.push(
                    Diagnostic::error(Code::TestMissingKey, case_span, "this case has no `name`")
                        .with_label("case without a name")
                        .with_help("start the case with `- name: what it shows`"),
                );
                fallback_name
            }
        };
        if !names.insert(name.clone()) {
            let span = self.span(&path_with(&base, Seg::key("name")), Target::Value);
            self.push(
                Diagnostic::error(
                    Code::TestDuplicateCase,
                    span,
                    format!("two cases are named `{name}`"),
                )
                .with_label("used before in this file")
                .with_help("case names identify snapshots: give each case its own name"),
            );
        }

        let now = match map.get("now") {
            Some(v) => self.instant(v, &path_with(&base, Seg::key("now"))),
            None => file_now,
        };

        let customer_path = path_with(&base, Seg::key("customer"));
        let customer = match map.get("customer") {
            Some(c @ Yaml::Mapping(_)) => {
                let before_customer = self.diagnostics.len();
                self.check_customer(c, &customer_path);
                // A misspelt key also leaves its attribute missing: report the typo only.
                (self.diagnostics.len() == before_customer).then(|| deep_merge(defaults, c))
            }
            Some(other) => {
                self.wrong_shape(
                    &customer_path,
                    "a map of customer attributes",
                    other,
                    "e.g. `customer: { id: c1, plan: trial }`",
                );
                None
            }
            None => {
                self.push(
                    Diagnostic::error(
                        Code::TestMissingKey,
                        case_span,
                        format!("case `{name}` has no `customer`"),
                    )
                    .with_label("no customer")
                    .with_help("add `customer: { id: c1, … }` (merged over the file's `defaults`)"),
                );
                None
            }
        };

        let expect_path = path_with(&base, Seg::key("expect"));
        let expect = match map.get("expect") {
            Some(Yaml::Mapping(e)) => self.expect(e, &expect_path),
            Some(other) => {
                self.wrong_shape(
                    &expect_path,
                    "a map",
                    other,
                    "e.g. `expect: { send: [import_guide] }`",
                );
                None
            }
            None => {
                self.push(
                    Diagnostic::error(Code::TestMissingKey, case_span, format!("case `{name}` has no `expect`"))
                        .with_label("nothing expected")
                        .with_help("add `expect: { send: [] }` listing the rules that send (empty when none should)"),
                );
                None
            }
        };

        let customer = customer.and_then(|c| self.read_customer(&c, &customer_path));
        let clean = self.diagnostics.len() == before && !broken;
        let run = match (clean, now, customer, expect) {
            (true, Some(now), Some(customer), Some(expect)) => Some(CaseRun {
                now,
                customer,
                expect,
            }),
            _ => None,
        };
        let mut errors = self.diagnostics.get(before..).unwrap_or_default().to_vec();
        errors.sort_by_key(|d| d.span.start);
        Case {
            name,
            line,
            run,
            errors,
        }
    }

    /// Unknown attributes, record fields, events and event properties.
    fn check_customer(&mut self, value: &Yaml, path: &[Seg]) {
        let Yaml::Mapping(map) = value else { return };
        let schema = &self.program.schema;
        for (k, v) in map {
            let Some(name) = key_str(k) else { continue };
            let here = path_with(path, Seg::Key(name.clone()));
            match name.as_str() {
                "id" => {}
                "events" => self.check_events(v, &here),
                "messages" => self.check_messages(v, &here),
                _ => match schema.attributes.iter().find(|a| a.name == name) {
                    Some(field) => {
                        let ty = field.ty.clone();
                        self.check_value(v, &here, &ty);
                    }
                    None => {
                        let span = self.span(&here, Target::Key);
                        let mut candidates: Vec<&str> =
                            schema.attributes.iter().map(|a| a.name.as_str()).collect();
                        candidates.extend(["id", "events", "messages"]);
                        let mut d = Diagnostic::error(
                            Code::TestUnknownAttribute,
                            span,
                            format!("unknown attribute `{name}`: the schema has no such attribute"),
                        )
                        .with_label("not in the schema");
                        d = match did_you_mean(&name, candidates.iter().copied()) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None if CASE_KEYS.contains(&name.as_str()) && path.last() == Some(&Seg::key("customer")) => {
                                d.with_help(format!("`{name}` belongs to the case, not to its customer: move it one level up, next to `customer:`"))
                            }
                            None if schema.event_index(&name).is_some() => {
                                d.with_help(format!("`{name}` is an event: put its occurrences under `events: {{ {name}: [...] }}`"))
                            }
                            None => d.with_help("a customer holds the schema's attributes, `id`, `events` and `messages`"),
                        };
                        self.push(d);
                    }
                },
            }
        }
    }

    /// Record fields inside an attribute value, at any depth.
    fn check_value(&mut self, value: &Yaml, path: &[Seg], ty: &Type) {
        let schema = &self.program.schema;
        match (ty, value) {
            (Type::Optional(inner), _) => self.check_value(value, path, &inner.clone()),
            (Type::List(inner), Yaml::Sequence(items)) => {
                let inner = (**inner).clone();
                for (i, item) in items.iter().enumerate() {
                    self.check_value(item, &path_with(path, Seg::Index(i)), &inner);
                }
            }
            (Type::Record(r), Yaml::Mapping(map)) => {
                let Some(fields) = schema.records.get(*r as usize).cloned() else {
                    return;
                };
                for (k, v) in map {
                    let Some(name) = key_str(k) else { continue };
                    let here = path_with(path, Seg::Key(name.clone()));
                    match fields.iter().find(|f| f.name == name) {
                        Some(f) => self.check_value(v, &here, &f.ty),
                        None => {
                            let span = self.span(&here, Target::Key);
                            let mut d = Diagnostic::error(
                                Code::TestUnknownAttribute,
                                span,
                                format!(
                                    "unknown field `{name}` in `{}`",
                                    display_path(path.get(customer_root(path)..).unwrap_or(&[]))
                                ),
                            )
                            .with_label("not a field of this record");
                            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                            d = match did_you_mean(&name, names.iter().copied()) {
                                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                                None => {
                                    d.with_help(format!("its fields are: {}", names.join(", ")))
                                }
                            };
                            self.push(d);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn check_events(&mut self, value: &Yaml, path: &[Seg]) {
        let Yaml::Mapping(map) = value else { return };
        let schema = &self.program.schema;
        for (k, v) in map {
            let Some(name) = key_str(k) else { continue };
            let here = path_with(path, Seg::Key(name.clone()));
            let Some(def) = schema.events.iter().find(|e| e.name == name).cloned() else {
                let span = self.span(&here, Target::Key);
                let names: Vec<&str> = schema.events.iter().map(|e| e.name.as_str()).collect();
                let mut d = Diagnostic::error(
                    Code::TestUnknownEvent,
                    span,
                    format!("unknown event `{name}`: the schema declares no such event"),
                )
                .with_label("not in the schema");
                d = match did_you_mean(&name, names.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("the schema's events are: {}", names.join(", "))),
                };
                self.push(d);
                continue;
            };
            let Yaml::Sequence(items) = v else { continue };
            for (i, item) in items.iter().enumerate() {
                let Yaml::Mapping(occ) = item else { continue };
                for pk in occ.keys() {
                    let Some(prop) = key_str(pk) else { continue };
                    if prop == "at" || def.props.iter().any(|p| p.name == prop) {
                        continue;
                    }
                    let span = self.span(
                        &path_with(&path_with(&here, Seg::Index(i)), Seg::Key(prop.clone())),
                        Target::Key,
                    );
                    let names: Vec<&str> = def
                        .props
                        .iter()
                        .map(|p| p.name.as_str())
                        .chain(["at"])
                        .collect();
                    let mut d = Diagnostic::error(
                        Code::TestUnknownAttribute,
                        span,
                        format!("unknown property `{prop}` of event `{name}`"),
                    )
                    .with_label("not a property of this event");
                    d = match did_you_mean(&prop, names.iter().copied()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(format!("an occurrence holds: {}", names.join(", "))),
                    };
                    self.push(d);
                }
            }
        }
    }

    fn check_messages(&mut self, value: &Yaml, path: &[Seg]) {
        let Yaml::Sequence(items) = value else { return };
        for (i, item) in items.iter().enumerate() {
            let Yaml::Mapping(m) = item else { continue };
            let here = path_with(path, Seg::Index(i));
            self.unknown_keys(m, &here, &MESSAGE_KEYS, "a sent message");
        }
    }

    /// Reads the merged customer with the schema; a problem (wrong type,
    /// missing attribute) points at the value in the case or in `defaults`.
    fn read_customer(&mut self, merged: &Yaml, customer_path: &[Seg]) -> Option<Customer> {
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
                let help = if rejected.message.contains("id") {
                    "give every case's customer a string `id` (it also decides holdout and variant buckets)"
                } else {
                    "a customer is a map of attributes, `id`, `events` and `messages`"
                };
                self.push(
                    Diagnostic::error(
                        Code::TestInvalidCustomer,
                        span,
                        format!("invalid customer: {}", rejected.message),
                    )
                    .with_label("here")
                    .with_help(help),
                );
                None
            }
        }
    }

    fn problem_diagnostic(
        &self,
        problem: &str,
        customer_path: &[Seg],
        customer_key: &(Vec<Seg>, Target),
    ) -> Diagnostic {
        if let Some(rest) = problem.strip_prefix("missing required attribute `") {
            let name = rest.split('`').next().unwrap_or_default();
            let span = self.span_any(std::slice::from_ref(customer_key));
            return Diagnostic::error(
                Code::TestInvalidCustomer,
                span,
                format!("invalid customer: {problem}"),
            )
            .with_label("this customer")
            .with_help(format!(
                "add `{name}` to this case's customer or to the file's `defaults`"
            ));
        }
        let inner = problem
            .strip_prefix('`')
            .and_then(|r| r.split_once('`'))
            .map(|(p, _)| parse_problem_path(p))
            .unwrap_or_default();
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
        let help = if problem.contains("RFC 3339")
            || problem.contains("expected time")
            || problem.contains("expected a time")
        {
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

    fn expect(&mut self, map: &Mapping, path: &[Seg]) -> Option<Expect> {
        let before = self.diagnostics.len();
        self.unknown_keys(map, path, &EXPECT_KEYS, "`expect`");
        let mut expect = Expect::default();
        match map.get("send") {
            Some(v) => {
                expect.send = self
                    .rule_list(v, &path_with(path, Seg::key("send")))
                    .unwrap_or_default()
            }
            None => {
                let span = self.span(path, Target::Key);
                self.push(
                    Diagnostic::error(Code::TestMissingKey, span, "`expect` has no `send`")
                        .with_label("what should be sent?")
                        .with_help("list exactly the rules that send, e.g. `send: [import_guide]`, or `send: []` when none should"),
                );
            }
        }
        let list = |me: &mut Self, key: &str| {
            map.get(key)
                .and_then(|v| me.rule_list(v, &path_with(path, Seg::key(key))))
        };
        expect.held_out = list(self, "held_out");
        expect.capped = list(self, "capped");
        expect.cooldown = list(self, "cooldown");
        expect.error = list(self, "error");
        if let Some(v) = map.get("suppressed") {
            expect.suppressed = self.rule_map(
                v,
                &path_with(path, Seg::key("suppressed")),
                "a suppression name",
                |me, text, p| me.suppression_name(text, p),
            );
        }
        if let Some(v) = map.get("messages") {
            expect.messages = self
                .rule_map(
                    v,
                    &path_with(path, Seg::key("messages")),
                    "a message name",
                    |_, _, _| true,
                )
                .unwrap_or_default();
        }
        if let Some(v) = map.get("channels") {
            expect.channels = self
                .rule_map(
                    v,
                    &path_with(path, Seg::key("channels")),
                    "a channel",
                    |me, text, p| me.channel_name(text, p),
                )
                .unwrap_or_default();
        }
        if let Some(v) = map.get("deliver_at") {
            expect.deliver_at = self
                .rule_map(
                    v,
                    &path_with(path, Seg::key("deliver_at")),
                    "an RFC 3339 time",
                    |me, text, p| me.instant(&Yaml::String(text.to_string()), p).is_some(),
                )
                .unwrap_or_default();
        }
        if let Some(v) = map.get("params") {
            expect.params = self.params(v, &path_with(path, Seg::key("params")));
        }
        self.check_exclusive(&expect, path);
        (self.diagnostics.len() == before).then_some(expect)
    }

    fn rule_exists(&mut self, name: &str, path: &[Seg], target: Target) -> bool {
        if self.program.rule(name).is_some() {
            return true;
        }
        let span = self.span(path, target);
        let names: Vec<&str> = self.program.rules.iter().map(|r| r.name.as_str()).collect();
        let mut d = Diagnostic::error(
            Code::TestUnknownRule,
            span,
            format!("unknown rule `{name}`"),
        )
        .with_label("no rule has this name");
        d = match did_you_mean(name, names.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("the ruleset's rules are: {}", names.join(", "))),
        };
        self.push(d);
        false
    }

    fn rule_list(&mut self, v: &Yaml, path: &[Seg]) -> Option<Vec<String>> {
        let items = match v {
            Yaml::Sequence(items) => items,
            Yaml::Null => return Some(Vec::new()),
            other => {
                let key = path
                    .last()
                    .map(|s| display_path(std::slice::from_ref(s)))
                    .unwrap_or_default();
                self.wrong_shape(
                    path,
                    "a list of rule names",
                    other,
                    &format!("e.g. `{key}: [import_guide]`, or `{key}: []`"),
                );
                return None;
            }
        };
        let mut out: Vec<String> = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let here = path_with(path, Seg::Index(i));
            match item {
                Yaml::String(s) => {
                    if self.rule_exists(s, &here, Target::Value) {
                        if !out.contains(s) {
                            out.push(s.clone());
                        }
                    } else {
                        ok = false;
                    }
                }
                other => {
                    self.wrong_shape(&here, "a rule name", other, "");
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// A map from rule names to strings, each checked by `check`.
    fn rule_map(
        &mut self,
        v: &Yaml,
        path: &[Seg],
        what: &str,
        check: impl Fn(&mut Self, &str, &[Seg]) -> bool,
    ) -> Option<Vec<(String, String)>> {
        let map = match v {
            Yaml::Mapping(m) => m,
            Yaml::Null => return Some(Vec::new()),
            other => {
                let key = path
                    .last()
                    .map(|s| display_path(std::slice::from_ref(s)))
                    .unwrap_or_default();
                self.wrong_shape(
                    path,
                    &format!("a map from rule names to {what}s"),
                    other,
                    &format!("e.g. `{key}: {{ import_guide: … }}`"),
                );
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (k, val) in map {
            let Some(rule) = key_str(k) else { continue };
            let here = path_with(path, Seg::Key(rule.clone()));
            if !self.rule_exists(&rule, &here, Target::Key) {
                ok = false;
                continue;
            }
            let text = match val {
                Yaml::String(s) => s.clone(),
                other => {
                    self.wrong_shape(&here, what, other, "");
                    ok = false;
                    continue;
                }
            };
            if check(self, &text, &here) {
                out.push((rule, text));
            } else {
                ok = false;
            }
        }
        ok.then_some(out)
    }

    fn suppression_name(&mut self, name: &str, path: &[Seg]) -> bool {
        if self.program.suppressions.iter().any(|s| s.name == name) {
            return true;
        }
        let span = self.span(path, Target::Value);
        let names: Vec<&str> = self
            .program
            .suppressions
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let mut d = Diagnostic::error(
            Code::TestUnknownSuppression,
            span,
            format!("unknown suppression `{name}`"),
        )
        .with_label("no suppression has this name");
        d = match did_you_mean(name, names.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None if names.is_empty() => d.with_help("the ruleset has no suppressions"),
            None => d.with_help(format!(
                "the ruleset's suppressions are: {}",
                names.join(", ")
            )),
        };
        self.push(d);
        false
    }

    fn channel_name(&mut self, name: &str, path: &[Seg]) -> bool {
        let channels = &self.program.policy.channels;
        if channels.iter().any(|c| c == name) {
            return true;
        }
        let span = self.span(path, Target::Value);
        let mut d = Diagnostic::error(
            Code::TestUnknownChannel,
            span,
            format!("unknown channel `{name}`"),
        )
        .with_label("not a channel of the policy");
        d = match did_you_mean(name, channels.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "the policy's channels are: {}",
                channels.join(", ")
            )),
        };
        self.push(d);
        false
    }

    fn params(
        &mut self,
        v: &Yaml,
        path: &[Seg],
    ) -> Vec<(String, serde_json::Map<String, serde_json::Value>)> {
        let Yaml::Mapping(map) = v else {
            if !matches!(v, Yaml::Null) {
                self.wrong_shape(
                    path,
                    "a map from rule names to maps of params",
                    v,
                    "e.g. `params: { import_guide: { name: Ada } }`",
                );
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, val) in map {
            let Some(rule) = key_str(k) else { continue };
            let here = path_with(path, Seg::Key(rule.clone()));
            if !self.rule_exists(&rule, &here, Target::Key) {
                continue;
            }
            match serde_json::to_value(val) {
                Ok(serde_json::Value::Object(obj)) => out.push((rule, obj)),
                Ok(_) => self.wrong_shape(
                    &here,
                    "a map of params",
                    val,
                    "e.g. `import_guide: { name: Ada }`",
                ),
                Err(e) => {
                    let span = self.span(&here, Target::Value);
                    self.push(Diagnostic::error(
                        Code::TestWrongType,
                        span,
                        format!("params cannot be read: {e}"),
                    ));
                }
            }
        }
        out
    }

    /// A rule has one outcome: listing it under two outcomes is a mistake.
    fn check_exclusive(&mut self, expect: &Expect, path: &[Seg]) {
        let suppressed: Option<Vec<String>> = expect
            .suppressed
            .as_ref()
            .map(|s| s.iter().map(|(r, _)| r.clone()).collect());
        let lists: [(&str, Option<&Vec<String>>); 6] = [
            ("send", Some(&expect.send)),
            ("held_out", expect.held_out.as_ref()),
            ("suppressed", suppressed.as_ref()),
            ("capped", expect.capped.as_ref()),
            ("cooldown", expect.cooldown.as_ref()),
            ("error", expect.error.as_ref()),
        ];
        let mut reported = BTreeSet::new();
        for (i, (a, la)) in lists.iter().enumerate() {
            for (b, lb) in lists.iter().skip(i + 1) {
                let (Some(la), Some(lb)) = (la, lb) else {
                    continue;
                };
                for rule in la.iter().filter(|r| lb.contains(r)) {
                    if !reported.insert(rule.clone()) {
                        continue;
                    }
                    let span = self.span_any(&[
                        (
                            path_with(&path_with(path, Seg::key(*b)), Seg::key(rule.as_str())),
                            Target::Key,
                        ),
                        (path_with(path, Seg::key(*b)), Target::Key),
                    ]);
                    self.push(
                        Diagnostic::error(
                            Code::TestConflictingExpectation,
                            span,
                            format!("rule `{rule}` is expected under both `{a}` and `{b}`"),
                        )
                        .with_label("listed twice")
                        .with_help(
                            "a rule has exactly one outcome per case: keep it under one of them",
                        ),
                    );
                }
            }
        }
    }
}

/// Where the customer part of a path starts (after `cases[i].customer` or `defaults`).
fn customer_root(path: &[Seg]) -> usize {
    match path.first() {
        Some(Seg::Key(k)) if k == "defaults" => 1,
        Some(Seg::Key(k)) if k == "cases" => 3.min(path.len()),
        _ => 0,
    }
}

/// `events.watched[0].minutes` → segments.
fn parse_problem_path(text: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in text.split('.') {
        let mut rest = part;
        let name_end = rest.find('[').unwrap_or(rest.len());
        let name = rest.get(..name_end).unwrap_or_default();
        if !name.is_empty() {
            out.push(Seg::key(name));
        }
        rest = rest.get(name_end..).unwrap_or_default();
        while let Some(open) = rest.strip_prefix('[') {
            let Some(close) = open.find(']') else { break };
            if let Ok(i) = open.get(..close).unwrap_or_default().parse::<usize>() {
                out.push(Seg::Index(i));
            }
            rest = open.get(close + 1..).unwrap_or_default();
        }
    }
    out
}

/// The messages a rule can send (its message or its variants).
pub fn rule_messages(program: &Program, rule: &str) -> Vec<String> {
    match program.rule(rule).map(|r| &r.message) {
        Some(Message::Single(m)) => vec![m.clone()],
        Some(Message::Variants(v)) => v.iter().map(|(m, _)| m.clone()).collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_paths_are_split_into_segments() {
        assert_eq!(
            parse_problem_path("events.watched[0].minutes"),
            vec![
                Seg::key("events"),
                Seg::key("watched"),
                Seg::Index(0),
                Seg::key("minutes")
            ]
        );
        assert_eq!(
            parse_problem_path("messages[2]"),
            vec![Seg::key("messages"), Seg::Index(2)]
        );
    }

    #[test]
    fn deep_merge_merges_maps_and_lets_the_case_win() {
        let under: Yaml = serde_yaml::from_str(
            "{ plan: trial, company: { name: Acme, industry: x }, tags: [a] }",
        )
        .unwrap_or(Yaml::Null);
        let over: Yaml =
            serde_yaml::from_str("{ company: { name: Beta }, tags: [b], last_seen_at: null }")
                .unwrap_or(Yaml::Null);
        let merged: Yaml = serde_yaml::from_str(
            "{ plan: trial, company: { name: Beta, industry: x }, tags: [b], last_seen_at: null }",
        )
        .unwrap_or(Yaml::Null);
        assert_eq!(deep_merge(&under, &over), merged);
    }
}
