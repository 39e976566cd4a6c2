// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulated GPU, part "SDMA": two SDMA v4 instances that execute the
 * packets amdgpu's own emitters wrote, and the GART they reach system
 * memory through.
 *
 * What it models: the ring of each instance is amdgpu's own
 * (amdgpu_ring_init, amdgpu's fence driver, its scheduler with amdgpu's
 * scheduler functions, the SDMA v4 ring, buffer and vm-pte function
 * tables). The one hardware event the driver raises, the doorbell write in
 * set_wptr, kicks the instance, which on its own thread fetches the ring
 * from its GPU address (through GART, as the hardware does) up to the
 * write pointer the doorbell carries, and executes: NOP, INDIRECT_BUFFER
 * (VMID 0), COPY_LINEAR, WRITE_LINEAR, PTEPDE, CONST_FILL, FENCE, TRAP
 * (amdgpu_fence_process(), what the trap interrupt handler calls),
 * POLL_REGMEM on memory and on the registers the driver polls (HDP flush,
 * the VM invalidation engine's ack and semaphore), SRBM_WRITE to the
 * invalidation engine (a request for VMID 0 flushes the GART TLB). The
 * read pointer is written back to its write-back slot. The instances run
 * side by side: amdgpu's TTM spreads its clear and move entities over
 * both, so jobs of different entities are ordered only by their fences.
 *
 * Memory: an MC address in the GART aperture is translated through the
 * real GART table (in simulated VRAM, where amdgpu_gart_map() wrote it),
 * with a GART TLB (the hub's, shared by the instances) that only a VMID-0
 * invalidation empties; a GART entry without the SYSTEM bit reaches this
 * GPU's VRAM or, at another node's segment, a hive peer's (counted as an
 * XGMI access); an MC address in the VRAM aperture reaches simulated
 * VRAM. Every access checks what it reaches as the MMU model
 * does: a system page with a reference, a VRAM page of a live allocation,
 * a valid GART entry with the permission asked.
 *
 * Timing and failures a test sets: the engine can be held (a hung job,
 * until the test releases it or the job times out), each packet delayed,
 * each CONST_FILL delayed (a slow clear), the n-th COPY_LINEAR made to
 * hang (the instance that runs it; the other goes on), or to fail, or any
 * a test's copy hook refuses: its destination is filled with poison and
 * the fence of its job carries the error when it signals. A COPY_LINEAR
 * into the GART table (a GART window being pointed at system pages) is
 * counted apart from the data copies.
 *
 * Timeouts: a test gives the rings' schedulers a job timeout. A job that
 * exceeds it goes to amdgpu's own handler, amdgpu_job_timedout(), which
 * reports it and, the test kernel booting with amdgpu.gpu_recovery=0,
 * starts no recovery: the full GPU reset re-initialises every IP block,
 * which the simulated device does not have. The model then does to the
 * hung ring what that reset does (see sdma_reset()).
 *
 * What it leaves out: the page queue, VMIDs other than 0 for indirect
 * buffers, TMZ, timestamps, conditional execution, and the rest of a GPU
 * reset (the other rings, VRAM loss, the entities amdgpu makes anew).
 *
 * How it fails: an unknown packet, a GART fault, an address outside GART
 * and VRAM, a poll that can never be satisfied, a write to read-only
 * memory: each fails the test (reported by the worker once it holds no
 * lock). Then the instance is reset as after a timeout: every job in
 * flight is cancelled (its fence signals with -ECANCELED) and the ring
 * starts over empty, so that the test ends.
 */

#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/workqueue.h>

#include <kunit/test.h>

#include "../amdgpu.h"
#include "../amdgpu_ring.h"
#include "../vega10_sdma_pkt_open.h"
#include "amdgpu_svm_sim.h"

/*
 * The IH's VMID-to-PASID table of the MM hub (the IH VMID LUT MM register
 * of osssys_4_0_offset.h, segment 0): 16 registers, one per VMID.
 */
#define SDMA_IH_VMID_LUT_MM	0x0010

#define SDMA_HDR_OP(h)		((h) & 0xff)
#define SDMA_HDR_SUBOP(h)	(((h) >> 8) & 0xff)
/* What a failed copy leaves in its destination (as slab poison). */
#define SDMA_POISON		0x6b

struct sdma_stream {
	/* GPU address of the dword stream (ring base or IB start) */
	u64 base;
	/* position in dwords, and the mask that wraps it (ring only) */
	u64 pos;
	u64 mask;
	/* end of an IB in dwords; U64_MAX for the ring */
	u64 end;
};

static void sdma_stop(struct amdgpu_svm_sim_sdma *sdma, const char *why,
		      u64 what)
{
	amdgpu_svm_sim_fail(sdma->sim, "SDMA: %s (%llx)", why, what);
}

/**
 * amdgpu_svm_sim_gart_flush() - empty the GART TLB
 * @sdma: the engine
 *
 * What a VMID-0 invalidation does, from a register write of the CPU
 * (amdgpu_gart_invalidate_tlb()) or from the ring.
 *
 * Context: any.
 */
void amdgpu_svm_sim_gart_flush(struct amdgpu_svm_sim_sdma *sdma)
{
	spin_lock(&sdma->gart_lock);
	sdma->gart_used = 0;
	sdma->gart_next = 0;
	spin_unlock(&sdma->gart_lock);
	atomic_inc(&sdma->gart_flushes);
}

/* Read a GART PTE from the table in simulated VRAM, through the TLB. */
static bool sdma_gart_pte(struct amdgpu_svm_sim_sdma *sdma, u64 gart_page,
			  u64 *pte)
{
	struct amdgpu_svm_sim *sim = sdma->sim;
	struct page *page;
	unsigned int i;
	u64 off;
	void *va;

	spin_lock(&sdma->gart_lock);
	for (i = 0; i < sdma->gart_used; i++) {
		if (sdma->gart_tlb[i].page == gart_page) {
			*pte = sdma->gart_tlb[i].pte;
			spin_unlock(&sdma->gart_lock);
			atomic_inc(&sdma->gart_hits);
			return true;
		}
	}
	spin_unlock(&sdma->gart_lock);

	/* The table base the hub was given (VM_CONTEXT0_PAGE_TABLE_BASE). */
	off = sdma->gart_table + gart_page * 8;
	page = amdgpu_svm_sim_vram_page(sim, off);
	if (!page)
		return false;
	va = kmap_local_page(page);
	*pte = READ_ONCE(*(u64 *)(va + offset_in_page(off)));
	kunmap_local(va);
	atomic_inc(&sdma->gart_walks);

	spin_lock(&sdma->gart_lock);
	i = sdma->gart_next;
	sdma->gart_tlb[i].page = gart_page;
	sdma->gart_tlb[i].pte = *pte;
	sdma->gart_next = (i + 1) % ARRAY_SIZE(sdma->gart_tlb);
	if (sdma->gart_used < ARRAY_SIZE(sdma->gart_tlb))
		sdma->gart_used++;
	spin_unlock(&sdma->gart_lock);
	return true;
}

/*
 * The page an MC address reaches, checked as the MMU model checks a GPU
 * access. Returns NULL after reporting.
 */
static struct page *sdma_page(struct amdgpu_svm_sim_sdma *sdma, u64 mc,
			      bool write)
{
	struct amdgpu_svm_sim *sim = sdma->sim;
	struct amdgpu_device *adev = sim->adev;
	struct page *page;
	u64 addr, pte, offset;
	bool in_bar;

	if (mc >= adev->gmc.gart_start && mc <= adev->gmc.gart_end) {
		u64 gart_page = (mc - adev->gmc.gart_start) >> AMDGPU_GPU_PAGE_SHIFT;

		if (!sdma_gart_pte(sdma, gart_page, &pte) ||
		    !(pte & AMDGPU_PTE_VALID)) {
			sdma_stop(sdma, "GART fault: no valid entry for", mc);
			return NULL;
		}
		if (!(pte & (write ? AMDGPU_PTE_WRITEABLE : AMDGPU_PTE_READABLE))) {
			sdma_stop(sdma, write ? "GART entry not writeable" :
				  "GART entry not readable", mc);
			return NULL;
		}
		addr = (pte & adev->gmc.pte_addr_mask) + offset_in_page(mc);
		if (!(pte & AMDGPU_PTE_SYSTEM)) {
			/* This GPU's VRAM, or over XGMI a hive peer's. */
			offset = addr - adev->vm_manager.vram_base_offset;
			if (offset < sim->vram_size) {
				page = amdgpu_svm_sim_vram_page(sim, offset);
				goto check_vram;
			}
			page = amdgpu_svm_sim_hive_vram_page(sim, addr);
			if (!page)
				sdma_stop(sdma, write ?
					  "wrote to freed or absent VRAM of a peer through GART" :
					  "read freed or absent VRAM of a peer through GART",
					  mc);
			return page;
		}
		/* A PCIe peer's BAR, or system memory. */
		page = amdgpu_svm_sim_bar_vram_page(sim, addr, &in_bar);
		if (!in_bar)
			page = amdgpu_svm_sim_system_page(addr);
		if (!page) {
			sdma_stop(sdma, in_bar ?
				  "reached freed VRAM, or a BAR it has no route to, through GART" :
				  "reached a freed page through GART", mc);
		} else if (in_bar && !amdgpu_svm_sim_dma_mapped(sim, addr)) {
			sdma_stop(sdma,
				  "reached a BAR address not DMA-mapped for it through GART",
				  mc);
			page = NULL;
		} else if (amdgpu_svm_sim_dma_stale(sim, addr)) {
			sdma_stop(sdma, "reached a page unmapped for the device through GART",
				  mc);
			page = NULL;
		}
		return page;
	}
	if (mc >= adev->gmc.vram_start &&
	    mc - adev->gmc.vram_start < adev->gmc.real_vram_size) {
		offset = mc - adev->gmc.vram_start;
		page = amdgpu_svm_sim_vram_page(sim, offset);
		goto check_vram;
	}
	sdma_stop(sdma, "address outside GART and VRAM", mc);
	return NULL;

check_vram:
	if (!page) {
		sdma_stop(sdma, write ? "wrote to freed VRAM" :
			  "read freed VRAM", mc);
		amdgpu_svm_sim_vram_print_free(sim, offset);
	}
	return page;
}

/* Move @len bytes at an MC address, within one page, in or out. */
/*
 * Move @len bytes between memory and @buf. The engine writes memory a
 * naturally aligned quadword at a time, as the hardware does: the GPU's
 * page walker, which reads an entry while SDMA rewrites it, sees the old
 * or the new entry, never half of each (amdgpu's page-table updates rely
 * on it; memcpy() gives no such promise, and under emulation copies bytes).
 */
static void sdma_move(void *dst, const void *src, size_t len)
{
	size_t i;

	if (IS_ALIGNED((unsigned long)dst | (unsigned long)src | len, 8)) {
		for (i = 0; i < len / 8; i++)
			WRITE_ONCE(((u64 *)dst)[i], READ_ONCE(((const u64 *)src)[i]));
		return;
	}
	if (IS_ALIGNED((unsigned long)dst | (unsigned long)src | len, 4)) {
		for (i = 0; i < len / 4; i++)
			WRITE_ONCE(((u32 *)dst)[i], READ_ONCE(((const u32 *)src)[i]));
		return;
	}
	memcpy(dst, src, len);
}

static bool sdma_mem(struct amdgpu_svm_sim_sdma *sdma, u64 mc, void *buf,
		     size_t len, bool write)
{
	struct page *page = sdma_page(sdma, mc, write);
	void *va;

	if (!page)
		return false;
	va = kmap_local_page(page);
	if (write)
		sdma_move(va + offset_in_page(mc), buf, len);
	else
		sdma_move(buf, va + offset_in_page(mc), len);
	kunmap_local(va);
	return true;
}

static bool sdma_read32(struct amdgpu_svm_sim_sdma *sdma, u64 mc, u32 *v)
{
	return sdma_mem(sdma, mc, v, sizeof(*v), false);
}

static bool sdma_write32(struct amdgpu_svm_sim_sdma *sdma, u64 mc, u32 v)
{
	return sdma_mem(sdma, mc, &v, sizeof(v), true);
}

static bool sdma_write64(struct amdgpu_svm_sim_sdma *sdma, u64 mc, u64 v)
{
	atomic_inc(&sdma->qword_stores);
	/* PTEs are 8-byte aligned: never across a page. */
	return sdma_mem(sdma, mc, &v, sizeof(v), true);
}

/* Fetch the next dword of a command stream. */
static bool sdma_fetch(struct amdgpu_svm_sim_sdma *sdma, struct sdma_stream *s,
		       u32 *dw)
{
	if (s->pos >= s->end) {
		sdma_stop(sdma, "packet runs past the end of its IB", s->pos);
		return false;
	}
	if (!sdma_read32(sdma, s->base + (s->pos & s->mask) * 4, dw))
		return false;
	s->pos++;
	return true;
}

static bool sdma_fetch_n(struct amdgpu_svm_sim_sdma *sdma,
			 struct sdma_stream *s, u32 *dw, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!sdma_fetch(sdma, s, &dw[i]))
			return false;
	return true;
}

