/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driver-less access to snn boards from inside the test VM: find them in
 * sysfs, enable memory decoding and map BAR0 through
 * /sys/bus/pci/devices/<bdf>/resource0.  Used by the model tests (which
 * prove the QEMU board before any driver exists) and by snn_probe.
 *
 * Only for a board that no driver owns: the driver is the one that should
 * touch a bound device.
 */
#ifndef SNN_PCI_UTIL_H
#define SNN_PCI_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snn_hw.h"

#define SNN_SYSFS_PCI		"/sys/bus/pci/devices"
#define SNN_MAX_BOARDS		32
#define SNN_BDF_LEN		32

#define PCI_CMD_OFFSET		0x04
#define PCI_CMD_MEMORY		0x0002
#define IORESOURCE_MEM_FLAG	0x00000200
#define IORESOURCE_MEM_64_FLAG	0x00100000

struct snn_map {
	char bdf[SNN_BDF_LEN];
	volatile uint32_t *regs;	/* BAR0 */
	size_t size;
	int fd;
};

/* Read a sysfs file holding one number (hex with 0x, or decimal). */
static inline int snn_sysfs_read_ulong(const char *bdf, const char *attr,
				       unsigned long *val)
{
	char path[512], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SNN_SYSFS_PCI "/%.63s/%.63s", bdf, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = strtoul(buf, NULL, 0);
	return 0;
}

static inline int snn_is_board(const char *bdf)
{
	unsigned long vendor = 0, device = 0;

	if (snn_sysfs_read_ulong(bdf, "vendor", &vendor) ||
	    snn_sysfs_read_ulong(bdf, "device", &device))
		return 0;
	return vendor == SNN_PCI_VENDOR_ID && device == SNN_PCI_DEVICE_ID;
}

static inline int snn_bdf_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Fill bdfs[] with the PCI addresses of all boards, sorted; returns count. */
static inline int snn_find_boards(char bdfs[][SNN_BDF_LEN], int max)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(SNN_SYSFS_PCI);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL && n < max) {
		if (de->d_name[0] == '.')
			continue;
		if (!snn_is_board(de->d_name))
			continue;
		if (strlen(de->d_name) >= SNN_BDF_LEN)
			continue;
		memcpy(bdfs[n], de->d_name, strlen(de->d_name) + 1);
		n++;
	}
	closedir(d);
	qsort(bdfs, n, SNN_BDF_LEN, snn_bdf_cmp);
	return n;
}

/* Read len bytes of config space at off. */
static inline int snn_config_read(const char *bdf, unsigned int off,
				  void *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SNN_SYSFS_PCI "/%.63s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* BAR i from the resource file: start/end/flags; size 0 if unused. */
static inline int snn_bar_info(const char *bdf, int bar, unsigned long long *start,
			       unsigned long long *size, unsigned long long *flags)
{
	char path[512], line[256];
	unsigned long long s, e, f;
	FILE *fp;
	int i = 0, ret = -ENOENT;

	snprintf(path, sizeof(path), SNN_SYSFS_PCI "/%.63s/resource", bdf);
	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		if (i++ != bar)
			continue;
		if (sscanf(line, "%llx %llx %llx", &s, &e, &f) != 3)
			break;
		*start = s;
		*size = (s || e) ? e - s + 1 : 0;
		*flags = f;
		ret = 0;
		break;
	}
	fclose(fp);
	return ret;
}

/*
 * Turn on memory decoding in PCI_COMMAND if firmware left it off (no
 * driver has called pci_enable_device()).  Needs root.
 */
static inline int snn_enable_mem(const char *bdf)
{
	char path[512];
	uint16_t cmd;
	int fd, ret = 0;

	snprintf(path, sizeof(path), SNN_SYSFS_PCI "/%.63s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &cmd, 2, PCI_CMD_OFFSET) != 2) {
		ret = -EIO;
	} else if (!(cmd & PCI_CMD_MEMORY)) {
		cmd |= PCI_CMD_MEMORY;
		if (pwrite(fd, &cmd, 2, PCI_CMD_OFFSET) != 2)
			ret = -EIO;
	}
	close(fd);
	return ret;
}

static inline int snn_map_bar0(const char *bdf, struct snn_map *m)
{
	unsigned long long start = 0, size = 0, flags = 0;
	char path[512];
	void *p;
	int ret;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	snprintf(m->bdf, sizeof(m->bdf), "%.31s", bdf);
	ret = snn_bar_info(bdf, SNN_BAR_REGS, &start, &size, &flags);
	if (ret)
		return ret;
	if (!size)
		return -ENODEV;
	ret = snn_enable_mem(bdf);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), SNN_SYSFS_PCI "/%.63s/resource0", bdf);
	m->fd = open(path, O_RDWR | O_SYNC);
	if (m->fd < 0)
		return -errno;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(m->fd);
		m->fd = -1;
		return ret;
	}
	m->regs = p;
	m->size = size;
	return 0;
}

static inline void snn_unmap(struct snn_map *m)
{
	if (m->regs)
		munmap((void *)m->regs, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->regs = NULL;
	m->fd = -1;
}

static inline uint32_t snn_rd(const struct snn_map *m, uint32_t off)
{
	return m->regs[off / 4];
}

static inline void snn_wr(const struct snn_map *m, uint32_t off, uint32_t v)
{
	m->regs[off / 4] = v;
}

#endif /* SNN_PCI_UTIL_H */
