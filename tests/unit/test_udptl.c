/*
 * test_udptl.c - UDPTL (T.38 clause 9.1, Annex A): decoder, encoder,
 * receiving and sending streams, every malformed case, and the public
 * captures (the AST-2016-003 hostile stream, a real T.38 version 0 call).
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "udptl.h"

Suite *udptl_suite(void);

/* ----- helpers ------------------------------------------------------------- */

/* The IFP of stream index i: 1..50 bytes, content derived from i. */
static size_t ifp_make(unsigned i, uint8_t *out)
{
	size_t len = 1 + (i * 7u) % 50u;

	for (size_t j = 0; j < len; j++)
		out[j] = (uint8_t)(i * 31u + j * 5u + 1u);
	return len;
}

#define COLLECT_MAX 8192

struct collect {
	size_t n;
	uint16_t seq[COLLECT_MAX];
	uint16_t len[COLLECT_MAX];
	uint8_t data[COLLECT_MAX][64];
	size_t zero_len;
};

static void collect_cb(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct collect *c = arg;

	if (len == 0)
		c->zero_len++;
	if (c->n >= COLLECT_MAX)
		return;
	c->seq[c->n] = seq;
	c->len[c->n] = (uint16_t)len;
	memcpy(c->data[c->n], ifp, len < 64 ? len : 64);
	c->n++;
}

static struct collect *collect_new(void)
{
	struct collect *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	return c;
}

/* A stream and its ring in one block: free() of the stream frees both. */
struct rx_block {
	struct udptl_rx rx;
	uint8_t ring[FGW_UDPTL_RING];
};

struct tx_block {
	struct udptl_tx tx;
	uint8_t ring[FGW_UDPTL_RING];
};

static struct udptl_rx *rx_new_ring(struct collect *c, size_t ring_size)
{
	struct rx_block *b = malloc(sizeof(*b));

	ck_assert_ptr_nonnull(b);
	udptl_rx_init(&b->rx, collect_cb, c, b->ring, ring_size);
	return &b->rx;
}

static struct udptl_rx *rx_new(struct collect *c)
{
	return rx_new_ring(c, FGW_UDPTL_RING);
}

static struct udptl_tx *tx_new_ring(enum udptl_ec ec, unsigned depth, unsigned entries,
				    size_t max, size_t ring_size)
{
	struct tx_block *b = malloc(sizeof(*b));

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(udptl_tx_init(&b->tx, ec, depth, entries, max, b->ring, ring_size),
			 UDPTL_OK);
	return &b->tx;
}

static struct udptl_tx *tx_new(enum udptl_ec ec, unsigned depth, unsigned entries, size_t max)
{
	return tx_new_ring(ec, depth, entries, max, FGW_UDPTL_RING);
}

/* Delivered IFP k must be the IFP of index idx; FEC may add zero padding. */
static void check_delivered(const struct collect *c, size_t k, unsigned idx, bool allow_pad)
{
	uint8_t want[64];
	size_t len = ifp_make(idx, want);

	if (allow_pad)
		ck_assert_uint_ge(c->len[k], len);
	else
		ck_assert_uint_eq(c->len[k], len);
	ck_assert_mem_eq(c->data[k], want, len);
	for (size_t j = len; j < c->len[k] && j < 64; j++)
		ck_assert_uint_eq(c->data[k][j], 0);
}

/* Sends n IFPs through tx into rx, dropping index i when drop(i). */
static void pump(struct udptl_tx *tx, struct udptl_rx *rx, unsigned first, unsigned n,
		 bool (*drop)(unsigned))
{
	uint8_t ifp[64], dg[FGW_MAX_DATAGRAM];
	size_t len, dlen;

	for (unsigned i = first; i < first + n; i++) {
		len = ifp_make(i, ifp);
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, len, dg, sizeof(dg), &dlen), UDPTL_OK);
		if (drop != NULL && drop(i))
			continue;
		ck_assert_int_eq(udptl_rx_datagram(rx, dg, dlen), UDPTL_OK);
	}
}

/* Long IFPs: the ring holds fewer of them than the window. */
static size_t ifp_long(unsigned i, uint8_t *out, size_t len)
{
	for (size_t j = 0; j < len; j++)
		out[j] = (uint8_t)(i * 13u + j * 3u + 7u);
	return len;
}

/* Whatever was delivered came in increasing sequence order. */
static void assert_in_order(const struct collect *c)
{
	for (size_t k = 1; k < c->n; k++)
		ck_assert_uint_gt(c->seq[k], c->seq[k - 1]);
}

/* As pump, with n IFPs of len bytes made by ifp_long. */
static void pump_long(struct udptl_tx *tx, struct udptl_rx *rx, unsigned n, size_t len,
		      bool (*drop)(unsigned))
{
	uint8_t ifp[FGW_MAX_IFP], dg[FGW_MAX_DATAGRAM];
	size_t dlen;

	for (unsigned i = 0; i < n; i++) {
		ifp_long(i, ifp, len);
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, len, dg, sizeof(dg), &dlen), UDPTL_OK);
		if (drop == NULL || !drop(i))
			ck_assert_int_eq(udptl_rx_datagram(rx, dg, dlen), UDPTL_OK);
	}
}

static bool drop_even_but_last(unsigned i)
{
	return i % 2 == 0 && i != 199;
}

static bool drop_odd(unsigned i)
{
	return i % 2 == 1;
}

static bool drop_seventh(unsigned i)
{
	return i % 7 == 3;
}

static bool drop_third(unsigned i)
{
	return i % 3 == 1;
}

/* Redundancy with 600-byte IFPs, every other datagram lost: each one is
 * restored from the next datagram's secondary, intact, although 200 of
 * them pass through a ring of FGW_UDPTL_RING bytes many times over. */
START_TEST(test_rx_long_ifps_redundancy)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 1, 0, FGW_MAX_DATAGRAM);
	uint8_t want[600];

	pump_long(tx, rx, 200, sizeof(want), drop_even_but_last);
	ck_assert_uint_eq(tx->trimmed, 0);
	ck_assert_uint_eq(c->n, 200);
	ck_assert_uint_eq(rx->stats.lost, 0);
	ck_assert_uint_eq(rx->stats.recovered, 100);
	for (unsigned k = 0; k < 200; k++) {
		ck_assert_uint_eq(c->seq[k], k);
		ck_assert_uint_eq(c->len[k], sizeof(want));
		ifp_long(k, want, sizeof(want));
		ck_assert_mem_eq(c->data[k], want, 64);
	}
	free(tx);
	free(rx);
	free(c);
}
END_TEST

/* FEC over a span longer than the ring holds: the sender leaves FEC out
 * of a packet whose entries it can no longer compute (counted trimmed),
 * and whatever arrives is still delivered in order, nothing read from
 * overwritten memory (ASan would tell). */
