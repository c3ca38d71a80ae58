/*
 * sip_dialog.c - the calls faxgwd answers over SIP, from the INVITE to the
 * end of their media (sip_internal.h; faxgwd(8), SIP; DESIGN 2b).
 *
 * A call: 180 Ringing, then after FGW_SIP_RING_MS its media goes to a
 * media thread (ops.start, with the bound socket) and 200 OK carries our
 * answer.  Once the ACK came, a port with t38 = offer sends its T.38
 * re-INVITE; 488 or any failure leaves the fax on G.711, 491 retries after
 * a random delay.  A re-INVITE or UPDATE of the peer is answered afresh:
 * the same media is a refresh and the media thread hears nothing of it,
 * other media (T.38, another address) goes to it as ops.update.  A BYE
 * hangs the media up; the end of the media sends our BYE.  A call is
 * freed when both its dialog and its media are over: only then is its
 * channel given to another call.
 */
#include "sip_internal.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_string.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/url.h>

#include "fgwx_text.h"

#define SIP_NO_MEDIA "fax media over SIP is not available in this configuration of faxgw"

/* --- a call's life ---------------------------------------------------------------- */

static void sip_call_link(struct sip_thread *t, struct sip_call *c)
{
	c->next = t->call_list;
	if (c->next != NULL)
		c->next->prev = c;
	t->call_list = c;
	t->calls++;
	t->port_calls[c->m.port]++;
	sip_stat(t, (int)c->m.port, SIP_ST_CALLS, 1);
	t->chan_busy[c->m.port][c->m.channel] = 1;
}

void sip_call_free(struct sip_call *c)
{
	struct sip_thread *t = c->t;

	if (c->ring != NULL)
		su_timer_destroy(c->ring);
	if (c->dial != NULL)
		su_timer_destroy(c->dial);
	if (c->retry != NULL)
		su_timer_destroy(c->retry);
	if (c->m.fd >= 0)
		close(c->m.fd);
	t->calls--;
	t->port_calls[c->m.port]--;
	sip_stat(t, (int)c->m.port, SIP_ST_CALLS, -1);
	t->chan_busy[c->m.port][c->m.channel] = 0;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->call_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->nh != NULL)
		nua_handle_bind(c->nh, NULL);
	free(c);
}

int sip_call_free_channel(const struct sip_thread *t, size_t port)
{
	unsigned n = t->s->ports[port].channels;

	for (unsigned ch = 0; ch < n; ch++)
		if (!t->chan_busy[port][ch])
			return (int)ch;
	return -1;
}

struct sip_call *sip_call_new(struct sip_thread *t, size_t port, unsigned channel)
{
	struct sip_call *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->t = t;
	c->m.port = port;
	c->m.channel = channel;
	c->m.serial = ++t->next_serial;
	c->m.fd = -1;
	c->m.ended = sip_thread_ended_cb;
	c->m.ended_arg = t;
	c->sess_id = (uint64_t)time(NULL) * 1000u + c->m.serial % 1000u;
	c->sess_version = 1;
	sip_call_link(t, c);
	return c;
}

/* One identity of the request, printable and bounded. */
static void sip_call_ident(char *dst, size_t size, const char *src)
{
	if (src == NULL)
		src = "";
	fgwx_text_sanitize(dst, size, src, strnlen(src, size * 4));
}

static void sip_call_idents(struct sip_call *c, const sip_t *sip)
{
	char url[FGW_MAX_SIP_IDENT * 2] = "";

	sip_call_ident(c->m.call_id, sizeof(c->m.call_id),
		       sip->sip_call_id != NULL ? sip->sip_call_id->i_id : NULL);
	if (sip->sip_from != NULL && url_e(url, sizeof(url), sip->sip_from->a_url) < 0)
		url[0] = '\0';
	url[sizeof(url) - 1] = '\0';
	sip_call_ident(c->m.from, sizeof(c->m.from), url);
	url[0] = '\0';
	if (sip->sip_to != NULL && url_e(url, sizeof(url), sip->sip_to->a_url) < 0)
		url[0] = '\0';
	url[sizeof(url) - 1] = '\0';
	sip_call_ident(c->m.to, sizeof(c->m.to), url);
	sip_call_ident(c->m.user_agent, sizeof(c->m.user_agent),
		       sip->sip_user_agent != NULL ? sip->sip_user_agent->g_string : NULL);
}

