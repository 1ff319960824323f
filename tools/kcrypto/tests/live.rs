// SPDX-License-Identifier: GPL-2.0

//! Tests against a live socket family: kcrypto's, or the one `KCRYPTO_FAMILY`
//! names (38 for the in-kernel AF_ALG). Where no such family exists (a build
//! host without the module) each test prints a note and passes.

#[path = "common/kat.rs"]
mod kat;

use std::io::{IoSlice, Write};

use kat::KATS;
use kcrypto::socket::{MSG_MORE, MSG_TRUNC};
use kcrypto::{Aead, Cipher, Error, Family, Hash, Rng, SockaddrAlg, Socket, hex, sockaddr};

/// The family under test, or `None` (after a note) if there is none.
fn family() -> Option<Family> {
    let probe = Family::discover().and_then(|family| {
        Socket::new(family)
            .map(|_| family)
            .map_err(|err| match err.raw_os_error() {
                Some(libc::EAFNOSUPPORT) => Error::FamilyNotRegistered {
                    family: family.number(),
                },
                _ => Error::from(err),
            })
    });
    match probe {
        Ok(family) => Some(family),
        Err(err) if err.is_unavailable() => {
            eprintln!("note: skipped, no socket family to test: {err}");
            None
        }
        Err(err) => panic!("family discovery failed: {err}"),
    }
}

fn open(family: Family, algorithm: &str, key: Option<&[u8]>) -> Hash {
    let hash = Hash::open(family, algorithm).unwrap_or_else(|err| panic!("{algorithm}: {err}"));
    if let Some(key) = key {
        hash.set_key(key)
            .unwrap_or_else(|err| panic!("{algorithm} key: {err}"));
    }
    hash
}

#[test]
fn known_answers_one_shot_and_streamed() {
    let Some(family) = family() else { return };
    for kat in KATS {
        let key = kat.key.map(|key| key.to_vec());
        let hash = open(family, kat.algorithm, key.as_deref());
        let message = kat.message.to_vec();
        let want = kat.expected();

        let digest = hash.digest(&message).expect("digest");
        assert_eq!(
            digest.len(),
            kat::digest_size(kat.algorithm),
            "{}",
            kat.source
        );
        assert_eq!(&digest[..want.len()], &want[..], "{} one-shot", kat.source);
        assert_eq!(hash.digest_size().ok(), Some(digest.len()));

        let mut hasher = hash.hasher().expect("hasher");
        for piece in message.chunks(7919) {
            hasher.write_all(piece).expect("write");
        }
        let streamed = hasher.finish().expect("finish");
        assert_eq!(streamed, digest, "{} streamed", kat.source);
    }
}

#[test]
fn clones_continue_independently() {
    let Some(family) = family() else { return };
    let hash = open(family, "sha256", None);
    let mut hasher = hash.hasher().expect("hasher");
    hasher.update(b"ab").expect("update");
    let mut clone = hasher.try_clone().expect("clone");
    hasher.update(b"c").expect("update");
    clone.update(b"d").expect("update");
    assert_eq!(hasher.finish().ok(), hash.digest(b"abc").ok());
    assert_eq!(clone.finish().ok(), hash.digest(b"abd").ok());
}

#[test]
fn short_receive_buffer_sets_msg_trunc() {
    let Some(family) = family() else { return };
    let hash = open(family, "sha256", None);
    let full = hash.digest(b"abc").expect("digest");

    let op = hash.socket().accept().expect("accept");
    op.send_vectored(&[IoSlice::new(b"a"), IoSlice::new(b"bc")], 0)
        .expect("sendmsg");
    let mut short = [0; 16];
    let (len, flags) = op.recv_msg(&mut short, 0).expect("recvmsg");
    assert_eq!(len, 16);
    assert_ne!(flags & MSG_TRUNC, 0, "MSG_TRUNC not set");
    assert_eq!(&short[..], &full[..16]);

    let op = hash.socket().accept().expect("accept");
    op.send(b"abc", MSG_MORE).expect("send");
    let mut long = [0; 100];
    let (len, flags) = op.recv_msg(&mut long, 0).expect("recvmsg");
    assert_eq!((len, flags & MSG_TRUNC), (32, 0));
    assert_eq!(&long[..32], &full[..]);
}

