// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of the migration policy: the decision table, row by row,
 * then the executor through the real ioctl and GPU fault paths, on the
 * simulated device with simulated VRAM, real drm_pagemap and migrate_vma.
 */

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_pagemap.h>

#include "../amdgpu.h"
#include "../amdgpu_migrate.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_attr.h"
#include "../amdgpu_svm_range.h"
#include "../amdgpu_svm_range_migrate.h"
#include "../amdgpu_svm_trace.h"
#include "amdgpu_svm_sim.h"
#include "amdgpu_svm_test.h"
#include "vega10_enum.h"

#define UNDEF		AMDGPU_SVM_LOCATION_UNDEFINED
#define SYSMEM		AMDGPU_SVM_LOCATION_SYSMEM
#define GPU		1
#define ALLOW		AMDGPU_SVM_ACCESS_ALLOW_MIGRATE
#define IN_PLACE	AMDGPU_SVM_ACCESS_IN_PLACE

/* --- The decision table --- */

struct decide_row {
	const char *name;
	u32 preferred;
	u32 prefetch;
	u8 access;
	enum amdgpu_svm_placement placement;
	enum amdgpu_svm_trigger trigger;
	bool can_migrate;
	enum amdgpu_svm_migrate_action expect;
};

#define P_SYS	AMDGPU_SVM_PLACEMENT_SYSMEM
#define P_VRAM	AMDGPU_SVM_PLACEMENT_VRAM
#define P_MIX	AMDGPU_SVM_PLACEMENT_MIXED
#define P_PEER	AMDGPU_SVM_PLACEMENT_PEER
#define T_FAULT	AMDGPU_SVM_TRIGGER_GPU_FAULT
#define T_PF	AMDGPU_SVM_TRIGGER_PREFETCH
#define T_MAP	AMDGPU_SVM_TRIGGER_MAP
#define T_REST	AMDGPU_SVM_TRIGGER_RESTORE
#define STAY	AMDGPU_SVM_MIGRATE_STAY
#define TO_VRAM	AMDGPU_SVM_MIGRATE_TO_VRAM
#define TO_SYS	AMDGPU_SVM_MIGRATE_TO_SYSMEM

static const struct decide_row decide_rows[] = {
	/* Prefetch: PREFETCH_LOC decides, whatever PREFERRED_LOC says. */
	{ "prefetch gpu, pages in ram", UNDEF, GPU, ALLOW, P_SYS, T_PF, true, TO_VRAM },
	{ "prefetch gpu, mixed", UNDEF, GPU, ALLOW, P_MIX, T_PF, true, TO_VRAM },
	{ "prefetch gpu, already in vram", UNDEF, GPU, ALLOW, P_VRAM, T_PF, true, STAY },
	{ "prefetch kfd gpu_id", UNDEF, 0x4cd2, ALLOW, P_SYS, T_PF, true, TO_VRAM },
	{ "prefetch gpu, preferred sysmem", SYSMEM, GPU, ALLOW, P_SYS, T_PF, true, TO_VRAM },
	{ "prefetch gpu, in place", UNDEF, GPU, IN_PLACE, P_SYS, T_PF, true, TO_VRAM },
	{ "prefetch gpu, cannot migrate", UNDEF, GPU, ALLOW, P_SYS, T_PF, false, STAY },
	{ "prefetch sysmem, in vram", UNDEF, SYSMEM, ALLOW, P_VRAM, T_PF, true, TO_SYS },
	{ "prefetch sysmem, mixed", UNDEF, SYSMEM, ALLOW, P_MIX, T_PF, true, TO_SYS },
	{ "prefetch sysmem, already in ram", UNDEF, SYSMEM, ALLOW, P_SYS, T_PF, true, STAY },
	{ "prefetch sysmem, preferred gpu", GPU, SYSMEM, ALLOW, P_VRAM, T_PF, true, TO_SYS },
	{ "prefetch sysmem, in place", UNDEF, SYSMEM, IN_PLACE, P_VRAM, T_PF, true, TO_SYS },
	{ "prefetch undefined", GPU, UNDEF, ALLOW, P_SYS, T_PF, true, STAY },
	/* GPU fault: PREFERRED_LOC; none means the faulting GPU. */
	{ "fault, undefined, in ram", UNDEF, UNDEF, ALLOW, P_SYS, T_FAULT, true, TO_VRAM },
	{ "fault, undefined, mixed", UNDEF, UNDEF, ALLOW, P_MIX, T_FAULT, true, TO_VRAM },
	{ "fault, undefined, in vram", UNDEF, UNDEF, ALLOW, P_VRAM, T_FAULT, true, STAY },
	{ "fault, undefined, in place", UNDEF, UNDEF, IN_PLACE, P_SYS, T_FAULT, true, STAY },
	{ "fault, undefined, cannot migrate", UNDEF, UNDEF, ALLOW, P_SYS, T_FAULT, false, STAY },
	{ "fault, preferred gpu, in ram", GPU, UNDEF, ALLOW, P_SYS, T_FAULT, true, TO_VRAM },
	{ "fault, preferred gpu, in vram", GPU, UNDEF, ALLOW, P_VRAM, T_FAULT, true, STAY },
	{ "fault, preferred gpu, in place", GPU, UNDEF, IN_PLACE, P_MIX, T_FAULT, true, STAY },
	{ "fault, preferred sysmem, in vram", SYSMEM, UNDEF, ALLOW, P_VRAM, T_FAULT, true, TO_SYS },
	{ "fault, preferred sysmem, mixed", SYSMEM, UNDEF, IN_PLACE, P_MIX, T_FAULT, true, TO_SYS },
	{ "fault, preferred sysmem, in ram", SYSMEM, UNDEF, ALLOW, P_SYS, T_FAULT, true, STAY },
	/* A stored PREFETCH_LOC is one-shot: it no longer decides. */
	{ "fault, stored prefetch sysmem", UNDEF, SYSMEM, ALLOW, P_VRAM, T_FAULT, true, STAY },
	/* XNACK-off map and restore: map where the pages are, as KFD. */
	{ "restore, undefined, in vram", UNDEF, UNDEF, ALLOW, P_VRAM, T_REST, true, STAY },
	{ "restore, undefined, in ram", UNDEF, UNDEF, ALLOW, P_SYS, T_REST, true, STAY },
	{ "restore, undefined, mixed", UNDEF, GPU, ALLOW, P_MIX, T_REST, true, STAY },
	{ "restore, preferred gpu, in ram", GPU, UNDEF, ALLOW, P_SYS, T_REST, true, STAY },
	{ "restore, preferred gpu, cannot migrate", GPU, UNDEF, ALLOW, P_MIX, T_REST, false, STAY },
	{ "restore, preferred sysmem, mixed", SYSMEM, UNDEF, ALLOW, P_MIX, T_REST, true, STAY },
	{ "map, undefined, in vram", UNDEF, UNDEF, ALLOW, P_VRAM, T_MAP, true, STAY },
	{ "map, preferred gpu, mixed", GPU, UNDEF, ALLOW, P_MIX, T_MAP, true, STAY },
	{ "map, preferred gpu, in place", GPU, UNDEF, IN_PLACE, P_SYS, T_MAP, true, STAY },
	{ "map, preferred sysmem, in vram", SYSMEM, UNDEF, ALLOW, P_VRAM, T_MAP, true, STAY },
	{ "map, prefetch gpu stored", UNDEF, GPU, ALLOW, P_SYS, T_MAP, true, STAY },
	/*
	 * Pages in a hive peer's VRAM: not yet in this GPU's. IN_PLACE maps
	 * them there; a move takes them to this GPU (straight from the
	 * peer's VRAM, which the executor does), a SYSMEM location takes them
	 * home.
	 */
	{ "peer: prefetch gpu", UNDEF, GPU, IN_PLACE, P_PEER, T_PF, true, TO_VRAM },
	{ "peer: prefetch gpu, cannot migrate", UNDEF, GPU, ALLOW, P_PEER, T_PF, false, STAY },
	{ "peer: prefetch sysmem", UNDEF, SYSMEM, ALLOW, P_PEER, T_PF, true, TO_SYS },
	{ "peer: prefetch sysmem, in place", GPU, SYSMEM, IN_PLACE, P_PEER, T_PF, true, TO_SYS },
	{ "peer: prefetch undefined", GPU, UNDEF, ALLOW, P_PEER, T_PF, true, STAY },
	{ "peer: fault, undefined, allow", UNDEF, UNDEF, ALLOW, P_PEER, T_FAULT, true, TO_VRAM },
	{ "peer: fault, undefined, in place", UNDEF, UNDEF, IN_PLACE, P_PEER, T_FAULT, true, STAY },
	{ "peer: fault, preferred gpu, allow", GPU, UNDEF, ALLOW, P_PEER, T_FAULT, true, TO_VRAM },
	{ "peer: fault, preferred gpu, in place", GPU, UNDEF, IN_PLACE, P_PEER, T_FAULT, true,
	  STAY },
	{ "peer: fault, preferred sysmem", SYSMEM, UNDEF, IN_PLACE, P_PEER, T_FAULT, true, TO_SYS },
	{ "peer: restore", GPU, UNDEF, ALLOW, P_PEER, T_REST, true, STAY },
	{ "peer: map", GPU, GPU, ALLOW, P_PEER, T_MAP, true, STAY },
};