void sip_call_local(const struct sip_call *c, struct sdp_local *l)
{
	l->addr = c->t->s->media_addr;
	l->port = c->local_port;
	l->session_id = c->sess_id;
	l->session_version = c->sess_version;
}

static const struct sdp_settings *sip_call_sdp(const struct sip_call *c)
{
	return &c->t->s->ports[c->m.port].sdp;
}

static void sip_respond_sdp(struct sip_call *c, const char *sdp)
{
	sip_count(c->t, 200);
	nua_respond(c->nh, 200, sip_200_OK, NUTAG_WITH_THIS(c->t->nua),
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
		    NUTAG_AUTOANSWER(0), TAG_END());
}

const char *sip_transport_name(const struct sdp_plan *p)
{
	if (p->transport == SDP_TRANSPORT_T38)
		return "T.38";
	return p->law == SDP_CODEC_PCMA ? "G.711 PCMA" : "G.711 PCMU";
}

/* --- answering ------------------------------------------------------------------------ */

/* The ring is over: the media thread takes the call, then 200 OK. */
static void sip_call_answer(struct sip_call *c)
{
	struct sip_thread *t = c->t;
	char warn[SIP_WARN_MAX];

	if (atomic_load(&t->draining)) {   /* stopping: the caller tries elsewhere */
		sip_stat_final(t, (int)c->m.port, 503);
		sip_respond(t, c->nh, 503, NULL, true, false);
		return;
	}
	if (t->ops.start == NULL) {
		sip_warning(warn, sizeof(warn), 399, SIP_NO_MEDIA);
		sip_stat_final(t, (int)c->m.port, 503);
		sip_respond(t, c->nh, 503, warn, false, false);
		return;
	}
	if (t->ops.start(t->ops.arg, &c->m) != 0) {
		sip_log(t, LOG_WARNING, "SIP call %s: no media thread took it", c->m.call_id);
		sip_stat_final(t, (int)c->m.port, 503);
		sip_respond(t, c->nh, 503, NULL, true, false);
		return;
	}
	c->m.fd = -1;                   /* the media thread's now */
	c->media = true;
	c->answered = true;
	sip_count(t, 200);
	sip_stat_final(t, (int)c->m.port, 200);
	nua_respond(c->nh, 200, sip_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(c->sdp), NUTAG_AUTOANSWER(0), TAG_END());
	sip_log(t, LOG_INFO, "SIP call %s answered on port %u channel %u: %s from %s:%u, "
		"local media port %u", c->m.call_id, (unsigned)t->s->ports[c->m.port].id,
		c->m.channel, sip_transport_name(&c->m.plan), c->m.plan.remote.text,
		(unsigned)c->m.plan.remote_port, (unsigned)c->local_port);
}

static void sip_on_ring_done(struct sip_thread *t, su_timer_t *timer, struct sip_call *c)
{
	(void)t;
	(void)timer;
	su_timer_destroy(c->ring);
	c->ring = NULL;
	if (c->nh != NULL)
		sip_call_answer(c);
}

/* The call's socket and our answer; -1 with the status to send instead. */
static int sip_call_prepare(struct sip_call *c, const struct sdp_answer *ans, int *status,
			    char *why, size_t whylen)
{
	struct sip_thread *t = c->t;
	struct sdp_local l;
	size_t len;

	*status = 503;
	if (t->ops.start == NULL)
		return 0;                /* no media: rings, then 503 */
	c->m.fd = sip_media_bind(t->s, &t->media_cursor, &c->local_port, why, whylen);
	if (c->m.fd < 0)
		return -1;
	sip_call_local(c, &l);
	if (sdp_write_answer(&t->offer, ans, &l, c->sdp, sizeof(c->sdp), &len) != SDP_OK) {
		*status = 500;
		snprintf(why, whylen, "our SDP answer does not fit");
		return -1;
	}
	return 0;
}

