/*
 * spool.c - received faxes on disk: commit, moves, recovery (spool.h).
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tiffio.h>

#include "fgwx_buf.h"
#include "log.h"
#include "spool_sidecar.h"
#include "state.h"

static int spool_fmt(char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int spool_fmt(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* --- paths ------------------------------------------------------------------ */

int spool_init(const char *spool, char *err, size_t errlen)
{
	char p[FGW_MAX_PATH];
	const char *sub[] = { "", "/tmp", "/failed", "/done" };

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (spool_fmt(p, sizeof(p), "%s%s", spool, sub[i]) != 0) {
			fgwx_reason(err, errlen, "spool path %s is too long", spool);
			return -1;
		}
		if (mkdir(p, 0750) != 0 && errno != EEXIST) {
			fgwx_reason(err, errlen, "cannot create %s: %s", p, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int spool_tmp_path(const char *spool, uint32_t port_id, char *out, size_t outlen)
{
	/* Media threads start calls concurrently: the name stays unique. */
	static _Atomic unsigned counter;
	unsigned n = ++counter;

	return spool_fmt(out, outlen, "%s/tmp/P%" PRIu32 "-%lld-%ld-%u.tif", spool, port_id,
			 (long long)time(NULL), (long)getpid(), n);
}

int spool_job_path(const char *spool, uint64_t job_id, char *out, size_t outlen)
{
	return spool_fmt(out, outlen, "%s/%" PRIu64 ".tif", spool, job_id);
}

int spool_done_path(const char *spool, uint64_t job_id, char *out, size_t outlen)
{
	return spool_fmt(out, outlen, "%s/done/%" PRIu64 ".tif", spool, job_id);
}

int spool_failed_path(const char *spool, uint64_t job_id, char *out, size_t outlen)
{
	return spool_fmt(out, outlen, "%s/failed/%" PRIu64 ".tif", spool, job_id);
}

/* --- durability ---------------------------------------------------------------- */

int spool_fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int spool_fsync_dir_of(const char *path)
{
	char dir[FGW_MAX_PATH];
	char *slash;

	if (spool_fmt(dir, sizeof(dir), "%s", path) != 0)
		return -1;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return spool_fsync_path(".");
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return spool_fsync_path(dir);
}

static int spool_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int spool_move(struct state_job *j, const char *to, char *err, size_t errlen)
{
	if (strcmp(j->path, to) == 0)
		return 0;
	if (rename(j->path, to) != 0) {
		fgwx_reason(err, errlen, "cannot move %s to %s: %s", j->path, to,
			     strerror(errno));
		return -1;
	}
	spool_fsync_dir_of(to);
	spool_fsync_dir_of(j->path);
	snprintf(j->path, sizeof(j->path), "%s", to);
	return 0;
}

int spool_locate(const char *spool, struct state_job *j)
{
	char p[FGW_MAX_PATH];

	if (j->path[0] != '\0' && spool_exists(j->path))
		return 0;
	if (spool_job_path(spool, j->id, p, sizeof(p)) == 0 && spool_exists(p)) {
		snprintf(j->path, sizeof(j->path), "%s", p);
		return 0;
	}
	if (spool_failed_path(spool, j->id, p, sizeof(p)) == 0 && spool_exists(p)) {
		snprintf(j->path, sizeof(j->path), "%s", p);
		return 0;
	}
	return -1;
}

/* --- metadata text --------------------------------------------------------------- */

/* Appends "key=value\n" with control characters in value replaced. */
static void spool_meta_put(char *out, size_t outlen, size_t *o, const char *key,
			   const char *value)
{
	int n = snprintf(out + *o, outlen - *o, "%s=", key);

	if (n < 0 || (size_t)n >= outlen - *o)
		return;
	*o += (size_t)n;
	for (const char *v = value; *v != '\0' && *o + 2 < outlen; v++)
		out[(*o)++] = (unsigned char)*v < 0x20 || *v == 0x7f ? ' ' : *v;
	out[(*o)++] = '\n';
	out[*o] = '\0';
}

static void spool_meta_num(char *out, size_t outlen, size_t *o, const char *key, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)v);
	spool_meta_put(out, outlen, o, key, num);
}

void spool_meta_format(const struct spool_fax *f, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	spool_meta_num(out, outlen, &o, "port_id", f->port_id);
	spool_meta_put(out, outlen, &o, "port_name", f->port_name);
	spool_meta_put(out, outlen, &o, "remote_ident", f->remote_ident);
	spool_meta_put(out, outlen, &o, "local_ident", f->local_ident);
	spool_meta_put(out, outlen, &o, "caller", f->caller);
	spool_meta_num(out, outlen, &o, "start_time", f->start_time);
	spool_meta_num(out, outlen, &o, "end_time", f->end_time);
	spool_meta_num(out, outlen, &o, "pages", f->pages);
	spool_meta_num(out, outlen, &o, "x_res", f->x_res);
	spool_meta_num(out, outlen, &o, "y_res", f->y_res);
	spool_meta_num(out, outlen, &o, "bit_rate", f->bit_rate);
	spool_meta_num(out, outlen, &o, "ecm", f->ecm);
	spool_meta_num(out, outlen, &o, "t30_status", f->t30_status);
	spool_meta_put(out, outlen, &o, "t30_text", f->t30_text);
	spool_meta_num(out, outlen, &o, "partial", f->partial);
	spool_meta_num(out, outlen, &o, "degraded_pages", f->degraded_pages);
	spool_meta_num(out, outlen, &o, "bad_rows", f->bad_rows);
	spool_meta_num(out, outlen, &o, "longest_bad_run", f->longest_bad_run);
	spool_meta_put(out, outlen, &o, "degraded_list", f->degraded_list);
	spool_meta_put(out, outlen, &o, "degraded_detail", f->degraded_detail);
}

static void spool_meta_field(struct spool_fax *f, const char *key, size_t keylen,
			     const char *val, size_t vlen)
{
	struct { const char *k; char *dst; size_t n; } strs[] = {
		{ "port_name", f->port_name, sizeof(f->port_name) },
		{ "remote_ident", f->remote_ident, sizeof(f->remote_ident) },
		{ "local_ident", f->local_ident, sizeof(f->local_ident) },
		{ "caller", f->caller, sizeof(f->caller) },
		{ "t30_text", f->t30_text, sizeof(f->t30_text) },
		{ "degraded_list", f->degraded_list, sizeof(f->degraded_list) },
		{ "degraded_detail", f->degraded_detail, sizeof(f->degraded_detail) },
	};
	char num[24];
	long long v;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strlen(strs[i].k) == keylen && memcmp(strs[i].k, key, keylen) == 0) {
			size_t n = vlen < strs[i].n - 1 ? vlen : strs[i].n - 1;
			memcpy(strs[i].dst, val, n);
			strs[i].dst[n] = '\0';
			return;
		}
	}
	if (vlen == 0 || vlen >= sizeof(num))
		return;
	memcpy(num, val, vlen);
	num[vlen] = '\0';
	v = strtoll(num, NULL, 10);
