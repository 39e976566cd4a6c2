#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make patches: write the project as a git format-patch series against the
# pristine Linux 7.3 tree into build/series/, with a cover letter, and run
# checkpatch --strict on every patch.
#
# The series is described by tools/series/series.txt (see its header): which
# project files, Kconfig symbols and changed lines of patches/*.patch each
# patch carries.  The commits are made in a scratch git repository that
# holds only the upstream files the series touches (build/series-git), so
# no copy of the whole tree is committed; the patches still apply with
# patch -p1 or git am to the full tree.
#
# SERIES_ALLOW_MISSING=1 skips, with a warning, files the manifest names
# that do not exist (yet).  Only for testing: the series is then incomplete.
#
# Prints the output directory on stdout.

. "$(dirname "$0")/common.sh"

SERIES=$TOP/tools/series
MANIFEST=$SERIES/series.txt
OUT=$BUILD/series
REPO=$BUILD/series-git
WORK=$BUILD/series-work

# Where the series puts the project's objects and Kconfig symbols.
MAKEFILE=$AMDGPU_DIR/Makefile
KCONFIG=$AMDGPU_DIR/Kconfig
# amdgpu's Makefile gets the objects after this line (next to the other
# HMM user); its Kconfig gets the symbols before the line below (after the
# userptr option, which selects the same HMM and notifier options).
MAKEFILE_ANCHOR='amdgpu-$(CONFIG_HMM_MIRROR) += amdgpu_hmm.o'
KCONFIG_ANCHOR='config DRM_AMD_ISP'

allow_missing=${SERIES_ALLOW_MISSING:-0}

warn() { printf 'warning: %s\n' "$*" >&2; }

pristine_tree() {
	local stamp=$CACHE/pristine
	[ -f "$stamp" ] && [ -f "$(cat "$stamp")/Makefile" ] ||
		die "no pristine Linux tree in $CACHE: run 'make tree' first"
	cat "$stamp"
}

# --- the manifest ---------------------------------------------------------

NUMS=()			# patch numbers, in order
declare -A SLUG SUBJECT SUMMARY FILES KSYMS DROP
SELECTORS=$WORK/selectors	# NN kind P path ERE, tab-separated

# The upstream patch file of a number, or nothing.
upstream_patch() {
	local f
	for f in "$TOP"/patches/"$1"-*.patch; do
		[ -f "$f" ] && echo "$f" && return 0
	done
	return 0
}

