/*
 * test_claim.c - which datagrams claim a static port (claim.h): T.38 IFP
 * classification per version, UDPTL and RTP claims (G.711 packets of any
 * whole ptime of 10..60 ms), junk refused, and the send cap until the peer
 * proves to be alive.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "caps.h"
#include "claim.h"
#include "rtp.h"

Suite *claim_suite(void);

#define KIND(v, ...) kind(v, (const uint8_t[]){ __VA_ARGS__ }, \
			  sizeof((const uint8_t[]){ __VA_ARGS__ }))

static enum claim_ifp kind(int version, const uint8_t *ifp, size_t len)
{
	return claim_ifp_kind(ifp, len, version);
}

static const struct claim_rules t38_rules = { .t38 = true, .t38_version = 0 };
static const struct claim_rules pcmu_rules = { .t38 = false, .rtp_pt = RTP_PT_PCMU };

/* The first datagrams of a faxpeer T.38 call: no-signal, then CNG with the
 * no-signal as redundancy. */
static const uint8_t udptl_nosignal[] = { 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };
static const uint8_t udptl_cng[] = { 0x00, 0x01, 0x01, 0x02, 0x00, 0x01, 0x01, 0x00 };
static const uint8_t junk5[] = { 0x80, 0x00, 'j', 'u', 'n' };

static size_t rtp_make(uint8_t *out, uint8_t version, uint8_t pt, uint16_t seq, size_t payload)
{
	memset(out, 0xFF, RTP_HEADER_LEN + payload);
	out[0] = (uint8_t)(version << 6);
	out[1] = pt;
	out[2] = (uint8_t)(seq >> 8);
	out[3] = (uint8_t)seq;
	memset(out + 4, 0, 8);
	return RTP_HEADER_LEN + payload;
}

START_TEST(test_ifp_indicators)
{
	for (int v = 0; v <= 3; v++) {
		ck_assert_int_eq(KIND(v, 0x00), CLAIM_IFP_IDLE);         /* no-signal */
		ck_assert_int_eq(KIND(v, 0x02), CLAIM_IFP_SIGNAL);       /* CNG */
		ck_assert_int_eq(KIND(v, 0x04), CLAIM_IFP_SIGNAL);       /* CED */
		ck_assert_int_eq(KIND(v, 0x06), CLAIM_IFP_SIGNAL);       /* V.21 preamble */
		ck_assert_int_eq(KIND(v, 0x1E), CLAIM_IFP_SIGNAL);       /* V.17 14400 long training */
		ck_assert_int_eq(KIND(v, 0x20, 0x00), CLAIM_IFP_SIGNAL); /* V.8 ANSam */
		ck_assert_int_eq(KIND(v, 0x21, 0x80), CLAIM_IFP_SIGNAL); /* V.33 14400 (22) */
		ck_assert_int_eq(KIND(v, 0x21, 0xC0), CLAIM_IFP_BAD);    /* 23: none */
		ck_assert_int_eq(KIND(v, 0x20), CLAIM_IFP_BAD);          /* extension cut */
		ck_assert_int_eq(KIND(v, 0x00, 0x00), CLAIM_IFP_BAD);    /* trailing octet */
		ck_assert_int_eq(KIND(v, 0x82), CLAIM_IFP_BAD);          /* data field on an indicator */
	}
	ck_assert_int_eq(claim_ifp_kind(NULL, 1, 0), CLAIM_IFP_BAD);
	ck_assert_int_eq(claim_ifp_kind((const uint8_t *)"", 0, 0), CLAIM_IFP_BAD);
}
END_TEST

