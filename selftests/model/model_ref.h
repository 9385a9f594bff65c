/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference side of the tests that check the board's spikes bit for
 * bit (model_dma_test, model_usb_test, selftests/driver/load_sg_test):
 * a seeded random network image, seeded random input, and the same engine
 * as the model's (qemu-model/engine/) run in the test process.  Link with
 * the engine sources (GUEST_ENGINE_SRCS in selftests.mk).
 */
#ifndef MODEL_REF_H
#define MODEL_REF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "snn_hw.h"
#include "snn_engine.h"
#include "snn_img_write.h"

#define MODEL_REF_UNUSED __attribute__((unused))

/*
 * A network image of @cores x @neurons (every neuron OUT to queue 0, two
 * profiles alternating), 6 synapses per input axon to random neurons,
 * a fan-out from every third neuron; the same for the same @seed.
 */
static MODEL_REF_UNUSED void *model_ref_net(unsigned int seed,
					    unsigned int cores,
					    unsigned int neurons,
					    unsigned int axons, size_t *len)
{
	struct snn_img_writer *w = snn_img_writer_new(cores, neurons, axons);
	unsigned int c, n, a, k;
	void *img;

	srand(seed);
	snn_img_add_profile(w, 410, 205, 10, 0, 0);
	snn_img_add_profile(w, 4095, 0, 40, 3, 2);
	for (c = 0; c < cores; c++) {
		for (n = 0; n < neurons; n++)
			snn_img_add_neuron(w, c, n, n & 1, SNN_NEURON_OUT, 0,
					   0);
		for (a = 0; a < axons; a++)
			for (k = 0; k < 6; k++)
				snn_img_add_synapse(w, c, a, rand() % neurons,
						    rand() % 200 - 60);
		for (n = 0; n < neurons; n += 3)
			snn_img_add_fanout(w, c, n, rand() % cores,
					   rand() % axons);
	}
	img = snn_img_writer_build(w, len);
	snn_img_writer_free(w);
	return img;
}

/* @n random input events spread over @steps timesteps, sorted. */
static MODEL_REF_UNUSED size_t model_ref_input(uint64_t *ev, size_t n,
					       unsigned int steps,
					       unsigned int cores,
					       unsigned int axons)
{
	size_t i;

	for (i = 0; i < n; i++)
		ev[i] = SNN_EV_MAKE(i * steps / n, rand() % cores,
				    rand() % axons);
	return n;
}

/*
 * Run @img for @steps timesteps with the sorted input @in and hand every
 * OUT spike, as an output event, to @emit in the board's order.  0, or
 * -1 (with a message on stderr) if the image does not load.
 */
static MODEL_REF_UNUSED int model_ref_run(const void *img, size_t len,
					  const uint64_t *in, size_t nin,
					  unsigned int steps,
					  void (*emit)(void *ctx, uint64_t ev),
					  void *ctx)
{
	struct snn_limits lim = { 256, 65535, 65535, 1u << 24, 1u << 20, 256,
				  8 };
	struct snn_img_error err;
	struct snn_net *net;
	struct snn_engine *e;
	size_t i = 0, ns, k;
	unsigned int t;

	if (snn_net_load(img, len, &lim, &net, &err)) {
		fprintf(stderr, "# reference: %s\n", err.msg);
		return -1;
	}
	e = snn_engine_new(net);
	if (!e) {
		snn_net_free(net);
		return -1;
	}
	for (t = 0; t < steps; t++) {
		const struct snn_spike *sp;

		while (i < nin && SNN_EV_TIMESTEP(in[i]) <= t) {
			snn_engine_input(e, SNN_EV_CORE(in[i]),
					 SNN_EV_INDEX(in[i]));
			i++;
		}
		snn_engine_step(e, NULL);
		sp = snn_engine_spikes(e, &ns);
		for (k = 0; k < ns; k++)
			if (sp[k].flags & SNN_NEURON_OUT)
				emit(ctx, SNN_EV_MAKE(t, sp[k].core,
						      sp[k].neuron));
	}
	snn_engine_free(e);
	snn_net_free(net);
	return 0;
}

/* An output array for model_ref_run(): at most @max events kept. */
struct model_ref_out {
	uint64_t *ev;
	size_t n, max;
};

static MODEL_REF_UNUSED void model_ref_emit(void *ctx, uint64_t ev)
{
	struct model_ref_out *o = ctx;

	if (o->n < o->max)
		o->ev[o->n++] = ev;
}

/* model_ref_run() into @out[0..max): the number of events, or -1. */
static MODEL_REF_UNUSED size_t model_ref_spikes(const void *img, size_t len,
						const uint64_t *in, size_t nin,
						unsigned int steps,
						uint64_t *out, size_t max)
{
	struct model_ref_out o = { out, 0, max };

	if (model_ref_run(img, len, in, nin, steps, model_ref_emit, &o))
		return (size_t)-1;
	return o.n;
}

#endif /* MODEL_REF_H */
