/*
 * loop.c - faxpeer's event loop: one UDP socket, a poll() loop and a 20 ms
 * clock on CLOCK_MONOTONIC with absolute deadlines (no drift).  When the
 * process falls behind, up to FAXPEER_MAX_CATCHUP ticks run at once; after
 * a longer stall the clock re-anchors at "now".
 *
 * send: the socket is connected to the peer and the call starts at once
 * (the calling party's CNG or first IFPs).  receive: the call starts with
 * the first datagram; its source becomes the peer (the socket is then
 * connected to it) and datagrams from anywhere else are ignored.
 *
 * SIP (--sip, --sip-listen): sip.c owns the signalling and tells this
 * module where the media go (faxpeer_media_*): the socket is bound to our
 * address but not connected; datagrams are sent to the address the SDP
 * named and taken only from its IP (the first one from there may set the
 * port, DESIGN.md 2b); a switch from G.711 to T.38 replaces the fax_call
 * and keeps the clock.  The loop steps sofia-sip's root between ticks.
 */
#include "caps.h"
#include "faxpeer.h"
#include "sipcall.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FAXPEER_TICK_NS ((int64_t)FGW_TICK_MS * 1000000)
#define FAXPEER_IDLE_POLL_MS 1000
#define FAXPEER_SIP_POLL_MS  10      /* SIP: sofia-sip is stepped at least this often */

struct faxpeer_loop {
	const struct faxpeer_opts *o;
	int fd;
	struct sockaddr_storage local, remote;
	socklen_t local_len, remote_len;
	bool have_remote;
	bool sip_mode;                /* media per SDP: not connected, see above */
	bool port_latched;            /* SIP: a datagram from the SDP's IP set the port */
	struct sockaddr_storage via;  /* --media-via: the relay our media go through */
	socklen_t via_len;
	bool have_via;
	struct faxpeer_sip *sip;
	struct fax_call *call;
	struct faxpeer_pcap *pcap;
	uint64_t foreign;             /* datagrams from other sources, ignored */
	uint64_t send_errors;
	int pages_seen;
};

static volatile sig_atomic_t faxpeer_signalled;

static void faxpeer_on_signal(int sig)
{
	(void)sig;
	faxpeer_signalled = 1;
}

