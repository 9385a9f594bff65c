/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snn-sim: run a network image on the host with the board's neuron engine.
 *
 *   snn-sim [-n STEPS] [--all] [--stats] [--board] NETWORK.snni INPUT.txt
 *
 * INPUT.txt holds one event per line, "TIMESTEP AXON", where AXON is the
 * flat id core * axons_per_core + axon; '#' starts a comment.  Output is
 * one "TIMESTEP NEURON" line per spike (flat id core * neurons_per_core +
 * index) of neurons with the OUT flag (all neurons with --all), in time,
 * then core, then neuron order.  docs/engine.md has the details.
 *
 * Exit status: 0 ok, 1 bad input or usage, 2 I/O error or out of memory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn_hw.h"
#include "snn_engine.h"
#include "snn_tool.h"

static const char *prog = "snn-sim";

struct event {
	uint32_t t;
	uint32_t axon;		/* flat id */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-n STEPS] [--all] [--stats] [--board] NETWORK.snni INPUT.txt\n"
		"Run a network image with the snndev neuron engine.\n"
		"  INPUT.txt   lines 'TIMESTEP AXON' (AXON = core * axons_per_core + axon),\n"
		"              timesteps non-decreasing, '#' comments; '-' = stdin\n"
		"  -n STEPS    timesteps to run (default: last input timestep + 1)\n"
		"  --all       print spikes of every neuron, not only OUT neurons\n"
		"  --stats     print totals to stderr\n"
		"  --board     check the image against the default board's limits\n"
		"Prints 'TIMESTEP NEURON' per spike (NEURON = core * neurons_per_core + index).\n",
		prog);
}

/* Read and check the input events; 0, 1 (bad input) or 2 (I/O). */
static int read_input(const char *path, uint32_t n_axons,
		      struct event **evp, size_t *np)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct event *ev = NULL, *p;
	size_t n = 0, cap = 0, lcap = 0;
	unsigned long lineno = 0, last_line = 0;
	unsigned long long t, a;
	char *line = NULL, *tok[2];
	int ret = 1, k;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 2;
	}
	while (getline(&line, &lcap, f) >= 0) {
		lineno++;
		k = snn_tool_split(line, tok, 2);
		if (k == 0)
			continue;
		if (k != 2) {
			fprintf(stderr, "%s:%lu: expected 'TIMESTEP AXON'\n",
				name, lineno);
			goto out;
		}
		if (snn_tool_parse_u(tok[0], UINT32_MAX, &t)) {
			fprintf(stderr, "%s:%lu: timestep '%s' is not a number in 0..%u\n",
				name, lineno, tok[0], UINT32_MAX);
			goto out;
		}
		if (snn_tool_parse_u(tok[1], UINT32_MAX, &a) || a >= n_axons) {
			fprintf(stderr, "%s:%lu: axon '%s' is not a flat axon id in 0..%u\n",
				name, lineno, tok[1], n_axons - 1);
			goto out;
		}
		if (n && t < ev[n - 1].t) {
			fprintf(stderr, "%s:%lu: timestep %llu is before timestep %u of line %lu (timesteps must not decrease)\n",
				name, lineno, t, ev[n - 1].t, last_line);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			p = realloc(ev, cap * sizeof(*ev));
			if (!p) {
				fprintf(stderr, "%s: out of memory\n", prog);
				ret = 2;
				goto out;
			}
			ev = p;
		}
		ev[n].t = (uint32_t)t;
		ev[n].axon = (uint32_t)a;
		n++;
		last_line = lineno;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: read error\n", prog, name);
		ret = 2;
		goto out;
	}
	*evp = ev;
	*np = n;
	ev = NULL;
	ret = 0;
out:
	if (f != stdin)
		fclose(f);
	free(line);
	free(ev);
	return ret;
}

