// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of what the process address space does under the SVM:
 * mprotect(), fork() with copy-on-write, the address space going away
 * while the VM lives, and a VM that KFD acquires (one VM, one SVM).  Everything but
 * the GPU is real: the VMAs, the page tables, the MMU notifiers, the fork.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#if IS_BUILTIN(CONFIG_DRM_AMDGPU)
/* The mmu_gather of test_mprotect(); its TLB flush is not for modules. */
#include <asm/tlb.h>
#endif

#include <drm/amdgpu_drm.h>

#include "../amdgpu.h"
#include "../amdgpu_migrate.h"
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
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops), 1);

	/* What the restore worker maps again follows the new protection. */
	amdgpu_svm_test_run_restore(tdev);
	KUNIT_EXPECT_EQ(test, SZ_2M >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_2M));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(tdev), 1);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(tdev, buf, &pte));
	KUNIT_EXPECT_FALSE(test, pte.flags & AMDGPU_PTE_WRITEABLE);
	KUNIT_EXPECT_EQ(test, -EACCES, amdgpu_svm_test_gpu_access(tdev, buf, &v,
								  sizeof(v), true));
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf + SZ_1M),
			0x3a08 ^ (SZ_1M >> PAGE_SHIFT));
}

/*
 * XNACK off, mprotect(PROT_NONE) of half of mapped memory: its PTEs go,
 * the restore worker maps back the other half, gives the PROT_NONE half
 * up (hmm_range_fault() could only fail on it) and lets the queues run.
 * A SET over PROT_NONE memory succeeds and maps none of it.
 */
static void mm_prot_none_xnack_off_restore_skips_it(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, false);
	unsigned long buf = user_buffer(test, SZ_2M, 0x9707);
	unsigned long other = user_buffer(test, SZ_64K, 0x0e);
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;

	if (!IS_BUILTIN(CONFIG_DRM_AMDGPU))
		kunit_skip(test, "mprotect_fixup() is not exported");

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_2M, &allow, 1));
	KUNIT_ASSERT_EQ(test, 0, test_mprotect(buf, SZ_1M, VM_NONE));
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops), 1);

	amdgpu_svm_test_run_restore(tdev);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(tdev), 1);
	KUNIT_EXPECT_EQ(test, svm->restore.nspans, 0);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, buf,
							    buf + SZ_1M));
	KUNIT_EXPECT_EQ(test, SZ_1M >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, buf + SZ_1M,
						   buf + SZ_2M));
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf + SZ_1M),
			0x9707 ^ (SZ_1M >> PAGE_SHIFT));

	KUNIT_ASSERT_EQ(test, 0, test_mprotect(other, SZ_64K, VM_NONE));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       other, SZ_64K, &allow, 1));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, other,
							    other + SZ_64K));
}

/*
 * A SET over a device mapping (here an untouched VMA marked VM_IO, as a
 * driver's mmap() marks MMIO) is refused whole, as KFD refuses it.
 */
static void mm_set_refuses_device_mappings(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, false);
	unsigned long buf = user_buffer(test, SZ_64K, 0x10);
	/* Read-only, so that it does not merge with the buffer's VMA. */
	unsigned long io = kunit_vm_mmap(test, NULL, 0, SZ_64K, PROT_READ,
					 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;
	struct vm_area_struct *vma;
	char *before;

	KUNIT_ASSERT_TRUE(test, io && io < TASK_SIZE);
	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, io);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vm_flags_set(vma, VM_IO);
	mmap_write_unlock(current->mm);

	before = amdgpu_svm_test_attr_dump(test, &svm->attrs);
	KUNIT_EXPECT_EQ(test, -EFAULT,
			amdgpu_svm_test_ioctl(tdev, AMDGPU_SVM_OP_SET_ATTR, io,
					      SZ_64K, &allow, 1));
	KUNIT_EXPECT_STREQ(test, amdgpu_svm_test_attr_dump(test, &svm->attrs),
			   before);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, io,
							    io + SZ_64K));
	/* Ordinary memory next to it is fine. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_64K, &allow, 1));
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf + SZ_4K), 0x10 ^ 1);
}

/* The child of test_fork(): it keeps its copy of the address space alive. */
struct fork_child {
	unsigned long addr;
	struct completion forked;
	struct completion may_read;
	struct completion done;
	/* if not 0, written at @addr after the reads, then read back */
	u32 write;
	u32 seen[3];
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
	if (!c->ret && c->write)
		c->ret = put_user(c->write, (u32 __user *)c->addr) ?:
			 get_user(c->seen[2], (u32 __user *)c->addr);
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

static const bool child_exits_first[] = { true, false };

static void exit_order_desc(const bool *child_first, char *desc)
{
	strscpy(desc, *child_first ? "child exits first" :
		"parent unmaps first", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(exit_order, child_exits_first, exit_order_desc);

/*
 * fork() while a buffer is in VRAM: parent and child share its device
 * pages copy-on-write. Each reads its own data, faulting the pages back
 * to system memory for both; the child's write never reaches the parent,
 * and whichever lets go of the buffer first, the other keeps it intact.
 */
static void mm_fork_with_pages_in_vram(struct kunit *test)
{
	const struct drm_amdgpu_svm_attribute to_gpu[] = {
		{ AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_ALLOW_MIGRATE },
		{ AMDGPU_SVM_ATTR_PREFETCH_LOC, 1 },
	};
	bool child_first = *(const bool *)test->param_value;
	struct amdgpu_svm_test_dev *tdev;
	struct fork_child *c;
	unsigned long buf;

	if (!IS_BUILTIN(CONFIG_DRM_AMDGPU))
		kunit_skip(test, "kernel_clone() is not exported");

	tdev = amdgpu_svm_test_dev_create_with_vram(test, true, SZ_16M);
	buf = amdgpu_svm_test_user_buffer(test, SZ_2M, 0xf04);
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->addr = buf;
	c->write = 0xc41d;
	init_completion(&c->forked);
	init_completion(&c->may_read);
	init_completion(&c->done);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_2M, to_gpu,
						       ARRAY_SIZE(to_gpu)));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(tdev->vram),
			SZ_2M >> PAGE_SHIFT);
	KUNIT_ASSERT_EQ(test, 0, test_fork(c));

