// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsnndev: networks in memory (the builder), the checks of their records
 * and the board image (SNNI, docs/hardware.md 6) of a part.
 *
 * Every record the builder accepts is one the network file reader accepts
 * and one a board of the largest geometry accepts, so a network that was
 * built can always be written and read back.  Checks that depend on the
 * board (cores, queues, synapse capacity) are the driver's, at load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snndev_internal.h"

/* ---- Record checks ------------------------------------------------------------ */

#define FAIL(c, fld, o, ...)						\
	do {								\
		(c)->field = (fld);					\
		(c)->off = (o);						\
		snprintf((c)->why, sizeof((c)->why), __VA_ARGS__);	\
		return -EINVAL;						\
	} while (0)

int snndev__chk_profile(const struct snn_profile *p, struct snndev_chk *c)
{
	if (p->du > SNNDEV_DU_MAX)
		FAIL(c, "du", 0, "is %u, must be 0..%u", p->du, SNNDEV_DU_MAX);
	if (p->dv > SNNDEV_DV_MAX)
		FAIL(c, "dv", 2, "is %u, must be 0..%u", p->dv, SNNDEV_DV_MAX);
	if (p->vth > SNNDEV_VTH_MAX)
		FAIL(c, "vth", 4, "is %u, must be 0..%u", p->vth,
		     SNNDEV_VTH_MAX);
	if (p->bias_mant < SNNDEV_BIAS_MANT_MIN ||
	    p->bias_mant > SNNDEV_BIAS_MANT_MAX)
		FAIL(c, "bias_mant", 8, "is %d, must be %d..%d", p->bias_mant,
		     SNNDEV_BIAS_MANT_MIN, SNNDEV_BIAS_MANT_MAX);
	if (p->bias_exp < SNNDEV_BIAS_EXP_MIN ||
	    p->bias_exp > SNNDEV_BIAS_EXP_MAX)
		FAIL(c, "bias_exp", 10, "is %d, must be %d..%d", p->bias_exp,
		     SNNDEV_BIAS_EXP_MIN, SNNDEV_BIAS_EXP_MAX);
	if (p->reserved0)
		FAIL(c, "reserved0", 11, "is %u, must be 0", p->reserved0);
	if (p->reserved1)
		FAIL(c, "reserved1", 12, "is %u, must be 0", p->reserved1);
	return 0;
}

int snndev__chk_neuron(const struct snndev_part *pt, const struct snn_neuron *n,
		       struct snndev_chk *c)
{
	if (n->core >= pt->n_cores)
		FAIL(c, "core", 0, "is %u, must be < %u (n_cores)", n->core,
		     pt->n_cores);
	if (!pt->n_profiles)
		FAIL(c, "profile", 1, "is %u, but the part has no profiles",
		     n->profile);
	if (n->profile >= pt->n_profiles)
		FAIL(c, "profile", 1, "is %u, must be < %zu (the part's profiles)",
		     n->profile, pt->n_profiles);
	if (n->index >= pt->npc)
		FAIL(c, "index", 2, "is %u, must be < %u (neurons_per_core)",
		     n->index, pt->npc);
	if (n->flags & ~SNNDEV_NEURON_FLAGS_ALL)
		FAIL(c, "flags", 4,
		     "is 0x%x, has unknown bits 0x%x (known: OUT 0x1, BIAS 0x2)",
		     n->flags, n->flags & ~SNNDEV_NEURON_FLAGS_ALL);
	if ((n->flags & SNNDEV_NEURON_OUT) && n->outq >= SNNDEV_MAX_OUT_QUEUES)
		FAIL(c, "outq", 5, "is %u, must be < %u", n->outq,
		     SNNDEV_MAX_OUT_QUEUES);
	if (!(n->flags & SNNDEV_NEURON_OUT) && n->outq)
		FAIL(c, "outq", 5, "is %u, must be 0 without the OUT flag",
		     n->outq);
	if ((n->flags & SNNDEV_NEURON_BIAS) &&
	    (n->bias_mant < SNNDEV_BIAS_MANT_MIN ||
	     n->bias_mant > SNNDEV_BIAS_MANT_MAX))
		FAIL(c, "bias_mant", 6, "is %d, must be %d..%d", n->bias_mant,
		     SNNDEV_BIAS_MANT_MIN, SNNDEV_BIAS_MANT_MAX);
	if (!(n->flags & SNNDEV_NEURON_BIAS) && n->bias_mant)
		FAIL(c, "bias_mant", 6, "is %d, must be 0 without the BIAS flag",
		     n->bias_mant);
	if (snndev__is_defined(pt, n->core, n->index))
		FAIL(c, NULL, 0, "neuron (core %u, index %u) is defined twice",
		     n->core, n->index);
	return 0;
}

