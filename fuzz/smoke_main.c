/* fuzz-smoke driver for builds without libFuzzer: runs a harness's entry
 * point once on every file named (or found in a directory named), then on
 * -random=N inputs: byte mutations of those files and pure noise, from a
 * fixed seed so a failure reproduces (the failing input is also saved to
 * ./smoke-crash-HARNESS).
 *
 *   smoke_HARNESS [-random=N] [-seed=S] [-max_len=L] FILE|DIR...
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

struct input {
	unsigned char *p;
	size_t n;
};
static struct input *inputs;
static size_t ninputs, cap;
static const char *self_name = "harness";

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	struct input in = { NULL, 0 };
	size_t room = 0;
	for (;;) {
		if (in.n == room) {
			room = room ? room * 2 : 4096;
			in.p = realloc(in.p, room);
			if (!in.p)
				abort();
		}
		size_t r = fread(in.p + in.n, 1, room - in.n, f);
		if (!r)
			break;
		in.n += r;
	}
	fclose(f);
	if (ninputs == cap) {
		cap = cap ? cap * 2 : 64;
		inputs = realloc(inputs, cap * sizeof(*inputs));
		if (!inputs)
			abort();
	}
	inputs[ninputs++] = in;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	DIR *d = opendir(path);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
			abort();
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name); /* same order every run */
	for (size_t i = 0; i < n; i++) {
		add_file(names[i]);
		free(names[i]);
	}
	free(names);
}

static uint64_t rng;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const unsigned char *cur;
static size_t cur_n;
static char crash_path[256];

/* On a crash or a failed check, save the input being run, then die of the
 * same signal. Async-signal-safe calls only. */
static void on_crash(int sig)
{
	int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		for (size_t off = 0; off < cur_n;) {
			ssize_t w = write(fd, cur + off, cur_n - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(fd);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run_one(const unsigned char *p, size_t n)
{
	/* a private copy of exactly n bytes, so ASan sees any overread */
	unsigned char *copy = malloc(n ? n : 1);
	if (!copy)
		abort();
	memcpy(copy, p, n);
	cur = copy, cur_n = n;
	LLVMFuzzerTestOneInput(copy, n);
	cur = NULL, cur_n = 0;
	free(copy);
}

int main(int argc, char **argv)
{
	unsigned long nrandom = 0, max_len = 65536;
	rng = 0x9e3779b97f4a7c15ull;
	const char *slash = strrchr(argv[0], '/');
	self_name = slash ? slash + 1 : argv[0];
	snprintf(crash_path, sizeof(crash_path), "smoke-crash-%s", self_name);
	int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_crash);
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "-random=", 8))
			nrandom = strtoul(argv[i] + 8, NULL, 10);
		else if (!strncmp(argv[i], "-seed=", 6))
			rng = strtoull(argv[i] + 6, NULL, 10) | 1;
		else if (!strncmp(argv[i], "-max_len=", 9))
			max_len = strtoul(argv[i] + 9, NULL, 10);
		else
			add_path(argv[i]);
	}
	for (size_t i = 0; i < ninputs; i++)
		run_one(inputs[i].p, inputs[i].n);
	unsigned char *buf = malloc(max_len + 1);
	if (!buf)
		abort();
	for (unsigned long k = 0; k < nrandom; k++) {
		size_t n;
		if (ninputs && k % 4 != 3) {
			/* a corpus file with a few bytes changed, cut or not */
			const struct input *in = &inputs[next_rand() % ninputs];
			n = in->n < max_len ? in->n : max_len;
			memcpy(buf, in->p, n);
			unsigned flips = 1 + (unsigned)(next_rand() % 8);
			for (unsigned j = 0; j < flips && n; j++) {
				size_t at = next_rand() % n;
				switch (next_rand() % 4) {
				case 0: buf[at] ^= (unsigned char)(1u << (next_rand() % 8)); break;
				case 1: buf[at] = (unsigned char)next_rand(); break;
				case 2: buf[at] = 0; break;
				default: buf[at] = 0xff; break;
				}
			}
			if (next_rand() % 8 == 0 && n)
				n = next_rand() % n;
		} else {
			n = next_rand() % (max_len < 4096 ? max_len + 1 : 4097);
			for (size_t j = 0; j < n; j++)
				buf[j] = (unsigned char)next_rand();
		}
		run_one(buf, n);
	}
	free(buf);
	for (size_t i = 0; i < ninputs; i++)
		free(inputs[i].p);
	free(inputs);
	printf("%s: %zu corpus inputs, %lu random inputs: ok\n", self_name, ninputs, nrandom);
	return 0;
}
