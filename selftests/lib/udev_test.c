// SPDX-License-Identifier: GPL-2.0
/*
 * The udev rules (udev/60-snndev.rules) applied by the real systemd-udevd:
 * the nodes get group snn and mode 0660, the /dev/snn/by-path/ links
 * appear, a user outside the group is denied (open() and snnctl) while a
 * member of it can run a network.
 *
 * The guest gets udevadm (vm-run.py --dyn), the installed rules (--tree of
 * `make install DESTDIR=... PREFIX=/usr`) and the group (--group
 * snn:GID:...).  The tests start udevd, replay the snn devices' "add"
 * events, check, and stop udevd again at the end.
 *
 *   udev_test [--ref DIR] [--snnctl PATH] [--transport pci|usb]
 *             [--udevadm PATH]
 *
 * The runs use the first board (of --transport's); the rules are checked
 * on every node.
 *
 * Users: uid 1001 in group snn, uid 1002 not (their own gids).
 */
#include "libtest.h"
#include "mini_json.h"

#include "kselftest_harness.h"

#define MEMBER_UID	1001
#define OUTSIDER_UID	1002

static const char *udevadm = "/usr/bin/udevadm";

/* The gid of group snn from /etc/group, or -1. */
static long snn_gid(void)
{
	char *text = lt_slurp("/etc/group"), *p;
	long gid = -1;

	if (!text)
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "snn:", 4)) {
			char *q = strchr(p + 4, ':');

			if (q)
				gid = strtol(q + 1, NULL, 10);
			break;
		}
	}
	free(text);
	return gid;
}

static struct lt_cred member(void)
{
	struct lt_cred c = { .uid = MEMBER_UID, .gid = MEMBER_UID, .n_groups = 1 };

	c.groups[0] = (gid_t)snn_gid();
	return c;
}

static struct lt_cred outsider(void)
{
	struct lt_cred c = { .uid = OUTSIDER_UID, .gid = OUTSIDER_UID };

	return c;
}

