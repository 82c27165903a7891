//! `nudge explain`: why one customer gets (or does not get) each message.

use std::io::IsTerminal;
use std::path::PathBuf;

use nudge::snapshot::{self, Customer};
use nudge::value::format_time;

/// Show, for one customer, every rule and condition with the values read,
/// the suppressions, and the arbitration outcome of each rule.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset directory.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// A file with the customer (`.json`, `.ndjson`, `.yaml`); `-` for stdin.
    #[arg(long)]
    customer: String,
    /// Which customer of the file (default: the first).
    #[arg(long)]
    id: Option<String>,
    #[command(flatten)]
    now: super::now::Now,
}

pub fn run(args: Args) -> u8 {
    let Some(ruleset) = super::load_ruleset(&args.rules) else {
        return 1;
    };
    let text = if args.customer == "-" {
        let mut s = String::new();
        match std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            Ok(_) => s,
            Err(e) => {
                eprintln!("error: cannot read stdin: {e}");
                return 1;
            }
        }
    } else {
        match std::fs::read_to_string(&args.customer) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", args.customer);
                return 1;
            }
        }
    };
    let program = ruleset.program();
    let lower = args.customer.to_ascii_lowercase();
    let customers: Vec<Result<Customer, snapshot::RejectedInput>> =
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            snapshot::from_yaml_str(program, &text)
        } else if text.trim_start().starts_with('[') {
            match snapshot::from_json_array(program, &text) {
                Ok(c) => c,
                Err(e) => vec![Err(e)],
            }
        } else if lower.ends_with(".json") {
            vec![snapshot::from_json_str(program, &text)]
        } else {
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| snapshot::from_json_str(program, l))
                .collect()
        };
    let mut chosen = None;
    for (i, c) in customers.into_iter().enumerate() {
        match c {
            Ok(c) if args.id.as_deref().is_none_or(|id| c.id() == id) => {
                chosen = Some(c);
                break;
            }
            Ok(_) => {}
            Err(e) if args.id.is_none() => {
                eprintln!("error: {} customer #{}: {e}", args.customer, i + 1);
                return 1;
            }
            Err(_) => {}
        }
    }
    let Some(customer) = chosen else {
        eprintln!(
            "error: no customer{} in {}",
            args.id
                .map(|id| format!(" with id {id:?}"))
                .unwrap_or_default(),
            args.customer
        );
        return 1;
    };
    let now = args.now.instant();
    let evaluation = ruleset.evaluate_with_explain(&customer, now);
    let color = std::io::stdout().is_terminal();
    print!(
        "{}",
        nudge::decision::explain::render(
            program,
            &evaluation,
            &format_time(now.timestamp_micros()),
            ruleset.hash(),
            color
        )
    );
    0
}
