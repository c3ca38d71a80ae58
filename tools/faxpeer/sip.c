/*
 * sip.c - faxpeer over SIP: one call placed (send --sip) or answered
 * (receive --sip-listen) the way an ATA or a PBX does it (DESIGN.md 2b,
 * faxpeer(1)).
 *
 * sofia-sip's nua runs in faxpeer's own thread: the loop calls
 * faxpeer_sip_step() between its 20 ms ticks, which steps the su root
 * without blocking and runs our timers (the T.38 re-INVITE, session
 * refreshes, the retry after a 491).  nua writes no SDP of its own
 * (NUTAG_MEDIA_ENABLE(0)): offers and answers come from gateway/sip/sdp.h
 * and go out as application/sdp payloads; every response to an INVITE
 * carries NUTAG_AUTOANSWER(0) (nua would otherwise answer a re-INVITE by
 * itself).  As the caller we let nua ACK the 200 (NUTAG_AUTOACK(1)): the
 * answer's SDP is in the nua_r_invite event all the same.
 *
 * Offer/answer (RFC 3264): the first answer decides G.711 or T.38; a
 * re-INVITE whose answer keeps the media (sdp_plan_same_media()) is a
 * refresh and leaves the fax alone; one that moves to T.38 replaces the
 * fax_call (T.30 starts over on both sides, as on a real ATA).  A 491 to
 * our re-INVITE (glare) is retried after 2.1-4 s (RFC 3261 14.1) unless
 * the peer's own T.38 offer was taken meanwhile.
 */
#define NUA_MAGIC_T     struct faxpeer_sip
#define NUA_HMAGIC_T    struct faxpeer_sip
#define SU_ROOT_MAGIC_T struct faxpeer_sip

#include "caps.h"
#include "faxpeer.h"
#include "sip_policy.h"
#include "sipcall.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_string.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/url.h>

#define SIP_ALLOW        "INVITE, ACK, BYE, CANCEL, OPTIONS"
#define SIP_AGENT        "faxpeer"
#define SIP_WARN_MAX     (FGW_SDP_MAX_WARNING + 32)
#define SIP_STEP_MS      20            /* root steps while waiting at the end */
/* RFC 3261 14.1: after a 491 the owner of the Call-ID (the caller) waits
 * 2.1-4 s, the other side 0-2 s, so that one of them goes first. */
#define SIP_GLARE_OWNER_MIN_MS 2100
#define SIP_GLARE_OWNER_MAX_MS 4000
#define SIP_GLARE_OTHER_MAX_MS 2000
#define SIP_NS_PER_MS    1000000LL

enum sip_pending { SIP_PENDING_NONE = 0, SIP_PENDING_T38, SIP_PENDING_REFRESH };

struct faxpeer_sip {
	const struct faxpeer_opts *o;
	struct faxpeer_loop *l;
	su_home_t home[1];
	su_root_t *root;
	nua_t *nua;
	nua_handle_t *nh;                   /* the call */
	struct sdp_settings set;
	char addr[FGW_SDP_MAX_ADDR_TEXT];   /* ours, numeric: SDP and media */
	char via[FGW_SDP_MAX_ADDR_TEXT];    /* --media-via's address for our SDP, or "" */
	uint16_t via_port;
	uint64_t sess_id, sess_ver;
	char sdp[FAXPEER_SIP_MAX_SDP];      /* the SDP in force on our side */
	char old_sdp[FAXPEER_SIP_MAX_SDP];  /* before a pending T.38 offer */
	enum sdp_transport offered;         /* our INVITE's offer */
	struct sdp_plan plan;               /* the media in use */
	bool have_plan, via_reinvite, peer_t38;
	enum sip_pending pending;
	int64_t t38_at, retry_at, refresh_at;   /* CLOCK_MONOTONIC ns; 0: not due */
	int64_t bye_at;                     /* the peer's BYE came */
	bool params_set, answered, over, gone, bye_done, shutdown_done, auth_tried;
	bool refused, peer_bye, media_failed;
	int status, t38_refused;            /* final answers: INVITE, T.38 re-INVITE */
	char phrase[64];
	char sulog[512];                    /* sofia-sip's log line being assembled */
	size_t sulog_len;
};

static int64_t sip_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

