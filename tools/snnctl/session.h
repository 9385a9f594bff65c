/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A network on a set of clusters: the clusters named on the command line
 * (one per part), opened, loaded, and the network's routes planned onto
 * routing units and added.  Shared by load, run and route plan.
 */
#ifndef SNNCTL_SESSION_H
#define SNNCTL_SESSION_H

#include <stdbool.h>

#include "snndev.h"

#define SESSION_MAX_PARTS	64
#define SESSION_MAX_ROUTERS	64

struct session {
	struct snndev_enum *e;
	const struct snndev_net *net;
	unsigned int n;				/* clusters */
	unsigned int part[SESSION_MAX_PARTS];	/* the part each cluster runs */
	const struct snndev_node *node[SESSION_MAX_PARTS];
	struct snndev_unit *unit[SESSION_MAX_PARTS];
	char name[SESSION_MAX_PARTS][32];
	/* route plan: the router (index into routers[]) of each net route */
	unsigned int *route_router;
	unsigned int n_routers;
	const struct snndev_node *router[SESSION_MAX_ROUTERS];
	struct snndev_unit *router_unit[SESSION_MAX_ROUTERS];
	size_t router_routes[SESSION_MAX_ROUTERS];	/* planned on each */
	unsigned int min_delay;		/* of the routers used */
};

/*
 * Find the clusters of a comma-separated list ("snn0.0,snn0.1"), all
 * different.  0 or an exit status (message printed).
 */
int session_units(struct session *s, const char *list);
/*
 * Check the list against the network: one cluster per part (part p on
 * the p-th), or with only_part >= 0 that one part on the one cluster.
 */
int session_match(struct session *s, const struct snndev_net *net,
		  int only_part);
/* Assign each route of the network to a routing unit that connects its
 * clusters (sysfs only; nothing is opened).  0 or an exit status. */
int session_plan(struct session *s);
/* Open the clusters, load their parts, open the routers and add the
 * routes.  0 or an exit status. */
int session_open_load(struct session *s);
/* Close everything (the driver then resets the clusters and deletes
 * their routes), free the enumeration. */
void session_close(struct session *s);

/* The exit status and a hint for a failed open of a unit. */
int session_open_err(const char *name, int ret);

#endif /* SNNCTL_SESSION_H */
