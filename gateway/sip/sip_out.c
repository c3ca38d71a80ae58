/*
 * sip_out.c - the calls faxgwd places for send jobs (sip_thread.h
 * sip_thread_dial; faxgwd(8) SENDING; DESIGN 3b).
 *
 * Other threads queue a dial or a cancel (a bounded ring under ended_mu,
 * the eventfd wakes the SIP thread).  On the SIP thread a dial takes a
 * free channel of its port (channels are shared with the calls we
 * answer), binds the media socket and sends an INVITE with our G.711
 * offer (sdp_write_offer: the port's codecs in order).  Provisional
 * answers wait, at most FGW_SIP_DIAL_MS (then CANCEL, reported as 408).
 * A 2xx: ACK, the answer's SDP gives the plan (sdp_plan_from_answer: the
 * media go where the answer says), the media thread takes the call with
 * the document to send, dial_answered.  From then on the call is one of
 * the thread's calls like any answered one (sip_dialog.c): the peer's
 * T.38 re-INVITE, ours with t38 = offer, refreshes, BYE either way.  A
 * final answer >= 300 (401/407 too: no outbound credentials) is
 * dial_failed with its status.  Each dial has exactly one outcome: a
 * dial_failed, or the media's end (reported by the media thread).
 *
 * Received INVITEs are what the SIP counters count; the calls we place
 * show only in "calls now" (SIP_ST_CALLS, ringing, up or ending).
 */
#include "sip_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sofia-sip/su_tag.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_status.h>

#include "fgwx_text.h"

/* --- the queue (any thread) ------------------------------------------------------ */

static int sip_out_push(struct sip_thread *t, const struct sip_out_cmd *cmd, char *err,
			size_t errlen)
{
	const char *why = NULL;

	pthread_mutex_lock(&t->ended_mu);
	if (t->out_closed || atomic_load(&t->stop))
		why = "the SIP thread is stopping";
	else if (t->out_n == t->out_cap)
		why = "too many calls waiting to be placed";
	else
		t->out[(t->out_head + t->out_n++) % t->out_cap] = *cmd;
	pthread_mutex_unlock(&t->ended_mu);
	if (why != NULL) {
		snprintf(err, errlen, "SIP: %s", why);
		return -1;
	}
	sip_wake(t);
	return 0;
}

static bool sip_out_pop(struct sip_thread *t, struct sip_out_cmd *cmd)
{
	bool got = false;

	pthread_mutex_lock(&t->ended_mu);
	if (t->out_n > 0) {
		*cmd = t->out[t->out_head];
		t->out_head = (t->out_head + 1) % t->out_cap;
		t->out_n--;
		got = true;
	}
	pthread_mutex_unlock(&t->ended_mu);
	return got;
}

int sip_out_queue_dial(struct sip_thread *t, const struct sip_dial *d, char *err, size_t errlen)
{
	struct sip_out_cmd cmd = { .cancel = false };

	if (d->job_id == 0 || d->port >= t->s->nports || d->uri[0] == '\0' ||
	    d->file[0] == '\0') {
		snprintf(err, errlen, "SIP: a dial needs a job, a sip port, a URI and a file");
		return -1;
	}
	cmd.dial = *d;
	return sip_out_push(t, &cmd, err, errlen);
}

void sip_out_queue_cancel(struct sip_thread *t, uint64_t job_id)
{
	struct sip_out_cmd cmd = { .cancel = true };
	char err[FGW_MAX_ERROR_TEXT];

	if (job_id == 0)
		return;
	cmd.dial.job_id = job_id;
	if (sip_out_push(t, &cmd, err, sizeof(err)) != 0)
		sip_log(t, LOG_WARNING, "SIP: cancel of job %llu not queued: %s",
			(unsigned long long)job_id, err);
}

/* --- outcomes -------------------------------------------------------------------- */

static void sip_out_failed_job(struct sip_thread *t, uint64_t job_id, int status, const char *text)
{
	struct sip_dial_result r;

	memset(&r, 0, sizeof(r));
	r.job_id = job_id;
	r.status = status;
	snprintf(r.reason, sizeof(r.reason), "%s", text);
	sip_log(t, status == 0 ? LOG_WARNING : LOG_INFO, "SIP dial of job %llu failed (%d): %s",
		(unsigned long long)job_id, status, r.reason);
	if (t->hooks.dial_failed != NULL)
		t->hooks.dial_failed(t->hooks.arg, &r);
}

