/*
 * udptl.c - UDPTL packets and streams for T.38 over UDP.
 *
 * Follows ITU-T T.38 clause 9.1 (IFT over UDP using UDPTL: sequence numbers,
 * primary IFP, error recovery by redundant secondary IFPs), T.38 Annex C
 * (the optional parity FEC scheme) and the UDPTLPacket definition of T.38
 * Annex A, encoded in ASN.1 BASIC-PER ALIGNED (ITU-T X.691): seq-number is
 * a constrained 16-bit integer (two octets), each IFP is an open type (a
 * length determinant, then the octets), the error-recovery CHOICE index is
 * one bit padded to an octet, SEQUENCE OF counts and OCTET STRING lengths
 * are unconstrained length determinants (X.691 10.9), fec-npackets is an
 * unconstrained INTEGER (a length octet, then two's-complement octets).
 *
 * Fragmented length determinants (X.691 10.9.3.8, 0xC1-0xC4, for 16K and
 * more) are refused: no UDPTL packet comes anywhere near that size.
 */
#include "caps.h"
#include "fgwx_be.h"
#include "udptl.h"

#include <stddef.h>
#include <string.h>

/* Two-octet length determinant: 10xxxxxx xxxxxxxx, X.691 10.9.3.7. */
#define UDPTL_LEN_1BYTE_MAX 127u
#define UDPTL_LEN_2BYTE_MAX 16383u
#define UDPTL_CHOICE_FEC    0x80u   /* CHOICE index bit 1 = fec-info */

const char *udptl_strerror(int err)
{
	switch (err) {
	case UDPTL_OK: return "success";
	case UDPTL_E_SHORT: return "datagram ends inside a field";
	case UDPTL_E_LENGTH: return "length runs past the end of the datagram";
	case UDPTL_E_DETERMINANT: return "malformed length determinant";
	case UDPTL_E_FRAGMENT: return "fragmented length determinant (refused)";
	case UDPTL_E_IFP_TOO_LONG: return "IFP or FEC entry too long";
	case UDPTL_E_TRAILING: return "trailing bytes after the UDPTL packet";
	case UDPTL_E_TOO_MANY_SECONDARY: return "too many secondary IFP packets";
	case UDPTL_E_TOO_MANY_FEC: return "too many FEC entries";
	case UDPTL_E_FEC_SPAN: return "invalid FEC span (fec-npackets)";
	case UDPTL_E_TOO_LONG: return "datagram too long";
	case UDPTL_E_NO_SPACE: return "packet does not fit the datagram size";
	case UDPTL_E_INVAL: return "invalid argument";
	default: return "unknown UDPTL error";
	}
}

/* ----- decoding ------------------------------------------------------------ */

/* A reader over the datagram: every read checks the remaining length. */
struct udptl_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

/* Unconstrained length determinant, X.691 10.9.3.6-10.9.3.8. */
static enum udptl_err udptl_get_length(struct udptl_reader *r, size_t *out)
{
	if (r->pos >= r->len)
		return UDPTL_E_SHORT;
	uint8_t b = r->buf[r->pos];
	if ((b & 0x80u) == 0) {
		*out = b;
		r->pos += 1;
		return UDPTL_OK;
	}
	if ((b & 0xC0u) == 0x80u) {
		if (r->len - r->pos < 2)
			return UDPTL_E_SHORT;
		*out = ((size_t)(b & 0x3Fu) << 8) | r->buf[r->pos + 1];
		r->pos += 2;
		return UDPTL_OK;
	}
	if (b >= 0xC1u && b <= 0xC4u)
		return UDPTL_E_FRAGMENT;
	return UDPTL_E_DETERMINANT;
}

/* Open type or OCTET STRING: a length determinant, then that many octets. */
static enum udptl_err udptl_get_octets(struct udptl_reader *r, struct udptl_ifp *out)
{
	size_t n;
	enum udptl_err e = udptl_get_length(r, &n);

