/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev network image writer, see snn_img_write.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snn_hw.h"
#include "snn_img_write.h"

struct imgw_sec {
	uint8_t *buf;
	size_t len, cap;
	uint32_t count;
};

struct snn_img_writer {
	unsigned int n_cores, npc, apc;
	struct imgw_sec prof, nrn, syn, fo;
};

static void imgw_put16(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
}

static void imgw_put32(uint8_t *p, uint32_t x)
{
	imgw_put16(p, x);
	imgw_put16(p + 2, x >> 16);
}

/* Room for one more record of size bytes; NULL if out of memory. */
static uint8_t *imgw_append(struct imgw_sec *s, size_t size)
{
	uint8_t *p;

	if (s->count >= (uint32_t)INT32_MAX)
		return NULL;
	if (s->len + size > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64 * size;

		p = realloc(s->buf, cap);
		if (!p)
			return NULL;
		s->buf = p;
		s->cap = cap;
	}
	p = s->buf + s->len;
	memset(p, 0, size);
	s->len += size;
	s->count++;
	return p;
}

struct snn_img_writer *snn_img_writer_new(unsigned int n_cores,
					  unsigned int neurons_per_core,
					  unsigned int axons_per_core)
{
	struct snn_img_writer *w;

	if (n_cores > 0xffff || neurons_per_core > 0xffff ||
	    axons_per_core > 0xffff)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->n_cores = n_cores;
	w->npc = neurons_per_core;
	w->apc = axons_per_core;
	return w;
}

void snn_img_writer_free(struct snn_img_writer *w)
{
	if (!w)
		return;
	free(w->prof.buf);
	free(w->nrn.buf);
	free(w->syn.buf);
	free(w->fo.buf);
	free(w);
}

int snn_img_add_profile(struct snn_img_writer *w, unsigned int du,
			unsigned int dv, unsigned int vth, int bias_mant,
			int bias_exp)
{
	uint8_t *p;

	if (du > 0xffff || dv > 0xffff || bias_mant < INT16_MIN ||
	    bias_mant > INT16_MAX || bias_exp < INT8_MIN || bias_exp > INT8_MAX ||
	    w->prof.count >= 0xffff)
		return -1;
	p = imgw_append(&w->prof, SNN_IMG_PROFILE_SIZE);
	if (!p)
		return -1;
	imgw_put16(p + SNN_IMG_P_DU, du);
	imgw_put16(p + SNN_IMG_P_DV, dv);
	imgw_put32(p + SNN_IMG_P_VTH, vth);
	imgw_put16(p + SNN_IMG_P_BIAS_MANT, (uint32_t)bias_mant);
	p[SNN_IMG_P_BIAS_EXP] = (uint8_t)bias_exp;
	return (int)w->prof.count - 1;
}

int snn_img_add_neuron(struct snn_img_writer *w, unsigned int core,
		       unsigned int index, unsigned int profile,
		       unsigned int flags, unsigned int outq, int bias_mant)
{
	uint8_t *p;

	if (core > 0xff || index > 0xffff || profile > 0xff || flags > 0xff ||
	    outq > 0xff || bias_mant < INT16_MIN || bias_mant > INT16_MAX)
		return -1;
	p = imgw_append(&w->nrn, SNN_IMG_REC_SIZE);
	if (!p)
		return -1;
	p[SNN_IMG_N_CORE] = (uint8_t)core;
	p[SNN_IMG_N_PROFILE] = (uint8_t)profile;
	imgw_put16(p + SNN_IMG_N_INDEX, index);
	p[SNN_IMG_N_FLAGS] = (uint8_t)flags;
	p[SNN_IMG_N_OUTQ] = (uint8_t)outq;
	imgw_put16(p + SNN_IMG_N_BIAS_MANT, (uint32_t)bias_mant);
	return (int)w->nrn.count - 1;
}

int snn_img_add_synapse(struct snn_img_writer *w, unsigned int core,
			unsigned int axon, unsigned int neuron, int weight)
{
	uint8_t *p;

	if (core > 0xff || axon > 0xffff || neuron > 0xffff ||
	    weight < INT8_MIN || weight > INT8_MAX)
		return -1;
	p = imgw_append(&w->syn, SNN_IMG_REC_SIZE);
	if (!p)
		return -1;
	p[SNN_IMG_S_CORE] = (uint8_t)core;
	imgw_put16(p + SNN_IMG_S_AXON, axon);
	imgw_put16(p + SNN_IMG_S_NEURON, neuron);
	p[SNN_IMG_S_WEIGHT] = (uint8_t)weight;
	return (int)w->syn.count - 1;
}

