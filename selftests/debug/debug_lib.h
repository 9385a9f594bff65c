/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the debug-kernel lane's guest tests (selftests/debug/, run by
 * scripts/check-debug.sh): KTAP output, sysfs lookups of a board by PCI
 * address, and the "holder", a child process that owns a cluster the way
 * an application does (network loaded, queues created and mapped, the
 * doorbell page mapped, a run in flight) until it is told to check that
 * its file went stale, or is killed.
 *
 * The programs print their own KTAP (no kselftest harness: its 30 s test
 * limit does not fit loops of 50 hot-unplugs); vm-run.py nests it under
 * the program's own result.  Everything is static and self-contained.
 */
#ifndef SNN_DEBUG_LIB_H
#define SNN_DEBUG_LIB_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/snn.h>

#define DBG_UNUSED	__attribute__((unused))
#define DBG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- KTAP ------------------------------------------------------------------ */

static int ktap_n, ktap_failed;

static DBG_UNUSED void ktap_header(int plan)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", plan);
}

static DBG_UNUSED DBG_PRINTF(1, 2) void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* One result; returns ok. */
static DBG_UNUSED DBG_PRINTF(2, 3) int ktap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	if (!ok)
		ktap_failed++;
	return ok;
}

static DBG_UNUSED DBG_PRINTF(2, 3) void ktap_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d %s # SKIP ", ++ktap_n, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static DBG_UNUSED int ktap_exit(void)
{
	return ktap_failed ? 1 : 0;
}

/* ---- small utilities ---------------------------------------------------------- */

static DBG_UNUSED double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static DBG_UNUSED void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static DBG_UNUSED int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static DBG_UNUSED int write_file(const char *path, const char *s)
{
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static DBG_UNUSED int path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ---- boards by PCI address ---------------------------------------------------- */

/* The driver bound to a PCI device ("" if none). */
static DBG_UNUSED const char *pci_driver(const char *pci)
{
	static char name[256];
	char path[256], link[256];
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", pci);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return "";
	link[n] = 0;
	p = strrchr(link, '/');
	snprintf(name, sizeof(name), "%s", p ? p + 1 : link);
	return name;
}

/*
 * The board index X of the snn class devices under a PCI device, -1 if it
 * has none; *nodes (if given) counts its class devices (snnX, snnX.Y).
 */
static DBG_UNUSED int board_of(const char *pci, int *nodes)
{
	char path[256];
	struct dirent *de;
	int idx = -1, n = 0, x;
	char dot;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/snn", pci);
	d = opendir(path);
	if (d) {
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, "snn", 3))
				continue;
			n++;
			if (sscanf(de->d_name, "snn%d%c", &x, &dot) == 1)
				idx = x;
		}
		closedir(d);
	}
	if (nodes)
		*nodes = n;
	return idx;
}

/* Entries of a directory whose names start with prefix (-1: no directory). */
static DBG_UNUSED int count_entries(const char *dir, const char *prefix)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

/* The number of snn class devices and of /dev/snn* nodes, for leak checks. */
static DBG_UNUSED int class_nodes(void)
{
	int n = count_entries("/sys/class/snn", "snn");

	return n < 0 ? 0 : n;
}

/*
 * Character devices only: udev's /dev/snn/ directory of stable links
 * (udev/60-snndev.rules) stays after the nodes are gone.
 */
static DBG_UNUSED int dev_nodes(void)
{
	char path[300];
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d = opendir("/dev");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "snn", 3))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		if (!lstat(path, &st) && S_ISCHR(st.st_mode))
			n++;
	}
	closedir(d);
	return n;
}

/* Print what the nodes look like (for a failure's diagnosis). */
static DBG_UNUSED void diag_nodes(const char *pci)
{
	char path[256], line[1024];
	struct dirent *de;
	size_t l = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/snn", pci);
	d = opendir(path);
	line[0] = 0;
	while (d && (de = readdir(d)) && l < sizeof(line) - 40)
		if (de->d_name[0] != '.')
			l += snprintf(line + l, sizeof(line) - l, " %s", de->d_name);
	if (d)
		closedir(d);
	diag("%s:%s", path, d ? line : " (none)");
	d = opendir("/dev");
	l = 0;
	line[0] = 0;
	while (d && (de = readdir(d)) && l < sizeof(line) - 40)
		if (!strncmp(de->d_name, "snn", 3))
			l += snprintf(line + l, sizeof(line) - l, " %s", de->d_name);
	if (d)
		closedir(d);
	diag("/dev:%s", line);
}

/*
 * Is board idx under pci completely registered: its class devices (the
 * board node first, then its units, one by one: a probe under the debug
 * kernel takes a while) and all their /dev nodes?
 */
