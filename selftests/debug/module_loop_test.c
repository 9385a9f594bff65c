// SPDX-License-Identifier: GPL-2.0
/*
 * Unload and load snn.ko in a loop, with nodes held open in between: run by
 * the debug-kernel lane (scripts/check-debug.sh), where KASAN, lockdep and
 * kmemleak watch module exit, init and the probe of every board.
 *
 *   module_loop_test --module /modules/snn.ko [--cycles N]
 *
 * The contract, decided here: a node of a board holds a reference to the
 * module (the cdev's owner), through an open file or only through a
 * mapping of it.  While one is held, unloading fails with EWOULDBLOCK
 * (the kernel's answer to delete_module(O_NONBLOCK) of a module in use;
 * busybox rmmod prints "Resource temporarily unavailable") and changes
 * nothing: the module stays live and the holder's run goes on.  Once the
 * last reference is gone, unloading succeeds, every node and class device
 * goes away, and loading the module again probes every board again (each
 * PCI device that was bound before is bound again, with the same index).
 *
 * What holds the module, by cycle: a holder process (cluster with a
 * network, mapped queues and doorbell page, a run in flight, plus the
 * board node); an open board node of this process; a queue mapping of
 * this process whose file was already closed.
 */
#include <sys/syscall.h>

#include "debug_lib.h"

#define MAX_DEVS 16

static int ndevs;
static char devs[MAX_DEVS][32];
static int devidx[MAX_DEVS];

/* PCI devices bound to snn now. */
static void bound_devices(void)
{
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/drivers/snn");

	ndevs = 0;
	if (!d)
		return;
	while ((de = readdir(d)) && ndevs < MAX_DEVS)
		if (!strncmp(de->d_name, "0000:", 5))
			snprintf(devs[ndevs++], sizeof(devs[0]), "%.31s", de->d_name);
	closedir(d);
}

static int module_state(char *buf, size_t len)
{
	return read_file("/sys/module/snn/initstate", buf, len);
}

static int unload(void)
{
	return syscall(SYS_delete_module, "snn", O_NONBLOCK) ? -errno : 0;
}

static int load(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int one_cycle(const char *ko, int cycle, char *why, size_t len)
{
	struct holder h = { .pid = -1 };
	char node[32], buf[512], state[32];
	struct dbg_queue q = { .map = MAP_FAILED };
	int mode = cycle % 3, fd = -1, ret = -1, i, idx;

	idx = devidx[0];
	if (mode == 0) {
		char board[32];

		snprintf(node, sizeof(node), "/dev/snn%d.0", idx);
		snprintf(board, sizeof(board), "/dev/snn%d", idx);
		if (holder_start(&h, node, HOLD_STALL, board, buf, sizeof(buf))) {
			snprintf(why, len, "holder: %s", buf);
			goto out;
		}
	} else if (mode == 1) {
		snprintf(node, sizeof(node), "/dev/snn%d", idx);
		fd = open(node, O_RDONLY | O_CLOEXEC);
	} else {
		snprintf(node, sizeof(node), "/dev/snn%d.0", idx);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, len, "open %s: %s", node, strerror(errno));
			goto out;
		}
		ret = queue_create(fd, &q, SNN_QUEUE_OUT, 4);
		if (!ret)
			ret = queue_map(fd, &q);
		if (ret) {
			snprintf(why, len, "queue on %s: %s", node, strerror(-ret));
			ret = -1;
			goto out;
		}
		close(fd);	/* only the mapping holds the file now */
		fd = -1;
	}
	if (mode == 1 && fd < 0) {
		snprintf(why, len, "open %s: %s", node, strerror(errno));
		goto out;
	}

	/* held: unloading must fail and change nothing */
	ret = unload();
	if (ret != -EWOULDBLOCK) {
		snprintf(why, len, "unloading snn while %s is held: %s, not EWOULDBLOCK",
			 node, ret ? strerror(-ret) : "succeeded");
		ret = -1;
		goto out;
	}
	ret = -1;
	if (module_state(state, sizeof(state)) || strcmp(state, "live")) {
		snprintf(why, len, "module state after a refused unload: '%s'", state);
		goto out;
	}
	if (mode == 0 && holder_cmd(&h, 'p', "OK", buf, sizeof(buf))) {
		snprintf(why, len, "holder after a refused unload: %s", buf);
		goto out;
	}
	for (i = 0; i < ndevs; i++)
		if (board_of(devs[i], NULL) != devidx[i]) {
			snprintf(why, len, "%s lost its board after a refused unload",
				 devs[i]);
			goto out;
		}

	/* let go: unloading must succeed and leave nothing behind */
	holder_stop(&h, SIGKILL);
	if (fd >= 0)
		close(fd);
	fd = -1;
	queue_unmap(&q);
	ret = unload();
	if (ret) {
		snprintf(why, len, "unloading snn after the holder let go: %s",
			 strerror(-ret));
		ret = -1;
		goto out;
	}
	ret = -1;
	if (path_exists("/sys/module/snn")) {
		snprintf(why, len, "/sys/module/snn still exists after unloading");
		goto out;
	}
	if (class_nodes() || dev_nodes() > 0) {
		snprintf(why, len, "after unloading: %d class devices, %d /dev/snn* nodes",
			 class_nodes(), dev_nodes());
		goto out;
	}
	for (i = 0; i < ndevs; i++)
		if (pci_driver(devs[i])[0]) {
			snprintf(why, len, "%s still bound to '%s' after unloading",
				 devs[i], pci_driver(devs[i]));
			goto out;
		}

	/*
	 * And back: every board probed again, with its index (of the first
	 * load; the indices before it are whatever earlier tests left).
	 */
	ret = load(ko);
	if (ret) {
		snprintf(why, len, "loading %s: %s", ko, strerror(-ret));
		ret = -1;
		goto out;
	}
	ret = -1;
	for (i = 0; i < ndevs; i++) {
		int n = wait_board(devs[i], 30);

		if (n < 0 || (cycle && n != devidx[i])) {
			snprintf(why, len, "%s after reloading: board index %d, not %d",
				 devs[i], n, devidx[i]);
			goto out;
		}
		devidx[i] = n;
	}
	ret = 0;
