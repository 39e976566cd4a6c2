// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite that runs the SVM under concurrency: kernel threads sharing
 * the test's address space fault the model GPU in, write with the CPU,
 * munmap and mmap parts of the buffer and change attributes, all at once,
 * for a bounded time.  Afterwards the GPU page table must agree with the
 * CPU's: every valid PTE points at the page the CPU has at that address
 * (so at no freed page), carries no more permission than the attributes
 * and the VMA allow, and the bytes the GPU reads are the CPU's.  Lockdep,
 * KASAN and the atomic-sleep checks watch throughout.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>

#include "../amdgpu.h"
#include "../amdgpu_migrate.h"
#include "../amdgpu_object.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_attr.h"
#include "amdgpu_svm_sim.h"
#include "amdgpu_svm_test.h"

#define STRESS_SIZE	SZ_8M
#define STRESS_MS	3000

enum stress_kind { GPU, CPU, CHURN, ATTRS, NR_KINDS };

static const char * const kind_names[NR_KINDS] = {
	"gpu access", "cpu write", "munmap+mmap", "attribute set",
};

struct stress {
	struct kunit *test;
	struct amdgpu_svm_test_dev *tdev;
	struct mm_struct *mm;
	unsigned long buf;
	atomic_t ops[NR_KINDS];
	/* Errors no racing operation explains; the last one seen. */
	atomic_t unexpected;
	int last_unexpected;
};

struct stress_thread {
	struct stress *s;
	enum stress_kind kind;
	struct rnd_state rnd;
	struct task_struct *task;
};

static unsigned long rnd_below(struct stress_thread *t, unsigned long n)
{
	return prandom_u32_state(&t->rnd) % n;
}

static void note_error(struct stress *s, int ret, const int *expected,
		       unsigned int n)
{
	unsigned int i;

	if (!ret)
		return;
	/*
	 * kthread_stop() makes a signal pending (TIF_NOTIFY_SIGNAL): an
	 * interruptible wait the stop caught in (the VM reservation) returns
	 * -EINTR, as it would for a signal to a user thread.
	 */
	if (ret == -EINTR && kthread_should_stop())
		return;
	for (i = 0; i < n; i++)
		if (ret == expected[i])
			return;
	atomic_inc(&s->unexpected);
	WRITE_ONCE(s->last_unexpected, ret);
}

/*
 * A GPU read or write of a word: the page may be unmapped (-EFAULT), made
 * inaccessible (-EACCES) or read-only (-EPERM) by the other threads, or
 * invalidated again between the fault and the retry (-EFAULT, -EAGAIN).
 * Where a fault was refused, amdgpu left its no-retry PTE: accesses of
 * that page are fatal (-EIO) until its range is mapped again.
 */
static void step_gpu(struct stress_thread *t)
{
	static const int expected[] = { -EFAULT, -ENOENT, -EACCES, -EPERM,
					-EAGAIN, -EIO };
	struct stress *s = t->s;
	unsigned long addr = s->buf + (rnd_below(t, STRESS_SIZE) & ~3ul);
	bool write = rnd_below(t, 4) == 0;
	u32 v = prandom_u32_state(&t->rnd);

	note_error(s, amdgpu_svm_test_gpu_access(s->tdev, addr, &v, sizeof(v),
						 write),
		   expected, ARRAY_SIZE(expected));
}

static void step_cpu(struct stress_thread *t)
{
	struct stress *s = t->s;
	unsigned long addr = s->buf + (rnd_below(t, STRESS_SIZE) & ~3ul);

	/* -EFAULT while the page is unmapped is fine. */
	if (put_user(prandom_u32_state(&t->rnd), (u32 __user *)addr))
		return;
	/* Cheap next to the others: leave them the CPUs now and then. */
	if (!rnd_below(t, 16))
		usleep_range(100, 200);
}

static void step_churn(struct stress_thread *t)
{
	struct stress *s = t->s;
	unsigned long len = (1 + rnd_below(t, 16)) * SZ_64K;
	unsigned long addr = s->buf + rnd_below(t, (STRESS_SIZE - len) / SZ_64K + 1) *
			     SZ_64K;

	if (vm_munmap(addr, len) ||
	    vm_mmap(NULL, addr, len, PROT_READ | PROT_WRITE,
		    MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0) != addr) {
		atomic_inc(&s->unexpected);
		WRITE_ONCE(s->last_unexpected, -ENOMEM);
	}
}

