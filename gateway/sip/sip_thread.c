/*
 * sip_thread.c - sofia-sip's nua in a thread of its own (sip_thread.h).
 *
 * The thread creates the su root, the nua agent with one NUTAG_URL per
 * listen address, and runs su_root_run() until nua_shutdown() completes.
 * nua answers nothing by itself that we answer: NUTAG_AUTOANSWER(0),
 * NUTAG_AUTOALERT(0), NUTAG_AUTOACK(0), NUTAG_MEDIA_ENABLE(0) (we write
 * our own SDP, sdp.h) and OPTIONS as an application method.  Each
 * nua_respond() carries NUTAG_AUTOANSWER(0) too: the parameter set with
 * nua_set_params() does not cover re-INVITEs (field notes).
 *
 * Commands from the main thread: atomic flags plus an eventfd registered
 * with su_root_register().  Calls are counted here only (this thread).
 */
#include "sip_internal.h"
#include "sip_thread.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_string.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/auth_plugin.h>

/* The methods served; nua answers 405 to the others.  Its default list
 * also takes MESSAGE (200) and REFER (202, then a NOTIFY): not for a fax
 * gateway. */
#define SIP_ALLOW      "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE"

/* sofia-sip's own messages (su_log), a line at a time, into our log at
 * info level: at its default level it reports only problems, but some
 * come from peers (an ICMP error for each retransmission to a closed
 * port), and the ones that stop faxgwd are reported by us as errors. */
static void sip_sofia_log(void *stream, char const *fmt, va_list ap)
{
	struct sip_thread *t = stream;
	size_t room = sizeof(t->sulog) - t->sulog_len;
	int n = vsnprintf(t->sulog + t->sulog_len, room, fmt, ap);
	char *nl;

	if (n < 0)
		return;
	t->sulog_len += (size_t)n < room ? (size_t)n : room - 1;
	while ((nl = memchr(t->sulog, '\n', t->sulog_len)) != NULL ||
	       t->sulog_len == sizeof(t->sulog) - 1) {
		size_t line = nl != NULL ? (size_t)(nl - t->sulog) : t->sulog_len;
		t->sulog[line] = '\0';
		if (line > 0)
			sip_log(t, LOG_INFO, "sofia-sip: %s", t->sulog);
		line += nl != NULL;
		memmove(t->sulog, t->sulog + line, t->sulog_len - line);
		t->sulog_len -= line;
	}
}

/* The source address of the request being handled, or NULL. */
static const struct sockaddr *sip_source(struct sip_thread *t)
{
	msg_t *m = nua_current_request(t->nua);
	su_addrinfo_t *ai = m != NULL ? msg_addrinfo(m) : NULL;

	return ai != NULL && ai->ai_addr != NULL ? (const struct sockaddr *)ai->ai_addr : NULL;
}

static void sip_on_options(struct sip_thread *t, nua_handle_t *nh)
{
	int status = sip_policy_options(t->s, sip_source(t), atomic_load(&t->draining));

	sip_respond(t, nh, status, NULL, status == 503, true);
	nua_handle_destroy(nh);
}

/* The request-URI's user part, "" when none. */
static const char *sip_user(const sip_t *sip)
{
	if (sip == NULL || sip->sip_request == NULL || sip->sip_request->rq_url->url_user == NULL)
		return "";
	return sip->sip_request->rq_url->url_user;
}

static bool sip_is_sdp(const sip_t *sip)
{
	const sip_content_type_t *ct = sip->sip_content_type;

	return ct != NULL && ct->c_type != NULL && su_casematch(ct->c_type, "application/sdp");
}

