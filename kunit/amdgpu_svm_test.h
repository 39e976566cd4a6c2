/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shared pieces of the amdgpu SVM KUnit suites: a simulated device and
 * helpers to look at SVM state.
 */

#ifndef __AMDGPU_SVM_TEST_H__
#define __AMDGPU_SVM_TEST_H__

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "amdgpu_svm_sim.h"

struct amdgpu_bo;
struct amdgpu_device;
struct amdgpu_svm_attr_tree;
struct amdgpu_svm_sim;
struct amdgpu_svm_test_vram;
struct drm_amdgpu_svm_attribute;
struct amdgpu_fpriv;
struct amdgpu_usermode_queue;
struct device;
struct drm_device;
struct drm_file;

/**
 * struct amdgpu_svm_test_fault - a GPU fault a task raised, as the test
 * device sees it
 */
struct amdgpu_svm_test_fault {
	/** @task: the task, or NULL for a free slot */
	struct task_struct *task;
	/** @ret: what the SVM answered (its amdgpu_svm_gpu_fault tracepoint) */
	int ret;
	/**
	 * @others_mapped: valid PTEs other tasks wrote into the VM since the
	 * fault was raised
	 */
	unsigned int others_mapped;
};

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
	/**
	 * @evict_vm_after_ptes: if positive, after that many more writes of
	 * valid PTEs the VM's page tables start being evicted
	 * (&amdgpu_vm.evicting): later page-table updates fail with -EBUSY
	 * until a map validates the VM again
	 */
	atomic_t evict_vm_after_ptes;
	/**
	 * @watch_start: with @watch_end, a span of addresses whose PTE
	 * writes are counted in @watch_writes
	 */
	unsigned long watch_start;
	/** @watch_end: end (exclusive) of the watched span */
	unsigned long watch_end;
	/** @watch_writes: PTE writes that touched the watched span */
	atomic_t watch_writes;
	/** @userq: the file's user queue, running on the model GPU */
	struct amdgpu_usermode_queue *userq;
	/** @userq_held: amdgpu_svm_test_userq_hold() is in effect */
	bool userq_held;
	/** @gpu_faults: GPU faults raised by amdgpu_svm_test_gpu_access() */
	atomic_t gpu_faults;
	/** @gpu_fault_retries: replays of a faulting access that faulted again */
	atomic_t gpu_fault_retries;
	/**
	 * @fault_lock: protects @fault_ret; taken by the fault tracepoint's
	 * probe
	 */
	spinlock_t fault_lock;
	/**
	 * @fault_ret: per task, its last GPU fault: amdgpu's fault path keeps
	 * only whether it was served
	 */
	struct amdgpu_svm_test_fault fault_ret[16];
	/**
	 * @before_commit: if set, called once (and cleared) at the map path's
	 * race point (amdgpu_svm_race_point()): after it got the pages,
	 * before it checks they are still valid. Tests race the CPU in here.
	 */
	void (*before_commit)(struct amdgpu_svm_test_dev *tdev);
	/**
	 * @before_migrate: if set, called once (and cleared) at the policy's
	 * race point: it holds the VRAM registration, the SVM lock, no other
	 * lock. Tests unbind the device in here.
	 */
	void (*before_migrate)(struct amdgpu_svm_test_dev *tdev);
	/**
	 * @before_zap_flush: if set, called once (and cleared) where ranges
	 * were zapped outside the MMU notifier and the clears are not yet
	 * flushed, the notifier lock held. Tests race a munmap() in here.
	 */
	void (*before_zap_flush)(struct amdgpu_svm_test_dev *tdev);
	/** @attrs_page: a user page for the attribute arrays of ioctl calls */
	unsigned long attrs_page;
	/** @vram: VRAM for migrations (amdgpu_svm_test_dev_create_with_vram()) */
	struct amdgpu_svm_test_vram *vram;
	/** @res: the KUnit resource through which the leaves find us */
	struct kunit_resource res;
};

