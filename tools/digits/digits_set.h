/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The digits workload's held-out set and its input coding, shared by the
 * programs that feed it to a board (tools/digits/classify.c, the
 * classifier; tools/bench/snn-bench.c, make bench).  Header only: each
 * program is one file plus this.
 *
 * The includer defines fail(int code, const char *fmt, ...) (prints
 * "PROG: message" and returns code), EX_OK, EX_DEVICE and EX_INPUT, and
 * includes <snndev.h>, <stdio.h>, <stdlib.h>, <string.h> and <errno.h>
 * with _GNU_SOURCE (strchrnul).
 */
#ifndef SNNDEV_DIGITS_SET_H
#define SNNDEV_DIGITS_SET_H

#include <stdint.h>

/* The network's geometry and coding (train.py: N_IN, T, BIAS_AXON, ...). */
#define N_PIXELS	64	/* input axons 0..63 of part 0: one per pixel */
#define BIAS_AXON	64	/* input axon 64: an event at every input step */
#define PIX_MAX		16	/* pixel values are 0..16 */
#define T_IN		16	/* input timesteps */
#define N_CLASSES	10	/* output neurons 0..9 of the last core of the
				 * last part: neuron k is class k */
#define MAX_EVENTS	(T_IN * (N_PIXELS + 1))

struct image {
	int label;
	uint8_t pixel[N_PIXELS];
};

/* test-set.txt: '#' comments; one image a line, LABEL P0 .. P63. */
static int digits_read_set(const char *path, struct image **out, size_t *n)
{
	FILE *f = fopen(path, "r");
	struct image *v = NULL;
	size_t cap = 0, len = 0, lineno = 0;
	char line[1024];

	if (!f)
		return fail(EX_INPUT, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		int k;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			free(v);
			return fail(EX_INPUT, "%s:%zu: line too long", path,
				    lineno);
		}
		*strchrnul(line, '#') = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || !*p)
			continue;
		if (len == cap) {
			struct image *nv;

			cap = cap ? 2 * cap : 512;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				fclose(f);
				free(v);
				return fail(EX_DEVICE, "out of memory");
			}
			v = nv;
		}
		for (k = 0; k <= N_PIXELS; k++) {
			long x;

			errno = 0;
			x = strtol(p, &end, 10);
			if (end == p || errno ||
			    x < 0 || x > (k ? PIX_MAX : N_CLASSES - 1)) {
				fclose(f);
				free(v);
				if (end == p)
					return fail(EX_INPUT, "%s:%zu: expected LABEL and %d pixels, found %d number%s",
						    path, lineno, N_PIXELS, k,
						    k == 1 ? "" : "s");
				if (!k)
					return fail(EX_INPUT, "%s:%zu: label %ld, must be 0..%d",
						    path, lineno, x,
						    N_CLASSES - 1);
				return fail(EX_INPUT, "%s:%zu: pixel %d is %ld, must be 0..%d",
					    path, lineno, k - 1, x, PIX_MAX);
			}
			if (k)
				v[len].pixel[k - 1] = (uint8_t)x;
			else
				v[len].label = (int)x;
			p = end;
		}
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p) {
			fclose(f);
			free(v);
			return fail(EX_INPUT, "%s:%zu: more than LABEL and %d pixels",
				    path, lineno, N_PIXELS);
		}
		len++;
	}
	if (ferror(f)) {
		fclose(f);
		free(v);
		return fail(EX_INPUT, "%s: read error", path);
	}
	fclose(f);
	if (!len) {
		free(v);
		return fail(EX_INPUT, "%s: no images", path);
	}
	*out = v;
	*n = len;
	return EX_OK;
}

/*
 * The input spikes of one image (train.py's encode()): pixel i with value
 * p spikes at the steps t < T_IN where floor((t+1)p/16) > floor(tp/16),
 * p spikes evenly spread; the bias axon spikes at every step.  Axon a of
 * part 0 is core a / apc, axon a % apc.  Events come in timestep order,
 * as a queue must hold them.
 */
static size_t digits_encode(const struct image *im, unsigned int apc, uint64_t *ev)
{
	size_t n = 0;
	unsigned int t, i;

	for (t = 0; t < T_IN; t++) {
		for (i = 0; i < N_PIXELS; i++) {
			unsigned int p = im->pixel[i];

			if ((t + 1) * p / PIX_MAX > t * p / PIX_MAX)
				ev[n++] = snndev_event(t, i / apc, i % apc);
		}
		ev[n++] = snndev_event(t, BIAS_AXON / apc, BIAS_AXON % apc);
	}
	return n;
}

#endif /* SNNDEV_DIGITS_SET_H */
