// SPDX-License-Identifier: GPL-2.0 OR MIT

#include <linux/build_bug.h>
#include <linux/dma-resv.h>
#include <linux/interval_tree.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/stddef.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_file.h>

#include "amdgpu.h"
#include "amdgpu_migrate.h"
#include "amdgpu_svm.h"
#include "amdgpu_svm_range.h"

/**
 * DOC: amdgpu SVM
 *
 * Shared virtual memory lets a GPU VM use the CPU virtual addresses of the
 * process that opened the render node.  Userspace drives it with
 * %DRM_IOCTL_AMDGPU_GEM_SVM: it sets attributes on ranges of its address
 * space (where the pages should live, whether and how the GPU may access
 * them) and reads them back.
 *
 * Each &struct amdgpu_vm gets one &struct amdgpu_svm on the first call, for
 * the address space of the calling process.  A VM that KFD acquired (a
 * compute VM) is KFD's: its faults go to KFD's SVM, the ioctl answers
 * -EBUSY, and a VM with an SVM cannot be acquired by KFD (see
 * amdgpu_svm_get()).  The SVM is closed when that address space goes away
 * (the process exits before it closes its file, as every exiting process
 * does) or when the VM is torn down with the file, whichever comes first;
 * it is freed with its last reference.  The ioctl checks its arguments
 * completely before touching the SVM, so a call with bad input returns an
 * error and changes nothing.
 *
 * The layers, from the top: this file (the ioctl and the SVM object), the
 * attribute layer (amdgpu_svm_attr.c), which stores what userspace asked
 * for and reports what changed, and the range layer (amdgpu_svm_range.c),
 * which maps the address space into the GPU page tables through
 * drm_gpusvm.
 *
 * With XNACK off the GPU cannot fault, so a SET that grants access (or
 * changes how pages are mapped, or prefetches) maps the range at once.
 */

/**
 * DOC: Locking
 *
 * From the outside in:
 *
 * 1. &amdgpu_svm.lock, the SVM lock (a mutex): serialises the ioctl's
 *    mapping work, the garbage collector and teardown; drm_gpusvm checks
 *    it is held where it inserts and removes ranges.
 * 2. The process mmap lock: taken by drm_gpusvm itself (range insertion,
 *    hmm_range_fault) while the SVM lock is held; never held by amdgpu
 *    around drm_gpusvm calls.
 * 3. The VM reservation (root page directory): held while page tables are
 *    validated and allocated and PTEs written in the map path. Allocating
 *    a page table may evict an SVM buffer object, whose eviction runs the
 *    MMU notifier: page tables are allocated before the notifier lock is
 *    taken (see range_commit()).
 * 4. The drm_gpusvm notifier lock: read while the PTEs of a range are
 *    committed into page tables that exist, write in the MMU notifier
 *    callback. Nothing is allocated with reclaim under it (reclaim runs
 *    MMU notifiers): page tables are allocated and linked before it is
 *    taken, and the PTE update allocates under amdgpu's VM eviction lock,
 *    which disables reclaim, and its TLB callback without reclaim. The SVM
 *    does not disable reclaim itself around the update, as KFD's
 *    svm_range_lock() does.
 *
 * 5. amdgpu's notifier lock (&amdgpu_device.notifier_lock, a mutex):
 *    with XNACK off, taken under the drm_gpusvm notifier lock or the SVM
 *    lock to mark the VM's queues held, then dropped before the SVM waits
 *    for the VM's fences (amdgpu_svm_range_quiesce()); amdgpu_hmm's
 *    notifier takes it in the same context, and command submission checks
 *    the mark under it.
 *
 * The attribute tree's mutex is a leaf lock beside them. The MMU notifier
 * callback is entered with the mmap lock (or reclaim) above it and takes
 * only the notifier locks and the garbage collector's and the restore
 * worker's spinlocks, and with XNACK off waits for the VM's fences (the
 * user queues' suspend worker takes neither lock).  The mm release callback is entered with no lock
 * held (exit_mmap() calls it first) and closes the SVM, taking the SVM
 * lock like any other caller.
 *
 * So exit_mmap() must never run under the SVM lock, nor in a work item the
 * closing cancels. Whoever takes the SVM lock holds a reference to the
 * address space's users from before the lock until after it, so that the
 * references drm_gpusvm and drm_pagemap take and drop under it are never
 * the last: the ioctl is a thread of the process itself, a GPU fault takes
 * one with mmget_not_zero() (as KFD's svm_range_restore_pages() does),
 * and the restore worker drops its own with mmput_async(), as KFD's
 * deferred-list worker does.
 *
 * Lockdep checks this order: the map path asserts the SVM lock, drm_gpusvm
 * asserts the driver lock and the notifier lock where it needs them, and
 * the mmap lock and the notifier lock are annotated by the core mm
 * (fs_reclaim and the invalidate_range_start map cover "no allocation
 * with reclaim under the notifier lock").
 */

