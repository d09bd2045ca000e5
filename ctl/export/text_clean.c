#include "ctl/export/text_clean.h"

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0 when it is
 * ill-formed; *bad is then the length of its maximal ill-formed prefix,
 * to be replaced by one U+FFFD. Table 3-7 of the Unicode standard. */
static size_t utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
	unsigned char b = p[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;
	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF)
		need = 1;
	else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

static const char hex[] = "0123456789abcdef";

void json_escaped(struct out_buf *o, const unsigned char *p, size_t n)
{
	size_t i = 0, run = 0; /* p[i-run..i) is plain text not yet written */
	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		size_t bad = 0, len = c < 0x80 ? 1 : utf8_seq(p + i, n - i, &bad);
		/* well-formed non-ASCII but U+2028/U+2029 goes out as is */
		if (len > 1 && !(len == 3 && c == 0xE2 && p[i + 1] == 0x80 &&
				 (p[i + 2] == 0xA8 || p[i + 2] == 0xA9))) {
			i += len;
			run += len;
			continue;
		}
		out_write(o, p + i - run, run);
		run = 0;
		if (!len) {
			out_write(o, "\xEF\xBF\xBD", 3);
			i += bad;
			continue;
		}
		char e[6] = { '\\', 'u', '0', '0', 0, 0 };
		switch (c) {
		case '"': out_write(o, "\\\"", 2); break;
		case '\\': out_write(o, "\\\\", 2); break;
		case '\n': out_write(o, "\\n", 2); break;
		case '\t': out_write(o, "\\t", 2); break;
		case '\r': out_write(o, "\\r", 2); break;
		case 0xE2: /* U+2028 / U+2029: JSON allows them, JavaScript did not */
			out_write(o, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
			i += 2;
			break;
		default:
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			out_write(o, e, 6);
			break;
		}
		i++;
	}
	out_write(o, p + i - run, run);
}

size_t utf8_clean(char *dst, size_t cap, const unsigned char *p, size_t n)
{
	size_t w = 0, i = 0;
	while (i < n) {
		size_t bad = 0, len = utf8_seq(p + i, n - i, &bad);
		const unsigned char *src = len ? p + i : (const unsigned char *)"\xEF\xBF\xBD";
		size_t out = len ? len : 3;
		if (w + out + 1 > cap)
			break;
		for (size_t k = 0; k < out; k++)
			dst[w++] = (char)src[k];
		i += len ? len : bad;
	}
	dst[w] = 0;
	return w;
}
