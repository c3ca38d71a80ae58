/*
 * fgwx_buf.h - formatted appends to a caller-owned, fixed-size text buffer.
 *
 * The buffer never grows and never overflows: an append that does not fit
 * is truncated at the capacity (the text stays NUL-terminated), returns
 * -1 and marks the buffer failed; every later append to a failed buffer
 * does nothing and returns -1 (sticky), so a caller may append several
 * pieces and check once with fgwx_buf_failed().
 *
 * Ownership: the struct and the memory are the caller's (usually both on
 * the stack); there is nothing to free.  The members are private: use the
 * functions.  No function accepts a NULL buf or fmt.  mem may be NULL only
 * with cap 0, which gives a buffer that is failed from the start.
 * Not thread-safe: one buffer, one thread.
 */
#ifndef FAXGW_UTIL_FGWX_BUF_H
#define FAXGW_UTIL_FGWX_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct fgwx_buf {
	char *mem;        /* the caller's memory, always NUL-terminated when cap > 0 */
	size_t cap;       /* bytes at mem, the NUL included */
	size_t len;       /* characters before the NUL */
	bool failed;      /* an append did not fit (or cap was 0) */
};

/* Starts an empty text in mem[0..cap-1] (mem[0] = '\0'). */
void fgwx_buf_init(struct fgwx_buf *buf, char *mem, size_t cap);

/* Appends printf-formatted text; 0 when it all fit, else -1 (see above). */
int fgwx_buf_addf(struct fgwx_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fgwx_buf_vaddf(struct fgwx_buf *buf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The text so far (borrowed from the caller's memory; "" when cap is 0). */
const char *fgwx_buf_str(const struct fgwx_buf *buf);
size_t fgwx_buf_len(const struct fgwx_buf *buf);
/* True once an append has not fit. */
bool fgwx_buf_failed(const struct fgwx_buf *buf);

/* A reason in a caller's err buffer of errlen bytes (truncated to fit);
 * does nothing when err is NULL or errlen 0, so callers may pass
 * "no reason wanted". */
void fgwx_reason(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
