/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Tracepoints of amdgpu SVM and VRAM migration, in the "amdgpu_svm" trace
 * system. amdgpu_migrate.c instantiates them.
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM amdgpu_svm

#if !defined(_AMDGPU_SVM_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _AMDGPU_SVM_TRACE_H_

#include <linux/tracepoint.h>

#include "amdgpu_svm_range_migrate.h"

/* So that user space can resolve the symbolic names below. */
TRACE_DEFINE_ENUM(AMDGPU_SVM_MIGRATE_STAY);
TRACE_DEFINE_ENUM(AMDGPU_SVM_MIGRATE_TO_VRAM);
TRACE_DEFINE_ENUM(AMDGPU_SVM_MIGRATE_TO_SYSMEM);
TRACE_DEFINE_ENUM(AMDGPU_SVM_TRIGGER_GPU_FAULT);
TRACE_DEFINE_ENUM(AMDGPU_SVM_TRIGGER_PREFETCH);
TRACE_DEFINE_ENUM(AMDGPU_SVM_TRIGGER_MAP);
TRACE_DEFINE_ENUM(AMDGPU_SVM_TRIGGER_RESTORE);

#define show_svm_action(a)						\
	__print_symbolic(a,						\
			 { AMDGPU_SVM_MIGRATE_STAY, "stay" },		\
			 { AMDGPU_SVM_MIGRATE_TO_VRAM, "to_vram" },	\
			 { AMDGPU_SVM_MIGRATE_TO_SYSMEM, "to_sysmem" })

#define show_svm_trigger(t)						\
	__print_symbolic(t,						\
			 { AMDGPU_SVM_TRIGGER_GPU_FAULT, "gpu_fault" },	\
			 { AMDGPU_SVM_TRIGGER_PREFETCH, "prefetch" },	\
			 { AMDGPU_SVM_TRIGGER_MAP, "map" },		\
			 { AMDGPU_SVM_TRIGGER_RESTORE, "restore" })

TRACE_EVENT(amdgpu_svm_migrate_start,
	    TP_PROTO(const struct device *dev, int action, int trigger,
		     unsigned long start, unsigned long npages),
	    TP_ARGS(dev, action, trigger, start, npages),
	    TP_STRUCT__entry(__string(dev, dev_name(dev))
			     __field(int, action)
			     __field(int, trigger)
			     __field(unsigned long, start)
			     __field(unsigned long, npages)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->action = action;
			   __entry->trigger = trigger;
			   __entry->start = start;
			   __entry->npages = npages;),
	    TP_printk("dev=%s %s trigger=%s start=0x%lx pages=%lu",
		      __get_str(dev), show_svm_action(__entry->action),
		      show_svm_trigger(__entry->trigger), __entry->start,
		      __entry->npages)
);

TRACE_EVENT(amdgpu_svm_migrate_end,
	    TP_PROTO(const struct device *dev, int action, int trigger,
		     unsigned long start, unsigned long npages, u64 bytes,
		     u64 copies, int ret),
	    TP_ARGS(dev, action, trigger, start, npages, bytes, copies, ret),
	    TP_STRUCT__entry(__string(dev, dev_name(dev))
			     __field(int, action)
			     __field(int, trigger)
			     __field(unsigned long, start)
			     __field(unsigned long, npages)
			     __field(u64, bytes)
			     __field(u64, copies)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->action = action;
			   __entry->trigger = trigger;
			   __entry->start = start;
			   __entry->npages = npages;
			   __entry->bytes = bytes;
			   __entry->copies = copies;
			   __entry->ret = ret;),
	    TP_printk("dev=%s %s trigger=%s start=0x%lx pages=%lu bytes=%llu copies=%llu ret=%d",
		      __get_str(dev), show_svm_action(__entry->action),
		      show_svm_trigger(__entry->trigger), __entry->start,
		      __entry->npages, __entry->bytes, __entry->copies,
		      __entry->ret)
);

TRACE_EVENT(amdgpu_svm_gpu_fault,
	    TP_PROTO(const struct device *dev, u32 pasid, u64 addr, bool write,
		     int ret),
	    TP_ARGS(dev, pasid, addr, write, ret),
	    TP_STRUCT__entry(__string(dev, dev_name(dev))
			     __field(u32, pasid)
			     __field(u64, addr)
			     __field(bool, write)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->pasid = pasid;
			   __entry->addr = addr;
			   __entry->write = write;
			   __entry->ret = ret;),
	    TP_printk("dev=%s pasid=%u addr=0x%llx %s ret=%d",
		      __get_str(dev), __entry->pasid, __entry->addr,
		      __entry->write ? "write" : "read", __entry->ret)
);

TRACE_EVENT(amdgpu_svm_evict,
	    TP_PROTO(const struct device *dev, u64 size, int ret),
	    TP_ARGS(dev, size, ret),
	    TP_STRUCT__entry(__string(dev, dev_name(dev))
			     __field(u64, size)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->size = size;
			   __entry->ret = ret;),
	    TP_printk("dev=%s size=%llu ret=%d", __get_str(dev),
		      __entry->size, __entry->ret)
);

TRACE_EVENT(amdgpu_svm_copy_back_cpu,
	    TP_PROTO(const struct device *dev, unsigned long npages,
		     int engine_err, int ret),
	    TP_ARGS(dev, npages, engine_err, ret),
	    TP_STRUCT__entry(__string(dev, dev_name(dev))
			     __field(unsigned long, npages)
			     __field(int, engine_err)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->npages = npages;
			   __entry->engine_err = engine_err;
			   __entry->ret = ret;),
	    TP_printk("dev=%s pages=%lu engine_err=%d ret=%d", __get_str(dev),
		      __entry->npages, __entry->engine_err, __entry->ret)
);

TRACE_EVENT(amdgpu_svm_vram_lost,
	    TP_PROTO(const struct device *dev, unsigned long npages),
	    TP_ARGS(dev, npages),
	    TP_STRUCT__entry(__string(dev, dev_name(dev))
			     __field(unsigned long, npages)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->npages = npages;),
	    TP_printk("dev=%s pages=%lu", __get_str(dev), __entry->npages)
);

TRACE_EVENT(amdgpu_svm_fallback,
	    TP_PROTO(const struct device *dev, int action, int trigger,
		     unsigned long start, unsigned long npages, int err),
	    TP_ARGS(dev, action, trigger, start, npages, err),
	    TP_STRUCT__entry(__string(dev, dev_name(dev))
			     __field(int, action)
			     __field(int, trigger)
			     __field(unsigned long, start)
			     __field(unsigned long, npages)
			     __field(int, err)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->action = action;
			   __entry->trigger = trigger;
			   __entry->start = start;
			   __entry->npages = npages;
			   __entry->err = err;),
	    TP_printk("dev=%s %s failed trigger=%s start=0x%lx pages=%lu err=%d",
		      __get_str(dev), show_svm_action(__entry->action),
		      show_svm_trigger(__entry->trigger), __entry->start,
		      __entry->npages, __entry->err)
);

#endif /* _AMDGPU_SVM_TRACE_H_ */

/* The amdgpu directory is on the include path of every amdgpu object. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE amdgpu_svm_trace
#include <trace/define_trace.h>
