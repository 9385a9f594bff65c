/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsnndev internals: shared by the library's .c files and its tests,
 * never installed.  Everything here has hidden visibility (the library is
 * built with -fvisibility=hidden); the public functions are marked
 * SNNDEV_EXPORT and listed in libsnndev.map.
 */
#ifndef SNNDEV_INTERNAL_H
#define SNNDEV_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include <linux/snn.h>
#include "snndev.h"

#define SNNDEV_EXPORT		__attribute__((visibility("default")))
#define SNNDEV_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define SNNDEV_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define SNNDEV_VERSION_STR	"0.1.0"
#define SNNDEV_ABI_MAJOR	1	/* the SNN_ABI_MAJOR the library speaks */
#define SNNDEV_ABI_MINOR	1	/* the SNN_ABI_MINOR it speaks */
#define SNNDEV_ABI_MINOR_MIN	0	/* the least SNN_ABI_MINOR it needs */

#define SNNDEV_ERRMSG_LEN	512

/* ---- Errors ------------------------------------------------------------ */

/*
 * Set the calling thread's message and return err (a negative errno).
 * err is returned as given, so `return snndev__err(-EINVAL, ...)`.
 */
int snndev__err(int err, const char *fmt, ...) SNNDEV_PRINTF(2, 3);
int snndev__verr(int err, const char *fmt, va_list ap);
/* The calling thread's buffer (for building a message in pieces). */
char *snndev__errbuf(void);
/* "EINVAL" etc. */
const char *snndev__errname(int err);

/* ---- Little-endian access ------------------------------------------------ */