/* Copy @bytes from @src to @dst, page by page of either side. */
static bool sdma_copy(struct amdgpu_svm_sim_sdma *sdma, u64 src, u64 dst,
		      u64 bytes, bool poison)
{
	while (bytes) {
		size_t n = min3(bytes, PAGE_SIZE - offset_in_page(src),
				PAGE_SIZE - offset_in_page(dst));
		struct page *s = sdma_page(sdma, src, false);
		struct page *d = s ? sdma_page(sdma, dst, true) : NULL;
		void *sv, *dv;

		if (!d)
			return false;
		dv = kmap_local_page(d);
		if (poison) {
			memset(dv + offset_in_page(dst), SDMA_POISON, n);
		} else {
			sv = kmap_local_page(s);
			sdma_move(dv + offset_in_page(dst), sv + offset_in_page(src),
				  n);
			kunmap_local(sv);
		}
		kunmap_local(dv);
		src += n;
		dst += n;
		bytes -= n;
	}
	return true;
}

/* A held instance goes on when the test releases it or its job timed out. */
static bool sdma_released(struct amdgpu_svm_sim_sdma_engine *e)
{
	return !(READ_ONCE(e->sdma->held) || READ_ONCE(e->held)) ||
	       READ_ONCE(e->timedout);
}

/* Is @mc inside the GART table (in VRAM)? */
static bool sdma_in_gart_table(struct amdgpu_svm_sim_sdma *sdma, u64 mc)
{
	struct amdgpu_device *adev = sdma->sim->adev;
	u64 start = adev->gmc.vram_start + sdma->gart_table;

	return mc >= start && mc < start + adev->gart.table_size;
}

