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
#define SU_ROOT_MAGIC_T  struct sip_thread
#define SU_WAKEUP_ARG_T  struct sip_thread
#define SU_TIMER_ARG_T   struct sip_call
#define NUA_MAGIC_T      struct sip_thread
#define NUA_HMAGIC_T     struct sip_call

#include "sip_thread.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_string.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/auth_module.h>
#include <sofia-sip/auth_plugin.h>

#define SIP_WARN_AGENT "faxgw"
#define SIP_WARN_MAX   (FGW_SDP_MAX_WARNING + 32)
#define SIP_NO_MEDIA   "fax media over SIP is not available in this version of faxgw"
/* The methods served; nua answers 405 to the others.  Its default list
 * also takes MESSAGE (200) and REFER (202, then a NOTIFY): not for a fax
 * gateway. */
#define SIP_ALLOW      "INVITE, ACK, BYE, CANCEL, OPTIONS"

/* One INVITE we are answering (bound to its nua handle). */
struct sip_call {
	struct sip_thread *t;
	nua_handle_t *nh;
	int port;                     /* index in settings->ports */
	su_timer_t *ring;             /* final answer after FGW_SIP_RING_MS */
	struct sip_call *prev, *next; /* the thread's calls */
};

struct sip_thread {
	pthread_t tid;
	bool joined;                  /* sip_thread_stop() is done */
	int efd;                      /* eventfd: a command is waiting */
	atomic_bool draining, stop;
	_Atomic uint64_t answers[600]; /* by status - 100 */
	struct sip_hooks hooks;
	char sulog[512];              /* sofia-sip's log line being assembled */
	size_t sulog_len;
	/* start-up handshake */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int start_state;              /* 0 waiting, 1 running, -1 failed */
	char start_err[FGW_MAX_ERROR_TEXT];
	/* the SIP thread's own */
	su_root_t *root;
	su_wait_t wait[1];            /* the eventfd's */
	bool registered;
	nua_t *nua;
	su_timer_t *shutdown_timer;
	auth_mod_t *auth;             /* digest authentication; NULL: none */
	bool shutting_down;
	unsigned calls;
	struct sip_call *call_list;   /* every call, ringing or ending */
	unsigned *port_calls;         /* per settings->ports[i] */
	uint64_t invites, handles_freed; /* INVITE handles received and destroyed */
	struct sip_settings *s;       /* copy */
};

