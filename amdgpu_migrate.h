/* SPDX-License-Identifier: GPL-2.0 OR MIT */

#ifndef __AMDGPU_MIGRATE_H__
#define __AMDGPU_MIGRATE_H__

#include <linux/dma-direction.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/memremap.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

struct amdgpu_bo;
struct dentry;
struct resource;
struct amdgpu_device;
struct dma_fence;
struct mm_struct;

/*
 * The interconnect of a &struct drm_pagemap_addr that device_map() gives a
 * GPU for another's VRAM page: %DRM_INTERCONNECT_DRIVER is an address in
 * VRAM (the device's own, or a hive peer's at its place in the XGMI hive);
 * AMDGPU_INTERCONNECT_P2P is the page's address in the owner's PCIe BAR,
 * DMA-mapped for the peer (dma_map_resource()). See "Peers".
 */
#define AMDGPU_INTERCONNECT_P2P		(DRM_INTERCONNECT_DRIVER + 1)

/**
 * enum amdgpu_migrate_dir - which way a copy goes
 * @AMDGPU_MIGRATE_TO_VRAM: system memory to VRAM
 * @AMDGPU_MIGRATE_TO_RAM: VRAM to system memory
 * @AMDGPU_MIGRATE_TO_PEER: VRAM to the VRAM of a GPU of the same XGMI
 *	hive, addressed at its place in the hive
 * @AMDGPU_MIGRATE_TO_PEER_BUS: VRAM to the VRAM of a GPU reached over
 *	PCIe, addressed through its BAR (%AMDGPU_INTERCONNECT_P2P)
 */
enum amdgpu_migrate_dir {
	AMDGPU_MIGRATE_TO_VRAM,
	AMDGPU_MIGRATE_TO_RAM,
	AMDGPU_MIGRATE_TO_PEER,
	AMDGPU_MIGRATE_TO_PEER_BUS,
};

/**
 * struct amdgpu_migrate_block - one physically contiguous run of VRAM
 */
struct amdgpu_migrate_block {
	/** @start: byte offset of the run in VRAM */
	u64 start;
	/** @size: bytes */
	u64 size;
};

/**
 * struct amdgpu_migrate_vram - the VRAM behind one migration
 *
 * One buffer object, allocated by populate_mm for the pages of one
 * migration and given to drm_pagemap as their device-memory allocation.
 * drm_pagemap holds it through the device pages: the last one freed
 * drops their reference (amdgpu_migrate_devmem_release()), possibly in
 * atomic context, so the buffer object is put from a worker.
 */
struct amdgpu_migrate_vram {
	/** @devmem: the drm_pagemap allocation */
	struct drm_pagemap_devmem devmem;
	/** @adev: the device */
	struct amdgpu_device *adev;
	/** @mig: the registration the allocation belongs to */
	struct amdgpu_migrate *mig;
	/**
	 * @refcount: one for the device pages, one for each eviction
	 * running on it
	 */
	struct kref refcount;
	/** @link: in &amdgpu_migrate.allocations while device pages live */
	struct list_head link;
	/** @bo: the buffer object, what TTM evicts */
	struct amdgpu_bo *bo;
	/** @evict_pass: the last pass of amdgpu_migrate_evict_all() over it */
	u32 evict_pass;
	/**
	 * @vram_lost_counter: &amdgpu_device.vram_lost_counter before the
	 * first byte was copied in; a reset that loses VRAM after that
	 * loses the data of the allocation
	 */
	u32 vram_lost_counter;
	/** @release_work: puts @bo and frees this outside atomic context */
	struct work_struct release_work;
	/** @nblocks: entries in @blocks */
	unsigned int nblocks;
	/** @blocks: the VRAM runs, in the order of the migrated pages */
	struct amdgpu_migrate_block blocks[] __counted_by(nblocks);
};

/**
 * struct amdgpu_migrate_stats - per-device SVM counters
 *
 * Read through debugfs (amdgpu_svm_stats); see "Observability" in
 * amdgpu_svm_range_migrate.c.
 */