/* COPY_LINEAR: a data copy, or a GART window being written. */
static bool sdma_copy_packet(struct amdgpu_svm_sim_sdma_engine *e, u64 src,
			     u64 dst, u64 bytes)
{
	struct amdgpu_svm_sim_sdma *sdma = e->sdma;
	int (*hook)(struct amdgpu_svm_sim_sdma *sdma, u64 src, u64 dst,
		    u64 bytes) = READ_ONCE(sdma->copy_hook);
	int error = 0, n;

	if (sdma_in_gart_table(sdma, dst)) {
		atomic_inc(&sdma->gart_updates);
		return sdma_copy(sdma, src, dst, bytes, false);
	}
	n = atomic_inc_return(&sdma->copies);
	if (n == READ_ONCE(sdma->fail_copy_at))
		error = -EIO;
	if (n == READ_ONCE(sdma->hang_copy_at)) {
		/*
		 * Hung: this instance, released by the test or abandoned by
		 * a reset; the other instance goes on with its own ring.
		 */
		WRITE_ONCE(e->held, true);
		wait_event(sdma->wait, sdma_released(e));
		if (READ_ONCE(e->timedout))
			return false;
	}
	atomic64_add(bytes, &sdma->copy_bytes);
	if (!error && hook)
		error = hook(sdma, src, dst, bytes);
	if (error)
		e->job_error = error;
	return sdma_copy(sdma, src, dst, bytes, error != 0);
}

