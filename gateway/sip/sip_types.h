/*
 * sip_types.h - the values the SIP thread (sip_thread.h) exchanges with
 * the rest of faxgwd: its log hook, a call's media and what it asks of
 * the media threads.  Plain values; see sip_thread.h for the rules.
 */
#ifndef FAXGW_SIP_TYPES_H
#define FAXGW_SIP_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "sip_policy.h"

struct sip_thread;

/* What the SIP thread calls back, on its own thread: keep it short and
 * thread-safe.  level is syslog's (LOG_ERR .. LOG_DEBUG). */
struct sip_dial_result;
struct sip_hooks {
	void (*log)(void *arg, int level, const char *text);
	/* Sending (sip_thread_dial): the call of job_id was answered and its
	 * media go to a media thread (call_id: ours; told just before the
	 * media thread gets the call, so its end always comes later); or the
	 * dial ended without media (every other outcome of a dial; also, with
	 * status 0, after dial_answered when no media thread took the call).
	 * NULL: not told. */
	void (*dial_answered)(void *arg, uint64_t job_id, const char *call_id);
	void (*dial_failed)(void *arg, const struct sip_dial_result *r);
	void *arg;
};

/* A call to place for a send job (sip_thread_dial). */
struct sip_dial {
	uint64_t job_id;              /* never 0 */
	size_t port;                  /* index in settings->ports */
	char uri[FGW_MAX_SIP_URI + FGW_MAX_SEND_TO]; /* the request URI, whole */
	char file[FGW_MAX_PATH];      /* the TIFF Class F to send */
	char local_ident[FGW_MAX_IDENT + 1];
};
/* A dial that ended without media. */
struct sip_dial_result {
	uint64_t job_id;
	int status;                   /* the final response >= 300; 408 when none came in
	                               * time; 0 when no INVITE went out (no free channel,
	                               * no media port, stopping): the job may simply wait */
	char reason[FGW_MAX_ERROR_TEXT]; /* "486 Busy Here", "no free channel on port 3" */
};

/*
 * A call's media as the SIP thread hands it to a media thread: plain
 * values, and a bound UDP socket whose ownership passes with start().
 * port is the index in settings->ports, channel 0..channels-1: a channel
 * runs one call at a time, and the SIP thread gives a channel to a new
 * call only after the media thread said its last one ended.
 */
struct sip_media {
	size_t port;
	unsigned channel;
	uint64_t serial;              /* the call's number (never 0) */
	int fd;                       /* start only: the media socket */
	struct sdp_plan plan;         /* where and how to send; media only from there */
	char call_id[FGW_MAX_SIP_IDENT]; /* start only: identities for the */
	char from[FGW_MAX_SIP_IDENT];    /* log and the fax's metadata */
	char to[FGW_MAX_SIP_IDENT];
	char user_agent[FGW_MAX_SIP_IDENT];
	/* Sending: the send job this call is for (0: a call we answered), the
	 * document and our TSI; the media thread runs the calling terminal. */
	uint64_t job_id;
	char send_file[FGW_MAX_PATH];
	char local_ident[FGW_MAX_IDENT + 1];
	/* What the media thread calls when the media ended: (ended_arg,
	 * serial), i.e. sip_thread_media_ended() of this SIP thread. */
	void (*ended)(void *arg, uint64_t serial);
	void *ended_arg;
};

/*
 * What the SIP thread asks of the media threads, called on the SIP thread
 * (short, no blocking).  start: 0 when the media thread took the call (and
 * the socket), -1 when it could not (the socket is still the caller's).
 * update: the plan changed (T.38 switch, new address).  hangup: the
 * dialog ended (BYE, shutdown).  Calls of an unknown serial are ignored.
 * Whatever happens, the media thread then calls sip_thread_media_ended()
 * exactly once per started call.
 */
struct sip_media_ops {
	int (*start)(void *arg, const struct sip_media *m);
	void (*update)(void *arg, const struct sip_media *m);
	void (*hangup)(void *arg, size_t port, unsigned channel, uint64_t serial);
	void *arg;
};

#endif