	if (e != UDPTL_OK)
		return e;
	if (n > r->len - r->pos)
		return UDPTL_E_LENGTH;
	if (n > FGW_MAX_IFP)
		return UDPTL_E_IFP_TOO_LONG;
	out->data = r->buf + r->pos;
	out->len = n;
	r->pos += n;
	return UDPTL_OK;
}

static enum udptl_err udptl_get_secondaries(struct udptl_reader *r, struct udptl_packet *p)
{
	size_t n;
	enum udptl_err e = udptl_get_length(r, &n);

	if (e != UDPTL_OK)
		return e;
	if (n > FGW_MAX_UDPTL_SECONDARY)
		return UDPTL_E_TOO_MANY_SECONDARY;
	for (size_t i = 0; i < n; i++) {
		e = udptl_get_octets(r, &p->secondary[i]);
		if (e != UDPTL_OK)
			return e;
	}
	p->n_secondary = n;
	return UDPTL_OK;
}

/* fec-npackets: unconstrained INTEGER, X.691 12.2.6 (length octet, value). */
static enum udptl_err udptl_get_span(struct udptl_reader *r, unsigned *span)
{
	size_t n;
	enum udptl_err e = udptl_get_length(r, &n);

	if (e != UDPTL_OK)
		return e;
	if (n < 1 || n > 2)
		return UDPTL_E_FEC_SPAN;
	if (r->len - r->pos < n)
		return UDPTL_E_SHORT;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | r->buf[r->pos + i];
	if (r->buf[r->pos] & 0x80u)    /* negative */
		return UDPTL_E_FEC_SPAN;
	r->pos += n;
	if (v > FGW_MAX_UDPTL_FEC_SPAN)
		return UDPTL_E_FEC_SPAN;
	*span = v;
	return UDPTL_OK;
}

static enum udptl_err udptl_get_fec(struct udptl_reader *r, struct udptl_packet *p)
{
	size_t n;
	enum udptl_err e = udptl_get_span(r, &p->fec_span);

	if (e != UDPTL_OK)
		return e;
	e = udptl_get_length(r, &n);
	if (e != UDPTL_OK)
		return e;
	if (n > FGW_MAX_UDPTL_FEC_ENTRIES)
		return UDPTL_E_TOO_MANY_FEC;
	/* A span of 0 (sent by some stacks while their history fills up)
	 * covers nothing: only valid without entries. */
	if (p->fec_span == 0 && n > 0)
		return UDPTL_E_FEC_SPAN;
	for (size_t i = 0; i < n; i++) {
		e = udptl_get_octets(r, &p->fec[i]);
		if (e != UDPTL_OK)
			return e;
	}
	p->n_fec = n;
	return UDPTL_OK;
}

enum udptl_err udptl_decode(const uint8_t *buf, size_t len, struct udptl_packet *out)
{
	struct udptl_reader r = { buf, len, 0 };
	enum udptl_err e;

	if (buf == NULL || out == NULL)
		return UDPTL_E_INVAL;
	if (len > FGW_MAX_DATAGRAM)
		return UDPTL_E_TOO_LONG;
	memset(out, 0, sizeof(*out));
	if (len < 2)
		return UDPTL_E_SHORT;
	out->seq = fgwx_get_be16(buf);
	r.pos = 2;
	e = udptl_get_octets(&r, &out->primary);
	if (e != UDPTL_OK)
		return e;
	if (r.pos >= r.len)
		return UDPTL_E_SHORT;
	/* CHOICE index in the top bit; the other 7 bits are padding. */
	if (buf[r.pos++] & UDPTL_CHOICE_FEC) {
		out->ec = UDPTL_EC_FEC;
		e = udptl_get_fec(&r, out);
	} else {
		out->ec = UDPTL_EC_REDUNDANCY;
		e = udptl_get_secondaries(&r, out);
	}
	if (e != UDPTL_OK)
		return e;
	if (r.pos != r.len)
		return UDPTL_E_TRAILING;
	return UDPTL_OK;
}

