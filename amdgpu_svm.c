// SPDX-License-Identifier: GPL-2.0 OR MIT

#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/stddef.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_file.h>

#include "amdgpu.h"
#include "amdgpu_svm.h"

/**
 * DOC: amdgpu SVM
 *
 * Shared virtual memory lets a GPU VM use the CPU virtual addresses of the
 * process that opened the render node.  Userspace drives it with
 * %DRM_IOCTL_AMDGPU_GEM_SVM: it sets attributes on ranges of its address
 * space (where the pages should live, whether and how the GPU may access
 * them) and reads them back.
 *
 * Each &struct amdgpu_vm gets one &struct amdgpu_svm on the first call;
 * it lives until the VM is torn down with the file.  The ioctl checks its
 * arguments completely before touching the SVM, so a call with bad input
 * returns an error and changes nothing.
 *
 * The layers, from the top: this file (the ioctl and the SVM object), the
 * attribute layer (amdgpu_svm_attr.c), which stores what userspace asked
 * for and reports what changed.
 */

/* The binary interface the ROCm clients speak: no padding, fixed offsets. */
static_assert(sizeof(struct drm_amdgpu_gem_svm) == 32);
static_assert(offsetof(struct drm_amdgpu_gem_svm, start_addr) == 0);
static_assert(offsetof(struct drm_amdgpu_gem_svm, size) == 8);
static_assert(offsetof(struct drm_amdgpu_gem_svm, operation) == 16);
static_assert(offsetof(struct drm_amdgpu_gem_svm, nattr) == 20);
static_assert(offsetof(struct drm_amdgpu_gem_svm, attrs_ptr) == 24);
static_assert(sizeof(struct drm_amdgpu_svm_attribute) == 8);
static_assert(offsetof(struct drm_amdgpu_svm_attribute, value) == 4);
static_assert(DRM_AMDGPU_GEM_SVM == 0x1B);

/**
 * amdgpu_svm_xnack_on() - does the GPU run with recoverable page faults?
 * @adev: the device
 *
 * With retry faults on ("XNACK on") the GPU can fault on an unmapped page
 * and have it mapped on demand; with them off every page the GPU may touch
 * must be mapped before it does.  The mode is per device, chosen at init
 * from the amdgpu.noretry parameter and the GC IP version.
 *
 * Context: any.
 * Return: true if XNACK is on.
 */
bool amdgpu_svm_xnack_on(struct amdgpu_device *adev)
{
	return !adev->gmc.noretry;
}

static struct amdgpu_svm *amdgpu_svm_create(struct amdgpu_device *adev,
					    struct amdgpu_vm *vm)
{
	struct amdgpu_svm *svm;

	svm = kzalloc_obj(*svm);
	if (!svm)
		return NULL;
	svm->adev = adev;
	svm->vm = vm;
	svm->xnack_on = amdgpu_svm_xnack_on(adev);
	amdgpu_svm_attr_tree_init(&svm->attrs, svm->xnack_on);
	return svm;
}

static void amdgpu_svm_destroy(struct amdgpu_svm *svm)
{
	amdgpu_svm_attr_tree_fini(&svm->attrs);
	kfree(svm);
}

/* The VM's SVM, created on first use; concurrent first calls race safely. */
static struct amdgpu_svm *amdgpu_svm_get(struct amdgpu_device *adev,
					 struct amdgpu_vm *vm)
{
	struct amdgpu_svm *svm, *old;

	/* Pairs with the cmpxchg_release() below: see a complete SVM. */
	svm = smp_load_acquire(&vm->svm);
	if (svm)
		return svm;

	svm = amdgpu_svm_create(adev, vm);
	if (!svm)
		return ERR_PTR(-ENOMEM);
	old = cmpxchg_release(&vm->svm, NULL, svm);
	if (old) {
		amdgpu_svm_destroy(svm);
		return old;
	}
	return svm;
}