/**
 * struct amdgpu_svm_test_vram - VRAM for migrations, and what the tests
 * watch of it
 *
 * The device's VRAM is amdgpu's own, managed by its VRAM manager: SVM
 * allocations are real buffer objects, cleared and copied by the SDMA
 * model, evicted by TTM. The registration of the VRAM as device memory is
 * the driver's own, amdgpu_migrate_init(). This is what the tests set and
 * count on top of that.
 */
struct amdgpu_svm_test_vram {
	/** @tdev: the device */
	struct amdgpu_svm_test_dev *tdev;
	/** @fail_copy_at: the n-th migration copy fails with -EIO (0: none) */
	int fail_copy_at;
	/**
	 * @before_failing: if set, called by the SDMA model's thread before
	 * the copy @fail_copy_at fails
	 */
	void (*before_failing)(struct amdgpu_svm_test_vram *vram);
	/** @before_failing_data: for @before_failing */
	void *before_failing_data;
	/**
	 * @hook_copy_at: the n-th migration copy (0: none) calls @hook_copy
	 * on the SDMA model's thread, and then runs
	 */
	int hook_copy_at;
	/** @hook_copy: see @hook_copy_at */
	void (*hook_copy)(struct amdgpu_svm_test_vram *vram);
	/** @hook_copy_data: for @hook_copy */
	void *hook_copy_data;
	/** @copies: migration copies (into or out of SVM VRAM) the SDMA model ran */
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

struct amdgpu_svm_test_dev *
amdgpu_svm_test_dev_create_with_vram(struct kunit *test, bool xnack_on,
				     u64 size);
struct amdgpu_svm_test_dev *
amdgpu_svm_test_dev_create_in_hive(struct kunit *test, bool xnack_on, u64 size,
				   const struct amdgpu_svm_sim_hive *hive);
struct amdgpu_migrate *amdgpu_svm_test_migrate(struct amdgpu_svm_test_dev *tdev);
unsigned long amdgpu_svm_test_vram_used(struct amdgpu_svm_test_vram *vram);
int amdgpu_svm_test_vram_allocs(struct amdgpu_svm_test_vram *vram);
int amdgpu_svm_test_vram_pressure(struct amdgpu_svm_test_vram *vram, u64 more,
				  struct amdgpu_bo **bo);
void amdgpu_svm_test_vram_fail_alloc(struct amdgpu_svm_test_vram *vram,
				     int n);
void amdgpu_svm_test_fail_nth(unsigned int n);
unsigned int amdgpu_svm_test_fail_nth_pending(void);
bool amdgpu_svm_test_fail_alloc_enable(struct kunit *test,
				       unsigned int min_order, bool user_pages);
int amdgpu_svm_test_vram_wait_frees(struct amdgpu_svm_test_vram *vram, int n);
void amdgpu_svm_test_vram_fragment(struct amdgpu_svm_test_vram *vram,
				   u64 hole);
unsigned long amdgpu_svm_test_vram_poison(struct amdgpu_svm_test_vram *vram,
					  u8 byte);
struct amdgpu_bo *amdgpu_svm_test_vram_bo(struct amdgpu_svm_test_vram *vram,
					  unsigned long addr);

char *amdgpu_svm_test_attr_dump(struct kunit *test,
				struct amdgpu_svm_attr_tree *tree);

/**
 * struct amdgpu_svm_test_mem_hold - system memory limit a test holds, see
 * amdgpu_svm_test_mem_hold()
 */
struct amdgpu_svm_test_mem_hold {
	/** @bytes: reserved by the test */
	u64 bytes;
};

void amdgpu_svm_test_mem_partitions(struct amdgpu_svm_test_dev *tdev,
				    u64 split);
u64 amdgpu_svm_test_mem_free(void);
struct amdgpu_svm_test_mem_hold *
amdgpu_svm_test_mem_hold(struct kunit *test, u64 headroom);
void amdgpu_svm_test_mem_headroom(struct kunit *test,
				  struct amdgpu_svm_test_mem_hold *h,
				  u64 headroom);

void amdgpu_svm_test_open_file(struct amdgpu_svm_test_dev *tdev);
struct amdgpu_svm_test_dev *
amdgpu_svm_test_dev_open_again(struct amdgpu_svm_test_dev *tdev);
void amdgpu_svm_test_dev_close(struct amdgpu_svm_test_dev *tdev);
void amdgpu_svm_test_freeze_queues(struct kunit *test);
void amdgpu_svm_test_thaw_queues(struct kunit *test);

/**
 * struct amdgpu_svm_test_process - a process of its own, see
 * amdgpu_svm_test_process_start()
 */
struct amdgpu_svm_test_process {
	/** @test: the test; the simulated device's leaves apply in it */
	struct kunit *test;
	/** @fn: the body */
	int (*fn)(void *arg);
	/** @arg: for @fn */
	void *arg;
	/**
	 * @mm: the address space a thread shares with the test (see
	 * amdgpu_svm_test_thread_start()); NULL for a process of its own
	 */
	struct mm_struct *mm;
	/** @task: a thread's task, referenced until the test ends */
	struct task_struct *task;
	/** @ret: what @fn returned, or the error of making the process */
	int ret;
	/** @done: the process exited, its address space released */
	struct completion done;
};

struct amdgpu_svm_test_process *
amdgpu_svm_test_process_start(struct kunit *test, int (*fn)(void *arg),
			      void *arg);
struct amdgpu_svm_test_process *
amdgpu_svm_test_thread_start(struct kunit *test, int (*fn)(void *arg),
			     void *arg);
bool amdgpu_svm_test_process_wait(struct amdgpu_svm_test_process *p,
				  unsigned long timeout);
void amdgpu_svm_test_thread_show(struct amdgpu_svm_test_process *p);
int amdgpu_svm_test_run_process(struct kunit *test, int (*fn)(void *arg),
				void *arg);
unsigned long amdgpu_svm_test_user_buffer(struct kunit *test, size_t size,
					  u32 seed);
unsigned long amdgpu_svm_test_scattered_buffer(struct kunit *test, size_t size,
					       u32 seed, unsigned long *runs);
void amdgpu_svm_test_protect(unsigned long start, unsigned long end);
/**
 * struct amdgpu_svm_test_bo_probe - buffer objects made, and by whom
 * @svm: the SVM whose notifier lock is looked at
 * @created: buffer objects made
 * @under_notifier_lock: those made with @svm's notifier lock held
 */
struct amdgpu_svm_test_bo_probe {
	struct amdgpu_svm *svm;
	atomic_t created;
	atomic_t under_notifier_lock;
};

extern const struct dma_fence_ops amdgpu_svm_test_fence_ops;
const char *amdgpu_svm_test_fence_name(struct dma_fence *fence);
int amdgpu_svm_test_vm_jobs(struct amdgpu_svm_test_dev *tdev);
void amdgpu_svm_test_bo_probe_start(struct kunit *test,
				    struct amdgpu_svm_test_bo_probe *p,
				    struct amdgpu_svm *svm);
void amdgpu_svm_test_bo_probe_stop(struct amdgpu_svm_test_bo_probe *p);
int amdgpu_svm_test_gem_va(struct amdgpu_svm_test_dev *tdev, u32 op, u64 va,
			   u64 size);
int amdgpu_svm_test_ioctl(struct amdgpu_svm_test_dev *tdev, u32 op,
			  unsigned long start, size_t size,
			  const struct drm_amdgpu_svm_attribute *attrs, u32 n);
void amdgpu_svm_test_run_restore(struct amdgpu_svm_test_dev *tdev);
void amdgpu_svm_test_userq_hold(struct amdgpu_svm_test_dev *tdev);
int amdgpu_svm_test_queue_starts(struct amdgpu_svm_test_dev *tdev);
int amdgpu_svm_test_gpu_access(struct amdgpu_svm_test_dev *tdev,
			       unsigned long addr, void *buf, size_t len,
			       bool write);
bool amdgpu_svm_test_gpu_pte(struct amdgpu_svm_test_dev *tdev,
			     unsigned long addr, struct amdgpu_svm_test_pte *pte);
unsigned long amdgpu_svm_test_gpu_mapped(struct amdgpu_svm_test_dev *tdev,
					 unsigned long start, unsigned long end);

#endif /* __AMDGPU_SVM_TEST_H__ */
