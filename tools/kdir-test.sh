#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make check's test of "make KDIR=", run as a user runs it: from a copy of
# this clone as it is (without build/ and .git), on a hard-linked copy of
# the pristine 7.3 tree, out of tree (O=), with a distro-like .config of
# the user's own (DRM and amdgpu as modules, HSA_AMD=y, the display code
# off, and none of the memory options SVM needs):
#   1. make KDIR= patches the tree and builds amdgpu.ko; the options SVM
#      needs are listed as turned on, the user's own choices kept;
#   2. again: "patches already applied", no file of the tree changed, no
#      object rebuilt;
#   3. after touching one source: that object alone is compiled again;
#   4. on a tree holding an older version of patches/0001 (no stamp):
#      make KDIR= stops with an error naming the uAPI header and leaves the
#      tree unchanged;
#   5. the same older series applied with its stamp, as an older clone
#      would: "make KDIR= tree" replaces it, changing just that header;
#   6. "make KDIR= unpatch" gives back the pristine tree.
# Everything is under build/kdir-test/; at the end no file of the pristine
# tree may have changed.  The full amdgpu.ko build of step 1 is most of the
# time; a pass is recorded with the sha1 of what the test exercises (the
# patches, tools/, Makefile, Kconfig), and a run with the same inputs
# is skipped.  Prints nothing on stdout; exits non-zero on a failure.

. "$(dirname "$0")/common.sh"

unset KDIR O BUILD
dir=$TOP/build/kdir-test
pristine=$(cat "$CACHE/pristine")
[ -f "$pristine/Makefile" ] || die "no pristine tree (run make first)"

