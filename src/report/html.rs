//! The report as one self-contained HTML page: inline CSS and inline SVG
//! charts, no script, no font, no image and no link that leaves the page,
//! so it opens the same offline, attached to an email or in a CI artifact.
//!
//! Per rule: a headline sentence, a chart of conversion rates (bars) with
//! their 95% intervals (whiskers) for control, treated and each variant, a
//! chart of the lift against zero with its interval, and the table.

use std::fmt::Write;

use crate::markup::{escape, Markup};

use super::{
    lift_cells, p_value, percent, points, rate_cell, Comparison, Group, Report, RuleReport, Verdict,
};

const STYLE: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;margin:0;background:#f5f7fa}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:0 0 2px}
.sub{color:#52606d;margin:0 0 20px}
section{background:#fff;border:1px solid #e4e7eb;border-radius:10px;padding:18px 22px;margin:0 0 18px}
code{background:#f0f4f8;padding:1px 5px;border-radius:4px;font-size:13px}
.headline{font-size:16px;margin:10px 0 6px}
.badge{display:inline-block;white-space:nowrap;padding:2px 10px;border-radius:12px;font-size:13px;font-weight:600;color:#fff;vertical-align:middle}
.lift{background:#1f9d55}.harm{background:#cc1f1a}.no_clear_difference{background:#7b8794}
.not_enough_data,.no_control_group{background:#b08900}
.charts{display:flex;flex-wrap:wrap;gap:10px 28px;margin:8px 0}
.charts figure{margin:0}.charts figcaption{font-size:13px;color:#52606d;margin:0 0 2px}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin-top:8px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e4e7eb}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:#52606d;font-size:13px}
svg text{font:12px system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;fill:#323f4b}
";

const CONTROL: &str = "#9aa5b1";
const TREATED: &str = "#2680c2";
const VARIANTS: [&str; 4] = ["#7c5cc4", "#d9822b", "#0e7c86", "#b83280"];

/// Renders the report as a self-contained HTML page.
pub fn html(report: &Report) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>nudge lift report</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style></head><body><main>\n<h1>Did the messages work?</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"sub\">Lift report as of {}: {}.</p>",
        esc(&report.as_of),
        report.inputs_sentence()
    );
    if report.rules.is_empty() {
        out.push_str("<section><p>No rule has a <code>goal</code> clause: add <code>goal EVENT within D</code> to a rule with a <code>holdout</code> to measure it.</p></section>\n");
    }
    for rule in &report.rules {
        section(&mut out, rule, report.min_sample);
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">How to read this: a customer converts when the goal happens within its window after the message (for the control group, after the moment it was held out). Bars are conversion rates, whiskers their 95% confidence intervals. The lift is the treated rate minus the control rate; when its whole interval is above zero the message works. {}</p>",
        esc(&report.method_sentence())
    );
    if let Some((sentence, first)) = report.rejected() {
        let _ = writeln!(
            out,
            "<p class=\"note\">{sentence}, first:</p><ul class=\"note\">"
        );
        for p in first {
            let _ = writeln!(out, "<li><code>{}</code></li>", esc(&p));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</main></body></html>\n");
    out
}

fn section(out: &mut String, rule: &RuleReport, min_sample: u64) {
    let _ = writeln!(
        out,
        "<section>\n<h2>{}</h2>\n<code>{}</code>",
        esc(&rule.rule),
        esc(&rule.goal)
    );
    let c = &rule.overall;
    let headline = match (&c.lift, c.verdict) {
        (Some(l), _) => format!(
            "Treated customers converted at <b>{}</b> against <b>{}</b> for the control group: <b>{}</b> (95% CI {} to {}), p {}.",
            percent(c.treated.rate),
            percent(rule.control.rate),
            points(l.absolute),
            points(l.absolute_ci.0),
            points(l.absolute_ci.1),
            match p_value(l.p_value) {
                p if p.starts_with('<') => p,
                p => format!("= {p}"),
            }
        ),
        (None, Verdict::NoControlGroup) => String::from(
            "No customer was held out, so there is nothing to compare with: give the rule a <code>holdout</code>.",
        ),
        (None, _) => format!(
            "Not enough data yet: {} treated and {} control customers, at least {min_sample} of each are needed.",
            c.treated.customers, rule.control.customers
        ),
    };
    let _ = writeln!(
        out,
        "<p class=\"headline\"><span class=\"badge {}\">{}</span> {headline}</p>",
        verdict_class(c.verdict),
        c.verdict.text()
    );
    let mut rows: Vec<(&Group, &str)> = vec![(&rule.control, CONTROL), (&c.treated, TREATED)];
    for (i, v) in rule.variants.iter().enumerate() {
        let color = VARIANTS.get(i % VARIANTS.len()).copied().unwrap_or(TREATED);
        rows.push((&v.treated, color));
    }
    out.push_str("<div class=\"charts\">");
    rates_chart(out, &rows);
    let comparisons: Vec<&Comparison> = std::iter::once(c).chain(&rule.variants).collect();
    if comparisons.iter().any(|c| c.lift.is_some()) {
        lift_chart(out, &comparisons);
    }
    out.push_str("</div>\n");
    table(out, rule, min_sample);
    if let Some(note) = super::pending_note(rule) {
        let _ = writeln!(out, "<p class=\"note\">{note}</p>");
    }
    out.push_str("</section>\n");
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Lift => "lift",
        Verdict::Harm => "harm",
        Verdict::NoClearDifference => "no_clear_difference",
        Verdict::NotEnoughData => "not_enough_data",
        Verdict::NoControlGroup => "no_control_group",
    }
}

fn row_label(g: &Group) -> String {
    match g.label.as_str() {
        "control" => String::from("control (held out)"),
        "treated" => String::from("treated (sent)"),
        m => format!("\u{201c}{m}\u{201d}"),
    }
}

/// A round axis maximum at or above `v`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 0.01;
    }
    let mag = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|x| *x >= v * 0.999_999)
        .unwrap_or(10.0 * mag)
}

const LABEL_W: f64 = 130.0;
const PLOT_W: f64 = 220.0;
const ROW_H: f64 = 30.0;

/// Conversion rates as bars with 95% Wilson whiskers, on a 0-based axis.
fn rates_chart(out: &mut String, rows: &[(&Group, &str)]) {
    let top = rows.iter().map(|(g, _)| g.rate_ci.1).fold(0.0, f64::max);
    let max = nice_ceiling(top.max(0.001));
    let height = ROW_H * rows.len() as f64 + 36.0;
    let width = LABEL_W + PLOT_W + 70.0;
    let x = |v: f64| LABEL_W + PLOT_W * (v / max).clamp(0.0, 1.0);
    let _ = write!(
        out,
        "<figure><figcaption>Conversion rate, 95% interval</figcaption><svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"conversion rates\">"
    );
    axis(out, rows.len(), |i| {
        let v = max * f64::from(i) / 4.0;
        (x(v), percent(v))
    });
    for (i, (g, color)) in rows.iter().enumerate() {
        let y = 8.0 + ROW_H * i as f64;
        let mid = y + ROW_H / 2.0 - 4.0;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL_W - 8.0,
            mid + 4.0,
            esc(&row_label(g))
        );
        if g.customers == 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#7b8794\">no customers</text>",
                LABEL_W + 4.0,
                mid + 4.0
            );
            continue;
        }
        let _ = write!(
            out,
            "<rect x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" rx=\"2\"/>",
            y + 5.0,
            (x(g.rate) - LABEL_W).max(0.5),
            ROW_H - 18.0
        );
        whisker(out, x(g.rate_ci.0), x(g.rate_ci.1), mid);
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"600\">{}</text>",
            x(g.rate_ci.1) + 6.0,
            mid + 4.0,
            percent(g.rate)
        );
    }
    out.push_str("</svg></figure>");
}

