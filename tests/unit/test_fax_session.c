/*
 * test_fax_session.c - back-to-back fax calls between two fax_sessions in
 * one process: T.38 (IFPs handed across) and audio (G.711 samples handed
 * across every 20 ms tick), as fast as the CPU allows: the clock is the
 * tick count.  Received documents are compared pixel by pixel.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include "caps.h"
#include "fax_session.h"
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

/* --- a call ------------------------------------------------------------- */

struct b2b_call {
	enum fax_session_mode mode;
	bool ecm;
	bool alaw;
	int max_rate;
	int t38_version;
	int pages;
	int res;                   /* enum testdoc_res */
	unsigned seed;
	int cut_after_pages;       /* >0: the sender vanishes after this many pages */
	/* out */
	struct fax_session_result tx, rx;
	long ticks;
	char dir[64], sent[128], recv[128];
};

struct b2b_frames {
	int n_sent, n_recv;
	bool saw_dis, saw_dcs;
};

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

static struct fax_session *b2b_session(const struct b2b_call *c, enum fax_session_dir dir,
                                       struct b2b_pipe *out)
{
	struct fax_session_params p;
	char err[256] = "";

	memset(&p, 0, sizeof(p));
	p.mode = c->mode;
	p.dir = dir;
	p.calling_party = dir == FAX_SESSION_SEND;
	p.file = dir == FAX_SESSION_SEND ? c->sent : c->recv;
	p.local_ident = dir == FAX_SESSION_SEND ? "+1 555 0001" : "+1 555 0100";
	p.ecm = c->ecm;
	p.max_rate = c->max_rate;
	p.t38_version = c->t38_version;
	p.use_alaw = c->alaw;
	p.tx_ifp = b2b_tx_ifp;
	p.arg = out;
	p.log_tag = dir == FAX_SESSION_SEND ? "tx" : "rx";
	p.log_level = getenv("FAXGW_TEST_SPANDSP_LOG") ? atoi(getenv("FAXGW_TEST_SPANDSP_LOG")) : 0;
	struct fax_session *s = fax_session_new(&p, err, sizeof(err));
	ck_assert_msg(s != NULL, "fax_session_new: %s", err);
	return s;
}

