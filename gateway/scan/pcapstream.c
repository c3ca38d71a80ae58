/*
 * pcapstream.c - stream discovery and passive decoding of the fax calls of a
 * capture.  See pcapstream.h.
 */
#include "caps.h"
#include "pcapstream.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "faxdemod.h"
#include "rtp.h"

#define PS_MIN_UDPTL      2        /* datagrams that make a flow T.38 */
#define PS_MIN_RTP_MS     200      /* ms of G.711 packets that make a flow audio */
#define PS_RTP_DELAY      2        /* reorder depth, ticks */
#define PS_HOSTILE_EMPTY  16       /* zero-length IFPs: a few at a stream start at most */

enum ps_sdp_kind { PS_SDP_IMAGE, PS_SDP_AUDIO };

struct ps_sdp {
	enum ps_sdp_kind kind;
	struct capture_endpoint ep;
	int version;                   /* T38FaxVersion, -1 absent */
	int ec;                        /* UDPTL_EC_*, -1 absent */
};

/* One direction of UDP traffic between two endpoints. */
struct ps_flow {
	struct capture_endpoint src, dst;
	uint64_t n, n_udptl, n_rtp, n_sip;
	uint64_t rtp_samples;          /* G.711 samples in the n_rtp packets */
	int rtp_pt;
	uint64_t t38_err[2];           /* IFPs that parse badly as version 0 / as version 3 */
	t38_core_state_t *trial[2];
	int ec;                        /* error recovery seen, -1 none yet */
	int call[2];                   /* call index per kind, -1 none */
	int dir[2];
	int32_t next;                  /* hash chain, -1 ends it */
};

#define PS_HASH_SLOTS 65536        /* power of two, 2 x FGW_CAPTURE_MAX_FLOWS */

/* Decoding state of one direction of a call. */
struct ps_dir {
	struct pcapstream_call *call;
	int dir;
	uint64_t ts;
	struct udptl_rx rx;
	uint8_t ring[FGW_UDPTL_RING];  /* rx's kept IFPs */
	t38_core_state_t *core;
	uint8_t hdlc[FGW_T30SCAN_MAX_HDLC];
	size_t hlen;
	bool missing;
	int last_field;
	bool img;
	struct rtp_rx rtp;
	uint64_t owed;                 /* samples received and not yet played out */
	struct faxdemod *demod;
};

struct ps_call_state {
	struct ps_dir d[2];
};

struct ps_ctx {
	const struct pcapstream_opts *o;
	struct pcapstream_report *rep;
	struct ps_flow *flows;         /* grows up to FGW_CAPTURE_MAX_FLOWS */
	size_t n_flows, flows_cap;
	size_t calls_cap;              /* rep->calls grows up to FGW_CAPTURE_MAX_CALLS */
	uint64_t flows_dropped;
	int32_t *hash;                 /* PS_HASH_SLOTS heads of flow chains */
	size_t n_trials;
	struct ps_sdp sdp[FGW_CAPTURE_MAX_SDP];
	size_t n_sdp;
	size_t batch;                  /* first call of the batch being decoded */
	struct ps_call_state *cs[FGW_CAPTURE_BATCH];
};

/* ----- flows -------------------------------------------------------------------- */

/* Doubles an array of *cap elements (at least 64), up to max. */
static int ps_grow(void **arr, size_t *cap, size_t size, size_t max)
{
	size_t n = *cap ? *cap * 2 : 64;

	if (n > max)
		n = max;
	if (n <= *cap)
		return -1;
	void *p = realloc(*arr, n * size);
	if (p == NULL)
		return -1;
	memset((char *)p + *cap * size, 0, (n - *cap) * size);
	*arr = p;
	*cap = n;
	return 0;
}

/* FNV-1a over both endpoints. */
static uint32_t ps_flow_hash(const struct capture_udp *u)
{
	uint32_t h = 2166136261u;
	const struct capture_endpoint *e[2] = { &u->src, &u->dst };

	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < 16; i++)
			h = (h ^ e[k]->addr[i]) * 16777619u;
		h = (h ^ (uint32_t)(e[k]->port & 0xFF)) * 16777619u;
		h = (h ^ (uint32_t)(e[k]->port >> 8)) * 16777619u;
	}
	return h & (PS_HASH_SLOTS - 1);
}

static struct ps_flow *ps_flow_get(struct ps_ctx *x, const struct capture_udp *u, bool create)
{
	uint32_t h = ps_flow_hash(u);

