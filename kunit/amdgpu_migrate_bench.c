// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Migration throughput of the SVM stack in the KUnit test kernel: a
 * benchmark that prints a table (tools/bench.sh extracts it), not a test
 * of speed. A case fails only when something is functionally wrong: bytes
 * that do not come back, a migration of the framework floor that did not
 * happen, VRAM that is not returned. Performance never fails a case.
 *
 * For each buffer size and kind of source page (4 KiB pages, or 2 MiB
 * transparent huge pages), three ways of moving the same bytes to VRAM
 * and back are timed:
 *
 * - full: the SVM ioctl SET {PREFETCH_LOC, 1} over the buffer (attributes,
 *   range layer, migration policy, drm_pagemap, the simulated SDMA copy),
 *   then a CPU read of one word per page faults every page back through
 *   drm_pagemap;
 * - floor: the same buffer moved by drm_pagemap alone, with a minimal
 *   device-memory allocation of our own (struct bench_chunk) on the same
 *   ZONE_DEVICE registration: one drm_pagemap_migrate_to_devmem() per
 *   2 MiB (the largest range drm_gpusvm makes, so the unit the full stack
 *   migrates in), VRAM from the same simulated allocator, a page-by-page
 *   memcpy as the copy, and the same CPU faults back. It skips the ioctl,
 *   the attribute and range layers, the policy and our populate_mm, so it
 *   is what the framework costs at least;
 * - memcpy: a plain memcpy of the same bytes between two kernel buffers,
 *   there and back.
 *
 * The full stack also maps the prefetched range on the simulated GPU and
 * zaps it when the CPU takes the pages back, through amdgpu's own
 * page-table code writing the tables with the CPU (a large-BAR system):
 * that part is timed on its own and the full stack is also shown without
 * it.
 *
 * Two more figures: the prefetch by the ioctl's caller alone against the
 * prefetch with its helper threads, and the CPU faults back by one thread
 * against two threads faulting on different ranges at once.
 *
 * A second case makes two GPUs, of one XGMI hive or PCIe peers, and
 * moves a buffer from one's VRAM to the other's, by prefetches on their
 * files: straight, the holder's engine copying over XGMI or into the
 * other's BAR, and through system memory, as KFD moves pages between
 * GPUs; the two ways interleaved, in one run.
 *
 * tools/bench.sh runs the suite in a production configuration of the test
 * kernel (no KASAN, lockdep, DEBUG_VM; two CPUs) and in the debug test
 * kernel of "make check"; the header says which. Under TCG the figures
 * are those of an emulated CPU: compare the columns with each other, not
 * with hardware.
 */

#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/cpumask.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <drm/amdgpu_drm.h>
#include <drm/drm_pagemap.h>

#include "../amdgpu.h"
#include "../amdgpu_migrate.h"
#include "../amdgpu_svm.h"
#include "../amdgpu_svm_range.h"
#include "../amdgpu_svm_range_migrate.h"
#include "amdgpu_svm_sim.h"
#include "amdgpu_svm_test.h"

/* The prefix tools/bench.sh looks for in the kernel log. */
#define BENCH_TAG	"[svm-bench] "
#define bench_out(fmt, ...)	pr_info(BENCH_TAG fmt "\n", ##__VA_ARGS__)

/* The unit of the floor: the largest range drm_gpusvm makes. */
#define BENCH_CHUNK	SZ_2M
#define BENCH_MAX_REPS	5
/* CPU threads faulting pages back at once, at most. */
#define BENCH_MAX_THREADS	2
/* GPU addresses no buffer of the bench uses, to time the page-table code. */
#define BENCH_PT_PROBE	SZ_4G

/* Words of each page that carry the pattern: first, middle, last. */
#define WORDS_PER_PAGE	(PAGE_SIZE / sizeof(u32))
static const unsigned int bench_words[] = { 0, WORDS_PER_PAGE / 2,
					    WORDS_PER_PAGE - 1 };

/* One size of buffer, and how often each measurement is repeated. */
struct bench_size {
	size_t size;
	unsigned int reps;
	const char *name;
};

static const struct bench_size bench_sizes[] = {
	{ SZ_2M, 5, "2M" },
	{ SZ_64M, 3, "64M" },
	{ SZ_256M, 3, "256M" },
};

/* The device pages of one drm_pagemap_migrate_to_devmem() of the floor. */
struct bench_chunk {
	struct drm_pagemap_devmem devmem;
	struct amdgpu_migrate_vram *mv;
	struct bench *b;
	bool released;
};

/* State of one case. */
struct bench {
	struct kunit *test;
	struct amdgpu_svm_test_dev *tdev;
	struct amdgpu_svm_test_vram *vram;
	struct amdgpu_migrate *mig;
	struct bench_chunk *chunks;
	unsigned long nchunks;
	atomic_long_t floor_to_vram;
	atomic_long_t floor_to_ram;
	u32 seed;
};

/* Medians of one (size, kind) row. */
struct bench_row {
	u64 full_to, full_back, full_both;
	u64 floor_to, floor_back, floor_both;
	u64 memcpy_both;
	unsigned long copies_to, copies_back;
	unsigned long thp, chunks;
	unsigned long moved;
	/* GPU activity in the full stack, as a hint where time goes. */
	unsigned long gpu_mapped, ptes_to, ptes_back, flushes_back;
	/* Counts of the full stack's last run, each way. */
	unsigned long pt_jobs_to, pt_jobs_back, waits_to, waits_back;
	u64 cleared_to;
	/* The full stack's prefetch with no helper thread (one run). */
	u64 full_to_alone;
	/* The CPU faults back by two threads on different ranges (one run). */
	u64 full_back_two;
	/* amdgpu's page-table code alone: write, clear 512 PTEs (2 MiB) */
	u64 pt_write, pt_clear;
	bool migrated;
};

