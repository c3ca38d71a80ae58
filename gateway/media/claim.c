/*
 * claim.c - the datagrams that may claim a static port, and the peer's
 * proof of life (claim.h).
 */
#include "caps.h"
#include "claim.h"

#include <string.h>

#include "rtp.h"
#include "udptl.h"

/* T.38 Annex A: the ranges of the enumerations (the extension values
 * follow the root ones). */
#define CLAIM_IND_ROOT_MAX     15   /* t30-indicator: no-signal 0 .. v17-14400-long-training */
#define CLAIM_IND_EXT_FIRST    16   /* v8-ansam */
#define CLAIM_IND_EXT_MAX      22   /* v33-14400-training */
#define CLAIM_DATA_ROOT_MAX    8    /* data: v21 0 .. v17-14400 */
#define CLAIM_DATA_EXT_FIRST   9    /* v8 */
#define CLAIM_DATA_EXT_MAX     13   /* v33-14400 */
#define CLAIM_FIELD_EXT_FIRST  8    /* field-type: cm-message (versions 1..3) */
#define CLAIM_FIELD_EXT_MAX    11   /* v34rate */

/* An extension value: 4 bits at the end of b0, 2 at the start of b1. */
static unsigned claim_ext_value(uint8_t b0, uint8_t b1)
{
	return (((unsigned)b0 << 2) & 0x3Cu) | ((unsigned)b1 >> 6);
}

/* The SEQUENCE OF count of a data field (X.691 10.9: one or two octets;
 * fragments are refused).  0 on a short or fragmented determinant. */
static size_t claim_count(const uint8_t *b, size_t len, size_t *pos)
{
	size_t n;

	if (*pos >= len)
		return 0;
	if (b[*pos] < 0x80) {
		n = b[*pos];
		*pos += 1;
	} else if (b[*pos] < 0xC0 && *pos + 1 < len) {
		n = ((size_t)(b[*pos] & 0x3F) << 8) | b[*pos + 1];
		*pos += 2;
	} else {
		n = 0;
	}
	return n;
}

/* One field's type (and whether it carries data) at *pos; version 0 packs
 * a field without data into half an octet (*half).  -1 when malformed. */
static int claim_field_head(const uint8_t *b, size_t len, size_t *pos, bool *half,
			    int version, bool *fdp)
{
	uint8_t x = b[*pos];

	if (version == 0 && *half) {
		*fdp = (x >> 3) & 1;
		*half = false;
		*pos += 1;
	} else if (version == 0) {
		*fdp = x >> 7;
		if (*fdp)
			*pos += 1;
		else
			*half = true;
	} else if (x & 0x40) {
		*fdp = x >> 7;
		if (*pos + 2 > len ||
		    CLAIM_FIELD_EXT_FIRST + claim_ext_value(x, b[*pos + 1]) > CLAIM_FIELD_EXT_MAX)
			return -1;
		*pos += 2;
	} else {
		*fdp = x >> 7;
		*pos += 1;
	}
	return 0;
}

/* The data field from pos on: every field within the IFP and nothing
 * after the last one. */
static int claim_fields(const uint8_t *b, size_t len, size_t pos, int version)
{
	size_t count = claim_count(b, len, &pos);
	bool half = false, fdp;

	if (count == 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (pos >= len || claim_field_head(b, len, &pos, &half, version, &fdp) != 0)
			return -1;
		if (!fdp)
			continue;
		if (pos + 2 > len)
			return -1;
		pos += 2 + (((size_t)b[pos] << 8) | b[pos + 1]) + 1;
		if (pos > len)
			return -1;
	}
	if (half)
		pos++;
	return pos == len ? 0 : -1;
}

static enum claim_ifp claim_indicator(const uint8_t *ifp, size_t len)
{
	uint8_t b0 = ifp[0];

	if (b0 & 0x80)                  /* an indicator has no data field */
		return CLAIM_IFP_BAD;
	if (b0 & 0x20) {
		if (len != 2 ||
		    CLAIM_IND_EXT_FIRST + claim_ext_value(b0, ifp[1]) > CLAIM_IND_EXT_MAX)
			return CLAIM_IFP_BAD;
		return CLAIM_IFP_SIGNAL;
	}
	if (len != 1)
		return CLAIM_IFP_BAD;
	return ((b0 >> 1) & 0xF) == 0 ? CLAIM_IFP_IDLE : CLAIM_IFP_SIGNAL;
}

enum claim_ifp claim_ifp_kind(const uint8_t *ifp, size_t len, int t38_version)
{
	size_t pos = 1;

	if (ifp == NULL || len == 0 || len > FGW_MAX_IFP)
		return CLAIM_IFP_BAD;
	if (!(ifp[0] & 0x40))
		return claim_indicator(ifp, len);
	if (ifp[0] & 0x20) {
		if (len < 2 ||
		    CLAIM_DATA_EXT_FIRST + claim_ext_value(ifp[0], ifp[1]) > CLAIM_DATA_EXT_MAX)
			return CLAIM_IFP_BAD;
		pos = 2;
	} else if (((ifp[0] >> 1) & 0xF) > CLAIM_DATA_ROOT_MAX) {
		return CLAIM_IFP_BAD;
	}
	if (!(ifp[0] & 0x80))
		return pos == len ? CLAIM_IFP_IDLE : CLAIM_IFP_BAD;
	return claim_fields(ifp, len, pos, t38_version) == 0 ? CLAIM_IFP_DATA : CLAIM_IFP_BAD;
}

int claim_check(const struct claim_rules *r, const uint8_t *buf, size_t len, uint16_t *seq)
{
	if (buf == NULL)
		return -1;
	if (r->t38) {
		struct udptl_packet pk;
		if (udptl_decode(buf, len, &pk) != UDPTL_OK ||
		    claim_ifp_kind(pk.primary.data, pk.primary.len, r->t38_version) == CLAIM_IFP_BAD)
			return -1;
		*seq = pk.seq;
		return 0;
	}
	struct rtp_header h;
	if (rtp_parse(buf, len, &h) != RTP_OK || h.pt != r->rtp_pt ||
	    rtp_g711_ptime(h.payload_len) == 0)
		return -1;
	*seq = h.seq;
	return 0;
}

void claim_watch_start(struct claim_watch *w, const struct claim_rules *r, uint16_t first_seq)
{
	memset(w, 0, sizeof(*w));
	w->rules = *r;
	w->first_seq = first_seq;
}

void claim_watch_rx(struct claim_watch *w, const uint8_t *buf, size_t len)
{
	uint16_t seq;

	if (!w->proven && claim_check(&w->rules, buf, len, &seq) == 0 && seq != w->first_seq)
		w->proven = true;
}

bool claim_watch_tx(struct claim_watch *w)
{
	if (w->proven)
		return true;
	if (w->sent >= FGW_CLAIM_TX_CAP) {
		w->capped++;
		return false;
	}
	w->sent++;
	return true;
}
