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
 *  - amdgpu_svm_sim_queue.c: the VM's queues below amdgpu's user-queue
 *    manager (in place of MES), running or stopped, and what XNACK off
 *    forbids while they run;
 *  - amdgpu_svm_sim_sdma.c: an SDMA v4 engine that executes the packets
 *    amdgpu's emitters wrote, and the GART it reaches system memory by.
 *
 * The suite amdgpu_svm_sim (amdgpu_svm_sim_test.c) tests the models
 * themselves.
 */

#ifndef __AMDGPU_SVM_SIM_H__
#define __AMDGPU_SVM_SIM_H__

#include <linux/list.h>
#include <linux/rwlock.h>
#include <linux/stackdepot.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <drm/gpu_scheduler.h>

#include "../amdgpu.h"

struct amdgpu_device;
struct amdgpu_vm;
struct kunit;
struct page;
struct pci_dev;

/*
 * VRAM of a device made without more: page tables and kernel buffers.
 * A test that migrates asks for more (amdgpu_svm_sim_create()); all of it
 * is managed by amdgpu's VRAM manager.
 */
#define AMDGPU_SVM_SIM_VRAM_SIZE	SZ_16M

/* The VRAM base in the GPU's physical address space (PDE/PTE addresses). */
#define AMDGPU_SVM_SIM_VRAM_BASE	0x100000000000ULL

/*
 * The XGMI segment of each node of a simulated hive: node n's VRAM is at
 * AMDGPU_SVM_SIM_VRAM_BASE + n * AMDGPU_SVM_SIM_XGMI_SEGMENT for every GPU
 * of the hive, as GMC v9 shifts vram_base_offset by
 * physical_node_id * node_segment_size.
 */
#define AMDGPU_SVM_SIM_XGMI_SEGMENT	SZ_64G

/*
 * The BAR of each simulated GPU: a window of bus addresses, above any RAM
 * of the guest, through which the CPU and PCIe peers reach all of its
 * VRAM (a large BAR). GPU n of those alive has the window at
 * AMDGPU_SVM_SIM_BAR_BASE + n * AMDGPU_SVM_SIM_BAR_SLOT.
 */
#define AMDGPU_SVM_SIM_BAR_BASE		BIT_ULL(46)
#define AMDGPU_SVM_SIM_BAR_SLOT		SZ_4G
#define AMDGPU_SVM_SIM_BAR_SLOTS	4096

/**
 * struct amdgpu_svm_sim_hive - where a simulated GPU sits: in an XGMI
 *	hive, behind a PCIe switch
 *
 * What the XGMI discovery would report (gfxhub_v1_1_get_xgmi_info()), and
 * what the PCI topology would tell amdgpu_device_is_peer_accessible().
 */
struct amdgpu_svm_sim_hive {
	/** @hive_id: the hive, 0 for a GPU in none */
	u64 hive_id;
	/** @node: the GPU's physical node id in the hive */
	unsigned int node;
	/** @nodes: GPUs in the hive */
	unsigned int nodes;
	/**
	 * @pcie: the PCI bus of the GPU's function: GPUs on one bus N > 0 sit
	 * behind one PCI-PCI bridge and reach each other's BAR over PCIe;
	 * 0 puts the GPU on the root bus, where it reaches no other's
	 */
	unsigned int pcie;
};

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
	/**
	 * @pasid: the PASID of the VM it was walked in: the hardware tags
	 * each translation with its VMID, and a flush by PASID drops only
	 * that VM's
	 */
	u32 pasid;
};

/* SDMA instances of the simulated GPU, each with its ring and thread. */
#define AMDGPU_SVM_SIM_SDMA_INSTANCES	2

struct amdgpu_svm_sim_sdma;

/**
 * struct amdgpu_svm_sim_sdma_engine - one SDMA instance: a ring it executes
 *
 * The state an instance keeps for itself; what the instances share (the
 * GART, the settings a test makes, the counters) is in &amdgpu_svm_sim_sdma.
 */
