#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The rng type and keys by keyring serial, on kcrypto and on the in-kernel AF_ALG.

DRBG known answers (testmgr drbg_nopr_* with ALG_SET_DRBG_ENTROPY), read sizes,
ALG_SET_DRBG_ENTROPY's permission check, and ALG_SET_KEY_BY_KEY_SERIAL with
"user" and "logon" keys (add_key(2)) against the same key given by ALG_SET_KEY,
with every keyring errno. KCRYPTO_TEST_FAMILIES (e.g. 38) restricts the families.
"""
import errno
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import afk  # noqa: E402
import ciphers  # noqa: E402
import tap  # noqa: E402
import vectors  # noqa: E402
from tap import as_nobody, check, errno_of, expect_errno, ename, rng  # noqa: E402

RNGS = (b"stdrng", b"drbg_nopr_hmac_sha256", b"drbg_pr_ctr_aes128", b"drbg_nopr_sha256")


def read_len(op, n):
    """Length read, or the errno's name."""
    try:
        return len(op.recv(n)[0])
    except OSError as e:
        return ename(e.errno)


def rng_reads(label, fam, kc):
    maxread = 4096 if kc else 128     # AF_ALG: 128 bytes per read
    for name in RNGS:
        with afk.Sock(fam).bind(b"rng", name, fam=fam) as t:
            if not kc:      # AF_ALG's DRBGs refuse to generate (EINVAL) until seeded
                t.setkey(rng.randbytes(32))
            op = t.accept()
            zero = (read_len(op, 0), errno_of(lambda: os.read(op.fd, 0)))
            check(f"{label}: {name.decode()}: a read of 0 bytes (recvmsg, read) returns 0",
                  zero == (0, 0), f"(got recvmsg {zero[0]}, read {ename(zero[1])})")
            sizes = [(n, read_len(op, n)) for n in (1, 16, 4096, 5000)]
            want = [(1, 1), (16, 16), (4096, min(4096, maxread)), (5000, min(5000, maxread))]
            check(f"{label}: {name.decode()}: reads of 1, 16, 4096, 5000 bytes give "
                  f"{[w for _, w in want]}", sizes == want, f"(got {sizes})")
            a, b = op.recv(32)[0], op.recv(32)[0]
            check(f"{label}: {name.decode()}: two reads differ and are not zero",
                  a != b and a != bytes(32) and b != bytes(32))
            expect_errno(f"{label}: {name.decode()}: sendmsg on an rng socket: EOPNOTSUPP",
                         errno.EOPNOTSUPP, lambda: op.sendmsg(b"x"))
            expect_errno(f"{label}: {name.decode()}: accept on an rng operation socket: "
                         f"EOPNOTSUPP", errno.EOPNOTSUPP, op.accept)
            if kc:
                expect_errno(f"{label}: {name.decode()}: ALG_SET_KEY on an rng operation "
                             f"socket: ENOPROTOOPT", errno.ENOPROTOOPT, lambda: op.setkey(b"s"))
            op.close()
    with afk.Sock(fam).bind(b"rng", b"stdrng", fam=fam) as t:
        expect_errno(f"{label}: ALG_SET_AEAD_AUTHSIZE on rng: ENOPROTOOPT", errno.ENOPROTOOPT,
                     lambda: t.set_authsize(16))
        t.setkey(rng.randbytes(48))
        with t.accept() as op:
            check(f"{label}: stdrng reads after a seed", len(op.recv(64)[0]) == min(64, 4096))
    # The same seeding on two sockets still gives different output (fresh entropy).
    outs = []
    for _ in range(2):
        with afk.Sock(fam).bind(b"rng", b"drbg_nopr_hmac_sha256", fam=fam) as t:
            t.setkey(b"same personalization")
            with t.accept() as op:
                outs.append(op.recv(32)[0])
    check(f"{label}: two sockets seeded alike without test entropy differ", outs[0] != outs[1])


