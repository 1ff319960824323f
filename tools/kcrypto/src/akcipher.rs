// SPDX-License-Identifier: GPL-2.0

//! RSA public-key operations: sockets of type `"akcipher"` (kcrypto only),
//! and [`rsa_public_key`] to find the key kcrypto takes in common formats.

use std::io::IoSlice;

use crate::error::{Error, Result};
use crate::family::Family;
use crate::socket::{ALG_OP_ENCRYPT, Control, Socket};
use crate::transform;

/// `ALG_SET_OP` value of a signature verification (`KCRYPTO_OP_VERIFY`).
pub const KCRYPTO_OP_VERIFY: u32 = 3;
/// The largest RSA key a public key of at most 1024 bytes (kcrypto's key
/// limit) can hold, in bytes of modulus.
const MAX_KEY_SIZE: usize = 1024;

/// An RSA public key bound to `rsa` (raw), `pkcs1pad(rsa)` or
/// `pkcs1pad(rsa,HASH)` (PKCS #1 v1.5), or one of their drivers
/// (`virtio-crypto-rsa`, ...).
///
/// Only public-key operations exist: [`encrypt`](Akcipher::encrypt) and
/// [`verify`](Akcipher::verify). The key is a DER `RSAPublicKey` (RFC 8017
/// A.1.1: `openssl rsa -pubout -RSAPublicKey_out -outform DER`).
///
/// # Examples
///
/// ```no_run
/// use kcrypto::{Akcipher, Error};
///
/// # let (public_der, signature, digest) = (vec![], vec![], [0u8; 32]);
/// let rsa = Akcipher::with_public_key("pkcs1pad(rsa,sha256)", &public_der)?;
/// match rsa.verify(&signature, &digest) {
///     Ok(()) => println!("signed by the key's owner"),
///     Err(Error::AuthenticationFailed) => println!("bad signature"),
///     Err(err) => return Err(err),
/// }
/// let sealed = rsa.encrypt(b"for the key's owner only")?;
/// assert_eq!(sealed.len(), signature.len());
/// # Ok::<(), kcrypto::Error>(())
/// ```
#[derive(Debug)]
pub struct Akcipher {
    socket: Socket,
    family: Family,
    algorithm: String,
}

impl Akcipher {
    /// Binds `algorithm` in the family [`Family::discover`] finds.
    ///
    /// # Errors
    ///
    /// The errors of [`Family::discover`], [`Error::NotFound`] for anything
    /// but RSA (or AF_ALG, which has no such type).
    pub fn new(algorithm: &str) -> Result<Akcipher> {
        let family = Family::discover()?;
        Ok(Akcipher {
            socket: transform::bind(family, "akcipher", algorithm)?,
            family,
            algorithm: algorithm.to_owned(),
        })
    }

    /// Binds `algorithm` and sets its public key.
    ///
    /// # Errors
    ///
    /// As [`Akcipher::new`] and [`Akcipher::set_public_key`].
    pub fn with_public_key(algorithm: &str, der: &[u8]) -> Result<Akcipher> {
        let akcipher = Akcipher::new(algorithm)?;
        akcipher.set_public_key(der)?;
        Ok(akcipher)
    }

    /// Sets the public key: a DER `RSAPublicKey`.
    ///
    /// # Errors
    ///
    /// The kernel's errno for a key it cannot parse (`EBADMSG`, `EINVAL`);
    /// a private key is refused too.
    pub fn set_public_key(&self, der: &[u8]) -> Result<()> {
        Ok(self.socket.set_key(der)?)
    }

    /// Sets the public key to the payload of the `user` key `serial`.
    ///
    /// # Errors
    ///
    /// The keyring's errors, then those of [`Akcipher::set_public_key`].
    pub fn set_key_serial(&self, serial: i32) -> Result<()> {
        transform::set_key_serial(&self.socket, serial)
    }

    /// The algorithm name this key is bound to.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The socket family in use.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The transform socket, for operations this API does not cover.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// Encrypts `message` (raw RSA: an integer below the modulus, at most
    /// key-sized; `pkcs1pad`: at most the key size less 11 bytes). Returns
    /// a key-sized ciphertext.
    ///
    /// # Errors
    ///
    /// [`Error::NoKey`], [`Error::MessageTooLong`], [`Error::InvalidArgument`]
    /// (a raw message that is empty or not below the modulus).
    pub fn encrypt(&self, message: &[u8]) -> Result<Vec<u8>> {
        let op = self.socket.accept()?;
        let control = [Control::Op(ALG_OP_ENCRYPT)];
        transform::send_whole(&op, &[IoSlice::new(message)], &control, 0)?;
        let mut out = vec![0u8; MAX_KEY_SIZE];
        let len = transform::read_expected(&op, &mut out)?;
        out.truncate(len);
        Ok(out)
    }