START_TEST(test_long_ifps_fec_beyond_ring)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_FEC, 15, 4, FGW_MAX_DATAGRAM);

	pump_long(tx, rx, 120, 1000, drop_seventh);
	ck_assert_uint_gt(tx->trimmed, 0);
	ck_assert_uint_eq(rx->stats.delivered + rx->stats.lost, 120);
	assert_in_order(c);
	free(tx);
	free(rx);
	free(c);
}
END_TEST

/* ----- decoder ---------------------------------------------------------------- */

START_TEST(test_decode_redundancy)
{
	/* seq 0x1234, primary "AB", redundancy with 2 secondaries "C" and "" */
	static const uint8_t pkt[] = { 0x12, 0x34, 0x02, 'A', 'B', 0x00, 0x02, 0x01, 'C', 0x00 };
	struct udptl_packet p;

	ck_assert_int_eq(udptl_decode(pkt, sizeof(pkt), &p), UDPTL_OK);
	ck_assert_uint_eq(p.seq, 0x1234);
	ck_assert_uint_eq(p.primary.len, 2);
	ck_assert_mem_eq(p.primary.data, "AB", 2);
	ck_assert_int_eq(p.ec, UDPTL_EC_REDUNDANCY);
	ck_assert_uint_eq(p.n_secondary, 2);
	ck_assert_uint_eq(p.secondary[0].len, 1);
	ck_assert_uint_eq(p.secondary[0].data[0], 'C');
	ck_assert_uint_eq(p.secondary[1].len, 0);
}
END_TEST

START_TEST(test_decode_fec)
{
	/* seq 7, primary "x", FEC span 3, 2 entries "12" and "3" */
	static const uint8_t pkt[] = { 0x00, 0x07, 0x01, 'x', 0x80, 0x01, 0x03, 0x02,
				       0x02, '1', '2', 0x01, '3' };
	struct udptl_packet p;

	ck_assert_int_eq(udptl_decode(pkt, sizeof(pkt), &p), UDPTL_OK);
	ck_assert_uint_eq(p.seq, 7);
	ck_assert_int_eq(p.ec, UDPTL_EC_FEC);
	ck_assert_uint_eq(p.fec_span, 3);
	ck_assert_uint_eq(p.n_fec, 2);
	ck_assert_uint_eq(p.fec[0].len, 2);
	ck_assert_uint_eq(p.fec[1].len, 1);
	ck_assert_uint_eq(p.fec[1].data[0], '3');
}
END_TEST

START_TEST(test_decode_two_byte_length)
{
	uint8_t pkt[2 + 2 + 300 + 2];
	struct udptl_packet p;

	memset(pkt, 0x5A, sizeof(pkt));
	pkt[0] = 0; pkt[1] = 1;
	pkt[2] = 0x80 | (300 >> 8); pkt[3] = 300 & 0xFF;
	pkt[304] = 0x00; pkt[305] = 0x00;
	ck_assert_int_eq(udptl_decode(pkt, sizeof(pkt), &p), UDPTL_OK);
	ck_assert_uint_eq(p.primary.len, 300);
	ck_assert_uint_eq(p.n_secondary, 0);
}
END_TEST

struct bad_case {
	const char *name;
	uint8_t bytes[40];
	size_t len;
	enum udptl_err want;
};

static const struct bad_case bad_cases[] = {
	{ "empty", { 0 }, 0, UDPTL_E_SHORT },
	{ "one byte", { 0x00 }, 1, UDPTL_E_SHORT },
	{ "seq only", { 0x00, 0x01 }, 2, UDPTL_E_SHORT },
	{ "primary past end", { 0x00, 0x01, 0x05, 'a', 'b' }, 5, UDPTL_E_LENGTH },
	{ "two-byte length cut", { 0x00, 0x01, 0x81 }, 3, UDPTL_E_SHORT },
	{ "two-byte length past end", { 0x00, 0x01, 0x81, 0x00, 'a' }, 5, UDPTL_E_LENGTH },
	{ "fragment C1", { 0x00, 0x01, 0xC1, 'a', 0x00, 0x00 }, 6, UDPTL_E_FRAGMENT },
	{ "fragment C4", { 0x00, 0x01, 0xC4, 'a', 0x00, 0x00 }, 6, UDPTL_E_FRAGMENT },
	{ "determinant C0", { 0x00, 0x01, 0xC0, 0x00, 0x00 }, 5, UDPTL_E_DETERMINANT },
	{ "determinant FF", { 0x00, 0x01, 0xFF, 0x00, 0x00 }, 5, UDPTL_E_DETERMINANT },
	{ "no error recovery", { 0x00, 0x00, 0x01, 0x00 }, 4, UDPTL_E_SHORT },
	{ "no secondary count", { 0x00, 0x00, 0x01, 0x00, 0x00 }, 5, UDPTL_E_SHORT },
	{ "trailing", { 0x00, 0x01, 0x01, 'a', 0x00, 0x00, 0x99 }, 7, UDPTL_E_TRAILING },
	{ "secondary past end", { 0x00, 0x01, 0x01, 'a', 0x00, 0x01, 0x04, 'b' }, 8, UDPTL_E_LENGTH },
	{ "secondary count short", { 0x00, 0x01, 0x01, 'a', 0x00, 0x02, 0x01, 'b' }, 8, UDPTL_E_SHORT },
	{ "secondary fragment", { 0x00, 0x01, 0x01, 'a', 0x00, 0x01, 0xC2 }, 7, UDPTL_E_FRAGMENT },
	{ "17 secondaries", { 0x00, 0x01, 0x01, 'a', 0x00, 17, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0 },
	  23, UDPTL_E_TOO_MANY_SECONDARY },
	{ "secondary count 2-byte huge", { 0x00, 0x01, 0x01, 'a', 0x00, 0xBF, 0xFF }, 7,
	  UDPTL_E_TOO_MANY_SECONDARY },
	{ "secondary count fragment", { 0x00, 0x01, 0x01, 'a', 0x00, 0xC1 }, 6, UDPTL_E_FRAGMENT },
	{ "fec entries 127", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0x03, 0x7F }, 8, UDPTL_E_TOO_MANY_FEC },
	{ "fec entries 2-byte 4095", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0x03, 0x8F, 0xFF }, 9,
	  UDPTL_E_TOO_MANY_FEC },
	{ "fec entries 17", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0x03, 17 }, 8, UDPTL_E_TOO_MANY_FEC },
	{ "fec span length 0", { 0x00, 0x01, 0x01, 'a', 0x80, 0x00, 0x00 }, 7, UDPTL_E_FEC_SPAN },
	{ "fec span length 3", { 0x00, 0x01, 0x01, 'a', 0x80, 0x03, 0, 0, 3, 0 }, 10, UDPTL_E_FEC_SPAN },
	{ "fec span negative", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0xFD, 0x00 }, 8, UDPTL_E_FEC_SPAN },
	{ "fec span 17", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 17, 0x00 }, 8, UDPTL_E_FEC_SPAN },
	{ "fec span 0 with entries", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0, 0x01, 0x01, 'z' }, 10,
	  UDPTL_E_FEC_SPAN },
	{ "fec span cut", { 0x00, 0x01, 0x01, 'a', 0x80, 0x02, 0x00 }, 7, UDPTL_E_SHORT },
	{ "fec no count", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0x03 }, 7, UDPTL_E_SHORT },
	{ "fec entry past end", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0x03, 0x01, 0x09, 'q' }, 10,
	  UDPTL_E_LENGTH },
	{ "fec trailing", { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0x03, 0x00, 0x00 }, 9, UDPTL_E_TRAILING },
};

