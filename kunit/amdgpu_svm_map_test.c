// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of the range layer with XNACK off: the DRM_AMDGPU_GEM_SVM
 * ioctl on real user memory maps it into the model GPU's page table
 * through drm_gpusvm, real MMU notifiers zap it, and the GPU and the CPU
 * see each other's bytes.
 */

#include <kunit/test.h>
#include <linux/dma-fence.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/dma-resv.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>

#include "../amdgpu.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_range.h"
#include "../amdgpu_trace.h"
#include "../amdgpu_ttm.h"
#include "amdgpu_svm_sim.h"
#include "amdgpu_svm_test.h"
#include "vega10_enum.h"

#include <trace/events/kmem.h>

struct map_fixture {
	struct amdgpu_svm_test_dev *tdev;
};

static int map_test_init(struct kunit *test)
{
	struct map_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->tdev = amdgpu_svm_test_dev_create(test, false);

	/*
	 * Make the SVM now and keep its restore worker from running on its
	 * own, so that a case knows when it ran: tests run it with
	 * amdgpu_svm_test_run_restore().
	 */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(f->tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       f->tdev->attrs_page,
						       PAGE_SIZE, NULL, 0));
	f->tdev->fpriv->vm.svm->restore.delay = 3600 * HZ;
	test->priv = f;
	return 0;
}

#define user_buffer amdgpu_svm_test_user_buffer

static int svm_set(struct kunit *test, struct map_fixture *f, unsigned long start,
		   size_t size, const struct drm_amdgpu_svm_attribute *attrs, u32 n)
{
	return amdgpu_svm_test_ioctl(f->tdev, AMDGPU_SVM_OP_SET_ATTR, start, size,
				     attrs, n);
}

static int grant_access(struct kunit *test, struct map_fixture *f,
			unsigned long start, size_t size)
{
	const struct drm_amdgpu_svm_attribute attr = {
		AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_ALLOW_MIGRATE
	};

	return svm_set(test, f, start, size, &attr, 1);
}

static u32 gpu_read32(struct kunit *test, struct map_fixture *f,
		      unsigned long addr)
{
	u32 v = 0;

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, addr, &v,
							    sizeof(v), false));
	return v;
}

static void map_xnack_off_access_maps_every_page(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	const size_t size = SZ_2M + SZ_64K;
	unsigned long buf = user_buffer(test, size, 0xa11ce);
	unsigned long off;

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + size));
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, size));
	KUNIT_EXPECT_EQ(test, size >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + size));
	/* Nothing outside the range. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf + size,
							    buf + size + SZ_64K));
	for (off = 0; off < size; off += PAGE_SIZE)
		KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + off),
				0xa11ce ^ (u32)(off >> PAGE_SHIFT));
}

static void map_default_access_maps_nothing(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute ro = { AMDGPU_SVM_ATTR_GPU_RO, 1 };
	unsigned long buf = user_buffer(test, SZ_64K, 1);

	/* XNACK off: pages never granted access stay unmapped. */
	KUNIT_ASSERT_EQ(test, 0, svm_set(test, f, buf, SZ_64K, &ro, 1));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_64K));
}

static void map_gpu_and_cpu_see_each_other(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_256K, 7);
	u32 gpu = 0x6b75a11, cpu = 0;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_256K));

	/* The GPU writes, the CPU reads. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf + SZ_64K + 12,
							    &gpu, sizeof(gpu), true));
	KUNIT_ASSERT_EQ(test, 0, get_user(cpu, (u32 __user *)(buf + SZ_64K + 12)));
	KUNIT_EXPECT_EQ(test, cpu, gpu);

	/* The CPU writes, the GPU reads. */
	KUNIT_ASSERT_EQ(test, 0, put_user(0xc0ffee, (u32 __user *)(buf + SZ_128K)));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_128K), 0xc0ffee);
}

static void map_gpu_ro_gives_read_only_ptes(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute attrs[] = {
		{ AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_ALLOW_MIGRATE },
		{ AMDGPU_SVM_ATTR_GPU_RO, 1 },
	};
	unsigned long buf = user_buffer(test, SZ_64K, 3);
	struct amdgpu_svm_test_pte pte;
	u32 v = 1;

	KUNIT_ASSERT_EQ(test, 0, svm_set(test, f, buf, SZ_64K, attrs, 2));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf, &pte));
	KUNIT_EXPECT_TRUE(test, pte.flags & AMDGPU_PTE_READABLE);
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_WRITEABLE);
	KUNIT_EXPECT_EQ(test, -EACCES,
			amdgpu_svm_test_gpu_access(f->tdev, buf, &v, sizeof(v), true));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf), 3);
}

static void map_read_only_vma_maps_read_only(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_pte pte;
	unsigned long buf;

	buf = kunit_vm_mmap(test, NULL, 0, SZ_64K, PROT_READ,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, buf && buf < TASK_SIZE);
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf, &pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_WRITEABLE);
}

static void map_munmap_zaps_and_gc_removes(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	const size_t size = SZ_4M;
	unsigned long buf = user_buffer(test, size, 9);
	unsigned long hole = buf + SZ_1M, hole_end = hole + SZ_256K;
	struct amdgpu_svm *svm;
	int flushes;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, size));
	svm = f->tdev->fpriv->vm.svm;
	KUNIT_ASSERT_EQ(test, size >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + size));
	flushes = atomic_read(&f->tdev->sim->tlb_flushes);

	KUNIT_ASSERT_EQ(test, 0, vm_munmap(hole, hole_end - hole));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, hole, hole_end));
	KUNIT_EXPECT_GT(test, atomic_read(&f->tdev->sim->tlb_flushes), flushes);
	/* Ranges are zapped whole; pages 2 MiB away were not touched. */
	KUNIT_EXPECT_TRUE(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf + SZ_4M - SZ_64K,
							   buf + SZ_4M) == 16);

	/* The garbage collector removes every range that overlapped the hole. */
	flush_work(&svm->gc.work);
	mutex_lock(&svm->lock);
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(&svm->gpusvm, hole, hole_end));
	KUNIT_EXPECT_TRUE(test, list_empty(&svm->gc.ranges));
	mutex_unlock(&svm->lock);
}

/*
 * The garbage collector runs on a freezable queue, as KFD's restore
 * worker: while the system suspends (freezable queues frozen) it removes
 * nothing, and does its work once they thaw. The zap does not wait.
 */
static void map_gc_waits_while_frozen(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_2M, 9);
	struct amdgpu_svm *svm;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_2M));
	svm = f->tdev->fpriv->vm.svm;

	amdgpu_svm_test_freeze_queues(test);
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_2M));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_2M));
	msleep(100);
	mutex_lock(&svm->lock);
	KUNIT_EXPECT_FALSE(test, list_empty(&svm->gc.ranges));
	mutex_unlock(&svm->lock);

	amdgpu_svm_test_thaw_queues(test);
	flush_work(&svm->gc.work);
	mutex_lock(&svm->lock);
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(&svm->gpusvm, buf,
							buf + SZ_2M));
	KUNIT_EXPECT_TRUE(test, list_empty(&svm->gc.ranges));
	mutex_unlock(&svm->lock);
}

/*
 * The GPU read a page, then the CPU unmapped it: the page is freed once
 * munmap returns, so the TLB entry the read left must be gone by then.
 * Without the flush after the zap the MMU model catches the stale hit
 * ("GPU reached a freed page").
 */
static void map_munmap_leaves_no_stale_tlb_entry(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 0x57a1e);
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_16K), 0x57a1e ^ 4);
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_64K));
	/* XNACK off: the queues run again once the restore worker ran. */
	amdgpu_svm_test_run_restore(f->tdev);
	KUNIT_EXPECT_EQ(test, -EFAULT,
			amdgpu_svm_test_gpu_access(f->tdev, buf + SZ_16K, &v,
						   sizeof(v), false));
}

/*
 * XNACK off: memory mapped at an address whose access was granted before
 * (the old memory unmapped, new memory mapped at the same place, as an
 * allocator reuses addresses) is mapped by the next SET over it, although
 * that SET changes no attribute; the GPU reads the new bytes.
 */
static void map_xnack_off_set_maps_memory_mapped_since(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 0x01d), off;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_64K));
	amdgpu_svm_test_run_restore(f->tdev);
	KUNIT_ASSERT_EQ(test, buf, vm_mmap(NULL, buf, SZ_64K,
					   PROT_READ | PROT_WRITE,
					   MAP_ANONYMOUS | MAP_PRIVATE |
					   MAP_FIXED_NOREPLACE, 0));
	for (off = 0; off < SZ_64K; off += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, 0, put_user(0x2e3 ^ (u32)off,
						  (u32 __user *)(buf + off)));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_64K));
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	KUNIT_EXPECT_EQ(test, SZ_64K >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_64K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_16K), 0x2e3 ^ SZ_16K);
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_64K));
}

/*
 * munmap() while one of its allocations fails: failslab and
 * fail_page_alloc fail the n-th, for n = 1 to 40, so that somewhere the
 * one that fails is the PTE clear's in the MMU notifier (its TLB callback
 * or SDMA job). munmap() then either fails and unmaps nothing, or unmaps
 * and leaves no PTE to the freed pages: the clear waits and tries again.
 * With XNACK off a clear that gave up would be redone before the queues
 * run again (amdgpu_svm_vm_validated()); with XNACK on the queues never
 * stop, and the GPU would keep its PTEs to freed pages.
 */
static void map_munmap_clears_ptes_when_allocations_fail(struct kunit *test)
{
	bool xnack_on = *(const bool *)test->param_value;
	struct amdgpu_svm_test_dev *tdev;
	unsigned int n, unmapped = 0;
	struct map_fixture *f;
	u8 bytes[SZ_256];

	/* Its own suite, without the XNACK-off fixture: a device per mode. */
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	tdev = amdgpu_svm_test_dev_create(test, xnack_on);
	f->tdev = tdev;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       tdev->attrs_page,
						       PAGE_SIZE, NULL, 0));
	tdev->fpriv->vm.svm->restore.delay = 3600 * HZ;
	if (!amdgpu_svm_test_fail_alloc_enable(test, 0, true))
		kunit_skip(test, "no FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS");
	for (n = 1; n <= 40; n++) {
		unsigned long buf = user_buffer(test, SZ_64K, n), off;
		int ret;

		KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
		/* XNACK on: the GPU's faults map it. */
		for (off = 0; xnack_on && off < SZ_64K; off += PAGE_SIZE)
			KUNIT_ASSERT_EQ(test, 0,
					amdgpu_svm_test_gpu_access(tdev, buf + off,
								   bytes,
								   sizeof(bytes),
								   false));
		KUNIT_ASSERT_EQ_MSG(test, SZ_64K >> PAGE_SHIFT,
				    amdgpu_svm_test_gpu_mapped(tdev, buf,
							       buf + SZ_64K),
				    "round %u", n);
		amdgpu_svm_test_fail_nth(n);
		ret = vm_munmap(buf, SZ_64K);
		amdgpu_svm_test_fail_nth(0);
		if (ret) {
			KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
			KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_64K));
		} else {
			unmapped++;
		}
		KUNIT_EXPECT_EQ_MSG(test, 0,
				    amdgpu_svm_test_gpu_mapped(tdev, buf,
							       buf + SZ_64K),
				    "the allocation %u of munmap() failed", n);
		/* XNACK off: the queues run again once the restore ran. */
		if (!xnack_on)
			amdgpu_svm_test_run_restore(tdev);
	}
	kunit_info(test, "%u of 40 munmap() calls unmapped\n", unmapped);
	KUNIT_EXPECT_GT(test, unmapped, 0);
}

