/*
 * load.c - one ramp step: n concurrent senders against faxgwd (or the
 * thin gateway, thin.c: the same step, the same checks; "faxgwd" below is
 * either), each a fax_call (T.38 over UDPTL or G.711 over RTP) with its own
 * UDP socket.
 * The channels are split over --sender-threads event loops (one epoll set
 * and one 20 ms clock each; the default is one per core, so the senders
 * are not held to one core while faxgwd uses all of them).  A loop sleeps
 * on its clock only and reads the sockets that became readable at each
 * tick, as faxgwd's media threads do: a datagram from faxgwd then wakes no
 * sender, so faxgwd's send costs what it would toward another host, and
 * the senders do not preempt faxgwd's threads once per datagram.  Every clock is
 * a periodic timerfd on CLOCK_MONOTONIC with the same absolute start:
 * tick k is due at t0 + k x 20 ms in every loop, a tick that runs
 * --late-ms after it was due counts as late, and ticks are never skipped
 * (late ones run at once, so an RTP stream keeps its packet count).  Calls start staggered over
 * --stagger; with --duration a channel places its next call
 * FB_REDIAL_GAP_MS after the previous one ended, until the duration is up.
 *
 * faxgwd's memory is sampled by a second thread: reading /proc/PID/status
 * waits while the process forks (its routing workers), and the senders'
 * clock must not wait with it.
 *
 * The store folder is watched with inotify, on a thread of its own so
 * that a file's arrival is timed when it happens: Store in folder (and the
 * thin gateway) renames each fax into place as fax-JOB-pPORT-STAMP.tif, so the port id in the name
 * ties a file to the channel that sent it (files of one port arrive in the
 * order of its calls).  Afterwards every file is compared with the
 * document page by page and pixel by pixel (testdoc_compare) and removed.
 *
 * --transport sip (sip.c): a channel's socket is bound to a loopback port
 * of its own that its INVITE's SDP names; it is connected to the media
 * address of faxgwd's answer and its fax_call made from the answer's plan,
 * G.711 first, replaced by a T.38 one when faxgwd's re-INVITE moves the
 * media (fb_load_sip_media()).  Every call arrives on faxgwd's one sip
 * port, so a routed file is tied to its channel by the remote ident in it.
 */
#include "caps.h"
#include "faxbench.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sipcall.h"
#include "testdoc.h"

#define FB_TICK_NS       ((int64_t)FGW_TICK_MS * 1000000)
#define FB_EV_TIMER      0
#define FB_EV_CHAN0      2
#define FB_MAX_EVENTS    256
#define FB_MAX_DRAIN     16           /* datagrams read from one socket per read */
#define FB_MAX_FILE_NAME 128

struct fb_call_rec {
	int64_t start_ns, end_ns, routed_ns;   /* 0: not (yet) */
	int64_t signal_end_ns;                 /* the last datagram carrying signal */
	bool sender_ok, timed_out;
	int64_t setup_ns, t38_ns;              /* FB_SIP (fb_sip_times()); -1: not reached */
	char file[FB_MAX_FILE_NAME];
	char why[FB_MAX_TEXT];
};

struct fb_loop;

struct fb_chan {
	int fd;
	struct fax_call *call;
	uint64_t call_tick;                    /* tick the current call started */
	uint64_t next_tick;                    /* tick the next call starts */
	int64_t last_signal_ns;                /* see fb_load_send() */
	bool finished;                         /* places no more calls */
	bool calling;                          /* FB_SIP: a call is up or being set up */
	bool t38_media;                        /* FB_SIP: the media moved to T.38 */
	uint16_t media_port;                   /* FB_SIP: the socket's own port */
	_Atomic unsigned ncalls;               /* written by its loop, read by the watcher */
	_Atomic unsigned nrouted;              /* written by the watcher */
	struct fb_call_rec *recs;
	struct fb_loop *lp;
};

/* The memory sampler thread. */
struct fb_sampler {
	pthread_t th;
	pid_t pid;
	bool running;
	atomic_bool stop;
	atomic_uint_least64_t peak_kb;
};

/* One sender thread: channels lo .. hi-1, its epoll set and clock, and its
 * share of the step's figures (summed when it is over). */
struct fb_loop {
	struct fb_load *l;
	unsigned index, lo, hi;
	pthread_t th;
	int ep, tfd;                           /* the clock's epoll set, the clock */
	int rx_ep;                             /* the channels' sockets, read at ticks */
	uint64_t tick;
	unsigned active, unfinished;
	int64_t first_start, last_end;
	uint64_t send_errors, strays;
	struct fb_step st;                     /* ticks, late ticks, datagrams, channel_s */
	struct fb_sip *sip;                    /* FB_SIP: this thread's SIP stack */
	int rc;
	char err[FB_MAX_TEXT];
};

struct fb_load {
	const struct fb_run *run;
	struct fb_daemon *d;
	enum fb_transport t;
	unsigned n, max_calls;
	struct fb_chan *ch;
	struct fb_loop *loops;
	unsigned nloops;
	int ifd;
	int64_t t0, hard_end, first_start, last_end;
	_Atomic int64_t last_routed;
	atomic_bool watch_stop;
	pthread_t watcher;
	bool watching;
	struct fb_step *st;
	struct fb_sampler sampler;
};

