// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsnndev: enumeration of the boards and units of the "snn" sysfs class
 * (docs/sysfs-abi.md).
 *
 * Two backends list the class devices:
 *  - libudev (the shared library): udev_enumerate on subsystem "snn";
 *  - plain sysfs: the entries of /sys/class/snn.  Used when the library
 *    is built with -DSNNDEV_NO_LIBUDEV (the static archive, for static
 *    programs: libudev has no static archive), and whenever the
 *    environment variable SNNDEV_SYSFS_ROOT names another sysfs root (a
 *    fake tree for tests; ignored in setuid programs).
 * Either way the attributes are read from the device's sysfs directory,
 * the static ones once (the snapshot), the live ones at each call.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SNNDEV_NO_LIBUDEV
#include <libudev.h>
#endif

#include "snndev_internal.h"

struct snndev_node {
	enum snndev_node_type type;
	unsigned int board;
	int unit;
	char devnode[256];
	char bus_id[64];
	char *syspath;
	uint64_t props[SNNDEV_PROP_COUNT];
	uint32_t have;			/* bit p: props[p] is valid */
};

struct snndev_enum {
	struct snndev_node *nodes;
	size_t n, cap;
};

const char *snndev__sysfs_root(void)
{
	const char *r = secure_getenv("SNNDEV_SYSFS_ROOT");

	return r && *r ? r : "/sys";
}

/* ---- Reading attributes -------------------------------------------------- */

/* One sysfs value, without the trailing newline; -errno. */
static int read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	close(fd);
	if (ret)
		return ret;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int read_u64(const char *dir, const char *name, uint64_t *v)
{
	char buf[64];
	int ret = read_attr(dir, name, buf, sizeof(buf));

	return ret ? ret : parse_u64(buf, v);
}

static void set_prop(struct snndev_node *n, enum snndev_prop p, uint64_t v)
{
	n->props[p] = v;
	n->have |= 1u << p;
}

static void read_prop(struct snndev_node *n, enum snndev_prop p)
{
	uint64_t v;

	if (!read_u64(n->syspath, snndev_prop_name(p), &v))
		set_prop(n, p, v);
}

