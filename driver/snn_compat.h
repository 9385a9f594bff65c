/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev: kernel API differences between the kernels snn.ko builds on.
 *
 * Every choice here rests on a feature probe, never on LINUX_VERSION_CODE
 * (distribution kernels backport API changes): driver/conftest.sh compiles
 * driver/conftest/<name>.c against the target kernel and defines
 * SNN_HAVE_<NAME> in the generated snn_conftest.h (driver/Kbuild runs it).
 * Each probe's file names the kernel change it detects.
 *
 * Use the snn_* / SNN_* names below instead of the kernel API they wrap.
 */
#ifndef SNN_COMPAT_H
#define SNN_COMPAT_H

#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#include "snn_conftest.h"

/*
 * 6.12: <asm/unaligned.h> moved to <linux/unaligned.h>.  Include
 * snn_compat.h instead of either.
 */
#ifdef SNN_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.4: class_create() lost its owner argument. */
#ifdef SNN_HAVE_CLASS_CREATE_NO_OWNER
#define snn_class_create(name)	class_create(name)
#else
#define snn_class_create(name)	class_create(THIS_MODULE, name)
#endif

/*
 * 6.2: struct class callbacks take a const struct device *.  Declare them
 * as, e.g.,
 *	static char *snn_devnode(SNN_DEVNODE_CONST struct device *dev,
 *				 umode_t *mode);
 */
#ifdef SNN_HAVE_CLASS_DEVNODE_CONST
#define SNN_DEVNODE_CONST	const
#else
#define SNN_DEVNODE_CONST
#endif

#ifdef SNN_HAVE_CLASS_DEV_UEVENT_CONST
#define SNN_DEV_UEVENT_CONST	const
#else
#define SNN_DEV_UEVENT_CONST
#endif

/* 6.3: vma->vm_flags is read-only; change it with vm_flags_set/clear(). */
static inline void snn_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#ifdef SNN_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void snn_vm_flags_clear(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#ifdef SNN_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/* 6.8: eventfd_signal() lost its count argument (it always adds 1). */
static inline void snn_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef SNN_HAVE_EVENTFD_SIGNAL_NO_COUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * 6.12: no_llseek is gone; a NULL .llseek means the same.  For
 * file_operations: .llseek = SNN_NO_LLSEEK (with nonseekable_open() or
 * stream_open() in .open).
 */
#ifdef SNN_HAVE_NO_LLSEEK
#define SNN_NO_LLSEEK		no_llseek
#else
#define SNN_NO_LLSEEK		NULL
#endif

/*
 * 6.12: struct fd lost its .file member; fd_file(f) replaces f.file:
 *	struct fd f = fdget(fd);
 *
 *	if (!snn_fd_file(f))
 *		return -EBADF;
 */
#ifdef SNN_HAVE_FD_FILE
#define snn_fd_file(f)		fd_file(f)
#else
#define snn_fd_file(f)		((f).file)
#endif

/*
 * 6.17: the per-CPU system workqueue is system_percpu_wq (commit
 * 128ea9f6ccfb, "workqueue: Add system_percpu_wq and system_dfl_wq");
 * system_wq is deprecated and goes away.  snn_system_wq is the queue
 * schedule_work() and schedule_delayed_work() use, on every kernel:
 *	mod_delayed_work(snn_system_wq, &dwork, delay);
 */
#ifdef SNN_HAVE_SYSTEM_PERCPU_WQ
#define snn_system_wq		system_percpu_wq
#else
#define snn_system_wq		system_wq
#endif

#endif /* SNN_COMPAT_H */
