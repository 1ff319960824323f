#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The userspace tools (tools/) on the in-kernel AF_ALG and on kcrypto's socket
# family, inside a scripts/vm-run guest (as root, kcrypto.ko loaded):
#
#  - `kcrypto dgst` prints what sha1sum/sha256sum/sha512sum print, for files
#    (awkward names included) and standard input, and `sha256sum -c` accepts
#    its output; --json is valid JSON Lines; errors exit non-zero;
#  - known answers through the CLI and through the library (every way the ABI
#    allows: one-shot, streamed, cloned, short receive buffers): FIPS 180-4
#    SHA-1/SHA-256/SHA-512, RFC 4231 HMAC-SHA-256, RFC 4493 AES-CMAC;
#  - a seeded differential test: random messages of 0..1 MiB sent in random
#    MSG_MORE chunks, clones and receives on both families, call by call; and
#    ABI corner cases (tools/kcrypto/examples/hashcheck).
#
# The binaries are built on the host first (the guest does not build them):
#   cargo build --release --locked --manifest-path tools/Cargo.toml --workspace --bins --examples
#
# Without kcrypto's family (kcrypto.ko not loaded, or loaded without the
# family) only the AF_ALG part runs, a line says the kcrypto part was skipped,
# and the test passes if that part did. Any other failure fails the test.
#
# Environment: KCRYPTO_MODROOT (set by vm-run) to load algif_hash;
# HASHCHECK_SEED and HASHCHECK_ROUNDS to repeat or lengthen the differential test.
set -eu

here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../..")
build_cmd="cargo build --release --locked --manifest-path tools/Cargo.toml --workspace --bins --examples"
cli=$repo/tools/target/release/kcrypto
hashcheck=$repo/tools/target/release/examples/hashcheck
rounds=${HASHCHECK_ROUNDS:-400}
seed_opt=()
[ -z "${HASHCHECK_SEED:-}" ] || seed_opt=(--seed "$HASHCHECK_SEED")
name=${0##*/}
name=${name%.sh}

passes=0 fails=0
pass() { echo "ok - $*"; passes=$((passes + 1)); }
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
indent() { sed 's/^/    /'; }
# same WHAT GOT WANT
same() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}

for bin in "$cli" "$hashcheck"; do
	if [ ! -x "$bin" ]; then
		echo "FAIL: $bin is missing: build it on the host first with"
		echo "    $build_cmd"
		exit 1
	fi
done
# Sources changed after the binaries that use them were built.
stale=$(cd "$repo/tools" && {
	find kcrypto/src kcrypto-cli Cargo.lock -type f -newer "$cli" -not -path '*/tests/*'
	find kcrypto/src kcrypto/examples kcrypto/tests/common Cargo.lock -type f -newer "$hashcheck"
} | sort -u | head -n 3)
[ -z "$stale" ] || echo "warning: tools/ changed after the last build (${stale//$'\n'/, }); rebuild with: $build_cmd"

work=$(mktemp -d)
loaded=()
cleanup() {
	rm -rf "$work"
	local i
	for ((i = ${#loaded[@]} - 1; i >= 0; i--)); do
		rmmod "${loaded[i]}" || echo "warning: rmmod ${loaded[i]} failed"
	done
}
trap cleanup EXIT

# The in-kernel AF_ALG, the reference.
for mod in af_alg algif_hash; do
	[ -d "/sys/module/$mod" ] || loaded+=("$mod")
done
if [ ! -d /sys/module/algif_hash ]; then
	if [ -z "${KCRYPTO_MODROOT:-}" ]; then
		echo "FAIL: algif_hash is not loaded and KCRYPTO_MODROOT is not set (run under scripts/vm-run)"
		exit 1
	fi
	modprobe -d "$KCRYPTO_MODROOT" algif_hash || {
		echo "FAIL: modprobe -d $KCRYPTO_MODROOT algif_hash"
		exit 1
	}
fi

# kcrypto's family: the one kcrypto.ko was loaded with, or none yet.
unset KCRYPTO_FAMILY
probe_rc=0
probe=$("$hashcheck" probe 2>&1) || probe_rc=$?
case $probe_rc in
0) families=(38 kcrypto) ;;
3) families=(38) ;;
*)
	fail "hashcheck probe (status $probe_rc): $probe"
	families=(38)
	;;
esac