/* Fill *n from its sysfs directory; -errno if it is not a usable node. */
static int node_read(struct snndev_node *n)
{
	static const enum snndev_prop board_props[] = {
		SNNDEV_PROP_BOARD_ID, SNNDEV_PROP_REVISION,
		SNNDEV_PROP_CLUSTERS, SNNDEV_PROP_ROUTERS,
		SNNDEV_PROP_RATED_EVENTS_PER_SEC,
		SNNDEV_PROP_RATED_SPIKES_PER_SEC,
	};
	static const enum snndev_prop cluster_props[] = {
		SNNDEV_PROP_CORES, SNNDEV_PROP_NEURONS_PER_CORE,
		SNNDEV_PROP_AXONS_PER_CORE, SNNDEV_PROP_SYNAPSES_PER_CORE,
		SNNDEV_PROP_IN_QUEUES, SNNDEV_PROP_OUT_QUEUES,
		SNNDEV_PROP_MAX_QUEUE_DEPTH,
		SNNDEV_PROP_RATED_EVENTS_PER_SEC,
		SNNDEV_PROP_RATED_SPIKES_PER_SEC,
	};
	static const enum snndev_prop router_props[] = {
		SNNDEV_PROP_ROUTE_CAPACITY, SNNDEV_PROP_ROUTE_DELAY,
	};
	char buf[128];
	uint64_t v;
	unsigned int i;
	int ret;

	ret = read_attr(n->syspath, "type", buf, sizeof(buf));
	if (ret)
		return ret;
	if (!strcmp(buf, "board"))
		n->type = SNNDEV_NODE_BOARD;
	else if (!strcmp(buf, "cluster"))
		n->type = SNNDEV_NODE_CLUSTER;
	else if (!strcmp(buf, "router"))
		n->type = SNNDEV_NODE_ROUTER;
	else
		return -EINVAL;
	set_prop(n, SNNDEV_PROP_NODE_TYPE, n->type);
	ret = read_u64(n->syspath, "board", &v);
	if (ret)
		return ret;
	if (v > INT_MAX)
		return -EINVAL;
	n->board = (unsigned int)v;
	set_prop(n, SNNDEV_PROP_BOARD, v);
	n->unit = -1;
	if (n->type != SNNDEV_NODE_BOARD) {
		ret = read_u64(n->syspath, "unit", &v);
		if (ret)
			return ret;
		if (v > INT_MAX)
			return -EINVAL;
		n->unit = (int)v;
		set_prop(n, SNNDEV_PROP_UNIT, v);
	}
	if (read_attr(n->syspath, "bus_id", n->bus_id, sizeof(n->bus_id)))
		n->bus_id[0] = 0;

	switch (n->type) {
	case SNNDEV_NODE_BOARD:
		for (i = 0; i < SNNDEV_ARRAY_SIZE(board_props); i++)
			read_prop(n, board_props[i]);
		if (!read_attr(n->syspath, "transport", buf, sizeof(buf))) {
			if (!strcmp(buf, "pci"))
				set_prop(n, SNNDEV_PROP_TRANSPORT,
					 SNNDEV_TRANSPORT_PCI);
			else if (!strcmp(buf, "usb"))
				set_prop(n, SNNDEV_PROP_TRANSPORT,
					 SNNDEV_TRANSPORT_USB);
		}
		break;
	case SNNDEV_NODE_CLUSTER:
		for (i = 0; i < SNNDEV_ARRAY_SIZE(cluster_props); i++)
			read_prop(n, cluster_props[i]);
		break;
	case SNNDEV_NODE_ROUTER:
		for (i = 0; i < SNNDEV_ARRAY_SIZE(router_props); i++)
			read_prop(n, router_props[i]);
		if (!read_attr(n->syspath, "connects", buf, sizeof(buf))) {
			uint64_t mask = 0;
			char *s = buf, *end;

			while (*s) {
				unsigned long c = strtoul(s, &end, 10);

				if (end == s || c >= 64)
					break;
				mask |= 1ull << c;
				s = end;
				while (*s == ' ')
					s++;
			}
			if (!*s)
				set_prop(n, SNNDEV_PROP_CONNECTS, mask);
		}
		break;
	}
	return 0;
}

/* ---- Listing ---------------------------------------------------------------- */

static int enum_add(struct snndev_enum *e, const char *syspath,
		    const char *devnode, const char *sysname)
{
	struct snndev_node *n;

	if (snndev__reserve((void **)&e->nodes, &e->cap, e->n + 1,
			    sizeof(*e->nodes)))
		return -ENOMEM;
	n = &e->nodes[e->n];
	memset(n, 0, sizeof(*n));
	n->syspath = strdup(syspath);
	if (!n->syspath)
		return -ENOMEM;
	if (devnode)
		snprintf(n->devnode, sizeof(n->devnode), "%.255s", devnode);
	else
		snprintf(n->devnode, sizeof(n->devnode), "/dev/%.250s", sysname);
	if (node_read(n)) {
		free(n->syspath);	/* gone meanwhile, or not ours */
		return 0;
	}
	e->n++;
	return 0;
}

static int list_sysfs(struct snndev_enum *e)
{
	char dir[PATH_MAX], path[PATH_MAX], uev[512];
	const char *root = snndev__sysfs_root();
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/class/snn", root) >=
	    sizeof(dir))
		return snndev__err(-ENAMETOOLONG, "snndev_enum_new: %s: path too long",
				   root);
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;	/* no driver: no boards */
		ret = -errno;
		return snndev__err(ret, "snndev_enum_new: %s: %s", dir,
				   strerror(-ret));
	}
	while ((de = readdir(d))) {
		const char *devnode = NULL;
		char devbuf[300];
		char *p;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     de->d_name) >= sizeof(path))
			continue;
		if (!read_attr(path, "uevent", uev, sizeof(uev))) {
			for (p = uev; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
				if (!strncmp(p, "DEVNAME=", 8)) {
					size_t l = strcspn(p + 8, "\n");

					snprintf(devbuf, sizeof(devbuf), "/dev/%.*s",
						 (int)l, p + 8);
					devnode = devbuf;
					break;
				}
			}
		}
		ret = enum_add(e, path, devnode, de->d_name);
		if (ret) {
			ret = snndev__err(ret, "snndev_enum_new: out of memory");
			break;
		}
	}
	closedir(d);
	return ret;
}

