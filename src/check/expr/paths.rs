//! Names: attributes, record fields, segments, metrics and event
//! properties inside `where`.

use super::{typed, Scope, Typed};
use crate::check::{Checker, NameKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{Expr as PExpr, Type};
use crate::syntax::ast::{Expr, ExprKind, Ident};

impl Checker {
    pub(super) fn path(&mut self, parts: &[Ident], scope: &Scope) -> Option<Typed> {
        let first = parts.first()?;
        let rest = parts.get(1..).unwrap_or(&[]);
        if let Some(ev) = scope.event {
            let props = self
                .schema
                .events
                .get(ev as usize)
                .map(|e| e.props.clone())
                .unwrap_or_default();
            if let Some(i) = props.iter().position(|p| p.name == first.name) {
                let ty = props.get(i)?.ty.clone();
                let base = Typed {
                    ty,
                    expr: PExpr::Prop {
                        event: ev,
                        index: i as u32,
                    },
                };
                return self.fields(base, parts, 1, scope);
            }
        }
        if let Some(i) = self.schema.attribute_index(&first.name) {
            let ty = self.schema.attributes.get(i)?.ty.clone();
            let base = Typed {
                ty,
                expr: PExpr::Attr(i as u32),
            };
            return self.fields(base, parts, 1, scope);
        }
        if let Some((kind, _)) = self.names.get(&first.name).copied() {
            let (segment, index) = match kind {
                NameKind::Segment => (
                    true,
                    self.segments.iter().position(|d| d.name == first.name)?,
                ),
                NameKind::Metric => (
                    false,
                    self.metrics.iter().position(|d| d.name == first.name)?,
                ),
                NameKind::Rule | NameKind::Suppression => {
                    self.report(
                        Diagnostic::error(Code::NotAValue, first.span, format!("`{}` is a {}, not a value", first.name, kind.word()))
                            .with_label(format!("a {}", kind.word()))
                            .with_help("conditions can use attributes, events, segments and metrics; to ask whether a rule sent, use `sent \"message\"`"),
                    );
                    return None;
                }
            };
            if let Some(d) = self.def(segment, index) {
                d.uses += 1;
            }
            let ty = self.def_type(segment, index)?;
            if let Some(field) = rest.first() {
                self.report(
                    Diagnostic::error(
                        Code::NoFields,
                        field.span,
                        format!("{} `{}` has no fields", kind.word(), first.name),
                    )
                    .with_label("no such field")
                    .with_help(format!("use `{}` on its own", first.name)),
                );
                return None;
            }
            let expr = if segment {
                PExpr::Segment(index as u32)
            } else {
                PExpr::Metric(index as u32)
            };
            return typed(ty, expr);
        }
        if self.schema.event_index(&first.name).is_some() {
            self.report(
                Diagnostic::error(Code::EventAsValue, first.span, format!("`{}` is an event, not a value", first.name))
                    .with_label("an event")
                    .with_help(format!(
                        "test it with `{0} at least 1 time` or `never {0}`, or count it with `count({0})`",
                        first.name
                    )),
            );
            return None;
        }
        let mut candidates: Vec<String> = self
            .schema
            .attributes
            .iter()
            .map(|a| a.name.clone())
            .collect();
        candidates.extend(self.segments.iter().map(|d| d.name.clone()));
        candidates.extend(self.metrics.iter().map(|d| d.name.clone()));
        if let Some(ev) = scope.event.and_then(|e| self.schema.events.get(e as usize)) {
            candidates.extend(ev.props.iter().map(|p| p.name.clone()));
        }
        self.report(
            Diagnostic::unknown(Code::UnknownName, first.span, "name", &first.name)
                .with_label("not an attribute, segment or metric")
                .with_suggestion(
                    &first.name,
                    candidates.iter().map(String::as_str),
                    format!(
                        "declare it in the schema (`{0}: string`) or define it (`segment {0} = …`)",
                        first.name
                    ),
                ),
        );
        None
    }

    /// Record field access: `company.industry`.
    pub(super) fn fields(
        &mut self,
        mut base: Typed,
        parts: &[Ident],
        from: usize,
        scope: &Scope,
    ) -> Option<Typed> {
        for (i, field) in parts.iter().enumerate().skip(from) {
            let prefix = parts
                .get(..i)
                .unwrap_or(&[])
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(".");
            let record = match &base.ty {
                Type::Record(id) => *id,
                Type::Optional(inner) if matches!(**inner, Type::Record(_)) => {
                    if !scope.narrowed.contains(&prefix) {
                        let span = parts
                            .first()
                            .map(|p| p.span.to(field.span))
                            .unwrap_or(field.span);
                        let whole = Expr {
                            kind: ExprKind::Path(parts.get(..i).unwrap_or(&[]).to_vec()),
                            span,
                        };
                        self.optional_error(&whole, &base.ty);
                        return None;
                    }
                    match **inner {
                        Type::Record(id) => id,
                        _ => return None,
                    }
                }
                other => {
                    self.report(
                        Diagnostic::error(
                            Code::NoFields,
                            field.span,
                            format!(
                                "`{prefix}` is {} and has no fields",
                                self.schema.a_type(other)
                            ),
                        )
                        .with_label("no such field")
                        .with_help(format!("use `{prefix}` on its own")),
                    );
                    return None;
                }
            };
            let fields = self.schema.records.get(record as usize)?.clone();
            let Some(index) = fields.iter().position(|f| f.name == field.name) else {
                let names = fields.iter().map(|f| f.name.as_str());
                let all = names.clone().collect::<Vec<_>>().join(", ");
                self.report(
                    Diagnostic::error(
                        Code::UnknownField,
                        field.span,
                        format!("`{prefix}` has no field `{}`", field.name),
                    )
                    .with_label("not a field of this record")
                    .with_suggestion(
                        &field.name,
                        names,
                        format!("the fields of `{prefix}` are {all}"),
                    ),
                );
                return None;
            };
            let ty = fields.get(index)?.ty.clone();
            let full = parts
                .get(..=i)
                .unwrap_or(&[])
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(".");
            let ty = match ty {
                Type::Optional(inner) if scope.narrowed.contains(&full) => *inner,
                t => t,
            };
            base = Typed {
                ty,
                expr: PExpr::Field {
                    base: Box::new(base.expr),
                    record,
                    index: index as u32,
                },
            };
        }
        Some(base)
    }
}
