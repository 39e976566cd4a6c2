// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of the GPU fault handler with XNACK on: the model GPU's
 * accesses to unmapped pages raise faults into amdgpu_svm_handle_fault(),
 * on real user memory.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>

#include "../amdgpu.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_fault.h"
#include "amdgpu_svm_sim.h"
#include "amdgpu_svm_test.h"

struct fault_fixture {
	struct amdgpu_svm_test_dev *tdev;
};

static int svm_call(struct kunit *test, struct fault_fixture *f, u32 op,
		    unsigned long start, size_t size,
		    const struct drm_amdgpu_svm_attribute *attrs, u32 n)
{
	return amdgpu_svm_test_ioctl(f->tdev, op, start, size, attrs, n);
}

static int fault_test_init(struct kunit *test)
{
	struct fault_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->tdev = amdgpu_svm_test_dev_create(test, true);
	/* The SVM exists once the process made its first call. */
	KUNIT_ASSERT_EQ(test, 0, svm_call(test, f, AMDGPU_SVM_OP_RESET_ATTR,
					  f->tdev->attrs_page, PAGE_SIZE, NULL, 0));
	test->priv = f;
	return 0;
}

#define user_buffer amdgpu_svm_test_user_buffer

static void fault_maps_never_set_address_with_defaults(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_4M, 0xfa17);
	unsigned long mapped;
	u32 v = 0;

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_4M));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf + SZ_1M,
							    &v, sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0xfa17 ^ (SZ_1M >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->gpu_faults), 1);

	/* One range around the fault was mapped, not the whole VMA. */
	mapped = amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_4M);
	KUNIT_EXPECT_GT(test, mapped, 0);
	KUNIT_EXPECT_LE(test, mapped, SZ_2M >> PAGE_SHIFT);
}

static void fault_gpu_write_reaches_cpu(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 1);
	u32 v = 0x5eedbeef, cpu = 0;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf + 64, &v,
							    sizeof(v), true));
	KUNIT_ASSERT_EQ(test, 0, get_user(cpu, (u32 __user *)(buf + 64)));
	KUNIT_EXPECT_EQ(test, cpu, v);
}

static void fault_write_to_gpu_ro_refused(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute ro = { AMDGPU_SVM_ATTR_GPU_RO, 1 };
	unsigned long buf = user_buffer(test, SZ_64K, 2);
	struct amdgpu_svm_test_pte pte;
	u32 v = 0xbad, cpu = 0;

	KUNIT_ASSERT_EQ(test, 0, svm_call(test, f, AMDGPU_SVM_OP_SET_ATTR, buf,
					  SZ_64K, &ro, 1));
	KUNIT_EXPECT_EQ(test, -EPERM, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
								 sizeof(v), true));
	KUNIT_ASSERT_EQ(test, 0, get_user(cpu, (u32 __user *)buf));
	KUNIT_EXPECT_EQ(test, cpu, 2);

	/*
	 * amdgpu left the no-retry PTE where the write was refused: the next
	 * access of that page is the fatal fault, the SVM is not asked.
	 */
	KUNIT_EXPECT_EQ(test, -EIO, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							       sizeof(v), false));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_64K));

	/* Reading another page is fine, and maps it read-only. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
							    buf + PAGE_SIZE,
							    &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 2 ^ 1);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev,
							buf + PAGE_SIZE, &pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_WRITEABLE);
}

static void fault_write_to_read_only_vma_refused(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf;
	u32 v = 1;

	buf = kunit_vm_mmap(test, NULL, 0, SZ_64K, PROT_READ,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, buf && buf < TASK_SIZE);
	KUNIT_EXPECT_EQ(test, -EPERM, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
								 sizeof(v), true));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_64K));
}

static void fault_without_vma_refused(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 3);
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_64K));
	KUNIT_EXPECT_EQ(test, -EFAULT, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
								  sizeof(v), false));
}

static void fault_on_inaccessible_refused(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute none = {
		AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_INACCESSIBLE
	};
	unsigned long buf = user_buffer(test, SZ_64K, 4);
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, svm_call(test, f, AMDGPU_SVM_OP_SET_ATTR, buf,
					  SZ_64K, &none, 1));
	KUNIT_EXPECT_EQ(test, -EACCES, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
								  sizeof(v), false));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_64K));
}

static void fault_mapped_range_made_inaccessible_is_zapped(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute none = {
		AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_INACCESSIBLE
	};
	unsigned long buf = user_buffer(test, SZ_64K, 9);
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							    sizeof(v), false));
	KUNIT_ASSERT_GT(test, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_64K), 0);
	KUNIT_ASSERT_EQ(test, 0, svm_call(test, f, AMDGPU_SVM_OP_SET_ATTR, buf,
					  SZ_64K, &none, 1));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_64K));
	KUNIT_EXPECT_EQ(test, -EACCES, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
								  sizeof(v), false));
}

/* The PTE of @addr, which must be valid. */
static struct amdgpu_svm_test_pte pte_of(struct kunit *test,
					 struct fault_fixture *f,
					 unsigned long addr)
{
	struct amdgpu_svm_test_pte pte = {};

	KUNIT_EXPECT_TRUE_MSG(test, amdgpu_svm_test_gpu_pte(f->tdev, addr, &pte),
			      "no PTE at %lx", addr);
	return pte;
}

