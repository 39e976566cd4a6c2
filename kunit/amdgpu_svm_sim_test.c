// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite of the simulated GPU itself: the MMU model walks page tables
 * built by hand in the GFX9 format and those amdgpu's own code writes, its
 * TLB keeps a translation until a flush and reports a stale one that
 * reaches a freed page. A model bug must not hide a product bug, so each
 * rule the product suites rely on is checked here first.
 */

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>

#include <kunit/test.h>

#include "../amdgpu.h"
#include "../amdgpu_job.h"
#include "../amdgpu_ring.h"
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
	int i;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	/* XNACK on: the queue rules of XNACK off are tested on their own. */
	f->tdev = amdgpu_svm_test_dev_create(test, true);
	f->sim = f->tdev->sim;
	f->vm = &f->tdev->fpriv->vm;
	/*
	 * In SDMA mode the VM's root directory is cleared by a job that may
	 * still be queued, behind the clears of the device's own buffers:
	 * start every case from an idle engine, so that its counters and
	 * timeouts measure only the case's own packets.
	 */
	amdgpu_svm_sim_vm_settle(f->vm);
	for (i = 0; i < f->tdev->adev->sdma.num_instances; i++)
		amdgpu_fence_wait_empty(&f->tdev->adev->sdma.instance[i].ring);
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

/* The root directory through the BAR (kmapped for CPU page-table updates). */
static u64 *sim_root(struct sim_fixture *f)
{
	struct amdgpu_bo *root = f->vm->root.bo;
	void *ptr = amdgpu_bo_kptr(root);

	if (!ptr && !amdgpu_bo_reserve(root, false)) {
		if (amdgpu_bo_kmap(root, &ptr))
			ptr = NULL;
		amdgpu_bo_unreserve(root);
	}
	KUNIT_ASSERT_NOT_NULL(f->tdev->test, ptr);
	return ptr;
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
	amdgpu_svm_sim_vm_settle(f->vm);
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
	amdgpu_svm_sim_vm_settle(f->vm);
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

/*
 * Each translation belongs to the VM it was walked in: another VM does not
 * hit it, and a flush by another PASID leaves it, as the hardware tags TLB
 * entries by VMID. A flush by its own PASID drops it.
 */
static void sim_tlb_flush_by_pasid_is_per_vm(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE;
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	u32 pasid = f->vm->pasid, r;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, page_to_phys(page),
					 flags, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	sim_clear(f, SIM_PAGE, 1);
	/* Another VM (another PASID) walks, and finds no PTE. */
	f->vm->pasid = pasid + 1;
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_NOT_PRESENT,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	f->vm->pasid = pasid;
	/* Flushed for another PASID: this VM still translates. */
	amdgpu_svm_sim_tlb_flush_pasid(f->sim, pasid + 1);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	amdgpu_svm_sim_tlb_flush_pasid(f->sim, pasid);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_NOT_PRESENT,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	__free_page(page);
}

/*
 * A DMA address unmapped while the TLB still translates to it is reported
 * (the unmap came before the flush); unmapped after the flush it is not.
 */
static void sim_dma_unmap_before_the_flush_is_caught(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct device *dev = f->tdev->adev->dev;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE;
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct kunit fake;
	dma_addr_t da;
	u32 r;

	KUNIT_ASSERT_NOT_NULL(test, page);
	da = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, da));
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, da, flags, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	sim_clear(f, SIM_PAGE, 1);

	kunit_init_test(&fake, "dma_unmap_before_flush", NULL);
	f->sim->test = &fake;
	dma_unmap_page(dev, da, PAGE_SIZE, DMA_BIDIRECTIONAL);
	amdgpu_svm_sim_report(f->sim);
	f->sim->test = test;
	KUNIT_EXPECT_EQ(test, fake.status, KUNIT_FAILURE);

	/* In the right order: clear, flush, unmap. */
	da = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, da));
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, da, flags, true));
	amdgpu_svm_sim_tlb_flush(f->sim);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	sim_clear(f, SIM_PAGE, 1);
	amdgpu_svm_sim_tlb_flush(f->sim);
	dma_unmap_page(dev, da, PAGE_SIZE, DMA_BIDIRECTIONAL);
	__free_page(page);
}

/*
 * A PTE left to a DMA address the driver gave up, the TLB flushed before
 * (so the unmap saw nothing cached): the walk that reaches it is reported
 * and the access dropped, though the page is still allocated (to someone
 * else, on a real system). Mapped again, the same page is reached.
 */
