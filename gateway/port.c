/*
 * port.c - one fax port: its UDP socket, its call, and the end of a call
 * (port.h).
 */
#include "caps.h"
#include "port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "config.h"
#include "calls.h"
#include "core.h"
#include "extension.h"
#include "fax_call.h"
#include "fgwx_cidr.h"
#include "log.h"
#include "pagewriter.h"
#include "rtable.h"
#include "rxfile.h"
#include "rtp.h"
#include "sendq.h"
#include "spool.h"
#include "spool_sidecar.h"
#include "state.h"

/* The call of a busy port.  After its end (fc == NULL) it travels to the
 * main thread in its ENDED report, with the result. */
struct port_call {
	struct port *port;
	struct fax_call *fc;
	struct port_report started, ended;
	struct pw_job ended_job;      /* ENDED goes out after the file is complete */
	struct fax_session_result result;
	struct rxfile_status file_status; /* the writer's, until ENDED */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char peer_text[FGW_MAX_ADDRESS];
	char tmp[FGW_MAX_PATH];
	int64_t start_time;
	uint64_t start_ms;
	uint64_t last_rx_ms;
	uint64_t last_tx_ms;          /* sending calls only: our last datagram */
	struct claim_watch watch;     /* the peer's proof of life, the send cap */
	bool signalled;               /* T.30 from the peer seen (fax_call_peer_signalled) */
	bool no_fax;                  /* ended: no T.30 from the peer in FGW_CLAIM_T30_MS */
	/* a SIP channel's call (port_media_start) */
	bool sip;                     /* the peer comes from the SDP: no claim, no cap */
	bool latched;                 /* its first datagram from the SDP's IP set the port */
	bool t38;                     /* its media now: T.38, else G.711 */
	bool keep_media;              /* ending for a new session on the same socket */
	uint64_t serial;
	void (*media_ended)(void *arg, uint64_t serial);
	void *media_arg;
	char call_id[FGW_MAX_SIP_IDENT];
	char from[FGW_MAX_SIP_IDENT];
	char to[FGW_MAX_SIP_IDENT];
	char user_agent[FGW_MAX_SIP_IDENT];
	/* Sending (port_media.job_id != 0): the job, the document, our TSI;
	 * the call runs the calling terminal and ends in sendq_outcome(). */
	uint64_t job_id;
	char send_file[FGW_MAX_PATH];
	char local_ident[FGW_MAX_IDENT + 1];
	int64_t end_time;             /* set by the media thread at the end */
	/* The media now ("G.711 PCMU ptime 20", "T.38 v0, ..."): the media
	 * thread's, changed by a media switch; the main thread reads it only
	 * once the call is its own (ENDED) and hears of changes by MEDIA
	 * reports.  started_transport is the value of the STARTED report,
	 * never written after it. */
	char transport[FGW_MAX_TRANSPORT_TEXT];
	char started_transport[FGW_MAX_TRANSPORT_TEXT];
	size_t calls_slot;            /* main thread's: its row in env.calls */
};

struct port {
	struct port_env env;
	const struct config_port *cfg;
	int fd;
	_Atomic int state;            /* fgw_port_state; read by the main thread */
	struct port_call *call;
	uint64_t foreign_dropped;     /* datagrams from other addresses */
	uint64_t oversized;           /* datagrams over FGW_MAX_DATAGRAM */
	uint64_t send_errors;
	uint64_t refused;             /* first datagrams that did not start a call */
	uint64_t no_fax;              /* calls ended without T.30 (FGW_CLAIM_T30_MS) */
	/* The tail of the last call: its peer's datagrams do not start a new
	 * call until it has been quiet for PORT_LINGER_MS. */
	struct sockaddr_storage last_peer;
	uint64_t linger_until_ms;
	uint64_t tick_ms;             /* the media thread's clock at the last tick */
	uint64_t lingered;
	size_t slot;                  /* the data plane's (port_set_slot) */
	bool channel;                 /* a sip port's channel (port_new_channel) */
	unsigned chan;
};

#define PORT_LINGER_MS 3000

uint64_t port_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint32_t port_id(const struct port *p)
{
	return p->cfg->id;
}

fgw_port_state port_state(const struct port *p)
{
	return (fgw_port_state)p->state;
}

bool port_in_call(const struct port *p)
{
	return p->call != NULL;
}

void port_set_slot(struct port *p, size_t slot)
{
	p->slot = slot;
}

size_t port_slot(const struct port *p)
{
	return p->slot;
}

/* One event about the port; state: the new fgw_port_state of a state
 * change, 0 for the other events. */
static void port_emit(struct port *p, fgw_event_type type, uint64_t job_id, int state,
		      const char *text)
{
	fgw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.time = (uint64_t)time(NULL);
	ev.port_id = p->cfg->id;
	ev.guid = "";
	ev.job_id = job_id;
	ev.port_state = state;
	ev.text = text != NULL ? text : "";
	core_emit(p->env.core, &ev);
}

static void port_emit_state(struct port *p, fgw_port_state st, const char *text)
{
	port_emit(p, FGW_EVENT_PORT_STATE_CHANGED, 0, (int)st, text);
}

static void port_addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, outlen, "%s:%u", host, (unsigned)ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, outlen, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
	} else {
		snprintf(out, outlen, "?");
	}
}

static bool port_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/* --- sending ------------------------------------------------------------------------ */

static void port_send(void *arg, const uint8_t *buf, size_t len)
{
	struct port *p = arg;
	struct port_call *c = p->call;

	if (c == NULL || (!c->sip && !claim_watch_tx(&c->watch)))
		return;
	if (sendto(p->fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&c->peer,
		   c->peer_len) < 0)
		p->send_errors++;
	else if (c->job_id != 0)
		c->last_tx_ms = p->tick_ms;   /* the tick's clock: no clock read per datagram */
}

/* --- the end of a call ------------------------------------------------------------------ */

