/* SPDX-License-Identifier: GPL-2.0 OR MIT */

#ifndef __AMDGPU_SVM_RANGE_H__
#define __AMDGPU_SVM_RANGE_H__

#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <drm/drm_gpusvm.h>

#include "amdgpu_svm_range_migrate.h"

struct amdgpu_device;
struct amdgpu_svm;
struct amdgpu_svm_attrs;
struct amdgpu_vm;
struct dma_fence;
struct vm_area_struct;
struct dma_resv;

/**
 * struct amdgpu_svm_range - a drm_gpusvm range of an amdgpu SVM
 *
 * One range is one chunk of the CPU address space that the GPU maps as a
 * unit (4 KiB to 2 MiB, inside one VMA and one attribute run).
 */
struct amdgpu_svm_range {
	/** @base: the drm_gpusvm range; its interval tree node is the extent */
	struct drm_gpusvm_range base;
	/** @pages: the DMA-mapped pages of the range (one device) */
	struct drm_gpusvm_pages pages;
	/**
	 * @gc_link: entry in &amdgpu_svm.gc.ranges while the range waits
	 * for the garbage collector; protected by &amdgpu_svm.gc.lock
	 */
	struct list_head gc_link;
	/**
	 * @gpu_mapped: GPU PTEs of the range may be valid, and its page
	 * tables exist. Set before the first PTE is written, as KFD's
	 * svm_range_map_to_gpus() sets bitmap_mapped before it maps, so that
	 * a write that fails halfway leaves the range to the zap; cleared by
	 * the zap. Under the notifier lock.
	 */
	bool gpu_mapped;
	/**
	 * @foreign: XNACK off: the last map failed on device memory of
	 * another owner (-EOPNOTSUPP); the invalidation that comes when the
	 * owner lets go of it has the restore worker map the range. Under the
	 * notifier lock.
	 */
	bool foreign;
	/**
	 * @gpu_complete: every PTE of the range was written, with
	 * @pte_flags: a GPU fault in the range is stale. Under the notifier
	 * lock.
	 */
	bool gpu_complete;
	/**
	 * @pte_flags: the flags the PTEs of its system pages were written
	 * with (VRAM pages differ in memory type, not in access bits)
	 */
	u64 pte_flags;
	/**
	 * @pt_gen: the page tables the range's PTEs need exist for the
	 * layout @pt_one_run while this equals &amdgpu_svm.pt_gen (0:
	 * unknown). Under the VM reservation.
	 */
	u64 pt_gen;
	/**
	 * @pt_one_run: the pages the tables were made for were one
	 * contiguous run of one kind of memory (a 2 MiB range of them may
	 * take a huge-page entry instead of a page table)
	 */
	bool pt_one_run;
	/**
	 * @mapped_node: the range's pages in &amdgpu_svm.mapped while
	 * @gpu_mapped is set
	 */
	struct interval_tree_node mapped_node;
	/**
	 * @reserved: XNACK off, the range's size is reserved against the
	 * system memory limit until the range is freed. Under the SVM lock.
	 */
	bool reserved;
	/**
	 * @prefetched: the pages were moved (or tried to) by the parallel
	 * prefetch of &amdgpu_svm.prefetch_gen, which maps the range next
	 * without asking the policy again (0: none). Under the SVM lock.
	 */
	u64 prefetched;
};

static inline struct amdgpu_svm_range *
to_amdgpu_svm_range(struct drm_gpusvm_range *range)
{
	return container_of(range, struct amdgpu_svm_range, base);
}

extern const struct drm_gpusvm_ops amdgpu_svm_range_ops;

/**
 * enum amdgpu_svm_mem - where the pages a GPU maps are
 * @AMDGPU_SVM_MEM_SYSTEM: system memory
 * @AMDGPU_SVM_MEM_VRAM: this device's VRAM, in the VM's memory partition
 *	(all of it on a part without partitions)
 * @AMDGPU_SVM_MEM_VRAM_FAR: this device's VRAM in another memory partition
 * @AMDGPU_SVM_MEM_VRAM_PEER: the VRAM of another GPU of the XGMI hive,
 *	reached at its address in the hive
 * @AMDGPU_SVM_MEM_VRAM_BAR: the VRAM of a PCIe peer, reached through its
 *	BAR at a DMA address (%AMDGPU_INTERCONNECT_P2P)
 * @AMDGPU_SVM_MEM_COUNT: the number of kinds
 */
