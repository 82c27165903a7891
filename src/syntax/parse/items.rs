//! Building items: the schema, the policy, segments and metrics, rules and
//! suppressions.

use pest::iterators::{Pair, Pairs};

use super::expr::lift_window;
use super::{is_token, next, next_content, Builder, Conv, Stop};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::*;
use crate::syntax::grammar::Rule;
use crate::syntax::Span;

impl Builder {
    /// A block item (`schema { … }`, `policy { … }`): its span, its
    /// keyword's span, and the pairs inside.
    fn block<'i>(&mut self, pair: Pair<'i, Rule>) -> Conv<(Span, Span, Pairs<'i, Rule>)> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let keyword = self.span(&next(&mut inner, "block keyword")?);
        Ok((span, keyword, inner))
    }

    pub(super) fn schema(&mut self, pair: Pair<'_, Rule>) -> Conv<SchemaBlock> {
        let (span, keyword, inner) = self.block(pair)?;
        let mut entries = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::attr_decl => entries.push(SchemaEntry::Attribute(self.field(p)?)),
                Rule::event_decl => {
                    let espan = self.span(&p);
                    let mut parts = p.into_inner();
                    let name_pair = next_content(&mut parts, "event name")?;
                    let name = self.ident(name_pair);
                    let mut props = Vec::new();
                    for f in parts.filter(|f| f.as_rule() == Rule::field_decl) {
                        props.push(self.field(f)?);
                    }
                    entries.push(SchemaEntry::Event(EventDecl {
                        name,
                        props,
                        span: espan,
                    }));
                }
                _ => {}
            }
        }
        Ok(SchemaBlock {
            entries,
            keyword,
            span,
        })
    }

    pub(super) fn field(&mut self, pair: Pair<'_, Rule>) -> Conv<FieldDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name_pair = next_content(&mut inner, "field name")?;
        let name = self.ident(name_pair);
        let ty = self.type_expr(next_content(&mut inner, "field type")?)?;
        Ok(FieldDecl { name, ty, span })
    }

    pub(super) fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Conv<TypeExpr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let base_pair = next(&mut inner, "type")?;
        let base_span = self.span(&base_pair);
        let kind = match base_pair.as_rule() {
            Rule::named_type => TypeKind::Named(Ident {
                name: base_pair.as_str().to_string(),
                span: base_span,
            }),
            Rule::enum_type => {
                let mut literals = Vec::new();
                for s in base_pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::string)
                {
                    literals.push(self.string(s));
                }
                TypeKind::Enum(literals)
            }
            Rule::list_type => {
                let elem = next_content(&mut base_pair.into_inner(), "list element type")?;
                TypeKind::List(Box::new(self.type_expr(elem)?))
            }
            Rule::record_type => {
                let mut fields = Vec::new();
                for f in base_pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::field_decl)
                {
                    fields.push(self.field(f)?);
                }
                TypeKind::Record(fields)
            }
            _ => return Err(Stop::Shape("type")),
        };
        let base = TypeExpr {
            kind,
            span: base_span,
        };
        Ok(if inner.next().is_some() {
            TypeExpr {
                kind: TypeKind::Optional(Box::new(base)),
                span,
            }
        } else {
            base
        })
    }

    pub(super) fn policy(&mut self, pair: Pair<'_, Rule>) -> Conv<PolicyBlock> {
        let (span, keyword, inner) = self.block(pair)?;
        let mut clauses = Vec::new();
        for p in inner {
            let cspan = self.span(&p);
            let kind = match p.as_rule() {
                Rule::channels_clause => PolicyClauseKind::Channels(
                    p.into_inner()
                        .filter(|c| c.as_rule() == Rule::decl_name)
                        .map(|c| self.ident(c))
                        .collect(),
                ),
                Rule::activity_clause => PolicyClauseKind::Activity(
                    self.expr(next_content(&mut p.into_inner(), "activity")?)?,
                ),
                Rule::timezone_clause => PolicyClauseKind::Timezone(
                    self.expr(next_content(&mut p.into_inner(), "timezone")?)?,
                ),
                Rule::quiet_clause => {
                    let mut clocks = Vec::new();
                    let mut channels = Vec::new();
                    for c in p.into_inner() {
                        match c.as_rule() {
                            Rule::clock => clocks.push(self.clock(c)),
                            Rule::ident => channels.push(self.ident(c)),
                            _ => {}
                        }
                    }
                    let [from, to] = clocks.as_slice() else {
                        return Err(Stop::Shape("quiet hours"));
                    };
                    PolicyClauseKind::QuietHours {
                        from: *from,
                        to: *to,
                        channels,
                    }
                }
                Rule::cap_clause => {
                    let mut count = None;
                    let mut channel = None;
                    let mut per = None;
                    let mut bare_unit = false;
                    let mut tag = None;
                    for c in p.into_inner() {
                        match c.as_rule() {
                            Rule::int => count = Some((self.int(&c), self.span(&c))),
                            Rule::cap_channel => {
                                let id = next(&mut c.into_inner(), "cap channel")?;
                                channel = Some(self.ident(id));
                            }
                            Rule::cap_tag => {
                                let id = next_content(&mut c.into_inner(), "cap tag")?;
                                tag = Some(self.ident(id));
                            }
                            Rule::duration => per = Some(self.duration(c)?),
                            Rule::duration_unit | Rule::bad_unit => {
                                bare_unit = true;
                                per = Some(self.duration(c)?);
                            }
                            _ => {}
                        }
                    }
                    let (Some((count, count_span)), Some(per)) = (count, per) else {
                        return Err(Stop::Shape("cap"));
                    };
                    PolicyClauseKind::Cap {
                        count,
                        count_span,
                        channel,
                        per,
                        bare_unit,
                        tag,
                    }
                }
                Rule::consent_clause => {
                    let mut parts = p.into_inner();
                    let channel = self.ident(next_content(&mut parts, "consent channel")?);
                    let when = self.expr(next_content(&mut parts, "consent condition")?)?;
                    PolicyClauseKind::Consent { channel, when }
                }
                _ => continue,
            };
            clauses.push(PolicyClause { kind, span: cspan });
        }
        Ok(PolicyBlock {
            clauses,
            keyword,
            span,
        })
    }

    /// An item that is a name and an expression (`segment N = E`,
    /// `suppress N when E`): its span, the two, and the pairs after them.
    fn named_expr<'i>(
        &mut self,
        pair: Pair<'i, Rule>,
    ) -> Conv<(Span, Ident, Expr, Pairs<'i, Rule>)> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next_content(&mut inner, "item name")?);
        let expr = self.expr(next_content(&mut inner, "item expression")?)?;
        Ok((span, name, expr, inner))
    }

    pub(super) fn definition(&mut self, pair: Pair<'_, Rule>) -> Conv<Definition> {
        let (span, name, expr, _) = self.named_expr(pair)?;
        Ok(Definition { name, expr, span })
    }

    pub(super) fn rule(&mut self, pair: Pair<'_, Rule>) -> Conv<RuleDef> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next_content(&mut inner, "rule name")?);
        let mut clauses = Vec::new();
        for p in inner {
            if is_token(p.as_rule()) {
                continue;
            }
            let cspan = self.span(&p);
            let clause_rule = p.as_rule();
            let mut parts = p.into_inner();
            let kind = match clause_rule {
                Rule::describe_clause => {
                    RuleClauseKind::Describe(self.string(next_content(&mut parts, "describe")?))
                }
                Rule::tags_clause => RuleClauseKind::Tags(
                    parts
                        .filter(|c| c.as_rule() == Rule::decl_name)
                        .map(|c| self.ident(c))
                        .collect(),
                ),
                Rule::when_clause => {
                    RuleClauseKind::When(self.expr(next_content(&mut parts, "when")?)?)
                }
                Rule::send_clause => RuleClauseKind::Send(self.send(parts)?),
                Rule::priority_clause => {
                    let v = next_content(&mut parts, "priority")?;
                    let value = self.int(&v);
                    RuleClauseKind::Priority {
                        value,
                        span: self.span(&v),
                    }
                }
                Rule::cooldown_clause => {
                    RuleClauseKind::Cooldown(self.duration(next_content(&mut parts, "cooldown")?)?)
                }
                Rule::holdout_clause => {
                    RuleClauseKind::Holdout(self.percent(next_content(&mut parts, "holdout")?))
                }
                Rule::deliver_clause => {
                    let at = self.clock(next_content(&mut parts, "deliver time")?);
                    let days = parts
                        .filter(|c| c.as_rule() == Rule::ident)
                        .map(|c| self.ident(c))
                        .collect();
                    RuleClauseKind::Deliver { at, days }
                }
                Rule::goal_clause => match self.goal(parts, cspan)? {
                    Some(goal) => RuleClauseKind::Goal(goal),
                    None => continue,
                },
                _ => return Err(Stop::Shape("rule clause")),
            };
            clauses.push(RuleClause { kind, span: cspan });
        }
        Ok(RuleDef {
            name,
            clauses,
            span,
        })
    }

    pub(super) fn send(&mut self, mut parts: Pairs<'_, Rule>) -> Conv<SendClause> {
        let channel = self.ident(next_content(&mut parts, "send channel")?);
        let mut fallbacks = Vec::new();
        let mut message_pair = next_content(&mut parts, "send message")?;
        while message_pair.as_rule() == Rule::fallback {
            let id = next_content(&mut message_pair.into_inner(), "fallback channel")?;
            fallbacks.push(self.ident(id));
            message_pair = next_content(&mut parts, "send message")?;
        }
        let message = match message_pair.as_rule() {
            Rule::string => MessageSpec::Single(self.string(message_pair)),
            Rule::variants => {
                let span = self.span(&message_pair);
                let mut variants = Vec::new();
                for v in message_pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::variant)
                {
                    let mut vp = v.into_inner();
                    let message = self.string(next(&mut vp, "variant message")?);
                    let share = self.percent(next(&mut vp, "variant share")?);
                    variants.push(Variant { message, share });
                }
                MessageSpec::Variants { variants, span }
            }
            _ => return Err(Stop::Shape("send message")),
        };
        let mut params = Vec::new();
        if let Some(with) = parts.find(|p| p.as_rule() == Rule::with_params) {
            for param in with.into_inner().filter(|p| p.as_rule() == Rule::param) {
                let mut pp = param.into_inner();
                let name = self.ident(next_content(&mut pp, "param name")?);
                let value = self.expr(next_content(&mut pp, "param value")?)?;
                params.push(Param { name, value });
            }
        }
        Ok(SendClause {
            channel,
            fallbacks,
            message,
            params,
        })
    }

    /// `goal EVENT [where COND] within D`; a `within` the condition swallowed
    /// (`where big within 7 days`) is lifted back out, as in aggregates.
    fn goal(&mut self, parts: Pairs<'_, Rule>, span: Span) -> Conv<Option<GoalClause>> {
        let mut parts = parts.filter(|p| !is_token(p.as_rule()));
        let event = self.ident(parts.next().ok_or(Stop::Shape("goal event"))?);
        let mut filter = None;
        let mut within = None;
        for p in parts {
            if self
                .filter_or_window(p, &mut filter, &mut within)?
                .is_some()
            {
                return Err(Stop::Shape("goal clause"));
            }
        }
        if within.is_none() {
            if let Some(f) = filter.take() {
                let (f, w) = lift_window(f);
                filter = Some(f);
                within = w;
            }
        }
        let Some(window) = within else {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    span,
                    format!("goal `{}` has no window", event.name),
                )
                .with_label("a goal is reached within some time after the message")
                .with_help(format!(
                    "add the window, e.g. `goal {} within 7 days`",
                    event.name
                )),
            );
            return Ok(None);
        };
        let ExprKind::Duration(within) = window.kind else {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    window.span,
                    format!(
                        "the window of goal `{}` must be a literal duration",
                        event.name
                    ),
                )
                .with_label("computed here")
                .with_help("write a duration such as `7 days`"),
            );
            return Ok(None);
        };
        Ok(Some(GoalClause {
            event,
            filter,
            within,
        }))
    }

    pub(super) fn suppress(&mut self, pair: Pair<'_, Rule>) -> Conv<SuppressDef> {
        let (span, name, when, mut inner) = self.named_expr(pair)?;
        let scope = match inner.find(|p| p.as_rule() == Rule::suppress_scope) {
            Some(scope) => {
                let kind = next_content(&mut scope.into_inner(), "scope")?;
                let is_channel = kind.as_rule() == Rule::scope_channel;
                let target = next_content(&mut kind.into_inner(), "scope name")?;
                let ident = self.ident(target);
                Some(if is_channel {
                    SuppressScope::Channel(ident)
                } else {
                    SuppressScope::Tag(ident)
                })
            }
            None => None,
        };
        Ok(SuppressDef {
            name,
            when,
            scope,
            span,
        })
    }
}
