/* SPDX-License-Identifier: GPL-2.0 OR MIT */

#ifndef __AMDGPU_SVM_ATTR_H__
#define __AMDGPU_SVM_ATTR_H__

#include <linux/bits.h>
#include <linux/interval_tree.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct drm_amdgpu_svm_attribute;

/*
 * Boolean attributes, one bit each in &amdgpu_svm_attrs.flags.  The bit of
 * AMDGPU_SVM_ATTR_<name> is BIT(AMDGPU_SVM_ATTR_<name> -
 * AMDGPU_SVM_ATTR_HOST_ACCESS): the uAPI numbers the booleans contiguously.
 */
#define AMDGPU_SVM_FLAG_HOST_ACCESS		BIT(0)
#define AMDGPU_SVM_FLAG_COHERENT		BIT(1)
#define AMDGPU_SVM_FLAG_EXT_COHERENT		BIT(2)
#define AMDGPU_SVM_FLAG_HIVE_LOCAL		BIT(3)
#define AMDGPU_SVM_FLAG_GPU_RO			BIT(4)
#define AMDGPU_SVM_FLAG_GPU_EXEC		BIT(5)
#define AMDGPU_SVM_FLAG_GPU_READ_MOSTLY		BIT(6)

/* Flags that change the bits of a GPU PTE (permissions, MTYPE). */
/*
 * Distinct attribute ranges one SVM may hold: about 100 MiB of nodes,
 * charged to the caller's memory cgroup. Far above what allocators make
 * (a few per allocation), far below what exhausts the kernel.
 */
#define AMDGPU_SVM_ATTR_MAX_NODES	BIT(20)

#define AMDGPU_SVM_PTE_FLAGS	(AMDGPU_SVM_FLAG_GPU_RO | \
				 AMDGPU_SVM_FLAG_GPU_EXEC | \
				 AMDGPU_SVM_FLAG_COHERENT | \
				 AMDGPU_SVM_FLAG_EXT_COHERENT)
/* Flags that change where and for whom a range is mapped, not its PTEs. */
#define AMDGPU_SVM_MAP_FLAGS	(AMDGPU_SVM_FLAG_HOST_ACCESS | \
				 AMDGPU_SVM_FLAG_HIVE_LOCAL | \
				 AMDGPU_SVM_FLAG_GPU_READ_MOSTLY)

/* Default migration granule: 2^9 pages, 2 MiB with 4 KiB pages. */
#define AMDGPU_SVM_DEFAULT_GRANULARITY	9

/**
 * struct amdgpu_svm_attrs - the attributes of one page
 *
 * Values use the uAPI encoding (AMDGPU_SVM_LOCATION_*, AMDGPU_SVM_ACCESS_*).
 * Compare two sets with amdgpu_svm_attrs_equal(), never memcmp() (padding).
 */
struct amdgpu_svm_attrs {
	/** @preferred_loc: AMDGPU_SVM_ATTR_PREFERRED_LOC, as userspace set it */
	u32 preferred_loc;
	/** @prefetch_loc: AMDGPU_SVM_ATTR_PREFETCH_LOC, as userspace set it */
	u32 prefetch_loc;
	/** @flags: the boolean attributes, AMDGPU_SVM_FLAG_* */
	u32 flags;
	/** @access: AMDGPU_SVM_ATTR_ACCESS */
	u8 access;
	/** @granularity: AMDGPU_SVM_ATTR_GRANULARITY, log2 pages */
	u8 granularity;
};

/**
 * struct amdgpu_svm_attr_range - attributes of a run of pages
 *
 * A node of &amdgpu_svm_attr_tree.root.  Nodes never overlap; neighbours
 * with equal attributes are merged, so each node is a maximal run.
 */
struct amdgpu_svm_attr_range {
	/** @it: interval tree node; @it.start and @it.last are page numbers */
	struct interval_tree_node it;
	/** @attrs: the attributes of every page in [@it.start, @it.last] */
	struct amdgpu_svm_attrs attrs;
};

/**
 * struct amdgpu_svm_attr_tree - per-SVM attributes of the address space
 *
 * Pages not covered by a node have @defaults.
 *
 * Locking: @lock protects @root.  It is a leaf lock: it is only held while
 * the tree is read or changed, never across a call out of this layer, so
 * it may be taken under any other SVM lock.
 *
 * Lifetime: initialised with the SVM by amdgpu_svm_attr_tree_init() and
 * emptied by amdgpu_svm_attr_tree_fini() when the SVM is destroyed.
 */
