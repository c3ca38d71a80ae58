/*
 * test_rtp.c - RTP (RFC 3550) for G.711 fax: header parser limits, the
 * receiving reorder buffer (loss, reorder, duplicates, SSRC change, comfort
 * noise and other payload types, wrap, overrun), packets of any ptime
 * placed by timestamp (mixed sizes, partial frames, timestamp wrap), the
 * sender and its ptime FIFO, and a real G.711 u-law fax capture.
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "rtp.h"

Suite *rtp_suite(void);

/* ----- helpers ------------------------------------------------------------- */

static void frame_make(unsigned i, uint8_t out[RTP_FRAME_BYTES])
{
	for (size_t j = 0; j < RTP_FRAME_BYTES; j++)
		out[j] = (uint8_t)(i * 3u + j);
}

/* A G.711 packet by hand: pt, seq, ssrc, payload from frame_make(seq). */
static size_t pkt_make(uint8_t *out, uint8_t pt, uint16_t seq, uint32_t ssrc, size_t payload)
{
	uint8_t frame[RTP_FRAME_BYTES];

	out[0] = 0x80;
	out[1] = pt;
	out[2] = (uint8_t)(seq >> 8);
	out[3] = (uint8_t)seq;
	out[4] = out[5] = 0;
	out[6] = (uint8_t)(seq >> 8);
	out[7] = (uint8_t)seq;
	out[8] = (uint8_t)(ssrc >> 24);
	out[9] = (uint8_t)(ssrc >> 16);
	out[10] = (uint8_t)(ssrc >> 8);
	out[11] = (uint8_t)ssrc;
	frame_make(seq, frame);
	memcpy(out + 12, frame, payload < RTP_FRAME_BYTES ? payload : RTP_FRAME_BYTES);
	return 12 + payload;
}

/* A 20 ms packet whose timestamp follows its sequence number, 160 samples
 * apart as RFC 3551 has it.  The number is read as signed 16 bits, so a
 * stream crossing sequence number 0 crosses timestamp 0 too (and stays
 * continuous there). */
static void put_seq(struct rtp_rx *rx, uint16_t seq, uint32_t ssrc)
{
	uint8_t p[200];
	size_t n = pkt_make(p, RTP_PT_PCMU, seq, ssrc, RTP_FRAME_BYTES);
	uint32_t ts = (uint32_t)seq * RTP_FRAME_BYTES - (seq >= 0x8000u ? 0x10000u * RTP_FRAME_BYTES : 0);

	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	ck_assert_int_eq(rtp_rx_put(rx, p, n), RTP_OK);
}

/* Pulls one frame: expects frame_make(seq) or, when seq < 0, a loss. */
static void pull_expect(struct rtp_rx *rx, long seq)
{
	uint8_t out[RTP_FRAME_BYTES], want[RTP_FRAME_BYTES];
	bool lost = false;

	ck_assert(rtp_rx_pull(rx, out, &lost));
	if (seq < 0) {
		ck_assert(lost);
		return;
	}
	ck_assert(!lost);
	frame_make((unsigned)seq, want);
	ck_assert_mem_eq(out, want, RTP_FRAME_BYTES);
}

/* ----- parser ------------------------------------------------------------------ */

START_TEST(test_parse_basic)
{
	uint8_t p[200];
	struct rtp_header h;
	size_t n = pkt_make(p, RTP_PT_PCMA, 0xBEEF, 0x11223344, RTP_FRAME_BYTES);

	p[1] |= 0x80;
	ck_assert_int_eq(rtp_parse(p, n, &h), RTP_OK);
	ck_assert_uint_eq(h.version, 2);
	ck_assert(h.marker);
	ck_assert(!h.padding && !h.extension);
	ck_assert_uint_eq(h.pt, RTP_PT_PCMA);
	ck_assert_uint_eq(h.seq, 0xBEEF);
	ck_assert_uint_eq(h.ts, 0xBEEF);
	ck_assert_uint_eq(h.ssrc, 0x11223344);
	ck_assert_uint_eq(h.payload_len, RTP_FRAME_BYTES);
	ck_assert_ptr_eq(h.payload, p + 12);
	/* header only: empty payload is fine */
	ck_assert_int_eq(rtp_parse(p, 12, &h), RTP_OK);
	ck_assert_uint_eq(h.payload_len, 0);
}
END_TEST

START_TEST(test_parse_csrc_ext_padding)
{
	uint8_t p[64];
	struct rtp_header h;

	memset(p, 0, sizeof(p));
	p[0] = 0x80 | 0x20 | 0x10 | 2;        /* V=2 P X CC=2 */
	p[1] = 0;
	/* CSRCs at 12 and 16 */
	p[15] = 1; p[19] = 2;
	/* extension at 20: profile 0xBEDE, 1 word */
	p[20] = 0xBE; p[21] = 0xDE; p[22] = 0; p[23] = 1;
	p[24] = 0xAA; p[25] = 0xBB; p[26] = 0xCC; p[27] = 0xDD;
	/* payload 28..33 (6 bytes), padding 3 bytes, last = 3 */
	memcpy(p + 28, "abcdef", 6);
	p[36] = 3;
	ck_assert_int_eq(rtp_parse(p, 37, &h), RTP_OK);
	ck_assert_uint_eq(h.csrc_count, 2);
	ck_assert_uint_eq(h.csrc[0], 1);
	ck_assert_uint_eq(h.csrc[1], 2);
	ck_assert_uint_eq(h.ext_profile, 0xBEDE);
	ck_assert_uint_eq(h.ext_len, 4);
	ck_assert_uint_eq(h.ext[0], 0xAA);
	ck_assert_uint_eq(h.payload_len, 6);
	ck_assert_mem_eq(h.payload, "abcdef", 6);
	ck_assert_uint_eq(h.pad_len, 3);
	/* padding covering the whole body */
	p[36] = 9;
	ck_assert_int_eq(rtp_parse(p, 37, &h), RTP_OK);
	ck_assert_uint_eq(h.payload_len, 0);
}
END_TEST

