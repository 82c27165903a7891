//! Where a JSON string needs attention: the bytes JSON escapes (control
//! characters, `"` and `\`), found eight at a time. The decision writer
//! uses it to escape what it writes; the snapshot scanner to find the end
//! of a string it reads (and to leave escapes to serde).

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `w` (little-endian) that is a control
/// character, `"` or `\` — the bytes JSON escapes — and possibly of some
/// bytes above such a byte (the subtraction borrows upward). So the answer
/// to "any?" is exact, and so is the lowest flagged byte.
fn escape_mask(w: u64) -> u64 {
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let quote = w ^ (ONES * u64::from(b'"'));
    let quote = quote.wrapping_sub(ONES) & !quote & HIGH;
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let backslash = backslash.wrapping_sub(ONES) & !backslash & HIGH;
    control | quote | backslash
}

/// The eight bytes at `at` as a little-endian word, if there are eight.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at + 8)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(chunk);
    Some(u64::from_le_bytes(word))
}

/// Whether JSON escapes `byte` inside a string.
pub(crate) fn is_special(byte: u8) -> bool {
    matches!(byte, 0x00..=0x1f | b'"' | b'\\')
}

/// The index of the first byte at or after `from` that JSON escapes, if any.
pub(crate) fn next_special(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(word) = word_at(bytes, i) {
        let mask = escape_mask(word);
        if mask != 0 {
            return Some(i + (mask.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes
        .iter()
        .enumerate()
        .skip(i)
        .find(|(_, &b)| is_special(b))
        .map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_mask_finds_each_special_byte_in_each_position() {
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for pos in 0..8 {
                let mut word = *b"abcdefgh";
                word[pos] = special;
                assert_eq!(
                    escape_mask(u64::from_le_bytes(word)).trailing_zeros() / 8,
                    pos as u32,
                    "{special} at {pos}"
                );
            }
        }
        for clean in 0x20u8..=0xff {
            if clean == b'"' || clean == b'\\' {
                continue;
            }
            assert_eq!(escape_mask(u64::from_le_bytes([clean; 8])), 0, "{clean}");
        }
    }

    #[test]
    fn next_special_is_the_first_special_byte_from_the_start_given() {
        for len in 0..20 {
            for at in 0..len {
                for special in [0u8, 0x1f, b'"', b'\\'] {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = special;
                    // A second special byte later never hides the first.
                    if at + 3 < len {
                        bytes[at + 3] = b'"';
                    }
                    for from in 0..=at {
                        assert_eq!(
                            next_special(&bytes, from),
                            Some(at),
                            "{bytes:?} from {from}"
                        );
                    }
                    assert_ne!(next_special(&bytes, at + 1), Some(at));
                }
            }
            assert_eq!(next_special(&vec![b'y'; len], 0), None);
        }
    }
}
