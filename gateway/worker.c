/*
 * worker.c - one media thread: its ports, its epoll set, its 20 ms ticker
 * and its outbox to the main thread (worker.h).
 */
#include "caps.h"
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "pagewriter.h"
#include "port.h"

/* Ticks run at once when the loop was late; beyond that the clock skips. */
#define WORKER_MAX_CATCH_UP 10
/* Ready sockets taken from the epoll set per epoll_wait. */
#define WORKER_READY_BATCH 256
/* A step this late is reported: two steps of G.711 audio are missing at
 * the far end, which a modem in training does not survive. */
#define WORKER_LATE_MS (2 * FGW_TICK_MS)
/* A tick whose wall time exceeds its CPU time by this much was preempted. */
#define WORKER_PREEMPT_US 200
/* At most one report of late steps per this many milliseconds. */
#define WORKER_LATE_REPORT_MS 10000

struct worker {
	unsigned index;
	size_t n, max;                /* ports added, and how many may be
				       * (the caller keeps them) */
	/* The ports in a call, in no order; each port's slot is its index. */
	struct port **act;
	size_t nact;
	_Atomic uint32_t active;      /* nact, for other threads */

	struct pagewriter *writer;    /* its calls' TIFF pages, off this thread */
	struct event_base *base;      /* the thread's loop */
	struct event *ticker;
	uint64_t next_tick_ms;        /* absolute deadline of the next 20 ms step */
	int epfd;                     /* every port socket of the worker */
	struct event *rx_ev;          /* the set, watched while no call is active */
	struct epoll_event ready[WORKER_READY_BATCH];
	/* Steps at least WORKER_LATE_MS late since the last report. */
	uint64_t late_steps, late_worst_ms, late_reported_ms;
	/* Since the thread's first call (its busy period): steps, the worst
	 * lateness of one and the longest step of one call, in microseconds
	 * (logged when the last call ends: faxbench reads it). */
	uint64_t busy_steps, busy_worst_late_us, busy_longest_call_us, busy_clean_ticks;
	int stop_fd;                  /* eventfd: the main thread asks to stop */
	struct event *stop_ev;
	pthread_t thread;
	bool running;

	/* The inbox: media commands from the SIP thread, oldest first. */
	pthread_mutex_t in_lock;
	struct worker_cmd *in_head, *in_tail;
	int in_fd;                    /* eventfd, watched by the worker's loop */
	struct event *in_ev;

	/* The outbox: reports for the main thread, oldest first. */
	pthread_mutex_t lock;
	struct port_report *head, *tail;
	int out_fd;                   /* eventfd, watched by the main loop */
	struct event *out_ev;
};

uint32_t worker_active_calls(const struct worker *w)
{
	return w != NULL ? atomic_load_explicit(&w->active, memory_order_relaxed) : 0;
}

/* --- the outbox ----------------------------------------------------------------------- */

