/* Text from a trace, printed so a terminal shows it as it is: escapes as
 * in a C string, valid UTF-8 kept, and code points that move the cursor
 * or reorder text (C1 controls, bidi overrides, zero-width) written as
 * \uXXXX, so a producer cannot forge or hide lines of `remora view`. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ctl/cli/escape.h"

/* Code points that are valid UTF-8 but move the cursor or reorder text. */
static bool cp_hidden(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
	       cp == 0xfeff;
}

/* Length of the valid UTF-8 sequence at p[0..n), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t len;
	uint32_t v, min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2; v = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; v = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

void rm_put_escaped(FILE *f, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t len;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c >= 0x20 && c < 0x7f) {
			fputc(c, f);
		} else if (c >= 0x80 && (len = utf8_len(p + i, n - i, &cp))) {
			if (cp_hidden(cp))
				fprintf(f, "\\u%04x", (unsigned)cp);
			else
				fwrite(p + i, 1, len, f);
			i += len;
			continue;
		} else {
			fprintf(f, "\\x%02x", c);
		}
		i++;
	}
}

void rm_put_str(FILE *f, const char *s)
{
	rm_put_escaped(f, (const unsigned char *)s, strlen(s));
}
