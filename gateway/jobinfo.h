/*
 * jobinfo.h - everything known of one received fax, for fgw_get_job()
 * (faxgwctl job): the job row, the metadata the spool recorded with it
 * (spool.h), the SIP identities and the results of its routing methods.
 *
 * Main thread (it reads the state database through the core).
 */
#ifndef FAXGW_JOBINFO_H
#define FAXGW_JOBINFO_H

#include <stdint.h>

#include <faxgw/admin.h>

struct core;

/* *out: one block (free()), its strings inside.  0, FGW_E_NO_JOB,
 * FGW_E_STORAGE or FGW_E_NOMEM. */
int jobinfo_get(struct core *c, uint64_t job_id, fgw_job_info **out);

#endif