int64_t fb_load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* True when an RTP packet (RFC 3550 5.1: 12-byte header, fax_call adds no
 * CSRC) carries only G.711 u-law silence (0xff / 0x7f, +-1). */
static bool fb_load_silent(const uint8_t *buf, size_t len)
{
	for (size_t i = 12; i < len; i++)
		if ((buf[i] & 0x7e) != 0x7e)
			return false;
	return true;
}

/* True when a UDPTL packet's primary IFP (T.38 clause 9.1: sequence number,
 * length determinant, IFP) is a data message (T.38 Annex A: the second bit
 * of the type field set) rather than an indicator. */
static bool fb_load_t38_data(const uint8_t *buf, size_t len)
{
	size_t off = 2;

	if (len < 4)
		return false;
	off += (buf[2] & 0x80) ? 2 : 1;
	return off < len && (buf[off] & 0x40) != 0;
}

/* fax_call's send callback: one datagram to the port.  The time of the
 * last datagram that carries signal (a T.38 data IFP; an RTP packet that
 * is not silence) is where the call ends on the wire: the sender's DCN
 * (T.30 5.3.6.1.8) is the last thing it transmits, and the receiver can
 * finish no earlier.  spandsp's sending terminal itself reports the end of
 * the call about a second later. */
static void fb_load_send(void *arg, const uint8_t *buf, size_t len)
{
	struct fb_chan *c = arg;

	if (c->lp->l->t == FB_T38 || c->t38_media ? fb_load_t38_data(buf, len) : !fb_load_silent(buf, len))
		c->last_signal_ns = fb_load_now();
	if (send(c->fd, buf, len, MSG_DONTWAIT) < 0)
		c->lp->send_errors++;
}

/* --- set-up and tear-down ---------------------------------------------------- */

unsigned fb_load_stagger_ms(const struct fb_run *run, unsigned n)
{
	unsigned ms = n * FB_STAGGER_PER_CALL_MS;

	if (run->o.stagger_ms > 0)
		return run->o.stagger_ms;
	return ms < FB_MIN_STAGGER_MS ? FB_MIN_STAGGER_MS :
	       ms > FB_MAX_STAGGER_MS ? FB_MAX_STAGGER_MS : ms;
}

/* FB_SIP: the socket on a loopback port of its own, for our SDP; it is
 * connected once faxgwd's answer names its media address. */
static int fb_load_sip_bind(struct fb_chan *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	if (bind(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(c->fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	c->media_port = ntohs(a.sin_port);
	return 0;
}

static int fb_load_chan_open(struct fb_load *l, struct fb_loop *lp, unsigned i, char *err,
			     size_t errlen)
{
	struct fb_chan *c = &l->ch[i];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(l->d->udp_ports[i]) };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = FB_EV_CHAN0 + i };
	int bufsize = 1 << 18;

	c->lp = lp;
	c->recs = calloc(l->max_calls, sizeof(*c->recs));
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->recs == NULL || c->fd < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize)) != 0 ||
	    (l->t == FB_SIP ? fb_load_sip_bind(c) : connect(c->fd, (struct sockaddr *)&a, sizeof(a))) != 0 ||
	    epoll_ctl(lp->rx_ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		snprintf(err, errlen, "channel %u: socket: %s (raise the open file limit?)", i + 1,
			 strerror(errno));
		return -1;
	}
	c->next_tick = (uint64_t)i * (fb_load_stagger_ms(l->run, l->n) / FGW_TICK_MS) / l->n;
	return 0;
}

/* Loop k takes an equal share of the channels; the stagger interleaves
 * their start times anyway. */
static int fb_load_loop_open(struct fb_load *l, unsigned k, char *err, size_t errlen)
{
	struct fb_loop *lp = &l->loops[k];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = FB_EV_TIMER };

	lp->l = l;
	lp->index = k;
	lp->lo = (unsigned)((uint64_t)l->n * k / l->nloops);
	lp->hi = (unsigned)((uint64_t)l->n * (k + 1) / l->nloops);
	lp->unfinished = lp->hi - lp->lo;
	lp->ep = epoll_create1(EPOLL_CLOEXEC);
	lp->rx_ep = epoll_create1(EPOLL_CLOEXEC);
	lp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lp->ep < 0 || lp->rx_ep < 0 || lp->tfd < 0 ||
	    epoll_ctl(lp->ep, EPOLL_CTL_ADD, lp->tfd, &ev) != 0) {
		snprintf(err, errlen, "epoll/timerfd: %s", strerror(errno));
		return -1;
	}
	for (unsigned i = lp->lo; i < lp->hi; i++)
		if (fb_load_chan_open(l, lp, i, err, errlen) != 0)
			return -1;
	return 0;
}

static unsigned fb_load_nloops(const struct fb_run *run, unsigned n)
{
	unsigned k = run->o.sender_threads > 0 ? run->o.sender_threads : 1;

	return k > n ? n : k;
}

