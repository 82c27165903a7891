//! Walking compiled expressions: the direct sub-expressions of a node, and
//! whether an expression reads the customer's local time (through segments
//! and metrics too), for the unknown-zone warning of decisions.

use super::{Expr, Program, Window};

/// How deep segments and metrics may refer to one another before a walk stops.
const MAX_DEPTH: usize = 512;

impl Expr {
    /// The direct sub-expressions, windows and filters included.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Const(_)
            | Expr::Attr(_)
            | Expr::Prop { .. }
            | Expr::Segment(_)
            | Expr::Metric(_)
            | Expr::Now => Vec::new(),
            Expr::Field { base: x, .. }
            | Expr::Not(x)
            | Expr::IsPresent(x)
            | Expr::IsMissing(x)
            | Expr::Neg(x)
            | Expr::Local(_, x)
            | Expr::InList { value: x, .. } => vec![x],
            Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::Compare(_, a, b)
            | Expr::Contains(a, b)
            | Expr::OlderThan(a, b)
            | Expr::Within(a, b)
            | Expr::Default(a, b)
            | Expr::Arith(_, a, b) => vec![a, b],
            Expr::Inactive(Window::Computed(e)) => vec![e],
            Expr::Inactive(Window::Fixed(_)) => Vec::new(),
            Expr::AtLeast { window: w, .. } | Expr::Sent { window: w, .. } => {
                window(w).into_iter().collect()
            }
            Expr::Call(_, args) => args.iter().collect(),
            Expr::Aggregate(agg) => agg.filter.iter().chain(window(&agg.window)).collect(),
            Expr::If { branches, .. } => branches.iter().collect(),
        }
    }
}

/// The expression of a computed window.
fn window(w: &Option<Window>) -> Option<&Expr> {
    match w {
        Some(Window::Computed(e)) => Some(e),
        _ => None,
    }
}

/// Whether evaluating `e` may read the customer's local time.
pub fn reads_local_time(program: &Program, e: &Expr) -> bool {
    let mut stack = vec![(e, 0usize)];
    while let Some((e, depth)) = stack.pop() {
        let definition = match e {
            Expr::Local(..) => return true,
            Expr::Segment(i) => program.segments.get(*i as usize),
            Expr::Metric(i) => program.metrics.get(*i as usize),
            _ => None,
        };
        if depth >= MAX_DEPTH {
            continue;
        }
        if let Some(d) = definition {
            stack.push((&d.expr, depth + 1));
        }
        stack.extend(e.children().into_iter().map(|c| (c, depth + 1)));
    }
    false
}