static void worker_post(void *arg, struct port_report *r)
{
	struct worker *w = arg;
	bool was_empty;
	uint64_t one = 1;

	r->next = NULL;
	pthread_mutex_lock(&w->lock);
	was_empty = w->head == NULL;
	if (was_empty)
		w->head = r;
	else
		w->tail->next = r;
	w->tail = r;
	pthread_mutex_unlock(&w->lock);
	/* The main loop reads the eventfd before it takes the list: a report
	 * posted after that finds the list empty and wakes it again. */
	if (was_empty && write(w->out_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("media thread %u: cannot wake the main loop: %s", w->index,
			strerror(errno));
}

void worker_drain(struct worker *w)
{
	struct port_report *r;
	uint64_t count;

	if (w == NULL)
		return;
	if (read(w->out_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_err("media thread %u: outbox: %s", w->index, strerror(errno));
	pthread_mutex_lock(&w->lock);
	r = w->head;
	w->head = w->tail = NULL;
	pthread_mutex_unlock(&w->lock);
	port_reports_apply(r);
}

static void worker_on_outbox(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	worker_drain(arg);
}

/* --- the inbox ------------------------------------------------------------------------ */

void worker_command(struct worker *w, struct worker_cmd *cmd)
{
	bool was_empty;
	uint64_t one = 1;

	cmd->next = NULL;
	pthread_mutex_lock(&w->in_lock);
	was_empty = w->in_head == NULL;
	if (was_empty)
		w->in_head = cmd;
	else
		w->in_tail->next = cmd;
	w->in_tail = cmd;
	pthread_mutex_unlock(&w->in_lock);
	if (was_empty && write(w->in_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("media thread %u: cannot wake it: %s", w->index, strerror(errno));
}

static struct worker_cmd *worker_take_commands(struct worker *w)
{
	struct worker_cmd *list;
	uint64_t count;

	if (read(w->in_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_err("media thread %u: inbox: %s", w->index, strerror(errno));
	pthread_mutex_lock(&w->in_lock);
	list = w->in_head;
	w->in_head = w->in_tail = NULL;
	pthread_mutex_unlock(&w->in_lock);
	return list;
}

/* A channel's new socket joins the epoll set (a closed one left it). */
static void worker_watch(struct worker *w, struct port *p)
{
	struct epoll_event ev;

	if (port_fd(p) < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = p;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, port_fd(p), &ev) != 0 && errno != EEXIST) {
		log_err("media thread %u: cannot watch the media socket of port %u: %s", w->index,
			(unsigned)port_id(p), strerror(errno));
		port_hangup(p);
	}
}

static void worker_apply(struct worker *w, struct worker_cmd *cmd)
{
	switch (cmd->kind) {
	case WORKER_MEDIA_START:
		port_media_start(cmd->port, &cmd->m);
		worker_watch(w, cmd->port);
		break;
	case WORKER_MEDIA_UPDATE:
		port_media_update(cmd->port, &cmd->m);
		worker_watch(w, cmd->port);
		break;
	case WORKER_MEDIA_HANGUP:
		port_media_hangup(cmd->port, cmd->m.serial);
		break;
	}
}

static void worker_on_inbox(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct worker_cmd *cmd = worker_take_commands(w);

	(void)fd;
	(void)what;
	while (cmd != NULL) {
		struct worker_cmd *next = cmd->next;
		worker_apply(w, cmd);
		free(cmd);
		cmd = next;
	}
}

/* Stopped: what was not applied goes, with its socket. */
static void worker_drop_commands(struct worker *w)
{
	struct worker_cmd *cmd = worker_take_commands(w);

	while (cmd != NULL) {
		struct worker_cmd *next = cmd->next;
		if (cmd->kind == WORKER_MEDIA_START && cmd->m.fd >= 0)
			close(cmd->m.fd);
		free(cmd);
		cmd = next;
	}
}

/* --- receiving ------------------------------------------------------------------------ */

/* Reads every port socket that is readable now: one epoll_wait (no wait)
 * per WORKER_READY_BATCH ready sockets, one recvmmsg per ready socket. */
static void worker_read_ready(struct worker *w)
{
	size_t rounds = w->n / WORKER_READY_BATCH + 1;

	for (size_t r = 0; r < rounds; r++) {
		int n = epoll_wait(w->epfd, w->ready, WORKER_READY_BATCH, 0);

		for (int i = 0; i < n; i++)
			port_read(w->ready[i].data.ptr);
		if (n < WORKER_READY_BATCH)
			break;
	}
}

static void worker_on_rx(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	worker_read_ready(arg);
}

/* --- the ticker ---------------------------------------------------------------------- */

/* Walks the active calls only.  A call that ends in its tick leaves the
 * list by swapping the last entry into its slot: walking from the end,
 * that entry was already ticked in this step. */
static uint64_t worker_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t worker_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Each call's step is timed by the wall clock; a tick whose wall time
 * exceeds the thread's CPU time by WORKER_PREEMPT_US was preempted (or
 * blocked), and its calls' times say nothing of their own work. */
static void worker_tick_all(struct worker *w, uint64_t now)
{
	uint64_t start = worker_now_us(), cpu = worker_cpu_us(), t0 = start, t1, longest = 0;

	for (size_t i = w->nact; i-- > 0;) {
		if (i >= w->nact)
			continue;
		port_tick(w->act[i], now);
		t1 = worker_now_us();
		if (t1 - t0 > longest)
			longest = t1 - t0;
		t0 = t1;
	}
	cpu = worker_cpu_us() - cpu;
	if (t0 - start <= cpu + WORKER_PREEMPT_US) {
		w->busy_clean_ticks++;
		if (longest > w->busy_longest_call_us)
			w->busy_longest_call_us = longest;
	}
}

/* The end of a busy period: how its steps went, for an operator and for
 * faxbench (docs/performance.md). */
static void worker_report_busy(struct worker *w)
{
	log_info("media thread %u: idle after %llu step(s): worst %.1f ms late, longest step of "
		 "one call %.2f ms (in %llu step(s) not preempted)", w->index,
		 (unsigned long long)w->busy_steps, (double)w->busy_worst_late_us / 1000.0,
		 (double)w->busy_longest_call_us / 1000.0, (unsigned long long)w->busy_clean_ticks);
	w->busy_steps = w->busy_worst_late_us = w->busy_longest_call_us = 0;
	w->busy_clean_ticks = 0;
}

/* Says how many steps ran late since the last report: an operator sees
 * why calls fail when the host is short of CPU. */
static void worker_report_late(struct worker *w, uint64_t now)
{
	log_warn("media thread %u: %llu step(s) of its calls ran late, up to %llu ms "
		 "(host short of CPU? audio calls may fail)", w->index,
		 (unsigned long long)w->late_steps, (unsigned long long)w->late_worst_ms);
	w->late_reported_ms = now;
	w->late_steps = w->late_worst_ms = 0;
}

/* Counts a late step; reports at once, then at most every
 * WORKER_LATE_REPORT_MS and when the thread's last call ends. */
static void worker_note_late(struct worker *w, uint64_t now)
{
	uint64_t late = now - w->next_tick_ms;

	w->late_steps++;
	if (late > w->late_worst_ms)
		w->late_worst_ms = late;
	if (w->late_reported_ms == 0 || now - w->late_reported_ms >= WORKER_LATE_REPORT_MS)
		worker_report_late(w, now);
}

/* One persistent 20 ms timer for every call of the thread.  Each step has
 * an absolute deadline; a late loop runs the missed steps at once (up to
 * a bound), so the calls' clock keeps real time on average. */
static void worker_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	uint64_t now = port_now_ms();
	int steps = 0;

	(void)fd;
	(void)what;
	if (w->nact > 0 && now >= w->next_tick_ms + WORKER_LATE_MS)
		worker_note_late(w, now);
	if (w->nact > 0) {
		uint64_t now_us = worker_now_us(), due_us = w->next_tick_ms * 1000u;
		if (now_us > due_us && now_us - due_us > w->busy_worst_late_us)
			w->busy_worst_late_us = now_us - due_us;
	}
	while (w->nact > 0 && now + 1 >= w->next_tick_ms && steps < WORKER_MAX_CATCH_UP) {
		w->busy_steps++;
		if (steps == 0)
			worker_read_ready(w);
		worker_tick_all(w, now);
		w->next_tick_ms += FGW_TICK_MS;
		steps++;
	}
	if (now >= w->next_tick_ms + FGW_TICK_MS)
		w->next_tick_ms = now + FGW_TICK_MS;
}

static void worker_call_started(void *arg, struct port *p)
{
	struct worker *w = arg;
	struct timeval tv = { 0, FGW_TICK_MS * 1000 };

	if (w->nact >= w->n)
		return;      /* cannot happen: one call per port */
	port_set_slot(p, w->nact);
	w->act[w->nact++] = p;
	atomic_store_explicit(&w->active, (uint32_t)w->nact, memory_order_relaxed);
	if (w->nact == 1) {
		w->next_tick_ms = port_now_ms() + FGW_TICK_MS;
		event_add(w->ticker, &tv);
		event_del(w->rx_ev);      /* the ticks read from now on */
	}
}

static void worker_call_ended(void *arg, struct port *p)
{
	struct worker *w = arg;
	size_t i = port_slot(p);

	if (i >= w->nact || w->act[i] != p)
		return;
	w->act[i] = w->act[--w->nact];
	port_set_slot(w->act[i], i);
	w->act[w->nact] = NULL;
	atomic_store_explicit(&w->active, (uint32_t)w->nact, memory_order_relaxed);
	if (w->nact == 0) {
		event_del(w->ticker);
		event_add(w->rx_ev, NULL);
		if (w->late_steps > 0)
			worker_report_late(w, port_now_ms());
		worker_report_busy(w);
	}
}

void worker_port_env(struct worker *w, struct port_env *env)
{
	env->call_started = worker_call_started;
	env->call_ended = worker_call_ended;
	env->post = worker_post;
	env->arg = w;
	env->writer = w->writer;
}

int worker_add_port(struct worker *w, struct port *p, char *err, size_t errlen)
{
	struct epoll_event ev;

	if (w->n >= w->max) {
		snprintf(err, errlen, "media thread %u: too many ports", w->index);
		return -1;
	}
	if (port_fd(p) >= 0) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = p;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, port_fd(p), &ev) != 0) {
			snprintf(err, errlen, "cannot watch the socket of port %u: %s",
				 (unsigned)port_id(p), strerror(errno));
			return -1;
		}
	}
	w->n++;
	return 0;
}

/* --- the thread ------------------------------------------------------------------------ */

static void worker_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(w->base);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (event_base_dispatch(w->base) < 0)
		log_err("media thread %u: event loop failed", w->index);
	return NULL;
}

int worker_start(struct worker *w, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	if (event_add(w->rx_ev, NULL) != 0 || event_add(w->stop_ev, NULL) != 0 ||
	    event_add(w->out_ev, NULL) != 0 || event_add(w->in_ev, NULL) != 0) {
		snprintf(err, errlen, "media thread %u: cannot watch its sockets", w->index);
		return -1;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "media thread %u: %s", w->index, strerror(rc));
		return -1;
	}
	w->running = true;
	return 0;
}

