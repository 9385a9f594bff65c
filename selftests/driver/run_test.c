// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko: real runs checked bit for bit against the host reference engine.
 *
 * selftests/driver/gen-reference.sh makes, on the host, a network in
 * snn-mkimg's text format, an input spike file and snn-sim's output for
 * them; the VM gets the three files (--file ...:/ref/net.txt etc.).  Here
 * the text network is parsed into the uapi arrays, loaded with
 * SNN_IOC_LOAD, the input queued, the cluster run and its output read
 * from the mapped output queues, printed as "timestep neuron" and compared
 * with snn-sim's lines.  Then the same on two clusters by two processes
 * at once, ownership (-EBUSY) across processes, and sysfs counters read by
 * others while a cluster is held.
 *
 *   run_test [--ref DIR] [--board BUS]     (DIR default /ref)
 *
 * Board: --board BUS, else the first board with two clusters.
 */
#include "snn_test_lib.h"

#include "kselftest_harness.h"

#define REF_OUTQS	4

struct ref {
	struct snnt_net net;
	struct snnt_evs in;
	char *expected;
	size_t n_expected;
	uint32_t steps;
	uint8_t *outq;		/* flat neuron -> output queue, 0xff: none */
};

static void ref_free(struct ref *r)
{
	snnt_net_free(&r->net);
	snnt_evs_free(&r->in);
	free(r->expected);
	free(r->outq);
}

/* Read DIR/net.txt, in.txt and expected.txt; 0 or -1 with a message. */
static int ref_read(struct ref *r, char *err, size_t len)
{
	char path[256], *text, *p;
	uint32_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/net.txt", snnt_opt.ref);
	text = snnt_slurp(path);
	if (!text) {
		snprintf(err, len, "%s: %s (make it with selftests/driver/gen-reference.sh and pass it with vm-run.py --file)",
			 path, strerror(errno));
		return -1;
	}
	ret = snnt_net_parse(&r->net, text, err, len);
	free(text);
	if (ret)
		return -1;
	r->outq = malloc(r->net.cores * r->net.npc);
	memset(r->outq, 0xff, r->net.cores * r->net.npc);
	for (i = 0; i < r->net.n_nrn; i++)
		if (r->net.nrn[i].flags & SNN_NEURON_OUT)
			r->outq[r->net.nrn[i].core * r->net.npc +
				r->net.nrn[i].index] = r->net.nrn[i].outq;

	snprintf(path, sizeof(path), "%s/in.txt", snnt_opt.ref);
	text = snnt_slurp(path);
	if (!text) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	p = strstr(text, "# snn-sim -n ");
	if (!p) {
		snprintf(err, len, "%s: no '# snn-sim -n STEPS' line", path);
		free(text);
		return -1;
	}
	r->steps = strtoul(p + 13, NULL, 10);
	ret = snnt_parse_input(text, r->net.apc, &r->in, err, len);
	free(text);
	if (ret)
		return -1;

	snprintf(path, sizeof(path), "%s/expected.txt", snnt_opt.ref);
	r->expected = snnt_slurp(path);
	if (!r->expected) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (p = r->expected; *p; p++)
		r->n_expected += *p == '\n';
	return 0;
}

