/*
 * cache_jobs.c - the rows of faxJobTable: the newest AGENT_JOB_MAX_ROWS
 * jobs of faxgwd, routing jobs (received faxes) and send jobs alike, like
 * the bounded call history of CISCO-DIAL-CONTROL-MIB.
 *
 * They are read with fgw_enum_jobs_page(), newest first, and only as many
 * pages as it takes to fill the bound (faxgwd may send fewer jobs a page
 * than asked when their texts are long), never the whole history.  A
 * refresh happens on the main loop: when faxgwd's events say a job was
 * stored, routed, queued, dialled, sent or failed (at most once every
 * CACHE_JOBS_MIN_MS, however many events come), and every
 * CACHE_JOBS_REFRESH_SECS for changes no event reports (a retry started
 * by faxgwctl, a cancelled send, history expiry).  GETs read the
 * container only.  One job is read at once, alone, when it failed to be
 * sent for good: faxSendFailed takes its destination from its row.
 *
 * The listing does not carry a job's call (remote address, bit rate, ECM,
 * T.30 result, start and end; a sent fax's document pages, SIP answer and
 * submitter): those come from fgw_get_job(), one call per job, made once
 * for each received fax the agent has not seen (what its call was never
 * changes), and for a send job again whenever the listing shows another
 * state or number of attempts (its last attempt's call), at most
 * AGENT_JOB_DETAILS_PER_PASS a pass, newest first.  A pass follows each
 * re-read, and another one each second while rows still wait, so a full
 * table is filled in seconds without a re-read ever taking long.  Until
 * then a new row's columns about its call read as zero/empty (a send
 * job's earlier ones stay until its new ones come).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "agent.h"
#include "fgwx_number.h"

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
	int details_unsupported;         /* faxgwd does not know fgw_get_job */
	uint64_t details_start_time;     /* faxgwStartTime it was found for */
	int64_t details_ms;              /* last details pass */
	size_t undetailed;               /* rows waiting, after that pass */
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
	jobs.details_unsupported = 0;
	jobs.details_ms = 0;
	jobs.undetailed = 0;
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
	case FGW_EVENT_SEND_FAILED:
		/* Failed for good: faxSendFailed follows and needs the row
		 * (its destination) now, whatever the last re-read was. */
		if (ev->job_state == FGW_JOB_FAILED && ev->job_id != 0)
			cache_jobs_fetch(ev->job_id);
		/* fall through */
	case FGW_EVENT_SEND_QUEUED:
	case FGW_EVENT_SEND_DIALING:
	case FGW_EVENT_SEND_DONE:
		jobs.dirty = 1;
		cache_jobs_tick();
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

