/*
 * sip_internal.h - what sip_thread.c (the thread, requests outside a
 * dialog) and sip_dialog.c (calls) share.  Internal to gateway/sip/.
 *
 * Everything here belongs to the SIP thread, except the members marked
 * "any thread" (atomics, or under ended_mu).
 */
#ifndef FAXGW_SIP_INTERNAL_H
#define FAXGW_SIP_INTERNAL_H

#define SU_ROOT_MAGIC_T  struct sip_thread
#define SU_WAKEUP_ARG_T  struct sip_thread
#define SU_TIMER_ARG_T   struct sip_call
#define NUA_MAGIC_T      struct sip_thread
#define NUA_HMAGIC_T     struct sip_call

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/auth_module.h>

#include "sip_types.h"

#define SIP_WARN_AGENT "faxgw"
#define SIP_WARN_MAX   (FGW_SDP_MAX_WARNING + 32)
/* A 491 on the re-INVITE of a call we placed (we own its Call-ID): retry
 * after 2.1..4 s (RFC 3261 14.1). */
#define SIP_GLARE_OWNER_MIN_MS 2100
#define SIP_GLARE_OWNER_MAX_MS 4000

/* The counters of struct sip_stats, kept as atomics (any thread reads). */
enum sip_stat {
	SIP_ST_INVITES, SIP_ST_ANSWERED, SIP_ST_REJ3, SIP_ST_REJ4, SIP_ST_REJ5, SIP_ST_REJ6,
	SIP_ST_T38_SENT, SIP_ST_T38_ACCEPTED, SIP_ST_T38_REFUSED, SIP_ST_T38_PEER,
	SIP_ST_REFRESHES, SIP_ST_CALLS, SIP_ST_N
};
typedef _Atomic uint64_t sip_counters[SIP_ST_N];

/* Dials and cancels waiting for the SIP thread (sip_thread_dial). */
#define SIP_OUT_QUEUE 128

/* Our own T.38 re-INVITE (t38 = offer). */
enum sip_reinvite { SIP_REINVITE_IDLE, SIP_REINVITE_PENDING, SIP_REINVITE_DONE };

/* One INVITE dialog we answer, or place for a send job (sip_out.c), from
 * the INVITE to the end of its media. */
struct sip_call {
	struct sip_thread *t;
	nua_handle_t *nh;             /* NULL once the dialog is gone */
	su_timer_t *ring;             /* the answer after FGW_SIP_RING_MS */
	su_timer_t *dial;             /* ours: the final answer within FGW_SIP_DIAL_MS */
	su_timer_t *retry;            /* our re-INVITE again after a 491 */
	struct sip_media m;           /* port, channel, serial, fd, plan, identities */
	struct sockaddr_storage src;  /* where the INVITE came from (max-calls-per-source) */
	uint16_t local_port;          /* of m.fd */
	uint64_t sess_id, sess_version; /* our o= line */
	char sdp[FGW_SIP_MAX_ANSWER]; /* our SDP now (answers to refreshes) */
	bool answered;                /* 200 sent */
	bool media;                   /* the media thread has it, no end reported yet */
	bool bye_sent;
	enum sip_reinvite reinvite;
	/* A call we placed (m.job_id != 0): the outcome of its dial reported
	 * (dial_answered or dial_failed, exactly once), and why it ends
	 * without media (cancelled: sip_thread_cancel; timed out: no final
	 * answer in FGW_SIP_DIAL_MS). */
	bool outbound, reported, cancelled, timed_out;
	struct sip_call *prev, *next; /* the thread's calls */
};

/* A command of another thread for the SIP thread (sip_out.c): a dial, or
 * the cancel of a send job's call (dial.job_id only). */
struct sip_out_cmd {
	bool cancel;
	struct sip_dial dial;
};

struct sip_thread {
	pthread_t tid;
	bool joined;                  /* sip_thread_stop() is done */
	int efd;                      /* eventfd: a command is waiting (any thread) */
	atomic_bool draining, stop;   /* any thread */
	_Atomic uint64_t answers[600]; /* by status - 100 (any thread) */
	sip_counters stats;           /* all ports (any thread reads) */
	sip_counters *port_stats;     /* per settings->ports[i] */
	struct sip_hooks hooks;
	struct sip_media_ops ops;     /* ops.start NULL: no media */
	char sulog[512];              /* sofia-sip's log line being assembled */
	size_t sulog_len;
	/* start-up handshake */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int start_state;              /* 0 waiting, 1 running, -1 failed */
	char start_err[FGW_MAX_ERROR_TEXT];
	/* media ends reported by the media threads (any thread, ended_mu) */
	pthread_mutex_t ended_mu;
	uint64_t *ended;              /* a ring of serials, ended_cap entries */
	size_t ended_cap, ended_head, ended_n;
	/* dials and cancels (any thread, ended_mu): a ring of out_cap */
	struct sip_out_cmd *out;
	size_t out_cap, out_head, out_n;
	bool out_closed;              /* the thread is gone: no more dials */
	/* the SIP thread's own */
	su_root_t *root;
	su_wait_t wait[1];            /* the eventfd's */
	bool registered;
	nua_t *nua;
	su_timer_t *shutdown_timer;
	auth_mod_t *auth;             /* digest authentication; NULL: none */
	bool shutting_down;
	bool drain_seen;              /* draining: the ringing dials were cancelled */
	unsigned calls;
	struct sip_call *call_list;   /* every call, ringing, up or ending */
	unsigned *port_calls;         /* per settings->ports[i] */
	uint8_t **chan_busy;          /* [port][channel]: a call has the channel */
	uint64_t next_serial;
	unsigned media_cursor;        /* where the next media port search starts */
	uint64_t invites, handles_freed; /* INVITE handles received and destroyed */
	uint64_t dials;               /* INVITE handles we made (sip_out.c) */
	struct sdp_session offer;     /* the offer being answered (~20 kB) */
	struct sip_settings *s;       /* copy */
};