/* drm_gpusvm notifier granule and range sizes. */
#define SVM_NOTIFIER_SIZE	SZ_512M
static const unsigned long amdgpu_svm_chunk_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

/* The binary interface the ROCm clients speak: no padding, fixed offsets. */
static_assert(sizeof(struct drm_amdgpu_gem_svm) == 32);
static_assert(offsetof(struct drm_amdgpu_gem_svm, start_addr) == 0);
static_assert(offsetof(struct drm_amdgpu_gem_svm, size) == 8);
static_assert(offsetof(struct drm_amdgpu_gem_svm, operation) == 16);
static_assert(offsetof(struct drm_amdgpu_gem_svm, nattr) == 20);
static_assert(offsetof(struct drm_amdgpu_gem_svm, attrs_ptr) == 24);
static_assert(sizeof(struct drm_amdgpu_svm_attribute) == 8);
static_assert(offsetof(struct drm_amdgpu_svm_attribute, value) == 4);
static_assert(DRM_AMDGPU_GEM_SVM == 0x1B);

/**
 * amdgpu_svm_xnack_on() - does the GPU run with recoverable page faults?
 * @adev: the device
 *
 * With retry faults on ("XNACK on") the GPU can fault on an unmapped page
 * and have it mapped on demand; with them off every page the GPU may touch
 * must be mapped before it does.  The mode is per device, chosen at init
 * from the amdgpu.noretry parameter and the GC IP version.
 *
 * Context: any.
 * Return: true if XNACK is on.
 */
bool amdgpu_svm_xnack_on(struct amdgpu_device *adev)
{
	return !adev->gmc.noretry;
}

static void amdgpu_svm_gc_work(struct work_struct *work)
{
	struct amdgpu_svm *svm = container_of(work, struct amdgpu_svm, gc.work);

	mutex_lock(&svm->lock);
	amdgpu_svm_range_garbage_collect(svm);
	mutex_unlock(&svm->lock);
}

/*
 * Undo everything the SVM did to the GPU and the process: afterwards no
 * range, notifier or PTE of it is left; only its memory waits for the
 * last reference. Called when the VM goes away and when the process
 * address space does; the second call finds nothing to do.
 */
static void amdgpu_svm_close(struct amdgpu_svm *svm)
{
	/*
	 * The process may be tearing its address space down at the same time
	 * (its MMU notifier then reports UNMAP events): stop the notifier
	 * from queueing garbage before the collector is cancelled. A GPU
	 * fault that sees @closing under the SVM lock gives up.
	 */
	down_write(&svm->gpusvm.notifier_lock);
	WRITE_ONCE(svm->closing, true);
	up_write(&svm->gpusvm.notifier_lock);
	cancel_work_sync(&svm->gc.work);
	cancel_delayed_work_sync(&svm->restore.work);
	mutex_lock(&svm->lock);
	if (!svm->closed) {
		/*
		 * XNACK off: no queue may run while its PTEs go, as KFD's
		 * svm_range_evict() stops them before it unmaps. They run
		 * again afterwards: what they reach of the SVM is gone, as
		 * after munmap(). Under the lock: the VM's teardown and the
		 * process's exit may close at the same time.
		 */
		if (!svm->xnack_on)
			amdgpu_svm_range_quiesce(svm);
		amdgpu_svm_range_garbage_collect(svm);
		amdgpu_svm_range_unmap_all(svm);
		/* Removes every notifier and the ranges left in them. */
		drm_gpusvm_fini(&svm->gpusvm);
		svm->closed = true;
	}
	/* Nothing is left to restore; resume what is still stopped. */
	spin_lock(&svm->restore.lock);
	svm->restore.nspans = 0;
	spin_unlock(&svm->restore.lock);
	amdgpu_svm_range_resume(svm);
	mutex_unlock(&svm->lock);
}

/*
 * The process address space is being torn down (exit_mmap(), or the
 * unregistration below): nothing is left for the GPU to mirror.  Close
 * now rather than when the file is closed, so that no GPU PTE outlives
 * the pages and no worker runs on a dead address space.
 */
static void amdgpu_svm_mm_release(struct mmu_notifier *mn,
				  struct mm_struct *mm)
{
	amdgpu_svm_close(container_of(mn, struct amdgpu_svm, mm_notifier));
}

