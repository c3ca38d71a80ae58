/*
 * fgwx_utf16.h - UTF-8 <-> UTF-16 conversion for the edges that speak
 * UTF-16 (the Windows fax API of faxgw/winfax.h).
 *
 * UTF-8 is decoded strictly (fgwx_text.h, RFC 3629 section 4); UTF-16 is
 * encoded and decoded as RFC 2781 section 2 says, in host byte order: an
 * unpaired surrogate is malformed.
 *
 * Each function counts the units its output needs and writes them only
 * when dst is not NULL (the caller made room for the count, so the usual
 * call is twice: count, allocate, convert).  No terminator is added.
 * No allocation, no locale.
 */
#ifndef FAXGW_UTIL_FGWX_UTF16_H
#define FAXGW_UTIL_FGWX_UTF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FGWX_UTF_BAD ((size_t)-1)

/* The UTF-16 units for the len bytes of UTF-8 at src.  Malformed UTF-8
 * gives FGWX_UTF_BAD, or with lossy each bad byte becomes U+FFFD. */
size_t fgwx_utf8_to_utf16(const void *src, size_t len, uint16_t *dst, bool lossy);

/* The UTF-8 bytes for the n UTF-16 units at src; FGWX_UTF_BAD when one of
 * them is an unpaired surrogate. */
size_t fgwx_utf16_to_utf8(const uint16_t *src, size_t n, char *dst);

#endif