START_TEST(test_parse_malformed)
{
	uint8_t p[64];
	struct rtp_header h;

	memset(p, 0, sizeof(p));
	p[0] = 0x80;
	ck_assert_int_eq(rtp_parse(p, 0, &h), RTP_E_SHORT);
	ck_assert_int_eq(rtp_parse(p, 11, &h), RTP_E_SHORT);
	for (int v = 0; v < 4; v++) {
		if (v == 2)
			continue;
		p[0] = (uint8_t)(v << 6);
		ck_assert_int_eq(rtp_parse(p, 20, &h), RTP_E_VERSION);
	}
	p[0] = 0x80 | 15;                      /* 15 CSRCs need 72 bytes */
	ck_assert_int_eq(rtp_parse(p, 64, &h), RTP_E_CSRC);
	p[0] = 0x80 | 1;
	ck_assert_int_eq(rtp_parse(p, 15, &h), RTP_E_CSRC);
	ck_assert_int_eq(rtp_parse(p, 16, &h), RTP_OK);
	p[0] = 0x80 | 0x10;                    /* extension header cut */
	ck_assert_int_eq(rtp_parse(p, 14, &h), RTP_E_EXTENSION);
	p[14] = 0xFF; p[15] = 0xFF;            /* 65535 words */
	ck_assert_int_eq(rtp_parse(p, 64, &h), RTP_E_EXTENSION);
	p[14] = 0; p[15] = 2;                  /* 8 bytes: needs 24 */
	ck_assert_int_eq(rtp_parse(p, 23, &h), RTP_E_EXTENSION);
	ck_assert_int_eq(rtp_parse(p, 24, &h), RTP_OK);
	p[0] = 0x80 | 0x20;                    /* padding */
	ck_assert_int_eq(rtp_parse(p, 12, &h), RTP_E_PADDING);    /* no body */
	p[19] = 0;
	ck_assert_int_eq(rtp_parse(p, 20, &h), RTP_E_PADDING);    /* count 0 */
	p[19] = 9;
	ck_assert_int_eq(rtp_parse(p, 20, &h), RTP_E_PADDING);    /* beyond the body */
	p[19] = 8;
	ck_assert_int_eq(rtp_parse(p, 20, &h), RTP_OK);
	uint8_t big[FGW_MAX_DATAGRAM + 1];
	memset(big, 0, sizeof(big));
	big[0] = 0x80;
	ck_assert_int_eq(rtp_parse(big, sizeof(big), &h), RTP_E_TOO_LONG);
	ck_assert_int_eq(rtp_parse(NULL, 0, &h), RTP_E_INVAL);
}
END_TEST

START_TEST(test_parse_every_truncation)
{
	uint8_t p[64];
	struct rtp_header h;

	memset(p, 0x01, sizeof(p));
	p[0] = 0x80 | 0x20 | 0x10 | 3;
	p[26] = 0; p[27] = 1;                  /* extension: 1 word */
	for (size_t n = 0; n <= sizeof(p); n++) {
		enum rtp_err e = rtp_parse(p, n, &h);
		if (e == RTP_OK) {
			ck_assert(h.payload >= p && h.payload + h.payload_len <= p + n);
			ck_assert_uint_ge(n, 32);
		}
	}
}
END_TEST

START_TEST(test_strerror)
{
	for (int e = 0; e >= RTP_E_INVAL; e--)
		ck_assert_str_ne(rtp_strerror(e), "unknown RTP error");
	ck_assert_str_eq(rtp_strerror(5), "unknown RTP error");
}
END_TEST

/* ----- receiver ------------------------------------------------------------------ */

START_TEST(test_rx_init)
{
	struct rtp_rx rx;
	uint8_t out[RTP_FRAME_BYTES];
	bool lost;

	ck_assert_int_eq(rtp_rx_init(&rx, 3, 0), RTP_E_INVAL);
	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, FGW_RTP_JITTER_SLOTS), RTP_E_INVAL);
	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMA, 2), RTP_OK);
	ck_assert(!rtp_rx_pull(&rx, out, &lost));     /* nothing yet */
}
END_TEST

START_TEST(test_rx_in_order_with_delay)
{
	struct rtp_rx rx;
	uint8_t out[RTP_FRAME_BYTES];
	bool lost;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
	put_seq(&rx, 100, 7);
	ck_assert(!rtp_rx_pull(&rx, out, &lost));      /* delay tick 1 */
	put_seq(&rx, 101, 7);
	ck_assert(!rtp_rx_pull(&rx, out, &lost));      /* delay tick 2 */
	put_seq(&rx, 102, 7);
	for (uint16_t s = 100; s < 103; s++)
		pull_expect(&rx, s);
	pull_expect(&rx, -1);                          /* sender silent: lost */
	ck_assert_uint_eq(rx.stats.played, 3);
	ck_assert_uint_eq(rx.stats.lost, 1);
	ck_assert_uint_eq(rx.stats.received, 3);
}
END_TEST

START_TEST(test_rx_reorder_loss_late_dup)
{
	struct rtp_rx rx;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	put_seq(&rx, 10, 1);
	put_seq(&rx, 12, 1);
	put_seq(&rx, 11, 1);             /* reordered, still in time */
	put_seq(&rx, 11, 1);             /* duplicate */
	put_seq(&rx, 14, 1);             /* 13 lost */
	pull_expect(&rx, 10);
	pull_expect(&rx, 11);
	pull_expect(&rx, 12);
	pull_expect(&rx, -1);
	put_seq(&rx, 13, 1);             /* too late */
	put_seq(&rx, 10, 1);             /* old */
	pull_expect(&rx, 14);
	ck_assert_uint_eq(rx.stats.duplicate, 1);
	ck_assert_uint_eq(rx.stats.late, 2);
	ck_assert_uint_eq(rx.stats.lost, 1);
	ck_assert_uint_eq(rx.stats.played, 4);
}
END_TEST