	if (child_first) {
		complete(&c->may_read);
		wait_for_completion(&c->done);
		/* The parent's data, on the CPU and the GPU alike. */
		KUNIT_EXPECT_EQ(test, cpu_read32(test, buf), 0xf04);
		KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf), 0xf04);
		KUNIT_EXPECT_EQ(test, cpu_read32(test, buf + 5 * PAGE_SIZE),
				0xf04 ^ 5);
	} else {
		/* The parent writes its copy, then lets go of the buffer. */
		KUNIT_ASSERT_EQ(test, 0, put_user(0x9a7e, (u32 __user *)buf));
		KUNIT_EXPECT_EQ(test, cpu_read32(test, buf + 5 * PAGE_SIZE),
				0xf04 ^ 5);
		KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_2M));
		complete(&c->may_read);
		wait_for_completion(&c->done);
	}
	KUNIT_EXPECT_EQ(test, c->ret, 0);
	KUNIT_EXPECT_EQ(test, c->seen[0], 0xf04);
	KUNIT_EXPECT_EQ(test, c->seen[1], 0);
	KUNIT_EXPECT_EQ(test, c->seen[2], 0xc41d);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(tdev->vram), 0);
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

	/* The process opened the file itself: the SVM will be its. */
	amdgpu_svm_test_open_file(tdev);
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
	/*
	 * Exit is no invalidation to restore from (MMU_NOTIFY_RELEASE):
	 * nothing was left to map again; the queues, stopped while the
	 * PTEs went (XNACK off), run again.
	 */
	KUNIT_EXPECT_EQ(test, svm->restore.nspans, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops),
			amdgpu_svm_test_queue_starts(tdev));
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops), xnack_on ? 0 : 1);

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

/* What AMDKFD_IOC_ACQUIRE_VM does to the file's VM (KFD's acquire). */
static int kfd_acquire_vm(struct amdgpu_svm_test_dev *tdev)
{
	return amdgpu_vm_make_compute(tdev->adev, &tdev->fpriv->vm);
}

static int kfd_acquire_fn(void *arg)
{
	return kfd_acquire_vm(arg);
}

/*
 * One VM, one SVM: a VM that KFD acquired is KFD's. The ioctl refuses it,
 * nothing of ours is made for it, and its GPU faults pass us by (to KFD,
 * which this kernel does not build: amdgpu's no-retry PTE ends them).
 */
static void mm_kfd_vm_is_not_ours(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test, true);
	unsigned long buf = user_buffer(test, SZ_64K, 7);
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, kfd_acquire_vm(tdev));
	KUNIT_EXPECT_EQ(test, -EBUSY, amdgpu_svm_test_ioctl(tdev,
							    AMDGPU_SVM_OP_RESET_ATTR,
							    buf, SZ_64K,
							    NULL, 0));
	KUNIT_EXPECT_EQ(test, -EBUSY, amdgpu_svm_test_ioctl(tdev,
							    AMDGPU_SVM_OP_SET_ATTR,
							    buf, SZ_64K,
							    &allow, 1));
	KUNIT_EXPECT_NULL(test, tdev->fpriv->vm.svm);
	/* -ENOENT: no SVM of ours answered the fault. */
	KUNIT_EXPECT_EQ(test, -ENOENT,
			amdgpu_svm_test_gpu_access(tdev, buf, &v, sizeof(v),
						   false));
	KUNIT_EXPECT_NULL(test, tdev->fpriv->vm.svm);
}

