// SPDX-License-Identifier: GPL-2.0 OR MIT

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/lockdep.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pm_runtime.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include <uapi/linux/kfd_ioctl.h>

#include <drm/drm_drv.h>
#include <drm/drm_pagemap.h>

#include "amdgpu.h"
#include "amdgpu_amdkfd.h"
#include "amdgpu_migrate.h"
#include "amdgpu_ras.h"
#include "amdgpu_res_cursor.h"
#include "amdgpu_ttm.h"
#include "amdgpu_xgmi.h"

/* The lowest layer that traces instantiates the SVM tracepoints. */
#define CREATE_TRACE_POINTS
#include "amdgpu_svm_trace.h"

/**
 * DOC: VRAM migration
 *
 * The migration engine lets drm_pagemap move the pages of a process into
 * the GPU's VRAM and back. When the device's first SVM is made, its VRAM
 * is registered as ZONE_DEVICE memory (amdgpu_migrate_init()); a
 * migration allocates one buffer object for its pages, and drm_pagemap
 * calls back here to learn the VRAM pages of that buffer and to copy data
 * in and out of them. The copies are SDMA jobs through a GART window,
 * submitted back to back and waited for once (amdgpu_migrate_copy()).
 *
 * Where migration is impossible no registration is made and
 * amdgpu_migrate_get() returns NULL: GC before 9.0.1, APUs whose memory
 * is better used as GTT (and application APUs, which have no VRAM domain),
 * devices without VRAM, and any failure during registration (logged).
 * Every user checks for NULL and then keeps the pages in system memory.
 */

/**
 * DOC: Address spaces
 *
 * Three addresses name the same byte of VRAM:
 *
 * - the VRAM offset: bytes from the start of VRAM, as the VRAM manager
 *   hands out blocks (&amdgpu_migrate_block.start);
 * - the device page: the struct page of a ZONE_DEVICE PFN. The VRAM offset
 *   plus &dev_pagemap.range.start is its physical address; for
 *   %MEMORY_DEVICE_PRIVATE that range is a free region of the physical
 *   address space nothing else decodes, for %MEMORY_DEVICE_COHERENT it is
 *   the VRAM aperture the CPU really reaches. See
 *   amdgpu_migrate_vram_offset() and amdgpu_migrate_vram_page();
 * - the GPU PTE address: the VRAM offset plus
 *   &amdgpu_vm_manager.vram_base_offset, what a GPUVM PTE for local VRAM
 *   holds, and in an XGMI hive the page's address for every peer too
 *   (the device_map op returns it, tagged %DRM_INTERCONNECT_DRIVER);
 *   the SDMA engine itself addresses VRAM at the offset plus the start of
 *   the VRAM domain in the MC address space.
 */

/**
 * DOC: Reference counting
 *
 * The &struct amdgpu_migrate (the dev_pagemap and the drm_pagemap in it)
 * is allocated by the device's first SVM and referenced by:
 *
 * - the device, from amdgpu_migrate_init() to amdgpu_migrate_fini(), the
 *   initial reference of the drm_pagemap;
 * - drm_pagemap itself: every migration (its device pages share one
 *   &struct amdgpu_migrate_vram, which holds a reference until the last of
 *   them is freed) and every drm_gpusvm range whose pages are in VRAM;
 * - every user in the SVM layer, a fault or an ioctl, from
 *   amdgpu_migrate_get() to amdgpu_migrate_put(). Unbind may come at any
 *   moment in between: the object stays, and a migration started through
 *   it then fails with -ENODEV.
 *
 * &amdgpu_device.svm_migrate is read under RCU and the object is freed
 * after a grace period, so that amdgpu_migrate_get() can take its
 * reference while unbind drops the device's.
 *
 * A live drm_pagemap holds the DRM device and the module. At unbind,
 * amdgpu_migrate_fini() first brings every device page back to system
 * memory, while the copy engine still works, then unmaps the ZONE_DEVICE
 * range, waits until the buffer object of every allocation was put (they
 * are put from the registration's own release queue, since the last
 * device page may be freed in atomic context; an eviction that raced with
 * unbind may still hold one) and drops the device's reference; the memory
 * goes with the last reference (the destroy op frees it, which is safe in
 * any context). No buffer object is put after TTM's teardown, and module
 * unload finds nothing pinned and no work queued.
 *
 * Each migration's device pages also keep the device runtime-resumed,
 * from the migration until the last of them is freed, as xe's do: a
 * runtime suspend of an idle GPU would otherwise evict them all.
 *
 * The release queue is freezable, as are the SVM's garbage collector and
 * XNACK-off restore worker (KFD queues its restore worker on the
 * freezable system queue): while the system suspends none of them runs,
 * so none submits page-table or copy work to a GPU being suspended.
 */

/**
 * DOC: Coexistence with KFD
 *
 * One VM, one SVM: a VM that KFD acquired (a compute VM) is served by
 * KFD's SVM alone, its GPU faults go to KFD and %DRM_IOCTL_AMDGPU_GEM_SVM
 * on its file fails with -EBUSY; a VM whose file made an SVM of ours
 * cannot be acquired by KFD (amdgpu_vm_make_compute() fails with -EBUSY).
 * Both are decided under the VM's root reservation.
 *
 * KFD registers the same VRAM for its own SVM (kgd2kfd_init_zone_device()).
 * Ours is made only by the device's first SVM of ours, so a system that
 * runs only KFD has one registration. The two never overlap and never
 * share an owner:
 *
 * - on discrete GPUs both are %MEMORY_DEVICE_PRIVATE, each in its own free
 *   physical address region; the same VRAM then has two sets of struct
 *   pages (64 bytes per 4 KiB page each: 256 MiB for 16 GiB of VRAM). Ours
 *   are logged at registration and, like KFD's, charged to the system
 *   memory limit KFD enforces (KFD's own, under its lock, when KFD is
 *   built; otherwise the SVM's limit of the same size) until unbind; a
 *   registration beyond the limit is refused (-ENOMEM: no migration);
 * - the owner of ours comes from our own owner list (one per XGMI hive,
 *   see "Peers"), KFD's is the device or its XGMI hive: hmm_range_fault() hands each stack only its
 *   own device-private pages and faults the other's back to system memory
 *   through their migrate_to_ram(). drm_pagemap would misread KFD's page
 *   data, and KFD ours, so this separation is required, not an
 *   optimisation;
 * - a VRAM buffer object belongs to one stack; a process that uses both on
 *   the same memory sees the pages move between them, correctly;
 * - where the CPU reaches VRAM over XGMI, KFD registers the aperture as
 *   %MEMORY_DEVICE_COHERENT, a range that cannot be registered twice, and
 *   coherent pages bypass the owner check: when KFD holds that range we
 *   register nothing and keep SVM pages in system memory; without KFD we
 *   register the aperture as %MEMORY_DEVICE_COHERENT ourselves;
 * - KFD's coherent pages that a process holds reach drm_gpusvm whatever
 *   their owner. They are KFD's to move, and their zone_device_data is
 *   KFD's: drm_gpusvm_get_pages() maps device pages only when drm_pagemap
 *   manages them, and refuses others with -EOPNOTSUPP. A range holding one
 *   is not mapped (with XNACK on, the GPU fault is fatal; with it off, the
 *   SET or restore fails), and the page stays where KFD put it.
 */

/**
 * DOC: Peers
 *
 * A process that uses several GPUs has one SVM per GPU file, all over its
 * one address space. Which of them may map the pages another GPU's VRAM
 * holds, without a migration, is decided by the pages' owner: every
 * registration joins one owner list (drm_pagemap_acquire_owner()), whose
 * interconnect test is amdgpu_xgmi_same_hive() or, between GPUs outside
 * any hive, amdgpu_migrate_pcie_p2p() (amdgpu_device_is_peer_accessible()
 * both ways, as xe_has_interconnect() asks pci_p2pdma_distance()). The
 * GPUs of one XGMI hive so share an owner, as do GPUs outside a hive that
 * reach each other's BAR, and hmm_range_fault() hands one GPU's device
 * pages to the others; a GPU without an interconnect has its own owner
 * and sees those pages only once they came back to system memory (their
 * migrate_to_ram). A GPU joins a group only if it reaches every member
 * (drm_pagemap_acquire_owner()); keeping hives and PCIe groups apart
 * means the order of registration never splits a hive.
 *
 * A hive peer addresses a page at its place in the hive: the VRAM offset
 * plus the owning GPU's &amdgpu_vm_manager.vram_base_offset, which GMC v9
 * shifts by the node's segment (physical_node_id * node_segment_size), as
 * KFD's svm_range_dma_map_dev() addresses a peer's page. That is what
 * device_map returns, tagged %DRM_INTERCONNECT_DRIVER, to this GPU and to
 * every registered GPU of its hive; nothing is DMA-mapped. A PCIe peer
 * addresses the page in this GPU's BAR (&amdgpu_gmc.aper_base plus the
 * VRAM offset; the test asked for a BAR over all of VRAM): device_map
 * DMA-maps it for the peer (dma_map_resource(), as xe's device_map does
 * and as amdgpu maps VRAM it exports as a dma-buf) and tags it
 * %AMDGPU_INTERCONNECT_P2P; device_unmap unmaps it. Any other device is
 * refused. The peer maps it with the remote-VRAM PTE flags
 * (amdgpu_svm_range_mapping_flags()): a hive address as VRAM, a BAR
 * address as system memory is mapped (the SYSTEM bit), uncached.
 *
 * Pages that move from one GPU's VRAM to a peer's are copied directly,
 * by the engine of the GPU that holds them: drm_pagemap hands the peer's
 * pages to the migration into this GPU and calls the holder's
 * copy_to_ram with this GPU's addresses (the device_map above, asked for
 * the holder). The holder points its GART window at them, at hive
 * addresses as amdgpu_ttm_map_buffer() points one at VRAM, at BAR
 * addresses as it points one at system pages, and its SDMA engine writes
 * them over XGMI or PCIe; one copy command per run that is contiguous in
 * the holder's VRAM, nothing through system memory. The holder counts
 * them (&amdgpu_migrate_stats.pages_to_peer); a hive receiver counts them
 * in its pages_in, a PCIe receiver does not, as a BAR address mapped for
 * the holder does not say whose BAR it is. KFD moves such pages through
 * system memory (svm_migrate_vram_to_vram()); xe copies them directly,
 * as here.
 *
 * The copy is refused, and the migration fails with nothing copied,
 * while the pages' timeslice runs (-EBUSY: drm_pagemap holds pages to it
 * only against CPU faults; the policy waits until it ends, which the
 * holder notes for it, and tries once more, amdgpu_migrate_peer_wait()),
 * when a reset lost their data (-EIO, as a copy back is refused), and
 * for hive addresses outside every registered GPU of the hive (-EINVAL).
 * A PCIe holder notes the timeslice for each of its PCIe peers, not
 * knowing which one asked. A copy the engine failed is not done by the
 * CPU: the pages stay where they were. The policy answers any other -EBUSY
 * (and the -EFAULT of a peer whose device_map refuses this GPU, its
 * unbind having begun) by bringing the pages back to system memory,
 * which waits out a timeslice too, and migrating them from there.
 *
 * Once unbind began (and after it, should the registration be leaked),
 * no peer maps the GPU's pages: device_map refuses them.
 *
 * KFD keeps GPUs that reach each other only over PCIe apart (its owner
 * is the hive, or the device): their pages meet in system memory. Here
 * they share an owner where the topology lets each reach the other's
 * BAR, as xe's GPUs do; where it does not, or the pcie_p2p parameter is
 * off, they are kept apart as KFD keeps them.
 */

/**
 * DOC: Eviction
 *
 * The VRAM behind device pages is never reused while they live. Its
 * buffer object is an ordinary, evictable one (not pinned, not
 * discardable), known to this file by its pointer
 * (amdgpu_migrate_owns_bo()). When TTM evicts it, for memory pressure,
 * suspend or unbind:
 *
 * 1. amdgpu_evict_flags() gives it a CPU placement: there is nothing to
 *    copy to GTT;
 * 2. amdgpu_bo_move() calls amdgpu_migrate_evict_bo() before anything
 *    else, with the reservation held: drm_pagemap_evict_to_ram() copies
 *    every device page of the buffer back to system memory, through the
 *    MMU notifiers that zap the GPU's PTEs; no mmap lock is needed;
 * 3. then the move is a null move: the VRAM content is no longer needed.
 *
 * If some pages cannot move now, whatever the reason (-EBUSY: a racing
 * fault; -EFAULT: the owning process is exiting; -EIO: a reset lost their
 * data, see "Copying back"), TTM is
 * told -ENOSPC and looks for another buffer: any other error would end
 * TTM's eviction walk and fail an unrelated allocation. No eviction fence
 * is involved.
 * While a migration is being set up its buffer object stays reserved, so
 * it cannot be evicted before its device pages exist. Unbind evicts every
 * live allocation the same way (amdgpu_migrate_evict_all()) before the
 * device is unplugged, while SDMA still works.
 */

/*
 * Unbind brings every device page home, retrying every
 * MIGRATE_UNBIND_RETRY_MS while one resists, for MIGRATE_UNBIND_TIMEOUT_MS.
 */