static void sim_pte_to_an_unmapped_page_is_caught(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct device *dev = f->tdev->adev->dev;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE;
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct kunit fake;
	dma_addr_t da;
	u32 r = 0;

	KUNIT_ASSERT_NOT_NULL(test, page);
	*(u32 *)page_address(page) = 0x5eed;
	da = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, da));
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, da, flags, true));
	amdgpu_svm_sim_tlb_flush(f->sim);
	dma_unmap_page(dev, da, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_TRUE(test, amdgpu_svm_sim_dma_stale(f->sim, da));

	kunit_init_test(&fake, "pte_to_an_unmapped_page", NULL);
	f->sim->test = &fake;
	amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r, sizeof(r), false);
	f->sim->test = test;
	KUNIT_EXPECT_EQ(test, fake.status, KUNIT_FAILURE);
	KUNIT_EXPECT_EQ(test, r, 0);

	da = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, da));
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_sim_dma_stale(f->sim, da));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &r,
					      sizeof(r), false));
	KUNIT_EXPECT_EQ(test, r, 0x5eed);
	sim_clear(f, SIM_PAGE, 1);
	amdgpu_svm_sim_tlb_flush(f->sim);
	dma_unmap_page(dev, da, PAGE_SIZE, DMA_BIDIRECTIONAL);
	__free_page(page);
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
 * The PTE amdgpu_vm_handle_fault() writes for a fault it could not serve
 * (AMDGPU_VM_NORETRY_FLAGS, which amdgpu turns into GMC v9's combination):
 * it translates nothing, counts as no mapping, and every access through it
 * is the fatal fault; a mapping written over it translates again.
 */
static void sim_no_retry_pte_is_fatal(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE;
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct amdgpu_svm_sim_tlb_entry e;
	u32 v = 0x5a5a5a5a;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, 0,
					 AMDGPU_VM_NORETRY_FLAGS, true));
	KUNIT_EXPECT_FALSE(test, amdgpu_svm_sim_walk(f->sim, f->vm, SIM_PAGE, &e));
	KUNIT_EXPECT_TRUE(test, e.flags & AMDGPU_PTE_PRT);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_sim_count_valid(f->sim, f->vm), 0);
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_NO_RETRY,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &v,
					      sizeof(v), false));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_NO_RETRY,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &v,
					      sizeof(v), true));
	/* An invalid PTE next to it is an ordinary (retry) fault. */
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_NOT_PRESENT,
			amdgpu_svm_sim_access(f->sim, f->vm,
					      SIM_VA + AMDGPU_GPU_PAGE_SIZE, &v,
					      sizeof(v), false));

	KUNIT_ASSERT_EQ(test, 0, sim_map(f, SIM_PAGE, 1, page_to_phys(page),
					 flags | AMDGPU_PTE_WRITEABLE, true));
	KUNIT_EXPECT_EQ(test, AMDGPU_SVM_SIM_OK,
			amdgpu_svm_sim_access(f->sim, f->vm, SIM_VA, &v,
					      sizeof(v), true));
	KUNIT_EXPECT_EQ(test, *(u32 *)page_address(page), 0x5a5a5a5a);
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

/* --- The SDMA engine --- */

static struct amdgpu_ring *sim_ring(struct sim_fixture *f)
{
	return &f->tdev->adev->sdma.instance[0].ring;
}

/*
 * One job of packets written by @emit on a buffer entity of amdgpu's TTM
 * (its default one unless @entity says otherwise), as TTM submits jobs.
 */
static struct dma_fence *
sim_job_on(struct kunit *test, struct sim_fixture *f,
	   struct amdgpu_ttm_buffer_entity *entity,
	   void (*emit)(struct amdgpu_device *adev, struct amdgpu_ib *ib,
			void *arg),
	   void *arg)
{
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_job *job;
	struct dma_fence *fence;

	KUNIT_ASSERT_EQ(test, 0,
			amdgpu_job_alloc_with_ib(adev, &entity->base,
						 AMDGPU_FENCE_OWNER_UNDEFINED,
						 256 * 4, AMDGPU_IB_POOL_DELAYED,
						 AMDGPU_KERNEL_JOB_ID_TTM_COPY_BUFFER,
						 &job));
	emit(adev, &job->ibs[0], arg);
	amdgpu_ring_pad_ib(sim_ring(f), &job->ibs[0]);
	mutex_lock(&entity->lock);
	fence = amdgpu_job_submit(job);
	mutex_unlock(&entity->lock);
	return fence;
}

