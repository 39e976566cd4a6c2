// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulated GPU, part "device": bring-up of an MI200-class device on
 * which amdgpu's own memory-management code runs.
 *
 * What is amdgpu's own code here: GMC v9's early_init and its function
 * table (PDE/PTE encoding, the translate-further and fragment rules), the
 * VM sizing (amdgpu_vm_adjust_size), TTM with amdgpu's VRAM and GTT
 * managers (amdgpu_ttm_init), the VM manager, and every VM made here is
 * made by amdgpu_vm_init() and freed by amdgpu_vm_fini(). Page tables are
 * real buffer objects in simulated VRAM and are written by the CPU, as on a
 * large-BAR system (vm->use_cpu_for_update).
 *
 * What is modelled: VRAM is ordinary pages; the CPU's view of it (the BAR
 * aperture, adev->mman.aper_base_kaddr) is a vmap of those pages, so
 * amdgpu_bo_kmap() of a contiguous VRAM buffer object lands in them. All
 * of it is amdgpu's VRAM manager's; the model wraps the manager's alloc
 * and free (amdgpu's own still do the work) to know which VRAM is held:
 * the MMU and SDMA models reach only held VRAM, freed VRAM is poisoned,
 * VRAM that TTM freed while its pipelined eviction still copies it out
 * stays reachable until that copy's fence signals (sim_vram_mgr_del()),
 * and a test can fail the n-th allocation of a user buffer there, or the
 * n-th placement of a page table of the device's VM (the page-table
 * update that needed it fails with it). The
 * two TLB-flush callbacks of the GMC table reach the MMU model
 * (amdgpu_svm_sim_mmu.c) instead of registers; a flush of VMID 0 is the
 * GART's and empties the SDMA model's GART TLB.
 *
 * On top of that, the copy engine, as gmc_v9_0_sw_init() and
 * sdma_v4_0_sw_init() bring it up: the register map of the part
 * (aldebaran_reg_base_init()), NBIO 7.4's HDP-flush registers, the hub
 * register layout (the gfxhub/mmhub init functions), amdgpu's GART table in
 * VRAM, the write-back slots, the IB pool, two SDMA v4 rings (one per
 * instance) made by amdgpu_ring_init() with SDMA v4's ring table, their
 * schedulers with amdgpu_sched_ops (a timed-out job going through the
 * model after amdgpu_job_timedout()), the buffer-move functions (amdgpu's
 * TTM entities) and the page-table functions, both spread over the two
 * rings. Each ring's doorbell is a slot of a page of memory whose write
 * rings the SDMA model (amdgpu_svm_sim_sdma.c).
 *
 * Page tables are updated by the CPU (a large-BAR system) or by SDMA, as
 * amdgpu_svm_sim_pt_sdma says; a KUnit run sets it on the kernel command
 * line (amdgpu.svm_sim_pt_sdma=1) and make check runs every suite both
 * ways.
 *
 * The PCI function of each GPU is one of the test machine's (QEMU's "edu"
 * devices), so that amdgpu's check for PCIe peer-to-peer runs the
 * kernel's own P2PDMA code on a real topology (see "The PCI topology").
 *
 * What is deliberately not modelled (yet): interrupts and the IH ring
 * (the engine calls the fence processing the trap handler would), KIQ,
 * power, and a GPU reset beyond what the SDMA model does to a hung ring.
 * A GPU fault is raised by the MMU model's caller, not through an
 * interrupt.
 *
 * How it fails loudly: every bring-up step asserts; teardown checks that
 * TTM's VRAM manager is empty once the VMs are gone (a leaked page table
 * fails the test) and that no user buffer holds VRAM any more.
 */

#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/pci.h>
#include <linux/stacktrace.h>
#include <linux/vmalloc.h>

#include <kunit/static_stub.h>
#include <kunit/test.h>

#include "../amdgpu.h"
#include "../amdgpu_migrate.h"
#include "../amdgpu_reset.h"
#include "../amdgpu_res_cursor.h"
#include "../amdgpu_vm.h"
#include "../gmc_v9_0.h"
#include "../nbio_v7_4.h"
#include "../sdma_v4_0.h"
#include "../soc15.h"
#include "vega10_enum.h"
#include "amdgpu_svm_sim.h"

/* The GART aperture (MC addresses of system pages through GART). */
#define SIM_GART_SIZE		SZ_256M
/* Where VRAM sits in the MC address space. */
#define SIM_VRAM_START		0x8000000000ULL

/*
 * Doorbell (in dwords) of SDMA instance i's ring: 2 + 2 * i, 64-bit slots
 * of the kernel page, as SDMA v4's doorbells are.
 */
#define SIM_SDMA_DOORBELL(i)	(2 + 2 * (i))

/*
 * Page-table updates by SDMA (true) or by the CPU (false, the default);
 * from the kernel command line, for the whole run.
 */
bool amdgpu_svm_sim_pt_sdma;
module_param_named(svm_sim_pt_sdma, amdgpu_svm_sim_pt_sdma, bool, 0444);
MODULE_PARM_DESC(svm_sim_pt_sdma,
		 "KUnit simulated GPU: update page tables with SDMA (default: CPU)");

/*
 * The hardware state of each live simulated device, for the callbacks
 * amdgpu calls with only the amdgpu_device: a device has no field for it.
 */
static DEFINE_SPINLOCK(sim_devices_lock);
static LIST_HEAD(sim_devices);

/**
 * amdgpu_svm_sim_of() - the simulated device behind an amdgpu device
 * @adev: the device
 *
 * Context: any context that may spin.
 * Return: the simulated device, or NULL.
 */
struct amdgpu_svm_sim *amdgpu_svm_sim_of(struct amdgpu_device *adev)
{
	struct amdgpu_svm_sim *sim, *found = NULL;

	spin_lock(&sim_devices_lock);
	list_for_each_entry(sim, &sim_devices, link) {
		if (sim->adev == adev) {
			found = sim;
			break;
		}
	}
	spin_unlock(&sim_devices_lock);
	WARN(!found, "simulated GPU: callback for an unknown device\n");
	return found;
}

/*
 * The hardware TLB flushes: what registers would do, the model does.
 * VMID 0 is the kernel's: the GART.
 */
