// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsnndev: network files (docs/network-format.md).
 *
 * The reader checks the header, then the section table (layout: aligned,
 * in order, no overlap, no gap, no trailing bytes), then each part's
 * image, then the routes.  Every check names the field and its byte
 * offset.  Work is linear in the file's length (duplicates among routes
 * are found by sorting), so no input makes it slow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snndev_internal.h"

#define HDR_ERR(e, off, field, fmt, ...)				\
	snndev__err(e, "%s: header (offset 0x%x): field '%s' " fmt,	\
		    prefix, (unsigned int)(off), field, __VA_ARGS__)
#define SEC_ERR(e, i, off, field, fmt, ...)				\
	snndev__err(e, "%s: section %u (offset 0x%x): field '%s' " fmt,	\
		    prefix, i, (unsigned int)(off), field, __VA_ARGS__)

struct sec {
	uint16_t type;
	uint16_t flags;
	uint32_t offset;
	uint32_t size;
};

static const char *sec_name(unsigned int type)
{
	switch (type) {
	case SNNDEV_NF_SEC_NETWORK:
		return "NETWORK";
	case SNNDEV_NF_SEC_ROUTES:
		return "ROUTES";
	}
	return "unknown";
}

/* Route records sorted to find duplicates. */
struct rkey {
	uint64_t a;
	uint32_t b;
	uint32_t idx;
};

static int rkey_cmp(const void *x, const void *y)
{
	const struct rkey *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return p->idx < q->idx ? -1 : p->idx > q->idx;
}

static int parse_routes(const uint8_t *buf, const struct sec *s,
			const char *prefix, struct snndev_net *net)
{
	size_t n = s->size / SNNDEV_NF_ROUTE_SIZE, i;
	const uint8_t *p = buf + s->offset;
	struct snndev_chk c;
	struct rkey *keys;
	size_t dup = SIZE_MAX, first = 0;

	if (!n)
		return 0;
	net->routes = malloc(n * sizeof(*net->routes));
	keys = malloc(n * sizeof(*keys));
	if (!net->routes || !keys) {
		free(keys);
		return snndev__err(-ENOMEM, "%s: out of memory", prefix);
	}
	net->cap_routes = n;
	for (i = 0; i < n; i++, p += SNNDEV_NF_ROUTE_SIZE) {
		struct snndev_route *r = &net->routes[i];

		memset(r, 0, sizeof(*r));
		r->src_part = snndev__le16(p + SNNDEV_NF_R_SRC_PART);
		r->dst_part = snndev__le16(p + SNNDEV_NF_R_DST_PART);
		r->src_core = p[SNNDEV_NF_R_SRC_CORE];
		r->dst_core = p[SNNDEV_NF_R_DST_CORE];
		r->src_neuron = snndev__le16(p + SNNDEV_NF_R_SRC_NEURON);
		r->dst_axon = snndev__le16(p + SNNDEV_NF_R_DST_AXON);
		if (snndev__chk_route(net, r, snndev__le16(p + SNNDEV_NF_R_FLAGS),
				      snndev__le32(p + SNNDEV_NF_R_RESERVED),
				      &c)) {
			free(keys);
			return snndev__err(-EINVAL, "%s: route %zu (offset 0x%zx): field '%s' %s",
					   prefix, i,
					   (size_t)(p - buf) + c.off, c.field,
					   c.why);
		}
		keys[i].a = (uint64_t)r->src_part << 48 |
			    (uint64_t)r->dst_part << 32 |
			    (uint64_t)r->src_core << 24 |
			    (uint64_t)r->dst_core << 16 | r->src_neuron;
		keys[i].b = r->dst_axon;
		keys[i].idx = (uint32_t)i;
	}
	/*
	 * The first record (in file order) that repeats an earlier one: in
	 * each run of equal keys (sorted by index), the second entry.
	 */
	qsort(keys, n, sizeof(*keys), rkey_cmp);
	for (i = 1; i < n; i++) {
		if (keys[i].a != keys[i - 1].a || keys[i].b != keys[i - 1].b)
			continue;
		if (keys[i].idx < dup) {
			dup = keys[i].idx;
			first = keys[i - 1].idx;
		}
		while (i + 1 < n && keys[i + 1].a == keys[i].a &&
		       keys[i + 1].b == keys[i].b)
			i++;
	}
	if (dup != SIZE_MAX) {
		free(keys);
		return snndev__err(-EINVAL, "%s: route %zu (offset 0x%zx): the same route as route %zu",
				   prefix, dup,
				   (size_t)s->offset + dup * SNNDEV_NF_ROUTE_SIZE,
				   first);
	}
	free(keys);
	net->n_routes = n;
	return 0;
}

