// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsnndev: open units (clusters, routing units, board control nodes) and
 * the ioctls on them (docs/uapi.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "snndev_internal.h"

/* ---- Messages ------------------------------------------------------------- */

int snndev__ukeep(struct snndev_unit *u, int err)
{
	if (u) {
		pthread_mutex_lock(&u->lock);
		snprintf(u->errmsg, sizeof(u->errmsg), "%s", snndev__errbuf());
		pthread_mutex_unlock(&u->lock);
	}
	return err;
}

int snndev__uerr(struct snndev_unit *u, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	snndev__verr(err, fmt, ap);
	va_end(ap);
	return snndev__ukeep(u, err);
}

static const char *type_name(uint32_t t)
{
	switch (t) {
	case SNN_NODE_BOARD:
		return "board control node";
	case SNN_NODE_CLUSTER:
		return "cluster";
	case SNN_NODE_ROUTER:
		return "routing unit";
	}
	return "unknown node";
}

/* What an errno every command can return means (docs/uapi.md 12). */
static const char *common_why(int err)
{
	switch (-err) {
	case ENODEV:
		return "the board was reset or removed, or does not answer: close the unit and open it again";
	case ENOTTY:
		return "the node does not support this command";
	case EINTR:
		return "interrupted by a signal";
	case ENOMEM:
		return "out of memory";
	}
	return strerror(-err);
}

static int ioerr(struct snndev_unit *u, const char *what, int err)
{
	return snndev__uerr(u, err, "%s: %s: %s (%s)", u->devnode, what,
			    common_why(err), snndev__errname(err));
}

static int need_type(struct snndev_unit *u, const char *fn, uint32_t type)
{
	if (u->info.node_type == type)
		return 0;
	return snndev__uerr(u, -EINVAL, "%s: %s: a %s, not a %s", fn,
			    u->devnode, type_name(u->info.node_type),
			    type_name(type));
}

/* ---- Opening --------------------------------------------------------------------- */

/* (a function: SNNDEV_ABI_MINOR_MIN may be 0, and abi_minor < 0 warns) */
static unsigned int need_minor(void)
{
	return SNNDEV_ABI_MINOR_MIN;
}

/* The ABI check of open: -EPROTO with what to upgrade. */
int snndev__abi_check(const struct snn_info *info, const char *devnode)
{
	if (info->abi_major < SNNDEV_ABI_MAJOR)
		return snndev__err(-EPROTO,
				   "%s: the snn driver speaks ABI %u.%u, older than libsnndev %s needs (ABI %u.%u or a later %u.x): upgrade the snn kernel module (snn.ko) to ABI %u",
				   devnode, info->abi_major, info->abi_minor,
				   SNNDEV_VERSION_STR, SNNDEV_ABI_MAJOR,
				   SNNDEV_ABI_MINOR_MIN, SNNDEV_ABI_MAJOR,
				   SNNDEV_ABI_MAJOR);
	if (info->abi_major > SNNDEV_ABI_MAJOR)
		return snndev__err(-EPROTO,
				   "%s: the snn driver speaks ABI %u.%u, newer than libsnndev %s supports (ABI %u.x): upgrade libsnndev to a version for ABI %u",
				   devnode, info->abi_major, info->abi_minor,
				   SNNDEV_VERSION_STR, SNNDEV_ABI_MAJOR,
				   info->abi_major);
	if (info->abi_minor < need_minor())
		return snndev__err(-EPROTO,
				   "%s: the snn driver speaks ABI %u.%u, older than libsnndev %s needs (ABI %u.%u): upgrade the snn kernel module (snn.ko) to ABI %u.%u or later",
				   devnode, info->abi_major, info->abi_minor,
				   SNNDEV_VERSION_STR, SNNDEV_ABI_MAJOR,
				   SNNDEV_ABI_MINOR_MIN, SNNDEV_ABI_MAJOR,
				   SNNDEV_ABI_MINOR_MIN);
	if (info->node_type < SNN_NODE_BOARD || info->node_type > SNN_NODE_ROUTER)
		return snndev__err(-EPROTO,
				   "%s: the snn driver reports node type %u, which libsnndev %s does not know: upgrade libsnndev",
				   devnode, info->node_type, SNNDEV_VERSION_STR);
	return 0;
}

SNNDEV_EXPORT int snndev_unit_open(const char *devnode, struct snndev_unit **out)
{
	struct snndev_unit *u;
	int fd, ret, writable = 1;

	if (!devnode || !out)
		return snndev__err(-EINVAL, "snndev_unit_open: devnode or out is NULL");
	*out = NULL;
	fd = open(devnode, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		fd = open(devnode, O_RDONLY | O_CLOEXEC);
		writable = 0;
	}
	if (fd < 0) {
		ret = -errno;
		switch (-ret) {
		case EBUSY:
			return snndev__err(ret, "%s: the unit is owned by another open file (see its sysfs 'busy'); a cluster or routing unit has one owner at a time (EBUSY)",
					   devnode);
		case ENODEV:
		case ENXIO:
			return snndev__err(-ENODEV, "%s: the board was removed or is being removed (ENODEV)",
					   devnode);
		case EACCES:
			return snndev__err(ret, "%s: permission denied: the snn nodes are root-only unless a udev rule gives a group access (EACCES)",
					   devnode);
		}
		return snndev__err(ret, "%s: %s (%s)", devnode, strerror(-ret),
				   snndev__errname(ret));
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		close(fd);
		return snndev__err(-ENOMEM, "snndev_unit_open: out of memory");
	}
	u->fd = fd;
	u->efd = -1;
	u->writable = writable;
	snprintf(u->devnode, sizeof(u->devnode), "%s", devnode);
	pthread_mutex_init(&u->lock, NULL);
	ret = snndev_ioctl(fd, SNN_IOC_INFO, &u->info);
	if (ret) {
		if (ret == -ENOTTY || ret == -EINVAL)
			snndev__err(ret, "%s: not an snn node: SNN_IOC_INFO failed (%s)",
				    devnode, snndev__errname(ret));
		else
			snndev__err(ret, "%s: SNN_IOC_INFO: %s (%s)", devnode,
				    common_why(ret), snndev__errname(ret));
		goto fail;
	}
	u->info.driver_version[sizeof(u->info.driver_version) - 1] = 0;
	u->info.bus_id[sizeof(u->info.bus_id) - 1] = 0;
	ret = snndev__abi_check(&u->info, devnode);
	if (ret)
		goto fail;
	*out = u;
	return 0;
fail:
	pthread_mutex_destroy(&u->lock);
	close(fd);
	free(u);
	return ret;
}

SNNDEV_EXPORT int snndev_unit_open_node(const struct snndev_node *n,
					struct snndev_unit **out)
{
	if (!n)
		return snndev__err(-EINVAL, "snndev_unit_open_node: n is NULL");
	return snndev_unit_open(snndev_node_devnode(n), out);
}

static int open_found(const char *bus_id, unsigned int board, int unit,
		      struct snndev_unit **out)
{
	const struct snndev_node *n;
	struct snndev_enum *e;
	int ret;

	if (!out)
		return snndev__err(-EINVAL, "snndev_unit_open: out is NULL");
	*out = NULL;
	ret = snndev_enum_new(&e);
	if (ret)
		return ret;
	n = bus_id ? snndev_enum_find_bus(e, bus_id, unit) :
		     snndev_enum_find(e, board, unit);
	ret = n ? snndev_unit_open_node(n, out) : -ENODEV;
	snndev_enum_free(e);
	return ret;
}

SNNDEV_EXPORT int snndev_unit_open_index(unsigned int board, int unit,
					 struct snndev_unit **out)
{
	return open_found(NULL, board, unit, out);
}

SNNDEV_EXPORT int snndev_unit_open_bus(const char *bus_id, int unit,
				       struct snndev_unit **out)
{
	if (!bus_id)
		return snndev__err(-EINVAL, "snndev_unit_open_bus: bus_id is NULL");
	return open_found(bus_id, 0, unit, out);
}

SNNDEV_EXPORT void snndev_unit_close(struct snndev_unit *u)
{
	if (!u)
		return;
	snndev__queues_free(u);
	if (u->doorbell)
		munmap((void *)u->doorbell, SNN_DOORBELL_MAP_SIZE);
	if (u->efd >= 0)
		close(u->efd);
	close(u->fd);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/* ---- Getters ------------------------------------------------------------------- */

SNNDEV_EXPORT const char *snndev_unit_errmsg(const struct snndev_unit *u)
{
	return u ? u->errmsg : "";
}

SNNDEV_EXPORT int snndev_unit_fd(const struct snndev_unit *u)
{
	return u ? u->fd : -1;
}

SNNDEV_EXPORT const char *snndev_unit_devnode(const struct snndev_unit *u)
{
	return u->devnode;
}

SNNDEV_EXPORT enum snndev_node_type snndev_unit_type(const struct snndev_unit *u)
{
	return (enum snndev_node_type)u->info.node_type;
}

SNNDEV_EXPORT const char *snndev_unit_driver_version(const struct snndev_unit *u)
{
	return u->info.driver_version;
}

SNNDEV_EXPORT const char *snndev_unit_bus_id(const struct snndev_unit *u)
{
	return u->info.bus_id;
}

SNNDEV_EXPORT uint64_t snndev_unit_caps(const struct snndev_unit *u)
{
	return u->info.caps;
}

/* A property from snn_info; the same applicability as the enumeration's. */
int snndev__info_prop(const struct snn_info *in, enum snndev_prop prop,
		      uint64_t *val)
{
	uint32_t t = in->node_type;
	int cl = t == SNN_NODE_CLUSTER, rt = t == SNN_NODE_ROUTER;
	int bd = t == SNN_NODE_BOARD;

	switch (prop) {
	case SNNDEV_PROP_BOARD:
		*val = in->board;
		return 0;
	case SNNDEV_PROP_UNIT:
		if (bd)
			return -ENOENT;
		*val = in->unit;
		return 0;
	case SNNDEV_PROP_NODE_TYPE:
		*val = t;
		return 0;
	case SNNDEV_PROP_TRANSPORT:
		*val = in->transport;
		return 0;
	case SNNDEV_PROP_BOARD_ID:
		*val = in->board_id;
		return 0;
	case SNNDEV_PROP_REVISION:
		*val = in->revision;
		return 0;
	case SNNDEV_PROP_CLUSTERS:
		*val = in->clusters;
		return 0;
	case SNNDEV_PROP_ROUTERS:
		*val = in->routers;
		return 0;
	case SNNDEV_PROP_CORES:
	case SNNDEV_PROP_NEURONS_PER_CORE:
	case SNNDEV_PROP_AXONS_PER_CORE:
	case SNNDEV_PROP_SYNAPSES_PER_CORE:
	case SNNDEV_PROP_IN_QUEUES:
	case SNNDEV_PROP_OUT_QUEUES:
	case SNNDEV_PROP_MAX_QUEUE_DEPTH:
		if (rt)
			return -ENOENT;
		*val = prop == SNNDEV_PROP_CORES ? in->cores :
		       prop == SNNDEV_PROP_NEURONS_PER_CORE ? in->neurons :
		       prop == SNNDEV_PROP_AXONS_PER_CORE ? in->axons :
		       prop == SNNDEV_PROP_SYNAPSES_PER_CORE ? in->synapses :
		       prop == SNNDEV_PROP_IN_QUEUES ? in->in_queues :
		       prop == SNNDEV_PROP_OUT_QUEUES ? in->out_queues :
		       in->max_queue_log2 < 64 ? 1ull << in->max_queue_log2 : 0;
		return 0;
	case SNNDEV_PROP_RATED_EVENTS_PER_SEC:
	case SNNDEV_PROP_RATED_SPIKES_PER_SEC:
		if (rt)
			return -ENOENT;
		*val = prop == SNNDEV_PROP_RATED_EVENTS_PER_SEC ?
		       in->rated_eps : in->rated_sps;
		if (bd)
			*val *= in->clusters;
		return 0;
	case SNNDEV_PROP_CONNECTS:
	case SNNDEV_PROP_ROUTE_CAPACITY:
	case SNNDEV_PROP_ROUTE_DELAY:
		if (!rt)
			return -ENOENT;
		*val = prop == SNNDEV_PROP_CONNECTS ? in->unit_clusters :
		       prop == SNNDEV_PROP_ROUTE_CAPACITY ? in->route_entries :
		       in->route_delay;
		return 0;
	default:
		break;
	}
	(void)cl;
	return -EINVAL;
}

SNNDEV_EXPORT int snndev_unit_prop(const struct snndev_unit *u,
				   enum snndev_prop prop, uint64_t *val)
{
	int ret;

	if (!u || !val || (unsigned int)prop >= SNNDEV_PROP_COUNT)
		return snndev__err(-EINVAL, "snndev_unit_prop: bad argument");
	ret = snndev__info_prop(&u->info, prop, val);
	if (ret == -ENOENT)
		return snndev__err(ret, "%s: a %s has no property '%s'",
				   u->devnode, type_name(u->info.node_type),
				   snndev_prop_name(prop));
	return ret;
}

/* ---- Load -------------------------------------------------------------------------- */

static const char *const field_names[] = {
	[SNN_FIELD_FLAGS] = "flags",
	[SNN_FIELD_N_CORES] = "n_cores",
	[SNN_FIELD_NEURONS_PER_CORE] = "neurons_per_core",
	[SNN_FIELD_AXONS_PER_CORE] = "axons_per_core",
	[SNN_FIELD_N_PROFILES] = "n_profiles",
	[SNN_FIELD_N_NEURONS] = "n_neurons",
	[SNN_FIELD_N_SYNAPSES] = "n_synapses",
	[SNN_FIELD_N_FANOUT] = "n_fanout",
	[SNN_FIELD_DU] = "du",
	[SNN_FIELD_DV] = "dv",
	[SNN_FIELD_VTH] = "vth",
	[SNN_FIELD_BIAS_MANT] = "bias_mant",
	[SNN_FIELD_BIAS_EXP] = "bias_exp",
	[SNN_FIELD_RESERVED] = "reserved",
	[SNN_FIELD_CORE] = "core",
	[SNN_FIELD_PROFILE] = "profile",
	[SNN_FIELD_INDEX] = "index",
	[SNN_FIELD_OUTQ] = "outq",
	[SNN_FIELD_AXON] = "axon",
	[SNN_FIELD_NEURON] = "neuron",
	[SNN_FIELD_SRC_CORE] = "src_core",
	[SNN_FIELD_DST_CORE] = "dst_core",
	[SNN_FIELD_SRC_NEURON] = "src_neuron",
	[SNN_FIELD_DST_AXON] = "dst_axon",
	[SNN_FIELD_POINTER] = "pointer",
};

static const char *field_name(uint32_t f)
{
	if (f < SNNDEV_ARRAY_SIZE(field_names) && field_names[f])
		return field_names[f];
	return "?";
}

static const char *section_name(uint32_t s)
{
	switch (s) {
	case SNN_SEC_HEADER:
		return "header";
	case SNN_SEC_PROFILE:
		return "profile";
	case SNN_SEC_NEURON:
		return "neuron";
	case SNN_SEC_SYNAPSE:
		return "synapse";
	case SNN_SEC_FANOUT:
		return "fan-out";
	}
	return "section ?";
}

/* The value the driver complained about, from what we passed. */
static int field_value(const struct snndev_part *pt, const struct snn_load *ld,
		       long long *v)
{
	uint32_t i = ld->err_index, f = ld->err_field;

	switch (ld->err_section) {
	case SNN_SEC_HEADER:
		switch (f) {
		case SNN_FIELD_FLAGS: *v = ld->flags; return 0;
		case SNN_FIELD_N_CORES: *v = ld->n_cores; return 0;
		case SNN_FIELD_NEURONS_PER_CORE: *v = ld->neurons_per_core; return 0;
		case SNN_FIELD_AXONS_PER_CORE: *v = ld->axons_per_core; return 0;
		case SNN_FIELD_N_PROFILES: *v = ld->n_profiles; return 0;
		case SNN_FIELD_N_NEURONS: *v = ld->n_neurons; return 0;
		case SNN_FIELD_N_SYNAPSES: *v = ld->n_synapses; return 0;
		case SNN_FIELD_N_FANOUT: *v = ld->n_fanout; return 0;
		}
		break;
	case SNN_SEC_PROFILE:
		if (i >= pt->n_profiles)
			break;
		switch (f) {
		case SNN_FIELD_DU: *v = pt->profiles[i].du; return 0;
		case SNN_FIELD_DV: *v = pt->profiles[i].dv; return 0;
		case SNN_FIELD_VTH: *v = pt->profiles[i].vth; return 0;
		case SNN_FIELD_BIAS_MANT: *v = pt->profiles[i].bias_mant; return 0;
		case SNN_FIELD_BIAS_EXP: *v = pt->profiles[i].bias_exp; return 0;
		}
		break;
	case SNN_SEC_NEURON:
		if (i >= pt->n_neurons)
			break;
		switch (f) {
		case SNN_FIELD_CORE: *v = pt->neurons[i].core; return 0;
		case SNN_FIELD_PROFILE: *v = pt->neurons[i].profile; return 0;
		case SNN_FIELD_INDEX: *v = pt->neurons[i].index; return 0;
		case SNN_FIELD_FLAGS: *v = pt->neurons[i].flags; return 0;
		case SNN_FIELD_OUTQ: *v = pt->neurons[i].outq; return 0;
		case SNN_FIELD_BIAS_MANT: *v = pt->neurons[i].bias_mant; return 0;
		}
		break;
	case SNN_SEC_SYNAPSE:
		if (i >= pt->n_synapses)
			break;
		switch (f) {
		case SNN_FIELD_CORE: *v = pt->synapses[i].core; return 0;
		case SNN_FIELD_AXON: *v = pt->synapses[i].axon; return 0;
		case SNN_FIELD_NEURON: *v = pt->synapses[i].neuron; return 0;
		}
		break;
	case SNN_SEC_FANOUT:
		if (i >= pt->n_fanouts)
			break;
		switch (f) {
		case SNN_FIELD_SRC_CORE: *v = pt->fanouts[i].src_core; return 0;
		case SNN_FIELD_DST_CORE: *v = pt->fanouts[i].dst_core; return 0;
		case SNN_FIELD_SRC_NEURON: *v = pt->fanouts[i].src_neuron; return 0;
		case SNN_FIELD_DST_AXON: *v = pt->fanouts[i].dst_axon; return 0;
		}
		break;
	}
	return -1;
}

/*
 * The message of a load the driver refused with err_* filled in, e.g.
 * "neuron 17: field 'outq' is 5, largest allowed 3 (EINVAL)".
 */
void snndev__load_msg(const struct snndev_part *pt, const struct snn_load *ld,
		      int err, char *buf, size_t len)
{
	char where[64], val[48] = "";	/* " is 17" */
	const char *f = field_name(ld->err_field);
	long long v;

	if (ld->err_section == SNN_SEC_HEADER)
		snprintf(where, sizeof(where), "header");
	else
		snprintf(where, sizeof(where), "%s %u",
			 section_name(ld->err_section), ld->err_index);
	if (!field_value(pt, ld, &v))
		snprintf(val, sizeof(val), " is %lld", v);

	if (ld->err_field == SNN_FIELD_POINTER)
		snprintf(buf, len, "%s: the %s array could not be read (%s)",
			 where, section_name(ld->err_section),
			 snndev__errname(err));
	else if (err == -ENOSPC && (ld->err_section == SNN_SEC_SYNAPSE ||
				    ld->err_section == SNN_SEC_FANOUT))
		snprintf(buf, len, "%s: its core%s has more %s entries than the cluster's capacity of %u per core (ENOSPC)",
			 where, val + (*val ? 3 : 0),
			 ld->err_section == SNN_SEC_SYNAPSE ? "synapse" : "fan-out",
			 ld->err_limit);
	else if (err == -ENOSPC)
		snprintf(buf, len, "%s: field '%s'%s, more than the cluster's capacity of %u (ENOSPC)",
			 where, f, val, ld->err_limit);
	else if (ld->err_limit == 0 && ld->err_field == SNN_FIELD_RESERVED)
		snprintf(buf, len, "%s: field '%s'%s, must be 0 (%s)", where, f,
			 val, snndev__errname(err));
	else if (ld->err_limit == 0)
		snprintf(buf, len, "%s: field '%s'%s: out of range, an undefined reference or a duplicate (%s)",
			 where, f, val, snndev__errname(err));
	else
		snprintf(buf, len, "%s: field '%s'%s, largest allowed %u (%s)",
			 where, f, val, ld->err_limit, snndev__errname(err));
}

SNNDEV_EXPORT int snndev_unit_load(struct snndev_unit *u,
				   const struct snndev_net *net,
				   unsigned int part)
{
	const struct snndev_part *pt;
	struct snn_load ld;
	struct snn_wait w;
	char msg[300], why[200];
	int ret;

	if (!u || !net)
		return snndev__err(-EINVAL, "snndev_unit_load: u or net is NULL");
	ret = need_type(u, "snndev_unit_load", SNN_NODE_CLUSTER);
	if (ret)
		return ret;
	if (part >= net->n_parts)
		return snndev__uerr(u, -EINVAL,
				    "snndev_unit_load: part %u does not exist (%s)",
				    part, snndev__parts_desc(msg, sizeof(msg),
							     net->n_parts));
	pt = &net->parts[part];
	memset(&ld, 0, sizeof(ld));
	ld.n_cores = pt->n_cores;
	ld.neurons_per_core = pt->npc;
	ld.axons_per_core = pt->apc;
	ld.n_profiles = (uint32_t)pt->n_profiles;
	ld.n_neurons = (uint32_t)pt->n_neurons;
	ld.n_synapses = (uint32_t)pt->n_synapses;
	ld.n_fanout = (uint32_t)pt->n_fanouts;
	ld.profiles = (uintptr_t)pt->profiles;
	ld.neurons = (uintptr_t)pt->neurons;
	ld.synapses = (uintptr_t)pt->synapses;
	ld.fanout = (uintptr_t)pt->fanouts;
	ret = snndev_ioctl(u->fd, SNN_IOC_LOAD, &ld);
	if (!ret)
		return 0;
	if ((ret == -EINVAL || ret == -ENOSPC || ret == -EFAULT) &&
	    ld.err_section) {
		snndev__load_msg(pt, &ld, ret, msg, sizeof(msg));
		return snndev__uerr(u, ret, "%s: loading part %u: %s",
				    u->devnode, part, msg);
	}
	switch (-ret) {
	case EBUSY:
		return snndev__uerr(u, ret, "%s: loading part %u: the cluster is running, stalled, hung or loading: wait for the run to end or reset the cluster (EBUSY)",
				    u->devnode, part);
	case ENOMEM:
		return snndev__uerr(u, ret, "%s: loading part %u: the kernel has no memory for the network image; a board without SNNDEV_CAP_LOAD_SG reads it from one contiguous DMA buffer, at most 4 MiB on x86 without CMA: use fewer synapses or split the network over clusters (ENOMEM)",
				    u->devnode, part);
	case ETIMEDOUT:
		return snndev__uerr(u, ret, "%s: loading part %u: the device did not finish within 30 s; the driver reset the cluster (network, counters and configuration are gone): reset it with snndev_unit_reset() before using its queues again (ETIMEDOUT)",
				    u->devnode, part);
	case EIO:
		/* the device's reason is in the cluster's error state */
		memset(&w, 0, sizeof(w));
		if (ioctl(u->fd, SNN_IOC_WAIT, &w) && errno == EIO && w.error) {
			snndev__dev_error_desc(w.error, w.error_info, why,
					       sizeof(why));
			return snndev__uerr(u, ret, "%s: loading part %u: the device refused the network with device error %u (%s, info 0x%x): %s; the cluster is in the error state with no network (EIO)",
					    u->devnode, part, w.error,
					    snndev__dev_error_name(w.error),
					    w.error_info, why);
		}
		return snndev__uerr(u, ret, "%s: loading part %u: the device refused the network; the cluster is in the error state with no network (EIO)",
				    u->devnode, part);
	}
	return ioerr(u, "SNN_IOC_LOAD", ret);
}

/* ---- Run, wait, notifications ------------------------------------------------------------ */

static int unit_run(struct snndev_unit *u, const char *fn, unsigned int steps,
		    unsigned int flags)
{
	struct snn_run run = { .steps = steps };
	bool fresh = flags & SNNDEV_RUN_RESET_STATE;
	int ret;

	if (!u)
		return snndev__err(-EINVAL, "%s: u is NULL", fn);
	ret = need_type(u, fn, SNN_NODE_CLUSTER);
	if (ret)
		return ret;
	if (flags & ~SNNDEV_RUN_RESET_STATE)
		return snndev__uerr(u, -EINVAL, "%s: run: unknown flags 0x%x",
				    u->devnode, flags & ~SNNDEV_RUN_RESET_STATE);
	if (!steps)
		return snndev__uerr(u, -EINVAL, "%s: run: steps is 0, must be at least 1",
				    u->devnode);
	if (fresh && u->info.abi_minor < 1) {
		/* a driver before ABI 1.1 has no SNN_RUN_RESET_STATE */
		ret = snndev_unit_reset(u, SNNDEV_RESET_STATE);
		if (ret)
			return ret;
	} else if (fresh) {
		run.flags = SNN_RUN_RESET_STATE;
	}
	ret = snndev_ioctl(u->fd, SNN_IOC_RUN, &run);
	switch (-ret) {
	case 0:
		return 0;
	case EIO:
		return snndev__uerr(u, ret, "%s: run: the cluster is in the error state or hung: snndev_unit_wait() says why; reset it or load a network again (EIO)",
				    u->devnode);
	case ENODATA:
		return snndev__uerr(u, ret, "%s: run: no network is loaded (ENODATA)",
				    u->devnode);
	case EBUSY:
		if (fresh)
			return snndev__uerr(u, ret, "%s: run: SNNDEV_RUN_RESET_STATE needs an idle cluster, and it is still running or a load or reset is in progress (EBUSY)",
					    u->devnode);
		return snndev__uerr(u, ret, "%s: run: a load or reset is in progress (EBUSY)",
				    u->devnode);
	case EOVERFLOW:
		return snndev__uerr(u, ret, "%s: run: the remaining timesteps plus %u would exceed 2^32-1 (EOVERFLOW)",
				    u->devnode, steps);
	}
	return ioerr(u, "SNN_IOC_RUN", ret);
}

SNNDEV_EXPORT int snndev_unit_run(struct snndev_unit *u, unsigned int steps)
{
	return unit_run(u, "snndev_unit_run", steps, 0);
}

SNNDEV_EXPORT int snndev_unit_run_flags(struct snndev_unit *u,
					unsigned int steps, unsigned int flags)
{
	return unit_run(u, "snndev_unit_run_flags", steps, flags);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

SNNDEV_EXPORT int snndev_unit_wait(struct snndev_unit *u, int timeout_ms,
				   unsigned int flags,
				   struct snndev_status *st)
{
	struct snn_wait w;
	int64_t deadline = 0, left;
	char why[200];
	int ret;

	if (!u)
		return snndev__err(-EINVAL, "snndev_unit_wait: u is NULL");
	ret = need_type(u, "snndev_unit_wait", SNN_NODE_CLUSTER);
	if (ret)
		return ret;
	if (flags & ~SNNDEV_WAIT_OUTPUT)
		return snndev__uerr(u, -EINVAL, "%s: wait: unknown flags 0x%x",
				    u->devnode, flags & ~SNNDEV_WAIT_OUTPUT);
	if (timeout_ms > 0)
		deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		memset(&w, 0, sizeof(w));
		w.flags = flags & SNNDEV_WAIT_OUTPUT ? SNN_WAIT_OUTPUT : 0;
		if (timeout_ms < 0) {
			w.timeout_ns = -1;
		} else if (timeout_ms == 0) {
			w.timeout_ns = 0;
		} else {
			left = deadline - now_ns();
			w.timeout_ns = left > 0 ? left : 0;
		}
		ret = ioctl(u->fd, SNN_IOC_WAIT, &w) ? -errno : 0;
		if (ret != -EINTR && ret != -EAGAIN)
			break;
	}
	if (st && (ret == 0 || ret == -ETIMEDOUT || ret == -EIO)) {
		st->state = (enum snndev_state)w.state;
		st->timestep = w.timestep;
		st->remaining = w.remaining;
		st->error = w.error;
		st->error_info = w.error_info;
	}
	switch (-ret) {
	case 0:
		return 0;
	case ETIMEDOUT:
		return snndev__uerr(u, ret, "%s: wait: timed out after %d ms at timestep %u with %u timesteps to run (ETIMEDOUT)",
				    u->devnode, timeout_ms, w.timestep,
				    w.remaining);
	case EIO:
		if (w.state == SNN_STATE_HUNG)
			return snndev__uerr(u, ret, "%s: the cluster hung at timestep %u (the driver's hang watchdog): reset it to recover (EIO)",
					    u->devnode, w.timestep);
		snndev__dev_error_desc(w.error, w.error_info, why, sizeof(why));
		return snndev__uerr(u, ret, "%s: the cluster stopped at timestep %u with device error %u (%s, info 0x%x): %s; reset it or load again (EIO)",
				    u->devnode, w.timestep, w.error,
				    snndev__dev_error_name(w.error),
				    w.error_info, why);
	}
	return ioerr(u, "SNN_IOC_WAIT", ret);
}

SNNDEV_EXPORT int snndev_unit_eventfd(struct snndev_unit *u, unsigned int events)
{
	const unsigned int all = SNNDEV_NOTIFY_RUN_DONE | SNNDEV_NOTIFY_OUTPUT |
				 SNNDEV_NOTIFY_ERROR;
	struct snn_eventfd ev;
	int ret, created = 0;

	if (!u)
		return snndev__err(-EINVAL, "snndev_unit_eventfd: u is NULL");
	ret = need_type(u, "snndev_unit_eventfd", SNN_NODE_CLUSTER);
	if (ret)
		return ret;
	if (events & ~all)
		return snndev__uerr(u, -EINVAL, "%s: eventfd: unknown events 0x%x",
				    u->devnode, events & ~all);
	if (!(u->info.caps & SNN_CAP_EVENTFD))
		return snndev__uerr(u, -EOPNOTSUPP,
				    "%s: the snn driver does not offer eventfd notification (no SNN_CAP_EVENTFD): upgrade the snn kernel module (snn.ko)",
				    u->devnode);
	if (!events) {
		if (u->efd < 0)
			return 0;
		ev.fd = -1;
		ev.events = 0;
		ret = snndev_ioctl(u->fd, SNN_IOC_EVENTFD, &ev);
		if (ret)
			return ioerr(u, "SNN_IOC_EVENTFD", ret);
		close(u->efd);
		u->efd = -1;
		return 0;
	}
	if (u->efd < 0) {
		u->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (u->efd < 0) {
			ret = -errno;
			return snndev__uerr(u, ret, "%s: eventfd(): %s",
					    u->devnode, strerror(-ret));
		}
		created = 1;
	}
	ev.fd = u->efd;
	ev.events = events;	/* SNNDEV_NOTIFY_* == SNN_NOTIFY_* */
	ret = snndev_ioctl(u->fd, SNN_IOC_EVENTFD, &ev);
	if (ret) {
		if (created) {
			close(u->efd);
			u->efd = -1;
		}
		return ioerr(u, "SNN_IOC_EVENTFD", ret);
	}
	return u->efd;
}

SNNDEV_EXPORT int snndev_unit_counters(struct snndev_unit *u, uint64_t *vals,
				       unsigned int count)
{
	struct snn_counters c;
	const __u64 *src = &c.timesteps;
	unsigned int i;
	int ret;

	if (!u || (count && !vals))
		return snndev__err(-EINVAL, "snndev_unit_counters: bad argument");
	ret = need_type(u, "snndev_unit_counters", SNN_NODE_CLUSTER);
	if (ret)
		return ret;
	memset(&c, 0, sizeof(c));
	ret = snndev_ioctl(u->fd, SNN_IOC_COUNTERS, &c);
	if (ret)
		return ioerr(u, "SNN_IOC_COUNTERS", ret);
	if (count > SNNDEV_CNT_COUNT)
		count = SNNDEV_CNT_COUNT;
	/* (struct snn_counters is twelve __u64 in snndev_counter order) */
	for (i = 0; i < count; i++)
		vals[i] = src[i];
	return (int)count;
}

SNNDEV_EXPORT int snndev_unit_reset(struct snndev_unit *u, unsigned int flags)
{
	struct snn_reset r = { 0 };
	int ret;

	if (!u)
		return snndev__err(-EINVAL, "snndev_unit_reset: u is NULL");
	ret = need_type(u, "snndev_unit_reset", SNN_NODE_CLUSTER);
	if (ret)
		return ret;
	if (flags & ~SNNDEV_RESET_STATE)
		return snndev__uerr(u, -EINVAL, "%s: reset: unknown flags 0x%x",
				    u->devnode, flags & ~SNNDEV_RESET_STATE);
	r.flags = flags & SNNDEV_RESET_STATE ? SNN_RESET_STATE : 0;
	ret = snndev_ioctl(u->fd, SNN_IOC_RESET, &r);
	if (ret == -ETIMEDOUT)
		return snndev__uerr(u, ret, "%s: reset: the cluster did not finish its reset within 5 s: reset the board (ETIMEDOUT)",
				    u->devnode);
	if (ret)
		return ioerr(u, "SNN_IOC_RESET", ret);
	if (!(flags & SNNDEV_RESET_STATE))
		snndev__queues_reset(u);	/* indices restart at 0 */
	return 0;
}

SNNDEV_EXPORT int snndev_unit_config(struct snndev_unit *u, unsigned int flags)
{
	struct snn_config c = { 0 };
	int ret;

	if (!u)
		return snndev__err(-EINVAL, "snndev_unit_config: u is NULL");
	ret = need_type(u, "snndev_unit_config", SNN_NODE_CLUSTER);
	if (ret)
		return ret;
	if (flags & ~SNNDEV_CONFIG_OUT_DROP)
		return snndev__uerr(u, -EINVAL, "%s: config: unknown flags 0x%x",
				    u->devnode, flags & ~SNNDEV_CONFIG_OUT_DROP);
	c.flags = flags & SNNDEV_CONFIG_OUT_DROP ? SNN_CONFIG_OUT_DROP : 0;
	ret = snndev_ioctl(u->fd, SNN_IOC_CONFIG, &c);
	if (ret == -EOPNOTSUPP)
		return snndev__uerr(u, ret, "%s: config: the board cannot drop output events (no SNNDEV_CAP_OUT_DROP) (EOPNOTSUPP)",
				    u->devnode);
	if (ret)
		return ioerr(u, "SNN_IOC_CONFIG", ret);
	return 0;
}

SNNDEV_EXPORT int snndev_unit_board_reset(struct snndev_unit *b)
{
	struct snn_reset r = { 0 };
	int ret;

	if (!b)
		return snndev__err(-EINVAL, "snndev_unit_board_reset: board is NULL");
	ret = need_type(b, "snndev_unit_board_reset", SNN_NODE_BOARD);
	if (ret)
		return ret;
	ret = snndev_ioctl(b->fd, SNN_IOC_BOARD_RESET, &r);
	switch (-ret) {
	case 0:
		return 0;
	case EPERM:
		return snndev__uerr(b, ret, "%s: board reset: the board node was opened read-only (no write permission) (EPERM)",
				    b->devnode);
	case ENODEV:
		return snndev__uerr(b, ret, "%s: board reset: this file of the board node is stale (opened before an earlier board reset) or the board is gone: open the board node again (ENODEV)",
				    b->devnode);
	case EIO:
		return snndev__uerr(b, ret, "%s: board reset: the device does not answer; the board's health is now \"failed\" (EIO)",
				    b->devnode);
	case ETIMEDOUT:
		return snndev__uerr(b, ret, "%s: board reset: the device did not become ready within 5 s; the board's health is now \"failed\" (ETIMEDOUT)",
				    b->devnode);
	}
	return ioerr(b, "SNN_IOC_BOARD_RESET", ret);
}

/* ---- Routes ----------------------------------------------------------------------------- */

static void mask_list(uint32_t mask, char *buf, size_t len)
{
	size_t o = 0;
	unsigned int c;

	buf[0] = 0;
	for (c = 0; c < 32 && o < len; c++)
		if (mask & 1u << c)
			o += (size_t)snprintf(buf + o, len - o, "%s%u",
					      o ? " " : "", c);
}

static int route_cmd(const char *fn, unsigned long cmd,
		     struct snndev_unit *rt, struct snndev_unit *src,
		     unsigned int src_core, unsigned int src_neuron,
		     struct snndev_unit *dst, unsigned int dst_core,
		     unsigned int dst_axon)
{
	const struct snn_info *in;
	struct snn_route r;
	char list[100];
	int ret;

	if (!rt || !src || !dst)
		return snndev__err(-EINVAL, "%s: a unit is NULL", fn);
	ret = need_type(rt, fn, SNN_NODE_ROUTER);
	if (ret)
		return ret;
	if (src->info.node_type != SNN_NODE_CLUSTER ||
	    dst->info.node_type != SNN_NODE_CLUSTER)
		return snndev__uerr(rt, -EINVAL, "%s: the source and destination must be clusters (%s is a %s, %s is a %s)",
				    fn, src->devnode,
				    type_name(src->info.node_type),
				    dst->devnode,
				    type_name(dst->info.node_type));
	in = &rt->info;
	if (src->info.board != in->board || dst->info.board != in->board ||
	    strcmp(src->info.bus_id, in->bus_id) ||
	    strcmp(dst->info.bus_id, in->bus_id))
		return snndev__uerr(rt, -EINVAL, "%s: %s and %s must be clusters of the board of %s (board %u)",
				    fn, src->devnode, dst->devnode,
				    rt->devnode, in->board);
	mask_list(in->unit_clusters, list, sizeof(list));
	if (src->info.unit >= 32 || !(in->unit_clusters & 1u << src->info.unit))
		return snndev__uerr(rt, -EXDEV, "%s: routing unit %s does not connect cluster %u (%s); it connects clusters %s (EXDEV)",
				    fn, rt->devnode, src->info.unit,
				    src->devnode, list);
	if (dst->info.unit >= 32 || !(in->unit_clusters & 1u << dst->info.unit))
		return snndev__uerr(rt, -EXDEV, "%s: routing unit %s does not connect cluster %u (%s); it connects clusters %s (EXDEV)",
				    fn, rt->devnode, dst->info.unit,
				    dst->devnode, list);
	if (src_core >= in->cores)
		return snndev__uerr(rt, -EINVAL, "%s: src_core is %u, must be < %u (cores per cluster)",
				    fn, src_core, in->cores);
	if (src_neuron >= in->neurons)
		return snndev__uerr(rt, -EINVAL, "%s: src_neuron is %u, must be < %u (neurons per core)",
				    fn, src_neuron, in->neurons);
	if (dst_core >= in->cores)
		return snndev__uerr(rt, -EINVAL, "%s: dst_core is %u, must be < %u (cores per cluster)",
				    fn, dst_core, in->cores);
	if (dst_axon >= in->axons)
		return snndev__uerr(rt, -EINVAL, "%s: dst_axon is %u, must be < %u (axons per core)",
				    fn, dst_axon, in->axons);
	memset(&r, 0, sizeof(r));
	r.src_fd = src->fd;
	r.dst_fd = dst->fd;
	r.src_core = src_core;
	r.src_neuron = src_neuron;
	r.dst_core = dst_core;
	r.dst_axon = dst_axon;
	ret = snndev_ioctl(rt->fd, cmd, &r);
	switch (-ret) {
	case 0:
		return 0;
	case ENOSPC:
		return snndev__uerr(rt, ret, "%s: the route table of %s is full (%u entries) (ENOSPC)",
				    fn, rt->devnode, in->route_entries);
	case EEXIST:
		return snndev__uerr(rt, ret, "%s: %s: the route %s core %u neuron %u -> %s core %u axon %u exists (EEXIST)",
				    fn, rt->devnode, src->devnode, src_core,
				    src_neuron, dst->devnode, dst_core,
				    dst_axon);
	case ENOENT:
		return snndev__uerr(rt, ret, "%s: %s: no route %s core %u neuron %u -> %s core %u axon %u (ENOENT)",
				    fn, rt->devnode, src->devnode, src_core,
				    src_neuron, dst->devnode, dst_core,
				    dst_axon);
	case EXDEV:
		return snndev__uerr(rt, ret, "%s: routing unit %s does not connect both clusters; it connects clusters %s (EXDEV)",
				    fn, rt->devnode, list);
	case EINVAL:
		return snndev__uerr(rt, ret, "%s: %s refused the route: a cluster file is stale or not the cluster's owner (EINVAL)",
				    fn, rt->devnode);
	}
	return ioerr(rt, fn, ret);
}

SNNDEV_EXPORT int snndev_route_add(struct snndev_unit *router,
				   struct snndev_unit *src,
				   unsigned int src_core, unsigned int src_neuron,
				   struct snndev_unit *dst, unsigned int dst_core,
				   unsigned int dst_axon)
{
	return route_cmd("snndev_route_add", SNN_IOC_ROUTE_ADD, router, src,
			 src_core, src_neuron, dst, dst_core, dst_axon);
}

SNNDEV_EXPORT int snndev_route_del(struct snndev_unit *router,
				   struct snndev_unit *src,
				   unsigned int src_core, unsigned int src_neuron,
				   struct snndev_unit *dst, unsigned int dst_core,
				   unsigned int dst_axon)
{
	return route_cmd("snndev_route_del", SNN_IOC_ROUTE_DEL, router, src,
			 src_core, src_neuron, dst, dst_core, dst_axon);
}
