/*
 * test_sdp.c - gateway/sip/sdp.c and t38sdp.c: a table of offers with the
 * exact answer expected (the whole media plan, field by field, and the
 * m= sections written), every malformed input with its error, the writer
 * (exact text, short buffers) and a round trip: each answer written,
 * parsed back, read as an answer gives the same plan.
 *
 * The rules under test: RFC 4566 (parsing), RFC 3264 6 (answers), ITU-T
 * T.38 Annex D (T.38 answers).
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "caps.h"
#include "sdp.h"

Suite *sdp_suite(void);

/* ----- port settings used by the table ------------------------------------ */

/* t38 = offer, pcma first, T.38 version 3 with every flag and FEC. */
static const struct sdp_settings P3 = {
	.t38 = SDP_T38_OFFER, .n_codecs = 2, .codecs = { SDP_CODEC_PCMA, SDP_CODEC_PCMU },
	.t38_version = 3, .max_rate = 14400, .udptl_ec = SDP_T38_EC_FEC,
	.t38_flags = SDP_T38_ALL_FLAGS, .t38_max_datagram = 400, .ptime = 20,
};
/* t38 = accept, pcmu only, version 0, fill bit removal only, redundancy. */
static const struct sdp_settings P0 = {
	.t38 = SDP_T38_ACCEPT, .n_codecs = 1, .codecs = { SDP_CODEC_PCMU },
	.t38_version = 0, .max_rate = 14400, .udptl_ec = SDP_T38_EC_REDUNDANCY,
	.t38_flags = SDP_T38_FILL_BIT_REMOVAL, .t38_max_datagram = 400, .ptime = 20,
};
/* version 2, no error correction, MaxBuffer announced, smaller datagram. */
static const struct sdp_settings PB = {
	.t38 = SDP_T38_ACCEPT, .n_codecs = 1, .codecs = { SDP_CODEC_PCMA },
	.t38_version = 2, .max_rate = 9600, .udptl_ec = SDP_T38_EC_NONE,
	.t38_flags = 0, .t38_max_datagram = 300, .t38_max_buffer = 1024, .ptime = 20,
};
/* t38 = no, pcmu first. */
static const struct sdp_settings PN = {
	.t38 = SDP_T38_NO, .n_codecs = 2, .codecs = { SDP_CODEC_PCMU, SDP_CODEC_PCMA },
	.t38_version = 0, .max_rate = 14400, .udptl_ec = SDP_T38_EC_REDUNDANCY,
	.t38_flags = 0, .t38_max_datagram = 400, .ptime = 20,
};

static const struct sdp_local LOCAL = { "192.0.2.10", 5000, 42, 7 };

/* ----- offers ------------------------------------------------------------------- */

#define V4 "192.0.2.1"
#define HEAD "v=0\r\no=- 1 1 IN IP4 " V4 "\r\ns=-\r\nc=IN IP4 " V4 "\r\nt=0 0\r\n"
#define IMAGE HEAD "m=image 4000 udptl t38\r\n"
#define O_RATE "a=T38MaxBitRate:14400\r\n"
#define O_TCF "a=T38FaxRateManagement:transferredTCF\r\n"
#define O_DG "a=T38FaxMaxDatagram:400\r\n"
#define O_RED "a=T38FaxUdpEC:t38UDPRedundancy\r\n"
#define O_STD O_RATE O_TCF O_DG O_RED
#define O_V0 IMAGE "a=T38FaxVersion:0\r\n"
/* version 0, a flag line, the rest standard */
#define O_FLAG(f) O_V0 O_RATE f O_TCF O_DG O_RED
/* version 0 with T38FaxMaxDatagram line d */
#define O_DGRAM(d) O_V0 O_RATE O_TCF d O_RED
#define AUDIO(fmts) HEAD "m=audio 4002 RTP/AVP " fmts "\r\n"

#define CISCO "v=0\r\no=CiscoSystemsSIP-GW-UserAgent 4140 7221 IN IP4 10.1.1.1\r\n" \
	"s=SIP Call\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\nm=image 16384 udptl t38\r\n" \
	"c=IN IP4 10.1.1.1\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n" \
	"a=T38FaxFillBitRemoval:0\r\na=T38FaxTranscodingMMR:0\r\na=T38FaxTranscodingJBIG:0\r\n" \
	"a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:200\r\n" \
	"a=T38FaxMaxDatagram:72\r\n"
#define CARRIER "v=0\r\no=- 3849204837 3849204837 IN IP4 203.0.113.5\r\ns=-\r\n" \
	"c=IN IP4 203.0.113.5\r\nt=0 0\r\nm=audio 30000 RTP/AVP 8 112 101\r\n" \
	"a=rtpmap:8 PCMA/8000\r\na=rtpmap:112 AAL2-G726-32/8000\r\n" \
	"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:30\r\n" \
	"a=sendrecv\r\na=tcap:1 udptl\r\na=cdsc:1 image udptl t38\r\n"
#define AV_IMG "m=audio 4002 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n" \
	"m=image 4000 udptl t38\r\na=T38FaxVersion:1\r\n" O_STD

/* ----- expected answers ------------------------------------------------------------- */

#define M_IMG "m=image 5000 udptl t38\r\n"
#define A_V(n) "a=T38FaxVersion:" #n "\r\n"
#define A_RATE(n) "a=T38MaxBitRate:" #n "\r\n"
#define A_TCF "a=T38FaxRateManagement:transferredTCF\r\n"
#define A_DG(n) "a=T38FaxMaxDatagram:" #n "\r\n"
#define A_RED "a=T38FaxUdpEC:t38UDPRedundancy\r\n"
#define A_FEC "a=T38FaxUdpEC:t38UDPFEC\r\n"
#define A_FLAGS(f, m, j) "a=T38FaxFillBitRemoval:" #f "\r\na=T38FaxTranscodingMMR:" #m \
	"\r\na=T38FaxTranscodingJBIG:" #j "\r\n"
#define M_AUDIO(pt, law, ptime) "m=audio 5000 RTP/AVP " #pt "\r\na=rtpmap:" #pt " " law \
	"/8000\r\na=ptime:" #ptime "\r\na=sendrecv\r\n"

/* presence bits every T.38 answer has */
#define H_BASE (SDP_T38_HAS_VERSION | SDP_T38_HAS_MAX_BITRATE | SDP_T38_HAS_RATE_MGMT | \
		SDP_T38_HAS_MAX_DATAGRAM)
#define H_FLAGS (SDP_T38_HAS_FILL_BIT | SDP_T38_HAS_MMR | SDP_T38_HAS_JBIG)
#define H_EC SDP_T38_HAS_UDP_EC
#define FILL SDP_T38_FILL_BIT_REMOVAL
#define MMR SDP_T38_TRANSCODING_MMR
#define JBIG SDP_T38_TRANSCODING_JBIG
#define BARE SDP_T38_STYLE_BARE
#define VAL SDP_T38_STYLE_VALUE
#define TCF SDP_T38_RATE_TRANSFERRED_TCF
#define RED SDP_T38_EC_REDUNDANCY
#define FEC SDP_T38_EC_FEC
#define NOEC SDP_T38_EC_NONE

#define ADDR(fam, text) { fam, { 0 }, text }
/* A T.38 plan: m= line idx from host:port; the answer's attributes; the send limit. */
#define T38_AT(idx, host, port, has, ver, rate, flags, style, rm, buf, dg, ec, lim)          \
	{ .transport = SDP_TRANSPORT_T38, .media_index = idx, .remote = ADDR(AF_INET, host), \
	  .remote_port = port, .dir = SDP_DIR_SENDRECV,                                       \
	  .t38 = { has, ver, rate, flags, style, rm, buf, dg, ec },                           \
	  .t38_send_max_datagram = lim }
