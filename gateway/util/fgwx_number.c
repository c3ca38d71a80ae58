/*
 * fgwx_number.c - bounded unsigned decimal numbers (fgwx_number.h).
 */
#include "fgwx_number.h"

#include <string.h>

enum fgwx_num fgwx_number_len(const char *text, size_t len, uint64_t *out, uint64_t max)
{
	uint64_t v = 0;
	enum fgwx_num rc = FGWX_NUM_OK;

	if (len == 0)
		return FGWX_NUM_EMPTY;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return FGWX_NUM_INVALID;
		uint64_t d = (uint64_t)(text[i] - '0');
		/* v * 10 + d <= max, without computing anything that wraps */
		if (rc == FGWX_NUM_OK && (d > max || v > (max - d) / 10))
			rc = FGWX_NUM_OVERFLOW;
		if (rc == FGWX_NUM_OK)
			v = v * 10 + d;
	}
	if (rc == FGWX_NUM_OK)
		*out = v;
	return rc;
}

enum fgwx_num fgwx_str_number(const char *text, uint64_t *out, uint64_t max)
{
	return fgwx_number_len(text, strlen(text), out, max);
}

const char *fgwx_num_strerror(enum fgwx_num status)
{
	switch (status) {
	case FGWX_NUM_OK: return "success";
	case FGWX_NUM_EMPTY: return "empty";
	case FGWX_NUM_INVALID: return "not a number";
	case FGWX_NUM_OVERFLOW: return "number too large";
	default: return "unknown number error";
	}
}
