// SPDX-License-Identifier: GPL-2.0 OR MIT

#include <linux/build_bug.h>
#include <linux/dma-resv.h>
#include <linux/interval_tree.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include <uapi/linux/kfd_ioctl.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>

#include "amdgpu.h"
#include "amdgpu_amdkfd.h"
#include "amdgpu_migrate.h"
#include "amdgpu_svm.h"
#include "amdgpu_svm_range.h"
#include "amdgpu_svm_range_migrate.h"
#include "amdgpu_vm.h"

/**
 * DOC: SVM ranges and GPU mapping
 *
 * The range layer mirrors the CPU address space into the GPU page tables
 * through drm_gpusvm. A &struct amdgpu_svm_range is one drm_gpusvm range
 * (2 MiB, 64 KiB or 4 KiB, inside one VMA and one attribute run) with its
 * DMA-mapped pages.
 *
 * Mapping a range: find or insert it, let the migration policy move its
 * pages (see "Migration policy"), get its pages (drm_gpusvm faults
 * them in and DMA-maps them, taking the mmap lock itself), then commit:
 * with the VM reservation and the notifier lock held, check that the pages
 * are still valid and write the PTEs. If an invalidation came in between,
 * the pages are no longer valid, the commit returns -EAGAIN and the map is
 * retried, a bounded number of times.
 *
 * Invalidation (the MMU notifier callback, notifier lock held for write)
 * runs in two phases over every range the event touches: first the GPU
 * PTEs of each mapped range are zapped and the TLB flushed once, so the
 * GPU can no longer reach the pages; then the pages are DMA-unmapped. An
 * UNMAP event also marks the ranges unmapped and queues them for the
 * garbage collector, which removes them under the SVM lock: ranges are
 * never removed from inside the notifier. So does a protection change
 * (mprotect()) that covers only part of a range: the VMA was split under
 * it, and drm_gpusvm would hand back the pages it got read-only when the
 * range is faulted for writing, so the range is rebuilt on each side.
 * Other events (migration, COW, fork, protection changes of whole ranges)
 * only invalidate: with XNACK on, the next GPU fault maps
 * the range again; with XNACK off, the GPU cannot fault, so the notifier
 * quiesces the GPU queues and the restore worker maps again every range
 * it zapped (and what the CPU still has of a partially unmapped one),
 * then resumes the queues.
 *
 * Ranges are also zapped outside the notifier, under the SVM lock: where
 * a SET changes the access or the PTE flags, and when the SVM closes. The
 * notifier lock is then held, for read, from the first zap until the
 * clears landed and the TLB was flushed. A range no longer marked mapped
 * is one whose pages the notifier releases at once, without a zap of its
 * own: a munmap() meanwhile must wait until the GPU can no longer reach
 * them.
 *
 * A zap can be refused: while TTM evicts the VM's page tables,
 * amdgpu_vm_update_range() answers -EBUSY, and the notifier cannot wait.
 * The range is forgotten all the same (its pages go when the notifier
 * returns) and its span is kept in &amdgpu_svm.stale; the PTEs there are
 * cleared, and the TLBs flushed, as soon as the page tables are back:
 * amdgpu_vm_validate() calls amdgpu_svm_vm_validated() before any command
 * submission, KFD restore or SVM map can use them, and a map retries a
 * clear that failed for any other reason. So does a clear whose SDMA job
 * failed (it timed out and the ring was reset): the PTEs stayed, and the
 * VM's entities, which amdgpu refuses to run after a failed job, are made
 * anew by the same validation (amdgpu_vm_generation()) before the clear
 * is tried again. (Until then a queue that still runs could reach the
 * freed pages: a job fails this way only when its ring hung, and the GPU
 * reset that follows on parts without a per-queue SDMA reset stops the
 * queues too.) Ranges mapped in such a span since were written after the
 * tables came back and keep their PTEs.
 *
 * With SDMA page-table updates the jobs of one VM run on two entities,
 * which amdgpu's scheduler may put on different SDMA instances: a GPU
 * fault maps through the immediate one (as amdgpu_vm_handle_fault()), the
 * rest goes through the delayed one. A clear waits for the last map of
 * the immediate entity, so that no map lands after the clear of its range.
 *
 * The hardware is reached through a few small functions, the "leaves":
 * amdgpu_svm_vm_resv(), amdgpu_svm_gpu_write_ptes(),
 * amdgpu_svm_gpu_link_ptes(), amdgpu_svm_gpu_clear_ptes(),
 * amdgpu_svm_gpu_flush_tlb(), amdgpu_svm_gpu_quiesce() and
 * amdgpu_svm_gpu_resume(). The KUnit suites run all of them on a simulated
 * GPU: amdgpu's own page-table code on simulated VRAM, with an MMU model
 * that walks the tables, and amdgpu's own user-queue manager and eviction
 * fence over a model of the scheduler firmware's queues.
 */

/* How often a map is retried when an invalidation races with it. */
#define SVM_MAP_RETRIES	8

/*
 * XNACK off, every page the GPU may touch stays mapped, and the restore
 * worker faults it back in whenever the CPU side takes it away: the
 * process keeps that system memory resident, whatever its size. KFD
 * reserves each XNACK-off range against its system memory limit when the
 * range is made (svm_range_new()) and releases it when the range goes
 * (svm_range_free()). So does the SVM, per drm_gpusvm range, from before
 * its pages are got until it is freed, through amdgpu_svm_mem_reserve().
 */

static struct amdgpu_svm *gpusvm_to_svm(struct drm_gpusvm *gpusvm)
{
	return container_of(gpusvm, struct amdgpu_svm, gpusvm);
}

static unsigned long range_npages(struct amdgpu_svm_range *range)
{
	return drm_gpusvm_range_size(&range->base) >> PAGE_SHIFT;
}

static struct drm_gpusvm_range *amdgpu_svm_range_alloc(struct drm_gpusvm *gpusvm)
{
	struct amdgpu_svm_range *range;

	range = kzalloc_obj(*range);
	if (!range)
		return NULL;
	INIT_LIST_HEAD(&range->gc_link);
	drm_gpusvm_init_pages(&range->pages, adev_to_drm(gpusvm_to_svm(gpusvm)->adev));
	return &range->base;
}

static void amdgpu_svm_range_free(struct drm_gpusvm_range *base)
{
	struct amdgpu_svm_range *range = to_amdgpu_svm_range(base);
	struct amdgpu_svm *svm = gpusvm_to_svm(base->gpusvm);

	/* Every removal zaps first: no PTE, and not in &amdgpu_svm.mapped. */
	WARN_ON_ONCE(range->gpu_mapped);
	/*
	 * An UNMAP may have queued the range again after the garbage
	 * collector (or a removal) took it off the list and before it left
	 * the notifier's tree; nothing can queue it now.
	 */
	spin_lock(&svm->gc.lock);
	list_del(&range->gc_link);
	spin_unlock(&svm->gc.lock);
	if (range->reserved)
		amdgpu_svm_mem_unreserve(drm_gpusvm_range_size(base));
	drm_gpusvm_free_pages(base->gpusvm, &range->pages, range_npages(range));
	kfree(range);
}

/**
 * amdgpu_svm_vm_resv() - the reservation object of the VM's page tables
 * @svm: the SVM
 *
 * Hardware leaf: held while page tables are allocated and PTEs written,
 * outside the notifier lock.
 *
 * Context: any.
 * Return: the root page directory's reservation object.
 */
struct dma_resv *amdgpu_svm_vm_resv(struct amdgpu_svm *svm)
{
	return svm->vm->root.bo->tbo.base.resv;
}

/**
 * amdgpu_svm_gpu_write_ptes() - map GPU pages [@start, @last] to pages
 * given one address per CPU page
 * @svm: the SVM
 * @start: first GPU page
 * @last: last GPU page (inclusive)
 * @pages: the address of each CPU page (DMA addresses of system pages, PTE
 *	addresses of VRAM pages), in the order of the GPU pages
 * @offset: byte offset in @pages of the address of @start
 * @flags: AMDGPU_PTE_* flags; without %AMDGPU_PTE_VALID the PTEs are
 *	written cleared
 * @immediate: for a GPU fault: update through the VM's immediate entity,
 *	as amdgpu_vm_handle_fault() does (a job of the delayed entity may
 *	wait for the very work that faulted)
 *
 * Hardware leaf. One call is one page-table update, however scattered the
 * pages: amdgpu_vm_update_range() writes the contiguous stretches of
 * @pages with fragments and copies the addresses of the others into the
 * tables, as it does for KFD's svm_range_map_to_gpu(), which calls it with
 * its per-page address array the same way. The page-table levels it picks
 * depend on @start, @last and which stretches of @pages are contiguous,
 * never on @flags, so a cleared write over the same @pages allocates the
 * tables the valid one will use.
 *
 * Page tables missing for the range are allocated, which may evict other
 * buffer objects, so with %AMDGPU_PTE_VALID set it must be called only
 * once the page tables exist (see range_commit()). The new tables are
 * linked into their parents by amdgpu_svm_gpu_link_ptes(). Outside a GPU
 * fault the update's fence goes to the VM's last_update, as KFD's
 * svm_range_map_to_gpu() has it, for amdgpu_svm_gpu_map_fence().
 *
 * Context: VM reservation held; may sleep.
 * Return: 0 or a negative error code.
 */
int amdgpu_svm_gpu_write_ptes(struct amdgpu_svm *svm, u64 start, u64 last,
			      dma_addr_t *pages, u64 offset, u64 flags,
			      bool immediate)
{
	if (!(flags & AMDGPU_PTE_VALID))
		flags = svm->adev->gmc.init_pte_flags;
	return amdgpu_vm_update_range(svm->adev, svm->vm, immediate, false,
				      false, true, NULL, start, last, flags,
				      offset, 0, NULL, pages,
				      immediate ? NULL : &svm->vm->last_update);
}

/**
 * amdgpu_svm_gpu_map_fence() - the fence of the last PTE and PDE updates
 * @svm: the SVM
 *
 * Hardware leaf. amdgpu_svm_gpu_write_ptes() and amdgpu_svm_gpu_link_ptes()
 * outside a GPU fault run on the VM's delayed entity, in order, and leave
 * their fence in the VM's last_update; with SDMA page-table updates the
 * mapping exists only once it signalled.
 *
 * Context: VM reservation held.
 * Return: a reference to the fence (a signalled one in CPU mode).
 */
struct dma_fence *amdgpu_svm_gpu_map_fence(struct amdgpu_svm *svm)
{
	return dma_fence_get(svm->vm->last_update);
}

/**
 * amdgpu_svm_gpu_link_ptes() - make new page tables reachable
 * @svm: the SVM
 * @immediate: as for amdgpu_svm_gpu_write_ptes()
 *
 * Hardware leaf. Writes the parent entries of the page tables allocated
 * since the last call: until then the GPU walks stop above them. KFD's
 * svm_range_map_to_gpu() and amdgpu_vm_handle_fault() follow every
 * amdgpu_vm_update_range() with amdgpu_vm_update_pdes() the same way.
 *
 * Context: VM reservation held, notifier lock not held: its job is
 * allocated with reclaim. Allocates nothing that evicts.
 * Return: 0 or a negative error code.
 */
int amdgpu_svm_gpu_link_ptes(struct amdgpu_svm *svm, bool immediate)
{
	return amdgpu_vm_update_pdes(svm->adev, svm->vm, immediate);
}

/*
 * The fence of the VM's last page-table update through its immediate
 * entity (a GPU fault's map), or NULL. amdgpu_vm_sdma_commit() adds it to
 * the root reservation, which keeps one fence per context; it is read
 * without the reservation, as the MMU notifier must.
 */
