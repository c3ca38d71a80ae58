/*
 * fax_call.c - a fax_session bound to its transport: UDPTL for T.38
 * (ITU-T T.38 clause 9.1) or RTP with G.711 for audio fax (RFC 3550,
 * RFC 3551 4.5.14).  See fax_call.h for the contract.
 */
#include "caps.h"
#include "fax_call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "rtp.h"

#define FAX_CALL_MIN_DATAGRAM 16        /* smallest max datagram the UDPTL sender takes */

struct fax_call {
	enum fax_session_mode mode;
	struct fax_session *s;
	fax_call_send_fn send;
	void *send_arg;
	bool over;
	bool silent;                    /* hung up: send nothing, take nothing */
	bool peer_signal;               /* T.38: the peer sent a T.30 indicator or data */
	int t38_version;
	uint8_t silence;                /* G.711 code of silence for this law */
	struct fax_call_stats st;       /* our own counters; the rest come from rx */
	/* the transport's state, of the call's mode only (a UDPTL stream
	 * keeps a window of IFPs: about 130 KB a G.711 call need not have) */
	struct fax_call_t38 *t38;
	struct fax_call_audio *audio;
};

/* The datagram being sent: built and handed to the send callback at once,
 * so one per thread serves every call of that thread. */
static _Thread_local uint8_t fax_call_out[FGW_MAX_DATAGRAM];

/* The UDPTL streams and, behind them in the same block, their rings: the
 * page data's direction keeps FGW_UDPTL_RING bytes of IFPs, the other one,
 * which carries T.30 control only, FGW_UDPTL_CTRL_RING. */
struct fax_call_t38 {
	struct udptl_rx rx;
	struct udptl_tx tx;
	uint8_t rings[];
};

struct fax_call_audio {
	struct rtp_rx rx;
	struct rtp_tx tx;
};

/* --- helpers ---------------------------------------------------------------- */

int fax_call_parse_ec(const char *text, enum udptl_ec *ec)
{
	if (text == NULL)
		return -1;
	if (strcmp(text, "redundancy") == 0)
		*ec = UDPTL_EC_REDUNDANCY;
	else if (strcmp(text, "fec") == 0)
		*ec = UDPTL_EC_FEC;
	else if (strcmp(text, "none") == 0)
		*ec = UDPTL_EC_NONE;
	else
		return -1;
	return 0;
}

const char *fax_call_ec_name(enum udptl_ec ec)
{
	switch (ec) {
	case UDPTL_EC_REDUNDANCY: return "redundancy";
	case UDPTL_EC_FEC: return "fec";
	case UDPTL_EC_NONE: return "none";
	default: return "unknown";
	}
}

void fax_call_params_default(struct fax_call_params *p)
{
	memset(p, 0, sizeof(*p));
	p->session.mode = FAX_SESSION_T38;
	p->session.dir = FAX_SESSION_RECEIVE;
	p->session.ecm = true;
	p->session.max_rate = 14400;
	p->ec = UDPTL_EC_REDUNDANCY;
	p->ec_depth = FAX_CALL_DEFAULT_EC_DEPTH;
	p->fec_entries = FAX_CALL_DEFAULT_FEC_ENTRIES;
	p->jitter_ticks = FAX_CALL_DEFAULT_JITTER_TICKS;
	p->payload_type = -1;
}

static void fax_call_emit(struct fax_call *c, const uint8_t *buf, size_t len)
{
	if (c->silent)
		return;
	c->st.datagrams_out++;
	c->st.bytes_out += len;
	c->send(c->send_arg, buf, len);
}

/* --- T.38 over UDPTL ---------------------------------------------------------- */

/* The session's IFP out: one UDPTL packet, sent `count` times (T.38 clause
 * 9.1: indicators and end-of-data are repeated; the repetition keeps the
 * sequence number, so the receiver drops the extra copies). */
static void fax_call_t38_tx(void *arg, const uint8_t *ifp, size_t len, int count)
{
	struct fax_call *c = arg;
	size_t n = 0;

	if (c->silent)
		return;
	if (udptl_tx_packet(&c->t38->tx, ifp, len, fax_call_out, sizeof(fax_call_out), &n) != UDPTL_OK) {
		c->st.tx_errors++;
		return;
	}
	if (count < 1)
		count = 1;
	for (int i = 0; i < count; i++)
		fax_call_emit(c, fax_call_out, n);
}

static void fax_call_t38_rx(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct fax_call *c = arg;

	if (!c->peer_signal && claim_ifp_kind(ifp, len, c->t38_version) >= CLAIM_IFP_SIGNAL)
		c->peer_signal = true;
	fax_session_rx_ifp(c->s, ifp, len, seq);
}

static size_t fax_call_tx_ring_size(const struct fax_call_params *p)
{
	return p->session.dir == FAX_SESSION_SEND ? FGW_UDPTL_RING : FGW_UDPTL_CTRL_RING;
}

static size_t fax_call_rx_ring_size(const struct fax_call_params *p)
{
	return p->session.dir == FAX_SESSION_SEND ? FGW_UDPTL_CTRL_RING : FGW_UDPTL_RING;
}