static struct dma_fence *sim_job(struct kunit *test, struct sim_fixture *f,
				 void (*emit)(struct amdgpu_device *adev,
					      struct amdgpu_ib *ib, void *arg),
				 void *arg)
{
	return sim_job_on(test, f, &f->tdev->adev->mman.default_entity, emit,
			  arg);
}

/* Wait for @fence, drop it and return its status (1, or the error). */
static int sim_wait(struct dma_fence *fence)
{
	int ret;

	dma_fence_wait(fence, false);
	ret = dma_fence_get_status(fence);
	dma_fence_put(fence);
	return ret;
}

/* A pinned kernel buffer: system pages through GART, or VRAM. */
struct sim_buf {
	struct amdgpu_bo *bo;
	u64 mc;
	u8 *cpu;
};

static void sim_buf_make(struct kunit *test, struct sim_fixture *f,
			 struct sim_buf *b, size_t size, u32 domain)
{
	KUNIT_ASSERT_EQ(test, 0,
			amdgpu_bo_create_kernel(f->tdev->adev, size, PAGE_SIZE,
						domain, &b->bo, &b->mc,
						(void **)&b->cpu));
}

static void sim_buf_free(struct sim_buf *b)
{
	amdgpu_bo_free_kernel(&b->bo, &b->mc, (void **)&b->cpu);
}

struct sim_copy {
	u64 src, dst, bytes;
	u32 fill;
};

static void emit_copy(struct amdgpu_device *adev, struct amdgpu_ib *ib,
		      void *arg)
{
	struct sim_copy *c = arg;

	amdgpu_emit_copy_buffer(adev, ib, c->src, c->dst, c->bytes, 0);
}

static void emit_fill(struct amdgpu_device *adev, struct amdgpu_ib *ib,
		      void *arg)
{
	struct sim_copy *c = arg;

	amdgpu_emit_fill_buffer(adev, ib, c->fill, c->dst, c->bytes);
}

/* amdgpu's own ring and IB tests pass on the engine. */
static void sim_sdma_ring_and_ib_tests(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	int ibs = atomic_read(&sdma->ibs), traps = atomic_read(&sdma->traps);

	KUNIT_EXPECT_EQ(test, 0, amdgpu_ring_test_ring(sim_ring(f)));
	KUNIT_EXPECT_EQ(test, 0, amdgpu_ring_test_ib(sim_ring(f), HZ));
	KUNIT_EXPECT_GT(test, atomic_read(&sdma->ibs), ibs);
	KUNIT_EXPECT_GT(test, atomic_read(&sdma->traps), traps);
	KUNIT_EXPECT_GE(test, atomic_read(&sdma->writes), 2);
}

/*
 * CONST_FILL and COPY_LINEAR between system pages (through GART) and VRAM,
 * across page boundaries and at odd offsets.
 */
static void sim_sdma_copy_and_fill(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	struct sim_buf sys, vram;
	struct sim_copy c;
	size_t i;

	sim_buf_make(test, f, &sys, 2 * PAGE_SIZE, AMDGPU_GEM_DOMAIN_GTT);
	sim_buf_make(test, f, &vram, 2 * PAGE_SIZE, AMDGPU_GEM_DOMAIN_VRAM);
	for (i = 0; i < 2 * PAGE_SIZE; i++)
		sys.cpu[i] = i * 7;

	c = (struct sim_copy){ .dst = vram.mc, .bytes = 2 * PAGE_SIZE,
			       .fill = 0x5a5a5a5a };
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job(test, f, emit_fill, &c)));
	KUNIT_EXPECT_EQ(test, vram.cpu[0], 0x5a);
	KUNIT_EXPECT_EQ(test, vram.cpu[2 * PAGE_SIZE - 1], 0x5a);

	c = (struct sim_copy){ .src = sys.mc + 100, .dst = vram.mc + 10,
			       .bytes = PAGE_SIZE + 300 };
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job(test, f, emit_copy, &c)));
	KUNIT_EXPECT_EQ(test, 0, memcmp(vram.cpu + 10, sys.cpu + 100,
					PAGE_SIZE + 300));
	KUNIT_EXPECT_EQ(test, vram.cpu[9], 0x5a);
	KUNIT_EXPECT_EQ(test, vram.cpu[10 + PAGE_SIZE + 300], 0x5a);

	/* And back into system memory. */
	memset(sys.cpu, 0, 2 * PAGE_SIZE);
	c = (struct sim_copy){ .src = vram.mc, .dst = sys.mc,
			       .bytes = 2 * PAGE_SIZE };
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job(test, f, emit_copy, &c)));
	KUNIT_EXPECT_EQ(test, 0, memcmp(sys.cpu, vram.cpu, 2 * PAGE_SIZE));
	KUNIT_EXPECT_GT(test, atomic_read(&sdma->gart_walks), 0);
	KUNIT_EXPECT_GE(test, atomic_read(&sdma->fills), 1);
	sim_buf_free(&sys);
	sim_buf_free(&vram);
}

