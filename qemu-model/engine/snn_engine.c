/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev neuron engine: network image loader and event-driven, bit-accurate
 * CUBA LIF simulator of one cluster.  See snn_engine.h and docs/engine.md.
 *
 * Plain C99 with no QEMU dependency.  QEMU compiles this file through a
 * wrapper that includes "qemu/osdep.h" first, so every file-local name is
 * prefixed with eng_ and nothing here redefines a libc, glib or QEMU name.
 *
 * Data layout of a loaded network:
 *  - neurons get dense ids 0..n_neurons-1 in (core, index) order; a rank
 *    bitmap maps the flat id core * neurons_per_core + index to the dense id.
 *  - axons that have at least one synapse ("used" axons) get dense ids the
 *    same way; syn_start/syn is the CSR table used axon -> (neuron, weight).
 *  - fo_start/fo_axon is the CSR table neuron -> used axon (fan-out entries
 *    to axons without synapses do nothing and are dropped at load time).
 * Memory is proportional to the image plus 1.5 bits per possible neuron and
 * axon of the declared geometry (at most 6 MiB).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn_hw.h"
#include "snn_engine.h"

/* The unit tests redirect allocations to inject failures. */
#ifndef ENG_CALLOC
#define ENG_CALLOC(n, size)	calloc((n), (size))
#define ENG_FREE(p)		free(p)
#endif

#if defined(__GNUC__)
#define ENG_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#else
#define ENG_PRINTF(a, b)
#endif

#define ENG_UV_LIMIT		(1 << 23)	/* u, v are 24-bit signed */
#define ENG_DECAY_UNITY		4096	/* 1 << decay_shift 12 */
#define ENG_ACT_SHIFT		6
#define ENG_VTH_SHIFT		6

/* ---- bit map with O(1) rank ------------------------------------------ */

struct eng_rank {
	uint64_t *bits;
	uint32_t *pre;		/* set bits in the words before word i */
	uint32_t nbits;
	uint32_t nwords;
};

static int eng_rank_alloc(struct eng_rank *r, uint32_t nbits)
{
	r->nbits = nbits;
	r->nwords = nbits / 64 + 1;
	r->bits = ENG_CALLOC(r->nwords, sizeof(*r->bits));
	r->pre = ENG_CALLOC(r->nwords, sizeof(*r->pre));
	return r->bits && r->pre ? 0 : -1;
}

static void eng_rank_free(struct eng_rank *r)
{
	ENG_FREE(r->bits);
	ENG_FREE(r->pre);
	r->bits = NULL;
	r->pre = NULL;
}

static inline unsigned int eng_popcount64(uint64_t x)
{
#if defined(__GNUC__)
	return (unsigned int)__builtin_popcountll(x);
#else
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned int)((x * 0x0101010101010101ull) >> 56);
#endif
}

static inline int eng_bit_test(const struct eng_rank *r, uint32_t i)
{
	return (int)((r->bits[i >> 6] >> (i & 63)) & 1);
}

static inline void eng_bit_set(struct eng_rank *r, uint32_t i)
{
	r->bits[i >> 6] |= 1ull << (i & 63);
}

/* Fill the prefix counts; returns the number of set bits. */
static uint32_t eng_rank_build(struct eng_rank *r)
{
	uint32_t i, sum = 0;

	for (i = 0; i < r->nwords; i++) {
		r->pre[i] = sum;
		sum += eng_popcount64(r->bits[i]);
	}
	return sum;
}

/* Dense id of set bit i. */
static inline uint32_t eng_rank(const struct eng_rank *r, uint32_t i)
{
	uint64_t below = r->bits[i >> 6] & ((1ull << (i & 63)) - 1);

	return r->pre[i >> 6] + eng_popcount64(below);
}

/* ---- network ----------------------------------------------------------- */

struct eng_profile {
	int32_t decay_u;	/* 4096 - (du + 1) */
	int32_t decay_v;	/* 4096 - dv */
	int32_t vth;		/* vth << 6 */
	int32_t bias;		/* effective bias of the profile's mantissa */
	uint16_t du, dv;
	int16_t bias_mant;
	int8_t bias_exp;
};

struct eng_neuron {
	int32_t bias;		/* effective bias (profile or own mantissa) */
	uint16_t core;
	uint16_t index;
	uint8_t profile;
	uint8_t flags;
	uint8_t outq;
};

struct snn_net {
	uint32_t n_cores, npc, apc, n_profiles;
	uint32_t n_neurons, n_synapses, n_fanout;
	struct eng_profile prof[SNN_MAX_PROFILES];
	struct eng_neuron *nrn;		/* [n_neurons], dense ids */
	struct eng_rank nmap;		/* flat neuron id -> dense id */
	struct eng_rank amap;		/* flat axon id -> used axon id */
	uint32_t n_used_axons;
	uint32_t *syn_start;		/* [n_used_axons + 1] */
	uint32_t *syn;			/* dense neuron id << 8 | weight */
	uint32_t *fo_start;		/* [n_neurons + 1] */
	uint32_t *fo_axon;		/* used axon ids */
	uint32_t *biased;		/* neurons with nonzero bias */
	uint32_t n_biased;
};

struct snn_engine {
	const struct snn_net *net;
	uint32_t t;
	int32_t *u, *v;
	int64_t *acc;			/* exact a_in of the coming step */
	uint8_t *in_act;		/* neuron is on the active list */
	uint32_t *act;			/* active list */
	uint32_t n_act;
	uint32_t *spk;			/* spikes of the last step, sorted */
	uint32_t *tmp;			/* sort scratch */
	uint32_t n_spk;
	struct snn_spike *out;
	uint64_t pend_syn_ops;		/* input delivered before the step */
};

