// SPDX-License-Identifier: GPL-2.0
/*
 * snnctl on the real driver: its output, exit statuses and messages, with
 * every --json output parsed back and checked against sysfs.
 *
 * snnctl runs as installed: dynamically linked against libsnndev.so.1 and
 * libudev, from the tree `make install DESTDIR=... PREFIX=/usr` made
 * (vm-run.py --tree and --dyn).  The reference files come from the host
 * (selftests/driver/gen-reference.sh, and net.snnet = snnctl convert
 * net.txt): `snnctl run` must print exactly snn-sim's spikes.
 *
 *   snnctl_test [--ref DIR] [--snnctl PATH] [--transport pci|usb]
 *
 * (/ref, /usr/bin/snnctl; the boards of one transport, libtest.h)
 */
#include "libtest.h"
#include "mini_json.h"

#include "kselftest_harness.h"

static char ref_net[256], ref_in[256], ref_expected[256];
static unsigned int ref_steps;

/* The reference files; 0, or -1 (the test skips). */
static int ref_files(void)
{
	char *in, *p;

	snprintf(ref_net, sizeof(ref_net), "%s/net.snnet", lt_opt.ref);
	snprintf(ref_in, sizeof(ref_in), "%s/in.txt", lt_opt.ref);
	snprintf(ref_expected, sizeof(ref_expected), "%s/expected.txt", lt_opt.ref);
	if (access(ref_net, R_OK) || access(ref_expected, R_OK))
		return -1;
	in = lt_slurp(ref_in);
	if (!in)
		return -1;
	p = strstr(in, "# snn-sim -n ");
	ref_steps = p ? strtoul(p + 13, NULL, 10) : 0;
	free(in);
	return ref_steps ? 0 : -1;
}

/* Parse r->out as one JSON value (NULL and a log line if it is not). */
static struct mj *json_of(const struct lt_run *r)
{
	char err[128];
	struct mj *v = mj_parse(r->out, err, sizeof(err));

	if (!v)
		printf("# not JSON (%s): %.500s\n", err, r->out);
	return v;
}

/*
 * A background `snnctl load --hold UNITS NET`, once the last unit of the
 * list is busy (snnctl loads the clusters and adds the routes first).
 */
