//! Duplicate customer ids over a whole run, exactly, in little memory:
//! [`UniqueCustomers`] keeps in memory a short fingerprint of every id seen
//! and the place of the id itself in an [`IdLog`] (a temporary file), 6
//! bytes a bucket; a fingerprint hit is confirmed by reading the first id
//! back and comparing it with the new one, so two different ids are never
//! taken for one, whatever their fingerprints.
//!
//! The buckets live in 4,096 small open-addressing tables (the top 12 bits
//! of the hash pick one, the next 16 are the fingerprint and place it in
//! its table), each grown by an eighth when it is 92 % full, so memory
//! stays near 7 bytes a customer (about 35 MB at 5 million) and a resize
//! never holds two copies of the whole set. Those 28 bits make a false hit
//! cheap and rare enough: at 5 million ids, about 2 % of new ids cost one
//! read of the log. The hash is keyed at random for each run, so no input
//! can aim collisions at it.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use super::ids::IdLog;
use super::reject::{Rejection, Unit};
use super::{Admit, CustomerOutput};

/// Tables (the top 12 bits of the hash pick one): small tables grow in
/// small steps and reuse each other's freed memory.
const SHARDS: usize = 4096;
/// Bits of the hash below the table's: the fingerprint.
const KEY_SHIFT: u32 = 36;
/// Buckets of a new table.
const FIRST_CAPACITY: usize = 16;
/// "Not seen yet" in a table (a fingerprint of 0 is stored as 1).
const EMPTY: u16 = 0;

/// Rejects a record whose customer id was already seen (in this run, over
/// all its inputs) with [`Rejection::Duplicate`], which names where the id
/// was first seen. Call [`UniqueCustomers::input`] before each input.
#[derive(Debug)]
pub struct UniqueCustomers {
    hasher: std::collections::hash_map::RandomState,
    /// Keeps only `hash & mask` (tests force collisions with a small mask).
    mask: u64,
    shards: Vec<Shard>,
    /// The ids themselves, read back on a fingerprint hit.
    log: IdLog,
    /// Every input so far: the run-wide number of its line 0, name, unit.
    inputs: Vec<(u64, Arc<str>, Unit)>,
    /// Run-wide number of the current input's line 0.
    base: u64,
    /// The highest line seen in the current input.
    last: u64,
}

/// One open-addressing table (linear probing).
#[derive(Debug, Clone, Default)]
struct Shard {
    buckets: Vec<Bucket>,
    len: usize,
}

/// A fingerprint and the place of its id in the log, in 6 bytes (the place
/// as two halves, so that the bucket needs no padding).
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    key: u16,
    place: [u16; 2],
}

impl Bucket {
    fn place(self) -> u32 {
        u32::from(self.place[0]) << 16 | u32::from(self.place[1])
    }
}

impl Default for UniqueCustomers {
    fn default() -> UniqueCustomers {
        UniqueCustomers::with_log(IdLog::default(), u64::MAX)
    }
}

impl UniqueCustomers {
    fn with_log(log: IdLog, mask: u64) -> UniqueCustomers {
        UniqueCustomers {
            hasher: std::collections::hash_map::RandomState::new(),
            mask,
            shards: vec![Shard::default(); SHARDS],
            log,
            inputs: Vec::new(),
            base: 0,
            last: 0,
        }
    }

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

    /// Bytes of memory held: the tables and the log's buffer (the ids
    /// themselves are in a temporary file).
    pub fn memory(&self) -> usize {
        let tables: usize = self
            .shards
            .iter()
            .map(|s| s.buckets.capacity() * std::mem::size_of::<Bucket>())
            .sum();
        tables + self.log.memory()
    }