struct amdgpu_migrate_stats {
	/**
	 * @pages_in: pages copied into VRAM: from system memory, or by a
	 * hive peer from its VRAM
	 */
	atomic64_t pages_in;
	/** @pages_out: pages copied from VRAM to system memory */
	atomic64_t pages_out;
	/**
	 * @pages_to_peer: pages this GPU copied from its VRAM straight into
	 * a hive peer's (counted in the peer's @pages_in too)
	 */
	atomic64_t pages_to_peer;
	/** @gpu_faults: recoverable GPU page faults handled */
	atomic64_t gpu_faults;
	/** @evictions: VRAM allocations evicted by TTM or at unbind */
	atomic64_t evictions;
	/** @fallbacks: migrations that failed, the range mapped in place */
	atomic64_t fallbacks;
	/** @copy_commands: copy commands issued (one per VRAM run) */
	atomic64_t copy_commands;
	/**
	 * @cpu_waits: times a copy op waited for the engine (one per op
	 * when the engine keeps up)
	 */
	atomic64_t cpu_waits;
	/** @bytes_cleared: VRAM filled with zeroes where no page was copied */
	atomic64_t bytes_cleared;
	/**
	 * @cpu_copies_out: pages the CPU copied to system memory after the
	 * engine failed to
	 */
	atomic64_t cpu_copies_out;
	/**
	 * @vram_lost: copies out of VRAM (to system memory or a peer)
	 * refused: a reset lost the data
	 */
	atomic64_t vram_lost;
	/**
	 * @lost_unmapped: allocations whose pages were unmapped from
	 * every GPU after a reset lost their data
	 */
	atomic64_t lost_unmapped;
};

/**
 * struct amdgpu_migrate - VRAM of one device as ZONE_DEVICE memory
 *
 * Made by the device's first SVM where migration is possible
 * (amdgpu_migrate_init()). The device's VRAM
 * appears to the core mm as device pages, one per 4 KiB of VRAM, in one
 * range of physical addresses (a free iomem region for
 * %MEMORY_DEVICE_PRIVATE, the VRAM aperture for %MEMORY_DEVICE_COHERENT).
 * See the "Address spaces" and "Reference counting" sections of
 * amdgpu_migrate.c.
 */
struct amdgpu_migrate {
	/** @adev: the device */
	struct amdgpu_device *adev;
	/** @pgmap: the ZONE_DEVICE registration */
	struct dev_pagemap pgmap;
	/** @dpagemap: the drm_pagemap over @pgmap */
	struct drm_pagemap dpagemap;
	/**
	 * @peer: in the owner list of every registration; its owner, shared
	 * by the GPUs of one XGMI hive and by PCIe peers, is @pgmap's (see
	 * "Peers")
	 */
	struct drm_pagemap_peer peer;
	/** @peers_link: in the list device_map() finds peers in */
	struct list_head peers_link;
	/** @vram_size: bytes of VRAM covered by @pgmap */
	u64 vram_size;
	/**
	 * @vram_lost_counter: &amdgpu_device.vram_lost_counter at
	 * registration: while it is unchanged, no device page lost its data
	 */
	u32 vram_lost_counter;
	/** @region: the free physical region @pgmap sits in, if private */
	struct resource *region;
	/**
	 * @registered: migrations may start; cleared at unbind before the
	 * device pages are brought back. Written under @migrations for
	 * writing.
	 */
	bool registered;
	/**
	 * @migrations: held for reading by every migration into VRAM, for
	 * writing while unbind stops them
	 */
	struct rw_semaphore migrations;
	/** @lock: protects @allocations; taken in any context */
	spinlock_t lock;
	/** @allocations: the live &amdgpu_migrate_vram.link entries */
	struct list_head allocations;
	/** @evict_pass: passes over @allocations; under @lock */
	u32 evict_pass;
	/**
	 * @lost_work: unmaps the device pages whose data a reset lost
	 * (amdgpu_migrate_vram_lost())
	 */
	struct work_struct lost_work;
	/**
	 * @peer_timeslice_end: when the timeslice ends (jiffies64) for
	 * which a peer last refused to copy pages into this VRAM, or 0; for
	 * amdgpu_migrate_peer_wait()
	 */
	atomic64_t peer_timeslice_end;
	/** @bos: the live allocations by &amdgpu_migrate_vram.key */
	struct xarray bos;
	/** @stats: the counters */
	struct amdgpu_migrate_stats stats;
	/**
	 * @release_wq: puts the buffer objects of freed allocations; owned
	 * so that unbind can wait for them, freezable so that nothing is
	 * released while the system suspends
	 */
	struct workqueue_struct *release_wq;
	/** @nvram: allocations not released yet (&amdgpu_migrate_vram) */
	atomic_t nvram;
	/** @debugfs: the amdgpu_svm_stats file, if debugfs is there */
	struct dentry *debugfs;
	/** @rcu: frees this after amdgpu_migrate_get()'s readers are done */
	struct rcu_head rcu;
};

