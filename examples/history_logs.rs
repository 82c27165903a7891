//! Synthetic decision logs for `bench/history.sh`: one NDJSON file per day,
//! as `nudge eval` writes them (same fields, about 600 bytes a record), for
//! customers `c_000001`… (the ids `nudge gen` gives).
//!
//! Each day every customer gets a `send` with probability RATE (default
//! 0.12, about three messages a month, what the example policy's caps
//! allow) over the example ruleset's rules, one in ten of them `held_out`.
//!
//! With DIR `-`, every day goes to stdout in turn (no disk needed: pipe it
//! into `nudge eval --history` through a FIFO).
//!
//! `cargo run --release --example history_logs -- DIR CUSTOMERS DAYS [RATE]`

use std::io::{BufWriter, Write};
use std::process::exit;

const RULES: [(&str, &str, &str); 6] = [
    ("import_guide", "email", "import_guide"),
    ("invite_teammates", "in_app", "invite_teammates"),
    ("trial_ending_soon", "push", "trial_ends_soon"),
    ("whats_new_digest", "email", "whats_new_a"),
    ("streak_reminder", "push", "keep_your_streak"),
    ("unused_seats", "in_app", "assign_open_seats"),
];

/// splitmix64: reproducible and fast.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, customers, days, rest @ ..] = args.as_slice() else {
        eprintln!("usage: history_logs DIR CUSTOMERS DAYS [RATE]");
        exit(2);
    };
    let number = |text: &str, what: &str| -> f64 {
        text.parse().unwrap_or_else(|_| {
            eprintln!("{what} must be a number, found {text:?}");
            exit(2)
        })
    };
    let customers = number(customers, "CUSTOMERS") as u64;
    let days = number(days, "DAYS") as i64;
    let rate = rest.first().map_or(0.12, |r| number(r, "RATE"));
    let to_stdout = dir == "-";
    if !to_stdout {
        std::fs::create_dir_all(dir)?;
    }
    // The day before 2026-11-23, going back.
    let Some(last) = chrono::NaiveDate::from_ymd_opt(2026, 11, 22) else {
        exit(1)
    };
    let mut rng = Rng(42);
    let mut records = 0u64;
    for d in 0..days {
        let date = last - chrono::Duration::days(days - 1 - d);
        let now = format!("{date}T09:00:00Z");
        let sink: Box<dyn Write> = if to_stdout {
            Box::new(std::io::stdout().lock())
        } else {
            Box::new(std::fs::File::create(format!(
                "{dir}/decisions-{date}.ndjson"
            ))?)
        };
        let mut out = BufWriter::with_capacity(1 << 20, sink);
        for c in 1..=customers {
            if rng.unit() >= rate {
                continue;
            }
            let pick = (rng.next() % RULES.len() as u64) as usize;
            let (rule, channel, message) = RULES.get(pick).copied().unwrap_or(RULES[0]);
            let id = format!("{:016x}{:016x}", rng.next(), rng.next());
            if rng.unit() < 0.1 {
                writeln!(
                    out,
                    r#"{{"decision_id":"{id}","customer":"c_{c:06}","rule":"{rule}","outcome":"held_out","channel":"{channel}","message":"{message}","reason":"in the 10% holdout (bucket 602 < 1000): kept as a control, nothing is sent; counts against caps as if sent","because":[{{"condition":"trial","value":true,"read":["plan = \"trial\"","trial = true"]}},{{"condition":"inactive for 7 days","value":true,"read":["last_seen_at = 2026-11-12T17:30:00Z (10d 15h ago)"]}}],"detail":{{"holdout":"10%","bucket":602}},"now":"{now}","ruleset":"8f2c0d5e3b7a41c69e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"}}"#
                )?;
            } else {
                writeln!(
                    out,
                    r#"{{"decision_id":"{id}","customer":"c_{c:06}","rule":"{rule}","outcome":"send","channel":"{channel}","message":"{message}","params":{{"name":"Ada"}},"deliver_at":"{now}","reason":"all 3 conditions hold: send {channel} \"{message}\" now","because":[{{"condition":"trial","value":true,"read":["plan = \"trial\"","trial = true"]}},{{"condition":"inactive for 7 days","value":true,"read":["last_seen_at = 2026-11-12T17:30:00Z (10d 15h ago)"]}}],"now":"{now}","ruleset":"8f2c0d5e3b7a41c69e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"}}"#
                )?;
            }
            records += 1;
        }
        out.flush()?;
    }
    eprintln!("{records} records in {days} daily logs in {dir}");
    Ok(())
}
