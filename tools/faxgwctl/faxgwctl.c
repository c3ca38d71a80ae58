/*
 * faxgwctl.c - faxgw's command-line administration tool (faxgwctl(8)):
 * a libfaxgw client.
 *
 *   faxgwctl [-s SOCKET] [--json] COMMAND [ARGS]
 *
 * Exit status: 0 success, 1 refused or failed (reason on stderr), 2 usage.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <faxgw/admin.h>

#include "ctl.h"
#include "fgwx_buf.h"
#include "fgwx_number.h"
#include "json.h"
#include "table.h"

#ifndef FAXGW_VERSION
#define FAXGW_VERSION "unknown"
#endif

#define CTL_LOG_DEFAULT 50
#define CTL_DATA_COLUMN 60

/* One line of the usage per command form; `help CMD` prints those of CMD. */
static const struct ctl_help {
	const char *name, *synopsis, *what;
} ctl_help[] = {
	{ "ports", "ports", "list the fax ports" },
	{ "methods", "methods PORT", "routing methods of a port, with their data" },
	{ "get", "get PORT METHOD", "routing data of a method (raw, to stdout)" },
	{ "set", "set PORT METHOD DATA", "set the routing data" },
	{ "enable", "enable PORT METHOD", "enable a routing method on a port" },
	{ "disable", "disable PORT METHOD", "disable a routing method on a port" },
	{ "priority", "priority", "global routing order" },
	{ "priority", "priority METHOD N", "move a method to priority N (1 runs first)" },
	{ "jobs", "jobs [--failed] [--limit N]",
	  "jobs (received and sent faxes), newest first (only failed ones; the first N)" },
	{ "retry", "retry JOB", "retry a routing job now" },
	{ "send", "send [-p PORT] [--wait] [--ident TSI] TO FILE",
	  "fax a TIFF-F or PDF to a number or sip: URI; prints the job id (--wait: until it "
	  "ends, exit 0 only when every page was confirmed)" },
	{ "cancel", "cancel JOB", "cancel a send job that is queued, dialing or sending" },
	{ "job", "job JOB", "everything known of one fax, received or sent: metadata, T.30 "
	  "result, SIP identities, transport, per-method results" },
	{ "calls", "calls", "calls in progress: port, channel, peer, transport, pages so far, "
	  "since when" },
	{ "log", "log [-n N]", "the newest N audit log entries (default 50)" },
	{ "info", "info", "gateway status and routing extensions" },
	{ "sip", "sip", "SIP counters: the gateway's and each sip port's" },
	{ "events", "events [-f]", "the event stream (-f: follow it)" },
	{ "help", "help [COMMAND]", "this text, or what COMMAND takes" },
};
#define CTL_NHELP (sizeof(ctl_help) / sizeof(ctl_help[0]))

static void ctl_usage(FILE *out)
{
	fprintf(out,
		"usage: faxgwctl [-s SOCKET] [--json] COMMAND [ARGS]\n"
		"       faxgwctl -h | --help | --version\n"
		"commands:\n");
	for (size_t i = 0; i < CTL_NHELP; i++) {
		if (strlen(ctl_help[i].synopsis) > 24)   /* the text on a line of its own */
			fprintf(out, "  %s\n  %-24s  %s\n", ctl_help[i].synopsis, "",
				ctl_help[i].what);
		else
			fprintf(out, "  %-24s  %s\n", ctl_help[i].synopsis, ctl_help[i].what);
	}
	fprintf(out,
		"METHOD is a GUID or a unique prefix of a method's function name, friendly\n"
		"name or a word of it (case, '-' and '_' ignored: \"email\", \"folder\").\n"
		"The socket is -s, else $FAXGW_SOCKET, else ./var/faxgw.sock when it\n"
		"exists, else /run/faxgw/faxgw.sock.\n");
}

/* `help [COMMAND]`: 0, or 2 for a command that does not exist. */
static int ctl_cmd_help(const char *name)
{
	int found = 0;

	if (name == NULL) {
		ctl_usage(stdout);
		return CTL_OK;
	}
	for (size_t i = 0; i < CTL_NHELP; i++) {
		if (strcmp(ctl_help[i].name, name) == 0) {
			printf("usage: faxgwctl [-s SOCKET] [--json] %-20s  %s\n", ctl_help[i].synopsis,
			       ctl_help[i].what);
			found = 1;
		}
	}
	if (found)
		return CTL_OK;
	fprintf(stderr, "faxgwctl: help: no command '%s'; try 'faxgwctl help'\n", name);
	return CTL_USAGE;
}

/* A usage error is one line and a hint, not the whole page. */
int ctl_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "faxgwctl: ");
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'faxgwctl help' for the commands.\n", stderr);
	return CTL_USAGE;
}

/* With --json, an error is also a JSON document on stdout:
 * {"error": {"command", "code", "text", "reason"}}. */
void ctl_json_error(const struct ctl *c, int rc, const char *text, const char *reason)
{
	struct json j;

	if (!c->json)
		return;
	json_init(&j, stdout);
	json_set_version(&j, FAXGW_VERSION);
	json_begin_object(&j);
	json_key(&j, "error");
	json_begin_object(&j);
	json_kv_str(&j, "command", c->command != NULL ? c->command : "");
	json_kv_i64(&j, "code", rc);
	json_kv_str(&j, "text", text);
	json_kv_str(&j, "reason", reason != NULL ? reason : "");
	json_end_object(&j);
	json_end_object(&j);
	json_finish(&j);
}

/* Prints "faxgwctl: CMD refused: <strerror>: <reason>" and returns 1. */
int ctl_fail(const struct ctl *c, const fgw_handle *h, int rc)
{
	const char *msg = fgw_last_error_message(h);
	bool refused = rc == FGW_E_ACCESS || rc == FGW_E_BUSY || rc == FGW_E_BAD_DATA ||
		       rc == FGW_E_NOT_ENABLEABLE || rc == FGW_E_TOO_BIG || rc == FGW_E_INVAL ||
		       rc == FGW_E_BAD_DOCUMENT || rc == FGW_E_BAD_ADDRESS;

	fprintf(stderr, "faxgwctl: %s %s: %s", c->command, refused ? "refused" : "failed",
		fgw_strerror(rc));
	if (msg != NULL && msg[0] != '\0' && strcmp(msg, fgw_strerror(rc)) != 0)
		fprintf(stderr, ": %s", msg);
	fputc('\n', stderr);
	ctl_json_error(c, rc, fgw_strerror(rc), msg);
	return CTL_FAILED;
}

int ctl_fail_msg(const struct ctl *c, const char *msg)
{
	fprintf(stderr, "faxgwctl: %s failed: %s\n", c->command, msg);
	ctl_json_error(c, FGW_E_INVAL, "failed", msg);
	return CTL_FAILED;
}

/* --- arguments ---------------------------------------------------------------- */

/* s is NULL when a command's argument is missing. */
bool ctl_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	return s != NULL && fgwx_str_number(s, out, max) == FGWX_NUM_OK;
}

int ctl_port_arg(const char *s, uint32_t *port)
{
	uint64_t v;

	if (!ctl_parse_u64(s, FGW_MAX_PORT_ID, &v) || v == 0)
		return ctl_usage_error("bad port id '%s' (1..2147483647)", s);
	*port = (uint32_t)v;
	return CTL_OK;
}

/* Whether prefix starts name, case, '-' and '_' ignored ("email" starts
 * "e-mail"). */
static bool ctl_prefix(const char *name, const char *prefix)
{
	while (name != NULL && *prefix != '\0') {
		if (*prefix == '-' || *prefix == '_') {
			prefix++;
		} else if (*name == '-' || *name == '_') {
			name++;
		} else if (*name == '\0' || tolower((unsigned char)*name) !=
					      tolower((unsigned char)*prefix)) {
			return false;
		} else {
			name++;
			prefix++;
		}
	}
	return name != NULL;
}

