// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite amdgpu_svm_peer: one process, two GPUs.
 *
 * Each case makes two simulated GPUs, each with VRAM registered for
 * migration, and opens a file of each in the test's process, as ROCr
 * opens one render node per GPU: two SVMs over one address space. In an
 * XGMI hive the GPUs share the owner of their device pages (see "Peers"
 * in amdgpu_migrate.c) and each one's MMU model reaches the other's VRAM
 * at its node's segment; PCIe peers share it too, and reach each other's
 * VRAM through its BAR at a DMA address; without an interconnect, each
 * GPU sees the other's pages only once they are back in system memory.
 */

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_pagemap.h>

#include "../amdgpu.h"
#include "../amdgpu_migrate.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_range_migrate.h"
#include "../amdgpu_vm.h"
#include "amdgpu_svm_sim.h"
#include "amdgpu_svm_test.h"
#include "vega10_enum.h"

#define PEER_VRAM	SZ_8M
#define PEER_HIVE	0x5eed
#define NPAGES		(SZ_2M >> PAGE_SHIFT)

/* Two GPUs of the test's process; A is gpu[0], B gpu[1]. */
struct peer_fixture {
	struct amdgpu_svm_test_dev *gpu[2];
	struct amdgpu_migrate_stats *stats[2];
};

/* How the two GPUs reach each other's VRAM. */
enum peer_link {
	PEER_NONE,
	PEER_XGMI,
	PEER_PCIE,
};

static const char *const link_names[] = {
	[PEER_NONE] = "no interconnect",
	[PEER_XGMI] = "xgmi hive",
	[PEER_PCIE] = "pcie p2p",
};

static struct peer_fixture *fixture(struct kunit *test, enum peer_link link)
{
	struct peer_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < 2; i++) {
		const struct amdgpu_svm_sim_hive xgmi = {
			.hive_id = PEER_HIVE, .node = i, .nodes = 2,
		};
		const struct amdgpu_svm_sim_hive pcie = { .pcie = 1 };
		struct amdgpu_svm_test_dev *t;

		t = amdgpu_svm_test_dev_create_in_hive(test, true, PEER_VRAM,
						       link == PEER_XGMI ? &xgmi :
						       link == PEER_PCIE ? &pcie :
						       NULL);
		f->gpu[i] = t;
		f->stats[i] = &amdgpu_svm_test_migrate(t)->stats;
		/* The SVM now; its restore worker stays out of the way. */
		KUNIT_ASSERT_EQ(test, 0,
				amdgpu_svm_test_ioctl(t, AMDGPU_SVM_OP_RESET_ATTR,
						      t->attrs_page, PAGE_SIZE,
						      NULL, 0));
		t->fpriv->vm.svm->restore.delay = 3600 * HZ;
	}
	return f;
}

/* SET of one attribute on one GPU's file. */
static int set(struct amdgpu_svm_test_dev *t, unsigned long start,
	       size_t size, u32 type, u32 value)
{
	const struct drm_amdgpu_svm_attribute attr = { type, value };

	return amdgpu_svm_test_ioctl(t, AMDGPU_SVM_OP_SET_ATTR, start, size,
				     &attr, 1);
}

/* A 2 MiB-aligned 2 MiB buffer; page i holds @seed ^ i. */
static unsigned long buffer(struct kunit *test, u32 seed)
{
	unsigned long map, buf, i;

	map = kunit_vm_mmap(test, NULL, 0, 2 * SZ_2M, PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_TRUE(test, map && map < TASK_SIZE);
	buf = ALIGN(map, SZ_2M);
	for (i = 0; i < NPAGES; i++)
		KUNIT_ASSERT_EQ(test, 0, put_user(seed ^ (u32)i,
						  (u32 __user *)(buf + i * PAGE_SIZE)));
	return buf;
}

/* Does @t's PTE for @addr point into @owner's VRAM (at its hive address)? */
static bool pte_in_vram_of(struct amdgpu_svm_test_dev *t, unsigned long addr,
			   struct amdgpu_svm_test_dev *owner,
			   struct amdgpu_svm_test_pte *pte)
{
	u64 base = owner->adev->vm_manager.vram_base_offset;

	return amdgpu_svm_test_gpu_pte(t, addr, pte) &&
	       !(pte->flags & AMDGPU_PTE_SYSTEM) && pte->addr >= base &&
	       pte->addr - base < owner->sim->vram_size;
}

/* Does @t's PTE for @addr point into @owner's BAR (a PCIe peer's VRAM)? */
static bool pte_in_bar_of(struct amdgpu_svm_test_dev *t, unsigned long addr,
			  struct amdgpu_svm_test_dev *owner,
			  struct amdgpu_svm_test_pte *pte)
{
	u64 base = owner->adev->gmc.aper_base;

	return amdgpu_svm_test_gpu_pte(t, addr, pte) &&
	       (pte->flags & AMDGPU_PTE_SYSTEM) && pte->addr >= base &&
	       pte->addr - base < owner->sim->vram_size;
}

/* Does @t's PTE for @addr point into @owner's VRAM, over @link? */
static bool pte_to_peer(struct amdgpu_svm_test_dev *t, unsigned long addr,
			struct amdgpu_svm_test_dev *owner, enum peer_link link,
			struct amdgpu_svm_test_pte *pte)
{
	return link == PEER_PCIE ? pte_in_bar_of(t, addr, owner, pte) :
				   pte_in_vram_of(t, addr, owner, pte);
}

static void link_desc(const enum peer_link *link, char *desc)
{
	strscpy(desc, link_names[*link], KUNIT_PARAM_DESC_SIZE);
}

/* Every link; and the two interconnects, over which pages stay in VRAM. */
static const enum peer_link link_params[] = { PEER_XGMI, PEER_PCIE, PEER_NONE };
static const enum peer_link interconnect_params[] = { PEER_XGMI, PEER_PCIE };

KUNIT_ARRAY_PARAM(link, link_params, link_desc);
KUNIT_ARRAY_PARAM(interconnect, interconnect_params, link_desc);

/* Accesses of @t's GPU that reached a peer's VRAM over @link. */
static int peer_accesses(struct amdgpu_svm_test_dev *t, enum peer_link link)
{
	return atomic_read(link == PEER_PCIE ? &t->sim->bar_accesses :
					       &t->sim->xgmi_accesses);
}

static u64 pages_in(struct peer_fixture *f, unsigned int i)
{
	return atomic64_read(&f->stats[i]->pages_in);
}

static u64 pages_out(struct peer_fixture *f, unsigned int i)
{
	return atomic64_read(&f->stats[i]->pages_out);
}

static u64 pages_to_peer(struct peer_fixture *f, unsigned int i)
{
	return atomic64_read(&f->stats[i]->pages_to_peer);
}

static void restore_timeslice(void *old)
{
	WRITE_ONCE(amdgpu_svm_timeslice_ms, (unsigned int)(uintptr_t)old);
}

/* Pages moved from now on stay in VRAM for @ms (until the case ends). */
static void set_timeslice(struct kunit *test, unsigned int ms)
{
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, restore_timeslice,
						  (void *)(uintptr_t)amdgpu_svm_timeslice_ms));
	WRITE_ONCE(amdgpu_svm_timeslice_ms, ms);
}

