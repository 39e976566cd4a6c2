// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulated device of the amdgpu SVM KUnit suites.
 */

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/slab.h>

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/static_stub.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_kunit_helpers.h>

#include "../amdgpu.h"
#include "../amdgpu_migrate.h"
#include "../amdgpu_eviction_fence.h"
#include "../amdgpu_gem.h"
#include "../amdgpu_res_cursor.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_attr.h"
#include "../amdgpu_svm_fault.h"
#include "../amdgpu_svm_range.h"
#include "../amdgpu_trace.h"
#include "../amdgpu_userq.h"
/* After amdgpu_trace.h, which defines TRACE_INCLUDE_FILE unconditionally. */
#include "../amdgpu_svm_trace.h"
#include "../amdgpu_vm.h"
#include "amdgpu_svm_sim.h"
#include "amdgpu_svm_test.h"

/* Last: its __sched would rename a parameter in gpu_scheduler.h. */
#include <linux/sched/debug.h>

/* Marks the test's resources that are devices; nothing to free. */
static void test_dev_res_free(struct kunit_resource *res)
{
}

static bool test_dev_res_match(struct kunit *test, struct kunit_resource *res,
			       void *adev)
{
	return res->free == test_dev_res_free &&
	       ((struct amdgpu_svm_test_dev *)res->data)->adev == adev;
}

/* A simulated device of the running test, for the leaves. */
static struct amdgpu_svm_test_dev *test_dev_of_adev(struct amdgpu_device *adev)
{
	struct kunit *test = kunit_get_current_test();
	struct amdgpu_svm_test_dev *tdev;
	struct kunit_resource *res;

	res = kunit_find_resource(test, test_dev_res_match, adev);
	KUNIT_ASSERT_NOT_NULL(test, res);
	tdev = res->data;
	kunit_put_resource(res);
	return tdev;
}

static struct amdgpu_svm_test_dev *test_dev_of(struct amdgpu_svm *svm)
{
	return test_dev_of_adev(svm->adev);
}

/* --- The GPU, through the simulated hardware --- */

static void test_race_point(struct amdgpu_svm *svm, enum amdgpu_svm_race where)
{
	struct amdgpu_svm_test_dev *tdev = test_dev_of(svm);
	void (*hook)(struct amdgpu_svm_test_dev *tdev) = NULL;

	/* Each hook runs once, in whichever thread gets there first. */
	switch (where) {
	case AMDGPU_SVM_RACE_COMMIT:
		hook = xchg(&tdev->before_commit, NULL);
		break;
	case AMDGPU_SVM_RACE_MIGRATE:
		hook = xchg(&tdev->before_migrate, NULL);
		break;
	case AMDGPU_SVM_RACE_ZAP:
		hook = xchg(&tdev->before_zap_flush, NULL);
		break;
	default:
		KUNIT_FAIL(tdev->test, "unknown race point %d", where);
		break;
	}
	if (hook)
		hook(tdev);
}

/* A valid PTE written: count it for every other task's outstanding fault. */
static void note_others_mapped(struct amdgpu_svm_test_dev *tdev)
{
	unsigned int i;

	spin_lock(&tdev->fault_lock);
	for (i = 0; i < ARRAY_SIZE(tdev->fault_ret); i++)
		if (tdev->fault_ret[i].task && tdev->fault_ret[i].task != current)
			tdev->fault_ret[i].others_mapped++;
	spin_unlock(&tdev->fault_lock);
}

/* amdgpu's own tracepoint for each run of PTEs a page-table update writes. */
static void count_pte_update(void *data, struct amdgpu_vm_update_params *p,
			     u64 start, u64 end, unsigned int nptes, u64 dst,
			     u64 incr, u64 flags, pid_t pid, u64 vm_ctx)
{
	struct amdgpu_svm_test_dev *tdev = data;

	if (p->vm != &tdev->fpriv->vm)
		return;
	atomic_inc(&tdev->pte_writes);
	if ((flags & AMDGPU_PTE_VALID) &&
	    !(flags & AMDGPU_PTE_PRT_FLAG(tdev->adev)))
		note_others_mapped(tdev);
	if (start << AMDGPU_GPU_PAGE_SHIFT < READ_ONCE(tdev->watch_end) &&
	    end << AMDGPU_GPU_PAGE_SHIFT > READ_ONCE(tdev->watch_start))
		atomic_inc(&tdev->watch_writes);
	/*
	 * TTM picks one of the VM's page tables for eviction, as
	 * amdgpu_vm_evictable() marks it; amdgpu_vm_update_range(), which
	 * called us, holds the eviction lock. Its next call fails -EBUSY.
	 */
	if ((flags & AMDGPU_PTE_VALID) &&
	    atomic_dec_if_positive(&tdev->evict_vm_after_ptes) == 0)
		p->vm->evicting = true;
}

/**
 * amdgpu_svm_test_gpu_pte() - the PTE that maps a CPU address in the VM
 * @tdev: the device
 * @addr: the address
 * @pte: receives the PTE
 *
 * Walks the real page tables (the TLB is not consulted).
 *
 * Context: any.
 * Return: true if a valid PTE maps @addr.
 */
bool amdgpu_svm_test_gpu_pte(struct amdgpu_svm_test_dev *tdev,
			     unsigned long addr, struct amdgpu_svm_test_pte *pte)
{
	u64 page = addr >> AMDGPU_GPU_PAGE_SHIFT;
	struct amdgpu_svm_sim_tlb_entry e;

	if (!amdgpu_svm_sim_walk(tdev->sim, &tdev->fpriv->vm, page, &e))
		return false;
	pte->addr = e.addr + (page - e.first) * AMDGPU_GPU_PAGE_SIZE;
	pte->flags = e.flags;
	return true;
}

/**
 * amdgpu_svm_test_gpu_mapped() - count GPU pages with a valid PTE
 * @tdev: the device
 * @start: first CPU address
 * @end: end (exclusive)
 *
 * Context: any.
 * Return: the number of valid PTEs in [@start, @end).
 */
unsigned long amdgpu_svm_test_gpu_mapped(struct amdgpu_svm_test_dev *tdev,
					 unsigned long start, unsigned long end)
{
	struct amdgpu_svm_test_pte pte;
	unsigned long addr, n = 0;

	for (addr = start; addr < end; addr += AMDGPU_GPU_PAGE_SIZE)
		n += amdgpu_svm_test_gpu_pte(tdev, addr, &pte);
	return n;
}

/*
 * One page through the MMU; -EFAULT if unmapped, -EACCES if read-only
 * (both raise a retry fault with XNACK on), -EIO for a fatal no-retry
 * fault.
 */
static int gpu_access_page(struct amdgpu_svm_test_dev *tdev, unsigned long addr,
			   void *buf, size_t n, bool write)
{
	switch (amdgpu_svm_sim_access(tdev->sim, &tdev->fpriv->vm, addr, buf, n,
				      write)) {
	case AMDGPU_SVM_SIM_OK:
		return 0;
	case AMDGPU_SVM_SIM_READ_ONLY:
		return -EACCES;
	case AMDGPU_SVM_SIM_NO_RETRY:
		return -EIO;
	case AMDGPU_SVM_SIM_STOPPED:
		return -EAGAIN;
	default:
		return -EFAULT;
	}
}

/*
 * The calling task's fault slot, taken if it had none (answer unknown,
 * count reset), or NULL if all are taken. The fault lock is held.
 */
static struct amdgpu_svm_test_fault *fault_slot(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_svm_test_fault *free = NULL;
	unsigned int i;

	lockdep_assert_held(&tdev->fault_lock);
	for (i = 0; i < ARRAY_SIZE(tdev->fault_ret); i++) {
		if (tdev->fault_ret[i].task == current)
			return &tdev->fault_ret[i];
		if (!tdev->fault_ret[i].task && !free)
			free = &tdev->fault_ret[i];
	}
	if (free)
		*free = (struct amdgpu_svm_test_fault){ .task = current,
							.ret = -ENODATA };
	return free;
}

/* The calling task raises a GPU fault: a slot of its own, fresh. */
static void fault_begin(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_svm_test_fault *f;

	spin_lock(&tdev->fault_lock);
	f = fault_slot(tdev);
	if (f) {
		f->ret = -ENODATA;
		f->others_mapped = 0;
	}
	spin_unlock(&tdev->fault_lock);
}

/* The SVM's tracepoint for each GPU fault: remember its answer per task. */
static void note_fault(void *data, const struct device *dev, u32 pasid,
		       u64 addr, bool write, int ret)
{
	struct amdgpu_svm_test_dev *tdev = data;
	struct amdgpu_svm_test_fault *f;

	if (pasid != tdev->fpriv->vm.pasid)
		return;
	spin_lock(&tdev->fault_lock);
	f = fault_slot(tdev);
	if (f)
		f->ret = ret;
	spin_unlock(&tdev->fault_lock);
}

/*
 * What the SVM answered the calling task's last GPU fault, and into
 * @others_mapped the valid PTEs other tasks wrote since fault_begin();
 * forgotten.
 */
static int take_fault_ret(struct amdgpu_svm_test_dev *tdev,
			  unsigned int *others_mapped)
{
	int ret = -ENODATA;
	unsigned int i;

	*others_mapped = 0;
	spin_lock(&tdev->fault_lock);
	for (i = 0; i < ARRAY_SIZE(tdev->fault_ret); i++) {
		if (tdev->fault_ret[i].task == current) {
			ret = tdev->fault_ret[i].ret;
			*others_mapped = tdev->fault_ret[i].others_mapped;
			tdev->fault_ret[i].task = NULL;
			break;
		}
	}
	spin_unlock(&tdev->fault_lock);
	return ret;
}

