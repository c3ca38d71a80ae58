/*
 * fax_call.h - one fax call over one transport: a fax_session bound to
 * UDPTL (T.38 clause 9.1) or to RTP/G.711 (RFC 3550, RFC 3551 PCMU/PCMA).
 *
 * This is the transport glue that faxgwd, faxpeer, faxpcap and faxbench
 * share.  A call still knows nothing of sockets or clocks; its owner
 *
 *   - hands every datagram received from the peer to fax_call_datagram_in();
 *   - calls fax_call_tick() every 20 ms (FGW_TICK_MS) of its clock;
 *   - sends the datagrams that params.send gives it, in the order given.
 *
 * T.38: datagram_in decodes UDPTL and feeds the IFPs (recovered ones first,
 * in sequence order) to the session; each IFP the session emits is wrapped
 * in ONE UDPTL packet (one sequence number, redundancy or FEC per params)
 * and that same datagram is passed to send() `count` times, as T.38 asks for
 * indicator and end-of-data repetition.  tick clocks the T.38 terminal.
 *
 * Audio: datagram_in puts RTP packets of any ptime (10..60 ms, even
 * changing mid-stream) into the jitter buffer, placed by timestamp.  Each
 * tick pulls one 20 ms frame of 160 samples: a received frame goes to the
 * session (samples missing from it as G.711 silence), a wholly lost one to
 * spandsp's fill-in, and before the peer's stream has started (or during
 * the jitter delay) 20 ms of G.711 silence keeps T.30's timers running;
 * then the session's 160 bytes join the RTP sender's FIFO, which sends
 * packets of params.ptime: two a tick at 10 ms, one at 20, one every other
 * tick at 30 (the rest kept over), one every third at 60.  Received audio
 * is the T.30 clock, so the tick must be called at the real 20 ms rate.
 *
 * fax_call_tick() returns true once the call is over; fax_call_result()
 * tells how it went.  fax_call_hangup() ends a call at once and makes it
 * silent: after it, send() is never called again and incoming datagrams are
 * ignored (what a vanished peer looks like to the other side).
 *
 * After fax_call_new() no memory is allocated and no system call is made
 * by this module (the session's spandsp receiver writes its TIFF file as
 * pages are confirmed).  Everything runs on the caller's thread; send()
 * is called from inside fax_call_datagram_in() and fax_call_tick() and
 * must not call back into the same call.
 *
 * Ownership: fax_call_new() copies the params (strings included, through
 * fax_session_new()); fax_call_free() frees the call and its session
 * (closing the TIFF file) and accepts NULL.
 */
#ifndef FAXGW_MEDIA_FAX_CALL_H
#define FAXGW_MEDIA_FAX_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fax_session.h"
#include "udptl.h"
#include "caps.h"

/* Defaults filled in by fax_call_params_default(). */
#define FAX_CALL_DEFAULT_EC_DEPTH      3      /* redundancy: secondaries; FEC: span */
#define FAX_CALL_DEFAULT_FEC_ENTRIES   3
#define FAX_CALL_DEFAULT_JITTER_TICKS  2      /* 40 ms of RTP reorder buffer */

/* One datagram to put on the wire; `buf` is only valid during the call. */
typedef void (*fax_call_send_fn)(void *arg, const uint8_t *buf, size_t len);

struct fax_call_params {
	/*
	 * The T.30 side: mode (FAX_SESSION_T38 or FAX_SESSION_AUDIO), dir,
	 * calling_party, file, local_ident, ecm, max_rate, t38_version,
	 * max_datagram (also the largest UDPTL datagram built; 0 means
	 * FGW_MAX_DATAGRAM), fill_bit_removal, use_alaw (PCMA instead of
	 * PCMU), log_tag, log_level.  session.tx_ifp and session.arg are
	 * ignored: the call sets them.
	 */
	struct fax_session_params session;
	/* UDPTL (T.38 only): error recovery, T.38 clause 9.1.4 / 9.1.5.
	 * ec_depth: redundancy = secondaries per packet (0..FGW_MAX_UDPTL_SECONDARY),
	 * FEC = span (1..FGW_MAX_UDPTL_FEC_SPAN); fec_entries: FEC only. */
	enum udptl_ec ec;
	unsigned ec_depth;
	unsigned fec_entries;
	/* RTP (audio only) */
	unsigned jitter_ticks;       /* reorder delay, 0..FGW_RTP_JITTER_SLOTS / 2 */
	uint32_t rtp_seed;           /* 0: SSRC, first sequence number and timestamp
	                              * drawn from getrandom() (RFC 3550 5.1);
	                              * otherwise derived from this seed (tests) */
	unsigned ptime;              /* ms of audio per RTP packet sent, FGW_RTP_MIN_PTIME..
	                              * FGW_RTP_MAX_PTIME (SDP a=ptime of the peer); 0: 20.
	                              * Received packets may have any ptime. */
	int payload_type;            /* RTP payload type sent and expected for the law
	                              * (the peer's SDP number, 0..127); -1: the static
	                              * one (0 / 8) */
	/* where datagrams go (required) */
	fax_call_send_fn send;
	void *send_arg;
};

