// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko: network images larger than the page allocator's largest block.
 *
 * A board with SNN_FEAT_LOAD_SG (SNN_CAP_LOAD_SG) reads the image through a
 * scatter-gather list of pages (docs/hardware.md 6.10), so a legitimate
 * one-cluster network of about 4.2 MiB (8 cores x 1024 neurons, 64
 * synapses per axon, a fan-out ring through the cores) loads and runs;
 * its output is compared event for event with the reference engine run
 * here in the guest.  A board without the feature (QEMU load-sg=off) uses
 * the contiguous buffer: small networks load and run as before, the big
 * one fails with -ENOMEM and nothing in the kernel log.
 *
 *   load_sg_test [--board BUS] [--props PROPS]
 *
 * Board: --board BUS, else the first board with 8 cores of 1024 neurons.
 * PROPS are the board's QEMU properties: "load-sg=off" in them means the
 * board must not report SNN_CAP_LOAD_SG, else it must.
 */
#include "snn_test_lib.h"

#include "kselftest_harness.h"
#include "../model/model_ref.h"

#define BIG_CORES	8
#define BIG_NPC		1024
#define BIG_APC		1024
#define BIG_FAN_IN	64	/* synapses per axon: 65536 per core */
#define BIG_VTH		10	/* fires above 10 units of weight */
#define BIG_STEPS	24
#define BIG_OUTQS	4

/* Both forms of one network: the uapi arrays and the device image. */
struct big {
	struct snnt_net net;
	struct snn_img_writer *w;
};

static void big_profile(struct big *b, uint16_t du, uint16_t dv, uint32_t vth)
{
	snnt_add_profile(&b->net, du, dv, vth, 0, 0);
	snn_img_add_profile(b->w, du, dv, vth, 0, 0);
}

static void big_neuron(struct big *b, uint8_t core, uint16_t idx, uint8_t outq)
{
	snnt_add_neuron(&b->net, core, idx, 0, SNN_NEURON_OUT, outq, 0);
	snn_img_add_neuron(b->w, core, idx, 0, SNN_NEURON_OUT, outq, 0);
}

static void big_synapse(struct big *b, uint8_t core, uint16_t axon,
			uint16_t neuron, int8_t weight)
{
	snnt_add_synapse(&b->net, core, axon, neuron, weight);
	snn_img_add_synapse(b->w, core, axon, neuron, weight);
}

static void big_fanout(struct big *b, uint8_t sc, uint16_t sn, uint8_t dc,
		       uint16_t da)
{
	snnt_add_fanout(&b->net, sc, sn, dc, da);
	snn_img_add_fanout(b->w, sc, sn, dc, da);
}

/*
 * Axon a of each core drives neuron a with weight 20 (a spike) and 63
 * other neurons with weight -1..1 (never enough to fire); neuron i of core
 * c fans out to axon i of core c + 1, so an input spike circles through
 * the cores, one core per timestep.
 */
static void *big_build(struct big *b, size_t *len)
{
	uint32_t c, a, k;
	void *img;

	snnt_net_init(&b->net, BIG_CORES, BIG_NPC, BIG_APC);
	b->w = snn_img_writer_new(BIG_CORES, BIG_NPC, BIG_APC);
	if (!b->w)
		return NULL;
	big_profile(b, 4095, 4095, BIG_VTH);
	for (c = 0; c < BIG_CORES; c++) {
		for (a = 0; a < BIG_NPC; a++)
			big_neuron(b, c, a, a % BIG_OUTQS);
		for (a = 0; a < BIG_APC; a++) {
			big_synapse(b, c, a, a, 20);
			for (k = 1; k < BIG_FAN_IN; k++)
				big_synapse(b, c, a, (a + 16 * k + c) % BIG_NPC,
					    (int)((a + k) % 3) - 1);
		}
		for (a = 0; a < BIG_NPC; a++)
			big_fanout(b, c, a, (c + 1) % BIG_CORES, a);
	}
	img = snn_img_writer_build(b->w, len);
	snn_img_writer_free(b->w);
	b->w = NULL;
	return img;
}

/* The reference: the same engine as the model's, run here. */
static void ref_emit(void *ctx, uint64_t ev)
{
	snnt_evs_add(ctx, ev);
}

static int reference(const void *img, size_t len, const uint64_t *in,
		     size_t nin, struct snnt_evs *out)
{
	return model_ref_run(img, len, in, nin, BIG_STEPS, ref_emit, out);
}

static int want_sg(void)
{
	return !(snnt_opt.props && strstr(snnt_opt.props, "load-sg=off"));
}

FIXTURE(sg) {
	struct snnt_board b;
	int fd;
};