static const struct mmu_notifier_ops amdgpu_svm_mm_ops = {
	.release = amdgpu_svm_mm_release,
};

static struct amdgpu_svm *amdgpu_svm_create(struct amdgpu_device *adev,
					    struct amdgpu_vm *vm)
{
	struct amdgpu_svm *svm;
	u64 va_start, va_end;
	int ret;

	/*
	 * Only the process that opened the file mirrors its address space
	 * into the VM, as a KFD process is the one that opened /dev/kfd
	 * (kfd_create_process()): a child that inherited the file, or a
	 * process that received it, cannot bind the VM to itself.
	 */
	if (!current->mm || current->mm != vm->svm_owner)
		return ERR_PTR(-EPERM);

	/*
	 * The device's first SVM registers its VRAM for migration. A
	 * failure is logged there; this SVM then keeps its pages in system
	 * memory.
	 */
	amdgpu_migrate_init(adev);

	svm = kzalloc_obj(*svm);
	if (!svm)
		return ERR_PTR(-ENOMEM);
	kref_init(&svm->refcount);
	svm->adev = adev;
	svm->vm = vm;
	svm->xnack_on = amdgpu_svm_xnack_on(adev);
	mutex_init(&svm->lock);
	spin_lock_init(&svm->gc.lock);
	INIT_LIST_HEAD(&svm->gc.ranges);
	INIT_WORK(&svm->gc.work, amdgpu_svm_gc_work);
	spin_lock_init(&svm->restore.lock);
	spin_lock_init(&svm->stale.lock);
	INIT_DELAYED_WORK(&svm->restore.work, amdgpu_svm_range_restore_work);
	/* Short, so that a burst of invalidations is restored in one go. */
	svm->restore.delay = msecs_to_jiffies(1);
	svm->pt_gen = 1;
	svm->prefetch_gen = 1;
	amdgpu_svm_attr_tree_init(&svm->attrs, svm->xnack_on);
	svm->mapped = RB_ROOT_CACHED;

	/*
	 * Bounded by the GPU VM as well as the CPU's (xe passes its VM's
	 * size): a fault above it makes no range, nothing reaches
	 * amdgpu_vm_update_range() beyond max_pfn.
	 */
	amdgpu_svm_va_bounds(adev, &va_start, &va_end);
	ret = drm_gpusvm_init(&svm->gpusvm, "amdgpu SVM", current->mm, 0,
			      va_end, SVM_NOTIFIER_SIZE, &amdgpu_svm_range_ops,
			      amdgpu_svm_chunk_sizes,
			      ARRAY_SIZE(amdgpu_svm_chunk_sizes));
	if (ret)
		goto err_put;
	drm_gpusvm_driver_set_lock(&svm->gpusvm, &svm->lock);
	svm->mm = current->mm;

	/* Holds the mm_struct (not the address space) until unregistered. */
	svm->mm_notifier.ops = &amdgpu_svm_mm_ops;
	ret = mmu_notifier_register(&svm->mm_notifier, svm->mm);
	if (ret) {
		mutex_lock(&svm->lock);
		drm_gpusvm_fini(&svm->gpusvm);
		mutex_unlock(&svm->lock);
		goto err_put;
	}
	return svm;

err_put:
	/* The only reference: frees what amdgpu_svm_release() frees. */
	amdgpu_svm_put(svm);
	return ERR_PTR(ret);
}

static void amdgpu_svm_release(struct kref *kref)
{
	struct amdgpu_svm *svm = container_of(kref, struct amdgpu_svm, refcount);

	amdgpu_svm_attr_tree_fini(&svm->attrs);
	mutex_destroy(&svm->lock);
	kfree(svm);
}

/**
 * amdgpu_svm_put() - drop a reference to an SVM
 * @svm: the SVM
 *
 * Context: process context.
 */
void amdgpu_svm_put(struct amdgpu_svm *svm)
{
	kref_put(&svm->refcount, amdgpu_svm_release);
}

/**
 * amdgpu_svm_get_by_pasid() - the SVM of the VM a PASID names
 * @adev: the device the PASID was seen on
 * @pasid: the PASID
 *
 * Context: any; takes the PASID lock.
 * Return: the SVM with a reference (drop it with amdgpu_svm_put()), or
 * NULL if the VM has no SVM.
 */
