/*
 * spool_sidecar.c - a reception's metadata beside its tmp TIFF: format,
 * strict parser, durable write, recovery's decision (spool_sidecar.h).
 */
#include "spool_sidecar.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fgwx_buf.h"

#define SPOOL_SIDECAR_MAX_TIME  253402300799LL   /* 9999-12-31T23:59:59Z */
#define SPOOL_SIDECAR_MAX_RES   1000000          /* pixels per metre (T.30 max: 15748) */
#define SPOOL_SIDECAR_MAX_RATE  1000000          /* bit/s (V.34 max: 33600) */
#define SPOOL_SIDECAR_MAX_T30   65535            /* T30_ERR_* (spandsp: under 100) */
#define SPOOL_SIDECAR_MAX_DIGITS 19              /* of a number: fits an int64_t */

enum spool_sidecar_type { SSC_STR, SSC_U32, SSC_I64, SSC_INT, SSC_BOOL };

struct spool_sidecar_field {
	const char *key;
	enum spool_sidecar_type type;
	size_t off;
	size_t size;              /* SSC_STR: the buffer (value < size bytes) */
	int64_t min, max;         /* numbers */
	uint32_t since;           /* the format version that added it */
};

#define SSC_FV(k, t, m, lo, hi, v) \
	{ k, t, offsetof(struct spool_sidecar, m), sizeof(((struct spool_sidecar *)0)->m), lo, hi, v }
#define SSC_F(k, t, m, lo, hi) SSC_FV(k, t, m, lo, hi, 1)

/* The fields, in the order of the file. */
static const struct spool_sidecar_field spool_sidecar_fields[] = {
	SSC_F("port_id", SSC_U32, port_id, 1, FGW_MAX_PORT_ID),
	SSC_F("port_name", SSC_STR, port_name, 0, 0),
	SSC_F("local_ident", SSC_STR, local_ident, 0, 0),
	SSC_F("remote_ident", SSC_STR, remote_ident, 0, 0),
	SSC_F("caller", SSC_STR, caller, 0, 0),
	SSC_F("start_time", SSC_I64, start_time, 0, SPOOL_SIDECAR_MAX_TIME),
	SSC_F("update_time", SSC_I64, update_time, 0, SPOOL_SIDECAR_MAX_TIME),
	SSC_F("pages", SSC_U32, pages, 0, FGW_MAX_RX_PAGES),
	SSC_F("x_res", SSC_U32, x_res, 0, SPOOL_SIDECAR_MAX_RES),
	SSC_F("y_res", SSC_U32, y_res, 0, SPOOL_SIDECAR_MAX_RES),
	SSC_F("bit_rate", SSC_U32, bit_rate, 0, SPOOL_SIDECAR_MAX_RATE),
	SSC_F("ecm", SSC_BOOL, ecm, 0, 1),
	SSC_F("end_of_document", SSC_BOOL, end_of_document, 0, 1),
	SSC_F("t30_done", SSC_BOOL, t30_done, 0, 1),
	SSC_F("t30_status", SSC_INT, t30_status, 0, SPOOL_SIDECAR_MAX_T30),
	SSC_F("t30_text", SSC_STR, t30_text, 0, 0),
	SSC_FV("degraded_pages", SSC_U32, degraded_pages, 0, FGW_MAX_RX_PAGES, 2),
	SSC_FV("bad_rows", SSC_U32, bad_rows, 0, UINT32_MAX, 2),
	SSC_FV("longest_bad_run", SSC_U32, longest_bad_run, 0, UINT32_MAX, 2),
	SSC_FV("degraded_list", SSC_STR, degraded_list, 0, 0, 2),
	SSC_FV("degraded_detail", SSC_STR, degraded_detail, 0, 0, 2),
	SSC_FV("sip_call_id", SSC_STR, sip_call_id, 0, 0, 3),
	SSC_FV("sip_from", SSC_STR, sip_from, 0, 0, 3),
	SSC_FV("sip_to", SSC_STR, sip_to, 0, 0, 3),
	SSC_FV("sip_user_agent", SSC_STR, sip_user_agent, 0, 0, 3),
	SSC_FV("transport", SSC_STR, transport, 0, 0, 3),
};
#define SPOOL_SIDECAR_NFIELDS (sizeof(spool_sidecar_fields) / sizeof(spool_sidecar_fields[0]))

