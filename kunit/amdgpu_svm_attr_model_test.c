// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Model test of the SVM attribute tree: thousands of random SET, GET and
 * RESET calls on a small address space, each checked page by page against
 * a plain array that applies the uAPI rules directly.  The change report
 * of every SET and RESET is checked page by page too.  The seed is fixed
 * and printed with any failure, so a failure replays.
 *
 * The same model then checks the uAPI: tens of thousands of calls of the
 * real ioctl on a simulated device, valid ones with the array in user
 * memory and malformed ones (operations, ranges, counts, pointers to
 * kernel, unmapped and read-only memory, arrays with one bad entry),
 * interleaved with GPU accesses to the pages: every malformed call fails
 * with an error of the documented set and changes nothing.
 */

#include <kunit/test.h>
#include <linux/minmax.h>
#include <linux/mman.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include <drm/amdgpu_drm.h>

#include "../amdgpu.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_attr.h"
#include "amdgpu_svm_test.h"

#define MODEL_BASE	4096UL	/* first page of the tree's modelled space */
#define MODEL_PAGES	64UL
#define MODEL_OPS	5000
#define MODEL_SEED	0x5eed2026u

struct attr_model {
	struct kunit *test;
	/* the tree the calls change: @own, or the SVM's through the ioctl */
	struct amdgpu_svm_attr_tree *tree;
	struct amdgpu_svm_attr_tree own;
	/* the ioctl's device, or NULL; the first page of the space */
	struct amdgpu_svm_test_dev *tdev;
	unsigned long base;
	/* user memory: the attribute array, and a read-only page */
	struct drm_amdgpu_svm_attribute __user *uattrs;
	unsigned long ro_page;
	/* malformed calls and GPU accesses made, for the log */
	unsigned int bad_calls, gpu_accesses;
	struct amdgpu_svm_attrs page[MODEL_PAGES];
	struct amdgpu_svm_attrs old[MODEL_PAGES];
	u32 expect[MODEL_PAGES];	/* expected triggers of the last call */
	struct rnd_state rnd;
	unsigned int op;
	/* the seed: MODEL_SEED, plus the fuzzer's round */
	u32 seed;
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
	KUNIT_FAIL(m->test, "seed %#x op %u: %s", m->seed, m->op,
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

		if (e->start < m->base + a || e->last > m->base + b ||
		    e->start > e->last || e->start < next) {
			model_fail(m, "report entry %u [%lu, %lu] out of place",
				   i, e->start, e->last);
			return;
		}
		next = e->last + 1;
		for (p = e->start - m->base; p <= e->last - m->base; p++) {
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

/*
 * The ioctl on pages [@a, @b] of the space, the @n entries of @attrs in
 * user memory (read back after a GET).
 */
static int model_ioctl(struct attr_model *m, u32 op, unsigned long a,
		       unsigned long b, struct drm_amdgpu_svm_attribute *attrs,
		       u32 n)
{
	struct drm_amdgpu_gem_svm args = {
		.start_addr = (m->base + a) << PAGE_SHIFT,
		.size = (b - a + 1) << PAGE_SHIFT,
		.operation = op,
		.nattr = n,
		.attrs_ptr = (uintptr_t)m->uattrs,
	};
	int ret;

	if (n && copy_to_user(m->uattrs, attrs, n * sizeof(*attrs)))
		return -EFAULT;
	ret = amdgpu_gem_svm_ioctl(m->tdev->drm, &args, m->tdev->file);
	if (!ret && op == AMDGPU_SVM_OP_GET_ATTR &&
	    copy_from_user(attrs, m->uattrs, n * sizeof(*attrs)))
		return -EFAULT;
	return ret;
}

/* SET on the tree, or through the ioctl (which reports no changes). */
static int model_set(struct attr_model *m, unsigned long a, unsigned long b,
		     struct drm_amdgpu_svm_attribute *attrs, u32 n,
		     struct amdgpu_svm_attr_changes *changes)
{
	if (m->tdev)
		return model_ioctl(m, AMDGPU_SVM_OP_SET_ATTR, a, b, attrs, n);
	return amdgpu_svm_attr_set(m->tree, m->base + a, m->base + b, attrs, n,
				   changes);
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

	ret = model_set(m, a, b, attrs, n, &changes);
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
	if (!m->tdev)
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
	ret = model_set(m, a, b, attrs, 3, &changes);
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
	if (m->tdev)
		ret = model_ioctl(m, AMDGPU_SVM_OP_RESET_ATTR, a, b, NULL, 0);
	else
		ret = amdgpu_svm_attr_reset(m->tree, m->base + a, m->base + b,
					    &changes);
	if (ret) {
		model_fail(m, "RESET returned %d", ret);
		return;
	}
	for (p = a; p <= b; p++) {
		m->old[p] = m->page[p];
		m->page[p] = m->tree->defaults;
		m->expect[p] = model_triggers(&m->old[p], &m->page[p]);
	}
	if (!m->tdev)
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

	if (m->tdev)
		ret = model_ioctl(m, AMDGPU_SVM_OP_GET_ATTR, a, b, attrs,
				  ARRAY_SIZE(attrs));
	else
		ret = amdgpu_svm_attr_get(m->tree, m->base + a, m->base + b,
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
static void check_tree_locked(struct attr_model *m)
{
	struct interval_tree_node *it, *prev = NULL;
	struct amdgpu_svm_attrs attrs;
	unsigned long s, l, p;

	for (p = 0; p < MODEL_PAGES; p++) {
		amdgpu_svm_attr_lookup(m->tree, m->base + p, &attrs, &s, &l);
		if (!attrs_eq(&attrs, &m->page[p]) || s > m->base + p ||
		    l < m->base + p) {
			model_fail(m, "page %lu differs from the model", p);
			return;
		}
	}
	amdgpu_svm_attr_lookup(m->tree, m->base - 1, &attrs, &s, &l);
	if (!attrs_eq(&attrs, &m->tree->defaults))
		model_fail(m, "the page before the space changed");
	amdgpu_svm_attr_lookup(m->tree, m->base + MODEL_PAGES, &attrs, &s, &l);
	if (!attrs_eq(&attrs, &m->tree->defaults))
		model_fail(m, "the page after the space changed");

	for (it = interval_tree_iter_first(&m->tree->root, 0, ULONG_MAX); it;
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

static void check_tree(struct attr_model *m)
{
	struct amdgpu_svm *svm = m->tdev ? m->tdev->fpriv->vm.svm : NULL;

	if (svm)
		mutex_lock(&svm->lock);
	check_tree_locked(m);
	if (svm)
		mutex_unlock(&svm->lock);
}

static void attr_model_random_ops(struct kunit *test, bool xnack_on)
{
	struct attr_model *m;
	unsigned int p;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->test = test;
	m->tree = &m->own;
	m->base = MODEL_BASE;
	m->seed = MODEL_SEED;
	prandom_seed_state(&m->rnd, m->seed);
	amdgpu_svm_attr_tree_init(m->tree, xnack_on);
	for (p = 0; p < MODEL_PAGES; p++)
		m->page[p] = m->tree->defaults;

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
	amdgpu_svm_attr_tree_fini(m->tree);
}

static void attr_model_xnack_on(struct kunit *test)
{
	attr_model_random_ops(test, true);
}

static void attr_model_xnack_off(struct kunit *test)
{
	attr_model_random_ops(test, false);
}

/* --- The uAPI, fuzzed --- */

/*
 * 10,000 calls per XNACK mode, in rounds of their own seed and device, so
 * that no one case runs long enough (SDMA page tables in TCG make XNACK
 * off's maps slow) for the hung-task watchdog to report the KUnit runner.
 */
#define FUZZ_ROUNDS	4
#define FUZZ_OPS	(10000 / FUZZ_ROUNDS)

enum bad_kind {
	BAD_OPERATION, BAD_START, BAD_SIZE, BAD_RANGE, BAD_NATTR, BAD_ENTRY,
	BAD_NULL, BAD_POINTER, BAD_READ_ONLY, BAD_CROSSING, NR_BAD_KINDS
};

/*
 * A malformed call of one kind, the rest of it random and valid: it must
 * fail with -EINVAL or -EFAULT (the documented set) and change nothing,
 * which the page-by-page check after it proves.
 */
static void op_bad(struct attr_model *m)
{
	struct drm_amdgpu_svm_attribute attrs[AMDGPU_SVM_MAX_ATTRS];
	enum bad_kind kind = rnd(m, NR_BAD_KINDS);
	u32 n = 1 + rnd(m, ARRAY_SIZE(attrs)), i;
	struct drm_amdgpu_gem_svm args;
	unsigned long a, b;
	int ret;

	rnd_range(m, &a, &b);
	for (i = 0; i < n; i++)
		attrs[i] = rnd_attr(m);
	args = (struct drm_amdgpu_gem_svm) {
		.start_addr = (m->base + a) << PAGE_SHIFT,
		.size = (b - a + 1) << PAGE_SHIFT,
		.operation = rnd(m, 2) ? AMDGPU_SVM_OP_SET_ATTR :
			     AMDGPU_SVM_OP_GET_ATTR,
		.nattr = n,
		.attrs_ptr = (uintptr_t)m->uattrs,
	};
	switch (kind) {
	case BAD_OPERATION:
		args.operation = 3 + rnd(m, U32_MAX - 3);
		break;
	case BAD_START:
		args.start_addr += 1 + rnd(m, PAGE_SIZE - 1);
		break;
	case BAD_SIZE:
		args.size = rnd(m, 2) ? 0 : args.size - 1 - rnd(m, PAGE_SIZE - 1);
		break;
	case BAD_RANGE:
		/* Wrapping around, or beyond user space, or at 0. */
		if (rnd(m, 3) == 0)
			args.start_addr = -(u64)PAGE_SIZE * (1 + rnd(m, 16));
		else if (rnd(m, 2))
			args.start_addr = 1ULL << (48 + rnd(m, 16));
		else
			args.start_addr = 0;
		break;
	case BAD_NATTR:
		args.nattr = rnd(m, 2) ? 0 : AMDGPU_SVM_MAX_ATTRS + 1 +
					    rnd(m, 1000);
		break;
	case BAD_ENTRY:
		args.operation = AMDGPU_SVM_OP_SET_ATTR;
		attrs[rnd(m, n)] = rnd_bad_attr(m);
		break;
	case BAD_NULL:
		args.attrs_ptr = 0;
		break;
	case BAD_POINTER:
		/* The kernel's own memory, or below mmap_min_addr. */
		args.attrs_ptr = rnd(m, 2) ? (uintptr_t)m : 8 + rnd(m, 4000);
		break;
	case BAD_READ_ONLY:
		args.operation = AMDGPU_SVM_OP_GET_ATTR;
		args.attrs_ptr = m->ro_page;
		break;
	default:
		/* An array that runs into the unmapped page after its own. */
		args.nattr = max(n, 2u);
		args.attrs_ptr = (uintptr_t)m->uattrs + PAGE_SIZE -
				 sizeof(*attrs) * (args.nattr - 1);
		break;
	}
	if (copy_to_user(m->uattrs, attrs, n * sizeof(*attrs))) {
		model_fail(m, "the test's own array is not writable");
		return;
	}
	ret = amdgpu_gem_svm_ioctl(m->tdev->drm, &args, m->tdev->file);
	if (ret != -EINVAL && ret != -EFAULT)
		model_fail(m, "malformed call (kind %u, op %u, [%llx +%llx], %u at %llx): %d",
			   kind, args.operation, args.start_addr, args.size,
			   args.nattr, args.attrs_ptr, ret);
	m->bad_calls++;
}

/* A GPU read or write of a word of the space: whatever the attributes allow. */
static void op_gpu(struct attr_model *m)
{
	unsigned long addr = (m->base + rnd(m, MODEL_PAGES)) << PAGE_SHIFT;
	u32 v = prandom_u32_state(&m->rnd);

	amdgpu_svm_test_gpu_access(m->tdev, addr + 4 * rnd(m, 1024), &v,
				   sizeof(v), rnd(m, 2));
	m->gpu_accesses++;
}

struct fuzz_round {
	bool xnack_on;
	unsigned int round;
};

static const struct fuzz_round fuzz_rounds[] = {
	{ true, 0 }, { true, 1 }, { true, 2 }, { true, 3 },
	{ false, 0 }, { false, 1 }, { false, 2 }, { false, 3 },
};

static void fuzz_round_desc(const struct fuzz_round *r, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "xnack %s, round %u of %u",
		 r->xnack_on ? "on" : "off", r->round + 1, FUZZ_ROUNDS);
}

KUNIT_ARRAY_PARAM(fuzz_round, fuzz_rounds, fuzz_round_desc);

/*
 * FUZZ_OPS calls of the real ioctl on a simulated device, over 64 pages of
 * real user memory: valid SET, GET and RESET calls checked against the
 * model as above, invalid arrays, malformed calls of every kind, and GPU
 * accesses; after each the SVM's tree equals the model page by page.
 */
static void attr_model_fuzz(struct kunit *test)
{
	const struct fuzz_round *r = test->param_value;
	struct attr_model *m;
	unsigned long buf, p;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->test = test;
	m->seed = MODEL_SEED + r->round;
	prandom_seed_state(&m->rnd, m->seed);
	m->tdev = amdgpu_svm_test_dev_create(test, r->xnack_on);
	buf = amdgpu_svm_test_user_buffer(test, MODEL_PAGES * PAGE_SIZE, 0xf022);
	m->base = buf >> PAGE_SHIFT;
	/* The read-only page first: it must not fill the hole made below. */
	m->ro_page = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ,
				   MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, m->ro_page && m->ro_page < TASK_SIZE);
	m->uattrs = (void __user *)kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE,
						 PROT_READ | PROT_WRITE,
						 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, (unsigned long)m->uattrs &&
			  (unsigned long)m->uattrs < TASK_SIZE);
	KUNIT_ASSERT_EQ(test, 0, vm_munmap((unsigned long)m->uattrs + PAGE_SIZE,
					   PAGE_SIZE));

	/* The first call makes the SVM, whose tree the model follows. */
	KUNIT_ASSERT_EQ(test, 0, model_ioctl(m, AMDGPU_SVM_OP_RESET_ATTR, 0,
					     MODEL_PAGES - 1, NULL, 0));
	m->tree = &m->tdev->fpriv->vm.svm->attrs;
	m->tdev->fpriv->vm.svm->restore.delay = 3600 * HZ;
	for (p = 0; p < MODEL_PAGES; p++)
		m->page[p] = m->tree->defaults;

	for (m->op = 0; m->op < FUZZ_OPS && !m->failed; m->op++) {
		u32 dice = rnd(m, 100);

		if (dice < 30)
			op_set(m);
		else if (dice < 38)
			op_set_invalid(m);
		else if (dice < 58)
			op_get(m);
		else if (dice < 65)
			op_reset(m);
		else if (dice < 92)
			op_bad(m);
		else
			op_gpu(m);
		if (!m->failed)
			check_tree(m);
	}
	kunit_info(test, "%u calls: %u malformed, %u GPU accesses, %lu pages checked after each\n",
		   m->op, m->bad_calls, m->gpu_accesses, MODEL_PAGES);
}

static struct kunit_case amdgpu_svm_attr_model_cases[] = {
	KUNIT_CASE(attr_model_xnack_on),
	KUNIT_CASE(attr_model_xnack_off),
	KUNIT_CASE_PARAM_ATTR(attr_model_fuzz, fuzz_round_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite amdgpu_svm_attr_model_suite = {
	.name = "amdgpu_svm_attr_model",
	.test_cases = amdgpu_svm_attr_model_cases,
};

kunit_test_suite(amdgpu_svm_attr_model_suite);