static void step_attrs(struct stress_thread *t)
{
	struct stress *s = t->s;
	unsigned long len = (1 + rnd_below(t, 64)) * PAGE_SIZE;
	unsigned long addr = s->buf +
			     rnd_below(t, (STRESS_SIZE - len) / PAGE_SIZE + 1) *
			     PAGE_SIZE;
	struct drm_amdgpu_svm_attribute attrs[2];
	u32 n = 0;

	switch (rnd_below(t, 4)) {
	case 0:
		attrs[n].type = AMDGPU_SVM_ATTR_ACCESS;
		attrs[n++].value = rnd_below(t, 4) ? AMDGPU_SVM_ACCESS_ALLOW_MIGRATE :
				   AMDGPU_SVM_ACCESS_INACCESSIBLE;
		break;
	case 1:
		attrs[n].type = AMDGPU_SVM_ATTR_GPU_RO;
		attrs[n++].value = rnd_below(t, 2);
		break;
	case 2:
		attrs[n].type = AMDGPU_SVM_ATTR_GRANULARITY;
		attrs[n++].value = rnd_below(t, 10);
		break;
	default:
		attrs[n].type = AMDGPU_SVM_ATTR_GPU_EXEC;
		attrs[n++].value = rnd_below(t, 2);
		attrs[n].type = AMDGPU_SVM_ATTR_ACCESS;
		attrs[n++].value = AMDGPU_SVM_ACCESS_ALLOW_MIGRATE;
		break;
	}
	note_error(s, amdgpu_svm_test_ioctl(s->tdev, AMDGPU_SVM_OP_SET_ATTR,
					    addr, len, attrs, n), NULL, 0);
}

static int stress_thread_fn(void *arg)
{
	static void (* const steps[NR_KINDS])(struct stress_thread *t) = {
		[GPU] = step_gpu, [CPU] = step_cpu, [CHURN] = step_churn,
		[ATTRS] = step_attrs,
	};
	struct stress_thread *t = arg;
	struct stress *s = t->s;

	/* The leaves of the model GPU are found through the running test. */
	current->kunit_test = s->test;
	kthread_use_mm(s->mm);
	while (!kthread_should_stop()) {
		steps[t->kind](t);
		atomic_inc(&s->ops[t->kind]);
		cond_resched();
	}
	kthread_unuse_mm(s->mm);
	current->kunit_test = NULL;
	return 0;
}

/* The CPU's page at @addr, faulted in if need be; NULL without a VMA. */
static struct page *cpu_page(unsigned long addr)
{
	struct page *page;

	if (get_user_pages_fast(addr, 1, 0, &page) != 1)
		return NULL;
	return page;
}

/* Check one valid GPU PTE against the CPU and the attributes. */
static void check_pte(struct kunit *test, struct stress *s, unsigned long addr,
		      const struct amdgpu_svm_test_pte *pte)
{
	struct amdgpu_svm *svm = s->tdev->fpriv->vm.svm;
	unsigned long run_start, run_last;
	struct amdgpu_svm_attrs attrs;
	struct vm_area_struct *vma;
	bool vma_writable;
	struct page *page;

	KUNIT_EXPECT_TRUE_MSG(test, addr >= s->buf && addr < s->buf + STRESS_SIZE,
			      "PTE outside the buffer at %lx", addr);

	page = cpu_page(addr);
	KUNIT_EXPECT_NOT_NULL_MSG(test, page, "PTE without a VMA at %lx", addr);
	if (!page)
		return;
	KUNIT_EXPECT_EQ_MSG(test, page_to_phys(page), pte->addr & PAGE_MASK,
			    "PTE at %lx is not the CPU's page", addr);
	put_page(page);

	amdgpu_svm_attr_lookup(&svm->attrs, addr >> PAGE_SHIFT, &attrs,
			       &run_start, &run_last);
	KUNIT_EXPECT_NE_MSG(test, attrs.access, AMDGPU_SVM_ACCESS_INACCESSIBLE,
			    "inaccessible page mapped at %lx", addr);
	if (!(pte->flags & AMDGPU_PTE_WRITEABLE))
		return;
	KUNIT_EXPECT_FALSE_MSG(test, attrs.flags & AMDGPU_SVM_FLAG_GPU_RO,
			       "GPU_RO page writable at %lx", addr);
	mmap_read_lock(s->mm);
	vma = vma_lookup(s->mm, addr);
	vma_writable = vma && (vma->vm_flags & VM_WRITE);
	mmap_read_unlock(s->mm);
	KUNIT_EXPECT_TRUE_MSG(test, vma_writable,
			      "read-only VMA writable at %lx", addr);
}