#define SPOOL_NUM(name, field, type) \
	if (keylen == strlen(name) && memcmp(key, name, keylen) == 0) { f->field = (type)v; return; }
	SPOOL_NUM("port_id", port_id, uint32_t)
	SPOOL_NUM("start_time", start_time, int64_t)
	SPOOL_NUM("end_time", end_time, int64_t)
	SPOOL_NUM("pages", pages, uint32_t)
	SPOOL_NUM("x_res", x_res, uint32_t)
	SPOOL_NUM("y_res", y_res, uint32_t)
	SPOOL_NUM("bit_rate", bit_rate, uint32_t)
	SPOOL_NUM("ecm", ecm, int)
	SPOOL_NUM("t30_status", t30_status, int)
	SPOOL_NUM("partial", partial, int)
	SPOOL_NUM("degraded_pages", degraded_pages, uint32_t)
	SPOOL_NUM("bad_rows", bad_rows, uint32_t)
	SPOOL_NUM("longest_bad_run", longest_bad_run, uint32_t)
#undef SPOOL_NUM
}

void spool_meta_parse(const char *text, struct spool_fax *f)
{
	const char *p = text;

	memset(f, 0, sizeof(*f));
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		const char *end = nl != NULL ? nl : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq != NULL)
			spool_meta_field(f, p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1));
		p = nl != NULL ? nl + 1 : end;
	}
}

/* --- TIFF ---------------------------------------------------------------------- */