/* ----- encoding ------------------------------------------------------------ */

struct udptl_writer {
	uint8_t *buf;
	size_t cap;
	size_t pos;
};

static size_t udptl_length_size(size_t n)
{
	return n <= UDPTL_LEN_1BYTE_MAX ? 1 : 2;
}

/* Lengths here never exceed FGW_MAX_IFP (checked by callers). */
static void udptl_put_length(struct udptl_writer *w, size_t n)
{
	if (n <= UDPTL_LEN_1BYTE_MAX) {
		w->buf[w->pos++] = (uint8_t)n;
	} else {
		w->buf[w->pos++] = (uint8_t)(0x80u | (n >> 8));
		w->buf[w->pos++] = (uint8_t)(n & 0xFFu);
	}
}

static void udptl_put_octets(struct udptl_writer *w, const uint8_t *data, size_t n)
{
	udptl_put_length(w, n);
	if (n > 0)
		memcpy(w->buf + w->pos, data, n);
	w->pos += n;
}

static size_t udptl_octets_size(size_t n)
{
	return udptl_length_size(n) + n;
}

static bool udptl_ifp_ok(const struct udptl_ifp *f)
{
	return f->len <= FGW_MAX_IFP && (f->len == 0 || f->data != NULL);
}

static enum udptl_err udptl_check_packet(const struct udptl_packet *pkt)
{
	if (!udptl_ifp_ok(&pkt->primary))
		return UDPTL_E_INVAL;
	switch (pkt->ec) {
	case UDPTL_EC_NONE:
		return UDPTL_OK;
	case UDPTL_EC_REDUNDANCY:
		if (pkt->n_secondary > FGW_MAX_UDPTL_SECONDARY)
			return UDPTL_E_INVAL;
		for (size_t i = 0; i < pkt->n_secondary; i++)
			if (!udptl_ifp_ok(&pkt->secondary[i]))
				return UDPTL_E_INVAL;
		return UDPTL_OK;
	case UDPTL_EC_FEC:
		if (pkt->n_fec > FGW_MAX_UDPTL_FEC_ENTRIES || pkt->fec_span > FGW_MAX_UDPTL_FEC_SPAN ||
		    (pkt->fec_span == 0 && pkt->n_fec > 0))
			return UDPTL_E_INVAL;
		for (size_t i = 0; i < pkt->n_fec; i++)
			if (!udptl_ifp_ok(&pkt->fec[i]))
				return UDPTL_E_INVAL;
		return UDPTL_OK;
	}
	return UDPTL_E_INVAL;
}

/* How many secondaries (newest first) fit in `room` bytes after the count. */
static size_t udptl_fit_secondaries(const struct udptl_packet *pkt, size_t room)
{
	size_t n = pkt->ec == UDPTL_EC_REDUNDANCY ? pkt->n_secondary : 0;
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += udptl_octets_size(pkt->secondary[i].len);
	while (n > 0 && udptl_length_size(n) + total > room) {
		n--;
		total -= udptl_octets_size(pkt->secondary[n].len);
	}
	return n;
}

static size_t udptl_fec_size(const struct udptl_packet *pkt)
{
	size_t total = 2 + udptl_length_size(pkt->n_fec);   /* span: length octet + value */

	for (size_t i = 0; i < pkt->n_fec; i++)
		total += udptl_octets_size(pkt->fec[i].len);
	return total;
}

