// SPDX-License-Identifier: GPL-2.0
/*
 * Reading networks: network files through libsnndev, text descriptions
 * and .snni images parsed here and built with the library's network API
 * (which checks every record against the part's geometry and ranges).
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netio.h"
#include "snnctl.h"
#include "textutil.h"

#define MAX_NET_FILE	(256u << 20)	/* bigger than any valid network */
#define MAX_TOK		8

/* ---- format detection --------------------------------------------------------- */

enum net_format net_guess_format(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i, n = len < 4096 ? len : 4096;

	if (len >= 4 && !memcmp(p, "SNNI", 4))
		return NET_FORMAT_IMAGE;
	if (len >= 4 && !memcmp(p, "SNNF", 4))
		return NET_FORMAT_FILE;
	for (i = 0; i < n; i++)
		if (p[i] == 0 || (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' &&
				  p[i] != '\t' && p[i] != '\f' && p[i] != '\v'))
			return NET_FORMAT_FILE;
	return NET_FORMAT_TEXT;
}

/* ---- text descriptions ---------------------------------------------------------- */

struct route_line {
	struct snndev_route r;
	unsigned long line;
};

struct txt {
	const char *name;
	unsigned long line;
	struct snndev_net *net;
	int part;			/* current part, -1 before any */
	unsigned int n_profiles;	/* of the current part */
	unsigned long geometry_line;
	struct route_line *routes;
	size_t n_routes, cap_routes;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct txt *t, const char *fmt, ...)
{
	va_list ap;
	int o = snprintf(t->err, t->errlen, "%s:%lu: ", t->name, t->line);

	va_start(ap, fmt);
	if (o >= 0 && (size_t)o < t->errlen)
		vsnprintf(t->err + o, t->errlen - o, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * The library's message about a record added on its own: without the
 * "function: part P, entry 0 of this call: " that only locates it in the
 * call (the caller names the line or offset instead).
 */
static const char *record_msg(int ret)
{
	const char *m = snnctl_lib_msg(ret), *p = strstr(m, "of this call: ");

	return p ? p + 14 : m;
}

/* A library refusal of the record on this line. */
static int lib_bad(struct txt *t, int ret)
{
	if (ret == -ENOMEM)
		return bad(t, "out of memory");
	return bad(t, "%s", record_msg(ret));
}

static int get_u(struct txt *t, const char *tok, const char *name,
		 unsigned long long max, unsigned int *out)
{
	unsigned long long x;

	if (txt_parse_u(tok, max, &x))
		return bad(t, "%s '%s' is not a number in 0..%llu", name, tok,
			   max);
	*out = (unsigned int)x;
	return 0;
}

static int get_s(struct txt *t, const char *tok, const char *name,
		 long long min, long long max, int *out)
{
	long long x;

	if (txt_parse_s(tok, min, max, &x))
		return bad(t, "%s '%s' is not a number in %lld..%lld", name, tok,
			   min, max);
	*out = (int)x;
	return 0;
}

static int nargs(struct txt *t, int n, int want, const char *form)
{
	return n == want ? 0 : bad(t, "expected '%s'", form);
}

static int need_part(struct txt *t)
{
	return t->part >= 0 ? 0 :
	       bad(t, "'geometry' or 'part' must come before any record");
}

static int do_line(struct txt *t, char **tok, int n)
{
	unsigned int a = 0, b = 0, c = 0, d = 0, e = 0, f = 0;
	int s1 = 0, s2 = 0, i, ret;

	if (!strcmp(tok[0], "geometry") || !strcmp(tok[0], "part")) {
		bool geo = tok[0][0] == 'g';

		if (nargs(t, n, 4, geo ?
			  "geometry CORES NEURONS_PER_CORE AXONS_PER_CORE" :
			  "part CORES NEURONS_PER_CORE AXONS_PER_CORE"))
			return -EINVAL;
		if (geo && t->part >= 0)
			return bad(t, "second 'geometry' (first on line %lu; use 'part' for further parts)",
				   t->geometry_line);
		if (get_u(t, tok[1], "CORES", 0xffff, &a) ||
		    get_u(t, tok[2], "NEURONS_PER_CORE", 0xffff, &b) ||
		    get_u(t, tok[3], "AXONS_PER_CORE", 0xffff, &c))
			return -EINVAL;
		ret = snndev_net_add_part(t->net, a, b, c);
		if (ret < 0)
			return lib_bad(t, ret);
		t->part = ret;
		t->n_profiles = 0;
		t->geometry_line = t->line;
		return 0;
	}
	if (!strcmp(tok[0], "profile")) {
		struct snndev_profile p;

		if (need_part(t) ||
		    nargs(t, n, 7, "profile ID DU DV VTH BIAS_MANT BIAS_EXP"))
			return -EINVAL;
		if (get_u(t, tok[1], "ID", 0xffff, &a) ||
		    get_u(t, tok[2], "DU", 0xffff, &b) ||
		    get_u(t, tok[3], "DV", 0xffff, &c) ||
		    get_u(t, tok[4], "VTH", 0xffffffff, &d) ||
		    get_s(t, tok[5], "BIAS_MANT", INT16_MIN, INT16_MAX, &s1) ||
		    get_s(t, tok[6], "BIAS_EXP", INT8_MIN, INT8_MAX, &s2))
			return -EINVAL;
		if (a != t->n_profiles)
			return bad(t, "profile ID %u out of order: profiles are numbered 0, 1, 2, ... (expected %u)",
				   a, t->n_profiles);
		memset(&p, 0, sizeof(p));
		p.du = (uint16_t)b;
		p.dv = (uint16_t)c;
		p.vth = d;
		p.bias_mant = (int16_t)s1;
		p.bias_exp = (int8_t)s2;
		ret = snndev_net_add_profiles(t->net, t->part, &p, 1);
		if (ret < 0)
			return lib_bad(t, ret);
		t->n_profiles++;
		return 0;
	}
	if (!strcmp(tok[0], "neuron")) {
		struct snndev_neuron r;
		unsigned int flags = 0, q = 0;
		int bias = 0;

		if (need_part(t))
			return -EINVAL;
		if (n < 4)
			return bad(t, "expected 'neuron CORE INDEX PROFILE [out [Q]] [bias MANT]'");
		if (get_u(t, tok[1], "CORE", 0xff, &a) ||
		    get_u(t, tok[2], "INDEX", 0xffff, &b) ||
		    get_u(t, tok[3], "PROFILE", 0xff, &c))
			return -EINVAL;
		for (i = 4; i < n; i++) {
			if (!strcmp(tok[i], "out") && !(flags & SNNDEV_NEURON_OUT)) {
				flags |= SNNDEV_NEURON_OUT;
				if (i + 1 < n && strcmp(tok[i + 1], "bias") &&
				    get_u(t, tok[++i], "Q", 0xff, &q))
					return -EINVAL;
			} else if (!strcmp(tok[i], "bias") &&
				   !(flags & SNNDEV_NEURON_BIAS) && i + 1 < n) {
				flags |= SNNDEV_NEURON_BIAS;
				if (get_s(t, tok[++i], "MANT", INT16_MIN,
					  INT16_MAX, &bias))
					return -EINVAL;
			} else {
				return bad(t, "unexpected '%s' (expected 'out [Q]' or 'bias MANT')",
					   tok[i]);
			}
		}
		memset(&r, 0, sizeof(r));
		r.core = (uint8_t)a;
		r.index = (uint16_t)b;
		r.profile = (uint8_t)c;
		r.flags = (uint8_t)flags;
		r.outq = (uint8_t)q;
		r.bias_mant = (int16_t)bias;
		ret = snndev_net_add_neurons(t->net, t->part, &r, 1);
		return ret < 0 ? lib_bad(t, ret) : 0;
	}
	if (!strcmp(tok[0], "synapse")) {
		struct snndev_synapse s;

		if (need_part(t) ||
		    nargs(t, n, 5, "synapse CORE AXON NEURON WEIGHT"))
			return -EINVAL;
		if (get_u(t, tok[1], "CORE", 0xff, &a) ||
		    get_u(t, tok[2], "AXON", 0xffff, &b) ||
		    get_u(t, tok[3], "NEURON", 0xffff, &c) ||
		    get_s(t, tok[4], "WEIGHT", INT8_MIN, INT8_MAX, &s1))
			return -EINVAL;
		memset(&s, 0, sizeof(s));
		s.core = (uint8_t)a;
		s.axon = (uint16_t)b;
		s.neuron = (uint16_t)c;
		s.weight = (int8_t)s1;
		ret = snndev_net_add_synapses(t->net, t->part, &s, 1);
		return ret < 0 ? lib_bad(t, ret) : 0;
	}
	if (!strcmp(tok[0], "fanout")) {
		struct snndev_fanout fo;

		if (need_part(t) ||
		    nargs(t, n, 5, "fanout SRCCORE SRCNEURON DSTCORE DSTAXON"))
			return -EINVAL;
		if (get_u(t, tok[1], "SRCCORE", 0xff, &a) ||
		    get_u(t, tok[2], "SRCNEURON", 0xffff, &b) ||
		    get_u(t, tok[3], "DSTCORE", 0xff, &c) ||
		    get_u(t, tok[4], "DSTAXON", 0xffff, &d))
			return -EINVAL;
		memset(&fo, 0, sizeof(fo));
		fo.src_core = (uint8_t)a;
		fo.src_neuron = (uint16_t)b;
		fo.dst_core = (uint8_t)c;
		fo.dst_axon = (uint16_t)d;
		ret = snndev_net_add_fanouts(t->net, t->part, &fo, 1);
		return ret < 0 ? lib_bad(t, ret) : 0;
	}
	if (!strcmp(tok[0], "route")) {
		struct route_line *rl;

		if (nargs(t, n, 7, "route SRCPART SRCCORE SRCNEURON DSTPART DSTCORE DSTAXON"))
			return -EINVAL;
		if (get_u(t, tok[1], "SRCPART", 0xffff, &a) ||
		    get_u(t, tok[2], "SRCCORE", 0xff, &b) ||
		    get_u(t, tok[3], "SRCNEURON", 0xffff, &c) ||
		    get_u(t, tok[4], "DSTPART", 0xffff, &d) ||
		    get_u(t, tok[5], "DSTCORE", 0xff, &e) ||
		    get_u(t, tok[6], "DSTAXON", 0xffff, &f))
			return -EINVAL;
		if (t->n_routes == t->cap_routes) {
			size_t cap = t->cap_routes ? t->cap_routes * 2 : 64;

			rl = realloc(t->routes, cap * sizeof(*rl));
			if (!rl)
				return bad(t, "out of memory");
			t->routes = rl;
			t->cap_routes = cap;
		}
		rl = &t->routes[t->n_routes++];
		memset(rl, 0, sizeof(*rl));
		rl->r.src_part = (uint16_t)a;
		rl->r.src_core = (uint8_t)b;
		rl->r.src_neuron = (uint16_t)c;
		rl->r.dst_part = (uint16_t)d;
		rl->r.dst_core = (uint8_t)e;
		rl->r.dst_axon = (uint16_t)f;
		rl->line = t->line;
		return 0;
	}
	return bad(t, "unknown keyword '%s' (geometry, part, profile, neuron, synapse, fanout, route)",
		   tok[0]);
}

int net_parse_text(const char *name, const char *buf, size_t len,
		   struct snndev_net **out, char *err, size_t errlen)
{
	struct txt t;
	const char *p = buf, *end = buf + len;
	char *line = NULL, *tok[MAX_TOK];
	size_t cap = 0, i;
	int ret, n;

	memset(&t, 0, sizeof(t));
	t.name = name;
	t.part = -1;
	t.err = err;
	t.errlen = errlen;
	err[0] = 0;
	ret = snndev_net_new(&t.net);
	if (ret) {
		snprintf(err, errlen, "%s: %s", name, snnctl_lib_msg(ret));
		return ret;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		t.line++;
		if (l + 1 > cap) {
			char *q = realloc(line, l + 1);

			if (!q) {
				ret = bad(&t, "out of memory");
				goto fail;
			}
			line = q;
			cap = l + 1;
		}
		memcpy(line, p, l);
		line[l] = 0;
		p = nl ? nl + 1 : end;
		if (memchr(line, 0, l)) {
			ret = bad(&t, "a NUL byte: this is not a text description");
			goto fail;
		}
		n = txt_split(line, tok, MAX_TOK);
		if (n == 0)
			continue;
		if (n > MAX_TOK) {
			ret = bad(&t, "too many fields");
			goto fail;
		}
		ret = do_line(&t, tok, n);
		if (ret)
			goto fail;
	}
	if (t.part < 0) {
		snprintf(err, errlen, "%s: no 'geometry' or 'part' line", name);
		ret = -EINVAL;
		goto fail;
	}
	for (i = 0; i < t.n_routes; i++) {
		t.line = t.routes[i].line;
		ret = snndev_net_add_routes(t.net, &t.routes[i].r, 1);
		if (ret < 0) {
			ret = lib_bad(&t, ret);
			goto fail;
		}
	}
	free(line);
	free(t.routes);
	*out = t.net;
	return 0;
fail:
	free(line);
	free(t.routes);
	snndev_net_free(t.net);
	return ret < 0 ? ret : -EINVAL;
}

/* ---- .snni images ------------------------------------------------------------------ */

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

__attribute__((format(printf, 5, 6)))
static int img_bad(char *err, size_t errlen, const char *name, size_t off,
		   const char *fmt, ...)
{
	va_list ap;
	int o = snprintf(err, errlen, "%s: offset %zu: ", name, off);

	va_start(ap, fmt);
	if (o >= 0 && (size_t)o < errlen)
		vsnprintf(err + o, errlen - o, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int net_parse_image(const char *name, const void *buf, size_t len,
		    struct snndev_net **out, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	struct snndev_net *net = NULL;
	uint32_t np, nn, ns, nf, i;
	uint64_t want;
	size_t off;
	int ret, part;

	if (len < 64)
		return img_bad(err, errlen, name, len,
			       "%zu bytes: shorter than the 64-byte image header",
			       len);
	if (memcmp(p, "SNNI", 4))
		return img_bad(err, errlen, name, 0, "magic is not \"SNNI\"");
	if (le16(p + 4) != 1)
		return img_bad(err, errlen, name, 4,
			       "version %u (this snnctl reads version 1)",
			       le16(p + 4));
	if (le16(p + 6) != 64)
		return img_bad(err, errlen, name, 6,
			       "header size %u (must be 64)", le16(p + 6));
	np = le16(p + 14);
	nn = le32(p + 16);
	ns = le32(p + 20);
	nf = le32(p + 24);
	if (le32(p + 28))
		return img_bad(err, errlen, name, 28, "flags %#x (must be 0)",
			       le32(p + 28));
	for (i = 32; i < 64; i++)
		if (p[i])
			return img_bad(err, errlen, name, i,
				       "reserved header byte is not 0");
	want = 64 + 16ull * np + 8ull * ((uint64_t)nn + ns + nf);
	if (want != len)
		return img_bad(err, errlen, name, 16,
			       "the header's counts (%u profiles, %u neurons, %u synapses, %u fan-out) make %llu bytes, the file has %zu",
			       np, nn, ns, nf, (unsigned long long)want, len);
	ret = snndev_net_new(&net);
	if (ret) {
		snprintf(err, errlen, "%s: %s", name, snnctl_lib_msg(ret));
		return ret;
	}
	part = snndev_net_add_part(net, le16(p + 8), le16(p + 10), le16(p + 12));
	if (part < 0) {
		ret = img_bad(err, errlen, name, 8, "%s", snnctl_lib_msg(part));
		goto fail;
	}
	off = 64;
	for (i = 0; i < np; i++, off += 16) {
		const unsigned char *r = p + off;
		struct snndev_profile x;

		if (r[11] || le32(r + 12)) {
			ret = img_bad(err, errlen, name, off + (r[11] ? 11 : 12),
				      "profile %u: reserved field is not 0", i);
			goto fail;
		}
		memset(&x, 0, sizeof(x));
		x.du = le16(r);
		x.dv = le16(r + 2);
		x.vth = le32(r + 4);
		x.bias_mant = (int16_t)le16(r + 8);
		x.bias_exp = (int8_t)r[10];
		ret = snndev_net_add_profiles(net, part, &x, 1);
		if (ret < 0) {
			ret = img_bad(err, errlen, name, off, "profile %u: %s",
				      i, record_msg(ret));
			goto fail;
		}
	}
	for (i = 0; i < nn; i++, off += 8) {
		const unsigned char *r = p + off;
		struct snndev_neuron x;

		memset(&x, 0, sizeof(x));
		x.core = r[0];
		x.profile = r[1];
		x.index = le16(r + 2);
		x.flags = r[4];
		x.outq = r[5];
		x.bias_mant = (int16_t)le16(r + 6);
		ret = snndev_net_add_neurons(net, part, &x, 1);
		if (ret < 0) {
			ret = img_bad(err, errlen, name, off, "neuron %u: %s",
				      i, record_msg(ret));
			goto fail;
		}
	}
	for (i = 0; i < ns; i++, off += 8) {
		const unsigned char *r = p + off;
		struct snndev_synapse x;

		if (r[1] || r[7]) {
			ret = img_bad(err, errlen, name, off + (r[1] ? 1 : 7),
				      "synapse %u: reserved field is not 0", i);
			goto fail;
		}
		memset(&x, 0, sizeof(x));
		x.core = r[0];
		x.axon = le16(r + 2);
		x.neuron = le16(r + 4);
		x.weight = (int8_t)r[6];
		ret = snndev_net_add_synapses(net, part, &x, 1);
		if (ret < 0) {
			ret = img_bad(err, errlen, name, off, "synapse %u: %s",
				      i, record_msg(ret));
			goto fail;
		}
	}
	for (i = 0; i < nf; i++, off += 8) {
		const unsigned char *r = p + off;
		struct snndev_fanout x;

		if (le16(r + 6)) {
			ret = img_bad(err, errlen, name, off + 6,
				      "fan-out %u: reserved field is not 0", i);
			goto fail;
		}
		memset(&x, 0, sizeof(x));
		x.src_core = r[0];
		x.dst_core = r[1];
		x.src_neuron = le16(r + 2);
		x.dst_axon = le16(r + 4);
		ret = snndev_net_add_fanouts(net, part, &x, 1);
		if (ret < 0) {
			ret = img_bad(err, errlen, name, off, "fan-out %u: %s",
				      i, record_msg(ret));
			goto fail;
		}
	}
	*out = net;
	return 0;
fail:
	snndev_net_free(net);
	return ret == -ENOMEM ? ret : -EINVAL;
}

/* ---- any format ---------------------------------------------------------------------- */

int net_slurp(const char *path, size_t max, void **bufp, size_t *lenp)
{
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "rb");
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *q;
	int e;

	if (!f)
		return -errno;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				e = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			q = realloc(buf, cap + 1);
			if (!q) {
				e = ENOMEM;
				goto fail;
			}
			buf = q;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		e = errno ? errno : EIO;
		goto fail;
	}
	if (!in)
		fclose(f);
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = 0;
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	if (!in)
		fclose(f);
	free(buf);
	return -e;
}

int net_read_any(const char *path, struct snndev_net **out,
		 enum net_format *format)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	enum net_format fmt;
	char err[1024];
	void *buf;
	size_t len;
	int ret;

	ret = net_slurp(path, MAX_NET_FILE, &buf, &len);
	if (ret == -EFBIG)
		return snnctl_err(SNNCTL_EX_INPUT,
				  "%s: larger than %u MiB: not a network", name,
				  MAX_NET_FILE >> 20);
	if (ret)
		return snnctl_err(SNNCTL_EX_DEVICE, "%s: %s", name,
				  strerror(-ret));
	fmt = net_guess_format(buf, len);
	if (format)
		*format = fmt;
	switch (fmt) {
	case NET_FORMAT_IMAGE:
		ret = net_parse_image(name, buf, len, out, err, sizeof(err));
		break;
	case NET_FORMAT_TEXT:
		ret = net_parse_text(name, buf, len, out, err, sizeof(err));
		break;
	default:
		ret = snndev_net_read_mem(buf, len, out);
		if (ret)
			snprintf(err, sizeof(err), "%s: %s", name,
				 snnctl_lib_msg(ret));
		break;
	}
	free(buf);
	if (ret == -ENOMEM)
		return snnctl_err(SNNCTL_EX_DEVICE, "%s", err);
	if (ret)
		return snnctl_err(SNNCTL_EX_INPUT, "%s", err);
	return 0;
}
