/*
 * sendq.c - the send jobs (sendq.h): uploads, the queue, the calls'
 * outcomes and retries.  Everything runs on the main thread.
 */
#include "sendq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "fgwx_dir.h"
#include "log.h"
#include "router.h"
#include "rtable.h"
#include "spool.h"
#include "state.h"
#include "state_send.h"

/* A call in progress for a send job. */
struct sendq_flight {
	uint64_t job_id;
	uint32_t port_id;
	bool cancelled;
};

struct send_upload {
	struct sendq *q;
	uint64_t n;                         /* the upload's number (PREPARE job_id) */
	int fd;
	char in[FGW_MAX_PATH];              /* the bytes as uploaded */
	char out[FGW_MAX_PATH];             /* the TIFF the router writes */
	uint64_t size, got;
	uint32_t port_id;
	char to[FGW_MAX_SEND_TO];
	char ident[FGW_MAX_IDENT + 1];
	char who[FGW_MAX_NAME];
	uint32_t uid;
	char reason[FGW_MAX_ERROR_TEXT];    /* refused before the router saw it */
	sendq_done_fn done;             /* committed: waiting for the router */
	void *arg;
	struct send_upload *next;           /* q->committing */
};

struct sendq {
	struct sendq_env env;
	struct state *st;
	const struct config *cfg;
	struct event_base *base;
	struct event *timer;
	char outbox[FGW_MAX_PATH];
	char tmp[FGW_MAX_PATH];
	uint64_t next_upload;
	struct send_upload *committing;
	struct sendq_flight *flights;
	size_t nflights, capflights;
};

/* A path into out; -1 when it does not fit. */
__attribute__((format(printf, 3, 4)))
static int sendq_pathf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

static uint64_t sendq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- events and small helpers ------------------------------------------------------ */

static void sendq_emit(struct sendq *q, fgw_event_type type, const struct state_job *j,
		       const char *text)
{
	fgw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.time = (uint64_t)time(NULL);
	ev.port_id = j->port_id;
	ev.guid = "";
	ev.job_id = j->id;
	ev.text = text;
	ev.job_state = j->state;
	q->env.emit(q->env.arg, &ev);
}

static const struct config_port *sendq_port(const struct sendq *q, uint32_t port_id)
{
	for (size_t i = 0; i < q->cfg->nports; i++) {
		if (q->cfg->ports[i].id == port_id)
			return &q->cfg->ports[i];
	}
	return NULL;
}

static int sendq_update(struct sendq *q, struct state_job *j)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (state_job_update(q->st, j, err, sizeof(err)) != 0) {
		log_err("send job %" PRIu64 ": %s", j->id, err);
		return -1;
	}
	return 0;
}

static int sendq_get(struct sendq *q, uint64_t id, struct state_job *j)
{
	char err[FGW_MAX_ERROR_TEXT];
	int found = 0;

	if (state_job_get(q->st, id, j, &found, err, sizeof(err)) != 0) {
		log_err("send job %" PRIu64 ": %s", id, err);
		return FGW_E_STORAGE;
	}
	return found && j->direction == FGW_DIR_SEND ? 0 : FGW_E_NO_JOB;
}

static struct sendq_flight *sendq_flight(struct sendq *q, uint64_t job_id)
{
	for (size_t i = 0; i < q->nflights; i++) {
		if (q->flights[i].job_id == job_id)
			return &q->flights[i];
	}
	return NULL;
}

static void sendq_flight_end(struct sendq *q, uint64_t job_id)
{
	struct sendq_flight *f = sendq_flight(q, job_id);

	if (f != NULL)
		*f = q->flights[--q->nflights];
}

static unsigned sendq_port_flights(const struct sendq *q, uint32_t port_id)
{
	unsigned n = 0;

	for (size_t i = 0; i < q->nflights; i++)
		n += q->flights[i].port_id == port_id;
	return n;
}

/* The document is no longer needed (done or cancelled). */
static void sendq_drop_file(struct state_job *j)
{
	if (j->path[0] != '\0' && unlink(j->path) != 0 && errno != ENOENT)
		log_warn("send job %" PRIu64 ": cannot remove %s: %s", j->id, j->path,
			 strerror(errno));
	j->path[0] = '\0';
}

/* --- the queue ------------------------------------------------------------------- */