static void spool_tiff_quiet(const char *module, const char *fmt, va_list ap)
{
	(void)module;
	(void)fmt;
	(void)ap;
}

int spool_tiff_pages(const char *path)
{
	TIFFErrorHandler old_err = TIFFSetErrorHandler(spool_tiff_quiet);
	TIFFErrorHandler old_warn = TIFFSetWarningHandler(spool_tiff_quiet);
	TIFF *t = TIFFOpen(path, "r");
	int pages = 0;

	if (t != NULL) {
		do {
			uint32_t w = 0, h = 0;
			if (TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) == 1 &&
			    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h) == 1 && w > 0 && h > 0)
				pages++;
		} while (pages < 100000 && TIFFReadDirectory(t) == 1);
		TIFFClose(t);
	}
	TIFFSetErrorHandler(old_err);
	TIFFSetWarningHandler(old_warn);
	return pages;
}

/* --- commit ---------------------------------------------------------------------- */

/* The rows of one new job in the open transaction: the job (naming path),
 * its methods, and with count the port's received counters. */
static int spool_insert_rows(struct state *st, const char *path, const struct spool_fax *fax,
			     const char (*guids)[FGW_GUID_LEN + 1], size_t n, const char *why,
			     bool count, uint64_t *job_id, char *err, size_t errlen)
{
	struct state_job *j = calloc(1, sizeof(*j));
	int rc = -1;

	if (j == NULL) {
		fgwx_reason(err, errlen, "out of memory");
		return -1;
	}
	j->port_id = fax->port_id;
	j->state = n > 0 ? FGW_JOB_PENDING : FGW_JOB_UNROUTED;
	j->received_time = fax->end_time > 0 ? (uint64_t)fax->end_time : (uint64_t)time(NULL);
	j->pages = fax->pages;
	j->partial = fax->partial;
	j->degraded_pages = fax->degraded_pages;
	j->bad_rows = fax->bad_rows;
	j->longest_bad_run = fax->longest_bad_run;
	snprintf(j->degraded_list, sizeof(j->degraded_list), "%s", fax->degraded_list);
	snprintf(j->sip_call_id, sizeof(j->sip_call_id), "%s", fax->sip_call_id);
	snprintf(j->sip_from, sizeof(j->sip_from), "%s", fax->sip_from);
	snprintf(j->sip_to, sizeof(j->sip_to), "%s", fax->sip_to);
	snprintf(j->sip_user_agent, sizeof(j->sip_user_agent), "%s", fax->sip_user_agent);
	snprintf(j->transport, sizeof(j->transport), "%s", fax->transport);
	snprintf(j->remote_ident, sizeof(j->remote_ident), "%s", fax->remote_ident);
	snprintf(j->path, sizeof(j->path), "%s", path);
	snprintf(j->last_error, sizeof(j->last_error), "%s",
		 n > 0 ? "" : (why != NULL ? why : "no routing method enabled on the port"));
	spool_meta_format(fax, j->meta, sizeof(j->meta));
	if (state_job_insert(st, j, job_id, err, errlen) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (state_job_method_add(st, *job_id, guids[i], err, errlen) != 0)
			goto out;
	if (count && state_count_received(st, fax->port_id, fax->pages, fax->remote_ident, err,
					  errlen) != 0)
		goto out;
	rc = 0;
out:
	free(j);
	return rc;
}

/* Recovery: a job's tmp file -> <id>.tif and the path in the job. */
static int spool_place(struct state *st, const char *spool, uint64_t job_id, char *err,
		       size_t errlen)
{
	struct state_job *j = calloc(1, sizeof(*j));
	char to[FGW_MAX_PATH];
	int found = 0, rc = -1;

	if (j == NULL) {
		fgwx_reason(err, errlen, "out of memory");
		return -1;
	}
	if (state_job_get(st, job_id, j, &found, err, errlen) != 0 || !found)
		goto out;
	if (spool_job_path(spool, job_id, to, sizeof(to)) != 0) {
		fgwx_reason(err, errlen, "spool path too long");
		goto out;
	}
	if (spool_locate(spool, j) != 0) {
		fgwx_reason(err, errlen, "job %" PRIu64 ": file %s is missing", job_id, j->path);
		goto out;
	}
	if (strstr(j->path, "/failed/") == NULL && spool_move(j, to, err, errlen) != 0)
		goto out;
	/* The new path need not be durable: after a crash spool_locate()
	 * finds the file where the rename put it. */
	rc = state_job_update_relaxed(st, j, err, errlen);
out:
	free(j);
	return rc;
}

/* One new job in a transaction of its own (count: as spool_insert_rows). */
static int spool_insert(struct state *st, const char *path, const struct spool_fax *fax,
			const char (*guids)[FGW_GUID_LEN + 1], size_t n, const char *why,
			bool count, uint64_t *job_id, char *err, size_t errlen)
{
	if (state_begin(st, err, errlen) != 0)
		return -1;
	if (spool_insert_rows(st, path, fax, guids, n, why, count, job_id, err, errlen) != 0) {
		state_rollback(st);
		*job_id = 0;
		return -1;
	}
	return state_commit(st, err, errlen);
}

/* All jobs of the group in one transaction; on failure, each on its own.
 * Only the faxes with synced[i] take part. */
static void spool_group_insert(struct state *st, struct spool_commit *c, const bool *synced,
			       size_t n)
{
	char err[FGW_MAX_ERROR_TEXT];
	bool ok = state_begin(st, err, sizeof(err)) == 0;

	for (size_t i = 0; ok && i < n; i++)
		if (synced[i] &&
		    spool_insert_rows(st, c[i].tmp_path, c[i].fax, c[i].guids, c[i].n, NULL, true,
				      &c[i].job_id, c[i].err, sizeof(c[i].err)) != 0)
			ok = false;
	if (ok && state_commit(st, err, sizeof(err)) == 0)
		return;
	state_rollback(st);      /* safe when the commit already rolled back */
	for (size_t i = 0; i < n; i++) {
		c[i].job_id = 0;
		if (!synced[i])
			continue;
		c[i].err[0] = '\0';
		spool_insert(st, c[i].tmp_path, c[i].fax, c[i].guids, c[i].n, NULL, true,
			     &c[i].job_id, c[i].err, sizeof(c[i].err));
	}
}

/* Second step: each committed tmp file becomes <job id>.tif; both
 * directories are fsynced once; the new paths are written without an
 * fsync of their own (spool_locate() finds a file either way). */
static void spool_group_place(struct state *st, const char *spool, struct spool_commit *c,
			      size_t n)
{
	char to[FGW_MAX_PATH], err[FGW_MAX_ERROR_TEXT];
	bool moved = false, tx;

	for (size_t i = 0; i < n; i++) {
		if (c[i].job_id == 0 || spool_job_path(spool, c[i].job_id, to, sizeof(to)) != 0)
			continue;
		if (rename(c[i].tmp_path, to) != 0)
			log_warn("job %" PRIu64 " committed but not moved into place: %s", c[i].job_id,
				 strerror(errno));
		else
			moved = true;
	}
	if (!moved)
		return;
	spool_fsync_path(spool);
	spool_fsync_dir_of(c[0].tmp_path);
	state_relaxed(st, true);
	tx = state_begin(st, err, sizeof(err)) == 0;
	for (size_t i = 0; tx && i < n; i++) {
		struct state_job j;
		int found = 0;
		if (c[i].job_id == 0 ||
		    state_job_get(st, c[i].job_id, &j, &found, err, sizeof(err)) != 0 || !found ||
		    spool_locate(spool, &j) != 0)
			continue;
		state_job_update(st, &j, err, sizeof(err));
	}
	if (tx && state_commit(st, err, sizeof(err)) != 0)
		log_warn("spool: moved paths not recorded (found again when needed): %s", err);
	state_relaxed(st, false);
}

size_t spool_commit_group(struct state *st, const char *spool, struct spool_commit *c,
			  size_t n)
{
	bool *synced = calloc(n > 0 ? n : 1, sizeof(*synced));
	size_t done = 0, nsynced = 0;

	for (size_t i = 0; i < n; i++) {
		c[i].job_id = 0;
		fgwx_reason(c[i].err, sizeof(c[i].err), "%s", synced ? "" : "out of memory");
		if (synced == NULL)
			continue;
		if (spool_fsync_path(c[i].tmp_path) != 0)
			fgwx_reason(c[i].err, sizeof(c[i].err), "cannot fsync %s: %s",
				     c[i].tmp_path, strerror(errno));
		else
			synced[i] = true;
		nsynced += synced[i];
	}
	if (nsynced == 0) {
		free(synced);
		return 0;
	}
	spool_fsync_dir_of(c[0].tmp_path);   /* every tmp file is in spool/tmp/ */
	spool_group_insert(st, c, synced, n);
	free(synced);
	/* The jobs are durable from here on; a failure below is finished by
	 * recovery or by spool_locate(). */
	spool_group_place(st, spool, c, n);
	for (size_t i = 0; i < n; i++) {
		done += c[i].job_id != 0;
		if (c[i].job_id != 0)      /* the job holds the metadata now */
			spool_sidecar_remove(c[i].tmp_path);
	}
	return done;
}

int spool_commit(struct state *st, const char *spool, const char *tmp_path,
		 const struct spool_fax *fax, const char (*guids)[FGW_GUID_LEN + 1], size_t n,
		 uint64_t *job_id, char *err, size_t errlen)
{
	struct spool_commit *c = calloc(1, sizeof(*c));

	*job_id = 0;
	if (c == NULL) {
		fgwx_reason(err, errlen, "out of memory");
		return -1;
	}
	c->tmp_path = tmp_path;
	c->fax = fax;
	c->guids = guids;
	c->n = n;
	spool_commit_group(st, spool, c, 1);
	*job_id = c->job_id;
	if (c->job_id == 0)
		fgwx_reason(err, errlen, "%s", c->err);
	free(c);
	return *job_id != 0 ? 0 : -1;
}

/* --- recovery ------------------------------------------------------------------- */

static int spool_is_tif(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".tif") == 0;
}