/* A prefetches the buffer to its VRAM. */
static void prefetch_to_a(struct kunit *test, struct peer_fixture *f,
			  unsigned long buf)
{
	KUNIT_ASSERT_EQ(test, 0, set(f->gpu[0], buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, 1));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(f->gpu[0]->vram),
			NPAGES);
}

/*
 * Two GPUs, without a timeslice, linked by @link, and a buffer filled
 * from @seed that A's prefetch put in A's VRAM.
 */
static struct peer_fixture *fixture_in_a(struct kunit *test,
					 enum peer_link link, u32 seed,
					 unsigned long *buf)
{
	struct peer_fixture *f;

	set_timeslice(test, 0);
	f = fixture(test, link);
	*buf = buffer(test, seed);
	prefetch_to_a(test, f, *buf);
	return f;
}

/* Every page holds @seed ^ i, but @page, which holds @v (CPU reads). */
static void expect_cpu_bytes(struct kunit *test, unsigned long buf, u32 seed,
			     unsigned long page, u32 v)
{
	unsigned long i;
	u32 got;

	for (i = 0; i < NPAGES; i++) {
		KUNIT_ASSERT_EQ(test, 0, get_user(got, (u32 __user *)(buf + i * PAGE_SIZE)));
		KUNIT_ASSERT_EQ_MSG(test, got, i == page ? v : seed ^ (u32)i,
				    "page %lu", i);
	}
}

/*
 * The model: B reaches a live page of A's VRAM at A's hive address, and
 * nothing once A freed it; nothing in a segment no GPU of the hive has;
 * a GPU outside the hive reaches no other GPU's VRAM. And what the driver
 * gives each of them: A and B share the owner of their device pages, C
 * has its own; A's device_map() gives B the hive address and refuses C.
 */
static void peer_model_reaches_hive_vram(struct kunit *test)
{
	struct peer_fixture *f = fixture(test, PEER_XGMI);
	struct amdgpu_svm_test_dev *a = f->gpu[0], *b = f->gpu[1];
	struct amdgpu_svm_test_dev *c;
	struct amdgpu_bo *bo = NULL;
	u64 gpu_addr, hive_addr, nowhere;
	struct drm_pagemap_addr addr;
	struct amdgpu_migrate *mig;
	struct drm_pagemap *dp;
	struct page *page;
	void *cpu;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_bo_create_kernel(a->adev, PAGE_SIZE,
							 PAGE_SIZE,
							 AMDGPU_GEM_DOMAIN_VRAM,
							 &bo, &gpu_addr, &cpu));
	hive_addr = gpu_addr - a->adev->gmc.vram_start +
		    a->adev->vm_manager.vram_base_offset;
	KUNIT_EXPECT_EQ(test, a->adev->vm_manager.vram_base_offset,
			b->adev->vm_manager.vram_base_offset -
			AMDGPU_SVM_SIM_XGMI_SEGMENT);
	KUNIT_EXPECT_PTR_EQ(test, amdgpu_svm_sim_hive_vram_page(b->sim, hive_addr),
			    amdgpu_svm_sim_hive_vram_page(a->sim, hive_addr));
	KUNIT_EXPECT_NOT_NULL(test, amdgpu_svm_sim_hive_vram_page(b->sim,
								  hive_addr));
	/* Node 2's segment: no GPU of the hive is there. */
	nowhere = a->adev->vm_manager.vram_base_offset +
		  2 * AMDGPU_SVM_SIM_XGMI_SEGMENT;
	KUNIT_EXPECT_NULL(test, amdgpu_svm_sim_hive_vram_page(b->sim, nowhere));

	/* A third GPU, in no hive, at node 0's addresses: only its own. */
	c = amdgpu_svm_test_dev_create_in_hive(test, true, SZ_2M, NULL);
	KUNIT_EXPECT_EQ(test, c->adev->vm_manager.vram_base_offset,
			a->adev->vm_manager.vram_base_offset);
	KUNIT_EXPECT_PTR_NE(test, amdgpu_svm_sim_hive_vram_page(c->sim, hive_addr),
			    amdgpu_svm_sim_hive_vram_page(a->sim, hive_addr));
	nowhere = b->adev->vm_manager.vram_base_offset;
	KUNIT_EXPECT_NULL(test, amdgpu_svm_sim_hive_vram_page(c->sim, nowhere));

	/* device_map(): the hive address for the peer, nothing for C. */
	mig = amdgpu_svm_test_migrate(a);
	dp = &mig->dpagemap;
	page = amdgpu_migrate_vram_page(mig, hive_addr -
					a->adev->vm_manager.vram_base_offset);
	addr = dp->ops->device_map(dp, b->adev->dev, page, 0,
				   DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, addr.addr, hive_addr);
	KUNIT_EXPECT_EQ(test, (u32)addr.proto, DRM_INTERCONNECT_DRIVER);
	addr = dp->ops->device_map(dp, c->adev->dev, page, 0,
				   DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, addr.addr, DMA_MAPPING_ERROR);
	KUNIT_EXPECT_PTR_EQ(test, amdgpu_migrate_owner(a->adev),
			    amdgpu_migrate_owner(b->adev));
	KUNIT_EXPECT_PTR_NE(test, amdgpu_migrate_owner(a->adev),
			    amdgpu_migrate_owner(c->adev));

	amdgpu_bo_free_kernel(&bo, &gpu_addr, &cpu);
	KUNIT_EXPECT_NULL(test, amdgpu_svm_sim_hive_vram_page(b->sim, hive_addr));
}