__attribute__((format(printf, 3, 4)))
static void sip_out_failed(struct sip_call *c, int status, const char *fmt, ...)
{
	char text[FGW_MAX_ERROR_TEXT];
	va_list ap;

	if (c->reported)
		return;
	c->reported = true;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sip_out_failed_job(c->t, c->m.job_id, status, text);
}

void sip_out_state(struct sip_call *c, int callstate)
{
	if (callstate == nua_callstate_terminated && !c->media)
		sip_out_failed(c, 0, "the call ended before it was answered");
}

/* --- placing the call (SIP thread) --------------------------------------------------- */

static void sip_out_on_timeout(struct sip_thread *t, su_timer_t *timer, struct sip_call *c)
{
	(void)t;
	(void)timer;
	su_timer_destroy(c->dial);
	c->dial = NULL;
	if (c->answered || c->nh == NULL)
		return;
	c->timed_out = true;
	sip_out_failed(c, 408, "no answer within %d s", FGW_SIP_DIAL_MS / 1000);
	nua_cancel(c->nh, TAG_END());
}

/* The call's media socket, our offer, its identities; -1 with why. */
static int sip_out_prepare(struct sip_call *c, const struct sip_dial *d, char *why,
			   size_t whylen)
{
	struct sip_thread *t = c->t;
	struct sdp_local l;
	size_t len;

	c->m.fd = sip_media_bind(t->s, &t->media_cursor, &c->local_port, why, whylen);
	if (c->m.fd < 0)
		return -1;
	sip_call_local(c, &l);
	if (sdp_write_offer(&t->s->ports[d->port].sdp, SDP_TRANSPORT_AUDIO, &l, c->sdp,
			    sizeof(c->sdp), &len) != SDP_OK) {
		snprintf(why, whylen, "our SDP offer does not fit");
		return -1;
	}
	fgwx_text_sanitize(c->m.from, sizeof(c->m.from), t->s->from, strlen(t->s->from));
	fgwx_text_sanitize(c->m.to, sizeof(c->m.to), d->uri, strlen(d->uri));
	snprintf(c->m.send_file, sizeof(c->m.send_file), "%s", d->file);
	snprintf(c->m.local_ident, sizeof(c->m.local_ident), "%s", d->local_ident);
	return 0;
}

/* The INVITE (the handle is c's from now on) and the dial timer. */
static int sip_out_invite(struct sip_call *c, const struct sip_dial *d, char *why, size_t whylen)
{
	struct sip_thread *t = c->t;
	char to[sizeof(d->uri) + 2], from[FGW_MAX_SIP_URI + 2];

	/* in <>: URI parameters (";transport=tcp") stay the URI's */
	snprintf(to, sizeof(to), "<%s>", d->uri);
	snprintf(from, sizeof(from), "<%s>", t->s->from);
	c->nh = nua_handle(t->nua, c, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
	if (c->nh == NULL) {
		snprintf(why, whylen, "the SIP stack refused the URI %.200s", d->uri);
		return -1;
	}
	t->dials++;
	c->dial = su_timer_create(su_root_task(t->root), FGW_SIP_DIAL_MS);
	if (c->dial == NULL || su_timer_set(c->dial, sip_out_on_timeout, c) != 0) {
		snprintf(why, whylen, "no timer for the call");
		return -1;
	}
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(c->sdp),
		   TAG_END());
	return 0;
}

/* Why a dial cannot start now (no INVITE goes out: status 0), or NULL. */
static const char *sip_out_refusal(const struct sip_thread *t, const struct sip_dial *d,
				   int *channel, char *buf, size_t size)
{
	*channel = -1;
	if (t->shutting_down || atomic_load(&t->draining))
		return "faxgwd is stopping";
	if (d->port >= t->s->nports)
		return "not a sip port";
	if (t->ops.start == NULL)
		return "fax media over SIP is not available in this configuration";
	if (t->calls >= t->s->max_calls)
		return "max-calls reached";
	*channel = sip_call_free_channel(t, d->port);
	if (*channel < 0) {
		snprintf(buf, size, "no free channel on port %u", (unsigned)t->s->ports[d->port].id);
		return buf;
	}
	return NULL;
}