#define T38(has, ver, rate, flags, style, ec, lim) \
	T38_AT(0, V4, 4000, has, ver, rate, flags, style, TCF, 0, 400, ec, lim)
/* An audio plan. */
#define AUD_AT(idx, fam, host, port, pt, law_, ms, dir_)                                 \
	{ .transport = SDP_TRANSPORT_AUDIO, .media_index = idx, .remote = ADDR(fam, host), \
	  .remote_port = port, .dir = dir_, .payload_type = pt, .law = law_, .ptime = ms }
#define AUD(pt, law, ptime) AUD_AT(0, AF_INET, V4, 4002, pt, law, ptime, SDP_DIR_SENDRECV)
#define PCMU SDP_CODEC_PCMU
#define PCMA SDP_CODEC_PCMA

struct oa_case {
	const char *name;
	const char *offer;
	const struct sdp_settings *set;
	int status;                    /* 200 or 488 */
	struct sdp_plan want;
	const char *media;             /* the answer from its first m= on */
};

static const struct oa_case oa_cases[] = {
	/* T38FaxVersion: min(ours, offer's), absent = 0 */
	{ "version absent", IMAGE O_STD, &P3, 200, T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "version 0", O_V0 O_STD, &P3, 200, T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "version 1", IMAGE "a=T38FaxVersion:1\r\n" O_STD, &P3, 200,
	  T38(H_BASE | H_EC, 1, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(1) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "version 2", IMAGE "a=T38FaxVersion:2\r\n" O_STD, &P3, 200,
	  T38(H_BASE | H_EC, 2, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(2) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "version 3", IMAGE "a=T38FaxVersion:3\r\n" O_STD, &P3, 200,
	  T38(H_BASE | H_EC, 3, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(3) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "version 4 against 3", IMAGE "a=T38FaxVersion:4\r\n" O_STD, &P3, 200,
	  T38(H_BASE | H_EC, 3, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(3) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "version 3 against 0", IMAGE "a=T38FaxVersion:3\r\n" O_STD, &P0, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "version 3 against 2, MaxBuffer, no EC", IMAGE "a=T38FaxVersion:3\r\n" O_STD, &PB, 200,
	  T38_AT(0, V4, 4000, H_BASE | SDP_T38_HAS_MAX_BUFFER, 2, 9600, 0, BARE, TCF, 1024, 300,
		 NOEC, 400),
	  M_IMG A_V(2) A_RATE(9600) A_TCF "a=T38FaxMaxBuffer:1024\r\n" A_DG(300) },
	/* booleans: only where both have them, the peer's style mirrored */
	{ "fill bare", O_FLAG("a=T38FaxFillBitRemoval\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | SDP_T38_HAS_FILL_BIT, 0, 14400, FILL, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) "a=T38FaxFillBitRemoval\r\n" A_TCF A_DG(400) A_RED },
	{ "mmr bare", O_FLAG("a=T38FaxTranscodingMMR\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | SDP_T38_HAS_MMR, 0, 14400, MMR, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) "a=T38FaxTranscodingMMR\r\n" A_TCF A_DG(400) A_RED },
	{ "jbig bare", O_FLAG("a=T38FaxTranscodingJBIG\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | SDP_T38_HAS_JBIG, 0, 14400, JBIG, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) "a=T38FaxTranscodingJBIG\r\n" A_TCF A_DG(400) A_RED },
	{ "fill :1", O_FLAG("a=T38FaxFillBitRemoval:1\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | H_FLAGS, 0, 14400, FILL, VAL, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_FLAGS(1, 0, 0) A_TCF A_DG(400) A_RED },
	{ "fill :0", O_FLAG("a=T38FaxFillBitRemoval:0\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | H_FLAGS, 0, 14400, 0, VAL, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_FLAGS(0, 0, 0) A_TCF A_DG(400) A_RED },
	{ "mmr :1", O_FLAG("a=T38FaxTranscodingMMR:1\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | H_FLAGS, 0, 14400, MMR, VAL, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_FLAGS(0, 1, 0) A_TCF A_DG(400) A_RED },
	{ "jbig :1", O_FLAG("a=T38FaxTranscodingJBIG:1\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | H_FLAGS, 0, 14400, JBIG, VAL, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_FLAGS(0, 0, 1) A_TCF A_DG(400) A_RED },
	{ "jbig :0", O_FLAG("a=T38FaxTranscodingJBIG:0\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | H_FLAGS, 0, 14400, 0, VAL, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_FLAGS(0, 0, 0) A_TCF A_DG(400) A_RED },
	{ "all bare, we have fill only",
	  O_FLAG("a=T38FaxFillBitRemoval\r\na=T38FaxTranscodingMMR\r\na=T38FaxTranscodingJBIG\r\n"),
	  &P0, 200, T38(H_BASE | H_EC | SDP_T38_HAS_FILL_BIT, 0, 14400, FILL, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) "a=T38FaxFillBitRemoval\r\n" A_TCF A_DG(400) A_RED },
	{ "all :1, we have fill only",
	  O_FLAG("a=T38FaxFillBitRemoval:1\r\na=T38FaxTranscodingMMR:1\r\n"
		 "a=T38FaxTranscodingJBIG:1\r\n"),
	  &P0, 200, T38(H_BASE | H_EC | H_FLAGS, 0, 14400, FILL, VAL, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_FLAGS(1, 0, 0) A_TCF A_DG(400) A_RED },
	{ "mmr bare, we have none", O_FLAG("a=T38FaxTranscodingMMR\r\n"), &PB, 200,
	  T38_AT(0, V4, 4000, H_BASE | SDP_T38_HAS_MAX_BUFFER, 0, 9600, 0, BARE, TCF, 1024, 300,
		 NOEC, 400),
	  M_IMG A_V(0) A_RATE(9600) A_TCF "a=T38FaxMaxBuffer:1024\r\n" A_DG(300) },
	{ "mixed styles give values",
	  O_FLAG("a=T38FaxFillBitRemoval\r\na=T38FaxTranscodingMMR:1\r\n"), &P3, 200,
	  T38(H_BASE | H_EC | H_FLAGS, 0, 14400, FILL | MMR, VAL, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_FLAGS(1, 1, 0) A_TCF A_DG(400) A_RED },
	/* missing attributes: defaults */
	{ "bare image line", IMAGE, &P3, 200, T38(H_BASE, 0, 14400, 0, BARE, NOEC, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) },
	/* the peer's MaxDatagram: our send limit (missing, 0, > 1400: 400) */
	{ "datagram 72", O_DGRAM("a=T38FaxMaxDatagram:72\r\n"), &P3, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 72),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "datagram 400", O_DGRAM("a=T38FaxMaxDatagram:400\r\n"), &P3, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "datagram 1400", O_DGRAM("a=T38FaxMaxDatagram:1400\r\n"), &P3, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 1400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "datagram 1401", O_DGRAM("a=T38FaxMaxDatagram:1401\r\n"), &P3, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "datagram 0", O_DGRAM("a=T38FaxMaxDatagram:0\r\n"), &P3, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "datagram missing", O_DGRAM(""), &P3, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	/* UDPTL error correction: as offered or weaker */
	{ "fec offered, fec allowed", O_V0 O_RATE O_TCF O_DG "a=T38FaxUdpEC:t38UDPFEC\r\n", &P3, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, FEC, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_FEC },
	{ "fec offered, redundancy allowed", O_V0 O_RATE O_TCF O_DG "a=T38FaxUdpEC:t38UDPFEC\r\n",
	  &P0, 200, T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "redundancy offered, none allowed", O_V0 O_STD, &PB, 200,
	  T38_AT(0, V4, 4000, H_BASE | SDP_T38_HAS_MAX_BUFFER, 0, 9600, 0, BARE, TCF, 1024, 300,
		 NOEC, 400),
	  M_IMG A_V(0) A_RATE(9600) A_TCF "a=T38FaxMaxBuffer:1024\r\n" A_DG(300) },
	{ "t38UDPNoEC", O_V0 O_RATE O_TCF O_DG "a=T38FaxUdpEC:t38UDPNoEC\r\n", &P3, 200,
	  T38(H_BASE, 0, 14400, 0, BARE, NOEC, 400), M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) },
	/* MaxBitRate: min of both; rate management echoed */
	{ "bit rate 33600", O_V0 "a=T38MaxBitRate:33600\r\n" O_TCF O_DG O_RED, &P3, 200,
	  T38(H_BASE | H_EC, 0, 14400, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "bit rate 9600", O_V0 "a=T38MaxBitRate:9600\r\n" O_TCF O_DG O_RED, &P3, 200,
	  T38(H_BASE | H_EC, 0, 9600, 0, BARE, RED, 400),
	  M_IMG A_V(0) A_RATE(9600) A_TCF A_DG(400) A_RED },
	{ "localTCF echoed", O_V0 O_RATE "a=T38FaxRateManagement:localTCF\r\n" O_DG O_RED, &P3, 200,
	  T38_AT(0, V4, 4000, H_BASE | H_EC, 0, 14400, 0, BARE, SDP_T38_RATE_LOCAL_TCF, 0, 400,
		 RED, 400),
	  M_IMG A_V(0) A_RATE(14400) "a=T38FaxRateManagement:localTCF\r\n" A_DG(400) A_RED },
	/* peers as they write */
	{ "Cisco", CISCO, &P3, 200,
	  T38_AT(0, "10.1.1.1", 16384, H_BASE | H_FLAGS, 0, 14400, 0, VAL, TCF, 0, 400, NOEC, 72),
	  M_IMG A_V(0) A_RATE(14400) A_FLAGS(0, 0, 0) A_TCF A_DG(400) },
	{ "names in any case", HEAD "m=image 4000 UDPTL T38\r\na=t38faxversion:1\r\n"
	  "a=T38FAXFILLBITREMOVAL\r\na=t38faxudpec:T38UDPFEC\r\n", &P3, 200,
	  T38(H_BASE | H_EC | SDP_T38_HAS_FILL_BIT, 1, 14400, FILL, BARE, FEC, 400),
	  "m=image 5000 UDPTL t38\r\n" A_V(1) A_RATE(14400) "a=T38FaxFillBitRemoval\r\n" A_TCF
	  A_DG(400) A_FEC },
	{ "audio and image: image taken", HEAD AV_IMG, &P3, 200,
	  T38_AT(1, V4, 4000, H_BASE | H_EC, 1, 14400, 0, BARE, TCF, 0, 400, RED, 400),
	  "m=audio 0 RTP/AVP 0\r\n" M_IMG A_V(1) A_RATE(14400) A_TCF A_DG(400) A_RED },
	{ "audio and image, t38 = no: audio taken", HEAD AV_IMG, &PN, 200,
	  AUD(0, PCMU, 20), M_AUDIO(0, "PCMU", 20) "m=image 0 udptl t38\r\n" },
	{ "image only, t38 = no", IMAGE O_STD, &PN, 488, { 0 }, NULL },
	{ "image port 0 then audio", HEAD "m=image 0 udptl t38\r\nm=audio 4002 RTP/AVP 0\r\n", &P3,
	  200, AUD_AT(1, AF_INET, V4, 4002, 0, PCMU, 20, SDP_DIR_SENDRECV),
	  "m=image 0 udptl t38\r\n" M_AUDIO(0, "PCMU", 20) },
	/* G.711 */
	{ "carrier PCMA ptime 30 with G.726, telephone-event, cdsc", CARRIER, &P3, 200,
	  AUD_AT(0, AF_INET, "203.0.113.5", 30000, 8, PCMA, 30, SDP_DIR_SENDRECV),
	  M_AUDIO(8, "PCMA", 30) },
	{ "carrier PCMA, we prefer PCMU", CARRIER, &PN, 200,
	  AUD_AT(0, AF_INET, "203.0.113.5", 30000, 8, PCMA, 30, SDP_DIR_SENDRECV),
	  M_AUDIO(8, "PCMA", 30) },
	{ "our preference: pcma", AUDIO("0 8 101") "a=rtpmap:101 telephone-event/8000\r\n", &P3, 200,
	  AUD(8, PCMA, 20), M_AUDIO(8, "PCMA", 20) },
	{ "our preference: pcmu", AUDIO("8 0 101") "a=rtpmap:101 telephone-event/8000\r\n", &PN, 200,
	  AUD(0, PCMU, 20), M_AUDIO(0, "PCMU", 20) },
	{ "dynamic PCMA", AUDIO("96 101") "a=rtpmap:96 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
	  &P3, 200, AUD(96, PCMA, 20), M_AUDIO(96, "PCMA", 20) },
	{ "PCMU at 16 kHz is not G.711", AUDIO("97") "a=rtpmap:97 PCMU/16000\r\n", &P3, 488, { 0 },
	  NULL },
	{ "G.729 only", AUDIO("18 101") "a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"
	  "a=rtpmap:101 telephone-event/8000\r\n", &P3, 488, { 0 }, NULL },
	{ "G.726 only", AUDIO("2 112") "a=rtpmap:112 G726-32/8000\r\n", &P3, 488, { 0 }, NULL },
	{ "no m= line", HEAD, &P3, 488, { 0 }, NULL },
	{ "SRTP is not RTP/AVP", HEAD "m=audio 4002 RTP/SAVP 0\r\n", &P3, 488, { 0 }, NULL },
	{ "IPv6", "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:DB8:0::1\r\nt=0 0\r\n"
	  "m=audio 4002 RTP/AVP 0\r\n", &P3, 200,
	  AUD_AT(0, AF_INET6, "2001:db8::1", 4002, 0, PCMU, 20, SDP_DIR_SENDRECV),
	  M_AUDIO(0, "PCMU", 20) },
	{ "media c= over session c=", AUDIO("0") "c=IN IP4 198.51.100.7\r\n", &P3, 200,
	  AUD_AT(0, AF_INET, "198.51.100.7", 4002, 0, PCMU, 20, SDP_DIR_SENDRECV),
	  M_AUDIO(0, "PCMU", 20) },
	{ "media c= only", "v=0\r\no=- 1 1 IN IP4 " V4 "\r\ns=-\r\nt=0 0\r\nm=audio 4002 RTP/AVP 8\r\n"
	  "c=IN IP4 198.51.100.7\r\n", &P3, 200,
	  AUD_AT(0, AF_INET, "198.51.100.7", 4002, 8, PCMA, 20, SDP_DIR_SENDRECV),
	  M_AUDIO(8, "PCMA", 20) },
	{ "ptime 5 -> 10", AUDIO("8") "a=ptime:5\r\n", &P3, 200, AUD(8, PCMA, 10),
	  M_AUDIO(8, "PCMA", 10) },
	{ "ptime 80 -> 60", AUDIO("8") "a=ptime:80\r\n", &P3, 200, AUD(8, PCMA, 60),
	  M_AUDIO(8, "PCMA", 60) },
	{ "ptime 30, maxptime 20", AUDIO("8") "a=ptime:30\r\na=maxptime:20\r\n", &P3, 200,
	  AUD(8, PCMA, 20), M_AUDIO(8, "PCMA", 20) },
	{ "ptime at session level", HEAD "a=ptime:30\r\nm=audio 4002 RTP/AVP 8\r\n", &P3, 200,
	  AUD(8, PCMA, 30), M_AUDIO(8, "PCMA", 30) },
	{ "sendonly answered recvonly", AUDIO("0") "a=sendonly\r\n", &P3, 200,
	  AUD_AT(0, AF_INET, V4, 4002, 0, PCMU, 20, SDP_DIR_RECVONLY),
	  "m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=recvonly\r\n" },
	{ "session inactive", HEAD "a=inactive\r\nm=audio 4002 RTP/AVP 0\r\n", &P3, 200,
	  AUD_AT(0, AF_INET, V4, 4002, 0, PCMU, 20, SDP_DIR_INACTIVE),
	  "m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=inactive\r\n" },
	{ "LF line ends, unknown lines", "v=0\no=- 1 1 IN IP4 " V4 "\ns=-\ni=info\nc=IN IP4 " V4
	  "\nb=AS:64\nt=0 0\nm=audio 4002 RTP/AVP 0\na=x-unknown:1\na=ptime:20\n", &P3, 200,
	  AUD(0, PCMU, 20), M_AUDIO(0, "PCMU", 20) },
	{ "trailing spaces", AUDIO("0 ") "a=sendonly \r\na=ptime:30\t\r\n", &P3, 200,
	  AUD_AT(0, AF_INET, V4, 4002, 0, PCMU, 30, SDP_DIR_RECVONLY),
	  "m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:30\r\na=recvonly\r\n" },
	{ "trailing spaces in T.38", O_V0 "a=T38FaxFillBitRemoval \r\na=T38FaxMaxDatagram:72 \r\n",
	  &P3, 200, T38(H_BASE | SDP_T38_HAS_FILL_BIT, 0, 14400, FILL, BARE, NOEC, 72),
	  M_IMG A_V(0) A_RATE(14400) "a=T38FaxFillBitRemoval\r\n" A_TCF A_DG(400) },
	{ "video and audio", HEAD "m=video 4004 RTP/AVP 31\r\nm=audio 4002 RTP/AVP 0\r\n", &P3, 200,
	  AUD_AT(1, AF_INET, V4, 4002, 0, PCMU, 20, SDP_DIR_SENDRECV),
	  "m=video 0 RTP/AVP 31\r\n" M_AUDIO(0, "PCMU", 20) },
};

/* ----- comparing whole plans ---------------------------------------------------- */

static void assert_t38_eq(const struct sdp_t38 *got, const struct sdp_t38 *want, const char *name)
{
	ck_assert_msg(got->present == want->present, "%s: present %#x, want %#x", name,
		      got->present, want->present);
	ck_assert_msg(got->version == want->version, "%s: version %u, want %u", name,
		      got->version, want->version);
	ck_assert_msg(got->max_bitrate == want->max_bitrate, "%s: bit rate %u, want %u", name,
		      (unsigned)got->max_bitrate, (unsigned)want->max_bitrate);
	ck_assert_msg(got->flags == want->flags, "%s: flags %#x, want %#x", name, got->flags,
		      want->flags);
	ck_assert_msg(got->style == want->style, "%s: style %d, want %d", name, got->style,
		      want->style);
	ck_assert_msg(got->rate == want->rate, "%s: rate management %d, want %d", name,
		      got->rate, want->rate);
	ck_assert_msg(got->max_buffer == want->max_buffer, "%s: max buffer %u, want %u", name,
		      (unsigned)got->max_buffer, (unsigned)want->max_buffer);
	ck_assert_msg(got->max_datagram == want->max_datagram, "%s: max datagram %u, want %u",
		      name, (unsigned)got->max_datagram, (unsigned)want->max_datagram);
	ck_assert_msg(got->ec == want->ec, "%s: ec %d, want %d", name, got->ec, want->ec);
}

/* want->remote.bytes are filled from want->remote.text here. */
static void assert_plan_eq(const struct sdp_plan *got, const struct sdp_plan *want,
			   const char *name)
{
	uint8_t bytes[16] = { 0 };

	ck_assert_msg(got->transport == want->transport, "%s: transport %d, want %d", name,
		      got->transport, want->transport);
	ck_assert_msg(got->media_index == want->media_index, "%s: media %zu, want %zu", name,
		      got->media_index, want->media_index);
	ck_assert_msg(got->remote.family == want->remote.family, "%s: family %d, want %d", name,
		      got->remote.family, want->remote.family);
	ck_assert_msg(strcmp(got->remote.text, want->remote.text) == 0, "%s: remote %s, want %s",
		      name, got->remote.text, want->remote.text);
	if (want->remote.family != 0)
		ck_assert_int_eq(inet_pton(want->remote.family, want->remote.text, bytes), 1);
	ck_assert_msg(memcmp(got->remote.bytes, bytes, sizeof(bytes)) == 0, "%s: address bytes",
		      name);
	ck_assert_msg(got->remote_port == want->remote_port, "%s: port %u, want %u", name,
		      got->remote_port, want->remote_port);
	ck_assert_msg(got->dir == want->dir, "%s: dir %s, want %s", name, sdp_dir_name(got->dir),
		      sdp_dir_name(want->dir));
	ck_assert_msg(got->payload_type == want->payload_type, "%s: pt %u, want %u", name,
		      got->payload_type, want->payload_type);
	ck_assert_msg(got->law == want->law, "%s: law %d, want %d", name, got->law, want->law);
	ck_assert_msg(got->ptime == want->ptime, "%s: ptime %u, want %u", name, got->ptime,
		      want->ptime);
	assert_t38_eq(&got->t38, &want->t38, name);
	ck_assert_msg(got->t38_send_max_datagram == want->t38_send_max_datagram,
		      "%s: send limit %u, want %u", name, (unsigned)got->t38_send_max_datagram,
		      (unsigned)want->t38_send_max_datagram);
}

static void parse_ok(const char *text, struct sdp_session *s, const char *name)
{
	char err[160];
	enum sdp_err e = sdp_parse(text, strlen(text), s, err, sizeof(err));

	ck_assert_msg(e == SDP_OK, "%s: %s (%s)", name, sdp_strerror(e), err);
}

/* ----- the table ---------------------------------------------------------------------- */

START_TEST(test_offer_answer_table)
{
	const struct oa_case *c = &oa_cases[_i];
	struct sdp_session *offer = malloc(sizeof(*offer));
	struct sdp_answer ans;
	char buf[2048];
	size_t len = 0;

	ck_assert_ptr_nonnull(offer);
	parse_ok(c->offer, offer, c->name);
	enum sdp_err e = sdp_answer(offer, c->set, &ans);
	ck_assert_msg(ans.status == c->status, "%s: status %d, want %d", c->name, ans.status,
		      c->status);
	if (c->status == 488) {
		ck_assert_int_eq(e, SDP_E_NOT_ACCEPTABLE);
		ck_assert_msg(strlen(ans.warning) > 0, "%s: no warning text", c->name);
		ck_assert_int_eq(sdp_write_answer(offer, &ans, &LOCAL, buf, sizeof(buf), &len),
				 SDP_E_INVAL);
		free(offer);
		return;
	}
	ck_assert_int_eq(e, SDP_OK);
	assert_plan_eq(&ans.plan, &c->want, c->name);
	e = sdp_write_answer(offer, &ans, &LOCAL, buf, sizeof(buf), &len);
	ck_assert_msg(e == SDP_OK, "%s: write: %s", c->name, sdp_strerror(e));
	ck_assert_uint_eq(len, strlen(buf));
	const char *m = strstr(buf, "\r\nm=");
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(strcmp(m + 2, c->media) == 0, "%s: answer\n%s\nwant\n%s", c->name, m + 2,
		      c->media);
	free(offer);
}
END_TEST

/* Each answer written, parsed back and read as an answer: the same plan,
 * but for where the media goes (our address). */
START_TEST(test_round_trip)
{
	const struct oa_case *c = &oa_cases[_i];
	struct sdp_session *offer = malloc(sizeof(*offer)), *back = malloc(sizeof(*back));
	struct sdp_answer ans;
	struct sdp_plan plan2, want;
	char buf[2048];

	ck_assert_ptr_nonnull(offer);
	ck_assert_ptr_nonnull(back);
	parse_ok(c->offer, offer, c->name);
	if (sdp_answer(offer, c->set, &ans) == SDP_OK) {
		ck_assert_int_eq(sdp_write_answer(offer, &ans, &LOCAL, buf, sizeof(buf), NULL),
				 SDP_OK);
		parse_ok(buf, back, c->name);
		ck_assert_uint_eq(back->n_media, offer->n_media);
		ck_assert_str_eq(back->origin_id, "42");
		ck_assert_str_eq(back->origin_version, "7");
		ck_assert_int_eq(sdp_plan_from_answer(back, c->set, ans.plan.transport, &plan2),
				 SDP_OK);
		want = ans.plan;
		want.remote.family = AF_INET;
		snprintf(want.remote.text, sizeof(want.remote.text), "%s", LOCAL.addr);
		want.remote_port = LOCAL.port;
		want.dir = plan2.dir == SDP_DIR_SENDRECV ? ans.plan.dir : plan2.dir;
		if (want.transport == SDP_TRANSPORT_T38)  /* our datagram, now the far one */
			want.t38_send_max_datagram = c->set->t38_max_datagram;
		assert_plan_eq(&plan2, &want, c->name);
	}
	free(offer);
	free(back);
}
END_TEST

/* ----- malformed input ----------------------------------------------------------- */

struct bad_case {
	const char *name;
	const char *sdp;
	enum sdp_err err;
};

static const struct bad_case bad_cases[] = {
	{ "empty", "", SDP_E_VERSION },
	{ "v=1", "v=1\r\no=- 1 1 IN IP4 " V4 "\r\ns=-\r\nt=0 0\r\n", SDP_E_VERSION },
	{ "o= first", "o=- 1 1 IN IP4 " V4 "\r\nv=0\r\ns=-\r\nt=0 0\r\n", SDP_E_VERSION },
	{ "v= twice", HEAD "v=0\r\n", SDP_E_DUPLICATE },
	{ "no o=", "v=0\r\ns=-\r\nc=IN IP4 " V4 "\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\n",
	  SDP_E_MISSING },
	{ "no t=", "v=0\r\no=- 1 1 IN IP4 " V4 "\r\ns=-\r\nc=IN IP4 " V4 "\r\n", SDP_E_MISSING },
	{ "no s= before m=", "v=0\r\no=- 1 1 IN IP4 " V4 "\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\n",
	  SDP_E_MISSING },
	{ "o= short", "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n", SDP_E_ORIGIN },
	{ "o= id not digits", "v=0\r\no=- x 1 IN IP4 " V4 "\r\ns=-\r\nt=0 0\r\n", SDP_E_ORIGIN },
	{ "o= twice", HEAD "o=- 1 1 IN IP4 " V4 "\r\n", SDP_E_DUPLICATE },
	{ "t= one field", "v=0\r\no=- 1 1 IN IP4 " V4 "\r\ns=-\r\nt=0\r\n", SDP_E_SYNTAX },
	{ "not <letter>=", HEAD "garbage\r\n", SDP_E_SYNTAX },
	{ "upper-case type", HEAD "M=audio 4002 RTP/AVP 0\r\n", SDP_E_SYNTAX },
	{ "a= without name", AUDIO("0") "a=:x\r\n", SDP_E_SYNTAX },
	{ "c= host name", AUDIO("0") "c=IN IP4 host.example.org\r\n", SDP_E_CONNECTION },
	{ "c= multicast ttl", AUDIO("0") "c=IN IP4 224.2.1.1/127\r\n", SDP_E_CONNECTION },
	{ "c= IP6 with IPv4", AUDIO("0") "c=IN IP6 192.0.2.1\r\n", SDP_E_CONNECTION },
	{ "c= bad IPv4", AUDIO("0") "c=IN IP4 192.0.2.256\r\n", SDP_E_CONNECTION },
	{ "c= ATM", AUDIO("0") "c=ATM NSAP 1\r\n", SDP_E_CONNECTION },
	{ "c= twice", AUDIO("0") "c=IN IP4 " V4 "\r\nc=IN IP4 " V4 "\r\n", SDP_E_DUPLICATE },
	{ "no c= at all", "v=0\r\no=- 1 1 IN IP4 " V4 "\r\ns=-\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\n",
	  SDP_E_NO_CONNECTION },
	{ "port 70000", HEAD "m=audio 70000 RTP/AVP 0\r\n", SDP_E_MEDIA },
	{ "port not a number", HEAD "m=audio x RTP/AVP 0\r\n", SDP_E_MEDIA },
	{ "port count 0", HEAD "m=audio 4002/0 RTP/AVP 0\r\n", SDP_E_MEDIA },
	{ "no format", HEAD "m=audio 4002 RTP/AVP\r\n", SDP_E_MEDIA },
	{ "payload type 128", HEAD "m=audio 4002 RTP/AVP 128\r\n", SDP_E_MEDIA },
	{ "payload type twice", HEAD "m=audio 4002 RTP/AVP 0 0\r\n", SDP_E_MEDIA },
	{ "rtpmap no clock", AUDIO("8") "a=rtpmap:8 PCMA\r\n", SDP_E_ATTRIBUTE },
	{ "rtpmap clock 0", AUDIO("8") "a=rtpmap:8 PCMA/0\r\n", SDP_E_ATTRIBUTE },
	{ "rtpmap pt 300", AUDIO("8") "a=rtpmap:300 PCMA/8000\r\n", SDP_E_ATTRIBUTE },
	{ "rtpmap twice", AUDIO("8") "a=rtpmap:8 PCMA/8000\r\na=rtpmap:8 PCMA/8000\r\n",
	  SDP_E_DUPLICATE },
	{ "ptime letters", AUDIO("8") "a=ptime:abc\r\n", SDP_E_ATTRIBUTE },
	{ "ptime 0", AUDIO("8") "a=ptime:0\r\n", SDP_E_ATTRIBUTE },
	{ "ptime empty", AUDIO("8") "a=ptime\r\n", SDP_E_ATTRIBUTE },
	{ "ptime twice", AUDIO("8") "a=ptime:20\r\na=ptime:30\r\n", SDP_E_DUPLICATE },
	{ "direction twice", AUDIO("8") "a=sendrecv\r\na=inactive\r\n", SDP_E_DUPLICATE },
	{ "direction with value", AUDIO("8") "a=sendrecv:1\r\n", SDP_E_ATTRIBUTE },
	{ "T38FaxVersion letters", IMAGE "a=T38FaxVersion:x\r\n", SDP_E_T38 },
	{ "T38FaxVersion 256", IMAGE "a=T38FaxVersion:256\r\n", SDP_E_T38 },
	{ "T38FaxVersion empty", IMAGE "a=T38FaxVersion:\r\n", SDP_E_T38 },
	{ "T38MaxBitRate negative", IMAGE "a=T38MaxBitRate:-1\r\n", SDP_E_T38 },
	{ "T38FaxMaxDatagram bare", IMAGE "a=T38FaxMaxDatagram\r\n", SDP_E_T38 },
	{ "T38FaxMaxDatagram 10 digits", IMAGE "a=T38FaxMaxDatagram:1234567890\r\n", SDP_E_T38 },
	{ "fill bit :2", IMAGE "a=T38FaxFillBitRemoval:2\r\n", SDP_E_T38 },
	{ "mmr :true", IMAGE "a=T38FaxTranscodingMMR:true\r\n", SDP_E_T38 },
	{ "rate management unknown", IMAGE "a=T38FaxRateManagement:sometimes\r\n", SDP_E_T38 },
	{ "udp ec unknown", IMAGE "a=T38FaxUdpEC:t38UDPMagic\r\n", SDP_E_T38 },
	{ "T38FaxVersion twice", IMAGE "a=T38FaxVersion:0\r\na=T38FaxVersion:0\r\n",
	  SDP_E_DUPLICATE },
	{ "fill bit twice", IMAGE "a=T38FaxFillBitRemoval\r\na=T38FaxFillBitRemoval:1\r\n",
	  SDP_E_DUPLICATE },
	{ "lone CR", "v=0\r\no=- 1 1 IN IP4 " V4 "\r\ns=a\rb\r\nt=0 0\r\n", SDP_E_CHARSET },
	{ "control byte", HEAD "s=\x01\r\n", SDP_E_CHARSET },
	{ "DEL byte", HEAD "i=\x7f\r\n", SDP_E_CHARSET },
};

START_TEST(test_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	struct sdp_session *s = malloc(sizeof(*s)), *zero = calloc(1, sizeof(*zero));
	char err[160];

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(zero);
	memset(s, 0xA5, sizeof(*s));
	enum sdp_err e = sdp_parse(c->sdp, strlen(c->sdp), s, err, sizeof(err));
	ck_assert_msg(e == c->err, "%s: %d (%s, %s), want %d (%s)", c->name, e, sdp_strerror(e),
		      err, c->err, sdp_strerror(c->err));
	ck_assert_msg(strncmp(err, "line ", 5) == 0 && strlen(err) > 8, "%s: message \"%s\"",
		      c->name, err);
	ck_assert_msg(memcmp(s, zero, sizeof(*s)) == 0, "%s: partial result left", c->name);
	free(s);
	free(zero);
}
END_TEST

/* A NUL inside the body (the length says where it ends, not the NUL). */
START_TEST(test_nul_byte)
{
	static const char body[] = HEAD "s=a\0b\r\n";
	struct sdp_session s;

	ck_assert_int_eq(sdp_parse(body, sizeof(body) - 1, &s, NULL, 0), SDP_E_CHARSET);
	/* the same bytes cut before the NUL line end are fine but for the line */
	ck_assert_int_eq(sdp_parse(body, strlen(HEAD), &s, NULL, 0), SDP_OK);
}
END_TEST

/* Caps: body size, line length, media lines, formats, attributes. */
START_TEST(test_caps)
{
	static char big[FGW_SDP_MAX_BODY + 512];
	struct sdp_session *s = malloc(sizeof(*s));
	char err[160];
	size_t n;

	ck_assert_ptr_nonnull(s);
	/* a body of exactly FGW_SDP_MAX_BODY parses, one byte more does not */
	n = (size_t)snprintf(big, sizeof(big), AUDIO("0"));
	while (n + 12 <= FGW_SDP_MAX_BODY)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "i=xxxxxxxx\r\n");
	while (n < FGW_SDP_MAX_BODY)
		big[n++] = '\n';
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_OK);
	big[n++] = '\n';
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_E_TOO_BIG);

	/* a line of FGW_SDP_MAX_LINE bytes, then one more */
	n = (size_t)snprintf(big, sizeof(big), HEAD "i=");
	memset(big + n, 'x', FGW_SDP_MAX_LINE - 2);
	n += FGW_SDP_MAX_LINE - 2;
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_OK);
	big[n++] = 'x';
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_E_LINE_TOO_LONG);

	/* FGW_SDP_MAX_MEDIA m= lines, then one more */
	n = (size_t)snprintf(big, sizeof(big), HEAD);
	for (int i = 0; i < FGW_SDP_MAX_MEDIA; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "m=audio %d RTP/AVP 0\r\n", 4000 + i);
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_OK);
	ck_assert_uint_eq(s->n_media, FGW_SDP_MAX_MEDIA);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "m=audio 5000 RTP/AVP 0\r\n");
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_E_TOO_MANY_MEDIA);

	/* FGW_SDP_MAX_FORMATS formats, then one more */
	n = (size_t)snprintf(big, sizeof(big), HEAD "m=audio 4000 RTP/AVP");
	for (int i = 0; i < FGW_SDP_MAX_FORMATS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, " %d", i);
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_OK);
	n += (size_t)snprintf(big + n, sizeof(big) - n, " 99");
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_E_TOO_MANY_FORMATS);

	/* FGW_SDP_MAX_ATTRS a= lines in a section, then one more */
	n = (size_t)snprintf(big, sizeof(big), AUDIO("0"));
	for (int i = 0; i < FGW_SDP_MAX_ATTRS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "a=x-%d\r\n", i);
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_OK);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "a=x-last\r\n");
	ck_assert_int_eq(sdp_parse(big, n, s, err, sizeof(err)), SDP_E_TOO_MANY_ATTRS);
	ck_assert_str_eq(err, "line 71: more than FGW_SDP_MAX_ATTRS a= lines");
	free(s);
}
END_TEST

/* What the parser keeps of a session, beyond the plan. */
START_TEST(test_parse_fields)
{
	struct sdp_session s;

	parse_ok(CARRIER, &s, "carrier");
	ck_assert_str_eq(s.origin_user, "-");
	ck_assert_str_eq(s.origin_id, "3849204837");
	ck_assert_str_eq(s.origin_version, "3849204837");
	ck_assert_uint_eq(s.n_media, 1);
	const struct sdp_media *m = &s.media[0];
	ck_assert_int_eq(m->type, SDP_MEDIA_AUDIO);
	ck_assert_int_eq(m->proto, SDP_PROTO_RTP_AVP);
	ck_assert_uint_eq(m->n_formats, 3);
	ck_assert_int_eq(m->formats[0].codec, SDP_CODEC_PCMA);
	ck_assert_int_eq(m->formats[1].codec, SDP_CODEC_G726);
	ck_assert_int_eq(m->formats[2].codec, SDP_CODEC_TELEPHONE_EVENT);
	ck_assert(m->formats[2].rtpmap);
	ck_assert_uint_eq(m->ptime, 30);
	ck_assert_int_eq(m->dir, SDP_DIR_SENDRECV);
	ck_assert(!m->t38);

	parse_ok(CISCO, &s, "cisco");
	m = &s.media[0];
	ck_assert(m->t38);
	ck_assert_uint_eq(m->t38p.max_buffer, 200);
	ck_assert_uint_eq(m->t38p.max_datagram, 72);
	ck_assert_int_eq(m->t38p.style, SDP_T38_STYLE_VALUE);
	ck_assert_uint_eq(m->t38p.flags, 0);
	ck_assert_uint_eq(m->t38p.present, H_BASE | H_FLAGS | SDP_T38_HAS_MAX_BUFFER);

	/* T.38 attributes outside an image stream are not read */
	parse_ok(AUDIO("0") "a=T38FaxVersion:x\r\n", &s, "t38 in audio");
	ck_assert_uint_eq(s.media[0].t38p.present, 0);
	/* a disabled stream needs no c= */
	parse_ok("v=0\r\no=- 1 1 IN IP4 " V4 "\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n", &s, "off");
	ck_assert_int_eq(s.media[0].conn.family, 0);
}
END_TEST

/* ----- writer ----------------------------------------------------------------------- */

#define T38_OFFER_P3 "v=0\r\no=faxgw 42 7 IN IP4 192.0.2.10\r\ns=faxgw\r\n" \
	"c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=image 5000 udptl t38\r\na=T38FaxVersion:3\r\n" \
	"a=T38MaxBitRate:14400\r\na=T38FaxFillBitRemoval\r\na=T38FaxTranscodingMMR\r\n" \
	"a=T38FaxTranscodingJBIG\r\na=T38FaxRateManagement:transferredTCF\r\n" \
	"a=T38FaxMaxDatagram:400\r\na=T38FaxUdpEC:t38UDPFEC\r\n"

START_TEST(test_write_offers)
{
	char buf[1024];
	size_t len;
	struct sdp_local l6 = { "2001:db8::10", 6000, 1, 2 };

	ck_assert_int_eq(sdp_write_offer(&P3, SDP_TRANSPORT_T38, &LOCAL, buf, sizeof(buf), &len),
			 SDP_OK);
	ck_assert_str_eq(buf, T38_OFFER_P3);
	ck_assert_uint_eq(len, strlen(T38_OFFER_P3));
	ck_assert_int_eq(sdp_write_offer(&PB, SDP_TRANSPORT_T38, &l6, buf, sizeof(buf), &len), SDP_OK);
	ck_assert_str_eq(buf, "v=0\r\no=faxgw 1 2 IN IP6 2001:db8::10\r\ns=faxgw\r\n"
			 "c=IN IP6 2001:db8::10\r\nt=0 0\r\nm=image 6000 udptl t38\r\n"
			 "a=T38FaxVersion:2\r\na=T38MaxBitRate:9600\r\n"
			 "a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:1024\r\n"
			 "a=T38FaxMaxDatagram:300\r\n");
	ck_assert_int_eq(sdp_write_offer(&P3, SDP_TRANSPORT_AUDIO, &LOCAL, buf, sizeof(buf), &len),
			 SDP_OK);
	ck_assert_str_eq(buf, "v=0\r\no=faxgw 42 7 IN IP4 192.0.2.10\r\ns=faxgw\r\n"
			 "c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 5000 RTP/AVP 8 0\r\n"
			 "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
			 "a=sendrecv\r\n");
}
END_TEST

/* Our T.38 offer answered by a peer: the plan we use. */
START_TEST(test_plan_from_answer)
{
	struct sdp_session s;
	struct sdp_plan p;
	const struct sdp_plan want = T38_AT(0, "10.1.1.1", 16384, H_BASE | H_FLAGS, 0, 14400, 0, VAL,
					    TCF, 0, 400, NOEC, 72);

	parse_ok(CISCO, &s, "cisco answer");
	ck_assert_int_eq(sdp_plan_from_answer(&s, &P3, SDP_TRANSPORT_T38, &p), SDP_OK);
	assert_plan_eq(&p, &want, "cisco answer");
	ck_assert_int_eq(sdp_plan_from_answer(&s, &P3, SDP_TRANSPORT_AUDIO, &p),
			 SDP_E_NOT_ACCEPTABLE);
	parse_ok(HEAD "m=image 0 udptl t38\r\n", &s, "refused");
	ck_assert_int_eq(sdp_plan_from_answer(&s, &P3, SDP_TRANSPORT_T38, &p), SDP_E_NOT_ACCEPTABLE);
	ck_assert_int_eq(p.transport, SDP_TRANSPORT_NONE);
}
END_TEST

/* Every buffer shorter than the text fails with SDP_E_NO_SPACE, terminated. */
START_TEST(test_write_no_space)
{
	char buf[1024], small[1024];
	size_t len, len2;
	struct sdp_session s;
	struct sdp_answer ans;

	ck_assert_int_eq(sdp_write_offer(&P3, SDP_TRANSPORT_T38, &LOCAL, buf, sizeof(buf), &len),
			 SDP_OK);
	for (size_t n = 1; n <= len; n++) {
		ck_assert_int_eq(sdp_write_offer(&P3, SDP_TRANSPORT_T38, &LOCAL, small, n, &len2),
				 SDP_E_NO_SPACE);
		ck_assert_uint_lt(strlen(small), n);
	}
	ck_assert_int_eq(sdp_write_offer(&P3, SDP_TRANSPORT_T38, &LOCAL, small, len + 1, &len2),
			 SDP_OK);
	ck_assert_uint_eq(len2, len);

	parse_ok(HEAD AV_IMG, &s, "audio+image");
	ck_assert_int_eq(sdp_answer(&s, &P3, &ans), SDP_OK);
	ck_assert_int_eq(sdp_write_answer(&s, &ans, &LOCAL, buf, sizeof(buf), &len), SDP_OK);
	for (size_t n = 1; n <= len; n++)
		ck_assert_int_eq(sdp_write_answer(&s, &ans, &LOCAL, small, n, &len2), SDP_E_NO_SPACE);
}
END_TEST

/* A session refresh keeps the media; a new port, law or transport does not. */
START_TEST(test_same_media)
{
	static const char *const same[] = {
		AUDIO("8 0") "a=ptime:20\r\n",
		"v=0\r\no=- 1 2 IN IP4 " V4 "\r\ns=-\r\nc=IN IP4 " V4 "\r\nt=0 0\r\n"
		"m=audio 4002 RTP/AVP 8\r\na=sendrecv\r\n",
		"v=0\no=peer 9 9 IN IP4 " V4 "\ns=x\nt=0 0\nm=audio 4002 RTP/AVP 8 101\nc=IN IP4 " V4
		"\na=rtpmap:101 telephone-event/8000\n",
	};
	static const char *const changed[] = {
		AUDIO("8") "a=ptime:30\r\n",
		AUDIO("0"),
		HEAD "m=audio 4004 RTP/AVP 8\r\n",
		AUDIO("8") "c=IN IP4 192.0.2.2\r\n",
		AUDIO("8") "a=sendonly\r\n",
		IMAGE O_STD,
	};
	struct sdp_session s;
	struct sdp_answer cur, next;

	parse_ok(same[0], &s, "current");
	ck_assert_int_eq(sdp_answer(&s, &P3, &cur), SDP_OK);
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		parse_ok(same[i], &s, "same");
		ck_assert_int_eq(sdp_answer(&s, &P3, &next), SDP_OK);
		ck_assert_msg(sdp_plan_same_media(&cur.plan, &next.plan), "same %zu", i);
	}
	for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		parse_ok(changed[i], &s, "changed");
		ck_assert_int_eq(sdp_answer(&s, &P3, &next), SDP_OK);
		ck_assert_msg(!sdp_plan_same_media(&cur.plan, &next.plan), "changed %zu", i);
	}
	/* T.38: the same offer again is the same; another MaxDatagram is not */
	parse_ok(CISCO, &s, "cisco");
	ck_assert_int_eq(sdp_answer(&s, &P3, &cur), SDP_OK);
	ck_assert_int_eq(sdp_answer(&s, &P3, &next), SDP_OK);
	ck_assert(sdp_plan_same_media(&cur.plan, &next.plan));
	next.plan.t38_send_max_datagram = 400;
	ck_assert(!sdp_plan_same_media(&cur.plan, &next.plan));
}
END_TEST

START_TEST(test_invalid_arguments)
{
	struct sdp_session s;
	struct sdp_answer ans;
	struct sdp_settings bad = P3;
	struct sdp_local host = { "gw.example.org", 5000, 1, 1 };
	char buf[512];

	ck_assert_int_eq(sdp_parse(NULL, 1, &s, NULL, 0), SDP_E_INVAL);
	ck_assert_int_eq(sdp_parse("v=0", 3, NULL, NULL, 0), SDP_E_INVAL);
	parse_ok(AUDIO("0"), &s, "audio");
	ck_assert_int_eq(sdp_answer(&s, NULL, &ans), SDP_E_INVAL);
	bad.t38_version = 4;
	ck_assert_int_eq(sdp_answer(&s, &bad, &ans), SDP_E_INVAL);
	bad = P3;
	bad.codecs[1] = SDP_CODEC_G729;
	ck_assert_int_eq(sdp_answer(&s, &bad, &ans), SDP_E_INVAL);
	bad = P3;
	bad.n_codecs = 0;
	ck_assert_int_eq(sdp_answer(&s, &bad, &ans), SDP_E_INVAL);
	ck_assert_int_eq(sdp_answer(&s, &P3, &ans), SDP_OK);
	ck_assert_int_eq(sdp_write_answer(&s, &ans, &host, buf, sizeof(buf), NULL), SDP_E_INVAL);
	host.addr = "192.0.2.10";
	host.port = 0;
	ck_assert_int_eq(sdp_write_answer(&s, &ans, &host, buf, sizeof(buf), NULL), SDP_E_INVAL);
	bad = P3;
	bad.ptime = 90;
	ck_assert_int_eq(sdp_write_offer(&bad, SDP_TRANSPORT_AUDIO, &LOCAL, buf, sizeof(buf), NULL),
			 SDP_E_INVAL);
	ck_assert_int_eq(sdp_write_offer(&P3, SDP_TRANSPORT_NONE, &LOCAL, buf, sizeof(buf), NULL),
			 SDP_E_INVAL);
	ck_assert_str_eq(sdp_strerror(SDP_E_NO_SPACE), "SDP buffer too small");
	ck_assert_str_eq(sdp_strerror(-100), "unknown SDP error");
	ck_assert_str_eq(sdp_strerror(1), "unknown SDP error");
}
END_TEST

/* ----- the fuzz seed corpus: real offers, each answered as expected ------------- */

struct corpus_case {
	const char *file;              /* in tests/fuzz/corpus/sdp/ */
	int status;
	enum sdp_transport transport;
	size_t media_index;
	unsigned detail;               /* audio: payload type; T.38: version */
	unsigned ptime_or_limit;       /* audio: ptime; T.38: send limit */
};

static const struct corpus_case corpus_cases[] = {
	{ "asterisk-g711.sdp", 200, SDP_TRANSPORT_AUDIO, 0, 8, 20 },
	{ "asterisk-t38-reinvite.sdp", 200, SDP_TRANSPORT_T38, 0, 0, 400 },
	{ "freeswitch-g711.sdp", 200, SDP_TRANSPORT_AUDIO, 0, 8, 20 },
	{ "freeswitch-t38-reinvite.sdp", 200, SDP_TRANSPORT_T38, 0, 0, 400 },
	{ "cisco-g711.sdp", 200, SDP_TRANSPORT_AUDIO, 0, 8, 20 },
	{ "cisco-t38.sdp", 200, SDP_TRANSPORT_T38, 0, 0, 72 },
	{ "carrier-pcma-ptime30-cdsc.sdp", 200, SDP_TRANSPORT_AUDIO, 0, 8, 30 },
	{ "ata-direct-t38.sdp", 200, SDP_TRANSPORT_T38, 0, 0, 1400 },
	{ "audio-and-image.sdp", 200, SDP_TRANSPORT_T38, 1, 3, 320 },
	{ "ipv6-media-c.sdp", 200, SDP_TRANSPORT_AUDIO, 0, 0, 20 },
	{ "g729-only.sdp", 488, SDP_TRANSPORT_NONE, 0, 0, 0 },
	{ "hold-reinvite.sdp", 200, SDP_TRANSPORT_AUDIO, 0, 8, 20 },
	{ "lf-only-dynamic.sdp", 200, SDP_TRANSPORT_AUDIO, 0, 96, 10 },
};

static size_t read_corpus_file(const char *name, char *buf, size_t size)
{
	const char *top = getenv("FAXGW_TOP");
	char path[512];

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/sdp/%s", top ? top : ".", name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	size_t n = fread(buf, 1, size, f);
	fclose(f);
	ck_assert_uint_lt(n, size);
	return n;
}

START_TEST(test_corpus_offers)
{
	const struct corpus_case *c = &corpus_cases[_i];
	static char buf[FGW_SDP_MAX_BODY + 1];
	struct sdp_session *s = malloc(sizeof(*s));
	struct sdp_answer ans;
	char err[160];

	ck_assert_ptr_nonnull(s);
	size_t n = read_corpus_file(c->file, buf, sizeof(buf));
	ck_assert_msg(sdp_parse(buf, n, s, err, sizeof(err)) == SDP_OK, "%s: %s", c->file, err);
	sdp_answer(s, &P3, &ans);
	ck_assert_msg(ans.status == c->status, "%s: status %d", c->file, ans.status);
	ck_assert_int_eq(ans.plan.transport, c->transport);
	ck_assert_uint_eq(ans.plan.media_index, c->media_index);
	if (c->transport == SDP_TRANSPORT_AUDIO) {
		ck_assert_uint_eq(ans.plan.payload_type, c->detail);
		ck_assert_uint_eq(ans.plan.ptime, c->ptime_or_limit);
	} else if (c->transport == SDP_TRANSPORT_T38) {
		ck_assert_uint_eq(ans.plan.t38.version, c->detail);
		ck_assert_uint_eq(ans.plan.t38_send_max_datagram, c->ptime_or_limit);
	}
	free(s);
}
END_TEST

/* Every seed file is in the table above. */
START_TEST(test_corpus_listed)
{
	const char *top = getenv("FAXGW_TOP");
	char path[512];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/sdp", top ? top : ".");
	DIR *d = opendir(path);
	ck_assert_msg(d != NULL, "cannot open %s", path);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		bool listed = false;
		if (e->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < sizeof(corpus_cases) / sizeof(corpus_cases[0]); i++)
			listed |= strcmp(e->d_name, corpus_cases[i].file) == 0;
		ck_assert_msg(listed, "%s: add it to corpus_cases", e->d_name);
		n++;
	}
	closedir(d);
	ck_assert_uint_eq(n, sizeof(corpus_cases) / sizeof(corpus_cases[0]));
}
END_TEST

Suite *sdp_suite(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc = tcase_create("core");
	int n_oa = (int)(sizeof(oa_cases) / sizeof(oa_cases[0]));
	int n_bad = (int)(sizeof(bad_cases) / sizeof(bad_cases[0]));

	tcase_add_loop_test(tc, test_offer_answer_table, 0, n_oa);
	tcase_add_loop_test(tc, test_round_trip, 0, n_oa);
	tcase_add_loop_test(tc, test_malformed, 0, n_bad);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_parse_fields);
	tcase_add_test(tc, test_write_offers);
	tcase_add_test(tc, test_plan_from_answer);
	tcase_add_test(tc, test_write_no_space);
	tcase_add_test(tc, test_same_media);
	tcase_add_test(tc, test_invalid_arguments);
	tcase_add_loop_test(tc, test_corpus_offers, 0,
			    (int)(sizeof(corpus_cases) / sizeof(corpus_cases[0])));
	tcase_add_test(tc, test_corpus_listed);
	suite_add_tcase(s, tc);
	return s;
}
