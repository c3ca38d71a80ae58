/*
 * router.c - the router process and its per-attempt workers (router.h).
 *
 * A worker runs one task: a routing attempt (ROUTER_ROUTE: the method's
 * routing function), or the check and conversion of a document to send
 * (ROUTER_PREPARE: senddoc_prepare, which may run Ghostscript: its
 * process dies with the worker).  Both have the same isolation; only
 * their time limits and their failure texts differ.
 */
#include "caps.h"
#include "router.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "extension.h"
#include "log.h"
#include "senddoc.h"

struct router {
	int fd;
	pid_t pid;
};

/* What a worker writes back: less than PIPE_BUF, so one atomic write. */
struct router_result {
	int32_t status;
	uint32_t pages;               /* PREPARE: pages of the TIFF written */
	char msg[FGW_MAX_ERROR_TEXT];
};
_Static_assert(sizeof(struct router_result) <= 4096, "a worker's result is one atomic write");

/* What a worker runs (pointers into the forking process's memory, which
 * the worker has a copy of). */
struct router_task {
	uint32_t kind;                /* enum router_kind */
	/* ROUTER_ROUTE */
	const fgw_route_host *host;
	fgw_routing_fn fn;
	const fgw_fax *fax;
	const void *data;
	size_t len;
	/* ROUTER_PREPARE */
	const char *in, *out;
	unsigned max_pages;
};

static uint64_t router_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- one attempt in a worker process ------------------------------------------------ */

static void router_task_run(const struct router_task *t, struct router_result *res)
{
	unsigned pages = 0;

	if (t->kind == ROUTER_PREPARE) {
		res->status = senddoc_prepare(t->in, t->out, t->max_pages, &pages, res->msg,
					      sizeof(res->msg)) == 0 ? FGW_ROUTE_OK : FGW_ROUTE_FAIL;
		res->pages = pages;
		return;
	}
	res->status = (int32_t)t->fn(t->host, t->fax, t->data, t->len, res->msg, sizeof(res->msg));
}