static void sip_out_dial(struct sip_thread *t, const struct sip_dial *d)
{
	char why[FGW_MAX_ERROR_TEXT];
	const char *no;
	struct sip_call *c;
	int ch;

	no = sip_out_refusal(t, d, &ch, why, sizeof(why));
	if (no != NULL) {
		sip_out_failed_job(t, d->job_id, 0, no);
		return;
	}
	c = sip_call_new(t, d->port, (unsigned)ch);
	if (c == NULL) {
		sip_out_failed_job(t, d->job_id, 0, "out of memory");
		return;
	}
	c->outbound = true;
	c->m.job_id = d->job_id;
	if (sip_out_prepare(c, d, why, sizeof(why)) != 0 ||
	    sip_out_invite(c, d, why, sizeof(why)) != 0) {
		sip_out_failed(c, 0, "%s", why);
		if (c->nh != NULL) {
			nua_handle_t *nh = c->nh;
			sip_call_free(c);       /* unbinds the handle */
			nua_handle_destroy(nh);
			t->handles_freed++;
		} else {
			sip_call_free(c);
		}
		return;
	}
	sip_log(t, LOG_INFO, "SIP dial of job %llu: INVITE to %s from port %u channel %u, local "
		"media port %u", (unsigned long long)d->job_id, c->m.to,
		(unsigned)t->s->ports[d->port].id, c->m.channel, (unsigned)c->local_port);
}

static void sip_out_cancel(struct sip_thread *t, uint64_t job_id)
{
	struct sip_call *c = t->call_list;

	while (c != NULL && !(c->outbound && c->m.job_id == job_id))
		c = c->next;
	if (c == NULL || c->nh == NULL)
		return;                  /* unknown, or ending already */
	if (!c->answered) {
		if (!c->cancelled && !c->timed_out) {
			c->cancelled = true;
			sip_log(t, LOG_INFO, "SIP dial of job %llu: cancelled, sending CANCEL",
				(unsigned long long)job_id);
			nua_cancel(c->nh, TAG_END());
		}
	} else if (!c->bye_sent) {
		/* the dialog's end hangs the media up (sip_dialog_state) */
		c->bye_sent = true;
		sip_log(t, LOG_INFO, "SIP call %s of job %llu: cancelled, sending BYE", c->m.call_id,
			(unsigned long long)job_id);
		nua_bye(c->nh, TAG_END());
	}
}

void sip_out_commands(struct sip_thread *t)
{
	struct sip_out_cmd cmd;

	while (sip_out_pop(t, &cmd)) {
		if (cmd.cancel)
			sip_out_cancel(t, cmd.dial.job_id);
		else
			sip_out_dial(t, &cmd.dial);
	}
}

void sip_out_drain(struct sip_thread *t)
{
	for (struct sip_call *c = t->call_list; c != NULL; c = c->next) {
		if (!c->outbound || c->answered || c->nh == NULL)
			continue;
		sip_out_failed(c, 0, "faxgwd is stopping");
		if (!c->cancelled && !c->timed_out) {
			c->cancelled = true;
			nua_cancel(c->nh, TAG_END());
		}
	}
}

void sip_out_stop(struct sip_thread *t)
{
	pthread_mutex_lock(&t->ended_mu);
	t->out_closed = true;
	pthread_mutex_unlock(&t->ended_mu);
	sip_out_commands(t);             /* shutting down: each dial fails (0) */
	sip_out_drain(t);
	for (struct sip_call *c = t->call_list; c != NULL; c = c->next)
		if (c->outbound && !c->media)   /* every dial has its outcome */
			sip_out_failed(c, 0, "faxgwd is stopping");
}

/* --- the answer (SIP thread) ------------------------------------------------------------- */

static void sip_out_ident(char *dst, size_t size, const char *src)
{
	if (src == NULL)
		src = "";
	fgwx_text_sanitize(dst, size, src, strnlen(src, size * 4));
}