#define MIGRATE_UNBIND_RETRY_MS		20
#define MIGRATE_UNBIND_TIMEOUT_MS	10000

/* Pages a GART window maps: AMDGPU_GTT_MAX_TRANSFER_SIZE is in bytes. */
#define MIGRATE_WINDOW_PAGES	(AMDGPU_GTT_MAX_TRANSFER_SIZE >> PAGE_SHIFT)

static struct amdgpu_migrate *pgmap_to_migrate(struct dev_pagemap *pgmap)
{
	return container_of(pgmap, struct amdgpu_migrate, pgmap);
}

static struct amdgpu_migrate *dpagemap_to_migrate(struct drm_pagemap *dpagemap)
{
	return container_of(dpagemap, struct amdgpu_migrate, dpagemap);
}

static struct amdgpu_migrate_vram *devmem_to_vram(struct drm_pagemap_devmem *d)
{
	return container_of(d, struct amdgpu_migrate_vram, devmem);
}

/**
 * amdgpu_migrate_vram_offset() - the VRAM offset of a device page
 * @mig: the registration the page belongs to
 * @page: the device page
 *
 * Context: any.
 * Return: the byte offset in VRAM.
 */
u64 amdgpu_migrate_vram_offset(struct amdgpu_migrate *mig, struct page *page)
{
	return PFN_PHYS(page_to_pfn(page)) - mig->pgmap.range.start;
}

/**
 * amdgpu_migrate_vram_page() - the device page of a VRAM offset
 * @mig: the registration
 * @offset: byte offset in VRAM, below &amdgpu_migrate.vram_size
 *
 * Context: any.
 * Return: the device page.
 */
struct page *amdgpu_migrate_vram_page(struct amdgpu_migrate *mig, u64 offset)
{
	return pfn_to_page(PHYS_PFN(mig->pgmap.range.start + offset));
}

/* A reference, also while unbind is under way; NULL once it is done. */
static struct amdgpu_migrate *migrate_tryget(struct amdgpu_device *adev)
{
	struct amdgpu_migrate *mig;

	rcu_read_lock();
	mig = rcu_dereference(adev->svm_migrate);
	if (mig && !drm_pagemap_get_unless_zero(&mig->dpagemap))
		mig = NULL;
	rcu_read_unlock();
	return mig;
}

/*
 * Registration and unbind change the pointer, under amdgpu_migrate_mutex;
 * the callers hold the registration (a migration in flight, unbind itself)
 * or a reference from amdgpu_migrate_get().
 */
static struct amdgpu_migrate *migrate_of(struct amdgpu_device *adev)
{
	return rcu_dereference_protected(adev->svm_migrate, true);
}

/**
 * amdgpu_migrate_get() - a reference to the device's VRAM registration
 * @adev: the device
 *
 * The reference keeps the object, its counters and its drm_pagemap alive
 * until amdgpu_migrate_put(), however soon unbind comes; it is taken only
 * while the drm_pagemap still lives, as drm_pagemap_util's cache hands out
 * its pagemap (drm_pagemap_get_from_cache_if_active()), under RCU instead
 * of the cache's lock.
 *
 * Context: any.
 * Return: the registration, or NULL where migration is not possible or no
 * longer is (after unbind began).
 */
struct amdgpu_migrate *amdgpu_migrate_get(struct amdgpu_device *adev)
{
	struct amdgpu_migrate *mig = migrate_tryget(adev);

	if (mig && !READ_ONCE(mig->registered)) {
		amdgpu_migrate_put(mig);
		mig = NULL;
	}
	return mig;
}

/**
 * amdgpu_migrate_put() - drop a reference of amdgpu_migrate_get()
 * @mig: the registration, or NULL
 *
 * Context: any; the last reference frees the object after an RCU grace
 * period.
 */
void amdgpu_migrate_put(struct amdgpu_migrate *mig)
{
	if (mig)
		drm_pagemap_put(&mig->dpagemap);
}

/**
 * amdgpu_migrate_owner() - the owner of the device's VRAM pages
 * @adev: the device
 *
 * What drm_gpusvm passes to hmm_range_fault() as the owner of the device
 * pages it may map rather than fault back to system memory.
 *
 * Context: any.
 * Return: the owner cookie, or NULL where migration is not possible.
 */
void *amdgpu_migrate_owner(struct amdgpu_device *adev)
{
	struct amdgpu_migrate *mig;
	void *owner = NULL;

	/* A cookie, compared and never dereferenced: no reference needed. */
	rcu_read_lock();
	mig = rcu_dereference(adev->svm_migrate);
	if (mig && READ_ONCE(mig->registered))
		owner = mig->pgmap.owner;
	rcu_read_unlock();
	return owner;
}

/* --- The copy engine --- */

/*
 * The SDMA jobs of one copy op, on one of TTM's buffer-move entities. As
 * amdgpu_ttm_copy_mem_to_mem() chains its window maps and copies on one
 * entity under the entity's lock and keeps only the last fence, the jobs
 * of a batch are submitted back to back: the entity runs them in order on
 * one ring, so a window map never overtakes the copy through the window
 * before it, and nothing waits between them. As xe_migrate_vram() takes
 * the pre-migrate fence, the fence the buffer object's VRAM is busy with
 * is a dependency of the first job, on the GPU. Unlike TTM, a batch keeps
 * every job's fence: a window map that failed (its job timed out, a reset
 * cancelled it) would leave the copy after it reading the previous run's
 * pages, so every job's error fails the copy.
 */
struct migrate_batch {
	struct amdgpu_device *adev;
	struct amdgpu_ttm_buffer_entity *entity;
	/* The first job's dependency, until a job took it; then NULL. */
	struct dma_fence *dep;
	/* The dependency, for its error once the jobs are done. */
	struct dma_fence *pre;
	struct dma_fence **fences;
	unsigned int nfences, max;
};

/*
 * Begin a batch of at most @njobs jobs, the first behind @pre (or NULL),
 * and take the entity's lock.
 */
static int batch_begin(struct migrate_batch *b, struct amdgpu_device *adev,
		       unsigned int njobs, struct dma_fence *pre)
{
	struct amdgpu_mman *mman = &adev->mman;

	if (!mman->buffer_funcs_enabled || !mman->num_move_entities)
		return -ENODEV;
	b->fences = kvmalloc_array(njobs, sizeof(*b->fences), GFP_KERNEL);
	if (!b->fences)
		return -ENOMEM;
	b->adev = adev;
	b->max = njobs;
	b->nfences = 0;
	b->dep = pre;
	b->pre = NULL;
	b->entity = &mman->move_entities[atomic_inc_return(&mman->next_move_entity) %
					 mman->num_move_entities];
	mutex_lock(&b->entity->lock);
	return 0;
}

/* Submit @job, built for at most @num_dw dwords, as the batch's next. */
static int batch_submit(struct migrate_batch *b, struct amdgpu_job *job,
			unsigned int num_dw)
{
	struct amdgpu_ring *ring = to_amdgpu_ring(b->adev->mman.buffer_funcs_scheds[0]);
	int ret;

	if (WARN_ON(b->nfences == b->max)) {
		amdgpu_job_free(job);
		return -EINVAL;
	}
	if (b->dep) {
		/* Consumes the reference, also on failure. */
		ret = drm_sched_job_add_dependency(&job->base,
						   dma_fence_get(b->dep));
		if (ret) {
			amdgpu_job_free(job);
			return ret;
		}
		b->pre = b->dep;
		b->dep = NULL;
	}
	amdgpu_ring_pad_ib(ring, &job->ibs[0]);
	WARN_ON(job->ibs[0].length_dw > num_dw);
	b->fences[b->nfences++] = amdgpu_job_submit(job);
	return 0;
}

/*
 * Does this GPU snoop a hive peer's VRAM? As gmc_v9_0_get_coherence_flags()
 * maps a peer's buffer and KFD's svm_range_get_pte_flags() a peer's pages
 * (amdgpu_svm_range_mapping_flags() has the same rows): on GC 9.4.1 to
 * 9.5.0 and 12.1, not on the parts before or on 12.0.
 */
static bool peer_snooped(struct amdgpu_device *adev)
{
	u32 gc = amdgpu_ip_version(adev, GC_HWIP, 0);

	return (gc >= IP_VERSION(9, 4, 1) && gc <= IP_VERSION(9, 5, 0)) ||
	       gc == IP_VERSION(12, 1, 0);
}

/*
 * Point GART window 0 of the batch's entity at @npages pages: a job that
 * copies the PTEs, carried in its own IB, into the GART table, as
 * amdgpu_ttm_map_buffer() does for a buffer object. System pages, and a
 * PCIe peer's BAR (%AMDGPU_MIGRATE_TO_PEER_BUS), are mapped at their DMA
 * addresses, as amdgpu_ttm_map_buffer() maps GTT and amdgpu maps a
 * dma-buf a PCIe peer exports from its VRAM; a
 * hive peer's VRAM (%AMDGPU_MIGRATE_TO_PEER) at its addresses in the hive,
 * with the flags a VRAM resource gets (and snooped where this GPU snoops
 * a peer's VRAM), as amdgpu_ttm_map_buffer() maps
 * VRAM (amdgpu_gart_map_vram_range()) at the local node's: the data
 * fabric routes an address in a peer's segment to the peer, as it does
 * for the PTEs amdgpu_vm_bo_update() writes for a peer's buffer.
 */
static int batch_map(struct migrate_batch *b, dma_addr_t *addr,
		     unsigned long npages, enum amdgpu_migrate_dir dir)
{
	struct amdgpu_device *adev = b->adev;
	unsigned int copy_dw = ALIGN(adev->mman.buffer_funcs->copy_num_dw, 8);
	u64 pte_bytes = npages * AMDGPU_GPU_PAGES_IN_CPU_PAGE * 8;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_READABLE |
		    adev->gart.gart_pte_flags;
	unsigned long i, n;
	struct amdgpu_job *job;
	u64 src, dst;
	void *ptes;
	int ret;

	/* SDMA writes through the window only when copying out of VRAM. */
	if (dir != AMDGPU_MIGRATE_TO_VRAM)
		flags |= AMDGPU_PTE_WRITEABLE;
	if (dir != AMDGPU_MIGRATE_TO_PEER)
		flags |= AMDGPU_PTE_SYSTEM | AMDGPU_PTE_SNOOPED;
	else if (peer_snooped(adev))
		flags |= AMDGPU_PTE_SNOOPED;

	ret = amdgpu_job_alloc_with_ib(adev, &b->entity->base,
				       AMDGPU_FENCE_OWNER_UNDEFINED,
				       copy_dw * 4 + pte_bytes,
				       AMDGPU_IB_POOL_DELAYED,
				       AMDGPU_KERNEL_JOB_ID_TTM_MAP_BUFFER, &job);
	if (ret)
		return ret;
	src = job->ibs[0].gpu_addr + copy_dw * 4;
	dst = amdgpu_bo_gpu_offset(adev->gart.bo) +
	      (b->entity->gart_window_offs[0] >> AMDGPU_GPU_PAGE_SHIFT) * 8;
	amdgpu_emit_copy_buffer(adev, &job->ibs[0], src, dst, pte_bytes, 0);
	ptes = &job->ibs[0].ptr[copy_dw];
	if (dir != AMDGPU_MIGRATE_TO_PEER) {
		amdgpu_gart_map(adev, 0, npages, addr, flags, ptes);
		return batch_submit(b, job, copy_dw);
	}
	/* Each stretch of the peer's VRAM that is contiguous at once. */
	for (i = 0; i < npages; i += n) {
		for (n = 1; i + n < npages &&
		     addr[i + n] == addr[i] + n * PAGE_SIZE; n++)
			;
		amdgpu_gart_map_vram_range(adev, addr[i],
					   i * AMDGPU_GPU_PAGES_IN_CPU_PAGE, n,
					   flags, ptes);
	}
	return batch_submit(b, job, copy_dw);
}

/*
 * Copy one run: @npages pages mapped through GART window 0 (system pages,
 * or a peer's VRAM), and contiguous VRAM from @vram_offset, addressed
 * directly. The copy job flushes the GART TLB first (vm_needs_flush): the
 * window changed.
 */
static int batch_copy(struct migrate_batch *b, dma_addr_t *addr,
		      u64 vram_offset, unsigned long npages,
		      enum amdgpu_migrate_dir dir)
{
	struct amdgpu_device *adev = b->adev;
	u64 gart = amdgpu_compute_gart_address(&adev->gmc, b->entity, 0);
	u64 vram = vram_offset + amdgpu_ttm_domain_start(adev, TTM_PL_VRAM);
	bool in = dir == AMDGPU_MIGRATE_TO_VRAM;
	struct dma_fence *fence;
	int ret;

	ret = batch_map(b, addr, npages, dir);
	if (ret)
		return ret;
	/* The window map took the dependency: it is never the copy's. */
	if (WARN_ON(b->dep || b->nfences == b->max))
		return -EINVAL;
	ret = amdgpu_copy_buffer(adev, b->entity, in ? gart : vram,
				 in ? vram : gart, npages * PAGE_SIZE, NULL,
				 &fence, true, 0);
	if (ret)
		return ret;
	b->fences[b->nfences++] = fence;
	return 0;
}