#ifndef SNNDEV_NO_LIBUDEV
static int list_udev(struct snndev_enum *e)
{
	struct udev_list_entry *le;
	struct udev_enumerate *en;
	struct udev *udev;
	int ret;

	udev = udev_new();
	if (!udev)
		return snndev__err(-ENOMEM, "snndev_enum_new: udev_new() failed");
	en = udev_enumerate_new(udev);
	if (!en) {
		udev_unref(udev);
		return snndev__err(-ENOMEM, "snndev_enum_new: udev_enumerate_new() failed");
	}
	ret = udev_enumerate_add_match_subsystem(en, "snn");
	if (!ret)
		ret = udev_enumerate_scan_devices(en);
	if (ret < 0) {
		snndev__err(ret, "snndev_enum_new: udev enumeration of class \"snn\": %s",
			    strerror(-ret));
		goto out;
	}
	udev_list_entry_foreach(le, udev_enumerate_get_list_entry(en)) {
		const char *syspath = udev_list_entry_get_name(le);
		struct udev_device *dev;

		dev = udev_device_new_from_syspath(udev, syspath);
		if (!dev)
			continue;	/* gone meanwhile */
		ret = enum_add(e, syspath, udev_device_get_devnode(dev),
			       udev_device_get_sysname(dev));
		udev_device_unref(dev);
		if (ret) {
			snndev__err(ret, "snndev_enum_new: out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	udev_enumerate_unref(en);
	udev_unref(udev);
	return ret;
}
#endif

static int node_cmp(const void *a, const void *b)
{
	const struct snndev_node *x = a, *y = b;

	if (x->board != y->board)
		return x->board < y->board ? -1 : 1;
	if (x->unit != y->unit)
		return x->unit < y->unit ? -1 : 1;
	return 0;
}

/* Board-wide values on every node: from the board node, from a cluster. */
static void enum_fill(struct snndev_enum *e)
{
	static const enum snndev_prop from_board[] = {
		SNNDEV_PROP_TRANSPORT, SNNDEV_PROP_BOARD_ID,
		SNNDEV_PROP_REVISION, SNNDEV_PROP_CLUSTERS,
		SNNDEV_PROP_ROUTERS,
	};
	static const enum snndev_prop from_cluster[] = {
		SNNDEV_PROP_CORES, SNNDEV_PROP_NEURONS_PER_CORE,
		SNNDEV_PROP_AXONS_PER_CORE, SNNDEV_PROP_SYNAPSES_PER_CORE,
		SNNDEV_PROP_IN_QUEUES, SNNDEV_PROP_OUT_QUEUES,
		SNNDEV_PROP_MAX_QUEUE_DEPTH,
	};
	size_t i, j, k;

	for (i = 0; i < e->n; i++) {
		struct snndev_node *n = &e->nodes[i];

		for (j = 0; j < e->n; j++) {
			const struct snndev_node *o = &e->nodes[j];

			if (o->board != n->board || o == n)
				continue;
			if (o->type == SNNDEV_NODE_BOARD)
				for (k = 0; k < SNNDEV_ARRAY_SIZE(from_board); k++)
					if (o->have & 1u << from_board[k])
						set_prop(n, from_board[k],
							 o->props[from_board[k]]);
			if (n->type == SNNDEV_NODE_BOARD &&
			    o->type == SNNDEV_NODE_CLUSTER &&
			    !(n->have & 1u << SNNDEV_PROP_CORES))
				for (k = 0; k < SNNDEV_ARRAY_SIZE(from_cluster); k++)
					if (o->have & 1u << from_cluster[k])
						set_prop(n, from_cluster[k],
							 o->props[from_cluster[k]]);
		}
	}
}

SNNDEV_EXPORT void snndev_enum_free(struct snndev_enum *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->n; i++)
		free(e->nodes[i].syspath);
	free(e->nodes);
	free(e);
}

SNNDEV_EXPORT int snndev_enum_new(struct snndev_enum **out)
{
	struct snndev_enum *e;
	int ret;

	if (!out)
		return snndev__err(-EINVAL, "snndev_enum_new: out is NULL");
	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return snndev__err(-ENOMEM, "snndev_enum_new: out of memory");
#ifndef SNNDEV_NO_LIBUDEV
	if (!secure_getenv("SNNDEV_SYSFS_ROOT"))
		ret = list_udev(e);
	else
#endif
		ret = list_sysfs(e);
	if (ret) {
		snndev_enum_free(e);
		return ret;
	}
	if (e->n)
		qsort(e->nodes, e->n, sizeof(*e->nodes), node_cmp);
	enum_fill(e);
	*out = e;
	return 0;
}

SNNDEV_EXPORT size_t snndev_enum_count(const struct snndev_enum *e)
{
	return e ? e->n : 0;
}

SNNDEV_EXPORT const struct snndev_node *
snndev_enum_node(const struct snndev_enum *e, size_t i)
{
	if (!e || i >= e->n) {
		snndev__err(-EINVAL, "snndev_enum_node: no node %zu (the enumeration has %zu)",
			    i, e ? e->n : 0);
		return NULL;
	}
	return &e->nodes[i];
}

static const struct snndev_node *find(const struct snndev_enum *e,
				      const char *bus_id, unsigned int board,
				      int unit)
{
	const struct snndev_node *bn = NULL;
	size_t i;

	if (!e) {
		snndev__err(-EINVAL, "snndev_enum_find: e is NULL");
		return NULL;
	}
	if (unit < 0)
		unit = -1;
	for (i = 0; i < e->n; i++) {
		const struct snndev_node *n = &e->nodes[i];

		if (bus_id ? strcmp(n->bus_id, bus_id) : n->board != board)
			continue;
		if (n->unit == unit)
			return n;
		if (n->type == SNNDEV_NODE_BOARD)
			bn = n;
	}
	if (!bn && bus_id)
		snndev__err(-ENODEV, "no snn board at %s", bus_id);
	else if (!bn)
		snndev__err(-ENODEV, "no snn board %u", board);
	else if (unit < 0)
		snndev__err(-ENODEV, "board %s has no control node", bus_id ? bus_id : "");
	else
		snndev__err(-ENODEV,
			    "board %u (%s) has no unit %d: it has %llu clusters and %llu routing units",
			    bn->board, bn->bus_id, unit,
			    (unsigned long long)bn->props[SNNDEV_PROP_CLUSTERS],
			    (unsigned long long)bn->props[SNNDEV_PROP_ROUTERS]);
	return NULL;
}

SNNDEV_EXPORT const struct snndev_node *
snndev_enum_find(const struct snndev_enum *e, unsigned int board, int unit)
{
	return find(e, NULL, board, unit);
}

SNNDEV_EXPORT const struct snndev_node *
snndev_enum_find_bus(const struct snndev_enum *e, const char *bus_id,
		     int unit)
{
	if (!bus_id) {
		snndev__err(-EINVAL, "snndev_enum_find_bus: bus_id is NULL");
		return NULL;
	}
	return find(e, bus_id, 0, unit);
}

/* ---- Nodes -------------------------------------------------------------------- */

SNNDEV_EXPORT enum snndev_node_type snndev_node_type(const struct snndev_node *n)
{
	return n->type;
}

SNNDEV_EXPORT unsigned int snndev_node_board(const struct snndev_node *n)
{
	return n->board;
}

SNNDEV_EXPORT int snndev_node_unit(const struct snndev_node *n)
{
	return n->unit;
}

SNNDEV_EXPORT const char *snndev_node_devnode(const struct snndev_node *n)
{
	return n->devnode;
}

SNNDEV_EXPORT const char *snndev_node_syspath(const struct snndev_node *n)
{
	return n->syspath;
}

SNNDEV_EXPORT const char *snndev_node_bus_id(const struct snndev_node *n)
{
	return n->bus_id;
}

static const char *type_name(enum snndev_node_type t)
{
	switch (t) {
	case SNNDEV_NODE_BOARD:
		return "board";
	case SNNDEV_NODE_CLUSTER:
		return "cluster";
	case SNNDEV_NODE_ROUTER:
		return "routing unit";
	}
	return "node";
}

SNNDEV_EXPORT int snndev_node_prop(const struct snndev_node *n,
				   enum snndev_prop prop, uint64_t *val)
{
	if (!n || !val || (unsigned int)prop >= SNNDEV_PROP_COUNT)
		return snndev__err(-EINVAL, "snndev_node_prop: bad argument");
	if (!(n->have & 1u << prop))
		return snndev__err(-ENOENT, "%s: a %s has no property '%s'",
				   n->devnode, type_name(n->type),
				   snndev_prop_name(prop));
	*val = n->props[prop];
	return 0;
}

/* A live attribute into buf; sysfs errors as -ENODEV once the node is gone. */
static int node_live(const struct snndev_node *n, const char *attr, char *buf,
		     size_t len)
{
	char tmp[128];
	int ret;

	ret = read_attr(n->syspath, attr, tmp, sizeof(tmp));
	if (ret == -ENOENT || ret == -ENODEV)
		return snndev__err(-ENODEV, "%s: the board is gone", n->devnode);
	if (ret)
		return snndev__err(ret, "%s: reading %s: %s", n->devnode, attr,
				   strerror(-ret));
	if (strlen(tmp) >= len)
		return snndev__err(-ERANGE, "%s: %s \"%s\" does not fit %zu bytes",
				   n->devnode, attr, tmp, len);
	strcpy(buf, tmp);
	return 0;
}

SNNDEV_EXPORT int snndev_node_health(const struct snndev_node *n, char *buf,
				     size_t len)
{
	if (!n || !buf || !len)
		return snndev__err(-EINVAL, "snndev_node_health: bad argument");
	return node_live(n, "health", buf, len);
}

SNNDEV_EXPORT int snndev_node_state(const struct snndev_node *n, char *buf,
				    size_t len)
{
	if (!n || !buf || !len)
		return snndev__err(-EINVAL, "snndev_node_state: bad argument");
	if (n->type != SNNDEV_NODE_CLUSTER)
		return snndev__err(-ENOENT, "%s: a %s has no state (clusters only)",
				   n->devnode, type_name(n->type));
	return node_live(n, "state", buf, len);
}

SNNDEV_EXPORT int snndev_node_busy(const struct snndev_node *n)
{
	char buf[16];
	int ret;

	if (!n)
		return snndev__err(-EINVAL, "snndev_node_busy: n is NULL");
	if (n->type == SNNDEV_NODE_BOARD)
		return snndev__err(-ENOENT, "%s: a board node is never busy (units only)",
				   n->devnode);
	ret = node_live(n, "busy", buf, sizeof(buf));
	if (ret)
		return ret;
	if (strcmp(buf, "0") && strcmp(buf, "1"))
		return snndev__err(-EINVAL, "%s: busy is \"%s\", not 0 or 1",
				   n->devnode, buf);
	return buf[0] == '1';
}

SNNDEV_EXPORT int snndev_node_counters(const struct snndev_node *n,
				       uint64_t *vals, unsigned int count)
{
	char name[64], buf[64];
	unsigned int i;
	int ret;

	if (!n || (count && !vals))
		return snndev__err(-EINVAL, "snndev_node_counters: bad argument");
	if (n->type != SNNDEV_NODE_CLUSTER)
		return snndev__err(-ENOENT, "%s: a %s has no counters (clusters only)",
				   n->devnode, type_name(n->type));
	if (count > SNNDEV_CNT_COUNT)
		count = SNNDEV_CNT_COUNT;
	for (i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "counters/%s",
			 snndev_counter_name(i));
		ret = node_live(n, name, buf, sizeof(buf));
		if (ret)
			return ret;
		if (parse_u64(buf, &vals[i]))
			return snndev__err(-EINVAL, "%s: %s is \"%s\", not a number",
					   n->devnode, name, buf);
	}
	return (int)count;
}