static void decide_row_desc(const struct decide_row *row, char *desc)
{
	strscpy(desc, row->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decide, decide_rows, decide_row_desc);

static void policy_decision_table(struct kunit *test)
{
	const struct decide_row *row = test->param_value;
	struct amdgpu_svm_attrs attrs = {
		.preferred_loc = row->preferred,
		.prefetch_loc = row->prefetch,
		.access = row->access,
		.granularity = AMDGPU_SVM_DEFAULT_GRANULARITY,
	};

	KUNIT_EXPECT_EQ(test, amdgpu_svm_migrate_decide(&attrs, row->placement,
							row->trigger,
							row->can_migrate),
			row->expect);
}

/* --- The executor, through the ioctl and the GPU fault handler --- */

#define VRAM_SIZE	SZ_32M

struct policy_fixture {
	struct amdgpu_svm_test_dev *tdev;
	struct amdgpu_svm_test_vram *vram;
	struct amdgpu_migrate_stats *stats;
};

static const bool xnack_modes[] = { false, true };

static void xnack_desc(const bool *on, char *desc)
{
	strscpy(desc, *on ? "xnack on" : "xnack off", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(xnack, xnack_modes, xnack_desc);

static struct policy_fixture *fixture(struct kunit *test, bool xnack_on)
{
	struct policy_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->tdev = amdgpu_svm_test_dev_create_with_vram(test, xnack_on,
						       VRAM_SIZE);
	f->vram = f->tdev->vram;
	f->stats = &amdgpu_svm_test_migrate(f->tdev)->stats;
	/*
	 * Make the SVM now and keep its restore worker from running on its
	 * own: outside this thread the simulated device's leaves are not in
	 * place. Cases that need the worker run it themselves.
	 */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(f->tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       f->tdev->attrs_page,
						       PAGE_SIZE, NULL, 0));
	f->tdev->fpriv->vm.svm->restore.delay = 3600 * HZ;
	return f;
}

static int set(struct policy_fixture *f, unsigned long start, size_t size,
	       u32 type, u32 value)
{
	const struct drm_amdgpu_svm_attribute attr = { type, value };

	return amdgpu_svm_test_ioctl(f->tdev, AMDGPU_SVM_OP_SET_ATTR, start,
				     size, &attr, 1);
}

/* A pattern buffer aligned to @align, inside a VMA of exactly @size. */
static unsigned long buffer(struct kunit *test, size_t size, size_t align,
			    u32 seed)
{
	unsigned long map, buf, off;

	map = kunit_vm_mmap(test, NULL, 0, size + align, PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, map && map < TASK_SIZE);
	buf = ALIGN(map, align);
	/* Cut the VMA down to the buffer, so it ends where the buffer does. */
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf + size, map + size + align -
					   (buf + size)));
	if (buf > map)
		KUNIT_ASSERT_EQ(test, 0, vm_munmap(map, buf - map));
	for (off = 0; off < size; off += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, 0, put_user(seed ^ (u32)(off >> PAGE_SHIFT),
						  (u32 __user *)(buf + off)));
	return buf;
}

/* The CPU reads every page back (faulting it out of VRAM) intact. */
static void expect_cpu_bytes(struct kunit *test, unsigned long buf,
			     size_t size, u32 seed)
{
	unsigned long off;
	u32 v;

	for (off = 0; off < size; off += PAGE_SIZE) {
		KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(buf + off)));
		KUNIT_ASSERT_EQ_MSG(test, v, seed ^ (u32)(off >> PAGE_SHIFT),
				    "page %lu", off >> PAGE_SHIFT);
	}
}

/* The GPU reads page @i and its PTE says VRAM or system memory. */
static void expect_gpu_page(struct kunit *test, struct policy_fixture *f,
			    unsigned long buf, unsigned long i, u32 seed,
			    bool in_vram)
{
	struct amdgpu_svm_test_pte pte;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
							    buf + i * PAGE_SIZE,
							    &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, seed ^ (u32)i);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev,
							buf + i * PAGE_SIZE,
							&pte));
	KUNIT_EXPECT_EQ(test, !(pte.flags & AMDGPU_PTE_SYSTEM), in_vram);
}

static void policy_prefetch_is_one_shot_and_looks_first(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, *(const bool *)test->param_value);
	const size_t size = SZ_4M;
	const unsigned long n = size >> PAGE_SHIFT;
	unsigned long buf = buffer(test, size, SZ_2M, 0x9f1);
	int allocs, copies;

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, size, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, size,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), n);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_in), n);
	/* Two 2 MiB ranges, each one contiguous allocation: one copy each. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->copy_commands), 2);
	/* The prefetch mapped the range too: no GPU fault needed. */
	expect_gpu_page(test, f, buf, 7, 0x9f1, true);
	expect_gpu_page(test, f, buf, n - 1, 0x9f1, true);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->gpu_faults), 0);

	/* The same prefetch again acts, finds the pages there, moves nothing. */
	allocs = amdgpu_svm_test_vram_allocs(f->vram);
	copies = atomic_read(&f->vram->copies);
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, size,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_allocs(f->vram), allocs);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), copies);

	/* Prefetch to system memory brings every page back. */
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, size,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, SYSMEM));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_out), n);
	expect_gpu_page(test, f, buf, 7, 0x9f1, false);
	expect_cpu_bytes(test, buf, size, 0x9f1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->fallbacks), 0);
}

