/*
 * rtp.c - RTP for G.711 fax: header parsing per RFC 3550 5.1 (fixed header,
 * CSRC list), 5.3.1 (header extension) and 5.1 P bit (padding, the last octet
 * counting the padding octets), a reorder buffer in the spirit of RFC 3550
 * 6.4.1 / A.1 (16-bit sequence numbers compared modulo 2^16, SSRC change =
 * new source), and the sender of RFC 3550 5.1 with the RFC 3551 G.711
 * payload types and 20 ms framing.
 */
#include "caps.h"
#include "fgwx_be.h"
#include "rtp.h"

#include <string.h>

/* A jump this large in sequence numbers (either way) restarts the stream. */
#define RTP_RESYNC_DISTANCE (4u * FGW_RTP_JITTER_SLOTS)

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

/* ----- receiving stream ------------------------------------------------------ */

enum rtp_err rtp_rx_init(struct rtp_rx *rx, uint8_t pt, unsigned delay)
{
	if (rx == NULL || (pt != RTP_PT_PCMU && pt != RTP_PT_PCMA) || delay > FGW_RTP_JITTER_SLOTS / 2)
		return RTP_E_INVAL;
	memset(rx, 0, sizeof(*rx));
	rx->pt = pt;
	rx->delay = delay;
	return RTP_OK;
}

static void rtp_rx_clear(struct rtp_rx *rx)
{
	for (size_t i = 0; i < FGW_RTP_JITTER_SLOTS; i++)
		rx->slot[i].full = false;
}

void rtp_rx_reset(struct rtp_rx *rx)
{
	rx->started = false;
	rx->wait = 0;
	rx->ssrc = 0;
	rx->has_old_ssrc = false;
	rx->old_ssrc = 0;
	rx->play = 0;
	memset(&rx->stats, 0, sizeof(rx->stats));
	rtp_rx_clear(rx);
}

/* Starts (or restarts) the stream with h as its first packet. */
static void rtp_rx_start(struct rtp_rx *rx, const struct rtp_header *h)
{
	rtp_rx_clear(rx);
	rx->started = true;
	rx->ssrc = h->ssrc;
	rx->play = h->seq;
	rx->wait = rx->delay;
	rx->starved = 0;
}

/* Sender ahead of play-out by `ahead` >= slots: drop the oldest frames so the
 * new one fits; they count as overrun, not as lost. */
static void rtp_rx_overrun(struct rtp_rx *rx, uint16_t ahead)
{
	uint16_t drop = (uint16_t)(ahead - FGW_RTP_JITTER_SLOTS + 1);

	for (uint16_t i = 0; i < drop; i++) {
		struct rtp_rx_slot *s = &rx->slot[(uint16_t)(rx->play + i) % FGW_RTP_JITTER_SLOTS];
		s->full = false;
		rx->stats.overrun++;
	}
	rx->play = (uint16_t)(rx->play + drop);
}

static bool rtp_rx_empty(const struct rtp_rx *rx)
{
	for (size_t i = 0; i < FGW_RTP_JITTER_SLOTS; i++)
		if (rx->slot[i].full)
			return false;
	return true;
}