START_TEST(test_ifp_data)
{
	/* V.21 HDLC data, one octet (0xFF): the same octets in every version */
	for (int v = 0; v <= 3; v++) {
		ck_assert_int_eq(KIND(v, 0xC0, 0x01, 0x80, 0x00, 0x00, 0xFF), CLAIM_IFP_DATA);
		ck_assert_int_eq(KIND(v, 0x40), CLAIM_IFP_IDLE);                  /* no field */
		ck_assert_int_eq(KIND(v, 0x40, 0x00), CLAIM_IFP_BAD);
		ck_assert_int_eq(KIND(v, 0xC0, 0x00), CLAIM_IFP_BAD);            /* 0 fields */
		ck_assert_int_eq(KIND(v, 0xC0), CLAIM_IFP_BAD);                  /* no count */
		ck_assert_int_eq(KIND(v, 0xC0, 0x01, 0x80, 0x00, 0x05, 0xFF), CLAIM_IFP_BAD); /* long */
		ck_assert_int_eq(KIND(v, 0xC0, 0x01, 0x80, 0x00), CLAIM_IFP_BAD);
		ck_assert_int_eq(KIND(v, 0xD2, 0x01, 0x80, 0x00, 0x00, 0xFF), CLAIM_IFP_BAD); /* type 9 */
		ck_assert_int_eq(KIND(v, 0xC0, 0xC1, 0x80), CLAIM_IFP_BAD);      /* fragment */
		ck_assert_int_eq(KIND(v, 0xE0, 0x00, 0x01, 0x80, 0x00, 0x00, 0x01),
				 CLAIM_IFP_DATA);                                  /* V.8 data */
		ck_assert_int_eq(KIND(v, 0xE1, 0x80, 0x01, 0x80, 0x00, 0x00, 0x01),
				 CLAIM_IFP_BAD);                                   /* data type 15 */
	}
	/* Version 0 packs a field without data into half an octet. */
	ck_assert_int_eq(KIND(0, 0xC0, 0x01, 0x40), CLAIM_IFP_DATA);            /* FCS-OK-sig-end */
	ck_assert_int_eq(KIND(0, 0xC0, 0x02, 0x42), CLAIM_IFP_DATA);            /* two in one octet */
	ck_assert_int_eq(KIND(0, 0xC0, 0x01, 0x40, 0x00), CLAIM_IFP_BAD);
	ck_assert_int_eq(KIND(0, 0xC0, 0x02, 0x48, 0x00, 0x00, 0x7E), CLAIM_IFP_DATA); /* half, data */
	/* ... later versions take a whole octet, and 0x40 is their extension bit. */
	ck_assert_int_eq(KIND(3, 0xC0, 0x01, 0x10), CLAIM_IFP_DATA);            /* FCS-OK */
	ck_assert_int_eq(KIND(3, 0xC0, 0x02, 0x42), CLAIM_IFP_BAD);
	ck_assert_int_eq(KIND(3, 0xC0, 0x01, 0x40, 0x00), CLAIM_IFP_DATA);      /* cm-message */
	ck_assert_int_eq(KIND(3, 0xC0, 0x01, 0x41, 0x00), CLAIM_IFP_BAD);       /* field type 12 */
}
END_TEST

START_TEST(test_claim_udptl)
{
	uint16_t seq = 99;
	uint8_t bad[sizeof(udptl_nosignal)];

	ck_assert_int_eq(claim_check(&t38_rules, junk5, sizeof(junk5), &seq), -1);
	ck_assert_uint_eq(seq, 99);
	ck_assert_int_eq(claim_check(&t38_rules, udptl_nosignal, 0, &seq), -1);
	ck_assert_int_eq(claim_check(&t38_rules, NULL, 6, &seq), -1);
	ck_assert_int_eq(claim_check(&t38_rules, udptl_nosignal, sizeof(udptl_nosignal), &seq), 0);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(claim_check(&t38_rules, udptl_cng, sizeof(udptl_cng), &seq), 0);
	ck_assert_uint_eq(seq, 1);
	/* well-formed UDPTL, but its IFP is no T.38 */
	memcpy(bad, udptl_nosignal, sizeof(bad));
	bad[3] = 0x82;
	ck_assert_int_eq(claim_check(&t38_rules, bad, sizeof(bad), &seq), -1);
	/* and an RTP packet is not UDPTL */
	uint8_t rtp[RTP_HEADER_LEN + RTP_FRAME_BYTES];
	size_t n = rtp_make(rtp, 2, RTP_PT_PCMU, 7, RTP_FRAME_BYTES);
	ck_assert_int_eq(claim_check(&t38_rules, rtp, n, &seq), -1);
}
END_TEST

START_TEST(test_claim_rtp)
{
	struct claim_rules pcma = { .t38 = false, .rtp_pt = RTP_PT_PCMA };
	uint8_t b[RTP_HEADER_LEN + 2 * RTP_FRAME_BYTES];
	uint16_t seq = 0;
	size_t n;

	n = rtp_make(b, 2, RTP_PT_PCMU, 4711, RTP_FRAME_BYTES);
	ck_assert_int_eq(claim_check(&pcmu_rules, b, n, &seq), 0);
	ck_assert_uint_eq(seq, 4711);
	ck_assert_int_eq(claim_check(&pcma, b, n, &seq), -1);               /* other law */
	n = rtp_make(b, 2, RTP_PT_PCMA, 1, RTP_FRAME_BYTES);
	ck_assert_int_eq(claim_check(&pcma, b, n, &seq), 0);
	n = rtp_make(b, 1, RTP_PT_PCMU, 1, RTP_FRAME_BYTES);
	ck_assert_int_eq(claim_check(&pcmu_rules, b, n, &seq), -1);         /* version 1 */
	n = rtp_make(b, 2, RTP_PT_CN, 1, 1);
	ck_assert_int_eq(claim_check(&pcmu_rules, b, n, &seq), -1);         /* comfort noise */
	n = rtp_make(b, 2, RTP_PT_PCMU, 1, 0);
	ck_assert_int_eq(claim_check(&pcmu_rules, b, n, &seq), -1);         /* header only */
	ck_assert_int_eq(claim_check(&pcmu_rules, junk5, sizeof(junk5), &seq), -1);
	ck_assert_int_eq(claim_check(&pcmu_rules, udptl_nosignal, sizeof(udptl_nosignal), &seq), -1);
}
END_TEST