static pid_t hold(const char *units, const char *net)
{
	const char *unit = strrchr(units, ',') ? strrchr(units, ',') + 1 : units;
	char busy[32];
	double t0 = lt_now();
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(lt_opt.snnctl, lt_opt.snnctl, "load", "--hold", units, net,
		      (char *)NULL);
		_exit(127);
	}
	while (lt_now() - t0 < 30) {
		if (!lt_sysfs(unit, "busy", busy, sizeof(busy)) &&
		    !strcmp(busy, "1"))
			return pid;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/*
 * Stop a holder: SIGINT, and its exit status; -2 if it has not exited
 * 30 s after the signal (it is then killed, so the test goes on).
 */
static int unhold(pid_t pid)
{
	double t0 = lt_now();
	int st;

	kill(pid, SIGINT);
	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (lt_now() - t0 > 30) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -2;
		}
		usleep(20000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int boards(struct lt_board *b)
{
	return lt_boards(b, 16);
}

/* The board most tests use, and its names (libtest.h) */
#define B0	lt_b0
#define S	lt_fmt
#define X	lt_x

/* B0's last cluster and its first routing unit */
#define LAST	S("%s.%u", B0.name, B0.clusters - 1)
#define ROUTER	S("%s.%u", B0.name, B0.clusters)

/* a fixture for the tests that need a longer time limit */
FIXTURE(s) {
	int unused;
};

FIXTURE_SETUP(s)
{
	ASSERT_EQ(0, lt_first_board()) TH_LOG("no board%s%s", lt_opt.transport ?
					     " on " : "", lt_opt.transport ?: "");
}

FIXTURE_TEARDOWN(s)
{
}

/* ---- reading ------------------------------------------------------------------------------ */

TEST_F_TIMEOUT(s, version_and_help, 120)
{
	struct lt_run r;

	EXPECT_EQ(0, lt_snnctl(&r, NULL, NULL, "--version"));
	EXPECT_NE(NULL, strstr(r.out, "libsnndev 0.1.0")) lt_show("--version", &r);
	lt_run_free(&r);
	EXPECT_EQ(0, lt_snnctl(&r, NULL, NULL, "--help"));
	EXPECT_NE(NULL, strstr(r.out, "Usage: snnctl"));
	lt_run_free(&r);
	EXPECT_EQ(1, lt_snnctl(&r, NULL, NULL, "frob"));
	EXPECT_NE(NULL, strstr(r.err, "unknown command 'frob'"));
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, list_text_and_json, 120)
{
	char names[256][32], buf[64], bus[64];
	int n = lt_sysfs_names(names, 256), i;
	struct lt_run r;
	struct mj *v;

	ASSERT_GT(n, 0);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "list")) lt_show("list", &r);
	EXPECT_EQ(n + 1, lt_count_lines(r.out)) lt_show("list", &r);	/* + header */
	for (i = 0; i < n; i++) {
		char line[48];

		snprintf(line, sizeof(line), "\n%.32s ", names[i]);
		EXPECT_NE(NULL, strstr(r.out, line)) TH_LOG("no line for %s", names[i]);
	}
	lt_run_free(&r);

	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "--json", "list"));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	ASSERT_EQ(MJ_ARRAY, v->type);
	ASSERT_EQ((size_t)n, v->n);
	for (i = 0; i < n; i++) {
		const struct mj *e = mj_at(v, i);
		const char *name = mj_str(e, "name");

		ASSERT_NE(NULL, name);
		EXPECT_STREQ(names[i], name);
		ASSERT_EQ(0, lt_sysfs(name, "type", buf, sizeof(buf)));
		EXPECT_STREQ(buf, mj_str(e, "type"));
		ASSERT_EQ(0, lt_bus_of(name, bus, sizeof(bus)));
		EXPECT_STREQ(bus, mj_str(e, "bus_id"));
		snprintf(buf, sizeof(buf), "/dev/%s", name);
		EXPECT_STREQ(buf, mj_str(e, "devnode"));
		EXPECT_STREQ("ok", mj_str(e, "health"));
		if (strcmp(mj_str(e, "type"), "board")) {
			EXPECT_EQ(0, mj_bool(e, "busy", -1));
			EXPECT_EQ(lt_sysfs_num(name, "unit"), mj_num(e, "unit", -1));
		} else {
			EXPECT_EQ(lt_sysfs_num(name, "clusters"), mj_num(e, "clusters", -1));
		}
	}
	mj_free(v);
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, info_json_and_tree, 120)
{
	struct lt_board b[16];
	int n = lt_all_boards(b, 16), i, k;
	struct lt_run r;
	struct mj *v;

	ASSERT_GT(n, 0);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "info", "--json"));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	ASSERT_EQ((size_t)n, v->n);
	for (i = 0; i < n; i++) {
		const struct mj *e = mj_at(v, i);
		const struct mj *cl = mj_get(e, "clusters"), *rt = mj_get(e, "routers");
		char name[32];

		EXPECT_STREQ(b[i].bus, mj_str(e, "bus_id"));
		EXPECT_STREQ("0.1.0", mj_str(e, "driver_version"));
		EXPECT_STREQ(b[i].transport, mj_str(e, "transport"));
		ASSERT_NE(NULL, cl);
		ASSERT_NE(NULL, rt);
		EXPECT_EQ(b[i].clusters, cl->n);
		EXPECT_EQ(b[i].routers, rt->n);
		for (k = 0; k < (int)cl->n; k++) {
			const struct mj *c = mj_at(cl, k);

			snprintf(name, sizeof(name), "snn%u.%d", b[i].index, k);
			EXPECT_STREQ(name, mj_str(c, "name"));
			EXPECT_EQ(lt_sysfs_num(name, "cores"), mj_num(c, "cores", -1));
			EXPECT_EQ(lt_sysfs_num(name, "neurons_per_core"),
				  mj_num(c, "neurons_per_core", -1));
			EXPECT_EQ(lt_sysfs_num(name, "max_queue_depth"),
				  mj_num(c, "max_queue_depth", -1));
			EXPECT_EQ(lt_sysfs_num(name, "rated_events_per_sec"),
				  mj_num(c, "rated_events_per_sec", -1));
		}
		for (k = 0; k < (int)rt->n; k++) {
			const struct mj *x = mj_at(rt, k), *c;
			char conn[64], want[64] = "", *p = want;

			snprintf(name, sizeof(name), "snn%u.%u", b[i].index,
				 b[i].clusters + k);
			EXPECT_STREQ(name, mj_str(x, "name"));
			ASSERT_EQ(0, lt_sysfs(name, "connects", conn, sizeof(conn)));
			for (c = mj_get(x, "connects")->child; c; c = c->next)
				p += sprintf(p, "%s%.0f", p == want ? "" : " ", c->num);
			EXPECT_STREQ(conn, want);
			EXPECT_EQ(lt_sysfs_num(name, "route_delay"),
				  mj_num(x, "route_delay", -1));
		}
	}
	mj_free(v);
	lt_run_free(&r);

	/* the tree */
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "info", X("snn0")));
	EXPECT_NE(NULL, strstr(r.out, "|-- clusters: ")) lt_show(X("info snn0"), &r);
	EXPECT_NE(NULL, strstr(r.out, X("-- snn0.0: ")));
	if (B0.routers)
		EXPECT_NE(NULL, strstr(r.out, "`-- routing units: "));
	EXPECT_NE(NULL, strstr(r.out, "queues: "));
	EXPECT_NE(NULL, strstr(r.out, "rated: "));
	lt_run_free(&r);
	EXPECT_EQ(1, lt_snnctl(&r, NULL, NULL, "info", X("snn0.0")));
	EXPECT_NE(NULL, strstr(r.err, X("snn0.0 is a cluster, not a board"))) lt_show(X("info snn0.0"), &r);
	lt_run_free(&r);
	EXPECT_EQ(2, lt_snnctl(&r, NULL, NULL, "info", "snn9"));
	EXPECT_NE(NULL, strstr(r.err, "snn9: no such board (present: snn"));
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, stats_by_every_name, 120)
{
	struct lt_board b[16];
	char byname[3][80];
	struct lt_run r;
	struct mj *v;
	int i, c;

	ASSERT_GT(boards(b), 0);
	snprintf(byname[0], sizeof(byname[0]), "snn%u.1", b[0].index);
	snprintf(byname[1], sizeof(byname[1]), "/dev/snn%u.1", b[0].index);
	snprintf(byname[2], sizeof(byname[2]), "%s.1", b[0].bus);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "stats", "--json", byname[i]))
			lt_show(byname[i], &r);
		v = json_of(&r);
		ASSERT_NE(NULL, v);
		ASSERT_EQ(1, v->n);
		EXPECT_STREQ(byname[0], mj_str(v, "0.name"));
		ASSERT_NE(NULL, mj_get(v, "0.counters"));
		EXPECT_EQ(SNNDEV_CNT_COUNT, mj_get(v, "0.counters")->n);
		for (c = 0; c < SNNDEV_CNT_COUNT; c++) {
			char path[64];

			snprintf(path, sizeof(path), "0.counters.%s", snndev_counter_name(c));
			EXPECT_NE(NULL, mj_get(v, path)) TH_LOG("no %s", path);
		}
		mj_free(v);
		lt_run_free(&r);
	}
	/* a board stands for its clusters; no argument: every cluster */
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "stats", "--json", X("snn0")));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(b[0].clusters, v->n);
	mj_free(v);
	lt_run_free(&r);
	/* text */
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "stats", X("snn0.0")));
	EXPECT_NE(NULL, strstr(r.out, X("snn0.0  state idle, free\n  timesteps ")))
		lt_show("stats", &r);
	lt_run_free(&r);
	/* a routing unit has no counters */
	if (b[0].routers) {
		char rname[32];

		snprintf(rname, sizeof(rname), "snn%u.%u", b[0].index, b[0].clusters);
		EXPECT_EQ(1, lt_snnctl(&r, NULL, NULL, "stats", rname));
		EXPECT_NE(NULL, strstr(r.err, "is a routing unit, not a board or cluster"))
			lt_show("stats router", &r);
		lt_run_free(&r);
	}
}

