//! Reading one YAML test file into cases: the file's `now` and `defaults`,
//! every case's customer (defaults deep-merged under it, then read with the
//! ruleset's schema) and its expectations. Every mistake becomes a
//! [`Diagnostic`] pointing at the offending key or value.

mod customer;
mod expectations;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_yaml::{Mapping, Value as Yaml};

use super::locate::{display_path, locate, token_end, Seg, Target};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::program::Program;
use crate::snapshot::Customer;
use crate::syntax::{FileId, Span};

pub use customer::deep_merge;
pub use expectations::{rule_messages, Expect};

/// A case ready to run.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// The instant the case is evaluated at.
    pub now: DateTime<Utc>,
    /// The customer, defaults merged under it.
    pub customer: Customer,
    /// What the case expects.
    pub expect: Expect,
}

/// One case of a test file.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's name (or `case #N` when it has none).
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
    /// The cases, in file order.
    pub cases: Vec<Case>,
    /// The file itself is unusable (bad YAML, no `cases`, broken `defaults`).
    pub broken: bool,
}

const TOP_KEYS: [&str; 3] = ["now", "defaults", "cases"];
const CASE_KEYS: [&str; 4] = ["name", "now", "customer", "expect"];
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

/// The help for an unknown `name`: the near miss among `names`, or else
/// all of them after `intro`.
fn suggest(d: Diagnostic, name: &str, names: &[&str], intro: &str) -> Diagnostic {
    match did_you_mean(name, names.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help(format!("{intro}: {}", names.join(", "))),
    }
}

fn path_with(base: &[Seg], seg: Seg) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.push(seg);
    p
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

    /// Reports the keys of `map` not in `allowed`; false when there are any.
    fn unknown_keys(&mut self, map: &Mapping, path: &[Seg], allowed: &[&str], what: &str) -> bool {
        let mut ok = true;
        for k in map.keys() {
            let name = key_str(k).unwrap_or_default();
            if allowed.contains(&name.as_str()) {
                continue;
            }
            ok = false;
            let span = self.span(&path_with(path, Seg::Key(name.clone())), Target::Key);
            let d = self.unknown_key_diagnostic(&name, span, allowed, what);
            self.push(d);
        }
        ok
    }

    /// An unknown key of a test-file map, with the near miss it may be.
    fn unknown_key_diagnostic(
        &self,
        name: &str,
        span: Span,
        allowed: &[&str],
        what: &str,
    ) -> Diagnostic {
        let d = Diagnostic::error(
            Code::TestUnknownKey,
            span,
            format!("unknown key `{name}` in {what}"),
        )
        .with_label("not a known key");
        // A key cut short (`held` for `held_out`) before a near miss.
        let prefixed = allowed
            .iter()
            .copied()
            .find(|a| name.len() >= 3 && a.starts_with(name));
        match prefixed.or_else(|| did_you_mean(name, allowed.iter().copied())) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("{what} may hold: {}", allowed.join(", "))),
        }
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
}
