/*
 * mib_jobs.c - FAXGW-MIB faxJobTable (faxgwObjects 6), INDEX faxJobIndex,
 * served from cache_jobs.c's container (table_container).  Columns 2-11
 * and 21 come from faxgwd's job listing, 12-20 (the call) and 22-24 (a
 * sent fax's document, SIP answer, submitter) from fgw_get_job().
 */
#include <string.h>

#include "agent.h"

static void jobs_string(netsnmp_variable_list *vb, const char *s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

static void jobs_typed(netsnmp_variable_list *vb, u_char type, long v)
{
	snmp_set_var_typed_value(vb, type, &v, sizeof(v));
}

static void jobs_date(netsnmp_variable_list *vb, uint64_t t)
{
	u_char date[11];

	snmp_set_var_typed_value(vb, ASN_OCTET_STR, date, mib_scalars_date(t, date));
}

/* The columns from fgw_get_job(): zero/empty until the agent fetched
 * them (cache_jobs.c). */
static int jobs_call_value(netsnmp_variable_list *vb, const struct cache_job *j, unsigned col)
{
	switch (col) {
	case AGENT_JC_REMOTE_ADDR_TYPE: jobs_typed(vb, ASN_INTEGER, j->remote.type); return 0;
	case AGENT_JC_REMOTE_ADDR:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, j->remote.bytes, j->remote.len);
		return 0;
	case AGENT_JC_REMOTE_PORT: jobs_typed(vb, ASN_UNSIGNED, (long)j->remote.port); return 0;
	case AGENT_JC_BIT_RATE: jobs_typed(vb, ASN_UNSIGNED, (long)j->bit_rate); return 0;
	case AGENT_JC_ECM:
		/* TruthValue has no "unknown": false(2) until fetched. */
		jobs_typed(vb, ASN_INTEGER, j->ecm ? AGENT_TRUE : AGENT_FALSE);
		return 0;
	case AGENT_JC_T30_STATUS: jobs_typed(vb, ASN_INTEGER, j->t30_status); return 0;
	case AGENT_JC_T30_TEXT: jobs_string(vb, j->t30_text); return 0;
	case AGENT_JC_START_TIME: jobs_date(vb, j->start_time); return 0;
	case AGENT_JC_END_TIME: jobs_date(vb, j->end_time); return 0;
	case AGENT_JC_DOCUMENT_PAGES: jobs_typed(vb, ASN_GAUGE, (long)j->document_pages); return 0;
	case AGENT_JC_SIP_STATUS: jobs_typed(vb, ASN_UNSIGNED, (long)j->sip_status); return 0;
	case AGENT_JC_SUBMITTED_BY: jobs_string(vb, j->submitted_by); return 0;
	default: return -1;
	}
}

static int jobs_value(netsnmp_variable_list *vb, const void *row, unsigned col)
{
	const struct cache_job *j = row;

	switch (col) {
	case AGENT_JC_DIRECTION: jobs_typed(vb, ASN_INTEGER, j->direction); return 0;
	case AGENT_JC_PORT: jobs_typed(vb, ASN_UNSIGNED, (long)j->port_id); return 0;
	case AGENT_JC_STATE: jobs_typed(vb, ASN_INTEGER, j->state); return 0;
	case AGENT_JC_REMOTE_IDENT: jobs_string(vb, j->remote_ident); return 0;
	case AGENT_JC_PAGES: jobs_typed(vb, ASN_GAUGE, (long)j->pages); return 0;
	case AGENT_JC_PARTIAL:
		jobs_typed(vb, ASN_INTEGER, j->partial ? AGENT_TRUE : AGENT_FALSE);
		return 0;
	case AGENT_JC_RECEIVED_TIME: jobs_date(vb, j->received_time); return 0;
	case AGENT_JC_ATTEMPTS: jobs_typed(vb, ASN_GAUGE, (long)j->attempts); return 0;
	case AGENT_JC_LAST_ERROR: jobs_string(vb, j->last_error); return 0;
	case AGENT_JC_DEGRADED_PAGES: jobs_typed(vb, ASN_GAUGE, (long)j->degraded_pages); return 0;
	case AGENT_JC_DESTINATION: jobs_string(vb, j->destination); return 0;
	default: return jobs_call_value(vb, j, col);
	}
}

static const oid jobs_root[] = { AGENT_MIB_OID, 1, AGENT_JOB_TABLE };
static struct mib_rotable jobs_table = {
	.name = "faxJobTable",
	.root = jobs_root,
	.rootlen = OID_LENGTH(jobs_root),
	.min_column = AGENT_JC_DIRECTION,
	.max_column = AGENT_JC_SUBMITTED_BY,
	.value = jobs_value,
};

void mib_jobs_shutdown(void)
{
	mib_rotable_shutdown(&jobs_table);
}

int mib_jobs_init(void)
{
	jobs_table.container = cache_job_container();
	return mib_rotable_register(&jobs_table);
}