/* The offer of an INVITE that passed the policy checks. */
static void sip_invite_offer(struct sip_thread *t, nua_handle_t *nh, const sip_t *sip, int port)
{
	struct sdp_answer ans;
	char why[FGW_SDP_MAX_WARNING], warn[SIP_WARN_MAX];
	const sip_payload_t *pl = sip->sip_payload;
	size_t len = pl != NULL ? pl->pl_len : 0;
	int status;

	if (len > 0 && !sip_is_sdp(sip)) {
		sip_warning(warn, sizeof(warn), 399, "the offer must be application/sdp");
		sip_stat_final(t, port, 415);
		sip_respond(t, nh, 415, warn, false, true);
		return;
	}
	status = sip_policy_offer(&t->s->ports[port], len ? pl->pl_data : "", len, &t->offer, &ans,
				  why, sizeof(why));
	if (status == 488) {
		sip_warning(warn, sizeof(warn), 305, why);
		sip_stat_final(t, port, 488);
		sip_respond(t, nh, 488, warn, false, true);
		return;
	}
	if (ans.status != 200) {          /* no offer: we would have to make one */
		sip_warning(warn, sizeof(warn), 399, "an INVITE without an SDP offer is not "
			    "supported: send the offer in the INVITE");
		sip_stat_final(t, port, 488);
		sip_respond(t, nh, 488, warn, false, true);
		return;
	}
	sip_dialog_new(t, nh, sip, (size_t)port, &ans, sip_source(t));
}

/* Digest authentication of an INVITE (RFC 3261 22.2) by sofia-sip's auth
 * module: true when it may go on; otherwise the challenge (401 with
 * WWW-Authenticate) or the refusal (403, wrong credentials) is sent. */
static bool sip_authorized(struct sip_thread *t, nua_handle_t *nh, const sip_t *sip)
{
	auth_status_t buf, *as;
	msg_t *m = nua_current_request(t->nua);
	int status;

	if (t->auth == NULL)
		return true;
	as = auth_status_init(&buf, sizeof(buf));
	as->as_source = m != NULL ? msg_addrinfo(m) : NULL;
	as->as_realm = SIP_AUTH_REALM;
	as->as_user_uri = sip->sip_from != NULL ? sip->sip_from->a_url : NULL;
	auth_mod_check(t->auth, as, sip, auth_server);
	status = as->as_status;
	if (status != 0) {
		sip_log(t, LOG_INFO, "SIP INVITE: %d %s", status, as->as_phrase);
		sip_count(t, status);
		sip_stat_final(t, -1, status);
		nua_respond(nh, status, as->as_phrase, NUTAG_WITH_THIS(t->nua),
			    SIPTAG_HEADER((sip_header_t *)as->as_response), NUTAG_AUTOANSWER(0),
			    TAG_END());
	}
	AUTH_STATUS_DEINIT(as);
	return status == 0;
}

static void sip_on_invite(struct sip_thread *t, nua_handle_t *nh, const sip_t *sip)
{
	struct sip_load load = { t->calls, t->port_calls, atomic_load(&t->draining), 0 };
	const char *user = sip_user(sip);
	const struct sockaddr *src = sip_source(t);
	int port, status;

	load.source_calls = sip_dialog_source_calls(t, src);
	t->invites++;
	sip_stat(t, -1, SIP_ST_INVITES, 1);
	if (sip_policy_allowed(t->s, src) && !sip_authorized(t, nh, sip))
		return;
	status = sip_policy_invite(t->s, src, user, &load, &port);
	if (status != 0) {
		sip_log(t, LOG_INFO, "SIP INVITE for '%.64s': %d", user, status);
		sip_stat_final(t, -1, status);
		sip_respond(t, nh, status, NULL, status == 503, true);
		return;
	}
	atomic_fetch_add(&t->port_stats[port][SIP_ST_INVITES], 1);
	sip_log(t, LOG_INFO, "SIP INVITE for '%.64s': port %u", user,
		(unsigned)t->s->ports[port].id);
	sip_invite_offer(t, nh, sip, port);
}

static void sip_on_state(struct sip_thread *t, nua_handle_t *nh, struct sip_call *c,
			 tagi_t tags[])
{
	int state = nua_callstate_init;

	tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
	if (c != NULL && c->outbound)
		sip_out_state(c, state);
	if (c != NULL)
		sip_dialog_state(c, state);
	if (state != nua_callstate_terminated)
		return;
	t->handles_freed++;
	nua_handle_destroy(nh);
}