/* Where two texts first differ: line number, and both lines. */
static void report_diff(const char *want, const char *got)
{
	unsigned long line = 1;
	const char *w = want, *g = got;

	while (*w && *w == *g) {
		if (*w == '\n')
			line++;
		w++;
		g++;
	}
	while (w > want && w[-1] != '\n')
		w--;
	while (g > got && g[-1] != '\n')
		g--;
	printf("# first difference at line %lu: expected '%.*s', board '%.*s'\n",
	       line, (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
}

/*
 * Run the reference on the cluster open as @fd: load, queue the input,
 * run, collect.  Returns 0 if the board's output is exactly snn-sim's,
 * else a message in err.  Counters of the run in *c.
 */
/*
 * Load, queue the input, run, collect, compare with snn-sim.  @run_flags
 * SNN_RUN_RESET_STATE: no load (the network of an earlier ref_run() is
 * still there) and the run starts from a fresh state by itself.
 */
static int ref_run_flags(int fd, const struct ref *r, struct snn_counters *c,
			 uint32_t run_flags, char *err, size_t len)
{
	struct snnt_queue in, out[REF_OUTQS];
	struct snnt_evs got[REF_OUTQS], all = { 0 };
	uint32_t log2 = 1, i, q;
	struct snn_wait w;
	char *text;
	int ret;

	memset(got, 0, sizeof(got));
	ret = run_flags ? 0 : snnt_load(fd, &r->net);
	if (ret) {
		snprintf(err, len, "LOAD: %s", snnt_errname(ret));
		return -1;
	}
	while ((1u << log2) < r->in.n)
		log2++;
	ret = snnt_queue_open(&in, fd, SNN_QUEUE_IN, 0, log2);
	for (q = 0; !ret && q < REF_OUTQS; q++)
		ret = snnt_queue_open(&out[q], fd, SNN_QUEUE_OUT, q, 8);
	if (ret) {
		snprintf(err, len, "queues: %s", snnt_errname(ret));
		return -1;
	}
	/* all input is in the ring before the run: nothing is late */
	ret = snnt_queue_push(&in, r->in.ev, r->in.n);
	if (ret != (int)r->in.n) {
		snprintf(err, len, "queued %d of %zu events", ret, r->in.n);
		return -1;
	}
	ret = snnt_ioctl(fd, SNN_IOC_RUN, &(struct snn_run){
		.steps = r->steps, .flags = run_flags });
	if (!ret)
		ret = snnt_collect_q(fd, out, REF_OUTQS, got, 1, 60 * SNNT_NS,
				     &w);
	if (ret) {
		snprintf(err, len, "run: %s (state %u error %u info %#x)",
			 snnt_errname(ret), w.state, w.error, w.error_info);
		return -1;
	}
	if (w.timestep != r->steps) {
		snprintf(err, len, "stopped at timestep %u of %u", w.timestep,
			 r->steps);
		return -1;
	}
	/* every spike went to its neuron's queue, in order */
	for (q = 0; q < REF_OUTQS; q++) {
		for (i = 0; i < got[q].n; i++) {
			uint64_t e = got[q].ev[i];
			uint32_t flat = SNN_EVENT_CORE(e) * r->net.npc +
					SNN_EVENT_INDEX(e);

			if (SNN_EVENT_CORE(e) >= r->net.cores ||
			    SNN_EVENT_INDEX(e) >= r->net.npc ||
			    r->outq[flat] != q || e >> 56 ||
			    (i && snnt_ev_cmp(&got[q].ev[i - 1], &e) >= 0)) {
				snprintf(err, len, "queue %u event %u (%#llx) is not in order or not for this queue",
					 q, i, (unsigned long long)e);
				return -1;
			}
			snnt_evs_add(&all, e);
		}
		snnt_evs_free(&got[q]);
	}
	snnt_evs_sort(&all);
	text = snnt_evs_text(&all, r->net.npc);
	ret = strcmp(text, r->expected) ? -1 : 0;
	if (ret) {
		snprintf(err, len, "board: %zu spikes, snn-sim: %zu; outputs differ",
			 all.n, r->n_expected);
		report_diff(r->expected, text);
	}
	free(text);
	snnt_evs_free(&all);
	if (c && snnt_counters(fd, c))
		ret = -1;
	snnt_queue_unmap(&in);
	ioctl(fd, SNN_IOC_QUEUE_DESTROY, &(struct snn_queue_id){ 0, 0 });
	for (q = 0; q < REF_OUTQS; q++) {
		snnt_queue_unmap(&out[q]);
		ioctl(fd, SNN_IOC_QUEUE_DESTROY,
		      &(struct snn_queue_id){ SNN_QUEUE_OUT, q });
	}
	return ret;
}

static int ref_run(int fd, const struct ref *r, struct snn_counters *c,
		   char *err, size_t len)
{
	return ref_run_flags(fd, r, c, 0, err, len);
}

/*
 * The interrupts of board @bus's cluster @cl so far (/proc/interrupts, all
 * CPUs), or -1 if its vector is not listed.
 */
static long long cluster_irqs(const char *bus, unsigned int cl)
{
	char line[1024], name[64], *p, *end;
	long long n = -1, v;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	snprintf(name, sizeof(name), " snn-%s-cl%u\n", bus, cl);
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line), k = strlen(name);

		if (l < k || strcmp(line + l - k, name))
			continue;
		p = strchr(line, ':');
		if (!p)
			break;
		for (n = 0, p++;; p = end) {
			v = strtoll(p, &end, 10);
			if (end == p)
				break;
			n += v;
		}
		break;
	}
	fclose(f);
	return n;
}