static int64_t faxpeer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void faxpeer_note(const struct faxpeer_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void faxpeer_note(const struct faxpeer_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	va_start(ap, fmt);
	fputs("faxpeer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const char *faxpeer_transport(const struct faxpeer_opts *o)
{
	if (o->call.session.mode == FAX_SESSION_T38)
		return "T.38";
	return o->call.session.use_alaw ? "audio, PCMA" : "audio, PCMU";
}

/* fax_call's send callback: one datagram to the peer. */
static void faxpeer_send(void *arg, const uint8_t *buf, size_t len)
{
	struct faxpeer_loop *l = arg;

	ssize_t n;

	if (!l->have_remote)
		return;
	if (l->sip_mode)
		n = sendto(l->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&l->remote, l->remote_len);
	else
		n = send(l->fd, buf, len, MSG_DONTWAIT);
	if (n < 0) {
		/* ECONNREFUSED: ICMP port unreachable from an earlier datagram
		 * (the peer is not up yet); the datagram is lost like any other. */
		l->send_errors++;
	}
	faxpeer_pcap_write(l->pcap, (struct sockaddr *)&l->local, (struct sockaddr *)&l->remote,
	                   buf, len);
}

/* --- set-up ---------------------------------------------------------------- */

static int faxpeer_socket(struct faxpeer_loop *l, const struct sockaddr_storage *bind_to,
                          socklen_t bind_len, int family)
{
	char text[FGW_MAX_ADDRESS];

	l->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		fprintf(stderr, "faxpeer: socket: %s\n", strerror(errno));
		return -1;
	}
	if (bind_to != NULL && bind(l->fd, (const struct sockaddr *)bind_to, bind_len) < 0) {
		faxpeer_addr_format((const struct sockaddr *)bind_to, text, sizeof(text));
		fprintf(stderr, "faxpeer: cannot bind %s: %s\n", text, strerror(errno));
		return -1;
	}
	return 0;
}

/* Connects the socket to the peer and learns our own address from it. */
static int faxpeer_connect(struct faxpeer_loop *l)
{
	char text[FGW_MAX_ADDRESS];

	if (connect(l->fd, (struct sockaddr *)&l->remote, l->remote_len) < 0) {
		faxpeer_addr_format((struct sockaddr *)&l->remote, text, sizeof(text));
		fprintf(stderr, "faxpeer: cannot reach %s: %s\n", text, strerror(errno));
		return -1;
	}
	l->local_len = sizeof(l->local);
	getsockname(l->fd, (struct sockaddr *)&l->local, &l->local_len);
	l->have_remote = true;
	return 0;
}

static int faxpeer_setup_send(struct faxpeer_loop *l)
{
	const struct faxpeer_opts *o = l->o;
	struct sockaddr_storage local;
	socklen_t local_len = 0;
	char err[FGW_MAX_ERROR_TEXT];

	if (faxpeer_addr_parse(o->remote, false, false, &l->remote, &l->remote_len, err,
	                       sizeof(err)) < 0) {
		fprintf(stderr, "faxpeer: %s\n", err);
		return -1;
	}
	if (o->local != NULL) {
		if (faxpeer_addr_parse(o->local, true, true, &local, &local_len, err, sizeof(err)) < 0) {
			fprintf(stderr, "faxpeer: --local: %s\n", err);
			return -1;
		}
		if (local.ss_family != l->remote.ss_family) {
			fprintf(stderr, "faxpeer: --local %s and %s are not of the same address family\n",
			        o->local, o->remote);
			return -1;
		}
	}
	if (faxpeer_socket(l, o->local ? &local : NULL, local_len, l->remote.ss_family) < 0)
		return -1;
	return faxpeer_connect(l);
}

static int faxpeer_setup_receive(struct faxpeer_loop *l)
{
	const struct faxpeer_opts *o = l->o;
	struct sockaddr_storage local;
	socklen_t local_len;
	char err[FGW_MAX_ERROR_TEXT], text[FGW_MAX_ADDRESS];

	if (faxpeer_addr_parse(o->local, true, true, &local, &local_len, err, sizeof(err)) < 0) {
		fprintf(stderr, "faxpeer: --listen: %s\n", err);
		return -1;
	}
	if (faxpeer_socket(l, &local, local_len, local.ss_family) < 0)
		return -1;
	l->local_len = sizeof(l->local);
	getsockname(l->fd, (struct sockaddr *)&l->local, &l->local_len);
	faxpeer_addr_format((struct sockaddr *)&l->local, text, sizeof(text));
	faxpeer_note(o, "listening on %s (%s)", text, faxpeer_transport(o));
	return 0;
}

/* --- datagrams in ------------------------------------------------------------ */

/* The first datagram of a receive call: its source is the peer. */
static int faxpeer_accept(struct faxpeer_loop *l, const struct sockaddr_storage *src, socklen_t len)
{
	char text[FGW_MAX_ADDRESS];

	memcpy(&l->remote, src, len);
	l->remote_len = len;
	if (faxpeer_connect(l) < 0)
		return -1;
	faxpeer_addr_format((struct sockaddr *)&l->remote, text, sizeof(text));
	faxpeer_note(l->o, "call from %s", text);
	return 0;
}

/* SIP: whether src is the peer the SDP named; the first datagram from its
 * IP may set the port (a peer behind a NAT, or one that sends from
 * another port than it receives on). */
static bool faxpeer_media_from_peer(struct faxpeer_loop *l, const struct sockaddr_storage *src)
{
	struct sockaddr_storage want = l->remote;

	if (faxpeer_addr_equal((const struct sockaddr *)src, (struct sockaddr *)&l->remote)) {
		l->port_latched = true;
		return true;
	}
	if (l->port_latched || src->ss_family != want.ss_family)
		return false;
	if (want.ss_family == AF_INET)
		((struct sockaddr_in *)&want)->sin_port = ((const struct sockaddr_in *)src)->sin_port;
	else
		((struct sockaddr_in6 *)&want)->sin6_port = ((const struct sockaddr_in6 *)src)->sin6_port;
	if (!faxpeer_addr_equal((const struct sockaddr *)src, (struct sockaddr *)&want))
		return false;
	l->remote = want;
	l->port_latched = true;
	return true;
}

/* Reads what is queued on the socket.  Returns -1 on a fatal error. */
static int faxpeer_drain(struct faxpeer_loop *l, bool *started)
{
	uint8_t buf[FGW_MAX_DATAGRAM + 1];

	for (int i = 0; i < FAXPEER_MAX_DRAIN; i++) {
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		ssize_t n = recvfrom(l->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&src, &slen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			fprintf(stderr, "faxpeer: recvfrom: %s\n", strerror(errno));
			return -1;
		}
		size_t len = (size_t)n > sizeof(buf) ? sizeof(buf) : (size_t)n;
		if (l->sip_mode) {
			if (l->call == NULL || !faxpeer_media_from_peer(l, &src)) {
				l->foreign++;
				continue;
			}
		} else if (!l->have_remote) {
			if (faxpeer_accept(l, &src, slen) < 0)
				return -1;
			*started = true;
		}
		if (!faxpeer_addr_equal((struct sockaddr *)&src, (struct sockaddr *)&l->remote)) {
			l->foreign++;
			continue;
		}
		faxpeer_pcap_write(l->pcap, (struct sockaddr *)&src, (struct sockaddr *)&l->local, buf, len);
		fax_call_datagram_in(l->call, buf, len);
	}
	return 0;
}

/* --- the call ------------------------------------------------------------------- */

/* Progress and --stop-after-pages; true when we hung up. */
static bool faxpeer_check_pages(struct faxpeer_loop *l, struct faxpeer_outcome *out)
{
	struct fax_session_result r;

	fax_call_result(l->call, &r);
	while (l->pages_seen < r.pages) {
		l->pages_seen++;
		faxpeer_note(l->o, "page %d %s", l->pages_seen,
		             l->o->cmd == FAXPEER_SEND ? "confirmed" : "received");
	}
	if (l->o->stop_after_pages > 0 && r.pages >= l->o->stop_after_pages && !fax_call_done(l->call)) {
		faxpeer_note(l->o, "hanging up after %d page(s) as asked", r.pages);
		fax_call_hangup(l->call);
		out->stopped = true;
		return true;
	}
	return false;
}

static int faxpeer_poll_ms(const struct faxpeer_loop *l, bool started, int64_t now, int64_t next,
                           int64_t deadline)
{
	int64_t until = started ? next : now + (int64_t)FAXPEER_IDLE_POLL_MS * 1000000;

	if (l->sip != NULL && until > now + (int64_t)FAXPEER_SIP_POLL_MS * 1000000)
		until = now + (int64_t)FAXPEER_SIP_POLL_MS * 1000000;

	if (deadline > 0 && deadline < until)
		until = deadline;
	if (until <= now)
		return 0;
	return (int)((until - now + 999999) / 1000000);
}

/* Runs due ticks; true when the call is over. */
static bool faxpeer_ticks(struct faxpeer_loop *l, int64_t now, int64_t *next)
{
	for (int n = 0; now >= *next; n++) {
		if (n == FAXPEER_MAX_CATCHUP) {
			*next = now + FAXPEER_TICK_NS;    /* stalled: re-anchor */
			break;
		}
		*next += FAXPEER_TICK_NS;
		if (fax_call_tick(l->call))
			return true;
	}
	return false;
}

static void faxpeer_loop_run(struct faxpeer_loop *l, struct faxpeer_outcome *out)
{
	const struct faxpeer_opts *o = l->o;
	struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
	bool started = o->cmd == FAXPEER_SEND && !l->sip_mode;
	int64_t now = faxpeer_now(), next = now;
	int64_t deadline = o->timeout_s > 0 ? now + (int64_t)(o->timeout_s * 1e9) : 0;

	for (;;) {
		if (faxpeer_signalled) {
			out->interrupted = true;
			break;
		}
		int rc = poll(&pfd, 1, faxpeer_poll_ms(l, started, now, next, deadline));
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "faxpeer: poll: %s\n", strerror(errno));
			break;
		}
		bool was_started = started;
		if (l->sip != NULL) {
			/* first: a 200 that came with the peer's first media
			 * datagrams starts the call they belong to */
			faxpeer_sip_step(l->sip);      /* may start or switch l->call */
			if (faxpeer_sip_over(l->sip))
				break;
			started = l->call != NULL;
		}
		if (rc > 0 && faxpeer_drain(l, &started) < 0)
			break;
		now = faxpeer_now();
		if (started && !was_started)
			next = now;
		if (started && faxpeer_ticks(l, now, &next))
			break;
		if (started && faxpeer_check_pages(l, out))
			break;
		if (deadline > 0 && now >= deadline) {
			out->timed_out = true;
			break;
		}
	}
	out->started = started;
	if (l->call == NULL)
		return;
	faxpeer_check_pages(l, out);
	if (!fax_call_done(l->call))
		fax_call_hangup(l->call);
}

