// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of libsnndev's networks: the builder and its argument checks,
 * board images, the network file format (every field check with its exact
 * message, truncation at every byte, the CRC, random mutations), and the
 * image checks against the neuron engine's loader (qemu-model/engine, the
 * reference for what the board accepts).  Built with ASan and UBSan.
 *
 *   test-libsnndev-net                 run the tests (TAP)
 *   test-libsnndev-net --write-seeds DIR
 *                                      write a seed corpus for the fuzzer
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snndev_internal.h"
#include "snn_engine.h"
#include "snn_hw.h"
#include "tap.h"

/* ---- Helpers -------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void fix_crc(uint8_t *b, size_t len)
{
	if (len < SNNDEV_NF_HDR_SIZE)
		return;
	snndev__put32(b + SNNDEV_NF_H_CRC32, 0);
	snndev__put32(b + SNNDEV_NF_H_CRC32, snndev__crc32(0, b, len));
}

/*
 * The base network:
 *   part 0: 2 cores x 4 neurons x 3 axons, 2 profiles, 4 neurons,
 *           4 synapses, 2 fan-out entries
 *   part 1: the example of docs/hardware.md 6.8 (1 x 2 x 2)
 *   3 routes
 * Its file (424 bytes): header 0x0, table 0x20 (3 entries), part 0 at
 * 0x50 (176 bytes: profiles 0x90, neurons 0xb0, synapses 0xd0, fan-out
 * 0xf0), part 1 at 0x100 (120 bytes), routes at 0x178 (48 bytes).
 */
static const struct snndev_profile base_prof[] = {
	{ .du = 410, .dv = 205, .vth = 50, .bias_mant = 3, .bias_exp = 2 },
	{ .du = 4095, .dv = 4095, .vth = 131071, .bias_mant = -4096,
	  .bias_exp = -7 },
};
static const struct snndev_neuron base_nrn[] = {
	{ .core = 0, .profile = 0, .index = 0 },
	{ .core = 0, .profile = 1, .index = 1, .flags = SNNDEV_NEURON_OUT,
	  .outq = 1 },
	{ .core = 1, .profile = 0, .index = 2, .flags = SNNDEV_NEURON_BIAS,
	  .bias_mant = -5 },
	{ .core = 1, .profile = 1, .index = 3,
	  .flags = SNNDEV_NEURON_OUT | SNNDEV_NEURON_BIAS, .outq = 7,
	  .bias_mant = 4095 },
};
static const struct snndev_synapse base_syn[] = {
	{ .core = 0, .axon = 0, .neuron = 0, .weight = 20 },
	{ .core = 0, .axon = 2, .neuron = 1, .weight = -128 },
	{ .core = 1, .axon = 1, .neuron = 2, .weight = 127 },
	{ .core = 1, .axon = 1, .neuron = 3, .weight = 1 },
};
static const struct snndev_fanout base_fo[] = {
	{ .src_core = 0, .dst_core = 1, .src_neuron = 0, .dst_axon = 2 },
	{ .src_core = 1, .dst_core = 0, .src_neuron = 3, .dst_axon = 0 },
};
static const struct snndev_profile ex_prof = {
	.du = 410, .dv = 205, .vth = 50, .bias_mant = 3, .bias_exp = 2,
};
static const struct snndev_neuron ex_nrn[] = {
	{ .core = 0, .profile = 0, .index = 0 },
	{ .core = 0, .profile = 0, .index = 1, .flags = SNNDEV_NEURON_OUT },
};
static const struct snndev_synapse ex_syn[] = {
	{ .core = 0, .axon = 0, .neuron = 0, .weight = 20 },
	{ .core = 0, .axon = 1, .neuron = 1, .weight = 100 },
};
static const struct snndev_fanout ex_fo = {
	.src_core = 0, .dst_core = 0, .src_neuron = 0, .dst_axon = 1,
};
static const struct snndev_route base_routes[] = {
	{ .src_part = 0, .dst_part = 1, .src_core = 0, .dst_core = 0,
	  .src_neuron = 1, .dst_axon = 1 },
	{ .src_part = 1, .dst_part = 0, .src_core = 0, .dst_core = 1,
	  .src_neuron = 1, .dst_axon = 2 },
	{ .src_part = 0, .dst_part = 0, .src_core = 1, .dst_core = 0,
	  .src_neuron = 3, .dst_axon = 0 },
};

/* docs/hardware.md 6.8, byte for byte */
static const uint8_t example_image[120] = {
	0x53, 0x4e, 0x4e, 0x49, 0x01, 0x00, 0x40, 0x00,
	0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x01, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	[0x40] = 0x9a, 0x01, 0xcd, 0x00, 0x32, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	[0x58] = 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	[0x60] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00,
	[0x68] = 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x64, 0x00,
	[0x70] = 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
};

static int add_example_part(struct snndev_net *net)
{
	int p = snndev_net_add_part(net, 1, 2, 2);

	if (p < 0 ||
	    snndev_net_add_profiles(net, (unsigned int)p, &ex_prof, 1) ||
	    snndev_net_add_neurons(net, (unsigned int)p, ex_nrn, 2) ||
	    snndev_net_add_synapses(net, (unsigned int)p, ex_syn, 2) ||
	    snndev_net_add_fanouts(net, (unsigned int)p, &ex_fo, 1))
		return -1;
	return p;
}

static struct snndev_net *base_net(void)
{
	struct snndev_net *net;

	if (snndev_net_new(&net))
		return NULL;
	if (snndev_net_add_part(net, 2, 4, 3) != 0 ||
	    snndev_net_add_profiles(net, 0, base_prof, 2) ||
	    snndev_net_add_neurons(net, 0, base_nrn, 4) ||
	    snndev_net_add_synapses(net, 0, base_syn, 4) ||
	    snndev_net_add_fanouts(net, 0, base_fo, 2) ||
	    add_example_part(net) != 1 ||
	    snndev_net_add_routes(net, base_routes, 3)) {
		printf("# base_net: %s\n", snndev_errmsg());
		snndev_net_free(net);
		return NULL;
	}
	return net;
}

static uint8_t *base_file(size_t *len)
{
	struct snndev_net *net = base_net();
	void *buf = NULL;

	if (!net || snndev_net_write_mem(net, &buf, len))
		buf = NULL;
	snndev_net_free(net);
	return buf;
}

#define BASE_LEN	0x1a8

/* Read a copy of the base file with n bytes at off replaced (CRC fixed). */
static int read_patched(size_t off, const void *bytes, size_t n, int fixcrc)
{
	struct snndev_net *net = NULL;
	size_t len;
	uint8_t *b = base_file(&len);
	int ret;

	if (!b)
		return -999;
	memcpy(b + off, bytes, n);
	if (fixcrc)
		fix_crc(b, len);
	ret = snndev_net_read_mem(b, len, &net);
	snndev_net_free(net);
	free(b);
	return ret;
}

static int patch8(size_t off, uint8_t v)
{
	return read_patched(off, &v, 1, 1);
}

static int patch16(size_t off, uint16_t v)
{
	uint8_t b[2];

	snndev__put16(b, v);
	return read_patched(off, b, 2, 1);
}

static int patch32(size_t off, uint32_t v)
{
	uint8_t b[4];

	snndev__put32(b, v);
	return read_patched(off, b, 4, 1);
}

/* A file from sections, laid out as the format requires (CRC fixed). */
struct tsec {
	uint16_t type, flags;
	const void *data;
	uint32_t size;
};

