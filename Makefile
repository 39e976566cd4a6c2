# SPDX-License-Identifier: MIT
#
# amdgpu shared virtual memory (SVM) with VRAM migration.
#
# This file has two readers:
#  - kbuild, which includes it from drivers/gpu/drm/amd/amdgpu/Makefile
#    (as Makefile.svm, see patches/0002) for the list of objects;
#  - the user, who runs "make" in the repository for the targets below.

ifneq ($(KERNELRELEASE),)

# ---------------------------------------------------------------------------
# kbuild: the one list of the project's objects, linked into amdgpu.ko.

AMDGPU_SVM_FILES := \
	amdgpu_svm.o \
	amdgpu_svm_range.o \
	amdgpu_svm_range_migrate.o \
	amdgpu_svm_fault.o \
	amdgpu_svm_attr.o \
	amdgpu_migrate.o

AMDGPU_SVM_KUNIT_FILES := \
	kunit/amdgpu_svm_sim_dev.o \
	kunit/amdgpu_svm_sim_mmu.o \
	kunit/amdgpu_svm_sim_queue.o \
	kunit/amdgpu_svm_sim_sdma.o \
	kunit/amdgpu_svm_test_device.o \
	kunit/amdgpu_svm_sim_test.o \
	kunit/amdgpu_svm_attr_test.o \
	kunit/amdgpu_svm_attr_model_test.o \
	kunit/amdgpu_svm_ioctl_test.o \
	kunit/amdgpu_svm_map_test.o \
	kunit/amdgpu_svm_fault_test.o \
	kunit/amdgpu_svm_mm_test.o \
	kunit/amdgpu_svm_stress_test.o \
	kunit/amdgpu_svm_policy_test.o \
	kunit/amdgpu_svm_peer_test.o \
	kunit/amdgpu_migrate_test.o \
	kunit/amdgpu_migrate_bench.o

amdgpu-$(CONFIG_DRM_AMDGPU_SVM) += $(AMDGPU_SVM_FILES)
amdgpu-$(CONFIG_DRM_AMDGPU_SVM_KUNIT_TEST) += $(AMDGPU_SVM_KUNIT_FILES)

else

# ---------------------------------------------------------------------------
# The user's targets.  The work is done by the scripts in tools/.

.PHONY: all build tree unpatch check static kunit bench stress patches \
	check-series htmldocs clean distclean help

all: build

## build: fetch and prepare the Linux 7.3 tree, build amdgpu.ko with SVM
build:
	@tools/build.sh

## tree: only prepare the kernel tree (host packages, download, patches)
tree:
	@tools/setup.sh

## unpatch: with KDIR=, take out of that tree what make KDIR= put in it
unpatch:
	@tools/setup.sh unpatch

## check: every static check and every KUnit suite (what CI runs)
check:
	@tools/check.sh

## static: W=1, sparse, checkpatch --strict and kernel-doc on our files
static:
	@tools/check.sh static

## kunit: the KUnit suites in QEMU, on the debug test kernel
kunit:
	@tools/check.sh kunit

## bench: migration throughput figures in the QEMU test kernel (no pass/fail)
bench:
	@tools/bench.sh

## stress: the concurrency suite for minutes (STRESS_MS=, STRESS_SEED=)
stress:
	@tools/stress.sh

## patches: write the upstream patch series to build/series/
patches:
	@tools/patches.sh

## check-series: apply the series patch by patch, compiling after each
check-series:
	@tools/check-series.sh

## htmldocs: build the documentation chapter with Sphinx, warnings fail
htmldocs:
	@tools/htmldocs.sh

## clean: remove this clone's build directory (the download cache stays)
clean:
	rm -rf build

help:
	@sed -n 's/^## //p' Makefile

endif