START_TEST(test_decode_malformed)
{
	const struct bad_case *b = &bad_cases[_i];
	struct udptl_packet p;
	enum udptl_err e = udptl_decode(b->bytes, b->len, &p);

	ck_assert_msg(e == b->want, "%s: got %d (%s), want %d", b->name, e, udptl_strerror(e), b->want);
}
END_TEST

START_TEST(test_decode_limits)
{
	uint8_t big[FGW_MAX_DATAGRAM + 1];
	struct udptl_packet p;

	memset(big, 0, sizeof(big));
	ck_assert_int_eq(udptl_decode(big, sizeof(big), &p), UDPTL_E_TOO_LONG);
	/* primary of FGW_MAX_IFP + 1 bytes */
	size_t n = FGW_MAX_IFP + 1;
	big[2] = (uint8_t)(0x80 | (n >> 8));
	big[3] = (uint8_t)(n & 0xFF);
	ck_assert_int_eq(udptl_decode(big, 4 + n + 2, &p), UDPTL_E_IFP_TOO_LONG);
	/* exactly FGW_MAX_IFP is fine */
	n = FGW_MAX_IFP;
	big[2] = (uint8_t)(0x80 | (n >> 8));
	big[3] = (uint8_t)(n & 0xFF);
	big[4 + n] = 0; big[5 + n] = 0;
	ck_assert_int_eq(udptl_decode(big, 4 + n + 2, &p), UDPTL_OK);
	/* 16 secondaries: the cap itself is accepted */
	uint8_t sec[6 + 16] = { 0x00, 0x01, 0x01, 'a', 0x00, 16 };
	ck_assert_int_eq(udptl_decode(sec, sizeof(sec), &p), UDPTL_OK);
	ck_assert_uint_eq(p.n_secondary, 16);
	/* a span of 0 without entries (sent while a FEC history fills up) */
	static const uint8_t span0[] = { 0x00, 0x01, 0x01, 'a', 0x80, 0x01, 0x00, 0x00 };
	ck_assert_int_eq(udptl_decode(span0, sizeof(span0), &p), UDPTL_OK);
	/* a two-octet span */
	static const uint8_t span2[] = { 0x00, 0x01, 0x01, 'a', 0x80, 0x02, 0x00, 0x10, 0x00 };
	ck_assert_int_eq(udptl_decode(span2, sizeof(span2), &p), UDPTL_OK);
	ck_assert_uint_eq(p.fec_span, 16);
	ck_assert_int_eq(udptl_decode(NULL, 0, &p), UDPTL_E_INVAL);
}
END_TEST

START_TEST(test_decode_every_truncation)
{
	uint8_t dg[FGW_MAX_DATAGRAM];
	size_t len;
	struct udptl_packet p;
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 3, 0, sizeof(dg));
	uint8_t ifp[200];

	memset(ifp, 0x11, sizeof(ifp));
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, sizeof(ifp), dg, sizeof(dg), &len), UDPTL_OK);
	ck_assert_int_eq(udptl_decode(dg, len, &p), UDPTL_OK);
	for (size_t cut = 0; cut < len; cut++)
		ck_assert_int_ne(udptl_decode(dg, cut, &p), UDPTL_OK);
	free(tx);
}
END_TEST

START_TEST(test_strerror)
{
	for (int e = 0; e >= UDPTL_E_INVAL; e--) {
		const char *s = udptl_strerror(e);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_ne(s, "unknown UDPTL error");
	}
	ck_assert_str_eq(udptl_strerror(-999), "unknown UDPTL error");
	ck_assert_str_eq(udptl_strerror(UDPTL_E_FRAGMENT), "fragmented length determinant (refused)");
}
END_TEST

/* ----- encoder ---------------------------------------------------------------- */

START_TEST(test_encode_roundtrip)
{
	static const uint8_t a[] = "primary", b[] = "sec1", c[] = "sec2-longer";
	uint8_t big[500];
	struct udptl_packet in, out;
	uint8_t dg[FGW_MAX_DATAGRAM];
	size_t len, n_sent;

	memset(big, 0xA5, sizeof(big));
	memset(&in, 0, sizeof(in));
	in.seq = 65535;
	in.primary = (struct udptl_ifp){ a, sizeof(a) };
	in.ec = UDPTL_EC_REDUNDANCY;
	in.n_secondary = 3;
	in.secondary[0] = (struct udptl_ifp){ b, sizeof(b) };
	in.secondary[1] = (struct udptl_ifp){ c, sizeof(c) };
	in.secondary[2] = (struct udptl_ifp){ big, sizeof(big) };
	ck_assert_int_eq(udptl_encode(&in, dg, sizeof(dg), &len, &n_sent), UDPTL_OK);
	ck_assert_uint_eq(n_sent, 3);
	ck_assert_int_eq(udptl_decode(dg, len, &out), UDPTL_OK);
	ck_assert_uint_eq(out.seq, 65535);
	ck_assert_uint_eq(out.n_secondary, 3);
	ck_assert_mem_eq(out.primary.data, a, sizeof(a));
	ck_assert_mem_eq(out.secondary[1].data, c, sizeof(c));
	ck_assert_uint_eq(out.secondary[2].len, sizeof(big));
	ck_assert_mem_eq(out.secondary[2].data, big, sizeof(big));

	/* FEC */
	in.ec = UDPTL_EC_FEC;
	in.fec_span = 4;
	in.n_fec = 2;
	in.fec[0] = (struct udptl_ifp){ b, sizeof(b) };
	in.fec[1] = (struct udptl_ifp){ big, 200 };
	ck_assert_int_eq(udptl_encode(&in, dg, sizeof(dg), &len, &n_sent), UDPTL_OK);
	ck_assert_int_eq(udptl_decode(dg, len, &out), UDPTL_OK);
	ck_assert_int_eq(out.ec, UDPTL_EC_FEC);
	ck_assert_uint_eq(out.fec_span, 4);
	ck_assert_uint_eq(out.n_fec, 2);
	ck_assert_uint_eq(out.fec[1].len, 200);
	ck_assert_mem_eq(out.fec[0].data, b, sizeof(b));

	/* no error recovery: redundancy with no secondary on the wire */
	in.ec = UDPTL_EC_NONE;
	ck_assert_int_eq(udptl_encode(&in, dg, sizeof(dg), &len, NULL), UDPTL_OK);
	ck_assert_uint_eq(len, 2 + 1 + sizeof(a) + 2);
	ck_assert_int_eq(udptl_decode(dg, len, &out), UDPTL_OK);
	ck_assert_int_eq(out.ec, UDPTL_EC_REDUNDANCY);
	ck_assert_uint_eq(out.n_secondary, 0);
}
END_TEST

