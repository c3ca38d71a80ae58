/*
 * fgwx_buf.c - bounded formatted appends (fgwx_buf.h).
 */
#include "fgwx_buf.h"

#include <stdio.h>

void fgwx_buf_init(struct fgwx_buf *buf, char *mem, size_t cap)
{
	buf->mem = mem;
	buf->cap = mem != NULL ? cap : 0;
	buf->len = 0;
	buf->failed = buf->cap == 0;
	if (buf->cap > 0)
		mem[0] = '\0';
}

int fgwx_buf_vaddf(struct fgwx_buf *buf, const char *fmt, va_list ap)
{
	if (buf->failed)
		return -1;
	size_t room = buf->cap - buf->len;     /* > 0: the NUL always fits */
	int n = vsnprintf(buf->mem + buf->len, room, fmt, ap);
	if (n < 0) {
		buf->mem[buf->len] = '\0';        /* an encoding error: keep the old text */
		buf->failed = true;
		return -1;
	}
	if ((size_t)n >= room) {
		buf->len = buf->cap - 1;           /* truncated by vsnprintf */
		buf->failed = true;
		return -1;
	}
	buf->len += (size_t)n;
	return 0;
}

int fgwx_buf_addf(struct fgwx_buf *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = fgwx_buf_vaddf(buf, fmt, ap);
	va_end(ap);
	return rc;
}

const char *fgwx_buf_str(const struct fgwx_buf *buf)
{
	return buf->cap > 0 ? buf->mem : "";
}

size_t fgwx_buf_len(const struct fgwx_buf *buf)
{
	return buf->len;
}

bool fgwx_buf_failed(const struct fgwx_buf *buf)
{
	return buf->failed;
}

void fgwx_reason(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
