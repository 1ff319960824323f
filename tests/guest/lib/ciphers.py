# SPDX-License-Identifier: GPL-2.0
"""skcipher/AEAD operations over AF_ALG's ABI (any family) and references.

The operation helpers take the socket family as a parameter, so the same
known-answer and differential code runs on kcrypto and on the in-kernel
AF_ALG. References come from Python's `cryptography` package (what Debian
ships is enough), plus CBC-CS3 (the kernel's cts(cbc(aes))) built on AES-ECB.

On AF_ALG, output is computed when recvmsg is called and a blocking recvmsg
whose buffer exceeds the pending skcipher output waits forever, so the
helpers read exactly the expected size there.
"""
import os
import socket
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, ChaCha20Poly1305

import afk


@dataclass
class Skcipher:
    keylens: tuple
    ivlen: int
    blocksize: int      # the total length must be a multiple of this
    minlen: int         # and at least this (xts, cts: one block)
    chains: bool        # the output IV carries into the next operation (cbc, ctr, ecb)


SKCIPHERS = {
    b"ecb(aes)": Skcipher((16, 24, 32), 0, 16, 0, True),
    b"cbc(aes)": Skcipher((16, 24, 32), 16, 16, 0, True),
    b"ctr(aes)": Skcipher((16, 24, 32), 16, 1, 0, True),
    b"xts(aes)": Skcipher((32, 64), 16, 1, 16, False),
    b"cts(cbc(aes))": Skcipher((16, 24, 32), 16, 1, 16, False),
    b"chacha20": Skcipher((32,), 16, 1, 0, False),
}


@dataclass
class Aead:
    keylens: tuple
    ivlen: int
    tags: tuple         # tag sizes the algorithm accepts
    bad_tags: tuple     # and some it refuses


AEADS = {
    b"gcm(aes)": Aead((16, 24, 32), 12, (4, 8, 12, 13, 14, 15, 16), (0, 3, 5, 11, 17)),
    b"ccm(aes)": Aead((16, 24, 32), 16, (4, 6, 8, 10, 12, 14, 16), (0, 3, 5, 17)),
    b"rfc4106(gcm(aes))": Aead((20, 28, 36), 8, (8, 12, 16), (4, 13, 17)),
    b"rfc7539(chacha20,poly1305)": Aead((32,), 12, (16,), (8, 12, 17)),
}


def _xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def _aes(key, mode, data, encrypt):
    c = Cipher(algorithms.AES(key), mode)
    ctx = c.encryptor() if encrypt else c.decryptor()
    return ctx.update(data) + ctx.finalize()


def _cts(key, iv, data, encrypt):
    """CBC-CS3 as the kernel's cts(cbc(aes)): the last two blocks swapped, always."""
    n = len(data)
    if n <= 16:     # the kernel refuses < 16 (checked before calling this)
        return _aes(key, modes.CBC(iv), data, encrypt)
    full = (n - 1) // 16
    d = n - 16 * full
    if encrypt:
        head = _aes(key, modes.CBC(iv), data[:16 * full], True)
        prev = head[-16:]
        last = _aes(key, modes.ECB(), _xor(data[16 * full:] + bytes(16 - d), prev), True)
        return head[:-16] + last + prev[:d]
    head = data[:16 * (full - 1)]
    last = data[16 * (full - 1):16 * full]
    x = _aes(key, modes.ECB(), last, False)
    prev = data[16 * full:] + x[d:]
    return _aes(key, modes.CBC(iv), head + prev, False) + _xor(x[:d], prev[:d])


def ref_skcipher(name, key, iv, data, encrypt):
    if name == b"cts(cbc(aes))":
        return _cts(key, iv, data, encrypt)
    if name == b"chacha20":     # iv: 32-bit LE block counter || 96-bit nonce, as the kernel's
        c = Cipher(algorithms.ChaCha20(key, iv), None)
        ctx = c.encryptor() if encrypt else c.decryptor()
        return ctx.update(data) + ctx.finalize()
    mode = {b"ecb(aes)": lambda: modes.ECB(), b"cbc(aes)": lambda: modes.CBC(iv),
            b"ctr(aes)": lambda: modes.CTR(iv), b"xts(aes)": lambda: modes.XTS(iv)}[name]()
    return _aes(key, mode, data, encrypt)