int snndev__chk_synapse(const struct snndev_part *pt,
			const struct snn_synapse *s, struct snndev_chk *c)
{
	if (s->core >= pt->n_cores)
		FAIL(c, "core", 0, "is %u, must be < %u (n_cores)", s->core,
		     pt->n_cores);
	if (s->reserved0)
		FAIL(c, "reserved0", 1, "is %u, must be 0", s->reserved0);
	if (s->axon >= pt->apc)
		FAIL(c, "axon", 2, "is %u, must be < %u (axons_per_core)",
		     s->axon, pt->apc);
	if (s->neuron >= pt->npc)
		FAIL(c, "neuron", 4, "is %u, must be < %u (neurons_per_core)",
		     s->neuron, pt->npc);
	if (!snndev__is_defined(pt, s->core, s->neuron))
		FAIL(c, "neuron", 4, "is %u: neuron (core %u, index %u) is not defined",
		     s->neuron, s->core, s->neuron);
	if (s->reserved1)
		FAIL(c, "reserved1", 7, "is %u, must be 0", s->reserved1);
	return 0;
}

int snndev__chk_fanout(const struct snndev_part *pt, const struct snn_fanout *f,
		       struct snndev_chk *c)
{
	if (f->src_core >= pt->n_cores)
		FAIL(c, "src_core", 0, "is %u, must be < %u (n_cores)",
		     f->src_core, pt->n_cores);
	if (f->dst_core >= pt->n_cores)
		FAIL(c, "dst_core", 1, "is %u, must be < %u (n_cores)",
		     f->dst_core, pt->n_cores);
	if (f->src_neuron >= pt->npc)
		FAIL(c, "src_neuron", 2, "is %u, must be < %u (neurons_per_core)",
		     f->src_neuron, pt->npc);
	if (!snndev__is_defined(pt, f->src_core, f->src_neuron))
		FAIL(c, "src_neuron", 2,
		     "is %u: neuron (core %u, index %u) is not defined",
		     f->src_neuron, f->src_core, f->src_neuron);
	if (f->dst_axon >= pt->apc)
		FAIL(c, "dst_axon", 4, "is %u, must be < %u (axons_per_core)",
		     f->dst_axon, pt->apc);
	if (f->reserved)
		FAIL(c, "reserved", 6, "is %u, must be 0", f->reserved);
	return 0;
}

int snndev__chk_route(const struct snndev_net *net, const struct snndev_route *r,
		      unsigned int flags, unsigned int reserved,
		      struct snndev_chk *c)
{
	const struct snndev_part *s, *d;

	if (r->src_part >= net->n_parts)
		FAIL(c, "src_part", 0, "is %u, must be < %u (the network's parts)",
		     r->src_part, net->n_parts);
	if (r->dst_part >= net->n_parts)
		FAIL(c, "dst_part", 2, "is %u, must be < %u (the network's parts)",
		     r->dst_part, net->n_parts);
	s = &net->parts[r->src_part];
	d = &net->parts[r->dst_part];
	if (r->src_core >= s->n_cores)
		FAIL(c, "src_core", 4, "is %u, must be < %u (n_cores of part %u)",
		     r->src_core, s->n_cores, r->src_part);
	if (r->dst_core >= d->n_cores)
		FAIL(c, "dst_core", 5, "is %u, must be < %u (n_cores of part %u)",
		     r->dst_core, d->n_cores, r->dst_part);
	if (r->src_neuron >= s->npc)
		FAIL(c, "src_neuron", 6,
		     "is %u, must be < %u (neurons_per_core of part %u)",
		     r->src_neuron, s->npc, r->src_part);
	if (r->dst_axon >= d->apc)
		FAIL(c, "dst_axon", 8,
		     "is %u, must be < %u (axons_per_core of part %u)",
		     r->dst_axon, d->apc, r->dst_part);
	if (flags)
		FAIL(c, "flags", 10, "is 0x%x, must be 0", flags);
	if (reserved)
		FAIL(c, "reserved", 12, "is 0x%x, must be 0", reserved);
	return 0;
}

int snndev__chk_geometry(const char *what, unsigned int n_cores,
			 unsigned int npc, unsigned int apc)
{
	if (n_cores < 1 || n_cores > SNNDEV_MAX_CORES)
		return snndev__err(-EINVAL, "%s: field 'n_cores' is %u, must be 1..%u",
				   what, n_cores, SNNDEV_MAX_CORES);
	if (npc < 1 || npc > SNNDEV_MAX_NEURONS)
		return snndev__err(-EINVAL,
				   "%s: field 'neurons_per_core' is %u, must be 1..%u",
				   what, npc, SNNDEV_MAX_NEURONS);
	if (apc < 1 || apc > SNNDEV_MAX_AXONS)
		return snndev__err(-EINVAL,
				   "%s: field 'axons_per_core' is %u, must be 1..%u",
				   what, apc, SNNDEV_MAX_AXONS);
	return 0;
}

/* ---- Parts -------------------------------------------------------------------- */

const char *snndev__parts_desc(char *buf, size_t len, unsigned int n)
{
	if (!n)
		snprintf(buf, len, "the network has no parts");
	else if (n == 1)
		snprintf(buf, len, "the network has 1 part");
	else
		snprintf(buf, len, "the network has %u parts", n);
	return buf;
}

int snndev__reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

void snndev__part_free(struct snndev_part *pt)
{
	free(pt->profiles);
	free(pt->neurons);
	free(pt->synapses);
	free(pt->fanouts);
	free(pt->defined);
	memset(pt, 0, sizeof(*pt));
}

