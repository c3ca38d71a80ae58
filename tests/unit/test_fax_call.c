/*
 * test_fax_call.c - two fax_calls wired back to back in memory: each one's
 * send callback puts datagrams into the other side's queue, through a
 * seeded network model that can drop, duplicate, delay (reorder) datagrams
 * and inject garbage.  T.38 over UDPTL (redundancy, FEC, none) and audio
 * over RTP (PCMU, PCMA; each side with its own ptime, static or dynamic
 * payload type).  The clock is the tick count; received documents
 * are compared with the sent ones pixel by pixel.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include "caps.h"
#include "fax_call.h"
#include "rtp.h"
#include "testdoc.h"

Suite *fax_call_suite(void);

#define FC_QUEUE      2048
#define FC_MAX_TICKS  (15 * 60 * 50)      /* 15 simulated minutes */

/* --- the network model ------------------------------------------------------- */

struct fc_dgram {
	uint8_t buf[FGW_MAX_DATAGRAM];
	size_t len;
	long due;                  /* tick at which it arrives */
};

struct fc_link {
	struct fc_dgram q[FC_QUEUE];
	size_t n;
	long now;
	uint32_t rng;
	unsigned loss_pct, dup_pct, reorder_pct, garbage_pct;
	unsigned max_delay;        /* extra ticks for a reordered datagram */
	bool cut;
	/* what the model did */
	unsigned sent, dropped, duplicated, delayed, garbage;
	struct fax_call *to;
};

static uint32_t fc_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static bool fc_chance(struct fc_link *l, unsigned pct)
{
	return pct > 0 && fc_rand(&l->rng) % 100 < pct;
}

static void fc_push(struct fc_link *l, const uint8_t *buf, size_t len, long due)
{
	ck_assert_uint_lt(l->n, FC_QUEUE);
	ck_assert_uint_le(len, FGW_MAX_DATAGRAM);
	memcpy(l->q[l->n].buf, buf, len);
	l->q[l->n].len = len;
	l->q[l->n].due = due;
	l->n++;
}

static void fc_push_garbage(struct fc_link *l)
{
	uint8_t junk[FGW_MAX_DATAGRAM];
	size_t len = fc_rand(&l->rng) % 200;

	for (size_t i = 0; i < len; i++)
		junk[i] = (uint8_t)fc_rand(&l->rng);
	/* a third are broken on purpose in the first octets, the rest random */
	if (len > 3 && fc_rand(&l->rng) % 3 == 0)
		junk[2] = 0xC1;    /* UDPTL: fragmented length (refused); RTP: version 3 */
	if (len > 0 && fc_rand(&l->rng) % 2 == 0)
		junk[0] = (uint8_t)((junk[0] & 0x3fu) | 0xc0u);   /* RTP version 3 */
	l->garbage++;
	fc_push(l, junk, len, l->now);
}

static void fc_send(void *arg, const uint8_t *buf, size_t len)
{
	struct fc_link *l = arg;

	l->sent++;
	if (fc_chance(l, l->garbage_pct))
		fc_push_garbage(l);
	if (l->cut || fc_chance(l, l->loss_pct)) {
		l->dropped++;
		return;
	}
	long due = l->now;
	if (fc_chance(l, l->reorder_pct)) {
		due += 1 + (long)(fc_rand(&l->rng) % (l->max_delay > 0 ? l->max_delay : 1));
		l->delayed++;
	}
	fc_push(l, buf, len, due);
	if (fc_chance(l, l->dup_pct)) {
		fc_push(l, buf, len, due);
		l->duplicated++;
	}
}

/* Hands over what is due, in queue order; what the receiver sends meanwhile
 * goes to the other link and waits for its turn. */
static void fc_deliver(struct fc_link *l)
{
	static struct fc_dgram batch[FC_QUEUE];
	size_t n = 0, keep = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->q[i].due <= l->now)
			batch[n++] = l->q[i];
		else
			l->q[keep++] = l->q[i];
	}
	l->n = keep;
	for (size_t i = 0; i < n; i++)
		fax_call_datagram_in(l->to, batch[i].buf, batch[i].len);
}

/* --- one call between two fax_calls --------------------------------------------- */