START_TEST(test_encode_trim)
{
	uint8_t p[100], s[100];
	struct udptl_packet in, out;
	uint8_t dg[FGW_MAX_DATAGRAM];
	size_t len, n_sent;

	memset(p, 1, sizeof(p));
	memset(s, 2, sizeof(s));
	memset(&in, 0, sizeof(in));
	in.primary = (struct udptl_ifp){ p, sizeof(p) };
	in.ec = UDPTL_EC_REDUNDANCY;
	in.n_secondary = 5;
	for (int i = 0; i < 5; i++)
		in.secondary[i] = (struct udptl_ifp){ s, sizeof(s) };
	/* header 2 + 101 + choice 1 + count 1 = 105; each secondary 101 */
	ck_assert_int_eq(udptl_encode(&in, dg, 105 + 2 * 101 + 50, &len, &n_sent), UDPTL_OK);
	ck_assert_uint_eq(n_sent, 2);
	ck_assert_uint_eq(len, 105 + 2 * 101);
	ck_assert_int_eq(udptl_decode(dg, len, &out), UDPTL_OK);
	ck_assert_uint_eq(out.n_secondary, 2);
	ck_assert_int_eq(udptl_encode(&in, dg, 105, &len, &n_sent), UDPTL_OK);
	ck_assert_uint_eq(n_sent, 0);
	ck_assert_int_eq(udptl_encode(&in, dg, 104, &len, &n_sent), UDPTL_E_NO_SPACE);
	/* FEC does not trim */
	in.ec = UDPTL_EC_FEC;
	in.fec_span = 2;
	in.n_fec = 1;
	in.fec[0] = (struct udptl_ifp){ s, sizeof(s) };
	ck_assert_int_eq(udptl_encode(&in, dg, 150, &len, &n_sent), UDPTL_E_NO_SPACE);
	/* invalid input */
	in.fec_span = 17;
	ck_assert_int_eq(udptl_encode(&in, dg, sizeof(dg), &len, &n_sent), UDPTL_E_INVAL);
	in.ec = UDPTL_EC_REDUNDANCY;
	in.n_secondary = FGW_MAX_UDPTL_SECONDARY + 1;
	ck_assert_int_eq(udptl_encode(&in, dg, sizeof(dg), &len, &n_sent), UDPTL_E_INVAL);
	in.n_secondary = 0;
	in.primary.len = FGW_MAX_IFP + 1;
	ck_assert_int_eq(udptl_encode(&in, dg, sizeof(dg), &len, &n_sent), UDPTL_E_INVAL);
}
END_TEST

/* ----- sending stream --------------------------------------------------------- */

START_TEST(test_tx_init)
{
	struct udptl_tx *tx = malloc(sizeof(*tx));
	uint8_t ring[256];

	ck_assert_int_eq(udptl_tx_init(tx, UDPTL_EC_REDUNDANCY, FGW_MAX_UDPTL_SECONDARY + 1, 0,
				       1400, ring, sizeof(ring)), UDPTL_E_INVAL);
	ck_assert_int_eq(udptl_tx_init(tx, UDPTL_EC_FEC, 0, 3, 1400, ring, sizeof(ring)), UDPTL_E_INVAL);
	ck_assert_int_eq(udptl_tx_init(tx, UDPTL_EC_FEC, 3, 0, 1400, ring, sizeof(ring)), UDPTL_E_INVAL);
	ck_assert_int_eq(udptl_tx_init(tx, UDPTL_EC_FEC, 16, 4, 1400, ring, sizeof(ring)), UDPTL_E_INVAL);
	ck_assert_int_eq(udptl_tx_init(tx, UDPTL_EC_NONE, 0, 0, FGW_MAX_DATAGRAM + 1, ring,
				       sizeof(ring)), UDPTL_E_INVAL);
	ck_assert_int_eq(udptl_tx_init(tx, (enum udptl_ec)7, 0, 0, 1400, ring, sizeof(ring)), UDPTL_E_INVAL);
	ck_assert_int_eq(udptl_tx_init(tx, UDPTL_EC_FEC, 3, 3, 1400, ring, sizeof(ring)), UDPTL_OK);
	uint8_t dg[100];
	size_t len;
	ck_assert_int_eq(udptl_tx_packet(tx, dg, 0, dg, sizeof(dg), &len), UDPTL_E_INVAL);
	free(tx);
}
END_TEST

/* The control ring (the send side of a reception) keeps every secondary
 * of T.30-sized IFPs; a receiver needs no ring for redundancy. */
START_TEST(test_small_rings)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new_ring(c, 0);
	struct udptl_tx *tx = tx_new_ring(UDPTL_EC_REDUNDANCY, 3, 0, FGW_MAX_DATAGRAM,
					  FGW_UDPTL_CTRL_RING);

	pump_long(tx, rx, 100, 16, drop_third);
	ck_assert_uint_eq(tx->trimmed, 0);
	ck_assert_uint_eq(rx->stats.lost, 0);
	ck_assert_uint_eq(rx->stats.recovered, 33);
	ck_assert_uint_eq(c->n, 100);
	free(tx);
	free(rx);
	free(c);
}
END_TEST

/* IFPs longer than the whole ring are not kept: their packets go out with
 * no secondary (counted trimmed), each loss is counted lost, and every
 * primary that arrives is still delivered intact. */
START_TEST(test_ifps_longer_than_ring)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new_ring(c, 64);
	struct udptl_tx *tx = tx_new_ring(UDPTL_EC_REDUNDANCY, 2, 0, FGW_MAX_DATAGRAM, 64);
	uint8_t ifp[100];

	pump_long(tx, rx, 20, sizeof(ifp), drop_odd);
	ck_assert_uint_eq(tx->trimmed, 19);
	ck_assert_uint_eq(rx->stats.lost, 9);
	ck_assert_uint_eq(c->n, 10);
	for (unsigned k = 0; k < 10; k++) {
		ck_assert_uint_eq(c->seq[k], 2 * k);
		ifp_long(2 * k, ifp, sizeof(ifp));
		ck_assert_mem_eq(c->data[k], ifp, 64);
	}
	free(tx);
	free(rx);
	free(c);
}
END_TEST

static bool drop_every_fifth(unsigned i)
{
	return i % 5 == 2;
}