inputs() {
	(cd "$TOP" && cat patches/*.patch tools/*.sh tools/module.config \
		Makefile Kconfig) | sha1sum | cut -c1-40
	echo "$pristine"
}
id=$(inputs)
if [ -f "$dir/passed" ] && [ "$(cat "$dir/passed")" = "$id" ]; then
	say "make KDIR= test: passed before with the same inputs ($dir/passed)"
	exit 0
fi

failed=0
check() {
	local what=$1
	shift
	if "$@"; then
		say "ok: $what"
	else
		printf 'FAIL: make KDIR=: %s\n' "$what" >&2
		failed=1
	fi
}

# Run "make $@" in the copy of the clone as a user would (not as a sub-make
# of make check), output in $dir/$log.
user_make() {
	local log=$dir/$1
	shift
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS JOBS="$JOBS" \
		make -C "$clone" "$@" > "$log" 2>&1
}

# The same, stopping the test with the end of the log if make fails.
user_make_or_die() {
	local log=$1 what=$2
	shift 2
	user_make "$log" "$@" && return 0
	tail -n 20 "$dir/$log" >&2
	die "$what failed (see $dir/$log)"
}

# Every file of tree $1 with its inode, size and mtime: equal listings,
# unchanged tree.
snapshot() {
	(cd "$1" && find . -printf '%p %y %i %s %T@\n' | sort)
}

# The objects in $out newer than file $1 (the link of amdgpu.o itself and
# the modpost objects aside).
newer_objects() {
	(cd "$out" && find . -name '*.o' -newer "$1" ! -name amdgpu.o \
		! -name '*.mod.o' | sed 's|^\./||' | sort)
}

say "make KDIR= test in $dir"
rm -rf "$dir"
mkdir -p "$dir/clone"
clone=$dir/clone tree=$dir/linux out=$dir/out
tar -C "$TOP" --exclude=./build --exclude=./.git -cf - . | tar -C "$clone" -xf -
cp -al "$pristine" "$tree"
touch "$dir/start"
sleep 1

# The user's .config, made before the tree was patched.
mkdir -p "$out"
cat > "$dir/user.config" <<'EOF'
CONFIG_DRM=m
CONFIG_DRM_AMDGPU=m
CONFIG_HSA_AMD=y
CONFIG_HSA_AMD_SVM=y
# CONFIG_DRM_AMD_DC is not set
EOF
make -C "$tree" O="$out" -s defconfig > /dev/null
(cd "$out" && "$tree"/scripts/kconfig/merge_config.sh -m -O "$out" .config \
	"$dir/user.config" > /dev/null)
make -C "$tree" O="$out" -s olddefconfig > /dev/null
cp "$out/.config" "$dir/user.config.full"

# 1. The first run: patches, configures, builds.
t0=$SECONDS
user_make_or_die run1.log "the first make KDIR= (a fresh 7.3 tree)" KDIR="$tree" O="$out"
say "first make KDIR=: $((SECONDS - t0)) s"
n=$(find "$clone/patches" -name '*.patch' | wc -l)
check "first run applies the $n patches" grep -q "^==> applied $n patches" "$dir/run1.log"
check "the stamp names each patch" \
	test "$(grep -vcs '^#' "$tree/.amdgpu-svm-patches")" = "$n"
check "the options SVM needs are listed as turned on" \
	grep -q 'turned on.*' "$dir/run1.log"
check "CONFIG_ZONE_DEVICE among them" grep -q '^    .*CONFIG_ZONE_DEVICE=y' "$dir/run1.log"
check "the user's CONFIG_DRM=m is kept" grep -qx 'CONFIG_DRM=m' "$out/.config"
check "the user's CONFIG_HSA_AMD=y is kept" grep -qx 'CONFIG_HSA_AMD=y' "$out/.config"
check "the user's .config is saved" cmp -s "$dir/user.config.full" "$out/.config.amdgpu-svm.orig"
check "amdgpu.ko is built" test -f "$out/$AMDGPU_DIR/amdgpu.ko"

# 2. Again: nothing applied, nothing changed, nothing rebuilt.
before=$(snapshot "$tree")
touch "$dir/run2.start"
sleep 1
t0=$SECONDS
user_make_or_die run2.log "the second make KDIR=" KDIR="$tree" O="$out"
say "second make KDIR=: $((SECONDS - t0)) s"
check "second run: patches already applied" \
	grep -q '^==> patches already applied' "$dir/run2.log"
check "second run: .config left alone" bash -c "! grep -q 'turned on' '$dir/run2.log'"
check "second run: no file of the tree changed" test "$before" = "$(snapshot "$tree")"
rebuilt=$(newer_objects "$dir/run2.start")
check "second run: no object rebuilt (${rebuilt:-none})" test -z "$rebuilt"

# 3. After touching one source: that object alone.
src=amdgpu_svm_attr.c
if [ ! -f "$clone/$src" ]; then
	srcs=("$clone"/amdgpu_*.c)
	src=${srcs[0]##*/}
fi
touch "$dir/run3.start"
sleep 1
touch "$clone/$src"
t0=$SECONDS
user_make_or_die run3.log "the third make KDIR=" KDIR="$tree" O="$out"
say "third make KDIR= (one source touched): $((SECONDS - t0)) s"
rebuilt=$(newer_objects "$dir/run3.start")
check "third run: only ${src%.c}.o rebuilt ($(echo "$rebuilt" | tr '\n' ' '))" \
	test "$rebuilt" = "$AMDGPU_DIR/${src%.c}.o"

# 4. A tree with an older version of patches/0001 applied and no stamp.
old=$dir/old-clone
mkdir -p "$old"
tar -C "$clone" -cf - . | tar -C "$old" -xf -
sed -i 's/^\(+#define DRM_AMDGPU_GEM_SVM[[:space:]]*\)0x1B$/\10x1C/' "$old"/patches/0001-*.patch
check "the older 0001 differs" bash -c "! cmp -s '$old'/patches/0001-*.patch '$clone'/patches/0001-*.patch"
tree4=$dir/linux-old
cp -al "$pristine" "$tree4"
for p in "$old"/patches/*.patch; do
	patch -d "$tree4" -p1 -s -f --no-backup-if-mismatch < "$p" > /dev/null
done
before=$(snapshot "$tree4")
if user_make run4.log KDIR="$tree4" O="$dir/out-old"; then
	check "make KDIR= fails on a tree with an older 0001" false
fi
check "the error names the uAPI header and the ioctl" grep -q \
	'include/uapi/drm/amdgpu_drm.h already has a different DRM_AMDGPU_GEM_SVM' "$dir/run4.log"
check "no patch reject shown" bash -c "! grep -qi 'hunk\|\.rej' '$dir/run4.log'"
check "the tree with the older 0001 is left unchanged" test "$before" = "$(snapshot "$tree4")"

# 5. The same older series with its stamp: replaced by the current one.
clone=$old user_make_or_die run5a.log "make KDIR= tree from the older clone" \
	KDIR="$tree4" tree
check "the older clone records the series it finds applied" \
	grep -q 'patches already applied.*recorded' "$dir/run5a.log"
before=$(snapshot "$tree4")
user_make_or_die run5b.log "make KDIR= tree after the older clone" KDIR="$tree4" tree
check "patches/ changed: the old series is replaced" \
	grep -q 'replacing the old series' "$dir/run5b.log"
changed=$(diff <(echo "$before") <(snapshot "$tree4") |
	sed -n 's|^> \./\([^ ]*\) f .*|\1|p' | grep -v '^\.amdgpu-svm-patches' || true)
check "only the uAPI header changed (${changed//$'\n'/ })" \
	test "$changed" = include/uapi/drm/amdgpu_drm.h
check "the header is the current one" cmp -s "$tree4/include/uapi/drm/amdgpu_drm.h" \
	"$tree/include/uapi/drm/amdgpu_drm.h"

# 6. unpatch: the pristine tree again.
user_make_or_die run6.log "make KDIR= unpatch" KDIR="$tree4" unpatch
check "unpatch gives back the pristine tree" diff -r "$pristine" "$tree4" >&2

check "no file of the pristine tree was written" \
	test -z "$(find "$pristine" -newer "$dir/start" -print -quit)"

[ "$failed" -eq 0 ] || die "make KDIR= test failed (logs in $dir)"
rm -rf "$tree" "$tree4" "$out" "$dir/out-old" "$clone" "$old"
echo "$id" > "$dir/passed"
say "make KDIR= test passed"
