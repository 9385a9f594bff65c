/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the driver tests (selftests/driver/: the tests, bench.c):
 * finding boards and their nodes, sysfs and debugfs, ioctls, building
 * networks (from arrays or from snn-mkimg's text format), queues, running
 * and collecting output, and children that touch mappings.
 *
 * Everything is static; each test program includes this once.  Functions
 * return 0 or a negative errno unless they say otherwise, and never call
 * the harness's ASSERT_*() (so they can run in forked children).
 *
 * Common command line of every test program (SNNT_MAIN()):
 *   --board BUS    the board to test (PCI address of /dev/snnX, e.g.
 *                  0000:01:00.0); default: chosen by each test
 *   --ref DIR      run_test: the gen-reference.sh files (default /ref)
 *   --id ID --bus PORT --props PROPS
 *                  unplug_test: the QEMU device id, root port and the
 *                  device properties to plug it back with
 * Unknown options are passed to the harness.
 */
#ifndef SNN_TEST_LIB_H
#define SNN_TEST_LIB_H

#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/snn.h>
#include "snn_hw.h"

#define SNNT_UNUSED	__attribute__((unused))
#define SNNT_NS		1000000000LL
#define SNNT_MAX_BOARDS	16

/* ---- options ------------------------------------------------------------- */

struct snnt_opts {
	const char *board;	/* --board BUS, or board-id=N */
	const char *ref;	/* --ref DIR */
	const char *id;		/* --id ID */
	const char *bus;	/* --bus PORT */
	const char *props;	/* --props PROPS */
	const char *device;	/* --device DEVICE: a whole -device string */
	const char *cycles;	/* --cycles N */
	const char *transport;	/* --transport pci|usb: only those boards */
};

static struct snnt_opts snnt_opt = { .ref = "/ref" };

/* Parse our options, leave the rest (argv[0] first) for the harness. */
static SNNT_UNUSED int snnt_parse_opts(int argc, char **argv)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		const char **dst = NULL;

		if (!strcmp(argv[i], "--board"))
			dst = &snnt_opt.board;
		else if (!strcmp(argv[i], "--ref"))
			dst = &snnt_opt.ref;
		else if (!strcmp(argv[i], "--id"))
			dst = &snnt_opt.id;
		else if (!strcmp(argv[i], "--bus"))
			dst = &snnt_opt.bus;
		else if (!strcmp(argv[i], "--props"))
			dst = &snnt_opt.props;
		else if (!strcmp(argv[i], "--transport"))
			dst = &snnt_opt.transport;
		else if (!strcmp(argv[i], "--device"))
			dst = &snnt_opt.device;
		else if (!strcmp(argv[i], "--cycles"))
			dst = &snnt_opt.cycles;
		if (dst && i + 1 < argc) {
			*dst = argv[++i];
			continue;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

/* The harness's main, after our options. */
#define SNNT_MAIN()							\
	int main(int argc, char **argv)					\
	{								\
		setvbuf(stdout, NULL, _IOLBF, 0);			\
		argc = snnt_parse_opts(argc, argv);			\
		return test_harness_run(argc, argv);			\
	}

/* ---- small utilities -------------------------------------------------------- */

static SNNT_UNUSED int64_t snnt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SNNT_NS + ts.tv_nsec;
}

static SNNT_UNUSED int snnt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* The same ioctl number with another struct size (ABI size tests). */
#define SNNT_IOC_RESIZE(cmd, size) \
	_IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), (size))

static SNNT_UNUSED const char *snnt_errname(int err)
{
	static char buf[32];

	switch (err < 0 ? -err : err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	case ENODEV: return "ENODEV";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EXDEV: return "EXDEV";
	case EIO: return "EIO";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case ENODATA: return "ENODATA";
	case EOVERFLOW: return "EOVERFLOW";
	}
	snprintf(buf, sizeof(buf), "errno %d", err < 0 ? -err : err);
	return buf;
}