/* sip_base.c */
__attribute__((format(printf, 3, 4)))
void sip_log(struct sip_thread *t, int level, const char *fmt, ...);
void sip_count(struct sip_thread *t, int status);
/* Counts one event of port (-1: no port yet) and all ports; SIP_ST_CALLS
 * goes up by delta (+1 / -1), the others by 1. */
void sip_stat(struct sip_thread *t, int port, enum sip_stat which, int delta);
/* The final answer to a new INVITE of port (-1: none yet), counted as
 * answered or rejected by class. */
void sip_stat_final(struct sip_thread *t, int port, int status);
/* A Warning header value with our agent name (sip_policy_warning()). */
void sip_warning(char *out, size_t size, int code, const char *text);
/* Sends a response; with_this inside the callback of the request. */
void sip_respond(struct sip_thread *t, nua_handle_t *nh, int status, const char *warning,
		 bool retry_after, bool with_this);

/* Queues the end of call serial's media for the SIP thread and wakes it
 * (any thread); sip_thread_ended_cb() is the same for struct sip_media's
 * ended (arg: the thread). */
void sip_ended_push(struct sip_thread *t, uint64_t serial);
void sip_thread_ended_cb(void *arg, uint64_t serial);
/* Wakes the SIP thread (any thread): it looks at its flags and queues. */
void sip_wake(struct sip_thread *t);

/* sip_dialog.c */
/* A new call on port's channel (it must be free), linked into the
 * thread's calls; m.fd -1, m.serial and m.ended set. NULL: no memory. */
struct sip_call *sip_call_new(struct sip_thread *t, size_t port, unsigned channel);
/* Unlinks and frees c (its timers, its media socket); not its handle. */
void sip_call_free(struct sip_call *c);
/* A free channel of the port, or -1. */
int sip_call_free_channel(const struct sip_thread *t, size_t port);
/* Our side of c's SDP. */
void sip_call_local(const struct sip_call *c, struct sdp_local *l);
/* "T.38", "G.711 PCMU", "G.711 PCMA". */
const char *sip_transport_name(const struct sdp_plan *p);
/* An INVITE that passed every check: its offer in t->offer, the decision
 * in ans (status 200).  Rings, then answers; or refuses with a reason. */
void sip_dialog_new(struct sip_thread *t, nua_handle_t *nh, const sip_t *sip, size_t port,
		    const struct sdp_answer *ans, const struct sockaddr *src);
/* Calls in progress whose INVITE came from src's IP address. */
unsigned sip_dialog_source_calls(const struct sip_thread *t, const struct sockaddr *src);
/* Events of a dialog (c bound to nh). */
void sip_dialog_reinvite(struct sip_call *c, const sip_t *sip);
void sip_dialog_update(struct sip_call *c, const sip_t *sip);
void sip_dialog_response(struct sip_call *c, int status, const sip_t *sip);
void sip_dialog_state(struct sip_call *c, int callstate);
/* The media threads' reports (on the SIP thread, after a wake-up). */
void sip_dialog_media_ended(struct sip_thread *t);
/* Stopping: calls not answered yet get 503; every call is ended. */
void sip_dialog_answer_ringing(struct sip_thread *t);
/* After the root stopped: frees every call (media sockets closed). */
void sip_dialog_free_all(struct sip_thread *t);

/* sip_out.c: the calls we place for send jobs (sip_thread_dial; sip_thread.c
 * dispatches to it, it uses sip_dialog.c and sip_base.c). */
/* Any thread: queues a dial (checked) or a cancel and wakes the thread;
 * the dial: 0, or -1 with err (stopping, queue full). */
int sip_out_queue_dial(struct sip_thread *t, const struct sip_dial *d, char *err, size_t errlen);
void sip_out_queue_cancel(struct sip_thread *t, uint64_t job_id);
/* The dials and cancels queued by other threads (after a wake-up). */
void sip_out_commands(struct sip_thread *t);
/* The final answer to our INVITE (c->outbound, not answered yet). */
void sip_out_response(struct sip_call *c, int status, const char *phrase, const sip_t *sip);
/* Draining: dials still ringing are cancelled, reported as dial_failed
 * with status 0 (the job waits for the next start); new dials are refused
 * the same way. */
void sip_out_drain(struct sip_thread *t);
/* Stopping: the same, and the queue is closed and emptied (each dial
 * reported as dial_failed with status 0). */
void sip_out_stop(struct sip_thread *t);
/* A call state of c (outbound), before sip_dialog_state(): a dial that
 * terminates unreported and without media is reported failed (0). */
void sip_out_state(struct sip_call *c, int callstate);

/* sip_media.c: a UDP socket for a call's media, bound to s->media_bind
 * with the first free port of the range from *cursor on.  The fd, or -1
 * (every port taken, or the address unusable: reason in err). */
int sip_media_bind(const struct sip_settings *s, unsigned *cursor, uint16_t *port, char *err,
		   size_t errlen);

#endif