struct amdgpu_svm_sim_sdma_engine {
	/** @sdma: the SDMA block the instance belongs to */
	struct amdgpu_svm_sim_sdma *sdma;
	/** @ring: amdgpu's ring the instance serves */
	struct amdgpu_ring *ring;
	/** @ring_funcs: SDMA v4's ring table, set_wptr ringing the engine */
	struct amdgpu_ring_funcs ring_funcs;
	/** @hw_set_wptr: SDMA v4's own set_wptr */
	void (*hw_set_wptr)(struct amdgpu_ring *ring);
	/** @doorbell: the ring's doorbell slot (the write pointer in bytes) */
	u64 *doorbell;
	/** @wq: the instance's thread */
	struct workqueue_struct *wq;
	/** @work: executes the ring up to the doorbell's write pointer */
	struct work_struct work;
	/** @rptr: the read pointer, in dwords; the engine's own */
	u64 rptr;
	/** @job_error: the error the fence of the running job gets */
	int job_error;
	/**
	 * @timedout: the fence of a job of the ring that timed out; the
	 * instance resets before its next packet
	 */
	struct dma_fence *timedout;
	/** @held: test: this instance executes nothing until released */
	bool held;
	/** @inv_ack: the ack register of the ring's invalidation engine */
	u32 inv_ack;
	/** @inv_sem: the semaphore of the ring's invalidation engine */
	u32 inv_sem;
	/** @fences: FENCE packets this instance executed */
	atomic_t fences;
};

/**
 * struct amdgpu_svm_sim_sdma - the SDMA block of a simulated GPU
 *
 * The instances, and what they share: the GART they reach system memory
 * through, the settings a test makes (marked), and counters of what the
 * instances executed together.
 */
struct amdgpu_svm_sim_sdma {
	/** @sim: the device */
	struct amdgpu_svm_sim *sim;
	/** @engine: the instances; instance i serves amdgpu's SDMA ring i */
	struct amdgpu_svm_sim_sdma_engine engine[AMDGPU_SVM_SIM_SDMA_INSTANCES];
	/** @wait: where a held instance waits */
	wait_queue_head_t wait;
	/** @gart_table: VRAM offset of the GART table (the VMID-0 base) */
	u64 gart_table;
	/** @gart_lock: protects the GART TLB */
	spinlock_t gart_lock;
	/** @gart_tlb: GART translations, until a VMID-0 invalidation */
	struct {
		u64 page;
		u64 pte;
	} gart_tlb[32];
	/** @gart_used: valid entries in @gart_tlb */
	unsigned int gart_used;
	/** @gart_next: the entry the next translation replaces */
	unsigned int gart_next;

	/** @held: test: execute nothing until released (a hung job) */
	bool held;
	/** @packet_delay_us: test: sleep after each ring packet */
	unsigned int packet_delay_us;
	/** @fill_delay_ms: test: sleep before each CONST_FILL (a slow clear) */
	unsigned int fill_delay_ms;
	/** @fail_copy_at: test: the n-th data copy (from 1) fails */
	int fail_copy_at;
	/**
	 * @hang_copy_at: test: the n-th data copy (from 1) hangs, holding
	 * the instance that runs it, until the test releases it or its job
	 * times out
	 */
	int hang_copy_at;
	/**
	 * @copy_hook: test: sees each data copy (MC addresses) before it
	 * runs; a negative return fails it with that error
	 */
	int (*copy_hook)(struct amdgpu_svm_sim_sdma *sdma, u64 src, u64 dst,
			 u64 bytes);
	/** @copy_hook_data: for @copy_hook */
	void *copy_hook_data;

