/*
 * send.c - faxgwctl send and cancel (faxgwctl(8), DESIGN 3b).
 *
 *   send [-p PORT] [--wait] [--ident TSI] TO FILE
 *   cancel JOB
 *
 * send prints the job id once faxgwd has queued the document.  With
 * --wait it subscribes to the send events BEFORE it submits (so none of
 * its job's events can pass unseen), then waits for the job's end: a
 * SEND_DONE event, or a SEND_FAILED whose job state is FAILED or
 * CANCELLED.  A SEND_FAILED whose job state is QUEUED is a failed attempt
 * that faxgwd retries: reported on stderr, and the wait goes on.  Since
 * an event can still be missed (faxgwd drops a slow subscriber's
 * backlog, or the subscription is refused or goes away), the job itself
 * is read with fgw_get_job after every wake-up and every
 * CTL_SEND_POLL_MS, and that decides: exit 0 only when the job is DONE,
 * that is, when the far end confirmed every page.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define CTL_SEND_POLL_MS 3000         /* read the job at least this often while waiting */

#define CTL_SEND_EVENTS (FGW_EVENT_MASK(FGW_EVENT_SEND_QUEUED) |  \
			 FGW_EVENT_MASK(FGW_EVENT_SEND_DIALING) | \
			 FGW_EVENT_MASK(FGW_EVENT_SEND_DONE) |    \
			 FGW_EVENT_MASK(FGW_EVENT_SEND_FAILED))

struct ctl_send {
	uint32_t port_id;             /* 0: faxgwd's first sip port */
	bool wait;
	const char *ident;            /* --ident, or NULL */
	const char *to, *file;
	uint64_t job;
	fgw_handle *sub;              /* the subscription while waiting, or NULL */
	bool poll_job;                /* fgw_get_job answers (not refused) */
	bool json_out;                /* the job's document is on stdout (c->j) */
};

/* The arguments; CTL_OK or a usage error. */
static int ctl_send_args(struct ctl *c, struct ctl_send *s)
{
	int npos = 0;
	bool options = true;

	for (int i = 0; i < c->argc; i++) {
		const char *a = c->argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = false;
		} else if (options && strcmp(a, "-p") == 0) {
			if (i + 1 >= c->argc)
				return ctl_usage_error("send: -p needs a port id%s", "");
			if (ctl_port_arg(c->argv[++i], &s->port_id) != CTL_OK)
				return CTL_USAGE;
		} else if (options && strcmp(a, "--wait") == 0) {
			s->wait = true;
		} else if (options && strcmp(a, "--ident") == 0) {
			if (i + 1 >= c->argc)
				return ctl_usage_error("send: --ident needs our fax ident (TSI)%s", "");
			s->ident = c->argv[++i];
		} else if (options && a[0] == '-' && a[1] != '\0') {
			return ctl_usage_error("send: unknown option '%s'", a);
		} else if (npos == 0) {
			s->to = a;
			npos++;
		} else if (npos == 1) {
			s->file = a;
			npos++;
		} else {
			return ctl_usage_error("send: one destination and one file, not '%s' too", a);
		}
	}
	if (npos != 2)
		return ctl_usage_error("send: %s", "usage: send [-p PORT] [--wait] [--ident TSI] TO FILE");
	return CTL_OK;
}

/* The job as --json gives it when the wait is over (or without --wait:
 * just the id, port and destination). */
static void ctl_send_json(struct ctl *c, struct ctl_send *s, const fgw_job_info *ji)
{
	s->json_out = true;
	json_begin_object(&c->j);
	json_kv_u64(&c->j, "job", s->job);
	json_kv_u64(&c->j, "port", ji != NULL ? ji->job.port_id : s->port_id);
	json_kv_str(&c->j, "to", s->to);
	if (ji != NULL) {
		json_kv_str(&c->j, "state", ctl_job_state_name(ji->job.state));
		json_kv_u64(&c->j, "pages", ji->job.pages);
		json_kv_u64(&c->j, "document_pages", ji->document_pages);
		json_kv_u64(&c->j, "attempts", ji->job.attempts);
		json_kv_str(&c->j, "remote_ident", ji->job.remote_ident);
		json_kv_u64(&c->j, "bit_rate", ji->bit_rate);
		json_kv_bool(&c->j, "ecm", ji->ecm != 0);
		json_kv_u64(&c->j, "sip_status", ji->sip_status);
		json_kv_str(&c->j, "last_error", ji->job.last_error);
	}
	json_end_object(&c->j);
}