__attribute__((format(printf, 2, 3)))
static void sip_note(const struct faxpeer_sip *s, const char *fmt, ...)
{
	va_list ap;

	if (s->o->quiet)
		return;
	va_start(ap, fmt);
	fputs("faxpeer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* sofia-sip's own messages (su_log), a line at a time, on stderr like
 * ours ("faxpeer: sofia-sip: ..."); -q silences them. */
static void sip_sofia_log(void *stream, char const *fmt, va_list ap)
{
	struct faxpeer_sip *s = stream;
	size_t room = sizeof(s->sulog) - s->sulog_len;
	int n = vsnprintf(s->sulog + s->sulog_len, room, fmt, ap);
	char *nl;

	if (n < 0)
		return;
	s->sulog_len += (size_t)n < room ? (size_t)n : room - 1;
	while ((nl = memchr(s->sulog, '\n', s->sulog_len)) != NULL ||
	       s->sulog_len == sizeof(s->sulog) - 1) {
		size_t line = nl != NULL ? (size_t)(nl - s->sulog) : s->sulog_len;
		s->sulog[line] = '\0';
		if (line > 0)
			sip_note(s, "sofia-sip: %s", s->sulog);
		line += nl != NULL;
		memmove(s->sulog, s->sulog + line, s->sulog_len - line);
		s->sulog_len -= line;
	}
}

/* Steps the root until *flag or ms have passed (the end of the call). */
static void sip_wait(struct faxpeer_sip *s, const bool *flag, int ms)
{
	int64_t until = sip_now() + ms * SIP_NS_PER_MS;

	while (!*flag && sip_now() < until)
		su_root_step(s->root, SIP_STEP_MS);
}

/* --- SDP ------------------------------------------------------------------------- */

static void sip_settings(struct faxpeer_sip *s)
{
	const struct faxpeer_opts *o = s->o;
	struct sdp_settings *t = &s->set;
	bool alaw = o->call.session.use_alaw;

	memset(t, 0, sizeof(*t));
	t->t38 = o->t38 == FAXPEER_T38_NO ? SDP_T38_NO
	         : o->t38 == FAXPEER_T38_OFFER ? SDP_T38_OFFER : SDP_T38_ACCEPT;
	t->codecs[t->n_codecs++] = alaw ? SDP_CODEC_PCMA : SDP_CODEC_PCMU;
	/* receive takes either law (--codec: the preferred one); send offers
	 * both, or only the one --codec asks for */
	if (o->cmd == FAXPEER_RECEIVE || !o->codec_given)
		t->codecs[t->n_codecs++] = alaw ? SDP_CODEC_PCMU : SDP_CODEC_PCMA;
	t->t38_version = (unsigned)o->call.session.t38_version;
	t->max_rate = o->call.session.max_rate > 0 ? (uint32_t)o->call.session.max_rate : 14400;
	t->udptl_ec = o->call.ec == UDPTL_EC_FEC ? SDP_T38_EC_FEC
	              : o->call.ec == UDPTL_EC_NONE ? SDP_T38_EC_NONE : SDP_T38_EC_REDUNDANCY;
	t->t38_max_datagram = o->call.session.max_datagram > 0
	                      ? (uint32_t)o->call.session.max_datagram : FGW_T38_OUR_DATAGRAM_DEFAULT;
	t->ptime = o->ptime;
}

static struct sdp_local sip_local(const struct faxpeer_sip *s)
{
	struct sdp_local l = { s->addr, faxpeer_media_port(s->l), s->sess_id, s->sess_ver };

	if (s->via[0] != '\0') {        /* a relay in front of our media */
		l.addr = s->via;
		l.port = s->via_port;
	}
	return l;
}

static int sip_write_offer(struct faxpeer_sip *s, enum sdp_transport kind)
{
	struct sdp_local local = sip_local(s);
	enum sdp_err e = sdp_write_offer(&s->set, kind, &local, s->sdp, sizeof(s->sdp), NULL);

	if (e != SDP_OK) {
		fprintf(stderr, "faxpeer: cannot write our SDP offer: %s\n", sdp_strerror(e));
		return -1;
	}
	return 0;
}

/* The plan for the peer's answer to our offer of kind want. */
static int sip_answer_plan(struct faxpeer_sip *s, const sip_t *sip, enum sdp_transport want,
                           struct sdp_plan *plan)
{
	static struct sdp_session sess;     /* large; one thread */
	char why[FGW_MAX_ERROR_TEXT];

	if (sipcall_parse_body(sip, &sess, why, sizeof(why)) < 0) {
		fprintf(stderr, "faxpeer: the answer is unusable: %s\n", why);
		return -1;
	}
	if (sdp_plan_from_answer(&sess, &s->set, want, plan) != SDP_OK) {
		fprintf(stderr, "faxpeer: the answer accepts no %s stream\n",
		        want == SDP_TRANSPORT_T38 ? "T.38" : "G.711");
		return -1;
	}
	return 0;
}

/* --- media ----------------------------------------------------------------------- */

static void sip_schedule(struct faxpeer_sip *s)
{
	int64_t now = sip_now();

	if (s->o->t38 == FAXPEER_T38_OFFER && s->plan.transport == SDP_TRANSPORT_AUDIO && !s->peer_t38)
		s->t38_at = now + FAXPEER_SIP_T38_DELAY_MS * SIP_NS_PER_MS;
	if (s->o->refresh_s > 0 && s->refresh_at == 0)
		s->refresh_at = now + (int64_t)s->o->refresh_s * 1000 * SIP_NS_PER_MS;
}

/* Starts (or switches to) the media of plan; on failure the call ends. */
static void sip_media(struct faxpeer_sip *s, const struct sdp_plan *plan, bool reinvite)
{
	s->plan = *plan;
	s->have_plan = true;
	s->via_reinvite = reinvite;
	if (faxpeer_media_start(s->l, plan) < 0) {
		s->media_failed = true;
		s->over = true;             /* faxpeer_sip_close() says BYE */
		return;
	}
	if (plan->transport == SDP_TRANSPORT_T38) {
		s->t38_at = 0;
		s->retry_at = 0;
	}
}

/* --- answering ------------------------------------------------------------------- */

static void sip_respond(struct faxpeer_sip *s, nua_handle_t *nh, int status, const char *body,
                        const char *warning)
{
	sipcall_respond(s->nua, nh, status, body, warning);
}

/* Decides on the offer in an INVITE: 200 with *ans, or 488 answered here. */
static int sip_decide(struct faxpeer_sip *s, nua_handle_t *nh, const sip_t *sip,
                      struct sdp_session *offer, struct sdp_answer *ans)
{
	char why[FGW_MAX_ERROR_TEXT], warn[SIP_WARN_MAX];
	int code = 399;

	if (sipcall_parse_body(sip, offer, why, sizeof(why)) == 0) {
		if (sdp_answer(offer, &s->set, ans) == SDP_OK)
			return 200;
		snprintf(why, sizeof(why), "%s", ans->warning);
		code = 305;
	}
	sip_policy_warning(warn, sizeof(warn), code, SIP_AGENT, why);
	sip_note(s, "answering an INVITE with 488: %s", why);
	sip_respond(s, nh, 488, NULL, warn);
	return 488;
}

static int sip_write_answer(struct faxpeer_sip *s, const struct sdp_session *offer,
                            const struct sdp_answer *ans)
{
	struct sdp_local local = sip_local(s);

	if (sdp_write_answer(offer, ans, &local, s->sdp, sizeof(s->sdp), NULL) != SDP_OK) {
		fprintf(stderr, "faxpeer: cannot write our SDP answer\n");
		return -1;
	}
	return 0;
}

/* receive: the call we answer (one; others get 486). */
static void sip_on_call(struct faxpeer_sip *s, nua_handle_t *nh, const sip_t *sip)
{
	static struct sdp_session offer;
	static struct sdp_answer ans;

	if (sip_decide(s, nh, sip, &offer, &ans) != 200)
		return;                     /* refused; still waiting for a call */
	if (sip_write_answer(s, &offer, &ans) < 0) {
		sip_respond(s, nh, 500, NULL, NULL);
		return;
	}
	s->nh = nh;
	sip_respond(s, nh, 200, s->sdp, NULL);
	s->answered = true;
	s->status = 200;
	snprintf(s->phrase, sizeof(s->phrase), "OK");
	sip_note(s, "answered a call from %s", sip->sip_from != NULL &&
	         sip->sip_from->a_url->url_host != NULL ? sip->sip_from->a_url->url_host : "?");
	sip_media(s, &ans.plan, false);
	sip_schedule(s);
}

/* A re-INVITE in our dialog: a refresh (same media), or new media. */
static void sip_on_reoffer(struct faxpeer_sip *s, nua_handle_t *nh, const sip_t *sip)
{
	static struct sdp_session offer;
	static struct sdp_answer ans;

	if (sip->sip_payload == NULL || sip->sip_payload->pl_len == 0) {
		/* RFC 3261 14.2: no offer, so the 200 carries ours, the SDP in
		 * force; the answer comes in the ACK.  A refresh that way (some
		 * PBXs send them): the media stay as they are. */
		sip_respond(s, nh, 200, s->sdp, NULL);
		sip_note(s, "re-INVITE without SDP: our SDP offered again, the fax goes on");
		return;
	}
	if (sip_decide(s, nh, sip, &offer, &ans) != 200)
		return;                     /* 488: the call goes on as it was */
	bool same = s->have_plan && sdp_plan_same_media(&ans.plan, &s->plan);
	if (!same)
		s->sess_ver++;              /* RFC 3264 8: a changed SDP, a new version */
	if (sip_write_answer(s, &offer, &ans) < 0) {
		sip_respond(s, nh, 500, NULL, NULL);
		return;
	}
	sip_respond(s, nh, 200, s->sdp, NULL);
	if (same) {
		sip_note(s, "re-INVITE keeps the media: answered, the fax goes on");
		return;
	}
	sip_note(s, "re-INVITE to %s accepted", ans.plan.transport == SDP_TRANSPORT_T38 ? "T.38"
	                                                                                 : "G.711");
	if (ans.plan.transport == SDP_TRANSPORT_T38)
		s->peer_t38 = true;
	sip_media(s, &ans.plan, true);
}

static void sip_on_invite(struct faxpeer_sip *s, nua_handle_t *nh, const sip_t *sip)
{
	if (nh == s->nh && s->answered)
		sip_on_reoffer(s, nh, sip);
	else if (s->nh == NULL && s->o->cmd == FAXPEER_RECEIVE)
		sip_on_call(s, nh, sip);
	else
		sip_respond(s, nh, 486, NULL, NULL);
}

/* --- calling --------------------------------------------------------------------- */

/* A final answer of 300..699 to our INVITE, with its Warning (RFC 3261
 * 20.43) when it has one: always shown, -q or not. */
static void sip_print_refusal(int status, const char *phrase, const sip_t *sip)
{
	const sip_warning_t *w = sip != NULL ? sip->sip_warning : NULL;

	fprintf(stderr, "faxpeer: INVITE answered %d %s", status, phrase != NULL ? phrase : "");
	if (w != NULL)
		fprintf(stderr, " (Warning: %u %s \"%s\")", w->w_code, w->w_host ? w->w_host : "",
		        w->w_text ? w->w_text : "");
	fputc('\n', stderr);
}

/* 401/407 with --user/--password: answer the digest challenge once. */
static bool sip_authenticate(struct faxpeer_sip *s, const sip_t *sip)
{
	const msg_auth_t *au = sip == NULL ? NULL
	                       : sip->sip_www_authenticate != NULL ? sip->sip_www_authenticate
	                       : sip->sip_proxy_authenticate;
	const char *realm = au != NULL ? msg_params_find(au->au_params, "realm=") : NULL;
	char cred[FGW_MAX_SIP_URI * 2];

	if (s->o->user == NULL || s->o->password == NULL || s->auth_tried || realm == NULL)
		return false;
	s->auth_tried = true;
	/* "Digest:\"realm\":user:password"; realm= comes quoted */
	snprintf(cred, sizeof(cred), "%s:%s%s%s:%s:%s", au->au_scheme, realm[0] == '"' ? "" : "\"",
	         realm, realm[0] == '"' ? "" : "\"", s->o->user, s->o->password);
	nua_authenticate(s->nh, NUTAG_AUTH(cred), TAG_END());
	sip_note(s, "answering the %s challenge of realm %s", au->au_scheme, realm);
	return true;
}

/* The final answer to our INVITE. */
static void sip_on_answer(struct faxpeer_sip *s, int status, const char *phrase, const sip_t *sip)
{
	struct sdp_plan plan;

	s->status = status;
	snprintf(s->phrase, sizeof(s->phrase), "%s", phrase != NULL ? phrase : "");
	if (status >= 300) {
		if ((status == 401 || status == 407) && sip_authenticate(s, sip))
			return;
		sip_print_refusal(status, phrase, sip);
		s->refused = true;
		s->over = true;
		return;
	}
	s->answered = true;
	sip_note(s, "call answered: %d %s (%s)", status, s->phrase,
	         sip != NULL && sip->sip_via != NULL && sip->sip_via->v_protocol != NULL
	         ? sip->sip_via->v_protocol : "?");
	if (sip_answer_plan(s, sip, s->offered, &plan) < 0) {
		s->refused = true;
		s->over = true;             /* the dialog is up: faxpeer_sip_close() says BYE */
		return;
	}
	sip_media(s, &plan, false);
	sip_schedule(s);
}

static int sip_glare_ms(const struct faxpeer_sip *s)
{
	if (s->o->cmd == FAXPEER_SEND)
		return SIP_GLARE_OWNER_MIN_MS +
		       (int)(random() % (SIP_GLARE_OWNER_MAX_MS - SIP_GLARE_OWNER_MIN_MS + 1));
	return (int)(random() % (SIP_GLARE_OTHER_MAX_MS + 1));
}

/* The final answer to our re-INVITE. */
static void sip_on_reanswer(struct faxpeer_sip *s, int status, const char *phrase, const sip_t *sip)
{
	enum sip_pending p = s->pending;
	struct sdp_plan plan;

	s->pending = SIP_PENDING_NONE;
	if (p == SIP_PENDING_REFRESH) {
		sip_note(s, "session refresh answered %d %s", status, phrase != NULL ? phrase : "");
		return;
	}
	if (p != SIP_PENDING_T38)
		return;
	if (s->peer_t38) {
		/* glare the other way round: the peer's T.38 offer was taken while
		 * ours was pending; its answer is the SDP in force now */
		sip_note(s, "our T.38 re-INVITE answered %d: the peer's T.38 offer was taken already",
		         status);
		return;
	}
	if (status < 300 && sip_answer_plan(s, sip, SDP_TRANSPORT_T38, &plan) == 0) {
		sip_note(s, "T.38 re-INVITE accepted: switching to T.38");
		sip_media(s, &plan, true);
		return;
	}
	memcpy(s->sdp, s->old_sdp, sizeof(s->sdp));   /* the old SDP stays in force */
	s->sess_ver--;
	if (status == 491 && !s->peer_t38 && s->plan.transport == SDP_TRANSPORT_AUDIO) {
		int ms = sip_glare_ms(s);
		s->retry_at = sip_now() + ms * SIP_NS_PER_MS;
		sip_note(s, "T.38 re-INVITE: 491, trying again in %d ms", ms);
		return;
	}
	s->t38_refused = status;
	sip_note(s, "T.38 re-INVITE answered %d %s: staying on G.711", status,
	         phrase != NULL ? phrase : "");
}

static void sip_on_r_invite(struct faxpeer_sip *s, int status, const char *phrase, const sip_t *sip)
{
	if (status < 200)
		return;
	if (!s->answered)
		sip_on_answer(s, status, phrase, sip);
	else
		sip_on_reanswer(s, status, phrase, sip);
}

/* Our re-INVITE: a T.38 offer (new o= version) or a session refresh with
 * the SDP in force (same version: RFC 3264 8, nothing changes). */
static void sip_reinvite(struct faxpeer_sip *s, enum sip_pending what)
{
	if (what == SIP_PENDING_T38) {
		memcpy(s->old_sdp, s->sdp, sizeof(s->sdp));
		s->sess_ver++;
		if (sip_write_offer(s, SDP_TRANSPORT_T38) < 0) {
			memcpy(s->sdp, s->old_sdp, sizeof(s->sdp));
			s->sess_ver--;
			return;
		}
		sip_note(s, "sending a T.38 re-INVITE");
	} else {
		sip_note(s, "sending a session refresh re-INVITE");
	}
	s->pending = what;
	nua_invite(s->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(s->sdp),
	           TAG_END());
}

static void sip_timers(struct faxpeer_sip *s)
{
	int64_t now = sip_now();

	if (!s->answered || s->over || s->nh == NULL || faxpeer_media_done(s->l))
		return;
	if (s->pending != SIP_PENDING_NONE)
		return;
	if ((s->t38_at != 0 && now >= s->t38_at) || (s->retry_at != 0 && now >= s->retry_at)) {
		s->t38_at = s->retry_at = 0;
		if (s->plan.transport == SDP_TRANSPORT_AUDIO && !s->peer_t38)
			sip_reinvite(s, SIP_PENDING_T38);
		return;
	}
	if (s->refresh_at != 0 && now >= s->refresh_at) {
		s->refresh_at = now + (int64_t)s->o->refresh_s * 1000 * SIP_NS_PER_MS;
		sip_reinvite(s, SIP_PENDING_REFRESH);
	}
}

/* --- events ---------------------------------------------------------------------- */

static void sip_on_state(struct faxpeer_sip *s, nua_handle_t *nh, tagi_t tags[])
{
	int state = nua_callstate_init;

	tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
	if (state != nua_callstate_terminated)
		return;
	if (nh == s->nh) {
		s->gone = true;
		s->over = s->over || !s->peer_bye;   /* after a BYE: the grace below */
	} else {
		nua_handle_destroy(nh);      /* a call we refused */
	}
}

static void sip_on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
                         struct faxpeer_sip *s, nua_handle_t *nh, struct faxpeer_sip *hs,
                         sip_t const *sip, tagi_t tags[])
{
	(void)nua;
	(void)hs;
	switch (event) {
	case nua_r_set_params: s->params_set = true; break;
	case nua_i_invite: sip_on_invite(s, nh, sip); break;
	case nua_r_invite: if (nh == s->nh) sip_on_r_invite(s, status, phrase, sip); break;
	case nua_i_bye:
		if (nh == s->nh) {
			sip_note(s, "the far end hung up (BYE)");
			s->peer_bye = true;
			s->bye_at = sip_now();
		}
		break;
	case nua_r_bye: if (status >= 200) s->bye_done = true; break;
	case nua_i_cancel: if (nh == s->nh) s->over = true; break;
	case nua_i_state: sip_on_state(s, nh, tags); break;
	case nua_r_shutdown: if (status >= 200) s->shutdown_done = true; break;
	default: break;
	}
}

/* --- set-up ---------------------------------------------------------------------- */

/* Numeric text of a socket address, without the port. */
static int sip_numeric(const struct sockaddr_storage *ss, char *out, size_t size)
{
	const void *a = ss->ss_family == AF_INET6
	                ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
	                : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	return inet_ntop(ss->ss_family, a, out, (socklen_t)size) != NULL ? 0 : -1;
}

static uint16_t sip_port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
	                                       : ((const struct sockaddr_in *)ss)->sin_port);
}