static void router_worker(int wfd, pid_t parent, const struct router_task *t)
{
	static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct router_result res;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent died before the prctl: faxgwd, which holds the spool's
	 * lock (lockfile.h), may be gone too; touch no fax. */
	if (getppid() != parent)
		_exit(3);
	prctl(PR_SET_NAME, t->kind == ROUTER_PREPARE ? "faxgwd-prepare" : "faxgwd-route");
	/* A crash must end the worker with its signal, whatever handlers the
	 * process had (a sanitizer's, for one). */
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		signal(crash_signals[i], SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	memset(&res, 0, sizeof(res));
	router_task_run(t, &res);
	res.msg[sizeof(res.msg) - 1] = '\0';
	if (write(wfd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(3);
	_exit(0);
}

/* A running worker. */
struct router_worker {
	pid_t pid;
	int fd;                       /* read end of its result pipe */
	uint64_t deadline;            /* monotonic ms */
	unsigned timeout_ms;
	struct router_result res;
	size_t got;
	uint32_t kind;                /* the task's */
	int pdf;                      /* PREPARE: the document is a PDF (for the time-out text) */
	uint64_t job_id;              /* the request it serves (router process) */
	char guid[FGW_GUID_LEN + 1];
};

/* Forks the worker; 0, or -1 with the reason in msg. */
static int router_worker_start(struct router_worker *w, const struct router_task *t,
			       unsigned timeout_ms, char *msg, size_t msglen)
{
	pid_t parent = getpid();
	int pfd[2];

	memset(&w->res, 0, sizeof(w->res));
	w->got = 0;
	w->timeout_ms = timeout_ms;
	w->kind = t->kind;
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(msg, msglen, "cannot start the routing worker: %s", strerror(errno));
		return -1;
	}
	w->pid = fork();
	if (w->pid < 0) {
		snprintf(msg, msglen, "cannot start the routing worker: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (w->pid == 0) {
		close(pfd[0]);
		router_worker(pfd[1], parent, t);
	}
	close(pfd[1]);
	w->fd = pfd[0];
	w->deadline = router_now_ms() + timeout_ms;
	return 0;
}

/* Reads what the worker wrote; 1 once it is complete or the pipe closed. */
static int router_worker_read(struct router_worker *w)
{
	ssize_t n;

	do
		n = read(w->fd, (char *)&w->res + w->got, sizeof(w->res) - w->got);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0)
		return 1;
	w->got += (size_t)n;
	return w->got == sizeof(w->res);
}

/* A PREPARE worker's end: a crash or a missing result fails the
 * submission (a document that crashes the check will crash it again). */
static fgw_route_status router_prepare_verdict(int wstatus, const struct router_result *res,
					       size_t got, char *msg, size_t msglen)
{
	if (WIFSIGNALED(wstatus)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(wstatus));
		if (abbrev != NULL)
			snprintf(msg, msglen, "checking the document crashed (SIG%s)", abbrev);
		else
			snprintf(msg, msglen, "checking the document crashed (signal %d)",
				 WTERMSIG(wstatus));
		return FGW_ROUTE_FAIL;
	}
	if (got != sizeof(*res) || (res->status != FGW_ROUTE_OK && res->status != FGW_ROUTE_FAIL)) {
		snprintf(msg, msglen, "checking the document ended without a result (exit status %d)",
			 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
		return FGW_ROUTE_FAIL;
	}
	snprintf(msg, msglen, "%s", res->msg);
	return (fgw_route_status)res->status;
}

static fgw_route_status router_verdict(int wstatus, const struct router_result *res, size_t got,
				       char *msg, size_t msglen)
{
	if (WIFSIGNALED(wstatus)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(wstatus));
		if (abbrev != NULL)
			snprintf(msg, msglen, "routing function crashed (SIG%s)", abbrev);
		else
			snprintf(msg, msglen, "routing function crashed (signal %d)",
				 WTERMSIG(wstatus));
		return FGW_ROUTE_RETRY;
	}
	if (got != sizeof(*res) || res->status < FGW_ROUTE_OK || res->status > FGW_ROUTE_FAIL) {
		snprintf(msg, msglen, "routing function ended without a result (exit status %d)",
			 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
		return FGW_ROUTE_RETRY;
	}
	snprintf(msg, msglen, "%s", res->msg);
	return (fgw_route_status)res->status;
}

/* Ends the worker (killing it when timed_out) and gives its verdict. */
static fgw_route_status router_worker_finish(struct router_worker *w, int timed_out, char *msg,
					     size_t msglen)
{
	int wstatus = 0;

	close(w->fd);
	w->fd = -1;
	if (timed_out)
		kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (timed_out && w->kind == ROUTER_PREPARE) {
		snprintf(msg, msglen, "%s took more than %u s",
			 w->pdf ? "rendering the PDF" : "checking the document",
			 (w->timeout_ms + 999) / 1000);
		return FGW_ROUTE_FAIL;
	}
	if (timed_out) {
		snprintf(msg, msglen, "routing function timed out after %u s",
			 (w->timeout_ms + 999) / 1000);
		return FGW_ROUTE_RETRY;
	}
	if (w->kind == ROUTER_PREPARE)
		return router_prepare_verdict(wstatus, &w->res, w->got, msg, msglen);
	return router_verdict(wstatus, &w->res, w->got, msg, msglen);
}

fgw_route_status router_attempt(const fgw_route_host *host, fgw_routing_fn fn,
				const fgw_fax *fax, const void *data, size_t len,
				unsigned timeout_ms, char *msg, size_t msglen)
{
	struct router_task t = { .kind = ROUTER_ROUTE, .host = host, .fn = fn, .fax = fax,
				 .data = data, .len = len };
	struct router_worker w;

	if (router_worker_start(&w, &t, timeout_ms, msg, msglen) != 0)
		return FGW_ROUTE_RETRY;
	for (;;) {
		uint64_t now = router_now_ms();
		struct pollfd p = { .fd = w.fd, .events = POLLIN };
		int rc;

		if (now >= w.deadline)
			return router_worker_finish(&w, 1, msg, msglen);
		rc = poll(&p, 1, (int)(w.deadline - now > 1000 ? 1000 : w.deadline - now));
		if (rc > 0 && router_worker_read(&w))
			return router_worker_finish(&w, 0, msg, msglen);
	}
}

/* --- requests ------------------------------------------------------------------------- */

void router_request_fax(const struct router_request *rq, fgw_fax *fax)
{
	memset(fax, 0, sizeof(*fax));
	fax->job_id = rq->job_id;
	fax->port_id = rq->port_id;
	fax->port_name = rq->port_name;
	fax->path = rq->path;
	fax->remote_ident = rq->remote_ident;
	fax->local_ident = rq->local_ident;
	fax->caller_address = rq->caller;
	fax->start_time = rq->start_time;
	fax->end_time = rq->end_time;
	fax->pages = rq->pages;
	fax->x_resolution = rq->x_res;
	fax->y_resolution = rq->y_res;
	fax->bit_rate = rq->bit_rate;
	fax->ecm = rq->ecm;
	fax->t30_status = rq->t30_status;
	fax->t30_text = rq->t30_text;
	fax->partial = rq->partial;
	fax->degraded_pages = rq->degraded_pages;
	fax->bad_rows = rq->bad_rows;
	fax->longest_bad_run = rq->longest_bad_run;
	fax->degraded_list = rq->degraded_list;
	fax->sip_call_id = rq->sip_call_id;
	fax->sip_from = rq->sip_from;
	fax->sip_to = rq->sip_to;
	fax->sip_user_agent = rq->sip_user_agent;
	fax->transport = rq->transport;
}

/* Terminates every string of a request read from the socket. */
static void router_request_sanitize(struct router_request *rq)
{
	rq->out_path[sizeof(rq->out_path) - 1] = '\0';
	rq->guid[sizeof(rq->guid) - 1] = '\0';
	rq->path[sizeof(rq->path) - 1] = '\0';
	rq->port_name[sizeof(rq->port_name) - 1] = '\0';
	rq->remote_ident[sizeof(rq->remote_ident) - 1] = '\0';
	rq->local_ident[sizeof(rq->local_ident) - 1] = '\0';
	rq->caller[sizeof(rq->caller) - 1] = '\0';
	rq->t30_text[sizeof(rq->t30_text) - 1] = '\0';
	rq->degraded_list[sizeof(rq->degraded_list) - 1] = '\0';
	rq->sip_call_id[sizeof(rq->sip_call_id) - 1] = '\0';
	rq->sip_from[sizeof(rq->sip_from) - 1] = '\0';
	rq->sip_to[sizeof(rq->sip_to) - 1] = '\0';
	rq->sip_user_agent[sizeof(rq->sip_user_agent) - 1] = '\0';
	rq->transport[sizeof(rq->transport) - 1] = '\0';
	if (rq->data_len > FGW_MAX_ROUTING_DATA)
		rq->data_len = FGW_MAX_ROUTING_DATA;
}

static unsigned router_timeout_ms(void)
{
	return FGW_ROUTE_ATTEMPT_SECS * 1000u;
}

/* Whether the file at path starts as a PDF (the time-out text of a
 * PREPARE worker: it is the rendering that takes long). */
static int router_is_pdf(const char *path)
{
	unsigned char head[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	return n > 0 && senddoc_sniff(head, (size_t)n) == SENDDOC_PDF;
}

/* Starts the check of a document to send in worker w (PREPARE); 0, or -1
 * with the reply filled in. */
static int router_start_prepare(const struct router_request *rq, struct router_worker *w,
				struct router_reply *rp)
{
	struct router_task t = { .kind = ROUTER_PREPARE, .in = rq->path, .out = rq->out_path,
				 .max_pages = rq->max_pages };

	rp->status = FGW_ROUTE_FAIL;
	w->pdf = router_is_pdf(rq->path);
	if (router_worker_start(w, &t, FGW_SEND_PREPARE_MS, rp->msg, sizeof(rp->msg)) != 0)
		return -1;
	return 0;
}

/* Starts the attempt of a request in worker w; 0, or -1 with the reply
 * filled in (method not loaded, fork failed). */
static int router_start_request(const struct extension_set *ext, const struct router_request *rq,
				struct router_worker *w, struct router_reply *rp)
{
	fgw_routing_fn fn;
	struct router_task t = { .kind = ROUTER_ROUTE };
	fgw_fax fax;

	memset(rp, 0, sizeof(*rp));
	rp->kind = rq->kind;
	rp->job_id = rq->job_id;
	memcpy(rp->guid, rq->guid, sizeof(rp->guid));
	rp->status = FGW_ROUTE_RETRY;
	w->job_id = rq->job_id;
	memcpy(w->guid, rq->guid, sizeof(w->guid));
	w->kind = rq->kind;
	w->pdf = 0;
	if (rq->kind == ROUTER_PREPARE)
		return router_start_prepare(rq, w, rp);
	if (rq->kind != ROUTER_ROUTE) {
		rp->status = FGW_ROUTE_FAIL;
		snprintf(rp->msg, sizeof(rp->msg), "unknown request kind %u", rq->kind);
		return -1;
	}
	fn = extension_routing_fn(ext, rq->guid);
	if (fn == NULL) {
		snprintf(rp->msg, sizeof(rp->msg), "routing method %s is not loaded", rq->guid);
		return -1;
	}
	router_request_fax(rq, &fax);
	t.host = extension_host(ext);
	t.fn = fn;
	t.fax = &fax;
	t.data = rq->data;
	t.len = rq->data_len;
	return router_worker_start(w, &t, router_timeout_ms(), rp->msg, sizeof(rp->msg));
}

/* The reply of a worker that ended (its verdict already in rp->status). */
static void router_reply_pages(const struct router_worker *w, struct router_reply *rp)
{
	if (w->kind == ROUTER_PREPARE && rp->status == FGW_ROUTE_OK)
		rp->pages = w->res.pages;
}

void router_handle(const struct extension_set *ext, const struct router_request *rq,
		   struct router_reply *rp)
{
	struct router_worker w;

	if (router_start_request(ext, rq, &w, rp) != 0)
		return;
	for (;;) {
		uint64_t now = router_now_ms();
		struct pollfd p = { .fd = w.fd, .events = POLLIN };
		int done = now >= w.deadline;

		if (!done && poll(&p, 1, (int)(w.deadline - now > 1000 ? 1000 : w.deadline - now)) > 0 &&
		    router_worker_read(&w)) {
			rp->status = (int32_t)router_worker_finish(&w, 0, rp->msg, sizeof(rp->msg));
			router_reply_pages(&w, rp);
			return;
		}
		if (done) {
			rp->status = (int32_t)router_worker_finish(&w, 1, rp->msg, sizeof(rp->msg));
			return;
		}
	}
}

/* --- the router process ------------------------------------------------------------------ */

struct router_proc {
	const struct extension_set *ext;
	int fd;
	struct router_worker w[FGW_MAX_ROUTING_INFLIGHT];
	size_t nw;
	struct router_request *rq;
};

static void router_reply_send(struct router_proc *rp_, const struct router_reply *rp)
{
	while (send(rp_->fd, rp, sizeof(*rp), MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			_exit(0);     /* the parent is gone */
	}
}

static void router_end_worker(struct router_proc *p, size_t i, int timed_out)
{
	struct router_worker *w = &p->w[i];
	struct router_reply rp;

	memset(&rp, 0, sizeof(rp));
	rp.kind = w->kind;
	rp.job_id = w->job_id;
	memcpy(rp.guid, w->guid, sizeof(rp.guid));
	rp.status = (int32_t)router_worker_finish(w, timed_out, rp.msg, sizeof(rp.msg));
	router_reply_pages(w, &rp);
	p->w[i] = p->w[--p->nw];
	router_reply_send(p, &rp);
}

/* A request from the parent: start its worker (or answer at once). */
static void router_take_request(struct router_proc *p)
{
	struct router_reply rp;
	ssize_t n;

	do
		n = recv(p->fd, p->rq, sizeof(*p->rq), 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		_exit(0);                 /* the parent is gone; workers die with us */
	if ((size_t)n != sizeof(*p->rq))
		return;                   /* not a request of this build: ignored */
	router_request_sanitize(p->rq);
	if (router_start_request(p->ext, p->rq, &p->w[p->nw], &rp) != 0) {
		router_reply_send(p, &rp);
		return;
	}
	fcntl(p->w[p->nw].fd, F_SETFL, O_NONBLOCK);
	p->nw++;
}

/* Attempts run concurrently, each in its own worker, up to
 * FGW_MAX_ROUTING_INFLIGHT at once (the parent never asks for more). */
static void router_main(const struct extension_set *ext, int fd)
{
	struct pollfd pfd[FGW_MAX_ROUTING_INFLIGHT + 1];
	struct router_proc p;

	memset(&p, 0, sizeof(p));
	p.ext = ext;
	p.fd = fd;
	p.rq = malloc(sizeof(*p.rq));
	if (p.rq == NULL)
		_exit(1);
	for (;;) {
		uint64_t now = router_now_ms(), next = now + 1000;
		int rc;

		pfd[0].fd = fd;
		pfd[0].events = p.nw < FGW_MAX_ROUTING_INFLIGHT ? POLLIN : 0;
		for (size_t i = 0; i < p.nw; i++) {
			pfd[i + 1].fd = p.w[i].fd;
			pfd[i + 1].events = POLLIN;
			if (p.w[i].deadline < next)
				next = p.w[i].deadline;
		}
		rc = poll(pfd, p.nw + 1, next > now ? (int)(next - now) : 0);
		if (rc < 0 && errno != EINTR)
			_exit(1);
		now = router_now_ms();
		/* Workers first, from the last, so that removing one keeps the
		 * pollfd indexes of those not yet looked at. */
		for (size_t i = p.nw; i-- > 0;) {
			if (rc > 0 && pfd[i + 1].revents != 0 && router_worker_read(&p.w[i]))
				router_end_worker(&p, i, 0);
			else if (now >= p.w[i].deadline)
				router_end_worker(&p, i, 1);
		}
		if (rc > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			router_take_request(&p);
	}
}

static void router_child(const struct extension_set *ext, int fd, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	prctl(PR_SET_NAME, "faxgwd-router");
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);      /* Ctrl-C: the parent decides; EOF ends us */
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* Nothing of the parent but the extensions: no sockets, no database.
	 * The syslog socket goes too (closed properly: syslog(3) reconnects
	 * on the next message instead of writing to a reused descriptor). */
	closelog();
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0u, 0);
	router_main(ext, fd);
}

int router_start(const struct extension_set *ext, struct router **out, char *err, size_t errlen)
{
	struct router *r = calloc(1, sizeof(*r));
	pid_t parent = getpid();
	int sv[2];

	*out = NULL;
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "router: socketpair: %s", strerror(errno));
		free(r);
		return -1;
	}
	r->pid = fork();
	if (r->pid < 0) {
		snprintf(err, errlen, "router: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(r);
		return -1;
	}
	if (r->pid == 0) {
		close(sv[0]);
		router_child(ext, sv[1], parent);
		_exit(0);
	}
	close(sv[1]);
	r->fd = sv[0];
	fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) | O_NONBLOCK);
	*out = r;
	return 0;
}

void router_free(struct router *r)
{
	int st;

	if (r == NULL)
		return;
	close(r->fd);
	/* EOF makes the router exit once its current attempt is over; do not
	 * wait for a slow one. */
	for (int i = 0; i < 20; i++) {
		if (waitpid(r->pid, &st, WNOHANG) != 0)
			goto done;
		usleep(10000);
	}
	kill(r->pid, SIGKILL);
	waitpid(r->pid, &st, 0);
done:
	free(r);
}

int router_fd(const struct router *r)
{
	return r->fd;
}

pid_t router_pid(const struct router *r)
{
	return r->pid;
}

int router_send(struct router *r, const struct router_request *rq)
{
	ssize_t n;

	do
		n = send(r->fd, rq, sizeof(*rq), MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*rq) ? 0 : -1;
}

int router_recv(struct router *r, struct router_reply *rp)
{
	ssize_t n;

	for (;;) {
		n = recv(r->fd, rp, sizeof(*rp), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		if ((size_t)n != sizeof(*rp))
			continue;
		rp->guid[sizeof(rp->guid) - 1] = '\0';
		rp->msg[sizeof(rp->msg) - 1] = '\0';
		return 1;
	}
}
