//! `nudge explain`: why one customer gets (or does not get) each message.

use std::io::IsTerminal;
use std::path::PathBuf;

use nudge::batch::{Batch, Format, Input, Record, Rejected, Rejection, Sink, BOM};
use nudge::snapshot::Customer;
use nudge::value::format_time;
use nudge::Ruleset;

/// Show, for one customer, every rule and condition with the values read,
/// the suppressions, and the arbitration outcome of each rule.
///
/// The file is read as `nudge eval` reads it (a byte-order mark and blank
/// lines are skipped); a line before the customer that is not one (not
/// UTF-8, not JSON, no `id`) is reported as `file:line: why` and the next
/// line is read.
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
    let bytes = if args.customer == "-" {
        let mut bytes = Vec::new();
        match std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes) {
            Ok(_) => bytes,
            Err(e) => {
                eprintln!("error: cannot read stdin: {e}");
                return 1;
            }
        }
    } else {
        match std::fs::read(&args.customer) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", args.customer);
                return 1;
            }
        }
    };
    let customer = match pick(&ruleset, &args.customer, bytes, args.id.as_deref()) {
        Ok(customer) => customer,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    let now = args.now.instant();
    let evaluation = ruleset.evaluate_with_explain(&customer, now);
    let color = std::io::stdout().is_terminal();
    let program = ruleset.program();
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

/// The customer to explain: the first of the file, or the one with `id`.
/// The file is read by the library's batch reader, as `nudge eval` reads
/// it (a byte-order mark and blank lines skipped); a line or document that
/// is not a customer before the one chosen (one not in UTF-8, not JSON, no
/// `id`) is reported as `file:line: why` and the next is read. A `.json`
/// file holds one customer object, or an array of them.
fn pick(
    ruleset: &Ruleset,
    name: &str,
    bytes: Vec<u8>,
    id: Option<&str>,
) -> Result<Customer, String> {
    let body = bytes.strip_prefix(BOM.as_bytes()).unwrap_or(&bytes);
    let lower = name.to_ascii_lowercase();
    let format = if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Format::Yaml
    } else if body.trim_ascii_start().starts_with(b"[") {
        Format::JsonArray
    } else if lower.ends_with(".json") {
        // One object, perhaps over several lines.
        let text = std::str::from_utf8(body)
            .map_err(|e| format!("cannot read {name}: not valid UTF-8 ({e})"))?;
        let customer = ruleset
            .read_customer(text.trim())
            .map_err(|e| format!("{name}: {e}"))?;
        return match id {
            Some(id) if customer.id() != id => Err(format!("no customer with id {id:?} in {name}")),
            _ => Ok(customer),
        };
    } else {
        Format::Lines
    };
    let read = |record: Record<'_>| record.read(ruleset).map_err(Rejection::from);
    let mut sink = Pick { id, chosen: None };
    Batch::new(read)
        .run(
            Input::from_reader(name, format, std::io::Cursor::new(bytes)),
            &mut sink,
        )
        .map_err(|e| e.to_string())?;
    sink.chosen.ok_or_else(|| {
        format!(
            "no customer{} in {name}",
            id.map(|id| format!(" with id {id:?}")).unwrap_or_default()
        )
    })
}

/// Keeps the first customer (with the id asked for); reports the records
/// that are not customers before it.
struct Pick<'a> {
    id: Option<&'a str>,
    chosen: Option<Customer>,
}

impl Sink<Customer> for Pick<'_> {
    fn output(&mut self, _line: u64, customer: Customer) -> std::io::Result<()> {
        if self.chosen.is_none() && self.id.is_none_or(|id| customer.id() == id) {
            self.chosen = Some(customer);
        }
        Ok(())
    }

    fn rejected(&mut self, rejected: &Rejected) -> std::io::Result<()> {
        if self.chosen.is_none() {
            eprintln!("{rejected}");
        }
        Ok(())
    }
}