/* The metadata of a tmp file with no job: from its sidecar when there is
 * a valid one for the port its name says (*count: counted as received,
 * like a live commit), else what the name tells (partial, not counted). */
static void spool_recover_fax(const char *path, const char *name, int pages,
			      struct spool_fax *fax, bool *count)
{
	char err[FGW_MAX_ERROR_TEXT] = "";
	struct spool_sidecar *sc = calloc(1, sizeof(*sc));
	uint32_t port_id = 0;
	int64_t t = 0;
	int found = 0;

	if (sscanf(name, "P%" SCNu32 "-%" SCNd64, &port_id, &t) != 2)
		port_id = 0;
	*count = false;
	if (sc == NULL)
		log_err("recovery: %s: out of memory for its sidecar", path);
	else if (spool_sidecar_read(path, sc, &found, err, sizeof(err)) != 0)
		log_warn("recovery: %s: sidecar ignored: %s", path, err);
	else if (found && sc->port_id != port_id)
		log_warn("recovery: %s: sidecar ignored: port %" PRIu32 " is not the file's",
			 path, sc->port_id);
	else if (found)
		*count = true;
	if (*count) {
		spool_fax_from_sidecar(sc, pages, fax);
		free(sc);
		return;
	}
	free(sc);
	memset(fax, 0, sizeof(*fax));
	fax->port_id = port_id;
	fax->start_time = fax->end_time = t;
	fax->pages = (uint32_t)pages;
	fax->partial = 1;
	snprintf(fax->t30_text, sizeof(fax->t30_text), "reception interrupted (faxgwd restarted)");
}

