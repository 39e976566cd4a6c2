// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Model test of the SVM attribute tree: thousands of random SET, GET and
 * RESET calls on a small address space, each checked page by page against
 * a plain array that applies the uAPI rules directly.  The change report
 * of every SET and RESET is checked page by page too.  The seed is fixed
 * and printed with any failure, so a failure replays.
 */

#include <kunit/test.h>
#include <linux/minmax.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include <drm/amdgpu_drm.h>

#include "../amdgpu_svm_attr.h"

#define MODEL_BASE	4096UL	/* first page of the modelled space */
#define MODEL_PAGES	64UL
#define MODEL_OPS	5000
#define MODEL_SEED	0x5eed2026u

struct attr_model {
	struct kunit *test;
	struct amdgpu_svm_attr_tree tree;
	struct amdgpu_svm_attrs page[MODEL_PAGES];
	struct amdgpu_svm_attrs old[MODEL_PAGES];
	u32 expect[MODEL_PAGES];	/* expected triggers of the last call */
	struct rnd_state rnd;
	unsigned int op;
	bool failed;
};

static __printf(2, 3) void model_fail(struct attr_model *m, const char *fmt,
				       ...)
{
	va_list args;
	char *msg;

	va_start(args, fmt);
	msg = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	KUNIT_FAIL(m->test, "seed %#x op %u: %s", MODEL_SEED, m->op,
		   msg ?: fmt);
	kfree(msg);
	m->failed = true;
}

static u32 rnd(struct attr_model *m, u32 n)
{
	return prandom_u32_state(&m->rnd) % n;
}

static bool attrs_eq(const struct amdgpu_svm_attrs *a,
		     const struct amdgpu_svm_attrs *b)
{
	return a->preferred_loc == b->preferred_loc &&
	       a->prefetch_loc == b->prefetch_loc && a->flags == b->flags &&
	       a->access == b->access && a->granularity == b->granularity;
}

/* The uAPI's rules, written out independently of the implementation. */
static void model_apply(struct amdgpu_svm_attrs *a,
			const struct drm_amdgpu_svm_attribute *attr)
{
	switch (attr->type) {
	case AMDGPU_SVM_ATTR_PREFERRED_LOC:
		a->preferred_loc = attr->value;
		break;
	case AMDGPU_SVM_ATTR_PREFETCH_LOC:
		a->prefetch_loc = attr->value;
		break;
	case AMDGPU_SVM_ATTR_ACCESS:
		a->access = attr->value;
		break;
	case AMDGPU_SVM_ATTR_GRANULARITY:
		a->granularity = attr->value;
		break;
	default:
		if (attr->value)
			a->flags |= BIT(attr->type - AMDGPU_SVM_ATTR_HOST_ACCESS);
		else
			a->flags &= ~BIT(attr->type - AMDGPU_SVM_ATTR_HOST_ACCESS);
	}
}

static u32 model_triggers(const struct amdgpu_svm_attrs *o,
			  const struct amdgpu_svm_attrs *n)
{
	const u32 pte = AMDGPU_SVM_FLAG_GPU_RO | AMDGPU_SVM_FLAG_GPU_EXEC |
			AMDGPU_SVM_FLAG_COHERENT | AMDGPU_SVM_FLAG_EXT_COHERENT;
	u32 t = 0;

	if (o->access != n->access)
		t |= AMDGPU_SVM_ATTR_TRIGGER_ACCESS;
	if ((o->flags ^ n->flags) & pte)
		t |= AMDGPU_SVM_ATTR_TRIGGER_PTE_FLAGS;
	if ((o->flags ^ n->flags) & ~pte)
		t |= AMDGPU_SVM_ATTR_TRIGGER_MAP_FLAGS;
	if (o->preferred_loc != n->preferred_loc)
		t |= AMDGPU_SVM_ATTR_TRIGGER_LOCATION;
	if (o->granularity != n->granularity)
		t |= AMDGPU_SVM_ATTR_TRIGGER_GRANULARITY;
	return t;
}