START_TEST(test_rx_reorder_before_playout)
{
	struct rtp_rx rx;
	uint8_t out[RTP_FRAME_BYTES];
	bool lost;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
	put_seq(&rx, 51, 1);             /* 50 arrives second */
	ck_assert(!rtp_rx_pull(&rx, out, &lost));
	put_seq(&rx, 50, 1);
	ck_assert(!rtp_rx_pull(&rx, out, &lost));
	pull_expect(&rx, 50);
	pull_expect(&rx, 51);
	ck_assert_uint_eq(rx.stats.late, 0);
}
END_TEST

START_TEST(test_rx_wrap)
{
	struct rtp_rx rx;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	for (unsigned i = 0; i < 10; i++) {
		uint16_t s = (uint16_t)(65531 + i);
		if (s != 0)                       /* 0 lost at the wrap */
			put_seq(&rx, s, 9);
		pull_expect(&rx, s == 0 ? -1 : (long)s);
	}
	ck_assert_uint_eq(rx.stats.lost, 1);
	ck_assert_uint_eq(rx.stats.played, 9);
	ck_assert_uint_eq(rx.stats.resync + rx.stats.late, 0);
}
END_TEST

START_TEST(test_rx_ssrc_change)
{
	struct rtp_rx rx;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	put_seq(&rx, 1000, 1);
	put_seq(&rx, 1001, 1);
	pull_expect(&rx, 1000);
	put_seq(&rx, 7, 2);               /* new source, unrelated numbers */
	pull_expect(&rx, 7);
	put_seq(&rx, 1002, 1);            /* the old source is now foreign */
	put_seq(&rx, 8, 2);
	ck_assert_uint_eq(rx.stats.ssrc_changes, 1);
	ck_assert_uint_eq(rx.stats.stale_ssrc, 1);
	ck_assert_uint_eq(rx.stats.resync, 0);
	pull_expect(&rx, 8);
	ck_assert_uint_eq(rx.ssrc, 2);
}
END_TEST

START_TEST(test_rx_ignored)
{
	struct rtp_rx rx;
	uint8_t p[300];
	size_t n;
	uint8_t out[RTP_FRAME_BYTES];
	bool lost;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	n = pkt_make(p, RTP_PT_CN, 1, 1, 1);                 /* comfort noise */
	ck_assert_int_eq(rtp_rx_put(&rx, p, n), RTP_OK);
	n = pkt_make(p, RTP_PT_PCMA, 2, 1, RTP_FRAME_BYTES); /* the other law */
	ck_assert_int_eq(rtp_rx_put(&rx, p, n), RTP_OK);
	n = pkt_make(p, 101, 3, 1, 4);                       /* telephone-event */
	ck_assert_int_eq(rtp_rx_put(&rx, p, n), RTP_OK);
	n = pkt_make(p, 200 & 0x7F, 4, 1, 16);               /* RTCP SR multiplexed */
	p[1] = 200;
	ck_assert_int_eq(rtp_rx_put(&rx, p, n), RTP_OK);
	n = pkt_make(p, RTP_PT_PCMU, 5, 1, 0);               /* no samples */
	ck_assert_int_eq(rtp_rx_put(&rx, p, n), RTP_OK);
	ck_assert_int_eq(rtp_rx_put(&rx, (const uint8_t *)"garbage!garbage!", 16), RTP_E_VERSION);
	ck_assert_int_eq(rtp_rx_put(&rx, p, 5), RTP_E_SHORT);
	ck_assert_uint_eq(rx.stats.cn, 1);
	ck_assert_uint_eq(rx.stats.other_pt, 3);
	ck_assert_uint_eq(rx.stats.bad_size, 1);
	ck_assert_uint_eq(rx.stats.malformed, 2);
	ck_assert_uint_eq(rx.stats.received, 0);
	ck_assert(!rtp_rx_pull(&rx, out, &lost));           /* no stream started */
	put_seq(&rx, 6, 1);
	n = pkt_make(p, RTP_PT_CN, 7, 1, 1);                 /* CN mid-stream: a gap */
	ck_assert_int_eq(rtp_rx_put(&rx, p, n), RTP_OK);
	put_seq(&rx, 8, 1);
	pull_expect(&rx, 6);
	pull_expect(&rx, -1);
	pull_expect(&rx, 8);
}
END_TEST

/* The sender pauses (its delay steps up): play-out runs dry, then the
 * stream resumes where it left off.  Play-out re-aligns to it instead of
 * calling every later packet late (a paused G.711 caller used to lose the
 * rest of the call). */
START_TEST(test_rx_realign_after_pause)
{
	struct rtp_rx rx;
	uint8_t out[RTP_FRAME_BYTES];
	bool lost;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
	put_seq(&rx, 10, 9);
	ck_assert(!rtp_rx_pull(&rx, out, &lost));
	ck_assert(!rtp_rx_pull(&rx, out, &lost));
	pull_expect(&rx, 10);
	for (int i = 0; i < 25; i++)                   /* 500 ms of nothing */
		pull_expect(&rx, -1);
	put_seq(&rx, 11, 9);                           /* resumes, one per tick */
	ck_assert(!rtp_rx_pull(&rx, out, &lost));      /* jitter delay again */
	put_seq(&rx, 12, 9);
	ck_assert(!rtp_rx_pull(&rx, out, &lost));
	for (uint16_t s = 13; s < 60; s++) {
		put_seq(&rx, s, 9);
		pull_expect(&rx, s - 2);
	}
	ck_assert_uint_eq(rx.stats.late, 0);
}
END_TEST

START_TEST(test_rx_overrun_and_resync)
{
	struct rtp_rx rx;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	/* the sender runs FGW_RTP_JITTER_SLOTS + 4 ahead of play-out */
	for (unsigned i = 0; i < FGW_RTP_JITTER_SLOTS + 4; i++)
		put_seq(&rx, (uint16_t)(200 + i), 3);
	ck_assert_uint_eq(rx.stats.overrun, 4);
	pull_expect(&rx, 204);
	/* a jump far ahead restarts the stream */
	put_seq(&rx, 20000, 3);
	ck_assert_uint_eq(rx.stats.resync, 1);
	pull_expect(&rx, 20000);
	/* and far back */
	put_seq(&rx, 300, 3);
	ck_assert_uint_eq(rx.stats.resync, 2);
	pull_expect(&rx, 300);
	rtp_rx_reset(&rx);
	ck_assert_uint_eq(rx.stats.resync, 0);
	ck_assert(!rx.started);
}
END_TEST