static uint8_t *assemble(const struct tsec *s, unsigned int n, size_t *lenp)
{
	size_t off = SNNDEV_NF_HDR_SIZE + SNNDEV_NF_ENTRY_SIZE * n, len = off;
	unsigned int i;
	uint8_t *b;

	for (i = 0; i < n; i++)
		len = ((len + 7) & ~(size_t)7) + s[i].size;
	b = calloc(1, len);
	snndev__put32(b + 0, SNNDEV_NF_MAGIC);
	snndev__put16(b + 4, 1);
	snndev__put16(b + 8, SNNDEV_NF_HDR_SIZE);
	snndev__put16(b + 10, SNNDEV_NF_ENTRY_SIZE);
	snndev__put32(b + 12, n);
	snndev__put32(b + 16, (uint32_t)len);
	for (i = 0; i < n; i++) {
		uint8_t *e = b + SNNDEV_NF_HDR_SIZE + SNNDEV_NF_ENTRY_SIZE * i;

		off = (off + 7) & ~(size_t)7;
		snndev__put16(e + 0, s[i].type);
		snndev__put16(e + 2, s[i].flags);
		snndev__put32(e + 8, (uint32_t)off);
		snndev__put32(e + 12, s[i].size);
		if (s[i].size)
			memcpy(b + off, s[i].data, s[i].size);
		off += s[i].size;
	}
	fix_crc(b, len);
	*lenp = len;
	return b;
}

static int read_buf(const uint8_t *b, size_t len)
{
	struct snndev_net *net = NULL;
	int ret = snndev_net_read_mem(b, len, &net);

	snndev_net_free(net);
	return ret;
}

/* write(read(b)) is stable: reading what was written gives the same bytes. */
static int check_stable(const struct snndev_net *net)
{
	struct snndev_net *n2 = NULL;
	void *b1 = NULL, *b2 = NULL;
	size_t l1, l2;
	int ok = 0;

	if (snndev_net_write_mem(net, &b1, &l1) ||
	    snndev_net_read_mem(b1, l1, &n2) ||
	    snndev_net_write_mem(n2, &b2, &l2))
		printf("# not stable: %s\n", snndev_errmsg());
	else
		ok = l1 == l2 && !memcmp(b1, b2, l1);
	free(b1);
	free(b2);
	snndev_net_free(n2);
	return ok;
}

/* ---- Builder and round trip -------------------------------------------------- */

static void test_crc32(void)
{
	CHECK_EQ(snndev__crc32(0, "123456789", 9), 0xcbf43926u);
	CHECK_EQ(snndev__crc32(0, "", 0), 0);
	/* in pieces, and the slicing path vs the byte path */
	CHECK_EQ(snndev__crc32(snndev__crc32(0, "1234", 4), "56789", 5),
		 0xcbf43926u);
	{
		uint8_t b[1000];
		uint32_t c = 0;
		size_t i;

		for (i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)(i * 7 + 3);
		for (i = 0; i < sizeof(b); i++)
			c = snndev__crc32(c, b + i, 1);
		CHECK_EQ(snndev__crc32(0, b, sizeof(b)), c);
	}
}

static void test_roundtrip(void)
{
	struct snndev_net *net = base_net(), *rd = NULL;
	unsigned int nc, npc, apc;
	size_t np, nn, ns, nf, len;
	void *buf = NULL;
	uint8_t *b;

	CHECK(net);
	if (!net)
		return;
	CHECK_EQ(snndev_net_write_mem(net, &buf, &len), 0);
	CHECK_EQ(len, BASE_LEN);
	b = buf;
	CHECK_EQ(snndev__le32(b), SNNDEV_NF_MAGIC);
	CHECK_EQ(snndev__le32(b + 12), 3);
	CHECK_EQ(snndev__le32(b + 16), BASE_LEN);
	CHECK_EQ(snndev__le32(b + 0x28), 0x50);	/* part 0 */
	CHECK_EQ(snndev__le32(b + 0x2c), 176);
	CHECK_EQ(snndev__le32(b + 0x38), 0x100);	/* part 1 */
	CHECK_EQ(snndev__le32(b + 0x3c), 120);
	CHECK_EQ(snndev__le16(b + 0x40), SNNDEV_NF_SEC_ROUTES);
	CHECK_EQ(snndev__le32(b + 0x48), 0x178);
	CHECK_EQ(snndev__le32(b + 0x4c), 48);
	CHECK(!memcmp(b + 0x100, example_image, sizeof(example_image)));

	CHECK_EQ(snndev_net_read_mem(buf, len, &rd), 0);
	CHECK_STR(snndev_errmsg(), snndev_errmsg());
	CHECK_EQ(snndev_net_num_parts(rd), 2);
	CHECK_EQ(snndev_net_part_info(rd, 0, &nc, &npc, &apc, &np, &nn, &ns,
				      &nf), 0);
	CHECK_EQ(nc, 2);
	CHECK_EQ(npc, 4);
	CHECK_EQ(apc, 3);
	CHECK_EQ(np, 2);
	CHECK_EQ(nn, 4);
	CHECK_EQ(ns, 4);
	CHECK_EQ(nf, 2);
	CHECK_EQ(snndev_net_part_info(rd, 1, &nc, NULL, NULL, NULL, &nn,
				      NULL, NULL), 0);
	CHECK_EQ(nc, 1);
	CHECK_EQ(nn, 2);
	CHECK_EQ(snndev_net_num_routes(rd), 3);
	CHECK(!memcmp(snndev_net_routes(rd), base_routes, sizeof(base_routes)));
	CHECK(rd && rd->parts[0].neurons[3].bias_mant == 4095);
	CHECK(check_stable(rd));
	/* a network read from a file can be extended */
	CHECK_EQ(snndev_net_add_neurons(rd, 1, &(struct snndev_neuron){
		.core = 0, .profile = 0, .index = 0 }, 1), -EINVAL);
	CHECK_EQ(snndev_net_add_routes(rd, &(struct snndev_route){
		.src_part = 1, .dst_part = 1, .src_neuron = 1 }, 1), 0);
	CHECK_EQ(snndev_net_add_routes(rd, &base_routes[1], 1), -EEXIST);
	CHECK(check_stable(rd));
	snndev_net_free(rd);
	free(buf);
	snndev_net_free(net);
}

static void test_part_image(void)
{
	struct snndev_net *net = base_net();
	struct snn_limits lim = {
		.cores = 8, .neurons_per_core = 1024, .axons_per_core = 4096,
		.synapses_per_core = 65536, .fanout_per_core = 4096,
		.profiles = 64, .out_queues = 8,
	};
	struct snn_img_error err;
	struct snn_net_info info;
	struct snn_net *en;
	void *img;
	size_t len;

	CHECK(net);
	if (!net)
		return;
	CHECK_EQ(snndev_net_part_image(net, 1, &img, &len), 0);
	CHECK_EQ(len, sizeof(example_image));
	CHECK(!memcmp(img, example_image, sizeof(example_image)));
	free(img);
	CHECK_EQ(snndev_net_part_image(net, 0, &img, &len), 0);
	CHECK_EQ(len, 176);
	/* the engine (the board's reference) loads it */
	CHECK_EQ(snn_net_load(img, len, &lim, &en, &err), 0);
	if (en) {
		snn_net_info(en, &info);
		CHECK_EQ(info.cores, 2);
		CHECK_EQ(info.neurons, 4);
		CHECK_EQ(info.synapses, 4);
		CHECK_EQ(info.fanout, 2);
		snn_net_free(en);
	}
	free(img);
	CHECK_ERR(snndev_net_part_image(net, 2, &img, &len), -EINVAL,
		  "snndev_net_part_image: part 2 does not exist (the network has 2 parts)");
	CHECK_ERR(snndev_net_part_image(net, 0, NULL, &len), -EINVAL,
		  "snndev_net_part_image: buf or len is NULL");
	snndev_net_free(net);
}

