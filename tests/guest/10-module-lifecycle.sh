#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kcrypto.ko is loaded, unused, marked out-of-tree, and survives unload/reload
# cycles with its KUnit suites passing each time.
set -eu
fail() { echo "FAIL: $*"; exit 1; }

[ -d /sys/module/kcrypto ] || fail "kcrypto is not loaded"
[ "$(cat /sys/module/kcrypto/refcnt)" = 0 ] || fail "refcount is $(cat /sys/module/kcrypto/refcnt), expected 0"
grep -q O /sys/module/kcrypto/taint || fail "module is not marked out-of-tree"

for round in 1 2 3; do
	rmmod kcrypto || fail "rmmod, round $round"
	[ ! -d /sys/module/kcrypto ] || fail "still present after rmmod, round $round"
	insmod "$KCRYPTO_KO" || fail "insmod, round $round"
	results=/sys/kernel/debug/kunit/kcrypto_crypto/results
	grep -q '^ok 1 kcrypto_crypto' "$results" || { cat "$results"; fail "KUnit suite did not pass, round $round"; }
done
echo "3 unload/reload rounds, KUnit passing each time"
