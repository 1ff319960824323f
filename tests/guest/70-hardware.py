#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hardware (async) drivers: QEMU's virtio-crypto device behind kcrypto.

With the device (/proc/crypto has virtio_crypto_aes_cbc, `scripts/vm-run
--virtio-crypto`): driver classes and KCRYPTO_GET_DRIVER/KCRYPTO_LIST_ALGS
name the virtio driver; cbc(aes) through it is byte-identical to the software
driver and to Python's `cryptography` over random keys, IVs, lengths and
chunkings; deep queues of requests in flight on a socket; the module-wide
max_requests bound; request_timeout_ms at 1 ms with the device slowed down
(its crypto engine kthread demoted to SCHED_IDLE next to a spinner), the
engine's backlog; a stress of several processes with deep queues, SIGKILLs and
closes mid-request and `rmmod kcrypto` attempts (which must fail: a socket of
this script is kept open, so the module is never actually unloaded); then
module references, memory and the kernel log back to normal; last, one
32-page request, which may leave the device dead (see big_request()).
Without the device: "hardware only" binds fail with ENODEV and the
list has no hardware cbc(aes). Prints the mode it ran in, then one
"ok - ..." / "not ok - ..." line per check.
"""
import ctypes
import errno
import json
import mmap
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import afk  # noqa: E402
import ciphers  # noqa: E402
import tap  # noqa: E402
from tap import check, expect_errno, ename, rng  # noqa: E402

CBC = b"cbc(aes)"
VIRTIO = b"virtio_crypto_aes_cbc"
SK = b"skcipher"
PARAMS = "/sys/module/kcrypto/parameters"
REFCNT = "/sys/module/kcrypto/refcnt"
SO_SNDBUFFORCE = 32
SYS_DELETE_MODULE = 176     # x86_64
_libc = ctypes.CDLL(None, use_errno=True)
# Kernel reports the run must not produce (vm-run fails on them too; here they
# become a check of this test, with the lines that matched).
SPLAT = re.compile(r"BUG:|WARNING:|KASAN|UBSAN|possible .*deadlock|lockdep|"
                   r"hung_task|blocked for more than|Oops|general protection|"
                   r"refcount_t|kmemleak|list_(add|del) corruption")


def has_device():
    with open("/proc/crypto") as f:
        return any(re.match(r"driver\s*:\s*virtio_crypto_aes_cbc\s*$", line) for line in f)


def param(name, value=None):
    path = f"{PARAMS}/{name}"
    if value is not None:
        with open(path, "w") as f:
            f.write(str(value))
    with open(path) as f:
        return int(f.read())


def refcnt():
    with open(REFCNT) as f:
        return int(f.read())


def wait_refcnt(want, timeout=15.0):
    """Polls the module's reference count until it is want; returns the last value."""
    end = time.monotonic() + timeout
    while True:
        got = refcnt()
        if got == want or time.monotonic() > end:
            return got
        time.sleep(0.05)


def delete_module():
    """delete_module("kcrypto", O_NONBLOCK), as rmmod does; returns the errno (0: unloaded)."""
    ret = _libc.syscall(ctypes.c_long(SYS_DELETE_MODULE), ctypes.c_char_p(b"kcrypto"),
                        ctypes.c_uint(os.O_NONBLOCK))
    return ctypes.get_errno() if ret < 0 else 0


def module_live():
    try:
        with open("/sys/module/kcrypto/initstate") as f:
            return f.read().strip() == "live"
    except OSError:
        return False


def kmsg_mark():
    return len(subprocess.run(["dmesg"], capture_output=True, text=True).stdout.splitlines())


def kmsg_since(mark):
    return subprocess.run(["dmesg"], capture_output=True, text=True).stdout.splitlines()[mark:]


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":")
            out[key] = int(value.split()[0])
    return out


def pcp_kib():
    """Free pages kept on the per-CPU lists (/proc/zoneinfo "count:"), which MemAvailable
    leaves out: after many large frees they hold tens of MiB that are free all the same."""
    with open("/proc/zoneinfo") as f:
        pages = sum(int(line.split()[1]) for line in f if line.strip().startswith("count:"))
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def settle_memory():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3")
    time.sleep(1)
    m = meminfo()
    # Anonymous memory is userspace's (this test's own Python heap grows); the check is
    # about what the kernel keeps.
    return m["MemAvailable"] + m["AnonPages"] + pcp_kib(), m["Slab"]


def bind(name=CBC, cls=afk.ANY_DRIVER, key=None):
    s = afk.Sock().bind(SK, name, **cls)
    if key is not None:
        try:
            s.setkey(key)
        except OSError:
            s.close()
            raise
    return s


def set_sndbuf(op, size):
    op.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, size.to_bytes(4, "little"))


def ref(key, iv, data, encrypt):
    return ciphers.ref_skcipher(CBC, key, iv, data, encrypt)