/*
 * Fill @npages pages of VRAM from @vram_offset with zeroes, addressed
 * directly: one job of CONST_FILL packets, as amdgpu_ttm_fill_mem() builds
 * for a buffer's clear, each packet a whole number of pages.
 */
static int batch_fill(struct migrate_batch *b, u64 vram_offset,
		      unsigned long npages)
{
	struct amdgpu_device *adev = b->adev;
	const struct amdgpu_buffer_funcs *funcs = adev->mman.buffer_funcs;
	u64 dst = vram_offset + amdgpu_ttm_domain_start(adev, TTM_PL_VRAM);
	u64 max = ALIGN_DOWN(funcs->fill_max_bytes, PAGE_SIZE);
	u64 bytes = (u64)npages << PAGE_SHIFT;
	unsigned int num_dw;
	struct amdgpu_job *job;
	int ret;

	num_dw = ALIGN(DIV_ROUND_UP_ULL(bytes, max) * funcs->fill_num_dw, 8);
	ret = amdgpu_job_alloc_with_ib(adev, &b->entity->base,
				       AMDGPU_FENCE_OWNER_UNDEFINED, num_dw * 4,
				       AMDGPU_IB_POOL_DELAYED,
				       AMDGPU_KERNEL_JOB_ID_TTM_CLEAR_BUFFER,
				       &job);
	if (ret)
		return ret;
	while (bytes) {
		u32 cur = min(bytes, max);

		amdgpu_emit_fill_buffer(adev, &job->ibs[0], 0, dst, cur);
		dst += cur;
		bytes -= cur;
	}
	return batch_submit(b, job, num_dw);
}

/* Wait for @fence if it has not signalled, counted; its error, or 0. */
static int batch_wait_one(struct dma_fence *fence, atomic64_t *waits)
{
	int status;

	if (!dma_fence_is_signaled(fence)) {
		atomic64_inc(waits);
		dma_fence_wait(fence, false);
	}
	status = dma_fence_get_status(fence);
	return status < 0 ? status : 0;
}

/*
 * End the batch: drop the entity's lock and wait until every job submitted
 * is done. The last job is waited for first; the ring ran the others
 * before it, so that is the one wait of the batch. A job that a reset
 * cancelled, or whose engine hung, signals too, with an error: its work
 * did not happen. As amdgpu_cs_wait_ioctl() reports a job's fence error,
 * so does this.
 * Return: 0, or the error of the first job that failed, or that of the
 * dependency.
 */
static int batch_end(struct migrate_batch *b, struct amdgpu_migrate_stats *stats)
{
	unsigned int i = b->nfences;
	int ret = 0, err;

	mutex_unlock(&b->entity->lock);
	while (i--) {
		err = batch_wait_one(b->fences[i], &stats->cpu_waits);
		if (err)
			ret = err;
		dma_fence_put(b->fences[i]);
	}
	kvfree(b->fences);
	/*
	 * The jobs ran after the dependency signalled, whatever its error:
	 * a move out of this VRAM that failed fails the migration as well.
	 */
	if (b->pre) {
		err = batch_wait_one(b->pre, &stats->cpu_waits);
		if (err)
			ret = err;
	}
	return ret;
}

/* --- Copying --- */

/*
 * What one unit of the copy ops' arrays is: a device page with its system
 * page (copied), a device page without one (a hole: never-touched memory
 * migrated to VRAM, filled with zeroes), or no device page (skipped).
 */
enum migrate_kind {
	MIGRATE_SKIP,
	MIGRATE_COPY,
	MIGRATE_FILL,
};

/* A run: pages of one kind, contiguous in VRAM, at most one GART window. */
struct migrate_run {
	enum migrate_kind kind;
	u64 vram;
	unsigned long npages;
};

/* A cursor over the arrays drm_pagemap hands a copy op. */
struct migrate_walk {
	struct amdgpu_migrate *mig;
	struct page **pages;
	struct drm_pagemap_addr *addr;
	unsigned long npages;
	enum amdgpu_migrate_dir dir;
	/* The current unit: its first slot, its pages, the next of them. */
	unsigned long i, n, j;
	enum migrate_kind kind;
	u64 vram;
};

/*
 * Load the unit at slot @w->i. A copied unit's size is the order drm_pagemap
 * gave its system address; a hole has no address, and its size is that of
 * the device folio drm_pagemap made for it (a 2 MiB hole is one order-9
 * folio). Only a migration into VRAM has holes.
 */
static void walk_unit(struct migrate_walk *w)
{
	struct page *page = w->pages[w->i];

	w->j = 0;
	w->n = 1;
	w->kind = MIGRATE_SKIP;
	if (!page)
		return;
	if (w->addr[w->i].addr) {
		w->kind = MIGRATE_COPY;
		w->n = 1UL << w->addr[w->i].order;
	} else if (w->dir == AMDGPU_MIGRATE_TO_VRAM) {
		w->kind = MIGRATE_FILL;
		w->n = folio_nr_pages(page_folio(page));
	} else {
		return;
	}
	w->n = min(w->n, w->npages - w->i);
	w->vram = amdgpu_migrate_vram_offset(w->mig, page);
}

/*
 * The next run into @run; for a copy, @sys (if not NULL) receives the
 * system address of each of its pages. A unit may be split between two
 * runs where a GART window ends.
 * Return: false when no run is left.
 */
static bool walk_next(struct migrate_walk *w, struct migrate_run *run,
		      dma_addr_t *sys)
{
	u64 vram;

	run->npages = 0;
	for (;;) {
		if (w->j == w->n) {
			w->i += w->n;
			if (w->i >= w->npages)
				return run->npages;
			walk_unit(w);
		}
		if (w->kind == MIGRATE_SKIP) {
			w->j = w->n;
			continue;
		}
		vram = w->vram + w->j * PAGE_SIZE;
		if (run->npages && (w->kind != run->kind ||
				    vram != run->vram + run->npages * PAGE_SIZE ||
				    run->npages == MIGRATE_WINDOW_PAGES))
			return true;
		if (!run->npages) {
			run->kind = w->kind;
			run->vram = vram;
		}
		if (sys && w->kind == MIGRATE_COPY)
			sys[run->npages] = w->addr[w->i].addr + w->j * PAGE_SIZE;
		run->npages++;
		w->j++;
	}
}

static void walk_start(struct migrate_walk *w, struct amdgpu_migrate *mig,
		       struct page **pages, struct drm_pagemap_addr *addr,
		       unsigned long npages, enum amdgpu_migrate_dir dir)
{
	*w = (struct migrate_walk) {
		.mig = mig, .pages = pages, .addr = addr, .npages = npages,
		.dir = dir,
	};
}

/* --- Copying back --- */

/**
 * DOC: Copying back
 *
 * A copy from VRAM to system memory serves a CPU fault or an eviction;
 * when it fails, drm_pagemap keeps the pages in VRAM, the CPU fault ends
 * in SIGBUS and the eviction fails. While the data is still in VRAM that
 * would be a loss the driver can avoid, so a copy back the engine did not
 * do (its job failed: the engine hung and the job timed out, or a reset
 * cancelled it; or no job could be made) is done by the CPU, through
 * amdgpu's own VRAM access path, amdgpu_device_vram_access(): the BAR
 * where it reaches, MM_INDEX/MM_DATA beyond. It is slow (a BAR read is
 * uncached, the register path a dword at a time), but it is the rare path,
 * and counted (&amdgpu_migrate_stats.cpu_copies_out) and traced
 * (amdgpu_svm_copy_back_cpu).
 *
 * The CPU copy holds the reset domain's semaphore for reading, as amdgpu's
 * register paths expect (amdgpu_device_skip_hw_access()): a job a reset
 * cancelled is signalled while the reset runs, and waiting for the
 * semaphore lets that reset end, the engine stopped, before the CPU reads
 * VRAM. A device that is gone (unplugged, or no longer accessed after a
 * fatal error or a RAS interrupt) gets no CPU copy: the copy fails.
 *
 * drm_pagemap hands the copy op the system pages only as the DMA
 * addresses it mapped them at for the device, so the CPU writes the page
 * such an address reaches (through the device's IOMMU domain, or the
 * direct mapping). Where the DMA API must sync a mapping (a device that
 * does not snoop the CPU's caches, a bounce buffer), a CPU store is not
 * what the device's store would have been; there the copy fails as before.
 *
 * Data that a reset lost is never copied back. amdgpu counts the resets
 * that lost VRAM (&amdgpu_device.vram_lost_counter, which also fails the
 * contexts made before such a reset); an allocation notes the count before
 * its first byte is copied in. A copy back of a page whose allocation is
 * older than a loss fails with -EIO, whichever way it was copied, and is
 * counted (&amdgpu_migrate_stats.vram_lost) and traced
 * (amdgpu_svm_vram_lost): a CPU access to such a page gets SIGBUS, never
 * stale or zeroed bytes. A copy the engine finished is checked after it:
 * a job that ran after such a reset finds the count raised. The pages
 * stay device pages until the process unmaps them or exits; TTM cannot
 * evict their buffer object meanwhile (see "Eviction").
 */

/*
 * The system page that DMA address @addr of @dev reaches, if the CPU may
 * write it in the device's stead (no sync needed); or NULL.
 */
static struct page *copy_back_page(struct device *dev, dma_addr_t addr)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	phys_addr_t phys;

	if (dma_need_sync(dev, addr))
		return NULL;
	if (domain && iommu_is_dma_domain(domain))
		phys = iommu_iova_to_phys(domain, addr);
	else
		phys = dma_to_phys(dev, addr);
	if (!phys || !pfn_valid(PHYS_PFN(phys)))
		return NULL;
	return pfn_to_page(PHYS_PFN(phys));
}

/*
 * Copy back with the CPU what the copy op was given (see the walk above:
 * a unit of order n is contiguous in VRAM). Called with the reset
 * domain's semaphore held.
 * Return: the pages copied, or a negative error: the device is gone, or
 * a system page the CPU may not write in the device's stead.
 */
static long copy_back_cpu(struct amdgpu_migrate *mig, struct page **pages,
			  struct drm_pagemap_addr *addr, unsigned long npages)
{
	struct amdgpu_device *adev = mig->adev;
	unsigned long i, j, n, copied = 0;
	struct page *page;
	void *dst;
	u64 vram;
	int idx;

	if (adev->no_hw_access || amdgpu_ras_intr_triggered())
		return -EIO;
	/* An unplugged device's VRAM access reads nothing, silently. */
	if (!drm_dev_enter(adev_to_drm(adev), &idx))
		return -ENODEV;
	for (i = 0; i < npages; i += n) {
		n = 1;
		if (!pages[i] || !addr[i].addr)
			continue;
		n = min(1UL << addr[i].order, npages - i);
		vram = amdgpu_migrate_vram_offset(mig, pages[i]);
		for (j = 0; j < n; j++) {
			page = copy_back_page(adev->dev,
					      addr[i].addr + j * PAGE_SIZE);
			if (!page) {
				drm_dev_exit(idx);
				return -EOPNOTSUPP;
			}
			dst = kmap_local_page(page);
			amdgpu_device_vram_access(adev, vram + j * PAGE_SIZE,
						  dst, PAGE_SIZE, false);
			kunmap_local(dst);
		}
		copied += n;
		cond_resched();
	}
	drm_dev_exit(idx);
	return copied;
}

/* Whether the VRAM at byte @offset belongs to allocation @vram. */
static bool vram_holds(const struct amdgpu_migrate_vram *vram, u64 offset)
{
	unsigned int b;

	for (b = 0; b < vram->nblocks; b++)
		if (offset - vram->blocks[b].start < vram->blocks[b].size)
			return true;
	return false;
}

/*
 * The allocation that holds the VRAM at byte @offset, or NULL. Called
 * with @mig->lock held; the allocation stays while a page of it is locked
 * or referenced.
 */
static struct amdgpu_migrate_vram *vram_at(struct amdgpu_migrate *mig,
					   u64 offset)
{
	struct amdgpu_migrate_vram *vram;

	lockdep_assert_held(&mig->lock);
	list_for_each_entry(vram, &mig->allocations, link)
		if (vram_holds(vram, offset))
			return vram;
	return NULL;
}

/*
 * Call @fn for each page of a copy that has an address on the other side,
 * with the allocation that holds it (or NULL) and the slots its entry
 * covers, under @mig->lock: the pages are locked for the migration, so
 * their allocations stay. Neighbours in one allocation look it up once.
 */
static void copy_each_vram(struct amdgpu_migrate *mig, struct page **pages,
			   struct drm_pagemap_addr *addr, unsigned long npages,
			   void (*fn)(struct amdgpu_migrate_vram *vram,
				      unsigned long nr, void *data),
			   void *data)
{
	struct amdgpu_migrate_vram *found = NULL;
	unsigned long i, flags;
	u64 offset;

	spin_lock_irqsave(&mig->lock, flags);
	for (i = 0; i < npages; i++) {
		/* Another allocation's pages come without an address. */
		if (!pages[i] || !addr[i].addr)
			continue;
		offset = amdgpu_migrate_vram_offset(mig, pages[i]);
		if (!found || !vram_holds(found, offset))
			found = vram_at(mig, offset);
		fn(found, 1UL << addr[i].order, data);
	}
	spin_unlock_irqrestore(&mig->lock, flags);
}