/*
 * The GART TLB keeps a translation until a VMID-0 invalidation, as the
 * hardware does: a GART entry rewritten without one is not seen.
 */
static void sim_sdma_gart_tlb_needs_flush(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	u64 flags = AMDGPU_PTE_VALID | AMDGPU_PTE_READABLE | AMDGPU_PTE_SYSTEM |
		    AMDGPU_PTE_SNOOPED | adev->gart.gart_pte_flags;
	u64 window = adev->mman.move_entities[0].gart_window_offs[0];
	struct page *a = alloc_page(GFP_KERNEL), *b = alloc_page(GFP_KERNEL);
	dma_addr_t da, db;
	struct sim_buf vram;
	struct sim_copy c;

	KUNIT_ASSERT_TRUE(test, a && b);
	*(u32 *)page_address(a) = 0xaaaa;
	*(u32 *)page_address(b) = 0xbbbb;
	da = dma_map_page(adev->dev, a, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	db = dma_map_page(adev->dev, b, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	sim_buf_make(test, f, &vram, PAGE_SIZE, AMDGPU_GEM_DOMAIN_VRAM);
	c = (struct sim_copy){ .src = adev->gmc.gart_start + window,
			       .dst = vram.mc, .bytes = 4 };

	amdgpu_gart_map(adev, window, 1, &da, flags, adev->gart.ptr);
	amdgpu_gart_invalidate_tlb(adev);
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job(test, f, emit_copy, &c)));
	KUNIT_EXPECT_EQ(test, *(u32 *)vram.cpu, 0xaaaa);

	/* Rewritten, not invalidated: the engine still reaches page a. */
	amdgpu_gart_map(adev, window, 1, &db, flags, adev->gart.ptr);
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job(test, f, emit_copy, &c)));
	KUNIT_EXPECT_EQ(test, *(u32 *)vram.cpu, 0xaaaa);

	amdgpu_gart_invalidate_tlb(adev);
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job(test, f, emit_copy, &c)));
	KUNIT_EXPECT_EQ(test, *(u32 *)vram.cpu, 0xbbbb);

	amdgpu_gart_unbind(adev, window, 1);
	dma_unmap_page(adev->dev, da, PAGE_SIZE, DMA_BIDIRECTIONAL);
	dma_unmap_page(adev->dev, db, PAGE_SIZE, DMA_BIDIRECTIONAL);
	sim_buf_free(&vram);
	__free_page(a);
	__free_page(b);
}

struct sim_ptes {
	u64 pe, src, addr, flags;
};

static void emit_ptes(struct amdgpu_device *adev, struct amdgpu_ib *ib,
		      void *arg)
{
	const struct amdgpu_vm_pte_funcs *funcs = adev->vm_manager.vm_pte_funcs;
	struct sim_ptes *p = arg;

	/* Four written one by one, eight generated, four copied. */
	funcs->write_pte(ib, p->pe, p->addr | p->flags, 4, AMDGPU_GPU_PAGE_SIZE);
	funcs->set_pte_pde(ib, p->pe + 32, p->addr, 8, AMDGPU_GPU_PAGE_SIZE,
			   p->flags);
	funcs->copy_pte(ib, p->pe + 96, p->src, 4);
}

/* The page-table packets of amdgpu's SDMA v4 vm-pte functions. */
static void sim_sdma_page_table_packets(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	struct sim_ptes p = { .addr = 0x12340000, .flags = AMDGPU_PTE_VALID |
			      AMDGPU_PTE_SYSTEM | AMDGPU_PTE_READABLE };
	int ptepdes = atomic_read(&sdma->ptepdes);
	struct sim_buf table, src;
	u64 *pte;
	int i;

	sim_buf_make(test, f, &table, PAGE_SIZE, AMDGPU_GEM_DOMAIN_VRAM);
	sim_buf_make(test, f, &src, PAGE_SIZE, AMDGPU_GEM_DOMAIN_GTT);
	memset(table.cpu, 0, PAGE_SIZE);
	for (i = 0; i < 4; i++)
		((u64 *)src.cpu)[i] = 0x777000 + i;
	p.pe = table.mc;
	p.src = src.mc;
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job(test, f, emit_ptes, &p)));
	pte = (u64 *)table.cpu;
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, pte[i], (p.addr + i * AMDGPU_GPU_PAGE_SIZE) |
				p.flags);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, pte[4 + i],
				(p.addr + i * AMDGPU_GPU_PAGE_SIZE) | p.flags);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, pte[12 + i], 0x777000 + i);
	KUNIT_EXPECT_EQ(test, pte[16], 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->ptepdes), ptepdes + 1);
	sim_buf_free(&table);
	sim_buf_free(&src);
}

