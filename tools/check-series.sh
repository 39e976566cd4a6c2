#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make check-series: write the series (tools/patches.sh), then apply it
# patch by patch to a fresh copy of the pristine tree and, after each
# patch, compile with W=1 every object it touches: its own .c files, the
# upstream .c files it changes, and every object of an earlier patch one
# of whose inputs (a header, a configuration symbol) it changes; a patch
# with only an upstream header (the uAPI) gets amdgpu_drv.o.  All are built
# in one persistent output directory, and an object already built clean
# from exactly the same inputs (kbuild's dependency lists say which) is
# not built again.  Any warning or error fails the patch.
#
# A patch must also not use a symbol another object of the project
# defines only in a later patch: amdgpu.ko would not link there.  The
# symbols are compared with nm after the last patch.
#
# Prints one OK/FAIL line per patch and the total time.

. "$(dirname "$0")/common.sh"

TREE=$BUILD/series-tree
OUT=$BUILD/series-obj
STATE=$BUILD/series-state
# Objects once compiled clean, by the hash of everything they were built
# from: a re-run builds only what changed.
MEMO=$BUILD/series-cache/objects
SERIES_CONFIG=$TOP/tools/series/series.config

start=$(date +%s)
failed=0

kmake() {
	nice -n 10 make -C "$TREE" O="$OUT" -j"$JOBS" "$@"
}

# Configured like build/module (x86_64 defconfig + tools/module.config),
# with the KUnit options of tools/series/series.config.  Run again after a
# patch that changes a Kconfig file, so the new symbols are switched on.
configure() {
	[ -f "$OUT/.config" ] || kmake -s defconfig >&2
	(cd "$OUT" && "$TREE"/scripts/kconfig/merge_config.sh -m -O "$OUT" \
		.config "$TOP/tools/module.config" "$SERIES_CONFIG" >/dev/null)
	kmake -s olddefconfig >&2
	# A symbol the tree now has must not be dropped by a missing dependency.
	local line sym
	while read -r line; do
		case $line in CONFIG_*=[ym]) ;; *) continue ;; esac
		sym=${line%%=*}
		grep -rqx --include='Kconfig*' "config ${sym#CONFIG_}" "$TREE/$AMDGPU_DIR" || continue
		grep -qx "$line" "$OUT/.config" ||
			die "$line is not set in $OUT/.config (missing dependency?)"
	done < <(cat "$TOP/tools/module.config" "$SERIES_CONFIG")
}

# What an object was built from, from its kbuild .cmd file: its command
# line, its .c, every header it included and the configuration symbols
# those test.
object_inputs() {
	local cmd
	cmd=$(dirname "$OUT/$1")/.$(basename "$1").cmd
	[ -f "$cmd" ] || return 0
	grep '^savedcmd_' "$cmd"
	sed -n 's/^source_[^ ]* := //p' "$cmd"
	sed -n '/^deps_/,/^$/p' "$cmd" | grep -v 'wildcard' |
		tr -d '\\' | tr ' ' '\n' | grep -E '\.(c|h)$' | sort -u
	# The configuration symbols the sources test (fixdep lists them).
	sed -n 's|.*$(wildcard include/config/\([A-Za-z0-9_]*\)).*|CONFIG_\1|p' "$cmd" |
		sort -u
}

# The hash of the inputs listed in file $1 as they are now: the command,
# the files' contents and the values of the configuration symbols.  A
# listed file that no longer exists puts sha1sum's complaint into the
# hash, which then matches nothing built before.
inputs_key() {
	{
		head -n 1 "$1"
		tail -n +2 "$1" | grep -v '^CONFIG_' |
			(cd "$OUT" && xargs -r sha1sum 2>&1 || true)
		awk 'NR == FNR {
			if (/^CONFIG_/) { split($0, kv, "="); val[kv[1]] = $0 }
			next
		     }
		     /^CONFIG_/ { print ($1 in val) ? val[$1] : $1 " unset" }' \
			"$OUT/.config" "$1"
	} | sha1sum | cut -c1-40
}

# The key of a clean build of object $1 whose inputs are all as they are
# now, or nothing.  Every input list the object was ever built clean from
# is tried, so going back to an earlier state finds its earlier build.
clean_key() {
	local l key
	for l in "$MEMO/inputs/${1//\//_}"/*; do
		[ -f "$l" ] || continue
		key=$(inputs_key "$l")
		[ -f "$MEMO/$key.defined" ] && echo "$key" && return 0
	done
	return 0
}

# Record object $1 as built clean now; print its key.
remember() {
	local dir=$MEMO/inputs/${1//\//_} key
	mkdir -p "$dir"
	object_inputs "$1" > "$dir/new"
	[ -s "$dir/new" ] || die "no kbuild dependency file for $1"
	key=$(inputs_key "$dir/new")
	mv "$dir/new" "$dir/$key"
	nm -u "$OUT/$1" | awk '{ print $2 }' > "$MEMO/$key.undefined"
	nm --defined-only "$OUT/$1" | awk '$2 ~ /[A-Z]/ { print $3 }' > "$MEMO/$key.defined"
	echo "$key"
}

names() {
	local o s=''
	for o in "$@"; do s+=" ${o##*/}"; done
	s=${s:- nothing (all built clean in this state before)}
	echo "${s# }"
}

