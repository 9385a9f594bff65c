/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of the snndev neuron engine (snn_engine.c) and the image
 * writer.  Prints TAP; exits 1 if any test failed.
 *
 * The engine source is included directly so that its allocations can be
 * redirected to test_calloc() for allocation-failure tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *test_calloc(size_t n, size_t size);
#define ENG_CALLOC(n, size)	test_calloc((n), (size))
#define ENG_FREE(p)		free(p)
#include "../snn_engine.c"
#include "../snn_img_write.h"

/* ---- harness ----------------------------------------------------------- */

static int cur_failed;

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

static unsigned int n_run, n_pass, n_fail;

static void report(const char *name)
{
	n_run++;
	if (cur_failed) {
		n_fail++;
		printf("not ok %u - %s\n", n_run, name);
	} else {
		n_pass++;
		printf("ok %u - %s\n", n_run, name);
	}
	fflush(stdout);
	cur_failed = 0;
}

/* Allocation failure injection: the fail_at'th calloc (0-based) fails. */
static long alloc_count, fail_at = -1;

static void *test_calloc(size_t n, size_t size)
{
	if (fail_at >= 0 && alloc_count++ == fail_at)
		return NULL;
	return calloc(n, size);
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

static uint32_t rng_below(uint32_t n)
{
	return n ? rng() % n : 0;
}

static const struct snn_limits lim_any = {
	.cores = SNN_MAX_CORES,
	.neurons_per_core = SNN_MAX_NEURONS_PER_CORE,
	.axons_per_core = SNN_MAX_AXONS_PER_CORE,
	.synapses_per_core = UINT32_MAX,
	.fanout_per_core = UINT32_MAX,
	.profiles = SNN_MAX_PROFILES,
	.out_queues = SNN_MAX_QUEUES,
};

/* Small limits for the validation tests. */
static const struct snn_limits lim_small = {
	.cores = 4,
	.neurons_per_core = 16,
	.axons_per_core = 8,
	.synapses_per_core = 8,
	.fanout_per_core = 4,
	.profiles = 4,
	.out_queues = 2,
};

/* Limits that the fuzz base image fits (50 synapses, 16 fan-out per core). */
static const struct snn_limits lim_fuzz = {
	.cores = 4,
	.neurons_per_core = 64,
	.axons_per_core = 32,
	.synapses_per_core = 60,
	.fanout_per_core = 20,
	.profiles = 4,
	.out_queues = 2,
};

/* Build w's image, load it, free the image and the writer. */
static struct snn_net *load_writer(struct snn_img_writer *w,
				   const struct snn_limits *lim)
{
	struct snn_img_error err;
	struct snn_net *net = NULL;
	size_t len;
	void *img;

	CHECK(w != NULL);
	if (!w)
		return NULL;
	img = snn_img_writer_build(w, &len);
	snn_img_writer_free(w);
	CHECK(img != NULL);
	if (!img)
		return NULL;
	if (snn_net_load(img, len, lim, &net, &err)) {
		printf("# load failed: %s (%s at %u)\n", err.msg,
		       snn_img_error_name(err.code), err.offset);
		cur_failed = 1;
	}
	free(img);
	return net;
}

/* ---- LIF arithmetic ---------------------------------------------------- */

static struct snn_lif_params lp(unsigned int du, unsigned int dv,
				uint32_t vth, int mant, int exp)
{
	struct snn_lif_params p;

	p.du = (uint16_t)du;
	p.dv = (uint16_t)dv;
	p.vth = vth;
	p.bias_mant = (int16_t)mant;
	p.bias_exp = (int8_t)exp;
	return p;
}

static void t_lif_u_decay(void)
{
	struct snn_lif_params p = lp(100, 0, SNN_LIF_VTH_MAX, 0, 0);
	int32_t u = 0, v = 0;
	int sat = -1;

	/*
	 * u = 1000, du = 100: t = 1000 * (4096 - 101) = 3995000;
	 * 3995000 / 4096 = 975.34 -> 975.  dv = 0 keeps v = 0, so v' = u'.
	 */
	u = 1000;
	v = 0;
	CHECK_EQ(snn_lif_update(&p, 0, &u, &v, &sat), 0);
	CHECK_EQ(u, 975);
	CHECK_EQ(v, 975);
	CHECK_EQ(sat, 0);
	/* u = -1000: t = -3995000 -> -(3995000 >> 12) = -975, not -976. */
	u = -1000;
	v = 0;
	CHECK_EQ(snn_lif_update(&p, 0, &u, &v, NULL), 0);
	CHECK_EQ(u, -975);
	CHECK_EQ(v, -975);
	/* u = -1: t = -4095 -> -(4095 >> 12) = 0 (a floor shift gives -1). */
	u = -1;
	v = 0;
	snn_lif_update(&p, 0, &u, &v, NULL);
	CHECK_EQ(u, 0);
}

static void t_lif_decay_edges(void)
{
	struct snn_lif_params p;
	int32_t u = 0, v = 0;

	/* du = 4095: factor 4096 - 4096 = 0, u' = a_in << 6 = 2 * 64. */
	p = lp(4095, 0, SNN_LIF_VTH_MAX, 0, 0);
	u = 123456;
	v = 0;
	snn_lif_update(&p, 2, &u, &v, NULL);
	CHECK_EQ(u, 128);
	CHECK_EQ(v, 128);
	/* dv = 0: factor 4096, v * 4096 >> 12 = v exactly: 5000 stays. */
	p = lp(0, 0, SNN_LIF_VTH_MAX, 0, 0);
	u = 0;
	v = 5000;
	snn_lif_update(&p, 0, &u, &v, NULL);
	CHECK_EQ(u, 0);
	CHECK_EQ(v, 5000);
	/* dv = 4095: factor 1, 5000 >> 12 = 1; -5000 -> -1. */
	p = lp(0, 4095, SNN_LIF_VTH_MAX, 0, 0);
	u = 0;
	v = 5000;
	snn_lif_update(&p, 0, &u, &v, NULL);
	CHECK_EQ(v, 1);
	v = -5000;
	snn_lif_update(&p, 0, &u, &v, NULL);
	CHECK_EQ(v, -1);
	/* du = 0: factor 4095, u = 4096 -> 4096 * 4095 >> 12 = 4095. */
	p = lp(0, 4095, SNN_LIF_VTH_MAX, 0, 0);
	u = 4096;
	v = 0;
	snn_lif_update(&p, 0, &u, &v, NULL);
	CHECK_EQ(u, 4095);
}

static void t_lif_u_wrap(void)
{
	/* vth 131072 (beyond the image limit): vth << 6 = 2^23, never fires. */
	struct snn_lif_params p = lp(0, 0, 131072, 0, 0);
	int32_t u = 0, v = 0;

	/*
	 * du = 0 -> factor 4095.  u = 8388544 (2^23 - 64):
	 * 8388544 * 4095 = 34351087680, >> 12 = 8386496;
	 * + a_in 33 << 6 = 2112 -> 8388608 = 2^23: not > 2^23, stays.
	 */
	u = 8388544;
	v = 0;
	snn_lif_update(&p, 33, &u, &v, NULL);
	CHECK_EQ(u, 8388608);
	CHECK_EQ(v, 8388607);		/* v' = 2^23 clipped to 2^23 - 1 */
	/*
	 * u = 8388545: 8388545 * 4095 = 34351091775, >> 12 = 8386497;
	 * + 2112 = 8388609 = 2^23 + 1 > 2^23 -> - 2^24 = -8388607.
	 */
	u = 8388545;
	v = 0;
	snn_lif_update(&p, 33, &u, &v, NULL);
	CHECK_EQ(u, -8388607);
	/*
	 * u = -8388543: -(8388543 * 4095 >> 12) = -(34351083585 >> 12) =
	 * -8386495; + (-33 << 6) = -2112 -> -8388607 > -2^23: stays.
	 */
	u = -8388543;
	v = 0;
	snn_lif_update(&p, -33, &u, &v, NULL);
	CHECK_EQ(u, -8388607);
	/*
	 * u = -8388544: -8386496 - 2112 = -8388608 = -2^23 <= -2^23
	 * -> + 2^24 = 8388608.
	 */
	u = -8388544;
	v = 0;
	snn_lif_update(&p, -33, &u, &v, NULL);
	CHECK_EQ(u, 8388608);
}

static void t_lif_v_clip(void)
{
	struct snn_lif_params p = lp(4095, 0, 131072, 0, 0);
	int32_t u = 0, v = 0;

	/*
	 * du = 4095: u' = 32767 << 6 = 2097088; dv = 0: v' = 8000000 +
	 * 2097088 = 10097088 > 2^23 - 1 -> 8388607 (vth << 6 = 2^23: no spike).
	 */
	u = 0;
	v = 8000000;
	CHECK_EQ(snn_lif_update(&p, 32767, &u, &v, NULL), 0);
	CHECK_EQ(u, 2097088);
	CHECK_EQ(v, 8388607);
	/* u' = -32768 << 6 = -2097152; v' = -10097152 -> -8388607. */
	u = 0;
	v = -8000000;
	CHECK_EQ(snn_lif_update(&p, -32768, &u, &v, NULL), 0);
	CHECK_EQ(u, -2097152);
	CHECK_EQ(v, -8388607);
	/* In-spec vth: a clipped v (8388607 > 131071 << 6) always fires. */
	p = lp(4095, 0, SNN_LIF_VTH_MAX, 0, 0);
	u = 0;
	v = 8000000;
	CHECK_EQ(snn_lif_update(&p, 32767, &u, &v, NULL), 1);
	CHECK_EQ(v, 0);
}

static void t_lif_bias(void)
{
	/* du = dv = 4095, u = v = 0, no input: v' = effective bias. */
	static const struct {
		int mant, exp, bias;
	} c[] = {
		{ 100, 3, 800 },	/* 100 << 3 */
		{ 100, -3, 12 },	/* floor(100 / 8) = floor(12.5) */
		{ -100, -3, -13 },	/* floor(-12.5) = -13, not -12 */
		{ -7, 0, -7 },
		{ 5, 0, 5 },
		{ -4096, 7, -524288 },	/* -4096 * 128 */
		{ 4095, 7, 524160 },	/* 4095 * 128 */
		{ -1, -7, -1 },		/* floor(-1 / 128) = -1 */
		{ 1, -7, 0 },		/* floor(1 / 128) = 0 */
		{ -4096, -7, -32 },	/* -4096 / 128 exactly */
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct snn_lif_params p = lp(4095, 4095, SNN_LIF_VTH_MAX,
					     c[i].mant, c[i].exp);
		int32_t u = 0, v = 0;

		snn_lif_update(&p, 0, &u, &v, NULL);
		CHECK_EQ(v, c[i].bias);
		CHECK_EQ(eng_eff_bias(c[i].mant, c[i].exp), c[i].bias);
	}
}

static void t_lif_threshold(void)
{
	struct snn_lif_params p;
	int32_t u = 0, v = 0;

	/* vth 10 -> 640.  bias 640: v' = 640, 640 > 640 is false. */
	p = lp(4095, 4095, 10, 640, 0);
	u = 0;
	v = 0;
	CHECK_EQ(snn_lif_update(&p, 0, &u, &v, NULL), 0);
	CHECK_EQ(v, 640);
	/* bias 641: v' = 641 > 640 -> spike, v reset to 0. */
	p = lp(4095, 4095, 10, 641, 0);
	u = 0;
	v = 0;
	CHECK_EQ(snn_lif_update(&p, 0, &u, &v, NULL), 1);
	CHECK_EQ(v, 0);
	/* vth 0: any v' > 0 fires; v' = 0 does not. */
	p = lp(4095, 4095, 0, 0, 0);
	u = 0;
	v = 0;
	CHECK_EQ(snn_lif_update(&p, 0, &u, &v, NULL), 0);
	CHECK_EQ(snn_lif_update(&p, 1, &u, &v, NULL), 1);
}

static void t_lif_reset(void)
{
	/*
	 * du = 0, dv = 0, vth 1 (64).  a_in 2: u' = 128, v' = 128 > 64 ->
	 * spike, v = 0; u is not reset.  Next step, no input:
	 * u' = 128 * 4095 >> 12 = 127, v' = 0 + 127 = 127 > 64 -> spike again.
	 * Next: u' = 127 * 4095 >> 12 = 126 (520065 / 4096 = 126.97),
	 * v' = 126 -> spike.
	 */
	struct snn_lif_params p = lp(0, 0, 1, 0, 0);
	int32_t u = 0, v = 0;

	CHECK_EQ(snn_lif_update(&p, 2, &u, &v, NULL), 1);
	CHECK_EQ(u, 128);
	CHECK_EQ(v, 0);
	CHECK_EQ(snn_lif_update(&p, 0, &u, &v, NULL), 1);
	CHECK_EQ(u, 127);
	CHECK_EQ(v, 0);
	CHECK_EQ(snn_lif_update(&p, 0, &u, &v, NULL), 1);
	CHECK_EQ(u, 126);
	/* vth 2 (128): u' = 125 (126 * 4095 / 4096 = 125.97), v' = 125. */
	p.vth = 2;
	CHECK_EQ(snn_lif_update(&p, 0, &u, &v, NULL), 0);
	CHECK_EQ(u, 125);
	CHECK_EQ(v, 125);
}

static void t_lif_ain_saturation(void)
{
	struct snn_lif_params p = lp(4095, 4095, SNN_LIF_VTH_MAX, 0, 0);
	int32_t u = 0, v = 0;
	int sat;

	/* 40000 -> 32767, u' = 32767 << 6 = 2097088. */
	u = 0;
	v = 0;
	snn_lif_update(&p, 40000, &u, &v, &sat);
	CHECK_EQ(sat, 1);
	CHECK_EQ(u, 2097088);
	/* -40000 -> -32768, u' = -2097152. */
	u = 0;
	snn_lif_update(&p, -40000, &u, &v, &sat);
	CHECK_EQ(sat, 1);
	CHECK_EQ(u, -2097152);
	/* Limits themselves are not saturations. */
	snn_lif_update(&p, 32767, &u, &v, &sat);
	CHECK_EQ(sat, 0);
	snn_lif_update(&p, -32768, &u, &v, &sat);
	CHECK_EQ(sat, 0);
}

/* ---- engine ------------------------------------------------------------ */

/*
 * Two cores.  A = (0, 0), B = (1, 3), profile 0: du = dv = 4095, vth 0,
 * so a_in 1 gives u' = 64, v' = 64 > 0: a spike.  Axon (0, 0) -> A,
 * axon (1, 5) -> B, weight 1; fan-out A -> axon (1, 5).
 */
static struct snn_net *chain_net(void)
{
	struct snn_img_writer *w = snn_img_writer_new(2, 8, 8);

	snn_img_add_profile(w, 4095, 4095, 0, 0, 0);
	snn_img_add_neuron(w, 0, 0, 0, SNN_NEURON_OUT, 0, 0);
	snn_img_add_neuron(w, 1, 3, 0, SNN_NEURON_OUT, 1, 0);
	snn_img_add_synapse(w, 0, 0, 0, 1);
	snn_img_add_synapse(w, 1, 5, 3, 1);
	snn_img_add_fanout(w, 0, 0, 1, 5);
	return load_writer(w, &lim_any);
}

static void t_fanout_next_step(void)
{
	struct snn_net *net = chain_net();
	struct snn_engine *e;
	struct snn_step_stats st;
	const struct snn_spike *s;
	int32_t u = 0, v = 0;
	size_t n;

	if (!net)
		return;
	e = snn_engine_new(net);
	CHECK(e != NULL);
	if (!e)
		goto out;
	CHECK_EQ(snn_engine_input(e, 0, 0), 0);
	/* Step 0: A fires; B has not received anything yet. */
	CHECK_EQ(snn_engine_step(e, &st), 1);
	s = snn_engine_spikes(e, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(s[0].core, 0);
	CHECK_EQ(s[0].neuron, 0);
	CHECK_EQ(s[0].flags, SNN_NEURON_OUT);
	CHECK_EQ(st.syn_ops, 1);
	CHECK_EQ(st.neuron_updates, 1);
	CHECK_EQ(snn_engine_neuron_state(e, 1, 3, &u, &v), 0);
	CHECK_EQ(u, 0);
	CHECK_EQ(v, 0);
	/* Step 1: the spike of A reaches B through (1, 5). */
	CHECK_EQ(snn_engine_step(e, &st), 1);
	s = snn_engine_spikes(e, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(s[0].core, 1);
	CHECK_EQ(s[0].neuron, 3);
	CHECK_EQ(s[0].outq, 1);
	CHECK_EQ(st.syn_ops, 1);
	CHECK_EQ(st.neuron_updates, 2);	/* A decays to 0, B fires */
	/* Step 2: nothing fires; only B (active after its spike) updates. */
	CHECK_EQ(snn_engine_step(e, &st), 0);
	CHECK_EQ(st.neuron_updates, 1);
	CHECK_EQ(st.syn_ops, 0);
	CHECK_EQ(snn_engine_step(e, &st), 0);
	CHECK_EQ(st.neuron_updates, 0);
	CHECK_EQ(snn_engine_timestep(e), 4);
	snn_engine_free(e);
out:
	snn_net_free(net);
}

static void t_input_same_step(void)
{
	struct snn_net *net = chain_net();
	struct snn_engine *e;
	const struct snn_spike *s;
	size_t n;
	int i;

	if (!net)
		return;
	e = snn_engine_new(net);
	CHECK(e != NULL);
	if (!e)
		goto out;
	for (i = 0; i < 3; i++)
		CHECK_EQ(snn_engine_step(e, NULL), 0);
	/* Input staged for step 3 fires A in step 3, B in step 4. */
	CHECK_EQ(snn_engine_timestep(e), 3);
	snn_engine_input(e, 0, 0);
	CHECK_EQ(snn_engine_step(e, NULL), 1);
	s = snn_engine_spikes(e, &n);
	CHECK(n == 1 && s[0].core == 0 && s[0].neuron == 0);
	CHECK_EQ(snn_engine_step(e, NULL), 1);
	s = snn_engine_spikes(e, &n);
	CHECK(n == 1 && s[0].core == 1 && s[0].neuron == 3);
	/* Input to B's axon directly: B fires in that very step. */
	snn_engine_input(e, 1, 5);
	CHECK_EQ(snn_engine_step(e, NULL), 1);
	s = snn_engine_spikes(e, &n);
	CHECK(n == 1 && s[0].core == 1 && s[0].neuron == 3);
	CHECK_EQ(snn_engine_step(e, NULL), 0);
	snn_engine_free(e);
out:
	snn_net_free(net);
}

static void t_input_range(void)
{
	struct snn_net *net = chain_net();
	struct snn_engine *e;
	int32_t u = 0;

	if (!net)
		return;
	e = snn_engine_new(net);
	CHECK(e != NULL);
	if (!e)
		goto out;
	CHECK_EQ(snn_engine_input(e, 2, 0), -1);
	CHECK_EQ(snn_engine_input(e, 0, 8), -1);
	CHECK_EQ(snn_engine_input(e, 0, 7), 0);	/* no synapses: no-op */
	CHECK_EQ(snn_engine_neuron_state(e, 0, 1, &u, NULL), -1);
	CHECK_EQ(snn_engine_neuron_state(e, 2, 0, &u, NULL), -1);
	CHECK_EQ(snn_engine_neuron_state(e, 0, 8, &u, NULL), -1);
	CHECK_EQ(snn_engine_neuron_state(e, 1, 3, &u, NULL), 0);
	CHECK_EQ(snn_engine_step(e, NULL), 0);
	snn_engine_free(e);
out:
	snn_net_free(net);
}

static void t_quiescent(void)
{
	struct snn_img_writer *w = snn_img_writer_new(1, 1024, 16);
	struct snn_step_stats st;
	struct snn_engine *e;
	struct snn_net *net;
	int32_t u = 0, v = 0;
	unsigned int i;

	/* Profile 0: du = dv = 4095, vth 100 (6400). */
	snn_img_add_profile(w, 4095, 4095, 100, 0, 0);
	/* Profile 1: dv = 0, a perfect integrator. */
	snn_img_add_profile(w, 4095, 0, 100, 0, 0);
	for (i = 0; i < 1000; i++)
		snn_img_add_neuron(w, 0, i, 0, 0, 0, 0);
	snn_img_add_neuron(w, 0, 1000, 1, 0, 0, 0);
	/* Neuron 1001: own bias 10 with dv = 4095. */
	snn_img_add_neuron(w, 0, 1001, 0, SNN_NEURON_BIAS, 0, 10);
	snn_img_add_synapse(w, 0, 0, 7, 1);
	snn_img_add_synapse(w, 0, 1, 1000, 1);
	net = load_writer(w, &lim_any);
	if (!net)
		return;
	e = snn_engine_new(net);
	CHECK(e != NULL);
	if (!e)
		goto out;
	/*
	 * Neuron 1001: step 0: v' = 0 + 10 = 10 (changed, stays active);
	 * step 1: v' = (10 * 1 >> 12 = 0) + 10 = 10 = v, u' = 0: fixed
	 * point, leaves the list.  The other 1001 neurons never update.
	 */
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 1);
	for (i = 0; i < 10; i++) {
		snn_engine_step(e, &st);
		CHECK_EQ(st.neuron_updates, 0);
		CHECK_EQ(st.syn_ops, 0);
	}
	CHECK_EQ(snn_engine_neuron_state(e, 0, 1001, &u, &v), 0);
	CHECK_EQ(u, 0);
	CHECK_EQ(v, 10);
	/*
	 * One input to neuron 7: u' = 64, v' = 64 (< 6400); next u' = 0,
	 * v' = 64 * 1 >> 12 = 0 (changed); next u' = v' = 0 = v: leaves.
	 */
	snn_engine_input(e, 0, 0);
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 1);
	CHECK_EQ(st.syn_ops, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 0);
	/*
	 * Integrator (dv = 0): input -> u' = 64, v' = 64; next u' = 0,
	 * v' = 64 + 0 = 64 = v: leaves the list and keeps v = 64.
	 */
	snn_engine_input(e, 0, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(st.neuron_updates, 0);
	CHECK_EQ(snn_engine_neuron_state(e, 0, 1000, &u, &v), 0);
	CHECK_EQ(u, 0);
	CHECK_EQ(v, 64);
	/* It integrates on from there: v' = 64 + 64 = 128. */
	snn_engine_input(e, 0, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(snn_engine_neuron_state(e, 0, 1000, &u, &v), 0);
	CHECK_EQ(v, 128);
	snn_engine_free(e);
out:
	snn_net_free(net);
}

static void t_engine_ain_saturation(void)
{
	struct snn_img_writer *w = snn_img_writer_new(1, 4, 4);
	struct snn_step_stats st;
	struct snn_engine *e;
	struct snn_net *net;
	int32_t u = 0;
	int i;

	/* du = dv = 4095 so u' = a_in << 6 exactly; vth max: no spike. */
	snn_img_add_profile(w, 4095, 4095, SNN_LIF_VTH_MAX, 0, 0);
	snn_img_add_neuron(w, 0, 0, 0, 0, 0, 0);
	for (i = 0; i < 300; i++) {
		snn_img_add_synapse(w, 0, 0, 0, 127);	/* 300 * 127 = 38100 */
		snn_img_add_synapse(w, 0, 1, 0, -128);	/* -38400 */
		snn_img_add_synapse(w, 0, 2, 0, -127);	/* -38100 */
	}
	net = load_writer(w, &lim_any);
	if (!net)
		return;
	e = snn_engine_new(net);
	CHECK(e != NULL);
	if (!e)
		goto out;
	/* 38100 -> 32767: u' = 32767 * 64 = 2097088. */
	snn_engine_input(e, 0, 0);
	snn_engine_step(e, &st);
	CHECK_EQ(st.ain_saturations, 1);
	CHECK_EQ(st.syn_ops, 300);
	snn_engine_neuron_state(e, 0, 0, &u, NULL);
	CHECK_EQ(u, 2097088);
	/* -38400 -> -32768: u' = 0 + -32768 * 64 = -2097152. */
	snn_engine_input(e, 0, 1);
	snn_engine_step(e, &st);
	CHECK_EQ(st.ain_saturations, 1);
	snn_engine_neuron_state(e, 0, 0, &u, NULL);
	CHECK_EQ(u, -2097152);
	/* 38100 - 38100: the exact sum is 0, nothing saturates. */
	snn_engine_input(e, 0, 0);
	snn_engine_input(e, 0, 2);
	snn_engine_step(e, &st);
	CHECK_EQ(st.ain_saturations, 0);
	CHECK_EQ(st.syn_ops, 600);
	snn_engine_neuron_state(e, 0, 0, &u, NULL);
	CHECK_EQ(u, 0);
	/* Two events on one axon deliver twice: 76200 -> one saturation. */
	snn_engine_input(e, 0, 0);
	snn_engine_input(e, 0, 0);
	snn_engine_step(e, &st);
	CHECK_EQ(st.ain_saturations, 1);
	CHECK_EQ(st.syn_ops, 600);
	snn_engine_free(e);
out:
	snn_net_free(net);
}

static void t_spike_order(void)
{
	struct snn_img_writer *w = snn_img_writer_new(3, 256, 4);
	static const unsigned int order[][2] = {
		{ 2, 5 }, { 0, 7 }, { 1, 0 }, { 0, 1 }, { 2, 0 },
	};
	const struct snn_spike *s;
	struct snn_engine *e;
	struct snn_net *net;
	unsigned int i;
	size_t n;

	/* vth 0, own bias 1: v' = 1 > 0, every neuron fires every step. */
	snn_img_add_profile(w, 0, 0, 0, 0, 0);
	for (i = 0; i < 5; i++)
		snn_img_add_neuron(w, order[i][0], order[i][1], 0,
				   SNN_NEURON_BIAS, 0, 1);
	/* 200 more on core 1, defined in descending order (radix path). */
	for (i = 255; i >= 56; i--)
		snn_img_add_neuron(w, 1, i, 0, SNN_NEURON_BIAS, 0, 1);
	net = load_writer(w, &lim_any);
	if (!net)
		return;
	e = snn_engine_new(net);
	CHECK(e != NULL);
	if (!e)
		goto out;
	CHECK_EQ(snn_engine_step(e, NULL), 205);
	s = snn_engine_spikes(e, &n);
	CHECK_EQ(n, 205);
	CHECK(s[0].core == 0 && s[0].neuron == 1);
	CHECK(s[1].core == 0 && s[1].neuron == 7);
	CHECK(s[2].core == 1 && s[2].neuron == 0);
	CHECK(s[3].core == 1 && s[3].neuron == 56);
	CHECK(s[202].core == 1 && s[202].neuron == 255);
	CHECK(s[203].core == 2 && s[203].neuron == 0);
	CHECK(s[204].core == 2 && s[204].neuron == 5);
	for (i = 1; i < n; i++)
		CHECK((s[i - 1].core << 16 | s[i - 1].neuron) <
		      (s[i].core << 16 | s[i].neuron));
	snn_engine_free(e);
out:
	snn_net_free(net);
}

/* A random recurrent network; the records are kept for the reference. */
struct rnd_net {
	unsigned int cores, npc, apc;
	unsigned int n_prof;
	struct snn_lif_params prof[8];
	int defined[4][64], nprof[4][64], nbias[4][64], has_bias[4][64];
	unsigned int n_syn, n_fo;
	unsigned int syn[2000][4];	/* core, axon, neuron, weight */
	int syn_w[2000];
	unsigned int fo[600][4];	/* src core, neuron, dst core, axon */
};

static struct snn_net *rnd_build(struct rnd_net *r, uint64_t seed)
{
	struct snn_img_writer *w;
	unsigned int c, i, k;

	memset(r, 0, sizeof(*r));
	rng_seed(seed);
	r->cores = 4;
	r->npc = 64;
	r->apc = 32;
	r->n_prof = 4;
	w = snn_img_writer_new(r->cores, r->npc, r->apc);
	for (i = 0; i < r->n_prof; i++) {
		struct snn_lif_params *p = &r->prof[i];

		p->du = (uint16_t)rng_below(4096);
		p->dv = (uint16_t)(i == 3 ? 0 : rng_below(4096));
		p->vth = rng_below(200);
		p->bias_mant = (int16_t)(i == 2 ? (int)rng_below(200) - 100 : 0);
		p->bias_exp = (int8_t)((int)rng_below(15) - 7);
		snn_img_add_profile(w, p->du, p->dv, p->vth, p->bias_mant,
				    p->bias_exp);
	}
	for (c = 0; c < r->cores; c++)
		for (i = 0; i < r->npc; i++) {
			if (rng_below(4) == 0)
				continue;
			r->defined[c][i] = 1;
			r->nprof[c][i] = (int)rng_below(r->n_prof);
			r->has_bias[c][i] = rng_below(8) == 0;
			r->nbias[c][i] = r->has_bias[c][i] ?
					 (int)rng_below(2000) - 1000 : 0;
		}
	/* Neurons in a shuffled order: by index, then core. */
	for (i = 0; i < r->npc; i++)
		for (c = r->cores; c-- > 0;)
			if (r->defined[c][i])
				snn_img_add_neuron(w, c, i,
					(unsigned int)r->nprof[c][i],
					(rng_below(2) ? SNN_NEURON_OUT : 0) |
					(r->has_bias[c][i] ? SNN_NEURON_BIAS : 0),
					0, r->nbias[c][i]);
	for (k = 0; k < 2000; k++) {
		c = rng_below(r->cores);
		i = rng_below(r->npc);
		if (!r->defined[c][i])
			continue;
		r->syn[r->n_syn][0] = c;
		r->syn[r->n_syn][1] = rng_below(r->apc);
		r->syn[r->n_syn][2] = i;
		r->syn_w[r->n_syn] = (int)rng_below(256) - 128;
		snn_img_add_synapse(w, c, r->syn[r->n_syn][1], i,
				    r->syn_w[r->n_syn]);
		r->n_syn++;
	}
	for (k = 0; k < 600; k++) {
		c = rng_below(r->cores);
		i = rng_below(r->npc);
		if (!r->defined[c][i])
			continue;
		r->fo[r->n_fo][0] = c;
		r->fo[r->n_fo][1] = i;
		r->fo[r->n_fo][2] = rng_below(r->cores);
		r->fo[r->n_fo][3] = rng_below(r->apc);
		snn_img_add_fanout(w, c, i, r->fo[r->n_fo][2],
				   r->fo[r->n_fo][3]);
		r->n_fo++;
	}
	return load_writer(w, &lim_any);
}

/*
 * Run steps with random input and fold spikes and states into a hash.
 * Every step is compared with a dense reference that updates all neurons
 * with snn_lif_update() and computes a_in by scanning every synapse.
 */
static uint64_t rnd_run(struct rnd_net *r, struct snn_engine *e,
			unsigned int steps, uint64_t seed, int reference,
			uint64_t *n_spikes)
{
	static int32_t ru[4][64], rv[4][64];
	static int64_t ain[4][64];
	static int fired[4][64], fired_prev[4][64];
	static unsigned int events[4][32];
	uint64_t h = 1469598103934665603ull;
	unsigned int t, c, i, k, q, nin;
	unsigned int in_c[40], in_a[40];

	memset(ru, 0, sizeof(ru));
	memset(rv, 0, sizeof(rv));
	memset(fired_prev, 0, sizeof(fired_prev));
	rng_seed(seed);
	*n_spikes = 0;
	for (t = 0; t < steps; t++) {
		const struct snn_spike *s;
		size_t n, m = 0;

		nin = rng_below(40);
		for (q = 0; q < nin; q++) {
			in_c[q] = rng_below(r->cores);
			in_a[q] = rng_below(r->apc);
			CHECK_EQ(snn_engine_input(e, in_c[q], in_a[q]), 0);
		}
		snn_engine_step(e, NULL);
		s = snn_engine_spikes(e, &n);
		*n_spikes += n;
		for (i = 0; i < n; i++)
			h = (h ^ ((uint64_t)t << 24 | (uint64_t)s[i].core << 16 |
				  s[i].neuron)) * 1099511628211ull;
		if (!reference)
			continue;
		/* Dense reference step. */
		/* Events per axon: inputs plus fan-out of last step's spikes. */
		memset(ain, 0, sizeof(ain));
		memset(events, 0, sizeof(events));
		for (q = 0; q < nin; q++)
			events[in_c[q]][in_a[q]]++;
		for (q = 0; q < r->n_fo; q++)
			if (fired_prev[r->fo[q][0]][r->fo[q][1]])
				events[r->fo[q][2]][r->fo[q][3]]++;
		for (k = 0; k < r->n_syn; k++)
			ain[r->syn[k][0]][r->syn[k][2]] += (int64_t)r->syn_w[k] *
				events[r->syn[k][0]][r->syn[k][1]];
		memset(fired, 0, sizeof(fired));
		for (c = 0; c < r->cores; c++)
			for (i = 0; i < r->npc; i++) {
				struct snn_lif_params p;
				int64_t a = ain[c][i];
				int32_t eu = 0, ev = 0;

				if (!r->defined[c][i])
					continue;
				p = r->prof[r->nprof[c][i]];
				if (r->has_bias[c][i])
					p.bias_mant = (int16_t)r->nbias[c][i];
				a = a > INT32_MAX ? INT32_MAX :
				    a < INT32_MIN ? INT32_MIN : a;
				fired[c][i] = snn_lif_update(&p, (int32_t)a,
							     &ru[c][i],
							     &rv[c][i], NULL);
				snn_engine_neuron_state(e, c, i, &eu, &ev);
				if (eu != ru[c][i] || ev != rv[c][i]) {
					printf("# t %u neuron %u.%u: engine u %d v %d, reference u %d v %d\n",
					       t, c, i, eu, ev, ru[c][i],
					       rv[c][i]);
					cur_failed = 1;
					return h;
				}
				if (fired[c][i]) {
					if (m >= n || s[m].core != c ||
					    s[m].neuron != i) {
						printf("# t %u: spike %u.%u missing or out of order\n",
						       t, c, i);
						cur_failed = 1;
						return h;
					}
					m++;
				}
			}
		CHECK_EQ(m, n);
		memcpy(fired_prev, fired, sizeof(fired));
	}
	for (c = 0; c < r->cores; c++)
		for (i = 0; i < r->npc; i++) {
			int32_t u = 0, v = 0;

			if (snn_engine_neuron_state(e, c, i, &u, &v))
				continue;
			h = (h ^ (uint32_t)u) * 1099511628211ull;
			h = (h ^ (uint32_t)v) * 1099511628211ull;
		}
	return h;
}

static struct rnd_net rnet;

static void t_reference(void)
{
	uint64_t seed, ns, total = 0;
	struct snn_engine *e;
	struct snn_net *net;

	for (seed = 1; seed <= 8; seed++) {
		net = rnd_build(&rnet, seed);
		if (!net)
			return;
		e = snn_engine_new(net);
		CHECK(e != NULL);
		if (e)
			rnd_run(&rnet, e, 200, seed * 77, 1, &ns);
		total += ns;
		snn_engine_free(e);
		snn_net_free(net);
	}
	printf("# reference comparison: %llu spikes in 8 x 200 steps\n",
	       (unsigned long long)total);
	CHECK(total > 100);
}

static void t_determinism(void)
{
	struct snn_engine *e1, *e2;
	uint64_t h1, h2, h3, n1, n2, n3;
	struct snn_net *net;

	net = rnd_build(&rnet, 42);
	if (!net)
		return;
	e1 = snn_engine_new(net);
	e2 = snn_engine_new(net);
	CHECK(e1 && e2);
	if (e1 && e2) {
		h1 = rnd_run(&rnet, e1, 500, 4242, 0, &n1);
		h2 = rnd_run(&rnet, e2, 500, 4242, 0, &n2);
		/* Same engine after a reset: same again. */
		snn_engine_reset(e1);
		CHECK_EQ(snn_engine_timestep(e1), 0);
		h3 = rnd_run(&rnet, e1, 500, 4242, 0, &n3);
		CHECK(h1 == h2);
		CHECK(h1 == h3);
		CHECK_EQ(n1, n2);
		CHECK_EQ(n1, n3);
		CHECK(n1 > 0);
	}
	snn_engine_free(e1);
	snn_engine_free(e2);
	snn_net_free(net);
}

static void t_reset(void)
{
	struct snn_net *net = chain_net();
	struct snn_engine *e;
	int32_t u = 0, v = 0;
	size_t n;

	if (!net)
		return;
	e = snn_engine_new(net);
	CHECK(e != NULL);
	if (!e)
		goto out;
	snn_engine_input(e, 0, 0);
	CHECK_EQ(snn_engine_step(e, NULL), 1);
	/* Pending fan-out and staged input are dropped by the reset. */
	snn_engine_input(e, 0, 0);
	snn_engine_reset(e);
	snn_engine_spikes(e, &n);
	CHECK_EQ(n, 0);
	CHECK_EQ(snn_engine_timestep(e), 0);
	snn_engine_neuron_state(e, 0, 0, &u, &v);
	CHECK(u == 0 && v == 0);
	CHECK_EQ(snn_engine_step(e, NULL), 0);
	CHECK_EQ(snn_engine_step(e, NULL), 0);
	snn_engine_free(e);
out:
	snn_net_free(net);
}

static void t_empty_net(void)
{
	struct snn_img_writer *w = snn_img_writer_new(1, 1, 1);
	struct snn_net *net = load_writer(w, &lim_any);
	struct snn_step_stats st;
	struct snn_engine *e;
	struct snn_net_info info;

	if (!net)
		return;
	snn_net_info(net, &info);
	CHECK_EQ(info.neurons, 0);
	CHECK_EQ(info.cores, 1);
	e = snn_engine_new(net);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ(snn_engine_input(e, 0, 0), 0);
		CHECK_EQ(snn_engine_step(e, &st), 0);
		CHECK_EQ(st.neuron_updates, 0);
	}
	snn_engine_free(e);
	snn_net_free(net);
}

/* ---- image validation -------------------------------------------------- */

/*
 * The base image (limits lim_small: 4 cores, 16 neurons, 8 axons,
 * 8 synapses and 4 fan-out per core, 4 profiles, 2 out queues):
 *   header              0
 *   profile 0           64   du 100 dv 200 vth 1000 bias 0/0
 *   profile 1           80   du 4095 dv 4095 vth 0 bias 5/-2
 *   neuron 0 (0.0)      96   OUT q1, profile 0
 *   neuron 1 (0.5)      104  profile 1
 *   neuron 2 (1.3)      112  BIAS -7, profile 0
 *   neuron 3 (1.15)     120  OUT q0 BIAS 4095, profile 1
 *   synapse 0           128  0.0 -> 0 w 10
 *   synapse 1           136  0.7 -> 5 w -128
 *   synapse 2           144  1.2 -> 3 w 127
 *   synapse 3           152  1.2 -> 15 w 1
 *   fanout 0            160  0.0 -> 1.2
 *   fanout 1            168  1.15 -> 0.7
 *   length              176
 */
static uint8_t *base_image(size_t *len)
{
	struct snn_img_writer *w = snn_img_writer_new(2, 16, 8);
	uint8_t *img;

	snn_img_add_profile(w, 100, 200, 1000, 0, 0);
	snn_img_add_profile(w, 4095, 4095, 0, 5, -2);
	snn_img_add_neuron(w, 0, 0, 0, SNN_NEURON_OUT, 1, 0);
	snn_img_add_neuron(w, 0, 5, 1, 0, 0, 0);
	snn_img_add_neuron(w, 1, 3, 0, SNN_NEURON_BIAS, 0, -7);
	snn_img_add_neuron(w, 1, 15, 1, SNN_NEURON_OUT | SNN_NEURON_BIAS, 0,
			   4095);
	snn_img_add_synapse(w, 0, 0, 0, 10);
	snn_img_add_synapse(w, 0, 7, 5, -128);
	snn_img_add_synapse(w, 1, 2, 3, 127);
	snn_img_add_synapse(w, 1, 2, 15, 1);
	snn_img_add_fanout(w, 0, 0, 1, 2);
	snn_img_add_fanout(w, 1, 15, 0, 7);
	img = snn_img_writer_build(w, len);
	snn_img_writer_free(w);
	return img;
}

static void put_le(uint8_t *p, unsigned int width, uint32_t x)
{
	unsigned int i;

	for (i = 0; i < width; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

struct img_case {
	const char *name;
	int off;		/* byte to patch, -1: none */
	unsigned int width;
	uint32_t value;
	long len;		/* length to pass, -1: the image's; -2: +1 */
	const struct snn_limits *lim;	/* NULL: lim_small */
	uint32_t code, eoff;
	const char *msg;	/* expected substring of err.msg, or NULL */
};

#define W32(x)	((uint32_t)(x))

static const struct img_case img_cases[] = {
	{ "valid base image", -1, 0, 0, -1, NULL, SNN_E_NONE, 0, NULL },
	{ "bad magic", 0, 4, 0x12345678, -1, NULL, SNN_E_IMG_MAGIC, 0,
	  "magic" },
	{ "version 2", 4, 2, 2, -1, NULL, SNN_E_IMG_VERSION, 4, "version" },
	{ "header size 72", 6, 2, 72, -1, NULL, SNN_E_IMG_VERSION, 6,
	  "header size" },
	{ "empty image", -1, 0, 0, 0, NULL, SNN_E_IMG_LENGTH, 64, NULL },
	{ "truncated header", -1, 0, 0, 10, NULL, SNN_E_IMG_LENGTH, 64,
	  "shorter than the 64-byte header" },
	{ "one byte short", -1, 0, 0, 175, NULL, SNN_E_IMG_LENGTH, 176,
	  "175 bytes" },
	{ "one byte long", -1, 0, 0, -2, NULL, SNN_E_IMG_LENGTH, 176,
	  "177 bytes" },
	/* n_neurons 5 (fits 2 x 16): 64 + 32 + 8 * (5 + 4 + 2) = 184 */
	{ "count/length mismatch", 16, 4, 5, -1, NULL, SNN_E_IMG_LENGTH, 184,
	  "describes 184" },
	{ "n_cores 0", 8, 2, 0, -1, NULL, SNN_E_IMG_RANGE, 8, "n_cores" },
	{ "n_cores 257", 8, 2, 257, -1, &lim_any, SNN_E_IMG_RANGE, 8, NULL },
	{ "n_cores over limit", 8, 2, 5, -1, NULL, SNN_E_IMG_CAPACITY, 8,
	  "exceeds the cluster's 4 cores" },
	{ "neurons_per_core 0", 10, 2, 0, -1, NULL, SNN_E_IMG_RANGE, 10,
	  NULL },
	{ "neurons_per_core over limit", 10, 2, 17, -1, NULL,
	  SNN_E_IMG_CAPACITY, 10, NULL },
	{ "axons_per_core 0", 12, 2, 0, -1, NULL, SNN_E_IMG_RANGE, 12, NULL },
	{ "axons_per_core over limit", 12, 2, 9, -1, NULL, SNN_E_IMG_CAPACITY,
	  12, NULL },
	{ "n_profiles 257", 14, 2, 257, -1, &lim_any, SNN_E_IMG_RANGE, 14,
	  NULL },
	{ "n_profiles over limit", 14, 2, 5, -1, NULL, SNN_E_IMG_CAPACITY, 14,
	  NULL },
	{ "n_neurons over geometry", 16, 4, 33, -1, NULL, SNN_E_IMG_CAPACITY,
	  16, NULL },
	{ "hostile n_neurons", 16, 4, 0xffffffff, -1, &lim_any,
	  SNN_E_IMG_CAPACITY, 16, NULL },
	{ "hostile n_synapses", 20, 4, 0xffffffff, -1, NULL,
	  SNN_E_IMG_CAPACITY, 20, NULL },
	{ "hostile n_fanout", 24, 4, 0xffffffff, -1, NULL, SNN_E_IMG_CAPACITY,
	  24, NULL },
	/* 64 + 32 + 8 * (4 + 0xffffffff + 2) > 2^32: offset saturates. */
	{ "hostile n_synapses, no limit", 20, 4, 0xffffffff, -1, &lim_any,
	  SNN_E_IMG_LENGTH, 0xffffffff, "maximum" },
	/* 64 + 32 + 8 * (4 + 9000000 + 2) = 72000144 > 64 MiB */
	{ "image over 64 MiB", 20, 4, 9000000, -1, &lim_any, SNN_E_IMG_LENGTH,
	  72000144, "maximum" },
	{ "header flags", 28, 4, 1, -1, NULL, SNN_E_IMG_RESERVED, 28, NULL },
	{ "header reserved byte 32", 32, 1, 1, -1, NULL, SNN_E_IMG_RESERVED,
	  32, NULL },
	{ "header reserved byte 63", 63, 1, 0x80, -1, NULL,
	  SNN_E_IMG_RESERVED, 63, NULL },
	{ "profile du 4096", 64, 2, 4096, -1, NULL, SNN_E_IMG_RANGE, 64,
	  "profile 0: du 4096" },
	{ "profile dv 4096", 66, 2, 4096, -1, NULL, SNN_E_IMG_RANGE, 66, NULL },
	{ "profile vth 131072", 68, 4, 131072, -1, NULL, SNN_E_IMG_RANGE, 68,
	  NULL },
	{ "profile bias_mant 4096", 72, 2, 4096, -1, NULL, SNN_E_IMG_RANGE, 72,
	  NULL },
	{ "profile bias_mant -4097", 72, 2, W32(-4097), -1, NULL,
	  SNN_E_IMG_RANGE, 72, "-4097" },
	{ "profile bias_exp 8", 74, 1, 8, -1, NULL, SNN_E_IMG_RANGE, 74, NULL },
	{ "profile bias_exp -8", 74, 1, 0xf8, -1, NULL, SNN_E_IMG_RANGE, 74,
	  NULL },
	{ "profile reserved byte", 91, 1, 1, -1, NULL, SNN_E_IMG_RESERVED, 91,
	  "profile 1" },
	{ "profile reserved word", 94, 1, 1, -1, NULL, SNN_E_IMG_RESERVED, 92,
	  NULL },
	{ "neuron core", 104, 1, 2, -1, NULL, SNN_E_IMG_RANGE, 104,
	  "neuron 1: core 2 >= n_cores 2" },
	{ "neuron profile undefined", 105, 1, 2, -1, NULL, SNN_E_IMG_UNDEFINED,
	  105, NULL },
	{ "neuron index", 106, 2, 16, -1, NULL, SNN_E_IMG_RANGE, 106, NULL },
	{ "neuron unknown flag", 108, 1, 0x04, -1, NULL, SNN_E_IMG_RESERVED,
	  108, NULL },
	{ "neuron outq >= out_queues", 101, 1, 2, -1, NULL, SNN_E_IMG_RANGE,
	  101, NULL },
	{ "neuron outq without OUT", 109, 1, 1, -1, NULL, SNN_E_IMG_RESERVED,
	  109, NULL },
	{ "neuron bias without BIAS", 110, 2, 3, -1, NULL, SNN_E_IMG_RESERVED,
	  110, NULL },
	{ "neuron bias_mant 4096", 118, 2, 4096, -1, NULL, SNN_E_IMG_RANGE,
	  118, NULL },
	{ "neuron bias_mant -4097", 126, 2, W32(-4097), -1, NULL,
	  SNN_E_IMG_RANGE, 126, NULL },
	/* neuron 3 becomes 1.3, which neuron 2 already is */
	{ "duplicate neuron", 122, 2, 3, -1, NULL, SNN_E_IMG_DUPLICATE, 120,
	  "neuron 3: core 1 neuron 3 is already defined" },
	{ "synapse core", 128, 1, 2, -1, NULL, SNN_E_IMG_RANGE, 128, NULL },
	{ "synapse reserved byte 1", 129, 1, 1, -1, NULL, SNN_E_IMG_RESERVED,
	  129, NULL },
	{ "synapse axon", 130, 2, 8, -1, NULL, SNN_E_IMG_RANGE, 130, NULL },
	{ "synapse neuron out of range", 132, 2, 16, -1, NULL, SNN_E_IMG_RANGE,
	  132, NULL },
	{ "synapse neuron undefined", 148, 2, 4, -1, NULL, SNN_E_IMG_UNDEFINED,
	  148, "synapse 2: neuron 4 not defined on core 1" },
	{ "synapse reserved byte 7", 135, 1, 1, -1, NULL, SNN_E_IMG_RESERVED,
	  135, NULL },
	{ "fanout source core", 160, 1, 2, -1, NULL, SNN_E_IMG_RANGE, 160,
	  NULL },
	{ "fanout destination core", 161, 1, 2, -1, NULL, SNN_E_IMG_RANGE, 161,
	  NULL },
	{ "fanout source neuron out of range", 170, 2, 16, -1, NULL,
	  SNN_E_IMG_RANGE, 170, NULL },
	{ "fanout source neuron undefined", 162, 2, 1, -1, NULL,
	  SNN_E_IMG_UNDEFINED, 162, "fanout 0: source neuron 1 not defined" },
	{ "fanout destination axon", 164, 2, 8, -1, NULL, SNN_E_IMG_RANGE, 164,
	  NULL },
	{ "fanout reserved", 166, 2, 1, -1, NULL, SNN_E_IMG_RESERVED, 166,
	  NULL },
};

static void run_img_case(const struct img_case *c)
{
	struct snn_img_error err;
	struct snn_net *net = NULL;
	size_t len, use;
	uint8_t *img = base_image(&len), *buf;
	int ret;

	CHECK(img != NULL);
	if (!img)
		return;
	CHECK_EQ(len, 176);
	buf = calloc(1, len + 16);
	if (!buf) {
		free(img);
		cur_failed = 1;
		return;
	}
	memcpy(buf, img, len);
	free(img);
	if (c->off >= 0)
		put_le(buf + c->off, c->width, c->value);
	use = c->len == -1 ? len : c->len == -2 ? len + 1 : (size_t)c->len;
	/* An exactly sized copy so ASan sees any read past the end. */
	img = malloc(use ? use : 1);
	if (!img) {
		free(buf);
		cur_failed = 1;
		return;
	}
	memcpy(img, buf, use);
	ret = snn_net_load(img, use, c->lim ? c->lim : &lim_small, &net, &err);
	if (c->code == SNN_E_NONE) {
		CHECK_EQ(ret, 0);
		CHECK(net != NULL);
		if (ret)
			printf("# %s\n", err.msg);
	} else {
		CHECK_EQ(ret, -1);
		CHECK(net == NULL);
		if (err.code != c->code)
			printf("# got %s, expected %s\n",
			       snn_img_error_name(err.code),
			       snn_img_error_name(c->code));
		CHECK_EQ(err.code, c->code);
		CHECK_EQ(err.offset, c->eoff);
		CHECK(err.msg[0] != 0);
		if (c->msg && !strstr(err.msg, c->msg)) {
			printf("# message \"%s\" lacks \"%s\"\n", err.msg,
			       c->msg);
			cur_failed = 1;
		}
	}
	printf("# %s\n", ret ? err.msg : "loaded");
	snn_net_free(net);
	free(img);
	free(buf);
}

static void t_capacity_synapses(void)
{
	struct snn_img_writer *w = snn_img_writer_new(2, 4, 4);
	struct snn_img_error err;
	struct snn_net *net;
	size_t len;
	void *img;
	int i;

	snn_img_add_profile(w, 0, 0, 0, 0, 0);
	snn_img_add_neuron(w, 0, 0, 0, 0, 0, 0);
	snn_img_add_neuron(w, 1, 0, 0, 0, 0, 0);
	/*
	 * 8 synapses per core allowed, 16 in all.  Entries 0..13 alternate
	 * core 0 and core 1, entries 14 and 15 are core 0: its 9th is
	 * entry 15 at 64 + 16 + 2 * 8 + 15 * 8 = 216.
	 */
	for (i = 0; i < 7; i++) {
		snn_img_add_synapse(w, 0, 1, 0, 1);
		snn_img_add_synapse(w, 1, 1, 0, 1);
	}
	snn_img_add_synapse(w, 0, 2, 0, 1);
	snn_img_add_synapse(w, 0, 3, 0, -1);
	img = snn_img_writer_build(w, &len);
	snn_img_writer_free(w);
	CHECK_EQ(snn_net_load(img, len, &lim_small, &net, &err), -1);
	CHECK_EQ(err.code, SNN_E_IMG_CAPACITY);
	CHECK_EQ(err.offset, 216);
	CHECK(!SNN_NET_LOAD_NOMEM(&err));
	CHECK(strstr(err.msg, "synapse 15: core 0 has more than 8") != NULL);
	printf("# %s\n", err.msg);
	free(img);
}

static void t_capacity_fanout(void)
{
	struct snn_img_writer *w = snn_img_writer_new(2, 4, 4);
	struct snn_img_error err;
	struct snn_net *net;
	size_t len;
	void *img;
	int i;

	snn_img_add_profile(w, 0, 0, 0, 0, 0);
	snn_img_add_neuron(w, 0, 0, 0, 0, 0, 0);
	snn_img_add_neuron(w, 1, 2, 0, 0, 0, 0);
	/*
	 * 4 fan-out entries per source core, 8 in all.  Entries 0..5
	 * alternate core 0 and core 1, entries 6 and 7 are core 0: its 5th
	 * is entry 7 at 64 + 16 + 2 * 8 + 7 * 8 = 152.
	 */
	for (i = 0; i < 3; i++) {
		snn_img_add_fanout(w, 0, 0, 1, 3);
		snn_img_add_fanout(w, 1, 2, 0, 3);
	}
	snn_img_add_fanout(w, 0, 0, 1, 2);
	snn_img_add_fanout(w, 0, 0, 0, 1);
	img = snn_img_writer_build(w, &len);
	snn_img_writer_free(w);
	CHECK_EQ(snn_net_load(img, len, &lim_small, &net, &err), -1);
	CHECK_EQ(err.code, SNN_E_IMG_CAPACITY);
	CHECK_EQ(err.offset, 152);
	CHECK(strstr(err.msg, "fanout 7: core 0 has more than 4") != NULL);
	printf("# %s\n", err.msg);
	free(img);
}

static void t_locate(void)
{
	size_t len;
	uint8_t *img = base_image(&len);
	uint32_t idx;

	if (!img) {
		cur_failed = 1;
		return;
	}
	CHECK_EQ(snn_img_locate(img, len, 20, &idx), SNN_IMG_SEC_HEADER);
	CHECK_EQ(snn_img_locate(img, len, 91, &idx), SNN_IMG_SEC_PROFILE);
	CHECK_EQ(idx, 1);
	CHECK_EQ(snn_img_locate(img, len, 120, &idx), SNN_IMG_SEC_NEURON);
	CHECK_EQ(idx, 3);
	CHECK_EQ(snn_img_locate(img, len, 148, &idx), SNN_IMG_SEC_SYNAPSE);
	CHECK_EQ(idx, 2);
	CHECK_EQ(snn_img_locate(img, len, 175, &idx), SNN_IMG_SEC_FANOUT);
	CHECK_EQ(idx, 1);
	CHECK_EQ(snn_img_locate(img, len, 176, &idx), SNN_IMG_SEC_NONE);
	CHECK(strcmp(snn_img_error_name(SNN_E_IMG_DUPLICATE),
		     "SNN_E_IMG_DUPLICATE") == 0);
	CHECK(strcmp(snn_img_error_name(999), "SNN_E_?") == 0);
	/* The writer refuses values that do not fit their fields. */
	{
		struct snn_img_writer *w = snn_img_writer_new(1, 1, 1);

		CHECK(snn_img_writer_new(0x10000, 1, 1) == NULL);
		CHECK_EQ(snn_img_add_synapse(w, 0, 0, 0, 128), -1);
		CHECK_EQ(snn_img_add_synapse(w, 256, 0, 0, 0), -1);
		CHECK_EQ(snn_img_add_neuron(w, 0, 0x10000, 0, 0, 0, 0), -1);
		CHECK_EQ(snn_img_add_profile(w, 0, 0, 0, 0, 128), -1);
		CHECK_EQ(snn_img_add_synapse(w, 0, 0, 0, -128), 0);
		snn_img_writer_free(w);
	}
	free(img);
}

static void t_alloc_failure(void)
{
	struct snn_img_error err;
	struct snn_net *net;
	struct snn_engine *e;
	size_t len;
	uint8_t *img = base_image(&len);
	long k;
	int ok = 0;

	if (!img) {
		cur_failed = 1;
		return;
	}
	for (k = 0; k < 100 && !ok; k++) {
		alloc_count = 0;
		fail_at = k;
		if (snn_net_load(img, len, &lim_small, &net, &err) == 0) {
			ok = 1;
			CHECK(alloc_count <= k);	/* no failure hit */
			break;
		}
		CHECK(net == NULL);
		CHECK_EQ(err.code, SNN_E_IMG_CAPACITY);
		CHECK_EQ(err.offset, 0);
		CHECK(SNN_NET_LOAD_NOMEM(&err));
	}
	CHECK(ok);
	printf("# load: %ld allocations each failed once\n", k);
	for (k = 0, ok = 0; k < 100 && !ok; k++) {
		alloc_count = 0;
		fail_at = k;
		e = snn_engine_new(net);
		if (e) {
			ok = 1;
			snn_engine_free(e);
			break;
		}
	}
	fail_at = -1;
	CHECK(ok);
	printf("# engine: %ld allocations each failed once\n", k);
	snn_net_free(net);
	free(img);
}

/*
 * Mutate a valid image at random (fixed seed) and load it: must never
 * crash, read out of bounds (ASan) or leak; loaded networks are run.
 */
static void t_fuzz(void)
{
	size_t blen, len, i;
	uint8_t *base = NULL, *img;
	struct snn_img_writer *w;
	unsigned int it, nmut, m, loaded = 0, codes[SNN_E_NUM] = { 0 };
	struct rnd_net *r = &rnet;

	/* A richer base: the random network's image. */
	snn_net_free(rnd_build(r, 7));
	w = snn_img_writer_new(r->cores, r->npc, r->apc);
	for (i = 0; i < r->n_prof; i++)
		snn_img_add_profile(w, r->prof[i].du, r->prof[i].dv,
				    r->prof[i].vth, r->prof[i].bias_mant,
				    r->prof[i].bias_exp);
	for (i = 0; i < 64; i++)
		snn_img_add_neuron(w, (unsigned int)i % 4, (unsigned int)i,
				   (unsigned int)i % 4,
				   i % 3 ? SNN_NEURON_OUT : SNN_NEURON_BIAS,
				   0, i % 3 ? 0 : 40);
	for (i = 0; i < 200; i++)
		snn_img_add_synapse(w, (unsigned int)i % 4,
				    (unsigned int)(i * 7) % 32,
				    (unsigned int)((i * 13) % 16) * 4 +
				    (unsigned int)i % 4,
				    (int)(i * 37 % 256) - 128);
	for (i = 0; i < 64; i++)
		snn_img_add_fanout(w, (unsigned int)i % 4, (unsigned int)i,
				   (unsigned int)(i / 4) % 4,
				   (unsigned int)(i * 5) % 32);
	base = snn_img_writer_build(w, &blen);
	snn_img_writer_free(w);
	if (!base) {
		cur_failed = 1;
		return;
	}
	rng_seed(20000);
	for (it = 0; it < 20000; it++) {
		struct snn_img_error err;
		struct snn_net *net;
		const struct snn_limits *lim = rng_below(2) ? &lim_any :
					       &lim_fuzz;

		len = blen;
		nmut = 1 + rng_below(3);
		img = malloc(blen + 64);
		if (!img) {
			cur_failed = 1;
			break;
		}
		memcpy(img, base, blen);
		for (m = 0; m < nmut; m++) {
			switch (rng_below(6)) {
			case 0:		/* random byte */
				img[rng_below((uint32_t)len)] = (uint8_t)rng();
				break;
			case 1:		/* bit flip */
				img[rng_below((uint32_t)len)] ^=
					(uint8_t)(1u << rng_below(8));
				break;
			case 2:		/* header count or geometry field */
				put_le(img + 8 + 2 * rng_below(10), 2, rng());
				break;
			case 3:		/* truncate */
				len = rng_below((uint32_t)len + 1);
				break;
			case 4:		/* extend with garbage */
				for (i = len; i < blen + 64; i++)
					img[i] = (uint8_t)rng();
				len += rng_below((uint32_t)(blen + 64 - len) + 1);
				break;
			default:	/* a small value in the records */
				if (len > 64)
					img[64 + rng_below((uint32_t)len - 64)] =
						(uint8_t)rng_below(4);
				break;
			}
		}
		/* Exact-size copy: ASan catches any read past len. */
		{
			uint8_t *exact = malloc(len ? len : 1);

			if (!exact) {
				free(img);
				cur_failed = 1;
				break;
			}
			memcpy(exact, img, len);
			free(img);
			img = exact;
		}
		if (snn_net_load(img, len, lim, &net, &err) == 0) {
			struct snn_engine *e = snn_engine_new(net);
			unsigned int t, q;

			loaded++;
			CHECK(e != NULL);
			for (t = 0; e && t < 4; t++) {
				const struct snn_spike *s;
				size_t n, j;

				for (q = 0; q < 8; q++)
					snn_engine_input(e, rng_below(6),
							 rng_below(70000));
				snn_engine_step(e, NULL);
				s = snn_engine_spikes(e, &n);
				for (j = 1; j < n; j++)
					CHECK((s[j - 1].core << 16 |
					       s[j - 1].neuron) <
					      (s[j].core << 16 | s[j].neuron));
			}
			snn_engine_free(e);
			snn_net_free(net);
		} else {
			CHECK(net == NULL);
			CHECK(err.code >= SNN_E_IMG_MAGIC &&
			      err.code <= SNN_E_IMG_RESERVED);
			CHECK(err.msg[0] != 0);
			if (err.code != SNN_E_IMG_LENGTH &&
			    err.code != SNN_E_IMG_CAPACITY)
				CHECK(err.offset < len);
			CHECK(!SNN_NET_LOAD_NOMEM(&err));
			if (err.code < SNN_E_NUM)
				codes[err.code]++;
		}
		free(img);
		if (cur_failed) {
			printf("# failed at iteration %u\n", it);
			break;
		}
	}
	printf("# fuzz: %u loaded; rejected: magic %u version %u length %u range %u capacity %u duplicate %u undefined %u reserved %u\n",
	       loaded, codes[1], codes[2], codes[3], codes[4], codes[5],
	       codes[6], codes[7], codes[8]);
	CHECK(loaded > 0);
	free(base);
}

/* ---- main -------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "lif: u decay rounds toward zero", t_lif_u_decay },
	{ "lif: du 4095, dv 0, dv 4095", t_lif_decay_edges },
	{ "lif: u wraps above 2^23 and at -2^23", t_lif_u_wrap },
	{ "lif: v clips to +-(2^23 - 1)", t_lif_v_clip },
	{ "lif: effective bias", t_lif_bias },
	{ "lif: threshold is v > vth << 6", t_lif_threshold },
	{ "lif: v resets to 0 after a spike, u does not", t_lif_reset },
	{ "lif: a_in saturates to 16 bits", t_lif_ain_saturation },
	{ "engine: spike at t reaches fan-out target at t+1",
	  t_fanout_next_step },
	{ "engine: input staged for t acts at t", t_input_same_step },
	{ "engine: input and state range checks", t_input_range },
	{ "engine: quiescent neurons cost no updates", t_quiescent },
	{ "engine: a_in exact sum, then saturation", t_engine_ain_saturation },
	{ "engine: spikes sorted by core, neuron", t_spike_order },
	{ "engine: matches a dense reference simulation", t_reference },
	{ "engine: deterministic, also after reset", t_determinism },
	{ "engine: reset drops state and pending input", t_reset },
	{ "engine: network without neurons", t_empty_net },
	{ "img: per-core synapse capacity", t_capacity_synapses },
	{ "img: per-core fan-out capacity", t_capacity_fanout },
	{ "img: locate offsets, error names, writer limits", t_locate },
	{ "img: allocation failures are clean", t_alloc_failure },
	{ "img: 20000 random mutations", t_fuzz },
};

int main(void)
{
	unsigned int i;
	unsigned int n_img = sizeof(img_cases) / sizeof(img_cases[0]);
	unsigned int n_fn = sizeof(tests) / sizeof(tests[0]);
	char name[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%u\n", n_fn + n_img);
	for (i = 0; i < n_fn; i++) {
		tests[i].fn();
		report(tests[i].name);
	}
	for (i = 0; i < n_img; i++) {
		run_img_case(&img_cases[i]);
		snprintf(name, sizeof(name), "img: %s", img_cases[i].name);
		report(name);
	}
	printf("# %u passed, %u failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
