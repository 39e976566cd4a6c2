// SPDX-License-Identifier: GPL-2.0 OR MIT

#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/workqueue.h>
#include <linux/slab.h>

#include <kunit/static_stub.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>

#include "amdgpu.h"
#include "amdgpu_migrate.h"
#include "amdgpu_svm.h"
#include "amdgpu_svm_attr.h"
#include "amdgpu_svm_range_migrate.h"

#include "amdgpu_svm_trace.h"

/**
 * DOC: Migration policy
 *
 * Before the range layer maps a drm_gpusvm range, it asks the policy
 * whether the pages should move first. The decision,
 * amdgpu_svm_migrate_decide(), is a pure function of four inputs:
 *
 * - the attributes of the range (PREFERRED_LOC, PREFETCH_LOC, ACCESS);
 * - where its pages are now: none in this GPU's VRAM, all of them, or
 *   some; or some in the VRAM of a peer (this GPU's XGMI hive, or a PCIe
 *   peer), which this GPU may map where they are (&enum amdgpu_svm_placement, and
 *   "Peers" in amdgpu_migrate.c);
 * - what asked for the mapping: a GPU fault, a prefetch, an XNACK-off map
 *   after a SET, or the XNACK-off restore worker (&enum amdgpu_svm_trigger);
 * - whether the device can migrate these pages at all (VRAM registered,
 *   anonymous memory).
 *
 * The rules:
 *
 * - Only a prefetch and a GPU fault move pages, as in KFD: the XNACK-off
 *   map after a SET and the restore worker map them where they are.
 * - A prefetch uses PREFETCH_LOC; a GPU fault uses PREFERRED_LOC.
 *   A SET with PREFETCH_LOC acts every time, even when the stored value
 *   does not change, in both XNACK modes.
 * - SYSMEM: pages in VRAM, this GPU's or a peer's, go back to system
 *   memory: ROCr prefetches to system memory on every GPU's file.
 * - A GPU (any other value; one fd is one GPU): pages not yet in this
 *   GPU's VRAM go there; on a GPU fault only if ACCESS is ALLOW_MIGRATE
 *   (IN_PLACE maps them where they are), on a prefetch whatever ACCESS
 *   says, as KFD prefetches (INACCESSIBLE pages move without being
 *   mapped). Pages in a peer's VRAM are not yet in this GPU's: IN_PLACE
 *   maps them there, over XGMI; a move copies them from the peer's VRAM
 *   into this GPU's, over XGMI, once their timeslice ended. The
 *   timeslice keeps two GPUs that fault on one page from moving it back
 *   and forth faster than that: the peer's pages refuse to leave until
 *   it ends.
 * - UNDEFINED: a GPU fault moves the pages to the GPU that faulted, as
 *   KFD does (again only with ALLOW_MIGRATE); nothing else moves them. In
 *   particular an UNDEFINED preferred location never evicts what a
 *   prefetch put in VRAM.
 *
 * The executor, amdgpu_svm_range_migrate(), looks before it allocates: it
 * first takes a snapshot of the CPU page table over the span (no fault,
 * nothing allocated) and decides on what it finds, so a span already
 * where it should be costs one page-table walk, no VRAM and no copy. The
 * span is the drm_gpusvm range, widened to the block of GRANULARITY
 * around the address that asked (aligned to its size), and clamped to the
 * VMA, the attribute run and the range's notifier. A prefetch of an
 * INACCESSIBLE span, which no range covers, moves each of its VMAs'
 * parts whole (amdgpu_svm_range_prefetch_unmapped()).
 *
 * drm_pagemap migrates a span all or nothing and refuses one whose pages
 * are partly in this VRAM already (-EBUSY): such a mixed span is first
 * brought back to system memory, and a migration that still fails with
 * -EBUSY (a race) is retried once after another eviction, as xe does. Any
 * other failure (VRAM full, a copy error, the device going away) leaves
 * the data where it was, counts a fallback, and the range is mapped
 * there: the call that asked still succeeds.
 *
 * Anti-thrashing: pages moved to VRAM stay there for
 * amdgpu.svm_timeslice_ms milliseconds (module parameter, default 5)
 * before a CPU fault may take them back; until then the CPU fault waits.
 * This keeps a GPU and a CPU that touch the same pages from bouncing them
 * on every access; 0 turns it off.
 */