static void sip_started(struct sip_thread *t, int state, const char *why);

static void sip_on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
			 struct sip_thread *t, nua_handle_t *nh, struct sip_call *c,
			 sip_t const *sip, tagi_t tags[])
{
	(void)nua;
	switch (event) {
	case nua_i_invite:
		if (c != NULL)
			sip_dialog_reinvite(c, sip);
		else
			sip_on_invite(t, nh, sip);
		break;
	case nua_i_update:
		if (c != NULL)
			sip_dialog_update(c, sip);
		break;
	case nua_r_invite:
		if (c != NULL && c->outbound && !c->answered)
			sip_out_response(c, status, phrase, sip);
		else if (c != NULL)
			sip_dialog_response(c, status, sip);
		break;
	case nua_i_options:
		sip_on_options(t, nh);
		break;
	case nua_i_cancel:
		sip_count(t, 487);      /* nua answered the INVITE with 487 */
		sip_stat_final(t, c != NULL ? (int)c->m.port : -1, 487);
		break;
	case nua_i_state:
		sip_on_state(t, nh, c, tags);
		break;
	case nua_r_set_params:
		/* nua_set_params() works asynchronously: until it has, nua
		 * would answer OPTIONS itself.  Only now is the thread started. */
		sip_started(t, status < 300 ? 1 : -1,
			    status < 300 ? NULL : "the SIP agent refused its settings");
		if (status >= 300)
			su_root_break(t->root);
		break;
	case nua_r_shutdown:
		if (status >= 200)
			su_root_break(t->root);
		break;
	default:
		break;
	}
}

/* --- the thread ------------------------------------------------------------ */

static void sip_on_shutdown_timeout(struct sip_thread *t, su_timer_t *timer, struct sip_call *c)
{
	(void)timer;
	(void)c;
	sip_log(t, LOG_WARNING, "SIP: nua_shutdown did not complete in %d ms",
		FGW_SIP_SHUTDOWN_MS);
	su_root_break(t->root);
}

static int sip_on_command(struct sip_thread *t, su_wait_t *w, struct sip_thread *arg)
{
	uint64_t v;

	(void)w;
	(void)arg;
	while (read(t->efd, &v, sizeof(v)) > 0)
		;
	sip_dialog_media_ended(t);
	sip_out_commands(t);
	if (atomic_load(&t->draining) && !t->drain_seen) {
		t->drain_seen = true;
		sip_out_drain(t);
	}
	if (atomic_load(&t->stop) && !t->shutting_down) {
		t->shutting_down = true;
		sip_dialog_answer_ringing(t);
		sip_out_stop(t);
		t->shutdown_timer = su_timer_create(su_root_task(t->root), FGW_SIP_SHUTDOWN_MS);
		if (t->shutdown_timer != NULL)
			su_timer_set(t->shutdown_timer, sip_on_shutdown_timeout, NULL);
		nua_shutdown(t->nua);
	}
	return 0;
}

