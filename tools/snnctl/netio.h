/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Networks in the formats snnctl reads, all built with libsnndev's
 * network API:
 *
 *   - network files (docs/network-format.md: magic "SNNF", usually
 *     .snnet; snndev_net_read_mem());
 *   - text descriptions: snn-mkimg's format (docs/engine.md) plus
 *
 *       part CORES NEURONS_PER_CORE AXONS_PER_CORE
 *           starts the next part (a 'geometry' line is part 0)
 *       route SRCPART SRCCORE SRCNEURON DSTPART DSTCORE DSTAXON
 *           a spike of that neuron reaches that axon of another part
 *
 *   - .snni board images (docs/hardware.md section 6): one part.
 */
#ifndef SNNCTL_NETIO_H
#define SNNCTL_NETIO_H

#include <stddef.h>

#include "snndev.h"

enum net_format {
	NET_FORMAT_FILE,	/* a network file */
	NET_FORMAT_TEXT,	/* a text description */
	NET_FORMAT_IMAGE,	/* a .snni board image */
};

/*
 * What buf holds: "SNNI" an image, "SNNF" a network file, printable text
 * a description, anything else is left to the network file reader.
 */
enum net_format net_guess_format(const void *buf, size_t len);

/*
 * Parse a text description (buf, len; need not be NUL-terminated).  0, or
 * -EINVAL (bad description) / -ENOMEM with "NAME:LINE: ..." in err.
 */
int net_parse_text(const char *name, const char *buf, size_t len,
		   struct snndev_net **out, char *err, size_t errlen);

/* Parse a .snni image into a network of one part; as above. */
int net_parse_image(const char *name, const void *buf, size_t len,
		    struct snndev_net **out, char *err, size_t errlen);

/*
 * Read a network in any of the formats from path ("-" = stdin).  Returns
 * 0, or an snnctl exit status with the message printed: SNNCTL_EX_INPUT
 * for a bad file, SNNCTL_EX_DEVICE for an I/O error.
 */
int net_read_any(const char *path, struct snndev_net **out,
		 enum net_format *format);

/* Read a whole file ("-" = stdin), at most max bytes; 0 or -errno. */
int net_slurp(const char *path, size_t max, void **buf, size_t *len);

#endif /* SNNCTL_NETIO_H */
