#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""AF_ALG compat mode: kcrypto.ko loaded with family=38 serves unmodified
AF_ALG programs while the kernel's own af_alg is not loaded.

* Refusal: with af_alg registered, insmod family=38 fails with EEXIST, says
  why in the kernel log and leaves no module behind.
* With af_alg and algif_* unloaded, family=38 loads, and these run unchanged:
  Python's socket.AF_ALG (hash, hmac, skcipher and aead through
  sendmsg_afalg with op/iv/assoclen), the C samples with -f 38, the Rust
  samples with KCRYPTO_FAMILY=38, each checked against userspace (hashlib,
  hmac, cryptography, coreutils). OpenSSL's afalg engine needs AF_ALG's
  nokey sockets and is refused cleanly (ENOKEY at accept()).
* af_alg cannot load while kcrypto holds the number (algif_hash fails to
  load) and kcrypto keeps serving.
* The differences documented in Documentation/userspace-api.rst (*AF_ALG
  compat mode*) are observable as documented.

Afterwards the default state is restored: kcrypto on its default family, and
the in-kernel modules that were loaded before loaded again.
"""
import errno
import hashlib
import hmac
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tap  # noqa: E402
from tap import check, expect_errno  # noqa: E402

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

AF_ALG = socket.AF_ALG
# Unloaded in this order: the algif_* types use af_alg.
ALG_MODULES = ["algif_hash", "algif_skcipher", "algif_aead", "algif_rng", "af_alg"]
REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.environ.get("KCRYPTO_OUT", os.path.join(REPO, "out"))
KO = os.environ["KCRYPTO_KO"]
MODROOT = os.environ["KCRYPTO_MODROOT"]


def run(*cmd, **kw):
    return subprocess.run(list(cmd), capture_output=True, **kw)


def loaded(mod):
    return os.path.isdir(f"/sys/module/{mod}")


def modprobe(mod):
    return run("modprobe", "-d", MODROOT, mod)


def module_state(mod):
    def read(name):
        try:
            with open(f"/sys/module/{mod}/{name}") as f:
                return f.read().strip()
        except OSError:
            return "-"
    holders = os.listdir(f"/sys/module/{mod}/holders") if loaded(mod) else []
    return f"{mod}: refcnt {read('refcnt')}, holders {holders or 'none'}"


def unload_af_alg():
    """True once af_alg and algif_* are unloaded; waits up to 10 s for
    references that are still being dropped, then says who holds them."""
    for mod in ALG_MODULES:
        for _ in range(20):
            if not loaded(mod) or run("rmmod", mod).returncode == 0:
                break
            time.sleep(0.5)
        if loaded(mod):
            print(f"# cannot unload {module_state(mod)}", flush=True)
            return False
    return True


def kmsg_tail(since):
    out = run("dmesg", text=True).stdout.splitlines()
    return "\n".join(out[since:])


def kmsg_lines():
    return len(run("dmesg", text=True).stdout.splitlines())


def refusal():
    """af_alg registered: family=38 is refused and nothing is left behind."""
    modprobe("af_alg").check_returncode()
    run("rmmod", "kcrypto", check=True)
    mark = kmsg_lines()
    r = run("insmod", KO, "family=38", text=True)
    check("family=38 while af_alg is registered: insmod fails with EEXIST",
          r.returncode != 0 and "File exists" in r.stderr, r.stderr.strip())
    check("... and the kernel log says AF_ALG is taken by af_alg",
          "AF_ALG compat mode" in kmsg_tail(mark) and "af_alg" in kmsg_tail(mark),
          kmsg_tail(mark))
    check("... and leaves no module behind", not loaded("kcrypto"))
    check("... and af_alg still serves AF_ALG", loaded("af_alg"))


def python_hash():
    data = os.urandom(100000)
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("hash", "sha256"))
        op, _ = tfm.accept()
        with op:
            op.sendall(data[:5000], socket.MSG_MORE)
            op.sendall(data[5000:])
            check("Python AF_ALG: sha256 == hashlib",
                  op.recv(32) == hashlib.sha256(data).digest())
    key = b"Jefe"
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("hash", "hmac(sha256)"))
        tfm.setsockopt(socket.SOL_ALG, socket.ALG_SET_KEY, key)
        op, _ = tfm.accept()
        with op:
            op.sendall(b"what do ya want for nothing?")
            check("Python AF_ALG: hmac(sha256) == RFC 4231 test case 2",
                  op.recv(32) == hmac.new(key, b"what do ya want for nothing?",
                                          "sha256").digest())


def python_skcipher():
    key, iv, data = os.urandom(16), os.urandom(16), os.urandom(4096)
    ref = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    want = ref.update(data) + ref.finalize()
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("skcipher", "cbc(aes)"))
        tfm.setsockopt(socket.SOL_ALG, socket.ALG_SET_KEY, key)
        op, _ = tfm.accept()
        with op:
            op.sendmsg_afalg([data], op=socket.ALG_OP_ENCRYPT, iv=iv)
            check("Python AF_ALG: cbc(aes) encrypt (sendmsg_afalg) == cryptography",
                  op.recv(len(data)) == want)
            op.sendmsg_afalg([want], op=socket.ALG_OP_DECRYPT, iv=iv)
            check("Python AF_ALG: cbc(aes) decrypt gives the plaintext back",
                  op.recv(len(data)) == data)


def python_aead():
    key, iv, aad, pt = os.urandom(16), os.urandom(12), b"header!!", os.urandom(1000)
    want = AESGCM(key).encrypt(iv, pt, aad)
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("aead", "gcm(aes)"))
        tfm.setsockopt(socket.SOL_ALG, socket.ALG_SET_KEY, key)
        tfm.setsockopt(socket.SOL_ALG, socket.ALG_SET_AEAD_AUTHSIZE, None, 16)
        op, _ = tfm.accept()
        with op:
            op.sendmsg_afalg([aad + pt], op=socket.ALG_OP_ENCRYPT, iv=iv,
                             assoclen=len(aad))
            out = op.recv(len(aad) + len(pt) + 16)
            check("Python AF_ALG: gcm(aes) seal (sendmsg_afalg op/iv/assoclen) "
                  "== cryptography", out == aad + want)
            op.sendmsg_afalg([aad + want], op=socket.ALG_OP_DECRYPT, iv=iv,
                             assoclen=len(aad))
            check("Python AF_ALG: gcm(aes) open gives AAD || plaintext",
                  op.recv(len(aad) + len(pt)) == aad + pt)
            bad = bytearray(want)
            bad[0] ^= 1
            op.sendmsg_afalg([aad + bytes(bad)], op=socket.ALG_OP_DECRYPT, iv=iv,
                             assoclen=len(aad))
            expect_errno("Python AF_ALG: a changed ciphertext gives EBADMSG",
                         errno.EBADMSG, lambda: op.recv(len(aad) + len(pt)))


def python_rng():
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("rng", "stdrng"))
        op, _ = tfm.accept()
        with op:
            a, b = op.recv(64), op.recv(64)
            check("Python AF_ALG: rng gives 64 bytes per read, not repeated",
                  len(a) == 64 and len(b) == 64 and a != b)


def programs():
    """Programs written for AF_ALG: the samples and openssl's afalg engine."""
    path = "/tmp/compat-data"
    with open(path, "wb") as f:
        f.write(os.urandom(300000))
    want = run("sha256sum", path, text=True).stdout.strip()
    r = run(os.path.join(OUT, "samples", "hash-file"), "-f", "38", "sha256", path, text=True)
    check("C sample hash-file -f 38 == sha256sum", r.stdout.strip() == want, r.stderr)
    r = run(os.path.join(REPO, "tools/target/release/examples/hash-file"), "sha256", path,
            text=True, env=dict(os.environ, KCRYPTO_FAMILY="38"))
    check("Rust sample hash-file (KCRYPTO_FAMILY=38) == sha256sum",
          r.stdout.strip() == want, r.stderr)

    # OpenSSL's afalg engine (3.0) accepts its operation socket before it
    # sets the key, relying on AF_ALG's "nokey" sockets: on kcrypto it stops
    # at accept() with ENOKEY, before any data (a documented difference).
    key, iv = "00112233445566778899aabbccddeeff", "0f0e0d0c0b0a09080706050403020100"
    eng = run("openssl", "enc", "-engine", "afalg", "-aes-128-cbc", "-K", key, "-iv", iv,
              "-in", path)
    err = eng.stderr.decode(errors="replace")
    check("difference: openssl's afalg engine reaches kcrypto and stops at accept() "
          "with ENOKEY (it needs a nokey socket)",
          eng.returncode != 0 and not eng.stdout and "Accept Failed" in err
          and os.strerror(errno.ENOKEY) in err, err.strip()[-300:])
    os.unlink(path)


