/*
 * rtp.c - RTP for G.711 fax: header parsing per RFC 3550 5.1 (fixed header,
 * CSRC list), 5.3.1 (header extension) and 5.1 P bit (padding, the last octet
 * counting the padding octets), a reorder buffer in the spirit of RFC 3550
 * 6.4.1 / A.1 (16-bit sequence numbers compared modulo 2^16, SSRC change =
 * new source), and the sender of RFC 3550 5.1 with the RFC 3551 G.711
 * payload types.  Both sides count RTP timestamps in samples (RFC 3550 5.1,
 * RFC 3551 4.5.14: 8000 Hz), which is what lets a packet carry any ptime.
 */
#include "caps.h"
#include "fgwx_be.h"
#include "rtp.h"

#include <string.h>

/* Samples kept ahead of play-out: FGW_RTP_JITTER_SLOTS frames. */
#define RTP_WINDOW ((uint32_t)FGW_RTP_JITTER_SLOTS * RTP_FRAME_BYTES)
/* A timestamp jump this large (either way) restarts the stream: the
 * 4 * FGW_RTP_JITTER_SLOTS frames that sequence numbers used to allow. */
#define RTP_RESYNC_DISTANCE (4u * RTP_WINDOW)
#define RTP_RING_MASK ((uint32_t)FGW_RTP_RING_SAMPLES - 1u)

/* Timestamp modulo the ring size is a valid index across the 2^32 wrap only
 * for a power of two.  Stored samples lie in [play, play + window); moving
 * play back by up to the largest delay (half the window) must not let them
 * alias the new window. */
_Static_assert((FGW_RTP_RING_SAMPLES & (FGW_RTP_RING_SAMPLES - 1)) == 0,
	       "FGW_RTP_RING_SAMPLES is a power of two");
_Static_assert(FGW_RTP_RING_SAMPLES >= RTP_WINDOW + RTP_WINDOW / 2,
	       "FGW_RTP_RING_SAMPLES holds the window and the largest step back");
_Static_assert(FGW_RTP_MAX_SAMPLES <= RTP_WINDOW, "a largest packet fits the window");

const char *rtp_strerror(int err)
{
	switch (err) {
	case RTP_OK: return "success";
	case RTP_E_SHORT: return "datagram shorter than an RTP header";
	case RTP_E_VERSION: return "not RTP version 2";
	case RTP_E_CSRC: return "CSRC list runs past the end";
	case RTP_E_EXTENSION: return "header extension runs past the end";
	case RTP_E_PADDING: return "invalid padding count";
	case RTP_E_TOO_LONG: return "datagram too long";
	case RTP_E_NO_SPACE: return "output buffer too small";
	case RTP_E_INVAL: return "invalid argument";
	default: return "unknown RTP error";
	}
}

/* Header extension, RFC 3550 5.3.1: profile-defined 16 bits, length in
 * 32-bit words (not counting its own 4 octets), then the data. */
static enum rtp_err rtp_parse_ext(const uint8_t *buf, size_t len, size_t *pos, struct rtp_header *h)
{
	if (len - *pos < 4)
		return RTP_E_EXTENSION;
	h->ext_profile = fgwx_get_be16(buf + *pos);
	size_t words = fgwx_get_be16(buf + *pos + 2);
	*pos += 4;
	if (words * 4 > len - *pos)
		return RTP_E_EXTENSION;
	h->ext = buf + *pos;
	h->ext_len = words * 4;
	*pos += words * 4;
	return RTP_OK;
}

enum rtp_err rtp_parse(const uint8_t *buf, size_t len, struct rtp_header *h)
{
	size_t pos = RTP_HEADER_LEN;

	if (buf == NULL || h == NULL)
		return RTP_E_INVAL;
	memset(h, 0, sizeof(*h));
	if (len > FGW_MAX_DATAGRAM)
		return RTP_E_TOO_LONG;
	if (len < RTP_HEADER_LEN)
		return RTP_E_SHORT;
	h->version = buf[0] >> 6;
	if (h->version != RTP_VERSION)
		return RTP_E_VERSION;
	h->padding = (buf[0] & 0x20u) != 0;
	h->extension = (buf[0] & 0x10u) != 0;
	h->csrc_count = buf[0] & 0x0Fu;
	h->marker = (buf[1] & 0x80u) != 0;
	h->pt = buf[1] & 0x7Fu;
	h->seq = fgwx_get_be16(buf + 2);
	h->ts = fgwx_get_be32(buf + 4);
	h->ssrc = fgwx_get_be32(buf + 8);
	if ((size_t)h->csrc_count * 4 > len - pos)
		return RTP_E_CSRC;
	for (unsigned i = 0; i < h->csrc_count; i++, pos += 4)
		h->csrc[i] = fgwx_get_be32(buf + pos);
	if (h->extension) {
		enum rtp_err e = rtp_parse_ext(buf, len, &pos, h);
		if (e != RTP_OK)
			return e;
	}
	size_t body = len - pos;
	if (h->padding) {
		if (body == 0)
			return RTP_E_PADDING;
		h->pad_len = buf[len - 1];
		if (h->pad_len == 0 || h->pad_len > body)
			return RTP_E_PADDING;
		body -= h->pad_len;
	}
	h->payload = buf + pos;
	h->payload_len = body;
	return RTP_OK;
}

