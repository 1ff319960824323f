// SPDX-License-Identifier: GPL-2.0

//! Which algorithms a socket may bind to, decided once, in `bind`, before the crypto API sees
//! the name (so no template is instantiated and no module requested for a refused name).
//!
//! Module parameter `policy` (writable by root at run time) sets the mode, like upstream's
//! `af_alg_restrict`:
//!
//! - 0, open: any name of the [`name`] grammar, as AF_ALG;
//! - 1, allowlists (default): names on the type's `allow_<type>` list, plus `allow_<type>_priv`
//!   for callers with `CAP_NET_ADMIN` in the initial user namespace or `CAP_SYS_ADMIN`;
//!   dangerous constructions ([`name::Name::is_dangerous`]) never;
//! - 2, off: nothing.
//!
//! A name is allowed if it, or its generic form (every part that is the driver name of a
//! registered implementation replaced by that implementation's generic name, so
//! `cbc-aes-aesni` and `cbc(aes-generic)` are `cbc(aes)`), is on a list. Every refusal is
//! [`REFUSED`]; a name outside the grammar is `EINVAL` in every mode.

pub(crate) mod name;

use kernel::{ffi::c_char, prelude::*, str::CStr};

use crate::{crypto::MAX_ALG_NAME, ffi};
use name::Name;

/// The errno of every policy refusal: `ENOENT`, as upstream's `af_alg_restrict` and as for an
/// algorithm that does not exist, so programs handle both alike.
pub(crate) const REFUSED: Error = ENOENT;

/// Size of an allowlist parameter, terminator included (`KCRYPTO_POLICY_LIST_MAX`).
const LIST_MAX: usize = 1024;

/// The value of the `policy` module parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// 0: every name of the grammar.
    Open,
    /// 1: names on the allowlists, no dangerous construction.
    Allowlist,
    /// 2: no name at all.
    Off,
}

/// What a decision reads from the kernel; the KUnit cases supply their own.
pub(crate) trait Env {
    /// The current mode.
    fn mode(&self) -> Mode;
    /// Copies the allowlist for type `kind` (`privileged`: the additions for privileged
    /// callers) into `buf`; returns its length.
    fn list(&self, kind: &CStr, privileged: bool, buf: &mut [u8]) -> Result<usize>;
    /// Whether the caller gets the privileged additions.
    fn privileged(&self) -> bool;
    /// Writes the generic name of the registered implementation whose driver name is `driver`
    /// into `out`: its length, or `None` if there is no such driver.
    fn resolve(&self, driver: &[u8], out: &mut [u8]) -> Result<Option<usize>>;
}

/// The running kernel: module parameters, the caller's credentials, the crypto API's list.
struct Kernel;

impl Env for Kernel {
    fn mode(&self) -> Mode {
        // SAFETY: Reads a module parameter; no preconditions.
        match unsafe { ffi::kcrypto_param_policy() } {
            0 => Mode::Open,
            1 => Mode::Allowlist,
            _ => Mode::Off,
        }
    }

