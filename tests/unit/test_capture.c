/*
 * test_capture.c - packet layers of faxpcap (capture.h) with synthetic
 * frames of every link type, VLAN tags, IPv6 extension headers, IPv4 and
 * IPv6 fragments, truncated and malformed frames, a pcap file round trip;
 * and the passive T.30 observer (t30scan.h): DCS fields, identities, frame
 * names and the verdicts of unfinished calls; and a whole T.38 call made in
 * process (two spandsp terminals over UDPTL, IPv6, announced by SIP/SDP with
 * T38FaxVersion 3) written to a pcap and rebuilt by pcapstream; the same
 * for G.711 calls of 20, 30, 60 and 10 ms packets (two fax_calls), and
 * which RTP packet sizes make an audio stream.
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include "caps.h"
#include "capture.h"
#include "fax_call.h"
#include "fax_session.h"
#include "pcapstream.h"
#include "rtp.h"
#include "t30scan.h"
#include "testdoc.h"
#include "udptl.h"

Suite *capture_suite(void);

/* ----- frame builders ----------------------------------------------------------- */

static const uint8_t PAYLOAD[] = "faxgw capture test payload";
#define PLEN (sizeof(PAYLOAD) - 1)

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t udp_make(uint8_t *p, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t n)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)(8 + n));
	put16(p + 6, 0);
	memcpy(p + 8, pl, n);
	return 8 + n;
}

/* IPv4 header + body; frag_off in bytes, mf = more fragments. */
static size_t ip4_make(uint8_t *p, uint8_t proto, const uint8_t *body, size_t n, uint16_t id,
		       size_t frag_off, int mf)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + n));
	put16(p + 4, id);
	put16(p + 6, (uint16_t)((mf ? 0x2000 : 0) | (frag_off / 8)));
	p[8] = 64;
	p[9] = proto;
	p[12] = 192; p[13] = 0; p[14] = 2; p[15] = 1;
	p[16] = 192; p[17] = 0; p[18] = 2; p[19] = 2;
	memcpy(p + 20, body, n);
	return 20 + n;
}

static size_t ip4_udp(uint8_t *p)
{
	uint8_t u[64];
	size_t n = udp_make(u, 4000, 5000, PAYLOAD, PLEN);
	return ip4_make(p, 17, u, n, 1, 0, 0);
}

/* IPv6 with a hop-by-hop and a destination options header before UDP. */
static size_t ip6_udp(uint8_t *p, bool ext)
{
	uint8_t u[64];
	size_t n = udp_make(u, 4000, 5000, PAYLOAD, PLEN), o = 40;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[6] = ext ? 0 : 17;
	p[7] = 64;
	p[8] = 0x20; p[9] = 0x01; p[10] = 0x0d; p[11] = 0xb8; p[23] = 1;
	p[24] = 0x20; p[25] = 0x01; p[26] = 0x0d; p[27] = 0xb8; p[39] = 2;
	if (ext) {
		memset(p + o, 0, 16);
		p[o] = 60;                 /* hop-by-hop -> destination options */
		p[o + 8] = 17;             /* destination options -> UDP */
		o += 16;
	}
	memcpy(p + o, u, n);
	put16(p + 4, (uint16_t)(o - 40 + n));
	return o + n;
}

static size_t eth_wrap(uint8_t *f, const uint8_t *ip, size_t n, uint16_t et, int vlans)
{
	size_t o = 12;

	memset(f, 0x11, 12);
	for (int i = 0; i < vlans; i++) {
		o += put16(f + o, i == 0 && vlans > 1 ? 0x88A8 : 0x8100);
		o += put16(f + o, (uint16_t)(100 + i));
	}
	o += put16(f + o, et);
	memcpy(f + o, ip, n);
	return o + n;
}

static void check_udp(const struct capture_udp *u, int family)
{
	ck_assert_int_eq(u->len, PLEN);
	ck_assert_mem_eq(u->payload, PAYLOAD, PLEN);
	ck_assert_int_eq(u->src.port, 4000);
	ck_assert_int_eq(u->dst.port, 5000);
	ck_assert_int_eq(u->src.family, family);
}

/* ----- link layers ----------------------------------------------------------------- */

START_TEST(test_ethernet_vlan)
{
	uint8_t ip[128], f[256];
	struct capture_udp u;
	size_t n = ip4_udp(ip);

	for (int vlans = 0; vlans <= 2; vlans++) {
		struct capture *c = capture_new(CAPTURE_LINK_ETHERNET);
		size_t fl = eth_wrap(f, ip, n, 0x0800, vlans);
		memset(f + fl, 0, 10);     /* Ethernet padding after the IP packet */
		ck_assert(capture_frame(c, f, fl + 10, fl + 10, 1, &u));
		check_udp(&u, 4);
		ck_assert_int_eq(u.src.addr[3], 1);
		ck_assert_int_eq(u.dst.addr[3], 2);
		capture_free(c);
	}
	/* too many stacked tags: refused, not walked */
	struct capture *c = capture_new(CAPTURE_LINK_ETHERNET);
	size_t fl = eth_wrap(f, ip, n, 0x0800, FGW_CAPTURE_MAX_VLAN + 1);
	ck_assert(!capture_frame(c, f, fl, fl, 1, &u));
	ck_assert_int_eq(capture_stats(c)->not_ip, 1);
	/* ARP */
	fl = eth_wrap(f, ip, n, 0x0806, 0);
	ck_assert(!capture_frame(c, f, fl, fl, 1, &u));
	ck_assert_int_eq(capture_stats(c)->not_ip, 2);
	capture_free(c);
}
END_TEST

START_TEST(test_cooked_null_raw)
{
	uint8_t ip[128], ip6[160], f[256];
	struct capture_udp u;
	size_t n = ip4_udp(ip), n6 = ip6_udp(ip6, false);
	struct capture *c;

	/* Linux cooked v1: protocol at offset 14 */
	c = capture_new(CAPTURE_LINK_SLL);
	memset(f, 0, 16);
	put16(f + 14, 0x0800);
	memcpy(f + 16, ip, n);
	ck_assert(capture_frame(c, f, 16 + n, 16 + n, 1, &u));
	check_udp(&u, 4);
	ck_assert(!capture_frame(c, f, 10, 10, 1, &u));
	ck_assert_int_eq(capture_stats(c)->truncated, 1);
	capture_free(c);
	/* Linux cooked v2: protocol first */
	c = capture_new(CAPTURE_LINK_SLL2);
	memset(f, 0, 20);
	put16(f, 0x86DD);
	memcpy(f + 20, ip6, n6);
	ck_assert(capture_frame(c, f, 20 + n6, 20 + n6, 1, &u));
	check_udp(&u, 6);
	ck_assert_int_eq(u.src.addr[15], 1);
	capture_free(c);
	/* NULL: family in little-endian host order; LOOP: big-endian */
	c = capture_new(CAPTURE_LINK_NULL);
	f[0] = 2; f[1] = f[2] = f[3] = 0;
	memcpy(f + 4, ip, n);
	ck_assert(capture_frame(c, f, 4 + n, 4 + n, 1, &u));
	check_udp(&u, 4);
	f[0] = 30;                     /* AF_INET6 on macOS */
	memcpy(f + 4, ip6, n6);
	ck_assert(capture_frame(c, f, 4 + n6, 4 + n6, 1, &u));
	check_udp(&u, 6);
	capture_free(c);
	c = capture_new(CAPTURE_LINK_LOOP);
	f[0] = f[1] = f[2] = 0; f[3] = 2;
	memcpy(f + 4, ip, n);
	ck_assert(capture_frame(c, f, 4 + n, 4 + n, 1, &u));
	capture_free(c);
	/* raw IP, both versions */
	c = capture_new(CAPTURE_LINK_RAW);
	ck_assert(capture_frame(c, ip, n, n, 1, &u));
	check_udp(&u, 4);
	ck_assert(capture_frame(c, ip6, n6, n6, 1, &u));
	check_udp(&u, 6);
	capture_free(c);
	ck_assert_ptr_null(capture_new(9999));
	ck_assert(capture_link_supported(CAPTURE_LINK_IPV6));
}
END_TEST