static int fax_call_setup_t38(struct fax_call *c, const struct fax_call_params *p,
                              char *err, size_t errlen)
{
	size_t maxd = p->session.max_datagram > 0 ? (size_t)p->session.max_datagram : FGW_MAX_DATAGRAM;
	size_t tx_size = fax_call_tx_ring_size(p), rx_size = fax_call_rx_ring_size(p);
	uint8_t *tx_ring = c->t38->rings;

	if (maxd < FAX_CALL_MIN_DATAGRAM || maxd > FGW_MAX_DATAGRAM) {
		snprintf(err, errlen, "max datagram %zu is not %d..%d", maxd,
		         FAX_CALL_MIN_DATAGRAM, FGW_MAX_DATAGRAM);
		return -1;
	}
	if (udptl_tx_init(&c->t38->tx, p->ec, p->ec_depth, p->fec_entries, maxd, tx_ring,
			  tx_size) != UDPTL_OK) {
		if (p->ec == UDPTL_EC_FEC)
			snprintf(err, errlen, "UDPTL FEC span %u with %u entries is not supported "
			         "(span 1..%d, entries 1..%d, span x entries < %d)", p->ec_depth,
			         p->fec_entries, FGW_MAX_UDPTL_FEC_SPAN, FGW_MAX_UDPTL_FEC_ENTRIES,
			         FGW_UDPTL_WINDOW);
		else
			snprintf(err, errlen, "UDPTL redundancy depth %u is not 0..%d (or bad ec mode)",
			         p->ec_depth, FGW_MAX_UDPTL_SECONDARY);
		return -1;
	}
	udptl_rx_init(&c->t38->rx, fax_call_t38_rx, c, c->t38->rings + tx_size, rx_size);
	return 0;
}

/* --- audio over RTP ------------------------------------------------------------ */

