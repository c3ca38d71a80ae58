/*
 * test_sip.c - gateway/sip/sip_policy.c (what faxgwd answers, from plain
 * values: a table of requests with the status expected) and
 * gateway/sip/sip_thread.c (the SIP thread started on a free loopback
 * port, asked OPTIONS over UDP, drained, stopped), and gateway/sipconf.c
 * (the configuration turned into the SIP layer's settings).
 *
 * The rules under test: RFC 3261 21 (the status codes), DESIGN 2b.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "caps.h"
#include "config.h"
#include "sip_policy.h"
#include "sip_thread.h"
#include "sipconf.h"

Suite *sip_suite(void);

#define G711_OFFER "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" \
		   "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
#define G729_OFFER "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" \
		   "m=audio 4000 RTP/AVP 18\r\n"
#define T38_OFFER  "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" \
		   "m=image 4000 udptl t38\r\n"

/* Two ports: 10 answers 5550100 and 5550101 with 2 channels, t38 = no;
 * 11 answers every other user with 1 channel, T.38 accepted.  Sources:
 * 127.0.0.0/8 and 2001:db8::/32; at most 3 calls. */
static struct sip_settings *policy_settings(void)
{
	struct sip_settings *s = calloc(1, sip_settings_size(2));
	const char *why = NULL;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(fgwx_cidr_parse("127.0.0.0/8", &s->allow[0], &why), 0);
	ck_assert_int_eq(fgwx_cidr_parse("2001:db8::/32", &s->allow[1], &why), 0);
	s->nallow = 2;
	s->max_calls = 3;
	s->nports = 2;
	struct sip_port_settings *p = &s->ports[0];
	p->id = 10;
	snprintf(p->users[0], sizeof(p->users[0]), "5550100");
	snprintf(p->users[1], sizeof(p->users[1]), "5550101");
	p->nusers = 2;
	p->channels = 2;
	p->sdp = (struct sdp_settings){ .t38 = SDP_T38_NO, .n_codecs = 1,
		.codecs = { SDP_CODEC_PCMA }, .max_rate = 14400,
		.udptl_ec = SDP_T38_EC_REDUNDANCY, .t38_max_datagram = 400, .ptime = 20 };
	p = &s->ports[1];
	p->id = 11;
	p->any = true;
	p->channels = 1;
	p->sdp = (struct sdp_settings){ .t38 = SDP_T38_ACCEPT, .n_codecs = 2,
		.codecs = { SDP_CODEC_PCMU, SDP_CODEC_PCMA }, .max_rate = 14400,
		.udptl_ec = SDP_T38_EC_REDUNDANCY, .t38_max_datagram = 400, .ptime = 20 };
	return s;
}

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, text, &a->sin_addr), 1);
	}
	return ss;
}

struct invite_case {
	const char *src;
	const char *user;
	unsigned calls, calls10, calls11;
	bool draining;
	int status;                /* 0: goes on to the offer */
	int port;                  /* its index when status is 0 */
};

static const struct invite_case invites[] = {
	{ "127.0.0.1", "5550100", 0, 0, 0, false, 0, 0 },
	{ "127.0.0.2", "5550101", 0, 0, 0, false, 0, 0 },
	{ "2001:db8::5", "5550101", 0, 0, 0, false, 0, 0 },
	{ "127.0.0.1", "5550102", 0, 0, 0, false, 0, 1 },      /* the `*` port */
	{ "127.0.0.1", "", 0, 0, 0, false, 0, 1 },             /* no user: `*` too */
	{ "192.0.2.1", "5550100", 0, 0, 0, false, 403, -1 },   /* outside allow */
	{ "2001:db9::1", "5550100", 0, 0, 0, false, 403, -1 },
	{ "192.0.2.1", "5550100", 0, 0, 0, true, 403, -1 },    /* a stranger first */
	{ "127.0.0.1", "5550100", 0, 0, 0, true, 503, -1 },    /* draining */
	{ "127.0.0.1", "5550100", 3, 1, 2, false, 503, -1 },   /* max-calls */
	{ "127.0.0.1", "5550100", 2, 2, 0, false, 486, -1 },   /* port 10 full */
	{ "127.0.0.1", "5550100", 2, 1, 1, false, 0, 0 },
	{ "127.0.0.1", "x", 1, 0, 1, false, 486, -1 },         /* port 11 full */
};

