// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz_test: a seeded fuzzer of snn.ko's user-space interface, run in
 * the test VM (scripts/check-debug.sh under the debug kernel; scripts/fuzz.sh,
 * `make fuzz`, for longer runs).  docs/testing.md describes how to use it.
 *
 *   ioctl_fuzz_test [--seed N] [--calls N] [--seconds S] [--procs N]
 *                   [--threads N] [--kill-ms MS] [--reset-ms MS]
 *                   [--board BUS]... [--only OP,...] [--skip OP,...]
 *                   [--trace]
 *
 * Worker processes, each with several threads, call into every node of every
 * board (/dev/snnX, and the cluster and routing-unit nodes /dev/snnX.Y):
 * every ioctl of uapi/linux/snn.h, mmap, mremap, mprotect and munmap of the
 * queues and the doorbell page, reads and writes of the mapped memory, poll
 * and epoll, open, close and dup, eventfds, fork, sysfs reads and board
 * resets.  Arguments start out valid, built from SNN_IOC_INFO (networks
 * whose arrays point at valid memory, queues that exist, fds of clusters the
 * caller owns), and are then mutated: bit flips, boundary values, struct
 * sizes below and above the driver's (with zero and non-zero tails), bad
 * pointers (NULL, unmapped, kernel, misaligned, read-only, straddling an
 * unmapped page), unknown ioctl numbers, types and directions, the wrong
 * node type.  Threads also use each other's fds, and the main process kills
 * and restarts workers at random, so files are released with runs in
 * flight, mappings in place and calls in progress.
 *
 * Nothing is expected to succeed.  What is checked, each a KTAP result:
 *   errno_documented   an ioctl fails only with an error that docs/uapi.md
 *                      lists for it (sections 3.2 and 12), and with exactly
 *                      -ENOTTY, -EINVAL, -EFAULT or -E2BIG where the
 *                      dispatch order of section 3.2 decides; the same for
 *                      open() (section 2) and mmap() (section 5)
 *   output_invariants  what the driver writes back is consistent (INFO,
 *                      LOAD's err_* fields, QUEUE_CREATE, WAIT, COUNTERS,
 *                      zero-filled tails of bigger structs, poll masks); a
 *                      valid network is accepted; mappings that must fail
 *                      do; sysfs attributes stay readable
 *   signals            no worker or child dies of a signal; SIGBUS comes
 *                      only from a mapping that may have been zapped (its
 *                      queue destroyed, a board reset), and always from one
 *                      that was
 *   workers_exit       every worker exits when told to (none is stuck in
 *                      the kernel)
 *   units_released     then every unit is free, every cluster idle and
 *                      every route table empty
 *   clusters_usable    every cluster then runs a small network and gives
 *                      the expected spike, without a board reset
 *   board_reset_sanity a board reset succeeds and the network runs again
 *   call_target        --calls were made before --seconds ran out (SKIP if
 *                      the machine was too slow)
 * The kernel's side (KASAN, lockdep, UBSAN, WARNING, ...) is what the VM
 * runner checks in the console.
 *
 * Calls are system calls made by the fuzzer (ioctl, mmap, poll, open, ...);
 * accesses to mapped memory are counted apart.  The seed, printed first,
 * fixes each thread's sequence of random choices, so --seed N repeats a run.
 * Threads and processes interleave differently every time, so with several
 * of them a replay is likely, not certain, to hit the same bug; --procs 1
 * --threads 1 --kill-ms 0 makes a run nearly deterministic, --only and
 * --skip narrow the operations, and --trace prints every call.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/snn.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define FZ_PRINTF(a, b)	__attribute__((format(printf, a, b)))

#define FZ_NS		1000000000LL
#define FZ_MAX_BOARDS	8
#define FZ_MAX_NODES	160
#define FZ_MAX_ATTRS	640
#define FZ_MAX_PROCS	16
#define FZ_MAX_THREADS	16
#define FZ_SLOTS	10		/* open files per thread */
#define FZ_MAPS		12		/* mappings per thread */
#define FZ_MAX_USIZE	16384		/* _IOC_SIZE is 14 bits */
#define FZ_ARG_SIZE	32768		/* struct buffer, then a guard page */
#define FZ_RO_SIZE	20480		/* read-only zeros */
#define FZ_ARR_SIZE	(256 * 1024)	/* LOAD arrays, then a guard page */
#define FZ_MAX_PROF	256
#define FZ_MAX_NRN	4096
#define FZ_MAX_SYN	8192
#define FZ_MAX_FO	4096
#define FZ_MAX_Q	8
#define FZ_HIST		8		/* calls remembered per thread */
#define FZ_MSGS		30		/* violations printed in full */
#define FZ_NERR		160
#define FZ_WAIT_MAX_NS	5000000		/* longest WAIT without a timer */

#define ADD(p, v)	__atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
#define GET(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define PUT(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)

static size_t page_size;

/* ---- configuration ------------------------------------------------------- */

enum {
	OP_OPEN, OP_CLOSE, OP_DUP, OP_INFO, OP_LOAD, OP_QCREATE, OP_QDESTROY,
	OP_DOORBELL, OP_RUN, OP_WAIT, OP_COUNTERS, OP_RESET, OP_CONFIG,
	OP_EVENTFD, OP_ROUTE, OP_BOARD_RESET, OP_RAW, OP_MMAP, OP_MUNMAP,
	OP_MREMAP, OP_MPROTECT, OP_TOUCH, OP_POLL, OP_EPOLL, OP_FORK,
	OP_SYSFS, OP_NUM
};

static const struct {
	const char *name;
	int weight;		/* per mille, before --only/--skip */
} fz_ops[OP_NUM] = {
	[OP_OPEN] = { "open", 50 },
	[OP_CLOSE] = { "close", 25 },
	[OP_DUP] = { "dup", 8 },
	[OP_INFO] = { "info", 45 },
	[OP_LOAD] = { "load", 45 },
	[OP_QCREATE] = { "qcreate", 45 },
	[OP_QDESTROY] = { "qdestroy", 25 },
	[OP_DOORBELL] = { "doorbell", 45 },
	[OP_RUN] = { "run", 50 },
	[OP_WAIT] = { "wait", 50 },
	[OP_COUNTERS] = { "counters", 30 },
	[OP_RESET] = { "reset", 25 },
	[OP_CONFIG] = { "config", 15 },
	[OP_EVENTFD] = { "eventfd", 25 },
	[OP_ROUTE] = { "route", 45 },
	[OP_BOARD_RESET] = { "board_reset", 4 },
	[OP_RAW] = { "raw", 70 },
	[OP_MMAP] = { "mmap", 40 },
	[OP_MUNMAP] = { "munmap", 20 },
	[OP_MREMAP] = { "mremap", 8 },
	[OP_MPROTECT] = { "mprotect", 8 },
	[OP_TOUCH] = { "touch", 110 },
	[OP_POLL] = { "poll", 30 },
	[OP_EPOLL] = { "epoll", 12 },
	[OP_FORK] = { "fork", 1 },
	[OP_SYSFS] = { "sysfs", 6 },
};

static struct {
	uint64_t seed;
	uint64_t calls;		/* stop after this many calls (0: no limit) */
	double seconds;		/* stop after this long (0: no limit) */
	int procs, threads;
	int kill_ms;		/* mean time between worker kills (0: never) */
	int reset_ms;		/* least time between resets of a board */
	int trace;
	int weight[OP_NUM];
	int weight_sum;
	const char *bus[FZ_MAX_BOARDS];
	int nbus;
} cfg = {
	.procs = 2, .threads = 2, .kill_ms = 3000, .reset_ms = 3000,
};

/* ---- the ioctls ------------------------------------------------------------ */

enum {
	C_INFO, C_LOAD, C_QCREATE, C_QDESTROY, C_DOORBELL, C_RUN, C_WAIT,
	C_COUNTERS, C_RESET, C_CONFIG, C_EVENTFD, C_ROUTE_ADD, C_ROUTE_DEL,
	C_BOARD_RESET, C_NUM
};

#define NB	(1u << SNN_NODE_BOARD)
#define NC	(1u << SNN_NODE_CLUSTER)
#define NR	(1u << SNN_NODE_ROUTER)

/*
 * Each command's errors once the dispatch checks of docs/uapi.md 3.2 (type
 * and number, node type, size, copy-in) have passed: its own errors from
 * section 12, and -ENODEV for a stale file (every command).  -EFAULT from
 * the copy-out is added when the argument is not writable.
 */
static const struct fz_cmd {
	const char *name;
	unsigned long cmd;
	unsigned int nodes;
	int errs[9];		/* 0-terminated */
} fz_cmds[C_NUM] = {
	[C_INFO] = { "INFO", SNN_IOC_INFO, NB | NC | NR, { ENODEV } },
	[C_LOAD] = { "LOAD", SNN_IOC_LOAD, NC,
		     { EINVAL, ENOSPC, EFAULT, ENODEV, EBUSY, ENOMEM,
		       ETIMEDOUT, EIO } },
	[C_QCREATE] = { "QUEUE_CREATE", SNN_IOC_QUEUE_CREATE, NC,
			{ EINVAL, EEXIST, ENOMEM, ENODEV } },
	[C_QDESTROY] = { "QUEUE_DESTROY", SNN_IOC_QUEUE_DESTROY, NC,
			 { EINVAL, ENOENT, ENODEV, EBUSY } },
	[C_DOORBELL] = { "DOORBELL", SNN_IOC_DOORBELL, NC,
			 { EINVAL, ENOENT, ENODEV } },
	[C_RUN] = { "RUN", SNN_IOC_RUN, NC,
		    { EINVAL, ENODEV, EIO, ENODATA, EBUSY, EOVERFLOW } },
	[C_WAIT] = { "WAIT", SNN_IOC_WAIT, NC,
		     { EINVAL, ENODEV, ETIMEDOUT, EIO, EINTR } },
	[C_COUNTERS] = { "COUNTERS", SNN_IOC_COUNTERS, NC, { ENODEV } },
	[C_RESET] = { "RESET", SNN_IOC_RESET, NC,
		      { EINVAL, ETIMEDOUT, ENODEV } },
	[C_CONFIG] = { "CONFIG", SNN_IOC_CONFIG, NC,
		       { EINVAL, EOPNOTSUPP, ENODEV } },
	[C_EVENTFD] = { "EVENTFD", SNN_IOC_EVENTFD, NC,
			{ EINVAL, EBADF, ENODEV } },
	[C_ROUTE_ADD] = { "ROUTE_ADD", SNN_IOC_ROUTE_ADD, NR,
			  { EINVAL, EBADF, EXDEV, ENOSPC, EEXIST, ENODEV } },
	[C_ROUTE_DEL] = { "ROUTE_DEL", SNN_IOC_ROUTE_DEL, NR,
			  { EINVAL, EBADF, EXDEV, ENOENT, ENODEV } },
	[C_BOARD_RESET] = { "BOARD_RESET", SNN_IOC_BOARD_RESET, NB,
			    { EINVAL, EPERM, EIO, ETIMEDOUT, ENODEV } },
};

/* The command an ioctl number reaches (by type, number, direction), or -1. */
static int fz_cmd_index(unsigned long cmd)
{
	int k;

	if (_IOC_TYPE(cmd) != SNN_IOC_MAGIC)
		return -1;
	for (k = 0; k < C_NUM; k++)
		if (_IOC_NR(fz_cmds[k].cmd) == _IOC_NR(cmd) &&
		    _IOC_DIR(fz_cmds[k].cmd) == _IOC_DIR(cmd))
			return k;
	return -1;
}

/* ---- errno sets ------------------------------------------------------------ */

struct fz_eset {
	uint64_t w[3];
};

static void eset_add(struct fz_eset *e, int err)
{
	if (err > 0 && err < 192)
		e->w[err / 64] |= 1ull << (err % 64);
}

static int eset_has(const struct fz_eset *e, int err)
{
	return err > 0 && err < 192 && (e->w[err / 64] >> (err % 64)) & 1;
}

static const char *errname(int err)
{
	static __thread char buf[24];

	switch (err < 0 ? -err : err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case ENODATA: return "ENODATA";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	}
	snprintf(buf, sizeof(buf), "errno %d", err < 0 ? -err : err);
	return buf;
}

static void eset_str(const struct fz_eset *e, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 1; i < 192 && n + 16 < len; i++)
		if (eset_has(e, i))
			n += snprintf(buf + n, len - n, "%s%s", n ? " " : "",
				      errname(i));
}

/* ---- boards, nodes, sysfs attributes (set up before the workers) ---------- */

struct fz_board {
	int idx;		/* X of /dev/snnX */
	struct snn_info info;
	int first, nodes;	/* its nodes in fz_node[]: board, units */
};

struct fz_node {
	char path[32];
	int board;		/* fz_board[] index */
	int unit;		/* -1: the board node */
	int type;		/* SNN_NODE_* */
};

static struct fz_board fz_board[FZ_MAX_BOARDS];
static struct fz_node fz_node[FZ_MAX_NODES];
static char fz_attr[FZ_MAX_ATTRS][80];
static int fz_nb, fz_nn, fz_na;

/* ---- shared between all processes ------------------------------------------ */

enum { V_ERRNO, V_OUTPUT, V_SIGNAL, V_NUM };
static const char *const fz_vname[V_NUM] = { "errno", "output", "signal" };

struct fz_shared {
	int stop;
	uint64_t calls;			/* system calls */
	uint64_t touches;		/* accesses to mapped memory */
	uint64_t sigbus;		/* SIGBUS caught (zapped mappings) */
	uint64_t board_resets;		/* that succeeded */
	uint64_t forks, kills;
	uint64_t op_n[OP_NUM];
	uint64_t op_ns[OP_NUM];		/* time spent in each */
	uint64_t ioc_n[C_NUM + 1][FZ_NERR];	/* [C_NUM]: no command */
	uint64_t mmap_n[FZ_NERR];
	/* board resets: in flight, done (any result), last start time */
	int reset_inflight[FZ_MAX_BOARDS];
	uint64_t reset_epoch[FZ_MAX_BOARDS];
	int64_t reset_last_ns[FZ_MAX_BOARDS];
	/* QUEUE_DESTROY attempts, by worker slot (its children included) */
	uint64_t zap_epoch[FZ_MAX_PROCS];
	int viol[V_NUM];
	int msgs;
};

static struct fz_shared *sh;

/* ---- per thread -------------------------------------------------------------- */

struct fz_slot {
	int fd;			/* -1: free */
	int node;		/* fz_node[] */
	int type;
	int acc;		/* O_RDONLY, O_WRONLY or O_RDWR */
	int stale;		/* an ioctl said ENODEV */
	int loaded;		/* a network of lcores x lapc is loaded */
	uint32_t lcores, lapc;
	uint32_t ts;		/* the timestep WAIT last reported */
	uint32_t qmask[2];	/* queues believed to exist */
	uint8_t qlog2[2][FZ_MAX_Q];
};

struct fz_map {
	uint8_t *addr;		/* NULL: free */
	size_t len;
	int slot;		/* the slot it was mapped from, -1 once closed */
	int board;
	int doorbell;		/* the doorbell page, else a queue */
	uint32_t dir, q;
	uint32_t entries;	/* ring entries we may touch (0: none) */
	uint32_t host;		/* our index: producer (in), consumer (out) */
	int prot;
	int destroyed;		/* we destroyed its queue: must SIGBUS */
	int stale;		/* its file went stale: must SIGBUS */
	int dead;		/* it raised SIGBUS already */
	uint64_t reset_epoch, zap_epoch;	/* taken before the mmap */
	uint64_t made;		/* the operation that mapped it */
	uint64_t off;
	int node;
};