static uint32_t fax_call_mix(uint32_t x)
{
	/* splitmix-style finaliser: spreads a seed over all bits */
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* RFC 3550 5.1: SSRC, first sequence number and timestamp are random. */
static void fax_call_rtp_start(uint32_t seed, uint32_t v[3])
{
	if (seed == 0 && getrandom(v, 3 * sizeof(v[0]), GRND_NONBLOCK) == (ssize_t)(3 * sizeof(v[0])))
		return;
	if (seed == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec ^ ((uint32_t)getpid() << 16);
	}
	for (int i = 0; i < 3; i++)
		v[i] = fax_call_mix(seed + 0x9e3779b9U * (uint32_t)(i + 1));
}

/* ptime 0 means 20 ms; payload_type -1 the law's static number. */
static int fax_call_check_audio(const struct fax_call_params *p, char *err, size_t errlen)
{
	if (p->ptime != 0 && (p->ptime < FGW_RTP_MIN_PTIME || p->ptime > FGW_RTP_MAX_PTIME)) {
		snprintf(err, errlen, "ptime %u ms is not %d..%d", p->ptime, FGW_RTP_MIN_PTIME,
		         FGW_RTP_MAX_PTIME);
		return -1;
	}
	if (p->payload_type < -1 || p->payload_type > 127) {
		snprintf(err, errlen, "RTP payload type %d is not 0..127 (or -1)", p->payload_type);
		return -1;
	}
	return 0;
}

static int fax_call_setup_audio(struct fax_call *c, const struct fax_call_params *p,
                                char *err, size_t errlen)
{
	uint8_t law = p->session.use_alaw ? RTP_PT_PCMA : RTP_PT_PCMU;
	struct fax_call_audio *a = c->audio;
	uint32_t v[3];

	if (fax_call_check_audio(p, err, errlen) < 0)
		return -1;
	if (rtp_rx_init(&a->rx, law, p->jitter_ticks) != RTP_OK) {
		snprintf(err, errlen, "jitter buffer of %u ticks is not 0..%d", p->jitter_ticks,
		         FGW_RTP_JITTER_SLOTS / 2);
		return -1;
	}
	fax_call_rtp_start(p->rtp_seed, v);
	/* Checked above: none of these fails. */
	enum rtp_err e = rtp_tx_init(&a->tx, law, v[0], (uint16_t)v[1], v[2]);
	if (e == RTP_OK)
		e = rtp_tx_set_ptime(&a->tx, p->ptime != 0 ? p->ptime : FGW_TICK_MS);
	if (e == RTP_OK && p->payload_type >= 0)
		e = rtp_tx_set_pt(&a->tx, (unsigned)p->payload_type);
	if (e == RTP_OK && p->payload_type >= 0)
		e = rtp_rx_set_pt(&a->rx, (unsigned)p->payload_type);
	if (e != RTP_OK) {
		snprintf(err, errlen, "RTP set-up failed: %s", rtp_strerror(e));
		return -1;
	}
	c->silence = p->session.use_alaw ? RTP_ALAW_SILENCE : RTP_ULAW_SILENCE;
	return 0;
}

/* Sends what the FIFO holds in packets of the ptime: none, one or two a
 * tick (ptime 10 gives two, 30 one every other tick, 60 one in three). */
static void fax_call_audio_send(struct fax_call *c, const uint8_t frame[RTP_FRAME_BYTES])
{
	size_t n = 0;

	if (rtp_tx_queue(&c->audio->tx, frame) != RTP_OK) {
		c->st.tx_errors++;
		return;
	}
	for (;;) {
		if (rtp_tx_next(&c->audio->tx, fax_call_out, sizeof(fax_call_out), &n) != RTP_OK) {
			c->st.tx_errors++;
			return;
		}
		if (n == 0)
			return;
		fax_call_emit(c, fax_call_out, n);
	}
}

/* One 20 ms audio step: received frame (or concealment, or silence before
 * the peer's stream) in, our 160 samples out to the RTP sender's FIFO. */
static void fax_call_audio_step(struct fax_call *c)
{
	uint8_t frame[RTP_FRAME_BYTES];
	bool lost = false;

	if (!rtp_rx_pull(&c->audio->rx, frame, &lost)) {
		memset(frame, c->silence, sizeof(frame));
		fax_session_rx_g711(c->s, frame, sizeof(frame));
	} else if (lost) {
		fax_session_rx_lost(c->s, RTP_FRAME_BYTES);
	} else {
		fax_session_rx_g711(c->s, frame, sizeof(frame));
	}
	fax_session_tx_g711(c->s, frame, sizeof(frame));
	fax_call_audio_send(c, frame);
}

/* --- life cycle ------------------------------------------------------------------ */

struct fax_call *fax_call_new(const struct fax_call_params *p, char *err, size_t errlen)
{
	struct fax_session_params sp;
	struct fax_call *c;
	int rc;

	if (p == NULL || p->send == NULL) {
		snprintf(err, errlen, "fax call without a send callback");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->mode = p->session.mode;
	c->t38_version = p->session.t38_version;
	c->send = p->send;
	c->send_arg = p->send_arg;
	if (c->mode == FAX_SESSION_T38)
		c->t38 = malloc(sizeof(*c->t38) + fax_call_tx_ring_size(p) +
				fax_call_rx_ring_size(p));
	else
		c->audio = malloc(sizeof(*c->audio));
	if (c->t38 == NULL && c->audio == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (c->mode == FAX_SESSION_T38)
		rc = fax_call_setup_t38(c, p, err, errlen);
	else
		rc = fax_call_setup_audio(c, p, err, errlen);
	if (rc < 0)
		goto fail;
	sp = p->session;
	sp.tx_ifp = fax_call_t38_tx;
	sp.arg = c;
	c->s = fax_session_new(&sp, err, errlen);
	if (c->s == NULL)
		goto fail;
	return c;
fail:
	fax_call_free(c);
	return NULL;
}

void fax_call_free(struct fax_call *c)
{
	if (c == NULL)
		return;
	fax_session_free(c->s);
	free(c->t38);
	free(c->audio);
	free(c);
}

/* --- media and time ----------------------------------------------------------------- */

int fax_call_datagram_in(struct fax_call *c, const uint8_t *buf, size_t len)
{
	if (c->silent || c->over || buf == NULL)
		return 0;
	c->st.datagrams_in++;
	c->st.bytes_in += len;
	if (c->mode == FAX_SESSION_T38)
		return udptl_rx_datagram(&c->t38->rx, buf, len) == UDPTL_OK ? 0 : -1;
	return rtp_rx_put(&c->audio->rx, buf, len) == RTP_OK ? 0 : -1;
}

bool fax_call_tick(struct fax_call *c)
{
	if (c->over)
		return true;
	c->st.ticks++;
	if (c->mode == FAX_SESSION_AUDIO)
		fax_call_audio_step(c);
	if (fax_session_tick(c->s))
		c->over = true;
	return c->over;
}

bool fax_call_peer_signalled(const struct fax_call *c)
{
	return c->peer_signal || fax_session_peer_signalled(c->s);
}

bool fax_call_done(const struct fax_call *c)
{
	return c->over || fax_session_done(c->s);
}

void fax_call_hangup(struct fax_call *c)
{
	c->silent = true;
	fax_session_hangup(c->s);
	c->over = true;
}

void fax_call_result(const struct fax_call *c, struct fax_session_result *r)
{
	fax_session_result(c->s, r);
}

void fax_call_stats(const struct fax_call *c, struct fax_call_stats *st)
{
	*st = c->st;
	if (c->mode == FAX_SESSION_T38) {
		const struct udptl_rx_stats *u = &c->t38->rx.stats;
		st->malformed = u->malformed;
		st->recovered = u->recovered;
		st->lost = u->lost;
		st->duplicates = u->duplicate;
		st->late = u->late;
	} else {
		const struct rtp_rx_stats *r = &c->audio->rx.stats;
		st->malformed = r->malformed;
		st->recovered = 0;
		st->lost = r->lost;
		st->duplicates = r->duplicate;
		st->late = r->late;
		st->ignored = r->cn + r->other_pt + r->bad_size;
		st->concealed = r->concealed;
	}
}

struct fax_session *fax_call_session(struct fax_call *c)
{
	return c->s;
}
