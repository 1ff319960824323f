// SPDX-License-Identifier: GPL-2.0

//! Input generators: addresses, names, keys, control messages and flags,
//! mostly well-formed and sometimes mutated, all drawn from the seeded
//! generator so a run can be replayed.

use kcrypto::sockaddr;
use kcrypto::socket::{ALG_SET_AEAD_ASSOCLEN, ALG_SET_IV, ALG_SET_OP, Control, SOL_ALG};

use crate::rng::Rng;

/// `salg_type` values: the four kcrypto serves, akcipher (coming) and one
/// that no one serves.
pub const TYPES: &[&str] = &["hash", "skcipher", "aead", "rng", "akcipher", "kpp"];

/// `CRYPTO_ALG_KERN_DRIVER_ONLY`: the one bind flag kcrypto takes.
pub const KERN_DRIVER_ONLY: u32 = 0x1000;

/// Real algorithm and driver names of the test kernel, by type
/// (`jitterentropy_rng` is left out: under TCG it takes seconds per
/// page, which would starve every other operation). Refused
/// constructions (templates the policy forbids, internal algorithms) are
/// part of the table on purpose.
pub const NAMES: &[(&str, &[&str])] = &[
    (
        "hash",
        &[
            "sha1",
            "sha224",
            "sha256",
            "sha384",
            "sha512",
            "md5",
            "sha3-256",
            "crc32c",
            "ghash",
            "hmac(sha1)",
            "hmac(sha256)",
            "hmac(sha512)",
            "cmac(aes)",
            "xcbc(aes)",
            "sha256-generic",
            "sha1-generic",
            "sha512-generic",
            "hmac(sha256-generic)",
            "sha256-ni",
            "sha256-avx2",
            "crc32c-generic",
            "hmac(hmac(sha256))",
            "cryptd(sha256-generic)",
            "mcryptd(sha256)",
            "__sha256-ni",
            "sha3-512-generic",
            "poly1305-generic",
            "digest_null",
        ],
    ),
    (
        "skcipher",
        &[
            "ecb(aes)",
            "cbc(aes)",
            "ctr(aes)",
            "xts(aes)",
            "cts(cbc(aes))",
            "chacha20",
            "rfc3686(ctr(aes))",
            "ecb(cipher_null)",
            "cbc(des3_ede)",
            "lrw(aes)",
            "cbc(aes-generic)",
            "ecb-aes-aesni",
            "cbc-aes-aesni",
            "ctr-aes-aesni",
            "xts-aes-aesni",
            "chacha20-generic",
            "virtio_crypto_aes_cbc",
            "essiv(cbc(aes),sha256)",
            "cryptd(cbc-aes-aesni)",
            "__cbc-aes-aesni",
            "pcrypt(cbc(aes))",
            "xchacha20",
            "xctr(aes)",
            "xts-aes-aesni-avx",
            "cryptd(__xts-aes-aesni-avx)",
        ],
    ),
    (
        "aead",
        &[
            "gcm(aes)",
            "ccm(aes)",
            "rfc4106(gcm(aes))",
            "rfc4309(ccm(aes))",
            "rfc4543(gcm(aes))",
            "rfc7539(chacha20,poly1305)",
            "rfc7539esp(chacha20,poly1305)",
            "gcm_base(ctr(aes-generic),ghash-generic)",
            "generic-gcm-aesni",
            "authenc(hmac(sha256),cbc(aes))",
            "authencesn(hmac(sha256),cbc(aes))",
            "echainiv(authenc(hmac(sha256),cbc(aes)))",
            "seqiv(rfc4106(gcm(aes)))",
            "pcrypt(gcm(aes))",
            "cryptd(__generic-gcm-aesni)",
            "generic-gcm-aesni-avx",
            "rfc4106-gcm-aesni",
        ],
    ),
    (
        "rng",
        &[
            "stdrng",
            "drbg_nopr_hmac_sha256",
            "drbg_pr_hmac_sha256",
            "drbg_nopr_sha256",
            "drbg_pr_ctr_aes128",
            "drbg_nopr_ctr_aes256",
            "ansi_cprng",
        ],
    ),
    (
        "akcipher",
        &[
            "rsa",
            "rsa-generic",
            "pkcs1pad(rsa,sha256)",
            "pkcs1pad(rsa-generic,sha512)",
            "ecdsa-nist-p256",
            "virtio-crypto-rsa",
            "virtio-pkcs1-rsa",
        ],
    ),
];