/* METHOD matches a method: a prefix of its function name, or of its
 * friendly name or any word in it ("email" finds "Route through e-mail",
 * "folder" finds "Store in folder"). */
static bool ctl_method_matches(const fgw_global_routing_info *g, const char *arg)
{
	if (ctl_prefix(g->function_name, arg))
		return true;
	for (const char *w = g->friendly_name; w != NULL && *w != '\0'; w = strchr(w, ' ')) {
		while (*w == ' ')
			w++;
		if (ctl_prefix(w, arg))
			return true;
	}
	return false;
}

/* Resolves METHOD to a GUID (copied into guid). */
static int ctl_method_arg(struct ctl *c, const char *arg, char *guid)
{
	fgw_global_routing_info *g = NULL;
	size_t n = 0, hits = 0, hit = 0;
	char names[FGW_MAX_ERROR_TEXT];
	struct fgwx_buf nb;

	if (arg[0] == '{') {
		if (strlen(arg) > FGW_GUID_LEN)
			return ctl_fail_msg(c, "a GUID is 38 characters: {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}");
		for (size_t i = 0; arg[i] != '\0'; i++)
			guid[i] = (char)tolower((unsigned char)arg[i]);
		guid[strlen(arg)] = '\0';
		return CTL_OK;
	}
	int rc = fgw_enum_global_routing_info(c->server, &g, &n);
	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	fgwx_buf_init(&nb, names, sizeof(names));
	for (size_t i = 0; i < n; i++) {
		if (arg[0] == '\0' || !ctl_method_matches(&g[i], arg))
			continue;
		/* a list too long for names is cut short; the count stays right */
		fgwx_buf_addf(&nb, "%s%s", hits ? ", " : "", g[i].friendly_name);
		hit = i;
		hits++;
	}
	if (hits == 1)
		snprintf(guid, FGW_GUID_LEN + 1, "%s", g[hit].guid);
	for (size_t i = 0; hits == 0 && i < n; i++)    /* a miss lists what there is */
		fgwx_buf_addf(&nb, "%s%s (%s)", i ? ", " : "", g[i].friendly_name,
			      g[i].function_name);
	fgw_free_buffer(g);
	if (hits == 1)
		return CTL_OK;
	if (hits == 0)
		fprintf(stderr, "faxgwctl: %s failed: no routing method matches '%s'; the methods "
			"are: %s\n", c->command, arg, names);
	else
		fprintf(stderr, "faxgwctl: %s failed: ambiguous method %s: matches %s\n",
			c->command, arg, names);
	return CTL_FAILED;
}

/* PORT METHOD from the first two arguments, then the port opened. */
static int ctl_port_method(struct ctl *c, int flags, uint32_t *port_id, char *guid,
			   fgw_handle **port)
{
	int rc = ctl_port_arg(c->argv[0], port_id);

	if (rc == CTL_OK)
		rc = ctl_method_arg(c, c->argv[1], guid);
	if (rc != CTL_OK)
		return rc;
	int e = fgw_open_port(c->server, *port_id, flags, port);
	return e == 0 ? CTL_OK : ctl_fail(c, c->server, e);
}

static const char *ctl_transport_name(fgw_transport t)
{
	return t == FGW_TRANSPORT_T38 ? "t38" : t == FGW_TRANSPORT_AUDIO ? "audio"
	       : t == FGW_TRANSPORT_SIP ? "sip" : "unknown";
}

