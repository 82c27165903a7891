//! What the hand-written serde visitors share (the schema-driven snapshot
//! reader, the YAML position finder of the rule test runner): a visitor
//! used as a seed, and one method for every scalar a visitor may meet.

use std::fmt;

use serde::de::{self, DeserializeSeed, Visitor};

/// A visitor used as a seed: it reads whatever value comes
/// (`deserialize_any`).
pub(crate) struct Any<V>(pub(crate) V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for Any<V> {
    type Value = V::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_any(self.0)
    }
}

/// A scalar a visitor met.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar<'a> {
    Str(&'a str),
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    /// `null`.
    Unit,
}

impl fmt::Display for Scalar<'_> {
    /// The value as written: `abc`, `true`, `42`, `1.5`, `null`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Str(v) => f.write_str(v),
            Scalar::Bool(v) => v.fmt(f),
            Scalar::I64(v) => v.fmt(f),
            Scalar::U64(v) => v.fmt(f),
            Scalar::F64(v) => v.fmt(f),
            Scalar::Unit => f.write_str("null"),
        }
    }
}

impl<'a> Scalar<'a> {
    /// The value as serde names it in a type error.
    pub(crate) fn unexpected(self) -> de::Unexpected<'a> {
        match self {
            Scalar::Str(v) => de::Unexpected::Str(v),
            Scalar::Bool(v) => de::Unexpected::Bool(v),
            Scalar::I64(v) => de::Unexpected::Signed(v),
            Scalar::U64(v) => de::Unexpected::Unsigned(v),
            Scalar::F64(v) => de::Unexpected::Float(v),
            Scalar::Unit => de::Unexpected::Unit,
        }
    }
}

/// The `visit_str`, `visit_bool`, `visit_i64`, `visit_u64`, `visit_f64` and
/// `visit_unit` methods of a visitor, all handing the value to its own
/// `fn scalar<E: de::Error>(self, Scalar<'_>) -> Result<Self::Value, E>`.
macro_rules! scalars {
    () => {
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            self.scalar($crate::visitor::Scalar::Str(v))
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            self.scalar($crate::visitor::Scalar::Bool(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.scalar($crate::visitor::Scalar::I64(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.scalar($crate::visitor::Scalar::U64(v))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            self.scalar($crate::visitor::Scalar::F64(v))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            self.scalar($crate::visitor::Scalar::Unit)
        }
    };
}
pub(crate) use scalars;
