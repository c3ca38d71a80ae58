/*
 * fax_session.h - one fax call's T.30 engine: a spandsp T.38 terminal
 * (ITU-T T.38) or an audio fax terminal (T.30 over G.711 samples).
 *
 * A session knows nothing of sockets or time.  Its owner (a daemon port,
 * faxpeer, faxbench, a test) moves the bytes and clocks it:
 *
 *   T.38:  every 20 ms call fax_session_tick(); feed each received IFP
 *          (after UDPTL decoding, recovered secondaries oldest first, the
 *          primary last) to fax_session_rx_ifp(); IFPs to send arrive
 *          through params.tx_ifp, possibly from inside rx_ifp() or tick().
 *   audio: every 20 ms call fax_session_rx_g711() with the 160 received
 *          G.711 bytes (or fax_session_rx_lost() when the packet is
 *          missing), fax_session_tx_g711() for the 160 bytes to send, then
 *          fax_session_tick().  The received samples are the T.30 clock.
 *
 * fax_session_tick() returns true once the call is over (T.30 phase E
 * reached or the terminal finished); fax_session_result() then tells how it
 * went.  Everything runs on the caller's thread; callbacks are called from
 * inside the session's functions and must not free the session.
 *
 * Files: a receiving session writes the TIFF Class F file params.file as
 * pages are confirmed: spandsp's T.4 receiver decodes each page, and its
 * rows go to rxfile.h, on params.writer's thread when one is given (the
 * page is encoded there, not on the thread stepping the call), else at
 * once.  The file is complete once the session is freed and, with a
 * writer, the close job has run (a job submitted to the writer after
 * fax_session_free() runs after it); params.file_status then says how
 * many pages it holds and whether any could not be written.  When a call
 * ends after some pages but not the whole document (peer vanished,
 * hang-up), the confirmed pages stay in the file and the result says
 * partial.  When no page was received, no file is left behind.  spandsp
 * itself opens a file that never holds a page: an anonymous memory file
 * (without /proc: params.file + ".t4rx", removed at the end of the call).
 * A sending session reads params.file (TIFF Class F, any number of
 * pages).
 *
 * Ownership: fax_session_new() copies every string of the params; the
 * caller keeps its own.  fax_session_free() releases the spandsp state
 * (closing the TIFF file) and accepts NULL.
 */
#ifndef FAXGW_FAX_SESSION_H
#define FAXGW_FAX_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "caps.h"

struct pagewriter;
struct rxfile_status;

enum fax_session_mode { FAX_SESSION_T38, FAX_SESSION_AUDIO };
enum fax_session_dir { FAX_SESSION_RECEIVE, FAX_SESSION_SEND };

/* T.38 out: send this IFP packet `count` times (count > 1 for indicators
 * and end-of-data: the UDPTL layer repeats the datagram).  `ifp` is only
 * valid during the call. */
typedef void (*fax_session_tx_ifp_fn)(void *arg, const uint8_t *ifp, size_t len, int count);

/* Every T.30 frame (HDLC, FCF first after address and control octets, as
 * spandsp gives it) in both directions: direction is true for a received
 * frame, false for a sent one.  `msg` is only valid during the call. */
typedef void (*fax_session_frame_fn)(void *arg, int direction, const uint8_t *msg, int len);

/* A receiver confirmed a page (T.30 phase D, the page is in the TIFF file
 * and MCF is about to go out): `pages` confirmed so far, and whether the
 * peer's post-message command ended the document (EOP or PRI-EOP; MPS
 * and EOM mean more pages follow). */
typedef void (*fax_session_page_fn)(void *arg, int pages, bool end_of_document);

/* spandsp's log lines (already formatted and tagged), with spandsp's
 * severity (SPAN_LOG_ERROR=1 ... SPAN_LOG_DEBUG_3=10). */
typedef void (*fax_session_log_fn)(int level, const char *text);

