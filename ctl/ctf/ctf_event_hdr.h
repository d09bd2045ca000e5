/* The event header of a stream file, as remora writes it since issue 18
 * (ctf_metadata.c declares it, ctf_writer.c writes it, ctf_reader_stream.c
 * reads it), in the style of LTTng's compact header, which babeltrace2
 * reads natively:
 *
 *   enum : uint16_t { compact = 0 ... 65534, extended = 65535 } id;
 *   variant <id> {
 *           struct { uint32_clock_monotonic_t timestamp; } compact;
 *           struct { uint32_t id; uint64_clock_monotonic_t timestamp; } extended;
 *   } v;
 *
 * all byte-aligned, then the event context and the payload, byte-aligned:
 * a record of two integers (12 bytes) takes 18 bytes instead of the
 * arena's 32 (16-byte header, 8-byte alignment). A 32-bit timestamp is
 * the low bits of the clock: a reader (babeltrace2 too) takes the clock's
 * previous value (the previous event of the packet, or timestamp_begin)
 * and adds the difference modulo 2^32, so the compact form is exact while
 * the time since that value is under 2^32 cycles (1.4 s at 3 GHz, 4.3 s
 * in ns); the extended form carries the whole timestamp.
 *
 * There is no size field: the reader walks the fields. Traces of remora
 * before issue 18 have the arena's header (uint32 rec_size aligned to 64
 * bits, uint32 id, uint64 timestamp) and 8-byte aligned records; the
 * reader tells them apart by their metadata (ctfr_meta.compact). */
#ifndef REMORA_CTL_CTF_EVENT_HDR_H
#define REMORA_CTL_CTF_EVENT_HDR_H

#include <stdint.h>

#define CTF_ID_EXTENDED 65535u   /* the id that says "extended header follows" */
#define CTF_HDR_COMPACT 6u       /* uint16 id + uint32 timestamp */
#define CTF_HDR_EXTENDED 14u     /* uint16 + uint32 id + uint64 timestamp */
#define CTF_COMPACT_GAP (1ull << 32) /* cycles: from here on, an extended header */

/* The TSDL of the header (in the stream block, after `id = 0;`): what
 * ctf_metadata.c writes and ctf_reader_meta.c expects, with any
 * whitespace between tokens. */
#define CTF_EVENT_HEADER_TSDL                                                                  \
	"\tevent.header := struct {\n"                                                         \
	"\t\tenum : uint16_t { compact = 0 ... 65534, extended = 65535 } id;\n"                 \
	"\t\tvariant <id> {\n"                                                                  \
	"\t\t\tstruct { uint32_clock_monotonic_t timestamp; } compact;\n"                      \
	"\t\t\tstruct { uint32_t id; uint64_clock_monotonic_t timestamp; } extended;\n"        \
	"\t\t} v;\n"                                                                            \
	"\t};\n"

/* Before issue 18 (ctf_writer.h's v1_records writes it, for tests):
 * rec_size is mapped to the clock only to keep babeltrace2 quiet about a
 * header integer without a role; the 64-bit timestamp after it replaces
 * the whole clock value before the event's time is taken. */
#define CTF_EVENT_HEADER_V1_TSDL                                                               \
	"\tevent.header := struct {\n"                                                         \
	"\t\t/* rm_record.word: size, then id; the clock map only silences"                    \
	" readers that\n\t\t * warn about unknown header fields, timestamp"                      \
	" below overrides it */\n"                                                               \
	"\t\tinteger { size = 32; align = 64; signed = false;"                                  \
	" map = clock.monotonic.value; } rec_size;\n"                                            \
	"\t\tuint32_t id;\n"                                                                    \
	"\t\tuint64_clock_monotonic_t timestamp;\n"                                             \
	"\t};\n"

#endif
