//! The layout of `nudge fmt`, by example.

use super::*;

fn fmt(text: &str) -> String {
    match format_source(FileId(0), text) {
        Ok(out) => out,
        Err(d) => panic!("parse errors in {text:?}: {d:?}"),
    }
}

/// Formats and checks that formatting again changes nothing.
fn formats_as(text: &str, expected: &str) {
    assert_eq!(fmt_stable(text), expected);
}

fn fmt_stable(text: &str) -> String {
    let once = fmt(text);
    assert_eq!(fmt(&once), once, "not idempotent, from:\n{text}");
    once
}

/// The examples of `docs/language.md#a-ruleset`, the style reference.
const SPEC_SCHEMA: &str = r#"# rules/schema.nudge
schema {
  plan: "trial" | "starter" | "pro" | "enterprise"
  signed_up_at: time
  last_seen_at: time?
  churned_at: time?
  seats_paid: int
  seats_active: int
  mrr: number
  open_tickets: int
  vip: bool
  email_opt_in: bool
  first_name: string?
  timezone: string?
  feature_requests: list<string>
  company: { name: string, industry: string? }

  event imported_data
  event invited_teammate
  event logged_in
  event watched { minutes: number }
  event feature_used { feature: string }
}

policy {
  channels email, in_app, push
  activity last_seen_at ?? signed_up_at
  timezone timezone ?? "UTC"
  quiet hours 21:00 to 08:00
  at most 1 message per day
  at most 3 messages per 7 days
  at most 2 email messages per 7 days
}
"#;

const SPEC_RULES: &str = r#"# rules/onboarding.nudge
segment trial = plan == "trial"
segment getting_value = sum(watched.minutes within 30 days) >= 15
metric breadth = distinct(feature_used.feature within 30 days)

# Trial users who stalled before importing their data.
rule import_guide {
  describe "Trial users inactive for a week who never imported data get the import guide"
  tags onboarding, reminder
  when trial
   and inactive for 7 days
   and never imported_data
  send email "import_guide" with { name: first_name ?? "there" }
  priority 80
  cooldown 14 days
  holdout 10%
}

# Ask for teammates only after a milestone.
rule invite_teammates {
  when imported_data at least 1 time
   and feature_used at least 5 times within 14 days
   and never invited_teammate
  send in_app "invite_teammates"
  priority 50
  cooldown 30 days
}

rule whats_new_digest {
  when inactive for 30 days and plan != "trial"
  send email {
    "whats_new_a" 50%
    "whats_new_b" 50%
  }
  priority 20
  cooldown 30 days
}

suppress support_first when vip and open_tickets >= 2 for tag reminder
suppress no_email_consent when not email_opt_in for channel email
suppress long_gone when churned_at is present and churned_at older than 180 days
"#;

#[test]
fn spec_examples_are_canonical() {
    assert_eq!(fmt(SPEC_SCHEMA), SPEC_SCHEMA);
    assert_eq!(fmt(SPEC_RULES), SPEC_RULES);
}

#[test]
fn parse_errors_are_returned() {
    let errors = format_source(FileId(0), "rule x {\n  when\n}\n");
    assert!(errors.is_err_and(|d| d.iter().any(Diagnostic::is_error)));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n  \n"), "");
    assert_eq!(fmt("\n\n# a  \n\n\n#b\n\n"), "# a\n\n#b\n");
}

#[test]
fn schema_types_are_canonical() {
    formats_as(
        "schema { a:int b : list < string >? c:{x:string,y:\"p\"|\"q\"?} d: \"a\"|\"b\"\n\
         event e event f {} event g { p: number q: string? } }",
        "schema {\n  a: int\n  b: list<string>?\n  c: { x: string, y: \"p\" | \"q\"? }\n  d: \"a\" | \"b\"\n  \
         event e\n  event f\n  event g { p: number, q: string? }\n}\n",
    );
}

#[test]
fn policy_clauses_are_canonical() {
    formats_as(
        "policy { channels a ,b,c activity x??y timezone \"UTC\" quiet hours 9:05 to 7:00 \
         quiet hours 21:00 to 08:00 for a,b at most 1 messages per day at most 2 a message per 7d \
         at most 3 messages per 1 week at most 4 messages per days }",
        "policy {\n  channels a, b, c\n  activity x ?? y\n  timezone \"UTC\"\n  quiet hours 09:05 to 07:00\n  \
         quiet hours 21:00 to 08:00 for a, b\n  at most 1 message per day\n  at most 2 a messages per 7d\n  \
         at most 3 messages per 1 week\n  at most 4 messages per days\n}\n",
    );
}