/* Our address towards the URI's host: what the kernel would send from. */
static int sip_route_addr(struct faxpeer_sip *s)
{
	url_t *u = url_hdup(s->home, (url_t *)s->o->sip_uri);
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_ADDRCONFIG }, *ai = NULL;
	struct sockaddr_storage me;
	socklen_t len = sizeof(me);
	char host[FAXPEER_MAX_HOST];
	int fd = -1, rc = -1;

	if (u == NULL || u->url_host == NULL || (u->url_type != url_sip && u->url_type != url_sips)) {
		fprintf(stderr, "faxpeer: --sip: '%s' is not a sip: URI\n", s->o->sip_uri);
		return -1;
	}
	snprintf(host, sizeof(host), "%s", u->url_host[0] == '[' ? u->url_host + 1 : u->url_host);
	host[strcspn(host, "]")] = '\0';
	if (getaddrinfo(host, u->url_port != NULL ? u->url_port : "5060", &hints, &ai) != 0 || ai == NULL) {
		fprintf(stderr, "faxpeer: --sip: cannot resolve '%s'\n", host);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&me, &len) == 0)
		rc = sip_numeric(&me, s->addr, sizeof(s->addr));
	if (rc < 0)
		fprintf(stderr, "faxpeer: --sip: no route to '%s'\n", host);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

