//! From text to syntax tree: runs the pest grammar over each top-level chunk
//! of a file and turns the pairs into [`ast`](super::ast) nodes with spans.

use pest::iterators::{Pair, Pairs};
use pest::Parser;

use super::ast::*;
use super::{parse_error, prescan, FileId, Span};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/nudge.pest"]
pub(crate) struct NudgeParser;

/// The tree shape did not match the grammar: a bug in nudge, reported as a
/// diagnostic rather than a panic.
#[derive(Debug)]
struct ShapeBug(&'static str);

type Conv<T> = Result<T, ShapeBug>;

const AGGREGATES: [&str; 8] = [
    "count", "sum", "min", "max", "avg", "distinct", "last", "first",
];
const BUILTINS: [&str; 7] = ["lower", "len", "min", "max", "abs", "days", "hours"];

/// Parses one file. Items that parse are returned even when others fail, so
/// every syntax error of the file is reported in one run.
pub fn parse_file(file: FileId, text: &str) -> (FileAst, Vec<Diagnostic>) {
    let mut diags = prescan::unterminated_strings(file, text);
    let mut items = Vec::new();
    let starts = prescan::chunk_starts(text);
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let chunk = text.get(start..end).unwrap_or("");
        if diags
            .iter()
            .any(|d| d.span.start >= start && d.span.start < end)
        {
            continue; // an unterminated string already explains this chunk
        }
        match NudgeParser::parse(Rule::file, chunk) {
            Ok(mut pairs) => {
                let mut builder = Builder {
                    file,
                    offset: start,
                    diags: Vec::new(),
                };
                match pairs
                    .next()
                    .ok_or(ShapeBug("file"))
                    .and_then(|p| builder.file(p))
                {
                    Ok(mut chunk_items) => items.append(&mut chunk_items),
                    Err(ShapeBug(what)) => diags.push(Diagnostic::error(
                        Code::Internal,
                        Span::new(file, start, end),
                        format!("internal error: unexpected syntax tree shape at {what}"),
                    )),
                }
                diags.append(&mut builder.diags);
            }
            Err(error) => diags.push(parse_error::describe(file, start, chunk, &error)),
        }
    }
    (FileAst { items }, diags)
}

struct Builder {
    file: FileId,
    offset: usize,
    diags: Vec<Diagnostic>,
}

fn next<'i>(pairs: &mut Pairs<'i, Rule>, what: &'static str) -> Conv<Pair<'i, Rule>> {
    pairs.next().ok_or(ShapeBug(what))
}

/// The next pair that is not punctuation or a keyword.
fn next_content<'i>(pairs: &mut Pairs<'i, Rule>, what: &'static str) -> Conv<Pair<'i, Rule>> {
    pairs.find(|p| !is_token(p.as_rule())).ok_or(ShapeBug(what))
}

fn is_token(kind: Rule) -> bool {
    matches!(
        kind,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::langle
            | Rule::rangle
            | Rule::colon
            | Rule::comma
            | Rule::equals
            | Rule::dot
            | Rule::pipe
    ) || format!("{kind:?}").starts_with("kw_")
}