/// Templates for mutated names.
const TEMPLATES: &[&str] = &[
    "hmac",
    "cbc",
    "ctr",
    "ecb",
    "xts",
    "gcm",
    "ccm",
    "cmac",
    "cts",
    "lrw",
    "cryptd",
    "pcrypt",
    "authenc",
    "authencesn",
    "rfc4106",
    "seqiv",
    "echainiv",
    "essiv",
    "xcbc",
    "gcm_base",
];

/// Well-formed names for `type_` (all names for an unknown type).
pub fn names_of(type_: &str) -> Vec<&'static str> {
    match NAMES.iter().find(|(t, _)| *t == type_) {
        Some((_, names)) => names.to_vec(),
        None => NAMES
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .collect(),
    }
}

/// A name for `type_`: a real one most of the time, else a mutation.
pub fn name(rng: &mut Rng, type_: &str) -> Vec<u8> {
    let names = names_of(type_);
    let base = names[rng.below(names.len())].as_bytes().to_vec();
    if rng.below(10) < 7 {
        return base;
    }
    mutate_name(rng, base)
}

fn mutate_name(rng: &mut Rng, mut name: Vec<u8>) -> Vec<u8> {
    match rng.below(10) {
        0 => {
            let at = rng.below(name.len() + 1);
            name.truncate(at);
        }
        1 => {
            let at = rng.below(name.len().max(1));
            if let Some(byte) = name.get_mut(at) {
                *byte = rng.next_u64() as u8;
            }
        }
        2 => {
            let template = TEMPLATES[rng.below(TEMPLATES.len())];
            name = format!("{template}({})", String::from_utf8_lossy(&name)).into_bytes();
        }
        3 => {
            // Deep nesting: length limits and recursion in the name parser.
            let depth = rng.between(2, 40);
            let template = TEMPLATES[rng.below(TEMPLATES.len())];
            let mut nested = String::from_utf8_lossy(&name).into_owned();
            for _ in 0..depth {
                nested = format!("{template}({nested})");
            }
            name = nested.into_bytes();
        }
        4 => name = vec![b'a'; rng.between(60, 200)],
        5 => name.extend_from_slice(b"-generic"),
        6 => name = name.to_ascii_uppercase(),
        7 => {
            // Unbalanced or stray punctuation.
            let junk = [
                b"(" as &[u8],
                b")",
                b",",
                b"()",
                b"((",
                b"%s",
                b"\n",
                b" ",
                b"\0x",
            ];
            let junk = junk[rng.below(junk.len())];
            let at = rng.below(name.len() + 1);
            name.splice(at..at, junk.iter().copied());
        }
        8 => {
            let other = names_of("");
            let other = other[rng.below(other.len())];
            name = format!("{},{other}", String::from_utf8_lossy(&name)).into_bytes();
        }
        _ => name = Vec::new(),
    }
    name
}

/// A `salg_type`: a real one most of the time.
pub fn type_(rng: &mut Rng) -> Vec<u8> {
    let real = TYPES[rng.below(TYPES.len())].as_bytes().to_vec();
    match rng.below(20) {
        0 => vec![b'x'; 14],
        1 => {
            let mut t = real;
            t.push(b'X');
            t
        }
        2 => {
            let len = rng.between(0, 14);
            rng.bytes(len)
        }
        _ => real,
    }
}