START_TEST(test_invite_table)
{
	const struct invite_case *c = &invites[_i];
	struct sip_settings *s = policy_settings();
	struct sockaddr_storage src = addr(c->src);
	unsigned per_port[2] = { c->calls10, c->calls11 };
	struct sip_load load = { c->calls, per_port, c->draining, 0 };
	int port = 99;

	ck_assert_int_eq(sip_policy_invite(s, (struct sockaddr *)&src, c->user, &load, &port),
			 c->status);
	ck_assert_int_eq(port, c->port);
	free(s);
}
END_TEST

START_TEST(test_invite_no_source)
{
	struct sip_settings *s = policy_settings();
	struct sip_load load = { 0, NULL, false, 0 };
	int port;

	ck_assert_int_eq(sip_policy_invite(s, NULL, "5550100", &load, &port), 403);
	ck_assert_int_eq(sip_policy_options(s, NULL, false), 403);
	free(s);
}
END_TEST

START_TEST(test_no_wildcard_port)
{
	struct sip_settings *s = policy_settings();
	struct sockaddr_storage src = addr("127.0.0.1");
	struct sip_load load = { 0, NULL, false, 0 };
	int port;

	s->ports[1].any = false;
	ck_assert_int_eq(sip_policy_port(s, "5550101"), 0);
	ck_assert_int_eq(sip_policy_port(s, "5550102"), -1);
	ck_assert_int_eq(sip_policy_invite(s, (struct sockaddr *)&src, "5550102", &load, &port),
			 404);
	ck_assert_int_eq(port, -1);
	/* An empty allow list serves every source. */
	s->nallow = 0;
	src = addr("198.51.100.1");
	ck_assert_int_eq(sip_policy_invite(s, (struct sockaddr *)&src, "5550101", &load, &port), 0);
	free(s);
}
END_TEST

/* max-calls-per-source: one source at its bound gets 503, the others go on. */
START_TEST(test_invite_per_source)
{
	struct sip_settings *s = policy_settings();
	struct sockaddr_storage src = addr("127.0.0.1");
	unsigned per_port[2] = { 0, 0 };
	struct sip_load load = { 2, per_port, false, 2 };
	int port;

	s->max_calls_per_source = 2;
	ck_assert_int_eq(sip_policy_invite(s, (struct sockaddr *)&src, "5550100", &load, &port),
			 503);
	load.source_calls = 1;
	ck_assert_int_eq(sip_policy_invite(s, (struct sockaddr *)&src, "5550100", &load, &port), 0);
	free(s);
}
END_TEST

START_TEST(test_options)
{
	struct sip_settings *s = policy_settings();
	struct sockaddr_storage in = addr("127.0.0.1"), out = addr("192.0.2.1");

	ck_assert_int_eq(sip_policy_options(s, (struct sockaddr *)&in, false), 200);
	ck_assert_int_eq(sip_policy_options(s, (struct sockaddr *)&in, true), 503);
	ck_assert_int_eq(sip_policy_options(s, (struct sockaddr *)&out, false), 403);
	free(s);
}
END_TEST