struct amdgpu_svm *amdgpu_svm_get_by_pasid(struct amdgpu_device *adev,
					   u32 pasid)
{
	struct amdgpu_fpriv *fpriv;
	struct amdgpu_svm *svm = NULL;
	unsigned long flags;

	amdgpu_pasid_lock(&flags);
	fpriv = amdgpu_pasid_get_fpriv_locked(pasid);
	if (fpriv)
		svm = READ_ONCE(fpriv->vm.svm);
	if (svm && (svm->adev != adev || !kref_get_unless_zero(&svm->refcount)))
		svm = NULL;
	amdgpu_pasid_unlock(flags);
	return svm;
}

/* Close, stop watching the address space, drop the VM's reference. */
static void amdgpu_svm_destroy(struct amdgpu_svm *svm)
{
	amdgpu_svm_close(svm);
	/* Runs ->release if the address space still lives: closed already. */
	mmu_notifier_unregister(&svm->mm_notifier, svm->mm);
	amdgpu_svm_put(svm);
}

/*
 * The VM's SVM, created on first use; concurrent first calls race safely.
 *
 * A VM is served by one SVM implementation: this one, or KFD's once KFD
 * acquired the VM (AMDKFD_IOC_ACQUIRE_VM made it a compute VM). Both
 * would take the VM's retry faults, zap and write the same PTEs and
 * register the same VRAM as device memory. The SVM is published, and
 * amdgpu_vm_make_compute() checks for it, under the root reservation, so
 * exactly one of the two wins a race; KFD gets -EBUSY from that function
 * (its acquire fails), the ioctl gets -EBUSY here.
 */
static struct amdgpu_svm *amdgpu_svm_get(struct amdgpu_device *adev,
					 struct amdgpu_vm *vm)
{
	struct amdgpu_svm *svm, *old;
	int ret;

	/* Pairs with the smp_store_release() below: see a complete SVM. */
	svm = smp_load_acquire(&vm->svm);
	if (svm)
		return svm;
	/* A hint only; decided under the reservation below. */
	if (READ_ONCE(vm->is_compute_context))
		return ERR_PTR(-EBUSY);

	svm = amdgpu_svm_create(adev, vm);
	if (IS_ERR(svm))
		return svm;
	/* Uninterruptible: held by others only briefly, as here. */
	ret = amdgpu_bo_reserve(vm->root.bo, true);
	if (ret) {
		old = ERR_PTR(ret);
	} else {
		old = vm->is_compute_context ? ERR_PTR(-EBUSY) : vm->svm;
		if (!old) {
			/* Pairs with smp_load_acquire(): see above. */
			smp_store_release(&vm->svm, svm);
		}
		amdgpu_bo_unreserve(vm->root.bo);
	}
	if (old) {
		amdgpu_svm_destroy(svm);
		return old;
	}
	return svm;
}

/**
 * amdgpu_svm_vm_init() - remember who may give a new VM its SVM
 * @vm: the VM, being made by amdgpu_vm_init() for the file being opened
 *
 * The process opening the file owns the VM's SVM: its address space is
 * the only one the SVM will mirror. The mm_struct is held (not its users)
 * until the VM is torn down, so that it cannot be reused for another
 * process meanwhile.
 *
 * Context: process context, from amdgpu_driver_open_kms() through
 * amdgpu_vm_init(), in the opening process.
 */
void amdgpu_svm_vm_init(struct amdgpu_vm *vm)
{
	vm->svm_owner = current->mm;
	if (vm->svm_owner)
		mmgrab(vm->svm_owner);
}

/**
 * amdgpu_svm_vm_fini() - destroy the SVM of a VM being torn down
 * @vm: the VM
 *
 * Called from the file's release, before the user queues are shut down
 * (the SVM may schedule their restore until it is closed), and again
 * from amdgpu_vm_fini(), which then finds nothing to do; a VM that is no
 * file's (KFD's own) only has the second.
 *
 * Context: process context, from amdgpu_drm_release() or
 * amdgpu_vm_fini(); no ioctl on the VM's file runs any more. A GPU fault
 * still running holds its own reference; it finds the SVM closed.
 */
void amdgpu_svm_vm_fini(struct amdgpu_vm *vm)
{
	struct amdgpu_svm *svm = vm->svm;
	unsigned long flags;

	if (svm) {
		/* No new GPU fault finds it by PASID after this. */
		amdgpu_pasid_lock(&flags);
		WRITE_ONCE(vm->svm, NULL);
		amdgpu_pasid_unlock(flags);
		amdgpu_svm_destroy(svm);
	}
	if (vm->svm_owner) {
		mmdrop(vm->svm_owner);
		vm->svm_owner = NULL;
	}
}

