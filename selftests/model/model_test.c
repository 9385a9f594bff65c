// SPDX-License-Identifier: GPL-2.0
/*
 * Model tests: prove the QEMU snn board from inside the guest, before (and
 * without) any driver.  Registers are read through the sysfs resource0
 * mapping of BAR0.
 *
 *   model_test [--expect BDF PROPS]...
 *
 * Each --expect names a board by PCI address and the QEMU properties it was
 * created with, in -device syntax, e.g.
 *
 *   --expect 0000:01:00.0 snn-pci,id=snn0
 *   --expect 0000:02:00.0 clusters=2,cores=4,neurons=512,routers=1,board-id=2
 *
 * so a runner can pass exactly what it configured.  Properties not given
 * take the model's defaults; a leading driver name and id/bus/addr are
 * ignored.  Without --expect, every board found is checked for its PCI
 * identity and the topology tests are skipped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kselftest_harness.h"
#include "snn_pci_util.h"

/* QEMU properties of snn-pci and the defaults of the board design. */
enum prop {
	P_CLUSTERS, P_CORES, P_NEURONS, P_AXONS, P_SYNAPSES, P_FANOUT,
	P_PROFILES, P_ROUTERS, P_RMASK0, P_RMASK1, P_RMASK2, P_RMASK3,
	P_IN_QUEUES, P_OUT_QUEUES, P_QUEUE_LOG2, P_ROUTE_ENTRIES,
	P_ROUTE_DELAY, P_ROUTE_FIFO, P_BOARD_ID, P_REVISION, P_RATED_EPS,
	P_RATED_SPS, P_FAULT_INJECTION, P_LOAD_SG, P_RUN_FRESH, P_NUM
};

static const struct {
	const char *name;
	uint32_t def;
	int reg;		/* register that shows it directly, or -1 */
} props[P_NUM] = {
	[P_CLUSTERS]	   = { "clusters",	    4,	      SNN_REG_N_CLUSTERS },
	[P_CORES]	   = { "cores",		    8,	      SNN_REG_CORES },
	[P_NEURONS]	   = { "neurons",	    1024,     SNN_REG_NEURONS },
	[P_AXONS]	   = { "axons",		    4096,     SNN_REG_AXONS },
	[P_SYNAPSES]	   = { "synapses",	    65536,    SNN_REG_SYNAPSES },
	[P_FANOUT]	   = { "fanout",	    4096,     SNN_REG_FANOUT },
	[P_PROFILES]	   = { "profiles",	    64,	      SNN_REG_PROFILES },
	[P_ROUTERS]	   = { "routers",	    2,	      SNN_REG_N_ROUTERS },
	[P_RMASK0]	   = { "rmask0",	    0,	      -1 },
	[P_RMASK1]	   = { "rmask1",	    0,	      -1 },
	[P_RMASK2]	   = { "rmask2",	    0,	      -1 },
	[P_RMASK3]	   = { "rmask3",	    0,	      -1 },
	[P_IN_QUEUES]	   = { "in-queues",	    4,	      -1 },
	[P_OUT_QUEUES]	   = { "out-queues",	    4,	      -1 },
	[P_QUEUE_LOG2]	   = { "queue-log2",	    16,	      SNN_REG_QUEUE_LOG2 },
	[P_ROUTE_ENTRIES]  = { "route-entries",	    16384,    SNN_REG_ROUTE_ENTRIES },
	[P_ROUTE_DELAY]	   = { "route-delay",	    1,	      SNN_REG_ROUTE_DELAY },
	[P_ROUTE_FIFO]	   = { "route-fifo",	    65536,    -1 },
	[P_BOARD_ID]	   = { "board-id",	    1,	      SNN_REG_BOARD_ID },
	[P_REVISION]	   = { "revision",	    1,	      SNN_REG_REVISION },
	[P_RATED_EPS]	   = { "rated-eps",	    50000000, SNN_REG_RATED_EPS },
	[P_RATED_SPS]	   = { "rated-sps",	    20000000, SNN_REG_RATED_SPS },
	[P_FAULT_INJECTION] = { "x-fault-injection", 0,	      -1 },
	[P_LOAD_SG]	   = { "load-sg",	    1,	      -1 },
	[P_RUN_FRESH]	   = { "run-fresh",	    1,	      -1 },
};