/* Migrations running at once, and the most there were, by tracepoint. */
struct in_flight {
	atomic_t now;
	atomic_t most;
};

static void in_flight_start(void *data, const struct device *dev, int action,
			    int trigger, unsigned long start,
			    unsigned long npages)
{
	struct in_flight *t = data;
	int now = atomic_inc_return(&t->now), most;

	do {
		most = atomic_read(&t->most);
	} while (now > most && atomic_cmpxchg(&t->most, most, now) != most);
}

static void in_flight_end(void *data, const struct device *dev, int action,
			  int trigger, unsigned long start,
			  unsigned long npages, u64 bytes, u64 copies, int ret)
{
	atomic_dec(&((struct in_flight *)data)->now);
}

/* Prefetch @buf to the GPU, counting how many ranges moved at once. */
static int prefetch_in_flight(struct kunit *test, struct policy_fixture *f,
			      unsigned long buf, size_t size)
{
	struct in_flight t = {};
	int ret;

	KUNIT_ASSERT_EQ(test, 0,
			register_trace_amdgpu_svm_migrate_start(in_flight_start,
								&t));
	KUNIT_ASSERT_EQ(test, 0,
			register_trace_amdgpu_svm_migrate_end(in_flight_end,
							      &t));
	ret = set(f, buf, size, AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU);
	unregister_trace_amdgpu_svm_migrate_start(in_flight_start, &t);
	unregister_trace_amdgpu_svm_migrate_end(in_flight_end, &t);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.now), 0);
	return atomic_read(&t.most);
}

static void restore_prefetch_workers(void *data)
{
	amdgpu_svm_prefetch_workers = (uintptr_t)data;
}

/*
 * A prefetch of four 2 MiB ranges moves them in parallel, with a slow
 * copy engine so that each migration lasts: while one waits for the
 * engine, a helper starts the next (even on the one CPU of the test
 * kernel). The ioctl returns with every page in VRAM and mapped. With no
 * helper allowed, one migration runs at a time.
 */
static void policy_prefetch_moves_ranges_in_parallel(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, *(const bool *)test->param_value);
	struct amdgpu_svm_sim_sdma *sdma = &f->tdev->sim->sdma;
	const size_t size = SZ_8M;
	const unsigned long n = size >> PAGE_SHIFT;
	unsigned long buf = buffer(test, size, SZ_2M, 0x9a7);
	unsigned long back = buffer(test, size, SZ_2M, 0xba7);

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, restore_prefetch_workers,
						  (void *)(uintptr_t)amdgpu_svm_prefetch_workers));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, size, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	KUNIT_ASSERT_EQ(test, 0, set(f, back, size, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	WRITE_ONCE(sdma->packet_delay_us, 1000);

	amdgpu_svm_prefetch_workers = AMDGPU_SVM_PREFETCH_WORKERS;
	KUNIT_EXPECT_GE(test, prefetch_in_flight(test, f, buf, size), 2);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							 buf + size), n);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_in), n);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->fallbacks), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->gpu_faults), 0);

	amdgpu_svm_prefetch_workers = 0;
	KUNIT_EXPECT_EQ(test, prefetch_in_flight(test, f, back, size), 1);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(f->tdev, back,
							 back + size), n);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_in), 2 * n);
	WRITE_ONCE(sdma->packet_delay_us, 0);

	expect_gpu_page(test, f, buf, 5, 0x9a7, true);
	expect_gpu_page(test, f, buf, n - 1, 0x9a7, true);
	expect_gpu_page(test, f, back, 600, 0xba7, true);
	expect_cpu_bytes(test, buf, size, 0x9a7);
	expect_cpu_bytes(test, back, size, 0xba7);
}

/*
 * One of the four allocations of a parallel prefetch fails: that range
 * alone falls back and is mapped from system memory, the others move,
 * and the ioctl succeeds with every page mapped.
 */
static void policy_parallel_prefetch_falls_back_per_range(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, *(const bool *)test->param_value);
	const size_t size = SZ_8M;
	const unsigned long n = size >> PAGE_SHIFT;
	unsigned long buf = buffer(test, size, SZ_2M, 0xfa1);

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, size, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	amdgpu_svm_test_vram_fail_alloc(f->vram, 2);
	KUNIT_EXPECT_GE(test, prefetch_in_flight(test, f, buf, size), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->fallbacks), 1);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), n - 512);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							 buf + size), n);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->gpu_faults), 0);
	expect_cpu_bytes(test, buf, size, 0xfa1);
}

static void policy_undefined_never_evicts_a_prefetch(struct kunit *test)
{
	bool xnack_on = *(const bool *)test->param_value;
	struct policy_fixture *f = fixture(test, xnack_on);
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0x51);

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 512);

	/*
	 * New PTE flags remove the ranges: XNACK off maps them again at
	 * once, XNACK on when the GPU faults. Either way the pages stay.
	 */
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M, AMDGPU_SVM_ATTR_GPU_EXEC,
				     1));
	expect_gpu_page(test, f, buf, 100, 0x51, true);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->gpu_faults), xnack_on);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 512);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_out), 0);
}

static void policy_gpu_fault_follows_access(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, true);
	unsigned long a = buffer(test, SZ_2M, SZ_2M, 0xa);
	unsigned long b = buffer(test, SZ_2M, SZ_2M, 0xb);

	/* Defaults (no preferred location, ALLOW_MIGRATE): to the GPU. */
	expect_gpu_page(test, f, a, 3, 0xa, true);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 512);
	/* One fault, and its replays while the SDMA update was in flight. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->gpu_faults),
			1 + atomic_read(&f->tdev->gpu_fault_retries));

	/* IN_PLACE: mapped where the pages are. */
	KUNIT_ASSERT_EQ(test, 0, set(f, b, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     IN_PLACE));
	expect_gpu_page(test, f, b, 3, 0xb, false);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 512);

	/* A prefetch moves them all the same, as KFD's does. */
	KUNIT_ASSERT_EQ(test, 0, set(f, b, SZ_2M, AMDGPU_SVM_ATTR_PREFETCH_LOC,
				     GPU));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 1024);
	expect_gpu_page(test, f, b, 3, 0xb, true);

	expect_cpu_bytes(test, a, SZ_2M, 0xa);
	expect_cpu_bytes(test, b, SZ_2M, 0xb);
}

/*
 * A prefetch moves pages whatever ACCESS says, as KFD's does, INACCESSIBLE
 * included: they go to VRAM, and home again, without ever being mapped.
 */