/*
 * The other way round: once the ioctl made the file's SVM, KFD cannot
 * acquire the VM (its acquire fails), whichever process asks, and the SVM
 * keeps serving the VM's faults.
 */
static void mm_svm_vm_cannot_be_acquired_by_kfd(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test, true);
	unsigned long buf = user_buffer(test, SZ_64K, 7);
	struct amdgpu_svm *svm;
	u32 v = 0;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       buf, SZ_64K, NULL, 0));
	svm = tdev->fpriv->vm.svm;
	KUNIT_ASSERT_NOT_NULL(test, svm);

	KUNIT_EXPECT_EQ(test, -EBUSY, kfd_acquire_vm(tdev));
	KUNIT_EXPECT_EQ(test, -EBUSY,
			amdgpu_svm_test_run_process(test, kfd_acquire_fn, tdev));
	KUNIT_EXPECT_FALSE(test, tdev->fpriv->vm.is_compute_context);
	KUNIT_EXPECT_PTR_EQ(test, tdev->fpriv->vm.svm, svm);

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_access(tdev, buf, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 7);
}

/*
 * A stand-in for KFD's registration of VRAM as MEMORY_DEVICE_COHERENT
 * (kgd2kfd_init_zone_device() where the CPU is XGMI-connected): device
 * pages the CPU addresses like memory, of KFD's owner, whose
 * zone_device_data is KFD's own (its svm_range_bo). The physical range
 * has no memory behind it here: nothing reads or writes the pages'
 * content, only their struct pages are used.
 */
struct kfd_coherent {
	struct dev_pagemap pgmap;
	struct resource *res;
	/* What KFD keeps in zone_device_data; nothing of ours may use it. */
	u8 kfd_data[64];
	atomic_t freed;
};

static void kfd_coherent_folio_free(struct folio *folio)
{
	struct kfd_coherent *kc = container_of(page_pgmap(&folio->page),
					       struct kfd_coherent, pgmap);

	atomic_inc(&kc->freed);
}

static const struct dev_pagemap_ops kfd_coherent_ops = {
	.folio_free = kfd_coherent_folio_free,
};

static void kfd_coherent_unregister(void *data)
{
	struct kfd_coherent *kc = data;

	memunmap_pages(&kc->pgmap);
	release_mem_region(kc->res->start, resource_size(kc->res));
}

static struct kfd_coherent *kfd_coherent_register(struct kunit *test)
{
	struct kfd_coherent *kc = kunit_kzalloc(test, sizeof(*kc), GFP_KERNEL);
	void *addr;

	KUNIT_ASSERT_NOT_NULL(test, kc);
	kc->res = request_free_mem_region(&iomem_resource, SZ_2M,
					  "kfd-coherent-stand-in");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kc->res);
	kc->pgmap.type = MEMORY_DEVICE_COHERENT;
	kc->pgmap.range.start = kc->res->start;
	kc->pgmap.range.end = kc->res->end;
	kc->pgmap.nr_range = 1;
	kc->pgmap.ops = &kfd_coherent_ops;
	kc->pgmap.owner = kc;
	addr = memremap_pages(&kc->pgmap, numa_node_id());
	if (IS_ERR(addr)) {
		release_mem_region(kc->res->start, resource_size(kc->res));
		KUNIT_FAIL_AND_ABORT(test, "memremap_pages: %ld", PTR_ERR(addr));
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   kfd_coherent_unregister,
							   kc));
	return kc;
}

/* Move the page at @addr into the stand-in, as KFD's migration would. */
static void kfd_coherent_take(struct kunit *test, struct kfd_coherent *kc,
			      unsigned long addr)
{
	struct page *dpage = pfn_to_page(PHYS_PFN(kc->res->start));
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.start = addr,
		.end = addr + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = kc,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
	};
	int ret;

	mmap_read_lock(current->mm);
	args.vma = vma_lookup(current->mm, addr);
	ret = args.vma ? migrate_vma_setup(&args) : -EFAULT;
	if (!ret && (src & MIGRATE_PFN_MIGRATE)) {
		zone_device_page_init(dpage, &kc->pgmap, 0);
		/* As KFD's svm_migrate_get_vram_page() sets it. */
		dpage->zone_device_data = kc->kfd_data;
		dst = migrate_pfn(page_to_pfn(dpage));
	}
	if (!ret) {
		migrate_vma_pages(&args);
		migrate_vma_finalize(&args);
	}
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_EQ(test, 0, ret);
	/* Still set after migrate_vma_pages(): the page moved. */
	KUNIT_ASSERT_TRUE(test, src & MIGRATE_PFN_MIGRATE);
}

/*
 * KFD lets go of the page at @addr: it goes back to system memory, as
 * KFD's svm_migrate_vram_to_ram() would, holding @value (the stand-in's
 * pages have no content to copy).
 */