/* -device keys that are not board properties */
static const char *const ignored_keys[] = {
	"id", "bus", "addr", "multifunction", "rombar", "romfile",
	"failover_pair_id", "x-pcie-lnksta-dllla", "x-pcie-extcap-init",
};

struct expect {
	char bdf[SNN_BDF_LEN];
	uint32_t v[P_NUM];
	char spec[512];
};

static struct expect expects[SNN_MAX_BOARDS];
static int n_expects;

static int parse_bool(const char *s, uint32_t *out)
{
	if (!strcasecmp(s, "on") || !strcasecmp(s, "true") ||
	    !strcasecmp(s, "yes") || !strcmp(s, "1")) {
		*out = 1;
		return 0;
	}
	if (!strcasecmp(s, "off") || !strcasecmp(s, "false") ||
	    !strcasecmp(s, "no") || !strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	return -1;
}

static int parse_props(struct expect *e, const char *spec)
{
	char *buf = strdup(spec), *save = NULL, *tok;
	int first = 1, ret = 0;
	size_t i;

	for (i = 0; i < P_NUM; i++)
		e->v[i] = props[i].def;
	snprintf(e->spec, sizeof(e->spec), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), first = 0) {
		char *eq = strchr(tok, '='), *end;
		unsigned long long val;
		int known = 0;

		if (!eq) {
			if (first || !strcmp(tok, "-") || !strcmp(tok, "defaults"))
				continue;	/* driver name */
			fprintf(stderr, "model_test: bad property '%s' in '%s'\n", tok, spec);
			ret = -1;
			break;
		}
		*eq++ = '\0';
		for (i = 0; i < ARRAY_SIZE(ignored_keys); i++)
			if (!strcmp(tok, ignored_keys[i]))
				known = 1;
		if (known)
			continue;
		for (i = 0; i < P_NUM; i++) {
			if (strcmp(tok, props[i].name))
				continue;
			known = 1;
			if (i == P_FAULT_INJECTION || i == P_LOAD_SG ||
			    i == P_RUN_FRESH) {
				if (parse_bool(eq, &e->v[i]))
					ret = -1;
			} else {
				val = strtoull(eq, &end, 0);
				if (*end || end == eq || val > UINT32_MAX)
					ret = -1;
				e->v[i] = (uint32_t)val;
			}
			if (ret)
				fprintf(stderr, "model_test: bad value '%s' for %s\n", eq, tok);
		}
		if (!known)
			printf("# model_test: property '%s' is not checked\n", tok);
		if (ret)
			break;
	}
	free(buf);
	return ret;
}