/* ---- LIF arithmetic (reference section 2, Lava PyLifModelBitAcc) ------- */

/*
 * sign(t) * (|t| >> 12) with t = x * factor, i.e. t / 4096 rounded toward
 * zero, which is exactly C99 integer division (and compiles branch-free).
 */
static inline int64_t eng_decay(int64_t x, int32_t factor)
{
	return x * factor / ENG_DECAY_UNITY;
}

/*
 * mant << exp, or floor(mant / 2^-exp) for a negative exponent (an
 * arithmetic right shift, written so it does not depend on how the
 * compiler shifts negative numbers).  Exponents beyond +-31 are clamped;
 * images only carry -7..7.
 */
static int64_t eng_eff_bias(int32_t mant, int32_t exp)
{
	int64_t m = mant;
	int s;

	if (exp >= 0) {
		s = exp > 31 ? 31 : exp;
		return m * ((int64_t)1 << s);
	}
	s = exp < -31 ? 31 : -exp;
	if (m >= 0)
		return m >> s;
	return -((-m + ((int64_t)1 << s) - 1) >> s);
}

static inline int32_t eng_sat16(int64_t a, uint64_t *sat)
{
	if (a > INT16_MAX) {
		(*sat)++;
		return INT16_MAX;
	}
	if (a < INT16_MIN) {
		(*sat)++;
		return INT16_MIN;
	}
	return (int32_t)a;
}

/* One neuron, one step; a_in already 16-bit.  Returns 1 on a spike. */
static inline int eng_lif(int32_t decay_u, int32_t decay_v, int64_t vth,
			  int64_t bias, int32_t a_in, int32_t *u, int32_t *v)
{
	int64_t un, vn;

	un = eng_decay(*u, decay_u) + (int64_t)a_in * (1 << ENG_ACT_SHIFT);
	if (un > ENG_UV_LIMIT)
		un -= 2 * (int64_t)ENG_UV_LIMIT;
	else if (un <= -ENG_UV_LIMIT)
		un += 2 * (int64_t)ENG_UV_LIMIT;
	vn = eng_decay(*v, decay_v) + un + bias;
	if (vn > ENG_UV_LIMIT - 1)
		vn = ENG_UV_LIMIT - 1;
	else if (vn < -(ENG_UV_LIMIT - 1))
		vn = -(ENG_UV_LIMIT - 1);
	*u = (int32_t)un;
	if (vn > vth) {
		*v = 0;
		return 1;
	}
	*v = (int32_t)vn;
	return 0;
}

int snn_lif_update(const struct snn_lif_params *p, int32_t a_in,
		   int32_t *u, int32_t *v, int *saturated)
{
	uint64_t sat = 0;
	int32_t a = eng_sat16(a_in, &sat);
	int fired;

	fired = eng_lif(ENG_DECAY_UNITY - ((int32_t)p->du + 1),
			ENG_DECAY_UNITY - (int32_t)p->dv,
			(int64_t)p->vth << ENG_VTH_SHIFT,
			eng_eff_bias(p->bias_mant, p->bias_exp), a, u, v);
	if (saturated)
		*saturated = sat != 0;
	return fired;
}

/* ---- image loader ------------------------------------------------------ */

static inline uint32_t eng_rd8(const uint8_t *p)
{
	return p[0];
}

static inline uint32_t eng_rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t eng_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int32_t eng_rds8(const uint8_t *p)
{
	return (int32_t)p[0] - (int32_t)((p[0] & 0x80u) << 1);
}

static inline int32_t eng_rds16(const uint8_t *p)
{
	uint32_t x = eng_rd16(p);

	return (int32_t)x - (int32_t)((x & 0x8000u) << 1);
}

