/* Helpers for the CTF writer tests: packets laid out exactly as the arena
 * lays out records, temporary trace directories, and a babeltrace2 run
 * whose exit status, stdout and stderr are captured. */
#ifndef REMORA_TESTS_CTF_TEST_UTIL_H
#define REMORA_TESTS_CTF_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/ctf/ctf_writer.h"

/* A payload under construction. */
struct tpay {
	unsigned char b[4096];
	size_t n;
};
void tpay_put(struct tpay *p, const void *v, size_t n);
#define TPAY(p, T, v)                                                                        \
	do {                                                                                 \
		T tpay_v_ = (v);                                                             \
		tpay_put((p), &tpay_v_, sizeof(tpay_v_));                                    \
	} while (0)
void tpay_str(struct tpay *p, const char *s);
void tpay_bytes(struct tpay *p, const void *v, uint32_t n);

/* A chunk's worth of records: word = size | id << 32, ts, payload, next
 * record at the next 8-byte offset. */
struct tpkt {
	unsigned char buf[1 << 16];
	size_t len;
	uint32_t n;
	uint64_t first, last;
};
void tpkt_init(struct tpkt *k);
void tpkt_add(struct tpkt *k, uint32_t id, uint64_t ts, const struct tpay *p);
struct rm_packet tpkt_packet(const struct tpkt *k, uint32_t pid, uint32_t tid, uint64_t lost);

/* An event info; the variadic part is nfields pairs (const char *, int type). */
struct rm_event_info tev(uint32_t id, const char *provider, const char *name, int nfields, ...);

struct ctf_trace_info tinfo_mono(void);

/* A fresh path "<tmp>/trace" that does not exist yet; tdir_free removes it all. */
char *tdir_new(void);
void tdir_free(char *dir);

struct bt2 {
	int status;  /* exit status, or -1 */
	char *out;
	char *err;
};
/* Runs babeltrace2 with argv (NULL-terminated, without the program). */
void bt2_run(struct bt2 *r, const char *const *argv);
/* Runs `babeltrace2 dir` and asserts exit 0 and an empty stderr. */
void bt2_ok(struct bt2 *r, const char *dir);
void bt2_free(struct bt2 *r);

size_t count_str(const char *hay, const char *needle);
/* The number of event lines (lines that start with '['). */
size_t count_events(const char *out);

/* Writer shortcuts that fail the test on error. */
struct ctf_writer *tw_open(const char *dir, const struct ctf_trace_info *info);
void tw_class(struct ctf_writer *w, const struct rm_event_info *e);
void tw_packet(struct ctf_writer *w, const struct rm_packet *p);
struct ctf_writer_stats tw_close(struct ctf_writer *w);

#endif