static void sim_flush_gpu_tlb(struct amdgpu_device *adev, u32 vmid,
			      u32 vmhub, u32 flush_type)
{
	struct amdgpu_svm_sim *sim = amdgpu_svm_sim_of(adev);

	if (!sim)
		return;
	if (vmid)
		amdgpu_svm_sim_tlb_flush(sim);
	else
		amdgpu_svm_sim_gart_flush(&sim->sdma);
}

static void sim_flush_gpu_tlb_pasid(struct amdgpu_device *adev, u16 pasid,
				    u32 flush_type, bool all_hub, u32 inst)
{
	struct amdgpu_svm_sim *sim = amdgpu_svm_sim_of(adev);

	if (!sim)
		return;
	/* One TLB stands for every XCC's; each instance asked is counted. */
	if (inst < ARRAY_SIZE(sim->pasid_flushes))
		atomic_inc(&sim->pasid_flushes[inst]);
	if (flush_type == TLB_FLUSH_HEAVYWEIGHT)
		atomic_inc(&sim->heavy_flushes);
	amdgpu_svm_sim_tlb_flush_pasid(sim, pasid);
}

/* Identity and memory map of the part; what the IP discovery would say. */
static void sim_identity(struct amdgpu_svm_sim *sim)
{
	struct amdgpu_device *adev = sim->adev;

	adev->asic_type = CHIP_ALDEBARAN;
	adev->ip_versions[GC_HWIP][0] = IP_VERSION(9, 4, 2);
	adev->ip_versions[MMHUB_HWIP][0] = IP_VERSION(9, 4, 2);
	adev->ip_versions[SDMA0_HWIP][0] = IP_VERSION(4, 4, 0);
	adev->ip_versions[NBIO_HWIP][0] = IP_VERSION(7, 4, 0);
	/* The register map IP discovery would install for the part. */
	aldebaran_reg_base_init(adev);
	adev->nbio.funcs = &nbio_v7_4_funcs;
	adev->nbio.hdp_flush_reg = &nbio_v7_4_hdp_flush_reg;
	adev->sdma_timeout = MAX_SCHEDULE_TIMEOUT;
	adev->usec_timeout = 100000;
	/* What amdgpu_device_init() initialises that the code below uses. */
	spin_lock_init(&adev->mm_stats.lock);
	spin_lock_init(&adev->wb.lock);
	spin_lock_init(&adev->mmio_idx_lock);
	mutex_init(&adev->srbm_mutex);
	mutex_init(&adev->notifier_lock);
	RCU_INIT_POINTER(adev->gang_submit, dma_fence_get_stub());

	adev->gmc.real_vram_size = sim->vram_size;
	adev->gmc.mc_vram_size = sim->vram_size;
	/* No CPU view during amdgpu_ttm_init(): it would ioremap it. */
	adev->gmc.visible_vram_size = 0;
	adev->gmc.aper_base = 0;
	adev->gmc.aper_size = sim->vram_size;
	adev->gmc.vram_start = SIM_VRAM_START;
	adev->gmc.vram_end = SIM_VRAM_START + sim->vram_size - 1;
	adev->gmc.gart_size = SIM_GART_SIZE;
	adev->gmc.gart_start = 0;
	adev->gmc.gart_end = SIM_GART_SIZE - 1;
	adev->gmc.mc_mask = DMA_BIT_MASK(48);
	/* As gmc_v9_0_sw_init() sets it: 48-bit physical addresses. */
	adev->gmc.pte_addr_mask = 0x0000FFFFFFFFF000ULL;
	set_bit(AMDGPU_GFXHUB(0), adev->vmhubs_mask);
	set_bit(AMDGPU_MMHUB0(0), adev->vmhubs_mask);
	adev->vm_manager.vram_base_offset = AMDGPU_SVM_SIM_VRAM_BASE;
	adev->vm_manager.first_kfd_vmid = 8;
	/* In a hive, as gmc_v9_0_vram_gtt_location() places the node. */
	if (sim->hive.hive_id) {
		adev->gmc.xgmi.hive_id = sim->hive.hive_id;
		adev->gmc.xgmi.physical_node_id = sim->hive.node;
		adev->gmc.xgmi.num_physical_nodes = sim->hive.nodes;
		adev->gmc.xgmi.node_segment_size = AMDGPU_SVM_SIM_XGMI_SEGMENT;
		adev->vm_manager.vram_base_offset +=
			(u64)sim->hive.node * AMDGPU_SVM_SIM_XGMI_SEGMENT;
	}
}

/**
 * amdgpu_svm_sim_hive_vram_page() - the VRAM page a GPU reaches at a
 *	physical address, its own or over XGMI a hive peer's
 * @sim: the GPU that accesses
 * @addr: the address a PTE without the SYSTEM bit holds
 *
 * Each GPU of a hive has its VRAM at its node's segment; an address in
 * another GPU's segment reaches that GPU's VRAM, as the data fabric
 * routes it. Outside the GPU's own VRAM and its hive nothing answers.
 *
 * Context: any context that may spin.
 * Return: the live page, or NULL (outside every VRAM, or not live).
 */
struct page *amdgpu_svm_sim_hive_vram_page(struct amdgpu_svm_sim *sim,
					   u64 addr)
{
	u64 base = sim->adev->vm_manager.vram_base_offset;
	struct amdgpu_svm_sim *peer;
	struct page *page = NULL;

	if (addr >= base && addr - base < sim->vram_size)
		return amdgpu_svm_sim_vram_page(sim, addr - base);
	if (!sim->hive.hive_id)
		return NULL;
	spin_lock(&sim_devices_lock);
	list_for_each_entry(peer, &sim_devices, link) {
		base = peer->adev->vm_manager.vram_base_offset;
		if (peer == sim || peer->hive.hive_id != sim->hive.hive_id ||
		    addr < base || addr - base >= peer->vram_size)
			continue;
		page = amdgpu_svm_sim_vram_page(peer, addr - base);
		if (page)
			atomic_inc(&sim->xgmi_accesses);
		break;
	}
	spin_unlock(&sim_devices_lock);
	return page;
}

