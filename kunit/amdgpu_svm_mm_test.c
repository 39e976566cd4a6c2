// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of what the process address space does under the SVM:
 * mprotect(), fork() with copy-on-write, the address space going away
 * while the VM lives, and a VM turned into a compute VM.  Everything but
 * the GPU is real: the VMAs, the page tables, the MMU notifiers, the fork.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#if IS_BUILTIN(CONFIG_DRM_AMDGPU)
/* The mmu_gather of test_mprotect(); its TLB flush is not for modules. */
#include <asm/tlb.h>
#endif

#include <drm/amdgpu_drm.h>

#include "../amdgpu.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_fault.h"
#include "../amdgpu_svm_range.h"
#include "amdgpu_svm_test.h"

#define user_buffer amdgpu_svm_test_user_buffer

static const struct drm_amdgpu_svm_attribute allow = {
	AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_ALLOW_MIGRATE
};

/* A device whose SVM exists; XNACK off leaves its restore worker to us. */
static struct amdgpu_svm_test_dev *dev_with_svm(struct kunit *test,
						bool xnack_on)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test,
								      xnack_on);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       tdev->attrs_page,
						       PAGE_SIZE, NULL, 0));
	tdev->fpriv->vm.svm->restore.delay = 3600 * HZ;
	return tdev;
}

static u32 gpu_read32(struct amdgpu_svm_test_dev *tdev, unsigned long addr)
{
	u32 v = 0;

	KUNIT_EXPECT_EQ(tdev->test, 0,
			amdgpu_svm_test_gpu_access(tdev, addr, &v, sizeof(v),
						   false));
	return v;
}

static u32 cpu_read32(struct kunit *test, unsigned long addr)
{
	u32 v = 0;

	KUNIT_EXPECT_EQ(test, 0, get_user(v, (u32 __user *)addr));
	return v;
}

/*
 * mprotect(2) of [@start, @start + @len) inside one VMA, with the VMA
 * split and the page tables changed by the same mm code the system call
 * runs (mprotect_fixup() under the mmap lock).  The system call itself is
 * not callable from the kernel; neither is mprotect_fixup() from a module.
 */
static int test_mprotect(unsigned long start, size_t len, vm_flags_t access)
{
#if IS_BUILTIN(CONFIG_DRM_AMDGPU)
	struct mm_struct *mm = current->mm;
	unsigned long end = start + len;
	struct vm_area_struct *vma, *prev;
	struct mmu_gather tlb;
	struct vma_iterator vmi;
	int ret = -EINVAL;

	mmap_write_lock(mm);
	vma_iter_init(&vmi, mm, start);
	vma = vma_find(&vmi, end);
	if (!vma || vma->vm_start > start || vma->vm_end < end)
		goto out;
	prev = vma_prev(&vmi);
	if (start > vma->vm_start)
		prev = vma;

	tlb_gather_mmu(&tlb, mm);
	for_each_vma_range(vmi, vma, end) {
		vm_flags_t flags = (vma->vm_flags & ~VM_ACCESS_FLAGS) | access;

		ret = mprotect_fixup(&vmi, &tlb, vma, &prev, start, end, flags);
		break;
	}
	tlb_finish_mmu(&tlb);
out:
	mmap_write_unlock(mm);
	return ret;
#else
	return -EOPNOTSUPP;
#endif
}

static void mm_mprotect_zaps_and_next_fault_maps_read_only(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, true);
	unsigned long buf = user_buffer(test, SZ_2M, 0x3a07);
	unsigned long rw = buf + SZ_1M, ro = rw + 4 * PAGE_SIZE;
	struct amdgpu_svm_test_pte pte;
	u32 v = 0xdead;

	if (!IS_BUILTIN(CONFIG_DRM_AMDGPU))
		kunit_skip(test, "mprotect_fixup() is not exported");

	/* The GPU writes, so the range around @ro is mapped writable. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev, ro, &v,
							    sizeof(v), true));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(tdev, rw, &pte));
	KUNIT_ASSERT_TRUE(test, pte.flags & AMDGPU_PTE_WRITEABLE);

	/* Four pages inside that range become read-only: it is zapped. */
	KUNIT_ASSERT_EQ(test, 0, test_mprotect(ro, 4 * PAGE_SIZE, VM_READ));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_2M));

	/* Reading faults the pages back in, read-only now. */
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, ro), 0xdead);
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, ro + PAGE_SIZE),
			0x3a07 ^ ((ro + PAGE_SIZE - buf) >> PAGE_SHIFT));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(tdev, ro, &pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_WRITEABLE);
	KUNIT_EXPECT_EQ(test, -EPERM, amdgpu_svm_test_gpu_access(tdev, ro, &v,
								 sizeof(v), true));
	KUNIT_EXPECT_EQ(test, cpu_read32(test, ro), 0xdead);

	/* The writable neighbours, once in the same range, stay writable. */
	v = 0x1e;
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev, rw, &v,
							    sizeof(v), true));
	KUNIT_EXPECT_EQ(test, cpu_read32(test, rw), 0x1e);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev,
							    ro + 4 * PAGE_SIZE,
							    &v, sizeof(v), true));
	/* Without the read-only pages becoming writable on the way. */
	KUNIT_EXPECT_EQ(test, -EPERM, amdgpu_svm_test_gpu_access(tdev, ro, &v,
								 sizeof(v), true));
	KUNIT_EXPECT_EQ(test, cpu_read32(test, ro), 0xdead);

	/* Writable again: a GPU write faults and lands. */
	KUNIT_ASSERT_EQ(test, 0, test_mprotect(ro, 4 * PAGE_SIZE,
					       VM_READ | VM_WRITE));
	v = 0xbeef;
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev, ro, &v,
							    sizeof(v), true));
	KUNIT_EXPECT_EQ(test, cpu_read32(test, ro), 0xbeef);
}