static DBG_UNUSED int board_complete(const char *pci, int idx)
{
	char path[64], val[32];
	int clusters, routers, n, i;

	snprintf(path, sizeof(path), "/sys/class/snn/snn%d/clusters", idx);
	if (read_file(path, val, sizeof(val)))
		return 0;
	clusters = atoi(val);
	snprintf(path, sizeof(path), "/sys/class/snn/snn%d/routers", idx);
	if (read_file(path, val, sizeof(val)))
		return 0;
	routers = atoi(val);
	if (board_of(pci, &n) != idx || n != 1 + clusters + routers)
		return 0;
	snprintf(path, sizeof(path), "/dev/snn%d", idx);
	if (!path_exists(path))
		return 0;
	for (i = 0; i < clusters + routers; i++) {
		snprintf(path, sizeof(path), "/dev/snn%d.%d", idx, i);
		if (!path_exists(path))
			return 0;
	}
	return 1;
}

/*
 * Wait until the PCI device is bound to snn with a completely registered
 * board; returns its index, or -1.
 */
static DBG_UNUSED int wait_board(const char *pci, double timeout_s)
{
	double end = now_s() + timeout_s;
	int idx;

	for (;;) {
		idx = board_of(pci, NULL);
		if (idx >= 0 && !strcmp(pci_driver(pci), "snn") &&
		    board_complete(pci, idx))
			return idx;
		if (now_s() > end)
			return -1;
		sleep_ms(50);
	}
}

static DBG_UNUSED int board_info(int idx, struct snn_info *info)
{
	char path[32];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/dev/snn%d", idx);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (ioctl(fd, SNN_IOC_INFO, info))
		ret = -errno;
	close(fd);
	return ret;
}

/* ---- a small network on one cluster ----------------------------------------------- */

/*
 * One core, two neurons driven by their bias (eff_bias 100 > vth << 6 = 64:
 * both spike every timestep, with no input).  With out != 0 neuron 0 is an
 * OUT neuron to output queue 0, so a run fills that queue and stalls (a run
 * in flight that costs the host nothing); else the run just goes on.
 */
static DBG_UNUSED int load_bias_net(int fd, int out)
{
	struct snn_profile profile = {
		.du = 4095, .dv = 4095, .vth = 1, .bias_mant = 100,
	};
	struct snn_neuron neurons[2] = {
		{ .core = 0, .profile = 0, .index = 0,
		  .flags = out ? SNN_NEURON_OUT : 0 },
		{ .core = 0, .profile = 0, .index = 1 },
	};
	struct snn_synapse syn = { .core = 0, .axon = 0, .neuron = 1,
				   .weight = 1 };
	struct snn_load load = {
		.n_cores = 1, .neurons_per_core = 2, .axons_per_core = 2,
		.n_profiles = 1, .n_neurons = 2, .n_synapses = 1,
		.profiles = (uintptr_t)&profile,
		.neurons = (uintptr_t)neurons,
		.synapses = (uintptr_t)&syn,
	};

	return ioctl(fd, SNN_IOC_LOAD, &load) ? -errno : 0;
}

struct dbg_queue {
	struct snn_queue_create qc;
	void *map;
};

static DBG_UNUSED int queue_create(int fd, struct dbg_queue *q, __u32 dir,
				   __u32 depth_log2)
{
	memset(q, 0, sizeof(*q));
	q->map = MAP_FAILED;
	q->qc.dir = dir;
	q->qc.index = 0;
	q->qc.depth_log2 = depth_log2;
	return ioctl(fd, SNN_IOC_QUEUE_CREATE, &q->qc) ? -errno : 0;
}

static DBG_UNUSED int queue_map(int fd, struct dbg_queue *q)
{
	q->map = mmap(NULL, q->qc.mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, fd, q->qc.mmap_offset);
	return q->map == MAP_FAILED ? -errno : 0;
}

static DBG_UNUSED void queue_unmap(struct dbg_queue *q)
{
	if (q->map != MAP_FAILED)
		munmap(q->map, q->qc.mmap_size);
	q->map = MAP_FAILED;
}

static DBG_UNUSED int run_steps(int fd, __u32 steps)
{
	struct snn_run run = { .steps = steps };

	return ioctl(fd, SNN_IOC_RUN, &run) ? -errno : 0;
}

/* SNN_IOC_WAIT; *state gets the state when the driver filled it. */
static DBG_UNUSED int wait_run(int fd, long long timeout_ns, __u32 *state)
{
	struct snn_wait w = { .timeout_ns = timeout_ns };
	int ret = ioctl(fd, SNN_IOC_WAIT, &w) ? -errno : 0;

	if (state)
		*state = w.state;
	return ret;
}

