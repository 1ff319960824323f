// SPDX-License-Identifier: GPL-2.0

//! Oracles: which errnos each system call may return, and userspace
//! references (RustCrypto) for well-formed operations.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// The system calls the fuzzer makes, for statistics and errno rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Call {
    Socket,
    Bind,
    SetKey,
    SetOpt,
    GetOpt,
    Accept,
    Send,
    Recv,
    Splice,
    Sendfile,
    Vmsplice,
    Poll,
    Close,
    Dup,
    Fork,
    Race,
}

impl Call {
    pub fn name(self) -> &'static str {
        match self {
            Call::Socket => "socket",
            Call::Bind => "bind",
            Call::SetKey => "setsockopt-key",
            Call::SetOpt => "setsockopt",
            Call::GetOpt => "getsockopt",
            Call::Accept => "accept",
            Call::Send => "sendmsg",
            Call::Recv => "recvmsg",
            Call::Splice => "splice",
            Call::Sendfile => "sendfile",
            Call::Vmsplice => "vmsplice",
            Call::Poll => "poll",
            Call::Close => "close",
            Call::Dup => "dup",
            Call::Fork => "fork",
            Call::Race => "race",
        }
    }
}

/// Whether `errno` is an answer `call` may give to the fuzzer's input.
///
/// Resource exhaustion (`ENOMEM`, `ENOBUFS`, `EMFILE`, `ENFILE`) is always
/// allowed. Never allowed: `EFAULT` (every buffer is valid), `EIO`,
/// `EBADF` (the fuzzer only uses descriptors it holds), `ETIMEDOUT` (a
/// driver that did not answer), `EINTR`, and anything not listed.
pub fn allowed(call: Call, errno: i32) -> bool {
    use libc::*;
    if matches!(errno, ENOMEM | ENOBUFS | EMFILE | ENFILE) {
        return true;
    }
    let list: &[i32] = match call {
        Call::Socket => &[EAFNOSUPPORT, ESOCKTNOSUPPORT, EPROTONOSUPPORT, EINVAL],
        // Policy refusals (EPERM/EACCES), hardware-only without hardware
        // (ENODEV), names the crypto API does not know (ENOENT).
        Call::Bind => &[
            EINVAL,
            ENOENT,
            ENAMETOOLONG,
            EAFNOSUPPORT,
            EOPNOTSUPP,
            ENODEV,
            EPERM,
            EACCES,
            EBUSY,
            // The crypto API's answer when a template instance it builds
            // for a driver-like name already exists (AF_ALG's too).
            EEXIST,
        ],
        // ENOSYS is documented for a key on an unkeyed hash, EBADMSG for an akcipher public
        // key the kernel's ASN.1 parser refuses.
        Call::SetKey => &[
            EBADMSG,
            ENOPROTOOPT,
            EINVAL,
            EMSGSIZE,
            EBUSY,
            ENOSYS,
            EOPNOTSUPP,
            ENOKEY,
            EACCES,
            EKEYREVOKED,
            EKEYEXPIRED,
            EKEYREJECTED,
        ],
        Call::SetOpt => &[ENOPROTOOPT, EINVAL, EBUSY, EPERM, EOPNOTSUPP],
        Call::GetOpt => &[ENOPROTOOPT, ERANGE, EINVAL, EOPNOTSUPP],
        Call::Accept => &[EINVAL, ENOKEY, EOPNOTSUPP, EAGAIN],
        Call::Send | Call::Splice | Call::Sendfile => &[
            EINVAL,
            EMSGSIZE,
            EAGAIN,
            EOPNOTSUPP,
            ENOKEY,
            EPIPE,
            EISCONN,
            EDESTADDRREQ,
        ],
        // ENOKEY: poly1305 takes its key from the data and refuses a
        // final without one.
        Call::Recv => &[EAGAIN, EINVAL, EBADMSG, EOPNOTSUPP, EMSGSIZE, ENOKEY],
        Call::Vmsplice => &[EAGAIN, EINVAL],
        Call::Poll | Call::Close | Call::Fork | Call::Race => &[],
        Call::Dup => &[],
    };
    list.contains(&errno)
}

/// Hash algorithms with a userspace reference: (name, keyed).
pub const HASHES: &[(&str, bool)] = &[
    ("sha224", false),
    ("sha256", false),
    ("sha384", false),
    ("sha512", false),
    ("hmac(sha256)", true),
    ("hmac(sha512)", true),
];

/// The digest of `data` under `name` (one of [`HASHES`]); `None` for a name
/// without a reference or a key HMAC refuses.
pub fn digest(name: &str, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    Some(match name {
        "sha224" => Sha224::digest(data).to_vec(),
        "sha256" => Sha256::digest(data).to_vec(),
        "sha384" => Sha384::digest(data).to_vec(),
        "sha512" => Sha512::digest(data).to_vec(),
        "hmac(sha256)" => {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        "hmac(sha512)" => {
            let mut mac = Hmac::<Sha512>::new_from_slice(key).ok()?;
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{self, ALGORITHMS};

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn digests_match_known_answers() {
        // FIPS 180-2 "abc" and RFC 4231 test case 2.
        assert_eq!(
            hex(&digest("sha256", &[], b"abc").unwrap()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&digest("hmac(sha256)", b"Jefe", b"what do ya want for nothing?").unwrap()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(digest("md5", &[], b"").is_none());
    }

    #[test]
    fn cipher_references_match_known_answers() {
        // NIST SP 800-38A F.2.1 (CBC-AES128, first block) and the GCM
        // spec's test case 2.
        let key: Vec<u8> = (0..16)
            .map(|i| [0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6][i % 8])
            .collect();
        let key = [&key[..8], &[0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c]].concat();
        let iv: Vec<u8> = (0..16).collect();
        let pt = [
            0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93,
            0x17, 0x2a,
        ];
        let cbc = ALGORITHMS.iter().find(|a| a.name == "cbc(aes)").unwrap();
        assert_eq!(
            hex(&reference::skcipher(cbc, &key, &iv, &pt, true)),
            "7649abac8119b246cee98e9b12e9197d"
        );
        let gcm = ALGORITHMS.iter().find(|a| a.name == "gcm(aes)").unwrap();
        assert_eq!(
            hex(&reference::aead_seal(
                gcm,
                &[0; 16],
                &[0; 12],
                &[],
                &[0; 16],
                16
            )),
            "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"
        );
    }

    #[test]
    fn efault_and_eio_are_never_allowed() {
        for call in [
            Call::Bind,
            Call::Send,
            Call::Recv,
            Call::SetKey,
            Call::Accept,
        ] {
            assert!(!allowed(call, libc::EFAULT));
            assert!(!allowed(call, libc::EIO));
            assert!(!allowed(call, libc::ETIMEDOUT));
        }
        assert!(allowed(Call::SetKey, libc::ENOSYS));
        assert!(!allowed(Call::Send, libc::ENOSYS));
    }
}
