/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict little JSON parser (RFC 8259) for tests: the guest has no
 * python, so the tests that parse `snnctl --json` back use this.  It
 * builds a tree of nodes; mj_get() looks a member up by a path such as
 * "clusters.1.name" (object keys and array indices separated by dots).
 *
 * Everything is static: include it once per program.
 *
 *   struct mj *root = mj_parse(text, err, sizeof(err));
 *   const struct mj *v = mj_get(root, "boards.0.health");
 *   if (v && v->type == MJ_STRING) ... v->str ...
 *   mj_free(root);
 */
#ifndef MINI_JSON_H
#define MINI_JSON_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mj_type { MJ_NULL, MJ_BOOL, MJ_NUMBER, MJ_STRING, MJ_ARRAY, MJ_OBJECT };

struct mj {
	enum mj_type type;
	int boolean;
	double num;
	char *str;		/* MJ_STRING: the value (UTF-8, unescaped) */
	char *key;		/* a member of an object: its key */
	struct mj *child;	/* MJ_ARRAY, MJ_OBJECT: first element */
	struct mj *next;	/* the next element of the parent */
	size_t n;		/* MJ_ARRAY, MJ_OBJECT: number of elements */
};

struct mj_parser {
	const char *s, *start;
	char *err;
	size_t errlen;
	int depth;
};

#define MJ_UNUSED __attribute__((unused))

static void mj_free(struct mj *v)
{
	while (v) {
		struct mj *next = v->next;

		mj_free(v->child);
		free(v->str);
		free(v->key);
		free(v);
		v = next;
	}
}

static int mj_fail(struct mj_parser *p, const char *what)
{
	if (p->err && !p->err[0])
		snprintf(p->err, p->errlen, "offset %ld: %s",
			 (long)(p->s - p->start), what);
	return -1;
}

static void mj_ws(struct mj_parser *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
		p->s++;
}

static int mj_hex4(const char *s, unsigned int *out)
{
	unsigned int v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int mj_string(struct mj_parser *p, char **out)
{
	size_t cap = 16, n = 0;
	char *buf;

	if (*p->s != '"')
		return mj_fail(p, "expected a string");
	p->s++;
	buf = malloc(cap);
	if (!buf)
		return mj_fail(p, "out of memory");
	for (;;) {
		unsigned int c = (unsigned char)*p->s;
		char enc[4];
		int k = 1;

		if (c == '"') {
			p->s++;
			break;
		}
		if (c == 0 || c < 0x20) {
			free(buf);
			return mj_fail(p, "unterminated string or control character in it");
		}
		if (c == '\\') {
			p->s++;
			switch (*p->s) {
			case '"': enc[0] = '"'; break;
			case '\\': enc[0] = '\\'; break;
			case '/': enc[0] = '/'; break;
			case 'b': enc[0] = '\b'; break;
			case 'f': enc[0] = '\f'; break;
			case 'n': enc[0] = '\n'; break;
			case 'r': enc[0] = '\r'; break;
			case 't': enc[0] = '\t'; break;
			case 'u':
				if (mj_hex4(p->s + 1, &c)) {
					free(buf);
					return mj_fail(p, "bad \\u escape");
				}
				p->s += 4;
				if (c < 0x80) {
					enc[0] = (char)c;
				} else if (c < 0x800) {
					enc[0] = (char)(0xc0 | c >> 6);
					enc[1] = (char)(0x80 | (c & 0x3f));
					k = 2;
				} else {	/* surrogates kept as is: tests only */
					enc[0] = (char)(0xe0 | c >> 12);
					enc[1] = (char)(0x80 | ((c >> 6) & 0x3f));
					enc[2] = (char)(0x80 | (c & 0x3f));
					k = 3;
				}
				break;
			default:
				free(buf);
				return mj_fail(p, "bad escape");
			}
		} else {
			enc[0] = (char)c;
		}
		p->s++;
		if (n + k + 1 > cap) {
			char *nb;

			cap = (n + k + 1) * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return mj_fail(p, "out of memory");
			}
			buf = nb;
		}
		memcpy(buf + n, enc, k);
		n += k;
	}
	buf[n] = 0;
	*out = buf;
	return 0;
}

static int mj_value(struct mj_parser *p, struct mj **out);

static int mj_number(struct mj_parser *p, struct mj *v)
{
	const char *s = p->s;
	char *end;

	if (*s == '-')
		s++;
	if (*s == '0') {
		s++;
	} else if (*s >= '1' && *s <= '9') {
		while (isdigit((unsigned char)*s))
			s++;
	} else {
		return mj_fail(p, "bad number");
	}
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return mj_fail(p, "bad number: digits must follow '.'");
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return mj_fail(p, "bad number exponent");
		while (isdigit((unsigned char)*s))
			s++;
	}
	v->type = MJ_NUMBER;
	v->num = strtod(p->s, &end);
	if (end != s)
		return mj_fail(p, "bad number");
	p->s = s;
	return 0;
}

