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
 * amdgpu_bo_kmap() of a contiguous VRAM buffer object lands in them. The
 * two TLB-flush callbacks of the GMC table reach the MMU model
 * (amdgpu_svm_sim_mmu.c) instead of registers. The page-table scheduler
 * exists because VM entities need one; in CPU mode no job reaches it.
 *
 * What is deliberately not modelled (yet): SDMA, GART table contents,
 * interrupts and the IH ring, KIQ, power and reset. A GPU fault is raised
 * by the MMU model's caller, not through an interrupt.
 *
 * How it fails loudly: every bring-up step asserts; teardown checks that
 * TTM's VRAM manager is empty once the VMs are gone (a leaked page table
 * fails the test).
 */

#include <linux/dma-mapping.h>
#include <linux/pci.h>
#include <linux/vmalloc.h>

#include <kunit/test.h>

#include "../amdgpu.h"
#include "../amdgpu_reset.h"
#include "../amdgpu_vm.h"
#include "../gmc_v9_0.h"
#include "amdgpu_svm_sim.h"

/* The GART aperture (MC addresses of system pages through GART). */
#define SIM_GART_SIZE		SZ_256M
/* Where VRAM sits in the MC address space. */
#define SIM_VRAM_START		0x8000000000ULL

/*
 * The hardware state of each live simulated device, for the callbacks
 * amdgpu calls with only the amdgpu_device: a device has no field for it.
 */
static DEFINE_SPINLOCK(sim_devices_lock);
static LIST_HEAD(sim_devices);

static struct amdgpu_svm_sim *sim_of(struct amdgpu_device *adev)
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

/* The hardware TLB flushes: what registers would do, the model does. */
static void sim_flush_gpu_tlb(struct amdgpu_device *adev, u32 vmid,
			      u32 vmhub, u32 flush_type)
{
	struct amdgpu_svm_sim *sim = sim_of(adev);

	if (sim)
		amdgpu_svm_sim_tlb_flush(sim);
}

static void sim_flush_gpu_tlb_pasid(struct amdgpu_device *adev, u16 pasid,
				    u32 flush_type, bool all_hub, u32 inst)
{
	struct amdgpu_svm_sim *sim = sim_of(adev);

	if (sim)
		amdgpu_svm_sim_tlb_flush(sim);
}

static struct dma_fence *sim_run_job(struct drm_sched_job *job)
{
	/* CPU-mode page-table updates submit nothing: a job is a model bug. */
	WARN(1, "simulated GPU: a job reached the page-table scheduler\n");
	return ERR_PTR(-ENODEV);
}

static enum drm_gpu_sched_stat sim_timedout_job(struct drm_sched_job *job)
{
	return DRM_GPU_SCHED_STAT_RESET;
}

static void sim_free_job(struct drm_sched_job *job)
{
}

static const struct drm_sched_backend_ops sim_sched_ops = {
	.run_job = sim_run_job,
	.timedout_job = sim_timedout_job,
	.free_job = sim_free_job,
};

/* Identity and memory map of the part; what the IP discovery would say. */
static void sim_identity(struct amdgpu_svm_sim *sim)
{
	struct amdgpu_device *adev = sim->adev;

	adev->asic_type = CHIP_ALDEBARAN;
	adev->ip_versions[GC_HWIP][0] = IP_VERSION(9, 4, 2);
	adev->ip_versions[MMHUB_HWIP][0] = IP_VERSION(9, 4, 2);
	adev->usec_timeout = 100000;
	spin_lock_init(&adev->mm_stats.lock);

	adev->gmc.real_vram_size = AMDGPU_SVM_SIM_VRAM_SIZE;
	adev->gmc.mc_vram_size = AMDGPU_SVM_SIM_VRAM_SIZE;
	/* No CPU view during amdgpu_ttm_init(): it would ioremap it. */
	adev->gmc.visible_vram_size = 0;
	adev->gmc.aper_base = 0;
	adev->gmc.aper_size = AMDGPU_SVM_SIM_VRAM_SIZE;
	adev->gmc.vram_start = SIM_VRAM_START;
	adev->gmc.vram_end = SIM_VRAM_START + AMDGPU_SVM_SIM_VRAM_SIZE - 1;
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
}