static struct dma_fence *immediate_update_fence(struct amdgpu_vm *vm)
{
	/* The finished fences of an entity's jobs: its second context. */
	u64 context = vm->immediate.fence_context + 1;
	struct dma_fence *fence, *found = NULL;
	struct dma_resv_iter cursor;

	dma_resv_iter_begin(&cursor, vm->root.bo->tbo.base.resv,
			    DMA_RESV_USAGE_BOOKKEEP);
	dma_resv_for_each_fence_unlocked(&cursor, fence) {
		if (dma_resv_iter_is_restarted(&cursor)) {
			dma_fence_put(found);
			found = NULL;
		}
		if (fence->context == context) {
			dma_fence_put(found);
			found = dma_fence_get(fence);
		}
	}
	dma_resv_iter_end(&cursor);
	return found;
}

/**
 * amdgpu_svm_gpu_clear_ptes() - invalidate GPU pages [@start, @last]
 * @svm: the SVM
 * @start: first GPU page
 * @last: last GPU page (inclusive)
 * @fence: receives the fence of the update (the previous one is dropped:
 *	updates of the VM run in order), or is left alone when the CPU wrote
 *	the PTEs
 *
 * Hardware leaf. Only leaf PTEs are written, without the VM reservation,
 * as the MMU notifier must (amdgpu_vm_update_range()'s unlocked mode, as
 * KFD's svm_range_unmap_from_gpu() uses it, fence included); no page table
 * is allocated. With SDMA page-table updates the PTEs are cleared only
 * when @fence signals: amdgpu_svm_gpu_flush_tlb() waits for it.
 *
 * A GPU fault maps through the VM's immediate entity and does not wait
 * (amdgpu_vm_handle_fault()); the clear goes through the delayed one, and
 * the two entities may run on different SDMA instances. The clear must
 * not land before such a map, or the map's PTEs outlive their pages: it
 * waits for the last one (the CPU writes PTEs at once and has none). The
 * other way round needs no fence: every clear is waited for before its
 * caller drops the lock a map needs (the notifier lock, the SVM lock or
 * the VM reservation).
 *
 * Context: notifier lock held, in the MMU notifier or not. Nothing here
 * may allocate with reclaim, which may run this notifier: the dependency
 * is recorded without it (or waited for on the CPU when that fails), and
 * amdgpu_vm_update_range() allocates the job under the VM eviction lock,
 * which disables reclaim (amdgpu_vm_eviction_lock()), as it must for
 * KFD's svm_range_unmap_from_gpus() from its notifier as well.
 * Return: 0 or a negative error code; -EBUSY while the VM's page tables
 * are being evicted (nothing was written).
 */
int amdgpu_svm_gpu_clear_ptes(struct amdgpu_svm *svm, u64 start, u64 last,
			      struct dma_fence **fence)
{
	struct dma_fence *f = NULL, *mapped;
	struct amdgpu_sync sync;
	int ret;

	amdgpu_sync_create(&sync);
	mapped = svm->vm->use_cpu_for_update ? NULL :
		 immediate_update_fence(svm->vm);
	if (mapped &&
	    amdgpu_sync_fence(&sync, mapped, GFP_NOWAIT | __GFP_NOWARN))
		dma_fence_wait(mapped, false);
	dma_fence_put(mapped);
	/*
	 * The pages go once the caller returns, so the PTEs must go first.
	 * The clear allocates its SDMA job without reclaim, which fails
	 * under memory pressure for a moment only: wait a little and try
	 * again (memalloc_retry_wait()). KFD's svm_range_unmap_from_gpus()
	 * gives up instead and leaves the GPU its PTEs to freed pages; xe
	 * writes its PTEs with the CPU and allocates nothing here.
	 */
	while ((ret = amdgpu_vm_update_range(svm->adev, svm->vm, false, true,
					     true, false, &sync, start, last,
					     svm->adev->gmc.init_pte_flags, 0,
					     0, NULL, NULL, &f)) == -ENOMEM)
		memalloc_retry_wait(GFP_NOWAIT);
	amdgpu_sync_free(&sync);
	if (f) {
		dma_fence_put(*fence);
		*fence = f;
	}
	return ret;
}

/**
 * amdgpu_svm_gpu_flush_tlb() - flush the GPU TLBs of the SVM's VM once the
 * PTE clears are done
 * @svm: the SVM
 * @fence: the last clear's fence from amdgpu_svm_gpu_clear_ptes(), or
 *	NULL; waited for and dropped
 *
 * Hardware leaf. As KFD's svm_range_unmap_from_gpus() does: wait for the
 * clear, then a heavy-weight flush on every XCC instance of the device
 * (kfd_flush_tlb() through amdgpu_vm_flush_compute_tlb()): a flush before
 * the clear landed lets the TLB refill from the old PTEs, and a
 * light-weight one may leave translations in the UTCL2 of other XCCs.
 *
 * Context: may be called under the notifier lock; may sleep.
 * Return: 0, or the error of @fence: the clear did not run (its job timed
 * out, or a reset cancelled it), and the PTEs may still be valid.
 */
int amdgpu_svm_gpu_flush_tlb(struct amdgpu_svm *svm, struct dma_fence *fence)
{
	struct amdgpu_device *adev = svm->adev;
	/* GFX9 (AI) flushes both hubs for a PASID, as KFD asks for. */
	bool all_hub = adev->family == AMDGPU_FAMILY_AI ||
		       adev->family == AMDGPU_FAMILY_RV;
	/*
	 * Logical XCC numbers, as the KIQs are indexed: harvesting leaves
	 * holes in the physical mask (as KFD's kgd2kfd_device_init()).
	 */
	u32 xcc_mask = GENMASK(max(NUM_XCC(adev->gfx.xcc_mask), 1) - 1, 0);
	int xcc, ret = 0;

	if (fence) {
		/* Uninterruptible: the pages are freed when we return. */
		dma_fence_wait(fence, false);
		ret = min(dma_fence_get_status(fence), 0);
		dma_fence_put(fence);
	}
	for_each_inst(xcc, xcc_mask)
		amdgpu_gmc_flush_gpu_tlb_pasid(adev, svm->vm->pasid,
					       TLB_FLUSH_HEAVYWEIGHT,
					       all_hub, xcc);
	return ret;
}

/**
 * amdgpu_svm_gpu_quiesce() - stop, or wait for, all work on the SVM's VM
 * @svm: the SVM, marked quiesced (amdgpu_svm_range_quiesce())
 *
 * Hardware leaf. With XNACK off nothing may run on the VM while pages it
 * may touch are unmapped. Two kinds of work run there: amdgpu user queues
 * and jobs of the render node's kernel queues (KFD's queues never do: a
 * VM with a DRM SVM is not KFD's, see amdgpu_svm_get()). This does what
 * amdgpu_hmm_invalidate_gfx() does before a userptr BO's pages go: wait
 * for every fence on the VM's root reservation. There, the user queues'
 * eviction fence (BOOKKEEP) suspends them when it is waited for
 * (amdgpu_eviction_fence_suspend_worker()), and every command submission
 * left its job's fence. Neither can start again while the SVM is marked
 * quiesced: amdgpu_svm_vm_held() keeps the user queues' restore and the
 * next submission back until the restore worker mapped again.
 *
 * Context: the MMU notifier, or the SVM lock held; may sleep.
 */
void amdgpu_svm_gpu_quiesce(struct amdgpu_svm *svm)
{
	long r;

	r = dma_resv_wait_timeout(svm->vm->root.bo->tbo.base.resv,
				  DMA_RESV_USAGE_BOOKKEEP, false,
				  MAX_SCHEDULE_TIMEOUT);
	if (r <= 0)
		dev_err(svm->adev->dev, "SVM: waiting for the VM's queues failed (%ld)\n",
			r);
}

/**
 * amdgpu_svm_gpu_resume() - let the user queues amdgpu_svm_gpu_quiesce()
 * stopped run again
 * @svm: the SVM, no longer marked quiesced
 *
 * Hardware leaf. The user queues are restored by their own worker
 * (amdgpu_userq_restore_worker()), which validates the VM, arms a new
 * eviction fence and maps the queues; when it ran while the SVM held
 * them it did nothing, so it is scheduled again. Submissions need no
 * restart: they were refused, and the next one goes through.
 *
 * Context: process context, the SVM lock held, which orders this before
 * the file's release shuts the user queues down: amdgpu_drm_release()
 * closes the SVM first (amdgpu_svm_vm_fini()).
 */
void amdgpu_svm_gpu_resume(struct amdgpu_svm *svm)
{
	struct amdgpu_fpriv *fpriv = container_of(svm->vm, struct amdgpu_fpriv,
						  vm);

	lockdep_assert_held(&svm->lock);
	if (!xa_empty(&fpriv->userq_mgr.userq_xa))
		schedule_delayed_work(&fpriv->userq_mgr.resume_work, 0);
}

/* The local MTYPE of GC 9.4.3 and later, as the mtype_local parameter asks. */
static u32 mtype_local_gc943(bool ext_coherent)
{
	if (ext_coherent)
		return AMDGPU_VM_MTYPE_CC;
	return amdgpu_mtype_local == 1 ? AMDGPU_VM_MTYPE_NC :
	       amdgpu_mtype_local == 2 ? AMDGPU_VM_MTYPE_CC :
	       AMDGPU_VM_MTYPE_RW;
}

/**
 * amdgpu_svm_range_mapping_flags() - how a GPU maps the pages of a range
 * @adev: the device
 * @attrs: the range's attributes
 * @mem: where the pages are
 * @pte_flags: receives the PTE bits that do not depend on the GMC
 *	generation's encoding (VALID, SYSTEM, SNOOPED, IS_PTE, BUS_ATOMICS)
 *
 * The rules of KFD's svm_range_get_pte_flags() for the memory one GPU
 * reaches itself: its own VRAM, near or far from the VM's memory
 * partition, system memory, and the VRAM of a peer (KFD's "bo_node !=
 * node" rows). The MTYPE depends on the GC IP, on the COHERENT and
 * EXT_COHERENT flags, on whether the part is an APU, the CPU is
 * XGMI-connected, and on the mtype_local module parameter. A hive peer's
 * VRAM is addressed as VRAM (no SYSTEM bit: the hive address of
 * amdgpu_migrate_device_map()) and snooped. A PCIe peer's is addressed
 * through its BAR, with the SYSTEM bit, and takes the same rows without
 * the hive's snoop, and uncached where KFD's "PCIe P2P on GPUs pre-9.5.0"
 * row says so.
 *
 * Context: any.
 * Return: AMDGPU_VM_MTYPE_* and AMDGPU_VM_PAGE_EXECUTABLE flags for
 * amdgpu_gmc_get_vm_pte().
 */
u32 amdgpu_svm_range_mapping_flags(struct amdgpu_device *adev,
				   const struct amdgpu_svm_attrs *attrs,
				   enum amdgpu_svm_mem mem, u64 *pte_flags)
{
	u32 gc = amdgpu_ip_version(adev, GC_HWIP, 0);
	bool bar = mem == AMDGPU_SVM_MEM_VRAM_BAR;
	bool vram = mem != AMDGPU_SVM_MEM_SYSTEM && !bar;
	bool coherent = attrs->flags & (AMDGPU_SVM_FLAG_COHERENT |
					AMDGPU_SVM_FLAG_EXT_COHERENT);
	bool ext_coherent = attrs->flags & AMDGPU_SVM_FLAG_EXT_COHERENT;
	bool peer = mem == AMDGPU_SVM_MEM_VRAM_PEER || bar;
	bool snoop = !vram && !bar, aid_a1;
	u32 mapping, mtype_local;