static bool sdma_fill(struct amdgpu_svm_sim_sdma *sdma, u64 dst, u32 data,
		      u64 bytes)
{
	while (bytes) {
		size_t n = min_t(u64, bytes, PAGE_SIZE - offset_in_page(dst));
		struct page *d = sdma_page(sdma, dst, true);
		u32 *dv;
		size_t i;

		if (!d)
			return false;
		dv = kmap_local_page(d);
		for (i = 0; i < n / 4; i++)
			WRITE_ONCE(dv[offset_in_page(dst) / 4 + i], data);
		kunmap_local(dv);
		dst += n;
		bytes -= n;
	}
	return true;
}

/*
 * The registers the engine may be told to write or poll, as dword
 * offsets: the VM invalidation engine of the ring's hub (request, ack,
 * semaphore) and the HDP flush pair.
 */
static bool sdma_reg_write(struct amdgpu_svm_sim_sdma_engine *e, u32 reg,
			   u32 val)
{
	struct amdgpu_svm_sim_sdma *sdma = e->sdma;
	struct amdgpu_device *adev = sdma->sim->adev;
	struct amdgpu_ring *ring = e->ring;
	struct amdgpu_vmhub *hub = &adev->vmhub[ring->vm_hub];
	u32 eng = hub->eng_distance * ring->vm_inv_eng;
	u32 lut;

	if (reg == hub->vm_inv_eng0_req + eng) {
		/* Bits 0..15: the VMIDs to invalidate; VMID 0 is GART. */
		if (val & 1)
			amdgpu_svm_sim_gart_flush(sdma);
		if (val & 0xfffe)
			amdgpu_svm_sim_tlb_flush(sdma->sim);
		e->inv_ack = val & 0xffff;
		return true;
	}
	if (reg == hub->vm_inv_eng0_sem + eng) {
		/* Writing 0 releases the semaphore acquired by a poll. */
		e->inv_sem = val & 1;
		return true;
	}
	if (reg == hub->ctx0_ptb_addr_lo32 || reg == hub->ctx0_ptb_addr_hi32) {
		/* The VMID-0 page-table base: the GART table, unchanged. */
		return true;
	}
	lut = adev->reg_offset[OSSSYS_HWIP][0][0] + SDMA_IH_VMID_LUT_MM;
	if (reg >= lut && reg < lut + 16) {
		/* The PASID of a VMID, for the interrupt handler: not modelled. */
		return true;
	}
	sdma_stop(sdma, "SRBM_WRITE to a register the model does not know", reg);
	return false;
}

static bool sdma_reg_read(struct amdgpu_svm_sim_sdma_engine *e, u32 reg,
			  u32 *val)
{
	struct amdgpu_svm_sim_sdma *sdma = e->sdma;
	struct amdgpu_device *adev = sdma->sim->adev;
	struct amdgpu_ring *ring = e->ring;
	struct amdgpu_vmhub *hub = &adev->vmhub[ring->vm_hub];
	u32 eng = hub->eng_distance * ring->vm_inv_eng;

	if (reg == hub->vm_inv_eng0_ack + eng) {
		*val = e->inv_ack;
		return true;
	}
	if (reg == hub->vm_inv_eng0_sem + eng) {
		/* Reading acquires the semaphore: the engine is alone. */
		e->inv_sem = 1;
		*val = 1;
		return true;
	}
	sdma_stop(sdma, "POLL_REGMEM on a register the model does not know",
		  reg);
	return false;
}