static void stress_all_at_once(struct kunit *test)
{
	static const struct drm_amdgpu_svm_attribute prefetch_sysmem = {
		AMDGPU_SVM_ATTR_PREFETCH_LOC, AMDGPU_SVM_LOCATION_SYSMEM
	};
	static const enum stress_kind kinds[] = { GPU, GPU, CPU, CHURN, ATTRS };
	struct stress_thread threads[ARRAY_SIZE(kinds)] = {};
	u64 seed = get_random_u64();
	struct amdgpu_svm_test_pte pte;
	struct stress *s;
	unsigned long addr;
	unsigned int i;
	u8 *gpu, *cpu;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	gpu = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	cpu = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, s && gpu && cpu);
	s->test = test;
	s->tdev = amdgpu_svm_test_dev_create(test, true);
	s->buf = amdgpu_svm_test_user_buffer(test, STRESS_SIZE, 0x57e5);
	s->mm = current->mm;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(s->tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       s->buf, STRESS_SIZE,
						       NULL, 0));
	kunit_info(test, "seed %llu\n", seed);

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		threads[i].s = s;
		threads[i].kind = kinds[i];
		prandom_seed_state(&threads[i].rnd, seed + i);
		threads[i].task = kthread_run(stress_thread_fn, &threads[i],
					      "amdgpu-svm-stress/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(threads[i].task));
	}
	msleep(STRESS_MS);
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		kthread_stop(threads[i].task);

	for (i = 0; i < NR_KINDS; i++) {
		kunit_info(test, "%s: %d\n", kind_names[i], atomic_read(&s->ops[i]));
		KUNIT_EXPECT_GT(test, atomic_read(&s->ops[i]), 0);
	}
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&s->unexpected), 0,
			    "last unexpected error %d", s->last_unexpected);

	/* Every valid PTE agrees with the CPU and the attributes. */
	for (addr = s->buf; addr < s->buf + STRESS_SIZE; addr += PAGE_SIZE)
		if (amdgpu_svm_test_gpu_pte(s->tdev, addr, &pte))
			check_pte(test, s, addr, &pte);

	/*
	 * And what the GPU reads, faulting where it must, is the CPU's. A
	 * prefetch first maps what is accessible, over the no-retry PTEs
	 * that refused faults left.
	 */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(s->tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       s->buf, STRESS_SIZE,
						       &prefetch_sysmem, 1));
	for (addr = s->buf; addr < s->buf + STRESS_SIZE; addr += PAGE_SIZE) {
		int ret = amdgpu_svm_test_gpu_access(s->tdev, addr, gpu,
						     PAGE_SIZE, false);
		struct amdgpu_svm_attrs attrs;
		unsigned long rs, rl;

		amdgpu_svm_attr_lookup(&s->tdev->fpriv->vm.svm->attrs,
				       addr >> PAGE_SHIFT, &attrs, &rs, &rl);
		if (attrs.access == AMDGPU_SVM_ACCESS_INACCESSIBLE) {
			/* Refused by the SVM, or by a refusal before. */
			KUNIT_EXPECT_TRUE_MSG(test, ret == -EACCES || ret == -EIO,
					      "GPU read of an inaccessible page at %lx: %d",
					      addr, ret);
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "GPU read at %lx", addr);
		KUNIT_ASSERT_EQ(test, 0, copy_from_user(cpu, (void __user *)addr,
							PAGE_SIZE));
		KUNIT_ASSERT_EQ_MSG(test, 0, memcmp(gpu, cpu, PAGE_SIZE),
				    "GPU and CPU differ at %lx", addr);
	}
}

/* --- Migration under load: no write lost --- */

/*
 * How long the migration stress runs, and its seed (0: a random one, which
 * the case prints): amdgpu.stress_ms=, amdgpu.stress_seed= on the test
 * kernel's command line. make stress runs it for minutes.
 */
static unsigned int stress_ms = 2000;
module_param(stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms, "KUnit: how long the migration stress runs (ms)");
static u64 stress_seed;
module_param(stress_seed, ullong, 0444);
MODULE_PARM_DESC(stress_seed, "KUnit: seed of the migration stress (0 = random)");

/* 4 MiB of slot pages and 2 MiB that munmap/mmap churns. */
#define MSTRESS_SLOTS	SZ_4M
#define MSTRESS_CHURN	SZ_2M
#define MSTRESS_PAGES	(MSTRESS_SLOTS >> PAGE_SHIFT)
/* Words of a slot page: two GPU writers' slots, two CPU writers', a fixed word. */
#define SLOT_GPU0	0
#define SLOT_CPU0	2
#define NR_WRITERS	4
#define SLOT_FIXED	4

enum mstress_kind {
	M_GPU, M_CPU, M_PREFETCH, M_EVICT, M_CHURN, M_ATTRS, M_INJECT,
	NR_MKINDS
};

static const char * const mkind_names[NR_MKINDS] = {
	"gpu slot write", "cpu slot write", "prefetch", "vram pressure",
	"munmap+mmap", "attribute set", "failure injected",
};