def ccm_iv(nonce):
    """The kernel's ccm(aes) IV: L-1 || nonce || counter (zeros), L = 15 - len(nonce)."""
    L = 15 - len(nonce)
    return bytes([L - 1]) + nonce + bytes(L)


def ref_aead_encrypt(name, key, iv, aad, pt, tag):
    """ct || tag for the kernel's AEAD name; aad as given to the kernel (assoclen bytes)."""
    if name == b"ccm(aes)":
        nonce = iv[1:15 - iv[0]]
        return AESCCM(key, tag).encrypt(nonce, pt, aad)
    if name == b"rfc7539(chacha20,poly1305)":
        assert tag == 16
        return ChaCha20Poly1305(key).encrypt(iv, pt, aad)
    if name == b"rfc4106(gcm(aes))":   # key = AES key || salt; the AAD ends with the IV
        key, iv, aad = key[:-4], key[-4:] + iv, aad[:-8]
    enc = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(aad)
    ct = enc.update(pt) + enc.finalize()
    return ct + enc.tag[:tag]


def chunking(rng, n, max_parts=None):
    """Random split of n bytes into parts (some may be empty)."""
    parts = []
    while n > 0:
        k = rng.choice([1, 15, 16, 17, 64, 1000, 4096, 20000])
        k = min(n, rng.randrange(0 if rng.random() < 0.05 else 1, k + 1))
        parts.append(k)
        n -= k
        if max_parts and len(parts) >= max_parts - 1 and n:
            parts.append(n)
            break
    return parts or [0]


def split(data, parts):
    pos = 0
    for n in parts:
        yield data[pos:pos + n]
        pos += n


def tfm(fam, kind, name, key=None, authsize=None):
    s = afk.Sock(fam).bind(kind, name, fam=fam)
    try:
        if key is not None:
            s.setkey(key)
        if authsize is not None:
            s.set_authsize(authsize)
    except OSError:
        s.close()
        raise
    return s


def send_op(op, data, control, chunks=None, flags=0):
    """Sends one operation: control messages with the first part, MSG_MORE on all but the last."""
    parts = list(split(data, chunks or [len(data)]))
    if len(parts) > 1:
        room_for_parts(op, len(data), len(parts))
    for i, part in enumerate(parts):
        more = socket.MSG_MORE if i < len(parts) - 1 else 0
        op.sendmsg(part, control if i == 0 else (), more | flags)


# What SO_SNDBUF bounds on a kcrypto operation socket (Documentation/userspace-api.rst,
# "Data held by a socket"): each message's input and output in whole pages, 4096 bytes and
# an 8-byte page-list entry each, and 2 KiB for its request.
PAGE_CHARGE, REQUEST_CHARGE = 4096 + 8, 2048
SO_MEMINFO, SK_MEMINFO_SNDBUF, SK_MEMINFO_WMEM_QUEUED = 55, 3, 5
SO_SNDBUFFORCE = 32


def room_for_parts(op, n, parts):
    """Raises SO_SNDBUF (root) so that an operation of n bytes sent in `parts` parts without
    reads fits: a chaining cipher processes each part as it comes, and its output takes whole
    pages of its own until read (message_charge)."""
    need = 2 * (n + PAGE_CHARGE * (parts + 1)) + REQUEST_CHARGE * (parts + 1)
    if need > op.getsockopt_int(socket.SOL_SOCKET, socket.SO_SNDBUF):
        value = (need // 2 + 4096).to_bytes(4, "little")
        try:
            op.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, value)
        except OSError:     # not root: up to net.core.wmem_max
            op.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, value)