/* FEC into a receiver without a ring: nothing can be rebuilt, every loss
 * is counted lost, the rest delivered in order. */
START_TEST(test_rx_fec_without_ring)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new_ring(c, 0);
	struct udptl_tx *tx = tx_new(UDPTL_EC_FEC, 3, 1, FGW_MAX_DATAGRAM);

	pump(tx, rx, 0, 40, drop_every_fifth);
	ck_assert_uint_eq(rx->stats.recovered, 0);
	ck_assert_uint_eq(rx->stats.delivered + rx->stats.lost, 40);
	assert_in_order(c);
	free(tx);
	free(rx);
	free(c);
}
END_TEST

START_TEST(test_tx_redundancy)
{
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 3, 0, 400);
	uint8_t ifp[64], dg[FGW_MAX_DATAGRAM];
	size_t len, dlen;
	struct udptl_packet p;

	for (unsigned i = 0; i < 6; i++) {
		len = ifp_make(i, ifp);
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, len, dg, sizeof(dg), &dlen), UDPTL_OK);
		ck_assert_int_eq(udptl_decode(dg, dlen, &p), UDPTL_OK);
		ck_assert_uint_eq(p.seq, i);
		ck_assert_uint_eq(p.n_secondary, i < 3 ? i : 3);
		for (size_t k = 0; k < p.n_secondary; k++) {
			uint8_t want[64];
			size_t wl = ifp_make(i - 1 - (unsigned)k, want);
			ck_assert_uint_eq(p.secondary[k].len, wl);
			ck_assert_mem_eq(p.secondary[k].data, want, wl);
		}
	}
	/* big IFPs: the datagram limit trims the oldest secondaries */
	uint8_t big[150];
	memset(big, 7, sizeof(big));
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(udptl_tx_packet(tx, big, sizeof(big), dg, sizeof(dg), &dlen), UDPTL_OK);
		ck_assert_uint_le(dlen, 400);
	}
	ck_assert_int_eq(udptl_decode(dg, dlen, &p), UDPTL_OK);
	ck_assert_uint_eq(p.n_secondary, 1);
	ck_assert_uint_gt(tx->trimmed, 0);
	/* a primary that cannot fit at all */
	uint8_t huge[FGW_MAX_IFP];
	memset(huge, 1, sizeof(huge));
	uint16_t seq = tx->seq;
	ck_assert_int_eq(udptl_tx_packet(tx, huge, sizeof(huge), dg, sizeof(dg), &dlen), UDPTL_E_NO_SPACE);
	ck_assert_uint_eq(tx->seq, seq);
	free(tx);
}
END_TEST

START_TEST(test_tx_fec_fallback)
{
	struct udptl_tx *tx = tx_new(UDPTL_EC_FEC, 3, 2, 300);
	uint8_t big[200], dg[FGW_MAX_DATAGRAM];
	size_t dlen;
	struct udptl_packet p;

	memset(big, 3, sizeof(big));
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(udptl_tx_packet(tx, big, sizeof(big), dg, sizeof(dg), &dlen), UDPTL_OK);
	ck_assert_uint_le(dlen, 300);
	ck_assert_int_eq(udptl_decode(dg, dlen, &p), UDPTL_OK);
	ck_assert_int_eq(p.ec, UDPTL_EC_FEC);
	ck_assert_uint_eq(p.n_fec, 0);
	ck_assert_uint_gt(tx->trimmed, 0);
	free(tx);
}
END_TEST

/* ----- receiving stream ------------------------------------------------------- */

START_TEST(test_rx_in_order)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 2, 0, FGW_MAX_DATAGRAM);

	pump(tx, rx, 0, 200, NULL);
	ck_assert_uint_eq(c->n, 200);
	for (unsigned i = 0; i < 200; i++) {
		ck_assert_uint_eq(c->seq[i], i);
		check_delivered(c, i, i, false);
	}
	ck_assert_uint_eq(rx->stats.received, 200);
	ck_assert_uint_eq(rx->stats.delivered, 200);
	ck_assert_uint_eq(rx->stats.recovered, 0);
	ck_assert_uint_eq(rx->stats.lost, 0);
	free(c); free(rx); free(tx);
}
END_TEST

static bool drop_pairs(unsigned i)
{
	return i % 5 == 1 || i % 5 == 2;    /* two in a row lost out of five */
}

START_TEST(test_rx_redundancy_recovery)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 2, 0, FGW_MAX_DATAGRAM);

	pump(tx, rx, 0, 500, drop_pairs);
	ck_assert_uint_eq(c->n, 500);
	for (unsigned i = 0; i < 500; i++) {
		ck_assert_uint_eq(c->seq[i], i);
		check_delivered(c, i, i, false);
	}
	ck_assert_uint_eq(rx->stats.recovered, 200);
	ck_assert_uint_eq(rx->stats.lost, 0);
	ck_assert_uint_eq(rx->stats.received, 300);
	free(c); free(rx); free(tx);
}
END_TEST

static bool drop_three(unsigned i)
{
	return i >= 10 && i <= 12;
}

START_TEST(test_rx_redundancy_too_deep)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 2, 0, FGW_MAX_DATAGRAM);

	pump(tx, rx, 0, 20, drop_three);
	ck_assert_uint_eq(c->n, 19);       /* 10 lost, 11 and 12 recovered */
	ck_assert_uint_eq(rx->stats.lost, 1);
	ck_assert_uint_eq(rx->stats.recovered, 2);
	ck_assert_uint_eq(c->seq[10], 11);
	check_delivered(c, 10, 11, false);
	free(c); free(rx); free(tx);
}
END_TEST

static bool drop_fec(unsigned i)
{
	/* one in four, never two in the same interleave of 3x2 */
	return i % 4 == 3 || i == 1;
}