	for (int32_t i = x->hash[h]; i >= 0; i = x->flows[i].next) {
		struct ps_flow *f = &x->flows[i];
		if (capture_endpoint_eq(&f->src, &u->src) && capture_endpoint_eq(&f->dst, &u->dst))
			return f;
	}
	if (!create)
		return NULL;
	if (x->n_flows >= FGW_CAPTURE_MAX_FLOWS ||
	    (x->n_flows == x->flows_cap && ps_grow((void **)&x->flows, &x->flows_cap,
						  sizeof(*x->flows), FGW_CAPTURE_MAX_FLOWS) < 0)) {
		x->flows_dropped++;
		return NULL;
	}
	struct ps_flow *f = &x->flows[x->n_flows];
	memset(f, 0, sizeof(*f));
	f->src = u->src;
	f->dst = u->dst;
	f->rtp_pt = -1;
	f->ec = -1;
	f->call[0] = f->call[1] = -1;
	f->next = x->hash[h];
	x->hash[h] = (int32_t)x->n_flows++;
	return f;
}

/* RTP v2 with PT 0 / 8 carrying a whole number of milliseconds of G.711,
 * 10..60 (RFC 3551 4.5.14: any SDP a=ptime), their count in *samples. */
static int ps_rtp_g711(const uint8_t *p, size_t len, size_t *samples)
{
	struct rtp_header h;

	if (rtp_parse(p, len, &h) != RTP_OK)
		return -1;
	if ((h.pt == RTP_PT_PCMU || h.pt == RTP_PT_PCMA) && rtp_g711_ptime(h.payload_len) != 0) {
		*samples = h.payload_len;
		return h.pt;
	}
	return -1;
}

static bool ps_is_sip(const uint8_t *p, size_t len)
{
	static const char *const start[] = { "SIP/2.0 ", "INVITE ", "ACK ", "BYE ", "CANCEL ",
					     "OPTIONS ", "UPDATE ", "PRACK ", "INFO ", "REGISTER " };
	for (size_t i = 0; i < sizeof(start) / sizeof(start[0]); i++) {
		size_t l = strlen(start[i]);
		if (len > l && memcmp(p, start[i], l) == 0)
			return true;
	}
	return false;
}

/* ----- SDP (RFC 4566) ------------------------------------------------------------- */

static bool ps_sdp_addr(const char *line, struct capture_endpoint *ep)
{
	char a[64];

	memset(ep, 0, sizeof(*ep));
	if (sscanf(line, "c=IN IP4 %63[0-9.]", a) == 1 && inet_pton(AF_INET, a, ep->addr) == 1) {
		ep->family = 4;
		return true;
	}
	if (sscanf(line, "c=IN IP6 %63[0-9a-fA-F:.]", a) == 1 && inet_pton(AF_INET6, a, ep->addr) == 1) {
		ep->family = 6;
		return true;
	}
	return false;
}

/* A new media description; the table keeps the latest FGW_CAPTURE_MAX_SDP. */
static struct ps_sdp *ps_sdp_add(struct ps_ctx *x, size_t *first)
{
	if (x->n_sdp >= FGW_CAPTURE_MAX_SDP) {
		memmove(&x->sdp[0], &x->sdp[1], (FGW_CAPTURE_MAX_SDP - 1) * sizeof(x->sdp[0]));
		x->n_sdp--;
		if (*first > 0)
			(*first)--;
	}
	struct ps_sdp *m = &x->sdp[x->n_sdp++];
	memset(m, 0, sizeof(*m));
	m->version = -1;
	m->ec = -1;
	return m;
}

/* Walks the SDP body of one SIP message, line by line, bounded by len
 * (RFC 4566 5.7 c=, 5.14 m=; T.38 Annex D attributes). */