static void sip_started(struct sip_thread *t, int state, const char *why)
{
	pthread_mutex_lock(&t->mu);
	t->start_state = state;
	if (why != NULL)
		snprintf(t->start_err, sizeof(t->start_err), "%s", why);
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

/* Tags for nua_create(): one NUTAG_URL per listen address, the limits. */
static void sip_create_tags(const struct sip_thread *t, tagi_t *tags, size_t n)
{
	size_t i = 0;

	/* nua binds NUTAG_URL and NUTAG_SIPS_URL (of any scheme), one each. */
	for (size_t l = 0; l < t->s->nlisten && l < 2 && i + 3 < n; l++) {
		tags[i].t_tag = l == 0 ? nutag_url : nutag_sips_url;
		tags[i++].t_value = (tag_value_t)t->s->listen_url[l];
	}
	tags[i].t_tag = ntatag_maxsize;
	tags[i++].t_value = (tag_value_t)FGW_SIP_MAX_MESSAGE;
	tags[i].t_tag = ntatag_max_proceeding;
	tags[i++].t_value = (tag_value_t)FGW_SIP_MAX_PROCEEDING;
	tags[i].t_tag = NULL;
	tags[i].t_value = 0;
}

/* The auth module, with our one user; nonces expire after 5 minutes,
 * wrong credentials get 403 (AUTHTAG_FORBIDDEN). */
static int sip_open_auth(struct sip_thread *t)
{
	auth_passwd_t *apw;

	if (t->s->username[0] == '\0')
		return 0;
	t->auth = auth_mod_create(t->root, AUTHTAG_METHOD("Digest"),
				  AUTHTAG_REALM(SIP_AUTH_REALM), AUTHTAG_QOP("auth"),
				  AUTHTAG_ALGORITHM("MD5"), AUTHTAG_EXPIRES(300),
				  AUTHTAG_FORBIDDEN(1), TAG_END());
	if (t->auth == NULL)
		return -1;
	apw = auth_mod_addpass(t->auth, t->s->username, SIP_AUTH_REALM);
	if (apw == NULL)
		return -1;
	apw->apw_pass = t->s->password;     /* t->s outlives the module */
	return 0;
}

static int sip_open(struct sip_thread *t)
{
	tagi_t tags[FGW_MAX_SIP_LISTEN + 4];

	t->root = su_root_create(t);
	if (t->root == NULL)
		return -1;
	if (su_wait_create(t->wait, t->efd, SU_WAIT_IN) != 0 ||
	    su_root_register(t->root, t->wait, sip_on_command, t, 0) < 0)
		return -1;
	t->registered = true;
	if (sip_open_auth(t) != 0)
		return -1;
	sip_create_tags(t, tags, sizeof(tags) / sizeof(tags[0]));
	t->nua = nua_create(t->root, sip_on_event, t, TAG_NEXT(tags));
	if (t->nua == NULL)
		return -1;
	nua_set_params(t->nua, NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0), NUTAG_AUTOACK(0),
		       NUTAG_MEDIA_ENABLE(0), NUTAG_APPL_METHOD("OPTIONS"),
		       NUTAG_APPL_METHOD("UPDATE"),
		       NUTAG_SESSION_REFRESHER(nua_remote_refresher),
		       SIPTAG_ALLOW_STR(SIP_ALLOW), SIPTAG_SUPPORTED_STR("timer"),
		       SIPTAG_USER_AGENT_STR("faxgw"), TAG_END());
	return 0;
}

static void *sip_main(void *arg)
{
	struct sip_thread *t = arg;

	su_init();
	if (t->hooks.log != NULL)
		su_log_redirect(NULL, sip_sofia_log, t);
	if (sip_open(t) != 0) {
		sip_started(t, -1, "cannot create the SIP agent (is a listen address in use "
			    "or not local?)");
	} else {
		su_root_run(t->root);   /* started at nua_r_set_params */
	}
	sip_log(t, LOG_DEBUG, "SIP: %llu INVITE handles (%llu of them ours), %llu left at "
		"shutdown", (unsigned long long)(t->invites + t->dials),
		(unsigned long long)t->dials,
		(unsigned long long)(t->invites + t->dials - t->handles_freed));
	t->shutting_down = true;
	sip_out_stop(t);                /* dials still queued fail; none come after */
	sip_dialog_free_all(t);
	if (t->nua != NULL)
		nua_destroy(t->nua);
	if (t->shutdown_timer != NULL)
		su_timer_destroy(t->shutdown_timer);
	if (t->auth != NULL)
		auth_mod_destroy(t->auth);
	if (t->registered)
		su_root_unregister(t->root, t->wait, sip_on_command, t);
	if (t->root != NULL)
		su_root_destroy(t->root);
	su_deinit();
	if (t->hooks.log != NULL)
		su_log_redirect(NULL, NULL, NULL);   /* back to stderr before t goes */
	return NULL;
}

