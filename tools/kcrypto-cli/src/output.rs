// SPDX-License-Identifier: GPL-2.0

//! Output formats of `kcrypto dgst`.

use serde::Serialize;

/// One line in the format of GNU `sha256sum` (text mode), which
/// `sha256sum -c` reads back: `<hex>  <name>\n`.
///
/// Like coreutils, a name with a backslash, newline or carriage return is
/// written with those escaped (`\\`, `\n`, `\r`) and the line starts with a
/// backslash.
pub fn sum_line(digest_hex: &str, name: &[u8]) -> Vec<u8> {
    let escape = name.iter().any(|b| matches!(b, b'\\' | b'\n' | b'\r'));
    let mut line = Vec::with_capacity(digest_hex.len() + name.len() + 4);
    if escape {
        line.push(b'\\');
    }
    line.extend_from_slice(digest_hex.as_bytes());
    line.extend_from_slice(b"  ");
    for &byte in name {
        match byte {
            b'\\' if escape => line.extend_from_slice(b"\\\\"),
            b'\n' => line.extend_from_slice(b"\\n"),
            b'\r' => line.extend_from_slice(b"\\r"),
            _ => line.push(byte),
        }
    }
    line.push(b'\n');
    line
}

/// The JSON record of one input.
#[derive(Debug, Serialize)]
struct Record<'a> {
    algorithm: &'a str,
    file: &'a str,
    digest: &'a str,
}

/// One line of JSON Lines output: an object with `algorithm`, `file` (`-` for
/// standard input; names that are not UTF-8 have their bad bytes replaced by
/// U+FFFD) and `digest` (lower-case hex), and a newline.
pub fn json_line(algorithm: &str, file: &str, digest_hex: &str) -> String {
    let record = Record {
        algorithm,
        file,
        digest: digest_hex,
    };
    // Serializing three strings cannot fail; keep a fallback all the same.
    let mut line = serde_json::to_string(&record).unwrap_or_else(|_| {
        format!(
            "{{\"algorithm\":{:?},\"file\":{:?},\"digest\":{:?}}}",
            algorithm, file, digest_hex
        )
    });
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn plain_names_are_verbatim_after_two_spaces() {
        assert_eq!(
            sum_line(ABC, b"abc.txt"),
            format!("{ABC}  abc.txt\n").into_bytes()
        );
        assert_eq!(sum_line(ABC, b"-"), format!("{ABC}  -\n").into_bytes());
        assert_eq!(
            sum_line(ABC, b"dir/with space"),
            format!("{ABC}  dir/with space\n").into_bytes()
        );
    }

    #[test]
    fn names_are_escaped_like_coreutils() {
        // What GNU coreutils 9.1 sha256sum prints for these names.
        assert_eq!(
            sum_line(ABC, b"a\\b"),
            format!("\\{ABC}  a\\\\b\n").into_bytes()
        );
        assert_eq!(
            sum_line(ABC, b"n\nl"),
            format!("\\{ABC}  n\\nl\n").into_bytes()
        );
        assert_eq!(
            sum_line(ABC, b"c\rr"),
            format!("\\{ABC}  c\\rr\n").into_bytes()
        );
        assert_eq!(
            sum_line(ABC, b"\\\n"),
            format!("\\{ABC}  \\\\\\n\n").into_bytes()
        );
    }

    #[test]
    fn non_utf8_names_pass_through() {
        let line = sum_line(ABC, b"caf\xe9");
        assert!(line.ends_with(b"  caf\xe9\n"));
    }

    #[test]
    fn json_lines_are_objects() {
        let line = json_line("hmac(sha256)", "a \"quoted\"\nname", ABC);
        assert!(line.ends_with('\n'));
        assert_eq!(line.matches('\n').count(), 1, "one line per record");
        let value: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(value["algorithm"], "hmac(sha256)");
        assert_eq!(value["file"], "a \"quoted\"\nname");
        assert_eq!(value["digest"], ABC);
        assert_eq!(value.as_object().map(|o| o.len()), Some(3));
    }

    #[test]
    fn json_key_order_is_stable() {
        assert_eq!(
            json_line("sha256", "-", ABC),
            format!("{{\"algorithm\":\"sha256\",\"file\":\"-\",\"digest\":\"{ABC}\"}}\n")
        );
    }
}