/**
 * amdgpu_svm_test_run_restore() - let the XNACK-off restore worker run
 * @tdev: the device
 *
 * The suites keep the restore worker from running on its own, so that a
 * case knows when it ran, and run it here, on the test's thread, where
 * on hardware it would have run a moment later; then they wait for the
 * user-queue manager's restore, which the SVM scheduled, to start the
 * queues again.
 *
 * Context: process context; the SVM lock not held.
 */
void amdgpu_svm_test_run_restore(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;

	if (svm) {
		cancel_delayed_work_sync(&svm->restore.work);
		amdgpu_svm_range_restore_work(&svm->restore.work.work);
	}
	if (tdev->userq_held) {
		struct amdgpu_eviction_fence_mgr *evf_mgr = &tdev->fpriv->evf_mgr;

		flush_work(&evf_mgr->suspend_work);
		WRITE_ONCE(evf_mgr->shutdown, false);
		tdev->userq_held = false;
		schedule_delayed_work(&tdev->fpriv->userq_mgr.resume_work, 0);
	}
	flush_delayed_work(&tdev->fpriv->userq_mgr.resume_work);
}

/**
 * amdgpu_svm_test_queue_starts() - how often the user queue started again
 * @tdev: the device
 *
 * The SVM only schedules amdgpu's user-queue restore; this waits for it.
 *
 * Context: process context.
 * Return: the maps and restores of the queue since the device was made.
 */
int amdgpu_svm_test_queue_starts(struct amdgpu_svm_test_dev *tdev)
{
	flush_delayed_work(&tdev->fpriv->userq_mgr.resume_work);
	return atomic_read(&tdev->sim->queue_starts);
}

/**
 * amdgpu_svm_test_userq_hold() - keep amdgpu's user-queue restore back
 * @tdev: the device
 *
 * Whatever waits for the user queues' eviction fence (TTM evicting a
 * buffer of the VM, say) makes amdgpu's suspend worker stop the queues
 * and schedule their restore, which validates the VM. Until the next
 * amdgpu_svm_test_run_restore() the suspend worker schedules nothing,
 * as if the restore were still to run: amdgpu's own flag for a file
 * being closed does exactly that.
 *
 * Context: process context.
 */
void amdgpu_svm_test_userq_hold(struct amdgpu_svm_test_dev *tdev)
{
	WRITE_ONCE(tdev->fpriv->evf_mgr.shutdown, true);
	tdev->userq_held = true;
}

/* Retry faults one access may raise before the test calls it a livelock. */
#define GPU_FAULT_RETRIES	2000

/* Wait until every page-table update of the VM has landed. */
static void test_vm_idle(struct amdgpu_svm_test_dev *tdev)
{
	amdgpu_svm_sim_vm_settle(&tdev->fpriv->vm);
}

/*
 * XNACK on: the wave replays the access, raising the fault again, until
 * the translation works. The fault enters amdgpu's own fault path,
 * amdgpu_vm_handle_fault(), as the interrupt handler (gmc_v9_0) delegates
 * it, which hands it to the SVM. The handler maps (its PTE update may
 * still be on the SDMA engine when it returns, as amdgpu_vm_handle_fault()
 * does not wait), or sees the range mapped already and returns; the access
 * is then replayed. A fault the SVM refuses leaves amdgpu's no-retry PTE
 * behind: the replay must end in the fatal fault, and the SVM's reason
 * (its tracepoint) is returned; only a valid PTE another task wrote over
 * it meanwhile lets the replay through. A fault the driver never resolves
 * is a livelock: reported.
 */
static int gpu_fault_retry(struct amdgpu_svm_test_dev *tdev, unsigned long addr,
			   void *buf, size_t n, bool write)
{
	struct amdgpu_vm *vm = &tdev->fpriv->vm;
	unsigned int i;
	int ret;

	for (i = 0; i < GPU_FAULT_RETRIES; i++) {
		unsigned int others_mapped;
		bool served;
		int why;

		fault_begin(tdev);
		served = amdgpu_vm_handle_fault(tdev->adev, vm->pasid, 0, 0,
						addr, 0, write);
		/*
		 * Not served: the wave keeps retrying until amdgpu's no-retry
		 * PTE lands (with SDMA page-table updates, once its job ran:
		 * amdgpu_vm_handle_fault() does not wait), then dies on it.
		 */
		if (!served)
			test_vm_idle(tdev);
		ret = gpu_access_page(tdev, addr, buf, n, write);
		/* Others' PTEs counted until the replay, the wait included. */
		why = take_fault_ret(tdev, &others_mapped);
		if (!served) {
			/*
			 * The replay meets amdgpu's no-retry PTE (the fatal
			 * fault), or faults again where the TLB still holds
			 * a read-only translation: it never reaches memory.
			 * Unless another task mapped the page over that PTE
			 * meanwhile (another wave's fault, a prefetch): the
			 * replay then goes through, as it would on the GPU.
			 * No SVM answered (-ENODATA): there was none.
			 */
			if (!ret && others_mapped)
				return 0;
			KUNIT_EXPECT_NE_MSG(tdev->test, ret, 0,
					    "GPU fault at %lx refused (%d), yet the access went through",
					    addr, why);
			return why == -ENODATA ? -ENOENT : why < 0 ? why : -EIO;
		}
		if (!ret || ret == -EIO)
			return ret;
		atomic_inc(&tdev->gpu_fault_retries);
		usleep_range(50, 100);
	}
	KUNIT_FAIL(tdev->test, "GPU fault at %lx retried %d times: a livelock",
		   addr, GPU_FAULT_RETRIES);
	return ret;
}

/**
 * amdgpu_svm_test_gpu_access() - the GPU reads or writes memory
 * @tdev: the device
 * @addr: CPU (and GPU) virtual address
 * @buf: what to write, or where to read into
 * @len: bytes
 * @write: write, not read
 *
 * The access comes from a queue: while the queues are quiesced it waits
 * for the restore worker to resume them (run here, see
 * amdgpu_svm_test_run_restore()). It goes through the simulated MMU: its
 * TLB, or a walk of the VM's real page tables; the bytes move to or from
 * the page the translation reaches (without an IOMMU, a DMA address is a
 * physical address). Where the MMU
 * refuses the access and the device runs with XNACK on, a GPU fault goes to
 * the real fault handler, as the hardware would raise it, and the access is
 * replayed, raising the fault again, until it works (gpu_fault_retry()).
 *
 * Context: process context.
 * Return: 0, -EFAULT if a page has no valid PTE and XNACK is off, -EACCES
 * for a write to a read-only PTE with XNACK off, -EIO for a PTE that
 * forces a no-retry fault (what amdgpu leaves where the SVM refused a
 * fault), -EAGAIN if other threads kept stopping the queues (only with
 * &amdgpu_svm_sim.accesses_wait), or the SVM's error for the fault it
 * refused.
 */
int amdgpu_svm_test_gpu_access(struct amdgpu_svm_test_dev *tdev,
			       unsigned long addr, void *buf, size_t len,
			       bool write)
{
	if (READ_ONCE(tdev->sim->queues_quiesced))
		amdgpu_svm_test_run_restore(tdev);

	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(addr));
		int ret, tries;

		ret = gpu_access_page(tdev, addr, buf, n, write);
		/*
		 * Stopped meanwhile by another thread: resumed, then issued;
		 * while others keep stopping the queues, -EAGAIN after a few.
		 */
		for (tries = 0; ret == -EAGAIN && tries < 8; tries++) {
			amdgpu_svm_test_run_restore(tdev);
			ret = gpu_access_page(tdev, addr, buf, n, write);
		}
		if (ret && ret != -EIO && !tdev->adev->gmc.noretry) {
			atomic_inc(&tdev->gpu_faults);
			ret = gpu_fault_retry(tdev, addr, buf, n, write);
		}
		if (ret)
			return ret;

		addr += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static const struct file_operations amdgpu_svm_test_fops = {
	.owner = THIS_MODULE,
};

static const struct drm_driver amdgpu_svm_test_driver = {
	.name = "amdgpu_svm_test",
	.driver_features = DRIVER_GEM,
	.fops = &amdgpu_svm_test_fops,
};

/*
 * The file's compute user queue, as amdgpu_userq_create() hands it to the
 * user-queue manager: not mapped yet, with its write-pointer buffer, the
 * one buffer the manager's restore validates and binds for each queue.
 * The manager's own restore worker arms the eviction fence and maps it,
 * through the simulated firmware (amdgpu_svm_sim_userq_funcs); from then
 * on it runs, and the model GPU accepts accesses.
 */
static void test_userq_create(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_userq_mgr *uq_mgr = &tdev->fpriv->userq_mgr;
	struct kunit *test = tdev->test;
	struct amdgpu_usermode_queue *queue;
	struct amdgpu_bo_param bp = {
		.size = PAGE_SIZE,
		.byte_align = PAGE_SIZE,
		.domain = AMDGPU_GEM_DOMAIN_GTT,
		.type = ttm_bo_type_kernel,
		.resv = NULL,
		.bo_ptr_size = sizeof(struct amdgpu_bo),
	};
	u32 qid;

	queue = kzalloc_obj(*queue);
	KUNIT_ASSERT_NOT_NULL(test, queue);
	queue->userq_mgr = uq_mgr;
	queue->vm = &tdev->fpriv->vm;
	queue->queue_type = AMDGPU_HW_IP_COMPUTE;
	queue->state = AMDGPU_USERQ_STATE_UNMAPPED;
	kref_init(&queue->refcount);
	if (amdgpu_bo_create(tdev->adev, &bp, &queue->wptr_obj.obj) ||
	    xa_alloc(&uq_mgr->userq_xa, &qid, queue,
		     XA_LIMIT(1, AMDGPU_MAX_USERQ_COUNT), GFP_KERNEL)) {
		amdgpu_bo_unref(&queue->wptr_obj.obj);
		kfree(queue);
		KUNIT_FAIL_AND_ABORT(test, "no user queue");
	}
	tdev->userq = queue;
	tdev->sim->userq_fence_ctx = tdev->fpriv->evf_mgr.ev_fence_ctx;
	tdev->adev->userq_funcs[AMDGPU_HW_IP_COMPUTE] =
		&amdgpu_svm_sim_userq_funcs;
	schedule_delayed_work(&uq_mgr->resume_work, 0);
	flush_delayed_work(&uq_mgr->resume_work);
	KUNIT_ASSERT_EQ(test, queue->state, AMDGPU_USERQ_STATE_MAPPED);
	KUNIT_ASSERT_FALSE(test, READ_ONCE(tdev->sim->queues_quiesced));
	/* The cases count the restarts. */
	atomic_set(&tdev->sim->queue_starts, 0);
}