/* ----- streams of any ptime: samples known by their timestamp --------------- */

/* The sample a test stream carries at timestamp ts (neighbours differ). */
static uint8_t ts_sample(uint32_t ts)
{
	return (uint8_t)(ts * 7u + (ts >> 8) * 13u + 1u);
}

/* A packet of n samples (ts_sample()) starting at timestamp ts. */
static size_t pkt_ts(uint8_t *out, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, size_t n)
{
	out[0] = 0x80;
	out[1] = pt;
	out[2] = (uint8_t)(seq >> 8);
	out[3] = (uint8_t)seq;
	out[4] = (uint8_t)(ts >> 24);
	out[5] = (uint8_t)(ts >> 16);
	out[6] = (uint8_t)(ts >> 8);
	out[7] = (uint8_t)ts;
	out[8] = (uint8_t)(ssrc >> 24);
	out[9] = (uint8_t)(ssrc >> 16);
	out[10] = (uint8_t)(ssrc >> 8);
	out[11] = (uint8_t)ssrc;
	for (size_t k = 0; k < n; k++)
		out[12 + k] = ts_sample(ts + (uint32_t)k);
	return 12 + n;
}

static void put_ts(struct rtp_rx *rx, uint16_t seq, uint32_t ts, uint32_t ssrc, size_t n)
{
	uint8_t p[12 + FGW_RTP_MAX_SAMPLES];

	ck_assert_uint_le(n, FGW_RTP_MAX_SAMPLES);
	ck_assert_int_eq(rtp_rx_put(rx, p, pkt_ts(p, RTP_PT_PCMU, seq, ts, ssrc, n)), RTP_OK);
}

/* Pulls the frame starting at ts: samples [lo, hi) of it came, the rest
 * must be u-law silence.  lo == hi: the frame must be reported lost. */
static void pull_part(struct rtp_rx *rx, uint32_t ts, unsigned lo, unsigned hi)
{
	uint8_t out[RTP_FRAME_BYTES];
	bool lost = false;

	ck_assert(rtp_rx_pull(rx, out, &lost));
	ck_assert(lost == (lo == hi));
	for (unsigned k = 0; k < RTP_FRAME_BYTES && lo < hi; k++) {
		uint8_t want = k >= lo && k < hi ? ts_sample(ts + k) : RTP_ULAW_SILENCE;
		ck_assert_msg(out[k] == want, "ts %u + %u: %02x, want %02x", ts, k, out[k], want);
	}
}

static void pull_full(struct rtp_rx *rx, uint32_t ts)
{
	pull_part(rx, ts, 0, RTP_FRAME_BYTES);
}

/*
 * A sender of packets of sizes[0], sizes[1], ... (cycling) samples from
 * timestamp ts0, each put as soon as its last sample exists (tick t has
 * made (t + 1) * 160), then one pull per tick; every frame up to `frames`
 * must come out whole and in order.  Returns the packets put.
 */
static unsigned run_stream(struct rtp_rx *rx, uint32_t ts0, uint32_t ssrc, const unsigned *sizes,
			   size_t nsizes, unsigned frames)
{
	uint32_t made = 0, sent = 0;
	unsigned played = 0, tick;
	uint16_t seq = 1000;
	size_t i = 0;

	for (tick = 0; played < frames; tick++) {
		ck_assert_uint_lt(tick, frames + 2 * FGW_RTP_JITTER_SLOTS);
		made += RTP_FRAME_BYTES;
		while (sent + sizes[i % nsizes] <= made) {
			put_ts(rx, seq++, ts0 + sent, ssrc, sizes[i % nsizes]);
			sent += sizes[i++ % nsizes];
		}
		uint8_t out[RTP_FRAME_BYTES];
		bool lost;
		if (!rtp_rx_pull(rx, out, &lost))
			continue;
		ck_assert_msg(!lost, "frame %u lost", played);
		for (unsigned k = 0; k < RTP_FRAME_BYTES; k++)
			ck_assert_uint_eq(out[k], ts_sample(ts0 + played * RTP_FRAME_BYTES + k));
		played++;
	}
	return (unsigned)i;
}

static const unsigned rx_ptimes[] = { 10, 30, 40, 60 };

/* One ptime from start to end: every frame whole, nothing late or lost. */
START_TEST(test_rx_ptime)
{
	struct rtp_rx rx;
	unsigned size = rx_ptimes[_i] * FGW_RTP_SAMPLES_PER_MS;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
	unsigned put = run_stream(&rx, 123456789u, 42, &size, 1, 200);
	ck_assert_uint_eq(rx.stats.played, 200);
	ck_assert_uint_eq(rx.stats.received, put);
	ck_assert_uint_ge(put * size, 200 * RTP_FRAME_BYTES);
	ck_assert_uint_eq(rx.stats.lost + rx.stats.concealed + rx.stats.late, 0);
	ck_assert_uint_eq(rx.stats.duplicate + rx.stats.overrun + rx.stats.resync, 0);
	ck_assert_uint_eq(rx.stats.bad_size, 0);
}
END_TEST

/* The peer changes ptime from packet to packet, odd sizes and 1 sample
 * included; a delay of 60 ms covers the largest packet after a small
 * first one. */
START_TEST(test_rx_mixed_sizes)
{
	static const unsigned sizes[] = { 80, 240, 480, 160, 1, 399, 320, 104, 480, 80 };
	struct rtp_rx rx;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 3), RTP_OK);
	run_stream(&rx, 7, 1, sizes, sizeof(sizes) / sizeof(sizes[0]), 300);
	ck_assert_uint_eq(rx.stats.lost + rx.stats.concealed + rx.stats.late, 0);
	ck_assert_uint_eq(rx.stats.duplicate + rx.stats.overrun + rx.stats.resync, 0);
}
END_TEST

