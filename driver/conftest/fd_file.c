// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: fd_file() is how to get the file of a struct fd.
 * Linux 6.12 ("introduce fd_file(), convert all accesses to foo.file"):
 * struct fd lost its .file member (it became one tagged word).
 */
#include <linux/file.h>

struct file *snn_probe(struct fd f);
struct file *snn_probe(struct fd f)
{
	return fd_file(f);
}
