#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `kcrypto enc`, `kcrypto dec` and `kcrypto rng` (tools/) and the cipher
# differential test, on the in-kernel AF_ALG and on kcrypto's socket family,
# inside a scripts/vm-run guest (as root, kcrypto.ko loaded):
#
#  - enc/dec round trips against `openssl enc` (cbc/ecb/ctr(aes), chacha20;
#    xts(aes) round trips), from files and standard input, raw and hex,
#    files larger than the socket buffer (streamed);
#  - AEAD (gcm, ccm, rfc7539): round trips with associated data and tag
#    lengths, a known answer (GCM test case 2), and a changed byte: dec fails
#    with a clear message and a non-zero status and writes nothing;
#  - keys by serial number (keyctl, or the add_key system call from Python);
#  - `kcrypto rng -n N` gives N bytes; every --json output parses;
#  - errors: wrong key and IV lengths, unknown algorithms, lengths the
#    algorithm refuses (no output file left behind);
#  - `ciphercheck diff`: seeded random rounds against RustCrypto
#    (tools/kcrypto/examples/ciphercheck); on kcrypto also `ciphercheck abi`,
#    the contract points the library relies on, errno by errno.
#
# The binaries are built on the host first (the guest does not build them):
#   cargo build --release --locked --manifest-path tools/Cargo.toml --workspace --bins --examples
#
# Without kcrypto's family, or with a kcrypto that has no skcipher type yet,
# only the AF_ALG part runs and a line says the kcrypto part was skipped.
#
# Environment: KCRYPTO_MODROOT (set by vm-run) to load algif_skcipher,
# algif_aead and algif_rng; KCRYPTO_CLI_AF_ALG=1 also runs the CLI suite on
# AF_ALG; CIPHERCHECK_SEED and CIPHERCHECK_ROUNDS to repeat
# or lengthen the differential test.
set -eu

here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../..")
build_cmd="cargo build --release --locked --manifest-path tools/Cargo.toml --workspace --bins --examples"
cli=$repo/tools/target/release/kcrypto
ciphercheck=$repo/tools/target/release/examples/ciphercheck
rounds=${CIPHERCHECK_ROUNDS:-60}
seed_opt=()
[ -z "${CIPHERCHECK_SEED:-}" ] || seed_opt=(--seed "$CIPHERCHECK_SEED")
name=${0##*/}
name=${name%.sh}

passes=0 fails=0
pass() { echo "ok - $*"; passes=$((passes + 1)); }
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
skip() { echo "ok - $1 # SKIP $2"; passes=$((passes + 1)); }
indent() { sed 's/^/    /'; }
# check WHAT CMD...: passes if CMD does; shows its output otherwise.
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$what"
	else
		fail "$what"
		printf '%s\n' "$out" | tail -n 15 | indent
	fi
}
hex() { python3 -c 'import sys; print(sys.stdin.buffer.read().hex())'; }

for bin in "$cli" "$ciphercheck"; do
	if [ ! -x "$bin" ]; then
		echo "FAIL: $bin is missing: build it on the host first with"
		echo "    $build_cmd"
		exit 1
	fi
done
stale=$(cd "$repo/tools" && {
	find kcrypto/src kcrypto-cli Cargo.lock -type f -newer "$cli" -not -path '*/tests/*'
	find kcrypto/src kcrypto/examples Cargo.lock -type f -newer "$ciphercheck"
} | sort -u | head -n 3)
[ -z "$stale" ] || echo "warning: tools/ changed after the last build (${stale//$'\n'/, }); rebuild with: $build_cmd"
if ! command -v openssl >/dev/null; then
	echo "FAIL: openssl is needed (the reference for enc/dec)"
	exit 1