def differences():
    """What an AF_ALG program can tell apart (userspace-api.rst)."""
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("skcipher", "cbc(aes)"))
        expect_errno("difference: accept() without a key is ENOKEY (AF_ALG: a nokey socket)",
                     errno.ENOKEY, tfm.accept)
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("aead", "gcm(aes)"))
        tfm.setsockopt(socket.SOL_ALG, socket.ALG_SET_KEY, bytes(16))
        op, _ = tfm.accept()
        with op:
            expect_errno("difference: an AEAD message without ALG_SET_IV is EINVAL",
                         errno.EINVAL,
                         lambda: op.sendmsg_afalg([bytes(32)], op=socket.ALG_OP_ENCRYPT))
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("hash", "sha256"))
        expect_errno("difference: a second bind() is EINVAL", errno.EINVAL,
                     lambda: tfm.bind(("hash", "sha1")))
        op, _ = tfm.accept()
        with op:
            expect_errno("difference: a control message on a hash is EINVAL",
                         errno.EINVAL,
                         lambda: op.sendmsg_afalg([b"abc"], op=socket.ALG_OP_ENCRYPT))
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("skcipher", "cbc(aes)"))
        tfm.setsockopt(socket.SOL_ALG, socket.ALG_SET_KEY, bytes(16))
        op, _ = tfm.accept()
        with op:
            op.setblocking(True)
            expect_errno("difference: recv with nothing sent is EAGAIN, never a hang",
                         errno.EAGAIN, lambda: op.recv(16))
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("rng", "stdrng"))
        op, _ = tfm.accept()
        with op:
            check("difference: rng reads return up to 4096 bytes (AF_ALG: 128)",
                  len(op.recv(4096)) == 4096)
    with socket.socket(AF_ALG, socket.SOCK_SEQPACKET, 0) as tfm:
        tfm.bind(("hash", "sha256"))
        info = tfm.getsockopt(socket.SOL_ALG, 64, 344)
        check("extension: KCRYPTO_GET_DRIVER answers on AF_ALG sockets",
              info[:4] == b"hash" and b"sha256" in info[16:144])


