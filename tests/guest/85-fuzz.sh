#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A bounded slice of the syscall fuzzer (tools/kcrypto-fuzz) inside a
# scripts/vm-run guest, about 60 s in all: a fixed seed (the same sequence
# every run) with two threads, then a fresh seed with two processes. Each
# prints its seed; the fuzzer's oracles (errnos, hangs, reference answers,
# file integrity, descriptors and module refcount) decide its "ok" line,
# and the harness's console check catches kernel reports.
#
# The binary is built on the host first (scripts/tools-build).
#
# Environment: FUZZ_SECONDS (per slice, default 30), FUZZ_SEED (the random
# slice's seed, to replay it).
set -u

here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../..")
fuzz=$repo/tools/target/release/kcrypto-fuzz
seconds=${FUZZ_SECONDS:-30}
if [ ! -x "$fuzz" ]; then
	echo "not ok - fuzz: $fuzz missing (run scripts/tools-build on the host)"
	exit 1
fi
# Before the algorithm policy, pcrypt instances can be bound, and upstream
# padata's lockdep report would end the boot; with the policy they are
# refused and part of what is fuzzed.
avoid=()
if [ ! -e /sys/module/kcrypto/parameters/policy ]; then
	avoid=(--avoid pcrypt)
	echo "# no algorithm policy in this kcrypto: pcrypt names avoided"
fi
random_seed=${FUZZ_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
status=0
run() {
	local name=$1 out rc
	shift
	out=$("$fuzz" --progress 0 "${avoid[@]}" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	local summary
	summary=$(printf '%s\n' "$out" | sed -n 's/^ops: \([0-9]*\) in \([0-9.]*\) s (\([0-9]*\)\/s), reference checks: \([0-9]*\) passed.*/\1 ops in \2 s (\3\/s), \4 reference checks/p')
	if [ "$rc" = 0 ]; then
		echo "ok - fuzz: $name: $summary"
	else
		echo "not ok - fuzz: $name (exit status $rc; replay: $*)"
		status=1
	fi
}
run "fixed seed 0x6b63727970746f, 2 threads" --seed 0x6b63727970746f --threads 2 --seconds "$seconds"
run "random seed $random_seed, 2 processes" --seed "$random_seed" --procs 2 --threads 1 --seconds "$seconds"
exit "$status"