/* stats and list while another process holds the cluster */
TEST_F_TIMEOUT(s, stats_while_another_process_holds_the_cluster, 120)
{
	struct lt_run r;
	struct mj *v;
	pid_t pid;

	if (ref_files())
		SKIP(return, "no reference files in %s", lt_opt.ref);
	pid = hold(LAST, ref_net);
	ASSERT_GT(pid, 0) TH_LOG("snnctl load --hold did not take %s", LAST);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "stats", "--json", LAST));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(1, mj_bool(v, "0.busy", -1));
	EXPECT_STREQ("loaded", mj_str(v, "0.state"));
	mj_free(v);
	lt_run_free(&r);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "list"));
	EXPECT_NE(NULL, strstr(r.out, S("%-10scluster", LAST))) lt_show("list", &r);
	EXPECT_NE(NULL, strstr(r.out, "loaded    busy")) lt_show("list", &r);
	lt_run_free(&r);
	/* the cluster is taken: run and load fail, naming it */
	EXPECT_EQ(2, lt_snnctl(&r, NULL, NULL, "run", LAST, ref_net,
			       "--steps", "1"));
	EXPECT_NE(NULL, strstr(r.err, S("%s: busy: another process holds it", LAST)))
		lt_show("run on a held cluster", &r);
	lt_run_free(&r);
	/* a board reset is refused while a unit is in use */
	EXPECT_EQ(2, lt_snnctl(&r, NULL, NULL, "reset", X("snn0")));
	EXPECT_NE(NULL, strstr(r.err, S("%s: not reset: %s is in use", B0.name, LAST)))
		lt_show(X("reset snn0"), &r);
	lt_run_free(&r);
	EXPECT_EQ(0, unhold(pid));
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "stats", "--json", LAST));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, mj_bool(v, "0.busy", -1));
	EXPECT_STREQ("idle", mj_str(v, "0.state"));
	mj_free(v);
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, route_list_and_plan, 120)
{
	struct lt_board b[16];
	int n = lt_all_boards(b, 16), k;
	struct lt_run r;
	struct mj *v;
	char net[] = "/tmp/split.txt", snn[] = "/tmp/split.snnet";
	unsigned int total = 0;

	ASSERT_GT(n, 0);
	for (k = 0; k < n; k++)
		total += b[k].routers;
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "route", "list", "--json"));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(total, v->n);
	mj_free(v);
	lt_run_free(&r);

	ASSERT_EQ(0, lt_write_file(net,
		"part 1 1 1\nprofile 0 4095 4095 50 0 0\nneuron 0 0 0 out\nsynapse 0 0 0 100\n"
		"part 1 1 1\nprofile 0 4095 4095 50 0 0\nneuron 0 0 0 out\nsynapse 0 0 0 100\n"
		"part 1 1 1\nprofile 0 4095 4095 50 0 0\nneuron 0 0 0 out\nsynapse 0 0 0 100\n"
		"route 0 0 0 1 0 0\n"));
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "convert", net, snn)) lt_show("convert", &r);
	lt_run_free(&r);
	/* on clusters 0, 1 and 2 of snn0: router 0 connects 0 and 1 */
	if (B0.clusters < 3) {
		TH_LOG("%s has %u clusters: no plan for 3 parts", B0.name,
		       B0.clusters);
		goto errors;
	}
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "route", "plan", "--json", snn,
			       X("snn0.0,snn0.1,snn0.2")));
	v = json_of(&r);
	ASSERT_NE(NULL, v) lt_show("plan", &r);
	EXPECT_EQ(1, mj_get(v, "routes")->n);
	EXPECT_STREQ(X("snn0.0"), mj_str(v, "routes.0.src"));
	EXPECT_STREQ(X("snn0.1"), mj_str(v, "routes.0.dst"));
	EXPECT_NE(NULL, mj_str(v, "routes.0.router"));
	EXPECT_EQ(1 + lt_sysfs_num(mj_str(v, "routes.0.router"), "route_delay"),
		  mj_num(v, "lockstep_timesteps", -1));
	mj_free(v);
	lt_run_free(&r);
	/* parts 0 and 1 on clusters no routing unit connects */
	if (B0.clusters >= 4 && B0.routers == 2) {
		EXPECT_EQ(3, lt_snnctl(&r, NULL, NULL, "route", "plan", snn,
				       X("snn0.0,snn0.2,snn0.3")));
		EXPECT_NE(NULL, strstr(r.err, X("no routing unit of snn0 connects snn0.0 and snn0.2")))
			lt_show("plan across groups", &r);
		lt_run_free(&r);
	}