static u32 rnd_location(struct attr_model *m)
{
	static const u32 locs[] = {
		AMDGPU_SVM_LOCATION_SYSMEM, AMDGPU_SVM_LOCATION_UNDEFINED,
		1, 0x1002,
	};

	return locs[rnd(m, ARRAY_SIZE(locs))];
}

static struct drm_amdgpu_svm_attribute rnd_attr(struct attr_model *m)
{
	struct drm_amdgpu_svm_attribute a = {
		.type = rnd(m, AMDGPU_SVM_ATTR_GPU_READ_MOSTLY + 1),
	};

	switch (a.type) {
	case AMDGPU_SVM_ATTR_PREFERRED_LOC:
	case AMDGPU_SVM_ATTR_PREFETCH_LOC:
		a.value = rnd_location(m);
		break;
	case AMDGPU_SVM_ATTR_ACCESS:
		a.value = rnd(m, AMDGPU_SVM_ACCESS_ALLOW_MIGRATE + 1);
		break;
	case AMDGPU_SVM_ATTR_GRANULARITY:
		a.value = rnd(m, AMDGPU_SVM_MAX_GRANULARITY + 1);
		break;
	default:
		a.value = rnd(m, 2);
	}
	return a;
}

/* An entry no valid array may hold. */
static struct drm_amdgpu_svm_attribute rnd_bad_attr(struct attr_model *m)
{
	switch (rnd(m, 4)) {
	case 0:
		return (struct drm_amdgpu_svm_attribute) { 11 + rnd(m, 100), 0 };
	case 1:
		return (struct drm_amdgpu_svm_attribute) {
			AMDGPU_SVM_ATTR_ACCESS, 3 + rnd(m, 100) };
	case 2:
		return (struct drm_amdgpu_svm_attribute) {
			AMDGPU_SVM_ATTR_GRANULARITY,
			AMDGPU_SVM_MAX_GRANULARITY + 1 + rnd(m, 100) };
	default:
		return (struct drm_amdgpu_svm_attribute) {
			AMDGPU_SVM_ATTR_HOST_ACCESS + rnd(m, 7), 2 + rnd(m, 100) };
	}
}

/* A random range in the modelled space, as page indices [*a, *b]. */
static void rnd_range(struct attr_model *m, unsigned long *a, unsigned long *b)
{
	unsigned long x = rnd(m, MODEL_PAGES), y = rnd(m, MODEL_PAGES);

	*a = min(x, y);
	*b = max(x, y);
}

/* Check the report of the last call against m->expect[a..b]. */
static void check_report(struct attr_model *m,
			 const struct amdgpu_svm_attr_changes *changes,
			 unsigned long a, unsigned long b)
{
	bool seen[MODEL_PAGES] = {};
	unsigned long next = 0, p;
	unsigned int i;

	for (i = 0; i < changes->count; i++) {
		const struct amdgpu_svm_attr_change *e = &changes->entries[i];

		if (e->start < MODEL_BASE + a || e->last > MODEL_BASE + b ||
		    e->start > e->last || e->start < next) {
			model_fail(m, "report entry %u [%lu, %lu] out of place",
				   i, e->start, e->last);
			return;
		}
		next = e->last + 1;
		for (p = e->start - MODEL_BASE; p <= e->last - MODEL_BASE; p++) {
			seen[p] = true;
			if (e->triggers != m->expect[p] ||
			    !attrs_eq(&e->old, &m->old[p]) ||
			    !attrs_eq(&e->new, &m->page[p])) {
				model_fail(m, "page %lu reported %#x, expected %#x",
					   p, e->triggers, m->expect[p]);
				return;
			}
		}
	}
	for (p = a; p <= b; p++) {
		if (!seen[p] && m->expect[p]) {
			model_fail(m, "page %lu not reported (expected %#x)",
				   p, m->expect[p]);
			return;
		}
	}
}

