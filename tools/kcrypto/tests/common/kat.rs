// SPDX-License-Identifier: GPL-2.0

//! Known-answer vectors, shared by the live tests and `examples/hashcheck`.
//!
//! * SHA-1, SHA-256, SHA-512: the examples of FIPS 180-4 (one-block and
//!   multi-block messages), the one-million-`a` message of FIPS 180-2 and the
//!   empty message;
//! * HMAC-SHA-256: RFC 4231, test cases 1-7 (case 5 is truncated to 128 bits);
//! * AES-CMAC: RFC 4493, examples 1-4.

#![allow(dead_code)] // each includer uses part of it

/// Bytes given compactly.
#[derive(Clone, Copy, Debug)]
pub enum Bytes {
    /// ASCII text.
    Text(&'static str),
    /// Hex digits.
    Hex(&'static str),
    /// A byte repeated `n` times.
    Repeat(u8, usize),
    /// 1, 2, ..., n.
    Count(u8),
}

impl Bytes {
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Bytes::Text(text) => text.as_bytes().to_vec(),
            Bytes::Hex(hex) => kcrypto::hex::decode(hex).expect("vector hex is valid"),
            Bytes::Repeat(byte, n) => vec![byte; n],
            Bytes::Count(n) => (1..=n).collect(),
        }
    }
}

/// One known answer.
#[derive(Clone, Copy, Debug)]
pub struct Kat {
    /// Where the vector comes from.
    pub source: &'static str,
    pub algorithm: &'static str,
    pub key: Option<Bytes>,
    pub message: Bytes,
    /// The expected digest in hex; shorter than the digest for a truncated MAC.
    pub digest: &'static str,
}

impl Kat {
    pub fn expected(&self) -> Vec<u8> {
        kcrypto::hex::decode(self.digest).expect("vector hex is valid")
    }
}

const M448: &str = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const M896: &str = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
const MILLION_A: Bytes = Bytes::Repeat(b'a', 1_000_000);
const CMAC_KEY: Bytes = Bytes::Hex("2b7e151628aed2a6abf7158809cf4f3c");
const CMAC_M16: &str = "6bc1bee22e409f96e93d7e117393172a";
const CMAC_M40: &str =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411";
const CMAC_M64: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

const fn hash(
    source: &'static str,
    algorithm: &'static str,
    message: Bytes,
    digest: &'static str,
) -> Kat {
    Kat {
        source,
        algorithm,
        key: None,
        message,
        digest,
    }
}

const fn mac(
    source: &'static str,
    algorithm: &'static str,
    key: Bytes,
    message: Bytes,
    digest: &'static str,
) -> Kat {
    Kat {
        source,
        algorithm,
        key: Some(key),
        message,
        digest,
    }
}

#[rustfmt::skip]
pub const KATS: &[Kat] = &[
    hash("SHA-1 empty message", "sha1", Bytes::Text(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    hash("FIPS 180-4 SHA-1 one block", "sha1", Bytes::Text("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d"),
    hash("FIPS 180-4 SHA-1 two blocks", "sha1", Bytes::Text(M448), "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    hash("FIPS 180-2 SHA-1 million a", "sha1", MILLION_A, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
    hash("SHA-256 empty message", "sha256", Bytes::Text(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    hash("FIPS 180-4 SHA-256 one block", "sha256", Bytes::Text("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    hash("FIPS 180-4 SHA-256 two blocks", "sha256", Bytes::Text(M448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    hash("FIPS 180-2 SHA-256 million a", "sha256", MILLION_A, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    hash("SHA-512 empty message", "sha512", Bytes::Text(""), "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
    hash("FIPS 180-4 SHA-512 one block", "sha512", Bytes::Text("abc"), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    hash("FIPS 180-4 SHA-512 two blocks", "sha512", Bytes::Text(M896), "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
    hash("FIPS 180-2 SHA-512 million a", "sha512", MILLION_A, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"),
    mac("RFC 4231 test case 1", "hmac(sha256)", Bytes::Repeat(0x0b, 20), Bytes::Text("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    mac("RFC 4231 test case 2", "hmac(sha256)", Bytes::Text("Jefe"), Bytes::Text("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    mac("RFC 4231 test case 3", "hmac(sha256)", Bytes::Repeat(0xaa, 20), Bytes::Repeat(0xdd, 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    mac("RFC 4231 test case 4", "hmac(sha256)", Bytes::Count(25), Bytes::Repeat(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    mac("RFC 4231 test case 5 (truncated to 128 bits)", "hmac(sha256)", Bytes::Repeat(0x0c, 20), Bytes::Text("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"),
    mac("RFC 4231 test case 6", "hmac(sha256)", Bytes::Repeat(0xaa, 131), Bytes::Text("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    mac("RFC 4231 test case 7", "hmac(sha256)", Bytes::Repeat(0xaa, 131), Bytes::Text("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    mac("RFC 4493 example 1 (empty)", "cmac(aes)", CMAC_KEY, Bytes::Text(""), "bb1d6929e95937287fa37d129b756746"),
    mac("RFC 4493 example 2 (16 bytes)", "cmac(aes)", CMAC_KEY, Bytes::Hex(CMAC_M16), "070a16b46b4d4144f79bdd9dd04a287c"),
    mac("RFC 4493 example 3 (40 bytes)", "cmac(aes)", CMAC_KEY, Bytes::Hex(CMAC_M40), "dfa66747de9ae63030ca32611497c827"),
    mac("RFC 4493 example 4 (64 bytes)", "cmac(aes)", CMAC_KEY, Bytes::Hex(CMAC_M64), "51f0bebf7e3b9d92fc49741779363cfe"),
];

/// The digest size of the algorithms above.
pub fn digest_size(algorithm: &str) -> usize {
    match algorithm {
        "sha1" => 20,
        "sha256" | "hmac(sha256)" => 32,
        "sha512" => 64,
        "cmac(aes)" => 16,
        other => panic!("no digest size for {other}"),
    }
}