int snn_img_add_fanout(struct snn_img_writer *w, unsigned int src_core,
		       unsigned int src_neuron, unsigned int dst_core,
		       unsigned int dst_axon)
{
	uint8_t *p;

	if (src_core > 0xff || src_neuron > 0xffff || dst_core > 0xff ||
	    dst_axon > 0xffff)
		return -1;
	p = imgw_append(&w->fo, SNN_IMG_REC_SIZE);
	if (!p)
		return -1;
	p[SNN_IMG_F_SRC_CORE] = (uint8_t)src_core;
	p[SNN_IMG_F_DST_CORE] = (uint8_t)dst_core;
	imgw_put16(p + SNN_IMG_F_SRC_NEURON, src_neuron);
	imgw_put16(p + SNN_IMG_F_DST_AXON, dst_axon);
	return (int)w->fo.count - 1;
}

void *snn_img_writer_build(const struct snn_img_writer *w, size_t *len)
{
	size_t n = SNN_IMG_HDR_SIZE;
	uint8_t *img, *p;

	n += w->prof.len + w->nrn.len + w->syn.len + w->fo.len;
	img = calloc(1, n);
	if (!img)
		return NULL;
	imgw_put32(img + SNN_IMG_H_MAGIC, SNN_IMG_MAGIC);
	imgw_put16(img + SNN_IMG_H_VERSION, SNN_IMG_VERSION);
	imgw_put16(img + SNN_IMG_H_HDR_SIZE, SNN_IMG_HDR_SIZE);
	imgw_put16(img + SNN_IMG_H_N_CORES, w->n_cores);
	imgw_put16(img + SNN_IMG_H_NEURONS_PER_CORE, w->npc);
	imgw_put16(img + SNN_IMG_H_AXONS_PER_CORE, w->apc);
	imgw_put16(img + SNN_IMG_H_N_PROFILES, w->prof.count);
	imgw_put32(img + SNN_IMG_H_N_NEURONS, w->nrn.count);
	imgw_put32(img + SNN_IMG_H_N_SYNAPSES, w->syn.count);
	imgw_put32(img + SNN_IMG_H_N_FANOUT, w->fo.count);
	p = img + SNN_IMG_HDR_SIZE;
	if (w->prof.len)
		memcpy(p, w->prof.buf, w->prof.len);
	p += w->prof.len;
	if (w->nrn.len)
		memcpy(p, w->nrn.buf, w->nrn.len);
	p += w->nrn.len;
	if (w->syn.len)
		memcpy(p, w->syn.buf, w->syn.len);
	p += w->syn.len;
	if (w->fo.len)
		memcpy(p, w->fo.buf, w->fo.len);
	*len = n;
	return img;
}

static uint32_t imgw_rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t imgw_rd32(const uint8_t *p)
{
	return imgw_rd16(p) | imgw_rd16(p + 2) << 16;
}

enum snn_img_section snn_img_locate(const void *img, size_t len,
				    uint32_t off, uint32_t *index)
{
	const uint8_t *b = img;
	uint64_t start, size, n[4];
	unsigned int i;

	*index = 0;
	if (off < SNN_IMG_HDR_SIZE)
		return SNN_IMG_SEC_HEADER;
	if (len < SNN_IMG_HDR_SIZE)
		return SNN_IMG_SEC_NONE;
	n[0] = imgw_rd16(b + SNN_IMG_H_N_PROFILES);
	n[1] = imgw_rd32(b + SNN_IMG_H_N_NEURONS);
	n[2] = imgw_rd32(b + SNN_IMG_H_N_SYNAPSES);
	n[3] = imgw_rd32(b + SNN_IMG_H_N_FANOUT);
	start = SNN_IMG_HDR_SIZE;
	for (i = 0; i < 4; i++) {
		size = i == 0 ? SNN_IMG_PROFILE_SIZE : SNN_IMG_REC_SIZE;
		if (off < start + n[i] * size) {
			*index = (uint32_t)((off - start) / size);
			return (enum snn_img_section)(SNN_IMG_SEC_PROFILE + i);
		}
		start += n[i] * size;
	}
	return SNN_IMG_SEC_NONE;
}

const char *snn_img_section_name(enum snn_img_section s)
{
	switch (s) {
	case SNN_IMG_SEC_HEADER:
		return "header";
	case SNN_IMG_SEC_PROFILE:
		return "profile";
	case SNN_IMG_SEC_NEURON:
		return "neuron";
	case SNN_IMG_SEC_SYNAPSE:
		return "synapse";
	case SNN_IMG_SEC_FANOUT:
		return "fanout";
	case SNN_IMG_SEC_NONE:
		break;
	}
	return "none";
}