struct mstress {
	struct kunit *test;
	struct amdgpu_svm_test_dev *tdev;
	struct mm_struct *mm;
	unsigned long buf;
	bool xnack_on;
	atomic_t ops[NR_MKINDS];
	/* Writes whose slot no longer held the writer's last value. */
	atomic_t lost;
	unsigned long lost_page;
	u32 lost_seen, lost_want;
	int lost_writer;
	atomic_t unexpected;
	int last_unexpected;
	enum mstress_kind last_unexpected_kind;
	/* an allocation failed by injection in that step */
	bool last_unexpected_injected;
	/* SETs that found no memory for a page table (-ENOMEM) */
	atomic_t no_memory;
	/* XNACK off: SETs whose map lost to invalidations (-EBUSY) */
	atomic_t busy;
	atomic_t evictions;
	/* the injector fails copies too (not in the modes with pressure) */
	bool fail_copies;
	/* failslab and fail_page_alloc may fail the threads' allocations */
	bool fail_allocs;
	/* allocations failed so, and operations they made fail */
	atomic_t alloc_failures;
	atomic_t refused_by_alloc;
};

struct mstress_thread {
	struct mstress *s;
	enum mstress_kind kind;
	/* a writer's slot word, and the last value it wrote to each page */
	unsigned int word;
	u32 *last;
	struct rnd_state rnd;
	struct task_struct *task;
	/* one of its next allocations fails (amdgpu_svm_test_fail_nth()) */
	bool fail_allocs;
};

static unsigned long mrnd(struct mstress_thread *t, unsigned long n)
{
	return prandom_u32_state(&t->rnd) % n;
}

/* An allocation of this thread failed by injection during this step. */
static bool alloc_failed(struct mstress_thread *t)
{
	return t->fail_allocs && !amdgpu_svm_test_fail_nth_pending();
}

static void mstress_unexpected(struct mstress_thread *t, int ret)
{
	struct mstress *s = t->s;
	enum mstress_kind kind = t->kind;

	if (!ret || (ret == -EINTR && kthread_should_stop()))
		return;
	/*
	 * A failed allocation fails the ioctl with -ENOMEM, or the CPU fault
	 * of a user access (the fault handler's VM_FAULT_OOM or, from
	 * drm_pagemap_migrate_to_ram(), VM_FAULT_SIGBUS), which a kernel
	 * thread sees as -EFAULT. Nothing has changed then: the slot checks
	 * say whether that holds.
	 */
	if ((ret == -ENOMEM || ret == -EFAULT) && alloc_failed(t)) {
		atomic_inc(&s->refused_by_alloc);
		return;
	}
	/*
	 * Under VRAM pressure a SET may find no room for a page table: it
	 * returns -ENOMEM, as KFD's svm_range_set_attr() returns the error
	 * of the map.
	 */
	if (ret == -ENOMEM && !s->fail_copies &&
	    (kind == M_PREFETCH || kind == M_ATTRS)) {
		atomic_inc(&s->no_memory);
		return;
	}
	/*
	 * XNACK off, a SET's map that lost to invalidations for
	 * drm_gpusvm's whole timeout returns -EBUSY (with XNACK on the
	 * GPU's faults map instead, and the SET returns 0).
	 */
	if (ret == -EBUSY && !s->xnack_on &&
	    (kind == M_PREFETCH || kind == M_ATTRS)) {
		atomic_inc(&s->busy);
		return;
	}
	atomic_inc(&s->unexpected);
	WRITE_ONCE(s->last_unexpected, ret);
	WRITE_ONCE(s->last_unexpected_kind, kind);
	WRITE_ONCE(s->last_unexpected_injected, alloc_failed(t));
}

/* A slot read back: it must hold what its writer wrote last. */
static void slot_check(struct mstress_thread *t, unsigned long p, u32 seen)
{
	struct mstress *s = t->s;

	if (seen == t->last[p] || atomic_inc_return(&s->lost) > 1)
		return;
	s->lost_page = p;
	s->lost_seen = seen;
	s->lost_want = t->last[p];
	s->lost_writer = t->word;
}

/*
 * The GPU writes its slot: read it (a GPU fault may move the page to
 * VRAM), check it, write the next value. The other threads may make the
 * page unreachable for a while (a failed copy, a refused fault): then
 * the slot is left for later.
 */
static void mstep_gpu(struct mstress_thread *t)
{
	struct mstress *s = t->s;
	unsigned long p = mrnd(t, MSTRESS_PAGES);
	unsigned long addr = s->buf + p * PAGE_SIZE + t->word * 4;
	u32 v;

	if (amdgpu_svm_test_gpu_access(s->tdev, addr, &v, sizeof(v), false))
		return;
	slot_check(t, p, v);
	v = t->last[p] + 1;
	if (!amdgpu_svm_test_gpu_access(s->tdev, addr, &v, sizeof(v), true))
		t->last[p] = v;
}

