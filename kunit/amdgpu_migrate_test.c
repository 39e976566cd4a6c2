// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of the VRAM migration engine: real ZONE_DEVICE registration
 * (amdgpu_migrate_init()), real drm_pagemap and migrate_vma, real user
 * memory, amdgpu's own TTM, VRAM manager, GART and SDMA packets; below them
 * the simulated GPU (amdgpu_svm_sim.h) executes the packets on VRAM cells.
 * Every page gets its own pattern and the test kernel runs with
 * init_on_free=1, so a copy that misses a page shows.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_pagemap.h>

#include "../amdgpu.h"
#include "../amdgpu_job.h"
#include "../amdgpu_migrate.h"
#include "../amdgpu_ring.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_fault.h"
#include "../amdgpu_trace.h"
#include "amdgpu_svm_sim.h"
#include "amdgpu_svm_test.h"

#define VRAM_SIZE	SZ_32M

struct migrate_fixture {
	struct amdgpu_svm_test_dev *tdev;
	struct amdgpu_svm_test_vram *vram;
	u32 *page;
};

static int migrate_test_init(struct kunit *test)
{
	const struct drm_amdgpu_svm_attribute in_place = {
		AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_IN_PLACE
	};
	struct migrate_fixture *f;
	u64 lo, hi;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->page = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->page);
	f->tdev = amdgpu_svm_test_dev_create_with_vram(test, true, VRAM_SIZE);
	f->vram = f->tdev->vram;
	/*
	 * The SVM exists once the process made its first call. This suite
	 * tests the engine, which the cases drive directly: with ACCESS
	 * IN_PLACE everywhere the policy moves nothing on GPU faults (the
	 * policy has its own suite).
	 */
	amdgpu_svm_va_bounds(f->tdev->adev, &lo, &hi);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(f->tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       lo, hi - lo, &in_place,
						       1));
	test->priv = f;
	return 0;
}

/* Word w of page i of a buffer made with @seed. */
static u32 pattern(u32 seed, unsigned long i, unsigned int w)
{
	return seed ^ (u32)(i << 12) ^ (w * 0x9e3779b9u);
}

static void fill_page(u32 *page, u32 seed, unsigned long i)
{
	unsigned int w;

	for (w = 0; w < PAGE_SIZE / sizeof(u32); w++)
		page[w] = pattern(seed, i, w);
}

/*
 * A private anonymous buffer, every byte written: 2 MiB-aligned and backed
 * by transparent huge pages, or with huge pages off for its VMA.
 */
static unsigned long pattern_buffer(struct kunit *test, struct migrate_fixture *f,
				    size_t size, u32 seed, bool thp)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long map, buf, i;

	map = kunit_vm_mmap(test, NULL, 0, size + SZ_2M, PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, map && map < TASK_SIZE);
	buf = thp ? ALIGN(map, SZ_2M) : map;
	/* What madvise(MADV_HUGEPAGE / MADV_NOHUGEPAGE) sets. */
	mmap_write_lock(mm);
	vma = vma_lookup(mm, buf);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vm_flags_set(vma, thp ? VM_HUGEPAGE : VM_NOHUGEPAGE);
	mmap_write_unlock(mm);
	for (i = 0; i < size >> PAGE_SHIFT; i++) {
		fill_page(f->page, seed, i);
		KUNIT_ASSERT_EQ(test, 0, copy_to_user((void __user *)(buf + i * PAGE_SIZE),
						      f->page, PAGE_SIZE));
	}
	return buf;
}

/* Every byte of the buffer as the CPU reads it (faulting pages back). */
static void expect_cpu_pattern(struct kunit *test, struct migrate_fixture *f,
			       unsigned long buf, size_t size, u32 seed)
{
	unsigned long i;
	unsigned int w;

	for (i = 0; i < size >> PAGE_SHIFT; i++) {
		KUNIT_ASSERT_EQ(test, 0, copy_from_user(f->page,
							(void __user *)(buf + i * PAGE_SIZE),
							PAGE_SIZE));
		for (w = 0; w < PAGE_SIZE / sizeof(u32); w++)
			if (f->page[w] != pattern(seed, i, w))
				break;
		KUNIT_ASSERT_EQ_MSG(test, w, PAGE_SIZE / sizeof(u32),
				    "page %lu differs at word %u", i, w);
	}
}

/* One page as the GPU reads it, through its page table (faulting). */
static void expect_gpu_page(struct kunit *test, struct migrate_fixture *f,
			    unsigned long buf, unsigned long i, u32 seed,
			    bool in_vram)
{
	struct amdgpu_svm_test_pte pte;
	unsigned int w;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
							    buf + i * PAGE_SIZE,
							    f->page, PAGE_SIZE,
							    false));
	for (w = 0; w < PAGE_SIZE / sizeof(u32); w++)
		if (f->page[w] != pattern(seed, i, w))
			break;
	KUNIT_EXPECT_EQ_MSG(test, w, PAGE_SIZE / sizeof(u32),
			    "GPU: page %lu differs at word %u", i, w);

	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf + i * PAGE_SIZE,
							&pte));
	KUNIT_EXPECT_EQ(test, !(pte.flags & AMDGPU_PTE_SYSTEM), in_vram);
}

static int migrate(struct migrate_fixture *f, unsigned long start, size_t size)
{
	struct amdgpu_migrate *mig = amdgpu_migrate_get(f->tdev->adev);
	int ret;

	if (!mig)
		return -ENODEV;
	ret = drm_pagemap_populate_mm(&mig->dpagemap, start, start + size,
				      current->mm, 0);
	amdgpu_migrate_put(mig);
	return ret;
}

static void migrate_4k_pages_to_vram_and_back(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	const size_t size = SZ_1M;
	unsigned long buf = pattern_buffer(test, f, size, 0x4c1, false);
	const unsigned long n = size >> PAGE_SHIFT;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, size));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_vram), n);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), n);
	/* One contiguous run of VRAM: one copy command. */
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), 1);

	/* The GPU maps the device pages as VRAM and reads the bytes. */
	expect_gpu_page(test, f, buf, 5, 0x4c1, true);
	expect_gpu_page(test, f, buf, n - 1, 0x4c1, true);

	/* The CPU faults them back, intact; the VRAM is returned. */
	expect_cpu_pattern(test, f, buf, size, 0x4c1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), n);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	/* Its buffer object went back to amdgpu's VRAM manager. */
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_wait_frees(f->vram, 1), 1);

	/* The VRAM PTEs went with the pages; the GPU now maps RAM. */
	expect_gpu_page(test, f, buf, 5, 0x4c1, false);
}

static void migrate_thp_as_one_order9_unit(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_2M, 0x2a9, true);
	struct page *page;

	KUNIT_ASSERT_EQ(test, 1, get_user_pages_fast(buf, 1, 0, &page));
	KUNIT_EXPECT_EQ(test, folio_order(page_folio(page)), HPAGE_PMD_ORDER);
	put_page(page);

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_2M));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_vram), 512);

	expect_gpu_page(test, f, buf, 0, 0x2a9, true);
	expect_gpu_page(test, f, buf, 511, 0x2a9, true);
	expect_cpu_pattern(test, f, buf, SZ_2M, 0x2a9);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 512);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

static bool test_upstream_bugs;
module_param(test_upstream_bugs, bool, 0444);
MODULE_PARM_DESC(test_upstream_bugs,
		 "KUnit: also run the cases that crash Linux 7.3 (known bugs)");

/*
 * A CPU fault on a 2 MiB folio in VRAM when no 2 MiB page can be had for
 * it (fail_page_alloc fails the one order-9 allocation): drm_pagemap
 * falls back to 4 KiB pages, and the device folio is split on the way.
 * Faulting on its first page and on one inside it, every byte comes back.
 *
 * Linux 7.3 fails the second: migrate_vma_pages() splits the folio that
 * do_swap_page() locked through the faulting page, and
 * migrate_vma_finalize() then unlocks the first page, which is no longer
 * locked ("kernel BUG at mm/filemap.c", VM_BUG_ON_FOLIO in
 * folio_unlock()). It runs only with amdgpu.test_upstream_bugs=1.
 */
static void migrate_thp_copy_back_without_a_huge_page(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long at = *(const unsigned long *)test->param_value;
	unsigned long buf;
	u32 v;

	if (at && !test_upstream_bugs)
		kunit_skip(test, "crashes Linux 7.3 (amdgpu.test_upstream_bugs=1 runs it)");
	if (!amdgpu_svm_test_fail_alloc_enable(test, HPAGE_PMD_ORDER, true))
		kunit_skip(test, "no FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS");
	buf = pattern_buffer(test, f, SZ_2M, 0x71d, true);
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_2M));
	KUNIT_ASSERT_EQ(test, atomic_read(&f->vram->pages_to_vram), 512);
	amdgpu_svm_test_fail_nth(1);
	KUNIT_EXPECT_EQ(test, 0, get_user(v, (u32 __user *)(buf + at * PAGE_SIZE)));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_fail_nth_pending(), 0);
	amdgpu_svm_test_fail_nth(0);
	KUNIT_EXPECT_EQ(test, v, pattern(0x71d, at, 0));
	expect_cpu_pattern(test, f, buf, SZ_2M, 0x71d);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

