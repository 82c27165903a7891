//! Decision records written as JSON straight into a byte buffer: the same
//! bytes `serde_json::to_writer` gives for a [`Decision`] (field order,
//! omitted fields, string escapes), without going through serde's
//! serializer for every field. Batch runs write millions of records, and
//! their cost is mostly strings, so strings are scanned eight bytes at a
//! time for the few bytes JSON must escape.

use super::{Because, Decision, Detail, Skipped};
use crate::json_text::next_special;

/// Appends `decision` as one line of JSON (without the newline), exactly as
/// `serde_json::to_writer(out, decision)` would.
pub fn write_decision(out: &mut Vec<u8>, d: &Decision) {
    out.extend_from_slice(b"{\"decision_id\":");
    write_str(out, &d.decision_id);
    member(out, b",\"customer\":", &d.customer);
    member(out, b",\"rule\":", &d.rule);
    key(out, b",\"outcome\":\"");
    out.extend_from_slice(d.outcome.as_str().as_bytes());
    out.push(b'"');
    for (name, value) in [
        (&b",\"channel\":"[..], &d.channel),
        (&b",\"message\":"[..], &d.message),
    ] {
        if let Some(value) = value {
            member(out, name, value);
        }
    }
    if !d.tags.is_empty() {
        key(out, b",\"tags\":");
        write_strs(out, &d.tags);
    }
    if let Some(params) = &d.params {
        key(out, b",\"params\":");
        if params.is_empty() || serde_json::to_writer(&mut *out, params).is_err() {
            // (A map of JSON values always serializes.)
            out.extend_from_slice(b"{}");
        }
    }
    if let Some(at) = &d.deliver_at {
        member(out, b",\"deliver_at\":", at);
    }
    member(out, b",\"reason\":", &d.reason);
    key(out, b",\"because\":");
    write_array(out, &d.because, write_because);
    if !d.detail.is_empty() {
        key(out, b",\"detail\":");
        write_detail(out, &d.detail);
    }
    if !d.warnings.is_empty() {
        key(out, b",\"warnings\":");
        write_strs(out, &d.warnings);
    }
    member(out, b",\"now\":", &d.now);
    member(out, b",\"ruleset\":", &d.ruleset);
    out.push(b'}');
}

/// `,"NAME":` (given whole) before a member that is not the first.
fn key(out: &mut Vec<u8>, key: &[u8]) {
    out.extend_from_slice(key);
}

/// `,"NAME":"VALUE"`, the key given whole.
fn member(out: &mut Vec<u8>, key: &[u8], value: &str) {
    out.extend_from_slice(key);
    write_str(out, value);
}

fn write_because(out: &mut Vec<u8>, b: &Because) {
    out.extend_from_slice(b"{\"condition\":");
    write_str(out, &b.condition);
    out.extend_from_slice(match b.value {
        Some(true) => b",\"value\":true,\"read\":",
        Some(false) => b",\"value\":false,\"read\":",
        None => b",\"value\":null,\"read\":",
    });
    write_strs(out, &b.read);
    if let Some(error) = &b.error {
        member(out, b",\"error\":", error);
    }
    out.push(b'}');
}

/// The detail object; the caller has checked it is not empty. Straight-line
/// code: most records of a large ruleset have a detail.
fn write_detail(out: &mut Vec<u8>, d: &Detail) {
    let mut members = Members { out, first: true };
    // The text members named, in the order of `Detail`'s fields.
    macro_rules! texts {
        ($($field:ident),*) => {
            $(members.text(concat!("\"", stringify!($field), "\":").as_bytes(), d.$field.as_deref());)*
        };
    }
    texts!(suppression, scope, cap);
    members.int(b"\"in_window\":", d.in_window);
    texts!(cooldown, last_sent_at, holdout);
    members.int(b"\"bucket\":", d.bucket);
    texts!(quiet_hours, zone, error, scheduled, consent);
    if !d.skipped.is_empty() {
        members.key(b"\"skipped\":");
        write_array(members.out, &d.skipped, write_skipped);
    }
    members.out.push(b'}');
}

/// The members of an object whose members are all optional: `{` before the
/// first, `,` before the others.
struct Members<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl Members<'_> {
    /// `"NAME":`, given whole, after the separator.
    fn key(&mut self, key: &[u8]) {
        self.out.push(if self.first { b'{' } else { b',' });
        self.first = false;
        self.out.extend_from_slice(key);
    }

    fn int(&mut self, key: &[u8], value: Option<impl itoa::Integer>) {
        if let Some(n) = value {
            self.key(key);
            self.out
                .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        }
    }

    fn text(&mut self, key: &[u8], value: Option<&str>) {
        if let Some(value) = value {
            self.key(key);
            write_str(self.out, value);
        }
    }
}

fn write_skipped(out: &mut Vec<u8>, s: &Skipped) {
    out.extend_from_slice(b"{\"channel\":");
    write_str(out, &s.channel);
    member(out, b",\"outcome\":", s.outcome.as_str());
    member(out, b",\"reason\":", &s.reason);
    out.push(b'}');
}

fn write_strs(out: &mut Vec<u8>, items: &[String]) {
    write_array(out, items, |out, s| write_str(out, s));
}