static const bool map_xnack_modes[] = { false, true };

static void map_xnack_desc(const bool *on, char *desc)
{
	strscpy(desc, *on ? "xnack on" : "xnack off", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map_xnack, map_xnack_modes, map_xnack_desc);

struct sdma_release {
	struct delayed_work work;
	struct amdgpu_svm_sim_sdma *sdma;
};

static void sdma_release_fn(struct work_struct *work)
{
	struct sdma_release *r = container_of(to_delayed_work(work),
					      struct sdma_release, work);

	amdgpu_svm_sim_sdma_hold(r->sdma, false);
}

/*
 * With SDMA page-table updates a zap is a job: the TLB flush must wait
 * for it, or the GPU refills its TLB from the old PTEs and reaches pages
 * the CPU side freed. The engine is held while munmap() runs and released
 * only later: the GPU looks right after munmap() returned.
 */
static void map_munmap_flushes_after_the_clear_landed(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_sim *sim = f->tdev->sim;
	unsigned long buf = user_buffer(test, SZ_64K, 0xc1ea);
	struct sdma_release r = { .sdma = &sim->sdma };
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_16K), 0xc1ea ^ 4);
	INIT_DELAYED_WORK(&r.work, sdma_release_fn);
	amdgpu_svm_sim_sdma_hold(&sim->sdma, true);
	schedule_delayed_work(&r.work, msecs_to_jiffies(300));
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_64K));
	KUNIT_EXPECT_EQ(test, -EFAULT,
			amdgpu_svm_test_gpu_access(f->tdev, buf + SZ_16K, &v,
						   sizeof(v), false));
	flush_delayed_work(&r.work);
}

/*
 * An MI300-class part has several XCCs, each with its own UTCL2: a zap is
 * flushed on every instance, heavy-weight, as KFD's kfd_flush_tlb() does.
 */
static void map_zap_flushes_every_xcc_heavyweight(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_sim *sim = f->tdev->sim;
	unsigned long buf = user_buffer(test, SZ_64K, 0x7cc);
	int i, heavy;

	f->tdev->adev->gfx.xcc_mask = 0xf;
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	for (i = 0; i < 4; i++)
		atomic_set(&sim->pasid_flushes[i], 0);
	heavy = atomic_read(&sim->heavy_flushes);
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_64K));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_GE_MSG(test, atomic_read(&sim->pasid_flushes[i]), 1,
				    "XCC %d not flushed", i);
	KUNIT_EXPECT_GE(test, atomic_read(&sim->heavy_flushes) - heavy, 4);
	amdgpu_svm_test_run_restore(f->tdev);
	f->tdev->adev->gfx.xcc_mask = 0;
}

/* Fences of another context in the page directory's reservation. */
#define FOREIGN_FENCES	16

struct foreign_fences {
	struct dma_fence *f[FOREIGN_FENCES];
	/* the fences' lock */
	spinlock_t lock;
	struct delayed_work work;
};

static void foreign_signal(struct work_struct *work)
{
	struct foreign_fences *ff = container_of(to_delayed_work(work),
						 struct foreign_fences, work);
	int i;

	for (i = 0; i < FOREIGN_FENCES; i++)
		dma_fence_signal(ff->f[i]);
}

/*
 * An SDMA page-table update adds its fence to the page directory's
 * reservation: a slot must be reserved first (amdgpu_vm_handle_fault()
 * does). When every slot holds an unsignalled fence of another context,
 * nothing can be reused and a missing reservation hits the BUG_ON in
 * dma_resv_add_fence() (CONFIG_DEBUG_MUTEXES takes back the spare slots at
 * each unlock). The tables exist already, so no buffer creation reserves a
 * slot on the way.
 */
static void map_sdma_update_reserves_a_fence_slot(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct dma_resv *resv = f->tdev->fpriv->vm.root.bo->tbo.base.resv;
	const struct drm_amdgpu_svm_attribute none = {
		AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_INACCESSIBLE
	};
	unsigned long buf = user_buffer(test, SZ_64K, 0x5107);
	struct foreign_fences *ff;
	u64 context;
	int i;

	/* Mapped once and unmapped: the page tables exist from now on. */
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	KUNIT_ASSERT_EQ(test, 0, svm_set(test, f, buf, SZ_64K, &none, 1));

	ff = kunit_kzalloc(test, sizeof(*ff), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ff);
	spin_lock_init(&ff->lock);
	INIT_DELAYED_WORK(&ff->work, foreign_signal);
	context = dma_fence_context_alloc(FOREIGN_FENCES);
	for (i = 0; i < FOREIGN_FENCES; i++) {
		ff->f[i] = kzalloc_obj(*ff->f[i]);
		KUNIT_ASSERT_NOT_NULL(test, ff->f[i]);
		dma_fence_init(ff->f[i], &amdgpu_svm_test_fence_ops, &ff->lock, context + i, 1);
	}
	KUNIT_ASSERT_EQ(test, 0, dma_resv_lock(resv, NULL));
	KUNIT_ASSERT_EQ(test, 0, dma_resv_reserve_fences(resv, FOREIGN_FENCES));
	for (i = 0; i < FOREIGN_FENCES; i++)
		dma_resv_add_fence(resv, ff->f[i], DMA_RESV_USAGE_BOOKKEEP);
	dma_resv_unlock(resv);
	schedule_delayed_work(&ff->work, msecs_to_jiffies(300));

	KUNIT_EXPECT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf), 0x5107);
	flush_delayed_work(&ff->work);
	for (i = 0; i < FOREIGN_FENCES; i++)
		dma_fence_put(ff->f[i]);
}

/*
 * The first map of an address range needs new page tables, and a
 * page-table allocation may evict an SVM buffer, whose eviction takes the
 * notifier lock: the tables must be made before the map takes that lock.
 */
static void map_page_tables_allocated_outside_notifier_lock(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 0x9a6e);
	struct amdgpu_svm_test_bo_probe p;

	amdgpu_svm_test_bo_probe_start(test, &p, f->tdev->fpriv->vm.svm);
	KUNIT_EXPECT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	amdgpu_svm_test_bo_probe_stop(&p);

	KUNIT_EXPECT_GT(test, atomic_read(&p.created), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.under_notifier_lock), 0);
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf), 0x9a6e);
}

struct alloc_probe {
	struct amdgpu_svm *svm;
	atomic_t reclaiming;
	unsigned long first_site;
};

/*
 * An allocation that may enter reclaim while this task holds the notifier
 * lock. amdgpu's VM eviction lock disables reclaim for the PTE update it
 * covers (amdgpu_vm_eviction_lock()); reclaim disabled by anything else
 * counts, as it would only hide the allocation.
 */
static void alloc_probe_check(struct alloc_probe *p, unsigned long site,
			      gfp_t gfp)
{
	if (!(gfp & __GFP_DIRECT_RECLAIM) ||
	    !lockdep_is_held(&p->svm->gpusvm.notifier_lock))
		return;
	if ((current->flags & PF_MEMALLOC) &&
	    lockdep_is_held(&p->svm->vm->eviction_lock))
		return;
	if (atomic_inc_return(&p->reclaiming) == 1)
		WRITE_ONCE(p->first_site, site);
}

static void probe_kmalloc(void *data, unsigned long site, const void *ptr,
			  size_t req, size_t alloc, gfp_t gfp, int node)
{
	alloc_probe_check(data, site, gfp);
}

static void probe_cache_alloc(void *data, unsigned long site, const void *ptr,
			      struct kmem_cache *s, gfp_t gfp, int node)
{
	alloc_probe_check(data, site, gfp);
}

/*
 * Nothing under the notifier lock, nor in the MMU notifier (which holds
 * it), allocates with reclaim: reclaim runs MMU notifiers, which take that
 * lock. A map links its new page tables before it takes the lock, and the
 * PTE updates of a map and of a zap allocate without reclaim. Lockdep
 * alone misses some of it (drm_dev_enter()'s SRCU read section between
 * the lock and the allocation hides the dependency), so every slab
 * allocation of this thread is checked as well.
 */
static void map_and_zap_allocate_nothing_with_reclaim(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct alloc_probe p = { .svm = f->tdev->fpriv->vm.svm };
	const size_t size = SZ_4M;
	unsigned long buf;

	if (!IS_ENABLED(CONFIG_PROVE_LOCKING))
		kunit_skip(test, "needs lockdep");
	KUNIT_ASSERT_TRUE_MSG(test, debug_locks, "lockdep was off already");
	KUNIT_ASSERT_EQ(test, 0, register_trace_kmalloc(probe_kmalloc, &p));
	KUNIT_ASSERT_EQ(test, 0,
			register_trace_kmem_cache_alloc(probe_cache_alloc, &p));

	/* New page tables, linked, then PTEs; then a zap and a remap. */
	buf = user_buffer(test, size, 0x7ec1);
	KUNIT_EXPECT_EQ(test, 0, grant_access(test, f, buf, size));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_2M), 0x7ec1 ^ 512);
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf + SZ_1M, SZ_64K));
	KUNIT_EXPECT_EQ(test, 0, grant_access(test, f, buf + SZ_2M, SZ_2M));

	unregister_trace_kmem_cache_alloc(probe_cache_alloc, &p);
	unregister_trace_kmalloc(probe_kmalloc, &p);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&p.reclaiming), 0,
			    "first from %pS", (void *)p.first_site);
	KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
			      "lockdep reported a lock problem; see the log");
}

/*
 * TTM evicted the VM's page tables (VRAM pressure, suspend): a map
 * brings them back before it writes PTEs, and what was mapped before is
 * still mapped afterwards.
 */
