//! Evaluating compiled expressions over one snapshot at one instant, with an
//! optional trace of the snapshot values each condition read.
//!
//! Windows are half-open: `within D` holds for `now - D < t <= now`.
//! Occurrences and messages after `now` are invisible to every construct, so
//! evaluating a snapshot at an earlier `now` replays the past exactly.

mod display;
mod error;
mod local;
mod ops;

pub use display::show_value;
pub use error::EvalError;
pub use local::Zone;
pub use ops::equal;
use ops::{arith, call, compare};

use crate::program::{window, Aggregate, AggregateKind, Expr, Program, Window};
use crate::snapshot::{EventLog, Snapshot};
use crate::value::{Micros, Value};

/// The result of evaluating one expression.
pub type EvalResult = Result<Value, EvalError>;

/// One snapshot value read while evaluating, as shown in `because`:
/// `last_seen_at = 2026-11-12T17:30:00Z (10d 15h ago)`.
pub type Read = String;

/// Evaluation state for one customer at one instant. Segments and metrics
/// are computed at most once.
pub struct Evaluator<'a> {
    /// The checked program the expressions belong to.
    pub program: &'a Program,
    /// The customer being evaluated.
    pub snapshot: &'a Snapshot,
    /// The evaluation instant.
    pub now: Micros,
    /// Segment and metric results, allocated on first use.
    segments: Vec<Option<EvalResult>>,
    metrics: Vec<Option<EvalResult>>,
    trace: Option<Vec<Read>>,
    /// Attribute reads already formatted for this customer, by slot.
    shown_attributes: Vec<Option<Read>>,
    /// Segments' and metrics' traced results with their reads (segments
    /// first, then metrics), so `because` computes each at most once too.
    traced_definitions: Vec<Option<(EvalResult, Vec<Read>)>>,
    /// The customer's zone, once a local time or quiet hours needed it.
    zone: Option<Zone>,
    /// Aggregates computed since [`Evaluator::forget_aggregates`], by the
    /// address of their node and their window: the `because` of a rule
    /// that matched shows the values its evaluation computed instead of
    /// scanning the events again.
    aggregates: Vec<((usize, Option<Micros>), EvalResult)>,
}

/// How many aggregates [`Evaluator`] remembers at most (one rule has few).
const REMEMBERED_AGGREGATES: usize = 64;

fn fault<T>(error: EvalError) -> Result<T, EvalError> {
    Err(error)
}