/* --local ADDR[:PORT] or --sip-listen ADDR:PORT, numeric into s->addr. */
static int sip_given_addr(struct faxpeer_sip *s, const char *text, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[FAXPEER_MAX_HOST + 16], err[FGW_MAX_ERROR_TEXT];
	const char *rb = strrchr(text, ']');
	const char *colon = strrchr(text, ':');

	/* ADDR alone: "127.0.0.1", "[::1]" */
	bool bare = rb != NULL ? rb[1] == '\0' : colon == NULL;
	snprintf(buf, sizeof(buf), bare ? "%s:0" : "%s", text);
	if (faxpeer_addr_parse(buf, true, true, &ss, &len, err, sizeof(err)) < 0 ||
	    sip_numeric(&ss, s->addr, sizeof(s->addr)) < 0) {
		fprintf(stderr, "faxpeer: %s: %s\n", text, err);
		return -1;
	}
	if (strcmp(s->addr, "0.0.0.0") == 0 || strcmp(s->addr, "::") == 0) {
		/* it goes into c= of our SDP, where 0.0.0.0 means "on hold" */
		fprintf(stderr, "faxpeer: %s: give the address the peer reaches us at, not a "
		        "wildcard\n", text);
		return -1;
	}
	*port = sip_port_of(&ss);
	return 0;
}

