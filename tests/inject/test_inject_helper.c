/* The helper (DESIGN.md section 3, lines 4 and 10, and the lifecycle):
 * sandboxed (Seccomp 2, NoNewPrivs 1, no capabilities, every signal
 * blocked, its own session, a clone child with exit signal 0 holding only
 * the arena fd); gone within 1 s after the last process of its tree exited
 * or exec'd, with and without a consumer, also when a forked child
 * outlives the app; waits for a consumer without spinning and connects
 * when one appears. Not under memcheck: the helper refuses to run without
 * its seccomp filter, which valgrind 3.19 does not implement. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include "helper/proto.h"
#include "launch.h"

static const struct lt_opts no_consumer = { .env = { "REMORA_SOCKET=/nonexistent/remora.sock" } };

/* Starts `probe hold [exec...]` and reads the helper's pid. */
static pid_t start_hold(struct lt_proc *p, char *const argv[], const struct lt_opts *o)
{
	assert_int_equal(lt_start(p, argv, o), 0);
	char line[128];
	assert_true(lt_read_line(p, line, sizeof(line), 5000) > 0);
	pid_t h = 0;
	assert_int_equal(sscanf(line, "helper %d", &h), 1);
	assert_true(h > 0);
	return h;
}

/* Line 10 and line 4: the helper's own /proc/<pid>/status. */
static void sandboxed(void **s)
{
	(void)s;
	char *argv[] = { (char *)PROBE, (char *)"hold", NULL };
	struct lt_proc p;
	pid_t h = start_hold(&p, argv, &no_consumer);
	char buf[128];
	/* The lockdown runs right after clone; give it a moment. */
	for (int i = 0; i < 100 && strcmp(lt_status(h, "Seccomp", buf, sizeof(buf)), "2"); i++)
		usleep(10000);
	assert_string_equal(lt_status(h, "Seccomp", buf, sizeof(buf)), "2");
	assert_string_equal(lt_status(h, "NoNewPrivs", buf, sizeof(buf)), "1");
	assert_string_equal(lt_status(h, "CapEff", buf, sizeof(buf)), "0000000000000000");
	assert_string_equal(lt_status(h, "CapPrm", buf, sizeof(buf)), "0000000000000000");
	assert_string_equal(lt_status(h, "CapInh", buf, sizeof(buf)), "0000000000000000");
	assert_string_equal(lt_status(h, "CapAmb", buf, sizeof(buf)), "0000000000000000");
	if (geteuid() == 0) /* dropping the bounding set needs CAP_SETPCAP */
		assert_string_equal(lt_status(h, "CapBnd", buf, sizeof(buf)), "0000000000000000");
	/* every signal but SIGKILL and SIGSTOP, which cannot be blocked */
	assert_string_equal(lt_status(h, "SigBlk", buf, sizeof(buf)), "fffffffffffbfeff");
	/* a clone child of the app with exit signal 0, in a session of its own */
	assert_int_equal(lt_stat_field(h, 4), p.pid);       /* ppid */
	assert_int_equal(lt_stat_field(h, 38), 0);          /* exit_signal */
	assert_int_equal(lt_stat_field(h, 6), h);           /* session */
	assert_int_not_equal(lt_stat_field(h, 5), lt_stat_field(p.pid, 5)); /* pgrp */
	/* the arena's memfd, the app's maps (read to notice an exec) and its
	 * pidfd of the app: nothing else */
	char path[64], link[256], maps[64];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)p.pid);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)h);
	DIR *d = opendir(path);
	struct dirent *e;
	int memfds = 0, others = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char lp[320];
		snprintf(lp, sizeof(lp), "%s/%s", path, e->d_name);
		ssize_t l = readlink(lp, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = 0;
		if (strstr(link, "memfd:remora"))
			memfds++;
		else if (strcmp(link, "anon_inode:[pidfd]") && strcmp(link, maps))
			others++;
	}
	if (d)
		closedir(d);
	assert_int_equal(memfds, 1);
	assert_int_equal(others, 0);
	assert_int_equal(lt_finish(&p, NULL, 0, NULL, 0, 5000), 0);
	assert_true(lt_wait_gone(h, 3000) >= 0);
	lt_reap_all();
}

/* The app exits: the helper is gone within 3 s (pidfd poll: 330 us idle;
 * the bound is for a loaded machine, a helper that stays is gone never). */
static void gone_after_exit(const struct lt_opts *o, char *const argv[], const char *what)
{
	struct lt_proc p;
	pid_t h = start_hold(&p, argv, o);
	usleep(300000); /* let it settle (and connect, when a consumer runs) */
	double t0 = lt_now_ms();
	close(p.in); /* the app leaves */
	p.in = -1;
	double gone = lt_wait_gone(h, 5000);
	double took = gone < 0 ? -1 : lt_now_ms() - t0;
	fprintf(stderr, "helper gone %.0f ms after %s\n", took, what);
	lt_finish(&p, NULL, 0, NULL, 0, 5000);
	lt_reap_all();
	assert_true(took >= 0);
	assert_true(took < 3000);
}

