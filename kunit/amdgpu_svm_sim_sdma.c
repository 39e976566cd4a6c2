// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulated GPU, part "SDMA": one SDMA v4 engine that executes the
 * packets amdgpu's own emitters wrote, and the GART it reaches system
 * memory through.
 *
 * What it models: the ring of instance 0 is amdgpu's own (amdgpu_ring_init,
 * amdgpu's fence driver, its scheduler with amdgpu_sched_ops, the SDMA v4
 * ring, buffer and vm-pte function tables). The one hardware event the
 * driver raises, the doorbell write in set_wptr, kicks the engine, which on
 * its own thread fetches the ring from its GPU address (through GART, as
 * the hardware does) up to the write pointer the doorbell carries, and
 * executes: NOP, INDIRECT_BUFFER (VMID 0), COPY_LINEAR, WRITE_LINEAR,
 * PTEPDE, CONST_FILL, FENCE, TRAP (amdgpu_fence_process(), what the trap
 * interrupt handler calls), POLL_REGMEM on memory and on the registers the
 * driver polls (HDP flush, the VM invalidation engine's ack and semaphore),
 * SRBM_WRITE to the invalidation engine (a request for VMID 0 flushes the
 * GART TLB). The read pointer is written back to its write-back slot.
 *
 * Memory: an MC address in the GART aperture is translated through the
 * real GART table (in simulated VRAM, where amdgpu_gart_map() wrote it),
 * with a GART TLB that only a VMID-0 invalidation empties; an MC address
 * in the VRAM aperture reaches simulated VRAM. Every access checks what it
 * reaches as the MMU model does: a system page with a reference, a VRAM
 * page of a live allocation, a valid GART entry with the permission asked.
 *
 * Timing and failures a test sets: the engine can be held (a hung job,
 * until the test releases it), each packet delayed, each CONST_FILL
 * delayed (a slow clear), and the n-th COPY_LINEAR made to fail, or any a
 * test's copy hook refuses: its destination is filled with poison and the
 * fence of its job carries the error when it signals, as the job of a
 * copy cancelled by a reset does. A COPY_LINEAR into the GART table (a
 * GART window being pointed at system pages) is counted apart from the
 * data copies.
 *
 * What it leaves out: the page queue, several instances, VMIDs other than
 * 0 for indirect buffers, TMZ, timestamps, conditional execution, and the
 * reset itself (a held job stays held; nothing times out).
 *
 * How it fails: an unknown packet, a GART fault, an address outside GART
 * and VRAM, a poll that can never be satisfied, a write to read-only
 * memory: each fails the test (reported by the worker once it holds no
 * lock). Then the engine does what amdgpu's recovery would make of a hung
 * engine: every job in flight is cancelled (its fence signals with
 * -ECANCELED) and the ring starts over empty, so that the test ends.
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
	u64 addr, pte;

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
			page = amdgpu_svm_sim_vram_page(sim, addr -
						adev->vm_manager.vram_base_offset);
			goto check_vram;
		}
		page = amdgpu_svm_sim_system_page(addr);
		if (!page)
			sdma_stop(sdma, "reached a freed page through GART", mc);
		return page;
	}
	if (mc >= adev->gmc.vram_start &&
	    mc - adev->gmc.vram_start < adev->gmc.real_vram_size) {
		page = amdgpu_svm_sim_vram_page(sim, mc - adev->gmc.vram_start);
		goto check_vram;
	}
	sdma_stop(sdma, "address outside GART and VRAM", mc);
	return NULL;

check_vram:
	if (!page)
		sdma_stop(sdma, "reached freed VRAM", mc);
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

/* Is @mc inside the GART table (in VRAM)? */
static bool sdma_in_gart_table(struct amdgpu_svm_sim_sdma *sdma, u64 mc)
{
	struct amdgpu_device *adev = sdma->sim->adev;
	u64 start = adev->gmc.vram_start + sdma->gart_table;

	return mc >= start && mc < start + adev->gart.table_size;
}

