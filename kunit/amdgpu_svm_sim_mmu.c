// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulated GPU, part "MMU": the page walker and the TLB of a GFX9
 * VM hub.
 *
 * What it models: a GPU virtual address is translated by walking the page
 * tables amdgpu wrote, from the root page directory of the VM
 * (amdgpu_gmc_pd_addr() of the root, what the hardware is given as the
 * page-table base) through PDB2, PDB1 and PDB0 to the PTB, reading each
 * entry from simulated VRAM as the hardware would, with GFX9's encoding:
 * a PDB0 entry without AMDGPU_PTE_TF is a 2 MiB page, an invalid entry at
 * any level ends the walk with a fault, AMDGPU_PTE_FRAG(n) declares 2^n
 * pages physically contiguous. A translation enters the TLB with the size
 * its fragment (or huge page) declares and is used, without a walk, until
 * the driver flushes the TLB: a driver that zaps PTEs and does not flush
 * keeps reaching the old pages, as hardware would.
 *
 * Faults: an invalid entry is a retry fault (with XNACK on, the hardware
 * asks the driver and replays). A valid leaf with the PRT bit is the
 * combination amdgpu writes to force a no-retry fault on GFX9
 * (AMDGPU_VM_NORETRY_FLAGS_TF, what amdgpu_vm_handle_fault() writes for a
 * fault it could not serve): it translates nothing, is never cached, and
 * the access ends in a fatal fault without asking the driver.
 *
 * Every access checks that what it reaches is alive: a system page with a
 * reference (a freed page has none), a VRAM offset inside a live
 * allocation. Otherwise the test fails with "GPU reached a freed page".
 * A flush waits until no access is in flight, as the hardware's
 * invalidation acknowledges only then.
 *
 * What it does not model: page-table caches in L2 apart from the TLB
 * (a flush drops everything), multiple VMIDs per PASID, PRT, and the XNACK
 * retry itself (the caller raises the fault and retries). Page tables in
 * system memory (GTT) are walked through the DMA address in the PDE.
 */

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/tracepoint.h>

#include <trace/events/dma.h>

#include <kunit/test.h>

#include "../amdgpu.h"
#include "../amdgpu_vm.h"
#include "amdgpu_svm_sim.h"

/* Address bits of a GFX9 PDE or PTE. */
#define SIM_ADDR_MASK		0x0000FFFFFFFFF000ULL

/**
 * amdgpu_svm_sim_vram_page() - the page behind a VRAM offset
 * @sim: the device
 * @offset: byte offset in VRAM
 *
 * VRAM is live while a resource of amdgpu's VRAM manager holds it.
 *
 * Context: any.
 * Return: the page, or NULL if the offset is outside VRAM or not live.
 */
struct page *amdgpu_svm_sim_vram_page(struct amdgpu_svm_sim *sim, u64 offset)
{
	unsigned long flags;
	bool live;

	if (offset >= sim->vram_size)
		return NULL;
	spin_lock_irqsave(&sim->vram_lock, flags);
	live = test_bit(offset >> PAGE_SHIFT, sim->vram_live);
	spin_unlock_irqrestore(&sim->vram_lock, flags);
	return live ? sim->vram_pages[offset >> PAGE_SHIFT] : NULL;
}

/**
 * amdgpu_svm_sim_system_page() - the live system page behind a DMA address
 * @addr: a DMA address (physical: the simulated GPU has no IOMMU)
 *
 * A page is alive while it is allocated: a folio with a reference, or a
 * page inside a higher-order allocation TTM's pool made without
 * __GFP_COMP, whose tail pages have no reference of their own (the pool
 * notes the order in the first page's private field).
 *
 * Context: any.
 * Return: the page, or NULL if no allocated page is there.
 */
struct page *amdgpu_svm_sim_system_page(u64 addr)
{
	unsigned long pfn = PHYS_PFN(addr);
	struct page *page, *head;
	unsigned int order;