/*
 * The model and the driver over PCIe: B reaches a live page of A's VRAM
 * at its place in A's BAR, and nothing once A freed it; C, a GPU the
 * chipset routes no peer-to-peer traffic to, reaches nothing there. A and
 * B share the owner of their device pages, C has its own; A's
 * device_map() gives B the page's BAR address, DMA-mapped for B, gives A
 * itself the VRAM address, and refuses C. The kernel's own P2PDMA code
 * decides: A and B sit on PCI functions behind one bridge, C on the root
 * bus; and a BAR smaller than VRAM makes no PCIe peer.
 */
static void peer_model_reaches_a_pcie_peer_bar(struct kunit *test)
{
	struct peer_fixture *f = fixture(test, PEER_PCIE);
	struct amdgpu_svm_test_dev *a = f->gpu[0], *b = f->gpu[1];
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(a);
	struct drm_pagemap *dp = &mig->dpagemap;
	struct amdgpu_svm_test_dev *c;
	struct drm_pagemap_addr addr;
	struct amdgpu_bo *bo = NULL;
	u64 gpu_addr, offset, bar;
	struct page *page;
	bool in_bar;
	void *cpu;

	KUNIT_ASSERT_EQ(test, 0, amdgpu_bo_create_kernel(a->adev, PAGE_SIZE,
							 PAGE_SIZE,
							 AMDGPU_GEM_DOMAIN_VRAM,
							 &bo, &gpu_addr, &cpu));
	offset = gpu_addr - a->adev->gmc.vram_start;
	bar = a->adev->gmc.aper_base + offset;
	KUNIT_EXPECT_NE(test, a->adev->gmc.aper_base, b->adev->gmc.aper_base);
	KUNIT_EXPECT_PTR_EQ(test, amdgpu_svm_sim_bar_vram_page(b->sim, bar,
							       &in_bar),
			    amdgpu_svm_sim_vram_page(a->sim, offset));
	KUNIT_EXPECT_TRUE(test, in_bar);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->sim->bar_accesses), 1);
	KUNIT_EXPECT_NULL(test, amdgpu_svm_sim_bar_vram_page(b->sim,
							     AMDGPU_SVM_SIM_BAR_BASE - PAGE_SIZE,
							     &in_bar));
	KUNIT_EXPECT_FALSE(test, in_bar);

	c = amdgpu_svm_test_dev_create_in_hive(test, true, SZ_2M, NULL);
	KUNIT_EXPECT_NULL(test, amdgpu_svm_sim_bar_vram_page(c->sim, bar,
							     &in_bar));
	KUNIT_EXPECT_TRUE(test, in_bar);
	KUNIT_EXPECT_PTR_NE(test, a->adev->pdev, b->adev->pdev);
	KUNIT_EXPECT_NOT_NULL(test, pci_upstream_bridge(a->adev->pdev));
	KUNIT_EXPECT_PTR_EQ(test, pci_upstream_bridge(a->adev->pdev),
			    pci_upstream_bridge(b->adev->pdev));
	KUNIT_EXPECT_NULL(test, pci_upstream_bridge(c->adev->pdev));
	KUNIT_EXPECT_GE(test, pci_p2pdma_distance(a->adev->pdev, b->adev->dev,
						  false), 0);
	KUNIT_EXPECT_LT(test, pci_p2pdma_distance(a->adev->pdev, c->adev->dev,
						  false), 0);
	KUNIT_EXPECT_TRUE(test, amdgpu_migrate_pcie_p2p(a->adev, b->adev));
	KUNIT_EXPECT_FALSE(test, amdgpu_migrate_pcie_p2p(a->adev, c->adev));
	/* A small BAR: B could not map all of A's VRAM through it. */
	a->adev->gmc.visible_vram_size /= 2;
	KUNIT_EXPECT_FALSE(test, amdgpu_migrate_pcie_p2p(a->adev, b->adev));
	a->adev->gmc.visible_vram_size *= 2;
	KUNIT_EXPECT_PTR_EQ(test, amdgpu_migrate_owner(a->adev),
			    amdgpu_migrate_owner(b->adev));
	KUNIT_EXPECT_PTR_NE(test, amdgpu_migrate_owner(a->adev),
			    amdgpu_migrate_owner(c->adev));

	/* device_map(): the BAR address for B (no IOMMU: the bus address). */
	page = amdgpu_migrate_vram_page(mig, offset);
	addr = dp->ops->device_map(dp, b->adev->dev, page, 0,
				   DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, addr.addr, bar);
	KUNIT_EXPECT_EQ(test, (u32)addr.proto, AMDGPU_INTERCONNECT_P2P);
	dp->ops->device_unmap(dp, b->adev->dev, &addr);
	addr = dp->ops->device_map(dp, a->adev->dev, page, 0,
				   DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, addr.addr,
			a->adev->vm_manager.vram_base_offset + offset);
	KUNIT_EXPECT_EQ(test, (u32)addr.proto, DRM_INTERCONNECT_DRIVER);
	addr = dp->ops->device_map(dp, c->adev->dev, page, 0,
				   DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, addr.addr, DMA_MAPPING_ERROR);

	amdgpu_bo_free_kernel(&bo, &gpu_addr, &cpu);
	KUNIT_EXPECT_NULL(test, amdgpu_svm_sim_bar_vram_page(b->sim, bar,
							     &in_bar));
	KUNIT_EXPECT_TRUE(test, in_bar);
}