impl<'a> Evaluator<'a> {
    /// An evaluator for `snapshot` at `now`; nothing is computed yet.
    pub fn new(program: &'a Program, snapshot: &'a Snapshot, now: Micros) -> Evaluator<'a> {
        Evaluator {
            program,
            snapshot,
            now,
            segments: Vec::new(),
            metrics: Vec::new(),
            trace: None,
            shown_attributes: Vec::new(),
            traced_definitions: Vec::new(),
            aggregates: Vec::new(),
            zone: None,
        }
    }

    /// Evaluates a condition (a bool expression).
    pub fn condition(&mut self, e: &Expr) -> Result<bool, EvalError> {
        match self.eval(e, None)? {
            Value::Bool(b) => Ok(b),
            other => fault(EvalError::NotACondition {
                found: show_value(self.program, &other, self.now),
            }),
        }
    }

    /// Evaluates an expression and returns it with the values it read.
    pub fn traced(&mut self, e: &Expr) -> (EvalResult, Vec<Read>) {
        let previous = self.trace.replace(Vec::new());
        let result = self.eval(e, None);
        let reads = std::mem::replace(&mut self.trace, previous).unwrap_or_default();
        (result, reads)
    }

    /// Records a read as `LABEL = VALUE`; `label` writes the label.
    fn read(&mut self, label: impl FnOnce(&Self, &mut String), value: &Value) {
        if self.trace.is_none() {
            return;
        }
        let mut text = String::with_capacity(64);
        label(self, &mut text);
        text.push_str(" = ");
        display::write_value(&mut text, self.program, value, self.now);
        self.push_read(text);
    }

    fn push_read(&mut self, text: Read) {
        if let Some(trace) = &mut self.trace {
            if !trace.contains(&text) {
                trace.push(text);
            }
        }
    }

    /// An attribute read, formatted once per customer.
    fn read_attribute(&mut self, slot: usize, value: &Value) {
        if self.trace.is_none() {
            return;
        }
        if let Some(Some(text)) = self.shown_attributes.get(slot) {
            let text = text.clone();
            self.push_read(text);
            return;
        }
        let name = self
            .program
            .schema
            .attributes
            .get(slot)
            .map(|a| a.name.as_str())
            .unwrap_or("?");
        let mut text = String::with_capacity(name.len() + 40);
        text.push_str(name);
        text.push_str(" = ");
        display::write_value(&mut text, self.program, value, self.now);
        if self.shown_attributes.len() <= slot {
            self.shown_attributes
                .resize(self.program.schema.attributes.len().max(slot + 1), None);
        }
        if let Some(cell) = self.shown_attributes.get_mut(slot) {
            *cell = Some(text.clone());
        }
        self.push_read(text);
    }

    /// A constant or attribute by reference, when no trace is recorded: the
    /// common operands of comparisons need no clone.
    fn peek<'s>(&'s self, e: &'s Expr) -> Option<&'s Value> {
        if self.trace.is_some() {
            return None;
        }
        match e {
            Expr::Const(v) => Some(v),
            Expr::Attr(slot) => self.snapshot.attributes.get(*slot as usize),
            _ => None,
        }
    }

    /// The value of an expression; `occ` is the occurrence under a `where`.
    pub fn eval(&mut self, e: &Expr, occ: Option<&[Value]>) -> EvalResult {
        Ok(match e {
            Expr::Const(v) => v.clone(),
            Expr::Attr(slot) => {
                let v = self
                    .snapshot
                    .attributes
                    .get(*slot as usize)
                    .cloned()
                    .unwrap_or(Value::Missing);
                self.read_attribute(*slot as usize, &v);
                v
            }
            Expr::Field { base, index, .. } => {
                let b = self.eval_quiet(base, occ)?;
                let v = match b {
                    Value::Record(fields) => fields
                        .get(*index as usize)
                        .cloned()
                        .unwrap_or(Value::Missing),
                    _ => Value::Missing,
                };
                self.read(|s, out| s.write_label(out, e), &v);
                v
            }
            Expr::Prop { index, .. } => match occ {
                Some(props) => props
                    .get(*index as usize)
                    .cloned()
                    .unwrap_or(Value::Missing),
                None => return fault(EvalError::PropertyOutsideAggregate),
            },
            Expr::Segment(i) => self.definition(true, *i as usize)?,
            Expr::Metric(i) => self.definition(false, *i as usize)?,
            Expr::Now => Value::Time(self.now),
            Expr::Not(x) => Value::Bool(!self.truth(x, occ)?),
            Expr::And(a, b) => Value::Bool(self.truth(a, occ)? && self.truth(b, occ)?),
            Expr::Or(a, b) => Value::Bool(self.truth(a, occ)? || self.truth(b, occ)?),
            Expr::Compare(op, a, b) => {
                if let (Some(x), Some(y)) = (self.peek(a), self.peek(b)) {
                    return Ok(Value::Bool(compare(*op, x, y)?));
                }
                let (x, y) = (self.eval(a, occ)?, self.eval(b, occ)?);
                Value::Bool(compare(*op, &x, &y)?)
            }
            Expr::InList {
                value,
                list,
                negated,
            } => {
                let v = self.eval(value, occ)?;
                let found = list.iter().any(|item| equal(&v, item));
                Value::Bool(found != *negated)
            }
            Expr::Contains(list, item) => {
                let (l, i) = (self.eval(list, occ)?, self.eval(item, occ)?);
                match l {
                    Value::List(items) => Value::Bool(items.iter().any(|x| equal(x, &i))),
                    Value::Missing => return fault(EvalError::MissingList),
                    _ => return fault(EvalError::ContainsOnNonList),
                }
            }
            Expr::IsPresent(x) | Expr::IsMissing(x) => {
                let missing = match self.peek(x) {
                    Some(v) => v.is_missing(),
                    None => self.eval(x, occ)?.is_missing(),
                };
                Value::Bool(missing == matches!(e, Expr::IsMissing(_)))
            }
            Expr::OlderThan(t, d) => {
                let (t, d) = (self.time(t, occ)?, self.duration(d, occ)?);
                Value::Bool(self.now.saturating_sub(t) > d)
            }
            Expr::Within(t, d) => {
                let (t, d) = (self.time(t, occ)?, self.duration(d, occ)?);
                Value::Bool(window::contains(self.now, Some(d), t))
            }
            Expr::Inactive(w) => {
                let Some(activity) = &self.program.policy.activity else {
                    return fault(EvalError::NoActivity);
                };
                let d = self.length(w, occ)?;
                let activity = self.time(activity, occ)?;
                Value::Bool(self.now.saturating_sub(activity) > d)
            }
            Expr::AtLeast {
                event,
                count,
                window,
            } => {
                let window = self.optional_length(window, occ)?;
                let n = self.window(*event, window).1.len() as i64;
                if self.trace.is_some() {
                    self.read(
                        |s, out| {
                            out.push_str("count(");
                            out.push_str(s.event_name(*event));
                            write_window(out, window);
                            out.push(')');
                        },
                        &Value::Int(n),
                    );
                }
                Value::Bool(n >= *count)
            }
            Expr::Sent { message, window } => {
                let window = &self.optional_length(window, occ)?;
                let last = self
                    .snapshot
                    .messages
                    .iter()
                    .rev()
                    .filter(|m| !m.held_out && window::contains(self.now, *window, m.at))
                    .find(|m| m.message == *message)
                    .map(|m| m.at);
                if self.trace.is_some() {
                    let window = *window;
                    self.read(
                        |_, out| {
                            out.push_str("last sent \"");
                            out.push_str(message);
                            out.push('"');
                            write_window(out, window);
                        },
                        &last.map(Value::Time).unwrap_or(Value::Missing),
                    );
                }
                Value::Bool(last.is_some())
            }
            Expr::Default(a, b) => match self.eval(a, occ)? {
                Value::Missing => self.eval(b, occ)?,
                v => v,
            },
            Expr::Arith(op, a, b) => {
                let (x, y) = (self.eval(a, occ)?, self.eval(b, occ)?);
                arith(*op, &x, &y)?
            }
            Expr::Neg(x) => match self.eval(x, occ)? {
                Value::Int(i) => Value::Int(i.checked_neg().ok_or(EvalError::IntegerOverflow)?),
                Value::Number(n) => Value::Number(-n),
                Value::Duration(d) => Value::Duration(-d),
                Value::Missing => return fault(EvalError::MissingValue),
                _ => return fault(EvalError::NegateNonNumber),
            },
            Expr::Call(func, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a, occ)?);
                }
                call(*func, &values)?
            }
            Expr::Aggregate(agg) => {
                let window = self.optional_length(&agg.window, occ)?;
                let v = match occ {
                    None => self.remembered_aggregate(agg, window)?,
                    Some(_) => self.aggregate(agg, window)?,
                };
                if self.trace.is_some() {
                    self.read(|s, out| s.write_aggregate_label(out, agg, window), &v);
                }
                v
            }
            Expr::If { branches, widen } => self.conditional(branches, *widen, occ)?,
            Expr::Local(part, t) => self.local_time(*part, t, occ)?,
        })
    }

    /// `if c then a else b`: only the chosen branch is evaluated. Out of
    /// line, so that rulesets without `if` keep the hot match small.
    #[inline(never)]
    fn conditional(
        &mut self,
        branches: &[Expr; 3],
        widen: bool,
        occ: Option<&[Value]>,
    ) -> EvalResult {
        let [cond, then, other] = branches;
        let v = if self.truth(cond, occ)? {
            self.eval(then, occ)?
        } else {
            self.eval(other, occ)?
        };
        Ok(match v {
            Value::Int(i) if widen => Value::Number(i as f64),
            v => v,
        })
    }

    /// `local_hour(t)` and friends (out of line, as [`Self::conditional`]).
    #[inline(never)]
    fn local_time(
        &mut self,
        part: crate::program::LocalPart,
        t: &Expr,
        occ: Option<&[Value]>,
    ) -> EvalResult {
        let t = self.time(t, occ)?;
        Ok(self.local(part, t))
    }

    /// The length of a window: a literal, or a duration computed for this
    /// customer that must be longer than zero.
    #[inline]
    fn length(&mut self, w: &Window, occ: Option<&[Value]>) -> Result<Micros, EvalError> {
        match w {
            Window::Fixed(d) => Ok(*d),
            Window::Computed(e) => self.computed_length(e, occ),
        }
    }

    #[inline(never)]
    fn computed_length(&mut self, e: &Expr, occ: Option<&[Value]>) -> Result<Micros, EvalError> {
        match self.duration(e, occ)? {
            d if d > 0 => Ok(d),
            d => fault(EvalError::NonPositiveWindow {
                length: crate::value::format_duration(d),
            }),
        }
    }

    #[inline]
    fn optional_length(
        &mut self,
        w: &Option<Window>,
        occ: Option<&[Value]>,
    ) -> Result<Option<Micros>, EvalError> {
        match w {
            None => Ok(None),
            Some(Window::Fixed(d)) => Ok(Some(*d)),
            Some(Window::Computed(e)) => self.computed_length(e, occ).map(Some),
        }
    }

    /// Evaluates without recording reads (for the base of a field access).
    fn eval_quiet(&mut self, e: &Expr, occ: Option<&[Value]>) -> EvalResult {
        let saved = self.trace.take();
        let r = self.eval(e, occ);
        self.trace = saved;
        r
    }

    fn truth(&mut self, e: &Expr, occ: Option<&[Value]>) -> Result<bool, EvalError> {
        match self.eval(e, occ)? {
            Value::Bool(b) => Ok(b),
            Value::Missing => fault(EvalError::MissingCondition),
            _ => fault(EvalError::ValueAsCondition),
        }
    }

    fn time(&mut self, e: &Expr, occ: Option<&[Value]>) -> Result<Micros, EvalError> {
        match self.eval(e, occ)? {
            Value::Time(t) => Ok(t),
            Value::Missing => fault(EvalError::MissingTime),
            _ => fault(EvalError::ExpectedTime),
        }
    }

    fn duration(&mut self, e: &Expr, occ: Option<&[Value]>) -> Result<Micros, EvalError> {
        match self.eval(e, occ)? {
            Value::Duration(d) => Ok(d),
            _ => fault(EvalError::ExpectedDuration),
        }
    }

    /// A segment or metric: cached, except while tracing (so its reads show).
    fn definition(&mut self, segment: bool, i: usize) -> EvalResult {
        let defs = if segment {
            &self.program.segments
        } else {
            &self.program.metrics
        };
        let Some(def) = defs.get(i) else {
            return fault(EvalError::UnknownDefinition);
        };
        if self.trace.is_some() {
            return self.traced_definition(segment, i);
        }
        let cache = if segment {
            &self.segments
        } else {
            &self.metrics
        };
        if let Some(Some(cached)) = cache.get(i) {
            return cached.clone();
        }
        let result = self.eval(&def.expr, None);
        let (cache, len) = if segment {
            (&mut self.segments, self.program.segments.len())
        } else {
            (&mut self.metrics, self.program.metrics.len())
        };
        if cache.is_empty() {
            cache.resize(len, None);
        }
        if let Some(slot) = cache.get_mut(i) {
            *slot = Some(result.clone());
        }
        result
    }

    /// A definition while tracing: its inputs' reads, then its own value
    /// (`health = 0.013`), computed once per customer and replayed after.
    fn traced_definition(&mut self, segment: bool, i: usize) -> EvalResult {
        let program = self.program;
        let slot = if segment {
            i
        } else {
            program.segments.len() + i
        };
        if let Some(Some((result, reads))) = self.traced_definitions.get(slot) {
            let (result, reads) = (result.clone(), reads.clone());
            for r in reads {
                self.push_read(r);
            }
            return result;
        }
        let defs = if segment {
            &program.segments
        } else {
            &program.metrics
        };
        let Some(def) = defs.get(i) else {
            return fault(EvalError::UnknownDefinition);
        };
        let outer = self.trace.replace(Vec::new());
        let result = self.eval(&def.expr, None);
        if let Ok(v) = &result {
            let name = &def.name;
            self.read(|_, out| out.push_str(name), v);
        }
        let reads = std::mem::replace(&mut self.trace, outer).unwrap_or_default();
        if self.traced_definitions.is_empty() {
            self.traced_definitions = vec![None; program.segments.len() + program.metrics.len()];
        }
        if let Some(cell) = self.traced_definitions.get_mut(slot) {
            *cell = Some((result.clone(), reads.clone()));
        }
        for r in reads {
            self.push_read(r);
        }
        result
    }

    /// The occurrences of an event visible at `now`, within the window: the
    /// event's log and the range of indices (binary searches over times).
    pub fn window(
        &self,
        event: u32,
        window: Option<Micros>,
    ) -> (&'a EventLog, std::ops::Range<usize>) {
        static EMPTY: EventLog = EventLog {
            at: Vec::new(),
            props: Vec::new(),
            width: 0,
        };
        let log: &'a EventLog = self.snapshot.events.get(event as usize).unwrap_or(&EMPTY);
        let end = log.at.partition_point(|t| *t <= self.now);
        let start = match window {
            Some(w) => {
                let from = self.now.saturating_sub(w);
                log.at
                    .get(..end)
                    .map(|s| s.partition_point(|t| *t <= from))
                    .unwrap_or(0)
            }
            None => 0,
        };
        (log, start..end.max(start))
    }

    /// Forgets the aggregates computed so far (arbitration calls it before
    /// each rule, so the list stays as short as one rule's aggregates).
    pub fn forget_aggregates(&mut self) {
        self.aggregates.clear();
    }

    /// An aggregate outside any `where` (its value depends only on the
    /// customer, `now` and the window), computed once until forgotten.
    fn remembered_aggregate(&mut self, agg: &Aggregate, window: Option<Micros>) -> EvalResult {
        let key = (std::ptr::from_ref(agg).addr(), window);
        if let Some((_, result)) = self.aggregates.iter().find(|(k, _)| *k == key) {
            return result.clone();
        }
        let result = self.aggregate(agg, window);
        if self.aggregates.len() < REMEMBERED_AGGREGATES {
            self.aggregates.push((key, result.clone()));
        }
        result
    }

    /// One pass over the window; only `distinct` keeps values.
    fn aggregate(&mut self, agg: &Aggregate, window: Option<Micros>) -> EvalResult {
        let (log, range) = self.window(agg.event, window);
        let saved = self.trace.take();
        let mut count: i64 = 0;
        let mut first: Option<Micros> = None;
        let mut last: Option<Micros> = None;
        let (mut sum, mut numbers) = (0.0f64, 0usize);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut distinct: Vec<Value> = Vec::new();
        let mut failure = None;
        for i in range {
            let props = log.props_of(i);
            let at = log.at.get(i).copied().unwrap_or(0);
            if let Some(f) = &agg.filter {
                match self.truth(f, Some(props)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            count += 1;
            first.get_or_insert(at);
            last = Some(at);
            let Some(value) = agg.property.and_then(|p| props.get(p as usize)) else {
                continue;
            };
            match agg.kind {
                AggregateKind::Distinct if !value.is_missing() => {
                    if !distinct.iter().any(|s| equal(s, value)) {
                        distinct.push(value.clone());
                    }
                }
                _ => {
                    if let Some(n) = value.as_f64() {
                        sum += n;
                        numbers += 1;
                        min = min.min(n);
                        max = max.max(n);
                    }
                }
            }
        }
        self.trace = saved;
        if let Some(e) = failure {
            return Err(e);
        }
        let present = |v: f64| {
            if numbers == 0 {
                Value::Missing
            } else {
                Value::Number(v)
            }
        };
        Ok(match agg.kind {
            AggregateKind::Count => Value::Int(count),
            AggregateKind::Last => last.map(Value::Time).unwrap_or(Value::Missing),
            AggregateKind::First => first.map(Value::Time).unwrap_or(Value::Missing),
            AggregateKind::Distinct => Value::Int(distinct.len() as i64),
            AggregateKind::Sum => Value::Number(sum),
            AggregateKind::Min => present(min),
            AggregateKind::Max => present(max),
            AggregateKind::Avg => present(sum / numbers.max(1) as f64),
        })
    }

    /// `company.industry`, `plan`: the label of an attribute read.
    fn write_label(&self, out: &mut String, e: &Expr) {
        match e {
            Expr::Attr(slot) => {
                if let Some(a) = self.program.schema.attributes.get(*slot as usize) {
                    out.push_str(&a.name);
                }
            }
            Expr::Field {
                base,
                record,
                index,
            } => {
                let field = self
                    .program
                    .schema
                    .records
                    .get(*record as usize)
                    .and_then(|r| r.get(*index as usize))
                    .map(|f| f.name.as_str())
                    .unwrap_or("?");
                self.write_label(out, base);
                out.push('.');
                out.push_str(field);
            }
            _ => out.push_str("value"),
        }
    }

    fn event_name(&self, event: u32) -> &str {
        self.program
            .schema
            .events
            .get(event as usize)
            .map(|e| e.name.as_str())
            .unwrap_or("?")
    }

    /// `sum(watched.minutes where … within 30d)`: the label of an aggregate.
    fn write_aggregate_label(&self, out: &mut String, agg: &Aggregate, window: Option<Micros>) {
        out.push_str(agg.kind.name());
        out.push('(');
        out.push_str(self.event_name(agg.event));
        let prop = agg.property.and_then(|p| {
            self.program
                .schema
                .events
                .get(agg.event as usize)?
                .props
                .get(p as usize)
        });
        if let Some(p) = prop {
            out.push('.');
            out.push_str(&p.name);
        }
        if agg.filter.is_some() {
            out.push_str(" where …");
        }
        write_window(out, window);
        out.push(')');
    }
}

/// ` within 30d`, or nothing for no window.
fn write_window(out: &mut String, window: Option<Micros>) {
    if let Some(w) = window {
        out.push_str(" within ");
        crate::value::write_duration(out, w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Customer;
    use crate::Ruleset;

    #[test]
    fn segments_and_metrics_are_computed_once_per_customer() {
        let ruleset = Ruleset::from_sources([(
            "r.nudge",
            "schema { plan: \"trial\" | \"pro\"  seats: int }\npolicy { channels email }\n\
             segment trial = plan == \"trial\"\nmetric doubled = seats * 2\n\
             rule a { when trial and doubled > 2 send email \"a\" cooldown 1 day }\n\
             rule b { when trial send email \"b\" cooldown 1 day }",
        )])
        .unwrap();
        let Customer::Valid(snapshot) = ruleset
            .read_customer(r#"{"id": "c", "plan": "trial", "seats": 3}"#)
            .unwrap()
        else {
            panic!("valid customer expected");
        };
        let mut ev = Evaluator::new(ruleset.program(), &snapshot, 0);
        for rule in &ruleset.program().rules {
            for c in &rule.conjuncts {
                assert!(ev.condition(&c.expr).unwrap());
            }
        }
        assert_eq!(ev.segments, vec![Some(Ok(Value::Bool(true)))]);
        assert_eq!(ev.metrics, vec![Some(Ok(Value::Int(6)))]);
    }
}
