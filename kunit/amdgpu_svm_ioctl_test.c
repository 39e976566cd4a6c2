// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of the DRM_AMDGPU_GEM_SVM uAPI: the binary layout clients
 * depend on, the ioctl table entry, and the entry point called as the DRM
 * core calls it (arguments copied in, attribute array in real user memory
 * of a kunit_vm_mmap() mapping).
 */

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_ioctl.h>

#include "../amdgpu.h"
#include "../amdgpu_svm.h"
#include "amdgpu_svm_test.h"

#define SVM_BASE	0x100000000ULL	/* no VMA there: attributes may precede mmap */

struct ioctl_fixture {
	struct amdgpu_svm_test_dev *tdev;
	unsigned long ubuf;	/* a read/write user page for attribute arrays */
	unsigned long ro_buf;	/* a read-only user page */
};

static int ioctl_test_init(struct kunit *test)
{
	struct ioctl_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->tdev = amdgpu_svm_test_dev_create(test, true);
	f->ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, f->ubuf && f->ubuf < TASK_SIZE);
	f->ro_buf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ,
				  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, f->ro_buf && f->ro_buf < TASK_SIZE);
	test->priv = f;
	return 0;
}

/* Call the entry point as drm_ioctl() does, with a kernel copy of args. */
static int svm_ioctl(struct ioctl_fixture *f, u64 start, u64 size, u32 op,
		     u32 nattr, u64 attrs_ptr)
{
	struct drm_amdgpu_gem_svm args = {
		.start_addr = start, .size = size, .operation = op,
		.nattr = nattr, .attrs_ptr = attrs_ptr,
	};

	return amdgpu_gem_svm_ioctl(f->tdev->drm, &args, f->tdev->file);
}

static void put_attrs(struct kunit *test, struct ioctl_fixture *f,
		      const struct drm_amdgpu_svm_attribute *attrs, u32 n)
{
	KUNIT_ASSERT_EQ(test, 0, copy_to_user((void __user *)f->ubuf, attrs,
					      n * sizeof(*attrs)));
}

static void get_attrs(struct kunit *test, struct ioctl_fixture *f,
		      struct drm_amdgpu_svm_attribute *attrs, u32 n)
{
	KUNIT_ASSERT_EQ(test, 0, copy_from_user(attrs, (void __user *)f->ubuf,
						n * sizeof(*attrs)));
}

static int set_attrs(struct kunit *test, struct ioctl_fixture *f, u64 start,
		     u64 size, const struct drm_amdgpu_svm_attribute *attrs,
		     u32 n)
{
	put_attrs(test, f, attrs, n);
	return svm_ioctl(f, start, size, AMDGPU_SVM_OP_SET_ATTR, n, f->ubuf);
}

/* GET one attribute over a range through the ioctl. */
static u32 get1(struct kunit *test, struct ioctl_fixture *f, u64 start,
		u64 size, u32 type)
{
	struct drm_amdgpu_svm_attribute attr = { .type = type };

	put_attrs(test, f, &attr, 1);
	KUNIT_EXPECT_EQ(test, 0, svm_ioctl(f, start, size,
					   AMDGPU_SVM_OP_GET_ATTR, 1, f->ubuf));
	get_attrs(test, f, &attr, 1);
	return attr.value;
}

static struct amdgpu_svm_attr_tree *svm_attrs(struct ioctl_fixture *f)
{
	return &f->tdev->fpriv->vm.svm->attrs;
}

static void uapi_struct_layout(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct drm_amdgpu_gem_svm), 32);
	KUNIT_EXPECT_EQ(test, offsetof(struct drm_amdgpu_gem_svm, start_addr), 0);
	KUNIT_EXPECT_EQ(test, offsetof(struct drm_amdgpu_gem_svm, size), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct drm_amdgpu_gem_svm, operation), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct drm_amdgpu_gem_svm, nattr), 20);
	KUNIT_EXPECT_EQ(test, offsetof(struct drm_amdgpu_gem_svm, attrs_ptr), 24);
	KUNIT_EXPECT_EQ(test, sizeof(struct drm_amdgpu_svm_attribute), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct drm_amdgpu_svm_attribute, type), 0);
	KUNIT_EXPECT_EQ(test, offsetof(struct drm_amdgpu_svm_attribute, value), 4);
}