/**
 * amdgpu_svm_va_bounds() - the addresses an SVM of @adev may mirror
 * @adev: the device
 * @start: the first byte
 * @end: the end, exclusive
 *
 * An SVM address is a CPU address and the same GPU address, so both must
 * hold it: inside the user address space, and inside the GPU VM as
 * amdgpu_gem_va_ioctl() checks a buffer mapping: above the reserved
 * bottom, below the VA hole (the user half on every CPU), below the
 * VM's size (max_pfn, which amdgpu.vm_size may make small) less the
 * areas reserved at its top (CSA, SEQ64, trap handler).
 */
void amdgpu_svm_va_bounds(struct amdgpu_device *adev, u64 *start, u64 *end)
{
	u64 vm_size = (u64)adev->vm_manager.max_pfn * AMDGPU_GPU_PAGE_SIZE;

	*start = AMDGPU_VA_RESERVED_BOTTOM;
	*end = min3((u64)TASK_SIZE, (u64)AMDGPU_GMC_HOLE_START,
		    vm_size - AMDGPU_VA_RESERVED_TOP);
	*end = PAGE_ALIGN_DOWN(*end);
}

/**
 * amdgpu_svm_va_in_use() - may a buffer be mapped at these GPU addresses?
 * @vm: the VM, its reservation held
 * @start: first byte
 * @size: bytes
 *
 * Not where the SVM mirrors the process: where userspace set SVM
 * attributes, or where the SVM has PTEs (a GPU fault or a SET mapped
 * them); the buffer's PTEs would replace the SVM's, and the SVM's next
 * invalidation would zap the buffer's. KFD refuses an allocation over its
 * SVM ranges the same way (kfd_ioctl_alloc_memory_of_gpu()). The SVM
 * checks the other way round under the same reservation
 * (amdgpu_svm_range_check_va() and the map path), so neither can slip in
 * after the other looked.
 *
 * Context: process context, from amdgpu_gem_va_ioctl() before it maps;
 * the VM reservation held; takes the attribute tree's lock and the
 * notifier lock.
 * Return: 0, or -EADDRINUSE.
 */
int amdgpu_svm_va_in_use(struct amdgpu_vm *vm, u64 start, u64 size)
{
	/* Pairs with amdgpu_svm_get(); the VM holds its SVM until fini. */
	struct amdgpu_svm *svm = smp_load_acquire(&vm->svm);
	unsigned long first, last;
	bool used;

	dma_resv_assert_held(vm->root.bo->tbo.base.resv);
	if (!svm || !size || READ_ONCE(svm->closing))
		return 0;
	first = start >> PAGE_SHIFT;
	last = (start + size - 1) >> PAGE_SHIFT;
	if (amdgpu_svm_attr_any(&svm->attrs, first, last))
		return -EADDRINUSE;
	drm_gpusvm_notifier_lock(&svm->gpusvm);
	used = interval_tree_iter_first(&svm->mapped, first, last);
	drm_gpusvm_notifier_unlock(&svm->gpusvm);
	if (used)
		return -EADDRINUSE;
	/*
	 * Where a range was mapped, its page tables stay; the buffer's unmap
	 * may free them (a clear above the leaves), so no range may count
	 * on tables it prepared before.
	 */
	svm->pt_gen++;
	return 0;
}

/**
 * amdgpu_svm_vm_validated() - clear the PTEs an eviction kept valid
 * @vm: the VM, whose page tables amdgpu_vm_validate() just brought back
 *
 * An MMU notifier that found the VM's page tables being evicted could
 * not clear their PTEs (amdgpu_vm_update_range() answers -EBUSY, and the
 * notifier cannot wait for an eviction that may never end before the
 * next command submission). The pages are gone; the PTEs moved with the
 * tables. They are cleared here, where every path that lets the VM run
 * again passes (command submission, KFD's restore, the SVM's own map)
 * and before any of them can, with the reservation held that keeps the
 * tables from being evicted again.
 *
 * Context: process context, from amdgpu_vm_validate(); the VM reservation
 * held; takes the notifier lock and may wait for the clear.
 * Return: 0, or the clear's error (the spans are kept for the next call).
 */
int amdgpu_svm_vm_validated(struct amdgpu_vm *vm)
{
	/* Pairs with amdgpu_svm_get(); the VM holds its SVM until fini. */
	struct amdgpu_svm *svm = smp_load_acquire(&vm->svm);

	dma_resv_assert_held(vm->root.bo->tbo.base.resv);
	if (!svm)
		return 0;
	return amdgpu_svm_range_clear_stale(svm);
}

