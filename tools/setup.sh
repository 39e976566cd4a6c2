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
# With KDIR=/path the user's tree gets step 3's patches and links instead,
# recorded in the tree (see "KDIR" below); "setup.sh unpatch" with KDIR
# undoes them.
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

# Make $2 a symbolic link to $1.  A link already right is left alone, so
# that a re-run changes nothing in the tree.
link_to() {
	[ "$(readlink "$2")" = "$1" ] || ln -sfn "$1" "$2"
}

# Link every project file into the tree, so that editing one in the clone
# rebuilds just that object.  The tree's copy of the top-level Makefile and
# Kconfig are named Makefile.svm and Kconfig.svm, and pulled in by
# patches/0002.
link_sources() {
	local tree=$1 dst=$1/$AMDGPU_DIR f
	for f in $(cd "$TOP" && ls amdgpu_*.[ch] 2>/dev/null); do
		link_to "$TOP/$f" "$dst/$f"
	done
	link_to "$TOP/Makefile" "$dst/Makefile.svm"
	link_to "$TOP/Kconfig" "$dst/Kconfig.svm"
	# The tests get a real directory, so that "../amdgpu.h" in them
	# resolves inside the tree, not the clone.
	[ -L "$dst/kunit" ] && rm -f "$dst/kunit"
	mkdir -p "$dst/kunit"
	for f in $(cd "$TOP" && ls kunit/*.[ch] 2>/dev/null); do
		link_to "$TOP/$f" "$dst/$f"
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
		[ -f "$f" ] && link_to "$f" "$doc/${f##*/}"
	done
	for f in "$doc"/*.rst; do
		[ -L "$f" ] && [ ! -e "$f" ] && rm -f "$f"
	done
	return 0
}

patches_id() {
	cat "$TOP"/patches/*.patch | sha1sum | cut -c1-12
}

# ---------------------------------------------------------------------------
# KDIR: the user's own tree.
#
# The tree itself records what was applied to it, since it may outlive this
# clone and be patched from more than one:
#   .amdgpu-svm-patches      "<sha1>  <name>" of each applied patch, in
#                            order, after comment lines;
#   .amdgpu-svm-patches.d/   a copy of each of those patches.
# A re-run with the same patches/ applies nothing and touches no file.  When
# patches/ changed since (a pull), the recorded series is undone from its
# copies and the new one applied; "make KDIR=... unpatch" undoes it.
#
# Whether the series is applied cannot be asked of each patch alone: a
# later patch changes the context of an earlier one (0004 adds an include
# next to 0003's in amdgpu_drv.c), so 0003 on its own no longer
# reverse-applies to a patched tree.  A series is therefore only applied or
# undone whole, in order (undone newest first), and always on a scratch
# copy of the files it touches first: the tree is changed only once that
# succeeded, by replacing just the files whose content changed (the others
# keep their timestamps, so kbuild rebuilds nothing for them).  A file is
# replaced by renaming a new one over it, which never writes through a hard
# link: a tree made with "cp -al" leaves its origin alone.

STAMP=.amdgpu-svm-patches
STAMP_DIR=.amdgpu-svm-patches.d

# Names the project brings into upstream files: with "svm" or "migrate" in
# them and a "_", "." or "/" (amdgpu_svm.h, has_svm, DRM_AMDGPU_GEM_SVM,
# Makefile.svm, svm/index).
NAME_RE='([A-Za-z0-9_]+[./])*[A-Za-z0-9_]*([Ss][Vv][Mm]|[Mm]igrate)[A-Za-z0-9_]*([./][A-Za-z0-9_]+)*'

# "<sha1>  <name>" of each patch given, in order.
series_list() {
	local p
	for p; do
		printf '%s  %s\n' "$(sha1sum < "$p" | cut -c1-40)" "${p##*/}"
	done
}

# The files the patches "$@" touch, relative to the tree.
series_files() {
	sed -n -e 's|^--- a/\([^[:space:]]*\).*|\1|p' \
		-e 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$@" | sort -u
}

