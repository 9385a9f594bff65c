// SPDX-License-Identifier: GPL-2.0
/*
 * snndev: SNN_IOC_LOAD's network image builder.
 *
 * The uapi records (struct snn_profile, snn_neuron, snn_synapse, snn_fanout)
 * have the layout of the image records (docs/hardware.md 6), so each array
 * is copied from user space straight into its place in the image.  Every
 * entry is then read back, checked with the rules the device applies
 * (docs/hardware.md 6.6, in the same order, so that the device never
 * rejects an image that passed here and the first error reported is the one
 * the device would have found) and its multi-byte fields are rewritten
 * little-endian.  Errors are reported in uapi terms: section, entry, field,
 * limit.
 *
 * Memory: the image (at most SNN_IMG_MAX_LEN), one bit per possible neuron
 * of the declared geometry (at most 2 MiB) and one counter per core; all of
 * it is sized from counts already checked against the cluster's capacity.
 */
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/snn.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#include "snn_hw.h"
#include "snn_load.h"

static_assert(sizeof(struct snn_profile) == SNN_IMG_PROFILE_SIZE);
static_assert(sizeof(struct snn_neuron) == SNN_IMG_REC_SIZE);
static_assert(sizeof(struct snn_synapse) == SNN_IMG_REC_SIZE);
static_assert(sizeof(struct snn_fanout) == SNN_IMG_REC_SIZE);
static_assert(SNN_IMG_MAX_LEN <= INT_MAX);

/* Entries checked between two cond_resched() calls. */
#define SNN_LOAD_BATCH		4096

struct snn_load_ctx {
	struct snn_load *req;
	const struct snn_load_caps *caps;
	u8 *img;
	u8 *prof, *nrn, *syn, *fo;	/* the sections of img */
	unsigned long *defined;		/* bit core * npc + index: exists */
	u32 *per_core;			/* synapses or fan-out entries */
};

/* Little-endian stores into the image, on any CPU. */
static void snn_load_put16(u32 v, u8 *p)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void snn_load_put32(u32 v, u8 *p)
{
	snn_load_put16(v, p);
	snn_load_put16(v >> 16, p + 2);
}

static int snn_load_fail(struct snn_load *req, int err, u32 section,
			 u32 index, u32 field, u32 limit)
{
	req->err_section = section;
	req->err_index = index;
	req->err_field = field;
	req->err_limit = limit;
	return err;
}

static int snn_load_hdr_fail(struct snn_load *req, int err, u32 field,
			     u32 limit)
{
	return snn_load_fail(req, err, SNN_SEC_HEADER, 0, field, limit);
}

/*
 * A header geometry value: @min..@fmt_max is what the image format can
 * express (else -EINVAL), @cap what the cluster offers (else -ENOSPC).
 */
static int snn_load_check_dim(struct snn_load *req, u32 field, u32 val,
			      u32 min, u32 fmt_max, u32 cap)
{
	if (val < min || val > fmt_max)
		return snn_load_hdr_fail(req, -EINVAL, field,
					 min_t(u32, fmt_max, cap));
	if (val > cap)
		return snn_load_hdr_fail(req, -ENOSPC, field, cap);
	return 0;
}

/* A header record count: at most @per_core for each of n_cores cores. */
static int snn_load_check_count(struct snn_load *req, u32 field, u32 val,
				u32 per_core)
{
	u32 max;

	if (check_mul_overflow(req->n_cores, per_core, &max))
		max = U32_MAX;
	if (val > max)
		return snn_load_hdr_fail(req, -ENOSPC, field, max);
	return 0;
}

/*
 * Add @n records to the image length *@len (at most SNN_IMG_MAX_LEN on
 * entry); if that would make the image too long, fail with the largest
 * count that fits.
 */
static int snn_load_add_len(struct snn_load *req, u32 field, u32 n, u64 *len)
{
	u32 room = (SNN_IMG_MAX_LEN - *len) / SNN_IMG_REC_SIZE;

	if (n > room)
		return snn_load_hdr_fail(req, -ENOSPC, field, room);
	*len += (u64)n * SNN_IMG_REC_SIZE;
	return 0;
}

/*
 * The header checks, in the device's order (docs/hardware.md 6.6 #7-#16)
 * after those of the request's own flags and reserved fields.  On success
 * *@len is the image length.
 */
