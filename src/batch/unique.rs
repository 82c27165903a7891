//! Duplicate customer ids over a whole run, in little memory:
//! [`UniqueCustomers`] keeps a fingerprint of every id seen and where it
//! was first seen (8 bytes a bucket), not the ids themselves.
//!
//! A 64-bit hash keyed at random for each run (so no input can aim
//! collisions at it) picks one of 256 open-addressing tables (top byte),
//! the home bucket there (the next bits), and 32 bits are stored: 40
//! bits are compared exactly. Each table grows by an eighth when 90 %
//! full, so memory stays near 9.5 bytes a customer (about 47 MB at 5
//! million) and a resize never holds two copies of the whole set. Two
//! different ids share a fingerprint with a chance of about one in 10^5
//! over a run of 5 million customers; there is no exact check behind a
//! fingerprint hit (it would need the ids).

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use super::reject::{Rejection, Unit};
use super::{Admit, CustomerOutput};

/// Tables (the top byte of a fingerprint picks one).
const SHARDS: usize = 256;
/// Buckets of a new table.
const FIRST_CAPACITY: usize = 64;
/// "Not seen yet" in a table (a stored fingerprint of 0 is stored as 1).
const EMPTY: u32 = 0;

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
    keys: Vec<u32>,
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
        self.shards.iter().map(|s| s.keys.capacity() * 8).sum()
    }

    fn fingerprint(&self, id: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(id.as_bytes());
        h.finish()
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
    /// The home bucket of a stored key in `capacity` buckets (scaled:
    /// any capacity works, not only powers of two).
    fn home(key: u32, capacity: usize) -> usize {
        ((u64::from(key) * capacity as u64) >> 32) as usize
    }

    /// Inserts `fp` first seen at `line`; if it was there, its first line.
    fn insert(&mut self, fp: u64, line: u32) -> Option<u32> {
        if (self.len + 1) * 10 > self.keys.len() * 9 {
            self.grow();
        }
        let key = match fp as u32 {
            EMPTY => 1,
            k => k,
        };
        self.put(key, line)
    }

    /// Stores `key` from its home bucket on (or finds it there).
    fn put(&mut self, key: u32, line: u32) -> Option<u32> {
        let mut i = Shard::home(key, self.keys.len());
        loop {
            match self.keys.get(i).copied() {
                Some(EMPTY) => {
                    if let (Some(k), Some(l)) = (self.keys.get_mut(i), self.lines.get_mut(i)) {
                        *k = key;
                        *l = line;
                    }
                    self.len += 1;
                    return None;
                }
                Some(k) if k == key => return self.lines.get(i).copied(),
                Some(_) => i += 1,
                None => i = 0,
            }
        }
    }

    /// An eighth more buckets (at least [`FIRST_CAPACITY`]), rehashed.
    fn grow(&mut self) {
        let capacity = (self.keys.len() + self.keys.len() / 8).max(FIRST_CAPACITY);
        let keys = std::mem::replace(&mut self.keys, vec![EMPTY; capacity]);
        let lines = std::mem::replace(&mut self.lines, vec![0; capacity]);
        self.keys.shrink_to_fit();
        self.lines.shrink_to_fit();
        self.len = 0;
        for (k, l) in keys.into_iter().zip(lines) {
            if k != EMPTY {
                self.put(k, l);
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
        assert!(unique.memory() < 50_001 * 12, "{} bytes", unique.memory());
    }
}