struct fz_thread {
	int proc, tid, gen;
	pid_t ktid;
	uint64_t rng;
	uint64_t ops;
	unsigned int pinned;	/* slots the current operation picked */
	int in_child;
	struct fz_slot slot[FZ_SLOTS];
	struct fz_map map[FZ_MAPS];
	int efd, epfd;
	uint8_t *arg;		/* FZ_ARG_SIZE, then a guard page */
	uint8_t *ro;		/* FZ_RO_SIZE of zeros, read-only */
	uint8_t *arr;		/* FZ_ARR_SIZE, then a guard page */
	/* network staging */
	struct snn_profile *prof;
	struct snn_neuron *nrn;
	struct snn_synapse *syn;
	struct snn_fanout *fo;
	uint32_t *defined;	/* core << 16 | index of each neuron */
	struct snn_route last_route;
	/* WAIT with no time limit, interrupted by a timer signal */
	timer_t timer;
	int have_timer;
	/* SIGBUS/SIGSEGV while touching a mapping */
	sigjmp_buf jb;
	volatile int in_touch;
	volatile int touch_sig;
	char hist[FZ_HIST][224];
	unsigned int nhist;
};

static struct fz_thread *fz_th[FZ_MAX_THREADS];
static int fz_nth;
static __thread struct fz_thread *cur;
static pid_t fz_main_pid;

/* ---- small utilities ----------------------------------------------------------- */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * FZ_NS + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = { ns / FZ_NS, ns % FZ_NS };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Output with write(2): no stdio locks (threads, fork), one line at a time. */
static FZ_PRINTF(1, 2) void out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(1, buf, n) < 0)
		return;
}

static void kmsg(const char *fmt, ...) FZ_PRINTF(1, 2);
static void kmsg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (n > 0 && write(fd, buf, MIN(n, (int)sizeof(buf) - 1)) < 0)
		n = 0;
	close(fd);
}

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

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

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd64(struct fz_thread *t)
{
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* 0..n-1 */
static uint32_t rnd(struct fz_thread *t, uint32_t n)
{
	return n ? (uint32_t)((rnd64(t) >> 16) % n) : 0;
}

static int chance(struct fz_thread *t, int pct)
{
	return (int)rnd(t, 100) < pct;
}

/* A value at or near a boundary. */
static uint32_t boundary(struct fz_thread *t, uint32_t near)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256,
		4095, 4096, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
		0x80000000, 0xfffffffe, 0xffffffff,
	};

	switch (rnd(t, 5)) {
	case 0:
		return near - 1;
	case 1:
		return near;
	case 2:
		return near + 1;
	default:
		return v[rnd(t, ARRAY_SIZE(v))];
	}
}

/* Mutate @len bytes of a struct: bit flips, a boundary value, a random byte. */
static void mutate(struct fz_thread *t, void *buf, size_t len, uint32_t near)
{
	uint8_t *b = buf;
	uint32_t w, off;
	int i, n;

	if (!len)
		return;
	switch (rnd(t, 4)) {
	case 0:
		n = 1 + rnd(t, 3);
		for (i = 0; i < n; i++)
			b[rnd(t, len)] ^= 1u << rnd(t, 8);
		break;
	case 1:
	case 2:
		if (len < 4)
			goto byte;
		off = rnd(t, len / 4) * 4;
		memcpy(&w, b + off, 4);
		w = rnd(t, 2) ? boundary(t, near) : boundary(t, w);
		memcpy(b + off, &w, 4);
		break;
	default:
byte:
		b[rnd(t, len)] = rnd(t, 256);
		break;
	}
}

static struct fz_board *slot_board(const struct fz_slot *s)
{
	return &fz_board[fz_node[s->node].board];
}

/* ---- history and violations --------------------------------------------------- */

static FZ_PRINTF(2, 3) void hist(struct fz_thread *t, const char *fmt, ...)
{
	char *h = t->hist[t->nhist++ % FZ_HIST];
	va_list ap;
	int n;

	n = snprintf(h, sizeof(t->hist[0]), "%d.%d%s #%llu ", t->proc, t->tid,
		     t->in_child ? "c" : "", (unsigned long long)t->ops);
	va_start(ap, fmt);
	vsnprintf(h + n, sizeof(t->hist[0]) - n, fmt, ap);
	va_end(ap);
	if (cfg.trace)
		out("# trace %s\n", h);
}