enum udptl_err udptl_encode(const struct udptl_packet *pkt, uint8_t *out, size_t max_len,
			    size_t *out_len, size_t *n_sent)
{
	struct udptl_writer w = { out, max_len, 0 };
	enum udptl_err e;

	if (pkt == NULL || out == NULL || out_len == NULL)
		return UDPTL_E_INVAL;
	e = udptl_check_packet(pkt);
	if (e != UDPTL_OK)
		return e;
	size_t head = 2 + udptl_octets_size(pkt->primary.len) + 1;
	if (head > max_len)
		return UDPTL_E_NO_SPACE;
	if (pkt->ec == UDPTL_EC_FEC) {
		if (head + udptl_fec_size(pkt) > max_len)
			return UDPTL_E_NO_SPACE;
	} else if (head + 1 > max_len) {
		return UDPTL_E_NO_SPACE;
	}
	fgwx_put_be16(w.buf, pkt->seq);             /* the sequence number opens the packet */
	w.pos = 2;
	udptl_put_octets(&w, pkt->primary.data, pkt->primary.len);
	if (pkt->ec == UDPTL_EC_FEC) {
		w.buf[w.pos++] = UDPTL_CHOICE_FEC;
		w.buf[w.pos++] = 1;                     /* INTEGER length: one octet */
		w.buf[w.pos++] = (uint8_t)pkt->fec_span;
		udptl_put_length(&w, pkt->n_fec);
		for (size_t i = 0; i < pkt->n_fec; i++)
			udptl_put_octets(&w, pkt->fec[i].data, pkt->fec[i].len);
		if (n_sent != NULL)
			*n_sent = pkt->n_fec;
	} else {
		size_t n = udptl_fit_secondaries(pkt, max_len - head);
		w.buf[w.pos++] = 0x00;                  /* CHOICE: secondary-ifp-packets */
		udptl_put_length(&w, n);
		for (size_t i = 0; i < n; i++)
			udptl_put_octets(&w, pkt->secondary[i].data, pkt->secondary[i].len);
		if (n_sent != NULL)
			*n_sent = n;
	}
	*out_len = w.pos;
	return UDPTL_OK;
}

/* ----- the ring of kept IFPs ----------------------------------------------------- */

static void udptl_ring_init(struct udptl_ring *r, uint8_t *buf, size_t size)
{
	uint32_t pow = 0;

	if (buf != NULL)
		for (pow = 1u << 30; pow > size; pow >>= 1)
			;
	r->head = 0;
	r->size = pow;
	r->buf = buf;
}

/* Keeps len bytes (1..FGW_MAX_IFP) in one piece, skipping the end of the
 * ring when it is too short; returns their position.  An IFP longer than
 * the ring is not kept, only counted, so that udptl_ring_get refuses it. */
static uint32_t udptl_ring_put(struct udptl_ring *r, const uint8_t *data, size_t len)
{
	uint32_t off = r->head & (r->size - 1);
	uint32_t pos;

	if (len > r->size) {
		pos = r->head;
		r->head += (uint32_t)len;
		return pos;
	}
	if (off + len > r->size)
		r->head += r->size - off;
	pos = r->head;
	r->head += (uint32_t)len;
	memcpy(r->buf + (pos & (r->size - 1)), data, len);
	return pos;
}

/* The IFP written at pos, or NULL when later writes went over it. */
static const uint8_t *udptl_ring_get(const struct udptl_ring *r, uint32_t pos)
{
	if ((uint32_t)(r->head - pos) > r->size)
		return NULL;
	return r->buf + (pos & (r->size - 1));
}

/* ----- receiving stream ------------------------------------------------------ */

static struct udptl_rx_slot *udptl_rx_slot(struct udptl_rx *rx, uint16_t seq)
{
	return &rx->slot[seq % FGW_UDPTL_WINDOW];
}

/* The slot of `seq` if it currently describes that sequence number. */
static struct udptl_rx_slot *udptl_rx_find(struct udptl_rx *rx, uint16_t seq)
{
	struct udptl_rx_slot *s = udptl_rx_slot(rx, seq);

	return (s->state != UDPTL_SLOT_NONE && s->seq == seq) ? s : NULL;
}

static void udptl_rx_set(struct udptl_rx *rx, uint16_t seq, enum udptl_slot_state st,
			 const uint8_t *data, size_t len)
{
	struct udptl_rx_slot *s = udptl_rx_slot(rx, seq);

	s->seq = seq;
	s->state = (uint8_t)st;
	s->len = (uint16_t)len;
	s->pos = len > 0 ? udptl_ring_put(&rx->ring, data, len) : 0;
}

