/*
 * ctl.h - what the command files of faxgwctl share: the command's state
 * and the helpers that print failures and parse arguments (faxgwctl.c).
 *
 * Exit status of every command: CTL_OK, CTL_FAILED (refused or failed,
 * the reason on stderr; with --json also a JSON document on stdout) or
 * CTL_USAGE.
 */
#ifndef FAXGWCTL_CTL_H
#define FAXGWCTL_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include <faxgw/admin.h>

#include "json.h"

#define CTL_OK 0
#define CTL_FAILED 1
#define CTL_USAGE 2

struct ctl {
	const char *socket;            /* -s, or NULL */
	bool json;
	const char *command;
	int argc;                      /* the command's arguments (--json taken out) */
	char **argv;
	fgw_handle *server;
	struct json j;                 /* the command's document on stdout, with --json */
};

/* "faxgwctl: MESSAGE" and the hint to 'faxgwctl help'; CTL_USAGE. */
int ctl_usage_error(const char *fmt, const char *arg);
/* "faxgwctl: CMD refused|failed: <strerror>: <reason of h>"; CTL_FAILED. */
int ctl_fail(const struct ctl *c, const fgw_handle *h, int rc);
/* "faxgwctl: CMD failed: msg"; CTL_FAILED. */
int ctl_fail_msg(const struct ctl *c, const char *msg);
/* With --json, {"error": {command, code, text, reason}} on stdout. */
void ctl_json_error(const struct ctl *c, int rc, const char *text, const char *reason);
/* A number 0..max; false for NULL or anything else. */
bool ctl_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* A port id 1..FGW_MAX_PORT_ID, else a usage error. */
int ctl_port_arg(const char *s, uint32_t *port);
/* "queued", "done", ...; "unknown" for what this faxgwctl does not know. */
const char *ctl_job_state_name(fgw_job_state s);
/* "Y-m-d H:M:S" local time, "-" for 0. */
const char *ctl_event_time(uint64_t t, char *buf, size_t len);

/* send.c: `send [-p PORT] [--wait] [--ident TSI] TO FILE`, `cancel JOB`. */
int ctl_cmd_send(struct ctl *c);
/* send's arguments alone (before faxgwd is asked): CTL_OK or CTL_USAGE. */
int ctl_check_send(struct ctl *c);
int ctl_cmd_cancel(struct ctl *c);
int ctl_check_cancel(struct ctl *c);

#endif