START_TEST(test_rx_fec_recovery)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_FEC, 3, 2, FGW_MAX_DATAGRAM);

	pump(tx, rx, 0, 401, drop_fec);
	ck_assert_uint_eq(rx->stats.lost, 0);
	ck_assert_uint_eq(c->n, 401);
	for (unsigned i = 0; i < 401; i++) {
		ck_assert_uint_eq(c->seq[i], i);
		check_delivered(c, i, i, drop_fec(i));
	}
	ck_assert_uint_eq(rx->stats.recovered, 101);
	ck_assert_uint_eq(rx->stats.recovered_fec, 101);
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_fec_fixed_length_exact)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_FEC, 4, 1, FGW_MAX_DATAGRAM);
	uint8_t ifp[20], dg[FGW_MAX_DATAGRAM];
	size_t dlen;

	for (unsigned i = 0; i < 50; i++) {
		for (size_t j = 0; j < sizeof(ifp); j++)
			ifp[j] = (uint8_t)(i ^ (j * 13));
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, sizeof(ifp), dg, sizeof(dg), &dlen), UDPTL_OK);
		if (i % 5 == 2)
			continue;
		ck_assert_int_eq(udptl_rx_datagram(rx, dg, dlen), UDPTL_OK);
	}
	ck_assert_uint_eq(c->n, 50);
	for (unsigned i = 0; i < 50; i++) {
		ck_assert_uint_eq(c->len[i], 20);
		for (size_t j = 0; j < 20; j++)
			ck_assert_uint_eq(c->data[i][j], (uint8_t)(i ^ (j * 13)));
	}
	ck_assert_uint_eq(rx->stats.recovered_fec, 10);
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_fec_two_missing_in_span)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_FEC, 3, 1, FGW_MAX_DATAGRAM);

	pump(tx, rx, 0, 20, drop_three);
	ck_assert_uint_eq(rx->stats.lost, 3);
	ck_assert_uint_eq(rx->stats.recovered, 0);
	ck_assert_uint_eq(c->n, 17);
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_duplicates_and_reorder)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_NONE, 0, 0, FGW_MAX_DATAGRAM);
	uint8_t dg[10][64], ifp[64];
	size_t dl[10];

	for (unsigned i = 0; i < 10; i++) {
		size_t len = ifp_make(i, ifp);
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, len, dg[i], sizeof(dg[i]), &dl[i]), UDPTL_OK);
	}
	/* 0 0 0 1 3 2 4 4 ... : each datagram sent three times (indicators) */
	for (int r = 0; r < 3; r++)
		udptl_rx_datagram(rx, dg[0], dl[0]);
	udptl_rx_datagram(rx, dg[1], dl[1]);
	udptl_rx_datagram(rx, dg[3], dl[3]);
	udptl_rx_datagram(rx, dg[2], dl[2]);       /* late: 2 was given up */
	udptl_rx_datagram(rx, dg[2], dl[2]);
	udptl_rx_datagram(rx, dg[4], dl[4]);
	udptl_rx_datagram(rx, dg[4], dl[4]);
	udptl_rx_datagram(rx, dg[1], dl[1]);       /* old duplicate */
	ck_assert_uint_eq(c->n, 4);
	ck_assert_uint_eq(c->seq[0], 0);
	ck_assert_uint_eq(c->seq[1], 1);
	ck_assert_uint_eq(c->seq[2], 3);
	ck_assert_uint_eq(c->seq[3], 4);
	/* 0 twice more, 2 again (kept when it came late), 4 again, 1 again */
	ck_assert_uint_eq(rx->stats.duplicate, 5);
	ck_assert_uint_eq(rx->stats.late, 1);
	ck_assert_uint_eq(rx->stats.lost, 1);
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_wrap)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 1, 0, FGW_MAX_DATAGRAM);
	uint8_t ifp[64], dg[FGW_MAX_DATAGRAM];
	size_t dlen;

	tx->seq = 65530;
	for (unsigned i = 0; i < 20; i++) {
		size_t len = ifp_make(i, ifp);
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, len, dg, sizeof(dg), &dlen), UDPTL_OK);
		if (i == 5 || i == 7)   /* seq 65535 and 1 */
			continue;
		ck_assert_int_eq(udptl_rx_datagram(rx, dg, dlen), UDPTL_OK);
	}
	ck_assert_uint_eq(c->n, 20);
	for (unsigned i = 0; i < 20; i++) {
		ck_assert_uint_eq(c->seq[i], (uint16_t)(65530 + i));
		check_delivered(c, i, i, false);
	}
	ck_assert_uint_eq(rx->stats.recovered, 2);
	ck_assert_uint_eq(rx->stats.lost, 0);
	ck_assert_uint_eq(rx->stats.resync, 0);
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_wrap_long)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 2, 0, FGW_MAX_DATAGRAM);

	/* more than 2^16 packets: two full wraps, with loss */
	pump(tx, rx, 0, 140000, drop_pairs);
	ck_assert_uint_eq(rx->stats.delivered, 140000);
	ck_assert_uint_eq(rx->stats.lost, 0);
	ck_assert_uint_eq(rx->stats.resync, 0);
	ck_assert_uint_eq(rx->stats.duplicate + rx->stats.late, 0);
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_first_packet_recovers_start)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 3, 0, FGW_MAX_DATAGRAM);
	uint8_t ifp[64], dg[FGW_MAX_DATAGRAM];
	size_t dlen;

	for (unsigned i = 0; i < 4; i++) {
		size_t len = ifp_make(i, ifp);
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, len, dg, sizeof(dg), &dlen), UDPTL_OK);
	}
	ck_assert_int_eq(udptl_rx_datagram(rx, dg, dlen), UDPTL_OK);   /* only seq 3 arrives */
	ck_assert_uint_eq(c->n, 4);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(c->seq[i], i);
		check_delivered(c, i, i, false);
	}
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_first_packet_fec_start)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_FEC, 3, 1, FGW_MAX_DATAGRAM);
	uint8_t ifp[64], dg[FGW_MAX_DATAGRAM];
	size_t dlen;

	/* 0 lost; 1 covers 0, -1, -2 (empty before the start) */
	for (unsigned i = 0; i < 3; i++) {
		size_t len = ifp_make(i, ifp);
		ck_assert_int_eq(udptl_tx_packet(tx, ifp, len, dg, sizeof(dg), &dlen), UDPTL_OK);
		if (i > 0)
			ck_assert_int_eq(udptl_rx_datagram(rx, dg, dlen), UDPTL_OK);
	}
	ck_assert_uint_eq(c->n, 3);
	check_delivered(c, 0, 0, true);
	ck_assert_uint_eq(rx->stats.recovered_fec, 1);
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_jump_resets)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 3, 0, FGW_MAX_DATAGRAM);

	pump(tx, rx, 0, 10, NULL);
	tx->seq = 30000;                          /* peer jumps far ahead */
	pump(tx, rx, 10, 10, NULL);
	ck_assert_uint_eq(rx->stats.resync, 1);
	ck_assert_uint_eq(c->n, 20);              /* secondaries before the jump are not replayed */
	ck_assert_uint_eq(c->seq[10], 30000);
	ck_assert_uint_eq(c->seq[19], 30009);
	tx->seq = 5;                              /* and far back (a restarted peer) */
	pump(tx, rx, 20, 5, NULL);
	ck_assert_uint_eq(rx->stats.resync, 2);
	ck_assert_uint_eq(c->n, 25);
	ck_assert_uint_eq(c->seq[20], 5);
	ck_assert_uint_eq(rx->stats.lost, 0);
	/* a stream whose first number is not near 0 starts there */
	udptl_rx_reset(rx);
	c->n = 0;
	tx->seq = 40000;
	pump(tx, rx, 0, 3, NULL);
	ck_assert_uint_eq(c->n, 3);
	ck_assert_uint_eq(c->seq[0], 40000);
	ck_assert_uint_eq(rx->stats.resync, 0);
	free(c); free(rx); free(tx);
}
END_TEST