/* Hands on an IFP restored for the lost number k. */
static void udptl_rx_deliver_recovered(struct udptl_rx *rx, const uint8_t *ifp, size_t len,
				       uint16_t k)
{
	rx->stats.recovered++;
	rx->stats.delivered++;
	rx->deliver(rx->arg, ifp, len, k);
}

/* A slot's IFP; NULL when it has none or the ring no longer holds it. */
static const uint8_t *udptl_rx_data(const struct udptl_rx *rx, const struct udptl_rx_slot *s)
{
	return s->len > 0 ? udptl_ring_get(&rx->ring, s->pos) : NULL;
}

static void udptl_rx_clear(struct udptl_rx *rx)
{
	for (size_t i = 0; i < FGW_UDPTL_WINDOW; i++)
		rx->slot[i].state = UDPTL_SLOT_NONE;
}

void udptl_rx_init(struct udptl_rx *rx, udptl_ifp_fn fn, void *arg, uint8_t *ring,
		   size_t ring_size)
{
	rx->deliver = fn;
	rx->arg = arg;
	udptl_ring_init(&rx->ring, ring, ring_size);
	udptl_rx_reset(rx);
}

void udptl_rx_reset(struct udptl_rx *rx)
{
	rx->ring.head = 0;
	rx->started = false;
	rx->next = 0;
	memset(&rx->stats, 0, sizeof(rx->stats));
	udptl_rx_clear(rx);
}

/* Starts the stream at sequence number 0: the numbers before it had no IFP
 * at the sender, which parity FEC counts as empty packets. */
static void udptl_rx_start_at_zero(struct udptl_rx *rx)
{
	udptl_rx_clear(rx);
	for (unsigned k = 1; k < FGW_UDPTL_WINDOW; k++)
		udptl_rx_set(rx, (uint16_t)(0u - k), UDPTL_SLOT_EMPTY, NULL, 0);
	rx->next = 0;
	rx->started = true;
}

static void udptl_rx_start_at(struct udptl_rx *rx, uint16_t seq)
{
	udptl_rx_clear(rx);
	rx->next = seq;
	rx->started = true;
}

/*
 * Parity FEC (T.38 Annex C, C.2.2 reconstruction): the entry of packet `seq` that covers the
 * missing number `k` is the XOR of every covered IFP; rebuild k when every
 * other covered number is known.  Returns true when slot k was filled.
 */
static bool udptl_rx_fec_one(struct udptl_rx *rx, const struct udptl_packet *p, uint16_t k)
{
	size_t e = p->n_fec, span = p->fec_span;
	size_t off = (uint16_t)(p->seq - k);            /* 1 .. */
	size_t j = (off + e - 1) / e;                    /* ceil(off / e) */
	size_t m = e * j - off;
	const struct udptl_ifp *fec = &p->fec[m];
	uint8_t d[FGW_MAX_IFP];

	if (j > span || fec->len == 0 || fec->len > sizeof(d))
		return false;
	memcpy(d, fec->data, fec->len);
	for (size_t jj = 1; jj <= span; jj++) {
		uint16_t c = (uint16_t)(p->seq + m - e * jj);
		if (c == k)
			continue;
		const struct udptl_rx_slot *s = udptl_rx_find(rx, c);
		if (s == NULL || (s->state != UDPTL_SLOT_HAVE && s->state != UDPTL_SLOT_EMPTY))
			return false;
		const uint8_t *sd = udptl_rx_data(rx, s);
		if (s->len > 0 && sd == NULL)
			return false;
		/* The entry is as long as its longest IFP; a longer one (an IFP
		 * itself rebuilt with zero padding) may only carry zeros beyond. */
		for (size_t i = fec->len; i < s->len; i++)
			if (sd[i] != 0)
				return false;
		for (size_t i = 0; i < s->len && i < fec->len; i++)
			d[i] ^= sd[i];
	}
	udptl_rx_set(rx, k, UDPTL_SLOT_HAVE, d, fec->len);
	udptl_rx_deliver_recovered(rx, d, fec->len, k);
	return true;
}