	if (!pfn_valid(pfn))
		return NULL;
	page = pfn_to_page(pfn);
	/* A tail page of a huge folio counts in its head. */
	if (folio_ref_count(page_folio(page)))
		return page;
	for (order = 1; order <= MAX_PAGE_ORDER; order++) {
		if (!pfn_valid(ALIGN_DOWN(pfn, 1UL << order)))
			break;
		head = pfn_to_page(ALIGN_DOWN(pfn, 1UL << order));
		if (!PageCompound(head) && page_count(head) &&
		    page_private(head) == order)
			return page;
	}
	return NULL;
}

/**
 * amdgpu_svm_sim_fail() - remember a hardware rule a model saw broken
 * @sim: the device
 * @fmt: what happened
 *
 * Reporting allocates, and models run under the driver's spinlocks: the
 * first message is kept and reported by amdgpu_svm_sim_report() once no
 * lock is held.
 *
 * Context: any.
 */
__printf(2, 3) void amdgpu_svm_sim_fail(struct amdgpu_svm_sim *sim,
					const char *fmt, ...)
{
	va_list args;

	spin_lock(&sim->fail_lock);
	if (!sim->fail_msg[0]) {
		va_start(args, fmt);
		vsnprintf(sim->fail_msg, sizeof(sim->fail_msg), fmt, args);
		va_end(args);
	}
	spin_unlock(&sim->fail_lock);
}

/**
 * amdgpu_svm_sim_report() - fail the test for a rule a model saw broken
 * @sim: the device
 *
 * Context: process context, no spinlock held.
 */
void amdgpu_svm_sim_report(struct amdgpu_svm_sim *sim)
{
	char msg[sizeof(sim->fail_msg)];

	spin_lock(&sim->fail_lock);
	strscpy(msg, sim->fail_msg, sizeof(msg));
	sim->fail_msg[0] = 0;
	spin_unlock(&sim->fail_lock);
	if (msg[0])
		KUNIT_FAIL(sim->test, "%s", msg);
}

/*
 * Read one page-table entry of the table a PDE points at: in VRAM, or in
 * system memory (the SYSTEM bit; a DMA address, physical without an
 * IOMMU), as APUs and evicted tables have them.
 */
static bool sim_read_entry(struct amdgpu_svm_sim *sim, u64 pde, u64 index,
			   u64 *entry)
{
	u64 base = pde & SIM_ADDR_MASK;
	u64 offset = base - sim->adev->vm_manager.vram_base_offset + index * 8;

	if (pde & AMDGPU_PTE_SYSTEM) {
		u64 addr = base + index * 8;
		struct page *page;
		void *vaddr;

		page = amdgpu_svm_sim_system_page(addr);
		if (!page) {
			amdgpu_svm_sim_fail(sim,
					    "GPU MMU: page table in freed memory (%llx)",
					    pde);
			return false;
		}
		vaddr = kmap_local_page(page);
		*entry = READ_ONCE(*(u64 *)(vaddr + offset_in_page(addr)));
		kunmap_local(vaddr);
		return true;
	}
	if (base < sim->adev->vm_manager.vram_base_offset ||
	    offset + 8 > sim->vram_size) {
		amdgpu_svm_sim_fail(sim, "GPU MMU: page table outside VRAM (%llx)", pde);
		return false;
	}
	if (!amdgpu_svm_sim_vram_page(sim, offset)) {
		amdgpu_svm_sim_fail(sim, "GPU MMU: page table in freed VRAM (%llx)",
				    pde);
		amdgpu_svm_sim_vram_print_free(sim, offset);
		return false;
	}
	*entry = READ_ONCE(*(u64 *)(sim->aperture + offset));
	return true;
}

/*
 * Are the VM's page tables where the MMU can walk them? In VRAM, or in
 * GTT; not while TTM has them in plain system memory (evicted).
 */
static bool sim_tables_resident(struct amdgpu_vm *vm)
{
	struct ttm_resource *res = vm->root.bo ? vm->root.bo->tbo.resource : NULL;

	return res && (res->mem_type == TTM_PL_VRAM ||
		       res->mem_type == TTM_PL_TT);
}