static void ps_sdp_parse(struct ps_ctx *x, const uint8_t *p, size_t len)
{
	char line[256], proto[32];
	struct capture_endpoint sess = { 0 }, media_c;
	size_t first = x->n_sdp;
	struct ps_sdp *m = NULL;
	bool in_media = false;
	unsigned port;

	for (size_t o = 0; o < len;) {
		size_t e = o;
		while (e < len && p[e] != '\n')
			e++;
		size_t l = e - o;
		if (l > 0 && p[o + l - 1] == '\r')
			l--;
		if (l >= sizeof(line))
			l = sizeof(line) - 1;
		memcpy(line, p + o, l);
		line[l] = '\0';
		o = e + 1;
		if (strncmp(line, "c=", 2) == 0) {
			if (!in_media)
				ps_sdp_addr(line, &sess);
			else if (m != NULL && ps_sdp_addr(line, &media_c)) {
				media_c.port = m->ep.port;
				m->ep = media_c;
			}
		} else if (strncmp(line, "m=", 2) == 0) {
			in_media = true;
			m = NULL;
			bool image = sscanf(line, "m=image %u %31s", &port, proto) == 2;
			if (!image && sscanf(line, "m=audio %u %31s", &port, proto) != 2)
				continue;
			if (port == 0 || port > 65535)
				continue;          /* a refused or malformed stream */
			m = ps_sdp_add(x, &first);
			m->kind = image ? PS_SDP_IMAGE : PS_SDP_AUDIO;
			m->ep.port = (uint16_t)port;
		} else if (m != NULL && strncmp(line, "a=T38FaxVersion:", 16) == 0) {
			m->version = atoi(line + 16);
		} else if (m != NULL && strncmp(line, "a=T38FaxUdpEC:", 14) == 0) {
			m->ec = strstr(line, "FEC") ? UDPTL_EC_FEC :
				strstr(line, "Redundancy") ? UDPTL_EC_REDUNDANCY : UDPTL_EC_NONE;
		}
	}
	/* media without their own c= line take the session's */
	for (size_t i = first; i < x->n_sdp; i++)
		if (x->sdp[i].ep.family == 0) {
			uint16_t pt = x->sdp[i].ep.port;
			x->sdp[i].ep = sess;
			x->sdp[i].ep.port = pt;
		}
}

static void ps_sip(struct ps_ctx *x, const uint8_t *p, size_t len)
{
	x->rep->sip_messages++;
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
			ps_sdp_parse(x, p + i + 4, len - i - 4);
			return;
		}
}

static const struct ps_sdp *ps_sdp_find(const struct ps_ctx *x, const struct ps_flow *f,
					enum ps_sdp_kind kind)
{
	for (size_t pass = 0; pass < 3; pass++)
		for (size_t i = x->n_sdp; i > 0; i--) {
			const struct ps_sdp *s = &x->sdp[i - 1];
			if (s->kind != kind)
				continue;
			if ((pass == 0 && capture_endpoint_eq(&s->ep, &f->dst)) ||
			    (pass == 1 && capture_endpoint_eq(&s->ep, &f->src)) ||
			    (pass == 2 && s->ep.family == f->dst.family &&
			     (memcmp(s->ep.addr, f->dst.addr, 16) == 0 ||
			      memcmp(s->ep.addr, f->src.addr, 16) == 0)))
				return s;
		}
	return NULL;
}

/* ----- pass 1: discovery -------------------------------------------------------- */

static int ps_nop_ind(t38_core_state_t *s, void *u, int ind)
{
	(void)s; (void)u; (void)ind;
	return 0;
}

/* The T.38 version trial: fields that a sender of the other version
 * produces when read with this one's rules.  Version 0 packs a field
 * without data into 4 bits (the ASN.1 of the 1998 edition), later versions
 * into a whole octet: read one as the other, an FCS-OK turns into an empty
 * HDLC data field, or into FCS-BAD. */
static int ps_trial_data(t38_core_state_t *s, void *u, int dt, int ft, const uint8_t *b, int l)
{
	uint64_t *suspicious = u;

	(void)s; (void)dt; (void)b;
	if (((ft == T38_FIELD_HDLC_DATA || ft == T38_FIELD_T4_NON_ECM_DATA) && l == 0) ||
	    ft == T38_FIELD_HDLC_FCS_BAD || ft == T38_FIELD_HDLC_FCS_BAD_SIG_END)
		(*suspicious)++;
	return 0;
}

static int ps_nop_missing(t38_core_state_t *s, void *u, int a, int b)
{
	(void)s; (void)u; (void)a; (void)b;
	return 0;
}

static int ps_nop_tx(t38_core_state_t *s, void *u, const uint8_t *b, int l, int c)
{
	(void)s; (void)u; (void)b; (void)l; (void)c;
	return 0;
}