/// A bind address: `(bytes, type, name)`, well-formed about two thirds of
/// the time.
pub fn address(rng: &mut Rng, family: u16) -> (Vec<u8>, String, String) {
    let type_ = type_(rng);
    let type_text = String::from_utf8_lossy(&type_).into_owned();
    let name = name(rng, &type_text);
    let (feat, mask) = match rng.below(12) {
        0 => (0, KERN_DRIVER_ONLY),
        1 => (KERN_DRIVER_ONLY, KERN_DRIVER_ONLY),
        2 => (rng.next_u64() as u32, rng.next_u64() as u32),
        3 => (1 << rng.below(32), 1 << rng.below(32)),
        _ => (0, 0),
    };
    let family = match rng.below(25) {
        0 => libc::AF_ALG as u16,
        1 => rng.next_u64() as u16,
        _ => family,
    };
    // Name field: the classic 64 bytes, or sockaddr_alg_new's longer ones,
    // or a field with no room for the NUL.
    let field = match rng.below(8) {
        0 => name.len(),
        1 => name.len() + 1 + rng.below(200),
        _ => sockaddr::NAME_LEN.max(name.len() + 1),
    };
    let mut name_field = name.clone();
    name_field.resize(field, 0);
    let mut bytes = sockaddr::encode_raw(family, &type_, feat, mask, &name_field);
    if rng.one_in(20) {
        let len = rng.below(bytes.len() + 1);
        bytes.truncate(len);
    }
    (
        bytes,
        type_text,
        String::from_utf8_lossy(&name).into_owned(),
    )
}

/// A key (or seed) length: sizes algorithms take, their neighbours, and
/// the limits.
pub fn key_len(rng: &mut Rng) -> usize {
    const LENS: &[usize] = &[
        0, 1, 8, 15, 16, 17, 20, 24, 28, 32, 36, 40, 48, 64, 65, 128, 1024, 1025, 4096,
    ];
    if rng.one_in(5) {
        rng.below(2048)
    } else {
        LENS[rng.below(LENS.len())]
    }
}

/// A data length for a message part: mostly small, sometimes block sized,
/// sometimes large (past the send buffer).
pub fn data_len(rng: &mut Rng) -> usize {
    match rng.below(20) {
        0..=8 => rng.below(65),
        9..=13 => 16 * rng.below(65),
        14..=16 => rng.below(16 * 1024),
        17 | 18 => rng.between(16 * 1024, 256 * 1024),
        _ => rng.between(256 * 1024, 2 * 1024 * 1024),
    }
}

/// `send` flags: MSG_MORE and MSG_DONTWAIT mostly, other bits sometimes.
pub fn send_flags(rng: &mut Rng) -> i32 {
    let mut flags = 0;
    if rng.below(2) == 0 {
        flags |= libc::MSG_MORE;
    }
    if rng.below(4) != 0 {
        flags |= libc::MSG_DONTWAIT;
    }
    if rng.one_in(8) {
        const OTHER: &[i32] = &[
            libc::MSG_OOB,
            libc::MSG_EOR,
            libc::MSG_NOSIGNAL,
            libc::MSG_CONFIRM,
            libc::MSG_TRUNC,
            libc::MSG_PEEK,
            libc::MSG_WAITALL,
            libc::MSG_ZEROCOPY,
            libc::MSG_FASTOPEN,
            0x40000, // MSG_BATCH
        ];
        flags |= OTHER[rng.below(OTHER.len())];
    }
    flags
}

/// `recv` flags: non-blocking almost always (a blocking receive is still
/// bounded: kcrypto never waits for data that was not sent).
pub fn recv_flags(rng: &mut Rng) -> i32 {
    let mut flags = 0;
    if rng.below(8) != 0 {
        flags |= libc::MSG_DONTWAIT;
    }
    if rng.one_in(4) {
        flags |= libc::MSG_TRUNC;
    }
    if rng.one_in(10) {
        const OTHER: &[i32] = &[
            libc::MSG_PEEK,
            libc::MSG_WAITALL,
            libc::MSG_OOB,
            libc::MSG_ERRQUEUE,
            libc::MSG_CMSG_CLOEXEC,
        ];
        flags |= OTHER[rng.below(OTHER.len())] | libc::MSG_DONTWAIT;
    }
    flags
}

/// An IV length: the common sizes, their neighbours, odd ones.
pub fn iv_len(rng: &mut Rng) -> usize {
    const LENS: &[usize] = &[0, 8, 12, 16, 16, 16, 12, 15, 17, 24, 32, 64];
    if rng.one_in(10) {
        rng.below(512)
    } else {
        LENS[rng.below(LENS.len())]
    }
}

