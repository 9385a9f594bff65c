// SPDX-License-Identifier: GPL-2.0
/*
 * PCIe hot-unplug and replug of a board in a loop, with applications
 * holding it: run by the debug-kernel lane (scripts/check-debug.sh), where
 * KASAN, lockdep and kmemleak watch the driver's remove and probe.
 *
 *   unplug_loop_test --board PCI-ADDRESS --id QEMU-ID --device DEVICE \
 *                    [--cycles N]
 *
 * DEVICE is the board's whole -device string, bus included, to plug it
 * back with (vm-run.py gives it as @ID:device@).  The host side is
 * vm-run.py's agent: /bin/snn-agent UNPLUG ID (device_del; returns once
 * QEMU reported DEVICE_DELETED, i.e. the guest let the device go) and
 * PLUG DEVICE (device_add).
 *
 * Each cycle: holders (debug_lib.h) own clusters 0 and 1 with a network,
 * mapped queues and doorbell page and a run in flight; one also holds the
 * board node.  The board is unplugged.  Then, alternately:
 *   even cycles: the holders check that their files are stale (ENODEV,
 *     POLLERR|POLLHUP, SIGBUS) and exit; the board is plugged back and
 *     must get the index it got in the first cycle, the lowest free one,
 *     again (nothing of it leaked);
 *   odd cycles: the board is plugged back while the stale files are still
 *     open, so it must get another index (docs/uapi.md 9.4: an index is
 *     reused only after the last file of the removed board is closed);
 *     then the holders check and exit.
 */
#include "debug_lib.h"

/* Run /bin/snn-agent with one command line; reply into buf; 0 if OK. */
static int agent(const char *cmd, const char *arg, char *buf, size_t len)
{
	int p[2], st = 0;
	ssize_t n = 0, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl("/bin/snn-agent", "snn-agent", cmd, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((size_t)n + 1 < len && (r = read(p[0], buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

struct times {
	double unplug, plug;
};

static int one_cycle(const char *pci, const char *id, const char *device,
		     int cycle, int *base, struct times *t, char *why, size_t len)
{
	char node0[32], node1[32], board[32], buf[512], path[256];
	struct holder a = { .pid = -1 }, b = { .pid = -1 };
	int idx, nidx, ret = -1, early_plug = cycle % 2;
	double t0;

	idx = wait_board(pci, 60);
	if (idx < 0) {
		snprintf(why, len, "no board at %s", pci);
		return -1;
	}
	snprintf(board, sizeof(board), "/dev/snn%d", idx);
	snprintf(node0, sizeof(node0), "/dev/snn%d.0", idx);
	snprintf(node1, sizeof(node1), "/dev/snn%d.1", idx);
	if (holder_start(&a, node0, cycle % 4 == 3 ? HOLD_RUN : HOLD_STALL,
			 board, buf, sizeof(buf))) {
		snprintf(why, len, "holder 0: %s", buf);
		goto out;
	}
	if (holder_start(&b, node1, HOLD_STALL, NULL, buf, sizeof(buf))) {
		snprintf(why, len, "holder 1: %s", buf);
		goto out;
	}

	t0 = now_s();
	if (agent("UNPLUG", id, buf, sizeof(buf))) {
		snprintf(why, len, "UNPLUG %s: %s", id, buf);
		goto out;
	}
	t->unplug += now_s() - t0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", pci);
	if (path_exists(path)) {
		snprintf(why, len, "%s still present after UNPLUG", pci);
		goto out;
	}

	if (!early_plug) {
		if (holder_check_stale(&a, buf, sizeof(buf))) {
			snprintf(why, len, "holder 0 after unplug: %s", buf);
			goto out;
		}
		if (holder_check_stale(&b, buf, sizeof(buf))) {
			snprintf(why, len, "holder 1 after unplug: %s", buf);
			goto out;
		}
	}

	t0 = now_s();
	if (agent("PLUG", device, buf, sizeof(buf))) {
		snprintf(why, len, "PLUG %s: %s", device, buf);
		goto out;
	}
	nidx = wait_board(pci, 60);
	t->plug += now_s() - t0;
	if (nidx < 0) {
		snprintf(why, len, "the board did not come back at %s (driver '%s')",
			 pci, pci_driver(pci));
		goto out;
	}
	/* (the first cycle's index is the lowest free one: the base) */
	if (!early_plug && *base < 0)
		*base = nidx;
	if (!early_plug && nidx != *base) {
		snprintf(why, len, "replugged board got index %d, not %d: an index leaked?",
			 nidx, *base);
		goto out;
	}
	if (early_plug && nidx == idx) {
		snprintf(why, len, "replugged board reuses index %d while files of the removed one are open",
			 idx);
		goto out;
	}

	if (early_plug) {
		if (holder_check_stale(&a, buf, sizeof(buf))) {
			snprintf(why, len, "holder 0 after unplug and replug: %s", buf);
			goto out;
		}
		if (holder_check_stale(&b, buf, sizeof(buf))) {
			snprintf(why, len, "holder 1 after unplug and replug: %s", buf);
			goto out;
		}
	}
	ret = 0;
out:
	holder_stop(&a, SIGKILL);
	holder_stop(&b, SIGKILL);
	return ret;
}

int main(int argc, char **argv)
{
	const char *pci = NULL, *id = NULL, *device = NULL, *cycles_s = "50";
	struct dbg_opt opts[] = {
		{ "--board", &pci }, { "--id", &id }, { "--device", &device },
		{ "--cycles", &cycles_s }, { NULL, NULL },
	};
	int cycles, i, fails = 0, base = -1, n0, n1, c0, c1;
	struct times t = { 0, 0 };
	char why[768];
	double t0;

	if (parse_opts(argc, argv, opts) || !pci || !id || !device) {
		fprintf(stderr, "usage: %s --board PCI-ADDRESS --id QEMU-ID --device DEVICE [--cycles N]\n",
			argv[0]);
		return 2;
	}
	cycles = atoi(cycles_s);
	ktap_header(2);
	if (wait_board(pci, 10) < 0) {
		ktap_result(0, "unplug_loop # no snn board at %s", pci);
		ktap_skip("nodes_unchanged", "no board");
		return ktap_exit();
	}
	n0 = dev_nodes();
	c0 = class_nodes();
	t0 = now_s();
	for (i = 0; i < cycles; i++) {
		if (one_cycle(pci, id, device, i, &base, &t, why, sizeof(why))) {
			diag("cycle %d: %s", i, why);
			diag_nodes(pci);
			if (++fails >= 3) {
				diag("giving up after 3 failed cycles");
				break;
			}
		}
	}
	diag("%d cycles in %.1f s: unplug %.2f s, plug until probed %.2f s on average",
	     i, now_s() - t0, t.unplug / (i ? i : 1), t.plug / (i ? i : 1));
	ktap_result(!fails, "unplug_loop");
	wait_board(pci, 30);
	n1 = dev_nodes();
	c1 = class_nodes();
	diag("/dev/snn* nodes %d -> %d, class devices %d -> %d", n0, n1, c0, c1);
	ktap_result(n0 == n1 && c0 == c1, "nodes_unchanged");
	return ktap_exit();
}