static void port_fill_fax(const struct port *p, const struct port_call *c,
			  const struct fax_session_result *r, struct spool_fax *fax)
{
	memset(fax, 0, sizeof(*fax));
	fax->port_id = p->cfg->id;
	snprintf(fax->port_name, sizeof(fax->port_name), "%s", p->cfg->name);
	snprintf(fax->remote_ident, sizeof(fax->remote_ident), "%s", r->remote_ident);
	snprintf(fax->local_ident, sizeof(fax->local_ident), "%s", p->cfg->local_ident);
	snprintf(fax->caller, sizeof(fax->caller), "%s", c->peer_text);
	snprintf(fax->sip_call_id, sizeof(fax->sip_call_id), "%s", c->call_id);
	snprintf(fax->sip_from, sizeof(fax->sip_from), "%s", c->from);
	snprintf(fax->sip_to, sizeof(fax->sip_to), "%s", c->to);
	snprintf(fax->sip_user_agent, sizeof(fax->sip_user_agent), "%s", c->user_agent);
	snprintf(fax->transport, sizeof(fax->transport), "%s", c->transport);
	fax->start_time = c->start_time;
	fax->end_time = (int64_t)time(NULL);
	fax->pages = (uint32_t)r->pages;
	fax->x_res = r->x_res > 0 ? (uint32_t)r->x_res : 0;
	fax->y_res = r->y_res > 0 ? (uint32_t)r->y_res : 0;
	fax->bit_rate = r->bit_rate > 0 ? (uint32_t)r->bit_rate : 0;
	fax->ecm = r->ecm;
	fax->t30_status = r->t30_status;
	snprintf(fax->t30_text, sizeof(fax->t30_text), "%s", r->t30_text);
	fax->partial = r->partial || !r->success;
	fax->degraded_pages = r->degraded_pages > 0 ? (uint32_t)r->degraded_pages : 0;
	fax->bad_rows = r->bad_rows > 0 ? (uint32_t)r->bad_rows : 0;
	fax->longest_bad_run = r->longest_bad_run > 0 ? (uint32_t)r->longest_bad_run : 0;
	fax_session_degraded_text(r, fax->degraded_list, sizeof(fax->degraded_list),
				  fax->degraded_detail, sizeof(fax->degraded_detail));
}

/* A MEDIA report: the call's transport after a media switch. */
struct port_media_note {
	struct port_report report;    /* first: the report is the allocation */
	char transport[FGW_MAX_TRANSPORT_TEXT];
};

/* A PAGE report: the record of the call after a confirmed page. */
struct port_page {
	struct port_report report;    /* first: the report is the allocation */
	struct pw_job job;            /* posted once the page is in the file */
	struct spool_sidecar sc;
};

static void port_page_post(struct pw_job *job)
{
	struct port_page *pg = (struct port_page *)(void *)((char *)job -
							     offsetof(struct port_page, job));
	struct port *p = pg->report.call->port;

	p->env.post(p->env.arg, &pg->report);
}

/* Media thread, from inside the call (fax_session_set_page_hook): a page
 * is confirmed; the main thread makes the record durable.  Without memory
 * the record is skipped: the next one (or the commit) covers it. */
static void port_page(void *arg, int pages, bool end_of_document)
{
	struct port_call *c = arg;
	struct port_page *pg = malloc(sizeof(*pg));
	struct fax_session_result r;
	struct spool_fax fax;

	if (pg == NULL) {
		log_warn("port %u: page %d not recorded: out of memory", (unsigned)c->port->cfg->id,
			 pages);
		return;
	}
	fax_call_result(c->fc, &r);
	port_fill_fax(c->port, c, &r, &fax);
	fax.pages = pages > 0 ? (uint32_t)pages : 0;
	spool_fax_to_sidecar(&fax, end_of_document, false, &pg->sc);
	pg->report.next = NULL;
	pg->report.kind = PORT_REPORT_PAGE;
	pg->report.call = c;
	/* The record says the page is there: only once it is. */
	pg->job.run = port_page_post;
	pagewriter_submit(c->port->env.writer, &pg->job);
}

/* The port's enabled methods now, as GUIDs into guids[FGW_MAX_METHODS];
 * routes is scratch space of FGW_MAX_METHODS entries. */
static size_t port_methods(struct port *p, struct core_route *routes,
			   char (*guids)[FGW_GUID_LEN + 1])
{
	size_t n = 0;

	if (core_port_routes(p->env.core, p->cfg->id, routes, FGW_MAX_METHODS, &n) != 0)
		n = 0;
	for (size_t i = 0; i < n; i++)
		snprintf(guids[i], sizeof(guids[i]), "%s", routes[i].method->guid);
	return n;
}


static void port_log_stats(const struct port *p, const struct port_call *c)
{
	struct fax_call_stats st;

	fax_call_stats(c->fc, &st);
	log_info("port %u: call %s %s: datagrams in %llu out %llu, malformed %llu, recovered "
		 "%llu, lost %llu, duplicates %llu, late %llu, ignored %llu, concealed %llu, "
		 "held back %llu; port: foreign %llu, oversized %llu, refused %llu, no fax %llu, "
		 "send errors %llu",
		 (unsigned)p->cfg->id, c->job_id != 0 ? "to" : "from", c->peer_text,
		 (unsigned long long)st.datagrams_in, (unsigned long long)st.datagrams_out,
		 (unsigned long long)st.malformed, (unsigned long long)st.recovered,
		 (unsigned long long)st.lost, (unsigned long long)st.duplicates,
		 (unsigned long long)st.late, (unsigned long long)st.ignored,
		 (unsigned long long)st.concealed, (unsigned long long)c->watch.capped,
		 (unsigned long long)p->foreign_dropped,
		 (unsigned long long)p->oversized, (unsigned long long)p->refused,
		 (unsigned long long)p->no_fax, (unsigned long long)p->send_errors);
}

/* --- the end of a call on the main thread -------------------------------------------- */

/* Calls with pages, committed to the spool together (spool_commit_group):
 * the reports that arrive in one wake-up of the main loop, up to
 * FGW_MAX_COMMIT_GROUP, so that under load the directory and database
 * fsyncs are shared. */
struct port_group {
	struct port_call *call[FGW_MAX_COMMIT_GROUP];
	size_t n;
};

/* --- the table of calls in progress (main thread) ---------------------------------- */