FIXTURE(run) {
	struct snnt_board b;
	struct ref ref;
};

FIXTURE_SETUP(run)
{
	char err[1024] = "";

	ASSERT_EQ(0, snnt_pick_board(&self->b, 2, 0));
	ASSERT_EQ(0, ref_read(&self->ref, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_LE(REF_OUTQS, self->b.info.out_queues);
	ASSERT_LT(0, self->ref.n_expected) TH_LOG("empty expected output");
}

FIXTURE_TEARDOWN(run)
{
	ref_free(&self->ref);
}

TEST_F(run, reference_matches_host_engine_bit_for_bit)
{
	struct snn_counters c;
	char err[1024] = "";
	int fd = snnt_open(self->b.index, 0, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ref_run(fd, &self->ref, &c, err, sizeof(err)))
		TH_LOG("%s", err);
	TH_LOG("%zu input events, %u timesteps: %llu output spikes, as snn-sim",
	       self->ref.in.n, self->ref.steps,
	       (unsigned long long)c.out_events);
	EXPECT_EQ(self->ref.steps, c.timesteps);
	EXPECT_EQ(self->ref.in.n, c.in_events);
	EXPECT_EQ(self->ref.n_expected, c.out_events);
	EXPECT_EQ(0, c.late);
	EXPECT_EQ(0, c.drops);
	/* again after a state reset: the same */
	ASSERT_EQ(0, snnt_reset(fd, 0));
	EXPECT_EQ(0, ref_run(fd, &self->ref, NULL, err, sizeof(err)))
		TH_LOG("second run: %s", err);
	close(fd);
}

/*
 * SNN_RUN_RESET_STATE: a run after a run, without a reset call, starts
 * from a fresh state, so the same input gives the same spikes bit for
 * bit; and it is refused while the cluster runs.
 */
TEST_F(run, run_reset_state_repeats_bit_for_bit)
{
	struct snnt_queue out[REF_OUTQS];
	struct snn_counters c0, c1;
	struct snn_wait w;
	char err[1024] = "";
	int fd = snnt_open(self->b.index, 0, O_RDWR);
	uint32_t q;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ref_run(fd, &self->ref, &c0, err, sizeof(err)))
		TH_LOG("first run: %s", err);
	/* without the flag the second run would go on from timestep N */
	EXPECT_EQ(0, ref_run_flags(fd, &self->ref, &c1, SNN_RUN_RESET_STATE,
				   err, sizeof(err)))
		TH_LOG("run with SNN_RUN_RESET_STATE: %s", err);
	EXPECT_EQ(2 * c0.timesteps, c1.timesteps);	/* counters stay */
	EXPECT_EQ(2 * c0.out_events, c1.out_events);
	/* refused while a plain run goes on (small queues: it stalls) */
	for (q = 0; q < REF_OUTQS; q++)
		ASSERT_EQ(0, snnt_queue_open(&out[q], fd, SNN_QUEUE_OUT, q, 2));
	ASSERT_EQ(0, snnt_run(fd, 0x7fffffff));
	EXPECT_EQ(-EBUSY, snnt_ioctl(fd, SNN_IOC_RUN, &(struct snn_run){
		.steps = 1, .flags = SNN_RUN_RESET_STATE }));
	EXPECT_EQ(-EINVAL, snnt_ioctl(fd, SNN_IOC_RUN, &(struct snn_run){
		.steps = 1, .flags = 2 }));
	EXPECT_EQ(-ETIMEDOUT, snnt_wait(fd, 0, 0, &w));	/* still running */
	ASSERT_EQ(0, snnt_reset(fd, SNN_RESET_STATE));
	EXPECT_EQ(0, snnt_wait(fd, 0, 0, &w));
	for (q = 0; q < REF_OUTQS; q++) {
		snnt_queue_unmap(&out[q]);
		ASSERT_EQ(0, ioctl(fd, SNN_IOC_QUEUE_DESTROY,
				   &(struct snn_queue_id){ SNN_QUEUE_OUT, q }));
	}
	/* and the same spikes again */
	EXPECT_EQ(0, ref_run_flags(fd, &self->ref, NULL, SNN_RUN_RESET_STATE,
				   err, sizeof(err)))
		TH_LOG("after a reset: %s", err);
	close(fd);
}

/*
 * A program that runs and waits gets one interrupt per run, not one per
 * timestep: the output and input interrupts stay masked until someone
 * polls or waits for them (docs/architecture.md).
 */
TEST_F(run, plain_wait_takes_no_per_timestep_interrupts)
{
	struct snnt_queue in, out[REF_OUTQS];
	struct snn_counters c;
	struct snn_wait w;
	long long i0, i1;
	uint32_t log2 = 1, q;
	int fd = snnt_open(self->b.index, 0, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, snnt_load(fd, &self->ref.net));
	while ((1u << log2) < self->ref.in.n)
		log2++;
	ASSERT_EQ(0, snnt_queue_open(&in, fd, SNN_QUEUE_IN, 0, log2));
	for (q = 0; q < REF_OUTQS; q++)
		ASSERT_EQ(0, snnt_queue_open(&out[q], fd, SNN_QUEUE_OUT, q, 12));
	ASSERT_EQ((int)self->ref.in.n,
		  snnt_queue_push(&in, self->ref.in.ev, self->ref.in.n));
	i0 = cluster_irqs(self->b.info.bus_id, 0);
	if (i0 < 0)
		SKIP(goto out, "no snn-%s-cl0 in /proc/interrupts",
		     self->b.info.bus_id);
	ASSERT_EQ(0, snnt_run(fd, self->ref.steps));
	do {
		ASSERT_EQ(0, snnt_wait(fd, 30 * SNNT_NS, 0, &w));
	} while (w.state != SNN_STATE_IDLE || w.remaining);
	/*
	 * WAIT reads the status register, so it can see the run finished
	 * before the RUN_DONE message reaches a CPU: give it up to 5 s.
	 */
	for (q = 0; q < 500; q++) {
		i1 = cluster_irqs(self->b.info.bus_id, 0);
		if (i1 != i0)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, snnt_counters(fd, &c));
	TH_LOG("%u timesteps, %llu input events, %llu output events: %lld interrupts",
	       self->ref.steps, (unsigned long long)c.in_events,
	       (unsigned long long)c.out_events, i1 - i0);
	EXPECT_LT(self->ref.steps / 2, c.out_events);	/* work to signal */
	EXPECT_LE(1, i1 - i0);	/* RUN_DONE */
	EXPECT_GE(2, i1 - i0);
out:
	snnt_queue_unmap(&in);
	for (q = 0; q < REF_OUTQS; q++)
		snnt_queue_unmap(&out[q]);
	close(fd);
}

TEST_F(run, reference_on_every_cluster)
{
	char err[1024] = "";
	uint32_t c;

	for (c = 0; c < self->b.info.clusters; c++) {
		int fd = snnt_open(self->b.index, c, O_RDWR);

		ASSERT_LE(0, fd);
		EXPECT_EQ(0, ref_run(fd, &self->ref, NULL, err, sizeof(err)))
			TH_LOG("cluster %u: %s", c, err);
		close(fd);
	}
}

/*
 * Child @k: open cluster @k, load and queue, tell the parent, wait for go,
 * run and compare, report, wait for the parent's permission to exit (so
 * that it can read the counters of a held cluster).
 */
static void child_run(int board, int k, const struct ref *r, int up,
		      int down)
{
	struct snn_counters c;
	char err[1024] = "ok", msg[1200], ch;
	int fd = snnt_open(board, k, O_RDWR), ret = -1;

	if (fd < 0) {
		snprintf(err, sizeof(err), "open cluster %d: %s", k,
			 snnt_errname(fd));
	} else {
		ch = 'R';
		if (write(up, &ch, 1) != 1 || read(down, &ch, 1) != 1)
			_exit(5);
		ret = ref_run(fd, r, &c, err, sizeof(err));
	}
	snprintf(msg, sizeof(msg), "%d %llu %llu %llu %s", ret ? 1 : 0,
		 ret ? 0ull : (unsigned long long)c.timesteps,
		 ret ? 0ull : (unsigned long long)c.in_events,
		 ret ? 0ull : (unsigned long long)c.out_events, err);
	if (write(up, msg, strlen(msg) + 1) < 0)
		_exit(6);
	if (read(down, &ch, 1) != 1)
		_exit(7);
	_exit(ret ? 1 : 0);
}

TEST_F_TIMEOUT(run, two_processes_two_clusters_at_once, 120)
{
	int up[2][2], down[2][2], k, st;
	pid_t pid[2];
	char ch;

	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, pipe(up[k]));
		ASSERT_EQ(0, pipe(down[k]));
		pid[k] = fork();
		ASSERT_LE(0, pid[k]);
		if (!pid[k])
			child_run(self->b.index, k, &self->ref, up[k][1],
				  down[k][0]);
		close(up[k][1]);
		close(down[k][0]);
	}
	/* both hold their cluster: nobody else gets it */
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(1, read(up[k][0], &ch, 1));
		ASSERT_EQ('R', ch);
		EXPECT_EQ(-EBUSY, snnt_open(self->b.index, k, O_RDWR));
		EXPECT_EQ(1, snnt_sysfs_num(self->b.index, k, "busy"));
	}
	/* go: both run at once */
	for (k = 0; k < 2; k++)
		ASSERT_EQ(1, write(down[k][1], "g", 1));
	for (k = 0; k < 2; k++) {
		char msg[1200];
		unsigned long long ts, in, out;
		int bad = 1, off = 0;
		ssize_t n;

		memset(msg, 0, sizeof(msg));
		n = read(up[k][0], msg, sizeof(msg) - 1);
		ASSERT_LT(0, n) TH_LOG("child %d died", k);
		ASSERT_EQ(4, sscanf(msg, "%d %llu %llu %llu %n", &bad, &ts, &in,
				    &out, &off));
		EXPECT_EQ(0, bad) TH_LOG("cluster %d: %s", k, msg + off);
		/* the counters of a held cluster, read by another process */
		EXPECT_EQ(ts, snnt_sysfs_num(self->b.index, k,
					     "counters/timesteps"));
		EXPECT_EQ(in, snnt_sysfs_num(self->b.index, k,
					     "counters/in_events"));
		EXPECT_EQ(out, snnt_sysfs_num(self->b.index, k,
					      "counters/out_events"));
		EXPECT_EQ(self->ref.steps, ts);
		EXPECT_EQ(self->ref.n_expected, out);
	}
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(1, write(down[k][1], "x", 1));
		ASSERT_EQ(pid[k], waitpid(pid[k], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
			TH_LOG("child %d: %s", k, snnt_status_str(st));
		close(up[k][0]);
		close(down[k][1]);
	}
	/* released: free again, and cleared */
	for (k = 0; k < 2; k++) {
		int fd = snnt_open(self->b.index, k, O_RDWR);

		EXPECT_LE(0, fd) TH_LOG("reopen cluster %d: %s", k,
					snnt_errname(fd));
		EXPECT_EQ(0, snnt_sysfs_num(self->b.index, k,
					    "counters/timesteps"));
		close(fd);
	}
}