    fn list(&self, kind: &CStr, privileged: bool, buf: &mut [u8]) -> Result<usize> {
        // SAFETY: `kind` is NUL-terminated and `buf` valid for writes of its length.
        let len = unsafe {
            ffi::kcrypto_policy_list(
                kind.as_char_ptr(),
                privileged,
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        usize::try_from(len).map_err(|_| Error::from_errno(len))
    }

    fn privileged(&self) -> bool {
        // SAFETY: Called in the caller's process context (bind); no other preconditions.
        unsafe { ffi::kcrypto_policy_privileged() }
    }

    fn resolve(&self, driver: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
        let mut name = [0u8; MAX_ALG_NAME];
        let Some(copy) = name.get_mut(..driver.len()) else {
            // Longer than any driver name.
            return Ok(None);
        };
        copy.copy_from_slice(driver);
        if name[MAX_ALG_NAME - 1] != 0 {
            return Ok(None);
        }
        // SAFETY: `name` is NUL-terminated (its last byte is 0), `out` valid for writes of its
        // length.
        let len = unsafe {
            ffi::kcrypto_driver_alg_name(name.as_ptr().cast(), out.as_mut_ptr().cast(), out.len())
        };
        match usize::try_from(len) {
            Ok(0) => Ok(None),
            Ok(len) => Ok(Some(len)),
            Err(_) => Err(Error::from_errno(len)),
        }
    }
}

/// Whether the implementation with driver name `driver` may serve a socket: in modes 1 and 2,
/// not if its driver name is a dangerous construction (it outranks the plain implementation once
/// someone has instantiated it, e.g. `pcrypt(gcm_base(ctr(aes-aesni),ghash-generic))`).
pub(crate) fn may_serve(driver: &[u8]) -> bool {
    Kernel.mode() == Mode::Open || !Name::parse(driver).is_ok_and(|name| name.is_dangerous())
}

/// [`may_serve`] for `src/drivers.c`, which calls it under the crypto API's list lock: it only
/// parses, never sleeps.
///
/// # Safety
///
/// `driver` must be a NUL-terminated string, live for the call.
#[no_mangle]
unsafe extern "C" fn kcrypto_policy_may_serve(driver: *const c_char) -> bool {
    // SAFETY: The caller guarantees `driver` is NUL-terminated and live.
    let driver = unsafe { CStr::from_char_ptr(driver) };
    may_serve(driver.as_bytes())
}

/// Decides whether the caller may bind a socket of type `kind` to `name`.
pub(crate) fn check(kind: &CStr, name: &CStr) -> Result {
    decide(&Kernel, kind, name.as_bytes())
}

/// [`check`] against `env`.
fn decide(env: &impl Env, kind: &CStr, text: &[u8]) -> Result {
    let name = Name::parse(text)?;
    match env.mode() {
        Mode::Open => return Ok(()),
        Mode::Off => return Err(REFUSED),
        Mode::Allowlist => {}
    }
    if name.is_dangerous() {
        return Err(REFUSED);
    }
    let mut buf = [0u8; name::MAX_LEN];
    let len = name
        .generic(&mut |driver, out| env.resolve(driver, out), &mut buf)
        .map_err(|_| REFUSED)?;
    let generic = Name::parse(&buf[..len]).map_err(|_| REFUSED)?;
    if generic.is_dangerous() {
        return Err(REFUSED);
    }
    let forms = [name.text(), generic.text()];
    if listed(env, kind, false, &forms)? || (env.privileged() && listed(env, kind, true, &forms)?) {
        return Ok(());
    }
    Err(REFUSED)
}

/// Whether one of `forms` is on the allowlist of `kind`.
fn listed(env: &impl Env, kind: &CStr, privileged: bool, forms: &[&[u8]]) -> Result<bool> {
    let mut list = KVec::from_elem(0u8, LIST_MAX, GFP_KERNEL)?;
    let len = env.list(kind, privileged, &mut list)?;
    let found = name::entries(list.get(..len).ok_or(EINVAL)?).any(|entry| forms.contains(&entry));
    Ok(found)
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use kernel::c_str;

    struct Fake {
        mode: Mode,
        privileged: bool,
    }

    impl Env for Fake {
        fn mode(&self) -> Mode {
            self.mode
        }

        fn list(&self, kind: &CStr, privileged: bool, buf: &mut [u8]) -> Result<usize> {
            let list: &[u8] = match (kind.as_bytes(), privileged) {
                (b"hash", false) => b"sha256 hmac(sha256) hmac(hmac(sha256)) __sha256",
                (b"hash", true) => b"md5",
                (b"skcipher", false) => b"cbc(aes),ctr(aes)",
                (b"skcipher", true) => b"",
                (b"aead", false) => b"gcm(aes) authencesn(hmac(sha256),cbc(aes))",
                (b"aead", true) => b"pcrypt(gcm(aes)) evil",
                _ => return Err(ENOENT),
            };
            buf[..list.len()].copy_from_slice(list);
            Ok(list.len())
        }

        fn privileged(&self) -> bool {
            self.privileged
        }

        fn resolve(&self, driver: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
            let generic: &[u8] = match driver {
                b"sha256-generic" => b"sha256",
                b"aes-aesni" => b"aes",
                b"cbc-aes-aesni" => b"cbc(aes)",
                b"md5-generic" => b"md5",
                // A driver whose generic name is a refused construction.
                b"evil" => b"pcrypt(gcm(aes))",
                _ => return Ok(None),
            };
            out.get_mut(..generic.len())
                .ok_or(E2BIG)?
                .copy_from_slice(generic);
            Ok(Some(generic.len()))
        }
    }

    kunit_case!(kcrypto_test_policy_decisions, |t| {
        let user = Fake {
            mode: Mode::Allowlist,
            privileged: false,
        };
        let admin = Fake {
            mode: Mode::Allowlist,
            privileged: true,
        };
        let open = Fake {
            mode: Mode::Open,
            privileged: false,
        };
        let off = Fake {
            mode: Mode::Off,
            privileged: true,
        };
        let hash = c_str!("hash");
        let skcipher = c_str!("skcipher");
        let aead = c_str!("aead");

        for (env, kind, text, want) in [
            // Listed names, by generic and by driver name, whole or in part.
            (&user, hash, &b"sha256"[..], Ok(())),
            (&user, hash, b"sha256-generic", Ok(())),
            (&user, hash, b"hmac(sha256-generic)", Ok(())),
            (&user, skcipher, b"cbc-aes-aesni", Ok(())),
            (&user, skcipher, b"ctr(aes-aesni)", Ok(())),
            // Lists are per type.
            (&user, skcipher, b"sha256", Err(REFUSED)),
            (&user, hash, b"cbc(aes)", Err(REFUSED)),
            (&user, c_str!("rng"), b"stdrng", Err(REFUSED)),
            // Not listed, or listed only for privileged callers.
            (&user, hash, b"sha1", Err(REFUSED)),
            (&user, skcipher, b"cbc(aes-x)", Err(REFUSED)),
            (&user, hash, b"md5", Err(REFUSED)),
            (&admin, hash, b"md5", Ok(())),
            (&admin, hash, b"md5-generic", Ok(())),
            (&admin, hash, b"sha256", Ok(())),
            // Dangerous constructions are refused even when listed, even for root.
            (&admin, hash, b"hmac(hmac(sha256))", Err(REFUSED)),
            (&admin, hash, b"__sha256", Err(REFUSED)),
            (
                &admin,
                aead,
                b"authencesn(hmac(sha256),cbc(aes))",
                Err(REFUSED),
            ),
            (&admin, aead, b"pcrypt(gcm(aes))", Err(REFUSED)),
            (&admin, aead, b"evil", Err(REFUSED)),
            (&admin, aead, b"gcm(aes)", Ok(())),
            // Open allows what the grammar allows; off allows nothing.
            (&open, hash, b"hmac(hmac(sha256))", Ok(())),
            (&open, c_str!("nosuchtype"), b"anything", Ok(())),
            (&off, hash, b"sha256", Err(REFUSED)),
            // A name outside the grammar is EINVAL in every mode.
            (&user, hash, b"sha256)", Err(EINVAL)),
            (&open, hash, b"a(b(c(d(e(f)))))", Err(EINVAL)),
            (&off, hash, b"", Err(EINVAL)),
        ] {
            let got = decide(env, kind, text);
            kunit_expect_eq!(
                t,
                got,
                want,
                "{:?} {:?} {:?}",
                env.mode,
                kind,
                core::str::from_utf8(text)
            );
        }
    });

    kunit_case!(kcrypto_test_policy_defaults, |t| {
        // The default lists (src/shim.c) serve what kcrypto's tests and tools use; these run
        // while the module loads, with `policy` at its default.
        kunit_expect_eq!(t, Kernel.mode(), Mode::Allowlist);
        let plain = Fake {
            mode: Mode::Allowlist,
            privileged: false,
        };
        struct Defaults<'a>(&'a Fake);
        impl Env for Defaults<'_> {
            fn mode(&self) -> Mode {
                self.0.mode
            }
            fn list(&self, kind: &CStr, privileged: bool, buf: &mut [u8]) -> Result<usize> {
                Kernel.list(kind, privileged, buf)
            }
            fn privileged(&self) -> bool {
                self.0.privileged
            }
            fn resolve(&self, driver: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
                Kernel.resolve(driver, out)
            }
        }
        let user = Defaults(&plain);
        let hashes: &[&[u8]] = &[
            b"sha1",
            b"sha224",
            b"sha256",
            b"sha384",
            b"sha512",
            b"sha3-256",
            b"sha3-512",
            b"hmac(sha256)",
            b"cmac(aes)",
            b"crc32c",
            b"sha256-generic",
            b"hmac(sha256-generic)",
        ];
        let ciphers: &[&[u8]] = &[
            b"cbc(aes)",
            b"ecb(aes)",
            b"ctr(aes)",
            b"xts(aes)",
            b"cts(cbc(aes))",
            b"xctr(aes)",
            b"rfc3686(ctr(aes))",
            b"chacha20",
            b"ctr(aes-generic)",
            b"cbc(aes-aesni)",
        ];
        let aeads: &[&[u8]] = &[
            b"gcm(aes)",
            b"ccm(aes)",
            b"rfc4106(gcm(aes))",
            b"rfc7539(chacha20,poly1305)",
        ];
        let rngs: &[&[u8]] = &[b"stdrng", b"drbg_nopr_hmac_sha256"];
        let akciphers: &[&[u8]] = &[b"rsa", b"pkcs1pad(rsa,sha256)"];
        for (kind, names) in [
            (c_str!("hash"), hashes),
            (c_str!("skcipher"), ciphers),
            (c_str!("aead"), aeads),
            (c_str!("rng"), rngs),
            (c_str!("akcipher"), akciphers),
        ] {
            for name in names {
                let got = decide(&user, kind, name);
                kunit_expect_eq!(
                    t,
                    got,
                    Ok(()),
                    "{:?} {:?}",
                    kind,
                    core::str::from_utf8(name)
                );
            }
        }
        for (kind, name) in [
            (c_str!("hash"), &b"hmac(hmac(sha256))"[..]),
            (c_str!("hash"), b"md5"),
            (c_str!("aead"), b"authencesn(hmac(sha256),cbc(aes))"),
            (c_str!("aead"), b"pcrypt(gcm(aes))"),
            (c_str!("aead"), b"authenc(hmac(sha256),cbc(aes))"),
            (c_str!("skcipher"), b"cryptd(cbc(aes))"),
            (c_str!("skcipher"), b"__cbc-aes-aesni"),
            (c_str!("rng"), b"jitterentropy_rng"),
        ] {
            let got = decide(&user, kind, name);
            kunit_expect_eq!(t, got, Err(REFUSED), "{:?}", core::str::from_utf8(name));
        }
        let admin_fake = Fake {
            mode: Mode::Allowlist,
            privileged: true,
        };
        let admin = Defaults(&admin_fake);
        for (kind, name) in [
            (c_str!("aead"), &b"authenc(hmac(sha256),cbc(aes))"[..]),
            (c_str!("rng"), b"jitterentropy_rng"),
            (c_str!("hash"), b"md5"),
        ] {
            let got = decide(&admin, kind, name);
            kunit_expect_eq!(t, got, Ok(()), "{:?}", core::str::from_utf8(name));
        }
        let got = decide(&admin, c_str!("hash"), b"hmac(hmac(sha256))");
        kunit_expect_eq!(t, got, Err(REFUSED));

        // Implementations: what another user instantiated does not serve a socket if refused.
        kunit_expect!(t, may_serve(b"generic-gcm-aesni"));
        kunit_expect!(t, may_serve(b"gcm_base(ctr(aes-aesni),ghash-generic)"));
        kunit_expect!(
            t,
            !may_serve(b"pcrypt(gcm_base(ctr(aes-aesni),ghash-generic))")
        );
        kunit_expect!(t, !may_serve(b"cryptd(sha256-generic)"));
    });
}