	switch (gc) {
	case IP_VERSION(9, 4, 1):
	case IP_VERSION(9, 4, 2):
		if (peer) {
			/* A peer's VRAM, snooped across the hive only. */
			mapping = coherent ? AMDGPU_VM_MTYPE_UC : AMDGPU_VM_MTYPE_NC;
			snoop = !bar;
		} else if (vram) {
			mapping = coherent ? AMDGPU_VM_MTYPE_CC : AMDGPU_VM_MTYPE_RW;
			/* The CPU snoops VRAM it reaches over XGMI. */
			if (gc == IP_VERSION(9, 4, 2) &&
			    adev->gmc.xgmi.connected_to_cpu)
				snoop = true;
		} else {
			mapping = coherent ? AMDGPU_VM_MTYPE_UC : AMDGPU_VM_MTYPE_NC;
		}
		break;
	case IP_VERSION(9, 4, 3):
	case IP_VERSION(9, 4, 4):
	case IP_VERSION(9, 5, 0):
		mtype_local = mtype_local_gc943(ext_coherent);
		snoop = true;
		if (mem == AMDGPU_SVM_MEM_VRAM)
			mapping = mtype_local;
		else if (bar && gc < IP_VERSION(9, 5, 0))
			/* PCIe peer-to-peer before GC 9.5.0: uncached. */
			mapping = AMDGPU_VM_MTYPE_UC;
		else if (mem == AMDGPU_SVM_MEM_VRAM_FAR || peer)
			/* Another partition's or hive peer's HBM: system scope. */
			mapping = ext_coherent ? AMDGPU_VM_MTYPE_UC :
						 AMDGPU_VM_MTYPE_NC;
		else if (adev->flags & AMD_IS_APU)
			/*
			 * With several NUMA nodes the PTE update picks the
			 * local MTYPE per page (amdgpu_gmc_override_vm_pte_flags()).
			 */
			mapping = num_possible_nodes() <= 1 ? mtype_local :
				  ext_coherent ? AMDGPU_VM_MTYPE_UC :
						 AMDGPU_VM_MTYPE_NC;
		else if (gc < IP_VERSION(9, 5, 0) || ext_coherent)
			mapping = AMDGPU_VM_MTYPE_UC;
		else
			mapping = AMDGPU_VM_MTYPE_NC;
		break;
	case IP_VERSION(12, 0, 0):
	case IP_VERSION(12, 0, 1):
		mapping = AMDGPU_VM_MTYPE_NC;
		break;
	case IP_VERSION(12, 1, 0):
		aid_a1 = adev->rev_id & 0x10;
		snoop = true;
		if (vram && !peer)
			mapping = amdgpu_mtype_local == 0 ? AMDGPU_VM_MTYPE_RW :
				  amdgpu_mtype_local == 1 ? AMDGPU_VM_MTYPE_NC :
				  aid_a1 ? AMDGPU_VM_MTYPE_RW : AMDGPU_VM_MTYPE_NC;
		else if (ext_coherent)
			mapping = AMDGPU_VM_MTYPE_UC;
		else
			mapping = aid_a1 ? AMDGPU_VM_MTYPE_NC : AMDGPU_VM_MTYPE_UC;
		break;
	default:
		mapping = coherent ? AMDGPU_VM_MTYPE_UC : AMDGPU_VM_MTYPE_NC;
		break;
	}
	if (attrs->flags & AMDGPU_SVM_FLAG_GPU_EXEC)
		mapping |= AMDGPU_VM_PAGE_EXECUTABLE;

	*pte_flags = AMDGPU_PTE_VALID;
	if (!vram)
		*pte_flags |= AMDGPU_PTE_SYSTEM;
	if (snoop)
		*pte_flags |= AMDGPU_PTE_SNOOPED;
	if (gc >= IP_VERSION(12, 0, 0))
		*pte_flags |= AMDGPU_PTE_IS_PTE;
	if (gc == IP_VERSION(12, 1, 0) && adev->have_atomics_support)
		*pte_flags |= AMDGPU_PTE_BUS_ATOMICS;
	return mapping;
}

/**
 * amdgpu_svm_range_pte_flags() - GPU PTE flags for the pages of a range
 * @adev: the device
 * @vm: the VM the PTEs are written in
 * @attrs: the range's attributes
 * @mem: where the pages are
 * @writable: the CPU mapping allows writes
 *
 * As KFD's svm_range_get_pte_flags(): amdgpu_svm_range_mapping_flags()
 * decides, the device's GMC encodes the MTYPE (amdgpu_gmc_get_vm_pte(),
 * without a buffer object), and the pages are readable, writable unless
 * the range is GPU_RO or the CPU may not write them.
 *
 * Context: any.
 * Return: AMDGPU_PTE_* flags.
 */
u64 amdgpu_svm_range_pte_flags(struct amdgpu_device *adev,
			       struct amdgpu_vm *vm,
			       const struct amdgpu_svm_attrs *attrs,
			       enum amdgpu_svm_mem mem, bool writable)
{
	u64 flags;
	u32 mapping = amdgpu_svm_range_mapping_flags(adev, attrs, mem, &flags);

	amdgpu_gmc_get_vm_pte(adev, vm, NULL, mapping, &flags);
	flags |= AMDGPU_PTE_READABLE;
	if (writable && !(attrs->flags & AMDGPU_SVM_FLAG_GPU_RO))
		flags |= AMDGPU_PTE_WRITEABLE;
	return flags;
}

/**
 * amdgpu_svm_range_vram_mem() - where in this device's VRAM a page is
 * @adev: the device
 * @vm: the VM the page is mapped in
 * @addr: the page's address as amdgpu_migrate_device_map() gave it
 *
 * On a part split into memory partitions, the VM's own partition is near
 * and every other one far, as KFD tells a node's HBM from another's by
 * their partitions' mem_id. An address outside this device's VRAM is a
 * peer's in the XGMI hive: amdgpu_migrate_device_map() hands out no other.
 *
 * Context: any.
 * Return: %AMDGPU_SVM_MEM_VRAM, %AMDGPU_SVM_MEM_VRAM_FAR or
 * %AMDGPU_SVM_MEM_VRAM_PEER.
 */
enum amdgpu_svm_mem amdgpu_svm_range_vram_mem(struct amdgpu_device *adev,
					      struct amdgpu_vm *vm, u64 addr)
{
	u64 base = adev->vm_manager.vram_base_offset;
	struct amdgpu_mem_partition_info *part;
	u64 pfn;

	if (addr < base || addr - base >= adev->gmc.real_vram_size)
		return AMDGPU_SVM_MEM_VRAM_PEER;
	if (vm->mem_id < 0 || !adev->gmc.mem_partitions ||
	    adev->gmc.is_app_apu || vm->mem_id >= adev->gmc.num_mem_partitions)
		return AMDGPU_SVM_MEM_VRAM;
	part = &adev->gmc.mem_partitions[vm->mem_id];
	/* The partitions' bounds count GPU pages, as amdgpu_gmc.c sets them. */
	pfn = (addr - adev->vm_manager.vram_base_offset) >>
	      AMDGPU_GPU_PAGE_SHIFT;
	return pfn >= part->range.fpfn && pfn <= part->range.lpfn ?
	       AMDGPU_SVM_MEM_VRAM : AMDGPU_SVM_MEM_VRAM_FAR;
}

/* GPU pages per CPU page. */
#define SVM_GPU_PAGES(npages)	((u64)(npages) << (PAGE_SHIFT - AMDGPU_GPU_PAGE_SHIFT))

/*
 * VRAM comes as a PTE address (device_map()), not DMA: near, far or a
 * hive peer's; a PCIe peer's as a DMA address of its BAR.
 */
static enum amdgpu_svm_mem page_mem(struct amdgpu_svm *svm,
				    const struct drm_pagemap_addr *da)
{
	if (da->proto == AMDGPU_INTERCONNECT_P2P)
		return AMDGPU_SVM_MEM_VRAM_BAR;
	if (da->proto != DRM_INTERCONNECT_DRIVER)
		return AMDGPU_SVM_MEM_SYSTEM;
	return amdgpu_svm_range_vram_mem(svm->adev, svm->vm, da->addr);
}

/* Write the PTEs of pages [@first, @end) of a range, one kind of memory. */
static int range_write_stretch(struct amdgpu_svm *svm,
			       struct amdgpu_svm_range *range, dma_addr_t *addrs,
			       unsigned long first, unsigned long end,
			       u64 flags, bool immediate)
{
	u64 gpu_start = (drm_gpusvm_range_start(&range->base) >>
			 AMDGPU_GPU_PAGE_SHIFT) + SVM_GPU_PAGES(first);

	return amdgpu_svm_gpu_write_ptes(svm, gpu_start,
					 gpu_start + SVM_GPU_PAGES(end - first) - 1,
					 addrs, (u64)first << PAGE_SHIFT, flags,
					 immediate);
}

/*
 * Write the PTEs of a range whose pages are valid: one page-table update
 * per stretch of one kind of memory (a single one, unless the range holds
 * both system memory and VRAM), as KFD's svm_range_map_to_gpu() splits
 * its calls by domain only. @addrs, room for an address per page, receives
 * the address of each page. With @prepare, write them cleared instead:
 * the same calls over the same addresses make amdgpu's page-table code
 * allocate exactly the tables the real write will use.
 */
static int range_write_ptes(struct amdgpu_svm *svm,
			    struct amdgpu_svm_range *range, dma_addr_t *addrs,
			    const u64 *flags, bool immediate, bool prepare)
{
	const struct drm_pagemap_addr *da = range->pages.dma_addr;
	unsigned long npages = range_npages(range), i, j, k, first = 0;
	enum amdgpu_svm_mem mem = AMDGPU_SVM_MEM_SYSTEM, next;
	int ret;

	/* One entry of @da per mapping of (1 << order) pages. */
	for (i = 0, j = 0; i < npages; j++) {
		next = page_mem(svm, &da[j]);
		if (i && next != mem) {
			ret = range_write_stretch(svm, range, addrs, first, i,
						  prepare ? 0 : flags[mem],
						  immediate);
			if (ret)
				return ret;
			first = i;
		}
		mem = next;
		for (k = 0; k < 1UL << da[j].order && i < npages; k++)
			addrs[i++] = da[j].addr + (k << PAGE_SHIFT);
	}
	return range_write_stretch(svm, range, addrs, first, npages,
				   prepare ? 0 : flags[mem], immediate);
}

/*
 * Are the range's pages one contiguous run of one kind of memory? Only
 * such a range may be written above the page tables (a 2 MiB range, as a
 * huge page); any other is written into page tables, whatever its pages.
 */
static bool range_one_run(struct amdgpu_svm *svm,
			  struct amdgpu_svm_range *range)
{
	const struct drm_pagemap_addr *da = range->pages.dma_addr;
	enum amdgpu_svm_mem mem = page_mem(svm, &da[0]);
	unsigned long npages = range_npages(range), i, j;

	for (i = 1UL << da[0].order, j = 1; i < npages;
	     i += 1UL << da[j++].order)
		if (da[j].addr != da[0].addr + (i << PAGE_SHIFT) ||
		    page_mem(svm, &da[j]) != mem)
			return false;
	return true;
}

/* Distance between two disjoint spans. */
static unsigned long span_gap(const struct amdgpu_svm_span *a,
			      unsigned long start, unsigned long end)
{
	return start >= a->end ? start - a->end : a->start - end;
}

