// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulated GPU, part "queues": the user queues of the VM, as the
 * scheduler firmware sees them, running or stopped.
 *
 * What it models: the firmware below amdgpu's user-queue manager
 * (amdgpu_userq.c), in place of MES: the manager's map, unmap, preempt
 * and restore reach amdgpu_svm_sim_userq_funcs, which start and stop the
 * queues. The manager itself, its eviction fence and its restore worker
 * are amdgpu's own. All queues of the device's VM share one state. While
 * they are stopped nothing executes, so a GPU access then is a test bug
 * and fails the test. With XNACK off a running queue cannot survive a
 * page fault: a translation the queue was using (one the TLB holds) that
 * is no longer valid when the driver flushes the TLB or stops the queues
 * means a valid PTE was taken away under a running queue, and fails the
 * test ("PTE invalidated under a running queue").
 *
 * What it does not model: individual queues, the time a queue needs to
 * drain, preemption failures and the resulting GPU reset, doorbells and
 * the queues' own fences.
 */

#include <kunit/test.h>

#include "../amdgpu.h"
#include "../amdgpu_userq.h"
#include "amdgpu_svm_sim.h"

/**
 * amdgpu_svm_sim_queue_check() - XNACK off: no translation in use may
 * have lost its PTE while the queues run
 * @sim: the device
 * @vm: the VM the queues run in
 *
 * Context: @sim->access_lock held for write.
 */
void amdgpu_svm_sim_queue_check(struct amdgpu_svm_sim *sim,
				struct amdgpu_vm *vm)
{
	struct amdgpu_svm_sim_tlb_entry e, now;
	unsigned int i;

	if (!sim->adev->gmc.noretry || sim->queues_quiesced || !vm)
		return;
	for (i = 0; amdgpu_svm_sim_tlb_entry_at(sim, i, &e); i++) {
		if (e.pasid != vm->pasid ||
		    amdgpu_svm_sim_walk_locked(sim, vm, e.first, &now))
			continue;
		amdgpu_svm_sim_fail(sim,
				    "PTE invalidated under a running queue (XNACK off): GPU page %llx",
				    e.first);
		return;
	}
}

/**
 * amdgpu_svm_sim_queue_quiesce() - stop the VM's queues
 * @sim: the device
 * @vm: the VM
 *
 * Context: any context that may spin.
 */
void amdgpu_svm_sim_queue_quiesce(struct amdgpu_svm_sim *sim,
				  struct amdgpu_vm *vm)
{
	write_lock(&sim->access_lock);
	amdgpu_svm_sim_queue_check(sim, vm);
	if (sim->queues_quiesced)
		amdgpu_svm_sim_fail(sim, "queues quiesced twice");
	sim->queues_quiesced = true;
	write_unlock(&sim->access_lock);
	amdgpu_svm_sim_report(sim);
}

/**
 * amdgpu_svm_sim_queue_resume() - restart the VM's queues
 * @sim: the device
 *
 * Context: any context that may spin.
 */
void amdgpu_svm_sim_queue_resume(struct amdgpu_svm_sim *sim)
{
	write_lock(&sim->access_lock);
	if (!sim->queues_quiesced)
		amdgpu_svm_sim_fail(sim, "queues resumed that were not quiesced");
	sim->queues_quiesced = false;
	write_unlock(&sim->access_lock);
	amdgpu_svm_sim_report(sim);
}

static int sim_userq_stop(struct amdgpu_usermode_queue *queue)
{
	struct amdgpu_svm_sim *sim = amdgpu_svm_sim_of(queue->userq_mgr->adev);

	atomic_inc(&sim->queue_stops);
	amdgpu_svm_sim_queue_quiesce(sim, queue->vm);
	return 0;
}

static int sim_userq_start(struct amdgpu_usermode_queue *queue)
{
	struct amdgpu_svm_sim *sim = amdgpu_svm_sim_of(queue->userq_mgr->adev);

	atomic_inc(&sim->queue_starts);
	amdgpu_svm_sim_queue_resume(sim);
	return 0;
}

/*
 * What MES does for amdgpu's user-queue manager, for the compute queue
 * the test device makes (amdgpu_svm_test_dev_create()). Creating and
 * destroying a queue's MQD is the test device's part.
 */
const struct amdgpu_userq_funcs amdgpu_svm_sim_userq_funcs = {
	.map = sim_userq_start,
	.restore = sim_userq_start,
	.unmap = sim_userq_stop,
	.preempt = sim_userq_stop,
};