/* What amdgpu_userq_destroy() does, for the queue made above. */
static void test_userq_destroy(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_userq_mgr *uq_mgr = &tdev->fpriv->userq_mgr;
	struct amdgpu_usermode_queue *queue = tdev->userq;
	unsigned long qid;

	if (!queue)
		return;
	xa_for_each(&uq_mgr->userq_xa, qid, queue)
		xa_erase(&uq_mgr->userq_xa, qid);
	queue = tdev->userq;
	tdev->userq = NULL;
	amdgpu_bo_unref(&queue->wptr_obj.obj);
	kfree(queue);
}

/*
 * The rest of amdgpu_driver_open_kms() that a user queue's restore needs:
 * the PRT mapping slot and the user-queue manager; then one queue.
 */
static void test_file_open_rest(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_vm *vm = &tdev->fpriv->vm;
	struct kunit *test = tdev->test;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_bo_reserve(vm->root.bo, true));
	tdev->fpriv->prt_va = amdgpu_vm_bo_add(tdev->adev, vm, NULL);
	amdgpu_bo_unreserve(vm->root.bo);
	KUNIT_ASSERT_NOT_NULL(test, tdev->fpriv->prt_va);
	KUNIT_ASSERT_EQ(test, 0,
			amdgpu_userq_mgr_init(&tdev->fpriv->userq_mgr,
					      tdev->file, tdev->adev));
	test_userq_create(tdev);
}

static void amdgpu_svm_test_dev_release(void *data)
{
	struct amdgpu_svm_test_dev *tdev = data;
	struct amdgpu_vm *vm = &tdev->fpriv->vm;
	struct drm_gem_object *obj;
	int handle;

	unregister_trace_amdgpu_vm_update_ptes(count_pte_update, tdev);
	unregister_trace_amdgpu_svm_gpu_fault(note_fault, tdev);
	tracepoint_synchronize_unregister();
	/* A case that failed with the engine held must not hang its teardown. */
	amdgpu_svm_sim_sdma_hold(&tdev->sim->sdma, false);

	/* The file closes: its buffers first, as drm_gem_release() does. */
	idr_for_each_entry(&tdev->file->object_idr, obj, handle)
		drm_gem_handle_delete(tdev->file, handle);
	idr_destroy(&tdev->file->object_idr);
	/* Their PTEs are cleared by SDMA jobs in that mode. */
	test_vm_idle(tdev);
	mutex_destroy(&tdev->file->prime.lock);
	/*
	 * amdgpu_drm_release(): the SVM first, which may restart the user
	 * queues until it is closed; then the user queues.
	 */
	amdgpu_svm_vm_fini(vm);
	/* Teardown zapped every PTE it had written. */
	KUNIT_EXPECT_EQ(tdev->test, amdgpu_svm_sim_count_valid(tdev->sim, vm), 0);
	amdgpu_evf_mgr_shutdown(&tdev->fpriv->evf_mgr);
	amdgpu_userq_mgr_cancel_resume(&tdev->fpriv->userq_mgr);
	amdgpu_evf_mgr_flush_suspend(&tdev->fpriv->evf_mgr);
	test_userq_destroy(tdev);
	amdgpu_userq_mgr_fini(&tdev->fpriv->userq_mgr);
	amdgpu_evf_mgr_fini(&tdev->fpriv->evf_mgr);
	/* Its queues are gone before its VM. */
	tdev->sim->vm = NULL;
	/* amdgpu_driver_postclose_kms(). */
	if (!WARN_ON(amdgpu_bo_reserve(vm->root.bo, true))) {
		amdgpu_vm_bo_del(tdev->adev, tdev->fpriv->prt_va);
		amdgpu_bo_unreserve(vm->root.bo);
	}
	amdgpu_vm_fini(tdev->adev, vm);
	amdgpu_pasid_free(vm->pasid);
}

/*
 * A DRM file of the device and its VM, opened by the calling process, as
 * drm_file_alloc() and amdgpu_driver_open_kms() set them up: GEM handles
 * (the DRM core's handle table is an IDR) and their PRIME bookkeeping,
 * the eviction fence, the VM (whose SVM mirrors the caller's address
 * space) and its PASID, by which faults find it.
 */
static void test_file_open(struct amdgpu_svm_test_dev *tdev)
{
	struct kunit *test = tdev->test;
	int ret;

	tdev->fpriv = kunit_kzalloc(test, sizeof(*tdev->fpriv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tdev->fpriv);
	tdev->file = kunit_kzalloc(test, sizeof(*tdev->file), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tdev->file);
	tdev->file->driver_priv = tdev->fpriv;
	idr_init_base(&tdev->file->object_idr, 1);
	spin_lock_init(&tdev->file->table_lock);
	mutex_init(&tdev->file->prime.lock);
	tdev->file->prime.dmabufs = RB_ROOT;
	tdev->file->prime.handles = RB_ROOT;
	amdgpu_evf_mgr_init(&tdev->fpriv->evf_mgr);
	ret = amdgpu_svm_sim_vm_init(tdev->sim, &tdev->fpriv->vm);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = amdgpu_pasid_alloc(16, tdev->fpriv);
	if (ret <= 0)
		amdgpu_vm_fini(tdev->adev, &tdev->fpriv->vm);
	KUNIT_ASSERT_GT(test, ret, 0);
	tdev->fpriv->vm.pasid = ret;
}

static struct amdgpu_svm_test_dev *
test_dev_create(struct kunit *test, bool xnack_on, u64 vram_size,
		const struct amdgpu_svm_sim_hive *hive)
{
	static atomic_t serial = ATOMIC_INIT(0);
	struct amdgpu_svm_test_dev *tdev;
	struct amdgpu_device *adev;
	struct drm_device *drm;
	char name[32];
	int ret;

	tdev = kunit_kzalloc(test, sizeof(*tdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tdev);
	tdev->test = test;

	/*
	 * drm_kunit_helper_alloc_device(), with a name of its own: a test
	 * may have several GPUs, each a device on the KUnit bus.
	 */
	snprintf(name, sizeof(name), "amdgpu-svm-sim.%d",
		 atomic_inc_return(&serial));
	tdev->dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tdev->dev);

	/*
	 * The helper's typed variant casts the drm_device pointer to the
	 * containing type, which is only right when the member comes first;
	 * in amdgpu_device it does not, so convert with drm_to_adev().
	 */
	drm = __drm_kunit_helper_alloc_drm_device_with_driver(test, tdev->dev,
							      sizeof(*adev),
							      offsetof(typeof(*adev), ddev),
							      &amdgpu_svm_test_driver);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, drm);
	tdev->drm = drm;
	adev = drm_to_adev(drm);
	tdev->adev = adev;
	tdev->sim = amdgpu_svm_sim_create(test, tdev->dev, adev, vram_size,
					  hive);
	adev->gmc.noretry = !xnack_on;
	/*
	 * The device's first SVM would register its VRAM for migration
	 * (amdgpu_migrate_init()): only a device made with VRAM for it does.
	 */
	adev->svm_migrate_off = true;

	/* The test's process opens the file: it owns the VM's SVM. */
	KUNIT_ASSERT_EQ(test, 0, kunit_attach_mm());
	test_file_open(tdev);
	tdev->sim->vm = &tdev->fpriv->vm;
	test_file_open_rest(tdev);

	tdev->attrs_page = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					 PROT_READ | PROT_WRITE,
					 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, tdev->attrs_page && tdev->attrs_page < TASK_SIZE);

	ret = kunit_add_resource(test, NULL, test_dev_res_free, &tdev->res,
				 tdev);
	KUNIT_ASSERT_EQ(test, ret, 0);

	kunit_activate_static_stub(test, amdgpu_svm_race_point,
				   test_race_point);
	KUNIT_ASSERT_EQ(test, 0,
			register_trace_amdgpu_vm_update_ptes(count_pte_update,
							     tdev));
	spin_lock_init(&tdev->fault_lock);
	KUNIT_ASSERT_EQ(test, 0,
			register_trace_amdgpu_svm_gpu_fault(note_fault, tdev));

	/* Registered last so it runs first, while the stubs are still active. */
	ret = kunit_add_action_or_reset(test, amdgpu_svm_test_dev_release,
					tdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return tdev;
}

/* amdgpu_drm_release() of a second file: its SVM, then its VM. */
static void test_second_file_release(void *data)
{
	struct amdgpu_svm_test_dev *tdev = data;
	struct amdgpu_vm *vm = &tdev->fpriv->vm;

	unregister_trace_amdgpu_vm_update_ptes(count_pte_update, tdev);
	unregister_trace_amdgpu_svm_gpu_fault(note_fault, tdev);
	tracepoint_synchronize_unregister();
	amdgpu_svm_vm_fini(vm);
	KUNIT_EXPECT_EQ(tdev->test, amdgpu_svm_sim_count_valid(tdev->sim, vm), 0);
	amdgpu_evf_mgr_shutdown(&tdev->fpriv->evf_mgr);
	amdgpu_userq_mgr_fini(&tdev->fpriv->userq_mgr);
	amdgpu_evf_mgr_fini(&tdev->fpriv->evf_mgr);
	idr_destroy(&tdev->file->object_idr);
	mutex_destroy(&tdev->file->prime.lock);
	amdgpu_vm_fini(tdev->adev, vm);
	amdgpu_pasid_free(vm->pasid);
}

