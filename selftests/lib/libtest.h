/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the VM tests of libsnndev and snnctl (selftests/lib/):
 * sysfs, files, running programs (as other users too) and the boards
 * found through the library.
 *
 * Everything is static; each test program includes this once.  Helpers
 * never call the harness's ASSERT_*(), so they may run in children.
 *
 * Common options (LT_MAIN()):
 *   --ref DIR       the reference files of selftests/driver/gen-reference.sh
 *                   plus net.snnet (snnctl convert net.txt net.snnet); /ref
 *   --snnctl PATH   the snnctl to run; /usr/bin/snnctl
 *   --transport pci|usb
 *                   only the boards on that transport (lt_boards()), so
 *                   that the same tests run on PCIe and on USB boards
 */
#ifndef LIBTEST_H
#define LIBTEST_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snndev.h"

#define LT_UNUSED	__attribute__((unused))

struct lt_opts {
	const char *ref;
	const char *snnctl;
	const char *transport;
};

static struct lt_opts lt_opt = { .ref = "/ref", .snnctl = "/usr/bin/snnctl" };

static LT_UNUSED int lt_parse_opts(int argc, char **argv)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ref") && i + 1 < argc) {
			lt_opt.ref = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--snnctl") && i + 1 < argc) {
			lt_opt.snnctl = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--transport") && i + 1 < argc) {
			lt_opt.transport = argv[++i];
			continue;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

#define LT_MAIN()							\
	int main(int argc, char **argv)					\
	{								\
		setvbuf(stdout, NULL, _IOLBF, 0);			\
		argc = lt_parse_opts(argc, argv);			\
		return test_harness_run(argc, argv);			\
	}

/* ---- files -------------------------------------------------------------------- */

static LT_UNUSED double lt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A whole file, NUL-terminated (malloc'ed), or NULL. */
static LT_UNUSED char *lt_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (!n)
			break;
	}
	fclose(f);
	buf[len] = 0;
	return buf;
}

static LT_UNUSED int lt_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

