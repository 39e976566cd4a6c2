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
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>

#include "../amdgpu.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_attr.h"
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

static struct kunit_case amdgpu_svm_stress_cases[] = {
	KUNIT_CASE_SLOW(stress_all_at_once),
	{}
};

static struct kunit_suite amdgpu_svm_stress_suite = {
	.name = "amdgpu_svm_stress",
	.test_cases = amdgpu_svm_stress_cases,
};

kunit_test_suite(amdgpu_svm_stress_suite);