/**
 * amdgpu_svm_test_dev_open_again() - the test's process opens the device
 *	a second time
 * @tdev: a device from amdgpu_svm_test_dev_create_with_vram() or
 *	amdgpu_svm_test_dev_create()
 *
 * A second file of the same GPU, as a process gets by opening its render
 * node twice: a VM of its own (its PASID, page tables and SVM), on the
 * same device, VRAM and MMU. The file has no user queue: the model's
 * queue rules follow the first file's VM, so a case with two files runs
 * with XNACK on, where GPU accesses fault rather than need the queues
 * stopped. The file is closed before the device goes.
 *
 * Context: process context (a KUnit test with an address space).
 * Return: the second file, as a device handle for the helpers of this
 * file; the test is aborted on failure.
 */
struct amdgpu_svm_test_dev *
amdgpu_svm_test_dev_open_again(struct amdgpu_svm_test_dev *tdev)
{
	struct kunit *test = tdev->test;
	struct amdgpu_svm_test_dev *t2;
	int ret;

	t2 = kunit_kzalloc(test, sizeof(*t2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t2);
	t2->test = test;
	t2->dev = tdev->dev;
	t2->drm = tdev->drm;
	t2->adev = tdev->adev;
	t2->sim = tdev->sim;
	t2->vram = tdev->vram;
	test_file_open(t2);
	ret = amdgpu_userq_mgr_init(&t2->fpriv->userq_mgr, t2->file, t2->adev);
	if (ret) {
		amdgpu_vm_fini(t2->adev, &t2->fpriv->vm);
		amdgpu_pasid_free(t2->fpriv->vm.pasid);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	spin_lock_init(&t2->fault_lock);
	ret = register_trace_amdgpu_vm_update_ptes(count_pte_update, t2);
	if (!ret) {
		ret = register_trace_amdgpu_svm_gpu_fault(note_fault, t2);
		if (ret)
			unregister_trace_amdgpu_vm_update_ptes(count_pte_update,
							       t2);
	}
	if (ret) {
		amdgpu_userq_mgr_fini(&t2->fpriv->userq_mgr);
		amdgpu_vm_fini(t2->adev, &t2->fpriv->vm);
		amdgpu_pasid_free(t2->fpriv->vm.pasid);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   test_second_file_release,
							   t2));
	t2->attrs_page = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
				       PROT_READ | PROT_WRITE,
				       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, t2->attrs_page && t2->attrs_page < TASK_SIZE);
	return t2;
}

/**
 * amdgpu_svm_test_dev_close() - close a file of amdgpu_svm_test_dev_open_again()
 * @tdev: the second file
 *
 * Now rather than when the test ends; @tdev is gone afterwards.
 *
 * Context: process context (the KUnit test).
 */
void amdgpu_svm_test_dev_close(struct amdgpu_svm_test_dev *tdev)
{
	kunit_release_action(tdev->test, test_second_file_release, tdev);
}

/**
 * amdgpu_svm_test_dev_create() - a simulated device with one open file
 * @test: the test; the device lives until it ends
 * @xnack_on: whether the device runs with recoverable page faults
 *
 * The device is the simulated GPU of amdgpu_svm_sim_dev.c, with VRAM for
 * page tables only; the file's VM is made by amdgpu_vm_init() with a
 * PASID, as opening the render node does.
 *
 * Context: process context (a KUnit test).
 * Return: the device; the test is aborted if it cannot be created.
 */
struct amdgpu_svm_test_dev *amdgpu_svm_test_dev_create(struct kunit *test,
						       bool xnack_on)
{
	return test_dev_create(test, xnack_on, AMDGPU_SVM_SIM_VRAM_SIZE, NULL);
}

/* --- VRAM for migrations --- */

/* Is the VRAM at MC address @mc held by a user (SVM) buffer? */
static bool user_vram(struct amdgpu_device *adev, struct amdgpu_svm_sim *sim,
		      u64 mc)
{
	u64 offset = mc - adev->gmc.vram_start;
	unsigned long flags;
	bool user;

	if (mc < adev->gmc.vram_start || offset >= sim->vram_size)
		return false;
	spin_lock_irqsave(&sim->vram_lock, flags);
	user = test_bit(offset >> PAGE_SHIFT, sim->vram_user);
	spin_unlock_irqrestore(&sim->vram_lock, flags);
	return user;
}

/* Is the GART range [@mc, @mc + @bytes) inside one buffer-move window? */
static bool in_move_window(struct amdgpu_device *adev, u64 mc, u64 bytes)
{
	u64 size = (u64)AMDGPU_GTT_MAX_TRANSFER_SIZE * AMDGPU_GPU_PAGE_SIZE;
	unsigned int i, w;

	for (i = 0; i < adev->mman.num_move_entities; i++) {
		for (w = 0; w < 2; w++) {
			u64 start = adev->gmc.gart_start +
				    adev->mman.move_entities[i].gart_window_offs[w];

			if (mc >= start && mc + bytes <= start + size)
				return true;
		}
	}
	return false;
}

/*
 * Each data copy the SDMA model executes, seen before it runs. A copy
 * into or out of SVM VRAM is a migration: it is counted, it must go
 * through one GART window, and the n-th one fails, or first calls the
 * test back, if the test says so.
 */
static int test_copy_hook(struct amdgpu_svm_sim_sdma *sdma, u64 src, u64 dst,
			  u64 bytes)
{
	struct amdgpu_svm_test_dev *tdev = sdma->copy_hook_data;
	struct amdgpu_svm_test_vram *vram = tdev->vram;
	struct amdgpu_device *adev = tdev->adev;
	bool to_vram = user_vram(adev, tdev->sim, dst);
	bool to_ram = user_vram(adev, tdev->sim, src);
	u64 gart = to_vram ? src : dst;
	int n;

	if (!to_vram && !to_ram)
		return 0;
	n = atomic_inc_return(&vram->copies);
	if (n == vram->fail_copy_at) {
		if (vram->before_failing)
			vram->before_failing(vram);
		return -EIO;
	}
	if (n == vram->hook_copy_at && vram->hook_copy)
		vram->hook_copy(vram);
	KUNIT_EXPECT_TRUE_MSG(tdev->test, in_move_window(adev, gart, bytes),
			      "a migration copy leaves its GART window: %llx+%llx",
			      gart, bytes);
	KUNIT_EXPECT_TRUE(tdev->test, PAGE_ALIGNED(bytes));
	atomic_add(bytes >> PAGE_SHIFT, to_vram ? &vram->pages_to_vram :
		   &vram->pages_to_ram);
	return 0;
}

/**
 * amdgpu_svm_test_vram_used() - VRAM that device pages live in
 * @vram: the VRAM
 *
 * The driver's own view: the allocations its device pages hold. Their
 * buffer objects go back to TTM shortly after (from a worker); the
 * device's teardown checks that they did.
 *
 * Context: any.
 * Return: the number of pages.
 */
unsigned long amdgpu_svm_test_vram_used(struct amdgpu_svm_test_vram *vram)
{
	struct amdgpu_migrate *mig = amdgpu_migrate_get(vram->tdev->adev);
	struct amdgpu_migrate_vram *mv;
	unsigned long index, flags, n = 0;
	unsigned int b;

	if (!mig)
		return 0;
	xa_lock_irqsave(&mig->bos, flags);
	xa_for_each(&mig->bos, index, mv)
		for (b = 0; b < mv->nblocks; b++)
			n += mv->blocks[b].size >> PAGE_SHIFT;
	xa_unlock_irqrestore(&mig->bos, flags);
	amdgpu_migrate_put(mig);
	return n;
}

/**
 * amdgpu_svm_test_migrate() - the device's VRAM registration, borrowed
 * @tdev: a device made by amdgpu_svm_test_dev_create_with_vram()
 *
 * Without a reference: the test owns the device, and the registration
 * lives until the test unbinds it or ends.
 *
 * Context: any.
 * Return: the registration, or NULL after unbind.
 */
struct amdgpu_migrate *amdgpu_svm_test_migrate(struct amdgpu_svm_test_dev *tdev)
{
	return rcu_dereference_protected(tdev->adev->svm_migrate, true);
}

/* What amdgpu_svm_test_mem_partitions() changed, put back at case end. */
struct mem_partitions {
	struct amdgpu_svm_test_dev *tdev;
	struct amdgpu_mem_partition_info parts[2];
	struct amdgpu_mem_partition_info *saved;
	u8 nsaved;
	s8 mem_id;
	s32 root_xcp;
	u32 gc;
};

static void mem_partitions_restore(void *data)
{
	struct mem_partitions *p = data;
	struct amdgpu_device *adev = p->tdev->adev;
	struct amdgpu_vm *vm = &p->tdev->fpriv->vm;

	adev->gmc.mem_partitions = p->saved;
	adev->gmc.num_mem_partitions = p->nsaved;
	adev->ip_versions[GC_HWIP][0] = p->gc;
	vm->mem_id = p->mem_id;
	vm->root.bo->xcp_id = p->root_xcp;
}

/**
 * amdgpu_svm_test_mem_partitions() - split the simulated VRAM into two
 * memory partitions for the rest of the case
 * @tdev: the device
 * @split: bytes of the first partition; the second has the rest (none
 *	if @split is the whole VRAM)
 *
 * As amdgpu_gmc_init_sw_mem_ranges() splits an NPS2 part. The VM stays
 * where it is until the case sets its &amdgpu_vm.mem_id (and the root
 * page directory's partition, which the VM's buffers follow); those and
 * the GC IP version are put back when the case ends.
 *
 * Context: process context.
 */
