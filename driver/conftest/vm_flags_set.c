// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: vm_flags_set()/vm_flags_clear() exist; vma->vm_flags became
 * read-only at the same time.  Linux 6.3 ("mm: introduce vma->vm_flags
 * wrapper functions"); some distribution kernels backported it.
 */
#include <linux/mm.h>

void snn_probe(struct vm_area_struct *vma);
void snn_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_IO);
	vm_flags_clear(vma, VM_MAYWRITE);
}