read_manifest() {
	local kw rest nn='' src dest p path ere kind f
	: > "$SELECTORS"
	while read -r kw rest; do
		case $kw in
		'' | '#'*) continue ;;
		patch)
			nn=${rest%% *}
			SLUG[$nn]=${rest#* }
			NUMS+=("$nn")
			FILES[$nn]=''
			KSYMS[$nn]=''
			;;
		drop)
			DROP[${rest%% *}]=${rest#* }
			;;
		subject | summary | file | kconfig | upstream | upstream-line)
			[ -n "$nn" ] || die "series.txt: '$kw' before the first 'patch'"
			;;&
		subject) SUBJECT[$nn]=$rest ;;
		summary) SUMMARY[$nn]=$rest ;;
		file)
			read -r src dest <<< "$rest"
			# A glob takes every match, into the directory DEST/.
			if [[ $src == *'*'* ]]; then
				[[ $dest == */ ]] || die "series.txt: 'file $src' needs a DEST directory ending in /"
				for f in $(cd "$TOP" && compgen -G "$src" | sort); do
					FILES[$nn]+="$f:$dest${f##*/} "
				done
				continue
			fi
			dest=${dest:-$AMDGPU_DIR/$src}
			if [ ! -e "$TOP/$src" ]; then
				[ "$allow_missing" = 1 ] ||
					die "series.txt: patch $nn names $src, which does not exist"
				warn "skipping $src (patch $nn): it does not exist yet"
				continue
			fi
			FILES[$nn]+="$src:$dest "
			;;
		kconfig) KSYMS[$nn]+="$rest " ;;
		upstream | upstream-line)
			read -r p path ere <<< "$rest"
			if [ -z "$(upstream_patch "$p")" ]; then
				[ "$allow_missing" = 1 ] ||
					die "series.txt: patch $nn carries patches/$p-*.patch, which does not exist"
				warn "skipping patches/$p-*.patch (patch $nn): it does not exist yet"
				continue
			fi
			if [ "$kw" = upstream-line ]; then
				[ -n "$ere" ] || die "series.txt: upstream-line needs PATH and ERE"
				kind=3
			elif [ -n "$ere" ]; then
				kind=2
			elif [ -n "$path" ]; then
				kind=1
			else
				kind=0
			fi
			# The kind is the precedence: a line beats a hunk beats a
			# file beats the whole patch.
			printf '%s\t%s\t%s\t%s\t%s\n' "$nn" "$kind" "$p" \
				"${path:-*}" "$ere" >> "$SELECTORS"
			;;
		*) die "series.txt: unknown keyword '$kw'" ;;
		esac
	done < "$MANIFEST"
	[ ${#NUMS[@]} -gt 0 ] || die "series.txt lists no patch"
	for nn in "${NUMS[@]}"; do
		[ -n "${SUBJECT[$nn]:-}" ] || die "series.txt: patch $nn has no subject"
		[ -f "$SERIES/$nn-${SLUG[$nn]}.txt" ] ||
			die "no commit message $SERIES/$nn-${SLUG[$nn]}.txt"
	done
}

# Every project source and Kconfig symbol placed exactly once.
check_coverage() {
	local f placed n nn s syms
	placed=$(for nn in "${NUMS[@]}"; do
		for f in ${FILES[$nn]}; do echo "${f%%:*}"; done
	done | sort)
	n=$(printf '%s\n' "$placed" | uniq -d)
	[ -z "$n" ] || die "series.txt places these files more than once: $n"
	for f in $(cd "$TOP" && ls amdgpu_*.[ch] kunit/*.[ch] Documentation/*.rst 2>/dev/null); do
		printf '%s\n' "$placed" | grep -qxF "$f" ||
			die "$f is in no patch of tools/series/series.txt"
	done
	syms=$(sed -n 's/^\(menu\)\{0,1\}config \([A-Z0-9_]*\).*/\2/p' "$TOP/Kconfig")
	for s in $syms; do
		n=0
		for nn in "${NUMS[@]}"; do
			case " ${KSYMS[$nn]}" in *" $s "*) n=$((n + 1)) ;; esac
		done
		[ "$n" -eq 1 ] || die "Kconfig symbol $s is placed $n times in series.txt (must be 1)"
	done
	for nn in "${NUMS[@]}"; do
		for s in ${KSYMS[$nn]}; do
			printf '%s\n' "$syms" | grep -qxF "$s" ||
				die "series.txt: patch $nn adds $s, which the project's Kconfig does not have"
		done
	done
	# Every upstream patch is carried or dropped.
	for f in "$TOP"/patches/*.patch; do
		n=$(basename "$f" | cut -c1-4)
		[ -n "${DROP[$n]:-}" ] && continue
		cut -f3 "$SELECTORS" | grep -qxF "$n" ||
			die "patches/$(basename "$f") is neither carried nor dropped in series.txt"
	done
}

# --- objects --------------------------------------------------------------

# "object CONFIG_SYMBOL" for every object of the project's Makefile, from
# its "amdgpu-$(CONFIG_X) += $(LIST)" lines.
object_configs() {
	awk '
		/^[A-Z0-9_]+ *:?= *\\?$/ { var = $1; next }
		var != "" {
			line = $0; sub(/\\$/, "", line)
			n = split(line, w, /[ \t]+/)
			for (i = 1; i <= n; i++) if (w[i] ~ /\.o$/) list[var] = list[var] " " w[i]
			if ($0 !~ /\\$/) var = ""
			next
		}
		/^amdgpu-\$\(CONFIG_[A-Z0-9_]+\) *\+= *\$\([A-Z0-9_]+\)/ {
			cfg = $0; sub(/^amdgpu-\$\(/, "", cfg); sub(/\).*/, "", cfg)
			v = $0; sub(/.*\+= *\$\(/, "", v); sub(/\).*/, "", v)
			n = split(list[v], w, " ")
			for (i = 1; i <= n; i++) print w[i], cfg
		}
	' "$TOP/Makefile"
}

# The object of every .c file of patch NN: "CONFIG_X object" lines.
patch_objects() {
	local f src obj cfg
	for f in ${FILES[$1]}; do
		src=${f%%:*}
		[[ $src == *.c ]] || continue
		obj=${src%.c}.o
		cfg=$(awk -v o="$obj" '$1 == o { print $2 }' "$WORK/objects")
		[ -n "$cfg" ] || die "$obj (patch $1) is not in the project's Makefile"
		echo "$cfg $obj"
	done
}

