// SPDX-License-Identifier: GPL-2.0
/*
 * digits-classify: the digits network (tools/digits/README.md) classifying
 * the held-out images on the board, through libsnndev and nothing else.
 *
 *   digits-classify [OPTIONS] NETFILE TEST_SET
 *
 * NETFILE is digits.snnet (one part, one cluster) or digits-split.snnet
 * (two parts and the routes between them: the hidden layer on one
 * cluster, the output layer on another, through a routing unit).
 * TEST_SET is test-set.txt.  For every image the program
 *
 *   1. writes the image's input spikes into the mapped input queue,
 *   2. runs T + 2 (+ route delay) timesteps from a fresh neuron state
 *      (one call: snndev_unit_run_flags() with SNNDEV_RUN_RESET_STATE;
 *      the network stays) and waits for them once,
 *   3. reads the output spikes from the mapped output queue, and
 *   4. takes the class: most spikes, then earliest first spike, then
 *      lowest class (the rule of train.py's decide()),
 *
 * and prints accuracy, latency, throughput and spikes per layer.
 * tools/digits/README.md documents the options and the output.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <snndev.h>

/* exit statuses, as snnctl's */
enum { EX_OK = 0, EX_USAGE = 1, EX_DEVICE = 2, EX_INPUT = 3 };

static const char *prog = "digits-classify";

static int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#include "digits_set.h"

/* Most spikes; a tie to the earliest first spike, then the lowest class. */
static int decide(const unsigned int count[N_CLASSES],
		  const uint32_t first[N_CLASSES])
{
	int k, best = 0;

	for (k = 1; k < N_CLASSES; k++)
		if (count[k] > count[best] ||
		    (count[k] == count[best] && first[k] < first[best]))
			best = k;
	return best;
}

/* ---- the board --------------------------------------------------------- */

struct board {
	unsigned int n;				/* clusters: 1, or 2 for a split */
	struct snndev_unit *cl[2];		/* part p runs on cl[p] */
	struct snndev_unit *router;		/* split only */
	struct snndev_queue *in;		/* input queue 0 of cl[0] */
	struct snndev_queue *out;		/* output queue 0 of cl[n-1] */
	unsigned int apc;			/* axons per core of part 0 */
	unsigned int npc, out_core;		/* of the last part */
	unsigned int steps;			/* timesteps per image */
	unsigned int delay;			/* route delay, split only */
	int timeout_ms;
};

static int dev_fail(const char *what)
{
	return fail(EX_DEVICE, "%s: %s", what, snndev_errmsg());
}

/* "snn0.1" or "/dev/snn0.1" */
static int open_unit(const char *name, struct snndev_unit **u)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s", name[0] == '/' ? "" : "/dev/",
		 name);
	if (snndev_unit_open(path, u))
		return dev_fail("cannot open the cluster");
	if (snndev_unit_type(*u) != SNNDEV_NODE_CLUSTER) {
		snndev_unit_close(*u);
		*u = NULL;
		return fail(EX_USAGE, "%s is not a cluster (see snnctl list)",
			    path);
	}
	return EX_OK;
}

