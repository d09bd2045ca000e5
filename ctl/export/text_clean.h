/* Trace strings are bytes, not text: they may hold control bytes and
 * invalid UTF-8. JSON and protobuf `string` fields must be valid UTF-8, so
 * both exporters decode here: each maximal ill-formed subsequence becomes
 * one U+FFFD (the Unicode "best practice", the same substitution as
 * Python's bytes.decode('utf-8', 'replace')). */
#ifndef REMORA_CTL_EXPORT_TEXT_CLEAN_H
#define REMORA_CTL_EXPORT_TEXT_CLEAN_H

#include <stddef.h>

#include "ctl/export/out_buf.h"

/* p[0..n) as the inside of a JSON string: valid UTF-8, with ", \ and
 * every control byte (and DEL, U+2028, U+2029) escaped. */
void json_escaped(struct out_buf *o, const unsigned char *p, size_t n);

/* p[0..n) as valid UTF-8 in dst, NUL-terminated, truncated at a character
 * boundary to fit cap (>= 4) bytes. Returns the length written. */
size_t utf8_clean(char *dst, size_t cap, const unsigned char *p, size_t n);

#endif