static const unsigned long thp_fault_pages[] = { 0, 5 };

static void thp_fault_page_desc(const unsigned long *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "fault on page %lu", *p);
}

KUNIT_ARRAY_PARAM(thp_fault_page, thp_fault_pages, thp_fault_page_desc);

static void migrate_fragmented_vram_one_copy_per_run(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0xf5a9, false);

	/* 64 KiB runs with used VRAM between them: 16 runs for 1 MiB. */
	amdgpu_svm_test_vram_fragment(f->vram, SZ_64K);
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), SZ_1M / SZ_64K);

	expect_gpu_page(test, f, buf, 17, 0xf5a9, true);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0xf5a9);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram),
			SZ_1M >> PAGE_SHIFT);
}

/* A thread of the process reading pages of a pattern buffer back. */
struct cpu_reader {
	unsigned long buf;
	unsigned long first, npages;
	u32 seed;
	unsigned long bad;
};

static int cpu_reader_fn(void *arg)
{
	struct cpu_reader *r = arg;
	unsigned long i;
	u32 v;

	for (i = r->first; i < r->first + r->npages; i++)
		if (get_user(v, (u32 __user *)(r->buf + i * PAGE_SIZE)) ||
		    v != pattern(r->seed, i, 0))
			r->bad++;
	return 0;
}

/*
 * Work of another client queued on one SDMA instance: jobs of an entity of
 * that instance's scheduler alone, each waiting for @gate. They take no
 * room on the ring until @gate signals, but amdgpu's scheduler counts them:
 * the next job of an idle entity goes to the instance with the fewest
 * entities and jobs (drm_sched_pick_best()), so new work avoids this one.
 */
struct sdma_backlog {
	struct amdgpu_svm_sim_sdma *sdma;
	struct drm_sched_entity entity;
	/* Signalled and dropped by the release; jobs hold their references. */
	struct dma_fence *gate;
	/* The gate's lock. */
	spinlock_t lock;
	/* The fence of the last job queued. */
	struct dma_fence *last;
};

/* Release the held instances, then the backlog; wait until it ran. */
static void sdma_backlog_release(void *data)
{
	struct sdma_backlog *bl = data;

	amdgpu_svm_sim_sdma_hold(bl->sdma, false);
	dma_fence_signal(bl->gate);
	dma_fence_put(bl->gate);
	if (bl->last) {
		dma_fence_wait(bl->last, false);
		dma_fence_put(bl->last);
	}
	drm_sched_entity_destroy(&bl->entity);
}

/* Queue @njobs jobs (a NOP each) on SDMA instance @inst behind a gate. */
static void sdma_backlog_queue(struct kunit *test, struct migrate_fixture *f,
			       int inst, int njobs)
{
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_ring *ring = &adev->sdma.instance[inst].ring;
	struct drm_gpu_scheduler *sched = &ring->sched;
	struct sdma_backlog *bl;
	struct amdgpu_job *job;
	int i, ret;

	bl = kunit_kzalloc(test, sizeof(*bl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bl);
	bl->gate = kzalloc_obj(*bl->gate);
	KUNIT_ASSERT_NOT_NULL(test, bl->gate);
	spin_lock_init(&bl->lock);
	dma_fence_init(bl->gate, &amdgpu_svm_test_fence_ops, &bl->lock,
		       dma_fence_context_alloc(1), 1);
	bl->sdma = &f->tdev->sim->sdma;
	ret = drm_sched_entity_init(&bl->entity, DRM_SCHED_PRIORITY_KERNEL,
				    &sched, 1, NULL);
	if (ret) {
		dma_fence_signal(bl->gate);
		dma_fence_put(bl->gate);
		KUNIT_FAIL_AND_ABORT(test, "no entity: %d", ret);
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   sdma_backlog_release,
							   bl));
	for (i = 0; i < njobs; i++) {
		KUNIT_ASSERT_EQ(test, 0,
				amdgpu_job_alloc_with_ib(adev, &bl->entity,
							 AMDGPU_FENCE_OWNER_UNDEFINED,
							 64, AMDGPU_IB_POOL_DELAYED,
							 AMDGPU_KERNEL_JOB_ID_TTM_COPY_BUFFER,
							 &job));
		job->ibs[0].ptr[job->ibs[0].length_dw++] = ring->funcs->nop;
		amdgpu_ring_pad_ib(ring, &job->ibs[0]);
		ret = drm_sched_job_add_dependency(&job->base,
						   dma_fence_get(bl->gate));
		if (ret) {
			amdgpu_job_free(job);
			KUNIT_FAIL_AND_ABORT(test, "no dependency: %d", ret);
		}
		dma_fence_put(bl->last);
		bl->last = amdgpu_job_submit(job);
	}
}

/* The score amdgpu's scheduler places new work by, of SDMA instance @i. */
static int sdma_score(struct migrate_fixture *f, int i)
{
	return atomic_read(f->tdev->adev->sdma.instance[i].ring.sched.score);
}

/*
 * CPU faults on two ranges of one process do not wait for each other.
 * While the copy back of the first range hangs on its SDMA instance (its
 * fault inside drm_pagemap, its device pages locked, its PTEs zapped),
 * the second range's fault copies on the other instance and completes.
 * A lock that serialised CPU faults, or one entity for every copy, would
 * hold the second fault until the first is released: the "migration
 * storm" users see when many threads reuse freed VRAM-resident memory.
 *
 * amdgpu's scheduler places each job of an idle entity on the instance
 * with the fewest entities and jobs, which may be the hung one: on
 * hardware the second copy would queue behind the first for as long as
 * that one takes. Other work queued on the hung instance (behind a gate)
 * makes it the busier one, so the second fault's jobs go to the other.
 */
static void migrate_cpu_faults_of_two_ranges_run_together(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	struct amdgpu_svm_sim_sdma *sdma = &f->tdev->sim->sdma;
	unsigned long buf = pattern_buffer(test, f, SZ_4M, 0x3d17, false);
	struct cpu_reader a = { buf, 0, 512, 0x3d17 };
	struct cpu_reader b = { buf, 512, 512, 0x3d17 };
	struct amdgpu_svm_test_process *ta, *tb;
	unsigned long until;
	bool a_done, b_done;
	int hung;

	KUNIT_ASSERT_EQ(test, f->tdev->adev->sdma.num_instances, 2);
	/* Two migrations: two ranges in VRAM, each mapped by the GPU. */
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_2M));
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf + SZ_2M, SZ_2M));
	expect_gpu_page(test, f, buf, 0, 0x3d17, true);
	expect_gpu_page(test, f, buf, 512, 0x3d17, true);

	/* The first range's copy back hangs on the instance that runs it. */
	sdma->hang_copy_at = atomic_read(&sdma->copies) + 1;
	ta = amdgpu_svm_test_thread_start(test, cpu_reader_fn, &a);
	until = jiffies + 10 * HZ;
	while ((hung = amdgpu_svm_sim_sdma_held_instance(sdma)) < 0 &&
	       time_before(jiffies, until))
		usleep_range(1000, 2000);
	KUNIT_ASSERT_GE_MSG(test, hung, 0, "the first copy back did not hang");
	sdma_backlog_queue(test, f, hung,
			   max(sdma_score(f, !hung) - sdma_score(f, hung), 0) + 4);

	tb = amdgpu_svm_test_thread_start(test, cpu_reader_fn, &b);
	b_done = amdgpu_svm_test_process_wait(tb, 10 * HZ);
	a_done = completion_done(&ta->done);
	if (!b_done) {
		kunit_info(test, "hung sdma%d; scores %d, %d\n", hung,
			   sdma_score(f, 0), sdma_score(f, 1));
		amdgpu_svm_test_thread_show(tb);
	}
	amdgpu_svm_sim_sdma_hold(sdma, false);
	KUNIT_EXPECT_TRUE_MSG(test, b_done,
			      "the second range's CPU fault waited for the first's");
	KUNIT_EXPECT_FALSE(test, a_done);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_process_wait(ta, 30 * HZ));
	amdgpu_svm_test_process_wait(tb, MAX_SCHEDULE_TIMEOUT);
	KUNIT_EXPECT_EQ(test, a.bad, 0);
	KUNIT_EXPECT_EQ(test, b.bad, 0);

	expect_cpu_pattern(test, f, buf, SZ_4M, 0x3d17);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 1024);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

static struct amdgpu_migrate_stats *migrate_stats(struct migrate_fixture *f)
{
	return &amdgpu_svm_test_migrate(f->tdev)->stats;
}

/*
 * Sixteen runs of VRAM: sixteen window maps and copies, submitted back to
 * back and waited for once; nothing filled, nothing cleared, since every
 * page had data.
 */