static bool sip_same_ip(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (a->sa_family != b->ss_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return a->sa_family == AF_INET6 &&
	       memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

unsigned sip_dialog_source_calls(const struct sip_thread *t, const struct sockaddr *src)
{
	unsigned n = 0;

	for (const struct sip_call *c = t->call_list; src != NULL && c != NULL; c = c->next)
		n += sip_same_ip(src, &c->src);
	return n;
}

static void sip_call_source(struct sip_call *c, const struct sockaddr *src)
{
	size_t len = src == NULL ? 0 : src->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		     : src->sa_family == AF_INET ? sizeof(struct sockaddr_in) : 0;

	if (len > 0)
		memcpy(&c->src, src, len);
}

void sip_dialog_new(struct sip_thread *t, nua_handle_t *nh, const sip_t *sip, size_t port,
		    const struct sdp_answer *ans, const struct sockaddr *src)
{
	/* sip_policy_invite() saw fewer calls than channels: one is free */
	int ch = sip_call_free_channel(t, port);
	struct sip_call *c = sip_call_new(t, port, ch >= 0 ? (unsigned)ch : 0);
	char why[FGW_MAX_ERROR_TEXT], warn[SIP_WARN_MAX];
	int status;

	if (c == NULL) {
		sip_respond(t, nh, 500, NULL, true, true);
		return;
	}
	c->nh = nh;
	c->m.plan = ans->plan;
	sip_call_source(c, src);
	sip_call_idents(c, sip);
	nua_handle_bind(nh, c);
	if (sip_call_prepare(c, ans, &status, why, sizeof(why)) != 0) {
		sip_log(t, LOG_WARNING, "SIP call %s refused (%d): %s", c->m.call_id, status, why);
		sip_warning(warn, sizeof(warn), 399, why);
		sip_stat_final(t, (int)port, status);
		sip_respond(t, nh, status, warn, status == 503, true);
		return;                  /* freed when the handle terminates */
	}
	c->ring = su_timer_create(su_root_task(t->root), FGW_SIP_RING_MS);
	if (c->ring == NULL || su_timer_set(c->ring, sip_on_ring_done, c) != 0) {
		sip_stat_final(t, (int)port, 500);
		sip_respond(t, nh, 500, NULL, true, true);
		return;
	}
	sip_respond(t, nh, 180, NULL, false, true);
}

/* --- our T.38 re-INVITE ------------------------------------------------------------- */

static void sip_reinvite_send(struct sip_call *c)
{
	struct sdp_local l;
	char offer[FGW_SIP_MAX_ANSWER];
	size_t len;

	c->sess_version++;
	sip_call_local(c, &l);
	if (sdp_write_offer(sip_call_sdp(c), SDP_TRANSPORT_T38, &l, offer, sizeof(offer), &len) !=
	    SDP_OK) {
		c->reinvite = SIP_REINVITE_DONE;
		return;
	}
	c->reinvite = SIP_REINVITE_PENDING;
	sip_stat(c->t, (int)c->m.port, SIP_ST_T38_SENT, 1);
	sip_log(c->t, LOG_INFO, "SIP call %s: T.38 re-INVITE sent", c->m.call_id);
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(offer),
		   NUTAG_AUTOANSWER(0), TAG_END());
}

/* Whether the call should offer T.38 now: the port says so, the call is
 * still on G.711 and its media running, and no retry after a 491 waits. */
static bool sip_reinvite_due(const struct sip_call *c)
{
	return sip_call_sdp(c)->t38 == SDP_T38_OFFER && c->nh != NULL && c->media &&
	       !c->bye_sent && c->reinvite == SIP_REINVITE_IDLE && c->retry == NULL &&
	       c->m.plan.transport == SDP_TRANSPORT_AUDIO;
}

static void sip_on_retry(struct sip_thread *t, su_timer_t *timer, struct sip_call *c)
{
	(void)t;
	(void)timer;
	su_timer_destroy(c->retry);
	c->retry = NULL;                /* first: sip_reinvite_due() looks at it */
	if (sip_reinvite_due(c))
		sip_reinvite_send(c);
}

/* 491: our re-INVITE crossed one of the peer's; again after a random
 * delay (RFC 3261 14.1): 0..2 s when we answered the call (the callee does
 * not own the Call-ID), 2.1..4 s when we placed it (we own it). */
static void sip_reinvite_glare(struct sip_call *c)
{
	uint32_t r = 0;
	su_duration_t ms;

	c->reinvite = SIP_REINVITE_IDLE;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)c->m.serial * 2654435761u;
	ms = c->outbound ? (su_duration_t)(SIP_GLARE_OWNER_MIN_MS +
					  r % (SIP_GLARE_OWNER_MAX_MS - SIP_GLARE_OWNER_MIN_MS + 1))
			 : (su_duration_t)(r % (FGW_SIP_GLARE_MAX_MS + 1));
	if (c->retry == NULL)
		c->retry = su_timer_create(su_root_task(c->t->root), ms);
	if (c->retry == NULL || su_timer_set(c->retry, sip_on_retry, c) != 0) {
		if (c->retry != NULL)
			su_timer_destroy(c->retry);
		c->retry = NULL;
		c->reinvite = SIP_REINVITE_DONE;
	}
	sip_log(c->t, LOG_INFO, "SIP call %s: re-INVITE glare (491), retrying", c->m.call_id);
}