static void test_files(void)
{
	char dir[] = "/tmp/test-libsnndev-XXXXXX", path[400], bad[300];
	struct snndev_net *net = base_net(), *rd = NULL;
	int pfd[2], fd;
	void *buf;
	size_t len;
	pid_t pid;

	CHECK(net && mkdtemp(dir));
	if (!net)
		return;
	snprintf(path, sizeof(path), "%s/net.snnet", dir);
	CHECK_EQ(snndev_net_write_file(net, path), 0);
	CHECK_EQ(snndev_net_read_file(path, &rd), 0);
	CHECK(rd && check_stable(rd));
	snndev_net_free(rd);
	rd = NULL;

	/* messages name the file */
	{
		char want[600];
		uint32_t good, actual;
		uint8_t *t;

		snndev_net_write_mem(net, &buf, &len);
		good = snndev__le32((uint8_t *)buf + 20);
		((uint8_t *)buf)[0x90] ^= 1;		/* the CRC is not fixed */
		fd = open(path, O_WRONLY | O_TRUNC);
		CHECK_EQ(write(fd, buf, len), (long)len);
		close(fd);
		t = malloc(len);
		memcpy(t, buf, len);
		snndev__put32(t + 20, 0);
		actual = snndev__crc32(0, t, len);
		free(t);
		snprintf(want, sizeof(want),
			 "%s: header (offset 0x14): field 'crc32' is 0x%08x, but the file's CRC-32 is 0x%08x: the file is corrupt",
			 path, good, actual);
		CHECK_ERR(snndev_net_read_file(path, &rd), -EILSEQ, want);
		free(buf);
	}

	snprintf(bad, sizeof(bad), "%s/missing.snnet", dir);
	snprintf(path, sizeof(path), "%s: No such file or directory", bad);
	CHECK_ERR(snndev_net_read_file(bad, &rd), -ENOENT, path);
	CHECK(rd == NULL);
	snprintf(path, sizeof(path), "%s: Is a directory", dir);
	CHECK_ERR(snndev_net_read_file(dir, &rd), -EISDIR, path);
	snprintf(bad, sizeof(bad), "%s/no/such/dir.snnet", dir);
	snprintf(path, sizeof(path), "%s: No such file or directory", bad);
	CHECK_ERR(snndev_net_write_file(net, bad), -ENOENT, path);

	/* from a pipe (a stream, no size known) */
	CHECK_EQ(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		void *b;
		size_t l, i;

		close(pfd[0]);
		snndev_net_write_mem(net, &b, &l);
		for (i = 0; i < l; i += 7)	/* in small pieces */
			if (write(pfd[1], (uint8_t *)b + i, l - i < 7 ? l - i : 7) < 0)
				_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pfd[0]);
	CHECK_EQ(snndev_net_read_file(path, &rd), 0);
	CHECK(rd && check_stable(rd));
	snndev_net_free(rd);
	close(pfd[0]);
	waitpid(pid, NULL, 0);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK_EQ(system(path), 0);
	snndev_net_free(net);
}

