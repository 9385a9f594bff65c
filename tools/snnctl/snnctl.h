/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snnctl: shared declarations of the command modules.
 *
 * snnctl uses nothing but libsnndev (libsnndev/snndev.h): no ioctls, no
 * sysfs of its own.  Every command is a function `int cmd_NAME(int argc,
 * char **argv)` returning an exit status (SNNCTL_EX_*); argv[0] is the
 * command's name.
 */
#ifndef SNNCTL_H
#define SNNCTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "snndev.h"

/* Exit statuses (documented in snnctl.1 and docs/snnctl.md). */
#define SNNCTL_EX_OK		0	/* success */
#define SNNCTL_EX_USAGE		1	/* bad command line */
#define SNNCTL_EX_DEVICE	2	/* device, driver or I/O error */
#define SNNCTL_EX_INPUT		3	/* bad input file (network, spikes, description) */
#define SNNCTL_EX_UNHEALTHY	4	/* health: a board or unit is not "ok" */

#define SNNCTL_VERSION		"0.1.0"

struct snnctl_opts {
	bool json;		/* --json */
	int progress;		/* -1 auto (stderr is a tty), 0 off, 1 on */
};

extern struct snnctl_opts snnctl_opt;
extern const char *snnctl_prog;

/* "snnctl: <message>\n" on stderr; returns code (for `return err(...)`). */
int snnctl_err(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same with ": <library message>" (or strerror(-ret)) appended. */
int snnctl_lib_err(int code, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The exit status for a negative errno from the library. */
int snnctl_errno_code(int ret);
/* A library failure's message: snndev_errmsg(), else strerror(-ret). */
const char *snnctl_lib_msg(int ret);
/* A usage error: the message, then "Try 'snnctl CMD --help'." */
int snnctl_usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* `snnctl help CMD`: the command's usage on stdout; 0. */
int snnctl_help(const char *cmd);

/*
 * Option parsing shared by the commands: getopt_long() over the
 * command's own options plus --json, --progress, --no-progress and
 * --help, which are handled here.  Returns the option's value, -1 at the
 * end, '?' after a usage error has been printed, 'h' for --help.
 */
struct option;
int snnctl_getopt(int argc, char **argv, const char *shortopts,
		  const struct option *longopts);

/* Number parsing: decimal or 0x hex, no sign; 0 or -1 (bad/out of range). */
int snnctl_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* A duration in seconds, with decimals ("0.5"); > 0 and <= max. */
int snnctl_parse_seconds(const char *s, double max, double *out);

/* ---- Progress (stderr) ------------------------------------------------------ */

/* Whether progress is shown: --progress, or auto and stderr is a tty. */
bool snnctl_progress_enabled(void);
/*
 * Around a blocking call: if it takes more than a second, a line on
 * stderr says what is going on and for how long ("loading ...: 3 s").
 */
void snnctl_busy_begin(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void snnctl_busy_end(void);
/*
 * Step progress of a loop: shown from one second after progress_start()
 * on, at most 5 times a second on a tty (one updated line) and once a
 * second otherwise (one line each).
 */
struct snnctl_progress {
	double t0, last;
	bool shown;
	bool tty;
};
void snnctl_progress_start(struct snnctl_progress *p);
void snnctl_progress_update(struct snnctl_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void snnctl_progress_done(struct snnctl_progress *p);
double snnctl_now(void);	/* CLOCK_MONOTONIC seconds */

/* ---- Commands -------------------------------------------------------------- */

int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_show(int argc, char **argv);

#endif /* SNNCTL_H */