int spool_sidecar_path(const char *tif_path, char *out, size_t outlen)
{
	size_t n = strlen(tif_path);
	int k;

	if (n > 4 && strcmp(tif_path + n - 4, ".tif") == 0)
		n -= 4;
	if (n > INT32_MAX)
		return -1;
	k = snprintf(out, outlen, "%.*s.meta", (int)n, tif_path);
	return k < 0 || (size_t)k >= outlen ? -1 : 0;
}

/* --- field values ------------------------------------------------------------- */

static int64_t spool_sidecar_get(const struct spool_sidecar *sc, const struct spool_sidecar_field *f)
{
	const char *p = (const char *)sc + f->off;

	switch (f->type) {
	case SSC_U32: return *(const uint32_t *)(const void *)p;
	case SSC_I64: return *(const int64_t *)(const void *)p;
	case SSC_INT: return *(const int *)(const void *)p;
	case SSC_BOOL: return *(const bool *)(const void *)p ? 1 : 0;
	default: return 0;
	}
}

static void spool_sidecar_set(struct spool_sidecar *sc, const struct spool_sidecar_field *f,
			      int64_t v)
{
	char *p = (char *)sc + f->off;

	switch (f->type) {
	case SSC_U32: *(uint32_t *)(void *)p = (uint32_t)v; break;
	case SSC_I64: *(int64_t *)(void *)p = v; break;
	case SSC_INT: *(int *)(void *)p = (int)v; break;
	case SSC_BOOL: *(bool *)(void *)p = v != 0; break;
	default: break;
	}
}

/* --- format ------------------------------------------------------------------------ */

