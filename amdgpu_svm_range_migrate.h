/* SPDX-License-Identifier: GPL-2.0 OR MIT */

#ifndef __AMDGPU_SVM_RANGE_MIGRATE_H__
#define __AMDGPU_SVM_RANGE_MIGRATE_H__

#include <linux/atomic.h>
#include <linux/types.h>

#include "amdgpu_svm_attr.h"

struct amdgpu_svm;
struct drm_gpusvm_range;

/**
 * enum amdgpu_svm_trigger - what asked for a range to be mapped
 * @AMDGPU_SVM_TRIGGER_GPU_FAULT: a recoverable GPU page fault (XNACK on).
 * @AMDGPU_SVM_TRIGGER_PREFETCH: a SET with a PREFETCH_LOC, in either
 *	XNACK mode.
 * @AMDGPU_SVM_TRIGGER_MAP: XNACK off, a SET that granted access or changed
 *	the PTE flags maps the range at once.
 * @AMDGPU_SVM_TRIGGER_RESTORE: XNACK off, the restore worker maps again
 *	what a CPU-side invalidation took away.
 */
enum amdgpu_svm_trigger {
	AMDGPU_SVM_TRIGGER_GPU_FAULT,
	AMDGPU_SVM_TRIGGER_PREFETCH,
	AMDGPU_SVM_TRIGGER_MAP,
	AMDGPU_SVM_TRIGGER_RESTORE,
};

/**
 * enum amdgpu_svm_placement - where the pages of a span are now
 * @AMDGPU_SVM_PLACEMENT_SYSMEM: no page is in this GPU's VRAM or a peer's
 *	(pages in system memory, not populated yet, or in memory of another
 *	owner).
 * @AMDGPU_SVM_PLACEMENT_VRAM: every page is in this GPU's VRAM.
 * @AMDGPU_SVM_PLACEMENT_MIXED: some pages are in this GPU's VRAM, others
 *	are not.
 * @AMDGPU_SVM_PLACEMENT_PEER: no page is in this GPU's VRAM, some are in
 *	the VRAM of a peer, of its XGMI hive or over PCIe (the others in
 *	system memory).
 */
enum amdgpu_svm_placement {
	AMDGPU_SVM_PLACEMENT_SYSMEM,
	AMDGPU_SVM_PLACEMENT_VRAM,
	AMDGPU_SVM_PLACEMENT_MIXED,
	AMDGPU_SVM_PLACEMENT_PEER,
};

/**
 * enum amdgpu_svm_migrate_action - what the policy decided for a span
 * @AMDGPU_SVM_MIGRATE_STAY: map the pages where they are.
 * @AMDGPU_SVM_MIGRATE_TO_VRAM: move them to this GPU's VRAM first.
 * @AMDGPU_SVM_MIGRATE_TO_SYSMEM: move them to system memory first.
 */
enum amdgpu_svm_migrate_action {
	AMDGPU_SVM_MIGRATE_STAY,
	AMDGPU_SVM_MIGRATE_TO_VRAM,
	AMDGPU_SVM_MIGRATE_TO_SYSMEM,
};

/* Ranges a prefetch migrates in parallel before it maps them. */
#define AMDGPU_SVM_PREFETCH_BATCH	64
/* Helper threads of a prefetch at most, besides the caller. */
#define AMDGPU_SVM_PREFETCH_WORKERS	4

/**
 * struct amdgpu_svm_prefetch_item - one range of a prefetch
 */
struct amdgpu_svm_prefetch_item {
	/** @range: the range */
	struct drm_gpusvm_range *range;
	/** @attrs: its attributes */
	struct amdgpu_svm_attrs attrs;
	/** @addr: where the map loop was, inside @range */
	unsigned long addr;
	/** @start: start of the attribute run around @addr */
	unsigned long start;
	/** @end: end (exclusive) of that run */
	unsigned long end;
};

/**
 * struct amdgpu_svm_prefetch - ranges of a prefetch whose pages move in
 *	parallel
 *
 * See "Parallel prefetch" in amdgpu_svm_range_migrate.c.
 */
struct amdgpu_svm_prefetch {
	/** @svm: the SVM; its lock is held while this is filled and run */
	struct amdgpu_svm *svm;
	/** @count: entries of @items taken */
	unsigned int count;
	/** @next: the next entry a thread takes while it runs */
	atomic_t next;
	/** @items: the ranges */
	struct amdgpu_svm_prefetch_item items[AMDGPU_SVM_PREFETCH_BATCH];
};

extern unsigned int amdgpu_svm_timeslice_ms;
extern unsigned int amdgpu_svm_prefetch_workers;

enum amdgpu_svm_migrate_action
amdgpu_svm_migrate_decide(const struct amdgpu_svm_attrs *attrs,
			  enum amdgpu_svm_placement placement,
			  enum amdgpu_svm_trigger trigger, bool can_migrate);

void amdgpu_svm_range_migrate(struct amdgpu_svm *svm,
			      struct drm_gpusvm_range *range,
			      const struct amdgpu_svm_attrs *attrs,
			      enum amdgpu_svm_trigger trigger,
			      unsigned long addr, unsigned long start,
			      unsigned long end);
void amdgpu_svm_range_prefetch_unmapped(struct amdgpu_svm *svm,
					unsigned long start, unsigned long end,
					const struct amdgpu_svm_attrs *attrs);
bool amdgpu_svm_prefetch_add(struct amdgpu_svm_prefetch *p,
			     struct drm_gpusvm_range *range,
			     const struct amdgpu_svm_attrs *attrs,
			     unsigned long addr, unsigned long start,
			     unsigned long end);
void amdgpu_svm_prefetch_run(struct amdgpu_svm_prefetch *p);

#endif /* __AMDGPU_SVM_RANGE_MIGRATE_H__ */