int snndev__part_defined(struct snndev_part *pt)
{
	size_t i;

	if (pt->defined)
		return 0;
	pt->defined = calloc(((size_t)pt->n_cores * pt->npc + 7) / 8, 1);
	if (!pt->defined)
		return -ENOMEM;
	for (i = 0; i < pt->n_neurons; i++)
		snndev__set_defined(pt, pt->neurons[i].core,
				    pt->neurons[i].index, 1);
	return 0;
}

int snndev__part_new(struct snndev_net *net, unsigned int n_cores,
		     unsigned int npc, unsigned int apc)
{
	struct snndev_part *pt = &net->parts[net->n_parts];

	memset(pt, 0, sizeof(*pt));
	pt->n_cores = n_cores;
	pt->npc = npc;
	pt->apc = apc;
	return (int)net->n_parts++;
}

uint64_t snndev__part_image_len(const struct snndev_part *pt)
{
	return SNNDEV_IMG_HDR_SIZE +
	       (uint64_t)SNNDEV_IMG_PROFILE_SIZE * pt->n_profiles +
	       (uint64_t)SNNDEV_IMG_REC_SIZE *
	       (pt->n_neurons + pt->n_synapses + pt->n_fanouts);
}

uint64_t snndev__net_file_len(const struct snndev_net *net)
{
	uint64_t len = SNNDEV_NF_HDR_SIZE;
	unsigned int i;

	for (i = 0; i < net->n_parts; i++)
		len += SNNDEV_NF_ENTRY_SIZE +
		       snndev__part_image_len(&net->parts[i]);
	if (net->n_routes)
		len += SNNDEV_NF_ENTRY_SIZE +
		       (uint64_t)SNNDEV_NF_ROUTE_SIZE * net->n_routes;
	return len;
}

void snndev__part_image_write(const struct snndev_part *pt, uint8_t *b)
{
	uint8_t *p = b;
	size_t i;

	memset(b, 0, SNNDEV_IMG_HDR_SIZE);
	snndev__put32(b + 0, SNNDEV_IMG_MAGIC);
	snndev__put16(b + 4, SNNDEV_IMG_VERSION);
	snndev__put16(b + 6, SNNDEV_IMG_HDR_SIZE);
	snndev__put16(b + 8, (uint16_t)pt->n_cores);
	snndev__put16(b + 10, (uint16_t)pt->npc);
	snndev__put16(b + 12, (uint16_t)pt->apc);
	snndev__put16(b + 14, (uint16_t)pt->n_profiles);
	snndev__put32(b + 16, (uint32_t)pt->n_neurons);
	snndev__put32(b + 20, (uint32_t)pt->n_synapses);
	snndev__put32(b + 24, (uint32_t)pt->n_fanouts);
	p += SNNDEV_IMG_HDR_SIZE;
	for (i = 0; i < pt->n_profiles; i++, p += SNNDEV_IMG_PROFILE_SIZE) {
		const struct snn_profile *r = &pt->profiles[i];

		snndev__put16(p + 0, r->du);
		snndev__put16(p + 2, r->dv);
		snndev__put32(p + 4, r->vth);
		snndev__put16(p + 8, (uint16_t)r->bias_mant);
		p[10] = (uint8_t)r->bias_exp;
		p[11] = r->reserved0;
		snndev__put32(p + 12, r->reserved1);
	}
	for (i = 0; i < pt->n_neurons; i++, p += SNNDEV_IMG_REC_SIZE) {
		const struct snn_neuron *r = &pt->neurons[i];

		p[0] = r->core;
		p[1] = r->profile;
		snndev__put16(p + 2, r->index);
		p[4] = r->flags;
		p[5] = r->outq;
		snndev__put16(p + 6, (uint16_t)r->bias_mant);
	}
	for (i = 0; i < pt->n_synapses; i++, p += SNNDEV_IMG_REC_SIZE) {
		const struct snn_synapse *r = &pt->synapses[i];

		p[0] = r->core;
		p[1] = r->reserved0;
		snndev__put16(p + 2, r->axon);
		snndev__put16(p + 4, r->neuron);
		p[6] = (uint8_t)r->weight;
		p[7] = r->reserved1;
	}
	for (i = 0; i < pt->n_fanouts; i++, p += SNNDEV_IMG_REC_SIZE) {
		const struct snn_fanout *r = &pt->fanouts[i];

		p[0] = r->src_core;
		p[1] = r->dst_core;
		snndev__put16(p + 2, r->src_neuron);
		snndev__put16(p + 4, r->dst_axon);
		snndev__put16(p + 6, r->reserved);
	}
}

/* ---- Parsing a board image ---------------------------------------------------------- */

#define IMG_HDR_ERR(e, field, off, fmt, ...)				\
	snndev__err(e, "%s: part %u header (offset 0x%zx): field '%s' " fmt, \
		    prefix, part, base + (off), field, __VA_ARGS__)