/* ----- IP and UDP -------------------------------------------------------------------- */

START_TEST(test_ipv6_extensions)
{
	uint8_t ip6[200];
	struct capture_udp u;
	struct capture *c = capture_new(CAPTURE_LINK_RAW);
	size_t n = ip6_udp(ip6, true);

	ck_assert(capture_frame(c, ip6, n, n, 1, &u));
	check_udp(&u, 6);
	/* an extension header claiming more than the payload */
	ip6[41] = 200;
	ck_assert(!capture_frame(c, ip6, n, n, 1, &u));
	ck_assert_int_eq(capture_stats(c)->malformed, 1);
	/* a chain longer than the cap: 9 destination options headers */
	uint8_t big[40 + 9 * 8 + 64];
	memcpy(big, ip6, 40);
	big[6] = 60;
	for (int i = 0; i < 9; i++) {
		memset(big + 40 + i * 8, 0, 8);
		big[40 + i * 8] = i == 8 ? 17 : 60;
	}
	size_t un = udp_make(big + 40 + 72, 4000, 5000, PAYLOAD, PLEN);
	put16(big + 4, (uint16_t)(72 + un));
	ck_assert(!capture_frame(c, big, 40 + 72 + un, 40 + 72 + un, 1, &u));
	ck_assert_int_eq(capture_stats(c)->not_udp, 1);
	capture_free(c);
}
END_TEST

START_TEST(test_truncated_and_malformed)
{
	uint8_t ip[128];
	struct capture_udp u;
	struct capture *c = capture_new(CAPTURE_LINK_RAW);
	size_t n = ip4_udp(ip);

	/* snapshot length cut inside the UDP payload */
	ck_assert(!capture_frame(c, ip, n - 5, n, 1, &u));
	/* cut inside the IP header */
	ck_assert(!capture_frame(c, ip, 12, n, 1, &u));
	ck_assert_int_eq(capture_stats(c)->truncated, 2);
	/* UDP length larger than the IP payload */
	uint8_t bad[128];
	memcpy(bad, ip, n);
	put16(bad + 24, 200);
	ck_assert(!capture_frame(c, bad, n, n, 1, &u));
	ck_assert_int_eq(capture_stats(c)->truncated, 3);
	/* UDP length below its header */
	put16(bad + 24, 4);
	ck_assert(!capture_frame(c, bad, n, n, 1, &u));
	/* IHL 4 */
	memcpy(bad, ip, n);
	bad[0] = 0x44;
	ck_assert(!capture_frame(c, bad, n, n, 1, &u));
	/* total length below the header */
	memcpy(bad, ip, n);
	put16(bad + 2, 10);
	ck_assert(!capture_frame(c, bad, n, n, 1, &u));
	ck_assert_int_eq(capture_stats(c)->malformed, 3);
	/* TCP */
	memcpy(bad, ip, n);
	bad[9] = 6;
	ck_assert(!capture_frame(c, bad, n, n, 1, &u));
	ck_assert_int_eq(capture_stats(c)->not_udp, 1);
	/* empty frame */
	ck_assert(!capture_frame(c, bad, 0, 0, 1, &u));
	ck_assert_int_eq(capture_stats(c)->udp, 0);
	capture_free(c);
}
END_TEST

/* A 1200-byte UDP datagram in three IPv4 fragments, out of order. */
START_TEST(test_ipv4_fragments)
{
	uint8_t big[1200], udp[1300], frag[3][700];
	size_t fl[3];
	struct capture_udp u;
	struct capture *c = capture_new(CAPTURE_LINK_RAW);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	size_t un = udp_make(udp, 4000, 5000, big, sizeof(big));   /* 1208 bytes */
	fl[0] = ip4_make(frag[0], 17, udp, 512, 77, 0, 1);
	fl[1] = ip4_make(frag[1], 17, udp + 512, 512, 77, 512, 1);
	fl[2] = ip4_make(frag[2], 17, udp + 1024, un - 1024, 77, 1024, 0);
	ck_assert(!capture_frame(c, frag[2], fl[2], fl[2], 10, &u));
	ck_assert(!capture_frame(c, frag[0], fl[0], fl[0], 11, &u));
	ck_assert(capture_frame(c, frag[1], fl[1], fl[1], 12, &u));
	ck_assert_int_eq(u.len, sizeof(big));
	ck_assert_mem_eq(u.payload, big, sizeof(big));
	ck_assert_int_eq(capture_stats(c)->reassembled, 1);
	ck_assert_int_eq(capture_stats(c)->fragments, 3);
	/* a fragment reaching past the reassembly cap is dropped */
	uint8_t far[600];
	size_t farl = ip4_make(far, 17, udp, 64, 78, FGW_CAPTURE_MAX_REASM - 8, 1);
	ck_assert(!capture_frame(c, far, farl, farl, 13, &u));
	ck_assert_int_eq(capture_stats(c)->frag_dropped, 1);
	/* a middle fragment whose length is not a multiple of 8 */
	farl = ip4_make(far, 17, udp, 61, 79, 0, 1);
	ck_assert(!capture_frame(c, far, farl, farl, 14, &u));
	ck_assert_int_eq(capture_stats(c)->frag_dropped, 2);
	/* an incomplete datagram never comes out, and many of them only
	 * recycle the bounded table */
	for (uint16_t id = 100; id < 100 + 3 * FGW_CAPTURE_FRAG_SLOTS; id++) {
		farl = ip4_make(far, 17, udp, 512, id, 0, 1);
		ck_assert(!capture_frame(c, far, farl, farl, 15, &u));
	}
	ck_assert_uint_ge(capture_stats(c)->frag_dropped, 2 * FGW_CAPTURE_FRAG_SLOTS);
	capture_free(c);
}
END_TEST

