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
	for (i = 0; i < n; i++) {
		struct snn_map m;
		uint32_t cl, co, ne, q, f, ver, nr, r, c;
		int err = snn_map_bar0(bdfs[i], &m);

		if (err) {
			printf("%s: cannot map BAR0: %s\n", bdfs[i],
			       strerror(-err));
			bad = 1;
			continue;
		}
		if (snn_rd(&m, SNN_REG_MAGIC) != SNN_MAGIC) {
			printf("%s: bad magic 0x%08x\n", bdfs[i],
			       snn_rd(&m, SNN_REG_MAGIC));
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
		nr = snn_rd(&m, SNN_REG_N_ROUTERS);
		printf("board %s: id %u, revision %u, interface %u.%u, features:%s%s%s%s%s\n",
		       bdfs[i], snn_rd(&m, SNN_REG_BOARD_ID),
		       snn_rd(&m, SNN_REG_REVISION), SNN_VERSION_MAJOR(ver),
		       SNN_VERSION_MINOR(ver),
		       f & SNN_FEAT_DOORBELL_BAR ? " doorbell-bar" : "",
		       f & SNN_FEAT_ROUTERS ? " routers" : "",
		       f & SNN_FEAT_OUT_DROP ? " out-drop" : "",
		       f & SNN_FEAT_LOAD_SG ? " load-sg" : "",
		       f & SNN_FEAT_FAULT_INJECT ? " FAULT-INJECTION" : "");
		printf("  %u clusters x %u cores x %u neurons = %llu neurons\n",
		       cl, co, ne, (unsigned long long)cl * co * ne);
		printf("  per core: %u input axons, %u synapses (%.2f Mbit), %u fan-out entries\n",
		       snn_rd(&m, SNN_REG_AXONS), snn_rd(&m, SNN_REG_SYNAPSES),
		       snn_rd(&m, SNN_REG_SYN_MEM_BITS) / 1048576.0,
		       snn_rd(&m, SNN_REG_FANOUT));
		printf("  per cluster: %u profiles, %u in / %u out queues of up to %u events, rated %.1f MEPS in, %.1f MSPS out\n",
		       snn_rd(&m, SNN_REG_PROFILES), SNN_QUEUES_IN(q),
		       SNN_QUEUES_OUT(q), 1u << snn_rd(&m, SNN_REG_QUEUE_LOG2),
		       snn_rd(&m, SNN_REG_RATED_EPS) / 1e6,
		       snn_rd(&m, SNN_REG_RATED_SPS) / 1e6);
		for (r = 0; r < nr; r++) {
			uint32_t mask = snn_rd(&m, SNN_REG_ROUTER_CLUSTERS(r));
			const char *sep = "";

			printf("  router %u (unit %u): clusters ", r, cl + r);
			for (c = 0; c < cl; c++) {
				if (mask & (1u << c)) {
					printf("%s%u", sep, c);
					sep = ",";
				}
			}
			printf("; %u routes, adds %u timestep(s)\n",
			       snn_rd(&m, SNN_REG_ROUTE_ENTRIES),
			       snn_rd(&m, SNN_REG_ROUTE_DELAY));
		}
		snn_unmap(&m);
	}
	return bad;
}
