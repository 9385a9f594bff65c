// SPDX-License-Identifier: GPL-2.0
/*
 * reset and route.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "names.h"
#include "netio.h"
#include "session.h"
#include "snnctl.h"

/* ---- reset --------------------------------------------------------------------- */

int cmd_reset(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "state", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const struct snndev_node *n;
	struct snndev_unit *u = NULL;
	struct snndev_enum *e;
	bool force = false;
	char name[32], busy[512];
	int o, code, ret;
	size_t i, o2 = 0;

	while ((o = snnctl_getopt(argc, argv, "f", opts)) != -1) {
		switch (o) {
		case 'h':
			return snnctl_help("reset");
		case 'f':
			force = true;
			break;
		case 's':
			return snnctl_usage_err("reset",
						"--state: a state reset keeps the network, but only for the cluster's owner: snnctl would release the cluster right after, and the release resets it fully (the program that holds it can call snndev_unit_reset() with SNNDEV_RESET_STATE)");
		default:
			return SNNCTL_EX_USAGE;
		}
	}
	if (argc - optind != 1)
		return snnctl_usage_err("reset", argc == optind ?
					"reset needs a cluster or a board" :
					"reset takes one cluster or board");
	if (snnctl_opt.json)
		return snnctl_usage_err("reset",
					"--json: reset has no output to format");
	e = unit_enum_new(&code);
	if (!e)
		return code;
	n = unit_find(e, argv[optind], UNIT_BOARD | UNIT_CLUSTER, &code);
	if (!n) {
		snndev_enum_free(e);
		if (code == SNNCTL_EX_USAGE)
			fprintf(stderr, "(a routing unit has no reset of its own: its routes go with their clusters; a board reset clears every table)\n");
		return code;
	}
	unit_node_name(n, name, sizeof(name));
	if (snndev_node_type(n) == SNNDEV_NODE_BOARD) {
		busy[0] = 0;
		for (i = 0; i < snndev_enum_count(e); i++) {
			const struct snndev_node *x = snndev_enum_node(e, i);
			char xn[32];

			if (snndev_node_board(x) != snndev_node_board(n) ||
			    snndev_node_unit(x) < 0 || snndev_node_busy(x) <= 0)
				continue;
			unit_node_name(x, xn, sizeof(xn));
			if (o2 + 40 < sizeof(busy))
				o2 += snprintf(busy + o2, sizeof(busy) - o2,
					       "%s%s", o2 ? ", " : "", xn);
		}
		if (busy[0] && !force) {
			snndev_enum_free(e);
			return snnctl_err(SNNCTL_EX_DEVICE,
					  "%s: not reset: %s %s in use (a board reset takes every unit from its owner; --force to do it anyway)",
					  name, busy, strchr(busy, ',') ? "are" : "is");
		}
	}
	ret = snndev_unit_open_node(n, &u);
	if (ret) {
		snndev_enum_free(e);
		return session_open_err(name, ret);
	}
	if (snndev_node_type(n) == SNNDEV_NODE_BOARD) {
		snnctl_busy_begin("resetting board %s", name);
		ret = snndev_unit_board_reset(u);
	} else {
		snnctl_busy_begin("resetting cluster %s", name);
		ret = snndev_unit_reset(u, 0);
	}
	snnctl_busy_end();
	snndev_unit_close(u);
	snndev_enum_free(e);
	if (ret)
		return snnctl_lib_err(SNNCTL_EX_DEVICE, ret, "%s: reset failed",
				      name);
	return SNNCTL_EX_OK;
}

/* ---- route --------------------------------------------------------------------- */