static const char *ctl_state_name(fgw_port_state s)
{
	static const char *const names[] = { "unknown", "idle", "receiving", "sending",
					     "disabled", "failed" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *ctl_job_state_name(fgw_job_state s)
{
	static const char *const names[] = { "unknown", "pending", "routing", "done",
					     "failed", "unrouted", "queued", "dialing",
					     "sending", "cancelled" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

/* A job is a received fax unless it is a send. */
static bool ctl_job_is_send(const fgw_job *jb)
{
	return jb->direction == FGW_DIR_SEND;
}

static const char *ctl_direction_name(const fgw_job *jb)
{
	return ctl_job_is_send(jb) ? "send" : "receive";
}

const char *ctl_event_time(uint64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

/* Routing data for a table cell: printable, cut at CTL_DATA_COLUMN. */
static const char *ctl_printable(const void *data, size_t len, char *buf, size_t buflen)
{
	const unsigned char *p = data;
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < buflen; i++) {
		if (o >= CTL_DATA_COLUMN) {
			snprintf(buf + o, buflen - o, "...");
			return buf;
		}
		if (p[i] >= 0x20 && p[i] != 0x7f)
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, buflen - o, "\\x%02x", p[i]);
	}
	buf[o] = '\0';
	return buf;
}

static void ctl_print_table(struct table *t)
{
	table_print(t, stdout);
	table_free(t);
}

/* --- commands ------------------------------------------------------------------ */

static int ctl_cmd_ports(struct ctl *c)
{
	fgw_port_info *p = NULL;
	size_t n = 0;
	int rc = fgw_enum_ports(c->server, &p, &n);

	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	if (c->json) {
		json_begin_object(&c->j);
		json_key(&c->j, "ports");
		json_begin_array(&c->j);
		for (size_t i = 0; i < n; i++) {
			json_begin_object(&c->j);
			json_kv_u64(&c->j, "id", p[i].id);
			json_kv_str(&c->j, "name", p[i].name);
			json_kv_str(&c->j, "transport", ctl_transport_name(p[i].transport));
			json_kv_str(&c->j, "local_address", p[i].local_address);
			json_kv_str(&c->j, "local_ident", p[i].local_ident);
			json_kv_str(&c->j, "state", ctl_state_name(p[i].state));
			json_kv_u64(&c->j, "faxes_received", p[i].faxes_received);
			json_kv_u64(&c->j, "pages_received", p[i].pages_received);
			json_kv_u64(&c->j, "faxes_failed", p[i].faxes_failed);
			json_kv_u64(&c->j, "routing_failures", p[i].routing_failures);
			json_kv_str(&c->j, "last_remote_ident", p[i].last_remote_ident);
			json_kv_bool(&c->j, "modify_held", p[i].modify_held != 0);
			json_kv_u64(&c->j, "faxes_sent", p[i].faxes_sent);
			json_kv_u64(&c->j, "pages_sent", p[i].pages_sent);
			json_kv_u64(&c->j, "send_failures", p[i].send_failures);
			json_end_object(&c->j);
		}
		json_end_array(&c->j);
		json_end_object(&c->j);
	} else {
		static const char *const hdr[] = { "ID", "NAME", "TRANSPORT", "ADDRESS", "STATE",
						   "FAXES", "PAGES", "FAILED", "ROUTING-FAILED",
						   "LAST-REMOTE", NULL };
		struct table t;
		table_init(&t, hdr);
		for (size_t i = 0; i < n; i++) {
			table_cell(&t, "%u", (unsigned)p[i].id);
			table_cell(&t, "%s", p[i].name);
			table_cell(&t, "%s", ctl_transport_name(p[i].transport));
			table_cell(&t, "%s", p[i].local_address);
			table_cell(&t, "%s%s", ctl_state_name(p[i].state),
				   p[i].modify_held ? " (held)" : "");
			table_cell(&t, "%" PRIu64, p[i].faxes_received);
			table_cell(&t, "%" PRIu64, p[i].pages_received);
			table_cell(&t, "%" PRIu64, p[i].faxes_failed);
			table_cell(&t, "%" PRIu64, p[i].routing_failures);
			table_cell(&t, "%s", p[i].last_remote_ident[0] ? p[i].last_remote_ident : "-");
		}
		ctl_print_table(&t);
	}
	fgw_free_buffer(p);
	return CTL_OK;
}

static void ctl_json_method(struct ctl *c, const fgw_routing_method *m, const void *data,
			    size_t len)
{
	json_begin_object(&c->j);
	json_kv_u64(&c->j, "priority", m->priority);
	json_kv_str(&c->j, "guid", m->guid);
	json_kv_str(&c->j, "friendly_name", m->friendly_name);
	json_kv_str(&c->j, "function_name", m->function_name);
	json_kv_bool(&c->j, "enabled", m->enabled != 0);
	json_key(&c->j, "data");
	json_strn(&c->j, data != NULL ? data : "", data != NULL ? len : 0);
	json_kv_str(&c->j, "extension_image_name", m->extension_image_name);
	json_kv_str(&c->j, "extension_friendly_name", m->extension_friendly_name);
	json_kv_u64(&c->j, "method_index", m->method_index);
	json_kv_u64(&c->j, "device_id", m->device_id);
	json_kv_str(&c->j, "device_name", m->device_name);
	json_kv_u64(&c->j, "routed", m->routed);
	json_kv_u64(&c->j, "failures", m->failures);
	json_kv_str(&c->j, "last_error", m->last_error);
	json_end_object(&c->j);
}

static int ctl_methods_output(struct ctl *c, fgw_handle *port, uint32_t port_id,
			      const fgw_routing_method *m, size_t n)
{
	static const char *const hdr[] = { "PRIO", "GUID", "NAME", "FUNCTION", "ENABLED",
					   "ROUTED", "FAILED", "DATA", NULL };
	struct table t;
	char buf[CTL_DATA_COLUMN + 16];

	if (c->json) {
		json_begin_object(&c->j);
		json_kv_u64(&c->j, "port", port_id);
		json_key(&c->j, "methods");
		json_begin_array(&c->j);
	} else {
		table_init(&t, hdr);
	}
	for (size_t i = 0; i < n; i++) {
		void *data = NULL;
		size_t len = 0;
		int rc = fgw_get_routing_info(port, m[i].guid, &data, &len);
		if (rc != 0 && !c->json)
			table_free(&t);
		if (rc != 0)
			return ctl_fail(c, port, rc);
		if (c->json) {
			ctl_json_method(c, &m[i], data, len);
		} else {
			table_cell(&t, "%u", (unsigned)m[i].priority);
			table_cell(&t, "%s", m[i].guid);
			table_cell(&t, "%s", m[i].friendly_name);
			table_cell(&t, "%s", m[i].function_name);
			table_cell(&t, "%s", m[i].enabled ? "yes" : "no");
			table_cell(&t, "%" PRIu64, m[i].routed);
			table_cell(&t, "%" PRIu64, m[i].failures);
			table_cell(&t, "%s", len ? ctl_printable(data, len, buf, sizeof(buf)) : "-");
		}
		fgw_free_buffer(data);
	}
	if (c->json) {
		json_end_array(&c->j);
		json_end_object(&c->j);
	} else {
		ctl_print_table(&t);
	}
	return CTL_OK;
}

static int ctl_cmd_methods(struct ctl *c)
{
	fgw_handle *port = NULL;
	fgw_routing_method *m = NULL;
	size_t n = 0;
	uint32_t port_id = 0;
	int rc = ctl_port_arg(c->argv[0], &port_id);

	if (rc != CTL_OK)
		return rc;
	int e = fgw_open_port(c->server, port_id, FGW_PORT_OPEN_QUERY, &port);
	if (e != 0)
		return ctl_fail(c, c->server, e);
	e = fgw_enum_routing_methods(port, &m, &n);
	rc = e != 0 ? ctl_fail(c, port, e) : ctl_methods_output(c, port, port_id, m, n);
	fgw_free_buffer(m);
	fgw_close(port);
	return rc;
}

static int ctl_cmd_get(struct ctl *c)
{
	fgw_handle *port = NULL;
	uint32_t port_id = 0;
	char guid[FGW_GUID_LEN + 1];
	void *data = NULL;
	size_t len = 0;
	int rc = ctl_port_method(c, FGW_PORT_OPEN_QUERY, &port_id, guid, &port);

	if (rc != CTL_OK)
		return rc;
	int e = fgw_get_routing_info(port, guid, &data, &len);
	if (e != 0) {
		rc = ctl_fail(c, port, e);
	} else if (c->json) {
		json_begin_object(&c->j);
		json_kv_u64(&c->j, "port", port_id);
		json_kv_str(&c->j, "guid", guid);
		json_key(&c->j, "data");
		json_strn(&c->j, data, len);
		json_end_object(&c->j);
	} else if (len > 0 && fwrite(data, 1, len, stdout) != len) {
		rc = ctl_fail_msg(c, "cannot write to stdout");
	}
	fgw_free_buffer(data);
	fgw_close(port);
	return rc;
}

static void ctl_json_done(struct ctl *c, uint32_t port_id, const char *guid)
{
	if (!c->json)
		return;
	json_begin_object(&c->j);
	json_kv_bool(&c->j, "ok", true);
	json_kv_str(&c->j, "command", c->command);
	if (port_id != 0)
		json_kv_u64(&c->j, "port", port_id);
	if (guid != NULL)
		json_kv_str(&c->j, "guid", guid);
	json_end_object(&c->j);
}

/* set, enable, disable */
static int ctl_cmd_change(struct ctl *c)
{
	fgw_handle *port = NULL;
	uint32_t port_id = 0;
	char guid[FGW_GUID_LEN + 1];
	int rc = ctl_port_method(c, FGW_PORT_OPEN_MODIFY, &port_id, guid, &port);

	if (rc != CTL_OK)
		return rc;
	int e;
	if (strcmp(c->command, "set") == 0)
		e = fgw_set_routing_info(port, guid, c->argv[2], strlen(c->argv[2]));
	else
		e = fgw_enable_routing_method(port, guid, strcmp(c->command, "enable") == 0);
	if (e != 0)
		rc = ctl_fail(c, port, e);
	else
		ctl_json_done(c, port_id, guid);
	fgw_close(port);
	return rc;
}

static void ctl_json_global(struct ctl *c, const fgw_global_routing_info *g)
{
	json_begin_object(&c->j);
	json_kv_u64(&c->j, "priority", g->priority);
	json_kv_str(&c->j, "guid", g->guid);
	json_kv_str(&c->j, "friendly_name", g->friendly_name);
	json_kv_str(&c->j, "function_name", g->function_name);
	json_kv_str(&c->j, "extension_image_name", g->extension_image_name);
	json_kv_str(&c->j, "extension_friendly_name", g->extension_friendly_name);
	json_kv_u64(&c->j, "method_index", g->method_index);
	json_end_object(&c->j);
}

static int ctl_priority_list(struct ctl *c)
{
	static const char *const hdr[] = { "PRIO", "GUID", "NAME", "FUNCTION", "EXTENSION",
					   "INDEX", NULL };
	fgw_global_routing_info *g = NULL;
	size_t n = 0;
	int rc = fgw_enum_global_routing_info(c->server, &g, &n);

	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	if (c->json) {
		json_begin_object(&c->j);
		json_key(&c->j, "methods");
		json_begin_array(&c->j);
		for (size_t i = 0; i < n; i++)
			ctl_json_global(c, &g[i]);
		json_end_array(&c->j);
		json_end_object(&c->j);
	} else {
		struct table t;
		table_init(&t, hdr);
		for (size_t i = 0; i < n; i++) {
			table_cell(&t, "%u", (unsigned)g[i].priority);
			table_cell(&t, "%s", g[i].guid);
			table_cell(&t, "%s", g[i].friendly_name);
			table_cell(&t, "%s", g[i].function_name);
			table_cell(&t, "%s", g[i].extension_friendly_name);
			table_cell(&t, "%u", (unsigned)g[i].method_index);
		}
		ctl_print_table(&t);
	}
	fgw_free_buffer(g);
	return CTL_OK;
}

static int ctl_cmd_priority(struct ctl *c)
{
	char guid[FGW_GUID_LEN + 1];
	uint64_t prio;

	if (c->argc == 0)
		return ctl_priority_list(c);
	if (c->argc != 2)
		return ctl_usage_error("priority takes no arguments or METHOD N%s", "");
	if (!ctl_parse_u64(c->argv[1], UINT32_MAX, &prio) || prio == 0)
		return ctl_usage_error("bad priority '%s' (1 runs first)", c->argv[1]);
	int rc = ctl_method_arg(c, c->argv[0], guid);
	if (rc != CTL_OK)
		return rc;
	fgw_global_routing_info info = { .priority = (uint32_t)prio, .guid = guid };
	int e = fgw_set_global_routing_info(c->server, &info);
	if (e != 0)
		return ctl_fail(c, c->server, e);
	ctl_json_done(c, 0, guid);
	return CTL_OK;
}

/* "2,5" as a JSON array of page numbers (anything else is skipped). */
static void ctl_json_page_list(struct ctl *c, const char *list)
{
	json_begin_array(&c->j);
	for (const char *p = list != NULL ? list : ""; *p != '\0';) {
		uint64_t v = 0;
		int digits = 0;
		for (; *p >= '0' && *p <= '9' && digits < 10; p++, digits++)
			v = v * 10 + (uint64_t)(*p - '0');
		if (digits > 0)
			json_u64(&c->j, v);
		while (*p != '\0' && (*p < '0' || *p > '9'))
			p++;
	}
	json_end_array(&c->j);
}

/* The QUALITY cell: "intact", or "2 degraded (2,5): 110 bad rows, run 60". */
static void ctl_job_quality(const fgw_job *jb, char *out, size_t outlen)
{
	if (jb->degraded_pages == 0) {
		snprintf(out, outlen, "intact");
		return;
	}
	snprintf(out, outlen, "%u degraded (%s): %u bad rows, run %u",
		 (unsigned)jb->degraded_pages, jb->degraded_list != NULL ? jb->degraded_list : "",
		 (unsigned)jb->bad_rows, (unsigned)jb->longest_bad_run);
}

static void ctl_json_job(struct ctl *c, const fgw_job *jb)
{
	json_begin_object(&c->j);
	json_kv_u64(&c->j, "id", jb->id);
	json_kv_u64(&c->j, "port", jb->port_id);
	json_kv_str(&c->j, "direction", ctl_direction_name(jb));
	json_kv_str(&c->j, "to", jb->to != NULL ? jb->to : "");
	json_kv_str(&c->j, "state", ctl_job_state_name(jb->state));
	json_kv_u64(&c->j, "attempts", jb->attempts);
	json_kv_u64(&c->j, "received_time", jb->received_time);
	json_kv_u64(&c->j, "next_attempt_time", jb->next_attempt_time);
	json_kv_u64(&c->j, "pages", jb->pages);
	json_kv_bool(&c->j, "partial", jb->partial != 0);
	json_kv_str(&c->j, "remote_ident", jb->remote_ident);
	json_kv_str(&c->j, "path", jb->path);
	json_kv_str(&c->j, "last_error", jb->last_error);
	json_kv_bool(&c->j, "degraded", jb->degraded_pages > 0);
	json_kv_u64(&c->j, "degraded_pages", jb->degraded_pages);
	json_kv_u64(&c->j, "bad_rows", jb->bad_rows);
	json_kv_u64(&c->j, "longest_bad_run", jb->longest_bad_run);
	json_key(&c->j, "degraded_list");
	ctl_json_page_list(c, jb->degraded_list);
	json_end_object(&c->j);
}

static void ctl_jobs_rows(struct table *t, const fgw_job *jb, size_t n)
{
	char t1[32], t2[32], q[FGW_MAX_DEGRADED_LIST * 12 + 64];

	for (size_t i = 0; i < n; i++) {
		bool send = ctl_job_is_send(&jb[i]);
		table_cell(t, "%" PRIu64, jb[i].id);
		table_cell(t, "%u", (unsigned)jb[i].port_id);
		table_cell(t, "%s", ctl_job_state_name(jb[i].state));
		table_cell(t, "%s", ctl_direction_name(&jb[i]));
		table_cell(t, "%u", (unsigned)jb[i].attempts);
		table_cell(t, "%s", ctl_event_time(jb[i].received_time, t1, sizeof(t1)));
		table_cell(t, "%u%s", (unsigned)jb[i].pages, jb[i].partial ? " (partial)" : "");
		ctl_job_quality(&jb[i], q, sizeof(q));
		table_cell(t, "%s", send ? "-" : q);
		/* REMOTE: whom a send dials (and the ident it answered with) */
		if (send && jb[i].remote_ident[0])
			table_cell(t, "to %s (%s)", jb[i].to, jb[i].remote_ident);
		else if (send)
			table_cell(t, "to %s", jb[i].to);
		else
			table_cell(t, "%s", jb[i].remote_ident[0] ? jb[i].remote_ident : "-");
		table_cell(t, "%s", ctl_event_time(jb[i].next_attempt_time, t2, sizeof(t2)));
		table_cell(t, "%s", jb[i].last_error[0] ? jb[i].last_error : "-");
	}
}

/* One page of jobs, printed at once (the table's columns keep the widths
 * of the pages before). */
static void ctl_jobs_print(struct ctl *c, const fgw_job *jb, size_t n, size_t *width,
			   bool first)
{
	static const char *const hdr[] = { "ID", "PORT", "STATE", "DIRECTION", "ATTEMPTS",
					   "TIME", "PAGES", "QUALITY", "REMOTE", "NEXT-ATTEMPT",
					   "LAST-ERROR", NULL };

	if (c->json) {
		if (first) {
			json_begin_object(&c->j);
			json_key(&c->j, "jobs");
			json_begin_array(&c->j);
		}
		for (size_t i = 0; i < n; i++)
			ctl_json_job(c, &jb[i]);
		return;
	}
	struct table t;
	table_init(&t, hdr);
	ctl_jobs_rows(&t, jb, n);
	table_print_rows(&t, stdout, width, first);
	table_free(&t);
	fflush(stdout);
}

/* A failure after some pages were printed: the JSON document is closed
 * with an "error" member beside "jobs", so it stays one valid document. */
static int ctl_jobs_fail_late(struct ctl *c, int rc)
{
	const char *msg = fgw_last_error_message(c->server);

	fprintf(stderr, "faxgwctl: %s failed: %s", c->command, fgw_strerror(rc));
	if (msg != NULL && msg[0] != '\0' && strcmp(msg, fgw_strerror(rc)) != 0)
		fprintf(stderr, ": %s", msg);
	fputc('\n', stderr);
	if (c->json) {
		json_end_array(&c->j);
		json_key(&c->j, "error");
		json_begin_object(&c->j);
		json_kv_str(&c->j, "command", c->command);
		json_kv_i64(&c->j, "code", rc);
		json_kv_str(&c->j, "text", fgw_strerror(rc));
		json_kv_str(&c->j, "reason", msg != NULL ? msg : "");
		json_end_object(&c->j);
		json_end_object(&c->j);
		json_finish(&c->j);
	}
	return CTL_FAILED;
}

static int ctl_jobs_args(struct ctl *c, bool *failed, uint64_t *limit)
{
	for (int i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--failed") == 0) {
			*failed = true;
		} else if (strcmp(c->argv[i], "--limit") == 0 && i + 1 < c->argc) {
			if (!ctl_parse_u64(c->argv[++i], UINT64_MAX, limit) || *limit == 0)
				return ctl_usage_error("jobs: bad --limit '%s' (1 or more)",
						       c->argv[i]);
		} else {
			return ctl_usage_error("jobs: unknown argument '%s'", c->argv[i]);
		}
	}
	return CTL_OK;
}

/* Newest first, page after page (fgw_enum_jobs_page), each printed as it
 * comes; --limit N stops after N jobs. */
static int ctl_cmd_jobs(struct ctl *c)
{
	size_t width[TABLE_MAX_COLS] = { 0 };
	bool failed = false, first = true;
	uint64_t limit = UINT64_MAX, shown = 0, cursor = 0;
	int rc = ctl_jobs_args(c, &failed, &limit);

	if (rc != CTL_OK)
		return rc;
	do {
		uint64_t left = limit - shown;
		uint32_t max = left < FGW_MAX_JOBS_PAGE ? (uint32_t)left : FGW_MAX_JOBS_PAGE;
		fgw_job *jb = NULL;
		size_t n = 0;

		rc = fgw_enum_jobs_page(c->server, failed, cursor, max, &jb, &n, &cursor);
		if (rc != 0)
			return first ? ctl_fail(c, c->server, rc) : ctl_jobs_fail_late(c, rc);
		ctl_jobs_print(c, jb, n, width, first);
		fgw_free_buffer(jb);
		first = false;
		shown += n;
	} while (cursor != 0 && shown < limit);
	if (c->json) {
		json_end_array(&c->j);
		json_end_object(&c->j);
	}
	return CTL_OK;
}

static int ctl_cmd_retry(struct ctl *c)
{
	uint64_t id;

	if (!ctl_parse_u64(c->argv[0], UINT64_MAX, &id))
		return ctl_usage_error("bad job id '%s'", c->argv[0]);
	int rc = fgw_retry_job(c->server, id);
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

/* --- job JOB, calls -------------------------------------------------------------- */

static void ctl_json_job_info(struct ctl *c, const fgw_job_info *ji)
{
	json_begin_object(&c->j);
	json_key(&c->j, "job");
	ctl_json_job(c, &ji->job);
	json_kv_str(&c->j, "port_name", ji->port_name);
	json_kv_str(&c->j, "local_ident", ji->local_ident);
	json_kv_str(&c->j, "caller", ji->caller);
	json_kv_u64(&c->j, "start_time", ji->start_time);
	json_kv_u64(&c->j, "end_time", ji->end_time);
	json_kv_u64(&c->j, "finished_time", ji->finished_time);
	json_kv_u64(&c->j, "x_res", ji->x_res);
	json_kv_u64(&c->j, "y_res", ji->y_res);
	json_kv_u64(&c->j, "bit_rate", ji->bit_rate);
	json_kv_bool(&c->j, "ecm", ji->ecm != 0);
	json_kv_i64(&c->j, "t30_status", ji->t30_status);
	json_kv_str(&c->j, "t30_text", ji->t30_text);
	json_kv_str(&c->j, "transport", ji->transport);
	json_kv_u64(&c->j, "document_pages", ji->document_pages);
	json_kv_u64(&c->j, "sip_status", ji->sip_status);
	json_kv_str(&c->j, "submitted_by", ji->submitted_by != NULL ? ji->submitted_by : "");
	json_key(&c->j, "sip");
	json_begin_object(&c->j);
	json_kv_str(&c->j, "call_id", ji->sip_call_id);
	json_kv_str(&c->j, "from", ji->sip_from);
	json_kv_str(&c->j, "to", ji->sip_to);
	json_kv_str(&c->j, "user_agent", ji->sip_user_agent);
	json_end_object(&c->j);
	json_key(&c->j, "methods");
	json_begin_array(&c->j);
	for (size_t i = 0; i < ji->nmethods; i++) {
		const fgw_job_method_result *m = &ji->methods[i];
		json_begin_object(&c->j);
		json_kv_str(&c->j, "guid", m->guid);
		json_kv_str(&c->j, "name", m->friendly_name);
		json_kv_str(&c->j, "state", ctl_job_state_name(m->state));
		json_kv_u64(&c->j, "attempts", m->attempts);
		json_kv_str(&c->j, "last_error", m->last_error);
		json_end_object(&c->j);
	}
	json_end_array(&c->j);
	json_end_object(&c->j);
}

/* "X x Y dpi" from pixels per metre (0: "-"). */
static const char *ctl_dpi(uint32_t x, uint32_t y, char *buf, size_t len)
{
	if (x == 0 || y == 0)
		return "-";
	snprintf(buf, len, "%u x %u dpi", (unsigned)((x * 254u + 5000u) / 10000u),
		 (unsigned)((y * 254u + 5000u) / 10000u));
	return buf;
}

static const char *ctl_or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

/* A send job: what was sent where, by whom, and how far it got. */
static void ctl_text_send_info(const fgw_job_info *ji)
{
	const fgw_job *jb = &ji->job;
	char t1[32], t2[32], t3[32], t4[32], dpi[48], sip[16];

	snprintf(sip, sizeof(sip), "%u", (unsigned)ji->sip_status);
	printf("Job:            %" PRIu64 "\n", jb->id);
	printf("Direction:      send\n");
	printf("State:          %s (%u attempt%s)\n", ctl_job_state_name(jb->state),
	       (unsigned)jb->attempts, jb->attempts == 1 ? "" : "s");
	printf("To:             %s\n", ctl_or_dash(jb->to));
	printf("Submitted:      %s by %s\n", ctl_event_time(jb->received_time, t4, sizeof(t4)),
	       ctl_or_dash(ji->submitted_by));
	printf("Port:           %u %s\n", (unsigned)jb->port_id, ji->port_name);
	printf("Document:       %u page%s\n", (unsigned)ji->document_pages,
	       ji->document_pages == 1 ? "" : "s");
	printf("Pages sent:     %u confirmed\n", (unsigned)jb->pages);
	printf("SIP status:     %s\n", ji->sip_status != 0 ? sip : "-");
	printf("Remote ident:   %s\n", ctl_or_dash(jb->remote_ident));
	printf("Local ident:    %s\n", ctl_or_dash(ji->local_ident));
	printf("Peer:           %s\n", ctl_or_dash(ji->caller));
	printf("Transport:      %s\n", ctl_or_dash(ji->transport));
	printf("SIP Call-ID:    %s\n", ctl_or_dash(ji->sip_call_id));
	printf("SIP From:       %s\n", ctl_or_dash(ji->sip_from));
	printf("SIP To:         %s\n", ctl_or_dash(ji->sip_to));
	printf("SIP User-Agent: %s\n", ctl_or_dash(ji->sip_user_agent));
	printf("Started:        %s\n", ctl_event_time(ji->start_time, t1, sizeof(t1)));
	printf("Ended:          %s\n", ctl_event_time(ji->end_time, t2, sizeof(t2)));
	printf("Resolution:     %s\n", ctl_dpi(ji->x_res, ji->y_res, dpi, sizeof(dpi)));
	printf("Bit rate:       %u bit/s, ECM %s\n", (unsigned)ji->bit_rate, ji->ecm ? "on" : "off");
	printf("T.30 result:    %d %s\n", ji->t30_status, ji->t30_text);
	printf("File:           %s\n", ctl_or_dash(jb->path));
	printf("Next attempt:   %s\n", ctl_event_time(jb->next_attempt_time, t3, sizeof(t3)));
	printf("Last error:     %s\n", ctl_or_dash(jb->last_error));
}

static void ctl_text_job_info(const fgw_job_info *ji)
{
	const fgw_job *jb = &ji->job;
	char t1[32], t2[32], t3[32], dpi[48], q[FGW_MAX_DEGRADED_LIST * 12 + 64];

	if (ctl_job_is_send(jb)) {
		ctl_text_send_info(ji);
		return;
	}
	ctl_job_quality(jb, q, sizeof(q));
	printf("Job:            %" PRIu64 "\n", jb->id);
	printf("Direction:      receive\n");
	printf("State:          %s (%u attempt%s)\n", ctl_job_state_name(jb->state),
	       (unsigned)jb->attempts, jb->attempts == 1 ? "" : "s");
	printf("Port:           %u %s\n", (unsigned)jb->port_id, ji->port_name);
	printf("Remote ident:   %s\n", ctl_or_dash(jb->remote_ident));
	printf("Local ident:    %s\n", ctl_or_dash(ji->local_ident));
	printf("Caller:         %s\n", ctl_or_dash(ji->caller));
	printf("Transport:      %s\n", ctl_or_dash(ji->transport));
	printf("SIP Call-ID:    %s\n", ctl_or_dash(ji->sip_call_id));
	printf("SIP From:       %s\n", ctl_or_dash(ji->sip_from));
	printf("SIP To:         %s\n", ctl_or_dash(ji->sip_to));
	printf("SIP User-Agent: %s\n", ctl_or_dash(ji->sip_user_agent));
	printf("Started:        %s\n", ctl_event_time(ji->start_time, t1, sizeof(t1)));
	printf("Ended:          %s\n", ctl_event_time(ji->end_time, t2, sizeof(t2)));
	printf("Pages:          %u%s, %s\n", (unsigned)jb->pages, jb->partial ? " (partial)" : "",
	       q);
	printf("Resolution:     %s\n", ctl_dpi(ji->x_res, ji->y_res, dpi, sizeof(dpi)));
	printf("Bit rate:       %u bit/s, ECM %s\n", (unsigned)ji->bit_rate, ji->ecm ? "on" : "off");
	printf("T.30 result:    %d %s\n", ji->t30_status, ji->t30_text);
	printf("File:           %s\n", ctl_or_dash(jb->path));
	printf("Next attempt:   %s\n", ctl_event_time(jb->next_attempt_time, t3, sizeof(t3)));
	printf("Last error:     %s\n", ctl_or_dash(jb->last_error));
	for (size_t i = 0; i < ji->nmethods; i++) {
		const fgw_job_method_result *m = &ji->methods[i];
		printf("Method:         %s %s: %s, %u attempt%s%s%s\n", m->guid,
		       ctl_or_dash(m->friendly_name), ctl_job_state_name(m->state),
		       (unsigned)m->attempts, m->attempts == 1 ? "" : "s",
		       m->last_error[0] ? ": " : "", m->last_error);
	}
}

static int ctl_cmd_job(struct ctl *c)
{
	fgw_job_info *ji = NULL;
	uint64_t id;

	if (!ctl_parse_u64(c->argv[0], UINT64_MAX, &id))
		return ctl_usage_error("bad job id '%s'", c->argv[0]);
	int rc = fgw_get_job(c->server, id, &ji);
	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	if (c->json)
		ctl_json_job_info(c, ji);
	else
		ctl_text_job_info(ji);
	fgw_free_buffer(ji);
	return CTL_OK;
}

static void ctl_json_call(struct ctl *c, const fgw_call *k)
{
	json_begin_object(&c->j);
	json_kv_u64(&c->j, "port", k->port_id);
	json_kv_u64(&c->j, "channel", k->channel);
	json_kv_str(&c->j, "port_name", k->port_name);
	json_kv_str(&c->j, "peer", k->peer);
	json_kv_str(&c->j, "transport", k->transport);
	json_kv_str(&c->j, "sip_call_id", k->sip_call_id);
	json_kv_str(&c->j, "sip_from", k->sip_from);
	json_kv_u64(&c->j, "pages", k->pages);
	json_kv_u64(&c->j, "start_time", k->start_time);
	json_end_object(&c->j);
}

static int ctl_cmd_calls(struct ctl *c)
{
	static const char *const hdr[] = { "PORT", "CHANNEL", "PEER", "TRANSPORT", "PAGES",
					   "SINCE", "FROM", NULL };
	fgw_call *v = NULL;
	size_t n = 0;
	char t1[32];
	int rc = fgw_enum_calls(c->server, &v, &n);

	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	if (c->json) {
		json_begin_object(&c->j);
		json_key(&c->j, "calls");
		json_begin_array(&c->j);
		for (size_t i = 0; i < n; i++)
			ctl_json_call(c, &v[i]);
		json_end_array(&c->j);
		json_end_object(&c->j);
	} else {
		struct table t;
		table_init(&t, hdr);
		for (size_t i = 0; i < n; i++) {
			table_cell(&t, "%u %s", (unsigned)v[i].port_id, v[i].port_name);
			table_cell(&t, "%u", (unsigned)v[i].channel);
			table_cell(&t, "%s", ctl_or_dash(v[i].peer));
			table_cell(&t, "%s", ctl_or_dash(v[i].transport));
			table_cell(&t, "%u", (unsigned)v[i].pages);
			table_cell(&t, "%s", ctl_event_time(v[i].start_time, t1, sizeof(t1)));
			table_cell(&t, "%s", ctl_or_dash(v[i].sip_from));
		}
		ctl_print_table(&t);
	}
	fgw_free_buffer(v);
	return CTL_OK;
}

/* An audit entry's "what" with the friendly name of the method whose GUID
 * it names: "port 1 {92041a90-...} data (Store in folder)". */
static void ctl_log_what(const char *what, const fgw_global_routing_info *g, size_t ng,
			 char *out, size_t outlen)
{
	for (size_t i = 0; i < ng; i++) {
		if (strstr(what, g[i].guid) != NULL) {
			snprintf(out, outlen, "%s (%s)", what, g[i].friendly_name);
			return;
		}
	}
	snprintf(out, outlen, "%s", what);
}

static int ctl_cmd_log(struct ctl *c)
{
	static const char *const hdr[] = { "TIME", "WHO", "WHAT", "OLD", "NEW", NULL };
	uint64_t max = CTL_LOG_DEFAULT;
	fgw_audit_entry *e = NULL;
	size_t n = 0;
	char tb[32];

	for (int i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "-n") == 0 && i + 1 < c->argc) {
			if (!ctl_parse_u64(c->argv[++i], FGW_MAX_AUDIT_QUERY, &max) || max == 0)
				return ctl_usage_error("log: bad -n '%s'", c->argv[i]);
		} else {
			return ctl_usage_error("log: unknown argument '%s'", c->argv[i]);
		}
	}
	int rc = fgw_enum_audit(c->server, (uint32_t)max, &e, &n);
	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	if (c->json) {
		json_begin_object(&c->j);
		json_key(&c->j, "entries");
		json_begin_array(&c->j);
		for (size_t i = 0; i < n; i++) {
			json_begin_object(&c->j);
			json_kv_u64(&c->j, "id", e[i].id);
			json_kv_u64(&c->j, "time", e[i].time);
			json_kv_u64(&c->j, "uid", e[i].uid);
			json_kv_str(&c->j, "who", e[i].who);
			json_kv_str(&c->j, "what", e[i].what);
			json_kv_str(&c->j, "old_value", e[i].old_value);
			json_kv_str(&c->j, "new_value", e[i].new_value);
			json_end_object(&c->j);
		}
		json_end_array(&c->j);
		json_end_object(&c->j);
	} else {
		fgw_global_routing_info *g = NULL;
		size_t ng = 0;
		char what[FGW_MAX_AUDIT_TEXT + FGW_MAX_NAME + 4];
		struct table t;
		if (fgw_enum_global_routing_info(c->server, &g, &ng) != 0)
			ng = 0;            /* the GUIDs alone are still right */
		table_init(&t, hdr);
		for (size_t i = 0; i < n; i++) {
			table_cell(&t, "%s", ctl_event_time(e[i].time, tb, sizeof(tb)));
			table_cell(&t, "%s", e[i].who);
			ctl_log_what(e[i].what, g, ng, what, sizeof(what));
			table_cell(&t, "%s", what);
			table_cell(&t, "%s", e[i].old_value[0] ? e[i].old_value : "-");
			table_cell(&t, "%s", e[i].new_value[0] ? e[i].new_value : "-");
		}
		ctl_print_table(&t);
		fgw_free_buffer(g);
	}
	fgw_free_buffer(e);
	return CTL_OK;
}

static void ctl_info_json(struct ctl *c, const fgw_gateway_info *g,
			  const fgw_extension_info *x, size_t n)
{
	json_begin_object(&c->j);
	json_key(&c->j, "gateway");
	json_begin_object(&c->j);
	json_kv_str(&c->j, "version", g->version);
	json_kv_u64(&c->j, "port_count", g->port_count);
	json_kv_u64(&c->j, "active_calls", g->active_calls);
	json_kv_u64(&c->j, "spool_pending", g->spool_pending);
	json_kv_u64(&c->j, "dead_letters", g->dead_letters);
	json_kv_u64(&c->j, "unrouted", g->unrouted);
	json_kv_u64(&c->j, "extension_load_failures", g->extension_load_failures);
	json_kv_u64(&c->j, "start_time", g->start_time);
	json_end_object(&c->j);
	json_key(&c->j, "extensions");
	json_begin_array(&c->j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&c->j);
		json_kv_str(&c->j, "image_name", x[i].image_name);
		json_kv_str(&c->j, "friendly_name", x[i].friendly_name);
		json_kv_bool(&c->j, "loaded", x[i].loaded != 0);
		json_kv_str(&c->j, "error", x[i].error);
		json_kv_u64(&c->j, "method_count", x[i].method_count);
		json_end_object(&c->j);
	}
	json_end_array(&c->j);
	json_end_object(&c->j);
}