/*
 * Add [start, end) to the disjoint spans @spans, *@n of @max in use: it
 * absorbs the spans it overlaps or touches; with every slot in use it
 * joins the nearest span instead, gap included. The spans' lock is held.
 */
static void span_add(struct amdgpu_svm_span *spans, unsigned int *n,
		     unsigned int max, unsigned long start, unsigned long end)
{
	unsigned int i, near;

again:
	for (i = 0; i < *n; ) {
		if (spans[i].start <= end && start <= spans[i].end) {
			start = min(start, spans[i].start);
			end = max(end, spans[i].end);
			spans[i] = spans[--*n];
			continue;
		}
		i++;
	}
	if (*n == max) {
		near = 0;
		for (i = 1; i < *n; i++)
			if (span_gap(&spans[i], start, end) <
			    span_gap(&spans[near], start, end))
				near = i;
		start = min(start, spans[near].start);
		end = max(end, spans[near].end);
		goto again;
	}
	spans[*n].start = start;
	spans[(*n)++].end = end;
}

/* What to map again with XNACK off (the gap of a merge is mapped too). */
static void restore_span_add_locked(struct amdgpu_svm *svm, unsigned long start,
				    unsigned long end)
{
	span_add(svm->restore.spans, &svm->restore.nspans,
		 ARRAY_SIZE(svm->restore.spans), start, end);
}

/* PTEs left valid over [start, end), for amdgpu_svm_range_clear_stale(). */
static void stale_add(struct amdgpu_svm *svm, unsigned long start,
		      unsigned long end)
{
	spin_lock(&svm->stale.lock);
	span_add(svm->stale.spans, &svm->stale.nspans,
		 ARRAY_SIZE(svm->stale.spans), start, end);
	spin_unlock(&svm->stale.lock);
}

/*
 * The clears a zap made: waited for and flushed by range_zap_done(). The
 * bytes [start, end) cover the ranges zapped (end 0: none yet).
 */
struct range_zap {
	struct dma_fence *fence;
	bool flush;
	unsigned long start;
	unsigned long end;
};

/* Zap the PTEs of a range if they are mapped. The notifier lock is held. */
static void range_zap(struct amdgpu_svm *svm, struct amdgpu_svm_range *range,
		      struct range_zap *zap)
{
	u64 start = drm_gpusvm_range_start(&range->base) >> AMDGPU_GPU_PAGE_SHIFT;
	int ret;

	if (!range->gpu_mapped)
		return;
	ret = amdgpu_svm_gpu_clear_ptes(svm, start,
					start + SVM_GPU_PAGES(range_npages(range)) - 1,
					&zap->fence);
	if (ret) {
		/*
		 * -EBUSY: TTM is evicting the page tables, and the PTEs go
		 * with them. The range is untracked all the same (its pages
		 * go once we return); the PTEs are cleared before the tables
		 * can be used again (amdgpu_svm_vm_validated()).
		 */
		stale_add(svm, drm_gpusvm_range_start(&range->base),
			  drm_gpusvm_range_end(&range->base));
		if (ret != -EBUSY)
			dev_warn_ratelimited(svm->adev->dev,
					     "SVM: clearing PTEs of [%llx, %llx): %d\n",
					     start << AMDGPU_GPU_PAGE_SHIFT,
					     drm_gpusvm_range_end(&range->base) * 1ULL,
					     ret);
	}
	range->gpu_mapped = false;
	range->gpu_complete = false;
	interval_tree_remove(&range->mapped_node, &svm->mapped);
	zap->flush = true;
	if (!ret) {
		zap->start = zap->end ? min(zap->start,
					    drm_gpusvm_range_start(&range->base)) :
					drm_gpusvm_range_start(&range->base);
		zap->end = max(zap->end, drm_gpusvm_range_end(&range->base));
	}
}

/*
 * Wait for the clears of @zap, then flush the TLBs if anything was zapped.
 * A clear whose job failed (timed out, cancelled by a reset) left its
 * PTEs valid, and the pages go once we return: the zapped ranges become
 * stale, cleared before the page tables are used again, as after -EBUSY.
 * The clears of a VM run in order on one entity, and amdgpu skips the
 * jobs after a failed one with its error: the last fence tells for all.
 */
static int range_zap_done(struct amdgpu_svm *svm, struct range_zap *zap)
{
	int ret = 0;

	if (zap->flush)
		ret = amdgpu_svm_gpu_flush_tlb(svm, zap->fence);
	else
		dma_fence_put(zap->fence);
	if (ret && zap->end) {
		stale_add(svm, zap->start, zap->end);
		dev_warn_ratelimited(svm->adev->dev,
				     "SVM: PTE clear of [%lx, %lx) failed: %d\n",
				     zap->start, zap->end, ret);
	}
	zap->fence = NULL;
	zap->flush = false;
	zap->end = 0;
	return ret;
}

/* Clear the PTEs of @span where no range is mapped now. */
static int stale_clear_span(struct amdgpu_svm *svm,
			    const struct amdgpu_svm_span *span,
			    struct range_zap *zap)
{
	unsigned long next = span->start >> PAGE_SHIFT;
	unsigned long last = (span->end >> PAGE_SHIFT) - 1;
	struct interval_tree_node *node;
	int ret;

	/* Mapped ranges are disjoint and come in address order. */
	node = interval_tree_iter_first(&svm->mapped, next, last);
	while (next <= last) {
		unsigned long stop = node ? max(node->start, next) : last + 1;

		if (stop > next) {
			ret = amdgpu_svm_gpu_clear_ptes(svm, SVM_GPU_PAGES(next),
							SVM_GPU_PAGES(stop) - 1,
							&zap->fence);
			if (ret)
				return ret;
			zap->flush = true;
		}
		if (!node)
			break;
		next = max(next, node->last + 1);
		node = interval_tree_iter_next(node, span->start >> PAGE_SHIFT,
					       last);
	}
	return 0;
}

/**
 * amdgpu_svm_range_clear_stale() - clear the PTEs invalidations could not
 * @svm: the SVM
 *
 * In the spans of &amdgpu_svm.stale, where no range is mapped now: a
 * range mapped there since was written after the page tables came back,
 * and is current. The clears are waited for and the TLBs flushed, as
 * after a zap. No precedent in 7.3: KFD's svm_range_unmap_from_gpus()
 * returns the -EBUSY to a notifier that drops it.
 *
 * Context: process context; the VM reservation held, so that the page
 * tables are in place and stay there; the notifier lock not held.
 * Return: 0, or the first clear's error, or the error of their job;
 * what was not cleared is kept.
 */
int amdgpu_svm_range_clear_stale(struct amdgpu_svm *svm)
{
	struct amdgpu_svm_span spans[ARRAY_SIZE(svm->stale.spans)];
	struct range_zap zap = {};
	unsigned int i, n;
	int ret = 0, err;

	dma_resv_assert_held(amdgpu_svm_vm_resv(svm));
	if (!READ_ONCE(svm->stale.nspans))
		return 0;
	spin_lock(&svm->stale.lock);
	n = svm->stale.nspans;
	memcpy(spans, svm->stale.spans, n * sizeof(*spans));
	svm->stale.nspans = 0;
	spin_unlock(&svm->stale.lock);

	drm_gpusvm_notifier_lock(&svm->gpusvm);
	for (i = 0; i < n; i++) {
		ret = stale_clear_span(svm, &spans[i], &zap);
		if (ret)
			break;
	}
	drm_gpusvm_notifier_unlock(&svm->gpusvm);
	/* The clears failed on the GPU: every span stays stale. */
	err = range_zap_done(svm, &zap);
	if (err) {
		ret = ret ?: err;
		i = 0;
	}
	for (; i < n; i++)
		stale_add(svm, spans[i].start, spans[i].end);
	return ret;
}

/*
 * The buffer mappings of a VM (GEM_VA, userptr, KFD's) are the nodes of
 * &amdgpu_vm.va, in GPU pages, under the VM reservation. A node begins as
 * an interval_tree_node does, which is how KFD's svm_range_check_vm()
 * walks the tree with the generic interval tree; the asserts keep it so.
 */
#define VA_NODE_OFFSET(f) (offsetof(struct amdgpu_bo_va_mapping, f) - \
			   offsetof(struct amdgpu_bo_va_mapping, rb))
static_assert(VA_NODE_OFFSET(start) == offsetof(struct interval_tree_node, start));
static_assert(VA_NODE_OFFSET(last) == offsetof(struct interval_tree_node, last));
static_assert(VA_NODE_OFFSET(__subtree_last) ==
	      offsetof(struct interval_tree_node, __subtree_last));

/* A buffer mapping of @vm in the bytes [@start, @end), or NULL. */
static struct interval_tree_node *vm_mapping_first(struct amdgpu_vm *vm,
						   u64 start, u64 end)
{
	dma_resv_assert_held(vm->root.bo->tbo.base.resv);
	return interval_tree_iter_first(&vm->va, start >> AMDGPU_GPU_PAGE_SHIFT,
					(end - 1) >> AMDGPU_GPU_PAGE_SHIFT);
}

/**
 * amdgpu_svm_range_check_va() - refuse a span where the VM maps buffers
 * @svm: the SVM
 * @start: first byte, page aligned
 * @end: end (exclusive), page aligned
 *
 * An SVM address is also a GPU address, which the VM's own buffer
 * mappings (GEM_VA, userptr) must not share: the SVM would overwrite their
 * PTEs, or zap them. KFD's svm_range_is_valid() refuses a SET the same way
 * (svm_range_check_vm()).
 *
 * Context: process context; the SVM lock held; takes the VM reservation.
 * Return: 0, -EADDRINUSE if a buffer is mapped in the span, or -EINTR if
 * a signal came while waiting for the VM.
 */
int amdgpu_svm_range_check_va(struct amdgpu_svm *svm, unsigned long start,
			      unsigned long end)
{
	struct dma_resv *resv = amdgpu_svm_vm_resv(svm);
	int ret;

	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		return ret;
	if (vm_mapping_first(svm->vm, start, end))
		ret = -EADDRINUSE;
	dma_resv_unlock(resv);
	return ret;
}

/**
 * amdgpu_svm_range_fault_window() - keep a fault's range off buffer mappings
 * @svm: the SVM
 * @addr: the faulting address
 * @start: in: the first byte the range may cover; out: clipped
 * @end: in: the end (exclusive) the range may reach; out: clipped
 *
 * A fault inside a buffer mapping of the VM is not the SVM's to serve.
 * Next to one, the range the fault makes stops short of the mappings on
 * either side; KFD's svm_range_create_unregistered_range() shrinks such a
 * range to the faulting page, stopping at the mappings keeps larger
 * ranges where they fit.
 *
 * Context: process context; the SVM lock held; takes the VM reservation.
 * Return: 0, -EFAULT if a buffer is mapped at @addr, or -EINTR.
 */
int amdgpu_svm_range_fault_window(struct amdgpu_svm *svm, unsigned long addr,
				  unsigned long *start, unsigned long *end)
{
	struct dma_resv *resv = amdgpu_svm_vm_resv(svm);
	u64 lo = *start >> AMDGPU_GPU_PAGE_SHIFT;
	u64 hi = (*end - 1) >> AMDGPU_GPU_PAGE_SHIFT;
	struct interval_tree_node *node;
	int ret;

	addr = PAGE_ALIGN_DOWN(addr);
	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		return ret;
	for (node = vm_mapping_first(svm->vm, *start, *end); node;
	     node = interval_tree_iter_next(node, lo, hi)) {
		u64 s = (u64)node->start << AMDGPU_GPU_PAGE_SHIFT;
		u64 e = ((u64)node->last + 1) << AMDGPU_GPU_PAGE_SHIFT;

		if (e <= addr)
			*start = max_t(u64, *start, ALIGN(e, PAGE_SIZE));
		else
			*end = min_t(u64, *end, ALIGN_DOWN(s, PAGE_SIZE));
	}
	dma_resv_unlock(resv);
	/* Also where a mapping shares the CPU page of @addr. */
	return *start <= addr && addr < *end ? 0 : -EFAULT;
}

