// SPDX-License-Identifier: GPL-2.0
/*
 * Board and unit names: parsing and finding them in an enumeration.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "snnctl.h"

/* A decimal number without sign or leading junk, up to max; s advanced. */
static int dec(const char **s, unsigned long max, unsigned long *out)
{
	const char *p = *s;
	unsigned long v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return -1;
		p++;
	}
	*s = p;
	*out = v;
	return 0;
}

/* "snnX" or "snnX.Y" exactly. */
static int parse_index(const char *s, struct unit_name *n)
{
	unsigned long b, u;

	if (strncmp(s, "snn", 3))
		return -1;
	s += 3;
	if (dec(&s, 1023, &b))
		return -1;
	n->kind = UNIT_NAME_INDEX;
	n->board = (unsigned int)b;
	n->unit = -1;
	if (!*s)
		return 0;
	if (*s++ != '.' || dec(&s, 65535, &u) || *s)
		return -1;
	n->unit = (int)u;
	return 0;
}

int unit_name_parse(const char *s, struct unit_name *n, char *err,
		    size_t errlen)
{
	const char *base;
	char *real;
	size_t i;

	memset(n, 0, sizeof(*n));
	if (!s || !*s) {
		snprintf(err, errlen, "an empty name is not a board or unit");
		return -EINVAL;
	}
	if (!strncmp(s, "/dev/", 5) && !parse_index(s + 5, n))
		return 0;
	if (!parse_index(s, n))
		return 0;
	if (s[0] == '/' || !strncmp(s, "./", 2)) {
		/* a link to a node, e.g. /dev/snn/by-path/... */
		real = realpath(s, NULL);
		if (!real) {
			snprintf(err, errlen, "%s: %s", s, strerror(errno));
			return -EINVAL;
		}
		base = strrchr(real, '/');
		base = base ? base + 1 : real;
		if (!strncmp(real, "/dev/", 5) && !parse_index(base, n)) {
			free(real);
			return 0;
		}
		snprintf(err, errlen, "%s: not an snn device node (it is %s)",
			 s, real);
		free(real);
		return -EINVAL;
	}
	/* a bus id: PCI "DDDD:BB:DD.F", optionally ".Y" */
	if (strlen(s) >= sizeof(n->bus))
		goto bad;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(":.-_", s[i]))
			goto bad;
	if (!strchr(s, ':'))
		goto bad;
	n->kind = UNIT_NAME_BUS;
	n->unit = -1;
	snprintf(n->bus, sizeof(n->bus), "%s", s);
	return 0;
bad:
	snprintf(err, errlen,
		 "'%s' is not a board or unit name (snnX, snnX.Y, /dev/snnX.Y, PCI-ADDRESS or PCI-ADDRESS.Y)",
		 s);
	return -EINVAL;
}

void unit_node_name(const struct snndev_node *n, char *buf, size_t len)
{
	int u = snndev_node_unit(n);

	if (u < 0)
		snprintf(buf, len, "snn%u", snndev_node_board(n));
	else
		snprintf(buf, len, "snn%u.%d", snndev_node_board(n), u);
}

const char *unit_type_name(enum snndev_node_type t)
{
	switch (t) {
	case SNNDEV_NODE_BOARD:
		return "board";
	case SNNDEV_NODE_CLUSTER:
		return "cluster";
	case SNNDEV_NODE_ROUTER:
		return "router";
	}
	return "unknown";
}

struct snndev_enum *unit_enum_new(int *code)
{
	struct snndev_enum *e = NULL;
	int ret = snndev_enum_new(&e);

	if (ret) {
		*code = snnctl_lib_err(SNNCTL_EX_DEVICE, ret,
				       "cannot list the snn devices");
		return NULL;
	}
	return e;
}

const struct snndev_node *unit_board_of(const struct snndev_enum *e,
					const struct snndev_node *n)
{
	if (snndev_node_type(n) == SNNDEV_NODE_BOARD)
		return n;
	return snndev_enum_find(e, snndev_node_board(n), -1);
}