/* --media-via, as it goes into our SDP. */
static int sip_via(struct faxpeer_sip *s)
{
	struct sockaddr_storage ss;

	if (faxpeer_media_via(s->l, &ss) < 0)
		return 0;
	if (sip_numeric(&ss, s->via, sizeof(s->via)) < 0)
		return -1;
	s->via_port = sip_port_of(&ss);
	return 0;
}

/* The address nua listens on: "sip:ADDR:PORT" ("*": any port). */
static void sip_contact(const struct faxpeer_sip *s, uint16_t port, char *out, size_t size)
{
	bool v6 = strchr(s->addr, ':') != NULL;

	if (port != 0)
		snprintf(out, size, v6 ? "sip:[%s]:%u" : "sip:%s:%u", s->addr, (unsigned)port);
	else
		snprintf(out, size, v6 ? "sip:[%s]:*" : "sip:%s:*", s->addr);
}

static int sip_start_nua(struct faxpeer_sip *s, uint16_t sip_port)
{
	char url[FGW_MAX_SIP_URI];
	bool set = false;

	sip_contact(s, sip_port, url, sizeof(url));
	s->root = su_root_create(s);
	if (s->root == NULL)
		return -1;
	s->nua = nua_create(s->root, sip_on_event, s, NUTAG_URL(url), TAG_END());
	if (s->nua == NULL) {
		fprintf(stderr, "faxpeer: cannot start SIP on %s (in use?)\n", url);
		return -1;
	}
	nua_set_params(s->nua, NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0), NUTAG_AUTOACK(1),
	               NUTAG_MEDIA_ENABLE(0), SIPTAG_ALLOW_STR(SIP_ALLOW),
	               SIPTAG_USER_AGENT_STR(SIP_AGENT), TAG_END());
	sip_wait(s, &s->params_set, 2000);
	set = s->params_set;
	if (!set)
		fprintf(stderr, "faxpeer: the SIP stack did not take its settings\n");
	return set ? 0 : -1;
}

