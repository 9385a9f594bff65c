// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness of the network file reader (clang -fsanitize=fuzzer,
 * with ASan and UBSan).  Each input is tried three ways:
 *   1. as a network file, as it is;
 *   2. with its header's file_size and CRC-32 made right, so mutations
 *      reach the section table, the images and the routes;
 *   3. as one board image (SNNI), checked by the library and by the neuron
 *      engine's loader (qemu-model/engine), which must agree: both accept
 *      it, or both refuse it at the same byte.
 * Whatever the library accepts must survive write -> read -> write
 * unchanged, and the engine must load every part.  Any disagreement
 * aborts (a finding); so does a failure without a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snndev_internal.h"
#include "snn_engine.h"
#include "snn_hw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct snn_limits max_limits = {
	.cores = 256, .neurons_per_core = 65535, .axons_per_core = 65535,
	.synapses_per_core = 0xffffffffu, .fanout_per_core = 0xffffffffu,
	.profiles = 256, .out_queues = 8,
};

static void finding(const char *what)
{
	fprintf(stderr, "fuzz-netfile: %s (last message: %s)\n", what,
		snndev_errmsg());
	abort();
}

static void accepted(struct snndev_net *net)
{
	struct snndev_net *again = NULL;
	struct snn_img_error err;
	struct snn_net *en;
	void *b1, *b2, *img;
	size_t l1, l2, len;
	unsigned int i;

	if (snndev_net_write_mem(net, &b1, &l1))
		finding("an accepted network cannot be written");
	if (snndev_net_read_mem(b1, l1, &again))
		finding("a written network cannot be read");
	if (snndev_net_write_mem(again, &b2, &l2))
		finding("a network read back cannot be written");
	if (l1 != l2 || memcmp(b1, b2, l1))
		finding("write -> read -> write changed the file");
	for (i = 0; i < snndev_net_num_parts(net); i++) {
		if (snndev_net_part_image(net, i, &img, &len))
			finding("no image of an accepted part");
		en = NULL;
		if (snn_net_load(img, len, &max_limits, &en, &err) &&
		    !SNN_NET_LOAD_NOMEM(&err)) {
			fprintf(stderr, "engine: %s\n", err.msg);
			finding("the engine refuses a part the library accepted");
		}
		if (en)
			snn_net_free(en);
		free(img);
	}
	snndev_net_free(again);
	free(b1);
	free(b2);
}

static void as_file(const uint8_t *data, size_t size)
{
	struct snndev_net *net = NULL;

	if (snndev_net_read_mem(data, size, &net)) {
		if (!*snndev_errmsg())
			finding("a refusal without a message");
		return;
	}
	accepted(net);
	snndev_net_free(net);
}

static void as_image(const uint8_t *data, size_t size)
{
	struct snndev_part pt;
	struct snn_img_error err;
	struct snn_net *en = NULL;
	unsigned int off = 0;
	const char *p;
	int lib, eng;

	lib = snndev__image_parse(data, size, 0, "image", 0, &pt);
	if (!lib)
		snndev__part_free(&pt);
	p = strstr(snndev_errmsg(), "(offset 0x");
	if (lib && p)
		sscanf(p, "(offset 0x%x)", &off);
	eng = snn_net_load(data, size, &max_limits, &en, &err);
	if (en)
		snn_net_free(en);
	if (eng && SNN_NET_LOAD_NOMEM(&err))
		return;
	if (!lib != !eng) {
		fprintf(stderr, "library: %s\nengine: %s\n",
			lib ? snndev_errmsg() : "accepts",
			eng ? err.msg : "accepts");
		finding("the library and the engine disagree on an image");
	}
	if (lib && err.code != SNN_E_IMG_LENGTH && off != err.offset) {
		fprintf(stderr, "library: %s\nengine: 0x%x %s\n",
			snndev_errmsg(), err.offset, err.msg);
		finding("the library and the engine refuse an image at different bytes");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero4[4];
	uint8_t *c;
	uint32_t crc;

	as_file(data, size);
	if (size >= SNNDEV_NF_HDR_SIZE) {
		c = malloc(size);
		memcpy(c, data, size);
		snndev__put32(c + SNNDEV_NF_H_FILE_SIZE, (uint32_t)size);
		crc = snndev__crc32(0, c, SNNDEV_NF_H_CRC32);
		crc = snndev__crc32(crc, zero4, 4);
		crc = snndev__crc32(crc, c + SNNDEV_NF_H_CRC32 + 4,
				    size - SNNDEV_NF_H_CRC32 - 4);
		snndev__put32(c + SNNDEV_NF_H_CRC32, crc);
		as_file(c, size);
		free(c);
	}
	as_image(data, size);
	return 0;
}
