#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The skcipher type, on kcrypto and on the in-kernel AF_ALG.

Known answers (NIST SP 800-38A, IEEE 1619, testmgr cts(cbc(aes)) and chacha20),
a differential test against Python's `cryptography` and between the families
over random keys, IVs, lengths and MSG_MORE chunkings, IV chaining across
operations, and every bad input with its errno. kcrypto-only semantics (never
blocking, all-or-nothing sends, request-scoped control messages, output as
parts arrive) run on kcrypto only. KCRYPTO_TEST_FAMILIES (e.g. 38) restricts
the families. Prints one "ok - ..." / "not ok - ..." line per check.
"""
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

SK = ciphers.SKCIPHERS
DONTWAIT = socket.MSG_DONTWAIT
MORE = socket.MSG_MORE


def rand_key(name):
    return rng.randbytes(rng.choice(SK[name].keylens))


def rand_iv(name):
    iv = rng.randbytes(SK[name].ivlen)
    if name == b"chacha20":     # keep the 32-bit block counter far from wrapping
        iv = rng.randrange(0, 1 << 31).to_bytes(4, "little") + iv[4:]
    return iv or None


def rand_len(name, top=65536):
    alg = SK[name]
    n = rng.choice([0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4095, 4096, 4097,
                    rng.randrange(0, top + 1), rng.randrange(0, 1024)])
    n = max(n, alg.minlen)
    return min(n - n % alg.blocksize, top)


def ref(name, key, iv, data, encrypt):
    return ciphers.ref_skcipher(name, key, iv, data, encrypt)


def kat(label, fam):
    for source, name, key, iv, pt, ct in vectors.SKCIPHER:
        key, iv, pt, ct = bytes.fromhex(key), bytes.fromhex(iv) or None, \
            bytes.fromhex(pt), bytes.fromhex(ct)
        enc = ciphers.skcipher(fam, name, key, iv, pt, True)
        dec = ciphers.skcipher(fam, name, key, iv, ct, False,
                               chunks=ciphers.chunking(rng, len(ct)))
        check(f"{label}: {source} ({name.decode()}) encrypt and chunked decrypt",
              enc == ct and dec == pt, f"(encrypt {enc.hex()[:64]}, decrypt {dec.hex()[:64]})")


def differential(fams, rounds=6):
    """Each algorithm, `rounds` random inputs, encrypt and decrypt, on every family."""
    for name in SK:
        bad = []
        for _ in range(rounds):
            key, iv, n = rand_key(name), rand_iv(name), rand_len(name)
            pt = rng.randbytes(n)
            want = ref(name, key, iv, pt, True)
            outs = []
            for label, fam in fams:
                chunks = ciphers.chunking(rng, n)
                dchunks = ciphers.chunking(rng, n)
                try:
                    enc = ciphers.skcipher(fam, name, key, iv, pt, True, chunks)
                    dec = ciphers.skcipher(fam, name, key, iv, want, False, dchunks)
                except OSError as e:
                    bad.append((label, f"{n} bytes in {len(chunks)}/{len(dchunks)} parts",
                                ename(e.errno)))
                    continue
                outs.append(enc)
                if enc != want or dec != pt:
                    bad.append((label, len(key), n, len(chunks), len(dchunks),
                                "enc" if enc != want else "dec"))
            if len(set(outs)) > 1:
                bad.append(("families differ", n))
        who = " == ".join(lb for lb, _ in fams)
        check(f"differential {name.decode()}: {who} == cryptography over {rounds} random "
              f"keys/IVs/lengths/chunkings, encrypt and decrypt", not bad, str(bad[:4]))


def chaining(label, fam):
    """After an operation the IV is the chained output IV; initially decrypt with zero IV."""
    for name in (b"cbc(aes)", b"ctr(aes)"):
        key, iv = rand_key(name), rand_iv(name)
        a, b = rng.randbytes(16 * rng.randrange(1, 64)), rng.randbytes(16 * rng.randrange(1, 64))
        with ciphers.tfm(fam, b"skcipher", name, key) as t, t.accept() as op:
            out = ciphers.skcipher_op(op, a, True, iv)
            out += ciphers.skcipher_op(op, b, True)
        check(f"{label}: {name.decode()}: a second operation without IV continues the chain",
              out == ref(name, key, iv, a + b, True))
    key, data = rand_key(b"cbc(aes)"), rng.randbytes(64)
    with ciphers.tfm(fam, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
        op.sendmsg(data)
        out = ciphers.recv_exact(op, len(data))
    check(f"{label}: an operation without control messages decrypts with a zero IV",
          out == ref(b"cbc(aes)", key, bytes(16), data, False))
    # Op and IV are the socket's: a later operation may change only the op.
    key, iv, data = rand_key(b"cbc(aes)"), rand_iv(b"cbc(aes)"), rng.randbytes(48)
    with ciphers.tfm(fam, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
        op.sendmsg(data, [afk.cmsg_iv(iv), afk.cmsg_op(True)])
        ct = ciphers.recv_exact(op, len(data))
        op.sendmsg(ct, [afk.cmsg_iv(iv), afk.cmsg_op(False)])
        pt = ciphers.recv_exact(op, len(data))
    check(f"{label}: encrypt then decrypt on one operation socket",
          ct == ref(b"cbc(aes)", key, iv, data, True) and pt == data)


def drain(op, rng_sizes=True):
    """kcrypto: reads what is available (random read sizes) until EAGAIN."""
    out = b""
    while True:
        try:
            got, _ = op.recv(rng.choice([1, 7, 16, 100, 4096, 65536]) if rng_sizes else 1 << 20,
                             DONTWAIT)
        except OSError as e:
            if e.errno != errno.EAGAIN:
                raise
            return out
        if not got:
            return out
        out += got


def streaming(label, fam):
    """kcrypto: output as parts arrive, random read sizes in between, equal to one-shot."""
    for name, alg in SK.items():
        key, iv = rand_key(name), rand_iv(name)
        n = max(alg.minlen, rng.randrange(0, 100000))
        n -= n % alg.blocksize
        pt = rng.randbytes(n)
        chunks = ciphers.chunking(rng, n)
        out, sent, early, errors = b"", 0, [], []
        with ciphers.tfm(fam, b"skcipher", name, key) as t, t.accept() as op:
            control = [afk.cmsg_op(True)] + ([afk.cmsg_iv(iv)] if iv else [])
            parts = list(ciphers.split(pt, chunks))
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                op.sendmsg(part, control if i == 0 else (), 0 if last else MORE)
                sent += len(part)
                got = drain(op)
                out += got
                if not last:
                    # chaining: every whole 16-byte chunk is out; others: nothing before the end
                    want = sent - sent % 16 if alg.chains else 0
                    if len(out) != want:
                        early.append((i, sent, len(out), want))
            expect = ref(name, key, iv, pt, True)
            check(f"{label}: {name.decode()}: {len(chunks)} parts with reads in between "
                  f"equal one-shot ({n} bytes)", out == expect, f"(got {len(out)} bytes)")
            what = "chunk-aligned output after each part" if alg.chains \
                else "no output before the final part"
            check(f"{label}: {name.decode()}: {what}", not early,
                  f"(part, sent, available, expected: {early[:3]})")
            errors.append(errno_of(lambda: op.recv(16, DONTWAIT)))
        check(f"{label}: {name.decode()}: once drained, recv is EAGAIN",
              errors == [errno.EAGAIN], f"(got {ename(errors[0])})")
    # A chaining stream far beyond SO_SNDBUF works when the output is read as it comes.
    key, iv = rand_key(b"cbc(aes)"), rand_iv(b"cbc(aes)")
    pt = rng.randbytes(1 << 20)
    out = b""
    with ciphers.tfm(fam, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
        for i in range(0, len(pt), 16384):
            ctl = [afk.cmsg_op(True), afk.cmsg_iv(iv)] if i == 0 else ()
            op.sendmsg(pt[i:i + 16384], ctl, MORE if i + 16384 < len(pt) else 0)
            out += drain(op, False)
    check(f"{label}: a 1 MiB cbc(aes) stream in 16 KiB parts, read as it goes",
          out == ref(b"cbc(aes)", key, iv, pt, True))


def op_error(op, data, control, chunks=None):
    """(errno, 'send' or 'recv') of an operation that should fail."""
    try:
        ciphers.send_op(op, data, control, chunks)
    except OSError as e:
        return e.errno, "send"
    try:
        op.recv(max(len(data), 1), DONTWAIT)
    except OSError as e:
        return e.errno, "recv"
    return 0, ""


def bad_inputs(label, fam, kc):
    key = rand_key(b"cbc(aes)")
    for name, klen in ((b"cbc(aes)", 15), (b"xts(aes)", 33), (b"chacha20", 16), (b"ecb(aes)", 0)):
        with afk.Sock(fam).bind(b"skcipher", name, fam=fam) as t:
            expect_errno(f"{label}: {name.decode()} key of {klen} bytes: EINVAL", errno.EINVAL,
                         lambda: t.setkey(bytes(klen)))
    with afk.Sock(fam).bind(b"skcipher", b"cbc(aes)", fam=fam) as t:
        expect_errno(f"{label}: ALG_SET_AEAD_AUTHSIZE on skcipher: ENOPROTOOPT",
                     errno.ENOPROTOOPT, lambda: t.set_authsize(16))
        expect_errno(f"{label}: ALG_SET_DRBG_ENTROPY on skcipher: ENOPROTOOPT",
                     errno.ENOPROTOOPT, lambda: t.set_entropy(b"e" * 32))
        if kc:
            expect_errno(f"{label}: accept without a key: ENOKEY", errno.ENOKEY, t.accept)
            expect_errno(f"{label}: a 1025-byte key: EMSGSIZE", errno.EMSGSIZE,
                         lambda: t.setkey(bytes(1025)))
            expect_errno(f"{label}: a 1024-byte AES key: EINVAL", errno.EINVAL,
                         lambda: t.setkey(bytes(1024)))
        t.setkey(key)
        with t.accept() as op:
            expect_errno(f"{label}: accept on an skcipher operation socket: EOPNOTSUPP",
                         errno.EOPNOTSUPP, op.accept)
            # kcrypto: any option on an operation socket; AF_ALG's skcipher has no setsockopt
            want = errno.ENOPROTOOPT if kc else errno.EOPNOTSUPP
            expect_errno(f"{label}: ALG_SET_KEY on an operation socket: {ename(want)}",
                         want, lambda: op.setkey(key))
            if kc:
                expect_errno(f"{label}: recv on a fresh operation socket: EAGAIN",
                             errno.EAGAIN, lambda: op.recv(16))
    iv16 = bytes(16)
    cases = [
        ("IV of 15 bytes", b"cbc(aes)", [afk.cmsg_op(True), afk.cmsg_iv(bytes(15))]),
        ("IV of 17 bytes", b"cbc(aes)", [afk.cmsg_op(True), afk.cmsg_iv(bytes(17))]),
        ("IV declaring 16 bytes but carrying 8", b"cbc(aes)",
         [afk.cmsg_op(True), afk.cmsg_iv(bytes(8), ivlen=16)]),
        ("IV of 16 bytes on ecb(aes)", b"ecb(aes)", [afk.cmsg_op(True), afk.cmsg_iv(iv16)]),
        ("IV of 12 bytes on chacha20", b"chacha20", [afk.cmsg_op(True), afk.cmsg_iv(bytes(12))]),
        ("ALG_SET_OP 2", b"cbc(aes)", [(afk.SOL_ALG, afk.ALG_SET_OP, b"\2\0\0\0")]),
        ("ALG_SET_OP with 2 bytes", b"cbc(aes)", [(afk.SOL_ALG, afk.ALG_SET_OP, b"\1\0")]),
        ("unknown control message 99", b"cbc(aes)", [(afk.SOL_ALG, 99, b"\0" * 4)]),
    ]
    if kc:
        cases.append(("ALG_SET_AEAD_ASSOCLEN on skcipher", b"cbc(aes)",
                      [afk.cmsg_op(True), afk.cmsg_iv(iv16), afk.cmsg_assoclen(0)]))
    for what, name, control in cases:
        k = rand_key(name)
        with ciphers.tfm(fam, b"skcipher", name, k) as t, t.accept() as op:
            expect_errno(f"{label}: {what}: EINVAL", errno.EINVAL,
                         lambda: op.sendmsg(bytes(32), control))
            if kc:
                expect_errno(f"{label}: {what}: nothing taken (recv EAGAIN)", errno.EAGAIN,
                             lambda: op.recv(32, DONTWAIT))
            iv = rand_iv(name)
            data = rng.randbytes(32)
            out = ciphers.skcipher_op(op, data, True, iv)
            check(f"{label}: {what}: the socket works afterwards",
                  out == ref(name, k, iv, data, True))

    # Block size and minimum length, checked on the final part.
    sizes = [(b"cbc(aes)", 17, None), (b"cbc(aes)", 40, [16, 24]), (b"ecb(aes)", 20, None),
             (b"xts(aes)", 15, None), (b"xts(aes)", 15, [7, 8]), (b"cts(cbc(aes))", 15, None)]
    if kc:   # AF_ALG never runs a recv of 0 bytes
        sizes += [(b"xts(aes)", 0, None), (b"cts(cbc(aes))", 0, None)]
    for name, n, chunks in sizes:
        k, iv = rand_key(name), rand_iv(name)
        with ciphers.tfm(fam, b"skcipher", name, k) as t, t.accept() as op:
            control = [afk.cmsg_op(True)] + ([afk.cmsg_iv(iv)] if iv else [])
            got, where = op_error(op, bytes(n), control, chunks)
            how = f"{n} bytes" + (f" in parts {chunks}" if chunks else "")
            if kc:
                check(f"{label}: {name.decode()}: {how}: EINVAL from the final send",
                      (got, where) == (errno.EINVAL, "send"), f"(got {ename(got)} {where})")
                if not chunks:
                    expect_errno(f"{label}: {name.decode()}: {how}: the operation is dropped",
                                 errno.EAGAIN, lambda: op.recv(64, DONTWAIT))
            else:
                check(f"{label}: {name.decode()}: {how}: EINVAL", got == errno.EINVAL,
                      f"(got {ename(got)} {where})")
        if kc:
            with ciphers.tfm(fam, b"skcipher", name, k) as t, t.accept() as op:
                op_error(op, bytes(n), control)
                data = rng.randbytes(32)
                out = ciphers.skcipher_op(op, data, True, iv)
                check(f"{label}: {name.decode()}: {how}: the next operation works",
                      out == ref(name, k, iv, data, True))

    if kc:
        with ciphers.tfm(fam, b"skcipher", b"ctr(aes)", key) as t, t.accept() as op:
            op.sendmsg(b"", [afk.cmsg_op(True), afk.cmsg_iv(iv16)])
            try:
                got, err = op.recv(16)[0], 0
            except OSError as e:
                got, err = None, e.errno
            check(f"{label}: an operation of 0 bytes reads 0 bytes", err == 0 and got == b"",
                  f"(got {ename(err)} {got!r})")
            expect_errno(f"{label}: then recv is EAGAIN", errno.EAGAIN, lambda: op.recv(16))


def busy(label, fam):
    """Re-keying the bound socket while an operation socket is open: EBUSY, op unaffected."""
    k1, k2, iv = rand_key(b"cbc(aes)"), rand_key(b"cbc(aes)"), rand_iv(b"cbc(aes)")
    data = rng.randbytes(64)
    with ciphers.tfm(fam, b"skcipher", b"cbc(aes)", k1) as t:
        op = t.accept()
        op.sendmsg(data[:32], [afk.cmsg_op(True), afk.cmsg_iv(iv)], MORE)
        expect_errno(f"{label}: ALG_SET_KEY with an operation socket open: EBUSY",
                     errno.EBUSY, lambda: t.setkey(k2))
        op.sendmsg(data[32:])
        out = ciphers.recv_exact(op, 64)
        op.close()
        check(f"{label}: the operation in flight keeps its key",
              out == ref(b"cbc(aes)", k1, iv, data, True))
        t.setkey(k2)
        out = ciphers.skcipher(fam, b"cbc(aes)", k2, iv, data, True)
        with t.accept() as op:
            out2 = ciphers.skcipher_op(op, data, True, iv)
        check(f"{label}: re-key works once the operation sockets are closed",
              out == out2 == ref(b"cbc(aes)", k2, iv, data, True))


def request_scoped(label, fam):
    """kcrypto: a control message on a later part is EINVAL, nothing taken, op unchanged."""
    for name in (b"cbc(aes)", b"xts(aes)", b"ctr(aes)"):
        key, iv, iv2 = rand_key(name), rand_iv(name), rand_iv(name)
        a, b, c = rng.randbytes(32), rng.randbytes(48), rng.randbytes(16)
        with ciphers.tfm(fam, b"skcipher", name, key) as t, t.accept() as op:
            op.sendmsg(a, [afk.cmsg_op(True), afk.cmsg_iv(iv)], MORE)
            e1 = errno_of(lambda: op.sendmsg(b, [afk.cmsg_iv(iv2)], MORE))
            e2 = errno_of(lambda: op.sendmsg(b, [afk.cmsg_op(False)], MORE))
            e3 = errno_of(lambda: op.sendmsg(b, [afk.cmsg_op(True)]))
            op.sendmsg(b, (), MORE)
            op.sendmsg(c)
            out = ciphers.recv_exact(op, 96)
        check(f"{label}: {name.decode()}: IV / op on a later part: EINVAL",
              (e1, e2, e3) == (errno.EINVAL,) * 3, f"(got {ename(e1)}, {ename(e2)}, {ename(e3)})")
        check(f"{label}: {name.decode()}: the operation's result is unchanged",
              out == ref(name, key, iv, a + b + c, True))


def limits(label, fam):
    """kcrypto: all-or-nothing sends against SO_SNDBUF, which bounds the memory a socket's
    messages and results take (ciphers.message_charge), as SO_MEMINFO reports it."""
    key, iv = rand_key(b"cbc(aes)"), rand_iv(b"cbc(aes)")
    with ciphers.tfm(fam, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
        default = op.getsockopt_int(socket.SOL_SOCKET, socket.SO_SNDBUF)
        check(f"{label}: default SO_SNDBUF is net.core.wmem_default",
              default == int(open("/proc/sys/net/core/wmem_default").read()), f"({default})")
        check(f"{label}: SO_MEMINFO: an idle socket holds nothing, under SO_SNDBUF",
              ciphers.held(op) == (0, default), f"({ciphers.held(op)})")
        op.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, (32768).to_bytes(4, "little"))
        buf = op.getsockopt_int(socket.SOL_SOCKET, socket.SO_SNDBUF)
        most = ciphers.largest_message(buf)
        ctl = [afk.cmsg_op(True), afk.cmsg_iv(iv)]
        expect_errno(f"{label}: a send whose input and output pages and request exceed "
                     f"SO_SNDBUF ({most + 16} bytes, {buf}): EMSGSIZE",
                     errno.EMSGSIZE, lambda: op.sendmsg(bytes(most + 16), ctl))
        expect_errno(f"{label}: after EMSGSIZE nothing was taken (recv EAGAIN)", errno.EAGAIN,
                     lambda: op.recv(16, DONTWAIT))
        a = rng.randbytes(most)
        got = errno_of(lambda: op.sendmsg(a, ctl))
        check(f"{label}: a send of the largest message that fits ({most} bytes) is taken",
              got == 0, f"(got {ename(got)})")
        now = ciphers.held(op)[0]
        check(f"{label}: SO_MEMINFO reports what it holds, within SO_SNDBUF",
              0 < now <= ciphers.message_charge(most) <= buf, f"({now})")
        out = ciphers.recv_exact(op, most) if not got else b""
        check(f"{label}: ... and encrypts right; once read, nothing is held",
              out == ref(b"cbc(aes)", key, iv, a, True) and ciphers.held(op)[0] == 0,
              f"({ciphers.held(op)})")
        half = most // 2 + 16
        a, b = rng.randbytes(half), rng.randbytes(half)
        op.sendmsg(a, ctl)
        expect_errno(f"{label}: fill with unread output, send again: EAGAIN", errno.EAGAIN,
                     lambda: op.sendmsg(b, ctl))
        out_a = ciphers.recv_exact(op, half)
        op.sendmsg(b, ctl)
        out_b = ciphers.recv_exact(op, half)
        check(f"{label}: after reading, the refused send goes through; both results right",
              out_a == ref(b"cbc(aes)", key, iv, a, True)
              and out_b == ref(b"cbc(aes)", key, iv, b, True))
    # Small parts without reads: a chaining cipher processes each part as it comes, and the
    # outputs of one message share pages, so 100 small parts are taken and what the socket
    # holds (SO_MEMINFO) stays near their bytes, not a page each.
    for name, part in ((b"cbc(aes)", 16), (b"ctr(aes)", 1000)):
        key, iv = rand_key(name), rand_iv(name)
        pt = rng.randbytes(100 * part)
        with ciphers.tfm(fam, b"skcipher", name, key) as t, t.accept() as op:
            refused, most = [], 0
            for i in range(100):
                ctl = [afk.cmsg_op(True), afk.cmsg_iv(iv)] if i == 0 else ()
                data = pt[i * part:(i + 1) * part]
                got = errno_of(lambda: op.sendmsg(data, ctl, MORE if i < 99 else 0))
                if got:
                    refused.append((i, ename(got)))
                    break
                most = max(most, ciphers.held(op)[0])
            out = drain(op, False) if not refused else b""
        # The outputs so far, the last part's request, a page of input not yet processed.
        bound = ciphers.pages(100 * part) + ciphers.message_charge(part + 16) \
            + ciphers.PAGE_CHARGE
        check(f"{label}: {name.decode()}: 100 parts of {part} bytes without reads are taken, "
              f"their outputs sharing pages (SO_MEMINFO at most {most} <= {bound}); output right",
              not refused and 0 < most <= bound and out == ref(name, key, iv, pt, True),
              f"(refused at part, errno: {refused}; most held {most})")
    # Non-chaining: the whole operation is buffered; beyond SO_SNDBUF is EMSGSIZE.
    key, iv = rand_key(b"xts(aes)"), rand_iv(b"xts(aes)")
    with ciphers.tfm(fam, b"skcipher", b"xts(aes)", key) as t, t.accept() as op:
        op.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, (32768).to_bytes(4, "little"))
        buf = op.getsockopt_int(socket.SOL_SOCKET, socket.SO_SNDBUF)
        part = ciphers.largest_message(buf) // 2 + 4096
        op.sendmsg(bytes(part), [afk.cmsg_op(True), afk.cmsg_iv(iv)], MORE)
        expect_errno(f"{label}: xts(aes): an operation growing past SO_SNDBUF: EMSGSIZE",
                     errno.EMSGSIZE, lambda: op.sendmsg(bytes(part), (), MORE))


def records(label, fam, fams):
    """KCRYPTO_SET_RECORDS: every iovec of a sendmsg is a whole message, its IV first; one
    request for all of them, whose output one recvmsg reads, one iovec per record."""
    af_alg = next((f for _, f in fams if f == afk.AF_ALG), None)
    for name, alg in SK.items():
        # The standards' vectors, all of an algorithm's in one sendmsg.
        kats = [(bytes.fromhex(key), bytes.fromhex(iv), bytes.fromhex(pt), bytes.fromhex(ct))
                for _, n, key, iv, pt, ct in vectors.SKCIPHER if n == name and pt]
        keys, bad = {k for k, *_ in kats}, []
        for key in keys:
            batch = [(iv, pt, ct) for k, iv, pt, ct in kats if k == key]
            with ciphers.tfm(fam, b"skcipher", name, key) as t, t.accept() as op:
                ciphers.set_records(op, 1)
                enc = ciphers.records_op(op, [(iv, pt) for iv, pt, _ in batch], True)
                dec = ciphers.records_op(op, [(iv, ct) for iv, _, ct in batch], False)
            if enc != [ct for *_, ct in batch] or dec != [pt for _, pt, _ in batch]:
                bad.append(key.hex()[:8])
        check(f"{label}: records {name.decode()}: {len(kats)} known answers, those of a key in "
              f"one sendmsg ({len(keys)}), encrypt and decrypt", kats and not bad, str(bad))
        # Random records against cryptography and, record by record, AF_ALG.
        bad = []
        for rnd in range(4):
            key = rand_key(name)
            count = rng.choice([1, 2, 63, 64, rng.randrange(1, 65)])
            top = 70000 if rnd == 0 else 5000
            batch = [(rand_iv(name), rng.randbytes(ciphers.record_len(rng, alg, top)))
                     for _ in range(count)]
            want = [ref(name, key, iv, pt, True) for iv, pt in batch]
            try:
                with ciphers.tfm(fam, b"skcipher", name, key) as t, t.accept() as op:
                    ciphers.set_records(op, 1)
                    ciphers.room_for_parts(op, sum(len(pt) for _, pt in batch), 1)
                    enc = ciphers.records_op(op, batch, True)
                    # The direction stays the socket's, as for any message.
                    again = ciphers.records_op(op, batch)
                    dec = ciphers.records_op(op, [(iv, ct) for (iv, _), ct in
                                                  zip(batch, want)], False)
            except OSError as e:
                bad.append((count, ename(e.errno)))
                continue
            if enc != want or again != want or dec != [pt for _, pt in batch]:
                bad.append((count, [len(pt) for _, pt in batch][:8]))
            if af_alg is not None and rnd == 1:
                theirs = [ciphers.skcipher(af_alg, name, key, iv, pt, True) for iv, pt in batch]
                if theirs != enc:
                    bad.append(("AF_ALG differs", count))
        check(f"{label}: records {name.decode()}: 4 sendmsgs of 1 to 64 random records (up to "
              f"70000 bytes) == cryptography{' and AF_ALG' if af_alg else ''}, encrypt and "
              f"decrypt", not bad, str(bad[:4]))

    key, iv = rng.randbytes(16), rng.randbytes(16)
    with ciphers.tfm(fam, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
        first = rng.randbytes(64)
        ciphers.skcipher_op(op, first, True, iv)
        ciphers.set_records(op, 1)
        held0 = ciphers.held(op)[0]
        ciphers.send_records(op, [(iv, bytes(16))] * 64, True)
        want = ciphers.message_charge(1024) + 64 * (16 + 4)
        check(f"{label}: records: 64 records of 16 bytes count one message of 1024 bytes and "
              f"their IVs and lengths (SO_MEMINFO)", ciphers.held(op)[0] - held0 == want,
              f"({ciphers.held(op)[0] - held0}, want {want})")
        out = ciphers.recv_exact(op, 1024)
        check(f"{label}: records: ... and read as one stream",
              out == ref(b"cbc(aes)", key, iv, bytes(16), True) * 64)

        def refused(what, err, records, control=(), flags=0, raw=None):
            parts = raw or [(i or b"") + d for i, d in records]
            expect_errno(f"{label}: records: {what}: {ename(err)}", err,
                         lambda: op.sendmsg_iov(parts, flags, control))
            left = errno_of(lambda: op.recv(64, DONTWAIT))
            check(f"{label}: records: ... and nothing queued or held", left == errno.EAGAIN
                  and ciphers.held(op)[0] == 0, f"({ename(left)}, {ciphers.held(op)})")

        refused("an ALG_SET_IV", errno.EINVAL, [(iv, bytes(16))], [afk.cmsg_iv(iv)])
        refused("MSG_MORE", errno.EINVAL, [(iv, bytes(16))], flags=MORE)
        refused("65 records", errno.EMSGSIZE, [(iv, bytes(16))] * 65)
        refused("a record shorter than its IV", errno.EINVAL, [], raw=[iv[:10]])
        refused("a record of its IV alone", errno.EINVAL, [(iv, bytes(16)), (iv, b"")])
        refused("a record of 20 bytes (cbc: whole blocks)", errno.EINVAL,
                [(iv, bytes(16)), (iv, bytes(20))])
        refused("an ALG_SET_AEAD_ASSOCLEN", errno.EINVAL, [(iv, bytes(16))],
                [afk.cmsg_assoclen(0)])
        sndbuf = ciphers.held(op)[1]
        big = ciphers.largest_message(sndbuf) + 4096
        refused(f"records of {big} bytes, more than SO_SNDBUF {sndbuf} ever holds",
                errno.EMSGSIZE, [(iv, bytes(big // 4))] * 4)

        # Filled without reads: EAGAIN, then every batch reads back whole.
        sent = 0
        while errno_of(lambda: ciphers.send_records(op, [(iv, bytes(4096))] * 2, True,
                                                     DONTWAIT)) == 0:
            sent += 1
        got = ciphers.recv_exact(op, sent * 8192)
        block = ref(b"cbc(aes)", key, iv, bytes(4096), True)
        check(f"{label}: records: sends without reads end in EAGAIN once SO_SNDBUF is full; "
              f"all {sent} batches read back", sent > 2 and got == block * 2 * sent,
              f"({sent} batches, {len(got)} bytes)")

        # Records leave the socket's IV alone: a message without one continues the last
        # message sent outside record mode, as AF_ALG would.
        ciphers.set_records(op, 0)
        second = rng.randbytes(32)
        op.sendmsg(second, [afk.cmsg_op(True)])
        out = ciphers.recv_exact(op, 32)
        check(f"{label}: records off: the next message continues the IV of the last one "
              f"before records", out == ref(b"cbc(aes)", key, iv, first + second, True)[64:])
        op.sendmsg(bytes(16), [afk.cmsg_op(True)], MORE)
        expect_errno(f"{label}: records: switching with a message in progress: EBUSY",
                     errno.EBUSY, lambda: ciphers.set_records(op, 1))


def threads(label, fam):
    """kcrypto: threads racing on one operation socket; errors are fine, splats are not."""
    key = rand_key(b"cbc(aes)")
    unexpected = []
    with ciphers.tfm(fam, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
        def worker(seed):
            import random
            r = random.Random(seed)
            for _ in range(150):
                try:
                    what = r.random()
                    if what < 0.5:
                        ctl = [afk.cmsg_op(r.random() < 0.5), afk.cmsg_iv(r.randbytes(16))] \
                            if r.random() < 0.5 else ()
                        op.sendmsg(r.randbytes(r.choice([0, 16, 17, 4096, 20000])), ctl,
                                   MORE if r.random() < 0.7 else 0)
                    else:
                        op.recv(r.choice([1, 16, 5000]), DONTWAIT)
                except OSError:
                    pass
                except Exception as e:  # noqa: BLE001
                    unexpected.append(repr(e))
        ts = [threading.Thread(target=worker, args=(rng.random(),)) for _ in range(8)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
        errno_of(lambda: op.sendmsg(b""))    # end whatever operation is open (may be refused)
    iv, data = rand_iv(b"cbc(aes)"), rng.randbytes(64)
    with ciphers.tfm(fam, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
        out = ciphers.skcipher_op(op, data, True, iv)
    check(f"{label}: 8 threads racing on one operation socket, then a fresh one works",
          not unexpected and out == ref(b"cbc(aes)", key, iv, data, True), str(unexpected[:3]))


def main():
    tap.header("60-skcipher")
    tap.modprobe("algif_skcipher")
    fams = []
    for label, fam in tap.families():
        if tap.binds(label, fam, b"skcipher", b"cbc(aes)"):
            fams.append((label, fam))
    for label, fam in fams:
        kat(label, fam)
    if fams:
        differential(fams)
    for label, fam in fams:
        kc = fam != afk.AF_ALG
        chaining(label, fam)
        bad_inputs(label, fam, kc)
        busy(label, fam)
        if kc:
            streaming(label, fam)
            request_scoped(label, fam)
            limits(label, fam)
            records(label, fam, fams)
            threads(label, fam)
    return tap.finish()


sys.exit(main())
