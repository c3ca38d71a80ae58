/*
 * udptl.h - UDPTL, the T.38 transport over UDP (ITU-T T.38 clause 9.1, the
 * parity FEC of T.38 Annex C, and the UDPTLPacket ASN.1 definition of T.38
 * Annex A, encoded with ASN.1 BASIC-PER ALIGNED, ITU-T X.691).
 *
 *   UDPTLPacket ::= SEQUENCE {
 *     seq-number          INTEGER (0..65535),
 *     primary-ifp-packet  TYPE-IDENTIFIER.&Type(IFPPacket),
 *     error-recovery      CHOICE {
 *       secondary-ifp-packets  SEQUENCE OF TYPE-IDENTIFIER.&Type(IFPPacket),
 *       fec-info               SEQUENCE {
 *         fec-npackets  INTEGER,
 *         fec-data      SEQUENCE OF OCTET STRING } } }
 *
 * Four layers, all allocation-free with fixed-size state:
 *   - udptl_decode(): stateless parse of one datagram into a struct udptl_packet
 *     whose pointers point into the caller's datagram;
 *   - udptl_encode(): builds one datagram from a struct udptl_packet;
 *   - struct udptl_rx: the receiving stream (ordering, duplicates, loss
 *     recovery through redundancy or FEC), delivering IFPs through a callback;
 *   - struct udptl_tx: the sending stream (sequence numbers and the history of
 *     previous IFPs that redundancy and FEC repeat).
 *
 * No "no error recovery" choice exists on the wire: UDPTL_EC_NONE is sent as
 * redundancy with zero secondary packets.
 */
#ifndef FAXGW_MEDIA_UDPTL_H
#define FAXGW_MEDIA_UDPTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

/* Every failure of this module; negative, UDPTL_OK is 0. */
enum udptl_err {
	UDPTL_OK = 0,
	UDPTL_E_SHORT = -1,            /* datagram ends inside a field */
	UDPTL_E_LENGTH = -2,           /* a length determinant runs past the end of the datagram */
	UDPTL_E_DETERMINANT = -3,      /* malformed length determinant (X.691 10.9: 0xC0, 0xC5-0xFF) */
	UDPTL_E_FRAGMENT = -4,         /* fragmented length determinant 0xC1-0xC4 (X.691 10.9.3.8), refused */
	UDPTL_E_IFP_TOO_LONG = -5,     /* an IFP or FEC entry longer than FGW_MAX_IFP */
	UDPTL_E_TRAILING = -6,         /* bytes after the end of the UDPTL packet */
	UDPTL_E_TOO_MANY_SECONDARY = -7, /* more than FGW_MAX_UDPTL_SECONDARY secondary IFPs */
	UDPTL_E_TOO_MANY_FEC = -8,     /* more than FGW_MAX_UDPTL_FEC_ENTRIES FEC entries */
	UDPTL_E_FEC_SPAN = -9,         /* fec-npackets malformed, < 1 or > FGW_MAX_UDPTL_FEC_SPAN */
	UDPTL_E_TOO_LONG = -10,        /* datagram longer than FGW_MAX_DATAGRAM */
	UDPTL_E_NO_SPACE = -11,        /* encoder: the packet does not fit the buffer / datagram size */
	UDPTL_E_INVAL = -12            /* encoder or init: invalid argument */
};

/* Returns a static English description of an enum udptl_err value (any int). */
const char *udptl_strerror(int err);

/* Error recovery scheme: redundant secondary IFPs (T.38 clause 9.1) or
 * parity FEC (T.38 Annex C). */
enum udptl_ec {
	UDPTL_EC_NONE = 0,             /* sent as redundancy with no secondary */
	UDPTL_EC_REDUNDANCY = 1,       /* secondary-ifp-packets */
	UDPTL_EC_FEC = 2               /* fec-info */
};

/* A byte string inside someone else's buffer. */
struct udptl_ifp {
	const uint8_t *data;           /* NULL or not when len == 0 */
	size_t len;
};

/*
 * One UDPTL packet.  Pointers are borrowed: after udptl_decode() they point
 * into the decoded datagram and live as long as it.
 *
 * Redundancy: secondary[i] is the IFP of sequence number seq - 1 - i (newest
 * first).  A zero-length secondary is kept as such by the decoder (it is a
 * valid encoding); the receiving stream treats it as absent.
 *
 * FEC: fec[m] (0 <= m < n_fec) is the XOR of the IFPs with sequence numbers
 * seq + m - n_fec * j for j = 1 .. fec_span (each IFP zero-padded to the
 * longest one), i.e. the fec_span * n_fec packets before this one,
 * interleaved n_fec ways.
 */