errors:
	EXPECT_EQ(1, lt_snnctl(&r, NULL, NULL, "route", "plan", snn, X("snn0.0,snn0.1")));
	EXPECT_NE(NULL, strstr(r.err, "the network has 3 parts but 2 clusters are named"));
	lt_run_free(&r);
}

/* ---- running ------------------------------------------------------------------------------ */

/* `snnctl run UNIT ref --steps N --in in --out OUT [extra]`, compared with expected */
static int run_ref(const char *unit, const char *extra, const char *extra2)
{
	char *want, *got;
	struct lt_run r;
	char steps[16];
	int ret;

	snprintf(steps, sizeof(steps), "%u", ref_steps);
	unlink("/tmp/ref.out");
	if (extra)
		lt_snnctl(&r, NULL, NULL, "run", (char *)unit, ref_net, "--steps", steps,
			  "--in", ref_in, "--out", "/tmp/ref.out", (char *)extra,
			  (char *)extra2);
	else
		lt_snnctl(&r, NULL, NULL, "run", (char *)unit, ref_net, "--steps", steps,
			  "--in", ref_in, "--out", "/tmp/ref.out");
	if (r.status) {
		lt_show("run", &r);
		lt_run_free(&r);
		return -1;
	}
	if (extra && !strcmp(extra, "--stats"))
		lt_print_lines("", r.err, 2000);
	lt_run_free(&r);
	want = lt_slurp(ref_expected);
	got = lt_slurp("/tmp/ref.out");
	ret = want && got && !strcmp(want, got) ? 0 : -1;
	if (ret)
		printf("# %s: output differs from snn-sim's (%d lines, want %d)\n",
		       unit, lt_count_lines(got), lt_count_lines(want));
	free(want);
	free(got);
	return ret;
}