static void emit_entry(struct amdgpu_device *adev, struct amdgpu_ib *ib,
		       void *arg)
{
	const struct amdgpu_vm_pte_funcs *funcs = adev->vm_manager.vm_pte_funcs;
	struct sim_ptes *p = arg;

	/* amdgpu_vm_sdma_set_ptes(): one entry goes by WRITE_LINEAR... */
	funcs->write_pte(ib, p->pe, p->addr | p->flags, 1, 0);
	/* ...several by PTEPDE. */
	funcs->set_pte_pde(ib, p->pe + 8, p->addr, 2, AMDGPU_GPU_PAGE_SIZE,
			   p->flags);
}

/*
 * The engine writes a page-table entry whole, one 64-bit store, as the
 * hardware does: a walk that reads the entry while SDMA rewrites it sees
 * the old entry or the new one. (A model that wrote the two halves of a
 * PDE apart let the walker take half a new PDE for a 2 MiB page, now and
 * then, depending on how the two CPUs interleaved.)
 */
static void sim_sdma_entries_are_written_whole(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	struct sim_ptes p = { .addr = 0x7654321000ULL, .flags = AMDGPU_PTE_VALID |
			      AMDGPU_PTE_READABLE };
	int qwords = atomic_read(&sdma->qword_stores);
	struct sim_buf table;
	u64 *pte;

	sim_buf_make(test, f, &table, PAGE_SIZE, AMDGPU_GEM_DOMAIN_VRAM);
	memset(table.cpu, 0, PAGE_SIZE);
	p.pe = table.mc;
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job(test, f, emit_entry, &p)));
	pte = (u64 *)table.cpu;
	KUNIT_EXPECT_EQ(test, pte[0], p.addr | p.flags);
	KUNIT_EXPECT_EQ(test, pte[2], (p.addr + AMDGPU_GPU_PAGE_SIZE) | p.flags);
	/* Three entries, three 64-bit stores. */
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->qword_stores) - qwords, 3);
	sim_buf_free(&table);
}

/*
 * The injected failures: a held engine signals nothing until released,
 * and runs what it holds in order; a failed copy writes poison and its
 * job's fence carries -EIO. amdgpu then skips every later job of the same
 * entity with that error (amdgpu_job_prepare_job()), until a reset makes
 * the entity anew.
 */
static void sim_sdma_injected_failures(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	struct dma_fence *first, *second;
	struct sim_buf sys, vram;
	struct sim_copy c;

	sim_buf_make(test, f, &sys, PAGE_SIZE, AMDGPU_GEM_DOMAIN_GTT);
	sim_buf_make(test, f, &vram, PAGE_SIZE, AMDGPU_GEM_DOMAIN_VRAM);
	memset(sys.cpu, 0x11, PAGE_SIZE);
	c = (struct sim_copy){ .src = sys.mc, .dst = vram.mc, .bytes = PAGE_SIZE,
			       .fill = 0x22222222 };

	amdgpu_svm_sim_sdma_hold(sdma, true);
	first = sim_job(test, f, emit_fill, &c);
	second = sim_job(test, f, emit_copy, &c);
	msleep(50);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(first));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(second));
	amdgpu_svm_sim_sdma_hold(sdma, false);
	KUNIT_EXPECT_EQ(test, 1, sim_wait(second));
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(first));
	dma_fence_put(first);
	/* In order: the copy ran after the fill. */
	KUNIT_EXPECT_EQ(test, vram.cpu[0], 0x11);

	memset(sys.cpu, 0x33, PAGE_SIZE);
	sdma->fail_copy_at = atomic_read(&sdma->copies) + 1;
	KUNIT_EXPECT_EQ(test, -EIO, sim_wait(sim_job(test, f, emit_copy, &c)));
	KUNIT_EXPECT_EQ(test, vram.cpu[0], 0x6b);
	/* The entity's next job is skipped: nothing reaches the engine. */
	KUNIT_EXPECT_EQ(test, -EIO, sim_wait(sim_job(test, f, emit_copy, &c)));
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->copies), sdma->fail_copy_at);
	KUNIT_EXPECT_EQ(test, vram.cpu[0], 0x6b);
	sim_buf_free(&sys);
	sim_buf_free(&vram);
}