/*
 * The PCI topology. Each simulated GPU sits on a PCI function of the test
 * machine: QEMU's "edu" devices (kunit/qemu_x86_64_tcg.py), which no
 * driver claims. Those on the root bus are behind the i440FX host bridge,
 * which the kernel's P2PDMA code does not route peer-to-peer traffic
 * through (it is not on its whitelist, and the CPU model is no Zen); those
 * behind a PCI-PCI bridge reach each other through it. A GPU with
 * &amdgpu_svm_sim_hive.pcie N takes a function on bus N, behind a bridge;
 * one with 0 a function on the root bus. amdgpu then asks the kernel
 * (amdgpu_device_is_peer_accessible(), pci_p2pdma_distance()) as on a real
 * machine, and the MMU model routes a BAR access by the same topology.
 */
#define SIM_PCI_VENDOR	0x1234	/* QEMU's own devices */
#define SIM_PCI_DEVICE	0x11e8	/* "edu" */

/* The GPUs on a function, and the lock that serialises taking one. */
static LIST_HEAD(sim_pci_users);
static DEFINE_MUTEX(sim_pci_lock);

static unsigned int sim_pci_bus(struct pci_dev *pdev)
{
	return pci_is_root_bus(pdev->bus) ? 0 : pdev->bus->number;
}

/* Does a PCI-PCI bridge forward traffic between the two GPUs' functions? */
static bool sim_pci_routes(struct amdgpu_svm_sim *a, struct amdgpu_svm_sim *b)
{
	struct pci_dev *bridge = pci_upstream_bridge(a->pdev);

	return bridge && bridge == pci_upstream_bridge(b->pdev);
}

static bool sim_pci_taken(struct pci_dev *pdev)
{
	struct amdgpu_svm_sim *user;

	lockdep_assert_held(&sim_pci_lock);
	list_for_each_entry(user, &sim_pci_users, pci_link)
		if (user->pdev == pdev)
			return true;
	return false;
}

/*
 * Put @dev, the GPU's device, under a PCI function of its bus that no
 * other GPU sits on, as a real GPU's device is the function's own:
 * pci_p2pdma_distance() finds a client's function among its parents.
 * -ENODEV if the bus has no function, -EBUSY if other GPUs hold them all.
 */
static int sim_pci_take(struct amdgpu_svm_sim *sim, struct device *dev)
{
	struct pci_dev *pdev = NULL;
	int ret = -ENODEV;

	mutex_lock(&sim_pci_lock);
	while ((pdev = pci_get_device(SIM_PCI_VENDOR, SIM_PCI_DEVICE, pdev))) {
		if (sim_pci_bus(pdev) != sim->hive.pcie)
			continue;
		ret = -EBUSY;
		if (!sim_pci_taken(pdev))
			break;
	}
	if (pdev) {
		sim->dev = dev;
		sim->dev_parent = get_device(dev->parent);
		ret = device_move(dev, &pdev->dev, DPM_ORDER_NONE);
		if (ret) {
			put_device(sim->dev_parent);
			pci_dev_put(pdev);
		} else {
			sim->pdev = pdev;
			list_add(&sim->pci_link, &sim_pci_users);
		}
	}
	mutex_unlock(&sim_pci_lock);
	return ret;
}

/* Give the function back: the device returns to the KUnit bus. */
static void sim_pci_put(void *data)
{
	struct amdgpu_svm_sim *sim = data;

	mutex_lock(&sim_pci_lock);
	KUNIT_EXPECT_EQ(sim->test, 0,
			device_move(sim->dev, sim->dev_parent, DPM_ORDER_NONE));
	put_device(sim->dev_parent);
	list_del(&sim->pci_link);
	pci_dev_put(sim->pdev);
	mutex_unlock(&sim_pci_lock);
}

/*
 * The BARs of the GPUs alive: each takes a window (a slot) at bring-up,
 * an IDA rather than a counter so that a long run never reaches 2^48.
 */
static DEFINE_IDA(sim_bar_ida);

/**
 * amdgpu_svm_sim_bar_vram_page() - the VRAM page a GPU reaches at a bus
 *	address, in a PCIe peer's BAR
 * @sim: the GPU that accesses
 * @addr: the address a PTE or GART entry with the SYSTEM bit holds
 * @in_bar: receives whether @addr is in the BAR of another GPU
 *
 * No RAM is at a BAR's addresses. An access there reaches the GPU's VRAM
 * if the chipset routes peer-to-peer traffic between the two GPUs (their
 * PCI functions sit behind one PCI-PCI bridge); otherwise nothing answers.
 *
 * Context: any context that may spin.
 * Return: the live page, or NULL (in no BAR, not routed, or not live).
 */
struct page *amdgpu_svm_sim_bar_vram_page(struct amdgpu_svm_sim *sim, u64 addr,
					  bool *in_bar)
{
	struct amdgpu_svm_sim *peer;
	struct page *page = NULL;
	u64 base;

	*in_bar = false;
	if (addr < AMDGPU_SVM_SIM_BAR_BASE)
		return NULL;
	spin_lock(&sim_devices_lock);
	list_for_each_entry(peer, &sim_devices, link) {
		base = peer->adev->gmc.aper_base;
		if (peer == sim || addr < base || addr - base >= peer->vram_size)
			continue;
		*in_bar = true;
		if (sim_pci_routes(sim, peer))
			page = amdgpu_svm_sim_vram_page(peer, addr - base);
		if (page)
			atomic_inc(&sim->bar_accesses);
		break;
	}
	spin_unlock(&sim_devices_lock);
	return page;
}

static void sim_vram_free(struct amdgpu_svm_sim *sim)
{
	unsigned long i, n = sim->vram_size >> PAGE_SHIFT;

	if (sim->aperture)
		vunmap(sim->aperture);
	for (i = 0; i < n && sim->vram_pages; i++)
		if (sim->vram_pages[i])
			__free_page(sim->vram_pages[i]);
	kvfree(sim->vram_pages);
	kvfree(sim->vram_ticket);
	kvfree(sim->vram_freed_by);
	bitmap_free(sim->vram_live);
	bitmap_free(sim->vram_user);
	bitmap_free(sim->vram_dying);
}

/* Freed VRAM holds this until it is written again. */
#define SIM_VRAM_POISON		0x6b

/*
 * Mark the VRAM of @res live (held) or not, and count what user buffers
 * hold. Freed VRAM is poisoned, so that a read of it shows; VRAM held
 * again is no longer waiting to die (sim_vram_defer_free()).
 */