static void mm_mprotect_xnack_off_restores_read_only(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, false);
	unsigned long buf = user_buffer(test, SZ_2M, 0x3a08);
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;
	struct amdgpu_svm_test_pte pte;
	u32 v = 1;

	if (!IS_BUILTIN(CONFIG_DRM_AMDGPU))
		kunit_skip(test, "mprotect_fixup() is not exported");

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_2M, &allow, 1));
	KUNIT_ASSERT_EQ(test, SZ_2M >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_2M));

	KUNIT_ASSERT_EQ(test, 0, test_mprotect(buf, SZ_2M, VM_READ));
	KUNIT_EXPECT_LT(test, amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_2M),
			SZ_2M >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->quiesces), 1);

	/* What the restore worker maps again follows the new protection. */
	cancel_delayed_work_sync(&svm->restore.work);
	amdgpu_svm_range_restore_work(&svm->restore.work.work);
	KUNIT_EXPECT_EQ(test, SZ_2M >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_2M));
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->resumes), 1);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(tdev, buf, &pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_WRITEABLE);
	KUNIT_EXPECT_EQ(test, -EACCES, amdgpu_svm_test_gpu_access(tdev, buf, &v,
								  sizeof(v), true));
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf + SZ_1M),
			0x3a08 ^ (SZ_1M >> PAGE_SHIFT));
}

/* The child of test_fork(): it keeps its copy of the address space alive. */
struct fork_child {
	unsigned long addr;
	struct completion forked;
	struct completion may_read;
	struct completion done;
	u32 seen[2];
	int ret;
};

static int __maybe_unused fork_child_fn(void *arg)
{
	struct fork_child *c = arg;

	complete(&c->forked);
	wait_for_completion(&c->may_read);
	/* Its own copy: what the parent and the GPU wrote later is not in it. */
	c->ret = get_user(c->seen[0], (u32 __user *)c->addr) ?:
		 get_user(c->seen[1], (u32 __user *)(c->addr + 8));
	complete(&c->done);
	do_exit(0);
}

/*
 * fork(2) of the test: a new process with a copy-on-write copy of the
 * address space, which runs fork_child_fn() in the kernel and exits.
 */
static int test_fork(struct fork_child *c)
{
#if IS_BUILTIN(CONFIG_DRM_AMDGPU)
	struct kernel_clone_args args = {
		.exit_signal = SIGCHLD,
		.fn = fork_child_fn,
		.fn_arg = c,
	};
	pid_t pid = kernel_clone(&args);

	if (pid < 0)
		return pid;
	wait_for_completion(&c->forked);
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

static void mm_fork_cow_gpu_follows_the_parent(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, true);
	unsigned long buf = user_buffer(test, SZ_64K, 0xf0c);
	struct amdgpu_svm_test_pte before, after;
	struct fork_child *c;
	u32 v = 0x600d;

	if (!IS_BUILTIN(CONFIG_DRM_AMDGPU))
		kunit_skip(test, "kernel_clone() is not exported");

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->addr = buf;
	init_completion(&c->forked);
	init_completion(&c->may_read);
	init_completion(&c->done);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev, buf, &v,
							    sizeof(v), true));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(tdev, buf, &before));

	/* fork() write-protects the parent's pages: the GPU loses them. */
	KUNIT_ASSERT_EQ(test, 0, test_fork(c));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_64K));

	/* The parent writes: copy-on-write gives it a new page. */
	KUNIT_ASSERT_EQ(test, 0, put_user(0x9a7e, (u32 __user *)buf));
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf), 0x9a7e);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(tdev, buf, &after));
	KUNIT_EXPECT_NE(test, before.addr, after.addr);

	/* A GPU write reaches the parent, not the child. */
	v = 0x90;
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev, buf + 8, &v,
							    sizeof(v), true));
	KUNIT_EXPECT_EQ(test, cpu_read32(test, buf + 8), 0x90);

	complete(&c->may_read);
	wait_for_completion(&c->done);
	KUNIT_EXPECT_EQ(test, c->ret, 0);
	KUNIT_EXPECT_EQ(test, c->seen[0], 0x600d);
	KUNIT_EXPECT_EQ(test, c->seen[1], 0);
}