static int fb_load_open(struct fb_load *l, char *err, size_t errlen)
{
	l->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->ifd < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		return -1;
	}
	if (inotify_add_watch(l->ifd, l->d->folder, IN_MOVED_TO | IN_CREATE) < 0) {
		snprintf(err, errlen, "inotify on %s: %s", l->d->folder, strerror(errno));
		return -1;
	}
	l->nloops = fb_load_nloops(l->run, l->n);
	l->ch = calloc(l->n, sizeof(*l->ch));
	l->loops = calloc(l->nloops, sizeof(*l->loops));
	if (l->ch == NULL || l->loops == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < l->n; i++)
		l->ch[i].fd = -1;
	for (unsigned k = 0; k < l->nloops; k++)
		l->loops[k].ep = l->loops[k].rx_ep = l->loops[k].tfd = -1;
	for (unsigned k = 0; k < l->nloops; k++)
		if (fb_load_loop_open(l, k, err, errlen) != 0)
			return -1;
	return 0;
}

static void fb_load_close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void fb_load_close(struct fb_load *l)
{
	for (unsigned i = 0; l->ch != NULL && i < l->n; i++) {
		fax_call_free(l->ch[i].call);
		fb_load_close_fd(l->ch[i].fd);
		free(l->ch[i].recs);
	}
	free(l->ch);
	for (unsigned k = 0; l->loops != NULL && k < l->nloops; k++) {
		fb_load_close_fd(l->loops[k].ep);
		fb_load_close_fd(l->loops[k].rx_ep);
		fb_load_close_fd(l->loops[k].tfd);
	}
	free(l->loops);
	fb_load_close_fd(l->ifd);
}

/* --- calls --------------------------------------------------------------------- */

/* The sender's fax_call parameters for call number ncall of channel c;
 * ident (FGW_MAX_IDENT + 1 bytes) holds its TSI, "+1 555 N" with N =
 * 100000 + the channel (fb_sip_file_channel() reads it back). */
static void fb_load_params(struct fb_loop *lp, struct fb_chan *c, unsigned ncall,
			   struct fax_call_params *p, char *ident)
{
	struct fb_load *l = lp->l;
	unsigned idx = (unsigned)(c - l->ch);

	fax_call_params_default(p);
	snprintf(ident, FGW_MAX_IDENT + 1, "+1 555 %u", 100000 + idx);
	p->session.mode = l->t == FB_T38 ? FAX_SESSION_T38 : FAX_SESSION_AUDIO;
	p->session.dir = FAX_SESSION_SEND;
	p->session.calling_party = true;
	p->session.file = l->run->doc;
	p->session.local_ident = ident;
	p->session.ecm = l->run->o.ecm;
	p->session.max_rate = l->run->o.max_rate;
	p->rtp_seed = 0x5eed0000u + idx * 7919u + ncall;
	p->send = fb_load_send;
	p->send_arg = c;
}

/* FB_SIP: the INVITE; the fax_call comes with faxgwd's answer. */
static void fb_load_sip_call(struct fb_loop *lp, struct fb_chan *c, struct fb_call_rec *r,
			     int64_t now)
{
	if (fb_sip_invite(lp->sip, (unsigned)(c - lp->l->ch) - lp->lo, c->media_port) != 0) {
		r->end_ns = now;
		snprintf(r->why, sizeof(r->why), "sip: cannot place the call");
		return;
	}
	c->calling = true;
	c->t38_media = false;
	c->call_tick = lp->tick;
	lp->active++;
}

static void fb_load_call_start(struct fb_loop *lp, struct fb_chan *c, int64_t now)
{
	struct fb_load *l = lp->l;
	struct fax_call_params p;
	char err[FGW_MAX_ERROR_TEXT], ident[FGW_MAX_IDENT + 1];
	unsigned ncalls = atomic_load(&c->ncalls);
	struct fb_call_rec *r = &c->recs[ncalls];

	fb_load_params(lp, c, ncalls, &p, ident);
	r->start_ns = now;
	r->setup_ns = r->t38_ns = -1;
	atomic_store(&c->ncalls, ncalls + 1);   /* after the record is set up */
	if (lp->first_start == 0)
		lp->first_start = now;
	if (l->t == FB_SIP) {
		fb_load_sip_call(lp, c, r, now);
		return;
	}
	c->call = fax_call_new(&p, err, sizeof(err));
	if (c->call == NULL) {
		r->end_ns = now;
		snprintf(r->why, sizeof(r->why), "sender: %.200s", err);
		return;
	}
	c->call_tick = lp->tick;
	lp->active++;
}

/* FB_SIP: the call's times, and our BYE unless faxgwd hung up first. */
static void fb_load_sip_end(struct fb_loop *lp, struct fb_chan *c, struct fb_call_rec *r)
{
	unsigned k = (unsigned)(c - lp->l->ch) - lp->lo;

	fb_sip_times(lp->sip, k, &r->setup_ns, &r->t38_ns);
	fb_sip_hangup(lp->sip, k);
	c->calling = false;
}