unsigned rtp_g711_ptime(size_t bytes)
{
	if (bytes % FGW_RTP_SAMPLES_PER_MS != 0 ||
	    bytes < (size_t)FGW_RTP_MIN_PTIME * FGW_RTP_SAMPLES_PER_MS ||
	    bytes > (size_t)FGW_RTP_MAX_PTIME * FGW_RTP_SAMPLES_PER_MS)
		return 0;
	return (unsigned)(bytes / FGW_RTP_SAMPLES_PER_MS);
}

/* ----- receiving stream ------------------------------------------------------ */

static bool rtp_law_ok(uint8_t law)
{
	return law == RTP_PT_PCMU || law == RTP_PT_PCMA;
}

enum rtp_err rtp_rx_init(struct rtp_rx *rx, uint8_t law, unsigned delay)
{
	if (rx == NULL || !rtp_law_ok(law) || delay > FGW_RTP_JITTER_SLOTS / 2)
		return RTP_E_INVAL;
	memset(rx, 0, sizeof(*rx));
	rx->pt = law;
	rx->silence = law == RTP_PT_PCMA ? RTP_ALAW_SILENCE : RTP_ULAW_SILENCE;
	rx->delay = delay;
	return RTP_OK;
}

enum rtp_err rtp_rx_set_pt(struct rtp_rx *rx, unsigned pt)
{
	if (rx == NULL || pt > 127)
		return RTP_E_INVAL;
	rx->pt = (uint8_t)pt;
	return RTP_OK;
}

static void rtp_rx_clear(struct rtp_rx *rx)
{
	memset(rx->have, 0, sizeof(rx->have));
	rx->buffered = 0;
}

void rtp_rx_reset(struct rtp_rx *rx)
{
	rx->started = false;
	rx->wait = 0;
	rx->ssrc = 0;
	rx->has_old_ssrc = false;
	rx->old_ssrc = 0;
	rx->play = 0;
	rx->starved = 0;
	memset(&rx->stats, 0, sizeof(rx->stats));
	rtp_rx_clear(rx);
}

static bool rtp_rx_has(const struct rtp_rx *rx, uint32_t ts)
{
	uint32_t i = ts & RTP_RING_MASK;

	return (rx->have[i >> 3] & (1u << (i & 7u))) != 0;
}

/* Keeps the sample of timestamp ts unless one is there already (the first
 * copy wins).  Returns whether it was new. */
static bool rtp_rx_keep(struct rtp_rx *rx, uint32_t ts, uint8_t sample)
{
	uint32_t i = ts & RTP_RING_MASK;
	uint8_t bit = (uint8_t)(1u << (i & 7u));

	if (rx->have[i >> 3] & bit)
		return false;
	rx->have[i >> 3] |= bit;
	rx->data[i] = sample;
	rx->buffered++;
	return true;
}

/* Forgets the samples of timestamps [from, from + n). */
static void rtp_rx_forget(struct rtp_rx *rx, uint32_t from, uint32_t n)
{
	if (n >= FGW_RTP_RING_SAMPLES) {
		rtp_rx_clear(rx);
		return;
	}
	for (uint32_t k = 0; k < n && rx->buffered > 0; k++) {
		uint32_t i = (from + k) & RTP_RING_MASK;
		uint8_t bit = (uint8_t)(1u << (i & 7u));
		if (rx->have[i >> 3] & bit) {
			rx->have[i >> 3] &= (uint8_t)~bit;
			rx->buffered--;
		}
	}
}

/* Starts (or restarts) the stream with h as its first packet: its first
 * sample begins a frame. */
static void rtp_rx_start(struct rtp_rx *rx, const struct rtp_header *h)
{
	rtp_rx_clear(rx);
	rx->started = true;
	rx->ssrc = h->ssrc;
	rx->play = h->ts;
	rx->wait = rx->delay;
	rx->starved = 0;
}

/* The sender ran ahead: a packet ends `end` samples after play-out, beyond
 * the window.  Drop the oldest frames, whole ones so that frames keep their
 * boundaries, until it fits; they count as overrun, not as lost. */