static void spool_recover_tmp_file(struct state *st, const char *spool, const char *path,
				   const char *name, spool_methods_fn methods_fn, void *arg,
				   struct spool_recovery *rec)
{
	char guids[FGW_MAX_METHODS][FGW_GUID_LEN + 1];
	char err[FGW_MAX_ERROR_TEXT] = "";
	struct spool_fax fax;
	uint64_t id = 0;
	size_t n = 0;
	int found = 0, pages;
	bool count;

	if (state_job_by_path(st, path, &id, &found, err, sizeof(err)) != 0) {
		log_err("recovery: %s", err);
		return;
	}
	if (found) {
		if (spool_place(st, spool, id, err, sizeof(err)) == 0)
			rec->tmp_moved++;
		else
			log_err("recovery: job %" PRIu64 ": %s", id, err);
		spool_sidecar_remove(path);
		return;
	}
	pages = spool_tiff_pages(path);
	if (pages <= 0) {
		unlink(path);
		spool_sidecar_remove(path);
		rec->tmp_removed++;
		return;
	}
	spool_recover_fax(path, name, pages, &fax, &count);
	if (fax.port_id != 0 && methods_fn != NULL &&
	    methods_fn(arg, fax.port_id, guids, FGW_MAX_METHODS, &n) != 0)
		n = 0;
	if (spool_insert(st, path, &fax, guids, n, NULL, count, &id, err, sizeof(err)) != 0 ||
	    spool_place(st, spool, id, err, sizeof(err)) != 0) {
		log_err("recovery: %s: %s", path, err);
		return;
	}
	spool_sidecar_remove(path);
	rec->tmp_jobs++;
	rec->tmp_with_meta += count;
	rec->tmp_complete += !fax.partial;
	log_notice("recovery: %s: %d page(s) kept as %s fax%s, job %" PRIu64, path, pages,
		   fax.partial ? "partial" : "complete", count ? " (metadata from its sidecar)" : "",
		   id);
}

