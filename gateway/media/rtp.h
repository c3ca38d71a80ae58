/*
 * rtp.h - RTP (RFC 3550) for G.711 audio fax: PCMU and PCMA (RFC 3551
 * 4.5.14; static payload types 0 and 8, or the number the peer's SDP bound
 * to the law), 8000 samples a second, one byte per sample.  Packets of any
 * ptime are taken: the receiver places each by its RTP timestamp and hands
 * the caller 20 ms frames of 160 samples, one per tick; the sender queues
 * 160-sample frames and cuts them into packets of its own ptime (10..60 ms,
 * FGW_RTP_MIN_PTIME..FGW_RTP_MAX_PTIME).  G.711 <-> linear conversion is
 * the caller's (spandsp/g711.h).
 *
 * Everything is allocation-free: the states are plain caller-owned structs
 * of fixed size with nothing to free.  Parsed pointers borrow the caller's
 * datagram.
 */
#ifndef FAXGW_MEDIA_RTP_H
#define FAXGW_MEDIA_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

#define RTP_VERSION       2
#define RTP_HEADER_LEN    12        /* fixed header, RFC 3550 5.1 */
#define RTP_MAX_CSRC      15
#define RTP_PT_PCMU       0         /* RFC 3551 table 4 */
#define RTP_PT_PCMA       8
#define RTP_PT_CN         13        /* comfort noise, RFC 3389 */
#define RTP_FRAME_BYTES   FGW_SAMPLES_PER_TICK   /* one 20 ms G.711 frame (160 samples) */
#define RTP_ULAW_SILENCE  0xFFu     /* G.711 u-law code of 0 (ITU-T G.711 table 2) */
#define RTP_ALAW_SILENCE  0xD5u     /* G.711 A-law code of +0 (table 1) */

/* Every failure of this module; negative, RTP_OK is 0. */
enum rtp_err {
	RTP_OK = 0,
	RTP_E_SHORT = -1,              /* shorter than the fixed header */
	RTP_E_VERSION = -2,            /* version is not 2 */
	RTP_E_CSRC = -3,               /* CSRC list runs past the end */
	RTP_E_EXTENSION = -4,          /* header extension runs past the end */
	RTP_E_PADDING = -5,            /* padding count 0 or larger than the payload */
	RTP_E_TOO_LONG = -6,           /* datagram longer than FGW_MAX_DATAGRAM */
	RTP_E_NO_SPACE = -7,           /* sender: output buffer too small */
	RTP_E_INVAL = -8               /* invalid argument */
};

/* Static English text for an enum rtp_err value (any int). */
const char *rtp_strerror(int err);

/* One parsed RTP packet (RFC 3550 5.1, 5.3.1). */
struct rtp_header {
	uint8_t version;
	bool padding;
	bool extension;
	uint8_t csrc_count;
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint32_t csrc[RTP_MAX_CSRC];
	uint16_t ext_profile;          /* "defined by profile" field when extension */
	const uint8_t *ext;            /* extension data (after its 4-byte header) */
	size_t ext_len;                /* bytes, a multiple of 4 */
	const uint8_t *payload;
	size_t payload_len;            /* padding excluded */
	size_t pad_len;                /* padding octets removed (count octet included) */
};

/* Parses one datagram.  On RTP_OK *h is filled, pointers into buf. */
enum rtp_err rtp_parse(const uint8_t *buf, size_t len, struct rtp_header *h);

/* The packet time in ms of a G.711 payload of `bytes` samples when it is a
 * whole number of milliseconds from FGW_RTP_MIN_PTIME to FGW_RTP_MAX_PTIME
 * (80..480 bytes in steps of 8: what a sender of any SDP a=ptime makes,
 * RFC 3551 4.5.14, RFC 4566 6); 0 for any other size.  The receiver takes
 * other sizes too; this is for telling a G.711 stream from other UDP. */
unsigned rtp_g711_ptime(size_t bytes);

/* ----- receiving stream ------------------------------------------------------ */