fi

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
for mod in af_alg algif_skcipher algif_aead algif_rng; do
	[ -d "/sys/module/$mod" ] && continue
	if [ -z "${KCRYPTO_MODROOT:-}" ]; then
		echo "FAIL: $mod is not loaded and KCRYPTO_MODROOT is not set (run under scripts/vm-run)"
		exit 1
	fi
	modprobe -d "$KCRYPTO_MODROOT" "$mod" || {
		echo "FAIL: modprobe -d $KCRYPTO_MODROOT $mod"
		exit 1
	}
	loaded+=("$mod")
done

# kcrypto's family, if it serves ciphers.
unset KCRYPTO_FAMILY
probe_rc=0
probe=$("$ciphercheck" probe 2>&1) || probe_rc=$?
case $probe_rc in
0) families=(38 kcrypto) ;;
3) families=(38) ;;
*)
	fail "ciphercheck probe (status $probe_rc): $probe"
	families=(38)
	;;
esac

# Inputs. Block modes get multiples of 16; the others odd sizes too.
data=$work/data
mkdir -p "$data"
for size in 0 16 64 4096 65536 200000; do
	head -c "$size" /dev/urandom >"$data/b$size"
done
for size in 1 17 100 4097 199999; do
	head -c "$size" /dev/urandom >"$data/o$size"
done
# Larger than the socket buffer (212992 by default): streamed in parts.
head -c $((262144 + 48)) /dev/urandom >"$data/large"
head -c $((262144 + 5)) /dev/urandom >"$data/largeodd"
key32=$(head -c 32 /dev/urandom | hex)
key64=$(head -c 64 /dev/urandom | hex)
iv16=$(head -c 16 /dev/urandom | hex)
iv12=$(head -c 12 /dev/urandom | hex)

# add_key PAYLOADHEX: prints the serial of a new "user" key in the user
# keyring (@u: this shell's children possess it through the user session
# keyring; a key in @s would go into a new session keyring of keyctl's own
# when there is none yet, and die with it).
add_key() {
	if command -v keyctl >/dev/null; then
		python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1" |
			keyctl padd user "kcrypto-65-$RANDOM" @u
	else
		python3 - "$1" <<-'PY'
			import ctypes, os, sys
			libc = ctypes.CDLL(None, use_errno=True)
			payload = bytes.fromhex(sys.argv[1])
			# add_key(2) is system call 248 on x86-64; KEY_SPEC_USER_KEYRING = -4.
			serial = libc.syscall(248, b"user", b"kcrypto-65-%d" % os.getpid(), payload,
			                      ctypes.c_size_t(len(payload)), ctypes.c_int(-4))
			if serial < 0:
			    sys.exit("add_key: " + os.strerror(ctypes.get_errno()))
			print(serial)
		PY
	fi
}
# drop_key SERIAL: invalidates a key made by add_key.
drop_key() {
	# keyctl(2) is system call 250 on x86-64; KEYCTL_INVALIDATE = 21.
	python3 -c 'import ctypes, sys; ctypes.CDLL(None).syscall(250, 21, int(sys.argv[1]))' "$1" || true
}

# "openssl cipher|kernel name|key bytes|file kind (b: blocks, o: any)|openssl option"
ciphers=(
	"aes-128-cbc|cbc(aes)|16|b|-nopad"
	"aes-256-cbc|cbc(aes)|32|b|-nopad"
	"aes-128-ecb|ecb(aes)|16|b|-nopad"
	"aes-256-ctr|ctr(aes)|32|o|"
	"chacha20|chacha20|32|o|"
)