struct fc_case {
	enum fax_session_mode mode;
	bool alaw;
	bool ecm;
	int pages;
	int res;                   /* enum testdoc_res */
	unsigned seed;
	enum udptl_ec ec;
	unsigned depth, fec_entries;
	int max_datagram;
	int t38_version;
	int hangup_after_pages;    /* >0: the sender hangs up once this many pages are confirmed */
	unsigned tx_ptime, rx_ptime; /* audio: ms per RTP packet each side sends (0: 20) */
	int payload_type;          /* audio: both sides' RTP payload type (-1: static) */
	/* out */
	struct fax_session_result tx, rx;
	struct fax_call_stats stx, srx;
	long ticks;
	char dir[64], sent[128], recv[128];
};

static struct fc_link fc_t2r, fc_r2t;

/* What the receiver's page hook saw: pages and end of document as told,
 * and the pages readable in its TIFF file at that moment. */
#define FC_MAX_PAGE_CALLS 16
static struct fc_pages {
	int n;
	int pages[FC_MAX_PAGE_CALLS], in_file[FC_MAX_PAGE_CALLS];
	bool eod[FC_MAX_PAGE_CALLS], result_pages_match;
	const char *file;
	struct fax_call *rx;
} fc_pg;

static void fc_page(void *arg, int pages, bool end_of_document)
{
	struct fc_pages *pg = arg;
	struct fax_session_result r;

	fax_call_result(pg->rx, &r);
	if (pg->n == 0)
		pg->result_pages_match = true;
	pg->result_pages_match = pg->result_pages_match && r.pages == pages;
	if (pg->n >= FC_MAX_PAGE_CALLS)
		return;
	pg->pages[pg->n] = pages;
	pg->eod[pg->n] = end_of_document;
	pg->in_file[pg->n] = testdoc_pages(pg->file);
	pg->n++;
}

static void fc_init(struct fc_case *c, enum fax_session_mode mode, bool alaw, int pages,
                    int res, bool ecm, unsigned seed)
{
	memset(c, 0, sizeof(*c));
	memset(&fc_t2r, 0, sizeof(fc_t2r));
	memset(&fc_r2t, 0, sizeof(fc_r2t));
	fc_t2r.rng = seed * 2654435761u + 11u;
	fc_r2t.rng = seed * 40503u + 13u;
	fc_t2r.max_delay = fc_r2t.max_delay = 2;
	c->mode = mode;
	c->alaw = alaw;
	c->pages = pages;
	c->res = res;
	c->ecm = ecm;
	c->seed = seed;
	c->ec = UDPTL_EC_REDUNDANCY;
	c->depth = 3;
	c->fec_entries = 3;
	c->payload_type = -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/faxgw-fc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c->dir));
	snprintf(c->sent, sizeof(c->sent), "%s/sent.tif", c->dir);
	snprintf(c->recv, sizeof(c->recv), "%s/recv.tif", c->dir);
	ck_assert_int_eq(testdoc_make(c->sent, pages, res, seed), 0);
}

static void fc_cleanup(struct fc_case *c)
{
	unlink(c->sent);
	unlink(c->recv);
	rmdir(c->dir);
}

static struct fax_call *fc_new(const struct fc_case *c, enum fax_session_dir dir, struct fc_link *out)
{
	struct fax_call_params p;
	char err[256] = "";

	fax_call_params_default(&p);
	p.session.mode = c->mode;
	p.session.dir = dir;
	p.session.calling_party = dir == FAX_SESSION_SEND;
	p.session.file = dir == FAX_SESSION_SEND ? c->sent : c->recv;
	p.session.local_ident = dir == FAX_SESSION_SEND ? "+1 555 0001" : "+1 555 0100";
	p.session.ecm = c->ecm;
	p.session.use_alaw = c->alaw;
	p.session.max_datagram = c->max_datagram;
	p.session.t38_version = c->t38_version;
	p.session.log_tag = dir == FAX_SESSION_SEND ? "tx" : "rx";
	p.session.log_level = getenv("FAXGW_TEST_SPANDSP_LOG") ? atoi(getenv("FAXGW_TEST_SPANDSP_LOG")) : 0;
	p.ec = c->ec;
	p.ec_depth = c->depth;
	p.fec_entries = c->fec_entries;
	p.rtp_seed = c->seed * 2u + (dir == FAX_SESSION_SEND ? 1u : 2u);
	p.ptime = dir == FAX_SESSION_SEND ? c->tx_ptime : c->rx_ptime;
	p.payload_type = c->payload_type;
	p.send = fc_send;
	p.send_arg = out;
	struct fax_call *call = fax_call_new(&p, err, sizeof(err));
	ck_assert_msg(call != NULL, "fax_call_new: %s", err);
	return call;
}