/* A CPU writer: the same, through CPU faults; never refused. */
static void mstep_cpu(struct mstress_thread *t)
{
	struct mstress *s = t->s;
	unsigned long p = mrnd(t, MSTRESS_PAGES);
	u32 __user *slot = (u32 __user *)(s->buf + p * PAGE_SIZE + t->word * 4);
	u32 v;

	if (get_user(v, slot)) {
		mstress_unexpected(t, -EFAULT);
		return;
	}
	slot_check(t, p, v);
	if (put_user(t->last[p] + 1, slot)) {
		mstress_unexpected(t, -EFAULT);
		return;
	}
	t->last[p]++;
}

/* A prefetch of 64 KiB to 2 MiB of the slots, to the GPU or home. */
static void mstep_prefetch(struct mstress_thread *t)
{
	struct mstress *s = t->s;
	unsigned long len = (1 + mrnd(t, 32)) * SZ_64K;
	unsigned long addr = s->buf + mrnd(t, (MSTRESS_SLOTS - len) / SZ_64K + 1) *
			     SZ_64K;
	const struct drm_amdgpu_svm_attribute attr = {
		AMDGPU_SVM_ATTR_PREFETCH_LOC,
		mrnd(t, 2) ? 1 : AMDGPU_SVM_LOCATION_SYSMEM,
	};

	mstress_unexpected(t, amdgpu_svm_test_ioctl(s->tdev,
						    AMDGPU_SVM_OP_SET_ATTR,
						    addr, len, &attr, 1));
}

/* Another allocation wants all free VRAM and 1-4 MiB more: TTM evicts. */
static void mstep_evict(struct mstress_thread *t)
{
	struct amdgpu_bo *bo;

	if (!amdgpu_svm_test_vram_pressure(t->s->tdev->vram,
					   (1 + mrnd(t, 4)) * SZ_1M, &bo)) {
		atomic_inc(&t->s->evictions);
		amdgpu_bo_unref(&bo);
	}
	usleep_range(500, 1000);
}

static void mstep_churn(struct mstress_thread *t)
{
	struct mstress *s = t->s;
	unsigned long churn = s->buf + MSTRESS_SLOTS;
	unsigned long len = (1 + mrnd(t, 8)) * SZ_64K;
	unsigned long addr = churn + mrnd(t, (MSTRESS_CHURN - len) / SZ_64K + 1) *
			     SZ_64K;
	unsigned long mapped;
	int ret;

	ret = vm_munmap(addr, len);
	if (ret) {
		mstress_unexpected(t, ret);
		return;
	}
	mapped = vm_mmap(NULL, addr, len, PROT_READ | PROT_WRITE,
			 MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0);
	if (mapped != addr)
		mstress_unexpected(t, IS_ERR_VALUE(mapped) ? (int)mapped :
				   -EEXIST);
	else if (put_user(1, (u32 __user *)addr))
		mstress_unexpected(t, -EFAULT);
}

/* Where the pages should be, and may they move: never access itself. */
static void mstep_attrs(struct mstress_thread *t)
{
	static const u32 locations[] = {
		1, AMDGPU_SVM_LOCATION_SYSMEM, AMDGPU_SVM_LOCATION_UNDEFINED,
	};
	struct mstress *s = t->s;
	unsigned long len = (1 + mrnd(t, 64)) * PAGE_SIZE;
	unsigned long addr = s->buf + mrnd(t, (MSTRESS_SLOTS + MSTRESS_CHURN - len) /
					   PAGE_SIZE + 1) * PAGE_SIZE;
	struct drm_amdgpu_svm_attribute attr;

	switch (mrnd(t, 3)) {
	case 0:
		attr.type = AMDGPU_SVM_ATTR_PREFERRED_LOC;
		attr.value = locations[mrnd(t, ARRAY_SIZE(locations))];
		break;
	case 1:
		attr.type = AMDGPU_SVM_ATTR_ACCESS;
		attr.value = mrnd(t, 2) ? AMDGPU_SVM_ACCESS_ALLOW_MIGRATE :
			     AMDGPU_SVM_ACCESS_IN_PLACE;
		break;
	default:
		attr.type = AMDGPU_SVM_ATTR_GRANULARITY;
		attr.value = mrnd(t, 10);
		break;
	}
	mstress_unexpected(t, amdgpu_svm_test_ioctl(s->tdev,
						    AMDGPU_SVM_OP_SET_ATTR,
						    addr, len, &attr, 1));
	usleep_range(200, 400);
}

/*
 * Fail one of the next migration copies, or VRAM allocations. A failed
 * copy's error stays with its TTM entity, which TTM's own moves share
 * (amdgpu_job_prepare_job() skips the entity's later jobs), so it is
 * injected only in the modes without VRAM pressure: TTM evicts no page
 * table there.
 */
static void mstep_inject(struct mstress_thread *t)
{
	struct amdgpu_svm_test_vram *vram = t->s->tdev->vram;

	if (t->s->fail_copies && mrnd(t, 2))
		WRITE_ONCE(vram->fail_copy_at, atomic_read(&vram->copies) +
			   1 + mrnd(t, 8));
	else
		amdgpu_svm_test_vram_fail_alloc(vram, 1 + mrnd(t, 4));
	msleep(1 + mrnd(t, 10));
}