static t38_core_state_t *ps_core_new(int version, t38_rx_indicator_handler_t *ind,
				     t38_rx_data_handler_t *data, t38_rx_missing_handler_t *miss,
				     void *arg, bool check_seq)
{
	t38_core_state_t *c = t38_core_init(NULL, ind, data, miss, arg, ps_nop_tx, NULL);

	if (c == NULL)
		return NULL;
	t38_set_t38_version(c, version);
	t38_set_sequence_number_handling(c, check_seq);
	span_log_set_level(t38_core_get_logging_state(c), 0);
	return c;
}

/* Tries the primary IFP with both field-type encodings; parse failures and
 * suspicious fields count against a version. */
static void ps_trial(struct ps_ctx *x, struct ps_flow *f, const struct udptl_packet *pk)
{
	if (pk->primary.len == 0 || pk->primary.len > FGW_MAX_IFP)
		return;
	if (f->trial[0] == NULL) {
		if (x->n_trials >= FGW_CAPTURE_MAX_TRIALS)
			return;
		x->n_trials++;
	}
	for (int v = 0; v < 2; v++) {
		if (f->trial[v] == NULL)
			f->trial[v] = ps_core_new(v ? 3 : 0, ps_nop_ind, ps_trial_data, ps_nop_missing,
						  &f->t38_err[v], false);
		if (f->trial[v] != NULL &&
		    t38_core_rx_ifp_packet(f->trial[v], pk->primary.data, (int)pk->primary.len, pk->seq) < 0)
			f->t38_err[v]++;
	}
}

static void ps_discover(struct ps_ctx *x, const struct capture_udp *u)
{
	struct udptl_packet pk;

	if (ps_is_sip(u->payload, u->len)) {
		ps_sip(x, u->payload, u->len);
		struct ps_flow *f = ps_flow_get(x, u, true);
		if (f != NULL) {
			f->n++;
			f->n_sip++;
		}
		return;
	}
	struct ps_flow *f = ps_flow_get(x, u, true);
	if (f == NULL)
		return;
	f->n++;
	size_t samples = 0;
	int pt = ps_rtp_g711(u->payload, u->len, &samples);
	if (pt >= 0) {
		f->n_rtp++;
		f->rtp_samples += samples;
		f->rtp_pt = pt;
	} else if (udptl_decode(u->payload, u->len, &pk) == UDPTL_OK) {
		f->n_udptl++;
		if (f->ec < 0 || (pk.ec == UDPTL_EC_FEC) || pk.n_secondary > 0)
			f->ec = pk.ec == UDPTL_EC_FEC ? UDPTL_EC_FEC :
				pk.n_secondary > 0 ? UDPTL_EC_REDUNDANCY : (f->ec < 0 ? UDPTL_EC_NONE : f->ec);
		ps_trial(x, f, &pk);
	}
}

static int ps_call_for(struct ps_ctx *x, const struct ps_flow *f, enum pcapstream_kind kind, int *dir)
{
	struct pcapstream_report *r = x->rep;

	for (size_t i = 0; i < r->n_calls; i++) {
		struct pcapstream_call *c = &r->calls[i];
		if (c->kind != kind)
			continue;
		if (capture_endpoint_eq(&c->ep[0], &f->src) && capture_endpoint_eq(&c->ep[1], &f->dst)) {
			*dir = 0;
			return (int)i;
		}
		if (capture_endpoint_eq(&c->ep[1], &f->src) && capture_endpoint_eq(&c->ep[0], &f->dst)) {
			*dir = 1;
			return (int)i;
		}
	}
	if (r->n_calls >= FGW_CAPTURE_MAX_CALLS ||
	    (r->n_calls == x->calls_cap && ps_grow((void **)&r->calls, &x->calls_cap,
						   sizeof(*r->calls), FGW_CAPTURE_MAX_CALLS) < 0)) {
		r->calls_dropped++;
		return -1;
	}
	struct pcapstream_call *c = &r->calls[r->n_calls];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->ep[0] = f->src;
	c->ep[1] = f->dst;
	c->t38_version = -1;
	c->ec = "unknown";
	c->codec = -1;
	*dir = 0;
	return (int)r->n_calls++;
}

static const char *ps_ec_name(int ec)
{
	return ec == UDPTL_EC_FEC ? "FEC" : ec == UDPTL_EC_REDUNDANCY ? "redundancy" :
	       ec == UDPTL_EC_NONE ? "none" : "unknown";
}