int snndev__net_read(const void *data, size_t len, const char *prefix,
		     struct snndev_net **out)
{
	const uint8_t *buf = data;
	struct snndev_net *net = NULL;
	struct sec *secs = NULL;
	uint32_t v, n_sec, file_size, crc;
	uint64_t end, prev_end;
	unsigned int i, routes_sec = UINT32_MAX, n_parts = 0;
	static const uint8_t zero4[4];
	int ret;

	if (!out)
		return snndev__err(-EINVAL, "%s: out is NULL", prefix);
	*out = NULL;
	if (!buf && len)
		return snndev__err(-EINVAL, "%s: the buffer is NULL", prefix);
	if (len > SNNDEV_NETFILE_MAX_SIZE)
		return snndev__err(-E2BIG, "%s: %zu bytes, more than the format's limit of %u",
				   prefix, len, SNNDEV_NETFILE_MAX_SIZE);
	if (len >= 4 && snndev__le32(buf) != SNNDEV_NF_MAGIC) {
		v = snndev__le32(buf);
		if (v == SNNDEV_IMG_MAGIC)
			return HDR_ERR(-EINVAL, 0, "magic",
				       "is 0x%08x (\"SNNI\"): this is a board image, not a network file",
				       v);
		return HDR_ERR(-EINVAL, 0, "magic",
			       "is 0x%08x, must be 0x%08x (\"SNNF\"): not an snndev network file",
			       v, SNNDEV_NF_MAGIC);
	}
	if (len < SNNDEV_NF_HDR_SIZE)
		return snndev__err(-EINVAL, "%s: truncated: %zu bytes, less than the %u-byte header",
				   prefix, len, SNNDEV_NF_HDR_SIZE);
	v = snndev__le16(buf + SNNDEV_NF_H_MAJOR);
	if (v > SNNDEV_NF_MAJOR)
		return HDR_ERR(-EINVAL, SNNDEV_NF_H_MAJOR, "version_major",
			       "is %u: the file is format %u.%u, newer than libsnndev %s reads (%u.x): upgrade libsnndev",
			       v, v, snndev__le16(buf + SNNDEV_NF_H_MINOR),
			       SNNDEV_VERSION_STR, SNNDEV_NF_MAJOR);
	if (v != SNNDEV_NF_MAJOR)
		return HDR_ERR(-EINVAL, SNNDEV_NF_H_MAJOR, "version_major",
			       "is %u, must be %u", v, SNNDEV_NF_MAJOR);
	v = snndev__le16(buf + SNNDEV_NF_H_HDR_SIZE);
	if (v != SNNDEV_NF_HDR_SIZE)
		return HDR_ERR(-EINVAL, SNNDEV_NF_H_HDR_SIZE, "header_size",
			       "is %u, must be %u", v, SNNDEV_NF_HDR_SIZE);
	v = snndev__le16(buf + SNNDEV_NF_H_ENTRY_SIZE);
	if (v != SNNDEV_NF_ENTRY_SIZE)
		return HDR_ERR(-EINVAL, SNNDEV_NF_H_ENTRY_SIZE, "entry_size",
			       "is %u, must be %u", v, SNNDEV_NF_ENTRY_SIZE);
	v = snndev__le32(buf + SNNDEV_NF_H_FLAGS);
	if (v)
		return HDR_ERR(-EINVAL, SNNDEV_NF_H_FLAGS, "flags",
			       "is 0x%x, must be 0", v);
	v = snndev__le32(buf + SNNDEV_NF_H_RESERVED);
	if (v)
		return HDR_ERR(-EINVAL, SNNDEV_NF_H_RESERVED, "reserved",
			       "is 0x%x, must be 0", v);
	file_size = snndev__le32(buf + SNNDEV_NF_H_FILE_SIZE);
	if (file_size > SNNDEV_NETFILE_MAX_SIZE)
		return HDR_ERR(-E2BIG, SNNDEV_NF_H_FILE_SIZE, "file_size",
			       "is %u, more than the format's limit of %u",
			       file_size, SNNDEV_NETFILE_MAX_SIZE);
	if (len < file_size)
		return snndev__err(-EINVAL, "%s: truncated: %zu bytes, but the header (offset 0x%x) says 'file_size' %u",
				   prefix, len, SNNDEV_NF_H_FILE_SIZE,
				   file_size);
	if (len > file_size)
		return snndev__err(-EINVAL, "%s: %zu bytes of trailing garbage after the end of the file at offset 0x%x (header field 'file_size')",
				   prefix, len - file_size, file_size);
	crc = snndev__crc32(0, buf, SNNDEV_NF_H_CRC32);
	crc = snndev__crc32(crc, zero4, 4);
	crc = snndev__crc32(crc, buf + SNNDEV_NF_H_CRC32 + 4,
			    len - SNNDEV_NF_H_CRC32 - 4);
	v = snndev__le32(buf + SNNDEV_NF_H_CRC32);
	if (v != crc)
		return HDR_ERR(-EILSEQ, SNNDEV_NF_H_CRC32, "crc32",
			       "is 0x%08x, but the file's CRC-32 is 0x%08x: the file is corrupt",
			       v, crc);
	n_sec = snndev__le32(buf + SNNDEV_NF_H_N_SECTIONS);
	if (n_sec == 0)
		return HDR_ERR(-EINVAL, SNNDEV_NF_H_N_SECTIONS, "n_sections",
			       "is %u, must be at least 1 (a NETWORK section)",
			       n_sec);
	if (n_sec > SNNDEV_NF_MAX_SECTIONS)
		return HDR_ERR(-E2BIG, SNNDEV_NF_H_N_SECTIONS, "n_sections",
			       "is %u, more than the format's limit of %u",
			       n_sec, SNNDEV_NF_MAX_SECTIONS);
	end = SNNDEV_NF_HDR_SIZE + (uint64_t)SNNDEV_NF_ENTRY_SIZE * n_sec;
	if (end > file_size)
		return HDR_ERR(-EINVAL, SNNDEV_NF_H_N_SECTIONS, "n_sections",
			       "is %u: the section table ends at 0x%llx, past the end of the file (0x%x)",
			       n_sec, (unsigned long long)end, file_size);