static void port_calls_start(struct port *p, struct port_call *c)
{
	struct calls_entry e = {
		.port_id = p->cfg->id,
		.channel = p->channel ? p->chan : 0,
		.port_name = p->cfg->name,
		.peer = c->peer_text,
		.transport = c->started_transport,
		.sip_call_id = c->call_id,
		.sip_from = c->from,
		.start_time = c->start_time > 0 ? (uint64_t)c->start_time : 0,
	};

	if (p->env.calls == NULL || calls_start(p->env.calls, &e, &c->calls_slot) != 0)
		c->calls_slot = CALLS_NO_SLOT;
}

static void port_calls_page(struct port *p, const struct port_call *c, uint32_t pages)
{
	if (p->env.calls != NULL)
		calls_pages(p->env.calls, c->calls_slot, pages);
}

static void port_calls_media(struct port *p, const struct port_call *c, const char *transport)
{
	if (p->env.calls != NULL)
		calls_transport(p->env.calls, c->calls_slot, transport);
}

/* A call is over for the main thread too: its last event, then it goes. */
static void port_release(struct port_call *c)
{
	if (c->port->env.calls != NULL)
		calls_end(c->port->env.calls, c->calls_slot);
	port_emit_state(c->port, FGW_PORT_IDLE, "call ended");
	free(c);
}

static void port_fail(struct port_call *c)
{
	struct port *p = c->port;
	char err[FGW_MAX_ERROR_TEXT];

	unlink(c->tmp);
	spool_sidecar_remove(c->tmp);
	if (state_count_receive_failed(core_state(p->env.core), p->cfg->id, err,
				       sizeof(err)) != 0)
		log_err("port %u: %s", (unsigned)p->cfg->id, err);
	log_warn("port %u: reception from %s failed: %s", (unsigned)p->cfg->id, c->peer_text,
		 c->result.t30_text);
	port_emit(p, FGW_EVENT_RECEIVE_FAILED, 0, 0, c->result.t30_text);
	port_release(c);
}

/* A claim that brought no T.30 (port_tick): not a fax, not a failed
 * reception either (junk or a probe must not raise alarms); the port's
 * no_fax counter and the log keep it. */
static void port_no_fax(struct port_call *c)
{
	unlink(c->tmp);
	if (c->sip)
		log_info("port %u: no fax in SIP call %s from %s: no T.30 from the caller",
			 (unsigned)c->port->cfg->id, c->call_id, c->peer_text);
	else
		log_info("port %u: no fax from %s: no T.30 within %u ms, port released",
			 (unsigned)c->port->cfg->id, c->peer_text, (unsigned)FGW_CLAIM_T30_MS);
	port_release(c);
}

/* The end of a call that sent a document (job_id != 0): no spool, the
 * send queue hears how it went (sendq.h). */
static void port_send_ended(struct port_call *c)
{
	struct port *p = c->port;
	struct send_outcome o;

	memset(&o, 0, sizeof(o));
	o.job_id = c->job_id;
	o.port_id = p->cfg->id;
	o.fax = c->result;
	snprintf(o.transport, sizeof(o.transport), "%s", c->transport);
	snprintf(o.peer, sizeof(o.peer), "%s", c->peer_text);
	snprintf(o.call_id, sizeof(o.call_id), "%s", c->call_id);
	o.start_time = c->start_time > 0 ? (uint64_t)c->start_time : 0;
	o.end_time = c->end_time > 0 ? (uint64_t)c->end_time : (uint64_t)time(NULL);
	log_notice("port %u: job %" PRIu64 ": call %s to %s ended: %d of %d page(s) sent%s (%s)",
		   (unsigned)p->cfg->id, c->job_id, c->call_id, c->peer_text, c->result.pages,
		   c->result.pages_in_file, c->result.success ? ", complete" : "",
		   c->result.t30_text[0] != '\0' ? c->result.t30_text : "no T.30 result");
	sendq_outcome(core_sendq(p->env.core), &o);
	port_release(c);
}

/* The faxes of a group and their methods, for spool_commit_group(). */
struct port_commit_buf {
	struct spool_commit *sc;
	struct spool_fax *fax;
	char (*guids)[FGW_MAX_METHODS][FGW_GUID_LEN + 1];
	struct core_route *routes;
};

static void port_commit_buf_free(struct port_commit_buf *b)
{
	free(b->sc);
	free(b->fax);
	free(b->guids);
	free(b->routes);
}

static int port_commit_buf_new(struct port_commit_buf *b, size_t n)
{
	b->sc = calloc(n, sizeof(*b->sc));
	b->fax = calloc(n, sizeof(*b->fax));
	b->guids = calloc(n, sizeof(*b->guids));
	b->routes = calloc(FGW_MAX_METHODS, sizeof(*b->routes));
	if (b->sc != NULL && b->fax != NULL && b->guids != NULL && b->routes != NULL)
		return 0;
	port_commit_buf_free(b);
	return -1;
}

/* ", 1 degraded (pages 2; 110 bad rows, longest run 60)" for the log line,
 * "" when intact. */
static const char *port_degraded_text(const struct spool_fax *f, char *out, size_t outlen)
{
	if (f->degraded_pages == 0)
		return "";
	snprintf(out, outlen, ", %u degraded (pages %s; %u bad rows, longest run %u)",
		 (unsigned)f->degraded_pages, f->degraded_list, (unsigned)f->bad_rows,
		 (unsigned)f->longest_bad_run);
	return out;
}

static void port_announce(struct port_call *c, const struct spool_commit *sc)
{
	struct port *p = c->port;
	struct spool_sidecar *rec;
	char err[FGW_MAX_ERROR_TEXT];
	char degraded[FGW_MAX_DEGRADED_TEXT + 96];

	if (sc->job_id == 0) {
		log_err("port %u: fax from %s not committed (kept in %s): %s",
			(unsigned)p->cfg->id, c->peer_text, c->tmp, sc->err);
		/* Recovery commits it at the next start: with the final result. */
		rec = malloc(sizeof(*rec));
		if (rec == NULL)
			return;
		spool_fax_to_sidecar(sc->fax, false, true, rec);
		if (spool_sidecar_write(c->tmp, rec, err, sizeof(err)) != 0 ||
		    spool_fsync_dir_of(c->tmp) != 0)
			log_err("port %u: metadata of %s not kept: %s", (unsigned)p->cfg->id, c->tmp,
				err);
		free(rec);
		return;
	}
	log_notice("port %u: fax received from %s ('%s'): %u page(s)%s%s, job %" PRIu64 "%s",
		   (unsigned)p->cfg->id, c->peer_text, sc->fax->remote_ident,
		   (unsigned)sc->fax->pages, sc->fax->partial ? " (partial)" : "",
		   port_degraded_text(sc->fax, degraded, sizeof(degraded)), sc->job_id,
		   sc->n == 0 ? " (unrouted)" : "");
	port_emit(p, FGW_EVENT_FAX_RECEIVED, sc->job_id, 0, sc->fax->remote_ident);
	if (p->env.committed != NULL)
		p->env.committed(p->env.committed_arg, sc->job_id);
}