/*
 * Over an interconnect, B (IN_PLACE) reads and writes pages in A's VRAM
 * where they are: no copy on either GPU, and each GPU reads what the
 * other wrote. B's PTEs carry the remote-VRAM flags, MTYPE NC or UC where
 * A's own PTE has RW or CC: in a hive A's hive address, without the
 * SYSTEM bit, snooped; over PCIe the address of the page in A's BAR,
 * with the SYSTEM bit, not snooped (KFD's rows for GC 9.4.2).
 */
static void peer_maps_in_place(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	struct peer_fixture *f = fixture(test, link);
	struct amdgpu_svm_test_dev *a = f->gpu[0], *b = f->gpu[1];
	unsigned long buf = buffer(test, 0x7a);
	unsigned long p7 = buf + 7 * PAGE_SIZE;
	struct amdgpu_svm_test_pte pte, own;
	u64 in_a, out_a;
	int copies_a;
	u32 v, mtype;

	prefetch_to_a(test, f, buf);
	KUNIT_ASSERT_EQ(test, 0, set(b, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     AMDGPU_SVM_ACCESS_IN_PLACE));
	in_a = pages_in(f, 0);
	out_a = pages_out(f, 0);
	copies_a = atomic_read(&a->vram->copies);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p7, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0x7a ^ 7);
	KUNIT_ASSERT_TRUE(test, pte_to_peer(b, p7, a, link, &pte));
	KUNIT_EXPECT_EQ(test, !!(pte.flags & AMDGPU_PTE_SNOOPED),
			link == PEER_XGMI);
	mtype = (pte.flags & AMDGPU_PTE_MTYPE_VG10_MASK) >> 57;
	KUNIT_EXPECT_TRUE(test, mtype == MTYPE_NC || mtype == MTYPE_UC);
	KUNIT_ASSERT_TRUE(test, pte_in_vram_of(a, p7, a, &own));
	/* The same page: its hive address, or its place in A's BAR. */
	KUNIT_EXPECT_EQ(test, pte.addr - (link == PEER_PCIE ?
					  a->adev->gmc.aper_base :
					  a->adev->vm_manager.vram_base_offset),
			own.addr - a->adev->vm_manager.vram_base_offset);
	mtype = (own.flags & AMDGPU_PTE_MTYPE_VG10_MASK) >> 57;
	KUNIT_EXPECT_TRUE(test, mtype == MTYPE_RW || mtype == MTYPE_CC);
	KUNIT_EXPECT_GT(test, peer_accesses(b, link), 0);

	v = 0xb0b;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p7, &v, sizeof(v),
							    true));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(a, p7, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0xb0b);
	v = 0xa0a;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(a, p7 + 8, &v,
							    sizeof(v), true));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p7 + 8, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_EQ(test, v, 0xa0a);

	/* Nothing moved, on either GPU. */
	KUNIT_EXPECT_EQ(test, pages_in(f, 0), in_a);
	KUNIT_EXPECT_EQ(test, pages_out(f, 0), out_a);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->vram->copies), copies_a);
	KUNIT_EXPECT_EQ(test, pages_in(f, 1), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), NPAGES);

	expect_cpu_bytes(test, buf, 0x7a, 7, 0xb0b);
}

/*
 * Without an interconnect B cannot reach A's VRAM: its fault (IN_PLACE)
 * brings the pages it needs back to system memory and maps them there.
 */
static void peer_without_interconnect_maps_system_memory(struct kunit *test)
{
	struct peer_fixture *f = fixture(test, PEER_NONE);
	struct amdgpu_svm_test_dev *a = f->gpu[0], *b = f->gpu[1];
	unsigned long buf = buffer(test, 0x3c);
	unsigned long p9 = buf + 9 * PAGE_SIZE;
	struct amdgpu_svm_test_pte pte;
	u32 v;

	prefetch_to_a(test, f, buf);
	KUNIT_ASSERT_EQ(test, 0, set(b, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     AMDGPU_SVM_ACCESS_IN_PLACE));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p9, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0x3c ^ 9);
	KUNIT_EXPECT_FALSE(test, pte_in_vram_of(b, p9, a, &pte));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(b, p9, &pte));
	KUNIT_EXPECT_TRUE(test, pte.flags & AMDGPU_PTE_SYSTEM);
	KUNIT_EXPECT_GT(test, pages_out(f, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->sim->xgmi_accesses), 0);
	KUNIT_EXPECT_EQ(test, pages_in(f, 1), 0);
	v = 0xb0b;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p9, &v, sizeof(v),
							    true));
	expect_cpu_bytes(test, buf, 0x3c, 9, 0xb0b);
}

/* B migrates the buffer to its VRAM, below the policy: no eviction first. */
static int migrate_to_b(struct peer_fixture *f, unsigned long buf)
{
	return amdgpu_migrate_populate(amdgpu_svm_test_migrate(f->gpu[1]),
				       current->mm, buf, buf + SZ_2M, 0, -1);
}

/*
 * A migration to B that meets A's pages: drm_pagemap hands them to A's
 * copy_to_ram with B's hive addresses (XGMI) or the addresses of B's BAR
 * DMA-mapped for A (PCIe), and A's engine copies them straight into B's
 * VRAM: one copy command per run that is contiguous in A's VRAM, every
 * page once, nothing through system memory (A copies nothing out to it,
 * B's engine copies nothing in). A's VRAM is freed, and B reads the
 * bytes, as does the CPU. B counts the pages in only when A can tell it
 * is B, in a hive.
 */