static void map_after_page_tables_were_evicted(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	unsigned long a = user_buffer(test, SZ_64K, 0xe71c7);
	unsigned long b = user_buffer(test, SZ_64K, 0xba5e);

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, a, SZ_64K));
	/*
	 * Everything out of VRAM, as at suspend, where amdgpu stops the user
	 * queues first: their restore would bring the tables back at once.
	 */
	amdgpu_svm_test_userq_hold(f->tdev);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_ttm_evict_resources(f->tdev->adev,
							    TTM_PL_VRAM));
	KUNIT_ASSERT_FALSE(test, f->tdev->fpriv->vm.root.bo->tbo.resource &&
			   f->tdev->fpriv->vm.root.bo->tbo.resource->mem_type ==
			   TTM_PL_VRAM);

	KUNIT_EXPECT_EQ(test, 0, grant_access(test, f, b, SZ_64K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, b + SZ_4K), 0xba5e ^ 1);
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, a + SZ_8K), 0xe71c7 ^ 2);
}

/* GPU addresses of the page-table cases: nothing of the process maps there. */
#define MAP_PT_PROBE	SZ_4G

/*
 * Write the PTEs of [@first, @last] to @pages (0: cleared), as a map does,
 * its allocation @fail_nth failing (0: none); whether it came is returned
 * in @failed.
 */
static int map_write_ptes(struct amdgpu_svm_test_dev *tdev, u64 first, u64 last,
			  dma_addr_t *pages, u64 flags, unsigned int fail_nth,
			  bool *failed)
{
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;
	int ret;

	dma_resv_lock(amdgpu_svm_vm_resv(svm), NULL);
	amdgpu_svm_test_fail_nth(fail_nth);
	ret = dma_resv_reserve_fences(amdgpu_svm_vm_resv(svm), 2);
	if (!ret)
		ret = amdgpu_svm_gpu_write_ptes(svm, first, last, pages, 0,
						flags, false);
	if (!ret)
		ret = amdgpu_svm_gpu_link_ptes(svm, false);
	*failed = fail_nth && !amdgpu_svm_test_fail_nth_pending();
	amdgpu_svm_test_fail_nth(0);
	dma_resv_unlock(amdgpu_svm_vm_resv(svm));
	amdgpu_svm_sim_vm_settle(&tdev->fpriv->vm);
	return ret;
}

/* Clear the PTEs of [@first, @last] as the notifier does, and flush. */
static void map_clear_ptes(struct kunit *test, struct amdgpu_svm_test_dev *tdev,
			   u64 first, u64 last)
{
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;
	struct dma_fence *fence = NULL;

	drm_gpusvm_notifier_lock(&svm->gpusvm);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_gpu_clear_ptes(svm, first, last,
							   &fence));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_gpu_flush_tlb(svm, fence));
	drm_gpusvm_notifier_unlock(&svm->gpusvm);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev,
							    first << AMDGPU_GPU_PAGE_SHIFT,
							    (last + 1) << AMDGPU_GPU_PAGE_SHIFT));
}

/*
 * A PTE update that outgrows its SDMA job, and cannot get the next one.
 * 2 MiB of pages in pairs of neighbours and single pages, as scattered
 * user memory comes, make amdgpu write each pair with a command of its own
 * and copy the PTE of each single page: more than the first job, sized
 * for the copies, holds. Each allocation of the update fails in turn: the
 * update returns -ENOMEM and stops; the PTEs the jobs before wrote are
 * valid and are cleared as any. Linux 7.3 goes on with the job it no
 * longer has, a NULL dereference in amdgpu_vm_sdma_update()
 * (patches/0015). The pages are never accessed: their addresses need no
 * memory behind them.
 */
static void map_update_stops_when_its_next_job_fails(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	const unsigned long npages = SZ_2M >> PAGE_SHIFT;
	const u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM |
			  AMDGPU_PTE_READABLE;
	u64 first = MAP_PT_PROBE >> AMDGPU_GPU_PAGE_SHIFT;
	u64 last = first + npages - 1;
	unsigned int n, refused = 0, borne = 0;
	struct amdgpu_svm_test_pte pte;
	dma_addr_t *pages;
	unsigned long i;
	bool failed;
	int jobs, ret;

	if (tdev->fpriv->vm.use_cpu_for_update)
		kunit_skip(test, "the CPU writes page tables without jobs");
	pages = kunit_kmalloc_array(test, npages, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	/* Pages 3k and 3k + 1 are neighbours; 3k + 2 is near neither. */
	for (i = 0; i < npages; i++)
		pages[i] = SZ_8G + (i / 3) * SZ_64K + (i % 3) * PAGE_SIZE +
			   (i % 3 == 2 ? SZ_16K : 0);

	/* The tables first, as the range layer makes them; then the premise. */
	ret = map_write_ptes(tdev, first, last, pages, 0, 0, &failed);
	KUNIT_ASSERT_EQ(test, ret, 0);
	jobs = amdgpu_svm_test_vm_jobs(tdev);
	ret = map_write_ptes(tdev, first, last, pages, flags, 0, &failed);
	KUNIT_ASSERT_EQ(test, ret, 0);
	jobs = amdgpu_svm_test_vm_jobs(tdev) - jobs;
	kunit_info(test, "the update of %lu pages takes %d jobs\n", npages, jobs);
	KUNIT_ASSERT_GE(test, jobs, 2);
	map_clear_ptes(test, tdev, first, last);

	if (!amdgpu_svm_test_fail_alloc_enable(test, 0, true))
		kunit_skip(test, "no FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS");
	/* Until the update makes fewer allocations than the one that fails. */
	for (n = 1; ; n++) {
		KUNIT_ASSERT_LE_MSG(test, n, 200U, "the update never got through");
		ret = map_write_ptes(tdev, first, last, pages, flags, n, &failed);
		if (!failed)
			break;
		if (!ret) {
			/* A failure amdgpu bears: the TLB callback's, say. */
			borne++;
		} else {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM,
					    "allocation %u failed", n);
			refused++;
		}
		map_clear_ptes(test, tdev, first, last);
	}
	kunit_info(test, "of %u allocations, %u failed the update, %u did not\n",
		   n - 1, refused, borne);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* Those of the first job and of the next ones, at least. */
	KUNIT_EXPECT_GE(test, refused, 2U);
	for (i = 0; i < npages; i++) {
		u64 va = (first + i) << AMDGPU_GPU_PAGE_SHIFT;

		KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(tdev, va, &pte));
		KUNIT_EXPECT_EQ_MSG(test, pte.addr, (u64)pages[i], "page %lu", i);
	}
	map_clear_ptes(test, tdev, first, last);
}

/*
 * No VRAM is left for page tables: the map returns the error and writes
 * nothing; once VRAM is free the VM's page tables come back and the next
 * map works.
 */
static void map_without_vram_for_page_tables_fails_cleanly(struct kunit *test)
{
	static const unsigned long sizes[] = { SZ_1M, SZ_64K, SZ_4K };
	struct map_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	unsigned long buf = user_buffer(test, SZ_64K, 0xf011);
	unsigned long next = user_buffer(test, SZ_64K, 0x4e47);
	struct amdgpu_bo *hog[64];
	unsigned int n = 0, i;

	/* Fill VRAM with pinned buffers, as other clients could. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		while (n < ARRAY_SIZE(hog) &&
		       !amdgpu_bo_create_kernel(adev, sizes[i], PAGE_SIZE,
						AMDGPU_GEM_DOMAIN_VRAM, &hog[n],
						NULL, NULL))
			n++;
	KUNIT_ASSERT_LT(test, n, ARRAY_SIZE(hog));

	KUNIT_EXPECT_LT(test, grant_access(test, f, buf, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_64K));

	while (n)
		amdgpu_bo_free_kernel(&hog[--n], NULL, NULL);
	KUNIT_EXPECT_EQ(test, 0, grant_access(test, f, next, SZ_64K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, next + SZ_32K), 0x4e47 ^ 8);
}

/*
 * The n-th page-table placement of a map that needs several new tables
 * fails in the VRAM manager: the SET returns the error; whatever PTE it
 * left valid maps the CPU's page; a prefetch afterwards maps it all.
 */
static void map_nth_page_table_allocation_fails(struct kunit *test)
{
	const struct drm_amdgpu_svm_attribute prefetch = {
		AMDGPU_SVM_ATTR_PREFETCH_LOC, AMDGPU_SVM_LOCATION_SYSMEM
	};
	const int *nth = test->param_value;
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_sim *sim = f->tdev->sim;
	unsigned long base = user_buffer(test, SZ_4M + SZ_2M, 0x9e7 + *nth);
	unsigned long buf = ALIGN(base, SZ_2M), addr;
	struct amdgpu_svm_test_pte pte;
	int allocs = atomic_read(&sim->pt_allocs);
	struct page *page;

	WRITE_ONCE(sim->pt_fail_at, allocs + *nth);
	KUNIT_EXPECT_EQ(test, -ENOMEM, grant_access(test, f, buf, SZ_4M));
	WRITE_ONCE(sim->pt_fail_at, 0);
	KUNIT_EXPECT_GE(test, atomic_read(&sim->pt_allocs), allocs + *nth);
	KUNIT_EXPECT_LT(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							 buf + SZ_4M),
			SZ_4M >> PAGE_SHIFT);

	for (addr = buf; addr < buf + SZ_4M; addr += PAGE_SIZE) {
		if (!amdgpu_svm_test_gpu_pte(f->tdev, addr, &pte))
			continue;
		KUNIT_ASSERT_EQ(test, 1, get_user_pages_fast(addr, 1, 0, &page));
		KUNIT_EXPECT_EQ_MSG(test, pte.addr, page_to_phys(page),
				    "PTE at %lx is not the CPU's page", addr);
		put_page(page);
	}

	KUNIT_EXPECT_EQ(test, 0, svm_set(test, f, buf, SZ_4M, &prefetch, 1));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							 buf + SZ_4M),
			SZ_4M >> PAGE_SHIFT);
	addr = buf + SZ_2M + SZ_1M + SZ_8K;
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, addr),
			(0x9e7 + *nth) ^ (u32)((addr - base) >> PAGE_SHIFT));
}

static const int nth_page_table[] = { 1, 2 };

static void nth_page_table_desc(const int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "table %d", *n);
}

KUNIT_ARRAY_PARAM(nth_page_table, nth_page_table, nth_page_table_desc);