static bool sdma_poll(struct amdgpu_svm_sim_sdma_engine *e, u32 hdr,
		      const u32 *dw)
{
	struct amdgpu_svm_sim_sdma *sdma = e->sdma;
	struct amdgpu_device *adev = sdma->sim->adev;
	bool mem = (hdr >> SDMA_PKT_POLL_REGMEM_HEADER_mem_poll_shift) & 1;
	bool hdp = (hdr >> SDMA_PKT_POLL_REGMEM_HEADER_hdp_flush_shift) & 1;
	u32 func = (hdr >> SDMA_PKT_POLL_REGMEM_HEADER_func_shift) & 7;
	u32 ref = dw[2], mask = dw[3], val;

	atomic_inc(&sdma->polls);
	if (func != 3) {
		sdma_stop(sdma, "POLL_REGMEM with a compare other than ==", func);
		return false;
	}
	if (hdp) {
		/* Write the request, wait for done: the model's HDP is coherent. */
		if (dw[0] >> 2 != adev->nbio.funcs->get_hdp_flush_done_offset(adev) ||
		    dw[1] >> 2 != adev->nbio.funcs->get_hdp_flush_req_offset(adev)) {
			sdma_stop(sdma, "HDP flush with unknown registers", dw[0]);
			return false;
		}
		atomic_inc(&sdma->hdp_flushes);
		return true;
	}
	if (mem) {
		u64 addr = dw[0] | (u64)dw[1] << 32;

		/*
		 * The engine executes in order: what it waits for in memory
		 * (its own earlier fence) is written already, or never is.
		 */
		if (!sdma_read32(sdma, addr, &val))
			return false;
	} else if (!sdma_reg_read(e, dw[0] >> 2, &val)) {
		return false;
	}
	if ((val & mask) != ref) {
		sdma_stop(sdma, "POLL_REGMEM that can never be satisfied", val);
		return false;
	}
	return true;
}

/* The fence with @seq of the ring gets @error before it signals. */
static void sdma_fence_error(struct amdgpu_svm_sim_sdma_engine *e, u32 seq,
			     int error)
{
	struct amdgpu_fence_driver *drv = &e->ring->fence_drv;
	struct dma_fence *fence;
	unsigned long flags;

	spin_lock_irqsave(&drv->lock, flags);
	/* The slots change under the driver's lock, which is held. */
	fence = drv->fences[seq & drv->num_fences_mask];
	if (fence && !dma_fence_is_signaled_locked(fence))
		dma_fence_set_error(fence, error);
	spin_unlock_irqrestore(&drv->lock, flags);
}

static bool sdma_exec(struct amdgpu_svm_sim_sdma_engine *e,
		      struct sdma_stream *s, bool in_ib);

static bool sdma_packet(struct amdgpu_svm_sim_sdma_engine *e,
			struct sdma_stream *s, u32 hdr, bool in_ib)
{
	struct amdgpu_svm_sim_sdma *sdma = e->sdma;
	u32 dw[10];
	u64 a, b;
	unsigned int i;