/* Read a whole small file into buf (NUL-terminated, trailing \n cut). */
static SNNT_UNUSED int snnt_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static SNNT_UNUSED int snnt_write_file(const char *path, const char *s)
{
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* ---- boards and nodes ------------------------------------------------------ */

struct snnt_board {
	int index;		/* X of /dev/snnX */
	struct snn_info info;
};

/* "pci" or "usb": a board's transport as --transport names it. */
static SNNT_UNUSED const char *snnt_transport_name(const struct snn_info *in)
{
	return in->transport == SNN_TRANSPORT_USB ? "usb" : "pci";
}

/*
 * Every board that answers SNN_IOC_INFO, by index; with --transport only
 * the boards on that transport, so that the same tests run against PCIe
 * and USB boards.
 */
static SNNT_UNUSED int snnt_boards(struct snnt_board *b, int max)
{
	char path[64];
	int i, n = 0, fd;

	for (i = 0; i < 64 && n < max; i++) {
		snprintf(path, sizeof(path), "/dev/snn%d", i);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		memset(&b[n], 0, sizeof(b[n]));
		if (!snnt_ioctl(fd, SNN_IOC_INFO, &b[n].info) &&
		    (!snnt_opt.transport ||
		     !strcmp(snnt_opt.transport,
			     snnt_transport_name(&b[n].info)))) {
			b[n].index = i;
			n++;
		}
		close(fd);
	}
	return n;
}

/*
 * The board to test: --board if given, else the first one that has at
 * least @min_clusters clusters and all of @caps; -ENODEV if none.
 */
static SNNT_UNUSED int snnt_pick_board(struct snnt_board *out,
				       unsigned int min_clusters, uint64_t caps)
{
	struct snnt_board b[SNNT_MAX_BOARDS];
	int i, n = snnt_boards(b, SNNT_MAX_BOARDS);

	for (i = 0; i < n; i++) {
		if (snnt_opt.board && strcmp(b[i].info.bus_id, snnt_opt.board))
			continue;
		if (b[i].info.clusters < min_clusters ||
		    (b[i].info.caps & caps) != caps)
			continue;
		*out = b[i];
		return 0;
	}
	return -ENODEV;
}

/* A board other than @not (for cross-board tests). */
static SNNT_UNUSED int snnt_other_board(const struct snnt_board *not,
					struct snnt_board *out)
{
	struct snnt_board b[SNNT_MAX_BOARDS];
	int i, n = snnt_boards(b, SNNT_MAX_BOARDS);

	for (i = 0; i < n; i++) {
		if (b[i].index != not->index) {
			*out = b[i];
			return 0;
		}
	}
	return -ENODEV;
}

/* The board at PCI address @bus, or -ENODEV. */
static SNNT_UNUSED int snnt_board_by_bus(const char *bus, struct snnt_board *out)
{
	struct snnt_board b[SNNT_MAX_BOARDS];
	int i, n = snnt_boards(b, SNNT_MAX_BOARDS);
	long id = -1;

	/* "board-id=N": the board whose SNN_IOC_INFO board_id is N */
	if (!strncmp(bus, "board-id=", 9))
		id = strtol(bus + 9, NULL, 0);
	for (i = 0; i < n; i++) {
		if (id >= 0 ? b[i].info.board_id == id :
		    !strcmp(b[i].info.bus_id, bus)) {
			*out = b[i];
			return 0;
		}
	}
	return -ENODEV;
}

/* Open /dev/snnX (unit < 0) or /dev/snnX.Y; the fd or -errno. */
static SNNT_UNUSED int snnt_open(int board, int unit, int flags)
{
	char path[64];
	int fd;

	if (unit < 0)
		snprintf(path, sizeof(path), "/dev/snn%d", board);
	else
		snprintf(path, sizeof(path), "/dev/snn%d.%d", board, unit);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Unit number of router @r of a board. */
static SNNT_UNUSED int snnt_router_unit(const struct snnt_board *b, int r)
{
	return b->info.clusters + r;
}

/* /sys/class/snn/snnX[.Y]/ATTR into buf. */
static SNNT_UNUSED int snnt_sysfs(int board, int unit, const char *attr,
				  char *buf, size_t len)
{
	char path[128];

	if (unit < 0)
		snprintf(path, sizeof(path), "/sys/class/snn/snn%d/%s", board,
			 attr);
	else
		snprintf(path, sizeof(path), "/sys/class/snn/snn%d.%d/%s",
			 board, unit, attr);
	return snnt_read_file(path, buf, len);
}

/* A numeric sysfs attribute, or -1 if unreadable. */
static SNNT_UNUSED long long snnt_sysfs_num(int board, int unit,
					    const char *attr)
{
	char buf[64];

	if (snnt_sysfs(board, unit, attr, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

/* Write @val to /sys/kernel/debug/snn/snnX/KNOB. */
static SNNT_UNUSED int snnt_fault(int board, const char *knob, uint32_t val)
{
	char path[96], v[32];

	snprintf(path, sizeof(path), "/sys/kernel/debug/snn/snn%d/%s", board,
		 knob);
	snprintf(v, sizeof(v), "%u", val);
	return snnt_write_file(path, v);
}

/* The module parameter hang_timeout_ms (-errno if unreadable). */
static SNNT_UNUSED long snnt_hang_timeout(long set)
{
	const char *p = "/sys/module/snn/parameters/hang_timeout_ms";
	char buf[32];
	long old;
	int ret = snnt_read_file(p, buf, sizeof(buf));

	if (ret)
		return ret;
	old = strtol(buf, NULL, 0);
	if (set >= 0) {
		snprintf(buf, sizeof(buf), "%ld", set);
		ret = snnt_write_file(p, buf);
		if (ret)
			return ret;
	}
	return old;
}

/* ---- networks ---------------------------------------------------------------- */

struct snnt_net {
	uint32_t cores, npc, apc;
	struct snn_profile *prof;
	struct snn_neuron *nrn;
	struct snn_synapse *syn;
	struct snn_fanout *fo;
	uint32_t n_prof, n_nrn, n_syn, n_fo;
	uint32_t c_prof, c_nrn, c_syn, c_fo;
};

static SNNT_UNUSED void snnt_net_init(struct snnt_net *n, uint32_t cores,
				      uint32_t npc, uint32_t apc)
{
	memset(n, 0, sizeof(*n));
	n->cores = cores;
	n->npc = npc;
	n->apc = apc;
}

static SNNT_UNUSED void snnt_net_free(struct snnt_net *n)
{
	free(n->prof);
	free(n->nrn);
	free(n->syn);
	free(n->fo);
	memset(n, 0, sizeof(*n));
}

static void *snnt_grow(void *p, uint32_t *cap, uint32_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	p = realloc(p, *cap * size);
	if (!p) {
		perror("realloc");
		exit(2);
	}
	return p;
}

static SNNT_UNUSED void snnt_add_profile(struct snnt_net *n, uint16_t du,
					 uint16_t dv, uint32_t vth,
					 int16_t bias_mant, int8_t bias_exp)
{
	struct snn_profile *p;

	n->prof = snnt_grow(n->prof, &n->c_prof, n->n_prof, sizeof(*p));
	p = &n->prof[n->n_prof++];
	memset(p, 0, sizeof(*p));
	p->du = du;
	p->dv = dv;
	p->vth = vth;
	p->bias_mant = bias_mant;
	p->bias_exp = bias_exp;
}

static SNNT_UNUSED void snnt_add_neuron(struct snnt_net *n, uint8_t core,
					uint16_t index, uint8_t profile,
					uint8_t flags, uint8_t outq,
					int16_t bias_mant)
{
	struct snn_neuron *r;

	n->nrn = snnt_grow(n->nrn, &n->c_nrn, n->n_nrn, sizeof(*r));
	r = &n->nrn[n->n_nrn++];
	memset(r, 0, sizeof(*r));
	r->core = core;
	r->index = index;
	r->profile = profile;
	r->flags = flags;
	r->outq = outq;
	r->bias_mant = bias_mant;
}

static SNNT_UNUSED void snnt_add_synapse(struct snnt_net *n, uint8_t core,
					 uint16_t axon, uint16_t neuron,
					 int8_t weight)
{
	struct snn_synapse *s;

	n->syn = snnt_grow(n->syn, &n->c_syn, n->n_syn, sizeof(*s));
	s = &n->syn[n->n_syn++];
	memset(s, 0, sizeof(*s));
	s->core = core;
	s->axon = axon;
	s->neuron = neuron;
	s->weight = weight;
}

static SNNT_UNUSED void snnt_add_fanout(struct snnt_net *n, uint8_t src_core,
					uint16_t src_neuron, uint8_t dst_core,
					uint16_t dst_axon)
{
	struct snn_fanout *f;

	n->fo = snnt_grow(n->fo, &n->c_fo, n->n_fo, sizeof(*f));
	f = &n->fo[n->n_fo++];
	memset(f, 0, sizeof(*f));
	f->src_core = src_core;
	f->src_neuron = src_neuron;
	f->dst_core = dst_core;
	f->dst_axon = dst_axon;
}

/* A number in snn-mkimg's syntax: decimal or 0x hex, optional sign. */
static int snnt_num(const char *s, long long *v)
{
	const char *p = s;
	char *end;
	int neg = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return -1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		*v = strtoll(p + 2, &end, 16);
	else
		*v = strtoll(p, &end, 10);
	if (*end)
		return -1;
	if (neg)
		*v = -*v;
	return 0;
}

/*
 * Parse a network in snn-mkimg's text format (docs/engine.md) into @n.
 * Returns 0, or -EINVAL with a message "line N: ..." in err.
 */
static SNNT_UNUSED int snnt_net_parse(struct snnt_net *n, const char *text,
				      char *err, size_t errlen)
{
	const char *p = text;
	unsigned long line = 0;
	int have_geo = 0;

	memset(n, 0, sizeof(*n));
	while (*p) {
		char buf[512], *tok[16], *s, *save = NULL;
		long long v[16];
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int k = 0, i;

		line++;
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, p, len);
		buf[len] = 0;
		p = nl ? nl + 1 : p + strlen(p);
		s = strchr(buf, '#');
		if (s)
			*s = 0;
		for (s = strtok_r(buf, " \t\r", &save); s && k < 16;
		     s = strtok_r(NULL, " \t\r", &save))
			tok[k++] = s;
		if (!k)
			continue;
#define BAD(...) do {							\
		int o = snprintf(err, errlen, "line %lu: ", line);	\
		snprintf(err + o, errlen - o, __VA_ARGS__);		\
		return -EINVAL;						\
	} while (0)
		if (!strcmp(tok[0], "geometry")) {
			if (k != 4 || have_geo)
				BAD("bad geometry");
			for (i = 1; i < 4; i++)
				if (snnt_num(tok[i], &v[i]))
					BAD("bad number '%s'", tok[i]);
			snnt_net_init(n, v[1], v[2], v[3]);
			have_geo = 1;
			continue;
		}
		if (!have_geo)
			BAD("record before geometry");
		if (!strcmp(tok[0], "profile")) {
			if (k != 7)
				BAD("expected profile ID DU DV VTH BM BE");
			for (i = 1; i < 7; i++)
				if (snnt_num(tok[i], &v[i]))
					BAD("bad number '%s'", tok[i]);
			if (v[1] != n->n_prof)
				BAD("profile %lld out of order", v[1]);
			snnt_add_profile(n, v[2], v[3], v[4], v[5], v[6]);
		} else if (!strcmp(tok[0], "neuron")) {
			long long q = 0, bias = 0;
			unsigned int flags = 0;

			if (k < 4)
				BAD("expected neuron CORE INDEX PROFILE ...");
			for (i = 1; i < 4; i++)
				if (snnt_num(tok[i], &v[i]))
					BAD("bad number '%s'", tok[i]);
			for (i = 4; i < k; i++) {
				if (!strcmp(tok[i], "out")) {
					flags |= SNN_NEURON_OUT;
					if (i + 1 < k && strcmp(tok[i + 1], "bias") &&
					    snnt_num(tok[++i], &q))
						BAD("bad queue '%s'", tok[i]);
				} else if (!strcmp(tok[i], "bias") && i + 1 < k) {
					flags |= SNN_NEURON_BIAS;
					if (snnt_num(tok[++i], &bias))
						BAD("bad bias '%s'", tok[i]);
				} else {
					BAD("unexpected '%s'", tok[i]);
				}
			}
			snnt_add_neuron(n, v[1], v[2], v[3], flags, q, bias);
		} else if (!strcmp(tok[0], "synapse")) {
			if (k != 5)
				BAD("expected synapse CORE AXON NEURON WEIGHT");
			for (i = 1; i < 5; i++)
				if (snnt_num(tok[i], &v[i]))
					BAD("bad number '%s'", tok[i]);
			snnt_add_synapse(n, v[1], v[2], v[3], v[4]);
		} else if (!strcmp(tok[0], "fanout")) {
			if (k != 5)
				BAD("expected fanout SC SN DC DA");
			for (i = 1; i < 5; i++)
				if (snnt_num(tok[i], &v[i]))
					BAD("bad number '%s'", tok[i]);
			snnt_add_fanout(n, v[1], v[2], v[3], v[4]);
		} else {
			BAD("unknown record '%s'", tok[0]);
		}
#undef BAD
	}
	if (!have_geo) {
		snprintf(err, errlen, "no geometry");
		return -EINVAL;
	}
	return 0;
}

/* Read a whole file (malloc'ed, NUL-terminated) or NULL. */
static SNNT_UNUSED char *snnt_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf) {
				fclose(f);
				return NULL;
			}
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (!n)
			break;
	}
	fclose(f);
	buf[len] = 0;
	return buf;
}

