// SPDX-License-Identifier: GPL-2.0 OR MIT

#include <linux/errno.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include <drm/amdgpu_drm.h>

#include "amdgpu_svm_attr.h"

/**
 * DOC: SVM attributes
 *
 * Userspace describes how the GPU should treat its memory by setting
 * attributes (the AMDGPU_SVM_ATTR_* types of the uAPI) on ranges of its
 * virtual address space with %DRM_IOCTL_AMDGPU_GEM_SVM.  This layer stores
 * them and nothing else: it knows neither VMAs nor GPU mappings.
 *
 * Each SVM keeps one &struct amdgpu_svm_attr_tree: an interval tree of
 * non-overlapping &struct amdgpu_svm_attr_range nodes over page numbers.
 * Pages no node covers have the defaults of the uAPI, which depend on
 * whether the GPU runs with recoverable page faults (XNACK).  Attributes
 * may be set before the range is mmap()ed and survive its munmap(): the
 * tree describes the address space, not its current mappings.
 *
 * A SET splits the nodes at the head and the tail of the range, fills the
 * gaps inside it with default nodes, applies the attributes to every node
 * of the range and merges neighbours that became equal.  Everything the
 * call needs is allocated before the first change, so a SET either fails
 * with nothing changed or succeeds whole; the attribute array is checked
 * completely before that.
 *
 * SET and RESET report, per maximal sub-range that was uniform before and
 * after, what changed (&struct amdgpu_svm_attr_change), so that the range
 * layer can unmap, remap or migrate just what needs it.  A PREFETCH_LOC is
 * one-shot: it is reported on every SET that carries it, even when the
 * stored value does not change.
 */

/* What one SET asks for, decoded once from the uAPI array. */
struct amdgpu_svm_attr_spec {
	u32 given;		/* BIT(AMDGPU_SVM_ATTR_*) of the types present */
	u32 flags_set;		/* booleans set to 1 */
	u32 flags_clear;	/* booleans set to 0 */
	struct amdgpu_svm_attrs val;
};

#define to_attr_range(node) container_of(node, struct amdgpu_svm_attr_range, it)

static inline u32 attr_flag(u32 type)
{
	return BIT(type - AMDGPU_SVM_ATTR_HOST_ACCESS);
}

/**
 * amdgpu_svm_attrs_equal() - compare two attribute sets
 * @a: one set
 * @b: the other
 *
 * Context: any.
 * Return: true if every attribute of @a equals that of @b.
 */
bool amdgpu_svm_attrs_equal(const struct amdgpu_svm_attrs *a,
			    const struct amdgpu_svm_attrs *b)
{
	return a->preferred_loc == b->preferred_loc &&
	       a->prefetch_loc == b->prefetch_loc &&
	       a->flags == b->flags &&
	       a->access == b->access &&
	       a->granularity == b->granularity;
}

/**
 * amdgpu_svm_attr_tree_init() - set up an empty attribute tree
 * @tree: the tree
 * @xnack_on: the GPU runs with recoverable page faults; decides the
 *	default access
 *
 * Context: process context.
 */
void amdgpu_svm_attr_tree_init(struct amdgpu_svm_attr_tree *tree,
			       bool xnack_on)
{
	mutex_init(&tree->lock);
	tree->root = RB_ROOT_CACHED;
	tree->nodes = 0;
	tree->max_nodes = AMDGPU_SVM_ATTR_MAX_NODES;
	tree->defaults = (struct amdgpu_svm_attrs) {
		.preferred_loc = AMDGPU_SVM_LOCATION_UNDEFINED,
		.prefetch_loc = AMDGPU_SVM_LOCATION_UNDEFINED,
		.flags = AMDGPU_SVM_FLAG_HOST_ACCESS | AMDGPU_SVM_FLAG_COHERENT,
		.access = xnack_on ? AMDGPU_SVM_ACCESS_ALLOW_MIGRATE :
				     AMDGPU_SVM_ACCESS_INACCESSIBLE,
		.granularity = AMDGPU_SVM_DEFAULT_GRANULARITY,
	};
}