static uint32_t pow2_roundup(uint32_t x)
{
	uint32_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

/* Router r's expected cluster mask: rmaskN or [r*C/R, (r+1)*C/R). */
static uint32_t expected_rmask(const struct expect *e, unsigned int r)
{
	uint32_t c = e->v[P_CLUSTERS], n = e->v[P_ROUTERS], lo, hi;

	if (r >= n)
		return 0;
	if (e->v[P_RMASK0 + r])
		return e->v[P_RMASK0 + r];
	lo = r * c / n;
	hi = (r + 1) * c / n;
	return (uint32_t)(((1ull << hi) - 1) & ~((1ull << lo) - 1));
}

static uint32_t expected_features_mask(void)
{
	return SNN_FEAT_DOORBELL_BAR | SNN_FEAT_ROUTERS | SNN_FEAT_LOAD_SG |
	       SNN_FEAT_RUN_FRESH | SNN_FEAT_FAULT_INJECT;
}

static uint32_t expected_features(const struct expect *e)
{
	uint32_t f = SNN_FEAT_DOORBELL_BAR;

	if (e->v[P_ROUTERS])
		f |= SNN_FEAT_ROUTERS;
	if (e->v[P_LOAD_SG])
		f |= SNN_FEAT_LOAD_SG;
	if (e->v[P_RUN_FRESH])
		f |= SNN_FEAT_RUN_FRESH;
	if (e->v[P_FAULT_INJECTION])
		f |= SNN_FEAT_FAULT_INJECT;
	return f;
}

/* The register value for property i of a mapped board, or -1 if none. */
static long long reg_of(const struct snn_map *m, int i)
{
	uint32_t q;

	if (props[i].reg >= 0)
		return snn_rd(m, props[i].reg);
	switch (i) {
	case P_IN_QUEUES:
		q = snn_rd(m, SNN_REG_QUEUES);
		return SNN_QUEUES_IN(q);
	case P_OUT_QUEUES:
		q = snn_rd(m, SNN_REG_QUEUES);
		return SNN_QUEUES_OUT(q);
	case P_FAULT_INJECTION:
		return !!(snn_rd(m, SNN_REG_FEATURES) & SNN_FEAT_FAULT_INJECT);
	case P_LOAD_SG:
		return !!(snn_rd(m, SNN_REG_FEATURES) & SNN_FEAT_LOAD_SG);
	case P_RUN_FRESH:
		return !!(snn_rd(m, SNN_REG_FEATURES) & SNN_FEAT_RUN_FRESH);
	default:
		return -1;
	}
}

#define MAP_OR_FAIL(m, bdf) do {					\
	int __r = snn_map_bar0((bdf), (m));				\
	ASSERT_EQ(0, __r)						\
		TH_LOG("%s: cannot map BAR0 via resource0: %s",	\
		       (bdf), strerror(-__r));				\
} while (0)

/* (a) PCI identity in sysfs, and exactly the expected boards exist. */
TEST(pci_ids)
{
	char bdfs[SNN_MAX_BOARDS][SNN_BDF_LEN];
	int n, i;

	for (i = 0; i < n_expects; i++)
		TH_LOG("expecting board %s: %s", expects[i].bdf, expects[i].spec);
	n = snn_find_boards(bdfs, SNN_MAX_BOARDS);
	ASSERT_LE(1, n) TH_LOG("no %04x:%04x device in " SNN_SYSFS_PCI,
			       SNN_PCI_VENDOR_ID, SNN_PCI_DEVICE_ID);
	if (n_expects) {
		EXPECT_EQ(n_expects, n)
			TH_LOG("found %d boards, expected %d", n, n_expects);
		for (i = 0; i < n_expects; i++)
			EXPECT_TRUE(snn_is_board(expects[i].bdf))
				TH_LOG("%s is not an snn board", expects[i].bdf);
	}
	for (i = 0; i < n; i++) {
		unsigned long v = 0;

		ASSERT_EQ(0, snn_sysfs_read_ulong(bdfs[i], "class", &v));
		EXPECT_EQ((unsigned long)SNN_PCI_CLASS << 8, v)
			TH_LOG("%s: class 0x%06lx", bdfs[i], v);
		ASSERT_EQ(0, snn_sysfs_read_ulong(bdfs[i], "revision", &v));
		EXPECT_EQ(SNN_PCI_REVISION, v) TH_LOG("%s: revision %lu", bdfs[i], v);
		ASSERT_EQ(0, snn_sysfs_read_ulong(bdfs[i], "subsystem_vendor", &v));
		EXPECT_EQ(SNN_PCI_SUBSYS_VENDOR_ID, v);
		ASSERT_EQ(0, snn_sysfs_read_ulong(bdfs[i], "subsystem_device", &v));
		EXPECT_EQ(SNN_PCI_SUBSYS_ID, v);
	}
}

