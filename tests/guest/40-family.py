#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The AF_KCRYPTO family and its hash type, end to end in the guest.

Known answers (FIPS 180-4, RFC 4231, RFC 4493), a differential test against
the in-kernel AF_ALG and Python's hashlib/hmac over random lengths and
MSG_MORE chunkings, every bad input with its errno (compared with AF_ALG's
where kcrypto keeps its semantics), and the module's life cycle.
Prints one "ok - ..." / "not ok - ..." line per check.
"""
import contextlib
import ctypes
import errno
import hashlib
import hmac
import os
import random
import select
import socket
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import afk  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
SEED = int(os.environ.get("KCRYPTO_SEED", "0")) or random.randrange(1, 1 << 30)
rng = random.Random(SEED)
failures = 0


def check(name, cond, detail=""):
    global failures
    if cond:
        print(f"ok - {name}")
    else:
        failures += 1
        print(f"not ok - {name} {detail}")


def errno_of(fn):
    try:
        fn()
    except OSError as e:
        return e.errno
    return 0


def expect_errno(name, want, fn):
    got = errno_of(fn)
    check(name, got == want,
          f"(got {errno.errorcode.get(got, got)}, want {errno.errorcode.get(want, want)})")


@contextlib.contextmanager
def setting(path, value):
    """Writes a sysfs/procfs value for the duration of a with block."""
    with open(path) as f:
        old = f.read().strip()
    with open(path, "w") as f:
        f.write(value)
    try:
        yield
    finally:
        with open(path, "w") as f:
            f.write(old)


def modprobe(mod):
    subprocess.run(["modprobe", "-d", os.environ["KCRYPTO_MODROOT"], mod], check=True)


def kat():
    fips = [  # FIPS 180-4 examples (via FIPS 180-2 appendices), message "abc"
        (b"sha1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (b"sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (b"sha512", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    ]
    for name, want in fips:
        check(f"FIPS 180 {name.decode()}(abc)", afk.digest(b"hash", name, b"abc").hex() == want)
    rfc4231 = [  # test cases 1 and 2
        (b"\x0b" * 20, b"Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (b"Jefe", b"what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ]
    for i, (key, data, want) in enumerate(rfc4231, 1):
        got = afk.digest(b"hash", b"hmac(sha256)", data, key=key).hex()
        check(f"RFC 4231 HMAC-SHA256 case {i}", got == want)
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    rfc4493 = [  # examples 1 and 2
        (b"", "bb1d6929e95937287fa37d129b756746"),
        (bytes.fromhex("6bc1bee22e409f96e93d7e117393172a"), "070a16b46b4d4144f79bdd9dd04a287c"),
    ]
    for i, (data, want) in enumerate(rfc4493, 1):
        got = afk.digest(b"hash", b"cmac(aes)", data, key=key).hex()
        check(f"RFC 4493 AES-CMAC example {i}", got == want)
    testmgr = [  # crypto/testmgr.h: sha3_256_tv_template, crc32c_tv_template
        (b"sha3-256", None, b"",
         "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"),
        (b"sha3-256", None, b"a",
         "80084bf2fba02475726feb2cab2d8215eab14bc6bdd8bfb2c8151257032ecd8b"),
        (b"sha3-256", None, b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376"),
        (b"crc32c", None, b"abcdefg", "41f427e6"),
        (b"crc32c", bytes.fromhex("87a9cbed"), b"", "78563412"),
        (b"crc32c", bytes.fromhex("ffffffff"), bytes(range(1, 41)), "7f152c0e"),
    ]
    for i, (name, key, data, want) in enumerate(testmgr, 1):
        got = afk.digest(b"hash", name, data, key=key).hex()
        check(f"testmgr {name.decode()} vector {i}", got == want, f"({got})")


def more_algorithms():
    data = rng.randbytes(5000)
    for name, pyname in ((b"sha224", "sha224"), (b"sha384", "sha384"), (b"sha3-256", "sha3_256"),
                         (b"sha3-512", "sha3_512"), (b"sha256-generic", "sha256")):
        got = afk.digest(b"hash", name, data, chunks=chunking(len(data)))
        check(f"{name.decode()} matches hashlib", got == hashlib.new(pyname, data).digest())
    got = afk.digest(b"hash", b"crc32c", data)
    check("crc32c matches AF_ALG", got == afk.digest(b"hash", b"crc32c", data, fam=afk.AF_ALG))


def chunking(n):
    parts = []
    while n > 0:
        k = rng.choice([1, 15, 64, 1000, 4096, 65536, 300000])
        k = min(n, rng.randrange(1, k + 1))
        parts.append(k)
        n -= k
    return parts or [0]


def differential():
    algs = [(b"sha256", None, "sha256"), (b"sha1", None, "sha1"), (b"sha512", None, "sha512"),
            (b"hmac(sha256)", 32, "sha256"), (b"cmac(aes)", 16, None)]
    bad = []
    for i in range(24):
        name, keylen, pyname = algs[i % len(algs)]
        length = rng.choice([0, 1, 63, 64, 65, rng.randrange(0, 1 << 20)])
        data = rng.randbytes(length)
        key = rng.randbytes(keylen) if keylen else None
        chunks = chunking(length)
        ours = afk.digest(b"hash", name, data, key=key, chunks=chunks)
        theirs = afk.digest(b"hash", name, data, key=key, fam=afk.AF_ALG,
                            chunks=chunking(length))
        if pyname and key:
            want = hmac.new(key, data, pyname).digest()
        elif pyname:
            want = hashlib.new(pyname, data).digest()
        else:
            want = theirs
        if not (ours == theirs == want):
            bad.append((name, length, len(chunks)))
    check("differential: kcrypto == AF_ALG == hashlib over 24 random inputs", not bad, str(bad))


def semantics():
    fam = afk.family()
    for label, f in (("kcrypto", fam), ("AF_ALG", afk.AF_ALG)):
        with afk.Sock(f).bind(b"hash", b"sha256", fam=f) as tfm, tfm.accept() as op:
            out, _ = op.recv(64)
            check(f"{label}: recv before send gives the empty-message digest",
                  out == hashlib.sha256(b"").digest())
            op.send(b"abc")
            out, flags = op.recv(10)
            check(f"{label}: short recv truncates and sets MSG_TRUNC",
                  out == hashlib.sha256(b"abc").digest()[:10] and flags & socket.MSG_TRUNC)
            op.send(b"ab", socket.MSG_MORE)
            with op.accept() as clone:
                op.send(b"c")
                clone.send(b"x")
                a, _ = op.recv(64)
                b, _ = clone.recv(64)
            check(f"{label}: accept on an operation socket clones the state",
                  a == hashlib.sha256(b"abc").digest() and b == hashlib.sha256(b"abx").digest())

    # As in AF_ALG, the key cannot change while operation sockets are open.
    for label, f in (("kcrypto", fam), ("AF_ALG", afk.AF_ALG)):
        with afk.Sock(f).bind(b"hash", b"hmac(sha256)", fam=f) as tfm:
            tfm.setkey(b"k1")
            op = tfm.accept()
            op.send(b"da", socket.MSG_MORE)
            busy = errno_of(lambda: tfm.setkey(b"k2"))
            op.send(b"ta")
            a, _ = op.recv(64)
            op.close()
            tfm.setkey(b"k2")
            with tfm.accept() as op2:
                op2.send(b"data")
                b, _ = op2.recv(64)
        check(f"{label}: re-key with open operation sockets is EBUSY, works after they close",
              busy == errno.EBUSY and a == hmac.new(b"k1", b"data", "sha256").digest()
              and b == hmac.new(b"k2", b"data", "sha256").digest(), f"(errno {busy})")

    # The parent may go away while a child works.
    tfm = afk.Sock().bind(b"hash", b"sha256")
    op = tfm.accept()
    op.send(b"a", socket.MSG_MORE)
    tfm.close()
    op.send(b"bc")
    out, _ = op.recv(64)
    op.close()
    check("closing the bound socket leaves its operation sockets working",
          out == hashlib.sha256(b"abc").digest())


MAX_DIGESTS = 64  # src/ops/hash.rs


def queueing():
    """Outside record mode a message's digest replaces an unread one, as in AF_ALG; in record
    mode (KCRYPTO_SET_RECORDS) digests queue, so sendmmsg/recvmmsg or io_uring can batch."""
    for label, f in (("kcrypto", afk.family()), ("AF_ALG", afk.AF_ALG)):
        with afk.Sock(f).bind(b"hash", b"sha256", fam=f) as tfm, tfm.accept() as op:
            op.send(b"one")
            op.send(b"two")
            out, _ = op.recv(64)
            empty, _ = op.recv(64)
        check(f"{label}: the second message's digest replaces the first's, then recv starts "
              f"over", out == hashlib.sha256(b"two").digest()
              and empty == hashlib.sha256(b"").digest())

    msgs = [os.urandom(rng.randrange(0, 3000)) for _ in range(7)]
    with afk.Sock().bind(b"hash", b"sha256") as tfm, tfm.accept() as op:
        set_records(op, 1)
        for m in msgs:
            op.send(m)
        got = [op.recv(64)[0] for _ in msgs]
        check("records: queued digests come back in order, one per message (send after send)",
              got == [hashlib.sha256(m).digest() for m in msgs])
        expect_errno("records: recv with none queued: EAGAIN", errno.EAGAIN, lambda: op.recv(64))

        op.send(b"abc")
        op.send(b"def")
        t, flags = op.recv(8)
        d, _ = op.recv(64)
        check("records: MSG_TRUNC drops the rest of one queued digest, not the next",
              t == hashlib.sha256(b"abc").digest()[:8] and flags & socket.MSG_TRUNC
              and d == hashlib.sha256(b"def").digest())

        for i in range(MAX_DIGESTS):
            op.send(b"%d" % i)
        expect_errno(f"records: message {MAX_DIGESTS + 1} with {MAX_DIGESTS} digests unread: "
                     f"EAGAIN", errno.EAGAIN, lambda: op.send(b"too many"))
        p = select.poll()
        p.register(op.fd, select.POLLIN | select.POLLOUT)
        full = dict(p.poll(0)).get(op.fd, 0)
        check("... and poll() says readable, not writable",
              full & select.POLLIN and not full & select.POLLOUT, f"(revents {full:#x})")
        first, _ = op.recv(64)
        room = dict(p.poll(0)).get(op.fd, 0)
        check("... one read and poll() says writable", room & select.POLLOUT,
              f"(revents {room:#x})")
        op.send(b"after")
        rest = [op.recv(64)[0] for _ in range(MAX_DIGESTS)]
        want = [hashlib.sha256(b"%d" % i).digest() for i in range(MAX_DIGESTS)] + \
            [hashlib.sha256(b"after").digest()]
        check("... the refused message left nothing behind; one read made room",
              [first] + rest == want)
        drained = dict(p.poll(0)).get(op.fd, 0)
        check("... and with none queued poll() says not readable (record mode)",
              not drained & select.POLLIN, f"(revents {drained:#x})")

        op.send(b"queued")
        with op.accept() as clone:
            expect_errno("records: accept copies the mode, not the queued digests", errno.EAGAIN,
                         lambda: clone.recv(64))
        q, _ = op.recv(64)
        check("... which stay with the original", q == hashlib.sha256(b"queued").digest())

        op.send(b"x")
        set_records(op, 0)
        op.send(b"y")
        y, _ = op.recv(64)
        check("records off: the next message's digest replaces the queued ones",
              y == hashlib.sha256(b"y").digest())


def set_records(op, value, size=4):
    op.setsockopt_raw(afk.SOL_ALG, afk.KCRYPTO_SET_RECORDS, struct.pack("=i", value)[:size], size)


def sendmsg_addrs(op, iovecs):
    """sendmsg of one iovec per (address, length)."""
    iovs = (afk._iovec * max(len(iovecs), 1))(
        *[afk._iovec(ctypes.c_void_p(addr), n) for addr, n in iovecs])
    msg = afk._msghdr(None, 0, iovs, len(iovecs), None, 0, 0)
    return afk._check(afk._libc.sendmsg(op.fd, ctypes.byref(msg), 0))


def sendmsg_unreadable(op, parts, bad):
    """sendmsg of one iovec per part, iovec `bad` pointing at an unmapped page."""
    bufs = [ctypes.create_string_buffer(p, max(len(p), 1)) for p in parts]
    return sendmsg_addrs(op, [(4096 if i == bad else ctypes.addressof(b), len(p))
                              for i, (b, p) in enumerate(zip(bufs, parts))])


@contextlib.contextmanager
def mapped_with_hole(pages, readable):
    """An anonymous mapping of `pages` pages whose pages from `readable` on are PROT_NONE."""
    libc = afk._libc
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
    size = pages * 4096
    addr = libc.mmap(None, size, 3, 0x22, -1, 0)     # PROT_READ|WRITE, MAP_PRIVATE|ANONYMOUS
    assert addr not in (None, ctypes.c_void_p(-1).value)
    try:
        assert libc.mprotect(addr + readable * 4096, size - readable * 4096, 0) == 0
        yield addr
    finally:
        libc.munmap(addr, size)


def records():
    """KCRYPTO_SET_RECORDS: one message per iovec, one digest per receiving iovec."""
    with afk.Sock().bind(b"hash", b"hmac(sha256)") as tfm:
        tfm.setkey(b"records key")
        with tfm.accept() as op:
            set_records(op, 1)
            msgs = [os.urandom(rng.randrange(0, 40000)) for _ in range(9)] + [b"", b"abc"]
            sent = op.sendmsg_iov(msgs)
            n, outs, flags = op.recvmsg_iov([32] * len(msgs))
            want = [hmac.new(b"records key", m, "sha256").digest() for m in msgs]
            check("records: one sendmsg of 11 iovecs (0 to 40000 bytes, one empty) and one "
                  "recvmsg give 11 HMACs", sent == sum(map(len, msgs)) and n == 32 * len(msgs)
                  and outs == want and not flags & socket.MSG_TRUNC, f"(n {n})")

            # Records are copied in together up to 16 KiB at a time: sizes that end such a
            # group exactly, overflow it, stream past it, and a sendmsg smaller than it.
            for sizes in ([5000, 5000, 5000, 5000, 16384, 16385, 0, 1, 16383, 1, 40000, 3],
                          [rng.randrange(0, 200) for _ in range(MAX_DIGESTS)]):
                msgs = [os.urandom(n) for n in sizes]
                sent = op.sendmsg_iov(msgs)
                n, outs, _ = op.recvmsg_iov([32] * len(msgs))
                want = [hmac.new(b"records key", m, "sha256").digest() for m in msgs]
                check(f"records: {len(msgs)} iovecs of {min(sizes)} to {max(sizes)} bytes "
                      "give their HMACs in order", sent == sum(sizes) and outs == want,
                      f"(sent {sent}, n {n})")
            # [100, 200, 16000, 50] are copied in together, 30000 is streamed, then [10]: a
            # fault in the first group, in the streamed record after 4 digests, in the last.
            # A digest queued by an earlier sendmsg stays; none of the failed one's does.
            sizes = [100, 200, 16000, 50, 30000, 10]
            for bad in (2, 4, 5):
                op.sendmsg_iov([b"earlier"])
                expect_errno(f"records: iovec {bad} of 6 unreadable: EFAULT", errno.EFAULT,
                             lambda: sendmsg_unreadable(op, [os.urandom(n) for n in sizes], bad))
                n, outs, _ = op.recvmsg_iov([32, 32], socket.MSG_DONTWAIT)
                check("records: ... the earlier sendmsg's digest stays, none of the failed one's",
                      n == 32 and outs[0] == hmac.new(b"records key", b"earlier", "sha256").digest(),
                      f"(n {n})")
            # A streamed record whose iovec runs into an unreadable page after 20480 bytes:
            # the fault comes after a 16 KiB part was digested.
            with mapped_with_hole(8, 5) as addr:
                ctypes.memmove(addr, os.urandom(5 * 4096), 5 * 4096)
                expect_errno("records: a record's iovec unreadable part-way: EFAULT",
                             errno.EFAULT, lambda: sendmsg_addrs(op, [(addr, 30000)]))
                expect_errno("records: ... and no digest is queued", errno.EAGAIN,
                             lambda: op.recvmsg_iov([32], socket.MSG_DONTWAIT))
            op.sendmsg_iov([b"", b""])
            _, outs, _ = op.recvmsg_iov([32, 32])
            check("records: a sendmsg of empty records only gives their digests",
                  outs == [hmac.new(b"records key", b"", "sha256").digest()] * 2)
            check("records: a sendmsg without iovecs takes nothing and queues nothing",
                  op.sendmsg_iov([]) == 0 and errno_of(
                      lambda: op.recvmsg_iov([32], socket.MSG_DONTWAIT)) == errno.EAGAIN)

            op.sendmsg_iov([b"a", b"b", b"c"])
            n, outs, flags = op.recvmsg_iov([10, 64])
            rest, _, _ = op.recvmsg_iov([32, 32])
            check("records: iovecs shorter than a digest truncate it (MSG_TRUNC), longer ones "
                  "take one digest each, what is not read stays queued",
                  n == 42 and outs[0] == hmac.new(b"records key", b"a", "sha256").digest()[:10]
                  and outs[1][:32] == hmac.new(b"records key", b"b", "sha256").digest()
                  and flags & socket.MSG_TRUNC and rest == 32, f"(n {n}, then {rest})")
            expect_errno("records: recvmsg with no digest queued: EAGAIN", errno.EAGAIN,
                         lambda: op.recvmsg_iov([32]))
            expect_errno("records: MSG_MORE: EINVAL", errno.EINVAL,
                         lambda: op.sendmsg_iov([b"x"], socket.MSG_MORE))
            expect_errno("records: 65 iovecs: EMSGSIZE", errno.EMSGSIZE,
                         lambda: op.sendmsg_iov([b"x"] * 65))
            op.sendmsg_iov([b"x"] * 60)
            expect_errno("records: 5 more with 60 queued: EAGAIN, nothing taken", errno.EAGAIN,
                         lambda: op.sendmsg_iov([b"y"] * 5))
            n, outs, _ = op.recvmsg_iov([32] * 64)
            check("... the 60 queued digests come back whole", n == 32 * 60 and outs[:60] ==
                  [hmac.new(b"records key", b"x", "sha256").digest()] * 60, f"(n {n})")

            set_records(op, 0)
            op.sendmsg_iov([b"ab", b"c"])
            out, _ = op.recv(64)
            check("records off: iovecs are one message again",
                  out == hmac.new(b"records key", b"abc", "sha256").digest())
            op.send(b"part", socket.MSG_MORE)
            expect_errno("records: switching with a message in progress: EBUSY", errno.EBUSY,
                         lambda: set_records(op, 1))
            expect_errno("records: a value other than 0 or 1: EINVAL", errno.EINVAL,
                         lambda: set_records(op, 2))
            expect_errno("records: an option of 2 bytes: EINVAL", errno.EINVAL,
                         lambda: set_records(op, 1, 2))
        expect_errno("records: on a bound socket: ENOPROTOOPT", errno.ENOPROTOOPT,
                     lambda: set_records(tfm, 1))
    with afk.Sock().bind(b"rng", b"stdrng") as tfm:
        tfm.setkey(bytes(48))
        with tfm.accept() as op:
            expect_errno("records: on an rng operation socket: EOPNOTSUPP", errno.EOPNOTSUPP,
                         lambda: set_records(op, 1))


def bad_inputs():
    fam = afk.family()
    expect_errno("SOCK_STREAM socket: ESOCKTNOSUPPORT", errno.ESOCKTNOSUPPORT,
                 lambda: afk.Sock(type_=socket.SOCK_STREAM))
    expect_errno("protocol 1: EPROTONOSUPPORT", errno.EPROTONOSUPPORT,
                 lambda: afk.Sock(proto=1))

    def bind(addr, fam=None):
        with afk.Sock(fam) as s:
            s.bind_raw(addr)
    # Same errno as AF_ALG for the same mistake.
    for label, kind, name, feat, cut in (
            ("unknown type", b"nosuchtype", b"sha256\0", 0, None),
            ("unknown algorithm", b"hash", b"nosuchhash\0", 0, None),
            ("unsupported salg_feat", b"hash", b"sha256\0", 0x80, None),
            ("address too short", b"hash", b"sha256\0", 0, 20)):
        ours = errno_of(lambda: bind(afk.sockaddr(kind, name, feat=feat)[:cut]))
        theirs = errno_of(lambda: bind(afk.sockaddr(kind, name, fam=afk.AF_ALG, feat=feat)[:cut],
                                       afk.AF_ALG))
        check(f"bind {label}: {errno.errorcode.get(ours, ours)}, as AF_ALG",
              ours == theirs != 0, f"(AF_ALG: {errno.errorcode.get(theirs, theirs)})")

    # The policy refuses names off the type's allowlist with ENOENT, as upstream's
    # af_alg_restrict; 6.12's AF_ALG gives EINVAL for this one.
    expect_errno("bind a cipher as a hash: ENOENT (policy)", errno.ENOENT,
                 lambda: bind(afk.sockaddr(b"hash", b"cbc(aes)\0")))
    # kcrypto is stricter than AF_ALG here: no silent truncation, only sane names.
    expect_errno("bind with a 64-byte unterminated name: EINVAL", errno.EINVAL,
                 lambda: bind(afk.sockaddr(b"hash", b"s" * 64)))
    expect_errno("bind with a 100-byte name (sockaddr_alg_new): ENOENT", errno.ENOENT,
                 lambda: bind(afk.sockaddr(b"hash", b"s" * 100 + b"\0", name_field=101)))
    expect_errno("bind with a space in the name: EINVAL", errno.EINVAL,
                 lambda: bind(afk.sockaddr(b"hash", b"sha 256\0")))
    expect_errno("bind with another family's address: EAFNOSUPPORT", errno.EAFNOSUPPORT,
                 lambda: bind(afk.sockaddr(b"hash", b"sha256\0", fam=socket.AF_INET)))
    with afk.Sock().bind(b"hash", b"sha256") as s:
        expect_errno("second bind: EINVAL", errno.EINVAL,
                     lambda: s.bind_raw(afk.sockaddr(b"hash", b"sha1\0")))
        expect_errno("send on the bound socket: EOPNOTSUPP", errno.EOPNOTSUPP,
                     lambda: s.send(b"x"))
        expect_errno("recv on the bound socket: EOPNOTSUPP", errno.EOPNOTSUPP,
                     lambda: s.recv(32))
        expect_errno("key on an unkeyed hash: ENOSYS (as AF_ALG)", errno.ENOSYS,
                     lambda: s.setkey(b"k" * 16))
        expect_errno("unknown option: ENOPROTOOPT (as AF_ALG)", errno.ENOPROTOOPT,
                     lambda: s.setsockopt(afk.SOL_ALG, 99, b"x"))
        expect_errno("option at another level: ENOPROTOOPT (as AF_ALG)", errno.ENOPROTOOPT,
                     lambda: s.setsockopt(socket.SOL_TCP, 1, b"xxxx"))
        with s.accept() as op:
            expect_errno("key on an operation socket: ENOPROTOOPT (as AF_ALG)",
                         errno.ENOPROTOOPT, lambda: op.setkey(b"k"))
            expect_errno("bind on an operation socket: EOPNOTSUPP (as AF_ALG)", errno.EOPNOTSUPP,
                         lambda: op.bind_raw(afk.sockaddr(b"hash", b"sha1\0")))
    with afk.Sock().bind(b"hash", b"sha256") as s, s.accept() as op:
        iv = struct.pack("=I", 16) + bytes(16)
        expect_errno("ALG_SET_IV on a hash socket: EINVAL", errno.EINVAL,
                     lambda: op.sendmsg(b"abc", [(afk.SOL_ALG, 2, iv)]))
        expect_errno("malformed control message on a hash socket: EINVAL", errno.EINVAL,
                     lambda: op.sendmsg(b"abc", [(afk.SOL_ALG, 3, b"\x01")]))
        op.sendmsg(b"abc")
        out, _ = op.recv(64)
        check("sendmsg without control messages still works after refusals",
              out == hashlib.sha256(b"abc").digest())
    with afk.Sock() as s:
        expect_errno("accept on an unbound socket: EINVAL", errno.EINVAL, s.accept)
        expect_errno("key on an unbound socket: ENOPROTOOPT (as AF_ALG)", errno.ENOPROTOOPT,
                     lambda: s.setkey(b"k"))
        expect_errno("send on an unbound socket: EOPNOTSUPP", errno.EOPNOTSUPP,
                     lambda: s.send(b"x"))
    with afk.Sock().bind(b"hash", b"hmac(sha256)") as s:
        expect_errno("accept on a keyed hash without key: ENOKEY", errno.ENOKEY, s.accept)
        expect_errno("oversized key: EMSGSIZE", errno.EMSGSIZE, lambda: s.setkey(b"k" * 2000))
        expect_errno("accept after a refused key: ENOKEY", errno.ENOKEY, s.accept)
        s.setkey(b"")
        with s.accept() as op:
            op.send(b"x")
            out, _ = op.recv(64)
        check("empty HMAC key is a key", out == hmac.new(b"", b"x", "sha256").digest())
    with afk.Sock().bind(b"hash", b"cmac(aes)") as s:
        expect_errno("AES key of 15 bytes: EINVAL", errno.EINVAL, lambda: s.setkey(b"k" * 15))

    # Data is copied into buffers charged to the socket (net.core.optmem_max).
    with setting("/proc/sys/net/core/optmem_max", "1024"):
        with afk.Sock().bind(b"hash", b"sha256") as s, s.accept() as op:
            expect_errno("a copy beyond the socket's optmem_max: ENOBUFS", errno.ENOBUFS,
                         lambda: op.send(b"a" * 4096))
            op.send(b"a" * 512)
            out, _ = op.recv(64)
            check("within optmem_max the socket works", out == hashlib.sha256(b"a" * 512).digest())

    # MSG_MORE cannot grow an operation past max_op_bytes.
    with setting("/sys/module/kcrypto/parameters/max_op_bytes", "4096"):
        with afk.Sock().bind(b"hash", b"sha256") as s, s.accept() as op:
            op.send(b"a" * 3000, socket.MSG_MORE)
            expect_errno("MSG_MORE past max_op_bytes: EMSGSIZE", errno.EMSGSIZE,
                         lambda: op.send(b"a" * 2000, socket.MSG_MORE))
            op.send(b"a" * 1000)
            out, _ = op.recv(64)
            check("the stream survives a refused part", out == hashlib.sha256(b"a" * 4000).digest())


def zero_copy_paths():
    """splice/sendfile/vmsplice copy: the file and the page cache stay unchanged."""
    path = "/tmp/kcrypto-splice"
    data = rng.randbytes(300000)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o444)
    with afk.Sock().bind(b"hash", b"sha256") as s, s.accept() as op:
        with open(path, "rb") as f:
            sent = 0
            while sent < len(data):
                sent += os.sendfile(op.fd, f.fileno(), sent, len(data) - sent)
        out, _ = op.recv(64)
        check("sendfile onto the socket hashes the file", out == hashlib.sha256(data).digest())
        r, w = os.pipe()
        with open(path, "rb") as f:
            n = os.splice(f.fileno(), w, 65536)
            os.splice(r, op.fd, n)
        out, _ = op.recv(64)
        check("splice onto the socket hashes the data", out == hashlib.sha256(data[:n]).digest())
        os.close(r)
        os.close(w)
        # vmsplice user pages into a pipe, splice them onto the socket, then change
        # them: the digest must be of the data as it was when sent (it was copied).
        r, w = os.pipe()
        page = ctypes.create_string_buffer(b"v" * 4096, 4096)
        iov = (ctypes.c_void_p * 2)(ctypes.cast(page, ctypes.c_void_p).value, 4096)
        n = libc.vmsplice(w, iov, 1, 0)
        os.splice(r, op.fd, n)
        ctypes.memset(page, ord("x"), 4096)
        out, _ = op.recv(64)
        check("vmsplice + splice onto the socket copies the data",
              n == 4096 and out == hashlib.sha256(b"v" * 4096).digest(), f"(vmsplice {n})")
        os.close(r)
        os.close(w)
    with open(path, "rb") as f:
        check("the spliced file is unchanged", f.read() == data)


def threads():
    with afk.Sock().bind(b"hash", b"sha256") as s, s.accept() as op:
        errors = []

        def worker():
            try:
                for _ in range(50):
                    op.send(b"x" * 1000, socket.MSG_MORE)
                    if rng.random() < 0.2:
                        op.recv(64)
            except OSError as e:
                errors.append(e)
        ts = [threading.Thread(target=worker) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        op.send(b"")
        op.recv(64)
    check("8 threads racing on one socket: no errors", not errors, str(errors[:3]))


def lifecycle():
    ko = os.environ["KCRYPTO_KO"]
    s = afk.Sock()
    busy = subprocess.run(["rmmod", "kcrypto"], capture_output=True)
    check("rmmod is refused while a socket is open", busy.returncode != 0)
    s.close()
    check("rmmod succeeds once the sockets are closed",
          subprocess.run(["rmmod", "kcrypto"]).returncode == 0)
    taken = subprocess.run(["insmod", ko, "family=16"], capture_output=True, text=True)
    check("loading on a taken family number fails with EEXIST",
          taken.returncode != 0 and "File exists" in taken.stderr, taken.stderr.strip())
    bad = subprocess.run(["insmod", ko, "family=999"], capture_output=True, text=True)
    check("loading with an out-of-range family number fails", bad.returncode != 0)
    subprocess.run(["insmod", ko, "family=23"], check=True)
    check("a chosen family number is used and shown in sysfs",
          afk.family() == 23 and afk.digest(b"hash", b"sha1", b"abc")
          == hashlib.sha1(b"abc").digest())
    subprocess.run(["rmmod", "kcrypto"], check=True)
    subprocess.run(["insmod", ko], check=True)


def main():
    print(f"# seed {SEED} (set KCRYPTO_SEED to repeat)")
    modprobe("algif_hash")
    kat()
    more_algorithms()
    differential()
    semantics()
    queueing()
    records()
    bad_inputs()
    zero_copy_paths()
    threads()
    lifecycle()
    print(f"# {failures} failure(s)")
    return 1 if failures else 0


sys.exit(main())