struct fax_session_params {
	enum fax_session_mode mode;
	enum fax_session_dir dir;
	bool calling_party;          /* true: we placed the call (sends CNG, waits for DIS) */
	const char *file;            /* TIFF to send, or TIFF to write (required) */
	const char *local_ident;     /* our TSI/CSI, up to FGW_MAX_IDENT chars; NULL: none */
	bool ecm;                    /* offer/accept T.30 Annex A error correction */
	int max_rate;                /* 2400 4800 7200 9600 12000 14400; 0 means 14400.
	                              * Selects the modems offered (T.30 Table 2:
	                              * V.27ter to 4800, + V.29 to 9600, + V.17);
	                              * spandsp 0.0.6 cannot cap inside a modem, so
	                              * 2400 acts as 4800 and 12000 as 14400, each
	                              * with the usual fallback on bad training. */
	/* T.38 only */
	int t38_version;             /* 0..3, must match the peer */
	int max_datagram;            /* T38FaxMaxDatagram; 0 means FGW_MAX_DATAGRAM */
	bool fill_bit_removal;       /* T38FaxFillBitRemoval as negotiated (default false) */
	fax_session_tx_ifp_fn tx_ifp; /* required in T.38 mode */
	void *arg;                   /* passed to tx_ifp */
	/* audio only */
	bool use_alaw;               /* G.711 A-law (PCMA) instead of u-law (PCMU) */
	/* receiver: where pages are encoded (NULL: on the caller's thread)
	 * and what the file holds once complete (NULL: not told; else the
	 * caller's, alive until the file's close job has run) */
	struct pagewriter *writer;
	struct rxfile_status *file_status;
	/* logging: log_level 0 is silent; otherwise spandsp's severity up to
	 * which lines are produced (SPAN_LOG_FLOW=5 shows the T.30 dialogue),
	 * each tagged with log_tag (NULL: "fax"). */
	const char *log_tag;
	int log_level;
};

/* One received page's quality, from spandsp's T.4 receiver at T.30 phase D
 * (t30_stats_t): rows received (the page's length), rows T.4 decoding
 * found bad (spandsp fills them with the last good row) and the longest
 * run of consecutive bad rows.  A page with bad_rows > 0 is degraded. */
struct fax_page_quality {
	int page;                    /* 1-based page number in the received file */
	int rows;
	int bad_rows;
	int longest_bad_run;
};

/* result.t30_status of a reception whose pages could not all be written
 * to its file (spandsp's T30_ERR_FILEERROR: "TIFF/F file cannot be
 * opened"), for callers that do not include spandsp. */
#define FAX_SESSION_FILE_ERROR 41

struct fax_session_result {
	bool done;                   /* the call is over */
	bool success;                /* T.30 completed with every page confirmed */
	int t30_status;              /* T30_ERR_* (spandsp/t30.h); 0 is OK */
	char t30_text[FGW_MAX_ERROR_TEXT];
	int pages;                   /* pages confirmed: received (receiver) or sent (sender) */
	int pages_in_file;           /* sender: pages of the document (-1 unknown); receiver: = pages */
	int bit_rate;                /* of the last image transfer, bit/s (0: none) */
	bool ecm;                    /* ECM used for the last image transfer */
	int x_res, y_res;            /* pixels per metre as spandsp reports (8031 x 3850/7700/15400) */
	int width, length;           /* of the last page, pixels and rows */
	int encoding;                /* T4_COMPRESSION_* used on the line */
	char remote_ident[FGW_MAX_IDENT + 1]; /* peer's TSI/CSI, "" if none */
	int bad_rows;                /* receiver: total over the confirmed pages */
	bool partial;                /* some pages but not the whole document */
	/* receiver: page quality (sender: all 0) */
	int degraded_pages;          /* confirmed pages with bad rows */
	int longest_bad_run;         /* the longest run of bad rows over the pages */
	struct fax_page_quality last_page;  /* the last confirmed page (page 0: none) */
	int n_degraded;              /* entries of degraded[]: the first degraded pages */
	struct fax_page_quality degraded[FGW_MAX_DEGRADED_LIST];
};