static void fc_report(const struct fc_case *c)
{
	const struct fax_session_result *r[2] = { &c->tx, &c->rx };
	const struct fax_call_stats *s[2] = { &c->stx, &c->srx };

	for (int i = 0; i < 2; i++)
		fprintf(stderr, "%s %s: ticks %ld ok %d status %d (%s) pages %d/%d rate %d ecm %d "
		        "partial %d | in %llu out %llu malformed %llu recovered %llu lost %llu "
		        "dup %llu late %llu ignored %llu\n",
		        c->mode == FAX_SESSION_T38 ? "t38" : (c->alaw ? "pcma" : "pcmu"),
		        i ? "rx" : "tx", c->ticks, r[i]->success, r[i]->t30_status, r[i]->t30_text,
		        r[i]->pages, r[i]->pages_in_file, r[i]->bit_rate, r[i]->ecm, r[i]->partial,
		        (unsigned long long)s[i]->datagrams_in, (unsigned long long)s[i]->datagrams_out,
		        (unsigned long long)s[i]->malformed, (unsigned long long)s[i]->recovered,
		        (unsigned long long)s[i]->lost, (unsigned long long)s[i]->duplicates,
		        (unsigned long long)s[i]->late, (unsigned long long)s[i]->ignored);
}

static void fc_maybe_hangup(struct fc_case *c, struct fax_call *tx, bool *hung)
{
	struct fax_session_result r;

	if (c->hangup_after_pages <= 0 || *hung)
		return;
	fax_call_result(tx, &r);
	if (r.pages >= c->hangup_after_pages) {
		fax_call_hangup(tx);
		*hung = true;
	}
}

static void fc_run(struct fc_case *c)
{
	struct fax_call *tx = fc_new(c, FAX_SESSION_SEND, &fc_t2r);
	struct fax_call *rx = fc_new(c, FAX_SESSION_RECEIVE, &fc_r2t);
	bool hung = false;
	uint64_t out_at_hangup = 0;

	fc_t2r.to = rx;
	fc_r2t.to = tx;
	memset(&fc_pg, 0, sizeof(fc_pg));
	fc_pg.file = c->recv;
	fc_pg.rx = rx;
	fax_session_set_page_hook(fax_call_session(rx), fc_page, &fc_pg);
	for (c->ticks = 0; c->ticks < FC_MAX_TICKS; c->ticks++) {
		fc_t2r.now = fc_r2t.now = c->ticks;
		bool dtx = fax_call_tick(tx);
		bool drx = fax_call_tick(rx);
		fc_deliver(&fc_t2r);
		fc_deliver(&fc_r2t);
		if (!hung) {
			fc_maybe_hangup(c, tx, &hung);
			if (hung) {
				struct fax_call_stats st;
				fax_call_stats(tx, &st);
				out_at_hangup = st.datagrams_out;
			}
		}
		if (dtx && drx)
			break;
	}
	fax_call_result(tx, &c->tx);
	fax_call_result(rx, &c->rx);
	fax_call_stats(tx, &c->stx);
	fax_call_stats(rx, &c->srx);
	if (hung)
		ck_assert_uint_eq(c->stx.datagrams_out, out_at_hangup);   /* silent after hang-up */
	if (getenv("FAXGW_TEST_VERBOSE") != NULL)
		fc_report(c);
	fax_call_free(tx);
	fax_call_free(rx);
}