static SNNT_UNUSED void snnt_load_req(const struct snnt_net *n,
				      struct snn_load *l)
{
	memset(l, 0, sizeof(*l));
	l->n_cores = n->cores;
	l->neurons_per_core = n->npc;
	l->axons_per_core = n->apc;
	l->n_profiles = n->n_prof;
	l->n_neurons = n->n_nrn;
	l->n_synapses = n->n_syn;
	l->n_fanout = n->n_fo;
	l->profiles = (uintptr_t)n->prof;
	l->neurons = (uintptr_t)n->nrn;
	l->synapses = (uintptr_t)n->syn;
	l->fanout = (uintptr_t)n->fo;
}

static SNNT_UNUSED int snnt_load(int fd, const struct snnt_net *n)
{
	struct snn_load l;
	int ret;

	snnt_load_req(n, &l);
	ret = snnt_ioctl(fd, SNN_IOC_LOAD, &l);
	if (ret)
		fprintf(stderr,
			"# SNN_IOC_LOAD: %s (section %u index %u field %u limit %u)\n",
			snnt_errname(ret), l.err_section, l.err_index,
			l.err_field, l.err_limit);
	return ret;
}

/*
 * A "relay" network on one core: neuron i fires in exactly the timesteps
 * in which axon i gets an event (du = dv = 4095, vth = 0, weight 1), and
 * reports to output queue i % @outqs.  With @chain, neuron i also fans out
 * to axon i + 1 (so an event on axon i makes neurons i, i+1, ... fire in
 * consecutive timesteps, up to neuron n - 1).
 */