/* Creates a session and starts T.30.  Returns NULL with a reason in err
 * (bad parameters, unreadable file to send, spandsp init failure). */
struct fax_session *fax_session_new(const struct fax_session_params *p, char *err, size_t errlen);
void fax_session_free(struct fax_session *s);

/* T.38 in: one IFP packet with its UDPTL sequence number.  Packets longer
 * than FGW_MAX_IFP or empty are ignored; ignored in audio mode. */
void fax_session_rx_ifp(struct fax_session *s, const uint8_t *ifp, size_t len, uint16_t seq);

/* Audio in: n G.711 bytes (u-law or A-law per params), normally 160.
 * Ignored in T.38 mode. */
void fax_session_rx_g711(struct fax_session *s, const uint8_t *g711, size_t n);
/* Audio in: `samples` samples missing (lost packet): spandsp's fill-in. */
void fax_session_rx_lost(struct fax_session *s, size_t samples);
/* Audio out: fills g711[0..n) (silence when T.30 has nothing to send) and
 * returns n; 0 in T.38 mode. */
size_t fax_session_tx_g711(struct fax_session *s, uint8_t *g711, size_t n);

/* Advances 20 ms (T.38: the terminal's timers and paced transmission; audio:
 * nothing, the samples are the clock).  True when the call is over. */
bool fax_session_tick(struct fax_session *s);
bool fax_session_done(const struct fax_session *s);

/* Ends the call now (our side hangs up or the peer fell silent): T.30 goes
 * to phase E; a call not yet finished is reported with T30_ERR_CALLDROPPED
 * (pages already confirmed are kept: partial).  Idempotent. */
void fax_session_hangup(struct fax_session *s);

/* Whether the peer has sent T.30 yet: a T.30 frame received (both modes)
 * or, audio answering sessions, CNG (1100 Hz, T.30 5.2) or V.21 HDLC
 * flags heard in the received samples (spandsp's modem connect tones
 * detectors, run only until one of them fires).  T.38 indicators are the
 * transport's business (fax_call_peer_signalled()). */
bool fax_session_peer_signalled(const struct fax_session *s);

/* The outcome so far (final once done). */
void fax_session_result(const struct fax_session *s, struct fax_session_result *r);

/* r's degraded pages as text: list "2,5" (their numbers) and detail
 * "2:280/110/60 5:..." (page:rows/bad rows/longest bad run), each cut
 * at a whole entry to fit its buffer; "" when no page is degraded. */
void fax_session_degraded_text(const struct fax_session_result *r, char *list, size_t listlen,
                               char *detail, size_t detaillen);

/* Calls fn for every T.30 frame (t30_set_real_time_frame_handler); NULL
 * removes the hook. */
void fax_session_set_frame_hook(struct fax_session *s, fax_session_frame_fn fn, void *arg);

/* Calls fn after each page a receiving session confirms (see
 * fax_session_page_fn), on the session's thread, from inside
 * fax_session_rx_ifp() / rx_g711() / tick(); NULL removes the hook.
 * fax_session_result() called from fn already counts the page. */
void fax_session_set_page_hook(struct fax_session *s, fax_session_page_fn fn, void *arg);

/* Where spandsp's log lines of every session go (process-wide, since
 * spandsp 0.0.6's handler has no user data); NULL: stderr.  Only sessions
 * with log_level > 0 produce lines. */
void fax_session_set_log_handler(fax_session_log_fn fn);

/* The spandsp terminal, for tools that need more (e.g. faxpcap's decoder):
 * a t38_terminal_state_t * or fax_state_t * per mode. Borrowed. */
void *fax_session_terminal(struct fax_session *s);

#endif
