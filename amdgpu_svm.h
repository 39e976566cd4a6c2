/* SPDX-License-Identifier: GPL-2.0 OR MIT */

#ifndef __AMDGPU_SVM_H__
#define __AMDGPU_SVM_H__

#include <linux/errno.h>
#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <drm/drm_gpusvm.h>

#include "amdgpu_svm_attr.h"

struct amdgpu_device;
struct amdgpu_vm;
struct drm_device;
struct drm_file;

/* Disjoint spans the restore worker and the stale PTEs keep apart. */
#define AMDGPU_SVM_RESTORE_SPANS	8

/**
 * struct amdgpu_svm_span - a span of addresses
 */
struct amdgpu_svm_span {
	/** @start: first byte */
	unsigned long start;
	/** @end: end (exclusive) */
	unsigned long end;
};

/**
 * struct amdgpu_svm - shared virtual memory of one GPU VM
 *
 * Created by the first %DRM_IOCTL_AMDGPU_GEM_SVM call on the VM's file, for
 * the address space of the process that opened the file
 * (&amdgpu_vm.svm_owner); only that process may, and not on a VM that KFD
 * acquired.
 * Closed when that address space goes away or when the VM is
 * torn down (amdgpu_svm_vm_fini()), whichever comes first; freed with the
 * last reference. &amdgpu_vm.svm points to it once it is complete.
 */
struct amdgpu_svm {
	/** @gpusvm: the drm_gpusvm mirroring the process address space */
	struct drm_gpusvm gpusvm;
	/**
	 * @refcount: the VM holds one reference until it is torn down; a
	 * GPU fault holds one while it is handled
	 */
	struct kref refcount;
	/**
	 * @lock: the SVM lock; serialises mapping, unmapping and garbage
	 * collection (the drm_gpusvm driver lock). Taken before the mmap
	 * lock, the VM reservation and the notifier lock.
	 */
	struct mutex lock;
	/** @adev: the device */
	struct amdgpu_device *adev;
	/** @vm: the GPU VM this SVM belongs to */
	struct amdgpu_vm *vm;
	/** @mm: the address space mirrored; the mm_struct is held, not its users */
	struct mm_struct *mm;
	/** @mm_notifier: closes the SVM when @mm is torn down */
	struct mmu_notifier mm_notifier;
	/** @xnack_on: the GPU runs with recoverable page faults */
	bool xnack_on;
	/** @attrs: the attributes userspace set, see amdgpu_svm_attr.c */
	struct amdgpu_svm_attr_tree attrs;
	/**
	 * @pt_gen: the generation of the VM's page tables as the ranges see
	 * them: bumped whenever a buffer may be mapped into the VM, whose
	 * unmap may free page tables that ranges used. Under the VM
	 * reservation; see &amdgpu_svm_range.pt_gen.
	 */
	u64 pt_gen;
	/**
	 * @prefetch_gen: the batch of a parallel prefetch being mapped, for
	 * &amdgpu_svm_range.prefetched; never 0. Under the SVM lock.
	 */
	u64 prefetch_gen;
	/**
	 * @mapped: the extents, in pages, of the ranges that have GPU PTEs
	 * (&amdgpu_svm_range.mapped_node), for amdgpu_svm_va_in_use().
	 * Protected by the notifier lock.
	 */
	struct rb_root_cached mapped;
	/**
	 * @closing: teardown has begun; the MMU notifier queues no more
	 * garbage. Set under the notifier lock (write).
	 */
	bool closing;
	/**
	 * @closed: no range, notifier or PTE is left and @gpusvm is finished.
	 * Protected by @lock.
	 */
	bool closed;
	/**
	 * @restore: with XNACK off, what CPU-side invalidations took away
	 * from the GPU, to be mapped again while its queues are quiesced
	 */
	struct {
		/** @restore.lock: protects the fields below; notifier-safe */
		spinlock_t lock;
		/**
		 * @restore.spans: what to map again, disjoint and in no
		 * order: what invalidations took, not the gaps between them
		 * (KFD restores only the ranges it evicted). When all are in
		 * use, a new one joins the nearest.
		 */
		struct amdgpu_svm_span spans[AMDGPU_SVM_RESTORE_SPANS];
		/** @restore.nspans: entries of @restore.spans in use */
		unsigned int nspans;
		/** @restore.quiesced: the GPU queues are stopped */
		bool quiesced;
		/** @restore.delay: jiffies before the worker runs */
		unsigned long delay;
		/** @restore.work: maps the span again and resumes the queues */
		struct delayed_work work;
	} restore;
	/**
	 * @stale: PTEs an invalidation could not clear, almost always
	 * because TTM was evicting the VM's page tables (-EBUSY): the
	 * entries then travel with the tables and would be valid again once
	 * the tables are validated back. amdgpu_svm_vm_validated() clears
	 * them there, before anything can run on the VM.
	 */
	struct {
		/** @stale.lock: protects the fields below; notifier-safe */
		spinlock_t lock;
		/**
		 * @stale.spans: disjoint, in no order; when all are in use,
		 * a new one joins the nearest (what ranges map in the gap
		 * is left alone when the span is cleared)
		 */
		struct amdgpu_svm_span spans[AMDGPU_SVM_RESTORE_SPANS];
		/** @stale.nspans: entries of @stale.spans in use */
		unsigned int nspans;
	} stale;
	/** @gc: ranges unmapped by the CPU, waiting to be removed */
	struct {
		/** @gc.lock: protects @gc.ranges; taken in the notifier */
		spinlock_t lock;
		/** @gc.ranges: &amdgpu_svm_range.gc_link entries */
		struct list_head ranges;
		/** @gc.work: runs the garbage collector */
		struct work_struct work;
	} gc;
	/**
	 * @mem_budget: XNACK off, bytes a SET reserved against the system
	 * memory limit before it changed anything, which the ranges it makes
	 * draw on; what is left is released when the SET is done. Under
	 * @lock.
	 */
	u64 mem_budget;
};