static void sendq_arm(struct sendq *q, uint64_t delay_ms)
{
	struct timeval tv = { (time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000 };

	evtimer_add(q->timer, &tv);
}

/* The attempt of j is over without a fax sent: again after the back-off
 * (retryable, attempts left) or failed for good. */
static void sendq_attempt_failed(struct sendq *q, struct state_job *j, bool retryable,
				 const char *reason)
{
	char text[FGW_MAX_ERROR_TEXT + 64], err[FGW_MAX_ERROR_TEXT];

	snprintf(j->last_error, sizeof(j->last_error), "%s", reason);
	if (retryable && j->attempts < q->cfg->send_retry_attempts) {
		unsigned shift = j->attempts > 0 ? j->attempts - 1 : 0;
		uint64_t b = (uint64_t)q->cfg->send_retry_backoff_ms << (shift > 16 ? 16 : shift);

		j->state = FGW_JOB_QUEUED;
		j->next_attempt_ms = sendq_now_ms() + b;
		sendq_update(q, j);
		snprintf(text, sizeof(text), "%s; attempt %u of %u, next in %" PRIu64 " s", reason,
			 j->attempts, q->cfg->send_retry_attempts, (b + 999) / 1000);
		log_notice("send job %" PRIu64 " to %s: %s", j->id, j->dest, text);
		sendq_emit(q, FGW_EVENT_SEND_FAILED, j, text);
		return;
	}
	j->state = FGW_JOB_FAILED;
	j->next_attempt_ms = 0;
	j->finished_time = 0;
	sendq_update(q, j);
	if (state_count_send_failed(q->st, j->port_id, err, sizeof(err)) != 0)
		log_err("%s", err);
	snprintf(text, sizeof(text), "%s (after %u attempt%s)", reason, j->attempts,
		 j->attempts == 1 ? "" : "s");
	log_warn("send job %" PRIu64 " to %s failed: %s", j->id, j->dest, text);
	sendq_emit(q, FGW_EVENT_SEND_FAILED, j, text);
}

/* Dials job id when its port has a free channel; false when it must wait. */
static bool sendq_dial(struct sendq *q, struct state_job *j)
{
	const struct config_port *p = sendq_port(q, j->port_id);
	const struct core_sip *sip = q->env.sip;
	struct core_dial d;
	char err[FGW_MAX_ERROR_TEXT];

	if (p == NULL || p->transport != CONFIG_SIP) {
		j->attempts = q->cfg->send_retry_attempts;
		sendq_attempt_failed(q, j, false, "its port is no longer a sip port of the "
				     "configuration");
		return true;
	}
	if (sip->dial == NULL)
		return false;
	if (sendq_port_flights(q, j->port_id) >= (unsigned)p->channels)
		return false;
	if (q->nflights == q->capflights) {
		size_t cap = q->capflights ? q->capflights * 2 : 16;
		struct sendq_flight *v = realloc(q->flights, cap * sizeof(*v));
		if (v == NULL)
			return false;
		q->flights = v;
		q->capflights = cap;
	}
	memset(&d, 0, sizeof(d));
	d.job_id = j->id;
	d.port_id = j->port_id;
	snprintf(d.to, sizeof(d.to), "%s", j->dest);
	snprintf(d.file, sizeof(d.file), "%s", j->path);
	snprintf(d.local_ident, sizeof(d.local_ident), "%s",
		 j->send_ident[0] != '\0' ? j->send_ident : p->local_ident);
	j->state = FGW_JOB_DIALING;
	j->attempts++;
	j->next_attempt_ms = 0;
	if (sendq_update(q, j) != 0)
		return false;
	q->flights[q->nflights++] = (struct sendq_flight){ j->id, j->port_id, false };
	sendq_emit(q, FGW_EVENT_SEND_DIALING, j, j->dest);
	if (sip->dial(sip->arg, &d, err, sizeof(err)) != 0) {
		sendq_flight_end(q, j->id);
		sendq_attempt_failed(q, j, true, err);
	}
	return true;
}

static void sendq_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sendq *q = arg;
	uint64_t ids[FGW_SEND_DISPATCH_MAX], next = 0, now = sendq_now_ms();
	char err[FGW_MAX_ERROR_TEXT];
	struct state_job *j = malloc(sizeof(*j));
	size_t n = 0;
	int found = 0;
	bool waiting = false;

	(void)fd;
	(void)what;
	if (j == NULL || state_send_due(q->st, now, ids, FGW_SEND_DISPATCH_MAX, &n, err,
					sizeof(err)) != 0) {
		if (j != NULL)
			log_err("%s", err);
		free(j);
		sendq_arm(q, FGW_SEND_NOCHAN_MS);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (sendq_get(q, ids[i], j) == 0 && j->state == FGW_JOB_QUEUED && !sendq_dial(q, j))
			waiting = true;
	}
	free(j);
	if (state_send_next(q->st, &next, &found, err, sizeof(err)) != 0) {
		log_err("%s", err);
		found = 1;
		next = 0;
	}
	now = sendq_now_ms();
	if (n == FGW_SEND_DISPATCH_MAX && !waiting)
		sendq_arm(q, 0);
	else if (found && (waiting || next <= now))
		sendq_arm(q, next > now + FGW_SEND_NOCHAN_MS ? next - now : FGW_SEND_NOCHAN_MS);
	else if (found)
		sendq_arm(q, next - now);
}

