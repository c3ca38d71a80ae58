/*
 * sip.c - the signalling of faxbench --transport sip: each sender thread
 * places its channels' calls to faxgwd's one sip port over SIP (RFC 3261)
 * with one sofia-sip nua of its own, stepped from the thread's loop
 * without blocking (su_root_step(root, 0)), as faxpeer steps its nua
 * between ticks.
 *
 * A call: INVITE offering G.711 PCMU audio (gateway/sip's SDP writer);
 * faxgwd answers 200 and the G.711 fax starts; faxgwd's port has
 * `t38 = offer`, so it then sends a re-INVITE with an image-only T.38
 * offer, which we answer (sdp_answer(), as faxpeer does) and the media
 * move to T.38: load.c replaces the channel's fax_call (T.30 starts over
 * on both sides).  BYE when the fax is over, unless faxgwd said it first.
 * nua writes no SDP of its own (NUTAG_MEDIA_ENABLE(0)) and every response
 * to an INVITE carries NUTAG_AUTOANSWER(0) (NOTES.md: nua would otherwise
 * answer a T.38 re-INVITE by itself).
 *
 * Times kept per call (CLOCK_MONOTONIC): the INVITE handed to nua (sent
 * on the same step), its 200 seen, and the ACK of our 200 to the T.38
 * re-INVITE (the re-INVITE's completion).  The loop steps the root every
 * FB_SIP_POLL_MS, so each is within that of the event.
 *
 * Threads: a struct fb_sip, its root, nua, handles and calls belong to
 * the sender thread that opened it; nothing here is shared.
 */
#define NUA_MAGIC_T     struct fb_sip
#define NUA_HMAGIC_T    struct fb_sip_call
#define SU_ROOT_MAGIC_T struct fb_sip

#include "caps.h"
#include "faxbench.h"
#include "sip_policy.h"
#include "sipcall.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_status.h>
#include <tiffio.h>

#define FB_SIP_ALLOW       "INVITE, ACK, BYE, CANCEL, OPTIONS"
#define FB_SIP_AGENT       "faxbench"
#define FB_SIP_USER        "bench"       /* the sip-user of faxgwd's port (daemon.c) */
#define FB_SIP_ADDR        "127.0.0.1"
#define FB_SIP_MAX_SDP     2048
#define FB_SIP_WARN_MAX    (FGW_SDP_MAX_WARNING + 32)
#define FB_SIP_SETUP_MS    2000          /* nua takes its settings within this */
#define FB_SIP_CLOSE_MS    4000          /* BYEs answered and nua shut down within this */
#define FB_SIP_WAIT_STEP_MS 20
#define FB_SIP_BYE_GRACE_MS 2000         /* faxgwd's BYE: our T.30 may finish meanwhile */
#define FB_SIP_NS_PER_MS   1000000LL

struct fb_sip_call {
	struct fb_sip *s;
	nua_handle_t *nh;
	uint16_t media_port;
	uint64_t sess_ver;
	bool answered, failed, failure_told, media_new, peer_bye, hung_up, bye_done, gone;
	bool t38_pending;                 /* our 200 to a T.38 re-INVITE awaits its ACK */
	struct sdp_plan plan;             /* the media in force */
	int64_t invite_ns, ok_ns, t38_ns, bye_at;
	char sdp[FB_SIP_MAX_SDP];         /* the SDP in force on our side */
	char why[FB_MAX_TEXT];
};

struct fb_sip {
	su_home_t home[1];
	su_root_t *root;
	nua_t *nua;
	bool params_set, shutdown_done;
	bool verbose;
	struct sdp_settings set;
	char uri[FGW_MAX_SIP_URI];        /* faxgwd's port: sip:bench@127.0.0.1:PORT */
	uint64_t sess_id;
	unsigned ncalls;
	struct fb_sip_call *calls;
	struct sdp_session offer;         /* scratch for one message (large) */
	struct sdp_answer ans;
};

static pthread_once_t fb_sip_once = PTHREAD_ONCE_INIT;
static int fb_sip_init_rc;

/* sofia-sip's own log lines are not ours to print (faxpeer shows them;
 * a benchmark of hundreds of calls would drown in them). */
static void fb_sip_sofia_log(void *stream, char const *fmt, va_list ap)
{
	(void)stream;
	(void)fmt;
	(void)ap;
}

static void fb_sip_init_once(void)
{
	fb_sip_init_rc = su_init();
	su_log_redirect(NULL, fb_sip_sofia_log, NULL);
}