/* The 2xx's SDP as our plan: G.711 (we offered nothing else). */
static int sip_out_plan(struct sip_call *c, const sip_t *sip, struct sdp_plan *plan, char *why,
			size_t whylen)
{
	struct sip_thread *t = c->t;
	const sip_payload_t *pl = sip != NULL ? sip->sip_payload : NULL;

	if (pl == NULL || pl->pl_len == 0) {
		snprintf(why, whylen, "the 200 OK has no SDP answer");
		return -1;
	}
	if (sdp_parse(pl->pl_data, pl->pl_len, &t->offer, why, whylen) != SDP_OK)
		return -1;
	if (sdp_plan_from_answer(&t->offer, &t->s->ports[c->m.port].sdp, SDP_TRANSPORT_AUDIO,
				 plan) != SDP_OK) {
		snprintf(why, whylen, "the answer accepts none of the codecs we offered");
		return -1;
	}
	return 0;
}

/* Ends an answered call that will carry no fax: BYE. */
static void sip_out_bye(struct sip_call *c)
{
	if (c->bye_sent || c->nh == NULL)
		return;
	c->bye_sent = true;
	nua_bye(c->nh, TAG_END());
}

static void sip_out_answered(struct sip_call *c, const sip_t *sip)
{
	struct sip_thread *t = c->t;
	char why[FGW_MAX_ERROR_TEXT];
	struct sdp_plan plan;

	nua_ack(c->nh, TAG_END());
	c->answered = true;
	if (c->reported) {              /* cancelled or timed out: the 200 crossed it */
		sip_out_bye(c);
		return;
	}
	if (c->cancelled) {
		sip_out_failed(c, 487, "cancelled");
		sip_out_bye(c);
		return;
	}
	if (sip_out_plan(c, sip, &plan, why, sizeof(why)) != 0) {
		sip_out_failed(c, 488, "%s", why);
		sip_out_bye(c);
		return;
	}
	c->m.plan = plan;
	sip_out_ident(c->m.user_agent, sizeof(c->m.user_agent),
		      sip->sip_server != NULL ? sip->sip_server->g_string
		      : sip->sip_user_agent != NULL ? sip->sip_user_agent->g_string : NULL);
	sip_log(t, LOG_INFO, "SIP call %s of job %llu answered on port %u channel %u: %s to "
		"%s:%u, local media port %u", c->m.call_id, (unsigned long long)c->m.job_id,
		(unsigned)t->s->ports[c->m.port].id, c->m.channel, sip_transport_name(&plan),
		plan.remote.text, (unsigned)plan.remote_port, (unsigned)c->local_port);
	/* Told before the media thread has the call: its end (the outcome)
	 * then always comes after the answer, however fast it ends. */
	if (t->hooks.dial_answered != NULL)
		t->hooks.dial_answered(t->hooks.arg, c->m.job_id, c->m.call_id);
	if (t->ops.start(t->ops.arg, &c->m) != 0) {
		sip_out_failed(c, 0, "no media thread took the call");
		sip_out_bye(c);
		return;
	}
	c->m.fd = -1;                    /* the media thread's now */
	c->media = true;
	c->reported = true;
}

void sip_out_response(struct sip_call *c, int status, const char *phrase, const sip_t *sip)
{
	if (c->m.call_id[0] == '\0' && sip != NULL && sip->sip_call_id != NULL)
		sip_out_ident(c->m.call_id, sizeof(c->m.call_id), sip->sip_call_id->i_id);
	if (status < 200 || c->nh == NULL)
		return;
	if (c->dial != NULL) {
		su_timer_destroy(c->dial);
		c->dial = NULL;
	}
	if (status < 300) {
		sip_out_answered(c, sip);
		return;
	}
	if (c->cancelled)
		sip_out_failed(c, status, "cancelled (%d %s)", status, phrase ? phrase : "");
	else
		sip_out_failed(c, status, "%d %s", status,
			       phrase != NULL && phrase[0] ? phrase : sip_status_phrase(status));
	/* the handle terminates: sip_dialog_state() frees the call */
}