static int snn_load_check_header(struct snn_load *req,
				 const struct snn_load_caps *caps, size_t *len)
{
	u64 l;
	int ret;

	if (req->flags)
		return snn_load_hdr_fail(req, -EINVAL, SNN_FIELD_FLAGS, 0);
	if (req->reserved[0] || req->reserved[1])
		return snn_load_hdr_fail(req, -EINVAL, SNN_FIELD_RESERVED, 0);

	ret = snn_load_check_dim(req, SNN_FIELD_N_CORES, req->n_cores,
				 1, SNN_MAX_CORES, caps->cores);
	if (ret)
		return ret;
	ret = snn_load_check_dim(req, SNN_FIELD_NEURONS_PER_CORE,
				 req->neurons_per_core, 1,
				 SNN_MAX_NEURONS_PER_CORE, caps->neurons);
	if (ret)
		return ret;
	ret = snn_load_check_dim(req, SNN_FIELD_AXONS_PER_CORE,
				 req->axons_per_core, 1,
				 SNN_MAX_AXONS_PER_CORE, caps->axons);
	if (ret)
		return ret;
	ret = snn_load_check_dim(req, SNN_FIELD_N_PROFILES, req->n_profiles,
				 0, SNN_MAX_PROFILES, caps->profiles);
	if (ret)
		return ret;

	/* n_cores <= 256 and neurons_per_core <= 65535: no overflow */
	ret = snn_load_check_count(req, SNN_FIELD_N_NEURONS, req->n_neurons,
				   req->neurons_per_core);
	if (ret)
		return ret;
	ret = snn_load_check_count(req, SNN_FIELD_N_SYNAPSES, req->n_synapses,
				   caps->synapses);
	if (ret)
		return ret;
	ret = snn_load_check_count(req, SNN_FIELD_N_FANOUT, req->n_fanout,
				   caps->fanout);
	if (ret)
		return ret;

	l = SNN_IMG_HDR_SIZE + (u64)req->n_profiles * SNN_IMG_PROFILE_SIZE;
	ret = snn_load_add_len(req, SNN_FIELD_N_NEURONS, req->n_neurons, &l);
	if (ret)
		return ret;
	ret = snn_load_add_len(req, SNN_FIELD_N_SYNAPSES, req->n_synapses, &l);
	if (ret)
		return ret;
	ret = snn_load_add_len(req, SNN_FIELD_N_FANOUT, req->n_fanout, &l);
	if (ret)
		return ret;

	/*
	 * The device accepts 0 profiles, and then rejects the first neuron
	 * (its profile is undefined): say so here, in terms of the count.
	 */
	if (!req->n_profiles && req->n_neurons)
		return snn_load_hdr_fail(req, -EINVAL, SNN_FIELD_N_PROFILES,
					 min_t(u32, caps->profiles,
					       SNN_MAX_PROFILES));
	*len = l;
	return 0;
}

/* Copy @n entries of @size bytes from user address @uptr to @dst. */
static int snn_load_copy(struct snn_load *req, u32 section, void *dst,
			 u64 uptr, u32 n, size_t size)
{
	size_t total = array_size(n, size);
	unsigned long left;

	if (!n)
		return 0;
	left = copy_from_user(dst, u64_to_user_ptr(uptr), total);
	if (left)
		return snn_load_fail(req, -EFAULT, section,
				     (total - left) / size,
				     SNN_FIELD_POINTER, 0);
	return 0;
}

static void snn_load_write_header(struct snn_load_ctx *c)
{
	const struct snn_load *req = c->req;
	u8 *h = c->img;

	memset(h, 0, SNN_IMG_HDR_SIZE);
	snn_load_put32(SNN_IMG_MAGIC, h + SNN_IMG_H_MAGIC);
	snn_load_put16(SNN_IMG_VERSION, h + SNN_IMG_H_VERSION);
	snn_load_put16(SNN_IMG_HDR_SIZE, h + SNN_IMG_H_HDR_SIZE);
	snn_load_put16(req->n_cores, h + SNN_IMG_H_N_CORES);
	snn_load_put16(req->neurons_per_core, h + SNN_IMG_H_NEURONS_PER_CORE);
	snn_load_put16(req->axons_per_core, h + SNN_IMG_H_AXONS_PER_CORE);
	snn_load_put16(req->n_profiles, h + SNN_IMG_H_N_PROFILES);
	snn_load_put32(req->n_neurons, h + SNN_IMG_H_N_NEURONS);
	snn_load_put32(req->n_synapses, h + SNN_IMG_H_N_SYNAPSES);
	snn_load_put32(req->n_fanout, h + SNN_IMG_H_N_FANOUT);
}