/*
 * Does a valid entry of a table of @level end the walk? A PTB entry does,
 * and on GFX9 a PDB0 entry without translate-further (a 2 MiB page).
 */
static bool sim_entry_is_leaf(int level, u64 entry)
{
	return level == AMDGPU_VM_PTB ||
	       (level == AMDGPU_VM_PDB0 && !(entry & AMDGPU_PTE_TF));
}

/*
 * A valid leaf that forces a no-retry fault: GMC v9 gives amdgpu
 * AMDGPU_VM_NORETRY_FLAGS_TF (valid, system, PRT) for it
 * (amdgpu_vm_pte_update_noretry_flags()).
 */
static bool sim_no_retry(struct amdgpu_device *adev, u64 entry)
{
	return entry & AMDGPU_PTE_PRT_FLAG(adev);
}

/**
 * amdgpu_svm_sim_walk_locked() - translate one GPU page by walking the page
 * tables, in any context
 * @sim: the device
 * @vm: the VM whose page tables are walked
 * @gpu_page: the GPU page (virtual address >> 12)
 * @out: receives the translation and the size it covers
 *
 * The TLB is neither used nor filled. While the root directory is neither
 * in VRAM nor in GTT (TTM evicted the page tables) nothing translates.
 *
 * A rule broken on the way is remembered, not reported
 * (amdgpu_svm_sim_fail()).
 *
 * Context: any; the page tables may change under the walk, as on hardware.
 * Return: true if a valid PTE maps @gpu_page. False otherwise; then
 * @out->flags holds the no-retry leaf's flags if that is what ended the
 * walk (sim_no_retry()), or 0.
 */
bool amdgpu_svm_sim_walk_locked(struct amdgpu_svm_sim *sim,
				struct amdgpu_vm *vm, u64 gpu_page,
				struct amdgpu_svm_sim_tlb_entry *out)
{
	struct amdgpu_device *adev = sim->adev;
	unsigned int bs = adev->vm_manager.block_size;
	int level = adev->vm_manager.root_level;
	u64 pde, entry, shift, pages;
	unsigned int frag;

	out->flags = 0;
	atomic_inc(&sim->walks);
	if (!sim_tables_resident(vm))
		return false;
	pde = amdgpu_gmc_pd_addr(vm->root.bo);
	for (;;) {
		shift = (u64)(AMDGPU_VM_PTB - level) * bs;
		if (level == adev->vm_manager.root_level)
			entry = gpu_page >> shift;
		else
			entry = (gpu_page >> shift) & ((1ULL << bs) - 1);
		if (!sim_read_entry(sim, pde, entry, &entry))
			return false;
		if (!(entry & AMDGPU_PTE_VALID))
			return false;
		if (sim_entry_is_leaf(level, entry)) {
			if (!sim_no_retry(adev, entry))
				break;
			out->flags = entry & ~SIM_ADDR_MASK;
			return false;
		}
		if (level != AMDGPU_VM_PDB0 && (entry & AMDGPU_PDE_PTE)) {
			amdgpu_svm_sim_fail(sim,
					    "GPU MMU: huge page above PDB0 (%llx, level %d, table %llx, GPU page %llx)",
					    entry, level, pde, gpu_page);
			return false;
		}
		pde = entry;
		level++;
	}

	/* The page size of the level, or the fragment if it is larger. */
	frag = (entry >> 7) & 0x1f;
	pages = 1ULL << max_t(u64, shift, frag);
	out->first = gpu_page & ~(pages - 1);
	out->pages = pages;
	out->flags = entry & ~SIM_ADDR_MASK;
	/*
	 * The entry maps the block of 2^shift pages around @gpu_page; a
	 * larger fragment claims its neighbours contiguous too, so the
	 * translation of @first may lie before the entry's address.
	 */
	out->addr = (entry & SIM_ADDR_MASK) +
		    (out->first - (gpu_page & ~((1ULL << shift) - 1))) *
		    AMDGPU_GPU_PAGE_SIZE;
	return true;
}