#if IS_ENABLED(CONFIG_DRM_AMDGPU_SVM)

void amdgpu_svm_mem_limit_init(void);
int amdgpu_svm_mem_reserve(u64 size);
void amdgpu_svm_mem_unreserve(u64 size);

int amdgpu_migrate_init(struct amdgpu_device *adev);
void amdgpu_migrate_fini(struct amdgpu_device *adev);
struct amdgpu_migrate *amdgpu_migrate_get(struct amdgpu_device *adev);
void amdgpu_migrate_put(struct amdgpu_migrate *mig);
void *amdgpu_migrate_owner(struct amdgpu_device *adev);
bool amdgpu_migrate_has_peers(struct amdgpu_device *adev);

int amdgpu_migrate_copy(struct amdgpu_migrate *mig, struct page **pages,
			struct drm_pagemap_addr *addr, unsigned long npages,
			struct dma_fence *pre_migrate_fence,
			enum amdgpu_migrate_dir dir);
int amdgpu_migrate_populate(struct amdgpu_migrate *mig, struct mm_struct *mm,
			    unsigned long start, unsigned long end,
			    unsigned long timeslice_ms, int xcp_id);
bool amdgpu_migrate_pcie_p2p(struct amdgpu_device *a, struct amdgpu_device *b);
bool amdgpu_migrate_peer_wait(struct amdgpu_migrate *mig,
			      unsigned long max_ms);

/* Hardware leaves: the engine's buffer objects, in amdgpu's TTM. */
struct amdgpu_migrate_vram *
amdgpu_migrate_vram_alloc(struct amdgpu_device *adev, u64 size, int xcp_id,
			  struct dma_fence **move_fence);
void amdgpu_migrate_vram_free(struct amdgpu_migrate_vram *vram);

int amdgpu_migrate_evict_all(struct amdgpu_device *adev);
void amdgpu_migrate_vram_lost(struct amdgpu_device *adev);
bool amdgpu_migrate_owns_bo(struct amdgpu_device *adev, const void *bo);
int amdgpu_migrate_evict_bo(struct amdgpu_device *adev, const void *bo);
u64 amdgpu_migrate_vram_offset(struct amdgpu_migrate *mig, struct page *page);
struct page *amdgpu_migrate_vram_page(struct amdgpu_migrate *mig, u64 offset);

#else

static inline int amdgpu_migrate_init(struct amdgpu_device *adev)
{
	return 0;
}

static inline void amdgpu_migrate_fini(struct amdgpu_device *adev)
{
}

static inline struct amdgpu_migrate *
amdgpu_migrate_get(struct amdgpu_device *adev)
{
	return NULL;
}

static inline void amdgpu_migrate_put(struct amdgpu_migrate *mig)
{
}

static inline void amdgpu_migrate_vram_lost(struct amdgpu_device *adev)
{
}

static inline bool amdgpu_migrate_owns_bo(struct amdgpu_device *adev,
					  const void *bo)
{
	return false;
}

static inline int amdgpu_migrate_evict_bo(struct amdgpu_device *adev,
					  const void *bo)
{
	return 0;
}

#endif /* CONFIG_DRM_AMDGPU_SVM */

#endif /* __AMDGPU_MIGRATE_H__ */