static void ctl_info_text(const fgw_gateway_info *g, const fgw_extension_info *x, size_t n)
{
	static const char *const hdr[] = { "EXTENSION", "NAME", "METHODS", "STATUS", NULL };
	char tb[32];
	struct table t;

	printf("version:                  %s\n", g->version);
	printf("started:                  %s\n", ctl_event_time(g->start_time, tb, sizeof(tb)));
	printf("ports:                    %u\n", (unsigned)g->port_count);
	printf("active calls:             %u\n", (unsigned)g->active_calls);
	printf("spool pending:            %u\n", (unsigned)g->spool_pending);
	printf("dead letters:             %u\n", (unsigned)g->dead_letters);
	printf("unrouted:                 %u\n", (unsigned)g->unrouted);
	printf("extension load failures:  %u\n\n", (unsigned)g->extension_load_failures);
	table_init(&t, hdr);
	for (size_t i = 0; i < n; i++) {
		table_cell(&t, "%s", x[i].image_name);
		table_cell(&t, "%s", x[i].friendly_name[0] ? x[i].friendly_name : "-");
		table_cell(&t, "%u", (unsigned)x[i].method_count);
		table_cell(&t, "%s%s", x[i].loaded ? "loaded" : "failed: ", x[i].error);
	}
	ctl_print_table(&t);
}

