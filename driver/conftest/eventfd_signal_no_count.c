// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: eventfd_signal() takes only the context (and always adds 1).
 * Linux 6.8 ("eventfd: simplify eventfd_signal()").  Before, it was
 * eventfd_signal(ctx, n): the one-argument call does not compile.
 */
#include <linux/eventfd.h>

void snn_probe(struct eventfd_ctx *ctx);
void snn_probe(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}