int main(int argc, char **argv)
{
	const struct snn_limits *lim = &snn_tool_limits_max;
	const char *netpath = NULL, *inpath = NULL;
	unsigned long long steps = 0, t, a;
	int all = 0, stats = 0, have_steps = 0, ret, i;
	struct snn_step_stats st, tot;
	struct snn_img_error err;
	struct snn_net_info info;
	struct snn_engine *e = NULL;
	struct snn_net *net = NULL;
	struct event *ev = NULL;
	size_t n_ev = 0, k = 0, len, n, j;
	uint64_t out_spikes = 0, skipped;
	void *img = NULL;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n")) {
			if (++i == argc ||
			    snn_tool_parse_u(argv[i], UINT64_MAX >> 1, &steps)) {
				fprintf(stderr, "%s: -n needs a number of timesteps\n",
					prog);
				return 1;
			}
			have_steps = 1;
		} else if (!strcmp(argv[i], "--all")) {
			all = 1;
		} else if (!strcmp(argv[i], "--stats")) {
			stats = 1;
		} else if (!strcmp(argv[i], "--board")) {
			lim = &snn_tool_limits_board;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s: unknown option '%s'\n", prog,
				argv[i]);
			usage(stderr);
			return 1;
		} else if (!netpath) {
			netpath = argv[i];
		} else if (!inpath) {
			inpath = argv[i];
		} else {
			usage(stderr);
			return 1;
		}
	}
	if (!netpath || !inpath) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(netpath, "-") && !strcmp(inpath, "-")) {
		fprintf(stderr, "%s: network and input cannot both be stdin\n",
			prog);
		return 1;
	}

	if (snn_tool_read_file(netpath, SNN_IMG_MAX_LEN, &img, &len)) {
		fprintf(stderr, "%s: %s: %s\n", prog, netpath, strerror(errno));
		return 2;
	}
	if (snn_net_load(img, len, lim, &net, &err)) {
		if (SNN_NET_LOAD_NOMEM(&err)) {
			fprintf(stderr, "%s: out of memory\n", prog);
			ret = 2;
		} else {
			fprintf(stderr, "%s: invalid network image: %s (%s at offset %u)\n",
				netpath, err.msg, snn_img_error_name(err.code),
				err.offset);
			ret = 1;
		}
		goto out;
	}
	free(img);
	img = NULL;
	snn_net_info(net, &info);

	ret = read_input(inpath, info.cores * info.axons_per_core, &ev, &n_ev);
	if (ret)
		goto out;
	if (!have_steps)
		steps = n_ev ? (unsigned long long)ev[n_ev - 1].t + 1 : 0;

	e = snn_engine_new(net);
	if (!e) {
		fprintf(stderr, "%s: out of memory\n", prog);
		ret = 2;
		goto out;
	}
	memset(&tot, 0, sizeof(tot));
	for (t = 0; t < steps; t++) {
		const struct snn_spike *s;

		for (; k < n_ev && ev[k].t == t; k++) {
			a = ev[k].axon;
			snn_engine_input(e, (unsigned int)(a / info.axons_per_core),
					 (unsigned int)(a % info.axons_per_core));
		}
		snn_engine_step(e, &st);
		tot.syn_ops += st.syn_ops;
		tot.neuron_updates += st.neuron_updates;
		tot.spikes += st.spikes;
		tot.ain_saturations += st.ain_saturations;
		s = snn_engine_spikes(e, &n);
		for (j = 0; j < n; j++) {
			if (!all && !(s[j].flags & SNN_NEURON_OUT))
				continue;
			printf("%llu %lu\n", t,
			       (unsigned long)s[j].core * info.neurons_per_core +
			       s[j].neuron);
			out_spikes++;
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
		ret = 2;
		goto out;
	}
	skipped = n_ev - k;
	if (skipped)
		fprintf(stderr, "%s: note: %llu input events at timesteps >= %llu were not applied\n",
			prog, (unsigned long long)skipped, steps);
	if (stats)
		fprintf(stderr,
			"network: %u cores x %u neurons x %u axons; %u neurons, %u synapses, %u fan-out\n"
			"timesteps: %llu\n"
			"input events: %llu\n"
			"spikes: %llu\n"
			"output spikes: %llu\n"
			"synaptic ops: %llu\n"
			"neuron updates: %llu\n"
			"a_in saturations: %llu\n",
			info.cores, info.neurons_per_core, info.axons_per_core,
			info.neurons, info.synapses, info.fanout, steps,
			(unsigned long long)k,
			(unsigned long long)tot.spikes,
			(unsigned long long)out_spikes,
			(unsigned long long)tot.syn_ops,
			(unsigned long long)tot.neuron_updates,
			(unsigned long long)tot.ain_saturations);
out:
	snn_engine_free(e);
	snn_net_free(net);
	free(ev);
	free(img);
	return ret;
}