static int ctl_cmd_info(struct ctl *c)
{
	fgw_gateway_info *g = NULL;
	fgw_extension_info *x = NULL;
	size_t n = 0;
	int rc = fgw_get_gateway_info(c->server, &g);

	if (rc == 0)
		rc = fgw_enum_extensions(c->server, &x, &n);
	if (rc != 0) {
		fgw_free_buffer(g);
		return ctl_fail(c, c->server, rc);
	}
	if (c->json)
		ctl_info_json(c, g, x, n);
	else
		ctl_info_text(g, x, n);
	fgw_free_buffer(g);
	fgw_free_buffer(x);
	return CTL_OK;
}

/* --- sip ------------------------------------------------------------------------- */

static void ctl_sip_json_stats(struct ctl *c, const fgw_sip_stats *st)
{
	json_kv_u64(&c->j, "calls", st->calls);
	json_kv_u64(&c->j, "invites", st->invites);
	json_kv_u64(&c->j, "answered", st->answered);
	json_key(&c->j, "rejected");
	json_begin_object(&c->j);
	json_kv_u64(&c->j, "3xx", st->rejected[3]);
	json_kv_u64(&c->j, "4xx", st->rejected[4]);
	json_kv_u64(&c->j, "5xx", st->rejected[5]);
	json_kv_u64(&c->j, "6xx", st->rejected[6]);
	json_end_object(&c->j);
	json_kv_u64(&c->j, "t38_reinvites_sent", st->t38_sent);
	json_kv_u64(&c->j, "t38_reinvites_accepted", st->t38_accepted);
	json_kv_u64(&c->j, "t38_reinvites_refused", st->t38_refused);
	json_kv_u64(&c->j, "t38_peer_switches", st->t38_peer);
	json_kv_u64(&c->j, "refreshes", st->refreshes);
}