#[test]
fn errors_have_their_variants() {
    let Some(family) = family() else { return };
    assert!(matches!(
        Hash::open(family, "no-such-algorithm"),
        Err(Error::NotFound)
    ));
    assert!(matches!(
        Hash::open(family, &"a".repeat(64)),
        Err(Error::NameTooLong)
    ));

    let hmac = open(family, "hmac(sha256)", None);
    assert!(matches!(hmac.digest(b"x"), Err(Error::NoKey)));
    assert!(matches!(hmac.digest_size(), Err(Error::NoKey)));
    hmac.set_key(b"key").expect("set key");
    let mut hasher = hmac.hasher().expect("hasher");
    // AF_ALG refuses a new key while operations exist; a family may instead
    // take it for later operations only (kcrypto's documented behaviour).
    match hmac.set_key(b"other") {
        Err(Error::Busy) => {}
        Ok(()) => {
            hasher.update(b"x").expect("update");
            let old_key = open(family, "hmac(sha256)", Some(b"key"));
            assert_eq!(hasher.finish().ok(), old_key.digest(b"x").ok());
            hasher = hmac.hasher().expect("hasher");
        }
        Err(err) => panic!("set key with a hasher open: {err}"),
    }
    drop(hasher);
    hmac.set_key(b"other")
        .expect("set key once the hasher is gone");
    let new_key = open(family, "hmac(sha256)", Some(b"other"));
    assert_eq!(hmac.digest(b"y").ok(), new_key.digest(b"y").ok());

    let cmac = open(family, "cmac(aes)", None);
    assert!(matches!(cmac.set_key(&[0; 5]), Err(Error::InvalidArgument)));
}

#[test]
fn raw_socket_reports_bad_addresses() {
    let Some(family) = family() else { return };
    let sock = Socket::new(family).expect("socket");
    // Only the 24-byte header: no name at all.
    let header = sockaddr::encode_raw(family.sa_family(), b"hash", 0, 0, b"");
    let err = sock.bind_raw(&header).expect_err("no name");
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    // Feature bits nobody may ask for.
    let addr = SockaddrAlg::new(family, "hash", "sha256")
        .expect("addr")
        .with_feat_mask(1, 0);
    let err = sock.bind(&addr).expect_err("bad feat");
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    // An unbound socket has nothing to accept.
    let err = sock.accept().expect_err("unbound");
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
}

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("test vector hex")
}

/// `algorithm` as a keyed cipher, or `None` (after a note) where the family
/// has no skcipher type.
fn cipher(family: Family, algorithm: &str, key: &[u8]) -> Option<Cipher> {
    match Cipher::open(family, algorithm) {
        Ok(cipher) => {
            cipher.set_key(key).expect("set key");
            Some(cipher)
        }
        Err(Error::NotFound) => {
            eprintln!("note: skipped, family {family} has no skcipher {algorithm}");
            None
        }
        Err(err) => panic!("{algorithm}: {err}"),
    }
}

/// NIST SP 800-38A F.1.1, F.2.1, F.5.1 (AES-128): one-shot, streamed in odd
/// updates, and back.
#[test]
fn sp800_38a_known_answers() {
    let Some(family) = family() else { return };
    let key = unhex("2b7e151628aed2a6abf7158809cf4f3c");
    let pt = unhex(concat!(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
    ));
    let vectors = [
        (
            "ecb(aes)",
            "",
            "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4",
        ),
        (
            "cbc(aes)",
            "000102030405060708090a0b0c0d0e0f",
            "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
        ),
        (
            "ctr(aes)",
            "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
        ),
    ];
    for (algorithm, iv, ct) in vectors {
        let Some(cipher) = cipher(family, algorithm, &key) else {
            return;
        };
        let (iv, ct) = (unhex(iv), unhex(ct));
        assert_eq!(
            cipher.encrypt(&iv, &pt).expect("encrypt"),
            ct,
            "{algorithm}"
        );
        assert_eq!(
            cipher.decrypt(&iv, &ct).expect("decrypt"),
            pt,
            "{algorithm}"
        );
        let mut stream = cipher.encryptor(&iv).expect("encryptor");
        let mut out = Vec::new();
        for piece in pt.chunks(23) {
            out.extend(stream.update(piece).expect("update"));
        }
        out.extend(stream.finish().expect("finish"));
        assert_eq!(out, ct, "{algorithm} streamed");
    }
    // A length CBC cannot take.
    let cbc = cipher(family, "cbc(aes)", &key).expect("cbc");
    assert!(matches!(
        cbc.encrypt(&[0; 16], &pt[..17]),
        Err(Error::InvalidArgument)
    ));
}

