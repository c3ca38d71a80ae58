/*
 * cache_jobs.c - the rows of faxJobTable: the newest AGENT_JOB_MAX_ROWS
 * routing jobs (received faxes) of faxgwd, like the bounded call history
 * of CISCO-DIAL-CONTROL-MIB.
 *
 * They are read with fgw_enum_jobs_page(), newest first, and only as many
 * pages as it takes to fill the bound (faxgwd may send fewer jobs a page
 * than asked when their texts are long), never the whole history.  A
 * refresh happens on the main loop: when faxgwd's events say a job was
 * stored or routed (at most once every CACHE_JOBS_MIN_MS, however many
 * events come), and every CACHE_JOBS_REFRESH_SECS for changes no event
 * reports (a retry started by faxgwctl, history expiry).  GETs read the
 * container only.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "agent.h"

#define CACHE_JOBS_REFRESH_SECS 10 /* re-read although no event came */
#define CACHE_JOBS_MIN_MS 1000     /* at most one re-read per second */
#define CACHE_JOBS_MAX_PAGES 8     /* pages per re-read (each call bounded) */

static struct {
	netsnmp_container *rows;
	unsigned gen;
	size_t put;                      /* rows put since cache_jobs_begin() */
	int dirty;
	int unsupported;                 /* faxgwd does not know the call */
	uint64_t start_time;             /* faxgwStartTime it was found for */
	int64_t last_ms;                 /* last re-read, CLOCK_MONOTONIC */
} jobs;

static int64_t jobs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void jobs_copy(char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void jobs_free_row(void *row, void *ctx)
{
	(void)ctx;
	free(row);
}

int cache_jobs_init(void)
{
	if (jobs.rows == NULL) {
		jobs.rows = netsnmp_container_find("table_container");
		if (jobs.rows == NULL)
			return -1;
		jobs.rows->container_name = strdup("faxJobTable");
	}
	CONTAINER_CLEAR(jobs.rows, jobs_free_row, NULL);
	jobs.gen = 1;
	jobs.dirty = 1;
	jobs.unsupported = 0;
	jobs.last_ms = 0;
	return 0;
}

void cache_jobs_shutdown(void)
{
	/* The container stays registered with the table handler. */
	if (jobs.rows != NULL)
		CONTAINER_CLEAR(jobs.rows, jobs_free_row, NULL);
}

netsnmp_container *cache_job_container(void)
{
	return jobs.rows;
}

struct cache_job *cache_find_job(uint32_t id)
{
	oid o[1] = { id };
	netsnmp_index key = { .len = 1, .oids = o };

	return jobs.rows != NULL ? CONTAINER_FIND(jobs.rows, &key) : NULL;
}

void cache_jobs_event(const fgw_event *ev)
{
	switch (ev->type) {
	case FGW_EVENT_FAX_RECEIVED:
	case FGW_EVENT_ROUTING_SUCCEEDED:
	case FGW_EVENT_ROUTING_FAILED:
	case FGW_EVENT_ROUTING_DEAD_LETTERED:
		jobs.dirty = 1;
		cache_jobs_tick();       /* at most one re-read a second */
		break;
	case FGW_EVENT_RECEIVE_FAILED:
		if (ev->job_id != 0) {   /* a partial fax was kept */
			jobs.dirty = 1;
			cache_jobs_tick();
		}
		break;
	default:
		break;
	}
}

void cache_jobs_begin(void)
{
	jobs.gen++;
	jobs.put = 0;
}

static struct cache_job *jobs_row(uint32_t id)
{
	struct cache_job *j = cache_find_job(id);

	if (j != NULL)
		return j;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->idx_oid[0] = id;
	j->idx.oids = j->idx_oid;
	j->idx.len = 1;
	if (CONTAINER_INSERT(jobs.rows, j) != 0) {
		free(j);
		return NULL;
	}
	return j;
}

int cache_jobs_put(const fgw_job *in)
{
	struct cache_job *j;

	if (jobs.put >= AGENT_JOB_MAX_ROWS)
		return -1;
	if (in->id == 0 || in->id > UINT32_MAX || jobs.rows == NULL)
		return 0;                /* no faxJobIndex for it */
	j = jobs_row((uint32_t)in->id);
	if (j == NULL)
		return 0;
	jobs.put++;
	j->gen = jobs.gen;
	j->port_id = in->port_id;
	j->state = (int)in->state;
	jobs_copy(j->remote_ident, sizeof(j->remote_ident), in->remote_ident);
	j->pages = in->pages;
	j->partial = in->partial != 0;
	j->received_time = in->received_time;
	j->attempts = in->attempts;
	jobs_copy(j->last_error, sizeof(j->last_error), in->last_error);
	j->degraded_pages = in->degraded_pages;
	return jobs.put >= AGENT_JOB_MAX_ROWS ? -1 : 0;
}

struct jobs_stale {
	struct cache_job **rows;
	size_t n, cap;
};

static void jobs_collect(void *row, void *ctx)
{
	struct jobs_stale *s = ctx;
	struct cache_job *j = row;

	if (j->gen == jobs.gen)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct cache_job **r = realloc(s->rows, cap * sizeof(*r));

		if (r == NULL)
			return;
		s->rows = r;
		s->cap = cap;
	}
	s->rows[s->n++] = j;
}