/* A small file's content without the trailing newline, into buf. */
static LT_UNUSED int lt_read_attr(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* /sys/class/snn/NAME/ATTR as a string (into buf) or a number (-1). */
static LT_UNUSED int lt_sysfs(const char *name, const char *attr, char *buf,
			      size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/snn/%.40s/%.80s", name, attr);
	return lt_read_attr(path, buf, len);
}

static LT_UNUSED long long lt_sysfs_num(const char *name, const char *attr)
{
	char buf[64];

	if (lt_sysfs(name, attr, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

/* The names in /sys/class/snn, sorted; count returned (at most max). */
static int lt_cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static LT_UNUSED int lt_sysfs_names(char names[][32], int max)
{
	DIR *d = opendir("/sys/class/snn");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(names[n], 32, "%.31s", de->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, 32, lt_cmp_name);
	return n;
}

/* The PCI address of a node: the basename of its device link. */
static LT_UNUSED int lt_bus_of(const char *name, char *buf, size_t len)
{
	char path[256], link[256];
	ssize_t n;
	const char *b;

	snprintf(path, sizeof(path), "/sys/class/snn/%s/device", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	b = strrchr(link, '/');
	snprintf(buf, len, "%.*s", (int)len - 1, b ? b + 1 : link);
	return 0;
}

/* ---- boards through the library -------------------------------------------------- */

struct lt_board {
	unsigned int index;
	unsigned int clusters, routers, cores;
	char bus[64];
	char name[16];		/* "snnX" */
	const char *transport;	/* "pci" or "usb" */
	bool fault;		/* fault injection (debugfs knobs) */
};

/*
 * The boards, in index order (with --transport only those on it); with
 * fault set from the board node's caps (needs an open of /dev/snnX).
 * Returns the count.
 */
static int lt_boards_of(struct lt_board *b, int max, const char *transport)
{
	struct snndev_enum *e;
	size_t i;
	int n = 0;

	if (snndev_enum_new(&e))
		return 0;
	for (i = 0; i < snndev_enum_count(e) && n < max; i++) {
		const struct snndev_node *x = snndev_enum_node(e, i);
		struct snndev_unit *u;
		uint64_t v;

		if (snndev_node_type(x) != SNNDEV_NODE_BOARD)
			continue;
		memset(&b[n], 0, sizeof(b[n]));
		b[n].transport = "pci";
		if (!snndev_node_prop(x, SNNDEV_PROP_TRANSPORT, &v) &&
		    v == SNNDEV_TRANSPORT_USB)
			b[n].transport = "usb";
		if (transport && strcmp(transport, b[n].transport))
			continue;
		b[n].index = snndev_node_board(x);
		snprintf(b[n].name, sizeof(b[n].name), "snn%u", b[n].index);
		snprintf(b[n].bus, sizeof(b[n].bus), "%s",
			 snndev_node_bus_id(x));
		if (!snndev_node_prop(x, SNNDEV_PROP_CLUSTERS, &v))
			b[n].clusters = (unsigned int)v;
		if (!snndev_node_prop(x, SNNDEV_PROP_ROUTERS, &v))
			b[n].routers = (unsigned int)v;
		if (!snndev_unit_open_node(x, &u)) {
			b[n].fault = snndev_unit_caps(u) &
				     SNNDEV_CAP_FAULT_INJECT;
			snndev_unit_close(u);
		}
		{
			const struct snndev_node *c =
				snndev_enum_find(e, b[n].index, 0);

			if (c && !snndev_node_prop(c, SNNDEV_PROP_CORES, &v))
				b[n].cores = (unsigned int)v;
		}
		n++;
	}
	snndev_enum_free(e);
	return n;
}

static LT_UNUSED int lt_boards(struct lt_board *b, int max)
{
	return lt_boards_of(b, max, lt_opt.transport);
}

/* Every board, whatever --transport says (what snnctl lists). */
static LT_UNUSED int lt_all_boards(struct lt_board *b, int max)
{
	return lt_boards_of(b, max, NULL);
}

/*
 * The board most tests use: the first one (of --transport's), after
 * lt_first_board() returned 0.  The tests' names are written for snn0;
 * lt_x() puts this board's in.
 */
static struct lt_board lt_b0;

static LT_UNUSED int lt_first_board(void)
{
	return lt_boards(&lt_b0, 1) == 1 ? 0 : -1;
}

/* printf into one of 16 rotating buffers, for names and messages */
static LT_UNUSED __attribute__((format(printf, 1, 2)))
char *lt_fmt(const char *fmt, ...)
{
	static char buf[16][160];
	static unsigned int k;
	char *b = buf[k++ % 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(buf[0]), fmt, ap);
	va_end(ap);
	return b;
}

/* @s with every "snn0" replaced by lt_b0's name */
static LT_UNUSED char *lt_x(const char *s)
{
	char out[160] = "";
	const char *p;
	size_t o = 0;

	while ((p = strstr(s, "snn0")) && o < 120) {
		o += snprintf(out + o, sizeof(out) - o, "%.*s%s",
			      (int)(p - s), s, lt_b0.name);
		s = p + 4;
	}
	snprintf(out + o, sizeof(out) - o, "%s", s);
	return lt_fmt("%s", out);
}

/* The first board with a fault-injection feature, or -1. */
static LT_UNUSED int lt_fault_board(struct lt_board *out)
{
	struct lt_board b[16];
	int i, n = lt_boards(b, 16);

	for (i = 0; i < n; i++) {
		if (b[i].fault) {
			*out = b[i];
			return 0;
		}
	}
	return -1;
}

/* Write a debugfs fault knob of board X. */
static LT_UNUSED int lt_fault(unsigned int board, const char *knob,
			      unsigned int val)
{
	char path[128], v[32];

	snprintf(path, sizeof(path), "/sys/kernel/debug/snn/snn%u/%s", board,
		 knob);
	snprintf(v, sizeof(v), "%u", val);
	return lt_write_file(path, v);
}

/* The hang watchdog's timeout; set it if set >= 0.  Old value or -errno. */
static LT_UNUSED long lt_hang_timeout(long set)
{
	const char *p = "/sys/module/snn/parameters/hang_timeout_ms";
	char buf[32];
	long old;
	int ret = lt_read_attr(p, buf, sizeof(buf));

	if (ret)
		return ret;
	old = strtol(buf, NULL, 0);
	if (set >= 0) {
		snprintf(buf, sizeof(buf), "%ld", set);
		ret = lt_write_file(p, buf);
		if (ret)
			return ret;
	}
	return old;
}

/* ---- running programs ------------------------------------------------------------------ */

struct lt_cred {
	uid_t uid;
	gid_t gid;
	int n_groups;
	gid_t groups[4];
};

struct lt_run {
	int status;		/* exit status, 128 + signal, or -1 */
	char *out, *err;	/* captured (malloc'ed, NUL-terminated) */
};

static LT_UNUSED void lt_run_free(struct lt_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

static void lt_drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0)
		return;
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			exit(99);
	}
	memcpy(*buf + *len, tmp, n);
	*len += n;
	(*buf)[*len] = 0;
}

/*
 * Run argv (argv[0] a path) with stdin from in_path (NULL: /dev/null), as
 * cred if given, capturing stdout and stderr; at most timeout_s seconds
 * (then SIGKILL).  Returns r->status.
 */
static LT_UNUSED int lt_runv(struct lt_run *r, const struct lt_cred *cred,
			     const char *in_path, int timeout_s,
			     char *const argv[])
{
	int po[2], pe[2], st;
	size_t lo = 0, le = 0, co = 1, ce = 1;
	double t0 = lt_now();
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	r->status = -1;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY);

		if (in < 0) {
			perror(in_path);
			_exit(127);
		}
		dup2(in, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (cred) {
			if (setgroups(cred->n_groups, cred->groups) ||
			    setgid(cred->gid) || setuid(cred->uid)) {
				perror("setuid");
				_exit(126);
			}
		}
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = po[0], .events = POLLIN },
			{ .fd = pe[0], .events = POLLIN },
		};
		int k = poll(p, 2, 200);

		if (k > 0) {
			if (p[0].revents)
				lt_drain(po[0], &r->out, &lo, &co);
			if (p[1].revents)
				lt_drain(pe[0], &r->err, &le, &ce);
			if ((p[0].revents & POLLHUP) && !(p[0].revents & POLLIN) &&
			    (p[1].revents & POLLHUP) && !(p[1].revents & POLLIN))
				break;
		}
		if (lt_now() - t0 > timeout_s) {
			kill(pid, SIGKILL);
			break;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			/* the rest of the output */
			while (poll((struct pollfd[]){ { .fd = po[0], .events = POLLIN } }, 1, 0) > 0 &&
			       lo < (1u << 30)) {
				size_t before = lo;

				lt_drain(po[0], &r->out, &lo, &co);
				if (lo == before)
					break;
			}
			while (poll((struct pollfd[]){ { .fd = pe[0], .events = POLLIN } }, 1, 0) > 0) {
				size_t before = le;

				lt_drain(pe[0], &r->err, &le, &ce);
				if (le == before)
					break;
			}
			close(po[0]);
			close(pe[0]);
			goto reaped;
		}
	}
	waitpid(pid, &st, 0);
	close(po[0]);
	close(pe[0]);
reaped:
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) :
		    WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
	return r->status;
}

/* lt_runv() of snnctl with the arguments given (NULL-terminated). */
#define lt_snnctl(r, cred, in, ...)					\
	lt_runv((r), (cred), (in), 120,					\
		(char *const[]){ (char *)lt_opt.snnctl, __VA_ARGS__, NULL })

/* Text as "# " lines (at most max bytes of it). */
static LT_UNUSED void lt_print_lines(const char *prefix, const char *text,
				     size_t max)
{
	const char *p = text, *end = text + strlen(text);

	if (end - text > (long)max)
		end = text + max;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		int l = nl ? (int)(nl - p) : (int)(end - p);

		printf("# %s%.*s\n", prefix, l, p);
		p += l + 1;
	}
}

/* Print a run's result as test log lines. */
static LT_UNUSED void lt_show(const char *what, const struct lt_run *r)
{
	printf("# %s: exit %d\n", what, r->status);
	if (r->out && *r->out)
		lt_print_lines("out| ", r->out, 3000);
	if (r->err && *r->err)
		lt_print_lines("err| ", r->err, 3000);
}

/* Lines of text. */
static LT_UNUSED int lt_count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

#endif /* LIBTEST_H */