static void kfd_coherent_give_back(struct kunit *test, struct kfd_coherent *kc,
				   unsigned long addr, u32 value)
{
	struct page *spage = alloc_page(GFP_HIGHUSER);
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.start = addr,
		.end = addr + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = kc,
		.flags = MIGRATE_VMA_SELECT_DEVICE_COHERENT,
	};
	u32 *p;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, spage);
	p = kmap_local_page(spage);
	*p = value;
	kunmap_local(p);

	mmap_read_lock(current->mm);
	args.vma = vma_lookup(current->mm, addr);
	ret = args.vma ? migrate_vma_setup(&args) : -EFAULT;
	if (!ret && (src & MIGRATE_PFN_MIGRATE)) {
		lock_page(spage);
		dst = migrate_pfn(page_to_pfn(spage));
		spage = NULL;
	}
	if (!ret) {
		migrate_vma_pages(&args);
		migrate_vma_finalize(&args);
	}
	mmap_read_unlock(current->mm);
	if (spage)
		__free_page(spage);
	KUNIT_ASSERT_EQ(test, 0, ret);
	KUNIT_ASSERT_TRUE(test, src & MIGRATE_PFN_MIGRATE);
}

/* The page that backs @addr in the process, by its PFN. */
static unsigned long user_pfn(struct kunit *test, unsigned long addr)
{
	struct page *page;
	unsigned long pfn;

	KUNIT_ASSERT_EQ(test, 1, get_user_pages_fast(addr, 1, 0, &page));
	pfn = page_to_pfn(page);
	put_page(page);
	return pfn;
}

/*
 * One VM, one SVM, also for memory: where KFD holds VRAM as device
 * coherent memory, hmm_range_fault() hands its pages to drm_gpusvm
 * whatever their owner. They are KFD's: the SVM neither maps them nor
 * reads KFD's zone_device_data as drm_pagemap's. A range holding one is
 * refused (-EOPNOTSUPP, a fatal GPU fault), nothing of it is mapped, the
 * page stays where KFD put it, and other memory maps as before.
 */
static void mm_kfd_coherent_pages_are_not_ours(struct kunit *test)
{
	struct kfd_coherent *kc = kfd_coherent_register(test);
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, true);
	unsigned long buf = user_buffer(test, SZ_64K, 0xc0);
	unsigned long other;
	u32 v = 0;

	/* A VMA of its own (NORESERVE keeps it from merging with @buf). */
	other = kunit_vm_mmap(test, NULL, 0, SZ_64K, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE | MAP_NORESERVE, 0);
	KUNIT_ASSERT_TRUE(test, other && other < TASK_SIZE);
	KUNIT_ASSERT_EQ(test, 0, put_user(0x07, (u32 __user *)other));
	kfd_coherent_take(test, kc, buf + SZ_16K);
	KUNIT_ASSERT_EQ(test, user_pfn(test, buf + SZ_16K),
			PHYS_PFN(kc->res->start));

	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			amdgpu_svm_test_gpu_access(tdev, buf + SZ_16K, &v,
						   sizeof(v), false));
	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_64K));
	KUNIT_EXPECT_EQ(test, user_pfn(test, buf + SZ_16K),
			PHYS_PFN(kc->res->start));
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, other), 0x07);

	/* The process lets go of the page: KFD gets it back. */
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_64K));
	KUNIT_EXPECT_EQ(test, atomic_read(&kc->freed), 1);
}

/*
 * XNACK off, a SET over memory that holds a page KFD took: the range of
 * that page is refused (-EOPNOTSUPP, as the uAPI documents), and every
 * other range of the SET, in the same attribute run and in the next, is
 * mapped all the same, as KFD's svm_range_set_attr() maps every range
 * and returns the error.
 */
static void mm_xnack_off_set_maps_around_kfd_pages(struct kunit *test)
{
	const struct drm_amdgpu_svm_attribute exec = {
		AMDGPU_SVM_ATTR_GPU_EXEC, 1
	};
	struct kfd_coherent *kc = kfd_coherent_register(test);
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, false);
	unsigned long buf = user_buffer(test, SZ_256K, 0xc2);
	unsigned long mapped;

	/* Two attribute runs, so that the SET below makes two changes. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf + SZ_128K, SZ_128K,
						       &exec, 1));
	kfd_coherent_take(test, kc, buf + SZ_16K);
	KUNIT_EXPECT_EQ(test, -EOPNOTSUPP,
			amdgpu_svm_test_ioctl(tdev, AMDGPU_SVM_OP_SET_ATTR,
					      buf, SZ_256K, &allow, 1));
	/* The page's range stays unmapped, and only it. */
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, buf + SZ_16K,
							    buf + SZ_16K +
							    PAGE_SIZE));
	mapped = amdgpu_svm_test_gpu_mapped(tdev, buf, buf + SZ_256K);
	KUNIT_EXPECT_GE(test, mapped, (SZ_256K - SZ_64K) >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf + SZ_256K - PAGE_SIZE),
			0xc2 ^ 63);
	KUNIT_EXPECT_EQ(test, user_pfn(test, buf + SZ_16K),
			PHYS_PFN(kc->res->start));
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_256K));
}