START_TEST(test_offers)
{
	struct sip_settings *s = policy_settings();
	static struct sdp_session offer_scratch;
	struct sdp_answer ans;
	char warn[FGW_SDP_MAX_WARNING];

	/* Port 10 speaks PCMA only: a PCMU offer is refused, with a reason. */
	ck_assert_int_eq(sip_policy_offer(&s->ports[0], G711_OFFER, strlen(G711_OFFER), &offer_scratch, &ans, warn,
					  sizeof(warn)), 488);
	ck_assert_msg(strstr(warn, "Incompatible media format") != NULL, "%s", warn);
	ck_assert_int_eq(sip_policy_offer(&s->ports[1], G711_OFFER, strlen(G711_OFFER), &offer_scratch, &ans, warn,
					  sizeof(warn)), 200);
	ck_assert_int_eq(ans.plan.transport, SDP_TRANSPORT_AUDIO);
	ck_assert_int_eq(ans.plan.law, SDP_CODEC_PCMU);
	ck_assert_str_eq(warn, "");
	ck_assert_int_eq(sip_policy_offer(&s->ports[1], G729_OFFER, strlen(G729_OFFER), &offer_scratch, &ans, warn,
					  sizeof(warn)), 488);
	ck_assert_int_eq(sip_policy_offer(&s->ports[0], T38_OFFER, strlen(T38_OFFER), &offer_scratch, &ans, warn,
					  sizeof(warn)), 488);
	ck_assert_int_eq(sip_policy_offer(&s->ports[1], T38_OFFER, strlen(T38_OFFER), &offer_scratch, &ans, warn,
					  sizeof(warn)), 200);
	ck_assert_int_eq(ans.plan.transport, SDP_TRANSPORT_T38);
	/* Not SDP at all: 488 with the parser's reason. */
	ck_assert_int_eq(sip_policy_offer(&s->ports[1], "hello", 5, &offer_scratch, &ans, warn, sizeof(warn)), 488);
	ck_assert_msg(strncmp(warn, "Bad SDP: line 1", 15) == 0, "%s", warn);
	/* No offer: acceptable (we would make one). */
	ck_assert_int_eq(sip_policy_offer(&s->ports[1], "", 0, &offer_scratch, &ans, warn, sizeof(warn)), 200);
	ck_assert_int_eq(ans.status, 0);
	free(s);
}
END_TEST

/* --- sipconf: the configuration as settings ------------------------------------ */

/* Warning values (RFC 3261 20.43): quoted text stays one quoted string,
 * and a short buffer still gets a terminated value. */
START_TEST(test_warning_value)
{
	char w[64];

	sip_policy_warning(w, sizeof(w), 305, "faxgw", "Incompatible media format");
	ck_assert_str_eq(w, "305 faxgw \"Incompatible media format\"");
	sip_policy_warning(w, sizeof(w), 399, "faxpeer", "say \"hi\"\\\r\nnow");
	ck_assert_str_eq(w, "399 faxpeer \"say 'hi''''now\"");
	sip_policy_warning(w, 16, 399, "faxgw", "a rather long explanation");
	ck_assert_uint_eq(strlen(w), 15);
	ck_assert_str_eq(w, "399 faxgw \"a r\"");
	sip_policy_warning(w, 4, 399, "faxgw", "x");
	ck_assert_uint_eq(strlen(w), 3);
}
END_TEST

START_TEST(test_sipconf_settings)
{
	static const char text[] =
		"[sip]\nlisten = udp:127.0.0.1:5090, tcp:[::1]:5091\nallow = 10.0.0.0/8\n"
		"max-calls = 9\nusername = fax\npassword = pw\n"
		"[port 1]\ntransport = t38\nlisten = 127.0.0.1:4000\n"
		"[port 7]\ntransport = sip\nsip-user = 1, 2, *\nchannels = 3\nt38 = accept\n"
		"codecs = pcmu, pcma\nt38-max-datagram = 300\nt38-version = 2\nudptl-ec = none\n"
		"max-rate = 9600\n";
	struct config_errors *errs = calloc(1, sizeof(*errs));
	struct config *c = NULL;

	ck_assert_int_eq(config_load_string("t.conf", text, strlen(text), &c, errs), 0);
	struct sip_settings *s = sipconf_settings(c);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->nlisten, 2);
	ck_assert_str_eq(s->listen_url[0], "sip:127.0.0.1:5090;transport=udp");
	ck_assert_str_eq(s->listen_url[1], "sip:[::1]:5091;transport=tcp");
	ck_assert_uint_eq(s->nallow, 1);
	ck_assert_uint_eq(s->max_calls, 9);
	ck_assert_uint_eq(s->max_calls_per_source, 9);     /* unset: max-calls */
	ck_assert_str_eq(s->username, "fax");
	ck_assert_str_eq(s->password, "pw");
	ck_assert_uint_eq(s->listen_len[0], sizeof(struct sockaddr_in));
	ck_assert(!s->listen_tcp[0]);
	ck_assert(s->listen_tcp[1]);
	ck_assert_uint_eq(s->nports, 1);
	const struct sip_port_settings *p = &s->ports[0];
	ck_assert_uint_eq(p->id, 7);
	ck_assert_uint_eq(p->nusers, 2);
	ck_assert_str_eq(p->users[1], "2");
	ck_assert(p->any);
	ck_assert_uint_eq(p->channels, 3);
	ck_assert_int_eq(p->sdp.t38, SDP_T38_ACCEPT);
	ck_assert_uint_eq(p->sdp.n_codecs, 2);
	ck_assert_int_eq(p->sdp.codecs[0], SDP_CODEC_PCMU);
	ck_assert_int_eq(p->sdp.codecs[1], SDP_CODEC_PCMA);
	ck_assert_uint_eq(p->sdp.t38_max_datagram, 300);
	ck_assert_uint_eq(p->sdp.t38_version, 2);
	ck_assert_int_eq(p->sdp.udptl_ec, SDP_T38_EC_NONE);
	ck_assert_uint_eq(p->sdp.max_rate, 9600);
	ck_assert_uint_eq(p->sdp.ptime, 20);
	free(s);
	config_free(c);
	free(errs);
}
END_TEST