/*
 * The copy ops of the floor get nothing but the pages: the simulated VRAM
 * behind them is that of the running case (cases run one at a time).
 */
static struct bench *bench_current;

/* --- The floor: a minimal drm_pagemap device-memory allocation --- */

static struct bench_chunk *to_chunk(struct drm_pagemap_devmem *devmem)
{
	return container_of(devmem, struct bench_chunk, devmem);
}

static int bench_populate_devmem_pfn(struct drm_pagemap_devmem *devmem,
				     unsigned long npages, unsigned long *pfn)
{
	struct bench_chunk *c = to_chunk(devmem);
	u64 base = c->b->mig->pgmap.range.start;
	unsigned long i = 0;
	unsigned int k;
	u64 off;

	for (k = 0; k < c->mv->nblocks; k++)
		for (off = 0; off < c->mv->blocks[k].size && i < npages;
		     off += PAGE_SIZE)
			pfn[i++] = PHYS_PFN(base + c->mv->blocks[k].start + off);
	return i == npages ? 0 : -EINVAL;
}

/* Page by page, as the simulated SDMA engine copies. */
static int bench_copy(struct page **pages, struct drm_pagemap_addr *addr,
		      unsigned long npages, bool to_vram)
{
	struct bench *b = bench_current;
	unsigned long i, j, n, first;
	struct page *sys;

	for (i = 0; i < npages; i += n) {
		n = 1;
		if (!pages[i] || !addr[i].addr)
			continue;
		n = min_t(unsigned long, 1UL << addr[i].order, npages - i);
		first = amdgpu_migrate_vram_offset(b->mig, pages[i]) >>
			PAGE_SHIFT;
		sys = pfn_to_page(PHYS_PFN(addr[i].addr));
		for (j = 0; j < n; j++) {
			void *s = kmap_local_page(sys + j);
			void *v = kmap_local_page(b->tdev->sim->vram_pages[first + j]);

			if (to_vram)
				memcpy(v, s, PAGE_SIZE);
			else
				memcpy(s, v, PAGE_SIZE);
			kunmap_local(v);
			kunmap_local(s);
		}
		atomic_long_add(n, to_vram ? &b->floor_to_vram : &b->floor_to_ram);
	}
	return 0;
}

static int bench_copy_to_devmem(struct page **pages,
				struct drm_pagemap_addr *addr,
				unsigned long npages,
				struct dma_fence *pre_migrate_fence)
{
	/* A move out of the new VRAM may still run on the SDMA engine. */
	if (pre_migrate_fence)
		dma_fence_wait(pre_migrate_fence, false);
	return bench_copy(pages, addr, npages, true);
}

static int bench_copy_to_ram(struct page **pages, struct drm_pagemap_addr *addr,
			     unsigned long npages,
			     struct dma_fence *pre_migrate_fence)
{
	return bench_copy(pages, addr, npages, false);
}

/*
 * The last device page of a chunk is gone. The simulated VRAM is given
 * back here, inside the timed fault path, as the full stack gives its own
 * back; outside the test thread its leaves do not apply, so the case does
 * it afterwards.
 */
static void bench_devmem_release(struct drm_pagemap_devmem *devmem)
{
	struct bench_chunk *c = to_chunk(devmem);

	if (kunit_get_current_test()) {
		amdgpu_migrate_vram_free(c->mv);
		c->mv = NULL;
	}
	WRITE_ONCE(c->released, true);
}

static const struct drm_pagemap_devmem_ops bench_devmem_ops = {
	.devmem_release = bench_devmem_release,
	.populate_devmem_pfn = bench_populate_devmem_pfn,
	.copy_to_devmem = bench_copy_to_devmem,
	.copy_to_ram = bench_copy_to_ram,
};