/* FB_SIP: a call that ends without a fax_call (refused, never answered). */
static void fb_load_sip_fail(struct fb_loop *lp, struct fb_chan *c, int64_t now, const char *why)
{
	struct fb_call_rec *r = &c->recs[atomic_load(&c->ncalls) - 1];

	r->end_ns = r->signal_end_ns = now;
	if (r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), "sip: %.200s", why);
	fb_load_sip_end(lp, c, r);
	lp->st.channel_s += (double)(now - r->start_ns) / 1e9;
	if (now > lp->last_end)
		lp->last_end = now;
	lp->active--;
}

/* FB_SIP: the media of plan: the socket connected to faxgwd's address and
 * a fax_call made for it (G.711, or T.38 after the re-INVITE: T.30 starts
 * over on both sides, as faxpeer does).  0, or -1 with err set. */
static int fb_load_sip_media(struct fb_loop *lp, struct fb_chan *c, const struct sdp_plan *plan,
			     char *err, size_t errlen)
{
	struct fax_call_params base, p;
	struct fax_call_stats cs;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char ident[FGW_MAX_IDENT + 1];

	if (sipcall_plan_addr(plan, &ss, &len) < 0 || connect(c->fd, (struct sockaddr *)&ss, len) != 0) {
		snprintf(err, errlen, "the SDP answer names no usable media address");
		return -1;
	}
	fb_load_params(lp, c, atomic_load(&c->ncalls) - 1, &base, ident);
	p = sipcall_media_params(&base, plan);
	if (c->call != NULL) {            /* the switch: the G.711 call's datagrams count too */
		fax_call_stats(c->call, &cs);
		lp->st.datagrams_in += cs.datagrams_in;
		lp->st.datagrams_out += cs.datagrams_out;
		fax_call_free(c->call);
	}
	c->t38_media = plan->transport == SDP_TRANSPORT_T38;
	c->call = fax_call_new(&p, err, errlen);
	return c->call != NULL ? 0 : -1;
}

/* FB_SIP: what the SIP stack says about channel c's call.  True when the
 * call ended here (no fax_call to end it). */
static bool fb_load_sip_poll(struct fb_loop *lp, struct fb_chan *c, int64_t now, uint64_t limit)
{
	struct fb_call_rec *r = &c->recs[atomic_load(&c->ncalls) - 1];
	struct sdp_plan plan;
	char why[FB_MAX_TEXT];
	enum fb_sip_event ev = fb_sip_poll(lp->sip, (unsigned)(c - lp->l->ch) - lp->lo, &plan, why,
					   sizeof(why));

	if (ev == FB_SIP_MEDIA && fb_load_sip_media(lp, c, &plan, why, sizeof(why)) != 0)
		ev = FB_SIP_FAILED;
	if (ev == FB_SIP_NONE && c->call == NULL && lp->tick - c->call_tick > limit) {
		snprintf(why, sizeof(why), "no answer to the INVITE");
		ev = FB_SIP_FAILED;
	}
	if (ev == FB_SIP_FAILED && r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), "sip: %.200s", why);
	if (ev != FB_SIP_FAILED && ev != FB_SIP_HUNG_UP)
		return false;
	if (c->call != NULL) {
		fax_call_hangup(c->call);  /* its tick ends it */
		return false;
	}
	fb_load_sip_fail(lp, c, now, ev == FB_SIP_HUNG_UP ? "faxgwd hung up before the media" : why);
	return true;
}

/* The current call is over: its outcome, its counters, then the next call
 * (--duration) or the end of this channel. */
static void fb_load_call_end(struct fb_loop *lp, struct fb_chan *c, int64_t now)
{
	struct fb_load *l = lp->l;
	struct fb_call_rec *r = &c->recs[atomic_load(&c->ncalls) - 1];
	struct fax_session_result res;
	struct fax_call_stats cs;

	fax_call_result(c->call, &res);
	fax_call_stats(c->call, &cs);
	r->end_ns = now;
	r->signal_end_ns = c->last_signal_ns > r->start_ns ? c->last_signal_ns : now;
	r->sender_ok = res.success && res.pages == l->run->doc_pages;
	if (lp->sip != NULL)
		fb_load_sip_end(lp, c, r);
	if (!r->sender_ok && r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), "sender: %s%.120s, %d of %d pages",
			 r->timed_out ? "timed out, " : "", res.t30_text, res.pages,
			 l->run->doc_pages);
	lp->st.datagrams_in += cs.datagrams_in;
	lp->st.datagrams_out += cs.datagrams_out;
	lp->st.channel_s += (double)(now - r->start_ns) / 1e9;
	if (now > lp->last_end)
		lp->last_end = now;
	fax_call_free(c->call);
	c->call = NULL;
	lp->active--;
}

static void fb_load_chan_next(struct fb_loop *lp, struct fb_chan *c, int64_t now)
{
	struct fb_load *l = lp->l;
	bool more = l->run->o.duration_s > 0 && atomic_load(&c->ncalls) < l->max_calls &&
		    now - l->t0 < (int64_t)l->run->o.duration_s * 1000000000;

	if (more) {
		c->next_tick = lp->tick + FB_REDIAL_GAP_MS / FGW_TICK_MS;
	} else {
		c->finished = true;
		lp->unfinished--;
	}
}

