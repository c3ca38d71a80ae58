/*
 * thin.c - the thin gateway: the least a socket-based fax gateway can do,
 * measured in the same run as faxgwd (DESIGN.md section 8).
 *
 * It is faxbench itself, re-executed (/proc/self/exe FB_THIN_CHILD_OPT
 * FILE) as a child process, so that its CPU and memory are read from its
 * own process tree exactly as faxgwd's are (proc.c).  FILE, written by the
 * parent, names the transport, the T.30 settings, the folder and the
 * loopback UDP ports.  The child binds one non-blocking UDP socket per
 * port and runs one media thread per core (as faxgwd's data plane does,
 * socket i on thread i % threads), each the shape of faxgwd's worker.c:
 *
 *   - while it has no call, a thread sleeps until a socket is readable;
 *   - with calls, a 20 ms periodic timerfd on absolute deadlines; a late loop runs the
 *     missed steps at once (up to WORKER_MAX_CATCH_UP), and steps 40 ms
 *     late or more are logged in faxgwd's words ("media thread N: ...
 *     step(s) of its calls ran late, up to M ms"), so that load.c reads
 *     them from the log as it does faxgwd's;
 *   - at each tick, the sockets that are readable (epoll_wait without
 *     waiting) are read with recvmmsg, up to FGW_MAX_DATAGRAMS_PER_EVENT
 *     datagrams each; then every call in progress is stepped;
 *   - what a call sends while it is fed or stepped is queued and written
 *     with one sendmmsg per call (written in batches).
 *
 * A call is the media code faxgwd runs (fax_call: UDPTL or RTP, a spandsp
 * receiving session) with the settings of faxbench's generated faxgwd
 * ports (gateway/port.c port_call_params): answering, ECM and rate as
 * given, T.38 version 0, UDPTL redundancy, PCMU.  The first datagram on an
 * idle socket starts a call with its sender; after a call's end, its
 * peer's datagrams start no new call until it has been quiet for
 * PORT_LINGER_MS (the tail of the call); a call without a datagram for
 * FGW_CALL_SILENCE_MS is hung up.  spandsp writes
 * the TIFF file itself, under a dot name in the folder; at the end of the
 * call it is renamed to fax-JOB-pPORT-SEQ.tif (Store in folder's name
 * pattern, which load.c's watcher reads), or removed when no page came.
 * No spool, no routing, no control socket, no state database.
 */
#include "fgwx_cpus.h"
#include "caps.h"
#include "faxbench.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FB_THIN_LATE_MS        (2 * FGW_TICK_MS)  /* worker.c's WORKER_LATE_MS */
#define FB_THIN_LATE_REPORT_MS 10000              /* WORKER_LATE_REPORT_MS */
#define FB_THIN_CATCH_UP       10                 /* WORKER_MAX_CATCH_UP */
#define FB_THIN_READY_BATCH    256                /* WORKER_READY_BATCH */
#define FB_THIN_LINGER_MS      3000               /* port.c's PORT_LINGER_MS */
#define FB_THIN_MAX_OUT        32                 /* datagrams queued per sendmmsg */
#define FB_THIN_READY_FILE     "ready"
#define FB_THIN_IDLE_WAIT_MS   100                /* an idle thread looks at stop this often */

/* --- the child: its state ----------------------------------------------------------- */

struct fb_thin_thread;

struct fb_thin_sock {
	int fd;
	unsigned id;                  /* port id: the file name's pPORT */
	struct fax_call *call;
	struct fb_thin_thread *th;
	size_t slot;                  /* index in th->act while in a call */
	struct sockaddr_storage peer, last_peer;
	socklen_t peer_len;
	uint64_t last_rx_ms, linger_until_ms;
	unsigned seq;                 /* calls taken */
};