/* Move [@start, @start + @size) to VRAM, one allocation per chunk. */
static int bench_floor_migrate(struct bench *b, unsigned long start,
			       size_t size)
{
	const struct drm_pagemap_migrate_details details = {};
	struct amdgpu_device *adev = b->tdev->adev;
	struct mm_struct *mm = current->mm;
	struct dma_fence *busy;
	unsigned long i;
	int ret;

	for (i = 0; i < b->nchunks; i++) {
		b->chunks[i].b = b;
		b->chunks[i].mv = NULL;
		b->chunks[i].released = true;
	}
	for (i = 0; i < b->nchunks; i++) {
		struct bench_chunk *c = &b->chunks[i];
		unsigned long addr = start + i * BENCH_CHUNK;
		struct amdgpu_migrate_vram *mv;

		/*
		 * In the order of amdgpu_migrate_to_vram(), which
		 * drm_pagemap_populate_mm() calls with the mmap lock held:
		 * the buffer object comes reserved and stays so until its
		 * pages are device pages; the copy waits for a pending move
		 * out of its VRAM.
		 */
		mmap_read_lock(mm);
		mv = amdgpu_migrate_vram_alloc(adev, BENCH_CHUNK, -1, &busy);
		if (IS_ERR(mv)) {
			mmap_read_unlock(mm);
			return PTR_ERR(mv);
		}
		c->mv = mv;
		c->released = false;
		c->mv->adev = adev;
		drm_pagemap_devmem_init(&c->devmem, adev->dev, mm,
					&bench_devmem_ops, &b->mig->dpagemap,
					BENCH_CHUNK, busy);
		/* Consumes the chunk: devmem_release() runs on every path. */
		ret = drm_pagemap_migrate_to_devmem(&c->devmem, mm, addr,
						    addr + BENCH_CHUNK,
						    &details);
		/* Freed by bench_floor_done() only: still ours here. */
		amdgpu_bo_unreserve(mv->bo);
		mmap_read_unlock(mm);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * After the pages came back: true if every chunk was released. Gives back
 * the VRAM of chunks released outside the test thread, and evicts what is
 * left (a bug), since unbind waits for every device page.
 */
static bool bench_floor_done(struct bench *b)
{
	bool all = true;
	unsigned long i;

	for (i = 0; i < b->nchunks; i++) {
		struct bench_chunk *c = &b->chunks[i];

		if (!READ_ONCE(c->released)) {
			all = false;
			/* The failure is reported by the caller. */
			drm_pagemap_evict_to_ram(&c->devmem);
		}
		if (READ_ONCE(c->released) && c->mv) {
			amdgpu_migrate_vram_free(c->mv);
			c->mv = NULL;
		}
	}
	return all;
}

/* --- User buffers --- */

static u32 bench_pattern(u32 seed, unsigned long page, unsigned int word)
{
	return seed ^ (u32)(page * 0x9e3779b9u) ^ (word << 20);
}

/*
 * A private anonymous buffer, 2 MiB aligned, with THP on or off for its
 * VMA (what madvise() sets) before it is touched, and the pattern in three
 * words of every page. Returns the buffer; @map receives the mapping to
 * unmap and @thp the number of 2 MiB chunks backed by a huge page.
 */
static unsigned long bench_buffer(struct bench *b, size_t size, bool huge,
				  unsigned long *map, unsigned long *thp)
{
	struct kunit *test = b->test;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long buf, i, addr;
	unsigned int w;

	*map = vm_mmap(NULL, 0, size + SZ_2M, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(*map));
	buf = ALIGN(*map, SZ_2M);

	mmap_write_lock(mm);
	vma = vma_lookup(mm, buf);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vm_flags_set(vma, huge ? VM_HUGEPAGE : VM_NOHUGEPAGE);
	mmap_write_unlock(mm);

	b->seed += 0x10001;
	for (i = 0; i < size >> PAGE_SHIFT; i++) {
		addr = buf + i * PAGE_SIZE;
		for (w = 0; w < ARRAY_SIZE(bench_words); w++)
			KUNIT_ASSERT_EQ(test, 0,
					put_user(bench_pattern(b->seed, i, bench_words[w]),
						 (u32 __user *)addr + bench_words[w]));
	}

	*thp = 0;
	for (addr = buf; addr < buf + size; addr += SZ_2M) {
		struct page *page;

		KUNIT_ASSERT_EQ(test, 1, get_user_pages_fast(addr, 1, 0, &page));
		*thp += folio_order(page_folio(page)) == HPAGE_PMD_ORDER;
		put_page(page);
	}
	return buf;
}

/*
 * The CPU reads one word of each of @npages pages from page @first of the
 * buffer: device pages fault back.
 */
static unsigned long bench_touch(unsigned long buf, unsigned long first,
				 unsigned long npages, u32 seed)
{
	unsigned long i, bad = 0;
	u32 v;

	for (i = first; i < first + npages; i++)
		if (get_user(v, (u32 __user *)(buf + i * PAGE_SIZE)) ||
		    v != bench_pattern(seed, i, 0))
			bad++;
	return bad;
}

/* A thread of the process faulting a part of the buffer back. */
struct bench_toucher {
	unsigned long buf, first, npages;
	u32 seed;
	unsigned long bad;
};

static int bench_toucher_fn(void *arg)
{
	struct bench_toucher *t = arg;

	t->bad = bench_touch(t->buf, t->first, t->npages, t->seed);
	return 0;
}

/*
 * The buffer faulted back by @threads threads of the process, each on its
 * own 2 MiB ranges (an even share, in whole ranges); the pages that read
 * back wrong.
 */
static unsigned long bench_touch_by(struct kunit *test, unsigned long buf,
				    size_t size, u32 seed, unsigned int threads)
{
	unsigned long npages = size >> PAGE_SHIFT, per, first = 0, bad = 0;
	struct amdgpu_svm_test_process *p[BENCH_MAX_THREADS];
	struct bench_toucher t[BENCH_MAX_THREADS];
	unsigned int i;

	if (threads <= 1)
		return bench_touch(buf, 0, npages, seed);
	per = ALIGN(DIV_ROUND_UP(size, threads), SZ_2M) >> PAGE_SHIFT;
	for (i = 0; i < threads; i++) {
		t[i] = (struct bench_toucher){
			.buf = buf, .first = first, .seed = seed,
			.npages = min(per, npages - first),
		};
		first += t[i].npages;
		p[i] = amdgpu_svm_test_thread_start(test, bench_toucher_fn, &t[i]);
	}
	for (i = 0; i < threads; i++) {
		amdgpu_svm_test_process_wait(p[i], MAX_SCHEDULE_TIMEOUT);
		bad += t[i].bad;
	}
	return bad;
}

/* Every pattern word still in place: the number of pages that differ. */
static unsigned long bench_verify(unsigned long buf, size_t size, u32 seed)
{
	unsigned long i, bad = 0;
	unsigned int w;
	u32 v;

	for (i = 0; i < size >> PAGE_SHIFT; i++) {
		for (w = 0; w < ARRAY_SIZE(bench_words); w++) {
			u32 __user *p = (u32 __user *)(buf + i * PAGE_SIZE) +
					bench_words[w];

			if (get_user(v, p) ||
			    v != bench_pattern(seed, i, bench_words[w])) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

/* --- One measurement each --- */

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), bench_cmp_u64, NULL);
	return v[n / 2];
}

struct bench_times {
	u64 to, back;
};

static u64 bench_memcpy(void *a, void *z, size_t size)
{
	u64 t0 = ktime_get_ns();

	memcpy(z, a, size);
	memcpy(a, z, size);
	return ktime_get_ns() - t0;
}

/*
 * The full stack, the CPU faults back by @threads threads; false if the
 * prefetch migrated nothing.
 */
static bool bench_full(struct bench *b, size_t size, bool huge,
		       unsigned int threads, struct bench_times *t,
		       struct bench_row *row)
{
	const struct drm_amdgpu_svm_attribute prefetch = {
		.type = AMDGPU_SVM_ATTR_PREFETCH_LOC, .value = 1,
	};
	struct amdgpu_svm_test_dev *tdev = b->tdev;
	struct amdgpu_svm_test_vram *vram = b->vram;
	struct amdgpu_migrate_stats *stats = &b->mig->stats;
	unsigned long map, buf, moved, copies, ptes, flushes, jobs, waits;
	struct kunit *test = b->test;
	u64 t0, cleared;

	buf = bench_buffer(b, size, huge, &map, &row->thp);
	copies = atomic_read(&vram->copies);
	moved = atomic_read(&vram->pages_to_vram);
	ptes = atomic_read(&tdev->pte_writes);
	jobs = amdgpu_svm_test_vm_jobs(tdev);
	waits = atomic64_read(&stats->cpu_waits);
	cleared = atomic64_read(&stats->bytes_cleared);

	t0 = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_ioctl(tdev,
						       AMDGPU_SVM_OP_SET_ATTR,
						       buf, size, &prefetch, 1));
	t->to = ktime_get_ns() - t0;
	moved = atomic_read(&vram->pages_to_vram) - moved;
	row->copies_to = atomic_read(&vram->copies) - copies;
	row->ptes_to = atomic_read(&tdev->pte_writes) - ptes;
	row->gpu_mapped = amdgpu_svm_test_gpu_mapped(tdev, buf, buf + size);
	row->pt_jobs_to = amdgpu_svm_test_vm_jobs(tdev) - jobs;
	row->waits_to = atomic64_read(&stats->cpu_waits) - waits;
	row->cleared_to = atomic64_read(&stats->bytes_cleared) - cleared;
	copies = atomic_read(&vram->copies);
	ptes = atomic_read(&tdev->pte_writes);
	flushes = atomic_read(&tdev->sim->tlb_flushes);
	jobs = amdgpu_svm_test_vm_jobs(tdev);
	waits = atomic64_read(&stats->cpu_waits);

	t0 = ktime_get_ns();
	KUNIT_EXPECT_EQ_MSG(test, 0, bench_touch_by(test, buf, size, b->seed,
						    threads),
			    "full stack: pages read back wrong");
	t->back = ktime_get_ns() - t0;
	row->copies_back = atomic_read(&vram->copies) - copies;
	row->ptes_back = atomic_read(&tdev->pte_writes) - ptes;
	row->flushes_back = atomic_read(&tdev->sim->tlb_flushes) - flushes;
	row->pt_jobs_back = amdgpu_svm_test_vm_jobs(tdev) - jobs;
	row->waits_back = atomic64_read(&stats->cpu_waits) - waits;

	KUNIT_EXPECT_EQ_MSG(test, 0, bench_verify(buf, size, b->seed),
			    "full stack: pages corrupted");
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(vram), 0);
	row->moved = moved;
	vm_munmap(map, size + SZ_2M);
	return moved;
}