void cache_jobs_end(int complete)
{
	struct jobs_stale s = { .n = 0 };

	if (!complete || jobs.rows == NULL)
		return;
	CONTAINER_FOR_EACH(jobs.rows, jobs_collect, &s);
	for (size_t i = 0; i < s.n; i++) {
		CONTAINER_REMOVE(jobs.rows, s.rows[i]);
		free(s.rows[i]);
	}
	free(s.rows);
}

/* One page from `cursor`: its jobs put; *next 0 when nothing is left or
 * the bound is reached. */
static int jobs_page(fgw_handle *server, uint64_t cursor, uint64_t *next)
{
	fgw_job *v = NULL;
	size_t n = 0;
	int rc = cache_budget();

	*next = 0;
	if (rc == 0)
		rc = fgw_enum_jobs_page(server, 0, cursor,
					(uint32_t)(AGENT_JOB_MAX_ROWS - jobs.put), &v, &n, next);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (cache_jobs_put(&v[i]) != 0) {
			*next = 0;
			break;
		}
	}
	fgw_free_buffer(v);
	return 0;
}

int cache_jobs_refresh(void)
{
	fgw_handle *server = cache_server();
	uint64_t cursor = 0, next = 0;
	int rc = 0, pages = 0;

	if (server == NULL)
		return FGW_E_CLOSED;
	jobs.last_ms = jobs_now_ms();
	cache_jobs_begin();
	do {
		rc = jobs_page(server, cursor, &next);
		cursor = next;
	} while (rc == 0 && next != 0 && ++pages < CACHE_JOBS_MAX_PAGES);
	/* Every page read: the rows not seen go (older than the bound, or
	 * expired).  Stopped after CACHE_JOBS_MAX_PAGES short pages, the
	 * table holds the newest jobs those pages had: fewer than the bound,
	 * never more.  A failed call changes nothing (the rows go stale). */
	cache_jobs_end(rc == 0);
	jobs.dirty = rc != 0;
	if (rc == FGW_E_PROTOCOL) {
		/* An older faxgwd: it closes the connection on an unknown
		 * request, so the call is not made again on this one. */
		jobs.unsupported = 1;
		jobs.start_time = cache_gateway()->start_time;
		agent_log(LOG_WARNING, "faxgwd does not list jobs by page: faxJobTable stays "
			  "empty until it is upgraded");
	}
	if (rc != 0 && !cache_check_lost(rc))
		agent_log(LOG_WARNING, "cannot read the jobs: %s: %s", fgw_strerror(rc),
			  fgw_last_error_message(server));
	return rc;
}

void cache_jobs_tick(void)
{
	int64_t now = jobs_now_ms();

	if (jobs.unsupported && cache_gateway()->start_time != jobs.start_time) {
		jobs.unsupported = 0;    /* another faxgwd: perhaps a newer one */
		jobs.dirty = 1;
	}
	if (jobs.unsupported || cache_server() == NULL)
		return;
	if (now - jobs.last_ms < CACHE_JOBS_MIN_MS)
		return;
	if (jobs.dirty || now - jobs.last_ms >= CACHE_JOBS_REFRESH_SECS * 1000)
		cache_jobs_refresh();
}
