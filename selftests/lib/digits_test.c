// SPDX-License-Identifier: GPL-2.0
/*
 * The digits workload on the real driver (tools/digits/): digits-classify
 * runs the network on a board and its output is checked against the host
 * engine's.
 *
 *   digits_test [--digits DIR] [--full] [--transport pci|usb]
 *
 * DIR (default /digits) holds, from the host (scripts/check-vm.sh):
 *   digits-classify      the classifier, static (libsnndev.a)
 *   digits.snnet, digits-split.snnet, test-set.txt   tools/digits/
 *   expected.txt         snn-sim's output spikes for the first N held-out
 *                        images, "IMAGE TIMESTEP NEURON" (train.py
 *                        --reference), and classes.txt their N classes
 *
 * single: the board's output spikes are those of snn-sim, byte for byte,
 *         and so the classes.
 * split:  the network split over two clusters through a routing unit:
 *         every spike is the single cluster's, route delay steps later;
 *         the same classes; every hidden spike routed, none late.
 * full:   (--full) every held-out image: accuracy at least 95 %, as
 *         computed here from the labels.
 */
#include "libtest.h"
#include "mini_json.h"

#include "kselftest_harness.h"

static const char *dir = "/digits";
static bool full;

static char *path_of(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* The first board with two clusters and a routing unit: "snnX". */
static int pick_board(char *name, size_t len)
{
	struct lt_board b[16];
	int n = lt_boards(b, 16), i;

	for (i = 0; i < n; i++) {
		if (b[i].clusters >= 2 && b[i].routers >= 1) {
			snprintf(name, len, "snn%u", b[i].index);
			return 0;
		}
	}
	return -1;
}

/* The labels of test-set.txt; returns how many (max at most). */
static int labels(int *out, int max)
{
	char *text = lt_slurp(path_of("test-set.txt")), *line, *save = NULL;
	int n = 0;

	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !line[0])
			continue;
		out[n++] = atoi(line);
	}
	free(text);
	return n;
}

/* classes.txt: the classes snn-sim's spikes give. */
static int ref_classes(int *out, int max)
{
	char *text = lt_slurp(path_of("classes.txt")), *p, *end;
	int n = 0;

	if (!text)
		return -1;
	for (p = text; n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		out[n++] = (int)v;
	}
	free(text);
	return n;
}

struct spike {
	int image, t, neuron;
};

/* A spike dump (IMAGE TIMESTEP NEURON a line); count in *n. */
static struct spike *read_dump(const char *path, int *n)
{
	char *text = lt_slurp(path), *p;
	struct spike *v = NULL;
	int cap = 0, k = 0;

	*n = -1;
	if (!text)
		return NULL;
	for (p = text; *p;) {
		struct spike s;
		int used = 0;

		if (sscanf(p, "%d %d %d%n", &s.image, &s.t, &s.neuron,
			   &used) != 3)
			break;
		if (k == cap) {
			cap = cap ? 2 * cap : 1024;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				break;
		}
		v[k++] = s;
		p += used;
		while (*p == '\n')
			p++;
	}
	free(text);
	*n = k;
	return v;
}

/* digits-classify ARGS... --json: r and its parsed JSON (NULL if none). */
static struct mj *classify(struct lt_run *r, int timeout_s, char *const *args)
{
	char *argv[32];
	char err[128];
	struct mj *v;
	int i = 0;

	argv[i++] = path_of("digits-classify");
	argv[i++] = "--json";
	while (*args && i < 30)
		argv[i++] = *args++;
	argv[i] = NULL;
	lt_runv(r, NULL, NULL, timeout_s, argv);
	if (r->status)
		lt_show("digits-classify", r);
	v = mj_parse(r->out, err, sizeof(err));
	if (!v && !r->status)
		printf("# not JSON (%s): %.300s\n", err, r->out);
	return v;
}

/* The "predicted" array of the JSON into out; how many. */
static int predicted(const struct mj *v, int *out, int max)
{
	const struct mj *a = mj_get(v, "predicted"), *e;
	int n = 0;

	if (!a || a->type != MJ_ARRAY)
		return -1;
	for (e = a->child; e && n < max; e = e->next)
		out[n++] = (int)e->num;
	return n;
}