/* --- sending: what to dial ---------------------------------------------------- */

struct dial_uri_case {
	const char *to, *proxy;
	const char *uri;           /* NULL: refused, err has `why` */
	const char *why;
};

static const struct dial_uri_case dial_uris[] = {
	{ "sip:5550100@pbx.example.org", "", "sip:5550100@pbx.example.org", NULL },
	{ "SIPS:fax@[2001:db8::1]:5061", "sip:p", "SIPS:fax@[2001:db8::1]:5061", NULL },
	{ "sip:fax@127.0.0.1:5070;transport=tcp", "", "sip:fax@127.0.0.1:5070;transport=tcp",
	  NULL },
	{ "5550100", "sip:127.0.0.1:5070", "sip:5550100@127.0.0.1:5070", NULL },
	{ "+1 (555) 010-0.1", "sip:proxy.example.org", "sip:+155501001@proxy.example.org",
	  NULL },
	{ "+15550100", "sip:gw@proxy.example.org:5080;transport=tcp;lr?X=1",
	  "sip:+15550100@proxy.example.org:5080;transport=tcp;lr", NULL },
	{ "*99", "sips:[2001:db8::9]:5061", "sip:*99@[2001:db8::9]:5061", NULL },
	{ "5550100", "", NULL, "outbound-proxy" },
	{ "555+0100", "sip:p", NULL, "neither a number" },
	{ "+", "sip:p", NULL, "neither a number" },
	{ "", "sip:p", NULL, "neither a number" },
	{ "fax@example.org", "sip:p", NULL, "neither a number" },
	{ "sip:a b@c", "", NULL, "not a sip: or sips: URI" },
	{ "sip:", "", NULL, "not a sip: or sips: URI" },
	{ "5550100", "sip:@;x", NULL, "names no host" },
};

START_TEST(test_dial_uri)
{
	const struct dial_uri_case *k = &dial_uris[_i];
	char out[FGW_MAX_SIP_URI + FGW_MAX_SEND_TO] = "", err[FGW_MAX_ERROR_TEXT] = "";
	int rc = sipconf_dial_uri(k->to, k->proxy, out, sizeof(out), err, sizeof(err));

	if (k->uri != NULL) {
		ck_assert_msg(rc == 0, "%s: %s", k->to, err);
		ck_assert_str_eq(out, k->uri);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err, k->why) != NULL, "%s: %s", k->to, err);
	}
}
END_TEST

START_TEST(test_dial_uri_too_long)
{
	char to[FGW_MAX_SEND_TO], out[64], err[FGW_MAX_ERROR_TEXT];

	memset(to, '5', sizeof(to) - 1);
	to[sizeof(to) - 1] = '\0';
	ck_assert_int_eq(sipconf_dial_uri(to, "sip:127.0.0.1", out, sizeof(out), err,
					  sizeof(err)), -1);
	ck_assert_int_eq(sipconf_dial_uri("sip:5550100@example.org:5060", "", out, 16, err,
					  sizeof(err)), -1);
	ck_assert_str_eq(err, "the URI is too long");
}
END_TEST

