/*
 * fuzz_udptl.c - libFuzzer harness for UDPTL (T.38 clause 9.1 / Annex A).
 *
 * The whole input is one datagram for udptl_decode(); a decoded packet is
 * re-encoded and must decode to the same fields.  The input is also read as
 * a stream of datagrams, each prefixed by a one-byte length, and fed to a
 * receiving stream (struct udptl_rx), and the same chunks are sent as IFPs
 * through a sending stream whose datagrams must decode and deliver intact.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "udptl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct udptl_rx fz_rx, fz_loop_rx;
static struct udptl_tx fz_tx;
static uint8_t fz_rx_ring[FGW_UDPTL_RING], fz_loop_ring[FGW_UDPTL_RING], fz_tx_ring[FGW_UDPTL_RING];

/* Ring sizes the input picks: none, smaller than one long IFP, the control
 * ring, the page data ring. */
static size_t fz_ring_size(uint8_t pick)
{
	static const size_t sizes[] = { 0, 64, FGW_UDPTL_CTRL_RING, FGW_UDPTL_RING };

	return sizes[pick % 4];
}

static void fz_check_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	(void)arg;
	(void)seq;
	if (len == 0 || len > FGW_MAX_IFP)
		abort();
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < len; i++)
		sink ^= ifp[i];          /* every byte must be readable */
	(void)sink;
}

struct fz_expect {
	const uint8_t *ifp;
	size_t len;
	size_t got;
};

static void fz_loop_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct fz_expect *x = arg;

	(void)seq;
	if (x->ifp == NULL || len != x->len || memcmp(ifp, x->ifp, len) != 0)
		abort();
	x->got++;
}

static void fz_same_ifp(const struct udptl_ifp *a, const struct udptl_ifp *b)
{
	if (a->len != b->len || (a->len > 0 && memcmp(a->data, b->data, a->len) != 0))
		abort();
}

/* Decode, re-encode, decode again: the same fields. */
static void fz_roundtrip(const uint8_t *data, size_t size)
{
	static uint8_t out[FGW_MAX_DATAGRAM + 64];
	struct udptl_packet p, q;
	size_t len, n_sent;

	if (udptl_decode(data, size, &p) != UDPTL_OK)
		return;
	if (udptl_encode(&p, out, sizeof(out), &len, &n_sent) != UDPTL_OK)
		abort();
	if (udptl_decode(out, len, &q) != UDPTL_OK && len <= FGW_MAX_DATAGRAM)
		abort();
	if (len > FGW_MAX_DATAGRAM)
		return;
	if (q.seq != p.seq || q.ec != p.ec)
		abort();
	fz_same_ifp(&p.primary, &q.primary);
	if (p.ec == UDPTL_EC_REDUNDANCY) {
		if (q.n_secondary != p.n_secondary)
			abort();
		for (size_t i = 0; i < p.n_secondary; i++)
			fz_same_ifp(&p.secondary[i], &q.secondary[i]);
	} else {
		if (q.n_fec != p.n_fec || q.fec_span != p.fec_span)
			abort();
		for (size_t i = 0; i < p.n_fec; i++)
			fz_same_ifp(&p.fec[i], &q.fec[i]);
	}
}

/* Each chunk as an IFP through a sending stream, looped back. */
static void fz_loop(const uint8_t *ifp, size_t len)
{
	static uint8_t dg[FGW_MAX_DATAGRAM];
	struct fz_expect x = { ifp, len, 0 };
	size_t dlen;

	if (len == 0)
		return;
	fz_loop_rx.arg = &x;
	if (udptl_tx_packet(&fz_tx, ifp, len, dg, sizeof(dg), &dlen) != UDPTL_OK)
		return;
	if (dlen > fz_tx.max_datagram)
		abort();
	if (udptl_rx_datagram(&fz_loop_rx, dg, dlen) != UDPTL_OK)
		abort();
	if (x.got != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_roundtrip(data, size);
	if (size < 1)
		return 0;

	/* first byte: the sending stream's error recovery and the rings' sizes */
	uint8_t mode = data[0];
	udptl_rx_init(&fz_rx, fz_check_ifp, NULL, fz_rx_ring, fz_ring_size(mode >> 1));
	udptl_rx_init(&fz_loop_rx, fz_loop_ifp, NULL, fz_loop_ring, fz_ring_size(mode >> 3));
	enum udptl_ec ec = (enum udptl_ec)(mode % 3);
	unsigned depth = ec == UDPTL_EC_FEC ? 1u + (mode >> 2) % 5u : (mode >> 2) % 8u;
	if (udptl_tx_init(&fz_tx, ec, depth, 1u + (mode >> 5) % 3u, 64u + (size_t)(mode & 0x7Fu) * 8u,
			  fz_tx_ring, fz_ring_size(mode >> 5)) != UDPTL_OK)
		abort();

	size_t pos = 1;
	while (pos < size) {
		size_t n = data[pos++];
		if (n > size - pos)
			n = size - pos;
		udptl_rx_datagram(&fz_rx, data + pos, n);
		fz_loop(data + pos, n);
		pos += n;
	}
	const struct udptl_rx_stats *s = &fz_rx.stats;
	if (s->recovered > s->delivered)
		abort();
	return 0;
}
