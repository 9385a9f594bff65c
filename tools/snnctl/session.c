// SPDX-License-Identifier: GPL-2.0
/*
 * A network on a set of clusters: finding, opening and loading them, and
 * the routes between them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "session.h"
#include "snnctl.h"

int session_units(struct session *s, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	unsigned int i;
	int code = SNNCTL_EX_OK;

	if (!copy)
		return snnctl_err(SNNCTL_EX_DEVICE, "out of memory");
	if (!s->e) {
		s->e = unit_enum_new(&code);
		if (!s->e)
			goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		const struct snndev_node *n;

		if (s->n == SESSION_MAX_PARTS) {
			code = snnctl_usage_err(NULL, "more than %d clusters",
						SESSION_MAX_PARTS);
			goto out;
		}
		n = unit_find(s->e, tok, UNIT_CLUSTER, &code);
		if (!n)
			goto out;
		for (i = 0; i < s->n; i++) {
			if (s->node[i] == n) {
				code = snnctl_usage_err(NULL,
							"%s is named twice: each part needs its own cluster",
							tok);
				goto out;
			}
		}
		s->node[s->n] = n;
		unit_node_name(n, s->name[s->n], sizeof(s->name[0]));
		s->n++;
	}
	if (!s->n)
		code = snnctl_usage_err(NULL, "no cluster named in '%s'", list);
out:
	free(copy);
	return code;
}

int session_match(struct session *s, const struct snndev_net *net,
		  int only_part)
{
	unsigned int np = snndev_net_num_parts(net), i;

	s->net = net;
	if (only_part >= 0) {
		if ((unsigned int)only_part >= np)
			return snnctl_err(SNNCTL_EX_INPUT,
					  "the network has no part %d (it has %u part%s)",
					  only_part, np, np == 1 ? "" : "s");
		if (s->n != 1)
			return snnctl_usage_err(NULL,
						"--part loads one part: name one cluster, not %u",
						s->n);
		s->part[0] = (unsigned int)only_part;
		return SNNCTL_EX_OK;
	}
	if (np != s->n)
		return snnctl_usage_err(NULL,
					"the network has %u part%s but %u cluster%s %s named: give one cluster per part (UNIT,UNIT,...)%s",
					np, np == 1 ? "" : "s", s->n,
					s->n == 1 ? "" : "s",
					s->n == 1 ? "is" : "are",
					np > 1 && s->n == 1 ?
					", or --part N" : "");
	for (i = 0; i < s->n; i++)
		s->part[i] = i;
	return SNNCTL_EX_OK;
}

/* The session's cluster running part p, or -1. */
static int cluster_of_part(const struct session *s, unsigned int p)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->part[i] == p)
			return (int)i;
	return -1;
}

static int router_index(struct session *s, const struct snndev_node *r)
{
	unsigned int i;

	for (i = 0; i < s->n_routers; i++)
		if (s->router[i] == r)
			return (int)i;
	if (s->n_routers == SESSION_MAX_ROUTERS)
		return -1;
	s->router[s->n_routers] = r;
	return (int)s->n_routers++;
}

int session_plan(struct session *s)
{
	size_t nr = snndev_net_num_routes(s->net), i, k, n = snndev_enum_count(s->e);
	const struct snndev_route *r = snndev_net_routes(s->net);

	s->min_delay = 0;
	if (!nr)
		return SNNCTL_EX_OK;
	s->route_router = calloc(nr, sizeof(*s->route_router));
	if (!s->route_router)
		return snnctl_err(SNNCTL_EX_DEVICE, "out of memory");
	for (i = 0; i < nr; i++) {
		int cs = cluster_of_part(s, r[i].src_part);
		int cd = cluster_of_part(s, r[i].dst_part);
		unsigned int bs, bd, us, ud;
		char avail[512];
		size_t o = 0;
		bool found = false, full = false;

		if (cs < 0 || cd < 0)
			return snnctl_usage_err(NULL,
						"route %zu connects parts %u and %u: load all parts of the network (not --part) to use its routes",
						i, r[i].src_part, r[i].dst_part);
		bs = snndev_node_board(s->node[cs]);
		bd = snndev_node_board(s->node[cd]);
		if (bs != bd)
			return snnctl_usage_err(NULL,
						"route %zu connects part %u on %s and part %u on %s: routes stay on one board",
						i, r[i].src_part, s->name[cs],
						r[i].dst_part, s->name[cd]);
		us = (unsigned int)snndev_node_unit(s->node[cs]);
		ud = (unsigned int)snndev_node_unit(s->node[cd]);
		avail[0] = 0;
		for (k = 0; k < n && !found; k++) {
			const struct snndev_node *x = snndev_enum_node(s->e, k);
			uint64_t mask = 0, cap = 0, delay = 0;
			char nm[32];
			int ri;

			if (snndev_node_board(x) != bs ||
			    snndev_node_type(x) != SNNDEV_NODE_ROUTER)
				continue;
			snndev_node_prop(x, SNNDEV_PROP_CONNECTS, &mask);
			snndev_node_prop(x, SNNDEV_PROP_ROUTE_CAPACITY, &cap);
			snndev_node_prop(x, SNNDEV_PROP_ROUTE_DELAY, &delay);
			unit_node_name(x, nm, sizeof(nm));
			if (o + 96 < sizeof(avail)) {
				int c;

				o += snprintf(avail + o, sizeof(avail) - o,
					      "%s%s connects", o ? "; " : "", nm);
				for (c = 0; c < 64 && o + 8 < sizeof(avail); c++)
					if (mask & (1ULL << c))
						o += snprintf(avail + o,
							      sizeof(avail) - o,
							      " %d", c);
			}
			if (us >= 64 || ud >= 64 || !(mask & (1ULL << us)) ||
			    !(mask & (1ULL << ud)))
				continue;
			ri = router_index(s, x);
			if (ri < 0)
				return snnctl_err(SNNCTL_EX_DEVICE,
						  "too many routing units");
			if (s->router_routes[ri] >= cap) {
				full = true;
				continue;
			}
			s->router_routes[ri]++;
			s->route_router[i] = (unsigned int)ri;
			if (!s->min_delay || delay + 1 < s->min_delay)
				s->min_delay = (unsigned int)delay + 1;
			found = true;
		}
		if (found)
			continue;
		if (full)
			return snnctl_err(SNNCTL_EX_INPUT,
					  "route %zu: the route tables of the routing units that connect %s and %s are full",
					  i, s->name[cs], s->name[cd]);
		return snnctl_err(SNNCTL_EX_INPUT,
				  "route %zu (part %u -> part %u): no routing unit of snn%u connects %s and %s (%s)",
				  i, r[i].src_part, r[i].dst_part, bs,
				  s->name[cs], s->name[cd],
				  avail[0] ? avail : "it has no routing units");
	}
	/* min_delay holds 1 + the smallest delay of the routers in use */
	if (s->min_delay)
		s->min_delay--;
	return SNNCTL_EX_OK;
}

