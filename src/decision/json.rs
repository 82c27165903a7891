//! Decision records written as JSON straight into a byte buffer: the same
//! bytes `serde_json::to_writer` gives for a [`Decision`] (field order,
//! omitted fields, string escapes), without going through serde's
//! serializer for every field. Batch runs write millions of records, and
//! their cost is mostly strings, so strings are scanned eight bytes at a
//! time for the few bytes JSON must escape.

use super::{Because, Decision, Detail, Skipped};

/// Appends `decision` as one line of JSON (without the newline), exactly as
/// `serde_json::to_writer(out, decision)` would.
pub fn write_decision(out: &mut Vec<u8>, d: &Decision) {
    out.extend_from_slice(b"{\"decision_id\":");
    write_str(out, &d.decision_id);
    out.extend_from_slice(b",\"customer\":");
    write_str(out, &d.customer);
    out.extend_from_slice(b",\"rule\":");
    write_str(out, &d.rule);
    out.extend_from_slice(b",\"outcome\":\"");
    out.extend_from_slice(d.outcome.as_str().as_bytes());
    out.push(b'"');
    if let Some(channel) = &d.channel {
        out.extend_from_slice(b",\"channel\":");
        write_str(out, channel);
    }
    if let Some(message) = &d.message {
        out.extend_from_slice(b",\"message\":");
        write_str(out, message);
    }
    if !d.tags.is_empty() {
        out.extend_from_slice(b",\"tags\":");
        write_strs(out, &d.tags);
    }
    if let Some(params) = &d.params {
        out.extend_from_slice(b",\"params\":");
        if params.is_empty() {
            out.extend_from_slice(b"{}");
        } else if serde_json::to_writer(&mut *out, params).is_err() {
            // A map of JSON values always serializes; keep the line valid.
            out.extend_from_slice(b"{}");
        }
    }
    if let Some(at) = &d.deliver_at {
        out.extend_from_slice(b",\"deliver_at\":");
        write_str(out, at);
    }
    out.extend_from_slice(b",\"reason\":");
    write_str(out, &d.reason);
    out.extend_from_slice(b",\"because\":[");
    for (i, b) in d.because.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_because(out, b);
    }
    out.push(b']');
    if !d.detail.is_empty() {
        out.extend_from_slice(b",\"detail\":");
        write_detail(out, &d.detail);
    }
    if !d.warnings.is_empty() {
        out.extend_from_slice(b",\"warnings\":");
        write_strs(out, &d.warnings);
    }
    out.extend_from_slice(b",\"now\":");
    write_str(out, &d.now);
    out.extend_from_slice(b",\"ruleset\":");
    write_str(out, &d.ruleset);
    out.push(b'}');
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
        out.extend_from_slice(b",\"error\":");
        write_str(out, error);
    }
    out.push(b'}');
}

/// The detail object; the caller has checked it is not empty.
fn write_detail(out: &mut Vec<u8>, d: &Detail) {
    let mut fields = Fields { out, first: true };
    fields.text("suppression", d.suppression.as_deref());
    fields.text("scope", d.scope.as_deref());
    fields.text("cap", d.cap.as_deref());
    if let Some(n) = d.in_window {
        fields.name("in_window");
        fields
            .out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }
    fields.text("cooldown", d.cooldown.as_deref());
    fields.text("last_sent_at", d.last_sent_at.as_deref());
    fields.text("holdout", d.holdout.as_deref());
    if let Some(n) = d.bucket {
        fields.name("bucket");
        fields
            .out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }
    fields.text("quiet_hours", d.quiet_hours.as_deref());
    fields.text("zone", d.zone.as_deref());
    fields.text("error", d.error.as_deref());
    fields.text("scheduled", d.scheduled.as_deref());
    fields.text("consent", d.consent.as_deref());
    if !d.skipped.is_empty() {
        fields.name("skipped");
        fields.out.push(b'[');
        for (i, s) in d.skipped.iter().enumerate() {
            if i > 0 {
                fields.out.push(b',');
            }
            write_skipped(fields.out, s);
        }
        fields.out.push(b']');
    }
    fields.out.push(b'}');
}

fn write_skipped(out: &mut Vec<u8>, s: &Skipped) {
    out.extend_from_slice(b"{\"channel\":");
    write_str(out, &s.channel);
    out.extend_from_slice(b",\"outcome\":\"");
    out.extend_from_slice(s.outcome.as_str().as_bytes());
    out.extend_from_slice(b"\",\"reason\":");
    write_str(out, &s.reason);
    out.push(b'}');
}

/// The members of an object whose fields are all optional: a `{` before the
/// first, a `,` before the others.
struct Fields<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl Fields<'_> {
    fn name(&mut self, name: &str) {
        self.out.push(if self.first { b'{' } else { b',' });
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn text(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.name(name);
            write_str(self.out, value);
        }
    }
}

fn write_strs(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, s);
    }
    out.push(b']');
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes of `w` is a control character, `"` or
/// `\` (the bytes JSON escapes). Exact as a yes/no answer: the borrow
/// tricks only ever add false positives above a byte that matches.
fn needs_escape(w: u64) -> bool {
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let quote = w ^ (ONES * u64::from(b'"'));
    let quote = quote.wrapping_sub(ONES) & !quote & HIGH;
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let backslash = backslash.wrapping_sub(ONES) & !backslash & HIGH;
    control | quote | backslash != 0
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
    out.push(b'"');
    if clean(bytes) {
        out.extend_from_slice(bytes);
    } else {
        write_escaped(out, bytes);
    }
    out.push(b'"');
}

/// Whether no byte of `bytes` needs an escape, eight bytes at a time.
fn clean(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if needs_escape(u64::from_le_bytes(word)) {
            return false;
        }
    }
    let rest = chunks.remainder();
    let mut word = [b'a'; 8];
    if let Some(head) = word.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    !needs_escape(u64::from_le_bytes(word))
}

/// The slow path of [`write_str`]: the text between escapes is copied in
/// runs.
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if matches!(byte, 0x00..=0x1f | b'"' | b'\\') {
            out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
            write_escape(out, byte);
            start = i + 1;
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
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

    #[test]
    fn needs_escape_finds_each_special_byte_in_each_position() {
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for pos in 0..8 {
                let mut word = *b"abcdefgh";
                word[pos] = special;
                assert!(needs_escape(u64::from_le_bytes(word)), "{special} at {pos}");
            }
        }
        for clean in 0x20u8..=0xff {
            if clean == b'"' || clean == b'\\' {
                continue;
            }
            assert!(!needs_escape(u64::from_le_bytes([clean; 8])), "{clean}");
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