/* COPY_LINEAR: a data copy, or a GART window being written. */
static bool sdma_copy_packet(struct amdgpu_svm_sim_sdma *sdma, u64 src,
			     u64 dst, u64 bytes)
{
	int (*hook)(struct amdgpu_svm_sim_sdma *sdma, u64 src, u64 dst,
		    u64 bytes) = READ_ONCE(sdma->copy_hook);
	int error = 0;

	if (sdma_in_gart_table(sdma, dst)) {
		atomic_inc(&sdma->gart_updates);
		return sdma_copy(sdma, src, dst, bytes, false);
	}
	if (atomic_inc_return(&sdma->copies) == READ_ONCE(sdma->fail_copy_at))
		error = -EIO;
	atomic64_add(bytes, &sdma->copy_bytes);
	if (!error && hook)
		error = hook(sdma, src, dst, bytes);
	if (error)
		sdma->job_error = error;
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
static bool sdma_reg_write(struct amdgpu_svm_sim_sdma *sdma, u32 reg, u32 val)
{
	struct amdgpu_device *adev = sdma->sim->adev;
	struct amdgpu_ring *ring = sdma->ring;
	struct amdgpu_vmhub *hub = &adev->vmhub[ring->vm_hub];
	u32 eng = hub->eng_distance * ring->vm_inv_eng;
	u32 lut;

	if (reg == hub->vm_inv_eng0_req + eng) {
		/* Bits 0..15: the VMIDs to invalidate; VMID 0 is GART. */
		if (val & 1)
			amdgpu_svm_sim_gart_flush(sdma);
		if (val & 0xfffe)
			amdgpu_svm_sim_tlb_flush(sdma->sim);
		sdma->inv_ack = val & 0xffff;
		return true;
	}
	if (reg == hub->vm_inv_eng0_sem + eng) {
		/* Writing 0 releases the semaphore acquired by a poll. */
		sdma->inv_sem = val & 1;
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

static bool sdma_reg_read(struct amdgpu_svm_sim_sdma *sdma, u32 reg, u32 *val)
{
	struct amdgpu_device *adev = sdma->sim->adev;
	struct amdgpu_ring *ring = sdma->ring;
	struct amdgpu_vmhub *hub = &adev->vmhub[ring->vm_hub];
	u32 eng = hub->eng_distance * ring->vm_inv_eng;

	if (reg == hub->vm_inv_eng0_ack + eng) {
		*val = sdma->inv_ack;
		return true;
	}
	if (reg == hub->vm_inv_eng0_sem + eng) {
		/* Reading acquires the semaphore: the engine is alone. */
		sdma->inv_sem = 1;
		*val = 1;
		return true;
	}
	sdma_stop(sdma, "POLL_REGMEM on a register the model does not know",
		  reg);
	return false;
}

static bool sdma_poll(struct amdgpu_svm_sim_sdma *sdma, u32 hdr, const u32 *dw)
{
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
	} else if (!sdma_reg_read(sdma, dw[0] >> 2, &val)) {
		return false;
	}
	if ((val & mask) != ref) {
		sdma_stop(sdma, "POLL_REGMEM that can never be satisfied", val);
		return false;
	}
	return true;
}

/* The fence with @seq of the ring gets @error before it signals. */
static void sdma_fence_error(struct amdgpu_svm_sim_sdma *sdma, u32 seq,
			     int error)
{
	struct amdgpu_fence_driver *drv = &sdma->ring->fence_drv;
	struct dma_fence *fence;
	unsigned long flags;

	spin_lock_irqsave(&drv->lock, flags);
	/* The slots change under the driver's lock, which is held. */
	fence = drv->fences[seq & drv->num_fences_mask];
	if (fence && !dma_fence_is_signaled_locked(fence))
		dma_fence_set_error(fence, error);
	spin_unlock_irqrestore(&drv->lock, flags);
}

static bool sdma_exec(struct amdgpu_svm_sim_sdma *sdma, struct sdma_stream *s,
		      bool in_ib);

static bool sdma_packet(struct amdgpu_svm_sim_sdma *sdma, struct sdma_stream *s,
			u32 hdr, bool in_ib)
{
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
		return sdma_copy_packet(sdma, a, b, (u64)dw[0] + 1);
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
		return sdma_fetch_n(sdma, s, dw, 5) && sdma_poll(sdma, hdr, dw);
	case SDMA_OP_SRBM_WRITE:
		return sdma_fetch_n(sdma, s, dw, 2) &&
		       sdma_reg_write(sdma, dw[0], dw[1]);
	case SDMA_OP_FENCE:
		if (!sdma_fetch_n(sdma, s, dw, 3))
			return false;
		a = dw[0] | (u64)dw[1] << 32;
		/* A failed job's fence carries the error when it signals. */
		if (sdma->job_error && a == sdma->ring->fence_drv.gpu_addr) {
			sdma_fence_error(sdma, dw[2], sdma->job_error);
			sdma->job_error = 0;
		}
		atomic_inc(&sdma->fences);
		return sdma_write32(sdma, a, dw[2]);
	case SDMA_OP_TRAP:
		if (!sdma_fetch(sdma, s, &dw[0]))
			return false;
		atomic_inc(&sdma->traps);
		/* What the trap interrupt's handler does. */
		amdgpu_fence_process(sdma->ring);
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
			if (!sdma_exec(sdma, &ib, true))
				return false;
		return true;
	}
	default:
		break;
	}
	sdma_stop(sdma, "unknown packet", hdr);
	return false;
}

static bool sdma_exec(struct amdgpu_svm_sim_sdma *sdma, struct sdma_stream *s,
		      bool in_ib)
{
	u32 hdr;

	if (!sdma_fetch(sdma, s, &hdr))
		return false;
	return sdma_packet(sdma, s, hdr, in_ib);
}

/*
 * After a broken rule: what amdgpu's recovery makes of a hung engine.
 * The jobs in flight are cancelled and the ring starts over where the
 * driver will write next. Everything a test may read is updated before
 * the fences signal: a waiter wakes the moment they do.
 */