static void op_set(struct attr_model *m)
{
	struct drm_amdgpu_svm_attribute attrs[4];
	struct amdgpu_svm_attr_changes changes = {};
	unsigned int n = 1 + rnd(m, ARRAY_SIZE(attrs)), i;
	bool prefetch = false;
	unsigned long a, b, p;
	int ret;

	rnd_range(m, &a, &b);
	for (i = 0; i < n; i++) {
		attrs[i] = rnd_attr(m);
		if (attrs[i].type == AMDGPU_SVM_ATTR_PREFETCH_LOC)
			prefetch = attrs[i].value != AMDGPU_SVM_LOCATION_UNDEFINED;
	}

	ret = amdgpu_svm_attr_set(&m->tree, MODEL_BASE + a, MODEL_BASE + b,
				  attrs, n, &changes);
	if (ret) {
		model_fail(m, "SET [%lu, %lu] returned %d", a, b, ret);
		return;
	}

	for (p = a; p <= b; p++) {
		m->old[p] = m->page[p];
		for (i = 0; i < n; i++)
			model_apply(&m->page[p], &attrs[i]);
		m->expect[p] = model_triggers(&m->old[p], &m->page[p]) |
			       (prefetch ? AMDGPU_SVM_ATTR_TRIGGER_PREFETCH : 0);
	}
	check_report(m, &changes, a, b);
	amdgpu_svm_attr_changes_free(&changes);
}

static void op_set_invalid(struct attr_model *m)
{
	struct drm_amdgpu_svm_attribute attrs[3];
	struct amdgpu_svm_attr_changes changes = {};
	unsigned long a, b;
	int ret;

	rnd_range(m, &a, &b);
	attrs[0] = rnd_attr(m);
	attrs[1] = rnd_attr(m);
	attrs[2] = rnd_attr(m);
	attrs[rnd(m, 3)] = rnd_bad_attr(m);
	ret = amdgpu_svm_attr_set(&m->tree, MODEL_BASE + a, MODEL_BASE + b,
				  attrs, 3, &changes);
	if (ret != -EINVAL)
		model_fail(m, "invalid SET returned %d", ret);
	if (changes.entries)
		model_fail(m, "invalid SET left a report");
	/* The page-by-page check after the call proves nothing changed. */
}

static void op_reset(struct attr_model *m)
{
	struct amdgpu_svm_attr_changes changes = {};
	unsigned long a, b, p;
	int ret;

	rnd_range(m, &a, &b);
	ret = amdgpu_svm_attr_reset(&m->tree, MODEL_BASE + a, MODEL_BASE + b,
				    &changes);
	if (ret) {
		model_fail(m, "RESET returned %d", ret);
		return;
	}
	for (p = a; p <= b; p++) {
		m->old[p] = m->page[p];
		m->page[p] = m->tree.defaults;
		m->expect[p] = model_triggers(&m->old[p], &m->page[p]);
	}
	check_report(m, &changes, a, b);
	amdgpu_svm_attr_changes_free(&changes);
}

static void op_get(struct attr_model *m)
{
	struct drm_amdgpu_svm_attribute attrs[AMDGPU_SVM_ATTR_GPU_READ_MOSTLY + 1];
	struct amdgpu_svm_attrs want = {};
	unsigned long a, b, p;
	u32 t;
	int ret;

	rnd_range(m, &a, &b);
	for (t = 0; t < ARRAY_SIZE(attrs); t++)
		attrs[t] = (struct drm_amdgpu_svm_attribute) { .type = t };

	for (p = a; p <= b; p++) {
		const struct amdgpu_svm_attrs *pa = &m->page[p];

		if (p == a) {
			want = *pa;
			continue;
		}
		if (want.preferred_loc != pa->preferred_loc)
			want.preferred_loc = AMDGPU_SVM_LOCATION_UNDEFINED;
		if (want.prefetch_loc != pa->prefetch_loc)
			want.prefetch_loc = AMDGPU_SVM_LOCATION_UNDEFINED;
		want.granularity = min(want.granularity, pa->granularity);
		want.access = min(want.access, pa->access);
		want.flags &= pa->flags;
	}

	ret = amdgpu_svm_attr_get(&m->tree, MODEL_BASE + a, MODEL_BASE + b,
				  attrs, ARRAY_SIZE(attrs));
	if (ret) {
		model_fail(m, "GET returned %d", ret);
		return;
	}
	for (t = 0; t < ARRAY_SIZE(attrs); t++) {
		struct amdgpu_svm_attrs got = want;

		if (t >= AMDGPU_SVM_ATTR_HOST_ACCESS && attrs[t].value > 1) {
			model_fail(m, "GET type %u read %#x, not a boolean", t,
				   attrs[t].value);
			return;
		}
		model_apply(&got, &attrs[t]);
		if (!attrs_eq(&got, &want)) {
			model_fail(m, "GET [%lu, %lu] type %u read %#x", a, b, t,
				   attrs[t].value);
			return;
		}
	}
}