static void test_builder_checks(void)
{
	struct snndev_net *net;
	struct snndev_profile p = { .du = 1 };
	struct snndev_neuron n[3];
	struct snndev_synapse s;
	struct snndev_fanout f;
	struct snndev_route r;
	void *vp;
	size_t nn;
	int i;

	CHECK_ERR(snndev_net_new(NULL), -EINVAL, "snndev_net_new: out is NULL");
	CHECK_EQ(snndev_net_new(&net), 0);
	CHECK_ERR(snndev_net_add_part(NULL, 1, 1, 1), -EINVAL,
		  "snndev_net_add_part: net is NULL");
	CHECK_ERR(snndev_net_add_part(net, 0, 1, 1), -EINVAL,
		  "snndev_net_add_part: field 'n_cores' is 0, must be 1..256");
	CHECK_ERR(snndev_net_add_part(net, 257, 1, 1), -EINVAL,
		  "snndev_net_add_part: field 'n_cores' is 257, must be 1..256");
	CHECK_ERR(snndev_net_add_part(net, 1, 65536, 1), -EINVAL,
		  "snndev_net_add_part: field 'neurons_per_core' is 65536, must be 1..65535");
	CHECK_ERR(snndev_net_add_part(net, 1, 1, 0), -EINVAL,
		  "snndev_net_add_part: field 'axons_per_core' is 0, must be 1..65535");
	CHECK_ERR(snndev_net_write_mem(net, &vp, &nn), -EINVAL,
		  "snndev_net_write: the network has no parts");
	CHECK_ERR(snndev_net_add_profiles(net, 0, &p, 1), -EINVAL,
		  "snndev_net_add_profiles: part 0 does not exist (the network has no parts)");
	CHECK_EQ(snndev_net_add_part(net, 2, 4, 3), 0);
	CHECK_ERR(snndev_net_add_profiles(net, 1, &p, 1), -EINVAL,
		  "snndev_net_add_profiles: part 1 does not exist (the network has 1 part)");
	CHECK_ERR(snndev_net_add_profiles(net, 0, NULL, 1), -EINVAL,
		  "snndev_net_add_profiles: the array is NULL");
	CHECK_EQ(snndev_net_add_profiles(net, 0, NULL, 0), 0);

	/* profiles: every field, and nothing of a failed call is added */
	{
		static const struct {
			struct snndev_profile p;
			const char *msg;
		} bad[] = {
			{ { .du = 4096 }, "field 'du' is 4096, must be 0..4095" },
			{ { .dv = 65535 }, "field 'dv' is 65535, must be 0..4095" },
			{ { .vth = 131072 }, "field 'vth' is 131072, must be 0..131071" },
			{ { .bias_mant = -4097 }, "field 'bias_mant' is -4097, must be -4096..4095" },
			{ { .bias_mant = 4096 }, "field 'bias_mant' is 4096, must be -4096..4095" },
			{ { .bias_exp = -8 }, "field 'bias_exp' is -8, must be -7..7" },
			{ { .bias_exp = 8 }, "field 'bias_exp' is 8, must be -7..7" },
		};
		struct snndev_profile two[2] = { { .du = 7 } };
		char want[200];
		size_t np;

		for (i = 0; i < (int)SNNDEV_ARRAY_SIZE(bad); i++) {
			two[1] = bad[i].p;
			snprintf(want, sizeof(want),
				 "snndev_net_add_profiles: part 0, entry 1 of this call: %s",
				 bad[i].msg);
			CHECK_ERR(snndev_net_add_profiles(net, 0, two, 2),
				  -EINVAL, want);
		}
		snndev_net_part_info(net, 0, NULL, NULL, NULL, &np, NULL,
				     NULL, NULL);
		CHECK_EQ(np, 0);
	}
	CHECK_EQ(snndev_net_add_profiles(net, 0, base_prof, 2), 0);

	/* neurons */
	{
		static const struct {
			struct snndev_neuron n;
			const char *msg;
		} bad[] = {
			{ { .core = 2 }, "field 'core' is 2, must be < 2 (n_cores)" },
			{ { .profile = 2 }, "field 'profile' is 2, must be < 2 (the part's profiles)" },
			{ { .index = 4 }, "field 'index' is 4, must be < 4 (neurons_per_core)" },
			{ { .flags = 0x84 }, "field 'flags' is 0x84, has unknown bits 0x84 (known: OUT 0x1, BIAS 0x2)" },
			{ { .flags = SNNDEV_NEURON_OUT, .outq = 8 }, "field 'outq' is 8, must be < 8" },
			{ { .outq = 1 }, "field 'outq' is 1, must be 0 without the OUT flag" },
			{ { .flags = SNNDEV_NEURON_BIAS, .bias_mant = -4097 }, "field 'bias_mant' is -4097, must be -4096..4095" },
			{ { .bias_mant = 1 }, "field 'bias_mant' is 1, must be 0 without the BIAS flag" },
			{ { .index = 1 }, "neuron (core 0, index 1) is defined twice" },
		};
		char want[200];

		n[0] = (struct snndev_neuron){ .core = 0, .index = 1 };
		n[1] = (struct snndev_neuron){ .core = 1, .index = 0 };
		for (i = 0; i < (int)SNNDEV_ARRAY_SIZE(bad); i++) {
			n[2] = bad[i].n;
			snprintf(want, sizeof(want),
				 "snndev_net_add_neurons: part 0, entry 2 of this call: %s",
				 bad[i].msg);
			CHECK_ERR(snndev_net_add_neurons(net, 0, n, 3), -EINVAL,
				  want);
		}
		/* the failed calls left nothing behind */
		snndev_net_part_info(net, 0, NULL, NULL, NULL, NULL, &nn,
				     NULL, NULL);
		CHECK_EQ(nn, 0);
		CHECK_EQ(snndev_net_add_neurons(net, 0, n, 2), 0);
		CHECK_ERR(snndev_net_add_neurons(net, 0, &n[1], 1), -EINVAL,
			  "snndev_net_add_neurons: part 0, entry 0 of this call: neuron (core 1, index 0) is defined twice");
	}

	/* synapses and fan-out */
	s = (struct snndev_synapse){ .core = 0, .axon = 0, .neuron = 1 };
	CHECK_EQ(snndev_net_add_synapses(net, 0, &s, 1), 0);
	s.neuron = 2;
	CHECK_ERR(snndev_net_add_synapses(net, 0, &s, 1), -EINVAL,
		  "snndev_net_add_synapses: part 0, entry 0 of this call: field 'neuron' is 2: neuron (core 0, index 2) is not defined");
	s = (struct snndev_synapse){ .core = 2 };
	CHECK_ERR(snndev_net_add_synapses(net, 0, &s, 1), -EINVAL,
		  "snndev_net_add_synapses: part 0, entry 0 of this call: field 'core' is 2, must be < 2 (n_cores)");
	s = (struct snndev_synapse){ .axon = 3 };
	CHECK_ERR(snndev_net_add_synapses(net, 0, &s, 1), -EINVAL,
		  "snndev_net_add_synapses: part 0, entry 0 of this call: field 'axon' is 3, must be < 3 (axons_per_core)");
	s = (struct snndev_synapse){ .neuron = 4 };
	CHECK_ERR(snndev_net_add_synapses(net, 0, &s, 1), -EINVAL,
		  "snndev_net_add_synapses: part 0, entry 0 of this call: field 'neuron' is 4, must be < 4 (neurons_per_core)");
	f = (struct snndev_fanout){ .src_core = 1, .src_neuron = 0,
				    .dst_core = 0, .dst_axon = 2 };
	CHECK_EQ(snndev_net_add_fanouts(net, 0, &f, 1), 0);
	f.dst_axon = 3;
	CHECK_ERR(snndev_net_add_fanouts(net, 0, &f, 1), -EINVAL,
		  "snndev_net_add_fanouts: part 0, entry 0 of this call: field 'dst_axon' is 3, must be < 3 (axons_per_core)");
	f = (struct snndev_fanout){ .src_core = 0, .src_neuron = 0 };
	CHECK_ERR(snndev_net_add_fanouts(net, 0, &f, 1), -EINVAL,
		  "snndev_net_add_fanouts: part 0, entry 0 of this call: field 'src_neuron' is 0: neuron (core 0, index 0) is not defined");
	f = (struct snndev_fanout){ .src_core = 2 };
	CHECK_ERR(snndev_net_add_fanouts(net, 0, &f, 1), -EINVAL,
		  "snndev_net_add_fanouts: part 0, entry 0 of this call: field 'src_core' is 2, must be < 2 (n_cores)");
	f = (struct snndev_fanout){ .dst_core = 2 };
	CHECK_ERR(snndev_net_add_fanouts(net, 0, &f, 1), -EINVAL,
		  "snndev_net_add_fanouts: part 0, entry 0 of this call: field 'dst_core' is 2, must be < 2 (n_cores)");
	f = (struct snndev_fanout){ .src_neuron = 4 };
	CHECK_ERR(snndev_net_add_fanouts(net, 0, &f, 1), -EINVAL,
		  "snndev_net_add_fanouts: part 0, entry 0 of this call: field 'src_neuron' is 4, must be < 4 (neurons_per_core)");

	/* routes */
	CHECK_EQ(snndev_net_add_part(net, 1, 2, 2), 1);
	r = (struct snndev_route){ .src_part = 0, .dst_part = 1,
				   .src_core = 1, .src_neuron = 3,
				   .dst_axon = 1 };
	CHECK_EQ(snndev_net_add_routes(net, &r, 1), 0);
	CHECK_ERR(snndev_net_add_routes(net, &r, 1), -EEXIST,
		  "snndev_net_add_routes: entry 0 of this call is the same route as route 0 of the network");
	{
		struct snndev_route rr[3] = {
			{ .src_part = 1, .dst_part = 0 },
			{ .src_part = 1, .dst_part = 0, .dst_axon = 2 },
			{ .src_part = 1, .dst_part = 0 },
		};

		CHECK_ERR(snndev_net_add_routes(net, rr, 3), -EEXIST,
			  "snndev_net_add_routes: entry 2 of this call is the same route as entry 0");
		CHECK_EQ(snndev_net_num_routes(net), 1);
		/* the rolled-back entries are not remembered */
		CHECK_EQ(snndev_net_add_routes(net, rr, 2), 0);
		CHECK_EQ(snndev_net_num_routes(net), 3);
	}
	{
		static const struct {
			struct snndev_route r;
			const char *msg;
		} bad[] = {
			{ { .src_part = 2 }, "field 'src_part' is 2, must be < 2 (the network's parts)" },
			{ { .dst_part = 9 }, "field 'dst_part' is 9, must be < 2 (the network's parts)" },
			{ { .src_part = 1, .src_core = 1 }, "field 'src_core' is 1, must be < 1 (n_cores of part 1)" },
			{ { .dst_core = 2 }, "field 'dst_core' is 2, must be < 2 (n_cores of part 0)" },
			{ { .src_neuron = 4 }, "field 'src_neuron' is 4, must be < 4 (neurons_per_core of part 0)" },
			{ { .dst_part = 1, .dst_axon = 2 }, "field 'dst_axon' is 2, must be < 2 (axons_per_core of part 1)" },
		};
		char want[200];

		for (i = 0; i < (int)SNNDEV_ARRAY_SIZE(bad); i++) {
			snprintf(want, sizeof(want),
				 "snndev_net_add_routes: entry 0 of this call: %s",
				 bad[i].msg);
			CHECK_ERR(snndev_net_add_routes(net, &bad[i].r, 1),
				  -EINVAL, want);
		}
	}
	CHECK_ERR(snndev_net_add_routes(net, NULL, 1), -EINVAL,
		  "snndev_net_add_routes: the array is NULL");
	CHECK_ERR(snndev_net_part_info(net, 5, NULL, NULL, NULL, NULL, NULL,
				       NULL, NULL), -EINVAL,
		  "snndev_net_part_info: part 5 does not exist (the network has 2 parts)");
	CHECK(check_stable(net));
	snndev_net_free(net);
}

static void test_builder_limits(void)
{
	struct snndev_net *net;
	struct snndev_profile p[257];
	struct snndev_route *r;
	size_t i;
	int k;

	memset(p, 0, sizeof(p));
	snndev_net_new(&net);
	for (k = 0; k < SNNDEV_NET_MAX_PARTS; k++)
		CHECK_EQ(snndev_net_add_part(net, 1, 1, 1), k);
	CHECK_ERR(snndev_net_add_part(net, 1, 1, 1), -E2BIG,
		  "snndev_net_add_part: the network has 64 parts already, the most a network can have");
	CHECK_EQ(snndev_net_add_profiles(net, 0, p, 256), 0);
	CHECK_ERR(snndev_net_add_profiles(net, 0, p, 1), -E2BIG,
		  "snndev_net_add_profiles: part 0: 256 + 1 profiles, more than the limit of 256");
	CHECK_ERR(snndev_net_add_profiles(net, 1, p, 257), -E2BIG,
		  "snndev_net_add_profiles: part 1: 0 + 257 profiles, more than the limit of 256");
	/* an image over 64 MiB (the array is not read: the size comes first) */
	CHECK_ERR(snndev_net_add_synapses(net, 2, (struct snndev_synapse *)p,
					  8388601), -E2BIG,
		  "snndev_net_add_synapses: part 2: its image would be 67108872 bytes, more than the limit of 67108864");
	CHECK(check_stable(net));
	snndev_net_free(net);

	/* many routes: the duplicate index scales */
	snndev_net_new(&net);
	snndev_net_add_part(net, 8, 1024, 4096);
	r = calloc(100000, sizeof(*r));
	for (i = 0; i < 100000; i++) {
		r[i].src_core = (uint8_t)(i % 8);
		r[i].src_neuron = (uint16_t)(i / 8 % 1024);
		r[i].dst_axon = (uint16_t)(i / 8192);
	}
	CHECK_EQ(snndev_net_add_routes(net, r, 100000), 0);
	CHECK_EQ(snndev_net_add_routes(net, &r[77777], 1), -EEXIST);
	CHECK_EQ(snndev_net_num_routes(net), 100000);
	CHECK(check_stable(net));
	free(r);
	snndev_net_free(net);

	/* the largest geometry */
	snndev_net_new(&net);
	CHECK_EQ(snndev_net_add_part(net, 256, 65535, 65535), 0);
	CHECK_EQ(snndev_net_add_profiles(net, 0, p, 1), 0);
	CHECK_EQ(snndev_net_add_neurons(net, 0, &(struct snndev_neuron){
		.core = 255, .index = 65534 }, 1), 0);
	CHECK_EQ(snndev_net_add_synapses(net, 0, &(struct snndev_synapse){
		.core = 255, .axon = 65534, .neuron = 65534, .weight = -1 }, 1),
		 0);
	CHECK(check_stable(net));
	snndev_net_free(net);
}

