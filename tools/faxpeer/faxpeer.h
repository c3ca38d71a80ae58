/*
 * faxpeer.h - faxpeer, a standalone fax endpoint (T.38 over UDPTL or G.711
 * over RTP) for testing a gateway or another peer.  The fax itself is a
 * fax_call of the media layer; faxpeer owns the UDP socket and the clock.
 *
 *   main.c   command line, summary line, exit status
 *   loop.c   the socket, the 20 ms clock and the poll() loop
 *   addr.c   HOST:PORT / [V6ADDR]:PORT parsing and printing
 *   doc.c    checks that a file is a fax TIFF before sending it
 *   pcapw.c  optional capture of every datagram (libpcap dump file)
 *   sip.c    --sip / --sip-listen: one SIP call with sofia-sip's nua
 *            (RFC 3261, SDP offer/answer by gateway/sip/sdp.h), stepped
 *            from the loop; the media go where the SDP says
 */
#ifndef FAXPEER_H
#define FAXPEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fax_call.h"
#include "sdp.h"

/* Exit statuses (faxpeer(1) EXIT STATUS). */
#define FAXPEER_EXIT_OK      0    /* every page confirmed */
#define FAXPEER_EXIT_FAILED  1    /* failed or partial fax */
#define FAXPEER_EXIT_USAGE   2
#define FAXPEER_EXIT_SETUP   3    /* bad file, cannot bind, ... */

#define FAXPEER_DEFAULT_TIMEOUT_S 300
#define FAXPEER_MAX_CATCHUP       5     /* late ticks run at once before the clock re-anchors */
#define FAXPEER_MAX_DRAIN         64    /* datagrams read per wake-up */
#define FAXPEER_MAX_HOST          256   /* host part of HOST:PORT */

enum faxpeer_cmd { FAXPEER_SEND, FAXPEER_RECEIVE };
enum faxpeer_link { FAXPEER_LINK_ETHER, FAXPEER_LINK_RAW };
/* --t38 with --sip / --sip-listen: what to do about T.38 (DESIGN.md 2b). */
enum faxpeer_t38 {
	FAXPEER_T38_ACCEPT = 0,   /* accept the peer's T.38 re-INVITE (default) */
	FAXPEER_T38_OFFER,        /* and send one ourselves once the call is up */
	FAXPEER_T38_NO,           /* answer a T.38 re-INVITE with 488 */
	FAXPEER_T38_DIRECT        /* send: the INVITE offers T.38 only */
};

#define FAXPEER_SIP_T38_DELAY_MS   1000   /* --t38 offer: G.711 heard before the re-INVITE */
#define FAXPEER_SIP_BYE_WAIT_MS    2000   /* our BYE: wait for its answer */
#define FAXPEER_SIP_BYE_GRACE_MS   2000   /* their BYE: our T.30 may finish meanwhile */
#define FAXPEER_SIP_SHUTDOWN_MS    3000   /* nua_shutdown: wait for nua_r_shutdown */
#define FAXPEER_SIP_MAX_REFRESH_S  3600
#define FAXPEER_SIP_MAX_SDP        2048   /* bytes of one SDP body we write */

struct faxpeer_opts {
	enum faxpeer_cmd cmd;
	struct fax_call_params call;         /* session, UDPTL and RTP settings */
	const char *local;                   /* send: --local; receive: --listen */
	const char *remote;                  /* send: HOST:PORT */
	const char *file;                    /* send: FILE.tif; receive: OUT.tif */
	const char *pcap;                    /* --pcap FILE or NULL */
	enum faxpeer_link pcap_link;
	int stop_after_pages;                /* 0: never */
	double timeout_s;                    /* 0: none */
	bool quiet;
	int verbose;
	/* SIP */
	const char *sip_uri;                 /* send --sip URI, else NULL */
	const char *sip_listen;              /* receive --sip-listen ADDR:PORT, else NULL */
	enum faxpeer_t38 t38;
	bool codec_given;                    /* --codec: the only law offered (send) or the
	                                      * preferred one (receive) */
	unsigned ptime;                      /* --ptime: a=ptime of our audio offer (0: 20) */
	unsigned refresh_s;                  /* --refresh: session refresh every S s (0: none) */
	const char *media_via;               /* --media-via ADDR:PORT: a media relay in front of
	                                      * us (our SDP names it, our media go to it), or NULL */
	const char *user, *password;         /* --user/--password: digest credentials */
};

