/*
 * sipconf.c - the configuration's [sip] and sip ports as the SIP layer's
 * settings, and the SIP thread's start for faxgwd (sipconf.h).
 */
#include "sipconf.h"
#include "config_sip.h"
#include "core.h"
#include "log.h"
#include "sendq.h"
#include "sipmedia.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

static enum sdp_codec sipconf_codec(enum config_codec c)
{
	return c == CONFIG_PCMA ? SDP_CODEC_PCMA : SDP_CODEC_PCMU;
}

static enum sdp_t38_ec sipconf_ec(enum config_udptl_ec ec)
{
	return ec == CONFIG_EC_FEC ? SDP_T38_EC_FEC
	       : ec == CONFIG_EC_REDUNDANCY ? SDP_T38_EC_REDUNDANCY : SDP_T38_EC_NONE;
}

static enum sdp_t38_mode sipconf_t38(enum config_t38_mode m)
{
	return m == CONFIG_T38_OFFER ? SDP_T38_OFFER
	       : m == CONFIG_T38_ACCEPT ? SDP_T38_ACCEPT : SDP_T38_NO;
}

/* What the port answers in SDP: its codecs and T.38 settings; no optional
 * T.38 flags (fill bit removal, MMR, JBIG) are announced. */
static void sipconf_port(const struct config_port *cp, struct sip_port_settings *p)
{
	p->id = cp->id;
	_Static_assert(sizeof(p->users) == FGW_MAX_SIP_USERS * FGW_MAX_SIP_USER, "one sip-user list");
	if (cp->sip_users != NULL)
		memcpy(p->users, cp->sip_users, sizeof(p->users));
	p->nusers = cp->nsip_users;
	p->any = cp->sip_any;
	p->channels = (unsigned)cp->channels;
	p->sdp.t38 = sipconf_t38(cp->t38);
	p->sdp.n_codecs = cp->ncodecs;
	for (size_t i = 0; i < cp->ncodecs; i++)
		p->sdp.codecs[i] = sipconf_codec(cp->codecs[i]);
	p->sdp.t38_version = (unsigned)cp->t38_version;
	p->sdp.max_rate = (uint32_t)cp->max_rate;
	p->sdp.udptl_ec = sipconf_ec(cp->udptl_ec);
	p->sdp.t38_flags = 0;
	p->sdp.t38_max_datagram = (uint32_t)cp->t38_max_datagram;
	p->sdp.ptime = FGW_SDP_PTIME_DEFAULT_MS;
}

/* The media sockets bind to the first listen address (port 0 here); our
 * SDP names public-address when set, else that address. */
static void sipconf_media(const struct config *c, struct sip_settings *s)
{
	const struct config_sip_listen *l = &c->sip.listen[0];
	const void *ip;

	memcpy(&s->media_bind, &l->addr, sizeof(l->addr));
	s->media_bind_len = l->addr_len;
	if (l->addr.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&s->media_bind)->sin6_port = 0;
		ip = &((const struct sockaddr_in6 *)&l->addr)->sin6_addr;
	} else {
		((struct sockaddr_in *)&s->media_bind)->sin_port = 0;
		ip = &((const struct sockaddr_in *)&l->addr)->sin_addr;
	}
	if (c->sip.public_address[0] != '\0')
		snprintf(s->media_addr, sizeof(s->media_addr), "%s", c->sip.public_address);
	else if (inet_ntop(l->addr.ss_family, ip, s->media_addr, sizeof(s->media_addr)) == NULL)
		s->media_addr[0] = '\0';
	s->media_port_min = c->sip.media_port_min;
	s->media_port_max = c->sip.media_port_max;
}

struct sip_settings *sipconf_settings(const struct config *c)
{
	size_t n = 0;
	struct sip_settings *s;

	for (size_t i = 0; i < c->nports; i++)
		n += c->ports[i].transport == CONFIG_SIP;
	s = calloc(1, sip_settings_size(n));
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < c->sip.nlisten; i++) {
		const struct config_sip_listen *l = &c->sip.listen[i];
		snprintf(s->listen_url[i], sizeof(s->listen_url[i]), "sip:%s;transport=%s",
			 l->text, config_sip_proto_name(l->proto));
		memcpy(&s->listen_addr[i], &l->addr, sizeof(l->addr));
		s->listen_len[i] = l->addr_len;
		s->listen_tcp[i] = l->proto == CONFIG_SIP_TCP;
	}
	s->nlisten = c->sip.nlisten;
	memcpy(s->allow, c->sip.allow, sizeof(s->allow));
	s->nallow = c->sip.nallow;
	s->max_calls = (unsigned)c->sip.max_calls;
	s->max_calls_per_source = c->sip.max_calls_per_source > 0
				  ? (unsigned)c->sip.max_calls_per_source : s->max_calls;
	memcpy(s->username, c->sip.username, sizeof(s->username));
	memcpy(s->password, c->sip.password, sizeof(s->password));
	if (c->sip.nlisten > 0)
		sipconf_media(c, s);
	if (c->sip.from[0] != '\0')
		snprintf(s->from, sizeof(s->from), "%s", c->sip.from);
	else if (c->sip.nlisten > 0)
		snprintf(s->from, sizeof(s->from), "sip:faxgw@%s", c->sip.listen[0].text);
	else
		snprintf(s->from, sizeof(s->from), "sip:faxgw@localhost");
	for (size_t i = 0; i < c->nports; i++)
		if (c->ports[i].transport == CONFIG_SIP)
			sipconf_port(&c->ports[i], &s->ports[s->nports++]);
	return s;
}