static void fc_expect_success(const struct fc_case *c)
{
	char why[256];

	ck_assert_msg(c->tx.done && c->rx.done, "call not over after %ld ticks", c->ticks);
	ck_assert_msg(c->tx.success, "sender: %d %s", c->tx.t30_status, c->tx.t30_text);
	ck_assert_msg(c->rx.success, "receiver: %d %s", c->rx.t30_status, c->rx.t30_text);
	ck_assert_int_eq(c->tx.pages, c->pages);
	ck_assert_int_eq(c->tx.pages_in_file, c->pages);
	ck_assert_int_eq(c->rx.pages, c->pages);
	ck_assert_int_eq(c->rx.ecm, c->ecm);
	ck_assert_str_eq(c->rx.remote_ident, "+1 555 0001");
	ck_assert_int_eq(testdoc_pages(c->recv), c->pages);
	ck_assert_msg(testdoc_compare(c->sent, c->recv, why, sizeof(why)) == 0, "%s", why);
	/* every datagram the model passed on reached the other side */
	ck_assert_uint_gt(c->stx.datagrams_out, 0);
	ck_assert_uint_gt(c->srx.datagrams_out, 0);
	ck_assert_uint_eq(c->stx.datagrams_out, fc_t2r.sent);
	ck_assert_uint_eq(c->srx.datagrams_out, fc_r2t.sent);
	ck_assert_uint_eq(c->srx.tx_errors + c->stx.tx_errors, 0);
}

/* Datagrams in = passed on by the model (+ duplicates and garbage), minus
 * what was still queued when the receiving side finished, or sent after
 * (64 packets of 20 ms; more when the sender's packets are shorter). */
static void fc_expect_counts(const struct fc_case *c)
{
	uint64_t offered = (uint64_t)fc_t2r.sent - fc_t2r.dropped + fc_t2r.duplicated + fc_t2r.garbage;
	uint64_t after = 64;

	if (c->mode == FAX_SESSION_AUDIO && c->tx_ptime != 0 && c->tx_ptime < FGW_TICK_MS)
		after = after * FGW_TICK_MS / c->tx_ptime;
	ck_assert_uint_le(c->srx.datagrams_in, offered);
	ck_assert_uint_ge(c->srx.datagrams_in + fc_t2r.n + after, offered);
	ck_assert_uint_le(c->srx.malformed, fc_t2r.garbage);
}

/* --- T.38 ------------------------------------------------------------------------- */

START_TEST(t38_clean_1page_ecm)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_T38, false, 1, TESTDOC_STANDARD, true, 101);
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	ck_assert_uint_eq(c.srx.malformed, 0);
	ck_assert_uint_eq(c.srx.lost, 0);
	/* indicator repetition: the same datagram several times */
	ck_assert_uint_gt(c.srx.duplicates, 0);
	ck_assert_int_eq(c.rx.bit_rate, 14400);
	fc_cleanup(&c);
}
END_TEST

START_TEST(t38_clean_3page_fine_noecm_ec_none)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_T38, false, 3, TESTDOC_FINE, false, 102);
	c.ec = UDPTL_EC_NONE;
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	ck_assert_uint_eq(c.srx.recovered, 0);
	fc_cleanup(&c);
}
END_TEST

START_TEST(t38_lossy_redundancy_ecm)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_T38, false, 2, TESTDOC_MIXED, true, 103);
	fc_t2r.loss_pct = fc_r2t.loss_pct = 15;
	fc_t2r.dup_pct = fc_r2t.dup_pct = 5;
	fc_t2r.reorder_pct = fc_r2t.reorder_pct = 10;
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	ck_assert_uint_gt(fc_t2r.dropped, 0);
	ck_assert_uint_gt(c.srx.recovered, 0);
	ck_assert_uint_gt(c.srx.duplicates, 0);
	fc_cleanup(&c);
}
END_TEST

START_TEST(t38_lossy_fec_ecm_v3)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_T38, false, 2, TESTDOC_STANDARD, true, 104);
	c.ec = UDPTL_EC_FEC;
	c.depth = 3;
	c.fec_entries = 3;
	c.t38_version = 3;
	c.max_datagram = 400;
	fc_t2r.loss_pct = fc_r2t.loss_pct = 8;
	fc_run(&c);
	fc_expect_success(&c);
	ck_assert_uint_gt(c.srx.recovered, 0);
	fc_cleanup(&c);
}
END_TEST

START_TEST(t38_garbage_counted_and_harmless)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_T38, false, 2, TESTDOC_STANDARD, false, 105);
	fc_t2r.garbage_pct = fc_r2t.garbage_pct = 10;
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	ck_assert_uint_gt(fc_t2r.garbage, 20);
	ck_assert_uint_gt(c.srx.malformed, fc_t2r.garbage / 2);
	ck_assert_uint_gt(c.stx.malformed, 0);
	fc_cleanup(&c);
}
END_TEST