/* ---- File format checks ------------------------------------------------------------ */

static void test_header_checks(void)
{
	size_t len;
	uint8_t *b = base_file(&len), *c;
	char want[300];
	uint32_t good;

	CHECK(b && len == BASE_LEN);
	if (!b)
		return;
	CHECK_ERR(patch32(0, 0x12345678), -EINVAL,
		  "network file: header (offset 0x0): field 'magic' is 0x12345678, must be 0x464e4e53 (\"SNNF\"): not an snndev network file");
	CHECK_ERR(read_buf(example_image, sizeof(example_image)), -EINVAL,
		  "network file: header (offset 0x0): field 'magic' is 0x494e4e53 (\"SNNI\"): this is a board image, not a network file");
	CHECK_ERR(patch16(4, 2), -EINVAL,
		  "network file: header (offset 0x4): field 'version_major' is 2: the file is format 2.0, newer than libsnndev 0.1.0 reads (1.x): upgrade libsnndev");
	CHECK_ERR(patch16(4, 0), -EINVAL,
		  "network file: header (offset 0x4): field 'version_major' is 0, must be 1");
	CHECK_EQ(patch16(6, 9), 0);		/* a newer minor: readable */
	CHECK_ERR(patch16(8, 40), -EINVAL,
		  "network file: header (offset 0x8): field 'header_size' is 40, must be 32");
	CHECK_ERR(patch16(10, 8), -EINVAL,
		  "network file: header (offset 0xa): field 'entry_size' is 8, must be 16");
	CHECK_ERR(patch32(24, 1), -EINVAL,
		  "network file: header (offset 0x18): field 'flags' is 0x1, must be 0");
	CHECK_ERR(patch32(28, 0x100), -EINVAL,
		  "network file: header (offset 0x1c): field 'reserved' is 0x100, must be 0");
	CHECK_ERR(patch32(16, 0x20000000), -E2BIG,
		  "network file: header (offset 0x10): field 'file_size' is 536870912, more than the format's limit of 268435456");
	CHECK_ERR(patch32(12, 0), -EINVAL,
		  "network file: header (offset 0xc): field 'n_sections' is 0, must be at least 1 (a NETWORK section)");
	CHECK_ERR(patch32(12, 257), -E2BIG,
		  "network file: header (offset 0xc): field 'n_sections' is 257, more than the format's limit of 256");
	CHECK_ERR(patch32(12, 30), -EINVAL,
		  "network file: header (offset 0xc): field 'n_sections' is 30: the section table ends at 0x200, past the end of the file (0x1a8)");

	/* length */
	CHECK_ERR(read_buf(b, len - 1), -EINVAL,
		  "network file: truncated: 423 bytes, but the header (offset 0x10) says 'file_size' 424");
	CHECK_ERR(read_buf(b, 3), -EINVAL,
		  "network file: truncated: 3 bytes, less than the 32-byte header");
	CHECK_ERR(read_buf(NULL, 0), -EINVAL,
		  "network file: truncated: 0 bytes, less than the 32-byte header");
	c = calloc(1, len + 3);
	memcpy(c, b, len);
	CHECK_ERR(read_buf(c, len + 3), -EINVAL,
		  "network file: 3 bytes of trailing garbage after the end of the file at offset 0x1a8 (header field 'file_size')");
	free(c);
	CHECK_ERR(read_buf(b, (size_t)SNNDEV_NETFILE_MAX_SIZE + 1), -E2BIG,
		  "network file: 268435457 bytes, more than the format's limit of 268435456");

	/* the CRC */
	good = snndev__le32(b + 20);
	b[0x123] ^= 0x10;
	snprintf(want, sizeof(want),
		 "network file: header (offset 0x14): field 'crc32' is 0x%08x, but the file's CRC-32 is 0x%08x: the file is corrupt",
		 good, (fix_crc(b, len), snndev__le32(b + 20)));
	snndev__put32(b + 20, good);
	CHECK_ERR(read_buf(b, len), -EILSEQ, want);
	b[0x123] ^= 0x10;
	CHECK_EQ(read_buf(b, len), 0);
	free(b);
}