void amdgpu_svm_test_mem_partitions(struct amdgpu_svm_test_dev *tdev,
				    u64 split)
{
	struct amdgpu_device *adev = tdev->adev;
	struct amdgpu_vm *vm = &tdev->fpriv->vm;
	u32 npages = adev->gmc.real_vram_size >> AMDGPU_GPU_PAGE_SHIFT;
	struct mem_partitions *p;

	p = kunit_kzalloc(tdev->test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(tdev->test, p);
	*p = (struct mem_partitions) {
		.tdev = tdev,
		.saved = adev->gmc.mem_partitions,
		.nsaved = adev->gmc.num_mem_partitions,
		.mem_id = vm->mem_id,
		.root_xcp = vm->root.bo->xcp_id,
		.gc = adev->ip_versions[GC_HWIP][0],
	};
	p->parts[0].range.fpfn = 0;
	/* In GPU pages, as amdgpu_gmc_init_sw_mem_ranges() counts. */
	p->parts[0].range.lpfn = (split >> AMDGPU_GPU_PAGE_SHIFT) - 1;
	p->parts[0].size = split;
	p->parts[1].range.fpfn = split >> AMDGPU_GPU_PAGE_SHIFT;
	p->parts[1].range.lpfn = npages - 1;
	p->parts[1].size = adev->gmc.real_vram_size - split;
	KUNIT_ASSERT_EQ(tdev->test, 0,
			kunit_add_action_or_reset(tdev->test,
						  mem_partitions_restore, p));
	adev->gmc.mem_partitions = p->parts;
	adev->gmc.num_mem_partitions = 2;
}

/**
 * amdgpu_svm_test_mem_free() - what the system memory limit grants now
 *
 * amdgpu_svm_mem_reserve() charges KFD's limit where KFD is built and the
 * SVM's own otherwise; either way the test sees it only through
 * reservations: the largest that succeeds, found by bisection, each one
 * given back at once.
 *
 * Context: process context.
 * Return: bytes; 1 << 50 or more means no limit (no_system_mem_limit).
 */
u64 amdgpu_svm_test_mem_free(void)
{
	u64 lo = 0, hi = 1ULL << 50;

	/* Set up by the first SVM; a case may ask before there is one. */
	amdgpu_svm_mem_limit_init();
	if (!amdgpu_svm_mem_reserve(hi)) {
		amdgpu_svm_mem_unreserve(hi);
		return hi;
	}
	/* @lo is granted, @hi is not. */
	while (hi - lo > 1) {
		u64 mid = lo + (hi - lo) / 2;

		if (amdgpu_svm_mem_reserve(mid)) {
			hi = mid;
		} else {
			amdgpu_svm_mem_unreserve(mid);
			lo = mid;
		}
	}
	return lo;
}

static void mem_hold_release(void *data)
{
	struct amdgpu_svm_test_mem_hold *h = data;

	amdgpu_svm_mem_unreserve(h->bytes);
}

/**
 * amdgpu_svm_test_mem_hold() - leave @headroom bytes of the system memory
 * limit to the SVM until the case ends
 * @test: the case
 * @headroom: the bytes left
 *
 * The rest of what the limit grants is reserved by the test, and given
 * back when the case ends. The case is skipped when there is no limit.
 *
 * Context: process context.
 * Return: the hold, for amdgpu_svm_test_mem_headroom().
 */
struct amdgpu_svm_test_mem_hold *
amdgpu_svm_test_mem_hold(struct kunit *test, u64 headroom)
{
	struct amdgpu_svm_test_mem_hold *h;

	if (amdgpu_svm_test_mem_free() >= 1ULL << 50)
		kunit_skip(test, "no system memory limit (no_system_mem_limit)");
	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   mem_hold_release, h));
	amdgpu_svm_test_mem_headroom(test, h, headroom);
	return h;
}

/**
 * amdgpu_svm_test_mem_headroom() - change what a hold leaves free
 * @test: the case
 * @h: the hold
 * @headroom: the bytes left now
 *
 * Context: process context.
 */
void amdgpu_svm_test_mem_headroom(struct kunit *test,
				  struct amdgpu_svm_test_mem_hold *h,
				  u64 headroom)
{
	u64 free = amdgpu_svm_test_mem_free();

	if (free > headroom) {
		KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_mem_reserve(free - headroom));
		h->bytes += free - headroom;
	} else {
		/* More room than the hold holds cannot be made. */
		KUNIT_ASSERT_GE(test, h->bytes, headroom - free);
		amdgpu_svm_mem_unreserve(headroom - free);
		h->bytes -= headroom - free;
	}
}

/**
 * amdgpu_svm_test_vram_pressure() - a kernel buffer that takes all free
 * VRAM and more: TTM must evict to make room
 * @vram: the VRAM
 * @more: bytes beyond what is free now
 * @bo: receives the buffer object
 *
 * Context: process context.
 * Return: 0, or amdgpu_bo_create()'s error (-ENOMEM: nothing could go).
 */
int amdgpu_svm_test_vram_pressure(struct amdgpu_svm_test_vram *vram, u64 more,
				  struct amdgpu_bo **bo)
{
	struct amdgpu_device *adev = vram->tdev->adev;
	struct ttm_resource_manager *man =
		ttm_manager_type(&adev->mman.bdev, TTM_PL_VRAM);
	struct amdgpu_bo_param bp = {
		.byte_align = PAGE_SIZE,
		.domain = AMDGPU_GEM_DOMAIN_VRAM,
		.flags = AMDGPU_GEM_CREATE_NO_CPU_ACCESS,
		.type = ttm_bo_type_kernel,
		.resv = NULL,
		.bo_ptr_size = sizeof(struct amdgpu_bo),
	};

	bp.size = adev->gmc.mc_vram_size - ttm_resource_manager_usage(man) +
		  more;
	return amdgpu_bo_create(adev, &bp, bo);
}

/**
 * amdgpu_svm_test_vram_allocs() - VRAM allocations asked for user buffers
 * @vram: the VRAM
 *
 * Context: any.
 * Return: how many times amdgpu's VRAM manager was asked so far.
 */
int amdgpu_svm_test_vram_allocs(struct amdgpu_svm_test_vram *vram)
{
	return atomic_read(&vram->tdev->sim->vram_user_allocs);
}

/**
 * amdgpu_svm_test_vram_fail_alloc() - fail a later VRAM allocation
 * @vram: the VRAM
 * @n: 1 for the next allocation of a user buffer, 2 for the one after...
 *
 * The VRAM manager refuses it with -ENOMEM, as when its own bookkeeping
 * cannot be allocated: TTM evicts nothing for it.
 *
 * Context: process context.
 */
void amdgpu_svm_test_vram_fail_alloc(struct amdgpu_svm_test_vram *vram, int n)
{
	struct amdgpu_svm_sim *sim = vram->tdev->sim;

	WRITE_ONCE(sim->vram_fail_at, atomic_read(&sim->vram_user_allocs) + n);
}

/**
 * amdgpu_svm_test_fail_nth() - fail an allocation of the calling task
 * @n: 1 for its next allocation that failslab or fail_page_alloc may
 *	fail, 2 for the one after, 0 for none
 *
 * What writing /proc/self/fail-nth does. Without CONFIG_FAULT_INJECTION
 * nothing fails.
 *
 * Context: process context.
 */
void amdgpu_svm_test_fail_nth(unsigned int n)
{
#ifdef CONFIG_FAULT_INJECTION
	WRITE_ONCE(current->fail_nth, n);
#endif
}

/**
 * amdgpu_svm_test_fail_nth_pending() - allocations before the failure
 *	amdgpu_svm_test_fail_nth() asked for
 *
 * Context: process context.
 * Return: how many allocations of the calling task are still to come
 * before the one that fails; 0 once it failed, or if none was asked for.
 */
unsigned int amdgpu_svm_test_fail_nth_pending(void)
{
#ifdef CONFIG_FAULT_INJECTION
	return READ_ONCE(current->fail_nth);
#else
	return 0;
#endif
}

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/*
 * The kernel's fault-injection knobs live in debugfs only. debugfs keeps
 * the variable behind each of its plain files in the inode's i_private
 * (debugfs_create_file()'s @data), so the variable is found there.
 */
static void *fail_knob(const char *dir_name, const char *name)
{
	struct dentry *dir, *file;
	void *data = NULL;

	dir = debugfs_lookup(dir_name, NULL);
	if (!dir)
		return NULL;
	file = debugfs_lookup(name, dir);
	if (file) {
		data = d_inode(file)->i_private;
		dput(file);
	}
	dput(dir);
	return data;
}

/* The knobs as the kernel's defaults set them, restored after the test. */
struct fail_alloc_knobs {
	bool *slab_ignore_reclaim, *page_ignore_reclaim, *page_ignore_highmem;
	u32 *page_min_order;
	unsigned long *slab_verbose, *page_verbose;
	bool slab_ignore_reclaim_was, page_ignore_reclaim_was;
	bool page_ignore_highmem_was;
	u32 page_min_order_was;
	unsigned long slab_verbose_was, page_verbose_was;
};

static void fail_alloc_restore(void *data)
{
	struct fail_alloc_knobs *k = data;

	*k->slab_ignore_reclaim = k->slab_ignore_reclaim_was;
	*k->page_ignore_reclaim = k->page_ignore_reclaim_was;
	*k->page_ignore_highmem = k->page_ignore_highmem_was;
	*k->page_min_order = k->page_min_order_was;
	*k->slab_verbose = k->slab_verbose_was;
	*k->page_verbose = k->page_verbose_was;
}

