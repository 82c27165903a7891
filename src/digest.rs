//! Lowercase hexadecimal text of digests (ruleset hashes, decision ids,
//! input hashes). A leaf module: every layer may use it.

/// Lowercase hex of bytes.
///
/// ```
/// assert_eq!(nudge::digest::hex(&[0x0f, 0xa0]), "0fa0");
/// ```
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit = |n: u8| char::from(DIGITS.get(usize::from(n)).copied().unwrap_or(b'0'));
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(digit(b >> 4));
        s.push(digit(b & 0x0f));
    }
    s
}