static void rtp_rx_overrun(struct rtp_rx *rx, uint32_t end)
{
	uint32_t drop = (end - RTP_WINDOW + RTP_FRAME_BYTES - 1) / RTP_FRAME_BYTES;

	rtp_rx_forget(rx, rx->play, drop * RTP_FRAME_BYTES);
	rx->stats.overrun += drop;
	rx->play += drop * RTP_FRAME_BYTES;
}

/* A packet starting `behind` samples before play-out.  Returns false when
 * it is late (counted); otherwise *skip is how many of its first samples
 * are past play-out and dropped (play-out may move back to it instead). */
static bool rtp_rx_behind(struct rtp_rx *rx, const struct rtp_header *h, uint32_t behind,
			  uint32_t *skip)
{
	*skip = 0;
	if (rx->starved > 0 && rx->buffered == 0) {
		/* Play-out ran dry, nothing newer is waiting, and the stream
		 * turns up behind it: the sender's delay stepped up.
		 * Re-align play-out to it. */
		rx->play = h->ts;
		rx->wait = rx->delay;
		rx->starved = 0;
	} else if (rx->wait > 0 && behind <= rx->delay * RTP_FRAME_BYTES) {
		rx->play = h->ts;               /* reordered before play-out began */
	} else if (behind >= h->payload_len) {
		rx->stats.late++;
		return false;
	} else {
		*skip = behind;                 /* the frame it starts in is played */
	}
	return true;
}

static void rtp_rx_store(struct rtp_rx *rx, const struct rtp_header *h)
{
	uint32_t n = (uint32_t)h->payload_len;
	uint32_t ahead = h->ts - rx->play, behind = rx->play - h->ts;
	uint32_t skip = 0, fresh = 0;

	if (ahead >= RTP_RESYNC_DISTANCE && behind >= RTP_RESYNC_DISTANCE) {
		rx->stats.resync++;
		rtp_rx_start(rx, h);
	} else if (behind > 0 && behind < RTP_RESYNC_DISTANCE) {
		if (!rtp_rx_behind(rx, h, behind, &skip))
			return;
	} else if (ahead + n > RTP_WINDOW) {
		rtp_rx_overrun(rx, ahead + n);
	}
	for (uint32_t k = skip; k < n; k++)
		fresh += rtp_rx_keep(rx, h->ts + k, h->payload[k]);
	if (fresh == 0) {
		rx->stats.duplicate++;
		return;
	}
	rx->stats.received++;
}

/* Is h the stream's packet?  Starts it, or restarts it on a new SSRC. */
static bool rtp_rx_source(struct rtp_rx *rx, const struct rtp_header *h)
{
	if (!rx->started) {
		rtp_rx_start(rx, h);
	} else if (h->ssrc != rx->ssrc) {
		if (rx->has_old_ssrc && h->ssrc == rx->old_ssrc) {
			rx->stats.stale_ssrc++;
			return false;
		}
		rx->stats.ssrc_changes++;
		rx->has_old_ssrc = true;
		rx->old_ssrc = rx->ssrc;
		rtp_rx_start(rx, h);
	}
	return true;
}

enum rtp_err rtp_rx_put(struct rtp_rx *rx, const uint8_t *buf, size_t len)
{
	struct rtp_header h;
	enum rtp_err e = rtp_parse(buf, len, &h);

	if (e != RTP_OK) {
		rx->stats.malformed++;
		return e;
	}
	if (h.pt != rx->pt) {
		if (h.pt == RTP_PT_CN)
			rx->stats.cn++;
		else
			rx->stats.other_pt++;
		return RTP_OK;
	}
	if (h.payload_len == 0 || h.payload_len > FGW_RTP_MAX_SAMPLES) {
		rx->stats.bad_size++;
		return RTP_OK;
	}
	if (rtp_rx_source(rx, &h))
		rtp_rx_store(rx, &h);
	return RTP_OK;
}

/* Samples of the frame at play-out that arrived. */
static unsigned rtp_rx_frame_have(const struct rtp_rx *rx)
{
	unsigned got = 0;

	for (uint32_t k = 0; k < RTP_FRAME_BYTES && got < rx->buffered; k++)
		got += rtp_rx_has(rx, rx->play + k);
	return got;
}

/* Copies the frame at play-out, silence where samples are missing. */
static void rtp_rx_frame_copy(const struct rtp_rx *rx, uint8_t out[RTP_FRAME_BYTES])
{
	for (uint32_t k = 0; k < RTP_FRAME_BYTES; k++) {
		uint32_t ts = rx->play + k;
		out[k] = rtp_rx_has(rx, ts) ? rx->data[ts & RTP_RING_MASK] : rx->silence;
	}
}

