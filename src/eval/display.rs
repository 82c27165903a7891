//! How values read during evaluation are shown in `because` and `explain`.

use crate::program::Program;
use crate::value::{format_duration, format_number, format_time, Micros, Value};

/// A value for people: times with their age, strings quoted, enums by name.
pub fn show_value(program: &Program, value: &Value, now: Micros) -> String {
    match value {
        Value::Missing => String::from("missing"),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Number(n) => format_number(*n),
        Value::Str(s) => format!("{s:?}"),
        Value::Enum(id, i) => program
            .schema
            .enums
            .get(*id as usize)
            .and_then(|m| m.get(*i as usize))
            .map(|m| format!("{m:?}"))
            .unwrap_or_else(|| String::from("?")),
        Value::Time(t) => {
            let age = now.saturating_sub(*t);
            if age >= 0 {
                format!("{} ({} ago)", format_time(*t), format_duration(age))
            } else {
                format!("{} (in {})", format_time(*t), format_duration(-age))
            }
        }
        Value::Duration(d) => format_duration(*d),
        Value::List(items) => {
            let shown: Vec<String> = items
                .iter()
                .take(5)
                .map(|v| show_value(program, v, now))
                .collect();
            let more = if items.len() > 5 {
                format!(", … {} more", items.len() - 5)
            } else {
                String::new()
            };
            format!("[{}{more}]", shown.join(", "))
        }
        Value::Record(fields) => format!("{{{} fields}}", fields.len()),
    }
}
