// SPDX-License-Identifier: GPL-2.0
/*
 * Spike files of `snnctl run`: the input reader and the output writer
 * (formats in spikes.h, docs/snnctl.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spikes.h"
#include "textutil.h"

int spk_parse_line(char *line, unsigned int n_parts, const uint32_t *n_axons,
		   struct spk_event *ev, char *err, size_t errlen)
{
	unsigned long long t, a, p = 0;
	char *tok[3];
	int k = txt_split(line, tok, 3);

	if (k == 0)
		return 0;
	if (k < 2 || k > 3) {
		snprintf(err, errlen, "expected 'TIMESTEP AXON'%s",
			 n_parts > 1 ? " or 'TIMESTEP AXON PART'" : "");
		return -1;
	}
	if (txt_parse_u(tok[0], UINT32_MAX, &t)) {
		snprintf(err, errlen, "timestep '%s' is not a number in 0..%u",
			 tok[0], UINT32_MAX);
		return -1;
	}
	if (k == 3 && (txt_parse_u(tok[2], UINT32_MAX, &p) || p >= n_parts)) {
		if (n_parts == 1)
			snprintf(err, errlen,
				 "part '%s' is not a part of the network (it has one part, 0)",
				 tok[2]);
		else
			snprintf(err, errlen,
				 "part '%s' is not a part of the network (0..%u)",
				 tok[2], n_parts - 1);
		return -1;
	}
	if (txt_parse_u(tok[1], UINT32_MAX, &a) || a >= n_axons[p]) {
		if (n_parts > 1)
			snprintf(err, errlen,
				 "axon '%s' is not a flat axon id of part %llu (0..%u)",
				 tok[1], p, n_axons[p] - 1);
		else
			snprintf(err, errlen,
				 "axon '%s' is not a flat axon id in 0..%u",
				 tok[1], n_axons[p] - 1);
		return -1;
	}
	ev->t = (uint32_t)t;
	ev->axon = (uint32_t)a;
	ev->part = (uint32_t)p;
	return 1;
}

void spk_reader_init(struct spk_reader *r, FILE *f, const char *name,
		     unsigned int n_parts, const uint32_t *n_axons)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (n_parts > SPK_MAX_PARTS)
		n_parts = SPK_MAX_PARTS;
	r->n_parts = n_parts;
	memcpy(r->n_axons, n_axons, n_parts * sizeof(*n_axons));
}

int spk_reader_open(struct spk_reader *r, const char *path,
		    unsigned int n_parts, const uint32_t *n_axons)
{
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "r");

	spk_reader_init(r, f, in ? "<stdin>" : path, n_parts, n_axons);
	if (!f) {
		int e = errno;

		snprintf(r->err, sizeof(r->err), "%s: %s", path, strerror(e));
		return -e;
	}
	r->own = !in;
	return 0;
}

int spk_reader_next(struct spk_reader *r, struct spk_event *ev)
{
	char msg[256];
	int ret;

	for (;;) {
		if (getline(&r->buf, &r->cap, r->f) < 0) {
			if (ferror(r->f)) {
				snprintf(r->err, sizeof(r->err),
					 "%s: read error: %s", r->name,
					 strerror(errno));
				return -2;
			}
			return 0;
		}
		r->line++;
		ret = spk_parse_line(r->buf, r->n_parts, r->n_axons, ev, msg,
				     sizeof(msg));
		if (ret < 0) {
			snprintf(r->err, sizeof(r->err), "%s:%lu: %s", r->name,
				 r->line, msg);
			return -1;
		}
		if (ret == 0)
			continue;
		if (r->prev_line && ev->t < r->prev_t) {
			snprintf(r->err, sizeof(r->err),
				 "%s:%lu: timestep %u is before timestep %u of line %lu (timesteps must not decrease)",
				 r->name, r->line, ev->t, r->prev_t,
				 r->prev_line);
			return -1;
		}
		r->prev_t = ev->t;
		r->prev_line = r->line;
		return 1;
	}
}

void spk_reader_close(struct spk_reader *r)
{
	if (r->own && r->f)
		fclose(r->f);
	r->f = NULL;
	free(r->buf);
	r->buf = NULL;
}

/* ---- Output ------------------------------------------------------------------ */

void spk_out_init(struct spk_out *o, FILE *f, unsigned int n_parts,
		  const uint32_t *npc)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	if (n_parts > SPK_MAX_PARTS)
		n_parts = SPK_MAX_PARTS;
	o->n_parts = n_parts;
	memcpy(o->npc, npc, n_parts * sizeof(*npc));
}

int spk_out_add(struct spk_out *o, unsigned int part, uint32_t t,
		unsigned int core, unsigned int neuron)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4096;
		struct spk_out_ev *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n].t = t;
	o->v[o->n].part = (uint16_t)part;
	o->v[o->n].core = (uint16_t)core;
	o->v[o->n].neuron = neuron;
	o->n++;
	return 0;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct spk_out_ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	if (x->core != y->core)
		return x->core < y->core ? -1 : 1;
	if (x->neuron != y->neuron)
		return x->neuron < y->neuron ? -1 : 1;
	return 0;
}

int spk_out_flush(struct spk_out *o, uint64_t upto)
{
	size_t i;

	if (!o->n)
		return 0;
	qsort(o->v, o->n, sizeof(*o->v), cmp_ev);
	for (i = 0; i < o->n && o->v[i].t < upto; i++) {
		const struct spk_out_ev *e = &o->v[i];
		unsigned long flat = (unsigned long)e->core *
				     (e->part < o->n_parts ? o->npc[e->part] : 0) +
				     e->neuron;

		if (o->n_parts > 1)
			fprintf(o->f, "%u %lu %u\n", e->t, flat, e->part);
		else
			fprintf(o->f, "%u %lu\n", e->t, flat);
	}
	o->written += i;
	memmove(o->v, o->v + i, (o->n - i) * sizeof(*o->v));
	o->n -= i;
	if (ferror(o->f))
		return errno ? -errno : -EIO;
	return 0;
}

void spk_out_free(struct spk_out *o)
{
	free(o->v);
	o->v = NULL;
	o->n = o->cap = 0;
}