void worker_stop(struct worker *w)
{
	uint64_t one = 1;

	if (w == NULL || !w->running)
		return;
	if (write(w->stop_fd, &one, sizeof(one)) < 0)
		log_err("media thread %u: cannot ask it to stop: %s", w->index, strerror(errno));
	pthread_join(w->thread, NULL);
	w->running = false;
	/* The pages and reports its calls left with the writer: in the
	 * outbox before worker_drain(). */
	pagewriter_flush(w->writer);
}

/* --- life ------------------------------------------------------------------------------ */

static int worker_open(struct worker *w, struct event_base *main_base)
{
	struct event_config *ec = event_config_new();

	/* Only this thread uses the base: no locks. */
	if (ec == NULL || event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK) != 0)
		goto fail;
	w->base = event_base_new_with_config(ec);
	event_config_free(ec);
	ec = NULL;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->out_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->in_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->base == NULL || w->epfd < 0 || w->stop_fd < 0 || w->out_fd < 0 || w->in_fd < 0)
		return -1;
	w->ticker = event_new(w->base, -1, EV_PERSIST, worker_on_tick, w);
	w->rx_ev = event_new(w->base, w->epfd, EV_READ | EV_PERSIST, worker_on_rx, w);
	w->stop_ev = event_new(w->base, w->stop_fd, EV_READ | EV_PERSIST, worker_on_stop, w);
	w->out_ev = event_new(main_base, w->out_fd, EV_READ | EV_PERSIST, worker_on_outbox, w);
	w->in_ev = event_new(w->base, w->in_fd, EV_READ | EV_PERSIST, worker_on_inbox, w);
	return w->ticker && w->rx_ev && w->stop_ev && w->out_ev && w->in_ev ? 0 : -1;