/* 2xx to our T.38 offer: the media switches when the answer is usable. */
static void sip_reinvite_accepted(struct sip_call *c, const sip_t *sip)
{
	struct sip_thread *t = c->t;
	const sip_payload_t *pl = sip != NULL ? sip->sip_payload : NULL;
	struct sdp_plan plan;
	struct sdp_local l;
	char err[96];
	size_t len;

	nua_ack(c->nh, TAG_END());
	if (pl == NULL || sdp_parse(pl->pl_data, pl->pl_len, &t->offer, err, sizeof(err)) != SDP_OK ||
	    sdp_plan_from_answer(&t->offer, sip_call_sdp(c), SDP_TRANSPORT_T38, &plan) != SDP_OK) {
		sip_log(t, LOG_WARNING, "SIP call %s: the answer to our T.38 re-INVITE is not "
			"usable: staying on G.711", c->m.call_id);
		sip_stat(t, (int)c->m.port, SIP_ST_T38_REFUSED, 1);
		return;
	}
	sip_stat(t, (int)c->m.port, SIP_ST_T38_ACCEPTED, 1);
	sip_call_local(c, &l);
	if (sdp_write_offer(sip_call_sdp(c), SDP_TRANSPORT_T38, &l, c->sdp, sizeof(c->sdp), &len) !=
	    SDP_OK)
		c->sdp[0] = '\0';
	c->m.plan = plan;
	sip_log(t, LOG_INFO, "SIP call %s: switched to T.38 (version %u, peer datagrams <= %u)",
		c->m.call_id, plan.t38.version, (unsigned)plan.t38_send_max_datagram);
	if (c->media && t->ops.update != NULL)
		t->ops.update(t->ops.arg, &c->m);
}

void sip_dialog_response(struct sip_call *c, int status, const sip_t *sip)
{
	if (c->reinvite != SIP_REINVITE_PENDING || status < 200 || c->nh == NULL)
		return;
	c->reinvite = SIP_REINVITE_DONE;
	if (status < 300) {
		sip_reinvite_accepted(c, sip);
	} else if (status == 491) {
		sip_reinvite_glare(c);
	} else {
		sip_stat(c->t, (int)c->m.port, SIP_ST_T38_REFUSED, 1);
		sip_log(c->t, LOG_INFO, "SIP call %s: T.38 re-INVITE refused (%d): the fax "
			"continues on G.711", c->m.call_id, status);
	}
}

/* --- the peer's offers in a dialog ----------------------------------------------------- */

/* A re-INVITE or UPDATE: answered from the new offer; the media thread
 * hears of it only when the media change. */
static void sip_dialog_offer(struct sip_call *c, const sip_t *sip)
{
	struct sip_thread *t = c->t;
	const sip_payload_t *pl = sip->sip_payload;
	size_t len = pl != NULL ? pl->pl_len : 0;
	struct sdp_answer ans;
	struct sdp_local l;
	char why[FGW_SDP_MAX_WARNING], warn[SIP_WARN_MAX], sdp[FGW_SIP_MAX_ANSWER];
	bool same;

	if (len == 0) {                 /* no offer: ours stands (RFC 3264 5) */
		sip_stat(t, (int)c->m.port, SIP_ST_REFRESHES, 1);
		sip_respond_sdp(c, c->sdp);
		return;
	}
	if (sip_policy_offer(&t->s->ports[c->m.port], pl->pl_data, len, &t->offer, &ans, why,
			     sizeof(why)) != 200) {
		sip_warning(warn, sizeof(warn), 305, why);
		sip_respond(t, c->nh, 488, warn, false, true);
		return;
	}
	same = sdp_plan_same_media(&ans.plan, &c->m.plan);
	if (!same)
		c->sess_version++;
	sip_call_local(c, &l);
	if (sdp_write_answer(&t->offer, &ans, &l, sdp, sizeof(sdp), &len) != SDP_OK) {
		sip_respond(t, c->nh, 500, NULL, false, true);
		return;
	}
	memcpy(c->sdp, sdp, len + 1);
	sip_respond_sdp(c, c->sdp);
	if (same) {
		sip_stat(t, (int)c->m.port, SIP_ST_REFRESHES, 1);
		return;
	}
	if (ans.plan.transport == SDP_TRANSPORT_T38 && c->m.plan.transport != SDP_TRANSPORT_T38)
		sip_stat(t, (int)c->m.port, SIP_ST_T38_PEER, 1);
	sip_log(t, LOG_INFO, "SIP call %s: the peer moved the media to %s at %s:%u", c->m.call_id,
		sip_transport_name(&ans.plan), ans.plan.remote.text, (unsigned)ans.plan.remote_port);
	c->m.plan = ans.plan;
	if (c->media && t->ops.update != NULL)
		t->ops.update(t->ops.arg, &c->m);
}