	/** @copies: COPY_LINEAR packets that copy data */
	atomic_t copies;
	/** @gart_updates: COPY_LINEAR packets into the GART table */
	atomic_t gart_updates;
	/** @resets: times a broken rule or a timeout made an engine start over */
	atomic_t resets;
	/** @timeouts: jobs amdgpu's scheduler timed out */
	atomic_t timeouts;
	/** @copy_bytes: bytes they copied */
	atomic64_t copy_bytes;
	/** @writes: WRITE_LINEAR packets */
	atomic_t writes;
	/** @qword_stores: 64-bit stores of WRITE_LINEAR and PTEPDE */
	atomic_t qword_stores;
	/** @ptepdes: PTEPDE packets */
	atomic_t ptepdes;
	/** @fills: CONST_FILL packets */
	atomic_t fills;
	/** @fences: FENCE packets */
	atomic_t fences;
	/** @traps: TRAP packets */
	atomic_t traps;
	/** @ibs: indirect buffers */
	atomic_t ibs;
	/** @nops: NOP packets */
	atomic_t nops;
	/** @polls: POLL_REGMEM packets */
	atomic_t polls;
	/** @hdp_flushes: HDP flushes among them */
	atomic_t hdp_flushes;
	/** @gart_hits: GART translations served by the GART TLB */
	atomic_t gart_hits;
	/** @gart_walks: GART entries read from the table */
	atomic_t gart_walks;
	/** @gart_flushes: GART TLB invalidations */
	atomic_t gart_flushes;
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
	/** @hive: the XGMI hive the GPU is in, if any */
	struct amdgpu_svm_sim_hive hive;
	/** @pdev: the PCI function of the test machine the GPU sits on */
	struct pci_dev *pdev;
	/** @dev: the GPU's device, moved under @pdev while the GPU lives */
	struct device *dev;
	/** @dev_parent: where @dev was registered, and returns to */
	struct device *dev_parent;
	/** @pci_link: in the list of GPUs on a PCI function */
	struct list_head pci_link;
	/** @vram_size: bytes of VRAM, from offset 0 */
	u64 vram_size;
	/** @vram_pages: the backing page of each VRAM page */
	struct page **vram_pages;
	/** @aperture: CPU mapping of @vram_pages: the large-BAR aperture */
	void *aperture;
	/** @gmc_funcs: GMC v9's table, with the TLB flushes aimed at the MMU */
	struct amdgpu_gmc_funcs gmc_funcs;
	/** @gmc_block: the GMC v9 IP block, for its early_init */
	struct amdgpu_ip_block gmc_block;
	/** @sdma: the SDMA block */
	struct amdgpu_svm_sim_sdma sdma;
	/**
	 * @sched_ops: amdgpu's scheduler functions for the SDMA rings, a
	 * timed-out job going through amdgpu_svm_sim_sdma_timedout()
	 */
	struct drm_sched_backend_ops sched_ops;
	/** @doorbells: the kernel doorbell page */
	u64 doorbells[8];
	/**
	 * @vram_mgr_func: amdgpu's VRAM manager functions, wrapped so that
	 * the model knows which VRAM a resource holds
	 */
	struct ttm_resource_manager_func vram_mgr_func;
	/** @vram_mgr: amdgpu's own VRAM manager functions */
	const struct ttm_resource_manager_func *vram_mgr;
	/**
	 * @vram_lock: protects @vram_live, @vram_user, @vram_dying,
	 * @vram_ticket and @vram_tickets; any context
	 */
	spinlock_t vram_lock;
	/** @vram_live: bitmap of the VRAM pages a TTM resource holds */
	unsigned long *vram_live;
	/** @vram_user: bitmap of those held for user (device-type) buffers */
	unsigned long *vram_user;
	/**
	 * @vram_dying: bitmap of VRAM pages TTM freed while a pipelined
	 * eviction still copies them out: live until its fence signals
	 */
	unsigned long *vram_dying;
	/** @vram_ticket: per page, the ticket of its last deferred free */
	u32 *vram_ticket;
	/** @vram_tickets: the last ticket given; under @vram_lock */
	u32 vram_tickets;
	/** @vram_dying_records: deferred frees whose fences are pending */
	atomic_t vram_dying_records;
	/**
	 * @vram_freed_by: per page, where its last TTM resource was freed
	 * (a stack depot handle, 0 if never), for the report of an access
	 * to freed VRAM
	 */
	depot_stack_handle_t *vram_freed_by;
	/**
	 * @vram_fail_at: the n-th VRAM allocation for a user buffer fails
	 * in the manager with -ENOMEM, as its bookkeeping's kmalloc can
	 * (0: none)
	 */
	int vram_fail_at;
	/** @vram_user_allocs: VRAM allocations asked for user buffers */
	atomic_t vram_user_allocs;
	/**
	 * @pt_fail_at: the n-th VRAM placement of a page table of @vm (a
	 * new table, or one validated back) fails in the manager with
	 * -ENOMEM, and the page-table update that needed it with it (0: none)
	 */
	int pt_fail_at;
	/** @pt_allocs: VRAM placements asked for page tables of @vm */
	atomic_t pt_allocs;
	/** @vram_user_frees: VRAM resources of user buffers freed */
	atomic_t vram_user_frees;
	/** @vram_user_pages: VRAM pages user buffers hold */
	atomic_long_t vram_user_pages;

