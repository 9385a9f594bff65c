// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsnndev: versions, error messages, the ioctl helper, names, CRC-32.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "snndev_internal.h"

/* ---- Versions ------------------------------------------------------------ */

SNNDEV_EXPORT const char *snndev_version(void)
{
	return SNNDEV_VERSION_STR;
}

SNNDEV_EXPORT unsigned int snndev_abi_major(void)
{
	return SNNDEV_ABI_MAJOR;
}

SNNDEV_EXPORT unsigned int snndev_abi_minor(void)
{
	return SNNDEV_ABI_MINOR;
}

/* ---- Error messages ---------------------------------------------------------- */

static __thread char tls_errmsg[SNNDEV_ERRMSG_LEN];

SNNDEV_EXPORT const char *snndev_errmsg(void)
{
	return tls_errmsg;
}

char *snndev__errbuf(void)
{
	return tls_errmsg;
}

int snndev__verr(int err, const char *fmt, va_list ap)
{
	char tmp[SNNDEV_ERRMSG_LEN];

	/* (fmt's arguments may point into the buffer itself) */
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	memcpy(tls_errmsg, tmp, sizeof(tmp));
	return err;
}

int snndev__err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	snndev__verr(err, fmt, ap);
	va_end(ap);
	return err;
}

const char *snndev__errname(int err)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ EIO, "EIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { EXDEV, "EXDEV" },
		{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
		{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" },
		{ ERANGE, "ERANGE" }, { ENODATA, "ENODATA" },
		{ EPROTO, "EPROTO" }, { EOVERFLOW, "EOVERFLOW" },
		{ EILSEQ, "EILSEQ" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ETIMEDOUT, "ETIMEDOUT" },
	};
	unsigned int i;

	if (err < 0)
		err = -err;
	for (i = 0; i < SNNDEV_ARRAY_SIZE(names); i++)
		if (names[i].e == err)
			return names[i].name;
	return "E?";
}

/* ---- ioctl --------------------------------------------------------------------- */

SNNDEV_EXPORT int snndev_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret < 0 ? -errno : ret;
}

/* ---- Names ------------------------------------------------------------------------ */

static const char *const prop_names[SNNDEV_PROP_COUNT] = {
	[SNNDEV_PROP_BOARD] = "board",
	[SNNDEV_PROP_UNIT] = "unit",
	[SNNDEV_PROP_NODE_TYPE] = "type",
	[SNNDEV_PROP_TRANSPORT] = "transport",
	[SNNDEV_PROP_BOARD_ID] = "board_id",
	[SNNDEV_PROP_REVISION] = "revision",
	[SNNDEV_PROP_CLUSTERS] = "clusters",
	[SNNDEV_PROP_ROUTERS] = "routers",
	[SNNDEV_PROP_CORES] = "cores",
	[SNNDEV_PROP_NEURONS_PER_CORE] = "neurons_per_core",
	[SNNDEV_PROP_AXONS_PER_CORE] = "axons_per_core",
	[SNNDEV_PROP_SYNAPSES_PER_CORE] = "synapses_per_core",
	[SNNDEV_PROP_IN_QUEUES] = "in_queues",
	[SNNDEV_PROP_OUT_QUEUES] = "out_queues",
	[SNNDEV_PROP_MAX_QUEUE_DEPTH] = "max_queue_depth",
	[SNNDEV_PROP_RATED_EVENTS_PER_SEC] = "rated_events_per_sec",
	[SNNDEV_PROP_RATED_SPIKES_PER_SEC] = "rated_spikes_per_sec",
	[SNNDEV_PROP_CONNECTS] = "connects",
	[SNNDEV_PROP_ROUTE_CAPACITY] = "route_capacity",
	[SNNDEV_PROP_ROUTE_DELAY] = "route_delay",
};

SNNDEV_EXPORT const char *snndev_prop_name(enum snndev_prop prop)
{
	if ((unsigned int)prop >= SNNDEV_PROP_COUNT)
		return NULL;
	return prop_names[prop];
}

static const char *const counter_names[SNNDEV_CNT_COUNT] = {
	[SNNDEV_CNT_TIMESTEPS] = "timesteps",
	[SNNDEV_CNT_IN_EVENTS] = "in_events",
	[SNNDEV_CNT_SPIKES] = "spikes",
	[SNNDEV_CNT_OUT_EVENTS] = "out_events",
	[SNNDEV_CNT_SYN_OPS] = "syn_ops",
	[SNNDEV_CNT_NEURON_UPDATES] = "neuron_updates",
	[SNNDEV_CNT_STALLS] = "stalls",
	[SNNDEV_CNT_DROPS] = "drops",
	[SNNDEV_CNT_LATE_EVENTS] = "late_events",
	[SNNDEV_CNT_ROUTED_OUT] = "routed_out",
	[SNNDEV_CNT_ROUTED_IN] = "routed_in",
	[SNNDEV_CNT_AIN_SATURATIONS] = "ain_saturations",
};