# run_suite LABEL: every CLI check on the current family.
run_suite() {
	local label=$1 out=$work/out-$1 spec ossl alg klen kind opt key iv f n rc want got
	mkdir -p "$out"

	# 1. Round trips against openssl enc, files and standard streams.
	for spec in "${ciphers[@]}"; do
		IFS='|' read -r ossl alg klen kind opt <<<"$spec"
		key=${key64:0:$((klen * 2))}
		iv=$iv16
		[ "$alg" = "ecb(aes)" ] && iv=
		local ivopt=() oivopt=()
		[ -z "$iv" ] || ivopt=(--iv-hex "$iv") oivopt=(-iv "$iv")
		local files=()
		case $kind in
		b) files=("$data/b0" "$data/b4096" "$data/b200000") ;;
		o) files=("$data/o1" "$data/o4097" "$data/o199999" "$data/b65536") ;;
		esac
		# Beyond the socket buffer (on AF_ALG, chacha20 is held whole:
		# root may raise SO_SNDBUF; see CipherStream's docs).
		case $kind in
		b) files+=("$data/large") ;;
		*) files+=("$data/largeodd") ;;
		esac
		local bad=0 count=0
		for f in "${files[@]}"; do
			count=$((count + 1))
			# shellcheck disable=SC2086 # $opt is one option or none
			if ! openssl enc -"$ossl" -e $opt -K "$key" "${oivopt[@]}" -in "$f" -out "$out/ref.enc" 2>"$out/err"; then
				fail "$label: openssl enc -$ossl of ${f##*/} failed (the test's fault)"
				indent <"$out/err"
				bad=1
				continue
			fi
			rc=0
			"$cli" enc -a "$alg" --key-hex "$key" "${ivopt[@]}" "$f" "$out/k.enc" 2>"$out/err" || rc=$?
			if [ "$rc" != 0 ] || ! cmp -s "$out/k.enc" "$out/ref.enc"; then
				fail "$label: enc -a $alg (${#key}-digit key) of ${f##*/} ($(stat -c %s "$f") bytes) differs from openssl enc -$ossl (status $rc)"
				indent <"$out/err"
				bad=1
				continue
			fi
			rc=0
			"$cli" dec -a "$alg" --key-hex "$key" "${ivopt[@]}" "$out/ref.enc" "$out/k.dec" 2>"$out/err" || rc=$?
			if [ "$rc" != 0 ] || ! cmp -s "$out/k.dec" "$f"; then
				fail "$label: dec -a $alg of openssl's ${f##*/} is not the original (status $rc)"
				indent <"$out/err"
				bad=1
			fi
		done
		[ "$bad" = 1 ] || pass "$label: enc/dec -a $alg with a $klen-byte key match openssl enc -$ossl for $count files (0 B to 256 KiB)"
	done

	# XTS (openssl enc has none; ciphercheck compares it with RustCrypto):
	# round trips, lengths kept, output unlike the input, no length below 16.
	local bad=0
	for f in "$data/o17" "$data/o4097" "$data/b65536" "$data/largeodd"; do
		rc=0
		"$cli" enc -a 'xts(aes)' --key-hex "$key64" --iv-hex "$iv16" "$f" "$out/x.enc" 2>"$out/err" &&
			"$cli" dec -a 'xts(aes)' --key-hex "$key64" --iv-hex "$iv16" "$out/x.enc" "$out/x.dec" 2>>"$out/err" || rc=$?
		if [ "$rc" != 0 ] || ! cmp -s "$out/x.dec" "$f" || cmp -s "$out/x.enc" "$f" ||
			[ "$(stat -c %s "$out/x.enc")" != "$(stat -c %s "$f")" ]; then
			fail "$label: xts(aes) round trip of ${f##*/} (status $rc): $(cat "$out/err")"
			bad=1
		fi
	done
	rc=0
	"$cli" enc -a 'xts(aes)' --key-hex "$key64" --iv-hex "$iv16" "$data/o1" "$out/x.enc" 2>"$out/err" || rc=$?
	if [ "$rc" != 1 ] || ! grep -q EINVAL "$out/err"; then
		fail "$label: xts(aes) of 1 byte: status $rc, $(cat "$out/err")"
		bad=1
	fi
	[ "$bad" = 1 ] || pass "$label: enc/dec -a xts(aes) with a 64-byte key: round trips of 17 B to 256 KiB, 1 byte refused"

	# Standard input and output, pipes, hex in and out.
	key=${key32}
	openssl enc -aes-256-ctr -K "$key" -iv "$iv16" -in "$data/largeodd" -out "$out/ref.enc"
	# shellcheck disable=SC2002 # a pipe on purpose
	got=$(cat "$data/largeodd" | "$cli" enc -a 'ctr(aes)' --key-hex "$key" --iv-hex "$iv16" - - | sha256sum)
	want=$(sha256sum <"$out/ref.enc")
	if [ "$got" = "$want" ]; then
		pass "$label: enc from a pipe to standard output (256 KiB, ctr(aes))"
	else
		fail "$label: enc from a pipe to standard output differs from openssl"
	fi
	openssl enc -aes-256-ctr -K "$key" -iv "$iv16" -in "$data/o4097" -out "$out/ref.enc"
	want=$(hex <"$out/ref.enc")
	got=$(hex <"$data/o4097" | fold -w 61 | "$cli" enc -a 'ctr(aes)' --key-hex "$key" --iv-hex "$iv16" --hex-in --hex-out - - 2>&1 || true)
	if [ "$got" = "$want" ]; then
		pass "$label: --hex-in (folded lines) and --hex-out"
	else
		fail "$label: --hex-in/--hex-out: got '${got:0:80}...', want '${want:0:80}...'"
	fi

	# 2. AEAD round trips, tag lengths, associated data.
	head -c 333 /dev/urandom >"$out/aad"
	for spec in "gcm(aes)|$key32|$iv12|16" "gcm(aes)|${key32:0:32}|$iv12|12" \
		"ccm(aes)|${key32:0:32}|03${iv12:2:22}00000000|8" \
		"rfc7539(chacha20,poly1305)|$key32|$iv12|16"; do
		IFS='|' read -r alg key iv n <<<"$spec"
		local bad=0
		for f in "$data/b0" "$data/o1" "$data/o4097" "$data/b65536"; do
			rc=0
			"$cli" enc -a "$alg" --key-hex "$key" --iv-hex "$iv" --aad-file "$out/aad" --tag-len "$n" \
				"$f" "$out/a.enc" 2>"$out/err" || rc=$?
			if [ "$rc" != 0 ] || [ "$(stat -c %s "$out/a.enc")" != $(($(stat -c %s "$f") + n)) ]; then
				fail "$label: enc -a $alg --tag-len $n of ${f##*/} (status $rc): $(cat "$out/err")"
				bad=1
				continue
			fi
			rc=0
			"$cli" dec -a "$alg" --key-hex "$key" --iv-hex "$iv" --aad-file "$out/aad" --tag-len "$n" \
				"$out/a.enc" "$out/a.dec" 2>"$out/err" || rc=$?
			if [ "$rc" != 0 ] || ! cmp -s "$out/a.dec" "$f"; then
				fail "$label: dec -a $alg of ${f##*/} is not the original (status $rc): $(cat "$out/err")"
				bad=1
			fi
		done
		[ "$bad" = 1 ] || pass "$label: enc/dec -a $alg, $n-byte tag, 333 bytes of associated data: round trips of 0 to 64 KiB"
	done
	# GCM test case 2 (McGrew & Viega; SP 800-38D): zero key, IV, block.
	got=$(head -c 16 /dev/zero | "$cli" enc -a 'gcm(aes)' --key-hex "$(printf '0%.0s' {1..32})" \
		--iv-hex "$(printf '0%.0s' {1..24})" --hex-out - - 2>&1 || true)
	want=0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf
	if [ "$got" = "$want" ]; then
		pass "$label: enc -a gcm(aes) known answer (GCM test case 2)"
	else
		fail "$label: GCM test case 2: got $got, want $want"
	fi

	# Tampering: one changed byte, a wrong AAD, a wrong key: dec fails,
	# says why, and leaves OUT as it was (here: absent or unchanged).
	key=$key32
	"$cli" enc -a 'gcm(aes)' --key-hex "$key" --iv-hex "$iv12" --aad-file "$out/aad" "$data/o4097" "$out/t.enc"
	python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[1000] ^= 1; open(p, "wb").write(b)' "$out/t.enc"
	rm -f "$out/t.dec"
	rc=0
	"$cli" dec -a 'gcm(aes)' --key-hex "$key" --iv-hex "$iv12" --aad-file "$out/aad" "$out/t.enc" "$out/t.dec" 2>"$out/err" || rc=$?
	if [ "$rc" = 1 ] && [ ! -e "$out/t.dec" ] && grep -q 'authentication failed (EBADMSG)' "$out/err"; then
		pass "$label: dec of a changed byte: status 1, 'authentication failed', no output file"
	else
		fail "$label: dec of a changed byte: status $rc, output $(test -e "$out/t.dec" && echo exists || echo absent), stderr: $(cat "$out/err")"
	fi
	printf 'previous contents' >"$out/t.dec"
	"$cli" enc -a 'gcm(aes)' --key-hex "$key" --iv-hex "$iv12" --aad-file "$out/aad" "$data/o4097" "$out/t.enc"
	rc=0
	"$cli" dec -a 'gcm(aes)' --key-hex "$key" --iv-hex "$iv12" "$out/t.enc" "$out/t.dec" 2>"$out/err" || rc=$?
	if [ "$rc" = 1 ] && [ "$(cat "$out/t.dec")" = 'previous contents' ] && grep -q 'authentication failed' "$out/err"; then
		pass "$label: dec without the associated data: status 1, existing OUT untouched"
	else
		fail "$label: dec without the associated data: status $rc, OUT now $(head -c 40 "$out/t.dec" | hex)"
	fi
	rc=0
	got=$("$cli" dec -a 'gcm(aes)' --key-hex "${key64:0:64}" --iv-hex "$iv12" --aad-file "$out/aad" \
		"$out/t.enc" - 2>"$out/err" | wc -c) || rc=$?
	if [ "$got" = 0 ] && grep -q 'authentication failed' "$out/err"; then
		pass "$label: dec with a wrong key to standard output: nothing written"
	else
		fail "$label: dec with a wrong key: $got bytes written, stderr: $(cat "$out/err")"
	fi

	# 3. Keys by serial.
	local serial
	if serial=$(add_key "$key32" 2>"$out/err"); then
		openssl enc -aes-256-cbc -nopad -K "$key32" -iv "$iv16" -in "$data/b4096" -out "$out/ref.enc"
		rc=0
		"$cli" enc -a 'cbc(aes)' --key-serial "$serial" --iv-hex "$iv16" "$data/b4096" "$out/s.enc" 2>"$out/err" || rc=$?
		if [ "$rc" = 0 ] && cmp -s "$out/s.enc" "$out/ref.enc"; then
			pass "$label: enc --key-serial (a user key) matches openssl with the key itself"
		else
			fail "$label: enc --key-serial $serial (status $rc): $(cat "$out/err")"
		fi
		rc=0
		"$cli" enc -a 'gcm(aes)' --key-serial "$serial" --iv-hex "$iv12" "$data/o100" "$out/s.enc" 2>"$out/err" &&
			"$cli" dec -a 'gcm(aes)' --key-hex "$key32" --iv-hex "$iv12" "$out/s.enc" "$out/s.dec" 2>>"$out/err" &&
			cmp -s "$out/s.dec" "$data/o100" || rc=$?
		if [ "$rc" = 0 ]; then
			pass "$label: AEAD enc --key-serial, dec --key-hex: round trip"
		else
			fail "$label: AEAD by serial: $(cat "$out/err")"
		fi
		drop_key "$serial"
	else
		skip "$label: keys by serial" "no key could be added: $(cat "$out/err")"
	fi
	rc=0
	rm -f "$out/s.enc"
	"$cli" enc -a 'cbc(aes)' --key-serial 2147483000 --iv-hex "$iv16" "$data/b16" "$out/s.enc" 2>"$out/err" || rc=$?
	if [ "$rc" = 1 ] && grep -q 'key serial 2147483000: no such key' "$out/err"; then
		pass "$label: --key-serial of no key: status 1, '$(sed 's/^kcrypto enc: //' "$out/err")'"
	else
		fail "$label: --key-serial of no key: status $rc, stderr: $(cat "$out/err")"
	fi

	# 4. rng.
	local bad=0
	for n in 0 1 100 129 4097 262144; do
		got=$("$cli" rng -n "$n" | wc -c)
		[ "$got" = "$n" ] || {
			fail "$label: rng -n $n wrote $got bytes"
			bad=1
		}
	done
	got=$("$cli" rng -n 1K -a drbg_nopr_hmac_sha256 -o "$out/rnd" && stat -c %s "$out/rnd")
	[ "$got" = 1024 ] || {
		fail "$label: rng -n 1K -o: $got bytes"
		bad=1
	}
	got=$("$cli" rng -n 32 --hex)
	[[ "$got" =~ ^[0-9a-f]{64}$ ]] || {
		fail "$label: rng --hex: '$got'"
		bad=1
	}
	[ "$bad" = 1 ] || pass "$label: rng -n N gives N bytes (0 to 256 KiB, -o, --hex, -a drbg_nopr_hmac_sha256)"
	if [ "$("$cli" rng -n 64 --hex)" != "$("$cli" rng -n 64 --hex)" ]; then
		pass "$label: rng: two runs differ"
	else
		fail "$label: rng: two runs gave the same bytes"
	fi

	# 5. --json: every shape parses and says the right thing.
	{
		"$cli" enc -a 'cbc(aes)' --key-hex "$key32" --iv-hex "$iv16" --json "$data/b64" "$out/j.enc"
		"$cli" enc -a 'cbc(aes)' --key-hex "$key32" --iv-hex "$iv16" --json "$data/b64" -
		"$cli" enc -a 'gcm(aes)' --key-hex "$key32" --iv-hex "$iv12" --tag-len 12 --json "$data/b64" -
		"$cli" dec -a 'gcm(aes)' --key-hex "$key32" --iv-hex "$iv12" --json "$out/t.enc" - 2>/dev/null || true
		"$cli" rng -n 16 --json
	} >"$out/json" 2>"$out/err"
	openssl enc -aes-256-cbc -nopad -K "$key32" -iv "$iv16" -in "$data/b64" -out "$out/ref.enc"
	if python3 - "$out/json" "$(hex <"$out/ref.enc")" >"$out/perr" 2>&1 <<-'PY'; then
		import json, sys
		lines = open(sys.argv[1]).read().splitlines()
		assert len(lines) == 5, lines
		file_, data, aead, bad, rng = (json.loads(line) for line in lines)
		assert file_["operation"] == "enc" and file_["type"] == "skcipher", file_
		assert file_["bytes_in"] == 64 and file_["bytes_out"] == 64 and "data" not in file_, file_
		assert data["data"] == sys.argv[2] and data["output"] == "-", data
		assert aead["type"] == "aead" and aead["tag_len"] == 12 and len(aead["data"]) == 2 * 76, aead
		assert "authentication failed" in bad["error"], bad
		assert rng["bytes"] == 16 and len(rng["hex"]) == 32, rng
	PY
		pass "$label: --json of enc (file, standard output), AEAD, a failed dec and rng parses and is right"
	else
		fail "$label: --json:"
		indent <"$out/perr"
		indent <"$out/json"
	fi

	# 6. Errors are clear, exit 1, and leave no output file.
	local args
	for args in \
		"cbc(aes) --key-hex 0011 --iv-hex $iv16|cannot set a key of 2 bytes" \
		"cbc(aes) --key-hex $key32|needs a 16-byte IV" \
		"cbc(aes) --key-hex $key32 --iv-hex 0011|takes a 16-byte IV" \
		"no-such-cipher --key-hex $key32 --iv-hex $iv16|no such skcipher algorithm" \
		"gcm(aes) --key-hex $key32 --iv-hex $iv12 --tag-len 3|tag of 3 bytes is refused" \
		"cbc(aes) --key-hex $key32 --iv-hex $iv16 --aad-file /dev/null|are for AEADs"; do
		rm -f "$out/e.out"
		rc=0
		# shellcheck disable=SC2086 # the options are split on purpose
		"$cli" enc -a ${args%%|*} "$data/b64" "$out/e.out" 2>"$out/err" || rc=$?
		if [ "$rc" = 1 ] && grep -qF "${args#*|}" "$out/err" && [ ! -e "$out/e.out" ]; then
			pass "$label: enc -a ${args%%|*}: status 1, says '${args#*|}'"
		else
			fail "$label: enc -a ${args%%|*}: status $rc, stderr: $(cat "$out/err")"
		fi
	done
	rc=0
	"$cli" enc -a 'cbc(aes)' --key-hex "$key32" --iv-hex "$iv16" "$data/o100" "$out/e.out" 2>"$out/err" || rc=$?
	if [ "$rc" = 1 ] && grep -q 'EINVAL' "$out/err" && [ ! -e "$out/e.out" ]; then
		pass "$label: enc -a cbc(aes) of 100 bytes: status 1, EINVAL explained, no output file"
	else
		fail "$label: cbc of 100 bytes: status $rc, stderr: $(cat "$out/err"), output $(test -e "$out/e.out" && echo exists || echo absent)"
	fi
	rc=0
	"$cli" enc -a 'cbc(aes)' --key-hex "$key32" --iv-hex "$iv16" "$data/b64" "$data/b64" 2>"$out/err" || rc=$?
	if [ "$rc" = 1 ] && grep -q 'is the input file' "$out/err" && [ "$(stat -c %s "$data/b64")" = 64 ]; then
		pass "$label: OUT = IN is refused before anything is written"
	else
		fail "$label: OUT = IN: status $rc, stderr: $(cat "$out/err")"
	fi
}