static ENG_PRINTF(4, 5) int eng_fail(struct snn_img_error *err, uint32_t code,
				     uint64_t off, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->offset = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int eng_nomem(struct snn_img_error *err)
{
	return eng_fail(err, SNN_E_IMG_CAPACITY, 0,
			"out of memory loading the image");
}

/* Header values and section offsets of the image being loaded. */
struct eng_hdr {
	uint32_t n_cores, npc, apc, n_prof;
	uint32_t n_nrn, n_syn, n_fo;
	size_t poff, noff, soff, foff;
};

static int eng_load_header(const uint8_t *b, size_t len,
			   const struct snn_limits *lim, struct eng_hdr *h,
			   struct snn_img_error *err)
{
	uint32_t x, i;
	uint64_t expect;

	if (len >= 4 && eng_rd32(b + SNN_IMG_H_MAGIC) != SNN_IMG_MAGIC)
		return eng_fail(err, SNN_E_IMG_MAGIC, SNN_IMG_H_MAGIC,
				"header: magic 0x%08x is not 0x%08x (\"SNNI\")",
				eng_rd32(b), SNN_IMG_MAGIC);
	if (len < SNN_IMG_HDR_SIZE)
		return eng_fail(err, SNN_E_IMG_LENGTH, SNN_IMG_HDR_SIZE,
				"header: image is %zu bytes, shorter than the %u-byte header",
				len, SNN_IMG_HDR_SIZE);
	x = eng_rd16(b + SNN_IMG_H_VERSION);
	if (x != SNN_IMG_VERSION)
		return eng_fail(err, SNN_E_IMG_VERSION, SNN_IMG_H_VERSION,
				"header: version %u not supported (expected %u)",
				x, SNN_IMG_VERSION);
	x = eng_rd16(b + SNN_IMG_H_HDR_SIZE);
	if (x != SNN_IMG_HDR_SIZE)
		return eng_fail(err, SNN_E_IMG_VERSION, SNN_IMG_H_HDR_SIZE,
				"header: header size %u not supported (expected %u)",
				x, SNN_IMG_HDR_SIZE);

	h->n_cores = eng_rd16(b + SNN_IMG_H_N_CORES);
	if (h->n_cores == 0 || h->n_cores > SNN_MAX_CORES)
		return eng_fail(err, SNN_E_IMG_RANGE, SNN_IMG_H_N_CORES,
				"header: n_cores %u outside 1..%u",
				h->n_cores, SNN_MAX_CORES);
	if (h->n_cores > lim->cores)
		return eng_fail(err, SNN_E_IMG_CAPACITY, SNN_IMG_H_N_CORES,
				"header: n_cores %u exceeds the cluster's %u cores",
				h->n_cores, lim->cores);
	h->npc = eng_rd16(b + SNN_IMG_H_NEURONS_PER_CORE);
	if (h->npc == 0)
		return eng_fail(err, SNN_E_IMG_RANGE,
				SNN_IMG_H_NEURONS_PER_CORE,
				"header: neurons_per_core is 0 (must be 1..%u)",
				SNN_MAX_NEURONS_PER_CORE);
	if (h->npc > lim->neurons_per_core)
		return eng_fail(err, SNN_E_IMG_CAPACITY,
				SNN_IMG_H_NEURONS_PER_CORE,
				"header: neurons_per_core %u exceeds the cluster's %u",
				h->npc, lim->neurons_per_core);
	h->apc = eng_rd16(b + SNN_IMG_H_AXONS_PER_CORE);
	if (h->apc == 0)
		return eng_fail(err, SNN_E_IMG_RANGE, SNN_IMG_H_AXONS_PER_CORE,
				"header: axons_per_core is 0 (must be 1..%u)",
				SNN_MAX_AXONS_PER_CORE);
	if (h->apc > lim->axons_per_core)
		return eng_fail(err, SNN_E_IMG_CAPACITY,
				SNN_IMG_H_AXONS_PER_CORE,
				"header: axons_per_core %u exceeds the cluster's %u",
				h->apc, lim->axons_per_core);
	h->n_prof = eng_rd16(b + SNN_IMG_H_N_PROFILES);
	if (h->n_prof > SNN_MAX_PROFILES)
		return eng_fail(err, SNN_E_IMG_RANGE, SNN_IMG_H_N_PROFILES,
				"header: n_profiles %u outside 0..%u",
				h->n_prof, SNN_MAX_PROFILES);
	if (h->n_prof > lim->profiles)
		return eng_fail(err, SNN_E_IMG_CAPACITY, SNN_IMG_H_N_PROFILES,
				"header: n_profiles %u exceeds the cluster's %u profiles",
				h->n_prof, lim->profiles);
	h->n_nrn = eng_rd32(b + SNN_IMG_H_N_NEURONS);
	if (h->n_nrn > h->n_cores * h->npc)
		return eng_fail(err, SNN_E_IMG_CAPACITY, SNN_IMG_H_N_NEURONS,
				"header: n_neurons %u exceeds n_cores * neurons_per_core = %u",
				h->n_nrn, h->n_cores * h->npc);
	h->n_syn = eng_rd32(b + SNN_IMG_H_N_SYNAPSES);
	if (h->n_syn > (uint64_t)h->n_cores * lim->synapses_per_core)
		return eng_fail(err, SNN_E_IMG_CAPACITY, SNN_IMG_H_N_SYNAPSES,
				"header: n_synapses %u exceeds %u cores * %u synapses per core",
				h->n_syn, h->n_cores, lim->synapses_per_core);
	h->n_fo = eng_rd32(b + SNN_IMG_H_N_FANOUT);
	if (h->n_fo > (uint64_t)h->n_cores * lim->fanout_per_core)
		return eng_fail(err, SNN_E_IMG_CAPACITY, SNN_IMG_H_N_FANOUT,
				"header: n_fanout %u exceeds %u cores * %u fan-out entries per core",
				h->n_fo, h->n_cores, lim->fanout_per_core);
	x = eng_rd32(b + SNN_IMG_H_FLAGS);
	if (x != 0)
		return eng_fail(err, SNN_E_IMG_RESERVED, SNN_IMG_H_FLAGS,
				"header: flags 0x%08x, must be 0", x);
	for (i = SNN_IMG_H_RESERVED; i < SNN_IMG_HDR_SIZE; i++)
		if (b[i])
			return eng_fail(err, SNN_E_IMG_RESERVED, i,
					"header: reserved byte %u is 0x%02x, must be 0",
					i, b[i]);

	expect = SNN_IMG_HDR_SIZE +
		 (uint64_t)h->n_prof * SNN_IMG_PROFILE_SIZE +
		 ((uint64_t)h->n_nrn + h->n_syn + h->n_fo) * SNN_IMG_REC_SIZE;
	if (expect > SNN_IMG_MAX_LEN)
		return eng_fail(err, SNN_E_IMG_LENGTH, expect,
				"header: counts describe a %llu-byte image, more than the %u-byte maximum",
				(unsigned long long)expect, SNN_IMG_MAX_LEN);
	if (len != expect)
		return eng_fail(err, SNN_E_IMG_LENGTH, expect,
				"image is %zu bytes but its header describes %llu",
				len, (unsigned long long)expect);
	h->poff = SNN_IMG_HDR_SIZE;
	h->noff = h->poff + (size_t)h->n_prof * SNN_IMG_PROFILE_SIZE;
	h->soff = h->noff + (size_t)h->n_nrn * SNN_IMG_REC_SIZE;
	h->foff = h->soff + (size_t)h->n_syn * SNN_IMG_REC_SIZE;
	return 0;
}

static int eng_load_profiles(struct snn_net *net, const uint8_t *b,
			     const struct eng_hdr *h, struct snn_img_error *err)
{
	uint32_t i, du, dv, vth, r0, r1;
	int32_t mant, exp;

	for (i = 0; i < h->n_prof; i++) {
		size_t off = h->poff + (size_t)i * SNN_IMG_PROFILE_SIZE;
		const uint8_t *p = b + off;
		struct eng_profile *pr = &net->prof[i];

		du = eng_rd16(p + SNN_IMG_P_DU);
		if (du > SNN_LIF_DU_MAX)
			return eng_fail(err, SNN_E_IMG_RANGE, off + SNN_IMG_P_DU,
					"profile %u: du %u > %u",
					i, du, SNN_LIF_DU_MAX);
		dv = eng_rd16(p + SNN_IMG_P_DV);
		if (dv > SNN_LIF_DV_MAX)
			return eng_fail(err, SNN_E_IMG_RANGE, off + SNN_IMG_P_DV,
					"profile %u: dv %u > %u",
					i, dv, SNN_LIF_DV_MAX);
		vth = eng_rd32(p + SNN_IMG_P_VTH);
		if (vth > SNN_LIF_VTH_MAX)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_P_VTH,
					"profile %u: vth %u > %u",
					i, vth, SNN_LIF_VTH_MAX);
		mant = eng_rds16(p + SNN_IMG_P_BIAS_MANT);
		if (mant < SNN_LIF_BIAS_MANT_MIN || mant > SNN_LIF_BIAS_MANT_MAX)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_P_BIAS_MANT,
					"profile %u: bias_mant %d outside %d..%d",
					i, mant, SNN_LIF_BIAS_MANT_MIN,
					SNN_LIF_BIAS_MANT_MAX);
		exp = eng_rds8(p + SNN_IMG_P_BIAS_EXP);
		if (exp < SNN_LIF_BIAS_EXP_MIN || exp > SNN_LIF_BIAS_EXP_MAX)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_P_BIAS_EXP,
					"profile %u: bias_exp %d outside %d..%d",
					i, exp, SNN_LIF_BIAS_EXP_MIN,
					SNN_LIF_BIAS_EXP_MAX);
		r0 = eng_rd8(p + SNN_IMG_P_RESERVED0);
		if (r0)
			return eng_fail(err, SNN_E_IMG_RESERVED,
					off + SNN_IMG_P_RESERVED0,
					"profile %u: reserved byte 11 is 0x%02x, must be 0",
					i, r0);
		r1 = eng_rd32(p + SNN_IMG_P_RESERVED1);
		if (r1)
			return eng_fail(err, SNN_E_IMG_RESERVED,
					off + SNN_IMG_P_RESERVED1,
					"profile %u: reserved word 12 is 0x%08x, must be 0",
					i, r1);
		pr->du = (uint16_t)du;
		pr->dv = (uint16_t)dv;
		pr->bias_mant = (int16_t)mant;
		pr->bias_exp = (int8_t)exp;
		pr->decay_u = ENG_DECAY_UNITY - ((int32_t)du + 1);
		pr->decay_v = ENG_DECAY_UNITY - (int32_t)dv;
		pr->vth = (int32_t)(vth << ENG_VTH_SHIFT);
		pr->bias = (int32_t)eng_eff_bias(mant, exp);
	}
	return 0;
}