struct rtp_rx_stats {
	uint64_t received;             /* packets of the expected payload type stored */
	uint64_t played;               /* frames handed out by rtp_rx_pull(), whole or
	                                * partly concealed */
	uint64_t lost;                 /* frames reported lost: none of their samples came */
	uint64_t concealed;            /* samples missing from played frames, given as the
	                                * law's silence */
	uint64_t late;                 /* packets arriving wholly after their play-out time */
	uint64_t duplicate;            /* packets whose every sample was already buffered */
	uint64_t malformed;            /* datagrams refused by rtp_parse() */
	uint64_t bad_size;             /* expected payload type, but no samples or more
	                                * than FGW_RTP_MAX_SAMPLES (60 ms) */
	uint64_t cn;                   /* comfort noise packets (ignored) */
	uint64_t other_pt;             /* other payload types, RTCP included (ignored) */
	uint64_t ssrc_changes;         /* new SSRC: stream restarted */
	uint64_t stale_ssrc;           /* packets of the previous SSRC after a change (ignored) */
	uint64_t overrun;              /* frames dropped because the sender ran ahead */
	uint64_t resync;               /* timestamp jumps: buffer restarted */
};

/*
 * Receiving state.  Samples are kept by RTP timestamp (RFC 3550 5.1: it
 * counts samples, 8000 a second for G.711), so the peer's packets may hold
 * any number of samples from 1 to FGW_RTP_MAX_SAMPLES, and that number may
 * change mid-stream; sequence numbers are not used to place them.
 *
 * The first packet of the expected payload type starts the stream and fixes
 * where 20 ms frames begin (its timestamp); play-out begins `delay` ticks
 * later, then each rtp_rx_pull() hands out the next 160 samples.  Samples up
 * to FGW_RTP_JITTER_SLOTS frames ahead of play-out are kept; a packet
 * reaching further pushes play-out forward by whole frames (overrun).  A
 * packet before play-out is late, unless play-out has not begun yet (and it
 * is at most `delay` frames early: play-out starts at it instead), or
 * play-out ran dry with nothing buffered (the sender paused: play-out
 * re-aligns to it).  A jump of 4 * FGW_RTP_JITTER_SLOTS frames or more
 * either way, or a new SSRC, restarts the stream.  After an SSRC change,
 * stray packets of the replaced source are ignored (stale_ssrc) rather than
 * switching back.
 */
struct rtp_rx {
	uint8_t pt;                    /* expected payload type */
	uint8_t silence;               /* the law's code of silence, for missing samples */
	unsigned delay;                /* ticks of buffering before play-out */
	bool started;
	unsigned wait;                 /* ticks left before play-out */
	uint32_t ssrc;
	bool has_old_ssrc;
	uint32_t old_ssrc;             /* the source replaced by the last change */
	uint32_t play;                 /* RTP timestamp of the next frame's first sample */
	unsigned starved;              /* pulls in a row that found no sample */
	unsigned buffered;             /* samples held in the ring */
	struct rtp_rx_stats stats;
	/* the sample of timestamp t is data[t % FGW_RTP_RING_SAMPLES], there when
	 * bit (t % FGW_RTP_RING_SAMPLES) of have[] is set */
	uint8_t have[FGW_RTP_RING_SAMPLES / 8];
	uint8_t data[FGW_RTP_RING_SAMPLES];
};

/* law: RTP_PT_PCMU or RTP_PT_PCMA, also the payload type expected until
 * rtp_rx_set_pt(); delay: 0 .. FGW_RTP_JITTER_SLOTS / 2 ticks (2 = 40 ms
 * is a good default).  Returns RTP_OK or RTP_E_INVAL. */
enum rtp_err rtp_rx_init(struct rtp_rx *rx, uint8_t law, unsigned delay);
/* Expects payload type pt (0..127, e.g. a dynamic number the SDP bound to
 * the law) instead.  Returns RTP_OK or RTP_E_INVAL. */
enum rtp_err rtp_rx_set_pt(struct rtp_rx *rx, unsigned pt);
/* Forgets the stream and zeroes the counters; keeps pt, law and delay. */
void rtp_rx_reset(struct rtp_rx *rx);
/* Takes one datagram.  Returns RTP_OK when it was an RTP packet (used or
 * ignored, see the counters) or the parse error (counted malformed). */