check_objects() {
	local o nn placed
	placed=$(for nn in "${NUMS[@]}"; do patch_objects "$nn"; done | awk '{ print $2 }')
	for o in $(awk '{ print $1 }' "$WORK/objects"); do
		if ! printf '%s\n' "$placed" | grep -qxF "$o"; then
			[ "$allow_missing" = 1 ] && [ ! -e "$TOP/${o%.o}.c" ] && continue
			die "$o is built by the project's Makefile but in no patch"
		fi
	done
}

# --- upstream files -------------------------------------------------------

# "P path hunk sign text" for every changed line of the carried patches.
upstream_changes() {
	local f p
	for f in "$TOP"/patches/*.patch; do
		p=$(basename "$f" | cut -c1-4)
		[ -n "${DROP[$p]:-}" ] && continue
		awk -v p="$p" '
			/^\+\+\+ / && old == 0 && new == 0 {
				path = $2; sub(/^b\//, "", path); h[path] += 0; next
			}
			/^@@ / && path != "" {
				split($2, a, ","); split($3, b, ",")
				old = (a[2] == "" ? 1 : a[2]); new = (b[2] == "" ? 1 : b[2])
				h[path]++; next
			}
			old > 0 || new > 0 {
				s = substr($0, 1, 1)
				if (s == "\\") next
				if (s != "+") old--
				if (s != "-") new--
				if (s != " ")
					printf "%s\t%s\t%d\t%s\t%s\n", p, path, h[path], s, substr($0, 2)
			}
		' "$f"
	done
}

# Annotate the pristine-to-final diff of one upstream file with the number
# of the series patch that carries each changed line: "owner sign text".
# A changed line of the final diff is matched to the upstream patch whose
# next unmatched line it is (the patches change the file in order). When
# it is the next line of several (a blank line, a comment opener), the
# patch whose following lines go on matching the diff's following changed
# lines longest wins, then the earliest patch.
attribute() {
	local path=$1 diff=$2
	awk -F'\t' -v path="$path" '
		function rest(s, k) {
			for (; k > 0; k--) sub(/^[^\t]*\t/, "", s)
			return s
		}
		FILENAME == ARGV[1] {	# the changed lines
			if ($2 != path) next
			p = $1; n = ++cnt[p]
			hunk[p, n] = $3; sign[p, n] = $4; text[p, n] = rest($0, 4)
			next
		}
		FILENAME == ARGV[2] {	# the selectors
			if ($3 in cnt && ($4 == "*" || $4 == path)) {
				ns++; snn[ns] = $1; skind[ns] = $2; sp[ns] = $3; sre[ns] = $5
			}
			next
		}
		FNR == 1 {		# every line of each upstream patch: its owner
			for (p in cnt) {
				for (i = 1; i <= ns; i++) {
					if (sp[i] != p || skind[i] != 2) continue
					for (n = 1; n <= cnt[p]; n++)
						if (text[p, n] ~ sre[i]) hm[i, hunk[p, n]] = 1
				}
				for (n = 1; n <= cnt[p]; n++) {
					best = -1
					for (i = 1; i <= ns; i++) {
						if (sp[i] != p) continue
						k = skind[i]
						if (k == 3 && text[p, n] !~ sre[i]) continue
						if (k == 2 && !((i, hunk[p, n]) in hm)) continue
						if (k > best) { best = k; own = snn[i] }
						else if (k == best && snn[i] != own) {
							printf "error: %s: patches %s and %s both claim a line of %s: %s\n",
								path, own, snn[i], p, text[p, n] > "/dev/stderr"
							exit 1
						}
					}
					if (best < 0) {
						printf "error: %s: no patch carries this line of %s: %s\n",
							path, p, text[p, n] > "/dev/stderr"
						exit 1
					}
					owner[p, n] = own + 0
				}
			}
		}
		/^(---|\+\+\+) / && FNR <= 2 { next }
		/^@@ / || /^\\/ { next }
		{ ds[++nd] = substr($0, 1, 1); dt[nd] = substr($0, 2) }
		# How many changed lines from diff line d on are the next ones of patch p.
		function run(p, d,   n, k) {
			n = done[p] + 1
			for (k = 0; d <= nd && n <= cnt[p]; d++) {
				if (ds[d] == " ") continue
				if (sign[p, n] != ds[d] || text[p, n] != dt[d]) break
				k++; n++
			}
			return k
		}
		END {
			for (d = 1; d <= nd; d++) {
				s = ds[d]; t = dt[d]
				if (s == " ") { printf "0\t \t%s\n", t; continue }
				found = ""; best = 0
				for (p in cnt) {
					k = run(p, d)
					if (k > best || (k && k == best && p < found)) {
						found = p; best = k
					}
				}
				if (found == "") {
					printf "error: %s: cannot tell which of patches/ makes this change: %s%s\n",
						path, s, t > "/dev/stderr"
					exit 1
				}
				done[found]++
				printf "%d\t%s\t%s\n", owner[found, done[found]], s, t
			}
			for (p in cnt) if (done[p] + 0 != cnt[p]) {
				printf "error: %s: patches/%s changes lines a later patch changes again; split them\n",
					path, p > "/dev/stderr"
				exit 1
			}
		}
	' "$WORK/changes" "$SELECTORS" "$diff"
}

# Annotated diffs of every upstream file the carried patches change, in
# $WORK/ann/<path>.
prepare_upstream() {
	local pristine=$1 f path
	upstream_changes > "$WORK/changes"
	UPSTREAM_FILES=$(cut -f2 "$WORK/changes" | sort -u)
	rm -rf "$WORK/base" "$WORK/final" "$WORK/ann"
	mkdir -p "$WORK/base" "$WORK/final" "$WORK/ann"
	for path in $UPSTREAM_FILES $MAKEFILE $KCONFIG; do
		[ -f "$pristine/$path" ] || continue
		mkdir -p "$WORK/base/$(dirname "$path")" "$WORK/final/$(dirname "$path")"
		cp "$pristine/$path" "$WORK/base/$path"
		cp "$pristine/$path" "$WORK/final/$path"
	done
	for f in "$TOP"/patches/*.patch; do
		[ -n "${DROP[$(basename "$f" | cut -c1-4)]:-}" ] && continue
		patch -d "$WORK/final" -p1 -s -f --no-backup-if-mismatch < "$f" >&2 ||
			die "$(basename "$f") does not apply without the dropped patches"
	done
	for path in $UPSTREAM_FILES; do
		mkdir -p "$WORK/ann/$(dirname "$path")"
		diff -N -U 1000000 "$WORK/base/$path" "$WORK/final/$path" > "$WORK/diff" || true
		attribute "$path" "$WORK/diff" > "$WORK/ann/$path" ||
			die "cannot split the changes to $path between the series' patches"
	done
}

# An upstream file as it is after series patch $2.
upstream_state() {
	awk -F'\t' -v n="$2" '
		{
			o = $1 + 0; s = $2; t = $0
			sub(/^[^\t]*\t[^\t]*\t/, "", t)
			if (s == " " || (s == "-" && o > n) || (s == "+" && o <= n)) print t
		}
	' "$WORK/ann/$1"
}

# The "config SYMBOL" block of the project's Kconfig.
kconfig_block() {
	awk -v sym="$1" '
		$0 == "config " sym { on = 1; print; next }
		on && /^(config|menuconfig|menu|endmenu|if|endif|source|choice|comment)( |$)/ { exit }
		on { buf = buf $0 "\n"; if ($0 != "") { printf "%s", buf; buf = "" } }
	' "$TOP/Kconfig"
}

# amdgpu's Makefile after patch $1: one line per patch and symbol, so that
# each patch only adds lines.
makefile_state() {
	local upto=$1 nn cfg objs line text=''
	for nn in "${NUMS[@]}"; do
		[ "$((10#$nn))" -le "$((10#$upto))" ] || break
		for cfg in $(patch_objects "$nn" | awk '{ print $1 }' | uniq); do
			objs=$(patch_objects "$nn" | awk -v c="$cfg" '$1 == c { print $2 }')
			line="amdgpu-\$($cfg) +="
			if [ $(( ${#line} + $(echo $objs | wc -c) )) -le 80 ]; then
				text+="$line $(echo $objs)"$'\n'
			else
				text+="$line \\"$'\n'
				text+=$(printf '\t%s \\\n' $objs | sed '$ s/ \\$//')$'\n'
			fi
		done
	done
	if [ -z "$text" ]; then
		cat "$2"
		return 0
	fi
	awk -v anchor="$MAKEFILE_ANCHOR" -v text="$text" '
		{ print }
		$0 == anchor {
			printf "\n# shared virtual memory (SVM) with VRAM migration\n%s", text
			found = 1
		}
		END { if (!found) exit 1 }
	' "$2" || die "the anchor line '$MAKEFILE_ANCHOR' is not in $MAKEFILE"
}

# amdgpu's Kconfig after patch $1.
kconfig_state() {
	local upto=$1 nn s text=''
	for nn in "${NUMS[@]}"; do
		[ "$((10#$nn))" -le "$((10#$upto))" ] || break
		for s in ${KSYMS[$nn]}; do
			text+="$(kconfig_block "$s")"$'\n\n'
		done
	done
	awk -v anchor="$KCONFIG_ANCHOR" -v text="$text" '
		$0 == anchor { printf "%s", text; found = 1 }
		{ print }
		END { if (!found) exit 1 }
	' "$2" || die "the anchor line '$KCONFIG_ANCHOR' is not in $KCONFIG"
}

# --- checks on the file layout --------------------------------------------

# A project file may include only project headers of its own patch or of
# an earlier one (the compiler finds any other missing header).
check_includes() {
	local nn f src dest inc m mm
	declare -A where
	for nn in "${NUMS[@]}"; do
		for f in ${FILES[$nn]}; do where[${f#*:}]=$nn; done
	done
	for nn in "${NUMS[@]}"; do
		for f in ${FILES[$nn]}; do
			src=${f%%:*}
			dest=${f#*:}
			for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$TOP/$src"); do
				m=$(realpath -m -s --relative-to=/ "/$(dirname "$dest")/$inc")
				mm=${where[$m]:-}
				[ -z "$mm" ] || [ "$((10#$mm))" -le "$((10#$nn))" ] ||
					die "$src (patch $nn) includes $inc, which only comes with patch $mm"
			done
			# The same for the sources a chapter pulls kernel-doc from.
			for inc in $(sed -n 's/^\.\. kernel-doc::[[:space:]]*\([^[:space:]]*\).*/\1/p' "$TOP/$src"); do
				mm=${where[$inc]:-}
				[ -z "$mm" ] || [ "$((10#$mm))" -le "$((10#$nn))" ] ||
					die "$src (patch $nn) pulls kernel-doc from $inc, which only comes with patch $mm"
			done
		done
	done
}