START_TEST(test_ipv6_fragments)
{
	uint8_t udp[400], f1[300], f2[300], pl[300];
	struct capture_udp u;
	struct capture *c = capture_new(CAPTURE_LINK_RAW);

	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)i;
	size_t un = udp_make(udp, 4000, 5000, pl, sizeof(pl));   /* 308 */
	uint8_t *fr[2] = { f1, f2 };
	size_t off[2] = { 0, 160 }, len[2] = { 160, un - 160 }, fl[2];
	for (int i = 0; i < 2; i++) {
		uint8_t *p = fr[i];
		memset(p, 0, 48);
		p[0] = 0x60;
		p[6] = 44;
		p[8] = 0x20; p[23] = 1; p[24] = 0x20; p[39] = 2;
		p[40] = 17;
		put16(p + 42, (uint16_t)(off[i] | (i == 0 ? 1 : 0)));
		p[47] = 9;                 /* identification */
		memcpy(p + 48, udp + off[i], len[i]);
		put16(p + 4, (uint16_t)(8 + len[i]));
		fl[i] = 48 + len[i];
	}
	ck_assert(!capture_frame(c, f2, fl[1], fl[1], 1, &u));
	ck_assert(capture_frame(c, f1, fl[0], fl[0], 2, &u));
	ck_assert_int_eq(u.len, sizeof(pl));
	ck_assert_mem_eq(u.payload, pl, sizeof(pl));
	ck_assert_int_eq(u.src.family, 6);
	capture_free(c);
}
END_TEST

/* ----- files ----------------------------------------------------------------------- */

static void write_pcap(const char *path, int dlt, const uint8_t *f, size_t n, int count)
{
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	ck_assert_ptr_nonnull(d);
	for (int i = 0; i < count; i++) {
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1000 + i, .tv_usec = 5 },
					 .caplen = (bpf_u_int32)n, .len = (bpf_u_int32)n };
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