struct udptl_packet {
	uint16_t seq;
	struct udptl_ifp primary;
	enum udptl_ec ec;              /* decoded: UDPTL_EC_REDUNDANCY or UDPTL_EC_FEC */
	size_t n_secondary;
	struct udptl_ifp secondary[FGW_MAX_UDPTL_SECONDARY];
	unsigned fec_span;             /* fec-npackets */
	size_t n_fec;
	struct udptl_ifp fec[FGW_MAX_UDPTL_FEC_ENTRIES];
};

/* Parses one datagram.  On UDPTL_OK *out is filled (pointers into buf);
 * on error *out is unspecified.  Never reads outside buf[0..len). */
enum udptl_err udptl_decode(const uint8_t *buf, size_t len, struct udptl_packet *out);

/*
 * Builds one datagram into out[0..max_len) and stores its length in *out_len.
 * UDPTL_EC_NONE / UDPTL_EC_REDUNDANCY: writes up to pkt->n_secondary
 * secondaries, dropping the oldest ones until the datagram fits max_len; the
 * number written goes to *n_sent (may be NULL).  UDPTL_EC_FEC: all n_fec
 * entries or UDPTL_E_NO_SPACE.  Every IFP / entry must be at most FGW_MAX_IFP
 * bytes, counts and span within the limits.h caps (else UDPTL_E_INVAL).
 */
enum udptl_err udptl_encode(const struct udptl_packet *pkt, uint8_t *out, size_t max_len,
			    size_t *out_len, size_t *n_sent);

/* ----- receiving stream ----------------------------------------------------- */

/* Receives each IFP in sequence order.  `ifp` is valid only during the call;
 * len >= 1.  The callback must not call udptl_rx_* on the same state. */
typedef void (*udptl_ifp_fn)(void *arg, const uint8_t *ifp, size_t len, uint16_t seq);

struct udptl_rx_stats {
	uint64_t received;             /* datagrams decoded */
	uint64_t malformed;            /* datagrams refused by udptl_decode() */
	uint64_t delivered;            /* IFPs handed to the callback (primaries + recovered) */
	uint64_t recovered;            /* of those, rebuilt from redundancy or FEC */
	uint64_t recovered_fec;        /* of the recovered, rebuilt from FEC */
	uint64_t lost;                 /* sequence numbers skipped without recovery */
	uint64_t duplicate;            /* datagrams whose primary was already delivered */
	uint64_t late;                 /* datagrams arriving after their number was given up */
	uint64_t empty;                /* zero-length IFPs (primary or secondary) treated as absent */
	uint64_t resync;               /* sequence jumps of FGW_UDPTL_WINDOW or more: window reset */
};

enum udptl_slot_state {
	UDPTL_SLOT_NONE = 0,           /* nothing known for this slot */
	UDPTL_SLOT_LOST,               /* sequence number passed without its IFP */
	UDPTL_SLOT_HAVE,               /* IFP known (delivered, or arrived late) */
	UDPTL_SLOT_EMPTY               /* before the stream start: an empty IFP for FEC */
};

struct udptl_rx_slot {
	uint16_t seq;
	uint8_t state;                 /* enum udptl_slot_state */
	uint16_t len;
	uint32_t pos;                  /* of its IFP in the stream's ring */
};

/* The IFPs a stream keeps, one after the other, in memory the caller owns
 * (it outlives the stream's state): `size` bytes, a power of two (0 keeps
 * nothing).  An IFP stays readable until `size` more bytes were written
 * after it. */
struct udptl_ring {
	uint32_t head;                 /* bytes written so far (modulo 2^32) */
	uint32_t size;
	uint8_t *buf;
};