static int rec_err(const char *prefix, unsigned int part, const char *kind,
		   size_t i, size_t off, const struct snndev_chk *c)
{
	if (c->field)
		return snndev__err(-EINVAL, "%s: part %u %s %zu (offset 0x%zx): field '%s' %s",
				   prefix, part, kind, i, off + c->off,
				   c->field, c->why);
	return snndev__err(-EINVAL, "%s: part %u %s %zu (offset 0x%zx): %s",
			   prefix, part, kind, i, off, c->why);
}

static void *alloc_array(size_t n, size_t elem)
{
	return malloc(n ? n * elem : 1);
}

int snndev__image_parse(const uint8_t *img, size_t len, size_t base,
			const char *prefix, unsigned int part,
			struct snndev_part *pt)
{
	struct snndev_chk c;
	uint32_t n_cores, npc, apc, n_prof, n_neu, n_syn, n_fan, v;
	uint64_t want;
	const uint8_t *p;
	size_t i;
	int ret;

	memset(pt, 0, sizeof(*pt));
	if (len >= 4 && snndev__le32(img) != SNNDEV_IMG_MAGIC)
		return IMG_HDR_ERR(-EINVAL, "magic", 0,
				   "is 0x%08x, must be 0x%08x (\"SNNI\")",
				   snndev__le32(img), SNNDEV_IMG_MAGIC);
	if (len < SNNDEV_IMG_HDR_SIZE)
		return snndev__err(-EINVAL,
				   "%s: part %u (offset 0x%zx): the section is %zu bytes, less than the %u-byte image header",
				   prefix, part, base, len, SNNDEV_IMG_HDR_SIZE);
	v = snndev__le16(img + 4);
	if (v != SNNDEV_IMG_VERSION)
		return IMG_HDR_ERR(-EINVAL, "version", 4, "is %u, must be %u",
				   v, SNNDEV_IMG_VERSION);
	v = snndev__le16(img + 6);
	if (v != SNNDEV_IMG_HDR_SIZE)
		return IMG_HDR_ERR(-EINVAL, "hdr_size", 6, "is %u, must be %u",
				   v, SNNDEV_IMG_HDR_SIZE);
	n_cores = snndev__le16(img + 8);
	npc = snndev__le16(img + 10);
	apc = snndev__le16(img + 12);
	n_prof = snndev__le16(img + 14);
	n_neu = snndev__le32(img + 16);
	n_syn = snndev__le32(img + 20);
	n_fan = snndev__le32(img + 24);
	if (n_cores < 1 || n_cores > SNNDEV_MAX_CORES)
		return IMG_HDR_ERR(-EINVAL, "n_cores", 8, "is %u, must be 1..%u",
				   n_cores, SNNDEV_MAX_CORES);
	if (npc < 1)
		return IMG_HDR_ERR(-EINVAL, "neurons_per_core", 10,
				   "is %u, must be 1..%u", npc,
				   SNNDEV_MAX_NEURONS);
	if (apc < 1)
		return IMG_HDR_ERR(-EINVAL, "axons_per_core", 12,
				   "is %u, must be 1..%u", apc,
				   SNNDEV_MAX_AXONS);
	if (n_prof > SNNDEV_MAX_PROFILES)
		return IMG_HDR_ERR(-EINVAL, "n_profiles", 14,
				   "is %u, must be 0..%u", n_prof,
				   SNNDEV_MAX_PROFILES);
	if (n_neu > n_cores * npc)
		return IMG_HDR_ERR(-EINVAL, "n_neurons", 16,
				   "is %u, must be <= %u (n_cores x neurons_per_core)",
				   n_neu, n_cores * npc);
	v = snndev__le32(img + 28);
	if (v)
		return IMG_HDR_ERR(-EINVAL, "flags", 28, "is 0x%x, must be 0", v);
	for (i = 32; i < SNNDEV_IMG_HDR_SIZE; i++)
		if (img[i])
			return snndev__err(-EINVAL,
					   "%s: part %u header (offset 0x%zx): field 'reserved' byte %zu is 0x%02x, must be 0",
					   prefix, part, base + i, i - 32, img[i]);
	want = SNNDEV_IMG_HDR_SIZE + (uint64_t)SNNDEV_IMG_PROFILE_SIZE * n_prof +
	       (uint64_t)SNNDEV_IMG_REC_SIZE * ((uint64_t)n_neu + n_syn + n_fan);
	if (want > SNNDEV_IMG_MAX_LEN)
		return snndev__err(-E2BIG,
				   "%s: part %u header (offset 0x%zx): the record counts give an image of %llu bytes, more than the limit of %u",
				   prefix, part, base + 16,
				   (unsigned long long)want, SNNDEV_IMG_MAX_LEN);
	if (want != len)
		return snndev__err(-EINVAL,
				   "%s: part %u header (offset 0x%zx): the record counts give an image of %llu bytes, but the section is %zu bytes",
				   prefix, part, base + 16,
				   (unsigned long long)want, len);