static FZ_PRINTF(3, 4) void violation(struct fz_thread *t, int cat,
				      const char *fmt, ...)
{
	char buf[3072], msg[512];
	unsigned int i, n;
	va_list ap;
	size_t l;

	ADD(&sh->viol[cat], 1);
	if (ADD(&sh->msgs, 1) > FZ_MSGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l = snprintf(buf, sizeof(buf), "# VIOLATION (%s) in %d.%d%s: %s\n",
		     fz_vname[cat], t->proc, t->tid, t->in_child ? "c" : "",
		     msg);
	n = MIN(t->nhist, FZ_HIST);
	for (i = t->nhist - n; i != t->nhist && l < sizeof(buf) - 1; i++)
		l += snprintf(buf + l, sizeof(buf) - l, "#   | %s\n",
			      t->hist[i % FZ_HIST]);
	if (l >= sizeof(buf))
		l = sizeof(buf) - 1;
	if (write(1, buf, l) < 0)
		return;
}

static void count_call(void)
{
	ADD(&sh->calls, 1);
}

/* ---- files ------------------------------------------------------------------------ */

/* Mark a slot stale, and the mappings made from it: those must SIGBUS. */
static void slot_set_stale(struct fz_thread *t, int si)
{
	int i;

	t->slot[si].stale = 1;
	for (i = 0; i < FZ_MAPS; i++)
		if (t->map[i].addr && t->map[i].slot == si)
			t->map[i].stale = 1;
}

static void map_drop(struct fz_thread *t, int mi);

/*
 * Close a slot.  Its mappings keep the file (and the unit) until they are
 * unmapped too: mostly now, as applications do, sometimes later.
 */
static void slot_close(struct fz_thread *t, int si)
{
	struct fz_slot *s = &t->slot[si];
	int i, fd = s->fd, unmap = chance(t, 75);

	if (fd < 0)
		return;
	for (i = 0; i < FZ_MAPS; i++) {
		if (!t->map[i].addr || t->map[i].slot != si)
			continue;
		if (unmap)
			map_drop(t, i);
		else
			t->map[i].slot = -1;
	}
	PUT(&s->fd, -1);
	close(fd);
	count_call();
	hist(t, "close(%d %s)", fd, fz_node[s->node].path);
}

static int slot_free(struct fz_thread *t)
{
	int i;

	for (i = 0; i < FZ_SLOTS; i++)
		if (t->slot[i].fd < 0)
			return i;
	return -1;
}

/*
 * Open node @n into a free slot, closing one if there is none (but not
 * one the current operation picked).  The slot or -1.
 */
static int slot_open(struct fz_thread *t, int n, int acc)
{
	const struct fz_node *nd = &fz_node[n];
	struct fz_eset ok = { { 0 } };
	int si = slot_free(t), fd, err, flags, i;

	if (si < 0) {
		si = rnd(t, FZ_SLOTS);
		for (i = 0; i < FZ_SLOTS && (t->pinned & (1u << si)); i++)
			si = (si + 1) % FZ_SLOTS;
		if (t->pinned & (1u << si))
			return -1;
		slot_close(t, si);
	}
	flags = acc | O_CLOEXEC;
	if (chance(t, 20))
		flags |= O_NONBLOCK;
	fd = open(nd->path, flags);
	err = fd < 0 ? errno : 0;
	count_call();
	hist(t, "open(%s, %s) = %d %s", nd->path,
	     acc == O_RDWR ? "rw" : acc == O_RDONLY ? "ro" : "wo", fd,
	     errname(err));
	if (fd < 0) {
		/* docs/uapi.md 2: only units are exclusive */
		if (nd->type != SNN_NODE_BOARD)
			eset_add(&ok, EBUSY);
		eset_add(&ok, ENODEV);
		eset_add(&ok, ENOMEM);
		if (!eset_has(&ok, err))
			violation(t, V_ERRNO, "open(%s): %s", nd->path,
				  errname(err));
		return -1;
	}
	memset(&t->slot[si], 0, sizeof(t->slot[si]));
	t->slot[si].node = n;
	t->slot[si].type = nd->type;
	t->slot[si].acc = acc;
	PUT(&t->slot[si].fd, fd);
	return si;
}

static int pick_acc(struct fz_thread *t)
{
	int r = rnd(t, 100);

	return r < 85 ? O_RDWR : r < 95 ? O_RDONLY : O_WRONLY;
}

/* A random node, of @type if not 0. */
static int pick_node(struct fz_thread *t, int type)
{
	int i, n = 0, cand[FZ_MAX_NODES];

	for (i = 0; i < fz_nn; i++)
		if (!type || fz_node[i].type == type)
			cand[n++] = i;
	return n ? cand[rnd(t, n)] : -1;
}

struct fz_pick {
	int slot;		/* own slot, or -1: another thread's fd */
	int fd;
	int type;		/* SNN_NODE_*, 0 if not known */
	int board;		/* fz_board[] index, -1 if not known */
	const struct fz_slot *fs;	/* another thread's slot (racy) */
};

/* Another thread's fd (racy on purpose), or a number that is none. */
static int foreign_fd(struct fz_thread *t)
{
	struct fz_thread *o = fz_th[rnd(t, fz_nth)];
	int fd = o ? GET(&o->slot[rnd(t, FZ_SLOTS)].fd) : -1;

	return fd >= 0 ? fd : (int)rnd(t, 64);
}

/*
 * The file to call: mostly an own slot of node type @type (0: any), one
 * that is not stale if there is one (a stale one is often reopened first),
 * opened now if there is none; sometimes another thread's (racing its own
 * calls on the same file: queue destroyed while it maps it, and so on).
 * Returns -1 if there is nothing to call.
 */
static int pick(struct fz_thread *t, int type, struct fz_pick *p)
{
	int i, n = 0, live = 0, cand[FZ_SLOTS];

	memset(p, 0, sizeof(*p));
	if (!t->in_child && fz_nth > 1 && chance(t, type == SNN_NODE_CLUSTER ? 10 : 4)) {
		struct fz_thread *o = fz_th[rnd(t, fz_nth)];
		const struct fz_slot *fs = &o->slot[rnd(t, FZ_SLOTS)];
		int fd = GET(&fs->fd), nd = GET(&fs->node);

		p->slot = -1;
		p->fd = fd >= 0 ? fd : (int)rnd(t, 64);
		p->type = 0;
		p->board = nd >= 0 && nd < fz_nn ? fz_node[nd].board : -1;
		p->fs = fs;
		return 0;
	}
	if (type && chance(t, 95)) {
		for (i = 0; i < FZ_SLOTS; i++)
			if (t->slot[i].fd >= 0 && t->slot[i].type == type)
				cand[n++] = i;
		/* prefer files that are still current */
		for (i = 0; i < n; i++)
			if (!t->slot[cand[i]].stale)
				cand[live++] = cand[i];
		if (live && chance(t, 90)) {
			n = live;
		} else if (n && !live && !t->in_child && chance(t, 70)) {
			/* all stale: reopen one */
			int nd = t->slot[cand[0]].node;

			slot_close(t, cand[0]);
			n = 0;
			i = slot_open(t, nd, pick_acc(t));
			if (i >= 0)
				cand[n++] = i;
		}
		if (!n && !t->in_child && chance(t, 70)) {
			int si = slot_open(t, pick_node(t, type), pick_acc(t));

			if (si >= 0)
				cand[n++] = si;
		}
		/* mostly do something else rather than hit -ENOTTY */
		if (!n && chance(t, 90))
			return -1;
	}
	if (!n)
		for (i = 0; i < FZ_SLOTS; i++)
			if (t->slot[i].fd >= 0)
				cand[n++] = i;
	if (!n)
		return -1;
	i = cand[rnd(t, n)];
	t->pinned |= 1u << i;
	p->slot = i;
	p->fd = t->slot[i].fd;
	p->type = t->slot[i].type;
	p->board = fz_node[t->slot[i].node].board;
	return 0;
}

/* ---- the ioctl call and its checks ---------------------------------------------- */

enum { ARG_OK, ARG_RO, ARG_BAD };
static const char *const fz_argname[] = { "ok", "ro", "bad" };

/* Unreadable addresses (the guard pages are added per thread). */
static const uintptr_t fz_bad_ptr[] = {
	0, 1, 8, 0xfff, 0xffff888000000000ull, 0xffffffff81000000ull,
	0xffffffffff600000ull, 0x8000000000000000ull, ~(uintptr_t)0,
	~(uintptr_t)0 - 7,
};

/*
 * Put @usize bytes of @st where the ioctl reads them: mostly the argument
 * buffer (sometimes misaligned); with @bad also read-only zeros, unreadable
 * addresses and the end of the buffer straddling its guard page.
 */
static void *place(struct fz_thread *t, const void *st, size_t usize,
		   int bad, int *state)
{
	int r = bad ? rnd(t, 100) : 99;
	size_t off;

	if (r < 3) {
		*state = ARG_BAD;
		if (rnd(t, 3) == 0)
			return t->arg + FZ_ARG_SIZE;	/* the guard page */
		return (void *)fz_bad_ptr[rnd(t, ARRAY_SIZE(fz_bad_ptr))];
	}
	if (r < 6 && usize) {
		/* the first usize - k bytes readable, the rest not */
		size_t k = 1 + rnd(t, usize);
		uint8_t *p = t->arg + FZ_ARG_SIZE - (usize - k);

		memcpy(p, st, usize - k);
		*state = ARG_BAD;
		return p;
	}
	if (r < 8 && usize <= FZ_RO_SIZE) {
		*state = ARG_RO;
		return t->ro;
	}
	off = r < 14 ? 1 + rnd(t, 7) : 0;
	memcpy(t->arg + off, st, usize);
	*state = ARG_OK;
	return t->arg + off;
}

/* May this call reset a board?  Then count it in flight. */
static int reset_allow(struct fz_thread *t, const struct fz_pick *p)
{
	int64_t now, last;
	int b = p->board;

	if (p->slot >= 0) {
		const struct fz_slot *s = &t->slot[p->slot];

		if (s->type != SNN_NODE_BOARD || s->acc == O_RDONLY || s->stale)
			return 1;	/* it cannot */
	}
	if (b < 0)
		return 0;
	now = now_ns();
	last = GET(&sh->reset_last_ns[b]);
	if (now - last < (int64_t)cfg.reset_ms * 1000000)
		return 0;
	if (!__atomic_compare_exchange_n(&sh->reset_last_ns[b], &last, now, 0,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return 0;
	return 2;
}

struct fz_req {
	int k;			/* the command the number reaches, -1: none */
	unsigned long cmd;
	size_t usize;
	void *arg;
	int state;		/* ARG_* of the usize bytes at arg */
	int dirty;		/* non-zero bytes past the driver's struct */
	int timer;		/* a WAIT may sleep: the timer is armed */
	int ret;		/* 0 or -errno */
	int clean;		/* the intended command, size >= ksize, arg ok */
};

/*
 * The errors this call may return.  For an own file (known node type) the
 * dispatch checks of docs/uapi.md 3.2 decide some cases exactly.
 */
static void expect(const struct fz_req *r, int type, struct fz_eset *e)
{
	const struct fz_cmd *c;
	size_t ksize;
	int i;

	memset(e, 0, sizeof(*e));
	if (r->k < 0 || !(fz_cmds[r->k].nodes & (1u << type))) {
		eset_add(e, ENOTTY);
		return;
	}
	c = &fz_cmds[r->k];
	ksize = _IOC_SIZE(c->cmd);
	if (r->usize < ksize) {
		eset_add(e, EINVAL);
		return;
	}
	if (_IOC_DIR(c->cmd) & _IOC_WRITE) {
		if (r->state == ARG_BAD) {
			/* copy_struct_from_user() reads the tail first */
			eset_add(e, EFAULT);
			if (r->usize > ksize)
				eset_add(e, E2BIG);
			return;
		}
		if (r->dirty) {
			eset_add(e, E2BIG);
			return;
		}
	}
	for (i = 0; c->errs[i]; i++)
		eset_add(e, c->errs[i]);
	if ((_IOC_DIR(c->cmd) & _IOC_READ) && r->state != ARG_OK)
		eset_add(e, EFAULT);
}

/* Issue r->cmd on p's file with r->arg; checks the errno against expect(). */
static void do_ioctl(struct fz_thread *t, const struct fz_pick *p,
		     struct fz_req *r)
{
	const struct fz_node *nd = p->slot >= 0 ?
		&fz_node[t->slot[p->slot].node] : NULL;
	int reset = 0, e, b;
	size_t ksize, i;
	struct fz_eset ok;
	char es[160];

	r->k = fz_cmd_index(r->cmd);
	if (r->k == C_BOARD_RESET) {
		reset = reset_allow(t, p);
		if (!reset) {
			/* not now: make it a number that reaches nothing */
			r->cmd = _IOC(_IOC_DIR(r->cmd), SNN_IOC_MAGIC, 0x21,
				      _IOC_SIZE(r->cmd));
			r->k = -1;
			r->clean = 0;
		}
	}
	/* non-zero bytes past the struct of the command reached, if it reads */
	r->dirty = 0;
	if (r->k >= 0 && r->state == ARG_OK && (_IOC_DIR(r->cmd) & _IOC_WRITE)) {
		ksize = _IOC_SIZE(fz_cmds[r->k].cmd);
		for (i = ksize; i < r->usize && !r->dirty; i++)
			r->dirty = ((uint8_t *)r->arg)[i] != 0;
	}
	if (r->dirty)
		r->clean = 0;
	if (r->k == C_WAIT && r->state == ARG_OK && r->usize >= 8) {
		/* never sleep long, nor without a timer to interrupt it */
		int64_t to;

		memcpy(&to, r->arg, sizeof(to));
		if ((to < 0 && !r->timer) || to > FZ_WAIT_MAX_NS) {
			to = to < 0 ? 0 : to % FZ_WAIT_MAX_NS;
			memcpy(r->arg, &to, sizeof(to));
		}
	}
	if (r->k == C_QDESTROY && t->proc < FZ_MAX_PROCS)
		ADD(&sh->zap_epoch[t->proc], 1);
	/*
	 * Another thread's fd may by now be a node of another board than
	 * its slot said: count its resets against every board.
	 */
	for (b = 0; reset == 2 && b < fz_nb; b++)
		if (p->slot < 0 || b == p->board)
			ADD(&sh->reset_inflight[b], 1);

	r->ret = ioctl(p->fd, r->cmd, r->arg) ? -errno : 0;
	e = -r->ret;
	count_call();

	for (b = 0; reset == 2 && b < fz_nb; b++) {
		if (p->slot >= 0 && b != p->board)
			continue;
		ADD(&sh->reset_epoch[b], 1);
		ADD(&sh->reset_inflight[b], -1);
	}
	if (reset == 2 && !r->ret)
		ADD(&sh->board_resets, 1);
	ADD(&sh->ioc_n[r->k < 0 ? C_NUM : r->k][e < FZ_NERR ? e : 0], 1);
	hist(t, "ioctl(%d %s, %s %#lx size %zu arg %s%s) = %s", p->fd,
	     nd ? nd->path : "foreign", r->k < 0 ? "-" : fz_cmds[r->k].name,
	     r->cmd, r->usize, fz_argname[r->state], r->dirty ? " dirty" : "",
	     errname(e));
	if (p->slot < 0)
		return;		/* another thread's fd: anything goes */
	expect(r, p->type, &ok);
	if (e && !eset_has(&ok, e)) {
		eset_str(&ok, es, sizeof(es));
		violation(t, V_ERRNO,
			  "ioctl %s (%#lx, size %zu, arg %s%s) on %s: %s, expected one of: %s",
			  r->k < 0 ? "(none)" : fz_cmds[r->k].name, r->cmd,
			  r->usize, fz_argname[r->state],
			  r->dirty ? ", non-zero tail" : "", nd->path,
			  errname(e), es);
	}
	if (e == ENODEV)
		slot_set_stale(t, p->slot);
}

/*
 * Send command @k with the struct in @st (its ksize bytes filled in; room
 * for FZ_MAX_USIZE): sometimes with another size (smaller; bigger with a
 * zero or non-zero tail), number, type or direction, or a bad pointer.
 * For _IOR-only commands the tail is garbage (the driver must zero it).
 */
static void send(struct fz_thread *t, const struct fz_pick *p, int k,
		 uint8_t *st, struct fz_req *r)
{
	unsigned long cmd = fz_cmds[k].cmd;
	size_t ksize = _IOC_SIZE(cmd), usize = ksize, i;
	unsigned int dir = _IOC_DIR(cmd), type = SNN_IOC_MAGIC;
	unsigned int nr = _IOC_NR(cmd);
	int x = rnd(t, 100), rdonly = dir == _IOC_READ;
	static const unsigned int other_type[] = { 0xc4, 0xc6, 0xff, 0xa0, 0xb5 };

	memset(r, 0, sizeof(*r));
	if (x < 4) {
		usize = rnd(t, ksize);
	} else if (x < 11) {
		usize = ksize + 1 + rnd(t, x < 9 ? 64 : FZ_MAX_USIZE - 1 - ksize);
		memset(st + ksize, 0, usize - ksize);
	} else if (x < 14) {
		usize = ksize + 1 + rnd(t, 64);
		memset(st + ksize, 0, usize - ksize);
		st[ksize + rnd(t, usize - ksize)] = 1 + rnd(t, 255);
	}
	if (rdonly && usize > ksize && chance(t, 50))
		for (i = ksize; i < usize && i < ksize + 64; i++)
			st[i] = 0xa5;
	x = rnd(t, 100);
	if (x < 2)
		dir = rnd(t, 4);
	else if (x < 4)
		type = other_type[rnd(t, ARRAY_SIZE(other_type))];
	else if (x < 5)
		nr = rnd(t, 0x40);
	r->cmd = _IOC(dir, type, nr, usize);
	r->usize = usize;
	r->arg = place(t, st, usize, 1, &r->state);
	r->clean = r->cmd == _IOC(_IOC_DIR(cmd), SNN_IOC_MAGIC, _IOC_NR(cmd),
				  usize) && usize >= ksize && r->state == ARG_OK;
	do_ioctl(t, p, r);
}

/*
 * After a clean call of an _IOR/_IOWR command that succeeded: copy the
 * result back into @st and check the zero-filled tail (docs/uapi.md 3.3).
 */
static int result(struct fz_thread *t, const struct fz_req *r, int k,
		  void *st)
{
	size_t ksize = _IOC_SIZE(fz_cmds[k].cmd), i;
	const uint8_t *a = r->arg;

	if (!r->clean || r->k != k)
		return 0;
	memcpy(st, r->arg, ksize);
	for (i = ksize; i < r->usize; i++) {
		if (a[i]) {
			violation(t, V_OUTPUT,
				  "%s with size %zu: byte %zu of the tail is %#x, not 0",
				  fz_cmds[k].name, r->usize, i, a[i]);
			break;
		}
	}
	return 1;
}

/* ---- ioctl operations ---------------------------------------------------------- */

static void op_info(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_info *in = (struct snn_info *)st;
	const struct fz_slot *s;
	const struct fz_board *b;
	const struct fz_node *nd;
	struct fz_pick p;
	struct fz_req r;
	unsigned int i;

	if (pick(t, 0, &p))
		return;
	memset(st, 0, sizeof(*in));
	if (chance(t, 30))
		memset(st, 0x5a, sizeof(*in));	/* output only: ignored */
	send(t, &p, C_INFO, st, &r);
	if (r.ret || p.slot < 0 || !result(t, &r, C_INFO, st))
		return;
	s = &t->slot[p.slot];
	nd = &fz_node[s->node];
	b = slot_board(s);
	if (in->abi_major != SNN_ABI_MAJOR || in->node_type != (uint32_t)s->type ||
	    in->board != (uint32_t)b->idx ||
	    in->unit != (nd->unit < 0 ? 0xffffffffu : (uint32_t)nd->unit) ||
	    in->clusters != b->info.clusters || in->routers != b->info.routers ||
	    in->cores != b->info.cores || in->caps != b->info.caps ||
	    in->in_queues != b->info.in_queues ||
	    in->out_queues != b->info.out_queues ||
	    strncmp(in->bus_id, b->info.bus_id, sizeof(in->bus_id)) ||
	    (s->type == SNN_NODE_CLUSTER && in->unit_clusters != 1u << nd->unit) ||
	    (s->type == SNN_NODE_BOARD && in->unit_clusters) ||
	    !memchr(in->driver_version, 0, sizeof(in->driver_version)))
		violation(t, V_OUTPUT,
			  "INFO on %s: abi %u type %u board %u unit %#x clusters %u mask %#x bus '%.32s'",
			  nd->path, in->abi_major, in->node_type, in->board,
			  in->unit, in->clusters, in->unit_clusters, in->bus_id);
	for (i = 0; i < ARRAY_SIZE(in->reserved); i++)
		if (in->reserved[i])
			violation(t, V_OUTPUT, "INFO on %s: reserved[%u] = %#llx",
				  nd->path, i, (unsigned long long)in->reserved[i]);
}

static void op_counters(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_counters *c = (struct snn_counters *)st;
	struct fz_pick p;
	struct fz_req r;
	unsigned int i;

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	memset(st, chance(t, 30) ? 0x77 : 0, sizeof(*c));
	send(t, &p, C_COUNTERS, st, &r);
	if (r.ret || p.slot < 0 || !result(t, &r, C_COUNTERS, st))
		return;
	for (i = 0; i < ARRAY_SIZE(c->reserved); i++)
		if (c->reserved[i])
			violation(t, V_OUTPUT, "COUNTERS: reserved[%u] = %#llx",
				  i, (unsigned long long)c->reserved[i]);
}

/* A cluster's geometry limits, from the board the pick is on. */
static const struct snn_info *pick_info(const struct fz_pick *p)
{
	return &fz_board[p->board >= 0 ? p->board : 0].info;
}

/* Build a valid network from INFO in the staging arrays; returns counts. */
struct fz_net {
	uint32_t cores, npc, apc, np, nn, ns, nf;
};

static void build_net(struct fz_thread *t, const struct snn_info *in,
		      struct fz_net *g)
{
	int big = chance(t, 5);
	uint32_t i, c, want, total, per[256];

	g->cores = 1 + rnd(t, MIN(in->cores, big ? 256u : 4u));
	g->npc = 1 + rnd(t, MIN(in->neurons, big ? 65535u : 32u));
	g->apc = 1 + rnd(t, MIN(in->axons, big ? 65535u : 32u));
	g->np = 1 + rnd(t, MIN(in->profiles, big ? (uint32_t)FZ_MAX_PROF : 4u));
	for (i = 0; i < g->np; i++) {
		struct snn_profile *pr = &t->prof[i];

		memset(pr, 0, sizeof(*pr));
		pr->du = rnd(t, 4096);
		pr->dv = rnd(t, 4096);
		pr->vth = chance(t, 10) ? rnd(t, 131072) : rnd(t, 200);
		pr->bias_mant = chance(t, 50) ? 0 : (int)rnd(t, 8192) - 4096;
		pr->bias_exp = (int)rnd(t, 15) - 7;
	}
	/* neurons: a random subset of the (core, index) grid, in order */
	total = g->cores * g->npc;
	want = 1 + rnd(t, MIN(total, big ? (uint32_t)FZ_MAX_NRN : 48u));
	g->nn = 0;
	for (c = 0; c < g->cores && g->nn < want; c++) {
		for (i = 0; i < g->npc && g->nn < want; i++) {
			struct snn_neuron *n;

			if (rnd(t, total) >= want)
				continue;
			n = &t->nrn[g->nn];
			memset(n, 0, sizeof(*n));
			n->core = c;
			n->index = i;
			n->profile = rnd(t, g->np);
			if (chance(t, 30)) {
				n->flags |= SNN_NEURON_OUT;
				n->outq = rnd(t, in->out_queues);
			}
			if (chance(t, 20)) {
				n->flags |= SNN_NEURON_BIAS;
				n->bias_mant = (int)rnd(t, 8192) - 4096;
			}
			t->defined[g->nn++] = c << 16 | i;
		}
	}
	if (g->nn > 1 && chance(t, 30)) {
		/* any order is fine: swap two */
		struct snn_neuron tmp;
		uint32_t d;
		uint32_t a = rnd(t, g->nn), b = rnd(t, g->nn);

		tmp = t->nrn[a];
		t->nrn[a] = t->nrn[b];
		t->nrn[b] = tmp;
		d = t->defined[a];
		t->defined[a] = t->defined[b];
		t->defined[b] = d;
	}
	/* the cores' per-core limits: at most in->synapses, in->fanout each */
	memset(per, 0, sizeof(per));
	want = g->nn ? rnd(t, big ? FZ_MAX_SYN : 64) : 0;
	for (g->ns = 0, i = 0; i < want; i++) {
		uint32_t d = t->defined[rnd(t, g->nn)];
		struct snn_synapse *s = &t->syn[g->ns];

		if (per[d >> 16 & 255] >= in->synapses)
			continue;
		per[d >> 16 & 255]++;
		memset(s, 0, sizeof(*s));
		s->core = d >> 16;
		s->neuron = d & 0xffff;
		s->axon = rnd(t, g->apc);
		s->weight = (int)rnd(t, 256) - 128;
		g->ns++;
	}
	memset(per, 0, sizeof(per));
	want = g->nn ? rnd(t, big ? FZ_MAX_FO : 32) : 0;
	for (g->nf = 0, i = 0; i < want; i++) {
		uint32_t d = t->defined[rnd(t, g->nn)];
		struct snn_fanout *f = &t->fo[g->nf];

		if (per[d >> 16 & 255] >= in->fanout)
			continue;
		per[d >> 16 & 255]++;
		memset(f, 0, sizeof(*f));
		f->src_core = d >> 16;
		f->src_neuron = d & 0xffff;
		f->dst_core = rnd(t, g->cores);
		f->dst_axon = rnd(t, g->apc);
		g->nf++;
	}
}

static void op_load(struct fz_thread *t)
{
	static const size_t rec[4] = {
		sizeof(struct snn_profile), sizeof(struct snn_neuron),
		sizeof(struct snn_synapse), sizeof(struct snn_fanout),
	};
	uint8_t st[FZ_MAX_USIZE];
	struct snn_load *ld = (struct snn_load *)st;
	const void *src[4];
	uint32_t cnt[4];
	uint64_t ptr[4];
	size_t off, size[4], total = 0;
	int i, valid = 1, fault_sec = 0, last = -1, mode;
	uint32_t fault_idx = 0;
	struct fz_pick p;
	struct fz_net g;
	struct fz_req r;

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	build_net(t, pick_info(&p), &g);
	src[0] = t->prof;
	src[1] = t->nrn;
	src[2] = t->syn;
	src[3] = t->fo;
	cnt[0] = g.np;
	cnt[1] = g.nn;
	cnt[2] = g.ns;
	cnt[3] = g.nf;
	for (i = 0; i < 4; i++) {
		size[i] = cnt[i] * rec[i];
		total += size[i];
		if (cnt[i])
			last = i;
	}
	/*
	 * Where the arrays go: one after the other from the start (maybe
	 * misaligned, with gaps), or packed to end right at the guard page;
	 * or (a mutation) packed so that the last one runs into it.
	 */
	mode = rnd(t, 10);
	if (mode < 5) {
		off = chance(t, 20) ? 1 + rnd(t, 7) : 0;
	} else {
		off = FZ_ARR_SIZE - total;
		if (mode == 9 && last >= 0) {
			size_t d = 1 + rnd(t, size[last]);

			off += d;
			fault_sec = SNN_SEC_PROFILE + last;
			fault_idx = (size[last] - d) / rec[last];
			valid = 0;
		}
	}
	for (i = 0; i < 4; i++) {
		if (mode < 5 && i)
			off += rnd(t, 8) * 8;
		memcpy(t->arr + off, src[i], MIN(size[i], FZ_ARR_SIZE - off));
		ptr[i] = (uintptr_t)(t->arr + off);
		if (!cnt[i] && chance(t, 30))
			ptr[i] = rnd64(t);	/* not read */
		off += size[i];
	}
	memset(ld, 0, sizeof(*ld));
	ld->n_cores = g.cores;
	ld->neurons_per_core = g.npc;
	ld->axons_per_core = g.apc;
	ld->n_profiles = g.np;
	ld->n_neurons = g.nn;
	ld->n_synapses = g.ns;
	ld->n_fanout = g.nf;
	ld->profiles = ptr[0];
	ld->neurons = ptr[1];
	ld->synapses = ptr[2];
	ld->fanout = ptr[3];
	if (chance(t, 20)) {
		/* outputs: ignored on input */
		ld->err_section = rnd64(t);
		ld->err_index = rnd64(t);
	}
	if (chance(t, 35)) {
		valid = 0;
		fault_sec = 0;
		switch (rnd(t, 4)) {
		case 0:
			mutate(t, ld, offsetof(struct snn_load, err_section),
			       g.cores);
			break;
		case 1:
			/* a pointer: unreadable or shifted */
			i = rnd(t, 4);
			(&ld->profiles)[i] = rnd(t, 2) ?
				fz_bad_ptr[rnd(t, ARRAY_SIZE(fz_bad_ptr))] :
				(&ld->profiles)[i] + (int)rnd(t, 64) - 32;
			break;
		case 2:
			/* an entry of an array */
			i = rnd(t, 4);
			if (cnt[i] && !(mode == 9 && i == last))
				mutate(t, (uint8_t *)(uintptr_t)ptr[i] +
				       rnd(t, cnt[i]) * rec[i], rec[i],
				       rnd(t, 2) ? g.npc : g.apc);
			break;
		default:
			ld->reserved[rnd(t, 2)] = 1 + rnd(t, 100);
			break;
		}
	}
	send(t, &p, C_LOAD, st, &r);
	if (p.slot < 0 || p.type != SNN_NODE_CLUSTER || r.k != C_LOAD ||
	    !r.clean)
		return;
	memcpy(ld, r.arg, sizeof(*ld));
	if (!r.ret) {
		struct fz_slot *s = &t->slot[p.slot];

		s->loaded = 1;
		s->lcores = g.cores;
		s->lapc = g.apc;
		s->ts = 0;
	}
	/* err_* (docs/uapi.md 4.2): set exactly for validation failures */
	if (r.ret == -EINVAL || r.ret == -ENOSPC || r.ret == -EFAULT) {
		if (ld->err_section < SNN_SEC_HEADER ||
		    ld->err_section > SNN_SEC_FANOUT || !ld->err_field ||
		    ld->err_field > SNN_FIELD_POINTER ||
		    (r.ret == -EFAULT) != (ld->err_field == SNN_FIELD_POINTER))
			violation(t, V_OUTPUT,
				  "LOAD %s: err_section %u err_index %u err_field %u err_limit %u",
				  errname(r.ret), ld->err_section, ld->err_index,
				  ld->err_field, ld->err_limit);
	} else if (ld->err_section || ld->err_index || ld->err_field ||
		   ld->err_limit) {
		violation(t, V_OUTPUT,
			  "LOAD %s: err_section %u err_index %u err_field %u err_limit %u (expected 0)",
			  errname(r.ret), ld->err_section, ld->err_index,
			  ld->err_field, ld->err_limit);
	}
	if (valid && (r.ret == -EINVAL || r.ret == -ENOSPC || r.ret == -EFAULT))
		violation(t, V_OUTPUT,
			  "LOAD of a valid network (%u cores x %u neurons x %u axons, %u/%u/%u/%u records) failed: %s at section %u entry %u field %u limit %u",
			  g.cores, g.npc, g.apc, g.np, g.nn, g.ns, g.nf,
			  errname(r.ret), ld->err_section, ld->err_index,
			  ld->err_field, ld->err_limit);
	if (fault_sec && r.ret != -ENOMEM &&
	    (r.ret != -EFAULT || ld->err_section != (uint32_t)fault_sec ||
	     ld->err_index > fault_idx))
		violation(t, V_OUTPUT,
			  "LOAD with section %d readable up to entry %u: %s at section %u entry %u field %u",
			  fault_sec, fault_idx, errname(r.ret), ld->err_section,
			  ld->err_index, ld->err_field);
}

static uint32_t nqueues(const struct snn_info *in, uint32_t dir)
{
	return dir == SNN_QUEUE_IN ? in->in_queues : in->out_queues;
}

/* A queue of the slot that exists (mostly), or any id. */
static void pick_queue(struct fz_thread *t, const struct fz_pick *p,
		       uint32_t *dir, uint32_t *q)
{
	const struct snn_info *in = pick_info(p);
	const struct fz_slot *s = p->slot >= 0 ? &t->slot[p->slot] : p->fs;
	int i, n = 0, cand[2 * FZ_MAX_Q];

	if (s && chance(t, 80)) {
		for (i = 0; i < 2 * FZ_MAX_Q; i++)
			if (s->qmask[i / FZ_MAX_Q] & (1u << i % FZ_MAX_Q))
				cand[n++] = i;
		if (n) {
			i = cand[rnd(t, n)];
			*dir = i / FZ_MAX_Q;
			*q = i % FZ_MAX_Q;
			return;
		}
	}
	*dir = rnd(t, 2);
	*q = rnd(t, nqueues(in, *dir));
	if (chance(t, 5)) {
		*dir = boundary(t, 1);
		*q = boundary(t, nqueues(in, *dir));
	}
}

static void op_qcreate(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_queue_create *qc = (struct snn_queue_create *)st;
	const struct snn_info *in;
	struct fz_pick p;
	struct fz_req r;
	size_t want;

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	in = pick_info(&p);
	memset(qc, 0, sizeof(*qc));
	qc->dir = rnd(t, 2);
	qc->index = rnd(t, nqueues(in, qc->dir));
	qc->depth_log2 = chance(t, 90) ? 1 + rnd(t, MIN(in->max_queue_log2, 6u)) :
			 1 + rnd(t, in->max_queue_log2);
	if (chance(t, 20)) {
		/* outputs: ignored on input */
		qc->mmap_offset = rnd64(t);
		qc->entries = rnd64(t);
	}
	if (chance(t, 20))
		mutate(t, qc, offsetof(struct snn_queue_create, mmap_offset),
		       rnd(t, 2) ? in->max_queue_log2 : nqueues(in, qc->dir));
	send(t, &p, C_QCREATE, st, &r);
	if (r.ret || p.slot < 0 || !result(t, &r, C_QCREATE, st))
		return;
	want = page_size + ((((size_t)8 << qc->depth_log2) + page_size - 1) &
			    ~(page_size - 1));
	if (qc->dir > 1 || qc->index >= nqueues(in, qc->dir) ||
	    qc->mmap_offset != SNN_MMAP_QUEUE(qc->dir, qc->index) ||
	    qc->mmap_size != want || qc->ring_offset != page_size ||
	    qc->wb_offset != 0 || qc->entries != 1u << qc->depth_log2)
		violation(t, V_OUTPUT,
			  "QUEUE_CREATE dir %u index %u depth %u: offset %#llx size %#llx ring %#x wb %#x entries %u",
			  qc->dir, qc->index, qc->depth_log2,
			  (unsigned long long)qc->mmap_offset,
			  (unsigned long long)qc->mmap_size, qc->ring_offset,
			  qc->wb_offset, qc->entries);
	if (qc->dir <= 1 && qc->index < FZ_MAX_Q) {
		struct fz_slot *s = &t->slot[p.slot];

		s->qmask[qc->dir] |= 1u << qc->index;
		s->qlog2[qc->dir][qc->index] = qc->depth_log2;
	}
}

static void op_qdestroy(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_queue_id *qi = (struct snn_queue_id *)st;
	struct fz_pick p;
	struct fz_req r;
	int i;

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	memset(qi, 0, sizeof(*qi));
	pick_queue(t, &p, &qi->dir, &qi->index);
	if (chance(t, 10))
		mutate(t, qi, sizeof(*qi), FZ_MAX_Q);
	send(t, &p, C_QDESTROY, st, &r);
	if (r.ret || p.slot < 0 || !r.clean || r.k != C_QDESTROY)
		return;
	/* docs/uapi.md 4.4: its mappings are gone, later accesses SIGBUS */
	for (i = 0; i < FZ_MAPS; i++) {
		struct fz_map *m = &t->map[i];

		if (m->addr && m->slot == p.slot && !m->doorbell &&
		    m->dir == qi->dir && m->q == qi->index)
			m->destroyed = 1;
	}
	if (qi->dir <= 1 && qi->index < FZ_MAX_Q)
		t->slot[p.slot].qmask[qi->dir] &= ~(1u << qi->index);
}

static struct fz_map *find_qmap(struct fz_thread *t, int si, uint32_t dir,
				uint32_t q)
{
	int i;

	for (i = 0; i < FZ_MAPS; i++) {
		struct fz_map *m = &t->map[i];

		if (m->addr && m->slot == si && !m->doorbell && m->dir == dir &&
		    m->q == q)
			return m;
	}
	return NULL;
}

static void op_doorbell(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_doorbell *db = (struct snn_doorbell *)st;
	struct fz_map *m = NULL;
	struct fz_pick p;
	struct fz_req r;

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	memset(db, 0, sizeof(*db));
	pick_queue(t, &p, &db->dir, &db->index);
	if (p.slot >= 0)
		m = find_qmap(t, p.slot, db->dir, db->index);
	db->value = m ? m->host : 0;
	if (chance(t, 10))
		db->value = rnd(t, 3) ? boundary(t, db->value) :
			    db->value + (m ? m->entries : 0) + 1;
	if (chance(t, 10))
		mutate(t, db, sizeof(*db), FZ_MAX_Q);
	send(t, &p, C_DOORBELL, st, &r);
}

static void op_run(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_run *run = (struct snn_run *)st;
	struct fz_pick p;
	struct fz_req r;
	int x = rnd(t, 100);

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	memset(run, 0, sizeof(*run));
	run->steps = x < 75 ? 1 + rnd(t, 16) : x < 90 ? 1 + rnd(t, 1000) :
		     x < 93 ? 0xffffffffu - rnd(t, 4) : boundary(t, 1);
	if (chance(t, 25))
		run->flags = SNN_RUN_RESET_STATE;
	if (chance(t, 8))
		mutate(t, run, sizeof(*run), 1);
	send(t, &p, C_RUN, st, &r);
}

static void fz_timer(struct fz_thread *t, int64_t first_ns, int64_t every_ns)
{
	struct itimerspec its = {
		.it_value = { first_ns / FZ_NS, first_ns % FZ_NS },
		.it_interval = { every_ns / FZ_NS, every_ns % FZ_NS },
	};

	timer_settime(t->timer, 0, &its, NULL);
}

static void op_wait(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_wait *w = (struct snn_wait *)st;
	struct fz_pick p;
	struct fz_req r;
	int x = rnd(t, 100), timer = 0;

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	memset(w, 0, sizeof(*w));
	w->timeout_ns = x < 40 ? 0 : x < 80 ? rnd(t, 1000000) :
			rnd(t, FZ_WAIT_MAX_NS);
	if (x >= 95 && t->have_timer) {
		/* no limit: a signal every 2 ms ends it with -EINTR */
		w->timeout_ns = -1 - (int64_t)rnd(t, 1000);
		timer = 1;
	}
	if (chance(t, 30))
		w->flags = SNN_WAIT_OUTPUT;
	if (chance(t, 20)) {
		/* outputs: ignored on input */
		w->state = rnd64(t);
		w->error = rnd64(t);
	}
	if (chance(t, 5))
		w->flags = boundary(t, 1);
	if (timer)
		fz_timer(t, 1000000 + rnd(t, 2000000), 2000000);
	memset(&r, 0, sizeof(r));
	/* send() with the timer flag: open-coded for r.timer */
	{
		unsigned long cmd = SNN_IOC_WAIT;
		size_t usize = sizeof(*w);

		if (chance(t, 5)) {
			usize += 8 * (1 + rnd(t, 4));
			memset(st + sizeof(*w), 0, usize - sizeof(*w));
		}
		r.cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), usize);
		r.usize = usize;
		r.timer = timer;
		r.arg = place(t, st, usize, 1, &r.state);
		r.clean = r.state == ARG_OK;
		do_ioctl(t, &p, &r);
	}
	if (timer)
		fz_timer(t, 0, 0);
	if (p.slot < 0 || !r.clean || r.k != C_WAIT ||
	    (r.ret && r.ret != -ETIMEDOUT && r.ret != -EIO))
		return;
	memcpy(w, r.arg, sizeof(*w));
	t->slot[p.slot].ts = w->timestep;
	if (w->state > SNN_STATE_HUNG ||
	    (!r.ret && w->state != SNN_STATE_IDLE &&
	     !((w->flags & SNN_WAIT_OUTPUT) &&
	       (w->state == SNN_STATE_RUNNING || w->state == SNN_STATE_STALLED))) ||
	    (r.ret == -ETIMEDOUT && w->state != SNN_STATE_RUNNING &&
	     w->state != SNN_STATE_STALLED) ||
	    (r.ret == -EIO && w->state != SNN_STATE_ERROR &&
	     w->state != SNN_STATE_HUNG) ||
	    (w->state != SNN_STATE_ERROR && (w->error || w->error_info)))
		violation(t, V_OUTPUT,
			  "WAIT (flags %#x) = %s: state %u timestep %u remaining %u error %u info %#x",
			  w->flags, errname(r.ret), w->state, w->timestep,
			  w->remaining, w->error, w->error_info);
}

static void op_reset(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_reset *rs = (struct snn_reset *)st;
	struct fz_pick p;
	struct fz_req r;
	int i;

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	memset(rs, 0, sizeof(*rs));
	rs->flags = chance(t, 40) ? SNN_RESET_STATE : 0;
	if (chance(t, 10))
		mutate(t, rs, sizeof(*rs), 1);
	send(t, &p, C_RESET, st, &r);
	if (r.ret || p.slot < 0 || r.k != C_RESET || r.state == ARG_BAD)
		return;
	if (r.state == ARG_RO || !(rs->flags & SNN_RESET_STATE)) {
		/* full: network gone, queue indices back to 0 */
		t->slot[p.slot].loaded = 0;
		for (i = 0; i < FZ_MAPS; i++)
			if (t->map[i].slot == p.slot)
				t->map[i].host = 0;
	}
	t->slot[p.slot].ts = 0;
}

static void op_config(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_config *c = (struct snn_config *)st;
	struct fz_pick p;
	struct fz_req r;

	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	memset(c, 0, sizeof(*c));
	c->flags = chance(t, 50) ? SNN_CONFIG_OUT_DROP : 0;
	if (chance(t, 15))
		mutate(t, c, sizeof(*c), 1);
	send(t, &p, C_CONFIG, st, &r);
}

static void op_eventfd(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_eventfd *e = (struct snn_eventfd *)st;
	struct fz_pick p;
	struct fz_req r;
	uint64_t v;
	int x = rnd(t, 100);

	if (chance(t, 10) && t->efd >= 0) {
		/* what the driver signalled */
		if (read(t->efd, &v, sizeof(v)) < 0)
			v = 0;
		count_call();
		return;
	}
	if (chance(t, 5)) {
		/* the driver keeps its own reference */
		if (t->efd >= 0)
			close(t->efd);
		t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		count_call();
		return;
	}
	if (pick(t, SNN_NODE_CLUSTER, &p))
		return;
	memset(e, 0, sizeof(*e));
	e->fd = x < 55 ? t->efd : x < 70 ? -1 : x < 78 ? p.fd :
		x < 86 ? 1000 + (int)rnd(t, 1000) : x < 92 ? t->epfd :
		x < 96 ? foreign_fd(t) : -2 - (int)rnd(t, 100);
	e->events = e->fd == -1 ? 0 : 1 + rnd(t, 7);
	if (chance(t, 10))
		mutate(t, e, sizeof(*e), 7);
	send(t, &p, C_EVENTFD, st, &r);
}

/* A cluster fd for a route: own (of board @b), another thread's, or junk. */
static int route_fd(struct fz_thread *t, int b, int self)
{
	int i, n = 0, cand[FZ_SLOTS], x = rnd(t, 100);

	if (x < 75) {
		for (i = 0; i < FZ_SLOTS; i++) {
			const struct fz_slot *s = &t->slot[i];

			if (s->fd >= 0 && s->type == SNN_NODE_CLUSTER &&
			    (fz_node[s->node].board == b || chance(t, 10)))
				cand[n++] = s->fd;
		}
		if (n)
			return cand[rnd(t, n)];
		if (!t->in_child) {
			i = slot_open(t, pick_node(t, SNN_NODE_CLUSTER), O_RDWR);
			if (i >= 0)
				return t->slot[i].fd;
		}
	}
	if (x < 88 && fz_nth > 1 && !t->in_child)
		return foreign_fd(t);
	switch (rnd(t, 5)) {
	case 0:
		return -1;
	case 1:
		return 5000 + rnd(t, 100);
	case 2:
		return self;
	case 3:
		return t->efd;
	default:
		return (int)rnd(t, 32);
	}
}

static void op_route(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_route *rt = (struct snn_route *)st;
	const struct snn_info *in;
	struct fz_pick p;
	struct fz_req r;
	int k = chance(t, 55) ? C_ROUTE_ADD : C_ROUTE_DEL;

	if (pick(t, SNN_NODE_ROUTER, &p))
		return;
	in = pick_info(&p);
	memset(rt, 0, sizeof(*rt));
	if (k == C_ROUTE_DEL && chance(t, 50)) {
		*rt = t->last_route;
	} else {
		rt->src_fd = route_fd(t, p.board, p.fd);
		rt->dst_fd = chance(t, 20) ? rt->src_fd :
			     route_fd(t, p.board, p.fd);
		rt->src_core = rnd(t, MIN(in->cores, 4u));
		rt->src_neuron = rnd(t, MIN(in->neurons, 32u));
		rt->dst_core = rnd(t, MIN(in->cores, 4u));
		rt->dst_axon = rnd(t, MIN(in->axons, 32u));
		if (chance(t, 10)) {
			rt->src_neuron = boundary(t, in->neurons);
			rt->dst_axon = boundary(t, in->axons);
		}
	}
	if (chance(t, 10))
		mutate(t, rt, sizeof(*rt), rnd(t, 2) ? in->cores : in->neurons);
	send(t, &p, k, st, &r);
	if (!r.ret && k == C_ROUTE_ADD)
		t->last_route = *rt;
}

static void op_board_reset(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct snn_reset *rs = (struct snn_reset *)st;
	struct fz_pick p;
	struct fz_req r;

	if (pick(t, SNN_NODE_BOARD, &p))
		return;
	memset(rs, 0, sizeof(*rs));
	if (chance(t, 10))
		mutate(t, rs, sizeof(*rs), 0);
	send(t, &p, C_BOARD_RESET, st, &r);
}

/* Any number, any size, random bytes. */
static void op_raw(struct fz_thread *t)
{
	uint8_t st[FZ_MAX_USIZE];
	struct fz_pick p;
	struct fz_req r;
	size_t usize, i;
	unsigned int type, nr;
	int x = rnd(t, 100);

	if (pick(t, 0, &p))
		return;
	memset(&r, 0, sizeof(r));
	type = x < 80 ? SNN_IOC_MAGIC : 0xa0 + rnd(t, 0x60);
	nr = rnd(t, 100) < 70 ? _IOC_NR(fz_cmds[rnd(t, C_NUM)].cmd) :
	     rnd(t, 0x40);
	x = rnd(t, 100);
	usize = x < 50 ? _IOC_SIZE(fz_cmds[rnd(t, C_NUM)].cmd) :
		x < 90 ? rnd(t, 300) : rnd(t, FZ_MAX_USIZE);
	for (i = 0; i < usize && i < 512; i++)
		st[i] = chance(t, 50) ? 0 : rnd(t, 256);
	if (usize > 512)
		memset(st + 512, 0, usize - 512);
	r.cmd = _IOC(rnd(t, 4), type, nr, usize);
	r.usize = usize;
	r.arg = place(t, st, usize, 1, &r.state);
	do_ioctl(t, &p, &r);
}

/* ---- mappings ------------------------------------------------------------------ */

static int map_free(struct fz_thread *t)
{
	int i;

	for (i = 0; i < FZ_MAPS; i++)
		if (!t->map[i].addr)
			return i;
	return -1;
}

static void map_drop(struct fz_thread *t, int mi)
{
	struct fz_map *m = &t->map[mi];

	munmap(m->addr, m->len);
	count_call();
	hist(t, "munmap(%p, %#zx)", (void *)m->addr, m->len);
	memset(m, 0, sizeof(*m));
}

static int map_pick(struct fz_thread *t)
{
	int i, n = 0, cand[FZ_MAPS];

	for (i = 0; i < FZ_MAPS; i++)
		if (t->map[i].addr)
			cand[n++] = i;
	return n ? cand[rnd(t, n)] : -1;
}

static size_t page_align(size_t v)
{
	return (v + page_size - 1) & ~(page_size - 1);
}

/* Could mmap() of @off, @len work at all (docs/uapi.md 5)? */
static int mmap_may_work(const struct snn_info *in, uint64_t off, size_t len)
{
	uint64_t idx;

	/* no doorbell page without SNN_CAP_MAPPED_DOORBELL (USB): ENODEV */
	if (off == SNN_MMAP_DOORBELL)
		return len == page_align(SNN_DOORBELL_MAP_SIZE) &&
		       (in->caps & SNN_CAP_MAPPED_DOORBELL);
	if (off & ((1u << 24) - 1))
		return 0;
	idx = (off >> 24) - 1;
	if (idx >= 2 * FZ_MAX_Q)
		return 0;
	return idx % FZ_MAX_Q < nqueues(in, idx / FZ_MAX_Q);
}

static void op_mmap(struct fz_thread *t)
{
	const struct fz_slot *s;
	struct fz_eset ok = { { 0 } };
	uint64_t reset_epoch, zap_epoch;
	int mi, si, x, prot, flags = MAP_SHARED, must_fail, err, b;
	uint32_t dir = 0, q = 0, log2 = 0;
	struct fz_pick p;
	size_t len, qsize = 0;
	off_t off;
	void *a;

	/* only own files: another thread's fd may be anything by now */
	do {
		if (pick(t, SNN_NODE_CLUSTER, &p))
			return;
	} while (p.slot < 0);
	si = p.slot;
	s = &t->slot[si];
	b = p.board;
	mi = map_free(t);
	if (mi < 0) {
		mi = rnd(t, FZ_MAPS);
		map_drop(t, mi);
	}
	prot = s->acc == O_RDWR && chance(t, 85) ? PROT_READ | PROT_WRITE :
	       chance(t, 90) ? PROT_READ : PROT_READ | PROT_WRITE;
	x = rnd(t, 100);
	if (x < 30) {
		off = SNN_MMAP_DOORBELL;
		len = page_align(SNN_DOORBELL_MAP_SIZE);
	} else {
		pick_queue(t, &p, &dir, &q);
		dir &= 1;
		q %= FZ_MAX_Q;
		log2 = s->qmask[dir] & (1u << q) ? s->qlog2[dir][q] : 1;
		qsize = page_size + page_align((size_t)8 << log2);
		off = SNN_MMAP_QUEUE(dir, q);
		len = chance(t, 80) ? qsize :
		      page_size * (1 + rnd(t, qsize / page_size));
	}
	x = rnd(t, 100);
	if (x < 3) {
		flags = MAP_PRIVATE;
	} else if (x < 6) {
		len = 0;
	} else if (x < 9 && off == SNN_MMAP_DOORBELL) {
		len = chance(t, 50) ? page_size :
		      page_align(SNN_DOORBELL_MAP_SIZE) + page_size;
	} else if (x < 12) {
		/* inside a queue's window */
		off = SNN_MMAP_QUEUE(dir, q) + page_size * (1 + rnd(t, 8));
		len = page_size;
	} else if (x < 15) {
		/* queue numbers up to 15 in each direction */
		off = SNN_MMAP_QUEUE(rnd(t, 2), rnd(t, 16));
		len = page_size;
	} else if (x < 18) {
		off = (off_t)(rnd64(t) & 0xffffffffff000ull);
		len = page_size * (1 + rnd(t, 16));
	} else if (x < 20) {
		len = qsize + page_size;	/* too long: fails if known */
	} else if (x < 22) {
		prot |= PROT_EXEC;
	}
	must_fail = s->type != SNN_NODE_CLUSTER || flags != MAP_SHARED ||
		    !len || !mmap_may_work(pick_info(&p), off, len);
	if (off != SNN_MMAP_DOORBELL && !(off & ((1 << 24) - 1))) {
		/* the queue the offset names, whatever the variant */
		dir = (((uint64_t)off >> 24) - 1) / FZ_MAX_Q;
		q = (((uint64_t)off >> 24) - 1) % FZ_MAX_Q;
	}
	reset_epoch = GET(&sh->reset_epoch[b]);
	zap_epoch = GET(&sh->zap_epoch[t->proc]);
	a = mmap(NULL, len, prot, flags, p.fd, off);
	err = a == MAP_FAILED ? errno : 0;
	count_call();
	ADD(&sh->mmap_n[err < FZ_NERR ? err : 0], 1);
	hist(t, "mmap(%#zx, prot %d, %s, %d %s, %#llx) = %p %s", len, prot,
	     flags == MAP_SHARED ? "shared" : "private", p.fd,
	     fz_node[s->node].path, (unsigned long long)off, a, errname(err));
	if (err) {
		/* docs/uapi.md 5, and the VFS's own checks before them */
		if (!len) {
			eset_add(&ok, EINVAL);
		} else if (s->acc == O_WRONLY ||
			   (s->acc == O_RDONLY && flags == MAP_SHARED &&
			    (prot & PROT_WRITE))) {
			eset_add(&ok, EACCES);
			eset_add(&ok, EOVERFLOW);
			eset_add(&ok, ENOMEM);
		} else {
			eset_add(&ok, ENODEV);
			eset_add(&ok, EINVAL);
			eset_add(&ok, ENOMEM);
			eset_add(&ok, EOVERFLOW);
			eset_add(&ok, EPERM);	/* PROT_EXEC, noexec */
			if (s->type == SNN_NODE_CLUSTER)
				eset_add(&ok, ENOENT);
		}
		if (!eset_has(&ok, err)) {
			char es[160];

			eset_str(&ok, es, sizeof(es));
			violation(t, V_ERRNO, "mmap of %s at %#llx, length %#zx: %s, expected one of: %s",
				  fz_node[s->node].path, (unsigned long long)off,
				  len, errname(err), es);
		}
		/*
		 * ENODEV: a stale file, unless it is the doorbell page of a
		 * board that has none (docs/uapi.md 5)
		 */
		if (err == ENODEV && s->type == SNN_NODE_CLUSTER &&
		    (off != SNN_MMAP_DOORBELL ||
		     (pick_info(&p)->caps & SNN_CAP_MAPPED_DOORBELL)))
			slot_set_stale(t, si);
		return;
	}
	if (must_fail || s->acc == O_WRONLY) {
		violation(t, V_OUTPUT,
			  "mmap of %s (%s) at %#llx, length %#zx, %s, prot %d succeeded",
			  fz_node[s->node].path,
			  s->acc == O_RDWR ? "rw" : s->acc == O_RDONLY ? "ro" : "wo",
			  (unsigned long long)off, len,
			  flags == MAP_SHARED ? "shared" : "private", prot);
		munmap(a, len);
		count_call();
		return;
	}
	memset(&t->map[mi], 0, sizeof(t->map[mi]));
	t->map[mi].addr = a;
	t->map[mi].len = len;
	t->map[mi].slot = si;
	t->map[mi].board = b;
	t->map[mi].doorbell = off == SNN_MMAP_DOORBELL;
	t->map[mi].dir = dir;
	t->map[mi].q = q;
	t->map[mi].prot = prot;
	t->map[mi].reset_epoch = reset_epoch;
	t->map[mi].zap_epoch = zap_epoch;
	t->map[mi].made = t->ops;
	t->map[mi].off = off;
	t->map[mi].node = s->node;
	if (!t->map[mi].doorbell && len > page_size) {
		/* the ring we may touch: a power of two that fits */
		uint32_t e = 1;

		while ((size_t)e * 2 * 8 <= len - page_size && e < (1u << 20))
			e *= 2;
		t->map[mi].entries = e;
	}
}

static void op_munmap(struct fz_thread *t)
{
	int mi = map_pick(t);
	struct fz_map *m;
	size_t cut;

	if (mi < 0)
		return;
	m = &t->map[mi];
	if (m->len > page_size && chance(t, 30)) {
		/* the tail only */
		cut = page_size * (1 + rnd(t, m->len / page_size - 1));
		munmap(m->addr + m->len - cut, cut);
		count_call();
		hist(t, "munmap(%p, %#zx) tail", (void *)(m->addr + m->len - cut),
		     cut);
		m->len -= cut;
		if (m->entries && (size_t)m->entries * 8 > m->len - page_size) {
			uint32_t e = 0;

			if (m->len > page_size)
				for (e = 1; (size_t)e * 2 * 8 <= m->len - page_size;)
					e *= 2;
			m->entries = e;
		}
		return;
	}
	map_drop(t, mi);
}

static void op_mremap(struct fz_thread *t)
{
	int mi = map_pick(t), x = rnd(t, 100), err;
	struct fz_map *m;
	void *a, *res;

	if (mi < 0)
		return;
	m = &t->map[mi];
	if (x < 35) {
		/* grow in place: VM_DONTEXPAND refuses */
		a = mremap(m->addr, m->len, m->len + page_size, 0);
		err = a == MAP_FAILED ? errno : 0;
		count_call();
		hist(t, "mremap(%p, %#zx) grow = %s", (void *)m->addr, m->len,
		     errname(err));
		if (!err) {
			violation(t, V_OUTPUT, "mremap grew a mapping of %s",
				  m->doorbell ? "the doorbell page" : "a queue");
			m->len += page_size;
		}
	} else if (x < 70) {
		/* move it elsewhere, same size */
		res = mmap(NULL, m->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		if (res == MAP_FAILED)
			return;
		a = mremap(m->addr, m->len, m->len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   res);
		err = a == MAP_FAILED ? errno : 0;
		count_call();
		hist(t, "mremap(%p, %#zx) move = %s", (void *)m->addr, m->len,
		     errname(err));
		if (err)
			munmap(res, m->len);
		else
			m->addr = a;
	} else if (x < 85 && m->len > page_size) {
		/* shrink: allowed */
		a = mremap(m->addr, m->len, m->len - page_size, 0);
		err = a == MAP_FAILED ? errno : 0;
		count_call();
		hist(t, "mremap(%p, %#zx) shrink = %s", (void *)m->addr, m->len,
		     errname(err));
		if (!err) {
			m->len -= page_size;
			if (m->entries && (size_t)m->entries * 8 > m->len - page_size)
				m->entries = 0;
		}
	} else {
		/* MREMAP_DONTUNMAP: not for these mappings */
		a = mremap(m->addr, m->len, m->len,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		err = a == MAP_FAILED ? errno : 0;
		count_call();
		hist(t, "mremap(%p, %#zx) dontunmap = %s", (void *)m->addr,
		     m->len, errname(err));
		if (!err) {
			violation(t, V_OUTPUT, "mremap(MREMAP_DONTUNMAP) of a mapping of %s succeeded",
				  m->doorbell ? "the doorbell page" : "a queue");
			munmap(a, m->len);
		}
	}
}

static void op_mprotect(struct fz_thread *t)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC,
	};
	int mi = map_pick(t), prot, err;
	struct fz_map *m;

	if (mi < 0)
		return;
	m = &t->map[mi];
	prot = prots[rnd(t, ARRAY_SIZE(prots))];
	err = mprotect(m->addr, m->len, prot) ? errno : 0;
	count_call();
	hist(t, "mprotect(%p, %#zx, %d) = %s", (void *)m->addr, m->len, prot,
	     errname(err));
	if (!err)
		m->prot = prot;
}

/* ---- touching mapped memory ------------------------------------------------------- */

struct fz_plan {
	int kind;		/* 0 input ring, 1 output ring, 2 random, 3 doorbell */
	uint32_t n;
	uint64_t ev[8];
	uint32_t off[8], val[8];
	int write[8];
	int size[8];
};

/* The accesses; runs with SIGBUS caught (touch()). */
static __attribute__((noinline)) void touch_do(struct fz_map *m,
					       struct fz_plan *pl)
{
	volatile uint8_t *base = m->addr;
	uint32_t i, head, tail, e;

	switch (pl->kind) {
	case 0:
		head = __atomic_load_n((uint32_t *)base, __ATOMIC_ACQUIRE);
		if (m->host - head > m->entries)
			m->host = head;		/* we lost track */
		e = m->entries - (m->host - head);
		for (i = 0; i < pl->n && i < e; i++) {
			((volatile uint64_t *)(base + page_size))
				[(m->host + i) & (m->entries - 1)] = pl->ev[i];
		}
		m->host += i;
		break;
	case 1:
		tail = __atomic_load_n((uint32_t *)base, __ATOMIC_ACQUIRE);
		for (i = 0; m->host != tail && i < m->entries; i++, m->host++)
			(void)((volatile uint64_t *)(base + page_size))
				[m->host & (m->entries - 1)];
		break;
	default:
		for (i = 0; i < pl->n; i++) {
			volatile uint8_t *a = base + pl->off[i];

			if (!pl->write[i]) {
				(void)*(volatile uint32_t *)a;
				continue;
			}
			switch (pl->size[i]) {
			case 1:
				*a = pl->val[i];
				break;
			case 2:
				*(volatile uint16_t *)a = pl->val[i];
				break;
			default:
				*(volatile uint32_t *)a = pl->val[i];
				break;
			}
		}
		break;
	}
}

/* Could this mapping have been zapped?  (SIGBUS is then fine.) */
static int zap_possible(struct fz_thread *t, const struct fz_map *m)
{
	return m->destroyed || m->stale || m->dead ||
	       GET(&sh->reset_epoch[m->board]) != m->reset_epoch ||
	       GET(&sh->reset_inflight[m->board]) > 0 ||
	       (!m->doorbell && GET(&sh->zap_epoch[t->proc]) != m->zap_epoch);
}

static void touch(struct fz_thread *t, int mi, struct fz_plan *pl)
{
	struct fz_map *m = &t->map[mi];
	int sig;

	t->touch_sig = 0;
	t->in_touch = 1;
	if (!sigsetjmp(t->jb, 1))
		touch_do(m, pl);
	t->in_touch = 0;
	sig = t->touch_sig;
	ADD(&sh->touches, 1);
	hist(t, "touch %s %p kind %d n %u%s", m->doorbell ? "doorbell" : "queue",
	     (void *)m->addr, pl->kind, pl->n,
	     sig == SIGBUS ? ": SIGBUS" : sig ? ": SIGSEGV" : "");
	if (sig == SIGBUS) {
		ADD(&sh->sigbus, 1);
		if (!zap_possible(t, m))
			violation(t, V_SIGNAL,
				  "SIGBUS from a mapping that nothing zapped: %s offset %#llx at %p, mapped at #%llu",
				  fz_node[m->node].path, (unsigned long long)m->off,
				  (void *)m->addr, (unsigned long long)m->made);
		m->dead = 1;
	} else if (sig) {
		violation(t, V_SIGNAL, "signal %d from a live mapping %p length %#zx",
			  sig, (void *)m->addr, m->len);
		memset(m, 0, sizeof(*m));	/* forget it */
	} else if (m->destroyed || m->stale || m->dead) {
		violation(t, V_SIGNAL,
			  "a mapping that was %s can still be accessed: %s offset %#llx at %p (slot %d), mapped at #%llu",
			  m->destroyed ? "destroyed" : m->dead ? "zapped" :
			  "made stale by a board reset", fz_node[m->node].path,
			  (unsigned long long)m->off, (void *)m->addr, m->slot,
			  (unsigned long long)m->made);
		m->destroyed = m->stale = m->dead = 0;
	}
}

static void op_touch(struct fz_thread *t)
{
	struct fz_plan pl;
	struct fz_map *m, *db;
	const struct fz_slot *s;
	uint32_t i, cores = 1, apc = 1, ts = 0;
	int mi = map_pick(t), x = rnd(t, 100);

	if (mi < 0)
		return;
	m = &t->map[mi];
	if (!(m->prot & PROT_READ))
		return;
	s = m->slot >= 0 ? &t->slot[m->slot] : NULL;
	if (s && s->loaded) {
		cores = s->lcores;
		apc = s->lapc;
		ts = s->ts;
	}
	memset(&pl, 0, sizeof(pl));
	if (!m->doorbell && m->entries && x < 70 && (m->prot & PROT_WRITE)) {
		pl.kind = m->dir == SNN_QUEUE_IN ? 0 : 1;
		pl.n = 1 + rnd(t, 8);
		for (i = 0; i < pl.n; i++) {
			pl.ev[i] = SNN_EVENT(ts + rnd(t, 4), rnd(t, cores),
					     rnd(t, apc));
			if (chance(t, 3))
				pl.ev[i] = rnd64(t);
		}
	} else if (m->doorbell && x < 70 && (m->prot & PROT_WRITE)) {
		/* ring our indices through the page (docs/uapi.md 5.1) */
		pl.kind = 3;
		pl.n = 1 + rnd(t, 4);
		for (i = 0; i < pl.n; i++) {
			uint32_t dir = rnd(t, 2), q = rnd(t, FZ_MAX_Q);
			struct fz_map *qm = m->slot >= 0 ?
				find_qmap(t, m->slot, dir, q) : NULL;

			pl.off[i] = dir == SNN_QUEUE_IN ? SNN_DOORBELL_IN(q) :
				    SNN_DOORBELL_OUT(q);
			pl.val[i] = qm ? qm->host : rnd(t, 64);
			pl.write[i] = 1;
			pl.size[i] = 4;
			if (chance(t, 10)) {
				pl.off[i] = rnd(t, MIN(m->len, (size_t)SNN_DOORBELL_MAP_SIZE) - 4);
				pl.size[i] = 1 << rnd(t, 3);
				if (pl.size[i] == 4)
					pl.off[i] &= ~3u;
				else if (pl.size[i] == 2)
					pl.off[i] &= ~1u;
				pl.val[i] = rnd64(t);
			}
		}
	} else {
		pl.kind = 2;
		pl.n = 1 + rnd(t, 8);
		for (i = 0; i < pl.n; i++) {
			pl.off[i] = rnd(t, m->len / 4) * 4;
			pl.write[i] = (m->prot & PROT_WRITE) && chance(t, 50);
			pl.size[i] = 4;
			pl.val[i] = rnd64(t);
			if (m->doorbell && pl.write[i] && chance(t, 80)) {
				/* keep device writes to the doorbell range */
				pl.off[i] = rnd(t, 0x80 / 4) * 4;
				pl.val[i] = rnd(t, 64);
			}
		}
	}
	touch(t, mi, &pl);
	if (m->addr && m->dead && chance(t, 50)) {
		map_drop(t, mi);
		return;
	}
	if (pl.kind > 1 || !m->addr || m->dead || m->slot < 0 || !chance(t, 70))
		return;
	/* hand the index over: the mapped doorbell or the ioctl */
	for (i = 0, db = NULL; i < FZ_MAPS; i++)
		if (t->map[i].addr && t->map[i].doorbell &&
		    t->map[i].slot == m->slot && (t->map[i].prot & PROT_WRITE))
			db = &t->map[i];
	if (db && chance(t, 50)) {
		memset(&pl, 0, sizeof(pl));
		pl.kind = 3;
		pl.n = 1;
		pl.off[0] = m->dir == SNN_QUEUE_IN ? SNN_DOORBELL_IN(m->q) :
			    SNN_DOORBELL_OUT(m->q);
		pl.val[0] = m->host;
		pl.write[0] = 1;
		pl.size[0] = 4;
		touch(t, db - t->map, &pl);
	} else {
		uint8_t st[FZ_MAX_USIZE];
		struct snn_doorbell *d = (struct snn_doorbell *)st;
		struct fz_pick p = {
			.slot = m->slot, .fd = t->slot[m->slot].fd,
			.type = t->slot[m->slot].type, .board = m->board,
		};
		struct fz_req r;

		memset(d, 0, sizeof(*d));
		d->dir = m->dir;
		d->index = m->q;
		d->value = m->host;
		memset(&r, 0, sizeof(r));
		r.cmd = SNN_IOC_DOORBELL;
		r.usize = sizeof(*d);
		r.arg = place(t, st, sizeof(*d), 0, &r.state);
		r.clean = 1;
		do_ioctl(t, &p, &r);
	}
}

/* ---- poll, epoll, open/close, fork, sysfs ---------------------------------------------- */

static void op_poll(struct fz_thread *t)
{
	struct pollfd pfd[5];
	int slot[5], n = 1 + rnd(t, 4), i, ret, err;
	struct fz_pick p;
	short ev;
	const short allowed = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM |
			      POLLPRI;

	for (i = 0; i < n; i++) {
		if (pick(t, 0, &p))
			return;
		pfd[i].fd = p.fd;
		pfd[i].events = chance(t, 50) ? allowed : rnd(t, 0x400);
		pfd[i].revents = 0;
		slot[i] = p.slot;
	}
	ret = poll(pfd, n, chance(t, 70) ? 0 : 1 + rnd(t, 3));
	err = ret < 0 ? errno : 0;
	count_call();
	hist(t, "poll(%d fds) = %d %s", n, ret, errname(err));
	if (ret <= 0)
		return;
	for (i = 0; i < n; i++) {
		const struct fz_slot *s;

		if (slot[i] < 0)
			continue;
		s = &t->slot[slot[i]];
		ev = pfd[i].revents;
		/* docs/uapi.md 7 */
		if ((ev & POLLNVAL) ||
		    (ev & ~(pfd[i].events | POLLERR | POLLHUP)) ||
		    (ev & ~(allowed | POLLERR | POLLHUP)) ||
		    (!!(ev & POLLERR) != !!(ev & POLLHUP)) ||
		    ((ev & POLLERR) && (ev & ~(POLLERR | POLLHUP))) ||
		    (s->type != SNN_NODE_CLUSTER && (ev & ~(POLLERR | POLLHUP))))
			violation(t, V_OUTPUT, "poll of %s (events %#x): revents %#x",
				  fz_node[s->node].path, pfd[i].events, ev);
		if (ev & POLLERR)
			slot_set_stale(t, slot[i]);
	}
}

static void op_epoll(struct fz_thread *t)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLPRI };
	struct epoll_event got[8];
	struct fz_pick p;
	int ret;

	if (t->epfd < 0)
		return;
	if (!pick(t, 0, &p)) {
		if (chance(t, 20))
			ev.events |= EPOLLET;
		ev.data.fd = p.fd;
		ret = epoll_ctl(t->epfd, rnd(t, 3) + 1, p.fd, &ev);
		count_call();
		hist(t, "epoll_ctl(%d) = %d", p.fd, ret);
	}
	ret = epoll_wait(t->epfd, got, ARRAY_SIZE(got), 0);
	count_call();
	hist(t, "epoll_wait = %d", ret);
}