static int mstress_thread_fn(void *arg)
{
	static void (* const steps[NR_MKINDS])(struct mstress_thread *t) = {
		[M_GPU] = mstep_gpu, [M_CPU] = mstep_cpu,
		[M_PREFETCH] = mstep_prefetch, [M_EVICT] = mstep_evict,
		[M_CHURN] = mstep_churn, [M_ATTRS] = mstep_attrs,
		[M_INJECT] = mstep_inject,
	};
	struct mstress_thread *t = arg;
	struct mstress *s = t->s;

	current->kunit_test = s->test;
	kthread_use_mm(s->mm);
	while (!kthread_should_stop()) {
		/* Fail one of the next 1-100 allocations of this thread. */
		if (t->fail_allocs && !amdgpu_svm_test_fail_nth_pending())
			amdgpu_svm_test_fail_nth(1 + mrnd(t, 100));
		steps[t->kind](t);
		if (alloc_failed(t))
			atomic_inc(&s->alloc_failures);
		atomic_inc(&s->ops[t->kind]);
		cond_resched();
	}
	amdgpu_svm_test_fail_nth(0);
	kthread_unuse_mm(s->mm);
	current->kunit_test = NULL;
	return 0;
}

struct mstress_mode {
	const char *name;
	bool xnack_on;
	bool thp;
	/* VRAM pressure from another allocation; else copies fail too */
	bool pressure;
};

static const struct mstress_mode mstress_modes[] = {
	{ "xnack on, 4 KiB pages, copies fail", true, false, false },
	{ "xnack on, THP, copies fail", true, true, false },
	{ "xnack off, 4 KiB pages, copies fail", false, false, false },
	{ "xnack off, THP, copies fail", false, true, false },
	{ "xnack on, 4 KiB pages, VRAM pressure", true, false, true },
	{ "xnack on, THP, VRAM pressure", true, true, true },
	{ "xnack off, 4 KiB pages, VRAM pressure", false, false, true },
	{ "xnack off, THP, VRAM pressure", false, true, true },
};

static void mstress_desc(const struct mstress_mode *m, char *desc)
{
	strscpy(desc, m->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mstress, mstress_modes, mstress_desc);

KUNIT_DEFINE_ACTION_WRAPPER(mstress_kvfree, kvfree, const void *);

/* The buffer: 2 MiB aligned, huge pages as the mode says, every page touched. */
static unsigned long mstress_buffer(struct kunit *test, bool thp)
{
	const size_t size = MSTRESS_SLOTS + MSTRESS_CHURN;
	struct vm_area_struct *vma;
	unsigned long map, buf, p;

	map = kunit_vm_mmap(test, NULL, 0, size + SZ_2M, PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, map && map < TASK_SIZE);
	buf = ALIGN(map, SZ_2M);
	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, buf);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vm_flags_set(vma, thp ? VM_HUGEPAGE : VM_NOHUGEPAGE);
	mmap_write_unlock(current->mm);
	for (p = 0; p < size >> PAGE_SHIFT; p++)
		KUNIT_ASSERT_EQ(test, 0, put_user(0x5107 ^ (u32)p,
						  (u32 __user *)(buf + p * PAGE_SIZE +
								 SLOT_FIXED * 4)));
	return buf;
}

/*
 * Migration under load, with failures: kernel threads of the test's
 * process write slots from the GPU (faulting pages to VRAM) and the CPU
 * (faulting them back), prefetch parts of the buffer either way, munmap
 * and mmap a part of the buffer without slots, change where pages should
 * be and how they may move, fail VRAM allocations, and either fail
 * migration copies or squeeze VRAM so that TTM evicts SVM buffers (and
 * page tables of the VM), all at once for amdgpu.stress_ms. Each writer
 * owns a word of every slot page and checks before each write that its
 * last one is still there. At the end every
 * slot holds its writer's last value, the fixed word of every page is
 * intact, the GPU reads the CPU's bytes, and once the buffer is unmapped
 * no VRAM is held. The models fail loudly on a GPU access to a freed page.
 */