/* Packets of different sizes out of order: before play-out begins (it
 * steps back to the earliest), and during play-out within the delay. */
START_TEST(test_rx_reorder_mixed_sizes)
{
	struct rtp_rx rx;
	uint8_t out[RTP_FRAME_BYTES];
	bool lost;
	const uint32_t t = 0x1000;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
	put_ts(&rx, 3, t + 320, 5, 400);        /* [320, 720) starts the stream */
	put_ts(&rx, 1, t, 5, 240);              /* [0, 240): play-out steps back */
	put_ts(&rx, 4, t + 720, 5, 160);        /* [720, 880) */
	put_ts(&rx, 2, t + 240, 5, 80);         /* [240, 320) */
	put_ts(&rx, 2, t + 240, 5, 80);         /* duplicate */
	ck_assert(!rtp_rx_pull(&rx, out, &lost));
	ck_assert(!rtp_rx_pull(&rx, out, &lost));
	for (uint32_t f = 0; f < 5; f++)
		pull_full(&rx, t + f * RTP_FRAME_BYTES);
	/* [880, 960) is late to come; then 60 ms before 10 ms */
	put_ts(&rx, 7, t + 960, 5, 480);
	put_ts(&rx, 6, t + 880, 5, 80);
	pull_full(&rx, t + 800);
	for (uint32_t f = 6; f < 9; f++)
		pull_full(&rx, t + f * RTP_FRAME_BYTES);
	ck_assert_uint_eq(rx.stats.received, 6);
	ck_assert_uint_eq(rx.stats.duplicate, 1);
	ck_assert_uint_eq(rx.stats.late + rx.stats.lost + rx.stats.concealed, 0);
}
END_TEST

/* One 30 ms packet of four is lost: the frame it ends in is partly there
 * (silence for the rest, counted concealed), the one wholly inside it is
 * lost; a late packet still gives the part not yet played. */
START_TEST(test_rx_loss_30ms)
{
	struct rtp_rx rx;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	put_ts(&rx, 1, 0, 9, 240);               /* [0, 240) */
	put_ts(&rx, 3, 480, 9, 240);             /* [480, 720); [240, 480) lost */
	put_ts(&rx, 4, 720, 9, 240);             /* [720, 960) */
	pull_full(&rx, 0);
	pull_part(&rx, 160, 0, 80);
	pull_part(&rx, 320, 0, 0);               /* lost */
	pull_full(&rx, 480);
	pull_full(&rx, 640);
	pull_full(&rx, 800);
	ck_assert_uint_eq(rx.stats.played, 5);
	ck_assert_uint_eq(rx.stats.lost, 1);
	ck_assert_uint_eq(rx.stats.concealed, 80);
	/* late: [960, 1200) arrives after [960, 1120) was played as lost */
	pull_part(&rx, 960, 0, 0);
	put_ts(&rx, 6, 1200, 9, 240);            /* [1200, 1440) on time */
	put_ts(&rx, 5, 960, 9, 240);             /* its [1120, 1200) still counts */
	pull_part(&rx, 1120, 0, 160);
	pull_part(&rx, 1280, 0, 160);
	ck_assert_uint_eq(rx.stats.late, 0);
	ck_assert_uint_eq(rx.stats.received, 5);
	ck_assert_uint_eq(rx.stats.lost, 2);
	/* wholly played: late */
	put_ts(&rx, 4, 720, 9, 240);
	ck_assert_uint_eq(rx.stats.late, 1);
}
END_TEST

/* The RTP timestamp wraps from 2^32 - 1 to 0 in the middle of a packet
 * and of a frame, with 10, 30 and 60 ms packets. */
START_TEST(test_rx_ts_wrap)
{
	static const unsigned sizes[] = { 80, 240, 480 };
	struct rtp_rx rx;

	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
		run_stream(&rx, 0xFFFFFFFFu - 1000u, 3, &sizes[i], 1, 40);
		ck_assert_uint_eq(rx.stats.played, 40);
		ck_assert_uint_eq(rx.stats.lost + rx.stats.concealed + rx.stats.late, 0);
		ck_assert_uint_eq(rx.stats.resync + rx.stats.overrun, 0);
	}
}
END_TEST

/* A new source with another ptime and unrelated timestamps restarts the
 * stream; the old source's stray packets are ignored. */
START_TEST(test_rx_ssrc_change_ptime)
{
	static const unsigned s30 = 240, s10 = 80;
	struct rtp_rx rx;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
	run_stream(&rx, 5000, 1, &s30, 1, 20);
	run_stream(&rx, 0x80000000u, 2, &s10, 1, 20);
	ck_assert_uint_eq(rx.stats.ssrc_changes, 1);
	put_ts(&rx, 1, 5000 + 20 * RTP_FRAME_BYTES, 1, s30);
	ck_assert_uint_eq(rx.stats.stale_ssrc, 1);
	ck_assert_uint_eq(rx.ssrc, 2);
	ck_assert_uint_eq(rx.stats.resync + rx.stats.late, 0);
}
END_TEST

/* 1 to FGW_RTP_MAX_SAMPLES samples are taken; none or more are not. */
START_TEST(test_rx_sizes)
{
	struct rtp_rx rx;
	uint8_t p[12 + FGW_RTP_MAX_SAMPLES + 1];

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	ck_assert_int_eq(rtp_rx_put(&rx, p, pkt_ts(p, RTP_PT_PCMU, 1, 0, 1, 0)), RTP_OK);
	ck_assert_int_eq(rtp_rx_put(&rx, p, pkt_ts(p, RTP_PT_PCMU, 1, 0, 1, FGW_RTP_MAX_SAMPLES + 1)),
			 RTP_OK);
	ck_assert_uint_eq(rx.stats.bad_size, 2);
	ck_assert(!rx.started);
	put_ts(&rx, 1, 0, 1, 1);
	pull_part(&rx, 0, 0, 1);
	ck_assert_uint_eq(rx.stats.concealed, RTP_FRAME_BYTES - 1);
	put_ts(&rx, 2, 160, 1, FGW_RTP_MAX_SAMPLES);
	for (uint32_t f = 1; f < 4; f++)
		pull_full(&rx, f * RTP_FRAME_BYTES);
	ck_assert_uint_eq(rx.stats.received, 2);
	ck_assert_uint_eq(rx.stats.bad_size, 2);
}
END_TEST