static int eng_load_neurons(struct snn_net *net, const uint8_t *b,
			    const struct eng_hdr *h,
			    const struct snn_limits *lim,
			    struct snn_img_error *err)
{
	uint32_t j, core, prof, idx, flags, outq, flat, d, nb;
	int32_t mant;

	if (eng_rank_alloc(&net->nmap, h->n_cores * h->npc))
		return eng_nomem(err);
	for (j = 0; j < h->n_nrn; j++) {
		size_t off = h->noff + (size_t)j * SNN_IMG_REC_SIZE;
		const uint8_t *p = b + off;

		core = eng_rd8(p + SNN_IMG_N_CORE);
		if (core >= h->n_cores)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_N_CORE,
					"neuron %u: core %u >= n_cores %u",
					j, core, h->n_cores);
		prof = eng_rd8(p + SNN_IMG_N_PROFILE);
		if (prof >= h->n_prof)
			return eng_fail(err, SNN_E_IMG_UNDEFINED,
					off + SNN_IMG_N_PROFILE,
					"neuron %u: profile %u not defined (%u profiles)",
					j, prof, h->n_prof);
		idx = eng_rd16(p + SNN_IMG_N_INDEX);
		if (idx >= h->npc)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_N_INDEX,
					"neuron %u: index %u >= neurons_per_core %u",
					j, idx, h->npc);
		flags = eng_rd8(p + SNN_IMG_N_FLAGS);
		if (flags & ~SNN_NEURON_FLAGS_ALL)
			return eng_fail(err, SNN_E_IMG_RESERVED,
					off + SNN_IMG_N_FLAGS,
					"neuron %u: unknown flags 0x%02x",
					j, flags & ~SNN_NEURON_FLAGS_ALL);
		outq = eng_rd8(p + SNN_IMG_N_OUTQ);
		if ((flags & SNN_NEURON_OUT) && outq >= lim->out_queues)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_N_OUTQ,
					"neuron %u: output queue %u >= %u output queues",
					j, outq, lim->out_queues);
		if (!(flags & SNN_NEURON_OUT) && outq)
			return eng_fail(err, SNN_E_IMG_RESERVED,
					off + SNN_IMG_N_OUTQ,
					"neuron %u: outq %u without the OUT flag, must be 0",
					j, outq);
		mant = eng_rds16(p + SNN_IMG_N_BIAS_MANT);
		if ((flags & SNN_NEURON_BIAS) &&
		    (mant < SNN_LIF_BIAS_MANT_MIN ||
		     mant > SNN_LIF_BIAS_MANT_MAX))
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_N_BIAS_MANT,
					"neuron %u: bias_mant %d outside %d..%d",
					j, mant, SNN_LIF_BIAS_MANT_MIN,
					SNN_LIF_BIAS_MANT_MAX);
		if (!(flags & SNN_NEURON_BIAS) && mant)
			return eng_fail(err, SNN_E_IMG_RESERVED,
					off + SNN_IMG_N_BIAS_MANT,
					"neuron %u: bias_mant %d without the BIAS flag, must be 0",
					j, mant);
		flat = core * h->npc + idx;
		if (eng_bit_test(&net->nmap, flat))
			return eng_fail(err, SNN_E_IMG_DUPLICATE, off,
					"neuron %u: core %u neuron %u is already defined",
					j, core, idx);
		eng_bit_set(&net->nmap, flat);
	}
	eng_rank_build(&net->nmap);

	net->nrn = ENG_CALLOC((size_t)h->n_nrn + 1, sizeof(*net->nrn));
	if (!net->nrn)
		return eng_nomem(err);
	for (j = 0; j < h->n_nrn; j++) {
		const uint8_t *p = b + h->noff + (size_t)j * SNN_IMG_REC_SIZE;
		struct eng_neuron *n;

		core = eng_rd8(p + SNN_IMG_N_CORE);
		idx = eng_rd16(p + SNN_IMG_N_INDEX);
		d = eng_rank(&net->nmap, core * h->npc + idx);
		n = &net->nrn[d];
		n->core = (uint16_t)core;
		n->index = (uint16_t)idx;
		n->profile = (uint8_t)eng_rd8(p + SNN_IMG_N_PROFILE);
		n->flags = (uint8_t)eng_rd8(p + SNN_IMG_N_FLAGS);
		n->outq = (uint8_t)eng_rd8(p + SNN_IMG_N_OUTQ);
		if (n->flags & SNN_NEURON_BIAS)
			n->bias = (int32_t)eng_eff_bias(
				eng_rds16(p + SNN_IMG_N_BIAS_MANT),
				net->prof[n->profile].bias_exp);
		else
			n->bias = net->prof[n->profile].bias;
	}

	nb = 0;
	for (d = 0; d < h->n_nrn; d++)
		nb += net->nrn[d].bias != 0;
	net->biased = ENG_CALLOC((size_t)nb + 1, sizeof(*net->biased));
	if (!net->biased)
		return eng_nomem(err);
	for (d = 0; d < h->n_nrn; d++)
		if (net->nrn[d].bias)
			net->biased[net->n_biased++] = d;
	return 0;
}