/* The routing unit of the board that connects both clusters of b. */
static int find_router(struct board *b, const char *name)
{
	uint64_t board, u0, u1, mask, delay;
	struct snndev_enum *e;
	size_t i;

	if (name) {
		char path[256];

		snprintf(path, sizeof(path), "%s%s",
			 name[0] == '/' ? "" : "/dev/", name);
		if (snndev_unit_open(path, &b->router))
			return dev_fail("cannot open the routing unit");
	} else {
		snndev_unit_prop(b->cl[0], SNNDEV_PROP_BOARD, &board);
		snndev_unit_prop(b->cl[0], SNNDEV_PROP_UNIT, &u0);
		snndev_unit_prop(b->cl[1], SNNDEV_PROP_UNIT, &u1);
		if (snndev_enum_new(&e))
			return dev_fail("cannot list the boards");
		for (i = 0; i < snndev_enum_count(e) && !b->router; i++) {
			const struct snndev_node *x = snndev_enum_node(e, i);

			if (snndev_node_type(x) != SNNDEV_NODE_ROUTER ||
			    snndev_node_board(x) != board ||
			    snndev_node_prop(x, SNNDEV_PROP_CONNECTS, &mask) ||
			    u0 >= 64 || u1 >= 64 ||
			    !(mask >> u0 & 1) || !(mask >> u1 & 1))
				continue;
			if (snndev_unit_open_node(x, &b->router)) {
				snndev_enum_free(e);
				return dev_fail("cannot open the routing unit");
			}
		}
		snndev_enum_free(e);
		if (!b->router)
			return fail(EX_DEVICE, "no routing unit of board snn%llu connects clusters %llu and %llu (see snnctl info)",
				    (unsigned long long)board,
				    (unsigned long long)u0,
				    (unsigned long long)u1);
	}
	if (snndev_unit_type(b->router) != SNNDEV_NODE_ROUTER)
		return fail(EX_USAGE, "%s is not a routing unit",
			    snndev_unit_devnode(b->router));
	if (snndev_unit_prop(b->router, SNNDEV_PROP_ROUTE_DELAY, &delay))
		return dev_fail("route delay");
	b->delay = (unsigned int)delay;
	return EX_OK;
}

/*
 * Open the clusters (and the routing unit), load the parts, add the
 * routes and create the two queues.
 */
static int board_open(struct board *b, const struct snndev_net *net,
		      const char *clusters, const char *router)
{
	const struct snndev_route *r = snndev_net_routes(net);
	size_t nr = snndev_net_num_routes(net), i, x;
	unsigned int np = snndev_net_num_parts(net), cores, npc, apc, p;
	char *list, *second;
	int ret;

	if (np != 1 && np != 2)
		return fail(EX_INPUT, "the network has %u parts: expected 1 (one cluster) or 2 (hidden and output layers)",
			    np);
	list = strdup(clusters ? clusters : np == 1 ? "snn0.0" : "snn0.0,snn0.1");
	if (!list)
		return fail(EX_DEVICE, "out of memory");
	second = strchr(list, ',');
	if (second)
		*second++ = 0;
	if ((np == 2) != !!second) {
		free(list);
		return fail(EX_USAGE, "the network has %u part%s: name %u cluster%s with --cluster",
			    np, np == 1 ? "" : "s", np, np == 1 ? "" : "s");
	}
	b->n = np;
	ret = open_unit(list, &b->cl[0]);
	if (!ret && second)
		ret = open_unit(second, &b->cl[1]);
	free(list);
	if (ret)
		return ret;

	snndev_net_part_info(net, 0, &cores, &npc, &apc, &x, &x, &x, &x);
	if (cores * apc <= BIAS_AXON)
		return fail(EX_INPUT, "part 0 has %u input axons: the digits network needs %d",
			    cores * apc, BIAS_AXON + 1);
	b->apc = apc;
	snndev_net_part_info(net, np - 1, &cores, &npc, &apc, &x, &x, &x, &x);
	b->npc = npc;
	b->out_core = cores - 1;

	/* a refused part or route is bad input (EINVAL, ENOSPC: the message
	 * names the entry and the limit); anything else, the device */
	for (p = 0; p < np; p++) {
		ret = snndev_unit_load(b->cl[p], net, p);
		if (ret)
			return fail(ret == -EINVAL || ret == -ENOSPC ?
				    EX_INPUT : EX_DEVICE, "%s", snndev_errmsg());
	}
	if (np == 2) {
		ret = find_router(b, router);
		if (ret)
			return ret;
		for (i = 0; i < nr; i++) {
			/* feed-forward: part 0 runs before part 1 */
			if (r[i].src_part != 0 || r[i].dst_part != 1)
				return fail(EX_INPUT, "route %zu goes from part %u to part %u: only part 0 to part 1 (hidden to output) is run in order",
					    i, r[i].src_part, r[i].dst_part);
			ret = snndev_route_add(b->router, b->cl[r[i].src_part],
					       r[i].src_core, r[i].src_neuron,
					       b->cl[r[i].dst_part],
					       r[i].dst_core, r[i].dst_axon);
			if (ret)
				return fail(ret == -EINVAL || ret == -ENOSPC ?
					    EX_INPUT : EX_DEVICE,
					    "route %zu: %s", i, snndev_errmsg());
		}
	} else if (nr) {
		return fail(EX_INPUT, "a one-part network with %zu routes", nr);
	}
	/*
	 * The last hidden spike is at T_IN - 1; it reaches the output layer
	 * one step later (fan-out) or 1 + delay steps later (route), and one
	 * more step shows the network quiet (train.py's sim_steps()).
	 */
	b->steps = T_IN + 2 + b->delay;

	/* 2^12 entries hold an image's input (at most 1040 events) */
	if (snndev_queue_create(b->cl[0], SNNDEV_IN, 0, 12, &b->in) ||
	    snndev_queue_create(b->cl[np - 1], SNNDEV_OUT, 0, 12, &b->out))
		return dev_fail("cannot create the queues");
	return EX_OK;
}