/* spandsp's own file of a call cut short (NAME.tif.t4rx, fax_session.h):
 * it never holds a page. */
static bool spool_recover_t4(const char *dir, const char *name, struct spool_recovery *rec)
{
	char path[FGW_MAX_PATH];
	size_t n = strlen(name);

	if (n <= 5 || strcmp(name + n - 5, ".t4rx") != 0)
		return false;
	if (spool_fmt(path, sizeof(path), "%s/%s", dir, name) == 0 && unlink(path) == 0)
		rec->tmp_removed++;
	return true;
}

/* A sidecar (NAME.meta, NAME.meta.new) whose NAME.tif is gone: removed. */
static void spool_recover_sidecar(const char *dir, const char *name, struct spool_recovery *rec)
{
	char path[FGW_MAX_PATH], tif[FGW_MAX_PATH];
	const char *ext = strstr(name, ".meta");
	size_t base = ext != NULL ? (size_t)(ext - name) : 0;

	if (spool_recover_t4(dir, name, rec))
		return;
	if (ext == NULL || base == 0 || (strcmp(ext, ".meta") != 0 && strcmp(ext, ".meta.new") != 0) ||
	    spool_fmt(path, sizeof(path), "%s/%s", dir, name) != 0 ||
	    spool_fmt(tif, sizeof(tif), "%s/%.*s.tif", dir, (int)base, name) != 0 ||
	    spool_exists(tif))
		return;
	if (unlink(path) == 0)
		rec->sidecars_removed++;
}

static int spool_recover_tmp(struct state *st, const char *spool, spool_methods_fn methods_fn,
			     void *arg, struct spool_recovery *rec, char *err, size_t errlen)
{
	char dir[FGW_MAX_PATH], path[FGW_MAX_PATH];
	struct dirent *de;
	DIR *d;

	if (spool_fmt(dir, sizeof(dir), "%s/tmp", spool) != 0 || (d = opendir(dir)) == NULL) {
		fgwx_reason(err, errlen, "cannot read %s/tmp: %s", spool, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!spool_is_tif(de->d_name)) {
			spool_recover_sidecar(dir, de->d_name, rec);
			continue;
		}
		if (spool_fmt(path, sizeof(path), "%s/%s", dir, de->d_name) != 0)
			continue;
		spool_recover_tmp_file(st, spool, path, de->d_name, methods_fn, arg, rec);
	}
	closedir(d);
	return 0;
}

/* The file of a job recorded done: faxgwd stopped between the state
 * change and the unlink (jobs_done writes the state first). */
static void spool_recover_done_file(struct state *st, const char *path, uint64_t id,
				    struct spool_recovery *rec)
{
	struct state_job *j = calloc(1, sizeof(*j));
	char err[FGW_MAX_ERROR_TEXT] = "";
	int found = 0;

	if (j != NULL && state_job_get(st, id, j, &found, err, sizeof(err)) == 0 && found &&
	    j->state == FGW_JOB_DONE) {
		if (unlink(path) == 0) {
			spool_fsync_dir_of(path);
			rec->done_removed++;
			log_notice("recovery: job %" PRIu64 " was routed: %s removed", id, path);
		} else {
			log_warn("recovery: job %" PRIu64 " was routed: cannot remove %s: %s", id,
				 path, strerror(errno));
		}
	}
	free(j);
}