/* open() of path as cred in a child: 0 or the errno. */
static int open_as(const struct lt_cred *c, const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd;

		if (setgroups(c->n_groups, c->groups) || setgid(c->gid) ||
		    setuid(c->uid))
			_exit(200);
		fd = open(path, O_RDWR);
		_exit(fd < 0 ? errno : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int udevadm_run(const char *a1, const char *a2, const char *a3)
{
	struct lt_run r;
	int ret;

	ret = lt_runv(&r, NULL, NULL, 120,
		      (char *const[]){ (char *)udevadm, (char *)a1, (char *)a2,
				       (char *)a3, NULL });
	if (ret)
		lt_show(a1, &r);
	lt_run_free(&r);
	return ret;
}

/* ---- start udevd and apply the rules ------------------------------------------------- */

FIXTURE(u) {
	int unused;
};

FIXTURE_SETUP(u)
{
	if (access(udevadm, X_OK))
		SKIP(return, "no %s (vm-run.py --dyn)", udevadm);
	if (snn_gid() < 0)
		SKIP(return, "no group snn in /etc/group (vm-run.py --group)");
	ASSERT_EQ(0, lt_first_board()) TH_LOG("no board%s%s", lt_opt.transport ?
					     " on " : "", lt_opt.transport ?: "");
}

FIXTURE_TEARDOWN(u)
{
}

TEST_F_TIMEOUT(u, udevd_applies_the_rules, 180)
{
	char names[256][32], path[64];
	int n = lt_sysfs_names(names, 256), i, st;
	long gid = snn_gid();
	struct stat sb;
	pid_t pid;

	ASSERT_GT(n, 0);
	/* systemd-udevd is udevadm under that name */
	pid = fork();
	if (pid == 0) {
		execl(udevadm, "systemd-udevd", "--daemon", (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("systemd-udevd --daemon failed (status %#x)", st);
	ASSERT_EQ(0, udevadm_run("trigger", "--action=add", "--subsystem-match=snn"));
	ASSERT_EQ(0, udevadm_run("settle", "--timeout=120", NULL));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/dev/%.31s", names[i]);
		ASSERT_EQ(0, stat(path, &sb));
		EXPECT_TRUE(S_ISCHR(sb.st_mode));
		EXPECT_EQ(gid, (long)sb.st_gid) TH_LOG("%s: group %u", path, sb.st_gid);
		EXPECT_EQ(0660, sb.st_mode & 07777) TH_LOG("%s: mode %o", path,
							   sb.st_mode & 07777);
		EXPECT_EQ(0, sb.st_uid);
	}
}

TEST_F(u, stable_links_by_bus_address)
{
	char names[256][32], bus[64], link[160], want[64], unit[32];
	int n = lt_sysfs_names(names, 256), i;
	char *real;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, lt_bus_of(names[i], bus, sizeof(bus)));
		if (lt_sysfs(names[i], "unit", unit, sizeof(unit)))
			snprintf(link, sizeof(link), "/dev/snn/by-path/%s", bus);
		else
			snprintf(link, sizeof(link), "/dev/snn/by-path/%s.%s", bus, unit);
		snprintf(want, sizeof(want), "/dev/%.31s", names[i]);
		real = realpath(link, NULL);
		EXPECT_NE(NULL, real) TH_LOG("%s: %s", link, strerror(errno));
		if (real)
			EXPECT_STREQ(want, real);
		free(real);
	}
}

TEST_F_TIMEOUT(u, outsider_is_denied, 120)
{
	struct lt_cred c = outsider();
	struct lt_run r;
	struct mj *v;
	char ref[256];

	EXPECT_EQ(EACCES, open_as(&c, lt_x("/dev/snn0.0")));
	EXPECT_EQ(EACCES, open_as(&c, lt_x("/dev/snn0")));
	snprintf(ref, sizeof(ref), "%s/net.snnet", lt_opt.ref);
	EXPECT_EQ(2, lt_snnctl(&r, &c, NULL, "load", lt_x("snn0.0"), ref));
	EXPECT_NE(NULL, strstr(r.err, lt_x("snn0.0: permission denied")))
		lt_show("load as an outsider", &r);
	EXPECT_NE(NULL, strstr(r.err, "group 'snn'"));
	lt_run_free(&r);
	EXPECT_EQ(2, lt_snnctl(&r, &c, NULL, "reset", lt_x("snn0.1")));
	EXPECT_NE(NULL, strstr(r.err, "permission denied")) lt_show("reset", &r);
	lt_run_free(&r);
	/* what sysfs says is public: list, info (without the driver version) */
	EXPECT_EQ(0, lt_snnctl(&r, &c, NULL, "list"));
	lt_run_free(&r);
	ASSERT_EQ(0, lt_snnctl(&r, &c, NULL, "info", "--json", lt_x("snn0")));
	v = mj_parse(r.out, NULL, 0);
	ASSERT_NE(NULL, v) lt_show("info", &r);
	EXPECT_EQ(MJ_NULL, mj_get(v, "0.driver_version")->type);
	mj_free(v);
	lt_run_free(&r);
}

TEST_F_TIMEOUT(u, member_of_snn_runs_a_network, 180)
{
	struct lt_cred c = member();
	struct lt_run r;
	struct mj *v;
	char net[256], in[256], exp[256], steps[16], bus[64], by_path[128];
	char *want, *text, *p;

	EXPECT_EQ(0, open_as(&c, lt_x("/dev/snn0.0")));
	EXPECT_EQ(0, open_as(&c, lt_x("/dev/snn0")));
	snprintf(net, sizeof(net), "%s/net.snnet", lt_opt.ref);
	snprintf(in, sizeof(in), "%s/in.txt", lt_opt.ref);
	snprintf(exp, sizeof(exp), "%s/expected.txt", lt_opt.ref);
	text = lt_slurp(in);
	want = lt_slurp(exp);
	if (!text || !want || access(net, R_OK)) {
		free(text);
		free(want);
		SKIP(return, "no reference files in %s", lt_opt.ref);
	}
	p = strstr(text, "# snn-sim -n ");
	ASSERT_NE(NULL, p);
	snprintf(steps, sizeof(steps), "%lu", strtoul(p + 13, NULL, 10));
	free(text);
	/* by its stable name */
	ASSERT_EQ(0, lt_bus_of(lt_x("snn0.0"), bus, sizeof(bus)));
	snprintf(by_path, sizeof(by_path), "/dev/snn/by-path/%s.0", bus);
	EXPECT_EQ(0, lt_snnctl(&r, &c, in, "run", by_path, net, "--steps", steps))
		lt_show("run as a member of snn", &r);
	EXPECT_STREQ(want, r.out ? r.out : "");
	lt_run_free(&r);
	free(want);
	ASSERT_EQ(0, lt_snnctl(&r, &c, NULL, "info", "--json", lt_x("snn0")))
		lt_show("info as a member of snn", &r);
	v = r.out ? mj_parse(r.out, NULL, 0) : NULL;
	ASSERT_NE(NULL, v) lt_show("info", &r);
	EXPECT_STREQ("0.1.0", mj_str(v, "0.driver_version") ?: "(none)");
	mj_free(v);
	lt_run_free(&r);
	EXPECT_EQ(0, lt_snnctl(&r, &c, NULL, "reset", lt_x("snn0.1"))) lt_show("reset", &r);
	lt_run_free(&r);
}

TEST_F_TIMEOUT(u, stop_udevd, 60)
{
	double t0 = lt_now();

	EXPECT_EQ(0, udevadm_run("control", "--exit", NULL));
	while (!access("/run/udev/control", F_OK) && lt_now() - t0 < 30)
		usleep(50000);
}

int main(int argc, char **argv)
{
	int i, n = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	argc = lt_parse_opts(argc, argv);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--udevadm") && i + 1 < argc) {
			udevadm = argv[++i];
			continue;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return test_harness_run(n, argv);
}