static void stress_migration_loses_no_write(struct kunit *test)
{
	static const enum mstress_kind kinds[] = {
		M_CPU, M_CPU, M_PREFETCH, M_EVICT, M_CHURN, M_ATTRS, M_INJECT,
		M_GPU, M_GPU,
	};
	const struct mstress_mode *m = test->param_value;
	const struct drm_amdgpu_svm_attribute allow = {
		AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_ALLOW_MIGRATE
	};
	const struct drm_amdgpu_svm_attribute to_gpu = {
		AMDGPU_SVM_ATTR_PREFETCH_LOC, 1
	};
	struct mstress_thread threads[ARRAY_SIZE(kinds)] = {};
	u64 seed = stress_seed ?: get_random_u64();
	struct amdgpu_migrate_stats *stats;
	unsigned int i, cpu = 0, gpu_writers = 0, refused = 0;
	struct mstress *s;
	unsigned long p;
	u8 *gpu, *cpu_bytes;
	u32 v;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	gpu = kvmalloc(MSTRESS_SLOTS, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gpu);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mstress_kvfree,
							   gpu));
	cpu_bytes = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, s && gpu && cpu_bytes);
	s->test = test;
	s->xnack_on = m->xnack_on;
	s->fail_copies = !m->pressure;
	/*
	 * Not the user pages in THP modes: when the 2 MiB page for a copy
	 * back cannot be had, Linux 7.3 splits the VRAM folio and unlocks a
	 * page twice (migrate_thp_copy_back_without_a_huge_page() in
	 * amdgpu_svm_migrate).
	 */
	s->fail_allocs = amdgpu_svm_test_fail_alloc_enable(test, 0, !m->thp);
	s->tdev = amdgpu_svm_test_dev_create_with_vram(test, m->xnack_on,
						       SZ_16M);
	s->mm = current->mm;
	s->buf = mstress_buffer(test, m->thp);
	stats = &amdgpu_svm_test_migrate(s->tdev)->stats;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(s->tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       s->buf, MSTRESS_SLOTS +
						       MSTRESS_CHURN, &allow, 1));
	/* Every mode starts with the slots in VRAM: the CPU takes them back. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(s->tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       s->buf, MSTRESS_SLOTS,
						       &to_gpu, 1));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(s->tdev->vram),
			MSTRESS_PAGES);
	/*
	 * The restore worker runs on the GPU thread, where the simulated
	 * device's leaves are in place (amdgpu_svm_test_run_restore()), and
	 * its accesses wait while other threads stop the queues.
	 */
	s->tdev->fpriv->vm.svm->restore.delay = 3600 * HZ;
	WRITE_ONCE(s->tdev->sim->accesses_wait, true);
	kunit_info(test, "seed %llu, %u ms\n", seed, stress_ms);

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct mstress_thread *t = &threads[i];

		t->s = s;
		t->kind = kinds[i];
		if (t->kind == M_GPU || t->kind == M_CPU) {
			t->word = t->kind == M_GPU ? SLOT_GPU0 + gpu_writers++ :
				  SLOT_CPU0 + cpu++;
			t->last = kunit_kcalloc(test, MSTRESS_PAGES,
						sizeof(*t->last), GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, t->last);
		}
		prandom_seed_state(&t->rnd, seed + i);
		/* Those that call into the SVM from the process fail allocations. */
		t->fail_allocs = s->fail_allocs &&
				 (t->kind == M_GPU || t->kind == M_CPU ||
				  t->kind == M_PREFETCH || t->kind == M_ATTRS);
	}
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (kinds[i] == M_EVICT && !m->pressure)
			continue;
		threads[i].task = kthread_run(mstress_thread_fn, &threads[i],
					      "amdgpu-svm-mstress/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(threads[i].task));
	}
	msleep(stress_ms);
	/* The GPU writers last: they may wait for the others' stops. */
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (threads[i].task)
			kthread_stop(threads[i].task);
	WRITE_ONCE(s->tdev->vram->fail_copy_at, 0);
	amdgpu_svm_test_vram_fail_alloc(s->tdev->vram, 0);

	for (i = 0; i < NR_MKINDS; i++)
		kunit_info(test, "%s: %d\n", mkind_names[i], atomic_read(&s->ops[i]));
	kunit_info(test, "SETs without memory for a page table: %d, whose map kept losing to invalidations: %d\n",
		   atomic_read(&s->no_memory), atomic_read(&s->busy));
	kunit_info(test, "allocations failed by failslab/fail_page_alloc: %d, operations they failed: %d\n",
		   atomic_read(&s->alloc_failures),
		   atomic_read(&s->refused_by_alloc));
	kunit_info(test, "pages in %lld, out %lld (%lld by the CPU), fallbacks %lld, evictions %lld, slots %u\n",
		   atomic64_read(&stats->pages_in), atomic64_read(&stats->pages_out),
		   atomic64_read(&stats->cpu_copies_out),
		   atomic64_read(&stats->fallbacks),
		   atomic64_read(&stats->evictions),
		   MSTRESS_PAGES * NR_WRITERS);
	for (i = 0; i < NR_MKINDS; i++)
		if (i != M_EVICT || m->pressure)
			KUNIT_EXPECT_GT_MSG(test, atomic_read(&s->ops[i]), 0,
					    "%s", mkind_names[i]);
	KUNIT_EXPECT_GT(test, atomic64_read(&stats->pages_in), 0);
	/* The pressure made TTM evict SVM buffers. */
	if (m->pressure)
		KUNIT_EXPECT_GT(test, atomic64_read(&stats->evictions), 0);
	if (s->fail_allocs)
		KUNIT_EXPECT_GT(test, atomic_read(&s->alloc_failures), 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&s->unexpected), 0,
			    "last unexpected error %d (%s%s)", s->last_unexpected,
			    mkind_names[s->last_unexpected_kind],
			    s->last_unexpected_injected ?
			    ", an allocation failed" : "");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&s->lost), 0,
			    "first lost write: writer %d, page %lu held %u, wrote %u",
			    s->lost_writer, s->lost_page, s->lost_seen,
			    s->lost_want);

	/* Every slot holds its writer's last value; the fixed word stays. */
	for (p = 0; p < MSTRESS_PAGES; p++) {
		unsigned long page = s->buf + p * PAGE_SIZE;

		for (i = 0; i < ARRAY_SIZE(kinds); i++) {
			struct mstress_thread *t = &threads[i];

			if (!t->last)
				continue;
			KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(page +
									   t->word * 4)));
			KUNIT_ASSERT_EQ_MSG(test, v, t->last[p],
					    "page %lu, slot %u", p, t->word);
		}
		KUNIT_ASSERT_EQ(test, 0, get_user(v, (u32 __user *)(page +
								   SLOT_FIXED * 4)));
		KUNIT_ASSERT_EQ_MSG(test, v, 0x5107 ^ (u32)p, "page %lu", p);
	}

	/*
	 * The GPU reads the CPU's bytes, mapped again where it must be: all
	 * pages by the GPU first, then by the CPU, so that each granule
	 * moves once each way rather than at every page.
	 */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(s->tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       s->buf, MSTRESS_SLOTS,
						       &allow, 1));
	for (p = 0; p < MSTRESS_PAGES; p++) {
		unsigned long addr = s->buf + p * PAGE_SIZE;
		int ret = amdgpu_svm_test_gpu_access(s->tdev, addr,
						     gpu + p * PAGE_SIZE,
						     PAGE_SIZE, false);

		/*
		 * A GPU fault that a failed allocation refused left amdgpu's
		 * no-retry PTE, the fatal fault that would have ended the
		 * queue on hardware (as with KFD); a prefetch maps the page.
		 */
		if (ret == -EIO && s->fail_allocs) {
			refused++;
			KUNIT_ASSERT_EQ(test, 0,
					amdgpu_svm_test_ioctl(s->tdev,
							      AMDGPU_SVM_OP_SET_ATTR,
							      addr, PAGE_SIZE,
							      &to_gpu, 1));
			ret = amdgpu_svm_test_gpu_access(s->tdev, addr,
							 gpu + p * PAGE_SIZE,
							 PAGE_SIZE, false);
		}
		KUNIT_ASSERT_EQ_MSG(test, 0, ret, "GPU read of page %lu", p);
	}
	kunit_info(test, "pages left with the PTE of a refused GPU fault: %u\n",
		   refused);
	for (p = 0; p < MSTRESS_PAGES; p++) {
		const u32 *g = (const u32 *)(gpu + p * PAGE_SIZE);
		const u32 *c = (const u32 *)cpu_bytes;
		unsigned int w;

		KUNIT_ASSERT_EQ(test, 0,
				copy_from_user(cpu_bytes,
					       (void __user *)(s->buf + p * PAGE_SIZE),
					       PAGE_SIZE));
		if (!memcmp(g, c, PAGE_SIZE))
			continue;
		/* Which side is wrong: the values the slot check just read. */
		for (w = 0; g[w] == c[w]; w++)
			;
		for (i = 0; i < ARRAY_SIZE(kinds); i++)
			if (threads[i].last && threads[i].word == w)
				kunit_info(test, "word %u is writer %u's slot, last written %#x\n",
					   w, i, threads[i].last[p]);
		KUNIT_FAIL_AND_ABORT(test,
				     "GPU and CPU differ on page %lu, first at word %u: GPU %#x, CPU %#x%s",
				     p, w, g[w], c[w],
				     w == SLOT_FIXED ? " (the fixed word)" : "");
	}
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(s->buf, MSTRESS_SLOTS + MSTRESS_CHURN));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(s->tdev->vram), 0);
}

static struct kunit_case amdgpu_svm_stress_cases[] = {
	KUNIT_CASE_SLOW(stress_all_at_once),
	KUNIT_CASE_PARAM_ATTR(stress_migration_loses_no_write,
			      mstress_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite amdgpu_svm_stress_suite = {
	.name = "amdgpu_svm_stress",
	.test_cases = amdgpu_svm_stress_cases,
};

kunit_test_suite(amdgpu_svm_stress_suite);