static void fb_sip_set_why(struct fb_sip_call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fb_sip_set_why(struct fb_sip_call *c, const char *fmt, ...)
{
	va_list ap;

	c->failed = true;
	if (c->why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

/* --- offer/answer -------------------------------------------------------------- */

static struct sdp_local fb_sip_local(const struct fb_sip *s, const struct fb_sip_call *c)
{
	struct sdp_local l = { FB_SIP_ADDR, c->media_port, s->sess_id, c->sess_ver };

	return l;
}

static void fb_sip_respond(struct fb_sip *s, nua_handle_t *nh, int status, const char *body,
			   const char *warning)
{
	sipcall_respond(s->nua, nh, status, body, warning);
}

/* The 200 to our INVITE: the plan of its SDP answer (G.711). */
static void fb_sip_on_answer(struct fb_sip *s, struct fb_sip_call *c, int status,
			     const char *phrase, const sip_t *sip)
{
	char why[FGW_MAX_ERROR_TEXT];

	if (status >= 300) {
		fb_sip_set_why(c, "INVITE answered %d %s", status, phrase != NULL ? phrase : "");
		return;
	}
	c->answered = true;
	c->ok_ns = fb_load_now();
	if (sipcall_parse_body(sip, &s->offer, why, sizeof(why)) < 0) {
		fb_sip_set_why(c, "the answer is unusable: %.200s", why);
		return;
	}
	if (sdp_plan_from_answer(&s->offer, &s->set, SDP_TRANSPORT_AUDIO, &c->plan) != SDP_OK) {
		fb_sip_set_why(c, "the answer accepts no G.711 stream");
		return;
	}
	c->media_new = true;
}

/* faxgwd's re-INVITE: T.38 (new media) or a refresh (the same). */
static void fb_sip_on_reoffer(struct fb_sip *s, struct fb_sip_call *c, nua_handle_t *nh,
			      const sip_t *sip)
{
	struct sdp_local local;
	char why[FGW_MAX_ERROR_TEXT] = "", warn[FB_SIP_WARN_MAX];
	bool same;

	if (sipcall_parse_body(sip, &s->offer, why, sizeof(why)) < 0 ||
	    sdp_answer(&s->offer, &s->set, &s->ans) != SDP_OK) {
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "%s", s->ans.warning);
		sip_policy_warning(warn, sizeof(warn), 305, FB_SIP_AGENT, why);
		fb_sip_respond(s, nh, 488, NULL, warn);
		return;
	}
	same = sdp_plan_same_media(&s->ans.plan, &c->plan);
	if (!same)
		c->sess_ver++;               /* RFC 3264 8: a changed SDP, a new version */
	local = fb_sip_local(s, c);
	if (sdp_write_answer(&s->offer, &s->ans, &local, c->sdp, sizeof(c->sdp), NULL) != SDP_OK) {
		fb_sip_respond(s, nh, 500, NULL, NULL);
		return;
	}
	fb_sip_respond(s, nh, 200, c->sdp, NULL);
	if (same)
		return;
	c->plan = s->ans.plan;
	c->media_new = true;
	if (c->plan.transport == SDP_TRANSPORT_T38) {
		c->t38_pending = true;
		c->t38_ns = fb_load_now();   /* the ACK, when it comes, is the end */
	}
}

static void fb_sip_on_invite(struct fb_sip *s, struct fb_sip_call *c, nua_handle_t *nh,
			     const sip_t *sip)
{
	if (c != NULL && nh == c->nh && c->answered && !c->hung_up)
		fb_sip_on_reoffer(s, c, nh, sip);
	else
		fb_sip_respond(s, nh, 486, NULL, NULL);   /* nobody calls the bench */
}

/* --- events ---------------------------------------------------------------------- */

static void fb_sip_on_state(struct fb_sip_call *c, nua_handle_t *nh, tagi_t tags[])
{
	int state = nua_callstate_init;

	tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
	if (state != nua_callstate_terminated)
		return;
	if (c != NULL && nh == c->nh) {
		c->gone = true;
		if (!c->answered)
			fb_sip_set_why(c, "the call ended before it was answered");
	} else if (c == NULL) {
		nua_handle_destroy(nh);      /* a call we refused */
	}
}

static void fb_sip_on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
			    struct fb_sip *s, nua_handle_t *nh, struct fb_sip_call *c,
			    sip_t const *sip, tagi_t tags[])
{
	(void)nua;
	if (c != NULL && nh != c->nh)
		c = NULL;                    /* a handle of an earlier call of the slot */
	switch (event) {
	case nua_r_set_params: s->params_set = true; break;
	case nua_r_shutdown: if (status >= 200) s->shutdown_done = true; break;
	case nua_i_invite: fb_sip_on_invite(s, c, nh, sip); break;
	case nua_r_invite:
		if (c != NULL && status >= 200 && !c->answered)
			fb_sip_on_answer(s, c, status, phrase, sip);
		break;
	case nua_i_ack:
		if (c != NULL && c->t38_pending) {
			c->t38_pending = false;
			c->t38_ns = fb_load_now();
		}
		break;
	case nua_i_bye:
		if (c != NULL) {
			c->peer_bye = true;
			c->bye_at = fb_load_now();
		}
		break;
	case nua_r_bye: if (c != NULL && status >= 200) c->bye_done = true; break;
	case nua_i_state: fb_sip_on_state(c, nh, tags); break;
	default: break;
	}
}

/* --- set-up and tear-down ---------------------------------------------------------- */

static void fb_sip_settings(struct fb_sip *s, const struct fb_run *run)
{
	struct sdp_settings *t = &s->set;

	memset(t, 0, sizeof(*t));
	t->t38 = SDP_T38_ACCEPT;         /* faxgwd's port offers T.38 (t38 = offer) */
	t->codecs[t->n_codecs++] = SDP_CODEC_PCMU;
	t->t38_version = 0;              /* as the t38 transport's ports (daemon.c) */
	t->max_rate = run->o.max_rate > 0 ? (uint32_t)run->o.max_rate : 14400;
	t->udptl_ec = SDP_T38_EC_REDUNDANCY;
	t->t38_max_datagram = FGW_T38_OUR_DATAGRAM_DEFAULT;
	t->ptime = FGW_TICK_MS;
}

/* Steps the root until *flag or ms have passed. */
static void fb_sip_wait(struct fb_sip *s, const bool *flag, int ms)
{
	int64_t until = fb_load_now() + ms * FB_SIP_NS_PER_MS;

	while (!*flag && fb_load_now() < until)
		su_root_step(s->root, FB_SIP_WAIT_STEP_MS);
}

struct fb_sip *fb_sip_open(const struct fb_run *run, uint16_t server_port, unsigned ncalls,
			   char *err, size_t errlen)
{
	struct fb_sip *s;

	if (ncalls == 0 || ncalls > FB_MAX_SIP_CHANNELS) {
		snprintf(err, errlen, "sip: %u calls on one thread (1 to %d)", ncalls,
			 FB_MAX_SIP_CHANNELS);
		return NULL;
	}
	pthread_once(&fb_sip_once, fb_sip_init_once);
	if (fb_sip_init_rc != 0 || (s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "sip: cannot initialise sofia-sip");
		return NULL;
	}
	su_home_init(s->home);
	s->verbose = run->o.verbose;
	s->ncalls = ncalls;
	s->sess_id = (uint64_t)time(NULL);
	fb_sip_settings(s, run);
	snprintf(s->uri, sizeof(s->uri), "<sip:%s@%s:%u>", FB_SIP_USER, FB_SIP_ADDR,
		 (unsigned)server_port);
	s->calls = calloc(ncalls, sizeof(*s->calls));
	s->root = s->calls != NULL ? su_root_create(s) : NULL;
	if (s->root != NULL)
		s->nua = nua_create(s->root, fb_sip_on_event, s,
				    NUTAG_URL("sip:" FB_SIP_ADDR ":*;transport=udp"), TAG_END());
	if (s->nua == NULL) {
		snprintf(err, errlen, "sip: cannot start a SIP stack on %s", FB_SIP_ADDR);
		fb_sip_close(s);
		return NULL;
	}
	nua_set_params(s->nua, NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0), NUTAG_AUTOACK(1),
		       NUTAG_MEDIA_ENABLE(0), SIPTAG_ALLOW_STR(FB_SIP_ALLOW),
		       SIPTAG_USER_AGENT_STR(FB_SIP_AGENT), TAG_END());
	fb_sip_wait(s, &s->params_set, FB_SIP_SETUP_MS);
	if (!s->params_set) {
		snprintf(err, errlen, "sip: the SIP stack did not take its settings");
		fb_sip_close(s);
		return NULL;
	}
	for (unsigned k = 0; k < ncalls; k++)
		s->calls[k].s = s;
	return s;
}