static SNNT_UNUSED void snnt_relay_net(struct snnt_net *net, uint32_t n,
				       uint32_t outqs, int chain)
{
	uint32_t i;

	snnt_net_init(net, 1, n, n);
	snnt_add_profile(net, 4095, 4095, 0, 0, 0);
	for (i = 0; i < n; i++) {
		snnt_add_neuron(net, 0, i, 0, outqs ? SNN_NEURON_OUT : 0,
				outqs ? i % outqs : 0, 0);
		snnt_add_synapse(net, 0, i, i, 1);
		if (chain && i + 1 < n)
			snnt_add_fanout(net, 0, i, 0, i + 1);
	}
}

/* ---- queues ------------------------------------------------------------------- */

struct snnt_queue {
	int fd;
	struct snn_queue_create qc;
	uint8_t *map;
	volatile uint32_t *wb;		/* the device's index */
	volatile uint64_t *ring;
	uint32_t host;			/* our index: prod (in) or cons (out) */
	volatile uint32_t *db;		/* mapped doorbell, or NULL: ioctl */
};

/* Create queue (@dir, @index) with 1 << @log2 entries and map it. */
static SNNT_UNUSED int snnt_queue_open(struct snnt_queue *q, int fd,
				       uint32_t dir, uint32_t index,
				       uint32_t log2)
{
	int ret;

	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->qc.dir = dir;
	q->qc.index = index;
	q->qc.depth_log2 = log2;
	ret = snnt_ioctl(fd, SNN_IOC_QUEUE_CREATE, &q->qc);
	if (ret)
		return ret;
	q->map = mmap(NULL, q->qc.mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, fd, q->qc.mmap_offset);
	if (q->map == MAP_FAILED) {
		q->map = NULL;
		return -errno;
	}
	q->wb = (volatile uint32_t *)(q->map + q->qc.wb_offset);
	q->ring = (volatile uint64_t *)(q->map + q->qc.ring_offset);
	return 0;
}