START_TEST(test_file_roundtrip)
{
	char path[] = "/tmp/test_capture_XXXXXX";
	int fd = mkstemp(path);
	uint8_t ip[128], f[256];
	struct capture_udp u;
	char err[256];

	ck_assert_int_ge(fd, 0);
	close(fd);
	size_t n = ip4_udp(ip);
	memset(f, 0, 16);
	put16(f + 14, 0x0800);
	memcpy(f + 16, ip, n);
	write_pcap(path, DLT_LINUX_SLL, f, 16 + n, 3);
	struct capture *c = capture_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	int got = 0;
	enum capture_err e;
	while ((e = capture_next(c, &u, err, sizeof(err))) == CAPTURE_OK) {
		check_udp(&u, 4);
		ck_assert_uint_eq(u.ts_us, (1000u + (unsigned)got) * 1000000u + 5u);
		ck_assert_uint_eq(u.frame, (unsigned)got + 1);
		got++;
	}
	ck_assert_int_eq(e, CAPTURE_END);
	ck_assert_int_eq(got, 3);
	capture_free(c);
	/* cut the file in the middle of the last record: damaged, not fatal */
	FILE *fp = fopen(path, "r+");
	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	fclose(fp);
	ck_assert_int_eq(truncate(path, size - 10), 0);
	c = capture_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	got = 0;
	while ((e = capture_next(c, &u, err, sizeof(err))) == CAPTURE_OK)
		got++;
	ck_assert_int_eq(got, 2);
	ck_assert_int_eq(e, CAPTURE_E_READ);
	capture_free(c);
	/* not a capture at all */
	fp = fopen(path, "w");
	fputs("this is not a capture file, just text\n", fp);
	fclose(fp);
	ck_assert_ptr_null(capture_open(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, path));
	unlink(path);
	ck_assert_ptr_null(capture_open("/nonexistent/x.pcap", err, sizeof(err)));
	/* unsupported link type */
	write_pcap(path, DLT_IEEE802_11, f, 16 + n, 1);
	ck_assert_ptr_null(capture_open(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not supported"));
	unlink(path);
}
END_TEST

/* A capture with no fax: pcapstream finds nothing and reports cleanly. */
START_TEST(test_pcapstream_nofax)
{
	char path[] = "/tmp/test_capture_XXXXXX";
	int fd = mkstemp(path);
	uint8_t ip[128];
	char err[256];
	struct pcapstream_report *rep = NULL;

	ck_assert_int_ge(fd, 0);
	close(fd);
	size_t n = ip4_udp(ip);
	write_pcap(path, DLT_RAW, ip, n, 20);
	ck_assert_int_eq(pcapstream_run(path, NULL, &rep, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->stats.udp, 20);
	ck_assert_int_eq(rep->n_calls, 0);
	pcapstream_report_free(rep);
	unlink(path);
	ck_assert_int_eq(pcapstream_run(path, NULL, &rep, err, sizeof(err)), -1);
	ck_assert_ptr_null(rep);
}
END_TEST

/* ----- t30scan ------------------------------------------------------------------------ */

/* Builds FF 13 FCF + fif into f; returns the length. */
static size_t frame(uint8_t *f, uint8_t fcf, const uint8_t *fif, size_t n)
{
	f[0] = 0xFF;
	f[1] = 0x13;
	f[2] = fcf;
	if (n)
		memcpy(f + 3, fif, n);
	return 3 + n;
}

START_TEST(test_dcs_decode)
{
	struct t30scan_dcs d;
	/* bits 10 (receive), 11-14 = 0,0,0,1 (V.17 14400), 15 fine, 16 2-D,
	 * 24 extend, 27 ECM, 31 T.6, 32 extend, 40 extend, 41 superfine */
	uint8_t fif[5] = { 0x00, 0x02 | 0x20 | 0x40 | 0x80, 0x80, 0x04 | 0x40 | 0x80, 0x80 };
	uint8_t fif6[6];

	memcpy(fif6, fif, 5);
	fif6[5] = 0x01;
	ck_assert(t30scan_decode_dcs(fif6, 6, true, &d));
	ck_assert_int_eq(d.bit_rate, 14400);
	ck_assert_int_eq(d.modem, 17);
	ck_assert(d.fine);
	ck_assert(d.superfine);
	ck_assert(d.ecm);
	ck_assert_int_eq(d.encoding, T4_COMPRESSION_ITU_T6);
	ck_assert_int_eq(d.y_res, T4_Y_RESOLUTION_SUPERFINE);
	ck_assert_int_eq(d.width, 1728);
	/* V.29 7200 (bits 11, 12), standard, 1-D, no ECM, B4 (bit 17) */
	uint8_t v29[3] = { 0x00, 0x04 | 0x08, 0x01 };
	ck_assert(t30scan_decode_dcs(v29, 3, true, &d));
	ck_assert_int_eq(d.bit_rate, 7200);
	ck_assert_int_eq(d.modem, 29);
	ck_assert(!d.ecm);
	ck_assert_int_eq(d.encoding, T4_COMPRESSION_ITU_T4_1D);
	ck_assert_int_eq(d.y_res, T4_Y_RESOLUTION_STANDARD);
	ck_assert_int_eq(d.width, 2048);
	/* V.27ter 4800 (bit 12) */
	uint8_t v27[3] = { 0x00, 0x08, 0x00 };
	ck_assert(t30scan_decode_dcs(v27, 3, true, &d));
	ck_assert_int_eq(d.bit_rate, 4800);
	ck_assert_int_eq(d.modem, 27);
	ck_assert(!t30scan_decode_dcs(v27, 2, true, &d));
	ck_assert_str_eq(t30scan_fcf_name(0x80), "DIS");
	ck_assert_str_eq(t30scan_fcf_name(0x83), "DCS");
	ck_assert_str_eq(t30scan_fcf_name(0x8C), "MCF");
	ck_assert_str_eq(t30scan_fcf_name(0xFB), "DCN");
	ck_assert_str_eq(t30scan_fcf_name(0x06), "FCD");
	ck_assert_str_eq(t30scan_fcf_name(0xFE), "???");
}
END_TEST

START_TEST(test_scan_verdicts)
{
	uint8_t f[64], dis[3] = { 0x00, 0x2C | 0x80 | 0x40, 0x00 }, dcs[3] = { 0x00, 0x20, 0x00 };
	uint8_t csi[20];
	size_t n;

	memset(csi, ' ', sizeof(csi));
	memcpy(csi + 12, "4321 44+", 8);       /* "+44 1234" sent backwards */
	/* DIS twice, no answer */
	struct t30scan *s = t30scan_new(NULL);
	n = frame(f, 0x40, csi, sizeof(csi));
	t30scan_hdlc(s, 0, f, n, true, 1000);
	n = frame(f, 0x80, dis, sizeof(dis));
	t30scan_hdlc(s, 0, f, n, true, 2000);
	t30scan_hdlc(s, 0, f, n, true, 3000);
	t30scan_hdlc(s, 0, f, n, false, 4000);
	t30scan_finish(s);
	const struct t30scan_result *r = t30scan_result(s);
	ck_assert_int_eq(r->outcome, T30SCAN_PARTIAL);
	ck_assert_int_eq(r->n_frames, 4);
	ck_assert_int_eq(r->bad_crc, 1);
	ck_assert_str_eq(r->ident[0], "+44 1234");
	ck_assert_str_eq(r->frames[0].info, "\"+44 1234\"");
	ck_assert_ptr_nonnull(strstr(r->reason, "no DIS answer"));
	ck_assert_ptr_nonnull(strstr(r->reason, "one direction"));
	t30scan_free(s);
	/* DCS, FTT, DCS, FTT, DCN: training failed */
	s = t30scan_new(NULL);
	n = frame(f, 0x80, dis, sizeof(dis));
	t30scan_hdlc(s, 0, f, n, true, 1000);
	for (int i = 0; i < 2; i++) {
		n = frame(f, 0x83, dcs, sizeof(dcs));
		t30scan_hdlc(s, 1, f, n, true, 2000);
		n = frame(f, 0x44, NULL, 0);
		t30scan_hdlc(s, 0, f, n, true, 3000);
	}
	n = frame(f, 0xFB, NULL, 0);
	t30scan_hdlc(s, 1, f, n, true, 4000);
	t30scan_finish(s);
	r = t30scan_result(s);
	ck_assert_int_eq(r->outcome, T30SCAN_PARTIAL);
	ck_assert_int_eq(r->sender_dir, 1);
	ck_assert_ptr_nonnull(strstr(r->reason, "training failed at 14400, 14400"));
	t30scan_free(s);
	/* non-ECM page, MPS/MCF, then the sender hangs up */
	s = t30scan_new(NULL);
	n = frame(f, 0x80, dis, sizeof(dis));
	t30scan_hdlc(s, 0, f, n, true, 1000);
	n = frame(f, 0x83, dcs, sizeof(dcs));
	t30scan_hdlc(s, 1, f, n, true, 2000);
	t30scan_image_begin(s, 1, 2100);         /* TCF */
	t30scan_image_bytes(s, 1, (const uint8_t *)"\0\0\0\0", 4);
	t30scan_image_end(s, 1, 2200);
	n = frame(f, 0x84, NULL, 0);
	t30scan_hdlc(s, 0, f, n, true, 3000);
	t30scan_image_begin(s, 1, 3100);         /* page 1 */
	t30scan_image_bytes(s, 1, (const uint8_t *)"\x00\x80\x00\x80", 4);
	t30scan_image_end(s, 1, 3200);
	n = frame(f, 0x4F, NULL, 0);             /* MPS */
	t30scan_hdlc(s, 1, f, n, true, 3300);
	n = frame(f, 0x8C, NULL, 0);             /* MCF */
	t30scan_hdlc(s, 0, f, n, true, 3400);
	n = frame(f, 0xFB, NULL, 0);             /* DCN from the sender */
	t30scan_hdlc(s, 1, f, n, true, 3500);
	t30scan_finish(s);
	r = t30scan_result(s);
	ck_assert_int_eq(r->pages_confirmed, 1);
	ck_assert_int_eq(r->pages_decoded, 1);
	ck_assert_int_eq(r->outcome, T30SCAN_PARTIAL);
	ck_assert_ptr_nonnull(strstr(r->reason, "the sender hung up (DCN) after page 1"));
	t30scan_free(s);
	/* a DIS heard again on the other direction 300 ms later is line echo */
	s = t30scan_new(NULL);
	n = frame(f, 0x80, dis, sizeof(dis));
	t30scan_hdlc(s, 0, f, n, true, 1000000);
	t30scan_hdlc(s, 1, f, n, true, 1300000);
	t30scan_finish(s);
	r = t30scan_result(s);
	ck_assert_int_eq(r->echoes, 1);
	ck_assert_int_eq(r->n_frames, 1);
	ck_assert_int_eq(r->dis_count, 1);
	t30scan_free(s);
	/* nothing at all; garbage frames are counted, not logged */
	s = t30scan_new(NULL);
	t30scan_hdlc(s, 0, (const uint8_t *)"\x01\x02", 2, true, 1);
	t30scan_hdlc(s, 5, f, n, true, 1);
	t30scan_finish(s);
	ck_assert_int_eq(t30scan_result(s)->outcome, T30SCAN_NO_FAX);
	t30scan_free(s);
	t30scan_free(NULL);
}
END_TEST

/* ECM (T.30 Annex A): a block with a frame lost, PPR, the frame sent again,
 * then a second block ending the page with EOP. */
START_TEST(test_scan_ecm_ppr)
{
	uint8_t f[64], dis[4] = { 0x00, 0x2C, 0x80, 0x04 }, dcs[4] = { 0x00, 0x20, 0x80, 0x04 };
	struct t30scan *s = t30scan_new(NULL);
	size_t n;

	n = frame(f, 0x80, dis, sizeof(dis));
	t30scan_hdlc(s, 0, f, n, true, 1);
	n = frame(f, 0x83, dcs, sizeof(dcs));
	t30scan_hdlc(s, 1, f, n, true, 2);
	n = frame(f, 0x84, NULL, 0);
	t30scan_hdlc(s, 0, f, n, true, 3);
	for (uint8_t i = 0; i < 4; i++) {
		uint8_t fcd[5] = { i, 1, 2, 3, 4 };
		n = frame(f, 0x06, fcd, sizeof(fcd));
		f[1] = 0x03;
		if (i != 2)
			t30scan_hdlc(s, 1, f, n, true, 4);
	}
	uint8_t pps[4] = { 0x00, 0, 0, 3 };
	n = frame(f, 0xBF, pps, sizeof(pps));
	t30scan_hdlc(s, 1, f, n, true, 5);
	n = frame(f, 0xBC, (const uint8_t *)"\xFF\xFF", 2);   /* PPR */
	t30scan_hdlc(s, 0, f, n, true, 6);
	uint8_t again[5] = { 2, 1, 2, 3, 4 };
	n = frame(f, 0x06, again, sizeof(again));
	t30scan_hdlc(s, 1, f, n, true, 7);
	n = frame(f, 0xBF, pps, sizeof(pps));
	t30scan_hdlc(s, 1, f, n, true, 8);
	n = frame(f, 0x8C, NULL, 0);                         /* MCF */
	t30scan_hdlc(s, 0, f, n, true, 9);
	const struct t30scan_result *r = t30scan_result(s);
	ck_assert_int_eq(r->pages_confirmed, 0);             /* PPS-NULL: page goes on */
	for (uint8_t i = 0; i < 2; i++) {
		uint8_t fcd[5] = { i, 5, 6, 7, 8 };
		n = frame(f, 0x06, fcd, sizeof(fcd));
		t30scan_hdlc(s, 1, f, n, true, 10);
	}
	uint8_t eop[4] = { 0x2F, 0, 1, 1 };
	n = frame(f, 0xBF, eop, sizeof(eop));
	t30scan_hdlc(s, 1, f, n, true, 11);
	n = frame(f, 0x8C, NULL, 0);
	t30scan_hdlc(s, 0, f, n, true, 12);
	n = frame(f, 0xFB, NULL, 0);
	t30scan_hdlc(s, 1, f, n, true, 13);
	t30scan_finish(s);
	ck_assert_int_eq(r->fcd_frames, 6);
	ck_assert_int_eq(r->ppr_count, 1);
	ck_assert_int_eq(r->ecm_missing_frames, 0);
	ck_assert_int_eq(r->pages_confirmed, 1);
	ck_assert_int_eq(r->pages_decoded, 1);
	ck_assert(r->eop_confirmed);
	ck_assert_int_eq(r->outcome, T30SCAN_COMPLETE);
	ck_assert_str_eq(r->frames[r->n_frames - 3].name, "PPS");
	ck_assert_ptr_nonnull(strstr(r->frames[r->n_frames - 3].info, "EOP, page 0, block 1, 2 frames"));
	t30scan_free(s);

	/* non-ECM page rejected with RTN, then disconnect */
	uint8_t dcs2[3] = { 0x00, 0x20, 0x00 };
	s = t30scan_new(NULL);
	n = frame(f, 0x80, dis, 3);
	t30scan_hdlc(s, 0, f, n, true, 1);
	n = frame(f, 0x83, dcs2, sizeof(dcs2));
	t30scan_hdlc(s, 1, f, n, true, 2);
	n = frame(f, 0x84, NULL, 0);
	t30scan_hdlc(s, 0, f, n, true, 3);
	t30scan_image_begin(s, 1, 4);
	t30scan_image_bytes(s, 1, (const uint8_t *)"\x00\x80", 2);
	t30scan_image_end(s, 1, 5);
	n = frame(f, 0x2F, NULL, 0);                         /* EOP */
	t30scan_hdlc(s, 1, f, n, true, 6);
	n = frame(f, 0x4C, NULL, 0);                         /* RTN */
	t30scan_hdlc(s, 0, f, n, true, 7);
	n = frame(f, 0xFB, NULL, 0);
	t30scan_hdlc(s, 1, f, n, true, 8);
	t30scan_finish(s);
	r = t30scan_result(s);
	ck_assert_int_eq(r->pages_rejected, 1);
	ck_assert_int_eq(r->pages_decoded, 0);
	ck_assert_int_eq(r->outcome, T30SCAN_PARTIAL);
	ck_assert_ptr_nonnull(strstr(r->reason, "RTN"));
	t30scan_free(s);
}
END_TEST

/* ----- a whole T.38 call in process ------------------------------------------------ */

#define B2B_QUEUE 64

struct b2b_side {
	struct udptl_tx tx;
	struct udptl_rx rx;
	uint8_t tx_ring[FGW_UDPTL_RING], rx_ring[FGW_UDPTL_RING];
	struct fax_session *s;
	int port;
	int n;
	uint16_t len[B2B_QUEUE];
	uint8_t buf[B2B_QUEUE][FGW_MAX_DATAGRAM];
};

struct b2b {
	pcap_dumper_t *dump;
	long tick;
	struct b2b_side side[2];   /* 0 sends, 1 receives */
};

static struct b2b *b2b_cur;

/* IPv6 (RFC 8200) + UDP around a payload, written as a raw-IP record. */
static void b2b_write(struct b2b *b, int from, const uint8_t *pl, size_t n, int sport, int dport)
{
	uint8_t f[40 + 8 + 2048];
	struct pcap_pkthdr h;

	ck_assert_uint_le(n, 2048);
	memset(f, 0, 48);
	f[0] = 0x60;
	put16(f + 4, (uint16_t)(8 + n));
	f[6] = 17;
	f[7] = 64;
	f[8] = 0xfd; f[23] = (uint8_t)(1 + from);
	f[24] = 0xfd; f[39] = (uint8_t)(2 - from);
	udp_make(f + 40, (uint16_t)sport, (uint16_t)dport, pl, n);
	h.ts.tv_sec = 1700000000 + b->tick / 50;
	h.ts.tv_usec = (b->tick % 50) * 20000;
	h.caplen = h.len = (bpf_u_int32)(48 + n);
	pcap_dump((u_char *)b->dump, &h, f);
}

static void b2b_tx(void *arg, const uint8_t *ifp, size_t len, int count)
{
	struct b2b_side *me = arg;
	struct b2b *b = b2b_cur;
	int from = me == &b->side[0] ? 0 : 1;
	struct b2b_side *peer = &b->side[!from];
	uint8_t d[FGW_MAX_DATAGRAM];
	size_t dl;

	ck_assert_int_eq(udptl_tx_packet(&me->tx, ifp, len, d, sizeof(d), &dl), UDPTL_OK);
	for (int i = 0; i < count; i++)
		b2b_write(b, from, d, dl, me->port, peer->port);
	if (me->n < B2B_QUEUE) {
		memcpy(me->buf[me->n], d, dl);
		me->len[me->n++] = (uint16_t)dl;
	}
}

static void b2b_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	fax_session_rx_ifp(arg, ifp, len, seq);
}

static void b2b_sip(struct b2b *b)
{
	static const char sdp[] =
		"SIP/2.0 200 OK\r\nContent-Type: application/sdp\r\n\r\n"
		"v=0\r\no=- 1 2 IN IP6 fd00::2\r\ns=-\r\nc=IN IP6 fd00::2\r\nt=0 0\r\n"
		"m=image 5002 udptl t38\r\na=T38FaxVersion:3\r\n"
		"a=T38FaxUdpEC:t38UDPRedundancy\r\n";
	b2b_write(b, 1, (const uint8_t *)sdp, strlen(sdp), 5060, 5060);
}

START_TEST(test_t38_call_roundtrip)
{
	char dir[] = "/tmp/test_capture_XXXXXX", sent[64], cap[64], err[256], why[256];
	struct b2b *b = calloc(1, sizeof(*b));
	struct pcapstream_report *rep = NULL;

	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sent, sizeof(sent), "%s/sent.tif", dir);
	snprintf(cap, sizeof(cap), "%s/call.pcap", dir);
	ck_assert_int_eq(testdoc_make(sent, 2, TESTDOC_FINE, 5), 0);
	pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
	b->dump = pcap_dump_open(dead, cap);
	ck_assert_ptr_nonnull(b->dump);
	b2b_cur = b;
	b2b_sip(b);
	for (int k = 0; k < 2; k++) {
		struct b2b_side *sd = &b->side[k];
		struct fax_session_params p;
		memset(&p, 0, sizeof(p));
		p.mode = FAX_SESSION_T38;
		p.dir = k == 0 ? FAX_SESSION_SEND : FAX_SESSION_RECEIVE;
		p.calling_party = k == 0;
		snprintf(why, sizeof(why), "%s/recv.tif", dir);
		p.file = k == 0 ? sent : why;
		p.local_ident = k == 0 ? "+1 555 0001" : "+1 555 0100";
		p.ecm = false;
		p.t38_version = 3;
		p.tx_ifp = b2b_tx;
		p.arg = sd;
		sd->port = k == 0 ? 5000 : 5002;
		ck_assert_int_eq(udptl_tx_init(&sd->tx, UDPTL_EC_REDUNDANCY, 2, 0, FGW_MAX_DATAGRAM,
					       sd->tx_ring, sizeof(sd->tx_ring)), UDPTL_OK);
		sd->s = fax_session_new(&p, err, sizeof(err));
		ck_assert_msg(sd->s != NULL, "%s", err);
		udptl_rx_init(&sd->rx, b2b_ifp, sd->s, sd->rx_ring, sizeof(sd->rx_ring));
	}
	for (b->tick = 0; b->tick < 50 * 240; b->tick++) {
		for (int k = 0; k < 2; k++) {
			struct b2b_side *from = &b->side[!k];
			int n = from->n;
			from->n = 0;
			for (int i = 0; i < n; i++)
				udptl_rx_datagram(&b->side[k].rx, from->buf[i], from->len[i]);
		}
		bool d0 = fax_session_tick(b->side[0].s), d1 = fax_session_tick(b->side[1].s);
		if (d0 && d1)
			break;
	}
	struct fax_session_result fr;
	fax_session_result(b->side[0].s, &fr);
	ck_assert_msg(fr.success, "the in-process call failed: %s", fr.t30_text);
	for (int k = 0; k < 2; k++)
		fax_session_free(b->side[k].s);
	pcap_dump_close(b->dump);
	pcap_close(dead);

	struct pcapstream_opts o = { .out_dir = dir, .name = "got" };
	ck_assert_int_eq(pcapstream_run(cap, &o, &rep, err, sizeof(err)), 0);
	ck_assert_int_eq(rep->n_calls, 1);
	const struct pcapstream_call *c = &rep->calls[0];
	ck_assert_int_eq(c->kind, PCAPSTREAM_T38);
	ck_assert(c->from_sdp);
	ck_assert_int_eq(c->t38_version, 3);
	ck_assert_int_eq(c->ep[0].family, 6);
	ck_assert_int_eq(c->res->outcome, T30SCAN_COMPLETE);
	ck_assert_int_eq(c->res->pages_confirmed, 2);
	ck_assert_int_eq(c->res->pages_decoded, 2);
	ck_assert(!c->res->dcs.ecm);
	ck_assert(c->res->dcs.fine);
	ck_assert_str_eq(c->res->ident[0], "+1 555 0001");
	ck_assert_str_eq(c->res->ident[1], "+1 555 0100");
	ck_assert_msg(testdoc_compare(sent, c->tiff, why, sizeof(why)) == 0, "%s", why);
	pcapstream_report_free(rep);
	free(b);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The same with G.711 A-law over RTP (IPv4 in Ethernet with a VLAN tag):
 * the passive modem bank must rebuild a non-ECM V.17 page. */
static void b2b_write_rtp(pcap_dumper_t *d, long tick, int from, const uint8_t *pl, size_t n)
{
	uint8_t udp[8 + RTP_HEADER_LEN + FGW_RTP_MAX_SAMPLES], ip[20 + sizeof(udp)];
	uint8_t f[18 + sizeof(ip)];
	struct pcap_pkthdr h;

	ck_assert_uint_le(n, RTP_HEADER_LEN + FGW_RTP_MAX_SAMPLES);
	size_t un = udp_make(udp, (uint16_t)(6000 + 2 * from), (uint16_t)(6002 - 2 * from), pl, n);
	size_t in = ip4_make(ip, 17, udp, un, (uint16_t)tick, 0, 0);
	ip[15] = (uint8_t)(1 + from);              /* 192.0.2.1 <-> 192.0.2.2 */
	ip[19] = (uint8_t)(2 - from);
	size_t fl = eth_wrap(f, ip, in, 0x0800, 1);
	h.ts.tv_sec = 1700000000 + tick / 50;
	h.ts.tv_usec = (tick % 50) * 20000;
	h.caplen = h.len = (bpf_u_int32)fl;
	pcap_dump((u_char *)d, &h, f);
}

START_TEST(test_g711_call_roundtrip)
{
	char dir[] = "/tmp/test_capture_XXXXXX", sent[64], recv[64], cap[64], err[256], why[256];
	struct fax_session *fs[2];
	struct rtp_tx rtx[2];
	struct pcapstream_report *rep = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sent, sizeof(sent), "%s/sent.tif", dir);
	snprintf(recv, sizeof(recv), "%s/recv.tif", dir);
	snprintf(cap, sizeof(cap), "%s/call.pcap", dir);
	ck_assert_int_eq(testdoc_make(sent, 1, TESTDOC_STANDARD, 9), 0);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, cap);
	ck_assert_ptr_nonnull(d);
	for (int k = 0; k < 2; k++) {
		struct fax_session_params p;
		memset(&p, 0, sizeof(p));
		p.mode = FAX_SESSION_AUDIO;
		p.dir = k == 0 ? FAX_SESSION_SEND : FAX_SESSION_RECEIVE;
		p.calling_party = k == 0;
		p.file = k == 0 ? sent : recv;
		p.ecm = false;
		p.use_alaw = true;
		fs[k] = fax_session_new(&p, err, sizeof(err));
		ck_assert_msg(fs[k] != NULL, "%s", err);
		ck_assert_int_eq(rtp_tx_init(&rtx[k], RTP_PT_PCMA, 0x1000u + (unsigned)k, 100, 0), RTP_OK);
	}
	long tick;
	for (tick = 0; tick < 50 * 240; tick++) {
		uint8_t g[2][RTP_FRAME_BYTES], pkt[RTP_HEADER_LEN + RTP_FRAME_BYTES];
		size_t pl;
		for (int k = 0; k < 2; k++) {
			fax_session_tx_g711(fs[k], g[k], RTP_FRAME_BYTES);
			ck_assert_int_eq(rtp_tx_packet(&rtx[k], g[k], pkt, sizeof(pkt), &pl), RTP_OK);
			b2b_write_rtp(d, tick, k, pkt, pl);
		}
		for (int k = 0; k < 2; k++)
			fax_session_rx_g711(fs[k], g[!k], RTP_FRAME_BYTES);
		bool d0 = fax_session_tick(fs[0]), d1 = fax_session_tick(fs[1]);
		if (d0 && d1)
			break;
	}
	struct fax_session_result fr;
	fax_session_result(fs[0], &fr);
	ck_assert_msg(fr.success, "the in-process call failed: %s", fr.t30_text);
	for (int k = 0; k < 2; k++)
		fax_session_free(fs[k]);
	pcap_dump_close(d);
	pcap_close(dead);

	struct pcapstream_opts o = { .out_dir = dir, .name = "got" };
	ck_assert_int_eq(pcapstream_run(cap, &o, &rep, err, sizeof(err)), 0);
	ck_assert_int_eq(rep->n_calls, 1);
	const struct pcapstream_call *c = &rep->calls[0];
	ck_assert_int_eq(c->kind, PCAPSTREAM_AUDIO);
	ck_assert_int_eq(c->codec, RTP_PT_PCMA);
	ck_assert_int_eq(c->res->outcome, T30SCAN_COMPLETE);
	ck_assert_int_eq(c->res->pages_decoded, 1);
	ck_assert_int_eq(c->res->dcs.bit_rate, 14400);
	ck_assert(!c->res->dcs.ecm);
	ck_assert_uint_eq(c->res->tones[0], T30SCAN_TONE_CNG);
	ck_assert_msg(testdoc_compare(sent, c->tiff, why, sizeof(why)) == 0, "%s", why);
	pcapstream_report_free(rep);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ----- G.711 of other packet times ------------------------------------------------ */

/* Two fax_calls, each sending RTP packets of its own ptime; every datagram
 * is written to the capture when sent and handed to the peer after both
 * calls ticked. */
#define PT_QUEUE 4                 /* datagrams one call sends in a tick: 2 at 10 ms */

struct pt_side {
	pcap_dumper_t *dump;
	const long *tick;
	int from;
	int n;
	uint16_t len[PT_QUEUE];
	uint8_t buf[PT_QUEUE][RTP_HEADER_LEN + FGW_RTP_MAX_SAMPLES];
	unsigned sizes;            /* bit k: a payload of (k + 1) * 80 bytes was sent */
};

static void pt_send(void *arg, const uint8_t *buf, size_t len)
{
	struct pt_side *sd = arg;

	ck_assert_int_lt(sd->n, PT_QUEUE);
	ck_assert_uint_le(len, sizeof(sd->buf[0]));
	b2b_write_rtp(sd->dump, *sd->tick, sd->from, buf, len);
	memcpy(sd->buf[sd->n], buf, len);
	sd->len[sd->n++] = (uint16_t)len;
	if ((len - RTP_HEADER_LEN) % 80 == 0)
		sd->sizes |= 1u << ((len - RTP_HEADER_LEN) / 80 - 1);
}

static const struct pt_case {
	unsigned ptime[2];         /* sender, receiver */
	bool alaw;
} pt_cases[] = {
	{ { 30, 30 }, true },      /* PCMA as carrier trunks send it */
	{ { 60, 10 }, false },
};

/* A whole G.711 fax with packets of 30 (then 60 and 10) ms, captured and
 * rebuilt: faxpcap finds the stream and decodes the page. */
START_TEST(test_g711_ptime_roundtrip)
{
	const struct pt_case *pc = &pt_cases[_i];
	char dir[] = "/tmp/test_capture_XXXXXX", sent[64], recv[64], cap[64], err[256], why[256];
	struct fax_call *fc[2];
	struct pt_side *sd = calloc(2, sizeof(*sd));
	struct pcapstream_report *rep = NULL;
	long tick = 0;

	ck_assert_ptr_nonnull(sd);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sent, sizeof(sent), "%s/sent.tif", dir);
	snprintf(recv, sizeof(recv), "%s/recv.tif", dir);
	snprintf(cap, sizeof(cap), "%s/call.pcap", dir);
	ck_assert_int_eq(testdoc_make(sent, 1, TESTDOC_STANDARD, 21 + _i), 0);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, cap);
	ck_assert_ptr_nonnull(d);
	for (int k = 0; k < 2; k++) {
		struct fax_call_params p;
		fax_call_params_default(&p);
		p.session.mode = FAX_SESSION_AUDIO;
		p.session.dir = k == 0 ? FAX_SESSION_SEND : FAX_SESSION_RECEIVE;
		p.session.calling_party = k == 0;
		p.session.file = k == 0 ? sent : recv;
		p.session.local_ident = k == 0 ? "+1 555 0001" : "+1 555 0100";
		p.session.ecm = false;
		p.session.use_alaw = pc->alaw;
		p.rtp_seed = 77u + (unsigned)k;
		p.ptime = pc->ptime[k];
		p.send = pt_send;
		p.send_arg = &sd[k];
		sd[k].dump = d;
		sd[k].tick = &tick;
		sd[k].from = k;
		fc[k] = fax_call_new(&p, err, sizeof(err));
		ck_assert_msg(fc[k] != NULL, "fax_call_new: %s", err);
	}
	for (tick = 0; tick < 50 * 240; tick++) {
		bool d0 = fax_call_tick(fc[0]), d1 = fax_call_tick(fc[1]);
		for (int k = 0; k < 2; k++) {
			for (int i = 0; i < sd[k].n; i++)
				fax_call_datagram_in(fc[!k], sd[k].buf[i], sd[k].len[i]);
			sd[k].n = 0;
		}
		if (d0 && d1)
			break;
	}
	struct fax_session_result fr;
	fax_call_result(fc[0], &fr);
	ck_assert_msg(fr.success, "the in-process call failed: %s", fr.t30_text);
	for (int k = 0; k < 2; k++) {
		fax_call_free(fc[k]);
		/* only packets of the side's ptime went out */
		ck_assert_uint_eq(sd[k].sizes, 1u << (pc->ptime[k] * 8 / 80 - 1));
	}
	pcap_dump_close(d);
	pcap_close(dead);

	struct pcapstream_opts o = { .out_dir = dir, .name = "got" };
	ck_assert_int_eq(pcapstream_run(cap, &o, &rep, err, sizeof(err)), 0);
	ck_assert_int_eq(rep->n_calls, 1);
	const struct pcapstream_call *c = &rep->calls[0];
	ck_assert_int_eq(c->kind, PCAPSTREAM_AUDIO);
	ck_assert_int_eq(c->codec, pc->alaw ? RTP_PT_PCMA : RTP_PT_PCMU);
	ck_assert_ptr_nonnull(c->res);
	ck_assert_uint_eq(c->rtp_lost[0], 0);
	ck_assert_uint_eq(c->rtp_lost[1], 0);
	ck_assert_int_eq(c->res->outcome, T30SCAN_COMPLETE);
	ck_assert_int_eq(c->res->pages_decoded, 1);
	ck_assert_int_eq(c->res->dcs.bit_rate, 14400);
	ck_assert(!c->res->dcs.ecm);
	/* direction 0 is the flow seen first: the sender's (192.0.2.1) or not */
	int tx = c->ep[0].addr[3] == 1 ? 0 : 1;
	ck_assert_uint_eq(c->ep[tx].addr[3], 1);
	ck_assert_str_eq(c->res->ident[tx], "+1 555 0001");
	ck_assert_str_eq(c->res->ident[!tx], "+1 555 0100");
	ck_assert_msg(testdoc_compare(sent, c->tiff, why, sizeof(why)) == 0, "%s", why);
	pcapstream_report_free(rep);
	free(sd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Flows of RTP PCMU packets by payload size: any whole ptime of 10..60 ms
 * makes an audio stream, fixed or changing; other sizes do not. */
static void pt_flow(pcap_dumper_t *d, int from, uint16_t port, const size_t *sizes, size_t n_sizes,
		    int count)
{
	uint8_t pkt[RTP_HEADER_LEN + FGW_RTP_MAX_SAMPLES + 8];
	uint8_t udp[8 + sizeof(pkt)], ip[20 + sizeof(udp)];
	uint32_t ts = 1000;

	for (int i = 0; i < count; i++) {
		size_t n = sizes[(size_t)i % n_sizes];
		memset(pkt, RTP_ULAW_SILENCE, sizeof(pkt));
		pkt[0] = RTP_VERSION << 6;
		pkt[1] = RTP_PT_PCMU;
		put16(pkt + 2, (uint16_t)i);
		put16(pkt + 4, (uint16_t)(ts >> 16));
		put16(pkt + 6, (uint16_t)ts);
		put16(pkt + 8, 0x5555);
		put16(pkt + 10, port);
		ts += (uint32_t)n;
		size_t un = udp_make(udp, port, (uint16_t)(port + 1), pkt, RTP_HEADER_LEN + n);
		size_t in = ip4_make(ip, 17, udp, un, (uint16_t)i, 0, 0);
		ip[15] = (uint8_t)(1 + from);
		ip[19] = (uint8_t)(2 - from);
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1000 + i / 10, .tv_usec = (i % 10) * 100000 },
					 .caplen = (bpf_u_int32)in, .len = (bpf_u_int32)in };
		pcap_dump((u_char *)d, &h, ip);
	}
}