/* True while a call of the thread still waits for the answer to its BYE. */
static bool fb_sip_byes_out(const struct fb_sip *s)
{
	for (unsigned k = 0; k < s->ncalls; k++) {
		const struct fb_sip_call *c = &s->calls[k];
		if (c->nh != NULL && c->hung_up && !c->bye_done && !c->gone)
			return true;
	}
	return false;
}

void fb_sip_close(struct fb_sip *s)
{
	if (s == NULL)
		return;
	if (s->nua != NULL) {
		for (unsigned k = 0; k < s->ncalls; k++)
			fb_sip_hangup(s, k);
		for (int64_t until = fb_load_now() + FB_SIP_CLOSE_MS * FB_SIP_NS_PER_MS;
		     fb_sip_byes_out(s) && fb_load_now() < until;)
			su_root_step(s->root, FB_SIP_WAIT_STEP_MS);
		for (unsigned k = 0; k < s->ncalls; k++)
			if (s->calls[k].nh != NULL)
				nua_handle_destroy(s->calls[k].nh);
		nua_shutdown(s->nua);
		fb_sip_wait(s, &s->shutdown_done, FB_SIP_CLOSE_MS);
		nua_destroy(s->nua);
	}
	if (s->root != NULL)
		su_root_destroy(s->root);
	su_home_deinit(s->home);
	free(s->calls);
	free(s);
}