static SNNT_UNUSED void snnt_queue_unmap(struct snnt_queue *q)
{
	if (q->map)
		munmap(q->map, q->qc.mmap_size);
	q->map = NULL;
}

/* Hand our index to the device: mapped doorbell if set, else the ioctl. */
static SNNT_UNUSED int snnt_queue_ring(struct snnt_queue *q)
{
	struct snn_doorbell d = {
		.dir = q->qc.dir, .index = q->qc.index, .value = q->host,
	};

	if (q->db) {
		__sync_synchronize();
		*q->db = q->host;
		return 0;
	}
	return snnt_ioctl(q->fd, SNN_IOC_DOORBELL, &d);
}

/* Free input entries. */
static SNNT_UNUSED uint32_t snnt_queue_space(struct snnt_queue *q)
{
	return q->qc.entries - (q->host - *q->wb);
}

/*
 * Append up to @n events to an input queue, ring the doorbell once; returns
 * how many fitted.
 */
static SNNT_UNUSED int snnt_queue_push(struct snnt_queue *q, const uint64_t *ev,
				       uint32_t n)
{
	uint32_t space = snnt_queue_space(q), i, mask = q->qc.entries - 1;
	int ret;

	if (n > space)
		n = space;
	for (i = 0; i < n; i++)
		q->ring[(q->host + i) & mask] = ev[i];
	q->host += n;
	if (!n)
		return 0;
	ret = snnt_queue_ring(q);
	return ret ? ret : (int)n;
}