static int eng_load_synapses(struct snn_net *net, const uint8_t *b,
			     const struct eng_hdr *h,
			     const struct snn_limits *lim,
			     struct snn_img_error *err)
{
	uint32_t cnt[SNN_MAX_CORES];
	uint32_t k, core, axon, nrn, r, w;

	memset(cnt, 0, sizeof(cnt));
	if (eng_rank_alloc(&net->amap, h->n_cores * h->apc))
		return eng_nomem(err);
	for (k = 0; k < h->n_syn; k++) {
		size_t off = h->soff + (size_t)k * SNN_IMG_REC_SIZE;
		const uint8_t *p = b + off;

		core = eng_rd8(p + SNN_IMG_S_CORE);
		if (core >= h->n_cores)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_S_CORE,
					"synapse %u: core %u >= n_cores %u",
					k, core, h->n_cores);
		if (p[SNN_IMG_S_RESERVED0])
			return eng_fail(err, SNN_E_IMG_RESERVED,
					off + SNN_IMG_S_RESERVED0,
					"synapse %u: reserved byte 1 is 0x%02x, must be 0",
					k, p[SNN_IMG_S_RESERVED0]);
		axon = eng_rd16(p + SNN_IMG_S_AXON);
		if (axon >= h->apc)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_S_AXON,
					"synapse %u: axon %u >= axons_per_core %u",
					k, axon, h->apc);
		nrn = eng_rd16(p + SNN_IMG_S_NEURON);
		if (nrn >= h->npc)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_S_NEURON,
					"synapse %u: neuron %u >= neurons_per_core %u",
					k, nrn, h->npc);
		if (!eng_bit_test(&net->nmap, core * h->npc + nrn))
			return eng_fail(err, SNN_E_IMG_UNDEFINED,
					off + SNN_IMG_S_NEURON,
					"synapse %u: neuron %u not defined on core %u",
					k, nrn, core);
		if (p[SNN_IMG_S_RESERVED1])
			return eng_fail(err, SNN_E_IMG_RESERVED,
					off + SNN_IMG_S_RESERVED1,
					"synapse %u: reserved byte 7 is 0x%02x, must be 0",
					k, p[SNN_IMG_S_RESERVED1]);
		if (++cnt[core] > lim->synapses_per_core)
			return eng_fail(err, SNN_E_IMG_CAPACITY, off,
					"synapse %u: core %u has more than %u synapses",
					k, core, lim->synapses_per_core);
		eng_bit_set(&net->amap, core * h->apc + axon);
	}
	net->n_used_axons = eng_rank_build(&net->amap);

	/* CSR: count per used axon, prefix sums, fill, shift back. */
	net->syn_start = ENG_CALLOC((size_t)net->n_used_axons + 1,
				    sizeof(*net->syn_start));
	net->syn = ENG_CALLOC((size_t)h->n_syn + 1, sizeof(*net->syn));
	if (!net->syn_start || !net->syn)
		return eng_nomem(err);
	for (k = 0; k < h->n_syn; k++) {
		const uint8_t *p = b + h->soff + (size_t)k * SNN_IMG_REC_SIZE;

		core = eng_rd8(p + SNN_IMG_S_CORE);
		axon = eng_rd16(p + SNN_IMG_S_AXON);
		r = eng_rank(&net->amap, core * h->apc + axon);
		net->syn_start[r + 1]++;
	}
	for (r = 0; r < net->n_used_axons; r++)
		net->syn_start[r + 1] += net->syn_start[r];
	for (k = 0; k < h->n_syn; k++) {
		const uint8_t *p = b + h->soff + (size_t)k * SNN_IMG_REC_SIZE;

		core = eng_rd8(p + SNN_IMG_S_CORE);
		axon = eng_rd16(p + SNN_IMG_S_AXON);
		nrn = eng_rd16(p + SNN_IMG_S_NEURON);
		w = eng_rd8(p + SNN_IMG_S_WEIGHT);
		r = eng_rank(&net->amap, core * h->apc + axon);
		net->syn[net->syn_start[r]++] =
			eng_rank(&net->nmap, core * h->npc + nrn) << 8 | w;
	}
	for (r = net->n_used_axons; r > 0; r--)
		net->syn_start[r] = net->syn_start[r - 1];
	net->syn_start[0] = 0;
	return 0;
}

