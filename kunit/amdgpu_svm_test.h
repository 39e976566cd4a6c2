/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shared pieces of the amdgpu SVM KUnit suites: a simulated device and
 * helpers to look at SVM state.
 */

#ifndef __AMDGPU_SVM_TEST_H__
#define __AMDGPU_SVM_TEST_H__

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "amdgpu_svm_sim.h"

struct amdgpu_device;
struct amdgpu_svm_attr_tree;
struct amdgpu_svm_sim;
struct amdgpu_svm_test_vram;
struct drm_amdgpu_svm_attribute;
struct amdgpu_fpriv;
struct device;
struct drm_device;
struct drm_file;

/**
 * struct amdgpu_svm_test_dev - a simulated amdgpu device and an open file
 *
 * The &amdgpu_device is the simulated GPU of amdgpu_svm_sim_dev.c: amdgpu's
 * own GMC v9 code, TTM and VM manager over simulated VRAM. The file's VM is
 * a real one (amdgpu_vm_init(), page tables written by the CPU), found by
 * its PASID; the GPU reaches memory through the MMU model
 * (amdgpu_svm_sim_mmu.c), which walks those page tables. Only the queue
 * quiesce/resume leaves (KFD's in the driver) are replaced here.
 * Everything is released when the test ends.
 */
struct amdgpu_svm_test_dev {
	/** @test: the test that owns the device */
	struct kunit *test;
	/** @dev: the parent struct device */
	struct device *dev;
	/** @drm: the DRM device inside @adev */
	struct drm_device *drm;
	/** @adev: the simulated amdgpu device */
	struct amdgpu_device *adev;
	/** @sim: the hardware state of the simulated GPU */
	struct amdgpu_svm_sim *sim;
	/** @file: an open DRM file of @drm */
	struct drm_file *file;
	/** @fpriv: @file's driver data, with the VM */
	struct amdgpu_fpriv *fpriv;
	/**
	 * @pte_writes: runs of PTEs amdgpu's page-table code wrote in the
	 * file's VM (its amdgpu_vm_update_ptes tracepoint)
	 */
	atomic_t pte_writes;
	/** @quiesces: calls of the queue-quiesce leaf */
	atomic_t quiesces;
	/** @resumes: calls of the queue-resume leaf */
	atomic_t resumes;
	/** @gpu_faults: GPU faults raised by amdgpu_svm_test_gpu_access() */
	atomic_t gpu_faults;
	/** @gpu_fault_retries: replays of a faulting access that faulted again */
	atomic_t gpu_fault_retries;
	/**
	 * @before_commit: if set, called once (and cleared) at the map path's
	 * race point (amdgpu_svm_range_race_point()): after it got the pages,
	 * before it checks they are still valid. Tests race the CPU in here.
	 */
	void (*before_commit)(struct amdgpu_svm_test_dev *tdev);
	/** @attrs_page: a user page for the attribute arrays of ioctl calls */
	unsigned long attrs_page;
	/** @vram: the simulated VRAM, once amdgpu_svm_test_vram_create() ran */
	struct amdgpu_svm_test_vram *vram;
	/** @res: the named KUnit resource through which the leaves find us */
	struct kunit_resource res;
};

/**
 * struct amdgpu_svm_test_vram - simulated VRAM and copy engine
 *
 * VRAM is an array of ordinary pages indexed by VRAM offset; allocations
 * are runs of it, handed out first-fit in 2 MiB units for sizes of whole
 * 2 MiB (as the VRAM manager does) and in pages otherwise. The copy engine
 * copies with memcpy between a system page (its DMA address is its
 * physical address) and a VRAM page. The registration of the VRAM as
 * device memory is the driver's own, amdgpu_migrate_init().
 */
struct amdgpu_svm_test_vram {
	/** @base: VRAM offset of the pool's first page */
	u64 base;
	/** @size: bytes of VRAM */
	u64 size;
	/** @pages: the backing page of each VRAM page */
	struct page **pages;
	/** @used: bitmap of allocated VRAM pages */
	unsigned long *used;
	/** @used_pages: allocated VRAM pages */
	unsigned long used_pages;
	/** @lock: protects @used and @used_pages; taken in any context */
	spinlock_t lock;
	/** @max_block: bytes; a run is at most this long (0: no limit) */
	u64 max_block;
	/** @scatter: leave a free unit after each run (fragmented VRAM) */
	bool scatter;
	/** @fail_alloc_at: the n-th allocation fails with -ENOSPC (0: none) */
	int fail_alloc_at;
	/** @fail_copy_at: the n-th copy fails with -EIO (0: none) */
	int fail_copy_at;
	/**
	 * @last_bo: what stands for the buffer object of the last allocation,
	 * to evict it through amdgpu_migrate_evict_bo() as TTM would
	 */
	const void *last_bo;
	/**
	 * @slow_clear: allocations come with a clear fence that signals only
	 * later, from a worker
	 */
	bool slow_clear;
	/** @clear: the last such fence */
	struct dma_fence *clear;
	/** @clear_work: signals @clear */
	struct delayed_work clear_work;
	/** @copies_before_clear: copies that ran before @clear signalled */
	atomic_t copies_before_clear;
	/** @allocs: allocation calls */
	atomic_t allocs;
	/** @frees: allocations freed */
	atomic_t frees;
	/** @copies: copies into or out of the pool the SDMA model ran */
	atomic_t copies;
	/** @pages_to_vram: pages copied into VRAM */
	atomic_t pages_to_vram;
	/** @pages_to_ram: pages copied out of VRAM */
	atomic_t pages_to_ram;
};

/**
 * struct amdgpu_svm_test_pte - one GPU PTE of the model GPU
 */
struct amdgpu_svm_test_pte {
	/** @addr: DMA address the page maps to */
	u64 addr;
	/** @flags: AMDGPU_PTE_* flags */
	u64 flags;
};

struct amdgpu_svm_test_dev *amdgpu_svm_test_dev_create(struct kunit *test,
						       bool xnack_on);

struct amdgpu_svm_test_vram *
amdgpu_svm_test_vram_create(struct amdgpu_svm_test_dev *tdev, u64 size);
unsigned long amdgpu_svm_test_vram_used(struct amdgpu_svm_test_vram *vram);

char *amdgpu_svm_test_attr_dump(struct kunit *test,
				struct amdgpu_svm_attr_tree *tree);

int amdgpu_svm_test_run_process(struct kunit *test, int (*fn)(void *arg),
				void *arg);
unsigned long amdgpu_svm_test_user_buffer(struct kunit *test, size_t size,
					  u32 seed);
int amdgpu_svm_test_ioctl(struct amdgpu_svm_test_dev *tdev, u32 op,
			  unsigned long start, size_t size,
			  const struct drm_amdgpu_svm_attribute *attrs, u32 n);
void amdgpu_svm_test_run_restore(struct amdgpu_svm_test_dev *tdev);
int amdgpu_svm_test_gpu_access(struct amdgpu_svm_test_dev *tdev,
			       unsigned long addr, void *buf, size_t len,
			       bool write);
bool amdgpu_svm_test_gpu_pte(struct amdgpu_svm_test_dev *tdev,
			     unsigned long addr, struct amdgpu_svm_test_pte *pte);
unsigned long amdgpu_svm_test_gpu_mapped(struct amdgpu_svm_test_dev *tdev,
					 unsigned long start, unsigned long end);

#endif /* __AMDGPU_SVM_TEST_H__ */
