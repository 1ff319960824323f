// SPDX-License-Identifier: GPL-2.0

//! Lower-case hexadecimal, as digests and keys are written.

use std::fmt;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `bytes`.
///
/// # Examples
///
/// ```
/// assert_eq!(kcrypto::hex::encode(&[0x0b, 0xad, 0xf0, 0x0d]), "0badf00d");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

/// Bytes from hex digits, either case, two per byte, nothing else.
///
/// # Errors
///
/// [`HexError`] saying what is wrong and where.
///
/// # Examples
///
/// ```
/// assert_eq!(kcrypto::hex::decode("0BadF00d").unwrap(), [0x0b, 0xad, 0xf0, 0x0d]);
/// assert!(kcrypto::hex::decode("abc").is_err());
/// ```
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    if let Some((index, ch)) = text.char_indices().find(|(_, ch)| !ch.is_ascii_hexdigit()) {
        return Err(HexError::InvalidDigit { index, ch });
    }
    if text.len() % 2 != 0 {
        return Err(HexError::OddLength(text.len()));
    }
    Ok(text
        .as_bytes()
        .chunks_exact(2)
        .map(|pair| (nibble(pair[0]) << 4) | nibble(pair[1]))
        .collect())
}

/// The value of an ASCII hex digit (checked by the caller).
fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        // A-F and a-f: setting bit 5 makes the letter lower case.
        _ => (digit | 0x20) - b'a' + 10,
    }
}

/// Why a string is not hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HexError {
    /// A character that is not a hex digit, at byte offset `index`.
    InvalidDigit {
        /// Byte offset of the character.
        index: usize,
        /// The character.
        ch: char,
    },
    /// An odd number of digits.
    OddLength(usize),
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::InvalidDigit { index, ch } => {
                write!(f, "{ch:?} at offset {index} is not a hex digit")
            }
            HexError::OddLength(len) => {
                write!(
                    f,
                    "odd number of hex digits ({len}): two digits make a byte"
                )
            }
        }
    }
}

impl std::error::Error for HexError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_bytes() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = encode(&bytes);
        assert_eq!(text.len(), 512);
        assert!(text.starts_with("000102"));
        assert!(text.ends_with("fdfeff"));
        assert_eq!(decode(&text), Ok(bytes.clone()));
        assert_eq!(decode(&text.to_uppercase()), Ok(bytes));
    }

    #[test]
    fn empty_is_empty() {
        assert_eq!(encode(&[]), "");
        assert_eq!(decode(""), Ok(vec![]));
    }

    #[test]
    fn mixed_case() {
        assert_eq!(
            decode("aAbBcCdDeEfF"),
            Ok(vec![0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])
        );
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(decode("abc"), Err(HexError::OddLength(3)));
        assert_eq!(
            decode("00zz"),
            Err(HexError::InvalidDigit { index: 2, ch: 'z' })
        );
        assert_eq!(
            decode("0x00"),
            Err(HexError::InvalidDigit { index: 1, ch: 'x' })
        );
        assert_eq!(
            decode("00 11"),
            Err(HexError::InvalidDigit { index: 2, ch: ' ' })
        );
        assert_eq!(
            decode("é0"),
            Err(HexError::InvalidDigit { index: 0, ch: 'é' })
        );
        assert!(
            HexError::InvalidDigit { index: 2, ch: 'z' }
                .to_string()
                .contains("offset 2")
        );
    }
}