/// `[a,b,…]`, each item written by `item`.
fn write_array<T>(out: &mut Vec<u8>, items: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(out, x);
    }
    out.push(b']');
}

/// Appends the escape of one byte as serde_json writes it (nothing for a
/// byte that stands as it is).
fn write_escape(out: &mut Vec<u8>, byte: u8) {
    let short: &[u8] = match byte {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        0x08 => b"\\b",
        0x0c => b"\\f",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x00..=0x1f => {
            // `\u00XX` with lowercase hex.
            let hex = |n: u8| if n < 10 { b'0' + n } else { b'a' + n - 10 };
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(byte >> 4), hex(byte & 0xf)]);
            return;
        }
        _ => return,
    };
    out.extend_from_slice(short);
}

/// Appends `s` as a JSON string.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // `bytes[start..]` is not yet copied.
    let mut start = 0;
    while let Some(at) = next_special(bytes, start) {
        out.extend_from_slice(bytes.get(start..at).unwrap_or_default());
        write_escape(out, bytes.get(at).copied().unwrap_or(b' '));
        start = at + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Outcome;

    fn same_as_serde(s: &str) {
        let mut ours = Vec::new();
        write_str(&mut ours, s);
        let theirs = serde_json::to_vec(s).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "{s:?}"
        );
    }

    #[test]
    fn strings_escape_like_serde_json() {
        let mut samples = vec![
            String::new(),
            "plain".into(),
            "a longer plain string, more than eight bytes".into(),
            "quote \" and backslash \\ at odd places\"\\".into(),
            "tab\there\nnewline\r\u{8}\u{c}\u{0}\u{1f}\u{7f}".into(),
            "é ñ 日本 🎉 mixed with \"quotes\"".into(),
        ];
        // Every byte value that can start or sit in UTF-8 text, at every
        // offset within an eight-byte word.
        for c in (0u8..0x80).map(char::from).chain(['é', '€', '𝄞']) {
            for pad in 0..10 {
                let mut s = "x".repeat(pad);
                s.push(c);
                s.push_str("yyyyyyyyy");
                samples.push(s);
            }
        }
        for s in &samples {
            same_as_serde(s);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_escapes_like_serde_json(s in "[\\x00-\\x21\"\\\\a-z\\x7f-\\u{10ffff}]{0,40}") {
            let mut ours = Vec::new();
            write_str(&mut ours, &s);
            proptest::prop_assert_eq!(ours, serde_json::to_vec(&s).unwrap());
        }
    }

    #[test]
    fn a_full_decision_is_written_like_serde_json() {
        let mut params = serde_json::Map::new();
        params.insert("n".into(), serde_json::json!(1.5));
        params.insert("s".into(), serde_json::json!("x\"y"));
        let full = Decision {
            decision_id: "0123456789abcdef0123456789abcdef".into(),
            customer: "c\"1".into(),
            rule: "r".into(),
            outcome: Outcome::Suppressed,
            channel: Some("email".into()),
            message: Some("m\n".into()),
            tags: vec!["a".into(), "b".into()],
            params: Some(params),
            deliver_at: Some("2026-11-23T09:00:00Z".into()),
            reason: "why \\ not".into(),
            because: vec![
                Because {
                    condition: "x > 1".into(),
                    value: Some(true),
                    read: vec!["x = 2".into()],
                    error: None,
                },
                Because {
                    condition: "y".into(),
                    value: None,
                    read: Vec::new(),
                    error: Some("boom".into()),
                },
                Because {
                    condition: "z".into(),
                    value: Some(false),
                    read: Vec::new(),
                    error: None,
                },
            ],
            detail: Detail {
                suppression: Some("s".into()),
                scope: Some("all".into()),
                cap: Some("c".into()),
                in_window: Some(-3),
                cooldown: Some("7 days".into()),
                last_sent_at: Some("t".into()),
                holdout: Some("10%".into()),
                bucket: Some(9_999),
                quiet_hours: Some("q".into()),
                zone: Some("Europe/Paris".into()),
                error: Some("e".into()),
                scheduled: Some("09:00 mon".into()),
                consent: Some("sms".into()),
                skipped: vec![Skipped {
                    channel: "push".into(),
                    outcome: Outcome::Capped,
                    reason: "full".into(),
                }],
            },
            warnings: vec!["w".into()],
            now: "2026-11-23T09:00:00Z".into(),
            ruleset: "abc".into(),
        };
        let mut bare = full.clone();
        bare.channel = None;
        bare.message = None;
        bare.tags.clear();
        bare.params = Some(serde_json::Map::new());
        bare.deliver_at = None;
        bare.because.clear();
        bare.warnings.clear();
        let mut detail_only_bucket = bare.clone();
        bare.detail = Detail::default();
        bare.params = None;
        detail_only_bucket.detail = Detail {
            bucket: Some(3),
            ..Detail::default()
        };
        for d in [full, bare, detail_only_bucket] {
            let mut ours = Vec::new();
            write_decision(&mut ours, &d);
            let theirs = serde_json::to_vec(&d).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs)
            );
        }
    }
}