static void rtp_rx_store(struct rtp_rx *rx, const struct rtp_header *h)
{
	uint16_t ahead = (uint16_t)(h->seq - rx->play);
	uint16_t behind = (uint16_t)(rx->play - h->seq);

	if (ahead >= RTP_RESYNC_DISTANCE && behind >= RTP_RESYNC_DISTANCE) {
		rx->stats.resync++;
		rtp_rx_start(rx, h);
		ahead = 0;
	} else if (behind > 0 && behind < RTP_RESYNC_DISTANCE) {
		if (rx->starved > 0 && rtp_rx_empty(rx)) {
			/* Play-out ran dry, nothing newer is waiting, and the
			 * stream turns up behind it: the sender's delay stepped
			 * up.  Re-align play-out to it. */
			rx->play = h->seq;
			rx->wait = rx->delay;
			rx->starved = 0;
		} else if (rx->wait == 0 || behind > rx->delay) {
			rx->stats.late++;
			return;
		} else {
			rx->play = h->seq;      /* reordered before play-out began */
		}
	} else if (ahead >= FGW_RTP_JITTER_SLOTS) {
		rtp_rx_overrun(rx, ahead);
	}
	struct rtp_rx_slot *s = &rx->slot[h->seq % FGW_RTP_JITTER_SLOTS];
	if (s->full && s->seq == h->seq) {
		rx->stats.duplicate++;
		return;
	}
	s->full = true;
	s->seq = h->seq;
	memcpy(s->data, h->payload, RTP_FRAME_BYTES);
	rx->stats.received++;
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
	if (h.payload_len != RTP_FRAME_BYTES) {
		rx->stats.bad_size++;
		return RTP_OK;
	}
	if (!rx->started) {
		rtp_rx_start(rx, &h);
	} else if (h.ssrc != rx->ssrc) {
		if (rx->has_old_ssrc && h.ssrc == rx->old_ssrc) {
			rx->stats.stale_ssrc++;
			return RTP_OK;
		}
		rx->stats.ssrc_changes++;
		rx->has_old_ssrc = true;
		rx->old_ssrc = rx->ssrc;
		rtp_rx_start(rx, &h);
	}
	rtp_rx_store(rx, &h);
	return RTP_OK;
}

bool rtp_rx_pull(struct rtp_rx *rx, uint8_t out[RTP_FRAME_BYTES], bool *lost)
{
	if (!rx->started)
		return false;
	if (rx->wait > 0) {
		rx->wait--;
		return false;
	}
	struct rtp_rx_slot *s = &rx->slot[rx->play % FGW_RTP_JITTER_SLOTS];
	if (s->full && s->seq == rx->play) {
		memcpy(out, s->data, RTP_FRAME_BYTES);
		s->full = false;
		*lost = false;
		rx->stats.played++;
		rx->starved = 0;
	} else {
		*lost = true;
		rx->stats.lost++;
		rx->starved++;
	}
	rx->play++;
	return true;
}

/* ----- sending stream -------------------------------------------------------- */

enum rtp_err rtp_tx_init(struct rtp_tx *tx, uint8_t pt, uint32_t ssrc, uint16_t seq, uint32_t ts)
{
	if (tx == NULL || (pt != RTP_PT_PCMU && pt != RTP_PT_PCMA))
		return RTP_E_INVAL;
	memset(tx, 0, sizeof(*tx));
	tx->pt = pt;
	tx->ssrc = ssrc;
	tx->seq = seq;
	tx->ts = ts;
	tx->first = true;
	return RTP_OK;
}

enum rtp_err rtp_tx_packet(struct rtp_tx *tx, const uint8_t frame[RTP_FRAME_BYTES],
			   uint8_t *out, size_t outsize, size_t *out_len)
{
	if (tx == NULL || frame == NULL || out == NULL || out_len == NULL)
		return RTP_E_INVAL;
	if (outsize < RTP_HEADER_LEN + RTP_FRAME_BYTES)
		return RTP_E_NO_SPACE;
	out[0] = RTP_VERSION << 6;      /* no padding, extension or CSRC */
	out[1] = (uint8_t)((tx->first ? 0x80u : 0u) | tx->pt);
	fgwx_put_be16(out + 2, tx->seq);
	fgwx_put_be32(out + 4, tx->ts);
	fgwx_put_be32(out + 8, tx->ssrc);
	memcpy(out + RTP_HEADER_LEN, frame, RTP_FRAME_BYTES);
	*out_len = RTP_HEADER_LEN + RTP_FRAME_BYTES;
	tx->first = false;
	tx->seq++;
	tx->ts += RTP_FRAME_BYTES;
	tx->sent++;
	return RTP_OK;
}
