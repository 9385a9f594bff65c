// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of driver/snn_load.c (SNN_IOC_LOAD's image builder), compiled
 * in user space against the kernel API shim in kshim/.  Prints TAP; exits 1
 * if any test failed.
 *
 * The oracle is the device model's own loader, snn_net_load() from
 * qemu-model/engine: for many random valid and mutated requests (fixed
 * seeds) the test encodes the equivalent image itself, field by field, and
 * checks that snn_load_build()
 *  - succeeds exactly when the engine accepts that image, and then builds
 *    the same bytes (which the engine loads);
 *  - otherwise fails with the errno, section, entry, field and limit that
 *    correspond to the engine's first error (or -EFAULT at the first array
 *    it cannot read, if the engine's first error lies beyond it);
 *  - allocates and copies nothing before the header checks pass, never
 *    allocates more than the image plus its bookkeeping, and leaks nothing.
 * Directed tests cover the example image of docs/hardware.md 6.8, hostile
 * counts, the 64 MiB length limit, faulting arrays and allocation failures.
 *
 * Build from the top directory (HOST_CFLAGS and ENGINE_SAN as in the
 * Makefile and engine.mk):
 *
 *   $(CC) $(HOST_CFLAGS) -O1 $(ENGINE_SAN) -Iselftests/driver/kshim \
 *	-Idriver -Iuapi -Iqemu-model/engine -o $(B)/host/test-load \
 *	$< selftests/driver/kshim/kshim.c driver/snn_load.c \
 *	qemu-model/engine/snn_engine.c qemu-model/engine/snn_img_write.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kshim.h"
#include <linux/snn.h>
#include "snn_load.h"
#include "snn_hw.h"
#include "snn_engine.h"
#include "snn_img_write.h"

/* ---- harness ----------------------------------------------------------- */

static int cur_failed;
static unsigned int n_run, n_fail;

#define CHECK(c)							\
	do {								\
		if (!(c)) {						\
			printf("# %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #c);			\
			cur_failed = 1;					\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ != b_) {						\
			printf("# %s:%d: %s is %lld, expected %s = %lld\n", \
			       __FILE__, __LINE__, #a, a_, #b, b_);	\
			cur_failed = 1;					\
		}							\
	} while (0)

static void report(const char *name)
{
	n_run++;
	if (cur_failed) {
		n_fail++;
		printf("not ok %u - %s\n", n_run, name);
	} else {
		printf("ok %u - %s\n", n_run, name);
	}
	fflush(stdout);
	cur_failed = 0;
}

/* Deterministic PRNG (xorshift64*), fixed seeds. */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ull;
}

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* 0..n-1 (0 if n == 0) */
static uint32_t rnd(uint32_t n)
{
	return n ? rng() % n : 0;
}