void sendq_kick(struct sendq *q)
{
	if (q != NULL)
		event_active(q->timer, EV_TIMEOUT, 0);
}

/* --- uploads ------------------------------------------------------------------------ */

/* A number (digits, '*', '#', a leading '+') or a whole sip:/sips: URI;
 * nothing that could break a header or a log line. */
static int sendq_check_to(const struct sendq *q, const char *to, char *err, size_t errlen)
{
	size_t n = strnlen(to, FGW_MAX_SEND_TO);
	bool uri = strncasecmp(to, "sip:", 4) == 0 || strncasecmp(to, "sips:", 5) == 0;

	if (n == 0 || n >= FGW_MAX_SEND_TO) {
		snprintf(err, errlen, "the destination must be 1 to %d characters",
			 FGW_MAX_SEND_TO - 1);
		return FGW_E_BAD_ADDRESS;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)to[i];
		if (ch <= ' ' || ch >= 0x7f) {
			snprintf(err, errlen, "the destination has a space or a control character "
				 "at position %zu: give a number or a sip: URI", i + 1);
			return FGW_E_BAD_ADDRESS;
		}
		if (!uri && !((ch >= '0' && ch <= '9') || ch == '*' || ch == '#' ||
			      (ch == '+' && i == 0))) {
			snprintf(err, errlen, "'%s' is neither a number (digits, *, #, a leading +) "
				 "nor a sip: URI", to);
			return FGW_E_BAD_ADDRESS;
		}
	}
	if (uri && strchr(to, ':')[1] == '\0') {
		snprintf(err, errlen, "'%s' names no one to call", to);
		return FGW_E_BAD_ADDRESS;
	}
	if (!uri && (n == 1 && to[0] == '+')) {
		snprintf(err, errlen, "'+' alone is not a number");
		return FGW_E_BAD_ADDRESS;
	}
	if (!uri && q->cfg->sip.outbound_proxy[0] == '\0') {
		snprintf(err, errlen, "'%s' is a number, but [sip] outbound-proxy is not set: "
			 "set it, or give a whole sip: URI", to);
		return FGW_E_BAD_ADDRESS;
	}
	return 0;
}

/* Port 0 is the first sip port. */
static int sendq_check_port(const struct sendq *q, uint32_t *port_id, char *err, size_t errlen)
{
	const struct config_port *p = NULL;

	for (size_t i = 0; *port_id == 0 && i < q->cfg->nports; i++) {
		if (q->cfg->ports[i].transport == CONFIG_SIP) {
			*port_id = q->cfg->ports[i].id;
			break;
		}
	}
	if (*port_id == 0) {
		snprintf(err, errlen, "faxgwd has no sip port to send from");
		return FGW_E_NO_PORT;
	}
	p = sendq_port(q, *port_id);
	if (p == NULL) {
		snprintf(err, errlen, "no port %u", (unsigned)*port_id);
		return FGW_E_NO_PORT;
	}
	if (p->transport != CONFIG_SIP) {
		snprintf(err, errlen, "port %u is not a sip port: faxes are sent from sip ports",
			 (unsigned)*port_id);
		return FGW_E_INVAL;
	}
	return 0;
}