	/** @access_lock: a GPU access holds it for read, a TLB flush for write */
	rwlock_t access_lock;
	/**
	 * @dma_maps: live DMA mappings of the device per page frame of the
	 * DMA address, as counts (xa_mk_value()): without an IOMMU two
	 * mappings of one page share an address, and the address is given up
	 * only with the last
	 */
	struct xarray dma_maps;
	/**
	 * @dma_untracked: a mapping could not be counted (no memory without
	 * reclaim): an access is no longer checked against @dma_maps
	 */
	bool dma_untracked;
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
	/** @pasid_flushes: PASID flushes the driver asked for, per XCC */
	atomic_t pasid_flushes[8];
	/** @heavy_flushes: those of the heavy-weight type */
	atomic_t heavy_flushes;
	/** @xgmi_accesses: accesses that reached a hive peer's VRAM */
	atomic_t xgmi_accesses;
	/** @bar_accesses: accesses that reached a PCIe peer's VRAM */
	atomic_t bar_accesses;
	/** @bar_slot: which window of bus addresses is this GPU's BAR */
	int bar_slot;
	/** @tlb_hits: accesses served by the TLB without a walk */
	atomic_t tlb_hits;
	/** @walks: page walks */
	atomic_t walks;
	/** @vm: the VM whose queues run on the device (for the queue rules) */
	struct amdgpu_vm *vm;
	/**
	 * @queues_quiesced: the queues are stopped (they are until amdgpu's
	 * user-queue manager maps one); under @access_lock
	 */
	bool queues_quiesced;
	/**
	 * @accesses_wait: test: a GPU access while the queues are stopped is
	 * one a stopped queue has not issued yet (%AMDGPU_SVM_SIM_STOPPED),
	 * not a broken rule: several threads access the GPU while others
	 * stop its queues
	 */
	bool accesses_wait;
	/**
	 * @userq_fence_ctx: the fence context of the user queues' eviction
	 * fences, or 0; amdgpu_svm_sim_vm_settle() does not wait for them
	 */
	u64 userq_fence_ctx;
	/** @queue_stops: unmaps and preemptions by the user-queue manager */
	atomic_t queue_stops;
	/** @queue_starts: maps and restores by the user-queue manager */
	atomic_t queue_starts;
	/** @fail_lock: protects @fail_msg */
	spinlock_t fail_lock;
	/** @fail_msg: the first broken rule not reported yet, or "" */
	char fail_msg[256];
};

/**
 * enum amdgpu_svm_sim_fault - why the MMU refused an access
 * @AMDGPU_SVM_SIM_OK: translated
 * @AMDGPU_SVM_SIM_NOT_PRESENT: no valid PTE (a page fault)
 * @AMDGPU_SVM_SIM_READ_ONLY: a write through a PTE without WRITEABLE
 * @AMDGPU_SVM_SIM_NO_RETRY: a PTE that forces a no-retry fault: fatal,
 *	the hardware does not ask the driver again
 * @AMDGPU_SVM_SIM_STOPPED: not issued: the queues are stopped (only with
 *	&amdgpu_svm_sim.accesses_wait)
 */