/**
 * DOC: Observability
 *
 * Tracepoints, in the amdgpu_svm trace system:
 *
 * - amdgpu_svm_migrate_start and amdgpu_svm_migrate_end around every
 *   migration the policy starts: direction, trigger, start address and
 *   pages of the span; the end event adds the bytes copied, the copy
 *   commands issued and the result. Bytes and commands are read from the
 *   device's counters, so migrations of other processes that run at the
 *   same time are included.
 * - amdgpu_svm_gpu_fault for every GPU fault handled, with its result.
 * - amdgpu_svm_evict for every VRAM allocation evicted by TTM or at
 *   unbind.
 * - amdgpu_svm_fallback when a migration failed and the range is mapped
 *   where its pages are.
 *
 * Counters, per device, in debugfs as dri/<minor>/amdgpu_svm_stats (one
 * "name value" pair a line; only on a device whose VRAM is registered for
 * migration): pages_in and pages_out (pages copied to and from VRAM),
 * pages_to_peer (pages copied from this VRAM into a peer's),
 * gpu_faults, evictions, fallbacks, copy_commands, cpu_waits and
 * bytes_cleared.
 */

unsigned int amdgpu_svm_prefetch_workers = AMDGPU_SVM_PREFETCH_WORKERS;
module_param_named(svm_prefetch_workers, amdgpu_svm_prefetch_workers, uint,
		   0644);
MODULE_PARM_DESC(svm_prefetch_workers,
		 "SVM: threads that help a prefetch move independent ranges (default 4, at most 4, 0 = the caller alone)");

unsigned int amdgpu_svm_timeslice_ms = 5;
module_param_named(svm_timeslice_ms, amdgpu_svm_timeslice_ms, uint, 0644);
MODULE_PARM_DESC(svm_timeslice_ms,
		 "SVM: ms that pages moved to VRAM stay there before a CPU fault may take them back (default 5, 0 = off)");

/**
 * amdgpu_svm_migrate_decide() - where the pages of a span should be
 * @attrs: the attributes of the span
 * @placement: where its pages are now
 * @trigger: what asked for the mapping
 * @can_migrate: the device can hold these pages in VRAM
 *
 * The rules are in "Migration policy" above; the KUnit suite
 * amdgpu_svm_policy has a row for each.
 *
 * Context: any.
 * Return: what to do before the span is mapped.
 */
enum amdgpu_svm_migrate_action
amdgpu_svm_migrate_decide(const struct amdgpu_svm_attrs *attrs,
			  enum amdgpu_svm_placement placement,
			  enum amdgpu_svm_trigger trigger, bool can_migrate)
{
	bool prefetch = trigger == AMDGPU_SVM_TRIGGER_PREFETCH;
	u32 loc = prefetch ? attrs->prefetch_loc : attrs->preferred_loc;

	/*
	 * XNACK off, a SET's map and the restore worker map the pages where
	 * they are: KFD's svm_range_restore_work() never migrates, and
	 * svm_range_set_attr() migrates only to the prefetch location (which
	 * is one-shot here: see Documentation/gpu/amdgpu/svm/migration.rst).
	 * Otherwise a GPU preferred location would pull the pages back, and
	 * stop the queues again, after every CPU touch.
	 */
	if (trigger == AMDGPU_SVM_TRIGGER_MAP ||
	    trigger == AMDGPU_SVM_TRIGGER_RESTORE)
		return AMDGPU_SVM_MIGRATE_STAY;

	if (loc == AMDGPU_SVM_LOCATION_SYSMEM)
		return placement == AMDGPU_SVM_PLACEMENT_SYSMEM ?
		       AMDGPU_SVM_MIGRATE_STAY : AMDGPU_SVM_MIGRATE_TO_SYSMEM;
	/* No preference: only the GPU that faults pulls the pages over. */
	if (loc == AMDGPU_SVM_LOCATION_UNDEFINED &&
	    trigger != AMDGPU_SVM_TRIGGER_GPU_FAULT)
		return AMDGPU_SVM_MIGRATE_STAY;