START_TEST(test_rx_zero_length)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	/* seq 0 "a"; seq 3 "d" with secondaries 2:"", 1:"" (absent: lost) */
	static const uint8_t p0[] = { 0x00, 0x00, 0x01, 'a', 0x00, 0x00 };
	static const uint8_t p3[] = { 0x00, 0x03, 0x01, 'd', 0x00, 0x02, 0x00, 0x00 };
	/* seq 4 with an empty primary, then seq 5 carrying 4 as a secondary */
	static const uint8_t p4[] = { 0x00, 0x04, 0x00, 0x00, 0x01, 0x00 };
	static const uint8_t p5[] = { 0x00, 0x05, 0x01, 'f', 0x00, 0x01, 0x01, 'e' };

	ck_assert_int_eq(udptl_rx_datagram(rx, p0, sizeof(p0)), UDPTL_OK);
	ck_assert_int_eq(udptl_rx_datagram(rx, p3, sizeof(p3)), UDPTL_OK);
	ck_assert_int_eq(udptl_rx_datagram(rx, p4, sizeof(p4)), UDPTL_OK);
	ck_assert_int_eq(udptl_rx_datagram(rx, p4, sizeof(p4)), UDPTL_OK);
	ck_assert_int_eq(udptl_rx_datagram(rx, p5, sizeof(p5)), UDPTL_OK);
	ck_assert_uint_eq(c->zero_len, 0);
	ck_assert_uint_eq(c->n, 4);
	ck_assert_uint_eq(c->seq[1], 3);
	ck_assert_uint_eq(c->seq[2], 4);
	ck_assert_uint_eq(c->data[2][0], 'e');
	ck_assert_uint_eq(c->seq[3], 5);
	ck_assert_uint_eq(rx->stats.lost, 2);
	ck_assert_uint_eq(rx->stats.empty, 2 + 2 + 2);
	ck_assert_uint_eq(rx->stats.recovered, 1);
	free(c); free(rx);
}
END_TEST

START_TEST(test_rx_malformed_changes_nothing)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(UDPTL_EC_REDUNDANCY, 1, 0, FGW_MAX_DATAGRAM);
	static const uint8_t junk[] = { 0x00, 0x09, 0xC1, 0x00 };

	pump(tx, rx, 0, 3, NULL);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		ck_assert_int_ne(udptl_rx_datagram(rx, bad_cases[i].bytes, bad_cases[i].len), UDPTL_OK);
	ck_assert_int_eq(udptl_rx_datagram(rx, junk, sizeof(junk)), UDPTL_E_FRAGMENT);
	pump(tx, rx, 3, 3, NULL);
	ck_assert_uint_eq(c->n, 6);
	ck_assert_uint_eq(rx->stats.malformed, sizeof(bad_cases) / sizeof(bad_cases[0]) + 1);
	ck_assert_uint_eq(rx->stats.lost, 0);
	free(c); free(rx); free(tx);
}
END_TEST

static unsigned lcg_state;

static bool drop_random(unsigned i)
{
	(void)i;
	lcg_state = lcg_state * 1103515245u + 12345u;
	return ((lcg_state >> 16) % 100) < 20;
}

START_TEST(test_rx_random_loss)
{
	struct collect *c = collect_new();
	struct udptl_rx *rx = rx_new(c);
	struct udptl_tx *tx = tx_new(_i == 0 ? UDPTL_EC_REDUNDANCY : UDPTL_EC_FEC, 3, 2,
				     FGW_MAX_DATAGRAM);

	lcg_state = 42;
	pump(tx, rx, 0, 3000, drop_random);
	/* whatever is delivered is in order and intact */
	ck_assert_uint_eq(rx->stats.delivered, c->n);
	/* packets dropped at the very end are neither delivered nor counted */
	ck_assert_uint_le(c->n + rx->stats.lost, 3000);
	ck_assert_uint_ge(c->n + rx->stats.lost, 2990);
	for (size_t k = 0; k < c->n; k++) {
		if (k > 0)
			ck_assert_uint_gt(c->seq[k], c->seq[k - 1]);
		check_delivered(c, k, c->seq[k], _i == 1);
	}
	ck_assert_uint_gt(rx->stats.recovered, 400);
	free(c); free(rx); free(tx);
}
END_TEST

/* ----- captures ----------------------------------------------------------------- */

/* The shared test data: $FAXGW_TESTDATA, else ../shared/testdata. */
static bool testdata_path(const char *name, char *out, size_t outlen)
{
	const char *dir = getenv("FAXGW_TESTDATA");
	FILE *f;

	if (dir == NULL || *dir == '\0')
		dir = "../shared/testdata";
	if ((size_t)snprintf(out, outlen, "%s/pcap/%s", dir, name) >= outlen)
		return false;
	f = fopen(out, "rb");
	if (f == NULL)
		return false;
	fclose(f);
	return true;
}

struct udp_dgram {
	uint16_t sport, dport;
	const uint8_t *data;
	size_t len;
};

/* The UDP datagram in one captured frame (IPv4 unfragmented or IPv6), if any. */
static bool frame_udp(int dlt, const uint8_t *p, size_t len, struct udp_dgram *u)
{
	size_t off;
	uint16_t proto;

	if (dlt == DLT_EN10MB) {
		if (len < 14)
			return false;
		proto = (uint16_t)(p[12] << 8 | p[13]);
		off = 14;
		if (proto == 0x8100 && len >= 18) {
			proto = (uint16_t)(p[16] << 8 | p[17]);
			off = 18;
		}
	} else if (dlt == DLT_LINUX_SLL) {
		if (len < 16)
			return false;
		proto = (uint16_t)(p[14] << 8 | p[15]);
		off = 16;
	} else {
		return false;
	}
	p += off;
	len -= off;
	size_t l4;
	if (proto == 0x0800) {
		if (len < 20 || (p[0] >> 4) != 4)
			return false;
		size_t ihl = (size_t)(p[0] & 0x0F) * 4;
		size_t tot = (size_t)(p[2] << 8 | p[3]);
		if (ihl < 20 || tot < ihl || tot > len || p[9] != 17 || ((p[6] & 0x3F) | p[7]) != 0)
			return false;
		len = tot;
		l4 = ihl;
	} else if (proto == 0x86DD) {
		if (len < 40 || p[6] != 17)
			return false;
		size_t pl = (size_t)(p[4] << 8 | p[5]);
		if (40 + pl > len)
			return false;
		len = 40 + pl;
		l4 = 40;
	} else {
		return false;
	}
	if (len - l4 < 8)
		return false;
	const uint8_t *udp = p + l4;
	size_t ulen = (size_t)(udp[4] << 8 | udp[5]);
	if (ulen < 8 || ulen > len - l4)
		return false;
	u->sport = (uint16_t)(udp[0] << 8 | udp[1]);
	u->dport = (uint16_t)(udp[2] << 8 | udp[3]);
	u->data = udp + 8;
	u->len = ulen - 8;
	return true;
}