static void spool_recover_orphan(struct state *st, const char *path,
				 const char *name, const char *sub, struct spool_recovery *rec)
{
	char err[FGW_MAX_ERROR_TEXT] = "";
	struct state_job *j;
	struct spool_fax fax;
	uint64_t id = 0, named = 0;
	int found = 0;
	char tail[8] = "";

	if (state_job_by_path(st, path, &id, &found, err, sizeof(err)) != 0)
		return;
	if (found) {
		spool_recover_done_file(st, path, id, rec);
		return;
	}
	/* <id>.tif of a job whose path still names its tmp file (a crash between
	 * the move and the path update): fix the path. */
	if (sscanf(name, "%" SCNu64 "%7s", &named, tail) == 2 && strcmp(tail, ".tif") == 0 &&
	    (j = calloc(1, sizeof(*j))) != NULL) {
		if (state_job_get(st, named, j, &found, err, sizeof(err)) == 0 && found &&
		    j->state == FGW_JOB_DONE && !spool_exists(j->path)) {
			/* Routed, recorded with its spool/done/ path, and the
			 * move did not happen: no longer kept. */
			free(j);
			spool_recover_done_file(st, path, named, rec);
			return;
		}
		if (found && !spool_exists(j->path)) {
			snprintf(j->path, sizeof(j->path), "%s", path);
			state_job_update(st, j, err, sizeof(err));
			free(j);
			return;
		}
		free(j);
	}
	memset(&fax, 0, sizeof(fax));
	fax.pages = (uint32_t)spool_tiff_pages(path);
	fax.end_time = fax.start_time = (int64_t)time(NULL);
	snprintf(fax.t30_text, sizeof(fax.t30_text), "found in the spool without a job");
	if (spool_insert(st, path, &fax, NULL, 0, "found in the spool without a job (port unknown)",
			 false, &id, err, sizeof(err)) != 0) {
		log_err("recovery: %s: %s", path, err);
		return;
	}
	rec->orphans++;
	log_warn("recovery: %s%s had no job: kept as unrouted job %" PRIu64, sub, name, id);
}

static int spool_recover_orphans(struct state *st, const char *spool, const char *sub,
				 struct spool_recovery *rec, char *err, size_t errlen)
{
	char dir[FGW_MAX_PATH], path[FGW_MAX_PATH];
	struct dirent *de;
	DIR *d;

	if (spool_fmt(dir, sizeof(dir), "%s/%s", spool, sub) != 0 || (d = opendir(dir)) == NULL) {
		fgwx_reason(err, errlen, "cannot read %s/%s: %s", spool, sub, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!spool_is_tif(de->d_name) ||
		    spool_fmt(path, sizeof(path), "%s/%s%s", spool, sub, de->d_name) != 0 ||
		    !spool_exists(path))
			continue;
		spool_recover_orphan(st, path, de->d_name, sub, rec);
	}
	closedir(d);
	return 0;
}

int spool_recover(struct state *st, const char *spool, spool_methods_fn methods_fn, void *arg,
		  struct spool_recovery *rec, char *err, size_t errlen)
{
	memset(rec, 0, sizeof(*rec));
	if (spool_init(spool, err, errlen) != 0 || state_jobs_reset_routing(st, err, errlen) != 0)
		return -1;
	rec->routing_reset = 1;
	if (spool_recover_tmp(st, spool, methods_fn, arg, rec, err, errlen) != 0 ||
	    spool_recover_orphans(st, spool, "", rec, err, errlen) != 0 ||
	    spool_recover_orphans(st, spool, "failed/", rec, err, errlen) != 0)
		return -1;
	return 0;
}

/* --- call metadata and its sidecar record ----------------------------------------------------------------------------- */