static void peer_migration_copies_vram_to_vram(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	struct peer_fixture *f;
	struct amdgpu_svm_test_dev *a, *b;
	unsigned long buf, p3;
	int copies_a, copies_b;
	u64 out_a, commands_a;
	u32 v;

	f = fixture_in_a(test, link, 0x2b, &buf);
	a = f->gpu[0];
	b = f->gpu[1];
	p3 = buf + 3 * PAGE_SIZE;
	copies_a = atomic_read(&a->vram->copies);
	copies_b = atomic_read(&b->vram->copies);
	commands_a = atomic64_read(&f->stats[0]->copy_commands);
	out_a = pages_out(f, 0);

	KUNIT_ASSERT_EQ(test, 0, migrate_to_b(f, buf));
	KUNIT_EXPECT_EQ(test, pages_to_peer(f, 0), NPAGES);
	KUNIT_EXPECT_EQ(test, pages_in(f, 1), link == PEER_XGMI ? NPAGES : 0);
	KUNIT_EXPECT_EQ(test, pages_out(f, 0), out_a);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->vram->copies), copies_b);
	/* Each run of A's VRAM is one command, and one copy on A's engine. */
	KUNIT_EXPECT_GE(test, atomic64_read(&f->stats[0]->copy_commands),
			commands_a + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->vram->copies) - copies_a,
			atomic64_read(&f->stats[0]->copy_commands) - commands_a);
	KUNIT_EXPECT_GT(test, peer_accesses(a, link), 0);
	KUNIT_EXPECT_GE(test, amdgpu_svm_test_vram_wait_frees(a->vram, 1), 1);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), NPAGES);

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p3, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0x2b ^ 3);
	expect_cpu_bytes(test, buf, 0x2b, 0, 0x2b);
}

/*
 * While the timeslice of A's pages runs, A refuses to copy them to B: the
 * migration fails with -EBUSY, nothing is copied, B holds no VRAM, and A
 * keeps the pages and their bytes. A noted for B when the timeslice ends,
 * once, which the policy waits for before it tries again.
 */
static void peer_copy_waits_for_the_timeslice(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	struct peer_fixture *f;
	struct amdgpu_svm_test_dev *a, *b;
	unsigned long buf, p3;
	int copies_a;
	u32 v;

	/* Longer than the case: the CPU never touches the buffer again. */
	set_timeslice(test, 600 * MSEC_PER_SEC);
	f = fixture(test, link);
	a = f->gpu[0];
	b = f->gpu[1];
	buf = buffer(test, 0x3c);
	p3 = buf + 3 * PAGE_SIZE;
	prefetch_to_a(test, f, buf);
	copies_a = atomic_read(&a->vram->copies);

	KUNIT_EXPECT_EQ(test, -EBUSY, migrate_to_b(f, buf));
	/* The note, waited for a millisecond at most; then it is gone. */
	KUNIT_EXPECT_TRUE(test, amdgpu_migrate_peer_wait(amdgpu_svm_test_migrate(b), 1));
	KUNIT_EXPECT_FALSE(test, amdgpu_migrate_peer_wait(amdgpu_svm_test_migrate(b), 1));
	KUNIT_EXPECT_EQ(test, atomic_read(&a->vram->copies), copies_a);
	KUNIT_EXPECT_EQ(test, pages_to_peer(f, 0), 0);
	KUNIT_EXPECT_EQ(test, pages_in(f, 1), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), NPAGES);
	KUNIT_EXPECT_GE(test, amdgpu_svm_test_vram_wait_frees(b->vram, 1), 1);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), 0);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(a, p3, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0x3c ^ 3);
}

/*
 * A's engine fails the copy into B's VRAM: the migration fails with the
 * job's error, the pages stay in A with their bytes (no CPU copies them
 * into B's VRAM), and B holds no VRAM.
 */
static void peer_copy_failure_keeps_the_pages(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	struct peer_fixture *f;
	struct amdgpu_svm_test_dev *a, *b;
	unsigned long buf;

	f = fixture_in_a(test, link, 0x4d, &buf);
	a = f->gpu[0];
	b = f->gpu[1];
	a->vram->fail_copy_at = atomic_read(&a->vram->copies) + 1;

	KUNIT_EXPECT_EQ(test, -EIO, migrate_to_b(f, buf));
	KUNIT_EXPECT_EQ(test, pages_to_peer(f, 0), 0);
	KUNIT_EXPECT_EQ(test, pages_in(f, 1), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), NPAGES);
	KUNIT_EXPECT_GE(test, amdgpu_svm_test_vram_wait_frees(b->vram, 1), 1);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), 0);
	expect_cpu_bytes(test, buf, 0x4d, 0, 0x4d);
}

/* What amdgpu's recovery counts when a reset lost B's VRAM. */
static void reset_b(struct amdgpu_svm_test_vram *vram)
{
	struct amdgpu_svm_test_dev *b = vram->hook_copy_data;

	atomic_inc(&b->adev->vram_lost_counter);
}

/*
 * A reset of B loses B's VRAM while A's engine copies A's pages into it:
 * the migration fails with -EIO, and the pages stay in A with their
 * bytes. Over PCIe, A cannot tell B's BAR from another peer's, and takes
 * any PCIe peer's reset for one of the receiver.
 */
static void peer_reset_of_b_during_the_copy_keeps_the_pages(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	struct peer_fixture *f;
	struct amdgpu_svm_test_dev *a, *b;
	unsigned long buf;

	f = fixture_in_a(test, link, 0x5b, &buf);
	a = f->gpu[0];
	b = f->gpu[1];
	a->vram->hook_copy_at = atomic_read(&a->vram->copies) + 1;
	a->vram->hook_copy = reset_b;
	a->vram->hook_copy_data = b;

	KUNIT_EXPECT_EQ(test, -EIO, migrate_to_b(f, buf));
	KUNIT_EXPECT_GT(test, atomic_read(&a->vram->copies),
			a->vram->hook_copy_at - 1);
	KUNIT_EXPECT_EQ(test, pages_to_peer(f, 0), 0);
	KUNIT_EXPECT_EQ(test, pages_in(f, 1), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), NPAGES);
	expect_cpu_bytes(test, buf, 0x5b, 0, 0x5b);
}