/* Restores and delivers what packet p carries for the number k (marked
 * lost before): from a secondary, or by FEC.  False if it could not. */
static bool udptl_rx_recover(struct udptl_rx *rx, const struct udptl_packet *p, uint16_t k)
{
	size_t back = (uint16_t)(p->seq - k) - 1u;   /* secondary index */

	if (p->ec == UDPTL_EC_REDUNDANCY && back < p->n_secondary) {
		const struct udptl_ifp *s = &p->secondary[back];
		if (s->len == 0)
			return false;
		udptl_rx_set(rx, k, UDPTL_SLOT_HAVE, s->data, s->len);
		udptl_rx_deliver_recovered(rx, s->data, s->len, k);
		return true;
	}
	if (p->ec == UDPTL_EC_FEC && p->n_fec > 0 && udptl_rx_fec_one(rx, p, k)) {
		rx->stats.recovered_fec++;
		return true;
	}
	return false;
}

static void udptl_rx_count_empty(struct udptl_rx *rx, const struct udptl_packet *p)
{
	if (p->primary.len == 0)
		rx->stats.empty++;
	if (p->ec != UDPTL_EC_REDUNDANCY)
		return;
	for (size_t i = 0; i < p->n_secondary; i++)
		if (p->secondary[i].len == 0)
			rx->stats.empty++;
}

/* p->seq is at or ahead of rx->next by less than the window.  The numbers
 * in between are restored oldest first, each delivered at once; a FEC
 * rebuild may use the ones before it (from the ring). */
static void udptl_rx_advance(struct udptl_rx *rx, const struct udptl_packet *p)
{
	uint16_t gap = (uint16_t)(p->seq - rx->next);

	for (uint16_t i = 0; i < gap; i++)
		udptl_rx_set(rx, (uint16_t)(rx->next + i), UDPTL_SLOT_LOST, NULL, 0);
	for (uint16_t i = 0; i < gap; i++)
		if (!udptl_rx_recover(rx, p, (uint16_t)(rx->next + i)))
			rx->stats.lost++;
	if (p->primary.len == 0) {
		/* Absent primary (AST-2016-003): a later packet may restore it. */
		udptl_rx_set(rx, p->seq, UDPTL_SLOT_LOST, NULL, 0);
		rx->next = p->seq;
		return;
	}
	udptl_rx_set(rx, p->seq, UDPTL_SLOT_HAVE, p->primary.data, p->primary.len);
	rx->next = (uint16_t)(p->seq + 1);
	rx->stats.delivered++;
	rx->deliver(rx->arg, p->primary.data, p->primary.len, p->seq);
}

/* p->seq is behind rx->next by less than the window. */
static void udptl_rx_behind(struct udptl_rx *rx, const struct udptl_packet *p)
{
	struct udptl_rx_slot *s = udptl_rx_find(rx, p->seq);

	if (s != NULL && s->state == UDPTL_SLOT_HAVE) {
		rx->stats.duplicate++;
		return;
	}
	rx->stats.late++;
	if (s != NULL && s->state == UDPTL_SLOT_LOST && p->primary.len > 0)
		udptl_rx_set(rx, p->seq, UDPTL_SLOT_HAVE, p->primary.data, p->primary.len);
}

enum udptl_err udptl_rx_datagram(struct udptl_rx *rx, const uint8_t *buf, size_t len)
{
	struct udptl_packet p;
	enum udptl_err e = udptl_decode(buf, len, &p);