	switch (SDMA_HDR_OP(hdr)) {
	case SDMA_OP_NOP:
		/* A burst NOP carries the count of dwords it covers. */
		for (i = 0; i < ((hdr >> SDMA_PKT_NOP_HEADER_count_shift) &
				 SDMA_PKT_NOP_HEADER_count_mask); i++)
			if (!sdma_fetch(sdma, s, &dw[0]))
				return false;
		atomic_inc(&sdma->nops);
		return true;
	case SDMA_OP_COPY:
		if (SDMA_HDR_SUBOP(hdr) != SDMA_SUBOP_COPY_LINEAR ||
		    !sdma_fetch_n(sdma, s, dw, 6))
			break;
		a = dw[2] | (u64)dw[3] << 32;
		b = dw[4] | (u64)dw[5] << 32;
		return sdma_copy_packet(e, a, b, (u64)dw[0] + 1);
	case SDMA_OP_WRITE:
		if (SDMA_HDR_SUBOP(hdr) != SDMA_SUBOP_WRITE_LINEAR ||
		    !sdma_fetch_n(sdma, s, dw, 3))
			break;
		a = dw[0] | (u64)dw[1] << 32;
		atomic_inc(&sdma->writes);
		/* Whole aligned quadwords at once: PTEs come this way too. */
		for (i = 0; i <= dw[2]; i++) {
			u32 v[2];

			if (!sdma_fetch(sdma, s, &v[0]))
				return false;
			if (IS_ALIGNED(a + i * 4, 8) && i < dw[2]) {
				if (!sdma_fetch(sdma, s, &v[1]) ||
				    !sdma_write64(sdma, a + i * 4,
						  v[0] | (u64)v[1] << 32))
					return false;
				i++;
			} else if (!sdma_write32(sdma, a + i * 4, v[0])) {
				return false;
			}
		}
		return true;
	case SDMA_OP_PTEPDE:
		if (!sdma_fetch_n(sdma, s, dw, 9))
			return false;
		a = dw[0] | (u64)dw[1] << 32;
		b = dw[4] | (u64)dw[5] << 32;
		atomic_inc(&sdma->ptepdes);
		/* PTE i = (value + i * increment) | mask, count + 1 of them. */
		for (i = 0; i <= dw[8]; i++)
			if (!sdma_write64(sdma, a + i * 8,
					  (b + (u64)i * dw[6]) |
					  (dw[2] | (u64)dw[3] << 32)))
				return false;
		return true;
	case SDMA_OP_CONST_FILL:
		if (!sdma_fetch_n(sdma, s, dw, 4))
			return false;
		/*
		 * amdgpu's emitters leave the fill size 0 and count bytes of
		 * a repeated 32-bit pattern; a count that is not whole dwords
		 * is not something they write.
		 */
		if ((hdr >> SDMA_PKT_CONSTANT_FILL_HEADER_fillsize_shift) == 1 ||
		    (dw[3] + 1) % 4 || dw[0] % 4) {
			sdma_stop(sdma, "CONST_FILL not of whole dwords", hdr);
			return false;
		}
		atomic_inc(&sdma->fills);
		if (READ_ONCE(sdma->fill_delay_ms))
			msleep(READ_ONCE(sdma->fill_delay_ms));
		return sdma_fill(sdma, dw[0] | (u64)dw[1] << 32, dw[2],
				 (u64)dw[3] + 1);
	case SDMA_OP_POLL_REGMEM:
		return sdma_fetch_n(sdma, s, dw, 5) && sdma_poll(e, hdr, dw);
	case SDMA_OP_SRBM_WRITE:
		return sdma_fetch_n(sdma, s, dw, 2) &&
		       sdma_reg_write(e, dw[0], dw[1]);
	case SDMA_OP_FENCE:
		if (!sdma_fetch_n(sdma, s, dw, 3))
			return false;
		a = dw[0] | (u64)dw[1] << 32;
		/* A failed job's fence carries the error when it signals. */
		if (e->job_error && a == e->ring->fence_drv.gpu_addr) {
			sdma_fence_error(e, dw[2], e->job_error);
			e->job_error = 0;
		}
		atomic_inc(&sdma->fences);
		atomic_inc(&e->fences);
		return sdma_write32(sdma, a, dw[2]);
	case SDMA_OP_TRAP:
		if (!sdma_fetch(sdma, s, &dw[0]))
			return false;
		atomic_inc(&sdma->traps);
		/* What the trap interrupt's handler does. */
		amdgpu_fence_process(e->ring);
		return true;
	case SDMA_OP_INDIRECT: {
		struct sdma_stream ib = { .mask = U64_MAX };

		if (!sdma_fetch_n(sdma, s, dw, 5))
			return false;
		if (in_ib || ((hdr >> SDMA_PKT_INDIRECT_HEADER_vmid_shift) &
			      SDMA_PKT_INDIRECT_HEADER_vmid_mask)) {
			sdma_stop(sdma, "nested IB or IB in a VMID other than 0", hdr);
			return false;
		}
		ib.base = dw[0] | (u64)dw[1] << 32;
		ib.end = dw[2];
		atomic_inc(&sdma->ibs);
		while (ib.pos < ib.end)
			if (!sdma_exec(e, &ib, true))
				return false;
		return true;
	}
	default:
		break;
	}
	sdma_stop(sdma, "unknown packet", hdr);
	return false;
}

static bool sdma_exec(struct amdgpu_svm_sim_sdma_engine *e,
		      struct sdma_stream *s, bool in_ib)
{
	u32 hdr;

	if (!sdma_fetch(e->sdma, s, &hdr))
		return false;
	return sdma_packet(e, s, hdr, in_ib);
}

/*
 * After a broken rule or a timeout: what amdgpu's recovery does to a hung
 * ring (its scheduler stopped, amdgpu_device_pre_asic_reset() completes
 * every fence in flight, -ETIME for the job that timed out, @timedout,
 * -ECANCELED for the others), and the ring starts over where the driver
 * will write next.
 * Everything a test may read is updated before the fences signal: a
 * waiter wakes the moment they do.
 */
static void sdma_reset(struct amdgpu_svm_sim_sdma_engine *e,
		       struct dma_fence *timedout)
{
	struct drm_gpu_scheduler *sched = &e->ring->sched;
	bool running = drm_sched_wqueue_ready(sched);