	/*
	 * This GPU's VRAM. A prefetch moves the pages whatever the GPU's
	 * ACCESS, as KFD's svm_range_best_prefetch_location() skips the
	 * target GPU's own access bits (SetAccessedBy, then a prefetch, is
	 * a common pattern); a fault moves them only with ALLOW_MIGRATE.
	 */
	if (!can_migrate || placement == AMDGPU_SVM_PLACEMENT_VRAM ||
	    (!prefetch && attrs->access != AMDGPU_SVM_ACCESS_ALLOW_MIGRATE))
		return AMDGPU_SVM_MIGRATE_STAY;
	return AMDGPU_SVM_MIGRATE_TO_VRAM;
}

/* Could the decision be anything but STAY, wherever the pages are? */
static bool policy_may_move(const struct amdgpu_svm_attrs *attrs,
			    enum amdgpu_svm_trigger trigger)
{
	static const enum amdgpu_svm_placement all[] = {
		AMDGPU_SVM_PLACEMENT_SYSMEM,
		AMDGPU_SVM_PLACEMENT_VRAM,
		AMDGPU_SVM_PLACEMENT_MIXED,
		AMDGPU_SVM_PLACEMENT_PEER,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all); i++)
		if (amdgpu_svm_migrate_decide(attrs, all[i], trigger, true) !=
		    AMDGPU_SVM_MIGRATE_STAY)
			return true;
	return false;
}

/*
 * Walk the CPU page table over [@start, @end) with hmm. With @fault, every
 * page is faulted in as a CPU read would, which brings device-private
 * pages back to system memory; without it the walk only looks, @in_vram
 * gets the number of pages in @pgmap and @in_peer the number in a peer's
 * VRAM (device-private pages of @pgmap's owner: its hive, its PCIe
 * peers). The mmap lock is held.
 */
static int span_walk(struct mmu_interval_notifier *notifier,
		     unsigned long start, unsigned long end,
		     const struct dev_pagemap *pgmap, bool fault,
		     unsigned long *in_vram, unsigned long *in_peer)
{
	/*
	 * A second for invalidations, as drm_gpusvm allows, and the time
	 * device pages may refuse to leave: hmm_range_fault() waits inside
	 * for them to come out of their anti-thrashing timeslice, and the
	 * move that then succeeds invalidates the walk.
	 */
	unsigned long timeout = jiffies +
				msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT +
						 READ_ONCE(amdgpu_svm_timeslice_ms));
	unsigned long npages = (end - start) >> PAGE_SHIFT, i, n = 0, peer = 0;
	struct hmm_range hmm_range = {
		.notifier = notifier,
		.start = start,
		.end = end,
		.default_flags = fault ? HMM_PFN_REQ_FAULT : 0,
		/* Our pages show as pages when looking, fault when evicting. */
		.dev_private_owner = fault ? NULL : pgmap->owner,
	};
	int ret;

	hmm_range.hmm_pfns = kvmalloc_array(npages, sizeof(unsigned long),
					    GFP_KERNEL);
	if (!hmm_range.hmm_pfns)
		return -ENOMEM;

	do {
		hmm_range.notifier_seq = mmu_interval_read_begin(notifier);
		ret = hmm_range_fault(&hmm_range);
		if (ret == -EBUSY && fatal_signal_pending(current))
			ret = -EINTR;
		else if (ret == -EBUSY && time_after(jiffies, timeout))
			ret = -ETIME;
	} while (ret == -EBUSY);

	for (i = 0; !ret && !fault && i < npages; i++) {
		unsigned long pfn = hmm_range.hmm_pfns[i];
		struct page *page;

		if (!(pfn & HMM_PFN_VALID))
			continue;
		page = hmm_pfn_to_page(pfn);
		if (is_zone_device_page(page) && page_pgmap(page) == pgmap)
			n++;
		else if (is_device_private_page(page))
			peer++;
	}
	if (in_vram)
		*in_vram = n;
	if (in_peer)
		*in_peer = peer;
	kvfree(hmm_range.hmm_pfns);
	return ret;
}

static int evict_span(struct mm_struct *mm,
		      struct mmu_interval_notifier *notifier,
		      unsigned long start, unsigned long end)
{
	int ret;

	mmap_read_lock(mm);
	ret = span_walk(notifier, start, end, NULL, true, NULL, NULL);
	mmap_read_unlock(mm);
	return ret;
}