static uint32_t pick(const uint32_t *v, size_t n)
{
	return v[rnd((uint32_t)n)];
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define PICK(...)							\
	pick((const uint32_t[]){ __VA_ARGS__ },				\
	     sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

/* ---- requests ---------------------------------------------------------- */

enum { S_PROF, S_NRN, S_SYN, S_FO, S_NUM };

static const size_t rec_size[S_NUM] = {
	sizeof(struct snn_profile), sizeof(struct snn_neuron),
	sizeof(struct snn_synapse), sizeof(struct snn_fanout),
};

static const u32 sec_of[S_NUM] = {
	SNN_SEC_PROFILE, SNN_SEC_NEURON, SNN_SEC_SYNAPSE, SNN_SEC_FANOUT,
};

/* A request, its arrays ("user memory") and the cluster it is for. */
struct tnet {
	struct snn_load_caps caps;
	struct snn_load req;
	void *arr[S_NUM];	/* malloc()ed, alloc[s] entries */
	u32 alloc[S_NUM];
	u32 readable[S_NUM];	/* entries registered as user memory */
};

#define SLACK	4		/* spare entries after each array */

static u32 *req_count(struct snn_load *r, int s)
{
	switch (s) {
	case S_PROF:
		return &r->n_profiles;
	case S_NRN:
		return &r->n_neurons;
	case S_SYN:
		return &r->n_synapses;
	default:
		return &r->n_fanout;
	}
}

static u64 *req_ptr(struct snn_load *r, int s)
{
	switch (s) {
	case S_PROF:
		return &r->profiles;
	case S_NRN:
		return &r->neurons;
	case S_SYN:
		return &r->synapses;
	default:
		return &r->fanout;
	}
}

static u32 cnt(const struct snn_load *r, int s)
{
	return *req_count((struct snn_load *)r, s);
}

static const u8 *uptr(const struct snn_load *r, int s)
{
	return (const u8 *)(uintptr_t)*req_ptr((struct snn_load *)r, s);
}

static void tnet_alloc(struct tnet *t, int s, u32 n)
{
	t->alloc[s] = n + SLACK;
	t->arr[s] = calloc(t->alloc[s], rec_size[s]);
	if (!t->arr[s])
		abort();
	t->readable[s] = t->alloc[s];
	*req_ptr(&t->req, s) = (uintptr_t)t->arr[s];
}

static void tnet_free(struct tnet *t)
{
	int s;

	for (s = 0; s < S_NUM; s++)
		free(t->arr[s]);
	memset(t, 0, sizeof(*t));
}

/* Register the readable part of each array as the only user memory. */
static void tnet_user(const struct tnet *t)
{
	int s;

	kshim_user_clear();
	for (s = 0; s < S_NUM; s++)
		if (t->arr[s] && t->readable[s])
			kshim_user_add(t->arr[s],
				       (size_t)t->readable[s] * rec_size[s]);
}

#define PROF(t)	((struct snn_profile *)(t)->arr[S_PROF])
#define NRN(t)	((struct snn_neuron *)(t)->arr[S_NRN])
#define SYN(t)	((struct snn_synapse *)(t)->arr[S_SYN])
#define FO(t)	((struct snn_fanout *)(t)->arr[S_FO])

static struct snn_limits to_lim(const struct snn_load_caps *c)
{
	struct snn_limits l = {
		.cores = c->cores,
		.neurons_per_core = c->neurons,
		.axons_per_core = c->axons,
		.synapses_per_core = c->synapses,
		.fanout_per_core = c->fanout,
		.profiles = c->profiles,
		.out_queues = c->out_queues,
	};

	return l;
}

/* ---- the test's own image encoder -------------------------------------- */

static void put16(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put32(u8 *p, u32 v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static u32 clamp16(u32 v)
{
	return v > 0xffff ? 0xffff : v;
}

static void enc_header(u8 *h, const struct snn_load *r)
{
	memset(h, 0, SNN_IMG_HDR_SIZE);
	put32(h + SNN_IMG_H_MAGIC, SNN_IMG_MAGIC);
	put16(h + SNN_IMG_H_VERSION, SNN_IMG_VERSION);
	put16(h + SNN_IMG_H_HDR_SIZE, SNN_IMG_HDR_SIZE);
	put16(h + SNN_IMG_H_N_CORES, clamp16(r->n_cores));
	put16(h + SNN_IMG_H_NEURONS_PER_CORE, clamp16(r->neurons_per_core));
	put16(h + SNN_IMG_H_AXONS_PER_CORE, clamp16(r->axons_per_core));
	put16(h + SNN_IMG_H_N_PROFILES, clamp16(r->n_profiles));
	put32(h + SNN_IMG_H_N_NEURONS, r->n_neurons);
	put32(h + SNN_IMG_H_N_SYNAPSES, r->n_synapses);
	put32(h + SNN_IMG_H_N_FANOUT, r->n_fanout);
}

static void enc_rec(u8 *p, int s, const void *src)
{
	const struct snn_profile *pr = src;
	const struct snn_neuron *n = src;
	const struct snn_synapse *sy = src;
	const struct snn_fanout *f = src;

	switch (s) {
	case S_PROF:
		put16(p + SNN_IMG_P_DU, pr->du);
		put16(p + SNN_IMG_P_DV, pr->dv);
		put32(p + SNN_IMG_P_VTH, pr->vth);
		put16(p + SNN_IMG_P_BIAS_MANT, (u16)pr->bias_mant);
		p[SNN_IMG_P_BIAS_EXP] = (u8)pr->bias_exp;
		p[SNN_IMG_P_RESERVED0] = pr->reserved0;
		put32(p + SNN_IMG_P_RESERVED1, pr->reserved1);
		break;
	case S_NRN:
		p[SNN_IMG_N_CORE] = n->core;
		p[SNN_IMG_N_PROFILE] = n->profile;
		put16(p + SNN_IMG_N_INDEX, n->index);
		p[SNN_IMG_N_FLAGS] = n->flags;
		p[SNN_IMG_N_OUTQ] = n->outq;
		put16(p + SNN_IMG_N_BIAS_MANT, (u16)n->bias_mant);
		break;
	case S_SYN:
		p[SNN_IMG_S_CORE] = sy->core;
		p[SNN_IMG_S_RESERVED0] = sy->reserved0;
		put16(p + SNN_IMG_S_AXON, sy->axon);
		put16(p + SNN_IMG_S_NEURON, sy->neuron);
		p[SNN_IMG_S_WEIGHT] = (u8)sy->weight;
		p[SNN_IMG_S_RESERVED1] = sy->reserved1;
		break;
	default:
		p[SNN_IMG_F_SRC_CORE] = f->src_core;
		p[SNN_IMG_F_DST_CORE] = f->dst_core;
		put16(p + SNN_IMG_F_SRC_NEURON, f->src_neuron);
		put16(p + SNN_IMG_F_DST_AXON, f->dst_axon);
		put16(p + SNN_IMG_F_RESERVED, f->reserved);
		break;
	}
}

/* ---- the oracle -------------------------------------------------------- */

struct expect {
	int ret;
	u32 sec, idx, field, limit;
	u8 *img;		/* on success: the image, malloc()ed */
	size_t len;
	int engine_rejects;	/* checked claim: the engine rejects it too */
};

static u32 min_u32(u32 a, u32 b)
{
	return a < b ? a : b;
}

static void set_err(struct expect *x, int ret, u32 sec, u32 idx, u32 field,
		    u32 limit)
{
	x->ret = ret;
	x->sec = sec;
	x->idx = idx;
	x->field = field;
	x->limit = limit;
}

/* Header counts describing an image over SNN_IMG_MAX_LEN. */
static void expect_too_long(const struct snn_load *r, struct expect *x)
{
	u64 used = SNN_IMG_HDR_SIZE + (u64)r->n_profiles * SNN_IMG_PROFILE_SIZE;
	const u32 n[3] = { r->n_neurons, r->n_synapses, r->n_fanout };
	const u32 f[3] = { SNN_FIELD_N_NEURONS, SNN_FIELD_N_SYNAPSES,
			   SNN_FIELD_N_FANOUT };
	int i;

	for (i = 0; i < 3; i++) {
		if (used + (u64)n[i] * SNN_IMG_REC_SIZE > SNN_IMG_MAX_LEN) {
			set_err(x, -ENOSPC, SNN_SEC_HEADER, 0, f[i],
				(u32)((SNN_IMG_MAX_LEN - used) /
				      SNN_IMG_REC_SIZE));
			return;
		}
		used += (u64)n[i] * SNN_IMG_REC_SIZE;
	}
	printf("# oracle: engine says too long, the counts do not\n");
	cur_failed = 1;
}

static u32 sat_mul(u32 a, u32 b)
{
	u64 m = (u64)a * b;

	return m > U32_MAX ? U32_MAX : (u32)m;
}

/* Translate the engine's first error into what snn_load_build() reports. */
static void expect_engine_error(const struct tnet *t,
				const struct snn_img_error *e,
				struct expect *x)
{
	const struct snn_load *r = &t->req;
	const struct snn_load_caps *c = &t->caps;
	int cap = e->code == SNN_E_IMG_CAPACITY;
	int range = e->code == SNN_E_IMG_RANGE;
	u32 off = e->offset, rel, idx, start[S_NUM + 1];
	int ret = cap ? -ENOSPC : -EINVAL, s;

	if (e->code == SNN_E_IMG_LENGTH) {
		expect_too_long(r, x);
		return;
	}
	if (off < SNN_IMG_HDR_SIZE) {
		u32 f = 0, lim = 0;

		switch (off) {
		case SNN_IMG_H_N_CORES:
			f = SNN_FIELD_N_CORES;
			lim = cap ? c->cores : min_u32(c->cores, SNN_MAX_CORES);
			break;
		case SNN_IMG_H_NEURONS_PER_CORE:
			f = SNN_FIELD_NEURONS_PER_CORE;
			lim = cap ? c->neurons : min_u32(c->neurons, 65535);
			break;
		case SNN_IMG_H_AXONS_PER_CORE:
			f = SNN_FIELD_AXONS_PER_CORE;
			lim = cap ? c->axons : min_u32(c->axons, 65535);
			break;
		case SNN_IMG_H_N_PROFILES:
			f = SNN_FIELD_N_PROFILES;
			lim = cap ? c->profiles :
			      min_u32(c->profiles, SNN_MAX_PROFILES);
			break;
		case SNN_IMG_H_N_NEURONS:
			f = SNN_FIELD_N_NEURONS;
			lim = r->n_cores * r->neurons_per_core;
			break;
		case SNN_IMG_H_N_SYNAPSES:
			f = SNN_FIELD_N_SYNAPSES;
			lim = sat_mul(r->n_cores, c->synapses);
			break;
		case SNN_IMG_H_N_FANOUT:
			f = SNN_FIELD_N_FANOUT;
			lim = sat_mul(r->n_cores, c->fanout);
			break;
		default:
			printf("# oracle: engine error at header offset %u: %s\n",
			       off, e->msg);
			cur_failed = 1;
		}
		set_err(x, ret, SNN_SEC_HEADER, 0, f, lim);
		return;
	}

	start[0] = SNN_IMG_HDR_SIZE;
	for (s = 0; s < S_NUM; s++)
		start[s + 1] = start[s] + cnt(r, s) * (u32)rec_size[s];
	for (s = 0; s < S_NUM && off >= start[s + 1]; s++)
		;
	if (s == S_NUM) {
		printf("# oracle: engine error beyond the records: %s\n",
		       e->msg);
		cur_failed = 1;
		return;
	}
	idx = (off - start[s]) / (u32)rec_size[s];
	rel = (off - start[s]) % (u32)rec_size[s];
	x->ret = ret;
	x->sec = sec_of[s];
	x->idx = idx;
	x->limit = 0;
	x->field = 0;
	switch (s * 16 + rel) {
	case S_PROF * 16 + SNN_IMG_P_DU:
		x->field = SNN_FIELD_DU;
		x->limit = SNN_LIF_DU_MAX;
		break;
	case S_PROF * 16 + SNN_IMG_P_DV:
		x->field = SNN_FIELD_DV;
		x->limit = SNN_LIF_DV_MAX;
		break;
	case S_PROF * 16 + SNN_IMG_P_VTH:
		x->field = SNN_FIELD_VTH;
		x->limit = SNN_LIF_VTH_MAX;
		break;
	case S_PROF * 16 + SNN_IMG_P_BIAS_MANT:
		x->field = SNN_FIELD_BIAS_MANT;
		x->limit = SNN_LIF_BIAS_MANT_MAX;
		break;
	case S_PROF * 16 + SNN_IMG_P_BIAS_EXP:
		x->field = SNN_FIELD_BIAS_EXP;
		x->limit = SNN_LIF_BIAS_EXP_MAX;
		break;
	case S_PROF * 16 + SNN_IMG_P_RESERVED0:
	case S_PROF * 16 + SNN_IMG_P_RESERVED1:
		x->field = SNN_FIELD_RESERVED;
		break;
	case S_NRN * 16 + SNN_IMG_N_CORE:
		if (e->code == SNN_E_IMG_DUPLICATE) {
			x->field = SNN_FIELD_INDEX;
		} else {
			x->field = SNN_FIELD_CORE;
			x->limit = r->n_cores - 1;
		}
		break;
	case S_NRN * 16 + SNN_IMG_N_PROFILE:
		x->field = SNN_FIELD_PROFILE;
		x->limit = r->n_profiles - 1;
		break;
	case S_NRN * 16 + SNN_IMG_N_INDEX:
		x->field = SNN_FIELD_INDEX;
		x->limit = r->neurons_per_core - 1;
		break;
	case S_NRN * 16 + SNN_IMG_N_FLAGS:
		x->field = SNN_FIELD_FLAGS;
		x->limit = SNN_NEURON_FLAGS_ALL;
		break;
	case S_NRN * 16 + SNN_IMG_N_OUTQ:
		x->field = SNN_FIELD_OUTQ;
		if (range && c->out_queues)
			x->limit = c->out_queues - 1;
		break;
	case S_NRN * 16 + SNN_IMG_N_BIAS_MANT:
		x->field = SNN_FIELD_BIAS_MANT;
		if (range)
			x->limit = SNN_LIF_BIAS_MANT_MAX;
		break;
	case S_SYN * 16 + SNN_IMG_S_CORE:
		x->field = SNN_FIELD_CORE;
		x->limit = cap ? c->synapses : r->n_cores - 1;
		break;
	case S_SYN * 16 + SNN_IMG_S_RESERVED0:
	case S_SYN * 16 + SNN_IMG_S_RESERVED1:
		x->field = SNN_FIELD_RESERVED;
		break;
	case S_SYN * 16 + SNN_IMG_S_AXON:
		x->field = SNN_FIELD_AXON;
		x->limit = r->axons_per_core - 1;
		break;
	case S_SYN * 16 + SNN_IMG_S_NEURON:
		x->field = SNN_FIELD_NEURON;
		if (range)
			x->limit = r->neurons_per_core - 1;
		break;
	case S_FO * 16 + SNN_IMG_F_SRC_CORE:
		x->field = SNN_FIELD_SRC_CORE;
		x->limit = cap ? c->fanout : r->n_cores - 1;
		break;
	case S_FO * 16 + SNN_IMG_F_DST_CORE:
		x->field = SNN_FIELD_DST_CORE;
		x->limit = r->n_cores - 1;
		break;
	case S_FO * 16 + SNN_IMG_F_SRC_NEURON:
		x->field = SNN_FIELD_SRC_NEURON;
		if (range)
			x->limit = r->neurons_per_core - 1;
		break;
	case S_FO * 16 + SNN_IMG_F_DST_AXON:
		x->field = SNN_FIELD_DST_AXON;
		x->limit = r->axons_per_core - 1;
		break;
	case S_FO * 16 + SNN_IMG_F_RESERVED:
		x->field = SNN_FIELD_RESERVED;
		break;
	default:
		printf("# oracle: unexpected engine error: %s\n", e->msg);
		cur_failed = 1;
	}
}

static int engine_load(const void *img, size_t len,
		       const struct snn_load_caps *caps,
		       struct snn_img_error *err)
{
	struct snn_limits lim = to_lim(caps);
	struct snn_net *net;
	int ret;

	ret = snn_net_load(img, len, &lim, &net, err);
	if (!ret)
		snn_net_free(net);
	else if (SNN_NET_LOAD_NOMEM(err))
		abort();
	return ret;
}

/*
 * What snn_load_build() must do with t (the user memory being what
 * tnet_user() registered): the engine decides.
 */
static void expect_of(const struct tnet *t, struct expect *x)
{
	const struct snn_load *r = &t->req;
	const struct snn_load_caps *c = &t->caps;
	struct snn_img_error err;
	u8 hdr[SNN_IMG_HDR_SIZE], *img, *p;
	u32 avail[S_NUM], hdr_off = SNN_IMG_HDR_SIZE;
	int s, first_bad = -1, hdr_ok;
	u64 len;
	u32 k;

	memset(x, 0, sizeof(*x));
	if (r->flags) {
		set_err(x, -EINVAL, SNN_SEC_HEADER, 0, SNN_FIELD_FLAGS, 0);
		return;
	}
	if (r->reserved[0] || r->reserved[1]) {
		set_err(x, -EINVAL, SNN_SEC_HEADER, 0, SNN_FIELD_RESERVED, 0);
		return;
	}

	/*
	 * Header only: the engine checks the header before the length, so
	 * "length mismatch" (offset <= SNN_IMG_MAX_LEN) means it passed.
	 */
	enc_header(hdr, r);
	hdr_ok = !engine_load(hdr, sizeof(hdr), c, &err) ||
		 (err.code == SNN_E_IMG_LENGTH &&
		  err.offset <= SNN_IMG_MAX_LEN);
	if (!hdr_ok && err.offset < SNN_IMG_HDR_SIZE)
		hdr_off = err.offset;
	/* Stride fields the image cannot hold: the driver's format check. */
	if (r->neurons_per_core > 65535 && hdr_off >= SNN_IMG_H_NEURONS_PER_CORE) {
		set_err(x, -EINVAL, SNN_SEC_HEADER, 0,
			SNN_FIELD_NEURONS_PER_CORE, min_u32(c->neurons, 65535));
		return;
	}
	if (r->axons_per_core > 65535 && hdr_off >= SNN_IMG_H_AXONS_PER_CORE) {
		set_err(x, -EINVAL, SNN_SEC_HEADER, 0,
			SNN_FIELD_AXONS_PER_CORE, min_u32(c->axons, 65535));
		return;
	}
	if (!hdr_ok) {
		expect_engine_error(t, &err, x);
		return;
	}

	/* The whole image, with what cannot be read left zero. */
	len = SNN_IMG_HDR_SIZE;
	for (s = 0; s < S_NUM; s++)
		len += (u64)cnt(r, s) * rec_size[s];
	img = calloc(1, len);
	if (!img)
		abort();
	memcpy(img, hdr, sizeof(hdr));
	p = img + SNN_IMG_HDR_SIZE;
	for (s = 0; s < S_NUM; s++) {
		u32 n = cnt(r, s);
		const u8 *src = uptr(r, s);
		size_t bytes = kshim_user_readable(src, (size_t)n * rec_size[s]);

		avail[s] = (u32)(bytes / rec_size[s]);
		if (avail[s] < n && first_bad < 0)
			first_bad = s;
		for (k = 0; k < avail[s]; k++)
			enc_rec(p + k * rec_size[s], s, src + k * rec_size[s]);
		p += (size_t)n * rec_size[s];
	}

	if (!r->n_profiles && r->n_neurons) {
		/* the driver says it in the header, the engine at neuron 0 */
		set_err(x, -EINVAL, SNN_SEC_HEADER, 0, SNN_FIELD_N_PROFILES,
			min_u32(c->profiles, SNN_MAX_PROFILES));
		if (first_bad < 0 || first_bad > S_NRN)
			x->engine_rejects = 1;
		if (x->engine_rejects && !engine_load(img, len, c, &err)) {
			printf("# oracle: the engine accepts 0 profiles with neurons\n");
			cur_failed = 1;
		}
		free(img);
		return;
	}

	if (!engine_load(img, len, c, &err)) {
		if (first_bad < 0) {
			x->img = img;
			x->len = len;
			return;
		}
	} else {
		u32 sec_start = SNN_IMG_HDR_SIZE;

		for (s = 0; s < first_bad; s++)
			sec_start += cnt(r, s) * (u32)rec_size[s];
		if (first_bad < 0 || err.offset < sec_start) {
			expect_engine_error(t, &err, x);
			free(img);
			return;
		}
	}
	set_err(x, -EFAULT, sec_of[first_bad], avail[first_bad],
		SNN_FIELD_POINTER, 0);
	free(img);
}

/* ---- running one case -------------------------------------------------- */

static unsigned int case_no, cases_ok, cases_err;

/* How often each (section, field, errno) was reported, for coverage. */
static unsigned int seen[SNN_SEC_FANOUT + 1][SNN_FIELD_POINTER + 1][3];

static int errno_slot(int e)
{
	return e == -EINVAL ? 0 : e == -ENOSPC ? 1 : 2;
}

static const char *errname(int e)
{
	switch (e) {
	case 0:
		return "0";
	case -EINVAL:
		return "-EINVAL";
	case -ENOSPC:
		return "-ENOSPC";
	case -EFAULT:
		return "-EFAULT";
	case -ENOMEM:
		return "-ENOMEM";
	}
	return "?";
}

/* The image the project's writer builds from t (valid requests only). */
static void check_with_writer(const struct tnet *t, const u8 *img, size_t len)
{
	const struct snn_load *r = &t->req;
	const struct snn_profile *p = (const void *)uptr(r, S_PROF);
	const struct snn_neuron *n = (const void *)uptr(r, S_NRN);
	const struct snn_synapse *sy = (const void *)uptr(r, S_SYN);
	const struct snn_fanout *f = (const void *)uptr(r, S_FO);
	struct snn_img_writer *w;
	size_t wlen;
	u8 *wimg;
	u32 k;

	w = snn_img_writer_new(r->n_cores, r->neurons_per_core,
			       r->axons_per_core);
	CHECK(w);
	if (!w)
		return;
	for (k = 0; k < r->n_profiles; k++)
		CHECK_EQ(snn_img_add_profile(w, p[k].du, p[k].dv, p[k].vth,
					     p[k].bias_mant, p[k].bias_exp), k);
	for (k = 0; k < r->n_neurons; k++)
		CHECK_EQ(snn_img_add_neuron(w, n[k].core, n[k].index,
					    n[k].profile, n[k].flags,
					    n[k].outq, n[k].bias_mant), k);
	for (k = 0; k < r->n_synapses; k++)
		CHECK_EQ(snn_img_add_synapse(w, sy[k].core, sy[k].axon,
					     sy[k].neuron, sy[k].weight), k);
	for (k = 0; k < r->n_fanout; k++)
		CHECK_EQ(snn_img_add_fanout(w, f[k].src_core, f[k].src_neuron,
					    f[k].dst_core, f[k].dst_axon), k);
	wimg = snn_img_writer_build(w, &wlen);
	CHECK(wimg && wlen == len && !memcmp(wimg, img, len));
	free(wimg);
	snn_img_writer_free(w);
}

/*
 * Run snn_load_build() on t and compare with the oracle.  Returns the
 * result.  Prints details of the first few mismatching cases.
 */
static int run_case(const struct tnet *t, const char *what)
{
	struct snn_load req = t->req;
	struct snn_img_error err;
	struct expect x;
	size_t len = 12345, bits_bytes;
	void *img = (void *)1;
	int ret, was_failed = cur_failed;
	static unsigned int reported;

	case_no++;
	cur_failed = 0;
	tnet_user(t);
	expect_of(t, &x);
	kshim_reset();
	req.err_section = 0xdead;
	req.err_index = 0xbeef;
	req.err_field = 0xf00d;
	req.err_limit = 0xcafe;
	ret = snn_load_build(&req, &t->caps, &img, &len);

	CHECK_EQ(ret, x.ret);
	CHECK_EQ(req.err_section, x.sec);
	CHECK_EQ(req.err_index, x.idx);
	CHECK_EQ(req.err_field, x.field);
	CHECK_EQ(req.err_limit, x.limit);
	/* the request's inputs are untouched */
	CHECK(!memcmp(&req, &t->req, offsetof(struct snn_load, err_section)));
	if (!ret) {
		cases_ok++;
		CHECK_EQ(len, x.len);
		CHECK(x.img && len == x.len && !memcmp(img, x.img, len));
		CHECK(!engine_load(img, len, &t->caps, &err));
		check_with_writer(t, img, len);
		/* image, neuron bit map, per-core counters: nothing else */
		bits_bytes = BITS_TO_LONGS((size_t)req.n_cores *
					   req.neurons_per_core) * sizeof(long);
		CHECK(kshim.max_alloc <= len ||
		      kshim.max_alloc <= bits_bytes ||
		      kshim.max_alloc <= 4 * req.n_cores);
		CHECK(kshim.total_alloc <= len + bits_bytes + 4 * req.n_cores);
		kvfree(img);
	} else {
		cases_err++;
		if (req.err_section <= SNN_SEC_FANOUT &&
		    req.err_field <= SNN_FIELD_POINTER)
			seen[req.err_section][req.err_field][errno_slot(ret)]++;
		CHECK(!img);
		CHECK_EQ(len, 0);
		if (x.sec == SNN_SEC_HEADER) {
			/* rejected before allocating or copying anything */
			CHECK_EQ(kshim.alloc_calls, 0);
			CHECK_EQ(kshim.copy_calls, 0);
		}
	}
	CHECK_EQ(kshim.live, 0);
	free(x.img);
	if (cur_failed && reported++ < 10)
		printf("# case %u (%s): got %s sec %u idx %u field %u limit %u, expected %s sec %u idx %u field %u limit %u\n",
		       case_no, what, errname(ret), req.err_section,
		       req.err_index, req.err_field, req.err_limit,
		       errname(x.ret), x.sec, x.idx, x.field, x.limit);
	cur_failed |= was_failed;
	return ret;
}

/* ---- random networks --------------------------------------------------- */

static void gen_caps(struct snn_load_caps *c, int big)
{
	if (big) {
		c->cores = 1 + rnd(16);
		c->neurons = 1 + rnd(2048);
		c->axons = 1 + rnd(2048);
		c->synapses = 1 + rnd(3000);
		c->fanout = 1 + rnd(1000);
		c->profiles = 1 + rnd(256);
		c->out_queues = 1 + rnd(8);
		return;
	}
	c->cores = 1 + rnd(6);
	c->neurons = 1 + rnd(40);
	c->axons = 1 + rnd(40);
	c->synapses = 1 + rnd(40);
	c->fanout = 1 + rnd(24);
	c->profiles = 1 + rnd(8);
	c->out_queues = rnd(20) ? 1 + rnd(8) : 0;
	if (!rnd(20))
		c->cores = PICK(255, 256, 257, 1000);
	if (!rnd(20))
		c->profiles = PICK(255, 256, 257, 1000);
	if (!rnd(20))
		c->synapses = PICK(0x7fffffff, 0x80000000, 0xffffffff);
	if (!rnd(20))
		c->fanout = PICK(0x7fffffff, 0x80000000, 0xffffffff);
}

static s16 gen_bias(void)
{
	return (s16)PICK(0, 1, (u32)-1, 4095, (u32)-4096, rnd(8191) - 4096);
}

/* A valid network for t->caps (the caps may be mutated afterwards). */
static void gen_net(struct tnet *t, int big)
{
	const struct snn_load_caps *c = &t->caps;
	struct snn_load *r = &t->req;
	u32 slots, i, k, n, core, *flat, *count, *syn_n, *fo_n;
	u32 max_nrn = big ? 20000 : 200;

	r->n_cores = 1 + rnd(min_u32(c->cores, big ? 16 : 8));
	r->neurons_per_core = 1 + rnd(c->neurons);
	r->axons_per_core = 1 + rnd(c->axons);
	r->n_profiles = 1 + rnd(min_u32(c->profiles, 256));

	slots = r->n_cores * r->neurons_per_core;
	r->n_neurons = rnd(min_u32(slots, max_nrn) + 1);
	if (!rnd(10))
		r->n_neurons = min_u32(slots, max_nrn);
	if (!rnd(20)) {
		r->n_neurons = 0;
		r->n_profiles = rnd(2);
	}

	tnet_alloc(t, S_PROF, r->n_profiles);
	for (i = 0; i < t->alloc[S_PROF]; i++) {
		struct snn_profile *p = &PROF(t)[i];

		p->du = (u16)PICK(0, 4095, rnd(4096));
		p->dv = (u16)PICK(0, 4095, rnd(4096));
		p->vth = PICK(0, 131071, rnd(131072));
		p->bias_mant = gen_bias();
		p->bias_exp = (s8)(rnd(15) - 7);
	}

	/* neurons: distinct (core, index) in random order */
	flat = malloc(sizeof(*flat) * (slots + 1));
	count = calloc(r->n_cores, sizeof(*count));
	if (!flat || !count)
		abort();
	for (i = 0; i < slots; i++)
		flat[i] = i;
	for (i = 0; i < r->n_neurons; i++) {
		k = i + rnd(slots - i);
		n = flat[i];
		flat[i] = flat[k];
		flat[k] = n;
	}
	tnet_alloc(t, S_NRN, r->n_neurons);
	for (i = 0; i < t->alloc[S_NRN]; i++) {
		struct snn_neuron *nr = &NRN(t)[i];
		u32 f = i < r->n_neurons ? flat[i] : rnd(slots);

		nr->core = (u8)(f / r->neurons_per_core);
		nr->index = (u16)(f % r->neurons_per_core);
		nr->profile = (u8)rnd(r->n_profiles);
		nr->flags = (u8)rnd(4);
		if (!c->out_queues)
			nr->flags &= ~SNN_NEURON_OUT;
		if (nr->flags & SNN_NEURON_OUT)
			nr->outq = (u8)rnd(c->out_queues);
		if (nr->flags & SNN_NEURON_BIAS)
			nr->bias_mant = gen_bias();
		if (i < r->n_neurons)
			count[nr->core]++;
	}

	/*
	 * Synapses and fan-out: per core with neurons at most its capacity
	 * (so the totals fit), each entry on a random neuron's core that
	 * still has room (so the do-while loops end), in random order.
	 */
	r->n_synapses = 0;
	r->n_fanout = 0;
	for (core = 0; core < r->n_cores; core++) {
		if (!count[core])
			continue;
		r->n_synapses += rnd(min_u32(c->synapses, big ? 3000 : 60) + 1);
		r->n_fanout += rnd(min_u32(c->fanout, big ? 1000 : 40) + 1);
	}
	tnet_alloc(t, S_SYN, r->n_synapses);
	tnet_alloc(t, S_FO, r->n_fanout);
	syn_n = calloc(r->n_cores, sizeof(u32));
	fo_n = calloc(r->n_cores, sizeof(u32));
	if (!syn_n || !fo_n)
		abort();
	for (i = 0; r->n_neurons && i < t->alloc[S_SYN]; i++) {
		struct snn_synapse *sy = &SYN(t)[i];
		const struct snn_neuron *nr;

		do {
			nr = &NRN(t)[rnd(r->n_neurons)];
		} while (i < r->n_synapses && syn_n[nr->core] >= c->synapses);
		if (i < r->n_synapses)
			syn_n[nr->core]++;
		sy->core = nr->core;
		sy->neuron = nr->index;
		sy->axon = (u16)rnd(r->axons_per_core);
		sy->weight = (s8)rnd(256);
	}
	for (i = 0; r->n_neurons && i < t->alloc[S_FO]; i++) {
		struct snn_fanout *f = &FO(t)[i];
		const struct snn_neuron *nr;

		do {
			nr = &NRN(t)[rnd(r->n_neurons)];
		} while (i < r->n_fanout && fo_n[nr->core] >= c->fanout);
		if (i < r->n_fanout)
			fo_n[nr->core]++;
		f->src_core = nr->core;
		f->src_neuron = nr->index;
		f->dst_core = (u8)rnd(r->n_cores);
		f->dst_axon = (u16)rnd(r->axons_per_core);
	}
	free(syn_n);
	free(fo_n);
	free(flat);
	free(count);
}

static void mutate_field(struct tnet *t)
{
	struct snn_load *r = &t->req;
	const struct snn_load_caps *c = &t->caps;
	u32 npc = r->neurons_per_core, apc = r->axons_per_core;
	u32 nc = r->n_cores, oq = c->out_queues;
	int s = (int)rnd(S_NUM);
	u32 n = min_u32(cnt(r, s), t->alloc[s]), i;

	/* mostly inside the array, sometimes in the slack after it */
	i = rnd(10) ? rnd(n) : rnd(t->alloc[s]);
	if (i >= t->alloc[s])
		return;
	switch (s) {
	case S_PROF: {
		struct snn_profile *p = &PROF(t)[i];

		switch (rnd(7)) {
		case 0:
			p->du = (u16)PICK(4095, 4096, 0xffff, rng());
			break;
		case 1:
			p->dv = (u16)PICK(4095, 4096, 0xffff, rng());
			break;
		case 2:
			p->vth = PICK(131071, 131072, 0xffffffff, rng());
			break;
		case 3:
			p->bias_mant = (s16)PICK(4095, 4096, (u32)-4096,
						 (u32)-4097, 0x7fff, 0x8000,
						 rng());
			break;
		case 4:
			p->bias_exp = (s8)PICK(7, 8, (u32)-7, (u32)-8, 0x7f,
					       0x80, rng());
			break;
		case 5:
			p->reserved0 = (u8)PICK(1, 0x80, rng());
			break;
		default:
			p->reserved1 = PICK(1, 0x80000000, rng());
			break;
		}
		break;
	}
	case S_NRN: {
		struct snn_neuron *nr = &NRN(t)[i];

		switch (rnd(8)) {
		case 0:
			nr->core = (u8)PICK(nc - 1, nc, 255, rng());
			break;
		case 1:
			nr->profile = (u8)PICK(r->n_profiles - 1, r->n_profiles,
					       255, rng());
			break;
		case 2:
			nr->index = (u16)PICK(npc - 1, npc, 65535, rng());
			break;
		case 3:
			nr->flags = (u8)PICK(0, 1, 2, 3, 4, 0x80, 0xff, rng());
			break;
		case 4:
			nr->outq = (u8)PICK(0, oq - 1, oq, 255, rng());
			break;
		case 5:
			nr->bias_mant = (s16)PICK(0, 1, (u32)-1, 4095, 4096,
						  (u32)-4096, (u32)-4097,
						  rng());
			break;
		case 6:		/* duplicate another neuron */
			if (n) {
				u32 j = rnd(n);

				nr->core = NRN(t)[j].core;
				nr->index = NRN(t)[j].index;
			}
			break;
		default:	/* move it: references may dangle */
			nr->index = (u16)rnd(npc);
			nr->core = (u8)rnd(nc);
			break;
		}
		break;
	}
	case S_SYN: {
		struct snn_synapse *sy = &SYN(t)[i];

		switch (rnd(6)) {
		case 0:
			sy->core = (u8)PICK(nc - 1, nc, 255, rng());
			break;
		case 1:
			sy->reserved0 = (u8)PICK(1, 0x80, rng());
			break;
		case 2:
			sy->axon = (u16)PICK(apc - 1, apc, 65535, rng());
			break;
		case 3:
			sy->neuron = (u16)PICK(npc - 1, npc, rnd(npc), 65535);
			break;
		case 4:
			sy->weight = (s8)rng();
			break;
		default:
			sy->reserved1 = (u8)PICK(1, 0x80, rng());
			break;
		}
		break;
	}
	default: {
		struct snn_fanout *f = &FO(t)[i];

		switch (rnd(5)) {
		case 0:
			f->src_core = (u8)PICK(nc - 1, nc, 255, rng());
			break;
		case 1:
			f->dst_core = (u8)PICK(nc - 1, nc, 255, rng());
			break;
		case 2:
			f->src_neuron = (u16)PICK(npc - 1, npc, rnd(npc),
						  65535);
			break;
		case 3:
			f->dst_axon = (u16)PICK(apc - 1, apc, 65535, rng());
			break;
		default:
			f->reserved = (u16)PICK(1, 0x8000, rng());
			break;
		}
		break;
	}
	}
}

static void mutate_header(struct tnet *t)
{
	struct snn_load *r = &t->req;
	const struct snn_load_caps *c = &t->caps;
	u32 *f, cap;

	switch (rnd(7)) {
	case 0:
		f = &r->n_cores;
		cap = c->cores;
		break;
	case 1:
		f = &r->neurons_per_core;
		cap = c->neurons;
		break;
	case 2:
		f = &r->axons_per_core;
		cap = c->axons;
		break;
	case 3:
		f = &r->n_profiles;
		cap = c->profiles;
		break;
	case 4:
		f = &r->n_neurons;
		cap = r->n_cores * r->neurons_per_core;
		break;
	case 5:
		f = &r->n_synapses;
		cap = sat_mul(r->n_cores, c->synapses);
		break;
	default:
		f = &r->n_fanout;
		cap = sat_mul(r->n_cores, c->fanout);
		break;
	}
	*f = PICK(0, 1, *f - 1, *f + 1, *f + SLACK, *f + SLACK + 1, cap,
		  cap + 1, 255, 256, 257, 65535, 65536, 0x7fffffff,
		  0xffffffff, rng());
}

static void mutate_caps(struct snn_load_caps *c)
{
	switch (rnd(7)) {
	case 0:
		c->cores = rnd(c->cores + 1);
		break;
	case 1:
		c->neurons = rnd(c->neurons + 1);
		break;
	case 2:
		c->axons = rnd(c->axons + 1);
		break;
	case 3:
		c->synapses = rnd(c->synapses + 1);
		break;
	case 4:
		c->fanout = rnd(c->fanout + 1);
		break;
	case 5:
		c->profiles = rnd(c->profiles + 1);
		break;
	default:
		c->out_queues = rnd(c->out_queues + 1);
		break;
	}
}

static void mutate_ptr(struct tnet *t)
{
	int s = (int)rnd(S_NUM);
	u64 *p = req_ptr(&t->req, s);

	switch (rnd(4)) {
	case 0:
		*p = 0;
		break;
	case 1:		/* an address nobody registered */
		*p = 0x1000 + rnd(0x1000);
		break;
	case 2:		/* a hole in the middle of the array */
		t->readable[s] = rnd(*req_count(&t->req, s) + 1);
		break;
	default:	/* the array starts later */
		*p += rec_size[s] * rnd(t->alloc[s] + 1);
		break;
	}
}

static void swap_entries(struct tnet *t)
{
	int s = (int)rnd(S_NUM);
	u32 n = *req_count(&t->req, s), i = rnd(n), j = rnd(n);
	u8 tmp[16], *a, *b;

	if (n < 2 || n > t->alloc[s])
		return;
	a = (u8 *)t->arr[s] + i * rec_size[s];
	b = (u8 *)t->arr[s] + j * rec_size[s];
	memcpy(tmp, a, rec_size[s]);
	memcpy(a, b, rec_size[s]);
	memcpy(b, tmp, rec_size[s]);
}

static void mutate(struct tnet *t)
{
	unsigned int k, m = 1 + rnd(3);

	for (k = 0; k < m; k++) {
		switch (rnd(20)) {
		case 0 ... 9:
			mutate_field(t);
			break;
		case 10 ... 12:
			mutate_header(t);
			break;
		case 13 ... 14:
			mutate_caps(&t->caps);
			break;
		case 15:
			mutate_ptr(t);
			break;
		case 16:
			if (rnd(2))
				t->req.flags = 1u << rnd(32);
			else
				t->req.reserved[rnd(2)] = 1ull << rnd(64);
			break;
		default:
			swap_entries(t);
			break;
		}
	}
}

static void test_random(const char *name, uint64_t seed, unsigned int n,
			int mutated, int big_every)
{
	unsigned int i, ok0 = cases_ok, err0 = cases_err;
	struct tnet t;
	char what[64];

	rng_seed(seed);
	for (i = 0; i < n; i++) {
		int big = big_every && !(i % big_every);

		memset(&t, 0, sizeof(t));
		gen_caps(&t.caps, big);
		gen_net(&t, big);
		if (mutated)
			mutate(&t);
		snprintf(what, sizeof(what), "%s #%u", name, i);
		run_case(&t, what);
		tnet_free(&t);
	}
	printf("# %s: %u accepted, %u rejected\n", name,
	       cases_ok - ok0, cases_err - err0);
	if (!mutated)
		CHECK_EQ(cases_err - err0, 0);
	else
		CHECK(cases_ok - ok0 > n / 20 && cases_err - err0 > n / 2);
	report(name);
}

/* ---- directed tests ---------------------------------------------------- */

static const struct snn_load_caps small_caps = {
	.cores = 4, .neurons = 1024, .axons = 1024, .synapses = 4096,
	.fanout = 1024, .profiles = 16, .out_queues = 8,
};

/* docs/hardware.md 6.8, byte for byte. */
static void test_doc_example(void)
{
	static const u8 want[120] = {
		0x53, 0x4e, 0x4e, 0x49, 0x01, 0x00, 0x40, 0x00,
		0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x01, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		[0x40] = 0x9a, 0x01, 0xcd, 0x00, 0x32, 0x00, 0x00, 0x00,
		0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
		[0x58] = 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
		[0x60] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00,
		[0x68] = 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x64, 0x00,
		[0x70] = 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	struct tnet t = { .caps = small_caps };
	void *img;
	size_t len;

	t.req.n_cores = 1;
	t.req.neurons_per_core = 2;
	t.req.axons_per_core = 2;
	t.req.n_profiles = 1;
	t.req.n_neurons = 2;
	t.req.n_synapses = 2;
	t.req.n_fanout = 1;
	tnet_alloc(&t, S_PROF, 1);
	tnet_alloc(&t, S_NRN, 2);
	tnet_alloc(&t, S_SYN, 2);
	tnet_alloc(&t, S_FO, 1);
	PROF(&t)[0] = (struct snn_profile){ .du = 410, .dv = 205, .vth = 50,
					    .bias_mant = 3, .bias_exp = 2 };
	NRN(&t)[0] = (struct snn_neuron){ .index = 0 };
	NRN(&t)[1] = (struct snn_neuron){ .index = 1,
					  .flags = SNN_NEURON_OUT };
	SYN(&t)[0] = (struct snn_synapse){ .axon = 0, .neuron = 0,
					   .weight = 20 };
	SYN(&t)[1] = (struct snn_synapse){ .axon = 1, .neuron = 1,
					   .weight = 100 };
	FO(&t)[0] = (struct snn_fanout){ .src_neuron = 0, .dst_axon = 1 };
	tnet_user(&t);
	kshim_reset();
	CHECK_EQ(snn_load_build(&t.req, &t.caps, &img, &len), 0);
	CHECK_EQ(len, sizeof(want));
	CHECK(len == sizeof(want) && !memcmp(img, want, len));
	kvfree(img);
	CHECK_EQ(run_case(&t, "doc example"), 0);
	tnet_free(&t);
	report("docs/hardware.md 6.8 example image, byte for byte");
}

static void test_empty(void)
{
	struct tnet t = { .caps = small_caps };
	struct snn_load *r = &t.req;
	void *img;
	size_t len;

	r->n_cores = 1;
	r->neurons_per_core = 1;
	r->axons_per_core = 1;
	kshim_user_clear();
	kshim_reset();
	CHECK_EQ(snn_load_build(r, &t.caps, &img, &len), 0);
	CHECK_EQ(len, SNN_IMG_HDR_SIZE);
	CHECK_EQ(kshim.copy_calls, 0);
	if (len == SNN_IMG_HDR_SIZE)
		CHECK(!engine_load(img, len, &t.caps, NULL));
	kvfree(img);
	CHECK_EQ(run_case(&t, "empty"), 0);
	report("empty network, NULL arrays: a 64-byte image");
}

static void test_zero_profiles(void)
{
	struct tnet t = { .caps = small_caps };
	struct snn_load *r = &t.req;

	r->n_cores = 2;
	r->neurons_per_core = 8;
	r->axons_per_core = 8;
	r->n_neurons = 1;
	tnet_alloc(&t, S_NRN, 1);
	CHECK_EQ(run_case(&t, "0 profiles, 1 neuron"), -EINVAL);
	/* the engine agrees, at neuron 0 */
	{
		u8 img[SNN_IMG_HDR_SIZE + 8] = { 0 };
		struct snn_img_error err;

		enc_header(img, r);
		enc_rec(img + SNN_IMG_HDR_SIZE, S_NRN, NRN(&t));
		CHECK(engine_load(img, sizeof(img), &t.caps, &err));
		CHECK_EQ(err.code, SNN_E_IMG_UNDEFINED);
		CHECK_EQ(err.offset, SNN_IMG_HDR_SIZE + SNN_IMG_N_PROFILE);
	}
	{
		struct snn_load req = t.req;
		void *img;
		size_t len;

		tnet_user(&t);
		CHECK_EQ(snn_load_build(&req, &t.caps, &img, &len), -EINVAL);
		CHECK_EQ(req.err_section, SNN_SEC_HEADER);
		CHECK_EQ(req.err_field, SNN_FIELD_N_PROFILES);
		CHECK_EQ(req.err_limit, 16);
	}
	r->n_neurons = 0;
	CHECK_EQ(run_case(&t, "0 profiles, 0 neurons"), 0);
	tnet_free(&t);
	report("0 profiles: accepted without neurons, else -EINVAL n_profiles");
}

/* Counts that would make a large allocation or copy. */
static void test_hostile(void)
{
	static const u32 evil[] = { 0xffffffff, 0x80000000, 0x7fffffff,
				    0x20000000, 0x10000001 };
	struct snn_load_caps big = {
		.cores = 256, .neurons = 65535, .axons = 65535,
		.synapses = 0xffffffff, .fanout = 0xffffffff,
		.profiles = 0xffffffff, .out_queues = 8,
	};
	unsigned int i, f;

	for (i = 0; i < ARRAY_SIZE(evil); i++) {
		for (f = 0; f < 5; f++) {
			struct snn_load req = {
				.n_cores = 256, .neurons_per_core = 65535,
				.axons_per_core = 65535, .n_profiles = 1,
				.profiles = 0x1000, .neurons = 0x2000,
				.synapses = 0x3000, .fanout = 0x4000,
			};
			void *img;
			size_t len;
			int ret;

			switch (f) {
			case 0:
				req.n_profiles = evil[i];
				break;
			case 1:
				req.n_neurons = evil[i];
				break;
			case 2:
				req.n_synapses = evil[i];
				break;
			case 3:
				req.n_fanout = evil[i];
				break;
			default:
				req.n_cores = evil[i];
				break;
			}
			kshim_user_clear();
			kshim_reset();
			ret = snn_load_build(&req, &big, &img, &len);
			CHECK(ret == -ENOSPC || ret == -EINVAL);
			CHECK_EQ(req.err_section, SNN_SEC_HEADER);
			CHECK_EQ(kshim.alloc_calls, 0);
			CHECK_EQ(kshim.copy_calls, 0);
		}
	}
	report("hostile counts: rejected before any allocation or copy");
}

/* The 64 MiB limit, at and just over it. */
static void test_max_len(void)
{
	const u32 room = (SNN_IMG_MAX_LEN - SNN_IMG_HDR_SIZE -
			  SNN_IMG_PROFILE_SIZE - SNN_IMG_REC_SIZE) /
			 SNN_IMG_REC_SIZE;
	struct tnet t = {
		.caps = {
			.cores = 2, .neurons = 4, .axons = 4096,
			.synapses = 0x01000000, .fanout = 0x01000000,
			.profiles = 1, .out_queues = 1,
		},
	};
	struct snn_load *r = &t.req;
	u32 k;

	r->n_cores = 1;
	r->neurons_per_core = 1;
	r->axons_per_core = 4096;
	r->n_profiles = 1;
	r->n_neurons = 1;
	r->n_synapses = room;
	tnet_alloc(&t, S_PROF, 1);
	tnet_alloc(&t, S_NRN, 1);
	tnet_alloc(&t, S_SYN, room);
	tnet_alloc(&t, S_FO, 0);
	rng_seed(64);
	for (k = 0; k < room; k++) {
		SYN(&t)[k].axon = (u16)rnd(4096);
		SYN(&t)[k].weight = (s8)rng();
	}
	CHECK_EQ(SNN_IMG_HDR_SIZE + SNN_IMG_PROFILE_SIZE +
		 (u64)(1 + room) * SNN_IMG_REC_SIZE, SNN_IMG_MAX_LEN);
	CHECK_EQ(run_case(&t, "exactly 64 MiB"), 0);
	CHECK(kshim.resched >= room / 4096);

	/* one more synapse: too long; the same with fan-out entries */
	r->n_synapses = room + 1;
	CHECK_EQ(run_case(&t, "64 MiB + 8: synapses"), -ENOSPC);
	{
		struct snn_load req = t.req;
		void *img;
		size_t len;

		tnet_user(&t);
		kshim_reset();
		CHECK_EQ(snn_load_build(&req, &t.caps, &img, &len), -ENOSPC);
		CHECK_EQ(req.err_field, SNN_FIELD_N_SYNAPSES);
		CHECK_EQ(req.err_limit, room);
		CHECK_EQ(kshim.alloc_calls, 0);
	}
	r->n_synapses = room;
	r->n_fanout = 1;
	CHECK_EQ(run_case(&t, "64 MiB + 8: fan-out"), -ENOSPC);
	/* neurons alone: 256 cores of 65535 neurons would be 128 MiB */
	t.caps.cores = 256;
	t.caps.neurons = 65535;
	r->n_cores = 256;
	r->neurons_per_core = 65535;
	r->n_synapses = 0;
	r->n_fanout = 0;
	r->n_neurons = 256 * 65535;
	{
		struct snn_load req = t.req;
		void *img;
		size_t len;

		tnet_user(&t);
		kshim_reset();
		CHECK_EQ(snn_load_build(&req, &t.caps, &img, &len), -ENOSPC);
		CHECK_EQ(req.err_field, SNN_FIELD_N_NEURONS);
		CHECK_EQ(req.err_limit, (SNN_IMG_MAX_LEN - SNN_IMG_HDR_SIZE -
					 SNN_IMG_PROFILE_SIZE) / 8);
		CHECK_EQ(kshim.alloc_calls, 0);
	}
	CHECK_EQ(run_case(&t, "128 MiB of neurons"), -ENOSPC);
	tnet_free(&t);
	report("image length: 64 MiB accepted, 8 bytes more -ENOSPC");
}

/* A valid network with one array unreadable from entry k on. */
static void test_fault(void)
{
	int s;

	rng_seed(7);
	for (s = 0; s < S_NUM; s++) {
		struct tnet t;
		u32 n, k;
		int tries = 0;

		do {
			memset(&t, 0, sizeof(t));
			t.caps = small_caps;
			gen_net(&t, 0);
			n = *req_count(&t.req, s);
			if (n >= 2 || ++tries > 100)
				break;
			tnet_free(&t);
		} while (1);
		CHECK(n >= 2);
		for (k = 0; k < n; k += 1 + n / 8) {
			struct snn_load req;
			void *img;
			size_t len;

			t.readable[s] = k;
			CHECK_EQ(run_case(&t, "fault"), -EFAULT);
			req = t.req;
			tnet_user(&t);
			CHECK_EQ(snn_load_build(&req, &t.caps, &img, &len),
				 -EFAULT);
			CHECK_EQ(req.err_section, sec_of[s]);
			CHECK_EQ(req.err_index, k);
			CHECK_EQ(req.err_field, SNN_FIELD_POINTER);
		}
		t.readable[s] = t.alloc[s];
		*req_ptr(&t.req, s) = 0;
		CHECK_EQ(run_case(&t, "NULL"), -EFAULT);
		tnet_free(&t);
	}
	report("unreadable arrays: -EFAULT, section, first entry not read");
}

static void test_nomem(void)
{
	struct tnet t;
	long at;

	rng_seed(11);
	memset(&t, 0, sizeof(t));
	t.caps = small_caps;
	do {
		tnet_free(&t);
		t.caps = small_caps;
		gen_net(&t, 0);
	} while (t.req.n_neurons < 2);
	tnet_user(&t);
	for (at = 0; at < 3; at++) {
		struct snn_load req = t.req;
		void *img = (void *)1;
		size_t len = 1;

		kshim_reset();
		kshim.fail_at = at;
		CHECK_EQ(snn_load_build(&req, &t.caps, &img, &len), -ENOMEM);
		CHECK(!img && !len);
		CHECK(!req.err_section && !req.err_index && !req.err_field &&
		      !req.err_limit);
		CHECK_EQ(kshim.live, 0);
	}
	kshim_reset();
	CHECK_EQ(run_case(&t, "nomem control"), 0);
	CHECK_EQ(kshim.alloc_calls, 3);
	tnet_free(&t);
	report("allocation failures: -ENOMEM, nothing leaked");
}

static void test_uapi_fields(void)
{
	struct tnet t;
	struct snn_load req;
	void *img;
	size_t len;

	rng_seed(13);
	memset(&t, 0, sizeof(t));
	t.caps = small_caps;
	gen_net(&t, 0);
	t.req.flags = 0x80000000;
	CHECK_EQ(run_case(&t, "flags"), -EINVAL);
	req = t.req;
	tnet_user(&t);
	CHECK_EQ(snn_load_build(&req, &t.caps, &img, &len), -EINVAL);
	CHECK_EQ(req.err_section, SNN_SEC_HEADER);
	CHECK_EQ(req.err_field, SNN_FIELD_FLAGS);
	t.req.flags = 0;
	t.req.reserved[1] = 1;
	CHECK_EQ(run_case(&t, "reserved"), -EINVAL);
	req = t.req;
	CHECK_EQ(snn_load_build(&req, &t.caps, &img, &len), -EINVAL);
	CHECK_EQ(req.err_field, SNN_FIELD_RESERVED);
	t.req.reserved[1] = 0;

	/* strides the image cannot hold, even if the caps are larger */
	t.caps.neurons = 100000;
	t.caps.axons = 100000;
	t.req.neurons_per_core = 65536;
	req = t.req;
	CHECK_EQ(snn_load_build(&req, &t.caps, &img, &len), -EINVAL);
	CHECK_EQ(req.err_field, SNN_FIELD_NEURONS_PER_CORE);
	CHECK_EQ(req.err_limit, 65535);
	CHECK_EQ(run_case(&t, "npc 65536"), -EINVAL);
	t.req.neurons_per_core = 1;
	t.req.axons_per_core = 70000;
	CHECK_EQ(run_case(&t, "apc 70000"), -EINVAL);
	t.caps.cores = 1000;
	t.req.n_cores = 257;
	CHECK_EQ(run_case(&t, "257 cores"), -EINVAL);
	tnet_free(&t);
	report("request flags, reserved and strides beyond the image format");
}

/* Every error the driver can report was produced (and checked) above. */
static void test_coverage(void)
{
	static const struct {
		u32 sec, field;
		int err;
	} want[] = {
		{ SNN_SEC_HEADER, SNN_FIELD_FLAGS, -EINVAL },
		{ SNN_SEC_HEADER, SNN_FIELD_RESERVED, -EINVAL },
		{ SNN_SEC_HEADER, SNN_FIELD_N_CORES, -EINVAL },
		{ SNN_SEC_HEADER, SNN_FIELD_N_CORES, -ENOSPC },
		{ SNN_SEC_HEADER, SNN_FIELD_NEURONS_PER_CORE, -EINVAL },
		{ SNN_SEC_HEADER, SNN_FIELD_NEURONS_PER_CORE, -ENOSPC },
		{ SNN_SEC_HEADER, SNN_FIELD_AXONS_PER_CORE, -EINVAL },
		{ SNN_SEC_HEADER, SNN_FIELD_AXONS_PER_CORE, -ENOSPC },
		{ SNN_SEC_HEADER, SNN_FIELD_N_PROFILES, -EINVAL },
		{ SNN_SEC_HEADER, SNN_FIELD_N_PROFILES, -ENOSPC },
		{ SNN_SEC_HEADER, SNN_FIELD_N_NEURONS, -ENOSPC },
		{ SNN_SEC_HEADER, SNN_FIELD_N_SYNAPSES, -ENOSPC },
		{ SNN_SEC_HEADER, SNN_FIELD_N_FANOUT, -ENOSPC },
		{ SNN_SEC_PROFILE, SNN_FIELD_DU, -EINVAL },
		{ SNN_SEC_PROFILE, SNN_FIELD_DV, -EINVAL },
		{ SNN_SEC_PROFILE, SNN_FIELD_VTH, -EINVAL },
		{ SNN_SEC_PROFILE, SNN_FIELD_BIAS_MANT, -EINVAL },
		{ SNN_SEC_PROFILE, SNN_FIELD_BIAS_EXP, -EINVAL },
		{ SNN_SEC_PROFILE, SNN_FIELD_RESERVED, -EINVAL },
		{ SNN_SEC_PROFILE, SNN_FIELD_POINTER, -EFAULT },
		{ SNN_SEC_NEURON, SNN_FIELD_CORE, -EINVAL },
		{ SNN_SEC_NEURON, SNN_FIELD_PROFILE, -EINVAL },
		{ SNN_SEC_NEURON, SNN_FIELD_INDEX, -EINVAL },
		{ SNN_SEC_NEURON, SNN_FIELD_FLAGS, -EINVAL },
		{ SNN_SEC_NEURON, SNN_FIELD_OUTQ, -EINVAL },
		{ SNN_SEC_NEURON, SNN_FIELD_BIAS_MANT, -EINVAL },
		{ SNN_SEC_NEURON, SNN_FIELD_POINTER, -EFAULT },
		{ SNN_SEC_SYNAPSE, SNN_FIELD_CORE, -EINVAL },
		{ SNN_SEC_SYNAPSE, SNN_FIELD_CORE, -ENOSPC },
		{ SNN_SEC_SYNAPSE, SNN_FIELD_RESERVED, -EINVAL },
		{ SNN_SEC_SYNAPSE, SNN_FIELD_AXON, -EINVAL },
		{ SNN_SEC_SYNAPSE, SNN_FIELD_NEURON, -EINVAL },
		{ SNN_SEC_SYNAPSE, SNN_FIELD_POINTER, -EFAULT },
		{ SNN_SEC_FANOUT, SNN_FIELD_SRC_CORE, -EINVAL },
		{ SNN_SEC_FANOUT, SNN_FIELD_SRC_CORE, -ENOSPC },
		{ SNN_SEC_FANOUT, SNN_FIELD_DST_CORE, -EINVAL },
		{ SNN_SEC_FANOUT, SNN_FIELD_SRC_NEURON, -EINVAL },
		{ SNN_SEC_FANOUT, SNN_FIELD_DST_AXON, -EINVAL },
		{ SNN_SEC_FANOUT, SNN_FIELD_RESERVED, -EINVAL },
		{ SNN_SEC_FANOUT, SNN_FIELD_POINTER, -EFAULT },
	};
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		n = seen[want[i].sec][want[i].field][errno_slot(want[i].err)];
		if (!n) {
			printf("# never reported: section %u field %u %s\n",
			       want[i].sec, want[i].field,
			       errname(want[i].err));
			cur_failed = 1;
		}
	}
	report("every error the driver reports was produced and checked");
}

int main(void)
{
	printf("TAP version 13\n1..12\n");
	test_doc_example();
	test_empty();
	test_zero_profiles();
	test_hostile();
	test_uapi_fields();
	test_fault();
	test_nomem();
	test_max_len();
	test_random("random valid networks", 1, 3000, 0, 100);
	test_random("random mutated networks", 2, 30000, 1, 200);
	test_random("random mutated networks, big caps", 3, 300, 1, 1);
	test_coverage();
	return n_fail ? 1 : 0;
}