	pt->n_cores = n_cores;
	pt->npc = npc;
	pt->apc = apc;
	pt->profiles = alloc_array(n_prof, sizeof(*pt->profiles));
	pt->neurons = alloc_array(n_neu, sizeof(*pt->neurons));
	pt->synapses = alloc_array(n_syn, sizeof(*pt->synapses));
	pt->fanouts = alloc_array(n_fan, sizeof(*pt->fanouts));
	pt->cap_profiles = n_prof;
	pt->cap_neurons = n_neu;
	pt->cap_synapses = n_syn;
	pt->cap_fanouts = n_fan;
	if (!pt->profiles || !pt->neurons || !pt->synapses || !pt->fanouts ||
	    snndev__part_defined(pt)) {
		ret = snndev__err(-ENOMEM, "%s: part %u: out of memory",
				  prefix, part);
		goto fail;
	}

	p = img + SNNDEV_IMG_HDR_SIZE;
	for (i = 0; i < n_prof; i++, p += SNNDEV_IMG_PROFILE_SIZE) {
		struct snn_profile *r = &pt->profiles[i];

		memset(r, 0, sizeof(*r));
		r->du = snndev__le16(p + 0);
		r->dv = snndev__le16(p + 2);
		r->vth = snndev__le32(p + 4);
		r->bias_mant = (int16_t)snndev__le16(p + 8);
		r->bias_exp = (int8_t)p[10];
		r->reserved0 = p[11];
		r->reserved1 = snndev__le32(p + 12);
		if (snndev__chk_profile(r, &c)) {
			ret = rec_err(prefix, part, "profile", i,
				      base + (size_t)(p - img), &c);
			goto fail;
		}
		pt->n_profiles++;
	}
	for (i = 0; i < n_neu; i++, p += SNNDEV_IMG_REC_SIZE) {
		struct snn_neuron *r = &pt->neurons[i];

		r->core = p[0];
		r->profile = p[1];
		r->index = snndev__le16(p + 2);
		r->flags = p[4];
		r->outq = p[5];
		r->bias_mant = (int16_t)snndev__le16(p + 6);
		if (snndev__chk_neuron(pt, r, &c)) {
			ret = rec_err(prefix, part, "neuron", i,
				      base + (size_t)(p - img), &c);
			goto fail;
		}
		snndev__set_defined(pt, r->core, r->index, 1);
		pt->n_neurons++;
	}
	for (i = 0; i < n_syn; i++, p += SNNDEV_IMG_REC_SIZE) {
		struct snn_synapse *r = &pt->synapses[i];

		r->core = p[0];
		r->reserved0 = p[1];
		r->axon = snndev__le16(p + 2);
		r->neuron = snndev__le16(p + 4);
		r->weight = (int8_t)p[6];
		r->reserved1 = p[7];
		if (snndev__chk_synapse(pt, r, &c)) {
			ret = rec_err(prefix, part, "synapse", i,
				      base + (size_t)(p - img), &c);
			goto fail;
		}
		pt->n_synapses++;
	}
	for (i = 0; i < n_fan; i++, p += SNNDEV_IMG_REC_SIZE) {
		struct snn_fanout *r = &pt->fanouts[i];

		r->src_core = p[0];
		r->dst_core = p[1];
		r->src_neuron = snndev__le16(p + 2);
		r->dst_axon = snndev__le16(p + 4);
		r->reserved = snndev__le16(p + 6);
		if (snndev__chk_fanout(pt, r, &c)) {
			ret = rec_err(prefix, part, "fan-out", i,
				      base + (size_t)(p - img), &c);
			goto fail;
		}
		pt->n_fanouts++;
	}
	/* the bitmap is rebuilt if the builder needs it */
	free(pt->defined);
	pt->defined = NULL;
	return 0;
fail:
	snndev__part_free(pt);
	return ret;
}

/* ---- The builder ------------------------------------------------------------------ */

SNNDEV_EXPORT int snndev_net_new(struct snndev_net **out)
{
	struct snndev_net *net;

	if (!out)
		return snndev__err(-EINVAL, "snndev_net_new: out is NULL");
	net = calloc(1, sizeof(*net));
	if (!net)
		return snndev__err(-ENOMEM, "snndev_net_new: out of memory");
	*out = net;
	return 0;
}

SNNDEV_EXPORT void snndev_net_free(struct snndev_net *net)
{
	unsigned int i;

	if (!net)
		return;
	for (i = 0; i < net->n_parts; i++)
		snndev__part_free(&net->parts[i]);
	free(net->routes);
	free(net->route_hash);
	free(net);
}

SNNDEV_EXPORT int snndev_net_add_part(struct snndev_net *net,
				      unsigned int n_cores,
				      unsigned int neurons_per_core,
				      unsigned int axons_per_core)
{
	int ret;

	if (!net)
		return snndev__err(-EINVAL, "snndev_net_add_part: net is NULL");
	if (net->n_parts >= SNNDEV_NET_MAX_PARTS)
		return snndev__err(-E2BIG,
				   "snndev_net_add_part: the network has %u parts already, the most a network can have",
				   net->n_parts);
	ret = snndev__chk_geometry("snndev_net_add_part", n_cores,
				   neurons_per_core, axons_per_core);
	if (ret)
		return ret;
	if (snndev__net_file_len(net) + SNNDEV_NF_ENTRY_SIZE +
	    SNNDEV_IMG_HDR_SIZE > SNNDEV_NETFILE_MAX_SIZE)
		return snndev__err(-E2BIG,
				   "snndev_net_add_part: the network file would exceed %u bytes",
				   SNNDEV_NETFILE_MAX_SIZE);
	return snndev__part_new(net, n_cores, neurons_per_core,
				axons_per_core);
}