/* The sender hangs up once page 1 of 3 is confirmed and falls silent: the
 * receiver keeps that page and reports a partial fax. */
START_TEST(t38_hangup_gives_partial)
{
	struct fc_case c;
	char one[160], why[256];

	fc_init(&c, FAX_SESSION_T38, false, 3, TESTDOC_STANDARD, true, 106);
	c.hangup_after_pages = 1;
	fc_run(&c);
	ck_assert(c.tx.done && !c.tx.success && c.tx.partial);
	ck_assert_int_eq(c.tx.pages, 1);
	ck_assert_int_eq(c.tx.pages_in_file, 3);
	ck_assert_int_eq(c.tx.t30_status, T30_ERR_CALLDROPPED);
	ck_assert(c.rx.done && !c.rx.success && c.rx.partial);
	ck_assert_int_eq(c.rx.pages, 1);
	ck_assert_int_eq(testdoc_pages(c.recv), 1);
	snprintf(one, sizeof(one), "%s/one.tif", c.dir);
	ck_assert_int_eq(testdoc_make(one, 1, TESTDOC_STANDARD, c.seed), 0);
	ck_assert_msg(testdoc_compare(one, c.recv, why, sizeof(why)) == 0, "%s", why);
	unlink(one);
	fc_cleanup(&c);
}
END_TEST

/* The page hook: once per confirmed page, the page already in the file,
 * end of document on the last one only (ECM and not, T.38 and audio). */
static void fc_expect_page_hook(int pages)
{
	ck_assert_int_eq(fc_pg.n, pages);
	ck_assert(fc_pg.result_pages_match);
	for (int i = 0; i < pages; i++) {
		ck_assert_int_eq(fc_pg.pages[i], i + 1);
		ck_assert_int_eq(fc_pg.in_file[i], i + 1);
		ck_assert_int_eq(fc_pg.eod[i], i == pages - 1);
	}
}

START_TEST(page_hook_t38)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_T38, false, 3, TESTDOC_STANDARD, _i == 0, 111);
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_page_hook(3);
	fc_cleanup(&c);
}
END_TEST

START_TEST(page_hook_audio)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_AUDIO, false, 2, TESTDOC_FINE, _i == 0, 112);
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_page_hook(2);
	fc_cleanup(&c);
}
END_TEST

START_TEST(page_hook_hangup_no_end)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_T38, false, 3, TESTDOC_STANDARD, true, 113);
	c.hangup_after_pages = 2;
	fc_run(&c);
	ck_assert(c.rx.partial);
	ck_assert_int_eq(fc_pg.n, c.rx.pages);
	for (int i = 0; i < fc_pg.n; i++) {
		ck_assert_int_eq(fc_pg.pages[i], i + 1);
		ck_assert_int_eq(fc_pg.in_file[i], i + 1);
		ck_assert(!fc_pg.eod[i]);
	}
	fc_cleanup(&c);
}
END_TEST

/* --- audio ------------------------------------------------------------------------- */

START_TEST(audio_pcmu_1page_noecm)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_AUDIO, false, 1, TESTDOC_STANDARD, false, 111);
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	ck_assert_int_eq(c.rx.bit_rate, 14400);
	ck_assert_uint_eq(c.srx.malformed, 0);
	ck_assert_uint_eq(c.srx.lost, 0);
	/* one RTP packet per tick while the call runs */
	ck_assert_uint_ge(c.stx.datagrams_out + 5, c.stx.ticks);
	fc_cleanup(&c);
}
END_TEST

START_TEST(audio_pcma_2page_fine_ecm)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_AUDIO, true, 2, TESTDOC_FINE, true, 112);
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	fc_cleanup(&c);
}
END_TEST

/* Reordering within the jitter buffer and duplicates change nothing. */
START_TEST(audio_pcmu_reorder_dup_ecm)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_AUDIO, false, 2, TESTDOC_MIXED, true, 113);
	fc_t2r.reorder_pct = fc_r2t.reorder_pct = 10;
	fc_t2r.max_delay = fc_r2t.max_delay = 1;
	fc_t2r.dup_pct = fc_r2t.dup_pct = 5;
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	ck_assert_uint_gt(c.srx.duplicates, 0);
	ck_assert_uint_eq(c.srx.lost, 0);
	fc_cleanup(&c);
}
END_TEST