def drbg_kat(label, fam, kc):
    for source, name, entropy, pers, expected in vectors.DRBG:
        entropy, pers, expected = (bytes.fromhex(v) for v in (entropy, pers, expected))
        with afk.Sock(fam).bind(b"rng", name, fam=fam) as t:
            t.set_entropy(entropy)
            t.setkey(pers)
            with t.accept() as op:
                first = ciphers.recv_exact(op, len(expected))
                second = ciphers.recv_exact(op, len(expected))
        check(f"{label}: {source} (entropy, personalization {len(pers)} bytes)",
              second == expected and first != expected, f"({second.hex()[:64]})")
    with afk.Sock(fam).bind(b"rng", b"drbg_nopr_hmac_sha256", fam=fam) as t:
        got = as_nobody(lambda: t.set_entropy(b"e" * 48))
        want = errno.EPERM if kc else errno.EACCES     # AF_ALG answers EACCES
        check(f"{label}: ALG_SET_DRBG_ENTROPY without CAP_SYS_ADMIN: {ename(want)}",
              got == want, f"(got {ename(got)})")
        t.set_entropy(b"e" * 48)
        t.setkey(b"")
        with t.accept() as op:
            check(f"{label}: after the refusal root sets entropy and reads",
                  len(op.recv(32)[0]) == 32)
    with afk.Sock(fam).bind(b"skcipher", b"cbc(aes)", fam=fam) as t:
        expect_errno(f"{label}: ALG_SET_DRBG_ENTROPY on skcipher: ENOPROTOOPT",
                     errno.ENOPROTOOPT, lambda: t.set_entropy(b"e" * 48))
    if kc:
        with afk.Sock(fam).bind(b"rng", b"drbg_nopr_hmac_sha256", fam=fam) as t:
            expect_errno(f"{label}: ALG_SET_DRBG_ENTROPY of 0 bytes: EINVAL", errno.EINVAL,
                         lambda: t.set_entropy(b""))
            expect_errno(f"{label}: ALG_SET_DRBG_ENTROPY of 1025 bytes: EMSGSIZE",
                         errno.EMSGSIZE, lambda: t.set_entropy(b"e" * 1025))
            with t.accept() as op:
                expect_errno(f"{label}: ALG_SET_DRBG_ENTROPY on an operation socket: "
                             f"ENOPROTOOPT", errno.ENOPROTOOPT, lambda: op.set_entropy(b"e" * 48))
        with afk.Sock(fam).bind(b"rng", b"jitterentropy_rng", fam=fam) as t:
            expect_errno(f"{label}: ALG_SET_DRBG_ENTROPY on jitterentropy_rng: EOPNOTSUPP",
                         errno.EOPNOTSUPP, lambda: t.set_entropy(b"e" * 48))


def encrypt_with(fam, setkey, iv, data, name=b"cbc(aes)"):
    with afk.Sock(fam).bind(b"skcipher", name, fam=fam) as t:
        setkey(t)
        with t.accept() as op:
            return ciphers.skcipher_op(op, data, True, iv)