enum amdgpu_svm_mem {
	AMDGPU_SVM_MEM_SYSTEM,
	AMDGPU_SVM_MEM_VRAM,
	AMDGPU_SVM_MEM_VRAM_FAR,
	AMDGPU_SVM_MEM_VRAM_PEER,
	AMDGPU_SVM_MEM_VRAM_BAR,
	AMDGPU_SVM_MEM_COUNT,
};

u32 amdgpu_svm_range_mapping_flags(struct amdgpu_device *adev,
				   const struct amdgpu_svm_attrs *attrs,
				   enum amdgpu_svm_mem mem, u64 *pte_flags);
u64 amdgpu_svm_range_pte_flags(struct amdgpu_device *adev,
			       struct amdgpu_vm *vm,
			       const struct amdgpu_svm_attrs *attrs,
			       enum amdgpu_svm_mem mem, bool writable);
enum amdgpu_svm_mem amdgpu_svm_range_vram_mem(struct amdgpu_device *adev,
					      struct amdgpu_vm *vm, u64 addr);

int amdgpu_svm_range_map(struct amdgpu_svm *svm, unsigned long start,
			 unsigned long end, enum amdgpu_svm_trigger trigger);
int amdgpu_svm_range_map_addr(struct amdgpu_svm *svm, unsigned long addr,
			      unsigned long start, unsigned long end,
			      const struct amdgpu_svm_attrs *attrs, bool write);
void amdgpu_svm_range_garbage_collect(struct amdgpu_svm *svm);
void amdgpu_svm_range_remove_span(struct amdgpu_svm *svm, unsigned long start,
				  unsigned long end, bool straddling_only,
				  unsigned long *removed_start,
				  unsigned long *removed_end);
void amdgpu_svm_range_unmap_all(struct amdgpu_svm *svm);
bool amdgpu_svm_vma_mirrorable(const struct vm_area_struct *vma);
void amdgpu_svm_range_quiesce(struct amdgpu_svm *svm);
bool amdgpu_svm_range_held(struct amdgpu_svm *svm);
void amdgpu_svm_range_resume(struct amdgpu_svm *svm);
bool amdgpu_svm_range_mapped_in(struct amdgpu_svm *svm, unsigned long first,
				unsigned long last);
int amdgpu_svm_range_clear_stale(struct amdgpu_svm *svm);
void amdgpu_svm_range_restore_add(struct amdgpu_svm *svm, unsigned long start,
				  unsigned long end);
int amdgpu_svm_range_prepare_set(struct amdgpu_svm *svm, unsigned long start,
				 unsigned long end, const u32 *access);
void amdgpu_svm_range_reserve_end(struct amdgpu_svm *svm);
int amdgpu_svm_range_check_va(struct amdgpu_svm *svm, unsigned long start,
			      unsigned long end);
int amdgpu_svm_range_fault_window(struct amdgpu_svm *svm, unsigned long addr,
				  unsigned long *start, unsigned long *end);
void amdgpu_svm_range_restore_work(struct work_struct *work);

/* Hardware leaves. */
struct dma_resv *amdgpu_svm_vm_resv(struct amdgpu_svm *svm);
int amdgpu_svm_gpu_write_ptes(struct amdgpu_svm *svm, u64 start, u64 last,
			      dma_addr_t *pages, u64 offset, u64 flags,
			      bool immediate);
int amdgpu_svm_gpu_link_ptes(struct amdgpu_svm *svm, bool immediate);
struct dma_fence *amdgpu_svm_gpu_map_fence(struct amdgpu_svm *svm);
int amdgpu_svm_gpu_clear_ptes(struct amdgpu_svm *svm, u64 start, u64 last,
			      struct dma_fence **fence);
int amdgpu_svm_gpu_flush_tlb(struct amdgpu_svm *svm, struct dma_fence *fence);
void amdgpu_svm_gpu_quiesce(struct amdgpu_svm *svm);
void amdgpu_svm_gpu_resume(struct amdgpu_svm *svm);

#endif /* __AMDGPU_SVM_RANGE_H__ */