/**
 * amdgpu_svm_vm_held() - XNACK off: must work on the VM wait for the SVM?
 * @vm: the VM
 *
 * From the moment an invalidation (or a SET) stops the VM's queues until
 * the SVM mapped again what it took, nothing may start on the VM: with
 * XNACK off a GPU access to an address whose PTE is gone is a fatal
 * fault. amdgpu_cs_submit() refuses a submission then (-EAGAIN, as for
 * an invalidated userptr BO; libdrm restarts the ioctl), and the user
 * queues' restore leaves them stopped; the SVM restarts them when done
 * (amdgpu_svm_gpu_resume()). A submission checks under adev->notifier_lock,
 * and the user queues' restore under its mutex right before it maps them
 * (amdgpu_userq_restore_all()): see amdgpu_svm_range_quiesce() for why
 * that closes each race.
 *
 * Context: any context; the caller keeps the VM alive. Takes a spinlock.
 * Return: true while the VM's queues are held for the SVM.
 */
bool amdgpu_svm_vm_held(struct amdgpu_vm *vm)
{
	/* Pairs with amdgpu_svm_get(); the VM holds its SVM until fini. */
	struct amdgpu_svm *svm = smp_load_acquire(&vm->svm);

	return svm && !svm->xnack_on && amdgpu_svm_range_held(svm);
}

/**
 * amdgpu_svm_vm_restore_now() - XNACK off: map again now what the restore
 *	worker would map later
 * @vm: the VM
 *
 * A command submission calls this before it locks anything, as it gets a
 * userptr BO's pages first, so that amdgpu_svm_vm_held() does not refuse
 * it again and again for the worker's delay.
 *
 * Context: process context; no lock held. Waits for the restore worker.
 */
void amdgpu_svm_vm_restore_now(struct amdgpu_vm *vm)
{
	/* Pairs with amdgpu_svm_get(); the VM holds its SVM until fini. */
	struct amdgpu_svm *svm = smp_load_acquire(&vm->svm);

	if (!amdgpu_svm_vm_held(vm))
		return;
	/* The worker's own queue, freezable; closing cancels it. */
	mod_delayed_work(system_freezable_wq, &svm->restore.work, 0);
	flush_delayed_work(&svm->restore.work);
}

/* A page-aligned, non-empty range the SVM may mirror. */
static int amdgpu_svm_check_range(struct amdgpu_device *adev, u64 start,
				  u64 size)
{
	u64 lo, hi;

	if (!size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size))
		return -EINVAL;
	amdgpu_svm_va_bounds(adev, &lo, &hi);
	if (start < lo || start + size < start || start + size > hi)
		return -EINVAL;
	return 0;
}

/*
 * The map a SET makes. One whose memory another thread kept unmapping
 * under it (-EFAULT, after the map's retries) lost to invalidations, as
 * one that lost for drm_gpusvm's whole timeout (-EBUSY): a SET over
 * memory that cannot be mirrored failed before it changed anything.
 * XNACK on, such a map is left to the GPU's faults: KFD's
 * svm_range_set_attr() maps nothing for a prefetch with XNACK on at all.
 */
static int set_map(struct amdgpu_svm *svm, unsigned long start,
		   unsigned long end, enum amdgpu_svm_trigger trigger)
{
	int err = amdgpu_svm_range_map(svm, start, end, trigger);

	if (err == -EFAULT)
		err = -EBUSY;
	if (err == -EBUSY && svm->xnack_on)
		err = 0;
	return err;
}

/*
 * Bring the GPU mappings in line with a SET or RESET, per changed
 * sub-range:
 *
 * - a range that reaches outside the sub-range no longer has uniform
 *   attributes: it is removed, to be rebuilt on both sides;
 * - where the access or the PTE flags changed, every range is removed:
 *   an inaccessible range must not stay mapped, and new flags need new
 *   PTEs;
 * - with XNACK off, the GPU cannot fault: what was removed and what a
 *   SET granted access to, changed or prefetched is mapped again now
 *   (inaccessible parts are skipped). KFD splits its ranges and remaps
 *   them in place; drm_gpusvm ranges do not split, so a changed range is
 *   removed and made again, and the queues are stopped from before its
 *   PTEs go until the new ones landed, as KFD's svm_range_evict() stops
 *   them before any unmap. What cannot be mapped now is left to the
 *   restore worker, the queues still stopped. With XNACK on, faults map
 *   on demand;
 * - a prefetch (a SET with PREFETCH_LOC, in either mode) maps its span
 *   now, and the migration policy moves the pages first.
 */