/* --- the main thread's side --------------------------------------------------- */

static void sip_free(struct sip_thread *t)
{
	if (t->efd >= 0)
		close(t->efd);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->ended_mu);
	for (size_t i = 0; t->chan_busy != NULL && i < t->s->nports; i++)
		free(t->chan_busy[i]);
	free(t->chan_busy);
	free(t->port_stats);
	free(t->ended);
	free(t->out);
	free(t->port_calls);
	free(t->s);
	free(t);
}

/* The per-port channel maps and the ring of media ends: one entry per call
 * that may be in progress (a call reports its end once). */
static int sip_new_tables(struct sip_thread *t)
{
	const struct sip_settings *s = t->s;

	t->port_calls = calloc(s->nports ? s->nports : 1, sizeof(unsigned));
	t->chan_busy = calloc(s->nports ? s->nports : 1, sizeof(*t->chan_busy));
	t->ended_cap = (size_t)s->max_calls + 1;
	t->ended = calloc(t->ended_cap, sizeof(*t->ended));
	t->out_cap = SIP_OUT_QUEUE;
	t->out = calloc(t->out_cap, sizeof(*t->out));
	t->port_stats = calloc(s->nports ? s->nports : 1, sizeof(*t->port_stats));
	if (t->port_calls == NULL || t->chan_busy == NULL || t->ended == NULL ||
	    t->out == NULL || t->port_stats == NULL)
		return -1;
	for (size_t i = 0; i < s->nports; i++)
		if ((t->chan_busy[i] = calloc(s->ports[i].channels + 1, 1)) == NULL)
			return -1;
	return 0;
}

static struct sip_thread *sip_new(const struct sip_settings *s, const struct sip_hooks *hooks,
				  const struct sip_media_ops *ops)
{
	struct sip_thread *t = calloc(1, sizeof(*t));
	size_t size = sip_settings_size(s->nports);

	if (t == NULL)
		return NULL;
	t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	pthread_mutex_init(&t->ended_mu, NULL);
	t->s = malloc(size);
	if (hooks != NULL)
		t->hooks = *hooks;
	if (ops != NULL)
		t->ops = *ops;
	if (t->s != NULL)
		memcpy(t->s, s, size);
	if (t->efd < 0 || t->s == NULL || sip_new_tables(t) != 0) {
		if (t->s == NULL)
			t->s = calloc(1, sizeof(*t->s));   /* sip_free() reads nports */
		sip_free(t);
		return NULL;
	}
	return t;
}

/* Whether each listen address can be bound now: nua_create() fails on a
 * busy address without telling which, and leaks what it allocated. */
