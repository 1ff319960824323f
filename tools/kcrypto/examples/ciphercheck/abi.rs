// SPDX-License-Identifier: GPL-2.0

//! `ciphercheck abi`: the points of kcrypto's skcipher/aead/rng contract
//! that the library relies on, checked errno by errno (kcrypto's answers;
//! AF_ALG differs on several, so this runs on kcrypto's family only).

use std::io::{self, IoSlice};

use kcrypto::socket::{
    ALG_SET_AEAD_AUTHSIZE, ALG_SET_DRBG_ENTROPY, ALG_SET_KEY_BY_KEY_SERIAL, Control, MSG_DONTWAIT,
    MSG_MORE, SOL_ALG,
};
use kcrypto::{Aead, Cipher, Family, Rng, Socket};

/// Collects results and prints one line each.
struct Report {
    family: Family,
    failed: usize,
    total: usize,
}

impl Report {
    fn check(&mut self, what: &str, result: Result<(), String>) {
        self.total += 1;
        match result {
            Ok(()) => println!("ok - family {}: abi: {what}", self.family),
            Err(msg) => {
                self.failed += 1;
                println!("not ok - family {}: abi: {what}: {msg}", self.family);
            }
        }
    }
}

/// The errno of `result`, as a name, or what it returned.
fn outcome<T: std::fmt::Debug>(result: &io::Result<T>) -> String {
    match result {
        Ok(value) => format!("success ({value:?})"),
        Err(err) => match err.raw_os_error() {
            Some(errno) => format!("{} (errno {errno})", kcrypto::Error::from_errno(errno)),
            None => err.to_string(),
        },
    }
}

/// `result` must fail with `errno`.
fn want_errno<T: std::fmt::Debug>(result: io::Result<T>, errno: i32) -> Result<(), String> {
    match &result {
        Err(err) if err.raw_os_error() == Some(errno) => Ok(()),
        _ => Err(format!(
            "got {}, want {}",
            outcome(&result),
            kcrypto::Error::from_errno(errno)
        )),
    }
}

fn ok<T>(result: io::Result<T>, what: &str) -> Result<T, String> {
    result.map_err(|err| format!("{what}: {}", outcome::<()>(&Err(err))))
}

fn lib<T>(result: kcrypto::Result<T>, what: &str) -> Result<T, String> {
    result.map_err(|err| format!("{what}: {err}"))
}