static int amdgpu_svm_apply_changes(struct amdgpu_svm *svm,
				    const struct amdgpu_svm_attr_changes *changes)
{
	const u32 rebuild = AMDGPU_SVM_ATTR_TRIGGER_ACCESS |
			    AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS;
	bool quiesced = false;
	unsigned int i;
	int ret = 0;

	lockdep_assert_held(&svm->lock);

	for (i = 0; i < changes->count; i++) {
		const struct amdgpu_svm_attr_change *c = &changes->entries[i];
		unsigned long start = c->start << PAGE_SHIFT;
		unsigned long end = (c->last + 1) << PAGE_SHIFT;
		unsigned long map_start = ULONG_MAX, map_end = 0;

		bool prefetch = c->triggers & AMDGPU_SVM_ATTR_TRIGGER_PREFETCH;
		bool all = c->triggers & rebuild;

		/*
		 * XNACK off: stop the queues before a mapped range goes: all
		 * of those in the span, or those reaching across its ends.
		 */
		if (!svm->xnack_on && !quiesced &&
		    (all ? amdgpu_svm_range_mapped_in(svm, c->start, c->last) :
		     amdgpu_svm_range_mapped_in(svm, c->start ? c->start - 1 : 0,
						c->start) ||
		     amdgpu_svm_range_mapped_in(svm, c->last, c->last + 1))) {
			amdgpu_svm_range_quiesce(svm);
			quiesced = true;
		}
		amdgpu_svm_range_remove_span(svm, start, end,
					     !(c->triggers & rebuild),
					     &map_start, &map_end);
		/* With XNACK on only a prefetch acts now; faults do the rest. */
		if (svm->xnack_on && !prefetch)
			continue;
		if (svm->xnack_on) {
			/* Removed ranges come back on the next fault. */
			map_start = ULONG_MAX;
			map_end = 0;
		}
		/* A prefetch moves pages even where the GPU has no access. */
		if (prefetch || (c->new.access != AMDGPU_SVM_ACCESS_INACCESSIBLE &&
				 (c->triggers & rebuild))) {
			map_start = min(map_start, start);
			map_end = max(map_end, end);
		}
		if (map_start < map_end) {
			int err = set_map(svm, map_start, map_end,
					  prefetch ? AMDGPU_SVM_TRIGGER_PREFETCH :
						     AMDGPU_SVM_TRIGGER_MAP);

			/*
			 * Another owner's memory fails only its own ranges,
			 * mapped again once that owner lets go of it (see
			 * amdgpu_svm_range_map()): go on with the rest.
			 */
			if (err == -EOPNOTSUPP) {
				ret = ret ?: err;
			} else if (err) {
				/* What went must come back before they run. */
				if (quiesced)
					amdgpu_svm_range_restore_add(svm,
								     map_start,
								     map_end);
				ret = err;
				break;
			}
		}
	}
	if (quiesced)
		amdgpu_svm_range_resume(svm);
	return ret;
}

/* The access a checked SET array gives (the last entry wins), or NULL. */
static const u32 *set_access(const struct drm_amdgpu_svm_attribute *attrs,
			     u32 nattr)
{
	const u32 *access = NULL;
	u32 i;

	for (i = 0; i < nattr; i++)
		if (attrs[i].type == AMDGPU_SVM_ATTR_ACCESS)
			access = &attrs[i].value;
	return access;
}

/**
 * amdgpu_gem_svm_ioctl() - %DRM_IOCTL_AMDGPU_GEM_SVM
 * @dev: the DRM device
 * @data: the &struct drm_amdgpu_gem_svm, copied in (and back out) by the
 *	DRM core
 * @filp: the DRM file, whose VM the call acts on
 *
 * Checks the range, the operation and, for SET and GET, the attribute
 * array before anything else; then sets, reads back or resets the
 * attributes of [start_addr, start_addr + size).
 *
 * Context: process context; may sleep.
 * Return: 0 on success, -EINVAL for invalid arguments, -EFAULT if the
 * attribute array cannot be read or written back, -EPERM if the caller is
 * not the process that opened the file, -EINTR if a fatal signal came
 * while SET or RESET waited for another call, -ENOSPC if a SET would leave
 * more than %AMDGPU_SVM_ATTR_MAX_NODES attribute ranges, -EADDRINUSE if a
 * SET covers a buffer mapping of the VM, -EFAULT if it covers a device
 * mapping (%VM_IO, %VM_PFNMAP, %VM_MIXEDMAP), -ENOMEM (with XNACK off
 * also if what a SET would keep resident exceeds the system memory limit,
 * see amdgpu_svm_range_prepare_set()), -EOPNOTSUPP if the mapping a SET
 * makes with XNACK off, or a prefetch, covers device memory of another
 * owner (every other range is mapped, the attributes are set), -EBUSY if
 * that mapping kept losing to changes of the memory (the attributes are
 * set; with XNACK on the GPU's faults map it and the call returns 0).
 */