static int eng_load_fanout(struct snn_net *net, const uint8_t *b,
			   const struct eng_hdr *h,
			   const struct snn_limits *lim,
			   struct snn_img_error *err)
{
	uint32_t cnt[SNN_MAX_CORES];
	uint32_t k, sc, dc, sn, da, x, d, fa;

	memset(cnt, 0, sizeof(cnt));
	for (k = 0; k < h->n_fo; k++) {
		size_t off = h->foff + (size_t)k * SNN_IMG_REC_SIZE;
		const uint8_t *p = b + off;

		sc = eng_rd8(p + SNN_IMG_F_SRC_CORE);
		if (sc >= h->n_cores)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_F_SRC_CORE,
					"fanout %u: source core %u >= n_cores %u",
					k, sc, h->n_cores);
		dc = eng_rd8(p + SNN_IMG_F_DST_CORE);
		if (dc >= h->n_cores)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_F_DST_CORE,
					"fanout %u: destination core %u >= n_cores %u",
					k, dc, h->n_cores);
		sn = eng_rd16(p + SNN_IMG_F_SRC_NEURON);
		if (sn >= h->npc)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_F_SRC_NEURON,
					"fanout %u: source neuron %u >= neurons_per_core %u",
					k, sn, h->npc);
		if (!eng_bit_test(&net->nmap, sc * h->npc + sn))
			return eng_fail(err, SNN_E_IMG_UNDEFINED,
					off + SNN_IMG_F_SRC_NEURON,
					"fanout %u: source neuron %u not defined on core %u",
					k, sn, sc);
		da = eng_rd16(p + SNN_IMG_F_DST_AXON);
		if (da >= h->apc)
			return eng_fail(err, SNN_E_IMG_RANGE,
					off + SNN_IMG_F_DST_AXON,
					"fanout %u: destination axon %u >= axons_per_core %u",
					k, da, h->apc);
		x = eng_rd16(p + SNN_IMG_F_RESERVED);
		if (x)
			return eng_fail(err, SNN_E_IMG_RESERVED,
					off + SNN_IMG_F_RESERVED,
					"fanout %u: reserved field is 0x%04x, must be 0",
					k, x);
		if (++cnt[sc] > lim->fanout_per_core)
			return eng_fail(err, SNN_E_IMG_CAPACITY, off,
					"fanout %u: core %u has more than %u fan-out entries",
					k, sc, lim->fanout_per_core);
	}

	net->fo_start = ENG_CALLOC((size_t)h->n_nrn + 1,
				   sizeof(*net->fo_start));
	net->fo_axon = ENG_CALLOC((size_t)h->n_fo + 1, sizeof(*net->fo_axon));
	if (!net->fo_start || !net->fo_axon)
		return eng_nomem(err);
	for (k = 0; k < h->n_fo; k++) {
		const uint8_t *p = b + h->foff + (size_t)k * SNN_IMG_REC_SIZE;

		fa = eng_rd8(p + SNN_IMG_F_DST_CORE) * h->apc +
		     eng_rd16(p + SNN_IMG_F_DST_AXON);
		if (!eng_bit_test(&net->amap, fa))
			continue;	/* axon without synapses */
		sc = eng_rd8(p + SNN_IMG_F_SRC_CORE);
		sn = eng_rd16(p + SNN_IMG_F_SRC_NEURON);
		d = eng_rank(&net->nmap, sc * h->npc + sn);
		net->fo_start[d + 1]++;
	}
	for (d = 0; d < h->n_nrn; d++)
		net->fo_start[d + 1] += net->fo_start[d];
	for (k = 0; k < h->n_fo; k++) {
		const uint8_t *p = b + h->foff + (size_t)k * SNN_IMG_REC_SIZE;

		fa = eng_rd8(p + SNN_IMG_F_DST_CORE) * h->apc +
		     eng_rd16(p + SNN_IMG_F_DST_AXON);
		if (!eng_bit_test(&net->amap, fa))
			continue;
		sc = eng_rd8(p + SNN_IMG_F_SRC_CORE);
		sn = eng_rd16(p + SNN_IMG_F_SRC_NEURON);
		d = eng_rank(&net->nmap, sc * h->npc + sn);
		net->fo_axon[net->fo_start[d]++] = eng_rank(&net->amap, fa);
	}
	for (d = h->n_nrn; d > 0; d--)
		net->fo_start[d] = net->fo_start[d - 1];
	net->fo_start[0] = 0;
	return 0;
}