# The CLI suite on AF_ALG repeats what 60-/61-*.py and ciphercheck already
# compare between the families, at minutes of TCG time: on request only.
if [ "${KCRYPTO_CLI_AF_ALG:-0}" = 1 ]; then
	start=$SECONDS
	echo "AF_ALG (family 38):"
	export KCRYPTO_FAMILY=38
	run_suite af_alg
	unset KCRYPTO_FAMILY
	echo "($((SECONDS - start)) s)"
fi

if [ "${#families[@]}" = 2 ]; then
	start=$SECONDS
	echo "$probe:"
	run_suite kcrypto
	echo "($((SECONDS - start)) s)"
else
	echo "kcrypto part SKIPPED: $probe"
fi

# The differential test, on each family.
for family in "${families[@]}"; do
	start=$SECONDS
	rc=0
	"$ciphercheck" diff --family "$family" --rounds "$rounds" "${seed_opt[@]}" >"$work/diff" 2>&1 || rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass "ciphercheck: ${line#ok - }" ;;
		"not ok - "*) fail "ciphercheck: ${line#not ok - }" ;;
		"    "*) echo "$line" ;;
		esac
	done <"$work/diff"
	if [ "$rc" != 0 ] && ! grep -q '^not ok - ' "$work/diff"; then
		fail "ciphercheck diff --family $family (status $rc):"
		indent <"$work/diff"
	fi
	echo "($(tail -n 1 "$work/diff"); $((SECONDS - start)) s)"
done

# kcrypto's own answers (its contract; AF_ALG differs on several).
if [ "${#families[@]}" = 2 ]; then
	rc=0
	"$ciphercheck" abi >"$work/abi" 2>&1 || rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass "ciphercheck: ${line#ok - }" ;;
		"not ok - "*) fail "ciphercheck: ${line#not ok - }" ;;
		esac
	done <"$work/abi"
	if [ "$rc" != 0 ] && ! grep -q '^not ok - ' "$work/abi"; then
		fail "ciphercheck abi (status $rc):"
		indent <"$work/abi"
	fi
fi

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