static int mj_container(struct mj_parser *p, struct mj *v, int obj)
{
	struct mj **tail = &v->child;
	char close = obj ? '}' : ']';

	v->type = obj ? MJ_OBJECT : MJ_ARRAY;
	if (++p->depth > 64)
		return mj_fail(p, "nested too deeply");
	p->s++;
	mj_ws(p);
	if (*p->s == close) {
		p->s++;
		p->depth--;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct mj *e;

		mj_ws(p);
		if (obj) {
			if (mj_string(p, &key))
				return -1;
			mj_ws(p);
			if (*p->s != ':') {
				free(key);
				return mj_fail(p, "expected ':'");
			}
			p->s++;
		}
		if (mj_value(p, &e)) {
			free(key);
			return -1;
		}
		e->key = key;
		*tail = e;
		tail = &e->next;
		v->n++;
		mj_ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s == close) {
			p->s++;
			p->depth--;
			return 0;
		}
		return mj_fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int mj_value(struct mj_parser *p, struct mj **out)
{
	struct mj *v = calloc(1, sizeof(*v));
	int ret;

	if (!v)
		return mj_fail(p, "out of memory");
	mj_ws(p);
	switch (*p->s) {
	case '{':
		ret = mj_container(p, v, 1);
		break;
	case '[':
		ret = mj_container(p, v, 0);
		break;
	case '"':
		v->type = MJ_STRING;
		ret = mj_string(p, &v->str);
		break;
	case 't':
		v->type = MJ_BOOL;
		v->boolean = 1;
		ret = strncmp(p->s, "true", 4) ? mj_fail(p, "bad literal") : 0;
		p->s += ret ? 0 : 4;
		break;
	case 'f':
		v->type = MJ_BOOL;
		ret = strncmp(p->s, "false", 5) ? mj_fail(p, "bad literal") : 0;
		p->s += ret ? 0 : 5;
		break;
	case 'n':
		v->type = MJ_NULL;
		ret = strncmp(p->s, "null", 4) ? mj_fail(p, "bad literal") : 0;
		p->s += ret ? 0 : 4;
		break;
	default:
		ret = mj_number(p, v);
	}
	if (ret) {
		mj_free(v);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * Parse exactly one JSON value (surrounded by white space only).  NULL
 * with a message in err (if given) on error.
 */
static MJ_UNUSED struct mj *mj_parse(const char *text, char *err, size_t errlen)
{
	struct mj_parser p = { text, text, err, errlen, 0 };
	struct mj *v;

	if (err && errlen)
		err[0] = 0;
	if (mj_value(&p, &v))
		return NULL;
	mj_ws(&p);
	if (*p.s) {
		mj_fail(&p, "text after the JSON value");
		mj_free(v);
		return NULL;
	}
	return v;
}

/* Element i of an array or object, or NULL. */
static MJ_UNUSED const struct mj *mj_at(const struct mj *v, size_t i)
{
	const struct mj *e;

	if (!v || (v->type != MJ_ARRAY && v->type != MJ_OBJECT))
		return NULL;
	for (e = v->child; e && i; e = e->next)
		i--;
	return e;
}

/* Member `key` of an object, or NULL. */
static MJ_UNUSED const struct mj *mj_member(const struct mj *v, const char *key)
{
	const struct mj *e;

	if (!v || v->type != MJ_OBJECT)
		return NULL;
	for (e = v->child; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

/* A dotted path: "boards.0.units.2.health"; numbers index arrays. */
static MJ_UNUSED const struct mj *mj_get(const struct mj *v, const char *path)
{
	char part[128];
	const char *p = path;

	while (v && *p) {
		size_t l = strcspn(p, ".");

		if (l >= sizeof(part))
			return NULL;
		memcpy(part, p, l);
		part[l] = 0;
		p += l + (p[l] == '.');
		if (v->type == MJ_ARRAY) {
			char *end;
			unsigned long i = strtoul(part, &end, 10);

			v = *end || !l ? NULL : mj_at(v, i);
		} else {
			v = mj_member(v, part);
		}
	}
	return v;
}

/* Shorthands: the string / number / bool at path, or a default. */
static MJ_UNUSED const char *mj_str(const struct mj *v, const char *path)
{
	v = mj_get(v, path);
	return v && v->type == MJ_STRING ? v->str : NULL;
}

static MJ_UNUSED double mj_num(const struct mj *v, const char *path, double def)
{
	v = mj_get(v, path);
	return v && v->type == MJ_NUMBER ? v->num : def;
}

static MJ_UNUSED int mj_bool(const struct mj *v, const char *path, int def)
{
	v = mj_get(v, path);
	return v && v->type == MJ_BOOL ? v->boolean : def;
}

#endif /* MINI_JSON_H */
