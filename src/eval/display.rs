//! How values read during evaluation are shown in `because` and `explain`.

use crate::program::Program;
use crate::value::{write_duration, write_number, write_time, Micros, Value};

/// A value for people: times with their age, strings quoted, enums by name.
pub fn show_value(program: &Program, value: &Value, now: Micros) -> String {
    let mut out = String::new();
    write_value(&mut out, program, value, now);
    out
}

/// Appends [`show_value`]'s text of `value` to `out`.
pub fn write_value(out: &mut String, program: &Program, value: &Value, now: Micros) {
    match value {
        Value::Missing => out.push_str("missing"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::Number(n) => write_number(out, *n),
        Value::Str(s) => out.push_str(&format!("{s:?}")),
        Value::Enum(id, i) => match program
            .schema
            .enums
            .get(*id as usize)
            .and_then(|m| m.get(*i as usize))
        {
            Some(m) => out.push_str(&format!("{m:?}")),
            None => out.push('?'),
        },
        Value::Time(t) => {
            let age = now.saturating_sub(*t);
            write_time(out, *t);
            if age >= 0 {
                out.push_str(" (");
                write_duration(out, age);
                out.push_str(" ago)");
            } else {
                out.push_str(" (in ");
                write_duration(out, -age);
                out.push(')');
            }
        }
        Value::Duration(d) => write_duration(out, *d),
        Value::List(items) => {
            out.push('[');
            for (i, v) in items.iter().take(5).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, program, v, now);
            }
            if items.len() > 5 {
                out.push_str(&format!(", … {} more", items.len() - 5));
            }
            out.push(']');
        }
        Value::Record(fields) => out.push_str(&format!("{{{} fields}}", fields.len())),
    }
}