/// GCM test case 4 (McGrew & Viega, SP 800-38D) and RFC 8439 2.8.2: seal,
/// open, and a changed byte refused.
#[test]
fn aead_known_answers() {
    let Some(family) = family() else { return };
    let rfc8439_pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    // (algorithm, key, IV, associated data, plaintext, ct || tag)
    type Vector = (
        &'static str,
        Vec<u8>,
        &'static str,
        &'static str,
        Vec<u8>,
        &'static str,
    );
    let vectors: [Vector; 2] = [
        (
            "gcm(aes)",
            unhex("feffe9928665731c6d6a8f9467308308"),
            "cafebabefacedbaddecaf888",
            "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            unhex(concat!(
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72",
                "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
            )),
            concat!(
                "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e",
                "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
                "5bc94fbc3221a5db94fae95ae7121a47"
            ),
        ),
        (
            "rfc7539(chacha20,poly1305)",
            (0x80..0xa0).collect(),
            "070000004041424344454647",
            "50515253c0c1c2c3c4c5c6c7",
            rfc8439_pt.to_vec(),
            concat!(
                "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6",
                "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36",
                "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc",
                "3ff4def08e4b7a9de576d26586cec64b6116",
                "1ae10b594f09e26a7e902ecbd0600691"
            ),
        ),
    ];
    for (algorithm, key, iv, aad, pt, sealed) in vectors {
        let aead = match Aead::open_family(family, algorithm) {
            Ok(aead) => aead,
            Err(Error::NotFound) => {
                eprintln!("note: skipped, family {family} has no aead {algorithm}");
                return;
            }
            Err(err) => panic!("{algorithm}: {err}"),
        };
        aead.set_key(&key).expect("set key");
        let (iv, aad, sealed) = (unhex(iv), unhex(aad), unhex(sealed));
        assert_eq!(
            aead.seal(&iv, &aad, &pt).expect("seal"),
            sealed,
            "{algorithm}"
        );
        assert_eq!(
            aead.open(&iv, &aad, &sealed).expect("open"),
            pt,
            "{algorithm}"
        );
        let mut sealer = aead.sealer(&iv, &aad).expect("sealer");
        for piece in pt.chunks(17) {
            sealer.update(piece).expect("update");
        }
        assert_eq!(
            sealer.finish().expect("finish"),
            sealed,
            "{algorithm} streamed"
        );
        let mut bad = sealed.clone();
        bad[3] ^= 0x40;
        assert!(
            matches!(aead.open(&iv, &aad, &bad), Err(Error::AuthenticationFailed)),
            "{algorithm}: changed ciphertext accepted"
        );
        assert!(matches!(
            aead.open(&iv, &aad, &sealed[..15]),
            Err(Error::InvalidArgument)
        ));
    }
}

#[test]
fn rng_fills_any_length() {
    let Some(family) = family() else { return };
    let mut rng = match Rng::open(family, "stdrng") {
        Ok(rng) => rng,
        Err(Error::NotFound) => {
            eprintln!("note: skipped, family {family} has no rng type");
            return;
        }
        Err(err) => panic!("stdrng: {err}"),
    };
    let a = rng.bytes(10_000).expect("fill");
    let b = rng.bytes(10_000).expect("fill");
    assert_ne!(a, b);
    assert!(rng.bytes(0).expect("empty").is_empty());
}
