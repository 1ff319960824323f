#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Well-formed operations of every type under fault injection (scripts/faults-guest).

usage: faultops.py SECONDS

Runs a fixed set of well-formed operations (hash, hmac, skcipher, aead, rng,
akcipher, accept on a keyed tfm, a key from the keyring) round after round.
Each operation runs with this thread's /proc/thread-self/make-it-fail set, so
failslab/fail_page_alloc (task-filter=Y) can fail the kernel's allocations
for it; the references are computed with the flag clear. An operation must
give the reference's answer or raise one of FAULT_ERRNOS; anything else (a
wrong answer, another errno) is a failure. Prints one JSON line of figures.
Run with PYTHONMALLOC=malloc so that the interpreter's memory comes from
glibc's heap, which is grown before the first operation and never trimmed.
"""
import ctypes
import errno
import hashlib
import hmac
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import afk  # noqa: E402
import ciphers  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

# What a failed kernel allocation may turn into for a well-formed operation.
# ENOMEM: the allocation's own answer, passed up. ENOBUFS: the socket layer's
# (sock_kmalloc of option memory). ENFILE: a socket inode sock_alloc() could
# not allocate (socket(), accept(): "socket: no more sockets").
FAULT_ERRNOS = {errno.ENOMEM, errno.ENOBUFS, errno.ENFILE}
# Per operation: crypto/rsa.c's rsa_check_payload() reports a failed
# allocation in mpi_sub_ui() as EINVAL (upstream behaviour).
EXTRA_ERRNOS = {"akcipher rsa-generic": {errno.EINVAL}}
FLAG = "/proc/thread-self/make-it-fail"
M_TRIM_THRESHOLD, M_TOP_PAD = -1, -2
MCL_CURRENT, MCL_FUTURE = 1, 2


# Kept open: opening it with the flag set could itself fail.
_flag = os.open(FLAG, os.O_WRONLY)


def faults(on):
    os.pwrite(_flag, b"1" if on else b"0", 0)


def rsa_public(key, m):
    pub = key.public_key().public_numbers()
    return pow(m, pub.e, pub.n).to_bytes(key.key_size // 8, "big")


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    libc = ctypes.CDLL(None)
    libc.mallopt(M_TOP_PAD, 16 << 20)
    libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
    # No page faults on the interpreter's memory while an operation runs: a
    # failing fault is retried, not answered with an errno.
    libc.mlockall(MCL_CURRENT | MCL_FUTURE)
    rng = random.Random(0x6b63)
    key16, key32, iv16, iv12 = (rng.randbytes(n) for n in (16, 32, 16, 12))
    data, aad = rng.randbytes(4096 + 13), rng.randbytes(20)
    block = data[:4096]
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    der = rsa_key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.PKCS1)
    gcm = ciphers.ref_aead_encrypt(b"gcm(aes)", key16, iv12, aad, data, 16)
    serial = afk.add_key(b"user", b"kcrypto-faults", key32)

    def akcipher():
        with afk.Sock().bind(b"akcipher", b"rsa-generic") as t:
            t.setkey(der)
            with t.accept() as s:
                s.sendmsg(b"\3", [(afk.SOL_ALG, afk.ALG_SET_OP,
                                   afk.ALG_OP_ENCRYPT.to_bytes(4, sys.byteorder))])
                return s.recv(1024)[0]

    def keyring_hmac():
        with afk.Sock().bind(b"hash", b"hmac(sha256)") as t:
            t.set_key_serial(serial)
            with t.accept() as s:
                s.send(data)
                return s.recv(64)[0]

    def twice_accepted():
        # Two operation sockets of one keyed tfm, used in turn.
        with ciphers.tfm(None, b"skcipher", b"cbc(aes)", key16) as t, \
                t.accept() as a, t.accept() as b:
            return (ciphers.skcipher_op(a, block, True, iv16) +
                    ciphers.skcipher_op(b, block, False, iv16))

    def rng_bytes():
        with afk.Sock().bind(b"rng", b"stdrng") as t, t.accept() as s:
            out = s.recv(64)[0]
            return len(out) == 64 and out != bytes(64)

    ops = [
        ("hash sha256", lambda: afk.digest(b"hash", b"sha256", data, chunks=[100, 3000, 1013]),
         hashlib.sha256(data).digest()),
        ("hash hmac(sha512)", lambda: afk.digest(b"hash", b"hmac(sha512)", data, key=key32),
         hmac.new(key32, data, "sha512").digest()),
        ("skcipher cbc(aes)", lambda: ciphers.skcipher(None, b"cbc(aes)", key16, iv16, block, True),
         ciphers.ref_skcipher(b"cbc(aes)", key16, iv16, block, True)),
        ("skcipher xts(aes)", lambda: ciphers.skcipher(None, b"xts(aes)", key32, iv16, block, True),
         ciphers.ref_skcipher(b"xts(aes)", key32, iv16, block, True)),
        ("aead gcm(aes) encrypt",
         lambda: ciphers.aead(None, b"gcm(aes)", key16, iv12, aad, data, True, 16), aad + gcm),
        ("aead gcm(aes) decrypt",
         lambda: ciphers.aead(None, b"gcm(aes)", key16, iv12, aad, gcm, False, 16), aad + data),
        ("rng stdrng", rng_bytes, True),
        ("akcipher rsa-generic", akcipher, rsa_public(rsa_key, 3)),
        ("accept twice, cbc(aes)", twice_accepted, ciphers.ref_skcipher(
            b"cbc(aes)", key16, iv16, block, True) + ciphers.ref_skcipher(
            b"cbc(aes)", key16, iv16, block, False)),
        ("keyring hmac(sha256)", keyring_hmac, hmac.new(key32, data, "sha256").digest()),
    ]
    # Unfaulted first: the references and the operations must agree.
    for name, fn, want in ops:
        if fn() != want:
            print(f"not ok - faults: {name}: wrong answer without faults")
            return 1
    figures = {"ops": 0, "correct": 0, "errnos": {}, "failures": []}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for name, fn, want in ops:
            figures["ops"] += 1
            faults(True)
            try:
                got = fn()
                faults(False)
            except OSError as e:
                faults(False)
                key = errno.errorcode.get(e.errno, str(e.errno))
                figures["errnos"][key] = figures["errnos"].get(key, 0) + 1
                if e.errno not in FAULT_ERRNOS | EXTRA_ERRNOS.get(name, set()):
                    figures["failures"].append(f"{name}: {key}")
                continue
            except MemoryError:
                faults(False)
                figures["errnos"]["python MemoryError"] = \
                    figures["errnos"].get("python MemoryError", 0) + 1
                continue
            if got == want:
                figures["correct"] += 1
            else:
                figures["failures"].append(f"{name}: WRONG ANSWER")
    afk.keyctl(afk.KEYCTL_UNLINK, serial, afk.KEY_SPEC_PROCESS_KEYRING)
    print(json.dumps(figures))
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