/* One media thread: its sockets, its clock, its batches. */
struct fb_thin_thread {
	struct fb_thin_gw *g;
	unsigned index;
	pthread_t thread;
	bool running;
	int tfd, ep;
	struct fb_thin_sock **act;    /* the sockets in a call, in no order */
	size_t nact, nsocks;
	uint64_t next_tick_ms;
	uint64_t late_steps, late_worst_ms, late_reported_ms;
	/* receive batch */
	struct mmsghdr in[FGW_MAX_DATAGRAMS_PER_EVENT];
	struct iovec in_iov[FGW_MAX_DATAGRAMS_PER_EVENT];
	struct sockaddr_storage in_from[FGW_MAX_DATAGRAMS_PER_EVENT];
	uint8_t in_buf[FGW_MAX_DATAGRAMS_PER_EVENT][FGW_MAX_DATAGRAM + 1];
	/* send batch: datagrams of out_sock's call */
	struct fb_thin_sock *out_sock;
	unsigned nout;
	struct mmsghdr out[FB_THIN_MAX_OUT];
	struct iovec out_iov[FB_THIN_MAX_OUT];
	uint8_t out_buf[FB_THIN_MAX_OUT][FGW_MAX_DATAGRAM];
	uint64_t send_errors;
	struct epoll_event ready[FB_THIN_READY_BATCH];
};

struct fb_thin_gw {
	enum fb_transport t;
	bool ecm;
	int max_rate;
	char folder[FB_MAX_TEXT * 2];
	char ready[FB_MAX_TEXT * 2];
	struct fb_thin_sock *socks;
	unsigned nsocks;
	struct fb_thin_thread *threads;
	unsigned nthreads;
	atomic_bool stop;
	atomic_uint job;              /* the file names' JOB */
};

static uint64_t fb_thin_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Where spandsp writes the socket's reception: a dot name, which the
 * folder's watcher ignores. */
static void fb_thin_tmp_path(const struct fb_thin_sock *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/.thin-p%u.tif.part", s->th->g->folder, s->id);
}

static bool fb_thin_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

	return a->ss_family == AF_INET && b->ss_family == AF_INET &&
	       x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

/* --- sending ------------------------------------------------------------------------ */

/* The queued datagrams of the socket's call in one sendmmsg (a short
 * count: the rest again, a failure: counted and dropped, as a full socket
 * buffer drops). */
static void fb_thin_flush(struct fb_thin_thread *th)
{
	struct fb_thin_sock *s = th->out_sock;
	unsigned done = 0;

	while (s != NULL && done < th->nout) {
		for (unsigned i = done; i < th->nout; i++) {
			th->out[i].msg_hdr = (struct msghdr){ .msg_name = &s->peer,
				.msg_namelen = s->peer_len, .msg_iov = &th->out_iov[i], .msg_iovlen = 1 };
		}
		int n = sendmmsg(s->fd, th->out + done, th->nout - done, MSG_DONTWAIT);
		if (n <= 0) {
			th->send_errors += th->nout - done;
			break;
		}
		done += (unsigned)n;
	}
	th->nout = 0;
	th->out_sock = NULL;
}

/* fax_call's send(): one datagram for the peer, queued. */
static void fb_thin_send(void *arg, const uint8_t *buf, size_t len)
{
	struct fb_thin_sock *s = arg;
	struct fb_thin_thread *th = s->th;

	if (len > FGW_MAX_DATAGRAM)
		return;
	if (th->out_sock != s || th->nout == FB_THIN_MAX_OUT)
		fb_thin_flush(th);
	th->out_sock = s;
	memcpy(th->out_buf[th->nout], buf, len);
	th->out_iov[th->nout] = (struct iovec){ .iov_base = th->out_buf[th->nout], .iov_len = len };
	th->nout++;
}

/* --- calls ---------------------------------------------------------------------------- */

/* The fax_call of a static faxgwd port as faxbench configures them
 * (daemon.c's configuration, port.c's port_call_params). */