def keys(label, fam, kc):
    # add_key(2) updates a key of the same type and description: one name per family
    tag = f"kcrypto{fam}".encode()
    key, iv, data = rng.randbytes(rng.choice([16, 24, 32])), rng.randbytes(16), rng.randbytes(64)
    want = ciphers.ref_skcipher(b"cbc(aes)", key, iv, data, True)
    direct = encrypt_with(fam, lambda t: t.setkey(key), iv, data)
    for kind, desc in ((b"user", b"-test-user"), (b"logon", b":test-logon")):
        serial = afk.add_key(kind, tag + desc, key)
        out = encrypt_with(fam, lambda t: t.set_key_serial(serial), iv, data)
        check(f"{label}: a \"{kind.decode()}\" key by serial encrypts as ALG_SET_KEY",
              out == direct == want)
    # aead too, and the key is copied: revoking it later does not matter
    x_key, x_iv, aad, pt = rng.randbytes(32), rng.randbytes(12), rng.randbytes(8), rng.randbytes(40)
    serial = afk.add_key(b"user", tag + b"-test-aead", x_key)
    with afk.Sock(fam).bind(b"aead", b"gcm(aes)", fam=fam) as t:
        t.set_key_serial(serial)
        afk.keyctl(afk.KEYCTL_REVOKE, serial)
        with t.accept() as op:
            out = ciphers.aead_op(op, aad + pt, True, x_iv, 8, 8 + 40 + 16)
    check(f"{label}: gcm(aes) key by serial, key revoked after setting: still the same key",
          out == aad + ciphers.ref_aead_encrypt(b"gcm(aes)", x_key, x_iv, aad, pt, 16))

    with afk.Sock(fam).bind(b"skcipher", b"cbc(aes)", fam=fam) as t:
        good = afk.add_key(b"user", tag + b"-test-good", key)
        expect_errno(f"{label}: key serial that does not exist: ENOKEY", errno.ENOKEY,
                     lambda: t.set_key_serial(0x7ffffff0))
        for optlen in (3, 8, 0):
            expect_errno(f"{label}: key serial with optlen {optlen}: EINVAL", errno.EINVAL,
                         lambda: t.set_key_serial(good, optlen))
        revoked = afk.add_key(b"user", tag + b"-test-revoked", key)
        afk.keyctl(afk.KEYCTL_REVOKE, revoked)
        expect_errno(f"{label}: revoked key: EKEYREVOKED", errno.EKEYREVOKED,
                     lambda: t.set_key_serial(revoked))
        ring = afk.add_key(b"keyring", tag + b"-test-ring", None)
        rejected = errno.EKEYREJECTED if kc else errno.ENOPROTOOPT   # AF_ALG: ENOPROTOOPT
        expect_errno(f"{label}: a \"keyring\" key: {ename(rejected)}", rejected,
                     lambda: t.set_key_serial(ring))
        hidden = afk.add_key(b"user", tag + b"-test-noperm", key)
        afk.keyctl(afk.KEYCTL_SETPERM, hidden, 0)
        expect_errno(f"{label}: key without search permission: EACCES", errno.EACCES,
                     lambda: t.set_key_serial(hidden))
        expiring = afk.add_key(b"user", tag + b"-test-expiring", key)
        afk.keyctl(afk.KEYCTL_SET_TIMEOUT, expiring, 1)
        time.sleep(1.5)
        expect_errno(f"{label}: expired key: EKEYEXPIRED", errno.EKEYEXPIRED,
                     lambda: t.set_key_serial(expiring))
        short = afk.add_key(b"user", tag + b"-test-short", key[:15])
        expect_errno(f"{label}: user key of 15 bytes for AES: EINVAL", errno.EINVAL,
                     lambda: t.set_key_serial(short))
        if kc:
            long_ = afk.add_key(b"user", tag + b"-test-long", bytes(1025))
            expect_errno(f"{label}: user key of 1025 bytes: EMSGSIZE", errno.EMSGSIZE,
                         lambda: t.set_key_serial(long_))
            expect_errno(f"{label}: accept after refused keys: ENOKEY", errno.ENOKEY, t.accept)
        t.set_key_serial(good)
        op = t.accept()
        other = afk.add_key(b"user", tag + b"-test-other", rng.randbytes(16))
        expect_errno(f"{label}: key serial with an operation socket open: EBUSY", errno.EBUSY,
                     lambda: t.set_key_serial(other))
        if kc:
            expect_errno(f"{label}: key serial on an operation socket: ENOPROTOOPT",
                         errno.ENOPROTOOPT, lambda: op.set_key_serial(good))
        out = ciphers.skcipher_op(op, data, True, iv)
        op.close()
        check(f"{label}: after the refusals the socket has the good key", out == want)
    with afk.Sock(fam) as s:
        expect_errno(f"{label}: key serial on an unbound socket: ENOPROTOOPT",
                     errno.ENOPROTOOPT, lambda: s.set_key_serial(good))
    with afk.Sock(fam).bind(b"hash", b"sha256", fam=fam) as s:
        expect_errno(f"{label}: key serial on an unkeyed hash: ENOSYS (as ALG_SET_KEY)",
                     errno.ENOSYS, lambda: s.set_key_serial(good))


def main():
    tap.header("62-rng-keys")
    tap.modprobe("algif_rng", "algif_skcipher", "algif_aead", "algif_hash")
    for label, fam in tap.families():
        kc = fam != afk.AF_ALG
        if tap.binds(label, fam, b"rng", b"stdrng"):
            rng_reads(label, fam, kc)
            drbg_kat(label, fam, kc)
        if tap.binds(label, fam, b"skcipher", b"cbc(aes)"):
            keys(label, fam, kc)
    return tap.finish()


sys.exit(main())