/*
 * A buffer is mapped (GEM_VA) at GPU addresses that are also CPU addresses
 * of an ordinary VMA. Faults right below and above it are served by ranges
 * that stop at the buffer; a fault inside it is not the SVM's; its PTEs
 * stay the buffer's throughout, also when the CPU unmaps the VMA.
 */
static void fault_next_to_a_buffer_leaves_its_ptes(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_4M, 0xb0f);
	unsigned long a = ALIGN(buf, SZ_2M), bo = a + SZ_1M;
	struct amdgpu_svm_test_pte first, last;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gem_va(f->tdev, AMDGPU_VA_OP_MAP,
							bo, SZ_64K));
	first = pte_of(test, f, bo);
	last = pte_of(test, f, bo + SZ_64K - PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, first.flags & AMDGPU_PTE_SYSTEM);

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
							    bo - PAGE_SIZE, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0xb0f ^ (u32)((bo - PAGE_SIZE - buf) >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, bo + SZ_64K,
							    &v, sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0xb0f ^ (u32)((bo + SZ_64K - buf) >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, -EFAULT,
			amdgpu_svm_handle_fault(f->tdev->adev,
						f->tdev->fpriv->vm.pasid,
						bo + SZ_8K, false));

	KUNIT_EXPECT_EQ(test, pte_of(test, f, bo).addr, first.addr);
	KUNIT_EXPECT_EQ(test, pte_of(test, f, bo).flags, first.flags);
	KUNIT_EXPECT_EQ(test, pte_of(test, f, bo + SZ_64K - PAGE_SIZE).addr,
			last.addr);
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_4M));
	KUNIT_EXPECT_EQ(test, pte_of(test, f, bo).addr, first.addr);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(f->tdev, bo, bo + SZ_64K),
			SZ_64K >> PAGE_SHIFT);
}

/*
 * Where the SVM mirrors the process, a buffer cannot be mapped: where the
 * GPU faulted memory in, and where userspace set attributes.
 */
