# SPDX-License-Identifier: GPL-2.0
"""Minimal AF_KCRYPTO/AF_ALG socket access for in-guest tests.

Python's socket module cannot wrap a socket whose address it cannot read
(kcrypto, like AF_ALG, has no getsockname), so every call goes through libc.
Every call raises OSError with the kernel's errno, which is what tests check.
"""
import ctypes
import errno
import os
import socket
import struct

AF_ALG = 38
SOL_ALG = 279
ALG_SET_KEY = 1
ALG_SET_IV = 2
ALG_SET_OP = 3
ALG_SET_AEAD_ASSOCLEN = 4
ALG_SET_AEAD_AUTHSIZE = 5
ALG_SET_DRBG_ENTROPY = 6
ALG_SET_KEY_BY_KEY_SERIAL = 7
ALG_OP_DECRYPT = 0
ALG_OP_ENCRYPT = 1
CRYPTO_ALG_KERN_DRIVER_ONLY = 0x1000
FAMILY_PATH = "/sys/module/kcrypto/parameters/family"

# kcrypto's own getsockopt options (include/uapi/linux/if_kcrypto.h).
KCRYPTO_GET_DRIVER = 64
KCRYPTO_LIST_ALGS = 65
KCRYPTO_SET_RECORDS = 66
KCRYPTO_ALG_ASYNC = 0x1
KCRYPTO_ALG_HARDWARE = 0x2
# Driver classes: bind() keyword arguments (salg_feat/salg_mask).
ANY_DRIVER = {"feat": 0, "mask": 0}
SOFTWARE_ONLY = {"feat": 0, "mask": CRYPTO_ALG_KERN_DRIVER_ONLY}
HARDWARE_ONLY = {"feat": CRYPTO_ALG_KERN_DRIVER_ONLY, "mask": CRYPTO_ALG_KERN_DRIVER_ONLY}

_libc = ctypes.CDLL(None, use_errno=True)