START_TEST(test_sipconf_from_and_ports)
{
	static const char text[] =
		"[sip]\nlisten = udp:127.0.0.1:5090\n"
		"[port 1]\ntransport = t38\nlisten = 127.0.0.1:4000\n"
		"[port 7]\ntransport = sip\nsip-user = 1\n"
		"[port 9]\ntransport = sip\nsip-user = 2\n";
	static const char with_from[] =
		"[sip]\nlisten = udp:127.0.0.1:5090\nfrom = sip:fax@example.org\n"
		"[port 7]\ntransport = sip\nsip-user = 1\n";
	struct config_errors *errs = calloc(1, sizeof(*errs));
	struct config *c = NULL;
	struct sip_settings *s;

	ck_assert_int_eq(config_load_string("t.conf", text, strlen(text), &c, errs), 0);
	s = sipconf_settings(c);
	ck_assert_str_eq(s->from, "sip:faxgw@127.0.0.1:5090");
	ck_assert_int_eq(sipconf_port_index(c, 7), 0);
	ck_assert_int_eq(sipconf_port_index(c, 9), 1);
	ck_assert_int_eq(sipconf_port_index(c, 1), -1);   /* not a sip port */
	ck_assert_int_eq(sipconf_port_index(c, 8), -1);
	free(s);
	config_free(c);
	ck_assert_int_eq(config_load_string("t.conf", with_from, strlen(with_from), &c, errs), 0);
	s = sipconf_settings(c);
	ck_assert_str_eq(s->from, "sip:fax@example.org");
	free(s);
	config_free(c);
	free(errs);
}
END_TEST

/* --- the thread, on loopback --------------------------------------------------- */

/* A UDP port nothing listens on now. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Sends an OPTIONS to 127.0.0.1:port over UDP; the status of the answer,
 * or 0 after 3 s without one. */
static int options(int port, int cseq)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char msg[512], buf[2048];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), status = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(msg, sizeof(msg),
		 "OPTIONS sip:fax@127.0.0.1:%d SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-unit-%d\r\n"
		 "From: <sip:unit@127.0.0.1>;tag=u%d\r\nTo: <sip:fax@127.0.0.1>\r\n"
		 "Call-ID: unit-%d@127.0.0.1\r\nCSeq: %d OPTIONS\r\nMax-Forwards: 70\r\n"
		 "Content-Length: 0\r\n\r\n", port, cseq, cseq, cseq, cseq);
	ck_assert_int_gt(sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof(to)), 0);
	while (poll(&pfd, 1, 3000) == 1) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (sscanf(buf, "SIP/2.0 %d", &status) == 1 && status >= 200)
			break;
	}
	close(fd);
	return status;
}