/* Valid leaf entries of the table at @pde (level @level) and below. */
static unsigned long sim_count_table(struct amdgpu_svm_sim *sim, u64 pde,
				     int level)
{
	struct amdgpu_device *adev = sim->adev;
	unsigned int bs = adev->vm_manager.block_size;
	u64 shift = (u64)(AMDGPU_VM_PTB - level) * bs, i, n, entry;
	unsigned long count = 0;

	n = level == adev->vm_manager.root_level ?
	    DIV_ROUND_UP(adev->vm_manager.max_pfn, 1ULL << shift) : 1ULL << bs;
	for (i = 0; i < n; i++) {
		if (!sim_read_entry(sim, pde, i, &entry))
			break;
		if (!(entry & AMDGPU_PTE_VALID))
			continue;
		if (sim_entry_is_leaf(level, entry))
			count += !sim_no_retry(adev, entry);
		else
			count += sim_count_table(sim, entry, level + 1);
	}
	return count;
}

/**
 * amdgpu_svm_sim_count_valid() - valid leaf entries in a VM's page tables
 * @sim: the device
 * @vm: the VM
 *
 * A full scan of every table reachable from the root, as a debugger of the
 * hardware would do it.
 *
 * Context: process context; the page tables must not change meanwhile.
 * Return: the number of valid PTEs (a huge page counts once).
 */
unsigned long amdgpu_svm_sim_count_valid(struct amdgpu_svm_sim *sim,
					 struct amdgpu_vm *vm)
{
	unsigned long n;

	if (!sim_tables_resident(vm))
		return 0;
	n = sim_count_table(sim, amdgpu_gmc_pd_addr(vm->root.bo),
			    sim->adev->vm_manager.root_level);
	amdgpu_svm_sim_report(sim);
	return n;
}

/**
 * amdgpu_svm_sim_walk() - translate one GPU page by walking the page tables
 * @sim: the device
 * @vm: the VM whose page tables are walked
 * @gpu_page: the GPU page (virtual address >> 12)
 * @out: receives the translation and the size it covers
 *
 * amdgpu_svm_sim_walk_locked(), reporting what it saw broken.
 *
 * Context: process context, no spinlock held.
 * Return: true if a valid PTE maps @gpu_page.
 */
bool amdgpu_svm_sim_walk(struct amdgpu_svm_sim *sim, struct amdgpu_vm *vm,
			 u64 gpu_page, struct amdgpu_svm_sim_tlb_entry *out)
{
	bool found = amdgpu_svm_sim_walk_locked(sim, vm, gpu_page, out);

	amdgpu_svm_sim_report(sim);
	return found;
}

static bool sim_tlb_lookup(struct amdgpu_svm_sim *sim, u32 pasid,
			   u64 gpu_page, struct amdgpu_svm_sim_tlb_entry *out)
{
	bool hit = false;
	unsigned int i;

	spin_lock(&sim->tlb_lock);
	for (i = 0; i < sim->tlb_used; i++) {
		struct amdgpu_svm_sim_tlb_entry *e = &sim->tlb[i];

		if (e->pasid == pasid && gpu_page >= e->first &&
		    gpu_page < e->first + e->pages) {
			*out = *e;
			hit = true;
			break;
		}
	}
	spin_unlock(&sim->tlb_lock);
	return hit;
}

static void sim_tlb_fill(struct amdgpu_svm_sim *sim,
			 const struct amdgpu_svm_sim_tlb_entry *e)
{
	/* Full: the oldest entry goes (round robin). */
	spin_lock(&sim->tlb_lock);
	sim->tlb[sim->tlb_next] = *e;
	sim->tlb_next = (sim->tlb_next + 1) % AMDGPU_SVM_SIM_TLB_ENTRIES;
	sim->tlb_used = max(sim->tlb_used, sim->tlb_next ? sim->tlb_next :
			    AMDGPU_SVM_SIM_TLB_ENTRIES);
	spin_unlock(&sim->tlb_lock);
}

/**
 * amdgpu_svm_sim_tlb_entry_at() - the @i-th translation the TLB holds
 * @sim: the device
 * @i: index, from 0
 * @out: receives the entry
 *
 * Context: any context that may spin.
 * Return: false past the last entry.
 */