static struct fax_call *fb_thin_call_new(struct fb_thin_sock *s)
{
	const struct fb_thin_gw *g = s->th->g;
	struct fax_call_params p;
	char tmp[FB_MAX_TEXT * 3], ident[FGW_MAX_IDENT + 1], tag[32], err[FGW_MAX_ERROR_TEXT];
	struct fax_call *c;

	fb_thin_tmp_path(s, tmp, sizeof(tmp));
	snprintf(ident, sizeof(ident), "+1 555 %u", 1000 + (s->id - 1) % 9000);
	snprintf(tag, sizeof(tag), "thin-%u", s->id);
	fax_call_params_default(&p);
	p.session.mode = g->t == FB_T38 ? FAX_SESSION_T38 : FAX_SESSION_AUDIO;
	p.session.dir = FAX_SESSION_RECEIVE;
	p.session.calling_party = false;
	p.session.file = tmp;
	p.session.local_ident = ident;
	p.session.ecm = g->ecm;
	p.session.max_rate = g->max_rate;
	p.session.t38_version = 0;
	p.session.use_alaw = false;
	p.session.log_tag = tag;
	p.session.log_level = 0;
	p.ec = UDPTL_EC_REDUNDANCY;
	p.send = fb_thin_send;
	p.send_arg = s;
	c = fax_call_new(&p, err, sizeof(err));
	if (c == NULL)
		fprintf(stderr, "thin gateway: port %u: cannot start a call: %s\n", s->id, err);
	return c;
}

static void fb_thin_act_add(struct fb_thin_thread *th, struct fb_thin_sock *s)
{
	s->slot = th->nact;
	th->act[th->nact++] = s;
	if (th->nact == 1)
		th->next_tick_ms = fb_thin_now_ms() + FGW_TICK_MS;
}

static void fb_thin_act_remove(struct fb_thin_thread *th, struct fb_thin_sock *s)
{
	size_t i = s->slot;

	if (i >= th->nact || th->act[i] != s)
		return;
	th->act[i] = th->act[--th->nact];
	th->act[i]->slot = i;
	th->act[th->nact] = NULL;
}

/* The end of a call: the file goes into the folder under its final name
 * (rename: the watcher sees it complete), or away when no page came. */
static void fb_thin_finish(struct fb_thin_thread *th, struct fb_thin_sock *s, uint64_t now)
{
	struct fax_session_result r;
	char tmp[FB_MAX_TEXT * 3], path[FB_MAX_TEXT * 3];

	fb_thin_flush(th);
	fax_call_result(s->call, &r);
	fax_call_free(s->call);        /* closes the TIFF file */
	s->call = NULL;
	fb_thin_act_remove(th, s);
	fb_thin_tmp_path(s, tmp, sizeof(tmp));
	if (r.pages > 0) {
		snprintf(path, sizeof(path), "%s/fax-%u-p%u-%u.tif", th->g->folder,
			 atomic_fetch_add(&th->g->job, 1) + 1, s->id, s->seq);
		if (rename(tmp, path) != 0)
			fprintf(stderr, "thin gateway: rename %s: %s\n", tmp, strerror(errno));
	} else {
		unlink(tmp);
	}
	memcpy(&s->last_peer, &s->peer, sizeof(s->last_peer));
	s->linger_until_ms = now + FB_THIN_LINGER_MS;
}

/* A datagram for socket s: the first from a new peer starts a call. */
static void fb_thin_datagram(struct fb_thin_thread *th, struct fb_thin_sock *s, uint64_t now,
			     const struct sockaddr_storage *from, socklen_t fromlen,
			     const uint8_t *buf, size_t len)
{
	if (s->call == NULL) {
		if (now < s->linger_until_ms && fb_thin_same_addr(from, &s->last_peer)) {
			s->linger_until_ms = now + FB_THIN_LINGER_MS;
			return;
		}
		memcpy(&s->peer, from, fromlen);
		s->peer_len = fromlen;
		s->call = fb_thin_call_new(s);
		if (s->call == NULL)
			return;
		s->seq++;
		fb_thin_act_add(th, s);
	} else if (!fb_thin_same_addr(from, &s->peer)) {
		return;
	}
	s->last_rx_ms = now;
	fax_call_datagram_in(s->call, buf, len);
}

