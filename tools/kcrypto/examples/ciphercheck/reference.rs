// SPDX-License-Identifier: GPL-2.0

//! The userspace reference: RustCrypto's implementations of the kernel
//! algorithms ciphercheck exercises, with the kernel's key and IV layouts.

use aes::cipher::{
    BlockCipher, BlockDecrypt, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, BlockSizeUser,
    KeyInit, KeyIvInit, StreamCipher, StreamCipherSeek, generic_array::GenericArray,
};
use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::AeadInPlace;
use aes_gcm::aead::consts::{U4, U6, U7, U8, U10, U11, U12, U13, U14, U16};

/// How the kernel's algorithm is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Skcipher,
    Aead,
}

/// One kernel algorithm and its rules.
#[derive(Debug)]
pub struct Alg {
    /// The kernel's name.
    pub name: &'static str,
    pub kind: Kind,
    /// Key lengths the kernel accepts.
    pub key_lens: &'static [usize],
    /// IV length (ALG_SET_IV), 0 for none.
    pub iv_len: usize,
    /// Skcipher: lengths must be a multiple of this (1: any).
    pub block: usize,
    /// Skcipher: the shortest valid length.
    pub min_len: usize,
    /// AEAD: tag lengths the kernel accepts (first: the default).
    pub tag_lens: &'static [usize],
    /// AEAD: associated data lengths allowed (empty: any).
    pub aad_lens: &'static [usize],
    /// Whether AF_ALG may process an operation in pieces (when output is
    /// read before the last part, or in short reads) and still be right:
    /// block modes that carry their state in the IV, block by block.
    pub afalg_splittable: bool,
}

const AES_KEYS: &[usize] = &[16, 24, 32];

pub const ALGORITHMS: &[Alg] = &[
    Alg {
        name: "ecb(aes)",
        kind: Kind::Skcipher,
        key_lens: AES_KEYS,
        iv_len: 0,
        block: 16,
        min_len: 0,
        tag_lens: &[],
        aad_lens: &[],
        afalg_splittable: true,
    },
    Alg {
        name: "cbc(aes)",
        kind: Kind::Skcipher,
        key_lens: AES_KEYS,
        iv_len: 16,
        block: 16,
        min_len: 0,
        tag_lens: &[],
        aad_lens: &[],
        afalg_splittable: true,
    },
    Alg {
        name: "ctr(aes)",
        kind: Kind::Skcipher,
        key_lens: AES_KEYS,
        iv_len: 16,
        block: 1,
        min_len: 0,
        tag_lens: &[],
        aad_lens: &[],
        afalg_splittable: false,
    },
    Alg {
        name: "xts(aes)",
        kind: Kind::Skcipher,
        key_lens: &[32, 64],
        iv_len: 16,
        block: 1,
        min_len: 16,
        tag_lens: &[],
        aad_lens: &[],
        afalg_splittable: false,
    },
    Alg {
        name: "chacha20",
        kind: Kind::Skcipher,
        key_lens: &[32],
        iv_len: 16,
        block: 1,
        min_len: 0,
        tag_lens: &[],
        aad_lens: &[],
        afalg_splittable: false,
    },
    Alg {
        name: "gcm(aes)",
        kind: Kind::Aead,
        key_lens: AES_KEYS,
        iv_len: 12,
        block: 1,
        min_len: 0,
        tag_lens: &[16, 4, 8, 12, 13, 14, 15],
        aad_lens: &[],
        afalg_splittable: false,
    },
    Alg {
        name: "ccm(aes)",
        kind: Kind::Aead,
        key_lens: AES_KEYS,
        iv_len: 16,
        block: 1,
        min_len: 0,
        tag_lens: &[16, 4, 6, 8, 10, 12, 14],
        aad_lens: &[],
        afalg_splittable: false,
    },
    Alg {
        name: "rfc4106(gcm(aes))",
        kind: Kind::Aead,
        // AES key and 4 bytes of salt.
        key_lens: &[20, 28, 36],
        iv_len: 8,
        block: 1,
        min_len: 0,
        tag_lens: &[16, 8, 12],
        // ESP: SPI and sequence number (extended), then the IV.
        aad_lens: &[16, 20],
        afalg_splittable: false,
    },
    Alg {
        name: "rfc7539(chacha20,poly1305)",
        kind: Kind::Aead,
        key_lens: &[32],
        iv_len: 12,
        block: 1,
        min_len: 0,
        tag_lens: &[16],
        aad_lens: &[],
        afalg_splittable: false,
    },
];

