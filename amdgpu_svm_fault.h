/* SPDX-License-Identifier: GPL-2.0 OR MIT */

#ifndef __AMDGPU_SVM_FAULT_H__
#define __AMDGPU_SVM_FAULT_H__

#include <linux/errno.h>
#include <linux/types.h>

struct amdgpu_device;

#if IS_ENABLED(CONFIG_DRM_AMDGPU_SVM)

int amdgpu_svm_handle_fault(struct amdgpu_device *adev, u32 pasid, u64 addr,
			    bool write);

#else

static inline int amdgpu_svm_handle_fault(struct amdgpu_device *adev,
					  u32 pasid, u64 addr, bool write)
{
	return -ENOENT;
}

#endif /* CONFIG_DRM_AMDGPU_SVM */

#endif /* __AMDGPU_SVM_FAULT_H__ */