static bool snn_load_bias_ok(s16 mant)
{
	return mant >= SNN_LIF_BIAS_MANT_MIN && mant <= SNN_LIF_BIAS_MANT_MAX;
}

/* Checks #18-#19. */
static int snn_load_profiles(struct snn_load_ctx *c)
{
	struct snn_load *req = c->req;
	struct snn_profile p;
	u8 *rec = c->prof;
	u32 i;

	for (i = 0; i < req->n_profiles; i++, rec += SNN_IMG_PROFILE_SIZE) {
		memcpy(&p, rec, sizeof(p));
		if (p.du > SNN_LIF_DU_MAX)
			return snn_load_fail(req, -EINVAL, SNN_SEC_PROFILE, i,
					     SNN_FIELD_DU, SNN_LIF_DU_MAX);
		if (p.dv > SNN_LIF_DV_MAX)
			return snn_load_fail(req, -EINVAL, SNN_SEC_PROFILE, i,
					     SNN_FIELD_DV, SNN_LIF_DV_MAX);
		if (p.vth > SNN_LIF_VTH_MAX)
			return snn_load_fail(req, -EINVAL, SNN_SEC_PROFILE, i,
					     SNN_FIELD_VTH, SNN_LIF_VTH_MAX);
		if (!snn_load_bias_ok(p.bias_mant))
			return snn_load_fail(req, -EINVAL, SNN_SEC_PROFILE, i,
					     SNN_FIELD_BIAS_MANT,
					     SNN_LIF_BIAS_MANT_MAX);
		if (p.bias_exp < SNN_LIF_BIAS_EXP_MIN ||
		    p.bias_exp > SNN_LIF_BIAS_EXP_MAX)
			return snn_load_fail(req, -EINVAL, SNN_SEC_PROFILE, i,
					     SNN_FIELD_BIAS_EXP,
					     SNN_LIF_BIAS_EXP_MAX);
		if (p.reserved0 || p.reserved1)
			return snn_load_fail(req, -EINVAL, SNN_SEC_PROFILE, i,
					     SNN_FIELD_RESERVED, 0);
		/* bytes and zero fields are already in place */
		snn_load_put16(p.du, rec + SNN_IMG_P_DU);
		snn_load_put16(p.dv, rec + SNN_IMG_P_DV);
		snn_load_put32(p.vth, rec + SNN_IMG_P_VTH);
		snn_load_put16((u16)p.bias_mant, rec + SNN_IMG_P_BIAS_MANT);
	}
	return 0;
}

/* Checks #20-#28. */
static int snn_load_neurons(struct snn_load_ctx *c)
{
	struct snn_load *req = c->req;
	u32 npc = req->neurons_per_core;
	struct snn_neuron n;
	u8 *rec = c->nrn;
	u32 i, flat;

	for (i = 0; i < req->n_neurons; i++, rec += SNN_IMG_REC_SIZE) {
		if (!(i % SNN_LOAD_BATCH))
			cond_resched();
		memcpy(&n, rec, sizeof(n));
		if (n.core >= req->n_cores)
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_CORE, req->n_cores - 1);
		/* n_profiles >= 1 here: see snn_load_check_header() */
		if (n.profile >= req->n_profiles)
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_PROFILE,
					     req->n_profiles - 1);
		if (n.index >= npc)
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_INDEX, npc - 1);
		if (n.flags & ~SNN_NEURON_FLAGS_ALL)
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_FLAGS,
					     SNN_NEURON_FLAGS_ALL);
		if ((n.flags & SNN_NEURON_OUT) &&
		    n.outq >= c->caps->out_queues)
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_OUTQ,
					     c->caps->out_queues ?
					     c->caps->out_queues - 1 : 0);
		if (!(n.flags & SNN_NEURON_OUT) && n.outq)
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_OUTQ, 0);
		if ((n.flags & SNN_NEURON_BIAS) &&
		    !snn_load_bias_ok(n.bias_mant))
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_BIAS_MANT,
					     SNN_LIF_BIAS_MANT_MAX);
		if (!(n.flags & SNN_NEURON_BIAS) && n.bias_mant)
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_BIAS_MANT, 0);
		flat = n.core * npc + n.index;
		if (__test_and_set_bit(flat, c->defined))
			return snn_load_fail(req, -EINVAL, SNN_SEC_NEURON, i,
					     SNN_FIELD_INDEX, 0);
		snn_load_put16(n.index, rec + SNN_IMG_N_INDEX);
		snn_load_put16((u16)n.bias_mant, rec + SNN_IMG_N_BIAS_MANT);
	}
	return 0;
}