static int sip_invite(struct faxpeer_sip *s)
{
	char from[FGW_MAX_SIP_URI], to[FGW_MAX_SIP_URI + 2];
	bool v6 = strchr(s->addr, ':') != NULL;

	s->offered = s->o->t38 == FAXPEER_T38_DIRECT ? SDP_TRANSPORT_T38 : SDP_TRANSPORT_AUDIO;
	if (sip_write_offer(s, s->offered) < 0)
		return -1;
	snprintf(from, sizeof(from), v6 ? "<sip:faxpeer@[%s]>" : "<sip:faxpeer@%s>", s->addr);
	/* in <>: ";transport=tcp" belongs to the URI, not to the To header */
	if (snprintf(to, sizeof(to), "<%s>", s->o->sip_uri) >= (int)sizeof(to)) {
		fprintf(stderr, "faxpeer: --sip: the URI is too long\n");
		return -1;
	}
	s->nh = nua_handle(s->nua, s, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
	if (s->nh == NULL) {
		fprintf(stderr, "faxpeer: --sip: nua refused '%s'\n", s->o->sip_uri);
		return -1;
	}
	nua_invite(s->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(s->sdp),
	           TAG_END());
	sip_note(s, "calling %s (%s offer)", s->o->sip_uri,
	         s->offered == SDP_TRANSPORT_T38 ? "T.38" : "G.711");
	return 0;
}

/* Addresses, the media socket, nua; for send the INVITE. */
static int sip_setup(struct faxpeer_sip *s)
{
	const struct faxpeer_opts *o = s->o;
	uint16_t media_port = 0, sip_port = 0;
	int rc;

	if (o->cmd == FAXPEER_SEND)
		rc = o->local != NULL ? sip_given_addr(s, o->local, &media_port) : sip_route_addr(s);
	else
		rc = sip_given_addr(s, o->sip_listen, &sip_port);
	if (rc < 0 || faxpeer_media_bind(s->l, s->addr, media_port) < 0 || sip_via(s) < 0)
		return -1;
	if (sip_start_nua(s, sip_port) < 0)
		return -1;
	if (o->cmd == FAXPEER_RECEIVE) {
		sip_note(s, "listening on %s (SIP, media port %u)", o->sip_listen,
		         (unsigned)faxpeer_media_port(s->l));
		return 0;
	}
	return sip_invite(s);
}

struct faxpeer_sip *faxpeer_sip_open(const struct faxpeer_opts *o, struct faxpeer_loop *l)
{
	struct faxpeer_sip *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		fprintf(stderr, "faxpeer: out of memory\n");
		return NULL;
	}
	s->o = o;
	s->l = l;
	su_init();
	su_log_redirect(NULL, sip_sofia_log, s);
	su_home_init(s->home);
	srandom((unsigned)(sip_now() ^ getpid()));
	s->sess_id = (uint64_t)time(NULL);
	s->sess_ver = 1;
	sip_settings(s);
	if (sip_setup(s) < 0) {
		faxpeer_sip_close(s, NULL);
		return NULL;
	}
	return s;
}