enum rtp_err rtp_rx_put(struct rtp_rx *rx, const uint8_t *buf, size_t len);
/*
 * Called once per 20 ms tick.  Returns false while no stream has started (or
 * during the initial delay): nothing to play.  Otherwise returns true and
 * either fills out[] with the 160 G.711 bytes of the next frame (*lost =
 * false; samples that never came are the law's silence, counted concealed),
 * or, when not one sample of the frame came, sets *lost = true (out[]
 * untouched): the caller conceals it (spandsp fax_rx_fillin()).
 */
bool rtp_rx_pull(struct rtp_rx *rx, uint8_t out[RTP_FRAME_BYTES], bool *lost);

/* ----- sending stream -------------------------------------------------------- */

/*
 * Sending state.  Two ways to send, not to be mixed on one stream:
 * rtp_tx_packet() makes one 20 ms packet of a frame at once;
 * rtp_tx_queue() + rtp_tx_next() keep the frames of each tick in a small
 * FIFO and cut them into packets of `samples` (ptime x 8) each: ptime 10
 * gives two packets a tick, 30 one every other tick with the rest kept
 * over, 60 one every third tick.
 */
struct rtp_tx {
	uint8_t pt;
	uint32_t ssrc;
	uint16_t seq;                  /* of the next packet */
	uint32_t ts;                   /* of the next packet: its first sample */
	bool first;                    /* next packet carries the marker bit */
	uint64_t sent;
	unsigned samples;              /* per packet cut by rtp_tx_next() */
	size_t queued;                 /* samples waiting in fifo[] */
	uint8_t fifo[FGW_RTP_TX_QUEUE];
};

/* law: RTP_PT_PCMU or RTP_PT_PCMA, the payload type sent until
 * rtp_tx_set_pt(); ptime 20 ms until rtp_tx_set_ptime().  ssrc, seq and ts
 * are the starting values (RFC 3550 5.1 wants them random: the caller draws
 * them). */
enum rtp_err rtp_tx_init(struct rtp_tx *tx, uint8_t law, uint32_t ssrc, uint16_t seq, uint32_t ts);
/* Sends payload type pt (0..127) instead.  RTP_OK or RTP_E_INVAL. */
enum rtp_err rtp_tx_set_pt(struct rtp_tx *tx, unsigned pt);
/* Packets cut from the queue carry ms (FGW_RTP_MIN_PTIME..FGW_RTP_MAX_PTIME)
 * of audio from now on.  RTP_OK or RTP_E_INVAL. */
enum rtp_err rtp_tx_set_ptime(struct rtp_tx *tx, unsigned ms);
/* Builds the next packet carrying 160 G.711 bytes into out[0..outsize)
 * (needs RTP_HEADER_LEN + 160 bytes), length in *out_len; advances seq by 1
 * and ts by 160.  The first packet has the marker bit (RFC 3551 4.1).
 * RTP_E_INVAL while frames are queued. */
enum rtp_err rtp_tx_packet(struct rtp_tx *tx, const uint8_t frame[RTP_FRAME_BYTES],
			   uint8_t *out, size_t outsize, size_t *out_len);
/* Queues one tick's 160 G.711 bytes.  RTP_E_NO_SPACE when a whole packet is
 * still waiting: take packets with rtp_tx_next() after every frame queued. */
enum rtp_err rtp_tx_queue(struct rtp_tx *tx, const uint8_t frame[RTP_FRAME_BYTES]);
/* Builds the next packet of `samples` queued bytes as rtp_tx_packet() does
 * (seq + 1, ts + samples, marker on the first), or sets *out_len = 0 when
 * fewer are queued; RTP_OK either way.  Call until *out_len is 0.
 * RTP_E_NO_SPACE (nothing taken) when outsize < RTP_HEADER_LEN + samples. */
enum rtp_err rtp_tx_next(struct rtp_tx *tx, uint8_t *out, size_t outsize, size_t *out_len);

#endif