static void sendq_upload_free(struct send_upload *u)
{
	if (u == NULL)
		return;
	if (u->fd >= 0)
		close(u->fd);
	unlink(u->in);
	unlink(u->out);
	free(u);
}

int sendq_begin(struct sendq *q, const char *who, uint32_t uid, bool may_send,
		uint32_t port_id, const char *to, const char *local_ident, uint64_t size,
		struct send_upload **out, char *err, size_t errlen)
{
	struct send_upload *u;
	int rc;

	*out = NULL;
	if (q == NULL) {
		snprintf(err, errlen, "sending is not available");
		return FGW_E_STATE;
	}
	if (!may_send) {
		snprintf(err, errlen, "sending needs the admin-group or the send-group (%s)",
			 q->cfg->send_group[0] != '\0' ? q->cfg->send_group : "none set");
		return FGW_E_ACCESS;
	}
	if ((rc = sendq_check_port(q, &port_id, err, errlen)) != 0 ||
	    (rc = sendq_check_to(q, to, err, errlen)) != 0)
		return rc;
	if (strlen(local_ident) > FGW_MAX_IDENT) {
		snprintf(err, errlen, "the identifier is longer than %d characters", FGW_MAX_IDENT);
		return FGW_E_INVAL;
	}
	if (size == 0 || size > FGW_MAX_SEND_BYTES) {
		snprintf(err, errlen, size == 0 ? "the file is empty"
			 : "the file is larger than %u bytes", FGW_MAX_SEND_BYTES);
		return size == 0 ? FGW_E_BAD_DOCUMENT : FGW_E_TOO_BIG;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return FGW_E_NOMEM;
	u->q = q;
	u->n = ++q->next_upload;
	u->size = size;
	u->port_id = port_id;
	snprintf(u->to, sizeof(u->to), "%s", to);
	snprintf(u->ident, sizeof(u->ident), "%s", local_ident);
	snprintf(u->who, sizeof(u->who), "%s", who);
	u->uid = uid;
	u->fd = -1;
	errno = ENAMETOOLONG;
	if (sendq_pathf(u->in, sizeof(u->in), "%s/u%" PRIu64 ".in", q->tmp, u->n) == 0 &&
	    sendq_pathf(u->out, sizeof(u->out), "%s/u%" PRIu64 ".tif", q->tmp, u->n) == 0)
		u->fd = open(u->in, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (u->fd < 0) {
		snprintf(err, errlen, "cannot create an upload in %.200s: %s", q->tmp,
			 strerror(errno));
		free(u);
		return FGW_E_STORAGE;
	}
	*out = u;
	return 0;
}

int sendq_data(struct send_upload *u, const void *p, size_t n, char *err, size_t errlen)
{
	const unsigned char *b = p;

	if (n > u->size - u->got) {
		snprintf(err, errlen, "more bytes than the %" PRIu64 " announced", u->size);
		return FGW_E_TOO_BIG;
	}
	while (n > 0) {
		ssize_t w = write(u->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "cannot write %.200s: %s", u->in, strerror(errno));
			return FGW_E_STORAGE;
		}
		b += w;
		n -= (size_t)w;
		u->got += (uint64_t)w;
	}
	return 0;
}

void sendq_abort(struct send_upload *u)
{
	sendq_upload_free(u);
}

static void sendq_finish_upload(struct sendq *q, struct send_upload *u, int rc, uint64_t id,
				const char *reason)
{
	for (struct send_upload **pp = &q->committing; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	}
	if (u->done != NULL)
		u->done(u->arg, rc, id, reason);
	sendq_upload_free(u);
}

static void sendq_on_refused(evutil_socket_t fd, short what, void *arg)
{
	struct send_upload *u = arg;

	(void)fd;
	(void)what;
	sendq_finish_upload(u->q, u, FGW_E_BAD_DOCUMENT, 0, u->reason);
}

void sendq_commit(struct send_upload *u, sendq_done_fn done, void *arg)
{
	struct sendq *q = u->q;
	struct router_request *rq = calloc(1, sizeof(*rq));
	char err[FGW_MAX_ERROR_TEXT] = "out of memory";
	const struct core_dataplane *dp = q->env.dp;
	struct timeval now = { 0, 0 };

	u->done = done;
	u->arg = arg;
	u->next = q->committing;
	q->committing = u;
	if (u->got != u->size)
		snprintf(err, sizeof(err), "the file was cut short: %" PRIu64 " of %" PRIu64
			 " bytes", u->got, u->size);
	else if (close(u->fd) != 0)
		snprintf(err, sizeof(err), "cannot write %.200s: %s", u->in, strerror(errno));
	else if (rq != NULL) {
		u->fd = -1;
		rq->kind = ROUTER_PREPARE;
		rq->job_id = u->n;
		rq->max_pages = FGW_MAX_SEND_PAGES;
		snprintf(rq->path, sizeof(rq->path), "%s", u->in);
		snprintf(rq->out_path, sizeof(rq->out_path), "%s", u->out);
		if (dp->prepare == NULL)
			snprintf(err, sizeof(err), "documents cannot be checked now");
		else if (dp->prepare(dp->arg, rq, err, sizeof(err)) == 0) {
			free(rq);
			return;
		}
	}
	free(rq);
	/* Answered from the loop, as promised. */
	snprintf(u->reason, sizeof(u->reason), "%s", err);
	if (event_base_once(q->base, -1, EV_TIMEOUT, sendq_on_refused, u, &now) != 0)
		log_err("send: cannot schedule an answer");
}

void sendq_forget(struct send_upload *u)
{
	if (u != NULL) {
		u->done = NULL;
		u->arg = NULL;
	}
}

/* The document is checked and converted: the job is created and the
 * TIFF moved to spool/outbox/<id>.tif in one transaction. */
static int sendq_create(struct sendq *q, struct send_upload *u, uint32_t pages, uint64_t *id,
			char *err, size_t errlen)
{
	struct state_job *j = calloc(1, sizeof(*j));
	char what[128], detail[FGW_MAX_SEND_TO + 64];
	int rc = FGW_E_STORAGE;

	if (j == NULL)
		return FGW_E_NOMEM;
	j->port_id = u->port_id;
	j->state = FGW_JOB_QUEUED;
	j->received_time = (uint64_t)time(NULL);
	j->direction = FGW_DIR_SEND;
	snprintf(j->dest, sizeof(j->dest), "%s", u->to);
	j->document_pages = pages;
	snprintf(j->submitted_by, sizeof(j->submitted_by), "%s", u->who);
	j->submitter_uid = u->uid;
	snprintf(j->send_ident, sizeof(j->send_ident), "%s", u->ident);
	if (state_begin(q->st, err, errlen) != 0)
		goto out;
	if (state_job_insert(q->st, j, &j->id, err, errlen) != 0)
		goto rollback;
	if (sendq_pathf(j->path, sizeof(j->path), "%s/%" PRIu64 ".tif", q->outbox, j->id) != 0) {
		snprintf(err, errlen, "the spool path is too long");
		goto rollback;
	}
	snprintf(what, sizeof(what), "send job %" PRIu64 " port %u", j->id, (unsigned)j->port_id);
	snprintf(detail, sizeof(detail), "%s (%u page%s)", j->dest, (unsigned)pages,
		 pages == 1 ? "" : "s");
	if (state_job_update(q->st, j, err, errlen) != 0 ||
	    state_audit_add(q->st, j->received_time, u->uid, u->who, what, "", detail, err,
			    errlen) != 0)
		goto rollback;
	if (rename(u->out, j->path) != 0) {
		snprintf(err, errlen, "cannot move the document into %.200s: %s", q->outbox,
			 strerror(errno));
		goto rollback;
	}
	if (state_commit(q->st, err, errlen) != 0) {
		unlink(j->path);
		goto out;
	}
	spool_fsync_dir_of(j->path);
	*id = j->id;
	log_notice("send job %" PRIu64 ": %u page(s) to %s from port %u, submitted by %s", j->id,
		   (unsigned)pages, j->dest, (unsigned)j->port_id, u->who);
	sendq_emit(q, FGW_EVENT_SEND_QUEUED, j, j->dest);
	rc = 0;
	goto out;
rollback:
	state_rollback(q->st);
out:
	free(j);
	return rc;
}

void sendq_prepared(struct sendq *q, const struct router_reply *rp)
{
	struct send_upload *u = q != NULL ? q->committing : NULL;
	char err[FGW_MAX_ERROR_TEXT];
	uint64_t id = 0;
	int rc;

	while (u != NULL && u->n != rp->job_id)
		u = u->next;
	if (u == NULL)
		return;
	if (rp->status != FGW_ROUTE_OK) {
		sendq_finish_upload(q, u, FGW_E_BAD_DOCUMENT, 0, rp->msg);
		return;
	}
	rc = sendq_create(q, u, rp->pages, &id, err, sizeof(err));
	if (rc != 0)
		log_err("send: %s", err);
	sendq_finish_upload(q, u, rc, id, rc == 0 ? "" : err);
	if (rc == 0)
		sendq_kick(q);
}

/* --- cancel ------------------------------------------------------------------------ */

int sendq_cancel(struct sendq *q, uint64_t job_id, const char *who, uint32_t uid, bool is_admin,
		 char *err, size_t errlen)
{
	struct state_job *j = malloc(sizeof(*j));
	struct sendq_flight *f;
	char what[64];
	int rc = FGW_E_NOMEM;

	if (q == NULL || j == NULL) {
		free(j);
		return q == NULL ? FGW_E_NO_JOB : FGW_E_NOMEM;
	}
	rc = sendq_get(q, job_id, j);
	if (rc == FGW_E_NO_JOB)
		snprintf(err, errlen, "no send job %" PRIu64, job_id);
	if (rc != 0)
		goto out;
	rc = FGW_E_ACCESS;
	if (!is_admin && j->submitter_uid != uid) {
		snprintf(err, errlen, "send job %" PRIu64 " was submitted by %s: only they and "
			 "the admin-group may cancel it", job_id, j->submitted_by);
		goto out;
	}
	rc = FGW_E_STATE;
	if (j->state != FGW_JOB_QUEUED && j->state != FGW_JOB_DIALING &&
	    j->state != FGW_JOB_SENDING) {
		snprintf(err, errlen, "send job %" PRIu64 " has already ended", job_id);
		goto out;
	}
	snprintf(j->last_error, sizeof(j->last_error), "cancelled by %s", who);
	f = sendq_flight(q, job_id);
	j->state = FGW_JOB_CANCELLED;
	j->finished_time = 0;
	j->next_attempt_ms = 0;
	if (f == NULL)
		sendq_drop_file(j);
	rc = FGW_E_STORAGE;
	if (sendq_update(q, j) != 0)
		goto out;
	snprintf(what, sizeof(what), "send job %" PRIu64 " cancelled", job_id);
	if (state_audit_add(q->st, (uint64_t)time(NULL), uid, who, what, "", "",
			    err, errlen) != 0)
		log_err("%s", err);
	if (f != NULL) {
		const struct core_sip *sip = q->env.sip;
		f->cancelled = true;
		if (sip->cancel != NULL)
			sip->cancel(sip->arg, job_id);
	} else {
		sendq_emit(q, FGW_EVENT_SEND_FAILED, j, j->last_error);
	}
	rc = 0;
out:
	free(j);
	return rc;
}

int sendq_retry(struct sendq *q, uint64_t job_id, const char *who, uint32_t uid, char *err,
		size_t errlen)
{
	struct state_job *j = malloc(sizeof(*j));
	char what[64];
	int rc = q == NULL ? FGW_E_NO_JOB : FGW_E_NOMEM;

	if (q == NULL || j == NULL)
		goto out;
	if ((rc = sendq_get(q, job_id, j)) != 0)
		goto out;
	rc = FGW_E_STATE;
	if (j->state != FGW_JOB_FAILED) {
		snprintf(err, errlen, "send job %" PRIu64 " has not failed: only a failed send is "
			 "tried again", job_id);
		goto out;
	}
	if (j->path[0] == '\0' || access(j->path, R_OK) != 0) {
		snprintf(err, errlen, "send job %" PRIu64 ": its document is gone; submit it "
			 "again with faxgwctl send", job_id);
		goto out;
	}
	j->state = FGW_JOB_QUEUED;
	j->attempts = 0;
	j->next_attempt_ms = 0;
	j->last_error[0] = '\0';
	rc = FGW_E_STORAGE;
	if (sendq_update(q, j) != 0)
		goto out;
	snprintf(what, sizeof(what), "send job %" PRIu64, job_id);
	if (state_audit_add(q->st, (uint64_t)time(NULL), uid, who, what, "",
			    "retry", err, errlen) != 0)
		log_err("%s", err);
	sendq_emit(q, FGW_EVENT_SEND_QUEUED, j, j->dest);
	sendq_kick(q);
	rc = 0;
out:
	free(j);
	return rc;
}

/* --- the calls' outcomes --------------------------------------------------------------- */

/* j ended while a cancel was under way: it stays cancelled. */
static bool sendq_was_cancelled(struct sendq *q, struct state_job *j)
{
	if (j->state != FGW_JOB_CANCELLED)
		return false;
	sendq_drop_file(j);
	j->finished_time = 0;
	sendq_update(q, j);
	sendq_emit(q, FGW_EVENT_SEND_FAILED, j, j->last_error);
	return true;
}

void sendq_answered(struct sendq *q, uint64_t job_id, const char *call_id)
{
	struct state_job *j = malloc(sizeof(*j));
	char err[FGW_MAX_ERROR_TEXT];

	if (q != NULL && j != NULL && sendq_get(q, job_id, j) == 0 &&
	    j->state == FGW_JOB_DIALING) {
		struct state_send_result r = { j->pages, j->remote_ident, j->meta, 200,
					       j->transport, call_id };
		j->state = FGW_JOB_SENDING;
		sendq_update(q, j);
		if (state_send_result(q->st, job_id, &r, err, sizeof(err)) != 0)
			log_err("%s", err);
	}
	free(j);
}

/* SIP final answers worth another call later (DESIGN 3b). */
static bool sendq_retryable(int status)
{
	switch (status) {
	case 408: case 480: case 486: case 487: case 600:
	case 500: case 502: case 503: case 504:
		return true;
	default:
		return false;
	}
}

void sendq_dial_failed(struct sendq *q, uint64_t job_id, int sip_status, const char *reason)
{
	struct state_job *j = malloc(sizeof(*j));
	char err[FGW_MAX_ERROR_TEXT];

	if (q == NULL || j == NULL || sendq_get(q, job_id, j) != 0)
		goto out;
	sendq_flight_end(q, job_id);
	if (!sendq_was_cancelled(q, j)) {
		struct state_send_result r = { 0, "", j->meta, (uint32_t)sip_status, "", "" };
		if (state_send_result(q->st, job_id, &r, err, sizeof(err)) != 0)
			log_err("%s", err);
		if (sip_status == 0) {
			/* No INVITE went out (no free channel): not an attempt. */
			j->state = FGW_JOB_QUEUED;
			j->attempts = j->attempts > 0 ? j->attempts - 1 : 0;
			j->next_attempt_ms = sendq_now_ms() + FGW_SEND_NOCHAN_MS;
			snprintf(j->last_error, sizeof(j->last_error), "waiting: %s", reason);
			sendq_update(q, j);
		} else {
			sendq_attempt_failed(q, j, sendq_retryable(sip_status), reason);
		}
	}
	sendq_kick(q);
out:
	free(j);
}

static void sendq_outcome_meta(const struct sendq *q, const struct state_job *j,
			       const struct send_outcome *o, char *meta, size_t metalen)
{
	struct spool_fax *f = calloc(1, sizeof(*f));
	const struct config_port *p = sendq_port(q, o->port_id);

	meta[0] = '\0';
	if (f == NULL)
		return;
	f->port_id = o->port_id;
	snprintf(f->port_name, sizeof(f->port_name), "%s", p != NULL ? p->name : "");
	snprintf(f->remote_ident, sizeof(f->remote_ident), "%s", o->fax.remote_ident);
	snprintf(f->local_ident, sizeof(f->local_ident), "%s",
		 j->send_ident[0] != '\0' ? j->send_ident : p != NULL ? p->local_ident : "");
	snprintf(f->caller, sizeof(f->caller), "%s", o->peer);
	f->start_time = (int64_t)o->start_time;
	f->end_time = (int64_t)o->end_time;
	f->pages = (uint32_t)o->fax.pages;
	f->x_res = (uint32_t)o->fax.x_res;
	f->y_res = (uint32_t)o->fax.y_res;
	f->bit_rate = (uint32_t)o->fax.bit_rate;
	f->ecm = o->fax.ecm;
	f->t30_status = o->fax.t30_status;
	snprintf(f->t30_text, sizeof(f->t30_text), "%s", o->fax.t30_text);
	f->partial = o->fax.partial;
	snprintf(f->sip_call_id, sizeof(f->sip_call_id), "%s", o->call_id);
	snprintf(f->transport, sizeof(f->transport), "%s", o->transport);
	spool_meta_format(f, meta, metalen);
	free(f);
}

void sendq_outcome(struct sendq *q, const struct send_outcome *o)
{
	struct state_job *j = malloc(sizeof(*j));
	char err[FGW_MAX_ERROR_TEXT], text[FGW_MAX_ERROR_TEXT + 64];

	if (q == NULL || j == NULL || sendq_get(q, o->job_id, j) != 0)
		goto out;
	sendq_flight_end(q, o->job_id);
	sendq_outcome_meta(q, j, o, j->meta, sizeof(j->meta));
	struct state_send_result r = { (uint32_t)o->fax.pages, o->fax.remote_ident, j->meta,
				       200, o->transport, o->call_id };
	if (state_send_result(q->st, o->job_id, &r, err, sizeof(err)) != 0)
		log_err("%s", err);
	if (sendq_was_cancelled(q, j))
		goto kick;
	if (o->fax.success) {
		j->state = FGW_JOB_DONE;
		j->finished_time = 0;
		j->last_error[0] = '\0';
		sendq_drop_file(j);
		sendq_update(q, j);
		if (state_count_sent(q->st, j->port_id, (uint32_t)o->fax.pages, err,
				     sizeof(err)) != 0)
			log_err("%s", err);
		snprintf(text, sizeof(text), "%d page%s to %s%s%s", o->fax.pages,
			 o->fax.pages == 1 ? "" : "s", j->dest,
			 o->fax.remote_ident[0] != '\0' ? ", far end " : "", o->fax.remote_ident);
		log_notice("send job %" PRIu64 " done: %s (%s)", j->id, text, o->transport);
		sendq_emit(q, FGW_EVENT_SEND_DONE, j, text);
	} else {
		snprintf(text, sizeof(text), "%s after %d of %u page%s confirmed",
			 o->fax.t30_text[0] != '\0' ? o->fax.t30_text : "the call ended",
			 o->fax.pages, (unsigned)j->document_pages,
			 j->document_pages == 1 ? "" : "s");
		sendq_attempt_failed(q, j, true, text);
	}
kick:
	sendq_kick(q);
out:
	free(j);
}

/* --- life ------------------------------------------------------------------------- */

/* Uploads of a faxgwd that stopped went with their connections. */
static void sendq_clean_tmp(const struct sendq *q)
{
	DIR *d = opendir(q->tmp);
	struct dirent *e;
	char path[FGW_MAX_PATH + 300];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != 'u')
			continue;
		snprintf(path, sizeof(path), "%s/%s", q->tmp, e->d_name);
		unlink(path);
	}
	closedir(d);
}

