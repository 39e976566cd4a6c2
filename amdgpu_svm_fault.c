// SPDX-License-Identifier: GPL-2.0 OR MIT

#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include <drm/amdgpu_drm.h>

#include "amdgpu.h"
#include "amdgpu_migrate.h"
#include "amdgpu_svm.h"
#include "amdgpu_svm_fault.h"
#include "amdgpu_svm_range.h"
#include "amdgpu_svm_trace.h"

/**
 * DOC: GPU page faults
 *
 * With XNACK on, the GPU raises a recoverable fault on a page it cannot
 * reach and retries the access until the page is mapped. amdgpu's VM
 * fault path (amdgpu_vm_handle_fault()) hands such a fault to
 * amdgpu_svm_handle_fault() with the PASID, the address and whether it
 * was a write.
 *
 * The handler finds the SVM of the PASID, runs the garbage collector so
 * that ranges the CPU unmapped are gone, and resolves the attributes of
 * the address: those userspace set or, for an address never set, the
 * defaults over its VMA. It refuses a fault on an address without a VMA,
 * or whose VMA cannot be mirrored (PROT_NONE, device mappings: -EFAULT),
 * on an inaccessible range (-EACCES) and a write to a range the GPU maps
 * read-only or the CPU cannot write (-EPERM); the fault is then
 * not serviced and the caller reports it. A fault on a range that is
 * already mapped with the needed permission is a stale one (the GPU
 * retried before it saw the new PTEs) and returns at once.
 */

/* The VMA around @addr, if it can be mirrored. */
static int fault_vma(struct amdgpu_svm *svm, unsigned long addr,
		     unsigned long *start, unsigned long *end,
		     vm_flags_t *flags)
{
	struct mm_struct *mm = svm->mm;
	struct vm_area_struct *vma;
	int ret = -EFAULT;

	/* The caller holds a reference to the users of @mm. */
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	/* Nothing hmm_range_fault() could mirror: not the SVM's to serve. */
	if (vma && amdgpu_svm_vma_mirrorable(vma)) {
		*start = vma->vm_start;
		*end = vma->vm_end;
		*flags = vma->vm_flags;
		ret = 0;
	}
	mmap_read_unlock(mm);
	return ret;
}

static int svm_fault_locked(struct amdgpu_svm *svm, unsigned long addr,
			    bool write)
{
	unsigned long run_start, run_last, vma_start, vma_end, start, end;
	struct amdgpu_svm_attrs attrs;
	vm_flags_t vm_flags;
	u64 va_start, va_end;
	int ret;

	lockdep_assert_held(&svm->lock);

	amdgpu_svm_range_garbage_collect(svm);

	/* Only what the GPU VM holds: a range never reaches beyond it. */
	amdgpu_svm_va_bounds(svm->adev, &va_start, &va_end);
	if (addr < va_start || addr >= va_end)
		return -EFAULT;
	ret = fault_vma(svm, addr, &vma_start, &vma_end, &vm_flags);
	if (ret)
		return ret;
	vma_start = max_t(u64, vma_start, va_start);
	vma_end = min_t(u64, vma_end, va_end);

	/* Never-set addresses have the defaults over their whole VMA. */
	amdgpu_svm_attr_lookup(&svm->attrs, addr >> PAGE_SHIFT, &attrs,
			       &run_start, &run_last);
	start = max(run_start << PAGE_SHIFT, vma_start);
	end = run_last < (vma_end >> PAGE_SHIFT) ?
	      (run_last + 1) << PAGE_SHIFT : vma_end;

	if (attrs.access == AMDGPU_SVM_ACCESS_INACCESSIBLE)
		return -EACCES;
	if (write && ((attrs.flags & AMDGPU_SVM_FLAG_GPU_RO) ||
		      !(vm_flags & VM_WRITE)))
		return -EPERM;

	/* Not over, nor into, the VM's buffer mappings. */
	ret = amdgpu_svm_range_fault_window(svm, addr, &start, &end);
	if (ret)
		return ret;

	return amdgpu_svm_range_map_addr(svm, addr, start, end, &attrs, write);
}

/**
 * amdgpu_svm_handle_fault() - service a recoverable GPU page fault
 * @adev: the device that faulted
 * @pasid: the PASID of the faulting VM
 * @addr: the faulting address (bytes)
 * @write: the access was a write
 *
 * Context: process context (amdgpu's fault path after it delegated the
 * fault from the interrupt handler); takes the SVM lock; may sleep.
 * A fault refused with an error is not serviced: amdgpu's fault path
 * writes the no-retry PTE and the GPU reports a fatal fault.
 *
 * Return: 0 if the page is mapped (also for a stale fault) or the fault
 * is to be retried (invalidations kept winning the race), -ENOENT if
 * the PASID has no SVM, -EFAULT if no VMA covers @addr or @addr lies
 * outside what the SVM may mirror (amdgpu_svm_va_bounds()), -EACCES if the
 * range is inaccessible to the GPU, -EPERM for a write to a read-only
 * range, or the error of the mapping.
 */
int amdgpu_svm_handle_fault(struct amdgpu_device *adev, u32 pasid, u64 addr,
			    bool write)
{
	struct amdgpu_migrate *mig;
	struct amdgpu_svm *svm;
	int ret;

	svm = amdgpu_svm_get_by_pasid(adev, pasid);
	if (!svm)
		return -ENOENT;

	/*
	 * One reference to the address space's users, taken before the SVM
	 * lock and dropped after it, as svm_range_restore_pages() does: the
	 * helpers below take and drop their own, and if one of theirs were
	 * the last (the process exited meanwhile), exit_mmap() would close
	 * the SVM under its own lock, waiting for the collector that waits
	 * for that lock.
	 */
	if (!mmget_not_zero(svm->mm)) {
		ret = -ENOENT;
		goto out;
	}
	mutex_lock(&svm->lock);
	if (READ_ONCE(svm->closing))
		ret = -ENOENT;
	else
		ret = svm_fault_locked(svm, addr, write);
	mutex_unlock(&svm->lock);
	/* Nothing held here: a last reference may tear the mm down. */
	mmput(svm->mm);
out:

	mig = amdgpu_migrate_get(adev);
	if (mig)
		atomic64_inc(&mig->stats.gpu_faults);
	amdgpu_migrate_put(mig);
	trace_amdgpu_svm_gpu_fault(adev->dev, pasid, addr, write, ret);
	amdgpu_svm_put(svm);
	/*
	 * Invalidations won every try: not an error of the access. Let the
	 * hardware retry, and let the retry past the fault filter that
	 * drops repeats of a fault just handled, as KFD's
	 * svm_range_restore_pages() does for -EAGAIN.
	 */
	if (ret == -EAGAIN) {
		amdgpu_gmc_filter_faults_remove(adev, addr, pasid);
		ret = 0;
	}
	return ret;
}
