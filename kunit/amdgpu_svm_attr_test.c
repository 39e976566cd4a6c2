// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of the SVM attribute tree (amdgpu_svm_attr.c): how SET,
 * GET and RESET split, merge and read ranges, what they report, and that
 * invalid input changes nothing.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include <drm/amdgpu_drm.h>

#include "../amdgpu_svm_attr.h"
#include "amdgpu_svm_test.h"

#define UNDEF	AMDGPU_SVM_LOCATION_UNDEFINED

static void attr_tree_release(void *tree)
{
	amdgpu_svm_attr_tree_fini(tree);
}

static struct amdgpu_svm_attr_tree *attr_tree_new(struct kunit *test,
						  bool xnack_on)
{
	struct amdgpu_svm_attr_tree *tree;

	tree = kunit_kzalloc(test, sizeof(*tree), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tree);
	amdgpu_svm_attr_tree_init(tree, xnack_on);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, attr_tree_release, tree));
	return tree;
}

static int attr_tree_init(struct kunit *test)
{
	test->priv = attr_tree_new(test, true);
	return 0;
}

/* SET one attribute on [start, last]. */
static int set1(struct amdgpu_svm_attr_tree *tree, unsigned long start,
		unsigned long last, u32 type, u32 value)
{
	struct drm_amdgpu_svm_attribute attr = { .type = type, .value = value };

	return amdgpu_svm_attr_set(tree, start, last, &attr, 1, NULL);
}

/* GET one attribute over [start, last]. */
static u32 get1(struct kunit *test, struct amdgpu_svm_attr_tree *tree,
		unsigned long start, unsigned long last, u32 type)
{
	struct drm_amdgpu_svm_attribute attr = { .type = type };

	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_attr_get(tree, start, last, &attr, 1));
	return attr.value;
}

static unsigned int node_count(struct amdgpu_svm_attr_tree *tree)
{
	struct interval_tree_node *it;
	unsigned int n = 0;

	for (it = interval_tree_iter_first(&tree->root, 0, ULONG_MAX); it;
	     it = interval_tree_iter_next(it, 0, ULONG_MAX))
		n++;
	return n;
}

static void expect_node(struct kunit *test, struct amdgpu_svm_attr_tree *tree,
			unsigned long page, unsigned long start,
			unsigned long last)
{
	struct amdgpu_svm_attrs attrs;
	unsigned long s, l;

	amdgpu_svm_attr_lookup(tree, page, &attrs, &s, &l);
	KUNIT_EXPECT_EQ(test, s, start);
	KUNIT_EXPECT_EQ(test, l, last);
}

static void attr_defaults_xnack_on(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_PREFERRED_LOC), UNDEF);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_PREFETCH_LOC), UNDEF);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_ACCESS),
			AMDGPU_SVM_ACCESS_ALLOW_MIGRATE);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_GRANULARITY), 9);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_HOST_ACCESS), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_COHERENT), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_EXT_COHERENT), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_HIVE_LOCAL), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_GPU_EXEC), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_GPU_READ_MOSTLY), 0);
	KUNIT_EXPECT_EQ(test, node_count(tree), 0);
}

static void attr_defaults_xnack_off_inaccessible(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = attr_tree_new(test, false);

	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_ACCESS),
			AMDGPU_SVM_ACCESS_INACCESSIBLE);
}

static void attr_set_makes_one_node(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 10, 19, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 1);
	expect_node(test, tree, 15, 10, 19);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 10, 19, AMDGPU_SVM_ATTR_GPU_RO), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 9, 9, AMDGPU_SVM_ATTR_GPU_RO), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 20, 20, AMDGPU_SVM_ATTR_GPU_RO), 0);
}

static void attr_split_at_head(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GPU_EXEC, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 2);
	expect_node(test, tree, 0, 0, 9);
	expect_node(test, tree, 10, 10, 99);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 9, AMDGPU_SVM_ATTR_GPU_EXEC), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 10, 99, AMDGPU_SVM_ATTR_GPU_EXEC), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO), 1);
}

static void attr_split_at_tail(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 90, 99, AMDGPU_SVM_ATTR_GPU_EXEC, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 2);
	expect_node(test, tree, 0, 0, 89);
	expect_node(test, tree, 99, 90, 99);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 90, 99, AMDGPU_SVM_ATTR_GPU_EXEC), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 89, AMDGPU_SVM_ATTR_GPU_EXEC), 0);
}

