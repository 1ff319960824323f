// SPDX-License-Identifier: GPL-2.0

//! Tests against a live socket family: kcrypto's, or the one `KCRYPTO_FAMILY`
//! names (38 for the in-kernel AF_ALG). Where no such family exists (a build
//! host without the module) each test prints a note and passes.

#[path = "common/kat.rs"]
mod kat;

use std::io::{IoSlice, Write};

use kat::KATS;
use kcrypto::socket::{MSG_MORE, MSG_TRUNC};
use kcrypto::{Error, Family, Hash, SockaddrAlg, Socket, sockaddr};

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