    /// Checks that `signature` (key-sized) signs `digest` (for
    /// `pkcs1pad(rsa,HASH)` the bare digest).
    ///
    /// # Errors
    ///
    /// [`Error::AuthenticationFailed`] if it does not (whatever the reason),
    /// [`Error::InvalidArgument`] for a signature that is not key-sized,
    /// [`Error::NotSupported`] for raw `rsa` or a driver that cannot verify.
    pub fn verify(&self, signature: &[u8], digest: &[u8]) -> Result<()> {
        let op = self.socket.accept()?;
        let control = [Control::Op(KCRYPTO_OP_VERIFY)];
        let bufs = [IoSlice::new(signature), IoSlice::new(digest)];
        transform::send_whole(&op, &bufs, &control, 0)?;
        let mut out = [0u8; 1];
        match transform::read_expected(&op, &mut out)? {
            0 => Ok(()),
            _ => Err(Error::StateLost),
        }
    }
}

/// `rsaEncryption` (1.2.840.113549.1.1.1), DER-encoded with its tag.
const RSA_ENCRYPTION_OID: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];

/// Splits one DER element off `der`: `(tag, contents, rest)`.
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, der) = der.split_first()?;
    let (&first, der) = der.split_first()?;
    let (len, der) = if first < 0x80 {
        (usize::from(first), der)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || der.len() < count {
            return None;
        }
        let len = der[..count]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, &der[count..])
    };
    (der.len() >= len).then(|| (tag, &der[..len], &der[len..]))
}

/// The `RSAPublicKey` (what [`Akcipher::set_public_key`] takes) in `der`:
/// `der` itself if it is one, the key inside if it is an RSA
/// `SubjectPublicKeyInfo` (what `openssl rsa -pubout -outform DER` and most
/// tools write), `None` otherwise.
///
/// # Examples
///
/// ```
/// // SEQUENCE { INTEGER 0x75, INTEGER 3 }: an RSAPublicKey as is.
/// let key = [0x30, 0x06, 0x02, 0x01, 0x75, 0x02, 0x01, 0x03];
/// assert_eq!(kcrypto::akcipher::rsa_public_key(&key), Some(&key[..]));
/// assert_eq!(kcrypto::akcipher::rsa_public_key(b"not DER"), None);
/// ```
pub fn rsa_public_key(der: &[u8]) -> Option<&[u8]> {
    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    let (tag, contents, rest) = der_element(der)?;
    if tag != SEQUENCE || !rest.is_empty() {
        return None;
    }
    let (first, inner, after) = der_element(contents)?;
    match first {
        INTEGER => Some(der),
        SEQUENCE if inner.starts_with(&RSA_ENCRYPTION_OID) => {
            let (tag, bits, rest) = der_element(after)?;
            let (&unused, key) = bits.split_first()?;
            (tag == BIT_STRING && unused == 0 && rest.is_empty()).then_some(key)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex;

    // A 512-bit test key from `openssl genrsa`, as `openssl rsa -pubout -outform DER`
    // (SubjectPublicKeyInfo) and `-RSAPublicKey_out` (RSAPublicKey) write it.
    const RSA_PUBLIC_KEY: &str = "3048024100b3bdfec157a0bdfce77e16fdf0e10a633d665b6739b4b07a2f98dd\
        812cf4328fdb30db6514fa6d5e3f33a84ed661b832a2199e40ac18d928537c573c6fa5073f0203010001";
    const SPKI_PREFIX: &str = "305c300d06092a864886f70d0101010500034b00";

    #[test]
    fn public_keys_are_found_in_both_formats() {
        let pkcs1 = hex::decode(RSA_PUBLIC_KEY).expect("hex");
        let spki = hex::decode(&format!("{SPKI_PREFIX}{RSA_PUBLIC_KEY}")).expect("hex");
        assert_eq!(rsa_public_key(&pkcs1), Some(&pkcs1[..]));
        assert_eq!(rsa_public_key(&spki), Some(&pkcs1[..]));
        // Truncated, trailing garbage, another algorithm's OID.
        assert_eq!(rsa_public_key(&spki[..spki.len() - 1]), None);
        assert_eq!(rsa_public_key(&[&pkcs1[..], &[0][..]].concat()), None);
        let mut other = spki.clone();
        other[14] ^= 1;
        assert_eq!(rsa_public_key(&other), None);
        assert_eq!(rsa_public_key(&[]), None);
    }
}
