//! Segments and metrics: each checked once, on first use or in order, with
//! cycles between them reported with the whole chain.

use super::{Checker, Def, DefState};
use crate::diagnostic::{Code, Diagnostic};
use crate::program::Type;

impl Checker {
    pub(super) fn definitions(&mut self) {
        for i in 0..self.segments.len() {
            self.def_type(true, i);
        }
        for i in 0..self.metrics.len() {
            self.def_type(false, i);
        }
    }

    pub(super) fn def(&mut self, segment: bool, i: usize) -> Option<&mut Def> {
        if segment {
            self.segments.get_mut(i)
        } else {
            self.metrics.get_mut(i)
        }
    }

    /// The type of a segment or metric, checking it on first use.
    pub(super) fn def_type(&mut self, segment: bool, i: usize) -> Option<Type> {
        let state = self.def(segment, i)?.state.clone();
        match state {
            DefState::Done(ty, _) => Some(ty),
            DefState::Failed => None,
            DefState::InProgress => {
                self.report_cycle(segment, i);
                None
            }
            DefState::Unchecked => {
                let def = self.def(segment, i)?;
                def.state = DefState::InProgress;
                let expr = def.expr.clone();
                let name = def.name.clone();
                self.def_stack.push((segment, i));
                let checked = self.check_root(&expr);
                self.def_stack.pop();
                let kind = if segment { "segment" } else { "metric" };
                let result = checked.and_then(|t| {
                    if t.ty.is_optional() && segment {
                        self.optional_error(&expr, &t.ty);
                        return None;
                    }
                    let fits = if segment { t.ty == Type::Bool } else { t.ty != Type::Bool };
                    if fits {
                        return Some(t);
                    }
                    {
                        let (label, help) = if segment {
                            (
                                format!("this is {}, not a condition", self.schema.a_type(&t.ty)),
                                format!("a segment is a condition; for a value write `metric {name} = …`"),
                            )
                        } else {
                            (
                                String::from("this is a condition"),
                                format!("a metric is a value; for a condition write `segment {name} = …`"),
                            )
                        };
                        self.report(
                            Diagnostic::error(Code::TypeMismatch, expr.span, format!("{kind} `{name}` must be {}", if segment { "a bool" } else { "a value, not a bool" }))
                                .with_label(label)
                                .with_help(help),
                        );
                        None
                    }
                });
                let def = self.def(segment, i)?;
                match result {
                    Some(t) => {
                        def.state = DefState::Done(t.ty.clone(), t.expr);
                        Some(t.ty)
                    }
                    None => {
                        if !matches!(def.state, DefState::Failed) {
                            def.state = DefState::Failed;
                        }
                        None
                    }
                }
            }
        }
    }

    pub(super) fn report_cycle(&mut self, segment: bool, i: usize) {
        let Some(pos) = self.def_stack.iter().position(|d| *d == (segment, i)) else {
            return;
        };
        let members: Vec<(bool, usize)> = self.def_stack.get(pos..).unwrap_or(&[]).to_vec();
        let mut names = Vec::new();
        let mut spans = Vec::new();
        for (seg, idx) in &members {
            if let Some(d) = self.def(*seg, *idx) {
                names.push(d.name.clone());
                spans.push(d.name_span);
                d.state = DefState::Failed;
            }
        }
        let Some(first_name) = names.first().cloned() else {
            return;
        };
        let Some(first_span) = spans.first().copied() else {
            return;
        };
        let path = format!("{} → {first_name}", names.join(" → "));
        let message = if names.len() == 1 {
            format!("`{first_name}` refers to itself")
        } else {
            format!(
                "`{first_name}` refers to itself through {}",
                names
                    .get(1..)
                    .unwrap_or(&[])
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut d = Diagnostic::error(Code::Cycle, first_span, message)
            .with_label(format!("cycle: {path}"))
            .with_help("segments and metrics cannot depend on themselves: define one of them from attributes and events only");
        for (span, name) in spans.iter().zip(&names).skip(1) {
            d = d.with_related(*span, format!("`{name}` is part of the cycle"));
        }
        self.report(d);
    }
}
