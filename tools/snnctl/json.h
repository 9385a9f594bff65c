/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer (RFC 8259): compact output, strings
 * escaped, numbers as integers or with enough digits to round-trip.
 */
#ifndef SNNCTL_JSON_H
#define SNNCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	32

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* nothing written yet at this level */
	bool after_key;
};

void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_double(struct json *j, double v);	/* NaN, inf -> null */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* After the top-level value: a newline. */
void json_end(struct json *j);

/* key + value */
void json_kstr(struct json *j, const char *key, const char *s);
void json_ku64(struct json *j, const char *key, uint64_t v);
void json_ki64(struct json *j, const char *key, int64_t v);
void json_kdouble(struct json *j, const char *key, double v);
void json_kbool(struct json *j, const char *key, bool v);

/* The escaped form of s, as json_str() writes it, into f. */
void json_write_string(FILE *f, const char *s);

#endif /* SNNCTL_JSON_H */