static void ctl_sip_json(struct ctl *c, const fgw_sip_stats *g, const fgw_sip_port *p, size_t n)
{
	json_begin_object(&c->j);
	json_key(&c->j, "sip");
	json_begin_object(&c->j);
	json_kv_bool(&c->j, "running", g->running != 0);
	ctl_sip_json_stats(c, g);
	json_end_object(&c->j);
	json_key(&c->j, "ports");
	json_begin_array(&c->j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&c->j);
		json_kv_u64(&c->j, "id", p[i].port_id);
		json_kv_str(&c->j, "sip_users", p[i].sip_users);
		json_kv_u64(&c->j, "channels", p[i].channels);
		ctl_sip_json_stats(c, &p[i].stats);
		json_end_object(&c->j);
	}
	json_end_array(&c->j);
	json_end_object(&c->j);
}

static void ctl_sip_text(const fgw_sip_stats *g, const fgw_sip_port *p, size_t n)
{
	static const char *const hdr[] = { "PORT", "SIP-USER", "CHANNELS", "CALLS", "INVITES",
					   "ANSWERED", "REJECTED", "T38-SENT", "T38-OK",
					   "T38-PEER", "REFRESHES", NULL };
	struct table t;

	printf("SIP:          %s, %u call(s) now\n", g->running ? "running" : "not running",
	       (unsigned)g->calls);
	printf("INVITEs:      %llu, answered %llu, rejected 3xx %llu 4xx %llu 5xx %llu 6xx %llu\n",
	       (unsigned long long)g->invites, (unsigned long long)g->answered,
	       (unsigned long long)g->rejected[3], (unsigned long long)g->rejected[4],
	       (unsigned long long)g->rejected[5], (unsigned long long)g->rejected[6]);
	printf("T.38:         our re-INVITEs %llu (accepted %llu, refused %llu), the peers' %llu\n",
	       (unsigned long long)g->t38_sent, (unsigned long long)g->t38_accepted,
	       (unsigned long long)g->t38_refused, (unsigned long long)g->t38_peer);
	printf("refreshes:    %llu\n\n", (unsigned long long)g->refreshes);
	table_init(&t, hdr);
	for (size_t i = 0; i < n; i++) {
		const fgw_sip_stats *st = &p[i].stats;
		table_cell(&t, "%u", (unsigned)p[i].port_id);
		table_cell(&t, "%s", p[i].sip_users);
		table_cell(&t, "%u", (unsigned)p[i].channels);
		table_cell(&t, "%u", (unsigned)st->calls);
		table_cell(&t, "%llu", (unsigned long long)st->invites);
		table_cell(&t, "%llu", (unsigned long long)st->answered);
		table_cell(&t, "%llu", (unsigned long long)(st->rejected[3] + st->rejected[4] +
							     st->rejected[5] + st->rejected[6]));
		table_cell(&t, "%llu", (unsigned long long)st->t38_sent);
		table_cell(&t, "%llu", (unsigned long long)st->t38_accepted);
		table_cell(&t, "%llu", (unsigned long long)st->t38_peer);
		table_cell(&t, "%llu", (unsigned long long)st->refreshes);
	}
	ctl_print_table(&t);
}