static void fault_svm_addresses_refuse_buffers(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute ro = { AMDGPU_SVM_ATTR_GPU_RO, 1 };
	unsigned long buf = user_buffer(test, SZ_4M, 0x5e7);
	unsigned long set = buf + SZ_2M, free = buf + SZ_4M - SZ_64K;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			amdgpu_svm_test_gem_va(f->tdev, AMDGPU_VA_OP_MAP,
					       buf + SZ_8K, SZ_4K));
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			amdgpu_svm_test_gem_va(f->tdev, AMDGPU_VA_OP_REPLACE,
					       buf, SZ_64K));
	/* The SVM's page is still there, with its bytes. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf + SZ_8K,
							    &v, sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0x5e7 ^ 2);

	/* XNACK on: a SET maps nothing, but the addresses are the SVM's. */
	KUNIT_ASSERT_EQ(test, 0, svm_call(test, f, AMDGPU_SVM_OP_SET_ATTR, set,
					  SZ_64K, &ro, 1));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, set,
							    set + SZ_64K));
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			amdgpu_svm_test_gem_va(f->tdev, AMDGPU_VA_OP_MAP,
					       set + SZ_32K, SZ_64K));

	/* Untouched and never set: a buffer may go there. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gem_va(f->tdev, AMDGPU_VA_OP_MAP,
							free, SZ_64K));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(f->tdev, free,
							 free + SZ_64K),
			SZ_64K >> PAGE_SHIFT);
}

static void fault_stale_is_deduplicated(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 5);
	int writes;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							    sizeof(v), true));
	writes = atomic_read(&f->tdev->pte_writes);

	/* The GPU retried before it saw the PTEs: the same fault again. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_handle_fault(f->tdev->adev,
							 f->tdev->fpriv->vm.pasid,
							 buf + 128, true));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->tdev->pte_writes), writes);
}

static void fault_after_munmap_and_mmap_sees_new_memory(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_2M, 6), again;
	u32 v = 0;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							    sizeof(v), false));
	KUNIT_ASSERT_EQ(test, v, 6);
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(buf, SZ_2M));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_2M));

	/* New anonymous memory at the same place: the GPU must see it. */
	again = vm_mmap(NULL, buf, SZ_2M, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ(test, again, buf);
	KUNIT_ASSERT_EQ(test, 0, put_user(0x77, (u32 __user *)buf));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0x77);
}

struct instance_release {
	struct delayed_work work;
	struct amdgpu_svm_sim_sdma *sdma;
	unsigned int inst;
};

static void instance_release_fn(struct work_struct *work)
{
	struct instance_release *r = container_of(to_delayed_work(work),
						  struct instance_release, work);

	amdgpu_svm_sim_sdma_hold_instance(r->sdma, r->inst, false);
}

/* A case that failed while it held an instance still lets it run out. */
static void instance_release_cleanup(void *data)
{
	struct instance_release *r = data;
	unsigned int i;

	cancel_delayed_work_sync(&r->work);
	for (i = 0; i < AMDGPU_SVM_SIM_SDMA_INSTANCES; i++)
		amdgpu_svm_sim_sdma_hold_instance(r->sdma, i, false);
}

/*
 * SDMA page-table updates: a GPU fault's map is a job of the VM's
 * immediate entity that nobody waits for; munmap()'s clear is a job of
 * the delayed entity, which amdgpu's scheduler puts on the other SDMA
 * instance while the first is busy. The map is held on its instance while
 * munmap() runs: the clear must land after it, or the map's PTEs outlive
 * the pages munmap() frees.
 *
 * Which instance the map goes to depends on what else the engine runs
 * at that moment (the scheduler picks the least busy one), so every
 * instance is held for the fault, and all but the map's are released.
 */