static void migrate_copies_are_pipelined(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0x919e, false);
	struct amdgpu_migrate_stats *stats = migrate_stats(f);
	struct amdgpu_svm_sim_sdma *sdma = &f->tdev->sim->sdma;
	s64 waits = atomic64_read(&stats->cpu_waits);
	s64 commands = atomic64_read(&stats->copy_commands);
	int fills = atomic_read(&sdma->fills);
	int maps = atomic_read(&sdma->gart_updates);

	amdgpu_svm_test_vram_fragment(f->vram, SZ_64K);
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), SZ_1M / SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->copy_commands) - commands,
			SZ_1M / SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->gart_updates) - maps,
			SZ_1M / SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->cpu_waits) - waits, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->fills), fills);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->bytes_cleared), 0);

	expect_gpu_page(test, f, buf, 33, 0x919e, true);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0x919e);
}

/*
 * Work the VRAM of a new buffer object is still busy with, as TTM leaves
 * it when it pipelines a move of another buffer out of that VRAM: a fence
 * the test signals (with @error) some time after the probe put it, as a
 * kernel fence, on the first SVM buffer object made.
 */
struct busy_vram {
	struct dma_fence base;
	/* The fence's lock. */
	spinlock_t lock;
	struct migrate_fixture *f;
	/* Signals the fence, with @error. */
	struct delayed_work signal;
	int error;
	/* The probe put the fence on a buffer object. */
	bool added;
	/* The probe is gone and the fence signalled. */
	bool stopped;
	/* Set by the test thread when the migration returned. */
	bool returned;
	/*
	 * At the signal: data copies the engine had run, and whether the
	 * migration had returned.
	 */
	int copies_at_signal;
	bool returned_at_signal;
};

static void busy_vram_signal(struct work_struct *work)
{
	struct busy_vram *busy = container_of(to_delayed_work(work),
					      struct busy_vram, signal);

	busy->copies_at_signal = atomic_read(&busy->f->vram->copies);
	busy->returned_at_signal = READ_ONCE(busy->returned);
	if (busy->error)
		dma_fence_set_error(&busy->base, busy->error);
	dma_fence_signal(&busy->base);
}

static void busy_vram_probe(void *data, struct amdgpu_bo *bo)
{
	struct busy_vram *busy = data;
	struct dma_resv *resv = bo->tbo.base.resv;

	if (busy->added || bo->tbo.type != ttm_bo_type_device ||
	    !(bo->flags & AMDGPU_GEM_CREATE_NO_CPU_ACCESS))
		return;
	busy->added = true;
	dma_resv_lock(resv, NULL);
	if (!dma_resv_reserve_fences(resv, 1))
		dma_resv_add_fence(resv, &busy->base, DMA_RESV_USAGE_KERNEL);
	dma_resv_unlock(resv);
	schedule_delayed_work(&busy->signal, msecs_to_jiffies(300));
}

/* The migration returned: signal now if not yet, and stop probing. */
static void busy_vram_stop(struct busy_vram *busy)
{
	if (busy->stopped)
		return;
	busy->stopped = true;
	WRITE_ONCE(busy->returned, true);
	unregister_trace_amdgpu_bo_create(busy_vram_probe, busy);
	tracepoint_synchronize_unregister();
	if (!busy->added)
		busy_vram_signal(&busy->signal.work);
	flush_delayed_work(&busy->signal);
}

static void busy_vram_release(void *data)
{
	struct busy_vram *busy = data;

	busy_vram_stop(busy);
	dma_fence_put(&busy->base);
}

static struct busy_vram *busy_vram_start(struct kunit *test,
					 struct migrate_fixture *f, int error)
{
	struct busy_vram *busy = kzalloc(sizeof(*busy), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, busy);
	spin_lock_init(&busy->lock);
	dma_fence_init(&busy->base, &amdgpu_svm_test_fence_ops, &busy->lock,
		       dma_fence_context_alloc(1), 1);
	busy->f = f;
	busy->error = error;
	INIT_DELAYED_WORK(&busy->signal, busy_vram_signal);
	if (register_trace_amdgpu_bo_create(busy_vram_probe, busy)) {
		busy->stopped = true;
		dma_fence_signal(&busy->base);
		dma_fence_put(&busy->base);
		KUNIT_FAIL_AND_ABORT(test, "cannot probe amdgpu_bo_create");
	}
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, busy_vram_release, busy));
	return busy;
}

/*
 * The new buffer's VRAM is busy for 300 ms. The copies may not write it
 * before, but the CPU does not wait for it either: the busy fence is a
 * dependency of the first job on the GPU, and the one wait is the last
 * job's.
 */
static void migrate_copies_wait_for_busy_vram_on_the_gpu(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0xb05e, false);
	struct amdgpu_migrate_stats *stats = migrate_stats(f);
	s64 waits = atomic64_read(&stats->cpu_waits);
	struct busy_vram *busy;

	amdgpu_svm_test_vram_fragment(f->vram, SZ_64K);
	busy = busy_vram_start(test, f, 0);
	KUNIT_EXPECT_EQ(test, 0, migrate(f, buf, SZ_1M));
	busy_vram_stop(busy);

	KUNIT_EXPECT_TRUE(test, busy->added);
	KUNIT_EXPECT_EQ(test, busy->copies_at_signal, 0);
	KUNIT_EXPECT_FALSE(test, busy->returned_at_signal);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), SZ_1M / SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->cpu_waits) - waits, 1);

	expect_gpu_page(test, f, buf, 9, 0xb05e, true);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0xb05e);
}

/*
 * The move out of the new buffer's VRAM failed: the migration fails with
 * its error, frees the VRAM and keeps every page in system memory.
 */
static void migrate_failed_move_of_busy_vram_fails_the_migration(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0x71e0, false);
	struct busy_vram *busy;

	busy = busy_vram_start(test, f, -EIO);
	KUNIT_EXPECT_EQ(test, -EIO, migrate(f, buf, SZ_1M));
	busy_vram_stop(busy);
	KUNIT_EXPECT_TRUE(test, busy->added);
	KUNIT_EXPECT_FALSE(test, busy->returned_at_signal);

	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_gpu_page(test, f, buf, 3, 0x71e0, false);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0x71e0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 0);
}

/* Does every byte of @page equal @byte? */
static bool page_is(const u32 *page, u8 byte)
{
	return !memchr_inv(page, byte, PAGE_SIZE);
}

/*
 * Every other page of a 1 MiB buffer was written, the rest never touched,
 * and the free VRAM holds what a previous owner left (0xa5). The written
 * pages are copied, the holes filled with zeroes by the engine: the GPU
 * and then the CPU read zeroes there, never the old VRAM. Each page is
 * written once: the buffer object itself is not cleared.
 */
static void migrate_fills_only_the_holes(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	struct amdgpu_migrate_stats *stats = migrate_stats(f);
	struct amdgpu_svm_sim_sdma *sdma = &f->tdev->sim->sdma;
	const unsigned long n = SZ_1M >> PAGE_SHIFT;
	s64 waits = atomic64_read(&stats->cpu_waits);
	s64 cleared = atomic64_read(&stats->bytes_cleared);
	int fills = atomic_read(&sdma->fills);
	unsigned long buf, i;

	buf = kunit_vm_mmap(test, NULL, 0, SZ_1M, PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, buf && buf < TASK_SIZE);
	for (i = 0; i < n; i += 2) {
		fill_page(f->page, 0x401e, i);
		KUNIT_ASSERT_EQ(test, 0, copy_to_user((void __user *)(buf + i * PAGE_SIZE),
						      f->page, PAGE_SIZE));
	}
	KUNIT_ASSERT_GT(test, amdgpu_svm_test_vram_poison(f->vram, 0xa5), n);

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_vram), n / 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->bytes_cleared) - cleared,
			(n / 2) << PAGE_SHIFT);
	/* One fill command per hole: the holes are not contiguous. */
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->fills) - fills, n / 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->cpu_waits) - waits, 1);

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
								    buf + i * PAGE_SIZE,
								    f->page, PAGE_SIZE,
								    false));
		if (i % 2)
			KUNIT_EXPECT_TRUE_MSG(test, page_is(f->page, 0),
					      "GPU: hole %lu is not zero", i);
		else
			KUNIT_EXPECT_EQ_MSG(test, f->page[7], pattern(0x401e, i, 7),
					    "GPU: page %lu", i);
	}
	for (i = 1; i < n; i += 2) {
		KUNIT_ASSERT_EQ(test, 0, copy_from_user(f->page,
							(void __user *)(buf + i * PAGE_SIZE),
							PAGE_SIZE));
		KUNIT_EXPECT_TRUE_MSG(test, page_is(f->page, 0),
				      "CPU: hole %lu is not zero", i);
	}
}

