/* A long-running traced app for the session tests.
 *   sess_app run STOPFILE            sess:tick and sess:other every 10 ms until STOPFILE exists
 *   sess_app burst N GOFILE STOPFILE waits for GOFILE, records N burst:item (50 per ms), prints
 *                                    "burst done", waits for STOPFILE
 *   sess_app flat N GOFILE STOPFILE  the same, flat out
 *   sess_app emit N                  records N burst:item at once and exits (no wait for
 *                                    its helper: the first events precede its connection)
 *   sess_app late N GOFILE           waits for GOFILE, then registers late:item (a
 *                                    descriptor made at run time, as a plugin's) and
 *                                    records N of it at once, and exits */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(sess, tick, (uint64_t, i));
REMORA_EVENT(sess, other, (uint32_t, x));
REMORA_EVENT(burst, item, (uint64_t, i), (const char *, pad));

static void nap(void)
{
	struct timespec ts = { 0, 10 * 1000000 };
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "run")) {
		printf("pid %d\n", (int)getpid());
		for (uint64_t i = 0; access(argv[2], F_OK) != 0; i++) {
			remora_trace(sess, tick, i);
			remora_trace(sess, other, (uint32_t)i);
			nap();
		}
		return 0;
	}
	bool flat = argc == 5 && !strcmp(argv[1], "flat");
	if (argc == 5 && (flat || !strcmp(argv[1], "burst"))) {
		uint64_t n = strtoull(argv[2], NULL, 10);
		printf("pid %d\n", (int)getpid());
		while (access(argv[3], F_OK) != 0)
			nap();
		for (uint64_t i = 0; i < n; i++) {
			remora_trace(burst, item, i, "0123456789abcdef0123456789abcdef");
			if (!flat && i % 50 == 49) /* paced: the arena never fills between drains */
				usleep(1000);
		}
		printf("burst done\n");
		while (access(argv[4], F_OK) != 0)
			nap();
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "emit")) {
		uint64_t n = strtoull(argv[2], NULL, 10);
		for (uint64_t i = 0; i < n; i++)
			remora_trace(burst, item, i, "0123456789abcdef0123456789abcdef");
		printf("pid %d\n", (int)getpid());
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "late")) {
		static const struct remora_field fields[] = { { "i", REMORA_T_U64, { 0 } },
							      { 0, 0, { 0 } } };
		static struct remora_event ev = { sizeof(struct remora_event), REMORA_ABI_VERSION,
						  &remora_off, 0, 1, "late", "item", fields, NULL,
						  NULL };
		static struct remora_event *ptrs[] = { &ev };
		uint64_t n = strtoull(argv[2], NULL, 10);
		printf("pid %d\n", (int)getpid());
		while (access(argv[3], F_OK) != 0)
			nap();
		remora_register_events(ptrs, ptrs + 1); /* the consumer is attached by now */
		for (uint64_t i = 0; i < n; i++) {
			const volatile uint8_t *on = __atomic_load_n(&ev.enabled, __ATOMIC_ACQUIRE);
			struct remora_wr wr;
			unsigned char *p = *on ? remora_reserve(&ev, 8, &wr) : NULL;
			if (p) {
				memcpy(p, &i, 8);
				remora_commit(&wr);
			}
		}
		printf("late done\n");
		return 0;
	}
	fprintf(stderr, "usage: sess_app run STOPFILE | burst|flat N GOFILE STOPFILE | emit N | "
			"late N GOFILE\n");
	return 2;
}