static int ctl_cmd_sip(struct ctl *c)
{
	fgw_sip_stats g;
	fgw_sip_port *p = NULL;
	size_t n = 0;
	int rc = fgw_get_sip_info(c->server, &g, &p, &n);

	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	if (c->json)
		ctl_sip_json(c, &g, p, n);
	else
		ctl_sip_text(&g, p, n);
	fgw_free_buffer(p);
	return CTL_OK;
}

/* --- main ------------------------------------------------------------------------ */

struct ctl_command {
	const char *name;
	int min_args, max_args;        /* -1: any */
	int (*run)(struct ctl *c);
	int (*check)(struct ctl *c);   /* the arguments before connecting, or NULL */
};

/* --- events ---------------------------------------------------------------------- */

#define CTL_EVENTS_QUIET_MS 1000      /* without -f: stop after this long without one */

static const char *ctl_event_name(fgw_event_type t)
{
	static const char *const names[] = {
		[FGW_EVENT_FAX_RECEIVED] = "fax-received",
		[FGW_EVENT_RECEIVE_FAILED] = "receive-failed",
		[FGW_EVENT_ROUTING_SUCCEEDED] = "routing-succeeded",
		[FGW_EVENT_ROUTING_FAILED] = "routing-failed",
		[FGW_EVENT_ROUTING_DEAD_LETTERED] = "routing-dead-lettered",
		[FGW_EVENT_ROUTING_CHANGED] = "routing-changed",
		[FGW_EVENT_PORT_STATE_CHANGED] = "port-state-changed",
		[FGW_EVENT_EXTENSION_LOAD_FAILED] = "extension-load-failed",
		[FGW_EVENT_SEND_QUEUED] = "send-queued",
		[FGW_EVENT_SEND_DIALING] = "send-dialing",
		[FGW_EVENT_SEND_DONE] = "send-done",
		[FGW_EVENT_SEND_FAILED] = "send-failed",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) && names[t] != NULL ? names[t]
										   : "unknown";
}