/*
 * One range of B holds pages of both GPUs: the first half in A's VRAM,
 * the second in B's (each migrated there directly, below the policy).
 * drm_gpusvm maps the pages of one pagemap per range and answers
 * -EOPNOTSUPP; B brings the whole range back to system memory, once, and
 * maps it there. Each GPU copies its own half out, and the bytes are
 * intact. Over XGMI and over PCIe: any peers that share the owner.
 */
static void peer_range_of_two_gpus_maps_from_system_memory(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	struct peer_fixture *f = fixture(test, link);
	struct amdgpu_svm_test_dev *a = f->gpu[0], *b = f->gpu[1];
	unsigned long buf = buffer(test, 0x6e);
	unsigned long p3 = buf + 3 * PAGE_SIZE;
	struct amdgpu_svm_test_pte pte;
	u32 v;

	KUNIT_ASSERT_EQ(test, 0,
			amdgpu_migrate_populate(amdgpu_svm_test_migrate(a),
						current->mm, buf, buf + SZ_1M,
						0, -1));
	KUNIT_ASSERT_EQ(test, 0,
			amdgpu_migrate_populate(amdgpu_svm_test_migrate(b),
						current->mm, buf + SZ_1M,
						buf + SZ_2M, 0, -1));
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(a->vram), NPAGES / 2);
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(b->vram), NPAGES / 2);
	KUNIT_ASSERT_EQ(test, 0, set(b, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     AMDGPU_SVM_ACCESS_IN_PLACE));

	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p3, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0x6e ^ 3);
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(b, p3, &pte));
	KUNIT_EXPECT_TRUE(test, pte.flags & AMDGPU_PTE_SYSTEM);
	KUNIT_EXPECT_EQ(test, pages_out(f, 0), NPAGES / 2);
	KUNIT_EXPECT_EQ(test, pages_out(f, 1), NPAGES / 2);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), 0);
	KUNIT_EXPECT_EQ(test, peer_accesses(b, link), 0);

	v = 0xb0b;
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p3, &v, sizeof(v),
							    true));
	expect_cpu_bytes(test, buf, 0x6e, 3, 0xb0b);
}

/*
 * B (ALLOW_MIGRATE) faults on pages in A's VRAM: the span moves to B's
 * VRAM. Over an interconnect A's engine copies every page into B's VRAM
 * once, over XGMI or through B's BAR; without one the span goes through
 * system memory, as KFD's svm_migrate_vram_to_vram() moves it: A copies
 * every page out once, B copies every page in once. Nothing falls back.
 */
static void peer_allow_migrate_moves_to_the_faulting_gpu(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	bool direct = link != PEER_NONE;
	struct peer_fixture *f;
	struct amdgpu_svm_test_dev *a, *b;
	unsigned long buf, p3;
	struct amdgpu_svm_test_pte pte;
	int copies_b;
	u64 out_a;
	u32 v;

	/* The fault comes right after the prefetch: no timeslice to wait. */
	f = fixture_in_a(test, link, 0x5d, &buf);
	a = f->gpu[0];
	b = f->gpu[1];
	p3 = buf + 3 * PAGE_SIZE;
	copies_b = atomic_read(&b->vram->copies);
	KUNIT_ASSERT_EQ(test, 0, set(b, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     AMDGPU_SVM_ACCESS_ALLOW_MIGRATE));
	out_a = pages_out(f, 0);
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p3, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0x5d ^ 3);
	KUNIT_EXPECT_TRUE(test, pte_in_vram_of(b, p3, b, &pte));
	KUNIT_EXPECT_EQ(test, pages_out(f, 0) - out_a, direct ? 0 : NPAGES);
	KUNIT_EXPECT_EQ(test, pages_to_peer(f, 0), direct ? NPAGES : 0);
	KUNIT_EXPECT_EQ(test, pages_in(f, 1),
			link == PEER_PCIE ? 0 : NPAGES);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->vram->copies) - copies_b > 0,
			!direct);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), NPAGES);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats[1]->fallbacks), 0);
	/* A maps the pages where they are now: B's VRAM or system memory. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(a, p3, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0x5d ^ 3);
	expect_cpu_bytes(test, buf, 0x5d, 0, 0x5d);
}

/*
 * Prefetches on either file: B's prefetch to its GPU takes A's pages over
 * (over an interconnect straight from A's VRAM once the timeslice ended,
 * else through system memory), and a prefetch to system memory on the
 * file of the GPU that does not hold the pages brings them home all the
 * same, as ROCr prefetches to system memory on every GPU's file: over an
 * interconnect by its policy (the pages are a peer's), without one by the
 * map that follows the prefetch (A's GPU may access the range, and
 * reaches B's pages only in system memory).
 */
static void peer_prefetch_on_either_file(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	struct peer_fixture *f = fixture(test, link);
	struct amdgpu_svm_test_dev *a = f->gpu[0], *b = f->gpu[1];
	unsigned long buf = buffer(test, 0x91);

	prefetch_to_a(test, f, buf);
	KUNIT_ASSERT_EQ(test, 0, set(b, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC, 1));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), NPAGES);
	KUNIT_EXPECT_EQ(test, pages_to_peer(f, 0),
			link == PEER_NONE ? 0 : NPAGES);
	KUNIT_EXPECT_EQ(test, pages_in(f, 1), link == PEER_PCIE ? 0 : NPAGES);

	/* Home, by the file of the GPU that does not hold them. */
	KUNIT_ASSERT_EQ(test, 0, set(a, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC,
				     AMDGPU_SVM_LOCATION_SYSMEM));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), 0);
	/* And by its own file. */
	KUNIT_ASSERT_EQ(test, 0, set(b, buf, SZ_2M,
				     AMDGPU_SVM_ATTR_PREFETCH_LOC,
				     AMDGPU_SVM_LOCATION_SYSMEM));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), 0);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), 0);
	expect_cpu_bytes(test, buf, 0x91, 0, 0x91);
}