/// An AES variant (any 128-bit block cipher).
trait Aes:
    BlockCipher + BlockEncrypt + BlockDecrypt + KeyInit + BlockSizeUser<BlockSize = U16>
{
}

impl<C> Aes for C where
    C: BlockCipher + BlockEncrypt + BlockDecrypt + KeyInit + BlockSizeUser<BlockSize = U16>
{
}

/// Whether `len` is a valid skcipher length for `alg`.
pub fn valid_len(alg: &Alg, len: usize) -> bool {
    len >= alg.min_len && len % alg.block == 0
}

/// The skcipher result for valid inputs (checked by the caller).
pub fn skcipher(alg: &Alg, key: &[u8], iv: &[u8], data: &[u8], encrypt: bool) -> Vec<u8> {
    let mut buf = data.to_vec();
    macro_rules! by_aes_key {
        ($key:expr, $f:ident $(, $arg:expr)*) => {
            match $key.len() {
                16 => $f::<Aes128>($key $(, $arg)*),
                24 => $f::<Aes192>($key $(, $arg)*),
                32 => $f::<Aes256>($key $(, $arg)*),
                n => panic!("AES key of {n} bytes"),
            }
        };
    }
    match alg.name {
        "ecb(aes)" => by_aes_key!(key, ecb_blocks, &mut buf, encrypt),
        "cbc(aes)" => by_aes_key!(key, cbc_blocks, iv, &mut buf, encrypt),
        "ctr(aes)" => by_aes_key!(key, ctr_apply, iv, &mut buf),
        "xts(aes)" => {
            let half = key.len() / 2;
            by_aes_key!(
                &key[..half],
                xts_sector,
                &key[half..],
                iv,
                &mut buf,
                encrypt
            )
        }
        "chacha20" => chacha20_apply(key, iv, &mut buf),
        other => panic!("no reference for {other}"),
    }
    buf
}

fn ecb_blocks<C: Aes>(key: &[u8], buf: &mut [u8], encrypt: bool) {
    if encrypt {
        let mut enc = ecb::Encryptor::<C>::new_from_slice(key).expect("key length");
        for block in buf.chunks_exact_mut(16) {
            enc.encrypt_block_mut(GenericArray::from_mut_slice(block));
        }
    } else {
        let mut dec = ecb::Decryptor::<C>::new_from_slice(key).expect("key length");
        for block in buf.chunks_exact_mut(16) {
            dec.decrypt_block_mut(GenericArray::from_mut_slice(block));
        }
    }
}

fn cbc_blocks<C: Aes>(key: &[u8], iv: &[u8], buf: &mut [u8], encrypt: bool) {
    if encrypt {
        let mut enc = cbc::Encryptor::<C>::new_from_slices(key, iv).expect("key/IV length");
        for block in buf.chunks_exact_mut(16) {
            enc.encrypt_block_mut(GenericArray::from_mut_slice(block));
        }
    } else {
        let mut dec = cbc::Decryptor::<C>::new_from_slices(key, iv).expect("key/IV length");
        for block in buf.chunks_exact_mut(16) {
            dec.decrypt_block_mut(GenericArray::from_mut_slice(block));
        }
    }
}

fn ctr_apply<C: Aes>(key: &[u8], iv: &[u8], buf: &mut [u8]) {
    let mut ctr = ctr::Ctr128BE::<C>::new_from_slices(key, iv).expect("key/IV length");
    ctr.apply_keystream(buf);
}

fn xts_sector<C: Aes>(key1: &[u8], key2: &[u8], iv: &[u8], buf: &mut [u8], encrypt: bool) {
    let xts = xts_mode::Xts128::new(
        C::new_from_slice(key1).expect("key length"),
        C::new_from_slice(key2).expect("key length"),
    );
    let tweak: [u8; 16] = iv.try_into().expect("16-byte tweak");
    if encrypt {
        xts.encrypt_sector(buf, tweak);
    } else {
        xts.decrypt_sector(buf, tweak);
    }
}

/// The kernel's chacha20: IV = 32-bit little-endian block counter || 96-bit
/// nonce (RFC 8439's layout).
fn chacha20_apply(key: &[u8], iv: &[u8], buf: &mut [u8]) {
    let counter = u32::from_le_bytes(iv[..4].try_into().expect("4 bytes"));
    let mut cipher = chacha20::ChaCha20::new_from_slices(key, &iv[4..]).expect("key/nonce length");
    cipher.seek(u64::from(counter) * 64);
    cipher.apply_keystream(buf);
}