	/* The section table: layout only. */
	secs = calloc(n_sec, sizeof(*secs));
	if (!secs)
		return snndev__err(-ENOMEM, "%s: out of memory", prefix);
	prev_end = end;
	for (i = 0; i < n_sec; i++) {
		const uint8_t *e = buf + SNNDEV_NF_HDR_SIZE +
				   (size_t)i * SNNDEV_NF_ENTRY_SIZE;
		uint32_t eo = (uint32_t)(e - buf);
		struct sec *s = &secs[i];
		uint64_t expect, j;

		s->type = snndev__le16(e + SNNDEV_NF_S_TYPE);
		s->flags = snndev__le16(e + SNNDEV_NF_S_FLAGS);
		s->offset = snndev__le32(e + SNNDEV_NF_S_OFFSET);
		s->size = snndev__le32(e + SNNDEV_NF_S_SIZE);
		v = snndev__le32(e + SNNDEV_NF_S_RESERVED);
		ret = -EINVAL;
		if (s->type == SNNDEV_NF_SEC_NETWORK ||
		    s->type == SNNDEV_NF_SEC_ROUTES) {
			if (s->flags) {
				ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_FLAGS,
					      "flags", "is 0x%x, must be 0 for a %s section",
					      s->flags, sec_name(s->type));
				goto fail;
			}
		} else if (s->flags & ~SNNDEV_NF_SEC_OPTIONAL) {
			ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_FLAGS, "flags",
				      "is 0x%x, must be 0 or 0x1 (OPTIONAL)",
				      s->flags);
			goto fail;
		} else if (!(s->flags & SNNDEV_NF_SEC_OPTIONAL)) {
			ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_TYPE, "type",
				      "is %u: an unknown section type that is not marked optional (1 NETWORK and 2 ROUTES are known; a newer libsnndev may read it)",
				      s->type);
			goto fail;
		}
		if (v) {
			ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_RESERVED,
				      "reserved", "is 0x%x, must be 0", v);
			goto fail;
		}
		if (s->offset % SNNDEV_NF_ALIGN) {
			ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_OFFSET, "offset",
				      "is 0x%x, must be a multiple of %u",
				      s->offset, SNNDEV_NF_ALIGN);
			goto fail;
		}
		expect = (prev_end + SNNDEV_NF_ALIGN - 1) &
			 ~(uint64_t)(SNNDEV_NF_ALIGN - 1);
		if (s->offset < prev_end) {
			if (i == 0)
				ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_OFFSET,
					      "offset", "is 0x%x: overlaps the section table (which ends at 0x%llx)",
					      s->offset, (unsigned long long)prev_end);
			else
				ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_OFFSET,
					      "offset", "is 0x%x: overlaps section %u (which ends at 0x%llx)",
					      s->offset, i - 1,
					      (unsigned long long)prev_end);
			goto fail;
		}
		if (s->offset != expect) {
			ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_OFFSET, "offset",
				      "is 0x%x, must be 0x%llx: sections follow each other without gaps",
				      s->offset, (unsigned long long)expect);
			goto fail;
		}
		if (s->type == SNNDEV_NF_SEC_NETWORK) {
			if (n_parts >= SNNDEV_NET_MAX_PARTS) {
				ret = SEC_ERR(-E2BIG, i, eo + SNNDEV_NF_S_TYPE, "type",
					      "is NETWORK: more NETWORK sections than the limit of %u parts",
					      SNNDEV_NET_MAX_PARTS);
				goto fail;
			}
			if (s->size > SNNDEV_IMG_MAX_LEN) {
				ret = SEC_ERR(-E2BIG, i, eo + SNNDEV_NF_S_SIZE, "size",
					      "is %u, more than the limit of %u for a part's image",
					      s->size, SNNDEV_IMG_MAX_LEN);
				goto fail;
			}
			n_parts++;
		} else if (s->type == SNNDEV_NF_SEC_ROUTES) {
			if (routes_sec != UINT32_MAX) {
				ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_TYPE, "type",
					      "is ROUTES: a second ROUTES section (the first is section %u)",
					      routes_sec);
				goto fail;
			}
			if (s->size % SNNDEV_NF_ROUTE_SIZE) {
				ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_SIZE, "size",
					      "is %u, must be a multiple of %u (the route record)",
					      s->size, SNNDEV_NF_ROUTE_SIZE);
				goto fail;
			}
			if (s->size / SNNDEV_NF_ROUTE_SIZE > SNNDEV_NET_MAX_ROUTES) {
				ret = SEC_ERR(-E2BIG, i, eo + SNNDEV_NF_S_SIZE, "size",
					      "is %u: %u routes, more than the limit of %u",
					      s->size, s->size / SNNDEV_NF_ROUTE_SIZE,
					      SNNDEV_NET_MAX_ROUTES);
				goto fail;
			}
			routes_sec = i;
		}
		if ((uint64_t)s->offset + s->size > file_size) {
			ret = SEC_ERR(-EINVAL, i, eo + SNNDEV_NF_S_SIZE, "size",
				      "is %u: the section ends at 0x%llx, past the end of the file (0x%x)",
				      s->size,
				      (unsigned long long)s->offset + s->size,
				      file_size);
			goto fail;
		}
		for (j = prev_end; j < s->offset; j++)
			if (buf[j]) {
				ret = snndev__err(-EINVAL, "%s: offset 0x%llx: padding before section %u is 0x%02x, must be 0",
						  prefix, (unsigned long long)j,
						  i, buf[j]);
				goto fail;
			}
		prev_end = (uint64_t)s->offset + s->size;
	}
	if (prev_end < file_size) {
		ret = snndev__err(-EINVAL, "%s: offset 0x%llx: %llu bytes after the last section (trailing garbage)",
				  prefix, (unsigned long long)prev_end,
				  (unsigned long long)(file_size - prev_end));
		goto fail;
	}
	if (!n_parts) {
		ret = snndev__err(-EINVAL, "%s: no NETWORK section: a network file has at least one part",
				  prefix);
		goto fail;
	}

	/* The parts, then the routes. */
	net = calloc(1, sizeof(*net));
	if (!net) {
		ret = snndev__err(-ENOMEM, "%s: out of memory", prefix);
		goto fail;
	}
	for (i = 0; i < n_sec; i++) {
		if (secs[i].type != SNNDEV_NF_SEC_NETWORK)
			continue;
		ret = snndev__image_parse(buf + secs[i].offset, secs[i].size,
					  secs[i].offset, prefix, net->n_parts,
					  &net->parts[net->n_parts]);
		if (ret)
			goto fail;
		net->n_parts++;
	}
	if (routes_sec != UINT32_MAX) {
		ret = parse_routes(buf, &secs[routes_sec], prefix, net);
		if (ret)
			goto fail;
	}
	free(secs);
	*out = net;
	return 0;