TEST_F(run, same_cluster_ebusy_across_processes)
{
	int fd = snnt_open(self->b.index, 1, O_RDWR), st;
	pid_t pid;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, snnt_open(self->b.index, 1, O_RDWR));
	EXPECT_EQ(-EBUSY, snnt_open(self->b.index, 1, O_RDONLY));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int f = snnt_open(self->b.index, 1, O_RDWR);

		_exit(f == -EBUSY ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("other process opening a held cluster did not get EBUSY");
	/* an inherited fd is the same open file: it works in the child */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct snn_info i;

		_exit(snnt_ioctl(fd, SNN_IOC_INFO, &i) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(fd);
	/* now another process can have it */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int f = snnt_open(self->b.index, 1, O_RDWR);

		_exit(f >= 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static const char *const counter_names[] = {
	"timesteps", "in_events", "spikes", "out_events", "syn_ops",
	"neuron_updates", "stalls", "drops", "late_events", "routed_out",
	"routed_in", "ain_saturations",
};

TEST_F(run, sysfs_readable_by_others_while_held)
{
	int fd = snnt_open(self->b.index, 0, O_RDWR), st;
	struct snn_counters c;
	struct snnt_net net;
	pid_t pid;
	unsigned int i;

	ASSERT_LE(0, fd);
	snnt_relay_net(&net, 4, 0, 0);
	ASSERT_EQ(0, snnt_load(fd, &net));
	ASSERT_EQ(0, snnt_run(fd, 0x7fffffff));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* another process: every attribute reads, timesteps move */
		char buf[64], path[64];
		long long t1, t2;

		close(fd);
		for (i = 0; i < 12; i++) {
			snprintf(path, sizeof(path), "counters/%s",
				 counter_names[i]);
			if (snnt_sysfs(self->b.index, 0, path, buf, sizeof(buf)))
				_exit(10 + i);
		}
		if (snnt_sysfs(self->b.index, 0, "state", buf, sizeof(buf)) ||
		    strcmp(buf, "running"))
			_exit(30);
		if (snnt_sysfs(self->b.index, 0, "health", buf, sizeof(buf)) ||
		    strcmp(buf, "ok"))
			_exit(31);
		if (snnt_sysfs_num(self->b.index, 0, "busy") != 1)
			_exit(32);
		t1 = snnt_sysfs_num(self->b.index, 0, "counters/timesteps");
		usleep(100000);
		t2 = snnt_sysfs_num(self->b.index, 0, "counters/timesteps");
		_exit(t1 >= 0 && t2 > t1 ? 0 : 33);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("reader: %s (10+i: counter i; 30 state; 31 health; 32 busy; 33 not moving)",
		       snnt_status_str(st));
	ASSERT_EQ(0, snnt_reset(fd, SNN_RESET_STATE));
	ASSERT_EQ(0, snnt_counters(fd, &c));
	EXPECT_EQ(c.timesteps, snnt_sysfs_num(self->b.index, 0,
					      "counters/timesteps"));
	EXPECT_LT(0, c.timesteps);
	snnt_net_free(&net);
	close(fd);
}

SNNT_MAIN()