bool amdgpu_svm_sim_tlb_entry_at(struct amdgpu_svm_sim *sim, unsigned int i,
				 struct amdgpu_svm_sim_tlb_entry *out)
{
	bool found = false;

	spin_lock(&sim->tlb_lock);
	if (i < sim->tlb_used) {
		*out = sim->tlb[i];
		found = true;
	}
	spin_unlock(&sim->tlb_lock);
	return found;
}

/**
 * amdgpu_svm_sim_tlb_flush() - drop every translation
 * @sim: the device
 *
 * Waits for the accesses in flight, checks the queue rule of
 * amdgpu_svm_sim_queue_check(), then empties the TLB.
 *
 * Context: process context; may be called under the driver's locks.
 */
void amdgpu_svm_sim_tlb_flush(struct amdgpu_svm_sim *sim)
{
	atomic_inc(&sim->tlb_flushes);
	write_lock(&sim->access_lock);
	amdgpu_svm_sim_queue_check(sim, sim->vm);
	spin_lock(&sim->tlb_lock);
	sim->tlb_used = 0;
	sim->tlb_next = 0;
	spin_unlock(&sim->tlb_lock);
	write_unlock(&sim->access_lock);
	amdgpu_svm_sim_report(sim);
}

/**
 * amdgpu_svm_sim_tlb_flush_pasid() - drop the translations of one VM
 * @sim: the device
 * @pasid: the VM's PASID
 *
 * As amdgpu_svm_sim_tlb_flush(), for the entries tagged @pasid only: the
 * other VMs keep theirs, as they do on the hardware.
 *
 * Context: process context; may be called under the driver's locks.
 */
void amdgpu_svm_sim_tlb_flush_pasid(struct amdgpu_svm_sim *sim, u32 pasid)
{
	unsigned int i, kept = 0;

	atomic_inc(&sim->tlb_flushes);
	write_lock(&sim->access_lock);
	if (sim->vm && sim->vm->pasid == pasid)
		amdgpu_svm_sim_queue_check(sim, sim->vm);
	spin_lock(&sim->tlb_lock);
	for (i = 0; i < sim->tlb_used; i++)
		if (sim->tlb[i].pasid != pasid)
			sim->tlb[kept++] = sim->tlb[i];
	sim->tlb_used = kept;
	sim->tlb_next = kept % AMDGPU_SVM_SIM_TLB_ENTRIES;
	spin_unlock(&sim->tlb_lock);
	write_unlock(&sim->access_lock);
	amdgpu_svm_sim_report(sim);
}

/*
 * Count the mappings of each page frame of [@addr, @addr + @size) up or
 * down; return whether the last mapping of a frame went. A count that
 * cannot be recorded (no memory without reclaim: the DMA API is called
 * under the driver's locks) is not checked. A frame whose last mapping
 * went stays, counted 0; one never mapped (a model test's PTE written by
 * hand) has no entry.
 */
static bool sim_dma_count(struct amdgpu_svm_sim *sim, dma_addr_t addr,
			  size_t size, bool map)
{
	unsigned long pfn, last = PHYS_PFN(addr + size - 1), flags;
	bool gone = false;

	xa_lock_irqsave(&sim->dma_maps, flags);
	for (pfn = PHYS_PFN(addr); pfn <= last; pfn++) {
		void *entry = xa_load(&sim->dma_maps, pfn);
		unsigned long n = entry ? xa_to_value(entry) : 0;

		if (map) {
			if (xa_is_err(__xa_store(&sim->dma_maps, pfn,
						 xa_mk_value(n + 1),
						 GFP_NOWAIT | __GFP_NOWARN)))
				WRITE_ONCE(sim->dma_untracked, true);
		} else if (n > 1) {
			__xa_store(&sim->dma_maps, pfn, xa_mk_value(n - 1),
				   GFP_NOWAIT | __GFP_NOWARN);
		} else if (n == 1) {
			/* Kept at 0: the frame was the device's and is no more. */
			__xa_store(&sim->dma_maps, pfn, xa_mk_value(0),
				   GFP_NOWAIT | __GFP_NOWARN);
			gone = true;
		}
	}
	xa_unlock_irqrestore(&sim->dma_maps, flags);
	return gone;
}

