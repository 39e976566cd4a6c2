// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulated device of the amdgpu SVM KUnit suites.
 */

#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/slab.h>

#include <kunit/resource.h>
#include <kunit/static_stub.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_kunit_helpers.h>

#include "../amdgpu.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_attr.h"
#include "../amdgpu_svm_fault.h"
#include "../amdgpu_svm_range.h"
#include "amdgpu_svm_test.h"

#define TEST_DEV_RESOURCE "amdgpu_svm_test_dev"

/* The simulated device of the running test, for the leaves. */
static struct amdgpu_svm_test_dev *test_dev_of(struct amdgpu_svm *svm)
{
	struct kunit *test = kunit_get_current_test();
	struct amdgpu_svm_test_dev *tdev;
	struct kunit_resource *res;

	res = kunit_find_named_resource(test, TEST_DEV_RESOURCE);
	KUNIT_ASSERT_NOT_NULL(test, res);
	tdev = res->data;
	kunit_put_resource(res);
	KUNIT_ASSERT_PTR_EQ(test, tdev->adev, svm->adev);
	return tdev;
}

/* --- The leaves of the model GPU --- */

static struct dma_resv *test_vm_resv(struct amdgpu_svm *svm)
{
	struct amdgpu_svm_test_dev *tdev = test_dev_of(svm);
	void (*hook)(struct amdgpu_svm_test_dev *tdev) = tdev->before_commit;

	if (hook) {
		tdev->before_commit = NULL;
		hook(tdev);
	}
	return &tdev->resv;
}

/* Called under the notifier lock: no allocation may enter reclaim. */
static int test_write_ptes(struct amdgpu_svm *svm, u64 start, u64 last,
			   u64 addr, u64 flags)
{
	struct amdgpu_svm_test_dev *tdev = test_dev_of(svm);
	u64 page;

	atomic_inc(&tdev->pte_writes);
	for (page = start; page <= last; page++) {
		struct amdgpu_svm_test_pte *pte, *old;

		pte = kmalloc_obj(*pte, GFP_ATOMIC);
		if (!pte)
			return -ENOMEM;
		pte->addr = addr + ((page - start) << AMDGPU_GPU_PAGE_SHIFT);
		pte->flags = flags;
		old = xa_store(&tdev->ptes, page, pte, GFP_ATOMIC);
		if (xa_is_err(old)) {
			kfree(pte);
			return xa_err(old);
		}
		kfree(old);
	}
	return 0;
}

static int test_clear_ptes(struct amdgpu_svm *svm, u64 start, u64 last)
{
	struct amdgpu_svm_test_dev *tdev = test_dev_of(svm);
	u64 page;

	for (page = start; page <= last; page++)
		kfree(xa_erase(&tdev->ptes, page));
	return 0;
}

static void test_flush_tlb(struct amdgpu_svm *svm)
{
	atomic_inc(&test_dev_of(svm)->tlb_flushes);
}

static void test_quiesce(struct amdgpu_svm *svm)
{
	atomic_inc(&test_dev_of(svm)->quiesces);
}

static void test_resume(struct amdgpu_svm *svm)
{
	atomic_inc(&test_dev_of(svm)->resumes);
}

/**
 * amdgpu_svm_test_gpu_pte() - the model GPU's PTE for a CPU address
 * @tdev: the device
 * @addr: the address
 * @pte: receives the PTE
 *
 * Context: any.
 * Return: true if a valid PTE maps @addr.
 */
bool amdgpu_svm_test_gpu_pte(struct amdgpu_svm_test_dev *tdev,
			     unsigned long addr, struct amdgpu_svm_test_pte *pte)
{
	struct amdgpu_svm_test_pte *p;
	bool found = false;

	xa_lock(&tdev->ptes);
	p = xa_load(&tdev->ptes, addr >> AMDGPU_GPU_PAGE_SHIFT);
	if (p && (p->flags & AMDGPU_PTE_VALID)) {
		*pte = *p;
		found = true;
	}
	xa_unlock(&tdev->ptes);
	return found;
}

/**
 * amdgpu_svm_test_gpu_mapped() - count GPU pages with a valid PTE
 * @tdev: the device
 * @start: first CPU address
 * @end: end (exclusive)
 *
 * Context: any.
 * Return: the number of valid PTEs in [@start, @end).
 */
unsigned long amdgpu_svm_test_gpu_mapped(struct amdgpu_svm_test_dev *tdev,
					 unsigned long start, unsigned long end)
{
	struct amdgpu_svm_test_pte pte;
	unsigned long addr, n = 0;

	for (addr = start; addr < end; addr += AMDGPU_GPU_PAGE_SIZE)
		n += amdgpu_svm_test_gpu_pte(tdev, addr, &pte);
	return n;
}

/*
 * One page through the page table; -EFAULT if unmapped, -EACCES if RO.
 * The access holds the page-table lock, which the PTE-clearing leaf takes
 * too: once a zap returned, no access through the old PTE is in flight,
 * as the hardware guarantees once the TLB flush completed.
 */