static void port_group_flush(struct port_group *g)
{
	struct port_commit_buf buf, *b = &buf;

	if (g->n == 0)
		return;
	if (port_commit_buf_new(b, g->n) != 0)
		b = NULL;
	for (size_t i = 0; b != NULL && i < g->n; i++) {
		struct port_call *c = g->call[i];
		port_fill_fax(c->port, c, &c->result, &b->fax[i]);
		b->sc[i].tmp_path = c->tmp;
		b->sc[i].fax = &b->fax[i];
		b->sc[i].guids = (const char (*)[FGW_GUID_LEN + 1])b->guids[i];
		b->sc[i].n = port_methods(c->port, b->routes, b->guids[i]);
	}
	if (b != NULL) {
		struct core *core = g->call[0]->port->env.core;
		spool_commit_group(core_state(core), core_config(core)->spool, b->sc, g->n);
	}
	for (size_t i = 0; i < g->n; i++) {
		if (b != NULL)
			port_announce(g->call[i], &b->sc[i]);
		else      /* the tmp file stays: recovered at the next start */
			log_err("port %u: fax from %s not committed (kept in %s): out of memory",
				(unsigned)g->call[i]->port->cfg->id, g->call[i]->peer_text,
				g->call[i]->tmp);
		port_release(g->call[i]);
	}
	if (b != NULL)
		port_commit_buf_free(b);
	g->n = 0;
}

/* True when a later report of the list (looked at up to
 * PORT_PAGE_LOOKAHEAD) supersedes page report r: a later page of the same
 * call, or its end, whose commit follows at once. */
#define PORT_PAGE_LOOKAHEAD 256
static bool port_page_superseded(const struct port_report *r)
{
	const struct port_report *x = r->next;

	for (unsigned i = 0; x != NULL && i < PORT_PAGE_LOOKAHEAD; x = x->next, i++)
		if (x->call == r->call &&
		    (x->kind == PORT_REPORT_PAGE || x->kind == PORT_REPORT_ENDED))
			return true;
	return false;
}

/* A PAGE report: its record written as the call's sidecar (the directory
 * is fsynced once per list, into sync_dir's path), then freed.  The call's
 * tmp path is read only: set before the call's STARTED report. */
static void port_page_apply(struct port_report *r, char *sync_dir, size_t sync_len)
{
	struct port_page *pg = (struct port_page *)(void *)r;
	const struct port_call *c = r->call;
	char err[FGW_MAX_ERROR_TEXT];

	if (!port_page_superseded(r)) {
		if (spool_sidecar_write(c->tmp, &pg->sc, err, sizeof(err)) == 0)
			snprintf(sync_dir, sync_len, "%s", c->tmp);
		else
			log_warn("port %u: page %u of the call from %s not recorded: %s",
				 (unsigned)pg->sc.port_id, (unsigned)pg->sc.pages, c->peer_text, err);
	}
	free(pg);
}

/* An ENDED reception: what its file holds, as the page writer left it
 * (rxfile.h).  A page confirmed to the sender but not written (disk
 * full) makes the fax partial, with the reason, never silently short. */
static void port_file_settle(struct port_call *c)
{
	struct fax_session_result *r = &c->result;
	const struct rxfile_status *st = &c->file_status;
	char text[sizeof(r->t30_text)];

	if (!st->failed && st->pages >= r->pages)
		return;
	log_err("port %u: call from %s: %d of %d page(s) kept: %s", (unsigned)c->port->cfg->id,
		c->peer_text, st->pages, r->pages, st->error[0] != '\0' ? st->error : "file short");
	snprintf(text, sizeof(text), "%d of %d page(s) kept: %.*s", st->pages, r->pages,
		 (int)sizeof(text) - 40, st->error[0] != '\0' ? st->error : "file short");
	memcpy(r->t30_text, text, sizeof(text));
	r->pages = st->pages;
	r->pages_in_file = st->pages;
	r->success = false;
	r->partial = st->pages > 0;
	if (r->t30_status == 0)
		r->t30_status = FAX_SESSION_FILE_ERROR;
}

static void port_received_ended(struct port_call *c, struct port_group *g)
{
	port_file_settle(c);
	if (c->no_fax) {
		port_no_fax(c);
	} else if (c->result.pages > 0) {
		g->call[g->n++] = c;
		if (g->n == FGW_MAX_COMMIT_GROUP)
			port_group_flush(g);
	} else {
		port_fail(c);
	}
}

void port_reports_apply(struct port_report *r)
{
	struct port_group g = { .n = 0 };
	char sync_dir[FGW_MAX_PATH] = "";

	while (r != NULL) {
		struct port_report *next = r->next;      /* r goes with its call */
		struct port_call *c = r->call;
		if (r->kind == PORT_REPORT_PAGE) {
			port_calls_page(c->port, c, ((struct port_page *)(void *)r)->sc.pages);
			port_page_apply(r, sync_dir, sizeof(sync_dir));
		} else if (r->kind == PORT_REPORT_MEDIA) {
			port_calls_media(c->port, c,
					 ((struct port_media_note *)(void *)r)->transport);
			free(r);
		} else if (r->kind == PORT_REPORT_STARTED) {
			/* a port's events stay in order: its last call's first */
			port_group_flush(&g);
			port_calls_start(c->port, c);
			port_emit_state(c->port, c->job_id != 0 ? FGW_PORT_SENDING
					: FGW_PORT_RECEIVING, c->peer_text);
		} else if (c->job_id != 0) {
			port_send_ended(c);
		} else {
			port_received_ended(c, &g);
		}
		r = next;
	}
	port_group_flush(&g);
	if (sync_dir[0] != '\0')        /* the renames of the sidecars written */
		spool_fsync_dir_of(sync_dir);
}