int snn_net_load(const void *img, size_t len, const struct snn_limits *lim,
		 struct snn_net **netp, struct snn_img_error *err)
{
	const uint8_t *b = img;
	struct snn_img_error dummy;
	struct snn_net *net;
	struct eng_hdr h;

	*netp = NULL;
	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	memset(&h, 0, sizeof(h));
	if (len && !img)
		return eng_fail(err, SNN_E_IMG_LENGTH, SNN_IMG_HDR_SIZE,
				"no image");
	if (eng_load_header(b, len, lim, &h, err))
		return -1;
	net = ENG_CALLOC(1, sizeof(*net));
	if (!net)
		return eng_nomem(err);
	net->n_cores = h.n_cores;
	net->npc = h.npc;
	net->apc = h.apc;
	net->n_profiles = h.n_prof;
	net->n_neurons = h.n_nrn;
	net->n_synapses = h.n_syn;
	net->n_fanout = h.n_fo;
	if (eng_load_profiles(net, b, &h, err) ||
	    eng_load_neurons(net, b, &h, lim, err) ||
	    eng_load_synapses(net, b, &h, lim, err) ||
	    eng_load_fanout(net, b, &h, lim, err)) {
		snn_net_free(net);
		return -1;
	}
	*netp = net;
	return 0;
}

void snn_net_free(struct snn_net *net)
{
	if (!net)
		return;
	eng_rank_free(&net->nmap);
	eng_rank_free(&net->amap);
	ENG_FREE(net->nrn);
	ENG_FREE(net->syn_start);
	ENG_FREE(net->syn);
	ENG_FREE(net->fo_start);
	ENG_FREE(net->fo_axon);
	ENG_FREE(net->biased);
	ENG_FREE(net);
}

unsigned int snn_net_cores(const struct snn_net *net)
{
	return net->n_cores;
}

unsigned int snn_net_neurons_per_core(const struct snn_net *net)
{
	return net->npc;
}

unsigned int snn_net_axons_per_core(const struct snn_net *net)
{
	return net->apc;
}

void snn_net_info(const struct snn_net *net, struct snn_net_info *info)
{
	info->cores = net->n_cores;
	info->neurons_per_core = net->npc;
	info->axons_per_core = net->apc;
	info->profiles = net->n_profiles;
	info->neurons = net->n_neurons;
	info->synapses = net->n_synapses;
	info->fanout = net->n_fanout;
}