static void emit_unknown(struct amdgpu_device *adev, struct amdgpu_ib *ib,
			 void *arg)
{
	/* Opcode 0x7f does not exist. */
	ib->ptr[ib->length_dw++] = 0x7f;
}

static void emit_gart_fault(struct amdgpu_device *adev, struct amdgpu_ib *ib,
			    void *arg)
{
	struct sim_buf *vram = arg;

	/* The last GART page: nothing is bound there. */
	amdgpu_emit_copy_buffer(adev, ib, adev->gmc.gart_end + 1 - PAGE_SIZE,
				vram->mc, 4, 0);
}

/*
 * An unknown packet and a GART fault each fail the test they run in; the
 * engine then cancels the job (as a reset would) and runs the next one.
 * Each goes on an entity of its own: a cancelled job's entity skips its
 * later jobs.
 */
static void sim_sdma_broken_rules_are_caught(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	int resets = atomic_read(&sdma->resets);
	struct sim_buf vram;
	struct kunit fake;

	sim_buf_make(test, f, &vram, PAGE_SIZE, AMDGPU_GEM_DOMAIN_VRAM);
	kunit_init_test(&fake, "unknown_packet", NULL);
	f->sim->test = &fake;
	KUNIT_EXPECT_EQ(test, -ECANCELED,
			sim_wait(sim_job(test, f, emit_unknown, NULL)));
	f->sim->test = test;
	KUNIT_EXPECT_EQ(test, fake.status, KUNIT_FAILURE);

	kunit_init_test(&fake, "gart_fault", NULL);
	f->sim->test = &fake;
	KUNIT_EXPECT_EQ(test, -ECANCELED,
			sim_wait(sim_job_on(test, f,
					    &f->tdev->adev->mman.clear_entities[0],
					    emit_gart_fault, &vram)));
	f->sim->test = test;
	KUNIT_EXPECT_EQ(test, fake.status, KUNIT_FAILURE);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->resets), resets + 2);

	KUNIT_EXPECT_EQ(test, 0, amdgpu_ring_test_ib(sim_ring(f), HZ));
	sim_buf_free(&vram);
}

/*
 * The two instances run side by side: a job on instance 1 completes while
 * a slow fill holds instance 0, and each instance signals its own fences.
 */
static void sim_sdma_instances_run_side_by_side(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	struct drm_gpu_scheduler *sched1 = &adev->sdma.instance[1].ring.sched;
	struct amdgpu_ttm_buffer_entity one = {};
	int fences0 = atomic_read(&sdma->engine[0].fences);
	int fences1 = atomic_read(&sdma->engine[1].fences);
	struct dma_fence *slow;
	struct sim_buf sys, vram;
	struct sim_copy c;

	KUNIT_ASSERT_EQ(test, adev->sdma.num_instances, 2);
	/* TTM spreads its clears and moves over both. */
	KUNIT_EXPECT_EQ(test, adev->mman.num_buffer_funcs_scheds, 2);
	KUNIT_ASSERT_EQ(test, 0,
			drm_sched_entity_init(&one.base, DRM_SCHED_PRIORITY_KERNEL,
					      &sched1, 1, NULL));
	mutex_init(&one.lock);
	sim_buf_make(test, f, &sys, PAGE_SIZE, AMDGPU_GEM_DOMAIN_GTT);
	sim_buf_make(test, f, &vram, 2 * PAGE_SIZE, AMDGPU_GEM_DOMAIN_VRAM);
	memset(sys.cpu, 0x5a, PAGE_SIZE);

	WRITE_ONCE(sdma->fill_delay_ms, 300);
	c = (struct sim_copy){ .dst = vram.mc, .bytes = PAGE_SIZE,
			       .fill = 0x01010101 };
	slow = sim_job(test, f, emit_fill, &c);
	c = (struct sim_copy){ .src = sys.mc, .dst = vram.mc + PAGE_SIZE,
			       .bytes = PAGE_SIZE };
	KUNIT_EXPECT_EQ(test, 1, sim_wait(sim_job_on(test, f, &one, emit_copy,
						     &c)));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(slow));
	KUNIT_EXPECT_EQ(test, vram.cpu[PAGE_SIZE], 0x5a);
	KUNIT_EXPECT_EQ(test, 1, sim_wait(slow));
	WRITE_ONCE(sdma->fill_delay_ms, 0);
	KUNIT_EXPECT_EQ(test, vram.cpu[0], 0x01);
	KUNIT_EXPECT_GT(test, atomic_read(&sdma->engine[0].fences), fences0);
	KUNIT_EXPECT_GT(test, atomic_read(&sdma->engine[1].fences), fences1);

	drm_sched_entity_destroy(&one.base);
	mutex_destroy(&one.lock);
	sim_buf_free(&sys);
	sim_buf_free(&vram);
}