/*
 * A 2 MiB-aligned buffer with huge pages on that was never touched is one
 * 2 MiB hole: one order-9 device folio, filled whole by one command, and
 * the GPU and the CPU read zeroes in its last page. drm_pagemap of 7.3
 * counts such a hole as one migrated page of 512 and so reports the
 * migration as raced (-EBUSY) although the device folio is in place.
 */
static void migrate_fills_a_2m_hole_whole(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	struct amdgpu_migrate_stats *stats = migrate_stats(f);
	struct amdgpu_svm_sim_sdma *sdma = &f->tdev->sim->sdma;
	s64 cleared = atomic64_read(&stats->bytes_cleared);
	int fills = atomic_read(&sdma->fills);
	struct mm_struct *mm = current->mm;
	struct amdgpu_svm_test_pte pte;
	struct vm_area_struct *vma;
	unsigned long map, buf;
	int ret;

	map = kunit_vm_mmap(test, NULL, 0, SZ_4M, PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, map && map < TASK_SIZE);
	buf = ALIGN(map, SZ_2M);
	mmap_write_lock(mm);
	vma = vma_lookup(mm, buf);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vm_flags_set(vma, VM_HUGEPAGE);
	mmap_write_unlock(mm);
	KUNIT_ASSERT_GT(test, amdgpu_svm_test_vram_poison(f->vram, 0x5a),
			SZ_2M >> PAGE_SHIFT);

	ret = migrate(f, buf, SZ_2M);
	KUNIT_EXPECT_TRUE_MSG(test, !ret || ret == -EBUSY, "migrate: %d", ret);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stats->bytes_cleared) - cleared,
			SZ_2M);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->fills) - fills, 1);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf + SZ_2M - PAGE_SIZE,
							    f->page, PAGE_SIZE,
							    false));
	KUNIT_EXPECT_TRUE(test, page_is(f->page, 0));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf + SZ_2M - PAGE_SIZE,
							&pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_SYSTEM);
	KUNIT_ASSERT_EQ(test, 0, copy_from_user(f->page,
						(void __user *)(buf + SZ_1M),
						PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, page_is(f->page, 0));
}

/*
 * The third of 16 copies hangs until amdgpu's scheduler times it out and
 * the ring is reset: the migration fails with the job's -ETIME and keeps
 * every page in system memory, intact.
 */
static void migrate_timed_out_copy_keeps_data_in_ram(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0x7c09, false);
	struct amdgpu_svm_sim_sdma *sdma = &f->tdev->sim->sdma;

	amdgpu_svm_test_vram_fragment(f->vram, SZ_64K);
	amdgpu_svm_sim_sdma_timeout(sdma, 100);
	sdma->hang_copy_at = atomic_read(&sdma->copies) + 3;
	KUNIT_EXPECT_EQ(test, -ETIME, migrate(f, buf, SZ_1M));
	amdgpu_svm_sim_sdma_timeout(sdma, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->timeouts), 1);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_gpu_page(test, f, buf, 200, 0x7c09, false);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0x7c09);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 0);
}

static void migrate_splits_runs_at_the_gart_window(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_8M, 0x6a27, false);

	/* 8 MiB of contiguous VRAM, a GART window maps 4 MiB (in bytes). */
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_8M));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_vram),
			SZ_8M >> PAGE_SHIFT);
	expect_cpu_pattern(test, f, buf, SZ_8M, 0x6a27);
}

static const int failing_copies[] = { 1, 3 };

static void copy_desc(const int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "copy %d fails", *n);
}

KUNIT_ARRAY_PARAM(failing_copy, failing_copies, copy_desc);

static void migrate_copy_failure_keeps_data_in_ram(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0xc0f, false);

	/* 16 runs, so that the copy can fail halfway. */
	amdgpu_svm_test_vram_fragment(f->vram, SZ_64K);
	f->vram->fail_copy_at = *(const int *)test->param_value;
	KUNIT_EXPECT_LT(test, migrate(f, buf, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);

	/* Nothing moved: the GPU maps system memory, bytes intact. */
	expect_gpu_page(test, f, buf, 100, 0xc0f, false);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0xc0f);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 0);
}

/* How the engine fails the copy back in migrate_failed_copy_back_*. */
struct copy_back_failure {
	const char *name;
	bool thp;
	/* the copy hangs until its job times out, rather than failing */
	bool hang;
};

static const struct copy_back_failure copy_back_failures[] = {
	{ "copy fails, 4 KiB pages", false, false },
	{ "copy fails, THP", true, false },
	{ "copy hangs and times out", false, true },
};

static void copy_back_desc(const struct copy_back_failure *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(copy_back_failure, copy_back_failures, copy_back_desc);

/*
 * The SDMA copy of a CPU fault's pages back to system memory fails: the
 * CPU copies them through amdgpu_device_vram_access() instead, and the
 * fault succeeds with every byte.
 */
static void migrate_failed_copy_back_is_done_by_the_cpu(struct kunit *test)
{
	const struct copy_back_failure *c = test->param_value;
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_2M, 0xcb, c->thp);
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	struct amdgpu_svm_sim_sdma *sdma = &f->tdev->sim->sdma;
	s64 cpu_copies = atomic64_read(&mig->stats.cpu_copies_out);

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_2M));
	expect_gpu_page(test, f, buf, 5, 0xcb, true);
	if (c->hang) {
		amdgpu_svm_sim_sdma_timeout(sdma, 100);
		sdma->hang_copy_at = atomic_read(&sdma->copies) + 1;
	} else {
		f->vram->fail_copy_at = atomic_read(&f->vram->copies) + 1;
	}

	expect_cpu_pattern(test, f, buf, SZ_2M, 0xcb);
	amdgpu_svm_sim_sdma_timeout(sdma, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->timeouts), c->hang ? 1 : 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mig->stats.cpu_copies_out) -
			cpu_copies, SZ_2M >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_gpu_page(test, f, buf, 5, 0xcb, false);
}

/*
 * A reset lost VRAM after a buffer moved there: a CPU access to it gets
 * SIGBUS (copy_from_user() fails), never the bytes VRAM holds now, and
 * the pages stay where they are until the process unmaps them. A buffer
 * that moved after the reset comes back intact.
 */
static void migrate_vram_lost_by_a_reset_is_never_read(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long lost = pattern_buffer(test, f, SZ_1M, 0x1057, false);
	unsigned long later = pattern_buffer(test, f, SZ_1M, 0x1a7e, false);
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	s64 refused = atomic64_read(&mig->stats.vram_lost);

	KUNIT_ASSERT_EQ(test, 0, migrate(f, lost, SZ_1M));
	/* What amdgpu_inc_vram_lost() does in a reset that lost VRAM. */
	atomic_inc(&f->tdev->adev->vram_lost_counter);
	KUNIT_ASSERT_EQ(test, 0, migrate(f, later, SZ_1M));

	KUNIT_EXPECT_NE(test, 0, copy_from_user(f->page,
						(void __user *)(lost + PAGE_SIZE),
						PAGE_SIZE));
	KUNIT_EXPECT_GT(test, atomic64_read(&mig->stats.vram_lost), refused);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram),
			2 * (SZ_1M >> PAGE_SHIFT));

	expect_cpu_pattern(test, f, later, SZ_1M, 0x1a7e);
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(lost, SZ_1M));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

/*
 * Unbind's eviction of every allocation after a reset lost VRAM: the lost
 * one stays (its pages still SIGBUS), nothing stale reaches the process.
 */
static void migrate_vram_lost_is_not_evicted(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long lost = pattern_buffer(test, f, SZ_1M, 0x1e5c, false);
	struct amdgpu_device *adev = f->tdev->adev;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, lost, SZ_1M));
	atomic_inc(&adev->vram_lost_counter);
	KUNIT_EXPECT_NE(test, 0, amdgpu_migrate_evict_all(adev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram),
			SZ_1M >> PAGE_SHIFT);
	KUNIT_EXPECT_NE(test, 0, copy_from_user(f->page,
						(void __user *)(lost + SZ_64K),
						PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(lost, SZ_1M));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

/*
 * A CPU fault back covers the aligned window of its allocation's size,
 * which here also holds pages of an older allocation that a reset lost:
 * those are not copied, and do not fail the copy of the newer pages.
 */
static void migrate_vram_lost_spares_a_newer_neighbour(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_2M, 0x7e16, true);
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	unsigned long newer = buf + SZ_1M + SZ_256K;

	/* The older: [1.5M, 2M). The newer: [0.5M, 1.5M), 1 MiB. */
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf + SZ_1M + SZ_512K, SZ_512K));
	atomic_inc(&f->tdev->adev->vram_lost_counter);
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf + SZ_512K, SZ_1M));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(f->vram),
			(SZ_1M + SZ_512K) >> PAGE_SHIFT);

	/* A fault at 1.25M takes [1M, 2M) back: the newer pages only. */
	expect_cpu_pattern(test, f, newer, SZ_4K,
			   0x7e16 ^ (u32)(((newer - buf) >> PAGE_SHIFT) << 12));
	KUNIT_EXPECT_EQ(test, atomic64_read(&mig->stats.vram_lost), 0);
	KUNIT_EXPECT_NE(test, 0, copy_from_user(f->page,
						(void __user *)(buf + SZ_2M - PAGE_SIZE),
						PAGE_SIZE));
	KUNIT_EXPECT_GT(test, atomic64_read(&mig->stats.vram_lost), 0);
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_2M));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