/* One recvmmsg on a readable socket, what it sent in answer in one
 * sendmmsg. */
static void fb_thin_read(struct fb_thin_thread *th, struct fb_thin_sock *s, uint64_t now)
{
	int n;

	for (int i = 0; i < FGW_MAX_DATAGRAMS_PER_EVENT; i++) {
		th->in[i].msg_hdr.msg_namelen = sizeof(th->in_from[i]);
		th->in[i].msg_hdr.msg_flags = 0;
	}
	n = recvmmsg(s->fd, th->in, FGW_MAX_DATAGRAMS_PER_EVENT, MSG_DONTWAIT | MSG_TRUNC, NULL);
	for (int i = 0; i < n; i++) {
		const struct msghdr *h = &th->in[i].msg_hdr;
		if (th->in[i].msg_len > FGW_MAX_DATAGRAM || (h->msg_flags & MSG_TRUNC) != 0)
			continue;
		fb_thin_datagram(th, s, now, &th->in_from[i], h->msg_namelen, th->in_buf[i],
				 th->in[i].msg_len);
	}
	fb_thin_flush(th);
}

static void fb_thin_read_ready(struct fb_thin_thread *th, uint64_t now)
{
	size_t rounds = th->nsocks / FB_THIN_READY_BATCH + 1;

	for (size_t r = 0; r < rounds; r++) {
		int n = epoll_wait(th->ep, th->ready, FB_THIN_READY_BATCH, 0);
		for (int i = 0; i < n; i++)
			fb_thin_read(th, th->ready[i].data.ptr, now);
		if (n < FB_THIN_READY_BATCH)
			break;
	}
}

/* One 20 ms step of every call, from the end of the list (a call that
 * ends swaps the last one into its slot, already stepped). */
static void fb_thin_tick_all(struct fb_thin_thread *th, uint64_t now)
{
	for (size_t i = th->nact; i-- > 0;) {
		if (i >= th->nact)
			continue;
		struct fb_thin_sock *s = th->act[i];
		if (now > s->last_rx_ms && now - s->last_rx_ms > FGW_CALL_SILENCE_MS) {
			fax_call_hangup(s->call);
			fb_thin_finish(th, s, now);
			continue;
		}
		bool over = fax_call_tick(s->call);
		fb_thin_flush(th);
		if (over)
			fb_thin_finish(th, s, now);
	}
}

/* --- the clock ------------------------------------------------------------------------ */

static void fb_thin_report_late(struct fb_thin_thread *th, uint64_t now)
{
	fprintf(stderr, "thin gateway: media thread %u: %llu step(s) of its calls ran late, "
		"up to %llu ms\n", th->index, (unsigned long long)th->late_steps,
		(unsigned long long)th->late_worst_ms);
	th->late_reported_ms = now;
	th->late_steps = th->late_worst_ms = 0;
}

static void fb_thin_note_late(struct fb_thin_thread *th, uint64_t now)
{
	uint64_t late = now - th->next_tick_ms;

	th->late_steps++;
	if (late > th->late_worst_ms)
		th->late_worst_ms = late;
	if (th->late_reported_ms == 0 || now - th->late_reported_ms >= FB_THIN_LATE_REPORT_MS)
		fb_thin_report_late(th, now);
}

/* worker_on_tick() on a timerfd: new calls are looked for at every tick,
 * calls in progress are stepped on their own absolute deadlines. */
