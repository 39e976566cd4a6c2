#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the documentation chapter with the kernel's own Sphinx setup, as
# "make htmldocs" would, but only the amdgpu book it belongs to
# (SPHINXDIRS=gpu/amdgpu): the chapter is Documentation/gpu/amdgpu/svm/ of
# the tree, linked there by tools/setup.sh and added to the book's toctree
# by patches/0006.
#
# Fails on any warning that names the project's files: the chapter, the
# book's index it is added to, the project's sources whose kernel-doc it
# pulls in, and the SVM part of the uAPI header. Warnings about other
# files of the book are upstream's and only counted. Prints the path of
# the chapter's index.html.
#
# Output in build/htmldocs/; the Sphinx environment is kept there, so a
# second run rebuilds only what changed (the kernel-doc directives make
# the sources dependencies of the pages that include them).

. "$(dirname "$0")/common.sh"

# What Documentation/conf.py and tools/docs/sphinx-pre-install need for
# HTML on Debian 12: Sphinx 5.3 (with docutils, jinja2 and the alabaster
# theme) and PyYAML. graphviz is optional and only renders figures of
# other chapters.
DOC_PACKAGES="python3-sphinx python3-yaml make gcc"

# First and last line of the SVM uAPI in the tree's amdgpu_drm.h: from its
# DOC section to the end of struct drm_amdgpu_gem_svm.
uapi_lines() {
	awk '/DOC: shared virtual memory/ { lo = NR }
	     lo && /^struct drm_amdgpu_gem_svm \{/ { s = 1 }
	     s && /^\};/ { print lo, NR; exit }' "$1/include/uapi/drm/amdgpu_drm.h"
}

# The warnings of $1 (the build log) that are the project's, on stdout.
our_warnings() {
	local lo hi
	read -r lo hi < <(uapi_lines "$2") || true
	{ grep -E 'WARNING|ERROR|CRITICAL|SEVERE' "$1" || true; } |
	awk -v lo="${lo:-0}" -v hi="${hi:-0}" '
		/gpu\/amdgpu\/svm\// ||
		/Documentation\/gpu\/amdgpu\/index(\.rst)?:/ ||
		/drivers\/gpu\/drm\/amd\/amdgpu\/(kunit\/)?amdgpu_(svm|migrate)[^\/]*\.[ch]/ {
			print; next
		}
		/amdgpu_drm\.h/ {
			# Upstream parts of the header are not ours.
			if (match($0, /amdgpu_drm\.h:[0-9]+/)) {
				n = substr($0, RSTART + 13, RLENGTH - 13) + 0
				if (n < lo || n > hi)
					next
			}
			print
		}'
}

# kernel-doc is silent when an identifier a page asks for does not exist
# (renamed, say): check that every one made it into its page.
missing_identifiers() {
	local rst page id
	for rst in "$TOP"/Documentation/*.rst; do
		page=$1/gpu/amdgpu/svm/$(basename "${rst%.rst}").html
		for id in $(sed -n 's/^ *:identifiers: *//p' "$rst"); do
			grep -q "id=\"c\.$id\"" "$page" ||
				echo "Documentation/${rst##*/}: WARNING: no kernel-doc for $id"
		done
	done
}

main() {
	# shellcheck disable=SC2086 # a list of names
	install_packages --no-install-recommends $DOC_PACKAGES
	local tree out log start
	tree=$("$TOP/tools/setup.sh")
	[ -f "$tree/Documentation/gpu/amdgpu/svm/index.rst" ] ||
		die "the chapter is not linked into $tree"
	out=$BUILD/htmldocs
	log=$out/build.log
	mkdir -p "$out"

	# Debian's sphinx-build runs on Debian's python3; a python3 of pyenv or
	# a virtualenv earlier in PATH would not find its modules.
	export PATH=/usr/bin:/bin:$PATH

	say "Sphinx: SPHINXDIRS=gpu/amdgpu into $out"
	start=$SECONDS
	if ! nice -n 10 make -s -C "$tree" O="$out/obj" BUILDDIR="$out" \
		SPHINXDIRS=gpu/amdgpu htmldocs >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		rm -f "$out/.doctrees/environment.pickle"
		die "make htmldocs failed, log in $log"
	fi

	local ours others
	ours=$(our_warnings "$log" "$tree"; missing_identifiers "$out")
	others=$(grep -cE 'WARNING|ERROR|CRITICAL|SEVERE' "$log" || true)
	if [ -n "$ours" ]; then
		printf '%s\n' "$ours" >&2
		# Sphinx reports a warning only when it reads the page again: drop
		# the environment so that the next run reads everything and sees
		# these again even if nothing changed.
		rm -f "$out/.doctrees/environment.pickle"
		die "$(printf '%s\n' "$ours" | wc -l) warning(s) in the project's documentation, log in $log"
	fi
	say "no warning from the project's files ($others from other files of the book ignored), $((SECONDS - start)) s"
	echo "$out/gpu/amdgpu/svm/index.html"
}

main "$@"