/* Common checks of the add functions: the part, the array, the sizes. */
static int add_check(const char *fn, struct snndev_net *net, unsigned int part,
		     const void *p, size_t n, size_t rec_size,
		     struct snndev_part **ptp)
{
	struct snndev_part *pt;
	uint64_t img, file;
	char d[40];

	if (!net)
		return snndev__err(-EINVAL, "%s: net is NULL", fn);
	if (part >= net->n_parts)
		return snndev__err(-EINVAL, "%s: part %u does not exist (%s)",
				   fn, part,
				   snndev__parts_desc(d, sizeof(d), net->n_parts));
	if (n && !p)
		return snndev__err(-EINVAL, "%s: the array is NULL", fn);
	pt = &net->parts[part];
	if (n > SNNDEV_IMG_MAX_LEN)
		n = SNNDEV_IMG_MAX_LEN;	/* (no overflow below) */
	img = snndev__part_image_len(pt) + (uint64_t)rec_size * n;
	if (img > SNNDEV_IMG_MAX_LEN)
		return snndev__err(-E2BIG,
				   "%s: part %u: its image would be %llu bytes, more than the limit of %u",
				   fn, part, (unsigned long long)img,
				   SNNDEV_IMG_MAX_LEN);
	file = snndev__net_file_len(net) + (uint64_t)rec_size * n;
	if (file > SNNDEV_NETFILE_MAX_SIZE)
		return snndev__err(-E2BIG,
				   "%s: the network file would be %llu bytes, more than the limit of %u",
				   fn, (unsigned long long)file,
				   SNNDEV_NETFILE_MAX_SIZE);
	*ptp = pt;
	return 0;
}

static int add_err(const char *fn, unsigned int part, size_t i,
		   const struct snndev_chk *c)
{
	if (c->field)
		return snndev__err(-EINVAL, "%s: part %u, entry %zu of this call: field '%s' %s",
				   fn, part, i, c->field, c->why);
	return snndev__err(-EINVAL, "%s: part %u, entry %zu of this call: %s",
			   fn, part, i, c->why);
}

static int add_nomem(const char *fn)
{
	return snndev__err(-ENOMEM, "%s: out of memory", fn);
}

SNNDEV_EXPORT int snndev_net_add_profiles(struct snndev_net *net,
					  unsigned int part,
					  const struct snndev_profile *p,
					  size_t n)
{
	static const char fn[] = "snndev_net_add_profiles";
	struct snndev_part *pt;
	struct snndev_chk c;
	size_t i;
	int ret;

	ret = add_check(fn, net, part, p, n, SNNDEV_IMG_PROFILE_SIZE, &pt);
	if (ret)
		return ret;
	if (n > SNNDEV_MAX_PROFILES - pt->n_profiles)
		return snndev__err(-E2BIG,
				   "%s: part %u: %zu + %zu profiles, more than the limit of %u",
				   fn, part, pt->n_profiles, n,
				   SNNDEV_MAX_PROFILES);
	if (snndev__reserve((void **)&pt->profiles, &pt->cap_profiles,
			    pt->n_profiles + n, sizeof(*pt->profiles)))
		return add_nomem(fn);
	for (i = 0; i < n; i++) {
		struct snn_profile r = {
			.du = p[i].du, .dv = p[i].dv, .vth = p[i].vth,
			.bias_mant = p[i].bias_mant, .bias_exp = p[i].bias_exp,
		};

		if (snndev__chk_profile(&r, &c))
			return add_err(fn, part, i, &c);
		pt->profiles[pt->n_profiles + i] = r;
	}
	pt->n_profiles += n;
	return 0;
}

SNNDEV_EXPORT int snndev_net_add_neurons(struct snndev_net *net,
					 unsigned int part,
					 const struct snndev_neuron *p, size_t n)
{
	static const char fn[] = "snndev_net_add_neurons";
	struct snndev_part *pt;
	struct snndev_chk c;
	size_t i, j;
	int ret;

	ret = add_check(fn, net, part, p, n, SNNDEV_IMG_REC_SIZE, &pt);
	if (ret)
		return ret;
	if (snndev__reserve((void **)&pt->neurons, &pt->cap_neurons,
			    pt->n_neurons + n, sizeof(*pt->neurons)) ||
	    snndev__part_defined(pt))
		return add_nomem(fn);
	for (i = 0; i < n; i++) {
		struct snn_neuron r = {
			.core = p[i].core, .profile = p[i].profile,
			.index = p[i].index, .flags = p[i].flags,
			.outq = p[i].outq, .bias_mant = p[i].bias_mant,
		};

		if (snndev__chk_neuron(pt, &r, &c)) {
			for (j = 0; j < i; j++)
				snndev__set_defined(pt, p[j].core, p[j].index, 0);
			return add_err(fn, part, i, &c);
		}
		snndev__set_defined(pt, r.core, r.index, 1);
		pt->neurons[pt->n_neurons + i] = r;
	}
	pt->n_neurons += n;
	return 0;
}