/* A reset that starts as a copy back fails, for the case below. */
struct racing_reset {
	struct migrate_fixture *f;
	unsigned long addr;
	/* the SDMA model is about to fail the copy */
	struct completion failing;
	/* the reset holds the reset domain's semaphore */
	struct completion started;
	/* the CPU read's copy_from_user() */
	unsigned long not_copied;
};

static void racing_reset_fail(struct amdgpu_svm_test_vram *vram)
{
	struct racing_reset *r = vram->before_failing_data;

	complete(&r->failing);
	wait_for_completion(&r->started);
}

static int racing_reset_reader(void *arg)
{
	struct racing_reset *r = arg;
	u32 *page = kmalloc(PAGE_SIZE, GFP_KERNEL);

	if (!page)
		return -ENOMEM;
	r->not_copied = copy_from_user(page, (void __user *)r->addr, PAGE_SIZE);
	kfree(page);
	return 0;
}

/*
 * The copy back of a CPU fault fails because a reset began, and that
 * reset loses VRAM: the CPU copy waits for the reset to end, then finds
 * the data lost and refuses it (SIGBUS), rather than reading VRAM while
 * the reset runs and handing out what it read.
 */
static void migrate_copy_back_waits_for_the_reset(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0x2e5e7, false);
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	struct amdgpu_svm_test_process *t;
	struct racing_reset *r;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->f = f;
	r->addr = buf + 3 * PAGE_SIZE;
	init_completion(&r->failing);
	init_completion(&r->started);
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));

	f->vram->before_failing = racing_reset_fail;
	f->vram->before_failing_data = r;
	f->vram->fail_copy_at = atomic_read(&f->vram->copies) + 1;
	t = amdgpu_svm_test_thread_start(test, racing_reset_reader, r);
	KUNIT_ASSERT_NE(test, 0, wait_for_completion_timeout(&r->failing,
							     10 * HZ));
	/* The reset: it holds the semaphore, then raises the count. */
	down_write(&adev->reset_domain->sem);
	complete(&r->started);
	msleep(200);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&t->done),
			       "the copy back did not wait for the reset");
	atomic_inc(&adev->vram_lost_counter);
	up_write(&adev->reset_domain->sem);

	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_process_wait(t, 10 * HZ));
	KUNIT_EXPECT_NE(test, r->not_copied, 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&mig->stats.vram_lost), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mig->stats.cpu_copies_out), 0);
	f->vram->before_failing = NULL;
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_1M));
}

static void migrate_alloc_failure_keeps_data_in_ram(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0xa110c, false);

	amdgpu_svm_test_vram_fail_alloc(f->vram, 1);
	KUNIT_EXPECT_EQ(test, -ENOSPC, migrate(f, buf, SZ_1M));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->copies), 0);
	expect_gpu_page(test, f, buf, 0, 0xa110c, false);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0xa110c);
}

static void migrate_eviction_while_mapped(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_2M, 0xe71c7, true);
	int flushes;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_2M));
	expect_gpu_page(test, f, buf, 3, 0xe71c7, true);
	flushes = atomic_read(&f->tdev->sim->tlb_flushes);

	/* What TTM's eviction of the buffer object does first. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_migrate_evict_all(f->tdev->adev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 512);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_2M));
	KUNIT_EXPECT_GT(test, atomic_read(&f->tdev->sim->tlb_flushes), flushes);

	/* A later GPU access faults and maps system memory. */
	expect_gpu_page(test, f, buf, 3, 0xe71c7, false);
	expect_cpu_pattern(test, f, buf, SZ_2M, 0xe71c7);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 512);
}

static struct amdgpu_bo *vram_pressure(struct kunit *test,
				       struct migrate_fixture *f, u64 more)
{
	struct amdgpu_bo *bo;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_vram_pressure(f->vram, more, &bo));
	return bo;
}

/*
 * VRAM pressure: a kernel allocation that does not fit makes TTM evict
 * an SVM buffer through amdgpu_evict_flags() and amdgpu_bo_move(), whose
 * hook brings its device pages home first.
 */
static void migrate_ttm_eviction_of_one_bo(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long a = pattern_buffer(test, f, SZ_1M, 0xa, false);
	unsigned long b = pattern_buffer(test, f, SZ_1M, 0xb, false);
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	s64 evictions = atomic64_read(&mig->stats.evictions);
	struct amdgpu_bo *bo_a, *bo_b, *pressure;
	int out;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, a, SZ_1M));
	KUNIT_ASSERT_EQ(test, 0, migrate(f, b, SZ_1M));
	expect_gpu_page(test, f, a, 1, 0xa, true);
	expect_gpu_page(test, f, b, 7, 0xb, true);
	bo_a = amdgpu_svm_test_vram_bo(f->vram, a + PAGE_SIZE);
	bo_b = amdgpu_svm_test_vram_bo(f->vram, b + 7 * PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, bo_a && bo_b && bo_a != bo_b);
	KUNIT_EXPECT_TRUE(test, amdgpu_migrate_owns_bo(adev, bo_a));
	KUNIT_EXPECT_TRUE(test, amdgpu_migrate_owns_bo(adev, bo_b));
	KUNIT_EXPECT_FALSE(test, amdgpu_migrate_owns_bo(adev, f));

	/* Room for half a buffer more than is free: one must go. */
	pressure = vram_pressure(test, f, SZ_512K);
	out = atomic_read(&f->vram->pages_to_ram);
	KUNIT_EXPECT_GT(test, atomic64_read(&mig->stats.evictions), evictions);
	KUNIT_EXPECT_GE(test, out, SZ_1M >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram),
			2 * (SZ_1M >> PAGE_SHIFT) - out);

	/* Every byte survived; the evicted range maps from RAM again. */
	expect_cpu_pattern(test, f, a, SZ_1M, 0xa);
	expect_cpu_pattern(test, f, b, SZ_1M, 0xb);
	amdgpu_bo_unref(&pressure);
	expect_gpu_page(test, f, a, 1, 0xa, false);
	expect_gpu_page(test, f, b, 7, 0xb, false);
}

/*
 * TTM evicts a buffer whose copy back fails: the CPU copies it, the
 * eviction succeeds and the buffer's VRAM goes to the allocation that
 * needed it.
 */
static void migrate_failed_eviction_copy_is_done_by_the_cpu(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0xe0c, false);
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	s64 cpu_copies = atomic64_read(&mig->stats.cpu_copies_out);
	struct amdgpu_bo *pressure;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	f->vram->fail_copy_at = atomic_read(&f->vram->copies) + 1;
	pressure = vram_pressure(test, f, SZ_512K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mig->stats.cpu_copies_out) -
			cpu_copies, SZ_1M >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0xe0c);
	amdgpu_bo_unref(&pressure);
	expect_gpu_page(test, f, buf, 3, 0xe0c, false);
}

/* A process that migrates a buffer to VRAM, then exits, held in exit. */
struct exiting_process {
	struct migrate_fixture *f;
	struct mmu_notifier mn;
	struct mm_struct *mm;
	/* its address space has no users left; its pages are still there */
	struct completion in_exit;
	struct completion go_on;
	unsigned long buf;
};

/* exit_mmap() calls this before it unmaps a page: hold it there. */
static void exiting_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct exiting_process *e = container_of(mn, struct exiting_process, mn);

	complete(&e->in_exit);
	wait_for_completion(&e->go_on);
}

static const struct mmu_notifier_ops exiting_ops = {
	.release = exiting_release,
};

static int exiting_process_fn(void *arg)
{
	struct exiting_process *e = arg;
	u32 *page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	unsigned long i;
	int ret = -ENOMEM;

	if (!page)
		return ret;
	e->buf = vm_mmap(NULL, 0, SZ_1M, PROT_READ | PROT_WRITE,
			 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(e->buf))
		goto out;
	for (i = 0; i < SZ_1M >> PAGE_SHIFT; i++) {
		fill_page(page, 0xe, i);
		if (copy_to_user((void __user *)(e->buf + i * PAGE_SIZE), page,
				 PAGE_SIZE))
			goto out;
	}
	ret = migrate(e->f, e->buf, SZ_1M);
	if (ret)
		goto out;
	e->mm = current->mm;
	e->mn.ops = &exiting_ops;
	ret = mmu_notifier_register(&e->mn, e->mm);
out:
	kfree(page);
	return ret;
}

/*
 * An SVM buffer whose pages cannot go home now is one TTM skips, not the
 * end of its eviction walk. Here the pages belong to a process that is
 * exiting (drm_pagemap_evict_to_ram() answers -EFAULT: no users left):
 * the allocation that needs the room evicts the next buffer and
 * succeeds, and the exiting process's pages go with it.
 */