static void sim_vram_mark(struct amdgpu_svm_sim *sim, struct ttm_resource *res,
			  bool live, bool user)
{
	struct amdgpu_res_cursor cur;
	unsigned long first, n, flags;

	for (amdgpu_res_first(res, 0, res->size, &cur); cur.remaining;
	     amdgpu_res_next(&cur, cur.size)) {
		first = cur.start >> PAGE_SHIFT;
		n = cur.size >> PAGE_SHIFT;
		spin_lock_irqsave(&sim->vram_lock, flags);
		if (live) {
			bitmap_set(sim->vram_live, first, n);
			bitmap_clear(sim->vram_dying, first, n);
			if (user)
				bitmap_set(sim->vram_user, first, n);
		} else {
			bitmap_clear(sim->vram_live, first, n);
			bitmap_clear(sim->vram_user, first, n);
		}
		spin_unlock_irqrestore(&sim->vram_lock, flags);
		if (user)
			atomic_long_add(live ? n : -n, &sim->vram_user_pages);
		if (!live)
			memset(sim->aperture + cur.start, SIM_VRAM_POISON, cur.size);
	}
}

/*
 * VRAM that TTM gave back while a pipelined eviction still copies out of
 * it: its pages, the ticket each was marked with, and a callback on each
 * fence of the copies.
 */
struct sim_vram_dying_cb {
	struct dma_fence_cb cb;
	struct sim_vram_dying *d;
};

struct sim_vram_dying {
	struct amdgpu_svm_sim *sim;
	/* callbacks not called yet, and one more while they are added */
	atomic_t waiting;
	struct sim_vram_dying_cb cbs[TTM_NUM_MOVE_FENCES];
	u32 ticket;
	unsigned int nchunks;
	struct {
		unsigned long first, n;
	} chunks[] __counted_by(nchunks);
};

/*
 * The last fence of a dying range signalled: its pages still marked with
 * its ticket die now. Those held again since, or marked again by a later
 * pipelined eviction, are left alone.
 */
static void sim_vram_dead(struct sim_vram_dying *d)
{
	struct amdgpu_svm_sim *sim = d->sim;
	unsigned long flags, p;
	unsigned int c;

	if (!atomic_dec_and_test(&d->waiting))
		return;
	spin_lock_irqsave(&sim->vram_lock, flags);
	for (c = 0; c < d->nchunks; c++) {
		for (p = d->chunks[c].first;
		     p < d->chunks[c].first + d->chunks[c].n; p++) {
			if (!test_bit(p, sim->vram_dying) ||
			    sim->vram_ticket[p] != d->ticket)
				continue;
			clear_bit(p, sim->vram_dying);
			clear_bit(p, sim->vram_live);
			memset(sim->aperture + p * PAGE_SIZE, SIM_VRAM_POISON,
			       PAGE_SIZE);
		}
	}
	spin_unlock_irqrestore(&sim->vram_lock, flags);
	kfree(d);
	if (atomic_dec_and_test(&sim->vram_dying_records))
		wake_up_var(&sim->vram_dying_records);
}

static void sim_vram_fence_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	sim_vram_dead(container_of(cb, struct sim_vram_dying_cb, cb)->d);
}

/*
 * TTM frees @res now, but may still copy out of it: a pipelined eviction
 * (ttm_bo_move_pipeline_evict()) gives the VRAM back as soon as its copy
 * is queued and makes the next user of the manager wait for the copy's
 * fence (the manager's eviction fences). Until those fences signal the
 * VRAM keeps its content and stays reachable; then it dies. Only a
 * resource whose buffer still has a kernel fence pending (the move TTM
 * just added) is kept so.
 *
 * Return: true if the free is deferred, false if the VRAM dies now.
 */
static bool sim_vram_defer_free(struct amdgpu_svm_sim *sim,
				struct ttm_resource_manager *man,
				struct ttm_resource *res)
{
	struct dma_fence *fences[TTM_NUM_MOVE_FENCES];
	struct amdgpu_res_cursor cur;
	struct sim_vram_dying *d;
	unsigned int i, n = 0, nchunks = 0;
	unsigned long flags, p;

	if (!res->bo || dma_resv_test_signaled(res->bo->base.resv,
					       DMA_RESV_USAGE_KERNEL))
		return false;
	spin_lock(&man->eviction_lock);
	for (i = 0; i < TTM_NUM_MOVE_FENCES; i++)
		if (man->eviction_fences[i] &&
		    !dma_fence_is_signaled(man->eviction_fences[i]))
			fences[n++] = dma_fence_get(man->eviction_fences[i]);
	spin_unlock(&man->eviction_lock);
	if (!n)
		return false;

	for (amdgpu_res_first(res, 0, res->size, &cur); cur.remaining;
	     amdgpu_res_next(&cur, cur.size))
		nchunks++;
	/* Under TTM's locks: no reclaim. Without memory, wait instead. */
	d = kzalloc_flex(*d, chunks, nchunks, GFP_NOWAIT | __GFP_NOWARN);
	if (!d) {
		for (i = 0; i < n; i++) {
			dma_fence_wait(fences[i], false);
			dma_fence_put(fences[i]);
		}
		return false;
	}
	d->sim = sim;
	d->nchunks = nchunks;
	nchunks = 0;
	spin_lock_irqsave(&sim->vram_lock, flags);
	d->ticket = ++sim->vram_tickets;
	for (amdgpu_res_first(res, 0, res->size, &cur); cur.remaining;
	     amdgpu_res_next(&cur, cur.size)) {
		d->chunks[nchunks].first = cur.start >> PAGE_SHIFT;
		d->chunks[nchunks].n = cur.size >> PAGE_SHIFT;
		for (p = cur.start >> PAGE_SHIFT;
		     p < (cur.start + cur.size) >> PAGE_SHIFT; p++) {
			set_bit(p, sim->vram_dying);
			sim->vram_ticket[p] = d->ticket;
		}
		bitmap_clear(sim->vram_user, d->chunks[nchunks].first,
			     d->chunks[nchunks].n);
		nchunks++;
	}
	spin_unlock_irqrestore(&sim->vram_lock, flags);