void port_report_apply(struct port_report *r)
{
	r->next = NULL;
	port_reports_apply(r);
}

static void port_media_close(struct port *p, struct port_call *c);

/* A sending call cut after the receiver confirmed the last page (MCF to
 * EOP, T.30 5.3.6.2.3) delivered the whole document: a receiver that
 * hangs up as soon as it has our DCN, while we are still sending it, is
 * not a failure.  It is reported as T.30 success (T30_ERR_OK), the text
 * saying how the call ended. */
static void port_send_settle(struct fax_session_result *r)
{
	char text[sizeof(r->t30_text)];

	if (r->success || r->pages <= 0 || r->pages != r->pages_in_file)
		return;
	snprintf(text, sizeof(text), "OK: every page confirmed (then the far end hung up: %.*s)",
		 (int)sizeof(text) - 64, r->t30_text);
	memcpy(r->t30_text, text, sizeof(text));
	r->t30_status = 0;
	r->success = true;
	r->partial = false;
}

static void port_ended_post(struct pw_job *job)
{
	struct port_call *c = (struct port_call *)(void *)((char *)job -
							    offsetof(struct port_call, ended_job));

	c->port->env.post(c->port->env.arg, &c->ended);
}

/* The media thread's part of the end of a call: the call leaves the port
 * (which may take the next call at once) and goes to the main thread. */
static void port_finish(struct port *p)
{
	struct port_call *c = p->call;

	if (c->fc != NULL) {           /* NULL: a media switch failed */
		fax_call_result(c->fc, &c->result);
		port_log_stats(p, c);
		/* A SIP call that never brought T.30 was no fax (a wrong
		 * number, a voice call): not a failed reception. */
		if (c->sip && c->result.pages == 0 && !fax_call_peer_signalled(c->fc))
			c->no_fax = true;
		if (c->job_id != 0)
			port_send_settle(&c->result);
		fax_call_free(c->fc);  /* closes the TIFF file */
		c->fc = NULL;
	}
	p->call = NULL;
	c->end_time = (int64_t)time(NULL);
	memcpy(&p->last_peer, &c->peer, sizeof(p->last_peer));
	p->linger_until_ms = port_now_ms() + PORT_LINGER_MS;
	p->state = FGW_PORT_IDLE;
	if (p->env.call_ended != NULL)
		p->env.call_ended(p->env.arg, p);
	if (c->sip && !c->keep_media)
		port_media_close(p, c);
	c->ended.kind = PORT_REPORT_ENDED;
	c->ended.call = c;
	/* c is the main thread's once its file is complete (fax_session.h). */
	c->ended_job.run = port_ended_post;
	pagewriter_submit(p->env.writer, &c->ended_job);
}

void port_hangup(struct port *p)
{
	if (p->call == NULL)
		return;
	fax_call_hangup(p->call->fc);
	port_finish(p);
}

/* A claimed port waits FGW_CLAIM_T30_MS for T.30 from its peer; without
 * it the call ends as "no fax" (true: hung up). */
static bool port_claim_expired(struct port *p, struct port_call *c, uint64_t now_ms)
{
	uint64_t age = now_ms > c->start_ms ? now_ms - c->start_ms : 0;

	if (fax_call_peer_signalled(c->fc)) {
		c->signalled = true;
		log_debug("port %u: T.30 from %s after %llu ms", (unsigned)p->cfg->id,
			  c->peer_text, (unsigned long long)age);
		return false;
	}
	if (age <= FGW_CLAIM_T30_MS)
		return false;
	c->no_fax = true;
	p->no_fax++;
	port_hangup(p);
	return true;
}

void port_tick(struct port *p, uint64_t now_ms)
{
	struct port_call *c = p->call;
	uint64_t last;

	p->tick_ms = now_ms;
	if (c == NULL)
		return;
	/* The tick reads the sockets after taking now_ms: last_rx_ms may be
	 * a little later than now_ms.  A T.38 receiver says nothing while we
	 * send it a page (an ECM block at 4800 bit/s takes minutes): a
	 * sending call is silent only when neither side sent anything; T.30's
	 * own timers end it when the receiver does not answer. */
	last = c->job_id != 0 && c->last_tx_ms > c->last_rx_ms ? c->last_tx_ms : c->last_rx_ms;
	if (now_ms > last && now_ms - last > FGW_CALL_SILENCE_MS) {
		log_warn("port %u: no datagram from %s for %u s: hanging up",
			 (unsigned)p->cfg->id, c->peer_text, FGW_CALL_SILENCE_MS / 1000);
		port_hangup(p);
		return;
	}
	if (!c->signalled && port_claim_expired(p, c, now_ms))
		return;
	if (fax_call_tick(c->fc))
		port_finish(p);
}

/* --- the start of a call ---------------------------------------------------------------- */

static void port_call_params(struct port *p, struct port_call *c, struct fax_call_params *fp)
{
	const struct config_port *cfg = p->cfg;

	fax_call_params_default(fp);
	fp->session.mode = cfg->transport == CONFIG_AUDIO ? FAX_SESSION_AUDIO : FAX_SESSION_T38;
	fp->session.dir = FAX_SESSION_RECEIVE;
	fp->session.calling_party = false;
	fp->session.file = c->tmp;
	fp->session.writer = p->env.writer;
	fp->session.file_status = &c->file_status;
	fp->session.local_ident = cfg->local_ident[0] != '\0' ? cfg->local_ident : NULL;
	fp->session.ecm = cfg->ecm;
	fp->session.max_rate = cfg->max_rate;
	fp->session.t38_version = cfg->t38_version;
	fp->session.use_alaw = cfg->codec == CONFIG_PCMA;
	fp->session.log_tag = cfg->name;
	fp->session.log_level = 0;
	fp->ec = cfg->udptl_ec == CONFIG_EC_FEC ? UDPTL_EC_FEC
		 : cfg->udptl_ec == CONFIG_EC_NONE ? UDPTL_EC_NONE : UDPTL_EC_REDUNDANCY;
	fp->send = port_send;
	fp->send_arg = p;
}

