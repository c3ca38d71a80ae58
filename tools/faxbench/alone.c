/*
 * alone.c - the floor: the same T.30 work with spandsp alone, in one
 * process, no sockets and no spool.  `pairs` sending and receiving
 * fax_sessions run back to back in memory on a simulated 20 ms clock (as
 * fast as the CPU allows): T.38 IFPs go straight from one terminal to the
 * other (each once; repetition is a transport matter), G.711 frames are
 * handed over with one tick of delay in each direction.
 *
 * Each tick runs every sender, then every receiver, each group as one
 * block timed with CLOCK_THREAD_CPUTIME_ID, so the receiving side's CPU
 * is measured alone and the clock reads cost two system calls per tick,
 * not two per call.  Receiver 0's heap is followed with mallinfo2()
 * around each of its calls (outside the timed blocks): the heap one
 * reception holds at its peak, its page buffer included.
 */
#include "caps.h"
#include "faxbench.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testdoc.h"

#define FB_ALONE_QUEUE 64             /* IFPs in flight per direction per tick */

struct fb_ifp_queue {
	unsigned n;
	uint16_t seq;
	uint64_t dropped;
	uint16_t len[FB_ALONE_QUEUE];
	uint8_t buf[FB_ALONE_QUEUE][FGW_MAX_IFP];
};

struct fb_pair {
	struct fax_session *tx, *rx;
	bool tx_done, rx_done;
	uint64_t rx_ticks;
	struct fb_ifp_queue s2r, r2s;
	uint8_t a_s2r[FGW_SAMPLES_PER_TICK], a_r2s[FGW_SAMPLES_PER_TICK];
	char file[FB_MAX_TEXT * 2];
};

struct fb_alone_ctx {
	enum fb_transport t;
	struct fb_pair *p;
	unsigned n;
	double heap_now, heap_peak, heap_init;
};

static void fb_alone_tx_ifp(void *arg, const uint8_t *ifp, size_t len, int count)
{
	struct fb_ifp_queue *q = arg;

	(void)count;
	if (q->n >= FB_ALONE_QUEUE || len > FGW_MAX_IFP) {
		q->dropped++;
		return;
	}
	memcpy(q->buf[q->n], ifp, len);
	q->len[q->n++] = (uint16_t)len;
}

/* Hands the queued IFPs to s, in order, with consecutive sequence numbers. */
static void fb_alone_deliver(struct fb_ifp_queue *q, struct fax_session *s)
{
	for (unsigned i = 0; i < q->n; i++)
		fax_session_rx_ifp(s, q->buf[i], q->len[i], q->seq++);
	q->n = 0;
}

static int64_t fb_alone_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double fb_alone_heap(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (double)mi.uordblks + (double)mi.hblkhd;
}

static struct fax_session *fb_alone_session(const struct fb_run *run, enum fb_transport t,
					    bool send, const char *file,
					    struct fb_ifp_queue *out, char *err, size_t errlen)
{
	struct fax_session_params p;

	memset(&p, 0, sizeof(p));
	p.mode = t == FB_T38 ? FAX_SESSION_T38 : FAX_SESSION_AUDIO;
	p.dir = send ? FAX_SESSION_SEND : FAX_SESSION_RECEIVE;
	p.calling_party = send;
	p.file = file;
	p.local_ident = send ? "+1 555 0199" : "+1 555 0100";
	p.ecm = run->o.ecm;
	p.max_rate = run->o.max_rate;
	p.tx_ifp = fb_alone_tx_ifp;
	p.arg = out;
	return fax_session_new(&p, err, errlen);
}

/* One receiver's step (after its sender's step of the same tick). */
static void fb_alone_rx_step(struct fb_alone_ctx *x, struct fb_pair *p)
{
	if (x->t == FB_T38) {
		fb_alone_deliver(&p->s2r, p->rx);
	} else {
		fax_session_rx_g711(p->rx, p->a_s2r, FGW_SAMPLES_PER_TICK);
		fax_session_tx_g711(p->rx, p->a_r2s, FGW_SAMPLES_PER_TICK);
	}
	p->rx_done = fax_session_tick(p->rx);
	p->rx_ticks++;
}

static void fb_alone_tx_step(struct fb_alone_ctx *x, struct fb_pair *p)
{
	if (x->t == FB_T38) {
		fb_alone_deliver(&p->r2s, p->tx);
	} else {
		fax_session_rx_g711(p->tx, p->a_r2s, FGW_SAMPLES_PER_TICK);
		fax_session_tx_g711(p->tx, p->a_s2r, FGW_SAMPLES_PER_TICK);
	}
	p->tx_done = fax_session_tick(p->tx);
}