START_TEST(test_thread_options_drain_stop)
{
	struct sip_settings *s = policy_settings();
	struct sip_thread *t = NULL;
	char err[FGW_MAX_ERROR_TEXT];
	int port = free_port();

	snprintf(s->listen_url[0], sizeof(s->listen_url[0]), "sip:127.0.0.1:%d;transport=udp",
		 port);
	s->nlisten = 1;
	ck_assert_msg(sip_thread_start(s, NULL, NULL, &t, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(options(port, 1), 200);
	ck_assert_uint_eq(sip_thread_answers(t, 200), 1);
	ck_assert_uint_eq(sip_thread_answers_class(t, 2), 1);
	sip_thread_drain(t);
	ck_assert_int_eq(options(port, 2), 503);
	ck_assert_uint_eq(sip_thread_answers(t, 503), 1);
	ck_assert_uint_eq(sip_thread_answers_class(t, 5), 1);
	ck_assert_uint_eq(sip_thread_answers(t, 99), 0);
	ck_assert_uint_eq(sip_thread_answers_class(t, 7), 0);
	sip_thread_stop(t);
	ck_assert_uint_eq(sip_thread_answers(t, 503), 1);   /* readable until freed */
	sip_thread_stop(t);
	sip_thread_free(t);
	sip_thread_stop(NULL);
	sip_thread_free(NULL);
	free(s);
}
END_TEST

START_TEST(test_thread_listen_in_use)
{
	struct sip_settings *s = policy_settings();
	struct sip_thread *t = NULL, *t2 = NULL;
	char err[FGW_MAX_ERROR_TEXT];
	int port = free_port();

	struct sockaddr_storage a = addr("127.0.0.1");

	snprintf(s->listen_url[0], sizeof(s->listen_url[0]), "sip:127.0.0.1:%d;transport=udp",
		 port);
	((struct sockaddr_in *)&a)->sin_port = htons((uint16_t)port);
	s->listen_addr[0] = a;
	s->listen_len[0] = sizeof(struct sockaddr_in);
	s->nlisten = 1;
	ck_assert_msg(sip_thread_start(s, NULL, NULL, &t, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(sip_thread_start(s, NULL, NULL, &t2, err, sizeof(err)), -1);
	ck_assert_ptr_null(t2);
	ck_assert_msg(strstr(err, "Address already in use") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "cannot listen on sip:127.0.0.1:") != NULL, "%s", err);
	sip_thread_free(t);
	free(s);
}
END_TEST


/* --- sending: dials against a far end written here ------------------------------ */

/* What the SIP thread reported of its dials (its hooks, on its thread). */
struct dial_log {
	pthread_mutex_t mu;
	size_t n;
	struct sip_dial_result r[8];
	unsigned answered;
};

static void dial_log_failed(void *arg, const struct sip_dial_result *r)
{
	struct dial_log *l = arg;

	pthread_mutex_lock(&l->mu);
	if (l->n < sizeof(l->r) / sizeof(l->r[0]))
		l->r[l->n++] = *r;
	pthread_mutex_unlock(&l->mu);
}

static void dial_log_answered(void *arg, uint64_t job_id, const char *call_id)
{
	struct dial_log *l = arg;

	(void)job_id;
	(void)call_id;
	pthread_mutex_lock(&l->mu);
	l->answered++;
	pthread_mutex_unlock(&l->mu);
}

/* Waits (at most 5 s) for the report on job_id; a copy into *out. */
static bool dial_log_wait(struct dial_log *l, uint64_t job_id, struct sip_dial_result *out)
{
	for (int i = 0; i < 500; i++) {
		bool found = false;
		pthread_mutex_lock(&l->mu);
		for (size_t k = 0; k < l->n && !found; k++)
			if (l->r[k].job_id == job_id) {
				*out = l->r[k];
				found = true;
			}
		pthread_mutex_unlock(&l->mu);
		if (found)
			return true;
		usleep(10000);
	}
	return false;
}

/* A media side that takes no call (a dial answered 200 would fail). */
static int dial_no_media(void *arg, const struct sip_media *m)
{
	(void)arg;
	(void)m;
	return -1;
}

/* The far end: the next request with this method (others skipped), its
 * text in buf and its source in *from; false after 5 s without one. */
static bool far_recv(int fd, const char *method, char *buf, size_t size,
		     struct sockaddr_storage *from, socklen_t *fromlen)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t mlen = strlen(method);

	while (poll(&pfd, 1, 5000) == 1) {
		*fromlen = sizeof(*from);
		ssize_t n = recvfrom(fd, buf, size - 1, 0, (struct sockaddr *)from, fromlen);
		if (n <= 0)
			return false;
		buf[n] = '\0';
		if (strncmp(buf, method, mlen) == 0 && buf[mlen] == ' ')
			return true;
	}
	return false;
}

/* Appends the header lines of req named `name` to out. */
static void far_copy(const char *req, const char *name, const char *extra, char *out, size_t size)
{
	size_t nlen = strlen(name);

	for (const char *l = req; l != NULL && *l != '\0'; l = strstr(l, "\r\n"), l = l ? l + 2 : l) {
		size_t len = strcspn(l, "\r\n");
		if (len == 0)
			break;                   /* the body follows */
		if (strncasecmp(l, name, nlen) == 0 && l[nlen] == ':')
			snprintf(out + strlen(out), size - strlen(out), "%.*s%s\r\n", (int)len, l,
				 extra);
	}
}

/* Answers request req (from `to`) with status; with an SDP body and our
 * Contact when sdp is not NULL. */
static void far_answer_sdp(int fd, const char *req, int status, const char *phrase,
			   const char *sdp, int far_port, const struct sockaddr_storage *to,
			   socklen_t tolen)
{
	char msg[4096];

	snprintf(msg, sizeof(msg), "SIP/2.0 %d %s\r\n", status, phrase);
	far_copy(req, "Via", "", msg, sizeof(msg));
	far_copy(req, "From", "", msg, sizeof(msg));
	far_copy(req, "To", strstr(req, ";tag=far") ? "" : ";tag=far", msg, sizeof(msg));
	far_copy(req, "Call-ID", "", msg, sizeof(msg));
	far_copy(req, "CSeq", "", msg, sizeof(msg));
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
		 "Contact: <sip:far@127.0.0.1:%d>\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", far_port, strlen(sdp), sdp);
	ck_assert_int_gt(sendto(fd, msg, strlen(msg), 0, (const struct sockaddr *)to, tolen), 0);
}

/* Answers request req (from `to`) with status. */
static void far_answer(int fd, const char *req, int status, const char *phrase,
		       const struct sockaddr_storage *to, socklen_t tolen)
{
	char msg[2048];

	snprintf(msg, sizeof(msg), "SIP/2.0 %d %s\r\n", status, phrase);
	far_copy(req, "Via", "", msg, sizeof(msg));
	far_copy(req, "From", "", msg, sizeof(msg));
	far_copy(req, "To", strstr(req, ";tag=far") ? "" : ";tag=far", msg, sizeof(msg));
	far_copy(req, "Call-ID", "", msg, sizeof(msg));
	far_copy(req, "CSeq", "", msg, sizeof(msg));
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "Content-Length: 0\r\n\r\n");
	ck_assert_int_gt(sendto(fd, msg, strlen(msg), 0, (const struct sockaddr *)to, tolen), 0);
}