/* ---- the holder --------------------------------------------------------------------- */

#define HOLD_STALL	0	/* OUT neuron: the run stalls on a full queue */
#define HOLD_RUN	1	/* no output: the run goes on */

struct holder {
	pid_t pid;
	int cmd;		/* parent -> child */
	int rep;		/* child -> parent */
};

static sigjmp_buf holder_jmp;

static void holder_sigbus(int sig)
{
	siglongjmp(holder_jmp, 1);
}

/* Does touching addr raise SIGBUS (what a removed mapping must do)? */
static int touch_sigbus(volatile uint32_t *addr, int write)
{
	struct sigaction sa = { .sa_handler = holder_sigbus }, old;
	int bus = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(holder_jmp, 1) == 0) {
		if (write)
			*addr = 0;
		else
			(void)*addr;
	} else {
		bus = 1;
	}
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static void holder_reply(int fd, const char *fmt, ...) DBG_PRINTF(2, 3);
static void holder_reply(int fd, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(fd, buf, n) < 0)
		_exit(3);
}

/*
 * The child: set up, report "READY <state>" or "ERR ...", then serve
 * commands: 'p' (still working: WAIT does not fail with ENODEV), 's' (the
 * file must be stale: WAIT and RUN give ENODEV, poll gives
 * POLLERR|POLLHUP, the mappings raise SIGBUS; replies, then exits).
 */
static void holder_child(const char *node, int mode, const char *extra,
			 int cmd, int rep)
{
	struct dbg_queue in, out;
	volatile uint32_t *db = MAP_FAILED;
	struct snn_info info;
	int fd, efd = -1, ret;
	__u32 state = 0;
	char c;

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		holder_reply(rep, "ERR open %s: %s", node, strerror(errno));
		_exit(2);
	}
	if (extra) {
		/* e.g. the board node too: more files to go stale */
		efd = open(extra, O_RDWR | O_CLOEXEC);
		if (efd < 0) {
			holder_reply(rep, "ERR open %s: %s", extra, strerror(errno));
			_exit(2);
		}
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, SNN_IOC_INFO, &info) || info.node_type != SNN_NODE_CLUSTER) {
		holder_reply(rep, "ERR %s: not a cluster", node);
		_exit(2);
	}
	ret = load_bias_net(fd, mode == HOLD_STALL);
	if (!ret)
		ret = queue_create(fd, &in, SNN_QUEUE_IN, 4);
	if (!ret)
		ret = queue_map(fd, &in);
	if (!ret)
		ret = queue_create(fd, &out, SNN_QUEUE_OUT, 4);
	if (!ret)
		ret = queue_map(fd, &out);
	if (!ret && (info.caps & SNN_CAP_MAPPED_DOORBELL)) {
		db = mmap(NULL, SNN_DOORBELL_MAP_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, fd, SNN_MMAP_DOORBELL);
		if (db == MAP_FAILED)
			ret = -errno;
	}
	if (!ret)
		ret = run_steps(fd, mode == HOLD_STALL ? 100000 : 0x7fffffff);
	if (ret) {
		holder_reply(rep, "ERR set up %s: %s", node, strerror(-ret));
		_exit(2);
	}
	/* in flight: running, or stalled on the full output queue */
	ret = wait_run(fd, 0, &state);
	if (ret != -ETIMEDOUT ||
	    (state != SNN_STATE_RUNNING && state != SNN_STATE_STALLED)) {
		holder_reply(rep, "ERR %s: no run in flight (wait %s, state %u)",
			     node, strerror(-ret), state);
		_exit(2);
	}
	holder_reply(rep, "READY state %u", state);

	while (read(cmd, &c, 1) == 1) {
		if (c == 'p') {
			ret = wait_run(fd, 0, &state);
			if (ret == -ETIMEDOUT || ret == 0)
				holder_reply(rep, "OK state %u", state);
			else
				holder_reply(rep, "ERR wait: %s", strerror(-ret));
		} else if (c == 's') {
			struct pollfd pfd = { .fd = fd,
					      .events = POLLIN | POLLOUT | POLLPRI };
			char why[200] = "";
			size_t l = 0;

			ret = wait_run(fd, 0, NULL);
			if (ret != -ENODEV)
				l += snprintf(why + l, sizeof(why) - l, " wait:%s",
					      strerror(-ret));
			ret = run_steps(fd, 1);
			if (ret != -ENODEV)
				l += snprintf(why + l, sizeof(why) - l, " run:%s",
					      strerror(-ret));
			if (poll(&pfd, 1, 1000) != 1 ||
			    (pfd.revents & (POLLERR | POLLHUP)) != (POLLERR | POLLHUP))
				l += snprintf(why + l, sizeof(why) - l,
					      " poll:%#x", pfd.revents);
			if (!touch_sigbus((volatile uint32_t *)out.map, 0))
				l += snprintf(why + l, sizeof(why) - l,
					      " out-queue mapping readable");
			if (!touch_sigbus((volatile uint32_t *)in.map, 1))
				l += snprintf(why + l, sizeof(why) - l,
					      " in-queue mapping writable");
			if (db != MAP_FAILED && !touch_sigbus(db, 1))
				l += snprintf(why + l, sizeof(why) - l,
					      " doorbell mapping writable");
			if (efd >= 0) {
				memset(&info, 0, sizeof(info));
				/* INFO on a stale board node: allowed either way */
				ioctl(efd, SNN_IOC_INFO, &info);
			}
			if (l)
				holder_reply(rep, "ERR not stale:%s", why);
			else
				holder_reply(rep, "STALE");
			queue_unmap(&in);
			queue_unmap(&out);
			if (db != MAP_FAILED)
				munmap((void *)db, SNN_DOORBELL_MAP_SIZE);
			close(fd);
			if (efd >= 0)
				close(efd);
			_exit(l ? 1 : 0);
		}
	}
	_exit(0);
}