	atomic_inc(&sim->vram_dying_records);
	atomic_set(&d->waiting, n + 1);
	for (i = 0; i < n; i++) {
		d->cbs[i].d = d;
		if (dma_fence_add_callback(fences[i], &d->cbs[i].cb,
					   sim_vram_fence_cb))
			sim_vram_dead(d);
		dma_fence_put(fences[i]);
	}
	sim_vram_dead(d);
	return true;
}

static struct amdgpu_svm_sim *sim_of_vram_mgr(struct ttm_resource_manager *man)
{
	return container_of(man->func, struct amdgpu_svm_sim, vram_mgr_func);
}

/* amdgpu_vram_mgr_new(), seen from the hardware's side. */
static int sim_vram_mgr_new(struct ttm_resource_manager *man,
			    struct ttm_buffer_object *tbo,
			    const struct ttm_place *place,
			    struct ttm_resource **res)
{
	struct amdgpu_svm_sim *sim = sim_of_vram_mgr(man);
	bool user = tbo->type == ttm_bo_type_device;
	struct amdgpu_vm *vm = READ_ONCE(sim->vm);
	int ret;

	if (user && atomic_inc_return(&sim->vram_user_allocs) ==
		    READ_ONCE(sim->vram_fail_at))
		return -ENOMEM;
	/* The VM's page tables below the root share its reservation. */
	if (vm && tbo->type == ttm_bo_type_kernel && vm->root.bo &&
	    tbo != &vm->root.bo->tbo &&
	    tbo->base.resv == vm->root.bo->tbo.base.resv &&
	    atomic_inc_return(&sim->pt_allocs) == READ_ONCE(sim->pt_fail_at))
		return -ENOMEM;
	ret = sim->vram_mgr->alloc(man, tbo, place, res);
	if (!ret)
		sim_vram_mark(sim, *res, true, user);
	return ret;
}

/*
 * Note where @res is freed, for the report of a later access to its VRAM.
 * The stack depot's existing pools only (no allocation): a test that
 * injects allocation failures must not see the model take one.
 */
static void sim_vram_note_free(struct amdgpu_svm_sim *sim,
			       struct ttm_resource *res)
{
	unsigned long entries[16], flags, p;
	struct amdgpu_res_cursor cur;
	depot_stack_handle_t handle;
	unsigned int n;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	handle = stack_depot_save_flags(entries, n, 0, 0);
	spin_lock_irqsave(&sim->vram_lock, flags);
	for (amdgpu_res_first(res, 0, res->size, &cur); cur.remaining;
	     amdgpu_res_next(&cur, cur.size))
		for (p = cur.start >> PAGE_SHIFT;
		     p < (cur.start + cur.size) >> PAGE_SHIFT; p++)
			sim->vram_freed_by[p] = handle;
	spin_unlock_irqrestore(&sim->vram_lock, flags);
}

/**
 * amdgpu_svm_sim_vram_print_free() - say where VRAM was last freed
 * @sim: the device
 * @offset: the VRAM offset an access reached after its free
 *
 * For the report of a model that found freed VRAM: the stack of the
 * TTM resource free that gave it back (a pipelined eviction's VRAM dies
 * later, when its copy's fence signals).
 *
 * Context: any context that may print.
 */
void amdgpu_svm_sim_vram_print_free(struct amdgpu_svm_sim *sim, u64 offset)
{
	depot_stack_handle_t handle = 0;
	unsigned long flags;

	if (offset < sim->vram_size) {
		spin_lock_irqsave(&sim->vram_lock, flags);
		handle = sim->vram_freed_by[offset >> PAGE_SHIFT];
		spin_unlock_irqrestore(&sim->vram_lock, flags);
	}
	if (!handle) {
		pr_err("amdgpu-svm-sim: VRAM %llx: never freed, or its stack not kept\n",
		       offset);
		return;
	}
	pr_err("amdgpu-svm-sim: VRAM %llx was last freed by:\n", offset);
	stack_depot_print(handle);
}

/* amdgpu_vram_mgr_del(): the VRAM is not live from here on. */
static void sim_vram_mgr_del(struct ttm_resource_manager *man,
			     struct ttm_resource *res)
{
	struct amdgpu_svm_sim *sim = sim_of_vram_mgr(man);
	struct amdgpu_res_cursor cur;
	bool user;

	amdgpu_res_first(res, 0, res->size, &cur);
	user = test_bit(cur.start >> PAGE_SHIFT, sim->vram_user);
	sim_vram_note_free(sim, res);
	if (!sim_vram_defer_free(sim, man, res))
		sim_vram_mark(sim, res, false, user);
	else if (user)
		atomic_long_sub(res->size >> PAGE_SHIFT, &sim->vram_user_pages);
	if (user)
		atomic_inc(&sim->vram_user_frees);
	sim->vram_mgr->free(man, res);
}

/*
 * Wrap amdgpu's VRAM manager. What it allocated already (during
 * amdgpu_ttm_init()) is live; its own functions keep doing the work.
 */
static void sim_vram_mgr_wrap(struct amdgpu_svm_sim *sim)
{
	struct amdgpu_vram_mgr *mgr = &sim->adev->mman.vram_mgr;
	struct amdgpu_vram_mgr_resource *vres;

	mutex_lock(&mgr->lock);
	list_for_each_entry(vres, &mgr->allocated_vres_list, vres_node)
		sim_vram_mark(sim, &vres->base, true,
			      vres->base.bo &&
			      vres->base.bo->type == ttm_bo_type_device);
	mutex_unlock(&mgr->lock);
	sim->vram_mgr = mgr->manager.func;
	sim->vram_mgr_func = *sim->vram_mgr;
	sim->vram_mgr_func.alloc = sim_vram_mgr_new;
	sim->vram_mgr_func.free = sim_vram_mgr_del;
	mgr->manager.func = &sim->vram_mgr_func;
}

/* Give amdgpu's own functions back before amdgpu_ttm_fini(). */
static void sim_vram_mgr_unwrap(struct amdgpu_svm_sim *sim)
{
	if (sim->vram_mgr)
		sim->adev->mman.vram_mgr.manager.func = sim->vram_mgr;
}

/* The RLC is not modelled: no SPM VMID to update. */
static const struct amdgpu_rlc_funcs sim_rlc_funcs;