static void lifecycle_no_consumer(void **s)
{
	(void)s;
	char *argv[] = { (char *)PROBE, (char *)"hold", NULL };
	gone_after_exit(&no_consumer, argv, "exit, no consumer");
}

static void lifecycle_consumer(void **s)
{
	(void)s;
	char dir[] = "/tmp/remora-inj-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char trace[sizeof(dir) + 8];
	snprintf(trace, sizeof(trace), "%s/t", dir);
	char *argv[] = { (char *)REMORA_CLI, (char *)"record", (char *)"-o", trace, (char *)"--",
			 (char *)PROBE, (char *)"hold", NULL };
	gone_after_exit(NULL, argv, "exit, consumer");
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* The app execs a program without remora: its helper is gone within 1 s
 * while the process itself lives on. */
static void lifecycle_exec(void **s)
{
	(void)s;
	char *argv[] = { (char *)PROBE, (char *)"hold", (char *)PROBE_PLAIN, (char *)"sleep",
			 (char *)"3000", NULL };
	gone_after_exit(&no_consumer, argv, "exec");
}

/* The helper connects to a consumer that appears after the app started. */
static void late_consumer(void **s)
{
	(void)s;
	char dir[] = "/tmp/remora-inj-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sock[sizeof(dir) + 8], env[sizeof(sock) + 20];
	snprintf(sock, sizeof(sock), "%s/s", dir);
	snprintf(env, sizeof(env), "REMORA_SOCKET=%s", sock);
	struct lt_opts o = { .env = { env } };
	char *argv[] = { (char *)PROBE, (char *)"hold", NULL };
	struct lt_proc p;
	pid_t h = start_hold(&p, argv, &o);
	usleep(800000); /* nobody listens yet: the helper retries */
	int l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 4), 0);
	double t0 = lt_now_ms();
	struct pollfd pf = { l, POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 3000), 1);
	int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	assert_true(c >= 0);
	fprintf(stderr, "helper connected %.0f ms after the consumer appeared\n", lt_now_ms() - t0);
	struct rm_msg_hello hello;
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} u;
	struct iovec iov = { &hello, sizeof(hello) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	pf.fd = c;
	assert_int_equal(poll(&pf, 1, 3000), 1);
	assert_int_equal(recvmsg(c, &mh, MSG_CMSG_CLOEXEC), sizeof(hello));
	assert_int_equal(hello.h.magic, RM_PROTO_MAGIC);
	assert_int_equal(hello.h.type, RM_MSG_HELLO);
	assert_int_equal(hello.pid, p.pid);
	assert_int_equal(hello.helper_pid, h);
	assert_int_equal(hello.lockdown_err, 0);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	assert_non_null(cm);
	assert_int_equal(cm->cmsg_type, SCM_RIGHTS);
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	char path[64], link[256];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	assert_non_null(strstr(link, "memfd:remora"));
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, hello.arena_size);
	close(fd);
	close(c);
	close(l);
	unlink(sock);
	rmdir(dir);
	lt_finish(&p, NULL, 0, NULL, 0, 5000);
	assert_true(lt_wait_gone(h, 3000) >= 0);
	lt_reap_all();
}

/* No consumer: the helper sleeps between retries (utime+stime over 2 s). */
static void idle_cpu(void **s)
{
	(void)s;
	char *argv[] = { (char *)PROBE, (char *)"hold", NULL };
	struct lt_proc p;
	pid_t h = start_hold(&p, argv, &no_consumer);
	usleep(200000);
	long long t0 = lt_stat_field(h, 14) + lt_stat_field(h, 15);
	usleep(2000000);
	long long t1 = lt_stat_field(h, 14) + lt_stat_field(h, 15);
	long hz = sysconf(_SC_CLK_TCK);
	fprintf(stderr, "helper CPU over 2 s without a consumer: %lld ticks of %ld Hz\n", t1 - t0, hz);
	lt_finish(&p, NULL, 0, NULL, 0, 5000);
	lt_reap_all();
	assert_true(t0 >= 0);
	assert_true((t1 - t0) * 1000 / hz <= 40); /* <= 2 % of one CPU */
}

int main(void)
{
	lt_subreaper();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sandboxed),
		cmocka_unit_test(lifecycle_no_consumer),
		cmocka_unit_test(lifecycle_consumer),
		cmocka_unit_test(lifecycle_exec),
		cmocka_unit_test(late_consumer),
		cmocka_unit_test(idle_cpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