static bool ctl_event_is_send(fgw_event_type t)
{
	return t == FGW_EVENT_SEND_QUEUED || t == FGW_EVENT_SEND_DIALING ||
	       t == FGW_EVENT_SEND_DONE || t == FGW_EVENT_SEND_FAILED;
}

/* One event a line: text, or one JSON object a line (JSON Lines). */
static void ctl_print_event(struct ctl *c, const fgw_event *ev)
{
	char tb[32];

	if (c->json) {
		struct json j;
		json_init(&j, stdout);
		json_set_version(&j, FAXGW_VERSION);
		json_begin_object(&j);
		json_kv_str(&j, "type", ctl_event_name(ev->type));
		json_kv_u64(&j, "time", ev->time);
		json_kv_u64(&j, "port", ev->port_id);
		json_kv_str(&j, "guid", ev->guid != NULL ? ev->guid : "");
		json_kv_u64(&j, "job", ev->job_id);
		if (ev->type == FGW_EVENT_PORT_STATE_CHANGED)
			json_kv_str(&j, "port_state", ctl_state_name((fgw_port_state)ev->port_state));
		if (ctl_event_is_send(ev->type))
			json_kv_str(&j, "job_state", ctl_job_state_name((fgw_job_state)ev->job_state));
		json_kv_str(&j, "text", ev->text != NULL ? ev->text : "");
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%s %s port %u%s%s", ctl_event_time(ev->time, tb, sizeof(tb)),
		       ctl_event_name(ev->type), (unsigned)ev->port_id,
		       ev->guid != NULL && ev->guid[0] ? " " : "", ev->guid != NULL ? ev->guid : "");
		if (ev->job_id != 0)
			printf(" job %llu", (unsigned long long)ev->job_id);
		if (ev->type == FGW_EVENT_PORT_STATE_CHANGED)
			printf(" %s", ctl_state_name((fgw_port_state)ev->port_state));
		if (ctl_event_is_send(ev->type))
			printf(" %s", ctl_job_state_name((fgw_job_state)ev->job_state));
		printf("%s%s\n", ev->text != NULL && ev->text[0] ? ": " : "",
		       ev->text != NULL ? ev->text : "");
	}
	fflush(stdout);
}

/* events [-f]: the event stream; -f follows it until faxgwd goes away
 * or the command is interrupted, else it ends after a quiet second. */
static int ctl_cmd_events(struct ctl *c)
{
	fgw_handle *sub = NULL;
	bool follow = false;

	for (int i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "-f") != 0)
			return ctl_usage_error("events: unknown argument '%s'", c->argv[i]);
		follow = true;
	}
	int rc = fgw_subscribe(c->server, FGW_EVENT_ALL, &sub);
	if (rc != 0)
		return ctl_fail(c, c->server, rc);
	for (;;) {
		fgw_event *ev = NULL;
		rc = fgw_read_event(sub, &ev, follow ? -1 : CTL_EVENTS_QUIET_MS);
		if (rc != 0)
			break;
		ctl_print_event(c, ev);
		fgw_free_buffer(ev);
	}
	fgw_close(sub);
	c->json = false;              /* the lines were the output: no closing newline */
	if (rc == FGW_E_TIMEOUT && !follow)
		return CTL_OK;
	return rc == FGW_E_CLOSED && follow ? CTL_OK : ctl_fail(c, c->server, rc);
}

static const struct ctl_command ctl_commands[] = {
	{ "ports", 0, 0, ctl_cmd_ports, NULL },
	{ "methods", 1, 1, ctl_cmd_methods, NULL },
	{ "get", 2, 2, ctl_cmd_get, NULL },
	{ "set", 3, 3, ctl_cmd_change, NULL },
	{ "enable", 2, 2, ctl_cmd_change, NULL },
	{ "disable", 2, 2, ctl_cmd_change, NULL },
	{ "priority", 0, 2, ctl_cmd_priority, NULL },
	{ "jobs", 0, 3, ctl_cmd_jobs, NULL },
	{ "retry", 1, 1, ctl_cmd_retry, NULL },
	{ "send", 2, 7, ctl_cmd_send, ctl_check_send },
	{ "cancel", 1, 1, ctl_cmd_cancel, ctl_check_cancel },
	{ "job", 1, 1, ctl_cmd_job, NULL },
	{ "calls", 0, 0, ctl_cmd_calls, NULL },
	{ "log", 0, 2, ctl_cmd_log, NULL },
	{ "info", 0, 0, ctl_cmd_info, NULL },
	{ "sip", 0, 0, ctl_cmd_sip, NULL },
	{ "events", 0, 1, ctl_cmd_events, NULL },
};

/* Global options; returns -1 to go on, else an exit status. */
static int ctl_parse_options(int argc, char **argv, struct ctl *c)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+s:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 's': c->socket = optarg; break;
		case 'j': c->json = true; break;
		case 'h': ctl_usage(stdout); return CTL_OK;
		case 'V': printf("faxgwctl %s\n", FAXGW_VERSION); return CTL_OK;
		default:
			return ctl_usage_error("unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return ctl_usage_error("no command given%s", "");
	c->command = argv[optind];
	/* --json is also accepted after the command. */
	c->argv = argv + optind + 1;
	c->argc = 0;
	for (int i = optind + 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c->json = true;
		else
			c->argv[c->argc++] = argv[i];
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct ctl c = { 0 };
	const struct ctl_command *cmd = NULL;
	int rc = ctl_parse_options(argc, argv, &c);

	if (rc >= 0)
		return rc;
	if (strcmp(c.command, "help") == 0)
		return c.argc <= 1 ? ctl_cmd_help(c.argc == 1 ? c.argv[0] : NULL)
				   : ctl_usage_error("help: one command at most, not '%s' too", c.argv[1]);
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (strcmp(ctl_commands[i].name, c.command) == 0)
			cmd = &ctl_commands[i];
	if (cmd == NULL)
		return ctl_usage_error("unknown command '%s'", c.command);
	if (c.argc < cmd->min_args || c.argc > cmd->max_args)
		return ctl_usage_error("wrong number of arguments for '%s'", c.command);
	if (cmd->check != NULL && (rc = cmd->check(&c)) != CTL_OK)
		return rc;
	json_init(&c.j, stdout);
	json_set_version(&c.j, FAXGW_VERSION);
	int e = fgw_connect(c.socket, &c.server);
	if (e != 0) {
		fprintf(stderr, "faxgwctl: %s: %s\n", fgw_strerror(e), fgw_last_error_message(NULL));
		ctl_json_error(&c, e, fgw_strerror(e), fgw_last_error_message(NULL));
		return CTL_FAILED;
	}
	rc = cmd->run(&c);
	if (rc == CTL_OK && c.json)
		json_finish(&c.j);
	fgw_close(c.server);
	if (fflush(stdout) != 0 && rc == CTL_OK) {
		fprintf(stderr, "faxgwctl: cannot write the output: %s\n", strerror(errno));
		rc = CTL_FAILED;
	}
	return rc;
}
