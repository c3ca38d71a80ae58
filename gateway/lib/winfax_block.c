/*
 * winfax_block.c - one-block buffers and UTF-16 at the edge
 * (winfax_block.h).
 */
#include "winfax_block.h"

#include <stdlib.h>
#include <string.h>

#include "fgwx_utf16.h"
#include "winfax_error.h"

#define WFX_MAX_ELEM 128

static const void *wfx_block_wide(struct wfx_block *b, const char *s, size_t len)
{
	size_t units = fgwx_utf8_to_utf16(s, len, NULL, true);
	uint16_t *w;

	b->used = (b->used + 1) & ~(size_t)1;   /* WCHAR alignment */
	if (b->base == NULL) {
		b->used += (units + 1) * sizeof(uint16_t);
		return NULL;
	}
	w = (uint16_t *)(void *)(b->base + b->used);
	fgwx_utf8_to_utf16(s, len, w, true);
	w[units] = 0;
	b->used += (units + 1) * sizeof(uint16_t);
	return w;
}

const void *wfx_block_str(struct wfx_block *b, const char *s)
{
	size_t len;
	char *c;

	if (s == NULL)
		s = "";
	len = strlen(s);
	if (b->wide)
		return wfx_block_wide(b, s, len);
	if (b->base == NULL) {
		b->used += len + 1;
		return NULL;
	}
	c = (char *)b->base + b->used;
	memcpy(c, s, len + 1);
	b->used += len + 1;
	return c;
}

BOOL wfx_block_build(size_t n, size_t elem_size, bool wide, wfx_fill_fn *fill,
                     const void *src, void **out)
{
	union { max_align_t align; unsigned char bytes[WFX_MAX_ELEM]; } scratch;
	struct wfx_block b = { .base = NULL, .used = n * elem_size, .wide = wide };

	*out = NULL;
	if (n == 0)
		return TRUE;
	if (elem_size > WFX_MAX_ELEM)
		return wfx_fail_win(ERROR_INTERNAL_ERROR, "structure too large for the block");
	for (size_t i = 0; i < n; i++)
		fill(&b, scratch.bytes, src, i);
	b.base = malloc(b.used);
	if (b.base == NULL)
		return wfx_fail_win(ERROR_NOT_ENOUGH_MEMORY, "out of memory");
	memset(b.base, 0, b.used);
	b.used = n * elem_size;
	for (size_t i = 0; i < n; i++)
		fill(&b, b.base + i * elem_size, src, i);
	*out = b.base;
	return TRUE;
}

static size_t wfx_wcslen(LPCWSTR s)
{
	size_t n = 0;

	while (s[n] != 0)
		n++;
	return n;
}

BOOL wfx_wide_in(LPCWSTR s, const char *bad, char **out)
{
	size_t n, len;

	*out = NULL;
	if (s == NULL)
		return TRUE;
	n = wfx_wcslen(s);
	len = fgwx_utf16_to_utf8(s, n, NULL);
	if (len == FGWX_UTF_BAD)
		return wfx_fail_win(ERROR_INVALID_PARAMETER, bad);
	*out = malloc(len + 1);
	if (*out == NULL)
		return wfx_fail_win(ERROR_NOT_ENOUGH_MEMORY, "out of memory");
	fgwx_utf16_to_utf8(s, n, *out);
	(*out)[len] = '\0';
	return TRUE;
}

BOOL wfx_data_out_wide(const void *data, size_t len, LPBYTE *out, LPDWORD size)
{
	size_t units = fgwx_utf8_to_utf16(data, len, NULL, false);
	uint16_t *w;

	if (units == FGWX_UTF_BAD)
		return wfx_fail_win(ERROR_INVALID_DATA,
				    "the routing data is not UTF-8 text: use the A form");
	w = malloc((units + 1) * sizeof(*w));
	if (w == NULL)
		return wfx_fail_win(ERROR_NOT_ENOUGH_MEMORY, "out of memory");
	fgwx_utf8_to_utf16(data, len, w, false);
	w[units] = 0;
	*out = (LPBYTE)w;
	*size = (DWORD)((units + 1) * sizeof(*w));
	return TRUE;
}

BOOL wfx_data_in_wide(const BYTE *buf, DWORD size, char **out, size_t *len)
{
	size_t units = size / sizeof(uint16_t);
	uint16_t *w;

	*out = NULL;
	if (size % sizeof(uint16_t) != 0)
		return wfx_fail_win(ERROR_INVALID_PARAMETER,
				    "RoutingInfoBufferSize is odd: W routing data is UTF-16");
	/* The caller's bytes need not be aligned for uint16_t. */
	w = malloc(size + sizeof(*w));
	if (w == NULL)
		return wfx_fail_win(ERROR_NOT_ENOUGH_MEMORY, "out of memory");
	if (size > 0)
		memcpy(w, buf, size);
	if (units > 0 && w[units - 1] == 0)
		units--;
	*len = fgwx_utf16_to_utf8(w, units, NULL);
	if (*len == FGWX_UTF_BAD) {
		free(w);
		return wfx_fail_win(ERROR_INVALID_DATA,
				    "the routing data is not UTF-16 (an unpaired surrogate)");
	}
	*out = malloc(*len + 1);
	if (*out != NULL) {
		fgwx_utf16_to_utf8(w, units, *out);
		(*out)[*len] = '\0';
	}
	free(w);
	return *out != NULL ? TRUE : wfx_fail_win(ERROR_NOT_ENOUGH_MEMORY, "out of memory");
}