/* A finished job: DONE is success; FAILED and CANCELLED give the reason. */
static int ctl_send_finished(struct ctl *c, struct ctl_send *s, const fgw_job_info *ji)
{
	const fgw_job *jb = &ji->job;

	if (c->json)
		ctl_send_json(c, s, ji);
	if (jb->state == FGW_JOB_DONE) {
		fprintf(stderr, "faxgwctl: job %" PRIu64 " done: %u of %u page(s) confirmed by %s "
			"(%u bit/s, ECM %s)\n", s->job, (unsigned)jb->pages,
			(unsigned)ji->document_pages, jb->remote_ident[0] ? jb->remote_ident : s->to,
			(unsigned)ji->bit_rate, ji->ecm ? "on" : "off");
		return CTL_OK;
	}
	fprintf(stderr, "faxgwctl: send failed: job %" PRIu64 " %s after %u attempt(s), %u of %u "
		"page(s) confirmed: %s\n", s->job, ctl_job_state_name(jb->state),
		(unsigned)jb->attempts, (unsigned)jb->pages, (unsigned)ji->document_pages,
		jb->last_error[0] ? jb->last_error : "no reason given");
	return CTL_FAILED;
}

/* Reads the job: CTL_OK / CTL_FAILED when it ended, -1 while it goes on. */
static int ctl_send_check(struct ctl *c, struct ctl_send *s)
{
	fgw_job_info *ji = NULL;
	int rc;

	if (!s->poll_job)
		return -1;
	rc = fgw_get_job(c->server, s->job, &ji);
	if (rc == FGW_E_ACCESS && s->sub != NULL) {
		s->poll_job = false;          /* the events alone, then */
		return -1;
	}
	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	int done = -1;
	if (ji->job.state == FGW_JOB_DONE || ji->job.state == FGW_JOB_FAILED ||
	    ji->job.state == FGW_JOB_CANCELLED)
		done = ctl_send_finished(c, s, ji);
	fgw_free_buffer(ji);
	return done;
}

/* One event: CTL_OK / CTL_FAILED when it ends the job, -1 otherwise.  The
 * job's record says the last word when it can be read. */
static int ctl_send_event(struct ctl *c, struct ctl_send *s, const fgw_event *ev)
{
	const char *text = ev->text != NULL ? ev->text : "";

	if (ev->job_id != s->job)
		return -1;
	switch (ev->type) {
	case FGW_EVENT_SEND_DIALING:
		fprintf(stderr, "faxgwctl: job %" PRIu64 ": dialing %s\n", s->job, text);
		return -1;
	case FGW_EVENT_SEND_FAILED:
		if (ev->job_state != FGW_JOB_FAILED && ev->job_state != FGW_JOB_CANCELLED) {
			fprintf(stderr, "faxgwctl: job %" PRIu64 ": attempt failed: %s\n", s->job,
				text);
			return -1;
		}
		if (!s->poll_job) {
			fprintf(stderr, "faxgwctl: send failed: job %" PRIu64 " %s: %s\n", s->job,
				ctl_job_state_name((fgw_job_state)ev->job_state), text);
			ctl_json_error(c, FGW_E_STATE, ctl_job_state_name((fgw_job_state)ev->job_state),
				       text);
			return CTL_FAILED;
		}
		return ctl_send_check(c, s);
	case FGW_EVENT_SEND_DONE:
		if (!s->poll_job) {
			fprintf(stderr, "faxgwctl: job %" PRIu64 " done: %s\n", s->job, text);
			if (c->json)
				ctl_send_json(c, s, NULL);
			return CTL_OK;
		}
		return ctl_send_check(c, s);
	default:
		return -1;
	}
}