/*
 * XNACK off, the process let KFD migrate a page the SVM had mapped: the
 * invalidation stops the queues and zaps the range, and the restore
 * cannot map it again. It gives that range up and resumes the queues (a
 * touch there is a fatal fault) instead of retrying with the queues
 * stopped for good. Once KFD lets go of the page, the range is mapped
 * again.
 */
static void mm_xnack_off_restore_gives_up_on_kfd_pages(struct kunit *test)
{
	struct kfd_coherent *kc = kfd_coherent_register(test);
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, false);
	unsigned long buf = user_buffer(test, SZ_256K, 0xc3);
	struct amdgpu_svm *svm = tdev->fpriv->vm.svm;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, SZ_256K, &allow, 1));
	kfd_coherent_take(test, kc, buf + SZ_16K);
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops), 1);

	amdgpu_svm_test_run_restore(tdev);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(tdev), 1);
	KUNIT_EXPECT_EQ(test, svm->restore.nspans, 0);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&svm->restore.work));
	KUNIT_EXPECT_EQ(test, -EFAULT,
			amdgpu_svm_test_gpu_access(tdev, buf + SZ_16K, &v,
						   sizeof(v), false));
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf + SZ_256K - PAGE_SIZE),
			0xc3 ^ 63);

	/* KFD lets go of the page: the range is the SVM's to map again. */
	kfd_coherent_give_back(test, kc, buf + SZ_16K, 0xbac);
	KUNIT_EXPECT_EQ(test, atomic_read(&kc->freed), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&tdev->sim->queue_stops), 2);
	amdgpu_svm_test_run_restore(tdev);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(tdev), 2);
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf + SZ_16K), 0xbac);
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_256K));
}

/* Another process holding the file (a child, say) calls first. */
static int other_process_fn(void *arg)
{
	struct amdgpu_svm_test_dev *tdev = arg;
	struct drm_amdgpu_gem_svm args = {
		.operation = AMDGPU_SVM_OP_RESET_ATTR,
		.start_addr = SZ_1G, .size = SZ_2M,
	};

	return amdgpu_gem_svm_ioctl(tdev->drm, &args, tdev->file);
}

/*
 * The SVM belongs to the process that opened the file, whoever calls
 * first: another process cannot bind the VM to its own address space,
 * nor lock the owner out.
 */
static void mm_svm_belongs_to_the_opener(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test, true);
	struct amdgpu_svm *svm;

	KUNIT_EXPECT_EQ(test, -EPERM,
			amdgpu_svm_test_run_process(test, other_process_fn,
						    tdev));
	KUNIT_EXPECT_NULL(test, tdev->fpriv->vm.svm);

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       SZ_1G, SZ_2M, NULL, 0));
	svm = tdev->fpriv->vm.svm;
	KUNIT_ASSERT_NOT_NULL(test, svm);
	KUNIT_EXPECT_PTR_EQ(test, svm->mm, current->mm);

	/* Once made, still the owner's alone. */
	KUNIT_EXPECT_EQ(test, -EPERM,
			amdgpu_svm_test_run_process(test, other_process_fn,
						    tdev));
	KUNIT_EXPECT_PTR_EQ(test, tdev->fpriv->vm.svm, svm);
}

static u64 svm_range_end(struct amdgpu_svm_test_dev *tdev)
{
	struct drm_gpusvm *gpusvm = &tdev->fpriv->vm.svm->gpusvm;

	return gpusvm->mm_start + gpusvm->mm_range;
}

static int set_allow(struct amdgpu_svm_test_dev *tdev, u64 start, u64 size)
{
	return amdgpu_svm_test_ioctl(tdev, AMDGPU_SVM_OP_SET_ATTR, start, size,
				     &allow, 1);
}

/*
 * An SVM address is a GPU address too: the SVM ends where the GPU VM's
 * usable part does (its size less the areas reserved at the top), as
 * GEM_VA checks a buffer mapping, even where the CPU's address space goes
 * further. A SET there is refused; a GPU fault there maps nothing, and a
 * fault below it maps nothing beyond it.
 */