static void attr_split_in_middle(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 40, 59, AMDGPU_SVM_ATTR_GRANULARITY, 3));
	KUNIT_EXPECT_EQ(test, node_count(tree), 3);
	expect_node(test, tree, 0, 0, 39);
	expect_node(test, tree, 50, 40, 59);
	expect_node(test, tree, 60, 60, 99);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 40, 59, AMDGPU_SVM_ATTR_GRANULARITY), 3);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 60, 99, AMDGPU_SVM_ATTR_GRANULARITY), 9);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO), 1);
}

static void attr_merge_equal_neighbours(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 20, 29, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 2);
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 10, 19, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 1);
	expect_node(test, tree, 15, 0, 29);
}

static void attr_merge_after_undo(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 40, 59, AMDGPU_SVM_ATTR_GPU_EXEC, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 3);
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 40, 59, AMDGPU_SVM_ATTR_GPU_EXEC, 0));
	KUNIT_EXPECT_EQ(test, node_count(tree), 1);
	expect_node(test, tree, 50, 0, 99);
}

static void attr_overlapping_sets(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 49, AMDGPU_SVM_ATTR_PREFERRED_LOC, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 25, 74, AMDGPU_SVM_ATTR_GRANULARITY, 5));
	KUNIT_EXPECT_EQ(test, node_count(tree), 3);
	expect_node(test, tree, 0, 0, 24);
	expect_node(test, tree, 25, 25, 49);
	expect_node(test, tree, 50, 50, 74);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 24, AMDGPU_SVM_ATTR_GRANULARITY), 9);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 25, 49, AMDGPU_SVM_ATTR_PREFERRED_LOC), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 25, 49, AMDGPU_SVM_ATTR_GRANULARITY), 5);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 50, 74, AMDGPU_SVM_ATTR_PREFERRED_LOC), UNDEF);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 50, 74, AMDGPU_SVM_ATTR_GRANULARITY), 5);
}

static void attr_set_fills_gaps(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 10, 19, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 30, 39, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 49, AMDGPU_SVM_ATTR_GPU_EXEC, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 5);
	expect_node(test, tree, 0, 0, 9);
	expect_node(test, tree, 20, 20, 29);
	expect_node(test, tree, 45, 40, 49);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 49, AMDGPU_SVM_ATTR_GPU_EXEC), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 49, AMDGPU_SVM_ATTR_GPU_RO), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 30, 39, AMDGPU_SVM_ATTR_GPU_RO), 1);
}

/*
 * A process cannot make the kernel hold attribute nodes without bound: a
 * SET that could leave more than the tree's limit fails whole with
 * -ENOSPC (the gaps it fills count before merges shrink them), and RESET
 * always works, so the process can make room again.
 */
static void attr_node_limit(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	char *before;
	int i;

	tree->max_nodes = 8;
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, 0, set1(tree, 2 * i, 2 * i,
					      AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 8);
	KUNIT_EXPECT_EQ(test, tree->nodes, 8);

	before = amdgpu_svm_test_attr_dump(test, tree);
	KUNIT_EXPECT_EQ(test, -ENOSPC, set1(tree, 16, 16,
					    AMDGPU_SVM_ATTR_GPU_RO, 1));
	/* Seven gaps to fill first, although one node would remain. */
	KUNIT_EXPECT_EQ(test, -ENOSPC, set1(tree, 0, 14,
					    AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_EXPECT_STREQ(test, amdgpu_svm_test_attr_dump(test, tree), before);
	/* Changing what exists needs no node. */
	KUNIT_EXPECT_EQ(test, 0, set1(tree, 4, 4, AMDGPU_SVM_ATTR_GPU_EXEC, 1));

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_attr_reset(tree, 0, 15, NULL));
	KUNIT_EXPECT_EQ(test, tree->nodes, 0);
	KUNIT_EXPECT_EQ(test, 0, set1(tree, 0, 1000, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_EXPECT_EQ(test, node_count(tree), 1);
	KUNIT_EXPECT_EQ(test, tree->nodes, 1);
	KUNIT_EXPECT_EQ(test, tree->max_nodes, 8);
}

static void attr_later_entry_wins(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct drm_amdgpu_svm_attribute attrs[] = {
		{ AMDGPU_SVM_ATTR_GPU_RO, 1 },
		{ AMDGPU_SVM_ATTR_GRANULARITY, 4 },
		{ AMDGPU_SVM_ATTR_GPU_RO, 0 },
		{ AMDGPU_SVM_ATTR_GRANULARITY, 7 },
	};

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_attr_set(tree, 0, 9, attrs,
						     ARRAY_SIZE(attrs), NULL));
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 9, AMDGPU_SVM_ATTR_GRANULARITY), 7);
}