/* Read one reply line (timeout in s); returns its length or -1. */
static DBG_UNUSED int holder_read(struct holder *h, char *buf, size_t len,
				  int timeout_s)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { .fd = h->rep, .events = POLLIN };
		char c;

		if (poll(&p, 1, timeout_s * 1000) != 1 || read(h->rep, &c, 1) != 1)
			break;
		if (c == '\n') {
			buf[n] = 0;
			return n;
		}
		buf[n++] = c;
	}
	buf[n] = 0;
	return -1;
}

/*
 * Start a holder on node (a cluster), optionally also holding extra open.
 * Returns 0 when it reported READY; else -1 with the reason in err.
 */
static DBG_UNUSED int holder_start(struct holder *h, const char *node, int mode,
				   const char *extra, char *err, size_t len)
{
	int c[2], r[2];

	h->pid = -1;
	if (pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC)) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	h->pid = fork();
	if (h->pid < 0) {
		snprintf(err, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (!h->pid) {
		close(c[1]);
		close(r[0]);
		holder_child(node, mode, extra, c[0], r[1]);
	}
	close(c[0]);
	close(r[1]);
	h->cmd = c[1];
	h->rep = r[0];
	if (holder_read(h, err, len, 60) < 0 || strncmp(err, "READY", 5)) {
		if (!err[0])
			snprintf(err, len, "holder on %s did not report", node);
		return -1;
	}
	return 0;
}

/* Send a command, read the reply into buf; returns 0 if it starts with ok. */
static DBG_UNUSED int holder_cmd(struct holder *h, char c, const char *ok,
				 char *buf, size_t len)
{
	if (write(h->cmd, &c, 1) != 1) {
		snprintf(buf, len, "holder gone");
		return -1;
	}
	if (holder_read(h, buf, len, 30) < 0) {
		snprintf(buf, len, "holder did not answer '%c'", c);
		return -1;
	}
	return strncmp(buf, ok, strlen(ok)) ? -1 : 0;
}

/* Kill (if still running) and reap; returns the wait status. */
static DBG_UNUSED int holder_stop(struct holder *h, int sig)
{
	int st = 0;

	if (h->pid <= 0)
		return 0;
	if (sig)
		kill(h->pid, sig);
	while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
		;
	close(h->cmd);
	close(h->rep);
	h->pid = -1;
	return st;
}

/* Ask a holder whose board was reset or removed to check it, then reap. */
static DBG_UNUSED int holder_check_stale(struct holder *h, char *buf, size_t len)
{
	int ret = holder_cmd(h, 's', "STALE", buf, len);
	int st = holder_stop(h, ret ? SIGKILL : 0);

	if (!ret && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		snprintf(buf, len, "holder exit status %#x", st);
		ret = -1;
	}
	return ret;
}

/* ---- options --------------------------------------------------------------------- */

/* --name VALUE options into a table; returns 0 or -1 (unknown option). */
struct dbg_opt {
	const char *name;
	const char **val;
};

static DBG_UNUSED int parse_opts(int argc, char **argv, struct dbg_opt *opts)
{
	int i;

	for (i = 1; i < argc; i++) {
		struct dbg_opt *o;

		for (o = opts; o->name; o++)
			if (!strcmp(argv[i], o->name) && i + 1 < argc)
				break;
		if (!o->name) {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -1;
		}
		*o->val = argv[++i];
	}
	return 0;
}

#endif /* SNN_DEBUG_LIB_H */
