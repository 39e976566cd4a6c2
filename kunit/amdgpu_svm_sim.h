/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The simulated GPU below amdgpu: the hardware models the KUnit suites run
 * amdgpu's own code on. One file per hardware block:
 *
 *  - amdgpu_svm_sim_dev.c: device bring-up (an MI200-class GC/MMHUB 9.4.2
 *    identity, amdgpu's own GMC v9 tables, TTM, VRAM manager, VM manager)
 *    over simulated VRAM;
 *  - amdgpu_svm_sim_mmu.c: the GPU MMU: a page walker over the real page
 *    tables and a TLB that keeps translations until a flush;
 *  - amdgpu_svm_sim_queue.c: the VM's queues, running or quiesced, and
 *    what XNACK off forbids while they run.
 *
 * The suite amdgpu_svm_sim (amdgpu_svm_sim_test.c) tests the models
 * themselves.
 */

#ifndef __AMDGPU_SVM_SIM_H__
#define __AMDGPU_SVM_SIM_H__

#include <linux/list.h>
#include <linux/rwlock.h>
#include <linux/types.h>

#include <drm/gpu_scheduler.h>

#include "../amdgpu.h"

struct amdgpu_device;
struct amdgpu_vm;
struct kunit;
struct page;
struct pci_dev;

/* VRAM that amdgpu's VRAM manager (TTM) hands out, from offset 0. */
#define AMDGPU_SVM_SIM_VRAM_SIZE	SZ_16M

/* The VRAM base in the GPU's physical address space (PDE/PTE addresses). */
#define AMDGPU_SVM_SIM_VRAM_BASE	0x100000000000ULL

/* Translations the TLB holds; the oldest goes when it is full. */
#define AMDGPU_SVM_SIM_TLB_ENTRIES	256

/**
 * struct amdgpu_svm_sim_tlb_entry - one translation the model TLB holds
 */
struct amdgpu_svm_sim_tlb_entry {
	/** @first: first GPU page the entry covers (fragment aligned) */
	u64 first;
	/** @pages: GPU pages it covers (1 << fragment) */
	u64 pages;
	/** @addr: address of @first: a DMA address or a VRAM PTE address */
	u64 addr;
	/** @flags: the PTE flags (AMDGPU_PTE_*) */
	u64 flags;
};

/**
 * struct amdgpu_svm_sim - the hardware state of one simulated GPU
 *
 * Everything amdgpu's code looks at lives in the &amdgpu_device; this is
 * what the hardware would hold: the VRAM cells, the TLB, the counters the
 * tests read.
 */
struct amdgpu_svm_sim {
	/** @test: the test that owns the device */
	struct kunit *test;
	/** @adev: the device amdgpu's code runs on */
	struct amdgpu_device *adev;
	/** @link: in the list of live simulated devices */
	struct list_head link;
	/** @pdev: the PCI function (only its struct device is used) */
	struct pci_dev *pdev;
	/** @vram_pages: the backing page of each VRAM page TTM manages */
	struct page **vram_pages;
	/** @aperture: CPU mapping of @vram_pages: the large-BAR aperture */
	void *aperture;
	/** @gmc_funcs: GMC v9's table, with the TLB flushes aimed at the MMU */
	struct amdgpu_gmc_funcs gmc_funcs;
	/** @gmc_block: the GMC v9 IP block, for its early_init */
	struct amdgpu_ip_block gmc_block;
	/** @pte_sched: the scheduler VMs build their entities on */
	struct drm_gpu_scheduler pte_sched;
	/**
	 * @vram_page: resolves a VRAM offset beyond the TTM part (the pool
	 * of the migration tests); returns NULL if nothing live is there
	 */
	struct page *(*vram_page)(struct amdgpu_svm_sim *sim, u64 offset);
	/** @vram_page_data: for @vram_page */
	void *vram_page_data;

	/** @access_lock: a GPU access holds it for read, a TLB flush for write */
	rwlock_t access_lock;
	/** @tlb_lock: protects the TLB (@tlb, @tlb_next, @tlb_used) */
	spinlock_t tlb_lock;
	/** @tlb: the translations the MMU caches */
	struct amdgpu_svm_sim_tlb_entry tlb[AMDGPU_SVM_SIM_TLB_ENTRIES];
	/** @tlb_next: the entry the next translation replaces */
	unsigned int tlb_next;
	/** @tlb_used: valid entries in @tlb, from 0 */
	unsigned int tlb_used;
	/** @tlb_flushes: TLB flushes the driver asked for */
	atomic_t tlb_flushes;
	/** @tlb_hits: accesses served by the TLB without a walk */
	atomic_t tlb_hits;
	/** @walks: page walks */
	atomic_t walks;
	/** @vm: the VM whose queues run on the device (for the queue rules) */
	struct amdgpu_vm *vm;
	/** @queues_quiesced: the queues are stopped; under @access_lock */
	bool queues_quiesced;
	/** @fail_lock: protects @fail_msg */
	spinlock_t fail_lock;
	/** @fail_msg: the first broken rule not reported yet, or "" */
	char fail_msg[192];
};

/**
 * enum amdgpu_svm_sim_fault - why the MMU refused an access
 * @AMDGPU_SVM_SIM_OK: translated
 * @AMDGPU_SVM_SIM_NOT_PRESENT: no valid PTE (a page fault)
 * @AMDGPU_SVM_SIM_READ_ONLY: a write through a PTE without WRITEABLE
 */
enum amdgpu_svm_sim_fault {
	AMDGPU_SVM_SIM_OK,
	AMDGPU_SVM_SIM_NOT_PRESENT,
	AMDGPU_SVM_SIM_READ_ONLY,
};

struct amdgpu_svm_sim *amdgpu_svm_sim_create(struct kunit *test,
					     struct device *dev,
					     struct amdgpu_device *adev);
int amdgpu_svm_sim_vm_init(struct amdgpu_svm_sim *sim, struct amdgpu_vm *vm);

__printf(2, 3) void amdgpu_svm_sim_fail(struct amdgpu_svm_sim *sim,
					const char *fmt, ...);
void amdgpu_svm_sim_report(struct amdgpu_svm_sim *sim);

bool amdgpu_svm_sim_walk(struct amdgpu_svm_sim *sim, struct amdgpu_vm *vm,
			 u64 gpu_page, struct amdgpu_svm_sim_tlb_entry *out);
bool amdgpu_svm_sim_walk_locked(struct amdgpu_svm_sim *sim,
				struct amdgpu_vm *vm, u64 gpu_page,
				struct amdgpu_svm_sim_tlb_entry *out);
enum amdgpu_svm_sim_fault
amdgpu_svm_sim_access(struct amdgpu_svm_sim *sim, struct amdgpu_vm *vm,
		      u64 addr, void *buf, size_t len, bool write);
void amdgpu_svm_sim_tlb_flush(struct amdgpu_svm_sim *sim);
unsigned long amdgpu_svm_sim_count_valid(struct amdgpu_svm_sim *sim,
					 struct amdgpu_vm *vm);
struct page *amdgpu_svm_sim_vram_page(struct amdgpu_svm_sim *sim, u64 offset);
bool amdgpu_svm_sim_tlb_entry_at(struct amdgpu_svm_sim *sim, unsigned int i,
				 struct amdgpu_svm_sim_tlb_entry *out);

void amdgpu_svm_sim_queue_check(struct amdgpu_svm_sim *sim,
				struct amdgpu_vm *vm);
void amdgpu_svm_sim_queue_quiesce(struct amdgpu_svm_sim *sim,
				  struct amdgpu_vm *vm);
void amdgpu_svm_sim_queue_resume(struct amdgpu_svm_sim *sim);

#endif /* __AMDGPU_SVM_SIM_H__ */