static void mm_svm_bounded_by_the_gpu_vm(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test, true);
	struct amdgpu_vm_manager *mgr = &tdev->adev->vm_manager;
	u64 max_pfn = mgr->max_pfn, lo, hi;
	unsigned long buf;
	u32 v = 0;

	/* The VM amdgpu.vm_size=64 (GiB) makes. */
	mgr->max_pfn = SZ_64G / AMDGPU_GPU_PAGE_SIZE;
	amdgpu_svm_va_bounds(tdev->adev, &lo, &hi);
	KUNIT_EXPECT_EQ(test, lo, AMDGPU_VA_RESERVED_BOTTOM);
	KUNIT_EXPECT_EQ(test, hi, SZ_64G - AMDGPU_VA_RESERVED_TOP);

	/* The SVM is made: it mirrors no more than these bounds. */
	KUNIT_EXPECT_EQ(test, 0, set_allow(tdev, lo, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, svm_range_end(tdev), hi);

	/* CPU memory across the end of the VM, with the default attributes. */
	buf = kunit_vm_mmap(test, NULL, hi - SZ_64K, SZ_128K,
			    PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED_NOREPLACE, 0);
	if (buf != hi - SZ_64K) {
		mgr->max_pfn = max_pfn;
		KUNIT_FAIL_AND_ABORT(test, "no memory at %llx", hi - SZ_64K);
	}
	KUNIT_EXPECT_EQ(test, -EFAULT,
			amdgpu_svm_test_gpu_access(tdev, hi, &v, sizeof(v),
						   false));
	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_test_gpu_access(tdev, hi - PAGE_SIZE, &v,
						   sizeof(v), false));
	/* The range stops at the end of the VM, not of the VMA. */
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(tdev, hi - SZ_64K, hi),
			SZ_64K >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_gpu_mapped(tdev, hi, hi + SZ_64K),
			0);

	KUNIT_EXPECT_EQ(test, -EINVAL, set_allow(tdev, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, -EINVAL, set_allow(tdev, hi - PAGE_SIZE,
						 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, -EINVAL, set_allow(tdev, hi, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, -EINVAL, set_allow(tdev, SZ_128G, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, 0, set_allow(tdev, hi - PAGE_SIZE, PAGE_SIZE));
	mgr->max_pfn = max_pfn;
}

/* A process that maps memory for the GPU, then exits when told. */
struct racing_exit {
	struct amdgpu_svm_test_dev *tdev;
	struct amdgpu_svm_test_process *process;
	unsigned long buf;
	struct completion ready;
	struct completion may_exit;
	bool inside;
	bool exited_under_lock;
};

static int racing_exit_fn(void *arg)
{
	struct racing_exit *r = arg;
	int ret;

	amdgpu_svm_test_open_file(r->tdev);
	r->buf = vm_mmap(NULL, 0, SZ_64K, PROT_READ | PROT_WRITE,
			 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	ret = clear_user((void __user *)r->buf, SZ_64K) ? -EFAULT :
	      amdgpu_svm_test_ioctl(r->tdev, AMDGPU_SVM_OP_RESET_ATTR, r->buf,
				    SZ_64K, NULL, 0);
	complete(&r->ready);
	wait_for_completion(&r->may_exit);
	return ret;
}

static struct racing_exit *racing;

/* Inside the SVM lock: the process exits, its last thread gone. */
static void exit_inside_the_lock(struct amdgpu_svm_test_dev *tdev)
{
	struct racing_exit *r = racing;

	r->inside = true;
	complete(&r->may_exit);
	r->exited_under_lock =
		amdgpu_svm_test_process_wait(r->process, 5 * HZ);
}

/*
 * A GPU fault holds the address space's users across the SVM lock: a
 * process that exits while the fault is inside does not tear its address
 * space down there (exit_mmap() closes the SVM, which needs that lock and
 * waits for the collector that waits for it). The process is done at
 * once; the fault's own reference, dropped after the lock, is the last
 * one and closes the SVM.
 */
static void mm_exit_while_a_fault_holds_the_svm(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test, true);
	struct racing_exit *r;
	struct amdgpu_svm *svm;
	int ret;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->tdev = tdev;
	init_completion(&r->ready);
	init_completion(&r->may_exit);
	r->process = amdgpu_svm_test_process_start(test, racing_exit_fn, r);
	wait_for_completion(&r->ready);
	svm = tdev->fpriv->vm.svm;
	KUNIT_ASSERT_NOT_NULL(test, svm);

	racing = r;
	tdev->before_commit = exit_inside_the_lock;
	/* The mapping may fail (the pages went with the process), not hang. */
	ret = amdgpu_svm_handle_fault(tdev->adev, tdev->fpriv->vm.pasid, r->buf,
				      false);
	complete(&r->may_exit);
	KUNIT_EXPECT_TRUE_MSG(test, r->inside, "the fault returned %d early",
			      ret);
	KUNIT_EXPECT_TRUE_MSG(test, r->exited_under_lock,
			      "the process's exit waited for the SVM lock");
	amdgpu_svm_test_process_wait(r->process, MAX_SCHEDULE_TIMEOUT);
	KUNIT_EXPECT_EQ(test, r->process->ret, 0);

	/* The address space is gone: the SVM closed, nothing mapped. */
	KUNIT_EXPECT_TRUE(test, svm->closed);
	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_sim_count_valid(tdev->sim, &tdev->fpriv->vm));
}

/*
 * XNACK off: the process maps memory for the GPU, write-protects it (the
 * PTEs go, a restore is due), then exits when told.
 */
static int restoring_exit_fn(void *arg)
{
	struct racing_exit *r = arg;
	int ret;

	amdgpu_svm_test_open_file(r->tdev);
	r->buf = vm_mmap(NULL, 0, SZ_64K, PROT_READ | PROT_WRITE,
			 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	ret = clear_user((void __user *)r->buf, SZ_64K) ? -EFAULT :
	      amdgpu_svm_test_ioctl(r->tdev, AMDGPU_SVM_OP_SET_ATTR, r->buf,
				    SZ_64K, &allow, 1);
	if (!ret) {
		/* The test runs the restore when it is ready. */
		r->tdev->fpriv->vm.svm->restore.delay = 3600 * HZ;
		ret = test_mprotect(r->buf, SZ_64K, VM_READ);
	}
	complete(&r->ready);
	wait_for_completion(&r->may_exit);
	return ret;
}

static struct kunit *restoring_test;

/* The restore work, with the case's race hook in reach. */
static void restore_work_of_the_test(struct work_struct *work)
{
	current->kunit_test = restoring_test;
	amdgpu_svm_range_restore_work(work);
	current->kunit_test = NULL;
}

/*
 * XNACK off: the restore worker holds the address space's users across the
 * SVM lock, and drops its reference asynchronously. A process whose last
 * thread exits while the worker maps is done at once; the worker's
 * reference is the last, and exit_mmap() must not run in the worker: the
 * SVM's closing cancels the restore work, which would wait for itself.
 * The SVM closes, elsewhere, soon after.
 */
static void mm_exit_while_the_restore_worker_maps(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = amdgpu_svm_test_dev_create(test,
								      false);
	struct amdgpu_svm *svm;
	struct racing_exit *r;
	bool closed = false;
	int i;

	if (!IS_BUILTIN(CONFIG_DRM_AMDGPU))
		kunit_skip(test, "mprotect_fixup() is not exported");

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->tdev = tdev;
	init_completion(&r->ready);
	init_completion(&r->may_exit);
	r->process = amdgpu_svm_test_process_start(test, restoring_exit_fn, r);
	wait_for_completion(&r->ready);
	svm = tdev->fpriv->vm.svm;
	KUNIT_ASSERT_NOT_NULL(test, svm);
	KUNIT_ASSERT_EQ(test, atomic_read(&tdev->sim->queue_stops), 1);
	KUNIT_ASSERT_EQ(test, svm->restore.nspans, 1);

	/* The real work item, run by a kworker now. */
	cancel_delayed_work_sync(&svm->restore.work);
	restoring_test = test;
	svm->restore.work.work.func = restore_work_of_the_test;
	racing = r;
	tdev->before_commit = exit_inside_the_lock;
	mod_delayed_work(system_dfl_wq, &svm->restore.work, 0);

	amdgpu_svm_test_process_wait(r->process, MAX_SCHEDULE_TIMEOUT);
	KUNIT_EXPECT_EQ(test, r->process->ret, 0);
	for (i = 0; i < 100 && !closed; i++) {
		msleep(100);
		closed = READ_ONCE(svm->closed);
	}
	KUNIT_ASSERT_TRUE_MSG(test, closed,
			      "the SVM did not close: exit_mmap() in the worker?");
	/* The closing cancelled the work: the worker is done. */
	KUNIT_EXPECT_TRUE_MSG(test, r->inside, "the restore never mapped");
	KUNIT_EXPECT_TRUE_MSG(test, r->exited_under_lock,
			      "the process's exit waited for the SVM lock");
	/* Every stop of the queues was followed by a restart. */
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_queue_starts(tdev),
			atomic_read(&tdev->sim->queue_stops));
	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_svm_sim_count_valid(tdev->sim, &tdev->fpriv->vm));
}

/*
 * XNACK off, what the GPU maps stays resident: each range is reserved
 * against the system memory limit (KFD's, or one of its size) from when it
 * is made until it is freed, once, however often it is mapped again. A
 * SET beyond the limit fails with -ENOMEM; what is released makes room.
 * XNACK on, the GPU faults pages in as it goes: nothing is reserved.
 */
static void mm_xnack_off_mappings_within_the_memory_limit(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, false);
	unsigned long a = user_buffer(test, SZ_64K, 0x1a);
	unsigned long b = user_buffer(test, SZ_128K, 0x2b);
	static const struct drm_amdgpu_svm_attribute gpu_ro = {
		AMDGPU_SVM_ATTR_GPU_RO, 1
	};
	struct drm_amdgpu_svm_attribute access = {
		AMDGPU_SVM_ATTR_ACCESS, 0
	};
	struct amdgpu_svm_test_mem_hold *hold;

	/* The limit leaves the SVM room for 128 KiB. */
	hold = amdgpu_svm_test_mem_hold(test, SZ_128K);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       a, SZ_64K, &allow, 1));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), SZ_64K);

	/* Mapped again after an invalidation: reserved once. */
	if (IS_BUILTIN(CONFIG_DRM_AMDGPU)) {
		KUNIT_ASSERT_EQ(test, 0, test_mprotect(a, SZ_64K, VM_READ));
		amdgpu_svm_test_run_restore(tdev);
		KUNIT_EXPECT_EQ(test, SZ_64K >> PAGE_SHIFT,
				amdgpu_svm_test_gpu_mapped(tdev, a, a + SZ_64K));
		KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), SZ_64K);
	}

	/* Twice as much again does not fit: nothing changes. */
	KUNIT_EXPECT_EQ(test, -ENOMEM,
			amdgpu_svm_test_ioctl(tdev, AMDGPU_SVM_OP_SET_ATTR, b,
					      SZ_128K, &allow, 1));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), SZ_64K);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, b,
							    b + SZ_128K));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_GET_ATTR,
						       b, SZ_128K, &access, 1));
	KUNIT_EXPECT_EQ(test, access.value, AMDGPU_SVM_ACCESS_INACCESSIBLE);
	KUNIT_EXPECT_EQ(test, SZ_64K >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, a, a + SZ_64K));

	/* At the limit, new flags for what is mapped need nothing more. */
	amdgpu_svm_test_mem_headroom(test, hold, 0);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       a, SZ_64K, &gpu_ro, 1));
	KUNIT_EXPECT_EQ(test, SZ_64K >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, a, a + SZ_64K));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), 0);
	amdgpu_svm_test_mem_headroom(test, hold, SZ_64K);

	/* Access to the first buffer withdrawn: its ranges and reservation go. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       a, SZ_64K, NULL, 0));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_gpu_mapped(tdev, a, a + SZ_64K));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), SZ_128K);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       b, SZ_128K, &allow, 1));
	KUNIT_EXPECT_EQ(test, SZ_128K >> PAGE_SHIFT,
			amdgpu_svm_test_gpu_mapped(tdev, b, b + SZ_128K));
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, b + SZ_64K),
			0x2b ^ (SZ_64K >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), 0);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       b, SZ_128K, NULL, 0));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), SZ_128K);
}

static void mm_xnack_on_faults_reserve_nothing(struct kunit *test)
{
	struct amdgpu_svm_test_dev *tdev = dev_with_svm(test, true);
	unsigned long buf = user_buffer(test, SZ_128K, 0x3c);

	/* Not a byte of room: a fault needs none. */
	amdgpu_svm_test_mem_hold(test, 0);
	KUNIT_EXPECT_EQ(test, gpu_read32(tdev, buf + SZ_64K),
			0x3c ^ (SZ_64K >> PAGE_SHIFT));
	KUNIT_EXPECT_GT(test, amdgpu_svm_test_gpu_mapped(tdev, buf,
							 buf + SZ_128K), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_mem_free(), 0);
}

