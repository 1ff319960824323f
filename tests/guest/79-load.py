#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Load: many processes x several sockets of every type, every output verified.

LOAD_PROCS processes (default 32) each open LOAD_SOCKETS (default 6) operation
sockets of every type (hash, hmac, skcipher, aead, rng, akcipher) and run
operations on them in turn for LOAD_SECONDS (default 20; `make load` runs
longer), each output checked against Python's hashlib/hmac/cryptography
(rng: length and no repeats). Afterwards, once requests settled: every
socket is gone (/proc/net/sockstat "sockets: used" back at its baseline),
the module refcount is back at its baseline, and unreclaimable slab
(/proc/meminfo SUnreclaim) is within LOAD_SLAB_TOLERANCE_KIB (default
16384) of its baseline, taken after a warm-up round that instantiated every
template: KASAN's quarantine keeps freed objects for a while and per-CPU
slabs keep partial pages, so an exact match would be noise, while a leak of
one socket's state per operation (tens of thousands here) is far above it.
Last of the three: `rmmod kcrypto` (by the harness) must succeed.

Runs before 80-cve.py: that one leaves a pcrypt(gcm(aes)) instance
registered, which outranks gcm(aes), and gcm(aes) through pcrypt reaches
upstream padata's lockdep report.
"""
import hashlib
import hmac
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "lib"))
import afk  # noqa: E402
import ciphers  # noqa: E402
from tap import check, finish  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

PROCS = int(os.environ.get("LOAD_PROCS", "32"))
SOCKETS = int(os.environ.get("LOAD_SOCKETS", "6"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "20"))
TOLERANCE_KIB = int(os.environ.get("LOAD_SLAB_TOLERANCE_KIB", "16384"))
KINDS = ("sha256", "hmac", "cbc", "gcm", "rng", "rsa")


def meminfo(field):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def sockets_used():
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("sockets:"):
                return int(line.split()[2])
    return 0


def refcnt():
    with open("/sys/module/kcrypto/refcnt") as f:
        return int(f.read())


class Worker:
    """One process's keys, tfms and operation sockets."""

    def __init__(self, seed, rsa_key, der):
        self.rng = random.Random(seed)
        self.key16, self.key32 = self.rng.randbytes(16), self.rng.randbytes(32)
        self.rsa_key, self.der = rsa_key, der
        self.tfms, self.ops = [], []

    def open(self, kind):
        if kind == "sha256":
            t = afk.Sock().bind(b"hash", b"sha256")
        elif kind == "hmac":
            t = ciphers.tfm(None, b"hash", b"hmac(sha256)", self.key32)
        elif kind == "cbc":
            t = ciphers.tfm(None, b"skcipher", b"cbc(aes)", self.key16)
        elif kind == "gcm":
            t = ciphers.tfm(None, b"aead", b"gcm(aes)", self.key16, 16)
        elif kind == "rng":
            t = afk.Sock().bind(b"rng", b"stdrng")
        else:
            t = afk.Sock().bind(b"akcipher", b"rsa-generic")
            t.setkey(self.der)
        self.tfms.append(t)
        self.ops.append((kind, t.accept()))

    def run_one(self, kind, op):
        """One operation; returns an error string or None."""
        r = self.rng
        if kind in ("sha256", "hmac"):
            data = r.randbytes(r.randrange(0, 20000))
            op.send(data)
            got, _ = op.recv(64)
            want = (hashlib.sha256(data).digest() if kind == "sha256"
                    else hmac.new(self.key32, data, "sha256").digest())
        elif kind == "cbc":
            data, iv = r.randbytes(16 * r.randrange(1, 256)), r.randbytes(16)
            enc = r.random() < 0.5
            got = ciphers.skcipher_op(op, data, enc, iv)
            want = ciphers.ref_skcipher(b"cbc(aes)", self.key16, iv, data, enc)
        elif kind == "gcm":
            pt, aad, iv = r.randbytes(r.randrange(0, 8192)), r.randbytes(r.randrange(0, 64)), \
                r.randbytes(12)
            ct = ciphers.ref_aead_encrypt(b"gcm(aes)", self.key16, iv, aad, pt, 16)
            if r.random() < 0.5:
                got = ciphers.aead_op(op, aad + pt, True, iv, len(aad), len(aad) + len(ct))
                want = aad + ct
            else:
                got = ciphers.aead_op(op, aad + ct, False, iv, len(aad), len(aad) + len(pt))
                want = aad + pt
        elif kind == "rng":
            n = r.randrange(1, 4097)
            got, _ = op.recv(n)
            if len(got) != n or (n >= 16 and got == bytes(n)):
                return f"rng: {len(got)} of {n} bytes"
            return None
        else:
            m = r.randrange(2, 2**64)
            op.sendmsg(m.to_bytes(8, "big"), [(afk.SOL_ALG, afk.ALG_SET_OP,
                                              afk.ALG_OP_ENCRYPT.to_bytes(4, sys.byteorder))])
            got, _ = op.recv(1024)
            pub = self.rsa_key.public_key().public_numbers()
            want = pow(m, pub.e, pub.n).to_bytes(self.rsa_key.key_size // 8, "big")
        return None if got == want else f"{kind}: WRONG ANSWER ({len(got)} bytes)"

    def close(self):
        for _, op in self.ops:
            op.close()
        for t in self.tfms:
            t.close()


def child(index, rsa_key, der, deadline, out):
    w = Worker(0x10ad0000 + index, rsa_key, der)
    result = {"ops": 0, "errors": []}
    try:
        for i in range(SOCKETS):
            w.open(KINDS[(index + i) % len(KINDS)])
        while time.monotonic() < deadline and len(result["errors"]) < 5:
            for kind, op in w.ops:
                err = w.run_one(kind, op)
                result["ops"] += 1
                if err:
                    result["errors"].append(err)
    except OSError as e:
        result["errors"].append(f"{afk.errno.errorcode.get(e.errno, e.errno)}: {e}")
    finally:
        w.close()
    os.write(out, json.dumps(result).encode())


def main():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    der = rsa_key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.PKCS1)
    # Warm-up: the first use of a template instantiates it for good.
    warm = Worker(1, rsa_key, der)
    for kind in KINDS:
        warm.open(kind)
    errors = [e for kind, op in warm.ops for e in [warm.run_one(kind, op)] if e]
    warm.close()
    check("load: warm-up round of every type is correct", not errors, "; ".join(errors))
    time.sleep(2)
    base_slab, base_socks, base_ref = meminfo("SUnreclaim"), sockets_used(), refcnt()

    deadline = time.monotonic() + SECONDS
    children = []
    for i in range(PROCS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 1
            try:
                child(i, rsa_key, der, deadline, w)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        children.append((pid, r))
    peak_socks = sockets_used()
    ops, errs = 0, []
    for pid, r in children:
        data = b""
        while chunk := os.read(r, 65536):
            data += chunk
        os.close(r)
        os.waitpid(pid, 0)
        try:
            res = json.loads(data)
        except ValueError:
            errs.append(f"process {pid}: no report")
            continue
        ops += res["ops"]
        errs += [f"process {pid}: {e}" for e in res["errors"]]
    check(f"load: {PROCS} processes x {SOCKETS} sockets, {SECONDS:.0f} s: {ops} operations, "
          "every output verified", not errs and ops > 0, "; ".join(errs[:10]))

    for _ in range(60):
        if sockets_used() <= base_socks and refcnt() == base_ref:
            break
        time.sleep(0.5)
    time.sleep(3)
    slab = meminfo("SUnreclaim")
    print(f"# sockets used: {base_socks} before, {peak_socks} during, {sockets_used()} after; "
          f"SUnreclaim {base_slab} kB before, {slab} kB after")
    check(f"load: every socket released (sockets used {sockets_used()}, baseline {base_socks})",
          sockets_used() <= base_socks)
    check(f"load: module refcnt back at {base_ref}", refcnt() == base_ref, f"now {refcnt()}")
    check(f"load: unreclaimable slab back within {TOLERANCE_KIB} KiB of its baseline "
          f"({slab - base_slab:+d} KiB)", slab - base_slab <= TOLERANCE_KIB)
    print(f"load: figures: {ops} ops, {PROCS} procs, {PROCS * SOCKETS} sockets, "
          f"slab delta {slab - base_slab:+d} KiB")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