/// Control messages: none, valid ones, and malformed ones (bad headers,
/// unknown types, IV length fields that lie).
pub fn control(rng: &mut Rng) -> Vec<u8> {
    if rng.below(3) == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for _ in 0..rng.between(1, 4) {
        let iv;
        let raw;
        let message = match rng.below(9) {
            0 | 1 => Control::Op(if rng.one_in(4) {
                rng.next_u64() as u32
            } else {
                rng.below(5) as u32
            }),
            2..=4 => {
                let len = iv_len(rng);
                iv = rng.bytes(len);
                Control::Iv(&iv)
            }
            5 => Control::AssocLen(match rng.below(4) {
                0 => rng.next_u64() as u32,
                1 => rng.below(4096) as u32,
                _ => rng.below(64) as u32,
            }),
            6 => {
                // An af_alg_iv whose ivlen disagrees with its payload.
                let mut payload = (rng.next_u64() as u32 % 4096).to_ne_bytes().to_vec();
                let len = rng.below(32);
                payload.extend(rng.bytes(len));
                raw = payload;
                Control::Raw {
                    level: SOL_ALG,
                    type_: ALG_SET_IV,
                    data: &raw,
                }
            }
            7 => {
                let len = rng.below(3) * 2;
                raw = rng.bytes(len);
                Control::Raw {
                    level: SOL_ALG,
                    type_: if rng.below(2) == 0 {
                        ALG_SET_OP
                    } else {
                        ALG_SET_AEAD_ASSOCLEN
                    },
                    data: &raw,
                }
            }
            _ => {
                let len = rng.below(24);
                raw = rng.bytes(len);
                Control::Raw {
                    level: match rng.below(3) {
                        0 => SOL_ALG,
                        1 => libc::SOL_SOCKET,
                        _ => rng.next_u64() as i32,
                    },
                    type_: rng.below(10) as i32,
                    data: &raw,
                }
            }
        };
        out.extend(kcrypto::socket::encode_control(&[message]));
    }
    match rng.below(20) {
        // A header whose cmsg_len runs past the buffer, or is too short.
        0 if out.len() >= 8 => {
            let len = usize::from_ne_bytes(out[..8].try_into().unwrap_or([0; 8]));
            let bad = if rng.below(2) == 0 { len + 64 } else { 4 };
            out[..8].copy_from_slice(&bad.to_ne_bytes());
        }
        1 => {
            let cut = rng.below(out.len() + 1);
            out.truncate(cut);
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_reproducible() {
        let run = |seed| {
            let mut rng = Rng::new(seed);
            let mut out = Vec::new();
            for _ in 0..200 {
                out.push(address(&mut rng, 25).0);
                out.push(control(&mut rng));
                out.push(send_flags(&mut rng).to_ne_bytes().to_vec());
            }
            out
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn well_formed_addresses_are_laid_out_as_sockaddr_alg() {
        let mut rng = Rng::new(1);
        let mut classic = 0;
        for _ in 0..500 {
            let (bytes, type_, name) = address(&mut rng, 25);
            if bytes.len() == sockaddr::SOCKADDR_ALG_LEN
                && TYPES.contains(&type_.as_str())
                && names_of(&type_).contains(&name.as_str())
                && u16::from_ne_bytes([bytes[0], bytes[1]]) == 25
            {
                classic += 1;
                assert_eq!(&bytes[2..2 + type_.len()], type_.as_bytes());
                assert_eq!(
                    &bytes[sockaddr::NAME_OFFSET..sockaddr::NAME_OFFSET + name.len()],
                    name.as_bytes()
                );
                assert_eq!(bytes[sockaddr::NAME_OFFSET + name.len()], 0);
            }
        }
        // Most addresses must be usable, or the fuzzer never gets past bind.
        assert!(classic > 150, "{classic} well-formed addresses of 500");
    }

    #[test]
    fn control_messages_are_mostly_well_formed() {
        let mut rng = Rng::new(3);
        let mut empty = 0;
        for _ in 0..300 {
            let control = control(&mut rng);
            if control.is_empty() {
                empty += 1;
            } else if control.len() >= 16 {
                let len = usize::from_ne_bytes(control[..8].try_into().unwrap());
                assert!(len >= 4);
            }
        }
        assert!((50..200).contains(&empty), "{empty}");
    }

    #[test]
    fn every_type_has_names() {
        for type_ in &TYPES[..5] {
            assert!(!names_of(type_).is_empty(), "{type_}");
        }
    }
}