static void bench_floor(struct bench *b, size_t size, bool huge,
			struct bench_times *t, struct bench_row *row)
{
	struct kunit *test = b->test;
	unsigned long map, buf;
	u64 t0;
	int ret;

	buf = bench_buffer(b, size, huge, &map, &row->thp);
	atomic_long_set(&b->floor_to_vram, 0);
	atomic_long_set(&b->floor_to_ram, 0);

	t0 = ktime_get_ns();
	ret = bench_floor_migrate(b, buf, size);
	t->to = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "floor: migration failed");
	KUNIT_EXPECT_EQ_MSG(test, atomic_long_read(&b->floor_to_vram),
			    size >> PAGE_SHIFT, "floor: pages not migrated");

	t0 = ktime_get_ns();
	KUNIT_EXPECT_EQ_MSG(test, 0, bench_touch(buf, 0, size >> PAGE_SHIFT,
						 b->seed),
			    "floor: pages read back wrong");
	t->back = ktime_get_ns() - t0;

	KUNIT_EXPECT_EQ_MSG(test, 0, bench_verify(buf, size, b->seed),
			    "floor: pages corrupted");
	KUNIT_EXPECT_EQ(test, atomic_long_read(&b->floor_to_ram),
			atomic_long_read(&b->floor_to_vram));
	KUNIT_EXPECT_TRUE_MSG(test, bench_floor_done(b),
			      "floor: device pages left after the CPU read them");
	KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(b->vram), 0);
	vm_munmap(map, size + SZ_2M);
}

/*
 * What amdgpu's page-table code costs by itself for 2 MiB in CPU-update
 * mode: the write and the zap of one contiguous run, as the range layer
 * makes them.
 */
