// SPDX-License-Identifier: GPL-2.0
/*
 * load and run: a network on one or more clusters.
 *
 * run feeds the input with back-pressure and never runs a timestep before
 * all of its input is in the queues (the device never waits for input):
 * it runs the clusters up to the timestep of the first event that is not
 * queued yet, and extends the run as the queues take more.  With routes
 * between clusters it runs them in lockstep batches of 1 + route delay
 * timesteps (docs/hardware.md 9.5), so every routed spike arrives in
 * time.  Output events are sorted by (timestep, part, core, neuron) and
 * written once every cluster has completed their timestep.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "names.h"
#include "netio.h"
#include "session.h"
#include "snnctl.h"
#include "spikes.h"

#define MAX_QUEUES	8
#define DEFAULT_QLOG2	16

/* ---- load ---------------------------------------------------------------------- */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "part", required_argument, NULL, 'p' },
		{ "hold", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct session s;
	struct snndev_net *net = NULL;
	uint64_t part = 0;
	bool hold = false, have_part = false;
	struct sigaction sa;
	sigset_t block, old;
	struct json j;
	unsigned int k;
	int o, ret;

	while ((o = snnctl_getopt(argc, argv, "p:", opts)) != -1) {
		switch (o) {
		case 'h':
			return snnctl_help("load");
		case 'p':
			if (snnctl_parse_u64(optarg, 0xffff, &part))
				return snnctl_usage_err("load",
							"--part '%s' is not a part number",
							optarg);
			have_part = true;
			break;
		case 'H':
			hold = true;
			break;
		default:
			return SNNCTL_EX_USAGE;
		}
	}
	if (argc - optind != 2)
		return snnctl_usage_err("load", argc - optind < 2 ?
					"load needs UNIT[,UNIT...] and NETFILE" :
					"too many arguments");
	memset(&s, 0, sizeof(s));
	ret = session_units(&s, argv[optind]);
	if (ret)
		goto out;
	ret = net_read_any(argv[optind + 1], &net, NULL);
	if (ret)
		goto out;
	ret = session_match(&s, net, have_part ? (int)part : -1);
	if (ret)
		goto out;
	ret = session_plan(&s);
	if (ret)
		goto out;
	if (hold) {
		/* install before loading: a signal during the load is kept */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	ret = session_open_load(&s);
	if (ret)
		goto out;
	if (snnctl_opt.json) {
		json_init(&j, stdout);
		json_obj_begin(&j);
		json_key(&j, "clusters");
		json_arr_begin(&j);
		for (k = 0; k < s.n; k++) {
			json_obj_begin(&j);
			json_kstr(&j, "name", s.name[k]);
			json_ku64(&j, "part", s.part[k]);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_ku64(&j, "routes", s.route_router ?
			  snndev_net_num_routes(net) : 0);
		json_kbool(&j, "held", hold);
		json_obj_end(&j);
		json_end(&j);
	} else {
		for (k = 0; k < s.n; k++)
			printf("%s: loaded part %u of %s\n", s.name[k],
			       s.part[k], argv[optind + 1]);
		if (s.route_router)
			printf("added %zu route%s\n", snndev_net_num_routes(net),
			       snndev_net_num_routes(net) == 1 ? "" : "s");
		if (!hold)
			printf("released again: a cluster keeps its network only while its owner holds it (--hold, or use 'snnctl run')\n");
	}
	fflush(stdout);
	if (hold) {
		if (!snnctl_opt.json)
			fprintf(stderr, "%s: holding %u cluster%s; interrupt (Ctrl-C) or terminate to release\n",
				snnctl_prog, s.n, s.n == 1 ? "" : "s");
		/*
		 * Block the signals before the last check and wait in
		 * sigsuspend(): a signal that arrives between the check and
		 * the wait stays pending instead of being lost (pause() would
		 * then sleep for ever).
		 */
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGHUP);
		sigprocmask(SIG_BLOCK, &block, &old);
		while (!got_signal)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	ret = SNNCTL_EX_OK;
out:
	session_close(&s);
	snndev_net_free(net);
	return ret;
}

/* ---- run ----------------------------------------------------------------------- */

struct part_run {
	struct snndev_unit *u;
	struct snndev_queue *inq[MAX_QUEUES];
	struct snndev_queue *outq[MAX_QUEUES];
	bool dirty[MAX_QUEUES];		/* committed, not flushed */
	unsigned int n_in, n_out, next_in;
	unsigned int apc, npc, cores;
	struct snndev_status st;
	bool full;			/* input waits for queue space */
};

struct run {
	struct session s;
	struct part_run p[SESSION_MAX_PARTS];
	struct spk_reader rd;
	struct spk_out out;
	/* input: every event, read ahead (no --steps), or streamed */
	struct spk_event *all;
	size_t n_all, i_all;
	struct spk_event pending;
	bool have_pending, eof;
	uint64_t steps, target, in_events, skipped;
	unsigned int qlog2;
	bool qlog2_set;
	double timeout;
};

/* The next input event: 1, 0 at the end, or an exit status (negated). */
static int next_event(struct run *r, struct spk_event *ev)
{
	int ret;

	if (r->all) {
		if (r->i_all == r->n_all)
			return 0;
		*ev = r->all[r->i_all++];
		return 1;
	}
	ret = spk_reader_next(&r->rd, ev);
	if (ret == -1)
		return -snnctl_err(SNNCTL_EX_INPUT, "%s", r->rd.err);
	if (ret == -2)
		return -snnctl_err(SNNCTL_EX_DEVICE, "%s", r->rd.err);
	return ret;
}

static int read_all(struct run *r)
{
	struct spk_event ev;
	size_t cap = 0;
	int ret;

	while ((ret = spk_reader_next(&r->rd, &ev)) == 1) {
		if (r->n_all == cap) {
			struct spk_event *v;

			cap = cap ? cap * 2 : 4096;
			v = realloc(r->all, cap * sizeof(*v));
			if (!v)
				return snnctl_err(SNNCTL_EX_DEVICE,
						  "out of memory");
			r->all = v;
		}
		r->all[r->n_all++] = ev;
	}
	if (ret == -1)
		return snnctl_err(SNNCTL_EX_INPUT, "%s", r->rd.err);
	if (ret == -2)
		return snnctl_err(SNNCTL_EX_DEVICE, "%s", r->rd.err);
	if (!r->all) {
		r->all = malloc(sizeof(*r->all));	/* mark: read ahead */
		if (!r->all)
			return snnctl_err(SNNCTL_EX_DEVICE, "out of memory");
	}
	return SNNCTL_EX_OK;
}

static int setup_queues(struct run *r)
{
	unsigned int k, q, log2;
	int ret;

	for (k = 0; k < r->s.n; k++) {
		struct part_run *p = &r->p[k];
		uint64_t nin = 0, nout = 0, depth = 0;
		unsigned int maxlog = 0;

		p->u = r->s.unit[k];
		snndev_unit_prop(p->u, SNNDEV_PROP_IN_QUEUES, &nin);
		snndev_unit_prop(p->u, SNNDEV_PROP_OUT_QUEUES, &nout);
		snndev_unit_prop(p->u, SNNDEV_PROP_MAX_QUEUE_DEPTH, &depth);
		while (maxlog < 63 && (2ULL << maxlog) <= depth)
			maxlog++;
		if (r->qlog2_set && r->qlog2 > maxlog)
			return snnctl_usage_err("run",
						"--queue-log2 %u: %s's queues hold at most 2^%u events",
						r->qlog2, r->s.name[k], maxlog);
		log2 = r->qlog2_set ? r->qlog2 :
		       (maxlog < DEFAULT_QLOG2 ? maxlog : DEFAULT_QLOG2);
		p->n_in = nin > MAX_QUEUES ? MAX_QUEUES : (unsigned int)nin;
		p->n_out = nout > MAX_QUEUES ? MAX_QUEUES : (unsigned int)nout;
		for (q = 0; q < p->n_in; q++) {
			ret = snndev_queue_create(p->u, SNNDEV_IN, q, log2,
						  &p->inq[q]);
			if (ret)
				return snnctl_lib_err(SNNCTL_EX_DEVICE, ret,
						      "%s: cannot create input queue %u",
						      r->s.name[k], q);
		}
		for (q = 0; q < p->n_out; q++) {
			ret = snndev_queue_create(p->u, SNNDEV_OUT, q, log2,
						  &p->outq[q]);
			if (ret)
				return snnctl_lib_err(SNNCTL_EX_DEVICE, ret,
						      "%s: cannot create output queue %u",
						      r->s.name[k], q);
		}
	}
	return SNNCTL_EX_OK;
}

/* Queue one event in a queue of its part with room; false if all full. */
static bool queue_event(struct part_run *p, const struct spk_event *ev)
{
	unsigned int i, q;
	uint64_t *slot;

	for (i = 0; i < p->n_in; i++) {
		q = (p->next_in + i) % p->n_in;
		if (snndev_queue_prepare(p->inq[q], &slot, 1) == 1) {
			*slot = htole64(snndev_event(ev->t, ev->axon / p->apc,
						     ev->axon % p->apc));
			snndev_queue_commit(p->inq[q], 1);
			p->dirty[q] = true;
			p->next_in = q;
			return true;
		}
	}
	return false;
}

/* Queue as much input as fits; 0 or an exit status. */
static int push_input(struct run *r)
{
	unsigned int k, q;
	int ret;

	for (k = 0; k < r->s.n; k++)
		r->p[k].full = false;
	while (!r->eof) {
		if (!r->have_pending) {
			ret = next_event(r, &r->pending);
			if (ret < 0)
				return -ret;
			if (ret == 0) {
				r->eof = true;
				break;
			}
			r->have_pending = true;
		}
		if (r->pending.t >= r->steps)
			break;		/* past the run: not applied */
		/* parts are matched to clusters in order (session_match) */
		if (!queue_event(&r->p[r->pending.part], &r->pending)) {
			r->p[r->pending.part].full = true;
			break;
		}
		r->have_pending = false;
		r->in_events++;
	}
	for (k = 0; k < r->s.n; k++) {
		for (q = 0; q < r->p[k].n_in; q++) {
			if (!r->p[k].dirty[q])
				continue;
			ret = snndev_queue_flush(r->p[k].inq[q]);
			if (ret)
				return snnctl_lib_err(SNNCTL_EX_DEVICE, ret,
						      "%s: input queue %u",
						      r->s.name[k], q);
			r->p[k].dirty[q] = false;
		}
	}
	return SNNCTL_EX_OK;
}

/* The first timestep whose input is not all queued yet (capped at steps). */
static uint64_t ready_until(const struct run *r)
{
	if (r->have_pending && r->pending.t < r->steps)
		return r->pending.t;
	return r->steps;
}

static int drain_output(struct run *r, unsigned int k)
{
	struct part_run *p = &r->p[k];
	const uint64_t *ev;
	unsigned int q;
	size_t n, i;
	int ret;

	for (q = 0; q < p->n_out; q++) {
		while ((n = snndev_queue_peek(p->outq[q], &ev)) > 0) {
			for (i = 0; i < n; i++) {
				uint64_t e = le64toh(ev[i]);

				if (spk_out_add(&r->out, r->s.part[k],
						snndev_event_timestep(e),
						snndev_event_core(e),
						snndev_event_index(e)))
					return snnctl_err(SNNCTL_EX_DEVICE,
							  "out of memory");
			}
			ret = snndev_queue_release(p->outq[q], n);
			if (ret)
				return snnctl_lib_err(SNNCTL_EX_DEVICE, ret,
						      "%s: output queue %u",
						      r->s.name[k], q);
		}
	}
	return SNNCTL_EX_OK;
}

static const char *state_name(enum snndev_state s)
{
	switch (s) {
	case SNNDEV_STATE_IDLE:
		return "idle";
	case SNNDEV_STATE_RUNNING:
		return "running";
	case SNNDEV_STATE_STALLED:
		return "stalled";
	case SNNDEV_STATE_ERROR:
		return "error";
	case SNNDEV_STATE_HUNG:
		return "hung";
	}
	return "?";
}

/*
 * Every cluster is idle at the target and the next input did not fit when
 * this pass began.  That pass saw the input queues' consumer indices of
 * before the wait: the device may have consumed more since (on USB the
 * index is the driver's copy, brought up to date by the wait).  Queue
 * again; true if anything more went in (the loop goes on), false (and
 * *ret an exit status on an error) if the input really does not fit.
 */
static bool input_fits_now(struct run *r, int *ret)
{
	uint64_t before = r->in_events;

	*ret = push_input(r);
	if (*ret)
		return false;
	return r->in_events != before || !r->have_pending ||
	       ready_until(r) != r->target;
}

static int run_loop(struct run *r)
{
	unsigned int k, batch = r->s.route_router ? r->s.min_delay + 1 : 0;
	uint64_t min_done = 0, last_done = 0, ready, want;
	double last_progress = snnctl_now();
	struct snnctl_progress prog;
	struct pollfd pfd[SESSION_MAX_PARTS];
	int ret;

	snnctl_progress_start(&prog);
	r->target = 0;
	for (;;) {
		bool all_idle = true;

		ret = push_input(r);
		if (ret)
			return ret;
		ready = ready_until(r);
		want = ready;
		if (batch && want > min_done + batch)
			want = min_done + batch;
		if (want > r->target) {
			for (k = 0; k < r->s.n; k++) {
				ret = snndev_unit_run(r->p[k].u,
						      (unsigned int)(want - r->target));
				if (ret)
					return snnctl_lib_err(SNNCTL_EX_DEVICE, ret,
							      "%s: cannot run",
							      r->s.name[k]);
			}
			r->target = want;
		}

		for (k = 0; k < r->s.n; k++) {
			pfd[k].fd = snndev_unit_fd(r->p[k].u);
			pfd[k].events = POLLIN | POLLPRI |
					(r->p[k].full ? POLLOUT : 0);
			pfd[k].revents = 0;
		}
		if (poll(pfd, r->s.n, 100) < 0 && errno != EINTR)
			return snnctl_err(SNNCTL_EX_DEVICE, "poll: %s",
					  strerror(errno));

		min_done = UINT64_MAX;
		for (k = 0; k < r->s.n; k++) {
			struct part_run *p = &r->p[k];

			ret = snndev_unit_wait(p->u, 0, SNNDEV_WAIT_OUTPUT,
					       &p->st);
			/* (the library's message has the device's error) */
			if (ret && ret != -ETIMEDOUT)
				return snnctl_lib_err(SNNCTL_EX_DEVICE, ret,
						      "%s: run failed", r->s.name[k]);
			ret = drain_output(r, k);
			if (ret)
				return ret;
			if (p->st.timestep < min_done)
				min_done = p->st.timestep;
			if (p->st.state != SNNDEV_STATE_IDLE)
				all_idle = false;
		}
		ret = spk_out_flush(&r->out, min_done);
		if (ret)
			return snnctl_err(SNNCTL_EX_DEVICE,
					  "writing the output spikes: %s",
					  strerror(-ret));
		snnctl_progress_update(&prog,
				       "run: timestep %llu of %llu (%.0f%%), %llu input events queued, %llu spikes out",
				       (unsigned long long)min_done,
				       (unsigned long long)r->steps,
				       r->steps ? 100.0 * min_done / r->steps : 100.0,
				       (unsigned long long)r->in_events,
				       (unsigned long long)(r->out.written + r->out.n));

		if (all_idle && min_done >= r->steps)
			break;
		if (min_done != last_done) {
			last_done = min_done;
			last_progress = snnctl_now();
		}
		if (all_idle && min_done == r->target && r->target < r->steps &&
		    ready_until(r) == r->target && r->have_pending &&
		    !input_fits_now(r, &ret)) {
			/* every cluster waits for input that does not fit */
			struct part_run *p = &r->p[r->pending.part];
			size_t depth = snndev_queue_entries(p->inq[0]);

			if (ret)
				return ret;

			snnctl_progress_done(&prog);
			return snnctl_err(SNNCTL_EX_INPUT,
					  "timestep %u has more input events for part %u than %s's %u input queue%s of %zu events hold%s",
					  r->pending.t, r->pending.part,
					  r->s.name[r->pending.part], p->n_in,
					  p->n_in == 1 ? "" : "s", depth,
					  r->qlog2_set ? " (try a larger --queue-log2)" : "");
		}
		if (snnctl_now() - last_progress > r->timeout &&
		    r->target > min_done) {
			snnctl_progress_done(&prog);
			for (k = 0; k < r->s.n; k++)
				if (r->p[k].st.timestep == min_done)
					break;
			return snnctl_err(SNNCTL_EX_DEVICE,
					  "%s: no timestep completed for %g s (at timestep %llu, state %s)",
					  r->s.name[k < r->s.n ? k : 0], r->timeout,
					  (unsigned long long)min_done,
					  state_name(r->p[k < r->s.n ? k : 0].st.state));
		}
	}
	snnctl_progress_done(&prog);
	ret = spk_out_flush(&r->out, UINT64_MAX);
	if (!ret && fflush(r->out.f))
		ret = -errno;
	if (ret)
		return snnctl_err(SNNCTL_EX_DEVICE, "writing the output spikes: %s",
				  strerror(-ret));
	return SNNCTL_EX_OK;
}

/* After the run: the input events not applied (at timesteps >= steps). */
static int count_skipped(struct run *r, bool regular)
{
	struct spk_event ev;
	int ret;

	if (r->have_pending && r->pending.t >= r->steps) {
		r->skipped++;
		r->have_pending = false;
	}
	if (r->all) {
		r->skipped += r->n_all - r->i_all;
		return SNNCTL_EX_OK;
	}
	if (!regular || r->eof)
		return SNNCTL_EX_OK;	/* a stream: do not wait for its end */
	while ((ret = next_event(r, &ev)) == 1)
		r->skipped++;
	return ret < 0 ? -ret : SNNCTL_EX_OK;
}

static void print_stats(struct run *r)
{
	uint64_t v[SNNDEV_CNT_COUNT];
	unsigned int k;
	int c;

	for (k = 0; k < r->s.n; k++) {
		if (snndev_unit_counters(r->p[k].u, v, SNNDEV_CNT_COUNT) < 0) {
			snnctl_lib_err(SNNCTL_EX_DEVICE, -EIO,
				       "%s: cannot read the counters",
				       r->s.name[k]);
			continue;
		}
		fprintf(stderr, "%s (part %u):", r->s.name[k], r->s.part[k]);
		for (c = 0; c < SNNDEV_CNT_COUNT; c++)
			fprintf(stderr, " %s %llu", snndev_counter_name(c),
				(unsigned long long)v[c]);
		fputc('\n', stderr);
	}
	fprintf(stderr, "run: %llu timesteps, %llu input events, %llu output spikes\n",
		(unsigned long long)r->steps, (unsigned long long)r->in_events,
		(unsigned long long)r->out.written);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "steps", required_argument, NULL, 'n' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "queue-log2", required_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = "-", *outpath = "-";
	struct snndev_net *net = NULL;
	uint32_t n_axons[SPK_MAX_PARTS], npc[SPK_MAX_PARTS];
	bool have_steps = false, stats = false, regular = false;
	struct run *r;
	FILE *outf = stdout;
	struct stat sb;
	uint64_t v;
	unsigned int k, p;
	int o, ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return snnctl_err(SNNCTL_EX_DEVICE, "out of memory");
	r->timeout = 60;
	while ((o = snnctl_getopt(argc, argv, "n:i:o:", opts)) != -1) {
		switch (o) {
		case 'h':
			free(r);
			return snnctl_help("run");
		case 'n':
			if (snnctl_parse_u64(optarg, UINT32_MAX, &r->steps)) {
				free(r);
				return snnctl_usage_err("run",
							"--steps '%s' is not a number of timesteps in 0..%u",
							optarg, UINT32_MAX);
			}
			have_steps = true;
			break;
		case 'i':
			in = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'q':
			if (snnctl_parse_u64(optarg, 31, &v) || !v) {
				free(r);
				return snnctl_usage_err("run",
							"--queue-log2 '%s' is not a number in 1..31",
							optarg);
			}
			r->qlog2 = (unsigned int)v;
			r->qlog2_set = true;
			break;
		case 't':
			if (snnctl_parse_seconds(optarg, 1e6, &r->timeout)) {
				free(r);
				return snnctl_usage_err("run",
							"--timeout '%s' is not a number of seconds",
							optarg);
			}
			break;
		case 's':
			stats = true;
			break;
		default:
			free(r);
			return SNNCTL_EX_USAGE;
		}
	}
	if (argc - optind != 2) {
		free(r);
		return snnctl_usage_err("run", argc - optind < 2 ?
					"run needs UNIT[,UNIT...] and NETFILE" :
					"too many arguments");
	}
	if (snnctl_opt.json) {
		free(r);
		return snnctl_usage_err("run",
					"--json: run writes spikes, not JSON (use --stats, or 'snnctl stats --json')");
	}
	if (!strcmp(in, "-") && !strcmp(argv[optind + 1], "-")) {
		free(r);
		return snnctl_usage_err("run",
					"the network and the input spikes cannot both come from stdin");
	}

	ret = session_units(&r->s, argv[optind]);
	if (ret)
		goto out;
	ret = net_read_any(argv[optind + 1], &net, NULL);
	if (ret)
		goto out;
	ret = session_match(&r->s, net, -1);
	if (ret)
		goto out;
	for (p = 0; p < snndev_net_num_parts(net) && p < SPK_MAX_PARTS; p++) {
		unsigned int cores, n, a;
		size_t x;

		snndev_net_part_info(net, p, &cores, &n, &a, &x, &x, &x, &x);
		n_axons[p] = cores * a;
		npc[p] = n;
		r->p[p].apc = a;
		r->p[p].npc = n;
		r->p[p].cores = cores;
	}
	ret = session_plan(&r->s);
	if (ret)
		goto out;

	/* the input: read ahead without --steps (its last timestep + 1) */
	if (!strcmp(in, "-") && isatty(STDIN_FILENO))
		fprintf(stderr, "%s: reading input spikes from the terminal: end with Ctrl-D (--in /dev/null for none)\n",
			snnctl_prog);
	if (spk_reader_open(&r->rd, in, r->s.n, n_axons)) {
		ret = snnctl_err(SNNCTL_EX_DEVICE, "%s", r->rd.err);
		goto out;
	}
	regular = !fstat(fileno(r->rd.f), &sb) && S_ISREG(sb.st_mode);
	if (!have_steps) {
		ret = read_all(r);
		if (ret)
			goto out;
		r->steps = r->n_all ? (uint64_t)r->all[r->n_all - 1].t + 1 : 0;
	}
	if (strcmp(outpath, "-")) {
		outf = fopen(outpath, "w");
		if (!outf) {
			ret = snnctl_err(SNNCTL_EX_DEVICE, "%s: %s", outpath,
					 strerror(errno));
			outf = stdout;
			goto out;
		}
	}
	spk_out_init(&r->out, outf, r->s.n, npc);

	ret = session_open_load(&r->s);
	if (ret)
		goto out;
	ret = setup_queues(r);
	if (ret)
		goto out;
	if (r->steps) {
		ret = run_loop(r);
		if (ret)
			goto out;
	}
	ret = count_skipped(r, regular);
	if (ret)
		goto out;
	if (r->skipped)
		fprintf(stderr, "%s: note: %llu input events at timesteps >= %llu were not applied\n",
			snnctl_prog, (unsigned long long)r->skipped,
			(unsigned long long)r->steps);
	if (stats)
		print_stats(r);
	ret = SNNCTL_EX_OK;
out:
	for (k = 0; k < r->s.n; k++) {
		for (p = 0; p < MAX_QUEUES; p++) {
			if (r->p[k].inq[p])
				snndev_queue_destroy(r->p[k].inq[p]);
			if (r->p[k].outq[p])
				snndev_queue_destroy(r->p[k].outq[p]);
		}
	}
	session_close(&r->s);
	spk_reader_close(&r->rd);
	spk_out_free(&r->out);
	if (outf != stdout && fclose(outf) && !ret)
		ret = snnctl_err(SNNCTL_EX_DEVICE, "%s: write error: %s",
				 outpath, strerror(errno));
	free(r->all);
	free(r);
	snndev_net_free(net);
	return ret;
}