/* Tick lp->tick of every channel of the loop. */
static void fb_load_tick(struct fb_loop *lp, int64_t now)
{
	struct fb_load *l = lp->l;
	uint64_t limit = (uint64_t)FB_CALL_TIMEOUT_S(l->run->doc_pages, l->run->o.max_rate) * 1000 / FGW_TICK_MS;

	for (unsigned i = lp->lo; i < lp->hi; i++) {
		struct fb_chan *c = &l->ch[i];
		if (c->call == NULL && !c->calling) {
			if (c->finished || lp->tick < c->next_tick)
				continue;
			fb_load_call_start(lp, c, now);
			if (c->call == NULL && !c->calling) {
				fb_load_chan_next(lp, c, now);
				continue;
			}
		}
		if (lp->sip != NULL && fb_load_sip_poll(lp, c, now, limit)) {
			fb_load_chan_next(lp, c, now);
			continue;
		}
		if (c->call == NULL)
			continue;                  /* FB_SIP: the INVITE is out */
		struct fb_call_rec *r = &c->recs[atomic_load(&c->ncalls) - 1];
		if (lp->tick - c->call_tick > limit && !r->timed_out) {
			r->timed_out = true;
			fax_call_hangup(c->call);
		}
		if (fax_call_tick(c->call)) {
			fb_load_call_end(lp, c, now);
			fb_load_chan_next(lp, c, now);
		}
	}
}

/* --- events ---------------------------------------------------------------------- */

/* What is queued on one socket, in one recvmmsg() (the loop is level
 * triggered: anything left is reported again). */
static void fb_load_drain(struct fb_loop *lp, struct fb_chan *c)
{
	static _Thread_local uint8_t buf[FB_MAX_DRAIN][FGW_MAX_DATAGRAM + 1];
	static _Thread_local struct mmsghdr m[FB_MAX_DRAIN];
	static _Thread_local struct iovec iov[FB_MAX_DRAIN];
	int n;

	for (int k = 0; k < FB_MAX_DRAIN; k++) {
		iov[k] = (struct iovec){ .iov_base = buf[k], .iov_len = sizeof(buf[k]) };
		m[k].msg_hdr = (struct msghdr){ .msg_iov = &iov[k], .msg_iovlen = 1 };
	}
	n = recvmmsg(c->fd, m, FB_MAX_DRAIN, MSG_DONTWAIT, NULL);
	for (int k = 0; k < n; k++) {     /* n < 0: EAGAIN, or ECONNREFUSED from a send */
		if (c->call == NULL)
			lp->strays++;
		else
			fax_call_datagram_in(c->call, buf[k], m[k].msg_len);
	}
}

/* A file appeared in the store folder: fax-JOB-pPORT-STAMP.tif. */
static void fb_load_routed(struct fb_load *l, const char *name, int64_t now)
{
	unsigned long long job;
	unsigned port, nrouted;
	struct fb_chan *c;
	struct fb_call_rec *r;

	if (name[0] == '.' || sscanf(name, "fax-%llu-p%u-", &job, &port) != 2)
		return;
	if (l->t == FB_SIP) {             /* one port for every channel */
		char path[FB_MAX_TEXT * 2];
		snprintf(path, sizeof(path), "%s/%s", l->d->folder, name);
		int chan = fb_sip_file_channel(path);
		port = chan >= 0 ? l->d->first_port_id + (unsigned)chan : 0;
	}
	if (port < l->d->first_port_id || port - l->d->first_port_id >= l->n)
		return;
	c = &l->ch[port - l->d->first_port_id];
	nrouted = atomic_load(&c->nrouted);
	if (nrouted >= atomic_load(&c->ncalls))
		return;       /* a fax this step did not send (an earlier step's straggler) */
	r = &c->recs[nrouted];
	r->routed_ns = now;
	snprintf(r->file, sizeof(r->file), "%s", name);
	atomic_store(&c->nrouted, nrouted + 1);
	if (now > atomic_load(&l->last_routed))
		atomic_store(&l->last_routed, now);
}

static void fb_load_inotify(struct fb_load *l, int64_t now)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(l->ifd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(buf + off);
			if (ev->len > 0 && !(ev->mask & IN_ISDIR))
				fb_load_routed(l, ev->name, now);
			off += (ssize_t)sizeof(struct inotify_event) + ev->len;
		}
	}
}

/* The watcher thread: times every file as it arrives. */
static void *fb_load_watcher_main(void *arg)
{
	struct fb_load *l = arg;
	struct pollfd pfd = { .fd = l->ifd, .events = POLLIN };

	while (!atomic_load(&l->watch_stop))
		if (poll(&pfd, 1, 50) > 0)
			fb_load_inotify(l, fb_load_now());
	fb_load_inotify(l, fb_load_now());
	return NULL;
}