static void bench_pt_code(struct bench *b, u64 *write_ns, u64 *clear_ns)
{
	struct amdgpu_svm *svm = b->tdev->fpriv->vm.svm;
	struct dma_resv *resv = amdgpu_svm_vm_resv(svm);
	u64 first = BENCH_PT_PROBE >> AMDGPU_GPU_PAGE_SHIFT;
	u64 last = first + (SZ_2M >> AMDGPU_GPU_PAGE_SHIFT) - 1;
	u64 w[BENCH_MAX_REPS], c[BENCH_MAX_REPS], t0;
	struct dma_fence *fence = NULL;
	dma_addr_t *pages;
	unsigned int r, i;

	pages = kunit_kmalloc_array(b->test, SZ_2M >> PAGE_SHIFT,
				    sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(b->test, pages);
	for (i = 0; i < SZ_2M >> PAGE_SHIFT; i++)
		pages[i] = (dma_addr_t)i << PAGE_SHIFT;
	for (r = 0; r < BENCH_MAX_REPS; r++) {
		t0 = ktime_get_ns();
		dma_resv_lock(resv, NULL);
		KUNIT_EXPECT_EQ(b->test, 0,
				amdgpu_svm_gpu_write_ptes(svm, first, last,
							  pages, 0,
							  AMDGPU_PTE_VALID |
							  AMDGPU_PTE_SYSTEM,
							  false));
		KUNIT_EXPECT_EQ(b->test, 0, amdgpu_svm_gpu_link_ptes(svm, false));
		dma_resv_unlock(resv);
		w[r] = ktime_get_ns() - t0;
		t0 = ktime_get_ns();
		KUNIT_EXPECT_EQ(b->test, 0,
				amdgpu_svm_gpu_clear_ptes(svm, first, last,
							  &fence));
		if (fence)
			dma_fence_wait(fence, false);
		dma_fence_put(fence);
		fence = NULL;
		c[r] = ktime_get_ns() - t0;
	}
	*write_ns = bench_median(w, BENCH_MAX_REPS);
	*clear_ns = bench_median(c, BENCH_MAX_REPS);
}

/* --- Figures --- */

/* MB/s (10^6 bytes per second) of @bytes in @ns. */
static u64 bench_mbs(u64 bytes, u64 ns)
{
	return ns ? div64_u64(bytes * 1000, ns) : 0;
}

/* "12.34": @num / @den to two decimals. */
static const char *bench_ratio(char *buf, size_t len, u64 num, u64 den)
{
	u64 r;

	if (!den)
		return "-";
	r = div64_u64(num * 100 + den / 2, den);
	snprintf(buf, len, "%llu.%02llu", r / 100, r % 100);
	return buf;
}

static const char *bench_num(char *buf, size_t len, u64 v)
{
	snprintf(buf, len, "%llu", v);
	return buf;
}

/* The test kernel's configuration, as tools/bench.sh builds the two. */
static const char *bench_kernel(void)
{
	if (IS_ENABLED(CONFIG_KASAN) || IS_ENABLED(CONFIG_PROVE_LOCKING) ||
	    IS_ENABLED(CONFIG_DEBUG_VM))
		return "debug (KASAN, lockdep, DEBUG_VM)";
	return "production (no KASAN, lockdep, DEBUG_VM)";
}

static void bench_header(void)
{
	bench_out("amdgpu SVM migration throughput, QEMU TCG, %s test kernel, %u CPU(s)",
		  bench_kernel(), num_online_cpus());
	bench_out("MB/s = 10^6 bytes/s; medians of n runs; to: into VRAM;");
	bench_out("back: CPU faults back; both: 2 x size / (to + back)");
	bench_out("full: ioctl SET {PREFETCH_LOC, 1}, then CPU faults");
	bench_out("floor: drm_pagemap_migrate_to_devmem() per 2 MiB, memcpy copy,");
	bench_out("  then CPU faults; memcpy: plain memcpy there and back");
	bench_out("full/flr, full/mcp: full 'both' MB/s over floor, over memcpy");
	bench_out("cmd/2M: simulated SDMA copy commands per 2 MiB, full stack");
	bench_out("under each full row: pages GPU-mapped after the prefetch,");
	bench_out("  runs of PTEs written to + back, TLB flushes back;");
	bench_out("  amdgpu's page-table code's own cost per 2 MiB (CPU updates,");
	bench_out("  a large-BAR system), and the full stack's 'both' MB/s with");
	bench_out("  that cost taken out (one write + one clear of 512 PTEs per");
	bench_out("  2 MiB), over the floor's; per 2M: page-table update jobs");
	bench_out("  (SDMA entity jobs of the VM), copy commands and CPU waits of");
	bench_out("  the migration engine, to + back, and VRAM bytes cleared;");
	bench_out("  prefetch: the full stack's 'to' MB/s by the caller alone");
	bench_out("  (amdgpu.svm_prefetch_workers 0, one run) and with helpers;");
	bench_out("  CPU faults back: 'back' MB/s of one thread, and of two");
	bench_out("  threads each faulting its own 2 MiB ranges (one run)");
	bench_out("%-5s %-4s %-3s | %8s %8s %8s | %8s %8s %8s | %8s | %8s %8s | %6s %6s",
		  "size", "src", "n", "full-to", "back", "both", "floor-to",
		  "back", "both", "memcpy", "full/flr", "full/mcp", "cmd/2M",
		  "back");
}

static void bench_print_row(const struct bench_size *s, bool huge,
			    unsigned int reps, const struct bench_row *r)
{
	char a[24], bk[24], c[24], d[24], e[24], f[24], g[24], h[24], i[24],
	     j[24], k[24], full[96];
	u64 bytes = s->size, units = s->size / SZ_2M;

	if (r->migrated)
		snprintf(full, sizeof(full), "%8s %8s %8s",
			 bench_num(a, sizeof(a), bench_mbs(bytes, r->full_to)),
			 bench_num(bk, sizeof(bk), bench_mbs(bytes, r->full_back)),
			 bench_num(c, sizeof(c), bench_mbs(2 * bytes, r->full_both)));
	else
		snprintf(full, sizeof(full), "%26s", "prefetch did not migrate");

	bench_out("%-5s %-4s %-3u | %s | %8s %8s %8s | %8s | %8s %8s | %6s %6s",
		  s->name, huge ? "THP" : "4K", reps, full,
		  bench_num(d, sizeof(d), bench_mbs(bytes, r->floor_to)),
		  bench_num(e, sizeof(e), bench_mbs(bytes, r->floor_back)),
		  bench_num(f, sizeof(f), bench_mbs(2 * bytes, r->floor_both)),
		  bench_num(g, sizeof(g), bench_mbs(2 * bytes, r->memcpy_both)),
		  r->migrated ? bench_ratio(h, sizeof(h), r->floor_both,
					    r->full_both) : "-",
		  r->migrated ? bench_ratio(i, sizeof(i), r->memcpy_both,
					    r->full_both) : "-",
		  r->migrated ? bench_ratio(j, sizeof(j), r->copies_to, units) : "-",
		  r->migrated ? bench_ratio(k, sizeof(k), r->copies_back, units) : "-");
	if (r->migrated) {
		u64 pt = r->chunks * (r->pt_write + r->pt_clear);

		bench_out("  full: %lu/%lu pages GPU-mapped; PTE writes %lu+%lu; flushes %lu",
			  r->gpu_mapped, (unsigned long)(s->size >> PAGE_SHIFT),
			  r->ptes_to, r->ptes_back, r->flushes_back);
		bench_out("  per 2M: PT jobs %s+%s, copy cmds %s+%s, waits %s+%s, cleared %llu B",
			  bench_ratio(e, sizeof(e), r->pt_jobs_to, units),
			  bench_ratio(f, sizeof(f), r->pt_jobs_back, units),
			  bench_ratio(g, sizeof(g), r->copies_to, units),
			  bench_ratio(h, sizeof(h), r->copies_back, units),
			  bench_ratio(i, sizeof(i), r->waits_to, units),
			  bench_ratio(j, sizeof(j), r->waits_back, units),
			  div64_u64(r->cleared_to, units));
		bench_out("  prefetch: alone %s MB/s, with up to %u helpers %s MB/s: %sx",
			  bench_num(a, sizeof(a), bench_mbs(bytes, r->full_to_alone)),
			  amdgpu_svm_prefetch_workers,
			  bench_num(bk, sizeof(bk), bench_mbs(bytes, r->full_to)),
			  bench_ratio(c, sizeof(c), r->full_to_alone, r->full_to));
		bench_out("  CPU faults back: 1 thread %s MB/s, 2 threads %s MB/s: %sx",
			  bench_num(a, sizeof(a), bench_mbs(bytes, r->full_back)),
			  r->full_back_two ?
			  bench_num(bk, sizeof(bk), bench_mbs(bytes, r->full_back_two)) : "-",
			  r->full_back_two ?
			  bench_ratio(c, sizeof(c), r->full_back, r->full_back_two) : "-");
		bench_out("  PT code/2M: write %s ms, clear %s ms; full w/o: %s MB/s, full/flr %s",
			  bench_ratio(a, sizeof(a), r->pt_write, NSEC_PER_MSEC),
			  bench_ratio(bk, sizeof(bk), r->pt_clear, NSEC_PER_MSEC),
			  pt < r->full_both ?
			  bench_num(c, sizeof(c), bench_mbs(2 * bytes,
							    r->full_both - pt)) : "-",
			  pt < r->full_both ?
			  bench_ratio(d, sizeof(d), r->floor_both,
				      r->full_both - pt) : "-");
	}
	if (r->migrated && r->moved != s->size >> PAGE_SHIFT)
		bench_out("note: %s %s: the prefetch moved %lu of %lu pages",
			  s->name, huge ? "THP" : "4K", r->moved,
			  (unsigned long)(s->size >> PAGE_SHIFT));
	if (huge && r->thp != r->chunks)
		bench_out("note: %s THP: only %lu of %lu 2 MiB chunks were THP-backed",
			  s->name, r->thp, r->chunks);
	if (!huge && r->thp)
		bench_out("note: %s 4K: %lu of %lu 2 MiB chunks were THP-backed",
			  s->name, r->thp, r->chunks);
}

/* All measurements of one (size, kind), medians into @row. */
static void bench_run(struct bench *b, const struct bench_size *s, bool huge,
		      void *ka, void *kb, struct bench_row *row)
{
	u64 fto[BENCH_MAX_REPS], fback[BENCH_MAX_REPS], fboth[BENCH_MAX_REPS];
	u64 lto[BENCH_MAX_REPS], lback[BENCH_MAX_REPS], lboth[BENCH_MAX_REPS];
	u64 mc[BENCH_MAX_REPS];
	unsigned long thp = ULONG_MAX;
	unsigned int r, workers;
	struct bench_times t;

	memset(row, 0, sizeof(*row));
	row->chunks = s->size / SZ_2M;
	row->migrated = true;
	for (r = 0; r < s->reps; r++) {
		mc[r] = bench_memcpy(ka, kb, s->size);

		row->migrated &= bench_full(b, s->size, huge, 1, &t, row);
		thp = min(thp, row->thp);
		fto[r] = t.to;
		fback[r] = t.back;
		fboth[r] = t.to + t.back;

		bench_floor(b, s->size, huge, &t, row);
		thp = min(thp, row->thp);
		lto[r] = t.to;
		lback[r] = t.back;
		lboth[r] = t.to + t.back;
	}
	row->thp = thp;
	/* The prefetch once more, by the caller alone. */
	workers = amdgpu_svm_prefetch_workers;
	amdgpu_svm_prefetch_workers = 0;
	row->migrated &= bench_full(b, s->size, huge, 1, &t, row);
	amdgpu_svm_prefetch_workers = workers;
	row->full_to_alone = t.to;
	/* And faulted back by two threads, on ranges of their own. */
	if (s->size >= 2 * SZ_2M) {
		row->migrated &= bench_full(b, s->size, huge, 2, &t, row);
		row->full_back_two = t.back;
	}
	bench_pt_code(b, &row->pt_write, &row->pt_clear);
	row->full_to = bench_median(fto, s->reps);
	row->full_back = bench_median(fback, s->reps);
	row->full_both = bench_median(fboth, s->reps);
	row->floor_to = bench_median(lto, s->reps);
	row->floor_back = bench_median(lback, s->reps);
	row->floor_both = bench_median(lboth, s->reps);
	row->memcpy_both = bench_median(mc, s->reps);
}

static void bench_size_desc(const struct bench_size *s, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", s->name);
}

KUNIT_ARRAY_PARAM(bench_size, bench_sizes, bench_size_desc);

static void bench_vfree(void *p)
{
	vfree(p);
}

static void bench_clear_current(void *data)
{
	bench_current = NULL;
}

static void amdgpu_migrate_bench_throughput(struct kunit *test)
{
	const struct bench_size *s = test->param_value;
	struct bench_row r4k, rthp;
	char x[24], y[24];
	struct bench *b;
	void *ka, *kb;
	u64 t0 = ktime_get_ns();

	KUNIT_ASSERT_LE(test, s->reps, BENCH_MAX_REPS);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	b->test = test;
	b->seed = s->size;
	b->nchunks = s->size / BENCH_CHUNK;
	b->chunks = kunit_kcalloc(test, b->nchunks, sizeof(*b->chunks),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->chunks);

	b->tdev = amdgpu_svm_test_dev_create_with_vram(test, true,
						       s->size + SZ_4M);
	b->vram = b->tdev->vram;
	b->mig = amdgpu_svm_test_migrate(b->tdev);
	KUNIT_ASSERT_NOT_NULL(test, b->mig);
	/* The SVM of the process exists once it made its first call. */
	KUNIT_ASSERT_EQ(test, 0, amdgpu_svm_test_ioctl(b->tdev,
						       AMDGPU_SVM_OP_RESET_ATTR,
						       b->tdev->attrs_page,
						       PAGE_SIZE, NULL, 0));
	bench_current = b;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   bench_clear_current,
							   NULL));

	ka = vmalloc(s->size);
	KUNIT_ASSERT_NOT_NULL(test, ka);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, bench_vfree, ka));
	kb = vmalloc(s->size);
	KUNIT_ASSERT_NOT_NULL(test, kb);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, bench_vfree, kb));
	memset(ka, 0x5a, s->size);
	memset(kb, 0xa5, s->size);

	bench_run(b, s, false, ka, kb, &r4k);
	bench_print_row(s, false, s->reps, &r4k);
	bench_run(b, s, true, ka, kb, &rthp);
	bench_print_row(s, true, s->reps, &rthp);

	bench_out("%s: THP over 4K, there and back: full %sx, floor %sx; case took %llu ms",
		  s->name,
		  r4k.migrated && rthp.migrated ?
		  bench_ratio(x, sizeof(x), r4k.full_both, rthp.full_both) : "-",
		  bench_ratio(y, sizeof(y), r4k.floor_both, rthp.floor_both),
		  div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
}

