/*
 * fgwx_number.h - unsigned decimal numbers with an upper bound.
 *
 * Only the digits 0-9 are accepted: no sign, no leading or trailing space,
 * no base prefix; leading zeros are fine ("007" is 7).  The bound is
 * checked digit by digit, so nothing can wrap, whatever the length.
 * Lower bounds (e.g. "0 is not a port") are the caller's.
 *
 * No allocation, no errno, no locale.  *out is written only on
 * FGWX_NUM_OK.  text and out must not be NULL, except that
 * fgwx_number_len accepts text == NULL when len is 0 (FGWX_NUM_EMPTY).
 */
#ifndef FAXGW_UTIL_FGWX_NUMBER_H
#define FAXGW_UTIL_FGWX_NUMBER_H

#include <stddef.h>
#include <stdint.h>

enum fgwx_num {
	FGWX_NUM_OK = 0,
	FGWX_NUM_EMPTY,          /* no characters at all */
	FGWX_NUM_INVALID,        /* a character that is not a digit (sign, space, junk) */
	FGWX_NUM_OVERFLOW,       /* only digits, but the value is above max */
};

/* The whole NUL-terminated text as a number from 0 to max. */
enum fgwx_num fgwx_str_number(const char *text, uint64_t *out, uint64_t max);

/* Exactly the len bytes at text (no NUL needed) as a number from 0 to max. */
enum fgwx_num fgwx_number_len(const char *text, size_t len, uint64_t *out, uint64_t max);

/* A static English phrase for a status ("not a number", ...); never NULL. */
const char *fgwx_num_strerror(enum fgwx_num status);

#endif
