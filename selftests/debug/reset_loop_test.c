// SPDX-License-Identifier: GPL-2.0
/*
 * Board resets in a loop, each with applications holding the board: run by
 * the debug-kernel lane (scripts/check-debug.sh), where KASAN, lockdep and
 * kmemleak watch the reset path.
 *
 *   reset_loop_test --board PCI-ADDRESS [--cycles N]
 *
 * Each cycle: holders (selftests/debug/debug_lib.h) own clusters 0 and 1
 * with a network loaded, both queues and the doorbell page mapped and a
 * run in flight (stalled on a full output queue, or every fourth cycle
 * running freely); one also holds the board node.  Then the board is
 * reset: SNN_IOC_BOARD_RESET, or every fifth cycle a PCI function reset
 * through sysfs (reset_prepare/reset_done).  After it:
 *   - a new holder can take cluster 0 while the stale file is still open,
 *     and is killed with its run in flight (release of a running cluster);
 *   - the stale holders see ENODEV, POLLERR|POLLHUP and SIGBUS;
 *   - the board is "ok" again and keeps its index.
 * docs/uapi.md 4.13 and 9.3 are the contract.
 */
#include "debug_lib.h"

static int one_cycle(const char *pci, int cycle, int *idx0, char *why, size_t len)
{
	char node0[32], node1[32], board[32], buf[256], health[64], path[256];
	struct holder a = { .pid = -1 }, b = { .pid = -1 }, c = { .pid = -1 };
	int idx, fd, ret = -1, pcireset = cycle % 5 == 4;
	struct snn_reset rs = { 0 };

	idx = board_of(pci, NULL);
	if (idx < 0) {
		snprintf(why, len, "no board at %s", pci);
		return -1;
	}
	if (*idx0 < 0)
		*idx0 = idx;
	if (idx != *idx0) {
		snprintf(why, len, "board index changed from %d to %d", *idx0, idx);
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

	if (pcireset) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", pci);
		ret = write_file(path, "1");
		if (ret) {
			snprintf(why, len, "PCI reset: %s", strerror(-ret));
			ret = -1;
			goto out;
		}
	} else {
		fd = open(board, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, len, "open %s: %s", board, strerror(errno));
			goto out;
		}
		ret = ioctl(fd, SNN_IOC_BOARD_RESET, &rs) ? -errno : 0;
		close(fd);
		if (ret) {
			snprintf(why, len, "SNN_IOC_BOARD_RESET: %s", strerror(-ret));
			ret = -1;
			goto out;
		}
	}
	ret = -1;

	/* the unit is free while the stale file still holds it */
	if (holder_start(&c, node0, HOLD_STALL, NULL, buf, sizeof(buf))) {
		snprintf(why, len, "new holder after reset: %s", buf);
		goto out;
	}
	holder_stop(&c, SIGKILL);

	if (holder_check_stale(&a, buf, sizeof(buf))) {
		snprintf(why, len, "holder 0 after reset: %s", buf);
		goto out;
	}
	if (holder_check_stale(&b, buf, sizeof(buf))) {
		snprintf(why, len, "holder 1 after reset: %s", buf);
		goto out;
	}
	snprintf(path, sizeof(path), "/sys/class/snn/snn%d/health", idx);
	if (read_file(path, health, sizeof(health)) || strcmp(health, "ok")) {
		snprintf(why, len, "board health after reset: '%s'", health);
		goto out;
	}
	ret = 0;
out:
	holder_stop(&a, SIGKILL);
	holder_stop(&b, SIGKILL);
	holder_stop(&c, SIGKILL);
	return ret;
}

int main(int argc, char **argv)
{
	const char *pci = NULL, *cycles_s = "50";
	struct dbg_opt opts[] = {
		{ "--board", &pci }, { "--cycles", &cycles_s }, { NULL, NULL },
	};
	int cycles, i, fails = 0, idx0 = -1, nodes0, nodes;
	char why[512];
	double t0;

	if (parse_opts(argc, argv, opts) || !pci) {
		fprintf(stderr, "usage: %s --board PCI-ADDRESS [--cycles N]\n", argv[0]);
		return 2;
	}
	cycles = atoi(cycles_s);
	ktap_header(2);
	if (board_of(pci, &nodes0) < 0 || strcmp(pci_driver(pci), "snn")) {
		ktap_result(0, "reset_loop # no snn board at %s", pci);
		ktap_skip("nodes_unchanged", "no board");
		return ktap_exit();
	}
	t0 = now_s();
	for (i = 0; i < cycles; i++) {
		if (one_cycle(pci, i, &idx0, why, sizeof(why))) {
			diag("cycle %d: %s", i, why);
			diag_nodes(pci);
			if (++fails >= 3) {
				diag("giving up after 3 failed cycles");
				break;
			}
		}
	}
	diag("%d cycles in %.1f s (%.2f s each)", i, now_s() - t0,
	     (now_s() - t0) / (i ? i : 1));
	ktap_result(!fails, "reset_loop");
	board_of(pci, &nodes);
	diag("class devices of the board: %d before, %d after", nodes0, nodes);
	ktap_result(nodes == nodes0, "nodes_unchanged");
	return ktap_exit();
}