static void test_section_checks(void)
{
	uint8_t opt[13] = { 1, 2, 3 };
	struct tsec s[66];
	size_t len, i;
	uint8_t *b, *img;
	char want[300];

	CHECK_ERR(patch16(0x22, 1), -EINVAL,
		  "network file: section 0 (offset 0x22): field 'flags' is 0x1, must be 0 for a NETWORK section");
	CHECK_ERR(patch16(0x42, 2), -EINVAL,
		  "network file: section 2 (offset 0x42): field 'flags' is 0x2, must be 0 for a ROUTES section");
	CHECK_ERR(patch16(0x30, 9), -EINVAL,
		  "network file: section 1 (offset 0x30): field 'type' is 9: an unknown section type that is not marked optional (1 NETWORK and 2 ROUTES are known; a newer libsnndev may read it)");
	CHECK_ERR(patch32(0x30, 9 | 3 << 16), -EINVAL,
		  "network file: section 1 (offset 0x32): field 'flags' is 0x3, must be 0 or 0x1 (OPTIONAL)");
	/* an optional unknown section is skipped: part 1 is gone then */
	CHECK_ERR(patch32(0x30, 9 | 1 << 16), -EINVAL,
		  "network file: route 0 (offset 0x17a): field 'dst_part' is 1, must be < 1 (the network's parts)");
	CHECK_ERR(patch32(0x24, 5), -EINVAL,
		  "network file: section 0 (offset 0x24): field 'reserved' is 0x5, must be 0");
	CHECK_ERR(patch32(0x38, 0x104), -EINVAL,
		  "network file: section 1 (offset 0x38): field 'offset' is 0x104, must be a multiple of 8");
	CHECK_ERR(patch32(0x28, 0x48), -EINVAL,
		  "network file: section 0 (offset 0x28): field 'offset' is 0x48: overlaps the section table (which ends at 0x50)");
	CHECK_ERR(patch32(0x38, 0xf8), -EINVAL,
		  "network file: section 1 (offset 0x38): field 'offset' is 0xf8: overlaps section 0 (which ends at 0x100)");
	CHECK_ERR(patch32(0x38, 0x108), -EINVAL,
		  "network file: section 1 (offset 0x38): field 'offset' is 0x108, must be 0x100: sections follow each other without gaps");
	CHECK_ERR(patch32(0x4c, 0x40), -EINVAL,
		  "network file: section 2 (offset 0x4c): field 'size' is 64: the section ends at 0x1b8, past the end of the file (0x1a8)");
	CHECK_ERR(patch32(0x4c, 40), -EINVAL,
		  "network file: section 2 (offset 0x4c): field 'size' is 40, must be a multiple of 16 (the route record)");
	CHECK_ERR(patch32(0x2c, 0x4000008), -E2BIG,
		  "network file: section 0 (offset 0x2c): field 'size' is 67108872, more than the limit of 67108864 for a part's image");
	CHECK_ERR(patch32(0x4c, 0x1000010), -E2BIG,
		  "network file: section 2 (offset 0x4c): field 'size' is 16777232: 1048577 routes, more than the limit of 1048576");
	CHECK_ERR(patch16(0x20, SNNDEV_NF_SEC_ROUTES), -EINVAL,
		  "network file: section 2 (offset 0x40): field 'type' is ROUTES: a second ROUTES section (the first is section 0)");

	/* trailing bytes after the last section */
	b = base_file(&len);
	b = realloc(b, len + 8);
	memset(b + len, 0, 8);
	snndev__put32(b + 16, (uint32_t)len + 8);
	fix_crc(b, len + 8);
	CHECK_ERR(read_buf(b, len + 8), -EINVAL,
		  "network file: offset 0x1a8: 8 bytes after the last section (trailing garbage)");
	free(b);

	/* padding after an optional section of 13 bytes: 3 bytes */
	s[0] = (struct tsec){ .type = 77, .flags = 1, .data = opt, .size = 13 };
	s[1] = (struct tsec){ .type = 1, .data = example_image,
			      .size = sizeof(example_image) };
	b = assemble(s, 2, &len);
	CHECK_EQ(len, 0x40 + 16 + 120);
	CHECK_EQ(read_buf(b, len), 0);
	b[0x4e] = 1;
	fix_crc(b, len);
	CHECK_ERR(read_buf(b, len), -EINVAL,
		  "network file: offset 0x4e: padding before section 1 is 0x01, must be 0");
	free(b);

	/* no NETWORK section; an image smaller than its header; 65 parts */
	b = assemble(s, 1, &len);
	CHECK_ERR(read_buf(b, len), -EINVAL,
		  "network file: no NETWORK section: a network file has at least one part");
	free(b);
	s[0] = (struct tsec){ .type = 1, .data = example_image, .size = 40 };
	b = assemble(s, 1, &len);
	CHECK_ERR(read_buf(b, len), -EINVAL,
		  "network file: part 0 (offset 0x30): the section is 40 bytes, less than the 64-byte image header");
	free(b);
	for (i = 0; i < 65; i++)
		s[i] = (struct tsec){ .type = 1, .data = example_image,
				      .size = sizeof(example_image) };
	b = assemble(s, 64, &len);
	CHECK_EQ(read_buf(b, len), 0);
	free(b);
	b = assemble(s, 65, &len);
	CHECK_ERR(read_buf(b, len), -E2BIG,
		  "network file: section 64 (offset 0x420): field 'type' is NETWORK: more NETWORK sections than the limit of 64 parts");
	free(b);

	/* an empty ROUTES section is allowed */
	s[1] = (struct tsec){ .type = 2, .size = 0 };
	b = assemble(s, 2, &len);
	CHECK_EQ(read_buf(b, len), 0);
	free(b);

	/* a part without profiles but with a neuron */
	img = calloc(1, 72);
	memcpy(img, example_image, 16);
	snndev__put16(img + 14, 0);		/* n_profiles */
	snndev__put32(img + 16, 1);		/* n_neurons */
	s[0] = (struct tsec){ .type = 1, .data = img, .size = 72 };
	b = assemble(s, 1, &len);
	snprintf(want, sizeof(want),
		 "network file: part 0 neuron 0 (offset 0x%x): field 'profile' is 0, but the part has no profiles",
		 0x30 + 64 + 1);
	CHECK_ERR(read_buf(b, len), -EINVAL, want);
	free(b);
	free(img);
}

struct field_case {
	size_t off;
	int width;		/* 1, 2, 4 */
	uint32_t val;
	int err;
	const char *msg;
};

static void run_cases(const struct field_case *c, size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = c[i].width == 1 ? patch8(c[i].off, (uint8_t)c[i].val) :
		      c[i].width == 2 ? patch16(c[i].off, (uint16_t)c[i].val) :
		      patch32(c[i].off, c[i].val);
		if (ret != c[i].err || strcmp(snndev_errmsg(), c[i].msg)) {
			printf("# case %zu (offset 0x%zx = %u): %d \"%s\"\n#   expected %d \"%s\"\n",
			       i, c[i].off, c[i].val, ret, snndev_errmsg(),
			       c[i].err, c[i].msg);
			tap_cur_failed = 1;
		}
	}
}

