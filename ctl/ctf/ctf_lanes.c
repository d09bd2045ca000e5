#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctf/ctf_files.h"
#include "ctl/ctf/ctf_lanes.h"

int ctf_lanes_pick(const struct ctf_lanes *l, uint64_t ts)
{
	return ctf_lanes_pick_from(l, ts, 0);
}

int ctf_lanes_pick_from(const struct ctf_lanes *l, uint64_t ts, uint32_t first)
{
	int best = -1;
	for (uint32_t i = first; i < l->n; i++)
		if (l->v[i].last_ts <= ts && (best < 0 || l->v[i].last_ts > l->v[best].last_ts))
			best = (int)i;
	return best;
}

int ctf_lanes_latest(const struct ctf_lanes *l)
{
	int best = -1;
	for (uint32_t i = 0; i < l->n; i++)
		if (best < 0 || l->v[i].last_ts > l->v[best].last_ts)
			best = (int)i;
	return best;
}

int ctf_lanes_add(struct ctf_lanes *l, int dirfd, const char *dir, uint64_t ts, char *err,
		  size_t errlen)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 8;
		struct ctf_lane *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			snprintf(err, errlen, "out of memory for stream %u in %s", l->n, dir);
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	char name[32];
	snprintf(name, sizeof(name), "stream_%u", l->n);
	int fd = ctf_file_create(dirfd, dir, name, err, errlen);
	if (fd < 0)
		return -1;
	l->v[l->n] = (struct ctf_lane){ .fd = fd, .last_ts = ts };
	return (int)l->n++;
}

void ctf_lanes_drop_last(struct ctf_lanes *l, int dirfd)
{
	char name[32];
	l->n--;
	close(l->v[l->n].fd);
	snprintf(name, sizeof(name), "stream_%u", l->n);
	unlinkat(dirfd, name, 0);
}

int ctf_lanes_close(struct ctf_lanes *l, uint32_t *failed_lane)
{
	int first = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		int e = fdatasync(l->v[i].fd) ? errno : 0;
		if (close(l->v[i].fd) && !e)
			e = errno;
		if (e && !first) {
			first = e;
			*failed_lane = i;
		}
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
	return first;
}