static void board_close(struct board *b)
{
	/* the routing unit first: closing the clusters deletes the routes */
	snndev_unit_close(b->router);
	snndev_unit_close(b->cl[0]);	/* (destroys its queues too) */
	snndev_unit_close(b->cl[1]);
}

/*
 * Run a cluster `steps` timesteps from a fresh neuron state, wait for the
 * run once, then read the output queue: it holds 4096 events and an
 * image makes at most 10 x steps, so the cluster never stalls on it and
 * the run needs no wake-up before it is done (SNNDEV_WAIT_OUTPUT would
 * wake this process at every timestep with output).
 */
static int run_cluster(struct board *b, struct snndev_unit *u,
		       uint64_t *spikes, size_t *n_spikes, size_t max)
{
	struct snndev_status st;
	const uint64_t *ev;
	size_t n;

	if (snndev_unit_run_flags(u, b->steps, SNNDEV_RUN_RESET_STATE))
		return dev_fail("run");
	do {
		if (snndev_unit_wait(u, b->timeout_ms, 0, &st))
			return dev_fail("wait");
	} while (st.state != SNNDEV_STATE_IDLE || st.remaining);
	if (u != b->cl[b->n - 1])
		return EX_OK;
	while ((n = snndev_queue_peek(b->out, &ev)) > 0) {
		if (*n_spikes + n > max)
			return fail(EX_DEVICE, "more than %zu output spikes for one image",
				    max);
		memcpy(spikes + *n_spikes, ev, n * sizeof(*ev));
		*n_spikes += n;
		if (snndev_queue_release(b->out, n))
			return dev_fail("output queue");
	}
	return EX_OK;
}

/* ---- statistics -------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest rank: the smallest value with at least q of the values <= it */
static double percentile(const double *sorted, size_t n, double q)
{
	size_t k = (size_t)ceil(q * n);

	return sorted[k ? k - 1 : 0];
}

static int counters(struct board *b, unsigned int k, uint64_t *v)
{
	if (snndev_unit_counters(b->cl[k], v, SNNDEV_CNT_COUNT) !=
	    SNNDEV_CNT_COUNT)
		return dev_fail("counters");
	return EX_OK;
}

/* ---- progress ---------------------------------------------------------- */

struct progress {
	int mode;		/* 1 on, 0 off, -1: if stderr is a terminal */
	bool tty, shown;
	double t0, last;
};

static void progress(struct progress *pg, size_t i, size_t n, size_t correct)
{
	double t = now();

	if (!pg->mode || t - pg->t0 < 1.0 || t - pg->last < (pg->tty ? 0.2 : 2.0))
		return;
	pg->last = t;
	pg->shown = true;
	fprintf(stderr, "%simage %zu of %zu (%.0f%%), %.1f images/s, accuracy so far %.2f %%%s",
		pg->tty ? "\r" : "", i, n, 100.0 * i / n, i / (t - pg->t0),
		i ? 100.0 * correct / i : 0.0, pg->tty ? "\033[K" : "\n");
	fflush(stderr);
}