static int ps_classify(struct ps_ctx *x)
{
	uint64_t (*err)[2] = calloc(FGW_CAPTURE_MAX_CALLS, sizeof(*err));

	if (err == NULL)
		return -1;
	for (size_t i = 0; i < x->n_flows; i++) {
		struct ps_flow *f = &x->flows[i];
		uint64_t other = f->n - f->n_rtp - f->n_sip;
		const struct ps_sdp *img = ps_sdp_find(x, f, PS_SDP_IMAGE);
		bool t38 = f->n_udptl >= PS_MIN_UDPTL && f->n_udptl * 2 >= other;
		if (img != NULL && f->n_udptl >= 1)
			t38 = true;
		if (t38) {
			int dir, ci = ps_call_for(x, f, PCAPSTREAM_T38, &dir);
			if (ci >= 0) {
				struct pcapstream_call *c = &x->rep->calls[ci];
				f->call[PCAPSTREAM_T38] = ci;
				f->dir[PCAPSTREAM_T38] = dir;
				if (img != NULL) {
					c->from_sdp = true;
					if (img->version >= 0 && img->version <= 3)
						c->t38_version = img->version;
				}
				err[ci][0] += f->t38_err[0];
				err[ci][1] += f->t38_err[1];
				if (f->ec >= 0 && (strcmp(c->ec, "unknown") == 0 || f->ec != UDPTL_EC_NONE))
					c->ec = ps_ec_name(f->ec);
			}
		}
		if (f->rtp_samples >= (uint64_t)PS_MIN_RTP_MS * FGW_RTP_SAMPLES_PER_MS) {
			int dir, ci = ps_call_for(x, f, PCAPSTREAM_AUDIO, &dir);
			if (ci >= 0) {
				f->call[PCAPSTREAM_AUDIO] = ci;
				f->dir[PCAPSTREAM_AUDIO] = dir;
				x->rep->calls[ci].codec = f->rtp_pt;
				if (ps_sdp_find(x, f, PS_SDP_AUDIO) != NULL)
					x->rep->calls[ci].from_sdp = true;
			}
		}
		for (int v = 0; v < 2; v++) {
			if (f->trial[v] != NULL)
				t38_core_free(f->trial[v]);
			f->trial[v] = NULL;
		}
	}
	/* no T38FaxVersion in SDP: the field encoding that both directions
	 * parse best (T.38 version 0 differs from the later ones) */
	for (size_t i = 0; i < x->rep->n_calls; i++)
		if (x->rep->calls[i].kind == PCAPSTREAM_T38 && x->rep->calls[i].t38_version < 0)
			x->rep->calls[i].t38_version = err[i][1] < err[i][0] ? 3 : 0;
	free(err);
	return 0;
}

/* ----- pass 2: T.38 ---------------------------------------------------------------- */

static void ps_hdlc_reset(struct ps_dir *d)
{
	d->hlen = 0;
	d->missing = false;
}

static void ps_img_end(struct ps_dir *d)
{
	if (d->img)
		t30scan_image_end(d->call->scan, d->dir, d->ts);
	d->img = false;
}

static int ps_t38_ind(t38_core_state_t *s, void *arg, int ind)
{
	struct ps_dir *d = arg;

	(void)s;
	ps_img_end(d);
	ps_hdlc_reset(d);
	if (ind == T38_IND_CNG)
		t30scan_tone(d->call->scan, d->dir, T30SCAN_TONE_CNG, d->ts);
	else if (ind == T38_IND_CED)
		t30scan_tone(d->call->scan, d->dir, T30SCAN_TONE_CED, d->ts);
	return 0;
}

static void ps_hdlc_add(struct ps_dir *d, const uint8_t *b, int len)
{
	if (len <= 0 || b == NULL)
		return;
	if (d->hlen + (size_t)len > sizeof(d->hdlc)) {
		d->missing = true;
		return;
	}
	bit_reverse(d->hdlc + d->hlen, b, len);
	d->hlen += (size_t)len;
}

static void ps_hdlc_end(struct ps_dir *d, bool ok)
{
	if (d->hlen > 0)
		t30scan_hdlc(d->call->scan, d->dir, d->hdlc, d->hlen, ok && !d->missing, d->ts);
	ps_hdlc_reset(d);
}

