// SPDX-License-Identifier: GPL-2.0
//! The userspace paths: RustCrypto crates and OpenSSL (through the `openssl` crate), each
//! keyed once and run one operation at a time, as a program would use them.

use aes::cipher::{BlockEncryptMut, InnerIvInit, KeyInit, block_padding::NoPadding};
use aes_gcm::aead::AeadInPlace;
use hmac::Mac;
use openssl::cipher::{Cipher, CipherRef};
use openssl::cipher_ctx::CipherCtx;
use sha2::Digest;

use crate::alg::Alg;

type Error = Box<dyn std::error::Error>;

/// A userspace implementation of one algorithm, ready to run.
pub enum User {
    Sha256,
    Hmac(hmac::Hmac<sha2::Sha256>),
    Cbc(Box<aes::Aes128>),
    Gcm(Box<aes_gcm::Aes128Gcm>),
    ChaCha(Box<chacha20poly1305::ChaCha20Poly1305>),
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("User")
    }
}

impl User {
    /// The RustCrypto implementation of `alg`, if there is one.
    pub fn rustcrypto(alg: &Alg) -> Option<User> {
        let key = alg.key();
        Some(match alg.name {
            "sha256" => User::Sha256,
            "hmac(sha256)" => {
                User::Hmac(<hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).ok()?)
            }
            "cbc(aes)" => User::Cbc(Box::new(aes::Aes128::new_from_slice(&key).ok()?)),
            "gcm(aes)" => User::Gcm(Box::new(aes_gcm::Aes128Gcm::new_from_slice(&key).ok()?)),
            "rfc7539(chacha20,poly1305)" => User::ChaCha(Box::new(
                chacha20poly1305::ChaCha20Poly1305::new_from_slice(&key).ok()?,
            )),
            _ => return None,
        })
    }

    /// One operation: `out` gets the digest or ciphertext (and tag).
    pub fn op(&mut self, input: &[u8], out: &mut [u8]) -> Result<(), Error> {
        match self {
            User::Sha256 => out[..32].copy_from_slice(&sha2::Sha256::digest(input)),
            User::Hmac(mac) => {
                out[..32].copy_from_slice(&mac.clone().chain_update(input).finalize().into_bytes())
            }
            User::Cbc(aes) => {
                let enc =
                    cbc::Encryptor::<aes::Aes128>::inner_iv_init((**aes).clone(), &[0; 16].into());
                enc.encrypt_padded_b2b_mut::<NoPadding>(input, out)
                    .map_err(|e| e.to_string())?;
            }
            User::Gcm(aead) => {
                let (ct, tag) = out.split_at_mut(input.len());
                ct.copy_from_slice(input);
                let t = aead
                    .encrypt_in_place_detached(&[0; 12].into(), b"", ct)
                    .map_err(|e| e.to_string())?;
                tag.copy_from_slice(&t);
            }
            User::ChaCha(aead) => {
                let (ct, tag) = out.split_at_mut(input.len());
                ct.copy_from_slice(input);
                let t = aead
                    .encrypt_in_place_detached(&[0; 12].into(), b"", ct)
                    .map_err(|e| e.to_string())?;
                tag.copy_from_slice(&t);
            }
        }
        Ok(())
    }
}

/// OpenSSL (libcrypto's EVP interface) for one algorithm.
pub struct OpenSsl {
    kind: SslKind,
    key: Vec<u8>,
}

impl std::fmt::Debug for OpenSsl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenSsl")
    }
}

enum SslKind {
    Sha256,
    Hmac,
    /// A cipher context keyed once; each operation sets only the IV.
    Cipher(CipherCtx, bool),
}

impl OpenSsl {
    /// OpenSSL's implementation of `alg`, if there is one.
    pub fn new(alg: &Alg) -> Result<Option<OpenSsl>, Error> {
        let key = alg.key();
        let cipher = |c: &CipherRef, aead: bool| -> Result<SslKind, Error> {
            let mut ctx = CipherCtx::new()?;
            ctx.encrypt_init(Some(c), Some(&key), None)?;
            ctx.set_padding(false);
            Ok(SslKind::Cipher(ctx, aead))
        };
        let kind = match alg.name {
            "sha256" => SslKind::Sha256,
            "hmac(sha256)" => SslKind::Hmac,
            "cbc(aes)" => cipher(Cipher::aes_128_cbc(), false)?,
            "gcm(aes)" => cipher(Cipher::aes_128_gcm(), true)?,
            "rfc7539(chacha20,poly1305)" => cipher(Cipher::chacha20_poly1305(), true)?,
            _ => return Ok(None),
        };
        Ok(Some(OpenSsl { kind, key }))
    }

    /// One operation: `out` gets the digest or ciphertext (and tag).
    pub fn op(&mut self, input: &[u8], out: &mut [u8]) -> Result<(), Error> {
        match &mut self.kind {
            SslKind::Sha256 => out[..32].copy_from_slice(&openssl::sha::sha256(input)),
            SslKind::Hmac => {
                // The crate has no reusable HMAC context: a keyed signer per operation.
                let pkey = openssl::pkey::PKey::hmac(&self.key)?;
                let mut signer =
                    openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &pkey)?;
                signer.update(input)?;
                signer.sign(&mut out[..32])?;
            }
            SslKind::Cipher(ctx, aead) => {
                let iv = [0u8; 16];
                let iv = &iv[..ctx.iv_length()];
                ctx.encrypt_init(None, None, Some(iv))?;
                let (ct, tag) = out.split_at_mut(input.len());
                // SAFETY: without padding, CBC on whole blocks and the stream modes of GCM and
                // ChaCha20-Poly1305 write exactly as many bytes as they are given, all of which
                // `ct` has room for; the final step then writes nothing. (The checked calls
                // demand a block of slack the output never uses.)
                let n = unsafe { ctx.cipher_update_unchecked(input, Some(ct))? };
                // SAFETY: as above, nothing is left to write.
                unsafe { ctx.cipher_final_unchecked(&mut ct[n..])? };
                if *aead {
                    ctx.tag(tag)?;
                }
            }
        }
        Ok(())
    }
}