/*
 * amdgpu_vm_validate() callback: a page table goes back where it lives,
 * uninterruptibly, as KFD's svm_range_bo_validate() moves it.
 */
static int range_validate_pt(void *param, struct amdgpu_bo *bo)
{
	struct ttm_operation_ctx ctx = { .interruptible = false };

	amdgpu_bo_placement_from_domain(bo, bo->preferred_domains);
	return ttm_bo_validate(&bo->tbo, &bo->placement, &ctx);
}

/*
 * Commit the PTEs if no invalidation came since the pages were got.
 *
 * Allocating a page table may evict an SVM buffer object, whose eviction
 * runs the MMU notifier, which takes the notifier lock for write: no page
 * table may be allocated under that lock. As xe_svm does (its page-table
 * updates are prepared before xe_pt_svm_pre_commit() takes the lock), the
 * tables are made first, with only the VM reservation held, by writing the
 * range's PTEs cleared: they are cleared already, as the range is not
 * mapped. The tables are linked then too (new ones, and those validation
 * moved): the new ones hold invalid entries. Then, under the notifier
 * lock, the pages are checked and the PTEs written into the existing
 * tables.
 *
 * That first write is a page-table update of its own (an SDMA job), so
 * it is made only when tables may be missing. amdgpu frees a page table
 * only when an update writes the level above it (a huge page, or a clear
 * of all it covers) or the VM goes. The range's own updates do the
 * former only when its layout changes (&amdgpu_svm_range.pt_one_run);
 * a zap clears leaves only; another range never covers its tables; and
 * a buffer's unmap may, once mapped where the range was: each buffer
 * mapping starts a new &amdgpu_svm.pt_gen (amdgpu_svm_va_in_use()).
 *
 * Nothing under the notifier lock may allocate with reclaim either, which
 * may run the notifier for this address space: the PTE write allocates
 * its job under the VM eviction lock, which disables reclaim
 * (amdgpu_vm_eviction_lock()), and its TLB callback without reclaim; the
 * link, whose job is allocated with reclaim, comes before the lock.
 */
static int range_commit(struct amdgpu_svm *svm, struct amdgpu_svm_range *range,
			const u64 *flags, bool immediate)
{
	struct dma_resv *resv = amdgpu_svm_vm_resv(svm);
	struct dma_fence *fence = NULL;
	dma_addr_t *addrs;
	bool one_run;
	int ret;

	amdgpu_svm_race_point(svm, AMDGPU_SVM_RACE_COMMIT);

	/* The pages' addresses for amdgpu_vm_update_range(), a page each. */
	addrs = kvmalloc_array(range_npages(range), sizeof(*addrs), GFP_KERNEL);
	if (!addrs)
		return -ENOMEM;
	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		goto out_free;
	/*
	 * An SDMA update adds its fence, and a compute VM's TLB fence may
	 * come with it: two slots, as amdgpu_vm_lock_pd() reserves.
	 */
	ret = dma_resv_reserve_fences(resv, 2);
	if (ret)
		goto out_resv;
	/*
	 * A buffer mapped here since the range was made: leave its PTEs
	 * alone (amdgpu_svm_va_in_use() keeps buffers off mapped ranges).
	 */
	if (vm_mapping_first(svm->vm, drm_gpusvm_range_start(&range->base),
			     drm_gpusvm_range_end(&range->base))) {
		ret = -EADDRINUSE;
		goto out_resv;
	}
	/*
	 * Evicted page tables are brought back before they are written, as
	 * KFD's svm_range_reserve_bos() does with amdgpu_vm_validate().
	 */
	if (!amdgpu_vm_ready(svm->vm)) {
		ret = amdgpu_vm_validate(svm->adev, svm->vm, NULL,
					 range_validate_pt, NULL);
		if (!ret && !amdgpu_vm_ready(svm->vm))
			ret = -EAGAIN;
		if (ret)
			goto out_resv;
	}
	/* A clear that failed for want of memory is retried here. */
	ret = amdgpu_svm_range_clear_stale(svm);
	if (ret)
		goto out_resv;
	/*
	 * The tables exist while the range is mapped, and stay when it is
	 * zapped: made once for its layout, they are made again only when
	 * the layout changed or a buffer's unmap may have freed them.
	 */
	one_run = range_one_run(svm, range);
	if (!READ_ONCE(range->gpu_mapped) &&
	    (range->pt_gen != svm->pt_gen || range->pt_one_run != one_run)) {
		ret = range_write_ptes(svm, range, addrs, flags, immediate,
				       true);
		if (ret)
			goto out_resv;
		range->pt_gen = svm->pt_gen;
		range->pt_one_run = one_run;
	}
	/* New tables, and those amdgpu_vm_validate() moved back, linked. */
	ret = amdgpu_svm_gpu_link_ptes(svm, immediate);
	if (ret)
		goto out_resv;

	drm_gpusvm_notifier_lock(&svm->gpusvm);
	if (!drm_gpusvm_pages_valid(&svm->gpusvm, &range->pages)) {
		ret = -EAGAIN;
		goto out_unlock;
	}
	/*
	 * Tracked before the first PTE is written: if a later update fails
	 * (the page tables being evicted meanwhile: -EBUSY), the updates
	 * before it are valid, and the next invalidation must zap them.
	 */
	if (!range->gpu_mapped) {
		range->mapped_node.start = drm_gpusvm_range_start(&range->base) >>
					   PAGE_SHIFT;
		range->mapped_node.last = range->mapped_node.start +
					  range_npages(range) - 1;
		interval_tree_insert(&range->mapped_node, &svm->mapped);
	}
	range->gpu_mapped = true;
	range->gpu_complete = false;
	range->foreign = false;
	ret = range_write_ptes(svm, range, addrs, flags, immediate, false);
	if (!ret) {
		range->gpu_complete = true;
		range->pte_flags = flags[AMDGPU_SVM_MEM_SYSTEM];
		if (!immediate)
			fence = amdgpu_svm_gpu_map_fence(svm);
	}
out_unlock:
	drm_gpusvm_notifier_unlock(&svm->gpusvm);
out_resv:
	dma_resv_unlock(resv);
	/*
	 * Outside a GPU fault the caller relies on the mapping (the ioctl
	 * returns, the restore worker resumes the queues): wait for the
	 * update, as KFD's svm_range_map_to_gpus() does with "wait". A GPU
	 * fault does not wait (amdgpu_vm_handle_fault()): the hardware retries
	 * until the PTEs are there.
	 */
	if (fence) {
		dma_fence_wait(fence, false);
		if (dma_fence_get_status(fence) < 0) {
			ret = dma_fence_get_status(fence);
			/* What landed is unknown: a fault must map it again. */
			drm_gpusvm_notifier_lock(&svm->gpusvm);
			range->gpu_complete = false;
			drm_gpusvm_notifier_unlock(&svm->gpusvm);
		}
		dma_fence_put(fence);
	}
out_free:
	kvfree(addrs);
	return ret;
}

/*
 * Unmap and remove one range whose PTEs are gone (zapped, the clear waited
 * for and flushed); the SVM lock is held.
 */
static void range_remove(struct amdgpu_svm *svm, struct amdgpu_svm_range *range)
{
	struct drm_gpusvm_ctx ctx = {};

	drm_gpusvm_unmap_pages(&svm->gpusvm, &range->pages, range_npages(range),
			       &ctx);
	/* Still queued for GC after an UNMAP: it is gone now. */
	spin_lock(&svm->gc.lock);
	list_del_init(&range->gc_link);
	spin_unlock(&svm->gc.lock);
	drm_gpusvm_range_remove(&svm->gpusvm, &range->base);
}

/*
 * XNACK off: @range holds device memory of another owner and stays
 * unmapped. Mark it, so that the invalidation that comes when the owner
 * lets go of the memory has it restored; if that invalidation came since
 * @seq, before the mark, restore it now.
 */
static void range_foreign(struct amdgpu_svm *svm,
			  struct amdgpu_svm_range *range, unsigned long seq)
{
	drm_gpusvm_notifier_lock(&svm->gpusvm);
	range->foreign = true;
	if (mmu_interval_read_retry(&range->base.notifier->notifier, seq)) {
		range->foreign = false;
		amdgpu_svm_range_restore_add(svm,
					     drm_gpusvm_range_start(&range->base),
					     drm_gpusvm_range_end(&range->base));
	}
	drm_gpusvm_notifier_unlock(&svm->gpusvm);
}

/* How drm_gpusvm is to make and fill a range with @attrs. */
static void range_ctx_init(struct amdgpu_svm *svm,
			   const struct amdgpu_svm_attrs *attrs,
			   struct drm_gpusvm_ctx *ctx)
{
	*ctx = (struct drm_gpusvm_ctx) {
		.read_only = !!(attrs->flags & AMDGPU_SVM_FLAG_GPU_RO),
		/* Pages in our VRAM are mapped there, not faulted back... */
		.device_private_page_owner = amdgpu_migrate_owner(svm->adev),
		/* ...also next to system pages, in one range. */
		.allow_mixed = 1,
	};
}

/*
 * Find or make the range around @addr, inside [@start, @end) (one
 * attribute run), with its memory reserved where XNACK is off.
 */
static struct amdgpu_svm_range *range_get(struct amdgpu_svm *svm,
					  unsigned long addr,
					  unsigned long start,
					  unsigned long end,
					  struct drm_gpusvm_ctx *ctx)
{
	struct drm_gpusvm_range *base;
	struct amdgpu_svm_range *range;
	int ret;

	base = drm_gpusvm_range_find_or_insert(&svm->gpusvm, addr, start, end,
					       ctx);
	/* A read-only VMA: map it read-only rather than fail. */
	if (IS_ERR(base) && PTR_ERR(base) == -EPERM && !ctx->read_only) {
		ctx->read_only = 1;
		base = drm_gpusvm_range_find_or_insert(&svm->gpusvm, addr,
						       start, end, ctx);
	}
	if (IS_ERR(base))
		return ERR_CAST(base);
	range = to_amdgpu_svm_range(base);

	/*
	 * XNACK off: the range's memory stays resident, within the limit;
	 * a SET reserved for it beforehand (amdgpu_svm_range_prepare_set()).
	 */
	if (!svm->xnack_on && !range->reserved) {
		u64 size = drm_gpusvm_range_size(base);

		ret = 0;
		if (svm->mem_budget >= size)
			svm->mem_budget -= size;
		else
			ret = amdgpu_svm_mem_reserve(size);
		if (ret) {
			/* Made just now (all others are reserved): unmapped. */
			range_remove(svm, range);
			return ERR_PTR(ret);
		}
		range->reserved = true;
	}
	return range;
}

/*
 * A prefetch: make the range around @addr, as range_map_one() would, and
 * give it to @p to migrate; return the end of the range in @next.
 */
static int range_plan_one(struct amdgpu_svm *svm, unsigned long addr,
			  unsigned long start, unsigned long end,
			  const struct amdgpu_svm_attrs *attrs,
			  struct amdgpu_svm_prefetch *p, unsigned long *next)
{
	struct amdgpu_svm_range *range;
	struct drm_gpusvm_ctx ctx;