main() {
	local pristine series p n name files o t0 log rc nn key
	local -a all_objs=() build=() kept=()
	local -A keys

	series=$("$TOP"/tools/patches.sh)
	pristine=$(cat "$CACHE/pristine")

	say "fresh copy of $pristine in $TREE"
	rm -rf "$TREE" "$STATE"
	mkdir -p "$OUT" "$STATE" "$MEMO"
	: > "$STATE/project.objs"
	# Hard links: patch(1) writes each file it changes anew, so the
	# pristine tree is never modified.
	cp -al "$pristine" "$TREE"
	say "configuring $OUT"
	configure
	say "preparing $OUT (once)"
	kmake -s modules_prepare >&2

	n=0
	for p in "$series"/[0-9][0-9][0-9][0-9]-*.patch; do
		name=$(basename "$p")
		[ "${name:0:4}" = 0000 ] && continue
		n=$((n + 1))
		nn=$(printf '%02d' "$n")
		t0=$(date +%s)
		if ! patch -d "$TREE" -p1 -s -f --no-backup-if-mismatch < "$p" >&2; then
			printf 'FAIL %s (does not apply)\n' "$name"
			failed=1
			break
		fi
		files=$(sed -n 's|^+++ b/||p' "$p")
		if grep -q '/Kconfig[^/]*$' <<< "$files"; then
			configure
		fi
		# The objects of the files the series adds are the project's.
		awk '/^--- \/dev\/null/ { getline; sub(/^\+\+\+ b\//, ""); print }' "$p" |
			sed -n 's/\.c$/.o/p' >> "$STATE/project.objs"
		# This patch's .c files join the objects built after each patch.
		for o in $(grep "^$AMDGPU_DIR/.*\.c$" <<< "$files" || true); do
			[[ " ${all_objs[*]} " == *" ${o%.c}.o "* ]] || all_objs+=("${o%.c}.o")
		done
		# An upstream header alone (the uAPI): build the file that
		# declares the ioctl table, which includes it.
		if [ ${#all_objs[@]} -eq 0 ] && grep -q '\.h$' <<< "$files"; then
			all_objs+=("$AMDGPU_DIR/amdgpu_drv.o")
		fi

		# Build what has not been built clean in this very state before.
		log=$STATE/$nn.log
		build=()
		keys=()
		for o in "${all_objs[@]}"; do
			keys[$o]=$(clean_key "$o")
			[ -n "${keys[$o]}" ] && continue
			rm -f "$OUT/$o"
			build+=("$o")
		done
		rc=0
		if [ ${#build[@]} -gt 0 ]; then
			set +e
			# -k: every object's errors, not only the first one's.
			kmake -s -k W=1 "${build[@]}" > "$log" 2>&1
			rc=$?
			set -e
		else
			: > "$log"
		fi
		if [ "$rc" -ne 0 ] || grep -qE 'warning|error' "$log"; then
			cat "$log" >&2
			# An object that did not build is left out of the later
			# patches, so that they report only their own failures.
			kept=()
			for o in "${all_objs[@]}"; do
				if [[ " ${build[*]} " == *" $o "* ]] && [ ! -f "$OUT/$o" ]; then
					printf '     %s did not build: left out after this patch\n' "${o##*/}"
				else
					kept+=("$o")
				fi
			done
			all_objs=("${kept[@]}")
			printf 'FAIL %s (%ss)\n' "$name" "$(($(date +%s) - t0))"
			failed=1
			continue
		fi
		# Remember each object clean with what it defines and uses (for
		# the link check below), under the key of its inputs.
		: > "$STATE/$nn.defined"
		: > "$STATE/$nn.undefined"
		for o in "${all_objs[@]}"; do
			key=${keys[$o]}
			[ -n "$key" ] || key=$(remember "$o")
			sed "s|\$| $o|" "$MEMO/$key.defined" >> "$STATE/$nn.defined"
			sed "s|\$| $o|" "$MEMO/$key.undefined" >> "$STATE/$nn.undefined"
		done
		printf '%s\n' "$name" > "$STATE/$nn.name"
		printf 'OK   %s (%ss; compiled: %s)\n' "$name" "$(($(date +%s) - t0))" \
			"$(names "${build[@]}")"
	done

	link_check
	printf '%s: %s patches in %ss\n' "$([ "$failed" -eq 0 ] && echo OK || echo FAILED)" \
		"$n" "$(($(date +%s) - start))"
	[ "$failed" -eq 0 ]
}

# A symbol that an object of the project defines after the last patch must
# be defined at every patch that uses it.  Upstream objects are not all
# built here, so only the project's own symbols are checked.
link_check() {
	local last u nn
	last=$(ls "$STATE"/*.defined 2>/dev/null | tail -n 1)
	[ -n "$last" ] || return 0
	awk 'NR == FNR { mine[$1] = 1; next } ($2 in mine) { print $1 }' \
		"$STATE/project.objs" "$last" | sort -u > "$STATE/project.defined"
	for u in "$STATE"/*.undefined; do
		nn=$(basename "$u" .undefined)
		awk 'NR == FNR { def[$1] = 1; next }
		     FILENAME == ARGV[2] { have[$1] = 1; next }
		     ($1 in def) && !($1 in have) && $1 !~ /^__SC[KT]__/ {
			print "  " $2 " uses " $1 }' \
			"$STATE/project.defined" "$STATE/$nn.defined" "$u" | sort -u > "$STATE/$nn.link"
		if [ -s "$STATE/$nn.link" ]; then
			printf 'FAIL %s: does not link, a later patch defines what it uses:\n' \
				"$(cat "$STATE/$nn.name")"
			cat "$STATE/$nn.link"
			failed=1
		fi
	done
}

main "$@"
