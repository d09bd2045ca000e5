/* What the three files of `remora view --follow` share: the traces and
 * stream files being followed (view_follow_files.c finds them and their
 * metadata), the round that prints what is new (view_follow.c), and what
 * to follow and waiting for it (view_follow_target.c). Private to them. */
#ifndef REMORA_CTL_CLI_VIEW_FOLLOW_INT_H
#define REMORA_CTL_CLI_VIEW_FOLLOW_INT_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "ctl/ctf/ctf_reader.h"

#define FOLLOW_TICK_MS 100
#define FOLLOW_DEPTH 3 /* DIR, chunk-NNNNN, COMM-PID */

struct ftrace {
	char *dir;
	dev_t dev;
	ino_t ino;
	long chunk;                /* NNNNN of its chunk-NNNNN/, -1 when none */
	struct stat meta_st;       /* of the metadata parsed */
	bool have_meta, meta_bad;
	struct ctfr_meta meta;     /* in place: streams point at it */
	struct ftrace *next;
};

struct fstream {
	char *path;
	int fd;                    /* -1 once finished */
	dev_t dev;                 /* of the file opened at path */
	ino_t ino;
	struct ftrace *t;
	uint64_t visible;          /* bytes of complete packets */
	bool started, broken;
	bool stuck;                /* the reader stopped at an error */
	uint64_t errors_seen;
	unsigned char *buf;
	size_t cap;
	struct ctfr_stream cur;
	struct ctfr_item item;
	__int128 key;
	uint32_t idx;
};

struct follow {
	char dir[PATH_MAX];
	int clock;
	struct ftrace *traces;
	struct fstream **streams;
	size_t nstreams;
	long newest_chunk;
	uint64_t events, lost, errors, bytes;
	bool status_on, status_shown;
	uint64_t status_ms, status_events;
};

/* view_follow.c: set at Ctrl-C (SIGINT, SIGTERM) */
extern volatile sig_atomic_t stop_follow;

/* view_follow_files.c */
/* Finds the traces under dir (FOLLOW_DEPTH levels) and their new stream
 * files; a trace directory moved by a rotation is known by its inode. */
void walk(struct follow *f, const char *dir, int depth);
/* Parses t's metadata when it is new or was replaced. */
void load_meta(struct follow *f, struct ftrace *t);

/* view_follow_target.c */
/* 0 with DIR, 1 with DIR when it does not exist yet (a path given with a
 * '/', to be waited for), -1 after an error message. */
int resolve(const char *target, char *dir, size_t size);
/* Until DIR is being written or holds a trace: 0, or -1 at Ctrl-C or when
 * DIR turns out to be something else than a directory. */
int wait_for_dir(const char *dir);

#endif