/* How A loses the VRAM that B maps, over which link. */
enum peer_loss {
	PEER_UNBIND,
	PEER_EVICTION,
};

struct peer_loss_case {
	enum peer_loss loss;
	enum peer_link link;
};

static const struct peer_loss_case loss_params[] = {
	{ PEER_UNBIND, PEER_XGMI }, { PEER_EVICTION, PEER_XGMI },
	{ PEER_UNBIND, PEER_PCIE }, { PEER_EVICTION, PEER_PCIE },
};

static void loss_desc(const struct peer_loss_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %s",
		 c->loss == PEER_UNBIND ? "unbind of A" :
		 "TTM evicts A's buffer", link_names[c->link]);
}

KUNIT_ARRAY_PARAM(loss, loss_params, loss_desc);

/*
 * A loses its VRAM while B maps it in place: A's unbind, or TTM evicting
 * A's buffer under VRAM pressure on A. A's pages go home, B's PTEs to
 * them go with them (the model reports a GPU access to freed VRAM
 * otherwise), and B's next access faults and reads its bytes from system
 * memory.
 */
static void peer_loses_vram_while_the_peer_maps(struct kunit *test)
{
	const struct peer_loss_case *c = test->param_value;
	enum peer_loss loss = c->loss;
	struct peer_fixture *f = fixture(test, c->link);
	struct amdgpu_svm_test_dev *a = f->gpu[0], *b = f->gpu[1];
	unsigned long buf = buffer(test, 0x44);
	unsigned long p5 = buf + 5 * PAGE_SIZE;
	struct amdgpu_svm_test_pte pte;
	struct amdgpu_bo *hog = NULL;
	u32 v = 0xb5;

	prefetch_to_a(test, f, buf);
	KUNIT_ASSERT_EQ(test, 0, set(b, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     AMDGPU_SVM_ACCESS_IN_PLACE));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p5, &v, sizeof(v),
							    true));
	KUNIT_ASSERT_TRUE(test, pte_to_peer(b, p5, a, c->link, &pte));

	if (loss == PEER_UNBIND) {
		amdgpu_migrate_fini(a->adev);
	} else {
		KUNIT_ASSERT_EQ(test, 0,
				amdgpu_svm_test_vram_pressure(a->vram, SZ_1M,
							      &hog));
		KUNIT_EXPECT_GT(test, atomic64_read(&f->stats[0]->evictions), 0);
	}
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), 0);
	KUNIT_EXPECT_FALSE(test, pte_to_peer(b, p5, a, c->link, &pte));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p5, &v, sizeof(v),
							    false));
	KUNIT_EXPECT_EQ(test, v, 0xb5);
	KUNIT_EXPECT_FALSE(test, pte_to_peer(b, p5, a, c->link, &pte));
	KUNIT_ASSERT_TRUE(test, amdgpu_svm_test_gpu_pte(b, p5, &pte));
	KUNIT_EXPECT_TRUE(test, pte.flags & AMDGPU_PTE_SYSTEM);
	if (hog)
		amdgpu_bo_unref(&hog);
	expect_cpu_bytes(test, buf, 0x44, 5, 0xb5);
}

/*
 * A reset of A loses its VRAM while B maps A's pages in place. Nothing can
 * bring their data back (see "Reset" in amdgpu_migrate.c): the reset's
 * work takes B's PTEs (and A's) to them away, without a copy, and no GPU
 * maps them again; B's next access fails as the CPU's does (SIGBUS), and
 * a migration to B fails (-EIO): A copies no lost data into B's VRAM. The
 * pages stay in A's VRAM until the process unmaps them.
 */
static void peer_reset_of_a_unmaps_what_b_maps(struct kunit *test)
{
	enum peer_link link = *(const enum peer_link *)test->param_value;
	struct peer_fixture *f = fixture(test, link);
	struct amdgpu_svm_test_dev *a = f->gpu[0], *b = f->gpu[1];
	struct amdgpu_migrate *mig = amdgpu_svm_test_migrate(a);
	unsigned long buf = buffer(test, 0x1d);
	unsigned long p6 = buf + 6 * PAGE_SIZE;
	struct amdgpu_svm_test_pte pte;
	int copies_a, copies_b;
	u32 v;

	prefetch_to_a(test, f, buf);
	KUNIT_ASSERT_EQ(test, 0, set(b, buf, SZ_2M, AMDGPU_SVM_ATTR_ACCESS,
				     AMDGPU_SVM_ACCESS_IN_PLACE));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(b, p6, &v, sizeof(v),
							    false));
	KUNIT_ASSERT_TRUE(test, pte_to_peer(b, p6, a, link, &pte));
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(a, p6, &v, sizeof(v),
							    false));
	copies_a = atomic_read(&a->vram->copies);
	copies_b = atomic_read(&b->vram->copies);

	/* What amdgpu's recovery does after a reset that lost A's VRAM. */
	atomic_inc(&a->adev->vram_lost_counter);
	amdgpu_migrate_vram_lost(a->adev);
	flush_work(&mig->lost_work);

	KUNIT_EXPECT_EQ(test, atomic64_read(&mig->stats.lost_unmapped), 1);
	KUNIT_EXPECT_FALSE(test, pte_to_peer(b, p6, a, link, &pte));
	KUNIT_EXPECT_FALSE(test, pte_in_vram_of(a, p6, a, &pte));
	KUNIT_EXPECT_NE(test, 0, amdgpu_svm_test_gpu_access(b, p6, &v,
							    sizeof(v), false));
	KUNIT_EXPECT_FALSE(test, pte_to_peer(b, p6, a, link, &pte));
	KUNIT_EXPECT_NE(test, 0, amdgpu_svm_test_gpu_access(a, p6, &v,
							    sizeof(v), false));
	/* Nor does a migration to B copy them: A refuses to, as for a CPU. */
	KUNIT_EXPECT_EQ(test, -EIO, migrate_to_b(f, buf));
	KUNIT_EXPECT_EQ(test, pages_to_peer(f, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->vram->copies), copies_a);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->vram->copies), copies_b);
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), NPAGES);
	KUNIT_EXPECT_NE(test, 0, get_user(v, (u32 __user *)p6));

	KUNIT_EXPECT_EQ(test, 0, vm_munmap(buf, SZ_2M));
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(a->vram), 0);
}

