/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev: SNN_IOC_LOAD's network image builder (snn_load.c).
 */
#ifndef SNN_LOAD_H
#define SNN_LOAD_H

#include <linux/types.h>

struct snn_load;

/* The capacity of one cluster (SNN_REG_* capability registers). */
struct snn_load_caps {
	u32 cores, neurons, axons, synapses, fanout, profiles, out_queues;
};

/*
 * snn_load_build() - check an SNN_IOC_LOAD request and build its image
 * @req:  the request; its err_* fields are outputs
 * @caps: the cluster's capacity
 * @img:  out: the device image (snn_hw.h SNN_IMG_*, little-endian)
 * @len:  out: its length in bytes (at most SNN_IMG_MAX_LEN)
 *
 * Copies the arrays named by @req from user space, validates every field of
 * every entry against @caps with the device's own rules and in the device's
 * order (docs/hardware.md 6.6), so the device accepts exactly the images
 * this accepts, and builds the image in a kvmalloc()ed buffer.  Nothing is
 * allocated or copied before the counts have been checked against @caps and
 * SNN_IMG_MAX_LEN.
 *
 * Return: 0 with *@img and *@len set (the caller kvfree()s *@img), or
 *  -EINVAL: a value out of range, a nonzero reserved field or req->flags,
 *           an unknown neuron flag, an undefined neuron or profile, a
 *           duplicate neuron;
 *  -ENOSPC: over capacity: too many cores, neurons or axons per core,
 *           profiles, neurons, synapses or fan-out entries (in the header,
 *           or per core in the synapse and fan-out arrays), or an image
 *           longer than SNN_IMG_MAX_LEN (the count that makes it too long);
 *  -EFAULT: an array could not be read (err_field SNN_FIELD_POINTER,
 *           err_index the first entry that could not be copied);
 *  -ENOMEM.
 * On -EINVAL, -ENOSPC and -EFAULT, req->err_section (SNN_SEC_*, the header
 * for the counts and flags of struct snn_load itself), req->err_index (the
 * entry within its array, 0 for the header) and req->err_field
 * (SNN_FIELD_*) locate the first error in image order; req->err_limit is
 * the largest value the field accepts (for a range, even if the value was
 * too small), the capacity exceeded (-ENOSPC), or 0 where no limit applies
 * (reserved fields, undefined references, duplicates).  Otherwise the err_*
 * fields are 0.
 *
 * Context: process context, may sleep.
 */
int snn_load_build(struct snn_load *req, const struct snn_load_caps *caps,
		   void **img, size_t *len);

#endif /* SNN_LOAD_H */