static void jobs_clear_details(struct cache_job *j)
{
	j->detailed = 0;
	memset(&j->remote, 0, sizeof(j->remote));
	j->bit_rate = 0;
	j->ecm = 0;
	j->t30_status = 0;
	j->t30_text[0] = '\0';
	j->start_time = j->end_time = 0;
	j->document_pages = j->sip_status = 0;
	j->submitted_by[0] = '\0';
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

/* The listing's columns of a row.  Its details go when the row is new or
 * its id was used again; a send job's are fetched again (kept until then)
 * when its state or attempts changed: they are its last attempt's. */
static void jobs_fill(struct cache_job *j, const fgw_job *in)
{
	int direction = in->direction == FGW_DIR_SEND ? AGENT_JOB_SENT : AGENT_JOB_RECEIVED;

	if (j->received_time != in->received_time)
		jobs_clear_details(j);   /* a new row, or an id used again */
	else if (direction == AGENT_JOB_SENT &&
		 (j->state != (int)in->state || j->attempts != in->attempts))
		j->detailed = 0;
	j->direction = direction;
	jobs_copy(j->destination, sizeof(j->destination),
		  direction == AGENT_JOB_SENT ? in->to : "");
	j->port_id = in->port_id;
	j->state = (int)in->state;
	jobs_copy(j->remote_ident, sizeof(j->remote_ident), in->remote_ident);
	j->pages = in->pages;
	j->partial = in->partial != 0;
	j->received_time = in->received_time;
	j->attempts = in->attempts;
	jobs_copy(j->last_error, sizeof(j->last_error), in->last_error);
	j->degraded_pages = in->degraded_pages;
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
	jobs_fill(j, in);
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

/* RFC 4001's text forms as faxgwd writes them (gateway/port.c): IPv4
 * "A.B.C.D:PORT", IPv6 "[ADDR]:PORT".  Anything else is unknown(0). */
int cache_jobs_parse_address(const char *text, struct cache_job_addr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *h, *port;
	size_t hlen;
	uint64_t num;
	int v6;

	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return -1;
	v6 = text[0] == '[';
	if (v6) {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		h = text + 1;
		hlen = (size_t)(close - h);
		port = close + 2;
	} else {
		const char *colon = strrchr(text, ':');

		if (colon == NULL)
			return -1;
		h = text;
		hlen = (size_t)(colon - text);
		port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host) ||
	    fgwx_str_number(port, &num, 65535) != FGWX_NUM_OK)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, out->bytes) != 1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->type = v6 ? AGENT_ADDR_IPV6 : AGENT_ADDR_IPV4;
	out->len = v6 ? 16 : 4;
	out->port = (uint32_t)num;
	return 0;
}

int cache_jobs_put_info(const fgw_job_info *in)
{
	struct cache_job *j;

	if (in->job.id == 0 || in->job.id > UINT32_MAX)
		return -1;
	j = cache_find_job((uint32_t)in->job.id);
	/* Another received_time: the id was used again since the listing;
	 * the next re-read puts the new job, then its details come. */
	if (j == NULL || j->received_time != in->job.received_time)
		return -1;
	jobs_clear_details(j);
	j->detailed = 1;
	cache_jobs_parse_address(in->caller, &j->remote);
	j->bit_rate = in->bit_rate;
	j->ecm = in->ecm != 0;
	j->t30_status = in->t30_status;
	jobs_copy(j->t30_text, sizeof(j->t30_text), in->t30_text);
	j->start_time = in->start_time;
	j->end_time = in->end_time;
	if (j->direction == AGENT_JOB_SENT) {
		j->document_pages = in->document_pages;
		/* faxJobSipStatus is (0..699): anything else is no answer. */
		j->sip_status = in->sip_status <= 699 ? in->sip_status : 0;
		jobs_copy(j->submitted_by, sizeof(j->submitted_by), in->submitted_by);
	}
	return 0;
}

int cache_jobs_put_job(const fgw_job_info *info)
{
	struct cache_job *j;

	if (info->job.id == 0 || info->job.id > UINT32_MAX || jobs.rows == NULL)
		return -1;
	j = jobs_row((uint32_t)info->job.id);
	if (j == NULL)
		return -1;
	j->gen = jobs.gen;
	jobs_fill(j, &info->job);
	return cache_jobs_put_info(info);
}

int cache_jobs_fetch(uint64_t id)
{
	fgw_handle *server = cache_server();
	fgw_job_info *info = NULL;
	int rc;

	if (server == NULL)
		return FGW_E_CLOSED;
	rc = cache_budget();
	if (rc == 0)
		rc = fgw_get_job(server, id, &info);
	if (rc == 0) {
		cache_jobs_put_job(info);
		fgw_free_buffer(info);
		return 0;
	}
	if (rc != FGW_E_NO_JOB && !cache_check_lost(rc))
		agent_log(LOG_WARNING, "cannot read job %" PRIu64 ": %s: %s", id, fgw_strerror(rc),
			  fgw_last_error_message(server));
	return rc;
}

