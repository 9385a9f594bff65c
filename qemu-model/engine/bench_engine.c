/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Neuron engine microbenchmark (make bench-engine).  Not a test: it only
 * prints figures.
 *
 * Network: 8 cores x 1024 neurons; per core 1024 input axons with 64
 * synapses each to random neurons of the same core, random weights in
 * -128..127 (fixed seed), no fan-out, so the input alone sets the load.
 * Activity p: each step round(p * 8192) distinct random axons receive an
 * input event.  The input patterns are generated before timing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snn_hw.h"
#include "snn_engine.h"
#include "snn_img_write.h"

#define CORES		8
#define NEURONS		1024
#define AXONS		1024
#define SYN_PER_AXON	64
#define PATTERNS	64
#define MIN_STEPS	20
#define MIN_SECONDS	0.4

static uint64_t rng_state = 1;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct snn_net *build(void)
{
	static const struct snn_limits lim = {
		.cores = CORES, .neurons_per_core = NEURONS,
		.axons_per_core = AXONS,
		.synapses_per_core = AXONS * SYN_PER_AXON,
		.fanout_per_core = 0, .profiles = 1, .out_queues = 1,
	};
	struct snn_img_writer *w = snn_img_writer_new(CORES, NEURONS, AXONS);
	struct snn_img_error err;
	struct snn_net *net = NULL;
	unsigned int c, i, k;
	size_t len;
	void *img;

	if (!w)
		return NULL;
	/* du 1023, dv 1024: 25 % decay a step; vth 1000 (64000). */
	snn_img_add_profile(w, 1023, 1024, 1000, 0, 0);
	for (c = 0; c < CORES; c++)
		for (i = 0; i < NEURONS; i++)
			snn_img_add_neuron(w, c, i, 0, SNN_NEURON_OUT, 0, 0);
	for (c = 0; c < CORES; c++)
		for (i = 0; i < AXONS; i++)
			for (k = 0; k < SYN_PER_AXON; k++)
				snn_img_add_synapse(w, c, i, rng() % NEURONS,
						    (int)(rng() % 256) - 128);
	img = snn_img_writer_build(w, &len);
	snn_img_writer_free(w);
	if (!img)
		return NULL;
	if (snn_net_load(img, len, &lim, &net, &err))
		fprintf(stderr, "bench: load failed: %s\n", err.msg);
	free(img);
	return net;
}

struct result {
	double ns_per_step;
	double syn_per_s, upd_per_s;
	double upd_per_step, syn_per_step, spk_per_step;
};

static int run(struct snn_net *net, double activity, struct result *r)
{
	uint32_t all = CORES * AXONS, per = (uint32_t)(activity * all + 0.5);
	uint32_t *perm, *pat, p, i, j, x;
	struct snn_engine *e;
	struct snn_step_stats st;
	uint64_t steps = 0, syn = 0, upd = 0, spk = 0;
	double t0, t1;

	perm = malloc(sizeof(*perm) * all);
	pat = malloc(sizeof(*pat) * ((size_t)per * PATTERNS + 1));
	e = snn_engine_new(net);
	if (!perm || !pat || !e) {
		free(perm);
		free(pat);
		snn_engine_free(e);
		return -1;
	}
	for (i = 0; i < all; i++)
		perm[i] = i;
	for (p = 0; p < PATTERNS; p++)		/* partial Fisher-Yates */
		for (i = 0; i < per; i++) {
			j = i + rng() % (all - i);
			x = perm[i];
			perm[i] = perm[j];
			perm[j] = x;
			pat[p * per + i] = perm[i];
		}

	/* Warm up, then time whole batches of PATTERNS steps. */
	for (p = 0; p < PATTERNS; p++) {
		for (i = 0; i < per; i++)
			snn_engine_input(e, pat[p * per + i] / AXONS,
					 pat[p * per + i] % AXONS);
		snn_engine_step(e, NULL);
	}
	t0 = now();
	do {
		for (p = 0; p < PATTERNS; p++) {
			const uint32_t *q = pat + (size_t)p * per;

			for (i = 0; i < per; i++)
				snn_engine_input(e, q[i] / AXONS, q[i] % AXONS);
			snn_engine_step(e, &st);
			syn += st.syn_ops;
			upd += st.neuron_updates;
			spk += st.spikes;
			steps++;
		}
		t1 = now();
	} while (steps < MIN_STEPS || t1 - t0 < MIN_SECONDS);

	r->ns_per_step = (t1 - t0) * 1e9 / (double)steps;
	r->syn_per_s = (double)syn / (t1 - t0);
	r->upd_per_s = (double)upd / (t1 - t0);
	r->syn_per_step = (double)syn / (double)steps;
	r->upd_per_step = (double)upd / (double)steps;
	r->spk_per_step = (double)spk / (double)steps;
	snn_engine_free(e);
	free(perm);
	free(pat);
	return 0;
}

int main(void)
{
	static const double act[] = { 0.0, 0.01, 0.10, 1.0 };
	struct result r[4];
	struct snn_net *net;
	unsigned int i;

	net = build();
	if (!net) {
		fprintf(stderr, "bench: cannot build the network\n");
		return 1;
	}
	printf("snndev neuron engine benchmark: %u cores x %u neurons, %u axons x %u synapses per core (%u synapses), seed 1\n",
	       CORES, NEURONS, AXONS, SYN_PER_AXON,
	       CORES * AXONS * SYN_PER_AXON);
	printf("%8s %12s %14s %16s %12s %12s %11s\n", "activity", "us/step",
	       "syn events/s", "neuron upd/s", "events/step", "updates/step",
	       "spikes/step");
	for (i = 0; i < 4; i++) {
		if (run(net, act[i], &r[i])) {
			fprintf(stderr, "bench: out of memory\n");
			snn_net_free(net);
			return 1;
		}
		printf("%7.0f%% %12.2f %14.3e %16.3e %12.0f %12.0f %11.1f\n",
		       act[i] * 100, r[i].ns_per_step / 1e3, r[i].syn_per_s,
		       r[i].upd_per_s, r[i].syn_per_step, r[i].upd_per_step,
		       r[i].spk_per_step);
	}
	printf("cost per step at 10%% vs 100%% activity: %.2f us vs %.2f us = %.3f (synaptic events %.3f, neuron updates %.3f)\n",
	       r[2].ns_per_step / 1e3, r[3].ns_per_step / 1e3,
	       r[2].ns_per_step / r[3].ns_per_step,
	       r[2].syn_per_step / r[3].syn_per_step,
	       r[2].upd_per_step / r[3].upd_per_step);
	snn_net_free(net);
	return 0;
}