static int faxpeer_make_call(struct faxpeer_loop *l, struct fax_call_params p)
{
	char err[FGW_MAX_ERROR_TEXT];

	p.session.file = l->o->file;
	p.session.dir = l->o->cmd == FAXPEER_SEND ? FAX_SESSION_SEND : FAX_SESSION_RECEIVE;
	p.session.calling_party = l->o->cmd == FAXPEER_SEND;
	p.session.log_tag = l->o->cmd == FAXPEER_SEND ? "faxpeer-send" : "faxpeer-receive";
	p.send = faxpeer_send;
	p.send_arg = l;
	l->call = fax_call_new(&p, err, sizeof(err));
	if (l->call == NULL) {
		fprintf(stderr, "faxpeer: %s\n", err);
		return -1;
	}
	return 0;
}

static void faxpeer_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = faxpeer_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int faxpeer_run(const struct faxpeer_opts *o, struct faxpeer_outcome *out)
{
	struct faxpeer_loop l;
	char err[FGW_MAX_ERROR_TEXT], text[FGW_MAX_ADDRESS];
	int rc = FAXPEER_EXIT_SETUP;

	memset(&l, 0, sizeof(l));
	memset(out, 0, sizeof(*out));
	l.o = o;
	l.fd = -1;
	if (o->sip_uri != NULL || o->sip_listen != NULL) {
		l.sip_mode = true;
		if ((l.sip = faxpeer_sip_open(o, &l)) == NULL)
			goto done;
	} else if ((o->cmd == FAXPEER_SEND ? faxpeer_setup_send(&l) : faxpeer_setup_receive(&l)) < 0)
		goto done;
	if (o->pcap != NULL && (l.pcap = faxpeer_pcap_open(o->pcap, o->pcap_link, err, sizeof(err))) == NULL) {
		fprintf(stderr, "faxpeer: %s\n", err);
		goto done;
	}
	if (!l.sip_mode && faxpeer_make_call(&l, o->call) < 0)
		goto done;
	if (o->cmd == FAXPEER_SEND && !l.sip_mode) {
		faxpeer_addr_format((struct sockaddr *)&l.remote, text, sizeof(text));
		faxpeer_note(o, "calling %s (%s)", text, faxpeer_transport(o));
	}
	faxpeer_signals();
	faxpeer_loop_run(&l, out);
	faxpeer_sip_close(l.sip, out);      /* BYE if the dialog is still up */
	l.sip = NULL;
	if (l.call != NULL) {
		fax_call_result(l.call, &out->r);
		fax_call_stats(l.call, &out->st);
	}
	if (l.have_remote)
		faxpeer_addr_format((struct sockaddr *)&l.remote, out->peer, sizeof(out->peer));
	faxpeer_note(o, "datagrams in %llu out %llu, malformed %llu, recovered %llu, lost %llu, "
	             "duplicates %llu, late %llu, foreign %llu, send errors %llu",
	             (unsigned long long)out->st.datagrams_in, (unsigned long long)out->st.datagrams_out,
	             (unsigned long long)out->st.malformed, (unsigned long long)out->st.recovered,
	             (unsigned long long)out->st.lost, (unsigned long long)out->st.duplicates,
	             (unsigned long long)out->st.late, (unsigned long long)l.foreign,
	             (unsigned long long)l.send_errors);
	rc = 0;
done:
	faxpeer_sip_close(l.sip, NULL);
	fax_call_free(l.call);        /* closes the received TIFF */
	if (faxpeer_pcap_close(l.pcap) < 0)
		fprintf(stderr, "faxpeer: warning: writing the capture %s failed\n", o->pcap);
	if (l.fd >= 0)
		close(l.fd);
	return rc;
}