/// `ct || tag` of an AEAD seal with the kernel's key and IV layouts. For
/// rfc4106, `aad` is what the kernel is given: the associated data proper
/// followed by the 8-byte IV.
pub fn aead_seal(alg: &Alg, key: &[u8], iv: &[u8], aad: &[u8], pt: &[u8], tag: usize) -> Vec<u8> {
    match alg.name {
        "gcm(aes)" => gcm_seal(key, iv, aad, pt, tag),
        "rfc4106(gcm(aes))" => {
            let (aes_key, salt) = key.split_at(key.len() - 4);
            let mut nonce = salt.to_vec();
            nonce.extend_from_slice(iv);
            gcm_seal(aes_key, &nonce, &aad[..aad.len() - 8], pt, tag)
        }
        "ccm(aes)" => ccm_seal(key, iv, aad, pt, tag),
        "rfc7539(chacha20,poly1305)" => {
            seal::<chacha20poly1305::ChaCha20Poly1305>(key, iv, aad, pt)
        }
        other => panic!("no reference for {other}"),
    }
}

/// Seals with `A`: `ct || tag`.
fn seal<A: AeadInPlace + KeyInit>(key: &[u8], nonce: &[u8], aad: &[u8], pt: &[u8]) -> Vec<u8> {
    let aead = A::new_from_slice(key).expect("key length");
    let mut buf = pt.to_vec();
    let tag = aead
        .encrypt_in_place_detached(GenericArray::from_slice(nonce), aad, &mut buf)
        .expect("seal");
    buf.extend_from_slice(&tag);
    buf
}

/// GCM with a 12-byte nonce; a shorter tag is a prefix of the full one.
fn gcm_seal(key: &[u8], nonce: &[u8], aad: &[u8], pt: &[u8], tag: usize) -> Vec<u8> {
    use aes_gcm::AesGcm;
    let mut sealed = match key.len() {
        16 => seal::<AesGcm<Aes128, U12, U16>>(key, nonce, aad, pt),
        24 => seal::<AesGcm<Aes192, U12, U16>>(key, nonce, aad, pt),
        32 => seal::<AesGcm<Aes256, U12, U16>>(key, nonce, aad, pt),
        n => panic!("AES key of {n} bytes"),
    };
    sealed.truncate(pt.len() + tag);
    sealed
}

/// The kernel's CCM IV for a nonce of `nonce_len` bytes (7 to 13): the
/// length-field size L - 1 = 14 - nonce_len, the nonce, zeros (the counter).
pub fn ccm_iv(nonce: &[u8]) -> Vec<u8> {
    let mut iv = vec![0; 16];
    iv[0] = (14 - nonce.len()) as u8;
    iv[1..1 + nonce.len()].copy_from_slice(nonce);
    iv
}

/// CCM, the tag length in the type: one instance per (key, tag, nonce).
fn ccm_seal(key: &[u8], iv: &[u8], aad: &[u8], pt: &[u8], tag: usize) -> Vec<u8> {
    let nonce_len = 14 - usize::from(iv[0]);
    let nonce = &iv[1..1 + nonce_len];
    macro_rules! by_nonce {
        ($aes:ty, $tag:ty) => {
            match nonce_len {
                7 => seal::<ccm::Ccm<$aes, $tag, U7>>(key, nonce, aad, pt),
                8 => seal::<ccm::Ccm<$aes, $tag, U8>>(key, nonce, aad, pt),
                11 => seal::<ccm::Ccm<$aes, $tag, U11>>(key, nonce, aad, pt),
                12 => seal::<ccm::Ccm<$aes, $tag, U12>>(key, nonce, aad, pt),
                13 => seal::<ccm::Ccm<$aes, $tag, U13>>(key, nonce, aad, pt),
                n => panic!("CCM nonce of {n} bytes"),
            }
        };
    }
    macro_rules! by_tag {
        ($aes:ty) => {
            match tag {
                4 => by_nonce!($aes, U4),
                6 => by_nonce!($aes, U6),
                8 => by_nonce!($aes, U8),
                10 => by_nonce!($aes, U10),
                12 => by_nonce!($aes, U12),
                14 => by_nonce!($aes, U14),
                16 => by_nonce!($aes, U16),
                n => panic!("CCM tag of {n} bytes"),
            }
        };
    }
    match key.len() {
        16 => by_tag!(Aes128),
        24 => by_tag!(Aes192),
        32 => by_tag!(Aes256),
        n => panic!("AES key of {n} bytes"),
    }
}

/// CCM nonce lengths the reference covers.
pub const CCM_NONCE_LENS: &[usize] = &[7, 8, 11, 12, 13];