fail:
	free(secs);
	snndev_net_free(net);
	return ret;
}

SNNDEV_EXPORT int snndev_net_read_mem(const void *buf, size_t len,
				      struct snndev_net **out)
{
	return snndev__net_read(buf, len, "network file", out);
}

SNNDEV_EXPORT int snndev_net_read_file(const char *path,
				       struct snndev_net **out)
{
	size_t len = 0, cap = 0;
	uint8_t *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd, ret;

	if (!path || !out)
		return snndev__err(-EINVAL, "snndev_net_read_file: path or out is NULL");
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return snndev__err(ret, "%s: %s", path, strerror(-ret));
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > SNNDEV_NETFILE_MAX_SIZE) {
			close(fd);
			return snndev__err(-E2BIG, "%s: %lld bytes, more than the format's limit of %u",
					   path, (long long)st.st_size,
					   SNNDEV_NETFILE_MAX_SIZE);
		}
		cap = (size_t)st.st_size + 1;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			uint8_t *nb;

			if (ncap > (size_t)SNNDEV_NETFILE_MAX_SIZE + 1)
				ncap = (size_t)SNNDEV_NETFILE_MAX_SIZE + 1;
			if (ncap == cap) {
				ret = snndev__err(-E2BIG, "%s: more than the format's limit of %u bytes",
						  path, SNNDEV_NETFILE_MAX_SIZE);
				goto out;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				ret = snndev__err(-ENOMEM, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		if (!buf) {
			buf = malloc(cap);
			if (!buf) {
				ret = snndev__err(-ENOMEM, "%s: out of memory", path);
				goto out;
			}
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			snndev__err(ret, "%s: %s", path, strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	ret = snndev__net_read(buf, len, path, out);
out:
	free(buf);
	close(fd);
	return ret;
}

SNNDEV_EXPORT int snndev_net_write_mem(const struct snndev_net *net,
				       void **bufp, size_t *lenp)
{
	unsigned int i, n_sec;
	uint64_t total;
	uint32_t off;
	uint8_t *buf, *e;

	if (!net || !bufp || !lenp)
		return snndev__err(-EINVAL, "snndev_net_write: net, buf or len is NULL");
	if (!net->n_parts)
		return snndev__err(-EINVAL, "snndev_net_write: the network has no parts");
	total = snndev__net_file_len(net);
	if (total > SNNDEV_NETFILE_MAX_SIZE)
		return snndev__err(-E2BIG, "snndev_net_write: the file would be %llu bytes, more than the format's limit of %u",
				   (unsigned long long)total,
				   SNNDEV_NETFILE_MAX_SIZE);
	n_sec = net->n_parts + (net->n_routes ? 1 : 0);
	buf = calloc(1, total);
	if (!buf)
		return snndev__err(-ENOMEM, "snndev_net_write: out of memory");
	snndev__put32(buf + SNNDEV_NF_H_MAGIC, SNNDEV_NF_MAGIC);
	snndev__put16(buf + SNNDEV_NF_H_MAJOR, SNNDEV_NF_MAJOR);
	snndev__put16(buf + SNNDEV_NF_H_MINOR, SNNDEV_NF_MINOR);
	snndev__put16(buf + SNNDEV_NF_H_HDR_SIZE, SNNDEV_NF_HDR_SIZE);
	snndev__put16(buf + SNNDEV_NF_H_ENTRY_SIZE, SNNDEV_NF_ENTRY_SIZE);
	snndev__put32(buf + SNNDEV_NF_H_N_SECTIONS, n_sec);
	snndev__put32(buf + SNNDEV_NF_H_FILE_SIZE, (uint32_t)total);
	off = SNNDEV_NF_HDR_SIZE + SNNDEV_NF_ENTRY_SIZE * n_sec;
	e = buf + SNNDEV_NF_HDR_SIZE;
	for (i = 0; i < net->n_parts; i++, e += SNNDEV_NF_ENTRY_SIZE) {
		uint32_t size = (uint32_t)snndev__part_image_len(&net->parts[i]);

		snndev__put16(e + SNNDEV_NF_S_TYPE, SNNDEV_NF_SEC_NETWORK);
		snndev__put32(e + SNNDEV_NF_S_OFFSET, off);
		snndev__put32(e + SNNDEV_NF_S_SIZE, size);
		snndev__part_image_write(&net->parts[i], buf + off);
		off += size;
	}
	if (net->n_routes) {
		uint8_t *p = buf + off;
		size_t j;

		snndev__put16(e + SNNDEV_NF_S_TYPE, SNNDEV_NF_SEC_ROUTES);
		snndev__put32(e + SNNDEV_NF_S_OFFSET, off);
		snndev__put32(e + SNNDEV_NF_S_SIZE,
			      (uint32_t)(SNNDEV_NF_ROUTE_SIZE * net->n_routes));
		for (j = 0; j < net->n_routes; j++, p += SNNDEV_NF_ROUTE_SIZE) {
			const struct snndev_route *r = &net->routes[j];

			snndev__put16(p + SNNDEV_NF_R_SRC_PART, r->src_part);
			snndev__put16(p + SNNDEV_NF_R_DST_PART, r->dst_part);
			p[SNNDEV_NF_R_SRC_CORE] = r->src_core;
			p[SNNDEV_NF_R_DST_CORE] = r->dst_core;
			snndev__put16(p + SNNDEV_NF_R_SRC_NEURON, r->src_neuron);
			snndev__put16(p + SNNDEV_NF_R_DST_AXON, r->dst_axon);
		}
	}
	/* the CRC field is still 0 */
	snndev__put32(buf + SNNDEV_NF_H_CRC32, snndev__crc32(0, buf, total));
	*bufp = buf;
	*lenp = total;
	return 0;
}

SNNDEV_EXPORT int snndev_net_write_file(const struct snndev_net *net,
					const char *path)
{
	void *buf;
	size_t len, done = 0;
	ssize_t n;
	int fd, ret;

	if (!path)
		return snndev__err(-EINVAL, "snndev_net_write_file: path is NULL");
	ret = snndev_net_write_mem(net, &buf, &len);
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		ret = -errno;
		free(buf);
		return snndev__err(ret, "%s: %s", path, strerror(-ret));
	}
	while (done < len) {
		n = write(fd, (uint8_t *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			snndev__err(ret, "%s: write: %s", path, strerror(-ret));
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) && !ret) {
		ret = -errno;
		snndev__err(ret, "%s: close: %s", path, strerror(-ret));
	}
	free(buf);
	return ret;
}