# --- the commits ----------------------------------------------------------

commit_all() {
	local msg=$1
	git -C "$REPO" add -A
	git -C "$REPO" commit -q --allow-empty -F "$msg"
}

make_commits() {
	local pristine=$1 nn f path name email date msg state skipped=0
	name=$(git -C "$TOP" config user.name) || die "git config user.name is not set"
	email=$(git -C "$TOP" config user.email) || die "git config user.email is not set"
	# Fixed dates: the same sources give the same series, byte for byte.
	date=$(git -C "$TOP" log -1 --format=%cI 2>/dev/null || echo 2026-01-01T00:00:00Z)
	export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date
	export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$date

	rm -rf "$REPO"
	git init -q "$REPO"
	git -C "$REPO" config core.autocrlf false
	cp -a "$WORK/base/." "$REPO/"
	printf 'Linux %s: the upstream files the series changes\n' \
		"$(basename "$pristine" | sed 's/^linux-//')" > "$WORK/msg"
	commit_all "$WORK/msg"
	git -C "$REPO" tag base

	for nn in "${NUMS[@]}"; do
		for path in $UPSTREAM_FILES; do
			upstream_state "$path" "$nn" > "$REPO/$path"
		done
		makefile_state "$nn" "$WORK/base/$MAKEFILE" > "$REPO/$MAKEFILE"
		kconfig_state "$nn" "$WORK/base/$KCONFIG" > "$REPO/$KCONFIG"
		for f in ${FILES[$nn]}; do
			mkdir -p "$REPO/$(dirname "${f#*:}")"
			cp "$TOP/${f%%:*}" "$REPO/${f#*:}"
		done
		git -C "$REPO" add -A
		if git -C "$REPO" diff --cached --quiet; then
			[ "$allow_missing" = 1 ] || die "patch $nn (${SLUG[$nn]}) would be empty"
			warn "patch $nn (${SLUG[$nn]}) is empty (missing files): left out"
			skipped=$((skipped + 1))
			continue
		fi
		msg=$WORK/msg
		{
			printf '%s\n\n' "${SUBJECT[$nn]}"
			cat "$SERIES/$nn-${SLUG[$nn]}.txt"
			printf '\nSigned-off-by: %s <%s>\n' "$name" "$email"
		} > "$msg"
		git -C "$REPO" commit -q -F "$msg"
		git -C "$REPO" notes add -m "$nn" HEAD
	done
}

# The cover letter: subject and body from 00-cover.txt, whose @SUMMARY@
# line becomes the list of patches with their summary lines.
write_cover() {
	local cover=$1 list=$WORK/summary nn i=0 total
	total=$(git -C "$REPO" rev-list --count base..HEAD)
	: > "$list"
	for nn in $(git -C "$REPO" log --reverse --format=%N base..HEAD | grep .); do
		i=$((i + 1))
		{
			printf '%d/%d %s\n' "$i" "$total" "${SUBJECT[$nn]#drm/amdgpu: }"
			printf '%s\n' "${SUMMARY[$nn]:-}" | fold -s -w 66 | sed 's/ *$//; s/^/    /'
		} >> "$list"
	done
	awk -v list="$list" -v body="$SERIES/00-cover.txt" '
		/\*\*\* SUBJECT HERE \*\*\*/ {
			getline subj < body
			sub(/\*\*\* SUBJECT HERE \*\*\*/, subj)
			print; next
		}
		/^\*\*\* BLURB HERE \*\*\*$/ {
			getline line < body	# the blank line after the subject
			while ((getline line < body) > 0) {
				if (line == "@SUMMARY@")
					while ((getline l < list) > 0) print l
				else
					print line
			}
			next
		}
		{ print }
	' "$cover" > "$cover.tmp"
	mv "$cover.tmp" "$cover"
	grep -q '\*\*\*' "$cover" && die "the cover letter still has a placeholder"
	return 0
}

# checkpatch --strict on every patch, two at a time.  A patch already found
# clean (same bytes: the commit dates are fixed) is not checked again.
run_checkpatch() {
	local pristine=$1 p sum bad=0 ok=$BUILD/series-cache/checkpatch
	mkdir -p "$ok"
	say "checkpatch --strict on $OUT"
	for p in "$OUT"/[0-9][0-9][0-9][0-9]-*.patch; do
		case $(basename "$p") in 0000-*) continue ;; esac
		sum=$(sha1sum < "$p" | cut -c1-40)
		[ -f "$ok/$sum" ] || printf '%s\n' "$p"
	done | (cd "$pristine" && xargs -r -P "$JOBS" -I{} sh -c '
		# FILE_PATH_CHANGES: new files would need a MAINTAINERS entry,
		# which is for the maintainers to decide, not this series.
		# DEPRECATED_API, in the tests patch only: its test device sets
		# up the GEM handle table of a DRM file as drm_gem_open() does,
		# and that table is the DRM core'"'"'s IDR.
		# The signoff checks stay on.
		ign=FILE_PATH_CHANGES
		case $1 in *-KUnit-tests-*) ign=$ign,DEPRECATED_API ;; esac
		if nice -n 10 scripts/checkpatch.pl --strict --terse --no-summary \
				--ignore "$ign" "$1" > "$1.checkpatch" 2>&1; then
			touch "$2/$(sha1sum < "$1" | cut -c1-40)"
		fi' _ {} "$ok") || true
	for p in "$OUT"/[0-9][0-9][0-9][0-9]-*.patch; do
		case $(basename "$p") in 0000-*) continue ;; esac
		if [ ! -f "$ok/$(sha1sum < "$p" | cut -c1-40)" ]; then
			cat "$p.checkpatch" >&2 2>/dev/null || true
			printf 'checkpatch: findings in %s\n' "$(basename "$p")" >&2
			bad=1
		fi
		rm -f "$p.checkpatch"
	done
	[ "$bad" -eq 0 ] || die "checkpatch --strict found problems in the series"
}

main() {
	local pristine
	pristine=$(pristine_tree)
	[ -f "$SERIES/00-cover.txt" ] || die "no cover letter text $SERIES/00-cover.txt"
	rm -rf "$WORK"
	mkdir -p "$WORK"
	read_manifest
	check_coverage
	object_configs > "$WORK/objects"
	check_objects
	prepare_upstream "$pristine"
	check_includes
	make_commits "$pristine"

	rm -rf "$OUT"
	mkdir -p "$OUT"
	git -C "$REPO" format-patch -q --cover-letter --no-signature -o "$OUT" base..HEAD
	write_cover "$OUT"/0000-cover-letter.patch
	run_checkpatch "$pristine"
	say "$(ls "$OUT" | wc -l) files written"
	echo "$OUT"
}

main "$@"