static void sipconf_log(void *arg, int level, const char *text)
{
	(void)arg;
	log_msg(level, "%s", text);
}

struct sip_hooks sipconf_hooks(void)
{
	struct sip_hooks h = { .log = sipconf_log };
	return h;
}

/* --- the dials' reports, SIP thread -> main thread ------------------------------------- */

struct sipconf_report {
	struct sipconf_report *next;
	bool answered;                /* else the dial failed */
	uint64_t job_id;
	int status;
	char call_id[FGW_MAX_SIP_IDENT];
	char reason[FGW_MAX_ERROR_TEXT];
};

struct sipconf_link {
	struct core *core;
	int fd;                       /* eventfd, watched by the main loop */
	struct event *ev;
	pthread_mutex_t mu;
	struct sipconf_report *head, **tail;
};

/* SIP thread: queues r and wakes the main loop. */
static void sipconf_link_post(struct sipconf_link *l, struct sipconf_report *r)
{
	uint64_t one = 1;

	r->next = NULL;
	pthread_mutex_lock(&l->mu);
	*l->tail = r;
	l->tail = &r->next;
	pthread_mutex_unlock(&l->mu);
	if (write(l->fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("SIP: cannot wake the main loop: %s", strerror(errno));
}

static void sipconf_on_answered(void *arg, uint64_t job_id, const char *call_id)
{
	struct sipconf_report *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		log_err("SIP: job %" PRIu64 " answered, not reported: out of memory", job_id);
		return;
	}
	r->answered = true;
	r->job_id = job_id;
	snprintf(r->call_id, sizeof(r->call_id), "%s", call_id != NULL ? call_id : "");
	sipconf_link_post(arg, r);
}

static void sipconf_on_dial_failed(void *arg, const struct sip_dial_result *res)
{
	struct sipconf_report *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		log_err("SIP: dial of job %" PRIu64 " failed (%d), not reported: out of memory",
			res->job_id, res->status);
		return;
	}
	r->job_id = res->job_id;
	r->status = res->status;
	snprintf(r->reason, sizeof(r->reason), "%s", res->reason);
	sipconf_link_post(arg, r);
}

/* Main thread: the eventfd first, then the list (a report queued after
 * the list was taken wakes the loop again). */
static void sipconf_on_reports(evutil_socket_t fd, short what, void *arg)
{
	struct sipconf_link *l = arg;
	struct sipconf_report *r;
	uint64_t v;

	(void)what;
	while (read(fd, &v, sizeof(v)) > 0)
		;
	pthread_mutex_lock(&l->mu);
	r = l->head;
	l->head = NULL;
	l->tail = &l->head;
	pthread_mutex_unlock(&l->mu);
	while (r != NULL) {
		struct sipconf_report *next = r->next;
		if (r->answered)
			sendq_answered(core_sendq(l->core), r->job_id, r->call_id);
		else
			sendq_dial_failed(core_sendq(l->core), r->job_id, r->status, r->reason);
		free(r);
		r = next;
	}
}

struct sipconf_link *sipconf_link_new(struct event_base *base, struct core *core)
{
	struct sipconf_link *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->core = core;
	l->tail = &l->head;
	pthread_mutex_init(&l->mu, NULL);
	l->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->fd >= 0)
		l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, sipconf_on_reports, l);
	if (l->ev == NULL || event_add(l->ev, NULL) != 0) {
		sipconf_link_free(l);
		return NULL;
	}
	return l;
}

void sipconf_link_free(struct sipconf_link *l)
{
	unsigned dropped = 0;

	if (l == NULL)
		return;
	while (l->head != NULL) {
		struct sipconf_report *r = l->head;
		l->head = r->next;
		free(r);
		dropped++;
	}
	if (dropped > 0)
		log_notice("SIP: %u report(s) on send jobs' calls dropped at shutdown (the jobs "
			   "are dialled again at the next start)", dropped);
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->fd >= 0)
		close(l->fd);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* --- sending: what to dial ----------------------------------------------------------- */