/* Place a page table where it lives, as amdgpu_cs_bo_validate() does. */
static int cs_validate(void *param, struct amdgpu_bo *bo)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };

	amdgpu_bo_placement_from_domain(bo, bo->preferred_domains);
	return ttm_bo_validate(&bo->tbo, &bo->placement, &ctx);
}

/*
 * TTM evicts the VM's page tables through amdgpu_ttm_bo_eviction_valuable(),
 * where amdgpu_vm_evictable() marks the VM evicting: until
 * amdgpu_vm_validate() brings them back, updates get -EBUSY instead of
 * writing into tables that are not there. (TTM's evict-all, used at
 * suspend, asks no one: it cannot stand for this.)
 */
static int evict_page_tables(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_vm *vm = &tdev->fpriv->vm;

	amdgpu_vm_eviction_lock(vm);
	vm->evicting = true;
	amdgpu_vm_eviction_unlock(vm);
	/*
	 * TTM waits for the user queues' eviction fence: amdgpu stops them
	 * and would restore them, validating the tables back, at once.
	 * Until the case runs the restore, that is still to come.
	 */
	amdgpu_svm_test_userq_hold(tdev);
	return amdgpu_ttm_evict_resources(tdev->adev, TTM_PL_VRAM);
}

/* amdgpu_vm_ready(), which asks for the reservation. */
static bool vm_ready(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_vm *vm = &tdev->fpriv->vm;
	bool ready;

	if (amdgpu_bo_reserve(vm->root.bo, false))
		return false;
	ready = amdgpu_vm_ready(vm);
	amdgpu_bo_unreserve(vm->root.bo);
	return ready;
}

/*
 * Make the VM ready to run again as a command submission does:
 * amdgpu_vm_validate(), then the directories point at where the tables
 * are now (amdgpu_cs_vm_handling()), waited for.
 */
static int validate_like_cs(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_vm *vm = &tdev->fpriv->vm;
	int ret;

	ret = amdgpu_bo_reserve(vm->root.bo, false);
	if (ret)
		return ret;
	ret = dma_resv_reserve_fences(vm->root.bo->tbo.base.resv, 2);
	if (!ret)
		ret = amdgpu_vm_validate(tdev->adev, vm, NULL, cs_validate, NULL);
	if (!ret)
		ret = amdgpu_vm_update_pdes(tdev->adev, vm, false);
	if (!ret)
		dma_fence_wait(vm->last_update, false);
	amdgpu_bo_unreserve(vm->root.bo);
	return ret;
}

/*
 * The 64 KiB at @a were unmapped and their PTEs left stale, the 64 KiB at
 * @b (filled with @pattern) are mapped. The restore worker runs, then a
 * validation as a command submission makes it: @a's PTEs are gone, @b's
 * are untouched.
 */
static void expect_stale_cleared_at_validation(struct kunit *test,
					       struct map_fixture *f,
					       unsigned long a, unsigned long b,
					       u32 pattern)
{
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	u32 v;

	amdgpu_svm_test_run_restore(tdev);
	KUNIT_ASSERT_EQ(test, 0, validate_like_cs(tdev));
	KUNIT_EXPECT_EQ(test, tdev->fpriv->vm.svm->stale.nspans, 0);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, a, a + SZ_64K));
	KUNIT_EXPECT_EQ(test, -EFAULT,
			amdgpu_svm_test_gpu_access(tdev, a + SZ_16K, &v,
						   sizeof(v), false));
	KUNIT_EXPECT_EQ(test, SZ_64K >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, b, b + SZ_64K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, b + SZ_32K), pattern ^ 8);
}

/*
 * TTM is evicting the VM's page tables when munmap() comes: the PTE clear
 * is refused (-EBUSY) and the PTEs travel with the tables while the pages
 * are freed. Once the tables are validated back, before the VM can run,
 * those PTEs must be gone; a range mapped beside them keeps its own.
 */
static void map_clear_refused_while_evicting_lands_at_validation(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	unsigned long a = user_buffer(test, SZ_64K, 0xe1c7);
	unsigned long b = user_buffer(test, SZ_64K, 0xbe51de);

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, a, SZ_64K));
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, b, SZ_64K));
	KUNIT_ASSERT_EQ(test, SZ_64K >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, a, a + SZ_64K));
	/* No GPU access before: nothing runs while the tables are away. */
	KUNIT_ASSERT_EQ(test, 0, evict_page_tables(tdev));
	KUNIT_ASSERT_FALSE(test, vm_ready(tdev));

	KUNIT_ASSERT_EQ(test, 0, vm_munmap(a, SZ_64K));
	KUNIT_EXPECT_EQ(test, tdev->fpriv->vm.svm->stale.nspans, 1);
	expect_stale_cleared_at_validation(test, f, a, b, 0xbe51de);
}

/*
 * SDMA page-table updates: munmap()'s clear hangs until amdgpu's scheduler
 * times its job out and the ring is reset, so the PTEs are still valid
 * when the pages go. They must become stale, and be cleared before the VM
 * runs again: validation makes the VM's entities anew after the failed job
 * (amdgpu_vm_generation()), then clears them. A range mapped beside them
 * keeps its own.
 */
static void map_clear_that_timed_out_lands_at_validation(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	struct amdgpu_svm_sim_sdma *sdma = &tdev->sim->sdma;
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;
	unsigned long a = user_buffer(test, SZ_64K, 0x7e0);
	unsigned long b = user_buffer(test, SZ_64K, 0xb0b);

	if (tdev->fpriv->vm.use_cpu_for_update)
		kunit_skip(test, "page tables written by the CPU: no job to time out");
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, a, SZ_64K));
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, b, SZ_64K));
	KUNIT_ASSERT_EQ(test, SZ_64K >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, a, a + SZ_64K));

	amdgpu_svm_sim_sdma_timeout(sdma, 100);
	amdgpu_svm_sim_sdma_hold(sdma, true);
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(a, SZ_64K));
	amdgpu_svm_sim_sdma_timeout(sdma, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->timeouts), 1);
	KUNIT_EXPECT_EQ(test, svm->stale.nspans, 1);
	expect_stale_cleared_at_validation(test, f, a, b, 0xb0b);
}

/*
 * More refused clears than the SVM keeps apart: two of them share one
 * span, and the range mapped between them, never invalidated, keeps its
 * PTEs when the span is cleared at validation.
 */
static void map_many_refused_clears_spare_what_is_mapped(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;
	const unsigned int pieces = 2 * AMDGPU_SVM_RESTORE_SPANS + 1;
	unsigned long buf = user_buffer(test, 2 * pieces * SZ_64K, 0x9a9);
	unsigned long base = ALIGN(buf, SZ_64K);
	unsigned int i;

	/*
	 * 64 KiB pieces with holes between them: each is a VMA, and a range,
	 * of its own, so that unmapping one leaves the next one alone.
	 */
	for (i = 0; i + 1 < pieces; i++)
		KUNIT_ASSERT_EQ(test, 0, vm_munmap(base + (2 * i + 1) * SZ_64K,
						   SZ_64K));
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, base,
					      (2 * pieces - 1) * SZ_64K));
	KUNIT_ASSERT_EQ(test, 0, evict_page_tables(tdev));
	for (i = 0; i < pieces; i += 2)
		KUNIT_ASSERT_EQ(test, 0, vm_munmap(base + 2 * i * SZ_64K,
						   SZ_64K));
	KUNIT_EXPECT_EQ(test, svm->stale.nspans, AMDGPU_SVM_RESTORE_SPANS);
	/* A submission validates the VM before the restore worker runs. */
	cancel_delayed_work_sync(&svm->restore.work);
	KUNIT_ASSERT_EQ(test, 0, validate_like_cs(tdev));
	KUNIT_EXPECT_EQ(test, svm->stale.nspans, 0);
	for (i = 0; i < pieces; i++) {
		unsigned long piece = base + 2 * i * SZ_64K;

		KUNIT_EXPECT_EQ_MSG(test, amdgpu_svm_test_gpu_mapped(tdev, piece,
								     piece + SZ_64K),
				    i & 1 ? SZ_64K >> PAGE_SHIFT : 0,
				    "piece %u", i);
	}

	/* The queues run again; the GPU reads what the CPU wrote. */
	amdgpu_svm_test_run_restore(tdev);
	for (i = 1; i < pieces; i += 2) {
		unsigned long piece = base + 2 * i * SZ_64K;
		unsigned long off = piece + SZ_4K - buf;

		KUNIT_EXPECT_EQ(test, gpu_read32(test, f, piece + SZ_4K),
				0x9a9 ^ (u32)(off >> PAGE_SHIFT));
	}
}

/*
 * A SET over GPU addresses where the VM maps a buffer (GEM_VA) is refused
 * whole: no attribute changes, no PTE of the buffer is touched, nothing
 * around it is mapped.
 */
static void map_set_over_a_buffer_is_refused(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm *svm = f->tdev->fpriv->vm.svm;
	unsigned long buf = user_buffer(test, SZ_1M, 0x6e);
	unsigned long bo = buf + SZ_256K;
	struct amdgpu_svm_test_pte before, after;
	char *attrs;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gem_va(f->tdev, AMDGPU_VA_OP_MAP,
							bo, SZ_64K));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, bo, &before));
	attrs = amdgpu_svm_test_attr_dump(test, &svm->attrs);

	KUNIT_EXPECT_EQ(test, -EADDRINUSE, grant_access(test, f, buf, SZ_1M));
	KUNIT_EXPECT_STREQ(test, amdgpu_svm_test_attr_dump(test, &svm->attrs),
			   attrs);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_1M),
			SZ_64K >> PAGE_SHIFT);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, bo, &after));
	KUNIT_EXPECT_EQ(test, after.addr, before.addr);
	KUNIT_EXPECT_EQ(test, after.flags, before.flags);

	/* Beside the buffer the SVM is free to map. */
	KUNIT_EXPECT_EQ(test, 0, grant_access(test, f, buf, SZ_256K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_128K), 0x6e ^ 32);
}

/*
 * Two invalidations far apart: the restore worker maps back what each of
 * them took, and leaves the mapped memory between them alone.
 */
static void map_restore_maps_only_what_was_invalidated(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	unsigned long buf = user_buffer(test, SZ_8M, 0x5a);

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_8M));
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf + SZ_64K, PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf + SZ_8M - SZ_128K, PAGE_SIZE));

	/* Ranges are 2 MiB at most: the middle is in none of theirs. */
	tdev->watch_start = buf + SZ_2M + SZ_1M;
	tdev->watch_end = buf + SZ_4M + SZ_1M;
	atomic_set(&tdev->watch_writes, 0);
	amdgpu_svm_test_run_restore(tdev);
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->watch_writes), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops),
			amdgpu_svm_test_queue_starts(tdev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_8M),
			(SZ_8M >> PAGE_SHIFT) - 2);
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_128K), 0x5a ^ 32);
}