static int far_socket(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static struct sip_dial far_dial(uint64_t job_id, int far_port)
{
	struct sip_dial d;

	memset(&d, 0, sizeof(d));
	d.job_id = job_id;
	d.port = 1;                          /* port 11: one channel */
	snprintf(d.uri, sizeof(d.uri), "sip:5550100@127.0.0.1:%d", far_port);
	snprintf(d.file, sizeof(d.file), "/nonexistent/doc.tif");
	return d;
}

/* A ringing dial holds port 11's only channel: a second dial of that port
 * fails at once (status 0, no INVITE); the cancel of the first sends
 * CANCEL and reports the far end's 487; a 486 is reported with its
 * status and text; a 200 is ACKed and reported answered, and when no
 * media thread takes the call it fails (0) and ends with BYE; bad dials
 * are refused before the queue. */
START_TEST(test_thread_dial_busy_cancel)
{
	struct sip_settings *s = policy_settings();
	struct dial_log log = { .n = 0 };
	struct sip_hooks hooks = { .dial_answered = dial_log_answered,
				   .dial_failed = dial_log_failed, .arg = &log };
	struct sip_media_ops ops = { .start = dial_no_media };
	struct sip_thread *t = NULL;
	struct sip_dial_result r;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char err[FGW_MAX_ERROR_TEXT], invite[4096], req[4096];
	int far_port, far = far_socket(&far_port), port = free_port(), media = free_port();
	struct sip_dial d = far_dial(1, far_port);

	pthread_mutex_init(&log.mu, NULL);
	snprintf(s->listen_url[0], sizeof(s->listen_url[0]), "sip:127.0.0.1:%d;transport=udp",
		 port);
	s->nlisten = 1;
	s->media_bind = addr("127.0.0.1");
	s->media_bind_len = sizeof(struct sockaddr_in);
	snprintf(s->media_addr, sizeof(s->media_addr), "127.0.0.1");
	s->media_port_min = (unsigned)media;
	s->media_port_max = (unsigned)media + 20;
	snprintf(s->from, sizeof(s->from), "sip:unit@127.0.0.1");
	ck_assert_msg(sip_thread_start(s, &hooks, &ops, &t, err, sizeof(err)) == 0, "%s", err);

	ck_assert_msg(sip_thread_dial(t, &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert(far_recv(far, "INVITE", invite, sizeof(invite), &peer, &peerlen));
	ck_assert_msg(strstr(invite, "From: <sip:unit@127.0.0.1>") != NULL, "%s", invite);
	ck_assert_msg(strstr(invite, "m=audio ") != NULL && strstr(invite, " RTP/AVP 0 8") != NULL,
		      "%s", invite);                /* port 11's codecs: PCMU, PCMA */
	far_answer(far, invite, 180, "Ringing", &peer, peerlen);

	d = far_dial(2, far_port);
	ck_assert_int_eq(sip_thread_dial(t, &d, err, sizeof(err)), 0);
	ck_assert(dial_log_wait(&log, 2, &r));
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.reason, "no free channel on port 11");

	sip_thread_cancel(t, 99);                 /* unknown: nothing */
	sip_thread_cancel(t, 1);
	ck_assert(far_recv(far, "CANCEL", req, sizeof(req), &peer, &peerlen));
	far_answer(far, req, 200, "OK", &peer, peerlen);
	far_answer(far, invite, 487, "Request Terminated", &peer, peerlen);
	ck_assert(dial_log_wait(&log, 1, &r));
	ck_assert_int_eq(r.status, 487);
	ck_assert_msg(strstr(r.reason, "cancelled") != NULL, "%s", r.reason);
	ck_assert(far_recv(far, "ACK", req, sizeof(req), &peer, &peerlen));

	for (int i = 0; i < 500; i++) {          /* the dialog goes, its channel is free */
		struct sip_stats st;
		sip_thread_stats(t, &st);
		if (st.calls == 0)
			break;
		usleep(10000);
	}
	d = far_dial(3, far_port);
	ck_assert_int_eq(sip_thread_dial(t, &d, err, sizeof(err)), 0);
	ck_assert(far_recv(far, "INVITE", invite, sizeof(invite), &peer, &peerlen));
	far_answer(far, invite, 486, "Busy Here", &peer, peerlen);
	ck_assert(dial_log_wait(&log, 3, &r));
	ck_assert_int_eq(r.status, 486);
	ck_assert_str_eq(r.reason, "486 Busy Here");

	/* 200 with a PCMU answer: ACK, answered, then the media side takes no
	 * call: dial_failed (0) and BYE */
	for (int i = 0; i < 500; i++) {
		struct sip_stats st;
		sip_thread_stats(t, &st);
		if (st.calls == 0)
			break;
		usleep(10000);
	}
	d = far_dial(6, far_port);
	ck_assert_int_eq(sip_thread_dial(t, &d, err, sizeof(err)), 0);
	ck_assert(far_recv(far, "INVITE", invite, sizeof(invite), &peer, &peerlen));
	far_answer_sdp(far, invite, 200, "OK", G711_OFFER, far_port, &peer, peerlen);
	ck_assert(dial_log_wait(&log, 6, &r));
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.reason, "no media thread took the call");
	ck_assert_uint_eq(log.answered, 1);
	ck_assert(far_recv(far, "ACK", req, sizeof(req), &peer, &peerlen));
	ck_assert(far_recv(far, "BYE", req, sizeof(req), &peer, &peerlen));
	far_answer(far, req, 200, "OK", &peer, peerlen);

	d = far_dial(0, far_port);
	ck_assert_int_eq(sip_thread_dial(t, &d, err, sizeof(err)), -1);
	d = far_dial(4, far_port);
	d.port = 2;                              /* no such port */
	ck_assert_int_eq(sip_thread_dial(t, &d, err, sizeof(err)), -1);
	ck_assert_uint_eq(log.answered, 1);
	ck_assert_uint_eq(log.n, 4);
	sip_thread_free(t);
	d = far_dial(5, far_port);
	ck_assert_int_eq(sip_thread_dial(NULL, &d, err, sizeof(err)), -1);
	close(far);
	pthread_mutex_destroy(&log.mu);
	free(s);
}
END_TEST

Suite *sip_suite(void)
{
	Suite *s = suite_create("sip");
	TCase *tc = tcase_create("policy");

	tcase_add_loop_test(tc, test_invite_table, 0, (int)(sizeof(invites) / sizeof(invites[0])));
	tcase_add_test(tc, test_invite_no_source);
	tcase_add_test(tc, test_invite_per_source);
	tcase_add_test(tc, test_no_wildcard_port);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_offers);
	tcase_add_test(tc, test_warning_value);
	tcase_add_test(tc, test_sipconf_settings);
	tcase_add_loop_test(tc, test_dial_uri, 0, (int)(sizeof(dial_uris) / sizeof(dial_uris[0])));
	tcase_add_test(tc, test_dial_uri_too_long);
	tcase_add_test(tc, test_sipconf_from_and_ports);
	suite_add_tcase(s, tc);
	tc = tcase_create("thread");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_thread_options_drain_stop);
	tcase_add_test(tc, test_thread_listen_in_use);
	tcase_add_test(tc, test_thread_dial_busy_cancel);
	suite_add_tcase(s, tc);
	return s;
}