/* A 60 ms packet reaching past the window pushes play-out forward by
 * whole frames, so frames keep their boundaries. */
START_TEST(test_rx_overrun_60ms)
{
	struct rtp_rx rx;
	const uint32_t window = FGW_RTP_JITTER_SLOTS * RTP_FRAME_BYTES;

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	put_ts(&rx, 1, 0, 1, 480);
	put_ts(&rx, 2, window - 100, 1, 480);      /* ends 380 past the window */
	ck_assert_uint_eq(rx.stats.overrun, 3);
	for (uint32_t f = 3; f < FGW_RTP_JITTER_SLOTS - 1; f++)
		pull_part(&rx, f * RTP_FRAME_BYTES, 0, 0);
	pull_part(&rx, window - RTP_FRAME_BYTES, 60, 160);
	pull_full(&rx, window);
	pull_full(&rx, window + RTP_FRAME_BYTES);
	pull_part(&rx, window + 2 * RTP_FRAME_BYTES, 0, 60);
	ck_assert_uint_eq(rx.stats.received, 2);
	ck_assert_uint_eq(rx.stats.resync, 0);
	/* ending exactly one frame past the window drops exactly one */
	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 0), RTP_OK);
	put_ts(&rx, 1, 0, 1, 160);
	put_ts(&rx, 2, window, 1, 160);
	ck_assert_uint_eq(rx.stats.overrun, 1);
	pull_part(&rx, RTP_FRAME_BYTES, 0, 0);
}
END_TEST

/* The payload type the SDP bound to the law: only it is taken. */
START_TEST(test_rx_dynamic_pt)
{
	struct rtp_rx rx;
	uint8_t p[12 + 240];

	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMA, 0), RTP_OK);
	ck_assert_int_eq(rtp_rx_set_pt(&rx, 128), RTP_E_INVAL);
	ck_assert_int_eq(rtp_rx_set_pt(&rx, 96), RTP_OK);
	ck_assert_int_eq(rtp_rx_put(&rx, p, pkt_ts(p, RTP_PT_PCMA, 1, 0, 1, 240)), RTP_OK);
	ck_assert_uint_eq(rx.stats.other_pt, 1);
	ck_assert(!rx.started);
	ck_assert_int_eq(rtp_rx_put(&rx, p, pkt_ts(p, 96, 2, 0, 1, 240)), RTP_OK);
	uint8_t out[RTP_FRAME_BYTES];
	bool lost;
	ck_assert(rtp_rx_pull(&rx, out, &lost) && !lost);
	ck_assert(rtp_rx_pull(&rx, out, &lost) && !lost);
	for (unsigned k = 80; k < RTP_FRAME_BYTES; k++)
		ck_assert_uint_eq(out[k], RTP_ALAW_SILENCE);     /* the law's silence */
	ck_assert_uint_eq(rx.stats.concealed, 80);
	rtp_rx_reset(&rx);
	ck_assert_uint_eq(rx.pt, 96);
}
END_TEST

/* ----- sender ---------------------------------------------------------------------- */

START_TEST(test_tx_roundtrip)
{
	struct rtp_tx tx;
	struct rtp_rx rx;
	struct rtp_header h;
	uint8_t frame[RTP_FRAME_BYTES], out[200];
	size_t n;

	memset(frame, 0, sizeof(frame));
	ck_assert_int_eq(rtp_tx_init(&tx, 99, 1, 0, 0), RTP_E_INVAL);
	ck_assert_int_eq(rtp_tx_init(&tx, RTP_PT_PCMA, 0xCAFEF00D, 65535, 0xFFFFFF00u), RTP_OK);
	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMA, 0), RTP_OK);
	ck_assert_int_eq(rtp_tx_packet(&tx, frame, out, 100, &n), RTP_E_NO_SPACE);
	for (unsigned i = 0; i < 5; i++) {
		frame_make(i, frame);
		ck_assert_int_eq(rtp_tx_packet(&tx, frame, out, sizeof(out), &n), RTP_OK);
		ck_assert_uint_eq(n, RTP_HEADER_LEN + RTP_FRAME_BYTES);
		ck_assert_int_eq(rtp_parse(out, n, &h), RTP_OK);
		ck_assert_uint_eq(h.seq, (uint16_t)(65535 + i));
		ck_assert_uint_eq(h.ts, (uint32_t)(0xFFFFFF00u + 160u * i));
		ck_assert_uint_eq(h.ssrc, 0xCAFEF00D);
		ck_assert_uint_eq(h.pt, RTP_PT_PCMA);
		ck_assert(h.marker == (i == 0));
		ck_assert_int_eq(rtp_rx_put(&rx, out, n), RTP_OK);
		uint8_t got[RTP_FRAME_BYTES];
		bool lost;
		ck_assert(rtp_rx_pull(&rx, got, &lost));
		ck_assert(!lost);
		ck_assert_mem_eq(got, frame, RTP_FRAME_BYTES);
	}
	ck_assert_uint_eq(tx.sent, 5);
}
END_TEST


static const unsigned tx_ptimes[] = { 10, 20, 30, 60 };

/* Frames queued every tick leave as packets of ptime x 8 samples: ts by
 * samples, seq by one, marker on the first only, bytes in order. */
