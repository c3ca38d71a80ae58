/*
 * core.c - the routing model behind the control server (core.h): ports
 * from the configuration, methods from the loaded extensions merged with
 * the state database, per-port routing, priorities, jobs and audit log.
 */
#include "caps.h"
#include "core.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "extcall.h"
#include "extension.h"
#include "fgwx_buf.h"
#include "fgwx_dir.h"
#include "fgwx_text.h"
#include "log.h"
#include "rtable.h"
#include "sendq.h"
#include "state.h"

#ifndef FAXGW_VERSION
#define FAXGW_VERSION "0"
#endif

#define CORE_STORE_FOLDER_GUID "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"

/* A loaded method as the core sees it. */
struct core_method {
	const struct extension_method *m;
	uint32_t method_index;        /* stable (state database) */
	uint32_t priority;            /* 1..nmethods */
};

struct core_port {
	const struct config_port *cfg;
	struct state_port_counters counters; /* cache: home of last_remote_ident */
};

struct core {
	const struct config *cfg;
	struct state *st;
	struct extension_set *ext;
	struct core_method *methods;  /* load order (slot = extension_method_at index) */
	size_t nmethods;
	size_t *order;                /* order[p-1] = slot of priority p */
	struct core_port *ports;      /* config order: by port id */
	size_t nports;
	struct rtable *rt;
	core_event_fn sink;
	void *sink_arg;
	int load_failures_sent;
	uint64_t start_time;
	struct core_dataplane dp;
	struct core_sip sip;
	struct event_base *base;      /* core_set_loop: extension calls off the loop */
	struct core_op *ops;          /* routing changes, the first one being validated */
	struct sendq *sendq;          /* send jobs (core_set_loop) */
	struct extcall *notices[FGW_MAX_NOTICE_WORKERS]; /* device_change calls running */
};

/* One (port, method) entry touched by a batch, with its state as it goes. */
struct core_pending {
	size_t port, slot;
	int enabled;
	const void *data;
	size_t len;
	int orig_enabled;
	const void *orig_data;
	size_t orig_len;
	int check_enable;             /* a change enabled it or set its data */
	size_t blame;                 /* change to blame if it cannot be enabled */
	unsigned char *newbuf;        /* copy of the final data for the table */
};

/* One extension call a batch needs before it can be applied. */
struct core_call {
	enum extcall_kind kind;       /* EXTCALL_VALIDATE or EXTCALL_CAN_ENABLE */
	const char *guid;             /* canonical (the extension's) */
	uint32_t port_id;
	const void *data;             /* the change's or the table's: stable until applied */
	size_t len;
	size_t blame;                 /* the change refused when this call refuses */
};

/* What a batch needs: its entries' end states and the calls, in order. */
struct core_plan {
	struct core_pending *pend;    /* n entries at most */
	size_t npend;
	struct core_call *calls;      /* 2n at most */
	size_t ncalls;
	int rc;                       /* a change refused without a call: told after them */
	size_t failed;
	char reason[FGW_MAX_ERROR_TEXT];
};

static uint64_t core_now(void)
{
	return (uint64_t)time(NULL);
}

/* --- lookups ------------------------------------------------------------------ */