static void attr_get_mixed_location_is_undefined(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_PREFERRED_LOC,
				      AMDGPU_SVM_LOCATION_SYSMEM));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 10, 19, AMDGPU_SVM_ATTR_PREFERRED_LOC, 1));
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 9, AMDGPU_SVM_ATTR_PREFERRED_LOC),
			AMDGPU_SVM_LOCATION_SYSMEM);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 10, 19, AMDGPU_SVM_ATTR_PREFERRED_LOC), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 19, AMDGPU_SVM_ATTR_PREFERRED_LOC), UNDEF);
	/* A gap has the default (UNDEFINED), which differs too. */
	KUNIT_EXPECT_EQ(test, get1(test, tree, 10, 29, AMDGPU_SVM_ATTR_PREFERRED_LOC), UNDEF);
}

static void attr_get_mixed_granularity_is_minimum(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GRANULARITY, 12));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 10, 19, AMDGPU_SVM_ATTR_GRANULARITY, 5));
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 19, AMDGPU_SVM_ATTR_GRANULARITY), 5);
	/* [0, 9] and a default gap: min(12, 9). */
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 10, 19, AMDGPU_SVM_ATTR_GRANULARITY, 12));
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 29, AMDGPU_SVM_ATTR_GRANULARITY), 9);
}

static void attr_get_mixed_boolean_is_and(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GPU_EXEC, 1));
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 9, AMDGPU_SVM_ATTR_GPU_EXEC), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 10, AMDGPU_SVM_ATTR_GPU_EXEC), 0);
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 5, 5, AMDGPU_SVM_ATTR_COHERENT, 0));
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 9, AMDGPU_SVM_ATTR_COHERENT), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 6, 9, AMDGPU_SVM_ATTR_COHERENT), 1);
}

static void attr_get_mixed_access_is_most_restrictive(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_ACCESS,
				      AMDGPU_SVM_ACCESS_IN_PLACE));
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 19, AMDGPU_SVM_ATTR_ACCESS),
			AMDGPU_SVM_ACCESS_IN_PLACE);
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 15, 15, AMDGPU_SVM_ATTR_ACCESS,
				      AMDGPU_SVM_ACCESS_INACCESSIBLE));
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 19, AMDGPU_SVM_ATTR_ACCESS),
			AMDGPU_SVM_ACCESS_INACCESSIBLE);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 16, 19, AMDGPU_SVM_ATTR_ACCESS),
			AMDGPU_SVM_ACCESS_ALLOW_MIGRATE);
}

static void attr_get_fills_every_entry(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct drm_amdgpu_svm_attribute attrs[] = {
		{ AMDGPU_SVM_ATTR_GRANULARITY, 0xdead },
		{ AMDGPU_SVM_ATTR_GPU_RO, 0xdead },
		{ AMDGPU_SVM_ATTR_PREFETCH_LOC, 0xdead },
	};

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_attr_get(tree, 0, 9, attrs,
						     ARRAY_SIZE(attrs)));
	KUNIT_EXPECT_EQ(test, attrs[0].value, 9);
	KUNIT_EXPECT_EQ(test, attrs[1].value, 1);
	KUNIT_EXPECT_EQ(test, attrs[2].value, UNDEF);
}

static void attr_reset_whole_range(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_attr_reset(tree, 0, 99, NULL));
	KUNIT_EXPECT_EQ(test, node_count(tree), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO), 0);
}

static void attr_reset_middle_splits(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 99, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_attr_reset(tree, 40, 59, NULL));
	KUNIT_EXPECT_EQ(test, node_count(tree), 2);
	expect_node(test, tree, 0, 0, 39);
	expect_node(test, tree, 60, 60, 99);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 40, 59, AMDGPU_SVM_ATTR_GPU_RO), 0);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 39, AMDGPU_SVM_ATTR_GPU_RO), 1);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 60, 99, AMDGPU_SVM_ATTR_GPU_RO), 1);
}