struct copy_lost {
	u32 now;
	unsigned long lost;
};

static void copy_count_lost(struct amdgpu_migrate_vram *vram, unsigned long nr,
			    void *data)
{
	struct copy_lost *c = data;

	if (vram && vram->vram_lost_counter != c->now)
		c->lost += nr;
}

/*
 * The pages of the copy whose data a reset lost: their allocation is
 * older than the last reset that lost VRAM. The allocations are looked up
 * only once a reset lost VRAM since registration.
 * Return: how many pages were lost.
 */
static unsigned long copy_back_lost(struct amdgpu_migrate *mig,
				    struct page **pages,
				    struct drm_pagemap_addr *addr,
				    unsigned long npages)
{
	struct copy_lost c = {
		.now = atomic_read(&mig->adev->vram_lost_counter),
	};

	if (c.now != mig->vram_lost_counter)
		copy_each_vram(mig, pages, addr, npages, copy_count_lost, &c);
	return c.lost;
}

/* Refuse a copy back of @lost pages a reset lost. */
static int copy_back_refuse(struct amdgpu_migrate *mig, unsigned long lost)
{
	atomic64_inc(&mig->stats.vram_lost);
	trace_amdgpu_svm_vram_lost(mig->adev->dev, lost);
	return -EIO;
}

/*
 * The end of a copy back that returned @ret: see "Copying back".
 * Return: 0, or why the pages stay in VRAM.
 */
static int copy_back_end(struct amdgpu_migrate *mig, struct page **pages,
			 struct drm_pagemap_addr *addr, unsigned long npages,
			 int ret)
{
	struct amdgpu_device *adev = mig->adev;
	unsigned long lost;
	long copied;

	if (!ret) {
		lost = copy_back_lost(mig, pages, addr, npages);
		return lost ? copy_back_refuse(mig, lost) : 0;
	}
	down_read(&adev->reset_domain->sem);
	lost = copy_back_lost(mig, pages, addr, npages);
	copied = lost ? 0 : copy_back_cpu(mig, pages, addr, npages);
	up_read(&adev->reset_domain->sem);
	if (lost)
		return copy_back_refuse(mig, lost);
	trace_amdgpu_svm_copy_back_cpu(adev->dev, max(copied, 0L), ret,
				       min(copied, 0L));
	if (copied < 0)
		return ret;
	atomic64_add(copied, &mig->stats.cpu_copies_out);
	atomic64_add(copied, &mig->stats.pages_out);
	return 0;
}

/* --- Copying to a peer --- */

/*
 * The registered devices, for device_map() to tell hive peers and for a
 * copy to a peer to find it.
 */
static DEFINE_SPINLOCK(migrate_peers_lock);
static LIST_HEAD(migrate_peers);

/*
 * The first registered GPU other than @mig that shares its owner (its
 * XGMI hive, or a PCIe peer: see "Peers") and that @match accepts for
 * @key, or NULL. @match runs under the peers' lock.
 */
static struct amdgpu_migrate *
migrate_peer_find(struct amdgpu_migrate *mig,
		  bool (*match)(const struct amdgpu_migrate *mig,
				struct amdgpu_migrate *peer, void *key),
		  void *key)
{
	struct amdgpu_migrate *peer, *found = NULL;

	spin_lock(&migrate_peers_lock);
	list_for_each_entry(peer, &migrate_peers, peers_link) {
		if (peer != mig && peer->pgmap.owner == mig->pgmap.owner &&
		    match(mig, peer, key)) {
			found = peer;
			break;
		}
	}
	spin_unlock(&migrate_peers_lock);
	return found;
}

static bool peer_any(const struct amdgpu_migrate *mig,
		     struct amdgpu_migrate *peer, void *key)
{
	return true;
}

/**
 * amdgpu_migrate_has_peers() - does another registered GPU share the owner
 *	of the device's pages?
 * @adev: the device
 *
 * Then one range of the device may hold pages of two GPUs, a hive peer's
 * or a PCIe peer's next to its own (see "Peers").
 *
 * Context: any context that may spin.
 * Return: true if a peer of the device's VRAM is registered.
 */
bool amdgpu_migrate_has_peers(struct amdgpu_device *adev)
{
	struct amdgpu_migrate *mig = amdgpu_migrate_get(adev);
	bool found = mig && migrate_peer_find(mig, peer_any, NULL);

	amdgpu_migrate_put(mig);
	return found;
}

/* Is @peer of @mig's hive, and does its VRAM hold the hive address *@key? */
static bool peer_holds_addr(const struct amdgpu_migrate *mig,
			    struct amdgpu_migrate *peer, void *key)
{
	u64 addr = *(const dma_addr_t *)key;

	return amdgpu_xgmi_same_hive(mig->adev, peer->adev) &&
	       addr - peer->adev->vm_manager.vram_base_offset < peer->vram_size;
}

/*
 * The registered GPU of @mig's hive whose VRAM holds the hive addresses
 * of the copy (each page's, and all of its order), or NULL; never @mig
 * itself, as drm_pagemap copies within one pagemap only for a driver that
 * sets can_migrate_same_pagemap, which this one does not. That GPU
 * stays registered while the copy runs: the migration into its VRAM holds
 * its drm_pagemap, and its &amdgpu_migrate.migrations for reading, which
 * its unbind must take for writing before it leaves the list.
 */
static struct amdgpu_migrate *copy_peer_dst(struct amdgpu_migrate *mig,
					    struct drm_pagemap_addr *addr,
					    unsigned long npages)
{
	struct amdgpu_migrate *dst;
	unsigned long i;
	u64 base;

	for (i = 0; i < npages && !addr[i].addr; i++)
		;
	if (i == npages)
		return NULL;
	dst = migrate_peer_find(mig, peer_holds_addr, &addr[i].addr);
	if (!dst)
		return NULL;
	base = dst->adev->vm_manager.vram_base_offset;
	for (; i < npages; i++)
		if (addr[i].addr &&
		    (addr[i].addr - base >= dst->vram_size ||
		     dst->vram_size - (addr[i].addr - base) <
		     PAGE_SIZE << addr[i].order))
			return NULL;
	return dst;
}

struct copy_timeslice {
	u64 now, end;
};

/* Add the count of resets that lost the VRAM of @peer, a PCIe peer, to *@key. */
static bool peer_sum_lost(const struct amdgpu_migrate *mig,
			  struct amdgpu_migrate *peer, void *key)
{
	if (!amdgpu_xgmi_same_hive(mig->adev, peer->adev))
		*(u64 *)key += atomic_read(&peer->adev->vram_lost_counter);
	return false;
}

/* The resets that lost the VRAM of @mig's PCIe peers, summed. */
static u64 copy_bar_lost(struct amdgpu_migrate *mig)
{
	u64 sum = 0;

	migrate_peer_find(mig, peer_sum_lost, &sum);
	return sum;
}

/*
 * Note for @peer, a PCIe peer of @mig, when the timeslice *@key ends.
 * Matches none, so that every such peer is noted.
 */
static bool peer_note_timeslice(const struct amdgpu_migrate *mig,
				struct amdgpu_migrate *peer, void *key)
{
	if (!amdgpu_xgmi_same_hive(mig->adev, peer->adev))
		atomic64_set(&peer->peer_timeslice_end, *(u64 *)key);
	return false;
}

static void copy_latest_timeslice(struct amdgpu_migrate_vram *vram,
				  unsigned long nr, void *data)
{
	struct copy_timeslice *c = data;
	u64 t = vram ? READ_ONCE(vram->devmem.timeslice_expiration) : 0;

	if (time_before64(c->now, t) && (!c->end || time_after64(t, c->end)))
		c->end = t;
}

/*
 * May the pages of the copy leave for a peer now? Not while the timeslice
 * of their allocation runs: drm_pagemap holds pages to it only against
 * CPU faults (drm_pagemap_migrate_to_ram()), and a GPU that takes them
 * straight from another's VRAM would pass it by. The migration then fails
 * with -EBUSY; the policy waits until the timeslice ends and tries again
 * (amdgpu_migrate_peer_wait()).
 * Return: when the last timeslice of the pages' allocations ends
 * (jiffies64), or 0 if none runs.
 */
static u64 copy_peer_timeslice_end(struct amdgpu_migrate *mig,
				   struct page **pages,
				   struct drm_pagemap_addr *addr,
				   unsigned long npages)
{
	struct copy_timeslice c = { .now = get_jiffies_64() };

	copy_each_vram(mig, pages, addr, npages, copy_latest_timeslice, &c);
	return c.end;
}

/**
 * amdgpu_migrate_peer_wait() - wait out the timeslice for which a peer
 *	refused its pages
 * @mig: the device a migration into failed with -EBUSY
 * @max_ms: the longest wait, the timeslice the policy gives pages
 *
 * A peer refuses to copy pages into @mig's VRAM while their timeslice
 * runs, and notes when it ends. Sleep until then, so that the migration
 * can be tried again straight from the peer's VRAM rather than through
 * system memory. The note is a hint: another migration into @mig may
 * take it first, and then this one goes through system memory; a PCIe
 * peer notes it for each of its PCIe peers, as it cannot tell which one
 * asked.
 *
 * Context: process context; may sleep.
 * Return: true if a peer refused and its timeslice is over now; false if
 * none refused, or on a fatal signal.
 */
bool amdgpu_migrate_peer_wait(struct amdgpu_migrate *mig,
			      unsigned long max_ms)
{
	u64 end = atomic64_xchg(&mig->peer_timeslice_end, 0);
	u64 now = get_jiffies_64();

	if (!end)
		return false;
	if (time_before64(now, end))
		schedule_timeout_killable(min_t(u64, end - now,
						msecs_to_jiffies(max_ms)) + 1);
	return !fatal_signal_pending(current);
}

/**
 * amdgpu_migrate_copy() - copy pages between system memory and VRAM, or
 *	from VRAM to a hive peer's
 * @mig: the registration the VRAM pages belong to
 * @pages: the device pages, one slot per 4 KiB page
 * @addr: the DMA addresses of the system pages, or for
 *	%AMDGPU_MIGRATE_TO_PEER the hive addresses of the peer's VRAM pages,
 *	for %AMDGPU_MIGRATE_TO_PEER_BUS their addresses in the peer's BAR,
 *	one slot per 4 KiB page
 * @npages: slots in @pages and @addr
 * @pre_migrate_fence: work that must finish before VRAM is written (a move
 *	out of the new buffer object's VRAM that TTM pipelined), or NULL
 * @dir: which way
 *
 * The one copy loop behind both drm_pagemap copy ops. An entry of order n
 * (a 2 MiB folio has order 9) covers 2^n slots; the slots after its head
 * are empty and are not a gap. Slots without a device page are skipped.
 * Pages are gathered into runs that are contiguous in VRAM and fit one
 * GART window; each run is one copy command. Into VRAM, a device page
 * without a system address (never-touched memory) is filled with zeroes
 * by the same engine, one fill command per run of them: the buffer object
 * is not cleared, so every byte of it the process can see is written by a
 * copy or a fill, and only once.
 *
 * The commands are submitted back to back and waited for once (see
 * struct migrate_batch). The copy is complete when this returns,
 * also when it fails: drm_pagemap unmaps the system pages right after.
 *
 * A copy back to system memory that the engine failed is done by the CPU,
 * and one of data a reset lost is refused (see "Copying back"). A copy to
 * a peer is refused for data a reset lost too, and while the pages'
 * timeslice runs; one the engine failed is not done by the CPU: the
 * pages stay where they are (see "Peers"). A reset of the receiver
 * during the copy fails it too (-EIO). A hive peer, found by its
 * addresses, counts the pages in. BAR addresses mapped for this GPU do
 * not say whose they are: a PCIe peer counts nothing in, and a reset of
 * any PCIe peer during the copy fails it.
 *
 * Context: process context; may sleep; takes no lock of the caller's.
 * Return: 0, or the error of @pre_migrate_fence, or the first error of a
 * command (the caller then keeps the data where it was), or -EIO for a
 * copy out of data a reset lost or to a peer a reset hit, or -EBUSY for
 * a copy to a peer within
 * the timeslice, or -EINVAL for one to addresses no hive peer has.
 */
int amdgpu_migrate_copy(struct amdgpu_migrate *mig, struct page **pages,
			struct drm_pagemap_addr *addr, unsigned long npages,
			struct dma_fence *pre_migrate_fence,
			enum amdgpu_migrate_dir dir)
{
	bool to_peer = dir == AMDGPU_MIGRATE_TO_PEER ||
		       dir == AMDGPU_MIGRATE_TO_PEER_BUS;
	struct amdgpu_migrate_stats *stats = &mig->stats;
	unsigned long copied = 0, filled = 0, lost;
	struct amdgpu_migrate *dst = NULL;
	u64 dst_lost = 0;
	u64 end;
	struct migrate_batch batch;
	unsigned int njobs = 0;
	struct migrate_walk w;
	struct migrate_run run;
	dma_addr_t *sys;
	int ret, err;