/* Any ptime of 10..60 ms claims (a whole number of ms: steps of 8 bytes);
 * no other payload size does. */
START_TEST(test_claim_rtp_ptime)
{
	static const struct { size_t bytes; int rc; } cases[] = {
		{ 80, 0 }, { 88, 0 }, { 160, 0 }, { 240, 0 }, { 320, 0 }, { 472, 0 }, { 480, 0 },
		{ 1, -1 }, { 72, -1 }, { 79, -1 }, { 81, -1 }, { 100, -1 }, { 161, -1 },
		{ 236, -1 }, { 479, -1 }, { 481, -1 }, { 488, -1 }, { 960, -1 },
	};
	struct claim_rules pcma = { .t38 = false, .rtp_pt = RTP_PT_PCMA };
	uint8_t b[RTP_HEADER_LEN + 960];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t seq = 7;
		size_t n = rtp_make(b, 2, RTP_PT_PCMA, (uint16_t)(300 + i), cases[i].bytes);
		ck_assert_msg(claim_check(&pcma, b, n, &seq) == cases[i].rc,
			      "%zu-byte payload: claim %d, want %d", cases[i].bytes,
			      claim_check(&pcma, b, n, &seq), cases[i].rc);
		ck_assert_uint_eq(seq, cases[i].rc == 0 ? 300 + i : 7);
		ck_assert_uint_eq(rtp_g711_ptime(cases[i].bytes),
				  cases[i].rc == 0 ? cases[i].bytes / 8 : 0);
	}
	/* padding does not count: 240 bytes of audio and 8 of padding claim */
	size_t n = rtp_make(b, 2, RTP_PT_PCMA, 9, 248);
	b[0] |= 0x20;
	b[n - 1] = 8;
	uint16_t seq = 0;
	ck_assert_int_eq(claim_check(&pcma, b, n, &seq), 0);
	ck_assert_uint_eq(seq, 9);
	b[n - 1] = 4;                                                     /* 244 bytes */
	ck_assert_int_eq(claim_check(&pcma, b, n, &seq), -1);
}
END_TEST

/* Until a second well-formed datagram with another sequence number, at
 * most FGW_CLAIM_TX_CAP datagrams go out; repetitions and junk prove
 * nothing. */
START_TEST(test_watch_cap)
{
	struct claim_watch w;

	claim_watch_start(&w, &t38_rules, 0);
	for (int i = 0; i < FGW_CLAIM_TX_CAP; i++)
		ck_assert(claim_watch_tx(&w));
	ck_assert(!claim_watch_tx(&w));
	ck_assert(!claim_watch_tx(&w));
	ck_assert_uint_eq(w.capped, 2);
	claim_watch_rx(&w, udptl_nosignal, sizeof(udptl_nosignal));    /* a repetition */
	claim_watch_rx(&w, junk5, sizeof(junk5));
	ck_assert(!w.proven);
	ck_assert(!claim_watch_tx(&w));
	claim_watch_rx(&w, udptl_cng, sizeof(udptl_cng));
	ck_assert(w.proven);
	for (int i = 0; i < 10 * FGW_CLAIM_TX_CAP; i++)
		ck_assert(claim_watch_tx(&w));
	ck_assert_uint_eq(w.capped, 3);
}
END_TEST

START_TEST(test_watch_rtp)
{
	uint8_t b[RTP_HEADER_LEN + FGW_RTP_MAX_SAMPLES];
	struct claim_watch w;
	size_t n = rtp_make(b, 2, RTP_PT_PCMU, 10, RTP_FRAME_BYTES);

	claim_watch_start(&w, &pcmu_rules, 10);
	claim_watch_rx(&w, b, n);
	ck_assert(!w.proven);
	n = rtp_make(b, 2, RTP_PT_PCMA, 11, RTP_FRAME_BYTES);
	claim_watch_rx(&w, b, n);                                      /* wrong law */
	ck_assert(!w.proven);
	n = rtp_make(b, 2, RTP_PT_PCMU, 11, 100);
	claim_watch_rx(&w, b, n);                                      /* not whole ms */
	ck_assert(!w.proven);
	n = rtp_make(b, 2, RTP_PT_PCMU, 11, 240);
	claim_watch_rx(&w, b, n);                                      /* 30 ms proves */
	ck_assert(w.proven);
}
END_TEST

Suite *claim_suite(void)
{
	Suite *s = suite_create("claim");
	TCase *tc = tcase_create("claim");

	tcase_add_test(tc, test_ifp_indicators);
	tcase_add_test(tc, test_ifp_data);
	tcase_add_test(tc, test_claim_udptl);
	tcase_add_test(tc, test_claim_rtp);
	tcase_add_test(tc, test_claim_rtp_ptime);
	tcase_add_test(tc, test_watch_cap);
	tcase_add_test(tc, test_watch_rtp);
	suite_add_tcase(s, tc);
	return s;
}