void spool_fax_to_sidecar(const struct spool_fax *fax, bool end_of_document, bool t30_done,
			  struct spool_sidecar *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->port_id = fax->port_id;
	snprintf(sc->port_name, sizeof(sc->port_name), "%s", fax->port_name);
	snprintf(sc->local_ident, sizeof(sc->local_ident), "%s", fax->local_ident);
	snprintf(sc->remote_ident, sizeof(sc->remote_ident), "%s", fax->remote_ident);
	snprintf(sc->caller, sizeof(sc->caller), "%s", fax->caller);
	sc->start_time = fax->start_time;
	sc->update_time = fax->end_time;
	sc->pages = fax->pages;
	sc->x_res = fax->x_res;
	sc->y_res = fax->y_res;
	sc->bit_rate = fax->bit_rate;
	sc->ecm = fax->ecm != 0;
	sc->end_of_document = end_of_document;
	sc->t30_done = t30_done;
	if (t30_done) {
		sc->t30_status = fax->t30_status;
		snprintf(sc->t30_text, sizeof(sc->t30_text), "%s", fax->t30_text);
	}
	sc->version = SPOOL_SIDECAR_VERSION;
	sc->degraded_pages = fax->degraded_pages;
	sc->bad_rows = fax->bad_rows;
	sc->longest_bad_run = fax->longest_bad_run;
	snprintf(sc->degraded_list, sizeof(sc->degraded_list), "%s", fax->degraded_list);
	snprintf(sc->degraded_detail, sizeof(sc->degraded_detail), "%s", fax->degraded_detail);
	snprintf(sc->sip_call_id, sizeof(sc->sip_call_id), "%s", fax->sip_call_id);
	snprintf(sc->sip_from, sizeof(sc->sip_from), "%s", fax->sip_from);
	snprintf(sc->sip_to, sizeof(sc->sip_to), "%s", fax->sip_to);
	snprintf(sc->sip_user_agent, sizeof(sc->sip_user_agent), "%s", fax->sip_user_agent);
	snprintf(sc->transport, sizeof(sc->transport), "%s", fax->transport);
}

void spool_fax_from_sidecar(const struct spool_sidecar *sc, int tiff_pages, struct spool_fax *fax)
{
	uint32_t in_file = tiff_pages > 0 ? (uint32_t)tiff_pages : 0;
	bool ended = sc->t30_done ? sc->t30_status == 0 : sc->end_of_document;
	bool complete = ended && sc->pages > 0 && in_file == sc->pages;

	memset(fax, 0, sizeof(*fax));
	fax->port_id = sc->port_id;
	snprintf(fax->port_name, sizeof(fax->port_name), "%s", sc->port_name);
	snprintf(fax->remote_ident, sizeof(fax->remote_ident), "%s", sc->remote_ident);
	snprintf(fax->local_ident, sizeof(fax->local_ident), "%s", sc->local_ident);
	snprintf(fax->caller, sizeof(fax->caller), "%s", sc->caller);
	fax->start_time = sc->start_time;
	fax->end_time = sc->update_time;
	fax->pages = in_file;
	fax->x_res = sc->x_res;
	fax->y_res = sc->y_res;
	fax->bit_rate = sc->bit_rate;
	fax->ecm = sc->ecm;
	fax->partial = !complete;
	fax->degraded_pages = sc->degraded_pages;
	fax->bad_rows = sc->bad_rows;
	fax->longest_bad_run = sc->longest_bad_run;
	snprintf(fax->degraded_list, sizeof(fax->degraded_list), "%s", sc->degraded_list);
	snprintf(fax->degraded_detail, sizeof(fax->degraded_detail), "%s", sc->degraded_detail);
	snprintf(fax->sip_call_id, sizeof(fax->sip_call_id), "%s", sc->sip_call_id);
	snprintf(fax->sip_from, sizeof(fax->sip_from), "%s", sc->sip_from);
	snprintf(fax->sip_to, sizeof(fax->sip_to), "%s", sc->sip_to);
	snprintf(fax->sip_user_agent, sizeof(fax->sip_user_agent), "%s", sc->sip_user_agent);
	snprintf(fax->transport, sizeof(fax->transport), "%s", sc->transport);
	if (sc->t30_done && (sc->t30_status != 0 || complete)) {
		fax->t30_status = sc->t30_status;
		snprintf(fax->t30_text, sizeof(fax->t30_text), "%s", sc->t30_text);
	} else if (complete) {
		snprintf(fax->t30_text, sizeof(fax->t30_text), "every page confirmed, end of "
			 "document (recovered: faxgwd stopped before the commit)");
	} else {
		snprintf(fax->t30_text, sizeof(fax->t30_text), "reception interrupted (faxgwd "
			 "restarted): %" PRIu32 " page(s) confirmed, %" PRIu32 " in the file%s",
			 sc->pages, in_file, ended ? " (end of document)" : "");
	}
}