impl Builder {
    /// The pair's span, without the trailing whitespace and comments pest
    /// consumes before an optional element that then does not match.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let len = prescan::code_end(pair.as_str());
        Span::new(
            self.file,
            s.start() + self.offset,
            s.start() + len + self.offset,
        )
    }

    fn file(&mut self, pair: Pair<'_, Rule>) -> Conv<Vec<Item>> {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            let item = match p.as_rule() {
                Rule::schema => Item::Schema(self.schema(p)?),
                Rule::policy => Item::Policy(self.policy(p)?),
                Rule::segment => Item::Segment(self.definition(p)?),
                Rule::metric => Item::Metric(self.definition(p)?),
                Rule::rule => Item::Rule(self.rule(p)?),
                Rule::suppress => Item::Suppress(self.suppress(p)?),
                Rule::EOI => continue,
                _ => return Err(ShapeBug("item")),
            };
            items.push(item);
        }
        Ok(items)
    }

    /// A name; uppercase letters are refused with the snake_case spelling.
    fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
        let ident = Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        };
        if ident.name.chars().any(|c| c.is_ascii_uppercase()) {
            let snake = to_snake_case(&ident.name);
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    ident.span,
                    format!("names are lowercase: `{}`", ident.name),
                )
                .with_label("uppercase letters are not allowed in names")
                .with_help(format!("write `{snake}`")),
            );
        }
        ident
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> StrLit {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some('u') => {
                    let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) => value.push(ch),
                        None => self.diags.push(
                            Diagnostic::error(
                                Code::Syntax,
                                span,
                                format!("`\\u{{{hex}}}` is not a character"),
                            )
                            .with_label("invalid escape")
                            .with_help("use a Unicode scalar value in hex, e.g. `\\u{e9}` for é"),
                        ),
                    }
                }
                Some(other) => value.push(other),
                None => {}
            }
        }
        StrLit { value, span }
    }

    fn int(&mut self, pair: &Pair<'_, Rule>) -> i64 {
        let text: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        match text.parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                self.diags.push(
                    Diagnostic::error(Code::Syntax, self.span(pair), "number too large")
                        .with_label("does not fit in a 64-bit integer")
                        .with_help("use a smaller whole number"),
                );
                0
            }
        }
    }

    fn percent(&mut self, pair: Pair<'_, Rule>) -> PercentLit {
        let span = self.span(&pair);
        let text = pair.as_str().trim_end_matches('%').to_string();
        let value = text.replace('_', "").parse::<f64>().unwrap_or(0.0);
        PercentLit { value, text, span }
    }

    fn clock(&mut self, pair: Pair<'_, Rule>) -> ClockLit {
        let span = self.span(&pair);
        let (h, m) = pair.as_str().split_once(':').unwrap_or(("0", "0"));
        let hour = h.parse::<u32>().unwrap_or(99);
        let minute = m.parse::<u32>().unwrap_or(99);
        if hour > 23 || minute > 59 {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    span,
                    format!("`{}` is not a clock time", pair.as_str()),
                )
                .with_label(if hour > 23 {
                    "hours go from 00 to 23"
                } else {
                    "minutes go from 00 to 59"
                })
                .with_help("write a 24-hour time `HH:MM`, e.g. `21:00`; use `00:00` for midnight"),
            );
        }
        ClockLit { hour, minute, span }
    }

    /// `duration`, or a bare unit in `per day` (then `amount` is 1).
    fn duration(&mut self, pair: Pair<'_, Rule>) -> Conv<DurationLit> {
        let span = self.span(&pair);
        let (amount, unit_pair) = match pair.as_rule() {
            Rule::duration => {
                let mut inner = pair.into_inner();
                let amount_pair = next(&mut inner, "duration amount")?;
                let amount = self.int(&amount_pair);
                (amount, next(&mut inner, "duration unit")?)
            }
            _ => (1, pair),
        };
        let unit_text = unit_pair.as_str().to_string();
        let unit = match unit_text.as_str() {
            "w" | "week" | "weeks" => DurationUnit::Week,
            "d" | "day" | "days" => DurationUnit::Day,
            "h" | "hour" | "hours" => DurationUnit::Hour,
            "min" | "mins" | "minute" | "minutes" => DurationUnit::Minute,
            other => {
                let unit_span = self.span(&unit_pair);
                let (message, help) = if other.starts_with('m') && other != "ms"
                    || other.starts_with('y')
                {
                    let days = if other.starts_with('y') { 365 } else { 30 };
                    (
                        format!(
                            "`{other}` is not a duration unit: months and years vary in length"
                        ),
                        format!("write days instead: `{} days`", amount.saturating_mul(days)),
                    )
                } else {
                    (
                        format!("`{other}` is not a duration unit: the smallest unit is minutes"),
                        String::from("write minutes, hours, days or weeks, e.g. `1 minute`"),
                    )
                };
                self.diags.push(
                    Diagnostic::error(Code::Syntax, unit_span, message)
                        .with_label("unknown unit")
                        .with_help(help),
                );
                DurationUnit::Day
            }
        };
        Ok(DurationLit {
            amount,
            unit,
            unit_text,
            span,
        })
    }

    // ------------------------------------------------------------ schema --

    fn schema(&mut self, pair: Pair<'_, Rule>) -> Conv<SchemaBlock> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let keyword = self.span(&next(&mut inner, "schema keyword")?);
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

    fn field(&mut self, pair: Pair<'_, Rule>) -> Conv<FieldDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name_pair = next_content(&mut inner, "field name")?;
        let name = self.ident(name_pair);
        let ty = self.type_expr(next_content(&mut inner, "field type")?)?;
        Ok(FieldDecl { name, ty, span })
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Conv<TypeExpr> {
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
            _ => return Err(ShapeBug("type")),
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

    // ------------------------------------------------------------ policy --

    fn policy(&mut self, pair: Pair<'_, Rule>) -> Conv<PolicyBlock> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let keyword = self.span(&next(&mut inner, "policy keyword")?);
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
                        return Err(ShapeBug("quiet hours"));
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
                    for c in p.into_inner() {
                        match c.as_rule() {
                            Rule::int => count = Some((self.int(&c), self.span(&c))),
                            Rule::cap_channel => {
                                let id = next(&mut c.into_inner(), "cap channel")?;
                                channel = Some(self.ident(id));
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
                        return Err(ShapeBug("cap"));
                    };
                    PolicyClauseKind::Cap {
                        count,
                        count_span,
                        channel,
                        per,
                        bare_unit,
                    }
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

    // ------------------------------------------- segments, metrics, rules --

    fn definition(&mut self, pair: Pair<'_, Rule>) -> Conv<Definition> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next_content(&mut inner, "definition name")?);
        let expr = self.expr(next_content(&mut inner, "definition expression")?)?;
        Ok(Definition { name, expr, span })
    }

    fn rule(&mut self, pair: Pair<'_, Rule>) -> Conv<RuleDef> {
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
                    let text: String = v.as_str().chars().filter(|c| *c != '_').collect();
                    let value = text.parse::<i64>().unwrap_or(0);
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
                Rule::goal_clause => match self.goal(parts, cspan)? {
                    Some(goal) => RuleClauseKind::Goal(goal),
                    None => continue,
                },
                _ => return Err(ShapeBug("rule clause")),
            };
            clauses.push(RuleClause { kind, span: cspan });
        }
        Ok(RuleDef {
            name,
            clauses,
            span,
        })
    }

    fn send(&mut self, mut parts: Pairs<'_, Rule>) -> Conv<SendClause> {
        let channel = self.ident(next_content(&mut parts, "send channel")?);
        let message_pair = next_content(&mut parts, "send message")?;
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
            _ => return Err(ShapeBug("send message")),
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
            message,
            params,
        })
    }

    /// `goal EVENT [where COND] within D`; a `within` the condition swallowed
    /// (`where big within 7 days`) is lifted back out, as in aggregates.
    fn goal(&mut self, parts: Pairs<'_, Rule>, span: Span) -> Conv<Option<GoalClause>> {
        let mut parts = parts.filter(|p| !is_token(p.as_rule()));
        let event = self.ident(parts.next().ok_or(ShapeBug("goal event"))?);
        let mut filter = None;
        let mut within = None;
        for p in parts {
            match p.as_rule() {
                Rule::where_cond => {
                    let cond = next_content(&mut p.into_inner(), "goal where")?;
                    filter = Some(self.expr(cond)?);
                }
                Rule::window => within = self.window(Some(p))?,
                _ => return Err(ShapeBug("goal clause")),
            }
        }
        if within.is_none() {
            if let Some(f) = filter.take() {
                let (f, w) = lift_window(f);
                filter = Some(f);
                within = w;
            }
        }
        let Some(within) = within else {
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
        Ok(Some(GoalClause {
            event,
            filter,
            within,
        }))
    }

    fn suppress(&mut self, pair: Pair<'_, Rule>) -> Conv<SuppressDef> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next_content(&mut inner, "suppression name")?);
        let when = self.expr(next_content(&mut inner, "suppression condition")?)?;
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

    // ------------------------------------------------------- expressions --

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => self.expr(next(&mut pair.into_inner(), "expr")?),
            Rule::or_expr | Rule::and_expr => {
                let is_or = pair.as_rule() == Rule::or_expr;
                let mut operands = pair.into_inner().filter(|p| !is_token(p.as_rule()));
                let mut acc = self.expr(operands.next().ok_or(ShapeBug("operand"))?)?;
                for operand in operands {
                    let rhs = self.expr(operand)?;
                    let span = acc.span.to(rhs.span);
                    let kind = if is_or {
                        ExprKind::Or(Box::new(acc), Box::new(rhs))
                    } else {
                        ExprKind::And(Box::new(acc), Box::new(rhs))
                    };
                    acc = Expr { kind, span };
                }
                Ok(acc)
            }
            Rule::not_expr => self.expr(next(&mut pair.into_inner(), "not")?),
            Rule::not_op => {
                let operand = self.expr(next_content(&mut pair.into_inner(), "not operand")?)?;
                Ok(Expr {
                    kind: ExprKind::Not(Box::new(operand)),
                    span,
                })
            }
            Rule::predicate => self.predicate(pair),
            Rule::default_expr | Rule::sum_expr | Rule::product => self.binary_chain(pair),
            Rule::unary => {
                let mut negations = Vec::new();
                let mut atom = None;
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::neg_op {
                        negations.push(self.span(&p));
                    } else {
                        atom = Some(self.atom(p)?);
                    }
                }
                let mut acc = atom.ok_or(ShapeBug("unary operand"))?;
                for neg in negations.into_iter().rev() {
                    let span = neg.to(acc.span);
                    acc = Expr {
                        kind: ExprKind::Neg(Box::new(acc)),
                        span,
                    };
                }
                Ok(acc)
            }
            _ => self.atom(pair),
        }
    }

    /// `a ?? b`, `a + b`, `a * b` chains, folded to the left.
    fn binary_chain(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let mut parts = pair.into_inner();
        let mut acc = self.expr(next(&mut parts, "operand")?)?;
        while let Some(op) = parts.next() {
            let rhs = self.expr(next(&mut parts, "right operand")?)?;
            let span = acc.span.to(rhs.span);
            let (lhs, rhs) = (Box::new(acc), Box::new(rhs));
            let kind = match op.as_str() {
                "??" => ExprKind::Default(lhs, rhs),
                "+" => ExprKind::Arith(ArithOp::Add, lhs, rhs),
                "-" => ExprKind::Arith(ArithOp::Sub, lhs, rhs),
                "*" => ExprKind::Arith(ArithOp::Mul, lhs, rhs),
                "/" => ExprKind::Arith(ArithOp::Div, lhs, rhs),
                _ => return Err(ShapeBug("binary operator")),
            };
            acc = Expr { kind, span };
        }
        Ok(acc)
    }

    fn window(&mut self, pair: Option<Pair<'_, Rule>>) -> Conv<Option<DurationLit>> {
        match pair {
            Some(w) => {
                let d = next_content(&mut w.into_inner(), "window")?;
                Ok(Some(self.duration(d)?))
            }
            None => Ok(None),
        }
    }

    fn predicate(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let first = next(&mut parts, "predicate")?;
        let kind = match first.as_rule() {
            Rule::never_pred => {
                let mut inner = first.into_inner().filter(|p| !is_token(p.as_rule()));
                let target = inner.next().ok_or(ShapeBug("never target"))?;
                let window = self.window(inner.next())?;
                if target.as_rule() == Rule::sent_target {
                    let msg = next_content(&mut target.into_inner(), "sent message")?;
                    ExprKind::Sent {
                        message: self.string(msg),
                        window,
                        negated: true,
                    }
                } else {
                    ExprKind::Never {
                        event: self.ident(target),
                        window,
                    }
                }
            }
            Rule::sent_pred => {
                let mut inner = first.into_inner().filter(|p| !is_token(p.as_rule()));
                let msg = inner.next().ok_or(ShapeBug("sent message"))?;
                let message = self.string(msg);
                let window = self.window(inner.next())?;
                ExprKind::Sent {
                    message,
                    window,
                    negated: false,
                }
            }
            Rule::inactive_pred => {
                let d = next_content(&mut first.into_inner(), "inactive duration")?;
                ExprKind::InactiveFor(self.duration(d)?)
            }
            Rule::at_least_pred => {
                let mut event = None;
                let mut count = None;
                let mut plural = true;
                let mut window = None;
                for p in first.into_inner() {
                    match p.as_rule() {
                        Rule::ident => event = Some(self.ident(p)),
                        Rule::int => count = Some((self.int(&p), self.span(&p))),
                        Rule::kw_times => plural = p.as_str().starts_with("times"),
                        Rule::window => window = self.window(Some(p))?,
                        _ => {}
                    }
                }
                let (Some(event), Some((count, count_span))) = (event, count) else {
                    return Err(ShapeBug("at least"));
                };
                ExprKind::AtLeast {
                    event,
                    count,
                    count_span,
                    plural,
                    window,
                }
            }
            _ => {
                let lhs = self.expr(first)?;
                let Some(suffix) = parts.next() else {
                    return Ok(lhs);
                };
                let suffix_rule = suffix.as_rule();
                let suffix_text = suffix.as_str();
                let mut inner = suffix.into_inner().filter(|p| !is_token(p.as_rule()));
                let lhs = Box::new(lhs);
                match suffix_rule {
                    Rule::cmp_suffix => {
                        let op = inner.next().ok_or(ShapeBug("comparison"))?;
                        let op = match op.as_str() {
                            "==" => CompareOp::Eq,
                            "!=" => CompareOp::Ne,
                            "<" => CompareOp::Lt,
                            "<=" => CompareOp::Le,
                            ">" => CompareOp::Gt,
                            _ => CompareOp::Ge,
                        };
                        let rhs = self.expr(inner.next().ok_or(ShapeBug("comparison rhs"))?)?;
                        ExprKind::Compare(op, lhs, Box::new(rhs))
                    }
                    Rule::in_suffix | Rule::not_in_suffix => {
                        let list_pair = inner.next().ok_or(ShapeBug("list"))?;
                        let mut list = Vec::new();
                        for item in list_pair.into_inner().filter(|p| !is_token(p.as_rule())) {
                            list.push(self.expr(item)?);
                        }
                        ExprKind::In {
                            value: lhs,
                            list,
                            negated: suffix_rule == Rule::not_in_suffix,
                        }
                    }
                    Rule::contains_suffix => {
                        let rhs = self.expr(inner.next().ok_or(ShapeBug("contains"))?)?;
                        ExprKind::Contains(lhs, Box::new(rhs))
                    }
                    Rule::is_suffix => {
                        if suffix_text.ends_with("present") {
                            ExprKind::IsPresent(lhs)
                        } else {
                            ExprKind::IsMissing(lhs)
                        }
                    }
                    Rule::older_suffix => {
                        let rhs = self.expr(inner.next().ok_or(ShapeBug("older than"))?)?;
                        ExprKind::OlderThan(lhs, Box::new(rhs))
                    }
                    Rule::within_suffix => {
                        let rhs = self.expr(inner.next().ok_or(ShapeBug("within"))?)?;
                        ExprKind::Within(lhs, Box::new(rhs))
                    }
                    _ => return Err(ShapeBug("predicate suffix")),
                }
            }
        };
        Ok(Expr { kind, span })
    }

    fn atom(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                let inner = self.expr(next_content(&mut pair.into_inner(), "parenthesised")?)?;
                ExprKind::Paren(Box::new(inner))
            }
            Rule::kw_now => ExprKind::Now,
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::duration => ExprKind::Duration(self.duration(pair)?),
            Rule::number => {
                let text = pair.as_str();
                if text.contains('.') {
                    let value = text.replace('_', "").parse::<f64>().unwrap_or(0.0);
                    ExprKind::Number(value, text.to_string())
                } else {
                    ExprKind::Int(self.int(&pair), text.to_string())
                }
            }
            Rule::string => ExprKind::Str(self.string(pair).value),
            Rule::path => ExprKind::Path(
                pair.into_inner()
                    .filter(|p| p.as_rule() == Rule::ident)
                    .map(|p| self.ident(p))
                    .collect(),
            ),
            Rule::call => return self.call(pair),
            _ => return self.expr(pair),
        };
        Ok(Expr { kind, span })
    }

    fn call(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(|p| !is_token(p.as_rule()));
        let func = self.ident(inner.next().ok_or(ShapeBug("function name"))?);
        let mut args = Vec::new();
        let mut filter = None;
        let mut window = None;
        for p in inner {
            match p.as_rule() {
                Rule::where_cond => {
                    let cond = next_content(&mut p.into_inner(), "where")?;
                    filter = Some(self.expr(cond)?);
                }
                Rule::window => window = self.window(Some(p))?,
                _ => args.push(self.expr(p)?),
            }
        }
        let name = func.name.as_str();
        let is_aggregate = matches!(
            name,
            "count" | "sum" | "avg" | "distinct" | "last" | "first"
        ) || (matches!(name, "min" | "max")
            && (args.len() == 1 || filter.is_some() || window.is_some()));
        if is_aggregate {
            return self.aggregate(func, args, filter, window, span);
        }
        let builtin = match name {
            "lower" => Builtin::Lower,
            "len" => Builtin::Len,
            "min" => Builtin::Min,
            "max" => Builtin::Max,
            "abs" => Builtin::Abs,
            "days" => Builtin::Days,
            "hours" => Builtin::Hours,
            _ => {
                let all = AGGREGATES.iter().chain(BUILTINS.iter()).copied();
                let mut d = Diagnostic::error(
                    Code::UnknownFunction,
                    func.span,
                    format!("unknown function `{name}`"),
                )
                .with_label("not a built-in function");
                d = match did_you_mean(name, all) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(
                        "the functions are count, sum, min, max, avg, distinct, last, first, lower, len, abs, days and hours",
                    ),
                };
                self.diags.push(d);
                return Ok(Expr {
                    kind: ExprKind::Bool(false),
                    span,
                });
            }
        };
        if filter.is_some() || window.is_some() {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    span,
                    format!("`{name}` does not take `where` or `within`"),
                )
                .with_label("only aggregates over events filter with `where` and `within`")
                .with_help("remove the `where`/`within` part"),
            );
        }
        if args.len() != builtin.arity() {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    span,
                    format!(
                        "`{name}` takes {} argument{}, found {}",
                        builtin.arity(),
                        if builtin.arity() == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .with_label("wrong number of arguments")
                .with_help(match builtin {
                    Builtin::Min | Builtin::Max => {
                        format!("write `{name}(a, b)`, or `{name}(event.property)` over events")
                    }
                    _ => format!("write `{name}(x)`"),
                }),
            );
        }
        Ok(Expr {
            kind: ExprKind::Call {
                func: builtin,
                func_span: func.span,
                args,
            },
            span,
        })
    }

    fn aggregate(
        &mut self,
        func: Ident,
        mut args: Vec<Expr>,
        filter: Option<Expr>,
        window: Option<DurationLit>,
        span: Span,
    ) -> Conv<Expr> {
        let kind = match func.name.as_str() {
            "count" => AggregateKind::Count,
            "sum" => AggregateKind::Sum,
            "min" => AggregateKind::Min,
            "max" => AggregateKind::Max,
            "avg" => AggregateKind::Avg,
            "distinct" => AggregateKind::Distinct,
            "last" => AggregateKind::Last,
            _ => AggregateKind::First,
        };
        let needs_property = !matches!(
            kind,
            AggregateKind::Count | AggregateKind::Last | AggregateKind::First
        );
        let example = if needs_property {
            format!("{}(watched.minutes within 30 days)", kind.name())
        } else {
            format!("{}(logged_in within 30 days)", kind.name())
        };
        let bad = |msg: String| {
            Diagnostic::error(Code::Aggregate, span, msg)
                .with_label("not an event aggregate")
                .with_help(format!("write it like `{example}`"))
        };
        if args.len() != 1 {
            self.diags.push(bad(format!(
                "`{}` takes one event{}, found {} arguments",
                kind.name(),
                if needs_property { " property" } else { "" },
                args.len()
            )));
            return Ok(Expr {
                kind: ExprKind::Bool(false),
                span,
            });
        }
        let arg = args.remove(0);
        // A trailing `within D` belongs to the aggregate, not to the condition.
        let (arg, filter, window) = match (filter, window) {
            (filter, Some(w)) => (arg, filter.map(Box::new), Some(w)),
            (Some(f), None) => {
                let (f, window) = lift_window(f);
                (arg, Some(Box::new(f)), window)
            }
            (None, None) => {
                let (arg, window) = lift_window(arg);
                (arg, None, window)
            }
        };
        let ExprKind::Path(mut path) = arg.kind else {
            self.diags.push(bad(format!(
                "`{}` aggregates over an event, not an expression",
                kind.name()
            )));
            return Ok(Expr {
                kind: ExprKind::Bool(false),
                span,
            });
        };
        let property = match (path.len(), needs_property) {
            (1, false) => None,
            (2, true) => path.pop(),
            (1, true) => {
                let event = path.first().map(|p| p.name.as_str()).unwrap_or("");
                self.diags.push(
                    Diagnostic::error(
                        Code::Aggregate,
                        arg.span,
                        format!("`{}` needs a numeric property of `{event}`", kind.name()),
                    )
                    .with_label("an event, not one of its properties")
                    .with_help(format!(
                        "name the property, e.g. `{}({event}.minutes …)`; to count occurrences use `count({event})`",
                        kind.name()
                    )),
                );
                None
            }
            (2, false) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::Aggregate,
                        arg.span,
                        format!(
                            "`{}` works on whole occurrences, not on a property",
                            kind.name()
                        ),
                    )
                    .with_label("a property")
                    .with_help(format!(
                        "write `{}({})`",
                        kind.name(),
                        path.first().map(|p| p.name.as_str()).unwrap_or("")
                    )),
                );
                None
            }
            _ => {
                self.diags.push(bad(format!(
                    "`{}` takes `event` or `event.property`",
                    kind.name()
                )));
                None
            }
        };
        let event = path.swap_remove(0);
        Ok(Expr {
            kind: ExprKind::Aggregate {
                kind,
                func_span: func.span,
                event,
                property,
                filter,
                window,
            },
            span,
        })
    }
}

/// Splits a trailing `within D` (with a literal duration) off an expression:
/// `x within 7 days` gives `(x, 7 days)`, `a and b within 7 days` gives
/// `(a and b, 7 days)`. Parenthesised expressions are left alone.
fn lift_window(expr: Expr) -> (Expr, Option<DurationLit>) {
    let span = expr.span;
    match expr.kind {
        ExprKind::Within(inner, rhs) => match *rhs {
            Expr {
                kind: ExprKind::Duration(d),
                ..
            } => (*inner, Some(d)),
            rhs => (
                Expr {
                    kind: ExprKind::Within(inner, Box::new(rhs)),
                    span,
                },
                None,
            ),
        },
        ExprKind::And(a, b) => {
            let (b, window) = lift_window(*b);
            let span = a.span.to(b.span);
            let kind = ExprKind::And(a, Box::new(b));
            (Expr { kind, span }, window)
        }
        ExprKind::Or(a, b) => {
            let (b, window) = lift_window(*b);
            let span = a.span.to(b.span);
            let kind = ExprKind::Or(a, Box::new(b));
            (Expr { kind, span }, window)
        }
        kind => (Expr { kind, span }, None),
    }
}

fn to_snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