static void op_open(struct fz_thread *t)
{
	int i, n, k;

	/* mostly: reopen a file that went stale */
	for (i = 0; i < FZ_SLOTS; i++) {
		struct fz_slot *s = &t->slot[i];

		if (s->fd >= 0 && s->stale && chance(t, 60)) {
			n = s->node;
			slot_close(t, i);
			slot_open(t, n, pick_acc(t));
			return;
		}
	}
	n = rnd(t, 100);
	n = n < 30 ? SNN_NODE_BOARD : n < 80 ? SNN_NODE_CLUSTER :
	    SNN_NODE_ROUTER;
	/* units are exclusive: hold at most two of a kind, let others have some */
	for (i = 0, k = 0; i < FZ_SLOTS; i++)
		if (t->slot[i].fd >= 0 && t->slot[i].type == n &&
		    n != SNN_NODE_BOARD && k++ >= 1)
			slot_close(t, i);
	slot_open(t, pick_node(t, n), pick_acc(t));
}

static void op_close(struct fz_thread *t)
{
	struct fz_pick p;

	if (pick(t, 0, &p) || p.slot < 0)
		return;
	slot_close(t, p.slot);
}

static void op_dup(struct fz_thread *t)
{
	struct fz_pick p;
	int si, fd;

	if (pick(t, 0, &p) || p.slot < 0 || (si = slot_free(t)) < 0)
		return;
	/* the same open file: it shares the unit */
	fd = fcntl(p.fd, F_DUPFD_CLOEXEC, 0);
	count_call();
	hist(t, "dup(%d) = %d", p.fd, fd);
	if (fd < 0)
		return;
	t->slot[si] = t->slot[p.slot];
	PUT(&t->slot[si].fd, fd);
}