# The names that patch $1 adds to file $2 (in its hunk $3 only, if given)
# and its context does not have.
added_names() {
	local sect
	sect=$(awk -v f="$2" -v h="${3:-0}" '
		/^--- / { in_file = ($2 == "a/" f); n = 0; next }
		/^\+\+\+ / { next }
		/^@@ / { n++; next }
		in_file && (h == 0 || n == h)' "$1")
	comm -23 <(printf '%s\n' "$sect" | sed -n 's/^+//p' | grep -oE "$NAME_RE" |
			grep '[_./]' | sort -u) \
		<(printf '%s\n' "$sect" | sed -n 's/^[ -]//p' | grep -oE "$NAME_RE" |
			sort -u)
}

# Those of the names patch $1 adds to file $2 (hunk $3) that the tree's
# file has.
names_present() {
	local n
	[ -f "$KTREE/$2" ] || return 0
	for n in $(added_names "$1" "$2" "${3:-0}"); do
		if grep -Fqw -- "$n" "$KTREE/$2"; then
			printf '%s ' "$n"
		fi
	done
}

# A fresh scratch copy of the series' files ($FILES) in $SCRATCH/t.
scratch_load() {
	local f
	rm -rf "$SCRATCH/t"
	mkdir -p "$SCRATCH/t"
	for f in "${FILES[@]}"; do
		[ -e "$KTREE/$f" ] || continue
		mkdir -p "$SCRATCH/t/$(dirname "$f")"
		cp -p "$KTREE/$f" "$SCRATCH/t/$f"
	done
}

# Apply the patches "$@" in order to the scratch copy (-R first: reversed).
# On failure set FAILED_PATCH, FAILED_FILES (those where a hunk did not
# fit) and FAILED_HUNKS ("file number" lines), and return 1.
scratch_patch() {
	local rev=() p out
	if [ "$1" = -R ]; then
		rev=(-R)
		shift
	fi
	for p; do
		out=$(LC_ALL=C patch -d "$SCRATCH/t" -p1 -f "${rev[@]}" \
			--no-backup-if-mismatch -r - < "$p" 2>&1) && continue
		FAILED_PATCH=$p
		FAILED_HUNKS=$(printf '%s\n' "$out" | awk '
			/^patching file / { f = substr($0, 15) }
			/^\|--- a\// { missing = substr($0, 8) }
			/^Hunk #[0-9]+ FAILED/ { print f, substr($2, 2) }
			/^No file to patch/ { print missing, 0 }')
		FAILED_FILES=$(printf '%s\n' "$FAILED_HUNKS" | cut -d' ' -f1 | sort -u | grep . || true)
		[ -n "$FAILED_FILES" ] || FAILED_FILES=$(series_files "$p")
		return 1
	done
	return 0
}

# Undo the patches "$@" (given in order) on the scratch copy, newest first.
scratch_unpatch() {
	local i newest_first=()
	for ((i = $#; i >= 1; i--)); do
		newest_first+=("${!i}")
	done
	scratch_patch -R "${newest_first[@]}"
}

# Make the tree's files those of the scratch copy: only the files whose
# content differs, each replaced by a rename, all copied before any is
# renamed.  Sets CHANGED to their number.
scratch_install() {
	local f changed=()
	for f in "${FILES[@]}"; do
		if [ ! -e "$SCRATCH/t/$f" ]; then
			[ ! -e "$KTREE/$f" ] || changed+=("$f")
		elif ! cmp -s "$SCRATCH/t/$f" "$KTREE/$f"; then
			changed+=("$f")
		fi
	done
	for f in "${changed[@]}"; do
		[ -e "$SCRATCH/t/$f" ] || continue
		mkdir -p "$(dirname "$KTREE/$f")"
		cp -p "$SCRATCH/t/$f" "$KTREE/$f.amdgpu-svm-new"
	done
	for f in "${changed[@]}"; do
		if [ -e "$SCRATCH/t/$f" ]; then
			mv -f "$KTREE/$f.amdgpu-svm-new" "$KTREE/$f"
		else
			rm -f "$KTREE/$f"
		fi
	done
	CHANGED=${#changed[@]}
}

# Record the series "$@" as applied: a copy of each patch, then the stamp.
stamp_write() {
	rm -rf "$KTREE/$STAMP_DIR.new"
	mkdir "$KTREE/$STAMP_DIR.new"
	cp "$@" "$KTREE/$STAMP_DIR.new/"
	{
		echo "# amdgpu SVM: the patches applied to this tree, by $TOP."
		echo "# Copies in $STAMP_DIR/.  Undo: make KDIR=$KTREE unpatch (in a clone)"
		series_list "$@"
	} > "$KTREE/$STAMP.new"
	rm -rf "${KTREE:?}/$STAMP_DIR"
	mv "$KTREE/$STAMP_DIR.new" "$KTREE/$STAMP_DIR"
	mv -f "$KTREE/$STAMP.new" "$KTREE/$STAMP"
}

# The series the stamp records, as paths of its copies, into RECORDED;
# fails (naming the problem in WHY) if a copy is missing or was changed.
stamp_read() {
	local sum name
	RECORDED=()
	while read -r sum name; do
		case $sum in '#'* | '') continue ;; esac
		RECORDED+=("$KTREE/$STAMP_DIR/$name")
		if [ ! -f "$KTREE/$STAMP_DIR/$name" ]; then
			WHY="$STAMP_DIR/$name is missing"
			return 1
		fi
		if [ "$(sha1sum < "$KTREE/$STAMP_DIR/$name" | cut -c1-40)" != "$sum" ]; then
			WHY="$STAMP_DIR/$name was changed"
			return 1
		fi
	done < "$KTREE/$STAMP"
	[ ${#RECORDED[@]} -gt 0 ] || { WHY="it names no patch"; return 1; }
}

# The first three of the words "$@", and "..." if there are more.
first_three() {
	if [ $# -gt 3 ]; then
		echo "$1 $2 $3 ..."
	else
		echo "$*"
	fi
}

# Leave the tree (unchanged) with an error that says which of its files
# are in the way, after the series failed to apply on the scratch copy.
# $1 and $2: the patch and "file hunk" lines where undoing the series
# (newest first) failed, i.e. the newest patch the tree has otherwise.
explain_failure() {
	local rev_patch=$1 rev_hunks=$2 p f h names svm_files=() msg
	[ -n "$rev_hunks" ] || rev_hunks=$(series_files "$rev_patch" | sed 's/$/ 0/')
	for f in "${FILES[@]}"; do
		names=
		for p in "$TOP"/patches/*.patch; do
			names+=$(names_present "$p" "$f")
		done
		[ -z "$names" ] || svm_files+=("$f")
	done
	if [ ${#svm_files[@]} -eq 0 ]; then
		msg="${FAILED_PATCH##*/} does not apply to $KTREE:"
		for f in $FAILED_FILES; do
			msg+=$'\n'"  $f differs from Linux 7.3 where the patch changes it"
		done
		msg+=$'\n'"The tree was left unchanged.  KDIR must be a Linux 7.3 tree"
		msg+=" with these files as upstream has them."
		die "$msg"
	fi
	msg="$KTREE already has SVM changes that differ from this clone's patches/:"
	while read -r f h; do
		[ -n "$f" ] || continue
		# The names of the hunk that did not fit, else of the file.
		# shellcheck disable=SC2046 # a list of names
		names=$(first_three $(names_present "$rev_patch" "$f" "$h"))
		# shellcheck disable=SC2046
		[ -n "$names" ] ||
			names=$(first_three $(names_present "$rev_patch" "$f"))
		if [ -n "$names" ]; then
			msg+=$'\n'"  $f already has a different $names"
		else
			msg+=$'\n'"  $f differs"
		fi
		msg+=" (${rev_patch##*/})"
	done < <(printf '%s\n' "$rev_hunks" | sort -u -k1,1)
	msg+=$'\n'"The tree was left unchanged.  Put these files back as Linux 7.3"
	msg+=" has them"$'\n'"(in a git tree: git -C $KTREE checkout -- <file>...):"
	msg+=$(printf '\n  %s' "${svm_files[@]}")
	msg+=$'\n'"then run make KDIR=$KTREE again."
	die "$msg"
}

# Bring the series of patches/ into the user's tree $1 (see above).
kdir_patch() {
	KTREE=$1
	local cur=("$TOP"/patches/*.patch) stamp=$KTREE/$STAMP
	local same=0 rev_patch rev_files rev_hunks
	RECORDED=()
	if [ -f "$stamp" ]; then
		[ "$(grep -v '^#' "$stamp")" = "$(series_list "${cur[@]}")" ] && same=1
		if [ "$same" -eq 0 ] && ! stamp_read; then
			die "$stamp records patches that cannot be undone ($WHY)." \
				"Put the files it names back as Linux 7.3 has them, remove" \
				"$stamp and $KTREE/$STAMP_DIR, and run make KDIR=$KTREE again."
		fi
	fi
	mapfile -t FILES < <(series_files "${cur[@]}" "${RECORDED[@]}")
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/amdgpu-svm-kdir.XXXXXX")
	trap 'rm -rf "$SCRATCH"' EXIT

	# Already applied: the whole series undoes cleanly, newest first.
	scratch_load
	if scratch_unpatch "${cur[@]}"; then
		if [ "$same" -eq 1 ]; then
			say "patches already applied to $KTREE ($STAMP)"
		else
			say "patches already applied to $KTREE; recorded in $STAMP"
			stamp_write "${cur[@]}"
		fi
		return 0
	fi
	rev_patch=$FAILED_PATCH rev_files=$FAILED_FILES rev_hunks=$FAILED_HUNKS

	scratch_load
	if [ "$same" -eq 1 ]; then
		# Changed around our hunks since: the user's own edits, or the
		# tree was put back to upstream with the stamp left behind.
		if ! scratch_patch "${cur[@]}"; then
			say "warning: $rev_files changed since the patches were applied;" \
				"going on with what $STAMP records"
			return 0
		fi
		say "the patches $STAMP records are gone from $KTREE: applying them again"
	elif [ ${#RECORDED[@]} -gt 0 ]; then
		if ! scratch_unpatch "${RECORDED[@]}"; then
			die "$(printf '%s\n' \
				"patches/ changed since $KTREE was patched, and the old patches" \
				"cannot be undone: $FAILED_FILES changed since they were applied." \
				"The tree was left unchanged.  Put the files $stamp names back" \
				"as Linux 7.3 has them, remove $stamp and $KTREE/$STAMP_DIR," \
				"and run make KDIR=$KTREE again.")"
		fi
		say "patches/ changed since $KTREE was patched: replacing the old series"
		scratch_patch "${cur[@]}" ||
			die "${FAILED_PATCH##*/} does not apply to $KTREE once the old" \
				"series is undone: $FAILED_FILES differs from Linux 7.3 where" \
				"the patch changes it.  The tree was left unchanged."
	else
		scratch_patch "${cur[@]}" || explain_failure "$rev_patch" "$rev_hunks"
	fi
	scratch_install
	stamp_write "${cur[@]}"
	say "applied ${#cur[@]} patches to $KTREE ($CHANGED of its files changed; recorded in $STAMP)"
}

# Remove the project's links from tree $1 (see link_sources).
unlink_sources() {
	local dst=$1/$AMDGPU_DIR doc=$1/Documentation/gpu/amdgpu/svm f
	for f in "$dst"/amdgpu_*.[ch] "$dst"/Makefile.svm "$dst"/Kconfig.svm \
			"$dst"/kunit/* "$doc"/*; do
		[ ! -L "$f" ] || rm -f "$f"
	done
	rmdir "$dst/kunit" "$doc" 2>/dev/null || true
}

# make KDIR=... unpatch: undo the recorded series and remove the links.
kdir_unpatch() {
	KTREE=$1
	local stamp=$KTREE/$STAMP
	RECORDED=()
	if [ -f "$stamp" ]; then
		stamp_read || die "cannot undo the patches $stamp records ($WHY)"
	else
		# Patched before there was a stamp: undo patches/ if it fits.
		RECORDED=("$TOP"/patches/*.patch)
	fi
	mapfile -t FILES < <(series_files "${RECORDED[@]}")
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/amdgpu-svm-kdir.XXXXXX")
	trap 'rm -rf "$SCRATCH"' EXIT
	scratch_load
	if ! scratch_unpatch "${RECORDED[@]}"; then
		[ -f "$stamp" ] || die "$KTREE has no $STAMP and not the patches of" \
			"patches/: nothing to undo"
		die "$FAILED_FILES changed since ${FAILED_PATCH##*/} was applied:" \
			"the patches cannot be undone; the tree was left unchanged"
	fi
	scratch_install
	unlink_sources "$KTREE"
	rm -rf "$stamp" "${KTREE:?}/$STAMP_DIR"
	say "removed ${#RECORDED[@]} patches ($CHANGED files) and the project's links from $KTREE"
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
	if [ "${1:-}" = unpatch ]; then
		[ -n "${KDIR:-}" ] || die "usage: make KDIR=/path/to/linux unpatch"
		kdir_unpatch "$(tree_dir)"
		return 0
	fi
	# shellcheck disable=SC2086 # a list of names
	install_packages $HOST_PACKAGES
	local tree
	if [ -n "${KDIR:-}" ]; then
		tree=$(tree_dir)
		[ -f "$tree/$AMDGPU_DIR/amdgpu_drv.c" ] || die "KDIR=$KDIR has no amdgpu"
		kdir_patch "$tree"
	else
		prepare_clone_tree "$(fetch_tree)"
		tree=$BUILD/linux
	fi
	link_sources "$tree"
	echo "$tree"
}

main "$@"