static int gpu_access_page(struct amdgpu_svm_test_dev *tdev, unsigned long addr,
			   void *buf, size_t n, bool write)
{
	struct amdgpu_svm_test_pte *pte;
	void *vaddr;
	int ret = 0;

	xa_lock(&tdev->ptes);
	pte = xa_load(&tdev->ptes, addr >> AMDGPU_GPU_PAGE_SHIFT);
	if (!pte || !(pte->flags & AMDGPU_PTE_VALID)) {
		ret = -EFAULT;
	} else if (write && !(pte->flags & AMDGPU_PTE_WRITEABLE)) {
		ret = -EACCES;
	} else {
		vaddr = kmap_local_page(pfn_to_page(PHYS_PFN(pte->addr)));
		if (write)
			memcpy(vaddr + offset_in_page(addr), buf, n);
		else
			memcpy(buf, vaddr + offset_in_page(addr), n);
		kunmap_local(vaddr);
	}
	xa_unlock(&tdev->ptes);
	return ret;
}

/**
 * amdgpu_svm_test_gpu_access() - the GPU reads or writes memory
 * @tdev: the device
 * @addr: CPU (and GPU) virtual address
 * @buf: what to write, or where to read into
 * @len: bytes
 * @write: write, not read
 *
 * Goes through the model GPU page table: the bytes move to or from the
 * page each PTE points at (without an IOMMU, a DMA address is a physical
 * address). Where the page table refuses the access and the device runs
 * with XNACK on, a GPU fault goes to the real fault handler, as the
 * hardware would raise it, and the access is retried once.
 *
 * Context: process context.
 * Return: 0, -EFAULT if a page has no valid PTE and XNACK is off, -EACCES
 * for a write to a read-only PTE with XNACK off, or the fault handler's
 * error.
 */
int amdgpu_svm_test_gpu_access(struct amdgpu_svm_test_dev *tdev,
			       unsigned long addr, void *buf, size_t len,
			       bool write)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(addr));
		int ret;

		ret = gpu_access_page(tdev, addr, buf, n, write);
		if (ret && !tdev->adev->gmc.noretry) {
			atomic_inc(&tdev->gpu_faults);
			ret = amdgpu_svm_handle_fault(tdev->adev,
						      tdev->fpriv->vm.pasid,
						      addr, write);
			if (!ret)
				ret = gpu_access_page(tdev, addr, buf, n, write);
		}
		if (ret)
			return ret;

		addr += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static const struct file_operations amdgpu_svm_test_fops = {
	.owner = THIS_MODULE,
};

static const struct drm_driver amdgpu_svm_test_driver = {
	.name = "amdgpu_svm_test",
	.fops = &amdgpu_svm_test_fops,
};

static void amdgpu_svm_test_dev_release(void *data)
{
	struct amdgpu_svm_test_dev *tdev = data;
	struct amdgpu_svm_test_pte *pte;
	unsigned long index;

	/* What amdgpu_vm_fini() does for the SVM when the file closes. */
	amdgpu_svm_vm_fini(&tdev->fpriv->vm);
	amdgpu_pasid_free(tdev->fpriv->vm.pasid);

	/* Teardown zapped every PTE it had written. */
	KUNIT_EXPECT_TRUE(tdev->test, xa_empty(&tdev->ptes));
	xa_for_each(&tdev->ptes, index, pte)
		kfree(pte);
	xa_destroy(&tdev->ptes);
	dma_resv_fini(&tdev->resv);
}

/**
 * amdgpu_svm_test_dev_create() - a simulated device with one open file
 * @test: the test; the device lives until it ends
 * @xnack_on: whether the device runs with recoverable page faults
 *
 * Context: process context (a KUnit test).
 * Return: the device; the test is aborted if it cannot be created.
 */