	if (dir == AMDGPU_MIGRATE_TO_PEER) {
		dst = copy_peer_dst(mig, addr, npages);
		if (!dst)
			return -EINVAL;
		dst_lost = atomic_read(&dst->adev->vram_lost_counter);
	}
	if (dir == AMDGPU_MIGRATE_TO_PEER_BUS)
		dst_lost = copy_bar_lost(mig);
	if (to_peer) {
		lost = copy_back_lost(mig, pages, addr, npages);
		if (lost)
			return copy_back_refuse(mig, lost);
		end = copy_peer_timeslice_end(mig, pages, addr, npages);
		if (end) {
			/*
			 * BAR addresses do not say whose they are: every PCIe
			 * peer gets the note, a hint for whichever asked.
			 */
			if (dst)
				atomic64_set(&dst->peer_timeslice_end, end);
			else
				migrate_peer_find(mig, peer_note_timeslice,
						  &end);
			return -EBUSY;
		}
	}

	/* Count the jobs first: a copy is two (window map, copy), a fill one. */
	walk_start(&w, mig, pages, addr, npages, dir);
	while (walk_next(&w, &run, NULL))
		njobs += run.kind == MIGRATE_COPY ? 2 : 1;
	if (!njobs)
		return 0;

	sys = kvmalloc_array(min_t(unsigned long, npages, MIGRATE_WINDOW_PAGES),
			     sizeof(*sys), GFP_KERNEL);
	if (!sys) {
		ret = -ENOMEM;
		goto out;
	}
	ret = batch_begin(&batch, mig->adev, njobs, pre_migrate_fence);
	if (ret)
		goto out;

	walk_start(&w, mig, pages, addr, npages, dir);
	while (walk_next(&w, &run, sys)) {
		if (run.kind == MIGRATE_FILL) {
			ret = batch_fill(&batch, run.vram, run.npages);
			if (ret)
				break;
			filled += run.npages;
			continue;
		}
		ret = batch_copy(&batch, sys, run.vram, run.npages, dir);
		if (ret)
			break;
		atomic64_inc(&stats->copy_commands);
		copied += run.npages;
	}
	/* What was submitted runs to its end, whatever failed after it. */
	err = batch_end(&batch, stats);
	if (!ret)
		ret = err;
	if (!ret) {
		if (dir == AMDGPU_MIGRATE_TO_VRAM)
			atomic64_add(copied, &stats->pages_in);
		else if (dir == AMDGPU_MIGRATE_TO_RAM)
			atomic64_add(copied, &stats->pages_out);
		atomic64_add((u64)filled << PAGE_SHIFT, &stats->bytes_cleared);
	}
out:
	kvfree(sys);
	if (dir == AMDGPU_MIGRATE_TO_RAM)
		ret = copy_back_end(mig, pages, addr, npages, ret);
	/*
	 * Data a reset lost during the copy is refused as a copy back is,
	 * on either GPU: the pages then stay where they were.
	 */
	if (to_peer && !ret) {
		lost = copy_back_lost(mig, pages, addr, npages);
		if (lost) {
			ret = copy_back_refuse(mig, lost);
		} else if (dst ? atomic_read(&dst->adev->vram_lost_counter) !=
				 dst_lost : copy_bar_lost(mig) != dst_lost) {
			ret = -EIO;
		} else {
			atomic64_add(copied, &stats->pages_to_peer);
			if (dst)
				atomic64_add(copied, &dst->stats.pages_in);
		}
	}
	return ret;
}

static struct amdgpu_migrate *pages_migrate(struct page **pages,
					    unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		if (pages[i])
			return pgmap_to_migrate(page_pgmap(pages[i]));
	return NULL;
}

/*
 * The copy ops: the device is the one whose VRAM pages are copied; its
 * registration lives while they do.
 */
static int copy_op(struct page **pages, struct drm_pagemap_addr *addr,
		   unsigned long npages, struct dma_fence *pre_migrate_fence,
		   enum amdgpu_migrate_dir dir)
{
	struct amdgpu_migrate *mig = pages_migrate(pages, npages);
	unsigned long i, in_vram = 0, in_bar = 0, in_ram = 0;

	/*
	 * A VRAM address on the other side of a copy out of VRAM is a move
	 * into another GPU's VRAM: drm_pagemap hands a hive peer's pages to
	 * the migration into this GPU, and calls the *source's* copy_to_ram
	 * with the destination's hive addresses, as xe_svm_copy() hands a
	 * peer's addresses to xe_migrate_from_vram(): hive addresses over
	 * XGMI, BAR addresses over PCIe. One op never mixes kinds, and
	 * drm_pagemap never gives copy_to_devmem a peer's addresses; either
	 * is refused.
	 */
	for (i = 0; i < npages; i++) {
		if (!addr[i].addr)
			continue;
		if (addr[i].proto == DRM_INTERCONNECT_DRIVER)
			in_vram++;
		else if (addr[i].proto == AMDGPU_INTERCONNECT_P2P)
			in_bar++;
		else
			in_ram++;
	}
	if (in_vram || in_bar) {
		if ((in_vram && in_bar) || in_ram ||
		    dir != AMDGPU_MIGRATE_TO_RAM)
			return -EINVAL;
		dir = in_vram ? AMDGPU_MIGRATE_TO_PEER :
				AMDGPU_MIGRATE_TO_PEER_BUS;
	}

	return mig ? amdgpu_migrate_copy(mig, pages, addr, npages,
					 pre_migrate_fence, dir) : 0;
}

static int amdgpu_migrate_copy_to_devmem(struct page **pages,
					 struct drm_pagemap_addr *addr,
					 unsigned long npages,
					 struct dma_fence *pre_migrate_fence)
{
	return copy_op(pages, addr, npages, pre_migrate_fence,
		       AMDGPU_MIGRATE_TO_VRAM);
}

static int amdgpu_migrate_copy_to_ram(struct page **pages,
				      struct drm_pagemap_addr *addr,
				      unsigned long npages,
				      struct dma_fence *pre_migrate_fence)
{
	return copy_op(pages, addr, npages, pre_migrate_fence,
		       AMDGPU_MIGRATE_TO_RAM);
}

/* --- The VRAM of one migration --- */

/*
 * The PFNs of the allocation's pages, in order. Takes no lock: eviction
 * calls this with the buffer object's reservation held.
 */
static int amdgpu_migrate_populate_devmem_pfn(struct drm_pagemap_devmem *devmem,
					      unsigned long npages,
					      unsigned long *pfn)
{
	struct amdgpu_migrate_vram *vram = devmem_to_vram(devmem);
	struct amdgpu_migrate *mig = dpagemap_to_migrate(devmem->dpagemap);
	unsigned long i = 0;
	unsigned int b;

	for (b = 0; b < vram->nblocks && i < npages; b++) {
		u64 start = mig->pgmap.range.start + vram->blocks[b].start;
		u64 off;

		for (off = 0; off < vram->blocks[b].size && i < npages;
		     off += PAGE_SIZE)
			pfn[i++] = PHYS_PFN(start + off);
	}
	return i == npages ? 0 : -EINVAL;
}

static void amdgpu_migrate_vram_last_put(struct kref *kref)
{
	amdgpu_migrate_vram_free(container_of(kref, struct amdgpu_migrate_vram,
					      refcount));
}

/* The last device page of the allocation is gone: any context. */
static void amdgpu_migrate_devmem_release(struct drm_pagemap_devmem *devmem)
{
	struct amdgpu_migrate_vram *vram = devmem_to_vram(devmem);
	struct amdgpu_migrate *mig = dpagemap_to_migrate(devmem->dpagemap);
	unsigned long flags;

	/* Not consumed when the migration failed early. */
	dma_fence_put(devmem->pre_migrate_fence);
	devmem->pre_migrate_fence = NULL;

	spin_lock_irqsave(&mig->lock, flags);
	list_del_init(&vram->link);
	spin_unlock_irqrestore(&mig->lock, flags);
	/* Nothing left for TTM to evict through us. */
	xa_lock_irqsave(&mig->bos, flags);
	__xa_erase(&mig->bos, (unsigned long)vram->bo);
	xa_unlock_irqrestore(&mig->bos, flags);
	/* Asynchronous: fine in atomic context. */
	pm_runtime_put_autosuspend(adev_to_drm(mig->adev)->dev);
	kref_put(&vram->refcount, amdgpu_migrate_vram_last_put);
}

/**
 * amdgpu_migrate_owns_bo() - is this buffer object VRAM of live device pages?
 * @adev: the device
 * @bo: the buffer object (any; only the pointer is compared)
 *
 * TTM asks before it evicts a buffer object: such a one must not be
 * copied elsewhere, its pages must first go back to system memory.
 *
 * Context: any.
 * Return: true if device pages of an SVM migration live in @bo.
 */
bool amdgpu_migrate_owns_bo(struct amdgpu_device *adev, const void *bo)
{
	struct amdgpu_migrate *mig;
	bool owns;

	rcu_read_lock();
	mig = rcu_dereference(adev->svm_migrate);
	owns = mig && xa_load(&mig->bos, (unsigned long)bo);
	rcu_read_unlock();
	return owns;
}

/*
 * Evict one allocation, counted and traced; the caller holds a reference.
 * The way TTM and unbind evict alike.
 */
static int evict_vram(struct amdgpu_migrate *mig,
		      struct amdgpu_migrate_vram *vram)
{
	int ret = drm_pagemap_evict_to_ram(&vram->devmem);

	atomic64_inc(&mig->stats.evictions);
	trace_amdgpu_svm_evict(mig->adev->dev, vram->devmem.size, ret);
	return ret;
}

/*
 * Call @fn on each live allocation once, in list order, holding a
 * reference: the one visited goes to the tail, marked with this pass, and
 * the pass ends at the first marked one. An allocation stays listed all
 * along, where a copy back looks it up (copy_back_lost()); what @fn left
 * there is there for a later pass. One pass at a time: unbind cancels the
 * other caller, the work of a reset that lost VRAM, before its own.
 * Return: the first error of @fn but -EFAULT (the address space is gone,
 * and its pages with it); @fn is called on the others all the same.
 */
static int migrate_each_vram(struct amdgpu_migrate *mig,
			     int (*fn)(struct amdgpu_migrate *mig,
				       struct amdgpu_migrate_vram *vram))
{
	struct amdgpu_migrate_vram *vram;
	int ret = 0, err;
	u32 pass;

	spin_lock_irq(&mig->lock);
	pass = ++mig->evict_pass;
	spin_unlock_irq(&mig->lock);
	for (;;) {
		spin_lock_irq(&mig->lock);
		vram = list_first_entry_or_null(&mig->allocations,
						struct amdgpu_migrate_vram, link);
		if (vram && vram->evict_pass == pass)
			vram = NULL;
		/* Still listed: its pages hold their reference. */
		if (vram) {
			vram->evict_pass = pass;
			kref_get(&vram->refcount);
			list_move_tail(&vram->link, &mig->allocations);
		}
		spin_unlock_irq(&mig->lock);
		if (!vram)
			break;

		err = fn(mig, vram);
		kref_put(&vram->refcount, amdgpu_migrate_vram_last_put);
		if (err && err != -EFAULT && !ret)
			ret = err;
	}
	return ret;
}

/**
 * amdgpu_migrate_evict_bo() - the eviction of an SVM buffer object
 * @adev: the device
 * @bo: the buffer object TTM is moving out of VRAM
 *
 * Brings every device page that lives in @bo back to system memory
 * (drm_pagemap_evict_to_ram()), after which nothing refers to its VRAM
 * and TTM may drop its content. Called from amdgpu_bo_move().
 *
 * A buffer whose pages cannot all go home now is TTM's to skip, never a
 * reason to end its eviction walk: TTM ends the walk, and fails the
 * allocation that needed the room, on any error but -ENOSPC (which
 * ttm_bo_evict_cb() takes as "this one is busy"). The pages stay where
 * they are, their data intact: a copy the engine and then the CPU failed
 * is retried at the next eviction or CPU fault; the pages of a process
 * that is exiting (-EFAULT: no users left) go with its address space, as
 * do pages whose data a reset lost (-EIO) when the process lets go of
 * them.
 *
 * Context: process context; @bo's reservation held, no mmap lock.
 * Return: 0 when no device page is left in @bo, -ENOSPC if some could
 * not be moved now, whatever the reason.
 */
int amdgpu_migrate_evict_bo(struct amdgpu_device *adev, const void *bo)
{
	/* Unbind may evict the same buffer meanwhile and drop its reference. */
	struct amdgpu_migrate *mig = migrate_tryget(adev);
	struct amdgpu_migrate_vram *vram;
	unsigned long flags;
	int ret = 0;

	if (!mig)
		return 0;
	xa_lock_irqsave(&mig->bos, flags);
	vram = xa_load(&mig->bos, (unsigned long)bo);
	/* Listed: the device pages still hold their reference. */
	if (vram)
		kref_get(&vram->refcount);
	xa_unlock_irqrestore(&mig->bos, flags);
	if (vram) {
		ret = evict_vram(mig, vram);
		kref_put(&vram->refcount, amdgpu_migrate_vram_last_put);
	}
	amdgpu_migrate_put(mig);
	return ret ? -ENOSPC : 0;
}