/* Was the frame the device's, through the DMA API, and is no more? */
static bool sim_dma_given_up(struct amdgpu_svm_sim *sim, unsigned long pfn)
{
	void *entry = xa_load(&sim->dma_maps, pfn);

	return entry && !xa_to_value(entry);
}

/**
 * amdgpu_svm_sim_dma_stale() - does a system address reach a page the
 * device gave up?
 * @sim: the device
 * @addr: the DMA address a PTE or GART entry holds
 *
 * Without an IOMMU a DMA address is the page's physical address, so an
 * access through a PTE the driver left behind reaches whatever the page
 * became since, while it is allocated to someone else as well; with one,
 * it would fault. Either way it is a driver bug, reported by the callers.
 *
 * Context: any.
 * Return: true if the device had the page mapped through the DMA API and
 * no longer has.
 */
bool amdgpu_svm_sim_dma_stale(struct amdgpu_svm_sim *sim, u64 addr)
{
	return !READ_ONCE(sim->dma_untracked) &&
	       sim_dma_given_up(sim, PHYS_PFN(addr));
}

/**
 * amdgpu_svm_sim_dma_mapped() - is a bus address DMA-mapped for the device?
 * @sim: the device
 * @addr: the DMA address a PTE or GART entry holds
 *
 * A PCIe peer's BAR is reached only through a mapping the driver made for
 * this device (dma_map_resource()); an IOMMU would fault on any other.
 *
 * Context: any.
 * Return: true if the device holds a mapping of @addr's frame, or if the
 * counts could not be kept.
 */
bool amdgpu_svm_sim_dma_mapped(struct amdgpu_svm_sim *sim, u64 addr)
{
	void *entry;

	if (READ_ONCE(sim->dma_untracked))
		return true;
	entry = xa_load(&sim->dma_maps, PHYS_PFN(addr));
	return entry && xa_to_value(entry);
}

static void sim_dma_map(void *data, struct device *dev, phys_addr_t phys,
			dma_addr_t addr, size_t size,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct amdgpu_svm_sim *sim = data;

	if (dev == sim->adev->dev && size)
		sim_dma_count(sim, addr, size, true);
}

/*
 * The IOMMU's rule, kept without one: a DMA address the driver gave up
 * (its last mapping unmapped) is one the GPU must no longer reach: an
 * IOMMU would fault, or reach what the address is given to next. A TLB
 * entry that still translates to it at that moment means the unmap came
 * before the flush.
 */
static void sim_dma_unmap(void *data, struct device *dev, dma_addr_t addr,
			  size_t size, enum dma_data_direction dir,
			  unsigned long attrs)
{
	struct amdgpu_svm_sim *sim = data;
	struct amdgpu_svm_sim_tlb_entry hit = {};
	unsigned long flags;
	unsigned int i;

	if (dev != sim->adev->dev || !size)
		return;
	if (!sim_dma_count(sim, addr, size, false))
		return;
	spin_lock_irqsave(&sim->tlb_lock, flags);
	for (i = 0; i < sim->tlb_used; i++) {
		const struct amdgpu_svm_sim_tlb_entry *e = &sim->tlb[i];
		u64 end = e->addr + e->pages * AMDGPU_GPU_PAGE_SIZE;
		unsigned long pfn = PHYS_PFN(max_t(u64, addr, e->addr));

		/* Another mapping of the page may still be in use. */
		if ((e->flags & AMDGPU_PTE_SYSTEM) && e->addr < addr + size &&
		    addr < end && sim_dma_given_up(sim, pfn)) {
			hit = *e;
			break;
		}
	}
	spin_unlock_irqrestore(&sim->tlb_lock, flags);
	if (!hit.pages)
		return;
	/* The stack names the path that unmapped too early. */
	dump_stack();
	amdgpu_svm_sim_fail(sim,
			    "DMA address %llx unmapped while the GPU TLB translates to it (%llu pages from GPU page %llx: %llx, flags %llx)",
			    (u64)addr, hit.pages, hit.first, hit.addr,
			    hit.flags);
}