/* "snn0, snn1" into buf: the boards present. */
static void boards_present(const struct snndev_enum *e, char *buf, size_t len)
{
	size_t i, n = snndev_enum_count(e), o = 0;

	buf[0] = 0;
	for (i = 0; i < n && o + 16 < len; i++) {
		const struct snndev_node *x = snndev_enum_node(e, i);

		if (snndev_node_type(x) != SNNDEV_NODE_BOARD)
			continue;
		o += snprintf(buf + o, len - o, "%ssnn%u", o ? ", " : "",
			      snndev_node_board(x));
	}
}

/* The number of units of board b in e. */
static int units_of(const struct snndev_enum *e, unsigned int b)
{
	size_t i, n = snndev_enum_count(e);
	int units = 0;

	for (i = 0; i < n; i++) {
		const struct snndev_node *x = snndev_enum_node(e, i);

		if (snndev_node_board(x) == b && snndev_node_unit(x) >= 0)
			units++;
	}
	return units;
}

static const char *wanted(unsigned int mask)
{
	switch (mask) {
	case UNIT_BOARD:
		return "a board";
	case UNIT_CLUSTER:
		return "a cluster";
	case UNIT_ROUTER:
		return "a routing unit";
	case UNIT_CLUSTER | UNIT_ROUTER:
		return "a cluster or routing unit";
	case UNIT_BOARD | UNIT_CLUSTER:
		return "a board or cluster";
	default:
		return "a board or unit";
	}
}

const struct snndev_node *unit_find(const struct snndev_enum *e, const char *s,
				    unsigned int mask, int *code)
{
	const struct snndev_node *n = NULL, *b;
	struct unit_name un;
	char err[512], list[256], name[32];
	const char *dot;

	if (unit_name_parse(s, &un, err, sizeof(err))) {
		*code = snnctl_err(SNNCTL_EX_USAGE, "%s", err);
		return NULL;
	}
	if (un.kind == UNIT_NAME_INDEX) {
		n = snndev_enum_find(e, un.board, un.unit);
		b = snndev_enum_find(e, un.board, -1);
	} else {
		n = snndev_enum_find_bus(e, un.bus, -1);
		b = n;
		dot = strrchr(un.bus, '.');
		if (!n && dot && dot[1]) {
			char bus[128];
			unsigned long u;
			const char *p = dot + 1;

			snprintf(bus, sizeof(bus), "%.*s", (int)(dot - un.bus),
				 un.bus);
			if (!dec(&p, 65535, &u) && !*p) {
				b = snndev_enum_find_bus(e, bus, -1);
				n = snndev_enum_find_bus(e, bus, (int)u);
				un.unit = (int)u;
			}
		}
	}
	if (!n) {
		boards_present(e, list, sizeof(list));
		if (!b && !list[0])
			*code = snnctl_err(SNNCTL_EX_DEVICE,
					   "%s: no such board: no snn boards are present (is snn.ko loaded?)",
					   s);
		else if (!b)
			*code = snnctl_err(SNNCTL_EX_DEVICE,
					   "%s: no such board (present: %s)",
					   s, list);
		else
			*code = snnctl_err(SNNCTL_EX_DEVICE,
					   "%s: no such unit (board snn%u has units 0..%d)",
					   s, snndev_node_board(b),
					   units_of(e, snndev_node_board(b)) - 1);
		return NULL;
	}
	if (!(mask & (1U << snndev_node_type(n)))) {
		unit_node_name(n, name, sizeof(name));
		*code = snnctl_err(SNNCTL_EX_USAGE, "%s%s%s%s is %s %s, not %s",
				   s, strcmp(s, name) ? " (" : "",
				   strcmp(s, name) ? name : "",
				   strcmp(s, name) ? ")" : "",
				   snndev_node_type(n) == SNNDEV_NODE_ROUTER ?
				   "a routing" : "a",
				   snndev_node_type(n) == SNNDEV_NODE_ROUTER ?
				   "unit" : unit_type_name(snndev_node_type(n)),
				   wanted(mask));
		return NULL;
	}
	return n;
}
