/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snn-mkimg: write a network image (driver/snn_hw.h SNN_IMG_*) from a text
 * description.  Format and examples: docs/engine.md.
 *
 *   geometry CORES NEURONS_PER_CORE AXONS_PER_CORE
 *   profile ID DU DV VTH BIAS_MANT BIAS_EXP
 *   neuron CORE INDEX PROFILE [out [Q]] [bias MANT]
 *   synapse CORE AXON NEURON WEIGHT
 *   fanout SRCCORE SRCNEURON DSTCORE DSTAXON
 *
 * Exit status: 0 written, 1 bad description or usage, 2 I/O error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn_hw.h"
#include "snn_engine.h"
#include "snn_img_write.h"
#include "snn_tool.h"

#define MAX_TOK		8

static const char *prog = "snn-mkimg";

/* Source line of every record, per section, to report loader errors. */
struct lines {
	unsigned long *v;
	size_t n, cap;
};

static int lines_add(struct lines *l, unsigned long line)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		unsigned long *p = realloc(l->v, cap * sizeof(*p));

		if (!p)
			return -1;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = line;
	return 0;
}

struct mk {
	const char *file;
	unsigned long line;
	struct snn_img_writer *w;
	unsigned long geometry_line;
	unsigned int n_profiles;
	struct lines sec[SNN_IMG_SEC_NONE];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--board] [--no-check] DESCRIPTION.txt OUTPUT.snni\n"
		"Write a network image from a text description ('-' = stdin/stdout).\n"
		"  --board     check against the default board's cluster limits\n"
		"              (default: only what the image format can express)\n"
		"  --no-check  write the image without validating it (for tests)\n"
		"Lines ('#' starts a comment):\n"
		"  geometry CORES NEURONS_PER_CORE AXONS_PER_CORE   (first, once)\n"
		"  profile ID DU DV VTH BIAS_MANT BIAS_EXP          (IDs 0, 1, ...)\n"
		"  neuron CORE INDEX PROFILE [out [Q]] [bias MANT]\n"
		"  synapse CORE AXON NEURON WEIGHT\n"
		"  fanout SRCCORE SRCNEURON DSTCORE DSTAXON\n"
		"See docs/engine.md.\n", prog);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int bad(struct mk *m, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%lu: ", m->file, m->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Parse tok as an unsigned field called name, at most max. */
static int get_u(struct mk *m, const char *tok, const char *name,
		 unsigned long long max, unsigned int *out)
{
	unsigned long long x;

	if (snn_tool_parse_u(tok, max, &x)) {
		fprintf(stderr, "%s:%lu: %s '%s' is not a number in 0..%llu\n",
			m->file, m->line, name, tok, max);
		return -1;
	}
	*out = (unsigned int)x;
	return 0;
}

static int get_s(struct mk *m, const char *tok, const char *name,
		 long long min, long long max, int *out)
{
	long long x;

	if (snn_tool_parse_s(tok, min, max, &x)) {
		fprintf(stderr, "%s:%lu: %s '%s' is not a number in %lld..%lld\n",
			m->file, m->line, name, tok, min, max);
		return -1;
	}
	*out = (int)x;
	return 0;
}

static int nargs(struct mk *m, int n, int want, const char *form)
{
	if (n == want)
		return 0;
	return bad(m, "expected '%s'", form);
}

static int need_geometry(struct mk *m)
{
	if (m->w)
		return 0;
	return bad(m, "'geometry' must come before any record");
}

static int do_line(struct mk *m, char **t, int n)
{
	unsigned int a, b, c, d, e;
	int s1, s2, i;

	if (!strcmp(t[0], "geometry")) {
		if (nargs(m, n, 4, "geometry CORES NEURONS_PER_CORE AXONS_PER_CORE"))
			return -1;
		if (m->w) {
			fprintf(stderr, "%s:%lu: second 'geometry' (first on line %lu)\n",
				m->file, m->line, m->geometry_line);
			return -1;
		}
		if (get_u(m, t[1], "CORES", 0xffff, &a) ||
		    get_u(m, t[2], "NEURONS_PER_CORE", 0xffff, &b) ||
		    get_u(m, t[3], "AXONS_PER_CORE", 0xffff, &c))
			return -1;
		m->w = snn_img_writer_new(a, b, c);
		if (!m->w)
			return -2;
		m->geometry_line = m->line;
		return 0;
	}
	if (!strcmp(t[0], "profile")) {
		if (need_geometry(m) ||
		    nargs(m, n, 7, "profile ID DU DV VTH BIAS_MANT BIAS_EXP"))
			return -1;
		if (get_u(m, t[1], "ID", 0xffff, &a) ||
		    get_u(m, t[2], "DU", 0xffff, &b) ||
		    get_u(m, t[3], "DV", 0xffff, &c) ||
		    get_u(m, t[4], "VTH", 0xffffffff, &d) ||
		    get_s(m, t[5], "BIAS_MANT", INT16_MIN, INT16_MAX, &s1) ||
		    get_s(m, t[6], "BIAS_EXP", INT8_MIN, INT8_MAX, &s2))
			return -1;
		if (a != m->n_profiles) {
			fprintf(stderr, "%s:%lu: profile ID %u out of order: profiles are numbered 0, 1, 2, ... (expected %u)\n",
				m->file, m->line, a, m->n_profiles);
			return -1;
		}
		if (snn_img_add_profile(m->w, b, c, d, s1, s2) < 0)
			return -2;
		m->n_profiles++;
		return lines_add(&m->sec[SNN_IMG_SEC_PROFILE], m->line) ? -2 : 0;
	}
	if (!strcmp(t[0], "neuron")) {
		unsigned int flags = 0, q = 0;
		int bias = 0;

		if (need_geometry(m))
			return -1;
		if (n < 4)
			return bad(m, "expected '%s'",
				   "neuron CORE INDEX PROFILE [out [Q]] [bias MANT]");
		if (get_u(m, t[1], "CORE", 0xff, &a) ||
		    get_u(m, t[2], "INDEX", 0xffff, &b) ||
		    get_u(m, t[3], "PROFILE", 0xff, &c))
			return -1;
		for (i = 4; i < n; i++) {
			if (!strcmp(t[i], "out") && !(flags & SNN_NEURON_OUT)) {
				flags |= SNN_NEURON_OUT;
				if (i + 1 < n && strcmp(t[i + 1], "bias") &&
				    get_u(m, t[++i], "Q", 0xff, &q))
					return -1;
			} else if (!strcmp(t[i], "bias") &&
				   !(flags & SNN_NEURON_BIAS) && i + 1 < n) {
				flags |= SNN_NEURON_BIAS;
				if (get_s(m, t[++i], "MANT", INT16_MIN,
					  INT16_MAX, &bias))
					return -1;
			} else {
				return bad(m, "unexpected '%s' (expected 'out [Q]' or 'bias MANT')",
					   t[i]);
			}
		}
		if (snn_img_add_neuron(m->w, a, b, c, flags, q, bias) < 0)
			return -2;
		return lines_add(&m->sec[SNN_IMG_SEC_NEURON], m->line) ? -2 : 0;
	}
	if (!strcmp(t[0], "synapse")) {
		if (need_geometry(m) ||
		    nargs(m, n, 5, "synapse CORE AXON NEURON WEIGHT"))
			return -1;
		if (get_u(m, t[1], "CORE", 0xff, &a) ||
		    get_u(m, t[2], "AXON", 0xffff, &b) ||
		    get_u(m, t[3], "NEURON", 0xffff, &c) ||
		    get_s(m, t[4], "WEIGHT", INT8_MIN, INT8_MAX, &s1))
			return -1;
		if (snn_img_add_synapse(m->w, a, b, c, s1) < 0)
			return -2;
		return lines_add(&m->sec[SNN_IMG_SEC_SYNAPSE], m->line) ? -2 : 0;
	}
	if (!strcmp(t[0], "fanout")) {
		if (need_geometry(m) ||
		    nargs(m, n, 5, "fanout SRCCORE SRCNEURON DSTCORE DSTAXON"))
			return -1;
		if (get_u(m, t[1], "SRCCORE", 0xff, &a) ||
		    get_u(m, t[2], "SRCNEURON", 0xffff, &b) ||
		    get_u(m, t[3], "DSTCORE", 0xff, &d) ||
		    get_u(m, t[4], "DSTAXON", 0xffff, &e))
			return -1;
		if (snn_img_add_fanout(m->w, a, b, d, e) < 0)
			return -2;
		return lines_add(&m->sec[SNN_IMG_SEC_FANOUT], m->line) ? -2 : 0;
	}
	return bad(m, "unknown keyword '%s' (geometry, profile, neuron, synapse, fanout)",
		   t[0]);
}

/* Report a loader error at the line of the offending record. */
static void report_load_error(struct mk *m, const void *img, size_t len,
			      const struct snn_img_error *err)
{
	enum snn_img_section sec;
	uint32_t idx;

	sec = snn_img_locate(img, len, err->offset, &idx);
	if (sec == SNN_IMG_SEC_HEADER && err->offset >= SNN_IMG_H_N_CORES &&
	    err->offset < SNN_IMG_H_N_PROFILES)
		fprintf(stderr, "%s:%lu: %s\n", m->file, m->geometry_line,
			err->msg);
	else if (sec != SNN_IMG_SEC_HEADER && sec != SNN_IMG_SEC_NONE &&
		 idx < m->sec[sec].n)
		fprintf(stderr, "%s:%lu: %s\n", m->file, m->sec[sec].v[idx],
			err->msg);
	else
		fprintf(stderr, "%s: %s\n", m->file, err->msg);
}

static int write_out(const char *path, const void *img, size_t len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 2;
	}
	if (fwrite(img, 1, len, f) != len || fflush(f) ||
	    (f != stdout && fclose(f))) {
		fprintf(stderr, "%s: %s: write error: %s\n", prog, path,
			strerror(errno));
		if (f != stdout)
			fclose(f);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct snn_limits *lim = &snn_tool_limits_max;
	struct mk m;
	char *line = NULL, *tok[MAX_TOK];
	size_t cap = 0, len = 0;
	const char *in = NULL, *out = NULL;
	int check = 1, i, n, ret = 1, r;
	void *img = NULL;
	FILE *f;

	memset(&m, 0, sizeof(m));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--board")) {
			lim = &snn_tool_limits_board;
		} else if (!strcmp(argv[i], "--no-check")) {
			check = 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s: unknown option '%s'\n", prog,
				argv[i]);
			usage(stderr);
			return 1;
		} else if (!in) {
			in = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			usage(stderr);
			return 1;
		}
	}
	if (!in || !out) {
		usage(stderr);
		return 1;
	}

	m.file = strcmp(in, "-") ? in : "<stdin>";
	f = strcmp(in, "-") ? fopen(in, "r") : stdin;
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, in, strerror(errno));
		return 2;
	}
	while (getline(&line, &cap, f) >= 0) {
		m.line++;
		n = snn_tool_split(line, tok, MAX_TOK);
		if (n == 0)
			continue;
		if (n > MAX_TOK) {
			bad(&m, "too many fields");
			goto out;
		}
		r = do_line(&m, tok, n);
		if (r == -2) {
			fprintf(stderr, "%s: out of memory\n", prog);
			ret = 2;
			goto out;
		}
		if (r)
			goto out;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: read error\n", prog, m.file);
		ret = 2;
		goto out;
	}
	if (!m.w) {
		fprintf(stderr, "%s: no 'geometry' line\n", m.file);
		goto out;
	}
	img = snn_img_writer_build(m.w, &len);
	if (!img) {
		fprintf(stderr, "%s: out of memory\n", prog);
		ret = 2;
		goto out;
	}
	if (check) {
		struct snn_img_error err;
		struct snn_net *net;

		if (snn_net_load(img, len, lim, &net, &err)) {
			if (SNN_NET_LOAD_NOMEM(&err)) {
				fprintf(stderr, "%s: out of memory\n", prog);
				ret = 2;
			} else {
				report_load_error(&m, img, len, &err);
			}
			goto out;
		}
		snn_net_free(net);
	}
	ret = write_out(out, img, len);
out:
	if (f != stdin)
		fclose(f);
	free(line);
	free(img);
	snn_img_writer_free(m.w);
	for (i = 0; i < SNN_IMG_SEC_NONE; i++)
		free(m.sec[i].v);
	return ret;
}
