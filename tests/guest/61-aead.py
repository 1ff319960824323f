#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The aead type, on kcrypto and on the in-kernel AF_ALG.

Known answers (NIST SP 800-38D, RFC 3610, RFC 8439, testmgr rfc4106(gcm(aes))),
a differential test against Python's `cryptography` and between the families
over random keys, IVs, tag sizes, AAD/text lengths and MSG_MORE chunkings,
the AAD||CT||TAG layout, tag sizes, bad tags and every bad input with its
errno. kcrypto-only semantics (never blocking, whole-result reads, queued
results, request-scoped control messages, SO_SNDBUF) run on kcrypto only.
KCRYPTO_TEST_FAMILIES (e.g. 38) restricts the families.
"""
import ctypes
import errno
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import afk  # noqa: E402
import ciphers  # noqa: E402
import tap  # noqa: E402
import vectors  # noqa: E402
from tap import check, errno_of, expect_errno, ename, rng  # noqa: E402

AEADS = ciphers.AEADS
DONTWAIT = socket.MSG_DONTWAIT
MORE = socket.MSG_MORE


class Input:
    """A random valid input for an AEAD algorithm."""

    def __init__(self, name, ptlen=None, aadlen=None, tag=None):
        alg = AEADS[name]
        self.name = name
        self.key = rng.randbytes(rng.choice(alg.keylens))
        if name == b"ccm(aes)":
            self.iv = ciphers.ccm_iv(rng.randbytes(rng.randrange(7, 14)))
        else:
            self.iv = rng.randbytes(alg.ivlen)
        self.tag = tag or rng.choice(alg.tags)
        if ptlen is None:
            ptlen = rng.choice([0, 1, 15, 16, 17, 64, rng.randrange(0, 16384),
                                rng.randrange(0, 1024)])
        if name == b"rfc4106(gcm(aes))":    # assoclen: 8 or 12 bytes of AAD, then the IV
            self.aad = rng.randbytes(rng.choice([8, 12])) + self.iv
        else:
            self.aad = rng.randbytes(rng.choice([0, 1, 16, 20, rng.randrange(0, 100)])
                                     if aadlen is None else aadlen)
        self.pt = rng.randbytes(ptlen)
        self.ct = ciphers.ref_aead_encrypt(name, self.key, self.iv, self.aad, self.pt, self.tag)

    def desc(self):
        return (f"key {len(self.key)}, iv {self.iv.hex()}, aad {len(self.aad)}, "
                f"pt {len(self.pt)}, tag {self.tag}")


def encrypt(fam, x, chunks=None):
    return ciphers.aead(fam, x.name, x.key, x.iv, x.aad, x.pt, True, x.tag, chunks)


def decrypt(fam, x, ct=None, chunks=None):
    return ciphers.aead(fam, x.name, x.key, x.iv, x.aad, x.ct if ct is None else ct, False,
                        x.tag, chunks)


def kat(label, fam):
    for source, name, key, iv, aad, pt, ct, tag in vectors.AEAD:
        key, iv, aad, pt, ct = (bytes.fromhex(v) for v in (key, iv, aad, pt, ct))
        enc = ciphers.aead(fam, name, key, iv, aad, pt, True, tag)
        dec = ciphers.aead(fam, name, key, iv, aad, ct, False, tag,
                           ciphers.chunking(rng, len(aad) + len(ct)))
        check(f"{label}: {source} ({name.decode()}) encrypt and chunked decrypt",
              enc == aad + ct and dec == aad + pt,
              f"(encrypt {enc.hex()[:64]}, decrypt {dec.hex()[:64]})")


def differential(fams, rounds=5):
    for name in AEADS:
        bad = []
        for _ in range(rounds):
            x = Input(name)
            outs = []
            for label, fam in fams:
                total = len(x.aad) + len(x.pt)
                chunks = ciphers.chunking(rng, total)
                dchunks = ciphers.chunking(rng, total + x.tag)
                try:
                    enc = encrypt(fam, x, chunks)
                    dec = decrypt(fam, x, chunks=dchunks)
                except OSError as e:
                    bad.append((label, x.desc(), f"{len(chunks)}/{len(dchunks)} parts",
                                ename(e.errno)))
                    continue
                outs.append(enc)
                if enc != x.aad + x.ct or dec != x.aad + x.pt:
                    bad.append((label, x.desc(), "enc" if enc != x.aad + x.ct else "dec"))
            if len(set(outs)) > 1:
                bad.append(("families differ", x.desc()))
        who = " == ".join(lb for lb, _ in fams)
        check(f"differential {name.decode()}: {who} == cryptography over {rounds} random "
              f"keys/IVs/tags/lengths/chunkings, encrypt and decrypt", not bad, str(bad[:3]))


def layout_and_tags(label, fam):
    x = Input(b"gcm(aes)", ptlen=100, aadlen=20, tag=12)
    out = encrypt(fam, x)
    check(f"{label}: encrypt output is AAD || CT || TAG (gcm, tag 12)",
          len(out) == 132 and out[:20] == x.aad and out[20:] == x.ct, f"({len(out)} bytes)")
    dec = decrypt(fam, x)
    check(f"{label}: decrypt input AAD || CT || TAG gives AAD || PT", dec == x.aad + x.pt)
    for name, alg in AEADS.items():
        x = Input(name, ptlen=33)
        with ciphers.tfm(fam, b"aead", name, x.key) as t, t.accept() as op:
            out = ciphers.aead_op(op, x.aad + x.pt, True, x.iv, len(x.aad),
                                  len(x.aad) + 33 + max(alg.tags))
        want = ciphers.ref_aead_encrypt(name, x.key, x.iv, x.aad, x.pt, max(alg.tags))
        check(f"{label}: {name.decode()}: the default tag size is {max(alg.tags)}",
              out == x.aad + want, f"({len(out)} bytes)")
        with afk.Sock(fam).bind(b"aead", name, fam=fam) as t:
            for tag in alg.bad_tags:
                expect_errno(f"{label}: {name.decode()}: tag size {tag}: EINVAL", errno.EINVAL,
                             lambda: t.set_authsize(tag))
        bad = []
        for tag in alg.tags:
            y = Input(name, ptlen=17, tag=tag)
            if encrypt(fam, y) != y.aad + y.ct or decrypt(fam, y) != y.aad + y.pt:
                bad.append(tag)
        check(f"{label}: {name.decode()}: every accepted tag size {alg.tags} works", not bad,
              f"(wrong: {bad})")
    for name in (b"gcm(aes)", b"ccm(aes)", b"rfc7539(chacha20,poly1305)"):
        for ptlen, aadlen in ((0, 0), (0, 24), (24, 0)):
            x = Input(name, ptlen=ptlen, aadlen=aadlen)
            enc, dec = encrypt(fam, x), decrypt(fam, x)
            check(f"{label}: {name.decode()}: AAD {aadlen} bytes, text {ptlen} bytes",
                  enc == x.aad + x.ct and dec == x.aad + x.pt,
                  f"({enc.hex()} / {dec.hex()})")
    # ccm: the kernel builds the counter itself: junk in the IV's counter bytes is ignored
    x = Input(b"ccm(aes)", ptlen=40)
    L = x.iv[0] + 1
    junk = x.iv[:16 - L] + rng.randbytes(L)
    out = ciphers.aead(fam, b"ccm(aes)", x.key, junk, x.aad, x.pt, True, x.tag)
    check(f"{label}: ccm(aes): the IV's counter bytes are ignored", out == x.aad + x.ct)


def fails(op, data, control, outlen, chunks=None):
    """(errno, 'send' or 'recv') of an operation that should fail."""
    try:
        ciphers.send_op(op, data, control, chunks)
    except OSError as e:
        return e.errno, "send"
    try:
        op.recv(max(outlen, 1), DONTWAIT)
    except OSError as e:
        return e.errno, "recv"
    return 0, ""


def ctl(encrypt_, iv, assoclen):
    return [afk.cmsg_op(encrypt_), afk.cmsg_iv(iv), afk.cmsg_assoclen(assoclen)]


def bad_tag(label, fam, kc):
    for name in AEADS:
        x = Input(name, ptlen=rng.randrange(1, 300))
        ct = bytearray(x.ct)
        for where, pos in (("tag", len(ct) - 1), ("ciphertext", 0)):
            bad = bytearray(ct)
            bad[pos] ^= 1 << rng.randrange(8)
            outlen = len(x.aad) + len(x.pt)
            with ciphers.tfm(fam, b"aead", name, x.key, x.tag) as t, t.accept() as op:
                ciphers.send_op(op, x.aad + bytes(bad), ctl(False, x.iv, len(x.aad)))
                buf = ctypes.create_string_buffer(b"\xa5" * (outlen + 16), outlen + 16)
                got = errno_of(lambda: op.recv_into(buf, DONTWAIT))
                check(f"{label}: {name.decode()}: a flipped bit in the {where}: EBADMSG",
                      got == errno.EBADMSG, f"(got {ename(got)})")
                if kc:
                    check(f"{label}: {name.decode()}: after EBADMSG nothing was written to the "
                          f"buffer", buf.raw == b"\xa5" * (outlen + 16))
                    expect_errno(f"{label}: {name.decode()}: after EBADMSG the result is gone "
                                 f"(EAGAIN)", errno.EAGAIN, lambda: op.recv(outlen, DONTWAIT))
                    out = ciphers.aead_op(op, x.aad + x.ct, False, x.iv, len(x.aad), outlen)
                    check(f"{label}: {name.decode()}: after EBADMSG the socket decrypts",
                          out == x.aad + x.pt)
    # a bad AAD byte, on gcm
    x = Input(b"gcm(aes)", ptlen=50, aadlen=16)
    aad = bytes([x.aad[0] ^ 0x80]) + x.aad[1:]
    with ciphers.tfm(fam, b"aead", b"gcm(aes)", x.key, x.tag) as t, t.accept() as op:
        ciphers.send_op(op, aad + x.ct, ctl(False, x.iv, 16))
        expect_errno(f"{label}: gcm(aes): a flipped bit in the AAD: EBADMSG", errno.EBADMSG,
                     lambda: op.recv(16 + 50, DONTWAIT))


def bad_inputs(label, fam, kc):
    x = Input(b"gcm(aes)", ptlen=64, aadlen=16, tag=16)
    with afk.Sock(fam).bind(b"aead", b"gcm(aes)", fam=fam) as t:
        expect_errno(f"{label}: gcm(aes) key of 17 bytes: EINVAL", errno.EINVAL,
                     lambda: t.setkey(bytes(17)))
        expect_errno(f"{label}: ALG_SET_DRBG_ENTROPY on aead: ENOPROTOOPT", errno.ENOPROTOOPT,
                     lambda: t.set_entropy(b"e" * 32))
        if kc:
            expect_errno(f"{label}: aead accept without a key: ENOKEY", errno.ENOKEY, t.accept)
            expect_errno(f"{label}: aead key of 1025 bytes: EMSGSIZE", errno.EMSGSIZE,
                         lambda: t.setkey(bytes(1025)))
        t.setkey(x.key)
        with t.accept() as op:
            expect_errno(f"{label}: accept on an aead operation socket: EOPNOTSUPP",
                         errno.EOPNOTSUPP, op.accept)
            if kc:
                expect_errno(f"{label}: aead recv with nothing queued: EAGAIN", errno.EAGAIN,
                             lambda: op.recv(100))
                expect_errno(f"{label}: ALG_SET_AEAD_AUTHSIZE on an operation socket: "
                             f"ENOPROTOOPT", errno.ENOPROTOOPT, lambda: op.set_authsize(8))
    with afk.Sock(fam) as s:
        expect_errno(f"{label}: ALG_SET_AEAD_AUTHSIZE on an unbound socket: ENOPROTOOPT",
                     errno.ENOPROTOOPT, lambda: s.set_authsize(16))

    n = len(x.aad) + len(x.pt)
    cases = [
        ("gcm(aes) IV of 16 bytes", b"gcm(aes)", x.key, ctl(True, bytes(16), 16), n),
        ("gcm(aes) IV of 8 bytes", b"gcm(aes)", x.key, ctl(True, bytes(8), 16), n),
        ("ccm(aes) IV of 12 bytes", b"ccm(aes)", x.key, ctl(True, bytes(12), 16), n),
        ("rfc4106(gcm(aes)) IV of 12 bytes", b"rfc4106(gcm(aes))", x.key + b"salt",
         ctl(True, bytes(12), 16), n),
        ("rfc7539 IV of 8 bytes", b"rfc7539(chacha20,poly1305)", bytes(32),
         ctl(True, bytes(8), 16), n),
        ("ALG_SET_AEAD_ASSOCLEN of 2 bytes", b"gcm(aes)", x.key,
         [afk.cmsg_op(True), afk.cmsg_iv(x.iv), (afk.SOL_ALG, afk.ALG_SET_AEAD_ASSOCLEN, b"\0\0")],
         n),
        ("unknown control message 99", b"gcm(aes)", x.key,
         ctl(True, x.iv, 16) + [(afk.SOL_ALG, 99, bytes(4))], n),
    ]
    for what, name, key, control, size in cases:
        with ciphers.tfm(fam, b"aead", name, key) as t, t.accept() as op:
            expect_errno(f"{label}: {what}: EINVAL", errno.EINVAL,
                         lambda: op.sendmsg(bytes(size), control))
            if kc:
                expect_errno(f"{label}: {what}: nothing queued (EAGAIN)", errno.EAGAIN,
                             lambda: op.recv(size + 16, DONTWAIT))

    # Checks on the final part (kcrypto: the final send; AF_ALG: when recvmsg runs).
    final = [
        ("assoclen > data (encrypt)", b"gcm(aes)", x.key, True, 40, ctl(True, x.iv, 41), None),
        ("assoclen > data in parts", b"gcm(aes)", x.key, True, 40, ctl(True, x.iv, 41),
         [20, 20]),
        ("decrypt with fewer bytes than the tag after the AAD", b"gcm(aes)", x.key, False, 31,
         ctl(False, x.iv, 16), None),
        ("assoclen > data (decrypt)", b"ccm(aes)", x.key, False, 40,
         ctl(False, ciphers.ccm_iv(bytes(12)), 64), None),
        ("rfc4106(gcm(aes)) assoclen 8", b"rfc4106(gcm(aes))", x.key + b"salt", True, 40,
         ctl(True, bytes(8), 8), None),
        ("ccm(aes) IV with L' = 0", b"ccm(aes)", x.key, True, 40,
         ctl(True, b"\0" + bytes(15), 8), None),
        ("ccm(aes) IV with L' = 8", b"ccm(aes)", x.key, True, 40,
         ctl(True, b"\x08" + bytes(15), 8), None),
    ]
    for what, name, key, enc, size, control, chunks in final:
        # the crypto API's own checks (rfc4106 assoclen, ccm IV) may come at recvmsg
        api = "rfc4106" in what or "ccm(aes) IV" in what
        with ciphers.tfm(fam, b"aead", name, key) as t, t.accept() as op:
            got, where = fails(op, bytes(size), control, size + 16, chunks)
            if kc and not api:
                check(f"{label}: {what}: EINVAL from the final send",
                      (got, where) == (errno.EINVAL, "send"), f"(got {ename(got)} {where})")
                expect_errno(f"{label}: {what}: nothing queued (EAGAIN)", errno.EAGAIN,
                             lambda: op.recv(size + 16, DONTWAIT))
            else:
                check(f"{label}: {what}: EINVAL", got == errno.EINVAL,
                      f"(got {ename(got)} {where})")
            if kc and name == b"gcm(aes)":
                iv, aad, pt = rng.randbytes(12), rng.randbytes(4), rng.randbytes(10)
                out = ciphers.aead_op(op, aad + pt, True, iv, 4, 30)
                check(f"{label}: {what}: the next operation works",
                      out == aad + ciphers.ref_aead_encrypt(name, key, iv, aad, pt, 16))


def recv_sizes(label, fam):
    """kcrypto: the read must hold the whole result; a short one is EINVAL, then retry."""
    for name in (b"gcm(aes)", b"ccm(aes)", b"rfc7539(chacha20,poly1305)"):
        x = Input(name, ptlen=rng.randrange(1, 500), aadlen=rng.randrange(0, 40))
        enc_len = len(x.aad) + len(x.ct)
        with ciphers.tfm(fam, b"aead", name, x.key, x.tag) as t, t.accept() as op:
            ciphers.send_op(op, x.aad + x.pt, ctl(True, x.iv, len(x.aad)))
            expect_errno(f"{label}: {name.decode()}: encrypt read one byte short: EINVAL",
                         errno.EINVAL, lambda: op.recv(enc_len - 1))
            expect_errno(f"{label}: {name.decode()}: a read of the AAD and text only: EINVAL",
                         errno.EINVAL, lambda: op.recv(len(x.aad) + len(x.pt)))
            out, _ = op.recv(enc_len + 100)
            check(f"{label}: {name.decode()}: the retry with room gets the whole result",
                  out == x.aad + x.ct, f"({len(out)} bytes)")
            ciphers.send_op(op, x.aad + x.ct, ctl(False, x.iv, len(x.aad)))
            expect_errno(f"{label}: {name.decode()}: decrypt read one byte short: EINVAL",
                         errno.EINVAL, lambda: op.recv(len(x.aad) + len(x.pt) - 1))
            out, _ = op.recv(len(x.aad) + len(x.pt))
            check(f"{label}: {name.decode()}: the decrypt retry works", out == x.aad + x.pt)


def queued(label, fam):
    """kcrypto: results of several operations queue in order."""
    x = Input(b"gcm(aes)", ptlen=100, aadlen=8, tag=16)
    ys = [Input(b"gcm(aes)", ptlen=rng.randrange(0, 200), aadlen=rng.randrange(0, 30), tag=16)
          for _ in range(3)]
    with ciphers.tfm(fam, b"aead", b"gcm(aes)", x.key, 16) as t, t.accept() as op:
        for y in ys:
            y.ct = ciphers.ref_aead_encrypt(b"gcm(aes)", x.key, y.iv, y.aad, y.pt, 16)
            ciphers.send_op(op, y.aad + y.pt, ctl(True, y.iv, len(y.aad)),
                            ciphers.chunking(rng, len(y.aad) + len(y.pt)))
        outs = [op.recv(len(y.aad) + len(y.ct))[0] for y in ys]
        check(f"{label}: three operations sent before reading: results in order",
              outs == [y.aad + y.ct for y in ys])
        expect_errno(f"{label}: then nothing queued: EAGAIN", errno.EAGAIN, lambda: op.recv(64))


def busy(label, fam):
    x = Input(b"gcm(aes)", ptlen=64, aadlen=16, tag=16)
    with ciphers.tfm(fam, b"aead", b"gcm(aes)", x.key, 16) as t:
        op = t.accept()
        op.sendmsg(x.aad + x.pt[:20], ctl(True, x.iv, 16), MORE)
        expect_errno(f"{label}: aead ALG_SET_KEY with an operation socket open: EBUSY",
                     errno.EBUSY, lambda: t.setkey(bytes(16)))
        expect_errno(f"{label}: ALG_SET_AEAD_AUTHSIZE with an operation socket open: EBUSY",
                     errno.EBUSY, lambda: t.set_authsize(8))
        op.sendmsg(x.pt[20:])
        out, _ = op.recv(16 + 64 + 16)
        op.close()
        check(f"{label}: the aead operation in flight keeps its key and tag size",
              out == x.aad + x.ct)
        t.set_authsize(8)
        with t.accept() as op:
            out = ciphers.aead_op(op, x.aad + x.pt, True, x.iv, 16, 16 + 64 + 8)
        check(f"{label}: tag size changes once the operation sockets are closed",
              out == x.aad + x.ct[:64 + 8])


def request_scoped(label, fam):
    """kcrypto: a control message on a later part is EINVAL, nothing taken, op unchanged."""
    x = Input(b"gcm(aes)", ptlen=80, aadlen=16, tag=16)
    a, b = x.pt[:40], x.pt[40:]
    with ciphers.tfm(fam, b"aead", b"gcm(aes)", x.key, 16) as t, t.accept() as op:
        op.sendmsg(x.aad + a, ctl(True, x.iv, 16), MORE)
        errs = [errno_of(lambda: op.sendmsg(b, [c], MORE)) for c in
                (afk.cmsg_iv(bytes(12)), afk.cmsg_assoclen(0), afk.cmsg_op(False))]
        errs.append(errno_of(lambda: op.sendmsg(b, [afk.cmsg_assoclen(16)])))
        op.sendmsg(b)
        out, _ = op.recv(16 + 80 + 16)
    check(f"{label}: aead: IV / assoclen / op on a later part: EINVAL",
          errs == [errno.EINVAL] * 4, f"(got {[ename(e) for e in errs]})")
    check(f"{label}: aead: the operation's result is unchanged", out == x.aad + x.ct)


def limits(label, fam):
    """kcrypto: an operation beyond SO_SNDBUF is EMSGSIZE and dropped."""
    x = Input(b"gcm(aes)", ptlen=64, aadlen=16, tag=16)
    with ciphers.tfm(fam, b"aead", b"gcm(aes)", x.key, 16) as t, t.accept() as op:
        op.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, (32768).to_bytes(4, "little"))
        buf = op.getsockopt_int(socket.SOL_SOCKET, socket.SO_SNDBUF)
        expect_errno(f"{label}: aead: one send of SO_SNDBUF + 1 bytes: EMSGSIZE",
                     errno.EMSGSIZE, lambda: op.sendmsg(bytes(buf + 1), ctl(True, x.iv, 0)))
        # Input and output (a tag longer) in whole pages and a request: see ciphers.py.
        most = ciphers.largest_message(buf, 16)
        op.sendmsg(bytes(most // 2), ctl(True, x.iv, 0), MORE)
        expect_errno(f"{label}: aead: an operation growing past SO_SNDBUF: EMSGSIZE",
                     errno.EMSGSIZE,
                     lambda: op.sendmsg(bytes(most - most // 2 + 4096), (), MORE))
        got = errno_of(lambda: op.recv(buf + 16, DONTWAIT))
        out = ciphers.aead_op(op, x.aad + x.pt, True, x.iv, 16, 16 + 64 + 16)
        check(f"{label}: aead: the refused operation was dropped, the next one is clean",
              got == errno.EAGAIN and out == x.aad + x.ct, f"(recv after: {ename(got)})")
        big = rng.randbytes(most)
        op.sendmsg(big, ctl(True, x.iv, 0))
        now = ciphers.held(op)[0]
        out = ciphers.recv_exact(op, most + 16)
        check(f"{label}: aead: the largest message that fits ({most} bytes) is taken, "
              "SO_MEMINFO shows it within SO_SNDBUF, and it encrypts right",
              0 < now <= buf and out == ciphers.ref_aead_encrypt(b"gcm(aes)", x.key, x.iv, b"",
                                                                 big, 16),
              f"({now} of {buf})")


def records(label, fam, fams):
    """KCRYPTO_SET_RECORDS: every iovec of a sendmsg is a whole message, its IV first, all
    with the sendmsg's (or the socket's) direction and AAD length; one request for all, one
    result: AAD || CT || TAG (or AAD || PT) of each record, in order."""
    af_alg = next((f for _, f in fams if f == afk.AF_ALG), None)
    for name in AEADS:
        bad = []
        for rnd in range(4):
            first = Input(name)
            count = rng.choice([1, 2, 64, rng.randrange(1, 65)])
            xs = [first] + [Input(name, tag=first.tag, aadlen=len(first.aad))
                            for _ in range(count - 1)]
            for x in xs:        # one key for the socket, one AAD length for the sendmsg
                x.key = first.key
                if name == b"rfc4106(gcm(aes))":
                    x.aad = rng.randbytes(len(first.aad) - 8) + x.iv
                x.ct = ciphers.ref_aead_encrypt(name, x.key, x.iv, x.aad, x.pt, x.tag)
            xs = [x for x in xs if x.aad or x.pt]   # a record of an IV alone is refused
            if not xs:
                continue
            assoc = len(first.aad)
            try:
                with ciphers.tfm(fam, b"aead", name, first.key, first.tag) as t, \
                        t.accept() as op:
                    ciphers.set_records(op, 1)
                    ciphers.room_for_parts(op, sum(len(x.aad + x.ct) for x in xs), 1)
                    op.sendmsg_iov([x.iv + x.aad + x.pt for x in xs], 0,
                                   [afk.cmsg_op(True), afk.cmsg_assoclen(assoc)])
                    n, enc, _ = op.recvmsg_iov([len(x.aad + x.ct) for x in xs])
                    op.sendmsg_iov([x.iv + x.aad + x.ct for x in xs], 0, [afk.cmsg_op(False)])
                    n, dec, _ = op.recvmsg_iov([len(x.aad + x.pt) for x in xs])
            except OSError as e:
                bad.append((len(xs), assoc, ename(e.errno)))
                continue
            if enc != [x.aad + x.ct for x in xs] or dec != [x.aad + x.pt for x in xs]:
                bad.append((len(xs), assoc, "enc" if enc != [x.aad + x.ct for x in xs]
                            else "dec"))
            if af_alg is not None and rnd == 1:
                theirs = [ciphers.aead(af_alg, name, x.key, x.iv, x.aad, x.pt, True, x.tag)
                          for x in xs]
                if theirs != enc:
                    bad.append(("AF_ALG differs", len(xs)))
        check(f"{label}: records {name.decode()}: 4 sendmsgs of 1 to 64 random records == "
              f"cryptography{' and AF_ALG' if af_alg else ''}, encrypt and decrypt",
              not bad, str(bad[:3]))

    x = Input(b"gcm(aes)", ptlen=64, aadlen=16, tag=16)
    ys = [Input(b"gcm(aes)", ptlen=64, aadlen=16, tag=16) for _ in range(8)]
    for y in ys:
        y.key = x.key
        y.ct = ciphers.ref_aead_encrypt(y.name, y.key, y.iv, y.aad, y.pt, y.tag)
    with ciphers.tfm(fam, b"aead", b"gcm(aes)", x.key, 16) as t, t.accept() as op:
        ciphers.set_records(op, 1)
        forged = [y.iv + y.aad + y.ct for y in ys]
        forged[5] = forged[5][:-1] + bytes([forged[5][-1] ^ 1])
        op.sendmsg_iov(forged, 0, [afk.cmsg_op(False), afk.cmsg_assoclen(16)])
        expect_errno(f"{label}: records: 8 records, the 6th with a bad tag: EBADMSG from "
                     f"recvmsg", errno.EBADMSG, lambda: op.recvmsg_iov([80] * 8))
        expect_errno(f"{label}: records: ... and no plaintext of any of them follows",
                     errno.EAGAIN, lambda: op.recv(640, DONTWAIT))
        op.sendmsg_iov([y.iv + y.aad + y.ct for y in ys])
        n, outs, _ = op.recvmsg_iov([80] * 8)
        check(f"{label}: records: ... the same 8 with good tags decrypt after it",
              outs == [y.aad + y.pt for y in ys])

        def refused(what, err, parts, control=(), flags=0):
            expect_errno(f"{label}: records: {what}: {ename(err)}", err,
                         lambda: op.sendmsg_iov(parts, flags, control))
            left = errno_of(lambda: op.recv(64, DONTWAIT))
            check(f"{label}: records: ... and nothing queued or held", left == errno.EAGAIN
                  and ciphers.held(op)[0] == 0, f"({ename(left)}, {ciphers.held(op)})")

        good = x.iv + x.aad + x.ct
        refused("an ALG_SET_IV", errno.EINVAL, [good], [afk.cmsg_iv(x.iv)])
        refused("MSG_MORE", errno.EINVAL, [good], flags=MORE)
        refused("65 records", errno.EMSGSIZE, [good] * 65)
        refused("a record shorter than its IV", errno.EINVAL, [good, x.iv[:5]])
        refused("a record shorter than its AAD and tag", errno.EINVAL,
                [good, x.iv + x.aad + x.ct[:15]])
        refused("a record of its IV alone", errno.EINVAL, [good, x.iv],
                [afk.cmsg_assoclen(0)])
        tag_only = x.iv + x.ct[-16:]
        refused("a record that decrypts to nothing (a tag alone), first", errno.EINVAL,
                [tag_only, good], [afk.cmsg_assoclen(0)])
        refused("a record that decrypts to nothing, after 4096 bytes of output", errno.EINVAL,
                [x.iv + bytes(4096 + 16), tag_only], [afk.cmsg_assoclen(0)])


def threads(label, fam):
    x = Input(b"gcm(aes)", ptlen=64, aadlen=16, tag=16)
    unexpected = []
    with ciphers.tfm(fam, b"aead", b"gcm(aes)", x.key, 16) as t, t.accept() as op:
        def worker(seed):
            import random
            r = random.Random(seed)
            for _ in range(150):
                try:
                    if r.random() < 0.5:
                        c = ctl(r.random() < 0.5, r.randbytes(12), r.choice([0, 16, 5000])) \
                            if r.random() < 0.5 else ()
                        op.sendmsg(r.randbytes(r.choice([0, 16, 100, 5000])), c,
                                   MORE if r.random() < 0.5 else 0)
                    else:
                        op.recv(r.choice([1, 32, 6000]), DONTWAIT)
                except OSError:
                    pass
                except Exception as e:  # noqa: BLE001
                    unexpected.append(repr(e))
        ts = [threading.Thread(target=worker, args=(rng.random(),)) for _ in range(8)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
    check(f"{label}: 8 threads racing on one aead operation socket: the fresh one works",
          not unexpected and encrypt(fam, x) == x.aad + x.ct, str(unexpected[:3]))


def main():
    tap.header("61-aead")
    tap.modprobe("algif_aead")
    fams = []
    for label, fam in tap.families():
        if tap.binds(label, fam, b"aead", b"gcm(aes)"):
            fams.append((label, fam))
    for label, fam in fams:
        kat(label, fam)
    if fams:
        differential(fams)
    for label, fam in fams:
        kc = fam != afk.AF_ALG
        layout_and_tags(label, fam)
        bad_tag(label, fam, kc)
        bad_inputs(label, fam, kc)
        busy(label, fam)
        if kc:
            recv_sizes(label, fam)
            queued(label, fam)
            request_scoped(label, fam)
            limits(label, fam)
            records(label, fam, fams)
            threads(label, fam)
    return tap.finish()


sys.exit(main())