void faxpeer_sip_step(struct faxpeer_sip *s)
{
	su_root_step(s->root, 0);
	sip_timers(s);
}

/* After the peer's BYE our T.30 may still be finishing what it sent (the
 * DCN of a sender whose receiver hung up as soon as it had heard it): the
 * call runs on for at most FAXPEER_SIP_BYE_GRACE_MS, then is hung up. */
bool faxpeer_sip_over(const struct faxpeer_sip *s)
{
	if (s->over)
		return true;
	return s->peer_bye && (faxpeer_media_done(s->l) ||
	                       sip_now() - s->bye_at >= FAXPEER_SIP_BYE_GRACE_MS * SIP_NS_PER_MS);
}

/* --- the end --------------------------------------------------------------------- */

static void sip_transport(const struct faxpeer_sip *s, char *out, size_t size)
{
	const struct sdp_plan *p = &s->plan;

	if (!s->have_plan)
		snprintf(out, size, "no media");
	else if (p->transport == SDP_TRANSPORT_T38)
		snprintf(out, size, "t38 v%u%s", p->t38.version, s->via_reinvite ? " after re-INVITE" : "");
	else if (s->t38_refused != 0)
		snprintf(out, size, "g711 %s ptime %u, T.38 refused %d",
		         p->law == SDP_CODEC_PCMA ? "pcma" : "pcmu", p->ptime, s->t38_refused);
	else
		snprintf(out, size, "g711 %s ptime %u", p->law == SDP_CODEC_PCMA ? "pcma" : "pcmu",
		         p->ptime);
}

