// SPDX-License-Identifier: GPL-2.0
/*
 * Network files without a device: convert, show.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "netio.h"
#include "snnctl.h"

static int write_buf(const char *path, const void *buf, size_t len)
{
	bool out = !strcmp(path, "-");
	FILE *f = out ? stdout : fopen(path, "wb");

	if (!f)
		return snnctl_err(SNNCTL_EX_DEVICE, "%s: %s", path,
				  strerror(errno));
	if (fwrite(buf, 1, len, f) != len || fflush(f) ||
	    (!out && fclose(f))) {
		int e = errno;

		if (!out)
			fclose(f);
		return snnctl_err(SNNCTL_EX_DEVICE, "%s: write error: %s",
				  out ? "<stdout>" : path, strerror(e));
	}
	return SNNCTL_EX_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

int cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "part", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in, *out, *format = NULL;
	struct snndev_net *net = NULL;
	uint64_t part = 0;
	bool have_part = false, image;
	void *buf = NULL;
	size_t len;
	int o, ret;

	while ((o = snnctl_getopt(argc, argv, "p:f:", opts)) != -1) {
		switch (o) {
		case 'h':
			return snnctl_help("convert");
		case 'p':
			if (snnctl_parse_u64(optarg, 0xffff, &part))
				return snnctl_usage_err("convert",
							"--part '%s' is not a part number",
							optarg);
			have_part = true;
			break;
		case 'f':
			if (strcmp(optarg, "net") && strcmp(optarg, "image"))
				return snnctl_usage_err("convert",
							"--format '%s': expected 'net' or 'image'",
							optarg);
			format = optarg;
			break;
		default:
			return SNNCTL_EX_USAGE;
		}
	}
	if (argc - optind != 2)
		return snnctl_usage_err("convert",
					argc - optind < 2 ?
					"convert needs INPUT and OUTPUT" :
					"too many arguments");
	if (snnctl_opt.json)
		return snnctl_usage_err("convert",
					"--json: convert writes files; it has no output to format");
	in = argv[optind];
	out = argv[optind + 1];
	image = format ? !strcmp(format, "image") : ends_with(out, ".snni");
	if (have_part && !image)
		return snnctl_usage_err("convert",
					"--part selects the part of an image; the output is a network file (use --format image)");

	ret = net_read_any(in, &net, NULL);
	if (ret)
		return ret;
	if (image) {
		if (part >= snndev_net_num_parts(net)) {
			ret = snnctl_err(SNNCTL_EX_INPUT,
					 "%s: no part %llu (the network has %u part%s)",
					 in, (unsigned long long)part,
					 snndev_net_num_parts(net),
					 snndev_net_num_parts(net) == 1 ? "" : "s");
			goto out;
		}
		ret = snndev_net_part_image(net, (unsigned int)part, &buf, &len);
	} else {
		ret = snndev_net_write_mem(net, &buf, &len);
	}
	if (ret) {
		ret = snnctl_lib_err(ret == -ENOMEM ? SNNCTL_EX_DEVICE :
				     SNNCTL_EX_INPUT, ret, "%s", in);
		goto out;
	}
	ret = write_buf(out, buf, len);
out:
	free(buf);
	snndev_net_free(net);
	return ret;
}

#define SHOW_ROUTES	20

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	static const char *const fmt_names[] = {
		[NET_FORMAT_FILE] = "network file",
		[NET_FORMAT_TEXT] = "text description",
		[NET_FORMAT_IMAGE] = "board image",
	};
	const struct snndev_route *r;
	struct snndev_net *net;
	enum net_format fmt;
	unsigned int p, np;
	size_t i, nr;
	struct json j;
	int o, ret;

	while ((o = snnctl_getopt(argc, argv, "", opts)) != -1) {
		if (o == 'h')
			return snnctl_help("show");
		return SNNCTL_EX_USAGE;
	}
	if (argc - optind != 1)
		return snnctl_usage_err("show", argc == optind ?
					"show needs a NETFILE" :
					"too many arguments");
	ret = net_read_any(argv[optind], &net, &fmt);
	if (ret)
		return ret;
	np = snndev_net_num_parts(net);
	nr = snndev_net_num_routes(net);
	r = snndev_net_routes(net);
	json_init(&j, stdout);
	if (snnctl_opt.json) {
		json_obj_begin(&j);
		json_kstr(&j, "file", argv[optind]);
		json_kstr(&j, "format", fmt_names[fmt]);
		json_key(&j, "parts");
		json_arr_begin(&j);
	} else {
		printf("%s: %s, %u part%s, %zu route%s\n", argv[optind],
		       fmt_names[fmt], np, np == 1 ? "" : "s", nr,
		       nr == 1 ? "" : "s");
	}
	for (p = 0; p < np; p++) {
		unsigned int cores, npc, apc;
		size_t npr, nn, ns, nf;

		snndev_net_part_info(net, p, &cores, &npc, &apc, &npr, &nn,
				     &ns, &nf);
		if (snnctl_opt.json) {
			json_obj_begin(&j);
			json_ku64(&j, "part", p);
			json_ku64(&j, "cores", cores);
			json_ku64(&j, "neurons_per_core", npc);
			json_ku64(&j, "axons_per_core", apc);
			json_ku64(&j, "profiles", npr);
			json_ku64(&j, "neurons", nn);
			json_ku64(&j, "synapses", ns);
			json_ku64(&j, "fanout", nf);
			json_obj_end(&j);
		} else {
			printf("part %u: %u cores x %u neurons x %u axons; %zu profiles, %zu neurons, %zu synapses, %zu fan-out\n",
			       p, cores, npc, apc, npr, nn, ns, nf);
		}
	}
	if (snnctl_opt.json) {
		json_arr_end(&j);
		json_key(&j, "routes");
		json_arr_begin(&j);
	}
	for (i = 0; i < nr; i++) {
		if (snnctl_opt.json) {
			json_obj_begin(&j);
			json_ku64(&j, "src_part", r[i].src_part);
			json_ku64(&j, "src_core", r[i].src_core);
			json_ku64(&j, "src_neuron", r[i].src_neuron);
			json_ku64(&j, "dst_part", r[i].dst_part);
			json_ku64(&j, "dst_core", r[i].dst_core);
			json_ku64(&j, "dst_axon", r[i].dst_axon);
			json_obj_end(&j);
		} else if (i < SHOW_ROUTES) {
			printf("route %zu: part %u core %u neuron %u -> part %u core %u axon %u\n",
			       i, r[i].src_part, r[i].src_core, r[i].src_neuron,
			       r[i].dst_part, r[i].dst_core, r[i].dst_axon);
		}
	}
	if (!snnctl_opt.json && nr > SHOW_ROUTES)
		printf("... %zu more routes (all of them: --json)\n",
		       nr - SHOW_ROUTES);
	if (snnctl_opt.json) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	}
	snndev_net_free(net);
	if (fflush(stdout) || ferror(stdout))
		return snnctl_err(SNNCTL_EX_DEVICE, "write error: %s",
				  strerror(errno));
	return SNNCTL_EX_OK;
}
