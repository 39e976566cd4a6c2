#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Make a kernel tree ready for the project:
#   1. install the host packages a kernel build and the QEMU tests need;
#   2. fetch Debian's linux-source-7.3 into the cache (once per machine),
#      through a private apt configuration: the host's apt setup is only
#      read, never changed;
#   3. give this clone its own copy of the tree (hard links, seconds), apply
#      the project's patches to upstream files and link the project's
#      sources into drivers/gpu/drm/amd/amdgpu/.
# With KDIR=/path the user's tree gets steps 3's patches and links instead.
#
# Prints the tree's path on stdout.

. "$(dirname "$0")/common.sh"

HOST_PACKAGES="bc bison flex libelf-dev libssl-dev qemu-system-x86 sparse cpio
python3 xz-utils patch make gcc"

# The Debian mirror the host already uses (deb822 or one-line format).
host_mirror() {
	local uri
	uri=$(awk '
		/^URIs:/   { uri = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++)
				if ($i !~ /-security$/ && uri ~ /debian\/?$/) { print uri; exit } }
	' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $3 !~ /-security$/ && $2 ~ /debian\/?$/ { print $2; exit }' \
			/etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no Debian mirror found in the host's apt sources"
	echo "$uri"
}

# Download and unpack the kernel source once; print the pristine tree's path.
fetch_tree() {
	local stamp=$CACHE/pristine
	if [ -f "$stamp" ] && [ -f "$(cat "$stamp")/Makefile" ]; then
		cat "$stamp"
		return 0
	fi

	local apt=$CACHE/apt
	mkdir -p "$apt/lists/partial" "$apt/archives/partial"
	echo "deb $(host_mirror) $KERNEL_SUITE main" > "$apt/sources.list"
	local opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
		    -o Dir::Etc::SourceParts=/dev/null
		    -o "Dir::State::Lists=$apt/lists"
		    -o "Dir::Cache::Archives=$apt/archives"
		    -o APT::Sandbox::User=root)
	say "fetching $KERNEL_PKG from $KERNEL_SUITE into $CACHE"
	apt-get "${opts[@]}" -qq update >&2
	local ver
	ver=$(apt-cache "${opts[@]}" show "$KERNEL_PKG" | awk '/^Version:/ { print $2; exit }')
	[ -n "$ver" ] || die "$KERNEL_PKG not found in $KERNEL_SUITE"
	(cd "$apt" && apt-get "${opts[@]}" -qq download "$KERNEL_PKG" >&2)

	local deb tmp dest
	deb=$(ls "$apt"/"${KERNEL_PKG}"_*.deb | head -n 1)
	dest=$CACHE/linux-${ver%%-*}
	tmp=$(mktemp -d "$CACHE/unpack.XXXXXX")
	say "unpacking $(basename "$deb")"
	dpkg-deb -x "$deb" "$tmp/deb"
	tar -xf "$tmp"/deb/usr/src/"$KERNEL_PKG".tar.xz -C "$tmp"
	rm -rf "$dest"
	mv "$tmp/$KERNEL_PKG" "$dest"
	rm -rf "$tmp" "$deb"
	echo "$dest" > "$stamp"
	echo "$dest"
}

# Link every project file into the tree, so that editing one in the clone
# rebuilds just that object.  The tree's copy of the top-level Makefile and
# Kconfig are named Makefile.svm and Kconfig.svm, and pulled in by
# patches/0002.
link_sources() {
	local tree=$1 dst=$1/$AMDGPU_DIR f
	for f in $(cd "$TOP" && ls amdgpu_*.[ch] 2>/dev/null); do
		ln -sfn "$TOP/$f" "$dst/$f"
	done
	ln -sfn "$TOP/Makefile" "$dst/Makefile.svm"
	ln -sfn "$TOP/Kconfig" "$dst/Kconfig.svm"
	# The tests get a real directory, so that "../amdgpu.h" in them
	# resolves inside the tree, not the clone.
	[ -L "$dst/kunit" ] && rm -f "$dst/kunit"
	mkdir -p "$dst/kunit"
	for f in $(cd "$TOP" && ls kunit/*.[ch] 2>/dev/null); do
		ln -sfn "$TOP/$f" "$dst/$f"
	done
	# Drop links left behind by files the project no longer has.
	for f in "$dst"/amdgpu_svm*.[ch] "$dst"/amdgpu_migrate*.[ch] "$dst"/kunit/*.[ch]; do
		[ -L "$f" ] && [ ! -e "$f" ] && rm -f "$f"
	done
	# The documentation chapter: Documentation/*.rst of the clone are
	# Documentation/gpu/amdgpu/svm/ of the tree (patches/0006 adds it to
	# the amdgpu book).
	local doc=$tree/Documentation/gpu/amdgpu/svm
	mkdir -p "$doc"
	for f in "$TOP"/Documentation/*.rst; do
		[ -f "$f" ] && ln -sfn "$f" "$doc/${f##*/}"
	done
	for f in "$doc"/*.rst; do
		[ -L "$f" ] && [ ! -e "$f" ] && rm -f "$f"
	done
	return 0
}

patches_id() {
	cat "$TOP"/patches/*.patch | sha1sum | cut -c1-12
}

# Apply the project's patches to a tree that may already have them (KDIR).
apply_patches_idempotent() {
	local tree=$1 p
	for p in "$TOP"/patches/*.patch; do
		if patch -d "$tree" -p1 -R --dry-run -s -f < "$p" >/dev/null 2>&1; then
			continue
		fi
		patch -d "$tree" -p1 -s -f --no-backup-if-mismatch < "$p" ||
			die "$(basename "$p") does not apply to $tree"
	done
}

# This clone's tree: a hard-linked copy of the pristine tree with the
# patches applied.  patch(1) writes a new file for each one it changes, so
# the pristine tree is never modified.  Rebuilt only when the patches change.
prepare_clone_tree() {
	local pristine=$1 tree=$BUILD/linux id
	id="$(basename "$pristine") $(patches_id)"
	if [ -f "$tree/.amdgpu-svm" ] && [ "$(cat "$tree/.amdgpu-svm")" = "$id" ]; then
		return 0
	fi
	say "preparing $tree"
	rm -rf "$tree.tmp"
	mkdir -p "$BUILD"
	cp -al "$pristine" "$tree.tmp"
	local p
	for p in "$TOP"/patches/*.patch; do
		patch -d "$tree.tmp" -p1 -s -f --no-backup-if-mismatch < "$p" ||
			die "$(basename "$p") does not apply"
	done
	# A file whose patched content did not change keeps its old timestamp,
	# so that editing one patch does not rebuild everything.
	if [ -d "$tree" ]; then
		local f
		for f in $(sed -n 's|^+++ b/||p' "$TOP"/patches/*.patch | sort -u); do
			cmp -s "$tree/$f" "$tree.tmp/$f" && touch -r "$tree/$f" "$tree.tmp/$f"
		done
	fi
	echo "$id" > "$tree.tmp/.amdgpu-svm"
	rm -rf "$tree"
	mv "$tree.tmp" "$tree"
}

main() {
	# shellcheck disable=SC2086 # a list of names
	install_packages $HOST_PACKAGES
	local tree
	if [ -n "${KDIR:-}" ]; then
		tree=$(tree_dir)
		[ -f "$tree/$AMDGPU_DIR/amdgpu_drv.c" ] || die "KDIR=$KDIR has no amdgpu"
		apply_patches_idempotent "$tree"
	else
		prepare_clone_tree "$(fetch_tree)"
		tree=$BUILD/linux
	fi
	link_sources "$tree"
	echo "$tree"
}

main "$@"