/* More invalidations than the worker keeps apart: all are restored. */
static void map_restore_of_many_invalidations(struct kunit *test)
{
	const unsigned int holes = AMDGPU_SVM_RESTORE_SPANS + 3;
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	const size_t size = holes * SZ_2M;
	unsigned long buf = user_buffer(test, size, 0x77);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, size));
	for (i = 0; i < holes; i++)
		KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf + i * SZ_2M + SZ_64K,
						   PAGE_SIZE));
	amdgpu_svm_test_run_restore(tdev);
	KUNIT_EXPECT_EQ(test, tdev->fpriv->vm.svm->restore.nspans, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops),
			amdgpu_svm_test_queue_starts(tdev));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(tdev, buf, buf + size),
			(size >> PAGE_SHIFT) - holes);
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + size - PAGE_SIZE),
			0x77 ^ (u32)((size >> PAGE_SHIFT) - 1));
}

static void map_partial_munmap_restores_the_rest(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	const size_t size = SZ_4M;
	unsigned long buf = user_buffer(test, size, 12);
	unsigned long hole = buf + SZ_1M, hole_end = hole + SZ_64K;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, size));

	KUNIT_ASSERT_EQ(test, 0, vm_munmap(hole, hole_end - hole));
	/* The whole range around the hole was zapped; queues are stopped. */
	KUNIT_EXPECT_LT(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + size),
			(size - (hole_end - hole)) >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->sim->queue_stops), 1);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(f->tdev), 0);

	amdgpu_svm_test_run_restore(f->tdev);
	KUNIT_EXPECT_EQ(test, (size - (hole_end - hole)) >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + size));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, hole, hole_end));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(f->tdev), 1);
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, hole_end),
			12 ^ (u32)((hole_end - buf) >> PAGE_SHIFT));
}

static void map_inaccessible_part_unmaps_only_it(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute none = {
		AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_INACCESSIBLE
	};
	unsigned long buf = user_buffer(test, SZ_256K, 13);

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_256K));
	KUNIT_ASSERT_EQ(test, 0, svm_set(test, f, buf + SZ_64K, SZ_64K, &none, 1));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf + SZ_64K,
							    buf + SZ_128K));
	/* Ranges that straddled the new boundary were rebuilt on both sides. */
	KUNIT_EXPECT_EQ(test, 16, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							     buf + SZ_64K));
	KUNIT_EXPECT_EQ(test, 32, amdgpu_svm_test_gpu_mapped(f->tdev, buf + SZ_128K,
							     buf + SZ_256K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_128K),
			13 ^ (u32)(SZ_128K >> PAGE_SHIFT));
}

static void map_reset_unmaps(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_128K, 14);

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_128K));
	KUNIT_ASSERT_EQ(test, 32, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_128K));
	/* XNACK off: the default access is INACCESSIBLE. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(f->tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       buf, SZ_128K, NULL, 0));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_128K));
}

/*
 * With the GPU's queues running (a read put translations in its TLB), a
 * flag change rewrites the PTEs with the queues stopped, once, from before
 * the old PTEs go until the new ones are there: the queue model fails the
 * test if a PTE in use turns invalid under a running queue.
 */
static void map_flag_change_rewrites_ptes(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute ro = { AMDGPU_SVM_ATTR_GPU_RO, 1 };
	unsigned long buf = user_buffer(test, SZ_128K, 15);
	struct amdgpu_svm_test_pte pte;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_128K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_64K), 15 ^ 16);
	KUNIT_ASSERT_EQ(test, 0, svm_set(test, f, buf + SZ_64K, SZ_64K, &ro, 1));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->sim->queue_stops), 1);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(f->tdev), 1);
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_64K + SZ_4K), 15 ^ 17);
	KUNIT_EXPECT_EQ(test, 32, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_128K));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf + SZ_64K, &pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_WRITEABLE);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf, &pte));
	KUNIT_EXPECT_TRUE(test, pte.flags & AMDGPU_PTE_WRITEABLE);
}

/* A munmap() raced with a zap outside the MMU notifier. */
static struct {
	unsigned long addr;
	struct completion go;
	struct amdgpu_svm_test_process *thread;
	bool done_before_flush;
} zap_race;

static int munmap_when_told(void *arg)
{
	wait_for_completion(&zap_race.go);
	return vm_munmap(zap_race.addr, SZ_64K);
}

/* The race point: let the munmap() go, and give it time to finish. */
static void munmap_before_the_flush(struct amdgpu_svm_test_dev *tdev)
{
	complete(&zap_race.go);
	zap_race.done_before_flush =
		amdgpu_svm_test_process_wait(zap_race.thread, HZ / 2);
}

/*
 * A flag change removes a mapped range outside the MMU notifier: it zaps,
 * waits for the clear and flushes. A munmap() in between finds the range
 * no longer marked mapped and releases its pages without a zap of its
 * own: it must wait for the flush, or the GPU's TLB still translates to
 * pages the CPU side freed, which the DMA model reports ("unmapped while
 * the GPU TLB translates to it").
 */
static void map_munmap_waits_for_a_zap_outside_the_notifier(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute ro = { AMDGPU_SVM_ATTR_GPU_RO, 1 };
	unsigned long buf = user_buffer(test, SZ_64K, 0x2a9);

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	/* The read leaves the range's translation in the TLB. */
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_4K), 0x2a9 ^ 1);
	zap_race.addr = buf;
	zap_race.done_before_flush = false;
	init_completion(&zap_race.go);
	zap_race.thread = amdgpu_svm_test_thread_start(test, munmap_when_told,
						       NULL);
	f->tdev->before_zap_flush = munmap_before_the_flush;
	KUNIT_EXPECT_EQ(test, 0, svm_set(test, f, buf, SZ_64K, &ro, 1));
	KUNIT_EXPECT_NULL(test, f->tdev->before_zap_flush);
	KUNIT_EXPECT_FALSE_MSG(test, zap_race.done_before_flush,
			       "munmap() released the pages before the zap's flush");
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_process_wait(zap_race.thread,
							     10 * HZ));
	KUNIT_EXPECT_EQ(test, zap_race.thread->ret, 0);
	amdgpu_svm_test_run_restore(f->tdev);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_64K));
}

/* The part a row is about, beyond its GC IP. */
#define PART_APU	BIT(0)	/* an APU (AMD_IS_APU) */
#define PART_CPU_XGMI	BIT(1)	/* the CPU reaches VRAM over XGMI */
#define PART_AID_A1	BIT(2)	/* GC 12.1 AID revision A1 */
#define PART_ATOMICS	BIT(3)	/* PCIe atomics to system memory */
#define PART_NUMA	BIT(4)	/* several NUMA nodes possible */

struct pte_flags_case {
	const char *name;
	u32 gc;
	u32 part;
	int mtype_local;	/* the module parameter; -1 is its default */
	u32 flags;		/* AMDGPU_SVM_FLAG_* of the range */
	enum amdgpu_svm_mem mem;
	u32 mapping;		/* AMDGPU_VM_* flags for amdgpu_gmc_get_vm_pte() */
	u64 pte;		/* the bits decided before the GMC encodes */
};

#define C	AMDGPU_SVM_FLAG_COHERENT
#define E	(AMDGPU_SVM_FLAG_COHERENT | AMDGPU_SVM_FLAG_EXT_COHERENT)
#define SYS	AMDGPU_SVM_MEM_SYSTEM
#define NEAR	AMDGPU_SVM_MEM_VRAM
#define FAR	AMDGPU_SVM_MEM_VRAM_FAR
#define PEER	AMDGPU_SVM_MEM_VRAM_PEER
#define BAR	AMDGPU_SVM_MEM_VRAM_BAR
#define NC	AMDGPU_VM_MTYPE_NC
#define RW	AMDGPU_VM_MTYPE_RW
#define CC	AMDGPU_VM_MTYPE_CC
#define UC	AMDGPU_VM_MTYPE_UC
#define X	AMDGPU_VM_PAGE_EXECUTABLE
#define P_V	AMDGPU_PTE_VALID
#define P_S	(AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_SNOOPED)
#define P_VS	(AMDGPU_PTE_VALID | AMDGPU_PTE_SNOOPED)
#define P_B	(AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM)
#define P12	AMDGPU_PTE_IS_PTE
#define P_AT	AMDGPU_PTE_BUS_ATOMICS

/*
 * KFD's svm_range_get_pte_flags(), row by row: every GC IP it names,
 * coherent or not, local VRAM near and far from the VM's partition, the
 * VRAM of a peer in the XGMI hive (its "bo_node != node" rows), system
 * memory; and a PCIe peer's VRAM through its BAR (those rows without the
 * hive's snoop, its "PCIe P2P on GPUs pre-9.5.0" row, the SYSTEM bit).
 */
