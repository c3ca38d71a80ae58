/*
 * fgwx_utf16.c - UTF-8 <-> UTF-16 (fgwx_utf16.h).
 */
#include "fgwx_utf16.h"

#include "fgwx_text.h"

/* RFC 2781 section 2.1: one unit below U+10000, else a surrogate pair. */
static size_t fgwx_utf16_put(uint32_t cp, uint16_t *dst)
{
	if (cp < 0x10000) {
		if (dst != NULL)
			dst[0] = (uint16_t)cp;
		return 1;
	}
	cp -= 0x10000;
	if (dst != NULL) {
		dst[0] = (uint16_t)(0xd800 | (cp >> 10));
		dst[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
	}
	return 2;
}

size_t fgwx_utf8_to_utf16(const void *src, size_t len, uint16_t *dst, bool lossy)
{
	const unsigned char *s = src;
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = fgwx_utf8_seq(s + i, len - i, &cp);
		if (n == 0) {
			if (!lossy)
				return FGWX_UTF_BAD;
			cp = 0xfffd;
			n = 1;
		}
		o += fgwx_utf16_put(cp, dst != NULL ? dst + o : NULL);
		i += n;
	}
	return o;
}

/* RFC 3629 section 3: the UTF-8 form of one code point. */
static size_t fgwx_utf8_put(uint32_t cp, char *dst)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12), n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18), n = 4;
	}
	for (size_t k = 1; k < n; k++)
		b[k] = (unsigned char)(0x80 | ((cp >> (6 * (n - 1 - k))) & 0x3f));
	if (dst != NULL)
		for (size_t k = 0; k < n; k++)
			dst[k] = (char)b[k];
	return n;
}

size_t fgwx_utf16_to_utf8(const uint16_t *src, size_t n, char *dst)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t cp = src[i];
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return FGWX_UTF_BAD;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (i + 1 >= n || src[i + 1] < 0xdc00 || src[i + 1] > 0xdfff)
				return FGWX_UTF_BAD;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (src[i + 1] - 0xdc00u);
			i++;
		}
		o += fgwx_utf8_put(cp, dst != NULL ? dst + o : NULL);
	}
	return o;
}