static int migrate_to_vram(struct amdgpu_svm *svm, struct amdgpu_migrate *mig,
			   struct mmu_interval_notifier *notifier,
			   unsigned long start, unsigned long end,
			   enum amdgpu_svm_placement placement)
{
	unsigned long timeslice = READ_ONCE(amdgpu_svm_timeslice_ms);
	/* The VM's memory partition, as the file's buffers are placed. */
	int xcp_id = svm->adev->gmc.mem_partitions ?
		     svm->vm->root.bo->xcp_id : -1;
	int ret;

	/*
	 * drm_pagemap would refuse a span that is partly ours already. A
	 * peer's pages come straight from its VRAM, its engine copying over
	 * XGMI or into our BAR, once their timeslice ended; should that fail
	 * with -EBUSY again (a race), they come through system memory (see
	 * "Peers").
	 */
	if (placement == AMDGPU_SVM_PLACEMENT_VRAM ||
	    placement == AMDGPU_SVM_PLACEMENT_MIXED) {
		ret = evict_span(svm->mm, notifier, start, end);
		if (ret)
			return ret;
	}
	ret = amdgpu_migrate_populate(mig, svm->mm, start, end, timeslice,
				      xcp_id);
	/* A peer's pages refused within their timeslice: straight, after. */
	if (ret == -EBUSY && placement == AMDGPU_SVM_PLACEMENT_PEER &&
	    amdgpu_migrate_peer_wait(mig, timeslice))
		ret = amdgpu_migrate_populate(mig, svm->mm, start, end,
					      timeslice, xcp_id);
	/*
	 * Raced with another migration of these pages, or a peer's pages
	 * could not come straight (-EBUSY), or the peer refused its pages to
	 * this GPU (-EFAULT: its unbind began): once more, from system
	 * memory.
	 */
	if (ret == -EBUSY ||
	    (ret == -EFAULT && placement == AMDGPU_SVM_PLACEMENT_PEER)) {
		ret = evict_span(svm->mm, notifier, start, end);
		if (!ret)
			ret = amdgpu_migrate_populate(mig, svm->mm, start, end,
						      timeslice, xcp_id);
	}
	return ret;
}

static u64 stats_pages(struct amdgpu_migrate_stats *stats)
{
	return atomic64_read(&stats->pages_in) +
	       atomic64_read(&stats->pages_out);
}

/* Carry the decision out; a failure leaves the pages where they were. */
static void migrate_span(struct amdgpu_svm *svm, struct amdgpu_migrate *mig,
			 struct mmu_interval_notifier *notifier,
			 unsigned long start, unsigned long end,
			 enum amdgpu_svm_placement placement,
			 enum amdgpu_svm_migrate_action action,
			 enum amdgpu_svm_trigger trigger)
{
	struct amdgpu_migrate_stats *stats = &mig->stats;
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct device *dev = svm->adev->dev;
	u64 pages = stats_pages(stats);
	u64 copies = atomic64_read(&stats->copy_commands);
	int ret;

	trace_amdgpu_svm_migrate_start(dev, action, trigger, start, npages);
	if (action == AMDGPU_SVM_MIGRATE_TO_VRAM)
		ret = migrate_to_vram(svm, mig, notifier, start, end, placement);
	else
		ret = evict_span(svm->mm, notifier, start, end);
	trace_amdgpu_svm_migrate_end(dev, action, trigger, start, npages,
				     (stats_pages(stats) - pages) << PAGE_SHIFT,
				     atomic64_read(&stats->copy_commands) - copies,
				     ret);
	if (!ret)
		return;

	atomic64_inc(&stats->fallbacks);
	trace_amdgpu_svm_fallback(dev, action, trigger, start, npages, ret);
	dev_dbg(dev, "SVM: migrating [0x%lx, 0x%lx) failed (%d), mapped in place\n",
		start, end, ret);
}

/*
 * @in_vram of the pages of [@start, @end) are in this VRAM, @in_peer in a
 * peer's: decide where they should be, and move them there.
 */
static void decide_and_migrate(struct amdgpu_svm *svm,
			       struct amdgpu_migrate *mig,
			       struct mmu_interval_notifier *notifier,
			       unsigned long start, unsigned long end,
			       unsigned long in_vram, unsigned long in_peer,
			       const struct amdgpu_svm_attrs *attrs,
			       enum amdgpu_svm_trigger trigger, bool can_migrate)
{
	enum amdgpu_svm_migrate_action action;
	enum amdgpu_svm_placement placement;