static const struct pte_flags_case pte_flags_cases[] = {
	{ "gc9.0.1 sys nc", IP_VERSION(9, 0, 1), 0, -1, 0, SYS, NC, P_S },
	{ "gc9.0.1 sys coherent uc", IP_VERSION(9, 0, 1), 0, -1, C, SYS, UC, P_S },
	{ "gc9.0.1 vram nc", IP_VERSION(9, 0, 1), 0, -1, 0, NEAR, NC, P_V },
	{ "gc9.0.1 vram coherent uc", IP_VERSION(9, 0, 1), 0, -1, C, NEAR, UC, P_V },
	{ "gc9.0.1 peer nc", IP_VERSION(9, 0, 1), 0, -1, 0, PEER, NC, P_V },
	{ "gc9.0.1 peer coherent uc", IP_VERSION(9, 0, 1), 0, -1, C, PEER, UC,
	  P_V },
	{ "gc9.4.1 vram rw", IP_VERSION(9, 4, 1), 0, -1, 0, NEAR, RW, P_V },
	{ "gc9.4.1 vram coherent cc", IP_VERSION(9, 4, 1), 0, -1, C, NEAR, CC, P_V },
	{ "gc9.4.1 sys coherent uc", IP_VERSION(9, 4, 1), 0, -1, C, SYS, UC, P_S },
	{ "gc9.4.2 vram rw", IP_VERSION(9, 4, 2), 0, -1, 0, NEAR, RW, P_V },
	{ "gc9.4.2 vram coherent cc", IP_VERSION(9, 4, 2), 0, -1, C, NEAR, CC, P_V },
	{ "gc9.4.2 cpu xgmi vram snooped", IP_VERSION(9, 4, 2), PART_CPU_XGMI, -1,
	  C, NEAR, CC, P_VS },
	{ "gc9.4.1 peer nc snooped", IP_VERSION(9, 4, 1), 0, -1, 0, PEER, NC,
	  P_VS },
	{ "gc9.4.2 peer nc snooped", IP_VERSION(9, 4, 2), 0, -1, 0, PEER, NC,
	  P_VS },
	{ "gc9.4.2 peer coherent uc", IP_VERSION(9, 4, 2), 0, -1, C, PEER, UC,
	  P_VS },
	{ "gc9.4.2 pcie peer nc", IP_VERSION(9, 4, 2), 0, -1, 0, BAR, NC, P_B },
	{ "gc9.4.2 pcie peer coherent uc", IP_VERSION(9, 4, 2), 0, -1, C, BAR,
	  UC, P_B },
	{ "gc9.4.3 pcie peer uc", IP_VERSION(9, 4, 3), 0, -1, C, BAR, UC, P_S },
	{ "gc9.5.0 pcie peer nc", IP_VERSION(9, 5, 0), 0, -1, 0, BAR, NC, P_S },
	{ "gc11 pcie peer nc", IP_VERSION(11, 0, 0), 0, -1, 0, BAR, NC, P_B },
	{ "gc12.1 pcie peer uc", IP_VERSION(12, 1, 0), 0, -1, C, BAR, UC,
	  P_S | P12 },
	{ "gc9.4.2 sys nc exec", IP_VERSION(9, 4, 2), 0, -1,
	  AMDGPU_SVM_FLAG_GPU_EXEC, SYS, NC | X, P_S },
	{ "gc9.4.2 sys coherent uc", IP_VERSION(9, 4, 2), 0, -1, C, SYS, UC, P_S },
	{ "gc9.4.3 vram local rw", IP_VERSION(9, 4, 3), 0, -1, C, NEAR, RW, P_VS },
	{ "gc9.4.3 vram ext coherent cc", IP_VERSION(9, 4, 3), 0, -1, E, NEAR, CC,
	  P_VS },
	{ "gc9.4.3 vram mtype_local nc", IP_VERSION(9, 4, 3), 0, 1, 0, NEAR, NC,
	  P_VS },
	{ "gc9.4.3 vram mtype_local cc", IP_VERSION(9, 4, 3), 0, 2, 0, NEAR, CC,
	  P_VS },
	{ "gc9.4.3 far hbm nc", IP_VERSION(9, 4, 3), 0, -1, C, FAR, NC, P_VS },
	{ "gc9.4.3 far hbm ext coherent uc", IP_VERSION(9, 4, 3), 0, -1, E, FAR,
	  UC, P_VS },
	{ "gc9.4.3 peer nc", IP_VERSION(9, 4, 3), 0, -1, C, PEER, NC, P_VS },
	{ "gc9.4.3 peer ext coherent uc", IP_VERSION(9, 4, 3), 0, -1, E, PEER,
	  UC, P_VS },
	{ "gc9.4.3 dgpu sys uc", IP_VERSION(9, 4, 3), 0, -1, 0, SYS, UC, P_S },
	{ "gc9.4.3 apu sys one node local", IP_VERSION(9, 4, 3), PART_APU, -1, C,
	  SYS, RW, P_S },
	{ "gc9.4.3 apu sys numa nc", IP_VERSION(9, 4, 3), PART_APU | PART_NUMA, -1,
	  C, SYS, NC, P_S },
	{ "gc9.4.3 apu sys numa ext uc", IP_VERSION(9, 4, 3),
	  PART_APU | PART_NUMA, -1, E, SYS, UC, P_S },
	{ "gc9.4.4 vram rw", IP_VERSION(9, 4, 4), 0, -1, 0, NEAR, RW, P_VS },
	{ "gc9.5.0 dgpu sys nc", IP_VERSION(9, 5, 0), 0, -1, C, SYS, NC, P_S },
	{ "gc9.5.0 dgpu sys ext coherent uc", IP_VERSION(9, 5, 0), 0, -1, E, SYS,
	  UC, P_S },
	{ "gc9.5.0 far hbm nc", IP_VERSION(9, 5, 0), 0, -1, 0, FAR, NC, P_VS },
	{ "gc10.3 vram coherent uc", IP_VERSION(10, 3, 0), 0, -1, C, NEAR, UC, P_V },
	{ "gc11 sys nc", IP_VERSION(11, 0, 0), 0, -1, 0, SYS, NC, P_S },
	{ "gc11 sys ext coherent uc", IP_VERSION(11, 0, 0), 0, -1, E, SYS, UC, P_S },
	{ "gc11 vram nc", IP_VERSION(11, 0, 0), 0, -1, 0, NEAR, NC, P_V },
	{ "gc12.0 sys coherent nc", IP_VERSION(12, 0, 0), 0, -1, C, SYS, NC,
	  P_S | P12 },
	{ "gc12.0.1 vram coherent nc", IP_VERSION(12, 0, 1), 0, -1, C, NEAR, NC,
	  P_V | P12 },
	{ "gc12.0 peer nc", IP_VERSION(12, 0, 0), 0, -1, 0, PEER, NC, P_V | P12 },
	{ "gc12.1 a1 vram rw", IP_VERSION(12, 1, 0), PART_AID_A1, -1, C, NEAR, RW,
	  P_VS | P12 },
	{ "gc12.1 vram nc", IP_VERSION(12, 1, 0), 0, -1, C, NEAR, NC, P_VS | P12 },
	{ "gc12.1 vram mtype_local rw", IP_VERSION(12, 1, 0), 0, 0, 0, NEAR, RW,
	  P_VS | P12 },
	{ "gc12.1 peer uc", IP_VERSION(12, 1, 0), 0, -1, C, PEER, UC,
	  P_VS | P12 },
	{ "gc12.1 a1 peer nc", IP_VERSION(12, 1, 0), PART_AID_A1, -1, 0, PEER, NC,
	  P_VS | P12 },
	{ "gc12.1 a1 peer ext coherent uc", IP_VERSION(12, 1, 0), PART_AID_A1, -1,
	  E, PEER, UC, P_VS | P12 },
	{ "gc12.1 a1 sys nc", IP_VERSION(12, 1, 0), PART_AID_A1, -1, C, SYS, NC,
	  P_S | P12 },
	{ "gc12.1 sys uc atomics", IP_VERSION(12, 1, 0), PART_ATOMICS, -1, 0, SYS,
	  UC, P_S | P12 | P_AT },
	{ "gc12.1 a1 sys ext coherent uc", IP_VERSION(12, 1, 0), PART_AID_A1, -1,
	  E, SYS, UC, P_S | P12 },
};

static void pte_flags_desc(const struct pte_flags_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pte_flags, pte_flags_cases, pte_flags_desc);

/* The device as it was, put back after a row changed it. */
struct part_state {
	struct amdgpu_device *adev;
	u32 gc;
	u32 flags;
	u32 rev_id;
	bool cpu_xgmi;
	bool atomics;
	int mtype_local;
};

static void part_restore(void *data)
{
	struct part_state *st = data;
	struct amdgpu_device *adev = st->adev;

	adev->ip_versions[GC_HWIP][0] = st->gc;
	adev->flags = st->flags;
	adev->rev_id = st->rev_id;
	adev->gmc.xgmi.connected_to_cpu = st->cpu_xgmi;
	adev->have_atomics_support = st->atomics;
	amdgpu_mtype_local = st->mtype_local;
}

/* Make the simulated device the part @c is about, until the case ends. */
static void part_set(struct kunit *test, struct amdgpu_device *adev,
		     const struct pte_flags_case *c)
{
	struct part_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	*st = (struct part_state) {
		.adev = adev,
		.gc = adev->ip_versions[GC_HWIP][0],
		.flags = adev->flags,
		.rev_id = adev->rev_id,
		.cpu_xgmi = adev->gmc.xgmi.connected_to_cpu,
		.atomics = adev->have_atomics_support,
		.mtype_local = amdgpu_mtype_local,
	};
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, part_restore,
							   st));
	adev->ip_versions[GC_HWIP][0] = c->gc;
	if (c->part & PART_APU)
		adev->flags |= AMD_IS_APU;
	else
		adev->flags &= ~AMD_IS_APU;
	adev->rev_id = c->part & PART_AID_A1 ? 0x10 : 0;
	adev->gmc.xgmi.connected_to_cpu = c->part & PART_CPU_XGMI;
	adev->have_atomics_support = c->part & PART_ATOMICS;
	amdgpu_mtype_local = c->mtype_local;
}

static void map_pte_flags_follow_kfd(struct kunit *test)
{
	const struct pte_flags_case *c = test->param_value;
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_attrs attrs = { .flags = c->flags };
	u64 pte = 0;

	/* The system the test kernel runs on decides this one. */
	if (!!(c->part & PART_NUMA) != (num_possible_nodes() > 1))
		kunit_skip(test, "%u NUMA node(s) possible",
			   num_possible_nodes());
	part_set(test, f->tdev->adev, c);
	KUNIT_EXPECT_EQ(test, c->mapping,
			amdgpu_svm_range_mapping_flags(f->tdev->adev, &attrs,
						       c->mem, &pte));
	KUNIT_EXPECT_EQ(test, c->pte, pte);
}

/* Every GC IP that amdgpu's IP discovery sets up in Linux 7.3. */
static const u32 gc_ips[] = {
	IP_VERSION(9, 0, 1), IP_VERSION(9, 1, 0), IP_VERSION(9, 2, 1),
	IP_VERSION(9, 2, 2), IP_VERSION(9, 3, 0), IP_VERSION(9, 4, 0),
	IP_VERSION(9, 4, 1), IP_VERSION(9, 4, 2), IP_VERSION(9, 4, 3),
	IP_VERSION(9, 4, 4), IP_VERSION(9, 5, 0), IP_VERSION(10, 1, 1),
	IP_VERSION(10, 1, 2), IP_VERSION(10, 1, 3), IP_VERSION(10, 1, 4),
	IP_VERSION(10, 1, 10), IP_VERSION(10, 3, 0), IP_VERSION(10, 3, 1),
	IP_VERSION(10, 3, 2), IP_VERSION(10, 3, 3), IP_VERSION(10, 3, 4),
	IP_VERSION(10, 3, 5), IP_VERSION(10, 3, 6), IP_VERSION(10, 3, 7),
	IP_VERSION(11, 0, 0), IP_VERSION(11, 0, 1), IP_VERSION(11, 0, 2),
	IP_VERSION(11, 0, 3), IP_VERSION(11, 0, 4), IP_VERSION(11, 5, 0),
	IP_VERSION(11, 5, 1), IP_VERSION(11, 5, 2), IP_VERSION(11, 5, 3),
	IP_VERSION(11, 5, 4), IP_VERSION(11, 5, 6), IP_VERSION(11, 7, 0),
	IP_VERSION(11, 7, 1), IP_VERSION(12, 0, 0), IP_VERSION(12, 0, 1),
	IP_VERSION(12, 1, 0),
};