FIXTURE(digits) {
	char board[32];
	char single[48], split[80], images[16];
	int n;				/* images in the reference */
	int cls[512];
};

FIXTURE_SETUP(digits)
{
	/* (a SKIP here would still run the test: the tests check n) */
	if (access(path_of("digits-classify"), X_OK) ||
	    access(path_of("expected.txt"), R_OK))
		return;
	ASSERT_EQ(0, pick_board(self->board, sizeof(self->board)))
		TH_LOG("no board with two clusters and a routing unit");
	snprintf(self->single, sizeof(self->single), "%s.0", self->board);
	snprintf(self->split, sizeof(self->split), "%s.0,%s.1", self->board,
		 self->board);
	self->n = ref_classes(self->cls, 512);
	ASSERT_GT(self->n, 0);
	snprintf(self->images, sizeof(self->images), "%d", self->n);
}

FIXTURE_TEARDOWN(digits)
{
}

/* one cluster: the output spikes are snn-sim's, byte for byte */
TEST_F_TIMEOUT(digits, single_matches_snn_sim, 600)
{
	char *args[] = { "--cluster", self->single, "--images", self->images,
			 "--dump", "/tmp/digits-single.txt",
			 path_of("digits.snnet"), path_of("test-set.txt"), NULL };
	int pred[512], np, nb, ne, i;
	char *board, *ref;
	struct lt_run r;
	struct mj *v;
	double t0 = lt_now();

	if (!self->n)
		SKIP(return, "no %s/digits-classify or expected.txt", dir);
	v = classify(&r, 500, args);
	ASSERT_EQ(0, r.status);
	ASSERT_NE(NULL, v);
	TH_LOG("%d images in %.1f s: %.1f images/s, latency p50 %.3f ms, p99 %.3f ms",
	       self->n, lt_now() - t0, mj_num(v, "images_per_sec", -1),
	       mj_num(v, "latency_ms.p50", -1), mj_num(v, "latency_ms.p99", -1));
	EXPECT_EQ(self->n, (int)mj_num(v, "images", -1));
	EXPECT_EQ(0, (int)mj_num(v, "late_events", -1));
	EXPECT_EQ(0, (int)mj_num(v, "dropped_events", -1));

	board = lt_slurp("/tmp/digits-single.txt");
	ref = lt_slurp(path_of("expected.txt"));
	ASSERT_NE(NULL, board);
	ASSERT_NE(NULL, ref);
	nb = lt_count_lines(board);
	ne = lt_count_lines(ref);
	EXPECT_GT(ne, self->n);		/* output spikes, not nothing */
	EXPECT_EQ(ne, nb);
	EXPECT_EQ(ne, (int)mj_num(v, "output_spikes", -1));
	if (strcmp(board, ref)) {
		size_t i = 0, line = 1;

		while (board[i] && board[i] == ref[i])
			line += board[i++] == '\n';
		TH_LOG("the board's spikes differ from snn-sim's at line %zu of expected.txt",
		       line);
	}
	EXPECT_EQ(0, strcmp(ref, board));

	/* and so the classes: the same as snn-sim's spikes give */
	np = predicted(v, pred, 512);
	ASSERT_EQ(self->n, np);
	for (i = 0; i < np; i++) {
		EXPECT_EQ(self->cls[i], pred[i]) TH_LOG("image %d", i);
	}
	free(board);
	free(ref);
	mj_free(v);
	lt_run_free(&r);
}

/*
 * Two clusters through a routing unit: every output spike is the single
 * cluster's (snn-sim's), route delay timesteps later; the same classes.
 */