/**
 * amdgpu_svm_test_fail_alloc_enable() - let failslab and fail_page_alloc
 *	fail any allocation of a task that asks for it
 * @test: the test; the kernel's settings come back when it ends
 * @min_order: 0 for every allocation; else only page allocations of that
 *	order or more, and no slab allocation that may sleep
 * @user_pages: user pages (__GFP_HIGHMEM) too
 *
 * By default failslab and fail_page_alloc leave alone the allocations
 * that may sleep and, for pages, those of order 0 and of user pages. This
 * lifts those filters and silences the report of each failure, as
 * Documentation/fault-injection/fault-injection.rst describes with the
 * debugfs files "ignore-gfp-wait", "ignore-gfp-highmem", "min-order" and
 * "verbose". The probability stays 0: only a task that asks with
 * amdgpu_svm_test_fail_nth() gets a failure, at that many allocations
 * from now.
 *
 * Return: true, or false if the kernel has no FAILSLAB, FAIL_PAGE_ALLOC
 * and FAULT_INJECTION_DEBUG_FS.
 */
bool amdgpu_svm_test_fail_alloc_enable(struct kunit *test,
				       unsigned int min_order, bool user_pages)
{
	struct fail_alloc_knobs *k;

	k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	k->slab_ignore_reclaim = fail_knob("failslab", "ignore-gfp-wait");
	k->slab_verbose = fail_knob("failslab", "verbose");
	k->page_ignore_reclaim = fail_knob("fail_page_alloc", "ignore-gfp-wait");
	k->page_ignore_highmem = fail_knob("fail_page_alloc",
					   "ignore-gfp-highmem");
	k->page_min_order = fail_knob("fail_page_alloc", "min-order");
	k->page_verbose = fail_knob("fail_page_alloc", "verbose");
	if (!k->slab_ignore_reclaim || !k->slab_verbose ||
	    !k->page_ignore_reclaim || !k->page_ignore_highmem ||
	    !k->page_min_order || !k->page_verbose)
		return false;

	k->slab_ignore_reclaim_was = *k->slab_ignore_reclaim;
	k->page_ignore_reclaim_was = *k->page_ignore_reclaim;
	k->page_ignore_highmem_was = *k->page_ignore_highmem;
	k->page_min_order_was = *k->page_min_order;
	k->slab_verbose_was = *k->slab_verbose;
	k->page_verbose_was = *k->page_verbose;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   fail_alloc_restore,
							   k));
	*k->slab_ignore_reclaim = min_order;
	*k->page_ignore_reclaim = false;
	*k->page_ignore_highmem = !user_pages;
	*k->page_min_order = min_order;
	*k->slab_verbose = 0;
	*k->page_verbose = 0;
	return true;
}
#else
bool amdgpu_svm_test_fail_alloc_enable(struct kunit *test,
				       unsigned int min_order, bool user_pages)
{
	return false;
}
#endif

/**
 * amdgpu_svm_test_vram_wait_frees() - wait for VRAM of user buffers to be freed
 * @vram: the VRAM
 * @n: resources freed since the device was made to wait for
 *
 * Buffer objects are put from a worker and TTM may delete them later
 * still; this waits (at most two seconds) until @n were freed.
 *
 * Context: process context.
 * Return: the number freed.
 */
int amdgpu_svm_test_vram_wait_frees(struct amdgpu_svm_test_vram *vram, int n)
{
	struct amdgpu_svm_sim *sim = vram->tdev->sim;
	int i;

	for (i = 0; i < 100 && atomic_read(&sim->vram_user_frees) < n; i++)
		msleep(20);
	return atomic_read(&sim->vram_user_frees);
}

/**
 * amdgpu_svm_test_vram_fragment() - leave only small holes of free VRAM
 * @vram: the VRAM
 * @hole: bytes of each hole, a power of two
 *
 * Reserves every other @hole bytes of VRAM in amdgpu's VRAM manager, as
 * it reserves bad pages (a range in use is reserved once it is freed): an
 * allocation then gets runs of @hole bytes with reserved VRAM between
 * them. Nothing is evicted for it; the reservations last as long as the
 * device.
 *
 * Context: process context (a KUnit test).
 */
void amdgpu_svm_test_vram_fragment(struct amdgpu_svm_test_vram *vram, u64 hole)
{
	struct amdgpu_device *adev = vram->tdev->adev;
	u64 start;

	for (start = hole; start < vram->tdev->sim->vram_size; start += 2 * hole)
		KUNIT_ASSERT_EQ(vram->tdev->test, 0,
				amdgpu_vram_mgr_reserve_range(&adev->mman.vram_mgr,
							      start, hole));
}

/**
 * amdgpu_svm_test_vram_poison() - fill the free VRAM with a byte
 * @vram: the VRAM
 * @byte: the byte
 *
 * Every VRAM page no TTM resource holds gets @byte in each of its bytes,
 * as VRAM holds what its last owner left: a page the driver hands to a
 * process without writing it shows @byte. Call it while nothing allocates.
 *
 * Context: process context (a KUnit test).
 * Return: the pages filled.
 */
unsigned long amdgpu_svm_test_vram_poison(struct amdgpu_svm_test_vram *vram,
					  u8 byte)
{
	struct amdgpu_svm_sim *sim = vram->tdev->sim;
	unsigned long i, filled = 0;
	bool live;

	for (i = 0; i < sim->vram_size >> PAGE_SHIFT; i++) {
		spin_lock_irq(&sim->vram_lock);
		live = test_bit(i, sim->vram_live);
		spin_unlock_irq(&sim->vram_lock);
		if (live)
			continue;
		memset_page(sim->vram_pages[i], 0, byte, PAGE_SIZE);
		filled++;
	}
	return filled;
}

/**
 * amdgpu_svm_test_vram_bo() - the buffer object behind a GPU mapping
 * @vram: the VRAM
 * @addr: a CPU address the GPU maps to VRAM
 *
 * Context: process context.
 * Return: the SVM buffer object that holds the VRAM, or NULL.
 */
struct amdgpu_bo *amdgpu_svm_test_vram_bo(struct amdgpu_svm_test_vram *vram,
					  unsigned long addr)
{
	struct amdgpu_device *adev = vram->tdev->adev;
	struct amdgpu_vram_mgr *mgr = &adev->mman.vram_mgr;
	struct amdgpu_vram_mgr_resource *vres;
	struct amdgpu_svm_test_pte pte;
	struct amdgpu_res_cursor cur;
	struct amdgpu_bo *bo = NULL;
	u64 offset;

	if (!amdgpu_svm_test_gpu_pte(vram->tdev, addr, &pte) ||
	    (pte.flags & AMDGPU_PTE_SYSTEM))
		return NULL;
	offset = pte.addr - adev->vm_manager.vram_base_offset;
	mutex_lock(&mgr->lock);
	list_for_each_entry(vres, &mgr->allocated_vres_list, vres_node) {
		if (!vres->base.bo || vres->base.bo->type != ttm_bo_type_device)
			continue;
		for (amdgpu_res_first(&vres->base, 0, vres->base.size, &cur);
		     cur.remaining; amdgpu_res_next(&cur, cur.size))
			if (offset >= cur.start && offset < cur.start + cur.size)
				bo = ttm_to_amdgpu_bo(vres->base.bo);
	}
	mutex_unlock(&mgr->lock);
	return bo;
}

static void amdgpu_svm_test_vram_release(void *data)
{
	struct amdgpu_svm_test_dev *tdev = data;
	struct amdgpu_svm_test_vram *vram = tdev->vram;

	/* What unbind does: every device page back, the registration gone. */
	amdgpu_migrate_fini(tdev->adev);
	WRITE_ONCE(tdev->sim->sdma.copy_hook, NULL);
	WRITE_ONCE(tdev->sim->sdma.fill_delay_ms, 0);
	KUNIT_EXPECT_EQ(tdev->test, amdgpu_svm_test_vram_used(vram), 0);
	tdev->vram = NULL;
}

/* Register the device's VRAM for migrations, as its first SVM would. */
static void test_vram_create(struct amdgpu_svm_test_dev *tdev)
{
	struct kunit *test = tdev->test;
	struct amdgpu_device *adev = tdev->adev;
	struct amdgpu_svm_test_vram *vram;

	vram = kunit_kzalloc(test, sizeof(*vram), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vram);
	vram->tdev = tdev;
	tdev->vram = vram;

	/* Copies run on the SDMA model; the hook watches the migrations. */
	tdev->sim->sdma.copy_hook_data = tdev;
	WRITE_ONCE(tdev->sim->sdma.copy_hook, test_copy_hook);

	/* Registered now, as the first SVM would. */
	adev->svm_migrate_off = false;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_migrate_init(adev));
	KUNIT_ASSERT_NOT_NULL(test, amdgpu_svm_test_migrate(tdev));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   amdgpu_svm_test_vram_release,
							   tdev));
}

/**
 * amdgpu_svm_test_dev_create_with_vram() - a device that migrates
 * @test: the test; the device lives until it ends
 * @xnack_on: whether the device runs with recoverable page faults
 * @size: bytes of VRAM for migrations, a multiple of 2 MiB
 *
 * As amdgpu_svm_test_dev_create(), with @size bytes more VRAM, registered
 * with amdgpu_migrate_init(); when the test ends, amdgpu_migrate_fini()
 * undoes it as at unbind. amdgpu's VRAM manager keeps its reserve for
 * page tables (8 MiB) out of the reach of user buffers.
 *
 * Context: process context (a KUnit test).
 * Return: the device, with @vram set; the test is aborted on failure.
 */
struct amdgpu_svm_test_dev *
amdgpu_svm_test_dev_create_with_vram(struct kunit *test, bool xnack_on,
				     u64 size)
{
	return amdgpu_svm_test_dev_create_in_hive(test, xnack_on, size, NULL);
}