static void fault_map_in_flight_is_cleared_after_it_lands(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	struct amdgpu_svm_test_dev *tdev = f->tdev;
	struct amdgpu_device *adev = tdev->adev;
	struct amdgpu_svm_sim_sdma *sdma = &tdev->sim->sdma;
	struct amdgpu_vm *vm = &tdev->fpriv->vm;
	unsigned long buf = user_buffer(test, SZ_64K, 0x1f1);
	struct instance_release *r;
	unsigned int i;

	if (vm->use_cpu_for_update)
		kunit_skip(test, "page tables written by the CPU: no job in flight");
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->sdma = sdma;
	INIT_DELAYED_WORK(&r->work, instance_release_fn);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   instance_release_cleanup,
							   r));
	for (i = 0; i < AMDGPU_SVM_SIM_SDMA_INSTANCES; i++)
		amdgpu_svm_sim_sdma_hold_instance(sdma, i, true);
	KUNIT_ASSERT_TRUE(test, amdgpu_vm_handle_fault(adev, vm->pasid, 0, 0,
						       buf, 0, false));
	for (i = 0; i < AMDGPU_SVM_SIM_SDMA_INSTANCES; i++)
		if (vm->immediate.rq->sched == &adev->sdma.instance[i].ring.sched)
			break;
	KUNIT_ASSERT_LT(test, i, AMDGPU_SVM_SIM_SDMA_INSTANCES);
	r->inst = i;
	for (i = 0; i < AMDGPU_SVM_SIM_SDMA_INSTANCES; i++)
		if (i != r->inst)
			amdgpu_svm_sim_sdma_hold_instance(sdma, i, false);

	schedule_delayed_work(&r->work, msecs_to_jiffies(300));
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_64K));
	/* The map's instance was busy: the clear went to another one. */
	KUNIT_EXPECT_PTR_NE(test, vm->delayed.rq->sched, vm->immediate.rq->sched);
	flush_delayed_work(&r->work);
	amdgpu_svm_sim_sdma_idle(sdma);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_64K));
}

/* The CPU replaces the memory while the fault is between its two steps. */
static unsigned long replaced_addr;

static void replace_memory(struct amdgpu_svm_test_dev *tdev)
{
	KUNIT_ASSERT_EQ(tdev->test, replaced_addr,
			vm_mmap(NULL, replaced_addr, SZ_64K,
				PROT_READ | PROT_WRITE,
				MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0));
	KUNIT_ASSERT_EQ(tdev->test, 0,
			put_user(0x4e3, (u32 __user *)replaced_addr));
}

static void fault_invalidation_before_commit_is_not_committed(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 0x01d);
	struct amdgpu_svm_test_pte pte;
	struct page *page;
	u32 v = 0;

	replaced_addr = buf;
	f->tdev->before_commit = replace_memory;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_NULL(test, f->tdev->before_commit);
	KUNIT_EXPECT_EQ(test, v, 0x4e3);

	/* The PTE is the new page's, not the freed one's. */
	KUNIT_ASSERT_EQ(test, 1, get_user_pages_fast(buf, 1, 0, &page));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(f->tdev, buf, &pte));
	KUNIT_EXPECT_EQ(test, pte.addr, page_to_phys(page));
	put_page(page);
}

/* The CPU replaces the memory at every commit, @replacements times. */
static unsigned int replacements;

static void keep_replacing_memory(struct amdgpu_svm_test_dev *tdev)
{
	replace_memory(tdev);
	if (--replacements)
		tdev->before_commit = keep_replacing_memory;
}

/*
 * Invalidations win every try of one fault (more than the map path
 * retries): the fault is not refused, the hardware retries it, as KFD
 * does for -EAGAIN, and a later try maps the page.
 */
static void fault_losing_every_race_is_retried(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 0x7a6e);
	u32 v = 0;

	replaced_addr = buf;
	replacements = 12;
	f->tdev->before_commit = keep_replacing_memory;
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_EQ(test, replacements, 0);
	KUNIT_EXPECT_EQ(test, v, 0x4e3);
	KUNIT_EXPECT_GT(test, atomic_read(&f->tdev->gpu_fault_retries), 0);
}

static void fault_unknown_pasid_not_serviced(struct kunit *test)
{
	struct fault_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, -ENOENT,
			amdgpu_svm_handle_fault(f->tdev->adev,
						f->tdev->fpriv->vm.pasid + 1000,
						f->tdev->attrs_page, false));
}

static void fault_after_close_not_serviced(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	unsigned long buf = user_buffer(test, SZ_64K, 8);

	amdgpu_svm_vm_fini(&f->tdev->fpriv->vm);
	KUNIT_EXPECT_EQ(test, -ENOENT,
			amdgpu_svm_handle_fault(f->tdev->adev,
						f->tdev->fpriv->vm.pasid, buf,
						false));
}

