//! Duplicate customer ids over a whole run, in little memory:
//! [`UniqueCustomers`] keeps a 64-bit fingerprint of every id seen and
//! where it was first seen (12 bytes a bucket), not the ids themselves.
//!
//! The fingerprints live in 256 open-addressing tables (chosen by the top
//! byte), each grown by a quarter when it is 85 % full, so memory stays
//! near 15 bytes a customer (about 75 MB at 5 million) and a resize never
//! holds two copies of the whole set. Fingerprints come from a hash keyed
//! at random for each run, so no input can aim collisions at it.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use super::reject::{Rejection, Unit};
use super::{Admit, CustomerOutput};

/// Tables (the top byte of a fingerprint picks one).
const SHARDS: usize = 256;
/// Buckets of a new table.
const FIRST_CAPACITY: usize = 64;
/// "Not seen yet" in a table (a fingerprint of 0 is stored as 1).
const EMPTY: u64 = 0;

/// Rejects a record whose customer id was already seen (in this run, over
/// all its inputs) with [`Rejection::Duplicate`], which names where the id
/// was first seen. Call [`UniqueCustomers::input`] before each input.
#[derive(Debug, Clone)]
pub struct UniqueCustomers {
    hasher: std::collections::hash_map::RandomState,
    shards: Vec<Shard>,
    /// Every input so far: the run-wide number of its line 0, name, unit.
    inputs: Vec<(u64, Arc<str>, Unit)>,
    /// Run-wide number of the current input's line 0.
    base: u64,
    /// The highest line seen in the current input.
    last: u64,
}

/// One open-addressing table (linear probing): fingerprints and the
/// run-wide line of their first record, side by side.
#[derive(Debug, Clone, Default)]
struct Shard {
    keys: Vec<u64>,
    lines: Vec<u32>,
    len: usize,
}

impl Default for UniqueCustomers {
    fn default() -> UniqueCustomers {
        UniqueCustomers {
            hasher: std::collections::hash_map::RandomState::new(),
            shards: vec![Shard::default(); SHARDS],
            inputs: Vec::new(),
            base: 0,
            last: 0,
        }
    }
}

impl UniqueCustomers {
    /// The records that follow come from the input `name`, numbered by
    /// `unit` (lines, or customers in a JSON array or YAML file).
    pub fn input(&mut self, name: &str, unit: Unit) {
        self.base = self.inputs.last().map_or(0, |_| self.base + self.last);
        self.last = 0;
        self.inputs.push((self.base, Arc::from(name), unit));
    }

    /// Ids seen (each counted once).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len).sum()
    }

    /// Whether no id was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held by the fingerprint tables.
    pub fn memory(&self) -> usize {
        self.shards.iter().map(|s| s.keys.capacity() * 12).sum()
    }

    fn fingerprint(&self, id: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(id.as_bytes());
        match h.finish() {
            EMPTY => 1,
            fp => fp,
        }
    }

    /// `file:line` (or `file: customer #n`) of a run-wide line.
    fn place(&self, global: u64) -> String {
        let at = self.inputs.partition_point(|(base, _, _)| *base < global);
        match at.checked_sub(1).and_then(|i| self.inputs.get(i)) {
            Some((base, name, Unit::Line)) => format!("{name}:{}", global - base),
            Some((base, name, Unit::Customer)) => {
                format!("{name}: customer #{}", global - base)
            }
            None => format!("line {global}"),
        }
    }
}

impl<T: CustomerOutput> Admit<T> for UniqueCustomers {
    fn admit(&mut self, line: u64, output: &T) -> Result<(), Rejection> {
        if self.inputs.is_empty() {
            self.input("input", Unit::Line);
        }
        self.last = self.last.max(line);
        let fp = self.fingerprint(output.customer());
        let global = self.base + line;
        // Lines past u32::MAX run-wide are stored as u32::MAX (still a
        // duplicate, with an approximate place).
        let stored = u32::try_from(global).unwrap_or(u32::MAX);
        let shard_index = (fp >> 56) as usize;
        let Some(shard) = self.shards.get_mut(shard_index) else {
            return Ok(());
        };
        match shard.insert(fp, stored) {
            None => Ok(()),
            Some(first) => Err(Rejection::Duplicate {
                id: output.customer().to_string(),
                first: self.place(u64::from(first)),
            }),
        }
    }
}

impl Shard {
    /// The home bucket of `fp` in `capacity` buckets (the low 56 bits,
    /// scaled: any capacity works, not only powers of two).
    fn home(fp: u64, capacity: usize) -> usize {
        (((fp << 8) as u128 * capacity as u128) >> 64) as usize
    }

    /// Inserts `fp` first seen at `line`; if it was there, its first line.
    fn insert(&mut self, fp: u64, line: u32) -> Option<u32> {
        if (self.len + 1) * 100 > self.keys.len() * 85 {
            self.grow();
        }
        let capacity = self.keys.len();
        let mut i = Shard::home(fp, capacity);
        loop {
            match self.keys.get(i).copied() {
                Some(EMPTY) => {
                    if let (Some(k), Some(l)) = (self.keys.get_mut(i), self.lines.get_mut(i)) {
                        *k = fp;
                        *l = line;
                    }
                    self.len += 1;
                    return None;
                }
                Some(k) if k == fp => return self.lines.get(i).copied(),
                Some(_) => i += 1,
                None => i = 0,
            }
        }
    }

    /// A quarter more buckets (at least [`FIRST_CAPACITY`]), rehashed.
    fn grow(&mut self) {
        let capacity = (self.keys.len() + self.keys.len() / 4).max(FIRST_CAPACITY);
        let keys = std::mem::replace(&mut self.keys, vec![EMPTY; capacity]);
        let lines = std::mem::replace(&mut self.lines, vec![0; capacity]);
        self.keys.shrink_to_fit();
        self.lines.shrink_to_fit();
        self.len = 0;
        for (k, l) in keys.into_iter().zip(lines) {
            if k != EMPTY {
                self.insert(k, l);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Id(String);

    impl CustomerOutput for Id {
        fn customer(&self) -> &str {
            &self.0
        }
    }

    #[test]
    fn every_later_copy_is_rejected_with_the_first_place_over_inputs() {
        let mut unique = UniqueCustomers::default();
        unique.input("a.ndjson", Unit::Line);
        for i in 0..50_000u64 {
            let id = Id(format!("c{i}"));
            assert_eq!(unique.admit(i + 1, &id), Ok(()));
        }
        unique.input("empty.ndjson", Unit::Line);
        unique.input("b.json", Unit::Customer);
        assert_eq!(unique.admit(1, &Id(String::from("new"))), Ok(()));
        let again = unique.admit(2, &Id(String::from("c41999")));
        assert_eq!(
            again,
            Err(Rejection::Duplicate {
                id: String::from("c41999"),
                first: String::from("a.ndjson:42000"),
            })
        );
        let again = unique.admit(3, &Id(String::from("new")));
        assert_eq!(
            again.unwrap_err().to_string(),
            "duplicate customer id `new`, first at b.json: customer #1"
        );
        assert_eq!(unique.len(), 50_001);
        assert!(unique.memory() < 50_001 * 20, "{} bytes", unique.memory());
    }
}
