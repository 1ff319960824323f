#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The samples (built on the host by `make -C samples`) on AF_ALG and on kcrypto:
# samples/c/hash-file.c is an AF_ALG program that takes the family number at
# runtime; the same binary must give the same answers on both families.
set -eu
repo=$(realpath "$(dirname "$0")/../..")
bin=${KCRYPTO_OUT:-$repo/out}/samples/hash-file
fails=0
check() { if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1 ($2 != $3)"; fails=$((fails + 1)); fi; }

[ -x "$bin" ] || { echo "not ok - $bin is missing: run make -C samples"; exit 1; }
modprobe -d "$KCRYPTO_MODROOT" algif_hash
file=$(mktemp)
head -c 1234567 /dev/urandom >"$file"
want=$(sha256sum "$file")
want_hmac=$(python3 -c 'import hmac,sys; print(hmac.new(b"Jefe", open(sys.argv[1],"rb").read(), "sha256").hexdigest())' "$file")
for family in 38 "$(cat /sys/module/kcrypto/parameters/family)"; do
	check "hash-file -f $family sha256 == sha256sum" "$("$bin" -f "$family" sha256 "$file")" "$want"
	check "hash-file -f $family hmac(sha256) == Python hmac" \
		"$("$bin" -f "$family" -k 4a656665 'hmac(sha256)' "$file" | cut -d' ' -f1)" "$want_hmac"
done
check "hash-file defaults to kcrypto's family" "$("$bin" sha256 "$file")" "$want"
rm -f "$file"
exit "$fails"