/*
 * A job that hangs is timed out by amdgpu's scheduler, amdgpu's handler
 * runs (amdgpu_job_timedout()), and the reset that stands for recovery
 * completes the job's fence with -ETIME without running it. The ring
 * works again afterwards. The same for a copy that hangs in the middle
 * of its job. A hung copy holds its own instance only: the other
 * instance's ring runs meanwhile.
 */
static void sim_sdma_hung_job_times_out(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	int resets = atomic_read(&sdma->resets);
	struct dma_fence *fence;
	struct sim_buf sys, vram;
	struct sim_copy c;
	int hung;

	sim_buf_make(test, f, &sys, PAGE_SIZE, AMDGPU_GEM_DOMAIN_GTT);
	sim_buf_make(test, f, &vram, PAGE_SIZE, AMDGPU_GEM_DOMAIN_VRAM);
	memset(vram.cpu, 0x77, PAGE_SIZE);
	memset(sys.cpu, 0x11, PAGE_SIZE);
	amdgpu_svm_sim_sdma_timeout(sdma, 100);

	c = (struct sim_copy){ .dst = vram.mc, .bytes = PAGE_SIZE,
			       .fill = 0x22222222 };
	amdgpu_svm_sim_sdma_hold(sdma, true);
	KUNIT_EXPECT_EQ(test, -ETIME, sim_wait(sim_job(test, f, emit_fill, &c)));
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->timeouts), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->resets), resets + 1);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(sdma->held));
	KUNIT_EXPECT_EQ(test, vram.cpu[0], 0x77);

	/* A copy that hangs: the job's fence has the error, no data moved. */
	c = (struct sim_copy){ .src = sys.mc, .dst = vram.mc, .bytes = PAGE_SIZE };
	sdma->hang_copy_at = atomic_read(&sdma->copies) + 1;
	KUNIT_EXPECT_EQ(test, -ETIME,
			sim_wait(sim_job_on(test, f, &adev->mman.move_entities[0],
					    emit_copy, &c)));
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->timeouts), 2);
	KUNIT_EXPECT_EQ(test, vram.cpu[0], 0x77);

	/* Released before the timeout, it completes. */
	amdgpu_svm_sim_sdma_timeout(sdma, 0);
	sdma->hang_copy_at = atomic_read(&sdma->copies) + 1;
	fence = sim_job_on(test, f, &adev->mman.clear_entities[0], emit_copy,
			   &c);
	msleep(50);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fence));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(sdma->held));
	hung = amdgpu_svm_sim_sdma_held_instance(sdma);
	KUNIT_ASSERT_GE(test, hung, 0);
	KUNIT_EXPECT_EQ(test, 0,
			amdgpu_ring_test_ib(&adev->sdma.instance[!hung].ring, HZ));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fence));
	amdgpu_svm_sim_sdma_hold(sdma, false);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_sim_sdma_held_instance(sdma), -1);
	KUNIT_EXPECT_EQ(test, 1, sim_wait(fence));
	KUNIT_EXPECT_EQ(test, vram.cpu[0], 0x11);
	KUNIT_EXPECT_EQ(test, atomic_read(&sdma->timeouts), 2);
	KUNIT_EXPECT_EQ(test, 0, amdgpu_ring_test_ib(sim_ring(f), HZ));
	sim_buf_free(&sys);
	sim_buf_free(&vram);
}

/*
 * TTM pipelines the eviction of a user buffer: it queues the copy out of
 * VRAM, gives the VRAM back at once and makes the next user of the
 * manager wait for the copy (ttm_bo_move_pipeline_evict()). The copy
 * still reads that VRAM: the model keeps it, content and all, until the
 * copy's fence signals, and only then is it freed VRAM.
 */
