// SPDX-License-Identifier: GPL-2.0

//! What `/proc/crypto` says about an algorithm: IV and tag sizes, for
//! messages that say what is wrong before the kernel answers `EINVAL`.

use std::collections::HashMap;

/// The path the kernel lists its algorithm instances in.
const PROC_CRYPTO: &str = "/proc/crypto";

/// One entry of `/proc/crypto` (the fields this tool uses).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlgInfo {
    /// `ivsize`.
    pub iv_size: Option<usize>,
    /// `maxauthsize` (AEAD).
    pub max_tag: Option<usize>,
    /// `min keysize` (skcipher).
    pub min_key: Option<usize>,
    /// `max keysize` (skcipher).
    pub max_key: Option<usize>,
    /// `blocksize`.
    pub block_size: Option<usize>,
}

/// The entry of `name` (generic or driver name) of `type_` (`skcipher`,
/// `aead`), if the kernel lists it: an instance exists once a socket is
/// bound to it.
pub fn lookup(name: &str, type_: &str) -> Option<AlgInfo> {
    parse(&std::fs::read_to_string(PROC_CRYPTO).ok()?, name, type_)
}

/// [`lookup`] over the text of `/proc/crypto`.
pub fn parse(text: &str, name: &str, type_: &str) -> Option<AlgInfo> {
    text.split("\n\n").find_map(|block| {
        let fields: HashMap<&str, &str> = block
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(key, value)| (key.trim(), value.trim()))
            .collect();
        let named = fields.get("name") == Some(&name) || fields.get("driver") == Some(&name);
        if !named || fields.get("type") != Some(&type_) {
            return None;
        }
        let number = |key: &str| fields.get(key).and_then(|v| v.parse().ok());
        Some(AlgInfo {
            iv_size: number("ivsize"),
            max_tag: number("maxauthsize"),
            min_key: number("min keysize"),
            max_key: number("max keysize"),
            block_size: number("blocksize"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
name         : gcm(aes)
driver       : gcm_base(ctr(aes-aesni),ghash-generic)
module       : kernel
priority     : 400
refcnt       : 1
selftest     : passed
internal     : no
type         : aead
async        : no
blocksize    : 1
ivsize       : 12
maxauthsize  : 16
geniv        : <none>

name         : cbc(aes)
driver       : cbc(aes-aesni)
module       : kernel
priority     : 300
type         : skcipher
async        : no
blocksize    : 16
min keysize  : 16
max keysize  : 32
ivsize       : 16
chunksize    : 16
walksize     : 16
statesize    : 0

name         : aes
driver       : aes-aesni
type         : cipher
blocksize    : 16
";

    #[test]
    fn entries_are_found_by_name_driver_and_type() {
        let gcm = parse(SAMPLE, "gcm(aes)", "aead").expect("gcm");
        assert_eq!((gcm.iv_size, gcm.max_tag), (Some(12), Some(16)));
        let cbc = parse(SAMPLE, "cbc(aes-aesni)", "skcipher").expect("cbc by driver");
        assert_eq!(cbc.iv_size, Some(16));
        assert_eq!(
            (cbc.min_key, cbc.max_key, cbc.block_size),
            (Some(16), Some(32), Some(16))
        );
        assert_eq!(parse(SAMPLE, "cbc(aes)", "aead"), None);
        assert_eq!(parse(SAMPLE, "ecb(aes)", "skcipher"), None);
    }
}