static void op_sysfs(struct fz_thread *t)
{
	const char *path;
	char buf[256];
	ssize_t n;
	int fd;

	if (!fz_na)
		return;
	path = fz_attr[rnd(t, fz_na)];
	fd = open(path, O_RDONLY | O_CLOEXEC);
	count_call();
	if (fd < 0) {
		violation(t, V_OUTPUT, "open(%s): %s", path, errname(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf));
	count_call();
	hist(t, "read(%s) = %zd", path, n);
	if (n < 0)
		violation(t, V_OUTPUT, "read(%s): %s", path, errname(errno));
	close(fd);
	count_call();
}

static void run_op(struct fz_thread *t, int op);

/*
 * A child that shares the thread's files (not its mappings: VM_DONTCOPY),
 * makes a few calls and exits, or is killed in the middle.
 */
static void op_fork(struct fz_thread *t)
{
	static const int child_ops[] = {
		OP_INFO, OP_LOAD, OP_QCREATE, OP_QDESTROY, OP_DOORBELL, OP_RUN,
		OP_WAIT, OP_COUNTERS, OP_RESET, OP_CONFIG, OP_EVENTFD, OP_ROUTE,
		OP_RAW, OP_POLL, OP_CLOSE, OP_MMAP, OP_TOUCH, OP_MUNMAP,
	};
	int st, killed = 0, i, n;
	pid_t pid;

	pid = fork();
	count_call();
	ADD(&sh->forks, 1);
	if (pid < 0)
		return;
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		t->in_child = 1;
		t->have_timer = 0;	/* timers are not inherited */
		memset(t->map, 0, sizeof(t->map));	/* nor these mappings */
		n = 1 + rnd(t, 16);
		for (i = 0; i < n && !GET(&sh->stop); i++) {
			int op = child_ops[rnd(t, ARRAY_SIZE(child_ops))];

			if (cfg.weight[op])
				run_op(t, op);
		}
		_exit(0);
	}
	hist(t, "fork() = %d", pid);
	if (chance(t, 50)) {
		sleep_ns(rnd(t, 3000000));
		kill(pid, SIGKILL);
		killed = 1;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if ((WIFEXITED(st) && WEXITSTATUS(st)) ||
	    (WIFSIGNALED(st) && !(killed && WTERMSIG(st) == SIGKILL)))
		violation(t, V_SIGNAL, "forked child %d: %s %d", pid,
			  WIFEXITED(st) ? "exit status" : "killed by signal",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void run_op(struct fz_thread *t, int op)
{
	int64_t t0 = now_ns();

	t->ops++;
	t->pinned = 0;
	ADD(&sh->op_n[op], 1);
	switch (op) {
	case OP_OPEN: op_open(t); break;
	case OP_CLOSE: op_close(t); break;
	case OP_DUP: op_dup(t); break;
	case OP_INFO: op_info(t); break;
	case OP_LOAD: op_load(t); break;
	case OP_QCREATE: op_qcreate(t); break;
	case OP_QDESTROY: op_qdestroy(t); break;
	case OP_DOORBELL: op_doorbell(t); break;
	case OP_RUN: op_run(t); break;
	case OP_WAIT: op_wait(t); break;
	case OP_COUNTERS: op_counters(t); break;
	case OP_RESET: op_reset(t); break;
	case OP_CONFIG: op_config(t); break;
	case OP_EVENTFD: op_eventfd(t); break;
	case OP_ROUTE: op_route(t); break;
	case OP_BOARD_RESET: op_board_reset(t); break;
	case OP_RAW: op_raw(t); break;
	case OP_MMAP: op_mmap(t); break;
	case OP_MUNMAP: op_munmap(t); break;
	case OP_MREMAP: op_mremap(t); break;
	case OP_MPROTECT: op_mprotect(t); break;
	case OP_TOUCH: op_touch(t); break;
	case OP_POLL: op_poll(t); break;
	case OP_EPOLL: op_epoll(t); break;
	case OP_FORK: op_fork(t); break;
	case OP_SYSFS: op_sysfs(t); break;
	}
	ADD(&sh->op_ns[op], now_ns() - t0);
}

static int pick_op(struct fz_thread *t)
{
	int x = rnd(t, cfg.weight_sum), op;

	for (op = 0; op < OP_NUM; op++) {
		x -= cfg.weight[op];
		if (x < 0)
			return op;
	}
	return OP_INFO;
}

/* ---- workers ------------------------------------------------------------------------ */

static void sig_crash(int sig, siginfo_t *si, void *uc)
{
	struct fz_thread *t = cur;
	char buf[160];
	int n;

	if (t && t->in_touch) {
		t->touch_sig = sig;
		siglongjmp(t->jb, 1);
	}
	n = snprintf(buf, sizeof(buf),
		     "# worker %d thread %d: signal %d at %p outside a mapping access\n",
		     t ? t->proc : -1, t ? t->tid : -1, sig, si->si_addr);
	if (write(1, buf, n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void sig_nop(int sig)
{
}

static void *map_buf(size_t len, size_t guard, int prot)
{
	uint8_t *p = mmap(NULL, len + guard, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if ((guard && mprotect(p + len, guard, PROT_NONE)) ||
	    (prot != (PROT_READ | PROT_WRITE) && mprotect(p, len, prot)))
		return NULL;
	return p;
}

static void *thread_main(void *arg)
{
	struct fz_thread *t = arg;
	struct sigevent sev;
	int i;

	cur = t;
	t->ktid = syscall(SYS_gettid);
	for (i = 0; i < FZ_SLOTS; i++)
		t->slot[i].fd = -1;
	t->arg = map_buf(FZ_ARG_SIZE, page_size, PROT_READ | PROT_WRITE);
	t->ro = map_buf(FZ_RO_SIZE, page_size, PROT_READ);
	t->arr = map_buf(FZ_ARR_SIZE, page_size, PROT_READ | PROT_WRITE);
	t->prof = calloc(FZ_MAX_PROF, sizeof(*t->prof));
	t->nrn = calloc(FZ_MAX_NRN, sizeof(*t->nrn));
	t->syn = calloc(FZ_MAX_SYN, sizeof(*t->syn));
	t->fo = calloc(FZ_MAX_FO, sizeof(*t->fo));
	t->defined = calloc(FZ_MAX_NRN, sizeof(*t->defined));
	if (!t->arg || !t->ro || !t->arr || !t->prof || !t->nrn || !t->syn ||
	    !t->fo || !t->defined) {
		out("# worker %d thread %d: out of memory\n", t->proc, t->tid);
		_exit(3);
	}
	t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_notify_thread_id = t->ktid;
	t->have_timer = !timer_create(CLOCK_MONOTONIC, &sev, &t->timer);

	while (!GET(&sh->stop))
		run_op(t, pick_op(t));
	return NULL;
}

static int worker_main(int proc, int gen)
{
	struct sigaction sa;
	pthread_t th[FZ_MAX_THREADS];
	uint64_t s;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != fz_main_pid)
		_exit(0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sig_crash;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nop;	/* no SA_RESTART: -EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fz_nth = cfg.threads;
	for (i = 0; i < fz_nth; i++) {
		fz_th[i] = calloc(1, sizeof(*fz_th[i]));
		if (!fz_th[i])
			return 3;
		fz_th[i]->proc = proc;
		fz_th[i]->tid = i;
		fz_th[i]->gen = gen;
		for (int j = 0; j < FZ_SLOTS; j++)
			fz_th[i]->slot[j].fd = -1;
		s = cfg.seed ^ ((uint64_t)proc << 40) ^ ((uint64_t)gen << 20) ^
		    (uint64_t)i;
		fz_th[i]->rng = splitmix(&s) | 1;
	}
	for (i = 0; i < fz_nth; i++)
		if (pthread_create(&th[i], NULL, thread_main, fz_th[i]))
			return 3;
	for (i = 0; i < fz_nth; i++)
		pthread_join(th[i], NULL);
	return 0;
}

static pid_t spawn(int proc, int gen)
{
	pid_t pid = fork();

	if (!pid) {
		setpgid(0, 0);
		_exit(worker_main(proc, gen));
	}
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

/* ---- set-up: boards, nodes, attributes ------------------------------------------ */

static void add_attrs(const char *dir, int depth)
{
	struct dirent *de;
	char path[300];
	struct stat stb;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) && fz_na < FZ_MAX_ATTRS) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "subsystem") ||
		    !strcmp(de->d_name, "device") || !strcmp(de->d_name, "power"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &stb))
			continue;
		if (S_ISDIR(stb.st_mode) && depth < 1)
			add_attrs(path, depth + 1);
		else if (S_ISREG(stb.st_mode) && (stb.st_mode & 0444) &&
			 strlen(path) < sizeof(fz_attr[0]))
			strcpy(fz_attr[fz_na++], path);
	}
	closedir(d);
}

static int find_boards(void)
{
	char path[64];
	int i, u, fd;

	for (i = 0; i < 64 && fz_nb < FZ_MAX_BOARDS; i++) {
		struct fz_board *b = &fz_board[fz_nb];
		int want = !cfg.nbus;

		snprintf(path, sizeof(path), "/dev/snn%d", i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(b, 0, sizeof(*b));
		if (ioctl(fd, SNN_IOC_INFO, &b->info)) {
			close(fd);
			continue;
		}
		close(fd);
		for (u = 0; u < cfg.nbus; u++)
			want |= !strcmp(cfg.bus[u], b->info.bus_id);
		if (!want)
			continue;
		if (fz_nn + 1 + b->info.clusters + b->info.routers > FZ_MAX_NODES)
			break;
		b->idx = i;
		b->first = fz_nn;
		for (u = -1; u < (int)(b->info.clusters + b->info.routers); u++) {
			struct fz_node *n = &fz_node[fz_nn++];

			n->board = fz_nb;
			n->unit = u;
			n->type = u < 0 ? SNN_NODE_BOARD :
				  u < (int)b->info.clusters ? SNN_NODE_CLUSTER :
				  SNN_NODE_ROUTER;
			if (u < 0)
				snprintf(n->path, sizeof(n->path), "/dev/snn%d", i);
			else
				snprintf(n->path, sizeof(n->path), "/dev/snn%d.%d",
					 i, u);
			snprintf(path, sizeof(path), "/sys/class/snn/%s",
				 n->path + 5);
			add_attrs(path, 0);
		}
		b->nodes = fz_nn - b->first;
		fz_nb++;
	}
	return fz_nb;
}

/* ---- the end: release, usability, sanity -------------------------------------------- */

/* Every unit free, every cluster idle, every route table empty. */
static int check_released(char *why, size_t len)
{
	char path[96], val[64];
	int64_t end = now_ns() + 20 * FZ_NS;
	int i, bad;

	for (;;) {
		bad = 0;
		why[0] = 0;
		for (i = 0; i < fz_nn && !bad; i++) {
			const struct fz_node *n = &fz_node[i];
			const char *name = n->path + 5;

			if (n->type == SNN_NODE_BOARD)
				continue;
			snprintf(path, sizeof(path), "/sys/class/snn/%s/busy", name);
			if (read_file(path, val, sizeof(val)) || strcmp(val, "0")) {
				snprintf(why, len, "%s busy '%s'", name, val);
				bad = 1;
				break;
			}
			snprintf(path, sizeof(path), "/sys/class/snn/%s/%s", name,
				 n->type == SNN_NODE_CLUSTER ? "state" : "routes");
			if (read_file(path, val, sizeof(val)) ||
			    strcmp(val, n->type == SNN_NODE_CLUSTER ? "idle" : "0")) {
				snprintf(why, len, "%s %s '%s'", name,
					 n->type == SNN_NODE_CLUSTER ? "state" : "routes",
					 val);
				bad = 1;
			}
		}
		if (!bad || now_ns() > end)
			return bad ? -1 : 0;
		sleep_ns(100000000);
	}
}

/*
 * docs/uapi.md 11 on cluster @unit of board @b: one event, 3 timesteps,
 * exactly one spike out (timestep 1, core 0, neuron 1).
 */
static int sanity_cluster(const struct fz_board *b, int unit, char *why,
			  size_t len)
{
	struct snn_profile profile = { .du = 4095, .dv = 4095, .vth = 50 };
	struct snn_neuron neurons[2] = {
		{ .core = 0, .profile = 0, .index = 0 },
		{ .core = 0, .profile = 0, .index = 1,
		  .flags = SNN_NEURON_OUT, .outq = 0 },
	};
	struct snn_synapse synapses[2] = {
		{ .core = 0, .axon = 0, .neuron = 0, .weight = 100 },
		{ .core = 0, .axon = 1, .neuron = 1, .weight = 100 },
	};
	struct snn_fanout fanout = {
		.src_core = 0, .src_neuron = 0, .dst_core = 0, .dst_axon = 1,
	};
	struct snn_load load = {
		.n_cores = 1, .neurons_per_core = 2, .axons_per_core = 2,
		.n_profiles = 1, .n_neurons = 2, .n_synapses = 2,
		.n_fanout = 1,
		.profiles = (uintptr_t)&profile,
		.neurons = (uintptr_t)neurons,
		.synapses = (uintptr_t)synapses,
		.fanout = (uintptr_t)&fanout,
	};
	struct snn_queue_create qc[2];
	struct snn_doorbell db = { .dir = SNN_QUEUE_IN, .index = 0, .value = 1 };
	struct snn_run run = { .steps = 3 };
	struct snn_wait w = { .timeout_ns = 60 * FZ_NS };
	struct snn_counters cnt;
	uint8_t *map[2] = { MAP_FAILED, MAP_FAILED };
	char path[32];
	uint64_t e;
	uint32_t tail;
	int fd, d, ret = -1;

	snprintf(path, sizeof(path), "/dev/snn%d.%d", b->idx, unit);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open %s: %s", path, errname(errno));
		return -1;
	}
	if (ioctl(fd, SNN_IOC_LOAD, &load)) {
		snprintf(why, len, "%s: LOAD: %s", path, errname(errno));
		goto out;
	}
	for (d = 0; d < 2; d++) {
		memset(&qc[d], 0, sizeof(qc[d]));
		qc[d].dir = d;
		qc[d].depth_log2 = 4;
		if (ioctl(fd, SNN_IOC_QUEUE_CREATE, &qc[d])) {
			snprintf(why, len, "%s: QUEUE_CREATE %d: %s", path, d,
				 errname(errno));
			goto out;
		}
		map[d] = mmap(NULL, qc[d].mmap_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fd, qc[d].mmap_offset);
		if (map[d] == MAP_FAILED) {
			snprintf(why, len, "%s: mmap %d: %s", path, d,
				 errname(errno));
			goto out;
		}
	}
	e = SNN_EVENT(0, 0, 0);
	memcpy(map[0] + qc[0].ring_offset, &e, sizeof(e));
	if (ioctl(fd, SNN_IOC_DOORBELL, &db) || ioctl(fd, SNN_IOC_RUN, &run)) {
		snprintf(why, len, "%s: DOORBELL/RUN: %s", path, errname(errno));
		goto out;
	}
	if (ioctl(fd, SNN_IOC_WAIT, &w)) {
		snprintf(why, len, "%s: WAIT: %s (state %u error %u info %#x)",
			 path, errname(errno), w.state, w.error, w.error_info);
		goto out;
	}
	tail = __atomic_load_n((uint32_t *)(map[1] + qc[1].wb_offset),
			       __ATOMIC_ACQUIRE);
	memcpy(&e, map[1] + qc[1].ring_offset, sizeof(e));
	memset(&cnt, 0, sizeof(cnt));
	if (ioctl(fd, SNN_IOC_COUNTERS, &cnt))
		cnt.timesteps = ~0ull;
	if (tail != 1 || SNN_EVENT_TIMESTEP(e) != 1 || SNN_EVENT_CORE(e) ||
	    SNN_EVENT_INDEX(e) != 1 || w.timestep != 3 || cnt.timesteps != 3) {
		snprintf(why, len,
			 "%s: %u output events, first %#llx (expected timestep 1 neuron 1), timestep %u, counted %llu",
			 path, tail, (unsigned long long)e, w.timestep,
			 (unsigned long long)cnt.timesteps);
		goto out;
	}
	ret = 0;
out:
	for (d = 0; d < 2; d++)
		if (map[d] != MAP_FAILED)
			munmap(map[d], qc[d].mmap_size);
	close(fd);
	return ret;
}

static int board_reset(const struct fz_board *b, char *why, size_t len)
{
	struct snn_reset rs = { 0 };
	char path[64], val[32];
	int fd, ret;

	snprintf(path, sizeof(path), "/dev/snn%d", b->idx);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open %s: %s", path, errname(errno));
		return -1;
	}
	ret = ioctl(fd, SNN_IOC_BOARD_RESET, &rs) ? errno : 0;
	close(fd);
	if (ret) {
		snprintf(why, len, "%s: BOARD_RESET: %s", path, errname(ret));
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/snn/snn%d/health", b->idx);
	if (read_file(path, val, sizeof(val)) || strcmp(val, "ok")) {
		snprintf(why, len, "snn%d: health '%s' after a board reset",
			 b->idx, val);
		return -1;
	}
	return 0;
}

/* ---- main ------------------------------------------------------------------------------ */

static int ktap_n, ktap_failed;
static const char *const fz_results[] = {
	"errno_documented", "output_invariants", "signals", "workers_exit",
	"units_released", "clusters_usable", "board_reset_sanity",
	"call_target",
};

static FZ_PRINTF(2, 3) void result_line(int ok, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out("%s %d %s\n", ok ? "ok" : "not ok", ++ktap_n, buf);
	if (!ok)
		ktap_failed++;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--calls N] [--seconds S] [--procs N] [--threads N]\n"
		"          [--kill-ms MS] [--reset-ms MS] [--board BUS]... [--only OPS]\n"
		"          [--skip OPS] [--trace]\n"
		"operations (OPS: comma-separated):", argv0);
	for (int i = 0; i < OP_NUM; i++)
		fprintf(stderr, " %s", fz_ops[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static void set_ops(const char *list, int only)
{
	char buf[512], *tok, *save = NULL;
	int i, found;

	if (only)
		for (i = 0; i < OP_NUM; i++)
			cfg.weight[i] = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0, found = 0; i < OP_NUM; i++) {
			if (strcmp(tok, fz_ops[i].name))
				continue;
			cfg.weight[i] = only ? fz_ops[i].weight : 0;
			found = 1;
		}
		if (!found) {
			fprintf(stderr, "unknown operation '%s'\n", tok);
			usage("ioctl_fuzz_test");
		}
	}
}

static void parse_args(int argc, char **argv)
{
	int i;

	for (i = 0; i < OP_NUM; i++)
		cfg.weight[i] = fz_ops[i].weight;
	cfg.seed = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
	cfg.seed %= 1000000000000ull;	/* short enough to type */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--trace")) {
			cfg.trace = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			usage(argv[0]);
		if (!v)
			usage(argv[0]);
		i++;
		if (!strcmp(a, "--seed"))
			cfg.seed = strtoull(v, NULL, 0);

		else if (!strcmp(a, "--calls"))
			cfg.calls = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--seconds"))
			cfg.seconds = strtod(v, NULL);
		else if (!strcmp(a, "--procs"))
			cfg.procs = atoi(v);
		else if (!strcmp(a, "--threads"))
			cfg.threads = atoi(v);
		else if (!strcmp(a, "--kill-ms"))
			cfg.kill_ms = atoi(v);
		else if (!strcmp(a, "--reset-ms"))
			cfg.reset_ms = atoi(v);
		else if (!strcmp(a, "--board") && cfg.nbus < FZ_MAX_BOARDS)
			cfg.bus[cfg.nbus++] = v;
		else if (!strcmp(a, "--only"))
			set_ops(v, 1);
		else if (!strcmp(a, "--skip"))
			set_ops(v, 0);
		else
			usage(argv[0]);
	}
	if (!cfg.calls && cfg.seconds <= 0)
		cfg.seconds = 60;
	if (cfg.procs < 1 || cfg.procs > FZ_MAX_PROCS || cfg.threads < 1 ||
	    cfg.threads > FZ_MAX_THREADS)
		usage(argv[0]);
	for (i = 0, cfg.weight_sum = 0; i < OP_NUM; i++)
		cfg.weight_sum += cfg.weight[i];
	if (!cfg.weight_sum)
		usage(argv[0]);
}

/* A stuck worker: what its threads are doing. */
static void diag_stuck(pid_t pid)
{
	char path[320], buf[2048];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", pid,
			 de->d_name);
		if (read_file(path, buf, sizeof(buf)))
			buf[0] = 0;
		out("# stuck: worker %d task %s in %s\n", pid, de->d_name, buf);
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid,
			 de->d_name);
		if (!read_file(path, buf, sizeof(buf))) {
			for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
				out("#   %s\n", l);
		}
	}
	if (d)
		closedir(d);
}