/* The GC IPs svm_range_get_pte_flags() has a rule of its own for. */
static bool kfd_has_rule(u32 gc)
{
	switch (gc) {
	case IP_VERSION(9, 4, 1):
	case IP_VERSION(9, 4, 2):
	case IP_VERSION(9, 4, 3):
	case IP_VERSION(9, 4, 4):
	case IP_VERSION(9, 5, 0):
	case IP_VERSION(12, 0, 0):
	case IP_VERSION(12, 0, 1):
	case IP_VERSION(12, 1, 0):
		return true;
	default:
		return false;
	}
}

static bool gc_in_table(u32 gc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pte_flags_cases); i++)
		if (pte_flags_cases[i].gc == gc)
			return true;
	return false;
}

/*
 * Every GC IP the driver supports: one KFD has a rule for has rows in the
 * table above; every other one takes KFD's default, UC when coherent and
 * NC otherwise, system memory snooped, IS_PTE from GC 12 on.
 */
static void map_pte_flags_cover_every_gc_ip(struct kunit *test)
{
	static const struct pte_flags_case base = { .mtype_local = -1 };
	struct map_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	static const u32 flags[] = { 0, C };
	enum amdgpu_svm_mem mem;
	unsigned int i, k;
	u64 pte, want;
	u32 got;

	/* The device as the other cases leave it, put back at the end. */
	part_set(test, adev, &base);
	for (i = 0; i < ARRAY_SIZE(gc_ips); i++) {
		u32 gc = gc_ips[i];

		if (kfd_has_rule(gc)) {
			KUNIT_EXPECT_TRUE_MSG(test, gc_in_table(gc),
					      "GC %u.%u.%u has no row",
					      IP_VERSION_MAJ(gc), IP_VERSION_MIN(gc),
					      IP_VERSION_REV(gc));
			continue;
		}
		adev->ip_versions[GC_HWIP][0] = gc;
		for (k = 0; k < ARRAY_SIZE(flags); k++) {
			struct amdgpu_svm_attrs attrs = { .flags = flags[k] };

			for (mem = SYS; mem <= NEAR; mem++) {
				got = amdgpu_svm_range_mapping_flags(adev, &attrs,
								     mem, &pte);
				want = (mem == SYS ? P_S : P_V) |
				       (gc >= IP_VERSION(12, 0, 0) ? P12 : 0);
				KUNIT_EXPECT_EQ_MSG(test, flags[k] ? UC : NC, got,
						    "GC %u.%u.%u", IP_VERSION_MAJ(gc),
						    IP_VERSION_MIN(gc),
						    IP_VERSION_REV(gc));
				KUNIT_EXPECT_EQ_MSG(test, want, pte, "GC %u.%u.%u",
						    IP_VERSION_MAJ(gc),
						    IP_VERSION_MIN(gc),
						    IP_VERSION_REV(gc));
			}
		}
	}
}

/*
 * The whole PTE on the simulated device's own IP, GC 9.4.2: the MTYPE as
 * gmc_v9_0_get_vm_pte() encodes it, READABLE always, WRITEABLE unless
 * GPU_RO or a read-only CPU mapping.
 */
static void map_pte_flags_encoded_by_the_gmc(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_vm *vm = &f->tdev->fpriv->vm;
	struct amdgpu_svm_attrs attrs = { .flags = C };
	const u64 rw = AMDGPU_PTE_READABLE | AMDGPU_PTE_WRITEABLE;

	KUNIT_ASSERT_EQ(test, amdgpu_ip_version(adev, GC_HWIP, 0),
			IP_VERSION(9, 4, 2));
	KUNIT_EXPECT_EQ(test, AMDGPU_PTE_MTYPE_VG10(P_V | rw, MTYPE_CC),
			amdgpu_svm_range_pte_flags(adev, vm, &attrs, NEAR, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_PTE_MTYPE_VG10(P_S | rw, MTYPE_UC),
			amdgpu_svm_range_pte_flags(adev, vm, &attrs, SYS, true));
	attrs.flags = AMDGPU_SVM_FLAG_GPU_EXEC;
	KUNIT_EXPECT_EQ(test, AMDGPU_PTE_MTYPE_VG10(P_V | rw |
						    AMDGPU_PTE_EXECUTABLE,
						    MTYPE_RW),
			amdgpu_svm_range_pte_flags(adev, vm, &attrs, NEAR, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_PTE_MTYPE_VG10(P_S | AMDGPU_PTE_READABLE |
						    AMDGPU_PTE_EXECUTABLE,
						    MTYPE_NC),
			amdgpu_svm_range_pte_flags(adev, vm, &attrs, SYS, false));
	attrs.flags = AMDGPU_SVM_FLAG_GPU_RO;
	KUNIT_EXPECT_EQ(test, AMDGPU_PTE_MTYPE_VG10(P_S | AMDGPU_PTE_READABLE,
						    MTYPE_NC),
			amdgpu_svm_range_pte_flags(adev, vm, &attrs, SYS, true));
}

/*
 * A part split into memory partitions: VRAM in the VM's partition is
 * near, the other partition's far, as KFD compares the partitions'
 * mem_id; each is mapped with its own flags.
 */
static void map_vram_of_another_partition_is_far(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_vm *vm = &f->tdev->fpriv->vm;
	u64 base = adev->vm_manager.vram_base_offset;
	u64 half = adev->gmc.real_vram_size / 2;

	/* Without partitions every page of the device's VRAM is near. */
	KUNIT_EXPECT_EQ(test, NEAR, amdgpu_svm_range_vram_mem(adev, vm,
							      base + half));
	amdgpu_svm_test_mem_partitions(f->tdev, half);
	vm->mem_id = 0;
	KUNIT_EXPECT_EQ(test, NEAR, amdgpu_svm_range_vram_mem(adev, vm, base));
	KUNIT_EXPECT_EQ(test, NEAR, amdgpu_svm_range_vram_mem(adev, vm,
							      base + half - PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, FAR, amdgpu_svm_range_vram_mem(adev, vm,
							     base + half));
	vm->mem_id = 1;
	KUNIT_EXPECT_EQ(test, FAR, amdgpu_svm_range_vram_mem(adev, vm, base));
	KUNIT_EXPECT_EQ(test, NEAR, amdgpu_svm_range_vram_mem(adev, vm,
							      base + half));
	/* A VM of no partition sees the whole device as near. */
	vm->mem_id = -1;
	KUNIT_EXPECT_EQ(test, NEAR, amdgpu_svm_range_vram_mem(adev, vm,
							      base + half));
}

#undef C
#undef E
#undef SYS
#undef NEAR
#undef FAR
#undef PEER
#undef BAR
#undef NC
#undef RW
#undef CC
#undef UC
#undef X
#undef P_V
#undef P_S
#undef P_VS
#undef P_B
#undef P12
#undef P_AT

static void map_teardown_with_live_ranges(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_2M, 11);

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_2M));
	KUNIT_ASSERT_GT(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_2M), 0);
	/* Close the file's VM now; the fixture checks no PTE is left. */
	amdgpu_svm_vm_fini(&f->tdev->fpriv->vm);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_2M));
	KUNIT_EXPECT_NULL(test, f->tdev->fpriv->vm.svm);
}

/*
 * XNACK off: after the CPU took part of a mapped range, the user queue
 * stays stopped until the SVM mapped it again, although amdgpu's suspend
 * worker scheduled the queues' restore at once: amdgpu_svm_vm_held()
 * keeps that restore back (amdgpu_userq_vm_validate_and_restore_queue())
 * and refuses submissions, until the restore worker mapped and let the
 * queues go. The submission path's own calls are checked as it makes
 * them: held, then mapped now by amdgpu_svm_vm_restore_now().
 */
static void map_xnack_off_queues_wait_for_the_restore(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	struct amdgpu_vm *vm = &tdev->fpriv->vm;
	unsigned long buf = user_buffer(test, SZ_128K, 0x9e1d);

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_128K));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_64K), 0x9e1d ^ 16);
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_vm_held(vm));

	/* The CPU unmaps a page: the range goes with the queue stopped. */
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_4K));
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops), 1);
	KUNIT_EXPECT_TRUE(test, amdgpu_svm_vm_held(vm));
	/* amdgpu's restore ran (the suspend scheduled it) and did nothing. */
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(tdev), 0);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(tdev->sim->queues_quiesced));

	/* What a submission does first: map now; then it is not held. */
	amdgpu_svm_vm_restore_now(vm);
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_vm_held(vm));
	KUNIT_EXPECT_EQ(test, (SZ_128K - SZ_4K) >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_128K));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(tdev), 1);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(tdev->sim->queues_quiesced));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_4K), 0x9e1d ^ 1);
}

/*
 * SDMA page-table updates: the restore worker lets the queues go only
 * once the PTEs it wrote are there, as KFD's restore waits for its update
 * before it resumes. While the engine holds the update back, the queue
 * stays stopped; the worker ends, and the queue starts, after it ran.
 */
static void map_xnack_off_queues_start_after_the_update_landed(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	struct amdgpu_svm_sim_sdma *sdma = &tdev->sim->sdma;
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;
	const size_t size = SZ_4M;
	unsigned long buf = user_buffer(test, size, 0x1a4d);
	unsigned long hole = buf + SZ_1M;

	if (tdev->fpriv->vm.use_cpu_for_update)
		kunit_skip(test, "page tables written by the CPU: nothing in flight");
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, size));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf), 0x1a4d);
	/* A hole in a 2 MiB range: all of it goes, the rest comes back. */
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(hole, SZ_64K));
	KUNIT_ASSERT_TRUE(test, READ_ONCE(tdev->sim->queues_quiesced));
	KUNIT_ASSERT_LT(test, amdgpu_svm_test_gpu_mapped(tdev, buf, buf + size),
			(size - SZ_64K) >> PAGE_SHIFT);

	/* The real worker, on its own thread, with the engine held. */
	amdgpu_svm_sim_sdma_hold(sdma, true);
	mod_delayed_work(system_dfl_wq, &svm->restore.work, 0);
	msleep(300);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&svm->restore.work) ||
			  work_busy(&svm->restore.work.work));
	/* Not waited for: amdgpu's own restore may wait for the engine. */
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_starts), 0);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(tdev->sim->queues_quiesced));

	amdgpu_svm_sim_sdma_hold(sdma, false);
	flush_delayed_work(&svm->restore.work);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(tdev), 1);
	KUNIT_EXPECT_EQ(test, (size - SZ_64K) >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, buf, buf + size));
	KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + SZ_8K), 0x1a4d ^ 2);
}