/* --- SIP media (sip.c) --------------------------------------------------------- */

int faxpeer_media_bind(struct faxpeer_loop *l, const char *addr, uint16_t port)
{
	char text[FGW_MAX_ADDRESS + 8], err[FGW_MAX_ERROR_TEXT];
	struct sockaddr_storage ss;
	socklen_t len;

	snprintf(text, sizeof(text), strchr(addr, ':') != NULL ? "[%s]:%u" : "%s:%u", addr,
	         (unsigned)port);
	if (faxpeer_addr_parse(text, true, true, &ss, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "faxpeer: media address: %s\n", err);
		return -1;
	}
	if (faxpeer_socket(l, &ss, len, ss.ss_family) < 0)
		return -1;
	l->local_len = sizeof(l->local);
	getsockname(l->fd, (struct sockaddr *)&l->local, &l->local_len);
	if (l->o->media_via != NULL) {
		if (faxpeer_addr_parse(l->o->media_via, false, false, &l->via, &l->via_len, err,
		                       sizeof(err)) < 0 || l->via.ss_family != ss.ss_family) {
			fprintf(stderr, "faxpeer: --media-via: %s\n",
			        l->via.ss_family != ss.ss_family ? "not of our address family" : err);
			return -1;
		}
		l->have_via = true;
	}
	return 0;
}