/* The number of `to` without visual separators into out; -1 when it is
 * not a number. */
static int sipconf_number(const char *to, char *out, size_t outlen)
{
	size_t n = 0;

	for (const char *p = to; *p != '\0'; p++) {
		if (strchr(" -.()", *p) != NULL)
			continue;
		if (!((*p >= '0' && *p <= '9') || *p == '*' || (*p == '+' && n == 0)))
			return -1;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 && strcmp(out, "+") != 0 ? 0 : -1;
}

/* HOST[:PORT] and ";params" of a sip:/sips: URI (its user part skipped,
 * headers after '?' dropped). */
static void sipconf_proxy_host(const char *proxy, const char **host, size_t *hostlen,
			       const char **params, size_t *paramlen)
{
	const char *p = strchr(proxy, ':') + 1;
	const char *end = p + strcspn(p, ";?");
	const char *at = memchr(p, '@', (size_t)(end - p));

	if (at != NULL)
		p = at + 1;
	*host = p;
	*hostlen = (size_t)(end - p);
	*params = end;
	*paramlen = *end == ';' ? strcspn(end, "?") : 0;
}

int sipconf_dial_uri(const char *to, const char *proxy, char *out, size_t outlen, char *err,
		     size_t errlen)
{
	char number[FGW_MAX_SEND_TO];
	const char *host, *params;
	size_t hostlen, paramlen;

	if (strncasecmp(to, "sip:", 4) == 0 || strncasecmp(to, "sips:", 5) == 0) {
		if (config_sip_uri(to, err, errlen) != 0)
			return -1;
		if ((size_t)snprintf(out, outlen, "%s", to) >= outlen) {
			snprintf(err, errlen, "the URI is too long");
			return -1;
		}
		return 0;
	}
	if (sipconf_number(to, number, sizeof(number)) != 0) {
		snprintf(err, errlen, "'%.80s' is neither a number nor a sip: or sips: URI", to);
		return -1;
	}
	if (proxy == NULL || proxy[0] == '\0' || strchr(proxy, ':') == NULL) {
		snprintf(err, errlen, "a number needs [sip] outbound-proxy (or give a whole sip: "
			 "URI)");
		return -1;
	}
	sipconf_proxy_host(proxy, &host, &hostlen, &params, &paramlen);
	if (hostlen == 0) {
		snprintf(err, errlen, "[sip] outbound-proxy %.80s names no host", proxy);
		return -1;
	}
	if ((size_t)snprintf(out, outlen, "sip:%s@%.*s%.*s", number, (int)hostlen, host,
			     (int)paramlen, params) >= outlen) {
		snprintf(err, errlen, "the URI is too long");
		return -1;
	}
	return 0;
}

int sipconf_port_index(const struct config *c, uint32_t port_id)
{
	int k = 0;

	for (size_t i = 0; i < c->nports; i++) {
		if (c->ports[i].transport != CONFIG_SIP)
			continue;
		if (c->ports[i].id == port_id)
			return k;
		k++;
	}
	return -1;
}

int sipconf_dial(const struct config *c, struct sip_thread *t, const struct core_dial *d,
		 char *err, size_t errlen)
{
	struct sip_dial sd;
	int port = sipconf_port_index(c, d->port_id);

	if (t == NULL) {
		snprintf(err, errlen, "SIP is not running");
		return -1;
	}
	if (port < 0) {
		snprintf(err, errlen, "port %u is not a sip port", (unsigned)d->port_id);
		return -1;
	}
	memset(&sd, 0, sizeof(sd));
	sd.job_id = d->job_id;
	sd.port = (size_t)port;
	if (sipconf_dial_uri(d->to, c->sip.outbound_proxy, sd.uri, sizeof(sd.uri), err,
			     errlen) != 0)
		return -1;
	snprintf(sd.file, sizeof(sd.file), "%s", d->file);
	snprintf(sd.local_ident, sizeof(sd.local_ident), "%s", d->local_ident);
	return sip_thread_dial(t, &sd, err, errlen);
}

/* --- the thread ------------------------------------------------------------------------ */

int sipconf_start(const struct config *c, struct dataplane *dp, struct sipconf_link *link,
		  struct sip_thread **out, char *err, size_t errlen)
{
	struct sip_hooks hooks = sipconf_hooks();
	struct sip_media_ops ops;
	struct sip_settings *s;
	int rc;

	*out = NULL;
	if (!c->sip.present)
		return 0;
	s = sipconf_settings(c);
	if (s == NULL) {
		snprintf(err, errlen, "SIP: out of memory");
		return -1;
	}
	if (link != NULL) {
		hooks.dial_answered = sipconf_on_answered;
		hooks.dial_failed = sipconf_on_dial_failed;
		hooks.arg = link;
	}
	sipmedia_ops(dp, &ops);
	rc = sip_thread_start(s, &hooks, dp != NULL ? &ops : NULL, out, err, errlen);
	if (rc == 0)
		for (size_t i = 0; i < s->nlisten; i++)
			log_info("SIP listening on %s", s->listen_url[i]);
	free(s);
	return rc;
}

static void sipconf_stats(const struct sip_stats *in, fgw_sip_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->calls = (uint32_t)in->calls;
	out->invites = in->invites;
	out->answered = in->answered;
	for (int k = 3; k <= 6; k++)
		out->rejected[k] = in->rejected[k];
	out->t38_sent = in->t38_sent;
	out->t38_accepted = in->t38_accepted;
	out->t38_refused = in->t38_refused;
	out->t38_peer = in->t38_peer;
	out->refreshes = in->refreshes;
}

/* "5550100, 5550101" or "*" (a port may have both). */
static void sipconf_users(const struct config_port *cp, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t u = 0; u < cp->nsip_users && len < size; u++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ", " : "",
					cp->sip_users[u]);
	if (cp->sip_any && len < size)
		snprintf(out + len, size - len, "%s*", len ? ", " : "");
}