START_TEST(audio_pcma_garbage_counted_and_harmless)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_AUDIO, true, 1, TESTDOC_STANDARD, false, 114);
	fc_t2r.garbage_pct = fc_r2t.garbage_pct = 5;
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	ck_assert_uint_gt(c.srx.malformed, fc_t2r.garbage / 2);
	ck_assert_uint_gt(c.srx.malformed + c.srx.ignored, 0);
	fc_cleanup(&c);
}
END_TEST

START_TEST(audio_hangup_gives_partial)
{
	struct fc_case c;

	fc_init(&c, FAX_SESSION_AUDIO, false, 3, TESTDOC_STANDARD, true, 115);
	c.hangup_after_pages = 1;
	fc_run(&c);
	ck_assert(c.tx.partial && !c.tx.success);
	ck_assert(c.rx.done && c.rx.partial && !c.rx.success);
	ck_assert_int_eq(c.rx.pages, 1);
	ck_assert_int_eq(testdoc_pages(c.recv), 1);
	fc_cleanup(&c);
}
END_TEST

/* SIP peers each send their own ptime: a sender of 30 ms to a receiver of
 * 20 and one of 10 ms to one of 60, PCMA with its static number 8 given
 * explicitly and PCMU under the dynamic number 96 on both sides.  Every
 * page arrives intact, nothing is concealed, and each side's packets have
 * the size and rate of its own ptime. */
static const struct fc_ptime_case {
	unsigned tx_ptime, rx_ptime;
	bool alaw;
	int payload_type;
} fc_ptime_cases[] = {
	{ 30, 20, true, 8 },
	{ 10, 60, true, 8 },
	{ 30, 20, false, 96 },
	{ 10, 60, false, 96 },
};

/* A side that sent for `ticks` ticks in packets of ptime ms: one packet
 * per ptime (the last few ticks may still wait in its FIFO), each of
 * ptime x 8 samples. */
static void fc_expect_ptime(const struct fax_call_stats *st, unsigned ptime)
{
	uint64_t want = st->ticks * FGW_TICK_MS / ptime;

	ck_assert_uint_le(st->datagrams_out, want);
	ck_assert_uint_ge(st->datagrams_out + 1, want);
	ck_assert_uint_eq(st->bytes_out,
			  st->datagrams_out * (RTP_HEADER_LEN + ptime * FGW_RTP_SAMPLES_PER_MS));
}

START_TEST(audio_ptime_mismatch)
{
	const struct fc_ptime_case *k = &fc_ptime_cases[_i];
	struct fc_case c;

	fc_init(&c, FAX_SESSION_AUDIO, k->alaw, 2, TESTDOC_STANDARD, _i % 2 == 0, 120 + (unsigned)_i);
	c.tx_ptime = k->tx_ptime;
	c.rx_ptime = k->rx_ptime;
	c.payload_type = k->payload_type;
	fc_run(&c);
	fc_expect_success(&c);
	fc_expect_counts(&c);
	ck_assert_uint_eq(c.srx.malformed + c.srx.ignored + c.srx.lost + c.srx.late, 0);
	ck_assert_uint_eq(c.srx.concealed + c.stx.concealed, 0);
	/* (the sender plays the receiver's silence after it hung up as lost) */
	ck_assert_uint_eq(c.stx.malformed + c.stx.ignored + c.stx.late, 0);
	fc_expect_ptime(&c.stx, k->tx_ptime);
	fc_expect_ptime(&c.srx, k->rx_ptime);
	fc_cleanup(&c);
}
END_TEST


/* --- parameters and edge cases --------------------------------------------------------- */

static void fc_nop_send(void *arg, const uint8_t *buf, size_t len)
{
	unsigned *n = arg;

	(void)buf;
	(void)len;
	(*n)++;
}

/* The payload type numbers must agree: a receiver expecting 96 ignores
 * the static 0 (counted) and the fax fails rather than decoding noise. */