/// The lift of each treated group with its 95% interval, against zero.
fn lift_chart(out: &mut String, comparisons: &[&Comparison]) {
    let reach = comparisons
        .iter()
        .filter_map(|c| c.lift)
        .map(|l| l.absolute_ci.0.abs().max(l.absolute_ci.1.abs()))
        .fold(0.0, f64::max);
    let max = nice_ceiling(reach.max(0.001));
    let height = ROW_H * comparisons.len() as f64 + 36.0;
    let width = LABEL_W + PLOT_W + 70.0;
    let x = |v: f64| LABEL_W + PLOT_W * ((v + max) / (2.0 * max)).clamp(0.0, 1.0);
    let _ = write!(
        out,
        "<figure><figcaption>Lift vs control (percentage points), 95% interval</figcaption><svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"lift against control\">"
    );
    axis(out, comparisons.len(), |i| {
        let v = -max + 2.0 * max * f64::from(i) / 4.0;
        let label = if v.abs() < 1e-12 {
            String::from("0")
        } else {
            format!("{:+.1}", v * 100.0)
        };
        (x(v), label)
    });
    let zero = x(0.0);
    let bottom = 8.0 + ROW_H * comparisons.len() as f64;
    let _ = write!(
        out,
        "<line x1=\"{zero:.1}\" y1=\"4\" x2=\"{zero:.1}\" y2=\"{bottom:.1}\" stroke=\"#323f4b\" stroke-width=\"1.5\"/>"
    );
    for (i, c) in comparisons.iter().enumerate() {
        let mid = 8.0 + ROW_H * i as f64 + ROW_H / 2.0 - 4.0;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL_W - 8.0,
            mid + 4.0,
            esc(&row_label(&c.treated))
        );
        let Some(l) = c.lift else {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#7b8794\">{}</text>",
                LABEL_W + 4.0,
                mid + 4.0,
                c.verdict.text()
            );
            continue;
        };
        let color = match c.verdict {
            Verdict::Lift => "#1f9d55",
            Verdict::Harm => "#cc1f1a",
            _ => "#52606d",
        };
        let (lo, hi) = (x(l.absolute_ci.0), x(l.absolute_ci.1));
        let _ = write!(
            out,
            "<line x1=\"{lo:.1}\" y1=\"{mid:.1}\" x2=\"{hi:.1}\" y2=\"{mid:.1}\" stroke=\"{color}\" stroke-width=\"3\"/><circle cx=\"{:.1}\" cy=\"{mid:.1}\" r=\"5\" fill=\"{color}\"/>",
            x(l.absolute)
        );
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{color}\" font-weight=\"600\">{}</text>",
            hi + 6.0,
            mid + 4.0,
            points(l.absolute)
        );
    }
    out.push_str("</svg></figure>");
}