/* The newest AGENT_JOB_DETAILS_PER_PASS rows without details. */
struct jobs_wanted {
	uint32_t ids[AGENT_JOB_DETAILS_PER_PASS];
	size_t n, total;
};

static void jobs_want(void *row, void *ctx)
{
	struct jobs_wanted *w = ctx;
	const struct cache_job *j = row;
	size_t low = 0;

	if (j->detailed)
		return;
	w->total++;
	if (w->n < AGENT_JOB_DETAILS_PER_PASS) {
		w->ids[w->n++] = (uint32_t)j->idx_oid[0];
		return;
	}
	for (size_t i = 1; i < w->n; i++)
		if (w->ids[i] < w->ids[low])
			low = i;
	if (w->ids[low] < j->idx_oid[0])
		w->ids[low] = (uint32_t)j->idx_oid[0];
}

static int jobs_newest_first(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

size_t cache_jobs_undetailed(void)
{
	struct jobs_wanted w = { .n = 0 };

	if (jobs.rows != NULL)
		CONTAINER_FOR_EACH(jobs.rows, jobs_want, &w);
	return w.total;
}

/* One row's details: 0 (*done 1 when the row needs no more), or a
 * FGW_E_* code. */
static int jobs_fetch(fgw_handle *server, uint32_t id, int *done)
{
	fgw_job_info *info = NULL;
	struct cache_job *j;
	int rc = cache_budget();

	*done = 0;
	if (rc == 0)
		rc = fgw_get_job(server, id, &info);
	if (rc == FGW_E_NO_JOB) {
		/* Expired since the listing: its row goes at the next re-read;
		 * nothing to ask again until then. */
		if ((j = cache_find_job(id)) != NULL)
			j->detailed = 1;
		*done = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	*done = cache_jobs_put_info(info) == 0;
	fgw_free_buffer(info);
	return 0;
}

int cache_jobs_details(void)
{
	fgw_handle *server = cache_server();
	struct jobs_wanted w = { .n = 0 };
	int rc = 0, done;

	jobs.details_ms = jobs_now_ms();
	if (server == NULL)
		return FGW_E_CLOSED;
	if (jobs.rows == NULL)
		return 0;
	CONTAINER_FOR_EACH(jobs.rows, jobs_want, &w);
	jobs.undetailed = w.total;
	qsort(w.ids, w.n, sizeof(w.ids[0]), jobs_newest_first);
	for (size_t i = 0; i < w.n && rc == 0; i++) {
		rc = jobs_fetch(server, w.ids[i], &done);
		jobs.undetailed -= done != 0;
	}
	if (rc == FGW_E_PROTOCOL) {
		/* An older faxgwd closes the connection on an unknown request:
		 * not asked again until another faxgwd runs. */
		jobs.details_unsupported = 1;
		jobs.details_start_time = cache_gateway()->start_time;
		agent_log(LOG_WARNING, "faxgwd does not answer job details: the faxJobTable "
			  "columns about each call stay empty until it is upgraded");
	}
	if (rc != 0 && !cache_check_lost(rc))
		agent_log(LOG_WARNING, "cannot read a job's details: %s: %s", fgw_strerror(rc),
			  fgw_last_error_message(server));
	return rc;
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
	if (rc == 0 && !jobs.details_unsupported)
		cache_jobs_details();    /* its own failures are its own */
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
	if (jobs.details_unsupported &&
	    cache_gateway()->start_time != jobs.details_start_time)
		jobs.details_unsupported = 0;
	if (jobs.unsupported || cache_server() == NULL)
		return;
	if (now - jobs.last_ms < CACHE_JOBS_MIN_MS)
		return;
	if (jobs.dirty || now - jobs.last_ms >= CACHE_JOBS_REFRESH_SECS * 1000)
		cache_jobs_refresh();
	else if (jobs.undetailed > 0 && !jobs.details_unsupported &&
		 now - jobs.details_ms >= CACHE_JOBS_MIN_MS)
		cache_jobs_details();
}
