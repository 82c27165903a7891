//! Where a key or value sits in a YAML text. `serde_yaml` keeps no positions
//! in its values, but it stamps the position of the current node on any error
//! raised while deserializing; walking the text with a seed that fails on
//! purpose at the wanted node gives that node's exact byte offset, also
//! inside flow mappings (`customer: { id: c1, plan: trial }`).

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::visitor::{scalars, Any, Scalar};

/// One step of a path into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A map key.
    Key(String),
    /// A list index (0-based).
    Index(usize),
}

impl Seg {
    /// A key segment.
    pub fn key(name: impl Into<String>) -> Seg {
        Seg::Key(name.into())
    }
}

/// The path as users read it: `cases[2].customer.plan`.
pub fn display_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// What to point at: the key of the last path segment, or the node itself
/// (the value of a key, an element of a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The key itself.
    Key,
    /// The node's value.
    Value,
}

const FOUND: &str = "\u{0}nudge-locate-found";

/// The byte offset of the node at `path`, or `None` when the text does not
/// hold it (or does not parse).
pub fn locate(text: &str, path: &[Seg], target: Target) -> Option<usize> {
    if path.is_empty() && target == Target::Key {
        return None;
    }
    let de = serde_yaml::Deserializer::from_str(text);
    match Any(Find { path, target }).deserialize(de) {
        Ok(()) => None,
        Err(e) if e.to_string().contains(FOUND) => e.location().map(|l| l.index()),
        Err(_) => None,
    }
}

/// The byte range of the token starting at `offset`: a quoted string, or a
/// plain scalar up to `:`, `,`, a closing bracket, a comment or the end of
/// the line.
pub fn token_end(text: &str, offset: usize) -> usize {
    let Some(rest) = text.get(offset..) else {
        return offset;
    };
    let mut chars = rest.char_indices().peekable();
    if let Some((_, q @ ('"' | '\''))) = chars.peek().copied() {
        chars.next();
        let mut escaped = false;
        for (i, c) in chars {
            if c == '\n' {
                return offset + i;
            }
            if q == '"' && c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if c == q && !escaped {
                return offset + i + c.len_utf8();
            }
            escaped = false;
        }
        return offset + rest.len();
    }
    if let Some((_, '{' | '[' | '-')) = chars.peek().copied() {
        // A flow collection or a list item: underline the rest of the line.
        let line = rest.find('\n').unwrap_or(rest.len());
        return offset + rest.get(..line).map_or(0, |l| l.trim_end().len()).max(1);
    }
    let mut end = 0;
    let mut prev_space = false;
    for (i, c) in rest.char_indices() {
        let stop = match c {
            '\n' | ',' | '}' | ']' => true,
            ':' => rest
                .get(i + 1..)
                .is_none_or(|r| r.is_empty() || r.starts_with([' ', '\n', '\r', '\t'])),
            '#' => prev_space,
            _ => false,
        };
        if stop {
            break;
        }
        prev_space = c == ' ' || c == '\t';
        if !prev_space {
            end = i + c.len_utf8();
        }
    }
    offset + end.max(1).min(rest.len())
}

struct Find<'p> {
    path: &'p [Seg],
    target: Target,
}

fn found<E: de::Error>() -> E {
    E::custom(FOUND)
}

impl<'de> Visitor<'de> for Find<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(found());
        };
        let Seg::Key(name) = first else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let stop_at_key = rest.is_empty() && self.target == Target::Key;
        while let Some(hit) = map.next_key_seed(Any(KeyIs {
            name,
            fail: stop_at_key,
        }))? {
            if hit {
                return map.next_value_seed(Any(Find {
                    path: rest,
                    target: self.target,
                }));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(found());
        };
        let Seg::Index(index) = first else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        if rest.is_empty() && self.target == Target::Key {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        let mut i = 0;
        loop {
            if i == *index {
                return match seq.next_element_seed(Any(Find {
                    path: rest,
                    target: self.target,
                }))? {
                    Some(()) | None => Ok(()),
                };
            }
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    scalars!();
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: de::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged node (`!tag value`): point at it when it is the target.
        if self.path.is_empty() {
            return Err(found());
        }
        let (IgnoredAny, variant) = data.variant::<IgnoredAny>()?;
        de::VariantAccess::newtype_variant::<IgnoredAny>(variant)?;
        Ok(())
    }
}

impl Find<'_> {
    /// A scalar is found when it is the end of the path.
    fn scalar<E: de::Error>(self, _: Scalar<'_>) -> Result<(), E> {
        if self.path.is_empty() {
            Err(found())
        } else {
            Ok(())
        }
    }
}

/// Reads a map key; `true` when it is `name` (or fails there, to report its
/// position, when `fail` is set).
struct KeyIs<'a> {
    name: &'a str,
    fail: bool,
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    scalars!();
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
}

impl KeyIs<'_> {
    /// Keys are compared as written (`7: x` is key `7`); float and null
    /// keys are never the one looked for.
    fn scalar<E: de::Error>(self, v: Scalar<'_>) -> Result<bool, E> {
        match v {
            Scalar::Str(v) => self.compare(v),
            Scalar::I64(_) | Scalar::U64(_) | Scalar::Bool(_) => self.compare(&v.to_string()),
            Scalar::F64(_) | Scalar::Unit => Ok(false),
        }
    }

    fn compare<E: de::Error>(&self, v: &str) -> Result<bool, E> {
        if v == self.name {
            if self.fail {
                return Err(found());
            }
            return Ok(true);
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "now: 2026-11-23T09:00:00Z\ndefaults:\n  plan: trial\n  company: { name: Acme }\ncases:\n  - name: first\n    customer: { id: c1, plann: trial }\n    expect:\n      send: []\n  - name: \"second\"\n    customer:\n      id: c2\n      company:\n        nme: x\n";

    fn at(path: &[Seg], target: Target) -> Option<(usize, usize, String)> {
        let offset = locate(TEXT, path, target)?;
        let line = TEXT.get(..offset)?.matches('\n').count() + 1;
        let col = offset - TEXT.get(..offset)?.rfind('\n').map_or(0, |i| i + 1) + 1;
        Some((
            line,
            col,
            TEXT.get(offset..token_end(TEXT, offset))?.to_string(),
        ))
    }

    #[test]
    fn finds_keys_and_values_in_block_and_flow_style() {
        let k = Seg::key;
        assert_eq!(at(&[k("now")], Target::Key), Some((1, 1, "now".into())));
        assert_eq!(
            at(&[k("now")], Target::Value),
            Some((1, 6, "2026-11-23T09:00:00Z".into()))
        );
        assert_eq!(
            at(&[k("defaults"), k("company"), k("name")], Target::Value),
            Some((4, 20, "Acme".into()))
        );
        assert_eq!(
            at(
                &[k("cases"), Seg::Index(0), k("customer"), k("plann")],
                Target::Key
            ),
            Some((7, 25, "plann".into()))
        );
        assert_eq!(
            at(&[k("cases"), Seg::Index(1), k("name")], Target::Value),
            Some((10, 11, "\"second\"".into()))
        );
        assert_eq!(
            at(
                &[
                    k("cases"),
                    Seg::Index(1),
                    k("customer"),
                    k("company"),
                    k("nme")
                ],
                Target::Key
            ),
            Some((14, 9, "nme".into()))
        );
        assert_eq!(
            at(&[k("cases"), Seg::Index(1)], Target::Value).map(|(l, _, _)| l),
            Some(10)
        );
        assert_eq!(at(&[k("cases"), Seg::Index(2)], Target::Value), None);
        assert_eq!(at(&[k("nothing")], Target::Key), None);
    }
}
