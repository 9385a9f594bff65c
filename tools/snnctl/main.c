// SPDX-License-Identifier: GPL-2.0
/*
 * snnctl: control neuromorphic boards (snn.ko) through libsnndev.
 *
 *   snnctl [--json] [--progress|--no-progress] COMMAND [ARGS]
 *
 * The commands are in cmd_*.c; snnctl(1) and docs/snnctl.md describe
 * them.  Exit status: 0 ok, 1 usage, 2 device or I/O error, 3 bad input
 * file, 4 unhealthy.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "snnctl.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;	/* synopsis after the name */
	const char *help;	/* what it does, and its options */
};

static const struct command commands[] = {
	{ "list", cmd_list, "[--json]",
	  "List the boards and their units, one line each: name, type, bus id,\n"
	  "health, and for units whether another process holds them (busy).\n" },
	{ "info", cmd_info, "[--json] [BOARD...]",
	  "Show the topology of each board (all boards by default) as a tree:\n"
	  "the board, its clusters (cores, neurons, axons, synapses, queues,\n"
	  "rated rates) and its routing units (clusters connected, route\n"
	  "capacity, delay).\n" },
	{ "stats", cmd_stats, "[--json] [UNIT|BOARD...]",
	  "Print the counters of clusters (all clusters by default; a board\n"
	  "means its clusters), with their state.  Read from sysfs: works while\n"
	  "another process holds the cluster.\n" },
	{ "top", cmd_top,
	  "[--json] [--interval S] [--count N] [UNIT|BOARD...]",
	  "Live view of the clusters' rates, from counter differences: timesteps/s,\n"
	  "input events/s, spikes/s, output events/s.  On a terminal the screen\n"
	  "is redrawn; otherwise one line per cluster and interval.  With --json\n"
	  "one JSON object per interval (JSON lines).\n"
	  "  --interval S   seconds between samples (default 1; decimals allowed)\n"
	  "  --count N      stop after N intervals (default: until interrupted)\n" },
	{ "health", cmd_health, "[--json] [BOARD...]",
	  "Print the health of each board and of its units that are not ok.\n"
	  "Exit status 4 if any board or unit is not \"ok\".\n" },
	{ "load", cmd_load,
	  "[--json] UNIT[,UNIT...] NETFILE [--part N] [--hold]",
	  "Load part N (default 0) of a network file into a cluster, or parts\n"
	  "0, 1, ... into several clusters (then also the network's routes).\n"
	  "The driver drops a cluster's network when its owner closes it, so\n"
	  "without --hold this checks that the device accepts the network and\n"
	  "releases it again; use 'run' to run a network.\n"
	  "  --part N   the part to load (one cluster only)\n"
	  "  --hold     keep the clusters (and routes) until interrupted\n" },
	{ "run", cmd_run,
	  "UNIT[,UNIT...] NETFILE [--steps N] [--in FILE] [--out FILE]\n"
	  "            [--queue-log2 N] [--timeout S] [--stats]",
	  "Load a network (part p into the p-th cluster, with the network's\n"
	  "routes), feed the input spikes, run, and write the output spikes.\n"
	  "Input lines: 'TIMESTEP AXON [PART]' (flat axon id core*axons_per_core +\n"
	  "axon), timesteps not decreasing.  Output lines: 'TIMESTEP NEURON'\n"
	  "(flat neuron id), plus ' PART' for a network of several parts, in\n"
	  "timestep, part, core, neuron order: for one part the same bytes as\n"
	  "snn-sim prints.  Input is fed with back-pressure: nothing is dropped.\n"
	  "  --steps N       timesteps to run (default: last input timestep + 1)\n"
	  "  --in FILE       input spikes ('-' = stdin, the default; none: /dev/null)\n"
	  "  --out FILE      output spikes ('-' = stdout, the default)\n"
	  "  --queue-log2 N  queue depth 2^N events (default: the deepest, up to 2^16)\n"
	  "  --timeout S     fail if no timestep completes for S seconds (default 60)\n"
	  "  --stats         print the run's counters to stderr\n" },
	{ "route", cmd_route,
	  "[--json] {list [BOARD|ROUTER...] | plan NETFILE UNIT[,UNIT...]}",
	  "list: the routing units: the clusters each connects, its route table\n"
	  "capacity and delay.\n"
	  "plan: which routing unit would carry each route of a network whose\n"
	  "parts run on the given clusters (what 'run' and 'load' do).\n"
	  "Routes exist only while their clusters' owner holds them (the driver\n"
	  "deletes them when a cluster is released), so they are added by\n"
	  "'run' and 'load --hold' from the network file, not on their own.\n" },
	{ "reset", cmd_reset, "UNIT|BOARD [--force]",
	  "Reset a cluster (full reset: network, queues and counters cleared), or\n"
	  "a whole board (every process using it loses its files).  A board\n"
	  "reset is refused while a unit of the board is busy, unless --force.\n"
	  "There is no state-only reset here: the cluster's release after it\n"
	  "would reset it fully anyway.\n" },
	{ "convert", cmd_convert,
	  "INPUT OUTPUT [--part N] [--format net|image]",
	  "Convert between network formats.  INPUT: a network file, a text\n"
	  "description (snn-mkimg's format, plus 'part' and 'route' lines for\n"
	  "networks of several parts), or a .snni board image.  OUTPUT: a network\n"
	  "file, or with --format image (default for a name ending in .snni) the\n"
	  "board image of part N (default 0), which snn-sim runs.  '-' = stdin or\n"
	  "stdout.\n" },
	{ "show", cmd_show, "[--json] NETFILE",
	  "Describe a network file: each part's geometry and record counts, and\n"
	  "the routes between parts.\n" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s [--json] [--progress|--no-progress] COMMAND [ARGS]\n"
		"Control neuromorphic boards (snn.ko) through libsnndev.\n\n"
		"Commands:\n", snnctl_prog);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s %s\n", commands[i].name, commands[i].args);
	fprintf(f,
		"  help [COMMAND]\n\n"
		"Units: snnX.Y, /dev/snnX.Y or PCI-ADDRESS.Y (e.g. 0000:01:00.0.1);\n"
		"boards: snnX, /dev/snnX or PCI-ADDRESS.\n"
		"Options of every command:\n"
		"  --json          machine-readable output (commands that read)\n"
		"  --progress      show progress on stderr even if it is not a terminal\n"
		"  --no-progress   never show progress\n"
		"  -h, --help      this help, or a command's\n"
		"  -V, --version   the versions of snnctl and libsnndev\n"
		"Exit status: 0 ok, 1 usage error, 2 device or I/O error, 3 bad input\n"
		"file, 4 a board or unit is not healthy (health).  See snnctl(1).\n");
}

