// SPDX-License-Identifier: GPL-2.0
/*
 * Text-file helpers: the number and line syntax of snn-sim and snn-mkimg.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textutil.h"

int txt_parse_u(const char *s, unsigned long long max, unsigned long long *out)
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

int txt_parse_s(const char *s, long long min, long long max, long long *out)
{
	unsigned long long x;
	int neg = s[0] == '-';

	if (txt_parse_u(s + neg, (unsigned long long)INT64_MAX, &x))
		return -1;
	if (neg ? -(long long)x < min : (long long)x > max)
		return -1;
	*out = neg ? -(long long)x : (long long)x;
	return 0;
}

int txt_split(char *line, char **tok, int max)
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