static void attr_reset_across_nodes_and_gaps(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attr_changes changes = {};

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 20, 29, AMDGPU_SVM_ATTR_ACCESS,
				      AMDGPU_SVM_ACCESS_IN_PLACE));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 40, 49, AMDGPU_SVM_ATTR_GPU_EXEC, 1));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_attr_reset(tree, 5, 44, &changes));
	KUNIT_EXPECT_EQ(test, node_count(tree), 2);
	expect_node(test, tree, 0, 0, 4);
	expect_node(test, tree, 45, 45, 49);

	KUNIT_ASSERT_EQ(test, changes.count, 3);
	KUNIT_EXPECT_EQ(test, changes.entries[0].start, 5);
	KUNIT_EXPECT_EQ(test, changes.entries[0].last, 9);
	KUNIT_EXPECT_EQ(test, changes.entries[0].triggers,
			AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS);
	KUNIT_EXPECT_EQ(test, changes.entries[1].start, 20);
	KUNIT_EXPECT_EQ(test, changes.entries[1].last, 29);
	KUNIT_EXPECT_EQ(test, changes.entries[1].triggers,
			AMDGPU_SVM_ATTR_TRIGGER_ACCESS);
	KUNIT_EXPECT_EQ(test, changes.entries[2].start, 40);
	KUNIT_EXPECT_EQ(test, changes.entries[2].last, 44);
	amdgpu_svm_attr_changes_free(&changes);
}

static void attr_lookup_extents(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attrs attrs;
	unsigned long s, l;

	/* Empty tree: one run of defaults over everything. */
	amdgpu_svm_attr_lookup(tree, 1234, &attrs, &s, &l);
	KUNIT_EXPECT_EQ(test, s, 0);
	KUNIT_EXPECT_EQ(test, l, ULONG_MAX);
	KUNIT_EXPECT_TRUE(test, amdgpu_svm_attrs_equal(&attrs, &tree->defaults));

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 10, 19, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 40, 49, AMDGPU_SVM_ATTR_GPU_RO, 1));
	amdgpu_svm_attr_lookup(tree, 12, &attrs, &s, &l);
	KUNIT_EXPECT_EQ(test, s, 10);
	KUNIT_EXPECT_EQ(test, l, 19);
	KUNIT_EXPECT_EQ(test, attrs.flags & AMDGPU_SVM_FLAG_GPU_RO,
			AMDGPU_SVM_FLAG_GPU_RO);
	amdgpu_svm_attr_lookup(tree, 5, &attrs, &s, &l);
	KUNIT_EXPECT_EQ(test, s, 0);
	KUNIT_EXPECT_EQ(test, l, 9);
	amdgpu_svm_attr_lookup(tree, 30, &attrs, &s, &l);
	KUNIT_EXPECT_EQ(test, s, 20);
	KUNIT_EXPECT_EQ(test, l, 39);
	KUNIT_EXPECT_TRUE(test, amdgpu_svm_attrs_equal(&attrs, &tree->defaults));
	amdgpu_svm_attr_lookup(tree, 50, &attrs, &s, &l);
	KUNIT_EXPECT_EQ(test, s, 50);
	KUNIT_EXPECT_EQ(test, l, ULONG_MAX);
}

/* --- Invalid input: -EINVAL and the tree exactly as before. --- */

struct attr_invalid_case {
	const char *name;
	unsigned long start, last;
	u32 nattr;
	struct drm_amdgpu_svm_attribute attrs[3];
};

static const struct attr_invalid_case attr_invalid_cases[] = {
	{ "unknown type", 0, 9, 1, { { 11, 0 } } },
	{ "type all ones", 0, 9, 1, { { 0xffffffff, 0 } } },
	{ "boolean 2", 0, 9, 1, { { AMDGPU_SVM_ATTR_GPU_RO, 2 } } },
	{ "boolean all ones", 0, 9, 1, { { AMDGPU_SVM_ATTR_COHERENT, 0xffffffff } } },
	{ "access 3", 0, 9, 1, { { AMDGPU_SVM_ATTR_ACCESS, 3 } } },
	{ "granularity above max", 0, 9, 1,
	  { { AMDGPU_SVM_ATTR_GRANULARITY, AMDGPU_SVM_MAX_GRANULARITY + 1 } } },
	{ "nattr 0", 0, 9, 0, { { AMDGPU_SVM_ATTR_GPU_RO, 1 } } },
	{ "nattr above max", 0, 9, AMDGPU_SVM_MAX_ATTRS + 1,
	  { { AMDGPU_SVM_ATTR_GPU_RO, 1 } } },
	{ "start after last", 10, 9, 1, { { AMDGPU_SVM_ATTR_GPU_RO, 1 } } },
	{ "last at ULONG_MAX", 0, ULONG_MAX, 1, { { AMDGPU_SVM_ATTR_GPU_RO, 1 } } },
	{ "valid entries then a bad one", 0, 9, 3,
	  { { AMDGPU_SVM_ATTR_GPU_RO, 0 }, { AMDGPU_SVM_ATTR_GRANULARITY, 2 },
	    { AMDGPU_SVM_ATTR_ACCESS, 7 } } },
};