void sip_dialog_reinvite(struct sip_call *c, const sip_t *sip)
{
	sip_dialog_offer(c, sip);
}

void sip_dialog_update(struct sip_call *c, const sip_t *sip)
{
	sip_dialog_offer(c, sip);
}

/* --- the end ----------------------------------------------------------------------------- */

void sip_dialog_state(struct sip_call *c, int callstate)
{
	struct sip_thread *t = c->t;

	if (callstate == nua_callstate_ready) {
		if (sip_reinvite_due(c))
			sip_reinvite_send(c);
		return;
	}
	if (callstate != nua_callstate_terminated)
		return;
	nua_handle_bind(c->nh, NULL);  /* the caller destroys the handle */
	c->nh = NULL;
	if (!c->media) {
		sip_call_free(c);
		return;
	}
	sip_log(t, LOG_INFO, "SIP call %s: dialog ended, hanging up its media", c->m.call_id);
	if (t->ops.hangup != NULL)
		t->ops.hangup(t->ops.arg, c->m.port, c->m.channel, c->m.serial);
}

static struct sip_call *sip_dialog_find(struct sip_thread *t, uint64_t serial)
{
	for (struct sip_call *c = t->call_list; c != NULL; c = c->next)
		if (c->m.serial == serial)
			return c;
	return NULL;
}

/* One call's media is over: BYE if its dialog is up, else it goes. */
static void sip_dialog_media_end(struct sip_call *c)
{
	c->media = false;
	if (c->nh == NULL) {
		sip_call_free(c);
		return;
	}
	if (!c->bye_sent) {
		c->bye_sent = true;
		sip_log(c->t, LOG_INFO, "SIP call %s: the fax is over, sending BYE", c->m.call_id);
		nua_bye(c->nh, TAG_END());
	}
}

void sip_dialog_media_ended(struct sip_thread *t)
{
	for (;;) {
		uint64_t serial;
		struct sip_call *c;

		pthread_mutex_lock(&t->ended_mu);
		if (t->ended_n == 0) {
			pthread_mutex_unlock(&t->ended_mu);
			return;
		}
		serial = t->ended[t->ended_head];
		t->ended_head = (t->ended_head + 1) % t->ended_cap;
		t->ended_n--;
		pthread_mutex_unlock(&t->ended_mu);
		c = sip_dialog_find(t, serial);
		if (c != NULL && c->media)
			sip_dialog_media_end(c);
	}
}

void sip_dialog_answer_ringing(struct sip_thread *t)
{
	for (struct sip_call *c = t->call_list; c != NULL; c = c->next) {
		if (c->ring == NULL)
			continue;
		su_timer_destroy(c->ring);
		c->ring = NULL;
		sip_stat_final(t, (int)c->m.port, 503);
		sip_respond(t, c->nh, 503, NULL, true, false);
	}
}

void sip_dialog_free_all(struct sip_thread *t)
{
	while (t->call_list != NULL) {
		struct sip_call *c = t->call_list;
		nua_handle_t *nh = c->nh;

		if (c->media && t->ops.hangup != NULL)
			t->ops.hangup(t->ops.arg, c->m.port, c->m.channel, c->m.serial);
		sip_call_free(c);
		if (nh != NULL)
			nua_handle_destroy(nh);
	}
}
