/*
 * sendq.h - sending faxes (DESIGN 3b; faxgwd(8), SENDING): the send jobs,
 * on the main thread.
 *
 * A client uploads a document over the control socket (sendq_begin,
 * sendq_data, sendq_commit: the bytes go to a file in
 * spool/outbox/tmp/, never read from a path the client names); the
 * router process checks it and, for a PDF, renders it to TIFF Class F
 * (router.h ROUTER_PREPARE; off the main loop and the media threads).
 * Only then is the job created, durable (state database, and the TIFF
 * fsynced in spool/outbox/) before the commit is answered.
 *
 * A queued job is dialled when its port has a free channel (the SIP
 * thread decides; no free channel: it stays queued and is tried again
 * shortly, not counted as an attempt): QUEUED -> DIALING
 * (core_sip.dial) -> SENDING (sendq_answered) -> DONE when every
 * page was confirmed, else an attempt failed: busy (486, 600), no answer
 * (408, 480, 487 after our timeout), a T.30 failure or a call cut
 * mid-document are retried per send-retry (the fax again from page 1);
 * 403, 404, 488 and other 4xx-6xx answers fail the job for good.  A
 * restart of faxgwd requeues every job that was DIALING or SENDING (the
 * call died with the old process) and keeps QUEUED ones.
 */
#ifndef FAXGW_SENDQ_H
#define FAXGW_SENDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <faxgw/admin.h>
#include "caps.h"
#include "fax_session.h"

struct config;
struct core_dataplane;
struct core_sip;
struct event_base;
struct state;
struct router_reply;
struct router_request;
struct sendq;

/* What the queue asks the SIP side to dial (rtable.h struct core_sip). */
struct core_dial {
	uint64_t job_id;                    /* never 0 */
	uint32_t port_id;                   /* a sip port */
	char to[FGW_MAX_SEND_TO];           /* a number or a whole sip:/sips: URI, checked */
	char file[FGW_MAX_PATH];            /* the TIFF Class F to send */
	char local_ident[FGW_MAX_IDENT + 1];/* our TSI ("": none) */
};

/* How a call of a send job ended, from its media thread (port.c) on the
 * main thread. */
struct send_outcome {
	uint64_t job_id;
	uint32_t port_id;
	struct fax_session_result fax;      /* pages confirmed, rate, ECM, T.30 result */
	char transport[FGW_MAX_TRANSPORT_TEXT];
	char peer[FGW_MAX_ADDRESS];         /* the media address */
	char call_id[FGW_MAX_SIP_IDENT];
	uint64_t start_time, end_time;      /* Unix time */
};

/* --- the queue ------------------------------------------------------------------ */

/* What the queue uses, all borrowed (the core's: sip and dp point at the
 * hooks the core keeps, which may change while the queue runs). */
struct sendq_env {
	const struct config *cfg;
	struct state *st;
	struct event_base *base;
	void (*emit)(void *arg, const fgw_event *ev);
	void *arg;
	const struct core_sip *sip;          /* dial, cancel (rtable.h) */
	const struct core_dataplane *dp;     /* prepare (rtable.h) */
};
/* The send queue (the core makes it with its loop, core_sendq()):
 * requeues the jobs a dead faxgwd left dialing or sending, makes
 * spool/outbox/ and empties spool/outbox/tmp/.  NULL with err on failure.
 * sendq_free(): pending uploads are dropped, jobs stay in the database;
 * NULL is fine.  Every function below accepts a NULL queue (sending not
 * available): it refuses, or does nothing. */
struct sendq *sendq_new(const struct sendq_env *env, char *err, size_t errlen);
void sendq_free(struct sendq *q);
/* Looks at the queue now (a channel may be free, SIP came up). */
void sendq_kick(struct sendq *q);

/* --- upload (control server) ------------------------------------------------ */

struct send_upload;
/* Starts an upload for who ("uid 1000 (alice)", uid): checks the right to
 * send (may_send: root, faxgwd's uid, admin-group, send-group), the port
 * (0: the first sip port), `to` (FGW_E_BAD_ADDRESS) and size
 * (1..FGW_MAX_SEND_BYTES); opens the file.  0 and *out, or an FGW_E_*
 * code with the reason in err. */
int sendq_begin(struct sendq *q, const char *who, uint32_t uid, bool may_send,
		uint32_t port_id, const char *to, const char *local_ident, uint64_t size,
		struct send_upload **out, char *err, size_t errlen);
/* Appends bytes (beyond the announced size: FGW_E_TOO_BIG). */
int sendq_data(struct send_upload *u, const void *p, size_t n, char *err, size_t errlen);
/* Ends the upload: the router checks and converts the document, then
 * the job is created; done(arg, 0, job_id, "") or done(arg, code, 0,
 * reason) is called later from the loop, never from inside this call.
 * Until then u stays the caller's handle on it: sendq_forget(u) when its
 * connection closes first (the job is still created, done is not
 * called). */
typedef void (*sendq_done_fn)(void *arg, int rc, uint64_t job_id, const char *reason);
void sendq_commit(struct send_upload *u, sendq_done_fn done, void *arg);
void sendq_forget(struct send_upload *u);
/* Drops an upload that was not committed (its file is removed).  NULL ok. */
void sendq_abort(struct send_upload *u);
/* The router's answer to a PREPARE request (jobs.h env.prepared). */
void sendq_prepared(struct sendq *q, const struct router_reply *rp);

/* fgw_cancel_job: 0, FGW_E_NO_JOB (no such send job), FGW_E_STATE
 * (already finished), FGW_E_ACCESS (neither admin nor the submitter). */
int sendq_cancel(struct sendq *q, uint64_t job_id, const char *who, uint32_t uid, bool is_admin,
		 char *err, size_t errlen);
/* fgw_retry_job on a send job (core_retry_job): a FAILED send whose
 * document is still in spool/outbox/ is QUEUED again with its attempts
 * reset.  0, FGW_E_NO_JOB (not a send job), FGW_E_STATE with a reason. */
int sendq_retry(struct sendq *q, uint64_t job_id, const char *who, uint32_t uid, char *err,
		size_t errlen);

/* --- the SIP side's reports (main thread) ------------------------------------- */

/* The call of job_id was answered (200 OK): the job is SENDING. */
void sendq_answered(struct sendq *q, uint64_t job_id, const char *call_id);
/* The call of job_id ended without media: sip_status is the final
 * response (0: no request went out, e.g. no free channel: the job stays
 * queued and is dialled again shortly), reason a text for the job. */
void sendq_dial_failed(struct sendq *q, uint64_t job_id, int sip_status, const char *reason);
/* The media of job_id's call ended (port.c, after the media thread). */
void sendq_outcome(struct sendq *q, const struct send_outcome *o);

#endif