/* A job of a kernel queue of the render node, running in the VM. */
struct kernel_job {
	struct dma_fence fence;
	/* the fence's lock */
	spinlock_t lock;
	struct delayed_work work;
	struct amdgpu_svm_test_dev *tdev;
	unsigned long start, end;
	/* GPU pages of [@start, @end) still mapped when the job ended */
	unsigned long mapped_at_end;
};

/* The job outlives the case when the reservation still holds it. */
static void kernel_job_release(struct dma_fence *f)
{
	/* The fence comes first: this frees the whole job. */
	dma_fence_free(f);
}

static const struct dma_fence_ops kernel_job_ops = {
	.get_driver_name = amdgpu_svm_test_fence_name,
	.get_timeline_name = amdgpu_svm_test_fence_name,
	.release = kernel_job_release,
};

static void kernel_job_end(struct work_struct *work)
{
	struct kernel_job *job = container_of(to_delayed_work(work),
					      struct kernel_job, work);

	job->mapped_at_end = amdgpu_svm_test_gpu_mapped(job->tdev, job->start,
							job->end);
	dma_fence_signal(&job->fence);
}

/*
 * XNACK off: a job a command submission left running in the VM (its fence
 * on the root reservation, as amdgpu_cs_submit() adds it) may use any
 * page of the VM; munmap() waits for it before the PTEs go, as
 * amdgpu_hmm_invalidate_gfx() waits before a userptr BO's pages go. The
 * job sees every PTE it started with until it ends.
 */
static void map_xnack_off_zap_waits_for_kernel_jobs(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	struct dma_resv *resv = tdev->fpriv->vm.root.bo->tbo.base.resv;
	unsigned long buf = user_buffer(test, SZ_64K, 0x70b);
	struct kernel_job *job;

	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, SZ_64K));
	job = kzalloc_obj(*job);
	KUNIT_ASSERT_NOT_NULL(test, job);
	BUILD_BUG_ON(offsetof(struct kernel_job, fence));
	spin_lock_init(&job->lock);
	dma_fence_init(&job->fence, &kernel_job_ops, &job->lock,
		       dma_fence_context_alloc(1), 1);
	INIT_DELAYED_WORK(&job->work, kernel_job_end);
	job->tdev = tdev;
	job->start = buf;
	job->end = buf + SZ_64K;
	KUNIT_ASSERT_EQ(test, 0, dma_resv_lock(resv, NULL));
	KUNIT_ASSERT_EQ(test, 0, dma_resv_reserve_fences(resv, 1));
	dma_resv_add_fence(resv, &job->fence, DMA_RESV_USAGE_WRITE);
	dma_resv_unlock(resv);
	schedule_delayed_work(&job->work, msecs_to_jiffies(200));

	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_64K));
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(&job->fence));
	KUNIT_EXPECT_EQ(test, job->mapped_at_end, SZ_64K >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, buf,
							    buf + SZ_64K));
	flush_delayed_work(&job->work);
	dma_fence_put(&job->fence);
}

/*
 * A range of scattered system pages is one page-table update, one SDMA
 * job, not one per page as a call per DMA-contiguous run made it; and a
 * range whose page tables exist is not prepared again: after a zap it
 * costs the clear and one write.
 */
static void map_scattered_range_is_one_update(struct kunit *test)
{
	struct map_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	bool cpu = tdev->fpriv->vm.use_cpu_for_update;
	const size_t size = SZ_2M;
	unsigned long runs, buf;
	int writes, jobs, tables, i;

	buf = amdgpu_svm_test_scattered_buffer(test, size, 0x5ca7, &runs);
	/*
	 * Without scattered pages the case proves nothing; a few neighbours
	 * the page allocator still made are allowed for below.
	 */
	KUNIT_ASSERT_GE(test, runs, (size >> PAGE_SHIFT) - 32);

	/*
	 * First map: the cleared write that makes the tables (each new one
	 * cleared by a job of its own), the link, the write.
	 */
	writes = atomic_read(&tdev->pte_writes);
	jobs = amdgpu_svm_test_vm_jobs(tdev);
	tables = atomic_read(&tdev->sim->pt_allocs);
	KUNIT_ASSERT_EQ(test, 0, grant_access(test, f, buf, size));
	writes = atomic_read(&tdev->pte_writes) - writes;
	jobs = amdgpu_svm_test_vm_jobs(tdev) - jobs;
	tables = atomic_read(&tdev->sim->pt_allocs) - tables;
	kunit_info(test, "first map of %lu runs: %d PTE runs, %d jobs, %d tables\n",
		   runs, writes, jobs, tables);
	KUNIT_EXPECT_GT(test, tables, 0);
	KUNIT_EXPECT_EQ(test, jobs, cpu ? 0 : 3 + tables);

	/*
	 * What mprotect() tells the notifiers, the pages staying: the range
	 * is zapped and mapped again, the clear and the write. In CPU mode
	 * amdgpu writes a scattered update as two runs of PTEs (all pages but
	 * the last, then the last), a clear as one; each pair of neighbours
	 * in memory splits the write into up to four more (amdgpu's scan
	 * starts a run where contiguity changes, and a fragment of two).
	 * One call per run of pages would write at least one run each.
	 */
	writes = atomic_read(&tdev->pte_writes);
	jobs = amdgpu_svm_test_vm_jobs(tdev);
	tables = atomic_read(&tdev->sim->pt_allocs);
	amdgpu_svm_test_protect(buf, buf + size);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, buf,
							    buf + size));
	amdgpu_svm_test_run_restore(tdev);
	writes = atomic_read(&tdev->pte_writes) - writes;
	jobs = amdgpu_svm_test_vm_jobs(tdev) - jobs;
	tables = atomic_read(&tdev->sim->pt_allocs) - tables;
	kunit_info(test, "zap and map: %d PTE runs, %d jobs, %d tables\n",
		   writes, jobs, tables);
	KUNIT_EXPECT_EQ(test, tables, 0);
	KUNIT_EXPECT_EQ(test, jobs, cpu ? 0 : 2);
	KUNIT_EXPECT_LE(test, writes, 3 + 4 * ((size >> PAGE_SHIFT) - runs));

	KUNIT_EXPECT_EQ(test, size >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, buf, buf + size));
	for (i = 0; i < size >> PAGE_SHIFT; i++)
		KUNIT_EXPECT_EQ(test, gpu_read32(test, f, buf + i * PAGE_SIZE),
				0x5ca7 ^ (u32)i);
}

static struct kunit_case amdgpu_svm_map_cases[] = {
	KUNIT_CASE(map_xnack_off_access_maps_every_page),
	KUNIT_CASE(map_scattered_range_is_one_update),
	KUNIT_CASE(map_default_access_maps_nothing),
	KUNIT_CASE(map_gpu_and_cpu_see_each_other),
	KUNIT_CASE(map_gpu_ro_gives_read_only_ptes),
	KUNIT_CASE(map_read_only_vma_maps_read_only),
	KUNIT_CASE(map_munmap_zaps_and_gc_removes),
	KUNIT_CASE(map_gc_waits_while_frozen),
	KUNIT_CASE(map_munmap_leaves_no_stale_tlb_entry),
	KUNIT_CASE(map_xnack_off_set_maps_memory_mapped_since),
	KUNIT_CASE(map_munmap_flushes_after_the_clear_landed),
	KUNIT_CASE(map_zap_flushes_every_xcc_heavyweight),
	KUNIT_CASE(map_sdma_update_reserves_a_fence_slot),
	KUNIT_CASE(map_page_tables_allocated_outside_notifier_lock),
	KUNIT_CASE(map_and_zap_allocate_nothing_with_reclaim),
	KUNIT_CASE(map_after_page_tables_were_evicted),
	KUNIT_CASE(map_without_vram_for_page_tables_fails_cleanly),
	KUNIT_CASE(map_update_stops_when_its_next_job_fails),
	KUNIT_CASE_PARAM(map_nth_page_table_allocation_fails,
			 nth_page_table_gen_params),
	KUNIT_CASE(map_clear_refused_while_evicting_lands_at_validation),
	KUNIT_CASE(map_clear_that_timed_out_lands_at_validation),
	KUNIT_CASE(map_many_refused_clears_spare_what_is_mapped),
	KUNIT_CASE(map_set_over_a_buffer_is_refused),
	KUNIT_CASE(map_partial_munmap_restores_the_rest),
	KUNIT_CASE(map_restore_maps_only_what_was_invalidated),
	KUNIT_CASE(map_restore_of_many_invalidations),
	KUNIT_CASE(map_inaccessible_part_unmaps_only_it),
	KUNIT_CASE(map_reset_unmaps),
	KUNIT_CASE(map_flag_change_rewrites_ptes),
	KUNIT_CASE(map_munmap_waits_for_a_zap_outside_the_notifier),
	KUNIT_CASE(map_xnack_off_queues_wait_for_the_restore),
	KUNIT_CASE(map_xnack_off_queues_start_after_the_update_landed),
	KUNIT_CASE(map_xnack_off_zap_waits_for_kernel_jobs),
	KUNIT_CASE_PARAM(map_pte_flags_follow_kfd, pte_flags_gen_params),
	KUNIT_CASE(map_pte_flags_cover_every_gc_ip),
	KUNIT_CASE(map_pte_flags_encoded_by_the_gmc),
	KUNIT_CASE(map_vram_of_another_partition_is_far),
	KUNIT_CASE(map_teardown_with_live_ranges),
	{}
};

static struct kunit_suite amdgpu_svm_map_suite = {
	.name = "amdgpu_svm_map",
	.init = map_test_init,
	.test_cases = amdgpu_svm_map_cases,
};

static struct kunit_case amdgpu_svm_map_alloc_cases[] = {
	KUNIT_CASE_PARAM(map_munmap_clears_ptes_when_allocations_fail,
			 map_xnack_gen_params),
	{}
};

/* Allocation failures, in either XNACK mode: a device made by each case. */
static struct kunit_suite amdgpu_svm_map_alloc_suite = {
	.name = "amdgpu_svm_map_alloc",
	.test_cases = amdgpu_svm_map_alloc_cases,
};

kunit_test_suites(&amdgpu_svm_map_suite, &amdgpu_svm_map_alloc_suite);