pub fn run(family: Family) -> bool {
    let mut r = Report {
        family,
        failed: 0,
        total: 0,
    };
    let key = [0x11; 16];
    let iv = [0x22; 16];
    let enc = Control::Op(kcrypto::socket::ALG_OP_ENCRYPT);

    r.check(
        "skcipher accept without a key: ENOKEY",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            want_errno(cipher.socket().accept(), libc::ENOKEY)
        })(),
    );

    r.check(
        "ALG_SET_KEY above 1024 bytes: EMSGSIZE",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            want_errno(cipher.socket().set_key(&[0; 1025]), libc::EMSGSIZE)
        })(),
    );

    r.check(
        "ALG_SET_KEY while an operation socket is open: EBUSY",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            lib(cipher.set_key(&key), "set key")?;
            let _op = ok(cipher.socket().accept(), "accept")?;
            want_errno(cipher.socket().set_key(&key), libc::EBUSY)
        })(),
    );

    r.check(
        "ALG_SET_AEAD_AUTHSIZE on skcipher: ENOPROTOOPT",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            want_errno(
                cipher
                    .socket()
                    .set_option_len(SOL_ALG, ALG_SET_AEAD_AUTHSIZE, 16),
                libc::ENOPROTOOPT,
            )
        })(),
    );

    r.check(
        "ALG_SET_KEY_BY_KEY_SERIAL with optlen 8: EINVAL",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            want_errno(
                cipher
                    .socket()
                    .set_option(SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL, &[1; 8]),
                libc::EINVAL,
            )
        })(),
    );

    r.check(
        "ALG_SET_KEY_BY_KEY_SERIAL of a keyring (not user/logon): EKEYREJECTED",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            // KEY_SPEC_PROCESS_KEYRING resolved to its serial: keyctl_get_keyring_ID.
            // SAFETY: keyctl(KEYCTL_GET_KEYRING_ID, id, create) takes no pointers.
            let serial = unsafe { libc::syscall(libc::SYS_keyctl, 0, -2i32, 1i32) };
            if serial < 0 {
                return Err(format!("keyctl: {}", io::Error::last_os_error()));
            }
            want_errno(
                cipher.socket().set_option(
                    SOL_ALG,
                    ALG_SET_KEY_BY_KEY_SERIAL,
                    &(serial as i32).to_ne_bytes(),
                ),
                libc::EKEYREJECTED,
            )
        })(),
    );

    r.check(
        "accept on an skcipher operation socket: EOPNOTSUPP",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            lib(cipher.set_key(&key), "set key")?;
            let op = ok(cipher.socket().accept(), "accept")?;
            want_errno(op.accept(), libc::EOPNOTSUPP)
        })(),
    );

    r.check(
        "recv with nothing sent: EAGAIN (never blocks)",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            lib(cipher.set_key(&key), "set key")?;
            let op = ok(cipher.socket().accept(), "accept")?;
            want_errno(op.recv(&mut [0; 16], 0), libc::EAGAIN)
        })(),
    );

    r.check(
        "ALG_SET_IV of the wrong length: EINVAL",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            lib(cipher.set_key(&key), "set key")?;
            let op = ok(cipher.socket().accept(), "accept")?;
            want_errno(
                op.send_msg(&[IoSlice::new(&[0; 16])], &[enc, Control::Iv(&[0; 12])], 0),
                libc::EINVAL,
            )
        })(),
    );

    r.check(
        "control message on a later part: EINVAL, nothing taken, the operation goes on",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            lib(cipher.set_key(&key), "set key")?;
            let want = lib(cipher.encrypt(&iv, &[7; 64]), "one-shot")?;
            let op = ok(cipher.socket().accept(), "accept")?;
            ok(
                op.send_msg(
                    &[IoSlice::new(&[7; 32])],
                    &[enc, Control::Iv(&iv)],
                    MSG_MORE,
                ),
                "first part",
            )?;
            want_errno(
                op.send_msg(&[IoSlice::new(&[7; 32])], &[Control::Iv(&[0; 16])], 0),
                libc::EINVAL,
            )?;
            ok(op.send_msg(&[IoSlice::new(&[7; 32])], &[], 0), "last part")?;
            let mut got = vec![0; 64];
            let mut at = 0;
            for _ in 0..1000 {
                match op.recv(&mut got[at..], MSG_DONTWAIT) {
                    Ok(len) => at += len,
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(err) => return Err(format!("recv: {err}")),
                }
                if at == 64 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            if got == want {
                Ok(())
            } else {
                Err(format!(
                    "{at} bytes, output differs from the one-shot result"
                ))
            }
        })(),
    );

    r.check(
        "cbc message not a multiple of 16: EINVAL at its last part",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            lib(cipher.set_key(&key), "set key")?;
            let op = ok(cipher.socket().accept(), "accept")?;
            ok(
                op.send_msg(
                    &[IoSlice::new(&[0; 16])],
                    &[enc, Control::Iv(&iv)],
                    MSG_MORE,
                ),
                "first part",
            )?;
            want_errno(op.send_msg(&[IoSlice::new(&[0; 5])], &[], 0), libc::EINVAL)
        })(),
    );

    r.check(
        "a send larger than SO_SNDBUF: EMSGSIZE",
        (|| {
            let cipher = lib(Cipher::open(family, "ctr(aes)"), "bind")?;
            lib(cipher.set_key(&key), "set key")?;
            let op = ok(cipher.socket().accept(), "accept")?;
            ok(
                op.set_option_int(libc::SOL_SOCKET, libc::SO_SNDBUF, 16384),
                "SO_SNDBUF",
            )?;
            let sndbuf = ok(
                op.option_int(libc::SOL_SOCKET, libc::SO_SNDBUF),
                "getsockopt",
            )? as usize;
            want_errno(
                op.send_msg(
                    &[IoSlice::new(&vec![0; sndbuf + 1])],
                    &[enc, Control::Iv(&iv)],
                    0,
                ),
                libc::EMSGSIZE,
            )
        })(),
    );

    r.check(
        "aead: recv too short for the result: EINVAL, the result stays for a retry",
        (|| {
            let aead = lib(Aead::open_family(family, "gcm(aes)"), "bind")?;
            lib(aead.set_key(&key), "set key")?;
            let want = lib(aead.seal(&[3; 12], b"", b"0123456789"), "seal")?;
            let op = ok(aead.socket().accept(), "accept")?;
            let control = [enc, Control::Iv(&[3; 12]), Control::AssocLen(0)];
            ok(
                op.send_msg(&[IoSlice::new(b"0123456789")], &control, 0),
                "send",
            )?;
            want_errno(op.recv(&mut [0; 20], MSG_DONTWAIT), libc::EINVAL)?;
            let mut buf = [0; 26];
            let len = ok(op.recv(&mut buf, MSG_DONTWAIT), "retry")?;
            if buf[..len] == want[..] {
                Ok(())
            } else {
                Err(format!("retry gave {len} bytes, not the result"))
            }
        })(),
    );

    r.check(
        "aead: decrypt shorter than the tag: EINVAL at the last part",
        (|| {
            let aead = lib(Aead::open_family(family, "gcm(aes)"), "bind")?;
            lib(aead.set_key(&key), "set key")?;
            let op = ok(aead.socket().accept(), "accept")?;
            let control = [Control::Op(0), Control::Iv(&[3; 12]), Control::AssocLen(4)];
            want_errno(
                op.send_msg(&[IoSlice::new(&[0; 19])], &control, 0),
                libc::EINVAL,
            )
        })(),
    );

    r.check(
        "aead: ALG_SET_AEAD_AUTHSIZE 3 for gcm: EINVAL",
        (|| {
            let aead = lib(Aead::open_family(family, "gcm(aes)"), "bind")?;
            want_errno(
                aead.socket()
                    .set_option_len(SOL_ALG, ALG_SET_AEAD_AUTHSIZE, 3),
                libc::EINVAL,
            )
        })(),
    );

    r.check(
        "rng: send EOPNOTSUPP, reads of up to 4096 bytes, a read of 0 gives 0",
        (|| {
            let rng = lib(Rng::open(family, "stdrng"), "bind")?;
            let op: Socket = ok(rng.socket().accept(), "accept")?;
            want_errno(op.send(b"x", 0), libc::EOPNOTSUPP)?;
            let len = ok(op.recv(&mut vec![0; 10000], 0), "recv 10000")?;
            if len != 4096 {
                return Err(format!("a read of 10000 gave {len} bytes, want 4096"));
            }
            match op.recv(&mut [], 0) {
                Ok(0) => Ok(()),
                other => Err(format!("a read of 0: {}", outcome(&other))),
            }
        })(),
    );

    r.check(
        "ALG_SET_DRBG_ENTROPY on skcipher: ENOPROTOOPT; on a non-DRBG rng: EOPNOTSUPP",
        (|| {
            let cipher = lib(Cipher::open(family, "cbc(aes)"), "bind")?;
            want_errno(
                cipher
                    .socket()
                    .set_option(SOL_ALG, ALG_SET_DRBG_ENTROPY, &[0; 32]),
                libc::ENOPROTOOPT,
            )?;
            let rng = lib(
                Rng::open(family, "jitterentropy_rng"),
                "bind jitterentropy_rng",
            )?;
            want_errno(
                rng.socket()
                    .set_option(SOL_ALG, ALG_SET_DRBG_ENTROPY, &[0; 32]),
                libc::EOPNOTSUPP,
            )
        })(),
    );

    println!("ciphercheck abi: {} of {} checks failed", r.failed, r.total);
    r.failed == 0
}