static void port_claim_rules(const struct port *p, struct claim_rules *r)
{
	r->t38 = p->cfg->transport != CONFIG_AUDIO;
	r->t38_version = p->cfg->t38_version;
	r->rtp_pt = p->cfg->codec == CONFIG_PCMA ? RTP_PT_PCMA : RTP_PT_PCMU;
}

/* A new call of p with its peer, its tmp file and its clocks; NULL when
 * out of memory or without a tmp path. */
static struct port_call *port_call_new(struct port *p, const struct sockaddr_storage *peer,
				       socklen_t peer_len)
{
	struct port_call *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->port = p;
	c->calls_slot = CALLS_NO_SLOT;
	memcpy(&c->peer, peer, peer_len);
	c->peer_len = peer_len;
	port_addr_text(peer, c->peer_text, sizeof(c->peer_text));
	c->start_time = (int64_t)time(NULL);
	c->last_rx_ms = port_now_ms();
	c->start_ms = c->last_rx_ms;
	if (spool_tmp_path(core_config(p->env.core)->spool, p->cfg->id, c->tmp,
			   sizeof(c->tmp)) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

/* Creates c's fax call from fp (p->call must be c); -1 when it failed. */
static int port_call_open(struct port *p, struct port_call *c, const struct fax_call_params *fp)
{
	char err[FGW_MAX_ERROR_TEXT];

	c->fc = fax_call_new(fp, err, sizeof(err));
	if (c->fc == NULL) {
		log_err("port %u: cannot start a call: %s", (unsigned)p->cfg->id, err);
		return -1;
	}
	if (c->job_id == 0)           /* sending keeps no sidecar */
		fax_session_set_page_hook(fax_call_session(c->fc), port_page, c);
	return 0;
}

/* The call runs: the ticker takes it, the main thread hears of it. */
static void port_call_started(struct port *p, struct port_call *c)
{
	p->state = c->job_id != 0 ? FGW_PORT_SENDING : FGW_PORT_RECEIVING;
	memcpy(c->started_transport, c->transport, sizeof(c->started_transport));
	if (p->env.call_started != NULL)
		p->env.call_started(p->env.arg, p);
	c->started.kind = PORT_REPORT_STARTED;
	c->started.call = c;
	p->env.post(p->env.arg, &c->started);
}

/* Starts a call with the datagram buf from `from`; false when it did not
 * start one: only a well-formed datagram of the port's transport claims
 * it (claim.h), anything else is counted as refused. */
static bool port_start_call(struct port *p, const struct sockaddr_storage *from,
			    socklen_t fromlen, const uint8_t *buf, size_t len)
{
	struct port_call *c;
	struct fax_call_params fp;
	struct claim_rules rules;
	uint16_t seq;

	port_claim_rules(p, &rules);
	if (claim_check(&rules, buf, len, &seq) != 0) {
		p->refused++;
		return false;
	}
	c = port_call_new(p, from, fromlen);
	if (c == NULL)
		return false;
	claim_watch_start(&c->watch, &rules, seq);
	snprintf(c->transport, sizeof(c->transport), "%s (static port)",
		 p->cfg->transport != CONFIG_AUDIO ? "T.38"
		 : p->cfg->codec == CONFIG_PCMA ? "G.711 PCMA" : "G.711 PCMU");
	port_call_params(p, c, &fp);
	p->call = c;
	if (port_call_open(p, c, &fp) != 0)
		goto fail;
	if (fax_call_datagram_in(c->fc, buf, len) != 0) {
		p->refused++;
		fax_call_free(c->fc);
		unlink(c->tmp);
		goto fail;
	}
	log_info("port %u: call from %s", (unsigned)p->cfg->id, c->peer_text);
	port_call_started(p, c);
	return true;
fail:
	p->call = NULL;
	free(c);
	return false;
}

/* --- SIP channels --------------------------------------------------------------------- */

/* The fax parameters of a SIP call: the port's T.30 settings, the media
 * of the plan. */
static void port_media_params(struct port *p, struct port_call *c, const struct port_media *m,
			      struct fax_call_params *fp)
{
	port_call_params(p, c, fp);
	fp->session.mode = m->t38 ? FAX_SESSION_T38 : FAX_SESSION_AUDIO;
	fp->session.use_alaw = m->alaw;
	fp->session.t38_version = (int)m->t38_version;
	fp->session.max_datagram = (int)m->max_datagram;
	fp->payload_type = m->payload_type;
	fp->ptime = m->ptime;
	fp->ec = m->ec_fec ? UDPTL_EC_FEC : m->ec_none ? UDPTL_EC_NONE : UDPTL_EC_REDUNDANCY;
	if (c->job_id != 0) {          /* we placed the call: CNG, wait for DIS, send */
		fp->session.dir = FAX_SESSION_SEND;
		fp->session.calling_party = true;
		fp->session.file = c->send_file;
		if (c->local_ident[0] != '\0')
			fp->session.local_ident = c->local_ident;
	}
}

/* The end of a SIP call's media: its socket goes, the SIP thread hears. */
static void port_media_close(struct port *p, struct port_call *c)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (c->media_ended != NULL)
		c->media_ended(c->media_arg, c->serial);
}

/* The media of m as text: "G.711 PCMU ptime 20", "T.38 v0, max datagram
 * 400, redundancy"; " (after re-INVITE)" when a switch brought it. */
static void port_media_text(const struct port_media *m, bool reinvite, char *out, size_t outlen)
{
	const char *after = reinvite ? " (after re-INVITE)" : "";

	if (m->t38)
		snprintf(out, outlen, "T.38 v%u, max datagram %u, %s%s", m->t38_version,
			 (unsigned)m->max_datagram,
			 m->ec_fec ? "FEC" : m->ec_none ? "no error correction" : "redundancy",
			 after);
	else
		snprintf(out, outlen, "G.711 %s ptime %u%s", m->alaw ? "PCMA" : "PCMU", m->ptime,
			 after);
}

/* Media thread: tells the main thread (its table of calls) that c's
 * transport changed.  Without memory the table shows the old one. */
static void port_post_media(struct port_call *c)
{
	struct port_media_note *n = malloc(sizeof(*n));

	if (n == NULL)
		return;
	memcpy(n->transport, c->transport, sizeof(n->transport));
	n->report.next = NULL;
	n->report.kind = PORT_REPORT_MEDIA;
	n->report.call = c;
	c->port->env.post(c->port->env.arg, &n->report);
}

static void port_media_begin(struct port *p, const struct port_media *m, bool reinvite)
{
	struct port_call *c = p->call != NULL ? NULL : port_call_new(p, &m->remote, m->remote_len);
	struct fax_call_params fp;

	if (c == NULL) {
		log_err("port %u channel %u: SIP call %s not started (%s)", (unsigned)p->cfg->id,
			p->chan, m->call_id, p->call != NULL ? "channel busy" : "out of memory");
		close(m->fd);
		m->ended(m->ended_arg, m->serial);
		return;
	}
	c->sip = true;
	c->t38 = m->t38;
	c->signalled = true;            /* no claim: T.30 has its own timers */
	c->serial = m->serial;
	c->media_ended = m->ended;
	c->media_arg = m->ended_arg;
	snprintf(c->call_id, sizeof(c->call_id), "%s", m->call_id);
	snprintf(c->from, sizeof(c->from), "%s", m->from);
	snprintf(c->to, sizeof(c->to), "%s", m->to);
	snprintf(c->user_agent, sizeof(c->user_agent), "%s", m->user_agent);
	c->job_id = m->job_id;
	snprintf(c->send_file, sizeof(c->send_file), "%s", m->send_file);
	snprintf(c->local_ident, sizeof(c->local_ident), "%s", m->local_ident);
	port_media_text(m, reinvite, c->transport, sizeof(c->transport));
	p->fd = m->fd;
	p->call = c;
	port_media_params(p, c, m, &fp);
	if (port_call_open(p, c, &fp) != 0 && c->job_id != 0) {
		/* the job still hears how its call ended */
		snprintf(c->result.t30_text, sizeof(c->result.t30_text),
			 "cannot start sending %.200s", c->send_file);
		port_call_started(p, c);
		port_finish(p);
		return;
	}
	if (c->fc == NULL) {
		p->call = NULL;
		unlink(c->tmp);
		port_media_close(p, c);
		free(c);
		return;
	}
	if (c->job_id != 0)
		log_info("port %u channel %u: SIP call %s of job %" PRIu64 " to %s (%s), sending %s, "
			 "media to %s", (unsigned)p->cfg->id, p->chan, c->call_id, c->job_id, m->to,
			 m->t38 ? "T.38" : m->alaw ? "PCMA" : "PCMU", c->send_file, c->peer_text);
	else
		log_info("port %u channel %u: SIP call %s from %s (%s), media from %s",
			 (unsigned)p->cfg->id, p->chan, c->call_id, m->from,
			 m->t38 ? "T.38" : m->alaw ? "PCMA" : "PCMU", c->peer_text);
	port_call_started(p, c);
}

void port_media_start(struct port *p, const struct port_media *m)
{
	port_media_begin(p, m, false);
}

/* G.711 to T.38 (or back): the fax session starts afresh into the same
 * file, as T.30 restarts on the new media on both sides; a sending call
 * sends its document again from page 1.  A call that
 * already has pages keeps them: they are committed as a fax of their own
 * (partial) and the new session runs as a new call on the same socket. */
static void port_media_switch(struct port *p, struct port_call *c, const struct port_media *m)
{
	struct fax_session_result r;
	struct fax_call_params fp;
	struct port_media again;

	fax_call_result(c->fc, &r);
	if (r.pages > 0 && c->job_id == 0) {
		again = *m;
		again.fd = p->fd;
		c->keep_media = true;
		port_hangup(p);
		port_media_begin(p, &again, true);
		return;
	}
	fax_call_free(c->fc);            /* first: the new session rewrites the file */
	c->fc = NULL;
	c->t38 = m->t38;
	port_media_text(m, true, c->transport, sizeof(c->transport));
	port_media_params(p, c, m, &fp);
	if (port_call_open(p, c, &fp) != 0) {
		snprintf(c->result.t30_text, sizeof(c->result.t30_text), "cannot switch to %s",
			 m->t38 ? "T.38" : "G.711");
		port_finish(p);
		return;
	}
	port_post_media(c);
}

void port_media_update(struct port *p, const struct port_media *m)
{
	struct port_call *c = p->call;
	char where[FGW_MAX_ADDRESS];

	if (c == NULL || !c->sip || c->serial != m->serial)
		return;
	/* peer_text stays the caller's first address: the main thread may be
	 * reading it (the STARTED report). */
	memcpy(&c->peer, &m->remote, m->remote_len);
	c->peer_len = m->remote_len;
	c->latched = false;
	if (c->t38 != m->t38) {
		port_addr_text(&c->peer, where, sizeof(where));
		log_info("port %u channel %u: SIP call %s switches to %s, media from %s",
			 (unsigned)p->cfg->id, p->chan, c->call_id, m->t38 ? "T.38" : "G.711",
			 where);
		port_media_switch(p, c, m);
	}
}

void port_media_hangup(struct port *p, uint64_t serial)
{
	if (p->call != NULL && p->call->sip && p->call->serial == serial)
		port_hangup(p);
}

/* --- receiving ------------------------------------------------------------------------------ */

static bool port_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return a->ss_family == AF_INET6 &&
	       memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

/* A SIP call takes media from the SDP's address only; the first datagram
 * from that IP may set the port (a peer behind a NAT or an SBC that sends
 * from another port than it named), once. */
static bool port_sip_source(struct port_call *c, const struct sockaddr_storage *from)
{
	if (port_same_addr(from, &c->peer))
		return true;
	if (c->latched || !port_same_ip(from, &c->peer))
		return false;
	memcpy(&c->peer, from, c->peer_len);
	c->latched = true;             /* peer_text stays: the main thread reads it */
	return true;
}

static void port_datagram(struct port *p, uint64_t now, const struct sockaddr_storage *from,
			  socklen_t fromlen, const uint8_t *buf, size_t len)
{
	if (p->channel) {
		if (p->call == NULL || !port_sip_source(p->call, from)) {
			p->foreign_dropped++;
			return;
		}
		p->call->last_rx_ms = now;
		fax_call_datagram_in(p->call->fc, buf, len);
		return;
	}
	if (!fgwx_cidr_allowed(p->cfg->allow, p->cfg->nallow, (const struct sockaddr *)from)) {
		p->foreign_dropped++;
		return;
	}
	if (p->call == NULL) {
		if (p->env.draining != NULL && atomic_load(p->env.draining)) {
			p->refused++;           /* faxgwd is stopping: no new call */
			return;
		}
		if (p->cfg->has_peer && !port_same_addr(from, &p->cfg->peer)) {
			p->foreign_dropped++;
			return;
		}
		if (now < p->linger_until_ms && port_same_addr(from, &p->last_peer)) {
			p->lingered++;
			p->linger_until_ms = now + PORT_LINGER_MS;
			return;
		}
		port_start_call(p, from, fromlen, buf, len);
		return;
	}
	if (!port_same_addr(from, &p->call->peer)) {
		p->foreign_dropped++;
		return;
	}
	p->call->last_rx_ms = now;
	claim_watch_rx(&p->call->watch, buf, len);
	fax_call_datagram_in(p->call->fc, buf, len);
}

/* The receive batch: one per thread, shared by every port of its loop
 * (a read handler runs to its end before the next one starts). */
struct port_rx_batch {
	struct mmsghdr msg[FGW_MAX_DATAGRAMS_PER_EVENT];
	struct iovec iov[FGW_MAX_DATAGRAMS_PER_EVENT];
	struct sockaddr_storage from[FGW_MAX_DATAGRAMS_PER_EVENT];
	uint8_t buf[FGW_MAX_DATAGRAMS_PER_EVENT][FGW_MAX_DATAGRAM + 1];
};

static _Thread_local struct port_rx_batch port_rx;
static _Thread_local bool port_rx_ready;
static _Thread_local int port_rx_used;   /* entries the last recvmmsg filled */

/* recvmmsg changes only msg_namelen, msg_flags and msg_len, and only of the
 * entries it filled: the rest is set once per thread, and those entries
 * are reset before the next read (in the 20 ms loop most reads take one). */
static void port_rx_prepare(struct port_rx_batch *b)
{
	int n = port_rx_ready ? port_rx_used : FGW_MAX_DATAGRAMS_PER_EVENT;

	for (int i = 0; i < n; i++) {
		if (!port_rx_ready) {
			b->iov[i].iov_base = b->buf[i];
			b->iov[i].iov_len = sizeof(b->buf[i]);
			memset(&b->msg[i].msg_hdr, 0, sizeof(b->msg[i].msg_hdr));
			b->msg[i].msg_hdr.msg_name = &b->from[i];
			b->msg[i].msg_hdr.msg_iov = &b->iov[i];
			b->msg[i].msg_hdr.msg_iovlen = 1;
		}
		b->msg[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
		b->msg[i].msg_hdr.msg_flags = 0;
		b->msg[i].msg_len = 0;
	}
	port_rx_ready = true;
	port_rx_used = 0;
}

/* One recvmmsg drains up to FGW_MAX_DATAGRAMS_PER_EVENT datagrams: on a
 * non-blocking socket it returns what is queued, so a short batch means
 * the queue is empty and no read to see EAGAIN follows.  A full batch
 * leaves the rest to the next round (the socket stays ready), so one busy
 * port cannot starve the others. */
void port_read(struct port *p)
{
	struct port_rx_batch *b = &port_rx;
	uint64_t now;
	int n;

	if (p->fd < 0)
		return;
	port_rx_prepare(b);
	n = recvmmsg(p->fd, b->msg, FGW_MAX_DATAGRAMS_PER_EVENT, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n <= 0)
		return;      /* EAGAIN, or an ICMP error reported on the socket */
	port_rx_used = n;
	now = port_now_ms();
	for (int i = 0; i < n; i++) {
		const struct msghdr *h = &b->msg[i].msg_hdr;
		size_t len = b->msg[i].msg_len;

		if (len > FGW_MAX_DATAGRAM || (h->msg_flags & MSG_TRUNC) != 0) {
			p->oversized++;
			continue;
		}
		port_datagram(p, now, &b->from[i], h->msg_namelen, b->buf[i], len);
	}
}

int port_fd(const struct port *p)
{
	return p->fd;
}

static int port_open_socket(struct port *p)
{
	const struct config_port *cfg = p->cfg;
	int fd = socket(cfg->listen.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		log_err("port %u: socket: %s", (unsigned)cfg->id, strerror(errno));
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&cfg->listen, cfg->listen_len) != 0) {
		log_err("port %u: cannot listen on %s: %s", (unsigned)cfg->id, cfg->listen_text,
			strerror(errno));
		close(fd);
		return -1;
	}
	p->fd = fd;
	return 0;
}

struct port *port_new(const struct port_env *env, const struct config_port *cfg)
{
	struct port *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->env = *env;
	p->cfg = cfg;
	p->fd = -1;
	p->state = FGW_PORT_IDLE;
	if (cfg->transport == CONFIG_SIP) {
		/* Its calls come through the SIP thread to its channels
		 * (port_new_channel): no socket of its own. */
		log_info("port %u (%s, sip) answers SIP calls on %d channel(s)", (unsigned)cfg->id,
			 cfg->name, cfg->channels);
		return p;
	}
	if (port_open_socket(p) != 0)
		p->state = FGW_PORT_FAILED;
	else
		log_info("port %u (%s, %s) listening on %s", (unsigned)cfg->id, cfg->name,
			 config_transport_name(cfg->transport), cfg->listen_text);
	return p;
}

struct port *port_new_channel(const struct port_env *env, const struct config_port *cfg,
			      unsigned channel)
{
	struct port *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->env = *env;
	p->cfg = cfg;
	p->fd = -1;
	p->state = FGW_PORT_IDLE;
	p->channel = true;
	p->chan = channel;
	return p;
}

static void port_post_now(void *arg, struct port_report *r)
{
	(void)arg;
	port_report_apply(r);
}

void port_free(struct port *p)
{
	if (p == NULL)
		return;
	if (p->call != NULL) {
		/* On the main thread, its media thread stopped: settle at once. */
		p->env.call_ended = NULL;
		p->env.post = port_post_now;
		p->env.writer = NULL;  /* its jobs ran (dataplane_free) */
		port_hangup(p);
	}
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}