SNNDEV_EXPORT int snndev_net_add_synapses(struct snndev_net *net,
					  unsigned int part,
					  const struct snndev_synapse *p,
					  size_t n)
{
	static const char fn[] = "snndev_net_add_synapses";
	struct snndev_part *pt;
	struct snndev_chk c;
	size_t i;
	int ret;

	ret = add_check(fn, net, part, p, n, SNNDEV_IMG_REC_SIZE, &pt);
	if (ret)
		return ret;
	if (snndev__reserve((void **)&pt->synapses, &pt->cap_synapses,
			    pt->n_synapses + n, sizeof(*pt->synapses)) ||
	    snndev__part_defined(pt))
		return add_nomem(fn);
	for (i = 0; i < n; i++) {
		struct snn_synapse r = {
			.core = p[i].core, .axon = p[i].axon,
			.neuron = p[i].neuron, .weight = p[i].weight,
		};

		if (snndev__chk_synapse(pt, &r, &c))
			return add_err(fn, part, i, &c);
		pt->synapses[pt->n_synapses + i] = r;
	}
	pt->n_synapses += n;
	return 0;
}

SNNDEV_EXPORT int snndev_net_add_fanouts(struct snndev_net *net,
					 unsigned int part,
					 const struct snndev_fanout *p, size_t n)
{
	static const char fn[] = "snndev_net_add_fanouts";
	struct snndev_part *pt;
	struct snndev_chk c;
	size_t i;
	int ret;

	ret = add_check(fn, net, part, p, n, SNNDEV_IMG_REC_SIZE, &pt);
	if (ret)
		return ret;
	if (snndev__reserve((void **)&pt->fanouts, &pt->cap_fanouts,
			    pt->n_fanouts + n, sizeof(*pt->fanouts)) ||
	    snndev__part_defined(pt))
		return add_nomem(fn);
	for (i = 0; i < n; i++) {
		struct snn_fanout r = {
			.src_core = p[i].src_core, .dst_core = p[i].dst_core,
			.src_neuron = p[i].src_neuron,
			.dst_axon = p[i].dst_axon,
		};

		if (snndev__chk_fanout(pt, &r, &c))
			return add_err(fn, part, i, &c);
		pt->fanouts[pt->n_fanouts + i] = r;
	}
	pt->n_fanouts += n;
	return 0;
}

/* ---- Routes ------------------------------------------------------------------------- */

static uint64_t route_key(const struct snndev_route *r)
{
	return (uint64_t)r->src_part << 48 | (uint64_t)r->dst_part << 32 |
	       (uint64_t)r->src_core << 24 | (uint64_t)r->dst_core << 16 |
	       r->src_neuron;
}

static int route_eq(const struct snndev_route *a, const struct snndev_route *b)
{
	return route_key(a) == route_key(b) && a->dst_axon == b->dst_axon;
}

/* Seeded per process, so crafted inputs cannot force collisions. */
static uint64_t route_seed;
static pthread_once_t route_seed_once = PTHREAD_ONCE_INIT;

static void route_seed_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	route_seed = ((uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec ^
		      (uint64_t)(uintptr_t)&ts) | 1;
}

static size_t route_hash(const struct snndev_route *r, size_t mask)
{
	uint64_t h = (route_key(r) ^ route_seed) * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)r->dst_axon + route_seed) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (size_t)h & mask;
}

static int route_rehash(struct snndev_net *net, size_t want)
{
	size_t size = 64, i, j;
	uint32_t *t;

	pthread_once(&route_seed_once, route_seed_init);
	while (size < want * 2)
		size *= 2;
	t = calloc(size, sizeof(*t));
	if (!t)
		return -ENOMEM;
	free(net->route_hash);
	net->route_hash = t;
	net->hash_size = size;
	for (i = 0; i < net->n_routes; i++) {
		j = route_hash(&net->routes[i], size - 1);
		while (t[j])
			j = (j + 1) & (size - 1);
		t[j] = (uint32_t)i + 1;
	}
	return 0;
}

long snndev__route_find(const struct snndev_net *net,
			const struct snndev_route *r)
{
	size_t mask, j;

	if (!net->hash_size)
		return -1;
	mask = net->hash_size - 1;
	for (j = route_hash(r, mask); net->route_hash[j];
	     j = (j + 1) & mask)
		if (route_eq(&net->routes[net->route_hash[j] - 1], r))
			return (long)net->route_hash[j] - 1;
	return -1;
}

int snndev__route_index(struct snndev_net *net, size_t idx)
{
	size_t mask, j;

	if (net->n_routes * 2 > net->hash_size)
		return route_rehash(net, net->n_routes);	/* includes idx */
	mask = net->hash_size - 1;
	j = route_hash(&net->routes[idx], mask);
	while (net->route_hash[j])
		j = (j + 1) & mask;
	net->route_hash[j] = (uint32_t)idx + 1;
	return 0;
}