/* Every page as the model says; nodes ordered, disjoint and maximal. */
static void check_tree(struct attr_model *m)
{
	struct interval_tree_node *it, *prev = NULL;
	struct amdgpu_svm_attrs attrs;
	unsigned long s, l, p;

	for (p = 0; p < MODEL_PAGES; p++) {
		amdgpu_svm_attr_lookup(&m->tree, MODEL_BASE + p, &attrs, &s, &l);
		if (!attrs_eq(&attrs, &m->page[p]) || s > MODEL_BASE + p ||
		    l < MODEL_BASE + p) {
			model_fail(m, "page %lu differs from the model", p);
			return;
		}
	}
	amdgpu_svm_attr_lookup(&m->tree, MODEL_BASE - 1, &attrs, &s, &l);
	if (!attrs_eq(&attrs, &m->tree.defaults))
		model_fail(m, "the page before the space changed");
	amdgpu_svm_attr_lookup(&m->tree, MODEL_BASE + MODEL_PAGES, &attrs, &s, &l);
	if (!attrs_eq(&attrs, &m->tree.defaults))
		model_fail(m, "the page after the space changed");

	for (it = interval_tree_iter_first(&m->tree.root, 0, ULONG_MAX); it;
	     prev = it, it = interval_tree_iter_next(it, 0, ULONG_MAX)) {
		struct amdgpu_svm_attr_range *r, *q;

		if (it->start > it->last || (prev && prev->last >= it->start)) {
			model_fail(m, "node [%lu, %lu] overlaps or is empty",
				   it->start, it->last);
			return;
		}
		if (!prev || prev->last + 1 != it->start)
			continue;
		r = container_of(it, struct amdgpu_svm_attr_range, it);
		q = container_of(prev, struct amdgpu_svm_attr_range, it);
		if (attrs_eq(&r->attrs, &q->attrs)) {
			model_fail(m, "equal neighbours at %lu not merged",
				   it->start);
			return;
		}
	}
}

static void attr_model_random_ops(struct kunit *test, bool xnack_on)
{
	struct attr_model *m;
	unsigned int p;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->test = test;
	prandom_seed_state(&m->rnd, MODEL_SEED);
	amdgpu_svm_attr_tree_init(&m->tree, xnack_on);
	for (p = 0; p < MODEL_PAGES; p++)
		m->page[p] = m->tree.defaults;

	for (m->op = 0; m->op < MODEL_OPS && !m->failed; m->op++) {
		u32 dice = rnd(m, 100);

		if (dice < 45)
			op_set(m);
		else if (dice < 55)
			op_set_invalid(m);
		else if (dice < 85)
			op_get(m);
		else
			op_reset(m);
		if (!m->failed)
			check_tree(m);
	}
	amdgpu_svm_attr_tree_fini(&m->tree);
}

static void attr_model_xnack_on(struct kunit *test)
{
	attr_model_random_ops(test, true);
}

static void attr_model_xnack_off(struct kunit *test)
{
	attr_model_random_ops(test, false);
}

static struct kunit_case amdgpu_svm_attr_model_cases[] = {
	KUNIT_CASE(attr_model_xnack_on),
	KUNIT_CASE(attr_model_xnack_off),
	{}
};

static struct kunit_suite amdgpu_svm_attr_model_suite = {
	.name = "amdgpu_svm_attr_model",
	.test_cases = amdgpu_svm_attr_model_cases,
};

kunit_test_suite(amdgpu_svm_attr_model_suite);