struct amdgpu_svm_attr_tree {
	/** @lock: protects @root and @nodes */
	struct mutex lock;
	/** @root: &amdgpu_svm_attr_range nodes, by page number */
	struct rb_root_cached root;
	/** @nodes: how many nodes @root holds */
	unsigned long nodes;
	/**
	 * @max_nodes: a SET that could leave more nodes fails with -ENOSPC;
	 * %AMDGPU_SVM_ATTR_MAX_NODES
	 */
	unsigned long max_nodes;
	/** @defaults: attributes of pages never set, fixed at init */
	struct amdgpu_svm_attrs defaults;
};

/**
 * enum amdgpu_svm_attr_trigger - what an attribute change asks of the
 * range layer
 * @AMDGPU_SVM_ATTR_TRIGGER_ACCESS: the access changed (map or unmap).
 * @AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS: a flag of %AMDGPU_SVM_PTE_FLAGS
 *	changed (rewrite the PTEs).
 * @AMDGPU_SVM_ATTR_TRIGGER_MAP_FLAGS: a flag of %AMDGPU_SVM_MAP_FLAGS
 *	changed.
 * @AMDGPU_SVM_ATTR_TRIGGER_LOCATION: the preferred location changed.
 * @AMDGPU_SVM_ATTR_TRIGGER_GRANULARITY: the granularity changed.
 * @AMDGPU_SVM_ATTR_TRIGGER_PREFETCH: a prefetch was asked for; set for
 *	every SET with a PREFETCH_LOC other than UNDEFINED, even when the
 *	stored value does not change.
 */
enum amdgpu_svm_attr_trigger {
	AMDGPU_SVM_ATTR_TRIGGER_ACCESS		= BIT(0),
	AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS	= BIT(1),
	AMDGPU_SVM_ATTR_TRIGGER_MAP_FLAGS	= BIT(2),
	AMDGPU_SVM_ATTR_TRIGGER_LOCATION	= BIT(3),
	AMDGPU_SVM_ATTR_TRIGGER_GRANULARITY	= BIT(4),
	AMDGPU_SVM_ATTR_TRIGGER_PREFETCH	= BIT(5),
};

/**
 * struct amdgpu_svm_attr_change - what a SET or RESET did to a sub-range
 *
 * One entry per maximal sub-range whose attributes were uniform before and
 * after the call and where something changed (@triggers is never 0).
 */
struct amdgpu_svm_attr_change {
	/** @start: first page of the sub-range */
	unsigned long start;
	/** @last: last page of the sub-range (inclusive) */
	unsigned long last;
	/** @old: the attributes before the call */
	struct amdgpu_svm_attrs old;
	/** @new: the attributes after the call */
	struct amdgpu_svm_attrs new;
	/** @triggers: mask of &enum amdgpu_svm_attr_trigger */
	u32 triggers;
};

/**
 * struct amdgpu_svm_attr_changes - the change report of one call
 *
 * Filled by amdgpu_svm_attr_set() and amdgpu_svm_attr_reset(); release
 * with amdgpu_svm_attr_changes_free().
 */
struct amdgpu_svm_attr_changes {
	/** @count: entries used in @entries, in address order */
	unsigned int count;
	/** @entries: the changed sub-ranges */
	struct amdgpu_svm_attr_change *entries;
};

void amdgpu_svm_attr_tree_init(struct amdgpu_svm_attr_tree *tree,
			       bool xnack_on);
void amdgpu_svm_attr_tree_fini(struct amdgpu_svm_attr_tree *tree);

bool amdgpu_svm_attrs_equal(const struct amdgpu_svm_attrs *a,
			    const struct amdgpu_svm_attrs *b);

int amdgpu_svm_attr_check(const struct drm_amdgpu_svm_attribute *attrs,
			  u32 nattr, bool for_set);

int amdgpu_svm_attr_set(struct amdgpu_svm_attr_tree *tree,
			unsigned long start, unsigned long last,
			const struct drm_amdgpu_svm_attribute *attrs, u32 nattr,
			struct amdgpu_svm_attr_changes *changes);
int amdgpu_svm_attr_get(struct amdgpu_svm_attr_tree *tree,
			unsigned long start, unsigned long last,
			struct drm_amdgpu_svm_attribute *attrs, u32 nattr);
int amdgpu_svm_attr_reset(struct amdgpu_svm_attr_tree *tree,
			  unsigned long start, unsigned long last,
			  struct amdgpu_svm_attr_changes *changes);
bool amdgpu_svm_attr_any(struct amdgpu_svm_attr_tree *tree,
			 unsigned long start, unsigned long last);
void amdgpu_svm_attr_lookup(struct amdgpu_svm_attr_tree *tree,
			    unsigned long page, struct amdgpu_svm_attrs *attrs,
			    unsigned long *start, unsigned long *last);

void amdgpu_svm_attr_changes_free(struct amdgpu_svm_attr_changes *changes);

#endif /* __AMDGPU_SVM_ATTR_H__ */