int session_open_err(const char *name, int ret)
{
	const char *msg = snnctl_lib_msg(ret);

	switch (-ret) {
	case EBUSY:
		return snnctl_err(SNNCTL_EX_DEVICE,
				  "%s: busy: another process holds it (%s; see 'snnctl list')",
				  name, msg);
	case EACCES:
	case EPERM:
		return snnctl_err(SNNCTL_EX_DEVICE,
				  "%s: permission denied (%s; the udev rules give the group 'snn' access)",
				  name, msg);
	default:
		return snnctl_err(SNNCTL_EX_DEVICE, "%s: cannot open: %s",
				  name, msg);
	}
}

int session_open_load(struct session *s)
{
	const struct snndev_route *r = snndev_net_routes(s->net);
	size_t nr = snndev_net_num_routes(s->net), i;
	unsigned int k;
	int ret;

	for (k = 0; k < s->n; k++) {
		ret = snndev_unit_open_node(s->node[k], &s->unit[k]);
		if (ret)
			return session_open_err(s->name[k], ret);
	}
	for (k = 0; k < s->n; k++) {
		snnctl_busy_begin("loading part %u into %s", s->part[k],
				  s->name[k]);
		ret = snndev_unit_load(s->unit[k], s->net, s->part[k]);
		snnctl_busy_end();
		if (ret)
			return snnctl_lib_err(ret == -EINVAL || ret == -ENOSPC ?
					      SNNCTL_EX_INPUT : SNNCTL_EX_DEVICE,
					      ret, "%s: cannot load part %u",
					      s->name[k], s->part[k]);
	}
	for (k = 0; k < s->n_routers; k++) {
		char nm[32];

		unit_node_name(s->router[k], nm, sizeof(nm));
		ret = snndev_unit_open_node(s->router[k], &s->router_unit[k]);
		if (ret)
			return session_open_err(nm, ret);
	}
	for (i = 0; i < nr; i++) {
		int cs = cluster_of_part(s, r[i].src_part);
		int cd = cluster_of_part(s, r[i].dst_part);
		unsigned int ri = s->route_router[i];

		ret = snndev_route_add(s->router_unit[ri], s->unit[cs],
				       r[i].src_core, r[i].src_neuron,
				       s->unit[cd], r[i].dst_core,
				       r[i].dst_axon);
		if (ret) {
			char nm[32];

			unit_node_name(s->router[ri], nm, sizeof(nm));
			return snnctl_lib_err(ret == -EINVAL || ret == -ENOSPC ?
					      SNNCTL_EX_INPUT : SNNCTL_EX_DEVICE,
					      ret,
					      "%s: cannot add route %zu (%s core %u neuron %u -> %s core %u axon %u)",
					      nm, i, s->name[cs], r[i].src_core,
					      r[i].src_neuron, s->name[cd],
					      r[i].dst_core, r[i].dst_axon);
		}
	}
	return SNNCTL_EX_OK;
}

void session_close(struct session *s)
{
	unsigned int k;

	/* routers first: releasing the clusters then deletes the routes */
	for (k = 0; k < s->n_routers; k++) {
		if (s->router_unit[k])
			snndev_unit_close(s->router_unit[k]);
		s->router_unit[k] = NULL;
	}
	for (k = 0; k < s->n; k++) {
		if (s->unit[k])
			snndev_unit_close(s->unit[k]);
		s->unit[k] = NULL;
	}
	free(s->route_router);
	s->route_router = NULL;
	if (s->e)
		snndev_enum_free(s->e);
	s->e = NULL;
}