	range_ctx_init(svm, attrs, &ctx);
	range = range_get(svm, addr, start, end, &ctx);
	if (IS_ERR(range))
		return PTR_ERR(range);
	*next = drm_gpusvm_range_end(&range->base);
	if (!amdgpu_svm_prefetch_add(p, &range->base, attrs, addr, start, end))
		return -ENOSPC;
	range->prefetched = svm->prefetch_gen;
	return 0;
}

/*
 * Map the range around @addr, inside [@start, @end) (one attribute run);
 * return the end of the range in @next.
 */
static int range_map_one(struct amdgpu_svm *svm, unsigned long addr,
			 unsigned long start, unsigned long end,
			 const struct amdgpu_svm_attrs *attrs,
			 enum amdgpu_svm_trigger trigger, unsigned long *next)
{
	struct drm_gpusvm_range *base;
	struct amdgpu_svm_range *range;
	u64 flags[AMDGPU_SVM_MEM_COUNT];
	struct drm_gpusvm_ctx ctx;
	enum amdgpu_svm_mem mem;
	bool placed = false, evicted = false;
	int tries = 0, ret;
	unsigned long seq;

	range_ctx_init(svm, attrs, &ctx);
retry:
	range = range_get(svm, addr, start, end, &ctx);
	if (IS_ERR(range))
		return PTR_ERR(range);
	base = &range->base;
	*next = drm_gpusvm_range_end(base);
	/*
	 * A SET's map of a range mapped whole already: its attributes did
	 * not change (a change removed it), nor did its pages (an
	 * invalidation would have zapped it).
	 */
	if (trigger == AMDGPU_SVM_TRIGGER_MAP && !tries && range->gpu_complete)
		return 0;

	/*
	 * Pages move before they are mapped, once: a retry maps them. Those
	 * of a range a parallel prefetch took moved already, or tried to.
	 */
	if (!placed) {
		if (range->prefetched != svm->prefetch_gen)
			amdgpu_svm_range_migrate(svm, base, attrs, trigger,
						 addr, start, end);
		range->prefetched = 0;
		placed = true;
	}

	seq = mmu_interval_read_begin(&base->notifier->notifier);
	ret = drm_gpusvm_get_pages(&svm->gpusvm, &range->pages, svm->gpusvm.mm,
				   &base->notifier->notifier,
				   drm_gpusvm_range_start(base),
				   drm_gpusvm_range_end(base), &ctx);
	/*
	 * drm_gpusvm maps the device pages of one pagemap per range: where
	 * peers share the owner (an XGMI hive, PCIe peers) a range may hold
	 * pages of two GPUs. Bring them all back to system memory, once, as
	 * drm_gpusvm's own documentation answers -EOPNOTSUPP, and map them
	 * there. Not where the CPU reaches VRAM over XGMI: there -EOPNOTSUPP
	 * means KFD's coherent pages, which no eviction moves (see
	 * "Coexistence with KFD" in amdgpu_migrate.c).
	 */
	if (ret == -EOPNOTSUPP && !evicted &&
	    !svm->adev->gmc.xgmi.connected_to_cpu &&
	    amdgpu_migrate_has_peers(svm->adev)) {
		evicted = true;
		drm_gpusvm_range_evict(&svm->gpusvm, base);
		goto retry;
	}
	if (ret == -EOPNOTSUPP && !svm->xnack_on)
		range_foreign(svm, range, seq);
	if (!ret) {
		for (mem = 0; mem < AMDGPU_SVM_MEM_COUNT; mem++)
			flags[mem] = amdgpu_svm_range_pte_flags(svm->adev, svm->vm,
								attrs, mem,
								!ctx.read_only);
		ret = range_commit(svm, range, flags,
				   trigger == AMDGPU_SVM_TRIGGER_GPU_FAULT);
	}
	/*
	 * -EAGAIN: an invalidation won the race; -EFAULT: the range was
	 * unmapped meanwhile and the garbage collector must run first.
	 */
	if ((ret == -EAGAIN || ret == -EFAULT) && ++tries < SVM_MAP_RETRIES) {
		amdgpu_svm_range_garbage_collect(svm);
		goto retry;
	}
	/*
	 * -EADDRINUSE: a buffer was mapped into the range while it had no
	 * PTEs (amdgpu_svm_va_in_use() allows that). The range goes; the
	 * retry makes one that stops at the buffer, if the caller's span
	 * allows (a fault's does, amdgpu_svm_range_fault_window()).
	 */
	if (ret == -EADDRINUSE && !range->gpu_mapped &&
	    ++tries < SVM_MAP_RETRIES) {
		range_remove(svm, range);
		goto retry;
	}
	return ret;
}

/* Is the range around @addr already mapped as the access needs? */
static bool range_already_mapped(struct amdgpu_svm *svm, unsigned long addr,
				 bool write)
{
	struct drm_gpusvm_notifier *notifier;
	struct drm_gpusvm_range *base;
	bool mapped = false;

	notifier = drm_gpusvm_notifier_find(&svm->gpusvm, addr, addr + 1);
	if (!notifier)
		return false;

	drm_gpusvm_notifier_lock(&svm->gpusvm);
	base = drm_gpusvm_range_find(notifier, addr, addr + 1);
	if (base) {
		struct amdgpu_svm_range *range = to_amdgpu_svm_range(base);

		mapped = range->gpu_complete &&
			 (!write || (range->pte_flags & AMDGPU_PTE_WRITEABLE));
	}
	drm_gpusvm_notifier_unlock(&svm->gpusvm);
	return mapped;
}

/**
 * amdgpu_svm_range_map_addr() - map the range around one address
 * @svm: the SVM
 * @addr: the address (a GPU fault's)
 * @start: start of the attribute run around @addr, clamped to its VMA
 * @end: end (exclusive) of that run
 * @attrs: the attributes of the run
 * @write: the GPU needs write access
 *
 * A range already mapped with the needed access is left alone: the
 * fault that asked for it was a stale one.
 *
 * Context: process context; the SVM lock held, the mmap lock not held.
 * Return: 0 or a negative error code.
 */
int amdgpu_svm_range_map_addr(struct amdgpu_svm *svm, unsigned long addr,
			      unsigned long start, unsigned long end,
			      const struct amdgpu_svm_attrs *attrs, bool write)
{
	unsigned long next;

	lockdep_assert_held(&svm->lock);

	if (range_already_mapped(svm, addr, write))
		return 0;
	return range_map_one(svm, addr, start, end, attrs,
			     AMDGPU_SVM_TRIGGER_GPU_FAULT, &next);
}

/*
 * Where the next VMA that can be mirrored starts, at or after @addr and
 * before @end; @end if none. A VMA the CPU cannot read (PROT_NONE) gives
 * hmm_range_fault() nothing to mirror, and a device mapping (MMIO,
 * another driver's PFNs) never will: KFD's svm_range_validate_and_map()
 * skips the one and svm_range_is_valid() refuses the other. Trying them
 * would fail every time, and the XNACK-off restore worker would retry
 * forever with the queues stopped.
 */
static unsigned long next_mirrorable(struct amdgpu_svm *svm, unsigned long addr,
				     unsigned long end)
{
	struct mm_struct *mm = svm->mm;
	struct vm_area_struct *vma;

	/* The caller holds a reference to the users of @mm. */
	mmap_read_lock(mm);
	for (vma = find_vma(mm, addr); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end))
		if (amdgpu_svm_vma_mirrorable(vma))
			break;
	if (vma && vma->vm_start < end)
		addr = max(addr, vma->vm_start);
	else
		addr = end;
	mmap_read_unlock(mm);
	return addr;
}

/**
 * amdgpu_svm_vma_mirrorable() - can the GPU mirror a VMA?
 * @vma: the VMA
 *
 * Context: the mmap lock held.
 * Return: false for a VMA the CPU cannot read and for device mappings
 * (%VM_IO, %VM_PFNMAP, %VM_MIXEDMAP).
 */
bool amdgpu_svm_vma_mirrorable(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_READ) &&
	       !(vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP));
}

/* Bytes of the reserved ranges that lie inside [@start, @end). */
static u64 reserved_bytes(struct amdgpu_svm *svm, unsigned long start,
			  unsigned long end)
{
	struct drm_gpusvm_notifier *notifier;
	struct drm_gpusvm_range *base;
	u64 bytes = 0;

	drm_gpusvm_for_each_notifier(notifier, &svm->gpusvm, start, end)
		drm_gpusvm_for_each_range(base, notifier, start, end)
			if (to_amdgpu_svm_range(base)->reserved &&
			    drm_gpusvm_range_start(base) >= start &&
			    drm_gpusvm_range_end(base) <= end)
				bytes += drm_gpusvm_range_size(base);
	return bytes;
}

/* Bytes of [@start, @end) where the attributes give the GPU access. */
static u64 accessible_bytes(struct amdgpu_svm *svm, unsigned long start,
			    unsigned long end, const u32 *access)
{
	unsigned long addr = start;
	u64 bytes = 0;

	while (addr < end) {
		unsigned long run_start, run_last, run_end;
		struct amdgpu_svm_attrs attrs;

		amdgpu_svm_attr_lookup(&svm->attrs, addr >> PAGE_SHIFT, &attrs,
				       &run_start, &run_last);
		run_end = run_last < ((end - 1) >> PAGE_SHIFT) ?
			  (run_last + 1) << PAGE_SHIFT : end;
		if ((access ? *access : attrs.access) !=
		    AMDGPU_SVM_ACCESS_INACCESSIBLE)
			bytes += run_end - addr;
		addr = run_end;
	}
	return bytes;
}

/**
 * amdgpu_svm_range_prepare_set() - check the VMAs under a SET and reserve
 * what it will keep resident, before it changes anything
 * @svm: the SVM
 * @start: first byte of the SET
 * @end: end (exclusive)
 * @access: the access the SET gives, or NULL if it sets none
 *
 * A SET over a device mapping could never be mapped for the GPU; KFD's
 * svm_range_is_valid() refuses it before anything changes, and so does
 * the ioctl. Parts without a VMA are fine (attributes may come before
 * mmap()), and so are VMAs the CPU cannot read yet (allocators reserve
 * address space with PROT_NONE and open it up later): those are skipped
 * until they can be mirrored.
 *
 * With XNACK off, KFD also reserves the memory of the ranges a SET makes
 * before it applies an attribute (svm_range_add() through
 * svm_range_new()), so that a SET beyond the limit changes nothing. The
 * SVM reserves the bytes of the span the GPU will be able to reach (where
 * the access allows it, in VMAs it can mirror) less those of the ranges
 * inside that hold a reservation already; the ranges the SET maps draw on
 * it (&amdgpu_svm.mem_budget), and amdgpu_svm_range_reserve_end()
 * releases the rest. A range reaching across an end of the span is made
 * again on both sides from what it released itself.
 *
 * Context: process context, a thread of the SVM's process; the SVM lock
 * held; takes the mmap lock.
 * Return: 0, -EFAULT if a device mapping lies in [@start, @end), or
 * -ENOMEM if the limit does not allow what the SET would map.
 */
int amdgpu_svm_range_prepare_set(struct amdgpu_svm *svm, unsigned long start,
				 unsigned long end, const u32 *access)
{
	VMA_ITERATOR(vmi, svm->mm, start);
	struct vm_area_struct *vma;
	u64 need = 0, have;
	int ret = 0;

	lockdep_assert_held(&svm->lock);

	mmap_read_lock(svm->mm);
	for_each_vma_range(vmi, vma, end) {
		if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)) {
			ret = -EFAULT;
			break;
		}
		if (!svm->xnack_on && amdgpu_svm_vma_mirrorable(vma))
			need += accessible_bytes(svm, max(start, vma->vm_start),
						 min(end, vma->vm_end), access);
	}
	mmap_read_unlock(svm->mm);
	if (ret || svm->xnack_on)
		return ret;

	have = reserved_bytes(svm, start, end);
	if (need <= have)
		return 0;
	ret = amdgpu_svm_mem_reserve(need - have);
	if (!ret)
		svm->mem_budget = need - have;
	return ret;
}