/* Events waiting in an output queue. */
static SNNT_UNUSED uint32_t snnt_queue_avail(struct snnt_queue *q)
{
	return *q->wb - q->host;
}

/* Take up to @max output events (NULL: drop them); returns how many. */
static SNNT_UNUSED int snnt_queue_drain(struct snnt_queue *q, uint64_t *ev,
					uint32_t max)
{
	uint32_t tail = *q->wb, mask = q->qc.entries - 1, n = tail - q->host;
	uint32_t i;
	int ret;

	__sync_synchronize();
	if (n > max)
		n = max;
	for (i = 0; i < n && ev; i++)
		ev[i] = q->ring[(q->host + i) & mask];
	q->host += n;
	if (!n)
		return 0;
	ret = snnt_queue_ring(q);
	return ret ? ret : (int)n;
}

/* ---- running ------------------------------------------------------------------ */

static SNNT_UNUSED int snnt_run(int fd, uint32_t steps)
{
	struct snn_run r = { .steps = steps };

	return snnt_ioctl(fd, SNN_IOC_RUN, &r);
}

static SNNT_UNUSED int snnt_wait(int fd, int64_t timeout_ns, uint32_t flags,
				 struct snn_wait *w)
{
	struct snn_wait tmp;

	if (!w)
		w = &tmp;
	memset(w, 0, sizeof(*w));
	w->timeout_ns = timeout_ns;
	w->flags = flags;
	return snnt_ioctl(fd, SNN_IOC_WAIT, w);
}

/*
 * A non-blocking SNN_IOC_WAIT every 10 ms until the cluster's state is
 * @state or @timeout_ns passes.  Returns the last WAIT's result; *w holds
 * its state (the caller checks w->state).
 */
static SNNT_UNUSED int snnt_wait_state(int fd, uint32_t state,
				       int64_t timeout_ns, struct snn_wait *w)
{
	int64_t end = snnt_now_ns() + timeout_ns;
	int ret;

	for (;;) {
		ret = snnt_wait(fd, 0, 0, w);
		if (w->state == state || snnt_now_ns() >= end)
			return ret;
		usleep(10000);
	}
}

static SNNT_UNUSED int snnt_counters(int fd, struct snn_counters *c)
{
	memset(c, 0, sizeof(*c));
	return snnt_ioctl(fd, SNN_IOC_COUNTERS, c);
}

static SNNT_UNUSED int snnt_reset(int fd, uint32_t flags)
{
	struct snn_reset r = { .flags = flags };

	return snnt_ioctl(fd, SNN_IOC_RESET, &r);
}

