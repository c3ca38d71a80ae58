/*
 * jobinfo.c - one received fax with everything known of it (jobinfo.h).
 */
#include "jobinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "log.h"
#include "rtable.h"
#include "spool.h"
#include "state.h"

/* What the answer points into: freed with it as one block. */
struct jobinfo_block {
	fgw_job_info info;
	fgw_job_method_result m[FGW_MAX_METHODS];
	char name[FGW_MAX_METHODS][FGW_MAX_NAME];
	struct state_job_method jm[FGW_MAX_METHODS];
	struct state_job job;
	struct spool_fax fax;
};

/* The method's friendly name now, "" when it is not loaded. */
static void jobinfo_name(struct core *c, const char *guid, char *out, size_t outlen)
{
	size_t n = core_method_count(c);
	fgw_global_routing_info g;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (core_global_at(c, i, &g) == 0 && strcmp(g.guid, guid) == 0) {
			snprintf(out, outlen, "%s", g.friendly_name);
			return;
		}
	}
}

static void jobinfo_job(const struct state_job *j, fgw_job *out)
{
	memset(out, 0, sizeof(*out));
	out->id = j->id;
	out->port_id = j->port_id;
	out->state = (fgw_job_state)j->state;
	out->attempts = j->attempts;
	out->received_time = j->received_time;
	out->next_attempt_time = (j->next_attempt_ms + 999) / 1000;
	out->pages = j->pages;
	out->partial = j->partial;
	out->remote_ident = j->remote_ident;
	out->path = j->path;
	out->last_error = j->last_error;
	out->degraded_pages = j->degraded_pages;
	out->bad_rows = j->bad_rows;
	out->longest_bad_run = j->longest_bad_run;
	out->degraded_list = j->degraded_list;
	out->direction = j->direction == FGW_DIR_SEND ? FGW_DIR_SEND : FGW_DIR_RECEIVE;
	out->to = j->dest;
}

static void jobinfo_fill(struct jobinfo_block *b)
{
	fgw_job_info *i = &b->info;
	const struct spool_fax *f = &b->fax;
	const struct state_job *j = &b->job;

	jobinfo_job(j, &i->job);
	i->port_name = f->port_name;
	i->local_ident = f->local_ident;
	i->caller = f->caller;
	i->start_time = f->start_time > 0 ? (uint64_t)f->start_time : 0;
	i->end_time = f->end_time > 0 ? (uint64_t)f->end_time : 0;
	i->x_res = f->x_res;
	i->y_res = f->y_res;
	i->bit_rate = f->bit_rate;
	i->ecm = f->ecm;
	i->t30_status = f->t30_status;
	i->t30_text = f->t30_text;
	i->finished_time = j->finished_time;
	i->sip_call_id = j->sip_call_id;
	i->sip_from = j->sip_from;
	i->sip_to = j->sip_to;
	i->sip_user_agent = j->sip_user_agent;
	i->transport = j->transport;
	i->document_pages = j->document_pages;
	i->sip_status = j->sip_status;
	i->submitted_by = j->submitted_by;
}

int jobinfo_get(struct core *c, uint64_t job_id, fgw_job_info **out)
{
	struct jobinfo_block *b = calloc(1, sizeof(*b));
	char err[FGW_MAX_ERROR_TEXT];
	size_t n = 0;
	int found = 0;

	*out = NULL;
	if (b == NULL)
		return FGW_E_NOMEM;
	if (state_job_get(core_state(c), job_id, &b->job, &found, err, sizeof(err)) != 0 ||
	    (found && state_job_methods(core_state(c), job_id, b->jm, FGW_MAX_METHODS, &n, err,
					sizeof(err)) != 0)) {
		log_err("job %llu: %s", (unsigned long long)job_id, err);
		free(b);
		return FGW_E_STORAGE;
	}
	if (!found) {
		free(b);
		return FGW_E_NO_JOB;
	}
	spool_meta_parse(b->job.meta, &b->fax);
	jobinfo_fill(b);
	for (size_t k = 0; k < n; k++) {
		jobinfo_name(c, b->jm[k].guid, b->name[k], sizeof(b->name[k]));
		b->m[k].guid = b->jm[k].guid;
		b->m[k].friendly_name = b->name[k];
		b->m[k].state = (fgw_job_state)b->jm[k].state;
		b->m[k].attempts = b->jm[k].attempts;
		b->m[k].last_error = b->jm[k].last_error;
	}
	b->info.methods = n > 0 ? b->m : NULL;
	b->info.nmethods = n;
	*out = &b->info;
	return 0;
}