/* --- Between two GPUs: of one XGMI hive, or PCIe peers --- */

#define BENCH_HIVE	0xbe4c

struct bench_peer_case {
	struct bench_size s;
	bool pcie;
};

static const struct bench_peer_case bench_peer_cases[] = {
	{ { SZ_2M, 5, "2M" }, false },
	{ { SZ_64M, 3, "64M" }, false },
	{ { SZ_2M, 5, "2M" }, true },
	{ { SZ_64M, 3, "64M" }, true },
};

static void bench_peer_desc(const struct bench_peer_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s", c->s.name,
		 c->pcie ? "pcie" : "xgmi");
}

KUNIT_ARRAY_PARAM(bench_peer, bench_peer_cases, bench_peer_desc);

/* SET {PREFETCH_LOC, @loc} over the buffer on @t's file, timed. */
static u64 bench_prefetch(struct kunit *test, struct amdgpu_svm_test_dev *t,
			  unsigned long buf, size_t size, u32 loc)
{
	const struct drm_amdgpu_svm_attribute attr = {
		.type = AMDGPU_SVM_ATTR_PREFETCH_LOC, .value = loc,
	};
	u64 t0 = ktime_get_ns();

	KUNIT_EXPECT_EQ(test, 0, amdgpu_svm_test_ioctl(t, AMDGPU_SVM_OP_SET_ATTR,
						       buf, size, &attr, 1));
	return ktime_get_ns() - t0;
}