/* A growable event list. */
struct snnt_evs {
	uint64_t *ev;
	size_t n, cap;
};

static SNNT_UNUSED void snnt_evs_add(struct snnt_evs *e, uint64_t ev)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 1024;
		e->ev = realloc(e->ev, e->cap * sizeof(*e->ev));
		if (!e->ev) {
			perror("realloc");
			exit(2);
		}
	}
	e->ev[e->n++] = ev;
}

static SNNT_UNUSED void snnt_evs_free(struct snnt_evs *e)
{
	free(e->ev);
	memset(e, 0, sizeof(*e));
}

/* Output order: timestep, core, neuron. */
static int snnt_ev_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	uint64_t kx = (uint64_t)SNN_EVENT_TIMESTEP(x) << 24 |
		      (uint64_t)SNN_EVENT_CORE(x) << 16 | SNN_EVENT_INDEX(x);
	uint64_t ky = (uint64_t)SNN_EVENT_TIMESTEP(y) << 24 |
		      (uint64_t)SNN_EVENT_CORE(y) << 16 | SNN_EVENT_INDEX(y);

	return kx < ky ? -1 : kx > ky;
}

static SNNT_UNUSED void snnt_evs_sort(struct snnt_evs *e)
{
	qsort(e->ev, e->n, sizeof(*e->ev), snnt_ev_cmp);
}

/*
 * Drain every output queue of @q[0..nq) until the cluster is idle
 * (SNN_IOC_WAIT with SNN_WAIT_OUTPUT; the run must have been started):
 * into @out[i] for queue i if @per_queue, else all into @out[0] (@out may
 * be NULL).  Returns 0, or the failing WAIT's -errno (*w holds its state).
 */
static SNNT_UNUSED int snnt_collect_q(int fd, struct snnt_queue *q, int nq,
				      struct snnt_evs *out, int per_queue,
				      int64_t timeout_ns, struct snn_wait *w)
{
	uint64_t buf[256];
	int64_t end = snnt_now_ns() + timeout_ns;
	struct snn_wait tmp;
	int ret, i, k;

	if (!w)
		w = &tmp;
	for (;;) {
		int64_t left = end - snnt_now_ns();

		if (left <= 0)
			return -ETIMEDOUT;
		ret = snnt_wait(fd, left, SNN_WAIT_OUTPUT, w);
		for (i = 0; i < nq; i++) {
			struct snnt_evs *o = out ? &out[per_queue ? i : 0] :
					     NULL;

			while ((k = snnt_queue_drain(&q[i], buf, 256)) > 0) {
				int j;

				for (j = 0; j < k && o; j++)
					snnt_evs_add(o, buf[j]);
			}
			if (k < 0)
				return k;
		}
		if (ret)
			return ret;
		if (w->state == SNN_STATE_IDLE) {
			/* the last timestep's events are in before IDLE */
			for (i = 0; i < nq; i++)
				if (snnt_queue_avail(&q[i]))
					break;
			if (i == nq)
				return 0;
		}
	}
}

static SNNT_UNUSED int snnt_collect(int fd, struct snnt_queue *q, int nq,
				    struct snnt_evs *out, int64_t timeout_ns,
				    struct snn_wait *w)
{
	return snnt_collect_q(fd, q, nq, out, 0, timeout_ns, w);
}

/* "timestep neuron" lines of @e (flat neuron = core * npc + index). */
static SNNT_UNUSED char *snnt_evs_text(const struct snnt_evs *e, uint32_t npc)
{
	size_t cap = e->n * 24 + 1, len = 0, i;
	char *s = malloc(cap);

	if (!s)
		exit(2);
	s[0] = 0;
	for (i = 0; i < e->n; i++)
		len += snprintf(s + len, cap - len, "%u %u\n",
				SNN_EVENT_TIMESTEP(e->ev[i]),
				SNN_EVENT_CORE(e->ev[i]) * npc +
				SNN_EVENT_INDEX(e->ev[i]));
	return s;
}

/*
 * Input events from a "TIMESTEP AXON" file (flat axon = core * apc + axon);
 * -EINVAL with a message in err if malformed.
 */
