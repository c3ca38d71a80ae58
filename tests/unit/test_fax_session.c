/*
 * test_fax_session.c - back-to-back fax calls between two fax_sessions in
 * one process: T.38 (IFPs handed across) and audio (G.711 samples handed
 * across every 20 ms tick), as fast as the CPU allows: the clock is the
 * tick count.  Received documents are compared pixel by pixel.
 *
 * The calls that only differ in their options (transport, ECM, rates,
 * pages, resolution, loss, the sender vanishing) are the rows of one
 * table, b2b_cases[], run by one loop test: Check reports a failure in
 * row i as "b2b_case:i"; the messages of the main assertions also give
 * the row's name.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include "caps.h"
#include "fax_session.h"
#include "pagewriter.h"
#include "rxfile.h"
#include "testdoc.h"
#include "udptl.h"

Suite *fax_session_suite(void);

#define B2B_QUEUE      512
#define B2B_MAX_TICKS  (15 * 60 * 50)     /* 15 simulated minutes */

/* --- a lossless or lossy packet pipe for IFPs ---------------------------- */

struct b2b_pkt {
	uint8_t ifp[FGW_MAX_IFP];
	size_t len;
	uint16_t seq;
};

struct b2b_pipe {
	struct b2b_pkt q[B2B_QUEUE];
	size_t n;
	uint16_t seq;
	bool cut;                  /* the link is dead: drop everything */
	unsigned loss_pct;
	uint32_t rng;
	unsigned sent, lost;
};

static uint32_t b2b_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void b2b_tx_ifp(void *arg, const uint8_t *ifp, size_t len, int count)
{
	struct b2b_pipe *p = arg;

	ck_assert_uint_le(len, FGW_MAX_IFP);
	for (int i = 0; i < count; i++) {
		uint16_t seq = p->seq++;
		p->sent++;
		if (p->cut || (p->loss_pct > 0 && b2b_rand(&p->rng) % 100 < p->loss_pct)) {
			p->lost++;
			continue;
		}
		ck_assert_uint_lt(p->n, B2B_QUEUE);
		memcpy(p->q[p->n].ifp, ifp, len);
		p->q[p->n].len = len;
		p->q[p->n].seq = seq;
		p->n++;
	}
}

/* Delivers what was queued; what the receiver sends meanwhile waits for
 * the next round (no re-entry into spandsp from its own callback). */
static void b2b_deliver(struct b2b_pipe *p, struct fax_session *to)
{
	static struct b2b_pkt batch[B2B_QUEUE];
	size_t n = p->n;

	memcpy(batch, p->q, n * sizeof(batch[0]));
	p->n = 0;
	for (size_t i = 0; i < n; i++)
		fax_session_rx_ifp(to, batch[i].ifp, batch[i].len, batch[i].seq);
}

static void b2b_nop_tx(void *arg, const uint8_t *ifp, size_t len, int count)
{
	(void)arg;
	(void)ifp;
	(void)len;
	(void)count;
}

/* --- UDPTL (T.38 clause 9.1) between the sessions, with random loss ------ */

struct b2b_dgram {
	uint8_t buf[FGW_MAX_DATAGRAM];
	size_t len;
};

struct b2b_link {
	struct udptl_tx tx;
	struct udptl_rx rx;
	uint8_t tx_ring[FGW_UDPTL_RING], rx_ring[FGW_UDPTL_RING];
	struct b2b_dgram q[B2B_QUEUE];
	size_t n;
	bool cut;                  /* the link is dead: drop everything */
	unsigned loss_pct;
	uint32_t rng;
	unsigned sent, lost;
	struct fax_session *to;
};

static void b2b_udptl_send(void *arg, const uint8_t *ifp, size_t len, int count)
{
	struct b2b_link *l = arg;
	struct b2b_dgram d;

	ck_assert_int_eq(udptl_tx_packet(&l->tx, ifp, len, d.buf, sizeof(d.buf), &d.len), UDPTL_OK);
	/* T.38 repetition: the same datagram `count` times. */
	for (int i = 0; i < count; i++) {
		l->sent++;
		if (b2b_rand(&l->rng) % 100 < l->loss_pct || l->cut) {
			l->lost++;
			continue;
		}
		ck_assert_uint_lt(l->n, B2B_QUEUE);
		l->q[l->n++] = d;
	}
}

static void b2b_udptl_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct b2b_link *l = arg;

	fax_session_rx_ifp(l->to, ifp, len, seq);
}

static void b2b_udptl_deliver(struct b2b_link *l)
{
	static struct b2b_dgram batch[B2B_QUEUE];
	size_t n = l->n;

	memcpy(batch, l->q, n * sizeof(batch[0]));
	l->n = 0;
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(udptl_rx_datagram(&l->rx, batch[i].buf, batch[i].len), UDPTL_OK);
}

/* --- a call ------------------------------------------------------------- */

enum b2b_transport {
	B2B_T38,                   /* IFPs handed across as they are */
	B2B_UDPTL,                 /* T.38 IFPs in UDPTL datagrams, with error recovery */
	B2B_AUDIO,                 /* G.711 samples, 20 ms a tick */
};

enum b2b_outcome {
	B2B_OK,                    /* every page confirmed, received pixel for pixel */
	B2B_PARTIAL,               /* the sender vanished after cut_after_pages pages */
};

/* What a back-to-back call is made of, and what must come of it. */
struct b2b_case {
	const char *name;
	enum b2b_transport transport;
	bool alaw;                 /* audio: PCMA, else PCMU */
	bool ecm;
	int max_rate;              /* offered by both sides */
	int expect_rate;           /* B2B_OK: the rate the receiver reports */
	int pages;
	int res;                   /* enum testdoc_res */
	unsigned seed;             /* of the document and of the loss */
	enum b2b_outcome outcome;
	int t38_version;
	int cut_after_pages;       /* >0: the sender vanishes after this many pages */
	unsigned loss_pct;         /* per packet or datagram, both ways (not audio) */
	enum udptl_ec ec;          /* B2B_UDPTL: error recovery, */
	unsigned ec_depth;         /* its depth (redundancy or FEC span) */
	unsigned fec_entries;      /* and FEC packets */
	bool writer;               /* the receiver's pages on a page writer thread */
};