	if (!in_vram)
		placement = in_peer ? AMDGPU_SVM_PLACEMENT_PEER :
				      AMDGPU_SVM_PLACEMENT_SYSMEM;
	else if (in_vram == (end - start) >> PAGE_SHIFT)
		placement = AMDGPU_SVM_PLACEMENT_VRAM;
	else
		placement = AMDGPU_SVM_PLACEMENT_MIXED;
	action = amdgpu_svm_migrate_decide(attrs, placement, trigger,
					   can_migrate);
	if (action != AMDGPU_SVM_MIGRATE_STAY)
		migrate_span(svm, mig, notifier, start, end, placement, action,
			     trigger);
}

/**
 * amdgpu_svm_race_point() - where a test may race another path with this one
 * @svm: the SVM
 * @where: which window (&enum amdgpu_svm_race)
 *
 * Not a hardware leaf: a test seam that does nothing. The map path calls
 * it after it got the pages of a range and before it checks that they are
 * still valid, the window in which an invalidation must make the commit
 * fail; the policy calls it while it holds the VRAM registration, which
 * unbind must not free under it; a zap outside the MMU notifier calls it
 * before it flushes, the window in which a munmap() must not release the
 * pages. A KUnit case replaces it to unmap or remap memory, or unbind the
 * device, right there.
 *
 * Context: process context; the SVM lock held; no other lock, but the
 * notifier lock at %AMDGPU_SVM_RACE_ZAP.
 */
void amdgpu_svm_race_point(struct amdgpu_svm *svm, enum amdgpu_svm_race where)
{
	KUNIT_STATIC_STUB_REDIRECT(amdgpu_svm_race_point, svm, where);
}

/*
 * The body of amdgpu_svm_range_migrate(). The SVM lock is held by this
 * thread, or by the prefetch that waits for this worker
 * (amdgpu_svm_prefetch_run()): either way no range is removed and no
 * attribute changes meanwhile.
 */
static void range_migrate(struct amdgpu_svm *svm,
			  struct drm_gpusvm_range *range,
			  const struct amdgpu_svm_attrs *attrs,
			  enum amdgpu_svm_trigger trigger, unsigned long addr,
			  unsigned long start, unsigned long end)
{
	struct mmu_interval_notifier *notifier = &range->notifier->notifier;
	struct amdgpu_migrate *mig;
	unsigned long granule = PAGE_SIZE << attrs->granularity;
	struct mm_struct *mm = svm->mm;
	struct vm_area_struct *vma;
	unsigned long in_vram, in_peer;
	bool can_migrate;
	int ret;

	if (!policy_may_move(attrs, trigger))
		return;
	/*
	 * Without a registration no page of ours exists: nothing to move.
	 * Unbind may end it while this runs: hold it (a migration started
	 * then fails, and the pages stay).
	 */
	mig = amdgpu_migrate_get(svm->adev);
	if (!mig)
		return;
	amdgpu_svm_race_point(svm, AMDGPU_SVM_RACE_MIGRATE);
	if (!mmget_not_zero(mm))
		goto out_mig;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (!vma) {
		mmap_read_unlock(mm);
		goto out_put;
	}
	/* The range, widened to the granule, inside VMA, run and notifier. */
	start = max3(start, vma->vm_start, drm_gpusvm_notifier_start(range->notifier));
	end = min3(end, vma->vm_end, drm_gpusvm_notifier_end(range->notifier));
	start = max(start, min(drm_gpusvm_range_start(range),
			       ALIGN_DOWN(addr, granule)));
	end = min(end, max(drm_gpusvm_range_end(range), ALIGN(addr + 1, granule)));
	/* drm_pagemap moves anonymous memory only. */
	can_migrate = vma_is_anonymous(vma);
	ret = start < end ? span_walk(notifier, start, end, &mig->pgmap, false,
				      &in_vram, &in_peer) : -ENOENT;
	mmap_read_unlock(mm);
	/* Where the pages are is unknown: leave them there. */
	if (ret)
		goto out_put;

	decide_and_migrate(svm, mig, notifier, start, end, in_vram, in_peer,
			   attrs, trigger, can_migrate);
out_put:
	mmput(mm);
out_mig:
	amdgpu_migrate_put(mig);
}