static void policy_prefetch_moves_inaccessible_pages(struct kunit *test)
{
	bool xnack_on = *(const bool *)test->param_value;
	struct policy_fixture *f = fixture(test, xnack_on);
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0x1a);

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     AMDGPU_SVM_ACCESS_INACCESSIBLE));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 512);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_2M));

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, SYSMEM));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_out), 512);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_2M));
	expect_cpu_bytes(test, buf, SZ_2M, 0x1a);
}

static void policy_preferred_sysmem_evicts_on_fault(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, true);
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0x5e);
	const struct drm_amdgpu_svm_attribute attrs[] = {
		{ AMDGPU_SVM_ATTR_PREFERRED_LOC, SYSMEM },
		/* New PTE flags, so that the next access faults. */
		{ AMDGPU_SVM_ATTR_GPU_EXEC, 1 },
	};

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 512);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(f->tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_2M, attrs,
						       ARRAY_SIZE(attrs)));
	expect_gpu_page(test, f, buf, 9, 0x5e, false);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_out), 512);
	expect_cpu_bytes(test, buf, SZ_2M, 0x5e);
}

/*
 * XNACK off, as KFD: only a prefetch moves pages. A SET of a GPU
 * preferred location maps them where they are, and so does the restore
 * worker after the CPU took some back: otherwise every CPU touch would
 * pull them back to VRAM and stop the queues again.
 */
static void policy_xnack_off_only_a_prefetch_migrates(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, false);
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0x7e);
	const struct drm_amdgpu_svm_attribute attrs[] = {
		{ AMDGPU_SVM_ATTR_PREFERRED_LOC, GPU },
		{ AMDGPU_SVM_ATTR_ACCESS, ALLOW },
	};
	unsigned long used;
	u32 v;

	/* Granting access maps now, from system memory. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(f->tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_2M, attrs,
						       ARRAY_SIZE(attrs)));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_gpu_page(test, f, buf, 1, 0x7e, false);

	/*
	 * A prefetch moves them; the queues stop while their PTEs change,
	 * and run again once the restore worker mapped what they use.
	 */
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 512);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->sim->queue_stops), 1);
	amdgpu_svm_test_run_restore(f->tdev);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(f->tdev), 1);
	expect_gpu_page(test, f, buf, 1, 0x7e, true);

	/* The CPU takes some pages back, which stops the GPU queues... */
	KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(buf + PAGE_SIZE)));
	KUNIT_EXPECT_EQ(test, v, 0x7e ^ 1);
	used = amdgpu_svm_test_vram_used(f->vram);
	KUNIT_EXPECT_LT(test, used, 512);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->sim->queue_stops), 2);

	/* ...and the restore worker maps them where they are now. */
	amdgpu_svm_test_run_restore(f->tdev);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), used);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(f->tdev), 2);
	expect_gpu_page(test, f, buf, 1, 0x7e, false);
	expect_cpu_bytes(test, buf, SZ_2M, 0x7e);
}

static void policy_granularity_widens_within_the_vma(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, true);
	/* Aligned to their size: inside one drm_gpusvm notifier. */
	unsigned long a = buffer(test, SZ_8M, SZ_8M, 0x6a);
	unsigned long b = buffer(test, SZ_2M + SZ_1M, SZ_4M, 0x6b);

	/* 2^10 pages: a fault moves the aligned 4 MiB around it. */
	KUNIT_ASSERT_EQ(test, 0, set(f, a, SZ_8M, AMDGPU_SVM_ATTR_GRANULARITY,
				     10));
	expect_gpu_page(test, f, a, 5, 0x6a, true);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), SZ_4M >> PAGE_SHIFT);

	/* A 3 MiB VMA: the 4 MiB block is cut at its end. */
	KUNIT_ASSERT_EQ(test, 0, set(f, b, SZ_2M + SZ_1M,
				     AMDGPU_SVM_ATTR_GRANULARITY, 10));
	expect_gpu_page(test, f, b, 5, 0x6b, true);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram),
			(SZ_4M + SZ_2M + SZ_1M) >> PAGE_SHIFT);

	expect_cpu_bytes(test, a, SZ_8M, 0x6a);
	expect_cpu_bytes(test, b, SZ_2M + SZ_1M, 0x6b);
}

static void policy_mixed_range_is_evicted_then_migrated(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, true);
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0x313);

	/* Half of the range in VRAM already, as an earlier migration left it. */
	KUNIT_ASSERT_EQ(test, 0, drm_pagemap_populate_mm(&mig->dpagemap, buf,
							 buf + SZ_1M,
							 current->mm, 0));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 256);

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 512);
	/* The half in VRAM came back first: drm_pagemap moves all or none. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_out), 256);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->fallbacks), 0);
	expect_gpu_page(test, f, buf, 0, 0x313, true);
	expect_gpu_page(test, f, buf, 511, 0x313, true);
	expect_cpu_bytes(test, buf, SZ_2M, 0x313);
}

/* Unbind, from inside the policy, which holds the VRAM registration. */
static void unbind_inside_the_policy(struct amdgpu_svm_test_dev *tdev)
{
	amdgpu_migrate_fini(tdev->adev);
}

static void policy_survives_unbind_while_it_holds_vram(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, *(const bool *)test->param_value);
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0xb1d);

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	/*
	 * The registration is gone (its memory too, unless the policy holds
	 * a reference) before the policy looks at the pages: the prefetch
	 * finds no VRAM to move to and maps the range where it is.
	 */
	f->tdev->before_migrate = unbind_inside_the_policy;
	KUNIT_EXPECT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_EXPECT_NULL(test, f->tdev->before_migrate);
	KUNIT_EXPECT_NULL(test, amdgpu_svm_test_migrate(f->tdev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_gpu_page(test, f, buf, 3, 0xb1d, false);
	expect_cpu_bytes(test, buf, SZ_2M, 0xb1d);
}

static void policy_failure_maps_from_system_memory(struct kunit *test)
{
	bool copy = *(const bool *)test->param_value;
	struct policy_fixture *f = fixture(test, false);
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0xfa11);
	const struct drm_amdgpu_svm_attribute attrs[] = {
		{ AMDGPU_SVM_ATTR_ACCESS, ALLOW },
		{ AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU },
	};

	if (copy)
		f->vram->fail_copy_at = 1;
	else
		amdgpu_svm_test_vram_fail_alloc(f->vram, 1);
	/* The call succeeds: the range is mapped where the data is. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_ioctl(f->tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_2M, attrs,
						       ARRAY_SIZE(attrs)));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->fallbacks), 1);
	expect_gpu_page(test, f, buf, 42, 0xfa11, false);
	expect_cpu_bytes(test, buf, SZ_2M, 0xfa11);
}

static const bool failure_kinds[] = { false, true };

static void failure_desc(const bool *copy, char *desc)
{
	strscpy(desc, *copy ? "copy fails" : "allocation fails",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(failure, failure_kinds, failure_desc);

static void restore_timeslice(void *old)
{
	WRITE_ONCE(amdgpu_svm_timeslice_ms, (unsigned int)(uintptr_t)old);
}

static void policy_timeslice_keeps_pages_in_vram(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, true);
	unsigned long buf = buffer(test, SZ_64K, SZ_64K, 0x75);
	u64 t0, waited;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, restore_timeslice,
						  (void *)(uintptr_t)amdgpu_svm_timeslice_ms));
	WRITE_ONCE(amdgpu_svm_timeslice_ms, 400);
	/* Migration takes part of it: a full 400 ms cannot be expected. */

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_64K,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	t0 = ktime_get_ns();
	KUNIT_ASSERT_EQ(test, 16, amdgpu_svm_test_vram_used(f->vram));

	/* The CPU fault waits until the timeslice is over, then migrates. */
	KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)buf));
	waited = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, v, 0x75);
	KUNIT_EXPECT_GE_MSG(test, waited, 200 * NSEC_PER_MSEC,
			    "the CPU took the page back after %llu ms", waited / NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

/* What the tracepoints of one case reported. */
struct trace_log {
	int ends;
	int action;
	int trigger;
	unsigned long npages;
	u64 bytes;
	u64 copies;
	int ret;
	int fallbacks;
	int fallback_err;
};

static void probe_migrate_end(void *data, const struct device *dev,
			      int action, int trigger, unsigned long start,
			      unsigned long npages, u64 bytes, u64 copies,
			      int ret)
{
	struct trace_log *log = data;

	/* What was copied, from the first; the outcome, from the last. */
	if (!log->ends++) {
		log->bytes = bytes;
		log->copies = copies;
	}
	log->action = action;
	log->trigger = trigger;
	log->npages = npages;
	log->ret = ret;
}

static void probe_fallback(void *data, const struct device *dev, int action,
			   int trigger, unsigned long start,
			   unsigned long npages, int err)
{
	struct trace_log *log = data;

	log->fallbacks++;
	log->fallback_err = err;
}

/* The MTYPE the GPU maps page @i of @buf with; the page is in VRAM. */
static u64 vram_mtype(struct kunit *test, struct policy_fixture *f,
		      unsigned long buf, unsigned long i)
{
	struct amdgpu_svm_test_pte pte = {};

	KUNIT_EXPECT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev,
							buf + i * PAGE_SIZE,
							&pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_SYSTEM);
	return pte.flags & AMDGPU_PTE_MTYPE_VG10_MASK;
}