fail:
	if (ec != NULL)
		event_config_free(ec);
	return -1;
}

int worker_new(struct event_base *main_base, unsigned index, size_t max_ports,
	       struct worker **out, char *err, size_t errlen)
{
	struct worker *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->index = index;
	w->max = max_ports;
	w->epfd = w->stop_fd = w->out_fd = w->in_fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->in_lock, NULL);
	w->act = calloc(max_ports + 1, sizeof(*w->act));
	if (w->act == NULL || worker_open(w, main_base) != 0) {
		snprintf(err, errlen, "media thread %u: cannot set up its event loop: %s", index,
			 errno != 0 ? strerror(errno) : "out of memory");
		worker_free(w);
		return -1;
	}
	if (pagewriter_new(index, &w->writer, err, errlen) != 0) {
		worker_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

static void worker_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

void worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	worker_stop(w);
	pagewriter_free(w->writer);
	if (w->in_fd >= 0)
		worker_drop_commands(w);
	if (w->in_ev != NULL)
		event_free(w->in_ev);
	if (w->out_ev != NULL)
		event_free(w->out_ev);
	if (w->stop_ev != NULL)
		event_free(w->stop_ev);
	if (w->rx_ev != NULL)
		event_free(w->rx_ev);
	if (w->ticker != NULL)
		event_free(w->ticker);
	if (w->base != NULL)
		event_base_free(w->base);
	worker_close(w->epfd);
	worker_close(w->stop_fd);
	worker_close(w->out_fd);
	worker_close(w->in_fd);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->in_lock);
	free(w->act);
	free(w);
}