/**
 * amdgpu_svm_test_dev_create_in_hive() - one of several GPUs of a test
 * @test: the test; the device lives until it ends
 * @xnack_on: whether the device runs with recoverable page faults
 * @size: bytes of VRAM for migrations, a multiple of 2 MiB
 * @hive: the XGMI hive the GPU is in, or NULL for none
 *
 * As amdgpu_svm_test_dev_create_with_vram(). A test may make several
 * devices, each with its own simulated hardware, VRAM and VRAM
 * registration; the test's process opens a file of each, so their SVMs
 * mirror the same address space, as ROCr opens one render node per GPU.
 * GPUs of one hive reach each other's VRAM at their nodes' segments
 * (amdgpu_svm_sim_hive_vram_page()).
 *
 * Context: process context (a KUnit test).
 * Return: the device, with @vram set; the test is aborted on failure.
 */
struct amdgpu_svm_test_dev *
amdgpu_svm_test_dev_create_in_hive(struct kunit *test, bool xnack_on, u64 size,
				   const struct amdgpu_svm_sim_hive *hive)
{
	struct amdgpu_svm_test_dev *tdev;

	tdev = test_dev_create(test, xnack_on, AMDGPU_SVM_SIM_VRAM_SIZE + size,
			       hive);
	test_vram_create(tdev);
	return tdev;
}

/**
 * amdgpu_svm_test_open_file() - the calling process opens the device's file
 * @tdev: the device; its VM has no SVM yet
 *
 * Stands for a process that opened the render node itself: the VM now
 * belongs to the calling process, whose address space its SVM will
 * mirror, as amdgpu_vm_init() records it for the opener
 * (amdgpu_svm_vm_init()).
 *
 * Context: process context, in the process that is to own the file.
 */
void amdgpu_svm_test_open_file(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_vm *vm = &tdev->fpriv->vm;

	if (WARN_ON(vm->svm))
		return;
	if (vm->svm_owner)
		mmdrop(vm->svm_owner);
	amdgpu_svm_vm_init(vm);
}

#if IS_BUILTIN(CONFIG_DRM_AMDGPU)
static void test_thaw_queues(void *unused)
{
	thaw_workqueues();
}
#endif

/**
 * amdgpu_svm_test_freeze_queues() - freeze the freezable workqueues, as
 *	suspend does before it suspends devices
 * @test: the test; the queues thaw when it ends, or earlier with
 *	amdgpu_svm_test_thaw_queues()
 *
 * Skips the test where amdgpu is a module: the freezer's calls are not
 * exported.
 *
 * Context: process context (a KUnit test).
 */
void amdgpu_svm_test_freeze_queues(struct kunit *test)
{
#if IS_BUILTIN(CONFIG_DRM_AMDGPU)
	freeze_workqueues_begin();
	while (freeze_workqueues_busy())
		msleep(20);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   test_thaw_queues,
							   NULL));
#else
	kunit_skip(test, "the freezer's calls are not exported to modules");
#endif
}

/**
 * amdgpu_svm_test_thaw_queues() - thaw what amdgpu_svm_test_freeze_queues()
 *	froze
 * @test: the test
 *
 * Context: process context (a KUnit test).
 */
void amdgpu_svm_test_thaw_queues(struct kunit *test)
{
#if IS_BUILTIN(CONFIG_DRM_AMDGPU)
	kunit_release_action(test, test_thaw_queues, NULL);
#endif
}

static int test_process_fn(void *data)
{
	struct amdgpu_svm_test_process *p = data;
	struct mm_struct *mm;

	/* The leaves of the simulated device are found through the test. */
	current->kunit_test = p->test;
	if (p->mm) {
		/* A thread of the test's process. */
		kthread_use_mm(p->mm);
		p->ret = p->fn(p->arg);
		kthread_unuse_mm(p->mm);
		mmput(p->mm);
	} else {
		p->ret = kunit_attach_mm();
	}
	if (!p->mm && !p->ret) {
		mm = current->mm;
		p->ret = p->fn(p->arg);
		/* Exit: the process's reference to its address space goes. */
		kthread_unuse_mm(mm);
		mmput(mm);
	}
	current->kunit_test = NULL;
	/* Done for every waiter, however many times they wait. */
	complete_all(&p->done);
	return 0;
}

/**
 * amdgpu_svm_test_process_start() - start @fn in a process of its own
 * @test: the test; the simulated device's leaves apply in the process
 * @fn: the body, run with a new address space of its own
 * @arg: for @fn
 *
 * A kernel thread gets a fresh address space, as a new process would, runs
 * @fn in it and drops its reference to it, as an exiting process does.
 * If that reference was the last, exit_mmap() and the MMU notifiers ran
 * before the process is done.
 *
 * Context: process context (a KUnit test).
 * Return: the process, to wait for with amdgpu_svm_test_process_wait().
 */
struct amdgpu_svm_test_process *
amdgpu_svm_test_process_start(struct kunit *test, int (*fn)(void *arg),
			      void *arg)
{
	struct amdgpu_svm_test_process *p;
	struct task_struct *task;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->test = test;
	p->fn = fn;
	p->arg = arg;
	init_completion(&p->done);
	task = kthread_run(test_process_fn, p, "amdgpu-svm-process");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	return p;
}

static void test_thread_wait(void *data)
{
	struct amdgpu_svm_test_process *p = data;

	wait_for_completion(&p->done);
	put_task_struct(p->task);
}

/**
 * amdgpu_svm_test_thread_start() - start @fn in a thread of the test's
 * process
 * @test: the test; the simulated device's leaves apply in the thread
 * @fn: the body, run in the test's address space
 * @arg: for @fn
 *
 * A kernel thread that uses the test's address space, as another thread of
 * the same process: its page faults and SVM calls meet the test's. The
 * test does not end before the thread did.
 *
 * Context: process context (a KUnit test with an address space).
 * Return: the thread, to wait for with amdgpu_svm_test_process_wait().
 */
struct amdgpu_svm_test_process *
amdgpu_svm_test_thread_start(struct kunit *test, int (*fn)(void *arg),
			     void *arg)
{
	struct amdgpu_svm_test_process *p;
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, current->mm);
	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->test = test;
	p->fn = fn;
	p->arg = arg;
	p->mm = current->mm;
	init_completion(&p->done);
	mmget(p->mm);
	task = kthread_create(test_process_fn, p, "amdgpu-svm-thread");
	if (IS_ERR(task)) {
		mmput(p->mm);
		KUNIT_FAIL_AND_ABORT(test, "no thread: %pe", task);
	}
	/* Referenced before it runs: it may be done and gone at once. */
	p->task = get_task_struct(task);
	wake_up_process(task);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   test_thread_wait,
							   p));
	return p;
}

/**
 * amdgpu_svm_test_thread_show() - print where a thread waits
 * @p: a thread from amdgpu_svm_test_thread_start()
 *
 * For a test that found the thread still running when it should have
 * been done: its stack in the log names what it waits for.
 */
void amdgpu_svm_test_thread_show(struct amdgpu_svm_test_process *p)
{
	if (!completion_done(&p->done))
		sched_show_task(p->task);
}

/**
 * amdgpu_svm_test_process_wait() - wait for a process to be done
 * @p: the process
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context.
 * Return: true if the process is done (its result in @p->ret).
 */
bool amdgpu_svm_test_process_wait(struct amdgpu_svm_test_process *p,
				  unsigned long timeout)
{
	if (timeout == MAX_SCHEDULE_TIMEOUT) {
		wait_for_completion(&p->done);
		return true;
	}
	return wait_for_completion_timeout(&p->done, timeout);
}

/**
 * amdgpu_svm_test_run_process() - run @fn in a process of its own, which
 * then exits
 * @test: the test; the simulated device's leaves apply in the process
 * @fn: the body, run with a new address space of its own
 * @arg: for @fn
 *
 * amdgpu_svm_test_process_start(), then wait for the process: exit_mmap()
 * and the MMU notifiers have run when this returns, unless somebody else
 * still holds the address space.
 *
 * Context: process context (a KUnit test).
 * Return: what @fn returned, or the error of making the address space.
 */
int amdgpu_svm_test_run_process(struct kunit *test, int (*fn)(void *arg),
				void *arg)
{
	struct amdgpu_svm_test_process *p;

	p = amdgpu_svm_test_process_start(test, fn, arg);
	amdgpu_svm_test_process_wait(p, MAX_SCHEDULE_TIMEOUT);
	return p->ret;
}

/**
 * amdgpu_svm_test_user_buffer() - user memory with a pattern in every page
 * @test: the test; its user address space gets the mapping
 * @size: bytes, page aligned
 * @seed: the first word of page i is @seed ^ i
 *
 * Context: process context (a KUnit test).
 * Return: the address of the private anonymous read/write mapping.
 */
unsigned long amdgpu_svm_test_user_buffer(struct kunit *test, size_t size,
					  u32 seed)
{
	unsigned long addr, off;

	addr = kunit_vm_mmap(test, NULL, 0, size, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, addr && addr < TASK_SIZE);
	for (off = 0; off < size; off += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, 0, put_user(seed ^ (u32)(off >> PAGE_SHIFT),
						  (u32 __user *)(addr + off)));
	return addr;
}

/**
 * amdgpu_svm_test_scattered_buffer() - user memory of 4 KiB pages that are
 * no neighbours in memory
 * @test: the test; its user address space gets the mapping
 * @size: bytes, page aligned
 * @seed: the first word of page i is @seed ^ i
 * @runs: receives the number of runs of physically contiguous pages
 *
 * Huge pages are off for the mapping, and each page is faulted in turn
 * with a page of a second mapping, so that neighbours are seldom
 * neighbours in memory; a case checks @runs before it relies on that.
 *
 * Context: process context (a KUnit test).
 * Return: the 2 MiB-aligned address of the private anonymous mapping.
 */