/*
 * A GC 9.4.3 part split into memory partitions (all of the simulated
 * VRAM is the first one's): a prefetch gives its buffer objects the VM's
 * partition (the root page directory's, 1 here; without a partition
 * manager amdgpu places them anywhere, so only the tag is checked), and
 * the pages are mapped with the local MTYPE while the VM's memory is the
 * first partition (mem_id 0), with NC once it is the second.
 */
static void policy_partition_places_and_maps_near_and_far(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, true);
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_vm *vm = &f->tdev->fpriv->vm;
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	struct amdgpu_migrate_vram *mv;
	unsigned long a, b, index, flags;
	int bos = 0, others = 0;

	amdgpu_svm_test_mem_partitions(f->tdev, adev->gmc.real_vram_size);
	adev->ip_versions[GC_HWIP][0] = IP_VERSION(9, 4, 3);
	vm->root.bo->xcp_id = 1;
	vm->mem_id = 0;

	a = buffer(test, SZ_2M, SZ_2M, 0x9a7);
	KUNIT_ASSERT_EQ(test, 0, set(f, a, SZ_2M, AMDGPU_SVM_ATTR_ACCESS, ALLOW));
	KUNIT_ASSERT_EQ(test, 0, set(f, a, SZ_2M, AMDGPU_SVM_ATTR_PREFETCH_LOC,
				     GPU));
	xa_lock_irqsave(&mig->bos, flags);
	xa_for_each(&mig->bos, index, mv) {
		bos++;
		if (mv->bo->xcp_id != 1)
			others++;
	}
	xa_unlock_irqrestore(&mig->bos, flags);
	KUNIT_EXPECT_GT(test, bos, 0);
	KUNIT_EXPECT_EQ(test, others, 0);
	KUNIT_EXPECT_EQ(test, vram_mtype(test, f, a, 3),
			AMDGPU_PTE_MTYPE_VG10(0ULL, MTYPE_RW));

	/* The VM on the other partition: the same VRAM is far now. */
	vm->mem_id = 1;
	b = buffer(test, SZ_2M, SZ_2M, 0xfa4);
	KUNIT_ASSERT_EQ(test, 0, set(f, b, SZ_2M, AMDGPU_SVM_ATTR_ACCESS, ALLOW));
	KUNIT_ASSERT_EQ(test, 0, set(f, b, SZ_2M, AMDGPU_SVM_ATTR_PREFETCH_LOC,
				     GPU));
	KUNIT_EXPECT_EQ(test, vram_mtype(test, f, b, 3),
			AMDGPU_PTE_MTYPE_VG10(0ULL, MTYPE_NC));
	expect_cpu_bytes(test, b, SZ_2M, 0xfa4);
	expect_cpu_bytes(test, a, SZ_2M, 0x9a7);
}

static void policy_tracepoints_report_migrations(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, true);
	unsigned long a = buffer(test, SZ_2M, SZ_2M, 0x7a);
	unsigned long b = buffer(test, SZ_2M, SZ_2M, 0x7b);
	struct trace_log log = {};

	KUNIT_ASSERT_EQ(test, 0, register_trace_amdgpu_svm_migrate_end(probe_migrate_end,
								       &log));
	KUNIT_ASSERT_EQ(test, 0, register_trace_amdgpu_svm_fallback(probe_fallback,
								    &log));

	KUNIT_EXPECT_EQ(test, 0, set(f, a, SZ_2M, AMDGPU_SVM_ATTR_PREFETCH_LOC,
				     GPU));
	amdgpu_svm_test_vram_fail_alloc(f->vram, 1);
	KUNIT_EXPECT_EQ(test, 0, set(f, b, SZ_2M, AMDGPU_SVM_ATTR_PREFETCH_LOC,
				     GPU));

	unregister_trace_amdgpu_svm_fallback(probe_fallback, &log);
	unregister_trace_amdgpu_svm_migrate_end(probe_migrate_end, &log);
	tracepoint_synchronize_unregister();

	/* Two migrations; the second failed and mapped system memory. */
	KUNIT_EXPECT_EQ(test, log.ends, 2);
	KUNIT_EXPECT_EQ(test, log.action, AMDGPU_SVM_MIGRATE_TO_VRAM);
	KUNIT_EXPECT_EQ(test, log.trigger, AMDGPU_SVM_TRIGGER_PREFETCH);
	KUNIT_EXPECT_EQ(test, log.npages, 512);
	KUNIT_EXPECT_EQ(test, log.ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, log.fallbacks, 1);
	KUNIT_EXPECT_EQ(test, log.fallback_err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->fallbacks), 1);
	/* The first: 2 MiB in one copy command. */
	KUNIT_EXPECT_EQ(test, log.bytes, SZ_2M);
	KUNIT_EXPECT_EQ(test, log.copies, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->pages_in), 512);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->copy_commands), 1);
}

/* --- What ROCm users report, as cases --- */

/*
 * XNACK off: a prefetch moves a buffer to VRAM and maps it, the GPU
 * writes some of its pages there, and the CPU reads what the GPU wrote
 * (faulting the pages back), next to what it wrote itself.
 */
