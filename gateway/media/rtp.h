/*
 * rtp.h - RTP (RFC 3550) for G.711 audio fax: PCMU (payload type 0) and
 * PCMA (payload type 8) with 20 ms packets of 160 samples (RFC 3551 4.5.14,
 * 6).  Header parsing, a receiving stream with a small reorder buffer clocked
 * by the caller every 20 ms, and a sending stream.  G.711 <-> linear
 * conversion is the caller's (spandsp/g711.h).
 *
 * Everything is allocation-free: the states are plain caller-owned structs
 * with nothing to free.  Parsed pointers borrow the caller's datagram.
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
#define RTP_FRAME_BYTES   FGW_SAMPLES_PER_TICK   /* one 20 ms G.711 frame */

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

/* ----- receiving stream ------------------------------------------------------ */

struct rtp_rx_stats {
	uint64_t received;             /* packets of the expected payload type */
	uint64_t played;               /* frames handed out by rtp_rx_pull() */
	uint64_t lost;                 /* frames reported lost by rtp_rx_pull() */
	uint64_t late;                 /* packets arriving after their play-out time */
	uint64_t duplicate;            /* packets already buffered */
	uint64_t malformed;            /* datagrams refused by rtp_parse() */
	uint64_t bad_size;             /* expected payload type, payload not 160 bytes */
	uint64_t cn;                   /* comfort noise packets (ignored) */
	uint64_t other_pt;             /* other payload types, RTCP included (ignored) */
	uint64_t ssrc_changes;         /* new SSRC: stream restarted */
	uint64_t stale_ssrc;           /* packets of the previous SSRC after a change (ignored) */
	uint64_t overrun;              /* frames dropped because the sender ran ahead */
	uint64_t resync;               /* sequence jumps: buffer restarted */
};

struct rtp_rx_slot {
	bool full;
	uint16_t seq;
	uint8_t data[RTP_FRAME_BYTES];
};

/*
 * Receiving state.  The first packet of the expected payload type starts the
 * stream; play-out begins `delay` ticks later (the reorder depth), then each
 * rtp_rx_pull() hands out the frame of the next sequence number or reports
 * it lost.  Packets more than FGW_RTP_JITTER_SLOTS ahead of play-out push it
 * forward (overrun); a jump of 4 * FGW_RTP_JITTER_SLOTS or more either way,
 * or a new SSRC, restarts the stream.  After an SSRC change, stray packets
 * of the replaced source are ignored (stale_ssrc) rather than switching back.
 */
struct rtp_rx {
	uint8_t pt;                    /* expected: RTP_PT_PCMU or RTP_PT_PCMA */
	unsigned delay;                /* ticks of buffering before play-out */
	bool started;
	unsigned wait;                 /* ticks left before play-out */
	uint32_t ssrc;
	bool has_old_ssrc;
	uint32_t old_ssrc;             /* the source replaced by the last change */
	uint16_t play;                 /* sequence number of the next frame out */
	unsigned starved;              /* pulls in a row that found no frame */
	struct rtp_rx_stats stats;
	struct rtp_rx_slot slot[FGW_RTP_JITTER_SLOTS];
};

/* pt: RTP_PT_PCMU or RTP_PT_PCMA; delay: 0 .. FGW_RTP_JITTER_SLOTS / 2
 * ticks (2 = 40 ms is a good default).  Returns RTP_OK or RTP_E_INVAL. */
enum rtp_err rtp_rx_init(struct rtp_rx *rx, uint8_t pt, unsigned delay);
/* Forgets the stream and zeroes the counters; keeps pt and delay. */
void rtp_rx_reset(struct rtp_rx *rx);
/* Takes one datagram.  Returns RTP_OK when it was an RTP packet (used or
 * ignored, see the counters) or the parse error (counted malformed). */
enum rtp_err rtp_rx_put(struct rtp_rx *rx, const uint8_t *buf, size_t len);
/*
 * Called once per 20 ms tick.  Returns false while no stream has started (or
 * during the initial delay): nothing to play.  Otherwise returns true and
 * either fills out[] with the 160 G.711 bytes of the next frame (*lost =
 * false), or sets *lost = true (out[] untouched): the frame is missing and
 * the caller conceals it (spandsp fax_rx_fillin()).
 */
bool rtp_rx_pull(struct rtp_rx *rx, uint8_t out[RTP_FRAME_BYTES], bool *lost);

/* ----- sending stream -------------------------------------------------------- */

struct rtp_tx {
	uint8_t pt;
	uint32_t ssrc;
	uint16_t seq;                  /* of the next packet */
	uint32_t ts;                   /* of the next packet */
	bool first;                    /* next packet carries the marker bit */
	uint64_t sent;
};

/* pt: RTP_PT_PCMU or RTP_PT_PCMA.  ssrc, seq and ts are the starting values
 * (RFC 3550 5.1 wants them random: the caller draws them). */
enum rtp_err rtp_tx_init(struct rtp_tx *tx, uint8_t pt, uint32_t ssrc, uint16_t seq, uint32_t ts);
/* Builds the next packet carrying 160 G.711 bytes into out[0..outsize)
 * (needs RTP_HEADER_LEN + 160 bytes), length in *out_len; advances seq by 1
 * and ts by 160.  The first packet has the marker bit (RFC 3551 4.1). */
enum rtp_err rtp_tx_packet(struct rtp_tx *tx, const uint8_t frame[RTP_FRAME_BYTES],
			   uint8_t *out, size_t outsize, size_t *out_len);

#endif