#[test]
fn goal_clauses_are_canonical() {
    formats_as(
        "rule r { when a send push \"m\" goal   watched  where minutes>=5 and (big) within 2d }\n\
         rule s { when a send push \"n\" goal logged_in within 14 days }",
        "rule r {\n  when a\n  send push \"m\"\n  goal watched where minutes >= 5 and (big) within 2d\n}\n\n\
         rule s {\n  when a\n  send push \"n\"\n  goal logged_in within 14 days\n}\n",
    );
}

#[test]
fn rule_clauses_keep_their_order() {
    formats_as(
        "rule r { holdout 2.5% cooldown 2w priority -3 send push \"m\" with {a:1,b:x??\"y\"} \
         when a tags x,y describe \"d \\\"q\\\"\" }",
        "rule r {\n  holdout 2.5%\n  cooldown 2w\n  priority -3\n  send push \"m\" with { a: 1, b: x ?? \"y\" }\n  \
         when a\n  tags x, y\n  describe \"d \\\"q\\\"\"\n}\n",
    );
}

#[test]
fn variants_print_as_a_block() {
    formats_as(
        "rule r {\n  send email { \"a\" 50% \"b\" 50% } with { n: 1 }\n  when x\n}\n",
        "rule r {\n  send email {\n    \"a\" 50%\n    \"b\" 50%\n  } with { n: 1 }\n  when x\n}\n",
    );
    formats_as(
        "rule r {\n  send email {\"a\" 60%, \"b\" 40%,}\n}\n",
        "rule r {\n  send email {\n    \"a\" 60%\n    \"b\" 40%\n  }\n}\n",
    );
}

#[test]
fn when_with_three_conjuncts_breaks() {
    formats_as(
        "rule r {\n  when a and (b or c) and not d\n}\n",
        "rule r {\n  when a\n   and (b or c)\n   and not d\n}\n",
    );
}

#[test]
fn when_with_two_short_conjuncts_stays_on_one_line() {
    formats_as(
        "rule r {\n  when a\n   and b\n}\n",
        "rule r {\n  when a and b\n}\n",
    );
    // Parentheses make one conjunct; nested chains never break.
    formats_as(
        "rule r {\n  when (a and b and c)\n}\n",
        "rule r {\n  when (a and b and c)\n}\n",
    );
}

#[test]
fn long_two_conjunct_when_breaks() {
    let a = "a_very_long_attribute_name_number_one == \"some fairly long value\"";
    let b = "another_long_attribute_name >= 12345";
    formats_as(
        &format!("rule r {{\n  when {a} and {b}\n}}\n"),
        &format!("rule r {{\n  when {a}\n   and {b}\n}}\n"),
    );
    // Exactly 80 columns stays on one line.
    let c = "x".repeat(80 - "  when a and ".len());
    formats_as(
        &format!("rule r {{\n  when a and {c}\n}}\n"),
        &format!("rule r {{\n  when a and {c}\n}}\n"),
    );
}

#[test]
fn or_chains_break_with_or_aligned_under_when() {
    formats_as(
        "rule r {\n  when a or b and c or d\n}\n",
        "rule r {\n  when a\n    or b and c\n    or d\n}\n",
    );
    formats_as(
        "rule r {\n  when a or b\n}\n",
        "rule r {\n  when a or b\n}\n",
    );
}

#[test]
fn one_line_items() {
    formats_as(
        "segment  s=a\nmetric m = count( e where p==1 within 7 days )\nsuppress x when a or b for channel email\n\
         suppress y when c for tag t\nsuppress z when d\n",
        "segment s = a\nmetric m = count(e where p == 1 within 7 days)\n\
         suppress x when a or b for channel email\nsuppress y when c for tag t\nsuppress z when d\n",
    );
}

#[test]
fn blank_lines_between_items() {
    // One-line items together stay together; a blank line in the source
    // (however many) becomes one; block items always get one.
    formats_as("\n\nsegment a = 1\nsegment b = 2\n\n\n\nsegment c = 3\nrule r {\n  when a\n}\nsegment d = 4\n\n\n", "segment a = 1\nsegment b = 2\n\nsegment c = 3\n\nrule r {\n  when a\n}\n\nsegment d = 4\n");
    formats_as(
        "schema { a: int }\npolicy { channels email }\nsegment a = 1",
        "schema {\n  a: int\n}\n\npolicy {\n  channels email\n}\n\nsegment a = 1\n",
    );
}

#[test]
fn blank_lines_inside_blocks() {
    formats_as(
        "rule r {\n\n\n  when a\n\n\n\n  send e \"m\"\n  priority 1\n\n}\n",
        "rule r {\n  when a\n\n  send e \"m\"\n  priority 1\n}\n",
    );
    // No blank lines inside a broken `when` or a variants block.
    formats_as(
        "rule r {\n  when a\n\n and b\n\n and c\n  send e {\n\n \"x\" 100%\n\n }\n}\n",
        "rule r {\n  when a\n   and b\n   and c\n  send e {\n    \"x\" 100%\n  }\n}\n",
    );
}

