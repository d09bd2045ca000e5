/* `remora create NAME [-o DIR] [--overwrite | --snapshot [--buffer-size SIZE]]`:
 * a tracing session in remorad (started if missing). Default DIR:
 * $HOME/remora-traces/NAME-YYYYmmdd-HHMMSS. */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/cli/cli_daemon.h"
#include "ctl/cli/outdir.h"
#include "ctl/cli/rotate_opts.h"
#include "ctl/cli/verbs.h"
#include "shm/size.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: remora create NAME [-o DIR [--force]] [--overwrite | --blocking[=MS]]\n"
		   "         [--rotate-size SIZE] [--rotate-timer SECS] [--max-chunks N]\n"
		   "       remora create NAME [-o DIR [--force]] --snapshot [--buffer-size SIZE]\n"
		   "  -o, --output DIR  where the traces go (default "
		   "$HOME/remora-traces/NAME-YYYYmmdd-HHMMSS);\n"
		   "                    refused when it holds files or is reached through\n"
		   "                    another user's symbolic link\n"
		   "      --force       write into an -o DIR that already holds files\n"
		   "      --overwrite   flight recorder: keep the newest data, written at stop\n"
		   "      --blocking[=MS]  while started, a thread with no free buffer waits up to\n"
		   "                    MS ms (default 1000) for remorad instead of dropping the event\n"
		   "      --snapshot    snapshot mode: keep the newest data in memory, write\n"
		   "                    nothing until `remora snapshot` (which can be taken any\n"
		   "                    number of times while recording goes on)\n"
		   "      --buffer-size SIZE  with --snapshot: memory per process tree, e.g. 64M\n"
		   "                    (default: the size of its arena, 16M unless the app sets\n"
		   "                    REMORA_BUFFER_SIZE; from 64K)\n"
		   );
	rm_rotate_usage(f);
	fprintf(f, "Starts remorad when it is not running.\n");
}

int rm_cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "overwrite", no_argument, 0, 'O' },
		{ "blocking", optional_argument, 0, 'B' }, { "force", no_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' },
		{ "snapshot", no_argument, 0, 'S' }, { "buffer-size", required_argument, 0, 'b' },
		RM_ROTATE_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	bool snapshot = false;
	uint64_t ring_bytes = 0;
	unsigned long block_ms = 0;
	bool force = false;
	const char *out = NULL;
	bool overwrite = false;
	struct rm_rotation rot = { 0 };
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		int rr = rm_rotate_opt(ch, optarg, &rot, "create");
		if (rr < 0)
			return 2;
		if (rr > 0)
			continue;
		switch (ch) {
		case 'o': out = optarg; break;
		case 'O': overwrite = true; break;
		case 'f': force = true; break;
		case 'S': snapshot = true; break;
		case 'b':
			ring_bytes = rm_parse_size(optarg);
			if (ring_bytes < (64u << 10)) {
				fprintf(stderr, "remora create: bad --buffer-size '%s' (at least 64K, e.g. "
						"16M)\n", optarg);
				return 2;
			}
			break;
		case 'B': {
			char *end;
			block_ms = optarg ? strtoul(optarg, &end, 10) : 1000;
			if (optarg && (!*optarg || *end || block_ms == 0 || block_ms > 60000)) {
				fprintf(stderr, "remora create: bad --blocking '%s' (milliseconds, 1 to "
						"60000)\n", optarg);
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "remora create: %s\n",
			optind >= argc ? "no session name given" : "one session name only");
		usage(stderr);
		return 2;
	}
	const char *name = argv[optind];
	if (!rmd_name_ok(name)) {
		fprintf(stderr, "remora create: invalid session name '%s': use 1 to 63 letters, "
				"digits, '_', '.' or '-', not starting with '.' or '-'\n", name);
		return 2;
	}
	struct rmd_req q;
	rmd_req_init(&q, RMD_CREATE);
	snprintf(q.session, sizeof(q.session), "%s", name);
	if (overwrite && block_ms) {
		fprintf(stderr, "remora create: --overwrite and --blocking exclude each other (a "
				"flight recorder never makes the app wait)\n");
		return 2;
	}
	if (snapshot && (overwrite || block_ms)) {
		fprintf(stderr, "remora create: --snapshot excludes --overwrite (which writes at stop) "
				"and --blocking (a flight recorder never makes the app wait)\n");
		return 2;
	}
	if (ring_bytes && !snapshot) {
		fprintf(stderr, "remora create: --buffer-size applies to --snapshot only (the arena's "
				"size is the app's: REMORA_BUFFER_SIZE)\n");
		return 2;
	}
	if (snapshot)
		snprintf(q.opts, sizeof(q.opts), "snapshot=1\n");
	if (ring_bytes)
		snprintf(q.opts + strlen(q.opts), sizeof(q.opts) - strlen(q.opts),
			 "buffer-size=%llu\n", (unsigned long long)ring_bytes);
	if ((overwrite || snapshot) && rm_rotation_any(&rot)) {
		fprintf(stderr, "remora create: %s takes no --rotate-size, --rotate-timer or "
				"--max-chunks (%s)\n", snapshot ? "--snapshot" : "--overwrite",
			snapshot ? "it writes only when asked" : "a flight recorder writes once, at stop");
		return 2;
	}
	size_t used = strlen(q.opts);
	if (rot.size)
		used += (size_t)snprintf(q.opts + used, sizeof(q.opts) - used, "rotate-size=%llu\n",
					 (unsigned long long)rot.size);
	if (rot.timer_s)
		used += (size_t)snprintf(q.opts + used, sizeof(q.opts) - used, "rotate-timer=%u\n",
					 rot.timer_s);
	if (rot.max_chunks)
		snprintf(q.opts + used, sizeof(q.opts) - used, "max-chunks=%u\n", rot.max_chunks);
	q.flags = overwrite ? RMD_F_OVERWRITE : 0;
	q.block_ms = (uint32_t)block_ms;
	char cwd[PATH_MAX];
	int n;
	if (!out) {
		const char *home = getenv("HOME");
		struct passwd *pw = home && *home ? NULL : getpwuid(getuid());
		if (pw)
			home = pw->pw_dir;
		if (!home || !*home) {
			fprintf(stderr, "remora create: no HOME to put traces in; give one with -o DIR\n");
			return 1;
		}
		char stamp[32];
		time_t t = time(NULL);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
		n = snprintf(q.arg, sizeof(q.arg), "%s/remora-traces/%s-%s", home, name, stamp);
	} else if (rm_check_outdir(out, force) < 0) {
		return 1;
	} else if (out[0] == '/') {
		n = snprintf(q.arg, sizeof(q.arg), "%s", out);
	} else if (getcwd(cwd, sizeof(cwd))) {
		n = snprintf(q.arg, sizeof(q.arg), "%s/%s", cwd, out);
	} else {
		fprintf(stderr, "remora create: cannot resolve %s (no current directory); give an "
				"absolute path\n", out);
		return 1;
	}
	if (n < 0 || (size_t)n >= sizeof(q.arg) - 128) {
		fprintf(stderr, "remora create: output directory path too long; give a shorter one "
				"with -o DIR\n");
		return 1;
	}
	return rmd_call(&q, true);
}
