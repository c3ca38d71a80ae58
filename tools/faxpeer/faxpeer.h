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
 */
#ifndef FAXPEER_H
#define FAXPEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fax_call.h"

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

#endif