/*
 * A zapped range keeps its page tables and maps into them again without
 * making any; a buffer mapped and unmapped where it was may take them
 * with it (amdgpu frees a page table when it clears all the table
 * covers): the next map makes them again, before the notifier lock.
 */
static void fault_tables_a_buffer_took_are_made_again(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	struct amdgpu_svm *svm = f->tdev->fpriv->vm.svm;
	struct amdgpu_svm_test_bo_probe p;
	unsigned long runs, buf;
	u32 v = 0;

	buf = amdgpu_svm_test_scattered_buffer(test, SZ_2M, 0x7ab1, &runs);
	/* One run would be a huge page: no page table to take. */
	KUNIT_ASSERT_GT(test, runs, 1);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev, buf, &v,
							    sizeof(v), false));
	/*
	 * The access went through once the faulting page's PTE landed; with
	 * SDMA page tables the rest of the range may come in a later job of
	 * the same update (amdgpu_vm_handle_fault() does not wait for any).
	 */
	amdgpu_svm_sim_vm_settle(&f->tdev->fpriv->vm);
	KUNIT_ASSERT_EQ(test, SZ_2M >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(f->tdev, buf, buf + SZ_2M));

	amdgpu_svm_test_protect(buf, buf + SZ_2M);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(f->tdev, buf,
							    buf + SZ_2M));
	amdgpu_svm_test_bo_probe_start(test, &p, svm);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
							    buf + PAGE_SIZE,
							    &v, sizeof(v), false));
	amdgpu_svm_test_bo_probe_stop(&p);
	KUNIT_EXPECT_EQ(test, v, 0x7ab1 ^ 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.created), 0);

	amdgpu_svm_test_protect(buf, buf + SZ_2M);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gem_va(f->tdev, AMDGPU_VA_OP_MAP,
							buf, SZ_2M));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gem_va(f->tdev,
							AMDGPU_VA_OP_CLEAR,
							buf, SZ_2M));
	amdgpu_svm_test_bo_probe_start(test, &p, svm);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->tdev,
							    buf + 2 * PAGE_SIZE,
							    &v, sizeof(v), false));
	amdgpu_svm_test_bo_probe_stop(&p);
	KUNIT_EXPECT_EQ(test, v, 0x7ab1 ^ 2);
	KUNIT_EXPECT_GT(test, atomic_read(&p.created), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.under_notifier_lock), 0);
}

static struct kunit_case amdgpu_svm_fault_cases[] = {
	KUNIT_CASE(fault_maps_never_set_address_with_defaults),
	KUNIT_CASE(fault_gpu_write_reaches_cpu),
	KUNIT_CASE(fault_write_to_gpu_ro_refused),
	KUNIT_CASE(fault_write_to_read_only_vma_refused),
	KUNIT_CASE(fault_without_vma_refused),
	KUNIT_CASE(fault_on_inaccessible_refused),
	KUNIT_CASE(fault_mapped_range_made_inaccessible_is_zapped),
	KUNIT_CASE(fault_next_to_a_buffer_leaves_its_ptes),
	KUNIT_CASE(fault_tables_a_buffer_took_are_made_again),
	KUNIT_CASE(fault_svm_addresses_refuse_buffers),
	KUNIT_CASE(fault_stale_is_deduplicated),
	KUNIT_CASE(fault_after_munmap_and_mmap_sees_new_memory),
	KUNIT_CASE(fault_map_in_flight_is_cleared_after_it_lands),
	KUNIT_CASE(fault_invalidation_before_commit_is_not_committed),
	KUNIT_CASE(fault_losing_every_race_is_retried),
	KUNIT_CASE(fault_unknown_pasid_not_serviced),
	KUNIT_CASE(fault_after_close_not_serviced),
	{}
};

static struct kunit_suite amdgpu_svm_fault_suite = {
	.name = "amdgpu_svm_fault",
	.init = fault_test_init,
	.test_cases = amdgpu_svm_fault_cases,
};

kunit_test_suite(amdgpu_svm_fault_suite);
