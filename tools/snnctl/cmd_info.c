// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that read boards: list, info, stats, top, health.  All of
 * them read sysfs through libsnndev's enumeration, so they work while
 * other processes hold the units (only info opens a board node, for the
 * driver's version, and does without it when it may not).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "names.h"
#include "snnctl.h"

static uint64_t prop(const struct snndev_node *n, enum snndev_prop p)
{
	uint64_t v = 0;

	if (snndev_node_prop(n, p, &v))
		return 0;
	return v;
}

static void health_of(const struct snndev_node *n, char *buf, size_t len)
{
	if (snndev_node_health(n, buf, len) < 0)
		snprintf(buf, len, "gone");
}

static void state_of(const struct snndev_node *n, char *buf, size_t len)
{
	if (snndev_node_state(n, buf, len) < 0)
		snprintf(buf, len, "gone");
}

/* "0 1" for a router's connects mask, or with names "snn0.0 snn0.1". */
static void connects_str(const struct snndev_node *r, bool names, char *buf,
			 size_t len)
{
	uint64_t mask = prop(r, SNNDEV_PROP_CONNECTS);
	size_t o = 0;
	int c;

	buf[0] = 0;
	for (c = 0; c < 64 && o + 16 < len; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		if (names)
			o += snprintf(buf + o, len - o, "%ssnn%u.%d",
				      o ? " " : "", snndev_node_board(r), c);
		else
			o += snprintf(buf + o, len - o, "%s%d", o ? " " : "",
				      c);
	}
}

/* 50000000 -> "50 M" (decimal prefixes) */
static void si(uint64_t v, char *buf, size_t len)
{
	static const char *pfx[] = { "", " k", " M", " G", " T" };
	double d = (double)v;
	int i = 0;

	while (d >= 1000 && i < 4) {
		d /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%.4g%s", d, pfx[i]);
}

static int count_boards(const struct snndev_enum *e)
{
	size_t i, n = snndev_enum_count(e);
	int b = 0;

	for (i = 0; i < n; i++)
		b += snndev_node_type(snndev_enum_node(e, i)) ==
		     SNNDEV_NODE_BOARD;
	return b;
}

static int no_boards(void)
{
	return snnctl_err(SNNCTL_EX_DEVICE,
			  "no snn boards are present (is snn.ko loaded?)");
}

/*
 * The nodes named on the command line (argv[first..]), or all nodes of
 * the types in `all` if none is named.  A board named where clusters are
 * wanted (expand) stands for its units of those types.  Returns the
 * count (sel[] filled, at most max) or -exit status.
 */
static int select_nodes(const struct snndev_enum *e, int argc, char **argv,
			int first, unsigned int mask, bool expand,
			const struct snndev_node **sel, int max)
{
	size_t i, n = snndev_enum_count(e);
	int k, cnt = 0, code;

	if (first >= argc) {
		for (i = 0; i < n && cnt < max; i++) {
			const struct snndev_node *x = snndev_enum_node(e, i);

			if (mask & (1U << snndev_node_type(x)))
				sel[cnt++] = x;
		}
		if (!count_boards(e))
			return -no_boards();
		return cnt;
	}
	for (k = first; k < argc; k++) {
		const struct snndev_node *x =
			unit_find(e, argv[k], mask | (expand ? UNIT_BOARD : 0),
				  &code);

		if (!x)
			return -code;
		if (expand && snndev_node_type(x) == SNNDEV_NODE_BOARD &&
		    !(mask & UNIT_BOARD)) {
			for (i = 0; i < n && cnt < max; i++) {
				const struct snndev_node *y =
					snndev_enum_node(e, i);

				if (snndev_node_board(y) ==
				    snndev_node_board(x) &&
				    (mask & (1U << snndev_node_type(y))))
					sel[cnt++] = y;
			}
			continue;
		}
		if (cnt < max)
			sel[cnt++] = x;
	}
	return cnt;
}

#define MAX_SEL 4096

/* ---- list ---------------------------------------------------------------------- */

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	struct snndev_enum *e;
	struct json j;
	size_t i, n;
	int o, code;

	while ((o = snnctl_getopt(argc, argv, "", opts)) != -1) {
		if (o == 'h')
			return snnctl_help("list");
		return SNNCTL_EX_USAGE;
	}
	if (optind < argc)
		return snnctl_usage_err("list", "unexpected argument '%s'",
					argv[optind]);
	e = unit_enum_new(&code);
	if (!e)
		return code;
	n = snndev_enum_count(e);
	json_init(&j, stdout);
	if (snnctl_opt.json)
		json_arr_begin(&j);
	else if (n)
		printf("%-9s %-8s %-13s %-9s %-9s %s\n", "NAME", "TYPE", "BUS",
		       "HEALTH", "STATE", "USE");
	for (i = 0; i < n; i++) {
		const struct snndev_node *x = snndev_enum_node(e, i);
		enum snndev_node_type t = snndev_node_type(x);
		char name[32], health[32], state[32] = "-", conn[256];
		int busy = t == SNNDEV_NODE_BOARD ? -1 : snndev_node_busy(x);

		unit_node_name(x, name, sizeof(name));
		health_of(x, health, sizeof(health));
		if (t == SNNDEV_NODE_CLUSTER)
			state_of(x, state, sizeof(state));
		if (snnctl_opt.json) {
			json_obj_begin(&j);
			json_kstr(&j, "name", name);
			json_kstr(&j, "type", unit_type_name(t));
			json_kstr(&j, "devnode", snndev_node_devnode(x));
			json_ku64(&j, "board", snndev_node_board(x));
			if (t != SNNDEV_NODE_BOARD)
				json_ku64(&j, "unit", snndev_node_unit(x));
			json_kstr(&j, "bus_id", snndev_node_bus_id(x));
			json_kstr(&j, "health", health);
			if (t == SNNDEV_NODE_BOARD) {
				json_ku64(&j, "clusters",
					  prop(x, SNNDEV_PROP_CLUSTERS));
				json_ku64(&j, "routers",
					  prop(x, SNNDEV_PROP_ROUTERS));
			} else {
				json_kbool(&j, "busy", busy > 0);
			}
			if (t == SNNDEV_NODE_CLUSTER)
				json_kstr(&j, "state", state);
			json_obj_end(&j);
			continue;
		}
		printf("%-9s %-8s %-13s %-9s %-9s ", name, unit_type_name(t),
		       snndev_node_bus_id(x), health, state);
		if (t == SNNDEV_NODE_BOARD) {
			printf("%llu clusters, %llu routers\n",
			       (unsigned long long)prop(x, SNNDEV_PROP_CLUSTERS),
			       (unsigned long long)prop(x, SNNDEV_PROP_ROUTERS));
			continue;
		}
		printf("%s", busy > 0 ? "busy" : busy == 0 ? "free" : "?");
		if (t == SNNDEV_NODE_ROUTER) {
			connects_str(x, false, conn, sizeof(conn));
			printf("  connects %s", conn);
		}
		putchar('\n');
	}
	if (snnctl_opt.json) {
		json_arr_end(&j);
		json_end(&j);
	}
	snndev_enum_free(e);
	if (fflush(stdout) || ferror(stdout))
		return snnctl_err(SNNCTL_EX_DEVICE, "write error: %s",
				  strerror(errno));
	return SNNCTL_EX_OK;
}

/* ---- info ---------------------------------------------------------------------- */

static void json_cluster(struct json *j, const struct snndev_node *c)
{
	char buf[32];
	int busy = snndev_node_busy(c);

	unit_node_name(c, buf, sizeof(buf));
	json_obj_begin(j);
	json_kstr(j, "name", buf);
	json_kstr(j, "devnode", snndev_node_devnode(c));
	json_ku64(j, "unit", snndev_node_unit(c));
	json_ku64(j, "cores", prop(c, SNNDEV_PROP_CORES));
	json_ku64(j, "neurons_per_core", prop(c, SNNDEV_PROP_NEURONS_PER_CORE));
	json_ku64(j, "axons_per_core", prop(c, SNNDEV_PROP_AXONS_PER_CORE));
	json_ku64(j, "synapses_per_core",
		  prop(c, SNNDEV_PROP_SYNAPSES_PER_CORE));
	json_ku64(j, "in_queues", prop(c, SNNDEV_PROP_IN_QUEUES));
	json_ku64(j, "out_queues", prop(c, SNNDEV_PROP_OUT_QUEUES));
	json_ku64(j, "max_queue_depth", prop(c, SNNDEV_PROP_MAX_QUEUE_DEPTH));
	json_ku64(j, "rated_events_per_sec",
		  prop(c, SNNDEV_PROP_RATED_EVENTS_PER_SEC));
	json_ku64(j, "rated_spikes_per_sec",
		  prop(c, SNNDEV_PROP_RATED_SPIKES_PER_SEC));
	health_of(c, buf, sizeof(buf));
	json_kstr(j, "health", buf);
	state_of(c, buf, sizeof(buf));
	json_kstr(j, "state", buf);
	json_kbool(j, "busy", busy > 0);
	json_obj_end(j);
}

static void json_router(struct json *j, const struct snndev_node *r)
{
	uint64_t mask = prop(r, SNNDEV_PROP_CONNECTS);
	char buf[32];
	int c;

	unit_node_name(r, buf, sizeof(buf));
	json_obj_begin(j);
	json_kstr(j, "name", buf);
	json_kstr(j, "devnode", snndev_node_devnode(r));
	json_ku64(j, "unit", snndev_node_unit(r));
	json_key(j, "connects");
	json_arr_begin(j);
	for (c = 0; c < 64; c++)
		if (mask & (1ULL << c))
			json_u64(j, c);
	json_arr_end(j);
	json_ku64(j, "route_capacity", prop(r, SNNDEV_PROP_ROUTE_CAPACITY));
	json_ku64(j, "route_delay", prop(r, SNNDEV_PROP_ROUTE_DELAY));
	health_of(r, buf, sizeof(buf));
	json_kstr(j, "health", buf);
	json_kbool(j, "busy", snndev_node_busy(r) > 0);
	json_obj_end(j);
}

static void print_tree(const struct snndev_enum *e, const struct snndev_node *b,
		       const char *drv)
{
	size_t i, n = snndev_enum_count(e);
	unsigned int bi = snndev_node_board(b);
	uint64_t nc = prop(b, SNNDEV_PROP_CLUSTERS);
	uint64_t nr = prop(b, SNNDEV_PROP_ROUTERS);
	uint64_t kc = 0, kr = 0;
	char health[32], a[32], s[32], conn[256];

	health_of(b, health, sizeof(health));
	printf("snn%u  %s  %s, board id %llu, revision %llu%s%s, health %s\n",
	       bi, snndev_node_bus_id(b),
	       prop(b, SNNDEV_PROP_TRANSPORT) == SNNDEV_TRANSPORT_USB ?
	       "usb" : "pci",
	       (unsigned long long)prop(b, SNNDEV_PROP_BOARD_ID),
	       (unsigned long long)prop(b, SNNDEV_PROP_REVISION),
	       drv ? ", driver " : "", drv ? drv : "", health);
	si(prop(b, SNNDEV_PROP_RATED_EVENTS_PER_SEC), a, sizeof(a));
	si(prop(b, SNNDEV_PROP_RATED_SPIKES_PER_SEC), s, sizeof(s));
	printf("%s-- clusters: %llu (rated %s events/s in, %s spikes/s out in all)\n",
	       nr ? "|" : "`", (unsigned long long)nc, a, s);
	for (i = 0; i < n; i++) {
		const struct snndev_node *c = snndev_enum_node(e, i);
		const char *l1 = nr ? "|   " : "    ";
		bool last;

		if (snndev_node_board(c) != bi ||
		    snndev_node_type(c) != SNNDEV_NODE_CLUSTER)
			continue;
		last = ++kc == nc;
		health_of(c, health, sizeof(health));
		printf("%s%s-- snn%u.%d: %llu cores x %llu neurons, %llu axons, %llu synapses per core; health %s\n",
		       l1, last ? "`" : "|", bi, snndev_node_unit(c),
		       (unsigned long long)prop(c, SNNDEV_PROP_CORES),
		       (unsigned long long)prop(c, SNNDEV_PROP_NEURONS_PER_CORE),
		       (unsigned long long)prop(c, SNNDEV_PROP_AXONS_PER_CORE),
		       (unsigned long long)prop(c, SNNDEV_PROP_SYNAPSES_PER_CORE),
		       health);
		printf("%s%s   |-- queues: %llu in, %llu out, up to %llu events each\n",
		       l1, last ? " " : "|",
		       (unsigned long long)prop(c, SNNDEV_PROP_IN_QUEUES),
		       (unsigned long long)prop(c, SNNDEV_PROP_OUT_QUEUES),
		       (unsigned long long)prop(c, SNNDEV_PROP_MAX_QUEUE_DEPTH));
		si(prop(c, SNNDEV_PROP_RATED_EVENTS_PER_SEC), a, sizeof(a));
		si(prop(c, SNNDEV_PROP_RATED_SPIKES_PER_SEC), s, sizeof(s));
		printf("%s%s   `-- rated: %s events/s in, %s spikes/s out\n",
		       l1, last ? " " : "|", a, s);
	}
	if (!nr)
		return;
	printf("`-- routing units: %llu\n", (unsigned long long)nr);
	for (i = 0; i < n; i++) {
		const struct snndev_node *r = snndev_enum_node(e, i);

		if (snndev_node_board(r) != bi ||
		    snndev_node_type(r) != SNNDEV_NODE_ROUTER)
			continue;
		connects_str(r, true, conn, sizeof(conn));
		printf("    %s-- snn%u.%d: connects %s; %llu routes, delay %llu timestep%s\n",
		       ++kr == nr ? "`" : "|", bi, snndev_node_unit(r), conn,
		       (unsigned long long)prop(r, SNNDEV_PROP_ROUTE_CAPACITY),
		       (unsigned long long)prop(r, SNNDEV_PROP_ROUTE_DELAY),
		       prop(r, SNNDEV_PROP_ROUTE_DELAY) == 1 ? "" : "s");
	}
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	const struct snndev_node *sel[MAX_SEL];
	struct snndev_enum *e;
	struct json j;
	int o, code, n, k;
	size_t i;

	while ((o = snnctl_getopt(argc, argv, "", opts)) != -1) {
		if (o == 'h')
			return snnctl_help("info");
		return SNNCTL_EX_USAGE;
	}
	e = unit_enum_new(&code);
	if (!e)
		return code;
	n = select_nodes(e, argc, argv, optind, UNIT_BOARD, false, sel,
			 MAX_SEL);
	if (n < 0) {
		snndev_enum_free(e);
		return -n;
	}
	json_init(&j, stdout);
	if (snnctl_opt.json)
		json_arr_begin(&j);
	for (k = 0; k < n; k++) {
		const struct snndev_node *b = sel[k];
		struct snndev_unit *u = NULL;
		const char *drv = NULL;
		char buf[32];

		/* the driver's version needs the board node (group snn) */
		if (!snndev_unit_open_node(b, &u))
			drv = snndev_unit_driver_version(u);
		if (!snnctl_opt.json) {
			if (k)
				putchar('\n');
			print_tree(e, b, drv);
			if (u)
				snndev_unit_close(u);
			continue;
		}
		json_obj_begin(&j);
		unit_node_name(b, buf, sizeof(buf));
		json_kstr(&j, "name", buf);
		json_kstr(&j, "devnode", snndev_node_devnode(b));
		json_ku64(&j, "board", snndev_node_board(b));
		json_kstr(&j, "bus_id", snndev_node_bus_id(b));
		json_kstr(&j, "transport",
			  prop(b, SNNDEV_PROP_TRANSPORT) == SNNDEV_TRANSPORT_USB ?
			  "usb" : "pci");
		json_ku64(&j, "board_id", prop(b, SNNDEV_PROP_BOARD_ID));
		json_ku64(&j, "revision", prop(b, SNNDEV_PROP_REVISION));
		json_key(&j, "driver_version");
		if (drv)
			json_str(&j, drv);
		else
			json_null(&j);
		health_of(b, buf, sizeof(buf));
		json_kstr(&j, "health", buf);
		json_ku64(&j, "rated_events_per_sec",
			  prop(b, SNNDEV_PROP_RATED_EVENTS_PER_SEC));
		json_ku64(&j, "rated_spikes_per_sec",
			  prop(b, SNNDEV_PROP_RATED_SPIKES_PER_SEC));
		json_key(&j, "clusters");
		json_arr_begin(&j);
		for (i = 0; i < snndev_enum_count(e); i++) {
			const struct snndev_node *c = snndev_enum_node(e, i);

			if (snndev_node_board(c) == snndev_node_board(b) &&
			    snndev_node_type(c) == SNNDEV_NODE_CLUSTER)
				json_cluster(&j, c);
		}
		json_arr_end(&j);
		json_key(&j, "routers");
		json_arr_begin(&j);
		for (i = 0; i < snndev_enum_count(e); i++) {
			const struct snndev_node *r = snndev_enum_node(e, i);

			if (snndev_node_board(r) == snndev_node_board(b) &&
			    snndev_node_type(r) == SNNDEV_NODE_ROUTER)
				json_router(&j, r);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		if (u)
			snndev_unit_close(u);
	}
	if (snnctl_opt.json) {
		json_arr_end(&j);
		json_end(&j);
	}
	snndev_enum_free(e);
	return SNNCTL_EX_OK;
}

/* ---- stats --------------------------------------------------------------------- */

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	const struct snndev_node *sel[MAX_SEL];
	uint64_t v[SNNDEV_CNT_COUNT];
	struct snndev_enum *e;
	int o, code, n, k, c, ret, rc = SNNCTL_EX_OK;
	struct json j;

	while ((o = snnctl_getopt(argc, argv, "", opts)) != -1) {
		if (o == 'h')
			return snnctl_help("stats");
		return SNNCTL_EX_USAGE;
	}
	e = unit_enum_new(&code);
	if (!e)
		return code;
	n = select_nodes(e, argc, argv, optind, UNIT_CLUSTER, true, sel,
			 MAX_SEL);
	if (n < 0) {
		snndev_enum_free(e);
		return -n;
	}
	json_init(&j, stdout);
	if (snnctl_opt.json)
		json_arr_begin(&j);
	for (k = 0; k < n; k++) {
		char name[32], state[32];
		int busy = snndev_node_busy(sel[k]);

		unit_node_name(sel[k], name, sizeof(name));
		state_of(sel[k], state, sizeof(state));
		ret = snndev_node_counters(sel[k], v, SNNDEV_CNT_COUNT);
		if (ret < 0) {
			rc = snnctl_lib_err(SNNCTL_EX_DEVICE, ret,
					    "%s: cannot read the counters",
					    name);
			continue;
		}
		if (snnctl_opt.json) {
			json_obj_begin(&j);
			json_kstr(&j, "name", name);
			json_kstr(&j, "state", state);
			json_kbool(&j, "busy", busy > 0);
			json_key(&j, "counters");
			json_obj_begin(&j);
			for (c = 0; c < SNNDEV_CNT_COUNT; c++)
				json_ku64(&j, snndev_counter_name(c), v[c]);
			json_obj_end(&j);
			json_obj_end(&j);
			continue;
		}
		printf("%s%s  state %s, %s\n", k ? "\n" : "", name, state,
		       busy > 0 ? "busy" : "free");
		for (c = 0; c < SNNDEV_CNT_COUNT; c++)
			printf("  %-16s %llu\n", snndev_counter_name(c),
			       (unsigned long long)v[c]);
	}
	if (snnctl_opt.json) {
		json_arr_end(&j);
		json_end(&j);
	}
	snndev_enum_free(e);
	return rc;
}

/* ---- top ----------------------------------------------------------------------- */

static volatile sig_atomic_t top_stop;

static void top_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

struct top_row {
	uint64_t prev[SNNDEV_CNT_COUNT];
	uint64_t cur[SNNDEV_CNT_COUNT];
	bool have_prev, ok;
	char name[32], state[32];
	int busy;
};

static double rate(const struct top_row *r, int c, double dt)
{
	uint64_t d;

	if (!r->ok || !r->have_prev || dt <= 0)
		return -1;
	/* a counter that went back was reset: count from 0 */
	d = r->cur[c] >= r->prev[c] ? r->cur[c] - r->prev[c] : r->cur[c];
	return (double)d / dt;
}

static void fmt_rate(double v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else if (v >= 1e9)
		snprintf(buf, len, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

static const int top_cols[] = {
	SNNDEV_CNT_TIMESTEPS, SNNDEV_CNT_IN_EVENTS, SNNDEV_CNT_SPIKES,
	SNNDEV_CNT_OUT_EVENTS,
};
static const char *const top_heads[] = {
	"STEPS/s", "EVENTS/s", "SPIKES/s", "OUT/s",
};
static const char *const top_keys[] = {
	"timesteps_per_sec", "events_per_sec", "spikes_per_sec",
	"out_events_per_sec",
};

#define N_TOP_COLS 4

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const struct snndev_node *sel[MAX_SEL];
	struct top_row *rows = NULL;
	struct snndev_enum *e;
	double interval = 1.0, t_prev = 0, t_now, dt;
	uint64_t count = 0, sample;
	bool tty = isatty(STDOUT_FILENO) && !snnctl_opt.json, header = false;
	int o, code, n, k, c, rc = SNNCTL_EX_OK;
	struct sigaction sa;
	struct json j;

	while ((o = snnctl_getopt(argc, argv, "i:n:", opts)) != -1) {
		switch (o) {
		case 'h':
			return snnctl_help("top");
		case 'i':
			if (snnctl_parse_seconds(optarg, 86400, &interval) ||
			    interval < 0.01)
				return snnctl_usage_err("top",
							"--interval '%s' is not a number of seconds in 0.01..86400",
							optarg);
			break;
		case 'n':
			if (snnctl_parse_u64(optarg, UINT32_MAX, &count) ||
			    !count)
				return snnctl_usage_err("top",
							"--count '%s' is not a number of intervals >= 1",
							optarg);
			break;
		default:
			return SNNCTL_EX_USAGE;
		}
	}
	tty = isatty(STDOUT_FILENO) && !snnctl_opt.json;
	e = unit_enum_new(&code);
	if (!e)
		return code;
	n = select_nodes(e, argc, argv, optind, UNIT_CLUSTER, true, sel,
			 MAX_SEL);
	if (n <= 0) {
		snndev_enum_free(e);
		return n < 0 ? -n : no_boards();
	}
	rows = calloc(n, sizeof(*rows));
	if (!rows) {
		snndev_enum_free(e);
		return snnctl_err(SNNCTL_EX_DEVICE, "out of memory");
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	json_init(&j, stdout);

	for (sample = 0; !top_stop; sample++) {
		struct timespec ts;
		time_t wall = time(NULL);
		char tbuf[32];

		t_now = snnctl_now();
		dt = t_now - t_prev;
		for (k = 0; k < n; k++) {
			struct top_row *r = &rows[k];

			memcpy(r->prev, r->cur, sizeof(r->prev));
			r->have_prev = r->ok;
			unit_node_name(sel[k], r->name, sizeof(r->name));
			state_of(sel[k], r->state, sizeof(r->state));
			r->busy = snndev_node_busy(sel[k]);
			r->ok = snndev_node_counters(sel[k], r->cur,
						     SNNDEV_CNT_COUNT) >= 0;
		}
		t_prev = t_now;
		if (sample == 0)
			goto sleep;	/* the first sample is the baseline */

		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime(&wall));
		if (snnctl_opt.json) {
			json_obj_begin(&j);
			json_kdouble(&j, "time", (double)wall);
			json_kdouble(&j, "interval", dt);
			json_key(&j, "clusters");
			json_arr_begin(&j);
			for (k = 0; k < n; k++) {
				json_obj_begin(&j);
				json_kstr(&j, "name", rows[k].name);
				json_kstr(&j, "state", rows[k].state);
				json_kbool(&j, "busy", rows[k].busy > 0);
				for (c = 0; c < N_TOP_COLS; c++) {
					double v = rate(&rows[k], top_cols[c],
							dt);

					json_key(&j, top_keys[c]);
					if (v < 0)
						json_null(&j);
					else
						json_double(&j, v);
				}
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
			json_end(&j);
		} else {
			if (tty) {
				printf("\033[H\033[2J");
				printf("snnctl top - %s - every %.3g s - %d cluster%s\n\n",
				       tbuf, interval, n, n == 1 ? "" : "s");
			}
			if (tty || !header) {
				printf("%s%-9s %-9s %-5s", tty ? "" : "TIME      ",
				       "UNIT", "STATE", "USE");
				for (c = 0; c < N_TOP_COLS; c++)
					printf(" %10s", top_heads[c]);
				putchar('\n');
				header = true;
			}
			for (k = 0; k < n; k++) {
				char v[32];

				if (!tty)
					printf("%-9s ", tbuf);
				printf("%-9s %-9s %-5s", rows[k].name,
				       rows[k].state,
				       rows[k].busy > 0 ? "busy" : "free");
				for (c = 0; c < N_TOP_COLS; c++) {
					fmt_rate(rate(&rows[k], top_cols[c], dt),
						 v, sizeof(v));
					printf(" %10s", v);
				}
				putchar('\n');
			}
		}
		if (fflush(stdout) || ferror(stdout)) {
			rc = snnctl_err(SNNCTL_EX_DEVICE, "write error: %s",
					strerror(errno));
			break;
		}
		if (count && sample >= count)
			break;
sleep:
		ts.tv_sec = (time_t)interval;
		ts.tv_nsec = (long)((interval - (double)ts.tv_sec) * 1e9);
		while (!top_stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	free(rows);
	snndev_enum_free(e);
	return rc;
}

/* ---- health -------------------------------------------------------------------- */

int cmd_health(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	const struct snndev_node *sel[MAX_SEL];
	struct snndev_enum *e;
	bool all_ok = true;
	int o, code, n, k;
	struct json j;
	size_t i;

	while ((o = snnctl_getopt(argc, argv, "", opts)) != -1) {
		if (o == 'h')
			return snnctl_help("health");
		return SNNCTL_EX_USAGE;
	}
	e = unit_enum_new(&code);
	if (!e)
		return code;
	n = select_nodes(e, argc, argv, optind, UNIT_BOARD, false, sel,
			 MAX_SEL);
	if (n < 0) {
		snndev_enum_free(e);
		return -n;
	}
	json_init(&j, stdout);
	if (snnctl_opt.json) {
		json_obj_begin(&j);
		json_key(&j, "boards");
		json_arr_begin(&j);
	}
	for (k = 0; k < n; k++) {
		const struct snndev_node *b = sel[k];
		char name[32], health[32];

		unit_node_name(b, name, sizeof(name));
		health_of(b, health, sizeof(health));
		if (strcmp(health, "ok"))
			all_ok = false;
		if (snnctl_opt.json) {
			json_obj_begin(&j);
			json_kstr(&j, "name", name);
			json_kstr(&j, "bus_id", snndev_node_bus_id(b));
			json_kstr(&j, "health", health);
			json_key(&j, "units");
			json_arr_begin(&j);
		} else {
			printf("%-9s %-13s %s\n", name, snndev_node_bus_id(b),
			       health);
		}
		for (i = 0; i < snndev_enum_count(e); i++) {
			const struct snndev_node *u = snndev_enum_node(e, i);

			if (snndev_node_board(u) != snndev_node_board(b) ||
			    snndev_node_unit(u) < 0)
				continue;
			unit_node_name(u, name, sizeof(name));
			health_of(u, health, sizeof(health));
			if (strcmp(health, "ok"))
				all_ok = false;
			if (snnctl_opt.json) {
				json_obj_begin(&j);
				json_kstr(&j, "name", name);
				json_kstr(&j, "type",
					  unit_type_name(snndev_node_type(u)));
				json_kstr(&j, "health", health);
				json_obj_end(&j);
			} else if (strcmp(health, "ok")) {
				printf("  %-9s %-8s %s\n", name,
				       unit_type_name(snndev_node_type(u)),
				       health);
			}
		}
		if (snnctl_opt.json) {
			json_arr_end(&j);
			json_obj_end(&j);
		}
	}
	if (snnctl_opt.json) {
		json_arr_end(&j);
		json_kbool(&j, "ok", all_ok);
		json_obj_end(&j);
		json_end(&j);
	}
	snndev_enum_free(e);
	return all_ok ? SNNCTL_EX_OK : SNNCTL_EX_UNHEALTHY;
}