#[test]
fn leading_and_trailing_comments() {
    let src = "# file header\n\n# about a\nsegment a = 1   # one\n# about r\nrule r { # the rule\n  # the condition\n  when a and b and c # c\n  \
                   # about b\n   and d\n  send e { # variants\n    # first\n    \"x\" 50%\n    \"y\" 50% # second\n  } # after\n}\n";
    formats_as(
        src,
        "# file header\n\n# about a\nsegment a = 1  # one\n\n# about r\nrule r {  # the rule\n  # the condition\n  when a\n   and b\n   and c  # c\n  \
         # about b\n   and d\n  send e {  # variants\n    # first\n    \"x\" 50%\n    \"y\" 50%  # second\n  }  # after\n}\n",
    );
}

#[test]
fn comments_at_the_end_of_blocks_and_file() {
    let src = "rule r {\n  when a\n\n  # disabled:\n  # priority 3\n\n}\nschema {\n  a: int\n  # more later\n}\n\n# the end\n";
    formats_as(src, "rule r {\n  when a\n\n  # disabled:\n  # priority 3\n}\n\nschema {\n  a: int\n  # more later\n}\n\n# the end\n");
    // An empty block keeps its comments inside.
    formats_as(
        "rule r { # hdr\n# nothing yet\n}\n",
        "rule r {  # hdr\n  # nothing yet\n}\n",
    );
}

#[test]
fn comments_never_move_to_another_item() {
    // A comment inside a one-line item written over several lines stays
    // with that item, before it.
    let src = "segment a = x and\n  # why y\n  y\nsegment b = z\n";
    formats_as(src, "# why y\nsegment a = x and y\nsegment b = z\n");
    // A comment after an item, before the next one, leads the next one.
    let src = "segment a = x\n# about b\nsegment b = z\n";
    formats_as(src, src);
    let src = "segment a = x\n# about a, really\n\nsegment b = z\n";
    formats_as(src, src);
}

#[test]
fn two_trailing_comments_on_one_line() {
    // The joined `when` has two trailing comments: the first stays, the
    // second goes before the line.
    let src = "rule r {\n  when a # first\n    and b # second\n  send e \"m\"\n}\n";
    formats_as(
        src,
        "rule r {\n  # second\n  when a and b  # first\n  send e \"m\"\n}\n",
    );
    let src = "segment s = 1 + # one\n  2 # two\n";
    formats_as(src, "# two\nsegment s = 1 + 2  # one\n");
}

#[test]
fn hash_inside_strings_is_not_a_comment() {
    let src = "rule r {\n  send e \"#1\" with { t: \"a # b\" }  # real\n}\n";
    formats_as(src, src);
    let comments = scan_comments(src);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments.first().map(|c| c.text.as_str()), Some("# real"));
}

#[test]
fn comment_text_is_trimmed_at_the_end_only() {
    let src = "#   indented text   \t\r\nsegment a = 1 #x  \r\n";
    formats_as(src, "#   indented text\nsegment a = 1  #x\n");
}

#[test]
fn blank_line_detection() {
    assert!(!has_blank_line("a\nb", 1, 2));
    assert!(has_blank_line("a\n\nb", 1, 3));
    assert!(has_blank_line("a # c\n \t\n  b", 1, 11));
    assert!(!has_blank_line("a # c\n  b", 1, 8));
}

#[test]
fn version_1_1_policy_and_delivery_clauses() {
    let text = "policy {\n channels email,push,sms\n consent   sms when sms_opt_in??false\n at most 1 email message tagged digest per 7days\n at most 2 messages tagged digest per week\n}\nrule r {\n when true\n send sms or  push\n or email \"m\"\n deliver at 9:05 on mon,thu\n cooldown 1 day\n}\nrule v {\n when true\n send email or push {\"a\" 50% \"b\" 50%}\n cooldown 1 day\n}\n";
    formats_as(
        text,
        "policy {\n  channels email, push, sms\n  consent sms when sms_opt_in ?? false\n  at most 1 email message tagged digest per 7 days\n  at most 2 messages tagged digest per week\n}\n\nrule r {\n  when true\n  send sms or push or email \"m\"\n  deliver at 09:05 on mon, thu\n  cooldown 1 day\n}\n\nrule v {\n  when true\n  send email or push {\n    \"a\" 50%\n    \"b\" 50%\n  }\n  cooldown 1 day\n}\n",
    );
}
