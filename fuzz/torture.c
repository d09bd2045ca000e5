/* The killed-producer torture: producers of every kind (torture_worker.c)
 * write into one arena through the real producer path while this process,
 * the consumer, drains it, kills them (SIGKILL at random moments, and at
 * every protocol testpoint through REMORA_TESTPOINT), stops and continues
 * them, and restarts itself (a new attach and rm_reader resuming from the
 * descriptors' `consumed`, gracefully or in the middle of a drain). Every
 * packet also goes to a CTF trace (ctl/ctf/ctf_writer.h) that babeltrace2 must
 * read cleanly at the end (whole rounds, while the trace holds fewer than
 * CTF_EVENTS events, default 400,000: babeltrace2 reads ~100k events/s).
 *
 *   torture [-s SEED] [-k KILLS] [-o TRACE_DIR] [-b BABELTRACE2] [-c CTF_EVENTS] [-v]
 *
 * Work is cut in rounds (a fresh arena each, ~50 kills); at the end of a
 * round every producer is killed and reaped, the arena drained with
 * `final`, and checked:
 *  - every record is intact (check word and padding) and seen once;
 *  - per writer and nesting level, seqs arrive in increasing order;
 *  - per thread (pid, tid), the seqs missing below each writer's last
 *    published commit are covered by the lost counts reported for that
 *    thread, and received + lost is the number of attempts, plus at most
 *    one write in flight per writer;
 *  - no corrupt packet, every chunk back to FREE; what threads fall short
 *    by adds up to the records lost outside any slot (a handler that
 *    interrupted its thread's setup drops its record and counts it there);
 *  - no drain takes more than a second (the consumer never waits).
 *  - lost counts are exact across consumer restarts too (the reader keeps
 *    what it reported in the arena's slots).
 * The schedule (what is done to whom, and when) comes from the seed, so a
 * failing seed reruns the same schedule; the producers' own interleaving is
 * the machine's. Prints the seed and round of any failure, exits 1.
 * This file spawns, stops and kills the producers and runs the rounds;
 * the checks are torture_check.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctf/ctf_writer.h"
#include "shm/testpoint.h"
#include "torture_common.h"

int torture_worker(int argc, char **argv);

#define MAXP 5          /* worker process groups alive at once */
#define KILLS_PER_ROUND 50

uint64_t seed;
static uint64_t rs;
int verbose;
unsigned round_no;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---------------------------------------------------------- processes */

struct proc {
	pid_t pid;        /* group leader (the worker); 0 when free */
	bool stopped;
	unsigned cont_at; /* step at which a stopped one is continued */
};
static struct proc procs[MAXP];
static const char *self_exe;
static unsigned long kills, tp_kills, stops;

void kill_all_now(void)
{
	for (int i = 0; i < MAXP; i++)
		if (procs[i].pid > 0)
			kill(-procs[i].pid, SIGKILL);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "torture: timed out (a consumer or producer hangs)\n";
	ssize_t ignored = write(2, m, sizeof(m) - 1);
	(void)ignored;
	kill_all_now();
	_exit(1);
}

static const char *const modes[] = { "threads", "signals", "fork", "exec" };

static void spawn(struct proc *p, int arena_fd, int pub_fd)
{
	char afd[16], pfd[16], ws[24], tp[64] = "";
	snprintf(afd, sizeof(afd), "%d", arena_fd);
	snprintf(pfd, sizeof(pfd), "%d", pub_fd);
	snprintf(ws, sizeof(ws), "%llu", (unsigned long long)rnd());
	const char *mode = modes[rnd() % 4];
	/* a third of the workers die (or stop) at a testpoint */
	if (rnd() % 3 == 0) {
		enum rm_testpoint t = (enum rm_testpoint)(rnd() % RM_TP_COUNT);
		unsigned count = t == RM_TP_AFTER_CLAIM || t == RM_TP_CHUNK_SWITCH
					 ? 1 + (unsigned)(rnd() % 40)
					 : 1 + (unsigned)(rnd() % 20000);
		snprintf(tp, sizeof(tp), "REMORA_TESTPOINT=%s:%u%s", rm_testpoint_name(t), count,
			 rnd() % 4 == 0 ? ":stop" : "");
	}
	pid_t pid = fork();
	if (pid < 0)
		FAILF("fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		int fl = fcntl(arena_fd, F_GETFD);
		fcntl(arena_fd, F_SETFD, fl & ~FD_CLOEXEC);
		fl = fcntl(pub_fd, F_GETFD);
		fcntl(pub_fd, F_SETFD, fl & ~FD_CLOEXEC);
		char *args[] = { (char *)self_exe, "--worker", (char *)mode, afd, pfd, ws, NULL };
		char *envp[] = { tp, NULL };
		execve(self_exe, args, tp[0] ? envp : envp + 1);
		_exit(127);
	}
	setpgid(pid, pid); /* both sides: no race with the first kill */
	*p = (struct proc){ .pid = pid };
	if (verbose > 1)
		fprintf(stderr, "spawn %d %s %s\n", pid, mode, tp);
}