int amdgpu_gem_svm_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *filp)
{
	struct amdgpu_device *adev = drm_to_adev(dev);
	struct amdgpu_fpriv *fpriv = filp->driver_priv;
	struct drm_amdgpu_gem_svm *args = data;
	struct drm_amdgpu_svm_attribute *attrs = NULL;
	struct amdgpu_svm_attr_changes changes = {};
	unsigned long start, last;
	struct amdgpu_svm *svm;
	int ret;

	ret = amdgpu_svm_check_range(adev, args->start_addr, args->size);
	if (ret)
		return ret;
	start = args->start_addr >> PAGE_SHIFT;
	last = start + (args->size >> PAGE_SHIFT) - 1;

	switch (args->operation) {
	case AMDGPU_SVM_OP_SET_ATTR:
	case AMDGPU_SVM_OP_GET_ATTR:
		if (!args->nattr || args->nattr > AMDGPU_SVM_MAX_ATTRS ||
		    !args->attrs_ptr)
			return -EINVAL;
		attrs = memdup_array_user(u64_to_user_ptr(args->attrs_ptr),
					  args->nattr, sizeof(*attrs));
		if (IS_ERR(attrs))
			return PTR_ERR(attrs);
		ret = amdgpu_svm_attr_check(attrs, args->nattr,
					    args->operation == AMDGPU_SVM_OP_SET_ATTR);
		if (ret)
			goto out_free;
		break;
	case AMDGPU_SVM_OP_RESET_ATTR:
		/* nattr and attrs_ptr are ignored, as documented. */
		break;
	default:
		return -EINVAL;
	}

	svm = amdgpu_svm_get(adev, &fpriv->vm);
	if (IS_ERR(svm)) {
		ret = PTR_ERR(svm);
		goto out_free;
	}

	if (svm->mm != current->mm) {
		/* The SVM mirrors the address space of the file's opener. */
		ret = -EPERM;
		goto out_free;
	}

	switch (args->operation) {
	case AMDGPU_SVM_OP_SET_ATTR:
		/*
		 * A caller waiting behind a long operation (a prefetch) can be
		 * killed, as xe_vm_bind_ioctl() waits for its VM lock.
		 */
		ret = mutex_lock_killable(&svm->lock);
		if (ret)
			break;
		ret = amdgpu_svm_range_check_va(svm, args->start_addr,
						args->start_addr + args->size);
		if (!ret)
			ret = amdgpu_svm_range_prepare_set(svm, args->start_addr,
							   args->start_addr +
							   args->size,
							   set_access(attrs,
								      args->nattr));
		if (!ret)
			ret = amdgpu_svm_attr_set(&svm->attrs, start, last, attrs,
						  args->nattr, &changes);
		if (!ret)
			ret = amdgpu_svm_apply_changes(svm, &changes);
		/*
		 * XNACK off: the GPU cannot fault, so a SET maps every
		 * accessible page of its span, changed or not (memory mapped
		 * at an address since its last SET, say), as KFD's
		 * svm_range_set_attr() validates and maps every range of its
		 * span. Ranges mapped already are left as they are.
		 */
		if (!ret && !svm->xnack_on)
			ret = set_map(svm, args->start_addr,
				      args->start_addr + args->size,
				      AMDGPU_SVM_TRIGGER_MAP);
		amdgpu_svm_range_reserve_end(svm);
		mutex_unlock(&svm->lock);
		amdgpu_svm_attr_changes_free(&changes);
		break;
	case AMDGPU_SVM_OP_GET_ATTR:
		ret = amdgpu_svm_attr_get(&svm->attrs, start, last, attrs,
					  args->nattr);
		if (!ret && copy_to_user(u64_to_user_ptr(args->attrs_ptr), attrs,
					 array_size(args->nattr, sizeof(*attrs))))
			ret = -EFAULT;
		break;
	case AMDGPU_SVM_OP_RESET_ATTR:
		ret = mutex_lock_killable(&svm->lock);
		if (ret)
			break;
		ret = amdgpu_svm_attr_reset(&svm->attrs, start, last, &changes);
		if (!ret)
			ret = amdgpu_svm_apply_changes(svm, &changes);
		mutex_unlock(&svm->lock);
		amdgpu_svm_attr_changes_free(&changes);
		break;
	}

out_free:
	kfree(attrs);
	return ret;
}
