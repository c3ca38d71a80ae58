/*
 * port.h - faxgwd's fax ports (faxgwd(8), faxgwd.conf(5)); the data plane
 * that owns them is in dataplane.h.
 *
 * port.c: one configured port.  An idle port holds its non-blocking UDP
 * socket (bound to `listen`; its media thread watches it) and a small
 * struct, no spandsp state.  Datagrams from sources outside the port's
 * `allow` list are counted as foreign and dropped.  The first well-formed
 * datagram of the port's transport (claim.h: UDPTL with a T.38 IFP, or
 * RTP of the configured G.711 payload type) claims the port and starts a
 * call: a fax_call (answering, receiving into spool/tmp/); anything else
 * is counted as refused.  The peer is the configured `peer`, else the
 * sender of that datagram, and datagrams from any other address are
 * counted and dropped.  Until the peer sends a second well-formed datagram
 * (another sequence number) at most FGW_CLAIM_TX_CAP datagrams go to it.
 * The call is clocked by its media thread's 20 ms ticker and ends on T.30
 * completion or failure, when the peer falls silent for
 * FGW_CALL_SILENCE_MS (hang-up), or as "no fax" (not a failed reception,
 * counted on the port) when no T.30 came from the peer within
 * FGW_CLAIM_T30_MS.  What must happen on the main thread
 * reaches it as port reports (below): a call with at least one page is
 * committed to the spool (spool.h) as a job and counted
 * (state_count_received, FGW_EVENT_FAX_RECEIVED); one with no page is
 * counted as failed (FGW_EVENT_RECEIVE_FAILED).  Port state changes
 * (idle, receiving; failed when the socket cannot be bound) are emitted
 * as FGW_EVENT_PORT_STATE_CHANGED.
 *
 * worker.c (worker.h): the media threads, one per core, each with the
 * ports it owns.
 *
 * Threads: a port is created and freed on the main thread; between the
 * start and the stop of its media thread only that thread touches it,
 * except port_id() and port_state(), which any thread may call.
 */
#ifndef FAXGW_PORT_H
#define FAXGW_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include <faxgw/admin.h>

#include "caps.h"

struct event_base;
struct calls;
struct core;
struct config_port;
struct port;

/* --- one port (port.c), used by dataplane.c ------------------------------------- */

/* What a port's media thread hands to the main thread: a call started or
 * ended.  Both live inside the call (no allocation); the ENDED report
 * owns it and port_report_apply() frees it, so a STARTED report must be
 * applied before the ENDED one of the same call (one FIFO per thread).
 * PAGE: the call confirmed a page; the report is allocated by the media
 * thread with a copy of the call's metadata (plain values) and freed once
 * applied: the main thread writes it as the reception's sidecar
 * (spool_sidecar.h), before the ENDED report of the call commits it.
 * MEDIA: a SIP call switched media (port_media_update); allocated like
 * PAGE with the new transport text.  The main thread keeps its table of
 * calls in progress (calls.h, env->calls) from these reports. */
enum port_report_kind {
	PORT_REPORT_STARTED,
	PORT_REPORT_ENDED,
	PORT_REPORT_PAGE,
	PORT_REPORT_MEDIA,
};

struct port_call;

struct port_report {
	struct port_report *next;     /* the carrier's (worker.c's outbox) link */
	enum port_report_kind kind;
	struct port_call *call;
};

/* Main thread: emits the events of a report; for ENDED, commits the fax
 * to the spool (or counts the failed reception) and frees the call.
 * port_reports_apply() takes a list (linked by next, oldest first) and
 * commits the faxes of consecutive ENDED reports as one group. */
void port_report_apply(struct port_report *r);
void port_reports_apply(struct port_report *list);

struct pagewriter;

struct port_env {
	struct core *core;
	/* The port's media thread: a call started / ended on the port (the
	 * ticker takes it on / off), and a report for the main thread. */
	void (*call_started)(void *arg, struct port *p);
	void (*call_ended)(void *arg, struct port *p);
	void (*post)(void *arg, struct port_report *r);
	void *arg;
	/* The media thread's page writer (pagewriter.h): a received page is
	 * encoded there, and a report that says a page is in the file (PAGE,
	 * ENDED) is posted from there, after it.  NULL: at once. */
	struct pagewriter *writer;
	/* Main thread: a fax was committed to the spool (the job queue looks
	 * at once). */
	void (*committed)(void *arg, uint64_t job_id);
	void *committed_arg;
	/* Main thread: the calls in progress (calls.h); NULL: none kept. */
	struct calls *calls;
	/* Any thread: set while faxgwd drains (SIGTERM): an idle static port
	 * takes no new call.  NULL: never. */
	const atomic_bool *draining;
};