START_TEST(audio_payload_type_mismatch_ignored)
{
	struct fax_call_stats st;
	unsigned n = 0;
	char err[256];
	struct fax_call_params p;
	uint8_t pkt[RTP_HEADER_LEN + 240];

	fax_call_params_default(&p);
	p.session.mode = FAX_SESSION_AUDIO;
	p.session.file = "/tmp/faxgw-fc-never.tif";
	p.payload_type = 96;
	p.ptime = 30;
	p.send = fc_nop_send;
	p.send_arg = &n;
	struct fax_call *call = fax_call_new(&p, err, sizeof(err));
	ck_assert_msg(call != NULL, "%s", err);
	memset(pkt, 0xFF, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = RTP_PT_PCMU;
	ck_assert_int_eq(fax_call_datagram_in(call, pkt, sizeof(pkt)), 0);
	pkt[1] = 96;
	ck_assert_int_eq(fax_call_datagram_in(call, pkt, sizeof(pkt)), 0);
	for (int i = 0; i < 3; i++)
		fax_call_tick(call);
	fax_call_stats(call, &st);
	ck_assert_uint_eq(st.ignored, 1);
	ck_assert_uint_eq(n, 2);                  /* 60 ms of ours: two 30 ms packets */
	ck_assert_uint_eq(st.bytes_out, 2u * (RTP_HEADER_LEN + 240));
	fax_call_free(call);
}
END_TEST

START_TEST(new_rejects_bad_params)
{
	struct fax_call_params p;
	unsigned n = 0;
	char err[256];

	fax_call_params_default(&p);
	p.session.file = "/tmp/faxgw-fc-never.tif";
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));          /* no send */
	ck_assert_ptr_nonnull(strstr(err, "send"));
	p.send = fc_nop_send;
	p.send_arg = &n;
	p.session.max_datagram = 8;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	p.session.max_datagram = FGW_MAX_DATAGRAM + 1;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	p.session.max_datagram = 0;
	p.ec_depth = FGW_MAX_UDPTL_SECONDARY + 1;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	p.ec = UDPTL_EC_FEC;
	p.ec_depth = FGW_MAX_UDPTL_FEC_SPAN;
	p.fec_entries = FGW_MAX_UDPTL_FEC_ENTRIES;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "FEC"));
	p.ec = UDPTL_EC_REDUNDANCY;
	p.ec_depth = 3;
	p.session.t38_version = 7;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	p.session.t38_version = 0;
	p.session.mode = FAX_SESSION_AUDIO;
	p.jitter_ticks = FGW_RTP_JITTER_SLOTS;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	p.jitter_ticks = 2;
	p.ptime = FGW_RTP_MIN_PTIME - 1;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "ptime"));
	p.ptime = FGW_RTP_MAX_PTIME + 1;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	p.ptime = 30;
	p.payload_type = 128;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "payload type"));
	p.payload_type = -2;
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	p.payload_type = 96;
	p.session.dir = FAX_SESSION_SEND;
	p.session.file = "/nonexistent/doc.tif";
	ck_assert_ptr_null(fax_call_new(&p, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/doc.tif"));
	ck_assert_uint_eq(n, 0);
	fax_call_free(NULL);
}
END_TEST

/* A lone answering audio call sends one RTP packet per tick (with its
 * random SSRC), takes hostile datagrams, and is silent after hang-up. */
START_TEST(audio_alone_then_hangup)
{
	struct fax_call_params p;
	struct fax_call_stats st;
	struct fax_session_result r;
	unsigned n = 0;
	char err[256];
	uint8_t junk[300];

	fax_call_params_default(&p);
	p.session.mode = FAX_SESSION_AUDIO;
	p.session.file = "/tmp/faxgw-fc-never.tif";
	p.send = fc_nop_send;
	p.send_arg = &n;
	struct fax_call *c = fax_call_new(&p, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	for (int i = 0; i < 100; i++)
		ck_assert(!fax_call_tick(c));
	ck_assert_uint_eq(n, 100);
	ck_assert_int_eq(fax_call_datagram_in(c, junk, 0), -1);
	ck_assert_int_eq(fax_call_datagram_in(c, junk, FGW_MAX_DATAGRAM + 1), -1);
	memset(junk, 0, sizeof(junk));
	junk[0] = 0x80;
	junk[1] = 96;                         /* RTP, dynamic payload type: ignored */
	ck_assert_int_eq(fax_call_datagram_in(c, junk, 172), 0);
	fax_call_stats(c, &st);
	ck_assert_uint_eq(st.datagrams_in, 3);
	ck_assert_uint_eq(st.malformed, 2);
	ck_assert_uint_eq(st.ignored, 1);
	ck_assert_uint_eq(st.datagrams_out, 100);
	ck_assert_uint_eq(st.bytes_out, 100u * (RTP_HEADER_LEN + RTP_FRAME_BYTES));
	fax_call_hangup(c);
	fax_call_hangup(c);
	ck_assert(fax_call_done(c));
	ck_assert(fax_call_tick(c));
	ck_assert_int_eq(fax_call_datagram_in(c, junk, 172), 0);
	fax_call_stats(c, &st);
	ck_assert_uint_eq(st.datagrams_in, 3);
	ck_assert_uint_eq(n, 100);
	fax_call_result(c, &r);
	ck_assert(r.done && !r.success && !r.partial);
	ck_assert_int_eq(r.t30_status, T30_ERR_CALLDROPPED);
	ck_assert_ptr_nonnull(fax_call_session(c));
	fax_call_free(c);
	ck_assert_int_eq(access(p.session.file, F_OK), -1);
}
END_TEST

START_TEST(ec_names)
{
	enum udptl_ec ec;

	ck_assert_int_eq(fax_call_parse_ec("fec", &ec), 0);
	ck_assert_int_eq(ec, UDPTL_EC_FEC);
	ck_assert_int_eq(fax_call_parse_ec("none", &ec), 0);
	ck_assert_int_eq(ec, UDPTL_EC_NONE);
	ck_assert_int_eq(fax_call_parse_ec("redundancy", &ec), 0);
	ck_assert_int_eq(ec, UDPTL_EC_REDUNDANCY);
	ck_assert_int_eq(fax_call_parse_ec("Redundancy", &ec), -1);
	ck_assert_int_eq(fax_call_parse_ec(NULL, &ec), -1);
	ck_assert_str_eq(fax_call_ec_name(UDPTL_EC_FEC), "fec");
	ck_assert_str_eq(fax_call_ec_name(UDPTL_EC_NONE), "none");
	ck_assert_str_eq(fax_call_ec_name(UDPTL_EC_REDUNDANCY), "redundancy");
}
END_TEST

Suite *fax_call_suite(void)
{
	Suite *s = suite_create("fax_call");
	TCase *t38 = tcase_create("t38");
	TCase *audio = tcase_create("audio");
	TCase *api = tcase_create("api");

	tcase_set_timeout(t38, 120);
	tcase_set_timeout(audio, 120);
	tcase_add_test(t38, t38_clean_1page_ecm);
	tcase_add_test(t38, t38_clean_3page_fine_noecm_ec_none);
	tcase_add_test(t38, t38_lossy_redundancy_ecm);
	tcase_add_test(t38, t38_lossy_fec_ecm_v3);
	tcase_add_test(t38, t38_garbage_counted_and_harmless);
	tcase_add_test(t38, t38_hangup_gives_partial);
	tcase_add_loop_test(t38, page_hook_t38, 0, 2);
	tcase_add_loop_test(audio, page_hook_audio, 0, 2);
	tcase_add_test(t38, page_hook_hangup_no_end);
	tcase_add_test(audio, audio_pcmu_1page_noecm);
	tcase_add_test(audio, audio_pcma_2page_fine_ecm);
	tcase_add_test(audio, audio_pcmu_reorder_dup_ecm);
	tcase_add_test(audio, audio_pcma_garbage_counted_and_harmless);
	tcase_add_test(audio, audio_hangup_gives_partial);
	tcase_add_loop_test(audio, audio_ptime_mismatch, 0,
			    (int)(sizeof(fc_ptime_cases) / sizeof(fc_ptime_cases[0])));
	tcase_add_test(api, audio_payload_type_mismatch_ignored);
	tcase_add_test(api, new_rejects_bad_params);
	tcase_add_test(api, audio_alone_then_hangup);
	tcase_add_test(api, ec_names);
	suite_add_tcase(s, t38);
	suite_add_tcase(s, audio);
	suite_add_tcase(s, api);
	return s;
}