/*
 * Receiving state of one stream; plain struct, caller-owned (about 1 KB
 * and its ring), nothing to free.  The window's IFPs share the ring: with
 * FGW_UDPTL_RING bytes and IFPs up to 128 bytes (14,400 bit/s in 40 ms
 * chunks is 72) all 64 stay available for FEC; longer ones, or a smaller
 * ring, make the oldest unavailable sooner, which only shortens how far
 * back FEC can rebuild.  Delivery is strictly in increasing sequence order
 * (modulo 2^16): for each datagram, the missing IFPs before its primary that
 * its secondaries or FEC entries restore, oldest first, then the primary.
 * Sequence numbers not restored by the time a later primary is delivered are
 * counted lost; a datagram for them arriving later is counted late and only
 * kept for FEC.  The stream is expected to start at sequence number 0: a
 * first datagram with a number below FGW_UDPTL_WINDOW has the packets before
 * it recovered; any other first number starts the stream there.  A jump of
 * FGW_UDPTL_WINDOW or more either way restarts the window at the new number.
 */
struct udptl_rx {
	udptl_ifp_fn deliver;
	void *arg;
	bool started;
	uint16_t next;                 /* next sequence number to deliver */
	struct udptl_rx_stats stats;
	struct udptl_rx_slot slot[FGW_UDPTL_WINDOW];
	struct udptl_ring ring;
};

/* Sets up rx with its callback (fn must not be NULL) and its ring: ring_size
 * bytes at ring (rounded down to a power of two; NULL or 0: no ring, so no
 * FEC rebuild), which must stay valid while rx is used. */
void udptl_rx_init(struct udptl_rx *rx, udptl_ifp_fn fn, void *arg, uint8_t *ring,
		   size_t ring_size);
/* Forgets the stream and zeroes the counters; keeps the callback. */
void udptl_rx_reset(struct udptl_rx *rx);
/* Takes one datagram; delivers what it can.  Returns UDPTL_OK or the decode
 * error (the datagram is then counted malformed and changes nothing else). */
enum udptl_err udptl_rx_datagram(struct udptl_rx *rx, const uint8_t *buf, size_t len);

/* ----- sending stream ------------------------------------------------------- */

struct udptl_tx_hist {
	uint16_t len;                  /* 0: no IFP (before the stream start) */
	uint32_t pos;                  /* in the stream's ring */
};

/*
 * Sending state of one stream; plain struct, caller-owned (about 1 KB and
 * its ring), nothing to free.  Sequence numbers start at 0.  The previous
 * IFPs live in the ring: a secondary or FEC entry whose IFP was overwritten
 * (long IFPs, or a ring smaller than the configured reach needs) is left
 * out and counted trimmed.
 */
struct udptl_tx {
	enum udptl_ec ec;
	unsigned depth;                /* redundancy: secondaries per packet */
	unsigned fec_span, fec_entries;
	size_t max_datagram;
	uint16_t seq;                  /* number of the next packet */
	uint64_t sent;                 /* packets built */
	uint64_t trimmed;              /* packets sent with less recovery data than configured */
	struct udptl_tx_hist hist[FGW_UDPTL_WINDOW];   /* indexed by seq % window */
	struct udptl_ring ring;
};

/*
 * ec UDPTL_EC_REDUNDANCY: depth = secondaries per packet, 0..FGW_MAX_UDPTL_SECONDARY
 * (fec_entries ignored).  UDPTL_EC_FEC: depth = span 1..FGW_MAX_UDPTL_FEC_SPAN,
 * fec_entries 1..FGW_MAX_UDPTL_FEC_ENTRIES, span * entries < FGW_UDPTL_WINDOW.
 * UDPTL_EC_NONE: both ignored.  max_datagram: largest datagram to produce,
 * 16..FGW_MAX_DATAGRAM.  ring, ring_size: as for udptl_rx_init.  Returns
 * UDPTL_OK or UDPTL_E_INVAL.
 */
enum udptl_err udptl_tx_init(struct udptl_tx *tx, enum udptl_ec ec, unsigned depth,
			     unsigned fec_entries, size_t max_datagram, uint8_t *ring,
			     size_t ring_size);

/*
 * Wraps one IFP (1..FGW_MAX_IFP bytes) into the next datagram, written to
 * out[0..outsize) (at most max_datagram bytes are used), length in *out_len.
 * Redundancy is trimmed (oldest first) to fit; FEC that does not fit is sent
 * with no entry.  On success the IFP joins the history and the sequence
 * number advances; to repeat a packet (T.38 indicator repetition), send the
 * same bytes again.  Errors: UDPTL_E_INVAL, UDPTL_E_NO_SPACE (nothing changes).
 */
enum udptl_err udptl_tx_packet(struct udptl_tx *tx, const uint8_t *ifp, size_t len,
			       uint8_t *out, size_t outsize, size_t *out_len);

#endif