/**
 * amdgpu_svm_range_reserve_end() - release what a SET reserved and did
 * not use
 * @svm: the SVM
 *
 * Context: the SVM lock held.
 */
void amdgpu_svm_range_reserve_end(struct amdgpu_svm *svm)
{
	lockdep_assert_held(&svm->lock);
	if (svm->mem_budget)
		amdgpu_svm_mem_unreserve(svm->mem_budget);
	svm->mem_budget = 0;
}

/*
 * The loop of amdgpu_svm_range_map() over [@start, @end). With @plan, the
 * ranges are only made and given to the prefetch @plan, until it is full
 * or a range fails; @stop receives where that loop stopped.
 */
static int range_map_span(struct amdgpu_svm *svm, unsigned long start,
			  unsigned long end, enum amdgpu_svm_trigger trigger,
			  struct amdgpu_svm_prefetch *plan, unsigned long *stop)
{
	unsigned long addr = start;
	int err = 0;

	while (addr < end) {
		unsigned long run_start, run_last, run_end, next;
		struct amdgpu_svm_attrs attrs;
		int ret;

		amdgpu_svm_attr_lookup(&svm->attrs, addr >> PAGE_SHIFT, &attrs,
				       &run_start, &run_last);
		run_end = run_last < (end >> PAGE_SHIFT) ?
			  (run_last + 1) << PAGE_SHIFT : end;
		run_start = max(run_start << PAGE_SHIFT, start);

		if (attrs.access == AMDGPU_SVM_ACCESS_INACCESSIBLE) {
			/* Not mapped; a prefetch still moves the pages. */
			if (trigger == AMDGPU_SVM_TRIGGER_PREFETCH && !plan)
				amdgpu_svm_range_prefetch_unmapped(svm, addr,
								   run_end,
								   &attrs);
			addr = run_end;
			continue;
		}
		next = next_mirrorable(svm, addr, run_end);
		if (next != addr) {
			addr = next;
			continue;
		}

		if (plan)
			ret = range_plan_one(svm, addr, run_start, run_end,
					     &attrs, plan, &next);
		else
			ret = range_map_one(svm, addr, run_start, run_end,
					    &attrs, trigger, &next);
		if (ret == -ENOENT) {
			/* No VMA at @addr: go on at the next one. */
			next = drm_gpusvm_find_vma_start(&svm->gpusvm, addr,
							 run_end);
			if (next == ULONG_MAX)
				next = run_end;
		} else if (ret && plan) {
			/* Full, or the map will meet (and report) the error. */
			*stop = addr;
			return 0;
		} else if (ret == -EOPNOTSUPP) {
			/*
			 * Memory only its owner maps (another driver's
			 * device pages) fails its own range, not the ranges
			 * after it: as KFD's svm_range_set_attr() maps every
			 * range and returns the error.
			 */
			err = err ?: ret;
		} else if (ret) {
			return ret;
		}
		/* Always make progress, whatever drm_gpusvm reported. */
		addr = next > addr ? next : run_end;
	}
	if (plan)
		*stop = end;
	return err;
}

/*
 * A prefetch: batches of ranges migrate in parallel, then are mapped (see
 * "Parallel prefetch" in amdgpu_svm_range_migrate.c). A batch that takes
 * no range (its first failed) is mapped alone, which reports the error.
 */
static int range_prefetch(struct amdgpu_svm *svm, unsigned long start,
			  unsigned long end, struct amdgpu_svm_prefetch *p)
{
	const enum amdgpu_svm_trigger trigger = AMDGPU_SVM_TRIGGER_PREFETCH;
	unsigned long addr = start, stop;
	int err = 0, ret;

	p->svm = svm;
	p->count = 0;
	while (addr < end) {
		/* A range taken by an earlier call is not this call's. */
		svm->prefetch_gen++;
		range_map_span(svm, addr, end, trigger, p, &stop);
		if (!p->count)
			stop = end;
		amdgpu_svm_prefetch_run(p);
		ret = range_map_span(svm, addr, stop, trigger, NULL, NULL);
		if (ret == -EOPNOTSUPP) {
			err = err ?: ret;
		} else if (ret) {
			err = ret;
			break;
		}
		addr = stop;
	}
	svm->prefetch_gen++;
	return err;
}

/**
 * amdgpu_svm_range_map() - map every accessible page of [@start, @end)
 * @svm: the SVM
 * @start: first byte, page aligned
 * @end: end (exclusive), page aligned
 * @trigger: what asks for the mapping, for the migration policy
 *
 * Parts without GPU access, without a VMA, or whose VMA cannot be mirrored
 * (amdgpu_svm_vma_mirrorable()) are skipped; a prefetch still moves the
 * pages of those without GPU access. Before a range is mapped, its pages
 * are moved where the policy wants them; a prefetch of more than one
 * range moves them in parallel first.
 *
 * Context: process context; the SVM lock held, the mmap lock not held.
 * Return: 0 or a negative error code (the parts mapped stay mapped);
 * -EOPNOTSUPP, after mapping every other range, if a range holds device
 * memory of another owner (see drm_gpusvm_get_pages()).
 */
int amdgpu_svm_range_map(struct amdgpu_svm *svm, unsigned long start,
			 unsigned long end, enum amdgpu_svm_trigger trigger)
{
	struct amdgpu_svm_prefetch *p;
	int ret;

	lockdep_assert_held(&svm->lock);

	/* One range, or no helper allowed: the caller moves the pages alone. */
	if (trigger != AMDGPU_SVM_TRIGGER_PREFETCH ||
	    end - start <= SZ_2M || !READ_ONCE(amdgpu_svm_prefetch_workers))
		return range_map_span(svm, start, end, trigger, NULL, NULL);
	p = kmalloc_obj(*p);
	if (!p)
		return range_map_span(svm, start, end, trigger, NULL, NULL);
	ret = range_prefetch(svm, start, end, p);
	kfree(p);
	return ret;
}

static void range_gc_add(struct amdgpu_svm *svm, struct amdgpu_svm_range *range,
			 const struct mmu_notifier_range *mmu_range)
{
	drm_gpusvm_range_set_unmapped(&range->base, &range->pages, 1, mmu_range);

	spin_lock(&svm->gc.lock);
	if (list_empty(&range->gc_link))
		list_add_tail(&range->gc_link, &svm->gc.ranges);
	spin_unlock(&svm->gc.lock);
	/* Freezable, as the restore worker: see amdgpu_svm_range_restore_add(). */
	queue_work(system_freezable_wq, &svm->gc.work);
}

/**
 * amdgpu_svm_range_quiesce() - XNACK off: stop the queues before PTEs go
 * @svm: the SVM
 *
 * KFD stops a process's queues before any unmap with XNACK off
 * (svm_range_evict()); a SET that removes mapped ranges does the same.
 * The SVM is marked first, under amdgpu's notifier lock: a command
 * submission checks the mark under the same lock before it adds its
 * job's fence to the VM (amdgpu_cs_submit()), so either the submission
 * is refused or its fence is there to be waited for. The user queues'
 * restore checks it right before it maps them, after it armed a new
 * eviction fence and under the mutex the fence's suspend worker takes:
 * either it sees the mark and maps nothing, or the wait below finds the
 * new fence and the suspend worker unmaps what it mapped. Then
 * everything that runs is waited for (or stopped), every
 * time: another invalidation may still be waiting for the queues it
 * found running. The mark is shared with the restore worker, and goes
 * (amdgpu_svm_range_resume()) once nothing is left to restore.
 *
 * Context: process context or the MMU notifier; may sleep.
 */
void amdgpu_svm_range_quiesce(struct amdgpu_svm *svm)
{
	mutex_lock(&svm->adev->notifier_lock);
	spin_lock(&svm->restore.lock);
	svm->restore.quiesced = true;
	spin_unlock(&svm->restore.lock);
	mutex_unlock(&svm->adev->notifier_lock);
	amdgpu_svm_gpu_quiesce(svm);
}

/**
 * amdgpu_svm_range_resume() - run the queues again, unless something is
 *	still to be restored
 * @svm: the SVM
 *
 * Context: process context, the SVM lock held; after the PTE updates
 * landed (the map path waits for them outside a GPU fault).
 */
void amdgpu_svm_range_resume(struct amdgpu_svm *svm)
{
	bool resume;

	lockdep_assert_held(&svm->lock);
	spin_lock(&svm->restore.lock);
	resume = svm->restore.quiesced && !svm->restore.nspans;
	if (resume)
		svm->restore.quiesced = false;
	spin_unlock(&svm->restore.lock);
	if (resume)
		amdgpu_svm_gpu_resume(svm);
}

/**
 * amdgpu_svm_range_held() - are the VM's queues held for a restore?
 * @svm: the SVM
 *
 * Context: any context; takes the restore spinlock.
 * Return: true from amdgpu_svm_range_quiesce() until the restore worker
 * (or the SET that quiesced) mapped again and resumed.
 */
bool amdgpu_svm_range_held(struct amdgpu_svm *svm)
{
	bool held;

	spin_lock(&svm->restore.lock);
	held = svm->restore.quiesced;
	spin_unlock(&svm->restore.lock);
	return held;
}

/**
 * amdgpu_svm_range_mapped_in() - has any range in a span GPU PTEs?
 * @svm: the SVM
 * @first: first page
 * @last: last page (inclusive)
 *
 * Context: takes the notifier lock.
 * Return: true if a range with PTEs overlaps [@first, @last].
 */
bool amdgpu_svm_range_mapped_in(struct amdgpu_svm *svm, unsigned long first,
				unsigned long last)
{
	bool mapped;

	drm_gpusvm_notifier_lock(&svm->gpusvm);
	mapped = interval_tree_iter_first(&svm->mapped, first, last);
	drm_gpusvm_notifier_unlock(&svm->gpusvm);
	return mapped;
}

/**
 * amdgpu_svm_range_restore_add() - XNACK off: map [@start, @end) again later
 * @svm: the SVM
 * @start: first byte
 * @end: end (exclusive)
 *
 * Remembers the span for the restore worker and makes sure the queues are
 * stopped until it mapped it.
 *
 * Context: any context that may sleep, the MMU notifier included.
 */
void amdgpu_svm_range_restore_add(struct amdgpu_svm *svm, unsigned long start,
				  unsigned long end)
{
	spin_lock(&svm->restore.lock);
	restore_span_add_locked(svm, start, end);
	spin_unlock(&svm->restore.lock);
	amdgpu_svm_range_quiesce(svm);
	/*
	 * On the freezable queue, as KFD queues its svm_range_restore_work():
	 * no page-table update is submitted while the system suspends.
	 */
	mod_delayed_work(system_freezable_wq, &svm->restore.work, svm->restore.delay);
}

/**
 * amdgpu_svm_range_restore_work() - XNACK off: map again what the CPU
 * side invalidated, then resume the GPU queues
 * @work: &amdgpu_svm.restore.work
 *
 * The queues are resumed only once no invalidation came in while the
 * worker mapped; otherwise the worker runs again.
 *
 * Context: workqueue; takes the SVM lock.
 */