/// Vertical grid lines with labels under the rows: five ticks.
fn axis(out: &mut String, rows: usize, tick: impl Fn(u32) -> (f64, String)) {
    let bottom = 8.0 + ROW_H * rows as f64;
    for i in 0..=4 {
        let (x, label) = tick(i);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"4\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#e4e7eb\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#7b8794\">{}</text>",
            bottom + 16.0,
            esc(&label)
        );
    }
}

fn whisker(out: &mut String, lo: f64, hi: f64, y: f64) {
    let _ = write!(
        out,
        "<path d=\"M{lo:.1} {:.1}v10M{lo:.1} {y:.1}H{hi:.1}M{hi:.1} {:.1}v10\" stroke=\"#1f2933\" stroke-width=\"1.5\" fill=\"none\"/>",
        y - 5.0,
        y - 5.0
    );
}

fn table(out: &mut String, rule: &RuleReport, min_sample: u64) {
    out.push_str("<table><thead><tr><th>group</th><th>customers</th><th>converted</th><th>rate (95% CI)</th><th>lift vs control (95% CI)</th><th>relative lift (95% CI)</th><th>p-value</th><th>verdict</th></tr></thead><tbody>\n");
    let cells = |g: &Group| {
        format!(
            "<td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td>",
            esc(&row_label(g)),
            g.customers,
            g.converted,
            rate_cell(g)
        )
    };
    let _ = writeln!(
        out,
        "<tr>{}<td></td><td></td><td></td><td></td></tr>",
        cells(&rule.control)
    );
    for c in std::iter::once(&rule.overall).chain(&rule.variants) {
        let badge = format!(
            "<span class=\"badge {}\">{}</span>",
            verdict_class(c.verdict),
            c.verdict.text()
        );
        let tail = match &c.lift {
            Some(l) => {
                let [absolute, relative, p_value] = lift_cells(l);
                format!("<td>{absolute}</td><td>{relative}</td><td class=\"n\">{p_value}</td><td>{badge}</td>")
            }
            None => format!(
                "<td>—</td><td>—</td><td>—</td><td>{badge}{}</td>",
                if c.verdict == Verdict::NotEnoughData {
                    format!(" <span class=\"note\">needs {min_sample} per group</span>")
                } else {
                    String::new()
                }
            ),
        };
        let _ = writeln!(out, "<tr>{}{tail}</tr>", cells(&c.treated));
    }
    out.push_str("</tbody></table>\n");
}

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    escape(text, Markup::Html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_ceiling(0.137), 0.2);
        assert_eq!(nice_ceiling(0.21), 0.25);
        assert_eq!(nice_ceiling(0.3), 0.5);
        assert_eq!(nice_ceiling(0.05), 0.05);
        assert_eq!(nice_ceiling(0.0), 0.01);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