static void ps_nonecm(struct ps_dir *d, const uint8_t *b, int len)
{
	uint8_t tmp[FGW_MAX_IFP];

	if (!d->img) {
		d->img = true;
		t30scan_image_begin(d->call->scan, d->dir, d->ts);
	}
	if (len <= 0 || b == NULL || len > (int)sizeof(tmp))
		return;
	bit_reverse(tmp, b, len);
	t30scan_image_bytes(d->call->scan, d->dir, tmp, (size_t)len);
}

/* T.38 clause 7 data fields: HDLC frames arrive in pieces closed by an FCS
 * field; repeats of a closing field in later IFPs are dropped. */
static int ps_t38_data(t38_core_state_t *s, void *arg, int dt, int ft, const uint8_t *b, int len)
{
	struct ps_dir *d = arg;
	bool repeat = ft == d->last_field && ft != T38_FIELD_HDLC_DATA && ft != T38_FIELD_T4_NON_ECM_DATA;

	(void)s;
	(void)dt;
	d->last_field = ft;
	if (repeat)
		return 0;
	switch (ft) {
	case T38_FIELD_HDLC_DATA:
		ps_img_end(d);
		ps_hdlc_add(d, b, len);
		break;
	case T38_FIELD_HDLC_FCS_OK:
	case T38_FIELD_HDLC_FCS_OK_SIG_END:
		ps_hdlc_add(d, b, len);
		ps_hdlc_end(d, true);
		break;
	case T38_FIELD_HDLC_FCS_BAD:
	case T38_FIELD_HDLC_FCS_BAD_SIG_END:
		ps_hdlc_end(d, false);
		break;
	case T38_FIELD_HDLC_SIG_END:
		ps_hdlc_reset(d);
		break;
	case T38_FIELD_T4_NON_ECM_DATA:
		ps_nonecm(d, b, len);
		break;
	case T38_FIELD_T4_NON_ECM_SIG_END:
		if (len > 0)
			ps_nonecm(d, b, len);
		ps_img_end(d);
		break;
	default:
		break;
	}
	return 0;
}

static int ps_t38_missing(t38_core_state_t *s, void *arg, int rx_seq, int expected)
{
	struct ps_dir *d = arg;

	(void)s; (void)rx_seq; (void)expected;
	d->missing = true;
	t30scan_data_lost(d->call->scan, d->dir);
	d->last_field = -1;
	return 0;
}

static void ps_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct ps_dir *d = arg;

	if (d->core != NULL)
		t38_core_rx_ifp_packet(d->core, ifp, (int)len, seq);
}

/* ----- pass 2: G.711 ------------------------------------------------------------- */

static void ps_audio_frame(struct ps_dir *d, const uint8_t *g711, bool lost)
{
	int16_t amp[RTP_FRAME_BYTES];

	if (d->demod == NULL)
		return;
	if (lost) {
		faxdemod_fillin(d->demod, RTP_FRAME_BYTES, d->ts);
		return;
	}
	for (size_t i = 0; i < RTP_FRAME_BYTES; i++)
		amp[i] = d->call->codec == RTP_PT_PCMA ? alaw_to_linear(g711[i]) : ulaw_to_linear(g711[i]);
	faxdemod_rx(d->demod, amp, RTP_FRAME_BYTES, d->ts);
}

/* One 20 ms frame out of the receiver, which reframes packets of any
 * ptime by their timestamps; draining at the end of the capture, a missing
 * frame is the end of the stream, not a loss. */
static void ps_audio_pull(struct ps_dir *d, bool draining)
{
	uint8_t frame[RTP_FRAME_BYTES];
	bool lost = false;

	if (rtp_rx_pull(&d->rtp, frame, &lost)) {
		if (lost && draining)
			return;
		if (lost)
			d->call->rtp_lost[d->dir]++;
		ps_audio_frame(d, frame, lost);
	}
}

/* The capture has no tick: the stream's own packets clock play-out.  Each
 * packet of n samples owes n samples of play-out, taken in 20 ms frames (a
 * 30 ms stream plays one frame, then two); what is left of a frame waits
 * for the next packet or for the drain at the end. */
static void ps_audio_play(struct ps_dir *d, size_t samples)
{
	d->owed += samples;
	while (d->owed >= RTP_FRAME_BYTES) {
		d->owed -= RTP_FRAME_BYTES;
		ps_audio_pull(d, false);
	}
}

/* ----- pass 2: driver ------------------------------------------------------------ */