	if (e != UDPTL_OK) {
		rx->stats.malformed++;
		return e;
	}
	rx->stats.received++;
	udptl_rx_count_empty(rx, &p);
	if (!rx->started) {
		if (p.seq < FGW_UDPTL_WINDOW)
			udptl_rx_start_at_zero(rx);
		else
			udptl_rx_start_at(rx, p.seq);
	}
	uint16_t ahead = (uint16_t)(p.seq - rx->next);
	uint16_t behind = (uint16_t)(rx->next - p.seq);
	if (ahead < FGW_UDPTL_WINDOW) {
		udptl_rx_advance(rx, &p);
	} else if (behind <= FGW_UDPTL_WINDOW) {
		udptl_rx_behind(rx, &p);
	} else {
		/* A jump: the peer restarted or lost a lot. */
		rx->stats.resync++;
		udptl_rx_start_at(rx, p.seq);
		udptl_rx_advance(rx, &p);
	}
	return UDPTL_OK;
}

/* ----- sending stream -------------------------------------------------------- */

enum udptl_err udptl_tx_init(struct udptl_tx *tx, enum udptl_ec ec, unsigned depth,
			     unsigned fec_entries, size_t max_datagram, uint8_t *ring,
			     size_t ring_size)
{
	if (tx == NULL || max_datagram < 16 || max_datagram > FGW_MAX_DATAGRAM)
		return UDPTL_E_INVAL;
	memset(tx, 0, sizeof(*tx));
	udptl_ring_init(&tx->ring, ring, ring_size);
	switch (ec) {
	case UDPTL_EC_NONE:
		break;
	case UDPTL_EC_REDUNDANCY:
		if (depth > FGW_MAX_UDPTL_SECONDARY)
			return UDPTL_E_INVAL;
		tx->depth = depth;
		break;
	case UDPTL_EC_FEC:
		if (depth < 1 || depth > FGW_MAX_UDPTL_FEC_SPAN || fec_entries < 1 ||
		    fec_entries > FGW_MAX_UDPTL_FEC_ENTRIES || depth * fec_entries >= FGW_UDPTL_WINDOW)
			return UDPTL_E_INVAL;
		tx->fec_span = depth;
		tx->fec_entries = fec_entries;
		break;
	default:
		return UDPTL_E_INVAL;
	}
	tx->ec = ec;
	tx->max_datagram = max_datagram;
	return UDPTL_OK;
}

static const struct udptl_tx_hist *udptl_tx_hist(const struct udptl_tx *tx, uint16_t seq)
{
	return &tx->hist[seq % FGW_UDPTL_WINDOW];
}

/* A kept IFP; NULL when it has none or the ring no longer holds it. */
static const uint8_t *udptl_tx_data(const struct udptl_tx *tx, const struct udptl_tx_hist *h)
{
	return h->len > 0 ? udptl_ring_get(&tx->ring, h->pos) : NULL;
}

/* Fills pkt->secondary with the previous IFPs, newest first, as far back
 * as the ring holds them. */
static void udptl_tx_secondaries(struct udptl_tx *tx, struct udptl_packet *pkt)
{
	size_t n = tx->depth;

	if (tx->sent < n)
		n = (size_t)tx->sent;
	for (size_t i = 0; i < n; i++) {
		const struct udptl_tx_hist *h = udptl_tx_hist(tx, (uint16_t)(tx->seq - 1 - i));
		const uint8_t *d = udptl_tx_data(tx, h);
		if (h->len > 0 && d == NULL) {
			tx->trimmed++;
			n = i;
			break;
		}
		pkt->secondary[i].data = d;
		pkt->secondary[i].len = h->len;
	}
	pkt->n_secondary = n;
}

/*
 * Parity FEC entries (T.38 Annex C, C.2.1 generation): entry m is the XOR of the IFPs
 * seq + m - entries * j, j = 1 .. span, each zero-padded to the longest.
 * Written straight into the datagram after the primary; false if no room.
 */
