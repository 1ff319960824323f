// SPDX-License-Identifier: GPL-2.0
//! The algorithms and sizes `make bench` measures, and the paths that serve them.

use serde::Serialize;

/// The AF_ALG operation type of an algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Hash,
    Skcipher,
    Aead,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Hash => "hash",
            Kind::Skcipher => "skcipher",
            Kind::Aead => "aead",
        }
    }
}

/// One algorithm of the table.
#[derive(Clone, Copy, Debug)]
pub struct Alg {
    /// What the table calls it.
    pub label: &'static str,
    /// The name sockets and the bench module bind to (generic or driver).
    pub name: &'static str,
    pub kind: Kind,
    /// Key bytes (0: unkeyed).
    pub key_len: usize,
    pub iv_len: usize,
    /// Digest or tag size.
    pub out_len: usize,
    /// Input lengths must be a multiple of this.
    pub block: usize,
    /// Largest request (hardware requests are capped at 64 KiB).
    pub max_len: usize,
    /// Served by an off-CPU driver: no userspace paths, a queue-depth variant.
    pub hardware: bool,
}

/// Every algorithm, in table order.
pub const ALGS: &[Alg] = &[
    Alg {
        label: "sha256",
        name: "sha256",
        kind: Kind::Hash,
        key_len: 0,
        iv_len: 0,
        out_len: 32,
        block: 1,
        max_len: usize::MAX,
        hardware: false,
    },
    Alg {
        label: "hmac(sha256)",
        name: "hmac(sha256)",
        kind: Kind::Hash,
        key_len: 32,
        iv_len: 0,
        out_len: 32,
        block: 1,
        max_len: usize::MAX,
        hardware: false,
    },
    Alg {
        label: "cbc(aes)",
        name: "cbc(aes)",
        kind: Kind::Skcipher,
        key_len: 16,
        iv_len: 16,
        out_len: 0,
        block: 16,
        max_len: usize::MAX,
        hardware: false,
    },
    Alg {
        label: "gcm(aes)",
        name: "gcm(aes)",
        kind: Kind::Aead,
        key_len: 16,
        iv_len: 12,
        out_len: 16,
        block: 1,
        max_len: usize::MAX,
        hardware: false,
    },
    Alg {
        label: "rfc7539(chacha20,poly1305)",
        name: "rfc7539(chacha20,poly1305)",
        kind: Kind::Aead,
        key_len: 32,
        iv_len: 12,
        out_len: 16,
        block: 1,
        max_len: usize::MAX,
        hardware: false,
    },
    Alg {
        label: "cbc(aes) virtio",
        name: "virtio_crypto_aes_cbc",
        kind: Kind::Skcipher,
        key_len: 16,
        iv_len: 16,
        out_len: 0,
        block: 16,
        max_len: 64 << 10,
        hardware: true,
    },
];

/// The sizes of issue 7.
pub const SIZES: &[usize] = &[16, 64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 1 << 20];

impl Alg {
    /// Whether the algorithm takes an input of `len` bytes.
    pub fn takes(&self, len: usize) -> bool {
        len % self.block == 0 && len <= self.max_len
    }

    /// Output bytes of one operation on `len` input bytes.
    pub fn output_len(&self, len: usize) -> usize {
        match self.kind {
            Kind::Hash => self.out_len,
            Kind::Skcipher => len,
            Kind::Aead => len + self.out_len,
        }
    }

    /// The key every path uses.
    pub fn key(&self) -> Vec<u8> {
        vec![0x42; self.key_len]
    }
}

/// The input every path processes (the IV is all zeroes).
pub fn input(len: usize) -> Vec<u8> {
    vec![0x5a; len]
}
