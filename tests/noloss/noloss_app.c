/* The app of the "no silent loss" checks (issue 19). Each mode emits a
 * known number of events between unrelated `app:mark` events:
 *   types N    N event types made at run time, each emitted once
 *   printf R   R rounds of remora_printf formats whose names collide
 *   big N...   one record per size N with a string field of N bytes, then
 *              the same as a byte sequence
 *   causes T L L records of 1 MiB reserved through the ABI, larger than
 *              any chunk (truncation is remora_trace's; a raw reserve is
 *              dropped), then T event types made at run time (as `types`)
 * and prints "emitted E" (marks included) on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <remora/remora.h>

REMORA_EVENT(app, big, (uint32_t, n), (const char *, s));
REMORA_EVENT(app, bigbytes, (uint32_t, n), (remora_bytes, b));

static unsigned long emitted;

static void mark(int k)
{
	remora_printf(app, mark, "k=%d", k);
	emitted++;
}

/* Events declared as the ABI allows a generator to: one section of N
 * descriptors, registered like a shared object's. */
static void many_types(uint32_t n)
{
	static const struct remora_field fields[] = { { "i", REMORA_T_U32, { 0 } }, { 0, 0, { 0 } } };
	struct remora_event *ev = calloc(n, sizeof(*ev));
	struct remora_event **ptrs = calloc(n, sizeof(*ptrs));
	char *names = calloc(n, 16);
	if (!ev || !ptrs || !names)
		exit(2);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(names + 16 * i, 16, "t%u", i);
		ev[i] = (struct remora_event){ sizeof(struct remora_event), REMORA_ABI_VERSION,
					       &remora_off, 0, 1, "many", names + 16 * i, fields, NULL,
					       NULL };
		ptrs[i] = &ev[i];
	}
	remora_register_events(ptrs, ptrs + n);
	for (uint32_t i = 0; i < n; i++) {
		if (*ev[i].enabled) {
			struct remora_wr wr;
			unsigned char *p = remora_reserve(&ev[i], 4, &wr);
			if (p) {
				memcpy(p, &i, 4);
				remora_commit(&wr);
			}
		}
		emitted++;
	}
	mark(1);
	remora_unregister_events(ptrs, ptrs + n);
}

/* n records too large for a chunk, through the raw ABI as a generator
 * might emit them (remora_trace() would cut them to fit instead). */
static void too_large(uint32_t n)
{
	static const struct remora_field fields[] = { { "b", REMORA_T_BYTES, { 0 } },
						      { 0, 0, { 0 } } };
	static struct remora_event ev = { sizeof(struct remora_event), REMORA_ABI_VERSION,
					  &remora_off, 0, 1, "raw", "huge", fields, NULL, NULL };
	static struct remora_event *ptrs[] = { &ev };
	const uint32_t len = 1u << 20;
	remora_register_events(ptrs, ptrs + 1);
	for (uint32_t i = 0; i < n; i++) {
		if (*ev.enabled) {
			struct remora_wr wr;
			unsigned char *p = remora_reserve(&ev, 4 + (size_t)len, &wr);
			if (p) { /* not expected: kept whole if a chunk were that large */
				memcpy(p, &len, 4);
				memset(p + 4, 'x', len);
				remora_commit(&wr);
			}
		}
		emitted++;
	}
	mark(2);
}

static void colliding_printf(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		remora_printf(app, same_twice, "a=%d a=%d", i, i);
		remora_printf(app, suffix_taken, "a=%d a_02=%d a=%d", i, i, i);
		remora_printf(app, generated_first, "%d arg00=%d", i, i);
		remora_printf(app, generated_last, "arg01=%d, %d", i, i);
		remora_printf(app, same_thrice, "x=%d x=%d x=%d", i, i, i);
		emitted += 5;
		mark(i);
	}
}

static void big_strings(int argc, char **argv)
{
	for (int k = 0; k < argc; k++) {
		uint32_t n = (uint32_t)strtoul(argv[k], NULL, 10);
		char *s = malloc((size_t)n + 1);
		if (!s)
			exit(2);
		memset(s, 'x', n);
		s[n] = 0;
		remora_trace(app, big, n, s);
		remora_trace(app, bigbytes, n, remora_bytes_of(s, n));
		emitted += 2;
		mark(k);
		free(s);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	mark(0);
	if (!strcmp(argv[1], "types"))
		many_types((uint32_t)strtoul(argv[2], NULL, 10));
	else if (!strcmp(argv[1], "printf"))
		colliding_printf(atoi(argv[2]));
	else if (!strcmp(argv[1], "big"))
		big_strings(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "causes") && argc == 4) {
		too_large((uint32_t)strtoul(argv[3], NULL, 10));
		many_types((uint32_t)strtoul(argv[2], NULL, 10));
	}
	else
		return 2;
	mark(-1);
	printf("emitted %lu\n", emitted);
	return 0;
}