	/*
	 * The recovery stops the scheduler first: a job written to the ring
	 * meanwhile would have its fence completed, yet run afterwards.
	 */
	if (running)
		drm_sched_wqueue_stop(sched);
	e->rptr = atomic64_read((atomic64_t *)e->doorbell) >> 2;
	e->job_error = 0;
	amdgpu_svm_sim_gart_flush(e->sdma);
	atomic_inc(&e->sdma->resets);
	amdgpu_fence_driver_force_completion(e->ring, timedout);
	if (running)
		drm_sched_wqueue_start(sched);
}

static void sdma_work(struct work_struct *work)
{
	struct amdgpu_svm_sim_sdma_engine *e =
		container_of(work, struct amdgpu_svm_sim_sdma_engine, work);
	struct amdgpu_svm_sim_sdma *sdma = e->sdma;
	struct amdgpu_ring *ring = e->ring;
	struct sdma_stream s = {
		.base = ring->gpu_addr,
		.mask = ring->buf_mask,
		.end = U64_MAX,
	};
	struct dma_fence *timedout;
	u64 wptr;

	for (;;) {
		wait_event(sdma->wait, sdma_released(e));
		timedout = xchg(&e->timedout, NULL);
		if (timedout) {
			sdma_reset(e, timedout);
			dma_fence_put(timedout);
			continue;
		}
		/* The doorbell carries the write pointer in bytes. */
		wptr = atomic64_read((atomic64_t *)e->doorbell) >> 2;
		if (e->rptr == wptr)
			break;
		s.pos = e->rptr;
		if (!sdma_exec(e, &s, false) ||
		    /* The read pointer goes back to its write-back slot. */
		    !sdma_mem(sdma, ring->rptr_gpu_addr,
			      &(u64){ s.pos << 2 }, sizeof(u64), true)) {
			/* A broken rule, or a hung job the timeout abandoned. */
			amdgpu_svm_sim_report(sdma->sim);
			timedout = xchg(&e->timedout, NULL);
			sdma_reset(e, timedout);
			dma_fence_put(timedout);
			continue;
		}
		e->rptr = s.pos;
		if (READ_ONCE(sdma->packet_delay_us))
			usleep_range(sdma->packet_delay_us,
				     sdma->packet_delay_us + 10);
	}
	amdgpu_svm_sim_report(sdma->sim);
}

static struct amdgpu_svm_sim_sdma_engine *sdma_engine(struct amdgpu_ring *ring)
{
	return container_of(ring->funcs, struct amdgpu_svm_sim_sdma_engine,
			    ring_funcs);
}

/* set_wptr: amdgpu's own (write-back slot, doorbell), then the doorbell rings. */
static void sdma_set_wptr(struct amdgpu_ring *ring)
{
	struct amdgpu_svm_sim_sdma_engine *e = sdma_engine(ring);

	e->hw_set_wptr(ring);
	if (!WARN_ON_ONCE(!e->wq))
		queue_work(e->wq, &e->work);
}

/**
 * amdgpu_svm_sim_sdma_hold() - stop every instance before its next packet
 * @sdma: the SDMA block
 * @hold: true to hold, false to release
 *
 * A held engine is a hung job: what was submitted stays unsignalled until
 * the test releases it, or until amdgpu's scheduler times the job out
 * (amdgpu_svm_sim_sdma_timeout()) and the reset ends the hang. Releasing
 * the engine releases each instance held on its own too.
 *
 * Context: process context.
 */
void amdgpu_svm_sim_sdma_hold(struct amdgpu_svm_sim_sdma *sdma, bool hold)
{
	unsigned int i;

	WRITE_ONCE(sdma->held, hold);
	if (hold)
		return;
	for (i = 0; i < ARRAY_SIZE(sdma->engine); i++)
		WRITE_ONCE(sdma->engine[i].held, false);
	wake_up_all(&sdma->wait);
	for (i = 0; i < ARRAY_SIZE(sdma->engine); i++)
		if (sdma->engine[i].wq)
			queue_work(sdma->engine[i].wq, &sdma->engine[i].work);
}

/**
 * amdgpu_svm_sim_sdma_hold_instance() - stop one instance before its next
 * packet
 * @sdma: the SDMA block
 * @inst: the instance
 * @hold: true to hold, false to release
 *
 * As amdgpu_svm_sim_sdma_hold(), for the jobs amdgpu's scheduler put on
 * one ring: the other instance keeps running.
 *
 * Context: process context.
 */
void amdgpu_svm_sim_sdma_hold_instance(struct amdgpu_svm_sim_sdma *sdma,
				       unsigned int inst, bool hold)
{
	struct amdgpu_svm_sim_sdma_engine *e = &sdma->engine[inst];

	WRITE_ONCE(e->held, hold);
	if (hold)
		return;
	wake_up_all(&sdma->wait);
	if (e->wq)
		queue_work(e->wq, &e->work);
}

/**
 * amdgpu_svm_sim_sdma_held_instance() - an instance held on its own
 * @sdma: the SDMA block
 *
 * Context: any context.
 * Return: the lowest instance that a hung copy (or the test) holds, or -1.
 */