/* (f) BAR sizes and the MSI-X capability. */
TEST(bars_and_msix)
{
	int i;

	if (!n_expects)
		SKIP(return, "no --expect given");
	for (i = 0; i < n_expects; i++) {
		const struct expect *e = &expects[i];
		unsigned long long start = 0, size = 0, flags = 0;
		uint8_t cfg[256];
		unsigned int pos, guard = 0, msix = 0, pcie = 0;

		ASSERT_EQ(0, snn_bar_info(e->bdf, SNN_BAR_REGS, &start, &size, &flags));
		EXPECT_EQ(SNN_REGS_SIZE, size) TH_LOG("%s: BAR0 size 0x%llx", e->bdf, size);
		EXPECT_TRUE(flags & IORESOURCE_MEM_FLAG);
		EXPECT_FALSE(flags & IORESOURCE_MEM_64_FLAG)
			TH_LOG("%s: BAR0 should be a 32-bit BAR", e->bdf);

		ASSERT_EQ(0, snn_bar_info(e->bdf, SNN_BAR_DOORBELL, &start, &size, &flags));
		EXPECT_EQ((unsigned long long)pow2_roundup(e->v[P_CLUSTERS] * SNN_DB_PAGE_SIZE),
			  size)
			TH_LOG("%s: BAR2 size 0x%llx for %u clusters", e->bdf, size,
			       e->v[P_CLUSTERS]);
		EXPECT_TRUE(flags & IORESOURCE_MEM_FLAG);
		EXPECT_TRUE(flags & IORESOURCE_MEM_64_FLAG)
			TH_LOG("%s: BAR2 should be a 64-bit BAR", e->bdf);

		ASSERT_EQ(0, snn_bar_info(e->bdf, SNN_BAR_MSIX, &start, &size, &flags));
		EXPECT_NE(0, size) TH_LOG("%s: no BAR4 (MSI-X)", e->bdf);

		ASSERT_EQ(0, snn_config_read(e->bdf, 0, cfg, sizeof(cfg)));
		ASSERT_TRUE(cfg[0x06] & 0x10) TH_LOG("%s: no capability list", e->bdf);
		for (pos = cfg[0x34] & ~3u; pos && guard < 48; guard++) {
			if (cfg[pos] == 0x11)
				msix = pos;
			if (cfg[pos] == 0x10)
				pcie = pos;
			pos = cfg[pos + 1] & ~3u;
		}
		ASSERT_NE(0, msix) TH_LOG("%s: no MSI-X capability", e->bdf);
		{
			uint16_t ctl = cfg[msix + 2] | cfg[msix + 3] << 8;
			uint32_t tbl = cfg[msix + 4] | cfg[msix + 5] << 8 |
				       cfg[msix + 6] << 16 | (uint32_t)cfg[msix + 7] << 24;
			uint32_t pba = cfg[msix + 8] | cfg[msix + 9] << 8 |
				       cfg[msix + 10] << 16 | (uint32_t)cfg[msix + 11] << 24;

			EXPECT_EQ(e->v[P_CLUSTERS] + 1, (ctl & 0x7ffu) + 1)
				TH_LOG("%s: %u MSI-X vectors, expected clusters + 1",
				       e->bdf, (ctl & 0x7ffu) + 1);
			EXPECT_EQ(SNN_BAR_MSIX, tbl & 7);
			EXPECT_EQ(SNN_BAR_MSIX, pba & 7);
		}
		EXPECT_NE(0, pcie) TH_LOG("%s: not a PCI Express device", e->bdf);
		if (pcie)	/* device/port type 0: PCIe endpoint */
			EXPECT_EQ(0, (cfg[pcie + 2] >> 4) & 0xf);
	}
}

/* (b) identity registers */
TEST(magic_version)
{
	int i;

	if (!n_expects)
		SKIP(return, "no --expect given");
	for (i = 0; i < n_expects; i++) {
		struct snn_map m;
		uint32_t v;

		MAP_OR_FAIL(&m, expects[i].bdf);
		EXPECT_EQ(SNN_MAGIC, snn_rd(&m, SNN_REG_MAGIC))
			TH_LOG("%s: magic 0x%08x", m.bdf, snn_rd(&m, SNN_REG_MAGIC));
		v = snn_rd(&m, SNN_REG_VERSION);
		EXPECT_EQ(SNN_VERSION_MAJOR(SNN_IF_VERSION), SNN_VERSION_MAJOR(v))
			TH_LOG("%s: interface version 0x%08x", m.bdf, v);
		EXPECT_EQ(SNN_EVENT_SIZE, snn_rd(&m, SNN_REG_EVENT_SIZE));
		EXPECT_TRUE(snn_rd(&m, SNN_REG_BOARD_STATUS) & SNN_BOARD_STATUS_READY)
			TH_LOG("%s: board not READY", m.bdf);
		snn_unmap(&m);
	}
}

