// SPDX-License-Identifier: GPL-2.0
/*
 * Memory allocation failures on the driver's paths: probe, remove, open,
 * network loading, queue creation, mmap, run, release and board reset must
 * fail cleanly (an error returned, nothing half-registered, the next
 * normal attempt works; the lane's final kmemleak scan finds nothing
 * leaked).  Run by the debug-kernel lane (scripts/check-debug.sh): needs
 * CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC and their debugfs.
 *
 *   fault_inject_test --board PCI-ADDRESS [--max N] [--random N]
 *                     [--bind-stride S --bind-offset O]
 *
 * How failures are confined to what is tested: the kernel's fault
 * injection cannot be limited to one module's code on x86_64 (its
 * require-start/require-end stack filter, FAULT_INJECTION_STACKTRACE_FILTER,
 * depends on !X86_64).  So the failures are confined in time and to this
 * thread instead:
 *
 *   systematic: /proc/thread-self/fail-nth (the mechanism syzkaller uses)
 *     fails exactly the n-th slab or page allocation of this thread; it is
 *     armed right before the one system call under test and read back right
 *     after (0: the failure happened).  n = 1, 2, 3, ... until the call
 *     makes fewer than n allocations: every allocation on the path, the
 *     driver's and the kernel's on its behalf (sysfs, cdev, kobject, DMA,
 *     MSI-X), fails once.  failslab and fail_page_alloc are set to count
 *     GFP_KERNEL allocations (ignore-gfp-wait=N) and order-0 pages
 *     (min-order=0), and not to log (verbose=0: their stack dumps would
 *     read as kernel problems in the console).
 *
 * Kernel paths that do not survive a failure are kept out, so that what
 * fails is ours.  In 6.1:
 *   - irq_insert_desc() ignores radix_tree_insert() failing (kernel/irq/
 *     irqdesc.c), which leaves an allocated interrupt number without a
 *     descriptor; the next MSI-X allocation then oopses (NULL irq_data)
 *     in irq_domain_alloc_irqs_locked();
 *   - remap_pfn_range() warns in untrack_pfn() when a page table (or its
 *     split lock, slab cache page->ptl) cannot be allocated;
 *   - alloc_vmap_area() warns when its vmap_area preload and then its
 *     GFP_NOWAIT allocation both fail;
 *   - register_irq_proc() ignores failures to create /proc/irq/N/ files
 *     that unregister_irq_proc() then warns about.
 * So failslab runs with cache-filter=Y, and the VM boots with
 * slub_debug=FZPUA;-,radix_tree_node,vmap_area,page->ptl (scripts/
 * check-debug.sh): every slab cache may fail but those three (a cache's
 * failslab flag can only be set at boot in 6.1).  fail_page_alloc fails
 * no GFP_KERNEL allocation while binding, unbinding or mapping, nor in
 * the random sequences (new slab pages for those caches, page tables).
 * check-debug.sh tells vm-run.py to leave the /proc/irq warnings out
 * (--ignore-splat unregister_irq_proc).  Without the boot option, probe,
 * remove and the random sequences are skipped.
 *   random: task-filter=Y with /proc/self/make-it-fail set around each
 *     system call only, probability 10%, any number of failures per call
 *     (so error paths meet failures too), over --random N sequences of
 *     open, load, queues, mmap, run, wait, close and unbind/bind.
 */
#include <sys/syscall.h>

#include "debug_lib.h"

static const char *pci;
static int cache_filter;	/* failslab spares radix_tree_node */
static int base_idx, nodes_full, class_without, dev_without;
static int nth_fd = -1, miff_fd = -1;
static char node0[32], board_node[32];

/* ---- fault injection control ------------------------------------------------ */

static int dbgfs_set(const char *attr, const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", attr, file);
	return write_file(path, val);
}

