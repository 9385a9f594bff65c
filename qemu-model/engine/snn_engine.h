/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev neuron engine: a bit-accurate, event-driven CUBA LIF simulator of
 * one neuron-core cluster.  Plain C99, no QEMU dependency: it is built into
 * the QEMU board model and into the host tools (snn-sim, tests, bench).
 *
 * Semantics (docs/hardware.md, "Execution"):
 *  - snn_engine_input() stages an input event for the timestep about to run:
 *    its synapses contribute to a_in of this timestep's neuron update.
 *  - snn_engine_step() updates every neuron that is not quiescent, fires
 *    spikes, and delivers each spike through the neuron's fan-out to input
 *    axons, where it contributes to a_in of the *next* timestep (as in Lava).
 *  - A neuron with u == v == 0, no bias and no input costs nothing.  More
 *    generally a neuron leaves the update list once a step without input
 *    left it at a fixed point (u' == 0, v' == v, no spike): every later
 *    input-free step would compute the same values, so it is skipped until
 *    input arrives.  See docs/engine.md.
 *
 * Thread-safety: an engine is used by one thread at a time; a network
 * (struct snn_net) is immutable after snn_net_load() and may be shared.
 */
#ifndef SNN_ENGINE_H
#define SNN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* Capacity a network image is checked against (a cluster's limits). */
struct snn_limits {
	uint32_t cores;			/* cores per cluster */
	uint32_t neurons_per_core;
	uint32_t axons_per_core;
	uint32_t synapses_per_core;
	uint32_t fanout_per_core;
	uint32_t profiles;
	uint32_t out_queues;
};

/* Where and why an image was rejected. */
struct snn_img_error {
	uint32_t code;			/* SNN_E_IMG_* from snn_hw.h */
	uint32_t offset;		/* byte offset (see SNN_E_IMG_*) */
	char msg[160];			/* e.g. "synapse 12: neuron 1030 > 1023" */
};

struct snn_net;
struct snn_engine;

/* One spike fired in the last step. */
struct snn_spike {
	uint16_t core;
	uint16_t neuron;
	uint8_t flags;			/* the neuron's SNN_NEURON_* flags */
	uint8_t outq;			/* its output queue (if OUT) */
};

/* Work done by one step, for the counters. */
struct snn_step_stats {
	uint64_t syn_ops;		/* synaptic ops delivered in the step */
	uint64_t neuron_updates;	/* neurons updated */
	uint64_t spikes;		/* spikes fired */
	uint64_t ain_saturations;	/* a_in values clipped to 16 bits */
};

/*
 * Parse and validate; on error returns -1 and fills *err (err->code is an
 * SNN_E_IMG_* code).  Images longer than SNN_IMG_MAX_LEN are refused.  If
 * memory runs out the code is SNN_E_IMG_CAPACITY with offset 0, which no
 * real capacity error has (see SNN_NET_LOAD_NOMEM()).
 */
int snn_net_load(const void *img, size_t len, const struct snn_limits *lim,
		 struct snn_net **net, struct snn_img_error *err);
/* True if snn_net_load() failed for lack of memory (needs snn_hw.h). */
#define SNN_NET_LOAD_NOMEM(err)	((err)->code == SNN_E_IMG_CAPACITY && \
				 (err)->offset == 0)
void snn_net_free(struct snn_net *net);
/* Geometry the image declares (stride of flat neuron/axon ids). */
unsigned int snn_net_cores(const struct snn_net *net);
unsigned int snn_net_neurons_per_core(const struct snn_net *net);
unsigned int snn_net_axons_per_core(const struct snn_net *net);

/* Sizes of a loaded network (snn-sim --stats, debugging). */
struct snn_net_info {
	uint32_t cores, neurons_per_core, axons_per_core, profiles;
	uint32_t neurons, synapses, fanout;
};
void snn_net_info(const struct snn_net *net, struct snn_net_info *info);
/* "SNN_E_IMG_RANGE" etc. for an SNN_E_* code; "SNN_E_?" if unknown. */
const char *snn_img_error_name(uint32_t code);

/* The engine keeps a pointer to net: free the engine first. */
struct snn_engine *snn_engine_new(const struct snn_net *net);
void snn_engine_free(struct snn_engine *e);
/* All neuron state and pending input to zero, timestep to 0. */
void snn_engine_reset(struct snn_engine *e);
/* Stage one input event for the next step; -1 if core/axon out of range. */
int snn_engine_input(struct snn_engine *e, unsigned int core,
		     unsigned int axon);
/* Run one timestep; stats may be NULL.  Returns the number of spikes. */
size_t snn_engine_step(struct snn_engine *e, struct snn_step_stats *stats);
/* Spikes fired by the last step, ordered by core then neuron index. */
const struct snn_spike *snn_engine_spikes(const struct snn_engine *e,
					  size_t *n);
/* Timestep the next snn_engine_step() runs. */
uint32_t snn_engine_timestep(const struct snn_engine *e);
/* Observe one neuron (tests); -1 if it is not part of the network. */
int snn_engine_neuron_state(const struct snn_engine *e, unsigned int core,
			    unsigned int neuron, int32_t *u, int32_t *v);

/*
 * The LIF arithmetic of one neuron for one timestep, exposed for unit
 * tests.  a_in is saturated to 16 bits first (*saturated = 1 then;
 * saturated may be NULL).  Returns 1 if it fired (and *v was reset to 0).
 */
struct snn_lif_params {
	uint16_t du, dv;
	uint32_t vth;
	int16_t bias_mant;
	int8_t bias_exp;
};
int snn_lif_update(const struct snn_lif_params *p, int32_t a_in,
		   int32_t *u, int32_t *v, int *saturated);

#endif /* SNN_ENGINE_H */