static void user_xnack_off_gpu_writes_in_vram_then_cpu_reads(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, false);
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0x0ff);
	unsigned long i;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(f->vram),
			SZ_2M >> PAGE_SHIFT);
	for (i = 0; i < SZ_2M >> PAGE_SHIFT; i += 3) {
		v = 0x6b0 + i;
		KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
								    buf + i * PAGE_SIZE,
								    &v, sizeof(v),
								    true));
	}
	expect_gpu_page(test, f, buf, 1, 0x0ff, true);

	for (i = 0; i < SZ_2M >> PAGE_SHIFT; i++) {
		KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(buf + i * PAGE_SIZE)));
		KUNIT_ASSERT_EQ_MSG(test, v, i % 3 ? 0x0ff ^ (u32)i : 0x6b0 + (u32)i,
				    "page %lu", i);
	}
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->fallbacks), 0);
}

/* Memory that migrate_vma cannot move: how a case maps it. */
struct fixed_memory {
	const char *name;
	bool xnack_on;
	/* a shmem file mapped, rather than shared anonymous memory */
	bool file;
	/* the file mapped private and only read: page-cache pages */
	bool private;
};

static const struct fixed_memory fixed_memories[] = {
	{ "shared anonymous, xnack on", true, false, false },
	{ "shared anonymous, xnack off", false, false, false },
	{ "shared file, xnack off", false, true, false },
	{ "private file, read only, xnack on", true, true, true },
};

static void fixed_memory_desc(const struct fixed_memory *m, char *desc)
{
	strscpy(desc, m->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fixed_memory, fixed_memories, fixed_memory_desc);

/*
 * A prefetch to the GPU over shared or file-backed memory, which only
 * anonymous private memory can leave: no error, the GPU maps the pages
 * where they are, and every byte stays, both ways where the mapping is
 * shared.
 */
static void user_prefetch_over_memory_that_cannot_move(struct kunit *test)
{
	const struct fixed_memory *m = test->param_value;
	struct policy_fixture *f = fixture(test, m->xnack_on);
	struct file *file = NULL;
	unsigned long buf, fill, off;
	u32 v;

	if (m->file) {
		file = shmem_file_setup("amdgpu-svm-test", SZ_2M,
					mk_vma_flags(VMA_NORESERVE_BIT));
		KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	}
	fill = kunit_vm_mmap(test, file, 0, SZ_2M, PROT_READ | PROT_WRITE,
			     MAP_SHARED | (file ? 0 : MAP_ANONYMOUS), 0);
	KUNIT_ASSERT_TRUE(test, fill && fill < TASK_SIZE);
	for (off = 0; off < SZ_2M; off += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, 0, put_user(0x5a ^ (u32)(off >> PAGE_SHIFT),
						  (u32 __user *)(fill + off)));
	buf = fill;
	if (m->private)
		buf = kunit_vm_mmap(test, file, 0, SZ_2M, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE, 0);
	if (file)
		fput(file);
	KUNIT_ASSERT_TRUE(test, buf && buf < TASK_SIZE);

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	KUNIT_EXPECT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	/* Known not to move: nothing tried, so nothing fell back. */
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_allocs(f->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats->fallbacks), 0);
	expect_gpu_page(test, f, buf, 0, 0x5a, false);
	expect_gpu_page(test, f, buf, 511, 0x5a, false);
	if (!m->private) {
		v = 0x6e7;
		KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
								    buf + 9 * PAGE_SIZE,
								    &v, sizeof(v),
								    true));
		KUNIT_EXPECT_EQ(test, 0, get_user(v, (u32 __user *)(fill + 9 * PAGE_SIZE)));
		KUNIT_EXPECT_EQ(test, v, 0x6e7);
	}
	for (off = 0; off < SZ_2M; off += PAGE_SIZE) {
		if (!m->private && off == 9 * PAGE_SIZE)
			continue;
		KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(buf + off)));
		KUNIT_ASSERT_EQ(test, v, 0x5a ^ (u32)(off >> PAGE_SHIFT));
	}
}

/* The CPU writer of user_prefetch_while_the_cpu_writes(). */
struct slot_writer {
	unsigned long buf;
	unsigned long npages;
	u32 rounds;
	/* a write lost: the round, the page, and what the slot held */
	u32 lost_round, lost_value;
	unsigned long lost_page;
	bool lost;
	int ret;
};

/*
 * Write round r into word 1 of every page, round after round, and check
 * before each write that the slot still holds the round before.
 */
static int slot_writer_fn(void *arg)
{
	struct slot_writer *w = arg;
	unsigned long i;
	u32 r, v;

	for (r = 1; r <= w->rounds; r++) {
		for (i = 0; i < w->npages; i++) {
			u32 __user *slot = (u32 __user *)(w->buf + i * PAGE_SIZE + 4);

			if (get_user(v, slot) || put_user(r, slot)) {
				w->ret = -EFAULT;
				return w->ret;
			}
			if (v != r - 1 && !w->lost) {
				w->lost = true;
				w->lost_round = r;
				w->lost_page = i;
				w->lost_value = v;
			}
		}
		cond_resched();
	}
	return 0;
}

/*
 * A prefetch to the GPU and back, again and again, while another thread
 * of the process writes the same pages: no write is lost, whichever way
 * each page went meanwhile.
 */
static void user_prefetch_while_the_cpu_writes(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, *(const bool *)test->param_value);
	unsigned long buf = buffer(test, SZ_4M, SZ_2M, 0x3c);
	struct amdgpu_svm_test_process *t;
	struct slot_writer *w;
	unsigned long i;
	int prefetches = 0;
	u32 v;

	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->buf = buf;
	w->npages = SZ_4M >> PAGE_SHIFT;
	w->rounds = 40;
	for (i = 0; i < w->npages; i++)
		KUNIT_ASSERT_EQ(test, 0, put_user(0, (u32 __user *)(buf + i * PAGE_SIZE + 4)));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_4M, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));

	t = amdgpu_svm_test_thread_start(test, slot_writer_fn, w);
	while (!completion_done(&t->done)) {
		KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_4M,
					     AMDGPU_SVM_ATTR_PREFETCH_LOC,
					     prefetches & 1 ? SYSMEM : GPU));
		prefetches++;
	}
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_process_wait(t, 60 * HZ));
	kunit_info(test, "%d prefetches, %llu pages in, %llu out", prefetches,
		   atomic64_read(&f->stats->pages_in),
		   atomic64_read(&f->stats->pages_out));
	KUNIT_EXPECT_EQ(test, w->ret, 0);
	KUNIT_EXPECT_FALSE_MSG(test, w->lost,
			       "round %u, page %lu: the slot held %u",
			       w->lost_round, w->lost_page, w->lost_value);
	KUNIT_EXPECT_GT(test, atomic64_read(&f->stats->pages_in), 0);
	for (i = 0; i < w->npages; i++) {
		KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(buf + i * PAGE_SIZE + 4)));
		KUNIT_ASSERT_EQ_MSG(test, v, w->rounds, "page %lu", i);
		KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(buf + i * PAGE_SIZE)));
		KUNIT_ASSERT_EQ_MSG(test, v, 0x3c ^ (u32)i, "page %lu", i);
	}
}