/* Reads the events that are there: CTL_OK / CTL_FAILED when one ended the
 * job, -1 otherwise.  A subscription that ends leaves the polling. */
static int ctl_send_drain(struct ctl *c, struct ctl_send *s)
{
	for (;;) {
		fgw_event *ev = NULL;
		int rc = fgw_read_event(s->sub, &ev, 0);
		if (rc == FGW_E_TIMEOUT)
			return -1;
		if (rc != 0) {
			fprintf(stderr, "faxgwctl: job %" PRIu64 ": the event stream ended (%s); "
				"reading the job every %d s\n", s->job, fgw_strerror(rc),
				CTL_SEND_POLL_MS / 1000);
			fgw_close(s->sub);
			s->sub = NULL;
			return -1;
		}
		int done = ctl_send_event(c, s, ev);
		fgw_free_buffer(ev);
		if (done >= 0)
			return done;
	}
}

static int ctl_send_wait(struct ctl *c, struct ctl_send *s)
{
	for (;;) {
		int done = s->sub != NULL ? ctl_send_drain(c, s) : -1;
		if (done < 0)
			done = ctl_send_check(c, s);
		if (done >= 0)
			return done;
		if (s->sub == NULL && !s->poll_job)
			return ctl_fail_msg(c, "neither the events nor the job can be read");
		struct pollfd pfd = { .fd = s->sub != NULL ? fgw_event_fd(s->sub) : -1,
				      .events = POLLIN };
		if (poll(&pfd, 1, CTL_SEND_POLL_MS) < 0 && errno != EINTR)
			return ctl_fail_msg(c, strerror(errno));
	}
}

int ctl_check_send(struct ctl *c)
{
	struct ctl_send s = { .poll_job = true };

	return ctl_send_args(c, &s);
}

int ctl_cmd_send(struct ctl *c)
{
	struct ctl_send s = { .poll_job = true };
	fgw_send_options o = { 0 };
	int rc = ctl_send_args(c, &s);

	if (rc != CTL_OK)
		return rc;
	o.local_ident = s.ident;
	if (s.wait) {
		int e = fgw_subscribe(c->server, CTL_SEND_EVENTS, &s.sub);
		if (e != 0) {
			fprintf(stderr, "faxgwctl: send: no events (%s: %s); reading the job every "
				"%d s instead\n", fgw_strerror(e), fgw_last_error_message(c->server),
				CTL_SEND_POLL_MS / 1000);
			s.sub = NULL;
		}
	}
	int e = fgw_send_document(c->server, s.port_id, s.to, s.file, &o, &s.job);
	if (e != 0) {
		rc = ctl_fail(c, c->server, e);
	} else if (!s.wait) {
		if (c->json)
			ctl_send_json(c, &s, NULL);
		else
			printf("%" PRIu64 "\n", s.job);
	} else {
		if (!c->json) {
			printf("%" PRIu64 "\n", s.job);
			fflush(stdout);
		}
		rc = ctl_send_wait(c, &s);
	}
	fgw_close(s.sub);
	if (rc != CTL_OK && s.json_out)
		json_finish(&c->j);       /* the failed job's document was the output */
	return rc;
}

int ctl_check_cancel(struct ctl *c)
{
	uint64_t id;

	if (!ctl_parse_u64(c->argv[0], UINT64_MAX, &id) || id == 0)
		return ctl_usage_error("cancel: bad job id '%s'", c->argv[0]);
	return CTL_OK;
}

int ctl_cmd_cancel(struct ctl *c)
{
	uint64_t id = 0;

	ctl_parse_u64(c->argv[0], UINT64_MAX, &id);       /* checked by ctl_check_cancel */
	int rc = fgw_cancel_job(c->server, id);
	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	if (c->json) {
		json_begin_object(&c->j);
		json_kv_bool(&c->j, "ok", true);
		json_kv_str(&c->j, "command", c->command);
		json_kv_u64(&c->j, "job", id);
		json_end_object(&c->j);
	}
	return CTL_OK;
}
