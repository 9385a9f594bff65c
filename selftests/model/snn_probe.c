// SPDX-License-Identifier: GPL-2.0
/*
 * snn_probe: print the topology of every snn board, read from its
 * capability registers through sysfs (no driver needed).  Run inside the
 * VM by `make run`.
 */
#include <stdio.h>
#include <string.h>

#include "snn_pci_util.h"

int main(void)
{
	char bdfs[SNN_MAX_BOARDS][SNN_BDF_LEN];
	int n, i, bad = 0;

	n = snn_find_boards(bdfs, SNN_MAX_BOARDS);
	if (n <= 0) {
		printf("no snn boards (PCI %04x:%04x) found\n",
		       SNN_PCI_VENDOR_ID, SNN_PCI_DEVICE_ID);
		return 1;
	}
	printf("%-13s %5s %4s %8s %5s %7s %6s %8s %7s %6s %8s %s\n",
	       "PCI", "board", "rev", "clusters", "cores", "neurons", "axons",
	       "synapses", "routers", "queues", "neurons", "features");
	printf("%-13s %5s %4s %8s %5s %7s %6s %8s %7s %6s %8s\n",
	       "", "id", "", "", "/clust", "/core", "/core", "/core", "", "in/out",
	       "total");
	for (i = 0; i < n; i++) {
		struct snn_map m;
		uint32_t cl, co, ne, q, f, ver;
		int r = snn_map_bar0(bdfs[i], &m);

		if (r) {
			printf("%-13s cannot map BAR0: %s\n", bdfs[i], strerror(-r));
			bad = 1;
			continue;
		}
		if (snn_rd(&m, SNN_REG_MAGIC) != SNN_MAGIC) {
			printf("%-13s bad magic 0x%08x\n", bdfs[i], snn_rd(&m, SNN_REG_MAGIC));
			snn_unmap(&m);
			bad = 1;
			continue;
		}
		ver = snn_rd(&m, SNN_REG_VERSION);
		cl = snn_rd(&m, SNN_REG_N_CLUSTERS);
		co = snn_rd(&m, SNN_REG_CORES);
		ne = snn_rd(&m, SNN_REG_NEURONS);
		q = snn_rd(&m, SNN_REG_QUEUES);
		f = snn_rd(&m, SNN_REG_FEATURES);
		printf("%-13s %5u %4u %8u %5u %7u %6u %8u %7u %3u/%-2u %8llu %s%s%s%s (if %u.%u)\n",
		       bdfs[i], snn_rd(&m, SNN_REG_BOARD_ID), snn_rd(&m, SNN_REG_REVISION),
		       cl, co, ne, snn_rd(&m, SNN_REG_AXONS), snn_rd(&m, SNN_REG_SYNAPSES),
		       snn_rd(&m, SNN_REG_N_ROUTERS), SNN_QUEUES_IN(q), SNN_QUEUES_OUT(q),
		       (unsigned long long)cl * co * ne,
		       f & SNN_FEAT_DOORBELL_BAR ? "doorbell " : "",
		       f & SNN_FEAT_ROUTERS ? "routers " : "",
		       f & SNN_FEAT_OUT_DROP ? "out-drop " : "",
		       f & SNN_FEAT_FAULT_INJECT ? "FAULT-INJECT " : "",
		       SNN_VERSION_MAJOR(ver), SNN_VERSION_MINOR(ver));
		snn_unmap(&m);
	}
	return bad;
}
