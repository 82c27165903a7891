//! Lowercase hexadecimal text of digests (ruleset hashes, decision ids,
//! input hashes). A leaf module: every layer may use it.

/// Lowercase hex of bytes.
///
/// ```
/// assert_eq!(nudge::digest::hex(&[0x0f, 0xa0]), "0fa0");
/// ```
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit = |n: u8| DIGITS.get(usize::from(n)).copied().unwrap_or(b'0');
    let text: Vec<u8> = bytes
        .iter()
        .flat_map(|b| [digit(b >> 4), digit(b & 0x0f)])
        .collect();
    String::from_utf8(text).unwrap_or_default()
}
