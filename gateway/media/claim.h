/*
 * claim.h - which datagrams may claim an idle static fax port, and what a
 * claimed port may send before its peer proves to be a live fax endpoint
 * (faxgwd.conf(5), PORT CLAIM).
 *
 * A static port has no signalling: its first datagram starts a call and
 * fixes the peer.  Only a well-formed datagram of the port's transport
 * may do that:
 *   - t38: a UDPTL packet (udptl.h) whose primary IFP decodes as a T.38
 *     IFPPacket (ITU-T T.38 Annex A, BASIC-PER ALIGNED, with the field-type
 *     encoding of the configured T.38 version, as spandsp reads it);
 *   - audio: an RTP version 2 packet (RFC 3550 5.1) of the configured
 *     G.711 payload type (PCMU 0, PCMA 8) carrying a whole number of
 *     milliseconds of audio from FGW_RTP_MIN_PTIME to FGW_RTP_MAX_PTIME
 *     (80..480 bytes in steps of 8: any SDP a=ptime; rtp_g711_ptime() in
 *     rtp.h).  The datagram that proves the peer (below) meets the same
 *     rule; the call's receiver takes packets of any size.
 * Until the peer has sent a second well-formed datagram with another
 * sequence number (repetitions of one T.38 packet do not count), at most
 * FGW_CLAIM_TX_CAP datagrams go to it: a spoofed source is not a
 * reflector.
 *
 * Pure functions and a plain caller-owned struct; no allocation.
 */
#ifndef FAXGW_MEDIA_CLAIM_H
#define FAXGW_MEDIA_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

/* What one IFP is (T.38 Annex A IFPPacket); ordered: >= CLAIM_IFP_SIGNAL
 * is T.30 coming from the peer. */
enum claim_ifp {
	CLAIM_IFP_BAD = -1,      /* does not decode as T.38 */
	CLAIM_IFP_IDLE = 0,      /* no-signal indicator, or data without a data field */
	CLAIM_IFP_SIGNAL = 1,    /* any other t30-indicator: CNG, CED, preamble, training */
	CLAIM_IFP_DATA = 2       /* t30-data with its fields */
};

/* Classifies one IFP with the field-type encoding of T.38 version
 * t38_version (0: the 1998 encoding; 1..3: the later one). */
enum claim_ifp claim_ifp_kind(const uint8_t *ifp, size_t len, int t38_version);

/* The port's transport, for the checks below. */
struct claim_rules {
	bool t38;                /* true: UDPTL/T.38; false: RTP/G.711 */
	int t38_version;         /* t38: 0..3 */
	uint8_t rtp_pt;          /* audio: RTP_PT_PCMU or RTP_PT_PCMA */
};

/* 0 when buf[0..len) is a well-formed datagram of the transport (see
 * above), with its UDPTL or RTP sequence number in *seq; -1 otherwise. */
int claim_check(const struct claim_rules *r, const uint8_t *buf, size_t len, uint16_t *seq);

/* A claimed port's view of its peer: proof of life and the send cap. */
struct claim_watch {
	struct claim_rules rules;
	uint16_t first_seq;      /* of the datagram that claimed the port */
	bool proven;             /* a second well-formed datagram, another seq */
	unsigned sent;           /* datagrams allowed out while unproven */
	uint64_t capped;         /* datagrams not sent: over FGW_CLAIM_TX_CAP unproven */
};

/* Starts the watch of a call claimed by a datagram with sequence number
 * first_seq. */
void claim_watch_start(struct claim_watch *w, const struct claim_rules *r, uint16_t first_seq);
/* Every datagram from the peer: may prove it. */
void claim_watch_rx(struct claim_watch *w, const uint8_t *buf, size_t len);
/* Before each datagram to the peer: true to send it; false (counted in
 * capped) once FGW_CLAIM_TX_CAP went out to an unproven peer. */
bool claim_watch_tx(struct claim_watch *w);

#endif