static inline uint16_t snndev__le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t snndev__le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void snndev__put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void snndev__put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* CRC-32 (IEEE 802.3, reflected 0xedb88320, as zlib's crc32()). */
uint32_t snndev__crc32(uint32_t crc, const void *buf, size_t len);

/* ---- Board image (SNNI, docs/hardware.md 6) -------------------------------- */

#define SNNDEV_IMG_MAGIC	0x494e4e53u	/* "SNNI" */
#define SNNDEV_IMG_VERSION	1
#define SNNDEV_IMG_HDR_SIZE	64
#define SNNDEV_IMG_PROFILE_SIZE	16
#define SNNDEV_IMG_REC_SIZE	8
#define SNNDEV_IMG_MAX_LEN	(64u << 20)

/* Format limits (the largest board); a board may offer less. */
#define SNNDEV_MAX_CORES	256
#define SNNDEV_MAX_NEURONS	65535	/* per core */
#define SNNDEV_MAX_AXONS	65535	/* per core */
#define SNNDEV_MAX_PROFILES	256
#define SNNDEV_MAX_OUT_QUEUES	8
#define SNNDEV_MAX_QUEUES	8	/* per direction */

#define SNNDEV_DU_MAX		4095
#define SNNDEV_DV_MAX		4095
#define SNNDEV_VTH_MAX		131071
#define SNNDEV_BIAS_MANT_MIN	(-4096)
#define SNNDEV_BIAS_MANT_MAX	4095
#define SNNDEV_BIAS_EXP_MIN	(-7)
#define SNNDEV_BIAS_EXP_MAX	7
#define SNNDEV_NEURON_FLAGS_ALL	(SNNDEV_NEURON_OUT | SNNDEV_NEURON_BIAS)

/* ---- Network file (docs/network-format.md) --------------------------------- */

#define SNNDEV_NF_MAGIC		0x464e4e53u	/* "SNNF" */
#define SNNDEV_NF_MAJOR		1
#define SNNDEV_NF_MINOR		0
#define SNNDEV_NF_HDR_SIZE	32
#define SNNDEV_NF_ENTRY_SIZE	16
#define SNNDEV_NF_ROUTE_SIZE	16
#define SNNDEV_NF_MAX_SECTIONS	256
#define SNNDEV_NF_ALIGN		8

/* header fields */
#define SNNDEV_NF_H_MAGIC	0	/* u32 */
#define SNNDEV_NF_H_MAJOR	4	/* u16 */
#define SNNDEV_NF_H_MINOR	6	/* u16 */
#define SNNDEV_NF_H_HDR_SIZE	8	/* u16 */
#define SNNDEV_NF_H_ENTRY_SIZE	10	/* u16 */
#define SNNDEV_NF_H_N_SECTIONS	12	/* u32 */
#define SNNDEV_NF_H_FILE_SIZE	16	/* u32 */
#define SNNDEV_NF_H_CRC32	20	/* u32 */
#define SNNDEV_NF_H_FLAGS	24	/* u32 */
#define SNNDEV_NF_H_RESERVED	28	/* u32 */

/* section table entry */
#define SNNDEV_NF_S_TYPE	0	/* u16 */
#define SNNDEV_NF_S_FLAGS	2	/* u16 */
#define SNNDEV_NF_S_RESERVED	4	/* u32 */
#define SNNDEV_NF_S_OFFSET	8	/* u32 */
#define SNNDEV_NF_S_SIZE	12	/* u32 */

#define SNNDEV_NF_SEC_NETWORK	1
#define SNNDEV_NF_SEC_ROUTES	2
#define SNNDEV_NF_SEC_OPTIONAL	0x0001	/* flag: readers may skip it */

/* route record */
#define SNNDEV_NF_R_SRC_PART	0	/* u16 */
#define SNNDEV_NF_R_DST_PART	2	/* u16 */
#define SNNDEV_NF_R_SRC_CORE	4	/* u8 */
#define SNNDEV_NF_R_DST_CORE	5	/* u8 */
#define SNNDEV_NF_R_SRC_NEURON	6	/* u16 */
#define SNNDEV_NF_R_DST_AXON	8	/* u16 */
#define SNNDEV_NF_R_FLAGS	10	/* u16 */
#define SNNDEV_NF_R_RESERVED	12	/* u32 */

/* ---- Networks in memory ------------------------------------------------------ */

/* Records are kept in the driver's layout: what SNN_IOC_LOAD takes. */
struct snndev_part {
	unsigned int n_cores;
	unsigned int npc;		/* neurons_per_core */
	unsigned int apc;		/* axons_per_core */
	struct snn_profile *profiles;
	struct snn_neuron *neurons;
	struct snn_synapse *synapses;
	struct snn_fanout *fanouts;
	size_t n_profiles, n_neurons, n_synapses, n_fanouts;
	size_t cap_profiles, cap_neurons, cap_synapses, cap_fanouts;
	/* bit core * npc + index: neuron defined; built on demand */
	uint8_t *defined;
};

struct snndev_net {
	struct snndev_part parts[SNNDEV_NET_MAX_PARTS];
	unsigned int n_parts;
	struct snndev_route *routes;
	size_t n_routes, cap_routes;
	/* open addressing: route index + 1, 0 = empty; for duplicates */
	uint32_t *route_hash;
	size_t hash_size;		/* a power of two, or 0 */
};

/* "the network has 3 parts" (or "no parts", "1 part") into buf. */
const char *snndev__parts_desc(char *buf, size_t len, unsigned int n);

/* Length of the part's board image. */
uint64_t snndev__part_image_len(const struct snndev_part *pt);
/* Serialise the part's image into buf (snndev__part_image_len() bytes). */
void snndev__part_image_write(const struct snndev_part *pt, uint8_t *buf);
/* Length of the network file of net (may exceed the format's limit). */
uint64_t snndev__net_file_len(const struct snndev_net *net);

/* The neuron-defined bitmap of a part (built from its neurons); -ENOMEM. */
int snndev__part_defined(struct snndev_part *pt);

static inline int snndev__is_defined(const struct snndev_part *pt,
				     unsigned int core, unsigned int index)
{
	size_t bit = (size_t)core * pt->npc + index;

	return pt->defined[bit >> 3] >> (bit & 7) & 1;
}

static inline void snndev__set_defined(struct snndev_part *pt,
				       unsigned int core, unsigned int index,
				       int on)
{
	size_t bit = (size_t)core * pt->npc + index;

	if (on)
		pt->defined[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	else
		pt->defined[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
}

/*
 * Record checks shared by the builder and the file reader, in the order
 * the device checks (docs/hardware.md 6.6).  On failure they return
 * -EINVAL and fill *c: the field (NULL when the record as a whole is
 * wrong, e.g. a duplicate), its offset within the record, and the rest
 * of the message ("is 9, must be < 8").
 */
struct snndev_chk {
	const char *field;
	unsigned int off;
	char why[200];
};

int snndev__chk_profile(const struct snn_profile *p, struct snndev_chk *c);
/* Needs pt->defined; checks (core, index) is not yet defined. */
int snndev__chk_neuron(const struct snndev_part *pt, const struct snn_neuron *n,
		       struct snndev_chk *c);
int snndev__chk_synapse(const struct snndev_part *pt,
			const struct snn_synapse *s, struct snndev_chk *c);
int snndev__chk_fanout(const struct snndev_part *pt, const struct snn_fanout *f,
		       struct snndev_chk *c);
/* flags and reserved are the file's (0 from the builder). */
int snndev__chk_route(const struct snndev_net *net, const struct snndev_route *r,
		      unsigned int flags, unsigned int reserved,
		      struct snndev_chk *c);

/* Geometry of a new part; -EINVAL with a message prefixed by `what`. */
int snndev__chk_geometry(const char *what, unsigned int n_cores,
			 unsigned int npc, unsigned int apc);

/* Append to net (no checks beyond allocation); -ENOMEM. */
int snndev__part_new(struct snndev_net *net, unsigned int n_cores,
		     unsigned int npc, unsigned int apc);
int snndev__reserve(void **arr, size_t *cap, size_t need, size_t elem);
/* Index of a route equal to r (all fields), or -1. */
long snndev__route_find(const struct snndev_net *net,
			const struct snndev_route *r);
/* Add r to the duplicate index (after appending it at idx); -ENOMEM. */
int snndev__route_index(struct snndev_net *net, size_t idx);

/*
 * Parse and check a board image of part `part` that starts at byte `base`
 * of a network file (for messages; prefix e.g. "network file").  Fills
 * *pt (its arrays malloc()ed, defined NULL).  -EINVAL, -E2BIG or -ENOMEM.
 */
int snndev__image_parse(const uint8_t *img, size_t len, size_t base,
			const char *prefix, unsigned int part,
			struct snndev_part *pt);
void snndev__part_free(struct snndev_part *pt);

/* read_mem with a prefix for messages ("network file", a path). */
int snndev__net_read(const void *buf, size_t len, const char *prefix,
		     struct snndev_net **out);

/* ---- Units and queues ---------------------------------------------------------- */

struct snndev_unit {
	int fd;
	int writable;			/* opened O_RDWR */
	struct snn_info info;
	char devnode[256];
	pthread_mutex_t lock;		/* errmsg, queue table, doorbell map */
	char errmsg[SNNDEV_ERRMSG_LEN];
	volatile uint32_t *doorbell;	/* mapped doorbell page, or NULL */
	int doorbell_tried;
	int efd;			/* eventfd, or -1 */
	struct snndev_queue *queues[2][SNNDEV_MAX_QUEUES];
};

/* Set the thread's message and the unit's; returns err. */
int snndev__uerr(struct snndev_unit *u, int err, const char *fmt, ...)
	SNNDEV_PRINTF(3, 4);
/* Copy the thread's current message to the unit; returns err. */
int snndev__ukeep(struct snndev_unit *u, int err);

/* Zero the host indices of the unit's queues (after a full reset). */
void snndev__queues_reset(struct snndev_unit *u);
/* Unmap and free the unit's queues (close). */
void snndev__queues_free(struct snndev_unit *u);

/* The ABI check of open: 0, or -EPROTO with what to upgrade. */
int snndev__abi_check(const struct snn_info *info, const char *devnode);
/* A property of a node from its snn_info (-ENOENT: not for this type). */
int snndev__info_prop(const struct snn_info *in, enum snndev_prop prop,
		      uint64_t *val);
/* The message for a load the driver refused with err_* filled in. */
void snndev__load_msg(const struct snndev_part *pt, const struct snn_load *ld,
		      int err, char *buf, size_t len);

/* Names of the device's error codes (SNN_E_*), and what they mean. */
const char *snndev__dev_error_name(uint32_t code);
void snndev__dev_error_desc(uint32_t code, uint32_t info, char *buf,
			    size_t len);

/* ---- Enumeration -------------------------------------------------------------------- */

/* The sysfs directory the non-udev backend reads ("/sys" unless tests
 * set SNNDEV_SYSFS_ROOT). */
const char *snndev__sysfs_root(void);

#endif /* SNNDEV_INTERNAL_H */