static void ps_path(const struct ps_ctx *x, size_t i, char *buf, size_t len)
{
	buf[0] = '\0';
	if (x->o == NULL || x->o->out_dir == NULL)
		return;
	snprintf(buf, len, "%s/%s-%zu.tif", x->o->out_dir, x->o->name ? x->o->name : "fax", i + 1);
}

static size_t ps_batch_end(const struct ps_ctx *x)
{
	size_t end = x->batch + FGW_CAPTURE_BATCH;
	return end < x->rep->n_calls ? end : x->rep->n_calls;
}

/* Decoders for the calls of the current batch. */
static int ps_setup_calls(struct ps_ctx *x)
{
	for (size_t i = x->batch; i < ps_batch_end(x); i++) {
		struct pcapstream_call *c = &x->rep->calls[i];
		struct ps_call_state **cs = &x->cs[i - x->batch];
		char path[FGW_MAX_PATH];
		ps_path(x, i, path, sizeof(path));
		c->scan = t30scan_new(path[0] ? path : NULL);
		*cs = calloc(1, sizeof(struct ps_call_state));
		if (c->scan == NULL || *cs == NULL)
			return -1;
		for (int k = 0; k < 2; k++) {
			struct ps_dir *d = &(*cs)->d[k];
			d->call = c;
			d->dir = k;
			d->last_field = -1;
			if (c->kind == PCAPSTREAM_T38) {
				udptl_rx_init(&d->rx, ps_ifp, d, d->ring, sizeof(d->ring));
				d->core = ps_core_new(c->t38_version, ps_t38_ind, ps_t38_data, ps_t38_missing, d, true);
				if (d->core == NULL)
					return -1;
			} else {
				rtp_rx_init(&d->rtp, c->codec == RTP_PT_PCMA ? RTP_PT_PCMA : RTP_PT_PCMU, PS_RTP_DELAY);
				if ((d->demod = faxdemod_new(c->scan, k)) == NULL)
					return -1;
			}
		}
	}
	return 0;
}

static void ps_touch(struct pcapstream_call *c, int dir, uint64_t ts)
{
	if (c->first_us == 0 || ts < c->first_us)
		c->first_us = ts;
	if (ts > c->last_us)
		c->last_us = ts;
	c->datagrams[dir]++;
}

static void ps_decode(struct ps_ctx *x, const struct capture_udp *u)
{
	struct ps_flow *f = ps_flow_get(x, u, false);

	if (f == NULL)
		return;
	size_t samples = 0;
	int pt = ps_rtp_g711(u->payload, u->len, &samples);
	int kind = pt >= 0 ? PCAPSTREAM_AUDIO : PCAPSTREAM_T38;
	size_t ci = (size_t)f->call[kind];
	if (f->call[kind] < 0 || ci < x->batch || ci >= ps_batch_end(x))
		return;
	struct pcapstream_call *c = &x->rep->calls[ci];
	struct ps_dir *d = &x->cs[ci - x->batch]->d[f->dir[kind]];
	d->ts = u->ts_us;
	ps_touch(c, d->dir, u->ts_us);
	if (kind == PCAPSTREAM_T38) {
		udptl_rx_datagram(&d->rx, u->payload, u->len);
	} else {
		rtp_rx_put(&d->rtp, u->payload, u->len);
		ps_audio_play(d, pt == c->codec ? samples : 0);
	}
}

static void ps_hostile(struct pcapstream_call *c)
{
	uint64_t empty = c->udptl[0].empty + c->udptl[1].empty;
	uint64_t bad = c->udptl[0].malformed + c->udptl[1].malformed;
	uint64_t all = c->udptl[0].received + c->udptl[1].received + bad;

	if (empty >= PS_HOSTILE_EMPTY && empty * 4 >= all) {
		c->hostile = true;
		snprintf(c->hostile_why, sizeof(c->hostile_why),
			 "hostile UDPTL: %llu zero-length IFPs in %llu datagrams "
			 "(the AST-2016-003 / CVE-2016-2232 attack pattern); ignored",
			 (unsigned long long)empty, (unsigned long long)all);
	} else if (bad >= 8 && bad * 4 >= all) {
		c->hostile = true;
		snprintf(c->hostile_why, sizeof(c->hostile_why),
			 "malformed UDPTL: %llu of %llu datagrams refused by the decoder",
			 (unsigned long long)bad, (unsigned long long)all);
	}
}