/* A process of its own that maps memory for the GPU, then goes away. */
struct exiting_process {
	struct amdgpu_svm_test_dev *tdev;
	unsigned long buf;
	unsigned long mapped;
};

static int exiting_process_fn(void *arg)
{
	struct exiting_process *p = arg;
	struct amdgpu_svm_test_dev *tdev = p->tdev;
	struct drm_amdgpu_gem_svm args = {
		.operation = AMDGPU_SVM_OP_SET_ATTR, .nattr = 1,
	};
	int ret;
	u32 v;

	p->buf = vm_mmap(NULL, 0, SZ_2M + PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	args.attrs_ptr = p->buf + SZ_2M;
	args.start_addr = p->buf;
	args.size = SZ_2M;
	ret = copy_to_user(u64_to_user_ptr(args.attrs_ptr), &allow,
			   sizeof(allow)) ? -EFAULT : 0;
	/* The first call makes the SVM, for this address space. */
	if (!ret)
		ret = amdgpu_gem_svm_ioctl(tdev->drm, &args, tdev->file);
	if (!ret && !tdev->adev->gmc.noretry)
		ret = amdgpu_svm_test_gpu_access(tdev, p->buf, &v, sizeof(v),
						 false);
	p->mapped = amdgpu_svm_test_gpu_mapped(tdev, p->buf, p->buf + SZ_2M);
	return ret;
}

static void mm_exit_closes_the_svm(struct kunit *test)
{
	const bool xnack_on = *(const bool *)test->param_value;
	struct amdgpu_svm_test_dev *tdev;
	struct exiting_process *p;
	struct amdgpu_svm *svm;
	u32 v;

	tdev = amdgpu_svm_test_dev_create(test, xnack_on);
	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->tdev = tdev;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_run_process(test,
							     exiting_process_fn,
							     p));
	/* XNACK off maps all of it at once, XNACK on the faulting range. */
	KUNIT_EXPECT_GT(test, p->mapped, 0);

	/* Closed with the address space: no PTE, no range, no notifier. */
	svm = tdev->fpriv->vm.svm;
	KUNIT_ASSERT_NOT_NULL(test, svm);
	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_sim_count_valid(tdev->sim, &tdev->fpriv->vm));
	KUNIT_EXPECT_TRUE(test, svm->closed);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&svm->gpusvm.root.rb_root));

	/* The VM lives on; faults are not serviced, other processes refused. */
	KUNIT_EXPECT_EQ(test, -ENOENT,
			amdgpu_svm_handle_fault(tdev->adev, tdev->fpriv->vm.pasid,
						p->buf, false));
	KUNIT_EXPECT_EQ(test, -EPERM,
			amdgpu_svm_test_ioctl(tdev, AMDGPU_SVM_OP_GET_ATTR,
					      tdev->attrs_page, PAGE_SIZE,
					      &allow, 1));
	KUNIT_EXPECT_EQ(test, xnack_on ? -ENOENT : -EFAULT,
			amdgpu_svm_test_gpu_access(tdev, p->buf, &v, sizeof(v),
						   false));
}

static const bool xnack_modes[] = { false, true };

static void xnack_desc(const bool *on, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "xnack %s", *on ? "on" : "off");
}

KUNIT_ARRAY_PARAM(xnack, xnack_modes, xnack_desc);

static void mm_compute_vm_gets_an_svm(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test, true);
	struct amdgpu_svm *svm;
	u32 v;

	KUNIT_ASSERT_NULL(test, tdev->fpriv->vm.svm);
	amdgpu_svm_vm_make_compute(tdev->adev, &tdev->fpriv->vm);
	svm = tdev->fpriv->vm.svm;
	KUNIT_ASSERT_NOT_NULL(test, svm);
	KUNIT_EXPECT_PTR_EQ(test, svm->mm, current->mm);

	/* Made once: the ioctl and a second call find the same one. */
	amdgpu_svm_vm_make_compute(tdev->adev, &tdev->fpriv->vm);
	KUNIT_EXPECT_PTR_EQ(test, tdev->fpriv->vm.svm, svm);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       tdev->attrs_page,
						       PAGE_SIZE, NULL, 0));
	KUNIT_EXPECT_PTR_EQ(test, tdev->fpriv->vm.svm, svm);

	/* And GPU faults are serviced before any ioctl set anything. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev,
							    user_buffer(test, SZ_64K, 7),
							    &v, sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 7);
}

static struct kunit_case amdgpu_svm_mm_cases[] = {
	KUNIT_CASE(mm_mprotect_zaps_and_next_fault_maps_read_only),
	KUNIT_CASE(mm_mprotect_xnack_off_restores_read_only),
	KUNIT_CASE(mm_fork_cow_gpu_follows_the_parent),
	KUNIT_CASE_PARAM(mm_exit_closes_the_svm, xnack_gen_params),
	KUNIT_CASE(mm_compute_vm_gets_an_svm),
	{}
};

static struct kunit_suite amdgpu_svm_mm_suite = {
	.name = "amdgpu_svm_mm",
	.test_cases = amdgpu_svm_mm_cases,
};

kunit_test_suite(amdgpu_svm_mm_suite);