static bool snn_load_defined(const struct snn_load_ctx *c, u32 core,
			     u32 index)
{
	return test_bit(core * c->req->neurons_per_core + index, c->defined);
}

/* Checks #29-#35. */
static int snn_load_synapses(struct snn_load_ctx *c)
{
	const struct snn_load_caps *caps = c->caps;
	struct snn_load *req = c->req;
	struct snn_synapse s;
	u8 *rec = c->syn;
	u32 i;

	memset(c->per_core, 0, req->n_cores * sizeof(*c->per_core));
	for (i = 0; i < req->n_synapses; i++, rec += SNN_IMG_REC_SIZE) {
		if (!(i % SNN_LOAD_BATCH))
			cond_resched();
		memcpy(&s, rec, sizeof(s));
		if (s.core >= req->n_cores)
			return snn_load_fail(req, -EINVAL, SNN_SEC_SYNAPSE, i,
					     SNN_FIELD_CORE, req->n_cores - 1);
		if (s.reserved0)
			return snn_load_fail(req, -EINVAL, SNN_SEC_SYNAPSE, i,
					     SNN_FIELD_RESERVED, 0);
		if (s.axon >= req->axons_per_core)
			return snn_load_fail(req, -EINVAL, SNN_SEC_SYNAPSE, i,
					     SNN_FIELD_AXON,
					     req->axons_per_core - 1);
		if (s.neuron >= req->neurons_per_core)
			return snn_load_fail(req, -EINVAL, SNN_SEC_SYNAPSE, i,
					     SNN_FIELD_NEURON,
					     req->neurons_per_core - 1);
		if (!snn_load_defined(c, s.core, s.neuron))
			return snn_load_fail(req, -EINVAL, SNN_SEC_SYNAPSE, i,
					     SNN_FIELD_NEURON, 0);
		if (s.reserved1)
			return snn_load_fail(req, -EINVAL, SNN_SEC_SYNAPSE, i,
					     SNN_FIELD_RESERVED, 0);
		if (++c->per_core[s.core] > caps->synapses)
			return snn_load_fail(req, -ENOSPC, SNN_SEC_SYNAPSE, i,
					     SNN_FIELD_CORE, caps->synapses);
		snn_load_put16(s.axon, rec + SNN_IMG_S_AXON);
		snn_load_put16(s.neuron, rec + SNN_IMG_S_NEURON);
	}
	return 0;
}

