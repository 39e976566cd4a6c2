#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The main job: build amdgpu.ko with CONFIG_DRM_AMDGPU_SVM=y.
#
# Without KDIR: this clone's Linux 7.3 tree, configured from x86_64
# defconfig plus tools/module.config and tools/kfd.config (KFD built in,
# as in ROCm kernels) into build/module.  With KDIR=/path:
# the user's tree, keeping its .config (made from defconfig if it has none)
# with the options SVM needs and lacks switched on (and listed), built in
# place (or in O= if given).  Re-running rebuilds only what changed.

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

# Merge the config fragment $1 into $out/.config.
merge_config() {
	(cd "$out" && "$tree"/scripts/kconfig/merge_config.sh -m -O "$out" \
		.config "$1" >/dev/null)
	kmake -s olddefconfig >&2
}

# The "CONFIG_X=y|m" lines of tools/module.config: what SVM needs.  (Its
# "is not set" lines only make the build smaller: the display code.)
needed_options() {
	grep -E '^CONFIG_[A-Z0-9_]+=[ym]$' "$TOP/tools/module.config"
}

# The needed options that .config $1 does not meet.  =y is met by =m too
# (DRM as a module serves amdgpu.ko as well), =m only by =m (amdgpu must
# be a module to give amdgpu.ko).
unmet_options() {
	local opt val have
	while IFS='=' read -r opt val; do
		have=$(sed -n "s/^$opt=//p" "$1")
		case $val/$have in
		y/y | y/m | m/m) ;;
		*) echo "$opt=$val" ;;
		esac
	done < <(needed_options)
}

# The options whose value differs from .config $1 to .config $2, one
# "CONFIG_X: old -> new" a line ("n": not set).
config_changes() {
	awk '
		function parse(line) {
			name = ""
			if (line ~ /^CONFIG_[A-Za-z0-9_]+=/) {
				name = substr(line, 1, index(line, "=") - 1)
				val = substr(line, index(line, "=") + 1)
			} else if (line ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) {
				split(line, w, " ")
				name = w[2]
				val = "n"
			}
		}
		FNR == NR { parse($0); if (name != "") old[name] = val; next }
		{ parse($0); if (name != "") new[name] = val }
		END {
			for (n in new) {
				o = (n in old) ? old[n] : "n"
				if (o != new[n]) print n ": " o " -> " new[n]
			}
			for (n in old)
				if (!(n in new) && old[n] != "n") print n ": " old[n] " -> n"
		}' "$1" "$2" | sort
}

# KDIR: the user's .config is theirs.  Only the options SVM needs and it
# lacks are switched on (the display code, say, stays as it is), the
# options that changed are listed, and the .config as it was is kept once
# as .config.amdgpu-svm.orig.  A .config that already meets them is not
# touched, so a re-run rebuilds nothing.  With no .config: x86_64
# defconfig plus all of tools/module.config, as for this clone's tree.
configure_kdir() {
	local cfg=$out/.config unmet before frag changes
	if [ ! -f "$cfg" ]; then
		say "no $cfg: making it from x86_64 defconfig and tools/module.config"
		kmake -s defconfig >&2
		merge_config "$TOP/tools/module.config"
		return 0
	fi
	unmet=$(unmet_options "$cfg")
	[ -n "$unmet" ] || return 0
	before=$(mktemp)
	frag=$(mktemp)
	cp "$cfg" "$before"
	printf '%s\n' "$unmet" > "$frag"
	[ -f "$cfg.amdgpu-svm.orig" ] || cp -p "$cfg" "$cfg.amdgpu-svm.orig"
	merge_config "$frag"
	changes=$(config_changes "$before" "$cfg" | grep -v -F -f <(sed 's/=.*/:/' "$frag") || true)
	rm -f "$before" "$frag"
	say "$cfg lacked what SVM needs; turned on" \
		"(the .config before is $cfg.amdgpu-svm.orig):"
	echo "    $(echo "$unmet" | tr '\n' ' ')" >&2
	if [ -n "$changes" ]; then
		say "and changed by kconfig as a result:"
		printf '%s\n' "$changes" | sed 's/^/    /' >&2
	fi
	unmet=$(unmet_options "$cfg")
	[ -z "$unmet" ] || die "kconfig did not keep $(echo "$unmet" | tr '\n' ' ')in" \
		"$cfg: their dependencies are off there (look them up in make menuconfig)"
}

if [ -n "${KDIR:-}" ]; then
	configure_kdir
# This clone's tree: configure once; afterwards only when the fragment is
# newer than .config.
elif [ ! -f "$out/.config" ] || [ "$TOP/tools/module.config" -nt "$out/.config" ] ||
	[ "$TOP/tools/kfd.config" -nt "$out/.config" ]; then
	say "configuring $out"
	[ -f "$out/.config" ] || kmake -s defconfig >&2
	merge_config "$TOP/tools/module.config"
	merge_config "$TOP/tools/kfd.config"
	touch "$out/.config"
fi

# Make sure kconfig did not drop an option whose dependencies are missing.
opts="DRM_AMDGPU DRM_AMDGPU_SVM DRM_GPUSVM ZONE_DEVICE DEVICE_PRIVATE"
[ -n "${KDIR:-}" ] || opts+=" HSA_AMD HSA_AMD_SVM HSA_AMD_P2P"
for opt in $opts; do
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