def compat():
    if not check("af_alg and algif_* unload (nothing else in the guest uses them)",
                 unload_af_alg()):
        return
    mark = kmsg_lines()
    r = run("insmod", KO, "family=38", text=True)
    if not check("family=38 loads with af_alg unloaded", r.returncode == 0, r.stderr.strip()):
        return
    with open("/sys/module/kcrypto/parameters/family") as f:
        check("sysfs family reads 38", f.read().strip() == "38")
    check("the kernel log announces compat mode",
          "AF_ALG compat mode: serving AF_ALG programs" in kmsg_tail(mark), kmsg_tail(mark))
    python_hash()
    python_skcipher()
    python_aead()
    python_rng()
    programs()
    differences()
    r = modprobe("algif_hash")
    check("af_alg cannot load while kcrypto holds AF_ALG",
          r.returncode != 0 and not loaded("af_alg"), r.stderr.decode(errors="replace"))
    python_hash()


def restore(before):
    if loaded("kcrypto") and tap.afk.family() == AF_ALG:
        run("rmmod", "kcrypto")
    if not loaded("kcrypto"):
        run("insmod", KO)
    for mod in reversed(ALG_MODULES):
        if mod in before:
            modprobe(mod)
    check("restored: kcrypto on its default family, the in-kernel modules as before",
          loaded("kcrypto") and all(loaded(m) == (m in before) for m in ALG_MODULES))


def main():
    before = {m for m in ALG_MODULES if loaded(m)}
    try:
        refusal()
        compat()
    finally:
        restore(before)
    print(f"# {tap.checks} checks, {tap.failures} failed")
    return 1 if tap.failures else 0


if __name__ == "__main__":
    sys.exit(main())