__attribute__((format(printf, 3, 4)))
static void sip_log(struct sip_thread *t, int level, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (t->hooks.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	t->hooks.log(t->hooks.arg, level, text);
}

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

static void sip_count(struct sip_thread *t, int status)
{
	if (status >= 100 && status <= 699)
		atomic_fetch_add(&t->answers[status - 100], 1);
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

/* A Warning header value (RFC 3261 20.43): code, agent, quoted text with
 * '"', '\' and control characters replaced. */
static void sip_warning(char *out, size_t size, int code, const char *text)
{
	int n = snprintf(out, size, "%d %s \"", code, SIP_WARN_AGENT);
	size_t i = n > 0 ? (size_t)n : 0;

	for (; *text != '\0' && i + 2 < size; text++, i++) {
		unsigned char c = (unsigned char)*text;
		out[i] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '\'' : (char)c;
	}
	if (i + 1 < size)
		out[i++] = '"';
	out[i < size ? i : size - 1] = '\0';
}

/* Sends a response; with_this inside the callback of the request. */
static void sip_respond(struct sip_thread *t, nua_handle_t *nh, int status, const char *warning,
			bool retry_after, bool with_this)
{
	char ra[16];

	snprintf(ra, sizeof(ra), "%d", FGW_SIP_RETRY_AFTER_S);
	sip_count(t, status);      /* first: whoever sees the answer finds it counted */
	nua_respond(nh, status, sip_status_phrase(status),
		    TAG_IF(with_this, NUTAG_WITH_THIS(t->nua)),
		    TAG_IF(warning != NULL, SIPTAG_WARNING_STR(warning)),
		    TAG_IF(retry_after, SIPTAG_RETRY_AFTER_STR(ra)),
		    NUTAG_AUTOANSWER(0),
		    TAG_END());
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

static void sip_call_free(struct sip_call *c)
{
	struct sip_thread *t = c->t;

	if (c->ring != NULL)
		su_timer_destroy(c->ring);
	t->calls--;
	t->port_calls[c->port]--;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->call_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	nua_handle_bind(c->nh, NULL);
	free(c);
}

/* The ring is over: this version has no media for the call (faxgwd(8)). */
static void sip_on_ring_done(struct sip_thread *t, su_timer_t *timer, struct sip_call *c)
{
	char warn[SIP_WARN_MAX];

	(void)timer;
	sip_warning(warn, sizeof(warn), 399, SIP_NO_MEDIA);
	sip_respond(t, c->nh, 503, warn, false, false);
	su_timer_destroy(c->ring);
	c->ring = NULL;
}

/* An acceptable offer: 180, then the final answer when the ring is over. */
static void sip_call_ring(struct sip_thread *t, nua_handle_t *nh, int port)
{
	struct sip_call *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		sip_respond(t, nh, 500, NULL, true, true);
		return;
	}
	c->t = t;
	c->nh = nh;
	c->port = port;
	c->next = t->call_list;
	if (c->next != NULL)
		c->next->prev = c;
	t->call_list = c;
	t->calls++;
	t->port_calls[port]++;
	nua_handle_bind(nh, c);
	c->ring = su_timer_create(su_root_task(t->root), FGW_SIP_RING_MS);
	if (c->ring == NULL || su_timer_set(c->ring, sip_on_ring_done, c) != 0) {
		sip_respond(t, nh, 500, NULL, true, true);
		return;                  /* freed when the handle terminates */
	}
	sip_respond(t, nh, 180, NULL, false, true);
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
	static _Thread_local struct sdp_answer ans;
	char why[FGW_SDP_MAX_WARNING], warn[SIP_WARN_MAX];
	const sip_payload_t *pl = sip->sip_payload;
	size_t len = pl != NULL ? pl->pl_len : 0;
	int status;

	if (len > 0 && !sip_is_sdp(sip)) {
		sip_warning(warn, sizeof(warn), 399, "the offer must be application/sdp");
		sip_respond(t, nh, 415, warn, false, true);
		return;
	}
	status = sip_policy_offer(&t->s->ports[port], len ? pl->pl_data : "", len, &ans, why,
				  sizeof(why));
	if (status == 488) {
		sip_warning(warn, sizeof(warn), 305, why);
		sip_respond(t, nh, 488, warn, false, true);
		return;
	}
	sip_call_ring(t, nh, port);
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
		nua_respond(nh, status, as->as_phrase, NUTAG_WITH_THIS(t->nua),
			    SIPTAG_HEADER((sip_header_t *)as->as_response), NUTAG_AUTOANSWER(0),
			    TAG_END());
	}
	AUTH_STATUS_DEINIT(as);
	return status == 0;
}

static void sip_on_invite(struct sip_thread *t, nua_handle_t *nh, const sip_t *sip)
{
	struct sip_load load = { t->calls, t->port_calls, atomic_load(&t->draining) };
	const char *user = sip_user(sip);
	const struct sockaddr *src = sip_source(t);
	int port, status;

	t->invites++;
	if (sip_policy_allowed(t->s, src) && !sip_authorized(t, nh, sip))
		return;
	status = sip_policy_invite(t->s, src, user, &load, &port);
	if (status != 0) {
		sip_log(t, LOG_INFO, "SIP INVITE for '%.64s': %d", user, status);
		sip_respond(t, nh, status, NULL, status == 503, true);
		return;
	}
	sip_log(t, LOG_INFO, "SIP INVITE for '%.64s': port %u", user,
		(unsigned)t->s->ports[port].id);
	sip_invite_offer(t, nh, sip, port);
}

static void sip_on_state(struct sip_thread *t, nua_handle_t *nh, struct sip_call *c,
			 tagi_t tags[])
{
	int state = nua_callstate_init;

	tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
	if (state != nua_callstate_terminated)
		return;
	if (c != NULL)
		sip_call_free(c);
	t->handles_freed++;
	nua_handle_destroy(nh);
}

static void sip_started(struct sip_thread *t, int state, const char *why);

static void sip_on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
			 struct sip_thread *t, nua_handle_t *nh, struct sip_call *c,
			 sip_t const *sip, tagi_t tags[])
{
	(void)nua;
	(void)phrase;
	switch (event) {
	case nua_i_invite:
		sip_on_invite(t, nh, sip);
		break;
	case nua_i_options:
		sip_on_options(t, nh);
		break;
	case nua_i_cancel:
		sip_count(t, 487);      /* nua answered the INVITE with 487 */
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

/* Stopping: the calls still ringing get 503 with Retry-After now, before
 * nua_shutdown() would answer them with 410 Gone. */
static void sip_answer_ringing(struct sip_thread *t)
{
	for (struct sip_call *c = t->call_list; c != NULL; c = c->next) {
		if (c->ring == NULL)
			continue;
		su_timer_destroy(c->ring);
		c->ring = NULL;
		sip_respond(t, c->nh, 503, NULL, true, false);
	}
}

/* After the root stopped: what nua_shutdown() did not end is freed here,
 * before nua_destroy() takes the handles. */
static void sip_free_calls(struct sip_thread *t)
{
	while (t->call_list != NULL) {
		nua_handle_t *nh = t->call_list->nh;
		sip_call_free(t->call_list);
		nua_handle_destroy(nh);
	}
}

static int sip_on_command(struct sip_thread *t, su_wait_t *w, struct sip_thread *arg)
{
	uint64_t v;

	(void)w;
	(void)arg;
	while (read(t->efd, &v, sizeof(v)) > 0)
		;
	if (atomic_load(&t->stop) && !t->shutting_down) {
		t->shutting_down = true;
		sip_answer_ringing(t);
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
	sip_log(t, LOG_DEBUG, "SIP: %llu INVITE handles, %llu left at shutdown",
		(unsigned long long)t->invites,
		(unsigned long long)(t->invites - t->handles_freed));
	sip_free_calls(t);
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
	free(t->port_calls);
	free(t->s);
	free(t);
}

static struct sip_thread *sip_new(const struct sip_settings *s, const struct sip_hooks *hooks)
{
	struct sip_thread *t = calloc(1, sizeof(*t));
	size_t size = sip_settings_size(s->nports);

	if (t == NULL)
		return NULL;
	t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->s = malloc(size);
	t->port_calls = calloc(s->nports ? s->nports : 1, sizeof(unsigned));
	if (hooks != NULL)
		t->hooks = *hooks;
	if (t->efd < 0 || t->s == NULL || t->port_calls == NULL) {
		sip_free(t);
		return NULL;
	}
	memcpy(t->s, s, size);
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

static void sip_wake(struct sip_thread *t)
{
	uint64_t one = 1;

	if (write(t->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

int sip_thread_start(const struct sip_settings *s, const struct sip_hooks *hooks,
		     struct sip_thread **out, char *err, size_t errlen)
{
	struct sip_thread *t = sip_new(s, hooks);
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

void sip_thread_drain(struct sip_thread *t)
{
	if (t != NULL)
		atomic_store(&t->draining, true);
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