/* --media-via's address and port (what our SDP names instead of ours);
 * -1 without one. */
int faxpeer_media_via(const struct faxpeer_loop *l, struct sockaddr_storage *out)
{
	if (!l->have_via)
		return -1;
	*out = l->via;
	return 0;
}

uint16_t faxpeer_media_port(const struct faxpeer_loop *l)
{
	if (l->local.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&l->local)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&l->local)->sin_port);
}

/* The remote media address of a plan, as a socket address. */
static int faxpeer_media_remote(struct faxpeer_loop *l, const struct sdp_plan *plan)
{
	memset(&l->remote, 0, sizeof(l->remote));
	if (l->have_via) {             /* the relay forwards to what the SDP named */
		l->remote = l->via;
		l->remote_len = l->via_len;
		return 0;
	}
	if (sipcall_plan_addr(plan, &l->remote, &l->remote_len) < 0)
		return -1;
	return l->remote.ss_family == l->local.ss_family ? 0 : -1;
}

int faxpeer_media_start(struct faxpeer_loop *l, const struct sdp_plan *plan)
{
	char text[FGW_MAX_ADDRESS];

	if (faxpeer_media_remote(l, plan) < 0) {
		fprintf(stderr, "faxpeer: the SDP names no usable media address\n");
		return -1;
	}
	fax_call_free(l->call);           /* a switch: T.30 starts again on both sides */
	l->call = NULL;
	l->have_remote = true;
	l->port_latched = false;
	l->pages_seen = 0;
	if (faxpeer_make_call(l, sipcall_media_params(&l->o->call, plan)) < 0)
		return -1;
	faxpeer_addr_format((struct sockaddr *)&l->remote, text, sizeof(text));
	faxpeer_note(l->o, "media %s to %s", plan->transport == SDP_TRANSPORT_T38 ? "T.38" : "G.711",
	             text);
	return 0;
}

void faxpeer_media_hangup(struct faxpeer_loop *l)
{
	if (l->call != NULL && !fax_call_done(l->call))
		fax_call_hangup(l->call);
}

bool faxpeer_media_done(const struct faxpeer_loop *l)
{
	return l->call != NULL && fax_call_done(l->call);
}

int faxpeer_media_pages(const struct faxpeer_loop *l)
{
	struct fax_session_result r;

	if (l->call == NULL)
		return 0;
	fax_call_result(l->call, &r);
	return r.pages;
}