static const struct pcapstream_call *pt_find(const struct pcapstream_report *rep, uint16_t port)
{
	for (size_t i = 0; i < rep->n_calls; i++)
		if (rep->calls[i].kind == PCAPSTREAM_AUDIO &&
		    (rep->calls[i].ep[0].port == port || rep->calls[i].ep[1].port == port))
			return &rep->calls[i];
	return NULL;
}

START_TEST(test_pcapstream_ptimes)
{
	static const size_t s80[] = { 80 }, s240[] = { 240 }, s480[] = { 480 },
		mixed[] = { 160, 240, 80, 480, 160 }, s100[] = { 100 }, s488[] = { 488 },
		s79[] = { 79 };
	char path[] = "/tmp/test_capture_XXXXXX", err[256];
	int fd = mkstemp(path);
	struct pcapstream_report *rep = NULL;

	ck_assert_int_ge(fd, 0);
	close(fd);
	pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	ck_assert_ptr_nonnull(d);
	pt_flow(d, 0, 7000, s80, 1, 20);        /* 200 ms: just enough */
	pt_flow(d, 0, 7010, s80, 1, 19);        /* 190 ms: too little to tell */
	pt_flow(d, 0, 7020, s240, 1, 10);
	pt_flow(d, 1, 7030, s480, 1, 10);
	pt_flow(d, 0, 7040, mixed, 5, 20);      /* the size changes */
	pt_flow(d, 0, 7050, s100, 1, 40);       /* not whole milliseconds */
	pt_flow(d, 0, 7060, s488, 1, 40);       /* over 60 ms */
	pt_flow(d, 0, 7070, s79, 1, 40);
	pcap_dump_close(d);
	pcap_close(dead);
	ck_assert_int_eq(pcapstream_run(path, NULL, &rep, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(pt_find(rep, 7000));
	ck_assert_ptr_null(pt_find(rep, 7010));
	ck_assert_ptr_nonnull(pt_find(rep, 7020));
	ck_assert_ptr_nonnull(pt_find(rep, 7030));
	ck_assert_ptr_nonnull(pt_find(rep, 7040));
	ck_assert_ptr_null(pt_find(rep, 7050));
	ck_assert_ptr_null(pt_find(rep, 7060));
	ck_assert_ptr_null(pt_find(rep, 7070));
	for (uint16_t port = 7000; port <= 7040; port += 10) {
		const struct pcapstream_call *c = pt_find(rep, port);
		if (c == NULL)
			continue;
		ck_assert_int_eq(c->codec, RTP_PT_PCMU);
		ck_assert_uint_eq(c->rtp_lost[0] + c->rtp_lost[1], 0);
		ck_assert_ptr_null(c->res);               /* silence: no fax, nothing kept */
	}
	pcapstream_report_free(rep);
	unlink(path);
}
END_TEST

Suite *capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("layers");

	tcase_add_test(tc, test_ethernet_vlan);
	tcase_add_test(tc, test_cooked_null_raw);
	tcase_add_test(tc, test_ipv6_extensions);
	tcase_add_test(tc, test_truncated_and_malformed);
	tcase_add_test(tc, test_ipv4_fragments);
	tcase_add_test(tc, test_ipv6_fragments);
	tcase_add_test(tc, test_file_roundtrip);
	tcase_add_test(tc, test_pcapstream_nofax);
	tcase_add_test(tc, test_pcapstream_ptimes);
	suite_add_tcase(s, tc);
	tc = tcase_create("t30scan");
	tcase_add_test(tc, test_dcs_decode);
	tcase_add_test(tc, test_scan_verdicts);
	tcase_add_test(tc, test_scan_ecm_ppr);
	suite_add_tcase(s, tc);
	tc = tcase_create("call");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_t38_call_roundtrip);
	tcase_add_test(tc, test_g711_call_roundtrip);
	tcase_add_loop_test(tc, test_g711_ptime_roundtrip, 0,
			    (int)(sizeof(pt_cases) / sizeof(pt_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