/* sdma_v4_0_sw_init() for instance @i: its ring, on its doorbell. */
static int sim_sdma_ring_up(struct amdgpu_svm_sim *sim, unsigned int i)
{
	struct amdgpu_device *adev = sim->adev;
	struct amdgpu_ring *ring = &adev->sdma.instance[i].ring;
	struct drm_sched_init_args args = {
		.ops = &sim->sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.timeout_wq = adev->reset_domain->wq,
		.dev = adev->dev,
	};
	int ret;

	/*
	 * amdgpu_sdma_init_inst_ctx() turns burst NOPs on for firmware of
	 * feature version 20 and later, which every MI200 part runs: the
	 * ring's padding is then one packet, not up to 255.
	 */
	adev->sdma.instance[i].burst_nop = true;
	ret = amdgpu_svm_sim_sdma_init(&sim->sdma, i, ring, &sdma_v4_0_ring_funcs,
				       &sim->doorbells[SIM_SDMA_DOORBELL(i) / 2]);
	if (ret)
		return ret;
	ring->funcs = &sim->sdma.engine[i].ring_funcs;
	ring->ring_obj = NULL;
	ring->me = i;
	ring->use_doorbell = true;
	ring->doorbell_index = SIM_SDMA_DOORBELL(i);
	ring->vm_hub = AMDGPU_MMHUB0(0);
	snprintf(ring->name, sizeof(ring->name), "sdma%u", i);
	ret = amdgpu_ring_init(adev, ring, 1024, NULL, 0,
			       AMDGPU_RING_PRIO_DEFAULT, NULL);
	if (ret)
		return ret;

	/* amdgpu_device_init_schedulers() */
	args.timeout = adev->sdma_timeout;
	args.credit_limit = ring->num_hw_submission;
	args.name = ring->name;
	return drm_sched_init(&ring->sched, &args);
}

/*
 * The copy engine and what it needs, in the order gmc_v9_0_sw_init(),
 * amdgpu_device_ip_init() and sdma_v4_0_sw_init() make it.
 */
static int sim_sdma_up(struct amdgpu_svm_sim *sim)
{
	struct amdgpu_device *adev = sim->adev;
	unsigned int i;
	int ret;

	adev->gfx.rlc.funcs = &sim_rlc_funcs;

	/* gmc_v9_0_gart_init(): the table in VRAM, the hub's VMID-0 base. */
	ret = amdgpu_gart_init(adev);
	if (ret)
		return ret;
	adev->gart.table_size = adev->gart.num_gpu_pages * 8;
	adev->gart.gart_pte_flags = AMDGPU_PTE_MTYPE_VG10(0ULL, MTYPE_UC) |
				    AMDGPU_PTE_EXECUTABLE;
	ret = amdgpu_gart_table_vram_alloc(adev);
	if (ret)
		return ret;
	sim->sdma.gart_table = (amdgpu_gmc_pd_addr(adev->gart.bo) &
				adev->gmc.pte_addr_mask) -
			       adev->vm_manager.vram_base_offset;

	ret = amdgpu_wb_init(adev);
	if (ret)
		return ret;
	ret = amdgpu_ib_pool_init(adev);
	if (ret)
		return ret;

	/*
	 * Two instances, as on MI200 (which has more): TTM's clear and move
	 * entities and the VMs' page-table entities spread over both, so the
	 * order of jobs on different entities is only what fences make it.
	 */
	sim->sched_ops = amdgpu_sched_ops;
	sim->sched_ops.timedout_job = amdgpu_svm_sim_sdma_timedout;
	adev->doorbell.cpu_addr = (u32 *)sim->doorbells;
	adev->doorbell.num_kernel_doorbells = sizeof(sim->doorbells) / 4;
	adev->sdma.num_instances = AMDGPU_SVM_SIM_SDMA_INSTANCES;
	for (i = 0; i < AMDGPU_SVM_SIM_SDMA_INSTANCES; i++) {
		ret = sim_sdma_ring_up(sim, i);
		if (ret)
			return ret;
	}
	ret = amdgpu_gmc_allocate_vm_inv_eng(adev);
	if (ret)
		return ret;

	/* sdma_v4_0_set_buffer_funcs() and _set_vm_pte_funcs() */
	amdgpu_sdma_set_buffer_funcs_scheds(adev, &sdma_v4_4_buffer_funcs);
	amdgpu_sdma_set_vm_pte_scheds(adev, &sdma_v4_0_vm_pte_funcs);
	amdgpu_ttm_enable_buffer_funcs(adev);
	return adev->mman.buffer_funcs_enabled ? 0 : -ENODEV;
}

/* Undo sim_sdma_up(), once nothing is left to execute. */
/*
 * Every fence signalled now: an IB still held without a fence was never
 * freed, its job leaked (amdgpu would say "sa_manager is not empty").
 */
static void sim_ib_pools_check(struct amdgpu_svm_sim *sim)
{
	struct amdgpu_device *adev = sim->adev;
	struct drm_suballoc_manager *sa;
	struct drm_suballoc *ib;
	unsigned int i, held;

	if (!adev->ib_pool_ready)
		return;
	for (i = 0; i < AMDGPU_IB_POOL_MAX; i++) {
		sa = &adev->ib_pools[i].base;
		held = 0;
		spin_lock(&sa->wq.lock);
		list_for_each_entry(ib, &sa->olist, olist)
			held += !ib->fence;
		spin_unlock(&sa->wq.lock);
		KUNIT_EXPECT_EQ_MSG(sim->test, held, 0,
				    "IBs of pool %u never freed: their jobs leaked",
				    i);
	}
}

static void sim_sdma_down(struct amdgpu_svm_sim *sim)
{
	struct amdgpu_device *adev = sim->adev;
	unsigned int i;

	/* A test that ended with the engine held lets it run out. */
	amdgpu_svm_sim_sdma_hold(&sim->sdma, false);
	amdgpu_ttm_disable_buffer_funcs(adev);
	/*
	 * No job starts any more (a popped job finishes its run_job), every
	 * fence emitted signals; then the engine stops before its rings go.
	 */
	for (i = 0; i < AMDGPU_SVM_SIM_SDMA_INSTANCES; i++) {
		struct amdgpu_ring *ring = &adev->sdma.instance[i].ring;

		if (ring->adev && ring->sched.ops)
			drm_sched_wqueue_stop(&ring->sched);
	}
	amdgpu_fence_driver_hw_fini(adev);
	amdgpu_svm_sim_sdma_fini(&sim->sdma);
	amdgpu_fence_driver_sw_fini(adev);
	for (i = 0; i < AMDGPU_SVM_SIM_SDMA_INSTANCES; i++) {
		struct amdgpu_ring *ring = &adev->sdma.instance[i].ring;

		if (ring->adev)
			amdgpu_ring_fini(ring);
	}
	sim_ib_pools_check(sim);
	amdgpu_ib_pool_fini(adev);
	amdgpu_wb_fini(adev);
	amdgpu_gart_table_vram_free(adev);
	amdgpu_gart_dummy_page_fini(adev);
}

