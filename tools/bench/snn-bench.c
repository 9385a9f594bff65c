// SPDX-License-Identifier: GPL-2.0
/*
 * snn-bench: the board benchmarks of `make bench` (docs/performance.md),
 * on libsnndev alone.  It runs on the machine that has the board (in
 * `make bench`, the test VM) and prints one line per result,
 *
 *   BENCH <name> <JSON object>
 *
 * which scripts/bench.sh collects.  It measures and prints; it checks no
 * target (the host script compares).  Phases, run in this order:
 *
 *   queue      (a) input events/s through a mapped input queue into a
 *              running cluster: batches with one doorbell each (mapped
 *              doorbell page) versus one system call per event
 *              (SNN_IOC_DOORBELL, as with SNNDEV_NO_MAPPED_DOORBELL);
 *              also the two mixed modes, for reference
 *   rtt        (b) snndev_unit_run(1) + snndev_unit_wait(): round trip
 *              per timestep, p50 and p99
 *   infer      (c) the cost of one inference of a synthetic network (8
 *              cores x 1024 neurons, 1024 input axons x 48 synapses per
 *              core, 16 timesteps) at input activity levels: guest CPU
 *              time of this process and, with --agent, the QEMU process's
 *              host CPU time (asked from scripts/vm-run.py's host agent)
 *   isolation  (d) the digits classifier (tools/digits) as one process on
 *              each of four clusters: each alone, then all four at once;
 *              per-image latency p99; back to back, and paced (one image
 *              every --pace-ms per process)
 *
 *   snn-bench [OPTIONS] [PHASE...]     (default: all four)
 *
 * Transports.  --transport pci|usb picks the first board of that
 * transport (docs/uapi.md 3.6); without it, --board N (default 0).  Every
 * BENCH line carries the board's transport ("transport": "pci" or "usb")
 * and, for a board that is not on PCIe, the transport in its name too
 * ("BENCH queue_usb {...}"), so that the results of two runs in one log
 * stay apart; a PCIe board's lines keep their plain names.  On a USB
 * board (no mapped doorbell page, SNNDEV_CAP_MAPPED_DOORBELL clear) every
 * doorbell is an SNN_IOC_DOORBELL, which the driver turns into a bulk
 * transfer, so (a) measures what applies there: one call per batch of
 * events against one per event; the modes through the mapped page are
 * reported as not applicable (null), never as a figure.  And the input
 * ring's consumer index is the driver's copy, refreshed at the cluster's
 * interrupts and at every wait (it is no device write-back): (a) asks
 * for the input interrupt with poll(POLLOUT) and, if the index has not
 * moved for 0.1 s, refreshes it with a wait that does not sleep (both
 * counted in the JSON).
 *
 * Exit status 0 ok, 1 usage, 2 device error, 3 bad input file.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <snndev.h>

enum { EX_OK = 0, EX_USAGE = 1, EX_DEVICE = 2, EX_INPUT = 3 };

static const char *prog = "snn-bench";

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

static int dev_fail(const char *what)
{
	return fail(EX_DEVICE, "%s: %s", what, snndev_errmsg());
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* this process's CPU time (user + system), seconds */
static double cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static uint64_t rng_state = 1;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest rank on sorted values */
static double pct(const double *sorted, size_t n, double q)
{
	size_t k = (size_t)ceil(q * n);

	return sorted[k ? k - 1 : 0];
}

/* ---- options ----------------------------------------------------------- */

static struct {
	unsigned int board;
	bool board_set;			/* --board given */
	const char *transport;		/* --transport: "pci", "usb" or NULL */
	uint64_t tp;			/* the board's SNNDEV_TRANSPORT_* */
	const char *tp_name;		/* ... as "pci" or "usb" */
	const char *bus_id;		/* the board's bus id */
	const char *agent;		/* host agent's serial port, or NULL */
	unsigned int rounds;		/* repetitions of (a), (c), (d) */
	uint64_t batched_events;	/* (a) per batched measurement */
	uint64_t single_events;		/* (a) per one-per-event measurement */
	unsigned int batch;		/* (a) events per doorbell */
	unsigned int rtt_rounds;	/* (b) */
	double levels[16];		/* (c) activity levels */
	unsigned int n_levels;
	unsigned int infer_n;		/* (c) inferences per level and round, */
	double infer_s;			/* at least, and for at least this long */
	const char *digits_net;		/* (d) */
	const char *digits_set;
	unsigned int images;		/* (d) images per process and round */
	unsigned int procs;		/* (d) processes (clusters 0..procs-1) */
	double pace_ms;			/* (d) paced: one image per pace_ms */
} opt = {
	.rounds = 3, .batched_events = 2000000, .single_events = 40000,
	.batch = 256, .rtt_rounds = 2000,
	.levels = { 0, 0.1, 0.25, 0.5, 0.75, 1.0 }, .n_levels = 6,
	.infer_n = 10, .infer_s = 0.5,
	.digits_net = "/digits/digits.snnet",
	.digits_set = "/digits/test-set.txt", .images = 600, .procs = 4,
	.pace_ms = 5,
};

/* ---- the host agent (scripts/vm-run.py): QEMU's CPU time -------------- */

static int agent_fd = -1;