/*
 * SIP channels.  A port with transport = sip is served by `channels` port
 * objects (port_new_channel), each running one call at a time, with no
 * socket while idle: the SIP thread binds the call's media socket and
 * hands it over with the call's plan as plain values (port_media).  Such
 * a call accepts datagrams only from the address the SDP named (the first
 * datagram from that IP may set the port), needs no claim (the signalling
 * vouched for the peer), and when its media ends, however it ends, the
 * socket is closed and ended(ended_arg, serial) is called once, on the
 * media thread.
 *
 * Sending (DESIGN 3b): a call the SIP thread placed for a send job has
 * job_id != 0.  Its channel runs the calling terminal sending send_file
 * (T.30 as the caller: CNG, the receiver's DIS, our TSI local_ident, else
 * the port's local-ident), G.711 and after an update T.38 (the document
 * again from page 1); the port state is FGW_PORT_SENDING meanwhile.  It
 * keeps no tmp file and writes no sidecar; its ENDED report, however the
 * call ended (T.30 over, hang-up, silence: a sending call counts its own
 * datagrams too, a T.38 receiver is silent during a page), becomes
 * core_send_outcome() on the main thread (sendq.h).  A call cut after the
 * receiver confirmed the last page counts as complete.
 */
struct port_media {
	uint64_t serial;
	int fd;                       /* start: the bound socket, the port's from now */
	struct sockaddr_storage remote;
	socklen_t remote_len;
	bool t38;                     /* else G.711 audio */
	bool alaw;                    /* audio: PCMA, else PCMU */
	int payload_type;             /* audio: the peer's number for the law */
	unsigned ptime;               /* audio: ms per RTP packet we send */
	unsigned t38_version;         /* T.38: negotiated */
	uint32_t max_datagram;        /* T.38: our UDPTL datagrams stay within this */
	bool ec_fec, ec_none;         /* T.38: UDPTL error correction (else redundancy) */
	char call_id[FGW_MAX_SIP_IDENT];
	char from[FGW_MAX_SIP_IDENT];
	char to[FGW_MAX_SIP_IDENT];
	char user_agent[FGW_MAX_SIP_IDENT];
	/* Sending: the send job (0: a call we answered), its TIFF and our
	 * TSI.  Such a call runs spandsp's calling terminal sending the file;
	 * when it ends the main thread gets core_send_outcome() (sendq.h)
	 * instead of a spool commit. */
	uint64_t job_id;
	char send_file[FGW_MAX_PATH];
	char local_ident[FGW_MAX_IDENT + 1];
	void (*ended)(void *arg, uint64_t serial);
	void *ended_arg;
};

/* Media thread of the channel.  start: a new call (a channel already in a
 * call closes m->fd and reports it ended at once); update: the call of
 * that serial switches to m's media (G.711 to T.38: the fax session starts
 * afresh, as T.30 does on both sides; a new address); hangup: ends the
 * call of that serial as a hang-up (what it received is committed). */
void port_media_start(struct port *p, const struct port_media *m);
void port_media_update(struct port *p, const struct port_media *m);
void port_media_hangup(struct port *p, uint64_t serial);

/* Opens the port's socket; a port whose socket cannot be opened is kept
 * in state FGW_PORT_FAILED (logged).  NULL only when out of memory.
 * port_free() (main thread, media thread stopped, earlier reports
 * applied) hangs up an active call and settles it at once. */
struct port *port_new(const struct port_env *env, const struct config_port *cfg);
/* Channel `channel` of a sip port (see above).  NULL when out of memory. */
struct port *port_new_channel(const struct port_env *env, const struct config_port *cfg,
			      unsigned channel);
void port_free(struct port *p);
uint32_t port_id(const struct port *p);
fgw_port_state port_state(const struct port *p);
bool port_in_call(const struct port *p);
/* One 20 ms step of the port's call at monotonic time now_ms: clocks it,
 * applies the silence timeout, finishes it when over. */
void port_tick(struct port *p, uint64_t now_ms);
/* Ends an active call now (hang-up) and finishes it; the port's media
 * thread, or the main thread once that has stopped. */
void port_hangup(struct port *p);
/* The port's socket (-1 when it failed), and one batch read of what is
 * queued on it (recvmmsg): the data plane calls port_read when the
 * socket is readable. */
int port_fd(const struct port *p);
void port_read(struct port *p);
/* A slot the data plane keeps in each port for its own use (worker.c:
 * the port's index in its list of active calls). */
void port_set_slot(struct port *p, size_t slot);
size_t port_slot(const struct port *p);

/* Monotonic milliseconds (the ticker's clock). */
uint64_t port_now_ms(void);

#endif