static void ps_finish_calls(struct ps_ctx *x)
{
	for (size_t i = x->batch; i < ps_batch_end(x); i++) {
		struct pcapstream_call *c = &x->rep->calls[i];
		struct ps_call_state *cs = x->cs[i - x->batch];
		for (int k = 0; cs != NULL && k < 2; k++) {
			struct ps_dir *d = &cs->d[k];
			if (c->kind == PCAPSTREAM_T38) {
				ps_img_end(d);
				c->udptl[k] = d->rx.stats;
			} else {
				for (unsigned t = 0; t < PS_RTP_DELAY + 1; t++)
					ps_audio_pull(d, true);
				if (d->demod != NULL)
					faxdemod_end(d->demod, d->ts);
			}
		}
		if (c->scan != NULL) {
			t30scan_finish(c->scan);
			c->res = t30scan_result(c->scan);
			snprintf(c->tiff, sizeof(c->tiff), "%s", c->res->tiff);
		}
		if (c->kind == PCAPSTREAM_T38)
			ps_hostile(c);
		if (c->kind == PCAPSTREAM_AUDIO && c->res != NULL && c->res->outcome == T30SCAN_NO_FAX) {
			t30scan_free(c->scan);   /* a voice call: nothing to keep */
			c->scan = NULL;
			c->res = NULL;
		}
	}
}

static void ps_free_batch(struct ps_ctx *x)
{
	for (size_t i = 0; i < FGW_CAPTURE_BATCH; i++) {
		if (x->cs[i] == NULL)
			continue;
		for (int k = 0; k < 2; k++) {
			if (x->cs[i]->d[k].core != NULL)
				t38_core_free(x->cs[i]->d[k].core);
			faxdemod_free(x->cs[i]->d[k].demod);
		}
		free(x->cs[i]);
		x->cs[i] = NULL;
	}
}

static void ps_free_states(struct ps_ctx *x)
{
	ps_free_batch(x);
	for (size_t i = 0; x->flows != NULL && i < x->n_flows; i++)
		for (int v = 0; v < 2; v++)
			if (x->flows[i].trial[v] != NULL)
				t38_core_free(x->flows[i].trial[v]);
}

/* One pass over the file; fn is called for every UDP datagram. */
static int ps_pass(struct ps_ctx *x, const char *path, bool first,
		   void (*fn)(struct ps_ctx *, const struct capture_udp *), char *err, size_t errlen)
{
	struct capture_udp u;
	struct capture *c = capture_open(path, err, errlen);
	enum capture_err e;

	if (c == NULL)
		return -1;
	while ((e = capture_next(c, &u, x->rep->read_err, sizeof(x->rep->read_err))) == CAPTURE_OK)
		fn(x, &u);
	if (e == CAPTURE_E_READ)
		x->rep->read_error = true;
	if (first) {
		x->rep->stats = *capture_stats(c);
		x->rep->link = capture_link(c);
	}
	capture_free(c);
	return 0;
}

int pcapstream_run(const char *path, const struct pcapstream_opts *o,
		   struct pcapstream_report **out, char *err, size_t errlen)
{
	struct ps_ctx x;
	int rc = -1;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.rep = calloc(1, sizeof(*x.rep));
	x.hash = malloc(PS_HASH_SLOTS * sizeof(*x.hash));
	if (x.rep == NULL || x.hash == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memset(x.hash, 0xFF, PS_HASH_SLOTS * sizeof(*x.hash));   /* all chains empty (-1) */
	if (ps_pass(&x, path, true, ps_discover, err, errlen) < 0)
		goto out;
	x.rep->flows = x.n_flows;
	x.rep->flows_dropped = x.flows_dropped;
	if (ps_classify(&x) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (x.batch = 0; x.batch < x.rep->n_calls; x.batch += FGW_CAPTURE_BATCH) {
		if (ps_setup_calls(&x) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (ps_pass(&x, path, false, ps_decode, err, errlen) < 0)
			goto out;
		ps_finish_calls(&x);
		ps_free_batch(&x);
	}
	*out = x.rep;
	x.rep = NULL;
	rc = 0;
out:
	ps_free_states(&x);
	pcapstream_report_free(x.rep);
	free(x.flows);
	free(x.hash);
	return rc;
}

void pcapstream_report_free(struct pcapstream_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; r->calls != NULL && i < r->n_calls; i++)
		t30scan_free(r->calls[i].scan);
	free(r->calls);
	free(r);
}