static void sim_release(void *data)
{
	struct amdgpu_svm_sim *sim = data;
	struct amdgpu_device *adev = sim->adev;

	if (adev->mman.sdma_access_bo)
		amdgpu_bo_free_kernel(&adev->mman.sdma_access_bo, NULL,
				      &adev->mman.sdma_access_ptr);
	sim_sdma_down(sim);
	/* With init_on_free TTM frees buffers with pages from its queue. */
	flush_workqueue(adev->mman.bdev.wq);
	/* amdgpu_ttm_fini() iounmaps a real aperture; ours is a vmap. */
	adev->mman.aper_base_kaddr = NULL;
	KUNIT_EXPECT_EQ_MSG(sim->test, atomic_long_read(&sim->vram_user_pages), 0,
			    "user buffers still hold VRAM at teardown");
	sim_vram_mgr_unwrap(sim);
	amdgpu_ttm_fini(adev);
	/* Every eviction fence signalled when the rings stopped. */
	KUNIT_EXPECT_EQ(sim->test, atomic_read(&sim->vram_dying_records), 0);
	wait_var_event(&sim->vram_dying_records,
		       !atomic_read(&sim->vram_dying_records));
	sim_vram_free(sim);
	/* Not amdgpu_vm_manager_fini(): it empties the global PASID table. */
	amdgpu_vmid_mgr_fini(adev);
	dma_fence_put(rcu_dereference_protected(adev->gang_submit, true));
	amdgpu_reset_put_reset_domain(adev->reset_domain);
	adev->reset_domain = NULL;
	amdgpu_svm_sim_dma_unwatch(sim);
	ida_free(&sim_bar_ida, sim->bar_slot);
}

/*
 * The device leaves the list of live devices once everything else is torn
 * down, and also when its bring-up was aborted half way.
 */
static void sim_unlist(void *data)
{
	struct amdgpu_svm_sim *sim = data;

	spin_lock(&sim_devices_lock);
	list_del(&sim->link);
	spin_unlock(&sim_devices_lock);
}

/**
 * amdgpu_svm_sim_create() - bring up a simulated GPU on a bare device
 * @test: the test; the device is torn down when it ends
 * @dev: the struct device of the DRM device
 * @adev: the zeroed amdgpu device inside a DRM device made with a driver
 *	that has %DRIVER_GEM
 * @vram_size: bytes of VRAM, a multiple of 2 MiB and at least
 *	%AMDGPU_SVM_SIM_VRAM_SIZE
 * @hive: the XGMI hive the GPU is in, or NULL
 *
 * Context: process context (a KUnit test).
 * Return: the hardware state; the test is aborted if bring-up fails.
 */