/**
 * amdgpu_svm_sim_dma_watch() - check every DMA unmap of the device
 * @sim: the device
 *
 * Probes on the DMA API's dma_map_phys and dma_unmap_phys tracepoints,
 * for the lifetime of the simulated device, count the device's mappings
 * per page and check the TLB when the last mapping of a page goes.
 *
 * Context: process context.
 * Return: 0 or the error of the registration.
 */
int amdgpu_svm_sim_dma_watch(struct amdgpu_svm_sim *sim)
{
	int ret;

	xa_init_flags(&sim->dma_maps, XA_FLAGS_LOCK_IRQ);
	ret = register_trace_dma_map_phys(sim_dma_map, sim);
	if (ret)
		return ret;
	ret = register_trace_dma_unmap_phys(sim_dma_unmap, sim);
	if (ret) {
		unregister_trace_dma_map_phys(sim_dma_map, sim);
		tracepoint_synchronize_unregister();
	}
	return ret;
}

/**
 * amdgpu_svm_sim_dma_unwatch() - end amdgpu_svm_sim_dma_watch()
 * @sim: the device
 *
 * Context: process context.
 */
void amdgpu_svm_sim_dma_unwatch(struct amdgpu_svm_sim *sim)
{
	unsigned long pfn, leaked = 0, first = 0;
	void *entry;

	unregister_trace_dma_unmap_phys(sim_dma_unmap, sim);
	unregister_trace_dma_map_phys(sim_dma_map, sim);
	tracepoint_synchronize_unregister();
	/* The device is gone: every DMA mapping made for it must be, too. */
	xa_for_each(&sim->dma_maps, pfn, entry) {
		if (xa_to_value(entry) && !leaked++)
			first = pfn;
	}
	if (leaked && !READ_ONCE(sim->dma_untracked))
		amdgpu_svm_sim_fail(sim,
				    "%lu frames still DMA-mapped for the device at its teardown (the first at %lx)",
				    leaked, first << PAGE_SHIFT);
	xa_destroy(&sim->dma_maps);
	amdgpu_svm_sim_report(sim);
}

/* The page a translation reaches, checked to be alive. */
static struct page *sim_target(struct amdgpu_svm_sim *sim,
			       const struct amdgpu_svm_sim_tlb_entry *e,
			       u64 gpu_page)
{
	u64 addr = e->addr + (gpu_page - e->first) * AMDGPU_GPU_PAGE_SIZE;
	struct page *page;
	bool in_bar;

	if (e->flags & AMDGPU_PTE_SYSTEM) {
		/* A PCIe peer's BAR, or system memory. */
		page = amdgpu_svm_sim_bar_vram_page(sim, addr, &in_bar);
		if (in_bar && !page) {
			amdgpu_svm_sim_fail(sim,
					    "GPU reached freed VRAM, or a BAR it has no route to: GPU page %llx -> bus %llx (translation of %llu pages from %llx: %llx, flags %llx)",
					    gpu_page, addr, e->pages, e->first,
					    e->addr, e->flags);
			return NULL;
		}
		if (in_bar && !amdgpu_svm_sim_dma_mapped(sim, addr)) {
			amdgpu_svm_sim_fail(sim,
					    "GPU reached a BAR address not DMA-mapped for it: GPU page %llx -> bus %llx (translation of %llu pages from %llx: %llx, flags %llx)",
					    gpu_page, addr, e->pages, e->first,
					    e->addr, e->flags);
			return NULL;
		}
		if (!in_bar)
			page = amdgpu_svm_sim_system_page(addr);
		if (!page) {
			amdgpu_svm_sim_fail(sim,
					    "GPU reached a freed page: GPU page %llx -> %llx (translation of %llu pages from %llx: %llx, flags %llx)",
					    gpu_page, addr, e->pages, e->first,
					    e->addr, e->flags);
			return NULL;
		}
		if (amdgpu_svm_sim_dma_stale(sim, addr)) {
			amdgpu_svm_sim_fail(sim,
					    "GPU reached a DMA address the driver unmapped: GPU page %llx -> %llx (translation of %llu pages from %llx: %llx, flags %llx)",
					    gpu_page, addr, e->pages, e->first,
					    e->addr, e->flags);
			return NULL;
		}
		return page;
	}
	page = amdgpu_svm_sim_hive_vram_page(sim, addr);
	if (!page) {
		amdgpu_svm_sim_fail(sim,
				    "GPU reached a freed page: GPU page %llx -> VRAM %llx (translation of %llu pages from %llx: %llx, flags %llx)",
				    gpu_page, addr, e->pages, e->first, e->addr,
				    e->flags);
		amdgpu_svm_sim_vram_print_free(sim, addr -
				sim->adev->vm_manager.vram_base_offset);
	}
	return page;
}