static void test_image_checks(void)
{
	static const struct field_case c[] = {
		/* part 0 header at 0x50 */
		{ 0x50, 4, 0, -EINVAL, "network file: part 0 header (offset 0x50): field 'magic' is 0x00000000, must be 0x494e4e53 (\"SNNI\")" },
		{ 0x54, 2, 2, -EINVAL, "network file: part 0 header (offset 0x54): field 'version' is 2, must be 1" },
		{ 0x56, 2, 32, -EINVAL, "network file: part 0 header (offset 0x56): field 'hdr_size' is 32, must be 64" },
		{ 0x58, 2, 0, -EINVAL, "network file: part 0 header (offset 0x58): field 'n_cores' is 0, must be 1..256" },
		{ 0x58, 2, 257, -EINVAL, "network file: part 0 header (offset 0x58): field 'n_cores' is 257, must be 1..256" },
		{ 0x5a, 2, 0, -EINVAL, "network file: part 0 header (offset 0x5a): field 'neurons_per_core' is 0, must be 1..65535" },
		{ 0x5c, 2, 0, -EINVAL, "network file: part 0 header (offset 0x5c): field 'axons_per_core' is 0, must be 1..65535" },
		{ 0x5e, 2, 257, -EINVAL, "network file: part 0 header (offset 0x5e): field 'n_profiles' is 257, must be 0..256" },
		{ 0x60, 4, 9, -EINVAL, "network file: part 0 header (offset 0x60): field 'n_neurons' is 9, must be <= 8 (n_cores x neurons_per_core)" },
		{ 0x6c, 4, 1, -EINVAL, "network file: part 0 header (offset 0x6c): field 'flags' is 0x1, must be 0" },
		{ 0x75, 1, 1, -EINVAL, "network file: part 0 header (offset 0x75): field 'reserved' byte 5 is 0x01, must be 0" },
		{ 0x68, 4, 3, -EINVAL, "network file: part 0 header (offset 0x60): the record counts give an image of 184 bytes, but the section is 176 bytes" },
		{ 0x64, 4, 0x1000000, -E2BIG, "network file: part 0 header (offset 0x60): the record counts give an image of 134217872 bytes, more than the limit of 67108864" },
		/* profiles at 0x90, 0xa0 */
		{ 0x90, 2, 4096, -EINVAL, "network file: part 0 profile 0 (offset 0x90): field 'du' is 4096, must be 0..4095" },
		{ 0xa2, 2, 5000, -EINVAL, "network file: part 0 profile 1 (offset 0xa2): field 'dv' is 5000, must be 0..4095" },
		{ 0x94, 4, 131072, -EINVAL, "network file: part 0 profile 0 (offset 0x94): field 'vth' is 131072, must be 0..131071" },
		{ 0x98, 2, 0xefff, -EINVAL, "network file: part 0 profile 0 (offset 0x98): field 'bias_mant' is -4097, must be -4096..4095" },
		{ 0xa8, 2, 4096, -EINVAL, "network file: part 0 profile 1 (offset 0xa8): field 'bias_mant' is 4096, must be -4096..4095" },
		{ 0x9a, 1, 8, -EINVAL, "network file: part 0 profile 0 (offset 0x9a): field 'bias_exp' is 8, must be -7..7" },
		{ 0xaa, 1, 0xf8, -EINVAL, "network file: part 0 profile 1 (offset 0xaa): field 'bias_exp' is -8, must be -7..7" },
		{ 0x9b, 1, 1, -EINVAL, "network file: part 0 profile 0 (offset 0x9b): field 'reserved0' is 1, must be 0" },
		{ 0x9c, 4, 0x10000, -EINVAL, "network file: part 0 profile 0 (offset 0x9c): field 'reserved1' is 65536, must be 0" },
		/* neurons at 0xb0, 0xb8, 0xc0, 0xc8 */
		{ 0xb0, 1, 2, -EINVAL, "network file: part 0 neuron 0 (offset 0xb0): field 'core' is 2, must be < 2 (n_cores)" },
		{ 0xb9, 1, 2, -EINVAL, "network file: part 0 neuron 1 (offset 0xb9): field 'profile' is 2, must be < 2 (the part's profiles)" },
		{ 0xba, 2, 4, -EINVAL, "network file: part 0 neuron 1 (offset 0xba): field 'index' is 4, must be < 4 (neurons_per_core)" },
		{ 0xbc, 1, 5, -EINVAL, "network file: part 0 neuron 1 (offset 0xbc): field 'flags' is 0x5, has unknown bits 0x4 (known: OUT 0x1, BIAS 0x2)" },
		{ 0xbd, 1, 8, -EINVAL, "network file: part 0 neuron 1 (offset 0xbd): field 'outq' is 8, must be < 8" },
		{ 0xb5, 1, 1, -EINVAL, "network file: part 0 neuron 0 (offset 0xb5): field 'outq' is 1, must be 0 without the OUT flag" },
		{ 0xc6, 2, 4096, -EINVAL, "network file: part 0 neuron 2 (offset 0xc6): field 'bias_mant' is 4096, must be -4096..4095" },
		{ 0xb6, 2, 1, -EINVAL, "network file: part 0 neuron 0 (offset 0xb6): field 'bias_mant' is 1, must be 0 without the BIAS flag" },
		{ 0xba, 2, 0, -EINVAL, "network file: part 0 neuron 1 (offset 0xb8): neuron (core 0, index 0) is defined twice" },
		/* synapses at 0xd0, 0xd8, 0xe0, 0xe8 */
		{ 0xd0, 1, 2, -EINVAL, "network file: part 0 synapse 0 (offset 0xd0): field 'core' is 2, must be < 2 (n_cores)" },
		{ 0xd1, 1, 3, -EINVAL, "network file: part 0 synapse 0 (offset 0xd1): field 'reserved0' is 3, must be 0" },
		{ 0xda, 2, 3, -EINVAL, "network file: part 0 synapse 1 (offset 0xda): field 'axon' is 3, must be < 3 (axons_per_core)" },
		{ 0xe4, 2, 4, -EINVAL, "network file: part 0 synapse 2 (offset 0xe4): field 'neuron' is 4, must be < 4 (neurons_per_core)" },
		{ 0xd4, 2, 2, -EINVAL, "network file: part 0 synapse 0 (offset 0xd4): field 'neuron' is 2: neuron (core 0, index 2) is not defined" },
		{ 0xef, 1, 1, -EINVAL, "network file: part 0 synapse 3 (offset 0xef): field 'reserved1' is 1, must be 0" },
		/* fan-out at 0xf0, 0xf8 */
		{ 0xf0, 1, 2, -EINVAL, "network file: part 0 fan-out 0 (offset 0xf0): field 'src_core' is 2, must be < 2 (n_cores)" },
		{ 0xf9, 1, 2, -EINVAL, "network file: part 0 fan-out 1 (offset 0xf9): field 'dst_core' is 2, must be < 2 (n_cores)" },
		{ 0xf2, 2, 4, -EINVAL, "network file: part 0 fan-out 0 (offset 0xf2): field 'src_neuron' is 4, must be < 4 (neurons_per_core)" },
		{ 0xf2, 2, 3, -EINVAL, "network file: part 0 fan-out 0 (offset 0xf2): field 'src_neuron' is 3: neuron (core 0, index 3) is not defined" },
		{ 0xfc, 2, 3, -EINVAL, "network file: part 0 fan-out 1 (offset 0xfc): field 'dst_axon' is 3, must be < 3 (axons_per_core)" },
		{ 0xf6, 2, 1, -EINVAL, "network file: part 0 fan-out 0 (offset 0xf6): field 'reserved' is 1, must be 0" },
		/* part 1 at 0x100: its neuron 1 */
		{ 0x15d, 1, 9, -EINVAL, "network file: part 1 neuron 1 (offset 0x15d): field 'outq' is 9, must be < 8" },
		/* routes at 0x178, 0x188, 0x198 */
		{ 0x178, 2, 2, -EINVAL, "network file: route 0 (offset 0x178): field 'src_part' is 2, must be < 2 (the network's parts)" },
		{ 0x18a, 2, 7, -EINVAL, "network file: route 1 (offset 0x18a): field 'dst_part' is 7, must be < 2 (the network's parts)" },
		{ 0x17c, 1, 2, -EINVAL, "network file: route 0 (offset 0x17c): field 'src_core' is 2, must be < 2 (n_cores of part 0)" },
		{ 0x17d, 1, 1, -EINVAL, "network file: route 0 (offset 0x17d): field 'dst_core' is 1, must be < 1 (n_cores of part 1)" },
		{ 0x17e, 2, 4, -EINVAL, "network file: route 0 (offset 0x17e): field 'src_neuron' is 4, must be < 4 (neurons_per_core of part 0)" },
		{ 0x180, 2, 2, -EINVAL, "network file: route 0 (offset 0x180): field 'dst_axon' is 2, must be < 2 (axons_per_core of part 1)" },
		{ 0x182, 2, 1, -EINVAL, "network file: route 0 (offset 0x182): field 'flags' is 0x1, must be 0" },
		{ 0x1a4, 4, 1, -EINVAL, "network file: route 2 (offset 0x1a4): field 'reserved' is 0x1, must be 0" },
	};

	run_cases(c, SNNDEV_ARRAY_SIZE(c));
	/* a duplicate route: route 2 becomes route 0 */
	{
		size_t len;
		uint8_t *b = base_file(&len);

		memcpy(b + 0x198, b + 0x178, 16);
		fix_crc(b, len);
		CHECK_ERR(read_buf(b, len), -EINVAL,
			  "network file: route 2 (offset 0x198): the same route as route 0");
		memcpy(b + 0x188, b + 0x178, 16);	/* route 1 first */
		fix_crc(b, len);
		CHECK_ERR(read_buf(b, len), -EINVAL,
			  "network file: route 1 (offset 0x188): the same route as route 0");
		free(b);
	}
}

/* ---- Truncation, CRC, mutations ------------------------------------------------------- */

static void test_truncation(void)
{
	size_t len, k;
	uint8_t *b = base_file(&len), *c;
	char want[200];
	int bad = 0, ret;

	if (!b)
		return;
	c = malloc(len);
	for (k = 0; k < len; k++) {
		/* as cut: the header's file_size says more */
		if (k < SNNDEV_NF_HDR_SIZE)
			snprintf(want, sizeof(want),
				 "network file: truncated: %zu bytes, less than the 32-byte header",
				 k);
		else
			snprintf(want, sizeof(want),
				 "network file: truncated: %zu bytes, but the header (offset 0x10) says 'file_size' 424",
				 k);
		memcpy(c, b, k);
		ret = read_buf(c, k);
		if (ret != -EINVAL || strcmp(snndev_errmsg(), want)) {
			if (bad++ < 5)
				printf("# cut at %zu: %d %s\n", k, ret,
				       snndev_errmsg());
		}
		/* and with file_size and the CRC made to match */
		if (k >= SNNDEV_NF_HDR_SIZE) {
			snndev__put32(c + 16, (uint32_t)k);
			fix_crc(c, k);
			ret = read_buf(c, k);
			if (ret >= 0 && bad++ < 5)
				printf("# cut at %zu with a matching header: accepted\n",
				       k);
		}
	}
	CHECK_EQ(bad, 0);
	free(c);
	free(b);
}

static void test_crc_every_bit(void)
{
	size_t len, i;
	uint8_t *b = base_file(&len);
	int bit, ret, bad = 0, eilseq = 0;

	if (!b)
		return;
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1 << bit);
			ret = read_buf(b, len);
			b[i] ^= (uint8_t)(1 << bit);
			if (ret >= 0)
				bad++;
			eilseq += ret == -EILSEQ;
		}
	}
	CHECK_EQ(bad, 0);
	/* everything but the header fields checked before the CRC */
	printf("# %zu single-bit flips: %d -EILSEQ, the rest header errors\n",
	       len * 8, eilseq);
	CHECK(eilseq >= (int)(len - 24) * 8);
	free(b);
}