static void fb_thin_on_tick(struct fb_thin_thread *th)
{
	uint64_t now = fb_thin_now_ms();
	bool had = th->nact > 0;
	int steps = 0;

	if (had && now >= th->next_tick_ms + FB_THIN_LATE_MS)
		fb_thin_note_late(th, now);
	fb_thin_read_ready(th, now);
	while (th->nact > 0 && now + 1 >= th->next_tick_ms && steps < FB_THIN_CATCH_UP) {
		fb_thin_tick_all(th, now);
		th->next_tick_ms += FGW_TICK_MS;
		steps++;
	}
	if (th->nact > 0 && now >= th->next_tick_ms + FGW_TICK_MS)
		th->next_tick_ms = now + FGW_TICK_MS;
	if (had && th->nact == 0 && th->late_steps > 0)
		fb_thin_report_late(th, now);
}

/* A thread without calls sleeps until a datagram comes (faxgwd's worker
 * stops its ticker then too); with calls, on its clock. */
static void *fb_thin_thread_main(void *arg)
{
	struct fb_thin_thread *th = arg;
	uint64_t expirations;

	while (!atomic_load(&th->g->stop)) {
		if (th->nact == 0) {
			if (epoll_wait(th->ep, th->ready, 1, FB_THIN_IDLE_WAIT_MS) <= 0)
				continue;
		} else if (read(th->tfd, &expirations, sizeof(expirations)) < 0 && errno != EINTR) {
			break;
		}
		fb_thin_on_tick(th);
	}
	return NULL;
}

/* --- the child: set-up and tear-down ------------------------------------------------ */

static int fb_thin_conf_line(struct fb_thin_gw *g, const char *line, unsigned *nports)
{
	char word[16], text[FB_MAX_TEXT * 2];
	unsigned a, b;

	if (sscanf(line, "port %u %u", &a, &b) == 2 && *nports < g->nsocks && b > 0 && b < 65536) {
		g->socks[*nports].id = a;
		g->socks[*nports].fd = (int)b;          /* the port, until it is bound */
		(*nports)++;
	} else if (sscanf(line, "ports %u", &a) == 1 && g->socks == NULL && a > 0 &&
		   a <= FB_MAX_CHANNELS) {
		g->socks = calloc(a, sizeof(*g->socks));
		g->nsocks = g->socks != NULL ? a : 0;
	} else if (sscanf(line, "transport %15s", word) == 1) {
		g->t = strcmp(word, "audio") == 0 ? FB_AUDIO : FB_T38;
	} else if (sscanf(line, "ecm %u", &a) == 1) {
		g->ecm = a != 0;
	} else if (sscanf(line, "max-rate %u", &a) == 1) {
		g->max_rate = (int)a;
	} else if (sscanf(line, "folder %511[^\n]", text) == 1) {
		snprintf(g->folder, sizeof(g->folder), "%s", text);
	} else if (sscanf(line, "ready %511[^\n]", text) == 1) {
		snprintf(g->ready, sizeof(g->ready), "%s", text);
	} else {
		return -1;
	}
	return 0;
}

static int fb_thin_conf_read(struct fb_thin_gw *g, const char *path)
{
	FILE *fp = fopen(path, "re");
	char line[FB_MAX_TEXT * 3];
	unsigned nports = 0;
	int rc = 0;

	if (fp == NULL) {
		fprintf(stderr, "thin gateway: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL)
		if (fb_thin_conf_line(g, line, &nports) != 0) {
			fprintf(stderr, "thin gateway: %s: bad line: %s", path, line);
			rc = -1;
		}
	fclose(fp);
	if (rc == 0 && (nports == 0 || nports != g->nsocks || g->folder[0] == '\0' ||
			g->ready[0] == '\0')) {
		fprintf(stderr, "thin gateway: %s: incomplete\n", path);
		rc = -1;
	}
	return rc;
}

/* One media thread per core this process may run on, no more than sockets
 * (gateway/dataplane.c). */
static unsigned fb_thin_nthreads(unsigned nsocks)
{
	long n = (long)fgwx_cpus();

	if (n > FB_THIN_MAX_THREADS)
		n = FB_THIN_MAX_THREADS;
	return (unsigned)n > nsocks ? nsocks : (unsigned)n;
}

static int fb_thin_sock_open(struct fb_thin_sock *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons((uint16_t)s->fd) };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };

	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    epoll_ctl(s->th->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
		fprintf(stderr, "thin gateway: port %u: 127.0.0.1:%u: %s\n", s->id,
			(unsigned)ntohs(a.sin_port), strerror(errno));
		return -1;
	}
	return 0;
}