static struct kunit_case amdgpu_svm_mm_cases[] = {
	KUNIT_CASE(mm_mprotect_zaps_and_next_fault_maps_read_only),
	KUNIT_CASE(mm_mprotect_xnack_off_restores_read_only),
	KUNIT_CASE(mm_prot_none_xnack_off_restore_skips_it),
	KUNIT_CASE(mm_set_refuses_device_mappings),
	KUNIT_CASE(mm_fork_cow_gpu_follows_the_parent),
	KUNIT_CASE_PARAM(mm_fork_with_pages_in_vram, exit_order_gen_params),
	KUNIT_CASE_PARAM(mm_exit_closes_the_svm, xnack_gen_params),
	KUNIT_CASE(mm_kfd_vm_is_not_ours),
	KUNIT_CASE(mm_svm_vm_cannot_be_acquired_by_kfd),
	KUNIT_CASE(mm_kfd_coherent_pages_are_not_ours),
	KUNIT_CASE(mm_xnack_off_set_maps_around_kfd_pages),
	KUNIT_CASE(mm_xnack_off_restore_gives_up_on_kfd_pages),
	KUNIT_CASE(mm_svm_belongs_to_the_opener),
	KUNIT_CASE(mm_svm_bounded_by_the_gpu_vm),
	KUNIT_CASE(mm_exit_while_a_fault_holds_the_svm),
	KUNIT_CASE(mm_exit_while_the_restore_worker_maps),
	KUNIT_CASE(mm_xnack_off_mappings_within_the_memory_limit),
	KUNIT_CASE(mm_xnack_on_faults_reserve_nothing),
	{}
};

static struct kunit_suite amdgpu_svm_mm_suite = {
	.name = "amdgpu_svm_mm",
	.test_cases = amdgpu_svm_mm_cases,
};

kunit_test_suite(amdgpu_svm_mm_suite);