/* One tick of every pair; returns how many pairs are still running. */
static unsigned fb_alone_tick(struct fb_alone_ctx *x, struct fb_alone *a)
{
	unsigned running = 0;
	int64_t t0 = fb_alone_cpu_ns(), t1, t2, t3;

	for (unsigned i = 0; i < x->n; i++)
		if (!x->p[i].tx_done)
			fb_alone_tx_step(x, &x->p[i]);
	t1 = fb_alone_cpu_ns();
	for (unsigned i = 1; i < x->n; i++)
		if (!x->p[i].rx_done)
			fb_alone_rx_step(x, &x->p[i]);
	t2 = fb_alone_cpu_ns();
	if (!x->p[0].rx_done) {
		double h0 = fb_alone_heap();
		t3 = fb_alone_cpu_ns();
		fb_alone_rx_step(x, &x->p[0]);
		t2 += fb_alone_cpu_ns() - t3;
		x->heap_now += fb_alone_heap() - h0;
		if (x->heap_now > x->heap_peak)
			x->heap_peak = x->heap_now;
	}
	a->tx_cpu_us += (double)(t1 - t0) / 1e3;
	a->rx_cpu_us += (double)(t2 - t1) / 1e3;
	for (unsigned i = 0; i < x->n; i++)
		if (!x->p[i].tx_done || !x->p[i].rx_done)
			running++;
	return running;
}

static int fb_alone_setup(const struct fb_run *run, struct fb_alone_ctx *x, char *err,
			  size_t errlen)
{
	for (unsigned i = 0; i < x->n; i++) {
		struct fb_pair *p = &x->p[i];
		double h0 = fb_alone_heap();
		snprintf(p->file, sizeof(p->file), "%s/alone-%s-%u.tif", run->dir,
			 fb_transport_name(x->t), i);
		p->rx = fb_alone_session(run, x->t, false, p->file, &p->r2s, err, errlen);
		if (i == 0)
			x->heap_now = x->heap_peak = x->heap_init = fb_alone_heap() - h0;
		p->tx = fb_alone_session(run, x->t, true, run->doc, &p->s2r, err, errlen);
		if (p->rx == NULL || p->tx == NULL)
			return -1;
	}
	return 0;
}

static void fb_alone_check(const struct fb_run *run, struct fb_alone_ctx *x, struct fb_alone *a)
{
	char why[FB_MAX_TEXT];

	for (unsigned i = 0; i < x->n; i++) {
		struct fb_pair *p = &x->p[i];
		struct fax_session_result r;
		fax_session_result(p->rx, &r);
		fax_session_free(p->rx);     /* closes the TIFF file */
		p->rx = NULL;
		if (!r.success || r.pages != run->doc_pages) {
			if (a->first_error[0] == '\0')
				snprintf(a->first_error, sizeof(a->first_error),
					 "pair %u: %.120s, %d of %d pages", i, r.t30_text, r.pages,
					 run->doc_pages);
			continue;
		}
		if (testdoc_compare(run->doc, p->file, why, sizeof(why)) != 0) {
			if (a->first_error[0] == '\0')
				snprintf(a->first_error, sizeof(a->first_error), "pair %u: %.200s", i,
					 why);
			continue;
		}
		a->intact++;
		remove(p->file);
	}
}

int fb_alone_run(const struct fb_run *run, enum fb_transport t, struct fb_alone *a,
		 char *err, size_t errlen)
{
	struct fb_alone_ctx x = { .t = t, .n = run->o.alone_pairs };
	uint64_t limit = (uint64_t)FB_CALL_TIMEOUT_S(run->doc_pages, run->o.max_rate) * 1000 / FGW_TICK_MS;
	int64_t w0 = fb_load_now();
	int rc = -1;

	memset(a, 0, sizeof(*a));
	a->pairs = x.n;
	x.p = calloc(x.n, sizeof(*x.p));
	if (x.p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fb_alone_setup(run, &x, err, errlen) != 0)
		goto out;
	for (uint64_t k = 0; k < limit && fb_alone_tick(&x, a) > 0; k++)
		;
	a->wall_s = (double)(fb_load_now() - w0) / 1e9;
	for (unsigned i = 0; i < x.n; i++)
		a->channel_s += (double)x.p[i].rx_ticks * FGW_TICK_MS / 1000.0;
	if (a->channel_s > 0) {
		a->rx_us_per_chan_s = a->rx_cpu_us / a->channel_s;
		a->tx_us_per_chan_s = a->tx_cpu_us / a->channel_s;
	}
	a->rx_peak_heap_kb = x.heap_peak / 1024.0;
	a->rx_init_heap_kb = x.heap_init / 1024.0;
	fb_alone_check(run, &x, a);
	rc = 0;
out:
	for (unsigned i = 0; i < x.n; i++) {
		fax_session_free(x.p[i].tx);
		fax_session_free(x.p[i].rx);
	}
	free(x.p);
	return rc;
}