static void sip_outcome(const struct faxpeer_sip *s, struct faxpeer_outcome *out)
{
	out->sip = true;
	out->sip_status = s->status;
	snprintf(out->sip_phrase, sizeof(out->sip_phrase), "%s", s->phrase);
	sip_transport(s, out->transport, sizeof(out->transport));
	out->sip_refused = s->refused;
	out->peer_bye = s->peer_bye;
	out->sip_media_failed = s->media_failed;
}

/* Ends the dialog: BYE when it is up, CANCEL while our INVITE rings. */
static void sip_hangup(struct faxpeer_sip *s)
{
	if (s->nh == NULL || s->gone || s->peer_bye)
		return;
	if (s->answered) {
		sip_note(s, "sending BYE");
		nua_bye(s->nh, TAG_END());
		sip_wait(s, &s->bye_done, FAXPEER_SIP_BYE_WAIT_MS);
	} else if (s->o->cmd == FAXPEER_SEND && !s->refused) {
		nua_cancel(s->nh, TAG_END());
		sip_wait(s, &s->gone, FAXPEER_SIP_BYE_WAIT_MS);
	}
}

void faxpeer_sip_close(struct faxpeer_sip *s, struct faxpeer_outcome *out)
{
	if (s == NULL)
		return;
	if (out != NULL)
		sip_outcome(s, out);
	if (s->nua != NULL) {
		sip_hangup(s);
		if (s->nh != NULL)
			nua_handle_destroy(s->nh);
		s->nh = NULL;
		nua_shutdown(s->nua);
		sip_wait(s, &s->shutdown_done, FAXPEER_SIP_SHUTDOWN_MS);
		nua_destroy(s->nua);
	}
	if (s->root != NULL)
		su_root_destroy(s->root);
	su_home_deinit(s->home);
	su_log_redirect(NULL, NULL, NULL);     /* back to stderr before s goes */
	su_deinit();
	free(s);
}