struct amdgpu_svm_sim *amdgpu_svm_sim_create(struct kunit *test,
					     struct device *dev,
					     struct amdgpu_device *adev,
					     u64 vram_size,
					     const struct amdgpu_svm_sim_hive *hive)
{
	unsigned long i, npages = vram_size >> PAGE_SHIFT;
	struct amdgpu_svm_sim *sim;
	int ret;

	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(vram_size, SZ_2M) &&
			  vram_size >= AMDGPU_SVM_SIM_VRAM_SIZE);
	sim = kunit_kzalloc(test, sizeof(*sim), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sim);
	sim->test = test;
	sim->adev = adev;
	sim->vram_size = vram_size;
	if (hive)
		sim->hive = *hive;
	spin_lock_init(&sim->vram_lock);
	rwlock_init(&sim->access_lock);
	spin_lock_init(&sim->fail_lock);
	spin_lock_init(&sim->tlb_lock);
	/* No queue runs until the user-queue manager maps one. */
	sim->queues_quiesced = true;
	ret = sim_pci_take(sim, dev);
	/* A QEMU started without the functions of qemu_x86_64_tcg.py. */
	if (ret == -ENODEV)
		kunit_skip(test, "no PCI function on bus %u for a simulated GPU",
			   sim->hive.pcie);
	if (ret)
		KUNIT_FAIL_AND_ABORT(test,
				     "no free PCI function on bus %u for a simulated GPU: %d",
				     sim->hive.pcie, ret);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sim_pci_put,
							   sim));
	/* As gmc_v9_0_sw_init() sets it on the function of a real GPU. */
	KUNIT_ASSERT_EQ(test, 0, dma_set_mask_and_coherent(&sim->pdev->dev,
							   DMA_BIT_MASK(48)));
	spin_lock(&sim_devices_lock);
	list_add(&sim->link, &sim_devices);
	spin_unlock(&sim_devices_lock);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sim_unlist,
							   sim));

	/* A 48-bit DMA mask, and segments as large as TTM makes them. */
	dev->dma_parms = kunit_kzalloc(test, sizeof(*dev->dma_parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev->dma_parms);
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, 0, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(48)));
	adev->pdev = sim->pdev;
	adev->dev = dev;

	sim_identity(sim);
	sim->sdma.sim = sim;
	spin_lock_init(&sim->sdma.gart_lock);
	init_waitqueue_head(&sim->sdma.wait);
	adev->reset_domain = amdgpu_reset_create_reset_domain(SINGLE_DEVICE,
							      "amdgpu-svm-sim");
	KUNIT_ASSERT_NOT_NULL(test, adev->reset_domain);

	/* GMC v9's own early init: PDE/PTE rules, hub functions. */
	sim->gmc_block.adev = adev;
	sim->gmc_block.version = &gmc_v9_0_ip_block;
	KUNIT_ASSERT_EQ(test, 0,
			gmc_v9_0_ip_block.funcs->early_init(&sim->gmc_block));
	sim->gmc_funcs = *adev->gmc.gmc_funcs;
	sim->gmc_funcs.flush_gpu_tlb = sim_flush_gpu_tlb;
	sim->gmc_funcs.flush_gpu_tlb_pasid = sim_flush_gpu_tlb_pasid;
	adev->gmc.gmc_funcs = &sim->gmc_funcs;
	/* gmc_v9_0_sw_init(): the hubs' register layout. */
	adev->gfxhub.funcs->init(adev);
	adev->mmhub.funcs->init(adev);

	/* Four levels: PDB2 (root), PDB1, PDB0, PTB; 2 MiB per PTB. */
	amdgpu_vm_adjust_size(adev, 256 * 1024, 9, 3, 48);
	adev->gmc.translate_further = adev->vm_manager.num_level > 1;

	sim->vram_pages = kvcalloc(npages, sizeof(*sim->vram_pages), GFP_KERNEL);
	sim->vram_live = bitmap_zalloc(npages, GFP_KERNEL);
	sim->vram_user = bitmap_zalloc(npages, GFP_KERNEL);
	sim->vram_dying = bitmap_zalloc(npages, GFP_KERNEL);
	sim->vram_ticket = kvcalloc(npages, sizeof(*sim->vram_ticket),
				    GFP_KERNEL);
	sim->vram_freed_by = kvcalloc(npages, sizeof(*sim->vram_freed_by),
				      GFP_KERNEL);
	if (!sim->vram_pages || !sim->vram_live || !sim->vram_user ||
	    !sim->vram_dying || !sim->vram_ticket || !sim->vram_freed_by) {
		sim_vram_free(sim);
		KUNIT_FAIL_AND_ABORT(test, "no memory for simulated VRAM");
	}
	for (i = 0; i < npages; i++) {
		sim->vram_pages[i] = alloc_page(GFP_KERNEL);
		if (!sim->vram_pages[i])
			break;
	}
	if (i == npages)
		sim->aperture = vmap(sim->vram_pages, npages, VM_MAP, PAGE_KERNEL);
	if (!sim->aperture) {
		sim_vram_free(sim);
		KUNIT_FAIL_AND_ABORT(test, "no memory for simulated VRAM");
	}

	ret = amdgpu_ttm_init(adev);
	if (ret) {
		sim_vram_free(sim);
		KUNIT_FAIL_AND_ABORT(test, "amdgpu_ttm_init: %d", ret);
	}
	/*
	 * The BAR of a real device is I/O memory; the CPU's view of this
	 * one is RAM, and a PCIe peer's a window of bus addresses.
	 */
	adev->mman.aper_base_kaddr = (__force void __iomem *)sim->aperture;
	adev->gmc.visible_vram_size = sim->vram_size;
	sim->bar_slot = ida_alloc_max(&sim_bar_ida,
				      AMDGPU_SVM_SIM_BAR_SLOTS - 1, GFP_KERNEL);
	KUNIT_ASSERT_GE(test, sim->bar_slot, 0);
	adev->gmc.aper_base = AMDGPU_SVM_SIM_BAR_BASE +
			      (u64)sim->bar_slot * AMDGPU_SVM_SIM_BAR_SLOT;
	sim_vram_mgr_wrap(sim);

	amdgpu_vm_manager_init(adev);
	/* Large BAR: the CPU may write page tables; or SDMA does. */
	adev->vm_manager.vm_update_mode = amdgpu_svm_sim_pt_sdma ? 0 :
					  AMDGPU_VM_USE_CPU_FOR_GFX |
					  AMDGPU_VM_USE_CPU_FOR_COMPUTE;

	ret = amdgpu_svm_sim_dma_watch(sim);
	if (ret)
		KUNIT_FAIL_AND_ABORT(test, "DMA unmap probe: %d", ret);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sim_release,
							   sim));
	ret = sim_sdma_up(sim);
	if (ret)
		KUNIT_FAIL_AND_ABORT(test, "SDMA bring-up: %d", ret);
	return sim;
}

/**
 * amdgpu_svm_sim_vm_init() - make a VM on the simulated GPU
 * @sim: the device
 * @vm: the VM (zeroed; its PASID may be set)
 *
 * amdgpu_vm_init() as amdgpu_driver_open_kms() calls it. The caller frees
 * the VM with amdgpu_vm_fini().
 *
 * Context: process context.
 * Return: 0 or amdgpu_vm_init()'s error.
 */
int amdgpu_svm_sim_vm_init(struct amdgpu_svm_sim *sim, struct amdgpu_vm *vm)
{
	return amdgpu_vm_init(sim->adev, vm, -1);
}

/**
 * amdgpu_svm_sim_vm_settle() - wait until the VM's page-table updates ran
 * @vm: the VM
 *
 * In SDMA mode an update returns once its job is queued; a test that reads
 * the page tables right after waits for the jobs first: those that fenced
 * the root reservation and the last update made without it.
 *
 * Context: process context; the root reservation not held.
 */
void amdgpu_svm_sim_vm_settle(struct amdgpu_vm *vm)
{
	struct amdgpu_device *adev = amdgpu_ttm_adev(vm->root.bo->tbo.bdev);
	struct amdgpu_svm_sim *sim = amdgpu_svm_sim_of(adev);
	struct dma_resv_iter cursor;
	struct dma_fence *f;

	/*
	 * Every fence but the user queues' eviction fence: waiting for that
	 * one is what stops the queues (amdgpu_evf_mgr), which the SVM does
	 * and a test must not do behind its back.
	 */
	dma_resv_iter_begin(&cursor, vm->root.bo->tbo.base.resv,
			    DMA_RESV_USAGE_BOOKKEEP);
	dma_resv_for_each_fence_unlocked(&cursor, f) {
		if (sim && sim->userq_fence_ctx &&
		    f->context == sim->userq_fence_ctx)
			continue;
		dma_fence_wait(f, false);
	}
	dma_resv_iter_end(&cursor);
	rcu_read_lock();
	f = dma_fence_get_rcu_safe((struct dma_fence __rcu **)&vm->last_unlocked);
	rcu_read_unlock();
	if (f) {
		dma_fence_wait(f, false);
		dma_fence_put(f);
	}
}
