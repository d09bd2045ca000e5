/* Sizes a user types ("16M", "1G", "65536"), read the same way by the
 * stub (REMORA_BUFFER_SIZE) and the CLI (--buffer-size), which checks
 * what it passes on. Stub-safe: no errno, no locale, no allocation. */
#ifndef REMORA_SHM_SIZE_H
#define REMORA_SHM_SIZE_H

#include <stdint.h>

/* Decimal digits and an optional k/K, m/M or g/G (powers of 1024) ->
 * bytes; 0 when malformed, empty or too large for 64 bits. */
uint64_t rm_parse_size(const char *s);

#endif