static void progress_done(struct progress *pg)
{
	if (pg->shown && pg->tty)
		fputs("\r\033[K", stderr);
	pg->shown = false;
}

/* ---- one image --------------------------------------------------------- */

/*
 * Classify image im (number i): its class into *cls, its output spikes
 * counted in *n_out and written to df (if not NULL).
 */
static int classify_image(struct board *b, const struct image *im, size_t i,
			  FILE *df, int *cls, size_t *n_out)
{
	unsigned int count[N_CLASSES] = { 0 };
	uint32_t first[N_CLASSES];
	uint64_t ev[MAX_EVENTS], spikes[1024];
	size_t n_ev, n_sp = 0, s;
	unsigned int k;
	int ret;

	/* 1. the input spikes, into the mapped ring (one doorbell) */
	n_ev = digits_encode(im, b->apc, ev);
	if (snndev_queue_push(b->in, ev, n_ev) != (long)n_ev)
		return fail(EX_DEVICE, "input queue: %s", snndev_errmsg());

	/*
	 * 2. and 3. Run from a fresh state (neuron state and timestep 0,
	 * network kept) and read the output.  Split: the hidden layer
	 * first, then the output layer, whose input then waits in its
	 * route FIFO (65536 events by default, an image routes a few
	 * hundred): every routed spike is there before the timestep it is
	 * tagged for (docs/hardware.md 9.5, feed-forward).
	 */
	for (k = 0; k < b->n; k++) {
		ret = run_cluster(b, b->cl[k], spikes, &n_sp,
				  sizeof(spikes) / sizeof(spikes[0]));
		if (ret)
			return ret;
	}

	/* 4. the class: count the spikes of each output neuron */
	for (k = 0; k < N_CLASSES; k++)
		first[k] = UINT32_MAX;
	for (s = 0; s < n_sp; s++) {
		uint64_t e = le64toh(spikes[s]);
		unsigned int core = snndev_event_core(e);
		unsigned int idx = snndev_event_index(e);
		uint32_t t = snndev_event_timestep(e);

		if (core != b->out_core || idx >= N_CLASSES)
			return fail(EX_INPUT, "image %zu: a spike of core %u neuron %u, not an output neuron (core %u, neurons 0..%d)",
				    i, core, idx, b->out_core, N_CLASSES - 1);
		if (!count[idx]++)
			first[idx] = t;
		/* as snn-sim prints it: the flat id core * npc + index */
		if (df)
			fprintf(df, "%zu %u %u\n", i, t, core * b->npc + idx);
	}
	*cls = decide(count, first);
	*n_out = n_sp;
	return EX_OK;
}

/* ---- the results ------------------------------------------------------- */

struct results {
	size_t n, correct;
	int *pred;			/* the class of each image */
	double seconds;			/* the whole loop */
	double p50, p99, mean;		/* latency per image, seconds */
	unsigned long long in_events, hidden, out, routed, late, drops;
};

/* s as a JSON string */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const struct board *b, const char *netfile,
		       const struct results *r)
{
	size_t i;

	printf("{\"network\": ");
	json_str(netfile);
	printf(", \"clusters\": [");
	json_str(snndev_unit_devnode(b->cl[0]));
	if (b->n == 2) {
		printf(", ");
		json_str(snndev_unit_devnode(b->cl[1]));
		printf("], \"router\": ");
		json_str(snndev_unit_devnode(b->router));
		printf(", \"route_delay\": %u, ", b->delay);
	} else {
		printf("], ");
	}
	printf("\"timesteps_per_image\": %u, \"images\": %zu, \"correct\": %zu, \"accuracy\": %.4f, "
	       "\"latency_ms\": {\"p50\": %.4f, \"p99\": %.4f, \"mean\": %.4f}, "
	       "\"seconds\": %.4f, \"images_per_sec\": %.2f, \"events_per_sec\": %.0f, "
	       "\"input_events\": %llu, \"hidden_spikes\": %llu, \"output_spikes\": %llu, "
	       "\"routed_events\": %llu, \"late_events\": %llu, \"dropped_events\": %llu, \"predicted\": [",
	       b->steps, r->n, r->correct, 100.0 * r->correct / r->n,
	       r->p50 * 1e3, r->p99 * 1e3, r->mean * 1e3, r->seconds,
	       r->n / r->seconds, r->in_events / r->seconds, r->in_events,
	       r->hidden, r->out, r->routed, r->late, r->drops);
	for (i = 0; i < r->n; i++)
		printf("%s%d", i ? ", " : "", r->pred[i]);
	printf("]}\n");
}