#define PING_PONG_ROUNDS	3

/* Longer than the second a walk may lose to invalidations. */
static const unsigned int timeslice_params[] = { 0, 1500 };

static void timeslice_desc(const unsigned int *ms, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "timeslice %u ms", *ms);
}

KUNIT_ARRAY_PARAM(timeslice, timeslice_params, timeslice_desc);

/*
 * A and B, both ALLOW_MIGRATE, in a hive, write one page in turn, and the
 * other GPU reads it back each time. Every access by the GPU that does
 * not hold the page moves the 2 MiB span to it, once, straight from the
 * other's VRAM. The timeslice bounds the rate: pages that moved stay
 * where they are for amdgpu.svm_timeslice_ms, refused to anyone until
 * then (the holder refuses the copy, and the policy waits for the
 * timeslice to end before it tries again), so n moves take at least
 * (n - 1) timeslices.
 */
static void peer_ping_pong_is_bounded_by_the_timeslice(struct kunit *test)
{
	unsigned int ms = *(const unsigned int *)test->param_value;
	struct peer_fixture *f;
	u64 moved, faults, t0, elapsed_ms;
	unsigned long buf, p1;
	unsigned int i;
	u32 v;

	set_timeslice(test, ms);
	f = fixture(test, PEER_XGMI);
	buf = buffer(test, 0x19);
	p1 = buf + PAGE_SIZE;
	for (i = 0; i < 2; i++)
		KUNIT_ASSERT_EQ(test, 0, set(f->gpu[i], buf, SZ_2M,
					     AMDGPU_SVM_ATTR_ACCESS,
					     AMDGPU_SVM_ACCESS_ALLOW_MIGRATE));
	prefetch_to_a(test, f, buf);
	t0 = ktime_get_ns();

	for (i = 0; i < 2 * PING_PONG_ROUNDS; i++) {
		v = i;
		KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->gpu[!(i & 1)],
								    p1, &v,
								    sizeof(v),
								    true));
		KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_gpu_access(f->gpu[i & 1],
								    p1, &v,
								    sizeof(v),
								    false));
		KUNIT_ASSERT_EQ(test, v, i);
	}
	elapsed_ms = (ktime_get_ns() - t0) / NSEC_PER_MSEC;
	moved = (pages_in(f, 0) + pages_in(f, 1)) / NPAGES - 1;
	faults = atomic64_read(&f->stats[0]->gpu_faults) +
		 atomic64_read(&f->stats[1]->gpu_faults);
	kunit_info(test, "%u writes in turn: %llu moves in %llu ms (%llu pages v2v), %llu GPU faults, %llu + %llu fallbacks\n",
		   2 * PING_PONG_ROUNDS, moved, elapsed_ms,
		   pages_to_peer(f, 0) + pages_to_peer(f, 1), faults,
		   atomic64_read(&f->stats[0]->fallbacks),
		   atomic64_read(&f->stats[1]->fallbacks));
	/*
	 * The page went back and forth: each access by the GPU that did not
	 * hold it (the first write, and every read) moved the span once.
	 * It faulted for that, maybe more than once: with SDMA page-table
	 * updates the hardware may retry before the new PTEs are visible.
	 */
	KUNIT_EXPECT_EQ(test, moved, 2 * PING_PONG_ROUNDS + 1);
	/* Every move was straight, none through system memory. */
	KUNIT_EXPECT_EQ(test, pages_to_peer(f, 0) + pages_to_peer(f, 1),
			moved * NPAGES);
	KUNIT_EXPECT_GE(test, faults, moved);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->stats[0]->fallbacks) +
			atomic64_read(&f->stats[1]->fallbacks), 0);
	/* ...no faster than one move per timeslice. */
	KUNIT_EXPECT_GE(test, elapsed_ms, (moved - 1) * ms);
	expect_cpu_bytes(test, buf, 0x19, 1, 2 * PING_PONG_ROUNDS - 1);
}

static struct kunit_case peer_cases[] = {
	KUNIT_CASE(peer_model_reaches_hive_vram),
	KUNIT_CASE(peer_model_reaches_a_pcie_peer_bar),
	KUNIT_CASE_PARAM(peer_maps_in_place, interconnect_gen_params),
	KUNIT_CASE(peer_without_interconnect_maps_system_memory),
	KUNIT_CASE_PARAM(peer_migration_copies_vram_to_vram,
			 interconnect_gen_params),
	KUNIT_CASE_PARAM(peer_copy_waits_for_the_timeslice,
			 interconnect_gen_params),
	KUNIT_CASE_PARAM(peer_copy_failure_keeps_the_pages,
			 interconnect_gen_params),
	KUNIT_CASE_PARAM(peer_reset_of_b_during_the_copy_keeps_the_pages,
			 interconnect_gen_params),
	KUNIT_CASE_PARAM(peer_range_of_two_gpus_maps_from_system_memory,
			 interconnect_gen_params),
	KUNIT_CASE_PARAM(peer_allow_migrate_moves_to_the_faulting_gpu,
			 link_gen_params),
	KUNIT_CASE_PARAM(peer_prefetch_on_either_file, link_gen_params),
	KUNIT_CASE_PARAM(peer_loses_vram_while_the_peer_maps, loss_gen_params),
	KUNIT_CASE_PARAM(peer_reset_of_a_unmaps_what_b_maps,
			 interconnect_gen_params),
	KUNIT_CASE_PARAM_ATTR(peer_ping_pong_is_bounded_by_the_timeslice,
			      timeslice_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite peer_suite = {
	.name = "amdgpu_svm_peer",
	.test_cases = peer_cases,
};

kunit_test_suites(&peer_suite);