static int agent_open(void)
{
	struct termios t;

	if (!opt.agent)
		return EX_OK;
	agent_fd = open(opt.agent, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (agent_fd < 0)
		return fail(EX_DEVICE, "--agent %s: %s", opt.agent,
			    strerror(errno));
	if (!tcgetattr(agent_fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(agent_fd, TCSANOW, &t);
	}
	return EX_OK;
}

/*
 * The QEMU process's CPU time in seconds (all its threads: the emulated
 * CPUs and the board's cluster workers), or NAN without an agent.  The
 * agent answers "OK {"cpu_ns": N, ...}".
 */
static double host_cpu(void)
{
	char buf[512], *p;
	size_t len = 0;
	struct pollfd pfd;

	if (agent_fd < 0)
		return NAN;
	if (write(agent_fd, "CPUTIME\n", 8) != 8)
		goto bad;
	pfd.fd = agent_fd;
	pfd.events = POLLIN;
	while (len < sizeof(buf) - 1) {
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0)
			goto bad;
		n = read(agent_fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			goto bad;
		len += n;
		buf[len] = 0;
		if (strchr(buf, '\n'))
			break;
	}
	p = strstr(buf, "\"cpu_ns\":");
	if (strncmp(buf, "OK", 2) || !p)
		goto bad;
	return strtod(p + 9, NULL) / 1e9;
bad:
	fprintf(stderr, "%s: the host agent did not answer CPUTIME: no host CPU times\n",
		prog);
	close(agent_fd);
	agent_fd = -1;
	return NAN;
}

/* JSON numbers: NaN as null */
static void jnum(const char *key, double v, bool comma)
{
	if (isnan(v))
		printf("\"%s\": null%s", key, comma ? ", " : "");
	else
		printf("\"%s\": %.6g%s", key, v, comma ? ", " : "");
}

/* ---- the board and its transport ---------------------------------------- */

static const char *tp_str(uint64_t tp)
{
	return tp == SNNDEV_TRANSPORT_PCI ? "pci" :
	       tp == SNNDEV_TRANSPORT_USB ? "usb" : "unknown";
}

/*
 * The board to measure: with --transport the first board of that
 * transport (with --board too: that board, which must be of it), else
 * --board's (0).  Its transport and bus id go into opt.
 */
static int pick_board(void)
{
	static char bus[64];
	char seen[512] = "";
	size_t i, len = 0;
	struct snndev_enum *e;
	bool found = false;

	if (snndev_enum_new(&e))
		return dev_fail("cannot list the boards");
	for (i = 0; i < snndev_enum_count(e) && !found; i++) {
		const struct snndev_node *n = snndev_enum_node(e, i);
		uint64_t tp = 0;
		unsigned int b;

		if (snndev_node_type(n) != SNNDEV_NODE_BOARD)
			continue;
		b = snndev_node_board(n);
		snndev_node_prop(n, SNNDEV_PROP_TRANSPORT, &tp);
		if (len < sizeof(seen))
			len += snprintf(seen + len, sizeof(seen) - len,
					" snn%u (%s)", b, tp_str(tp));
		if (opt.board_set && b != opt.board)
			continue;
		if (opt.transport && strcmp(opt.transport, tp_str(tp)))
			continue;
		found = true;
		opt.board = b;
		opt.tp = tp;
		opt.tp_name = tp_str(tp);
		snprintf(bus, sizeof(bus), "%s", snndev_node_bus_id(n));
		opt.bus_id = bus;
	}
	snndev_enum_free(e);
	if (found)
		return EX_OK;
	if (!seen[0])
		snprintf(seen, sizeof(seen), " none");
	if (opt.transport && opt.board_set)
		return fail(EX_DEVICE, "--board %u --transport %s: no such board on %s (boards:%s)",
			    opt.board, opt.transport, opt.transport, seen);
	if (opt.transport)
		return fail(EX_DEVICE, "--transport %s: no %s board (boards:%s)",
			    opt.transport, opt.transport, seen);
	return fail(EX_DEVICE, "--board %u: no board snn%u (boards:%s)",
		    opt.board, opt.board, seen);
}

/*
 * Start a result line: "BENCH <phase> {" for a PCIe board (the names
 * scripts/bench-report.py has always read), "BENCH <phase>_<transport> {"
 * for any other, then the transport, the board and its bus id; the caller
 * prints the rest of the object.
 */
static void bench_head(const char *phase)
{
	bool pci = opt.tp == SNNDEV_TRANSPORT_PCI;

	printf("BENCH %s%s%s {\"transport\": \"%s\", \"board\": \"snn%u\", \"bus_id\": \"%s\", ",
	       phase, pci ? "" : "_", pci ? "" : opt.tp_name, opt.tp_name,
	       opt.board, opt.bus_id);
}

/* ---- units ------------------------------------------------------------- */

static int open_cluster(unsigned int cl, struct snndev_unit **u)
{
	if (snndev_unit_open_index(opt.board, (int)cl, u))
		return dev_fail("cannot open the cluster");
	if (snndev_unit_type(*u) != SNNDEV_NODE_CLUSTER) {
		snndev_unit_close(*u);
		*u = NULL;
		return fail(EX_USAGE, "snn%u.%u is not a cluster", opt.board,
			    cl);
	}
	return EX_OK;
}

static uint64_t prop(struct snndev_unit *u, enum snndev_prop p)
{
	uint64_t v = 0;

	snndev_unit_prop(u, p, &v);
	return v;
}

/* ---- (a) events/s through the input queue ----------------------------- */

/* A part of 1 core, 1 neuron and 256 axons without synapses: input costs
 * only the queue and the device's input phase. */
static int tiny_net(struct snndev_net **net)
{
	struct snndev_profile p = { .du = 4095, .dv = 4095, .vth = 1000 };
	struct snndev_neuron n = { .index = 0 };

	if (snndev_net_new(net) || snndev_net_add_part(*net, 1, 1, 256) < 0 ||
	    snndev_net_add_profiles(*net, 0, &p, 1) ||
	    snndev_net_add_neurons(*net, 0, &n, 1))
		return dev_fail("building the queue benchmark's network");
	return EX_OK;
}

/*
 * How (a) learns what the device has consumed.  PCIe: the device writes
 * the input queue's consumer index into the mapped ring after each
 * timestep, and (a) watches it.  USB: that index is the driver's copy,
 * brought up to date at the cluster's interrupts and at every wait
 * (docs/uapi.md 3.6); (a) watches it the same way, but with the input
 * interrupt unmasked (one poll(POLLOUT) after the queue is made) and,
 * when it has not moved for SYNC_AFTER seconds, refreshes it with a wait
 * that does not sleep.  A queue that does not move for STUCK_AFTER
 * seconds is an error.
 */
#define SYNC_AFTER	0.1
#define STUCK_AFTER	30.0

struct feeder {
	struct snndev_unit *u;
	struct snndev_queue *q;
	bool sync;		/* the consumer index is the driver's copy */
	unsigned int syncs;	/* waits made to refresh it */
	size_t last;		/* pending count last seen, (size_t)-1: none */
	double t_last;		/* when it last changed */
	double t_sync;		/* the last refresh */
};

/*
 * USB: called while (a) spins on the queue, with the pending count;
 * refreshes the consumer index if it has not moved for a while.
 */
static int feeder_nudge(struct feeder *f, size_t pending)
{
	double t = now();
	int ret;

	if (pending != f->last) {
		f->last = pending;
		f->t_last = t;
		f->t_sync = t;
		return EX_OK;
	}
	if (t - f->t_last > STUCK_AFTER)
		return fail(EX_DEVICE, "%s: the device consumed none of %zu pending input events in %.0f s",
			    snndev_unit_devnode(f->u), pending, STUCK_AFTER);
	if (t - f->t_sync > SYNC_AFTER) {
		ret = snndev_unit_wait(f->u, 0, 0, NULL);
		if (ret && ret != -ETIMEDOUT)
			return dev_fail("queue benchmark: wait");
		f->syncs++;
		f->t_sync = now();
	}
	return EX_OK;
}

/* Until the device has consumed everything (pending 0). */
static int feeder_drain(struct feeder *f)
{
	size_t n;

	if (!f->sync) {
		while (snndev_queue_pending(f->q))
			;
		return EX_OK;
	}
	f->last = (size_t)-1;
	while ((n = snndev_queue_pending(f->q)))
		if (feeder_nudge(f, n))
			return -1;
	return EX_OK;
}

/* Events/s of one measurement: total events, per_doorbell a doorbell;
 * counted when the device has consumed them (pending 0). */
static double feed(struct feeder *f, uint64_t total,
		   unsigned int per_doorbell)
{
	struct snndev_queue *q = f->q;
	uint64_t sent = 0;
	double t0, t1;

	if (feeder_drain(f))
		return -1;
	t0 = now();
	while (sent < total) {
		uint64_t *slot;
		size_t n, i, want = per_doorbell;

		if (want > total - sent)
			want = total - sent;
		n = snndev_queue_prepare(q, &slot, want);
		if (!n) {
			/* full: the device is consuming */
			if (f->sync &&
			    feeder_nudge(f, snndev_queue_pending(q)))
				return -1;
			continue;
		}
		f->last = (size_t)-1;	/* not full: a new wait if it fills */
		for (i = 0; i < n; i++)
			slot[i] = htole64(snndev_event(0, 0, (sent + i) & 0xff));
		snndev_queue_commit(q, n);
		if (snndev_queue_flush(q)) {
			dev_fail("queue benchmark: doorbell");
			return -1;
		}
		sent += n;
	}
	if (feeder_drain(f))
		return -1;
	t1 = now();
	return total / (t1 - t0);
}

struct qmode {
	const char *name;
	bool ioctl;		/* SNN_IOC_DOORBELL instead of the mapped page */
	bool batched;
	bool skipped;		/* not applicable: no mapped doorbell page */
	double r[16];		/* events/s of each round */
};

static int queue_mode(struct qmode *m, unsigned int cl, unsigned int *syncs)
{
	struct feeder f = { .sync = opt.tp == SNNDEV_TRANSPORT_USB };
	struct snndev_net *net = NULL;
	uint64_t total = m->batched ? opt.batched_events : opt.single_events;
	unsigned int log2 = 16, i;
	uint64_t depth;
	int ret;

	/* the library decides at the unit's first queue: map the page or not */
	if (m->ioctl)
		setenv("SNNDEV_NO_MAPPED_DOORBELL", "1", 1);
	else
		unsetenv("SNNDEV_NO_MAPPED_DOORBELL");
	ret = open_cluster(cl, &f.u);
	if (ret)
		goto out;
	if (!m->ioctl && !(snndev_unit_caps(f.u) & SNNDEV_CAP_MAPPED_DOORBELL)) {
		ret = fail(EX_DEVICE, "%s: no mapped doorbell (SNNDEV_CAP_MAPPED_DOORBELL)",
			   snndev_unit_devnode(f.u));
		goto out;
	}
	depth = prop(f.u, SNNDEV_PROP_MAX_QUEUE_DEPTH);
	while (log2 > 1 && (1ULL << log2) > depth)
		log2--;
	ret = tiny_net(&net);
	if (ret)
		goto out;
	if (snndev_unit_load(f.u, net, 0) ||
	    snndev_queue_create(f.u, SNNDEV_IN, 0, log2, &f.q) ||
	    snndev_unit_run(f.u, 0x7fffffff)) {
		ret = dev_fail("queue benchmark");
		goto out;
	}
	if (f.sync) {
		/* the driver unmasks the input interrupt for a poller */
		struct pollfd p = { .fd = snndev_unit_fd(f.u),
				    .events = POLLOUT };

		if (poll(&p, 1, 0) < 0) {
			ret = fail(EX_DEVICE, "%s: poll: %s",
				   snndev_unit_devnode(f.u), strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < opt.rounds; i++) {
		m->r[i] = feed(&f, total, m->batched ? opt.batch : 1);
		if (m->r[i] < 0) {
			ret = EX_DEVICE;
			goto out;
		}
	}
	/* stops the run */
	if (snndev_unit_reset(f.u, SNNDEV_RESET_STATE))
		ret = dev_fail("reset");
out:
	*syncs += f.syncs;
	snndev_unit_close(f.u);
	snndev_net_free(net);
	unsetenv("SNNDEV_NO_MAPPED_DOORBELL");
	return ret;
}

/* JSON of one mode's rounds; its median into *med (NaN if skipped) */
static void queue_print_mode(const struct qmode *m, bool comma, double *med)
{
	double s[16];
	unsigned int i;

	if (m->skipped) {
		*med = NAN;
		printf("%s\"%s\": {\"median\": null, \"min\": null, \"max\": null, \"runs\": [], "
		       "\"not_applicable\": \"no mapped doorbell page (SNNDEV_CAP_MAPPED_DOORBELL clear)\"}",
		       comma ? ", " : "", m->name);
		return;
	}
	memcpy(s, m->r, sizeof(s));
	qsort(s, opt.rounds, sizeof(s[0]), cmp_double);
	*med = s[opt.rounds / 2];
	printf("%s\"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"runs\": [",
	       comma ? ", " : "", m->name, *med, s[0], s[opt.rounds - 1]);
	for (i = 0; i < opt.rounds; i++)
		printf("%s%.6g", i ? ", " : "", m->r[i]);
	printf("]}");
}

/*
 * (a).  With a mapped doorbell page: mapped batches against one system
 * call per event (the target's ratio), and the two mixed modes.  Without
 * one (USB) the library rings every doorbell with SNN_IOC_DOORBELL: the
 * ratio is then ioctl batches against one ioctl per event, and the
 * mapped modes are not measured.
 */
static int bench_queue(void)
{
	struct qmode m[4] = {
		{ .name = "mapped_batched", .ioctl = false, .batched = true },
		{ .name = "ioctl_per_event", .ioctl = true, .batched = false },
		{ .name = "mapped_per_event", .ioctl = false, .batched = false },
		{ .name = "ioctl_batched", .ioctl = true, .batched = true },
	};
	struct snndev_unit *u;
	unsigned int k, syncs = 0;
	bool mapped, sync = opt.tp == SNNDEV_TRANSPORT_USB;
	double med[4];
	int ret;

	ret = open_cluster(0, &u);
	if (ret)
		return ret;
	mapped = snndev_unit_caps(u) & SNNDEV_CAP_MAPPED_DOORBELL;
	snndev_unit_close(u);
	if (!mapped)
		fprintf(stderr, "%s: snn%u has no mapped doorbell page: queue measures SNN_IOC_DOORBELL batches against one per event\n",
			prog, opt.board);
	for (k = 0; k < 4; k++) {
		m[k].skipped = !mapped && !m[k].ioctl;
		if (m[k].skipped)
			continue;
		ret = queue_mode(&m[k], 0, &syncs);
		if (ret)
			return ret;
	}
	bench_head("queue");
	printf("\"cluster\": \"snn%u.0\", \"batch\": %u, \"rounds\": %u, "
	       "\"batched_events\": %llu, \"single_events\": %llu, "
	       "\"mapped_doorbell\": %s, \"consumer_index\": \"%s\", ",
	       opt.board, opt.batch, opt.rounds,
	       (unsigned long long)opt.batched_events,
	       (unsigned long long)opt.single_events,
	       mapped ? "true" : "false",
	       sync ? "driver copy: input interrupt (poll) and waits" :
		      "device write-back");
	if (sync)
		printf("\"refresh_waits\": %u, ", syncs);
	printf("\"modes\": {");
	for (k = 0; k < 4; k++)
		queue_print_mode(&m[k], k, &med[k]);
	if (mapped)
		printf("}, \"ratio_of\": \"mapped_batched / ioctl_per_event\", \"ratio\": %.6g}\n",
		       med[0] / med[1]);
	else
		printf("}, \"ratio_of\": \"ioctl_batched / ioctl_per_event\", \"ratio\": %.6g}\n",
		       med[3] / med[1]);
	fflush(stdout);
	return EX_OK;
}

/* ---- (b) run-and-wait round trip --------------------------------------- */

/*
 * (b).  Besides the round trip, the time in each of the two calls (run:
 * the RUN command; wait: the run, its RUN_DONE interrupt and the wake-up)
 * and this process's CPU time per round trip, which show where a
 * transport spends it.
 */
static int bench_rtt(void)
{
	struct snndev_unit *u = NULL;
	struct snndev_net *net = NULL;
	double *rt, *rc, *wt, sum = 0, c0 = 0;
	int i, n = (int)opt.rtt_rounds, ret;

	rt = calloc(3 * (size_t)n, sizeof(*rt));
	if (!rt)
		return fail(EX_DEVICE, "out of memory");
	rc = rt + n;	/* in snndev_unit_run() */
	wt = rc + n;	/* in snndev_unit_wait() */
	ret = open_cluster(0, &u);
	if (!ret)
		ret = tiny_net(&net);
	if (!ret && snndev_unit_load(u, net, 0))
		ret = dev_fail("load");
	for (i = -50; !ret && i < n; i++) {
		double t0, t1;

		if (!i)
			c0 = cpu_self();
		t0 = now();
		if (snndev_unit_run(u, 1)) {
			ret = dev_fail("run(1)");
			break;
		}
		t1 = now();
		if (snndev_unit_wait(u, 10000, 0, NULL)) {
			ret = dev_fail("wait after run(1)");
			break;
		}
		if (i >= 0) {
			sum += rt[i] = now() - t0;
			rc[i] = t1 - t0;
			wt[i] = rt[i] - rc[i];
		}
	}
	if (!ret) {
		c0 = cpu_self() - c0;
		qsort(rt, n, sizeof(*rt), cmp_double);
		qsort(rc, n, sizeof(*rc), cmp_double);
		qsort(wt, n, sizeof(*wt), cmp_double);
		bench_head("rtt");
		printf("\"cluster\": \"snn%u.0\", \"rounds\": %d, \"us\": {\"min\": %.2f, "
		       "\"p50\": %.2f, \"p90\": %.2f, \"p99\": %.2f, \"max\": %.2f, \"mean\": %.2f}, "
		       "\"run_call_us\": {\"p50\": %.2f, \"p99\": %.2f}, "
		       "\"wait_call_us\": {\"p50\": %.2f, \"p99\": %.2f}, "
		       "\"guest_cpu_us\": %.2f}\n",
		       opt.board, n, rt[0] * 1e6, pct(rt, n, 0.5) * 1e6,
		       pct(rt, n, 0.9) * 1e6, pct(rt, n, 0.99) * 1e6,
		       rt[n - 1] * 1e6, sum / n * 1e6,
		       pct(rc, n, 0.5) * 1e6, pct(rc, n, 0.99) * 1e6,
		       pct(wt, n, 0.5) * 1e6, pct(wt, n, 0.99) * 1e6,
		       c0 / n * 1e6);
		fflush(stdout);
	}
	snndev_unit_close(u);
	snndev_net_free(net);
	free(rt);
	return ret;
}

/* ---- (c) cost of an inference against input activity ------------------ */

#define SYN_CORES	8
#define SYN_NEURONS	1024
#define SYN_AXONS	1024
#define SYN_PER_AXON	48
#define SYN_STEPS	16
#define SYN_INPUTS	(SYN_CORES * SYN_AXONS)
#define SYN_OUT_PER_CORE 16	/* neurons 0..15 of each core are OUT */
#define SYN_PATTERNS	4	/* distinct inputs per level, cycled */

/*
 * Like the network of make bench-engine (qemu-model/engine/bench_engine.c):
 * per core 1024 neurons (du 1023, dv 1024, vth 1000) and 1024 input axons
 * with 48 synapses each (bench-engine: 64) to random neurons of the same
 * core, weights -128..127; no fan-out.  Neurons 0..15 of each core report
 * to output queue 0.  48, not 64: the image must stay under 4 MiB, because
 * snn.ko copies it into one physically contiguous DMA buffer, and a
 * larger one fails to load (ENOMEM and a page allocator warning in the
 * guest kernel; docs/performance.md).
 */
static int synth_net(struct snndev_net **net)
{
	struct snndev_profile p = { .du = 1023, .dv = 1024, .vth = 1000 };
	static struct snndev_neuron n[SYN_NEURONS];
	static struct snndev_synapse s[SYN_AXONS * SYN_PER_AXON];
	unsigned int c, i, k;

	rng_state = 1;
	if (snndev_net_new(net) ||
	    snndev_net_add_part(*net, SYN_CORES, SYN_NEURONS, SYN_AXONS) < 0 ||
	    snndev_net_add_profiles(*net, 0, &p, 1))
		return dev_fail("building the synthetic network");
	for (c = 0; c < SYN_CORES; c++) {
		for (i = 0; i < SYN_NEURONS; i++) {
			n[i] = (struct snndev_neuron){ .core = c, .index = i };
			if (i < SYN_OUT_PER_CORE)
				n[i].flags = SNNDEV_NEURON_OUT;
		}
		if (snndev_net_add_neurons(*net, 0, n, SYN_NEURONS))
			return dev_fail("building the synthetic network");
	}
	for (c = 0; c < SYN_CORES; c++) {
		for (i = 0; i < SYN_AXONS; i++)
			for (k = 0; k < SYN_PER_AXON; k++) {
				struct snndev_synapse *x = &s[i * SYN_PER_AXON + k];

				x->core = c;
				x->axon = i;
				x->neuron = rng() % SYN_NEURONS;
				x->weight = (int8_t)((int)(rng() % 256) - 128);
			}
		if (snndev_net_add_synapses(*net, 0, s, SYN_AXONS * SYN_PER_AXON))
			return dev_fail("building the synthetic network");
	}
	return EX_OK;
}

/*
 * The input of one inference at activity a: at each of the 16 timesteps,
 * round(a * 8192) distinct random input axons spike.
 */
static size_t make_input(double a, uint64_t *ev)
{
	static uint32_t perm[SYN_INPUTS];
	uint32_t per = (uint32_t)(a * SYN_INPUTS + 0.5), i, j, x;
	size_t n = 0;
	unsigned int t;

	for (i = 0; i < SYN_INPUTS; i++)
		perm[i] = i;
	for (t = 0; t < SYN_STEPS; t++)
		for (i = 0; i < per; i++) {	/* partial Fisher-Yates */
			j = i + rng() % (SYN_INPUTS - i);
			x = perm[i];
			perm[i] = perm[j];
			perm[j] = x;
			ev[n++] = snndev_event(t, perm[i] / SYN_AXONS,
					       perm[i] % SYN_AXONS);
		}
	return n;
}

struct infer_ctx {
	struct snndev_unit *u;
	struct snndev_queue *in, *out;
	unsigned int steps;
	uint64_t out_events;
	double t_reset, t_input, t_run;	/* wall time in each part, summed */
	double c_reset, c_input, c_run;	/* CPU time in each part, summed */
};

/* false: --separate-reset (SNN_IOC_RESET, then a plain run) */
static bool run_fresh = true;

/*
 * Run, wait for the run to finish (one wake-up), then read the output.
 * The output queue holds more than an inference can make (synthetic: 128
 * OUT neurons x 16 steps = 2048 events in 2^14 entries; digits: 10 x 18 in
 * 2^12), so the cluster never stalls on it and the output need not be
 * drained during the run (which would cost a wake-up per timestep).
 */
static int run_wait(struct infer_ctx *c)
{
	struct snndev_status st;
	const uint64_t *ev;
	size_t n;

	if (snndev_unit_run_flags(c->u, c->steps,
				  run_fresh ? SNNDEV_RUN_RESET_STATE : 0))
		return dev_fail("run");
	do {
		if (snndev_unit_wait(c->u, 30000, 0, &st))
			return dev_fail("wait");
	} while (st.state != SNNDEV_STATE_IDLE || st.remaining);
	while ((n = snndev_queue_peek(c->out, &ev)) > 0) {
		c->out_events += n;
		if (snndev_queue_release(c->out, n))
			return dev_fail("output queue");
	}
	return EX_OK;
}

/*
 * One inference: the input into the ring (one doorbell), run from a fresh
 * state (SNNDEV_RUN_RESET_STATE; --separate-reset: a reset call first),
 * wait, read the output.
 */
static int infer_once(struct infer_ctx *c, const uint64_t *ev, size_t n_ev)
{
	double t0 = now(), t1, t2, c0 = cpu_self(), c1, c2;
	int ret;

	if (!run_fresh && snndev_unit_reset(c->u, SNNDEV_RESET_STATE))
		return dev_fail("reset");
	t1 = now();
	c1 = cpu_self();
	if (n_ev) {
		long k = snndev_queue_push(c->in, ev, n_ev);

		if (k < 0)
			return dev_fail("input queue");
		if ((size_t)k != n_ev)
			return fail(EX_DEVICE, "the input queue took %ld of %zu events before the run",
				    k, n_ev);
	}
	t2 = now();
	c2 = cpu_self();
	ret = run_wait(c);
	c->t_reset += t1 - t0;
	c->t_input += t2 - t1;
	c->t_run += now() - t2;
	c->c_reset += c1 - c0;
	c->c_input += c2 - c1;
	c->c_run += cpu_self() - c2;
	return ret;
}

struct level_res {
	double wall[16], guest[16], host[16];	/* per inference, per round */
	uint64_t events, syn, upd, spikes, out;	/* totals over all rounds */
	double t_reset, t_input, t_run;		/* wall, totals */
	double c_reset, c_input, c_run;		/* guest CPU, totals */
	unsigned int n;				/* inferences in total */
	unsigned int n_round[16];		/* inferences in each round */
};

static int bench_infer(void)
{
	struct infer_ctx c = { .steps = SYN_STEPS };
	struct snndev_net *net = NULL;
	struct level_res *res = NULL;
	uint64_t *ev[16][SYN_PATTERNS] = { { NULL } };
	size_t n_ev[16][SYN_PATTERNS];
	size_t max_ev = (size_t)SYN_INPUTS * SYN_STEPS;
	unsigned int lg = 1, r, l, k, i;
	uint64_t depth, c0[SNNDEV_CNT_COUNT], c1[SNNDEV_CNT_COUNT];
	double t_load, idle_h, idle_g, sleep_g;
	int ret;

	ret = open_cluster(0, &c.u);
	if (ret)
		return ret;
	depth = prop(c.u, SNNDEV_PROP_MAX_QUEUE_DEPTH);
	while ((1ULL << lg) < max_ev)
		lg++;
	if (depth < (1ULL << lg)) {
		ret = fail(EX_DEVICE, "%s: its queues hold at most %llu events; 100%% activity needs %zu in one queue (give the board queue-log2=%u)",
			   snndev_unit_devnode(c.u), (unsigned long long)depth,
			   max_ev, lg);
		goto out;
	}
	res = calloc(opt.n_levels, sizeof(*res));
	if (!res) {
		ret = fail(EX_DEVICE, "out of memory");
		goto out;
	}
	ret = synth_net(&net);
	if (ret)
		goto out;
	t_load = now();
	if (snndev_unit_load(c.u, net, 0)) {
		ret = fail(EX_DEVICE, "%s", snndev_errmsg());
		goto out;
	}
	t_load = now() - t_load;
	if (snndev_queue_create(c.u, SNNDEV_IN, 0, lg, &c.in) ||
	    snndev_queue_create(c.u, SNNDEV_OUT, 0, 14, &c.out)) {
		ret = dev_fail("cannot create the queues");
		goto out;
	}
	/* the inputs, made before anything is timed */
	rng_state = 12345;
	for (l = 0; l < opt.n_levels; l++)
		for (k = 0; k < SYN_PATTERNS; k++) {
			ev[l][k] = malloc(max_ev * sizeof(uint64_t));
			if (!ev[l][k]) {
				ret = fail(EX_DEVICE, "out of memory");
				goto out;
			}
			n_ev[l][k] = make_input(opt.levels[l], ev[l][k]);
		}
	/* the baseline: the VM idle for a second (this process asleep) */
	idle_h = host_cpu();
	idle_g = now();
	usleep(1000000);
	idle_g = now() - idle_g;
	idle_h = (host_cpu() - idle_h) / idle_g;
	/*
	 * What the guest charges a process for sleeping 5 ms and waking up
	 * (no device involved): the floor under the guest CPU cost of any
	 * inference that waits for its run
	 */
	sleep_g = cpu_self();
	for (i = 0; i < 50; i++)
		usleep(5000);
	sleep_g = (cpu_self() - sleep_g) / 50;
	/* warm up: one inference per level */
	for (l = 0; l < opt.n_levels && !ret; l++)
		ret = infer_once(&c, ev[l][0], n_ev[l][0]);
	/* rounds: every level in turn, so that drift in the host's load
	 * spreads over all of them */
	for (r = 0; r < opt.rounds && !ret; r++) {
		for (l = 0; l < opt.n_levels && !ret; l++) {
			double w0, g0, h0;

			if (snndev_unit_counters(c.u, c0, SNNDEV_CNT_COUNT) < 0) {
				ret = dev_fail("counters");
				break;
			}
			c.out_events = 0;
			c.t_reset = c.t_input = c.t_run = 0;
			c.c_reset = c.c_input = c.c_run = 0;
			h0 = host_cpu();
			g0 = cpu_self();
			w0 = now();
			for (i = 0; !ret && (i < opt.infer_n ||
					     now() - w0 < opt.infer_s); i++)
				ret = infer_once(&c, ev[l][i % SYN_PATTERNS],
						 n_ev[l][i % SYN_PATTERNS]);
			if (ret)
				break;
			res[l].wall[r] = (now() - w0) / i;
			res[l].guest[r] = (cpu_self() - g0) / i;
			res[l].host[r] = (host_cpu() - h0) / i;
			res[l].n_round[r] = i;
			if (snndev_unit_counters(c.u, c1, SNNDEV_CNT_COUNT) < 0) {
				ret = dev_fail("counters");
				break;
			}
			res[l].n += i;
			res[l].events += c1[SNNDEV_CNT_IN_EVENTS] - c0[SNNDEV_CNT_IN_EVENTS];
			res[l].syn += c1[SNNDEV_CNT_SYN_OPS] - c0[SNNDEV_CNT_SYN_OPS];
			res[l].upd += c1[SNNDEV_CNT_NEURON_UPDATES] - c0[SNNDEV_CNT_NEURON_UPDATES];
			res[l].spikes += c1[SNNDEV_CNT_SPIKES] - c0[SNNDEV_CNT_SPIKES];
			res[l].out += c.out_events;
			res[l].t_reset += c.t_reset;
			res[l].t_input += c.t_input;
			res[l].t_run += c.t_run;
			res[l].c_reset += c.c_reset;
			res[l].c_input += c.c_input;
			res[l].c_run += c.c_run;
		}
	}
	if (ret)
		goto out;
	bench_head("infer");
	printf("\"cluster\": \"snn%u.0\", \"network\": {\"cores\": %d, \"neurons_per_core\": %d, "
	       "\"input_axons\": %d, \"synapses\": %d, \"timesteps\": %d, \"load_s\": %.4f}, "
	       "\"state_reset\": \"%s\", \"rounds\": %u, \"min_inferences\": %u, \"min_seconds\": %.3g, ",
	       opt.board, SYN_CORES, SYN_NEURONS, SYN_INPUTS,
	       SYN_INPUTS * SYN_PER_AXON, SYN_STEPS, t_load,
	       run_fresh ? "run flag" : "own call", opt.rounds,
	       opt.infer_n, opt.infer_s);
	jnum("idle_host_cpu_per_s", idle_h, true);
	jnum("sleep_5ms_guest_cpu_s", sleep_g, true);
	printf("\"levels\": [");
	for (l = 0; l < opt.n_levels; l++) {
		struct level_res *x = &res[l];
		double n = x->n;
		static const char *const what[3] = { "wall_s", "guest_cpu_s",
						      "host_cpu_s" };

		printf("%s{\"activity\": %.4g, \"inferences\": [", l ? ", " : "",
		       opt.levels[l]);
		for (i = 0; i < opt.rounds; i++)
			printf("%s%u", i ? ", " : "", x->n_round[i]);
		printf("], ");
		for (k = 0; k < 3; k++) {
			double *v = k == 0 ? x->wall : k == 1 ? x->guest : x->host;
			double s[16];

			memcpy(s, v, sizeof(s));
			qsort(s, opt.rounds, sizeof(s[0]), cmp_double);
			printf("\"%s\": {", what[k]);
			jnum("median", s[opt.rounds / 2], true);
			jnum("min", s[0], true);
			jnum("max", s[opt.rounds - 1], false);
			printf(", \"runs\": [");
			for (i = 0; i < opt.rounds; i++) {
				if (i)
					printf(", ");
				if (isnan(v[i]))
					printf("null");
				else
					printf("%.6g", v[i]);
			}
			printf("]}, ");
		}
		printf("\"per_inference\": {\"input_events\": %.1f, \"syn_ops\": %.1f, "
		       "\"neuron_updates\": %.1f, \"spikes\": %.1f, \"output_events\": %.1f, "
		       "\"reset_ms\": %.4f, \"input_ms\": %.4f, \"run_wait_ms\": %.4f, "
		       "\"reset_cpu_ms\": %.4f, \"input_cpu_ms\": %.4f, \"run_wait_cpu_ms\": %.4f}}",
		       x->events / n, x->syn / n, x->upd / n, x->spikes / n,
		       x->out / n, x->t_reset / n * 1e3, x->t_input / n * 1e3,
		       x->t_run / n * 1e3, x->c_reset / n * 1e3,
		       x->c_input / n * 1e3, x->c_run / n * 1e3);
	}
	printf("]}\n");
	fflush(stdout);
out:
	for (l = 0; l < 16; l++)
		for (k = 0; k < SYN_PATTERNS; k++)
			free(ev[l][k]);
	free(res);
	snndev_unit_close(c.u);
	snndev_net_free(net);
	return ret;
}

/* ---- (d) four processes on four clusters ------------------------------- */

#include "../digits/digits_set.h"

/*
 * One process's work: open cluster cl, load the digits network, wait for
 * the start byte on go_fd (-1: start at once), classify the images (one
 * inference each: input, run 18 steps from a fresh state, wait, output)
 * and write their latencies (seconds, doubles) to res_fd.  pace > 0:
 * image i starts pace seconds after image i - 1 started (at once if that
 * time has passed), and its latency counts from its start; pace 0: back
 * to back.
 */
static int digits_proc(unsigned int cl, const struct snndev_net *net,
		       const struct image *img, size_t n_set, size_t n_img,
		       double pace, int ready_fd, int go_fd, int res_fd)
{
	struct infer_ctx c = { .steps = T_IN + 2 };
	uint64_t ev[MAX_EVENTS];
	unsigned int cores, npc, apc;
	double *lat, start;
	size_t x, i;
	char b = 0;
	int ret;

	lat = calloc(n_img, sizeof(*lat));
	if (!lat)
		return fail(EX_DEVICE, "out of memory");
	ret = open_cluster(cl, &c.u);
	if (ret)
		goto out;
	snndev_net_part_info(net, 0, &cores, &npc, &apc, &x, &x, &x, &x);
	if (snndev_unit_load(c.u, net, 0) ||
	    snndev_queue_create(c.u, SNNDEV_IN, 0, 12, &c.in) ||
	    snndev_queue_create(c.u, SNNDEV_OUT, 0, 12, &c.out)) {
		ret = dev_fail("digits");
		goto out;
	}
	if (ready_fd >= 0 && write(ready_fd, &b, 1) != 1) {
		ret = fail(EX_DEVICE, "pipe: %s", strerror(errno));
		goto out;
	}
	if (go_fd >= 0 && read(go_fd, &b, 1) != 1) {
		ret = fail(EX_DEVICE, "pipe: %s", strerror(errno));
		goto out;
	}
	/* paced streams start at different phases: 0, 1/N, 2/N.. of pace */
	start = now() + pace * (cl % opt.procs) / opt.procs;
	for (i = 0; i < n_img && !ret; i++) {
		double t0 = start + i * pace, t = now();
		size_t n_ev;

		if (pace > 0 && t < t0) {
			struct timespec ts = { .tv_sec = (time_t)(t0 - t),
				.tv_nsec = (long)((t0 - t - (time_t)(t0 - t)) * 1e9) };

			nanosleep(&ts, NULL);
		}
		t0 = now();
		n_ev = digits_encode(&img[i % n_set], apc, ev);

		ret = infer_once(&c, ev, n_ev);
		lat[i] = now() - t0;
	}
	if (!ret && write(res_fd, lat, n_img * sizeof(*lat)) !=
	    (ssize_t)(n_img * sizeof(*lat)))
		ret = fail(EX_DEVICE, "pipe: %s", strerror(errno));
out:
	snndev_unit_close(c.u);
	free(lat);
	return ret;
}

/*
 * Run processes on clusters first..first+count-1 at once; p99 (and p50)
 * of each one's latencies into p99[cl], p50[cl].
 */
static int digits_group(unsigned int first, unsigned int count,
			const struct snndev_net *net, const struct image *img,
			size_t n_set, size_t n_img, double pace, double *p50,
			double *p99)
{
	int ready[2], go[2], res[16][2];
	pid_t pid[16];
	unsigned int k;
	double *lat;
	int ret = EX_OK, st;
	char b = 1;

	lat = calloc(n_img, sizeof(*lat));
	if (!lat || pipe(ready) || pipe(go))
		return fail(EX_DEVICE, "out of memory or pipes");
	fflush(stdout);
	for (k = 0; k < count; k++) {
		if (pipe(res[k]))
			return fail(EX_DEVICE, "pipe: %s", strerror(errno));
		pid[k] = fork();
		if (pid[k] < 0)
			return fail(EX_DEVICE, "fork: %s", strerror(errno));
		if (!pid[k]) {
			close(ready[0]);
			close(go[1]);
			close(res[k][0]);
			_exit(digits_proc(first + k, net, img, n_set, n_img,
					  pace, ready[1], go[0], res[k][1]));
		}
		close(res[k][1]);
	}
	close(ready[1]);
	close(go[0]);
	/* all loaded: start them together */
	for (k = 0; k < count; k++)
		if (read(ready[0], &b, 1) != 1)
			ret = EX_DEVICE;
	for (k = 0; k < count; k++)
		if (write(go[1], &b, 1) != 1)
			ret = EX_DEVICE;
	close(go[1]);
	close(ready[0]);
	for (k = 0; k < count; k++) {
		size_t got = 0;
		ssize_t n;

		while (got < n_img * sizeof(*lat) &&
		       (n = read(res[k][0], (char *)lat + got,
				 n_img * sizeof(*lat) - got)) > 0)
			got += n;
		close(res[k][0]);
		if (waitpid(pid[k], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) || got != n_img * sizeof(*lat)) {
			ret = fail(EX_DEVICE, "the process on cluster %u failed",
				   first + k);
			continue;
		}
		qsort(lat, n_img, sizeof(*lat), cmp_double);
		p50[first + k] = pct(lat, n_img, 0.5);
		p99[first + k] = pct(lat, n_img, 0.99);
	}
	free(lat);
	return ret;
}

/* ", KEY: [v[0][k], v[1][k], ...]": one figure per round, in ms */
static void jrounds_ms(const char *key, const double v[][16], unsigned int k)
{
	unsigned int r;

	printf(", \"%s\": [", key);
	for (r = 0; r < opt.rounds; r++)
		printf("%s%.4f", r ? ", " : "", v[r][k] * 1e3);
	printf("]");
}

/* The results of one mode of (d): per round, per cluster */
struct iso_res {
	double a50[16][16], a99[16][16], t50[16][16], t99[16][16];
};

static void iso_print(const struct iso_res *x)
{
	unsigned int k;

	printf("\"clusters\": [");
	for (k = 0; k < opt.procs; k++) {
		printf("%s{\"cluster\": \"snn%u.%u\"", k ? ", " : "",
		       opt.board, k);
		jrounds_ms("alone_p50_ms", x->a50, k);
		jrounds_ms("alone_p99_ms", x->a99, k);
		jrounds_ms("together_p50_ms", x->t50, k);
		jrounds_ms("together_p99_ms", x->t99, k);
		printf("}");
	}
	printf("]");
}

/*
 * (d), in two modes: back to back (every process classifies as fast as
 * it can: on a host with fewer cores than the guest has busy vCPUs plus
 * the board's busy workers, this measures the host's CPU count) and paced
 * (each process starts an image every pace_ms, as a sensor stream would:
 * this measures what one cluster's users do to another's latency).
 */
static int bench_isolation(void)
{
	struct snndev_net *net = NULL;
	struct image *img = NULL;
	struct iso_res *res;
	size_t n_img, n_set = 0;
	unsigned int r, k, m, modes = opt.pace_ms > 0 ? 2 : 1;
	uint64_t clusters;
	struct snndev_unit *u;
	int ret;

	res = calloc(2, sizeof(*res));
	if (!res)
		return fail(EX_DEVICE, "out of memory");
	ret = digits_read_set(opt.digits_set, &img, &n_set);
	if (ret) {
		free(res);
		return ret;
	}
	n_img = opt.images;	/* the set over again if it has fewer */
	if (snndev_net_read_file(opt.digits_net, &net)) {
		free(img);
		free(res);
		return fail(EX_INPUT, "%s", snndev_errmsg());
	}
	ret = open_cluster(0, &u);
	if (ret)
		goto out;
	clusters = prop(u, SNNDEV_PROP_CLUSTERS);
	snndev_unit_close(u);
	if (clusters < opt.procs) {
		ret = fail(EX_DEVICE, "board snn%u has %llu clusters: the isolation benchmark needs %u",
			   opt.board, (unsigned long long)clusters, opt.procs);
		goto out;
	}
	for (r = 0; r < opt.rounds && !ret; r++) {
		for (m = 0; m < modes && !ret; m++) {
			double pace = m ? opt.pace_ms / 1e3 : 0;
			struct iso_res *x = &res[m];

			for (k = 0; k < opt.procs && !ret; k++)
				ret = digits_group(k, 1, net, img, n_set, n_img,
						   pace, x->a50[r], x->a99[r]);
			if (!ret)
				ret = digits_group(0, opt.procs, net, img, n_set,
						   n_img, pace, x->t50[r],
						   x->t99[r]);
		}
	}
	if (ret)
		goto out;
	bench_head("isolation");
	printf("\"network\": \"digits\", \"images\": %zu, \"timesteps\": %d, "
	       "\"state_reset\": \"%s\", \"processes\": %u, \"rounds\": %u, ",
	       n_img, T_IN + 2, run_fresh ? "run flag" : "own call",
	       opt.procs, opt.rounds);
	iso_print(&res[0]);
	if (modes > 1) {
		printf(", \"paced\": {\"period_ms\": %.4g, ", opt.pace_ms);
		iso_print(&res[1]);
		printf("}");
	}
	printf("}\n");
	fflush(stdout);
out:
	snndev_net_free(net);
	free(res);
	free(img);
	return ret;
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] [PHASE...]\n"
"The board benchmarks of make bench (docs/performance.md); PHASE: queue,\n"
"rtt, infer, isolation (default: all, in that order).  Prints one line per\n"
"phase: BENCH NAME {JSON}.\n"
"\n"
"  -B, --board N          board snnN (default 0); clusters 0..3 are used\n"
"  -t, --transport T      the first board on transport T: pci or usb; the\n"
"                         results of a board not on PCIe are named\n"
"                         PHASE_T (BENCH queue_usb ...)\n"
"  -a, --agent TTY        the host agent's serial port (scripts/vm-run.py:\n"
"                         /dev/ttyS2): QEMU's host CPU time for infer\n"
"  -r, --rounds N         repetitions of queue, infer, isolation (3, max 16)\n"
"      --events N         queue: events per batched measurement (2000000)\n"
"      --single-events N  queue: events per one-per-event measurement (40000)\n"
"      --batch N          queue: events per doorbell (256)\n"
"      --rtt-rounds N     rtt: round trips (2000)\n"
"      --levels A,B,..    infer: input activity levels, 0..1\n"
"                         (0,0.1,0.25,0.5,0.75,1)\n"
"      --inferences N     infer: inferences per level and round, at least (10)\n"
"      --infer-seconds S  infer: and for at least S seconds (0.5)\n"
"      --digits-net FILE  isolation: digits.snnet (/digits/digits.snnet)\n"
"      --digits-set FILE  isolation: test-set.txt (/digits/test-set.txt)\n"
"      --images N         isolation: images per process and run (600; the\n"
"                         test set over again if it has fewer)\n"
"      --pace-ms MS       isolation: also paced, one image per MS ms per\n"
"                         process (5; 0: back to back only)\n"
"      --separate-reset   infer, isolation: reset the state with its own call\n"
"                         before each run, not with SNNDEV_RUN_RESET_STATE\n"
"  -h, --help\n"
"\n"
"Exit status: 0 ok, 1 usage, 2 device error, 3 bad input file.\n", prog);
}

static int num(const char *opt_name, const char *s, uint64_t lo, uint64_t hi,
	       uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || *v < lo || *v > hi)
		return fail(EX_USAGE, "%s '%s': expected a number %llu..%llu",
			    opt_name, s, (unsigned long long)lo,
			    (unsigned long long)hi);
	return EX_OK;
}

/* A number of seconds or milliseconds (@unit) in lo..hi. */
static int fnum(const char *opt_name, const char *s, double lo, double hi,
		const char *unit, double *v)
{
	char *end;

	*v = strtod(s, &end);
	if (end == s || *end || !(*v >= lo && *v <= hi))
		return fail(EX_USAGE, "%s '%s': expected %s %g..%g", opt_name, s,
			    unit, lo, hi);
	return EX_OK;
}

static int parse_levels(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL, *end;

	opt.n_levels = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		double a = strtod(tok, &end);

		if (end == tok || *end || !(a >= 0 && a <= 1) ||
		    opt.n_levels == 16) {
			free(copy);
			return fail(EX_USAGE, "--levels '%s': expected up to 16 activity levels 0..1, comma-separated",
				    s);
		}
		opt.levels[opt.n_levels++] = a;
	}
	free(copy);
	if (!opt.n_levels)
		return fail(EX_USAGE, "--levels: no level");
	return EX_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "board", required_argument, NULL, 'B' },
		{ "transport", required_argument, NULL, 't' },
		{ "agent", required_argument, NULL, 'a' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "events", required_argument, NULL, 1 },
		{ "single-events", required_argument, NULL, 2 },
		{ "batch", required_argument, NULL, 3 },
		{ "rtt-rounds", required_argument, NULL, 4 },
		{ "levels", required_argument, NULL, 5 },
		{ "inferences", required_argument, NULL, 6 },
		{ "digits-net", required_argument, NULL, 7 },
		{ "digits-set", required_argument, NULL, 8 },
		{ "images", required_argument, NULL, 9 },
		{ "infer-seconds", required_argument, NULL, 10 },
		{ "separate-reset", no_argument, NULL, 11 },
		{ "pace-ms", required_argument, NULL, 12 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const phases[] = { "queue", "rtt", "infer",
					      "isolation" };
	bool want[4] = { false };
	uint64_t v;
	int o, i, k, ret = EX_OK;

	while ((o = getopt_long(argc, argv, "B:t:a:r:h", opts, NULL)) != -1) {
		switch (o) {
		case 'B':
			ret = num("--board", optarg, 0, 1023, &v);
			opt.board = (unsigned int)v;
			opt.board_set = true;
			break;
		case 't':
			if (strcmp(optarg, "pci") && strcmp(optarg, "usb"))
				ret = fail(EX_USAGE, "--transport '%s': expected pci or usb",
					   optarg);
			opt.transport = optarg;
			break;
		case 'a':
			opt.agent = optarg;
			break;
		case 'r':
			ret = num("--rounds", optarg, 1, 16, &v);
			opt.rounds = (unsigned int)v;
			break;
		case 1:
			ret = num("--events", optarg, 1, 1ULL << 40, &v);
			opt.batched_events = v;
			break;
		case 2:
			ret = num("--single-events", optarg, 1, 1ULL << 40, &v);
			opt.single_events = v;
			break;
		case 3:
			ret = num("--batch", optarg, 1, 1U << 20, &v);
			opt.batch = (unsigned int)v;
			break;
		case 4:
			ret = num("--rtt-rounds", optarg, 1, 10000000, &v);
			opt.rtt_rounds = (unsigned int)v;
			break;
		case 5:
			ret = parse_levels(optarg);
			break;
		case 6:
			ret = num("--inferences", optarg, 1, 1000000, &v);
			opt.infer_n = (unsigned int)v;
			break;
		case 7:
			opt.digits_net = optarg;
			break;
		case 8:
			opt.digits_set = optarg;
			break;
		case 9:
			ret = num("--images", optarg, 1, 100000, &v);
			opt.images = (unsigned int)v;
			break;
		case 10:
			ret = fnum("--infer-seconds", optarg, 0, 3600, "seconds",
				   &opt.infer_s);
			break;
		case 11:
			run_fresh = false;
			break;
		case 12:
			ret = fnum("--pace-ms", optarg, 0, 10000, "milliseconds",
				   &opt.pace_ms);
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
		if (ret)
			return ret;
	}
	for (i = optind; i < argc; i++) {
		for (k = 0; k < 4; k++)
			if (!strcmp(argv[i], phases[k]))
				break;
		if (k == 4) {
			usage(stderr);
			return fail(EX_USAGE, "unknown phase '%s' (queue, rtt, infer, isolation)",
				    argv[i]);
		}
		want[k] = true;
	}
	if (optind == argc)
		want[0] = want[1] = want[2] = want[3] = true;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = pick_board();
	if (ret)
		return ret;
	fprintf(stderr, "%s: board snn%u (%s, %s)\n", prog, opt.board,
		opt.tp_name, opt.bus_id);
	ret = agent_open();
	for (k = 0; k < 4 && !ret; k++) {
		double t0 = now();

		if (!want[k])
			continue;
		fprintf(stderr, "%s: %s: %s...\n", prog, opt.tp_name, phases[k]);
		if (k == 0)
			ret = bench_queue();
		else if (k == 1)
			ret = bench_rtt();
		else if (k == 2)
			ret = bench_infer();
		else
			ret = bench_isolation();
		fprintf(stderr, "%s: %s: %s took %.1f s\n", prog, opt.tp_name,
			phases[k], now() - t0);
	}
	if (agent_fd >= 0)
		close(agent_fd);
	return ret;
}
