#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CVE-class regression suite: each bug class behind AF_ALG's CVEs (BRIEF §2),
tried against kcrypto.

Every check line names the CVE(s) of its class. Besides the errno or the data
each check asserts, every class ends with a check that the kernel log gained
no report (KASAN, UBSAN, lockdep, WARN, BUG, Oops, refcount, hung task), and
vm-run fails the boot on any report as well. Unprivileged callers are a child
with uid/gid 65534 and no capabilities.
"""
import ctypes
import errno
import hashlib
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import afk  # noqa: E402
import ciphers  # noqa: E402
import tap  # noqa: E402
from tap import as_nobody, check, errno_of, expect_errno, ename, rng  # noqa: E402

MORE = socket.MSG_MORE
DONTWAIT = socket.MSG_DONTWAIT
PARAMS = "/sys/module/kcrypto/parameters"
REPORT = re.compile(r"BUG:|WARNING:|KASAN|UBSAN|Oops|general protection|refcount_t|"
                    r"possible (recursive|circular) locking|hung_task|blocked for more than|"
                    r"kernel BUG|list_(add|del) corruption|double free|use-after-free")
_log_start = 0


def kernel_log():
    return subprocess.run(["dmesg"], capture_output=True, text=True).stdout.splitlines()


def log_clean(cves):
    """Checks that the kernel log gained no report since the last call."""
    global _log_start
    lines = kernel_log()
    new = [line for line in lines[_log_start:] if REPORT.search(line)]
    _log_start = len(lines)
    check(f"{cves}: kernel log clean", not new, "\n".join(new[:10]))


def bind_errno(kind, name, nobody=False, fam=None, **kw):
    def bind():
        with afk.Sock(fam).bind(kind, name, fam=fam, **kw):
            pass
    return as_nobody(bind) if nobody else errno_of(bind)


def param(name, value=None):
    """Reads a kcrypto module parameter, or writes it (returns the errno of the write)."""
    path = f"{PARAMS}/{name}"
    if value is None:
        with open(path) as f:
            return f.read().rstrip("\n")
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError as e:
        return e.errno
    return 0


def write_param(name, value):
    err = param(name, value)
    if err:
        raise OSError(err, os.strerror(err))


def has_virtio():
    with afk.Sock() as s:
        return any(a.driver == b"virtio_crypto_aes_cbc" for a in afk.alg_list(s))


def loaded_modules():
    with open("/proc/modules") as f:
        return {line.split()[0] for line in f}


def drop_caches():
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3")


# ------------------------------------------------------------------ zero-copy / splice

def read_only_file(path, data):
    if os.path.exists(path):
        os.chmod(path, 0o600)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o444)
    return os.open(path, os.O_RDONLY)


def splice_file(fd, op, offset, n):
    """Splices n bytes of the file at offset onto the socket through a pipe."""
    r, w = os.pipe()
    try:
        done = 0
        while done < n:
            got = os.splice(fd, w, n - done, offset_src=offset + done)
            left = got
            while left:
                left -= os.splice(r, op.fd, left, flags=0 if done + got == n else 4)
            done += got
    finally:
        os.close(r)
        os.close(w)


def unchanged(path, data):
    with open(path, "rb") as f:
        cached = f.read()
    drop_caches()
    with open(path, "rb") as f:
        on_disk = f.read()
    return cached == data and on_disk == data


def zero_copy():
    cves = "CVE-2026-31431 CVE-2024-26824 (zero-copy/splice)"
    path = "/tmp/kcrypto-cve-ro"
    key, iv = rng.randbytes(16), rng.randbytes(16)
    data = rng.randbytes(8192)
    fd = read_only_file(path, data)
    try:
        # skcipher: the first part carries the settings, the rest comes from the page cache.
        with ciphers.tfm(None, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
            op.sendmsg(data[:16], [afk.cmsg_op(True), afk.cmsg_iv(iv)], MORE)
            splice_file(fd, op, 16, len(data) - 16)
            out = ciphers.recv_exact(op, len(data))
        check(f"{cves}: cbc(aes) over a spliced read-only file encrypts it",
              out == ciphers.ref_skcipher(b"cbc(aes)", key, iv, data, True))
        check(f"{cves}: ... and the file and its page cache are unchanged",
              unchanged(path, data))
        with ciphers.tfm(None, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
            op.sendmsg(data[:16], [afk.cmsg_op(True), afk.cmsg_iv(iv)], MORE)
            sent = 16
            while sent < len(data):
                sent += os.sendfile(op.fd, fd, sent, len(data) - sent)
            out = ciphers.recv_exact(op, len(data))
        check(f"{cves}: sendfile of the read-only file encrypts it, file unchanged",
              out == ciphers.ref_skcipher(b"cbc(aes)", key, iv, data, True)
              and unchanged(path, data))
    finally:
        os.close(fd)

    # AEAD decrypt in place over page-cache pages was Copy Fail's write: decrypt a spliced
    # AAD || CT || TAG, with a good and with a bad tag.
    aad, pt, gcm_iv = rng.randbytes(32), rng.randbytes(4000), rng.randbytes(12)
    ct = ciphers.ref_aead_encrypt(b"gcm(aes)", key, gcm_iv, aad, pt, 16)
    for label, blob, want in (("good tag", aad + ct, aad + pt),
                              ("bad tag", aad + ct[:-1] + bytes([ct[-1] ^ 1]), None)):
        fd = read_only_file(path, blob)
        try:
            with ciphers.tfm(None, b"aead", b"gcm(aes)", key, 16) as t, t.accept() as op:
                op.sendmsg(blob[:16], [afk.cmsg_op(False), afk.cmsg_iv(gcm_iv),
                                       afk.cmsg_assoclen(len(aad))], MORE)
                splice_file(fd, op, 16, len(blob) - 16)
                try:
                    got, err = op.recv(len(aad) + len(pt))[0], 0
                except OSError as e:
                    got, err = None, e.errno
        finally:
            os.close(fd)
        if want is None:
            check(f"{cves}: gcm(aes) decrypt of a spliced file, {label}: EBADMSG",
                  err == errno.EBADMSG, f"(got {ename(err)})")
        else:
            check(f"{cves}: gcm(aes) decrypt of a spliced file, {label}: the plaintext",
                  err == 0 and got == want, f"(got {ename(err)})")
        check(f"{cves}: ... {label}: the file and its page cache are unchanged",
              unchanged(path, blob))

    # vmsplice: the data is copied when it is sent, later writes to the pages do not count.
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(b"p" * 4096, 4096)
    iov = afk._iovec(ctypes.cast(buf, ctypes.c_void_p), 4096)
    with ciphers.tfm(None, b"skcipher", b"ctr(aes)", key) as t, t.accept() as op:
        op.sendmsg(b"", [afk.cmsg_op(True), afk.cmsg_iv(iv)], MORE)
        r, w = os.pipe()
        n = libc.vmsplice(w, ctypes.byref(iov), 1, 0)
        os.splice(r, op.fd, n)
        ctypes.memset(buf, ord("q"), 4096)
        os.close(r)
        os.close(w)
        out = ciphers.recv_exact(op, 4096)
    check(f"{cves}: vmsplice + splice: the data as sent, not as later rewritten",
          n == 4096 and out == ciphers.ref_skcipher(b"ctr(aes)", key, iv, b"p" * 4096, True),
          f"(vmsplice {n})")
    os.chmod(path, 0o600)
    os.unlink(path)
    log_clean(cves)


def in_place():
    cves = "CVE-2026-31431 (in-place aliasing)"
    key, iv = rng.randbytes(16), rng.randbytes(16)
    data = rng.randbytes(4096)
    buf = ctypes.create_string_buffer(data, len(data))
    with ciphers.tfm(None, b"skcipher", b"cbc(aes)", key) as t, t.accept() as op:
        op.sendmsg(data[:16], [afk.cmsg_op(True), afk.cmsg_iv(iv)], MORE)
        rest = ctypes.cast(ctypes.addressof(buf) + 16, ctypes.c_void_p)
        afk._check(afk._libc.send(op.fd, rest, ctypes.c_size_t(len(data) - 16), 0))
        n = op.recv_into(buf)
    check(f"{cves}: receive into the buffer just sent from: the right ciphertext",
          n == len(data) and buf.raw == ciphers.ref_skcipher(b"cbc(aes)", key, iv, data, True))
    aad, pt, gcm_iv = rng.randbytes(16), rng.randbytes(1000), rng.randbytes(12)
    ct = ciphers.ref_aead_encrypt(b"gcm(aes)", key, gcm_iv, aad, pt, 16)
    blob = ctypes.create_string_buffer(aad + ct, len(aad) + len(ct))
    with ciphers.tfm(None, b"aead", b"gcm(aes)", key, 16) as t, t.accept() as op:
        op.sendmsg(blob.raw, [afk.cmsg_op(False), afk.cmsg_iv(gcm_iv),
                              afk.cmsg_assoclen(len(aad))])
        n = op.recv_into(blob)
    check(f"{cves}: AEAD decrypt into its own input buffer: AAD || PT, the tag bytes untouched",
          n == len(aad) + len(pt) and blob.raw == aad + pt + ct[-16:])
    log_clean(cves)


# ------------------------------------------------------------------ dangerous templates

DANGEROUS = (
    ("CVE-2017-17806", b"hash", b"hmac(hmac(sha256))"),
    ("CVE-2017-17806", b"hash", b"hmac(cmac(hmac(sha1)))"),
    ("CVE-2026-31431 CVE-2026-46033", b"aead", b"authencesn(hmac(sha256),cbc(aes))"),
    ("CVE-2017-18075", b"aead", b"pcrypt(gcm(aes))"),
    ("CVE-2017-18075", b"aead", b"pcrypt(authencesn(hmac(sha256),cbc(aes)))"),
    ("CVE-2016-10147", b"hash", b"mcryptd(sha256)"),
    ("CVE-2016-10147", b"skcipher", b"cryptd(cbc(aes))"),
    ("CVE-2016-10147", b"skcipher", b"__cbc-aes-aesni"),
    ("CVE-2016-10147", b"aead", b"rfc4106(cryptd(__gcm-aes-aesni))"),
)


def dangerous():
    for cves, kind, name in DANGEROUS:
        label = f"{cves} (dangerous templates): bind {kind.decode()} {name.decode()}"
        for who, nobody in (("root", False), ("uid 65534", True)):
            got = bind_errno(kind, name, nobody)
            check(f"{label} as {who}: ENOENT", got == errno.ENOENT, f"(got {ename(got)})")
    # The tiny-authsize bug needs authencesn: unreachable however the tag size is set.
    cves = "CVE-2026-46033 CVE-2026-31431"
    tap.modprobe("algif_aead")
    got = bind_errno(b"aead", b"authencesn(hmac(sha256),cbc(aes))", fam=afk.AF_ALG)
    check(f"{cves}: for reference, AF_ALG binds authencesn as root (this kernel has it)",
          got == 0, f"(got {ename(got)})")
    log_clean("CVE-2017-17806 CVE-2016-10147 CVE-2017-18075 CVE-2026-46033")


def modes():
    cves = "CVE-2017-18075 CVE-2026-46033 (policy modes)"
    old = param("policy")
    jitter = (b"rng", b"jitterentropy_rng")
    try:
        check(f"{cves}: policy defaults to 1 (allowlists)", old == "1", f"(is {old})")
        got = bind_errno(*jitter, nobody=True)
        check(f"{cves}: mode 1: a name on the privileged list only, as uid 65534: ENOENT",
              got == errno.ENOENT, f"(got {ename(got)})")
        got = bind_errno(*jitter)
        check(f"{cves}: mode 1: the same name as root: bound", got == 0, f"(got {ename(got)})")
        for kind, name in ((b"hash", b"sha256-generic"), (b"skcipher", b"ctr(aes-generic)"),
                           (b"rng", b"drbg_nopr_hmac_sha256"), (b"skcipher", b"cbc-aes-aesni")):
            got = bind_errno(kind, name, nobody=True)
            check(f"{cves}: mode 1: driver name {name.decode()} of an allowed algorithm, "
                  "as uid 65534: bound", got == 0, f"(got {ename(got)})")
        got = bind_errno(b"hash", b"hmac(sha256", nobody=True)
        check(f"{cves}: a name outside the grammar: EINVAL", got == errno.EINVAL,
              f"(got {ename(got)})")
        got = as_nobody(lambda: write_param("policy", "0"))
        check(f"{cves}: uid 65534 cannot change the mode: EACCES",
              got == errno.EACCES and param("policy") == "1", f"(got {ename(got)})")
        check(f"{cves}: mode 3 does not exist: EINVAL", param("policy", "3") == errno.EINVAL
              and param("policy") == "1")

        check(f"{cves}: root sets mode 0", param("policy", "0") == 0)
        got = bind_errno(*jitter, nobody=True)
        check(f"{cves}: mode 0 (open): uid 65534 binds any name", got == 0,
              f"(got {ename(got)})")
        # (Not tried in open mode: pcrypt(gcm(aes)). Its instance outranks gcm(aes), so every
        # later gcm(aes) user on the system would run through pcrypt.)
        check(f"{cves}: root sets mode 2", param("policy", "2") == 0)
        for who, nobody in (("root", False), ("uid 65534", True)):
            got = bind_errno(b"hash", b"sha256", nobody)
            check(f"{cves}: mode 2 (off): sha256 as {who}: ENOENT", got == errno.ENOENT,
                  f"(got {ename(got)})")
        param("policy", "1")

        old_list = param("allow_rng_priv")
        try:
            check(f"{cves}: root empties allow_rng_priv", param("allow_rng_priv", "\n") == 0)
            got = bind_errno(*jitter)
            check(f"{cves}: then jitterentropy_rng as root: ENOENT", got == errno.ENOENT,
                  f"(got {ename(got)})")
            got = param("allow_rng_priv", "x" * 1024)
            check(f"{cves}: a list of 1024 bytes: ENOSPC", got == errno.ENOSPC,
                  f"(got {ename(got)})")
            check(f"{cves}: root adds a name to allow_rng", param("allow_rng", "stdrng,"
                  "jitterentropy_rng") == 0)
            got = bind_errno(*jitter, nobody=True)
            check(f"{cves}: then uid 65534 binds it", got == 0, f"(got {ename(got)})")
        finally:
            param("allow_rng_priv", old_list)
            param("allow_rng", "stdrng")
    finally:
        param("policy", old)
    log_clean(cves)


# ------------------------------------------------------------------ module autoload

def autoload():
    cves = "CVE-2013-7421 CVE-2014-9644 (module autoload)"
    tap.modprobe("algif_hash", "algif_skcipher")
    # A fresh directory: /tmp may be the host's, with a log of an earlier run in it.
    scratch = tempfile.mkdtemp(prefix="kcrypto-cve-")
    logfile = os.path.join(scratch, "modprobe.log")
    helper = os.path.join(scratch, "modprobe")
    with open(helper, "w") as f:
        f.write(f"#!/bin/sh\necho \"$*\" >>{logfile}\nexit 1\n")
    os.chmod(helper, 0o755)
    with open("/proc/sys/kernel/modprobe") as f:
        old = f.read().strip()
    names = ((b"hash", b"vfat"), (b"hash", b"nls_cp437"), (b"skcipher", b"cbc(vfat)"),
             (b"hash", b"hmac(vfat)"), (b"aead", b"authenc(hmac(vfat),cbc(aes))"),
             (b"hash", b"crypto-vfat"), (b"skcipher", b"ecb(nosuch_cipher)"),
             (b"hash", b"sha256-nosuchdriver"))
    modules = loaded_modules()
    try:
        with open("/proc/sys/kernel/modprobe", "w") as f:
            f.write(helper)
        for kind, name in names:
            for who, nobody in (("root", False), ("uid 65534", True)):
                got = bind_errno(kind, name, nobody)
                check(f"{cves}: bind {kind.decode()} {name.decode()} as {who}: ENOENT",
                      got == errno.ENOENT, f"(got {ename(got)})")
        requested = open(logfile).read() if os.path.exists(logfile) else ""
        check(f"{cves}: no module was requested for any of them", requested == "",
              f"({requested.strip()!r})")
        # The same on AF_ALG asks the module loader (with the "crypto-" prefix): proof that
        # the helper above would have seen a request.
        bind_errno(b"hash", b"vfat", fam=afk.AF_ALG)
        requested = open(logfile).read() if os.path.exists(logfile) else ""
        check(f"{cves}: for reference, AF_ALG's bind of vfat requests crypto-vfat",
              "crypto-vfat" in requested, f"({requested.strip()!r})")
    finally:
        with open("/proc/sys/kernel/modprobe", "w") as f:
            f.write(old)
        shutil.rmtree(scratch, ignore_errors=True)
    check(f"{cves}: no module was loaded", loaded_modules() == modules,
          f"({loaded_modules() ^ modules})")
    log_clean(cves)


# ------------------------------------------------------------------ accept / nokey / parent-child

# (type, name, a key size it refuses or None)
KEYED = ((b"hash", b"hmac(sha256)", None), (b"hash", b"cmac(aes)", 17),
         (b"skcipher", b"cbc(aes)", 17), (b"aead", b"gcm(aes)", 17), (b"hash", b"ghash", 17))


def nokey():
    cves = "CVE-2015-8970 CVE-2011-4081 (accept before key, missing setkey checks)"
    for kind, name, bad in KEYED:
        with afk.Sock().bind(kind, name) as t:
            expect_errno(f"{cves}: {name.decode()}: accept before a key: ENOKEY",
                         errno.ENOKEY, t.accept)
            if bad is None:
                continue
            expect_errno(f"{cves}: {name.decode()}: a key of {bad} bytes: EINVAL",
                         errno.EINVAL, lambda: t.setkey(bytes(bad)))
            expect_errno(f"{cves}: {name.decode()}: after a refused key, accept still: ENOKEY",
                         errno.ENOKEY, t.accept)
    log_clean(cves)


def work(kind, name, op, key, rounds):
    """rounds complete operations on op; returns how many gave the right answer."""
    good = 0
    for _ in range(rounds):
        data = rng.randbytes(rng.randrange(16, 2048) // 16 * 16)
        if kind == b"hash":
            op.send(data[:5], MORE)
            op.send(data[5:])
            good += op.recv(64)[0] == hashlib.sha256(data).digest()
        elif kind == b"skcipher":
            iv = rng.randbytes(16)
            out = ciphers.skcipher_op(op, data, True, iv)
            good += out == ciphers.ref_skcipher(name, key, iv, data, True)
        else:
            iv = rng.randbytes(12)
            out = ciphers.aead_op(op, data, True, iv, 0, len(data) + 16)
            good += out == ciphers.ref_aead_encrypt(name, key, iv, b"", data, 16)
    return good


def parent_child():
    cves = "CVE-2016-8646 CVE-2019-8912 CVE-2018-14619 CVE-2025-38079 (parent/child)"
    for kind, name, key, tag in ((b"hash", b"sha256", None, None),
                                 (b"skcipher", b"cbc(aes)", rng.randbytes(16), None),
                                 (b"aead", b"gcm(aes)", rng.randbytes(16), 16)):
        t = ciphers.tfm(None, kind, name, key, tag)
        ops = [t.accept() for _ in range(4)]
        results = []
        threads = [threading.Thread(target=lambda o=o: results.append(work(kind, name, o, key,
                                                                           40)))
                   for o in ops]
        for th in threads:
            th.start()
        t.close()       # the parent goes while its children work
        for th in threads:
            th.join()
        check(f"{cves}: {name.decode()}: closing the parent while 4 children work: "
              "every result right", results == [40] * 4, f"({results})")
        for o in ops:
            # CVE-2019-8912: attributes of a socket whose parent is gone.
            os.fchmod(o.fd, 0o600)
            os.fchown(o.fd, 0, 0)
        check(f"{cves}: {name.decode()}: the orphans still work and take fchmod/fchown",
              all(work(kind, name, o, key, 1) == 1 for o in ops))
        for o in ops:
            o.close()

    # Hash state clones: from a fresh socket (no data, CVE-2016-8646), mid-stream, after a
    # result, and clones of clones closed in random order (CVE-2025-38079).
    with afk.Sock().bind(b"hash", b"sha256") as t, t.accept() as op:
        with op.accept() as fresh:
            fresh.send(b"")
            check(f"{cves}: accept on a hash socket without data: a fresh state",
                  fresh.recv(64)[0] == hashlib.sha256(b"").digest())
        op.send(b"ab", MORE)
        clones = [op.accept() for _ in range(16)]
        clones += [c.accept() for c in clones[:8]]
        rng.shuffle(clones)
        good = 0
        for i, c in enumerate(clones):
            if i % 2:
                c.send(b"c")
                good += c.recv(64)[0] == hashlib.sha256(b"abc").digest()
            c.close()
        op.send(b"")
        op.recv(64)
        with op.accept() as after:
            after.send(b"x")
            last = after.recv(64)[0]
        check(f"{cves}: 24 clones mid-stream, half finished, closed in random order: "
              "each right", good == 12, f"({good})")
        check(f"{cves}: accept after a result: a fresh state", last == hashlib.sha256(b"x")
              .digest())
    log_clean(cves)


# ------------------------------------------------------------------ scatterlists, zero lengths

def zero_lengths():
    cves = "CVE-2017-17805 CVE-2026-43043 CVE-2024-26824 (zero lengths, error paths)"
    with afk.Sock().bind(b"hash", b"sha256") as t, t.accept() as op:
        for _ in range(3):
            op.send(b"", MORE)
        op.send(b"")
        check(f"{cves}: hash: zero-length parts only: the digest of nothing",
              op.recv(64)[0] == hashlib.sha256(b"").digest())
        op.send(b"abc")
        out, flags = op.recv(0)
        check(f"{cves}: hash: a zero-length read: 0 bytes, MSG_TRUNC (as AF_ALG)",
              out == b"" and flags & socket.MSG_TRUNC)
        op.send(b"abc")
        check(f"{cves}: hash: then the next operation is right",
              op.recv(64)[0] == hashlib.sha256(b"abc").digest())
    key, iv = rng.randbytes(32), rng.randbytes(16)
    for name in (b"cbc(aes)", b"ctr(aes)", b"chacha20", b"xts(aes)"):
        k = key if name in (b"chacha20", b"xts(aes)") else key[:16]
        with ciphers.tfm(None, b"skcipher", name, k) as t, t.accept() as op:
            err = errno_of(lambda: op.sendmsg(b"", [afk.cmsg_op(True), afk.cmsg_iv(iv)]))
            if err == 0:
                err = errno_of(lambda: op.recv(16, DONTWAIT))
            ok = err in (0, errno.EAGAIN) if name != b"xts(aes)" else err == errno.EINVAL
            check(f"{cves}: {name.decode()}: a zero-length operation: "
                  f"{'EINVAL' if name == b'xts(aes)' else 'nothing to read'}", ok,
                  f"(got {ename(err)})")
            data = rng.randbytes(64)
            out = ciphers.skcipher_op(op, data, True, iv)
            check(f"{cves}: {name.decode()}: then a real operation works",
                  out == ciphers.ref_skcipher(name, k, iv, data, True))
    gkey, giv = rng.randbytes(16), rng.randbytes(12)
    tag = ciphers.ref_aead_encrypt(b"gcm(aes)", gkey, giv, b"", b"", 16)
    with ciphers.tfm(None, b"aead", b"gcm(aes)", gkey, 16) as t, t.accept() as op:
        out = ciphers.aead_op(op, b"", True, giv, 0, 16)
        check(f"{cves}: gcm(aes): no AAD, no text: the tag", out == tag)
        out = ciphers.aead_op(op, tag, False, giv, 0, 0)
        check(f"{cves}: gcm(aes): decrypt of the tag alone: nothing, no error", out == b"")

    # An operation that fails half-way frees what it took and leaves the socket usable.
    with ciphers.tfm(None, b"skcipher", b"cbc(aes)", key[:16]) as t:
        for what, parts in (("17 bytes in two parts", [b"a" * 9, b"b" * 8]),
                            ("1 byte", [b"c"])):
            with t.accept() as op:
                err = errno_of(lambda: ciphers.send_op(op, b"".join(parts),
                                                       [afk.cmsg_op(True), afk.cmsg_iv(iv)],
                                                       [len(p) for p in parts]))
                if err == 0:
                    err = errno_of(lambda: op.recv(64, DONTWAIT))
                check(f"{cves}: cbc(aes) with {what}: EINVAL", err == errno.EINVAL,
                      f"(got {ename(err)})")
                data = rng.randbytes(32)
                check(f"{cves}: cbc(aes) after {what}: the next operation works",
                      ciphers.skcipher_op(op, data, True, iv)
                      == ciphers.ref_skcipher(b"cbc(aes)", key[:16], iv, data, True))
        for _ in range(50):     # abandoned halfway: closed with data held
            op = t.accept()
            op.sendmsg(rng.randbytes(48), [afk.cmsg_op(True), afk.cmsg_iv(iv)], MORE)
            op.close()
    with ciphers.tfm(None, b"aead", b"gcm(aes)", gkey, 16) as t, t.accept() as op:
        err = errno_of(lambda: ciphers.send_op(op, b"x" * 8, [afk.cmsg_op(True),
                                                             afk.cmsg_iv(giv),
                                                             afk.cmsg_assoclen(9)]))
        if err == 0:
            err = errno_of(lambda: op.recv(64, DONTWAIT))
        check(f"{cves}: gcm(aes) with an AAD longer than the input: EINVAL",
              err == errno.EINVAL, f"(got {ename(err)})")
        err = errno_of(lambda: ciphers.send_op(op, b"x" * 15, [afk.cmsg_op(False),
                                                              afk.cmsg_iv(giv),
                                                              afk.cmsg_assoclen(0)]))
        if err == 0:
            err = errno_of(lambda: op.recv(64, DONTWAIT))
        check(f"{cves}: gcm(aes) decrypt of less than a tag: EINVAL", err == errno.EINVAL,
              f"(got {ename(err)})")
        out = ciphers.aead_op(op, b"", True, giv, 0, 16)
        check(f"{cves}: gcm(aes): then a real operation works", out == tag)
    log_clean(cves)


# ------------------------------------------------------------------ length checks

def short_receive():
    cves = "CVE-2026-43077 (receive size ignoring the tag)"
    for name, klen, ivlen in ((b"gcm(aes)", 16, 12), (b"ccm(aes)", 16, 16),
                              (b"rfc7539(chacha20,poly1305)", 32, 12)):
        key = rng.randbytes(klen)
        iv = ciphers.ccm_iv(rng.randbytes(11)) if name == b"ccm(aes)" else rng.randbytes(ivlen)
        aad, pt = rng.randbytes(20), rng.randbytes(rng.randrange(1, 300))
        ct = ciphers.ref_aead_encrypt(name, key, iv, aad, pt, 16)
        with ciphers.tfm(None, b"aead", name, key, 16) as t, t.accept() as op:
            ciphers.send_op(op, aad + pt, [afk.cmsg_op(True), afk.cmsg_iv(iv),
                                           afk.cmsg_assoclen(len(aad))])
            short = len(aad) + len(ct) - 1
            buf = ctypes.create_string_buffer(b"\xa5" * short, short)
            err = errno_of(lambda: op.recv_into(buf))
            check(f"{cves}: {name.decode()}: encrypt into a buffer one byte short: EINVAL, "
                  "nothing written", err == errno.EINVAL and set(buf.raw) == {0xa5},
                  f"(got {ename(err)})")
            out, _ = op.recv(len(aad) + len(ct))
            check(f"{cves}: {name.decode()}: the retry gets AAD || CT || TAG",
                  out == aad + ct)
            ciphers.send_op(op, aad + ct, [afk.cmsg_op(False), afk.cmsg_iv(iv),
                                           afk.cmsg_assoclen(len(aad))])
            expect_errno(f"{cves}: {name.decode()}: decrypt into a buffer one byte short: "
                         "EINVAL", errno.EINVAL, lambda: op.recv(len(aad) + len(pt) - 1))
            check(f"{cves}: {name.decode()}: the retry gets AAD || PT",
                  op.recv(len(aad) + len(pt))[0] == aad + pt)
    log_clean(cves)


# ------------------------------------------------------------------ IV while in flight

def iv_in_flight():
    cves = "CVE-2026-46028 (IV shared with in-flight requests)"
    classes = [("any driver", afk.ANY_DRIVER)]
    if has_virtio():
        classes.append(("hardware (virtio-crypto)", afk.HARDWARE_ONLY))
    for label, cls in classes:
        key = rng.randbytes(16)
        with afk.Sock().bind(b"skcipher", b"cbc(aes)", **cls) as t:
            t.setkey(key)
            with t.accept() as op:
                reqs = [(rng.randbytes(16), rng.randbytes(1024)) for _ in range(4)]
                for iv, data in reqs:   # all sent before any is read: in flight together
                    op.sendmsg(data, [afk.cmsg_op(True), afk.cmsg_iv(iv)])
                outs = [ciphers.recv_exact(op, len(data)) for _, data in reqs]
        check(f"{cves}: {label}: 4 requests with 4 IVs sent before reading: each result "
              "under its own IV",
              outs == [ciphers.ref_skcipher(b"cbc(aes)", key, iv, d, True) for iv, d in reqs])
        with afk.Sock().bind(b"aead", b"gcm(aes)") as t:
            t.setkey(key)
            t.set_authsize(16)
            with t.accept() as op:
                reqs = [(rng.randbytes(12), rng.randbytes(500)) for _ in range(4)]
                for iv, data in reqs:
                    op.sendmsg(data, [afk.cmsg_op(True), afk.cmsg_iv(iv),
                                      afk.cmsg_assoclen(0)])
                outs = [op.recv(len(data) + 16)[0] for _, data in reqs]
        if cls is afk.ANY_DRIVER:
            check(f"{cves}: gcm(aes): 4 requests with 4 IVs in flight: each under its own IV",
                  outs == [ciphers.ref_aead_encrypt(b"gcm(aes)", key, iv, b"", d, 16)
                           for iv, d in reqs])
    log_clean(cves)


# ------------------------------------------------------------------ info leaks

def info_leaks():
    cves = "CVE-2013-3076 (uninitialised fields)"
    with afk.Sock().bind(b"hash", b"sha256") as t, t.accept() as op:
        op.send(b"abc")
        name = ctypes.create_string_buffer(b"\xa5" * 128, 128)
        buf = ctypes.create_string_buffer(64)
        iov = afk._iovec(ctypes.cast(buf, ctypes.c_void_p), 64)
        msg = afk._msghdr(ctypes.cast(name, ctypes.c_void_p), 128, ctypes.pointer(iov), 1,
                          None, 0, 0)
        n = afk._check(afk._libc.recvmsg(op.fd, ctypes.byref(msg), 0))
        check(f"{cves}: recvmsg with an address buffer: msg_namelen 0, buffer untouched",
              n == 32 and msg.namelen == 0 and set(name.raw) == {0xa5},
              f"(namelen {msg.namelen})")
        err, raw, _ = op.getsockopt_buf(afk.SOL_ALG, afk.KCRYPTO_GET_DRIVER, afk.AlgInfo.SIZE)
        fields = [raw[0:16], raw[16:144], raw[144:272], raw[272:336]]
        tails_zero = all(not any(f[f.index(0):]) for f in fields if 0 in f)
        check(f"{cves}: KCRYPTO_GET_DRIVER: every byte after each name's NUL is zero",
              err == 0 and tails_zero)
    log_clean(cves)


# ------------------------------------------------------------------ what serves a socket

NETLINK_CRYPTO = 21
CRYPTO_MSG_DELALG = 0x11


def delete_instance(driver):
    """Unregisters the template instance named driver (crypto_user's CRYPTO_MSG_DELALG, as
    `crconf del` does): 0 or the errno. An instance outlives the socket that made it."""
    body = struct.pack("=64s64s64sIIII", b"", driver, b"", 0, 0, 0, 0)
    msg = struct.pack("=IHHII", 16 + len(body), CRYPTO_MSG_DELALG, 1 | 4, 1, 0) + body
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_CRYPTO) as nl:
        nl.send(msg)
        reply = nl.recv(4096)
    # The acknowledgement: struct nlmsgerr after the header, its error negated.
    return -struct.unpack_from("=i", reply, 16)[0]


def served_by():
    """It registers a pcrypt instance, which every later gcm(aes) user of the kernel (AF_ALG,
    IPsec, KUnit cases) would get, and removes it again."""
    cves = "CVE-2017-18075 CVE-2016-10147 (refused implementations instantiated by others)"
    tap.modprobe("algif_aead")
    with afk.Sock().bind(b"aead", b"gcm(aes)") as t:
        best = afk.driver_info(t).driver
    # pcrypt over the best gcm(aes) outranks it by 100.
    pcrypt = b"pcrypt(" + best + b")"
    err = errno_of(lambda: afk.Sock(afk.AF_ALG).bind(b"aead", pcrypt, fam=afk.AF_ALG).close())
    with open("/proc/crypto") as f:
        listed = f"driver       : {pcrypt.decode()}\n" in f.read()
    check(f"{cves}: root's AF_ALG bind registered {pcrypt.decode()} as a gcm(aes)",
          err == 0 and listed, f"(bind: {ename(err)})")
    key, iv, pt = rng.randbytes(16), rng.randbytes(12), rng.randbytes(100)
    with ciphers.tfm(None, b"aead", b"gcm(aes)", key, 16) as t, t.accept() as op:
        info = afk.driver_info(op)
        out = ciphers.aead_op(op, pt, True, iv, 0, len(pt) + 16)
    check(f"{cves}: kcrypto's gcm(aes) is not served by it", b"pcrypt" not in info.driver
          and info.name == b"gcm(aes)", repr(info))
    check(f"{cves}: ... and is right", out == ciphers.ref_aead_encrypt(b"gcm(aes)", key, iv,
                                                                    b"", pt, 16))
    err = errno.EBUSY
    for _ in range(50):     # its last user may still be letting go
        err = delete_instance(pcrypt)
        if err != errno.EBUSY:
            break
        time.sleep(0.1)
    with open("/proc/crypto") as f:
        listed = f"driver       : {pcrypt.decode()}\n" in f.read()
    check(f"{cves}: the pcrypt instance is removed again (CRYPTO_MSG_DELALG)",
          err == 0 and not listed, f"(errno {ename(err)}, still listed: {listed})")
    log_clean(cves)


def main():
    global _log_start
    tap.header("CVE-class regression suite")
    _log_start = len(kernel_log())
    for part in (zero_copy, in_place, dangerous, modes, autoload, nokey, parent_child,
                 zero_lengths, short_receive, iv_in_flight, info_leaks, served_by):
        try:
            part()
        except Exception as e:      # a crash of one class must not hide the others
            traceback.print_exc()
            check(f"{part.__name__}: ran to the end", False, f"({type(e).__name__}: {e})")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