int sipconf_info(const struct config *c, const struct sip_thread *t, fgw_sip_port *out,
		 char (*users)[FGW_MAX_SIP_USERS_TEXT], size_t max, size_t *n)
{
	struct sip_stats st;
	size_t k = 0;

	sip_thread_stats(t, &st);
	memset(&out[0], 0, sizeof(out[0]));
	sipconf_stats(&st, &out[0].stats);
	out[0].stats.running = t != NULL;
	out[0].channels = (uint32_t)c->sip.max_calls;
	out[0].sip_users = "";
	*n = 1;
	for (size_t i = 0; i < c->nports && *n < max; i++) {
		const struct config_port *cp = &c->ports[i];
		fgw_sip_port *p = &out[*n];
		if (cp->transport != CONFIG_SIP)
			continue;
		memset(p, 0, sizeof(*p));
		p->port_id = cp->id;
		p->channels = (uint32_t)cp->channels;
		sipconf_users(cp, users[*n], sizeof(users[*n]));
		p->sip_users = users[*n];
		sip_thread_port_stats(t, k++, &st);
		sipconf_stats(&st, &p->stats);
		p->stats.running = t != NULL;
		(*n)++;
	}
	return 0;
}

void sipconf_log_answers(const struct sip_thread *t)
{
	struct sip_stats st;

	if (t == NULL)
		return;
	sip_thread_stats(t, &st);
	log_notice("SIP calls: %llu INVITEs, %llu answered, rejected 3xx %llu 4xx %llu 5xx %llu "
		   "6xx %llu; our T.38 re-INVITEs %llu (accepted %llu, refused %llu), the "
		   "peer's to T.38 %llu, refreshes %llu",
		   (unsigned long long)st.invites, (unsigned long long)st.answered,
		   (unsigned long long)st.rejected[3], (unsigned long long)st.rejected[4],
		   (unsigned long long)st.rejected[5], (unsigned long long)st.rejected[6],
		   (unsigned long long)st.t38_sent, (unsigned long long)st.t38_accepted,
		   (unsigned long long)st.t38_refused, (unsigned long long)st.t38_peer,
		   (unsigned long long)st.refreshes);
	log_notice("SIP answers: 1xx %llu, 2xx %llu, 3xx %llu, 4xx %llu, 5xx %llu, 6xx %llu "
		   "(403 %llu, 404 %llu, 486 %llu, 487 %llu, 488 %llu, 503 %llu)",
		   (unsigned long long)sip_thread_answers_class(t, 1),
		   (unsigned long long)sip_thread_answers_class(t, 2),
		   (unsigned long long)sip_thread_answers_class(t, 3),
		   (unsigned long long)sip_thread_answers_class(t, 4),
		   (unsigned long long)sip_thread_answers_class(t, 5),
		   (unsigned long long)sip_thread_answers_class(t, 6),
		   (unsigned long long)sip_thread_answers(t, 403),
		   (unsigned long long)sip_thread_answers(t, 404),
		   (unsigned long long)sip_thread_answers(t, 486),
		   (unsigned long long)sip_thread_answers(t, 487),
		   (unsigned long long)sip_thread_answers(t, 488),
		   (unsigned long long)sip_thread_answers(t, 503));
}