static int sip_probe_listen(const struct sip_settings *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nlisten; i++) {
		int one = 1, fd, rc;
		if (s->listen_len[i] == 0)
			continue;
		fd = socket(s->listen_addr[i].ss_family,
			    (s->listen_tcp[i] ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			rc = -1;
		else
			rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
			     bind(fd, (const struct sockaddr *)&s->listen_addr[i],
				  s->listen_len[i]) != 0 ? -1 : 0;
		if (rc != 0)
			snprintf(err, errlen, "SIP: cannot listen on %s: %s", s->listen_url[i],
				 strerror(errno));
		if (fd >= 0)
			close(fd);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Waits for the thread's start-up verdict (at most FGW_SIP_START_MS). */
static int sip_wait_started(struct sip_thread *t)
{
	struct timespec until;
	int state;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += FGW_SIP_START_MS / 1000;
	pthread_mutex_lock(&t->mu);
	while (t->start_state == 0)
		if (pthread_cond_timedwait(&t->cv, &t->mu, &until) == ETIMEDOUT)
			break;
	state = t->start_state;
	pthread_mutex_unlock(&t->mu);
	return state;
}

int sip_thread_start(const struct sip_settings *s, const struct sip_hooks *hooks,
		     const struct sip_media_ops *ops, struct sip_thread **out, char *err,
		     size_t errlen)
{
	struct sip_thread *t = sip_new(s, hooks, ops);
	sigset_t all, old;
	int rc;

	*out = NULL;
	if (t == NULL) {
		snprintf(err, errlen, "SIP: out of memory");
		return -1;
	}
	if (sip_probe_listen(s, err, errlen) != 0) {
		sip_free(t);
		return -1;
	}
	/* The thread takes no signals: the main loop handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t->tid, NULL, sip_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "SIP: cannot start its thread: %s", strerror(rc));
		sip_free(t);
		return -1;
	}
	if (sip_wait_started(t) != 1) {
		snprintf(err, errlen, "SIP: %s", t->start_err[0] ? t->start_err
			 : "the SIP thread did not start in time");
		atomic_store(&t->stop, true);
		sip_wake(t);
		pthread_join(t->tid, NULL);
		sip_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

int sip_thread_dial(struct sip_thread *t, const struct sip_dial *d, char *err, size_t errlen)
{
	if (t == NULL) {
		snprintf(err, errlen, "SIP is not running");
		return -1;
	}
	return sip_out_queue_dial(t, d, err, errlen);
}

void sip_thread_cancel(struct sip_thread *t, uint64_t job_id)
{
	if (t != NULL)
		sip_out_queue_cancel(t, job_id);
}

void sip_thread_media_ended(struct sip_thread *t, uint64_t serial)
{
	if (t != NULL)
		sip_ended_push(t, serial);
}

uint64_t sip_thread_answers(const struct sip_thread *t, int status)
{
	if (t == NULL || status < 100 || status > 699)
		return 0;
	return atomic_load(&((struct sip_thread *)t)->answers[status - 100]);
}

uint64_t sip_thread_answers_class(const struct sip_thread *t, int cls)
{
	uint64_t n = 0;

	for (int s = cls * 100; cls >= 1 && cls <= 6 && s < cls * 100 + 100; s++)
		n += sip_thread_answers(t, s);
	return n;
}

static void sip_stats_read(const sip_counters *c, struct sip_stats *out)
{
	sip_counters *v = (sip_counters *)c;

	memset(out, 0, sizeof(*out));
	out->invites = atomic_load(&(*v)[SIP_ST_INVITES]);
	out->answered = atomic_load(&(*v)[SIP_ST_ANSWERED]);
	for (int k = 3; k <= 6; k++)
		out->rejected[k] = atomic_load(&(*v)[SIP_ST_REJ3 + k - 3]);
	out->t38_sent = atomic_load(&(*v)[SIP_ST_T38_SENT]);
	out->t38_accepted = atomic_load(&(*v)[SIP_ST_T38_ACCEPTED]);
	out->t38_refused = atomic_load(&(*v)[SIP_ST_T38_REFUSED]);
	out->t38_peer = atomic_load(&(*v)[SIP_ST_T38_PEER]);
	out->refreshes = atomic_load(&(*v)[SIP_ST_REFRESHES]);
	out->calls = atomic_load(&(*v)[SIP_ST_CALLS]);
}

void sip_thread_stats(const struct sip_thread *t, struct sip_stats *out)
{
	if (t == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	sip_stats_read(&t->stats, out);
}

int sip_thread_port_stats(const struct sip_thread *t, size_t i, struct sip_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (t == NULL || i >= t->s->nports)
		return -1;
	sip_stats_read(&t->port_stats[i], out);
	return 0;
}

void sip_thread_drain(struct sip_thread *t)
{
	if (t == NULL)
		return;
	atomic_store(&t->draining, true);
	sip_wake(t);                    /* the dials still ringing are cancelled */
}

void sip_thread_stop(struct sip_thread *t)
{
	if (t == NULL || t->joined)
		return;
	atomic_store(&t->draining, true);
	atomic_store(&t->stop, true);
	sip_wake(t);
	pthread_join(t->tid, NULL);
	t->joined = true;
}

void sip_thread_free(struct sip_thread *t)
{
	if (t == NULL)
		return;
	sip_thread_stop(t);
	sip_free(t);
}