static void sim_vram_pipelined_eviction(struct kunit *test)
{
	struct sim_fixture *f = test->priv;
	struct amdgpu_device *adev = f->tdev->adev;
	struct amdgpu_svm_sim_sdma *sdma = &f->sim->sdma;
	struct ttm_resource_manager *man =
		ttm_manager_type(&adev->mman.bdev, TTM_PL_VRAM);
	struct amdgpu_bo_param bp = {
		.size = SZ_64K,
		.byte_align = PAGE_SIZE,
		.domain = AMDGPU_GEM_DOMAIN_VRAM,
		.flags = AMDGPU_GEM_CREATE_VRAM_CONTIGUOUS,
		.type = ttm_bo_type_device,
		.bo_ptr_size = sizeof(struct amdgpu_bo),
	};
	struct amdgpu_bo *bo, *pressure;
	u64 offset;
	u8 *cpu;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_bo_create(adev, &bp, &bo));
	KUNIT_ASSERT_EQ(test, bo->tbo.resource->mem_type, TTM_PL_VRAM);
	offset = bo->tbo.resource->start << PAGE_SHIFT;
	memset(f->sim->aperture + offset, 0x5a, SZ_64K);

	/*
	 * Another buffer wants all free VRAM and 64 KiB more: TTM evicts
	 * the user buffer (it goes before kernel ones) while SDMA is held.
	 */
	amdgpu_svm_sim_sdma_hold(sdma, true);
	bp.size = adev->gmc.mc_vram_size - ttm_resource_manager_usage(man) +
		  SZ_64K;
	bp.flags = AMDGPU_GEM_CREATE_NO_CPU_ACCESS;
	bp.type = ttm_bo_type_kernel;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_bo_create(adev, &bp, &pressure));
	KUNIT_EXPECT_NE(test, bo->tbo.resource->mem_type, TTM_PL_VRAM);
	/* Given back to TTM, the VRAM is the queued copy's until it ran. */
	KUNIT_EXPECT_NOT_NULL(test, amdgpu_svm_sim_vram_page(f->sim, offset));
	KUNIT_EXPECT_EQ(test, ((u8 *)f->sim->aperture)[offset], 0x5a);

	amdgpu_svm_sim_sdma_hold(sdma, false);
	KUNIT_ASSERT_GT(test, dma_resv_wait_timeout(bo->tbo.base.resv,
						    DMA_RESV_USAGE_KERNEL,
						    false, 10 * HZ), 0);
	/* Idle now: freed at once. */
	amdgpu_bo_unref(&pressure);
	/* The copy carried the bytes; the VRAM it left is freed VRAM now. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_bo_reserve(bo, false));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_bo_kmap(bo, (void **)&cpu));
	KUNIT_EXPECT_EQ(test, cpu[0], 0x5a);
	KUNIT_EXPECT_EQ(test, cpu[SZ_64K - 1], 0x5a);
	amdgpu_bo_kunmap(bo);
	amdgpu_bo_unreserve(bo);
	KUNIT_EXPECT_NULL(test, amdgpu_svm_sim_vram_page(f->sim, offset));
	KUNIT_EXPECT_EQ(test, ((u8 *)f->sim->aperture)[offset], 0x6b);
	amdgpu_bo_unref(&bo);
}

static struct kunit_case amdgpu_svm_sim_cases[] = {
	KUNIT_CASE(sim_walk_hand_built),
	KUNIT_CASE(sim_walk_amdgpu_tables_need_pdes),
	KUNIT_CASE(sim_tlb_stale_hit_is_caught),
	KUNIT_CASE(sim_tlb_flush_by_pasid_is_per_vm),
	KUNIT_CASE(sim_dma_unmap_before_the_flush_is_caught),
	KUNIT_CASE(sim_pte_to_an_unmapped_page_is_caught),
	KUNIT_CASE(sim_read_only_pte_refuses_writes),
	KUNIT_CASE(sim_no_retry_pte_is_fatal),
	KUNIT_CASE(sim_queue_rules),
	KUNIT_CASE(sim_sdma_ring_and_ib_tests),
	KUNIT_CASE(sim_sdma_copy_and_fill),
	KUNIT_CASE(sim_sdma_gart_tlb_needs_flush),
	KUNIT_CASE(sim_sdma_page_table_packets),
	KUNIT_CASE(sim_sdma_entries_are_written_whole),
	KUNIT_CASE(sim_sdma_injected_failures),
	KUNIT_CASE(sim_sdma_broken_rules_are_caught),
	KUNIT_CASE(sim_sdma_instances_run_side_by_side),
	KUNIT_CASE(sim_sdma_hung_job_times_out),
	KUNIT_CASE(sim_vram_pipelined_eviction),
	{}
};

static struct kunit_suite amdgpu_svm_sim_suite = {
	.name = "amdgpu_svm_sim",
	.init = sim_test_init,
	.test_cases = amdgpu_svm_sim_cases,
};

kunit_test_suite(amdgpu_svm_sim_suite);