void amdgpu_svm_range_restore_work(struct work_struct *work)
{
	struct amdgpu_svm *svm = container_of(to_delayed_work(work),
					      struct amdgpu_svm, restore.work);
	struct amdgpu_svm_span spans[AMDGPU_SVM_RESTORE_SPANS];
	unsigned int i, n;
	int ret = 0;

	/*
	 * Hold the address space's users across the SVM lock (the mapping
	 * takes and drops its own references). Without users the process is
	 * exiting and its release closes the SVM: nothing to restore. The
	 * reference goes asynchronously, as KFD's deferred-list worker drops
	 * its own: the last one must not run exit_mmap() here, where closing
	 * would cancel this very work.
	 */
	if (!mmget_not_zero(svm->mm))
		return;
	mutex_lock(&svm->lock);
	if (READ_ONCE(svm->closing)) {
		mutex_unlock(&svm->lock);
		mmput_async(svm->mm);
		return;
	}

	spin_lock(&svm->restore.lock);
	n = svm->restore.nspans;
	memcpy(spans, svm->restore.spans, n * sizeof(*spans));
	svm->restore.nspans = 0;
	spin_unlock(&svm->restore.lock);

	amdgpu_svm_range_garbage_collect(svm);
	for (i = 0; i < n; i++) {
		int err = amdgpu_svm_range_map(svm, spans[i].start, spans[i].end,
					       AMDGPU_SVM_TRIGGER_RESTORE);

		/*
		 * What cannot be mapped while another driver holds it (the
		 * process let KFD migrate it) is given up until that driver
		 * lets go (range_foreign()), and the queues resume; they
		 * take a fatal fault if they touch it. KFD's
		 * svm_range_restore_work() retries every failure, as its
		 * own memory always maps again; retrying this one would keep
		 * the queues stopped until then.
		 */
		if (err == -EOPNOTSUPP) {
			dev_warn_ratelimited(svm->adev->dev,
					     "SVM: [%lx, %lx) holds device memory of another owner; left unmapped\n",
					     spans[i].start, spans[i].end);
			continue;
		}
		/* On other failures try again later; the queues stay stopped. */
		if (err) {
			spin_lock(&svm->restore.lock);
			restore_span_add_locked(svm, spans[i].start,
						spans[i].end);
			spin_unlock(&svm->restore.lock);
			ret = err;
		}
	}

	/*
	 * Resume what was quiesced, once nothing is left to restore (KFD
	 * counts quiesce and resume); a span added meanwhile scheduled this
	 * work again.
	 */
	if (ret)
		mod_delayed_work(system_freezable_wq, &svm->restore.work,
				 svm->restore.delay);
	else
		amdgpu_svm_range_resume(svm);
	mutex_unlock(&svm->lock);
	mmput_async(svm->mm);
}

static void amdgpu_svm_range_invalidate(struct drm_gpusvm *gpusvm,
					struct drm_gpusvm_notifier *notifier,
					const struct mmu_notifier_range *mmu_range)
{
	struct amdgpu_svm *svm = gpusvm_to_svm(gpusvm);
	struct drm_gpusvm_ctx ctx = { .in_notifier = true };
	struct drm_gpusvm_range *first, *base;
	struct range_zap zap = {};
	unsigned long start, end;

	/*
	 * exit_mmap(): the address space is going away, and the mm release
	 * callback, called right after every interval notifier saw this,
	 * closes the SVM and zaps all of it before a page is freed. Nothing
	 * is to be restored and no queue to be stopped for it; KFD's
	 * svm_range_cpu_invalidate_pagetables() ignores the event too.
	 */
	if (mmu_range->event == MMU_NOTIFY_RELEASE)
		return;

	start = max(mmu_range->start, drm_gpusvm_notifier_start(notifier));
	end = min(mmu_range->end, drm_gpusvm_notifier_end(notifier));
	first = drm_gpusvm_range_find(notifier, start, end);
	if (!first)
		return;

	/* Phase 1: the GPU must not reach the pages any more. */
	base = first;
	drm_gpusvm_for_each_range(base, notifier, start, end) {
		struct amdgpu_svm_range *range = to_amdgpu_svm_range(base);

		/*
		 * Another owner's memory moved: it may be ours to map now
		 * (KFD took its pages back to system memory, say).
		 */
		if (range->foreign && !svm->closing) {
			range->foreign = false;
			amdgpu_svm_range_restore_add(svm,
						     drm_gpusvm_range_start(base),
						     drm_gpusvm_range_end(base));
		}
		if (!range->gpu_mapped)
			continue;
		/*
		 * XNACK off: a queue that touched the page now would take a
		 * fatal fault, so the queues stop before the PTEs go, as
		 * KFD's svm_range_evict() quiesces them before anything is
		 * unmapped. What the CPU keeps of the range is mapped again
		 * by the restore worker, which then resumes them.
		 */
		if (!svm->xnack_on && !svm->closing)
			amdgpu_svm_range_restore_add(svm,
						     drm_gpusvm_range_start(base),
						     drm_gpusvm_range_end(base));
		range_zap(svm, range, &zap);
	}
	range_zap_done(svm, &zap);

	/*
	 * Phase 2: release the DMA mappings; queue for removal what the CPU
	 * unmapped, and what now straddles a VMA boundary because part of it
	 * changed protection (mprotect() splits the VMA first): such a range
	 * could never again be faulted in for writing as a whole.
	 */
	base = first;
	drm_gpusvm_for_each_range(base, notifier, start, end) {
		struct amdgpu_svm_range *range = to_amdgpu_svm_range(base);
		bool split = mmu_range->event == MMU_NOTIFY_PROTECTION_VMA &&
			     (drm_gpusvm_range_start(base) < mmu_range->start ||
			      drm_gpusvm_range_end(base) > mmu_range->end);

		drm_gpusvm_unmap_pages(gpusvm, &range->pages, range_npages(range),
				       &ctx);
		if ((mmu_range->event == MMU_NOTIFY_UNMAP || split) &&
		    !svm->closing)
			range_gc_add(svm, range, mmu_range);
	}
}

const struct drm_gpusvm_ops amdgpu_svm_range_ops = {
	.range_alloc = amdgpu_svm_range_alloc,
	.range_free = amdgpu_svm_range_free,
	.invalidate = amdgpu_svm_range_invalidate,
};

/**
 * amdgpu_svm_range_garbage_collect() - remove the ranges queued as unmapped
 * @svm: the SVM
 *
 * Context: process context; the SVM lock held.
 */
void amdgpu_svm_range_garbage_collect(struct amdgpu_svm *svm)
{
	struct drm_gpusvm_ctx ctx = {};
	struct amdgpu_svm_range *range;

	lockdep_assert_held(&svm->lock);

	for (;;) {
		spin_lock(&svm->gc.lock);
		range = list_first_entry_or_null(&svm->gc.ranges,
						 struct amdgpu_svm_range, gc_link);
		if (range)
			list_del_init(&range->gc_link);
		spin_unlock(&svm->gc.lock);
		if (!range)
			break;

		/* The notifier zapped the PTEs; unmap before removing. */
		drm_gpusvm_unmap_pages(&svm->gpusvm, &range->pages,
				       range_npages(range), &ctx);
		drm_gpusvm_range_remove(&svm->gpusvm, &range->base);
	}
}

/* Is @base left alone, not reaching outside [@start, @end)? */
static bool range_left_alone(struct drm_gpusvm_range *base,
			     unsigned long start, unsigned long end,
			     bool straddling_only)
{
	return straddling_only && drm_gpusvm_range_start(base) >= start &&
	       drm_gpusvm_range_end(base) <= end;
}

/*
 * Zap the ranges overlapping [@start, @end) (only those reaching outside
 * it, with @straddling_only) outside the MMU notifier; wait for the clears
 * and flush.
 *
 * The notifier lock is held from the first zap until after the flush. A
 * range no longer marked mapped is one whose pages the notifier releases
 * at once, without a zap of its own (amdgpu_svm_range_invalidate()): by
 * the time a munmap() can see the mark gone, the GPU must no longer reach
 * the pages, through its PTEs or its TLB. The notifier itself zaps, waits
 * and flushes under the lock for the same reason, as KFD's
 * svm_range_unmap_from_gpus() waits for the clear and flushes before its
 * callers let the pages go.
 */
static void ranges_zap(struct amdgpu_svm *svm, unsigned long start,
		       unsigned long end, bool straddling_only)
{
	struct drm_gpusvm_notifier *notifier, *next;
	struct range_zap zap = {};

	drm_gpusvm_notifier_lock(&svm->gpusvm);
	drm_gpusvm_for_each_notifier_safe(notifier, next, &svm->gpusvm,
					  start, end) {
		struct drm_gpusvm_range *base, *tmp;

		drm_gpusvm_for_each_range_safe(base, tmp, notifier, start, end)
			if (!range_left_alone(base, start, end, straddling_only))
				range_zap(svm, to_amdgpu_svm_range(base), &zap);
	}
	amdgpu_svm_race_point(svm, AMDGPU_SVM_RACE_ZAP);
	range_zap_done(svm, &zap);
	drm_gpusvm_notifier_unlock(&svm->gpusvm);
}

/**
 * amdgpu_svm_range_remove_span() - remove ranges overlapping [@start, @end)
 * @svm: the SVM
 * @start: first byte
 * @end: end (exclusive)
 * @straddling_only: remove only the ranges that reach outside the span,
 *	whose attributes are no longer uniform
 * @removed_start: lowered to the start of every removed range
 * @removed_end: raised to the end of every removed range
 *
 * Removed ranges lose their GPU mapping; the caller remaps what must be.
 *
 * Context: process context; the SVM lock held.
 */
void amdgpu_svm_range_remove_span(struct amdgpu_svm *svm, unsigned long start,
				  unsigned long end, bool straddling_only,
				  unsigned long *removed_start,
				  unsigned long *removed_end)
{
	struct drm_gpusvm_notifier *notifier, *next;

	lockdep_assert_held(&svm->lock);

	/*
	 * Only once the GPU no longer reaches the pages do they go; the SVM
	 * lock keeps the ranges zapped the ones removed here.
	 */
	ranges_zap(svm, start, end, straddling_only);
	drm_gpusvm_for_each_notifier_safe(notifier, next, &svm->gpusvm,
					  start, end) {
		struct drm_gpusvm_range *base, *tmp;

		drm_gpusvm_for_each_range_safe(base, tmp, notifier, start, end) {
			if (range_left_alone(base, start, end, straddling_only))
				continue;
			*removed_start = min(*removed_start,
					     drm_gpusvm_range_start(base));
			*removed_end = max(*removed_end,
					   drm_gpusvm_range_end(base));
			range_remove(svm, to_amdgpu_svm_range(base));
		}
	}
}

/**
 * amdgpu_svm_range_unmap_all() - zap and unmap every range before teardown
 * @svm: the SVM
 *
 * Context: process context; the SVM lock held.
 */
void amdgpu_svm_range_unmap_all(struct amdgpu_svm *svm)
{
	struct drm_gpusvm_notifier *notifier, *next;
	struct drm_gpusvm_ctx ctx = {};

	lockdep_assert_held(&svm->lock);

	/* The GPU may use the DMA addresses until the clears are flushed. */
	ranges_zap(svm, 0, ULONG_MAX, false);
	drm_gpusvm_for_each_notifier_safe(notifier, next, &svm->gpusvm, 0,
					  ULONG_MAX) {
		struct drm_gpusvm_range *base, *tmp;

		drm_gpusvm_for_each_range_safe(base, tmp, notifier, 0, ULONG_MAX) {
			struct amdgpu_svm_range *range = to_amdgpu_svm_range(base);

			drm_gpusvm_unmap_pages(&svm->gpusvm, &range->pages,
					       range_npages(range), &ctx);
		}
	}
}
