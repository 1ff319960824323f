#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The samples (C: built on the host by `make -C samples`; Rust: examples of
# tools/kcrypto, built by scripts/tools-build) on AF_ALG and on kcrypto, each
# output cross-checked with userspace (coreutils, Python hmac/cryptography,
# openssl). The C samples are AF_ALG programs that take the family number at
# runtime (-f): the same binary must give the same answers on both families.
# The Rust ones (family from KCRYPTO_FAMILY, else kcrypto's) run on kcrypto.
set -eu
repo=$(realpath "$(dirname "$0")/../..")
cbin=${KCRYPTO_OUT:-$repo/out}/samples
rbin=$repo/tools/target/release/examples
fails=0
check() { if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1 ($2 != $3)"; fails=$((fails + 1)); fi; }

for bin in "$cbin"/hash-file "$cbin"/aead-seal-open "$cbin"/cipher-driver "$cbin"/batch-hash \
	"$cbin"/batch-cipher \
	"$rbin"/hash-file "$rbin"/aead-seal-open "$rbin"/cipher-driver "$rbin"/uring-hash; do
	[ -x "$bin" ] || { echo "not ok - $bin is missing: run make -C samples and scripts/tools-build"; exit 1; }
done
for mod in algif_hash algif_aead algif_skcipher; do
	modprobe -d "$KCRYPTO_MODROOT" "$mod"
done
kcrypto=$(cat /sys/module/kcrypto/parameters/family)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Hash and HMAC of a file.
head -c 1234567 /dev/urandom >"$tmp/file"
want=$(sha256sum "$tmp/file")
want_hmac=$(python3 -c 'import hmac,sys; print(hmac.new(b"Jefe", open(sys.argv[1],"rb").read(), "sha256").hexdigest())' "$tmp/file")
for family in 38 "$kcrypto"; do
	check "C hash-file -f $family sha256 == sha256sum" "$("$cbin"/hash-file -f "$family" sha256 "$tmp/file")" "$want"
	check "C hash-file -f $family hmac(sha256) == Python hmac" \
		"$("$cbin"/hash-file -f "$family" -k 4a656665 'hmac(sha256)' "$tmp/file" | cut -d' ' -f1)" "$want_hmac"
done
check "Rust hash-file sha256 == sha256sum" "$("$rbin"/hash-file sha256 "$tmp/file")" "$want"
check "Rust hash-file hmac(sha256) == Python hmac" \
	"$("$rbin"/hash-file --key 4a656665 'hmac(sha256)' "$tmp/file" | cut -d' ' -f1)" "$want_hmac"
check "C hash-file defaults to kcrypto's family" "$("$cbin"/hash-file sha256 "$tmp/file")" "$want"

# Many small files, a batch of messages per system call (sendmmsg/recvmmsg in
# C, io_uring in Rust); batch sizes that leave a partial last batch.
mkdir "$tmp/many"
for i in $(seq 1 70); do head -c $((i * 37 % 3000)) /dev/urandom >"$tmp/many/$i"; done
files=$(seq -f "$tmp/many/%g" 1 70)
# shellcheck disable=SC2086 # one argument per file
want_many=$(sha256sum $files)
# shellcheck disable=SC2086
check "C batch-hash sha256 (sendmmsg/recvmmsg, batches of 16) == sha256sum" "$("$cbin"/batch-hash sha256 $files)" "$want_many"
# shellcheck disable=SC2086
check "C batch-hash -b 64 == sha256sum" "$("$cbin"/batch-hash -b 64 sha256 $files)" "$want_many"
# shellcheck disable=SC2086
check "C batch-hash -r -b 64 (record mode: one sendmsg, one recvmsg) == sha256sum" "$("$cbin"/batch-hash -r -b 64 sha256 $files)" "$want_many"
# shellcheck disable=SC2086
check "Rust uring-hash sha256 (io_uring, batches of 32) == sha256sum" "$("$rbin"/uring-hash sha256 $files)" "$want_many"
# shellcheck disable=SC2086
check "Rust uring-hash --batch 7 == sha256sum" "$("$rbin"/uring-hash --batch 7 sha256 $files)" "$want_many"
# shellcheck disable=SC2086
want_sha512=$(sha512sum $files)
# shellcheck disable=SC2086
check "C batch-hash sha512 == sha512sum" "$("$cbin"/batch-hash sha512 $files)" "$want_sha512"

# Many small messages with their own IVs, 64 per sendmsg (record mode), against
# Python's cryptography, both ways; batches that leave a partial last one.
python3 - "$tmp/records" <<'PY'
import os, sys
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
key = bytes(range(16))
with open(sys.argv[1] + ".in", "w") as i, open(sys.argv[1] + ".cbc", "w") as c, \
        open(sys.argv[1] + ".ctr", "w") as t:
    for n in range(150):
        iv, data = os.urandom(16), os.urandom(16 * (n % 9 + 1) + (n % 3) * 1000 // 16 * 16)
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        ctr = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
        i.write(f"{iv.hex()} {data.hex()}\n")
        c.write((enc.update(data) + enc.finalize()).hex() + "\n")
        t.write((ctr.update(data) + ctr.finalize()).hex() + "\n")
PY
key16=000102030405060708090a0b0c0d0e0f
check "C batch-cipher cbc(aes): 150 messages in record mode == cryptography" \
	"$("$cbin"/batch-cipher 'cbc(aes)' $key16 <"$tmp/records.in")" "$(cat "$tmp/records.cbc")"
check "C batch-cipher -b 7 ctr(aes) == cryptography" \
	"$("$cbin"/batch-cipher -b 7 'ctr(aes)' $key16 <"$tmp/records.in")" "$(cat "$tmp/records.ctr")"
cut -d' ' -f1 "$tmp/records.in" >"$tmp/records.ivs"
paste -d' ' "$tmp/records.ivs" "$tmp/records.cbc" >"$tmp/records.back"
check "C batch-cipher -d cbc(aes) gives the messages back" \
	"$("$cbin"/batch-cipher -d 'cbc(aes)' $key16 <"$tmp/records.back")" "$(cut -d' ' -f2 "$tmp/records.in")"

# AEAD seal/open against Python's cryptography (AESGCM, ChaCha20Poly1305).
head -c 5000 /dev/urandom >"$tmp/plain"
key32=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
iv=cafebabefacedbaddecaf888
reference() { # ALGORITHM HEXKEY: seal $tmp/plain with AAD "header"
	python3 - "$@" "$iv" "$tmp/plain" <<'PY'
import sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
alg, key, iv, path = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3]), sys.argv[4]
cls = AESGCM if alg == "gcm(aes)" else ChaCha20Poly1305
sys.stdout.write(cls(key).encrypt(iv, open(path, "rb").read(), b"header").hex())
PY
}
for spec in "gcm(aes) $key16" "rfc7539(chacha20,poly1305) $key32"; do
	alg=${spec% *} key=${spec#* }
	want=$(reference "$alg" "$key")
	# C on both families, Rust (the same library paths either way) on kcrypto.
	for who in "C 38" "C $kcrypto" "Rust $kcrypto"; do
		lang=${who% *} family=${who#* }
		if [ "$lang" = C ]; then
			seal=("$cbin"/aead-seal-open -f "$family" -A header)
			open=("$cbin"/aead-seal-open -f "$family" -A header -d)
			env=()
		else
			seal=("$rbin"/aead-seal-open --aad header)
			open=("$rbin"/aead-seal-open --aad header --open)
			env=(KCRYPTO_FAMILY="$family")
		fi
		name="$lang aead-seal-open (family $family) $alg"
		rm -f "$tmp/sealed" "$tmp/opened"
		env "${env[@]}" "${seal[@]}" "$alg" "$key" "$iv" <"$tmp/plain" >"$tmp/sealed" || true
		check "$name: seal == Python cryptography" "$(od -An -v -tx1 "$tmp/sealed" | tr -d ' \n')" "$want"
		env "${env[@]}" "${open[@]}" "$alg" "$key" "$iv" <"$tmp/sealed" >"$tmp/opened" || true
		check "$name: open gives the plaintext back" "$(cmp -s "$tmp/opened" "$tmp/plain" && echo same)" same
		# A changed byte of ciphertext (flipped bits: writing a fixed value left it as it
		# was when the byte already had that value, 1 in 256): status 1, no output.
		python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[100] ^= 0x55; open(sys.argv[1], "wb").write(b)' "$tmp/sealed"
		rc=0
		env "${env[@]}" "${open[@]}" "$alg" "$key" "$iv" <"$tmp/sealed" >"$tmp/opened" 2>/dev/null || rc=$?
		check "$name: a changed byte fails to open (status 1)" "$rc" 1
		check "$name: nothing released for a changed message" "$(stat -c %s "$tmp/opened")" 0
	done
done

# Choosing a driver: cbc(aes) against openssl; hardware only where the guest
# has the virtio-crypto device.
head -c 65536 /dev/urandom >"$tmp/blocks"
cbc_iv=000102030405060708090a0b0c0d0e0f
want=$(openssl enc -aes-128-cbc -nopad -K "$key16" -iv "$cbc_iv" -in "$tmp/blocks" | sha256sum)
hw=0
grep -qx 'driver       : virtio_crypto_aes_cbc' /proc/crypto && hw=1
for lang in C Rust; do
	if [ "$lang" = C ]; then run=("$cbin"/cipher-driver -c); else run=("$rbin"/cipher-driver --class); fi
	for class in any software hardware; do
		name="$lang cipher-driver $class cbc(aes)"
		rc=0
		"${run[@]}" "$class" 'cbc(aes)' "$key16" "$cbc_iv" <"$tmp/blocks" >"$tmp/out" 2>"$tmp/err" || rc=$?
		if [ "$class" = hardware ] && [ "$hw" = 0 ]; then
			check "$name: ENODEV without a hardware driver" "$rc:$(grep -c 'No such device' "$tmp/err")" 1:1
			continue
		fi
		check "$name: output == openssl enc" "$(sha256sum <"$tmp/out")" "$want"
		served=$(sed -n 's/^driver \([^ ]*\) .*/\1/p' "$tmp/err")
		case $class in
		hardware) check "$name: served by virtio_crypto_aes_cbc, reported as hardware" \
			"$served $(grep -o -w hardware "$tmp/err")" "virtio_crypto_aes_cbc hardware" ;;
		software) check "$name: served by CPU code, reported as software" \
			"$(grep -o -w software "$tmp/err")" software
			[ "$served" != virtio_crypto_aes_cbc ] || check "$name: not the virtio driver" "$served" "not virtio" ;;
		any) check "$name: names the driver" "$([ -n "$served" ] && echo yes)" yes ;;
		esac
	done
	if [ "$hw" = 1 ]; then
		name="$lang cipher-driver by driver name virtio_crypto_aes_cbc"
		"${run[@]}" any virtio_crypto_aes_cbc "$key16" "$cbc_iv" <"$tmp/blocks" >"$tmp/out" 2>"$tmp/err" || true
		check "$name: output == openssl enc" "$(sha256sum <"$tmp/out")" "$want"
		check "$name: served by it" "$(sed -n 's/^driver \([^ ]*\) .*/\1/p' "$tmp/err")" virtio_crypto_aes_cbc
		"${run[@]}" any virtio_crypto_aes_cbc "$key16" "$cbc_iv" <"$tmp/blocks" >"$tmp/ct" 2>/dev/null || true
		if [ "$lang" = C ]; then dec=("$cbin"/cipher-driver -d); else dec=("$rbin"/cipher-driver --decrypt); fi
		"${dec[@]}" virtio_crypto_aes_cbc "$key16" "$cbc_iv" <"$tmp/ct" >"$tmp/out" 2>/dev/null || true
		check "$name: decrypts back" "$(sha256sum <"$tmp/out")" "$(sha256sum <"$tmp/blocks")"
	fi
done
# On the kernel's AF_ALG the same program runs; it only cannot say which driver served.
"$cbin"/cipher-driver -f 38 'cbc(aes)' "$key16" "$cbc_iv" <"$tmp/blocks" >"$tmp/out" 2>"$tmp/err" || true
check "C cipher-driver on AF_ALG: output == openssl enc" "$(sha256sum <"$tmp/out")" "$want"
check "C cipher-driver on AF_ALG: driver not reported" "$(grep -c 'driver not reported' "$tmp/err")" 1
exit "$fails"
