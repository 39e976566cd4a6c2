#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make check: every check of the project; any finding fails the run.
#
#   tools/check.sh          build, static checks, then the KUnit suites
#   tools/check.sh static   W=1, sparse, checkpatch --strict, kernel-doc,
#                           the Sphinx build of the documentation, the
#                           upstream series compiled patch by patch,
#                           make KDIR= on a copy of the pristine tree
#   tools/check.sh kunit    the KUnit suites in QEMU
#
# The last line is "N passed, N failed" (", N skipped" if any) over every
# KUnit case that ran.

. "$(dirname "$0")/common.sh"

# The checks run on this clone's own Linux 7.3 tree, whatever KDIR says.
unset KDIR O

what=${1:-all}
failed=0

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	failed=1
}

# Compile every project object with W=1 and sparse in one build dir.  The
# objects are removed first, so that every run compiles (and checks) them.
compile_checked() {
	local out=$1 label=$2 log
	shift 2
	log=$out/static-$label.log
	(cd "$out" && rm -f "$@")
	say "W=1 C=1 compile ($label): $*"
	make -C "$tree" O="$out" -j"$JOBS" -s W=1 C=1 CHECK="$sparse" "$@" \
		> "$log" 2>&1 || fail "$label: compile failed"
	if grep -E 'warning|error' "$log" >&2; then
		fail "$label: compiler or sparse warnings (see $log)"
	fi
}

static_checks() {
	local f objs=() kobjs=() sparse

	sparse=$("$TOP"/tools/sparse.sh "$tree")
	for f in $(cd "$TOP" && ls amdgpu_*.c); do
		objs+=("$AMDGPU_DIR/${f%.c}.o")
	done
	for f in $(cd "$TOP" && ls kunit/*.c); do
		kobjs+=("$AMDGPU_DIR/${f%.c}.o")
	done

	# As shipped: amdgpu.ko without the tests.
	compile_checked "$BUILD/module" module "${objs[@]}"
	# With the tests, in the KUnit kernel's configuration.
	kunit_config
	compile_checked "$BUILD/kunit" kunit "${objs[@]}" "${kobjs[@]}"

	local files=() hdr=include/uapi/drm/amdgpu_drm.h
	for f in $(project_c_files); do
		files+=("$AMDGPU_DIR/$f")
	done

	say "checkpatch --strict"
	# Checks turned off, each for a reason:
	#  FILE_PATH_CHANGES: new files need no MAINTAINERS entry here.
	#  DEPRECATED_API, in the test device only: it sets up the GEM handle
	#  table of its DRM file as drm_gem_open() does, and that table is
	#  the DRM core's IDR.
	local tdev=kunit/amdgpu_svm_test_device.c others=()
	for f in "${files[@]}"; do
		[[ $f == */$tdev ]] || others+=("$f")
	done
	if ! (cd "$tree" && scripts/checkpatch.pl --strict --terse --no-summary \
			--ignore FILE_PATH_CHANGES -f "${others[@]}" &&
	      scripts/checkpatch.pl --strict --terse --no-summary \
			--ignore FILE_PATH_CHANGES,DEPRECATED_API \
			-f "$AMDGPU_DIR/$tdev") >&2; then
		fail "checkpatch on the sources"
	fi
	if ! (cd "$tree" && scripts/checkpatch.pl --strict --terse --no-summary \
			--no-signoff --ignore FILE_PATH_CHANGES \
			"$TOP"/patches/*.patch) >&2; then
		fail "checkpatch on patches/"
	fi

	say "kernel-doc -none -Wall"
	local kd
	kd=$(cd "$tree" && scripts/kernel-doc -none -Wall "${files[@]}" 2>&1)
	# The uAPI header: only what the project added (the SVM section).
	kd+=$(cd "$tree" && scripts/kernel-doc -none -Wall \
		-function drm_amdgpu_svm_attribute -function drm_amdgpu_gem_svm \
		"$hdr" 2>&1)
	if [ -n "$kd" ]; then
		printf '%s\n' "$kd" >&2
		fail "kernel-doc"
	fi

	say "make htmldocs (the documentation chapter)"
	"$TOP"/tools/htmldocs.sh > /dev/null || fail "htmldocs"

	say "make check-series (the upstream series, patch by patch)"
	"$TOP"/tools/check-series.sh > /dev/null || fail "check-series"

	say "make KDIR= on a copy of the pristine tree (tools/kdir-test.sh)"
	"$TOP"/tools/kdir-test.sh || fail "make KDIR= (logs in build/kdir-test)"
}

# Configure the KUnit kernel (kunit.py config) so objects can be built in it.
kunit_config() {
	[ -f "$BUILD/kunit/.config" ] &&
		[ "$BUILD/kunit/.config" -nt "$TOP/kunit/.kunitconfig" ] && return 0
	(cd "$tree" && ./tools/testing/kunit/kunit.py config \
		--build_dir="$BUILD/kunit" --arch=x86_64 \
		--qemu_config="$TOP/kunit/qemu_x86_64_tcg.py" \
		--kunitconfig="$TOP/kunit/.kunitconfig") >&2
}

# Lines of the kernel log that fail the run even if every case passed.
# Lockdep reports start with "WARNING: possible ..." or "WARNING: inconsistent".
KERNEL_REPORTS='BUG:|WARNING:|Oops|Kernel panic|kernel BUG|KASAN|UBSAN|general protection fault|Unable to handle|DEBUG_LOCKS_WARN_ON|suspicious RCU usage|sleeping function called from invalid context|list_(add|del) corruption|ODEBUG|blocked for more than'

# One KUnit run of every suite; $1 names the page-table update mode of the
# simulated GPU: "cpu" (a large-BAR system) or "sdma" (the SDMA engine model).
kunit_run_mode() {
	local mode=$1 out=$BUILD/kunit log result rc args=()
	log=$out/test-$mode.log
	result=$out/kunit-result-$mode.txt
	[ "$mode" = sdma ] && args=(--kernel_args=amdgpu.svm_sim_pt_sdma=1)
	# A fresh clone has no build directory yet: kunit.py makes it later
	# than tee opens the result file.
	mkdir -p "$out"
	say "KUnit in QEMU (TCG), suites amdgpu_svm*, page tables by $mode"
	set +e
	(cd "$tree" && ./tools/testing/kunit/kunit.py run \
		--build_dir="$out" --arch=x86_64 --jobs="$JOBS" \
		--qemu_config="$TOP/kunit/qemu_x86_64_tcg.py" \
		--kunitconfig="$TOP/kunit/.kunitconfig" \
		--timeout="${KUNIT_TIMEOUT:-1800}" "${args[@]}" \
		'amdgpu_svm*') 2>&1 | tee "$result"
	rc=${PIPESTATUS[0]}
	set -e
	[ -f "$out/test.log" ] && cp "$out/test.log" "$log"
	[ "$rc" -eq 0 ] || fail "kunit.py ($mode) exited with $rc"

	if [ -f "$log" ] && grep -E "$KERNEL_REPORTS" "$log" >&2; then
		fail "the kernel reported a problem during the tests (see $log)"
	fi

	# "Ran N tests: passed: P, failed: F, crashed: C, skipped: S, errors: E"
	local line passed=0 bad=0 skipped=0 k n
	line=$(sed -n 's/.*Testing complete\. //p' "$result" | tail -n 1)
	[ -n "$line" ] || fail "no KUnit summary ($mode)"
	for k in passed failed crashed skipped errors; do
		n=$(printf '%s\n' "$line" | sed -n "s/.*$k: \([0-9]*\).*/\1/p")
		n=${n:-0}
		case $k in
		passed) passed=$n ;;
		skipped) skipped=$n ;;
		*) bad=$((bad + n)) ;;
		esac
	done
	[ "$passed" -gt 0 ] || fail "no KUnit case passed ($mode)"
	if [ "$bad" -ne 0 ]; then
		fail "$bad KUnit cases failed ($mode)"
		# What failed, again at the end: CI keeps only the tail.
		grep -E -A4 'EXPECTATION FAILED|ASSERTION FAILED|Expected |\[(FAILED|CRASHED)\]|timed out' \
			"$result" | head -n 60 >> "$FAIL_DETAILS" || true
	fi
	say "page tables by $mode: $passed passed, $bad failed, $skipped skipped"
	KUNIT_PASSED=$((KUNIT_PASSED + passed))
	KUNIT_BAD=$((KUNIT_BAD + bad))
	KUNIT_SKIPPED=$((KUNIT_SKIPPED + skipped))
}