/**
 * amdgpu_svm_attr_tree_fini() - free every node of an attribute tree
 * @tree: the tree; nobody else may use it any more
 *
 * Context: process context.
 */
void amdgpu_svm_attr_tree_fini(struct amdgpu_svm_attr_tree *tree)
{
	struct interval_tree_node *it;

	while ((it = interval_tree_iter_first(&tree->root, 0, ULONG_MAX))) {
		interval_tree_remove(it, &tree->root);
		kfree(to_attr_range(it));
	}
	mutex_destroy(&tree->lock);
}

/**
 * amdgpu_svm_attr_check() - validate a uAPI attribute array
 * @attrs: the array
 * @nattr: number of entries, 1 to %AMDGPU_SVM_MAX_ATTRS
 * @for_set: the values will be set (and must be in their domain); for a
 *	GET only the types are checked
 *
 * Context: any.
 * Return: 0 if the whole array is valid, -EINVAL otherwise.
 */
int amdgpu_svm_attr_check(const struct drm_amdgpu_svm_attribute *attrs,
			  u32 nattr, bool for_set)
{
	u32 i;

	if (!nattr || nattr > AMDGPU_SVM_MAX_ATTRS)
		return -EINVAL;

	for (i = 0; i < nattr; i++) {
		u32 value = attrs[i].value;

		switch (attrs[i].type) {
		case AMDGPU_SVM_ATTR_PREFERRED_LOC:
		case AMDGPU_SVM_ATTR_PREFETCH_LOC:
			/* Every value names a location, see the uAPI. */
			break;
		case AMDGPU_SVM_ATTR_ACCESS:
			if (for_set && value > AMDGPU_SVM_ACCESS_ALLOW_MIGRATE)
				return -EINVAL;
			break;
		case AMDGPU_SVM_ATTR_GRANULARITY:
			if (for_set && value > AMDGPU_SVM_MAX_GRANULARITY)
				return -EINVAL;
			break;
		case AMDGPU_SVM_ATTR_HOST_ACCESS ... AMDGPU_SVM_ATTR_GPU_READ_MOSTLY:
			if (for_set && value > 1)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* Decode a checked array; a later entry of the same type wins. */
static void attr_spec_build(struct amdgpu_svm_attr_spec *spec,
			    const struct drm_amdgpu_svm_attribute *attrs,
			    u32 nattr)
{
	u32 i;

	memset(spec, 0, sizeof(*spec));
	for (i = 0; i < nattr; i++) {
		u32 type = attrs[i].type, value = attrs[i].value;

		spec->given |= BIT(type);
		switch (type) {
		case AMDGPU_SVM_ATTR_PREFERRED_LOC:
			spec->val.preferred_loc = value;
			break;
		case AMDGPU_SVM_ATTR_PREFETCH_LOC:
			spec->val.prefetch_loc = value;
			break;
		case AMDGPU_SVM_ATTR_ACCESS:
			spec->val.access = value;
			break;
		case AMDGPU_SVM_ATTR_GRANULARITY:
			spec->val.granularity = value;
			break;
		default:
			if (value) {
				spec->flags_set |= attr_flag(type);
				spec->flags_clear &= ~attr_flag(type);
			} else {
				spec->flags_clear |= attr_flag(type);
				spec->flags_set &= ~attr_flag(type);
			}
			break;
		}
	}
}

static void attr_spec_apply(const struct amdgpu_svm_attr_spec *spec,
			    struct amdgpu_svm_attrs *attrs)
{
	if (spec->given & BIT(AMDGPU_SVM_ATTR_PREFERRED_LOC))
		attrs->preferred_loc = spec->val.preferred_loc;
	if (spec->given & BIT(AMDGPU_SVM_ATTR_PREFETCH_LOC))
		attrs->prefetch_loc = spec->val.prefetch_loc;
	if (spec->given & BIT(AMDGPU_SVM_ATTR_ACCESS))
		attrs->access = spec->val.access;
	if (spec->given & BIT(AMDGPU_SVM_ATTR_GRANULARITY))
		attrs->granularity = spec->val.granularity;
	attrs->flags = (attrs->flags & ~spec->flags_clear) | spec->flags_set;
}

static bool attr_spec_prefetches(const struct amdgpu_svm_attr_spec *spec)
{
	return (spec->given & BIT(AMDGPU_SVM_ATTR_PREFETCH_LOC)) &&
	       spec->val.prefetch_loc != AMDGPU_SVM_LOCATION_UNDEFINED;
}

static u32 attr_triggers(const struct amdgpu_svm_attrs *old,
			 const struct amdgpu_svm_attrs *new)
{
	u32 flags = old->flags ^ new->flags;
	u32 triggers = 0;

	if (old->access != new->access)
		triggers |= AMDGPU_SVM_ATTR_TRIGGER_ACCESS;
	if (flags & AMDGPU_SVM_PTE_FLAGS)
		triggers |= AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS;
	if (flags & AMDGPU_SVM_MAP_FLAGS)
		triggers |= AMDGPU_SVM_ATTR_TRIGGER_MAP_FLAGS;
	if (old->preferred_loc != new->preferred_loc)
		triggers |= AMDGPU_SVM_ATTR_TRIGGER_LOCATION;
	if (old->granularity != new->granularity)
		triggers |= AMDGPU_SVM_ATTR_TRIGGER_GRANULARITY;
	return triggers;
}

/* Append to the report, extending the previous entry where it continues. */
static void attr_changes_add(struct amdgpu_svm_attr_changes *changes,
			     unsigned long start, unsigned long last,
			     const struct amdgpu_svm_attrs *old,
			     const struct amdgpu_svm_attrs *new, u32 triggers)
{
	struct amdgpu_svm_attr_change *prev;

	if (!changes || !triggers)
		return;

	prev = changes->count ? &changes->entries[changes->count - 1] : NULL;
	if (prev && prev->last + 1 == start && prev->triggers == triggers &&
	    amdgpu_svm_attrs_equal(&prev->old, old) &&
	    amdgpu_svm_attrs_equal(&prev->new, new)) {
		prev->last = last;
		return;
	}
	changes->entries[changes->count++] = (struct amdgpu_svm_attr_change) {
		.start = start, .last = last, .old = *old, .new = *new,
		.triggers = triggers,
	};
}

/**
 * amdgpu_svm_attr_changes_free() - release a change report
 * @changes: the report; may be empty
 *
 * Context: process context.
 */
void amdgpu_svm_attr_changes_free(struct amdgpu_svm_attr_changes *changes)
{
	kvfree(changes->entries);
	changes->entries = NULL;
	changes->count = 0;
}

static int attr_changes_alloc(struct amdgpu_svm_attr_changes *changes,
			      unsigned int max)
{
	if (!changes)
		return 0;
	changes->count = 0;
	changes->entries = kvmalloc_array(max, sizeof(*changes->entries),
					  GFP_KERNEL_ACCOUNT);
	return changes->entries ? 0 : -ENOMEM;
}

static struct amdgpu_svm_attr_range *
attr_range_first(struct amdgpu_svm_attr_tree *tree, unsigned long start,
		 unsigned long last)
{
	struct interval_tree_node *it;

	it = interval_tree_iter_first(&tree->root, start, last);
	return it ? to_attr_range(it) : NULL;
}

static struct amdgpu_svm_attr_range *
attr_range_next(struct amdgpu_svm_attr_range *range, unsigned long start,
		unsigned long last)
{
	struct interval_tree_node *it;

	it = interval_tree_iter_next(&range->it, start, last);
	return it ? to_attr_range(it) : NULL;
}

/* Change a node's extent; the tree must be told (subtree bounds). */
static void attr_range_resize(struct amdgpu_svm_attr_tree *tree,
			      struct amdgpu_svm_attr_range *range,
			      unsigned long start, unsigned long last)
{
	interval_tree_remove(&range->it, &tree->root);
	range->it.start = start;
	range->it.last = last;
	interval_tree_insert(&range->it, &tree->root);
}

static void attr_range_add(struct amdgpu_svm_attr_tree *tree,
			   struct amdgpu_svm_attr_range *range,
			   unsigned long start, unsigned long last,
			   const struct amdgpu_svm_attrs *attrs)
{
	range->it.start = start;
	range->it.last = last;
	range->attrs = *attrs;
	interval_tree_insert(&range->it, &tree->root);
	tree->nodes++;
}

/* Split @range so that @page starts a node of its own, given in @tail. */
static void attr_range_split(struct amdgpu_svm_attr_tree *tree,
			     struct amdgpu_svm_attr_range *range,
			     unsigned long page,
			     struct amdgpu_svm_attr_range *tail)
{
	unsigned long last = range->it.last;

	attr_range_resize(tree, range, range->it.start, page - 1);
	attr_range_add(tree, tail, page, last, &range->attrs);
}

/*
 * Split the nodes that straddle @start or @last + 1, taking the new nodes
 * from @spare.
 */
static void attr_split_ends(struct amdgpu_svm_attr_tree *tree,
			    unsigned long start, unsigned long last,
			    struct amdgpu_svm_attr_range **spare,
			    unsigned int *nspare)
{
	struct amdgpu_svm_attr_range *range;

	range = attr_range_first(tree, start, start);
	if (range && range->it.start < start)
		attr_range_split(tree, range, start, spare[--*nspare]);

	range = attr_range_first(tree, last, last);
	if (range && range->it.last > last)
		attr_range_split(tree, range, last + 1, spare[--*nspare]);
}

/* How many nodes splitting at @start and @last + 1 will add (0 to 2). */
static unsigned int attr_count_splits(struct amdgpu_svm_attr_tree *tree,
				      unsigned long start, unsigned long last)
{
	struct amdgpu_svm_attr_range *range;
	unsigned int n = 0;

	range = attr_range_first(tree, start, start);
	if (range && range->it.start < start)
		n++;
	range = attr_range_first(tree, last, last);
	if (range && range->it.last > last)
		n++;
	return n;
}

static void attr_free_spare(struct amdgpu_svm_attr_range **spare,
			    unsigned int nspare)
{
	while (nspare)
		kfree(spare[--nspare]);
	kvfree(spare);
}

static struct amdgpu_svm_attr_range **attr_alloc_spare(unsigned int n)
{
	struct amdgpu_svm_attr_range **spare;
	unsigned int i;

	/*
	 * Charged to the caller, as the tree is memory a process makes the
	 * kernel hold; the array scales to any number of gaps.
	 */
	spare = kvcalloc(max(n, 1U), sizeof(*spare), GFP_KERNEL_ACCOUNT);
	if (!spare)
		return NULL;
	for (i = 0; i < n; i++) {
		spare[i] = kzalloc_obj(**spare, GFP_KERNEL_ACCOUNT);
		if (!spare[i]) {
			attr_free_spare(spare, i);
			return NULL;
		}
	}
	return spare;
}

/* Merge @right into @left if they touch and are equal; return the survivor. */
static struct amdgpu_svm_attr_range *
attr_range_merge(struct amdgpu_svm_attr_tree *tree,
		 struct amdgpu_svm_attr_range *left,
		 struct amdgpu_svm_attr_range *right)
{
	if (!left || left->it.last + 1 != right->it.start ||
	    !amdgpu_svm_attrs_equal(&left->attrs, &right->attrs))
		return right;

	interval_tree_remove(&right->it, &tree->root);
	tree->nodes--;
	attr_range_resize(tree, left, left->it.start, right->it.last);
	kfree(right);
	return left;
}

/*
 * A walk over [start, last] by tiles: each node in the range, clipped to
 * it, and each gap between nodes, which has the defaults.
 */
struct attr_walk {
	struct amdgpu_svm_attr_tree *tree;
	unsigned long start, last;		/* the range walked */
	unsigned long pos;			/* first page of the next tile */
	struct amdgpu_svm_attr_range *next;	/* first node at or after @pos */
	bool done;
	/* The current tile */
	unsigned long tile_start, tile_last;
	const struct amdgpu_svm_attrs *attrs;
	bool gap;
};

static void attr_walk_init(struct attr_walk *w,
			   struct amdgpu_svm_attr_tree *tree,
			   unsigned long start, unsigned long last)
{
	w->tree = tree;
	w->start = start;
	w->last = last;
	w->pos = start;
	w->next = attr_range_first(tree, start, last);
	w->done = false;
}

/*
 * Step to the next tile; false at the end.  Nodes may be inserted in the
 * gap just visited: the walk resumes at @next, which lies beyond it.
 */
static bool attr_walk_next(struct attr_walk *w)
{
	if (w->done)
		return false;

	w->tile_start = w->pos;
	w->gap = !w->next || w->next->it.start > w->pos;
	if (w->gap) {
		w->tile_last = w->next ? w->next->it.start - 1 : w->last;
		w->attrs = &w->tree->defaults;
	} else {
		w->tile_last = min(w->next->it.last, w->last);
		w->attrs = &w->next->attrs;
		w->next = attr_range_next(w->next, w->start, w->last);
	}

	if (w->tile_last == w->last)
		w->done = true;
	else
		w->pos = w->tile_last + 1;
	return true;
}

/**
 * amdgpu_svm_attr_set() - apply a uAPI attribute array to a page range
 * @tree: the SVM's attribute tree
 * @start: first page
 * @last: last page (inclusive), not below @start, below ULONG_MAX
 * @attrs: the attributes, applied in order
 * @nattr: number of entries in @attrs
 * @changes: if not NULL, receives the change report on success; free it
 *	with amdgpu_svm_attr_changes_free()
 *
 * Either the whole array is applied to the whole range or, on error,
 * nothing changed.
 *
 * Context: process context; takes and releases @tree->lock; may sleep.
 * Return: 0, -EINVAL if the range or the array is invalid, -ENOSPC if the
 * tree could hold more than @tree->max_nodes nodes, -ENOMEM (nothing changed
 * on error).
 */
int amdgpu_svm_attr_set(struct amdgpu_svm_attr_tree *tree,
			unsigned long start, unsigned long last,
			const struct drm_amdgpu_svm_attribute *attrs, u32 nattr,
			struct amdgpu_svm_attr_changes *changes)
{
	struct amdgpu_svm_attr_range *range, **spare;
	struct amdgpu_svm_attr_spec spec;
	unsigned int ntiles = 0, ngaps = 0, nspare;
	struct attr_walk walk;
	unsigned long pos;
	u32 prefetch;
	int ret;

	if (start > last || last == ULONG_MAX)
		return -EINVAL;
	ret = amdgpu_svm_attr_check(attrs, nattr, true);
	if (ret)
		return ret;
	attr_spec_build(&spec, attrs, nattr);
	prefetch = attr_spec_prefetches(&spec) ?
		   AMDGPU_SVM_ATTR_TRIGGER_PREFETCH : 0;

	mutex_lock(&tree->lock);

	/* Allocate all the call needs; nothing after this point fails. */
	attr_walk_init(&walk, tree, start, last);
	while (attr_walk_next(&walk)) {
		ntiles++;
		ngaps += walk.gap;
	}
	nspare = ngaps + attr_count_splits(tree, start, last);
	/* Merges may shrink the result; the nodes are needed before they do. */
	if (tree->nodes + nspare > tree->max_nodes) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	spare = attr_alloc_spare(nspare);
	if (!spare) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = attr_changes_alloc(changes, ntiles);
	if (ret)
		goto out_free;

	/* Make [start, last] exactly a run of nodes. */
	attr_split_ends(tree, start, last, spare, &nspare);
	attr_walk_init(&walk, tree, start, last);
	while (attr_walk_next(&walk)) {
		if (walk.gap)
			attr_range_add(tree, spare[--nspare], walk.tile_start,
				       walk.tile_last, walk.attrs);
	}

	/* Apply, report, then merge with equal neighbours. */
	for (range = attr_range_first(tree, start, last); range;
	     range = attr_range_next(range, start, last)) {
		struct amdgpu_svm_attrs old = range->attrs;

		attr_spec_apply(&spec, &range->attrs);
		attr_changes_add(changes, range->it.start, range->it.last, &old,
				 &range->attrs,
				 attr_triggers(&old, &range->attrs) | prefetch);
	}

	range = start ? attr_range_first(tree, start - 1, start - 1) : NULL;
	pos = start;
	while (pos <= last + 1) {
		struct amdgpu_svm_attr_range *next;

		next = attr_range_first(tree, pos, pos);
		if (!next)
			break;
		range = attr_range_merge(tree, range, next);
		pos = range->it.last + 1;
	}

out_free:
	attr_free_spare(spare, nspare);
out_unlock:
	mutex_unlock(&tree->lock);
	return ret;
}

/**
 * amdgpu_svm_attr_reset() - return a page range to the default attributes
 * @tree: the SVM's attribute tree
 * @start: first page
 * @last: last page (inclusive), not below @start
 * @changes: if not NULL, receives the change report on success; free it
 *	with amdgpu_svm_attr_changes_free()
 *
 * Context: process context; takes and releases @tree->lock; may sleep.
 * Return: 0, -EINVAL if the range is invalid, -ENOMEM (nothing changed).
 */
int amdgpu_svm_attr_reset(struct amdgpu_svm_attr_tree *tree,
			  unsigned long start, unsigned long last,
			  struct amdgpu_svm_attr_changes *changes)
{
	struct amdgpu_svm_attr_range *range, *next, **spare;
	unsigned int nranges = 0, nspare;
	int ret;

	if (start > last || last == ULONG_MAX)
		return -EINVAL;

	mutex_lock(&tree->lock);

	for (range = attr_range_first(tree, start, last); range;
	     range = attr_range_next(range, start, last))
		nranges++;
	nspare = attr_count_splits(tree, start, last);
	spare = attr_alloc_spare(nspare);
	if (!spare) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = attr_changes_alloc(changes, nranges);
	if (ret)
		goto out_free;

	attr_split_ends(tree, start, last, spare, &nspare);
	for (range = attr_range_first(tree, start, last); range; range = next) {
		next = attr_range_next(range, start, last);
		attr_changes_add(changes, range->it.start, range->it.last,
				 &range->attrs, &tree->defaults,
				 attr_triggers(&range->attrs, &tree->defaults));
		interval_tree_remove(&range->it, &tree->root);
		tree->nodes--;
		kfree(range);
	}

out_free:
	attr_free_spare(spare, nspare);
out_unlock:
	mutex_unlock(&tree->lock);
	return ret;
}

/* Fold one tile into the GET result, as the uAPI defines it. */
static void attr_fold(struct amdgpu_svm_attrs *acc,
		      const struct amdgpu_svm_attrs *tile, bool first)
{
	if (first) {
		*acc = *tile;
		return;
	}
	if (acc->preferred_loc != tile->preferred_loc)
		acc->preferred_loc = AMDGPU_SVM_LOCATION_UNDEFINED;
	if (acc->prefetch_loc != tile->prefetch_loc)
		acc->prefetch_loc = AMDGPU_SVM_LOCATION_UNDEFINED;
	acc->flags &= tile->flags;
	/* AMDGPU_SVM_ACCESS_* grow from the most to the least restrictive. */
	acc->access = min(acc->access, tile->access);
	acc->granularity = min(acc->granularity, tile->granularity);
}

/**
 * amdgpu_svm_attr_get() - read attributes over a page range
 * @tree: the SVM's attribute tree
 * @start: first page
 * @last: last page (inclusive), not below @start
 * @attrs: the uAPI array; each entry's value is filled in for its type
 * @nattr: number of entries in @attrs
 *
 * Where the range is not uniform, a location reads UNDEFINED, a boolean
 * reads 1 only if set on every page, the access reads the most restrictive
 * and the granularity the smallest value.
 *
 * Context: process context; takes and releases @tree->lock.
 * Return: 0, or -EINVAL for an invalid range or an unknown type (@attrs
 * unchanged).
 */
int amdgpu_svm_attr_get(struct amdgpu_svm_attr_tree *tree,
			unsigned long start, unsigned long last,
			struct drm_amdgpu_svm_attribute *attrs, u32 nattr)
{
	struct amdgpu_svm_attrs acc;
	struct attr_walk walk;
	bool first = true;
	u32 i;
	int ret;

	if (start > last || last == ULONG_MAX)
		return -EINVAL;
	ret = amdgpu_svm_attr_check(attrs, nattr, false);
	if (ret)
		return ret;

	mutex_lock(&tree->lock);
	attr_walk_init(&walk, tree, start, last);
	while (attr_walk_next(&walk)) {
		attr_fold(&acc, walk.attrs, first);
		first = false;
	}
	mutex_unlock(&tree->lock);

	for (i = 0; i < nattr; i++) {
		u32 type = attrs[i].type;

		switch (type) {
		case AMDGPU_SVM_ATTR_PREFERRED_LOC:
			attrs[i].value = acc.preferred_loc;
			break;
		case AMDGPU_SVM_ATTR_PREFETCH_LOC:
			attrs[i].value = acc.prefetch_loc;
			break;
		case AMDGPU_SVM_ATTR_ACCESS:
			attrs[i].value = acc.access;
			break;
		case AMDGPU_SVM_ATTR_GRANULARITY:
			attrs[i].value = acc.granularity;
			break;
		default:
			attrs[i].value = !!(acc.flags & attr_flag(type));
			break;
		}
	}
	return 0;
}

/**
 * amdgpu_svm_attr_any() - were attributes set on any page of a span?
 * @tree: the SVM's attribute tree
 * @start: first page
 * @last: last page (inclusive)
 *
 * Context: process context; takes and releases @tree->lock, a leaf lock
 * (also under the VM reservation).
 * Return: true if a SET left attributes on a page of [@start, @last].
 */
bool amdgpu_svm_attr_any(struct amdgpu_svm_attr_tree *tree,
			 unsigned long start, unsigned long last)
{
	bool any;

	mutex_lock(&tree->lock);
	any = attr_range_first(tree, start, last);
	mutex_unlock(&tree->lock);
	return any;
}

/**
 * amdgpu_svm_attr_lookup() - the attributes of one page and their extent
 * @tree: the SVM's attribute tree
 * @page: the page
 * @attrs: receives the attributes of @page
 * @start: receives the first page of the run around @page with the same
 *	attributes in the tree
 * @last: receives the last page of that run; ULONG_MAX if the run of
 *	defaults reaches the end of the tree
 *
 * Context: process context; takes and releases @tree->lock.
 */
void amdgpu_svm_attr_lookup(struct amdgpu_svm_attr_tree *tree,
			    unsigned long page, struct amdgpu_svm_attrs *attrs,
			    unsigned long *start, unsigned long *last)
{
	struct amdgpu_svm_attr_range *range;
	struct rb_node *prev;

	mutex_lock(&tree->lock);
	range = attr_range_first(tree, page, page);
	if (range) {
		*attrs = range->attrs;
		*start = range->it.start;
		*last = range->it.last;
		goto out_unlock;
	}

	/* A gap: it runs from the node before @page to the node after. */
	*attrs = tree->defaults;
	range = attr_range_first(tree, page, ULONG_MAX);
	*last = range ? range->it.start - 1 : ULONG_MAX;
	prev = range ? rb_prev(&range->it.rb) : rb_last(&tree->root.rb_root);
	*start = prev ? rb_entry(prev, struct interval_tree_node, rb)->last + 1 : 0;

out_unlock:
	mutex_unlock(&tree->lock);
}