TEST_F_TIMEOUT(s, run_prints_exactly_what_snn_sim_prints, 300)
{
	struct lt_board b[16];
	int n = boards(b), i;
	char unit[96];

	if (ref_files())
		SKIP(return, "no reference files in %s", lt_opt.ref);
	for (i = 0; i < n; i++) {
		snprintf(unit, sizeof(unit), "snn%u.%u", b[i].index,
			 b[i].clusters - 1);
		EXPECT_EQ(0, run_ref(unit, NULL, NULL)) TH_LOG("on %s", unit);
	}
	/* by PCI address, with the driver's back-pressure: tiny queues */
	snprintf(unit, sizeof(unit), "%s.0", b[0].bus);
	EXPECT_EQ(0, run_ref(unit, "--queue-log2", "2")) TH_LOG("queues of 4 events");
	EXPECT_EQ(0, run_ref(X("snn0.1"), "--stats", NULL));
}

TEST_F_TIMEOUT(s, run_stdin_to_stdout, 120)
{
	struct lt_run r;
	char steps[16], *want;

	if (ref_files())
		SKIP(return, "no reference files in %s", lt_opt.ref);
	snprintf(steps, sizeof(steps), "%u", ref_steps);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, ref_in, "run", X("/dev/snn0.0"), ref_net,
			       "--steps", steps)) lt_show("run", &r);
	want = lt_slurp(ref_expected);
	ASSERT_NE(NULL, want);
	EXPECT_STREQ(want, r.out);
	free(want);
	lt_run_free(&r);
	/* without --steps: up to the last input timestep, as snn-sim */
	ASSERT_EQ(0, lt_snnctl(&r, NULL, ref_in, "run", X("snn0.0"), ref_net,
			       "--out", "-")) lt_show("run", &r);
	EXPECT_GT(lt_count_lines(r.out), 0);
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, run_split_network_through_a_route, 120)
{
	struct lt_run r;
	long long delay, tmp[3], routes0;
	long long ev[6][3];
	double t0;
	pid_t pid;
	char want[256], *p = want;
	int i, j;

	ASSERT_EQ(0, lt_write_file("/tmp/relay.txt",
		"# part 0 relays its input to part 1 through a route\n"
		"part 1 2 2\nprofile 0 4095 4095 50 0 0\n"
		"neuron 0 0 0 out\nneuron 0 1 0 out 1\nsynapse 0 0 0 100\nsynapse 0 1 1 100\n"
		"part 1 2 2\nprofile 0 4095 4095 50 0 0\n"
		"neuron 0 1 0 out 2\nsynapse 0 1 1 100\n"
		"route 0 0 0 1 0 1\n"));
	ASSERT_EQ(0, lt_write_file("/tmp/relay.in", "0 0\n3 1\n4 0\n6 1 1\n"));
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "convert", "/tmp/relay.txt",
			       "/tmp/relay.snnet")) lt_show("convert", &r);
	lt_run_free(&r);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "run", X("snn0.0,snn0.1"),
			       "/tmp/relay.snnet", "--in", "/tmp/relay.in",
			       "--steps", "12")) lt_show("run", &r);
	delay = lt_sysfs_num(ROUTER, "route_delay");
	ASSERT_GE(delay, 0);
	/*
	 * part 0 fires at 0 and 4 (neuron 0) and 3 (neuron 1); the route
	 * makes part 1's neuron 1 fire at 0 + 1 + delay and 4 + 1 + delay,
	 * and its own input at 6: sorted by timestep, part, neuron
	 */
	memcpy(ev, (long long[6][3]){
		{ 0, 0, 0 }, { 3, 0, 1 }, { 4, 0, 0 },
		{ 1 + delay, 1, 1 }, { 5 + delay, 1, 1 }, { 6, 1, 1 },
	}, sizeof(ev));
	for (i = 0; i < 6; i++)
		for (j = i + 1; j < 6; j++)
			if (ev[j][0] < ev[i][0] ||
			    (ev[j][0] == ev[i][0] && (ev[j][1] < ev[i][1] ||
			     (ev[j][1] == ev[i][1] && ev[j][2] < ev[i][2])))) {
				memcpy(tmp, ev[i], sizeof(tmp));
				memcpy(ev[i], ev[j], sizeof(tmp));
				memcpy(ev[j], tmp, sizeof(tmp));
			}
	for (i = 0; i < 6; i++) {
		if (ev[i][0] >= 12 || (i && !memcmp(ev[i], ev[i - 1], sizeof(tmp))))
			continue;	/* past the run, or the same spike */
		p += sprintf(p, "%lld %lld %lld\n", ev[i][0], ev[i][2], ev[i][1]);
	}
	EXPECT_STREQ(want, r.out);
	lt_run_free(&r);

	/* load --hold keeps both clusters and the route while it runs */
	routes0 = lt_sysfs_num(ROUTER, "routes");
	pid = hold(X("snn0.0,snn0.1"), "/tmp/relay.snnet");
	ASSERT_GT(pid, 0);
	t0 = lt_now();
	while (lt_sysfs_num(ROUTER, "routes") != routes0 + 1 && lt_now() - t0 < 10)
		usleep(20000);
	EXPECT_EQ(routes0 + 1, lt_sysfs_num(ROUTER, "routes"));
	EXPECT_EQ(1, lt_sysfs_num(X("snn0.0"), "busy"));
	EXPECT_EQ(0, unhold(pid));
	/* released: the driver deleted the route */
	EXPECT_EQ(routes0, lt_sysfs_num(ROUTER, "routes"));
	EXPECT_EQ(0, lt_sysfs_num(X("snn0.1"), "busy"));
}

