/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the host tools snn-sim and snn-mkimg: number parsing,
 * line splitting, whole-file reading and the limits images are checked
 * against.
 */
#ifndef SNN_TOOL_H
#define SNN_TOOL_H

#include <stddef.h>

#include "snn_engine.h"

/* Everything the image format can express (the default). */
extern const struct snn_limits snn_tool_limits_max;
/* The QEMU board's default cluster (--board). */
extern const struct snn_limits snn_tool_limits_board;

/* Decimal or 0x-hex, no sign, <= max.  0 on success, -1 if invalid. */
int snn_tool_parse_u(const char *s, unsigned long long max,
		     unsigned long long *out);
/* Decimal or 0x-hex with optional '-', in [min, max]. */
int snn_tool_parse_s(const char *s, long long min, long long max,
		     long long *out);
/*
 * Cut a line at '#', split it on white space into at most max tokens.
 * Returns the token count, or max + 1 if there were more.
 */
int snn_tool_split(char *line, char **tok, int max);
/*
 * Read a whole file ("-" = stdin) into a malloc()ed buffer.  Reads at most
 * maxlen + 1 bytes, so a longer file is reported with *len > maxlen.
 * Returns 0, or -1 with errno set.
 */
int snn_tool_read_file(const char *path, size_t maxlen, void **buf,
		       size_t *len);

#endif /* SNN_TOOL_H */