SNNDEV_EXPORT const char *snndev_counter_name(enum snndev_counter c)
{
	if ((unsigned int)c >= SNNDEV_CNT_COUNT)
		return NULL;
	return counter_names[c];
}

/* ---- Device error codes (docs/hardware.md 8.5) ------------------------------------ */

static const char *const dev_error_names[] = {
	"SNN_E_NONE", "SNN_E_IMG_MAGIC", "SNN_E_IMG_VERSION",
	"SNN_E_IMG_LENGTH", "SNN_E_IMG_RANGE", "SNN_E_IMG_CAPACITY",
	"SNN_E_IMG_DUPLICATE", "SNN_E_IMG_UNDEFINED", "SNN_E_IMG_RESERVED",
	"SNN_E_DMA", "SNN_E_BAD_EVENT", "SNN_E_QUEUE", "SNN_E_NOT_LOADED",
	"SNN_E_BUSY", "SNN_E_RUN_OVERFLOW", "SNN_E_NO_OUTQ", "SNN_E_RT_FULL",
	"SNN_E_RT_EXISTS", "SNN_E_RT_NOENT", "SNN_E_RT_RANGE",
	"SNN_E_LOAD_SG",
};

const char *snndev__dev_error_name(uint32_t code)
{
	if (code < SNNDEV_ARRAY_SIZE(dev_error_names))
		return dev_error_names[code];
	return "SNN_E_?";
}

void snndev__dev_error_desc(uint32_t code, uint32_t info, char *buf,
			    size_t len)
{
	switch (code) {
	case 0:
		snprintf(buf, len, "no error");
		break;
	case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8:
		snprintf(buf, len,
			 "the device refused the network image (byte 0x%x)",
			 info);
		break;
	case 9:
		snprintf(buf, len, "a DMA transfer of the cluster failed");
		break;
	case 10:
		if ((info >> 24) == 0xff)
			snprintf(buf, len,
				 "a routed event from cluster %u to axon %u is outside the network",
				 info >> 16 & 0xff, info & 0xffff);
		else
			snprintf(buf, len,
				 "bad input event in input queue %u at ring index %u (core or axon outside the network, or payload not 0)",
				 info >> 24, info & 0xffffff);
		break;
	case 11:
		snprintf(buf, len,
			 "bad doorbell value (or queue setup) on %s queue %u",
			 info & 0x80 ? "output" : "input", info & 0x7f);
		break;
	case 12:
		snprintf(buf, len, "run without a network loaded");
		break;
	case 13:
		snprintf(buf, len, "command while loading, running or resetting");
		break;
	case 14:
		snprintf(buf, len, "remaining timesteps would exceed 2^32-1");
		break;
	case 15:
		snprintf(buf, len,
			 "an OUT neuron spiked but output queue %u does not exist",
			 info);
		break;
	case 20:
		if (info & 0x80000000u)
			snprintf(buf, len,
				 "bad scatter-gather list for the image (%s)",
				 info == 0x80000001u ? "entry count" :
				 info == 0x80000002u ? "list alignment" :
				 "unknown check");
		else
			snprintf(buf, len,
				 "bad scatter-gather list for the image (byte 0x%x of the list)",
				 info);
		break;
	default:
		snprintf(buf, len, "device error %u, info 0x%x", code, info);
		break;
	}
}

/* ---- CRC-32 ------------------------------------------------------------------------ */

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			crc_table[j][i] = crc_table[0][crc_table[j - 1][i] & 0xff] ^
					  (crc_table[j - 1][i] >> 8);
}

uint32_t snndev__crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len >= 8) {
		uint32_t a = crc ^ snndev__le32(p);
		uint32_t b = snndev__le32(p + 4);

		crc = crc_table[7][a & 0xff] ^ crc_table[6][a >> 8 & 0xff] ^
		      crc_table[5][a >> 16 & 0xff] ^ crc_table[4][a >> 24] ^
		      crc_table[3][b & 0xff] ^ crc_table[2][b >> 8 & 0xff] ^
		      crc_table[1][b >> 16 & 0xff] ^ crc_table[0][b >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
