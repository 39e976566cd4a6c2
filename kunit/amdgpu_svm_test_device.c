// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulated device of the amdgpu SVM KUnit suites.
 */

#include <linux/fs.h>
#include <linux/module.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_kunit_helpers.h>

#include "../amdgpu.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_attr.h"
#include "amdgpu_svm_test.h"

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

	/* What amdgpu_vm_fini() does for the SVM when the file closes. */
	amdgpu_svm_vm_fini(&tdev->fpriv->vm);
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

	ret = kunit_add_action_or_reset(test, amdgpu_svm_test_dev_release,
					tdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return tdev;
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
