# SPDX-License-Identifier: MIT
#
# QEMU for the KUnit test kernel, forced onto TCG: KVM is not usable on
# the machines this project is tested on, and kunit.py always asks for it
# first.  qemu_arch 'x86_64-tcg' runs bin/qemu-system-x86_64-tcg beside
# this file, which drops every accelerator but TCG.
#
# init_on_free=1 makes a freed page come back zeroed, so a copy that skips
# bytes cannot pass a round-trip test by finding the old bytes in a
# recycled page.

import os

from ..qemu_config import QemuArchParams

os.environ['PATH'] = (os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bin') +
		      os.pathsep + os.environ.get('PATH', ''))

# The PCI functions the simulated GPUs sit on (see amdgpu_svm_sim_dev.c):
# QEMU's "edu" devices, which no driver claims.  Four on the root bus,
# whose host bridge does not route peer-to-peer traffic; three on bus 1,
# behind a PCI-PCI bridge, which does: the PCIe peers.
GPU_FUNCTIONS = ([arg for i in range(4)
		  for arg in ('-device', f'edu,addr={0x11 + i:#x}')] +
		 ['-device', 'pci-bridge,id=p2p1,chassis_nr=1,addr=0x10'] +
		 [arg for i in range(3)
		  for arg in ('-device', f'edu,bus=p2p1,addr={1 + i:#x}')])

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64-tcg',
			   kernel_path='arch/x86/boot/bzImage',
			   # init_on_free: a freed page comes back zeroed, so a copy
			   # that misses pages cannot pass by luck. THP only where a
			   # test asks for it and no proactive compaction: khugepaged
			   # and kcompactd would otherwise run MMU notifiers of test
			   # address spaces in their own threads, where the simulated
			   # device's static stub is not in place.
			   # amdgpu.gpu_recovery=0: a job that times out stops in
			   # amdgpu's handler; the recovery it would start brings
			   # every IP block back, which the simulated device does not
			   # have, and the SDMA model resets the hung ring instead.
			   kernel_command_line='console=ttyS0 init_on_free=1 '
					       'amdgpu.gpu_recovery=0 '
					       'transparent_hugepage=madvise '
					       'sysctl.vm.compaction_proactiveness=0',
			   extra_qemu_params=['-cpu', 'max', '-m', '2048', '-smp', '2',
					      '-bios', 'qboot.rom'] + GPU_FUNCTIONS)