static void attr_invalid_desc(const struct attr_invalid_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(attr_invalid, attr_invalid_cases, attr_invalid_desc);

static void attr_set_invalid_changes_nothing(struct kunit *test)
{
	const struct attr_invalid_case *c = test->param_value;
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attr_changes changes = {};
	struct drm_amdgpu_svm_attribute *attrs;
	char *before;

	/* The array is as long as nattr says, padded with valid entries. */
	attrs = kunit_kcalloc(test, max_t(u32, c->nattr, 1), sizeof(*attrs),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, attrs);
	memcpy(attrs, c->attrs, min_t(u32, c->nattr, 3) * sizeof(*attrs));

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 4, AMDGPU_SVM_ATTR_GPU_RO, 1));
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 8, 20, AMDGPU_SVM_ATTR_GRANULARITY, 4));
	before = amdgpu_svm_test_attr_dump(test, tree);

	KUNIT_EXPECT_EQ(test, -EINVAL,
			amdgpu_svm_attr_set(tree, c->start, c->last, attrs,
					    c->nattr, &changes));
	KUNIT_EXPECT_STREQ(test, amdgpu_svm_test_attr_dump(test, tree), before);
	KUNIT_EXPECT_EQ(test, changes.count, 0);
	KUNIT_EXPECT_NULL(test, changes.entries);
}

static void attr_get_invalid_type_leaves_array(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct drm_amdgpu_svm_attribute attrs[] = {
		{ AMDGPU_SVM_ATTR_GPU_RO, 0x1234 },
		{ 42, 0x5678 },
	};

	KUNIT_EXPECT_EQ(test, -EINVAL,
			amdgpu_svm_attr_get(tree, 0, 9, attrs, ARRAY_SIZE(attrs)));
	KUNIT_EXPECT_EQ(test, attrs[0].value, 0x1234);
	KUNIT_EXPECT_EQ(test, attrs[1].value, 0x5678);
}

static void attr_reset_invalid_range_changes_nothing(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	char *before;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO, 1));
	before = amdgpu_svm_test_attr_dump(test, tree);
	KUNIT_EXPECT_EQ(test, -EINVAL, amdgpu_svm_attr_reset(tree, 9, 0, NULL));
	KUNIT_EXPECT_STREQ(test, amdgpu_svm_test_attr_dump(test, tree), before);
}

/* --- The change report ("triggers") --- */

/* SET one attribute on [start, last] and return the report. */
static void set1_report(struct kunit *test, struct amdgpu_svm_attr_tree *tree,
			unsigned long start, unsigned long last, u32 type,
			u32 value, struct amdgpu_svm_attr_changes *changes)
{
	struct drm_amdgpu_svm_attribute attr = { .type = type, .value = value };

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_attr_set(tree, start, last, &attr,
						     1, changes));
}

struct attr_trigger_case {
	const char *name;
	u32 type, value, trigger;
};

static const struct attr_trigger_case attr_trigger_cases[] = {
	{ "access", AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_IN_PLACE,
	  AMDGPU_SVM_ATTR_TRIGGER_ACCESS },
	{ "gpu_ro", AMDGPU_SVM_ATTR_GPU_RO, 1, AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS },
	{ "gpu_exec", AMDGPU_SVM_ATTR_GPU_EXEC, 1, AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS },
	{ "coherent", AMDGPU_SVM_ATTR_COHERENT, 0, AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS },
	{ "ext_coherent", AMDGPU_SVM_ATTR_EXT_COHERENT, 1,
	  AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS },
	{ "host_access", AMDGPU_SVM_ATTR_HOST_ACCESS, 0,
	  AMDGPU_SVM_ATTR_TRIGGER_MAP_FLAGS },
	{ "hive_local", AMDGPU_SVM_ATTR_HIVE_LOCAL, 1, AMDGPU_SVM_ATTR_TRIGGER_MAP_FLAGS },
	{ "read_mostly", AMDGPU_SVM_ATTR_GPU_READ_MOSTLY, 1,
	  AMDGPU_SVM_ATTR_TRIGGER_MAP_FLAGS },
	{ "preferred_loc", AMDGPU_SVM_ATTR_PREFERRED_LOC, 1,
	  AMDGPU_SVM_ATTR_TRIGGER_LOCATION },
	{ "granularity", AMDGPU_SVM_ATTR_GRANULARITY, 0,
	  AMDGPU_SVM_ATTR_TRIGGER_GRANULARITY },
	{ "prefetch_loc", AMDGPU_SVM_ATTR_PREFETCH_LOC, 1,
	  AMDGPU_SVM_ATTR_TRIGGER_PREFETCH },
};