/**
 * amdgpu_svm_vm_fini() - destroy the SVM of a VM being torn down
 * @vm: the VM
 *
 * Context: process context, from amdgpu_vm_fini(); no ioctl on the VM's
 * file runs any more.
 */
void amdgpu_svm_vm_fini(struct amdgpu_vm *vm)
{
	struct amdgpu_svm *svm = vm->svm;

	if (!svm)
		return;
	vm->svm = NULL;
	amdgpu_svm_destroy(svm);
}

/* A page-aligned, non-empty range inside the user address space. */
static int amdgpu_svm_check_range(u64 start, u64 size)
{
	if (!size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size))
		return -EINVAL;
	if (start + size < start || start + size > TASK_SIZE)
		return -EINVAL;
	return 0;
}

/**
 * amdgpu_gem_svm_ioctl() - %DRM_IOCTL_AMDGPU_GEM_SVM
 * @dev: the DRM device
 * @data: the &struct drm_amdgpu_gem_svm, copied in (and back out) by the
 *	DRM core
 * @filp: the DRM file, whose VM the call acts on
 *
 * Checks the range, the operation and, for SET and GET, the attribute
 * array before anything else; then sets, reads back or resets the
 * attributes of [start_addr, start_addr + size).
 *
 * Context: process context; may sleep.
 * Return: 0 on success, -EINVAL for invalid arguments, -EFAULT if the
 * attribute array cannot be read or written back, -ENOMEM.
 */
int amdgpu_gem_svm_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *filp)
{
	struct amdgpu_device *adev = drm_to_adev(dev);
	struct amdgpu_fpriv *fpriv = filp->driver_priv;
	struct drm_amdgpu_gem_svm *args = data;
	struct drm_amdgpu_svm_attribute *attrs = NULL;
	unsigned long start, last;
	struct amdgpu_svm *svm;
	int ret;

	ret = amdgpu_svm_check_range(args->start_addr, args->size);
	if (ret)
		return ret;
	start = args->start_addr >> PAGE_SHIFT;
	last = start + (args->size >> PAGE_SHIFT) - 1;

	switch (args->operation) {
	case AMDGPU_SVM_OP_SET_ATTR:
	case AMDGPU_SVM_OP_GET_ATTR:
		if (!args->nattr || args->nattr > AMDGPU_SVM_MAX_ATTRS ||
		    !args->attrs_ptr)
			return -EINVAL;
		attrs = memdup_array_user(u64_to_user_ptr(args->attrs_ptr),
					  args->nattr, sizeof(*attrs));
		if (IS_ERR(attrs))
			return PTR_ERR(attrs);
		ret = amdgpu_svm_attr_check(attrs, args->nattr,
					    args->operation == AMDGPU_SVM_OP_SET_ATTR);
		if (ret)
			goto out_free;
		break;
	case AMDGPU_SVM_OP_RESET_ATTR:
		/* nattr and attrs_ptr are ignored, as documented. */
		break;
	default:
		return -EINVAL;
	}

	svm = amdgpu_svm_get(adev, &fpriv->vm);
	if (IS_ERR(svm)) {
		ret = PTR_ERR(svm);
		goto out_free;
	}

	switch (args->operation) {
	case AMDGPU_SVM_OP_SET_ATTR:
		ret = amdgpu_svm_attr_set(&svm->attrs, start, last, attrs,
					  args->nattr, NULL);
		break;
	case AMDGPU_SVM_OP_GET_ATTR:
		ret = amdgpu_svm_attr_get(&svm->attrs, start, last, attrs,
					  args->nattr);
		if (!ret && copy_to_user(u64_to_user_ptr(args->attrs_ptr), attrs,
					 array_size(args->nattr, sizeof(*attrs))))
			ret = -EFAULT;
		break;
	case AMDGPU_SVM_OP_RESET_ATTR:
		ret = amdgpu_svm_attr_reset(&svm->attrs, start, last, NULL);
		break;
	}

out_free:
	kfree(attrs);
	return ret;
}