/* One of the threads of user_migration_storm(). */
struct storm_thread {
	unsigned long buf;
	unsigned int id;
	/* the value word 0 of each of the buffer's pages holds */
	u32 *want;
	/* set by the test once it prefetched often enough */
	const bool *stop;
	unsigned int rounds;
	/* the first page found wrong, and what it held */
	unsigned long bad_page;
	u32 bad_value;
	bool bad;
	int ret;
};

#define STORM_SIZE	SZ_4M
#define STORM_CHUNK	SZ_64K
#define STORM_THREADS	8
#define STORM_ROUNDS	4
#define STORM_PREFETCHES 3
/*
 * The storm ends after STORM_PREFETCHES prefetches or STORM_MS, whichever
 * comes first: under emulation, with SDMA page tables, one XNACK-off
 * prefetch that competes with the eight threads took 20 s, and the case
 * must end well inside the hung-task watchdog's 300 s.
 */
#define STORM_MS	15000

static void storm_stop(void *stop)
{
	WRITE_ONCE(*(bool *)stop, true);
}

static void storm_bad(struct storm_thread *t, unsigned long page, u32 v)
{
	if (t->bad)
		return;
	t->bad = true;
	t->bad_page = page;
	t->bad_value = v;
}

/*
 * A thread of the application: it owns every STORM_THREADS-th chunk of
 * 64 KiB, so that all threads fault on every 2 MiB granule. Each round
 * it reads its pages (faulting them out of VRAM), then either writes them
 * again or frees and allocates them anew, as an allocator gives back and
 * reuses memory: munmap() and mmap() at the same address, where the new
 * pages must read 0, never the bytes the old ones had in VRAM.
 */
static int storm_thread_fn(void *arg)
{
	struct storm_thread *t = arg;
	unsigned long chunk, page, addr;
	unsigned int r;
	u32 v;

	for (r = 0; r < STORM_ROUNDS || !READ_ONCE(*t->stop); r++) {
		for (chunk = t->id; chunk < STORM_SIZE / STORM_CHUNK;
		     chunk += STORM_THREADS) {
			unsigned long first = chunk * STORM_CHUNK >> PAGE_SHIFT;
			bool reuse = (r + chunk) & 1;

			addr = t->buf + chunk * STORM_CHUNK;
			for (page = first; page < first + (STORM_CHUNK >> PAGE_SHIFT);
			     page++) {
				if (get_user(v, (u32 __user *)(t->buf + page * PAGE_SIZE)))
					goto fault;
				if (v != t->want[page])
					storm_bad(t, page, v);
			}
			if (reuse) {
				t->ret = vm_munmap(addr, STORM_CHUNK);
				if (t->ret)
					return t->ret;
				if (vm_mmap(NULL, addr, STORM_CHUNK,
					    PROT_READ | PROT_WRITE,
					    MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED,
					    0) != addr) {
					t->ret = -ENOMEM;
					return t->ret;
				}
			}
			for (page = first; page < first + (STORM_CHUNK >> PAGE_SHIFT);
			     page++) {
				u32 __user *word = (u32 __user *)(t->buf + page * PAGE_SIZE);

				if (reuse && (get_user(v, word) || v))
					storm_bad(t, page, v);
				v = (r + 1) << 20 | (t->id << 16) | (u32)page;
				if (put_user(v, word))
					goto fault;
				t->want[page] = v;
			}
			cond_resched();
		}
		t->rounds = r + 1;
	}
	return 0;
fault:
	t->ret = -EFAULT;
	return t->ret;
}

/*
 * A "migration storm": eight threads of the process read and write a
 * buffer that a prefetch keeps moving to VRAM, all faulting on the same
 * granules at once, while they free chunks of it and allocate them again
 * at the same addresses. Every thread completes, every page holds what
 * its thread wrote last, reused memory reads 0, and once the buffer is
 * gone no VRAM is held.
 */
static void user_migration_storm(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, *(const bool *)test->param_value);
	unsigned long buf = buffer(test, STORM_SIZE, SZ_2M, 0x57);
	struct amdgpu_svm_test_process *p[STORM_THREADS];
	struct storm_thread *t;
	unsigned long page;
	unsigned int i, prefetches = 0, busy = 0;
	unsigned long until;
	bool running = true, *stop;
	u32 *want, v;

	t = kunit_kcalloc(test, STORM_THREADS, sizeof(*t), GFP_KERNEL);
	want = kunit_kcalloc(test, STORM_SIZE >> PAGE_SHIFT, sizeof(*want),
			     GFP_KERNEL);
	stop = kunit_kzalloc(test, sizeof(*stop), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, t && want && stop);
	for (page = 0; page < STORM_SIZE >> PAGE_SHIFT; page++)
		want[page] = 0x57 ^ (u32)page;
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, STORM_SIZE, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, STORM_SIZE,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(f->vram),
			STORM_SIZE >> PAGE_SHIFT);

	for (i = 0; i < STORM_THREADS; i++) {
		t[i].buf = buf;
		t[i].id = i;
		t[i].want = want;
		t[i].stop = stop;
		p[i] = amdgpu_svm_test_thread_start(test, storm_thread_fn, &t[i]);
	}
	/* Run first at cleanup: a failed case stops the threads too. */
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, storm_stop,
							   stop));
	/*
	 * Back to VRAM, again and again, until every thread is done: they
	 * stop once they saw STORM_PREFETCHES, or STORM_MS passed (and did
	 * STORM_ROUNDS rounds).
	 */
	until = jiffies + msecs_to_jiffies(STORM_MS);
	while (running) {
		int ret = set(f, buf, STORM_SIZE, AMDGPU_SVM_ATTR_PREFETCH_LOC,
			      GPU);

		/*
		 * XNACK off, the map may lose to the threads' faults for a
		 * whole second, or to their munmap of a chunk under it
		 * (-EBUSY): the pages moved, the call says so.
		 */
		if (ret == -EBUSY && !f->tdev->fpriv->vm.svm->xnack_on)
			busy++;
		else
			KUNIT_ASSERT_EQ(test, 0, ret);
		if (++prefetches == STORM_PREFETCHES ||
		    time_after(jiffies, until))
			storm_stop(stop);
		running = false;
		for (i = 0; i < STORM_THREADS; i++)
			running |= !completion_done(&p[i]->done);
	}
	for (i = 0; i < STORM_THREADS; i++)
		KUNIT_ASSERT_TRUE_MSG(test,
				      amdgpu_svm_test_process_wait(p[i], 60 * HZ),
				      "thread %u never completed", i);
	kunit_info(test, "%u prefetches (%u -EBUSY), %u rounds of thread 0, %llu pages in, %llu out, %llu fallbacks\n",
		   prefetches, busy, t[0].rounds,
		   atomic64_read(&f->stats->pages_in),
		   atomic64_read(&f->stats->pages_out),
		   atomic64_read(&f->stats->fallbacks));
	for (i = 0; i < STORM_THREADS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, t[i].ret, 0, "thread %u", i);
		KUNIT_EXPECT_FALSE_MSG(test, t[i].bad,
				       "thread %u: page %lu held %#x", i,
				       t[i].bad_page, t[i].bad_value);
	}
	/* Every page was faulted out of VRAM at least once. */
	KUNIT_EXPECT_GE(test, atomic64_read(&f->stats->pages_out),
			STORM_SIZE >> PAGE_SHIFT);
	for (page = 0; page < STORM_SIZE >> PAGE_SHIFT; page++) {
		KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(buf + page * PAGE_SIZE)));
		KUNIT_ASSERT_EQ_MSG(test, v, want[page], "page %lu", page);
	}
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, STORM_SIZE));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