/* Appends one field's line at out[*o]; -1 when it does not fit. */
static int spool_sidecar_put(const struct spool_sidecar *sc, const struct spool_sidecar_field *f,
			     char *out, size_t outlen, size_t *o, char *err, size_t errlen)
{
	const char *s = (const char *)sc + f->off;
	size_t n;
	int k;

	if (f->type != SSC_STR) {
		int64_t v = spool_sidecar_get(sc, f);
		if (v < f->min || v > f->max) {
			fgwx_reason(err, errlen, "sidecar field %s: %" PRId64
					     " is not %" PRId64 "..%" PRId64, f->key, v, f->min, f->max);
			return -1;
		}
		k = snprintf(out + *o, outlen - *o, "%s=%" PRId64 "\n", f->key, v);
		if (k < 0 || (size_t)k >= outlen - *o)
			goto small;
		*o += (size_t)k;
		return 0;
	}
	n = strnlen(s, f->size);
	if (n == f->size) {
		fgwx_reason(err, errlen, "sidecar field %s is not terminated", f->key);
		return -1;
	}
	if (strlen(f->key) + n + 2 >= outlen - *o)
		goto small;
	*o += (size_t)snprintf(out + *o, outlen - *o, "%s=", f->key);
	for (size_t i = 0; i < n; i++)
		out[(*o)++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	out[(*o)++] = '\n';
	out[*o] = '\0';
	return 0;
small:
	fgwx_reason(err, errlen, "sidecar buffer of %zu bytes is too small", outlen);
	return -1;
}

int spool_sidecar_format(const struct spool_sidecar *sc, char *out, size_t outlen, size_t *len,
			 char *err, size_t errlen)
{
	uint32_t version = sc->version != 0 ? sc->version : SPOOL_SIDECAR_VERSION;
	size_t o = 0;
	int k;

	*len = 0;
	if (outlen == 0) {
		fgwx_reason(err, errlen, "sidecar buffer of 0 bytes");
		return -1;
	}
	out[0] = '\0';
	if (version > SPOOL_SIDECAR_VERSION) {
		fgwx_reason(err, errlen, "sidecar version %" PRIu32 " is not 1..%d", version,
				     SPOOL_SIDECAR_VERSION);
		return -1;
	}
	k = snprintf(out, outlen, "%s%" PRIu32 "\n", SPOOL_SIDECAR_MAGIC, version);
	if (k < 0 || (size_t)k >= outlen) {
		fgwx_reason(err, errlen, "sidecar buffer of %zu bytes is too small", outlen);
		return -1;
	}
	o = (size_t)k;
	for (size_t i = 0; i < SPOOL_SIDECAR_NFIELDS && spool_sidecar_fields[i].since <= version; i++)
		if (spool_sidecar_put(sc, &spool_sidecar_fields[i], out, outlen, &o, err, errlen) != 0)
			return -1;
	*len = o;
	return 0;
}

/* --- parse ----------------------------------------------------------------------------- */

/* A canonical non-negative decimal ("0", or no leading zero) in min..max. */
static int spool_sidecar_number(const char *v, size_t n, const struct spool_sidecar_field *f,
				int64_t *out)
{
	int64_t x = 0;

	if (n == 0 || n > SPOOL_SIDECAR_MAX_DIGITS || (n > 1 && v[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');     /* x <= max < 2^59 before: no overflow */
		if (x > f->max)
			return -1;
	}
	if (x < f->min)
		return -1;
	*out = x;
	return 0;
}

/* One "key=value" line (without its newline) for field f. */
static int spool_sidecar_line(const char *line, size_t n, const struct spool_sidecar_field *f,
			      struct spool_sidecar *sc, char *why, size_t whylen)
{
	size_t klen = strlen(f->key);
	const char *v = line + klen + 1;
	size_t vlen;
	int64_t x;

	if (n <= klen || memcmp(line, f->key, klen) != 0 || line[klen] != '=') {
		snprintf(why, whylen, "expected %s=", f->key);
		return -1;
	}
	vlen = n - klen - 1;
	if (f->type != SSC_STR) {
		if (spool_sidecar_number(v, vlen, f, &x) != 0) {
			snprintf(why, whylen, "%s: not a number in %" PRId64 "..%" PRId64, f->key,
				 f->min, f->max);
			return -1;
		}
		spool_sidecar_set(sc, f, x);
		return 0;
	}
	if (vlen >= f->size) {
		snprintf(why, whylen, "%s: longer than %zu bytes", f->key, f->size - 1);
		return -1;
	}
	for (size_t i = 0; i < vlen; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(why, whylen, "%s: control character 0x%02x", f->key,
				 (unsigned)(unsigned char)v[i]);
			return -1;
		}
	}
	memcpy((char *)sc + f->off, v, vlen);
	((char *)sc + f->off)[vlen] = '\0';
	return 0;
}

/* The next line of buf[*pos..len) without its newline; -1 when there is no
 * newline left (a short file). */
static int spool_sidecar_next(const char *buf, size_t len, size_t *pos, const char **line,
			      size_t *n)
{
	const char *nl = memchr(buf + *pos, '\n', len - *pos);

	if (nl == NULL)
		return -1;
	*line = buf + *pos;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return 0;
}

/* The first line: the magic and a version this code reads (one digit). */
static int spool_sidecar_version(const char *line, size_t n, uint32_t *version)
{
	size_t m = strlen(SPOOL_SIDECAR_MAGIC);

	if (n != m + 1 || memcmp(line, SPOOL_SIDECAR_MAGIC, m) != 0 || line[m] < '1' ||
	    line[m] > '0' + SPOOL_SIDECAR_VERSION)
		return -1;
	*version = (uint32_t)(line[m] - '0');
	return 0;
}

int spool_sidecar_parse(const char *buf, size_t len, struct spool_sidecar *sc, char *err,
			size_t errlen)
{
	char why[FGW_MAX_ERROR_TEXT / 2] = "";
	const char *line;
	size_t pos = 0, n, lineno = 1;

	memset(sc, 0, sizeof(*sc));
	if (len > FGW_MAX_SIDECAR) {
		fgwx_reason(err, errlen, "sidecar of %zu bytes: more than %u", len,
				     (unsigned)FGW_MAX_SIDECAR);
		return -1;
	}
	if (spool_sidecar_next(buf, len, &pos, &line, &n) != 0 ||
	    spool_sidecar_version(line, n, &sc->version) != 0) {
		fgwx_reason(err, errlen, "sidecar line 1: not \"%s1\" .. \"%s%d\"",
				     SPOOL_SIDECAR_MAGIC, SPOOL_SIDECAR_MAGIC, SPOOL_SIDECAR_VERSION);
		memset(sc, 0, sizeof(*sc));
		return -1;
	}
	for (size_t i = 0; i < SPOOL_SIDECAR_NFIELDS && spool_sidecar_fields[i].since <= sc->version;
	     i++) {
		lineno++;
		if (spool_sidecar_next(buf, len, &pos, &line, &n) != 0) {
			snprintf(why, sizeof(why), "truncated (expected %s=)",
				 spool_sidecar_fields[i].key);
			goto fail;
		}
		if (spool_sidecar_line(line, n, &spool_sidecar_fields[i], sc, why, sizeof(why)) != 0)
			goto fail;
	}
	if (pos == len)
		return 0;
	lineno++;
	snprintf(why, sizeof(why), "data after the last field");
fail:
	memset(sc, 0, sizeof(*sc));
	fgwx_reason(err, errlen, "sidecar line %zu: %s", lineno, why);
	return -1;
}

/* --- files ---------------------------------------------------------------------------- */

static int spool_sidecar_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, buf, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

int spool_sidecar_write(const char *tif_path, const struct spool_sidecar *sc, char *err,
			size_t errlen)
{
	char path[FGW_MAX_PATH], tmp[FGW_MAX_PATH], text[FGW_MAX_SIDECAR + 1];
	size_t len;
	int fd, rc = -1;

	if (spool_sidecar_path(tif_path, path, sizeof(path)) != 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		fgwx_reason(err, errlen, "sidecar path of %s is too long", tif_path);
		return -1;
	}
	if (spool_sidecar_format(sc, text, sizeof(text), &len, err, errlen) != 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		fgwx_reason(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (spool_sidecar_write_all(fd, text, len) != 0 || fsync(fd) != 0)
		fgwx_reason(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
	else
		rc = 0;
	if (close(fd) != 0 && rc == 0) {
		fgwx_reason(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		fgwx_reason(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Up to cap + 1 bytes of fd into buf (a longer file shows as cap + 1). */
static ssize_t spool_sidecar_read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;

	while (got <= cap) {
		ssize_t k = read(fd, buf + got, cap + 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

int spool_sidecar_read(const char *tif_path, struct spool_sidecar *sc, int *found, char *err,
		       size_t errlen)
{
	char path[FGW_MAX_PATH], text[FGW_MAX_SIDECAR + 1];
	struct stat sb;
	ssize_t len;
	int fd;

	*found = 0;
	memset(sc, 0, sizeof(*sc));
	if (spool_sidecar_path(tif_path, path, sizeof(path)) != 0) {
		fgwx_reason(err, errlen, "sidecar path of %s is too long", tif_path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	*found = 1;
	if (fd < 0) {
		fgwx_reason(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fgwx_reason(err, errlen, "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	len = spool_sidecar_read_all(fd, text, FGW_MAX_SIDECAR);
	close(fd);
	if (len < 0) {
		fgwx_reason(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	return spool_sidecar_parse(text, (size_t)len, sc, err, errlen);
}

void spool_sidecar_remove(const char *tif_path)
{
	char path[FGW_MAX_PATH], tmp[FGW_MAX_PATH];

	if (spool_sidecar_path(tif_path, path, sizeof(path)) != 0)
		return;
	unlink(path);
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) < (int)sizeof(tmp))
		unlink(tmp);
}