/**
 * enum amdgpu_svm_race - the test seams where a KUnit case forces a race
 * @AMDGPU_SVM_RACE_COMMIT: the map path got the pages of a range and has
 *	not yet checked they are still valid
 * @AMDGPU_SVM_RACE_MIGRATE: the policy holds the VRAM registration and
 *	has not yet looked at the pages
 * @AMDGPU_SVM_RACE_ZAP: ranges were zapped outside the MMU notifier, the
 *	clears not yet waited for and flushed; the notifier lock is held
 */
enum amdgpu_svm_race {
	AMDGPU_SVM_RACE_COMMIT,
	AMDGPU_SVM_RACE_MIGRATE,
	AMDGPU_SVM_RACE_ZAP,
};

#if IS_ENABLED(CONFIG_DRM_AMDGPU_SVM)

bool amdgpu_svm_xnack_on(struct amdgpu_device *adev);
struct amdgpu_svm *amdgpu_svm_get_by_pasid(struct amdgpu_device *adev,
					   u32 pasid);
void amdgpu_svm_put(struct amdgpu_svm *svm);
int amdgpu_gem_svm_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *filp);
void amdgpu_svm_va_bounds(struct amdgpu_device *adev, u64 *start, u64 *end);
void amdgpu_svm_vm_init(struct amdgpu_vm *vm);
void amdgpu_svm_vm_fini(struct amdgpu_vm *vm);
void amdgpu_svm_race_point(struct amdgpu_svm *svm, enum amdgpu_svm_race where);
int amdgpu_svm_va_in_use(struct amdgpu_vm *vm, u64 start, u64 size);
int amdgpu_svm_vm_validated(struct amdgpu_vm *vm);
bool amdgpu_svm_vm_held(struct amdgpu_vm *vm);
void amdgpu_svm_vm_restore_now(struct amdgpu_vm *vm);

#else

static inline int amdgpu_gem_svm_ioctl(struct drm_device *dev, void *data,
				       struct drm_file *filp)
{
	return -EOPNOTSUPP;
}

static inline void amdgpu_svm_vm_init(struct amdgpu_vm *vm)
{
}

static inline void amdgpu_svm_vm_fini(struct amdgpu_vm *vm)
{
}

static inline int amdgpu_svm_va_in_use(struct amdgpu_vm *vm, u64 start,
				       u64 size)
{
	return 0;
}

static inline int amdgpu_svm_vm_validated(struct amdgpu_vm *vm)
{
	return 0;
}

static inline bool amdgpu_svm_vm_held(struct amdgpu_vm *vm)
{
	return false;
}

static inline void amdgpu_svm_vm_restore_now(struct amdgpu_vm *vm)
{
}

#endif /* CONFIG_DRM_AMDGPU_SVM */

#endif /* __AMDGPU_SVM_H__ */