/* Per-call counters (transport level).  T.38: from the UDPTL receiver;
 * audio: from the RTP jitter buffer (lost = frames played out as missing). */
struct fax_call_stats {
	uint64_t datagrams_in;       /* handed to fax_call_datagram_in() (after hang-up: not counted) */
	uint64_t datagrams_out;      /* passed to send(), repetitions included */
	uint64_t bytes_in, bytes_out;
	uint64_t malformed;          /* refused by the UDPTL / RTP parser */
	uint64_t recovered;          /* T.38: IFPs rebuilt from redundancy or FEC */
	uint64_t lost;               /* T.38: sequence numbers never recovered; audio: frames concealed */
	uint64_t duplicates;         /* repeated datagrams (T.38 repetition included) */
	uint64_t late;               /* arrived after their play-out / delivery point */
	uint64_t ignored;            /* audio: parsed but unusable (other payload type,
	                              * comfort noise, no samples or over 60 ms) */
	uint64_t concealed;          /* audio: samples missing from frames that partly
	                              * came (peer's packets straddle frames), played
	                              * as silence */
	uint64_t tx_errors;          /* IFPs the UDPTL encoder refused (not sent) */
	uint64_t ticks;              /* fax_call_tick() calls that clocked the session */
};

/* Fills p with the defaults: T.38 receiver, answering, ECM, 14400 bit/s,
 * T.38 version 0, redundancy depth 3 (FEC: span 3, 3 entries), PCMU with its
 * static payload type in 20 ms packets,
 * 40 ms jitter buffer, random RTP start values.  file and send stay NULL. */
void fax_call_params_default(struct fax_call_params *p);

/* Creates the call and starts T.30.  Returns NULL with a reason in err
 * (bad parameters, unreadable file to send, spandsp failure). */
struct fax_call *fax_call_new(const struct fax_call_params *p, char *err, size_t errlen);
void fax_call_free(struct fax_call *c);

/* One datagram from the peer (UDP payload).  Returns 0 when it was used or
 * harmlessly ignored, -1 when it was malformed (counted; nothing else
 * changes).  Ignored (returns 0) once the call is over or hung up. */
int fax_call_datagram_in(struct fax_call *c, const uint8_t *buf, size_t len);

/* One 20 ms step.  Returns true once the call is over (and from then on). */
bool fax_call_tick(struct fax_call *c);
bool fax_call_done(const struct fax_call *c);

/* Whether the peer has sent T.30 yet: T.38, an IFP that is a t30-indicator
 * other than no-signal, or t30-data with fields (claim_ifp_kind()); audio,
 * see fax_session_peer_signalled().  What a claimed static port waits for
 * (FGW_CLAIM_T30_MS). */
bool fax_call_peer_signalled(const struct fax_call *c);

/* Ends the call now and falls silent (see above).  Idempotent. */
void fax_call_hangup(struct fax_call *c);

/* The T.30 outcome so far (final once done); see fax_session.h. */
void fax_call_result(const struct fax_call *c, struct fax_session_result *r);
/* The transport counters so far. */
void fax_call_stats(const struct fax_call *c, struct fax_call_stats *st);

/* The underlying session (borrowed), e.g. for fax_session_set_frame_hook(). */
struct fax_session *fax_call_session(struct fax_call *c);

/* "redundancy" / "fec" / "none" <-> enum udptl_ec; parse returns -1 on
 * anything else. */
int fax_call_parse_ec(const char *text, enum udptl_ec *ec);
const char *fax_call_ec_name(enum udptl_ec ec);

#endif