/* (b) the capability registers equal the configured topology */
TEST(topology)
{
	int i, p;

	if (!n_expects)
		SKIP(return, "no --expect given");
	for (i = 0; i < n_expects; i++) {
		const struct expect *e = &expects[i];
		struct snn_map m;
		uint32_t f;

		MAP_OR_FAIL(&m, e->bdf);
		for (p = 0; p < P_NUM; p++) {
			long long r = reg_of(&m, p);

			if (r < 0)
				continue;
			EXPECT_EQ(e->v[p], (uint32_t)r)
				TH_LOG("%s (%s): %s reads %lld, expected %u", e->bdf,
				       e->spec, props[p].name, r, e->v[p]);
		}
		EXPECT_EQ(e->v[P_SYNAPSES] * 24, snn_rd(&m, SNN_REG_SYN_MEM_BITS))
			TH_LOG("%s: synapse memory bits/core", e->bdf);
		f = snn_rd(&m, SNN_REG_FEATURES);
		EXPECT_EQ(expected_features(e), f & expected_features_mask())
			TH_LOG("%s: features 0x%08x", e->bdf, f);
		snn_unmap(&m);
	}
}

/* (c) boards with different properties show different values */
TEST(boards_differ)
{
	struct snn_map m[SNN_MAX_BOARDS];
	int i, j, p, compared = 0;

	if (n_expects < 2)
		SKIP(return, "needs two --expect boards");
	for (i = 0; i < n_expects; i++)
		MAP_OR_FAIL(&m[i], expects[i].bdf);
	for (i = 0; i < n_expects; i++) {
		for (j = i + 1; j < n_expects; j++) {
			for (p = 0; p < P_NUM; p++) {
				long long a = reg_of(&m[i], p), b = reg_of(&m[j], p);
				bool want_diff = expects[i].v[p] != expects[j].v[p];

				if (a < 0)
					continue;
				EXPECT_EQ(want_diff, a != b)
					TH_LOG("%s vs %s: %s %lld vs %lld", expects[i].bdf,
					       expects[j].bdf, props[p].name, a, b);
				compared += want_diff;
			}
		}
	}
	for (i = 0; i < n_expects; i++)
		snn_unmap(&m[i]);
	if (!compared)
		SKIP(return, "the --expect boards have identical properties");
}

/* (d) router cluster masks, in the global page and the router pages */
TEST(router_masks)
{
	int i;
	unsigned int r;

	if (!n_expects)
		SKIP(return, "no --expect given");
	for (i = 0; i < n_expects; i++) {
		const struct expect *e = &expects[i];
		uint32_t all = (uint32_t)((1ull << e->v[P_CLUSTERS]) - 1), seen = 0;
		struct snn_map m;

		MAP_OR_FAIL(&m, e->bdf);
		for (r = 0; r < SNN_MAX_ROUTERS; r++) {
			uint32_t want = expected_rmask(e, r);
			uint32_t got = snn_rd(&m, SNN_REG_ROUTER_CLUSTERS(r));

			EXPECT_EQ(want, got)
				TH_LOG("%s: router %u clusters 0x%x, expected 0x%x",
				       e->bdf, r, got, want);
			if (r >= e->v[P_ROUTERS])
				continue;
			seen |= got;
			EXPECT_EQ(want, snn_rd(&m, SNN_ROUTER_BASE(r) + SNN_RT_CLUSTERS))
				TH_LOG("%s: router page %u CLUSTERS", e->bdf, r);
			EXPECT_EQ(e->v[P_ROUTE_ENTRIES],
				  snn_rd(&m, SNN_ROUTER_BASE(r) + SNN_RT_CAPACITY));
			EXPECT_EQ(e->v[P_ROUTE_DELAY],
				  snn_rd(&m, SNN_ROUTER_BASE(r) + SNN_RT_DELAY));
			EXPECT_EQ(0, snn_rd(&m, SNN_ROUTER_BASE(r) + SNN_RT_COUNT))
				TH_LOG("%s: router %u has routes on a fresh board", e->bdf, r);
		}
		EXPECT_EQ(0, seen & ~all) TH_LOG("%s: router masks beyond clusters", e->bdf);
		snn_unmap(&m);
	}
}