unsigned long amdgpu_svm_test_scattered_buffer(struct kunit *test, size_t size,
					       u32 seed, unsigned long *runs)
{
	unsigned long map, buf, other, i, prev = 0;
	struct vm_area_struct *vma;
	struct page *page;

	map = kunit_vm_mmap(test, NULL, 0, size + SZ_2M, PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	other = kunit_vm_mmap(test, NULL, 0, size, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, map && map < TASK_SIZE);
	KUNIT_ASSERT_TRUE(test, other && other < TASK_SIZE);
	buf = ALIGN(map, SZ_2M);
	/* What madvise(MADV_NOHUGEPAGE) sets. */
	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, buf);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vm_flags_set(vma, VM_NOHUGEPAGE);
	mmap_write_unlock(current->mm);
	for (i = 0; i < size >> PAGE_SHIFT; i++) {
		KUNIT_ASSERT_EQ(test, 0, put_user(seed ^ (u32)i,
						  (u32 __user *)(buf + i * PAGE_SIZE)));
		KUNIT_ASSERT_EQ(test, 0, put_user(0, (u32 __user *)(other +
								   i * PAGE_SIZE)));
	}
	*runs = 0;
	for (i = 0; i < size >> PAGE_SHIFT; i++) {
		KUNIT_ASSERT_EQ(test, 1, get_user_pages_fast(buf + i * PAGE_SIZE,
							     1, 0, &page));
		*runs += !i || page_to_pfn(page) != prev + 1;
		prev = page_to_pfn(page);
		put_page(page);
	}
	return buf;
}

/**
 * amdgpu_svm_test_protect() - what mprotect() tells the MMU notifiers
 * @start: first byte
 * @end: end (exclusive)
 *
 * The notifiers of the test's address space see [@start, @end) change
 * protection; the pages and the VMA stay as they are.
 *
 * Context: process context (a KUnit test).
 */
void amdgpu_svm_test_protect(unsigned long start, unsigned long end)
{
	struct mmu_notifier_range range;

	mmap_read_lock(current->mm);
	mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_VMA, 0,
				current->mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	mmu_notifier_invalidate_range_end(&range);
	mmap_read_unlock(current->mm);
}

/**
 * amdgpu_svm_test_ioctl() - %DRM_IOCTL_AMDGPU_GEM_SVM as userspace calls it
 * @tdev: the device; its file is the one the call is made on
 * @op: the operation
 * @start: start address
 * @size: size in bytes
 * @attrs: the attribute array, copied to a user page first; may be NULL
 * @n: entries in @attrs
 *
 * Context: process context (a KUnit test).
 * Return: what the ioctl returned.
 */
int amdgpu_svm_test_ioctl(struct amdgpu_svm_test_dev *tdev, u32 op,
			  unsigned long start, size_t size,
			  const struct drm_amdgpu_svm_attribute *attrs, u32 n)
{
	struct drm_amdgpu_gem_svm args = {
		.start_addr = start, .size = size, .operation = op,
		.nattr = n, .attrs_ptr = tdev->attrs_page,
	};

	if (n)
		KUNIT_ASSERT_EQ(tdev->test, 0,
				copy_to_user((void __user *)tdev->attrs_page, attrs,
					     n * sizeof(*attrs)));
	return amdgpu_gem_svm_ioctl(tdev->drm, &args, tdev->file);
}

/* amdgpu's tracepoint for each buffer object made: who holds what? */
static void probe_bo_create(void *data, struct amdgpu_bo *bo)
{
	struct amdgpu_svm_test_bo_probe *p = data;

	atomic_inc(&p->created);
	/* Without lockdep, lockdep_is_held() must not be called at all. */
	if (IS_ENABLED(CONFIG_LOCKDEP) &&
	    lockdep_is_held(&p->svm->gpusvm.notifier_lock))
		atomic_inc(&p->under_notifier_lock);
}

/**
 * amdgpu_svm_test_fence_name() - the driver and timeline name of the
 *	fences the cases make
 * @fence: the fence
 *
 * Return: a constant name.
 */
const char *amdgpu_svm_test_fence_name(struct dma_fence *fence)
{
	return "amdgpu-svm-test";
}

/*
 * Fences a case makes and signals itself (standing for another driver's
 * work); freed with their last reference, as dma_fence_free() frees them.
 */
const struct dma_fence_ops amdgpu_svm_test_fence_ops = {
	.get_driver_name = amdgpu_svm_test_fence_name,
	.get_timeline_name = amdgpu_svm_test_fence_name,
};

/**
 * amdgpu_svm_test_vm_jobs() - page-table update jobs of the file's VM
 * @tdev: the device
 *
 * The jobs submitted so far on the VM's two scheduler entities (their
 * fence sequence): the SDMA jobs of page-table updates, the same count as
 * on hardware. CPU updates submit none.
 *
 * Context: any.
 * Return: the count.
 */
int amdgpu_svm_test_vm_jobs(struct amdgpu_svm_test_dev *tdev)
{
	struct amdgpu_vm *vm = &tdev->fpriv->vm;

	return atomic_read(&vm->immediate.fence_seq) +
	       atomic_read(&vm->delayed.fence_seq);
}

/**
 * amdgpu_svm_test_bo_probe_start() - count the buffer objects amdgpu makes
 * @test: the test
 * @p: the probe
 * @svm: the SVM whose notifier lock the probe looks at
 *
 * Until amdgpu_svm_test_bo_probe_stop(), each buffer object made (a page
 * table among them) is counted, and counted again if the thread that made
 * it held @svm's notifier lock. Only lockdep knows who holds a lock: the
 * case is skipped in a kernel without it (the benchmark's production
 * kernel).
 *
 * Context: process context (a KUnit test).
 */
void amdgpu_svm_test_bo_probe_start(struct kunit *test,
				    struct amdgpu_svm_test_bo_probe *p,
				    struct amdgpu_svm *svm)
{
	if (!IS_ENABLED(CONFIG_LOCKDEP))
		kunit_skip(test, "needs lockdep to see who holds the notifier lock");
	p->svm = svm;
	atomic_set(&p->created, 0);
	atomic_set(&p->under_notifier_lock, 0);
	KUNIT_ASSERT_EQ(test, 0,
			register_trace_amdgpu_bo_create(probe_bo_create, p));
}

/**
 * amdgpu_svm_test_bo_probe_stop() - stop counting
 * @p: the probe amdgpu_svm_test_bo_probe_start() started
 *
 * Context: process context (a KUnit test).
 */
void amdgpu_svm_test_bo_probe_stop(struct amdgpu_svm_test_bo_probe *p)
{
	unregister_trace_amdgpu_bo_create(probe_bo_create, p);
	tracepoint_synchronize_unregister();
}

/**
 * amdgpu_svm_test_gem_va() - map a new buffer into the file's VM as
 *	userspace maps GEM buffers
 * @tdev: the device
 * @op: %AMDGPU_VA_OP_MAP, %AMDGPU_VA_OP_REPLACE or %AMDGPU_VA_OP_CLEAR
 * @va: GPU address, page aligned
 * @size: bytes, page aligned
 *
 * A GTT buffer object of @size is made with %DRM_IOCTL_AMDGPU_GEM_CREATE
 * on the device's file and mapped at @va, readable and writeable, with
 * %DRM_IOCTL_AMDGPU_GEM_VA, which writes its PTEs (waited for here). The
 * buffer lives until the file closes, when the test ends. With
 * %AMDGPU_VA_OP_CLEAR no buffer is made: every mapping in [@va, @va +
 * @size) goes, and its PTEs are cleared.
 *
 * Context: process context (a KUnit test).
 * Return: what GEM_VA returned.
 */
int amdgpu_svm_test_gem_va(struct amdgpu_svm_test_dev *tdev, u32 op, u64 va,
			   u64 size)
{
	union drm_amdgpu_gem_create create = {
		.in.bo_size = size,
		.in.alignment = PAGE_SIZE,
		.in.domains = AMDGPU_GEM_DOMAIN_GTT,
	};
	struct drm_amdgpu_gem_va args = {
		.operation = op,
		.flags = AMDGPU_VM_PAGE_READABLE | AMDGPU_VM_PAGE_WRITEABLE,
		.va_address = va,
		.map_size = size,
	};

	int ret;

	if (op != AMDGPU_VA_OP_CLEAR) {
		KUNIT_ASSERT_EQ(tdev->test, 0,
				amdgpu_gem_create_ioctl(tdev->drm, &create,
							tdev->file));
		args.handle = create.out.handle;
	}
	ret = amdgpu_gem_va_ioctl(tdev->drm, &args, tdev->file);
	/* With SDMA page-table updates the PTEs land later: wait for them. */
	test_vm_idle(tdev);
	return ret;
}

/**
 * amdgpu_svm_test_attr_dump() - an attribute tree as text
 * @test: the test; the text is freed when it ends
 * @tree: the tree
 *
 * One "[start-last] preferred/prefetch/access/granularity/flags" item per
 * node, so that two dumps compare equal exactly when the trees are equal.
 *
 * Context: process context; takes and releases @tree->lock.
 * Return: the text.
 */
char *amdgpu_svm_test_attr_dump(struct kunit *test,
				struct amdgpu_svm_attr_tree *tree)
{
	const size_t size = 8192;
	struct interval_tree_node *it;
	size_t len = 0;
	char *buf;

	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	mutex_lock(&tree->lock);
	for (it = interval_tree_iter_first(&tree->root, 0, ULONG_MAX); it;
	     it = interval_tree_iter_next(it, 0, ULONG_MAX)) {
		struct amdgpu_svm_attr_range *r =
			container_of(it, struct amdgpu_svm_attr_range, it);

		len += scnprintf(buf + len, size - len,
				 "[%lu-%lu] %x/%x/%u/%u/%x ", it->start,
				 it->last, r->attrs.preferred_loc,
				 r->attrs.prefetch_loc, r->attrs.access,
				 r->attrs.granularity, r->attrs.flags);
	}
	mutex_unlock(&tree->lock);
	return buf;
}