static bool udptl_tx_put_fec(const struct udptl_tx *tx, struct udptl_writer *w)
{
	size_t e = tx->fec_entries, span = tx->fec_span;

	if (w->cap - w->pos < 3 + udptl_length_size(e))
		return false;
	w->buf[w->pos++] = UDPTL_CHOICE_FEC;
	w->buf[w->pos++] = 1;
	w->buf[w->pos++] = (uint8_t)span;
	udptl_put_length(w, e);
	for (size_t m = 0; m < e; m++) {
		size_t longest = 0;
		for (size_t j = 1; j <= span; j++) {
			const struct udptl_tx_hist *h = udptl_tx_hist(tx, (uint16_t)(tx->seq + m - e * j));
			if (h->len > longest)
				longest = h->len;
		}
		if (w->cap - w->pos < udptl_octets_size(longest))
			return false;
		udptl_put_length(w, longest);
		uint8_t *d = w->buf + w->pos;
		memset(d, 0, longest);
		for (size_t j = 1; j <= span; j++) {
			const struct udptl_tx_hist *h = udptl_tx_hist(tx, (uint16_t)(tx->seq + m - e * j));
			const uint8_t *hd = udptl_tx_data(tx, h);
			if (h->len > 0 && hd == NULL)
				return false;     /* overwritten: sent without FEC */
			for (size_t i = 0; i < h->len; i++)
				d[i] ^= hd[i];
		}
		w->pos += longest;
	}
	return true;
}

static enum udptl_err udptl_tx_build_fec(struct udptl_tx *tx, const uint8_t *ifp, size_t len,
					 uint8_t *out, size_t cap, size_t *out_len)
{
	struct udptl_writer w = { out, cap, 0 };
	size_t head = 2 + udptl_octets_size(len);

	if (head + 5 > cap)     /* room for FEC with no entry */
		return UDPTL_E_NO_SPACE;
	fgwx_put_be16(w.buf, tx->seq);
	w.pos = 2;
	udptl_put_octets(&w, ifp, len);
	if (!udptl_tx_put_fec(tx, &w)) {
		/* Too big: the same packet with no FEC entry. */
		w.pos = head;
		w.buf[w.pos++] = UDPTL_CHOICE_FEC;
		w.buf[w.pos++] = 1;
		w.buf[w.pos++] = 0;
		w.buf[w.pos++] = 0;
		tx->trimmed++;
	}
	*out_len = w.pos;
	return UDPTL_OK;
}

enum udptl_err udptl_tx_packet(struct udptl_tx *tx, const uint8_t *ifp, size_t len,
			       uint8_t *out, size_t outsize, size_t *out_len)
{
	enum udptl_err e;
	size_t cap;

	if (tx == NULL || ifp == NULL || out == NULL || out_len == NULL || len < 1 || len > FGW_MAX_IFP)
		return UDPTL_E_INVAL;
	cap = outsize < tx->max_datagram ? outsize : tx->max_datagram;
	if (tx->ec == UDPTL_EC_FEC) {
		e = udptl_tx_build_fec(tx, ifp, len, out, cap, out_len);
	} else {
		struct udptl_packet pkt;
		size_t n_sent = 0;
		memset(&pkt, 0, sizeof(pkt));
		pkt.seq = tx->seq;
		pkt.primary.data = ifp;
		pkt.primary.len = len;
		pkt.ec = tx->ec;
		if (tx->ec == UDPTL_EC_REDUNDANCY)
			udptl_tx_secondaries(tx, &pkt);
		e = udptl_encode(&pkt, out, cap, out_len, &n_sent);
		if (e == UDPTL_OK && n_sent < pkt.n_secondary)
			tx->trimmed++;
	}
	if (e != UDPTL_OK)
		return e;
	struct udptl_tx_hist *h = &tx->hist[tx->seq % FGW_UDPTL_WINDOW];
	h->pos = udptl_ring_put(&tx->ring, ifp, len);
	h->len = (uint16_t)len;
	tx->seq++;
	tx->sent++;
	return UDPTL_OK;
}
