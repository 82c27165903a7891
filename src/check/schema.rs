//! The schema: attributes, enums, records and events, checked and resolved
//! into the program's [`Schema`](crate::program::Schema) of typed slots.

use std::collections::HashMap;

use super::{Checker, Single};
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{self, Field, Type};
use crate::syntax::ast::{self, Item, SchemaEntry, TypeKind};
use crate::syntax::{FileId, Span};

impl Checker {
    pub(super) fn schema(&mut self, items: &[&Item], first_file: FileId) {
        let Some(Item::Schema(first)) = self.first_block(items, Single::Schema) else {
            self.report(
                Diagnostic::error(
                    Code::NoSchema,
                    Span::new(first_file, 0, 0),
                    "the ruleset has no schema",
                )
                .with_label("no `schema` block in any file")
                .with_help(
                    "add a `schema { … }` block that declares the customer attributes and events",
                ),
            );
            return;
        };
        let mut seen: HashMap<String, Span> = HashMap::new();
        for entry in &first.entries {
            match entry {
                SchemaEntry::Attribute(field) => {
                    if !self.new_name(&field.name, &mut seen, "an attribute", "attribute") {
                        continue;
                    }
                    if let Some(ty) = self.resolve_type(&field.ty) {
                        self.schema.attributes.push(Field {
                            name: field.name.name.clone(),
                            ty,
                        });
                    }
                }
                SchemaEntry::Event(event) => {
                    if !self.new_name(&event.name, &mut seen, "an event", "event") {
                        continue;
                    }
                    let mut props = Vec::new();
                    let mut prop_seen: HashMap<&str, Span> = HashMap::new();
                    for prop in &event.props {
                        if !self.declared_name(&prop.name, "an event property") {
                            continue;
                        }
                        if prop.name.name == "at" {
                            self.report(
                                Diagnostic::error(
                                    Code::ReservedName,
                                    prop.name.span,
                                    "`at` is the occurrence time and cannot be declared as a property",
                                )
                                .with_label("reserved")
                                .with_help("every occurrence already has `at`; remove this property or rename it"),
                            );
                            continue;
                        }
                        if let Some(prev) = prop_seen.get(prop.name.name.as_str()) {
                            let prev = *prev;
                            self.duplicate_decl(&prop.name, prev, "property");
                            continue;
                        }
                        prop_seen.insert(&prop.name.name, prop.name.span);
                        if let Some(ty) = self.resolve_type(&prop.ty) {
                            props.push(Field {
                                name: prop.name.name.clone(),
                                ty,
                            });
                        }
                    }
                    self.schema.events.push(program::EventDef {
                        name: event.name.name.clone(),
                        props,
                    });
                }
            }
        }
    }

    pub(super) fn duplicate_decl(&mut self, ident: &ast::Ident, prev: Span, what: &str) {
        self.report(
            Diagnostic::error(
                Code::DuplicateName,
                ident.span,
                format!("{what} `{}` is declared twice", ident.name),
            )
            .with_label("declared again here")
            .with_help("remove one of the declarations or rename it")
            .with_related(prev, "first declared here"),
        );
    }

    pub(super) fn resolve_type(&mut self, ty: &ast::TypeExpr) -> Option<Type> {
        Some(match &ty.kind {
            TypeKind::Named(name) => match name.name.as_str() {
                "string" => Type::String,
                "int" => Type::Int,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "time" => Type::Time,
                "duration" => Type::Duration,
                other => {
                    let known = [
                        "string", "int", "number", "bool", "time", "duration", "list",
                    ];
                    self.report(
                        Diagnostic::unknown(Code::UnknownType, name.span, "type", other)
                        .with_label("not a type")
                        .with_suggestion(
                            other,
                            known,
                            "the types are string, int, number, bool, time, duration, list<T>, records `{ … }` and enums `\"a\" | \"b\"`",
                        ),
                    );
                    return None;
                }
            },
            TypeKind::Enum(literals) => {
                let mut members: Vec<String> = Vec::new();
                for lit in literals {
                    if members.contains(&lit.value) {
                        self.repeated(
                            lit.span,
                            format!("`\"{}\"` is listed twice", lit.value),
                            "repeated member",
                            "remove the repetition",
                        );
                    } else {
                        members.push(lit.value.clone());
                    }
                }
                let id = match self.schema.enums.iter().position(|e| *e == members) {
                    Some(i) => i,
                    None => {
                        self.schema.enums.push(members);
                        self.schema.enums.len() - 1
                    }
                };
                Type::Enum(id as u32)
            }
            TypeKind::List(inner) => Type::List(Box::new(self.resolve_type(inner)?)),
            TypeKind::Record(fields) => {
                let mut out: Vec<Field> = Vec::new();
                for f in fields {
                    if !self.declared_name(&f.name, "a record field") {
                        continue;
                    }
                    if out.iter().any(|o| o.name == f.name.name) {
                        self.repeated(
                            f.name.span,
                            format!("field `{}` is declared twice", f.name.name),
                            "declared again here",
                            "remove one of the declarations",
                        );
                        continue;
                    }
                    let ty = self.resolve_type(&f.ty)?;
                    out.push(Field {
                        name: f.name.name.clone(),
                        ty,
                    });
                }
                self.schema.records.push(out);
                Type::Record(self.schema.records.len() as u32 - 1)
            }
            TypeKind::Optional(inner) => {
                let t = self.resolve_type(inner)?;
                if t.is_optional() {
                    t
                } else {
                    Type::Optional(Box::new(t))
                }
            }
        })
    }
}