/* (e) SCRATCH reads back what was written, independently per board */
TEST(scratch)
{
	static const uint32_t pat[] = {
		0xdeadbeef, 0x00000000, 0xffffffff, 0x12345678, 0xa5a55a5a,
	};
	struct snn_map m[SNN_MAX_BOARDS];
	uint32_t saved[SNN_MAX_BOARDS];
	unsigned int k;
	int i;

	if (!n_expects)
		SKIP(return, "no --expect given");
	for (i = 0; i < n_expects; i++) {
		MAP_OR_FAIL(&m[i], expects[i].bdf);
		saved[i] = snn_rd(&m[i], SNN_REG_SCRATCH);
	}
	for (k = 0; k < ARRAY_SIZE(pat); k++) {
		for (i = 0; i < n_expects; i++)
			snn_wr(&m[i], SNN_REG_SCRATCH, pat[k] ^ (uint32_t)i * 0x01010101u);
		for (i = 0; i < n_expects; i++)
			EXPECT_EQ(pat[k] ^ (uint32_t)i * 0x01010101u,
				  snn_rd(&m[i], SNN_REG_SCRATCH))
				TH_LOG("%s: scratch pattern %u", expects[i].bdf, k);
	}
	for (i = 0; i < n_expects; i++) {
		snn_wr(&m[i], SNN_REG_SCRATCH, saved[i]);
		snn_unmap(&m[i]);
	}
}

/* A fresh board: every cluster idle, nothing loaded, no error. */
TEST(clusters_idle)
{
	const uint32_t busy = SNN_CL_ST_LOADED | SNN_CL_ST_RUNNING |
			      SNN_CL_ST_LOADING | SNN_CL_ST_RESETTING | SNN_CL_ST_ERROR;
	unsigned int c;
	int i;

	if (!n_expects)
		SKIP(return, "no --expect given");
	for (i = 0; i < n_expects; i++) {
		struct snn_map m;

		MAP_OR_FAIL(&m, expects[i].bdf);
		EXPECT_EQ(0, snn_rd(&m, SNN_REG_ERR_STATUS));
		for (c = 0; c < expects[i].v[P_CLUSTERS]; c++) {
			uint32_t st = snn_rd(&m, SNN_CLUSTER_BASE(c) + SNN_CL_STATUS);

			EXPECT_EQ(0, st & busy)
				TH_LOG("%s: cluster %u status 0x%x", m.bdf, c, st);
			EXPECT_EQ(0, snn_rd(&m, SNN_CLUSTER_BASE(c) + SNN_CL_REMAINING));
			EXPECT_EQ(0, snn_rd(&m, SNN_CLUSTER_BASE(c) + SNN_CL_TIMESTEP));
		}
		snn_unmap(&m);
	}
}

/* what TEST_HARNESS_MAIN does besides main(): keep the tests in order */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: model_test [--expect BDF PROPS]... [harness options]\n"
		"  PROPS: the board's QEMU properties, e.g. clusters=2,board-id=2\n"
		"         (a leading driver name and id=/bus=/addr= are ignored;\n"
		"         '-' means all defaults)\n");
}

int main(int argc, char **argv)
{
	int i, out = 1;

	/* take our options out; leave the rest to the harness */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--expect")) {
			if (i + 2 >= argc) {
				usage();
				return 2;
			}
			if (n_expects == SNN_MAX_BOARDS) {
				fprintf(stderr, "model_test: too many --expect\n");
				return 2;
			}
			snprintf(expects[n_expects].bdf, SNN_BDF_LEN, "%.31s", argv[i + 1]);
			if (parse_props(&expects[n_expects], argv[i + 2])) {
				usage();
				return 2;
			}
			n_expects++;
			i += 2;
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return 0;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return test_harness_run(out, argv);
}
