#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make bench: migration throughput figures in the KUnit test kernel.
#
# Runs the KUnit suite amdgpu_migrate_bench (kunit/amdgpu_migrate_bench.c)
# in QEMU twice, with the same simulated device:
#
#   1. in a production configuration of the test kernel: the options of
#      kunit/.kunitconfig above its debug section (no KASAN, lockdep,
#      DEBUG_VM, object debugging), with SMP so that the guest's two
#      vCPUs both run; built in build/kunit-production;
#   2. in the debug test kernel of "make check" (build/kunit), whose
#      ratios are those of instrumented code.
#
# Each kernel is built first if needed. The two tables the suite wrote to
# the kernel logs are printed and saved, production first, to
# build/bench.txt.
#
# The figures are never judged: the run fails only if a case failed (bytes
# corrupted, a migration that did not happen, VRAM not returned) or the
# kernel reported a problem (KASAN, lockdep, WARN, BUG ...).
#
#   BENCH_MEM      guest RAM in MiB (default 4096: 256 MiB buffers need
#                  the buffer, its simulated VRAM and two memcpy buffers)
#   BENCH_TIMEOUT  seconds kunit.py waits for the guest (default 1800)

. "$(dirname "$0")/common.sh"

# Like "make check": this clone's own Linux 7.3 tree, whatever KDIR says.
unset KDIR O

# Lines of the kernel log that mean a problem, as in tools/check.sh.
KERNEL_REPORTS='BUG:|WARNING:|Oops|Kernel panic|kernel BUG|KASAN|UBSAN|general protection fault|Unable to handle|DEBUG_LOCKS_WARN_ON|suspicious RCU usage|sleeping function called from invalid context|list_(add|del) corruption|ODEBUG|blocked for more than'
TAG='[svm-bench] '

tree=$("$TOP"/tools/setup.sh)
table=$BUILD/bench.txt
failed=0

# The production kernel's configuration: the device without the checks.
prod=$BUILD/kunit-production
mkdir -p "$prod"
{
	sed '/^# --- The debug checks/,$d' "$TOP/kunit/.kunitconfig"
	printf '%s\n' '# Both vCPUs of the guest run: the parallel figures mean something.' \
		'CONFIG_SMP=y'
} > "$prod/bench.kunitconfig"

# bench_run NAME BUILD_DIR KUNITCONFIG: one run; its table goes to
# $BUILD_DIR/bench-table.txt.
bench_run() {
	local name=$1 out=$2 config=$3 rc elapsed start
	local log=$out/test.log result=$out/bench-result.txt

	say "KUnit in QEMU (TCG), suite amdgpu_migrate_bench, $name kernel (about 6 minutes once built)"
	# A fresh clone has no build directory yet; tee opens its file first.
	mkdir -p "$out"
	rm -f "$log" "$out/bench-table.txt"
	start=$(date +%s)
	set +e
	# Two cores are shared with other builds: stay in the background.
	(cd "$tree" && nice -n 10 ./tools/testing/kunit/kunit.py run \
		--build_dir="$out" --arch=x86_64 --jobs="$JOBS" \
		--qemu_config="$TOP/kunit/qemu_x86_64_tcg.py" \
		--kunitconfig="$config" \
		--qemu_args="-m ${BENCH_MEM:-4096}" \
		--timeout="${BENCH_TIMEOUT:-1800}" \
		'amdgpu_migrate_bench') 2>&1 | tee "$result" >&2
	rc=${PIPESTATUS[0]}
	set -e
	elapsed=$(($(date +%s) - start))

	if [ "$rc" -ne 0 ]; then
		printf 'FAIL: kunit.py exited with %s (see %s)\n' "$rc" "$result" >&2
		failed=1
	fi
	# The table's own lines are not reports, whatever words they use. The
	# 256 MiB case runs for minutes (every SDMA copy executed page by page
	# by the emulated engine) while KUnit's runner, PID 1 (swapper/0, still
	# in kernel_init), waits for it uninterruptibly in
	# kunit_try_catch_run(): the debug kernel's 300 s hung-task check
	# may report that wait, and only that one is not a problem here. Any other
	# blocked task still fails the run, and "make check" keeps every
	# report.
	if [ -f "$log" ] && grep -avF "$TAG" "$log" |
		grep -av 'INFO: task swapper/0:1 blocked for more than' |
		grep -E "$KERNEL_REPORTS" >&2; then
		printf 'FAIL: the kernel reported a problem (see %s)\n' "$log" >&2
		failed=1
	fi

	if [ -f "$log" ] && grep -qF "$TAG" "$log"; then
		grep -aF "$TAG" "$log" | sed 's/^.*\[svm-bench\] //' > "$out/bench-table.txt"
		say "$name kernel: kunit.py run took ${elapsed} s"
	else
		printf 'FAIL: no figures in %s\n' "$log" >&2
		failed=1
	fi
	sed -n 's/.*Testing complete\. //p' "$result" | tail -n 1 >&2
}

bench_run production "$prod" "$prod/bench.kunitconfig"
bench_run debug "$BUILD/kunit" "$TOP/kunit/.kunitconfig"

: > "$table"
for out in "$prod" "$BUILD/kunit"; do
	if [ -f "$out/bench-table.txt" ]; then
		[ -s "$table" ] && echo >> "$table"
		cat "$out/bench-table.txt" >> "$table"
	fi
done
if [ -s "$table" ]; then
	cat "$table"
	say "tables saved to $table"
fi
[ "$failed" -eq 0 ] || exit 1