SNNDEV_EXPORT int snndev_net_add_routes(struct snndev_net *net,
					const struct snndev_route *p, size_t n)
{
	static const char fn[] = "snndev_net_add_routes";
	struct snndev_chk c;
	size_t i, old;
	uint64_t file;
	long dup;
	int ret = 0;

	if (!net)
		return snndev__err(-EINVAL, "%s: net is NULL", fn);
	if (n && !p)
		return snndev__err(-EINVAL, "%s: the array is NULL", fn);
	if (!n)
		return 0;
	if (n > SNNDEV_NET_MAX_ROUTES - net->n_routes)
		return snndev__err(-E2BIG,
				   "%s: %zu + %zu routes, more than the limit of %u",
				   fn, net->n_routes, n, SNNDEV_NET_MAX_ROUTES);
	file = snndev__net_file_len(net) + (uint64_t)SNNDEV_NF_ROUTE_SIZE * n +
	       (net->n_routes ? 0 : SNNDEV_NF_ENTRY_SIZE);
	if (file > SNNDEV_NETFILE_MAX_SIZE)
		return snndev__err(-E2BIG,
				   "%s: the network file would be %llu bytes, more than the limit of %u",
				   fn, (unsigned long long)file,
				   SNNDEV_NETFILE_MAX_SIZE);
	if (snndev__reserve((void **)&net->routes, &net->cap_routes,
			    net->n_routes + n, sizeof(*net->routes)))
		return add_nomem(fn);
	if (net->hash_size < 2 * (net->n_routes + n) &&
	    route_rehash(net, net->n_routes + n))
		return add_nomem(fn);
	old = net->n_routes;
	for (i = 0; i < n; i++) {
		if (snndev__chk_route(net, &p[i], 0, 0, &c)) {
			ret = snndev__err(-EINVAL, "%s: entry %zu of this call: field '%s' %s",
					  fn, i, c.field, c.why);
			break;
		}
		dup = snndev__route_find(net, &p[i]);
		if (dup >= 0) {
			if ((size_t)dup >= old)
				ret = snndev__err(-EEXIST,
						  "%s: entry %zu of this call is the same route as entry %zu",
						  fn, i, (size_t)dup - old);
			else
				ret = snndev__err(-EEXIST,
						  "%s: entry %zu of this call is the same route as route %ld of the network",
						  fn, i, dup);
			break;
		}
		net->routes[net->n_routes] = p[i];
		ret = snndev__route_index(net, net->n_routes);
		net->n_routes++;
		if (ret) {
			ret = add_nomem(fn);
			break;
		}
	}
	if (ret) {
		net->n_routes = old;
		if (route_rehash(net, old)) {	/* (drop this call's) */
			free(net->route_hash);
			net->route_hash = NULL;
			net->hash_size = 0;
		}
	}
	return ret;
}

/* ---- Getters ---------------------------------------------------------------------- */

SNNDEV_EXPORT unsigned int snndev_net_num_parts(const struct snndev_net *net)
{
	return net ? net->n_parts : 0;
}

SNNDEV_EXPORT int snndev_net_part_info(const struct snndev_net *net,
				       unsigned int part, unsigned int *n_cores,
				       unsigned int *neurons_per_core,
				       unsigned int *axons_per_core,
				       size_t *n_profiles, size_t *n_neurons,
				       size_t *n_synapses, size_t *n_fanouts)
{
	const struct snndev_part *pt;
	char d[40];

	if (!net || part >= net->n_parts)
		return snndev__err(-EINVAL,
				   "snndev_net_part_info: part %u does not exist (%s)",
				   part, snndev__parts_desc(d, sizeof(d),
							    net ? net->n_parts : 0));
	pt = &net->parts[part];
	if (n_cores)
		*n_cores = pt->n_cores;
	if (neurons_per_core)
		*neurons_per_core = pt->npc;
	if (axons_per_core)
		*axons_per_core = pt->apc;
	if (n_profiles)
		*n_profiles = pt->n_profiles;
	if (n_neurons)
		*n_neurons = pt->n_neurons;
	if (n_synapses)
		*n_synapses = pt->n_synapses;
	if (n_fanouts)
		*n_fanouts = pt->n_fanouts;
	return 0;
}

SNNDEV_EXPORT size_t snndev_net_num_routes(const struct snndev_net *net)
{
	return net ? net->n_routes : 0;
}

SNNDEV_EXPORT const struct snndev_route *
snndev_net_routes(const struct snndev_net *net)
{
	return net ? net->routes : NULL;
}

SNNDEV_EXPORT int snndev_net_part_image(const struct snndev_net *net,
					unsigned int part, void **buf,
					size_t *len)
{
	uint64_t n;
	char d[40];
	void *b;

	if (!net || part >= net->n_parts)
		return snndev__err(-EINVAL,
				   "snndev_net_part_image: part %u does not exist (%s)",
				   part, snndev__parts_desc(d, sizeof(d),
							    net ? net->n_parts : 0));
	if (!buf || !len)
		return snndev__err(-EINVAL, "snndev_net_part_image: buf or len is NULL");
	n = snndev__part_image_len(&net->parts[part]);
	b = malloc(n);
	if (!b)
		return snndev__err(-ENOMEM, "snndev_net_part_image: out of memory");
	snndev__part_image_write(&net->parts[part], b);
	*buf = b;
	*len = n;
	return 0;
}