struct amdgpu_svm_test_dev *amdgpu_svm_test_dev_create(struct kunit *test,
						       bool xnack_on)
{
	struct amdgpu_svm_test_dev *tdev;
	struct amdgpu_device *adev;
	struct drm_device *drm;
	int ret;

	tdev = kunit_kzalloc(test, sizeof(*tdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tdev);
	tdev->test = test;

	tdev->dev = drm_kunit_helper_alloc_device(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tdev->dev);

	/*
	 * The helper's typed variant casts the drm_device pointer to the
	 * containing type, which is only right when the member comes first;
	 * in amdgpu_device it does not, so convert with drm_to_adev().
	 */
	drm = __drm_kunit_helper_alloc_drm_device_with_driver(test, tdev->dev,
							      sizeof(*adev),
							      offsetof(typeof(*adev), ddev),
							      &amdgpu_svm_test_driver);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, drm);
	tdev->drm = drm;
	adev = drm_to_adev(drm);
	adev->dev = tdev->dev;
	adev->gmc.noretry = !xnack_on;
	tdev->adev = adev;

	tdev->fpriv = kunit_kzalloc(test, sizeof(*tdev->fpriv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tdev->fpriv);
	tdev->file = kunit_kzalloc(test, sizeof(*tdev->file), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tdev->file);
	tdev->file->driver_priv = tdev->fpriv;
	ret = amdgpu_pasid_alloc(16, tdev->fpriv);
	KUNIT_ASSERT_GT(test, ret, 0);
	tdev->fpriv->vm.pasid = ret;

	/* Without an IOMMU a DMA address is then the physical address. */
	tdev->dev->dma_mask = &tdev->dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, 0, dma_set_mask_and_coherent(tdev->dev,
							   DMA_BIT_MASK(64)));

	tdev->attrs_page = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					 PROT_READ | PROT_WRITE,
					 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, tdev->attrs_page && tdev->attrs_page < TASK_SIZE);

	xa_init(&tdev->ptes);
	dma_resv_init(&tdev->resv);
	ret = kunit_add_named_resource(test, NULL, NULL, &tdev->res,
				       TEST_DEV_RESOURCE, tdev);
	KUNIT_ASSERT_EQ(test, ret, 0);

	kunit_activate_static_stub(test, amdgpu_svm_vm_resv, test_vm_resv);
	kunit_activate_static_stub(test, amdgpu_svm_gpu_write_ptes,
				   test_write_ptes);
	kunit_activate_static_stub(test, amdgpu_svm_gpu_clear_ptes,
				   test_clear_ptes);
	kunit_activate_static_stub(test, amdgpu_svm_gpu_flush_tlb,
				   test_flush_tlb);
	kunit_activate_static_stub(test, amdgpu_svm_gpu_quiesce, test_quiesce);
	kunit_activate_static_stub(test, amdgpu_svm_gpu_resume, test_resume);

	/* Registered last so it runs first, while the stubs are still active. */
	ret = kunit_add_action_or_reset(test, amdgpu_svm_test_dev_release,
					tdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return tdev;
}

/**
 * amdgpu_svm_test_user_buffer() - user memory with a pattern in every page
 * @test: the test; its user address space gets the mapping
 * @size: bytes, page aligned
 * @seed: the first word of page i is @seed ^ i
 *
 * Context: process context (a KUnit test).
 * Return: the address of the private anonymous read/write mapping.
 */
unsigned long amdgpu_svm_test_user_buffer(struct kunit *test, size_t size,
					  u32 seed)
{
	unsigned long addr, off;

	addr = kunit_vm_mmap(test, NULL, 0, size, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, addr && addr < TASK_SIZE);
	for (off = 0; off < size; off += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, 0, put_user(seed ^ (u32)(off >> PAGE_SHIFT),
						  (u32 __user *)(addr + off)));
	return addr;
}

/**
 * amdgpu_svm_test_ioctl() - %DRM_IOCTL_AMDGPU_GEM_SVM as userspace calls it
 * @tdev: the device; its file is the one the call is made on
 * @op: the operation
 * @start: start address
 * @size: size in bytes
 * @attrs: the attribute array, copied to a user page first; may be NULL
 * @n: entries in @attrs
 *
 * Context: process context (a KUnit test).
 * Return: what the ioctl returned.
 */
int amdgpu_svm_test_ioctl(struct amdgpu_svm_test_dev *tdev, u32 op,
			  unsigned long start, size_t size,
			  const struct drm_amdgpu_svm_attribute *attrs, u32 n)
{
	struct drm_amdgpu_gem_svm args = {
		.start_addr = start, .size = size, .operation = op,
		.nattr = n, .attrs_ptr = tdev->attrs_page,
	};

	if (n)
		KUNIT_ASSERT_EQ(tdev->test, 0,
				copy_to_user((void __user *)tdev->attrs_page, attrs,
					     n * sizeof(*attrs)));
	return amdgpu_gem_svm_ioctl(tdev->drm, &args, tdev->file);
}

/**
 * amdgpu_svm_test_attr_dump() - an attribute tree as text
 * @test: the test; the text is freed when it ends
 * @tree: the tree
 *
 * One "[start-last] preferred/prefetch/access/granularity/flags" item per
 * node, so that two dumps compare equal exactly when the trees are equal.
 *
 * Context: process context; takes and releases @tree->lock.
 * Return: the text.
 */
char *amdgpu_svm_test_attr_dump(struct kunit *test,
				struct amdgpu_svm_attr_tree *tree)
{
	const size_t size = 8192;
	struct interval_tree_node *it;
	size_t len = 0;
	char *buf;

	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	mutex_lock(&tree->lock);
	for (it = interval_tree_iter_first(&tree->root, 0, ULONG_MAX); it;
	     it = interval_tree_iter_next(it, 0, ULONG_MAX)) {
		struct amdgpu_svm_attr_range *r =
			container_of(it, struct amdgpu_svm_attr_range, it);

		len += scnprintf(buf + len, size - len,
				 "[%lu-%lu] %x/%x/%u/%u/%x ", it->start,
				 it->last, r->attrs.preferred_loc,
				 r->attrs.prefetch_loc, r->attrs.access,
				 r->attrs.granularity, r->attrs.flags);
	}
	mutex_unlock(&tree->lock);
	return buf;
}