static int fb_thin_thread_open(struct fb_thin_gw *g, unsigned k)
{
	struct fb_thin_thread *th = &g->threads[k];

	th->g = g;
	th->index = k;
	th->nsocks = (g->nsocks - k + g->nthreads - 1) / g->nthreads;
	th->act = calloc(th->nsocks, sizeof(*th->act));
	th->ep = epoll_create1(EPOLL_CLOEXEC);
	th->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (th->act == NULL || th->ep < 0 || th->tfd < 0) {
		fprintf(stderr, "thin gateway: media thread %u: %s\n", k, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < FGW_MAX_DATAGRAMS_PER_EVENT; i++) {
		th->in_iov[i] = (struct iovec){ .iov_base = th->in_buf[i],
						.iov_len = sizeof(th->in_buf[i]) };
		th->in[i].msg_hdr = (struct msghdr){ .msg_name = &th->in_from[i],
			.msg_iov = &th->in_iov[i], .msg_iovlen = 1 };
	}
	return 0;
}

/* Every thread's clock on the same absolute 20 ms grid. */
static int fb_thin_thread_start(struct fb_thin_thread *th, const struct timespec *t0)
{
	struct itimerspec its = { .it_interval = { 0, FGW_TICK_MS * 1000000L }, .it_value = *t0 };

	if (timerfd_settime(th->tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0 ||
	    pthread_create(&th->thread, NULL, fb_thin_thread_main, th) != 0) {
		fprintf(stderr, "thin gateway: media thread %u cannot start\n", th->index);
		return -1;
	}
	th->running = true;
	return 0;
}

static int fb_thin_open(struct fb_thin_gw *g)
{
	struct timespec t0;

	g->nthreads = fb_thin_nthreads(g->nsocks);
	g->threads = calloc(g->nthreads, sizeof(*g->threads));
	if (g->threads == NULL)
		return -1;
	for (unsigned k = 0; k < g->nthreads; k++)
		g->threads[k].ep = g->threads[k].tfd = -1;
	for (unsigned k = 0; k < g->nthreads; k++)
		if (fb_thin_thread_open(g, k) != 0)
			return -1;
	for (unsigned i = 0; i < g->nsocks; i++) {
		g->socks[i].th = &g->threads[i % g->nthreads];
		if (fb_thin_sock_open(&g->socks[i]) != 0)
			return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t0.tv_nsec += FGW_TICK_MS * 1000000L;
	if (t0.tv_nsec >= 1000000000L) {
		t0.tv_sec++;
		t0.tv_nsec -= 1000000000L;
	}
	for (unsigned k = 0; k < g->nthreads; k++)
		if (fb_thin_thread_start(&g->threads[k], &t0) != 0)
			return -1;
	return 0;
}

static void fb_thin_close(struct fb_thin_gw *g)
{
	char tmp[FB_MAX_TEXT * 3];

	atomic_store(&g->stop, true);
	for (unsigned k = 0; g->threads != NULL && k < g->nthreads; k++)
		if (g->threads[k].running)
			pthread_join(g->threads[k].thread, NULL);
	for (unsigned i = 0; i < g->nsocks; i++) {
		struct fb_thin_sock *s = &g->socks[i];
		if (s->call != NULL) {
			fax_call_free(s->call);
			fb_thin_tmp_path(s, tmp, sizeof(tmp));
			unlink(tmp);
		}
		if (s->th != NULL && s->fd >= 0)
			close(s->fd);
	}
	for (unsigned k = 0; g->threads != NULL && k < g->nthreads; k++) {
		if (g->threads[k].ep >= 0)
			close(g->threads[k].ep);
		if (g->threads[k].tfd >= 0)
			close(g->threads[k].tfd);
		free(g->threads[k].act);
	}
	free(g->threads);
	free(g->socks);
}

int fb_thin_child_main(const char *conf)
{
	static struct fb_thin_gw g;
	sigset_t sigs;
	int sig, fd, rc = 1;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);   /* the threads inherit it */
	signal(SIGPIPE, SIG_IGN);
	atomic_init(&g.stop, false);
	atomic_init(&g.job, 0);
	if (fb_thin_conf_read(&g, conf) == 0 && fb_thin_open(&g) == 0 &&
	    (fd = open(g.ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0640)) >= 0) {
		close(fd);
		fprintf(stderr, "thin gateway: %u %s sockets on %u media thread(s)\n", g.nsocks,
			fb_transport_name(g.t), g.nthreads);
		sigwait(&sigs, &sig);
		rc = 0;
	}
	fb_thin_close(&g);
	return rc;
}

/* --- the parent ------------------------------------------------------------------------ */

static int fb_thin_write_conf(const struct fb_run *run, const struct fb_daemon *d,
			      enum fb_transport t, const char *ready, char *err, size_t errlen)
{
	FILE *fp = fopen(d->conf, "we");

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", d->conf, strerror(errno));
		return -1;
	}
	fprintf(fp, "transport %s\necm %d\nmax-rate %d\nfolder %s\nready %s\nports %u\n",
		fb_transport_name(t), run->o.ecm ? 1 : 0, run->o.max_rate, d->folder, ready,
		d->nports);
	for (unsigned i = 0; i < d->nports; i++)
		fprintf(fp, "port %u %u\n", d->first_port_id + i, (unsigned)d->udp_ports[i]);
	if (fclose(fp) != 0) {
		snprintf(err, errlen, "%s: %s", d->conf, strerror(errno));
		return -1;
	}
	return 0;
}

static int fb_thin_wait_ready(struct fb_daemon *d, const char *ready, char *err, size_t errlen)
{
	struct timespec pause = { 0, 20 * 1000000L };
	char tail[FB_MAX_TEXT / 2];
	int status;

	for (unsigned i = 0; i < FB_READY_TIMEOUT_S * 50; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = -1;
			fb_daemon_log_tail(d, tail, sizeof(tail));
			snprintf(err, errlen, "the thin gateway exited at start-up: %s", tail);
			return -1;
		}
		if (access(ready, F_OK) == 0)
			return 0;
		nanosleep(&pause, NULL);
	}
	snprintf(err, errlen, "the thin gateway was not ready within %d s", FB_READY_TIMEOUT_S);
	return -1;
}

struct fb_daemon *fb_thin_start(const struct fb_run *run, const char *name,
				enum fb_transport t, unsigned nports, char *err, size_t errlen)
{
	struct fb_daemon *d = fb_daemon_new(run, name, FB_GW_THIN, t, nports, err, errlen);
	char ready[FB_MAX_TEXT * 2];

	if (d == NULL)
		return NULL;
	snprintf(ready, sizeof(ready), "%s/%s", d->dir, FB_THIN_READY_FILE);
	if (fb_thin_write_conf(run, d, t, ready, err, errlen) != 0)
		goto fail;
	char *argv[] = { "faxbench", FB_THIN_CHILD_OPT, d->conf, NULL };

	d->pid = fb_daemon_spawn(run, d, "/proc/self/exe", argv);
	if (d->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (fb_thin_wait_ready(d, ready, err, errlen) != 0)
		goto fail;
	return d;
fail:
	fb_daemon_stop(d);
	return NULL;
}