out:
	holder_stop(&h, SIGKILL);
	if (fd >= 0)
		close(fd);
	queue_unmap(&q);
	return ret;
}

int main(int argc, char **argv)
{
	const char *ko = NULL, *cycles_s = "50";
	struct dbg_opt opts[] = {
		{ "--module", &ko }, { "--cycles", &cycles_s }, { NULL, NULL },
	};
	int cycles, i, fails = 0, n0, c0;
	char why[768], state[32];
	double t0;

	if (parse_opts(argc, argv, opts) || !ko) {
		fprintf(stderr, "usage: %s --module PATH.ko [--cycles N]\n", argv[0]);
		return 2;
	}
	cycles = atoi(cycles_s);
	ktap_header(2);
	bound_devices();
	if (module_state(state, sizeof(state)) || !ndevs) {
		ktap_result(0, "module_loop # snn.ko not loaded or no board bound");
		ktap_skip("module_loaded_after", "not loaded");
		return ktap_exit();
	}
	for (i = 0; i < ndevs; i++) {
		devidx[i] = board_of(devs[i], NULL);
		diag("%s: board %d", devs[i], devidx[i]);
	}
	n0 = dev_nodes();
	c0 = class_nodes();
	t0 = now_s();
	for (i = 0; i < cycles; i++) {
		if (one_cycle(ko, i, why, sizeof(why))) {
			diag("cycle %d: %s", i, why);
			if (++fails >= 3) {
				diag("giving up after 3 failed cycles");
				break;
			}
			/* leave the module loaded for the next cycle */
			if (!path_exists("/sys/module/snn"))
				load(ko);
			for (int j = 0; j < ndevs; j++)
				wait_board(devs[j], 30);
		}
	}
	diag("%d cycles in %.1f s (%.2f s each)", i, now_s() - t0,
	     (now_s() - t0) / (i ? i : 1));
	ktap_result(!fails, "module_loop");
	diag("/dev/snn* nodes %d -> %d, class devices %d -> %d", n0, dev_nodes(),
	     c0, class_nodes());
	ktap_result(!module_state(state, sizeof(state)) && !strcmp(state, "live") &&
		    dev_nodes() == n0 && class_nodes() == c0,
		    "module_loaded_after");
	return ktap_exit();
}
