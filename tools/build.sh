#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The main job: build amdgpu.ko with CONFIG_DRM_AMDGPU_SVM=y.
#
# Without KDIR: this clone's Linux 7.3 tree, configured from x86_64
# defconfig plus tools/module.config into build/module.  With KDIR=/path:
# the user's tree, keeping its .config (made from defconfig if it has none)
# with the SVM options switched on, built in place (or in O= if given).
# Re-running rebuilds only what changed.

. "$(dirname "$0")/common.sh"

tree=$("$TOP"/tools/setup.sh)
out=$(module_out)
mkdir -p "$out"

kmake() {
	if [ "$out" = "$tree" ]; then
		make -C "$tree" -j"$JOBS" "$@"
	else
		make -C "$tree" O="$out" -j"$JOBS" "$@"
	fi
}

# Configure once; afterwards only when the fragment is newer than .config.
if [ ! -f "$out/.config" ] || [ "$TOP/tools/module.config" -nt "$out/.config" ]; then
	say "configuring $out"
	[ -f "$out/.config" ] || kmake -s defconfig >&2
	(cd "$out" && "$tree"/scripts/kconfig/merge_config.sh -m -O "$out" \
		.config "$TOP/tools/module.config" >/dev/null)
	kmake -s olddefconfig >&2
	touch "$out/.config"
fi

# Make sure kconfig did not drop an option whose dependencies are missing.
for opt in DRM_AMDGPU DRM_AMDGPU_SVM DRM_GPUSVM ZONE_DEVICE DEVICE_PRIVATE; do
	grep -Eq "^CONFIG_$opt=(y|m)" "$out/.config" ||
		die "CONFIG_$opt is not set in $out/.config (missing dependency?)"
done
grep -q '^CONFIG_DRM_AMDGPU=m' "$out/.config" ||
	die "CONFIG_DRM_AMDGPU must be a module (=m) for amdgpu.ko"

say "building $AMDGPU_DIR/amdgpu.ko in $out"
kmake -s modules_prepare >&2
# Building the .ko alone skips vmlinux; modpost then cannot see the
# symbols of the rest of the kernel, so let it warn instead of failing.
set +e
kmake -s KBUILD_MODPOST_WARN=1 "$AMDGPU_DIR/amdgpu.ko" 2>&1 |
	grep --line-buffered -v -e 'WARNING: modpost: .*undefined!' \
		-e 'WARNING: modpost: suppressed .* unresolved symbol' \
		-e 'WARNING: vmlinux.o is missing' -e '^         ' >&2
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || die "the amdgpu.ko build failed"
say "(modpost ran without vmlinux: symbols of the rest of the kernel are not checked)"
ko=$out/$AMDGPU_DIR/amdgpu.ko
[ -f "$ko" ] || die "amdgpu.ko was not built"
say "built: $ko"
echo "$ko"
