/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the host tools, see snn_tool.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn_hw.h"
#include "snn_tool.h"

const struct snn_limits snn_tool_limits_max = {
	.cores = SNN_MAX_CORES,
	.neurons_per_core = SNN_MAX_NEURONS_PER_CORE,
	.axons_per_core = SNN_MAX_AXONS_PER_CORE,
	.synapses_per_core = UINT32_MAX,
	.fanout_per_core = UINT32_MAX,
	.profiles = SNN_MAX_PROFILES,
	.out_queues = SNN_MAX_QUEUES,
};

/* docs/hardware.md: the QEMU properties' defaults. */
const struct snn_limits snn_tool_limits_board = {
	.cores = 8,
	.neurons_per_core = 1024,
	.axons_per_core = 4096,
	.synapses_per_core = 65536,
	.fanout_per_core = 4096,
	.profiles = 64,
	.out_queues = 4,
};

int snn_tool_parse_u(const char *s, unsigned long long max,
		     unsigned long long *out)
{
	unsigned long long x;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)s[0]) ||
	    (base == 10 && !isdigit((unsigned char)s[0])))
		return -1;
	errno = 0;
	x = strtoull(s, &end, base);
	if (errno || *end || x > max)
		return -1;
	*out = x;
	return 0;
}

int snn_tool_parse_s(const char *s, long long min, long long max,
		     long long *out)
{
	unsigned long long x;
	int neg = s[0] == '-';

	if (snn_tool_parse_u(s + neg, (unsigned long long)INT64_MAX, &x))
		return -1;
	if (neg ? -(long long)x < min : (long long)x > max)
		return -1;
	*out = neg ? -(long long)x : (long long)x;
	return 0;
}

int snn_tool_split(char *line, char **tok, int max)
{
	char *p = strchr(line, '#');
	int n = 0;

	if (p)
		*p = 0;
	p = line;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
}

int snn_tool_read_file(const char *path, size_t maxlen, void **bufp,
		       size_t *lenp)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *p;
	int saved;

	if (!f)
		return -1;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > maxlen + 1)
				cap = maxlen + 1;
			if (len == cap)
				break;		/* maxlen + 1 bytes read */
			p = realloc(buf, cap);
			if (!p) {
				errno = ENOMEM;
				goto fail;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				errno = errno ? errno : EIO;
				goto fail;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	saved = errno;
	free(buf);
	if (f != stdin)
		fclose(f);
	errno = saved;
	return -1;
}
