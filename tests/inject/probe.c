/* The probe: a small app whose observable state the inject tests compare.
 * Built twice from this file: inj_probe (linked with libremora, one event
 * declared) and inj_probe_plain (-DPROBE_PLAIN, no library at all), so the
 * traced state is compared against the same program untraced.
 *
 *   inj_probe state    prints the app's fd table, the next open() number,
 *                      its signal mask, dispositions and handlers, its
 *                      threads and what wait()/waitpid(-1)/waitid(P_ALL)
 *                      return, then lines starting "x-" that describe the
 *                      tracer (helper children, arena mapping, event
 *                      enabled): the tests compare everything else.
 *   inj_probe kill     ignores SIGTERM, kill(0, SIGTERM) + killpg(), then
 *                      reports whether the helper is still alive.
 *   inj_probe hold [CMD...]  prints "helper PID", waits for EOF on stdin,
 *                      then exits 0 (or execs CMD when given).
 *   inj_probe sleep N  sleeps N ms (a program to exec into).
 *   inj_probe early    prints "x-enabled 0|1" first thing in main. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PROBE_PLAIN
#include <remora/remora.h>
REMORA_EVENT(probe, tick, (int, n));
#define PROBE_ENABLED() remora_enabled(probe, tick)
#else
#define PROBE_ENABLED() 0
#endif

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Kind of an fd target, without inode numbers (runs get fresh pipes). */
static void kind(const char *target, char *out, size_t len)
{
	const char *br = strchr(target, '[');
	if (br && (!strncmp(target, "pipe:", 5) || !strncmp(target, "socket:", 7)))
		snprintf(out, len, "%.*s", (int)(br - target - 1), target);
	else
		snprintf(out, len, "%s", target);
}

static void print_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		printf("fds unreadable\n");
		return;
	}
	int own = dirfd(d);
	/* valgrind keeps its own fds at the top of the table, named per run */
	const char *vg = getenv("REMORA_UNDER_VALGRIND");
	int limit = vg && *vg == '1' ? 1000 : 1 << 30;
	int fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024)
		if (e->d_name[0] != '.' && atoi(e->d_name) != own && atoi(e->d_name) < limit)
			fds[n++] = atoi(e->d_name);
	closedir(d);
	for (int i = 1; i < n; i++) /* sort */
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		char path[64], target[512] = "", k[512];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		ssize_t l = readlink(path, target, sizeof(target) - 1);
		target[l > 0 ? l : 0] = 0;
		kind(target, k, sizeof(k));
		printf("fd %d %s flags=%d\n", fds[i], k, fcntl(fds[i], F_GETFD));
	}
	int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);
	printf("next open %d %d\n", a, b);
	close(a);
	close(b);
}

static void print_status_lines(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7) ||
		    !strncmp(line, "SigCgt:", 7) || !strncmp(line, "SigPnd:", 7) ||
		    !strncmp(line, "ShdPnd:", 7) || !strncmp(line, "Threads:", 8))
			fputs(line, stdout);
	if (f)
		fclose(f);
}

static void print_signals(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	for (int s = 1; s < NSIG; s++) {
		struct sigaction sa;
		if (sigaction(s, NULL, &sa) < 0)
			continue; /* 32, 33: glibc's own */
		const char *h = sa.sa_handler == SIG_DFL ? "dfl" : sa.sa_handler == SIG_IGN ? "ign" : "handler";
		printf("sig %d %s flags=%#x blocked=%d\n", s, h, (unsigned)sa.sa_flags,
		       sigismember(&cur, s));
	}
}

static void print_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0, self = 0;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			n++;
			self += atoi(e->d_name) == getpid();
		}
	if (d)
		closedir(d);
	printf("tasks %d self %d\n", n, self);
}

static void print_waits(void)
{
	double t0 = now_ms();
	errno = 0;
	pid_t r = wait(NULL);
	printf("wait %d %s\n", (int)r, strerrorname_np(errno));
	errno = 0;
	r = waitpid(-1, NULL, 0);
	printf("waitpid %d %s\n", (int)r, strerrorname_np(errno));
	siginfo_t si;
	errno = 0;
	int w = waitid(P_ALL, 0, &si, WEXITED);
	printf("waitid %d %s\n", w, strerrorname_np(errno));
	/* a wait that saw the helper would block until the app exits; 1 s
	 * leaves room for a loaded machine and valgrind */
	printf("waits took under 1 s: %d\n", now_ms() - t0 < 1000);
}

/* Children of every thread of this process: the helper is one of them. */
static int children(pid_t *out, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[320];
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", e->d_name);
		FILE *f = fopen(path, "r");
		int pid;
		while (f && fscanf(f, "%d", &pid) == 1)
			if (n < max)
				out[n++] = pid;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

static int arena_mapped(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, "memfd:remora") != NULL;
	if (f)
		fclose(f);
	return n;
}

/* Alive and not a zombie. */
static int alive(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static void print_tracer(void)
{
	pid_t kids[16];
	int n = children(kids, 16);
	printf("x-helpers %d\n", n);
	printf("x-arena-mapped %d\n", arena_mapped() > 0);
	printf("x-enabled %d\n", PROBE_ENABLED() ? 1 : 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "state";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "state")) {
		print_fds();
		print_status_lines();
		print_signals();
		print_tasks();
		print_waits();
		print_tracer();
		return 0;
	}
	if (!strcmp(mode, "early")) { /* first thing: before the helper could say anything */
		printf("x-enabled %d\n", PROBE_ENABLED() ? 1 : 0);
		return 0;
	}
	if (!strcmp(mode, "kill")) {
		pid_t kids[16];
		int n = children(kids, 16);
		signal(SIGTERM, SIG_IGN);
		kill(0, SIGTERM);
		killpg(getpgrp(), SIGTERM);
		struct timespec ts = { 0, 200 * 1000000 };
		nanosleep(&ts, NULL);
		printf("helpers %d alive %d\n", n, n == 1 && alive(kids[0]));
		return 0;
	}
	if (!strcmp(mode, "hold")) {
		pid_t kids[16];
		int n = children(kids, 16);
		printf("helper %d\n", n == 1 ? (int)kids[0] : -n);
		char c;
		while (read(0, &c, 1) > 0)
			;
		if (argc > 2) {
			execv(argv[2], argv + 2);
			_exit(127);
		}
		return 0;
	}
	if (!strcmp(mode, "sleep")) {
		int ms = argc > 2 ? atoi(argv[2]) : 1000;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		return 0;
	}
	fprintf(stderr, "inj_probe: unknown mode %s\n", mode);
	return 2;
}