FIXTURE_SETUP(sg)
{
	self->fd = -1;
	ASSERT_EQ(0, snnt_pick_board(&self->b, 1, 0));
	if (!snnt_opt.board) {
		struct snnt_board all[SNNT_MAX_BOARDS];
		int i, n = snnt_boards(all, SNNT_MAX_BOARDS);

		/* the first board big enough for the 4 MiB network */
		for (i = 0; i < n; i++)
			if (all[i].info.cores >= BIG_CORES &&
			    all[i].info.neurons >= BIG_NPC &&
			    all[i].info.axons >= BIG_APC &&
			    all[i].info.synapses >= BIG_APC * BIG_FAN_IN &&
			    all[i].info.fanout >= BIG_NPC)
				break;
		ASSERT_LT(i, n) TH_LOG("no board with 8 cores of 1024 neurons");
		self->b = all[i];
	}
	EXPECT_EQ(want_sg(), !!(self->b.info.caps & SNN_CAP_LOAD_SG))
		TH_LOG("board %s: SNN_CAP_LOAD_SG is %s, its properties say %s",
		       self->b.info.bus_id,
		       self->b.info.caps & SNN_CAP_LOAD_SG ? "set" : "clear",
		       snnt_opt.props ? snnt_opt.props : "(none: load-sg=on)");
	self->fd = snnt_open(self->b.index, 0, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", snnt_errname(self->fd));
}

FIXTURE_TEARDOWN(sg)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Run @steps timesteps with @in queued; the sorted output into @out. */
static int run_collect(int fd, const uint64_t *in, size_t nin, uint32_t steps,
		       struct snnt_evs *out)
{
	struct snnt_queue qi, qo[BIG_OUTQS];
	int ret, k;

	memset(qo, 0, sizeof(qo));
	ret = snnt_queue_open(&qi, fd, SNN_QUEUE_IN, 0, 8);
	for (k = 0; k < BIG_OUTQS && !ret; k++)
		ret = snnt_queue_open(&qo[k], fd, SNN_QUEUE_OUT, k, 10);
	if (!ret && snnt_queue_push(&qi, in, nin) != (int)nin)
		ret = -ENOSPC;
	if (!ret)
		ret = snnt_run(fd, steps);
	if (!ret)
		ret = snnt_collect(fd, qo, BIG_OUTQS, out, 120 * SNNT_NS, NULL);
	snnt_evs_sort(out);
	snnt_queue_unmap(&qi);
	for (k = 0; k < BIG_OUTQS; k++)
		snnt_queue_unmap(&qo[k]);
	return ret;
}

/* A network over 4 MiB: loads and runs with SG, -ENOMEM without. */
TEST_F_TIMEOUT(sg, big_image, 600)
{
	static const uint64_t in[] = {
		SNN_EV_MAKE(0, 0, 5), SNN_EV_MAKE(0, 3, 700),
		SNN_EV_MAKE(3, 6, 1023),
	};
	struct snnt_evs got = { 0 }, want = { 0 };
	struct big b = { 0 };
	int kmsg = snnt_kmsg_open(), ret;
	size_t len, i;
	void *img = big_build(&b, &len);

	ASSERT_NE(NULL, img);
	ASSERT_LT(4u << 20, len) TH_LOG("image of %zu bytes", len);
	TH_LOG("image: %zu bytes", len);
	ret = snnt_load(self->fd, &b.net);
	if (!want_sg()) {
		static const char *const pats[] = {
			"WARNING", "page allocation failure", NULL,
		};

		EXPECT_EQ(-ENOMEM, ret) TH_LOG("LOAD: %s", snnt_errname(ret));
		if (kmsg >= 0)
			EXPECT_EQ(0, snnt_kmsg_grep(kmsg, pats));
		goto out;
	}
	ASSERT_EQ(0, ret) TH_LOG("LOAD: %s", snnt_errname(ret));
	ASSERT_EQ(0, reference(img, len, in, sizeof(in) / sizeof(in[0]),
			       &want));
	/* the ring: each input spike once per core and timestep */
	EXPECT_EQ(3 * BIG_STEPS - 3, want.n);
	ASSERT_EQ(0, run_collect(self->fd, in, sizeof(in) / sizeof(in[0]),
				 BIG_STEPS, &got));
	snnt_evs_sort(&want);
	ASSERT_EQ(want.n, got.n);
	for (i = 0; i < got.n; i++)
		ASSERT_EQ(want.ev[i], got.ev[i])
			TH_LOG("event %zu: t %u core %u neuron %u, expected t %u core %u neuron %u",
			       i, SNN_EV_TIMESTEP(got.ev[i]),
			       SNN_EV_CORE(got.ev[i]), SNN_EV_INDEX(got.ev[i]),
			       SNN_EV_TIMESTEP(want.ev[i]),
			       SNN_EV_CORE(want.ev[i]),
			       SNN_EV_INDEX(want.ev[i]));
out:
	if (kmsg >= 0)
		close(kmsg);
	snnt_evs_free(&got);
	snnt_evs_free(&want);
	snnt_net_free(&b.net);
	free(img);
}

/* Small networks, either path: a spike goes through, loads repeat. */
TEST_F(sg, small_images)
{
	uint32_t sizes[] = { 1, 200, 600 }, k;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct snnt_net net;
		struct snnt_queue qi, qo;
		uint64_t ev = SNN_EV_MAKE(0, 0, sizes[k] - 1), out[4];
		int n;

		/* 600 neurons: 64 + 16 + 8 * 1200 bytes, more than 2 pages */
		snnt_relay_net(&net, sizes[k], 1, 0);
		ASSERT_EQ(0, snnt_load(self->fd, &net));
		ASSERT_EQ(0, snnt_queue_open(&qi, self->fd, SNN_QUEUE_IN, 0, 4));
		ASSERT_EQ(0, snnt_queue_open(&qo, self->fd, SNN_QUEUE_OUT, 0,
					     4));
		ASSERT_EQ(1, snnt_queue_push(&qi, &ev, 1));
		ASSERT_EQ(0, snnt_run(self->fd, 2));
		ASSERT_EQ(0, snnt_wait(self->fd, 30 * SNNT_NS, 0, NULL));
		n = snnt_queue_drain(&qo, out, 4);
		EXPECT_EQ(1, n);
		if (n == 1)
			EXPECT_EQ(ev, out[0]);
		snnt_queue_unmap(&qi);
		snnt_queue_unmap(&qo);
		snnt_net_free(&net);
		/* closing frees the queues for the next round */
		close(self->fd);
		self->fd = snnt_open(self->b.index, 0, O_RDWR);
		ASSERT_LE(0, self->fd);
	}
}

SNNT_MAIN()