/* --- calls ------------------------------------------------------------------------- */

int fb_sip_invite(struct fb_sip *s, unsigned k, uint16_t media_port)
{
	struct fb_sip_call *c;
	struct sdp_local local;
	enum sdp_err e;

	if (k >= s->ncalls)
		return -1;
	c = &s->calls[k];
	if (c->nh != NULL)
		nua_handle_destroy(c->nh);   /* the slot's previous call (--duration) */
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->media_port = media_port;
	c->sess_ver = 1;
	local = fb_sip_local(s, c);
	e = sdp_write_offer(&s->set, SDP_TRANSPORT_AUDIO, &local, c->sdp, sizeof(c->sdp), NULL);
	if (e != SDP_OK) {
		fb_sip_set_why(c, "cannot write our SDP offer: %s", sdp_strerror(e));
		return -1;
	}
	c->nh = nua_handle(s->nua, c, SIPTAG_TO_STR(s->uri),
			   SIPTAG_FROM_STR("<sip:faxbench@" FB_SIP_ADDR ">"), TAG_END());
	if (c->nh == NULL) {
		fb_sip_set_why(c, "nua refused %s", s->uri);
		return -1;
	}
	c->invite_ns = fb_load_now();
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(c->sdp),
		   TAG_END());
	return 0;
}

void fb_sip_step(struct fb_sip *s)
{
	/* one step serves what one poll of the root's sockets found; a few
	 * in a row take what arrived together without blocking */
	for (int i = 0; i < 4; i++)
		su_root_step(s->root, 0);
}

enum fb_sip_event fb_sip_poll(struct fb_sip *s, unsigned k, struct sdp_plan *plan, char *why,
			      size_t len)
{
	struct fb_sip_call *c;

	if (k >= s->ncalls || (c = &s->calls[k])->nh == NULL)
		return FB_SIP_NONE;
	if (c->failed) {
		if (c->failure_told)
			return FB_SIP_NONE;
		c->failure_told = true;
		snprintf(why, len, "%s", c->why);
		return FB_SIP_FAILED;
	}
	if (c->media_new) {
		c->media_new = false;
		*plan = c->plan;
		return FB_SIP_MEDIA;
	}
	if ((c->peer_bye || c->gone) && !c->hung_up &&
	    fb_load_now() - c->bye_at >= FB_SIP_BYE_GRACE_MS * FB_SIP_NS_PER_MS) {
		c->hung_up = true;
		return FB_SIP_HUNG_UP;
	}
	return FB_SIP_NONE;
}

void fb_sip_hangup(struct fb_sip *s, unsigned k)
{
	struct fb_sip_call *c;

	if (k >= s->ncalls)
		return;
	c = &s->calls[k];
	/* nothing to end: over already, or refused (a final answer came) */
	if (c->nh == NULL || c->gone || c->peer_bye || c->hung_up || (!c->answered && c->failed))
		return;
	c->hung_up = true;
	if (c->answered)
		nua_bye(c->nh, TAG_END());
	else
		nua_cancel(c->nh, TAG_END());
}

void fb_sip_times(const struct fb_sip *s, unsigned k, int64_t *setup_ns, int64_t *t38_ns)
{
	const struct fb_sip_call *c;

	*setup_ns = *t38_ns = -1;
	if (k >= s->ncalls || !(c = &s->calls[k])->answered)
		return;
	*setup_ns = c->ok_ns - c->invite_ns;
	if (c->t38_ns != 0)
		*t38_ns = c->t38_ns - c->ok_ns;
}

/* --- routed files -------------------------------------------------------------------- */

/* Every call of the sip transport arrives on faxgwd's one sip port, so the
 * file name does not tell the channel: the remote ident faxgwd wrote into
 * the first page (TIFFTAG_IMAGEDESCRIPTION: our sender's TSI, "+1 555 N"
 * with N = 100000 + the channel, load.c) does. */
int fb_sip_file_channel(const char *path)
{
	TIFF *tif = TIFFOpen(path, "r");
	const char *desc = NULL;
	unsigned n;
	int chan = -1;

	if (tif != NULL && TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &desc) == 1 && desc != NULL &&
	    sscanf(desc, "+1 555 %u", &n) == 1 && n >= 100000 && n < 100000 + FB_MAX_CHANNELS)
		chan = (int)(n - 100000);
	if (tif != NULL)
		TIFFClose(tif);
	return chan;
}
