//! Snapshot files: every case's full decision list, one YAML file per test
//! file (`tests/snapshots/<stem>.snap`), without the volatile fields
//! (`decision_id`, `customer`, `now`, `ruleset`), compared per case and
//! shown as a unified diff when they differ.

use serde::Serialize;
use serde_yaml::{Mapping, Value as Yaml};

use crate::decision::{Because, Decision, Detail, Outcome};

/// What happened to one case's snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapshotStatus {
    /// Same as the stored one.
    Matched,
    /// There was none; it was written.
    Written,
    /// It differed and `--accept` updated it.
    Accepted,
    /// There is none and none may be written (`CI` is set): a failure.
    Missing,
    /// It differs: a failure. The texts are the stored and the actual
    /// decisions, as YAML.
    Changed {
        /// The stored decisions.
        stored: String,
        /// The decisions now.
        actual: String,
    },
    /// The case did not run (it has errors).
    NotRun,
}

impl SnapshotStatus {
    /// Whether this status fails the case.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            SnapshotStatus::Missing | SnapshotStatus::Changed { .. }
        )
    }
}

/// How snapshots are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Never write: a missing or different snapshot fails (`CI` is set).
    Check,
    /// Write missing snapshots; a different one fails (the local default).
    WriteNew,
    /// Write every snapshot that is missing or different (`--accept`).
    Accept,
}

impl SnapshotMode {
    /// `--accept` wins; otherwise `CI` decides (set to anything but empty,
    /// `false` or `0` means CI).
    pub fn from_env(accept: bool) -> SnapshotMode {
        if accept {
            SnapshotMode::Accept
        } else if running_in_ci() {
            SnapshotMode::Check
        } else {
            SnapshotMode::WriteNew
        }
    }
}

/// Whether the `CI` environment variable says this is a CI run.
pub fn running_in_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => {
            let v = v.trim().to_ascii_lowercase();
            !(v.is_empty() || v == "false" || v == "0")
        }
        Err(_) => false,
    }
}

/// A decision as kept in a snapshot: everything but the volatile fields.
#[derive(Serialize)]
struct Kept<'a> {
    rule: &'a str,
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deliver_at: Option<&'a str>,
    reason: &'a str,
    because: &'a [Because],
    #[serde(skip_serializing_if = "Detail::is_empty")]
    detail: &'a Detail,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
}

/// The snapshot form of one case's decisions (all but `no_match`, in
/// arbitration order).
pub fn case_value(decisions: &[Decision]) -> Yaml {
    let kept: Vec<Kept<'_>> = decisions
        .iter()
        .filter(|d| d.outcome != Outcome::NoMatch)
        .map(|d| Kept {
            rule: &d.rule,
            outcome: d.outcome,
            channel: d.channel.as_deref(),
            message: d.message.as_deref(),
            params: d.params.as_ref(),
            deliver_at: d.deliver_at.as_deref(),
            reason: &d.reason,
            because: &d.because,
            detail: &d.detail,
            warnings: &d.warnings,
        })
        .collect();
    serde_yaml::to_value(&kept).unwrap_or(Yaml::Null)
}

/// A value as the text compared and shown in diffs.
pub fn to_text(value: &Yaml) -> String {
    serde_yaml::to_string(value).unwrap_or_default()
}

/// One case as it appears in the snapshot file (`- name: …` and its
/// decisions), for diffs that look like the file.
pub fn case_text(name: &str, decisions: &Yaml) -> String {
    let mut m = Mapping::new();
    m.insert(Yaml::from("name"), Yaml::from(name));
    m.insert(Yaml::from("decisions"), decisions.clone());
    to_text(&Yaml::Sequence(vec![Yaml::Mapping(m)]))
}

/// The entries of a stored snapshot file, by case name, in file order.
/// `Err` when the file is not a snapshot (then every case counts as changed).
pub fn read_file(text: &str) -> Result<Vec<(String, Yaml)>, String> {
    let root: Yaml = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let cases = match root.get("cases") {
        Some(Yaml::Sequence(cases)) => cases,
        Some(Yaml::Null) => return Ok(Vec::new()),
        _ => return Err(String::from("no `cases` list")),
    };
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        let Some(Yaml::String(name)) = c.get("name") else {
            return Err(String::from("a case without a name"));
        };
        let decisions = c
            .get("decisions")
            .cloned()
            .unwrap_or(Yaml::Sequence(Vec::new()));
        out.push((name.clone(), decisions));
    }
    Ok(out)
}

/// The text of a snapshot file.
pub fn render_file(test_file: &str, entries: &[(String, Yaml)]) -> String {
    let cases: Vec<Yaml> = entries
        .iter()
        .map(|(name, decisions)| {
            let mut m = Mapping::new();
            m.insert(Yaml::from("name"), Yaml::from(name.as_str()));
            m.insert(Yaml::from("decisions"), decisions.clone());
            Yaml::Mapping(m)
        })
        .collect();
    let mut root = Mapping::new();
    root.insert(Yaml::from("cases"), Yaml::Sequence(cases));
    format!(
        "# Snapshot of {test_file}: every case's decisions (all outcomes but no_match,\n\
         # in arbitration order). Written by `nudge test`; update with `nudge test --accept`\n\
         # and review the change like code.\n{}",
        to_text(&Yaml::Mapping(root))
    )
}

/// A unified diff of two texts, coloured for terminals when `color` is set.
pub fn diff(stored: &str, actual: &str, stored_name: &str, color: bool) -> String {
    let diff = similar::TextDiff::from_lines(stored, actual);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("{stored_name} (stored)"), "actual")
        .to_string();
    if !color {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let code = if body.starts_with("+++") || body.starts_with("---") {
            "1"
        } else if body.starts_with('+') {
            "32"
        } else if body.starts_with('-') {
            "31"
        } else if body.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m{nl}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip() {
        let decisions: Yaml =
            serde_yaml::from_str("- rule: a\n  outcome: send\n  params: { n: 1.0 }\n")
                .unwrap_or(Yaml::Null);
        let text = render_file("tests/x.yaml", &[(String::from("one"), decisions.clone())]);
        let back = read_file(&text).unwrap_or_default();
        assert_eq!(back, vec![(String::from("one"), decisions)]);
    }

    #[test]
    fn diffs_are_plain_unless_coloured() {
        let plain = diff("a\nb\n", "a\nc\n", "x.snap", false);
        assert!(plain.contains("-b\n+c\n"), "{plain}");
        assert!(!plain.contains('\x1b'));
        assert!(diff("a\nb\n", "a\nc\n", "x.snap", true).contains("\x1b[31m-b"));
    }
}