START_TEST(test_tx_ptime)
{
	unsigned ms = tx_ptimes[_i], size = ms * FGW_RTP_SAMPLES_PER_MS;
	struct rtp_tx tx;
	struct rtp_header h;
	uint8_t frame[RTP_FRAME_BYTES], out[FGW_MAX_DATAGRAM];
	unsigned packets = 0;
	uint32_t bytes = 0;
	size_t n;

	ck_assert_int_eq(rtp_tx_init(&tx, RTP_PT_PCMU, 0xABCD, 65534, 0xFFFFFE00u), RTP_OK);
	ck_assert_int_eq(rtp_tx_set_ptime(&tx, FGW_RTP_MIN_PTIME - 1), RTP_E_INVAL);
	ck_assert_int_eq(rtp_tx_set_ptime(&tx, FGW_RTP_MAX_PTIME + 1), RTP_E_INVAL);
	ck_assert_int_eq(rtp_tx_set_ptime(&tx, ms), RTP_OK);
	ck_assert_int_eq(rtp_tx_set_pt(&tx, 128), RTP_E_INVAL);
	ck_assert_int_eq(rtp_tx_set_pt(&tx, 97), RTP_OK);
	for (unsigned tick = 0; tick < 30; tick++) {
		unsigned this_tick = 0;
		for (unsigned k = 0; k < RTP_FRAME_BYTES; k++)
			frame[k] = ts_sample(tick * RTP_FRAME_BYTES + k);
		ck_assert_int_eq(rtp_tx_queue(&tx, frame), RTP_OK);
		for (;;) {
			ck_assert_int_eq(rtp_tx_next(&tx, out, sizeof(out), &n), RTP_OK);
			if (n == 0)
				break;
			ck_assert_uint_eq(n, RTP_HEADER_LEN + size);
			ck_assert_int_eq(rtp_parse(out, n, &h), RTP_OK);
			ck_assert_uint_eq(h.pt, 97);
			ck_assert_uint_eq(h.ssrc, 0xABCD);
			ck_assert_uint_eq(h.seq, (uint16_t)(65534u + packets));
			ck_assert_uint_eq(h.ts, 0xFFFFFE00u + bytes);
			ck_assert(h.marker == (packets == 0));
			for (unsigned k = 0; k < size; k++)
				ck_assert_uint_eq(h.payload[k], ts_sample(bytes + k));
			packets++;
			this_tick++;
			bytes += size;
		}
		/* 10 ms: two a tick; 20: one; 30: one every other; 60: one in three */
		ck_assert_uint_eq(packets, (tick + 1) * RTP_FRAME_BYTES / size);
		ck_assert_uint_le(this_tick, RTP_FRAME_BYTES / size + 1);
	}
	ck_assert_uint_eq(tx.sent, packets);
	ck_assert_uint_lt(tx.queued, size);
}
END_TEST

/* Misuse of the queue is refused, not a corrupt stream. */
START_TEST(test_tx_queue_limits)
{
	struct rtp_tx tx;
	uint8_t frame[RTP_FRAME_BYTES], out[FGW_MAX_DATAGRAM];
	size_t n;

	memset(frame, 0x55, sizeof(frame));
	ck_assert_int_eq(rtp_tx_init(&tx, RTP_PT_PCMA, 1, 0, 0), RTP_OK);
	ck_assert_int_eq(rtp_tx_set_ptime(&tx, 10), RTP_OK);
	ck_assert_int_eq(rtp_tx_queue(&tx, frame), RTP_OK);
	ck_assert_int_eq(rtp_tx_queue(&tx, frame), RTP_E_NO_SPACE);   /* not taken yet */
	ck_assert_int_eq(rtp_tx_packet(&tx, frame, out, sizeof(out), &n), RTP_E_INVAL);
	ck_assert_int_eq(rtp_tx_next(&tx, out, RTP_HEADER_LEN + 79, &n), RTP_E_NO_SPACE);
	ck_assert_uint_eq(tx.queued, RTP_FRAME_BYTES);
	ck_assert_int_eq(rtp_tx_next(&tx, out, sizeof(out), &n), RTP_OK);
	ck_assert_uint_eq(n, RTP_HEADER_LEN + 80);
	ck_assert_int_eq(rtp_tx_next(&tx, out, sizeof(out), &n), RTP_OK);
	ck_assert_uint_eq(n, RTP_HEADER_LEN + 80);
	ck_assert_int_eq(rtp_tx_next(&tx, out, sizeof(out), &n), RTP_OK);
	ck_assert_uint_eq(n, 0);
	/* 60 ms: a packet leaves at the third frame */
	ck_assert_int_eq(rtp_tx_set_ptime(&tx, 60), RTP_OK);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(rtp_tx_queue(&tx, frame), RTP_OK);
		ck_assert_int_eq(rtp_tx_next(&tx, out, sizeof(out), &n), RTP_OK);
		ck_assert_uint_eq(n, i == 2 ? RTP_HEADER_LEN + 480 : 0);
	}
}
END_TEST

/* Sender of each ptime to a receiver (dynamic payload type on both):
 * what was queued comes out frame by frame. */
START_TEST(test_tx_rx_any_ptime)
{
	static const unsigned ms[] = { 10, 20, 25, 30, 40, 50, 60 };
	struct rtp_tx tx;
	struct rtp_rx rx;
	uint8_t frame[RTP_FRAME_BYTES], got[RTP_FRAME_BYTES], out[FGW_MAX_DATAGRAM];
	unsigned played = 0;
	size_t n;
	bool lost;

	ck_assert_int_eq(rtp_tx_init(&tx, RTP_PT_PCMU, 77, 1, 4000000000u), RTP_OK);
	ck_assert_int_eq(rtp_tx_set_ptime(&tx, ms[_i]), RTP_OK);
	ck_assert_int_eq(rtp_tx_set_pt(&tx, 96), RTP_OK);
	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
	ck_assert_int_eq(rtp_rx_set_pt(&rx, 96), RTP_OK);
	for (unsigned tick = 0; tick < 100; tick++) {
		for (unsigned k = 0; k < RTP_FRAME_BYTES; k++)
			frame[k] = ts_sample(tick * RTP_FRAME_BYTES + k);
		ck_assert_int_eq(rtp_tx_queue(&tx, frame), RTP_OK);
		while (rtp_tx_next(&tx, out, sizeof(out), &n) == RTP_OK && n > 0)
			ck_assert_int_eq(rtp_rx_put(&rx, out, n), RTP_OK);
		if (!rtp_rx_pull(&rx, got, &lost))
			continue;
		ck_assert(!lost);
		for (unsigned k = 0; k < RTP_FRAME_BYTES; k++)
			ck_assert_uint_eq(got[k], ts_sample(played * RTP_FRAME_BYTES + k));
		played++;
	}
	ck_assert_uint_ge(played, 95);
	ck_assert_uint_eq(rx.stats.concealed + rx.stats.lost + rx.stats.late, 0);
}
END_TEST