static SNNT_UNUSED int snnt_parse_input(const char *text, uint32_t apc,
					struct snnt_evs *e, char *err,
					size_t errlen)
{
	const char *p = text;
	unsigned long line = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char buf[128], *s, *a, *b, *save = NULL;
		long long t, ax;

		line++;
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, p, len);
		buf[len] = 0;
		p = nl ? nl + 1 : p + strlen(p);
		s = strchr(buf, '#');
		if (s)
			*s = 0;
		a = strtok_r(buf, " \t\r", &save);
		if (!a)
			continue;
		b = strtok_r(NULL, " \t\r", &save);
		if (!b || strtok_r(NULL, " \t\r", &save) || snnt_num(a, &t) ||
		    snnt_num(b, &ax) || t < 0 || ax < 0) {
			snprintf(err, errlen, "line %lu: expected TIMESTEP AXON",
				 line);
			return -EINVAL;
		}
		snnt_evs_add(e, SNN_EVENT(t, ax / apc, ax % apc));
	}
	return 0;
}

/* ---- children ------------------------------------------------------------------- */

/*
 * A child that maps [@off, @off + @len) of @fd itself (mappings of snn
 * nodes are not inherited: VM_DONTCOPY), reports "mapped", waits for the
 * parent's go and then reads (and, with @do_write, writes) every page.
 * It exits 0 if nothing happened, 3 if mmap failed; a dead mapping kills
 * it with SIGBUS.
 */
struct snnt_toucher {
	pid_t pid;
	int go;		/* parent -> child */
};

static SNNT_UNUSED int snnt_toucher_start(struct snnt_toucher *t, int fd,
					  off_t off, size_t len, int do_write)
{
	int up[2], down[2];
	char c;

	if (pipe(up) || pipe(down))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		volatile uint8_t *m;
		size_t i;

		close(up[0]);
		close(down[1]);
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
		c = m == MAP_FAILED ? 'F' : 'M';
		if (write(up[1], &c, 1) != 1 || c == 'F')
			_exit(3);
		if (read(down[0], &c, 1) != 1)
			_exit(4);
		for (i = 0; i < len; i += 4096) {
			(void)m[i];
			if (do_write)
				m[i] = m[i];
		}
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	t->go = down[1];
	if (read(up[0], &c, 1) != 1 || c != 'M') {
		close(up[0]);
		waitpid(t->pid, NULL, 0);
		close(t->go);
		return -EIO;
	}
	close(up[0]);
	return 0;
}

/* Let the child touch its mapping; its wait status. */
static SNNT_UNUSED int snnt_toucher_finish(struct snnt_toucher *t)
{
	int st = 0;

	if (write(t->go, "g", 1) != 1)
		kill(t->pid, SIGKILL);
	close(t->go);
	waitpid(t->pid, &st, 0);
	return st;
}

static SNNT_UNUSED const char *snnt_status_str(int st)
{
	static char buf[64];

	if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)",
			 WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, sizeof(buf), "exit status %d", WEXITSTATUS(st));
	return buf;
}

/* ---- the kernel log ------------------------------------------------------------ */

/* An fd on /dev/kmsg positioned at the end (only new messages), or -errno. */
static SNNT_UNUSED int snnt_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Scan the messages since snnt_kmsg_open() for any of the NULL-terminated
 * @pats; print (with "# ") and count the matching lines.
 */
static SNNT_UNUSED int snnt_kmsg_grep(int fd, const char *const *pats)
{
	char rec[2048];
	int hits = 0;

	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		const char *msg;
		int i;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: go on with the next */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; pats[i]; i++) {
			if (strstr(msg, pats[i])) {
				printf("# kernel: %s", msg);
				hits++;
				break;
			}
		}
	}
	return hits;
}

/*
 * snnt_kmsg_grep() until a line matches or @timeout_ns passes: the driver
 * may log from a work item after the ioctl that saw the error returned
 * (over USB, reading the error registers takes control transfers).
 */
static SNNT_UNUSED int snnt_kmsg_wait(int fd, const char *const *pats,
				      int64_t timeout_ns)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t end = snnt_now_ns() + timeout_ns;
	int hits;

	while (!(hits = snnt_kmsg_grep(fd, pats))) {
		int64_t left = end - snnt_now_ns();

		if (left <= 0)
			break;
		poll(&p, 1, left / 1000000 + 1);
	}
	return hits;
}

#endif /* SNN_TEST_LIB_H */