static void bench_peer_header(void)
{
	bench_out("between two GPUs, of one XGMI hive or PCIe peers (prefetches;");
	bench_out("  4 KiB pages):");
	bench_out("v2v: VRAM to VRAM, the holder's engine over XGMI or into the");
	bench_out("  other's BAR; v2r2v: to system memory on the holder's file,");
	bench_out("  then to the other GPU; MB/s of one move; ratio: v2r2v time");
	bench_out("  over v2v time; cmd/2M: copy commands per 2 MiB moved, both GPUs");
	bench_out("%-5s %-4s %-4s %-3s | %8s %8s | %8s | %6s %6s |",
		  "size", "link", "src", "n", "v2v", "v2r2v", "ratio", "v2v",
		  "v2r2v");
}

static u64 bench_commands(struct amdgpu_migrate_stats **stats)
{
	return atomic64_read(&stats[0]->copy_commands) +
	       atomic64_read(&stats[1]->copy_commands);
}

/*
 * The same bytes moved between the VRAM of two GPUs of one hive, or two
 * PCIe peers, two ways, interleaved: VRAM to VRAM (a prefetch to B of
 * pages in A's VRAM: A's engine copies them into B's over XGMI, or into
 * B's BAR), and VRAM to system memory
 * to VRAM (a prefetch to system memory on B's file, then a prefetch to A:
 * B's engine copies out, A's in). Each run moves the buffer from A to B
 * the first way and back the second.
 */