static int core_port_index(const struct core *c, uint32_t port_id, size_t *index)
{
	size_t lo = 0, hi = c->nports;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t id = c->ports[mid].cfg->id;
		if (id == port_id) {
			*index = mid;
			return 0;
		}
		if (id < port_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int core_method_slot(const struct core *c, const char *guid, size_t *slot)
{
	return guid != NULL && extension_method_find(c->ext, guid, slot) != NULL ? 0 : -1;
}

const struct config *core_config(const struct core *c)
{
	return c->cfg;
}

struct state *core_state(struct core *c)
{
	return c->st;
}

const struct extension_set *core_extensions(const struct core *c)
{
	return c->ext;
}

/* --- printable text for the audit log --------------------------------------- */

/* Routing data as text: printable ASCII and valid UTF-8 text kept, a backslash
 * doubled, other bytes as \xNN; cut with "..." to fit out. */
static void core_printable(const void *data, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = data;
	size_t o = 0, i = 0;

	while (i < len) {
		char tmp[8];
		uint32_t cp = 0;
		size_t n = p[i] >= 0x80 ? fgwx_utf8_seq(p + i, len - i, &cp) : 0, tn;

		if (n > 0 && cp > 0x9f) {             /* not a C1 control */
			memcpy(tmp, p + i, n);
			tn = n;
		} else if (p[i] == '\\') {
			memcpy(tmp, "\\\\", 2);
			tn = 2, n = 1;
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			tmp[0] = (char)p[i];
			tn = 1, n = 1;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			tn = 4, n = 1;
		}
		if (o + tn + 4 > outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, tmp, tn);
		o += tn;
		i += n;
	}
	out[o] = '\0';
}

void core_who_name(const struct core_who *who, char *out, size_t outlen)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	char origin[FGW_MAX_NAME];

	if (who == NULL) {
		snprintf(out, outlen, "faxgwd (initial configuration)");
		return;
	}
	if (who->origin != NULL && who->origin[0] != '\0') {
		core_printable(who->origin, strnlen(who->origin, 32), origin, sizeof(origin));
		snprintf(out, outlen, "%s (uid %u)", origin, (unsigned)who->uid);
		return;
	}
	if (getpwuid_r(who->uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, outlen, "uid %u (%s)", (unsigned)who->uid, pw.pw_name);
	else
		snprintf(out, outlen, "uid %u", (unsigned)who->uid);
}

/* --- events ---------------------------------------------------------------------- */

static void core_emit_hook(void *arg, const fgw_event *ev)
{
	core_emit(arg, ev);
}

void core_emit(struct core *c, const fgw_event *ev)
{
	if (c != NULL && c->sink != NULL && ev != NULL)
		c->sink(c->sink_arg, ev);
}

static void core_emit_load_failures(struct core *c)
{
	for (size_t i = 0; i < extension_count(c->ext); i++) {
		const struct extension_image *img = extension_at(c->ext, i);
		char text[FGW_MAX_PATH + FGW_MAX_ERROR_TEXT + 4];
		fgw_event ev = { 0 };

		if (img->loaded)
			continue;
		snprintf(text, sizeof(text), "%s: %s", img->path, img->error);
		ev.type = FGW_EVENT_EXTENSION_LOAD_FAILED;
		ev.time = c->start_time;
		ev.guid = "";
		ev.text = text;
		core_emit(c, &ev);
	}
}

void core_set_event_sink(struct core *c, core_event_fn fn, void *arg)
{
	c->sink = fn;
	c->sink_arg = arg;
	if (fn != NULL && !c->load_failures_sent) {
		c->load_failures_sent = 1;
		core_emit_load_failures(c);
	}
}

static void core_emit_change(struct core *c, uint32_t port_id, const char *guid,
			     const char *text)
{
	fgw_event ev = { 0 };

	ev.type = FGW_EVENT_ROUTING_CHANGED;
	ev.time = core_now();
	ev.port_id = port_id;
	ev.guid = guid;
	ev.text = text;
	core_emit(c, &ev);
}

/* --- start-up -------------------------------------------------------------------- */

static int core_slot_cmp_priority(const struct core *c, size_t a, size_t b)
{
	const struct core_method *ma = &c->methods[a], *mb = &c->methods[b];
	/* Known priorities first, in their order; new methods (0) after, in
	 * load order. */
	uint64_t pa = ma->priority ? ma->priority : UINT64_MAX;
	uint64_t pb = mb->priority ? mb->priority : UINT64_MAX;

	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (ma->priority != 0 && ma->method_index != mb->method_index)
		return ma->method_index < mb->method_index ? -1 : 1;
	return a < b ? -1 : (a > b);
}

/* Orders the loaded methods and renumbers their priorities 1..n (insertion
 * sort: n is at most FGW_MAX_METHODS). */
static void core_order_methods(struct core *c)
{
	for (size_t i = 0; i < c->nmethods; i++)
		c->order[i] = i;
	for (size_t i = 1; i < c->nmethods; i++) {
		size_t v = c->order[i], j = i;
		while (j > 0 && core_slot_cmp_priority(c, v, c->order[j - 1]) < 0) {
			c->order[j] = c->order[j - 1];
			j--;
		}
		c->order[j] = v;
	}
}

static int core_load_methods(struct core *c, char *err, size_t errlen)
{
	c->nmethods = extension_method_count(c->ext);
	c->methods = calloc(c->nmethods + 1, sizeof(*c->methods));
	c->order = calloc(c->nmethods + 1, sizeof(*c->order));
	if (c->methods == NULL || c->order == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (state_begin(c->st, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < c->nmethods; i++) {
		const struct extension_method *m = extension_method_at(c->ext, i);
		struct state_method sm;

		if (state_method_ensure(c->st, m->guid, m->function_name, m->friendly_name,
					extension_at(c->ext, m->image)->path, &sm, NULL, err,
					errlen) != 0)
			goto fail;
		c->methods[i].m = m;
		c->methods[i].method_index = sm.method_index;
		c->methods[i].priority = sm.priority;
	}
	core_order_methods(c);
	for (size_t p = 0; p < c->nmethods; p++) {
		struct core_method *cm = &c->methods[c->order[p]];
		if (cm->priority == p + 1)
			continue;
		cm->priority = (uint32_t)(p + 1);
		if (state_method_set_priority(c->st, cm->m->guid, cm->priority, err, errlen) != 0)
			goto fail;
	}
	return state_commit(c->st, err, errlen);
fail:
	state_rollback(c->st);
	return -1;
}

static int core_load_routing(struct core *c, char *err, size_t errlen)
{
	unsigned char buf[FGW_MAX_ROUTING_DATA];

	c->rt = rtable_new(c->nports, c->nmethods);
	if (c->rt == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t p = 0; p < c->nports; p++) {
		for (size_t s = 0; s < c->nmethods; s++) {
			struct rtable_entry *e = rtable_entry(c->rt, p, s);
			unsigned char *copy = NULL;
			int enabled = 0, found = 0;
			size_t len = 0;

			if (state_routing_get(c->st, c->ports[p].cfg->id, c->methods[s].m->guid,
					      &enabled, buf, &len, &found, err, errlen) != 0)
				return -1;
			if (rtable_copy_data(buf, len, &copy) != 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			rtable_take_data(e, copy, len);
			e->enabled = enabled;
		}
	}
	return 0;
}

/* The embedded default: Store in folder on every port (faxgwd.conf(5)). */
static void core_initial_routing(struct core *c)
{
	const char *folder = c->cfg->default_store_folder;
	fgw_routing_change *ch;
	char reason[FGW_MAX_ERROR_TEXT] = "";
	size_t failed = 0;
	int rc;

	if (folder[0] == '\0')
		return;
	if (fgwx_mkdir_p(folder, 0750, NULL, 0) != 0) {
		log_warn("initial routing: cannot create %s: %s", folder, strerror(errno));
		return;
	}
	if (extension_method_find(c->ext, CORE_STORE_FOLDER_GUID, NULL) == NULL) {
		log_warn("initial routing: Store in folder is not loaded; no method enabled");
		return;
	}
	ch = calloc(c->nports, sizeof(*ch));
	if (ch == NULL)
		return;
	for (size_t p = 0; p < c->nports; p++) {
		ch[p].port_id = c->ports[p].cfg->id;
		ch[p].guid = CORE_STORE_FOLDER_GUID;
		ch[p].set_enabled = 1;
		ch[p].enabled = 1;
		ch[p].set_data = 1;
		ch[p].data = folder;
		ch[p].data_len = strlen(folder);
	}
	rc = core_apply(c, ch, c->nports, NULL, &failed, reason, sizeof(reason));
	if (rc != 0)
		log_warn("initial routing: Store in folder into %s not enabled: %s", folder,
			 reason[0] ? reason : fgw_strerror(rc));
	else
		log_notice("initial routing: Store in folder into %s enabled on every port",
			   folder);
	free(ch);
}

int core_new(const struct config *cfg, struct core **out, char *err, size_t errlen)
{
	struct core *c = calloc(1, sizeof(*c));
	int created = 0;

	*out = NULL;
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->cfg = cfg;
	c->start_time = core_now();
	c->nports = cfg->nports;
	c->ports = calloc(c->nports + 1, sizeof(*c->ports));
	if (c->ports == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t p = 0; p < c->nports; p++)
		c->ports[p].cfg = &cfg->ports[p];
	for (size_t p = 1; p < c->nports; p++) {
		if (c->ports[p].cfg->id <= c->ports[p - 1].cfg->id) {
			snprintf(err, errlen, "configuration: ports are not ordered by id");
			goto fail;
		}
	}
	if (state_open(cfg->state, &c->st, &created, err, errlen) != 0 ||
	    extension_set_load(cfg, &c->ext, err, errlen) != 0 ||
	    core_load_methods(c, err, errlen) != 0 || core_load_routing(c, err, errlen) != 0)
		goto fail;
	if (created)
		core_initial_routing(c);
	*out = c;
	return 0;
fail:
	core_free(c);
	return -1;
}

void core_free(struct core *c)
{
	if (c == NULL)
		return;
	while (c->ops != NULL)
		core_apply_cancel(c->ops);
	sendq_free(c->sendq);
	for (size_t i = 0; i < FGW_MAX_NOTICE_WORKERS; i++)
		extcall_cancel(c->notices[i]);
	rtable_free(c->rt);
	extension_set_free(c->ext);
	state_close(c->st);
	free(c->methods);
	free(c->order);
	free(c->ports);
	free(c);
}

/* --- queries ------------------------------------------------------------------------ */

void core_set_dataplane(struct core *c, const struct core_dataplane *dp)
{
	if (dp != NULL)
		c->dp = *dp;
	else
		memset(&c->dp, 0, sizeof(c->dp));
}

void core_set_sip(struct core *c, const struct core_sip *sip)
{
	if (sip != NULL)
		c->sip = *sip;
	else
		memset(&c->sip, 0, sizeof(c->sip));
	sendq_kick(c->sendq);
}

struct sendq *core_sendq(struct core *c)
{
	return c != NULL ? c->sendq : NULL;
}

int core_sip_info(struct core *c, fgw_sip_port *out, char (*users)[FGW_MAX_SIP_USERS_TEXT],
		  size_t max, size_t *n)
{
	*n = 0;
	if (max == 0)
		return FGW_E_INVAL;
	if (c->sip.info != NULL)
		return c->sip.info(c->sip.arg, out, users, max, n);
	memset(&out[0], 0, sizeof(out[0]));
	out[0].sip_users = "";
	*n = 1;
	return 0;
}

int core_gateway_info(struct core *c, fgw_gateway_info *out)
{
	char err[FGW_MAX_ERROR_TEXT];
	uint32_t counts[6];

	memset(out, 0, sizeof(*out));
	out->version = FAXGW_VERSION;
	out->port_count = (uint32_t)c->nports;
	out->extension_load_failures = extension_failures(c->ext);
	out->start_time = c->start_time;
	if (state_jobs_count(c->st, counts, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return FGW_E_STORAGE;
	}
	out->spool_pending = counts[FGW_JOB_PENDING] + counts[FGW_JOB_ROUTING];
	out->dead_letters = counts[FGW_JOB_FAILED];
	out->unrouted = counts[FGW_JOB_UNROUTED];
	if (c->dp.active_calls != NULL)
		out->active_calls = c->dp.active_calls(c->dp.arg);
	return 0;
}

size_t core_port_count(const struct core *c)
{
	return c->nports;
}

static int core_fill_port(struct core *c, size_t p, fgw_port_info *out)
{
	struct core_port *cp = &c->ports[p];
	struct state_port_counters fresh;
	char err[FGW_MAX_ERROR_TEXT];

	memset(out, 0, sizeof(*out));
	if (state_port_counters_get(c->st, cp->cfg->id, &fresh, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return FGW_E_STORAGE;
	}
	cp->counters.faxes_received = fresh.faxes_received;
	cp->counters.pages_received = fresh.pages_received;
	cp->counters.faxes_failed = fresh.faxes_failed;
	cp->counters.routing_failures = fresh.routing_failures;
	if (strcmp(cp->counters.last_remote_ident, fresh.last_remote_ident) != 0)
		memcpy(cp->counters.last_remote_ident, fresh.last_remote_ident,
		       sizeof(fresh.last_remote_ident));
	out->id = cp->cfg->id;
	out->name = cp->cfg->name;
	out->transport = cp->cfg->transport == CONFIG_AUDIO ? FGW_TRANSPORT_AUDIO
			 : cp->cfg->transport == CONFIG_SIP ? FGW_TRANSPORT_SIP : FGW_TRANSPORT_T38;
	out->local_address = cp->cfg->listen_text;
	out->local_ident = cp->cfg->local_ident;
	out->state = FGW_PORT_IDLE;
	if (c->dp.port_state != NULL)
		out->state = (fgw_port_state)c->dp.port_state(c->dp.arg, cp->cfg->id);
	out->faxes_received = cp->counters.faxes_received;
	out->pages_received = cp->counters.pages_received;
	out->faxes_failed = cp->counters.faxes_failed;
	out->routing_failures = cp->counters.routing_failures;
	out->last_remote_ident = cp->counters.last_remote_ident;
	out->modify_held = 0;
	out->faxes_sent = fresh.faxes_sent;
	out->pages_sent = fresh.pages_sent;
	out->send_failures = fresh.send_failures;
	return 0;
}

int core_port_at(struct core *c, size_t i, fgw_port_info *out)
{
	if (i >= c->nports)
		return FGW_E_NO_PORT;
	return core_fill_port(c, i, out);
}

int core_port_get(struct core *c, uint32_t port_id, fgw_port_info *out)
{
	size_t p;

	if (core_port_index(c, port_id, &p) != 0)
		return FGW_E_NO_PORT;
	return core_fill_port(c, p, out);
}

size_t core_extension_count(const struct core *c)
{
	return extension_count(c->ext);
}

int core_extension_at(struct core *c, size_t i, fgw_extension_info *out)
{
	const struct extension_image *img = extension_at(c->ext, i);

	memset(out, 0, sizeof(*out));
	if (img == NULL)
		return FGW_E_INVAL;
	out->image_name = img->path;
	out->friendly_name = img->friendly_name;
	out->loaded = img->loaded;
	out->error = img->error;
	out->method_count = img->method_count;
	return 0;
}

size_t core_method_count(const struct core *c)
{
	return c->nmethods;
}

int core_global_at(struct core *c, size_t i, fgw_global_routing_info *out)
{
	const struct core_method *cm;
	const struct extension_image *img;

	memset(out, 0, sizeof(*out));
	if (i >= c->nmethods)
		return FGW_E_NO_METHOD;
	cm = &c->methods[c->order[i]];
	img = extension_at(c->ext, cm->m->image);
	out->priority = cm->priority;
	out->guid = cm->m->guid;
	out->friendly_name = cm->m->friendly_name;
	out->function_name = cm->m->function_name;
	out->extension_image_name = img->path;
	out->extension_friendly_name = img->friendly_name;
	out->method_index = cm->method_index;
	return 0;
}

int core_method_at(struct core *c, uint32_t port_id, size_t i, fgw_routing_method *out)
{
	struct state_method_counters mc;
	char err[FGW_MAX_ERROR_TEXT];
	const struct core_method *cm;
	const struct extension_image *img;
	struct rtable_entry *e;
	size_t p, slot;

	memset(out, 0, sizeof(*out));
	if (core_port_index(c, port_id, &p) != 0)
		return FGW_E_NO_PORT;
	if (i >= c->nmethods)
		return FGW_E_NO_METHOD;
	slot = c->order[i];
	cm = &c->methods[slot];
	img = extension_at(c->ext, cm->m->image);
	e = rtable_entry(c->rt, p, slot);
	if (state_method_counters_get(c->st, port_id, cm->m->guid, &mc, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return FGW_E_STORAGE;
	}
	e->routed = mc.routed;
	e->failures = mc.failures;
	if (rtable_set_last_error(e, mc.last_error) != 0)
		return FGW_E_NOMEM;
	out->device_id = port_id;
	out->device_name = c->ports[p].cfg->name;
	out->enabled = e->enabled;
	out->guid = cm->m->guid;
	out->friendly_name = cm->m->friendly_name;
	out->function_name = cm->m->function_name;
	out->extension_image_name = img->path;
	out->extension_friendly_name = img->friendly_name;
	out->method_index = cm->method_index;
	out->priority = cm->priority;
	out->routed = e->routed;
	out->failures = e->failures;
	out->last_error = e->last_error != NULL ? e->last_error : "";
	return 0;
}

int core_get_routing_info(struct core *c, uint32_t port_id, const char *guid,
			  const void **data, size_t *len)
{
	struct rtable_entry *e;
	size_t p, slot;

	*data = "";
	*len = 0;
	if (core_port_index(c, port_id, &p) != 0)
		return FGW_E_NO_PORT;
	if (core_method_slot(c, guid, &slot) != 0)
		return FGW_E_NO_METHOD;
	e = rtable_entry(c->rt, p, slot);
	if (e->len > 0) {
		*data = e->data;
		*len = e->len;
	}
	return 0;
}

int core_get_routing_info_shown(struct core *c, uint32_t port_id, const char *guid, void *buf,
				size_t bufcap, const void **data, size_t *len)
{
	int rc = core_get_routing_info(c, port_id, guid, data, len);
	size_t n;

	if (rc == 0 && extension_redact(c->ext, guid, *data, *len, buf, bufcap, &n) == 1) {
		*data = buf;
		*len = n;
	}
	return rc;
}

int core_port_routes(struct core *c, uint32_t port_id, struct core_route *out, size_t max,
		     size_t *n)
{
	size_t p;

	*n = 0;
	if (core_port_index(c, port_id, &p) != 0)
		return FGW_E_NO_PORT;
	for (size_t i = 0; i < c->nmethods && *n < max; i++) {
		const struct core_method *cm = &c->methods[c->order[i]];
		const struct rtable_entry *e = rtable_entry(c->rt, p, c->order[i]);

		if (!e->enabled)
			continue;
		out[*n].method = cm->m;
		out[*n].priority = cm->priority;
		out[*n].data = e->len > 0 ? (const void *)e->data : "";
		out[*n].len = e->len;
		(*n)++;
	}
	return 0;
}

/* --- changes ---------------------------------------------------------------------- */

/* Checks one change alone, without asking its extension; 0 or an FGW_E_*
 * code with reason. */
static int core_check_change(struct core *c, const fgw_routing_change *ch, size_t *port,
			     size_t *slot, char *reason, size_t reasonlen)
{
	if (ch->guid == NULL) {
		fgwx_reason(reason, reasonlen, "no method GUID given");
		return FGW_E_INVAL;
	}
	if (ch->set_data && ch->data_len > FGW_MAX_ROUTING_DATA) {
		fgwx_reason(reason, reasonlen, "routing data of %zu bytes is over the limit of %d",
			    ch->data_len, FGW_MAX_ROUTING_DATA);
		return FGW_E_TOO_BIG;
	}
	if (ch->set_data && ch->data_len > 0 && ch->data == NULL) {
		fgwx_reason(reason, reasonlen, "routing data missing");
		return FGW_E_INVAL;
	}
	if (core_port_index(c, ch->port_id, port) != 0) {
		fgwx_reason(reason, reasonlen, "no port %u", (unsigned)ch->port_id);
		return FGW_E_NO_PORT;
	}
	if (core_method_slot(c, ch->guid, slot) != 0) {
		fgwx_reason(reason, reasonlen, "no routing method %.40s", ch->guid);
		return FGW_E_NO_METHOD;
	}
	return 0;
}

static struct core_pending *core_pending_get(struct core *c, struct core_pending *pend,
					     size_t *npend, size_t port, size_t slot)
{
	struct rtable_entry *e;
	struct core_pending *pd;

	for (size_t i = 0; i < *npend; i++)
		if (pend[i].port == port && pend[i].slot == slot)
			return &pend[i];
	e = rtable_entry(c->rt, port, slot);
	pd = &pend[(*npend)++];
	memset(pd, 0, sizeof(*pd));
	pd->port = port;
	pd->slot = slot;
	pd->enabled = pd->orig_enabled = e->enabled;
	pd->data = pd->orig_data = e->len > 0 ? (const void *)e->data : "";
	pd->len = pd->orig_len = e->len;
	return pd;
}

static void core_pending_apply(struct core_pending *pd, const fgw_routing_change *ch,
			       size_t i)
{
	if (ch->set_enabled) {
		pd->enabled = ch->enabled != 0;
		if (pd->enabled) {
			pd->check_enable = 1;
			pd->blame = i;
		}
	}
	if (ch->set_data) {
		pd->data = ch->data_len > 0 ? ch->data : "";
		pd->len = ch->data_len;
		pd->check_enable = 1;
		if (!ch->set_enabled || ch->enabled)
			pd->blame = i;
	}
}

static void core_plan_call(struct core *c, struct core_plan *pl, enum extcall_kind kind,
			   size_t port, size_t slot, const void *data, size_t len, size_t blame)
{
	struct core_call *k = &pl->calls[pl->ncalls++];

	k->kind = kind;
	k->guid = c->methods[slot].m->guid;
	k->port_id = c->ports[port].cfg->id;
	k->data = len > 0 ? data : "";
	k->len = len;
	k->blame = blame;
}

/* Phase 1: every change alone, then the end state of each entry, giving
 * the extension calls to make in order (validate each change's data, then
 * can_enable each entry that ends up enabled).  A change refused here ends
 * the plan: the calls about the changes before it still come first, so
 * the refusal reported is the first in order, as if asked one by one.
 * 0, or FGW_E_NOMEM. */
static int core_plan_batch(struct core *c, const fgw_routing_change *changes, size_t n,
			   struct core_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->failed = n;
	pl->pend = calloc(n + 1, sizeof(*pl->pend));
	pl->calls = calloc(2 * n + 1, sizeof(*pl->calls));
	if (pl->pend == NULL || pl->calls == NULL)
		return FGW_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const fgw_routing_change *ch = &changes[i];
		size_t port = 0, slot = 0;

		pl->rc = core_check_change(c, ch, &port, &slot, pl->reason, sizeof(pl->reason));
		if (pl->rc != 0) {
			pl->failed = i;
			return 0;
		}
		if (ch->set_data && ch->data_len > 0)
			core_plan_call(c, pl, EXTCALL_VALIDATE, port, slot, ch->data, ch->data_len, i);
		core_pending_apply(core_pending_get(c, pl->pend, &pl->npend, port, slot), ch, i);
	}
	for (size_t k = 0; k < pl->npend; k++) {
		const struct core_pending *pd = &pl->pend[k];

		if (pd->enabled && pd->check_enable)
			core_plan_call(c, pl, EXTCALL_CAN_ENABLE, pd->port, pd->slot, pd->data,
				       pd->len, pd->blame);
	}
	return 0;
}

static void core_plan_free(struct core_plan *pl)
{
	if (pl->pend != NULL)
		for (size_t k = 0; k < pl->npend; k++)
			free(pl->pend[k].newbuf);
	free(pl->pend);
	free(pl->calls);
	memset(pl, 0, sizeof(*pl));
}

/* The plan's extension calls made here, in this thread (core_apply). */
static int core_plan_run_here(struct core *c, const struct core_plan *pl, size_t *failed,
			      char *reason, size_t reasonlen)
{
	for (size_t i = 0; i < pl->ncalls; i++) {
		const struct core_call *k = &pl->calls[i];
		int rc = k->kind == EXTCALL_VALIDATE ?
			 extension_validate(c->ext, k->guid, k->port_id, k->data, k->len, reason,
					    reasonlen) :
			 extension_can_enable(c->ext, k->guid, k->port_id, k->data, k->len, reason,
					      reasonlen);
		if (rc != 0) {
			*failed = k->blame;
			return rc;
		}
	}
	if (pl->rc != 0) {
		*failed = pl->failed;
		fgwx_reason(reason, reasonlen, "%s", pl->reason);
	}
	return pl->rc;
}

/* As core_printable, of the data as anyone may see it (secrets masked). */
static void core_printable_shown(struct core *c, const char *guid, const void *data,
				 size_t len, char *out, size_t outlen)
{
	char shown[FGW_MAX_ROUTING_DATA];
	size_t n;

	if (extension_redact(c->ext, guid, data, len, shown, sizeof(shown), &n) == 1)
		core_printable(shown, n, out, outlen);
	else
		core_printable(data, len, out, outlen);
}

/* Whether ch writes back the redacted form of the current data; then
 * *cur and *curlen are that data. */
static bool core_writes_back_shown(struct core *c, const fgw_routing_change *ch,
				   const void **cur, size_t *curlen)
{
	char shown[FGW_MAX_ROUTING_DATA];
	size_t n;

	return ch->set_data && ch->data_len > 0 &&
	       core_get_routing_info(c, ch->port_id, ch->guid, cur, curlen) == 0 &&
	       extension_redact(c->ext, ch->guid, *cur, *curlen, shown, sizeof(shown), &n) == 1 &&
	       n == ch->data_len && memcmp(shown, ch->data, n) == 0;
}

/* A change that writes back the redacted form of the current data (an
 * NMS's read-modify-write over SNMP, say) keeps the current data: its
 * secret was never shown.  *use is changes, or a copy in *copy (the
 * caller frees it) with such data replaced by the current data (borrowed
 * from the routing table).  0, or FGW_E_NOMEM. */
static int core_unredact(struct core *c, const fgw_routing_change *changes, size_t n,
			 const fgw_routing_change **use, fgw_routing_change **copy)
{
	*copy = NULL;
	*use = changes;
	for (size_t i = 0; i < n; i++) {
		const void *cur;
		size_t curlen;
		if (!core_writes_back_shown(c, &changes[i], &cur, &curlen))
			continue;
		if (*copy == NULL) {
			if ((*copy = malloc(n * sizeof(**copy))) == NULL)
				return FGW_E_NOMEM;
			memcpy(*copy, changes, n * sizeof(**copy));
			*use = *copy;
		}
		(*copy)[i].data = cur;
		(*copy)[i].data_len = curlen;
	}
	return 0;
}

static int core_audit_change(struct core *c, const fgw_routing_change *ch, int old_enabled,
			     const void *old_data, size_t old_len, uint32_t uid,
			     const char *who, char *err, size_t errlen)
{
	char what[FGW_MAX_NAME + FGW_GUID_LEN + 32];
	char oldv[FGW_MAX_AUDIT_TEXT], newv[FGW_MAX_AUDIT_TEXT];
	const char *guid = extension_method_find(c->ext, ch->guid, NULL)->guid;

	if (ch->set_data && (ch->data_len != old_len ||
			     (old_len > 0 && memcmp(ch->data, old_data, old_len) != 0))) {
		snprintf(what, sizeof(what), "port %u %s data", (unsigned)ch->port_id, guid);
		core_printable_shown(c, guid, old_data, old_len, oldv, sizeof(oldv));
		core_printable_shown(c, guid, ch->data, ch->data_len, newv, sizeof(newv));
		if (state_audit_add(c->st, core_now(), uid, who, what, oldv, newv, err,
				    errlen) != 0)
			return -1;
	}
	if (ch->set_enabled && (ch->enabled != 0) != old_enabled) {
		snprintf(what, sizeof(what), "port %u %s enabled", (unsigned)ch->port_id, guid);
		if (state_audit_add(c->st, core_now(), uid, who, what, old_enabled ? "yes" : "no",
				    ch->enabled ? "yes" : "no", err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Phase 2: the transaction.  Audit rows follow the changes in order, each
 * against the value the entry had just before that change. */
static int core_persist_batch(struct core *c, const fgw_routing_change *changes, size_t n,
			      struct core_pending *pend, size_t npend,
			      const struct core_who *who, char *err, size_t errlen)
{
	char whotext[FGW_MAX_NAME + 64];
	uint32_t uid = who != NULL ? (uint32_t)who->uid : (uint32_t)getuid();

	core_who_name(who, whotext, sizeof(whotext));
	for (size_t k = 0; k < npend; k++) {
		pend[k].enabled = pend[k].orig_enabled;
		pend[k].data = pend[k].orig_data;
		pend[k].len = pend[k].orig_len;
	}
	if (state_begin(c->st, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t port = 0, slot = 0, np = npend;
		struct core_pending *pd;

		core_port_index(c, changes[i].port_id, &port);
		core_method_slot(c, changes[i].guid, &slot);
		pd = core_pending_get(c, pend, &np, port, slot);
		if (core_audit_change(c, &changes[i], pd->enabled, pd->data, pd->len, uid,
				      whotext, err, errlen) != 0)
			goto fail;
		core_pending_apply(pd, &changes[i], i);
	}
	for (size_t k = 0; k < npend; k++) {
		const struct core_pending *pd = &pend[k];
		if (state_routing_put(c->st, c->ports[pd->port].cfg->id,
				      c->methods[pd->slot].m->guid, pd->enabled, pd->data,
				      pd->len, err, errlen) != 0)
			goto fail;
	}
	return state_commit(c->st, err, errlen);
fail:
	state_rollback(c->st);
	return -1;
}

static void core_notice_done(void *arg, int rc, const char *reason)
{
	struct extcall **slot = arg;

	*slot = NULL;
	if (rc != 0)
		log_warn("routing extension: %s", reason);
}

/* Tells the extension of a change: in a worker (extcall.h) once the core
 * has a loop, else here. */
static void core_notify(struct core *c, const char *guid, uint32_t port_id,
			const struct rtable_entry *e)
{
	struct extcall_args a = { EXTCALL_DEVICE_CHANGE, guid, port_id, e->enabled,
				  e->len > 0 ? (const void *)e->data : "", e->len };
	char reason[FGW_MAX_ERROR_TEXT];
	size_t i = 0;

	if (c->base == NULL) {
		extension_device_change(c->ext, guid, port_id, a.enabled, a.data, a.len);
		return;
	}
	if (!extension_has_device_change(c->ext, guid))
		return;
	while (i < FGW_MAX_NOTICE_WORKERS && c->notices[i] != NULL)
		i++;
	if (i == FGW_MAX_NOTICE_WORKERS) {
		log_warn("device change of %s on port %u not told to its extension: "
			 "%d notices running", guid, (unsigned)port_id, FGW_MAX_NOTICE_WORKERS);
		return;
	}
	if (extcall_start(c->base, c->ext, &a, FGW_DEVICE_CHANGE_SECS * 1000u, core_notice_done,
			  &c->notices[i], &c->notices[i], reason, sizeof(reason)) != 0)
		log_warn("device change of %s on port %u: %s", guid, (unsigned)port_id, reason);
}

/* Phase 3: the table, the extensions and the subscribers learn of it. */
static void core_publish_batch(struct core *c, const fgw_routing_change *changes, size_t n,
			       struct core_pending *pend, size_t npend, const struct core_who *who)
{
	char whotext[FGW_MAX_NAME + 64];

	core_who_name(who, whotext, sizeof(whotext));
	for (size_t k = 0; k < npend; k++) {
		struct core_pending *pd = &pend[k];
		struct rtable_entry *e = rtable_entry(c->rt, pd->port, pd->slot);
		int changed = pd->enabled != pd->orig_enabled || pd->len != pd->orig_len ||
			      (pd->len > 0 && memcmp(pd->data, pd->orig_data, pd->len) != 0);

		e->enabled = pd->enabled;
		rtable_take_data(e, pd->newbuf, pd->len);
		pd->newbuf = NULL;
		if (changed)
			core_notify(c, c->methods[pd->slot].m->guid, c->ports[pd->port].cfg->id, e);
	}
	for (size_t i = 0; i < n; i++) {
		const fgw_routing_change *ch = &changes[i];
		const struct extension_method *m = extension_method_find(c->ext, ch->guid, NULL);
		char text[FGW_MAX_NAME + 128];

		snprintf(text, sizeof(text), "%s%s%s by %s",
			 ch->set_enabled ? (ch->enabled ? "enabled" : "disabled") : "",
			 ch->set_enabled && ch->set_data ? ", " : "",
			 ch->set_data ? "data changed" : "", whotext);
		core_emit_change(c, ch->port_id, m->guid, text);
	}
}

/* Phases 2 and 3 of a plan whose calls all accepted it. */
static int core_commit(struct core *c, const fgw_routing_change *changes, size_t n,
		       struct core_plan *pl, const struct core_who *who, char *reason,
		       size_t reasonlen)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (n == 0)
		return 0;
	for (size_t k = 0; k < pl->npend; k++)
		if (rtable_copy_data(pl->pend[k].data, pl->pend[k].len, &pl->pend[k].newbuf) != 0)
			return FGW_E_NOMEM;
	if (core_persist_batch(c, changes, n, pl->pend, pl->npend, who, err, sizeof(err)) != 0) {
		log_err("routing change not saved: %s", err);
		fgwx_reason(reason, reasonlen, "%s", err);
		return FGW_E_STORAGE;
	}
	core_publish_batch(c, changes, n, pl->pend, pl->npend, who);
	return 0;
}

/* What every batch must be before anything is looked at. */
static int core_batch_ok(const fgw_routing_change *changes, size_t n, char *reason,
			 size_t reasonlen)
{
	if (n > 0 && changes == NULL) {
		fgwx_reason(reason, reasonlen, "no changes given");
		return FGW_E_INVAL;
	}
	if (n > FGW_MAX_BATCH) {
		fgwx_reason(reason, reasonlen, "%zu changes in one batch, over the limit of %d",
			    n, FGW_MAX_BATCH);
		return FGW_E_TOO_BIG;
	}
	return 0;
}

int core_apply(struct core *c, const fgw_routing_change *changes, size_t n,
	       const struct core_who *who, size_t *failed, char *reason, size_t reasonlen)
{
	struct core_plan pl;
	fgw_routing_change *copy = NULL;
	size_t dummy;
	int rc;

	if (failed == NULL)
		failed = &dummy;
	*failed = n;
	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	if (n == 0)
		return 0;
	rc = core_batch_ok(changes, n, reason, reasonlen);
	if (rc != 0)
		return rc;
	if (c->ops != NULL) {
		fgwx_reason(reason, reasonlen, "another routing change is being validated");
		return FGW_E_BUSY;
	}
	rc = core_unredact(c, changes, n, &changes, &copy);
	if (rc != 0)
		return rc;
	rc = core_plan_batch(c, changes, n, &pl);
	if (rc == 0)
		rc = core_plan_run_here(c, &pl, failed, reason, reasonlen);
	if (rc == 0) {
		rc = core_commit(c, changes, n, &pl, who, reason, reasonlen);
		*failed = n;
	}
	core_plan_free(&pl);
	free(copy);
	return rc;
}

/* --- changes validated off the loop (core_apply_start) ---------------------------------- */

struct core_op {
	struct core *c;
	struct core_op *next;                 /* c->ops: one at a time, in arrival order */
	fgw_routing_change *changes;          /* copies (guid and data owned) */
	size_t n;
	struct core_who who;
	char origin[FGW_MAX_ORIGIN + 1];
	core_apply_done_fn done;
	void *arg;
	struct event *ev_deadline;            /* FGW_VALIDATE_SECS after arrival */
	struct event *ev_kick;                /* its turn came: step (from the loop) */
	struct core_plan plan;
	int planned;
	size_t next_call;                     /* plan.calls[next_call] runs in call */
	struct extcall *call;
};

static void core_op_free(struct core_op *op)
{
	if (op == NULL)
		return;
	extcall_cancel(op->call);
	if (op->ev_deadline != NULL)
		event_free(op->ev_deadline);
	if (op->ev_kick != NULL)
		event_free(op->ev_kick);
	for (size_t i = 0; op->changes != NULL && i < op->n; i++) {
		free((char *)op->changes[i].guid);
		free((void *)op->changes[i].data);
	}
	free(op->changes);
	core_plan_free(&op->plan);
	free(op);
}

static void core_op_kick(struct core_op *op)
{
	struct timeval now = { 0, 0 };

	evtimer_add(op->ev_kick, &now);
}

/* Takes op out of the queue; the next one's turn comes. */
static void core_op_unlink(struct core_op *op)
{
	struct core_op **pp = &op->c->ops;

	while (*pp != NULL && *pp != op)
		pp = &(*pp)->next;
	if (*pp == op)
		*pp = op->next;
	op->next = NULL;
	if (op->c->ops != NULL)
		core_op_kick(op->c->ops);
}

/* Ends op with its answer: out of the queue and freed, then told. */
static void core_op_finish(struct core_op *op, int rc, size_t failed, const char *reason)
{
	char text[FGW_MAX_ERROR_TEXT];
	core_apply_done_fn done = op->done;
	void *arg = op->arg;

	snprintf(text, sizeof(text), "%s", reason != NULL ? reason : "");
	if (rc == 0)
		failed = op->n;
	core_op_unlink(op);
	core_op_free(op);
	done(arg, rc, failed, text);
}

static void core_op_step(struct core_op *op);

/* An extension call that hung or crashed refuses the change as the call
 * would have: the client hears a refusal with the reason, not a timeout. */
static int core_call_refusal(const struct core_call *k)
{
	return k->kind == EXTCALL_VALIDATE ? FGW_E_BAD_DATA : FGW_E_NOT_ENABLEABLE;
}

static void core_op_call_done(void *arg, int rc, const char *reason)
{
	struct core_op *op = arg;

	op->call = NULL;
	if (rc == FGW_E_TIMEOUT || rc == FGW_E_INTERNAL)
		rc = core_call_refusal(&op->plan.calls[op->next_call]);
	if (rc != 0) {
		core_op_finish(op, rc, op->plan.calls[op->next_call].blame, reason);
		return;
	}
	op->next_call++;
	core_op_step(op);
}

/* Starts the next extension call of the plan; 0, or -1 when op ended. */
static int core_op_call(struct core_op *op)
{
	const struct core_call *k = &op->plan.calls[op->next_call];
	struct extcall_args a = { k->kind, k->guid, k->port_id, 0, k->data, k->len };
	char reason[FGW_MAX_ERROR_TEXT];
	int rc;

	/* The op's deadline decides; the call's own limit is a backstop. */
	rc = extcall_start(op->c->base, op->c->ext, &a, FGW_VALIDATE_SECS * 1000u + 1000u,
			   core_op_call_done, op, &op->call, reason, sizeof(reason));
	if (rc != 0) {
		core_op_finish(op, rc, k->blame, reason);
		return -1;
	}
	return 0;
}

/* core_unredact on op's own copies, when its turn comes (the current
 * data is what it is then).  0, or FGW_E_NOMEM. */
static int core_op_unredact(struct core_op *op)
{
	const fgw_routing_change *use;
	fgw_routing_change *copy;
	int rc = core_unredact(op->c, op->changes, op->n, &use, &copy);

	for (size_t i = 0; rc == 0 && copy != NULL && i < op->n; i++) {
		void *dup;
		if (copy[i].data == op->changes[i].data)
			continue;
		if ((dup = malloc(copy[i].data_len)) == NULL) {
			rc = FGW_E_NOMEM;
			break;
		}
		memcpy(dup, copy[i].data, copy[i].data_len);
		free((void *)op->changes[i].data);
		op->changes[i].data = dup;
		op->changes[i].data_len = copy[i].data_len;
	}
	free(copy);
	return rc;
}

/* Plans op when its turn comes, runs its calls one after the other, and
 * applies it once every call accepted it. */
static void core_op_step(struct core_op *op)
{
	char reason[FGW_MAX_ERROR_TEXT] = "";
	int rc;

	if (!op->planned) {
		op->planned = 1;
		rc = core_op_unredact(op);
		if (rc == 0)
			rc = core_plan_batch(op->c, op->changes, op->n, &op->plan);
		if (rc != 0) {
			core_op_finish(op, rc, op->n, "faxgwd is out of memory");
			return;
		}
	}
	if (op->next_call < op->plan.ncalls) {
		core_op_call(op);
		return;
	}
	if (op->plan.rc != 0) {
		core_op_finish(op, op->plan.rc, op->plan.failed, op->plan.reason);
		return;
	}
	rc = core_commit(op->c, op->changes, op->n, &op->plan, &op->who, reason, sizeof(reason));
	core_op_finish(op, rc, op->n, reason);
}

static void core_op_on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct core_op *op = arg;

	(void)fd;
	(void)what;
	if (op->c->ops == op && !op->planned)
		core_op_step(op);
}

static void core_op_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct core_op *op = arg;
	const struct core_call *k = op->call != NULL ? &op->plan.calls[op->next_call] : NULL;
	char reason[FGW_MAX_ERROR_TEXT];

	(void)fd;
	(void)what;
	extcall_timeout_text(EXTCALL_VALIDATE, FGW_VALIDATE_SECS * 1000u, reason, sizeof(reason));
	if (k == NULL)
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason),
			 " (it waited for another routing change)");
	core_op_finish(op, k != NULL ? core_call_refusal(k) : FGW_E_STATE,
		       k != NULL ? k->blame : op->n, reason);
}

/* A copy of the changes that does not borrow from the request. */
static int core_op_copy(struct core_op *op, const fgw_routing_change *changes, size_t n)
{
	op->n = n;
	op->changes = calloc(n + 1, sizeof(*op->changes));
	if (op->changes == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		fgw_routing_change *d = &op->changes[i];

		*d = changes[i];
		d->guid = NULL;
		d->data = NULL;
		if (changes[i].guid != NULL && (d->guid = strdup(changes[i].guid)) == NULL)
			return -1;
		if (!changes[i].set_data || changes[i].data == NULL || changes[i].data_len == 0 ||
		    changes[i].data_len > FGW_MAX_ROUTING_DATA)
			continue;
		if ((d->data = malloc(changes[i].data_len)) == NULL)
			return -1;
		memcpy((void *)d->data, changes[i].data, changes[i].data_len);
	}
	return 0;
}

static struct core_op *core_op_new(struct core *c, const fgw_routing_change *changes, size_t n,
				   const struct core_who *who)
{
	struct core_op *op = calloc(1, sizeof(*op));
	struct timeval limit = { FGW_VALIDATE_SECS, 0 };

	if (op == NULL)
		return NULL;
	op->c = c;
	if (who != NULL) {
		op->who = *who;
		snprintf(op->origin, sizeof(op->origin), "%s", who->origin ? who->origin : "");
		op->who.origin = who->origin != NULL ? op->origin : NULL;
	} else {
		op->who.uid = getuid();
		op->who.pid = getpid();
	}
	op->ev_deadline = evtimer_new(c->base, core_op_on_deadline, op);
	op->ev_kick = evtimer_new(c->base, core_op_on_kick, op);
	if (core_op_copy(op, changes, n) != 0 || op->ev_deadline == NULL || op->ev_kick == NULL ||
	    evtimer_add(op->ev_deadline, &limit) != 0) {
		core_op_free(op);
		return NULL;
	}
	return op;
}

int core_apply_start(struct core *c, const fgw_routing_change *changes, size_t n,
		     const struct core_who *who, core_apply_done_fn done, void *arg,
		     struct core_op **out, char *reason, size_t reasonlen)
{
	struct core_op *op, **pp = &c->ops;
	int rc = core_batch_ok(changes, n, reason, reasonlen);

	*out = NULL;
	if (rc != 0)
		return rc;
	if (c->base == NULL) {
		fgwx_reason(reason, reasonlen, "faxgwd cannot validate routing changes now");
		return FGW_E_INTERNAL;
	}
	op = core_op_new(c, changes, n, who);
	if (op == NULL) {
		fgwx_reason(reason, reasonlen, "faxgwd is out of memory");
		return FGW_E_NOMEM;
	}
	op->done = done;
	op->arg = arg;
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = op;
	if (c->ops == op)
		core_op_kick(op);
	*out = op;
	return 0;
}

void core_apply_cancel(struct core_op *op)
{
	if (op == NULL)
		return;
	core_op_unlink(op);
	core_op_free(op);
}

void core_set_loop(struct core *c, struct event_base *base)
{
	char err[FGW_MAX_ERROR_TEXT];

	c->base = base;
	if (base != NULL && c->sendq == NULL) {
		struct sendq_env env = { .cfg = c->cfg, .st = c->st, .base = base,
					 .emit = core_emit_hook, .arg = c, .sip = &c->sip,
					 .dp = &c->dp };
		c->sendq = sendq_new(&env, err, sizeof(err));
		if (c->sendq == NULL)
			log_err("sending is not available: %s", err);
	}
}

int core_set_priority(struct core *c, const char *guid, uint32_t priority,
		      const struct core_who *who, char *reason, size_t reasonlen)
{
	char err[FGW_MAX_ERROR_TEXT], whotext[FGW_MAX_NAME + 64], what[FGW_GUID_LEN + 32];
	char oldv[16], newv[16];
	size_t *order, slot;
	uint32_t old;

	if (core_method_slot(c, guid, &slot) != 0) {
		fgwx_reason(reason, reasonlen, "no routing method %.40s", guid ? guid : "(null)");
		return FGW_E_NO_METHOD;
	}
	if (priority < 1 || priority > c->nmethods) {
		fgwx_reason(reason, reasonlen, "priority %u is not in 1..%zu", (unsigned)priority,
			    c->nmethods);
		return FGW_E_INVAL;
	}
	old = c->methods[slot].priority;
	if (old == priority)
		return 0;
	order = calloc(c->nmethods, sizeof(*order));
	if (order == NULL)
		return FGW_E_NOMEM;
	/* The new order: remove the method, insert it at its new place. */
	for (size_t i = 0, j = 0; i < c->nmethods; i++)
		if (c->order[i] != slot)
			order[j++] = c->order[i];
	memmove(order + priority, order + priority - 1,
		(c->nmethods - priority) * sizeof(*order));
	order[priority - 1] = slot;

	core_who_name(who, whotext, sizeof(whotext));
	snprintf(what, sizeof(what), "priority %s", c->methods[slot].m->guid);
	snprintf(oldv, sizeof(oldv), "%u", (unsigned)old);
	snprintf(newv, sizeof(newv), "%u", (unsigned)priority);
	if (state_begin(c->st, err, sizeof(err)) != 0)
		goto storage;
	for (size_t i = 0; i < c->nmethods; i++) {
		if (state_method_set_priority(c->st, c->methods[order[i]].m->guid,
					      (uint32_t)(i + 1), err, sizeof(err)) != 0)
			goto rollback;
	}
	if (state_audit_add(c->st, core_now(), who ? (uint32_t)who->uid : (uint32_t)getuid(),
			    whotext, what, oldv, newv, err, sizeof(err)) != 0)
		goto rollback;
	if (state_commit(c->st, err, sizeof(err)) != 0)
		goto storage;
	memcpy(c->order, order, c->nmethods * sizeof(*order));
	for (size_t i = 0; i < c->nmethods; i++)
		c->methods[c->order[i]].priority = (uint32_t)(i + 1);
	free(order);
	char text[FGW_MAX_NAME + 96];
	snprintf(text, sizeof(text), "priority %u by %s", (unsigned)priority, whotext);
	core_emit_change(c, 0, c->methods[slot].m->guid, text);
	return 0;
rollback:
	state_rollback(c->st);
storage:
	free(order);
	log_err("priority change not saved: %s", err);
	fgwx_reason(reason, reasonlen, "%s", err);
	return FGW_E_STORAGE;
}

/* --- jobs and audit ------------------------------------------------------------------- */

int core_jobs(struct core *c, int failed_only, fgw_job **jobs, size_t *n)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (state_jobs_list(c->st, failed_only, jobs, n, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return FGW_E_STORAGE;
	}
	return 0;
}

int core_jobs_page(struct core *c, int failed_only, uint64_t cursor, uint32_t max,
		   fgw_job **jobs, size_t *n, uint64_t *next)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (state_jobs_page(c->st, failed_only, cursor, max, jobs, n, next, err,
			    sizeof(err)) != 0) {
		log_err("%s", err);
		return FGW_E_STORAGE;
	}
	return 0;
}

int core_calls(struct core *c, fgw_call **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (c->dp.calls == NULL)
		return 0;
	return c->dp.calls(c->dp.arg, out, n) == 0 ? 0 : FGW_E_NOMEM;
}

int core_audit_page(struct core *c, uint64_t cursor, uint32_t max, fgw_audit_entry **e,
		    size_t *n, uint64_t *next)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (state_audit_page(c->st, cursor, max, e, n, next, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return FGW_E_STORAGE;
	}
	return 0;
}

int core_retry_job(struct core *c, uint64_t job_id, const struct core_who *who,
		   char *reason, size_t reasonlen)
{
	char err[FGW_MAX_ERROR_TEXT] = "", whotext[FGW_MAX_NAME + 64], what[48];
	int rc;

	core_who_name(who, whotext, sizeof(whotext));
	rc = sendq_retry(c->sendq, job_id, whotext, who != NULL ? (uint32_t)who->uid : 0, reason,
			 reasonlen);
	if (rc != FGW_E_NO_JOB)
		return rc;              /* a send job: the send queue's */
	if (state_begin(c->st, err, sizeof(err)) != 0) {
		fgwx_reason(reason, reasonlen, "%s", err);
		return FGW_E_STORAGE;
	}
	rc = state_job_retry(c->st, job_id, core_now(), err, sizeof(err));
	if (rc == 0) {
		core_who_name(who, whotext, sizeof(whotext));
		snprintf(what, sizeof(what), "job %llu", (unsigned long long)job_id);
		if (state_audit_add(c->st, core_now(), who ? (uint32_t)who->uid : 0, whotext,
				    what, "", "retry", err, sizeof(err)) != 0 ||
		    state_commit(c->st, err, sizeof(err)) != 0)
			rc = FGW_E_STORAGE;
	}
	if (rc != 0) {
		state_rollback(c->st);
		fgwx_reason(reason, reasonlen, "%s", err);
		if (rc == FGW_E_STORAGE)
			log_err("job retry not saved: %s", err);
	} else if (c->dp.job_retried != NULL) {
		c->dp.job_retried(c->dp.arg, job_id);
	}
	return rc;
}

int core_audit(struct core *c, uint32_t max, fgw_audit_entry **entries, size_t *n)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (state_audit_list(c->st, max, entries, n, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return FGW_E_STORAGE;
	}
	return 0;
}