static void uapi_ioctl_number(struct kunit *test)
{
	unsigned int cmd = DRM_IOCTL_AMDGPU_GEM_SVM;

	KUNIT_EXPECT_EQ(test, DRM_AMDGPU_GEM_SVM, 0x1B);
	KUNIT_EXPECT_EQ(test, _IOC_TYPE(cmd), DRM_IOCTL_BASE);
	KUNIT_EXPECT_EQ(test, _IOC_NR(cmd), DRM_COMMAND_BASE + 0x1B);
	KUNIT_EXPECT_EQ(test, _IOC_DIR(cmd), _IOC_READ | _IOC_WRITE);
	KUNIT_EXPECT_EQ(test, _IOC_SIZE(cmd), 32);
	/* 0x1A belongs to PROC_OPTIONS in this kernel. */
	KUNIT_EXPECT_NE(test, DRM_AMDGPU_GEM_SVM, DRM_AMDGPU_PROC_OPTIONS);
}

static void uapi_values(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_OP_SET_ATTR, 0);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_OP_GET_ATTR, 1);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_OP_RESET_ATTR, 2);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_PREFERRED_LOC, 0);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_PREFETCH_LOC, 1);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_ACCESS, 2);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_GRANULARITY, 3);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_HOST_ACCESS, 4);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_COHERENT, 5);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_EXT_COHERENT, 6);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_HIVE_LOCAL, 7);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_GPU_RO, 8);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_GPU_EXEC, 9);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ATTR_GPU_READ_MOSTLY, 10);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ACCESS_INACCESSIBLE, 0);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ACCESS_IN_PLACE, 1);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_ACCESS_ALLOW_MIGRATE, 2);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_LOCATION_SYSMEM, 0);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_LOCATION_UNDEFINED, 0xffffffff);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_MAX_ATTRS, 64);
}

static void uapi_ioctl_table_entry(struct kunit *test)
{
	const struct drm_ioctl_desc *desc = &amdgpu_ioctls_kms[DRM_AMDGPU_GEM_SVM];

	KUNIT_ASSERT_GT(test, amdgpu_max_kms_ioctl, DRM_AMDGPU_GEM_SVM);
	KUNIT_EXPECT_EQ(test, desc->cmd, DRM_IOCTL_AMDGPU_GEM_SVM);
	KUNIT_EXPECT_TRUE(test, desc->func == amdgpu_gem_svm_ioctl);
	KUNIT_EXPECT_EQ(test, desc->flags, DRM_AUTH | DRM_RENDER_ALLOW);
}

static void ioctl_set_then_get_through_user_memory(struct kunit *test)
{
	struct ioctl_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute set[] = {
		{ AMDGPU_SVM_ATTR_GPU_RO, 1 },
		{ AMDGPU_SVM_ATTR_PREFERRED_LOC, 1 },
		{ AMDGPU_SVM_ATTR_GRANULARITY, 12 },
		{ AMDGPU_SVM_ATTR_ACCESS, AMDGPU_SVM_ACCESS_IN_PLACE },
	};
	struct drm_amdgpu_svm_attribute get[] = {
		{ AMDGPU_SVM_ATTR_ACCESS, 0 },
		{ AMDGPU_SVM_ATTR_GRANULARITY, 0 },
		{ AMDGPU_SVM_ATTR_PREFERRED_LOC, 0 },
		{ AMDGPU_SVM_ATTR_GPU_RO, 0 },
		{ AMDGPU_SVM_ATTR_GPU_EXEC, 0 },
	};

	KUNIT_ASSERT_EQ(test, 0, set_attrs(test, f, SVM_BASE, SZ_2M, set,
					   ARRAY_SIZE(set)));
	put_attrs(test, f, get, ARRAY_SIZE(get));
	KUNIT_ASSERT_EQ(test, 0, svm_ioctl(f, SVM_BASE, SZ_2M,
					   AMDGPU_SVM_OP_GET_ATTR,
					   ARRAY_SIZE(get), f->ubuf));
	get_attrs(test, f, get, ARRAY_SIZE(get));
	KUNIT_EXPECT_EQ(test, get[0].value, AMDGPU_SVM_ACCESS_IN_PLACE);
	KUNIT_EXPECT_EQ(test, get[1].value, 12);
	KUNIT_EXPECT_EQ(test, get[2].value, 1);
	KUNIT_EXPECT_EQ(test, get[3].value, 1);
	KUNIT_EXPECT_EQ(test, get[4].value, 0);

	/* The range is pages [SVM_BASE, SVM_BASE + 2 MiB) and nothing more. */
	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE + SZ_2M, PAGE_SIZE,
				   AMDGPU_SVM_ATTR_GPU_RO), 0);
	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE - PAGE_SIZE, PAGE_SIZE,
				   AMDGPU_SVM_ATTR_GPU_RO), 0);
	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE + SZ_2M - PAGE_SIZE,
				   PAGE_SIZE, AMDGPU_SVM_ATTR_GPU_RO), 1);
}