/* Reaps whatever ended (orphans come to us: we are a subreaper). A worker
 * that died of SIGKILL without us sending one hit its testpoint. */
static void reap(void)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG | WUNTRACED)) > 0) {
		for (int i = 0; i < MAXP; i++) {
			if (procs[i].pid != pid)
				continue;
			if (WIFSTOPPED(st)) {
				procs[i].stopped = true; /* a :stop testpoint */
				stops++;
				procs[i].cont_at = 0;
			} else {
				if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
					tp_kills++;
				kill(-pid, SIGKILL); /* its forked children go with it */
				procs[i].pid = 0;
			}
		}
	}
}

static void kill_proc(struct proc *p)
{
	kill(-p->pid, SIGKILL);
	int st;
	waitpid(p->pid, &st, 0);
	p->pid = 0;
	kills++;
}

/* --------------------------------------------------------------- round */

struct ctf_writer *ctf;
char ctf_err[256];
uint64_t ctf_events, total_records, total_lost, aborts;
static uint64_t restarts;
int abort_after;
static bool no_restart; /* TORTURE_NO_RESTART=1: for telling failures apart */
bool round_to_ctf;              /* this round's packets go to the trace */
static uint64_t ctf_cap = 400000; /* -c: rounds start writing while below */

static void run_round(unsigned kills_goal)
{
	struct rm_params prm;
	rm_params_default(&prm);
	/* half the rounds with both chunk classes, half with large chunks only */
	prm.chunk_size = 8192;
	prm.chunk_count = 32 + (uint32_t)(rnd() % 64);
	prm.small_size = 4096;
	prm.small_count = rnd() % 2 ? 16 + (uint32_t)(rnd() % 48) : 0;
	struct rm_arena a;
	if (rm_arena_create(&prm, "remora-torture", &a) || rm_arena_producer_init(&a) ||
	    t_declare(&a) != 0)
		FAILF("cannot create the arena");
	a.enable[0] = 1;
	int pub_fd = memfd_create("torture-pub", MFD_CLOEXEC);
	if (pub_fd < 0 || ftruncate(pub_fd, sizeof(struct t_pub)))
		FAILF("pub memfd");
	struct t_pub *pub = mmap(NULL, sizeof(*pub), PROT_READ | PROT_WRITE, MAP_SHARED, pub_fd, 0);
	for (uint32_t i = 0; i < LOST_SLOTS; i++)
		ck.lost[i] = (struct lostent){ 0, 0 };
	for (uint32_t i = 0; i < T_MAXW; i++) {
		free(ck.w[i].seen);
		ck.w[i] = (struct wstate){ 0 };
	}
	ck.records = ck.bad = ck.dup = ck.order = ck.corrupt = ck.lost_total = ck.packets = 0;

	round_to_ctf = ctf_events < ctf_cap;
	struct rdr d = { .arena_fd = a.fd };
	reader_open(&d, a.fd);
	unsigned long k0 = kills + tp_kills;
	for (unsigned step = 0; kills + tp_kills - k0 < kills_goal; step++) {
		reap();
		if (pub->next > T_MAXW - 64)
			break; /* out of writer ids: end the round early */
		for (int i = 0; i < MAXP; i++)
			if (procs[i].pid && procs[i].stopped && procs[i].cont_at <= step) {
				if (rnd() % 2) {
					kill(-procs[i].pid, SIGCONT);
					procs[i].stopped = false;
				} else {
					kill_proc(&procs[i]);
				}
			}
		struct proc *p = &procs[rnd() % MAXP];
		switch (rnd() % 10) {
		case 0: case 1: case 2:
			if (!p->pid)
				spawn(p, a.fd, pub_fd);
			break;
		case 3: case 4:
			if (p->pid)
				kill_proc(p);
			break;
		case 5:
			if (p->pid && !p->stopped) {
				kill(-p->pid, SIGSTOP);
				p->stopped = true;
				p->cont_at = step + 1 + (unsigned)(rnd() % 20);
				stops++;
			}
			break;
		case 6:
			if (no_restart) {
				rnd();
			} else if (rnd() % 4 == 0) {
				/* a graceful consumer restart */
				reader_close(&d);
				reader_open(&d, a.fd);
				restarts++;
			} else {
				abort_after = 1 + (int)(rnd() % 4);
			}
			break;
		default: {
			/* let them run a random while, draining meanwhile */
			uint64_t until = now_us() + rnd() % 1000;
			do
				drain(&d, false);
			while (now_us() < until);
		}
		}
		if (rnd() % 2)
			drain(&d, false);
	}
	abort_after = 0;
	for (int i = 0; i < MAXP; i++)
		if (procs[i].pid)
			kill_proc(&procs[i]);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		; /* orphans of the killed groups */
	/* the consumer learns of deaths from /proc: drain before the final one
	 * as a live consumer would, then final */
	drain(&d, false);
	drain(&d, false);
	drain(&d, true);
	check_round(&d, pub);
	if (verbose)
		fprintf(stderr, "round %u: %llu records, %llu lost, %u writers, %llu packets\n",
			round_no, (unsigned long long)ck.records, (unsigned long long)ck.lost_total,
			pub->next, (unsigned long long)ck.packets);
	reader_close(&d);
	munmap(pub, sizeof(*pub));
	close(pub_fd);
	rm_arena_unmap(&a);
	close(a.fd);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--worker"))
		return torture_worker(argc, argv);
	unsigned long goal = 1000;
	const char *out = NULL, *bt = NULL;
	seed = (uint64_t)time(NULL);
	int c;
	while ((c = getopt(argc, argv, "s:k:o:b:c:v")) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'k': goal = strtoul(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		case 'b': bt = optarg; break;
		case 'v': verbose++; break;
		case 'c': ctf_cap = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-k KILLS] [-o TRACE_DIR] [-b BABELTRACE2] [-c CTF_EVENTS] [-v]\n",
				argv[0]);
			return 2;
		}
	}
	rs = seed * 0x9e3779b97f4a7c15ull | 1;
	no_restart = getenv("TORTURE_NO_RESTART") != NULL;
	static char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	self_exe = n > 0 ? exe : "/proc/self/exe";
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	char tmp[] = "/tmp/remora-torture-XXXXXX";
	char dir[4096];
	if (!out) {
		if (!mkdtemp(tmp))
			return 1;
		snprintf(dir, sizeof(dir), "%s/trace", tmp);
	} else {
		snprintf(dir, sizeof(dir), "%s", out);
	}
	struct ctf_trace_info info = { .hostname = "torture", .procname = "torture",
				       .clock = RM_CLOCK_MONOTONIC };
	ctf = ctf_writer_open(dir, &info, ctf_err, sizeof(ctf_err));
	if (!ctf)
		FAILF("ctf: %s", ctf_err);
	fprintf(stderr, "torture: seed %llu, %lu kills\n", (unsigned long long)seed, goal);
	uint64_t t0 = now_us();
	while (kills + tp_kills < goal) {
		alarm(120);
		unsigned left = (unsigned)(goal - kills - tp_kills);
		run_round(left < KILLS_PER_ROUND ? left : KILLS_PER_ROUND);
		round_no++;
	}
	alarm(0);
	struct ctf_writer_stats cs;
	if (ctf_writer_close(ctf, &cs, ctf_err, sizeof(ctf_err)))
		FAILF("ctf: %s", ctf_err);
	char bt_err[512];
	if (bt && *bt && torture_babeltrace(bt, dir, ctf_events, bt_err, sizeof(bt_err)) < 0)
		FAILF("%s", bt_err);
	printf("torture: seed %llu: %u rounds, %lu kills (%lu by us, %lu at testpoints), %lu stops, "
	       "%llu consumer restarts (%llu mid-drain), %llu records checked, %llu lost and "
	       "accounted for, %llu events in the CTF "
	       "trace%s, %.1f s\n",
	       (unsigned long long)seed, round_no, kills + tp_kills, kills, tp_kills, stops,
	       (unsigned long long)(restarts + aborts), (unsigned long long)aborts,
	       (unsigned long long)total_records, (unsigned long long)total_lost,
	       (unsigned long long)cs.events, bt && *bt ? " (babeltrace2: clean)" : "",
	       (double)(now_us() - t0) / 1e6);
	if (!out) {
		char cmd[8192];
		if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp) >= (int)sizeof(cmd))
			return 1;
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
