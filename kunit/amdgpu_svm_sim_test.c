// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of the simulated GPU itself: the MMU model walks page tables
 * built by hand in the GFX9 format and those amdgpu's own code writes, its
 * TLB keeps a translation until a flush and reports a stale one that
 * reaches a freed page. A model bug must not hide a product bug, so each
 * rule the product suites rely on is checked here first.
 */

#include <linux/mm.h>

#include <kunit/test.h>

#include "../amdgpu.h"
#include "../amdgpu_vm.h"
#include "amdgpu_svm_test.h"

/* GPU addresses the cases use: PDB2 entry 1, nothing else maps there. */
#define SIM_VA		BIT_ULL(39)
#define SIM_PAGE	(SIM_VA >> AMDGPU_GPU_PAGE_SHIFT)

struct sim_fixture {
	struct amdgpu_svm_test_dev *tdev;
	struct amdgpu_svm_sim *sim;
	struct amdgpu_vm *vm;
};

static int sim_test_init(struct kunit *test)
{
	struct sim_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	/* XNACK on: the queue rules of XNACK off are tested on their own. */
	f->tdev = amdgpu_svm_test_dev_create(test, true);
	f->sim = f->tdev->sim;
	f->vm = &f->tdev->fpriv->vm;
	test->priv = f;
	return 0;
}

/* A page table of the hand-built kind: one contiguous VRAM buffer. */
struct sim_table {
	struct amdgpu_bo *bo;
	u64 *cpu;
	u64 pa;
};

static void sim_table_make(struct kunit *test, struct sim_fixture *f,
			   struct sim_table *t)
{
	struct amdgpu_device *adev = f->tdev->adev;
	u64 mc;

	KUNIT_ASSERT_EQ(test, 0,
			amdgpu_bo_create_kernel(adev, AMDGPU_GPU_PAGE_SIZE,
						AMDGPU_GPU_PAGE_SIZE,
						AMDGPU_GEM_DOMAIN_VRAM, &t->bo,
						&mc, (void **)&t->cpu));
	memset(t->cpu, 0, AMDGPU_GPU_PAGE_SIZE);
	t->pa = mc - adev->gmc.vram_start + adev->vm_manager.vram_base_offset;
}

static void sim_table_free(struct sim_table *t)
{
	amdgpu_bo_free_kernel(&t->bo, NULL, (void **)&t->cpu);
}

/* Index of @page in the table of @level (GFX9, 9 bits per level). */
static unsigned int idx(u64 page, int level)
{
	return (page >> ((AMDGPU_VM_PTB - level) * 9)) & 511;
}

static u64 *sim_root(struct sim_fixture *f)
{
	return amdgpu_bo_kptr(f->vm->root.bo);
}

/*
 * Hand-built tables for SIM_VA: root -> PDB1 -> PDB0 -> PTB. The PTB maps
 * page 0 to @p0 (4 KiB), pages 16..31 as one 64 KiB fragment starting at
 * @frag; the next PDB0 entry is a 2 MiB page at @huge.
 */
