// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of snnctl's parts that need no device: number and line
 * parsing, spike files (input parsing and ordering rules, output order and
 * format), board/unit names, the JSON writer (parsed back), and networks
 * from text descriptions and .snni images (built with libsnndev).
 *
 * Output: TAP.  Exit status 0 if every test passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "mini_json.h"
#include "names.h"
#include "netio.h"
#include "snndev.h"
#include "spikes.h"
#include "textutil.h"

static int n_tests, n_failed;

__attribute__((format(printf, 2, 3)))
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!ok)
		n_failed++;
	printf("%sok %d - ", ok ? "" : "not ", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A diagnostic line; newlines in got are shown as \n. */
static void diag(const char *what, const char *got)
{
	printf("# %s: '", what);
	for (; *got; got++) {
		if (*got == '\n')
			fputs("\\n", stdout);
		else
			putchar(*got);
	}
	printf("'\n");
}

/* ---- textutil --------------------------------------------------------------- */

static void test_numbers(void)
{
	unsigned long long u;
	long long s;
	char line[128], *tok[4];
	int n;

	check(!txt_parse_u("0", 10, &u) && u == 0, "parse_u: 0");
	check(!txt_parse_u("4294967295", 0xffffffff, &u) && u == 0xffffffff,
	      "parse_u: the u32 maximum");
	check(txt_parse_u("4294967296", 0xffffffff, &u), "parse_u: above max");
	check(!txt_parse_u("0x1F", 100, &u) && u == 31, "parse_u: hex");
	check(txt_parse_u("-1", 100, &u), "parse_u: no sign");
	check(txt_parse_u("+1", 100, &u), "parse_u: no plus");
	check(txt_parse_u(" 1", 100, &u), "parse_u: no leading space");
	check(txt_parse_u("1x", 100, &u), "parse_u: no trailing junk");
	check(txt_parse_u("", 100, &u), "parse_u: empty");
	check(txt_parse_u("0x", 100, &u), "parse_u: bare 0x");
	check(txt_parse_u("99999999999999999999999", ~0ULL, &u),
	      "parse_u: overflow");
	check(!txt_parse_s("-128", -128, 127, &s) && s == -128,
	      "parse_s: minimum");
	check(txt_parse_s("-129", -128, 127, &s), "parse_s: below minimum");
	check(!txt_parse_s("-0x10", -100, 100, &s) && s == -16,
	      "parse_s: negative hex");

	strcpy(line, "  12 \t 34 # comment 56\n");
	n = txt_split(line, tok, 4);
	check(n == 2 && !strcmp(tok[0], "12") && !strcmp(tok[1], "34"),
	      "split: fields and a comment");
	strcpy(line, "# only a comment");
	check(txt_split(line, tok, 4) == 0, "split: comment line");
	strcpy(line, "a b c d e");
	check(txt_split(line, tok, 4) == 5, "split: too many fields");
}

/* ---- spike input -------------------------------------------------------------- */

static void test_spike_lines(void)
{
	const uint32_t axons1[1] = { 128 };
	const uint32_t axons2[2] = { 128, 16 };
	struct spk_event ev;
	char line[256], err[256];
	int r;

	strcpy(line, "5 127\n");
	r = spk_parse_line(line, 1, axons1, &ev, err, sizeof(err));
	check(r == 1 && ev.t == 5 && ev.axon == 127 && ev.part == 0,
	      "input line: TIMESTEP AXON");
	strcpy(line, "0x10 0x7f # hex\n");
	r = spk_parse_line(line, 1, axons1, &ev, err, sizeof(err));
	check(r == 1 && ev.t == 16 && ev.axon == 127, "input line: hex numbers");
	strcpy(line, "   # nothing\n");
	check(spk_parse_line(line, 1, axons1, &ev, err, sizeof(err)) == 0,
	      "input line: comment only");
	strcpy(line, "\n");
	check(spk_parse_line(line, 1, axons1, &ev, err, sizeof(err)) == 0,
	      "input line: blank");
	strcpy(line, "3 15 1\n");
	r = spk_parse_line(line, 2, axons2, &ev, err, sizeof(err));
	check(r == 1 && ev.t == 3 && ev.axon == 15 && ev.part == 1,
	      "input line: TIMESTEP AXON PART");

	strcpy(line, "5\n");
	r = spk_parse_line(line, 1, axons1, &ev, err, sizeof(err));
	check(r == -1 && !strcmp(err, "expected 'TIMESTEP AXON'"),
	      "input line: one field");
	diag("message", err);
	strcpy(line, "1 2 3 4\n");
	r = spk_parse_line(line, 2, axons2, &ev, err, sizeof(err));
	check(r == -1 &&
	      !strcmp(err, "expected 'TIMESTEP AXON' or 'TIMESTEP AXON PART'"),
	      "input line: four fields");
	strcpy(line, "-1 2\n");
	r = spk_parse_line(line, 1, axons1, &ev, err, sizeof(err));
	check(r == -1 &&
	      !strcmp(err, "timestep '-1' is not a number in 0..4294967295"),
	      "input line: negative timestep");
	diag("message", err);
	strcpy(line, "1 128\n");
	r = spk_parse_line(line, 1, axons1, &ev, err, sizeof(err));
	check(r == -1 &&
	      !strcmp(err, "axon '128' is not a flat axon id in 0..127"),
	      "input line: axon out of range names the range");
	diag("message", err);
	strcpy(line, "1 16 1\n");
	r = spk_parse_line(line, 2, axons2, &ev, err, sizeof(err));
	check(r == -1 &&
	      !strcmp(err, "axon '16' is not a flat axon id of part 1 (0..15)"),
	      "input line: axon out of range of its part");
	diag("message", err);
	strcpy(line, "1 1 2\n");
	r = spk_parse_line(line, 2, axons2, &ev, err, sizeof(err));
	check(r == -1 &&
	      !strcmp(err, "part '2' is not a part of the network (0..1)"),
	      "input line: part out of range");
	strcpy(line, "1 1 1\n");
	r = spk_parse_line(line, 1, axons1, &ev, err, sizeof(err));
	check(r == -1 &&
	      !strcmp(err, "part '1' is not a part of the network (it has one part, 0)"),
	      "input line: a part in a one-part network");
}

static void test_spike_reader(void)
{
	const uint32_t axons[1] = { 64 };
	const char *text = "# header\n0 1\n0 2\n\n3 4\n2 5\n";
	struct spk_reader r;
	struct spk_event ev;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int n = 0, ret;

	spk_reader_init(&r, f, "in.txt", 1, axons);
	while ((ret = spk_reader_next(&r, &ev)) == 1)
		n++;
	check(n == 3 && ret == -1, "reader: three events, then an error");
	check(!strcmp(r.err,
		      "in.txt:6: timestep 2 is before timestep 3 of line 5 (timesteps must not decrease)"),
	      "reader: decreasing timestep, with snn-sim's message");
	diag("message", r.err);
	spk_reader_close(&r);
	fclose(f);

	text = "1 1\n1 1\n7 63\n";
	f = fmemopen((void *)text, strlen(text), "r");
	spk_reader_init(&r, f, "<stdin>", 1, axons);
	n = 0;
	while ((ret = spk_reader_next(&r, &ev)) == 1)
		n++;
	check(n == 3 && ret == 0 && ev.t == 7 && ev.axon == 63,
	      "reader: equal timesteps allowed, end of file");
	spk_reader_close(&r);
	fclose(f);

	text = "1 1\n2 99\n";
	f = fmemopen((void *)text, strlen(text), "r");
	spk_reader_init(&r, f, "x.txt", 1, axons);
	spk_reader_next(&r, &ev);
	ret = spk_reader_next(&r, &ev);
	check(ret == -1 &&
	      !strcmp(r.err, "x.txt:2: axon '99' is not a flat axon id in 0..63"),
	      "reader: errors name the file and line");
	spk_reader_close(&r);
	fclose(f);

	check(spk_reader_open(&r, "/nonexistent/in.txt", 1, axons) == -ENOENT &&
	      strstr(r.err, "/nonexistent/in.txt: No such file"),
	      "reader: a missing file is named");
	spk_reader_close(&r);
}

/* ---- spike output -------------------------------------------------------------- */

static void test_spike_output(void)
{
	const uint32_t npc1[1] = { 128 };
	const uint32_t npc2[2] = { 100, 10 };
	struct spk_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	spk_out_init(&o, f, 1, npc1);
	/* as two output queues would deliver them: each in order */
	spk_out_add(&o, 0, 3, 1, 5);
	spk_out_add(&o, 0, 4, 0, 2);
	spk_out_add(&o, 0, 3, 0, 7);
	spk_out_add(&o, 0, 3, 1, 0);
	spk_out_add(&o, 0, 5, 0, 0);
	check(spk_out_flush(&o, 4) == 0, "output: flush timesteps < 4");
	fflush(f);
	check(!strcmp(buf, "3 7\n3 128\n3 133\n"),
	      "output: timestep, core, neuron order; flat ids; only < 4");
	diag("output", buf);
	spk_out_flush(&o, UINT64_MAX);
	fflush(f);
	check(!strcmp(buf, "3 7\n3 128\n3 133\n4 2\n5 0\n") && o.written == 5 &&
	      o.n == 0, "output: the rest at the end");
	spk_out_free(&o);
	fclose(f);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	spk_out_init(&o, f, 2, npc2);
	spk_out_add(&o, 1, 2, 1, 3);
	spk_out_add(&o, 0, 2, 2, 1);
	spk_out_add(&o, 1, 1, 0, 9);
	spk_out_flush(&o, UINT64_MAX);
	fflush(f);
	check(!strcmp(buf, "1 9 1\n2 201 0\n2 13 1\n"),
	      "output: several parts: 'TIMESTEP NEURON PART', part order");
	diag("output", buf);
	spk_out_free(&o);
	fclose(f);
	free(buf);
}

/* ---- names --------------------------------------------------------------------- */

static void test_names(void)
{
	struct unit_name n;
	char err[256];

	check(!unit_name_parse("snn0", &n, err, sizeof(err)) &&
	      n.kind == UNIT_NAME_INDEX && n.board == 0 && n.unit == -1,
	      "name: snn0 is a board");
	check(!unit_name_parse("snn3.12", &n, err, sizeof(err)) &&
	      n.kind == UNIT_NAME_INDEX && n.board == 3 && n.unit == 12,
	      "name: snn3.12");
	check(!unit_name_parse("/dev/snn1.0", &n, err, sizeof(err)) &&
	      n.board == 1 && n.unit == 0, "name: /dev/snn1.0");
	check(!unit_name_parse("/dev/snn2", &n, err, sizeof(err)) &&
	      n.board == 2 && n.unit == -1, "name: /dev/snn2");
	check(!unit_name_parse("0000:01:00.0", &n, err, sizeof(err)) &&
	      n.kind == UNIT_NAME_BUS && !strcmp(n.bus, "0000:01:00.0"),
	      "name: a PCI address");
	check(!unit_name_parse("0000:01:00.0.2", &n, err, sizeof(err)) &&
	      n.kind == UNIT_NAME_BUS && !strcmp(n.bus, "0000:01:00.0.2"),
	      "name: a PCI address and a unit");
	check(unit_name_parse("snn", &n, err, sizeof(err)) == -EINVAL,
	      "name: snn alone is not a name");
	check(unit_name_parse("snn0.", &n, err, sizeof(err)) == -EINVAL,
	      "name: snn0. is not a name");
	check(unit_name_parse("snnx", &n, err, sizeof(err)) == -EINVAL,
	      "name: snnx is not a name");
	check(unit_name_parse("foo", &n, err, sizeof(err)) == -EINVAL &&
	      !strcmp(err, "'foo' is not a board or unit name (snnX, snnX.Y, /dev/snnX.Y, PCI-ADDRESS or PCI-ADDRESS.Y)"),
	      "name: the message says what names look like");
	diag("message", err);
	check(unit_name_parse("", &n, err, sizeof(err)) == -EINVAL,
	      "name: empty");
	check(unit_name_parse("/nonexistent/snn0.1", &n, err, sizeof(err)) ==
	      -EINVAL && strstr(err, "No such file"),
	      "name: a path that does not exist");
	check(unit_name_parse("/etc/passwd", &n, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "not an snn device node"),
	      "name: a path that is not a node");
}

/* ---- JSON writer ----------------------------------------------------------------- */

static void test_json(void)
{
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	struct mj *root;

	json_init(&j, f);
	json_obj_begin(&j);
	json_kstr(&j, "name", "snn0.1");
	json_kstr(&j, "odd", "quote\" backslash\\ nl\n tab\t ctl\x01 \xc3\xa9");
	json_ku64(&j, "big", UINT64_MAX);
	json_ki64(&j, "neg", -42);
	json_kdouble(&j, "rate", 1234.5);
	json_kdouble(&j, "nan", 0.0 / 0.0);
	json_kbool(&j, "busy", true);
	json_key(&j, "empty");
	json_arr_begin(&j);
	json_arr_end(&j);
	json_key(&j, "list");
	json_arr_begin(&j);
	json_u64(&j, 1);
	json_obj_begin(&j);
	json_kstr(&j, "k", "v");
	json_obj_end(&j);
	json_null(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	fclose(f);

	check(buf[len - 1] == '\n' && strchr(buf, '\n') == buf + len - 1,
	      "json: one line ending in a newline");
	root = mj_parse(buf, err, sizeof(err));
	check(root != NULL, "json: parses back");
	if (!root) {
		diag("json", buf);
		diag("error", err);
		return;
	}
	check(mj_str(root, "name") && !strcmp(mj_str(root, "name"), "snn0.1"),
	      "json: a string");
	check(mj_str(root, "odd") &&
	      !strcmp(mj_str(root, "odd"),
		      "quote\" backslash\\ nl\n tab\t ctl\x01 \xc3\xa9"),
	      "json: escapes round-trip");
	check(strstr(buf, "18446744073709551615") != NULL,
	      "json: u64 maximum written exactly");
	check(mj_num(root, "neg", 0) == -42, "json: negative");
	check(mj_num(root, "rate", 0) == 1234.5, "json: fraction");
	check(mj_get(root, "nan") && mj_get(root, "nan")->type == MJ_NULL,
	      "json: NaN as null");
	check(mj_bool(root, "busy", 0) == 1, "json: bool");
	check(mj_get(root, "empty") && mj_get(root, "empty")->n == 0,
	      "json: empty array");
	check(mj_get(root, "list")->n == 3 && mj_num(root, "list.0", 0) == 1 &&
	      !strcmp(mj_str(root, "list.1.k"), "v") &&
	      mj_get(root, "list.2")->type == MJ_NULL,
	      "json: nested array and object");
	mj_free(root);
	free(buf);

	check(!mj_parse("{\"a\":1,}", err, sizeof(err)),
	      "mini_json: trailing comma refused");
	check(!mj_parse("[1] x", err, sizeof(err)),
	      "mini_json: text after the value refused");
	check(!mj_parse("{\"a\":01}", err, sizeof(err)),
	      "mini_json: leading zero refused");
}

/* ---- networks ---------------------------------------------------------------------- */

static int parse_text(const char *text, struct snndev_net **net, char *err,
		      size_t len)
{
	return net_parse_text("net.txt", text, strlen(text), net, err, len);
}

/* The example image of docs/hardware.md 6.8 (120 bytes). */
static const unsigned char example_image[120] = {
	0x53, 0x4e, 0x4e, 0x49, 0x01, 0x00, 0x40, 0x00, 0x01, 0x00, 0x02, 0x00,
	0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	[64] = 0x9a, 0x01, 0xcd, 0x00, 0x32, 0x00, 0x00, 0x00, 0x03, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	[80] = 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x64, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
};

static void test_networks(void)
{
	struct snndev_net *net = NULL;
	unsigned int cores, npc, apc;
	size_t np, nn, ns, nf, len;
	char err[512];
	void *img;
	int ret;

	ret = parse_text("# the example of docs/engine.md\n"
			 "geometry 2 8 4\n"
			 "profile 0 4095 4095 0 0 0\n"
			 "neuron 0 0 0 out\n"
			 "neuron 0 1 0\n"
			 "neuron 1 2 0 out 1\n"
			 "synapse 0 0 0 1\n"
			 "synapse 0 1 1 1\n"
			 "synapse 1 3 2 1\n"
			 "fanout 0 1 1 3\n", &net, err, sizeof(err));
	check(ret == 0, "text: snn-mkimg's format");
	if (ret)
		diag("error", err);
	if (!ret) {
		snndev_net_part_info(net, 0, &cores, &npc, &apc, &np, &nn, &ns,
				     &nf);
		check(snndev_net_num_parts(net) == 1 && cores == 2 && npc == 8 &&
		      apc == 4 && np == 1 && nn == 3 && ns == 3 && nf == 1,
		      "text: geometry and record counts");
		snndev_net_free(net);
	}

	ret = parse_text("geometry 1 4 4\nprofile 0 1 1 10 0 0\n"
			 "neuron 0 0 0 out\nsynapse 0 0 0 50\n"
			 "part 1 2 2\nprofile 0 1 1 10 0 0\nneuron 0 1 0 out\n"
			 "synapse 0 1 1 50\n"
			 "route 0 0 0 1 0 1\nroute 1 0 1 0 0 0\n",
			 &net, err, sizeof(err));
	check(ret == 0 && snndev_net_num_parts(net) == 2 &&
	      snndev_net_num_routes(net) == 2 &&
	      snndev_net_routes(net)[1].src_part == 1 &&
	      snndev_net_routes(net)[1].dst_axon == 0,
	      "text: parts and routes");
	if (ret)
		diag("error", err);
	else
		snndev_net_free(net);

	ret = parse_text("geometry 1 4 4\nbogus 1 2\n", &net, err, sizeof(err));
	check(ret == -EINVAL && !strncmp(err, "net.txt:2: unknown keyword 'bogus'", 33),
	      "text: unknown keyword, with file and line");
	diag("message", err);
	ret = parse_text("neuron 0 0 0\n", &net, err, sizeof(err));
	check(ret == -EINVAL &&
	      !strcmp(err, "net.txt:1: 'geometry' or 'part' must come before any record"),
	      "text: a record before the geometry");
	ret = parse_text("geometry 1 4 4\nprofile 1 0 0 0 0 0\n", &net, err,
			 sizeof(err));
	check(ret == -EINVAL && strstr(err, "net.txt:2: profile ID 1 out of order"),
	      "text: profiles in order");
	ret = parse_text("geometry 1 4 4\nsynapse 0 0 0 200\n", &net, err,
			 sizeof(err));
	check(ret == -EINVAL &&
	      !strcmp(err, "net.txt:2: WEIGHT '200' is not a number in -128..127"),
	      "text: a field out of its type's range");
	ret = parse_text("geometry 1 4 4\nprofile 0 1 1 1 0 0\nneuron 0 9 0\n",
			 &net, err, sizeof(err));
	check(ret == -EINVAL && !strncmp(err, "net.txt:3: ", 11) &&
	      strlen(err) > 11,
	      "text: a record the library refuses names the line");
	diag("message", err);
	ret = parse_text("geometry 1 4 4\ngeometry 1 4 4\n", &net, err,
			 sizeof(err));
	check(ret == -EINVAL && strstr(err, "second 'geometry' (first on line 1"),
	      "text: one geometry line");
	ret = parse_text("geometry 1 4 4\nroute 0 0 0 5 0 0\n", &net, err,
			 sizeof(err));
	check(ret == -EINVAL && !strncmp(err, "net.txt:2: ", 11),
	      "text: a route to a part that does not exist");
	diag("message", err);
	ret = parse_text("# nothing\n", &net, err, sizeof(err));
	check(ret == -EINVAL && strstr(err, "no 'geometry' or 'part' line"),
	      "text: empty description");

	check(net_guess_format(example_image, sizeof(example_image)) ==
	      NET_FORMAT_IMAGE, "format: SNNI magic is an image");
	check(net_guess_format("geometry 1 1 1\n", 15) == NET_FORMAT_TEXT,
	      "format: text");
	check(net_guess_format("\x01\x02\x00\x00", 4) == NET_FORMAT_FILE,
	      "format: binary is a network file");
	check(net_guess_format("SNNF", 4) == NET_FORMAT_FILE,
	      "format: SNNF magic is a network file");

	ret = net_parse_image("ex.snni", example_image, sizeof(example_image),
			      &net, err, sizeof(err));
	check(ret == 0, "image: docs/hardware.md's example parses");
	if (ret) {
		diag("error", err);
		return;
	}
	snndev_net_part_info(net, 0, &cores, &npc, &apc, &np, &nn, &ns, &nf);
	check(cores == 1 && npc == 2 && apc == 2 && np == 1 && nn == 2 &&
	      ns == 2 && nf == 1, "image: geometry and counts");
	ret = snndev_net_part_image(net, 0, &img, &len);
	check(ret == 0 && len == sizeof(example_image) &&
	      !memcmp(img, example_image, len),
	      "image: written back byte for byte");
	if (!ret)
		free(img);
	snndev_net_free(net);

	{
		unsigned char bad[120];

		memcpy(bad, example_image, sizeof(bad));
		ret = net_parse_image("ex.snni", bad, 100, &net, err,
				      sizeof(err));
		check(ret == -EINVAL && strstr(err, "make 120 bytes, the file has 100"),
		      "image: truncated");
		bad[4] = 2;
		ret = net_parse_image("ex.snni", bad, sizeof(bad), &net, err,
				      sizeof(err));
		check(ret == -EINVAL && !strcmp(err, "ex.snni: offset 4: version 2 (this snnctl reads version 1)"),
		      "image: version");
		memcpy(bad, example_image, sizeof(bad));
		bad[0x61] = 1;	/* synapse 0 reserved0 */
		ret = net_parse_image("ex.snni", bad, sizeof(bad), &net, err,
				      sizeof(err));
		check(ret == -EINVAL &&
		      !strcmp(err, "ex.snni: offset 97: synapse 0: reserved field is not 0"),
		      "image: reserved field, with its offset");
		diag("message", err);
		memcpy(bad, example_image, sizeof(bad));
		bad[0x52] = 7;	/* neuron 0 index 7 >= neurons_per_core 2 */
		ret = net_parse_image("ex.snni", bad, sizeof(bad), &net, err,
				      sizeof(err));
		check(ret == -EINVAL && !strncmp(err, "ex.snni: offset 80: neuron 0: ", 30),
		      "image: a record the library refuses, with its offset");
		diag("message", err);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_numbers();
	test_spike_lines();
	test_spike_reader();
	test_spike_output();
	test_names();
	test_json();
	test_networks();
	printf("1..%d\n", n_tests);
	printf("# %d passed, %d failed\n", n_tests - n_failed, n_failed);
	return n_failed ? 1 : 0;
}