/* ----- capture ---------------------------------------------------------------------- */

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

/* The UDP payload of an Ethernet / Linux cooked frame carrying IPv4. */
static bool frame_udp_payload(int dlt, const uint8_t *p, size_t len, const uint8_t **pl, size_t *pllen)
{
	size_t off = dlt == DLT_EN10MB ? 14 : dlt == DLT_LINUX_SLL ? 16 : 0;

	if (off == 0 || len < off + 20)
		return false;
	if ((uint16_t)(p[off - 2] << 8 | p[off - 1]) != 0x0800)
		return false;
	p += off;
	len -= off;
	size_t ihl = (size_t)(p[0] & 0x0F) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20 || p[9] != 17 || len < ihl + 8)
		return false;
	size_t ulen = (size_t)(p[ihl + 4] << 8 | p[ihl + 5]);
	if (ulen < 8 || ulen > len - ihl)
		return false;
	*pl = p + ihl + 8;
	*pllen = ulen - 8;
	return true;
}

START_TEST(test_pcap_g711u)
{
	char path[4096], err[PCAP_ERRBUF_SIZE];
	struct rtp_rx rx;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	const uint8_t *pl;
	size_t pllen, udp = 0;
	uint8_t out[RTP_FRAME_BYTES];
	bool lost;

	if (!testdata_path("asterisk-testsuite-CARRIER_G711U.pcap", path, sizeof(path))) {
		fprintf(stderr, "rtp: skipping G.711 capture test: %s not found (set FAXGW_TESTDATA)\n", path);
		return;
	}
	pcap_t *pc = pcap_open_offline(path, err);
	ck_assert_msg(pc != NULL, "%s", err);
	int dlt = pcap_datalink(pc);
	ck_assert_int_eq(rtp_rx_init(&rx, RTP_PT_PCMU, 2), RTP_OK);
	/* play-out clocked by the capture's own time, one pull per 20 ms */
	long long tick = -1;
	while (pcap_next_ex(pc, &hdr, &data) == 1) {
		long long now = (long long)hdr->ts.tv_sec * 1000 + hdr->ts.tv_usec / 1000;
		if (!frame_udp_payload(dlt, data, hdr->caplen, &pl, &pllen))
			continue;
		udp++;
		for (; tick >= 0 && tick <= now; tick += FGW_TICK_MS)
			rtp_rx_pull(&rx, out, &lost);
		ck_assert_int_eq(rtp_rx_put(&rx, pl, pllen), RTP_OK);
		if (tick < 0)
			tick = now + FGW_TICK_MS / 2;
	}
	pcap_close(pc);
	for (int k = 0; k < 4 * FGW_RTP_JITTER_SLOTS && rx.stats.played < rx.stats.received; k++)
		rtp_rx_pull(&rx, out, &lost);
	ck_assert_uint_eq(udp, 800);
	ck_assert_uint_eq(rx.stats.malformed, 0);
	ck_assert_uint_eq(rx.stats.received, 800);
	ck_assert_uint_eq(rx.stats.played, 800);
	/* the capture itself skips 4007-4018 and 4020-4021 */
	ck_assert_uint_eq(rx.stats.lost, 14);
	ck_assert_uint_eq(rx.stats.late + rx.stats.duplicate + rx.stats.overrun, 0);
}
END_TEST

Suite *rtp_suite(void)
{
	Suite *s = suite_create("rtp");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_basic);
	tcase_add_test(tc, test_parse_csrc_ext_padding);
	tcase_add_test(tc, test_parse_malformed);
	tcase_add_test(tc, test_parse_every_truncation);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_test(tc, test_rx_init);
	tcase_add_test(tc, test_rx_in_order_with_delay);
	tcase_add_test(tc, test_rx_reorder_loss_late_dup);
	tcase_add_test(tc, test_rx_reorder_before_playout);
	tcase_add_test(tc, test_rx_wrap);
	tcase_add_test(tc, test_rx_ssrc_change);
	tcase_add_test(tc, test_rx_ignored);
	tcase_add_test(tc, test_rx_overrun_and_resync);
	tcase_add_test(tc, test_rx_realign_after_pause);
	tcase_add_test(tc, test_tx_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("ptime");
	tcase_add_loop_test(tc, test_rx_ptime, 0, (int)(sizeof(rx_ptimes) / sizeof(rx_ptimes[0])));
	tcase_add_test(tc, test_rx_mixed_sizes);
	tcase_add_test(tc, test_rx_reorder_mixed_sizes);
	tcase_add_test(tc, test_rx_loss_30ms);
	tcase_add_test(tc, test_rx_ts_wrap);
	tcase_add_test(tc, test_rx_ssrc_change_ptime);
	tcase_add_test(tc, test_rx_sizes);
	tcase_add_test(tc, test_rx_overrun_60ms);
	tcase_add_test(tc, test_rx_dynamic_pt);
	tcase_add_loop_test(tc, test_tx_ptime, 0, (int)(sizeof(tx_ptimes) / sizeof(tx_ptimes[0])));
	tcase_add_test(tc, test_tx_queue_limits);
	tcase_add_loop_test(tc, test_tx_rx_any_ptime, 0, 7);
	suite_add_tcase(s, tc);

	tc = tcase_create("capture");
	tcase_add_test(tc, test_pcap_g711u);
	suite_add_tcase(s, tc);
	return s;
}