static int route_list(int argc, char **argv)
{
	struct snndev_enum *e;
	const struct snndev_node *sel[256];
	struct json j;
	size_t i, n;
	int k, cnt = 0, code;

	e = unit_enum_new(&code);
	if (!e)
		return code;
	n = snndev_enum_count(e);
	if (optind >= argc) {
		for (i = 0; i < n && cnt < 256; i++)
			if (snndev_node_type(snndev_enum_node(e, i)) ==
			    SNNDEV_NODE_ROUTER)
				sel[cnt++] = snndev_enum_node(e, i);
		if (!n) {
			snndev_enum_free(e);
			return snnctl_err(SNNCTL_EX_DEVICE,
					  "no snn boards are present (is snn.ko loaded?)");
		}
	}
	for (k = optind; k < argc; k++) {
		const struct snndev_node *x =
			unit_find(e, argv[k], UNIT_BOARD | UNIT_ROUTER, &code);

		if (!x) {
			snndev_enum_free(e);
			return code;
		}
		if (snndev_node_type(x) == SNNDEV_NODE_ROUTER) {
			if (cnt < 256)
				sel[cnt++] = x;
			continue;
		}
		for (i = 0; i < n && cnt < 256; i++) {
			const struct snndev_node *y = snndev_enum_node(e, i);

			if (snndev_node_board(y) == snndev_node_board(x) &&
			    snndev_node_type(y) == SNNDEV_NODE_ROUTER)
				sel[cnt++] = y;
		}
	}
	json_init(&j, stdout);
	if (snnctl_opt.json)
		json_arr_begin(&j);
	for (k = 0; k < cnt; k++) {
		uint64_t mask = 0, cap = 0, delay = 0;
		char name[32], conn[256];
		size_t o = 0;
		int c;

		unit_node_name(sel[k], name, sizeof(name));
		snndev_node_prop(sel[k], SNNDEV_PROP_CONNECTS, &mask);
		snndev_node_prop(sel[k], SNNDEV_PROP_ROUTE_CAPACITY, &cap);
		snndev_node_prop(sel[k], SNNDEV_PROP_ROUTE_DELAY, &delay);
		conn[0] = 0;
		for (c = 0; c < 64; c++)
			if (mask & (1ULL << c))
				o += snprintf(conn + o, sizeof(conn) - o,
					      "%ssnn%u.%d", o ? " " : "",
					      snndev_node_board(sel[k]), c);
		if (snnctl_opt.json) {
			json_obj_begin(&j);
			json_kstr(&j, "name", name);
			json_key(&j, "connects");
			json_arr_begin(&j);
			for (c = 0; c < 64; c++)
				if (mask & (1ULL << c))
					json_u64(&j, c);
			json_arr_end(&j);
			json_ku64(&j, "route_capacity", cap);
			json_ku64(&j, "route_delay", delay);
			json_kbool(&j, "busy", snndev_node_busy(sel[k]) > 0);
			json_obj_end(&j);
		} else {
			printf("%-9s connects %s; %llu routes, delay %llu\n",
			       name, conn, (unsigned long long)cap,
			       (unsigned long long)delay);
		}
	}
	if (snnctl_opt.json) {
		json_arr_end(&j);
		json_end(&j);
	}
	snndev_enum_free(e);
	return SNNCTL_EX_OK;
}

static int route_plan(int argc, char **argv)
{
	struct snndev_net *net = NULL;
	const struct snndev_route *r;
	struct session s;
	struct json j;
	size_t i, nr;
	int ret;

	if (argc - optind != 2)
		return snnctl_usage_err("route",
					"route plan needs NETFILE and UNIT[,UNIT...]");
	memset(&s, 0, sizeof(s));
	ret = net_read_any(argv[optind], &net, NULL);
	if (ret)
		return ret;
	ret = session_units(&s, argv[optind + 1]);
	if (!ret)
		ret = session_match(&s, net, -1);
	if (!ret)
		ret = session_plan(&s);
	if (ret)
		goto out;
	nr = snndev_net_num_routes(net);
	r = snndev_net_routes(net);
	json_init(&j, stdout);
	if (snnctl_opt.json) {
		json_obj_begin(&j);
		json_key(&j, "routes");
		json_arr_begin(&j);
	}
	for (i = 0; i < nr; i++) {
		char rn[32];

		unit_node_name(s.router[s.route_router[i]], rn, sizeof(rn));
		if (snnctl_opt.json) {
			json_obj_begin(&j);
			json_kstr(&j, "router", rn);
			json_kstr(&j, "src", s.name[r[i].src_part]);
			json_ku64(&j, "src_core", r[i].src_core);
			json_ku64(&j, "src_neuron", r[i].src_neuron);
			json_kstr(&j, "dst", s.name[r[i].dst_part]);
			json_ku64(&j, "dst_core", r[i].dst_core);
			json_ku64(&j, "dst_axon", r[i].dst_axon);
			json_obj_end(&j);
		} else {
			printf("route %zu: %s core %u neuron %u -> %s core %u axon %u via %s\n",
			       i, s.name[r[i].src_part], r[i].src_core,
			       r[i].src_neuron, s.name[r[i].dst_part],
			       r[i].dst_core, r[i].dst_axon, rn);
		}
	}
	if (snnctl_opt.json) {
		json_arr_end(&j);
		json_ku64(&j, "lockstep_timesteps", nr ? s.min_delay + 1 : 0);
		json_obj_end(&j);
		json_end(&j);
	} else if (nr) {
		printf("run executes the clusters in lockstep batches of %u timesteps (1 + route delay)\n",
		       s.min_delay + 1);
	} else {
		printf("the network has no routes\n");
	}
out:
	session_close(&s);
	snndev_net_free(net);
	return ret;
}

int cmd_route(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	const char *sub;
	int o;

	while ((o = snnctl_getopt(argc, argv, "", opts)) != -1) {
		if (o == 'h')
			return snnctl_help("route");
		return SNNCTL_EX_USAGE;
	}
	if (optind >= argc)
		return snnctl_usage_err("route",
					"route needs a subcommand: list or plan");
	sub = argv[optind++];
	if (!strcmp(sub, "list"))
		return route_list(argc, argv);
	if (!strcmp(sub, "plan"))
		return route_plan(argc, argv);
	if (!strcmp(sub, "add") || !strcmp(sub, "del"))
		return snnctl_usage_err("route",
					"route %s: a route lives only while its owner holds both clusters (the driver deletes it when a cluster is released), so snnctl adds the routes of a network file with 'run' or 'load --hold'",
					sub);
	return snnctl_usage_err("route",
				"unknown subcommand '%s' (list or plan)", sub);
}