static void sdma_reset(struct amdgpu_svm_sim_sdma *sdma)
{
	u64 wptr = atomic64_read((atomic64_t *)sdma->doorbell) >> 2;

	sdma->rptr = wptr;
	sdma->job_error = 0;
	amdgpu_svm_sim_gart_flush(sdma);
	atomic_inc(&sdma->resets);
	amdgpu_fence_driver_force_completion(sdma->ring, NULL);
}

static void sdma_work(struct work_struct *work)
{
	struct amdgpu_svm_sim_sdma *sdma =
		container_of(work, struct amdgpu_svm_sim_sdma, work);
	struct amdgpu_ring *ring = sdma->ring;
	struct sdma_stream s = {
		.base = ring->gpu_addr,
		.mask = ring->buf_mask,
		.end = U64_MAX,
	};
	u64 wptr;

	for (;;) {
		wait_event(sdma->wait, !READ_ONCE(sdma->held));
		/* The doorbell carries the write pointer in bytes. */
		wptr = atomic64_read((atomic64_t *)sdma->doorbell) >> 2;
		if (sdma->rptr == wptr)
			break;
		s.pos = sdma->rptr;
		if (!sdma_exec(sdma, &s, false) ||
		    /* The read pointer goes back to its write-back slot. */
		    !sdma_mem(sdma, ring->rptr_gpu_addr,
			      &(u64){ s.pos << 2 }, sizeof(u64), true)) {
			amdgpu_svm_sim_report(sdma->sim);
			sdma_reset(sdma);
			continue;
		}
		sdma->rptr = s.pos;
		if (READ_ONCE(sdma->packet_delay_us))
			usleep_range(sdma->packet_delay_us,
				     sdma->packet_delay_us + 10);
	}
	amdgpu_svm_sim_report(sdma->sim);
}

/* set_wptr: amdgpu's own (write-back slot, doorbell), then the doorbell rings. */
static void sdma_set_wptr(struct amdgpu_ring *ring)
{
	struct amdgpu_svm_sim_sdma *sdma =
		container_of(ring->funcs, struct amdgpu_svm_sim_sdma, ring_funcs);

	sdma->hw_set_wptr(ring);
	if (!WARN_ON_ONCE(!sdma->wq))
		queue_work(sdma->wq, &sdma->work);
}

/**
 * amdgpu_svm_sim_sdma_hold() - stop the engine before its next packet
 * @sdma: the engine
 * @hold: true to hold, false to release
 *
 * A held engine is a hung job: what was submitted stays unsignalled until
 * the test releases it.
 *
 * Context: process context.
 */
void amdgpu_svm_sim_sdma_hold(struct amdgpu_svm_sim_sdma *sdma, bool hold)
{
	WRITE_ONCE(sdma->held, hold);
	if (!hold && sdma->wq) {
		wake_up_all(&sdma->wait);
		queue_work(sdma->wq, &sdma->work);
	}
}

/**
 * amdgpu_svm_sim_sdma_idle() - wait until the engine executed everything
 * @sdma: the engine
 *
 * Context: process context; the engine must not be held.
 */
void amdgpu_svm_sim_sdma_idle(struct amdgpu_svm_sim_sdma *sdma)
{
	flush_work(&sdma->work);
}

/**
 * amdgpu_svm_sim_sdma_init() - the engine behind an initialised ring
 * @sdma: the engine (zeroed but for @sim)
 * @ring: amdgpu's ring, its funcs pointing at @sdma->ring_funcs
 * @hw: SDMA v4's own ring function table
 * @doorbell: the doorbell slot of @ring
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int amdgpu_svm_sim_sdma_init(struct amdgpu_svm_sim_sdma *sdma,
			     struct amdgpu_ring *ring,
			     const struct amdgpu_ring_funcs *hw, u64 *doorbell)
{
	sdma->ring = ring;
	sdma->doorbell = doorbell;
	sdma->ring_funcs = *hw;
	sdma->hw_set_wptr = hw->set_wptr;
	sdma->ring_funcs.set_wptr = sdma_set_wptr;
	spin_lock_init(&sdma->gart_lock);
	init_waitqueue_head(&sdma->wait);
	INIT_WORK(&sdma->work, sdma_work);
	sdma->wq = alloc_ordered_workqueue("amdgpu-svm-sim-sdma", 0);
	return sdma->wq ? 0 : -ENOMEM;
}

/**
 * amdgpu_svm_sim_sdma_fini() - stop the engine
 * @sdma: the engine; nothing may be submitted any more
 *
 * Context: process context.
 */
void amdgpu_svm_sim_sdma_fini(struct amdgpu_svm_sim_sdma *sdma)
{
	if (!sdma->wq)
		return;
	amdgpu_svm_sim_sdma_hold(sdma, false);
	flush_work(&sdma->work);
	destroy_workqueue(sdma->wq);
	sdma->wq = NULL;
}