struct fz_worker {
	pid_t pid;		/* 0: not running */
	int gen;
	int killed;		/* we sent SIGKILL */
};

/* Reap finished workers; a crash counts as a signal violation. */
static int reap(struct fz_worker *w, int block_ms)
{
	int64_t end = now_ns() + (int64_t)block_ms * 1000000;
	int i, st, alive;

	for (;;) {
		alive = 0;
		for (i = 0; i < cfg.procs; i++) {
			pid_t r;

			if (!w[i].pid)
				continue;
			r = waitpid(w[i].pid, &st, WNOHANG);
			if (r == 0) {
				alive++;
				continue;
			}
			if (r == w[i].pid &&
			    ((WIFEXITED(st) && WEXITSTATUS(st)) ||
			     (WIFSIGNALED(st) &&
			      !(w[i].killed && WTERMSIG(st) == SIGKILL)))) {
				ADD(&sh->viol[V_SIGNAL], 1);
				out("# VIOLATION (signal): worker %d (pid %d, generation %d): %s %d\n",
				    i, w[i].pid, w[i].gen,
				    WIFEXITED(st) ? "exit status" : "killed by signal",
				    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			}
			/* its children (forks) die with its process group */
			kill(-w[i].pid, SIGKILL);
			w[i].pid = 0;
		}
		if (!alive || now_ns() >= end)
			return alive;
		sleep_ns(20000000);
	}
}

static void print_stats(double secs)
{
	uint64_t total;
	char line[1024];
	size_t l;
	int k, e, i;

	out("# ioctl results (errno: count):\n");
	for (k = 0; k <= C_NUM; k++) {
		uint64_t total = 0;

		l = 0;
		for (e = 0; e < FZ_NERR; e++) {
			uint64_t n = sh->ioc_n[k][e];

			if (!n)
				continue;
			total += n;
			if (l < sizeof(line) - 40)
				l += snprintf(line + l, sizeof(line) - l, " %s:%llu",
					      e ? errname(e) : "ok",
					      (unsigned long long)n);
		}
		line[l] = 0;
		out("#   %-13s %8llu%s\n", k < C_NUM ? fz_cmds[k].name : "(no command)",
		    (unsigned long long)total, line);
	}
	l = 0;
	for (e = 0; e < FZ_NERR; e++)
		if (sh->mmap_n[e] && l < sizeof(line) - 40)
			l += snprintf(line + l, sizeof(line) - l, " %s:%llu",
				      e ? errname(e) : "ok",
				      (unsigned long long)sh->mmap_n[e]);
	line[l] = 0;
	out("#   %-13s%s\n", "mmap", line);
	out("# operations (count, mean time, share of the time):\n");
	for (i = 0, total = 0; i < OP_NUM; i++)
		total += sh->op_ns[i];
	for (i = 0, l = 0; i < OP_NUM; i++) {
		if (!sh->op_n[i])
			continue;
		l += snprintf(line + l, sizeof(line) - l, " %s:%llu/%.2fms/%.0f%%",
			      fz_ops[i].name, (unsigned long long)sh->op_n[i],
			      sh->op_ns[i] / 1e6 / sh->op_n[i],
			      total ? 100.0 * sh->op_ns[i] / total : 0.0);
		if (l > 100 || i == OP_NUM - 1) {
			line[l] = 0;
			out("#  %s\n", line);
			l = 0;
		}
	}
	if (l) {
		line[l] = 0;
		out("#  %s\n", line);
	}
	out("# %llu accesses to mapped memory, %llu SIGBUS, %llu board resets, %llu forks, %llu worker kills\n",
	    (unsigned long long)sh->touches, (unsigned long long)sh->sigbus,
	    (unsigned long long)sh->board_resets,
	    (unsigned long long)sh->forks, (unsigned long long)sh->kills);
	(void)secs;
}

int main(int argc, char **argv)
{
	struct fz_worker w[FZ_MAX_PROCS];
	uint64_t mrng, calls, last_calls = 0;
	int64_t t0, now, last_progress, stop_at;
	double secs;
	char why[512];
	int i, stuck, bad, kills_enabled, target_ok;

	setvbuf(stdout, NULL, _IONBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	fz_main_pid = getpid();
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	out("KTAP version 1\n1..%d\n", (int)ARRAY_SIZE(fz_results));
	out("# ioctl_fuzz: seed %llu, %d processes x %d threads, %llu calls%s, %.0f s%s, kill every ~%d ms, board reset at most every %d ms\n",
	    (unsigned long long)cfg.seed, cfg.procs, cfg.threads,
	    (unsigned long long)cfg.calls, cfg.calls ? "" : " (no limit)",
	    cfg.seconds, cfg.seconds > 0 ? "" : " (no limit)", cfg.kill_ms,
	    cfg.reset_ms);
	out("# replay: %s --seed %llu", argv[0], (unsigned long long)cfg.seed);
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--seed"))
			out(" %s", argv[i]);
		else
			i++;
	out("\n");

	if (!find_boards()) {
		out("# no snn board%s\n", cfg.nbus ? " with that bus id" : "");
		for (i = 0; i < (int)ARRAY_SIZE(fz_results); i++)
			result_line(1, "%s # SKIP no board", fz_results[i]);
		return 4;
	}
	for (i = 0; i < fz_nb; i++)
		out("# board snn%d (%s): %u clusters x %u cores, %u routers, %u+%u queues, caps %#llx\n",
		    fz_board[i].idx, fz_board[i].info.bus_id,
		    fz_board[i].info.clusters, fz_board[i].info.cores,
		    fz_board[i].info.routers, fz_board[i].info.in_queues,
		    fz_board[i].info.out_queues,
		    (unsigned long long)fz_board[i].info.caps);
	out("# %d nodes, %d sysfs attributes\n", fz_nn, fz_na);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	mrng = cfg.seed ^ 0x6a09e667f3bcc909ull;
	kmsg("snn-fuzz: start, seed %llu\n", (unsigned long long)cfg.seed);

	t0 = now_ns();
	last_progress = t0;
	memset(w, 0, sizeof(w));
	for (i = 0; i < cfg.procs; i++)
		w[i].pid = spawn(i, 0);
	kills_enabled = cfg.kill_ms > 0 && cfg.procs > 0;
	for (;;) {
		sleep_ns(50000000);
		now = now_ns();
		calls = GET(&sh->calls);
		if ((cfg.calls && calls >= cfg.calls) ||
		    (cfg.seconds > 0 && now - t0 >= cfg.seconds * FZ_NS))
			break;
		if (GET(&sh->viol[V_SIGNAL]) + GET(&sh->viol[V_ERRNO]) +
		    GET(&sh->viol[V_OUTPUT]) > 1000)
			break;		/* enough */
		reap(w, 0);
		for (i = 0; i < cfg.procs; i++) {
			if (!w[i].pid) {
				w[i].gen++;
				w[i].killed = 0;
				w[i].pid = spawn(i, w[i].gen);
			}
		}
		/* kill a worker now and then: ~every kill_ms */
		if (kills_enabled &&
		    splitmix(&mrng) % (uint64_t)(cfg.kill_ms / 50 + 1) == 0) {
			i = splitmix(&mrng) % cfg.procs;
			if (w[i].pid && !w[i].killed) {
				kill(-w[i].pid, SIGKILL);
				w[i].killed = 1;
				ADD(&sh->kills, 1);
			}
		}
		if (now - last_progress >= 10 * FZ_NS) {
			out("# fuzz: %.0f s, %llu calls, %.0f calls/s now, %llu board resets, %llu kills, %d violations\n",
			    (now - t0) / 1e9, (unsigned long long)calls,
			    (calls - last_calls) * 1e9 / (now - last_progress),
			    (unsigned long long)GET(&sh->board_resets),
			    (unsigned long long)GET(&sh->kills),
			    GET(&sh->viol[0]) + GET(&sh->viol[1]) + GET(&sh->viol[2]));
			kmsg("snn-fuzz: %.0f s, %llu calls\n", (now - t0) / 1e9,
			     (unsigned long long)calls);
			last_progress = now;
			last_calls = calls;
		}
	}
	stop_at = now_ns();
	calls = GET(&sh->calls);
	secs = (stop_at - t0) / 1e9;
	PUT(&sh->stop, 1);
	kmsg("snn-fuzz: stopping after %llu calls\n", (unsigned long long)calls);

	/* 1-4: what the workers saw, and that they stop */
	stuck = reap(w, 60000);
	if (stuck) {
		for (i = 0; i < cfg.procs; i++)
			if (w[i].pid)
				diag_stuck(w[i].pid);
		for (i = 0; i < cfg.procs; i++)
			if (w[i].pid) {
				kill(-w[i].pid, SIGKILL);
				w[i].killed = 1;
			}
		stuck = reap(w, 30000);
	}
	print_stats(secs);
	result_line(!sh->viol[V_ERRNO], "errno_documented%s",
		    sh->viol[V_ERRNO] ? " # see VIOLATION (errno) above" : "");
	result_line(!sh->viol[V_OUTPUT], "output_invariants%s",
		    sh->viol[V_OUTPUT] ? " # see VIOLATION (output) above" : "");
	result_line(!sh->viol[V_SIGNAL], "signals%s",
		    sh->viol[V_SIGNAL] ? " # see VIOLATION (signal) above" : "");
	if (stuck)
		result_line(0, "workers_exit # %d worker(s) did not exit", stuck);
	else
		result_line(1, "workers_exit");

	/* 5-7: the boards afterwards */
	if (stuck) {
		result_line(1, "units_released # SKIP workers stuck");
		result_line(1, "clusters_usable # SKIP workers stuck");
		result_line(1, "board_reset_sanity # SKIP workers stuck");
	} else {
		bad = check_released(why, sizeof(why));
		if (bad)
			out("# not released: %s\n", why);
		result_line(!bad, "units_released");
		bad = 0;
		for (i = 0; i < fz_nb; i++) {
			for (int u = 0; u < (int)fz_board[i].info.clusters; u++) {
				if (sanity_cluster(&fz_board[i], u, why, sizeof(why))) {
					out("# not usable: %s\n", why);
					bad++;
				}
			}
		}
		result_line(!bad, "clusters_usable");
		bad = 0;
		for (i = 0; i < fz_nb; i++) {
			if (board_reset(&fz_board[i], why, sizeof(why)) ||
			    sanity_cluster(&fz_board[i], 0, why, sizeof(why))) {
				out("# after a board reset: %s\n", why);
				bad++;
			}
		}
		result_line(!bad, "board_reset_sanity");
	}

	target_ok = !cfg.calls || calls >= cfg.calls;
	if (target_ok)
		result_line(1, "call_target");
	else
		result_line(1, "call_target # SKIP only %llu of %llu calls in %.0f s",
			    (unsigned long long)calls,
			    (unsigned long long)cfg.calls, secs);
	kmsg("snn-fuzz: done, %llu calls in %.1f s, seed %llu\n",
	     (unsigned long long)calls, secs, (unsigned long long)cfg.seed);
	if (ktap_failed)
		out("# replay: --seed %llu (see the replay line at the top)\n",
		    (unsigned long long)cfg.seed);
	out("# fuzz: %llu calls in %.1f s, %.0f calls/s, seed %llu\n",
	    (unsigned long long)calls, secs, secs > 0 ? calls / secs : 0.0,
	    (unsigned long long)cfg.seed);
	return ktap_failed ? 1 : 0;
}