/* The preferred location a file's SVM holds for @addr (GET). */
static u32 preferred_loc(struct kunit *test, struct amdgpu_svm_test_dev *tdev,
			 unsigned long addr)
{
	struct drm_amdgpu_svm_attribute attr = {
		AMDGPU_SVM_ATTR_PREFERRED_LOC, 0
	};

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_GET_ATTR,
						       addr, PAGE_SIZE, &attr,
						       1));
	KUNIT_ASSERT_EQ(test, 0, copy_from_user(&attr,
						(void __user *)tdev->attrs_page,
						sizeof(attr)));
	return attr.value;
}

/*
 * One process opens the GPU twice (XNACK on). Each file is an SVM of its
 * own over the same address space: attributes set on one are not the
 * other's. Pages that one file's prefetch put in VRAM are the device's
 * own memory to both (one device-private owner per device): the other
 * file's GPU faults map them in place, without a copy, and its writes
 * there are the first file's bytes. When the first file moves them back
 * to system memory, the second's PTEs go with them (the model reports a
 * GPU access to the freed VRAM otherwise) and its next fault, by its own
 * policy, takes the page back to VRAM with the byte it wrote. Closing the
 * second file changes nothing of the first's.
 */
static void user_two_files_on_one_gpu(struct kunit *test)
{
	struct policy_fixture *f = fixture(test, true);
	struct amdgpu_svm_test_dev *b = amdgpu_svm_test_dev_open_again(f->tdev);
	const unsigned long n = SZ_2M >> PAGE_SHIFT;
	unsigned long buf = buffer(test, SZ_2M, SZ_2M, 0x2f);
	struct amdgpu_svm_test_pte pte;
	const struct drm_amdgpu_svm_attribute allow = {
		AMDGPU_SVM_ATTR_ACCESS, ALLOW
	};
	unsigned long i;
	int copies;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     ALLOW));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFERRED_LOC, GPU));
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(f->vram), n);
	KUNIT_EXPECT_EQ(test, preferred_loc(test, f->tdev, buf), GPU);
	KUNIT_EXPECT_EQ(test, preferred_loc(test, b, buf),
			AMDGPU_SVM_LOCATION_UNDEFINED);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(b, AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_2M, &allow, 1));
	KUNIT_ASSERT_PTR_NE(test, f->tdev->fpriv->vm.svm, b->fpriv->vm.svm);

	/* The second file maps the device's pages where they are. */
	copies = atomic_read(&f->vram->copies);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, buf + 7 * PAGE_SIZE,
							    &v, sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0x2f ^ 7);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(b, buf + 7 * PAGE_SIZE,
							&pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_SYSTEM);
	v = 0xb0b;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, buf + 7 * PAGE_SIZE,
							    &v, sizeof(v), true));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), copies);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), n);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
							    buf + 7 * PAGE_SIZE,
							    &v, sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0xb0b);

	/* Home, by the first file: the second's PTEs to VRAM go too. */
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, SYSMEM));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_test_gpu_pte(b, buf + 7 * PAGE_SIZE,
							 &pte) &&
			   !(pte.flags & AMDGPU_PTE_SYSTEM));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, buf + 7 * PAGE_SIZE,
							    &v, sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0xb0b);
	/* Its own policy (ALLOW_MIGRATE) took the page to VRAM again. */
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(b, buf + 7 * PAGE_SIZE,
							&pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_SYSTEM);

	/* The second file closes: the first's attributes and pages stay. */
	amdgpu_svm_test_dev_close(b);
	KUNIT_EXPECT_EQ(test, preferred_loc(test, f->tdev, buf), GPU);
	KUNIT_ASSERT_EQ(test, 0, set(f, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, GPU));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), n);
	expect_gpu_page(test, f, buf, 9, 0x2f, true);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(buf + i * PAGE_SIZE)));
		KUNIT_ASSERT_EQ_MSG(test, v, i == 7 ? 0xb0b : 0x2f ^ (u32)i,
				    "page %lu", i);
	}
}

static struct kunit_case user_cases[] = {
	KUNIT_CASE(user_xnack_off_gpu_writes_in_vram_then_cpu_reads),
	KUNIT_CASE_PARAM(user_prefetch_over_memory_that_cannot_move,
			 fixed_memory_gen_params),
	KUNIT_CASE_PARAM(user_prefetch_while_the_cpu_writes, xnack_gen_params),
	KUNIT_CASE_PARAM_ATTR(user_migration_storm, xnack_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(user_two_files_on_one_gpu),
	{}
};

static struct kunit_suite user_suite = {
	.name = "amdgpu_svm_user",
	.test_cases = user_cases,
};

static struct kunit_case policy_cases[] = {
	KUNIT_CASE_PARAM(policy_decision_table, decide_gen_params),
	KUNIT_CASE_PARAM(policy_prefetch_is_one_shot_and_looks_first,
			 xnack_gen_params),
	KUNIT_CASE_PARAM(policy_prefetch_moves_ranges_in_parallel,
			 xnack_gen_params),
	KUNIT_CASE_PARAM(policy_parallel_prefetch_falls_back_per_range,
			 xnack_gen_params),
	KUNIT_CASE_PARAM(policy_undefined_never_evicts_a_prefetch,
			 xnack_gen_params),
	KUNIT_CASE(policy_gpu_fault_follows_access),
	KUNIT_CASE_PARAM(policy_prefetch_moves_inaccessible_pages,
			 xnack_gen_params),
	KUNIT_CASE(policy_preferred_sysmem_evicts_on_fault),
	KUNIT_CASE(policy_xnack_off_only_a_prefetch_migrates),
	KUNIT_CASE(policy_granularity_widens_within_the_vma),
	KUNIT_CASE(policy_mixed_range_is_evicted_then_migrated),
	KUNIT_CASE_PARAM(policy_survives_unbind_while_it_holds_vram,
			 xnack_gen_params),
	KUNIT_CASE_PARAM(policy_failure_maps_from_system_memory,
			 failure_gen_params),
	KUNIT_CASE(policy_timeslice_keeps_pages_in_vram),
	KUNIT_CASE(policy_partition_places_and_maps_near_and_far),
	KUNIT_CASE(policy_tracepoints_report_migrations),
	{}
};

static struct kunit_suite policy_suite = {
	.name = "amdgpu_svm_policy",
	.test_cases = policy_cases,
};

kunit_test_suites(&policy_suite, &user_suite);