static void migrate_ttm_eviction_skips_an_exiting_process(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	struct exiting_process e = { .f = f };
	struct amdgpu_svm_test_process *p;
	s64 evictions;
	struct amdgpu_bo *pressure;
	unsigned long b;
	int ret;

	init_completion(&e.in_exit);
	init_completion(&e.go_on);
	p = amdgpu_svm_test_process_start(test, exiting_process_fn, &e);
	/* Migrated first: its buffer is first on TTM's LRU. */
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&e.in_exit, 60 * HZ));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram),
			SZ_1M >> PAGE_SHIFT);
	b = pattern_buffer(test, f, SZ_1M, 0xb, false);
	KUNIT_EXPECT_EQ(test, 0, migrate(f, b, SZ_1M));

	/* Room for half a buffer more than is free. */
	evictions = atomic64_read(&mig->stats.evictions);
	ret = amdgpu_svm_test_vram_pressure(f->vram, SZ_512K, &pressure);
	/* Both were tried: the exiting process's first. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&mig->stats.evictions) - evictions,
			2);
	complete(&e.go_on);
	KUNIT_EXPECT_TRUE(test, amdgpu_svm_test_process_wait(p, 60 * HZ));
	if (e.mm)
		mmu_notifier_unregister(&e.mn, e.mm);
	KUNIT_ASSERT_EQ(test, 0, p->ret);
	KUNIT_ASSERT_EQ(test, 0, ret);
	amdgpu_bo_unref(&pressure);

	/* @b went home, the exiting process's pages went with it. */
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_cpu_pattern(test, f, b, SZ_1M, 0xb);
}

/*
 * The PTE write of a range fails halfway: the VM's page tables started
 * being evicted after its VRAM half was written, before its system half.
 * The half written is valid, and the invalidation that later takes those
 * pages out of VRAM must still zap it: nothing may reach the freed VRAM.
 */
static void migrate_partly_written_range_is_zapped(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long base = pattern_buffer(test, f, SZ_4M, 0x9a47, false);
	unsigned long buf = ALIGN(base, SZ_2M), first = (buf - base) >> PAGE_SHIFT;
	struct amdgpu_vm *vm = &f->tdev->fpriv->vm;
	struct amdgpu_svm_test_pte pte;

	/* One range, two runs: VRAM first, then system memory. */
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	atomic_set(&f->tdev->evict_vm_after_ptes, 1);
	KUNIT_EXPECT_EQ(test, -EBUSY,
			amdgpu_svm_handle_fault(f->tdev->adev, vm->pasid,
						buf + SZ_1M, false));
	/* The tables are back, as amdgpu_vm_validate() leaves them. */
	amdgpu_vm_eviction_lock(vm);
	vm->evicting = false;
	amdgpu_vm_eviction_unlock(vm);
	/* Any later map links the new page table: the VRAM half shows. */
	expect_gpu_page(test, f, base, first + 512, 0x9a47, false);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf, &pte));
	KUNIT_ASSERT_FALSE(test, pte.flags & AMDGPU_PTE_SYSTEM);
	KUNIT_ASSERT_FALSE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf + SZ_1M,
							 &pte));

	/* The CPU takes the VRAM half back; its VRAM is freed. */
	expect_cpu_pattern(test, f, base, SZ_4M, 0x9a47);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_2M));
	/* The GPU faults and reads the pages where they are now. */
	expect_gpu_page(test, f, base, first, 0x9a47, false);
	expect_gpu_page(test, f, base, first + 300, 0x9a47, false);
}

/*
 * A buffer is mapped (GEM_VA) into a range that has no PTEs (a migration
 * zapped them; the range stays): the next GPU fault there removes the
 * range and maps one that stops at the buffer, whose PTEs stay its own.
 */
static void migrate_zapped_range_gives_way_to_a_buffer(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long base = pattern_buffer(test, f, SZ_4M, 0x6b0, false);
	unsigned long buf = ALIGN(base, SZ_2M), first = (buf - base) >> PAGE_SHIFT;
	struct amdgpu_svm_test_pte bo, pte;
	unsigned long i;
	u32 v;

	/* The defaults there: a GPU fault pulls the pages into VRAM. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(f->tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       buf, SZ_2M, NULL, 0));
	expect_gpu_page(test, f, base, first, 0x6b0, true);
	/* The CPU takes them back: the range loses its PTEs and stays. */
	expect_cpu_pattern(test, f, base, SZ_4M, 0x6b0);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_2M));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gem_va(f->tdev, AMDGPU_VA_OP_MAP,
							buf + SZ_1M, SZ_64K));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf + SZ_1M, &bo));

	/* Below and above the buffer the GPU reads the process's bytes. */
	for (i = first; i < first + 512; i += 511) {
		KUNIT_ASSERT_EQ(test, 0,
				amdgpu_svm_test_gpu_access(f->tdev,
							   base + i * PAGE_SIZE,
							   &v, sizeof(v), false));
		KUNIT_EXPECT_EQ(test, v, pattern(0x6b0, i, 0));
	}
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf + SZ_1M, &pte));
	KUNIT_EXPECT_EQ(test, pte.addr, bo.addr);
	KUNIT_EXPECT_EQ(test, pte.flags, bo.flags);
}

/*
 * Each migration's device pages hold a runtime-PM reference on the device
 * until the last of them is freed: an idle GPU must not runtime-suspend,
 * which would evict every page to system memory.
 */
static void migrate_device_pages_keep_the_device_awake(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	struct device *dev = adev_to_drm(f->tdev->adev)->dev;
	unsigned long buf = pattern_buffer(test, f, SZ_2M, 0xa3a, false);
	int idle = atomic_read(&dev->power.usage_count);

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), idle + 1);
	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf + SZ_1M, SZ_1M));
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), idle + 2);

	/* The CPU takes one migration's pages back, then the other's. */
	expect_cpu_pattern(test, f, buf, SZ_1M, 0xa3a);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), idle + 1);
	expect_cpu_pattern(test, f, buf, SZ_2M, 0xa3a);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), idle);
}

static void migrate_unbind_with_pages_in_vram(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0xb1d, false);

	struct drm_pagemap *dp;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	expect_gpu_page(test, f, buf, 9, 0xb1d, true);
	/* A holder of the pagemap, such as a range with pages in VRAM. */
	dp = &amdgpu_migrate_get(f->tdev->adev)->dpagemap;

	amdgpu_migrate_fini(f->tdev->adev);
	KUNIT_EXPECT_NULL(test, amdgpu_migrate_get(f->tdev->adev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_gpu_page(test, f, buf, 9, 0xb1d, false);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0xb1d);

	/* No migration starts after unbind. */
	KUNIT_EXPECT_EQ(test, -ENODEV,
			drm_pagemap_populate_mm(dp, buf, buf + SZ_1M, current->mm,
						0));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	drm_pagemap_put(dp);
}

/* Unbind from another thread: the VRAM in use when it returned. */
struct unbind {
	struct amdgpu_device *adev;
	u64 vram_usage;
};

static int unbind_fn(void *arg)
{
	struct unbind *u = arg;

	amdgpu_migrate_fini(u->adev);
	u->vram_usage = ttm_resource_manager_usage(ttm_manager_type(&u->adev->mman.bdev,
								    TTM_PL_VRAM));
	return 0;
}

/*
 * A device page that resists eviction for a while (another path holds it
 * locked, with a reference) does not hang unbind, nor is it left behind:
 * unbind tries again until it can move it, then finishes, every byte
 * back in system memory.
 */
static void migrate_unbind_outlasts_a_resisting_page(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0x5e5, false);
	struct unbind u = { .adev = adev };
	struct amdgpu_svm_test_process *p;
	struct amdgpu_svm_test_pte pte;
	struct folio *folio;
	bool done;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	expect_gpu_page(test, f, buf, 3, 0x5e5, true);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev,
							buf + 3 * PAGE_SIZE,
							&pte));
	folio = page_folio(amdgpu_migrate_vram_page(amdgpu_svm_test_migrate(f->tdev),
						    pte.addr -
						    adev->vm_manager.vram_base_offset));
	folio_get(folio);
	folio_lock(folio);

	p = amdgpu_svm_test_process_start(test, unbind_fn, &u);
	done = amdgpu_svm_test_process_wait(p, msecs_to_jiffies(200));
	folio_unlock(folio);
	folio_put(folio);
	KUNIT_EXPECT_FALSE(test, done);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_process_wait(p, 60 * HZ));

	KUNIT_EXPECT_NULL(test, amdgpu_migrate_get(adev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	expect_cpu_pattern(test, f, buf, SZ_1M, 0x5e5);
}

/*
 * The buffer object of a freed allocation is put on the registration's
 * own freezable queue: while the system suspends (freezable queues
 * frozen) none is put, and unbind returns only once the last one was, so
 * that none is put after TTM's teardown or the module's.
 */
static void migrate_release_frozen_then_drained_at_unbind(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	struct ttm_resource_manager *man =
		ttm_manager_type(&f->tdev->adev->mman.bdev, TTM_PL_VRAM);
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0xf2e, false);
	struct unbind u = { .adev = f->tdev->adev, .vram_usage = U64_MAX };
	struct amdgpu_svm_test_process *p;
	u64 idle = ttm_resource_manager_usage(man);
	bool done;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	KUNIT_EXPECT_EQ(test, ttm_resource_manager_usage(man), idle + SZ_1M);

	amdgpu_svm_test_freeze_queues(test);
	/* The CPU takes every page back: the allocation is freed. */
	expect_cpu_pattern(test, f, buf, SZ_1M, 0xf2e);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	msleep(100);
	KUNIT_EXPECT_EQ(test, ttm_resource_manager_usage(man), idle + SZ_1M);

	p = amdgpu_svm_test_process_start(test, unbind_fn, &u);
	done = amdgpu_svm_test_process_wait(p, msecs_to_jiffies(100));
	amdgpu_svm_test_thaw_queues(test);
	KUNIT_EXPECT_FALSE(test, done);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_process_wait(p, 60 * HZ));
	KUNIT_EXPECT_EQ(test, u.vram_usage, idle);
}

