/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shared pieces of the amdgpu SVM KUnit suites: a simulated device and
 * helpers to look at SVM state.
 */

#ifndef __AMDGPU_SVM_TEST_H__
#define __AMDGPU_SVM_TEST_H__

#include <kunit/test.h>

struct amdgpu_device;
struct amdgpu_svm_attr_tree;
struct amdgpu_fpriv;
struct device;
struct drm_device;
struct drm_file;

/**
 * struct amdgpu_svm_test_dev - a simulated amdgpu device and an open file
 *
 * The &amdgpu_device is a real one as far as the SVM code looks at it,
 * allocated through the DRM KUnit helpers; no hardware is behind it.  The
 * file's &amdgpu_fpriv holds a VM that only the SVM code uses.  Everything
 * is released when the test ends.
 */
struct amdgpu_svm_test_dev {
	/** @test: the test that owns the device */
	struct kunit *test;
	/** @dev: the parent struct device */
	struct device *dev;
	/** @drm: the DRM device inside @adev */
	struct drm_device *drm;
	/** @adev: the simulated amdgpu device */
	struct amdgpu_device *adev;
	/** @file: an open DRM file of @drm */
	struct drm_file *file;
	/** @fpriv: @file's driver data, with the VM */
	struct amdgpu_fpriv *fpriv;
};

struct amdgpu_svm_test_dev *amdgpu_svm_test_dev_create(struct kunit *test,
						       bool xnack_on);

char *amdgpu_svm_test_attr_dump(struct kunit *test,
				struct amdgpu_svm_attr_tree *tree);

#endif /* __AMDGPU_SVM_TEST_H__ */