def pages(n):
    return max(1, -(-n // 4096)) * PAGE_CHARGE


def message_charge(n, out=None):
    """What a message of n input and out (default n) output bytes counts against SO_SNDBUF."""
    return pages(n) + pages(n if out is None else out) + REQUEST_CHARGE


def largest_message(sndbuf, extra=0):
    """The largest multiple of 4096 bytes whose message (output extra bytes longer) fits."""
    n = 4096 * (sndbuf // (2 * PAGE_CHARGE) + 1)
    while n > 0 and message_charge(n, n + extra) > sndbuf:
        n -= 4096
    return n


def held(op):
    """(memory the socket's messages and results take, SO_SNDBUF), from SO_MEMINFO."""
    err, data, _ = op.getsockopt_buf(socket.SOL_SOCKET, SO_MEMINFO, 36)
    if err:
        raise OSError(err, os.strerror(err))
    info = struct.unpack("9I", data)
    return info[SK_MEMINFO_WMEM_QUEUED], info[SK_MEMINFO_SNDBUF]


def recv_exact(op, n, flags=0):
    """Reads n bytes (in several reads if the family returns less)."""
    out = b""
    while len(out) < n:
        got, _ = op.recv(n - len(out), flags)
        if not got:
            break
        out += got
    return out


def skcipher_op(op, data, encrypt, iv=None, chunks=None):
    """One skcipher operation on an open operation socket; returns the output."""
    control = [afk.cmsg_op(encrypt)] + ([afk.cmsg_iv(iv)] if iv is not None else [])
    send_op(op, data, control, chunks)
    return recv_exact(op, len(data))


def set_records(op, on):
    """KCRYPTO_SET_RECORDS on (1) or off (0)."""
    op.setsockopt_raw(afk.SOL_ALG, afk.KCRYPTO_SET_RECORDS, struct.pack("=i", int(on)), 4)


def record_len(rng, alg, top=5000):
    """A random length a record of `alg` may have (at least one byte, see rand_len)."""
    n = rng.choice([1, 15, 16, 17, 32, 48, 64, 100, 4096, rng.randrange(1, top + 1)])
    n = max(n, alg.minlen, alg.blocksize)
    return n - n % alg.blocksize


def send_records(op, records, encrypt=None, flags=0):
    """Record mode: one sendmsg, one iovec per (iv, data) record, the IV first."""
    control = [afk.cmsg_op(encrypt)] if encrypt is not None else []
    return op.sendmsg_iov([(iv or b"") + data for iv, data in records], flags, control)


def records_op(op, records, encrypt=None):
    """Record mode: sends (iv, data) records in one sendmsg and reads their outputs, one
    iovec each, in one recvmsg; returns the list of outputs."""
    send_records(op, records, encrypt)
    n, outs, _ = op.recvmsg_iov([len(data) for _, data in records])
    if n != sum(len(data) for _, data in records):
        raise OSError(f"records: read {n} bytes")
    return outs


def skcipher(fam, name, key, iv, data, encrypt, chunks=None):
    with tfm(fam, b"skcipher", name, key) as t, t.accept() as op:
        return skcipher_op(op, data, encrypt, iv, chunks)


def aead_op(op, data, encrypt, iv, assoclen, outlen, chunks=None):
    control = [afk.cmsg_op(encrypt), afk.cmsg_iv(iv), afk.cmsg_assoclen(assoclen)]
    send_op(op, data, control, chunks)
    out, _ = op.recv(outlen)
    return out


def aead(fam, name, key, iv, aad, data, encrypt, tag, chunks=None):
    """Encrypt: data is the plaintext, returns AAD||CT||TAG; decrypt: data is CT||TAG,
    returns AAD||PT."""
    outlen = len(aad) + len(data) + (tag if encrypt else -tag)
    with tfm(fam, b"aead", name, key, tag) as t, t.accept() as op:
        return aead_op(op, aad + data, encrypt, iv, len(aad), outlen, chunks)
