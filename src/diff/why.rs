//! Why one customer's decision changed, for the report's examples: the
//! conditions whose text or value differ (with the values they read) and
//! the fields that differ, with both values.

use serde::Serialize;

use super::compare::field;
use crate::decision::{Because, Decision};

/// One customer of a transition, with why its decision changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// The customer's id.
    pub customer: String,
    /// The conditions whose text or value differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ConditionChange>,
    /// The fields that differ, with both values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// The decision's reason before and after (`None`: the rule is not in
    /// that ruleset).
    pub before_reason: Option<String>,
    /// The reason after.
    pub after_reason: Option<String>,
}

/// A condition of the rule before and after (`None`: not on that side).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionChange {
    /// The condition before, with its value and reads.
    pub before: Option<Because>,
    /// The condition after.
    pub after: Option<Because>,
}

/// A field of the decision before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// `message`, `variant`, `channel`, `deliver_at` or `params.NAME`.
    pub field: String,
    /// The value before (`null` when absent).
    pub before: serde_json::Value,
    /// The value after.
    pub after: serde_json::Value,
}

fn text(value: &Option<String>) -> serde_json::Value {
    value.as_ref().map_or(serde_json::Value::Null, |s| {
        serde_json::Value::String(s.clone())
    })
}

/// The changed fields with both values; params one by one.
fn field_changes(b: &Decision, a: &Decision, fields: u8) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for (bit, name) in field::ALL {
        if fields & bit == 0 {
            continue;
        }
        let pair = match bit {
            field::MESSAGE | field::VARIANT => (text(&b.message), text(&a.message)),
            field::CHANNEL => (text(&b.channel), text(&a.channel)),
            field::DELIVER_AT => (text(&b.deliver_at), text(&a.deliver_at)),
            _ => {
                let empty = serde_json::Map::new();
                let (bp, ap) = (
                    b.params.as_ref().unwrap_or(&empty),
                    a.params.as_ref().unwrap_or(&empty),
                );
                let mut keys: Vec<&String> = bp.keys().chain(ap.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let (x, y) = (bp.get(k), ap.get(k));
                    if x != y {
                        out.push(FieldChange {
                            field: format!("params.{k}"),
                            before: x.cloned().unwrap_or(serde_json::Value::Null),
                            after: y.cloned().unwrap_or(serde_json::Value::Null),
                        });
                    }
                }
                continue;
            }
        };
        out.push(FieldChange {
            field: name.to_string(),
            before: pair.0,
            after: pair.1,
        });
    }
    out
}

/// The example of one customer: `b` and `a` are the rule's decisions
/// before and after (`None`: not in that ruleset).
pub(crate) fn example(
    customer: &str,
    b: Option<&Decision>,
    a: Option<&Decision>,
    fields: u8,
) -> Example {
    // A rule on one side only: its conditions as added or removed.
    let conditions = condition_changes(
        b.map_or(&[], |d| d.because.as_slice()),
        a.map_or(&[], |d| d.because.as_slice()),
    );
    let fields = match (b, a) {
        (Some(b), Some(a)) => field_changes(b, a, fields),
        _ => Vec::new(),
    };
    Example {
        customer: customer.to_string(),
        conditions,
        fields,
        before_reason: b.map(|d| d.reason.clone()),
        after_reason: a.map(|d| d.reason.clone()),
    }
}

/// The conditions whose text or value differ. Conditions with the same
/// text are paired first; the rest pair up in order (an edited condition,
/// such as a new threshold), and what is left was added or removed.
pub fn condition_changes(before: &[Because], after: &[Because]) -> Vec<ConditionChange> {
    let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let mut used = vec![false; after.len()];
    let mut unmatched = Vec::new();
    for (i, b) in before.iter().enumerate() {
        let found = after
            .iter()
            .enumerate()
            .position(|(j, a)| a.condition == b.condition && !used.get(j).copied().unwrap_or(true));
        match found {
            Some(j) => {
                if let Some(u) = used.get_mut(j) {
                    *u = true;
                }
                pairs.push((Some(i), Some(j)));
            }
            None => unmatched.push(i),
        }
    }
    let mut rest = used
        .iter()
        .enumerate()
        .filter(|(_, u)| !**u)
        .map(|(j, _)| j);
    for i in unmatched {
        pairs.push((Some(i), rest.next()));
    }
    pairs.extend(rest.map(|j| (None, Some(j))));
    // In the order the conditions are written (after's, then before's).
    pairs.sort_by_key(|(i, j)| (j.unwrap_or(usize::MAX), i.unwrap_or(usize::MAX)));
    pairs
        .into_iter()
        .filter_map(|(i, j)| {
            let b = i.and_then(|i| before.get(i));
            let a = j.and_then(|j| after.get(j));
            let same = match (b, a) {
                (Some(b), Some(a)) => {
                    b.condition == a.condition && b.value == a.value && b.error == a.error
                }
                _ => false,
            };
            (!same).then(|| ConditionChange {
                before: b.cloned(),
                after: a.cloned(),
            })
        })
        .collect()
}
#[cfg(test)]
mod tests {
    use super::*;

    fn because(condition: &str, value: Option<bool>) -> Because {
        Because {
            condition: condition.into(),
            value,
            read: Vec::new(),
            error: None,
        }
    }

    #[test]
    fn an_edited_threshold_pairs_with_its_old_text() {
        let before = [
            because("trial", Some(true)),
            because("inactive for 7 days", Some(false)),
            because("never imported_data", None),
        ];
        let after = [
            because("trial", Some(true)),
            because("inactive for 5 days", Some(true)),
            because("never imported_data", Some(true)),
        ];
        let changes = condition_changes(&before, &after);
        assert_eq!(changes.len(), 2);
        assert_eq!(
            changes[0].before.as_ref().unwrap().condition,
            "inactive for 7 days"
        );
        assert_eq!(
            changes[0].after.as_ref().unwrap().condition,
            "inactive for 5 days"
        );
        assert_eq!(
            changes[1].after.as_ref().unwrap().condition,
            "never imported_data"
        );
    }

    #[test]
    fn added_and_removed_conditions_stand_alone() {
        let before = [because("a", Some(true))];
        let after = [because("a", Some(true)), because("b", Some(false))];
        let changes = condition_changes(&before, &after);
        assert_eq!(changes.len(), 1);
        assert!(changes[0].before.is_none());
        assert!(condition_changes(&after, &after).is_empty());
    }
}
