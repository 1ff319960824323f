# SPDX-License-Identifier: GPL-2.0
# Shared helpers for kcrypto's scripts. Source it; do not run it.
#
# Environment overrides (all optional):
#   KCRYPTO_CACHE  where kernel sources and builds are cached  (~/.cache/kcrypto)
#   KCRYPTO_OUT    where logs and run artefacts go               (<repo>/out)
#   KDIR           build the module against this kernel tree instead

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KCRYPTO_CACHE=${KCRYPTO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcrypto}
KCRYPTO_OUT=${KCRYPTO_OUT:-$REPO/out}
export PATH="$HOME/.cargo/bin:$PATH"

# The Debian package that provides the kernel source tarball.
KSRC_PKG=linux-source-6.12
KSRC_TARBALL=/usr/src/$KSRC_PKG.tar.xz
# Bump when scripts/kernel-build changes what it builds: it is part of the
# kernel cache key, like the fragments and the toolchain versions.
KERNEL_RECIPE=1
# Pinned userspace tools (scripts/setup installs exactly this bindgen).
BINDGEN_VERSION=0.72.1

msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { msg "error: $*"; exit 1; }

# Print the version of the installed kernel source package.
ksrc_version() {
	dpkg-query -W -f='${Version}' "$KSRC_PKG" 2>/dev/null ||
		die "$KSRC_PKG is not installed (run scripts/setup)"
}

# Extract the kernel sources once per package version; print the tree.
ksrc_tree() {
	local ver dir
	ver=$(ksrc_version)
	dir=$KCRYPTO_CACHE/src/$KSRC_PKG-$ver
	if [ ! -f "$dir/.kcrypto-extracted" ]; then
		msg "extracting $KSRC_TARBALL into $dir"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -xJf "$KSRC_TARBALL" -C "$dir.tmp" --strip-components=1
		touch "$dir.tmp/.kcrypto-extracted"
		mv "$dir.tmp" "$dir"
	fi
	printf '%s\n' "$dir"
}

# The cache key of a kernel flavour: source version, recipe, fragments, toolchain.
kernel_key() {
	local flavor=$1
	{
		echo "src $(ksrc_version)"
		echo "recipe $KERNEL_RECIPE"
		cat "$REPO/configs/base.config" "$REPO/configs/$flavor.config"
		rustc --version
		bindgen --version
		clang --version | head -n1
		ld.lld --version | head -n1
	} | sha256sum | cut -c1-16
}

# The output directory of a kernel flavour (it may not be built yet).
kernel_dir() {
	local flavor=$1
	[ -f "$REPO/configs/$flavor.config" ] || die "unknown kernel flavour '$flavor' (see configs/)"
	printf '%s\n' "$KCRYPTO_CACHE/kernels/$flavor-$(kernel_key "$flavor")"
}

# check_config CONFIG FRAGMENT...: die unless CONFIG has every option the
# fragments set (a later fragment overrides an earlier one). merge_config only
# warns when Kconfig drops an option; a missing dependency (say, Rust not
# available) must not silently change the kernel.
check_config() {
	local config=$1 line opt bad=0
	shift
	while IFS= read -r line; do
		opt=${line%%=*}
		case $line in
		CONFIG_*=n) grep -qx "$opt=[ym]" "$config" && { msg "config: $opt is set, wanted off"; bad=1; } ;;
		CONFIG_*=*) grep -qxF "$line" "$config" || {
			msg "config: wanted '$line', got '$(grep -E "^(# )?$opt[= ]" "$config" || echo unset)'"; bad=1; } ;;
		esac
	done < <(grep -h '^CONFIG_' "$@" | awk -F= '{ last[$1] = $0; order[NR] = $1 } END { for (i = 1; i <= NR; i++) if (!seen[order[i]]++) print last[order[i]] }')
	[ "$bad" = 0 ] || die "the configuration fragments do not apply to this tree"
}