int snnctl_help(const char *name)
{
	const struct command *c = find_command(name);

	if (!c)
		return snnctl_usage_err(NULL, "unknown command '%s'", name);
	printf("Usage: %s %s %s\n%s", snnctl_prog, c->name, c->args, c->help);
	return SNNCTL_EX_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c;
	int o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			snnctl_opt.json = true;
			break;
		case 'p':
			snnctl_opt.progress = 1;
			break;
		case 'P':
			snnctl_opt.progress = 0;
			break;
		case 'h':
			usage(stdout);
			return SNNCTL_EX_OK;
		case 'V':
			printf("snnctl %s (libsnndev %s, driver ABI %u.%u)\n",
			       SNNCTL_VERSION, snndev_version(),
			       snndev_abi_major(), snndev_abi_minor());
			return SNNCTL_EX_OK;
		default:
			if (optopt > 0 && optopt < 128)
				return snnctl_usage_err(NULL, "unknown option '-%c'",
							optopt);
			return snnctl_usage_err(NULL, "unknown option '%s'",
						argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return SNNCTL_EX_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 < argc)
			return snnctl_help(argv[optind + 1]);
		usage(stdout);
		return SNNCTL_EX_OK;
	}
	c = find_command(argv[optind]);
	if (!c)
		return snnctl_usage_err(NULL, "unknown command '%s'",
					argv[optind]);
	argc -= optind;
	argv += optind;
	optind = 0;		/* a fresh getopt for the command */
	return c->fn(argc, argv);
}