int amdgpu_svm_sim_sdma_held_instance(struct amdgpu_svm_sim_sdma *sdma)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sdma->engine); i++)
		if (READ_ONCE(sdma->engine[i].held))
			return i;
	return -1;
}

/**
 * amdgpu_svm_sim_sdma_idle() - wait until every instance executed everything
 * @sdma: the SDMA block
 *
 * Context: process context; the engine must not be held.
 */
void amdgpu_svm_sim_sdma_idle(struct amdgpu_svm_sim_sdma *sdma)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sdma->engine); i++)
		if (sdma->engine[i].wq)
			flush_work(&sdma->engine[i].work);
}

/**
 * amdgpu_svm_sim_sdma_timeout() - give the SDMA rings' jobs a timeout
 * @sdma: the SDMA block
 * @ms: milliseconds a job may run before amdgpu's scheduler times it out;
 *	0 for no timeout (as the device is made)
 *
 * Set before the jobs it is for are submitted: the scheduler arms its
 * timer with the value it finds when a job starts.
 *
 * Context: process context.
 */
void amdgpu_svm_sim_sdma_timeout(struct amdgpu_svm_sim_sdma *sdma,
				 unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sdma->engine); i++)
		if (sdma->engine[i].ring)
			WRITE_ONCE(sdma->engine[i].ring->sched.timeout,
				   ms ? msecs_to_jiffies(ms) :
					MAX_SCHEDULE_TIMEOUT);
}

/**
 * amdgpu_svm_sim_sdma_timedout() - a job of an SDMA ring timed out
 * @s_job: the job amdgpu's scheduler stopped waiting for
 *
 * The &drm_sched_backend_ops.timedout_job of the simulated SDMA rings.
 * amdgpu's own handler, amdgpu_job_timedout(), runs first: it reports the
 * hang and marks the job's fence with -ETIME. The test kernel boots with
 * amdgpu.gpu_recovery=0, where the handler stops: the GPU recovery it
 * would start re-initialises every IP block, which the simulated device
 * does not have. The model then does what that recovery does to the hung
 * ring: its instance is reset (see sdma_reset()), which also ends a hang
 * that a test made by holding the engine.
 *
 * Context: the scheduler's timeout work.
 * Return: what amdgpu_job_timedout() returned.
 */
enum drm_gpu_sched_stat amdgpu_svm_sim_sdma_timedout(struct drm_sched_job *s_job)
{
	struct amdgpu_ring *ring = to_amdgpu_ring(s_job->sched);
	struct amdgpu_svm_sim_sdma_engine *e = sdma_engine(ring);
	struct amdgpu_job *job = to_amdgpu_job(s_job);
	enum drm_gpu_sched_stat stat;

	atomic_inc(&e->sdma->timeouts);
	stat = amdgpu_sched_ops.timedout_job(s_job);
	dma_fence_put(xchg(&e->timedout, dma_fence_get(&job->hw_fence->base)));
	amdgpu_svm_sim_sdma_hold(e->sdma, false);
	return stat;
}

/**
 * amdgpu_svm_sim_sdma_init() - an instance behind an initialised ring
 * @sdma: the SDMA block (its @sim, @wait and @gart_lock set up)
 * @inst: the instance
 * @ring: amdgpu's ring of the instance, its funcs pointing at the
 *	instance's @ring_funcs
 * @hw: SDMA v4's own ring function table
 * @doorbell: the doorbell slot of @ring
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int amdgpu_svm_sim_sdma_init(struct amdgpu_svm_sim_sdma *sdma,
			     unsigned int inst, struct amdgpu_ring *ring,
			     const struct amdgpu_ring_funcs *hw, u64 *doorbell)
{
	struct amdgpu_svm_sim_sdma_engine *e = &sdma->engine[inst];

	e->sdma = sdma;
	e->ring = ring;
	e->doorbell = doorbell;
	e->ring_funcs = *hw;
	e->hw_set_wptr = hw->set_wptr;
	e->ring_funcs.set_wptr = sdma_set_wptr;
	INIT_WORK(&e->work, sdma_work);
	e->wq = alloc_ordered_workqueue("amdgpu-svm-sim-sdma%u", 0, inst);
	return e->wq ? 0 : -ENOMEM;
}

/**
 * amdgpu_svm_sim_sdma_fini() - stop every instance
 * @sdma: the SDMA block; nothing may be submitted any more
 *
 * Context: process context.
 */
void amdgpu_svm_sim_sdma_fini(struct amdgpu_svm_sim_sdma *sdma)
{
	unsigned int i;

	amdgpu_svm_sim_sdma_hold(sdma, false);
	for (i = 0; i < ARRAY_SIZE(sdma->engine); i++) {
		struct amdgpu_svm_sim_sdma_engine *e = &sdma->engine[i];

		if (!e->wq)
			continue;
		flush_work(&e->work);
		destroy_workqueue(e->wq);
		e->wq = NULL;
		dma_fence_put(xchg(&e->timedout, NULL));
	}
}
