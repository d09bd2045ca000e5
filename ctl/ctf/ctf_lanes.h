/* Lanes: the stream files of a trace. Packets of different threads arrive
 * in any order with overlapping time ranges, and a CTF stream must never
 * go back in time, so a packet joins the lane that ended last but not
 * after the packet begins (best fit keeps the number of lanes near the
 * number of threads that really overlapped), or opens a new lane. */
#ifndef REMORA_CTL_CTF_LANES_H
#define REMORA_CTL_CTF_LANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctf_lane {
	int fd;
	uint64_t size;       /* bytes of complete packets: the truncation point */
	uint64_t last_ts;    /* timestamp_end of the last packet */
	uint64_t discarded;  /* events_discarded so far (CTF: cumulative) */
	uint64_t discarded_by[8]; /* of those, by cause (ctf_packet.h, CTF_CAUSES) */
	uint64_t seq;        /* packet_seq_num of the next packet */
};

struct ctf_lanes {
	struct ctf_lane *v;
	uint32_t n, cap;
};

/* The best lane for a packet that begins at ts, or -1 when none fits. */
int ctf_lanes_pick(const struct ctf_lanes *l, uint64_t ts);

/* The same among lanes numbered first or more (ctf_ctx_lane.h says why). */
int ctf_lanes_pick_from(const struct ctf_lanes *l, uint64_t ts, uint32_t first);

/* The lane that ended last (the best home for an empty packet), or -1. */
int ctf_lanes_latest(const struct ctf_lanes *l);

/* Opens stream_<n> as lane n, starting at time ts. Returns n or -1. */
int ctf_lanes_add(struct ctf_lanes *l, int dirfd, const char *dir, uint64_t ts, char *err,
		  size_t errlen);

/* Removes the last lane and its file (its first packet failed). */
void ctf_lanes_drop_last(struct ctf_lanes *l, int dirfd);

/* fdatasync()s and closes every lane; returns 0 or the first errno. */
int ctf_lanes_close(struct ctf_lanes *l, uint32_t *failed_lane);

#endif