static void ioctl_client_locations_read_back_as_set(struct kunit *test)
{
	struct ioctl_fixture *f = test->priv;
	/* ROCr sends 1 for its GPU, some libhsakmt builds a KFD gpu_id. */
	const struct drm_amdgpu_svm_attribute rocr[] = {
		{ AMDGPU_SVM_ATTR_PREFETCH_LOC, 1 },
	};
	const struct drm_amdgpu_svm_attribute hsakmt[] = {
		{ AMDGPU_SVM_ATTR_PREFERRED_LOC, 0x1002 },
		{ AMDGPU_SVM_ATTR_PREFETCH_LOC, AMDGPU_SVM_LOCATION_UNDEFINED },
	};

	KUNIT_ASSERT_EQ(test, 0, set_attrs(test, f, SVM_BASE, SZ_64K, rocr, 1));
	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE, SZ_64K,
				   AMDGPU_SVM_ATTR_PREFETCH_LOC), 1);
	KUNIT_ASSERT_EQ(test, 0, set_attrs(test, f, SVM_BASE, SZ_64K, hsakmt, 2));
	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE, SZ_64K,
				   AMDGPU_SVM_ATTR_PREFERRED_LOC), 0x1002);
	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE, SZ_64K,
				   AMDGPU_SVM_ATTR_PREFETCH_LOC),
			AMDGPU_SVM_LOCATION_UNDEFINED);
}

static void ioctl_reset_ignores_nattr_and_pointer(struct kunit *test)
{
	struct ioctl_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute ro = { AMDGPU_SVM_ATTR_GPU_RO, 1 };

	KUNIT_ASSERT_EQ(test, 0, set_attrs(test, f, SVM_BASE, SZ_64K, &ro, 1));
	KUNIT_EXPECT_EQ(test, 0, svm_ioctl(f, SVM_BASE, SZ_64K,
					   AMDGPU_SVM_OP_RESET_ATTR, 1000, 8));
	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE, SZ_64K,
				   AMDGPU_SVM_ATTR_GPU_RO), 0);
}

static void ioctl_defaults_xnack_on(struct kunit *test)
{
	struct ioctl_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE, SZ_64K, AMDGPU_SVM_ATTR_ACCESS),
			AMDGPU_SVM_ACCESS_ALLOW_MIGRATE);
}

static void ioctl_defaults_xnack_off(struct kunit *test)
{
	struct ioctl_fixture *f = test->priv;

	/* The SVM takes the device's mode when the first call creates it. */
	f->tdev->adev->gmc.noretry = 1;
	KUNIT_EXPECT_EQ(test, get1(test, f, SVM_BASE, SZ_64K, AMDGPU_SVM_ATTR_ACCESS),
			AMDGPU_SVM_ACCESS_INACCESSIBLE);
}

/* --- Bad arguments: an error code, and the attributes exactly as before. --- */

enum bad_ptr { PTR_USER, PTR_NULL, PTR_UNMAPPED, PTR_READ_ONLY };

struct ioctl_bad_case {
	const char *name;
	u64 start, size;
	u32 op, nattr;
	enum bad_ptr ptr;
	/* written to the user array before the call (one entry) */
	struct drm_amdgpu_svm_attribute attr;
	int err;
};

#define GOOD_ATTR { AMDGPU_SVM_ATTR_GPU_EXEC, 1 }