const char *snn_img_error_name(uint32_t code)
{
	static const char *const names[] = {
		[SNN_E_NONE] = "SNN_E_NONE",
		[SNN_E_IMG_MAGIC] = "SNN_E_IMG_MAGIC",
		[SNN_E_IMG_VERSION] = "SNN_E_IMG_VERSION",
		[SNN_E_IMG_LENGTH] = "SNN_E_IMG_LENGTH",
		[SNN_E_IMG_RANGE] = "SNN_E_IMG_RANGE",
		[SNN_E_IMG_CAPACITY] = "SNN_E_IMG_CAPACITY",
		[SNN_E_IMG_DUPLICATE] = "SNN_E_IMG_DUPLICATE",
		[SNN_E_IMG_UNDEFINED] = "SNN_E_IMG_UNDEFINED",
		[SNN_E_IMG_RESERVED] = "SNN_E_IMG_RESERVED",
		[SNN_E_DMA] = "SNN_E_DMA",
		[SNN_E_BAD_EVENT] = "SNN_E_BAD_EVENT",
		[SNN_E_QUEUE] = "SNN_E_QUEUE",
		[SNN_E_NOT_LOADED] = "SNN_E_NOT_LOADED",
		[SNN_E_BUSY] = "SNN_E_BUSY",
		[SNN_E_RUN_OVERFLOW] = "SNN_E_RUN_OVERFLOW",
		[SNN_E_NO_OUTQ] = "SNN_E_NO_OUTQ",
		[SNN_E_RT_FULL] = "SNN_E_RT_FULL",
		[SNN_E_RT_EXISTS] = "SNN_E_RT_EXISTS",
		[SNN_E_RT_NOENT] = "SNN_E_RT_NOENT",
		[SNN_E_RT_RANGE] = "SNN_E_RT_RANGE",
		[SNN_E_LOAD_SG] = "SNN_E_LOAD_SG",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "SNN_E_?";
}

/* ---- engine ------------------------------------------------------------ */

struct snn_engine *snn_engine_new(const struct snn_net *net)
{
	struct snn_engine *e;
	size_t n = (size_t)net->n_neurons + 1;

	e = ENG_CALLOC(1, sizeof(*e));
	if (!e)
		return NULL;
	e->net = net;
	e->u = ENG_CALLOC(n, sizeof(*e->u));
	e->v = ENG_CALLOC(n, sizeof(*e->v));
	e->acc = ENG_CALLOC(n, sizeof(*e->acc));
	e->in_act = ENG_CALLOC(n, sizeof(*e->in_act));
	e->act = ENG_CALLOC(n, sizeof(*e->act));
	e->spk = ENG_CALLOC(n, sizeof(*e->spk));
	e->tmp = ENG_CALLOC(n, sizeof(*e->tmp));
	e->out = ENG_CALLOC(n, sizeof(*e->out));
	if (!e->u || !e->v || !e->acc || !e->in_act || !e->act || !e->spk ||
	    !e->tmp || !e->out) {
		snn_engine_free(e);
		return NULL;
	}
	snn_engine_reset(e);
	return e;
}

void snn_engine_free(struct snn_engine *e)
{
	if (!e)
		return;
	ENG_FREE(e->u);
	ENG_FREE(e->v);
	ENG_FREE(e->acc);
	ENG_FREE(e->in_act);
	ENG_FREE(e->act);
	ENG_FREE(e->spk);
	ENG_FREE(e->tmp);
	ENG_FREE(e->out);
	ENG_FREE(e);
}

void snn_engine_reset(struct snn_engine *e)
{
	const struct snn_net *net = e->net;
	size_t n = net->n_neurons;
	uint32_t i;

	memset(e->u, 0, n * sizeof(*e->u));
	memset(e->v, 0, n * sizeof(*e->v));
	memset(e->acc, 0, n * sizeof(*e->acc));
	memset(e->in_act, 0, n * sizeof(*e->in_act));
	/* Neurons with a bias move on their own: they start active. */
	for (i = 0; i < net->n_biased; i++) {
		e->act[i] = net->biased[i];
		e->in_act[net->biased[i]] = 1;
	}
	e->n_act = net->n_biased;
	e->n_spk = 0;
	e->t = 0;
	e->pend_syn_ops = 0;
}

/* Add the synapses of used axon r to a_in; returns the synaptic ops. */
static uint32_t eng_deliver(struct snn_engine *e, uint32_t r)
{
	const struct snn_net *net = e->net;
	uint32_t k, end = net->syn_start[r + 1];

	for (k = net->syn_start[r]; k < end; k++) {
		uint32_t s = net->syn[k], id = s >> 8;

		e->acc[id] += (int32_t)(s & 0xff) - (int32_t)((s & 0x80) << 1);
		if (!e->in_act[id]) {
			e->in_act[id] = 1;
			e->act[e->n_act++] = id;
		}
	}
	return end - net->syn_start[r];
}

int snn_engine_input(struct snn_engine *e, unsigned int core,
		     unsigned int axon)
{
	const struct snn_net *net = e->net;
	uint32_t fa;

	if (core >= net->n_cores || axon >= net->apc)
		return -1;
	fa = core * net->apc + axon;
	if (eng_bit_test(&net->amap, fa))
		e->pend_syn_ops += eng_deliver(e, eng_rank(&net->amap, fa));
	return 0;
}

/* Sort dense ids (all < bound): insertion sort or LSD radix sort. */
static void eng_sort_ids(uint32_t *a, uint32_t *tmp, uint32_t n,
			 uint32_t bound)
{
	uint32_t cnt[256];
	uint32_t *src = a, *dst = tmp, *x;
	uint32_t i, j, sum, c;
	unsigned int shift;

	if (n < 64) {
		for (i = 1; i < n; i++) {
			uint32_t key = a[i];

			for (j = i; j > 0 && a[j - 1] > key; j--)
				a[j] = a[j - 1];
			a[j] = key;
		}
		return;
	}
	for (shift = 0; shift < 32 && (bound - 1) >> shift; shift += 8) {
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(src[i] >> shift) & 0xff]++;
		for (sum = 0, i = 0; i < 256; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[(src[i] >> shift) & 0xff]++] = src[i];
		x = src;
		src = dst;
		dst = x;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

size_t snn_engine_step(struct snn_engine *e, struct snn_step_stats *stats)
{
	const struct snn_net *net = e->net;
	uint64_t syn_ops = e->pend_syn_ops, sat = 0, updates;
	uint32_t i, k, keep = 0, ns = 0;

	/* Spikes of the previous step reach their axons' synapses now. */
	for (i = 0; i < e->n_spk; i++) {
		uint32_t id = e->spk[i];

		for (k = net->fo_start[id]; k < net->fo_start[id + 1]; k++)
			syn_ops += eng_deliver(e, net->fo_axon[k]);
	}
	e->pend_syn_ops = 0;

	/* Update every active neuron; nothing is delivered during this loop. */
	updates = e->n_act;
	for (i = 0; i < e->n_act; i++) {
		uint32_t id = e->act[i];
		const struct eng_neuron *n = &net->nrn[id];
		const struct eng_profile *p = &net->prof[n->profile];
		int32_t a_in = eng_sat16(e->acc[id], &sat);
		int32_t v0 = e->v[id];

		e->acc[id] = 0;
		if (eng_lif(p->decay_u, p->decay_v, p->vth, n->bias, a_in,
			    &e->u[id], &e->v[id])) {
			e->spk[ns++] = id;
		} else if (e->u[id] == 0 && e->v[id] == v0) {
			/* Fixed point: later input-free steps change nothing. */
			e->in_act[id] = 0;
			continue;
		}
		e->act[keep++] = id;
	}
	e->n_act = keep;

	eng_sort_ids(e->spk, e->tmp, ns, net->n_neurons);
	for (i = 0; i < ns; i++) {
		const struct eng_neuron *n = &net->nrn[e->spk[i]];

		e->out[i].core = n->core;
		e->out[i].neuron = n->index;
		e->out[i].flags = n->flags;
		e->out[i].outq = n->outq;
	}
	e->n_spk = ns;
	e->t++;
	if (stats) {
		stats->syn_ops = syn_ops;
		stats->neuron_updates = updates;
		stats->spikes = ns;
		stats->ain_saturations = sat;
	}
	return ns;
}

const struct snn_spike *snn_engine_spikes(const struct snn_engine *e,
					  size_t *n)
{
	*n = e->n_spk;
	return e->out;
}

uint32_t snn_engine_timestep(const struct snn_engine *e)
{
	return e->t;
}

int snn_engine_neuron_state(const struct snn_engine *e, unsigned int core,
			    unsigned int neuron, int32_t *u, int32_t *v)
{
	const struct snn_net *net = e->net;
	uint32_t flat, d;

	if (core >= net->n_cores || neuron >= net->npc)
		return -1;
	flat = core * net->npc + neuron;
	if (!eng_bit_test(&net->nmap, flat))
		return -1;
	d = eng_rank(&net->nmap, flat);
	if (u)
		*u = e->u[d];
	if (v)
		*v = e->v[d];
	return 0;
}