static void attr_trigger_desc(const struct attr_trigger_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(attr_trigger, attr_trigger_cases, attr_trigger_desc);

static void attr_change_reports_its_trigger(struct kunit *test)
{
	const struct attr_trigger_case *c = test->param_value;
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attr_changes changes = {};

	set1_report(test, tree, 100, 199, c->type, c->value, &changes);
	KUNIT_ASSERT_EQ(test, changes.count, 1);
	KUNIT_EXPECT_EQ(test, changes.entries[0].start, 100);
	KUNIT_EXPECT_EQ(test, changes.entries[0].last, 199);
	KUNIT_EXPECT_EQ(test, changes.entries[0].triggers, c->trigger);
	KUNIT_EXPECT_TRUE(test, amdgpu_svm_attrs_equal(&changes.entries[0].old,
						       &tree->defaults));
	amdgpu_svm_attr_changes_free(&changes);
}

static void attr_unchanged_value_reports_nothing(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attr_changes changes = {};

	set1_report(test, tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO, 1, &changes);
	amdgpu_svm_attr_changes_free(&changes);
	set1_report(test, tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO, 1, &changes);
	KUNIT_EXPECT_EQ(test, changes.count, 0);
	amdgpu_svm_attr_changes_free(&changes);
	/* The default value over a gap changes nothing either. */
	set1_report(test, tree, 20, 29, AMDGPU_SVM_ATTR_COHERENT, 1, &changes);
	KUNIT_EXPECT_EQ(test, changes.count, 0);
	amdgpu_svm_attr_changes_free(&changes);
}

static void attr_prefetch_reported_even_if_unchanged(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attr_changes changes = {};

	set1_report(test, tree, 0, 9, AMDGPU_SVM_ATTR_PREFETCH_LOC, 1, &changes);
	amdgpu_svm_attr_changes_free(&changes);
	set1_report(test, tree, 0, 9, AMDGPU_SVM_ATTR_PREFETCH_LOC, 1, &changes);
	KUNIT_ASSERT_EQ(test, changes.count, 1);
	KUNIT_EXPECT_EQ(test, changes.entries[0].start, 0);
	KUNIT_EXPECT_EQ(test, changes.entries[0].last, 9);
	KUNIT_EXPECT_EQ(test, changes.entries[0].triggers,
			AMDGPU_SVM_ATTR_TRIGGER_PREFETCH);
	KUNIT_EXPECT_EQ(test, changes.entries[0].new.prefetch_loc, 1);
	amdgpu_svm_attr_changes_free(&changes);
}

static void attr_prefetch_undefined_is_no_prefetch(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attr_changes changes = {};

	set1_report(test, tree, 0, 9, AMDGPU_SVM_ATTR_PREFETCH_LOC, UNDEF, &changes);
	KUNIT_EXPECT_EQ(test, changes.count, 0);
	amdgpu_svm_attr_changes_free(&changes);
	KUNIT_EXPECT_EQ(test, get1(test, tree, 0, 9, AMDGPU_SVM_ATTR_PREFETCH_LOC), UNDEF);
}

static void attr_report_per_uniform_subrange(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attr_changes changes = {};
	struct amdgpu_svm_attr_change *e;

	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO, 1));
	set1_report(test, tree, 5, 19, AMDGPU_SVM_ATTR_GPU_EXEC, 1, &changes);
	KUNIT_ASSERT_EQ(test, changes.count, 2);
	e = changes.entries;
	KUNIT_EXPECT_EQ(test, e[0].start, 5);
	KUNIT_EXPECT_EQ(test, e[0].last, 9);
	KUNIT_EXPECT_EQ(test, e[0].old.flags & AMDGPU_SVM_FLAG_GPU_RO,
			AMDGPU_SVM_FLAG_GPU_RO);
	KUNIT_EXPECT_EQ(test, e[0].new.flags & AMDGPU_SVM_FLAG_GPU_EXEC,
			AMDGPU_SVM_FLAG_GPU_EXEC);
	KUNIT_EXPECT_EQ(test, e[1].start, 10);
	KUNIT_EXPECT_EQ(test, e[1].last, 19);
	KUNIT_EXPECT_EQ(test, e[1].old.flags & AMDGPU_SVM_FLAG_GPU_RO, 0);
	KUNIT_EXPECT_EQ(test, e[0].triggers, AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS);
	KUNIT_EXPECT_EQ(test, e[1].triggers, AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS);
	amdgpu_svm_attr_changes_free(&changes);
}

