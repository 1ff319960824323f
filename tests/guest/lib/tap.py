# SPDX-License-Identifier: GPL-2.0
"""Check reporting shared by the in-guest Python tests.

One "ok - NAME" / "not ok - NAME detail" line per check, a seeded random
generator whose seed is printed (KCRYPTO_SEED repeats a run), and the list of
socket families a test runs on (KCRYPTO_TEST_FAMILIES: comma-separated family
numbers, default kcrypto's and AF_ALG's).
"""
import errno
import os
import random
import subprocess

import afk

SEED = int(os.environ.get("KCRYPTO_SEED", "0")) or random.randrange(1, 1 << 30)
rng = random.Random(SEED)
failures = 0
checks = 0


def check(name, cond, detail=""):
    global failures, checks
    checks += 1
    if cond:
        print(f"ok - {name}", flush=True)
    else:
        failures += 1
        print(f"not ok - {name} {detail}".rstrip(), flush=True)
    return bool(cond)


def ename(e):
    if e == errno.EOPNOTSUPP:     # Python names 95 ENOTSUP
        return "EOPNOTSUPP"
    return errno.errorcode.get(e, str(e)) if e else "success"


def errno_of(fn):
    try:
        fn()
    except OSError as e:
        return e.errno
    return 0


def as_nobody(fn):
    """Runs fn in a child with uid/gid 65534 (no capabilities); returns its errno (0: none)."""
    pid = os.fork()
    if pid == 0:
        code = 255
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            code = errno_of(fn)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def expect_errno(name, want, fn):
    """want is an errno or a tuple of acceptable errnos."""
    got = errno_of(fn)
    wants = want if isinstance(want, tuple) else (want,)
    return check(name, got in wants,
                 f"(got {ename(got)}, want {'/'.join(ename(w) for w in wants)})")


def modprobe(*mods):
    for mod in mods:
        subprocess.run(["modprobe", "-d", os.environ["KCRYPTO_MODROOT"], mod], check=True)


def families():
    """[(label, family number)]: 'kcrypto' or 'AF_ALG'."""
    env = os.environ.get("KCRYPTO_TEST_FAMILIES")
    fams = [int(f) for f in env.split(",")] if env else [afk.family(), afk.AF_ALG]
    return [("AF_ALG" if f == afk.AF_ALG else "kcrypto", f) for f in fams]


def binds(label, fam, kind, name):
    """A check that the family serves the type: its failure fails the test, nothing is skipped."""
    def bind():
        with afk.Sock(fam).bind(kind, name, fam=fam):
            pass
    got = errno_of(bind)
    return check(f"{label}: bind {kind.decode()} {name.decode()}", got == 0,
                 f"(got {ename(got)})")


def header(what):
    print(f"# {what}: seed {SEED} (set KCRYPTO_SEED to repeat)", flush=True)


def finish():
    print(f"# {checks} check(s), {failures} failure(s)", flush=True)
    return 1 if failures else 0
