/* SPDX-License-Identifier: GPL-2.0 OR MIT */

#ifndef __AMDGPU_SVM_H__
#define __AMDGPU_SVM_H__

#include <linux/errno.h>
#include <linux/types.h>

#include "amdgpu_svm_attr.h"

struct amdgpu_device;
struct amdgpu_vm;
struct drm_device;
struct drm_file;

/**
 * struct amdgpu_svm - shared virtual memory of one GPU VM
 *
 * Created by the first %DRM_IOCTL_AMDGPU_GEM_SVM call on the VM's file and
 * destroyed with the VM (amdgpu_svm_vm_fini()), when no ioctl on the file
 * can run any more.  &amdgpu_vm.svm points to it once it is complete.
 */
struct amdgpu_svm {
	/** @adev: the device */
	struct amdgpu_device *adev;
	/** @vm: the GPU VM this SVM belongs to */
	struct amdgpu_vm *vm;
	/** @xnack_on: the GPU runs with recoverable page faults */
	bool xnack_on;
	/** @attrs: the attributes userspace set, see amdgpu_svm_attr.c */
	struct amdgpu_svm_attr_tree attrs;
};

#if IS_ENABLED(CONFIG_DRM_AMDGPU_SVM)

bool amdgpu_svm_xnack_on(struct amdgpu_device *adev);
int amdgpu_gem_svm_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *filp);
void amdgpu_svm_vm_fini(struct amdgpu_vm *vm);

#else

static inline int amdgpu_gem_svm_ioctl(struct drm_device *dev, void *data,
				       struct drm_file *filp)
{
	return -EOPNOTSUPP;
}

static inline void amdgpu_svm_vm_fini(struct amdgpu_vm *vm)
{
}

#endif /* CONFIG_DRM_AMDGPU_SVM */

#endif /* __AMDGPU_SVM_H__ */