# Test files, awkward names included (sha256sum escapes \, newline, CR).
files_dir=$work/files
mkdir -p "$files_dir"
for size in 0 1 55 56 64 1000 4096 65537 262144 262145 1048579 3145728; do
	head -c "$size" /dev/urandom >"$files_dir/r$size"
done
printf 'abc' >"$files_dir/back\\slash"
printf 'newline' >"$files_dir/new"$'\n'"line"
printf 'cr' >"$files_dir/carriage"$'\r'"return"
printf 'space' >"$files_dir/with space"
printf 'dash' >"$files_dir/-dash"
kat_dir=$work/kat
"$hashcheck" export-kat "$kat_dir" >/dev/null

# run_suite LABEL: every CLI and library check on the current family.
run_suite() {
	local label=$1 out=$work/out-$1 alg rc id key want source got args n
	mkdir -p "$out"
	cd "$files_dir"
	local files=(*)
	n=${#files[@]}

	for alg in sha1 sha256 sha512; do
		rc=0
		"$cli" dgst -a "$alg" -- "${files[@]}" >"$out/cli.$alg" 2>"$out/err" || rc=$?
		"${alg}sum" -- "${files[@]}" >"$out/ref.$alg"
		if [ "$rc" = 0 ] && cmp -s "$out/cli.$alg" "$out/ref.$alg"; then
			pass "$label: dgst -a $alg prints what ${alg}sum prints for $n files"
		else
			fail "$label: dgst -a $alg (status $rc) differs from ${alg}sum:"
			diff "$out/ref.$alg" "$out/cli.$alg" | indent || true
			indent <"$out/err"
		fi
	done
	for alg in sha256 sha512; do
		if "${alg}sum" --strict --quiet -c "$out/cli.$alg" >"$out/err" 2>&1; then
			pass "$label: ${alg}sum -c accepts dgst's output"
		else
			fail "$label: ${alg}sum -c rejects dgst's output:"
			indent <"$out/err"
		fi
	done

	# Standard input: redirected file, pipe, and "-" among files.
	got=$("$cli" dgst -a sha256 <r1048579 2>&1) || true
	want=$(sha256sum <r1048579)
	same "$label: dgst reads standard input (file)" "$got" "$want"
	# shellcheck disable=SC2002 # a pipe on purpose
	got=$(cat r3145728 | "$cli" dgst -a sha256 2>&1) || true
	want=$(sha256sum <r3145728)
	same "$label: dgst reads standard input (pipe)" "$got" "$want"
	got=$("$cli" dgst -a sha512 r1 - r64 <r1000 2>&1) || true
	want=$(sha512sum r1 - r64 <r1000)
	same "$label: dgst reads \"-\" among files" "$got" "$want"

	# JSON Lines.
	rc=0
	"$cli" dgst -a sha256 --json -- "${files[@]}" >"$out/json" || rc=$?
	if [ "$rc" = 0 ] && python3 - "$out/json" "$n" >"$out/err" 2>&1 <<-'PY'; then
		import hashlib, json, sys
		lines = open(sys.argv[1], encoding="utf-8").read().rstrip("\n").split("\n")
		assert len(lines) == int(sys.argv[2]), f"{len(lines)} lines"
		for line in lines:
		    record = json.loads(line)
		    assert sorted(record) == ["algorithm", "digest", "file"], record
		    assert record["algorithm"] == "sha256", record
		    with open(record["file"], "rb") as f:
		        want = hashlib.sha256(f.read()).hexdigest()
		    assert record["digest"] == want, (record, want)
	PY
		pass "$label: dgst --json prints one valid object per file"
	else
		fail "$label: dgst --json (status $rc):"
		indent <"$out/err"
	fi

	# Errors: a missing file fails the run but not the other files; a bad
	# algorithm, a missing key and a bad key are reported.
	rc=0
	"$cli" dgst -a sha256 r1 no-such-file r64 >"$out/part" 2>"$out/err" || rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <"$out/part")" = 2 ] &&
		grep -q 'no-such-file: No such file or directory' "$out/err"; then
		pass "$label: a missing file is reported, the others are hashed, status 1"
	else
		fail "$label: missing file: status $rc, $(wc -l <"$out/part") lines, stderr: $(cat "$out/err")"
	fi
	for args in "no-such-alg|no such hash algorithm" "hmac(sha256)|needs a key" \
		"cmac(aes) --hmac-key 0011|cannot set a key of 2 bytes"; do
		rc=0
		# shellcheck disable=SC2086 # the options are split on purpose
		"$cli" dgst -a ${args%%|*} r1 >/dev/null 2>"$out/err" || rc=$?
		if [ "$rc" = 1 ] && grep -qF "${args#*|}" "$out/err"; then
			pass "$label: dgst -a ${args%%|*}: status 1, says '${args#*|}'"
		else
			fail "$label: dgst -a ${args%%|*}: status $rc, stderr: $(cat "$out/err")"
		fi
	done

	# Known answers through the CLI, keys as hex and from a file.
	local kat_fails=0 kats=0
	while read -r id alg key want source; do
		kats=$((kats + 1))
		args=(-a "$alg")
		[ "$key" = - ] || args+=(--hmac-key "$key")
		got=$("$cli" dgst "${args[@]}" "$kat_dir/$id.bin" 2>&1) || true
		got=${got%% *}
		# A truncated MAC (RFC 4231 case 5) is a prefix of the digest.
		if [ "${got:0:${#want}}" != "$want" ]; then
			fail "$label: CLI known answer $source ($alg): got $got, want $want"
			kat_fails=$((kat_fails + 1))
		fi
	done <"$kat_dir/manifest"
	if [ "$kat_fails" = 0 ] && [ "$kats" -gt 20 ]; then
		pass "$label: CLI known answers: $kats vectors (FIPS 180-4, RFC 4231, RFC 4493)"
	elif [ "$kat_fails" = 0 ]; then
		fail "$label: CLI known answers: only $kats vectors in $kat_dir/manifest"
	fi
	printf 'Jefe' >"$out/jefe.key"
	got=$(printf 'what do ya want for nothing?' |
		"$cli" dgst -a 'hmac(sha256)' --hmac-key-file "$out/jefe.key" 2>&1) || true
	want="5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843  -"
	same "$label: --hmac-key-file (RFC 4231 case 2)" "$got" "$want"

	# Known answers through the library, every way.
	rc=0
	"$hashcheck" kat >"$out/kat" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		pass "$label: library known answers ($(grep -c '^pass: ' "$out/kat") vectors, one-shot, streamed, cloned, truncated)"
	else
		fail "$label: library known answers (status $rc):"
		grep -v '^pass: ' "$out/kat" | indent
	fi
	cd "$work"
}