static const struct ioctl_bad_case ioctl_bad_cases[] = {
	{ "start not page aligned", SVM_BASE + 8, SZ_64K, AMDGPU_SVM_OP_SET_ATTR,
	  1, PTR_USER, GOOD_ATTR, -EINVAL },
	{ "size not page aligned", SVM_BASE, SZ_64K + 100, AMDGPU_SVM_OP_SET_ATTR,
	  1, PTR_USER, GOOD_ATTR, -EINVAL },
	{ "size zero", SVM_BASE, 0, AMDGPU_SVM_OP_SET_ATTR, 1, PTR_USER,
	  GOOD_ATTR, -EINVAL },
	{ "range wraps around", 0xfffffffffffff000ULL, 0x2000,
	  AMDGPU_SVM_OP_SET_ATTR, 1, PTR_USER, GOOD_ATTR, -EINVAL },
	{ "range beyond user space", 1ULL << 62, SZ_64K, AMDGPU_SVM_OP_SET_ATTR,
	  1, PTR_USER, GOOD_ATTR, -EINVAL },
	{ "range in the VM's reserved bottom", 0, SZ_64K, AMDGPU_SVM_OP_SET_ATTR,
	  1, PTR_USER, GOOD_ATTR, -EINVAL },
	{ "reset with bad range", SVM_BASE, 0, AMDGPU_SVM_OP_RESET_ATTR, 0,
	  PTR_NULL, GOOD_ATTR, -EINVAL },
	{ "unknown operation", SVM_BASE, SZ_64K, 3, 1, PTR_USER, GOOD_ATTR,
	  -EINVAL },
	{ "operation all ones", SVM_BASE, SZ_64K, 0xffffffff, 1, PTR_USER,
	  GOOD_ATTR, -EINVAL },
	{ "set nattr 0", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_SET_ATTR, 0, PTR_USER,
	  GOOD_ATTR, -EINVAL },
	{ "set nattr above 64", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_SET_ATTR, 65,
	  PTR_USER, GOOD_ATTR, -EINVAL },
	{ "get nattr 0", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_GET_ATTR, 0, PTR_USER,
	  GOOD_ATTR, -EINVAL },
	{ "get nattr above 64", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_GET_ATTR, 65,
	  PTR_USER, GOOD_ATTR, -EINVAL },
	{ "set null pointer", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_SET_ATTR, 1,
	  PTR_NULL, GOOD_ATTR, -EINVAL },
	{ "get null pointer", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_GET_ATTR, 1,
	  PTR_NULL, GOOD_ATTR, -EINVAL },
	{ "set unmapped pointer", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_SET_ATTR, 1,
	  PTR_UNMAPPED, GOOD_ATTR, -EFAULT },
	{ "get unmapped pointer", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_GET_ATTR, 1,
	  PTR_UNMAPPED, GOOD_ATTR, -EFAULT },
	{ "get into read-only memory", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_GET_ATTR,
	  1, PTR_READ_ONLY, GOOD_ATTR, -EFAULT },
	{ "set boolean 2", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_SET_ATTR, 1, PTR_USER,
	  { AMDGPU_SVM_ATTR_GPU_RO, 2 }, -EINVAL },
	{ "set unknown type", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_SET_ATTR, 1,
	  PTR_USER, { 11, 0 }, -EINVAL },
	{ "get unknown type", SVM_BASE, SZ_64K, AMDGPU_SVM_OP_GET_ATTR, 1,
	  PTR_USER, { 11, 0 }, -EINVAL },
};

static void ioctl_bad_desc(const struct ioctl_bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ioctl_bad, ioctl_bad_cases, ioctl_bad_desc);

static void ioctl_bad_arguments_change_nothing(struct kunit *test)
{
	const struct ioctl_bad_case *c = test->param_value;
	struct ioctl_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute ro[] = {
		{ AMDGPU_SVM_ATTR_GPU_RO, 1 },
		{ AMDGPU_SVM_ATTR_GRANULARITY, 3 },
	};
	u64 ptr = 0;
	char *before;

	/* Some state to preserve, around and inside the target range. */
	KUNIT_ASSERT_EQ(test, 0, set_attrs(test, f, SVM_BASE - SZ_16K, SZ_32K,
					   ro, ARRAY_SIZE(ro)));
	before = amdgpu_svm_test_attr_dump(test, svm_attrs(f));

	put_attrs(test, f, &c->attr, 1);
	switch (c->ptr) {
	case PTR_USER:
		ptr = f->ubuf;
		break;
	case PTR_NULL:
		ptr = 0;
		break;
	case PTR_UNMAPPED:
		ptr = 8;	/* below mmap_min_addr, never mapped */
		break;
	case PTR_READ_ONLY:
		ptr = f->ro_buf;
		break;
	}

	KUNIT_EXPECT_EQ(test, c->err,
			svm_ioctl(f, c->start, c->size, c->op, c->nattr, ptr));
	KUNIT_EXPECT_STREQ(test, amdgpu_svm_test_attr_dump(test, svm_attrs(f)),
			   before);
}