def rand_len(r, top):
    return 16 * r.randrange(0, top // 16 + 1)


def crypt(op, data, encrypt, iv, chunks=None):
    """One message, alone on the socket; an empty one is collected as one recv of 0 bytes."""
    ciphers.send_op(op, data, [afk.cmsg_op(encrypt), afk.cmsg_iv(iv)], chunks)
    if not data:
        return op.recv(16)[0]
    return ciphers.recv_exact(op, len(data))


def send_msg(op, data, encrypt, iv, flags=0):
    op.sendmsg(data, [afk.cmsg_op(encrypt), afk.cmsg_iv(iv)], flags)


# ---------------------------------------------------------------- no device

def no_device_checks():
    for kind, name in ((SK, CBC), (SK, b"ctr(aes)"), (b"hash", b"sha256"),
                       (b"aead", b"gcm(aes)"), (b"akcipher", b"rsa")):
        expect_errno(f"no device: 'hardware only' bind of {kind.decode()} {name.decode()}: "
                     "ENODEV", errno.ENODEV,
                     lambda: afk.Sock().bind(kind, name, **afk.HARDWARE_ONLY).close())
    with afk.Sock() as s:
        algs = afk.alg_list(s)
    cbc = [a for a in algs if a.type == SK and a.name == CBC]
    check("no device: KCRYPTO_LIST_ALGS lists cbc(aes), none of it hardware or virtio",
          cbc and not [a for a in cbc if a.hardware or a.driver.startswith(b"virtio")],
          str(cbc))
    check("no device: KCRYPTO_LIST_ALGS lists no internal '__' driver",
          not [a for a in algs if a.driver.startswith(b"__") or a.name.startswith(b"__")])
    with bind(cls=afk.SOFTWARE_ONLY, key=bytes(16)) as t:
        info = afk.driver_info(t)
    check("no device: 'software only' cbc(aes) binds to a synchronous CPU driver",
          info.name == CBC and not info.flags, repr(info))


# ---------------------------------------------------------------- driver choice

def list_checks():
    with afk.Sock() as s:
        err, _, need = s.getsockopt_buf(afk.SOL_ALG, afk.KCRYPTO_LIST_ALGS, 0)
        check("KCRYPTO_LIST_ALGS with an empty buffer: ERANGE and the size needed",
              err == errno.ERANGE and need > 0 and need % afk.AlgInfo.SIZE == 0,
              f"(got {ename(err)}, optlen {need})")
        err, _, got = s.getsockopt_buf(afk.SOL_ALG, afk.KCRYPTO_LIST_ALGS, need - 1)
        check("KCRYPTO_LIST_ALGS one byte short: ERANGE and the size needed",
              err == errno.ERANGE and got == need, f"(got {ename(err)}, optlen {got})")
        err, data, got = s.getsockopt_buf(afk.SOL_ALG, afk.KCRYPTO_LIST_ALGS, need + 1000)
        check("KCRYPTO_LIST_ALGS with room: the whole list, optlen its size",
              err == 0 and got == need, f"(got {ename(err)}, optlen {got}, want {need})")
        algs = [afk.AlgInfo(data[i:i + afk.AlgInfo.SIZE])
                for i in range(0, got - got % afk.AlgInfo.SIZE, afk.AlgInfo.SIZE)]
    virtio = [a for a in algs if a.driver == VIRTIO]
    check("KCRYPTO_LIST_ALGS lists virtio_crypto_aes_cbc: skcipher cbc(aes), built in, "
          "priority 150, async and hardware",
          len(virtio) == 1 and virtio[0].type == SK and virtio[0].name == CBC
          and virtio[0].module == b"" and virtio[0].priority == 150
          and virtio[0].flags == afk.KCRYPTO_ALG_ASYNC | afk.KCRYPTO_ALG_HARDWARE, str(virtio))
    hw_cbc = [a for a in algs if a.name == CBC and a.hardware]
    check("KCRYPTO_LIST_ALGS: the only hardware cbc(aes) is virtio's", hw_cbc == virtio,
          str(hw_cbc))
    # Templates are listed once instantiated: bind a software cbc(aes) first.
    with bind(cls=afk.SOFTWARE_ONLY, key=bytes(16)) as t, t.accept() as op:
        sw = afk.driver_info(op)
        listed = [a for a in afk.alg_list(op) if a.name == CBC]
    check(f"KCRYPTO_LIST_ALGS lists the software cbc(aes) a socket is bound to "
          f"({sw.driver.decode()}), synchronous, not hardware",
          [repr(a) for a in listed if a.driver == sw.driver] == [repr(sw)] and not sw.flags,
          f"({sw!r}; listed cbc(aes): {listed})")
    check("KCRYPTO_LIST_ALGS lists no internal '__' driver",
          not [a for a in algs if a.driver.startswith(b"__") or a.name.startswith(b"__")],
          str([a for a in algs if b"__" in a.driver][:4]))
    simd = [a for a in algs if a.asynchronous and a.hardware and a.driver != VIRTIO]
    check("KCRYPTO_LIST_ALGS: no async CPU driver (SIMD wrapper, cryptd) is flagged hardware",
          not simd, str(simd[:4]))
    # Any socket: a bound and an operation socket give the same list.
    with afk.Sock() as s, bind(key=bytes(16)) as t, t.accept() as op:
        lists = [[repr(a) for a in afk.alg_list(x)] for x in (s, t, op)]
    same = lists[0] == lists[1] == lists[2]
    check("KCRYPTO_LIST_ALGS on a bound and on an operation socket: the same list", same)


def class_checks():
    key = rng.randbytes(16)
    with bind(cls=afk.HARDWARE_ONLY, key=key) as t, t.accept() as op:
        bound, opinfo = afk.driver_info(t), afk.driver_info(op)
    check("'hardware only' cbc(aes): KCRYPTO_GET_DRIVER names virtio_crypto_aes_cbc, "
          "async and hardware, on the bound and the operation socket",
          bound.driver == VIRTIO and bound.type == SK and bound.name == CBC
          and bound.priority == 150 and bound.module == b""
          and bound.flags == afk.KCRYPTO_ALG_ASYNC | afk.KCRYPTO_ALG_HARDWARE
          and repr(opinfo) == repr(bound), f"({bound!r} / {opinfo!r})")
    with bind(VIRTIO, key=key) as t:
        info = afk.driver_info(t)
    check("bind by driver name virtio_crypto_aes_cbc: served by it",
          info.driver == VIRTIO and info.hardware, repr(info))
    with bind(VIRTIO, cls=afk.HARDWARE_ONLY, key=key) as t:
        info = afk.driver_info(t)
    check("'hardware only' bind by driver name virtio_crypto_aes_cbc: served by it",
          info.driver == VIRTIO, repr(info))
    with bind(key=key) as t:
        info = afk.driver_info(t)
    check("cbc(aes), any class: the highest priority driver, not virtio's (150)",
          info.driver != VIRTIO and info.priority > 150 and info.name == CBC, repr(info))
    landed = set()
    for _ in range(4):
        with bind(cls=afk.SOFTWARE_ONLY, key=rng.randbytes(16)) as t, t.accept() as op:
            landed.add(repr(afk.driver_info(t)))
            landed.add(repr(afk.driver_info(op)))
    check("'software only' cbc(aes) never lands on virtio: synchronous, not hardware",
          all("virtio" not in x and x.endswith("flags 0x0") for x in landed), str(landed))
    expect_errno("'software only' bind by driver name virtio_crypto_aes_cbc: ENOENT",
                 errno.ENOENT, lambda: bind(VIRTIO, cls=afk.SOFTWARE_ONLY).close())
    for kind, name in ((SK, b"ctr(aes)"), (b"hash", b"sha256"), (b"aead", b"gcm(aes)")):
        expect_errno(f"'hardware only' {kind.decode()} {name.decode()} (the device has none): "
                     "ENODEV", errno.ENODEV,
                     lambda: afk.Sock().bind(kind, name, **afk.HARDWARE_ONLY).close())


# ---------------------------------------------------------------- correctness

def differential(rounds=8):
    """virtio == software == cryptography, random keys/IVs/lengths/chunkings, both ways."""
    bad = []
    total = 0
    for i in range(rounds):
        key = rng.randbytes(rng.choice((16, 24, 32)))
        iv = rng.randbytes(16)
        n = rand_len(rng, rng.choice((64, 4096, 70000)))
        if i == 0:
            n = 0
        pt = rng.randbytes(n)
        want = ref(key, iv, pt, True)
        total += n
        for cls, name in ((afk.HARDWARE_ONLY, CBC), (afk.ANY_DRIVER, VIRTIO),
                          (afk.SOFTWARE_ONLY, CBC)):
            try:
                with bind(name, cls, key) as t, t.accept() as op:
                    drv = afk.driver_info(op).driver
                    enc = crypt(op, pt, True, iv, ciphers.chunking(rng, n))
                    dec = crypt(op, want, False, iv, ciphers.chunking(rng, n))
            except OSError as e:
                bad.append((name, len(key), n, ename(e.errno)))
                continue
            if enc != want or dec != pt:
                bad.append((drv, len(key), n, "enc" if enc != want else "dec"))
            if (name == VIRTIO or cls is afk.HARDWARE_ONLY) != (drv == VIRTIO):
                bad.append(("class", cls, drv))
    check(f"cbc(aes): virtio == software == cryptography over {rounds} random keys "
          f"(16/24/32), IVs, lengths ({total} bytes) and MSG_MORE chunkings, both ways",
          not bad, str(bad[:4]))


def deep_queue():
    """One socket, 32 messages in flight, each with its own IV and direction, read in order;
    then a chain of messages without IV, each continuing the previous one in flight."""
    key = rng.randbytes(32)
    with bind(cls=afk.HARDWARE_ONLY, key=key) as t, t.accept() as op:
        set_sndbuf(op, 1 << 21)
        msgs = []
        for _ in range(32):
            iv, data, enc = rng.randbytes(16), rng.randbytes(16 + rand_len(rng, 8192)), \
                rng.random() < 0.5
            send_msg(op, data, enc, iv)
            msgs.append(ref(key, iv, data, enc))
        got = [ciphers.recv_exact(op, len(w)) for w in msgs]
        wrong = [i for i, (g, w) in enumerate(zip(got, msgs)) if g != w]
        check("virtio: 32 messages in flight on one socket, each with its own IV and "
              "direction, read in order: each as cryptography", not wrong, f"(wrong: {wrong})")
        expect_errno("virtio: then nothing more to read: EAGAIN", errno.EAGAIN,
                     lambda: op.recv(16, socket.MSG_DONTWAIT))

        iv = rng.randbytes(16)
        parts = [rng.randbytes(16 * rng.randrange(1, 200)) for _ in range(12)]
        send_msg(op, parts[0], True, iv)
        for p in parts[1:]:
            op.sendmsg(p)       # no IV: continues the previous message, still in flight
        out = ciphers.recv_exact(op, sum(map(len, parts)))
        check("virtio: 12 messages without IV sent back to back chain on one another "
              "in flight (CBC over their concatenation)", out == ref(key, iv, b"".join(parts),
                                                                    True))


def records():
    """KCRYPTO_SET_RECORDS on the device: each sendmsg of records is one request that goes on
    from the driver's completion of one record to the next (src/request.c)."""
    key = rng.randbytes(32)
    base = refcnt()
    with bind(cls=afk.HARDWARE_ONLY, key=key) as t, t.accept() as op:
        set_sndbuf(op, 1 << 22)
        ciphers.set_records(op, 1)
        batches, want = [], []
        for i in range(8):
            batch = [(rng.randbytes(16), rng.randbytes(16 + rand_len(rng, 8192)))
                     for _ in range(rng.choice((1, 64, rng.randrange(1, 65))))]
            encrypt = i % 2 == 0
            ciphers.send_records(op, batch, encrypt)
            batches.append(batch)
            want += [ref(key, iv, data, encrypt) for iv, data in batch]
        total = sum(len(w) for w in want)
        got = ciphers.recv_exact(op, total)
        count = sum(map(len, batches))
        check(f"virtio: 8 sendmsgs of records ({count} records, {total} bytes) in flight, "
              "directions alternating, read in order: each as cryptography",
              got == b"".join(want), f"({len(got)} bytes)")
        drv = afk.driver_info(op).driver
        check("virtio: ... served by the device", drv == VIRTIO, drv)
        expect_errno("virtio: a record of 64 KiB + 16 (its largest request is 64 KiB): "
                     "EMSGSIZE", errno.EMSGSIZE, lambda: ciphers.send_records(
                         op, [(bytes(16), bytes(65536 + 16))], True))
        for _ in range(4):
            ciphers.send_records(op, [(rng.randbytes(16), rng.randbytes(4096))] * 64, True)
    # Closed with 4 batches uncollected: the requests finish with the device, then go.
    back = wait_refcnt(base)
    check(f"virtio: sockets closed with 4 batches of records uncollected: the module "
          f"references return to {base}", back == base, f"(refcnt {back})")


def module_refs():
    """Every request in flight (sent, not yet collected) holds a module reference; delete_module
    fails while any is held, and changes nothing."""
    base = refcnt()
    key = rng.randbytes(16)
    t = bind(cls=afk.HARDWARE_ONLY, key=key)
    op = t.accept()
    with_sockets = refcnt()
    check("bound and operation socket hold module references",
          with_sockets > base, f"(refcnt {base} -> {with_sockets})")
    msgs = []
    for _ in range(8):
        iv, data = rng.randbytes(16), rng.randbytes(16 + rand_len(rng, 4096))
        send_msg(op, data, True, iv)
        msgs.append(ref(key, iv, data, True))
    held = refcnt()
    check("8 requests sent, not collected: 8 more module references",
          held == with_sockets + 8, f"(refcnt {with_sockets} -> {held})")
    err = delete_module()
    check("delete_module(kcrypto) with requests in flight fails (EAGAIN) and the module stays "
          "live", err == errno.EAGAIN and module_live(), f"(got {ename(err)})")
    rm = subprocess.run(["rmmod", "kcrypto"], capture_output=True, text=True)
    check("rmmod kcrypto with requests in flight fails and the module stays live",
          rm.returncode != 0 and module_live(), rm.stderr.strip())
    got = [ciphers.recv_exact(op, len(w)) for w in msgs[:3]]
    check("after the failed unloads, the requests complete as cryptography", got == msgs[:3])
    # A recv that has filled its buffer still settles the next request if the driver is done
    # with it (src/ops/output.rs read_stream), so 4 may be gone.
    left = refcnt()
    check("3 collected: their references are dropped (a 4th may be settled with them)",
          left in (with_sockets + 5, with_sockets + 4),
          f"(refcnt {left}, want {with_sockets + 5} or {with_sockets + 4})")
    op.close()      # 5 requests uncollected (some possibly still with the driver)
    t.close()
    back = wait_refcnt(base)
    check("sockets closed with 5 uncollected requests: the module references return to "
          f"{base}", back == base, f"(refcnt {back})")


def max_requests():
    orig = param("max_requests")
    key = rng.randbytes(16)
    try:
        param("max_requests", 4)
        with bind(cls=afk.HARDWARE_ONLY, key=key) as t, t.accept() as a, t.accept() as b, \
                bind(cls=afk.SOFTWARE_ONLY, key=key) as st, st.accept() as c:
            msgs = {a.fd: [], b.fd: []}
            for op in (a, b, a, b):
                iv, data = rng.randbytes(16), rng.randbytes(16 * rng.randrange(1, 64))
                send_msg(op, data, True, iv)
                msgs[op.fd].append(ref(key, iv, data, True))
            iv, data = rng.randbytes(16), rng.randbytes(64)
            expect_errno("max_requests=4: a 5th request (other socket of the same transform) "
                         "gets EAGAIN", errno.EAGAIN, lambda: send_msg(a, data, True, iv))
            expect_errno("max_requests=4: a 5th request on a software socket gets EAGAIN "
                         "(module-wide)", errno.EAGAIN, lambda: send_msg(c, data, True, iv))
            first = ciphers.recv_exact(a, len(msgs[a.fd][0]))
            check("max_requests=4: the 4 requests before it are intact", first == msgs[a.fd][0])
            send_msg(c, data, True, iv)
            check("max_requests=4: one collected, a new request is taken (software socket)",
                  ciphers.recv_exact(c, 64) == ref(key, iv, data, True))
            rest = [ciphers.recv_exact(a, len(msgs[a.fd][1]))] + \
                [ciphers.recv_exact(b, len(m)) for m in msgs[b.fd]]
            check("max_requests=4: the others complete as cryptography",
                  rest == msgs[a.fd][1:] + msgs[b.fd])
    finally:
        param("max_requests", orig)
    check(f"max_requests restored to {orig}", param("max_requests") == orig)


# The largest virtio request that is safe: virtio_crypto (6.12) hands each scatterlist entry
# to virtqueue_add_sgs() as a list of its own, which walks it to the end, so a request of
# n source and n destination pages takes n(n+1) + 3 descriptors; beyond QEMU's 1024 the
# device is marked broken and never completes anything again (see big_request()). kcrypto
# sends hardware drivers requests of at most 64 KiB: the largest one request is that.
SAFE_VIRTIO = 16 * 4096


def forked(fn, args_list, timeout=120):
    """Runs fn(*args) in one child process each, at once; returns their JSON results (None
    for a child that failed to report)."""
    kids = []
    for args in args_list:
        rd, wr = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(rd)
                os.write(wr, json.dumps(fn(*args)).encode())
            finally:
                os._exit(0)
        os.close(wr)
        kids.append((pid, rd))
    results = []
    end = time.monotonic() + timeout
    for pid, rd in kids:
        data = b""
        while chunk := os.read(rd, 65536):
            data += chunk
        os.close(rd)
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > end:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        try:
            results.append(json.loads(data))
        except ValueError:
            results.append(None)
    return results


def timeout_worker(seed, rounds, count, size):
    """Rounds of count virtio messages, small and large alternating, all sent before the
    first recv; each read with one recv of the message's size and classified."""
    import random
    r = random.Random(seed)
    key = r.randbytes(16)
    outcome, wrong = {"ok": 0}, []
    for rnd in range(rounds):
        msgs = []
        for i in range(count):
            n = size if i % 2 else 16 * r.randrange(1, 17)
            iv, data = r.randbytes(16), r.randbytes(n)
            msgs.append((iv, data, ref(key, iv, data, True)))
        with bind(cls=afk.HARDWARE_ONLY, key=key) as t, t.accept() as op:
            set_sndbuf(op, 8 << 20)
            for iv, data, _ in msgs:
                send_msg(op, data, True, iv)
            for i, (_, _, want) in enumerate(msgs):
                try:
                    got, _ = op.recv(len(want))
                except OSError as e:
                    outcome["seq"] = outcome.get("seq", "") + "T"
                    outcome[ename(e.errno)] = outcome.get(ename(e.errno), 0) + 1
                    if e.errno != errno.ETIMEDOUT:
                        wrong.append((rnd, i, len(want), ename(e.errno)))
                    continue
                if got == want:
                    outcome["seq"] = outcome.get("seq", "") + "o"
                    outcome["ok"] += 1
                    continue
                other = [j for j, m in enumerate(msgs) if got and m[2].startswith(got)]
                wrong.append((rnd, i, len(want), f"got {len(got)} bytes of message "
                              f"{other[0]}'s output" if other else
                              f"{len(got)} bytes of something else"))
    return {"outcome": outcome, "wrong": wrong}


def engine_threads():
    """The virtio-crypto data queues' crypto_engine kthreads ("virtio<N>-engine")."""
    pids = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if re.fullmatch(r"virtio\d+-engine", f.read().strip()):
                    pids.append(int(pid))
        except (OSError, ValueError):
            pass
    return pids


class SlowEngine:
    """A slow device: the virtio crypto engine's kthread (SCHED_FIFO) demoted to SCHED_IDLE
    and pinned to CPU 0 next to a spinning process, while this process runs on the other
    CPUs. Requests then wait in the engine's queue; restored on exit."""

    def __init__(self):
        self.pids = engine_threads()
        self.spinner = None

    def __enter__(self):
        cpus = os.sched_getaffinity(0)
        self.saved = [(p, os.sched_getscheduler(p), os.sched_getparam(p),
                       os.sched_getaffinity(p)) for p in self.pids]
        self.own = cpus
        self.spinner = os.fork()
        if self.spinner == 0:
            os.sched_setaffinity(0, {0})
            while True:
                pass
        for p in self.pids:
            os.sched_setaffinity(p, {0})
            os.sched_setscheduler(p, os.SCHED_IDLE, os.sched_param(0))
        if len(cpus) > 1:
            os.sched_setaffinity(0, cpus - {0})
        return self

    def __exit__(self, *exc):
        for p, policy, prio, cpus in self.saved:
            os.sched_setscheduler(p, policy, prio)
            os.sched_setaffinity(p, cpus)
        os.sched_setaffinity(0, self.own)
        os.kill(self.spinner, signal.SIGKILL)
        os.waitpid(self.spinner, 0)


def backlog(sockets=2, per_socket=600):
    """More requests than the device's queue (1024) while it is slow: the rest wait in the
    crypto engine's backlog (CRYPTO_TFM_REQ_MAY_BACKLOG); all complete right once it runs."""
    key = rng.randbytes(16)
    with bind(cls=afk.HARDWARE_ONLY, key=key) as t:
        ops = [t.accept() for _ in range(sockets)]
        for op in ops:
            # Each unread result counts its pages and request against SO_SNDBUF.
            set_sndbuf(op, per_socket * ciphers.message_charge(16))
        want = [[] for _ in ops]
        try:
            with SlowEngine():
                for _ in range(per_socket):
                    for i, op in enumerate(ops):
                        iv, data = rng.randbytes(16), rng.randbytes(16)
                        send_msg(op, data, True, iv)
                        want[i].append(ref(key, iv, data, True))
            got = [[op.recv(16)[0] for _ in range(per_socket)] for op in ops]
        finally:
            for op in ops:
                op.close()
    check(f"{sockets * per_socket} virtio requests in flight at once (beyond the device's "
          "1024, some in the engine's backlog) while it is slow: all complete as "
          "cryptography", got == want,
          f"({sum(a != b for g, w in zip(got, want) for a, b in zip(g, w))} wrong)")


def timeout_behind_done():
    """Message A done, message B stuck in the slow device behind 16 large requests of another
    socket, request_timeout_ms=1: the recv that collects A must not lose B silently; B's own
    recv gets ETIMEDOUT (or B's output), never EAGAIN. Then the same with one recv with room
    for both (which may also return both)."""
    orig = param("request_timeout_ms")
    key = rng.randbytes(16)
    seen = []
    try:
        for whole in (False, True):
            with bind(cls=afk.HARDWARE_ONLY, key=key) as t, t.accept() as op, \
                    t.accept() as other:
                set_sndbuf(other, 8 << 20)
                ia, a = rng.randbytes(16), rng.randbytes(64)
                ib, b = rng.randbytes(16), rng.randbytes(4096)
                send_msg(op, a, True, ia)
                time.sleep(0.3)                 # A completes at the device's normal pace
                with SlowEngine():
                    for _ in range(16):
                        send_msg(other, bytes(SAFE_VIRTIO), True, ia)
                    send_msg(op, b, True, ib)   # B waits in the engine's queue
                    param("request_timeout_ms", 1)
                    try:
                        got_a = len(op.recv(len(a) + (len(b) if whole else 0))[0])
                    except OSError as e:
                        got_a = ename(e.errno)
                    try:
                        got_b = op.recv(len(b))[0]
                        got_b = "B's output" if got_b == ref(key, ib, b, True) else \
                            f"{len(got_b)} other bytes"
                    except OSError as e:
                        got_b = ename(e.errno)
                    param("request_timeout_ms", orig)
                seen.append((whole, got_a, got_b))
    finally:
        param("request_timeout_ms", orig)
    for whole, got_a, got_b in seen:
        how = "one recv with room for both" if whole else "a recv of A's size"
        check(f"request_timeout_ms=1, message A done, B stuck in the device: {how} returns A, "
              "B's recv then fails ETIMEDOUT (B is not dropped without an error)",
              (got_a == 64 and got_b in ("ETIMEDOUT", "B's output"))
              or (whole and got_a == 64 + 4096 and got_b == "EAGAIN"),
              f"(recv A: {got_a}, then recv B: {got_b})")


def timeouts(procs=2, rounds=1, count=16, size=SAFE_VIRTIO):
    """request_timeout_ms=1 with procs processes pushing small and large virtio requests
    alternating: each recv (one call, buffer of the message's size) gets its own message's
    output or ETIMEDOUT, never another message's and never EAGAIN (a message dropped without
    its error); later requests still work."""
    orig = param("request_timeout_ms")
    mark = kmsg_mark()
    base = refcnt()
    engines = engine_threads()
    check("the virtio device's crypto engine kthread is found (to slow the device down)",
          engines, "(no virtio<N>-engine in /proc/*/comm)")
    try:
        param("request_timeout_ms", 1)
        with SlowEngine():
            results = forked(timeout_worker, [(tap.SEED * 77 + i, rounds, count, size)
                                              for i in range(procs)])
    finally:
        param("request_timeout_ms", orig)
    outcome, wrong = {"ok": 0, "ETIMEDOUT": 0}, []
    for i, res in enumerate(results):
        if res is None:
            wrong.append((f"process {i}", "no report"))
            continue
        for k, v in res["outcome"].items():
            outcome[k] = outcome.get(k, 0) + v if k != "seq" else outcome.get(k, "") + v + "|"
        wrong += [(f"process {i}", *w) for w in res["wrong"]]
    print(f"# request_timeout_ms=1: {outcome}", flush=True)
    check(f"request_timeout_ms=1, {procs} processes x {rounds} rounds x {count} virtio "
          f"requests (16-256 bytes and {size >> 10} KiB alternating) in flight: each recv "
          "returns its own message's output or fails ETIMEDOUT", not wrong,
          f"({outcome}; wrong (process, round, message, length, what): {wrong[:6]})")
    logged = [x for x in kmsg_since(mark) if "did not complete a request in 1 ms" in x]
    if outcome["ETIMEDOUT"]:
        check("ETIMEDOUT is logged: 'driver virtio_crypto_aes_cbc did not complete a request "
              "in 1 ms'", any("virtio_crypto_aes_cbc" in x for x in logged), str(logged[:2]))
    check(f"request_timeout_ms restored to {orig}", param("request_timeout_ms") == orig)
    back = wait_refcnt(base)
    check("timed-out requests are released once the driver completes them (module references "
          "back)", back == base, f"(refcnt {back}, want {base})")
    key, iv, data = rng.randbytes(32), rng.randbytes(16), rng.randbytes(size)
    with bind(cls=afk.HARDWARE_ONLY, key=key) as t, t.accept() as op:
        set_sndbuf(op, 4 << 20)
        send_msg(op, data, True, iv)
        got = ciphers.recv_exact(op, size)
    check(f"after the timeouts, a {size >> 10} KiB virtio request completes as cryptography",
          got == ref(key, iv, data, True))


# ---------------------------------------------------------------- stress

class Deadline:
    """A CLOCK_MONOTONIC deadline in shared memory: set once every process runs, so slow
    forks (a loaded TCG guest) do not eat the stress time."""

    def __init__(self):
        self.mem = mmap.mmap(-1, 8)
        self.set(float("inf"))

    def set(self, when):
        self.mem[:8] = struct.pack("d", when)

    def get(self):
        return struct.unpack("d", self.mem[:8])[0]


def child(index, seed, deadline, out_fd):
    """One stress process: sockets with up to 32 messages in flight each; some closed
    mid-request. Reports a JSON summary on out_fd; exit 0 if every output was right."""
    import random
    r = random.Random(seed)
    stats = {"msgs": 0, "bytes": 0, "closed_mid": 0, "errors": []}
    try:
        while time.monotonic() < deadline.get() and not stats["errors"]:
            cls = r.choice((afk.HARDWARE_ONLY, afk.HARDWARE_ONLY, afk.ANY_DRIVER,
                            afk.SOFTWARE_ONLY))
            key = r.randbytes(r.choice((16, 24, 32)))
            t = bind(cls=cls, key=key)
            ops = [t.accept() for _ in range(r.randrange(2, 5))]
            if r.random() < 0.3:
                t.close()       # the operation sockets keep the transform
                t = None
            big = r.random() < 0.15
            queues = []
            for op in ops:
                set_sndbuf(op, 1 << 21)
                q = []
                for _ in range(r.randrange(1, 33)):
                    iv = r.randbytes(16)
                    data = r.randbytes(16 + rand_len(r, 65536 if big else 2048))
                    enc = r.random() < 0.5
                    send_msg(op, data, enc, iv)
                    q.append((iv, data, enc))
                queues.append(q)
            for op, q in zip(ops, queues):
                if r.random() < 0.25:      # close with requests in flight
                    for iv, data, enc in q[:r.randrange(0, len(q))]:
                        got = ciphers.recv_exact(op, len(data))
                        if got != ref(key, iv, data, enc):
                            stats["errors"].append(f"{len(data)} bytes wrong")
                    op.close()
                    stats["closed_mid"] += 1
                    continue
                for iv, data, enc in q:
                    got = ciphers.recv_exact(op, len(data))
                    stats["msgs"] += 1
                    stats["bytes"] += len(data)
                    if got != ref(key, iv, data, enc):
                        stats["errors"].append(f"{len(data)} bytes wrong ({afk.driver_info(op)})")
                op.close()
            if t:
                t.close()
    except OSError as e:
        stats["errors"].append(f"{e}")
    os.write(out_fd, json.dumps(stats).encode())
    os._exit(1 if stats["errors"] else 0)


def stress(duration=10.0, procs=8):
    """procs processes at a time for duration seconds; one is SIGKILLed every ~0.4 s (and
    replaced); delete_module is attempted every ~1.5 s. A guard socket keeps the module."""
    base = refcnt()
    guard = bind(cls=afk.HARDWARE_ONLY, key=bytes(16))
    live = {}       # pid -> (index, read end)
    results = {"exited": 0, "killed": 0, "msgs": 0, "bytes": 0, "closed_mid": 0}
    errors, unload, max_ref = [], [], 0
    index = 0
    shared = Deadline()

    def spawn():
        nonlocal index
        rd, wr = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(rd)
                child(index, tap.SEED * 1000 + index, shared, wr)
            finally:
                os._exit(3)     # never back into the parent's code
        os.close(wr)
        live[pid] = (index, rd)
        index += 1

    def reap(pid, status):
        i, rd = live.pop(pid)
        data = b""
        while True:
            chunk = os.read(rd, 65536)
            if not chunk:
                break
            data += chunk
        os.close(rd)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            results["killed"] += 1
            return
        results["exited"] += 1
        try:
            stats = json.loads(data)
        except ValueError:
            errors.append((i, f"status {status:#x}, no report"))
            return
        for k in ("msgs", "bytes", "closed_mid"):
            results[k] += stats[k]
        if status != 0 or stats["errors"]:
            errors.append((i, stats["errors"][:3]))

    for _ in range(procs):
        spawn()
    deadline = time.monotonic() + duration
    shared.set(deadline)
    next_kill = time.monotonic() + 0.4
    next_unload = time.monotonic() + 1.0
    while live:
        now = time.monotonic()
        max_ref = max(max_ref, refcnt())
        # At least one kill and one unload attempt, however late a loaded guest gets here.
        if (now < deadline or not results["killed"]) and now >= next_kill:
            victim = rng.choice(sorted(live))
            os.kill(victim, signal.SIGKILL)
            next_kill = now + rng.uniform(0.2, 0.6)
        if (now < deadline or not unload) and now >= next_unload:
            unload.append((delete_module(), module_live()))
            next_unload = now + 1.5
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            reap(pid, status)
            if time.monotonic() < deadline - 1:
                spawn()
            continue
        if now > deadline + 60:
            for pid in list(live):
                errors.append((live[pid][0], "still running 60 s after the deadline: hung"))
                os.kill(pid, signal.SIGKILL)
                reap(*os.waitpid(pid, 0))
            break
        time.sleep(0.05)
    print(f"# stress: {index} processes, {results}, unload attempts {unload}, "
          f"module refcnt up to {max_ref}", flush=True)
    check(f"stress: {index} processes (up to {procs} at a time, {duration:.0f} s), deep queues "
          "on virtio and software sockets, SIGKILLs and closes mid-request: every output "
          "collected is right", not errors and results["msgs"] > 0 and results["killed"] > 0,
          f"({results}; errors: {errors[:4]})")
    check("stress: delete_module attempted during it, always failed (EAGAIN), module live",
          unload and all(e == errno.EAGAIN and lv for e, lv in unload), str(unload))
    after_guard = refcnt()
    guard_refs = after_guard - base
    check("stress: all requests released after it (only the guard socket's references left)",
          wait_refcnt(base + guard_refs) == base + guard_refs and guard_refs >= 1,
          f"(refcnt {refcnt()}, base {base})")
    # Still working after all that, on the guard's transform.
    with guard.accept() as op:
        iv, data = rng.randbytes(16), rng.randbytes(4096)
        send_msg(op, data, True, iv)
        ok = ciphers.recv_exact(op, 4096) == ref(bytes(16), iv, data, True)
    check("after the stress, the guard's virtio transform still works", ok)
    guard.close()
    back = wait_refcnt(base)
    check(f"after the stress, the module references return to {base}", back == base,
          f"(refcnt {back})")


def big_request(pages=32):
    """Last, as it may leave the device dead: one request of 32 pages (128 KiB, within the
    default SO_SNDBUF, no privilege needed) either completes or is refused at send; either
    way the device keeps working. The 6.12 virtio_crypto driver turns it into 32*33+3 = 1059
    descriptors, QEMU (limit 1024) reports "virtio: too many write descriptors in indirect
    table" and marks the device broken: the request never completes (ETIMEDOUT), nor does
    any later one, the module cannot be unloaded and a later setkey on the device hangs."""
    orig = param("request_timeout_ms")
    size = pages * 4096
    key, iv, data = rng.randbytes(16), rng.randbytes(16), rng.randbytes(size)
    try:
        param("request_timeout_ms", 3000)
        with bind(cls=afk.HARDWARE_ONLY, key=key) as t, t.accept() as op:
            try:
                send_msg(op, data, True, iv)
            except OSError as e:
                got = f"refused at send: {ename(e.errno)}"
            else:
                try:
                    got = "right" if ciphers.recv_exact(op, size) == ref(key, iv, data, True) \
                        else "wrong output"
                except OSError as e:
                    got = f"recv: {ename(e.errno)}"
            after = "not tried"
            if not got.startswith("recv"):
                data = rng.randbytes(4096)
                try:
                    send_msg(op, data, True, iv)
                    after = "right" if ciphers.recv_exact(op, 4096) == ref(key, iv, data, True) \
                        else "wrong output"
                except OSError as e:
                    after = ename(e.errno)
    finally:
        param("request_timeout_ms", orig)
    check(f"a {size >> 10} KiB ({pages}-page) virtio request completes or is refused at send, "
          "and the device keeps working", (got == "right" or got.startswith("refused"))
          and after == "right", f"({got}; next request: {after})")


# ---------------------------------------------------------------- main

def main():
    tap.header("hardware drivers")
    start = time.monotonic()
    mark = kmsg_mark()
    if not has_device():
        print("# mode: no virtio-crypto device (driver virtio_crypto_aes_cbc not in "
              "/proc/crypto): no-device checks only", flush=True)
        no_device_checks()
    else:
        print("# mode: virtio-crypto device present: all checks", flush=True)
        list_checks()
        class_checks()
        differential()
        deep_queue()
        records()
        module_refs()
        max_requests()
        timeouts()
        timeout_behind_done()
        backlog()
        mem0, slab0 = settle_memory()
        stress()
        mem1, slab1 = settle_memory()
        print(f"# memory: MemAvailable + anonymous + per-CPU free lists {mem0} -> {mem1} kB, "
              f"Slab {slab0} -> {slab1} kB", flush=True)
        check("memory back to baseline after the stress (MemAvailable, not counting "
              "userspace's anonymous memory and the per-CPU free lists, within 16 MiB; Slab "
              "within 8 MiB)", mem0 - mem1 < 16384 and slab1 - slab0 < 8192,
              f"(available {mem0} -> {mem1} kB, Slab {slab0} -> {slab1} kB)")
        differential(rounds=2)
        big_request()
    splats = [x for x in kmsg_since(mark) if SPLAT.search(x)]
    check("no kernel report (WARNING, BUG, KASAN, UBSAN, lockdep, hung task) in the log",
          not splats, "\n    " + "\n    ".join(splats[:20]))
    print(f"# {time.monotonic() - start:.1f} s", flush=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