bool rtp_rx_pull(struct rtp_rx *rx, uint8_t out[RTP_FRAME_BYTES], bool *lost)
{
	if (!rx->started)
		return false;
	if (rx->wait > 0) {
		rx->wait--;
		return false;
	}
	unsigned got = rtp_rx_frame_have(rx);
	if (got > 0) {
		rtp_rx_frame_copy(rx, out);
		rtp_rx_forget(rx, rx->play, RTP_FRAME_BYTES);
		*lost = false;
		rx->stats.played++;
		rx->stats.concealed += RTP_FRAME_BYTES - got;
		rx->starved = 0;
	} else {
		*lost = true;
		rx->stats.lost++;
		rx->starved++;
	}
	rx->play += RTP_FRAME_BYTES;
	return true;
}

/* ----- sending stream -------------------------------------------------------- */

enum rtp_err rtp_tx_init(struct rtp_tx *tx, uint8_t law, uint32_t ssrc, uint16_t seq, uint32_t ts)
{
	if (tx == NULL || !rtp_law_ok(law))
		return RTP_E_INVAL;
	memset(tx, 0, sizeof(*tx));
	tx->pt = law;
	tx->ssrc = ssrc;
	tx->seq = seq;
	tx->ts = ts;
	tx->first = true;
	tx->samples = RTP_FRAME_BYTES;
	return RTP_OK;
}

enum rtp_err rtp_tx_set_pt(struct rtp_tx *tx, unsigned pt)
{
	if (tx == NULL || pt > 127)
		return RTP_E_INVAL;
	tx->pt = (uint8_t)pt;
	return RTP_OK;
}

enum rtp_err rtp_tx_set_ptime(struct rtp_tx *tx, unsigned ms)
{
	if (tx == NULL || ms < FGW_RTP_MIN_PTIME || ms > FGW_RTP_MAX_PTIME)
		return RTP_E_INVAL;
	tx->samples = ms * FGW_RTP_SAMPLES_PER_MS;
	return RTP_OK;
}

/* One packet of n samples (RFC 3550 5.1); the caller checked outsize. */
static void rtp_tx_build(struct rtp_tx *tx, const uint8_t *samples, size_t n, uint8_t *out,
			 size_t *out_len)
{
	out[0] = RTP_VERSION << 6;      /* no padding, extension or CSRC */
	out[1] = (uint8_t)((tx->first ? 0x80u : 0u) | tx->pt);
	fgwx_put_be16(out + 2, tx->seq);
	fgwx_put_be32(out + 4, tx->ts);
	fgwx_put_be32(out + 8, tx->ssrc);
	memcpy(out + RTP_HEADER_LEN, samples, n);
	*out_len = RTP_HEADER_LEN + n;
	tx->first = false;
	tx->seq++;
	tx->ts += (uint32_t)n;
	tx->sent++;
}

enum rtp_err rtp_tx_packet(struct rtp_tx *tx, const uint8_t frame[RTP_FRAME_BYTES],
			   uint8_t *out, size_t outsize, size_t *out_len)
{
	if (tx == NULL || frame == NULL || out == NULL || out_len == NULL || tx->queued > 0)
		return RTP_E_INVAL;
	if (outsize < RTP_HEADER_LEN + RTP_FRAME_BYTES)
		return RTP_E_NO_SPACE;
	rtp_tx_build(tx, frame, RTP_FRAME_BYTES, out, out_len);
	return RTP_OK;
}

enum rtp_err rtp_tx_queue(struct rtp_tx *tx, const uint8_t frame[RTP_FRAME_BYTES])
{
	if (tx == NULL || frame == NULL)
		return RTP_E_INVAL;
	/* Less than one packet left (< FGW_RTP_MAX_SAMPLES) plus this frame
	 * always fits FGW_RTP_TX_QUEUE. */
	if (tx->queued >= tx->samples || tx->queued + RTP_FRAME_BYTES > sizeof(tx->fifo))
		return RTP_E_NO_SPACE;
	memcpy(tx->fifo + tx->queued, frame, RTP_FRAME_BYTES);
	tx->queued += RTP_FRAME_BYTES;
	return RTP_OK;
}

enum rtp_err rtp_tx_next(struct rtp_tx *tx, uint8_t *out, size_t outsize, size_t *out_len)
{
	if (tx == NULL || out == NULL || out_len == NULL)
		return RTP_E_INVAL;
	*out_len = 0;
	if (tx->queued < tx->samples)
		return RTP_OK;
	if (outsize < RTP_HEADER_LEN + tx->samples)
		return RTP_E_NO_SPACE;
	rtp_tx_build(tx, tx->fifo, tx->samples, out, out_len);
	tx->queued -= tx->samples;
	memmove(tx->fifo, tx->fifo + tx->samples, tx->queued);
	return RTP_OK;
}
