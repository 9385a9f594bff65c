/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Board and unit names on the snnctl command line:
 *
 *   snnX        /dev/snnX        PCI-ADDRESS           a board
 *   snnX.Y      /dev/snnX.Y      PCI-ADDRESS.Y         unit Y of a board
 *   any path that resolves to one of those, e.g. the udev rules' stable
 *   /dev/snn/by-path/0000:01:00.0.2
 */
#ifndef SNNCTL_NAMES_H
#define SNNCTL_NAMES_H

#include <stddef.h>

#include "snndev.h"

enum unit_name_kind {
	UNIT_NAME_INDEX,	/* snnX[.Y] */
	UNIT_NAME_BUS,		/* a bus id, perhaps with .Y */
};

struct unit_name {
	enum unit_name_kind kind;
	unsigned int board;
	int unit;		/* UNIT_NAME_INDEX: -1 for the board */
	char bus[128];		/* UNIT_NAME_BUS: the name as given */
};

/*
 * Parse a name (no device access, except resolving a symbolic link that
 * is not under /dev/snnX itself).  0, or -EINVAL with a message in err.
 */
int unit_name_parse(const char *s, struct unit_name *n, char *err,
		    size_t errlen);

/* Node type masks for unit_find(). */
#define UNIT_BOARD	(1U << SNNDEV_NODE_BOARD)
#define UNIT_CLUSTER	(1U << SNNDEV_NODE_CLUSTER)
#define UNIT_ROUTER	(1U << SNNDEV_NODE_ROUTER)
#define UNIT_ANY	(UNIT_BOARD | UNIT_CLUSTER | UNIT_ROUTER)

/*
 * Find the node called s in e, of one of the types in mask.  NULL with
 * the message printed and *code set to the exit status otherwise.
 */
const struct snndev_node *unit_find(const struct snndev_enum *e, const char *s,
				    unsigned int mask, int *code);

/* "snnX" or "snnX.Y" */
void unit_node_name(const struct snndev_node *n, char *buf, size_t len);
/* "board", "cluster" or "router" */
const char *unit_type_name(enum snndev_node_type t);

/* A new enumeration, or NULL with the message printed and *code set. */
struct snndev_enum *unit_enum_new(int *code);

/* The board node of n's board in e (n itself for a board). */
const struct snndev_node *unit_board_of(const struct snndev_enum *e,
					const struct snndev_node *n);

#endif /* SNNCTL_NAMES_H */
