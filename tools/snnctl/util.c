// SPDX-License-Identifier: GPL-2.0
/*
 * snnctl helpers: error messages, option parsing, numbers, progress.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snnctl.h"
#include "textutil.h"

struct snnctl_opts snnctl_opt = { .progress = -1 };
const char *snnctl_prog = "snnctl";

static void verr(const char *fmt, va_list ap, const char *tail)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", snnctl_prog);
	vfprintf(stderr, fmt, ap);
	if (tail)
		fprintf(stderr, ": %s", tail);
	fputc('\n', stderr);
}

int snnctl_err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap, NULL);
	va_end(ap);
	return code;
}

const char *snnctl_lib_msg(int ret)
{
	const char *m = snndev_errmsg();

	return m && *m ? m : strerror(ret < 0 ? -ret : ret);
}

int snnctl_lib_err(int code, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap, snnctl_lib_msg(ret));
	va_end(ap);
	return code;
}

int snnctl_errno_code(int ret)
{
	(void)ret;
	return SNNCTL_EX_DEVICE;
}

int snnctl_usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap, NULL);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try '%s %s --help'.\n", snnctl_prog, cmd);
	else
		fprintf(stderr, "Try '%s --help'.\n", snnctl_prog);
	return SNNCTL_EX_USAGE;
}

/* The common options every command takes. */
enum {
	OPT_JSON = 0x1000,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
};

int snnctl_getopt(int argc, char **argv, const char *shortopts,
		  const struct option *longopts)
{
	static struct option all[64];
	static const struct option *cached;
	static char sopts[64];
	static const struct option common[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t n = 0, i;
	int c;

	if (cached != longopts || !all[0].name) {
		memset(all, 0, sizeof(all));
		for (i = 0; longopts && longopts[i].name && n < 58; i++)
			all[n++] = longopts[i];
		for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
			all[n++] = common[i];
		snprintf(sopts, sizeof(sopts), ":h%s", shortopts ? shortopts : "");
		cached = longopts;
	}
	for (;;) {
		c = getopt_long(argc, argv, sopts, all, NULL);
		switch (c) {
		case OPT_JSON:
			snnctl_opt.json = true;
			continue;
		case OPT_PROGRESS:
			snnctl_opt.progress = 1;
			continue;
		case OPT_NO_PROGRESS:
			snnctl_opt.progress = 0;
			continue;
		case ':':
			snnctl_usage_err(argv[0], "option '%s' needs a value",
					 argv[optind - 1]);
			return '?';
		case '?':
			if (optopt > 0 && optopt < 128)
				snnctl_usage_err(argv[0], "unknown option '-%c'",
						 optopt);
			else
				snnctl_usage_err(argv[0], "unknown option '%s'",
						 argv[optind - 1]);
			return '?';
		default:
			return c;
		}
	}
}

int snnctl_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;

	if (!s || txt_parse_u(s, max, &v))
		return -1;
	*out = v;
	return 0;
}

int snnctl_parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

double snnctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool snnctl_progress_enabled(void)
{
	if (snnctl_opt.progress >= 0)
		return snnctl_opt.progress;
	return isatty(STDERR_FILENO);
}

/* ---- busy: a helper thread that reports a long blocking call ---------------- */

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running, stop, shown;
	char what[256];
} busy = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void *busy_thread(void *arg)
{
	bool tty = isatty(STDERR_FILENO);
	double t0 = snnctl_now(), next = 1.0;
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&busy.lock);
	while (!busy.stop) {
		double el = snnctl_now() - t0;

		if (el >= next) {
			if (tty)
				fprintf(stderr, "\r\033[K%s: %s... %.0f s",
					snnctl_prog, busy.what, el);
			else
				fprintf(stderr, "%s: %s... %.0f s\n",
					snnctl_prog, busy.what, el);
			fflush(stderr);
			busy.shown = true;
			next = tty ? floor(el) + 1 : next * 2;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&busy.cond, &busy.lock, &ts);
	}
	if (busy.shown && tty)
		fprintf(stderr, "\r\033[K");
	pthread_mutex_unlock(&busy.lock);
	return NULL;
}

void snnctl_busy_begin(const char *fmt, ...)
{
	va_list ap;

	if (!snnctl_progress_enabled() || busy.running)
		return;
	va_start(ap, fmt);
	vsnprintf(busy.what, sizeof(busy.what), fmt, ap);
	va_end(ap);
	busy.stop = false;
	busy.shown = false;
	if (pthread_create(&busy.thread, NULL, busy_thread, NULL) == 0)
		busy.running = true;
}

void snnctl_busy_end(void)
{
	if (!busy.running)
		return;
	pthread_mutex_lock(&busy.lock);
	busy.stop = true;
	pthread_cond_signal(&busy.cond);
	pthread_mutex_unlock(&busy.lock);
	pthread_join(busy.thread, NULL);
	busy.running = false;
}

/* ---- step progress ------------------------------------------------------------- */

void snnctl_progress_start(struct snnctl_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->t0 = snnctl_now();
	p->tty = isatty(STDERR_FILENO);
}

void snnctl_progress_update(struct snnctl_progress *p, const char *fmt, ...)
{
	double now = snnctl_now();
	va_list ap;

	if (!snnctl_progress_enabled() || now - p->t0 < 1.0 ||
	    (p->shown && now - p->last < (p->tty ? 0.2 : 1.0)))
		return;
	p->last = now;
	p->shown = true;
	fprintf(stderr, p->tty ? "\r\033[K%s: " : "%s: ", snnctl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!p->tty)
		fputc('\n', stderr);
	fflush(stderr);
}

void snnctl_progress_done(struct snnctl_progress *p)
{
	if (p->shown && p->tty) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	p->shown = false;
}