/**
 * amdgpu_svm_range_migrate() - move the pages of a range where the policy
 *	wants them, before it is mapped
 * @svm: the SVM
 * @range: the drm_gpusvm range about to be mapped
 * @attrs: the attributes of @range
 * @trigger: what asked for the mapping
 * @addr: the address that asked (a GPU fault's), inside @range
 * @start: start of the attribute run around @addr
 * @end: end (exclusive) of that run
 *
 * Best effort: when the pages cannot move, they stay where they are and
 * the caller maps them there.
 *
 * Context: process context; the SVM lock held, the mmap lock not held.
 */
void amdgpu_svm_range_migrate(struct amdgpu_svm *svm,
			      struct drm_gpusvm_range *range,
			      const struct amdgpu_svm_attrs *attrs,
			      enum amdgpu_svm_trigger trigger,
			      unsigned long addr, unsigned long start,
			      unsigned long end)
{
	lockdep_assert_held(&svm->lock);
	range_migrate(svm, range, attrs, trigger, addr, start, end);
}

/* The walk's notifier needs nothing but a new sequence on invalidation. */
static bool walk_invalidate(struct mmu_interval_notifier *mni,
			    const struct mmu_notifier_range *range,
			    unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops walk_notifier_ops = {
	.invalidate = walk_invalidate,
};

/**
 * amdgpu_svm_range_prefetch_unmapped() - move the pages of a span that
 *	is not mapped for the GPU, for a prefetch
 * @svm: the SVM
 * @start: first byte, page aligned
 * @end: end (exclusive), page aligned
 * @attrs: the attributes of the span (INACCESSIBLE)
 *
 * A prefetch moves pages whatever ACCESS says, as KFD's does: the pages of
 * an INACCESSIBLE span go to VRAM or home without being mapped. No
 * drm_gpusvm range covers such a span, so the walk that looks where its
 * pages are, and brings them home, has a notifier of its own. Best
 * effort, as amdgpu_svm_range_migrate().
 *
 * Context: process context; the SVM lock held, the mmap lock not held.
 */
void amdgpu_svm_range_prefetch_unmapped(struct amdgpu_svm *svm,
					unsigned long start, unsigned long end,
					const struct amdgpu_svm_attrs *attrs)
{
	const enum amdgpu_svm_trigger trigger = AMDGPU_SVM_TRIGGER_PREFETCH;
	struct mmu_interval_notifier notifier;
	struct mm_struct *mm = svm->mm;
	struct amdgpu_migrate *mig;
	unsigned long addr;

	lockdep_assert_held(&svm->lock);

	if (!policy_may_move(attrs, trigger))
		return;
	mig = amdgpu_migrate_get(svm->adev);
	if (!mig)
		return;
	if (!mmget_not_zero(mm))
		goto out_mig;
	if (mmu_interval_notifier_insert(&notifier, mm, start, end - start,
					 &walk_notifier_ops))
		goto out_put;

	for (addr = start; addr < end;) {
		unsigned long span_end, in_vram, in_peer;
		struct vm_area_struct *vma;
		bool can_migrate;
		int ret;

		mmap_read_lock(mm);
		vma = find_vma_intersection(mm, addr, end);
		if (!vma) {
			mmap_read_unlock(mm);
			break;
		}
		addr = max(addr, vma->vm_start);
		span_end = min(end, vma->vm_end);
		can_migrate = vma_is_anonymous(vma);
		ret = span_walk(&notifier, addr, span_end, &mig->pgmap, false,
				&in_vram, &in_peer);
		mmap_read_unlock(mm);

		if (!ret)
			decide_and_migrate(svm, mig, &notifier, addr, span_end,
					   in_vram, in_peer, attrs, trigger,
					   can_migrate);
		addr = span_end;
	}
	mmu_interval_notifier_remove(&notifier);
out_put:
	mmput(mm);
out_mig:
	amdgpu_migrate_put(mig);
}

/**
 * DOC: Parallel prefetch
 *
 * A prefetch of many ranges moves them in parallel: the pages of one
 * range go through migrate_vma, an allocation and a batch of SDMA jobs
 * whose CPU part (collecting, unmapping and locking pages, making device
 * pages, DMA-mapping) is most of a migration's time, and independent
 * ranges share none of it. amdgpu_svm_range_map() makes up to
 * %AMDGPU_SVM_PREFETCH_BATCH ranges of the span, under the SVM lock as
 * always, and hands their migrations to amdgpu_svm_prefetch_run(): the
 * caller and up to amdgpu.svm_prefetch_workers helpers on the unbound
 * system workqueue take the ranges one by one. Helpers pay even on one
 * CPU: a migration spends much of its time waiting for the copy engine,
 * while another can do its CPU part. Then, once all of them are done,
 * the caller maps the ranges one by one as before; the policy is not
 * asked again for a range a helper took, whatever became of its
 * migration: a range whose pages could not move is mapped where they
 * are, as a serial prefetch maps it. The ioctl returns when every range
 * of the span is mapped.
 *
 * The caller holds the SVM lock while the helpers run, which is what
 * makes their work safe without it: no range is removed and no attribute
 * changes until they are done. The helpers take what a migration takes
 * (the mmap lock for reading, the locks of drm_pagemap, TTM and the MMU
 * notifiers), none of which the caller holds while it waits.
 */

/* One helper of a prefetch. */
struct prefetch_worker {
	struct work_struct work;
	struct amdgpu_svm_prefetch *prefetch;
};

/* Migrate the prefetch's ranges, one at a time, until none is left. */
static void prefetch_ranges(struct amdgpu_svm_prefetch *p)
{
	const enum amdgpu_svm_trigger trigger = AMDGPU_SVM_TRIGGER_PREFETCH;
	unsigned int i;

	while ((i = atomic_inc_return(&p->next) - 1) < p->count) {
		struct amdgpu_svm_prefetch_item *it = &p->items[i];

		range_migrate(p->svm, it->range, &it->attrs, trigger, it->addr,
			      it->start, it->end);
	}
}

static void prefetch_work(struct work_struct *work)
{
	prefetch_ranges(container_of(work, struct prefetch_worker,
				     work)->prefetch);
}

/**
 * amdgpu_svm_prefetch_add() - take a range into a prefetch
 * @p: the prefetch
 * @range: the range, made for the span being prefetched
 * @attrs: its attributes
 * @addr: the address the map loop is at, inside @range
 * @start: start of the attribute run around @addr
 * @end: end (exclusive) of that run
 *
 * Context: process context; the SVM lock held.
 * Return: false when the prefetch is full; nothing was taken.
 */
bool amdgpu_svm_prefetch_add(struct amdgpu_svm_prefetch *p,
			     struct drm_gpusvm_range *range,
			     const struct amdgpu_svm_attrs *attrs,
			     unsigned long addr, unsigned long start,
			     unsigned long end)
{
	struct amdgpu_svm_prefetch_item *it;

	lockdep_assert_held(&p->svm->lock);
	if (p->count == AMDGPU_SVM_PREFETCH_BATCH)
		return false;
	it = &p->items[p->count++];
	it->range = range;
	it->attrs = *attrs;
	it->addr = addr;
	it->start = start;
	it->end = end;
	return true;
}

/**
 * amdgpu_svm_prefetch_run() - migrate the ranges of a prefetch in parallel
 * @p: the prefetch; empty again on return
 *
 * The caller takes ranges too, and returns when every migration is done,
 * successful or not (see "Parallel prefetch").
 *
 * Context: process context; the SVM lock held, the mmap lock not held.
 */
void amdgpu_svm_prefetch_run(struct amdgpu_svm_prefetch *p)
{
	struct prefetch_worker workers[AMDGPU_SVM_PREFETCH_WORKERS];
	unsigned int i, n;

	lockdep_assert_held(&p->svm->lock);
	if (!p->count)
		return;
	n = min3(p->count - 1, READ_ONCE(amdgpu_svm_prefetch_workers),
		 AMDGPU_SVM_PREFETCH_WORKERS);
	atomic_set(&p->next, 0);
	for (i = 0; i < n; i++) {
		workers[i].prefetch = p;
		INIT_WORK_ONSTACK(&workers[i].work, prefetch_work);
		queue_work(system_unbound_wq, &workers[i].work);
	}
	prefetch_ranges(p);
	for (i = 0; i < n; i++) {
		flush_work(&workers[i].work);
		destroy_work_on_stack(&workers[i].work);
	}
	p->count = 0;
}