/**
 * amdgpu_migrate_evict_all() - bring every device page back to system memory
 * @adev: the device
 *
 * For unbind and for tests: each live allocation is evicted the way TTM
 * evicts its buffer object. Pages of a process whose address space is
 * going away are freed by it rather than copied.
 *
 * Context: process context; no mmap lock and no reservation held; one
 * caller at a time (unbind).
 * Return: 0, or the first error of an eviction (the others are still
 * tried).
 */
int amdgpu_migrate_evict_all(struct amdgpu_device *adev)
{
	struct amdgpu_migrate *mig = migrate_of(adev);

	return mig ? migrate_each_vram(mig, evict_vram) : 0;
}

/* --- VRAM a reset lost --- */

/**
 * DOC: Reset
 *
 * A reset that loses VRAM loses the data of every device page there.
 * The CPU never reads such a page (see "Copying back"), and no GPU may
 * either: not this one, nor a hive peer that maps the page in place
 * (see "Peers"), whose page tables survived the reset and still point
 * at it. amdgpu's recovery calls amdgpu_migrate_vram_lost() once the
 * device works again; its work takes every mapping of the pages whose
 * allocation is older than the loss away, and copies nothing:
 *
 * 1. migrate_device_pfns() unmaps them from the CPU page tables, which
 *    runs the MMU notifiers of every SVM of the process, this GPU's and
 *    its peers': their PTEs go, their TLBs are flushed;
 * 2. with no destination, migrate_device_pages() moves nothing and
 *    migrate_device_finalize() puts the device-private entries back.
 *
 * From then on device_map() refuses those pages, so no GPU maps them
 * again: a GPU fault on them fails, as a CPU access gets SIGBUS, until
 * the process unmaps them or exits. KFD goes further and tells the
 * process of the reset (kfd_signal_reset_event()), and ROCr ends it; a
 * process here learns of it at its next access, whichever GPU makes it.
 */

/*
 * Did the data at VRAM @offset die in a reset? Its allocation is older
 * than the count of resets that lost VRAM, @now.
 */
static bool offset_lost(struct amdgpu_migrate *mig, u64 offset, u32 now)
{
	struct amdgpu_migrate_vram *vram;
	unsigned long flags;
	bool lost;

	spin_lock_irqsave(&mig->lock, flags);
	vram = vram_at(mig, offset);
	lost = vram && vram->vram_lost_counter != now;
	spin_unlock_irqrestore(&mig->lock, flags);
	return lost;
}

/*
 * Take every mapping of @vram's device pages away, if a reset lost their
 * data, and give the CPU its device-private entries back (see "Reset").
 * Pages another path holds locked are left: that path (a CPU fault, an
 * eviction) unmaps them itself, and its copy back is refused.
 */
static int vram_unmap_lost(struct amdgpu_migrate *mig,
			   struct amdgpu_migrate_vram *vram)
{
	unsigned long npages = vram->devmem.size >> PAGE_SHIFT;
	unsigned long *src;

	if (vram->vram_lost_counter ==
	    atomic_read(&mig->adev->vram_lost_counter))
		return 0;
	/* The process is exiting: its pages go with its address space. */
	if (!mmget_not_zero(vram->devmem.mm))
		return 0;
	/* The GPUs must not keep their PTEs: wait for the memory. */
	while (!(src = kvcalloc(2 * npages, sizeof(*src), GFP_KERNEL)))
		memalloc_retry_wait(GFP_KERNEL);
	if (!amdgpu_migrate_populate_devmem_pfn(&vram->devmem, npages, src) &&
	    !migrate_device_pfns(src, npages)) {
		migrate_device_pages(src, src + npages, npages);
		migrate_device_finalize(src, src + npages, npages);
	}
	kvfree(src);
	mmput_async(vram->devmem.mm);
	atomic64_inc(&mig->stats.lost_unmapped);
	return 0;
}

static void migrate_lost_work(struct work_struct *work)
{
	struct amdgpu_migrate *mig = container_of(work, struct amdgpu_migrate,
						  lost_work);

	migrate_each_vram(mig, vram_unmap_lost);
}

/**
 * amdgpu_migrate_vram_lost() - a reset lost the device's VRAM
 * @adev: the device, working again
 *
 * Called by amdgpu's recovery after it counted the loss
 * (amdgpu_inc_vram_lost()). Queues the work that unmaps every device page
 * whose data was lost, from the CPU and from every GPU (see "Reset").
 *
 * Context: process context (the reset's); does not wait for the work.
 */
void amdgpu_migrate_vram_lost(struct amdgpu_device *adev)
{
	struct amdgpu_migrate *mig;
	unsigned long flags;

	rcu_read_lock();
	mig = rcu_dereference(adev->svm_migrate);
	if (mig) {
		/* Unbind clears @registered under the lock, then cancels. */
		spin_lock_irqsave(&mig->lock, flags);
		if (mig->registered)
			queue_work(system_unbound_wq, &mig->lost_work);
		spin_unlock_irqrestore(&mig->lock, flags);
	}
	rcu_read_unlock();
}

static const struct drm_pagemap_devmem_ops amdgpu_migrate_devmem_ops = {
	.devmem_release = amdgpu_migrate_devmem_release,
	.populate_devmem_pfn = amdgpu_migrate_populate_devmem_pfn,
	.copy_to_devmem = amdgpu_migrate_copy_to_devmem,
	.copy_to_ram = amdgpu_migrate_copy_to_ram,
};

/* --- The drm_pagemap --- */

/* How a peer reaches the pages of a registration, if it does. */
enum migrate_link {
	MIGRATE_LINK_NONE,
	MIGRATE_LINK_XGMI,
	MIGRATE_LINK_PCIE,
};

struct peer_device_key {
	struct device *dev;
	enum migrate_link link;
};

/* Is @peer the GPU of device @key->dev? Then note over what it reaches @mig. */
static bool peer_is_device(const struct amdgpu_migrate *mig,
			   struct amdgpu_migrate *peer, void *key)
{
	struct peer_device_key *k = key;

	if (peer->adev->dev != k->dev)
		return false;
	k->link = amdgpu_xgmi_same_hive(mig->adev, peer->adev) ?
		  MIGRATE_LINK_XGMI : MIGRATE_LINK_PCIE;
	return true;
}

/*
 * How does @dev reach the VRAM of @owner: as a registered GPU of its XGMI
 * hive, as one that shares its owner over PCIe, or not at all? Not at all
 * once @owner's unbind began: a registration that unbind had to leak
 * keeps its pages, which no peer may reach.
 */
static enum migrate_link migrate_peer_link(struct amdgpu_migrate *owner,
					   struct device *dev)
{
	struct peer_device_key key = { .dev = dev };

	if (!READ_ONCE(owner->registered) ||
	    !migrate_peer_find(owner, peer_is_device, &key))
		return MIGRATE_LINK_NONE;
	return key.link;
}

static struct drm_pagemap_addr
amdgpu_migrate_device_map(struct drm_pagemap *dpagemap, struct device *dev,
			  struct page *page, unsigned int order,
			  enum dma_data_direction dir)
{
	struct amdgpu_migrate *mig = dpagemap_to_migrate(dpagemap);
	struct amdgpu_device *adev = mig->adev;
	u64 offset = amdgpu_migrate_vram_offset(mig, page);
	u32 now = atomic_read(&adev->vram_lost_counter);
	enum migrate_link link;
	dma_addr_t addr;

	/*
	 * Only devices that share the pages' owner are handed them
	 * (hmm_range_fault() and migrate_vma select by owner): this GPU, the
	 * peers of its XGMI hive and its PCIe peers (see "Peers"). Any other
	 * device is refused. So is a page whose data a reset lost, to every
	 * device (see "Reset").
	 */
	link = dev == adev->dev ? MIGRATE_LINK_XGMI :
	       migrate_peer_link(mig, dev);
	if (link == MIGRATE_LINK_NONE ||
	    (now != mig->vram_lost_counter && offset_lost(mig, offset, now)))
		return drm_pagemap_addr_encode(DMA_MAPPING_ERROR,
					       DRM_INTERCONNECT_SYSTEM, order,
					       dir);
	/* This GPU and its hive reach the page at its address in the hive. */
	if (link == MIGRATE_LINK_XGMI)
		return drm_pagemap_addr_encode(offset +
					       adev->vm_manager.vram_base_offset,
					       DRM_INTERCONNECT_DRIVER, order,
					       dir);
	/*
	 * A PCIe peer reaches it through this GPU's BAR, all of VRAM on a
	 * large-BAR part (amdgpu_device_is_peer_accessible() asked for it),
	 * mapped for the peer as xe_drm_pagemap_device_map() maps its BAR
	 * and amdgpu_vram_mgr_alloc_sgt() maps VRAM for a dma-buf importer.
	 */
	addr = dma_map_resource(dev, adev->gmc.aper_base + offset,
				PAGE_SIZE << order, dir, DMA_ATTR_SKIP_CPU_SYNC);
	return drm_pagemap_addr_encode(addr, dma_mapping_error(dev, addr) ?
				       DRM_INTERCONNECT_SYSTEM :
				       AMDGPU_INTERCONNECT_P2P, order, dir);
}

static void amdgpu_migrate_device_unmap(struct drm_pagemap *dpagemap,
					struct device *dev,
					const struct drm_pagemap_addr *addr)
{
	/* Only a PCIe peer's address is a DMA mapping: VRAM is not one. */
	if (addr->proto == AMDGPU_INTERCONNECT_P2P)
		dma_unmap_resource(dev, addr->addr, PAGE_SIZE << addr->order,
				   addr->dir, DMA_ATTR_SKIP_CPU_SYNC);
}

/*
 * Allocate VRAM of memory partition @xcp_id (any: -1) for [@start, @end)
 * of @mm and migrate the range into it. The mmap lock is held for read.
 */
static int migrate_populate(struct amdgpu_migrate *mig, unsigned long start,
			    unsigned long end, struct mm_struct *mm,
			    unsigned long timeslice_ms, int xcp_id)
{
	const struct drm_pagemap_migrate_details details = {
		.timeslice_ms = timeslice_ms,
	};
	struct amdgpu_device *adev = mig->adev;
	struct drm_device *drm = adev_to_drm(adev);
	struct dma_fence *busy = NULL;
	struct amdgpu_migrate_vram *vram;
	struct amdgpu_bo *bo;
	int idx, ret;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	/* Unbind must not find new device pages after it evicted them all. */
	down_read(&mig->migrations);
	if (!mig->registered) {
		ret = -ENODEV;
		goto out_unlock;
	}
	ret = pm_runtime_get_sync(drm->dev);
	/* -EACCES: runtime PM is off for the device, which is awake. */
	if (ret < 0 && ret != -EACCES)
		goto out_pm;

	vram = amdgpu_migrate_vram_alloc(adev, end - start, xcp_id, &busy);
	if (IS_ERR(vram)) {
		ret = PTR_ERR(vram);
		goto out_pm;
	}
	/*
	 * The buffer object comes reserved, so that TTM cannot move it before
	 * its pages are device pages (then eviction takes them back first).
	 * Keep it until the reservation is dropped, whatever happens to @vram.
	 */
	bo = amdgpu_bo_ref(vram->bo);
	vram->adev = adev;
	vram->vram_lost_counter = atomic_read(&adev->vram_lost_counter);
	kref_init(&vram->refcount);
	drm_pagemap_devmem_init(&vram->devmem, adev->dev, mm,
				&amdgpu_migrate_devmem_ops, &mig->dpagemap,
				end - start, busy);
	/* Before any device page exists, TTM must know to evict through us. */
	ret = xa_err(xa_store_irq(&mig->bos, (unsigned long)vram->bo, vram,
				  GFP_KERNEL));
	if (ret) {
		dma_fence_put(busy);
		vram->devmem.pre_migrate_fence = NULL;
		kref_put(&vram->refcount, amdgpu_migrate_vram_last_put);
		goto out_bo;
	}
	spin_lock_irq(&mig->lock);
	list_add_tail(&vram->link, &mig->allocations);
	spin_unlock_irq(&mig->lock);
	/*
	 * The device stays awake while device pages live, as xe's
	 * xe_drm_pagemap_populate_mm() keeps a runtime-PM reference for
	 * them: a runtime suspend would evict every one of them to system
	 * memory. Dropped by amdgpu_migrate_devmem_release().
	 */
	pm_runtime_get_noresume(drm->dev);
	/* Consumes @vram on every path: devmem_release() frees it. */
	ret = drm_pagemap_migrate_to_devmem(&vram->devmem, mm, start, end,
					    &details);
out_bo:
	amdgpu_bo_unreserve(bo);
	amdgpu_bo_unref(&bo);
out_pm:
	pm_runtime_put_autosuspend(drm->dev);
out_unlock:
	up_read(&mig->migrations);
	drm_dev_exit(idx);
	return ret;
}