struct b2b_call {
	struct b2b_case k;
	/* out */
	struct fax_session_result tx, rx;
	struct rxfile_status file;  /* the receiver's file, once complete */
	struct pagewriter *writer;
	long ticks;
	char dir[64], sent[128], recv[128];
};

struct b2b_frames {
	int n_sent, n_recv;
	bool saw_dis, saw_dcs;
};

/* The links of the call under test (static: their queues are large). */
static struct b2b_pipe b2b_t2r, b2b_r2t;
static struct b2b_link b2b_lt2r, b2b_lr2t;

static void b2b_frame(void *arg, int direction, const uint8_t *msg, int len)
{
	struct b2b_frames *f = arg;

	if (direction)
		f->n_recv++;
	else
		f->n_sent++;
	if (len >= 3 && (msg[2] & 0xfe) == T30_DIS)
		f->saw_dis = true;
	if (len >= 3 && (msg[2] & 0xfe) == T30_DCS)
		f->saw_dcs = true;
}

static enum fax_session_mode b2b_mode(const struct b2b_call *c)
{
	return c->k.transport == B2B_AUDIO ? FAX_SESSION_AUDIO : FAX_SESSION_T38;
}

/* The sender sends into t2r, the receiver into r2t. */
static struct fax_session *b2b_session(struct b2b_call *c, enum fax_session_dir dir)
{
	struct fax_session_params p;
	char err[256] = "";
	bool send = dir == FAX_SESSION_SEND;