static void b2b_prepare(struct b2b_call *c)
{
	snprintf(c->dir, sizeof(c->dir), "/tmp/faxgw-fs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c->dir));
	snprintf(c->sent, sizeof(c->sent), "%s/sent.tif", c->dir);
	snprintf(c->recv, sizeof(c->recv), "%s/recv.tif", c->dir);
	ck_assert_int_eq(testdoc_make(c->sent, c->pages, c->res, c->seed), 0);
}

static void b2b_cleanup(struct b2b_call *c)
{
	unlink(c->sent);
	unlink(c->recv);
	rmdir(c->dir);
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

/* Cuts the link (both ways) once the sender has had `n` pages confirmed. */
static void b2b_maybe_cut(const struct b2b_call *c, struct fax_session *tx,
                          struct b2b_pipe *t2r, struct b2b_pipe *r2t, bool *cut)
{
	struct fax_session_result r;

	if (c->cut_after_pages <= 0 || *cut)
		return;
	fax_session_result(tx, &r);
	if (r.pages >= c->cut_after_pages) {
		*cut = true;
		t2r->cut = r2t->cut = true;
	}
}

static void b2b_report(const struct b2b_call *c)
{
	const struct fax_session_result *r[2] = { &c->tx, &c->rx };

	for (int i = 0; i < 2; i++)
		fprintf(stderr, "%s %s: ticks %ld (%.1f s) done %d ok %d status %d (%s) pages %d/%d "
		        "rate %d ecm %d res %dx%d size %dx%d enc %d remote '%s' bad %d partial %d\n",
		        c->mode == FAX_SESSION_T38 ? "t38" : "audio", i ? "rx" : "tx",
		        c->ticks, c->ticks * 0.02, r[i]->done, r[i]->success, r[i]->t30_status,
		        r[i]->t30_text, r[i]->pages, r[i]->pages_in_file, r[i]->bit_rate, r[i]->ecm,
		        r[i]->x_res, r[i]->y_res, r[i]->width, r[i]->length, r[i]->encoding,
		        r[i]->remote_ident, r[i]->bad_rows, r[i]->partial);
}

static void b2b_run(struct b2b_call *c, struct b2b_pipe *t2r, struct b2b_pipe *r2t,
                    struct b2b_frames *frames)
{
	struct fax_session *tx = b2b_session(c, FAX_SESSION_SEND, t2r);
	struct fax_session *rx = b2b_session(c, FAX_SESSION_RECEIVE, r2t);
	bool cut = false;

	if (frames != NULL)
		fax_session_set_frame_hook(rx, b2b_frame, frames);
	for (c->ticks = 0; c->ticks < B2B_MAX_TICKS; c->ticks++) {
		bool both;
		if (c->mode == FAX_SESSION_T38) {
			both = b2b_step_t38(tx, rx, t2r, r2t);
		} else if (cut) {
			/* The sender vanished: the receiver hears silence. */
			uint8_t silence[FGW_SAMPLES_PER_TICK], junk[FGW_SAMPLES_PER_TICK];
			memset(silence, c->alaw ? 0xd5 : 0xff, sizeof(silence));
			fax_session_tx_g711(rx, junk, sizeof(junk));
			fax_session_rx_g711(rx, silence, sizeof(silence));
			fax_session_tick(rx);
			both = fax_session_done(rx);
		} else {
			both = b2b_step_audio(tx, rx);
		}
		b2b_maybe_cut(c, tx, t2r, r2t, &cut);
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
}

static bool b2b_last_page_fine(const struct b2b_call *c)
{
	if (c->res == TESTDOC_MIXED)
		return ((c->pages - 1) & 1) != 0;
	return c->res == TESTDOC_FINE;
}

static void b2b_expect_success(struct b2b_call *c, int expect_rate)
{
	char why[256];

	ck_assert_msg(c->tx.done && c->rx.done, "call not over after %ld ticks", c->ticks);
	ck_assert_msg(c->tx.success, "sender: %d %s", c->tx.t30_status, c->tx.t30_text);
	ck_assert_msg(c->rx.success, "receiver: %d %s", c->rx.t30_status, c->rx.t30_text);
	ck_assert_int_eq(c->tx.pages, c->pages);
	ck_assert_int_eq(c->rx.pages, c->pages);
	ck_assert_int_eq(c->tx.pages_in_file, c->pages);
	ck_assert(!c->rx.partial && !c->tx.partial);
	ck_assert_int_eq(c->rx.ecm, c->ecm);
	ck_assert_int_eq(c->tx.ecm, c->ecm);
	ck_assert_int_eq(c->rx.bit_rate, expect_rate);
	ck_assert_int_eq(c->rx.x_res, 8031);
	ck_assert_int_eq(c->rx.y_res, b2b_last_page_fine(c) ? 7700 : 3850);
	ck_assert_int_eq(c->rx.width, TESTDOC_WIDTH);
	ck_assert_int_eq(c->rx.bad_rows, 0);
	ck_assert_str_eq(c->rx.remote_ident, "+1 555 0001");
	ck_assert_str_eq(c->tx.remote_ident, "+1 555 0100");
	ck_assert_int_eq(testdoc_pages(c->recv), c->pages);
	ck_assert_msg(testdoc_compare(c->sent, c->recv, why, sizeof(why)) == 0, "%s", why);
}

static struct b2b_pipe b2b_t2r, b2b_r2t;

static void b2b_init(struct b2b_call *c, enum fax_session_mode mode, bool alaw, int pages,
                     int res, bool ecm, unsigned seed)
{
	memset(c, 0, sizeof(*c));
	memset(&b2b_t2r, 0, sizeof(b2b_t2r));
	memset(&b2b_r2t, 0, sizeof(b2b_r2t));
	b2b_t2r.rng = seed * 7919u + 1u;
	b2b_r2t.rng = seed * 104729u + 3u;
	c->mode = mode;
	c->alaw = alaw;
	c->pages = pages;
	c->res = res;
	c->ecm = ecm;
	c->max_rate = 14400;
	c->seed = seed;
}

static void b2b_ok(enum fax_session_mode mode, bool alaw, int pages, int res, bool ecm,
                   int max_rate, int expect_rate, unsigned seed)
{
	struct b2b_pipe *t2r = &b2b_t2r, *r2t = &b2b_r2t;
	struct b2b_call c;

	b2b_init(&c, mode, alaw, pages, res, ecm, seed);
	c.mode = mode;
	c.alaw = alaw;
	c.pages = pages;
	c.res = res;
	c.ecm = ecm;
	c.max_rate = max_rate;
	c.seed = seed;
	b2b_prepare(&c);
	b2b_run(&c, t2r, r2t, NULL);
	b2b_expect_success(&c, expect_rate);
	b2b_cleanup(&c);
}

/* --- T.38 ----------------------------------------------------------------- */

START_TEST(t38_1page_standard_ecm)
{
	b2b_ok(FAX_SESSION_T38, false, 1, TESTDOC_STANDARD, true, 14400, 14400, 1);
}
END_TEST

START_TEST(t38_1page_fine_noecm)
{
	b2b_ok(FAX_SESSION_T38, false, 1, TESTDOC_FINE, false, 14400, 14400, 2);
}
END_TEST

START_TEST(t38_3page_standard_noecm)
{
	b2b_ok(FAX_SESSION_T38, false, 3, TESTDOC_STANDARD, false, 14400, 14400, 3);
}
END_TEST

START_TEST(t38_3page_fine_ecm)
{
	b2b_ok(FAX_SESSION_T38, false, 3, TESTDOC_FINE, true, 14400, 14400, 4);
}
END_TEST

START_TEST(t38_rate_9600)
{
	b2b_ok(FAX_SESSION_T38, false, 1, TESTDOC_STANDARD, false, 9600, 9600, 5);
}
END_TEST

/* --- audio ---------------------------------------------------------------- */

START_TEST(audio_pcmu_1page_standard_noecm)
{
	b2b_ok(FAX_SESSION_AUDIO, false, 1, TESTDOC_STANDARD, false, 14400, 14400, 11);
}
END_TEST

START_TEST(audio_pcma_1page_fine_ecm)
{
	b2b_ok(FAX_SESSION_AUDIO, true, 1, TESTDOC_FINE, true, 14400, 14400, 12);
}
END_TEST

START_TEST(audio_pcmu_3page_fine_ecm)
{
	b2b_ok(FAX_SESSION_AUDIO, false, 3, TESTDOC_FINE, true, 14400, 14400, 13);
}
END_TEST

START_TEST(audio_pcma_3page_standard_noecm)
{
	b2b_ok(FAX_SESSION_AUDIO, true, 3, TESTDOC_STANDARD, false, 14400, 14400, 14);
}
END_TEST

START_TEST(audio_rate_4800)
{
	b2b_ok(FAX_SESSION_AUDIO, false, 1, TESTDOC_STANDARD, true, 4800, 4800, 15);
}
END_TEST

START_TEST(t38_mixed_resolution_ecm)
{
	/* A resolution change between pages: EOM and phase B again. */
	b2b_ok(FAX_SESSION_T38, false, 3, TESTDOC_MIXED, true, 14400, 14400, 6);
}
END_TEST

START_TEST(t38_version_2)
{
	struct b2b_call c;

	b2b_init(&c, FAX_SESSION_T38, false, 1, TESTDOC_STANDARD, false, 7);
	c.t38_version = 2;
	b2b_prepare(&c);
	b2b_run(&c, &b2b_t2r, &b2b_r2t, NULL);
	b2b_expect_success(&c, 14400);
	b2b_cleanup(&c);
}
END_TEST

START_TEST(audio_mixed_resolution_noecm)
{
	b2b_ok(FAX_SESSION_AUDIO, false, 2, TESTDOC_MIXED, false, 9600, 9600, 16);
}
END_TEST

/* The sender vanishes after the first of three pages was confirmed: the
 * receiver's T.30 times out; the page received is kept and reported as a
 * partial fax. */
static void b2b_partial(enum fax_session_mode mode, bool ecm, unsigned seed)
{
	struct b2b_call c;
	char why[256], one[160];

	b2b_init(&c, mode, false, 3, TESTDOC_STANDARD, ecm, seed);
	c.cut_after_pages = 1;
	b2b_prepare(&c);
	b2b_run(&c, &b2b_t2r, &b2b_r2t, NULL);
	ck_assert(c.rx.done);
	ck_assert(!c.rx.success);
	ck_assert(c.rx.partial);
	ck_assert_int_ne(c.rx.t30_status, T30_ERR_OK);
	ck_assert_int_eq(c.rx.pages, 1);
	ck_assert(c.tx.done && !c.tx.success && c.tx.partial);
	ck_assert_int_eq(c.tx.pages, 1);
	ck_assert_int_eq(c.tx.pages_in_file, 3);
	ck_assert_int_eq(testdoc_pages(c.recv), 1);
	snprintf(one, sizeof(one), "%s/one.tif", c.dir);
	ck_assert_int_eq(testdoc_make(one, 1, TESTDOC_STANDARD, seed), 0);
	ck_assert_msg(testdoc_compare(one, c.recv, why, sizeof(why)) == 0, "%s", why);
	unlink(one);
	b2b_cleanup(&c);
}

/* The link dies after the first page and our side hangs up before T.30
 * times out: the page stays, the fax is partial. */
START_TEST(t38_hangup_after_page)
{
	struct b2b_call c;
	struct fax_session_result r;
	bool cut = false;

	b2b_init(&c, FAX_SESSION_T38, false, 3, TESTDOC_FINE, true, 24);
	c.cut_after_pages = 1;
	b2b_prepare(&c);
	struct fax_session *tx = b2b_session(&c, FAX_SESSION_SEND, &b2b_t2r);
	struct fax_session *rx = b2b_session(&c, FAX_SESSION_RECEIVE, &b2b_r2t);
	for (int i = 0; i < B2B_MAX_TICKS && !cut; i++) {
		b2b_step_t38(tx, rx, &b2b_t2r, &b2b_r2t);
		b2b_maybe_cut(&c, tx, &b2b_t2r, &b2b_r2t, &cut);
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

START_TEST(t38_partial_noecm)
{
	b2b_partial(FAX_SESSION_T38, false, 21);
}
END_TEST

START_TEST(t38_partial_ecm)
{
	b2b_partial(FAX_SESSION_T38, true, 22);
}
END_TEST

START_TEST(audio_partial_ecm)
{
	b2b_partial(FAX_SESSION_AUDIO, true, 23);
}
END_TEST

/* Our side hangs up in the middle of the first page. */
START_TEST(t38_hangup_mid_page)
{
	struct b2b_call c;
	struct fax_session_result r;

	b2b_init(&c, FAX_SESSION_T38, false, 1, TESTDOC_STANDARD, true, 31);
	b2b_prepare(&c);
	struct fax_session *tx = b2b_session(&c, FAX_SESSION_SEND, &b2b_t2r);
	struct fax_session *rx = b2b_session(&c, FAX_SESSION_RECEIVE, &b2b_r2t);
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
	struct b2b_call c;
	struct b2b_frames f;

	memset(&f, 0, sizeof(f));
	b2b_init(&c, FAX_SESSION_T38, false, 1, TESTDOC_STANDARD, false, 41);
	b2b_prepare(&c);
	b2b_run(&c, &b2b_t2r, &b2b_r2t, &f);
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
	struct b2b_call c;
	uint8_t junk[64];
	uint32_t x = 12345;

	b2b_init(&c, FAX_SESSION_T38, false, 1, TESTDOC_STANDARD, true, 51);
	b2b_prepare(&c);
	struct fax_session *tx = b2b_session(&c, FAX_SESSION_SEND, &b2b_t2r);
	struct fax_session *rx = b2b_session(&c, FAX_SESSION_RECEIVE, &b2b_r2t);
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

/* --- through UDPTL (T.38 clause 9.1) with random loss ------------------ */

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
		if (b2b_rand(&l->rng) % 100 < l->loss_pct) {
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

static struct fax_session *b2b_udptl_session(struct b2b_call *c, enum fax_session_dir dir,
                                             struct b2b_link *out)
{
	struct fax_session_params p;
	char err[256] = "";

	memset(&p, 0, sizeof(p));
	p.mode = FAX_SESSION_T38;
	p.dir = dir;
	p.calling_party = dir == FAX_SESSION_SEND;
	p.file = dir == FAX_SESSION_SEND ? c->sent : c->recv;
	p.local_ident = dir == FAX_SESSION_SEND ? "+1 555 0001" : "+1 555 0100";
	p.ecm = c->ecm;
	p.max_rate = 14400;
	p.max_datagram = 400;
	p.tx_ifp = b2b_udptl_send;
	p.arg = out;
	struct fax_session *s = fax_session_new(&p, err, sizeof(err));
	ck_assert_msg(s != NULL, "fax_session_new: %s", err);
	return s;
}

static void b2b_udptl_call(enum udptl_ec ec, unsigned depth, unsigned fec_entries,
                           unsigned loss_pct, unsigned seed)
{
	static struct b2b_link t2r, r2t;
	struct b2b_call c;
	char why[256];

	b2b_init(&c, FAX_SESSION_T38, false, 3, TESTDOC_FINE, true, seed);
	b2b_prepare(&c);
	memset(&t2r, 0, sizeof(t2r));
	memset(&r2t, 0, sizeof(r2t));
	ck_assert_int_eq(udptl_tx_init(&t2r.tx, ec, depth, fec_entries, 400, t2r.tx_ring,
					       sizeof(t2r.tx_ring)), UDPTL_OK);
	ck_assert_int_eq(udptl_tx_init(&r2t.tx, ec, depth, fec_entries, 400, r2t.tx_ring,
					       sizeof(r2t.tx_ring)), UDPTL_OK);
	t2r.loss_pct = r2t.loss_pct = loss_pct;
	t2r.rng = seed * 2654435761u + 17u;
	r2t.rng = seed * 40503u + 29u;
	struct fax_session *tx = b2b_udptl_session(&c, FAX_SESSION_SEND, &t2r);
	struct fax_session *rx = b2b_udptl_session(&c, FAX_SESSION_RECEIVE, &r2t);
	t2r.to = rx;
	r2t.to = tx;
	udptl_rx_init(&t2r.rx, b2b_udptl_ifp, &t2r, t2r.rx_ring, sizeof(t2r.rx_ring));
	udptl_rx_init(&r2t.rx, b2b_udptl_ifp, &r2t, r2t.rx_ring, sizeof(r2t.rx_ring));
	for (c.ticks = 0; c.ticks < B2B_MAX_TICKS; c.ticks++) {
		bool dtx = fax_session_tick(tx);
		bool drx = fax_session_tick(rx);
		b2b_udptl_deliver(&t2r);
		b2b_udptl_deliver(&r2t);
		if (dtx && drx)
			break;
	}
	fax_session_result(tx, &c.tx);
	fax_session_result(rx, &c.rx);
	if (getenv("FAXGW_TEST_VERBOSE") != NULL) {
		b2b_report(&c);
		fprintf(stderr, "udptl: t2r sent %u lost %u recovered %llu unrecovered %llu; "
		        "r2t sent %u lost %u recovered %llu unrecovered %llu\n",
		        t2r.sent, t2r.lost, (unsigned long long)t2r.rx.stats.recovered,
		        (unsigned long long)t2r.rx.stats.lost, r2t.sent, r2t.lost,
		        (unsigned long long)r2t.rx.stats.recovered, (unsigned long long)r2t.rx.stats.lost);
	}
	fax_session_free(tx);
	fax_session_free(rx);
	ck_assert_uint_gt(t2r.lost, t2r.sent * loss_pct / 200);
	ck_assert_uint_gt(t2r.rx.stats.recovered, 0);
	ck_assert_msg(c.tx.success && c.rx.success, "sender %s, receiver %s",
	              c.tx.t30_text, c.rx.t30_text);
	ck_assert_int_eq(c.rx.pages, 3);
	ck_assert(c.rx.ecm);
	ck_assert_msg(testdoc_compare(c.sent, c.recv, why, sizeof(why)) == 0, "%s", why);
	b2b_cleanup(&c);
}

START_TEST(t38_udptl_redundancy3_loss20_ecm)
{
	b2b_udptl_call(UDPTL_EC_REDUNDANCY, 3, 0, 20, 61);
}
END_TEST

START_TEST(t38_udptl_fec_loss10_ecm)
{
	b2b_udptl_call(UDPTL_EC_FEC, 3, 3, 10, 62);
}
END_TEST

Suite *fax_session_suite(void)
{
	Suite *s = suite_create("fax_session");
	TCase *t38 = tcase_create("t38");
	TCase *audio = tcase_create("audio");

	tcase_set_timeout(t38, 120);
	tcase_set_timeout(audio, 120);
	tcase_add_test(t38, t38_1page_standard_ecm);
	tcase_add_test(t38, t38_1page_fine_noecm);
	tcase_add_test(t38, t38_3page_standard_noecm);
	tcase_add_test(t38, t38_3page_fine_ecm);
	tcase_add_test(t38, t38_rate_9600);
	tcase_add_test(audio, audio_pcmu_1page_standard_noecm);
	tcase_add_test(audio, audio_pcma_1page_fine_ecm);
	tcase_add_test(audio, audio_pcmu_3page_fine_ecm);
	tcase_add_test(audio, audio_pcma_3page_standard_noecm);
	tcase_add_test(audio, audio_rate_4800);
	tcase_add_test(t38, t38_mixed_resolution_ecm);
	tcase_add_test(t38, t38_version_2);
	tcase_add_test(t38, t38_partial_noecm);
	tcase_add_test(t38, t38_partial_ecm);
	tcase_add_test(t38, t38_hangup_mid_page);
	tcase_add_test(t38, t38_hangup_after_page);
	tcase_add_test(t38, log_handler_gets_tagged_lines);
	tcase_add_test(t38, frame_hook_sees_t30_frames);
	tcase_add_test(t38, new_rejects_bad_params);
	tcase_add_test(t38, t38_garbage_ifps_ignored);
	tcase_add_test(t38, t38_udptl_redundancy3_loss20_ecm);
	tcase_add_test(t38, t38_udptl_fec_loss10_ecm);
	tcase_add_test(audio, audio_mixed_resolution_noecm);
	tcase_add_test(audio, audio_partial_ecm);
	suite_add_tcase(s, t38);
	suite_add_tcase(s, audio);
	return s;
}