/**
 * amdgpu_svm_sim_access() - a GPU read or write through the MMU
 * @sim: the device
 * @vm: the VM the access runs in
 * @addr: GPU virtual address
 * @buf: the bytes to write, or where to read into
 * @len: bytes, within one page
 * @write: a write, not a read
 *
 * Translates through the TLB, walking the page tables on a miss and
 * caching the result, then moves the bytes.
 *
 * Context: process context.
 * Return: %AMDGPU_SVM_SIM_OK, or why the MMU refused (the hardware would
 * raise a page fault).
 */
enum amdgpu_svm_sim_fault
amdgpu_svm_sim_access(struct amdgpu_svm_sim *sim, struct amdgpu_vm *vm,
		      u64 addr, void *buf, size_t len, bool write)
{
	u64 gpu_page = addr >> AMDGPU_GPU_PAGE_SHIFT;
	struct amdgpu_svm_sim_tlb_entry e;
	enum amdgpu_svm_sim_fault ret = AMDGPU_SVM_SIM_OK;
	struct page *page;
	void *vaddr;

	read_lock(&sim->access_lock);
	if (sim->queues_quiesced) {
		if (READ_ONCE(sim->accesses_wait)) {
			ret = AMDGPU_SVM_SIM_STOPPED;
			goto out;
		}
		amdgpu_svm_sim_fail(sim, "GPU access while the queues are quiesced");
		ret = AMDGPU_SVM_SIM_NOT_PRESENT;
		goto out;
	}
	if (!sim_tables_resident(vm)) {
		/* amdgpu stops a VM's queues while its page tables are out. */
		amdgpu_svm_sim_fail(sim, "GPU access while its page tables are evicted");
		ret = AMDGPU_SVM_SIM_NOT_PRESENT;
		goto out;
	}
	if (sim_tlb_lookup(sim, vm->pasid, gpu_page, &e)) {
		atomic_inc(&sim->tlb_hits);
	} else if (amdgpu_svm_sim_walk_locked(sim, vm, gpu_page, &e)) {
		e.pasid = vm->pasid;
		sim_tlb_fill(sim, &e);
	} else {
		ret = sim_no_retry(sim->adev, e.flags) ? AMDGPU_SVM_SIM_NO_RETRY :
			AMDGPU_SVM_SIM_NOT_PRESENT;
		goto out;
	}
	if (write && !(e.flags & AMDGPU_PTE_WRITEABLE)) {
		ret = AMDGPU_SVM_SIM_READ_ONLY;
		goto out;
	}
	page = sim_target(sim, &e, gpu_page);
	if (!page) {
		/* Reported; the access is dropped. */
		goto out;
	}
	vaddr = kmap_local_page(page);
	if (write)
		memcpy(vaddr + offset_in_page(addr), buf, len);
	else
		memcpy(buf, vaddr + offset_in_page(addr), len);
	kunmap_local(vaddr);
out:
	read_unlock(&sim->access_lock);
	amdgpu_svm_sim_report(sim);
	return ret;
}