/* drm_pagemap_populate_mm() has no partition to give: any VRAM will do. */
static int amdgpu_migrate_populate_mm(struct drm_pagemap *dpagemap,
				      unsigned long start, unsigned long end,
				      struct mm_struct *mm,
				      unsigned long timeslice_ms)
{
	return migrate_populate(dpagemap_to_migrate(dpagemap), start, end, mm,
				timeslice_ms, -1);
}

/**
 * amdgpu_migrate_populate() - migrate a span of an address space into the
 * VRAM of one memory partition
 * @mig: the device's migration state
 * @mm: the address space
 * @start: first byte of the span, page-aligned
 * @end: end of the span, page-aligned
 * @timeslice_ms: how long the pages stay before they may move again
 * @xcp_id: the partition whose memory to use, -1 for any
 *
 * As drm_pagemap_populate_mm(), which takes no partition: on a part split
 * into memory partitions, the buffer object is placed in the partition's
 * memory, as KFD's svm_range_vram_node_new() places it with xcp_id_plus1.
 *
 * Context: process context; takes the mmap lock of @mm for read.
 * Return: 0, -EFAULT if @mm is gone, -EBUSY if some of the pages are in
 * flight, -ENOSPC when VRAM is full, or another negative error code.
 */
int amdgpu_migrate_populate(struct amdgpu_migrate *mig, struct mm_struct *mm,
			    unsigned long start, unsigned long end,
			    unsigned long timeslice_ms, int xcp_id)
{
	int ret;

	if (!mmget_not_zero(mm))
		return -EFAULT;
	mmap_read_lock(mm);
	ret = migrate_populate(mig, start, end, mm, timeslice_ms, xcp_id);
	mmap_read_unlock(mm);
	mmput(mm);
	return ret;
}

/*
 * The last reference is gone: any context, nothing left to tear down but
 * the memory, which amdgpu_migrate_get() may still be looking at.
 */
static void amdgpu_migrate_destroy(struct drm_pagemap *dpagemap,
				   bool is_atomic_or_reclaim)
{
	struct amdgpu_migrate *mig = dpagemap_to_migrate(dpagemap);

	kfree_rcu(mig, rcu);
}

static const struct drm_pagemap_ops amdgpu_migrate_pagemap_ops = {
	.device_map = amdgpu_migrate_device_map,
	.device_unmap = amdgpu_migrate_device_unmap,
	.populate_mm = amdgpu_migrate_populate_mm,
	.destroy = amdgpu_migrate_destroy,
};

/* --- Registration --- */

/* Every registration, grouped by owner: one owner per XGMI hive. */
static DRM_PAGEMAP_OWNER_LIST_DEFINE(amdgpu_migrate_owners);

/**
 * amdgpu_migrate_pcie_p2p() - do two GPUs reach each other's VRAM over PCIe?
 * @a: one GPU
 * @b: the other
 *
 * Both ways, as amdgpu_device_is_peer_accessible() tells it for each: the
 * pcie_p2p parameter, a BAR that covers all of VRAM, a chipset that
 * routes peer-to-peer traffic (pci_p2pdma_distance(), as
 * xe_has_interconnect() asks it) and a peer that can address the BAR.
 *
 * Context: process context.
 * Return: true if each GPU may map the other's VRAM through its BAR.
 */
bool amdgpu_migrate_pcie_p2p(struct amdgpu_device *a, struct amdgpu_device *b)
{
	return amdgpu_device_is_peer_accessible(a, b) &&
	       amdgpu_device_is_peer_accessible(b, a);
}

/*
 * One owner per XGMI hive, and one per group of GPUs outside any hive that
 * reach each other's BAR. drm_pagemap_acquire_owner() puts a GPU in a
 * group only if it reaches every member: a GPU of a hive is never grouped
 * with one outside it, so that the order in which GPUs register can never
 * keep a hive apart.
 */
static bool migrate_has_interconnect(struct drm_pagemap_peer *peer1,
				     struct drm_pagemap_peer *peer2)
{
	struct amdgpu_device *a = peer1->private, *b = peer2->private;

	if (a->gmc.xgmi.hive_id || b->gmc.xgmi.hive_id)
		return amdgpu_xgmi_same_hive(a, b);
	return amdgpu_migrate_pcie_p2p(a, b);
}

/*
 * The struct pages of the registration are system memory that GPU work
 * ties up: charge them to the limit KFD keeps for such memory (KFD's own
 * where it is built, under its lock and within its limit, as the SVM
 * charges its XNACK-off ranges), and give them back at unbind. KFD
 * charges its own registration with amdgpu_amdkfd_reserve_system_mem(),
 * which takes no lock and checks no limit; ours may be made while KFD's
 * processes allocate, and is refused beyond the limit.
 */
static u64 amdgpu_migrate_struct_pages(struct amdgpu_migrate *mig)
{
	return (mig->vram_size >> PAGE_SHIFT) * sizeof(struct page);
}

static bool amdgpu_migrate_possible(struct amdgpu_device *adev)
{
	if (amdgpu_ip_version(adev, GC_HWIP, 0) < IP_VERSION(9, 0, 1))
		return false;
	if (adev->apu_prefer_gtt || adev->gmc.is_app_apu)
		return false;
	return adev->gmc.real_vram_size != 0;
}

/* Where the device pages sit in the physical address space. */
static int amdgpu_migrate_range(struct amdgpu_device *adev,
				struct amdgpu_migrate *mig)
{
	struct resource *res;

	if (adev->gmc.xgmi.connected_to_cpu) {
#if IS_ENABLED(CONFIG_HSA_AMD_SVM)
		/* KFD holds the aperture as coherent memory: see above. */
		if (adev->kfd.pgmap.type == MEMORY_DEVICE_COHERENT)
			return -EBUSY;
#endif
		mig->pgmap.type = MEMORY_DEVICE_COHERENT;
		mig->pgmap.range.start = adev->gmc.aper_base;
		mig->pgmap.range.end = adev->gmc.aper_base +
				       adev->gmc.aper_size - 1;
		mig->vram_size = min_t(u64, adev->gmc.aper_size,
				       adev->gmc.real_vram_size);
		return 0;
	}

	mig->vram_size = ALIGN(adev->gmc.real_vram_size, SZ_2M);
	res = request_free_mem_region(&iomem_resource, mig->vram_size,
				      "amdgpu SVM VRAM");
	if (IS_ERR(res))
		return PTR_ERR(res);
	/* The region is rounded up to a memory section: map only VRAM's part. */
	mig->region = res;
	mig->pgmap.type = MEMORY_DEVICE_PRIVATE;
	mig->pgmap.range.start = res->start;
	mig->pgmap.range.end = res->start + mig->vram_size - 1;
	return 0;
}

/* debugfs: <debugfs>/dri/<minor>/amdgpu_svm_stats, one "name value" a line. */
static int amdgpu_migrate_stats_show(struct seq_file *m, void *unused)
{
	struct amdgpu_migrate_stats *stats = m->private;

	seq_printf(m, "pages_in %lld\n", atomic64_read(&stats->pages_in));
	seq_printf(m, "pages_out %lld\n", atomic64_read(&stats->pages_out));
	seq_printf(m, "pages_to_peer %lld\n",
		   atomic64_read(&stats->pages_to_peer));
	seq_printf(m, "gpu_faults %lld\n", atomic64_read(&stats->gpu_faults));
	seq_printf(m, "evictions %lld\n", atomic64_read(&stats->evictions));
	seq_printf(m, "fallbacks %lld\n", atomic64_read(&stats->fallbacks));
	seq_printf(m, "copy_commands %lld\n",
		   atomic64_read(&stats->copy_commands));
	seq_printf(m, "cpu_waits %lld\n", atomic64_read(&stats->cpu_waits));
	seq_printf(m, "bytes_cleared %lld\n",
		   atomic64_read(&stats->bytes_cleared));
	seq_printf(m, "cpu_copies_out %lld\n",
		   atomic64_read(&stats->cpu_copies_out));
	seq_printf(m, "vram_lost %lld\n", atomic64_read(&stats->vram_lost));
	seq_printf(m, "lost_unmapped %lld\n",
		   atomic64_read(&stats->lost_unmapped));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(amdgpu_migrate_stats);

/*
 * System memory that GPU work ties up is limited as KFD limits it: the
 * memory an XNACK-off SVM keeps resident for the GPU (see
 * amdgpu_svm_range.c) and the struct pages of a VRAM registration. The
 * budget is KFD's own where KFD is built (one budget for both), and
 * otherwise one of the same size. amdgpu.no_system_mem_limit lifts
 * either.
 *
 * amdgpu_svm_mem_reserve() - reserve @size bytes against that limit
 * amdgpu_svm_mem_unreserve() - give them back
 *
 * Both take the limit's lock (KFD's own where KFD is built).
 * Context: any context that may take a spinlock.
 * Return: 0, or -ENOMEM beyond the limit.
 */
#if IS_ENABLED(CONFIG_HSA_AMD)
int amdgpu_svm_mem_reserve(u64 size)
{
	return amdgpu_amdkfd_reserve_mem_limit(NULL, size,
					       KFD_IOC_ALLOC_MEM_FLAGS_USERPTR,
					       0);
}

void amdgpu_svm_mem_unreserve(u64 size)
{
	amdgpu_amdkfd_unreserve_mem_limit(NULL, size,
					  KFD_IOC_ALLOC_MEM_FLAGS_USERPTR, 0);
}
#else
/*
 * Without KFD, the limit on the system memory that XNACK-off SVM mappings
 * and VRAM registrations tie up, all devices and processes together.
 */
static struct svm_mem_limit {
	/* Protects @used and @max. */
	spinlock_t lock;
	/* Bytes reserved. */
	u64 used;
	/* Bytes that may be reserved: KFD's size, set at first use. */
	u64 max;
} svm_mem_limit = {
	.lock = __SPIN_LOCK_UNLOCKED(svm_mem_limit.lock),
};

/* KFD's size: 63/64 of low memory, less 1.5 GiB (or half, if small). */
static u64 svm_mem_default_max(void)
{
	const u64 reserve = 3ULL << 29;
	struct sysinfo si;
	u64 mem, max;

	si_meminfo(&si);
	mem = (u64)(si.totalram - si.totalhigh) * si.mem_unit;
	max = mem - (mem >> 6);
	return max < 2 * reserve ? max >> 1 : max - reserve;
}

int amdgpu_svm_mem_reserve(u64 size)
{
	struct svm_mem_limit *l = &svm_mem_limit;
	int ret = 0;

	spin_lock(&l->lock);
	if (!l->max)
		l->max = svm_mem_default_max();
	if (l->used + size > l->max && !no_system_mem_limit)
		ret = -ENOMEM;
	else
		l->used += size;
	spin_unlock(&l->lock);
	return ret;
}

void amdgpu_svm_mem_unreserve(u64 size)
{
	struct svm_mem_limit *l = &svm_mem_limit;

	spin_lock(&l->lock);
	WARN_ON_ONCE(l->used < size);
	l->used -= size;
	spin_unlock(&l->lock);
}
#endif

/* Serialises the registrations with each other and with unbind. */
static DEFINE_MUTEX(amdgpu_migrate_mutex);

/*
 * KFD sets its limit up when its first device initialises
 * (amdgpu_amdkfd_device_init()). On a system where KFD drives no device
 * it is left unset, its lock uninitialised: the SVM sets it up the same
 * way before its first reservation. Our own limit needs nothing.
 */
static void mem_limit_init_locked(void)
{
	lockdep_assert_held(&amdgpu_migrate_mutex);
#if IS_ENABLED(CONFIG_HSA_AMD)
	amdgpu_amdkfd_gpuvm_init_mem_limits();
#endif
}

/**
 * amdgpu_svm_mem_limit_init() - set the system memory limit up, if no one
 * did
 *
 * amdgpu_migrate_init(), which every new SVM calls, does it too.
 *
 * Context: process context.
 */
void amdgpu_svm_mem_limit_init(void)
{
	mutex_lock(&amdgpu_migrate_mutex);
	mem_limit_init_locked();
	mutex_unlock(&amdgpu_migrate_mutex);
}

static int migrate_register(struct amdgpu_device *adev)
{
	struct amdgpu_migrate *mig;
	void *addr;
	int ret;

	mig = kzalloc_obj(*mig);
	if (!mig)
		return -ENOMEM;
	mig->adev = adev;
	mig->vram_lost_counter = atomic_read(&adev->vram_lost_counter);
	spin_lock_init(&mig->lock);
	INIT_LIST_HEAD(&mig->allocations);
	INIT_WORK(&mig->lost_work, migrate_lost_work);
	init_rwsem(&mig->migrations);
	xa_init_flags(&mig->bos, XA_FLAGS_LOCK_IRQ);
	mig->release_wq = alloc_workqueue("amdgpu_svm_release",
					  WQ_UNBOUND | WQ_FREEZABLE, 0);
	if (!mig->release_wq) {
		ret = -ENOMEM;
		goto err_free;
	}

	ret = amdgpu_migrate_range(adev, mig);
	if (ret)
		goto err_wq;
	mig->pgmap.nr_range = 1;
	mig->pgmap.ops = drm_pagemap_pagemap_ops_get();

	ret = drm_pagemap_init(&mig->dpagemap, &mig->pgmap, adev_to_drm(adev),
			       &amdgpu_migrate_pagemap_ops);
	if (ret)
		goto err_region;

	/* The hive's owner, or a new one (see "Peers"). */
	mig->peer.private = adev;
	ret = drm_pagemap_acquire_owner(&mig->peer, &amdgpu_migrate_owners,
					migrate_has_interconnect);
	if (ret) {
		addr = ERR_PTR(ret);
	} else {
		mig->pgmap.owner = mig->peer.owner;
		ret = amdgpu_svm_mem_reserve(amdgpu_migrate_struct_pages(mig));
		if (ret)
			addr = ERR_PTR(ret);
		else
			addr = memremap_pages(&mig->pgmap,
					      dev_to_node(adev->dev));
		if (IS_ERR(addr)) {
			if (!ret)
				amdgpu_svm_mem_unreserve(amdgpu_migrate_struct_pages(mig));
			drm_pagemap_release_owner(&mig->peer);
		}
	}
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		/* The destroy op frees @mig with the last reference. */
		if (mig->region)
			release_mem_region(mig->region->start,
					   resource_size(mig->region));
		destroy_workqueue(mig->release_wq);
		drm_pagemap_put(&mig->dpagemap);
		goto out_err;
	}

	/* Without debugfs this is an error pointer, which removal ignores. */
	mig->debugfs = debugfs_create_file("amdgpu_svm_stats", 0444,
					   adev_to_drm(adev)->debugfs_root,
					   &mig->stats, &amdgpu_migrate_stats_fops);
	mig->registered = true;
	spin_lock(&migrate_peers_lock);
	list_add(&mig->peers_link, &migrate_peers);
	spin_unlock(&migrate_peers_lock);
	rcu_assign_pointer(adev->svm_migrate, mig);
	dev_info(adev->dev, "SVM: %llu MiB of VRAM can hold migrated pages (struct pages: %llu KiB)\n",
		 mig->vram_size >> 20,
		 amdgpu_migrate_struct_pages(mig) >> 10);
	return 0;

err_region:
	if (mig->region)
		release_mem_region(mig->region->start,
				   resource_size(mig->region));
err_wq:
	destroy_workqueue(mig->release_wq);
err_free:
	kfree(mig);
out_err:
	if (ret == -EBUSY)
		dev_info(adev->dev, "SVM: KFD holds the VRAM aperture, no migration\n");
	else if (ret == -ENOMEM)
		/* Retried by the next SVM: said once in a while. */
		dev_warn_ratelimited(adev->dev, "SVM: no VRAM migration for now: out of memory, or its struct pages beyond the system memory limit\n");
	else
		dev_warn(adev->dev, "SVM: no VRAM migration: %d\n", ret);
	return ret;
}