static void migrate_svm_teardown_with_pages_in_vram(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long buf = pattern_buffer(test, f, SZ_1M, 0x7ea, false);

	KUNIT_ASSERT_EQ(test, 0, migrate(f, buf, SZ_1M));
	expect_gpu_page(test, f, buf, 2, 0x7ea, true);

	/* The file closes: the GPU lets go, the pages stay the process's. */
	amdgpu_svm_vm_fini(&f->tdev->fpriv->vm);
	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_sim_count_valid(f->tdev->sim, &f->tdev->fpriv->vm));
	expect_cpu_pattern(test, f, buf, SZ_1M, 0x7ea);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
}

/* A process of its own that migrates memory to VRAM, then exits. */
struct vram_process {
	struct migrate_fixture *f;
	unsigned long used_before;
};

static int vram_process_fn(void *arg)
{
	struct vram_process *p = arg;
	unsigned long buf;
	int ret;

	buf = vm_mmap(NULL, 0, SZ_1M, PROT_READ | PROT_WRITE,
		      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	ret = clear_user((void __user *)buf, SZ_1M) ? -EFAULT :
	      migrate(p->f, buf, SZ_1M);
	p->used_before = amdgpu_svm_test_vram_used(p->f->vram);
	return ret;
}

static void migrate_process_exit_with_pages_in_vram(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	struct vram_process p = { .f = f };

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_run_process(test,
							     vram_process_fn,
							     &p));
	KUNIT_EXPECT_EQ(test, p.used_before, SZ_1M >> PAGE_SHIFT);
	/* Freed with the address space, not copied back. */
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(f->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->vram->pages_to_ram), 0);
}

static const u64 vram_bases[] = { 0, 0x8000000000ULL, 0x100000000000ULL };

static void base_desc(const u64 *base, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "vram_base_offset %#llx", *base);
}

KUNIT_ARRAY_PARAM(vram_base, vram_bases, base_desc);

static void migrate_device_map_address_arithmetic(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	const u64 offsets[] = { 0, PAGE_SIZE, SZ_2M, VRAM_SIZE - PAGE_SIZE };
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	struct device *other = kunit_device_register(test, "amdgpu-svm-peer");
	struct drm_pagemap *dp = &mig->dpagemap;
	u64 base = adev->vm_manager.vram_base_offset;
	unsigned int i;

	adev->vm_manager.vram_base_offset = *(const u64 *)test->param_value;
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	/* All of the device's VRAM: page tables and the migration pool. */
	KUNIT_EXPECT_EQ(test, range_len(&mig->pgmap.range),
			adev->gmc.real_vram_size);
	/* Not KFD's owner (the device or its hive): the stacks stay apart. */
	KUNIT_EXPECT_PTR_NE(test, mig->pgmap.owner, (void *)adev);
	KUNIT_EXPECT_PTR_EQ(test, amdgpu_migrate_owner(adev), mig->pgmap.owner);

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		struct page *page = amdgpu_migrate_vram_page(mig, offsets[i]);
		struct drm_pagemap_addr a;

		KUNIT_EXPECT_TRUE(test, is_device_private_page(page));
		KUNIT_EXPECT_EQ(test, amdgpu_migrate_vram_offset(mig, page),
				offsets[i]);
		a = dp->ops->device_map(dp, adev->dev, page, 0, DMA_BIDIRECTIONAL);
		KUNIT_EXPECT_EQ(test, a.addr, adev->vm_manager.vram_base_offset +
				offsets[i]);
		KUNIT_EXPECT_EQ(test, (u32)a.proto, DRM_INTERCONNECT_DRIVER);
		dp->ops->device_unmap(dp, adev->dev, &a);

		/* No peer access to this VRAM: the caller falls back. */
		a = dp->ops->device_map(dp, other, page, 0, DMA_BIDIRECTIONAL);
		KUNIT_EXPECT_EQ(test, a.addr, DMA_MAPPING_ERROR);
	}

	/* A 2 MiB device folio is one entry of order 9. */
	KUNIT_EXPECT_EQ(test, (u32)dp->ops->device_map(dp, adev->dev,
						       amdgpu_migrate_vram_page(mig, SZ_2M),
						       HPAGE_PMD_ORDER,
						       DMA_BIDIRECTIONAL).order,
			HPAGE_PMD_ORDER);
	/* The page tables were written with the device's own base. */
	adev->vm_manager.vram_base_offset = base;
}

/*
 * A page table allocated while SVM pages are mapped and VRAM is full: the
 * allocation makes TTM evict an SVM buffer, whose hook runs our MMU
 * notifier, which takes the notifier lock for write. The page table must
 * not be allocated under that lock (lockdep would see the inversion, the
 * hardware a self-deadlock). A GPU fault far from everything mapped needs
 * a new PDB0 and PTB; VRAM, the page-table reserve included, is taken by
 * one pinned kernel buffer, so the only room is the SVM's.
 */
static void migrate_page_table_allocation_evicts_svm_vram(struct kunit *test)
{
	struct migrate_fixture *f = test->priv;
	unsigned long a = pattern_buffer(test, f, SZ_1M, 0x9a7, false);
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(f->tdev);
	struct ttm_resource_manager *man =
		ttm_manager_type(&adev->mman.bdev, TTM_PL_VRAM);
	s64 evictions = atomic64_read(&mig->stats.evictions);
	struct amdgpu_bo *hog;
	unsigned long far, i;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, migrate(f, a, SZ_1M));
	expect_gpu_page(test, f, a, 5, 0x9a7, true);

	far = kunit_vm_mmap(test, NULL, ALIGN_DOWN(a, SZ_1G) - SZ_1G, SZ_64K,
			    PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED_NOREPLACE,
			    0);
	KUNIT_ASSERT_EQ(test, far, ALIGN_DOWN(a, SZ_1G) - SZ_1G);
	KUNIT_ASSERT_EQ(test, 0, put_user(0xfa7, (u32 __user *)far));

	/* What is free, taken where it is (no eviction) and pinned there. */
	hog = vram_pressure(test, f, 0);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_bo_reserve(hog, false));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_bo_pin(hog, AMDGPU_GEM_DOMAIN_VRAM));
	amdgpu_bo_unreserve(hog);
	KUNIT_ASSERT_EQ(test, ttm_resource_manager_usage(man),
			adev->gmc.mc_vram_size);
	KUNIT_ASSERT_EQ(test, atomic64_read(&mig->stats.evictions), evictions);

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, far, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0xfa7);
	KUNIT_EXPECT_GT(test, atomic64_read(&mig->stats.evictions), evictions);
	KUNIT_EXPECT_GT(test, atomic_read(&f->vram->pages_to_ram), 0);

	/* What the GPU reads of the SVM's memory is intact, where it is. */
	for (i = 0; i < SZ_1M >> PAGE_SHIFT; i += 51) {
		KUNIT_ASSERT_EQ(test, 0,
				amdgpu_svm_test_gpu_access(f->tdev,
							   a + i * PAGE_SIZE,
							   &v, sizeof(v),
							   false));
		KUNIT_EXPECT_EQ(test, v, pattern(0x9a7, i, 0));
	}
	/* And every byte as the CPU reads it, which brings it all home. */
	expect_cpu_pattern(test, f, a, SZ_1M, 0x9a7);
	if (!amdgpu_bo_reserve(hog, false)) {
		amdgpu_bo_unpin(hog);
		amdgpu_bo_unreserve(hog);
	}
	amdgpu_bo_unref(&hog);
}

