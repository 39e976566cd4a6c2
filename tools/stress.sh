#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make stress: the concurrency suite amdgpu_svm_stress for longer than the
# quick run of "make check", in the debug test kernel of "make check"
# (build/kunit, built first if needed), with CPU page-table updates and
# then with SDMA ones.
#
# The migration stress (stress_migration_loses_no_write, eight modes) runs
# for STRESS_MS each; every other case as in make check. A run fails as
# make check does: a failed case, or a report in the kernel log.
#
#   STRESS_MS      milliseconds each migration stress mode runs
#                  (default 60000; make check runs 2000)
#   STRESS_SEED    the seed (default: a random one per mode, printed)
#   STRESS_TIMEOUT seconds kunit.py waits for the guest (default 3600)

. "$(dirname "$0")/common.sh"

unset KDIR O

KERNEL_REPORTS='BUG:|WARNING:|Oops|Kernel panic|kernel BUG|KASAN|UBSAN|general protection fault|Unable to handle|DEBUG_LOCKS_WARN_ON|suspicious RCU usage|sleeping function called from invalid context|list_(add|del) corruption|ODEBUG|blocked for more than'

tree=$("$TOP"/tools/setup.sh)
out=$BUILD/kunit
mkdir -p "$out"
failed=0
args="amdgpu.stress_ms=${STRESS_MS:-60000}"
[ -n "${STRESS_SEED:-}" ] && args+=" amdgpu.stress_seed=$STRESS_SEED"

for mode in cpu sdma; do
	margs=$args
	[ "$mode" = sdma ] && margs+=" amdgpu.svm_sim_pt_sdma=1"
	result=$out/stress-result-$mode.txt
	say "KUnit in QEMU (TCG), suite amdgpu_svm_stress, page tables by $mode: $margs"
	set +e
	(cd "$tree" && ./tools/testing/kunit/kunit.py run \
		--build_dir="$out" --arch=x86_64 --jobs="$JOBS" \
		--qemu_config="$TOP/kunit/qemu_x86_64_tcg.py" \
		--kunitconfig="$TOP/kunit/.kunitconfig" \
		--timeout="${STRESS_TIMEOUT:-3600}" \
		--kernel_args="$margs" 'amdgpu_svm_stress*') 2>&1 | tee "$result"
	rc=${PIPESTATUS[0]}
	set -e
	cp "$out/test.log" "$out/stress-$mode.log" 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		printf 'FAIL: kunit.py exited with %s (%s)\n' "$rc" "$result" >&2
		failed=1
	fi
	if grep -E "$KERNEL_REPORTS" "$out/stress-$mode.log" >&2; then
		printf 'FAIL: the kernel reported a problem (%s)\n' \
			"$out/stress-$mode.log" >&2
		failed=1
	fi
	grep -E 'seed|slot write|prefetch:|pressure:|munmap|attribute set|injected|pages in' \
		"$out/stress-$mode.log" | sed 's/^ *# */  /' >&2 || true
done
[ "$failed" -eq 0 ] || die "make stress failed"
say "make stress: passed"