/* Do device pages of the registration still live? */
static bool migrate_has_allocations(struct amdgpu_migrate *mig)
{
	bool any;

	spin_lock_irq(&mig->lock);
	any = !list_empty(&mig->allocations);
	spin_unlock_irq(&mig->lock);
	return any;
}

/**
 * amdgpu_migrate_init() - register the device's VRAM for SVM migration
 * @adev: the device
 *
 * Called when an SVM of the device is made (amdgpu_svm_create()): the
 * registration is made lazily, by the device's first SVM, as xe makes its
 * pagemaps; a system that only runs KFD, or no SVM at all, pays nothing
 * for it (its struct pages: 1/64 of the VRAM's size). A registered device
 * is left alone, and so is one whose registration is off: unbind began,
 * or an earlier attempt failed for a reason that does not pass (all but
 * a lack of memory, which the next SVM retries). Where migration is not
 * possible nothing is registered and SVM keeps pages in system memory.
 *
 * Before anything, the system memory limit is set up if no one did
 * (amdgpu_svm_mem_limit_init()).
 *
 * Context: process context; no SVM, VM or mmap lock held.
 * Return: 0 (also when nothing was registered), or a negative error code
 * when the registration failed; SVM then works without migration.
 */
int amdgpu_migrate_init(struct amdgpu_device *adev)
{
	int ret = 0;

	mutex_lock(&amdgpu_migrate_mutex);
	/* What the struct pages and every SVM's ranges are charged to. */
	mem_limit_init_locked();
	if (!adev->svm_migrate_off && !migrate_of(adev) &&
	    amdgpu_migrate_possible(adev)) {
		ret = migrate_register(adev);
		if (ret && ret != -ENOMEM)
			adev->svm_migrate_off = true;
	}
	mutex_unlock(&amdgpu_migrate_mutex);
	return ret;
}

/**
 * amdgpu_migrate_fini() - undo amdgpu_migrate_init() at unbind
 * @adev: the device
 *
 * No new migration starts; every device page is brought back to system
 * memory (again and again while one resists, for up to
 * %MIGRATE_UNBIND_TIMEOUT_MS; then the registration is leaked, with an
 * error, rather than hang unbind), then the ZONE_DEVICE range is unmapped
 * (which waits until no device page is left), every buffer object of an
 * allocation is put (the release queue drained) and the device drops its
 * drm_pagemap reference.
 *
 * Context: process context, while the copy engine still works.
 */
void amdgpu_migrate_fini(struct amdgpu_device *adev)
{
	struct amdgpu_migrate *mig;
	unsigned long until;
	int ret;

	/* No SVM made from now on registers anything. */
	mutex_lock(&amdgpu_migrate_mutex);
	adev->svm_migrate_off = true;
	mig = migrate_of(adev);
	mutex_unlock(&amdgpu_migrate_mutex);
	if (!mig)
		return;
	/* Waits for readers: the counters go with @mig. */
	debugfs_remove(mig->debugfs);
	/* Wait for running migrations; later ones see the flag and give up. */
	down_write(&mig->migrations);
	spin_lock_irq(&mig->lock);
	WRITE_ONCE(mig->registered, false);
	spin_unlock_irq(&mig->lock);
	up_write(&mig->migrations);
	/* No reset queues its work now; the one queued ends first. */
	cancel_work_sync(&mig->lost_work);
	/*
	 * No peer is given this GPU's pages from now on (device_map() sees
	 * @registered), and this GPU is no longer a peer device_map() of
	 * another GPU accepts. The pages go home below.
	 */
	spin_lock(&migrate_peers_lock);
	list_del(&mig->peers_link);
	spin_unlock(&migrate_peers_lock);
	/*
	 * memunmap_pages() waits for every device page: one left behind
	 * would hang unbind. A page resists only while another path holds
	 * it (a CPU fault or migration that has it locked, a process whose
	 * exit frees it): try again until none is left. After
	 * MIGRATE_UNBIND_TIMEOUT_MS give up loudly and leak the
	 * registration rather than hang.
	 */
	until = jiffies + msecs_to_jiffies(MIGRATE_UNBIND_TIMEOUT_MS);
	for (;;) {
		ret = amdgpu_migrate_evict_all(adev);
		if (!migrate_has_allocations(mig))
			break;
		if (time_after(jiffies, until)) {
			dev_err(adev->dev, "SVM: device pages resist eviction at unbind (%d): their VRAM registration is leaked\n",
				ret);
			RCU_INIT_POINTER(adev->svm_migrate, NULL);
			return;
		}
		msleep(MIGRATE_UNBIND_RETRY_MS);
	}
	memunmap_pages(&mig->pgmap);
	drm_pagemap_release_owner(&mig->peer);
	/*
	 * No device page is left; an eviction that raced with this may
	 * still hold an allocation. Wait for every buffer object to be
	 * put, then for the queue: none may be put after TTM's teardown or
	 * once the module is gone.
	 */
	wait_var_event(&mig->nvram, !atomic_read(&mig->nvram));
	destroy_workqueue(mig->release_wq);
	amdgpu_svm_mem_unreserve(amdgpu_migrate_struct_pages(mig));
	if (mig->region)
		release_mem_region(mig->region->start,
				   resource_size(mig->region));
	/* Users that took a reference before this keep @mig (see above). */
	RCU_INIT_POINTER(adev->svm_migrate, NULL);
	drm_pagemap_put(&mig->dpagemap);
}

/* --- Hardware leaves --- */

static void amdgpu_migrate_vram_release_work(struct work_struct *work)
{
	struct amdgpu_migrate_vram *vram =
		container_of(work, struct amdgpu_migrate_vram, release_work);
	struct amdgpu_migrate *mig = vram->mig;

	amdgpu_bo_unref(&vram->bo);
	kfree(vram);
	/* Unbind waits for this (amdgpu_migrate_fini()): @mig lives. */
	if (atomic_dec_and_test(&mig->nvram))
		wake_up_var(&mig->nvram);
}

/**
 * amdgpu_migrate_vram_alloc() - VRAM for one migration
 * @adev: the device
 * @size: bytes, a multiple of the page size
 * @xcp_id: the partition whose memory to use, -1 for any
 * @move_fence: receives the fence of the work the VRAM is still busy with
 *	(a move of another buffer out of it, which TTM pipelined to make
 *	room), or NULL if it is idle; the caller owns the reference
 *
 * Hardware leaf. The buffer object is VRAM that TTM may evict (not
 * discardable: its content must survive eviction), returned reserved. It
 * is not cleared: amdgpu_migrate_copy() writes every page a process gets,
 * a copy where the page had data and a fill with zeroes where it had
 * none, so that no byte is written twice. A size of whole 2 MiB units gets
 * 2 MiB-aligned blocks, which 2 MiB device folios need.
 *
 * Context: process context; the mmap lock may be held.
 * Return: the allocation with its blocks, -ENOSPC when VRAM is full, or
 * another negative error code.
 */
struct amdgpu_migrate_vram *
amdgpu_migrate_vram_alloc(struct amdgpu_device *adev, u64 size, int xcp_id,
			  struct dma_fence **move_fence)
{
	struct amdgpu_bo_param bp = {
		.size = size,
		.byte_align = PAGE_SIZE,
		.domain = AMDGPU_GEM_DOMAIN_VRAM,
		.flags = AMDGPU_GEM_CREATE_NO_CPU_ACCESS,
		.type = ttm_bo_type_device,
		.bo_ptr_size = sizeof(struct amdgpu_bo),
		.xcp_id_plus1 = xcp_id + 1,
	};
	struct amdgpu_migrate *mig = migrate_of(adev);
	struct amdgpu_migrate_vram *vram;
	struct amdgpu_res_cursor cur;
	unsigned int nblocks = 0;
	struct amdgpu_bo *bo;
	int ret;

	if (!mig)
		return ERR_PTR(-ENODEV);
	ret = amdgpu_bo_create(adev, &bp, &bo);
	if (ret)
		return ERR_PTR(ret == -ENOMEM ? -ENOSPC : ret);
	/* Created without a caller's reservation object: unreserved now. */
	ret = amdgpu_bo_reserve(bo, false);
	if (ret)
		goto err_unref;
	if (bo->tbo.resource->mem_type != TTM_PL_VRAM) {
		ret = -ENOSPC;
		goto err_unreserve;
	}

	amdgpu_res_first(bo->tbo.resource, 0, size, &cur);
	for (; cur.remaining; amdgpu_res_next(&cur, cur.size))
		nblocks++;
	vram = kzalloc_flex(*vram, blocks, nblocks);
	if (!vram) {
		ret = -ENOMEM;
		goto err_unreserve;
	}
	vram->nblocks = nblocks;
	nblocks = 0;
	amdgpu_res_first(bo->tbo.resource, 0, size, &cur);
	for (; cur.remaining; amdgpu_res_next(&cur, cur.size)) {
		vram->blocks[nblocks].start = cur.start;
		vram->blocks[nblocks++].size = cur.size;
	}
	/* TTM adds the move it pipelined as a kernel fence. */
	ret = dma_resv_get_singleton(bo->tbo.base.resv, DMA_RESV_USAGE_KERNEL,
				     move_fence);
	if (ret)
		goto err_free;
	vram->bo = bo;
	vram->mig = mig;
	atomic_inc(&mig->nvram);
	INIT_WORK(&vram->release_work, amdgpu_migrate_vram_release_work);
	return vram;

err_free:
	kfree(vram);
err_unreserve:
	amdgpu_bo_unreserve(bo);
err_unref:
	amdgpu_bo_unref(&bo);
	return ERR_PTR(ret);
}

/**
 * amdgpu_migrate_vram_free() - release the VRAM of one migration
 * @vram: the allocation; its last device page is gone
 *
 * Hardware leaf. Putting a buffer object may sleep, so it is put from a
 * worker, on the registration's own queue, which unbind drains before TTM
 * and the module go (as xe puts such buffers asynchronously and flushes
 * them at device teardown). The queue is freezable, as KFD's restore
 * worker's: nothing is put while the system suspends.
 *
 * Context: any, also atomic (a folio being freed).
 */
void amdgpu_migrate_vram_free(struct amdgpu_migrate_vram *vram)
{
	queue_work(vram->mig->release_wq, &vram->release_work);
}