static struct kunit_case amdgpu_migrate_cases[] = {
	KUNIT_CASE(migrate_4k_pages_to_vram_and_back),
	KUNIT_CASE(migrate_thp_as_one_order9_unit),
	KUNIT_CASE_PARAM(migrate_thp_copy_back_without_a_huge_page,
			 thp_fault_page_gen_params),
	KUNIT_CASE(migrate_fragmented_vram_one_copy_per_run),
	KUNIT_CASE(migrate_copies_are_pipelined),
	KUNIT_CASE(migrate_copies_wait_for_busy_vram_on_the_gpu),
	KUNIT_CASE(migrate_failed_move_of_busy_vram_fails_the_migration),
	KUNIT_CASE(migrate_fills_only_the_holes),
	KUNIT_CASE(migrate_fills_a_2m_hole_whole),
	KUNIT_CASE(migrate_cpu_faults_of_two_ranges_run_together),
	KUNIT_CASE(migrate_timed_out_copy_keeps_data_in_ram),
	KUNIT_CASE(migrate_splits_runs_at_the_gart_window),
	KUNIT_CASE_PARAM(migrate_copy_failure_keeps_data_in_ram,
			 failing_copy_gen_params),
	KUNIT_CASE(migrate_alloc_failure_keeps_data_in_ram),
	KUNIT_CASE_PARAM(migrate_failed_copy_back_is_done_by_the_cpu,
			 copy_back_failure_gen_params),
	KUNIT_CASE(migrate_failed_eviction_copy_is_done_by_the_cpu),
	KUNIT_CASE(migrate_vram_lost_by_a_reset_is_never_read),
	KUNIT_CASE(migrate_vram_lost_is_not_evicted),
	KUNIT_CASE(migrate_vram_lost_spares_a_newer_neighbour),
	KUNIT_CASE(migrate_copy_back_waits_for_the_reset),
	KUNIT_CASE(migrate_eviction_while_mapped),
	KUNIT_CASE(migrate_ttm_eviction_of_one_bo),
	KUNIT_CASE(migrate_ttm_eviction_skips_an_exiting_process),
	KUNIT_CASE(migrate_page_table_allocation_evicts_svm_vram),
	KUNIT_CASE(migrate_partly_written_range_is_zapped),
	KUNIT_CASE(migrate_zapped_range_gives_way_to_a_buffer),
	KUNIT_CASE(migrate_device_pages_keep_the_device_awake),
	KUNIT_CASE(migrate_unbind_with_pages_in_vram),
	KUNIT_CASE(migrate_release_frozen_then_drained_at_unbind),
	KUNIT_CASE(migrate_unbind_outlasts_a_resisting_page),
	KUNIT_CASE(migrate_svm_teardown_with_pages_in_vram),
	KUNIT_CASE(migrate_process_exit_with_pages_in_vram),
	KUNIT_CASE_PARAM(migrate_device_map_address_arithmetic,
			 vram_base_gen_params),
	{}
};

static struct kunit_suite amdgpu_migrate_suite = {
	.name = "amdgpu_svm_migrate",
	.init = migrate_test_init,
	.test_cases = amdgpu_migrate_cases,
};

/* Devices where migration is impossible register nothing, and say so. */
struct no_migration_case {
	const char *name;
	u32 gc;
	bool app_apu;
	bool prefer_gtt;
	u64 vram;
};

static const struct no_migration_case no_migration_cases[] = {
	{ "GC 9.0.0", IP_VERSION(9, 0, 0), false, false, SZ_32M },
	{ "application APU", IP_VERSION(9, 4, 3), true, false, SZ_32M },
	{ "APU preferring GTT", IP_VERSION(11, 0, 1), false, true, SZ_32M },
	{ "no VRAM", IP_VERSION(10, 3, 0), false, false, 0 },
};

static void no_migration_desc(const struct no_migration_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(no_migration, no_migration_cases, no_migration_desc);

static void migrate_init_skipped_where_impossible(struct kunit *test)
{
	const struct no_migration_case *c = test->param_value;
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test, true);
	struct amdgpu_device *adev = tdev->adev;
	unsigned long buf;
	u32 v = 0;
	u64 vram = adev->gmc.real_vram_size;

	adev->ip_versions[GC_HWIP][0] = c->gc;
	adev->gmc.is_app_apu = c->app_apu;
	adev->apu_prefer_gtt = c->prefer_gtt;
	adev->gmc.real_vram_size = c->vram;
	/* Not off: only the device's properties stop the registration. */
	adev->svm_migrate_off = false;
	KUNIT_EXPECT_EQ(test, 0, amdgpu_migrate_init(adev));
	/* TTM already manages the simulated VRAM (page tables live there). */
	adev->gmc.real_vram_size = vram;
	KUNIT_EXPECT_NULL(test, amdgpu_migrate_get(adev));
	KUNIT_EXPECT_NULL(test, amdgpu_migrate_owner(adev));
	KUNIT_EXPECT_FALSE(test, amdgpu_migrate_owns_bo(adev, tdev));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_migrate_evict_all(adev));
	amdgpu_migrate_fini(adev);

	/* SVM works as before, from system memory. */
	buf = amdgpu_svm_test_user_buffer(test, SZ_64K, 3);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       buf, SZ_64K, NULL, 0));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev, buf, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 3);
}

/*
 * The struct pages of the registration are charged to the system memory
 * limit (KFD's where KFD is built, the SVM's own otherwise), under its lock:
 * beyond it nothing is registered and SVM works from system memory; at
 * unbind the charge is given back.
 */
static void migrate_init_charges_its_struct_pages(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test, true);
	struct amdgpu_device *adev = tdev->adev;
	u64 pages = (ALIGN(adev->gmc.real_vram_size, SZ_2M) >> PAGE_SHIFT) *
		    sizeof(struct page);
	struct amdgpu_svm_test_mem_hold *hold;

	adev->svm_migrate_off = false;
	/* One byte short of the struct pages: nothing registered. */
	hold = amdgpu_svm_test_mem_hold(test, pages - 1);
	KUNIT_EXPECT_EQ(test, -ENOMEM, amdgpu_migrate_init(adev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), pages - 1);
	KUNIT_EXPECT_NULL(test, amdgpu_migrate_get(adev));

	amdgpu_svm_test_mem_headroom(test, hold, pages);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_migrate_init(adev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), 0);
	amdgpu_migrate_put(amdgpu_migrate_get(adev));

	amdgpu_migrate_fini(adev);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), pages);
}

/* A device with VRAM for migrations that has not registered it yet. */
static struct amdgpu_svm_test_dev *unregistered_dev(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev =
		amdgpu_svm_test_dev_create_with_vram(test, true, SZ_16M);

	amdgpu_migrate_fini(tdev->adev);
	tdev->adev->svm_migrate_off = false;
	KUNIT_EXPECT_NULL(test, amdgpu_migrate_get(tdev->adev));
	return tdev;
}

/*
 * The VRAM is registered by the device's first SVM, not before: a device
 * whose VM only KFD uses registers nothing (a KFD-only system pays
 * nothing for it).
 */
static void migrate_nothing_registered_for_kfd(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = unregistered_dev(test);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_vm_make_compute(tdev->adev,
							&tdev->fpriv->vm));
	KUNIT_EXPECT_EQ(test, -EBUSY,
			amdgpu_svm_test_ioctl(tdev, AMDGPU_SVM_OP_RESET_ATTR,
					      SZ_1G, SZ_2M, NULL, 0));
	KUNIT_EXPECT_NULL(test, amdgpu_migrate_get(tdev->adev));
}

/* The first SVM registers; once unbind began, no SVM registers anything. */
static void migrate_registered_by_the_first_svm(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = unregistered_dev(test);
	struct amdgpu_migrate *mig;

	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_test_ioctl(tdev, AMDGPU_SVM_OP_RESET_ATTR,
					      SZ_1G, SZ_2M, NULL, 0));
	mig = amdgpu_migrate_get(tdev->adev);
	KUNIT_EXPECT_NOT_NULL(test, mig);
	amdgpu_migrate_put(mig);

	amdgpu_migrate_fini(tdev->adev);
	amdgpu_svm_vm_fini(&tdev->fpriv->vm);
	amdgpu_svm_test_open_file(tdev);
	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_test_ioctl(tdev, AMDGPU_SVM_OP_RESET_ATTR,
					      SZ_1G, SZ_2M, NULL, 0));
	KUNIT_EXPECT_NULL(test, amdgpu_migrate_get(tdev->adev));
}

static struct kunit_case amdgpu_migrate_init_cases[] = {
	KUNIT_CASE_PARAM(migrate_init_skipped_where_impossible,
			 no_migration_gen_params),
	KUNIT_CASE(migrate_init_charges_its_struct_pages),
	KUNIT_CASE(migrate_nothing_registered_for_kfd),
	KUNIT_CASE(migrate_registered_by_the_first_svm),
	{}
};

static struct kunit_suite amdgpu_migrate_init_suite = {
	.name = "amdgpu_svm_migrate_init",
	.test_cases = amdgpu_migrate_init_cases,
};

kunit_test_suites(&amdgpu_migrate_suite, &amdgpu_migrate_init_suite);