TEST_F_TIMEOUT(digits, split_matches_single, 600)
{
	char *args[] = { "--cluster", self->split, "--images", self->images,
			 "--dump", "/tmp/digits-split.txt",
			 path_of("digits-split.snnet"), path_of("test-set.txt"),
			 NULL };
	struct spike *got, *want;
	int pred[512], np, ng, nw, d, i, same = 0;
	struct lt_run r;
	struct mj *v;

	if (!self->n)
		SKIP(return, "no %s/digits-classify or expected.txt", dir);
	v = classify(&r, 500, args);
	ASSERT_EQ(0, r.status);
	ASSERT_NE(NULL, v);
	d = (int)mj_num(v, "route_delay", -1);
	ASSERT_GE(d, 0);
	TH_LOG("route delay %d, %.1f images/s, routed %.0f, hidden %.0f",
	       d, mj_num(v, "images_per_sec", -1),
	       mj_num(v, "routed_events", -1), mj_num(v, "hidden_spikes", -1));
	EXPECT_EQ(0, (int)mj_num(v, "late_events", -1));
	EXPECT_EQ(0, (int)mj_num(v, "dropped_events", -1));
	/* one route per hidden neuron: every hidden spike crosses */
	EXPECT_GT((long long)mj_num(v, "routed_events", -1), 0);
	EXPECT_EQ((long long)mj_num(v, "hidden_spikes", -1),
		  (long long)mj_num(v, "routed_events", -2));

	got = read_dump("/tmp/digits-split.txt", &ng);
	want = read_dump(path_of("expected.txt"), &nw);
	ASSERT_GT(nw, 0);
	EXPECT_EQ(nw, ng);
	/* single: output neuron k is flat id 256 + k (core 1); split: k */
	for (i = 0; i < ng && i < nw; i++)
		same += got[i].image == want[i].image &&
			got[i].t == want[i].t + d &&
			got[i].neuron == want[i].neuron - 256;
	EXPECT_EQ(nw, same);

	np = predicted(v, pred, 512);
	ASSERT_EQ(self->n, np);
	for (i = 0; i < np; i++) {
		EXPECT_EQ(self->cls[i], pred[i]) TH_LOG("image %d", i);
	}
	free(got);
	free(want);
	mj_free(v);
	lt_run_free(&r);
}

/* every held-out image: accuracy >= 95 %, computed from the labels */
TEST_F_TIMEOUT(digits, full_set_accuracy, 900)
{
	char *args[] = { "--cluster", self->single, path_of("digits.snnet"),
			 path_of("test-set.txt"), NULL };
	static int lab[4096], pred[4096];
	int nl, np, i, correct = 0;
	struct lt_run r;
	struct mj *v;

	if (!self->n)
		SKIP(return, "no %s/digits-classify or expected.txt", dir);
	if (!full)
		SKIP(return, "without --full (the subset above only)");
	nl = labels(lab, 4096);
	ASSERT_GT(nl, self->n);
	v = classify(&r, 850, args);
	ASSERT_EQ(0, r.status);
	ASSERT_NE(NULL, v);
	np = predicted(v, pred, 4096);
	ASSERT_EQ(nl, np);
	for (i = 0; i < np; i++)
		correct += pred[i] == lab[i];
	TH_LOG("%d of %d correct (%.2f %%); %.1f images/s, %.0f events/s, latency p50 %.3f ms, p99 %.3f ms",
	       correct, nl, 100.0 * correct / nl,
	       mj_num(v, "images_per_sec", -1), mj_num(v, "events_per_sec", -1),
	       mj_num(v, "latency_ms.p50", -1), mj_num(v, "latency_ms.p99", -1));
	EXPECT_EQ(correct, (int)mj_num(v, "correct", -1));
	EXPECT_GE(100 * correct, 95 * nl);
	mj_free(v);
	lt_run_free(&r);
}

/* bad input: a clear message and exit status 3, before any device use */
TEST(bad_test_set)
{
	char *argv[] = { path_of("digits-classify"), path_of("digits.snnet"),
			 "/tmp/bad-set.txt", NULL };
	struct lt_run r;

	if (access(path_of("digits-classify"), X_OK))
		SKIP(return, "no %s/digits-classify", dir);
	ASSERT_EQ(0, lt_write_file("/tmp/bad-set.txt",
				   "# a pixel out of range\n"
				   "3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"));
	EXPECT_EQ(3, lt_runv(&r, NULL, NULL, 30, argv));
	EXPECT_NE(NULL, strstr(r.err, "/tmp/bad-set.txt:2: pixel 32 is 17, must be 0..16"))
		lt_show("digits-classify", &r);
	lt_run_free(&r);
}

int main(int argc, char **argv)
{
	int i, n = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	argc = lt_parse_opts(argc, argv);	/* --transport */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--digits") && i + 1 < argc) {
			dir = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--full")) {
			full = true;
			continue;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return test_harness_run(n, argv);
}