typedef void (*dgram_fn)(void *arg, const struct udp_dgram *u);

/* Calls fn for every UDP datagram of the capture; false if it cannot be read. */
static bool pcap_each_udp(const char *path, dgram_fn fn, void *arg)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct udp_dgram u;
	int rc;

	if (pc == NULL)
		return false;
	int dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1)
		if (frame_udp(dlt, data, hdr->caplen, &u))
			fn(arg, &u);
	pcap_close(pc);
	return rc == PCAP_ERROR_BREAK;
}

struct capture_count {
	struct udptl_rx *rx;
	size_t datagrams, decoded, malformed, zero_secondaries, with_zero;
	size_t max_secondary;
};

static void count_udptl(void *arg, const struct udp_dgram *u)
{
	struct capture_count *cc = arg;
	struct udptl_packet p;

	cc->datagrams++;
	enum udptl_err e = udptl_decode(u->data, u->len, &p);
	ck_assert_int_eq(udptl_rx_datagram(cc->rx, u->data, u->len), e);
	if (e != UDPTL_OK) {
		cc->malformed++;
		return;
	}
	cc->decoded++;
	size_t zeros = 0;
	for (size_t i = 0; i < p.n_secondary; i++)
		if (p.secondary[i].len == 0)
			zeros++;
	cc->zero_secondaries += zeros;
	if (zeros > 0)
		cc->with_zero++;
	if (p.n_secondary > cc->max_secondary)
		cc->max_secondary = p.n_secondary;
}

START_TEST(test_pcap_ast_2016_003)
{
	char path[4096];
	struct capture_count cc;
	struct collect *c = collect_new();

	if (!testdata_path("asterisk-testsuite-ast-2016-003-crash.pcap", path, sizeof(path))) {
		fprintf(stderr, "udptl: skipping AST-2016-003 capture test: %s not found "
			"(set FAXGW_TESTDATA)\n", path);
		free(c);
		return;
	}
	memset(&cc, 0, sizeof(cc));
	cc.rx = rx_new(c);
	ck_assert(pcap_each_udp(path, count_udptl, &cc));
	ck_assert_uint_eq(cc.datagrams, 128);
	ck_assert_uint_eq(cc.decoded + cc.malformed, 128);
	/* the garbage datagram and the one missing its error recovery */
	ck_assert_uint_eq(cc.malformed, 2);
	ck_assert_uint_eq(cc.rx->stats.malformed, 2);
	/* 126 datagrams carry zero-length redundant IFPs: decoded, treated as absent */
	ck_assert_uint_eq(cc.with_zero, 126);
	ck_assert_uint_ge(cc.zero_secondaries, 126 * 14);
	ck_assert_uint_eq(c->zero_len, 0);
	ck_assert_uint_gt(c->n, 0);
	ck_assert_uint_ge(cc.rx->stats.empty, cc.zero_secondaries);
	for (size_t k = 1; k < c->n; k++)
		ck_assert_uint_ne(c->seq[k], c->seq[k - 1]);
	free(cc.rx);
	free(c);
}
END_TEST

/* UDPTL in the Vega capture: UDP datagrams that are neither SIP nor RTP/RTCP
 * version 2 (the T.38 stream reuses the audio ports). */
static void count_vega(void *arg, const struct udp_dgram *u)
{
	if (u->sport == 5060 || u->dport == 5060 || (u->len > 0 && (u->data[0] >> 6) == 2))
		return;
	count_udptl(arg, u);
}

START_TEST(test_pcap_vega_t38)
{
	char path[4096];
	struct capture_count cc;
	struct collect *c = collect_new();

	if (!testdata_path("alwishariff-vega1-t38-oneway.pcap", path, sizeof(path))) {
		fprintf(stderr, "udptl: skipping Vega T.38 capture test: %s not found "
			"(set FAXGW_TESTDATA)\n", path);
		free(c);
		return;
	}
	memset(&cc, 0, sizeof(cc));
	cc.rx = rx_new(c);
	ck_assert(pcap_each_udp(path, count_vega, &cc));
	ck_assert_uint_ge(cc.datagrams, 290);
	ck_assert_uint_eq(cc.malformed, 0);
	ck_assert_uint_eq(cc.decoded, cc.datagrams);
	ck_assert_uint_le(cc.max_secondary, 2);
	ck_assert_uint_eq(c->zero_len, 0);
	ck_assert_uint_gt(c->n, 100);
	free(cc.rx);
	free(c);
}
END_TEST

Suite *udptl_suite(void)
{
	Suite *s = suite_create("udptl");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_decode_redundancy);
	tcase_add_test(tc, test_decode_fec);
	tcase_add_test(tc, test_decode_two_byte_length);
	tcase_add_loop_test(tc, test_decode_malformed, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_decode_limits);
	tcase_add_test(tc, test_decode_every_truncation);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_test(tc, test_encode_roundtrip);
	tcase_add_test(tc, test_encode_trim);
	tcase_add_test(tc, test_tx_init);
	tcase_add_test(tc, test_tx_redundancy);
	tcase_add_test(tc, test_tx_fec_fallback);
	tcase_add_test(tc, test_small_rings);
	tcase_add_test(tc, test_ifps_longer_than_ring);
	tcase_add_test(tc, test_rx_fec_without_ring);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_rx_in_order);
	tcase_add_test(tc, test_rx_redundancy_recovery);
	tcase_add_test(tc, test_rx_redundancy_too_deep);
	tcase_add_test(tc, test_rx_fec_recovery);
	tcase_add_test(tc, test_rx_fec_fixed_length_exact);
	tcase_add_test(tc, test_rx_fec_two_missing_in_span);
	tcase_add_test(tc, test_rx_duplicates_and_reorder);
	tcase_add_test(tc, test_rx_wrap);
	tcase_add_test(tc, test_rx_wrap_long);
	tcase_add_test(tc, test_rx_first_packet_recovers_start);
	tcase_add_test(tc, test_rx_first_packet_fec_start);
	tcase_add_test(tc, test_rx_jump_resets);
	tcase_add_test(tc, test_rx_zero_length);
	tcase_add_test(tc, test_rx_malformed_changes_nothing);
	tcase_add_loop_test(tc, test_rx_random_loss, 0, 2);
	tcase_add_test(tc, test_rx_long_ifps_redundancy);
	tcase_add_test(tc, test_long_ifps_fec_beyond_ring);
	suite_add_tcase(s, tc);

	tc = tcase_create("captures");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_pcap_ast_2016_003);
	tcase_add_test(tc, test_pcap_vega_t38);
	suite_add_tcase(s, tc);
	return s;
}