/* What the run produced, for the summary line and the exit status. */
struct faxpeer_outcome {
	struct fax_session_result r;
	struct fax_call_stats st;
	char peer[FGW_MAX_ADDRESS];          /* "" when no peer was heard */
	bool started;                        /* receive: a call arrived */
	bool timed_out;
	bool stopped;                        /* --stop-after-pages hung up */
	bool interrupted;                    /* SIGINT / SIGTERM */
	int pages_in_file;                   /* send: pages of FILE.tif */
	/* SIP only */
	bool sip;
	int sip_status;                      /* final answer to our INVITE, or ours to theirs */
	char sip_phrase[64];
	char transport[64];                  /* "g711 pcmu ptime 20", "t38 v0 after re-INVITE" */
	bool sip_refused;                    /* our INVITE got 3xx-6xx, or the answer was unusable */
	bool peer_bye;                       /* the far end hung up first */
	bool sip_media_failed;               /* the SDP's media could not be started */
};

/* --- addr.c --- */
/* Parses "HOST:PORT" or "[V6ADDR]:PORT" (port 0..65535; 0 only when
 * allow_port0).  Returns 0; -1 when the text does not parse (usage error);
 * -2 when HOST does not resolve (setup error).  Reason in err. */
int faxpeer_addr_parse(const char *text, bool passive, bool allow_port0,
                       struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen);
/* Syntax only (no name resolution): 0 or -1 with the reason in err. */
int faxpeer_addr_syntax(const char *text, bool allow_port0, char *err, size_t errlen);
/* "1.2.3.4:5" or "[::1]:5" into buf. */
void faxpeer_addr_format(const struct sockaddr *sa, char *buf, size_t size);
bool faxpeer_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* --- doc.c --- */
/* Pages of a fax TIFF (bilevel, fax page width on every page), or -1 with
 * the reason in err. */
int faxpeer_doc_check(const char *path, char *err, size_t errlen);

/* --- pcapw.c --- */
struct faxpeer_pcap;
struct faxpeer_pcap *faxpeer_pcap_open(const char *path, enum faxpeer_link link,
                                       char *err, size_t errlen);
/* Writes one UDP datagram from src to dst with synthetic IP/UDP headers
 * (and an Ethernet header for FAXPEER_LINK_ETHER). */
void faxpeer_pcap_write(struct faxpeer_pcap *p, const struct sockaddr *src,
                        const struct sockaddr *dst, const uint8_t *payload, size_t len);
/* Flushes and closes; returns -1 when writing failed.  NULL is fine. */
int faxpeer_pcap_close(struct faxpeer_pcap *p);

/* --- loop.c --- */
/* Sets up the socket and runs the whole call.  Returns 0 when the call ran
 * (whatever its outcome, in *out) or FAXPEER_EXIT_SETUP after printing why. */
int faxpeer_run(const struct faxpeer_opts *o, struct faxpeer_outcome *out);

/* SIP mode: the media side, driven by sip.c.  bind: the UDP socket on
 * numeric addr:port (0: the system picks); start: a new fax_call towards
 * the plan's address (replacing the current one: T.30 starts over),
 * 0 or -1 after printing why; hangup: ends the current call. */
struct faxpeer_loop;
int faxpeer_media_bind(struct faxpeer_loop *l, const char *addr, uint16_t port);
uint16_t faxpeer_media_port(const struct faxpeer_loop *l);
int faxpeer_media_via(const struct faxpeer_loop *l, struct sockaddr_storage *out);
int faxpeer_media_start(struct faxpeer_loop *l, const struct sdp_plan *plan);
void faxpeer_media_hangup(struct faxpeer_loop *l);
bool faxpeer_media_done(const struct faxpeer_loop *l);
int faxpeer_media_pages(const struct faxpeer_loop *l);

/* --- sip.c --- */
struct faxpeer_sip;
/* Binds the media socket (faxpeer_media_bind), starts nua and, for send,
 * the INVITE.  NULL after printing why (setup error). */
struct faxpeer_sip *faxpeer_sip_open(const struct faxpeer_opts *o, struct faxpeer_loop *l);
/* Runs what sofia-sip has to do now (never blocks) and our timers. */
void faxpeer_sip_step(struct faxpeer_sip *s);
/* True once the dialog is over or never came up: the loop stops. */
bool faxpeer_sip_over(const struct faxpeer_sip *s);
/* BYE when the dialog is still up, nua shut down, outcome's SIP fields
 * filled (out may be NULL); frees s.  NULL is fine. */
void faxpeer_sip_close(struct faxpeer_sip *s, struct faxpeer_outcome *out);

#endif