struct sendq *sendq_new(const struct sendq_env *env, char *err, size_t errlen)
{
	struct sendq *q = calloc(1, sizeof(*q));
	unsigned requeued = 0;

	if (q == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->env = *env;
	q->st = env->st;
	q->cfg = env->cfg;
	q->base = env->base;
	q->timer = evtimer_new(env->base, sendq_on_timer, q);
	if (sendq_pathf(q->outbox, sizeof(q->outbox), "%s/outbox", q->cfg->spool) != 0 ||
	    sendq_pathf(q->tmp, sizeof(q->tmp), "%s/outbox/tmp", q->cfg->spool) != 0) {
		snprintf(err, errlen, "the spool path is too long");
		sendq_free(q);
		return NULL;
	}
	if (q->timer == NULL || fgwx_mkdir_p(q->tmp, 0750, err, errlen) != 0 ||
	    state_send_requeue(q->st, &requeued, err, errlen) != 0) {
		if (q->timer == NULL)
			snprintf(err, errlen, "send queue: cannot create its timer");
		sendq_free(q);
		return NULL;
	}
	sendq_clean_tmp(q);
	if (requeued > 0)
		log_notice("%u send job(s) cut by a stop of faxgwd queued again", requeued);
	sendq_arm(q, 0);
	return q;
}

void sendq_free(struct sendq *q)
{
	if (q == NULL)
		return;
	while (q->committing != NULL)
		sendq_finish_upload(q, q->committing, FGW_E_CLOSED, 0, "faxgwd is stopping");
	if (q->timer != NULL)
		event_free(q->timer);
	free(q->flights);
	free(q);
}