static void sim_walk_hand_built(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_svm_sim_tlb_entry e;
	struct sim_table pdb1, pdb0, ptb;
	const u64 p0 = 0x12345000, frag = 0x40000000, huge = 0x80000000;
	u64 *root = sim_root(f), flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM |
		    AMDGPU_PTE_READABLE;
	u64 old = root[idx(SIM_PAGE, AMDGPU_VM_PDB2)];
	unsigned int i;

	sim_table_make(test, f, &pdb1);
	sim_table_make(test, f, &pdb0);
	sim_table_make(test, f, &ptb);

	root[idx(SIM_PAGE, AMDGPU_VM_PDB2)] = pdb1.pa | AMDGPU_PTE_VALID;
	pdb1.cpu[idx(SIM_PAGE, AMDGPU_VM_PDB1)] = pdb0.pa | AMDGPU_PTE_VALID |
						  AMDGPU_PDE_BFS(9);
	pdb0.cpu[idx(SIM_PAGE, AMDGPU_VM_PDB0)] = ptb.pa | AMDGPU_PTE_VALID |
						  AMDGPU_PTE_TF;
	pdb0.cpu[idx(SIM_PAGE, AMDGPU_VM_PDB0) + 1] = huge | flags;
	ptb.cpu[0] = p0 | flags;
	for (i = 16; i < 32; i++)
		ptb.cpu[i] = (frag + (i - 16) * AMDGPU_GPU_PAGE_SIZE) | flags |
			     AMDGPU_PTE_FRAG(4);

	KUNIT_ASSERT_TRUE(test, amdgpu_svm_sim_walk(f->sim, f->vm, SIM_PAGE, &e));
	KUNIT_EXPECT_EQ(test, e.addr, p0);
	KUNIT_EXPECT_EQ(test, e.pages, 1);
	KUNIT_EXPECT_EQ(test, e.flags, flags);
	/* An entry of the PTB that is not valid: a fault. */
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_sim_walk(f->sim, f->vm, SIM_PAGE + 1,
						     &e));
	/* The fragment covers 16 pages from its aligned start. */
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_sim_walk(f->sim, f->vm,
						    SIM_PAGE + 21, &e));
	KUNIT_EXPECT_EQ(test, e.first, SIM_PAGE + 16);
	KUNIT_EXPECT_EQ(test, e.pages, 16);
	KUNIT_EXPECT_EQ(test, e.addr, frag);
	/* A PDB0 entry without translate-further is a 2 MiB page. */
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_sim_walk(f->sim, f->vm,
						    SIM_PAGE + 512 + 7, &e));
	KUNIT_EXPECT_EQ(test, e.first, SIM_PAGE + 512);
	KUNIT_EXPECT_EQ(test, e.pages, 512);
	KUNIT_EXPECT_EQ(test, e.addr, huge);
	/* No PDB1 entry for the next 512 GiB. */
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_sim_walk(f->sim, f->vm,
						     SIM_PAGE + (1ULL << 27), &e));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_sim_count_valid(f->sim, f->vm), 18);

	root[idx(SIM_PAGE, AMDGPU_VM_PDB2)] = old;
	sim_table_free(&ptb);
	sim_table_free(&pdb0);
	sim_table_free(&pdb1);
}

/* amdgpu's own page-table code writes [@page, @page + @n) -> @addr. */
static int sim_map(struct sim_fixture *f, u64 page, u64 n, u64 addr,
		   u64 flags, bool link)
{
	struct amdgpu_bo *root = f->vm->root.bo;
	int ret;

	ret = amdgpu_bo_reserve(root, false);
	if (ret)
		return ret;
	ret = amdgpu_vm_update_range(f->tdev->adev, f->vm, false, false, false,
				     false, NULL, page, page + n - 1, flags, 0,
				     addr, NULL, NULL, NULL);
	if (!ret && link)
		ret = amdgpu_vm_update_pdes(f->tdev->adev, f->vm, false);
	amdgpu_bo_unreserve(root);
	return ret;
}

static void sim_clear(struct sim_fixture *f, u64 page, u64 n)
{
	KUNIT_EXPECT_EQ(f->tdev->test, 0,
			amdgpu_vm_update_range(f->tdev->adev, f->vm, false, true,
					       false, false, NULL, page,
					       page + n - 1,
					       f->tdev->adev->gmc.init_pte_flags,
					       0, 0, NULL, NULL, NULL));
}

/* amdgpu's tables are reachable only after amdgpu_vm_update_pdes(). */
static void sim_walk_amdgpu_tables_need_pdes(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct page *page = alloc_page(GFP_KERNEL);
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE;
	struct amdgpu_svm_sim_tlb_entry e;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 4, page_to_phys(page),
					 flags, false));
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_sim_walk(f->sim, f->vm, SIM_PAGE, &e));
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 4, page_to_phys(page),
					 flags, true));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_sim_walk(f->sim, f->vm, SIM_PAGE + 2,
						    &e));
	/* Four aligned pages: amdgpu declares them one fragment. */
	KUNIT_EXPECT_EQ(test, e.pages, 4);
	KUNIT_EXPECT_EQ(test, e.addr, page_to_phys(page));
	KUNIT_EXPECT_EQ(test, e.flags & AMDGPU_PTE_VALID, AMDGPU_PTE_VALID);
	sim_clear(f, SIM_PAGE, 4);
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_sim_walk(f->sim, f->vm, SIM_PAGE, &e));
	__free_page(page);
}