KUNIT_PASSED=0
KUNIT_BAD=0
FAIL_DETAILS=$BUILD/kunit-failures.txt
rm -f "$FAIL_DETAILS"
KUNIT_SKIPPED=0
kunit_run() {
	kunit_run_mode cpu
	kunit_run_mode sdma
	KUNIT_SUMMARY="$KUNIT_PASSED passed, $KUNIT_BAD failed"
	[ "$KUNIT_SKIPPED" -eq 0 ] || KUNIT_SUMMARY+=", $KUNIT_SKIPPED skipped"
}

KUNIT_SUMMARY=
case $what in
all)
	"$TOP"/tools/build.sh > /dev/null
	tree=$(tree_dir)
	static_checks
	kunit_run
	;;
static)
	tree=$("$TOP"/tools/setup.sh)
	[ -f "$BUILD/module/.config" ] || "$TOP"/tools/build.sh > /dev/null
	static_checks
	;;
kunit)
	tree=$("$TOP"/tools/setup.sh)
	kunit_run
	;;
*)
	die "usage: $0 [all|static|kunit]"
	;;
esac

if [ "$failed" -ne 0 ]; then
	if [ -s "$FAIL_DETAILS" ]; then
		echo "==> the failed KUnit cases:" >&2
		cat "$FAIL_DETAILS" >&2
	fi
	echo "make check: FAILED" >&2
	[ -n "$KUNIT_SUMMARY" ] && echo "$KUNIT_SUMMARY"
	[ -n "$KUNIT_SUMMARY" ] || echo "0 passed, 1 failed"
	exit 1
fi
echo "make check: all checks passed" >&2
[ -z "$KUNIT_SUMMARY" ] || echo "$KUNIT_SUMMARY"
exit 0