static void sim_vram_free(struct amdgpu_svm_sim *sim)
{
	unsigned long i, n = AMDGPU_SVM_SIM_VRAM_SIZE >> PAGE_SHIFT;

	if (sim->aperture)
		vunmap(sim->aperture);
	for (i = 0; i < n && sim->vram_pages; i++)
		if (sim->vram_pages[i])
			__free_page(sim->vram_pages[i]);
	kvfree(sim->vram_pages);
}

static void sim_release(void *data)
{
	struct amdgpu_svm_sim *sim = data;
	struct amdgpu_device *adev = sim->adev;

	if (adev->mman.sdma_access_bo)
		amdgpu_bo_free_kernel(&adev->mman.sdma_access_bo, NULL,
				      &adev->mman.sdma_access_ptr);
	drm_sched_fini(&sim->pte_sched);
	/* With init_on_free TTM frees buffers with pages from its queue. */
	flush_workqueue(adev->mman.bdev.wq);
	/* amdgpu_ttm_fini() iounmaps a real aperture; ours is a vmap. */
	adev->mman.aper_base_kaddr = NULL;
	amdgpu_ttm_fini(adev);
	sim_vram_free(sim);
	/* Not amdgpu_vm_manager_fini(): it empties the global PASID table. */
	amdgpu_vmid_mgr_fini(adev);
	amdgpu_reset_put_reset_domain(adev->reset_domain);
	adev->reset_domain = NULL;
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
 *
 * Context: process context (a KUnit test).
 * Return: the hardware state; the test is aborted if bring-up fails.
 */
struct amdgpu_svm_sim *amdgpu_svm_sim_create(struct kunit *test,
					     struct device *dev,
					     struct amdgpu_device *adev)
{
	unsigned long i, npages = AMDGPU_SVM_SIM_VRAM_SIZE >> PAGE_SHIFT;
	struct drm_sched_init_args args = {
		.ops = &sim_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = 1,
		.timeout = MAX_SCHEDULE_TIMEOUT,
		.name = "amdgpu_svm_sim_pte",
		.dev = dev,
	};
	struct amdgpu_svm_sim *sim;
	int ret;

	sim = kunit_kzalloc(test, sizeof(*sim), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sim);
	sim->test = test;
	sim->adev = adev;
	rwlock_init(&sim->access_lock);
	spin_lock_init(&sim->fail_lock);
	spin_lock_init(&sim->tlb_lock);
	spin_lock(&sim_devices_lock);
	list_add(&sim->link, &sim_devices);
	spin_unlock(&sim_devices_lock);

	/* A 48-bit DMA mask, and segments as large as TTM makes them. */
	dev->dma_parms = kunit_kzalloc(test, sizeof(*dev->dma_parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev->dma_parms);
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, 0, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(48)));
	sim->pdev = kunit_kzalloc(test, sizeof(*sim->pdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sim->pdev);
	sim->pdev->dev.dma_mask = &sim->pdev->dev.coherent_dma_mask;
	sim->pdev->dev.coherent_dma_mask = DMA_BIT_MASK(48);
	adev->pdev = sim->pdev;
	adev->dev = dev;

	sim_identity(sim);
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

	/* Four levels: PDB2 (root), PDB1, PDB0, PTB; 2 MiB per PTB. */
	amdgpu_vm_adjust_size(adev, 256 * 1024, 9, 3, 48);
	adev->gmc.translate_further = adev->vm_manager.num_level > 1;

	sim->vram_pages = kvcalloc(npages, sizeof(*sim->vram_pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sim->vram_pages);
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
	/* The BAR of a real device is I/O memory; this one is RAM. */
	adev->mman.aper_base_kaddr = (__force void __iomem *)sim->aperture;
	adev->gmc.visible_vram_size = AMDGPU_SVM_SIM_VRAM_SIZE;

	amdgpu_vm_manager_init(adev);
	/* Large BAR: every VM's page tables are written by the CPU. */
	adev->vm_manager.vm_update_mode = AMDGPU_VM_USE_CPU_FOR_GFX |
					  AMDGPU_VM_USE_CPU_FOR_COMPUTE;

	args.timeout_wq = adev->reset_domain->wq;
	ret = drm_sched_init(&sim->pte_sched, &args);
	KUNIT_ASSERT_EQ(test, ret, 0);
	adev->vm_manager.vm_pte_scheds[0] = &sim->pte_sched;
	adev->vm_manager.vm_pte_num_scheds = 1;

	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sim_release,
							   sim));
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
