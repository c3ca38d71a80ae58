/*
 * winfax_block.h - the one-block buffers and the UTF-16 edge of
 * faxgw/winfax.h.
 *
 * A block is one malloc() holding an array of structures followed by the
 * strings they point to, as the Windows Fax Service returns them; it is
 * freed with one FaxFreeBuffer() (free()).  It is built in two passes of
 * the same fill function: the first (base NULL) measures, the second
 * writes.
 *
 * Functions returning BOOL record their failure (GetLastError,
 * FaxGetLastErrorMessage) themselves.
 */
#ifndef FAXGW_LIB_WINFAX_BLOCK_H
#define FAXGW_LIB_WINFAX_BLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include <faxgw/winfax.h>

struct wfx_block {
	unsigned char *base;    /* NULL while measuring */
	size_t used;            /* bytes placed so far */
	bool wide;              /* strings as UTF-16, else UTF-8 */
};

/* Fills elem, the i-th structure, from the i-th element of src. */
typedef void wfx_fill_fn(struct wfx_block *b, void *elem, const void *src, size_t i);

/* Places a NUL-terminated copy of s (UTF-8; NULL is "") in the block, as
 * UTF-16 when the block is wide (malformed UTF-8 becomes U+FFFD).
 * Returns the copy: a LPCSTR or a LPCWSTR; NULL while measuring. */
const void *wfx_block_str(struct wfx_block *b, const char *s);

/* Builds the block of n structures of elem_size bytes (at most 128).
 * On success *out owns it (NULL when n is 0).  Fails with
 * ERROR_NOT_ENOUGH_MEMORY. */
BOOL wfx_block_build(size_t n, size_t elem_size, bool wide, wfx_fill_fn *fill,
                     const void *src, void **out);

/* A caller's UTF-16 string as a new UTF-8 string (*out, free() it);
 * s NULL gives NULL.  An unpaired surrogate fails with
 * ERROR_INVALID_PARAMETER and the reason given in bad. */
BOOL wfx_wide_in(LPCWSTR s, const char *bad, char **out);

/* Routing data given out: the len bytes of UTF-8 at data as a
 * NUL-terminated UTF-16 string in a new buffer (*out, FaxFreeBuffer it),
 * *size counting the terminator.  Data that is not UTF-8 fails with
 * ERROR_INVALID_DATA. */
BOOL wfx_data_out_wide(const void *data, size_t len, LPBYTE *out, LPDWORD size);

/* Routing data given in: size bytes of UTF-16 (an even number; a final
 * NUL unit is dropped) as new UTF-8 (*out, free() it; *len bytes).  An
 * odd size fails with ERROR_INVALID_PARAMETER, malformed UTF-16 with
 * ERROR_INVALID_DATA. */
BOOL wfx_data_in_wide(const BYTE *buf, DWORD size, char **out, size_t *len);

#endif