class _iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(_iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


def family():
    with open(FAMILY_PATH) as f:
        return int(f.read())


def _check(ret):
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


def sockaddr(kind, name, fam=None, feat=0, mask=0, name_field=64):
    """struct sockaddr_alg; name is bytes placed as-is in a name_field-byte field."""
    fam = family() if fam is None else fam
    head = struct.pack("=H14sII", fam, kind, feat, mask)
    return head + name.ljust(name_field, b"\0")[:max(name_field, len(name))]


class Sock:
    def __init__(self, fam=None, fd=None, type_=socket.SOCK_SEQPACKET, proto=0):
        if fd is None:
            fd = _check(_libc.socket(family() if fam is None else fam, type_, proto))
        self.fd = fd

    def close(self):
        os.close(self.fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def bind_raw(self, addr):
        buf = ctypes.create_string_buffer(addr, len(addr))
        _check(_libc.bind(self.fd, buf, len(addr)))

    def bind(self, kind, name, **kw):
        self.bind_raw(sockaddr(kind, name + b"\0", **kw))
        return self

    def setsockopt(self, level, name, value):
        buf = ctypes.create_string_buffer(value, len(value)) if value else None
        _check(_libc.setsockopt(self.fd, level, name, buf, len(value)))

    def setsockopt_raw(self, level, name, value, optlen):
        """setsockopt with an explicit optlen; value None passes a NULL optval."""
        buf = None if value is None else ctypes.create_string_buffer(value, max(len(value), 1))
        _check(_libc.setsockopt(self.fd, level, name, buf, optlen))

    def getsockopt_int(self, level, name):
        val = ctypes.c_int(0)
        size = ctypes.c_uint32(4)
        _check(_libc.getsockopt(self.fd, level, name, ctypes.byref(val), ctypes.byref(size)))
        return val.value

    def getsockopt_buf(self, level, name, size):
        """getsockopt into a size-byte buffer; never raises: (errno, data, optlen after)."""
        buf = ctypes.create_string_buffer(max(size, 1))
        optlen = ctypes.c_uint32(size)
        ret = _libc.getsockopt(self.fd, level, name, buf, ctypes.byref(optlen))
        err = ctypes.get_errno() if ret < 0 else 0
        return err, buf.raw[:min(size, optlen.value)], optlen.value

    def setkey(self, key):
        self.setsockopt(SOL_ALG, ALG_SET_KEY, key)

    def set_authsize(self, size):
        self.setsockopt_raw(SOL_ALG, ALG_SET_AEAD_AUTHSIZE, None, size)

    def set_key_serial(self, serial, optlen=4):
        value = struct.pack("=i", serial).ljust(max(optlen, 4), b"\0")
        self.setsockopt_raw(SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL, value, optlen)

    def set_entropy(self, data):
        self.setsockopt_raw(SOL_ALG, ALG_SET_DRBG_ENTROPY, data, len(data))

    def accept(self):
        return Sock(fd=_check(_libc.accept(self.fd, None, None)))

    def send(self, data, flags=0):
        buf = ctypes.create_string_buffer(bytes(data), len(data))
        return _check(_libc.send(self.fd, buf, ctypes.c_size_t(len(data)), flags))

    def sendmsg(self, data, control=(), flags=0):
        """sendmsg with control messages given as (level, type, payload) tuples."""
        return self.sendmsg_iov([data], flags, control)

    def recv(self, size, flags=0):
        """Returns (data, msg_flags)."""
        buf = ctypes.create_string_buffer(size)
        iov = _iovec(ctypes.cast(buf, ctypes.c_void_p), size)
        msg = _msghdr(None, 0, ctypes.pointer(iov), 1, None, 0, 0)
        n = _check(_libc.recvmsg(self.fd, ctypes.byref(msg), flags))
        return buf.raw[:n], msg.flags

    def sendmsg_iov(self, parts, flags=0, control=()):
        """sendmsg of one iovec per element of parts (empty ones too), with control messages
        given as (level, type, payload) tuples."""
        cbuf = b""
        for level, kind, payload in control:
            msg = struct.pack("=Qii", 16 + len(payload), level, kind) + payload
            cbuf += msg.ljust((len(msg) + 7) // 8 * 8, b"\0")
        bufs = [ctypes.create_string_buffer(bytes(p), max(len(p), 1)) for p in parts]
        iovs = (_iovec * max(len(parts), 1))(
            *[_iovec(ctypes.cast(b, ctypes.c_void_p), len(p)) for b, p in zip(bufs, parts)])
        ctl = ctypes.create_string_buffer(cbuf, len(cbuf)) if cbuf else None
        msg = _msghdr(None, 0, iovs, len(parts),
                      ctypes.cast(ctl, ctypes.c_void_p) if ctl else None, len(cbuf), 0)
        return _check(_libc.sendmsg(self.fd, ctypes.byref(msg), flags))

    def recvmsg_iov(self, sizes, flags=0):
        """recvmsg into one iovec per size; returns (total, [bytes of each iovec], msg_flags)."""
        bufs = [ctypes.create_string_buffer(max(n, 1)) for n in sizes]
        iovs = (_iovec * max(len(sizes), 1))(
            *[_iovec(ctypes.cast(b, ctypes.c_void_p), n) for b, n in zip(bufs, sizes)])
        msg = _msghdr(None, 0, iovs, len(sizes), None, 0, 0)
        n = _check(_libc.recvmsg(self.fd, ctypes.byref(msg), flags))
        return n, [b.raw[:k] for b, k in zip(bufs, sizes)], msg.flags

    def recv_into(self, buf, flags=0):
        """recvmsg into a ctypes buffer the caller keeps (to see what an error left in it)."""
        iov = _iovec(ctypes.cast(buf, ctypes.c_void_p), len(buf))
        msg = _msghdr(None, 0, ctypes.pointer(iov), 1, None, 0, 0)
        return _check(_libc.recvmsg(self.fd, ctypes.byref(msg), flags))


class AlgInfo:
    """struct kcrypto_alg_info: type[16], name[128], driver[128], module[64], priority, flags."""
    FORMAT = "=16s128s128s64sII"
    SIZE = struct.calcsize(FORMAT)      # 344

    def __init__(self, raw):
        kind, name, driver, module, self.priority, self.flags = struct.unpack(self.FORMAT, raw)
        self.type, self.name, self.driver, self.module = (
            f.split(b"\0", 1)[0] for f in (kind, name, driver, module))

    @property
    def hardware(self):
        return bool(self.flags & KCRYPTO_ALG_HARDWARE)

    @property
    def asynchronous(self):
        return bool(self.flags & KCRYPTO_ALG_ASYNC)

    def __repr__(self):
        return (f"{self.type.decode()}:{self.name.decode()}={self.driver.decode()}"
                f"[{self.module.decode()}] prio {self.priority} flags {self.flags:#x}")


def driver_info(sock):
    """KCRYPTO_GET_DRIVER on a bound or operation socket: an AlgInfo."""
    err, data, optlen = sock.getsockopt_buf(SOL_ALG, KCRYPTO_GET_DRIVER, AlgInfo.SIZE)
    if err:
        raise OSError(err, os.strerror(err))
    if optlen != AlgInfo.SIZE:
        raise ValueError(f"KCRYPTO_GET_DRIVER gave {optlen} bytes, want {AlgInfo.SIZE}")
    return AlgInfo(data)


def alg_list(sock):
    """KCRYPTO_LIST_ALGS: asks for the size with an empty buffer (ERANGE), then reads the
    list; returns [AlgInfo] (retries if the list grew in between)."""
    size = 0
    for _ in range(8):
        err, data, optlen = sock.getsockopt_buf(SOL_ALG, KCRYPTO_LIST_ALGS, size)
        if err == 0:
            if optlen % AlgInfo.SIZE:
                raise ValueError(f"KCRYPTO_LIST_ALGS gave {optlen} bytes")
            return [AlgInfo(data[i:i + AlgInfo.SIZE]) for i in range(0, optlen, AlgInfo.SIZE)]
        if err != errno.ERANGE:
            raise OSError(err, os.strerror(err))
        size = optlen
    raise OSError(errno.ERANGE, "KCRYPTO_LIST_ALGS keeps growing")


def cmsg_op(encrypt):
    """Control message ALG_SET_OP, for Sock.sendmsg."""
    return (SOL_ALG, ALG_SET_OP, struct.pack("=I", ALG_OP_ENCRYPT if encrypt else ALG_OP_DECRYPT))


def cmsg_iv(iv, ivlen=None):
    """Control message ALG_SET_IV (struct af_alg_iv); ivlen overrides the declared length."""
    return (SOL_ALG, ALG_SET_IV, struct.pack("=I", len(iv) if ivlen is None else ivlen) + iv)


def cmsg_assoclen(n):
    return (SOL_ALG, ALG_SET_AEAD_ASSOCLEN, struct.pack("=I", n))


# Keys (keyrings(7)) through the raw system calls: Python has no binding.
SYS_ADD_KEY = 248       # x86_64
SYS_KEYCTL = 250
KEY_SPEC_PROCESS_KEYRING = -2
KEYCTL_REVOKE = 3
KEYCTL_SETPERM = 5
KEYCTL_UNLINK = 9
KEYCTL_SET_TIMEOUT = 15
KEYCTL_INVALIDATE = 21


def add_key(kind, desc, payload, keyring=KEY_SPEC_PROCESS_KEYRING):
    """add_key(2); returns the key's serial."""
    buf = ctypes.create_string_buffer(payload, len(payload)) if payload is not None else None
    return _check(_libc.syscall(ctypes.c_long(SYS_ADD_KEY), ctypes.c_char_p(kind),
                                ctypes.c_char_p(desc), buf,
                                ctypes.c_size_t(0 if payload is None else len(payload)),
                                ctypes.c_int(keyring)))


def keyctl(op, *args):
    """keyctl(2) with integer arguments."""
    return _check(_libc.syscall(ctypes.c_long(SYS_KEYCTL), ctypes.c_int(op),
                                *[ctypes.c_ulong(a & (2**64 - 1)) for a in args]))


def digest(kind, name, data, key=None, fam=None, chunks=None):
    """One operation: bind, key, accept, send (in chunks with MSG_MORE), recv."""
    with Sock(fam).bind(kind, name, fam=fam) as tfm:
        if key is not None:
            tfm.setkey(key)
        with tfm.accept() as op:
            parts = chunks or [len(data)]
            pos = 0
            for i, n in enumerate(parts):
                more = socket.MSG_MORE if i < len(parts) - 1 else 0
                op.send(data[pos:pos + n], more)
                pos += n
            out, _ = op.recv(64)
            return out
