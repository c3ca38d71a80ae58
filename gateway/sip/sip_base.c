/*
 * sip_base.c - what every part of the SIP thread uses (sip_internal.h):
 * its log, its answer counters, responses with a Warning, and the
 * wake-up through which other threads reach it.
 */
#include "sip_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sofia-sip/su_tag.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_status.h>

void sip_log(struct sip_thread *t, int level, const char *fmt, ...)
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

void sip_count(struct sip_thread *t, int status)
{
	if (status >= 100 && status <= 699)
		atomic_fetch_add(&t->answers[status - 100], 1);
}

void sip_stat(struct sip_thread *t, int port, enum sip_stat which, int delta)
{
	uint64_t d = (uint64_t)(int64_t)delta;

	atomic_fetch_add(&t->stats[which], d);
	if (port >= 0 && (size_t)port < t->s->nports)
		atomic_fetch_add(&t->port_stats[port][which], d);
}

void sip_stat_final(struct sip_thread *t, int port, int status)
{
	if (status >= 200 && status < 300)
		sip_stat(t, port, SIP_ST_ANSWERED, 1);
	else if (status >= 300 && status <= 699)
		sip_stat(t, port, (enum sip_stat)(SIP_ST_REJ3 + status / 100 - 3), 1);
}

void sip_warning(char *out, size_t size, int code, const char *text)
{
	sip_policy_warning(out, size, code, SIP_WARN_AGENT, text);
}

void sip_respond(struct sip_thread *t, nua_handle_t *nh, int status, const char *warning,
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

void sip_wake(struct sip_thread *t)
{
	uint64_t one = 1;

	if (write(t->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

void sip_ended_push(struct sip_thread *t, uint64_t serial)
{
	bool queued = false;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->ended_mu);
	if (t->ended_n < t->ended_cap) {
		t->ended[(t->ended_head + t->ended_n) % t->ended_cap] = serial;
		t->ended_n++;
		queued = true;
	}
	pthread_mutex_unlock(&t->ended_mu);
	if (queued)
		sip_wake(t);
}

void sip_thread_ended_cb(void *arg, uint64_t serial)
{
	sip_ended_push(arg, serial);
}
