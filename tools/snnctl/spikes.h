/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spike files of `snnctl run`.
 *
 * Input: one event per line, "TIMESTEP AXON" or "TIMESTEP AXON PART",
 * where AXON is the flat id core * axons_per_core + axon of the part's
 * geometry and PART defaults to 0; timesteps must not decrease; '#'
 * starts a comment.  With one part this is exactly snn-sim's INPUT.txt.
 *
 * Output: one line per spike, "TIMESTEP NEURON" (NEURON = core *
 * neurons_per_core + index), or "TIMESTEP NEURON PART" for a network of
 * several parts, ordered by timestep, part, core, neuron: with one part
 * byte for byte what snn-sim prints.
 */
#ifndef SNNCTL_SPIKES_H
#define SNNCTL_SPIKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SPK_MAX_PARTS	256

struct spk_event {
	uint32_t t;
	uint32_t part;
	uint32_t axon;		/* flat id */
};

struct spk_reader {
	FILE *f;
	char name[256];		/* for messages: the path or "<stdin>" */
	bool own;		/* f is ours to close */
	unsigned long line;
	char *buf;
	size_t cap;
	unsigned int n_parts;
	uint32_t n_axons[SPK_MAX_PARTS];	/* per part: flat axon ids */
	uint32_t prev_t;
	unsigned long prev_line;	/* 0: no event yet */
	char err[640];
};

/*
 * Open path ("-" = stdin) for a network of n_parts parts whose part p has
 * n_axons[p] flat axon ids.  0, or -errno with r->err set.
 */
int spk_reader_open(struct spk_reader *r, const char *path,
		    unsigned int n_parts, const uint32_t *n_axons);
/* Read from an open stream (not closed by spk_reader_close). */
void spk_reader_init(struct spk_reader *r, FILE *f, const char *name,
		     unsigned int n_parts, const uint32_t *n_axons);
/* 1: an event; 0: end of file; -1: bad input, -2: read error (r->err). */
int spk_reader_next(struct spk_reader *r, struct spk_event *ev);
void spk_reader_close(struct spk_reader *r);

/*
 * Parse one line (modified in place): 1 and *ev if it holds an event,
 * 0 if it is blank or a comment, -1 with a message in err (without the
 * "file:line: " prefix) otherwise.  No ordering check.
 */
int spk_parse_line(char *line, unsigned int n_parts, const uint32_t *n_axons,
		   struct spk_event *ev, char *err, size_t errlen);

/* ---- Output ------------------------------------------------------------------ */

struct spk_out_ev {
	uint32_t t;
	uint16_t part;
	uint16_t core;
	uint32_t neuron;	/* index within the core */
};

struct spk_out {
	FILE *f;
	unsigned int n_parts;	/* > 1: a third column, the part */
	uint32_t npc[SPK_MAX_PARTS];	/* neurons_per_core of each part */
	struct spk_out_ev *v;
	size_t n, cap;
	uint64_t written;
};

void spk_out_init(struct spk_out *o, FILE *f, unsigned int n_parts,
		  const uint32_t *npc);
/* Collect an output event (SNNDEV event word) of a part; -ENOMEM. */
int spk_out_add(struct spk_out *o, unsigned int part, uint32_t t,
		unsigned int core, unsigned int neuron);
/*
 * Write, in order, every collected event of a timestep < upto (all of
 * them with UINT64_MAX).  0, or -errno of the write.
 */
int spk_out_flush(struct spk_out *o, uint64_t upto);
void spk_out_free(struct spk_out *o);

#endif /* SNNCTL_SPIKES_H */