TEST_F_TIMEOUT(s, run_errors, 120)
{
	struct lt_board b[16];
	struct lt_run r;
	char text[512] = "";
	int k;

	ASSERT_GT(boards(b), 0);
	if (ref_files())
		SKIP(return, "no reference files in %s", lt_opt.ref);
	ASSERT_EQ(0, lt_write_file("/tmp/bad1.in", "0 1\n5 2\n4 3\n"));
	EXPECT_EQ(3, lt_snnctl(&r, NULL, NULL, "run", X("snn0.0"), ref_net,
			       "--in", "/tmp/bad1.in"));
	EXPECT_NE(NULL, strstr(r.err, "/tmp/bad1.in:3: timestep 4 is before timestep 5 of line 2 (timesteps must not decrease)"))
		lt_show("decreasing", &r);
	lt_run_free(&r);
	ASSERT_EQ(0, lt_write_file("/tmp/bad2.in", "0 1\n1 100000\n"));
	EXPECT_EQ(3, lt_snnctl(&r, NULL, NULL, "run", X("snn0.0"), ref_net,
			       "--in", "/tmp/bad2.in", "--steps", "3"));
	EXPECT_NE(NULL, strstr(r.err, "/tmp/bad2.in:2: axon '100000' is not a flat axon id in 0.."))
		lt_show("axon", &r);
	lt_run_free(&r);
	EXPECT_EQ(2, lt_snnctl(&r, NULL, NULL, "run", X("snn0.77"), ref_net));
	EXPECT_NE(NULL, strstr(r.err, X("snn0.77: no such unit (board snn0 has units 0..")));
	lt_run_free(&r);
	EXPECT_EQ(1, lt_snnctl(&r, NULL, NULL, "run", X("snn0"), ref_net));
	EXPECT_NE(NULL, strstr(r.err, X("snn0 is a board, not a cluster"))) lt_show("board", &r);
	lt_run_free(&r);
	EXPECT_EQ(1, lt_snnctl(&r, NULL, NULL, "run", X("snn0.0,snn0.1"), ref_net));
	EXPECT_NE(NULL, strstr(r.err, "the network has 1 part but 2 clusters are named"));
	lt_run_free(&r);
	EXPECT_EQ(2, lt_snnctl(&r, NULL, NULL, "run", X("snn0.0"), "/tmp/none.snnet"));
	EXPECT_NE(NULL, strstr(r.err, "/tmp/none.snnet: No such file or directory"));
	lt_run_free(&r);

	/* a network bigger than a cluster: the field and the limit */
	snprintf(text, sizeof(text), "geometry %u 4 4\n", b[0].cores + 1);
	ASSERT_EQ(0, lt_write_file("/tmp/big.txt", text));
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "convert", "/tmp/big.txt", "/tmp/big.snnet"));
	lt_run_free(&r);
	EXPECT_EQ(3, lt_snnctl(&r, NULL, NULL, "load", X("snn0.0"), "/tmp/big.snnet"));
	EXPECT_NE(NULL, strstr(r.err, X("snn0.0: cannot load part 0: "))) lt_show("big", &r);
	EXPECT_NE(NULL, strstr(r.err, "cores"));
	lt_run_free(&r);

	/* a device error (a failed DMA transfer) ends the run, named */
	{
		struct lt_board fb;
		char unit[32];

		if (!lt_fault_board(&fb)) {
			snprintf(unit, sizeof(unit), "snn%u.0", fb.index);
			ASSERT_EQ(0, lt_fault(fb.index, "fault_dma", 1));
			EXPECT_EQ(2, lt_snnctl(&r, NULL, NULL, "run", unit, ref_net,
					       "--in", ref_in));
			EXPECT_NE(NULL, strstr(r.err, unit)) lt_show("DMA fault", &r);
			/* (in the load, or in the run: the load's message
			 * does not have the device's error code) */
			EXPECT_TRUE(strstr(r.err, "DMA") || strstr(r.err, "refused"))
				lt_show("DMA fault", &r);
			lt_show("DMA fault", &r);
			lt_run_free(&r);
		}
	}

	/* more input in one timestep than the queues hold (4 x 2 events) */
	text[0] = 0;
	for (k = 0; k < 20; k++)
		sprintf(text + strlen(text), "1 %d\n", k % 8);
	ASSERT_EQ(0, lt_write_file("/tmp/flood.in", text));
	EXPECT_EQ(3, lt_snnctl(&r, NULL, NULL, "run", X("snn0.0"), ref_net,
			       "--in", "/tmp/flood.in", "--queue-log2", "1"));
	EXPECT_NE(NULL, strstr(r.err, X("timestep 1 has more input events for part 0 than snn0.0's")))
		lt_show("flood", &r);
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, load_check_and_json, 120)
{
	struct lt_run r;
	struct mj *v;

	if (ref_files())
		SKIP(return, "no reference files in %s", lt_opt.ref);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "load", X("snn0.1"), ref_net));
	EXPECT_NE(NULL, strstr(r.out, X("snn0.1: loaded part 0 of "))) lt_show("load", &r);
	EXPECT_NE(NULL, strstr(r.out, "released again"));
	lt_run_free(&r);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "load", "--json", X("snn0.1"), ref_net,
			       "--part", "0"));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ(X("snn0.1"), mj_str(v, "clusters.0.name"));
	EXPECT_EQ(0, mj_num(v, "clusters.0.part", -1));
	EXPECT_EQ(0, mj_bool(v, "held", -1));
	mj_free(v);
	lt_run_free(&r);
	EXPECT_EQ(3, lt_snnctl(&r, NULL, NULL, "load", X("snn0.1"), ref_net, "--part", "1"));
	EXPECT_NE(NULL, strstr(r.err, "the network has no part 1 (it has 1 part)"));
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, health_reports_a_hung_cluster, 120)
{
	struct lt_board fb;
	struct snndev_unit *u;
	struct snndev_net *net;
	struct lt_run r;
	struct mj *v;
	char cl[32], bd[32], health[32];
	long old;
	double t0;

	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "health"));
	EXPECT_EQ(0, r.status) lt_show("health", &r);
	lt_run_free(&r);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "health", "--json"));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(1, mj_bool(v, "ok", -1));
	mj_free(v);
	lt_run_free(&r);

	if (lt_fault_board(&fb))
		SKIP(return, "no board with fault injection");
	snprintf(cl, sizeof(cl), "snn%u.0", fb.index);
	snprintf(bd, sizeof(bd), "snn%u", fb.index);
	/* a cluster that stops making progress while it runs */
	ASSERT_EQ(0, snndev_net_new(&net));
	ASSERT_EQ(0, snndev_net_add_part(net, 1, 1, 1));
	ASSERT_LE(0, snndev_net_add_profiles(net, 0, &(struct snndev_profile){ .du = 1 }, 1));
	ASSERT_EQ(0, snndev_unit_open_index(fb.index, 0, &u));
	ASSERT_EQ(0, snndev_unit_load(u, net, 0)) TH_LOG("%s", snndev_unit_errmsg(u));
	old = lt_hang_timeout(200);
	ASSERT_GE(old, 0);
	ASSERT_EQ(0, lt_fault(fb.index, "fault_hang", 1));
	ASSERT_EQ(0, snndev_unit_run(u, 1000000));
	t0 = lt_now();
	do {
		usleep(50000);
		lt_sysfs(cl, "health", health, sizeof(health));
	} while (strcmp(health, "failed") && lt_now() - t0 < 30);
	EXPECT_STREQ("failed", health);

	EXPECT_EQ(4, lt_snnctl(&r, NULL, NULL, "health"));
	EXPECT_NE(NULL, strstr(r.out, "degraded")) lt_show("health", &r);
	{
		char line[64];

		snprintf(line, sizeof(line), "  %-9s %-8s %s\n", cl, "cluster", "failed");
		EXPECT_NE(NULL, strstr(r.out, line)) lt_show("health", &r);
	}
	lt_run_free(&r);
	EXPECT_EQ(4, lt_snnctl(&r, NULL, NULL, "health", "--json", bd));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, mj_bool(v, "ok", -1));
	EXPECT_STREQ("degraded", mj_str(v, "boards.0.health"));
	EXPECT_STREQ("failed", mj_str(v, "boards.0.units.0.health"));
	mj_free(v);
	lt_run_free(&r);
	/* the other board is fine */
	if (fb.index != B0.index) {
		EXPECT_EQ(0, lt_snnctl(&r, NULL, NULL, "health", B0.name));
		lt_run_free(&r);
	}
	/* stats shows the state */
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "stats", "--json", cl));
	v = json_of(&r);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("hung", mj_str(v, "0.state"));
	mj_free(v);
	lt_run_free(&r);

	/* a reset recovers it */
	EXPECT_EQ(0, snndev_unit_reset(u, 0)) TH_LOG("%s", snndev_unit_errmsg(u));
	snndev_unit_close(u);
	snndev_net_free(net);
	lt_hang_timeout(old);
	EXPECT_EQ(0, lt_snnctl(&r, NULL, NULL, "health"));
	EXPECT_EQ(0, r.status) lt_show("health after the reset", &r);
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, top_samples, 60)
{
	struct lt_board b[16];
	int n = lt_all_boards(b, 16), i, k;
	unsigned int clusters = 0;
	struct lt_run r;
	char *line;

	for (i = 0; i < n; i++)
		clusters += b[i].clusters;
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "top", "--json", "--count", "2",
			       "--interval", "0.2"));
	EXPECT_EQ(2, lt_count_lines(r.out)) lt_show("top --json", &r);
	for (line = r.out, k = 0; line && *line; k++) {
		char *nl = strchr(line, '\n');
		struct mj *v;

		if (nl)
			*nl = 0;
		v = mj_parse(line, NULL, 0);
		ASSERT_NE(NULL, v) TH_LOG("line %d is not JSON: %s", k, line);
		EXPECT_EQ(clusters, mj_get(v, "clusters")->n);
		EXPECT_GE(mj_num(v, "interval", -1), 0.1);
		EXPECT_GE(mj_num(v, "clusters.0.events_per_sec", -1), 0);
		EXPECT_NE(NULL, mj_str(v, "clusters.0.state"));
		mj_free(v);
		line = nl ? nl + 1 : NULL;
	}
	lt_run_free(&r);
	/* plain: a header, then one line per cluster and interval */
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "top", "--count", "1",
			       "--interval", "0.1", X("snn0")));
	EXPECT_EQ(1 + B0.clusters, lt_count_lines(r.out)) lt_show("top", &r);
	EXPECT_EQ(0, strncmp(r.out, "TIME      UNIT      STATE     USE      STEPS/s", 45))
		lt_show("top", &r);
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, reset_cluster_and_board, 60)
{
	struct lt_board b[16];
	int n = boards(b);
	struct lt_run r;
	char cl[32], bd[32], rt[32];

	ASSERT_GT(n, 0);
	snprintf(bd, sizeof(bd), "snn%u", b[n - 1].index);
	snprintf(cl, sizeof(cl), "snn%u.1", b[n - 1].index);
	snprintf(rt, sizeof(rt), "snn%u.%u", b[n - 1].index, b[n - 1].clusters);
	EXPECT_EQ(0, lt_snnctl(&r, NULL, NULL, "reset", cl)) lt_show("reset cluster", &r);
	lt_run_free(&r);
	EXPECT_EQ(0, lt_snnctl(&r, NULL, NULL, "reset", bd)) lt_show("reset board", &r);
	lt_run_free(&r);
	if (b[n - 1].routers) {
		EXPECT_EQ(1, lt_snnctl(&r, NULL, NULL, "reset", rt));
		EXPECT_NE(NULL, strstr(r.err, "a routing unit has no reset of its own"))
			lt_show("reset router", &r);
		lt_run_free(&r);
	}
	EXPECT_EQ(0, lt_snnctl(&r, NULL, NULL, "health", bd));
	lt_run_free(&r);
}

TEST_F_TIMEOUT(s, progress_on_a_long_run, 180)
{
	struct lt_run r;
	double t0 = lt_now();

	ASSERT_EQ(0, lt_write_file("/tmp/quiet.txt",
				   "geometry 1 1 1\nprofile 0 1 1 1 0 0\nneuron 0 0 0 out\n"));
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "convert", "/tmp/quiet.txt", "/tmp/quiet.snnet"));
	lt_run_free(&r);
	ASSERT_EQ(0, lt_snnctl(&r, NULL, NULL, "--progress", "run", LAST,
			       "/tmp/quiet.snnet", "--in", "/dev/null", "--steps",
			       "20000000"));
	if (lt_now() - t0 < 1.5) {
		lt_run_free(&r);
		SKIP(return, "the run took less than a second: no progress to show");
	}
	EXPECT_NE(NULL, strstr(r.err, "snnctl: run: timestep ")) lt_show("run", &r);
	EXPECT_NE(NULL, strstr(r.err, " of 20000000 ("));
	EXPECT_STREQ("", r.out);
	lt_run_free(&r);
}

LT_MAIN()