/*
 * The TLB keeps a translation after its PTE was cleared, until a flush;
 * an access through it to a page that was freed meanwhile is reported.
 */
static void sim_tlb_stale_hit_is_caught(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE |
		    AMDGPU_PTE_WRITEABLE;
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct kunit fake;
	u32 v = 0xabcd, r = 0;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, page_to_phys(page),
					 flags, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &v,
					      sizeof(v), true));
	sim_clear(f, SIM_PAGE, 1);
	/* Cleared but not flushed: the TLB still translates. */
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	KUNIT_EXPECT_EQ(test, r, v);

	/* The page is freed: the stale hit must fail the test it runs in. */
	__free_page(page);
	kunit_init_test(&fake, "stale_tlb_hit", NULL);
	f->sim->test = &fake;
	amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r, sizeof(r), false);
	f->sim->test = test;
	KUNIT_EXPECT_EQ(test, fake.status, KUNIT_FAILURE);

	/* After a flush the access faults. */
	amdgpu_svm_sim_tlb_flush(f->sim);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_NOT_PRESENT,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
}

/* A write through a PTE without WRITEABLE is refused and writes nothing. */
static void sim_read_only_pte_refuses_writes(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE;
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	u32 v = 0x5a5a5a5a;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, page_to_phys(page),
					 flags, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_READ_ONLY,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &v,
					      sizeof(v), true));
	KUNIT_EXPECT_EQ(test, *(u32 *)page_address(page), 0);
	sim_clear(f, SIM_PAGE, 1);
	amdgpu_svm_sim_tlb_flush(f->sim);
	__free_page(page);
}

/*
 * XNACK off: a translation a running queue uses must not lose its PTE
 * (reported at the flush); quiesced queues run nothing, so an access then
 * is a test bug; both fail the test they run in.
 */
static void sim_queue_rules(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE;
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct kunit fake;
	u32 r;

	KUNIT_ASSERT_NOT_NULL(test, page);
	f->tdev->adev->gmc.noretry = true;
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, page_to_phys(page),
					 flags, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));

	/* Quiesced first, then zapped and flushed: allowed. */
	amdgpu_svm_sim_queue_quiesce(f->sim, f->vm);
	sim_clear(f, SIM_PAGE, 1);
	amdgpu_svm_sim_tlb_flush(f->sim);
	kunit_init_test(&fake, "access_while_quiesced", NULL);
	f->sim->test = &fake;
	amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r, sizeof(r), false);
	f->sim->test = test;
	KUNIT_EXPECT_EQ(test, fake.status, KUNIT_FAILURE);
	amdgpu_svm_sim_queue_resume(f->sim);

	/* Zapped under the running queue: reported at the flush. */
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, page_to_phys(page),
					 flags, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	sim_clear(f, SIM_PAGE, 1);
	kunit_init_test(&fake, "zap_under_running_queue", NULL);
	f->sim->test = &fake;
	amdgpu_svm_sim_tlb_flush(f->sim);
	f->sim->test = test;
	KUNIT_EXPECT_EQ(test, fake.status, KUNIT_FAILURE);
	__free_page(page);
}

static struct kunit_case amdgpu_svm_sim_cases[] = {
	KUNIT_CASE(sim_walk_hand_built),
	KUNIT_CASE(sim_walk_amdgpu_tables_need_pdes),
	KUNIT_CASE(sim_tlb_stale_hit_is_caught),
	KUNIT_CASE(sim_read_only_pte_refuses_writes),
	KUNIT_CASE(sim_queue_rules),
	{}
};

static struct kunit_suite amdgpu_svm_sim_suite = {
	.name = "amdgpu_svm_sim",
	.init = sim_test_init,
	.test_cases = amdgpu_svm_sim_cases,
};

kunit_test_suite(amdgpu_svm_sim_suite);
