/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text-file helpers of snnctl, with the syntax of the host tools snn-sim
 * and snn-mkimg (docs/engine.md): numbers are decimal or 0x hex, '#'
 * starts a comment, fields are separated by white space.
 */
#ifndef SNNCTL_TEXTUTIL_H
#define SNNCTL_TEXTUTIL_H

/* Decimal or 0x-hex, no sign, <= max.  0 on success, -1 if invalid. */
int txt_parse_u(const char *s, unsigned long long max, unsigned long long *out);
/* Decimal or 0x-hex with an optional '-', in [min, max]. */
int txt_parse_s(const char *s, long long min, long long max, long long *out);
/*
 * Cut a line at '#', split it on white space into at most max tokens.
 * Returns the token count, or max + 1 if there were more.
 */
int txt_split(char *line, char **tok, int max);

#endif /* SNNCTL_TEXTUTIL_H */