static void attr_report_coalesces_equal_tiles(struct kunit *test)
{
	struct amdgpu_svm_attr_tree *tree = test->priv;
	struct amdgpu_svm_attr_changes changes = {};

	/* A node explicitly set to the defaults, next to a gap. */
	KUNIT_ASSERT_EQ(test, 0, set1(tree, 0, 9, AMDGPU_SVM_ATTR_GPU_RO, 0));
	KUNIT_EXPECT_EQ(test, node_count(tree), 1);
	set1_report(test, tree, 0, 19, AMDGPU_SVM_ATTR_GPU_EXEC, 1, &changes);
	KUNIT_ASSERT_EQ(test, changes.count, 1);
	KUNIT_EXPECT_EQ(test, changes.entries[0].start, 0);
	KUNIT_EXPECT_EQ(test, changes.entries[0].last, 19);
	amdgpu_svm_attr_changes_free(&changes);
	/* And the tree merged the two into one node. */
	KUNIT_EXPECT_EQ(test, node_count(tree), 1);
}

static struct kunit_case amdgpu_svm_attr_cases[] = {
	KUNIT_CASE(attr_defaults_xnack_on),
	KUNIT_CASE(attr_defaults_xnack_off_inaccessible),
	KUNIT_CASE(attr_set_makes_one_node),
	KUNIT_CASE(attr_split_at_head),
	KUNIT_CASE(attr_split_at_tail),
	KUNIT_CASE(attr_split_in_middle),
	KUNIT_CASE(attr_merge_equal_neighbours),
	KUNIT_CASE(attr_merge_after_undo),
	KUNIT_CASE(attr_overlapping_sets),
	KUNIT_CASE(attr_set_fills_gaps),
	KUNIT_CASE(attr_node_limit),
	KUNIT_CASE(attr_later_entry_wins),
	KUNIT_CASE(attr_get_mixed_location_is_undefined),
	KUNIT_CASE(attr_get_mixed_granularity_is_minimum),
	KUNIT_CASE(attr_get_mixed_boolean_is_and),
	KUNIT_CASE(attr_get_mixed_access_is_most_restrictive),
	KUNIT_CASE(attr_get_fills_every_entry),
	KUNIT_CASE(attr_reset_whole_range),
	KUNIT_CASE(attr_reset_middle_splits),
	KUNIT_CASE(attr_reset_across_nodes_and_gaps),
	KUNIT_CASE(attr_lookup_extents),
	KUNIT_CASE_PARAM(attr_set_invalid_changes_nothing, attr_invalid_gen_params),
	KUNIT_CASE(attr_get_invalid_type_leaves_array),
	KUNIT_CASE(attr_reset_invalid_range_changes_nothing),
	KUNIT_CASE_PARAM(attr_change_reports_its_trigger, attr_trigger_gen_params),
	KUNIT_CASE(attr_unchanged_value_reports_nothing),
	KUNIT_CASE(attr_prefetch_reported_even_if_unchanged),
	KUNIT_CASE(attr_prefetch_undefined_is_no_prefetch),
	KUNIT_CASE(attr_report_per_uniform_subrange),
	KUNIT_CASE(attr_report_coalesces_equal_tiles),
	{}
};

static struct kunit_suite amdgpu_svm_attr_suite = {
	.name = "amdgpu_svm_attr",
	.init = attr_tree_init,
	.test_cases = amdgpu_svm_attr_cases,
};

kunit_test_suite(amdgpu_svm_attr_suite);
