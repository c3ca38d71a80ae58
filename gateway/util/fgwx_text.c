/*
 * fgwx_text.c - strict UTF-8 and display-safe copies (fgwx_text.h).
 */
#include "fgwx_text.h"

#include <string.h>

/* RFC 3629 section 4: the first byte fixes the length and the smallest
 * code point that length may carry. */
size_t fgwx_utf8_seq(const unsigned char *p, size_t left, uint32_t *cp)
{
	size_t n;
	uint32_t v, min;

	if (left == 0)
		return 0;
	if (p[0] < 0x80)
		n = 1, v = p[0], min = 0;
	else if ((p[0] & 0xe0) == 0xc0)
		n = 2, v = p[0] & 0x1fu, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, v = p[0] & 0x0fu, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, v = p[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = v;
	return n;
}

static bool fgwx_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static bool fgwx_utf8_check(const void *p, size_t len, bool text)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = fgwx_utf8_seq(s + i, len - i, &cp);
		if (n == 0 || (text && fgwx_is_control(cp)))
			return false;
		i += n;
	}
	return true;
}

bool fgwx_utf8_valid(const void *p, size_t len)
{
	return fgwx_utf8_check(p, len, false);
}

bool fgwx_utf8_text(const void *p, size_t len)
{
	return fgwx_utf8_check(p, len, true);
}

size_t fgwx_text_sanitize(char *dst, size_t size, const void *src, size_t srclen)
{
	const unsigned char *s = src;
	size_t o = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < srclen;) {
		uint32_t cp;
		size_t n = fgwx_utf8_seq(s + i, srclen - i, &cp);
		if (n == 0 || fgwx_is_control(cp)) {
			if (o + 1 >= size)
				break;
			dst[o++] = '?';
			i += n == 0 ? 1 : n;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return o;
}