static void print_text(const struct board *b, const char *netfile,
		       const struct results *r)
{
	double n = (double)r->n;

	printf("%zu images on %s", r->n, snndev_unit_devnode(b->cl[0]));
	if (b->n == 2)
		printf(" + %s through %s", snndev_unit_devnode(b->cl[1]),
		       snndev_unit_devnode(b->router));
	printf(" (%s, %u timesteps each)\n", netfile, b->steps);
	printf("  accuracy        %6.2f %%  (%zu of %zu)\n",
	       100.0 * r->correct / n, r->correct, r->n);
	printf("  latency p50     %8.3f ms per image\n", r->p50 * 1e3);
	printf("  latency p99     %8.3f ms per image\n", r->p99 * 1e3);
	printf("  images/s        %8.1f\n", n / r->seconds);
	printf("  events/s        %8.0f  (input events into the board)\n",
	       r->in_events / r->seconds);
	printf("  spikes/image    input %.1f, hidden %.1f, output %.1f",
	       r->in_events / n, r->hidden / n, r->out / n);
	if (b->n == 2)
		printf(", routed %.1f", r->routed / n);
	printf("\n");
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] NETFILE TEST_SET\n"
"Classify the held-out digits (TEST_SET: tools/digits/test-set.txt) with\n"
"the digits network NETFILE on the board, through libsnndev.\n"
"\n"
"  -c, --cluster UNIT[,UNIT]  the cluster (snnX.Y or /dev/snnX.Y), two for a\n"
"                             two-part network: part 0 (hidden layer) and\n"
"                             part 1 (output layer); default snn0.0[,snn0.1]\n"
"  -r, --router UNIT          the routing unit of a split (default: the one\n"
"                             of the board that connects both clusters)\n"
"  -n, --images N             only the first N images\n"
"  -d, --dump FILE            write the output spikes to FILE, one a line:\n"
"                             IMAGE TIMESTEP NEURON (as snn-sim prints them)\n"
"  -j, --json                 the results as one JSON object\n"
"  -t, --timeout S            give up on an image after S seconds (30)\n"
"      --progress             progress on stderr even if not a terminal\n"
"      --no-progress          no progress (default: on a terminal, after 1 s)\n"
"  -h, --help\n"
"\n"
"Exit status: 0 ok, 1 usage, 2 device error, 3 bad input file.\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cluster", required_argument, NULL, 'c' },
		{ "router", required_argument, NULL, 'r' },
		{ "images", required_argument, NULL, 'n' },
		{ "dump", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "progress", no_argument, NULL, 'P' },
		{ "no-progress", no_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *clusters = NULL, *router = NULL, *dump = NULL;
	struct progress pg = { .mode = -1 };
	struct board b = { .timeout_ms = 30000 };
	struct results r = { 0 };
	struct snndev_net *net = NULL;
	struct image *img = NULL;
	uint64_t c0[2][SNNDEV_CNT_COUNT], c1[2][SNNDEV_CNT_COUNT];
	size_t limit = 0, i, n_out;
	unsigned int k;
	double *lat = NULL, t0, sum = 0;
	FILE *df = NULL;
	bool json = false;
	char *end;
	int o, ret;

	while ((o = getopt_long(argc, argv, "c:r:n:d:jt:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			clusters = optarg;
			break;
		case 'r':
			router = optarg;
			break;
		case 'n':
			errno = 0;
			limit = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || !limit ||
			    optarg[0] == '-')
				return fail(EX_USAGE, "--images '%s' is not a number of images (1 or more)",
					    optarg);
			break;
		case 'd':
			dump = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't': {
			double sec = strtod(optarg, &end);

			if (end == optarg || *end || !(sec > 0 && sec <= 86400))
				return fail(EX_USAGE, "--timeout '%s' is not a number of seconds (up to 86400)",
					    optarg);
			b.timeout_ms = (int)(sec * 1000);
			break;
		}
		case 'P':
			pg.mode = 1;
			break;
		case 'Q':
			pg.mode = 0;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return fail(EX_USAGE, "expected NETFILE and TEST_SET");
	}

	/* the inputs: the test set and the network */
	ret = digits_read_set(argv[optind + 1], &img, &r.n);
	if (ret)
		return ret;
	if (limit && limit < r.n)
		r.n = limit;
	if (snndev_net_read_file(argv[optind], &net)) {
		free(img);
		return fail(EX_INPUT, "%s", snndev_errmsg());
	}
	lat = calloc(r.n, sizeof(*lat));
	r.pred = calloc(r.n, sizeof(*r.pred));
	if (!lat || !r.pred) {
		ret = fail(EX_DEVICE, "out of memory");
		goto out;
	}
	if (dump && !(df = fopen(dump, "w"))) {
		ret = fail(EX_DEVICE, "%s: %s", dump, strerror(errno));
		goto out;
	}

	/* the board: clusters, network, routes, queues */
	ret = board_open(&b, net, clusters, router);
	for (k = 0; !ret && k < b.n; k++)
		ret = counters(&b, k, c0[k]);
	if (ret)
		goto out;

	/* every image */
	if (pg.mode < 0)
		pg.mode = isatty(STDERR_FILENO);
	pg.tty = isatty(STDERR_FILENO);
	pg.t0 = t0 = now();
	for (i = 0; i < r.n; i++) {
		double t = now();

		ret = classify_image(&b, &img[i], i, df, &r.pred[i], &n_out);
		if (ret)
			goto out;
		lat[i] = now() - t;
		sum += lat[i];
		r.out += n_out;
		r.correct += r.pred[i] == img[i].label;
		progress(&pg, i + 1, r.n, r.correct);
	}
	r.seconds = now() - t0;
	progress_done(&pg);

	/* latency percentiles; spikes per layer from the counters */
	qsort(lat, r.n, sizeof(*lat), cmp_double);
	r.p50 = percentile(lat, r.n, 0.50);
	r.p99 = percentile(lat, r.n, 0.99);
	r.mean = sum / r.n;
	for (k = 0; k < b.n; k++)
		if ((ret = counters(&b, k, c1[k])))
			goto out;
#define D(k, c) (c1[k][c] - c0[k][c])
	r.in_events = D(0, SNNDEV_CNT_IN_EVENTS);
	/* cluster 0's spikes: the hidden layer (and the output layer) */
	r.hidden = D(0, SNNDEV_CNT_SPIKES) - (b.n == 1 ? r.out : 0);
	for (k = 0; k < b.n; k++) {
		r.late += D(k, SNNDEV_CNT_LATE_EVENTS);
		r.drops += D(k, SNNDEV_CNT_DROPS);
	}
	if (b.n == 2)
		r.routed = D(1, SNNDEV_CNT_ROUTED_IN);
#undef D
	if (r.late || r.drops)
		fprintf(stderr, "%s: warning: %llu late and %llu dropped events: the output may differ from the engine's\n",
			prog, r.late, r.drops);
	if (json)
		print_json(&b, argv[optind], &r);
	else
		print_text(&b, argv[optind], &r);
	ret = fflush(stdout) ? fail(EX_DEVICE, "write error") : EX_OK;
out:
	progress_done(&pg);
	board_close(&b);
	if (df && fclose(df) && !ret)
		ret = fail(EX_DEVICE, "%s: write error", dump);
	snndev_net_free(net);
	free(img);
	free(lat);
	free(r.pred);
	return ret;
}