/* Another caller that holds the SVM for a while (a long prefetch). */
struct lock_holder {
	struct amdgpu_svm *svm;
	struct completion locked;
	struct completion release;
	struct completion done;
};

static int lock_holder_fn(void *arg)
{
	struct lock_holder *h = arg;

	mutex_lock(&h->svm->lock);
	complete(&h->locked);
	/* Let go in any case: a caller that cannot be killed gets it then. */
	wait_for_completion_timeout(&h->release, 2 * HZ);
	mutex_unlock(&h->svm->lock);
	complete(&h->done);
	return 0;
}

/*
 * Make one call while another holds the SVM, the calling thread (the
 * test's own) with SIGKILL pending, as a kill of its process leaves it.
 */
static int call_while_held_and_killed(struct kunit *test,
				      struct ioctl_fixture *f, u32 op)
{
	struct lock_holder h = { .svm = f->tdev->fpriv->vm.svm };
	struct task_struct *task;
	int ret;

	init_completion(&h.locked);
	init_completion(&h.release);
	init_completion(&h.done);
	task = kthread_run(lock_holder_fn, &h, "amdgpu-svm-holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&h.locked);

	allow_signal(SIGKILL);
	do_send_sig_info(SIGKILL, SEND_SIG_PRIV, current, PIDTYPE_PID);
	ret = svm_ioctl(f, SVM_BASE, SZ_64K, op, 1, f->ubuf);
	/* Still held: the call did not wait for the holder. */
	KUNIT_EXPECT_FALSE(test, completion_done(&h.done));
	flush_signals(current);
	disallow_signal(SIGKILL);
	complete(&h.release);
	wait_for_completion(&h.done);
	return ret;
}

/*
 * A caller waiting for the SVM behind a long operation can be killed: SET
 * and RESET return -EINTR at once and change nothing.
 */
static void ioctl_waiting_caller_can_be_killed(struct kunit *test)
{
	struct ioctl_fixture *f = test->priv;
	const struct drm_amdgpu_svm_attribute ro = { AMDGPU_SVM_ATTR_GPU_RO, 1 };
	char *before;

	KUNIT_ASSERT_EQ(test, 0, set_attrs(test, f, SVM_BASE, SZ_64K, &ro, 1));
	before = amdgpu_svm_test_attr_dump(test, svm_attrs(f));
	put_attrs(test, f, &(struct drm_amdgpu_svm_attribute){
			AMDGPU_SVM_ATTR_GPU_RO, 0 }, 1);

	KUNIT_EXPECT_EQ(test, -EINTR,
			call_while_held_and_killed(test, f,
						   AMDGPU_SVM_OP_SET_ATTR));
	KUNIT_EXPECT_EQ(test, -EINTR,
			call_while_held_and_killed(test, f,
						   AMDGPU_SVM_OP_RESET_ATTR));
	KUNIT_EXPECT_STREQ(test, amdgpu_svm_test_attr_dump(test, svm_attrs(f)),
			   before);
}

static struct kunit_case amdgpu_svm_ioctl_cases[] = {
	KUNIT_CASE(uapi_struct_layout),
	KUNIT_CASE(uapi_ioctl_number),
	KUNIT_CASE(uapi_values),
	KUNIT_CASE(uapi_ioctl_table_entry),
	KUNIT_CASE(ioctl_set_then_get_through_user_memory),
	KUNIT_CASE(ioctl_client_locations_read_back_as_set),
	KUNIT_CASE(ioctl_reset_ignores_nattr_and_pointer),
	KUNIT_CASE(ioctl_defaults_xnack_on),
	KUNIT_CASE(ioctl_defaults_xnack_off),
	KUNIT_CASE_PARAM(ioctl_bad_arguments_change_nothing, ioctl_bad_gen_params),
	KUNIT_CASE(ioctl_waiting_caller_can_be_killed),
	{}
};

static struct kunit_suite amdgpu_svm_ioctl_suite = {
	.name = "amdgpu_svm_ioctl",
	.init = ioctl_test_init,
	.test_cases = amdgpu_svm_ioctl_cases,
};

kunit_test_suite(amdgpu_svm_ioctl_suite);