static void amdgpu_migrate_bench_peer(struct kunit *test)
{
	const struct bench_peer_case *pc = test->param_value;
	const struct bench_size *s = &pc->s;
	u64 direct[BENCH_MAX_REPS], via[BENCH_MAX_REPS], cmd_direct = 0,
	    cmd_via = 0, peer_pages, c, units = s->size / SZ_2M;
	struct amdgpu_svm_test_dev *gpu[2];
	struct amdgpu_migrate_stats *stats[2];
	char x[24], y[24], z[24], u[24], v[24], w[24];
	unsigned long map, buf, thp;
	struct bench *b;
	unsigned int i, r;

	KUNIT_ASSERT_LE(test, s->reps, BENCH_MAX_REPS);
	if (pc == bench_peer_cases)
		bench_peer_header();
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	b->test = test;
	b->seed = s->size ^ BENCH_HIVE;
	for (i = 0; i < 2; i++) {
		const struct amdgpu_svm_sim_hive xgmi = {
			.hive_id = BENCH_HIVE, .node = i, .nodes = 2,
		};
		const struct amdgpu_svm_sim_hive pcie = { .pcie = 1 };

		gpu[i] = amdgpu_svm_test_dev_create_in_hive(test, true,
							    s->size + SZ_4M,
							    pc->pcie ? &pcie :
							    &xgmi);
		KUNIT_ASSERT_NOT_NULL(test, amdgpu_svm_test_migrate(gpu[i]));
		stats[i] = &amdgpu_svm_test_migrate(gpu[i])->stats;
		KUNIT_ASSERT_EQ(test, 0,
				amdgpu_svm_test_ioctl(gpu[i],
						      AMDGPU_SVM_OP_RESET_ATTR,
						      gpu[i]->attrs_page,
						      PAGE_SIZE, NULL, 0));
	}
	buf = bench_buffer(b, s->size, false, &map, &thp);
	bench_prefetch(test, gpu[0], buf, s->size, 1);
	KUNIT_ASSERT_EQ(test, amdgpu_svm_test_vram_used(gpu[0]->vram),
			s->size >> PAGE_SHIFT);

	peer_pages = atomic64_read(&stats[0]->pages_to_peer) +
		     atomic64_read(&stats[1]->pages_to_peer);
	for (r = 0; r < s->reps; r++) {
		/* A to B, straight. */
		c = bench_commands(stats);
		direct[r] = bench_prefetch(test, gpu[1], buf, s->size, 1);
		cmd_direct += bench_commands(stats) - c;
		KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(gpu[1]->vram),
				s->size >> PAGE_SHIFT);
		/* And back from B to A through system memory. */
		c = bench_commands(stats);
		via[r] = bench_prefetch(test, gpu[1], buf, s->size,
					AMDGPU_SVM_LOCATION_SYSMEM);
		via[r] += bench_prefetch(test, gpu[0], buf, s->size, 1);
		cmd_via += bench_commands(stats) - c;
		KUNIT_EXPECT_EQ(test, amdgpu_svm_test_vram_used(gpu[0]->vram),
				s->size >> PAGE_SHIFT);
	}
	peer_pages = atomic64_read(&stats[0]->pages_to_peer) +
		     atomic64_read(&stats[1]->pages_to_peer) - peer_pages;
	/* Every direct move copied every page once, VRAM to VRAM. */
	KUNIT_EXPECT_EQ(test, peer_pages, s->reps * (s->size >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ_MSG(test, 0, bench_verify(buf, s->size, b->seed),
			    "between GPUs: pages corrupted");
	vm_munmap(map, s->size + SZ_2M);

	bench_out("%-5s %-4s %-4s %-3u | %8s %8s | %8s | %6s %6s | %s pages VRAM to VRAM",
		  s->name, pc->pcie ? "pcie" : "xgmi", "4K", s->reps,
		  bench_num(x, sizeof(x), bench_mbs(s->size,
						    bench_median(direct, s->reps))),
		  bench_num(y, sizeof(y), bench_mbs(s->size,
						    bench_median(via, s->reps))),
		  bench_ratio(z, sizeof(z), bench_median(via, s->reps),
			      bench_median(direct, s->reps)),
		  bench_ratio(u, sizeof(u), cmd_direct, s->reps * units),
		  bench_ratio(v, sizeof(v), cmd_via, s->reps * units),
		  bench_num(w, sizeof(w), peer_pages));
}

static unsigned int bench_saved_timeslice;

static int amdgpu_migrate_bench_init(struct kunit_suite *suite)
{
	/* Freshly migrated pages must not refuse the CPU faults back. */
	bench_saved_timeslice = amdgpu_svm_timeslice_ms;
	amdgpu_svm_timeslice_ms = 0;
	bench_header();
	return 0;
}

static void amdgpu_migrate_bench_exit(struct kunit_suite *suite)
{
	amdgpu_svm_timeslice_ms = bench_saved_timeslice;
	bench_out("targets (reported, never enforced):");
	bench_out("  full >= 0.9 x floor (full/flr >= 0.90)");
	bench_out("  THP >= 3 x 4K (full stack, per size)");
	bench_out("  1 copy command per 2 MiB contiguous (cmd/2M <= 1.00)");
	bench_out("  per 2M: 1 PT job (SDMA updates; 0 with CPU updates), 1 CPU wait");
	bench_out("  per migration, 0 bytes cleared for a populated range");
	bench_out("  prefetch with helpers >= 1.8 x alone, and two CPU-faulting");
	bench_out("  threads >= 1.6 x one, on 2 CPUs (with one CPU, the threads only");
	bench_out("  overlap the simulated engine's)");
	bench_out("  between GPUs: v2v >= 1.8 x v2r2v (one copy instead of two),");
	bench_out("  1 copy command per 2 MiB VRAM to VRAM, 2 through system memory");
}

static struct kunit_case amdgpu_migrate_bench_cases[] = {
	KUNIT_CASE_PARAM_ATTR(amdgpu_migrate_bench_throughput,
			      bench_size_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(amdgpu_migrate_bench_peer,
			      bench_peer_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite amdgpu_migrate_bench_suite = {
	.name = "amdgpu_migrate_bench",
	.suite_init = amdgpu_migrate_bench_init,
	.suite_exit = amdgpu_migrate_bench_exit,
	.test_cases = amdgpu_migrate_bench_cases,
};

kunit_test_suite(amdgpu_migrate_bench_suite);
