# SPDX-License-Identifier: MIT
#
# Shared settings and helpers for the project's build and check scripts.
# Sourced, never run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The kernel this project targets, as Debian ships it.
KERNEL_PKG=linux-source-7.3
KERNEL_SUITE=trixie-backports

# Downloads and the pristine tree live outside the clone and are reused by
# every clone on this machine.
CACHE=${AMDGPU_SVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/amdgpu-svm}

# Everything generated for this clone lives under build/.
BUILD=${BUILD:-$TOP/build}

# Where the project's files sit inside a kernel tree.
AMDGPU_DIR=drivers/gpu/drm/amd/amdgpu

JOBS=${JOBS:-$(nproc)}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The kernel tree the build uses: the user's KDIR, or this clone's copy.
tree_dir() {
	if [ -n "${KDIR:-}" ]; then
		(cd "$KDIR" && pwd)
	else
		echo "$BUILD/linux"
	fi
}

# Output directory for the amdgpu.ko build.  With KDIR and no O= the
# user's tree is built in place.
module_out() {
	if [ -n "${KDIR:-}" ]; then
		echo "${O:-$(tree_dir)}"
	else
		echo "$BUILD/module"
	fi
}

# Every C source and header of the project, relative to $TOP.
project_c_files() {
	(cd "$TOP" && ls amdgpu_*.c amdgpu_*.h kunit/*.c kunit/*.h 2>/dev/null)
}

# Install the Debian packages of "$@" that are missing, with apt (and sudo
# when not root).  A first argument of --no-install-recommends is passed on.
install_packages() {
	local opts=() missing=() p
	if [ "${1:-}" = --no-install-recommends ]; then
		opts+=("$1")
		shift
	fi
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing packages: ${missing[*]}"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${opts[@]}" \
		"${missing[@]}" >&2
}
