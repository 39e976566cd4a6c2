#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Print the path of a sparse that the kernel tree accepts.
#
# Linux 7.3 needs a sparse that knows __typeof_unqual__ (its
# scripts/checker-valid.sh tests for it); Debian 12 ships 0.6.4, which does
# not, and kbuild then skips sparse silently.  In that case build the
# sparse source package of Debian unstable (fetched through a private apt
# configuration, like the kernel) once into the cache.
#
# Usage: tools/sparse.sh TREE

. "$(dirname "$0")/common.sh"

tree=$1
valid() {
	[ "$(sh "$tree/scripts/checker-valid.sh" "$1" -m64 --arch=x86_64 2>/dev/null)" = 1 ]
}

if command -v sparse >/dev/null && valid sparse; then
	command -v sparse
	exit 0
fi

dest=$CACHE/sparse
if [ -x "$dest/sparse" ] && valid "$dest/sparse"; then
	echo "$dest/sparse"
	exit 0
fi

apt=$CACHE/apt-src
mkdir -p "$apt/lists/partial" "$apt/src"
mirror=$(awk '$1 == "deb" { print $2; exit }' "$CACHE/apt/sources.list" 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
echo "deb-src $mirror sid main" > "$apt/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$apt/lists" -o APT::Sandbox::User=root)
say "building sparse from Debian unstable's source into $dest"
apt-get "${opts[@]}" -qq update >&2
rm -rf "$apt/src" && mkdir -p "$apt/src"
(cd "$apt/src" && apt-get "${opts[@]}" -qq --download-only source sparse >&2)
tar -xf "$apt"/src/sparse_*.orig.tar.* -C "$apt/src"
srcdir=$(find "$apt/src" -mindepth 1 -maxdepth 1 -type d -name 'sparse*' | head -n 1)
make -C "$srcdir" -s -j"$JOBS" sparse HAVE_LLVM=no HAVE_GTK=no HAVE_LIBXML=no \
	HAVE_SQLITE=no > "$apt/build.log" 2>&1 || { cat "$apt/build.log" >&2; die "sparse build failed"; }
mkdir -p "$dest"
cp "$srcdir/sparse" "$dest/sparse"
valid "$dest/sparse" || die "the sparse built from source is not accepted by $tree"
echo "$dest/sparse"