/* Random damage; anything goes but a crash, and what is accepted is stable. */
static void mutate(uint8_t **bp, size_t *lenp)
{
	uint8_t *b = *bp;
	size_t len = *lenp, i, n, at;
	int k, m = 1 + (int)(rnd() % 4);

	for (k = 0; k < m && len; k++) {
		switch (rnd() % 8) {
		case 0: case 1: case 2:		/* a random byte */
			b[rnd() % len] = (uint8_t)rnd();
			break;
		case 3:				/* a bit */
			b[rnd() % len] ^= (uint8_t)(1 << (rnd() % 8));
			break;
		case 4:				/* a small number in a field */
			at = rnd() % len & ~(size_t)1;
			if (at + 2 <= len)
				snndev__put16(b + at, (uint16_t)(rnd() % 300));
			break;
		case 5:				/* cut */
			len = rnd() % len;
			break;
		case 6:				/* insert */
			n = 1 + rnd() % 24;
			at = rnd() % (len + 1);
			b = realloc(b, len + n);
			memmove(b + at + n, b + at, len - at);
			for (i = 0; i < n; i++)
				b[at + i] = (uint8_t)rnd();
			len += n;
			break;
		case 7:				/* delete */
			at = rnd() % len;
			n = 1 + rnd() % 24;
			if (n > len - at)
				n = len - at;
			memmove(b + at, b + at + n, len - at - n);
			len -= n;
			break;
		}
	}
	*bp = b;
	*lenp = len;
}

static void test_mutations(void)
{
	size_t blen, len;
	uint8_t *base = base_file(&blen), *b;
	struct snndev_net *net;
	int i, ok = 0, unstable = 0, ret;

	if (!base)
		return;
	for (i = 0; i < 20000; i++) {
		len = blen;
		b = malloc(len);
		memcpy(b, base, len);
		mutate(&b, &len);
		if (len >= SNNDEV_NF_HDR_SIZE && rnd() % 8) {
			/* most of the time, get past the length and CRC */
			snndev__put32(b + 16, (uint32_t)len);
			fix_crc(b, len);
		}
		net = NULL;
		ret = snndev_net_read_mem(b, len, &net);
		if (!ret) {
			ok++;
			if (!check_stable(net))
				unstable++;
		} else if (!*snndev_errmsg()) {
			unstable++;	/* (every failure has a message) */
		}
		snndev_net_free(net);
		free(b);
	}
	printf("# 20000 mutated files: %d still valid\n", ok);
	CHECK_EQ(unstable, 0);

	/* random bytes behind a plausible header */
	for (i = 0; i < 5000; i++) {
		size_t k;

		len = SNNDEV_NF_HDR_SIZE + rnd() % 600;
		b = malloc(len);
		for (k = 0; k < len; k++)
			b[k] = (uint8_t)rnd();
		memcpy(b, base, 12);
		snndev__put32(b + 12, 1 + rnd() % 4);
		snndev__put32(b + 16, (uint32_t)len);
		snndev__put32(b + 24, 0);
		snndev__put32(b + 28, 0);
		fix_crc(b, len);
		ret = read_buf(b, len);
		CHECK(ret < 0 && *snndev_errmsg());
		free(b);
	}
	free(base);
}

/* ---- The engine as the reference for the image checks ---------------------------------- */

static const struct snn_limits max_limits = {
	.cores = 256, .neurons_per_core = 65535, .axons_per_core = 65535,
	.synapses_per_core = 0xffffffffu, .fanout_per_core = 0xffffffffu,
	.profiles = 256, .out_queues = 8,
};

/*
 * The library and the engine agree on an image: both accept it, or both
 * refuse it at the same byte (for errors that have a field offset).
 * Returns 0 if they agree.
 */
static int compare_with_engine(const uint8_t *img, size_t len, int verbose)
{
	struct snndev_part pt;
	struct snn_img_error err;
	struct snn_net *en = NULL;
	unsigned int off = 0;
	const char *p;
	int lib, eng;

	lib = snndev__image_parse(img, len, 0, "img", 0, &pt);
	if (!lib)
		snndev__part_free(&pt);
	p = strstr(snndev_errmsg(), "(offset 0x");
	if (lib && p)
		sscanf(p, "(offset 0x%x)", &off);
	eng = snn_net_load(img, len, &max_limits, &en, &err);
	if (en)
		snn_net_free(en);
	if (!eng && !lib)
		return 0;
	if (eng && SNN_NET_LOAD_NOMEM(&err))
		return 0;
	if (!eng != !lib) {
		if (verbose)
			printf("# library %s (%s), engine %s (%s)\n",
			       lib ? "refuses" : "accepts", snndev_errmsg(),
			       eng ? "refuses" : "accepts", eng ? err.msg : "");
		return -1;
	}
	if (err.code == SNN_E_IMG_LENGTH)
		return 0;		/* (a length, not an offset) */
	if (off != err.offset) {
		if (verbose)
			printf("# library at 0x%x (%s), engine at 0x%x (%s)\n",
			       off, snndev_errmsg(), err.offset, err.msg);
		return -1;
	}
	return 0;
}

static void test_engine_agrees(void)
{
	struct snndev_net *net = base_net();
	void *img0;
	size_t len0, len;
	uint8_t *img;
	int i, bad = 0, refused = 0;

	if (!net)
		return;
	snndev_net_part_image(net, 0, &img0, &len0);
	CHECK_EQ(compare_with_engine(img0, len0, 1), 0);
	for (i = 0; i < 20000; i++) {
		len = len0;
		img = malloc(len);
		memcpy(img, img0, len);
		if (rnd() % 4) {
			/* field damage only: keep the length */
			int k, m = 1 + (int)(rnd() % 3);

			for (k = 0; k < m; k++) {
				size_t at = rnd() % len;

				img[at] = rnd() % 2 ? (uint8_t)rnd() :
					  (uint8_t)(img[at] + rnd() % 3 - 1);
			}
		} else {
			mutate(&img, &len);
		}
		{
			struct snndev_part pt;

			if (snndev__image_parse(img, len, 0, "img", 0, &pt))
				refused++;
			else
				snndev__part_free(&pt);
		}
		if (compare_with_engine(img, len, bad < 5))
			bad++;
		free(img);
	}
	printf("# 20000 mutated images: %d refused by both\n", refused);
	CHECK_EQ(bad, 0);
	free(img0);
	snndev_net_free(net);
}

/* ---- Seeds for the fuzzer ------------------------------------------------------------- */

static int write_seed(const char *dir, const char *name, const void *b,
		      size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len) {
		perror(path);
		return 1;
	}
	return fclose(f) != 0;
}

static int write_seeds(const char *dir)
{
	struct snndev_net *net = base_net();
	uint8_t opt[5] = { 1, 2, 3, 4, 5 };
	struct tsec s[3];
	void *b;
	size_t len;
	int ret = 0;

	mkdir(dir, 0777);
	if (!net || snndev_net_write_mem(net, &b, &len))
		return 1;
	ret |= write_seed(dir, "base.snnet", b, len);
	free(b);
	snndev_net_part_image(net, 0, &b, &len);
	ret |= write_seed(dir, "part0.snni", b, len);
	free(b);
	ret |= write_seed(dir, "example.snni", example_image,
			  sizeof(example_image));
	s[0] = (struct tsec){ .type = 1, .data = example_image,
			      .size = sizeof(example_image) };
	s[1] = (struct tsec){ .type = 99, .flags = 1, .data = opt, .size = 5 };
	s[2] = (struct tsec){ .type = 1, .data = example_image,
			      .size = sizeof(example_image) };
	b = assemble(s, 3, &len);
	ret |= write_seed(dir, "optional.snnet", b, len);
	free(b);
	snndev_net_free(net);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
		return write_seeds(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	RUN(test_crc32);
	RUN(test_roundtrip);
	RUN(test_part_image);
	RUN(test_files);
	RUN(test_builder_checks);
	RUN(test_builder_limits);
	RUN(test_header_checks);
	RUN(test_section_checks);
	RUN(test_image_checks);
	RUN(test_truncation);
	RUN(test_crc_every_bit);
	RUN(test_mutations);
	RUN(test_engine_agrees);
	return tap_done();
}