static void *fb_load_sampler_main(void *arg)
{
	struct fb_sampler *m = arg;
	struct timespec ts = { 0, FB_RSS_SAMPLE_MS * 1000000L };

	while (!atomic_load(&m->stop)) {
		struct fb_proc_sample s;
		fb_proc_sample(m->pid, &s);
		if (s.rss_kb > atomic_load(&m->peak_kb))
			atomic_store(&m->peak_kb, s.rss_kb);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void fb_load_sampler_start(struct fb_sampler *m, pid_t pid, uint64_t peak_kb)
{
	m->pid = pid;
	atomic_init(&m->stop, false);
	atomic_init(&m->peak_kb, peak_kb);
	m->running = pthread_create(&m->th, NULL, fb_load_sampler_main, m) == 0;
}

/* Stops the thread; returns the peak it saw. */
static uint64_t fb_load_sampler_stop(struct fb_sampler *m)
{
	if (m->running) {
		atomic_store(&m->stop, true);
		pthread_join(m->th, NULL);
		m->running = false;
	}
	return atomic_load(&m->peak_kb);
}

/* Reads every channel socket that is readable now. */
static void fb_load_read_ready(struct fb_loop *lp)
{
	struct epoll_event evs[FB_MAX_EVENTS];
	int k;

	do {
		k = epoll_wait(lp->rx_ep, evs, FB_MAX_EVENTS, 0);
		for (int i = 0; i < k; i++)
			fb_load_drain(lp, &lp->l->ch[evs[i].data.u64 - FB_EV_CHAN0]);
	} while (k == FB_MAX_EVENTS);
}

/* Every due tick, late ones at once; lateness measured against the
 * absolute deadline.  What arrived since the last tick is read first. */
static void fb_load_clock(struct fb_loop *lp)
{
	struct fb_load *l = lp->l;
	uint64_t expirations;

	if (read(lp->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	fb_load_read_ready(lp);
	for (;;) {
		int64_t now = fb_load_now(), due = l->t0 + (int64_t)lp->tick * FB_TICK_NS;
		if (now < due)
			break;
		double late_ms = (double)(now - due) / 1e6;
		if (late_ms > lp->st.max_late_ms)
			lp->st.max_late_ms = late_ms;
		if (now - due >= (int64_t)l->run->o.late_ms * 1000000) {
			lp->st.late_ticks++;
			if (l->run->o.verbose)
				fprintf(stderr, "faxbench: sender thread %u: tick %llu ran %.1f ms late\n",
					lp->index, (unsigned long long)lp->tick, late_ms);
		}
		fb_load_tick(lp, now);
		lp->tick++;
		lp->st.ticks++;
	}
}

static void *fb_load_loop_main(void *arg)
{
	struct fb_loop *lp = arg;
	struct fb_load *l = lp->l;
	struct epoll_event evs[FB_MAX_EVENTS];
	struct itimerspec its = { .it_interval = { 0, FB_TICK_NS } };

	its.it_value.tv_sec = l->t0 / 1000000000;
	its.it_value.tv_nsec = l->t0 % 1000000000;
	if (l->t == FB_SIP &&
	    (lp->sip = fb_sip_open(l->run, l->d->sip_port, lp->hi - lp->lo, lp->err,
				   sizeof(lp->err))) == NULL) {
		lp->rc = -1;
		return NULL;
	}
	if (timerfd_settime(lp->tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		snprintf(lp->err, sizeof(lp->err), "timerfd: %s", strerror(errno));
		lp->rc = -1;
		fb_sip_close(lp->sip);
		lp->sip = NULL;
		return NULL;
	}
	while ((lp->unfinished > 0 || lp->active > 0) && fb_load_now() < l->hard_end) {
		int k = epoll_wait(lp->ep, evs, FB_MAX_EVENTS, lp->sip != NULL ? FB_SIP_POLL_MS : 100);
		if (lp->sip != NULL)
			fb_sip_step(lp->sip);
		for (int i = 0; i < k; i++)
			if (evs[i].data.u64 == FB_EV_TIMER)
				fb_load_clock(lp);
	}
	for (unsigned i = lp->lo; i < lp->hi; i++)
		if (l->ch[i].call != NULL) {
			fax_call_hangup(l->ch[i].call);
			l->ch[i].recs[atomic_load(&l->ch[i].ncalls) - 1].timed_out = true;
			fb_load_call_end(lp, &l->ch[i], fb_load_now());
		} else if (l->ch[i].calling) {
			fb_load_sip_fail(lp, &l->ch[i], fb_load_now(), "no answer by the end of the step");
		}
	fb_sip_close(lp->sip);
	lp->sip = NULL;
	return NULL;
}

/* True while a fax sent is still expected in the folder. */
static bool fb_load_awaiting(struct fb_load *l, int64_t now)
{
	if (now > l->hard_end || now - l->last_end >= (int64_t)FB_ROUTE_WAIT_S * 1000000000)
		return false;
	for (unsigned i = 0; i < l->n; i++)
		if (atomic_load(&l->ch[i].nrouted) < atomic_load(&l->ch[i].ncalls))
			return true;
	return false;
}

/* Adds a loop's figures to the step's. */
static void fb_load_merge(struct fb_load *l, const struct fb_loop *lp)
{
	struct fb_step *st = l->st;

	st->ticks += lp->st.ticks;
	st->late_ticks += lp->st.late_ticks;
	if (lp->st.max_late_ms > st->max_late_ms)
		st->max_late_ms = lp->st.max_late_ms;
	st->datagrams_in += lp->st.datagrams_in;
	st->datagrams_out += lp->st.datagrams_out;
	st->channel_s += lp->st.channel_s;
	if (lp->first_start != 0 && (l->first_start == 0 || lp->first_start < l->first_start))
		l->first_start = lp->first_start;
	if (lp->last_end > l->last_end)
		l->last_end = lp->last_end;
}

static int fb_load_loop(struct fb_load *l, char *err, size_t errlen)
{
	const struct fb_opts *o = &l->run->o;
	struct timespec pause = { 0, 50 * 1000000L };
	int rc = 0;

	l->t0 = fb_load_now() + FB_TICK_NS +
		(l->t == FB_SIP ? (int64_t)FB_SIP_START_MS * 1000000 : 0);
	l->hard_end = l->t0 + ((int64_t)fb_load_stagger_ms(l->run, l->n) + o->duration_s * 1000LL +
			       FB_CALL_TIMEOUT_S(l->run->doc_pages, l->run->o.max_rate) * 1000LL +
			       FB_ROUTE_WAIT_S * 1000LL + 10000) * 1000000;
	atomic_init(&l->watch_stop, false);
	atomic_init(&l->last_routed, 0);
	if (pthread_create(&l->watcher, NULL, fb_load_watcher_main, l) != 0) {
		snprintf(err, errlen, "cannot start the folder watcher");
		return -1;
	}
	l->watching = true;
	for (unsigned k = 0; k < l->nloops; k++)
		if (pthread_create(&l->loops[k].th, NULL, fb_load_loop_main, &l->loops[k]) != 0) {
			snprintf(err, errlen, "cannot start sender thread %u", k);
			l->nloops = k;       /* join those started, then fail */
			rc = -1;
			break;
		}
	for (unsigned k = 0; k < l->nloops; k++) {
		pthread_join(l->loops[k].th, NULL);
		fb_load_merge(l, &l->loops[k]);
		if (l->loops[k].rc != 0 && rc == 0) {
			snprintf(err, errlen, "%s", l->loops[k].err);
			rc = -1;
		}
	}
	while (rc == 0 && fb_load_awaiting(l, fb_load_now()))
		nanosleep(&pause, NULL);
	atomic_store(&l->watch_stop, true);
	pthread_join(l->watcher, NULL);
	l->watching = false;
	return rc;
}

/* --- results -------------------------------------------------------------------- */

static void fb_load_fail(struct fb_step *st, const char *why)
{
	if (st->first_error[0] == '\0')
		snprintf(st->first_error, sizeof(st->first_error), "%.250s", why);
}

/* Checks one call: sender OK, file routed, pixels equal. */
static bool fb_load_verify(struct fb_load *l, struct fb_call_rec *r, unsigned port)
{
	char path[FB_MAX_TEXT * 2], why[FB_MAX_TEXT], msg[FB_MAX_TEXT * 2];

	if (!r->sender_ok) {
		l->st->sender_failed++;
		snprintf(msg, sizeof(msg), "port %u: %s", port, r->why);
		fb_load_fail(l->st, msg);
		return false;
	}
	if (r->routed_ns == 0) {
		l->st->not_routed++;
		snprintf(msg, sizeof(msg), "port %u: no file in the store folder within %d s", port,
			 FB_ROUTE_WAIT_S);
		fb_load_fail(l->st, msg);
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", l->d->folder, r->file);
	if (testdoc_compare(l->run->doc, path, why, sizeof(why)) != 0) {
		l->st->mismatched++;
		snprintf(msg, sizeof(msg), "port %u: %s differs: %s", port, r->file, why);
		fb_load_fail(l->st, msg);
		return false;
	}
	return true;
}

static int fb_load_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and p99 of v[0..n) (sorted here); 0 when n is 0. */
static void fb_load_quantiles(double *v, size_t n, double *median, double *p99)
{
	*median = *p99 = 0;
	if (v == NULL || n == 0)
		return;
	qsort(v, n, sizeof(double), fb_load_cmp_double);
	*median = fb_report_quantile(v, n, 0.5);
	*p99 = fb_report_quantile(v, n, 0.99);
}

/* Removes every routed file, so the next step starts with an empty folder. */
static void fb_load_clear_folder(const char *folder)
{
	DIR *dir = opendir(folder);
	struct dirent *de;
	char path[FB_MAX_TEXT * 2];

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", folder, de->d_name);
		unlink(path);
	}
	closedir(dir);
}

static void fb_load_results(struct fb_load *l)
{
	struct fb_step *st = l->st;
	size_t total = 0, nlat = 0, nsetup = 0, nt38 = 0;
	double *lat, *setup, *t38;

	for (unsigned i = 0; i < l->n; i++)
		total += atomic_load(&l->ch[i].ncalls);
	lat = calloc(total ? total : 1, sizeof(double));
	setup = calloc(total ? total : 1, sizeof(double));
	t38 = calloc(total ? total : 1, sizeof(double));
	for (unsigned i = 0; i < l->n; i++) {
		for (unsigned k = 0; k < atomic_load(&l->ch[i].ncalls); k++) {
			struct fb_call_rec *r = &l->ch[i].recs[k];
			st->calls++;
			if (fb_load_verify(l, r, l->d->first_port_id + i))
				st->intact++;
			if (l->run->o.verbose && r->routed_ns != 0 && r->end_ns != 0)
				fprintf(stderr, "faxbench: port %u call %u: %.1f s, routed %+.1f ms "
					"after its last signal (%+.1f ms after the sender's end)\n",
					l->d->first_port_id + i, k + 1,
					(double)(r->end_ns - r->start_ns) / 1e9,
					(double)(r->routed_ns - r->signal_end_ns) / 1e6,
					(double)(r->routed_ns - r->end_ns) / 1e6);
			if (l->t == FB_SIP && r->setup_ns >= 0 && setup != NULL)
				setup[nsetup++] = (double)r->setup_ns / 1e6;
			if (l->t == FB_SIP && r->t38_ns >= 0 && t38 != NULL)
				t38[nt38++] = (double)r->t38_ns / 1e6;
			if (r->routed_ns != 0 && r->end_ns != 0 && lat != NULL)
				lat[nlat++] = r->routed_ns > r->signal_end_ns ?
					(double)(r->routed_ns - r->signal_end_ns) / 1e6 : 0;
		}
	}
	st->failed = st->calls - st->intact;
	if (lat != NULL && nlat > 0) {
		qsort(lat, nlat, sizeof(double), fb_load_cmp_double);
		st->latency_median_ms = fb_report_quantile(lat, nlat, 0.5);
		st->latency_p99_ms = fb_report_quantile(lat, nlat, 0.99);
		st->latency_max_ms = lat[nlat - 1];
	}
	st->latency_samples = (unsigned)nlat;
	free(lat);
	fb_load_quantiles(setup, nsetup, &st->setup_median_ms, &st->setup_p99_ms);
	fb_load_quantiles(t38, nt38, &st->t38_median_ms, &st->t38_p99_ms);
	st->setup_samples = (unsigned)nsetup;
	st->t38_samples = (unsigned)nt38;
	free(setup);
	free(t38);
	if (st->calls > 0)
		st->call_s_mean = st->channel_s / st->calls;
	if (l->last_end > l->first_start)
		st->datagrams_per_s = (double)(st->datagrams_in + st->datagrams_out) /
				      ((double)(l->last_end - l->first_start) / 1e9);
	st->held = st->calls > 0 && st->failed == 0 && st->late_ticks == 0 &&
		   st->gw_max_late_ms < l->run->o.late_ms;
	fb_load_clear_folder(l->d->folder);
}

int fb_load_step(const struct fb_run *run, struct fb_daemon *d, enum fb_transport t,
		 unsigned n, struct fb_step *st, char *err, size_t errlen)
{
	struct fb_load l = { .run = run, .d = d, .t = t, .n = n, .st = st, .ifd = -1 };
	struct fb_proc_sample before, after;
	double self0 = fb_proc_self_cpu_s();
	long log_from;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	st->n = n;
	st->stagger_ms = fb_load_stagger_ms(run, n);
	l.max_calls = run->o.duration_s > 0 ? FB_MAX_CALLS_PER_CHAN : 1;
	if (n == 0 || n > d->nports) {
		snprintf(err, errlen, "%u channels but the %s has %u ports", n, fb_daemon_name(d),
			 d->nports);
		return -1;
	}
	fb_load_clear_folder(d->folder);
	if (fb_load_open(&l, err, errlen) != 0)
		goto out;
	log_from = fb_daemon_log_size(d);
	fb_proc_sample(d->pid, &before);
	/* the allocator keeps what earlier steps freed: measure against the
	 * daemon as it was before its first call */
	st->rss_idle_kb = d->rss_fresh_kb ? d->rss_fresh_kb : before.rss_kb;
	fb_load_sampler_start(&l.sampler, d->pid, before.rss_kb);
	rc = fb_load_loop(&l, err, errlen);
	st->rss_peak_kb = fb_load_sampler_stop(&l.sampler);
	st->bench_cpu_s = fb_proc_self_cpu_s() - self0;
	if (rc != 0)
		goto out;
	rc = -1;
	fb_proc_sample(d->pid, &after);
	if (!after.alive) {
		snprintf(err, errlen, "%s died during the step", fb_daemon_name(d));
		goto out;
	}
	if (after.rss_kb > st->rss_peak_kb)
		st->rss_peak_kb = after.rss_kb;
	st->window_s = (double)(fb_load_now() - l.t0) / 1e9;
	/* a process that left the tree unreaped could make this go backwards */
	if (after.cpu_ticks > before.cpu_ticks)
		st->cpu_us = (double)(after.cpu_ticks - before.cpu_ticks) * 1e6 /
			     (double)fb_proc_clock_ticks();
	fb_daemon_late_steps(d, log_from, st);
	fb_load_results(&l);
	if (st->channel_s > 0)
		st->cpu_us_per_chan_s = st->cpu_us / st->channel_s;
	st->mem_per_active_kb = st->rss_peak_kb > st->rss_idle_kb ?
		(double)(st->rss_peak_kb - st->rss_idle_kb) / n : 0;
	rc = 0;
out:
	if (st->bench_cpu_s == 0)
		st->bench_cpu_s = fb_proc_self_cpu_s() - self0;
	fb_load_close(&l);
	return rc;
}
