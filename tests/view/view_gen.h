/* Test traces for `remora view`, written with the real CTF writer so the
 * reader is tested against exactly what remora produces. */
#ifndef REMORA_TESTS_VIEW_GEN_H
#define REMORA_TESTS_VIEW_GEN_H

/* Writes scenario `name` under `out` (created if missing):
 *  basic    out/a (two streams, a loss of 3 events) and out/sub/b (another
 *           clock offset), every integer, bool and float type; times
 *           interleave across the three streams
 *  hostile  out/h: strings with ESC, newline, invalid UTF-8, bidi and C1
 *           controls, quotes; byte sequences
 *  packets  out/p: one stream of three packets, 184 bytes each (one
 *           `t:one v=<u32>` record each, v = 1, 2, 3), for corruption tests
 *  v1       basic, rewritten as remora wrote traces before the packet
 *           context had the discarded_* fields (96-byte packet headers)
 *  tail     basic, rewritten as remora's first traces with the discarded_*
 *           fields wrote them: after `level`, not first in the context
 * Returns 0, or -1 after a message on stderr. */
int view_gen(const char *out, const char *name);

#endif