/* Checks #36-#42. */
static int snn_load_fanout(struct snn_load_ctx *c)
{
	const struct snn_load_caps *caps = c->caps;
	struct snn_load *req = c->req;
	struct snn_fanout f;
	u8 *rec = c->fo;
	u32 i;

	memset(c->per_core, 0, req->n_cores * sizeof(*c->per_core));
	for (i = 0; i < req->n_fanout; i++, rec += SNN_IMG_REC_SIZE) {
		if (!(i % SNN_LOAD_BATCH))
			cond_resched();
		memcpy(&f, rec, sizeof(f));
		if (f.src_core >= req->n_cores)
			return snn_load_fail(req, -EINVAL, SNN_SEC_FANOUT, i,
					     SNN_FIELD_SRC_CORE,
					     req->n_cores - 1);
		if (f.dst_core >= req->n_cores)
			return snn_load_fail(req, -EINVAL, SNN_SEC_FANOUT, i,
					     SNN_FIELD_DST_CORE,
					     req->n_cores - 1);
		if (f.src_neuron >= req->neurons_per_core)
			return snn_load_fail(req, -EINVAL, SNN_SEC_FANOUT, i,
					     SNN_FIELD_SRC_NEURON,
					     req->neurons_per_core - 1);
		if (!snn_load_defined(c, f.src_core, f.src_neuron))
			return snn_load_fail(req, -EINVAL, SNN_SEC_FANOUT, i,
					     SNN_FIELD_SRC_NEURON, 0);
		if (f.dst_axon >= req->axons_per_core)
			return snn_load_fail(req, -EINVAL, SNN_SEC_FANOUT, i,
					     SNN_FIELD_DST_AXON,
					     req->axons_per_core - 1);
		if (f.reserved)
			return snn_load_fail(req, -EINVAL, SNN_SEC_FANOUT, i,
					     SNN_FIELD_RESERVED, 0);
		if (++c->per_core[f.src_core] > caps->fanout)
			return snn_load_fail(req, -ENOSPC, SNN_SEC_FANOUT, i,
					     SNN_FIELD_SRC_CORE, caps->fanout);
		snn_load_put16(f.src_neuron, rec + SNN_IMG_F_SRC_NEURON);
		snn_load_put16(f.dst_axon, rec + SNN_IMG_F_DST_AXON);
	}
	return 0;
}

/* Copy and check each section in image order. */
static int snn_load_sections(struct snn_load_ctx *c)
{
	struct snn_load *req = c->req;
	int ret;

	ret = snn_load_copy(req, SNN_SEC_PROFILE, c->prof, req->profiles,
			    req->n_profiles, sizeof(struct snn_profile));
	if (!ret)
		ret = snn_load_profiles(c);
	if (!ret)
		ret = snn_load_copy(req, SNN_SEC_NEURON, c->nrn, req->neurons,
				    req->n_neurons, sizeof(struct snn_neuron));
	if (!ret)
		ret = snn_load_neurons(c);
	if (!ret)
		ret = snn_load_copy(req, SNN_SEC_SYNAPSE, c->syn,
				    req->synapses, req->n_synapses,
				    sizeof(struct snn_synapse));
	if (!ret)
		ret = snn_load_synapses(c);
	if (!ret)
		ret = snn_load_copy(req, SNN_SEC_FANOUT, c->fo, req->fanout,
				    req->n_fanout, sizeof(struct snn_fanout));
	if (!ret)
		ret = snn_load_fanout(c);
	return ret;
}

int snn_load_build(struct snn_load *req, const struct snn_load_caps *caps,
		   void **img, size_t *len)
{
	struct snn_load_ctx c = { .req = req, .caps = caps };
	size_t size;
	u32 bits;
	int ret;

	*img = NULL;
	*len = 0;
	req->err_section = 0;
	req->err_index = 0;
	req->err_field = 0;
	req->err_limit = 0;
	ret = snn_load_check_header(req, caps, &size);
	if (ret)
		return ret;

	/* checked: n_cores <= 256, neurons_per_core <= 65535 */
	bits = req->n_cores * req->neurons_per_core;
	c.img = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	c.defined = kvcalloc(BITS_TO_LONGS(bits), sizeof(unsigned long),
			     GFP_KERNEL_ACCOUNT);
	c.per_core = kcalloc(req->n_cores, sizeof(*c.per_core),
			     GFP_KERNEL_ACCOUNT);
	if (!c.img || !c.defined || !c.per_core) {
		ret = -ENOMEM;
		goto out;
	}
	c.prof = c.img + SNN_IMG_HDR_SIZE;
	c.nrn = c.prof + (size_t)req->n_profiles * SNN_IMG_PROFILE_SIZE;
	c.syn = c.nrn + (size_t)req->n_neurons * SNN_IMG_REC_SIZE;
	c.fo = c.syn + (size_t)req->n_synapses * SNN_IMG_REC_SIZE;

	snn_load_write_header(&c);
	ret = snn_load_sections(&c);
out:
	kfree(c.per_core);
	kvfree(c.defined);
	if (ret) {
		kvfree(c.img);
		return ret;
	}
	*img = c.img;
	*len = size;
	return 0;
}