static int setup_attrs(void)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc" };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < 2; i++) {
		ret |= dbgfs_set(attrs[i], "probability", "0");	/* first */
		ret |= dbgfs_set(attrs[i], "verbose", "0");
		ret |= dbgfs_set(attrs[i], "ignore-gfp-wait", "N");
		ret |= dbgfs_set(attrs[i], "task-filter", "N");
		ret |= dbgfs_set(attrs[i], "interval", "1");
		ret |= dbgfs_set(attrs[i], "times", "-1");
		ret |= dbgfs_set(attrs[i], "space", "0");
	}
	ret |= dbgfs_set("fail_page_alloc", "ignore-gfp-highmem", "N");
	ret |= dbgfs_set("fail_page_alloc", "min-order", "0");
	return ret;
}

#define SLUB_DEBUG_BOOT "slub_debug=FZPUA;-,radix_tree_node,vmap_area,page->ptl"

/* Is every slab cache but the excluded ones marked for failslab? */
static int setup_cache_filter(void)
{
	static const char *const spared[] = {
		"radix_tree_node", "vmap_area", "page->ptl",
	};
	char path[128], a[8] = "", b[8] = "";
	unsigned int i;

	cache_filter = !read_file("/sys/kernel/slab/kmalloc-64/failslab", b,
				  sizeof(b)) && !strcmp(b, "1");
	for (i = 0; i < sizeof(spared) / sizeof(spared[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/failslab", spared[i]);
		a[0] = 0;
		/* (a cache that does not exist cannot fail either) */
		if (!read_file(path, a, sizeof(a)) && strcmp(a, "0"))
			cache_filter = 0;
	}
	if (cache_filter)
		return dbgfs_set("failslab", "cache-filter", "Y");
	diag("slab caches not marked for failslab as needed: boot with " SLUB_DEBUG_BOOT);
	return 0;
}

/* GFP_KERNEL page allocations may fail (not while binding: see the top). */
static void page_failures(int on)
{
	dbgfs_set("fail_page_alloc", "ignore-gfp-wait", on ? "N" : "Y");
}

/*
 * Random failures for the tasks with make-it-fail only.  The order
 * matters: never a moment with a probability and no task filter, when
 * any allocation of any task (init's fork, the write that would end it)
 * could fail.
 */
static void random_mode(int on)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc" };
	int i, try;

	for (i = 0; i < 2; i++)
		for (try = 0; try < 10; try++)
			if (!dbgfs_set(attrs[i], on ? "task-filter" : "probability",
				       on ? "Y" : "0"))
				break;
	for (i = 0; i < 2; i++)
		for (try = 0; try < 10; try++)
			if (!dbgfs_set(attrs[i], on ? "probability" : "task-filter",
				       on ? "10" : "N"))
				break;
}

static int random_armed;

/* Arm before the call under test: the n-th allocation fails (0: random). */
static void arm(int n)
{
	char buf[16];
	int l = snprintf(buf, sizeof(buf), "%d", n);

	if (random_armed) {
		if (pwrite(miff_fd, "1", 1, 0) != 1)
			abort();
		return;
	}
	if (pwrite(nth_fd, buf, l, 0) != l)
		abort();
}

/* Disarm right after it; returns 1 if the armed failure happened. */
static int disarm(void)
{
	char buf[16] = "";
	ssize_t l;

	if (random_armed) {
		if (pwrite(miff_fd, "0", 1, 0) != 1)
			abort();
		return 1;
	}
	l = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (pwrite(nth_fd, "0", 1, 0) != 1)
		abort();
	return l > 0 && atoi(buf) == 0;
}

/* ---- state checks ------------------------------------------------------------- */

static int unbind(void)
{
	char path[128];

	if (strcmp(pci_driver(pci), "snn"))
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/snn/unbind");
	return write_file(path, pci);
}

static int bind(void)
{
	if (!strcmp(pci_driver(pci), "snn"))
		return 0;
	return write_file("/sys/bus/pci/drivers/snn/bind", pci);
}

/* The board is fully there, with its old index and all its nodes. */
static int check_bound(char *why, size_t len)
{
	struct snn_info info;
	int n, idx = board_of(pci, &n);

	if (strcmp(pci_driver(pci), "snn")) {
		snprintf(why, len, "not bound");
		return -1;
	}
	if (idx != base_idx || n != nodes_full) {
		snprintf(why, len, "bound with board index %d and %d nodes, not %d and %d",
			 idx, n, base_idx, nodes_full);
		return -1;
	}
	if (board_info(idx, &info)) {
		snprintf(why, len, "SNN_IOC_INFO on /dev/snn%d: %s", idx, strerror(errno));
		return -1;
	}
	return 0;
}

/* Not bound, and nothing of the board left registered. */
static int check_unbound(char *why, size_t len)
{
	char path[64];
	int n;

	if (pci_driver(pci)[0]) {
		snprintf(why, len, "still bound to '%s'", pci_driver(pci));
		return -1;
	}
	board_of(pci, &n);
	if (n || class_nodes() != class_without || dev_nodes() != dev_without) {
		snprintf(why, len, "left behind: %d class devices under the device, %d in the class (want %d), %d /dev/snn* (want %d)",
			 n, class_nodes(), class_without, dev_nodes(), dev_without);
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/kernel/debug/snn/snn%d", base_idx);
	if (path_exists(path)) {
		snprintf(why, len, "%s left behind", path);
		return -1;
	}
	return 0;
}

/* A normal open, load, queues, run and output work on cluster 0. */
static int check_works(char *why, size_t len)
{
	struct dbg_queue in, out;
	__u32 state = 0, tail;
	int fd, ret;

	fd = open(node0, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open %s: %s", node0, strerror(errno));
		return -1;
	}
	in.map = out.map = MAP_FAILED;
	ret = load_bias_net(fd, 1);
	if (!ret)
		ret = queue_create(fd, &in, SNN_QUEUE_IN, 4);
	if (!ret)
		ret = queue_map(fd, &in);
	if (!ret)
		ret = queue_create(fd, &out, SNN_QUEUE_OUT, 4);
	if (!ret)
		ret = queue_map(fd, &out);
	if (!ret)
		ret = run_steps(fd, 5);
	if (!ret)
		ret = wait_run(fd, 5000000000LL, &state);
	if (ret) {
		snprintf(why, len, "normal use of %s: %s (state %u)", node0,
			 strerror(-ret), state);
	} else {
		/* neuron 0 spikes every timestep: 5 events */
		tail = *(volatile __u32 *)((char *)out.map + out.qc.wb_offset);
		if (tail != 5) {
			snprintf(why, len, "normal run on %s: %u output events, not 5",
				 node0, tail);
			ret = -1;
		}
	}
	queue_unmap(&in);
	queue_unmap(&out);
	close(fd);
	return ret ? -1 : 0;
}

/* ---- the operations ------------------------------------------------------------------ */

struct ctx {
	int fd, bfd, sfd;
	struct dbg_queue in, out;
	void *map;
};

struct op {
	const char *name;
	int binds;	/* probe or remove: see the top */
	int no_pages;	/* no GFP_KERNEL page allocation failures */
	int (*setup)(struct ctx *c, char *why, size_t len);
	int (*call)(struct ctx *c);	/* the one system call, armed */
	/* check the state after it (ret: the call's result), clean up */
	int (*check)(struct ctx *c, int ret, char *why, size_t len);
};

static void ctx_clean(struct ctx *c)
{
	queue_unmap(&c->in);
	queue_unmap(&c->out);
	if (c->fd >= 0)
		close(c->fd);
	if (c->bfd >= 0)
		close(c->bfd);
	if (c->sfd >= 0)
		close(c->sfd);
	c->fd = c->bfd = c->sfd = -1;
}

/* probe: bind the unbound device */
static int probe_setup(struct ctx *c, char *why, size_t len)
{
	if (unbind() || check_unbound(why, len))
		return -1;
	c->sfd = open("/sys/bus/pci/drivers/snn/bind", O_WRONLY | O_CLOEXEC);
	return c->sfd < 0 ? -1 : 0;
}

static int probe_call(struct ctx *c)
{
	return write(c->sfd, pci, strlen(pci)) < 0 ? -errno : 0;
}

static int probe_check(struct ctx *c, int ret, char *why, size_t len)
{
	if (!strcmp(pci_driver(pci), "snn"))
		return check_bound(why, len);
	if (!ret) {
		snprintf(why, len, "bind succeeded but the device is not bound");
		return -1;
	}
	return check_unbound(why, len);
}

/* remove: unbind the bound device */
static int remove_setup(struct ctx *c, char *why, size_t len)
{
	if (bind() || check_bound(why, len))
		return -1;
	c->sfd = open("/sys/bus/pci/drivers/snn/unbind", O_WRONLY | O_CLOEXEC);
	return c->sfd < 0 ? -1 : 0;
}

static int remove_check(struct ctx *c, int ret, char *why, size_t len)
{
	if (!strcmp(pci_driver(pci), "snn"))
		return check_bound(why, len);	/* the write failed early */
	return check_unbound(why, len);
}

static int ensure_bound(char *why, size_t len)
{
	if (bind()) {
		snprintf(why, len, "bind: %s", strerror(errno));
		return -1;
	}
	return check_bound(why, len);
}

/* open a cluster */
static int open_setup(struct ctx *c, char *why, size_t len)
{
	return ensure_bound(why, len);
}

static int open_call(struct ctx *c)
{
	c->fd = open(node0, O_RDWR | O_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

static int open_check(struct ctx *c, int ret, char *why, size_t len)
{
	int fd;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	/* not left owned */
	fd = open(node0, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open after a failed open: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int opened_setup(struct ctx *c, char *why, size_t len)
{
	if (ensure_bound(why, len))
		return -1;
	c->fd = open(node0, O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		snprintf(why, len, "open %s: %s", node0, strerror(errno));
		return -1;
	}
	return 0;
}

/* load a network */
static int load_call(struct ctx *c)
{
	return load_bias_net(c->fd, 0);
}

static int load_check(struct ctx *c, int ret, char *why, size_t len)
{
	if (ret && (ret = load_bias_net(c->fd, 0)))
		snprintf(why, len, "load after a failed load: %s", strerror(-ret));
	else if (!ret && (ret = run_steps(c->fd, 3)))
		snprintf(why, len, "run after the load: %s", strerror(-ret));
	else if (!ret && (ret = wait_run(c->fd, 5000000000LL, NULL)))
		snprintf(why, len, "wait after the load: %s", strerror(-ret));
	return ret ? -1 : 0;
}

/* create a queue */
static int qcreate_call(struct ctx *c)
{
	return queue_create(c->fd, &c->out, SNN_QUEUE_OUT, 4);
}

static int qcreate_check(struct ctx *c, int ret, char *why, size_t len)
{
	if (ret && (ret = queue_create(c->fd, &c->out, SNN_QUEUE_OUT, 4))) {
		snprintf(why, len, "queue create after a failed one: %s", strerror(-ret));
		return -1;
	}
	if ((ret = queue_map(c->fd, &c->out))) {
		snprintf(why, len, "mmap of the queue: %s", strerror(-ret));
		return -1;
	}
	(void)*(volatile __u32 *)c->out.map;
	return 0;
}

/* map a queue */
static int mmap_setup(struct ctx *c, char *why, size_t len)
{
	int ret;

	if (opened_setup(c, why, len))
		return -1;
	ret = queue_create(c->fd, &c->out, SNN_QUEUE_OUT, 4);
	if (ret)
		snprintf(why, len, "queue create: %s", strerror(-ret));
	return ret;
}

static int mmap_call(struct ctx *c)
{
	return queue_map(c->fd, &c->out);
}

static int mmap_check(struct ctx *c, int ret, char *why, size_t len)
{
	if (ret && (ret = queue_map(c->fd, &c->out))) {
		snprintf(why, len, "mmap after a failed one: %s", strerror(-ret));
		return -1;
	}
	/* touch it: faults the page in */
	(void)*(volatile __u32 *)((char *)c->out.map + c->out.qc.wb_offset);
	return 0;
}

/* a file with a network, mapped queues */
static int ready_setup(struct ctx *c, char *why, size_t len)
{
	int ret;

	if (opened_setup(c, why, len))
		return -1;
	ret = load_bias_net(c->fd, 1);
	if (!ret)
		ret = queue_create(c->fd, &c->in, SNN_QUEUE_IN, 4);
	if (!ret)
		ret = queue_map(c->fd, &c->in);
	if (!ret)
		ret = queue_create(c->fd, &c->out, SNN_QUEUE_OUT, 4);
	if (!ret)
		ret = queue_map(c->fd, &c->out);
	if (ret)
		snprintf(why, len, "setting up %s: %s", node0, strerror(-ret));
	return ret;
}

/* run */
static int run_call(struct ctx *c)
{
	return run_steps(c->fd, 5);
}

static int run_check(struct ctx *c, int ret, char *why, size_t len)
{
	if (ret && (ret = run_steps(c->fd, 5))) {
		snprintf(why, len, "run after a failed one: %s", strerror(-ret));
		return -1;
	}
	if ((ret = wait_run(c->fd, 5000000000LL, NULL))) {
		snprintf(why, len, "wait: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

/* release: the last close of a cluster with a run in flight */
static int release_setup(struct ctx *c, char *why, size_t len)
{
	int ret;

	if (ready_setup(c, why, len))
		return -1;
	ret = run_steps(c->fd, 100000);	/* stalls on the full queue */
	if (ret) {
		snprintf(why, len, "run: %s", strerror(-ret));
		return -1;
	}
	queue_unmap(&c->in);
	queue_unmap(&c->out);
	return 0;
}

static int release_call(struct ctx *c)
{
	int ret = close(c->fd) ? -errno : 0;

	c->fd = -1;
	return ret;
}

static int release_check(struct ctx *c, int ret, char *why, size_t len)
{
	return open_check(c, 0, why, len);
}

/* board reset with a cluster in use */
static int breset_setup(struct ctx *c, char *why, size_t len)
{
	int ret;

	if (release_setup(c, why, len))
		return -1;
	(void)ret;
	c->bfd = open(board_node, O_RDWR | O_CLOEXEC);
	if (c->bfd < 0) {
		snprintf(why, len, "open %s: %s", board_node, strerror(errno));
		return -1;
	}
	return 0;
}

static int breset_call(struct ctx *c)
{
	struct snn_reset rs = { 0 };

	return ioctl(c->bfd, SNN_IOC_BOARD_RESET, &rs) ? -errno : 0;
}

static int breset_check(struct ctx *c, int ret, char *why, size_t len)
{
	struct snn_reset rs = { 0 };
	int fd;

	if (ret) {
		/* a failed reset: a new board file resets it properly */
		fd = open(board_node, O_RDWR | O_CLOEXEC);
		ret = fd < 0 || ioctl(fd, SNN_IOC_BOARD_RESET, &rs) ? -errno : 0;
		if (fd >= 0)
			close(fd);
		if (ret) {
			snprintf(why, len, "board reset after a failed one: %s",
				 strerror(-ret));
			return -1;
		}
	}
	ret = wait_run(c->fd, 0, NULL);
	if (ret != -ENODEV) {
		snprintf(why, len, "cluster file after the reset: %s, not ENODEV",
			 strerror(-ret));
		return -1;
	}
	ctx_clean(c);
	return open_check(c, 0, why, len);
}

static const struct op ops[] = {
	{ "probe", 1, 1, probe_setup, probe_call, probe_check },
	{ "remove", 1, 1, remove_setup, probe_call, remove_check },
	{ "open", 0, 0, open_setup, open_call, open_check },
	{ "load", 0, 0, opened_setup, load_call, load_check },
	{ "queue_create", 0, 0, opened_setup, qcreate_call, qcreate_check },
	{ "mmap", 0, 1, mmap_setup, mmap_call, mmap_check },
	{ "run", 0, 0, ready_setup, run_call, run_check },
	{ "release", 0, 0, release_setup, release_call, release_check },
	{ "board_reset", 0, 0, breset_setup, breset_call, breset_check },
};

/*
 * n = 1, 2, ...: fail the n-th allocation of the call.  Binding and
 * unbinding cost about 0.5 s each under TCG and the debug kernel and make
 * hundreds of allocations, so there n = offset + 1, offset + 1 + stride,
 * ... (--bind-stride, --bind-offset; every n is covered by running with
 * each offset).
 */
static int bind_stride = 1, bind_offset;

static void systematic(const struct op *op, int max)
{
	int n, ret, hit, failed_calls = 0, bad = 0;
	struct ctx c;
	char why[512];
	double t0 = now_s();

	if (op->binds && !cache_filter) {
		ktap_skip(op->name, "needs " SLUB_DEBUG_BOOT);
		return;
	}
	page_failures(!op->no_pages);
	for (n = op->binds ? bind_offset + 1 : 1; n <= max;
	     n += op->binds ? bind_stride : 1) {
		memset(&c, 0, sizeof(c));
		c.fd = c.bfd = c.sfd = -1;
		c.in.map = c.out.map = MAP_FAILED;
		why[0] = 0;
		if (op->setup(&c, why, sizeof(why))) {
			diag("%s: set-up for n=%d failed: %s", op->name, n, why);
			bad++;
			ctx_clean(&c);
			break;
		}
		arm(n);
		ret = op->call(&c);
		hit = disarm();
		if (op->check(&c, ret, why, sizeof(why))) {
			diag("%s: allocation %d failed (call: %s): %s", op->name, n,
			     ret ? strerror(-ret) : "succeeded", why);
			if (++bad >= 3) {
				ctx_clean(&c);
				break;
			}
		}
		ctx_clean(&c);
		if (hit && ret)
			failed_calls++;
		if (!hit) {
			if (ret) {
				diag("%s: fails without an injected failure: %s",
				     op->name, strerror(-ret));
				bad++;
			}
			break;
		}
	}
	if (n > max)
		diag("%s: still allocating after %d allocations: stopped", op->name, max);
	if (op->binds && bind_stride > 1)
		diag("%s: about %d allocations on the path; failed every %d-th from %d: %d failed the call (%.1f s)",
		     op->name, n - 1, bind_stride, bind_offset + 1, failed_calls,
		     now_s() - t0);
	else
		diag("%s: %d allocations on the path, %d of whose failures failed the call (%.1f s)",
		     op->name, n - 1, failed_calls, now_s() - t0);
	page_failures(1);
	ktap_result(!bad, "%s", op->name);
}

static int rnd_calls, rnd_fails;

static int rnd_done(int ret)
{
	disarm();
	rnd_calls++;
	if (ret)
		rnd_fails++;
	return ret;
}

/* one armed call (the comma: armed before expr is evaluated) */
#define TRY(expr) (arm(0), rnd_done(expr))

/* Random failures over whole sequences of use. */
static void random_sequences(int count)
{
	int i, bad = 0;
	char why[512];
	double t0 = now_s();

	if (!cache_filter) {
		ktap_skip("random", "needs " SLUB_DEBUG_BOOT);
		return;
	}
	/* slab failures only: see the top */
	page_failures(0);
	random_mode(1);
	random_armed = 1;
	for (i = 0; i < count && bad < 3; i++) {
		struct dbg_queue in = { .map = MAP_FAILED }, out = { .map = MAP_FAILED };
		int fd, r;

		if (i % 5 == 4) {
			int sfd;

			sfd = open("/sys/bus/pci/drivers/snn/unbind", O_WRONLY | O_CLOEXEC);

			r = TRY(write(sfd, pci, strlen(pci)) < 0 ? -errno : 0);
			close(sfd);
			sfd = open("/sys/bus/pci/drivers/snn/bind", O_WRONLY | O_CLOEXEC);
			if (strcmp(pci_driver(pci), "snn"))
				r = TRY(write(sfd, pci, strlen(pci)) < 0 ? -errno : 0);
			close(sfd);
			random_armed = 0;
			if (bind()) {
				diag("random %d: bind after random failures: %s", i,
				     strerror(errno));
				bad++;
			} else if (check_bound(why, sizeof(why))) {
				diag("random %d: %s", i, why);
				bad++;
			}
			random_armed = 1;
			continue;
		}
		arm(0);
		fd = open(node0, O_RDWR | O_CLOEXEC);
		if (rnd_done(fd < 0 ? -errno : 0))
			continue;
		r = TRY(load_bias_net(fd, 1));
		r |= TRY(queue_create(fd, &in, SNN_QUEUE_IN, 4));
		r |= TRY(queue_map(fd, &in));
		r |= TRY(queue_create(fd, &out, SNN_QUEUE_OUT, 4));
		r |= TRY(queue_map(fd, &out));
		r |= TRY(run_steps(fd, i % 2 ? 5 : 100000));
		TRY(wait_run(fd, 1000000, NULL));
		queue_unmap(&in);
		queue_unmap(&out);
		TRY(close(fd) ? -errno : 0);
		(void)r;
	}
	random_armed = 0;
	random_mode(0);
	page_failures(1);
	/* whatever happened, the board must still be fully usable */
	if (bind() || check_bound(why, sizeof(why))) {
		diag("random: after the sequences: %s", why);
		bad++;
	} else if (check_works(why, sizeof(why))) {
		diag("random: after the sequences: %s", why);
		bad++;
	}
	diag("random: %d sequences, %d calls, %d failed (%.1f s)", i, rnd_calls, rnd_fails,
	     now_s() - t0);
	ktap_result(!bad, "random");
}

int main(int argc, char **argv)
{
	const char *max_s = "4000", *random_s = "40", *stride_s = "1", *offset_s = "0";
	struct dbg_opt opts[] = {
		{ "--board", &pci }, { "--max", &max_s }, { "--random", &random_s },
		{ "--bind-stride", &stride_s }, { "--bind-offset", &offset_s },
		{ NULL, NULL },
	};
	int nops = sizeof(ops) / sizeof(ops[0]), i;
	char why[512];

	if (parse_opts(argc, argv, opts) || !pci) {
		fprintf(stderr, "usage: %s --board PCI-ADDRESS [--max N] [--random N] [--bind-stride S --bind-offset O]\n",
			argv[0]);
		return 2;
	}
	bind_stride = atoi(stride_s) > 0 ? atoi(stride_s) : 1;
	bind_offset = atoi(offset_s) % bind_stride;
	ktap_header(nops + 2);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	miff_fd = open("/proc/self/make-it-fail", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0 || miff_fd < 0 || !path_exists("/sys/kernel/debug/failslab") ||
	    !path_exists("/sys/kernel/debug/fail_page_alloc")) {
		for (i = 0; i < nops; i++)
			ktap_skip(ops[i].name, "no fault injection in this kernel");
		ktap_skip("random", "no fault injection in this kernel");
		ktap_skip("works_after", "no fault injection in this kernel");
		return 4;
	}
	if (setup_attrs() || setup_cache_filter()) {
		ktap_result(0, "setup # cannot configure failslab/fail_page_alloc");
		return ktap_exit();
	}
	if (board_of(pci, NULL) < 0 || strcmp(pci_driver(pci), "snn")) {
		ktap_result(0, "setup # no snn board at %s", pci);
		return ktap_exit();
	}
	/*
	 * What the system looks like without this board; and with it bound
	 * again it has the lowest free index, which every later bind must
	 * give it again (earlier tests may have left it another one).
	 */
	unbind();
	class_without = class_nodes();
	dev_without = dev_nodes();
	bind();
	base_idx = board_of(pci, &nodes_full);
	snprintf(node0, sizeof(node0), "/dev/snn%d.0", base_idx);
	snprintf(board_node, sizeof(board_node), "/dev/snn%d", base_idx);
	diag("board %d at %s: %d nodes; without it %d class devices, %d /dev/snn*",
	     base_idx, pci, nodes_full, class_without, dev_without);

	for (i = 0; i < nops; i++)
		systematic(&ops[i], atoi(max_s));
	random_sequences(atoi(random_s));

	/* and afterwards: bound, with its index, and a normal run works */
	if (bind() || check_bound(why, sizeof(why)) || check_works(why, sizeof(why))) {
		diag("after the failures: %s", why);
		ktap_result(0, "works_after");
	} else {
		ktap_result(1, "works_after");
	}
	return ktap_exit();
}