    /// The table and the fingerprint of `id` (hash bits 52–63 and 36–51).
    fn fingerprint(&self, id: &str) -> (usize, u16) {
        let mut h = self.hasher.build_hasher();
        h.write(id.as_bytes());
        let hash = h.finish() & self.mask;
        let shard = (hash >> (KEY_SHIFT + 16)) as usize;
        match (hash >> KEY_SHIFT) as u16 {
            EMPTY => (shard, 1),
            key => (shard, key),
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

    /// Adds `id`, seen at run-wide line `global`; `Err` with the first
    /// line if it was seen before.
    fn insert(&mut self, id: &str, global: u64) -> Result<(), Check> {
        let (shard_index, key) = self.fingerprint(id);
        let Some(shard) = self.shards.get_mut(shard_index) else {
            return Ok(());
        };
        if (shard.len + 1) * 100 > shard.buckets.len() * 92 {
            shard.grow();
        }
        let capacity = shard.buckets.len();
        let mut i = Shard::home(key, capacity);
        loop {
            match shard.buckets.get(i).copied() {
                Some(b) if b.key == EMPTY => {
                    let place = self.log.append(global, id).ok_or(Check::Full)?;
                    shard.put(i, key, place);
                    return Ok(());
                }
                Some(b) if b.key == key => match self.log.line_if(b.place(), id) {
                    Ok(Some(first)) => return Err(Check::Seen(first)),
                    Ok(None) => i += 1,
                    Err(e) => return Err(Check::Unreadable(e.to_string())),
                },
                Some(_) => i += 1,
                None => i = 0,
            }
        }
    }
}

/// Why an id is not admitted.
enum Check {
    /// Seen first at this run-wide line.
    Seen(u64),
    /// The log is full.
    Full,
    /// The log could not be read.
    Unreadable(String),
}

impl<T: CustomerOutput> Admit<T> for UniqueCustomers {
    fn admit(&mut self, line: u64, output: &T) -> Result<(), Rejection> {
        if self.inputs.is_empty() {
            self.input("input", Unit::Line);
        }
        self.last = self.last.max(line);
        let id = output.customer();
        let global = self.base + line;
        match self.insert(id, global) {
            Ok(()) => Ok(()),
            Err(Check::Seen(first)) => Err(Rejection::Duplicate {
                id: id.to_string(),
                first: self.place(first),
            }),
            Err(Check::Full) => Err(Rejection::DuplicateCheck {
                id: id.to_string(),
                reason: format!(
                    "the run's ids fill the {} GiB the check can hold",
                    IdLog::MAX_BYTES >> 30
                ),
            }),
            Err(Check::Unreadable(reason)) => Err(Rejection::DuplicateCheck {
                id: id.to_string(),
                reason,
            }),
        }
    }
}

impl Shard {
    /// The home bucket of `key` in `capacity` buckets (scaled: any
    /// capacity works, not only powers of two).
    fn home(key: u16, capacity: usize) -> usize {
        ((u64::from(key) * capacity as u64) >> 16) as usize
    }

    /// Fills the empty bucket `i`.
    fn put(&mut self, i: usize, key: u16, place: u32) {
        if let Some(b) = self.buckets.get_mut(i) {
            *b = Bucket {
                key,
                place: [(place >> 16) as u16, place as u16],
            };
            self.len += 1;
        }
    }

    /// An eighth more buckets (at least [`FIRST_CAPACITY`]), rehashed.
    fn grow(&mut self) {
        let capacity = (self.buckets.len() + self.buckets.len() / 8).max(FIRST_CAPACITY);
        let old = std::mem::replace(&mut self.buckets, vec![Bucket::default(); capacity]);
        self.len = 0;
        for bucket in old.into_iter().filter(|b| b.key != EMPTY) {
            // Entries are distinct ids: the first empty bucket is theirs.
            let mut i = Shard::home(bucket.key, capacity);
            loop {
                match self.buckets.get(i) {
                    Some(b) if b.key == EMPTY => break,
                    Some(_) => i += 1,
                    None => i = 0,
                }
            }
            self.put(i, bucket.key, bucket.place());
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

    /// Admits `ids` in order as lines 1, 2, …; the rejections' messages.
    fn admit_all(unique: &mut UniqueCustomers, ids: &[String]) -> Vec<(usize, String)> {
        ids.iter()
            .enumerate()
            .filter_map(|(i, id)| {
                let admitted = unique.admit(i as u64 + 1, &Id(id.clone()));
                admitted.err().map(|e| (i + 1, e.to_string()))
            })
            .collect()
    }

    #[test]
    fn ids_whose_fingerprints_all_collide_are_told_apart_exactly() {
        // A mask of 0: every id has the same table and fingerprint, so
        // every admission after the first is a fingerprint hit, confirmed
        // or refuted by the ids read back (from the file and the buffer).
        let mut unique = UniqueCustomers::with_log(IdLog::flushing_at(256), 0);
        unique.input("a.ndjson", Unit::Line);
        let mut ids: Vec<String> = (0..400).map(|i| format!("c{i}")).collect();
        ids.extend(["c7", "c399", "c40", "c4", "c0"].map(String::from));
        let rejected = admit_all(&mut unique, &ids);
        assert_eq!(
            rejected,
            [
                (401, "duplicate customer id `c7`, first at a.ndjson:8"),
                (402, "duplicate customer id `c399`, first at a.ndjson:400"),
                (403, "duplicate customer id `c40`, first at a.ndjson:41"),
                (404, "duplicate customer id `c4`, first at a.ndjson:5"),
                (405, "duplicate customer id `c0`, first at a.ndjson:1"),
            ]
            .map(|(line, m)| (line, m.to_string()))
        );
        assert_eq!(unique.len(), 400);
        assert!(unique.log.on_disk());
    }

    #[test]
    fn a_few_fingerprint_bits_still_give_exact_answers() {
        // Four fingerprint bits and two tables: many hits, each settled by
        // the ids; a memory-only log answers the same.
        let mask = 0x0010_00f0_0000_0000;
        for log in [IdLog::flushing_at(4096), IdLog::memory_only()] {
            let mut unique = UniqueCustomers::with_log(log, mask);
            let mut ids: Vec<String> = (0..3000).map(|i| format!("customer-{i}")).collect();
            ids.extend((0..3000).step_by(7).map(|i| format!("customer-{i}")));
            let rejected = admit_all(&mut unique, &ids);
            assert_eq!(rejected.len(), 3000_usize.div_ceil(7));
            for (n, (line, message)) in rejected.iter().enumerate() {
                assert_eq!(*line, 3001 + n);
                let first = n * 7;
                assert_eq!(
                    message,
                    &format!(
                        "duplicate customer id `customer-{first}`, first at input:{}",
                        first + 1
                    )
                );
            }
            assert_eq!(unique.len(), 3000);
        }
    }
}