	memset(&p, 0, sizeof(p));
	p.mode = b2b_mode(c);
	p.dir = dir;
	p.calling_party = send;
	p.file = send ? c->sent : c->recv;
	p.local_ident = send ? "+1 555 0001" : "+1 555 0100";
	p.ecm = c->k.ecm;
	p.max_rate = c->k.max_rate;
	p.t38_version = c->k.t38_version;
	p.use_alaw = c->k.alaw;
	p.writer = c->writer;
	p.file_status = &c->file;
	if (c->k.transport == B2B_UDPTL) {
		p.max_datagram = 400;
		p.tx_ifp = b2b_udptl_send;
		p.arg = send ? &b2b_lt2r : &b2b_lr2t;
	} else {
		p.tx_ifp = b2b_tx_ifp;
		p.arg = send ? &b2b_t2r : &b2b_r2t;
	}
	p.log_tag = send ? "tx" : "rx";
	p.log_level = getenv("FAXGW_TEST_SPANDSP_LOG") ? atoi(getenv("FAXGW_TEST_SPANDSP_LOG")) : 0;
	struct fax_session *s = fax_session_new(&p, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s: fax_session_new: %s", c->k.name, err);
	return s;
}

/* A call made of k, with fresh links; the document is not made yet. */
static void b2b_init(struct b2b_call *c, const struct b2b_case *k)
{
	memset(c, 0, sizeof(*c));
	c->k = *k;
	memset(&b2b_t2r, 0, sizeof(b2b_t2r));
	memset(&b2b_r2t, 0, sizeof(b2b_r2t));
	b2b_t2r.rng = k->seed * 7919u + 1u;
	b2b_r2t.rng = k->seed * 104729u + 3u;
	ck_assert(k->transport != B2B_AUDIO || k->loss_pct == 0);
	b2b_t2r.loss_pct = b2b_r2t.loss_pct = k->transport == B2B_T38 ? k->loss_pct : 0;
}

static void b2b_prepare(struct b2b_call *c)
{
	snprintf(c->dir, sizeof(c->dir), "/tmp/faxgw-fs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c->dir));
	snprintf(c->sent, sizeof(c->sent), "%s/sent.tif", c->dir);
	snprintf(c->recv, sizeof(c->recv), "%s/recv.tif", c->dir);
	ck_assert_int_eq(testdoc_make(c->sent, c->k.pages, c->k.res, c->k.seed), 0);
}

static void b2b_cleanup(struct b2b_call *c)
{
	unlink(c->sent);
	unlink(c->recv);
	rmdir(c->dir);
}

/* Before the sessions exist: both UDPTL senders. */
static void b2b_udptl_setup(const struct b2b_call *c)
{
	struct b2b_link *l[2] = { &b2b_lt2r, &b2b_lr2t };

	for (int i = 0; i < 2; i++) {
		memset(l[i], 0, sizeof(*l[i]));
		ck_assert_int_eq(udptl_tx_init(&l[i]->tx, c->k.ec, c->k.ec_depth, c->k.fec_entries,
					       400, l[i]->tx_ring, sizeof(l[i]->tx_ring)),
				 UDPTL_OK);
		l[i]->loss_pct = c->k.loss_pct;
	}
	b2b_lt2r.rng = c->k.seed * 2654435761u + 17u;
	b2b_lr2t.rng = c->k.seed * 40503u + 29u;
}

/* Once they exist: each link's receiver hands its IFPs to its session. */
static void b2b_udptl_connect(struct fax_session *tx, struct fax_session *rx)
{
	b2b_lt2r.to = rx;
	b2b_lr2t.to = tx;
	udptl_rx_init(&b2b_lt2r.rx, b2b_udptl_ifp, &b2b_lt2r, b2b_lt2r.rx_ring,
		      sizeof(b2b_lt2r.rx_ring));
	udptl_rx_init(&b2b_lr2t.rx, b2b_udptl_ifp, &b2b_lr2t, b2b_lr2t.rx_ring,
		      sizeof(b2b_lr2t.rx_ring));
}

static bool b2b_step_t38(struct fax_session *tx, struct fax_session *rx,
                         struct b2b_pipe *t2r, struct b2b_pipe *r2t)
{
	bool dtx = fax_session_tick(tx);
	bool drx = fax_session_tick(rx);

	b2b_deliver(t2r, rx);
	b2b_deliver(r2t, tx);
	return dtx && drx;
}

static bool b2b_step_udptl(struct fax_session *tx, struct fax_session *rx)
{
	bool dtx = fax_session_tick(tx);
	bool drx = fax_session_tick(rx);

	b2b_udptl_deliver(&b2b_lt2r);
	b2b_udptl_deliver(&b2b_lr2t);
	return dtx && drx;
}

static bool b2b_step_audio(struct fax_session *tx, struct fax_session *rx)
{
	uint8_t a[FGW_SAMPLES_PER_TICK], b[FGW_SAMPLES_PER_TICK];

	ck_assert_uint_eq(fax_session_tx_g711(tx, a, sizeof(a)), sizeof(a));
	ck_assert_uint_eq(fax_session_tx_g711(rx, b, sizeof(b)), sizeof(b));
	fax_session_rx_g711(tx, b, sizeof(b));
	fax_session_rx_g711(rx, a, sizeof(a));
	bool dtx = fax_session_tick(tx);
	bool drx = fax_session_tick(rx);
	return dtx && drx;
}

/* The sender vanished: the audio receiver hears silence. */
static bool b2b_step_audio_cut(const struct b2b_call *c, struct fax_session *rx)
{
	uint8_t silence[FGW_SAMPLES_PER_TICK], junk[FGW_SAMPLES_PER_TICK];

	memset(silence, c->k.alaw ? 0xd5 : 0xff, sizeof(silence));
	fax_session_tx_g711(rx, junk, sizeof(junk));
	fax_session_rx_g711(rx, silence, sizeof(silence));
	fax_session_tick(rx);
	return fax_session_done(rx);
}

/* One tick of the call; true when both sides are done. */
static bool b2b_step(const struct b2b_call *c, struct fax_session *tx, struct fax_session *rx,
                     bool cut)
{
	switch (c->k.transport) {
	case B2B_T38:
		return b2b_step_t38(tx, rx, &b2b_t2r, &b2b_r2t);
	case B2B_UDPTL:
		return b2b_step_udptl(tx, rx);
	case B2B_AUDIO:
		return cut ? b2b_step_audio_cut(c, rx) : b2b_step_audio(tx, rx);
	}
	ck_abort_msg("%s: transport %d", c->k.name, (int)c->k.transport);
	return true;
}

/* Cuts the links (both ways) once the sender has had `n` pages confirmed. */
static void b2b_maybe_cut(const struct b2b_call *c, struct fax_session *tx, bool *cut)
{
	struct fax_session_result r;

	if (c->k.cut_after_pages <= 0 || *cut)
		return;
	fax_session_result(tx, &r);
	if (r.pages >= c->k.cut_after_pages) {
		*cut = true;
		b2b_t2r.cut = b2b_r2t.cut = true;
		b2b_lt2r.cut = b2b_lr2t.cut = true;
	}
}

static void b2b_report(const struct b2b_call *c)
{
	const struct fax_session_result *r[2] = { &c->tx, &c->rx };

	for (int i = 0; i < 2; i++)
		fprintf(stderr, "%s %s: ticks %ld (%.1f s) done %d ok %d status %d (%s) pages %d/%d "
		        "rate %d ecm %d res %dx%d size %dx%d enc %d remote '%s' bad %d partial %d\n",
		        c->k.name, i ? "rx" : "tx",
		        c->ticks, c->ticks * 0.02, r[i]->done, r[i]->success, r[i]->t30_status,
		        r[i]->t30_text, r[i]->pages, r[i]->pages_in_file, r[i]->bit_rate, r[i]->ecm,
		        r[i]->x_res, r[i]->y_res, r[i]->width, r[i]->length, r[i]->encoding,
		        r[i]->remote_ident, r[i]->bad_rows, r[i]->partial);
	if (c->k.transport == B2B_UDPTL)
		fprintf(stderr, "udptl: t2r sent %u lost %u recovered %llu unrecovered %llu; "
		        "r2t sent %u lost %u recovered %llu unrecovered %llu\n",
		        b2b_lt2r.sent, b2b_lt2r.lost,
		        (unsigned long long)b2b_lt2r.rx.stats.recovered,
		        (unsigned long long)b2b_lt2r.rx.stats.lost, b2b_lr2t.sent, b2b_lr2t.lost,
		        (unsigned long long)b2b_lr2t.rx.stats.recovered,
		        (unsigned long long)b2b_lr2t.rx.stats.lost);
}

static void b2b_run(struct b2b_call *c, struct b2b_frames *frames)
{
	bool cut = false;

	if (c->k.transport == B2B_UDPTL)
		b2b_udptl_setup(c);
	char err[256] = "";
	if (c->k.writer)
		ck_assert_msg(pagewriter_new(0, &c->writer, err, sizeof(err)) == 0, "%s", err);
	struct fax_session *tx = b2b_session(c, FAX_SESSION_SEND);
	struct fax_session *rx = b2b_session(c, FAX_SESSION_RECEIVE);
	if (c->k.transport == B2B_UDPTL)
		b2b_udptl_connect(tx, rx);
	if (frames != NULL)
		fax_session_set_frame_hook(rx, b2b_frame, frames);
	for (c->ticks = 0; c->ticks < B2B_MAX_TICKS; c->ticks++) {
		bool both = b2b_step(c, tx, rx, cut);
		b2b_maybe_cut(c, tx, &cut);
		if (both || (cut && fax_session_done(rx)))
			break;
	}
	if (cut)
		fax_session_hangup(tx);
	fax_session_result(tx, &c->tx);
	fax_session_result(rx, &c->rx);
	if (getenv("FAXGW_TEST_VERBOSE") != NULL)
		b2b_report(c);
	fax_session_free(tx);
	fax_session_free(rx);
	pagewriter_free(c->writer);   /* the file's jobs run first */
	c->writer = NULL;
	/* The file holds every page the receiver confirmed. */
	ck_assert_msg(!c->file.failed, "%s: %s", c->k.name, c->file.error);
	ck_assert_int_eq(c->file.pages, c->rx.pages);
}

/* --- what must come of a call ---------------------------------------------- */

static bool b2b_last_page_fine(const struct b2b_call *c)
{
	if (c->k.res == TESTDOC_MIXED)
		return ((c->k.pages - 1) & 1) != 0;
	return c->k.res == TESTDOC_FINE;
}

static void b2b_expect_success(const struct b2b_call *c)
{
	char why[256];

	ck_assert_msg(c->tx.done && c->rx.done, "%s: call not over after %ld ticks", c->k.name,
		      c->ticks);
	ck_assert_msg(c->tx.success, "%s: sender: %d %s", c->k.name, c->tx.t30_status,
		      c->tx.t30_text);
	ck_assert_msg(c->rx.success, "%s: receiver: %d %s", c->k.name, c->rx.t30_status,
		      c->rx.t30_text);
	ck_assert_int_eq(c->tx.pages, c->k.pages);
	ck_assert_int_eq(c->rx.pages, c->k.pages);
	ck_assert_int_eq(c->tx.pages_in_file, c->k.pages);
	ck_assert(!c->rx.partial && !c->tx.partial);
	ck_assert_int_eq(c->rx.ecm, c->k.ecm);
	ck_assert_int_eq(c->tx.ecm, c->k.ecm);
	ck_assert_int_eq(c->rx.bit_rate, c->k.expect_rate);
	ck_assert_int_eq(c->rx.x_res, 8031);
	ck_assert_int_eq(c->rx.y_res, b2b_last_page_fine(c) ? 7700 : 3850);
	ck_assert_int_eq(c->rx.width, TESTDOC_WIDTH);
	ck_assert_int_eq(c->rx.bad_rows, 0);
	ck_assert_int_eq(c->rx.degraded_pages, 0);
	ck_assert_int_eq(c->rx.longest_bad_run, 0);
	ck_assert_int_eq(c->rx.last_page.page, c->k.pages);
	ck_assert_int_eq(c->rx.last_page.rows, b2b_last_page_fine(c) ? TESTDOC_ROWS_FINE
			 : TESTDOC_ROWS_STANDARD);
	ck_assert_str_eq(c->rx.remote_ident, "+1 555 0001");
	ck_assert_str_eq(c->tx.remote_ident, "+1 555 0100");
	ck_assert_int_eq(testdoc_pages(c->recv), c->k.pages);
	ck_assert_msg(testdoc_compare(c->sent, c->recv, why, sizeof(why)) == 0, "%s: %s",
		      c->k.name, why);
}

/* The sender vanished after the first pages were confirmed: the
 * receiver's T.30 times out; the pages received are kept and reported as
 * a partial fax. */
static void b2b_expect_partial(const struct b2b_call *c)
{
	char why[256], head[160];

	ck_assert_msg(c->rx.done, "%s: receiver not done after %ld ticks", c->k.name, c->ticks);
	ck_assert(!c->rx.success);
	ck_assert(c->rx.partial);
	ck_assert_int_ne(c->rx.t30_status, T30_ERR_OK);
	ck_assert_int_eq(c->rx.pages, c->k.cut_after_pages);
	ck_assert(c->tx.done && !c->tx.success && c->tx.partial);
	ck_assert_int_eq(c->tx.pages, c->k.cut_after_pages);
	ck_assert_int_eq(c->tx.pages_in_file, c->k.pages);
	ck_assert_int_eq(testdoc_pages(c->recv), c->k.cut_after_pages);
	/* The pages kept are the first pages sent, pixel for pixel. */
	snprintf(head, sizeof(head), "%s/head.tif", c->dir);
	ck_assert_int_eq(testdoc_make(head, c->k.cut_after_pages, c->k.res, c->k.seed), 0);
	ck_assert_msg(testdoc_compare(head, c->recv, why, sizeof(why)) == 0, "%s: %s",
		      c->k.name, why);
	unlink(head);
}

/* Intact, or failed/degraded and reported: never a silently short page.
 * A received document that differs from the one sent comes with a T.30
 * failure or with degraded pages; the totals agree with the pages. */
static void b2b_expect_honest(const struct b2b_call *c)
{
	char why[256];
	int bad = 0, longest = 0;

	ck_assert(c->rx.done);
	if (c->rx.pages > 0 && testdoc_compare(c->sent, c->recv, why, sizeof(why)) != 0)
		ck_assert_msg(!c->rx.success || c->rx.degraded_pages > 0,
			      "%s: a page differs (%s) but the fax is reported good", c->k.name, why);
	ck_assert_int_eq(c->rx.n_degraded, c->rx.degraded_pages < FGW_MAX_DEGRADED_LIST
			 ? c->rx.degraded_pages : FGW_MAX_DEGRADED_LIST);
	for (int i = 0; i < c->rx.n_degraded; i++) {
		const struct fax_page_quality *q = &c->rx.degraded[i];
		ck_assert_int_ge(q->page, 1);
		ck_assert_int_le(q->page, c->rx.pages);
		ck_assert_int_gt(q->bad_rows, 0);
		ck_assert_int_ge(q->longest_bad_run, 1);
		ck_assert_int_le(q->longest_bad_run, q->bad_rows);
		ck_assert_int_le(q->bad_rows, q->rows);
		bad += q->bad_rows;
		longest = q->longest_bad_run > longest ? q->longest_bad_run : longest;
	}
	ck_assert_int_eq(c->rx.bad_rows, bad);
	ck_assert_int_eq(c->rx.longest_bad_run, longest);
	ck_assert_int_eq(c->rx.degraded_pages > 0, c->rx.bad_rows > 0);
}

/* Loss happened as configured, and UDPTL recovered some of it. */
static void b2b_expect_loss(const struct b2b_call *c)
{
	if (c->k.loss_pct == 0)
		return;
	if (c->k.transport == B2B_UDPTL) {
		ck_assert_uint_gt(b2b_lt2r.lost, b2b_lt2r.sent * c->k.loss_pct / 200);
		ck_assert_uint_gt(b2b_lt2r.rx.stats.recovered, 0);
	} else {
		ck_assert_uint_gt(b2b_t2r.lost, b2b_t2r.sent * c->k.loss_pct / 200);
	}
}

/* --- the calls -------------------------------------------------------------
 * name, transport, alaw, ecm, max_rate, expect_rate, pages, res, then by
 * name: seed, and what differs from the defaults (B2B_OK, T.38 version 0,
 * no cut, no loss). */
static const struct b2b_case b2b_cases[] = {
	/* T.38, IFPs handed across */
	{ "t38_1page_standard_ecm", B2B_T38, false, true, 14400, 14400, 1, TESTDOC_STANDARD,
	  .seed = 1 },
	{ "t38_1page_fine_noecm", B2B_T38, false, false, 14400, 14400, 1, TESTDOC_FINE,
	  .seed = 2 },
	{ "t38_3page_standard_noecm", B2B_T38, false, false, 14400, 14400, 3, TESTDOC_STANDARD,
	  .seed = 3 },
	{ "t38_3page_fine_ecm", B2B_T38, false, true, 14400, 14400, 3, TESTDOC_FINE,
	  .seed = 4 },
	{ "t38_rate_9600", B2B_T38, false, false, 9600, 9600, 1, TESTDOC_STANDARD,
	  .seed = 5 },
	/* A resolution change between pages: EOM and phase B again. */
	{ "t38_mixed_resolution_ecm", B2B_T38, false, true, 14400, 14400, 3, TESTDOC_MIXED,
	  .seed = 6 },
	{ "t38_version_2", B2B_T38, false, false, 14400, 14400, 1, TESTDOC_STANDARD,
	  .seed = 7, .t38_version = 2 },
	/* audio */
	{ "audio_pcmu_1page_standard_noecm", B2B_AUDIO, false, false, 14400, 14400, 1,
	  TESTDOC_STANDARD, .seed = 11 },
	{ "audio_pcma_1page_fine_ecm", B2B_AUDIO, true, true, 14400, 14400, 1, TESTDOC_FINE,
	  .seed = 12 },
	{ "audio_pcmu_3page_fine_ecm", B2B_AUDIO, false, true, 14400, 14400, 3, TESTDOC_FINE,
	  .seed = 13 },
	{ "audio_pcma_3page_standard_noecm", B2B_AUDIO, true, false, 14400, 14400, 3,
	  TESTDOC_STANDARD, .seed = 14 },
	{ "audio_rate_4800", B2B_AUDIO, false, true, 4800, 4800, 1, TESTDOC_STANDARD,
	  .seed = 15 },
	{ "audio_mixed_resolution_noecm", B2B_AUDIO, false, false, 9600, 9600, 2, TESTDOC_MIXED,
	  .seed = 16 },
	/* The sender vanishes after the first of three pages was confirmed. */
	{ "t38_partial_noecm", B2B_T38, false, false, 14400, 0, 3, TESTDOC_STANDARD,
	  .seed = 21, .outcome = B2B_PARTIAL, .cut_after_pages = 1 },
	{ "t38_partial_ecm", B2B_T38, false, true, 14400, 0, 3, TESTDOC_STANDARD,
	  .seed = 22, .outcome = B2B_PARTIAL, .cut_after_pages = 1 },
	{ "audio_partial_ecm", B2B_AUDIO, false, true, 14400, 0, 3, TESTDOC_STANDARD,
	  .seed = 23, .outcome = B2B_PARTIAL, .cut_after_pages = 1 },
	/* Through UDPTL with random loss, which its error recovery repairs. */
	{ "t38_udptl_redundancy3_loss20_ecm", B2B_UDPTL, false, true, 14400, 14400, 3,
	  TESTDOC_FINE, .seed = 61, .loss_pct = 20, .ec = UDPTL_EC_REDUNDANCY, .ec_depth = 3 },
	{ "t38_udptl_fec_loss10_ecm", B2B_UDPTL, false, true, 14400, 14400, 3, TESTDOC_FINE,
	  .seed = 62, .loss_pct = 10, .ec = UDPTL_EC_FEC, .ec_depth = 3, .fec_entries = 3 },
	/* The pages encoded on a page writer thread, as faxgwd does. */
	{ "t38_writer_3page_fine_ecm", B2B_T38, false, true, 14400, 14400, 3, TESTDOC_FINE,
	  .seed = 71, .writer = true },
	{ "audio_writer_mixed_resolution_noecm", B2B_AUDIO, false, false, 9600, 9600, 2,
	  TESTDOC_MIXED, .seed = 72, .writer = true },
	{ "t38_writer_partial_noecm", B2B_T38, false, false, 14400, 0, 3, TESTDOC_STANDARD,
	  .seed = 73, .outcome = B2B_PARTIAL, .cut_after_pages = 1, .writer = true },
};
#define B2B_NCASES ((int)(sizeof(b2b_cases) / sizeof(b2b_cases[0])))

/* Loop index: a row of b2b_cases. */
START_TEST(b2b_case)
{
	struct b2b_call c;

	b2b_init(&c, &b2b_cases[_i]);
	b2b_prepare(&c);
	b2b_run(&c, NULL);
	b2b_expect_loss(&c);
	b2b_expect_honest(&c);
	switch (c.k.outcome) {
	case B2B_OK: b2b_expect_success(&c); break;
	case B2B_PARTIAL: b2b_expect_partial(&c); break;
	}
	b2b_cleanup(&c);
}
END_TEST

/* --- calls that do more than run ------------------------------------------ */

/* A receiver whose file cannot be created refuses the document at DCS
 * (DCN, spandsp's file error): the sender hears no MCF for a page that
 * nobody would keep. */
START_TEST(receiver_without_file_refuses)
{
	static const struct b2b_case spec = {
		"receiver_without_file", B2B_T38, false, true, 14400, 0, 1, TESTDOC_STANDARD,
		.seed = 26 };
	struct b2b_call c;
	struct fax_session_result tr, rr;
	char dir[sizeof(c.dir)];

	b2b_init(&c, &spec);
	b2b_prepare(&c);
	memcpy(dir, c.dir, sizeof(dir));
	snprintf(c.recv, sizeof(c.recv), "%s/missing/recv.tif", dir);
	struct fax_session *tx = b2b_session(&c, FAX_SESSION_SEND);
	struct fax_session *rx = b2b_session(&c, FAX_SESSION_RECEIVE);
	for (int i = 0; i < B2B_MAX_TICKS; i++)
		if (b2b_step_t38(tx, rx, &b2b_t2r, &b2b_r2t))
			break;
	fax_session_result(tx, &tr);
	fax_session_result(rx, &rr);
	fax_session_free(tx);
	fax_session_free(rx);
	ck_assert(rr.done && !rr.success);
	ck_assert_int_eq(rr.t30_status, T30_ERR_FILEERROR);
	ck_assert_int_eq(rr.pages, 0);
	ck_assert(tr.done && !tr.success);
	ck_assert_int_eq(tr.pages, 0);
	ck_assert(c.file.failed);
	ck_assert_int_eq(c.file.pages, 0);
	snprintf(c.recv, sizeof(c.recv), "%s/recv.tif", dir);
	b2b_cleanup(&c);
}
END_TEST

/* The link dies after the first page and our side hangs up before T.30
 * times out: the page stays, the fax is partial. */
START_TEST(t38_hangup_after_page)
{
	static const struct b2b_case spec = {
		"t38_hangup_after_page", B2B_T38, false, true, 14400, 0, 3, TESTDOC_FINE,
		.seed = 24, .cut_after_pages = 1 };
	struct b2b_call c;
	struct fax_session_result r;
	bool cut = false;

	b2b_init(&c, &spec);
	b2b_prepare(&c);
	struct fax_session *tx = b2b_session(&c, FAX_SESSION_SEND);
	struct fax_session *rx = b2b_session(&c, FAX_SESSION_RECEIVE);
	for (int i = 0; i < B2B_MAX_TICKS && !cut; i++) {
		b2b_step_t38(tx, rx, &b2b_t2r, &b2b_r2t);
		b2b_maybe_cut(&c, tx, &cut);
	}
	ck_assert(cut);
	for (int i = 0; i < 50; i++)
		ck_assert(!b2b_step_t38(tx, rx, &b2b_t2r, &b2b_r2t));
	fax_session_hangup(rx);
	fax_session_result(rx, &r);
	ck_assert(r.done && !r.success && r.partial);
	ck_assert_int_eq(r.pages, 1);
	ck_assert_int_eq(r.y_res, 7700);
	fax_session_free(rx);
	fax_session_free(tx);
	ck_assert_int_eq(testdoc_pages(c.recv), 1);
	b2b_cleanup(&c);
}
END_TEST

/* --- an audio link that loses a burst mid-page ----------------------------- */

/* Sender-to-receiver audio: `ticks` packets in a row are lost (spandsp's
 * fill-in, as faxgwd plays a missing RTP packet) once `after` ticks have
 * passed since the receiver's answer (CFR, then MCF) that let page `page`
 * begin.  In non-ECM the T.4 decoder loses sync for some rows and reports
 * them bad; with ECM T.30 asks for the lost frames again (PPR). */
struct b2b_burst {
	int page, after, ticks;
	int answers;               /* CFR and MCF the receiver sent so far */
	long answer_tick[8];       /* the ticks of the first ones (for FAXGW_TEST_VERBOSE) */
	long start;                /* tick of the burst (-1: not yet known) */
	long now;
	int lost;                  /* packets lost */
};

static void b2b_burst_frame(void *arg, int direction, const uint8_t *msg, int len)
{
	struct b2b_burst *b = arg;
	int fcf = len >= 3 ? msg[2] & 0xfe : 0;

	if (direction || (fcf != T30_CFR && fcf != T30_MCF))
		return;
	if (b->answers < 8)
		b->answer_tick[b->answers] = b->now;
	if (++b->answers == b->page && b->start < 0)
		b->start = b->now + b->after;
}

static bool b2b_step_audio_burst(struct fax_session *tx, struct fax_session *rx,
				 struct b2b_burst *b)
{
	uint8_t a[FGW_SAMPLES_PER_TICK], r[FGW_SAMPLES_PER_TICK];

	fax_session_tx_g711(tx, a, sizeof(a));
	fax_session_tx_g711(rx, r, sizeof(r));
	fax_session_rx_g711(tx, r, sizeof(r));
	if (b->start >= 0 && b->now >= b->start && b->now < b->start + b->ticks) {
		b->lost++;
		fax_session_rx_lost(rx, sizeof(a));
	} else {
		fax_session_rx_g711(rx, a, sizeof(a));
	}
	b->now++;
	bool dtx = fax_session_tick(tx);
	bool drx = fax_session_tick(rx);
	return dtx && drx;
}

static void b2b_run_burst(struct b2b_call *c, struct b2b_burst *b)
{
	struct fax_session *tx = b2b_session(c, FAX_SESSION_SEND);
	struct fax_session *rx = b2b_session(c, FAX_SESSION_RECEIVE);

	b->start = -1;
	fax_session_set_frame_hook(rx, b2b_burst_frame, b);
	for (c->ticks = 0; c->ticks < B2B_MAX_TICKS; c->ticks++)
		if (b2b_step_audio_burst(tx, rx, b))
			break;
	fax_session_result(tx, &c->tx);
	fax_session_result(rx, &c->rx);
	if (getenv("FAXGW_TEST_VERBOSE") != NULL) {
		b2b_report(c);
		for (int i = 0; i < b->answers && i < 8; i++)
			fprintf(stderr, "%s: answer %d (CFR/MCF) at tick %ld\n", c->k.name, i + 1,
				b->answer_tick[i]);
		fprintf(stderr, "%s: %d packets lost from tick %ld\n", c->k.name, b->lost, b->start);
	}
	fax_session_free(tx);
	fax_session_free(rx);
}

/* PCMA, non-ECM, standard, 3 pages (the dataplane_matrix call that once
 * stored a short page 2): 200 ms of packets lost in the middle of page 2.
 * The page is kept and T.30 ends OK, but it is reported degraded with its
 * bad rows; pages 1 and 3 are intact. */
START_TEST(audio_burst_loss_degrades_page)
{
	static const struct b2b_case spec = {
		"audio_burst_loss_noecm", B2B_AUDIO, true, false, 14400, 14400, 3,
		TESTDOC_STANDARD, .seed = 51 };
	struct b2b_burst b = { .page = 2, .after = 100, .ticks = 10 };
	struct b2b_call c;

	b2b_init(&c, &spec);
	b2b_prepare(&c);
	b2b_run_burst(&c, &b);
	ck_assert_int_eq(b.lost, 10);
	b2b_expect_honest(&c);
	ck_assert_msg(c.rx.success, "%s: %s", spec.name, c.rx.t30_text);
	ck_assert_int_eq(c.rx.pages, 3);
	ck_assert_int_eq(c.rx.degraded_pages, 1);
	ck_assert_int_eq(c.rx.n_degraded, 1);
	ck_assert_int_eq(c.rx.degraded[0].page, 2);
	ck_assert_int_gt(c.rx.degraded[0].rows, 0);
	ck_assert_int_le(c.rx.degraded[0].rows, TESTDOC_ROWS_STANDARD);
	ck_assert_int_gt(c.rx.bad_rows, 0);
	ck_assert_int_ge(c.rx.longest_bad_run, 1);
	/* The last page came intact. */
	ck_assert_int_eq(c.rx.last_page.page, 3);
	ck_assert_int_eq(c.rx.last_page.rows, TESTDOC_ROWS_STANDARD);
	ck_assert_int_eq(c.rx.last_page.bad_rows, 0);
	b2b_cleanup(&c);
}
END_TEST

/* The same loss with ECM: T.30 Annex A repairs it (PPR), the page is intact. */
START_TEST(audio_burst_loss_ecm_repaired)
{
	static const struct b2b_case spec = {
		"audio_burst_loss_ecm", B2B_AUDIO, true, true, 14400, 14400, 3,
		TESTDOC_STANDARD, .seed = 52 };
	struct b2b_burst b = { .page = 2, .after = 100, .ticks = 10 };
	struct b2b_call c;

	b2b_init(&c, &spec);
	b2b_prepare(&c);
	b2b_run_burst(&c, &b);
	ck_assert_int_eq(b.lost, 10);
	b2b_expect_honest(&c);
	b2b_expect_success(&c);
	ck_assert_int_eq(c.rx.degraded_pages, 0);
	b2b_cleanup(&c);
}
END_TEST

/* The degraded pages as text: whole entries only, in the order received. */
START_TEST(degraded_text_cut_whole)
{
	struct fax_session_result r;
	char list[FGW_MAX_DEGRADED_TEXT], detail[FGW_MAX_DEGRADED_DETAIL], small[4], tiny[4];

	memset(&r, 0, sizeof(r));
	fax_session_degraded_text(&r, list, sizeof(list), detail, sizeof(detail));
	ck_assert_str_eq(list, "");
	ck_assert_str_eq(detail, "");
	r.n_degraded = 2;
	r.degraded[0] = (struct fax_page_quality){ 2, 275, 17, 9 };
	r.degraded[1] = (struct fax_page_quality){ 11, 560, 3, 1 };
	fax_session_degraded_text(&r, list, sizeof(list), detail, sizeof(detail));
	ck_assert_str_eq(list, "2,11");
	ck_assert_str_eq(detail, "2:275/17/9 11:560/3/1");
	fax_session_degraded_text(&r, small, sizeof(small), tiny, sizeof(tiny));
	ck_assert_str_eq(small, "2");                            /* "2,11" does not fit */
	ck_assert_str_eq(tiny, "");
	r.n_degraded = FGW_MAX_DEGRADED_LIST;
	for (int i = 0; i < FGW_MAX_DEGRADED_LIST; i++)
		r.degraded[i] = (struct fax_page_quality){ 99990 + i, 65535, 65535, 65535 };
	fax_session_degraded_text(&r, list, sizeof(list), detail, sizeof(detail));
	ck_assert_uint_lt(strlen(list), sizeof(list));
	ck_assert_ptr_nonnull(strstr(list, "100005"));          /* all 16 fit */
	ck_assert_ptr_nonnull(strstr(detail, "100005:65535/65535/65535"));
}
END_TEST

static int b2b_log_lines;

static void b2b_log(int level, const char *text)
{
	ck_assert_int_ge(level, 1);
	if (strstr(text, "logtag") != NULL)
		b2b_log_lines++;
}

/* log_level routes spandsp's lines, tagged, to the process handler;
 * level 0 produces none. */
START_TEST(log_handler_gets_tagged_lines)
{
	struct fax_session_params p;
	char err[256];

	memset(&p, 0, sizeof(p));
	p.mode = FAX_SESSION_T38;
	p.dir = FAX_SESSION_RECEIVE;
	p.file = "/tmp/faxgw-fs-never.tif";
	p.tx_ifp = b2b_nop_tx;
	p.log_tag = "logtag";
	fax_session_set_log_handler(b2b_log);
	struct fax_session *s = fax_session_new(&p, err, sizeof(err));
	for (int i = 0; i < 300; i++)
		fax_session_tick(s);
	fax_session_free(s);
	ck_assert_int_eq(b2b_log_lines, 0);
	p.log_level = SPAN_LOG_FLOW;
	s = fax_session_new(&p, err, sizeof(err));
	for (int i = 0; i < 300; i++)
		fax_session_tick(s);
	fax_session_free(s);
	fax_session_set_log_handler(NULL);
	ck_assert_int_gt(b2b_log_lines, 0);
}
END_TEST

/* Our side hangs up in the middle of the first page. */
START_TEST(t38_hangup_mid_page)
{
	static const struct b2b_case spec = {
		"t38_hangup_mid_page", B2B_T38, false, true, 14400, 0, 1, TESTDOC_STANDARD,
		.seed = 31 };
	struct b2b_call c;
	struct fax_session_result r;

	b2b_init(&c, &spec);
	b2b_prepare(&c);
	struct fax_session *tx = b2b_session(&c, FAX_SESSION_SEND);
	struct fax_session *rx = b2b_session(&c, FAX_SESSION_RECEIVE);
	for (int i = 0; i < 700; i++)
		ck_assert(!b2b_step_t38(tx, rx, &b2b_t2r, &b2b_r2t));
	fax_session_result(rx, &r);
	ck_assert(!r.done);
	fax_session_hangup(rx);
	fax_session_hangup(rx);
	ck_assert(fax_session_tick(rx));
	fax_session_result(rx, &r);
	ck_assert(r.done && !r.success && !r.partial);
	ck_assert_int_eq(r.pages, 0);
	ck_assert_int_eq(r.t30_status, T30_ERR_CALLDROPPED);
	ck_assert_str_eq(r.remote_ident, "+1 555 0001");
	fax_session_free(tx);
	fax_session_free(rx);
	ck_assert_int_eq(access(c.recv, F_OK), -1);
	b2b_cleanup(&c);
}
END_TEST

START_TEST(frame_hook_sees_t30_frames)
{
	static const struct b2b_case spec = {
		"frame_hook_sees_t30_frames", B2B_T38, false, false, 14400, 14400, 1,
		TESTDOC_STANDARD, .seed = 41 };
	struct b2b_call c;
	struct b2b_frames f;

	memset(&f, 0, sizeof(f));
	b2b_init(&c, &spec);
	b2b_prepare(&c);
	b2b_run(&c, &f);
	ck_assert(c.rx.success);
	ck_assert(f.saw_dis && f.saw_dcs);
	ck_assert_int_ge(f.n_sent, 3);       /* CSI DIS, CFR, MCF */
	ck_assert_int_ge(f.n_recv, 3);       /* TSI DCS, EOP, DCN */
	b2b_cleanup(&c);
}
END_TEST

START_TEST(new_rejects_bad_params)
{
	struct fax_session_params p;
	char err[256];

	memset(&p, 0, sizeof(p));
	p.mode = FAX_SESSION_T38;
	p.dir = FAX_SESSION_RECEIVE;
	p.tx_ifp = b2b_nop_tx;
	err[0] = '\0';
	ck_assert_ptr_null(fax_session_new(&p, err, sizeof(err)));   /* no file */
	ck_assert_str_ne(err, "");
	p.file = "/tmp/faxgw-fs-never.tif";
	p.max_rate = 12345;
	ck_assert_ptr_null(fax_session_new(&p, err, sizeof(err)));
	p.max_rate = 14400;
	p.t38_version = 4;
	ck_assert_ptr_null(fax_session_new(&p, err, sizeof(err)));
	p.t38_version = 0;
	p.local_ident = "123456789012345678901";
	ck_assert_ptr_null(fax_session_new(&p, err, sizeof(err)));
	p.local_ident = NULL;
	p.tx_ifp = NULL;
	ck_assert_ptr_null(fax_session_new(&p, err, sizeof(err)));
	p.mode = FAX_SESSION_AUDIO;
	p.dir = FAX_SESSION_SEND;
	p.file = "/nonexistent/doc.tif";
	ck_assert_ptr_null(fax_session_new(&p, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/doc.tif"));
	/* a valid receiver in audio mode ignores IFPs, and frees cleanly */
	p.dir = FAX_SESSION_RECEIVE;
	p.file = "/tmp/faxgw-fs-never.tif";
	struct fax_session *s = fax_session_new(&p, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	static const uint8_t junk[4] = { 0xff, 0xff, 0xff, 0xff };
	fax_session_rx_ifp(s, junk, sizeof(junk), 1);
	fax_session_rx_lost(s, 480);
	ck_assert(!fax_session_tick(s));
	fax_session_free(s);
	fax_session_free(NULL);
	ck_assert_int_eq(access(p.file, F_OK), -1);
}
END_TEST

/* Garbage IFPs do not break a T.38 receiver that then gets a real call. */
START_TEST(t38_garbage_ifps_ignored)
{
	static const struct b2b_case spec = {
		"t38_garbage_ifps_ignored", B2B_T38, false, true, 14400, 0, 1, TESTDOC_STANDARD,
		.seed = 51 };
	struct b2b_call c;
	uint8_t junk[64];
	uint32_t x = 12345;

	b2b_init(&c, &spec);
	b2b_prepare(&c);
	struct fax_session *tx = b2b_session(&c, FAX_SESSION_SEND);
	struct fax_session *rx = b2b_session(&c, FAX_SESSION_RECEIVE);
	for (int i = 0; i < 2000; i++) {
		size_t len = b2b_rand(&x) % sizeof(junk);
		for (size_t k = 0; k < len; k++)
			junk[k] = (uint8_t)b2b_rand(&x);
		fax_session_rx_ifp(rx, junk, len, (uint16_t)(60000 + i));
	}
	fax_session_rx_ifp(rx, junk, FGW_MAX_IFP + 1, 1);
	fax_session_rx_ifp(rx, NULL, 0, 2);
	fax_session_free(tx);
	fax_session_free(rx);
	b2b_cleanup(&c);
}
END_TEST

Suite *fax_session_suite(void)
{
	Suite *s = suite_create("fax_session");
	TCase *b2b = tcase_create("b2b");
	TCase *t38 = tcase_create("t38");
	TCase *audio = tcase_create("audio");

	tcase_set_timeout(b2b, 120);
	tcase_set_timeout(t38, 120);
	tcase_set_timeout(audio, 120);
	tcase_add_loop_test(b2b, b2b_case, 0, B2B_NCASES);
	tcase_add_test(t38, t38_hangup_mid_page);
	tcase_add_test(t38, t38_hangup_after_page);
	tcase_add_test(t38, receiver_without_file_refuses);
	tcase_add_test(t38, log_handler_gets_tagged_lines);
	tcase_add_test(t38, frame_hook_sees_t30_frames);
	tcase_add_test(t38, new_rejects_bad_params);
	tcase_add_test(t38, t38_garbage_ifps_ignored);
	tcase_add_test(t38, degraded_text_cut_whole);
	tcase_add_test(audio, audio_burst_loss_degrades_page);
	tcase_add_test(audio, audio_burst_loss_ecm_repaired);
	suite_add_tcase(s, b2b);
	suite_add_tcase(s, t38);
	suite_add_tcase(s, audio);
	return s;
}