start=$SECONDS
echo "AF_ALG (family 38):"
export KCRYPTO_FAMILY=38
run_suite af_alg
unset KCRYPTO_FAMILY
echo "($((SECONDS - start)) s)"

if [ "${#families[@]}" = 2 ]; then
	start=$SECONDS
	echo "$probe:"
	run_suite kcrypto
	echo "($((SECONDS - start)) s)"
	a=38 b=kcrypto
else
	echo "kcrypto part SKIPPED: $probe"
	# Still run the differential harness, AF_ALG against itself, so that it
	# is known to work when the family arrives.
	a=38 b=38 rounds=4
fi

start=$SECONDS
rc=0
"$hashcheck" diff --a "$a" --b "$b" --rounds "$rounds" "${seed_opt[@]}" >"$work/diff" 2>&1 || rc=$?
summary=$(tail -n 1 "$work/diff")
if [ "$rc" = 0 ]; then
	pass "differential $a vs $b: $summary"
else
	fail "differential $a vs $b (status $rc):"
	grep -v '^diff: family' "$work/diff" | indent
fi
rc=0
"$hashcheck" abi --a "$a" --b "$b" >"$work/abi" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	pass "ABI corner cases $a vs $b: $(tail -n 1 "$work/abi")"
	grep '^info: .*differs' -A2 "$work/abi" | indent || true
else
	fail "ABI corner cases $a vs $b (status $rc):"
	grep -v '^pass: ' "$work/abi" | indent
fi
echo "($((SECONDS - start)) s)"

total=$((passes + fails))
if [ "${#families[@]}" = 2 ]; then
	scope="AF_ALG and kcrypto"
else
	scope="AF_ALG only, kcrypto part skipped"
fi
if [ "$fails" = 0 ]; then
	echo "$name: all $total checks pass ($scope)"
else
	echo "$name: $fails of $total checks FAILED ($scope)"
	exit 1
fi