enum amdgpu_svm_sim_fault {
	AMDGPU_SVM_SIM_OK,
	AMDGPU_SVM_SIM_NOT_PRESENT,
	AMDGPU_SVM_SIM_READ_ONLY,
	AMDGPU_SVM_SIM_NO_RETRY,
	AMDGPU_SVM_SIM_STOPPED,
};

extern bool amdgpu_svm_sim_pt_sdma;

struct amdgpu_svm_sim *amdgpu_svm_sim_create(struct kunit *test,
					     struct device *dev,
					     struct amdgpu_device *adev,
					     u64 vram_size,
					     const struct amdgpu_svm_sim_hive *hive);
struct page *amdgpu_svm_sim_hive_vram_page(struct amdgpu_svm_sim *sim,
					   u64 addr);
struct page *amdgpu_svm_sim_bar_vram_page(struct amdgpu_svm_sim *sim, u64 addr,
					  bool *in_bar);
int amdgpu_svm_sim_vm_init(struct amdgpu_svm_sim *sim, struct amdgpu_vm *vm);
void amdgpu_svm_sim_vm_settle(struct amdgpu_vm *vm);

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
void amdgpu_svm_sim_tlb_flush_pasid(struct amdgpu_svm_sim *sim, u32 pasid);
int amdgpu_svm_sim_dma_watch(struct amdgpu_svm_sim *sim);
void amdgpu_svm_sim_dma_unwatch(struct amdgpu_svm_sim *sim);
unsigned long amdgpu_svm_sim_count_valid(struct amdgpu_svm_sim *sim,
					 struct amdgpu_vm *vm);
struct page *amdgpu_svm_sim_system_page(u64 addr);
bool amdgpu_svm_sim_dma_stale(struct amdgpu_svm_sim *sim, u64 addr);
bool amdgpu_svm_sim_dma_mapped(struct amdgpu_svm_sim *sim, u64 addr);
struct page *amdgpu_svm_sim_vram_page(struct amdgpu_svm_sim *sim, u64 offset);
void amdgpu_svm_sim_vram_print_free(struct amdgpu_svm_sim *sim, u64 offset);
bool amdgpu_svm_sim_tlb_entry_at(struct amdgpu_svm_sim *sim, unsigned int i,
				 struct amdgpu_svm_sim_tlb_entry *out);

int amdgpu_svm_sim_sdma_init(struct amdgpu_svm_sim_sdma *sdma,
			     unsigned int inst, struct amdgpu_ring *ring,
			     const struct amdgpu_ring_funcs *hw, u64 *doorbell);
void amdgpu_svm_sim_sdma_fini(struct amdgpu_svm_sim_sdma *sdma);
void amdgpu_svm_sim_sdma_hold(struct amdgpu_svm_sim_sdma *sdma, bool hold);
void amdgpu_svm_sim_sdma_hold_instance(struct amdgpu_svm_sim_sdma *sdma,
				       unsigned int inst, bool hold);
int amdgpu_svm_sim_sdma_held_instance(struct amdgpu_svm_sim_sdma *sdma);
void amdgpu_svm_sim_sdma_idle(struct amdgpu_svm_sim_sdma *sdma);
void amdgpu_svm_sim_gart_flush(struct amdgpu_svm_sim_sdma *sdma);
void amdgpu_svm_sim_sdma_timeout(struct amdgpu_svm_sim_sdma *sdma,
				 unsigned int ms);
enum drm_gpu_sched_stat amdgpu_svm_sim_sdma_timedout(struct drm_sched_job *job);

void amdgpu_svm_sim_queue_check(struct amdgpu_svm_sim *sim,
				struct amdgpu_vm *vm);
void amdgpu_svm_sim_queue_quiesce(struct amdgpu_svm_sim *sim,
				  struct amdgpu_vm *vm);
void amdgpu_svm_sim_queue_resume(struct amdgpu_svm_sim *sim);
struct amdgpu_svm_sim *amdgpu_svm_sim_of(struct amdgpu_device *adev);

extern const struct amdgpu_userq_funcs amdgpu_svm_sim_userq_funcs;

#endif /* __AMDGPU_SVM_SIM_H__ */
