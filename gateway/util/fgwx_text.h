/*
 * fgwx_text.h - UTF-8 validation and display-safe copies of text that came
 * from outside (a sender's TSI, SIP identities, routing data).
 *
 * UTF-8 is checked strictly as RFC 3629 section 4 defines it: no overlong
 * forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.  "Text"
 * below also excludes the control characters: C0 (U+0000..U+001F), DEL
 * (U+007F) and C1 (U+0080..U+009F), which terminals and log readers act
 * on.
 *
 * No allocation, no locale.  Pointers must not be NULL unless their length
 * is 0; outputs are always NUL-terminated when their size is not 0.
 */
#ifndef FAXGW_UTIL_FGWX_TEXT_H
#define FAXGW_UTIL_FGWX_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length (1..4) of the well-formed UTF-8 sequence at p (at most left
 * bytes), its code point in *cp (may be NULL); 0 when there is none. */
size_t fgwx_utf8_seq(const unsigned char *p, size_t left, uint32_t *cp);

/* Whether the len bytes at p are well-formed UTF-8 (NUL bytes allowed). */
bool fgwx_utf8_valid(const void *p, size_t len);

/* Whether the len bytes at p are well-formed UTF-8 without any control
 * character (so without NUL either). */
bool fgwx_utf8_text(const void *p, size_t len);

/* Copies the srclen bytes at src into dst (size bytes) for display: text
 * is kept, every control character and every byte that is not part of
 * well-formed UTF-8 becomes '?'; a sequence that does not fit is left out.
 * Returns the length written. */
size_t fgwx_text_sanitize(char *dst, size_t size, const void *src, size_t srclen);

#endif
