/*
 * control.c - faxgwd's control server (control.h; protocol in lib/wire.h).
 */
#include "caps.h"
#include "control.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "core.h"
#include "fgwx_dir.h"
#include "jobinfo.h"
#include "log.h"
#include "sendq.h"
#include "wire.h"

#ifndef FAXGW_VERSION
#define FAXGW_VERSION "unknown"
#endif

#define CONTROL_BACKLOG 64
#define CONTROL_PW_BUF 16384
#define CONTROL_MAX_GROUPS 1024
#define CONTROL_PENDING 1              /* a request answered later (control_on_applied) */

struct control_handle {
	uint32_t id;
	uint32_t port_id;
	bool modify;
};

struct control_conn {
	struct control *ctl;
	struct bufferevent *bev;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool may_modify;
	char origin[FGW_MAX_ORIGIN + 1];      /* "" : none */
	bool subscribed;
	uint32_t event_mask;
	struct control_handle *handles;
	size_t nhandles, caphandles;
	uint32_t next_handle;
	bool privileged;                      /* root, faxgwd's uid or admin-group */
	bool closing;                         /* close once the output is sent */
	bool dead;                            /* freed by the reaper */
	struct core_op *op;                   /* a routing change being validated: the
						 connection's later requests wait */
	uint32_t op_id;                       /* its request id */
	struct send_upload *upload;           /* a document being uploaded (sendq.h) */
	struct send_upload *commit;           /* an upload being checked: later requests
						 wait, as for op */
	struct control_conn *prev, *next;
};

struct control {
	struct event_base *base;
	const struct config *cfg;
	struct core *core;
	struct evconnlistener *listener;
	struct event *reaper;                 /* frees dead connections */
	struct event *resume;                 /* re-enables accept after EMFILE */
	struct control_conn *conns;
	size_t nconns;
	struct wire_writer out;               /* replies */
	struct wire_writer evout;             /* events (may be emitted mid-reply) */
	char path[FGW_MAX_PATH];
	dev_t dev;
	ino_t ino;
	bool bound;
	uid_t self_uid;
	unsigned idle_ms;                     /* FGW_CONTROL_IDLE_MS unless a test sets it */
	time_t refused_logged;                /* last log line about refused connections */
	unsigned long refused;                /* refused since then */
};

/* --- access ------------------------------------------------------------------ */

static void control_user_name(uid_t uid, char *out, size_t outlen)
{
	struct passwd pw, *pwp = NULL;
	char *buf = malloc(CONTROL_PW_BUF);

	if (buf != NULL && getpwuid_r(uid, &pw, buf, CONTROL_PW_BUF, &pwp) == 0 && pwp != NULL)
		snprintf(out, outlen, "uid %u (%s)", (unsigned)uid, pwp->pw_name);
	else
		snprintf(out, outlen, "uid %u", (unsigned)uid);
	free(buf);
}

/* 1 member, 0 not, -1 the group does not exist. */
static int control_in_group(uid_t uid, gid_t peer_gid, const char *group)
{
	struct group gr, *grp = NULL;
	struct passwd pw, *pwp = NULL;
	char *buf = malloc(CONTROL_PW_BUF), *pbuf = malloc(CONTROL_PW_BUF);
	gid_t *groups = calloc(CONTROL_MAX_GROUPS, sizeof(gid_t));
	int rc = 0;

	if (buf == NULL || pbuf == NULL || groups == NULL)
		goto out;
	if (getgrnam_r(group, &gr, buf, CONTROL_PW_BUF, &grp) != 0 || grp == NULL) {
		rc = -1;
		goto out;
	}
	if (grp->gr_gid == peer_gid) {
		rc = 1;
		goto out;
	}
	if (getpwuid_r(uid, &pw, pbuf, CONTROL_PW_BUF, &pwp) != 0 || pwp == NULL)
		goto out;
	int ng = CONTROL_MAX_GROUPS;
	if (getgrouplist(pwp->pw_name, pwp->pw_gid, groups, &ng) < 0)
		ng = CONTROL_MAX_GROUPS;
	for (int i = 0; i < ng; i++)
		if (groups[i] == grp->gr_gid)
			rc = 1;
out:
	free(buf);
	free(pbuf);
	free(groups);
	return rc;
}

static bool control_is_admin(const struct control *ctl, uid_t uid, gid_t gid)
{
	const char *admin = ctl->cfg->admin_group;

	if (uid == 0 || uid == ctl->self_uid)
		return true;
	return admin[0] != '\0' && control_in_group(uid, gid, admin) == 1;
}

/* Sets may_modify; false (with a reason) when the peer may not even query. */
static bool control_rights(struct control_conn *c, char *reason, size_t reasonlen)
{
	const struct config *cfg = c->ctl->cfg;
	char who[FGW_MAX_NAME + 32];

	c->may_modify = control_is_admin(c->ctl, c->uid, c->gid);
	if (c->may_modify || cfg->query_group[0] == '\0')
		return true;
	int m = control_in_group(c->uid, c->gid, cfg->query_group);
	if (m == 1)
		return true;
	control_user_name(c->uid, who, sizeof(who));
	snprintf(reason, reasonlen, "%s is not a member of query-group %s%s%s", who,
		 cfg->query_group, cfg->admin_group[0] ? " or admin-group " : "",
		 cfg->admin_group);
	if (m < 0)
		log_warn("control: query-group %s does not exist", cfg->query_group);
	return false;
}

static void control_modify_refusal(const struct control_conn *c, char *reason,
				   size_t reasonlen)
{
	const struct config *cfg = c->ctl->cfg;
	char who[FGW_MAX_NAME + 32];

	control_user_name(c->uid, who, sizeof(who));
	if (cfg->admin_group[0] != '\0')
		snprintf(reason, reasonlen, "%s may not modify: not a member of admin-group %s",
			 who, cfg->admin_group);
	else
		snprintf(reason, reasonlen,
			 "%s may not modify: admin-group is empty, so only root and uid %u may",
			 who, (unsigned)c->ctl->self_uid);
}

/* --- connections ---------------------------------------------------------- */

static void control_conn_kill(struct control_conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	core_apply_cancel(c->op);      /* nobody to tell: the change is not made */
	c->op = NULL;
	sendq_abort(c->upload);
	c->upload = NULL;
	sendq_forget(c->commit);   /* the job is still made: it was submitted */
	c->commit = NULL;
	c->nhandles = 0;               /* MODIFY holds end with the connection */
	c->subscribed = false;
	if (c->bev != NULL)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	event_active(c->ctl->reaper, EV_TIMEOUT, 0);
}

static void control_conn_free(struct control_conn *c)
{
	struct control *ctl = c->ctl;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ctl->nconns--;
	core_apply_cancel(c->op);
	sendq_abort(c->upload);
	sendq_forget(c->commit);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c->handles);
	free(c);
}

static void control_on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;

	(void)fd;
	(void)what;
	for (struct control_conn *c = ctl->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (c->dead)
			control_conn_free(c);
	}
}

static size_t control_backlog(const struct control_conn *c)
{
	return c->dead ? 0 : evbuffer_get_length(bufferevent_get_output(c->bev));
}

static void control_drop_unread(struct control_conn *c)
{
	log_warn("control: pid %d uid %u does not read its messages: disconnected",
		 (int)c->pid, (unsigned)c->uid);
	control_conn_kill(c);
}

/* All clients together may leave at most FGW_CONTROL_OUTPUT_BUDGET bytes
 * unread: beyond it, the clients with the most unread output are dropped
 * until len more bytes fit. */
static void control_keep_budget(struct control *ctl, size_t len)
{
	for (;;) {
		struct control_conn *worst = NULL;
		size_t total = len;
		for (struct control_conn *c = ctl->conns; c != NULL; c = c->next) {
			total += control_backlog(c);
			if (worst == NULL || control_backlog(c) > control_backlog(worst))
				worst = c;
		}
		if (total <= FGW_CONTROL_OUTPUT_BUDGET || worst == NULL || control_backlog(worst) == 0)
			return;
		control_drop_unread(worst);
	}
}

/* Queues bytes to a client; one that lets too much pile up is dropped. */
static void control_queue(struct control_conn *c, const uint8_t *p, size_t len)
{
	if (c->dead)
		return;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) + len > FGW_MAX_CLIENT_OUTPUT) {
		control_drop_unread(c);
		return;
	}
	control_keep_budget(c->ctl, len);
	if (c->dead)
		return;
	if (evbuffer_add(out, p, len) != 0)
		control_conn_kill(c);
}

/* Sends what ctl->out holds (one finished frame) and empties it. */
static void control_flush_reply(struct control_conn *c)
{
	struct control *ctl = c->ctl;

	control_queue(c, ctl->out.buf, ctl->out.len);
	wire_writer_reset(&ctl->out);
}

static void control_send_error(struct control_conn *c, uint32_t id, int code,
			       uint32_t failed, const char *reason)
{
	struct control *ctl = c->ctl;

	wire_writer_reset(&ctl->out);
	wire_enc_error(&ctl->out, id, code, failed,
		       reason != NULL && reason[0] != '\0' ? reason : fgw_strerror(code));
	if (wire_finish(&ctl->out) == 0)
		control_flush_reply(c);
	wire_writer_reset(&ctl->out);
}

/* Answers, then closes once the answer is out. */
static void control_close_after(struct control_conn *c)
{
	c->closing = true;
	if (!c->dead && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		control_conn_kill(c);
}

/* An unprivileged connection that neither asks nor listens is closed
 * after FGW_CONTROL_IDLE_MS; a subscription or a privileged peer is
 * never idle. */
static void control_idle_timeout(struct control_conn *c)
{
	unsigned ms = c->ctl->idle_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	bufferevent_set_timeouts(c->bev, c->privileged || c->subscribed ? NULL : &tv, NULL);
}

/* --- handles ------------------------------------------------------------------ */

static struct control_handle *control_find_handle(struct control_conn *c, uint32_t id)
{
	for (size_t i = 0; i < c->nhandles; i++)
		if (c->handles[i].id == id)
			return &c->handles[i];
	return NULL;
}

/* The connection holding port_id for MODIFY, or NULL. */
static struct control_conn *control_modify_holder(struct control *ctl, uint32_t port_id)
{
	for (struct control_conn *c = ctl->conns; c != NULL; c = c->next) {
		if (c->dead)
			continue;
		for (size_t i = 0; i < c->nhandles; i++)
			if (c->handles[i].port_id == port_id && c->handles[i].modify)
				return c;
	}
	return NULL;
}

static int control_add_handle(struct control_conn *c, uint32_t port_id, bool modify,
			      uint32_t *id)
{
	if (c->nhandles >= FGW_MAX_CLIENT_HANDLES)
		return FGW_E_TOO_BIG;
	if (c->nhandles == c->caphandles) {
		size_t cap = c->caphandles ? c->caphandles * 2 : 8;
		struct control_handle *nh = realloc(c->handles, cap * sizeof(*nh));
		if (nh == NULL)
			return FGW_E_NOMEM;
		c->handles = nh;
		c->caphandles = cap;
	}
	do
		c->next_handle++;
	while (c->next_handle == 0 || control_find_handle(c, c->next_handle) != NULL);
	c->handles[c->nhandles++] = (struct control_handle){ c->next_handle, port_id, modify };
	*id = c->next_handle;
	return 0;
}

static void control_remove_handle(struct control_conn *c, struct control_handle *h)
{
	size_t i = (size_t)(h - c->handles);
	c->handles[i] = c->handles[--c->nhandles];
}

/* --- requests ----------------------------------------------------------------- */

struct control_req {
	struct control_conn *c;
	const struct wire_request *rq;
	struct wire_writer *w;
	char reason[FGW_MAX_ERROR_TEXT];
	uint32_t failed;
	bool replay;                          /* a new subscriber: replay_load_failures */
};

static struct core_who control_who(const struct control_conn *c)
{
	struct core_who who = { c->uid, c->pid, c->origin[0] ? c->origin : NULL };
	return who;
}

static int control_need_modify(struct control_req *r)
{
	if (r->c->may_modify)
		return 0;
	control_modify_refusal(r->c, r->reason, sizeof(r->reason));
	return FGW_E_ACCESS;
}

static int control_get_handle(struct control_req *r, bool modify,
			      struct control_handle **out)
{
	struct control_handle *h = control_find_handle(r->c, r->rq->handle);

	if (h == NULL) {
		snprintf(r->reason, sizeof(r->reason), "no port handle %u on this connection",
			 (unsigned)r->rq->handle);
		return FGW_E_HANDLE;
	}
	if (modify && !h->modify) {
		snprintf(r->reason, sizeof(r->reason),
			 "port %u is open for QUERY: changes need a MODIFY handle",
			 (unsigned)h->port_id);
		return FGW_E_ACCESS;
	}
	*out = h;
	return 0;
}

static int control_do_hello(struct control_req *r)
{
	wire_enc_hello(r->w, r->rq->id, FAXGW_VERSION, r->c->may_modify);
	return 0;
}

static int control_do_set_origin(struct control_req *r)
{
	const char *o = r->rq->text;
	size_t n = strlen(o);

	if (n == 0 || n > FGW_MAX_ORIGIN) {
		snprintf(r->reason, sizeof(r->reason), "an origin is 1..%d characters",
			 FGW_MAX_ORIGIN);
		return FGW_E_INVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = o[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.')) {
			snprintf(r->reason, sizeof(r->reason),
				 "an origin is letters, digits, '-', '_' and '.' only");
			return FGW_E_INVAL;
		}
	}
	memcpy(r->c->origin, o, n + 1);
	wire_enc_ok(r->w, r->rq->id);
	return 0;
}

static int control_do_gateway(struct control_req *r)
{
	fgw_gateway_info g;
	int rc = core_gateway_info(r->c->ctl->core, &g);

	if (rc != 0)
		return rc;
	wire_begin(r->w, WIRE_R_GATEWAY, r->rq->id);
	wire_put_gateway(r->w, &g);
	return 0;
}

/* The gateway's SIP counters, then every sip port's (fgw_get_sip_info). */
static int control_do_sip(struct control_req *r)
{
	struct core *core = r->c->ctl->core;
	size_t max = core_config(core)->nports + 1, n = 0;
	fgw_sip_port *v = calloc(max, sizeof(*v));
	char (*users)[FGW_MAX_SIP_USERS_TEXT] = calloc(max, sizeof(*users));
	int rc = v != NULL && users != NULL ? core_sip_info(core, v, users, max, &n) : FGW_E_NOMEM;

	if (rc == 0) {
		wire_begin(r->w, WIRE_R_SIP, r->rq->id);
		wire_put_u32(r->w, (uint32_t)n);
		for (size_t i = 0; i < n; i++)
			wire_put_sip_port(r->w, &v[i]);
	}
	free(v);
	free(users);
	return rc;
}

static int control_put_port(struct control_req *r, fgw_port_info *p)
{
	p->modify_held = control_modify_holder(r->c->ctl, p->id) != NULL;
	wire_put_port(r->w, p);
	return 0;
}

static int control_do_ports(struct control_req *r)
{
	struct core *core = r->c->ctl->core;
	size_t n = core_port_count(core);

	wire_begin(r->w, WIRE_R_PORTS, r->rq->id);
	wire_put_u32(r->w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		fgw_port_info p;
		int rc = core_port_at(core, i, &p);
		if (rc != 0)
			return rc;
		control_put_port(r, &p);
	}
	return 0;
}

static int control_do_extensions(struct control_req *r)
{
	struct core *core = r->c->ctl->core;
	size_t n = core_extension_count(core);

	wire_begin(r->w, WIRE_R_EXTENSIONS, r->rq->id);
	wire_put_u32(r->w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		fgw_extension_info e;
		int rc = core_extension_at(core, i, &e);
		if (rc != 0)
			return rc;
		wire_put_extension(r->w, &e);
	}
	return 0;
}

static int control_do_open(struct control_req *r)
{
	struct control_conn *c = r->c;
	uint32_t port_id = r->rq->port_id, id;
	fgw_port_info p;
	bool modify = r->rq->num == FGW_PORT_OPEN_MODIFY;

	if (r->rq->num != FGW_PORT_OPEN_QUERY && !modify) {
		snprintf(r->reason, sizeof(r->reason), "bad open flags %u", (unsigned)r->rq->num);
		return FGW_E_INVAL;
	}
	if (port_id == 0 || core_port_get(c->ctl->core, port_id, &p) != 0) {
		snprintf(r->reason, sizeof(r->reason), "no port %u", (unsigned)port_id);
		return FGW_E_NO_PORT;
	}
	if (modify) {
		int rc = control_need_modify(r);
		if (rc != 0)
			return rc;
		struct control_conn *holder = control_modify_holder(c->ctl, port_id);
		if (holder != NULL) {
			snprintf(r->reason, sizeof(r->reason),
				 "port %u is open for MODIFY by pid %d (uid %u)", (unsigned)port_id,
				 (int)holder->pid, (unsigned)holder->uid);
			return FGW_E_BUSY;
		}
	}
	int rc = control_add_handle(c, port_id, modify, &id);
	if (rc != 0)
		return rc;
	wire_enc_opened(r->w, r->rq->id, id);
	return 0;
}

static int control_do_close(struct control_req *r)
{
	struct control_handle *h;
	int rc = control_get_handle(r, false, &h);

	if (rc != 0)
		return rc;
	control_remove_handle(r->c, h);
	wire_enc_ok(r->w, r->rq->id);
	return 0;
}

static int control_do_get_port(struct control_req *r)
{
	struct control_handle *h;
	fgw_port_info p;
	int rc = control_get_handle(r, false, &h);

	if (rc == 0)
		rc = core_port_get(r->c->ctl->core, h->port_id, &p);
	if (rc != 0)
		return rc;
	wire_begin(r->w, WIRE_R_PORT, r->rq->id);
	return control_put_port(r, &p);
}

static int control_do_methods(struct control_req *r)
{
	struct core *core = r->c->ctl->core;
	struct control_handle *h;
	int rc = control_get_handle(r, false, &h);

	if (rc != 0)
		return rc;
	size_t n = core_method_count(core);
	wire_begin(r->w, WIRE_R_METHODS, r->rq->id);
	wire_put_u32(r->w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		fgw_routing_method m;
		rc = core_method_at(core, h->port_id, i, &m);
		if (rc != 0)
			return rc;
		wire_put_method(r->w, &m);
	}
	return 0;
}

static int control_do_get_routing(struct control_req *r)
{
	struct control_handle *h;
	char shown[FGW_MAX_ROUTING_DATA];
	const void *data = NULL;
	size_t len = 0;
	int rc = control_get_handle(r, false, &h);

	/* Secrets in routing data are for those who may change it, not for
	 * queries nor for relays such as faxgw-agent, whose readers are not
	 * known (faxgw-methods(7)). */
	if (rc == 0 && r->c->may_modify && r->c->origin[0] == '\0')
		rc = core_get_routing_info(r->c->ctl->core, h->port_id, r->rq->guid, &data, &len);
	else if (rc == 0)
		rc = core_get_routing_info_shown(r->c->ctl->core, h->port_id, r->rq->guid, shown,
						 sizeof(shown), &data, &len);
	if (rc == FGW_E_NO_METHOD)
		snprintf(r->reason, sizeof(r->reason), "no routing method %s", r->rq->guid);
	if (rc != 0)
		return rc;
	wire_enc_data(r->w, r->rq->id, data, len);
	return 0;
}

static void control_on_read(struct bufferevent *bev, void *arg);

/* The answer to a routing change, once the core has it (from the loop). */
static void control_on_applied(void *arg, int rc, size_t failed, const char *reason)
{
	struct control_conn *c = arg;
	struct control *ctl = c->ctl;

	c->op = NULL;
	if (rc != 0) {
		/* A refused change is logged with the extension's reason, also
		 * for relays such as faxgw-agent (FAXGW-MIB says so). */
		log_notice("control: pid %d uid %u%s%s: routing change refused: %s", (int)c->pid,
			   (unsigned)c->uid, c->origin[0] ? " via " : "", c->origin,
			   reason != NULL && reason[0] ? reason : fgw_strerror(rc));
		control_send_error(c, c->op_id, rc, (uint32_t)failed, reason);
	} else {
		wire_writer_reset(&ctl->out);
		wire_enc_ok(&ctl->out, c->op_id);
		if (wire_finish(&ctl->out) == 0)
			control_flush_reply(c);
		wire_writer_reset(&ctl->out);
	}
	if (c->dead)
		return;
	/* The requests that came meanwhile, in order. */
	bufferevent_enable(c->bev, EV_READ);
	control_on_read(c->bev, c);
}

/* Routing changes are validated off the loop: the reply follows when the
 * core has the answer; meanwhile this connection reads nothing more (its
 * later requests wait in order), the others are served. */
static int control_apply(struct control_req *r, const fgw_routing_change *ch, size_t n)
{
	struct core_who who = control_who(r->c);
	int rc = core_apply_start(r->c->ctl->core, ch, n, &who, control_on_applied, r->c,
				  &r->c->op, r->reason, sizeof(r->reason));

	if (rc != 0) {
		r->failed = (uint32_t)n;
		return rc;
	}
	r->c->op_id = r->rq->id;
	bufferevent_disable(r->c->bev, EV_READ);
	return CONTROL_PENDING;
}

static int control_do_set_routing(struct control_req *r, bool enable)
{
	struct control_handle *h;
	int rc = control_get_handle(r, true, &h);

	if (rc != 0)
		return rc;
	fgw_routing_change ch = { .port_id = h->port_id, .guid = r->rq->guid };
	if (enable) {
		ch.set_enabled = 1;
		ch.enabled = r->rq->flag != 0;
	} else {
		ch.set_data = 1;
		ch.data = r->rq->data;
		ch.data_len = r->rq->data_len;
	}
	return control_apply(r, &ch, 1);
}

static int control_do_globals(struct control_req *r)
{
	struct core *core = r->c->ctl->core;
	size_t n = core_method_count(core);

	wire_begin(r->w, WIRE_R_GLOBALS, r->rq->id);
	wire_put_u32(r->w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		fgw_global_routing_info g;
		int rc = core_global_at(core, i, &g);
		if (rc != 0)
			return rc;
		wire_put_global(r->w, &g);
	}
	return 0;
}

static int control_do_set_global(struct control_req *r)
{
	struct core_who who = control_who(r->c);
	int rc = control_need_modify(r);

	if (rc == 0)
		rc = core_set_priority(r->c->ctl->core, r->rq->guid, r->rq->num, &who, r->reason,
				       sizeof(r->reason));
	if (rc != 0)
		return rc;
	wire_enc_ok(r->w, r->rq->id);
	return 0;
}

static int control_do_batch(struct control_req *r)
{
	const struct wire_request *rq = r->rq;
	int rc = control_need_modify(r);

	r->failed = (uint32_t)rq->nchanges;
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < rq->nchanges; i++) {
		struct control_conn *holder = control_modify_holder(r->c->ctl,
								    rq->changes[i].port_id);
		if (holder != NULL && holder != r->c) {
			r->failed = (uint32_t)i;
			snprintf(r->reason, sizeof(r->reason),
				 "port %u is open for MODIFY by pid %d (uid %u)",
				 (unsigned)rq->changes[i].port_id, (int)holder->pid,
				 (unsigned)holder->uid);
			return FGW_E_BUSY;
		}
	}
	return control_apply(r, rq->changes, rq->nchanges);
}

static int control_do_jobs(struct control_req *r)
{
	fgw_job *jobs = NULL;
	size_t n = 0;
	int rc = core_jobs(r->c->ctl->core, r->rq->flag != 0, &jobs, &n);

	if (rc != 0)
		return rc;
	if (n > FGW_MAX_LIST)
		n = FGW_MAX_LIST;
	wire_begin(r->w, WIRE_R_JOBS, r->rq->id);
	wire_put_u32(r->w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		wire_put_job(r->w, &jobs[i]);
	free(jobs);
	return 0;
}

/* Pages are cut where the frame is full (wire_enc_*_page): the client's
 * next request continues after the last record it got. */
static int control_do_jobs_page(struct control_req *r)
{
	fgw_job *jobs = NULL;
	size_t n = 0;
	uint64_t next = 0;
	int rc = core_jobs_page(r->c->ctl->core, r->rq->flag != 0, r->rq->job_id, r->rq->num,
				&jobs, &n, &next);

	if (rc != 0)
		return rc;
	wire_enc_jobs_page(r->w, r->rq->id, jobs, n, next);
	free(jobs);
	return 0;
}

static int control_do_audit_page(struct control_req *r)
{
	fgw_audit_entry *e = NULL;
	size_t n = 0;
	uint64_t next = 0;
	int rc = core_audit_page(r->c->ctl->core, r->rq->job_id, r->rq->num, &e, &n, &next);

	if (rc != 0)
		return rc;
	wire_enc_audit_page(r->w, r->rq->id, e, n, next);
	free(e);
	return 0;
}

static int control_do_get_job(struct control_req *r)
{
	fgw_job_info *j = NULL;
	int rc = jobinfo_get(r->c->ctl->core, r->rq->job_id, &j);

	if (rc == FGW_E_NO_JOB)
		snprintf(r->reason, sizeof(r->reason), "no such job: %llu",
			 (unsigned long long)r->rq->job_id);
	if (rc != 0)
		return rc;
	wire_enc_job_info(r->w, r->rq->id, j);
	free(j);
	return 0;
}

/* The calls whose key (wire_call_key) is the cursor or above, at most max
 * (0: FGW_MAX_LIST) of them. */
static int control_do_calls_page(struct control_req *r)
{
	fgw_call *v = NULL;
	size_t n = 0, first = 0, k;
	uint32_t max = r->rq->num == 0 || r->rq->num > FGW_MAX_LIST ? FGW_MAX_LIST : r->rq->num;
	uint64_t next = 0;
	int rc = core_calls(r->c->ctl->core, &v, &n);

	if (rc != 0)
		return rc;
	while (first < n && wire_call_key(&v[first]) < r->rq->job_id)
		first++;
	k = n - first;
	if (k > max) {
		k = max;
		next = wire_call_key(&v[first + k - 1]) + 1;
	}
	wire_enc_calls_page(r->w, r->rq->id, v + first, k, next);
	free(v);
	return 0;
}

static int control_do_retry(struct control_req *r)
{
	struct core_who who = control_who(r->c);
	int rc = control_need_modify(r);

	if (rc == 0)
		rc = core_retry_job(r->c->ctl->core, r->rq->job_id, &who, r->reason,
				    sizeof(r->reason));
	if (rc != 0)
		return rc;
	wire_enc_ok(r->w, r->rq->id);
	return 0;
}

static int control_do_audit(struct control_req *r)
{
	fgw_audit_entry *e = NULL;
	size_t n = 0;
	uint32_t max = r->rq->num;

	if (max == 0 || max > FGW_MAX_AUDIT_QUERY)
		max = FGW_MAX_AUDIT_QUERY;
	int rc = core_audit(r->c->ctl->core, max, &e, &n);
	if (rc != 0)
		return rc;
	wire_begin(r->w, WIRE_R_AUDIT, r->rq->id);
	wire_put_u32(r->w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		wire_put_audit(r->w, &e[i]);
	free(e);
	return 0;
}

/* --- sending (sendq.h) ------------------------------------------------------------ */

/* Root, faxgwd's uid, admin-group, or send-group. */
static bool control_may_send(const struct control_conn *c)
{
	const char *g = c->ctl->cfg->send_group;

	return c->may_modify || (g[0] != '\0' && control_in_group(c->uid, c->gid, g) == 1);
}

static int control_do_send_begin(struct control_req *r)
{
	struct control_conn *c = r->c;
	struct core_who who = control_who(c);
	char name[FGW_MAX_NAME];
	int rc;

	sendq_abort(c->upload);
	c->upload = NULL;
	core_who_name(&who, name, sizeof(name));
	rc = sendq_begin(core_sendq(c->ctl->core), name, (uint32_t)c->uid, control_may_send(c),
			 r->rq->port_id, r->rq->text, r->rq->ident, r->rq->job_id, &c->upload,
			 r->reason, sizeof(r->reason));
	if (rc != 0)
		return rc;
	wire_enc_ok(r->w, r->rq->id);
	return 0;
}

static int control_do_send_data(struct control_req *r)
{
	struct control_conn *c = r->c;
	int rc;

	if (c->upload == NULL) {
		snprintf(r->reason, sizeof(r->reason), "no document is being sent on this "
			 "connection");
		return FGW_E_STATE;
	}
	rc = sendq_data(c->upload, r->rq->chunk, r->rq->chunk_len, r->reason,
			    sizeof(r->reason));
	if (rc != 0) {
		sendq_abort(c->upload);
		c->upload = NULL;
		return rc;
	}
	wire_enc_ok(r->w, r->rq->id);
	return 0;
}

/* The answer to a commit, once the router checked the document. */
static void control_on_sent(void *arg, int rc, uint64_t job_id, const char *reason)
{
	struct control_conn *c = arg;
	struct control *ctl = c->ctl;

	c->commit = NULL;
	if (rc != 0) {
		log_notice("control: pid %d uid %u: document refused: %s", (int)c->pid,
			   (unsigned)c->uid, reason != NULL && reason[0] ? reason : fgw_strerror(rc));
		control_send_error(c, c->op_id, rc, 0, reason);
	} else {
		wire_writer_reset(&ctl->out);
		wire_enc_job_id(&ctl->out, c->op_id, job_id);
		if (wire_finish(&ctl->out) == 0)
			control_flush_reply(c);
		wire_writer_reset(&ctl->out);
	}
	if (c->dead)
		return;
	bufferevent_enable(c->bev, EV_READ);
	control_on_read(c->bev, c);
}

static int control_do_send_commit(struct control_req *r)
{
	struct control_conn *c = r->c;

	if (c->upload == NULL) {
		snprintf(r->reason, sizeof(r->reason), "no document is being sent on this "
			 "connection");
		return FGW_E_STATE;
	}
	c->commit = c->upload;
	c->upload = NULL;
	c->op_id = r->rq->id;
	bufferevent_disable(c->bev, EV_READ);
	sendq_commit(c->commit, control_on_sent, c);
	return CONTROL_PENDING;
}

static int control_do_cancel(struct control_req *r)
{
	struct core_who who = control_who(r->c);
	char name[FGW_MAX_NAME];
	int rc;

	core_who_name(&who, name, sizeof(name));
	rc = sendq_cancel(core_sendq(r->c->ctl->core), r->rq->job_id, name, (uint32_t)r->c->uid,
			  r->c->may_modify, r->reason, sizeof(r->reason));

	if (rc != 0)
		return rc;
	wire_enc_ok(r->w, r->rq->id);
	return 0;
}

static int control_do_subscribe(struct control_req *r)
{
	r->replay = !r->c->subscribed;
	r->c->subscribed = true;
	control_idle_timeout(r->c);
	r->c->event_mask = r->rq->num;
	wire_enc_ok(r->w, r->rq->id);
	return 0;
}

static int control_dispatch(struct control_req *r)
{
	switch (r->rq->type) {
	case WIRE_HELLO: return control_do_hello(r);
	case WIRE_SET_ORIGIN: return control_do_set_origin(r);
	case WIRE_GATEWAY_INFO: return control_do_gateway(r);
	case WIRE_ENUM_PORTS: return control_do_ports(r);
	case WIRE_ENUM_EXTENSIONS: return control_do_extensions(r);
	case WIRE_OPEN_PORT: return control_do_open(r);
	case WIRE_CLOSE_PORT: return control_do_close(r);
	case WIRE_GET_PORT: return control_do_get_port(r);
	case WIRE_ENUM_METHODS: return control_do_methods(r);
	case WIRE_GET_ROUTING: return control_do_get_routing(r);
	case WIRE_SET_ROUTING: return control_do_set_routing(r, false);
	case WIRE_ENABLE: return control_do_set_routing(r, true);
	case WIRE_ENUM_GLOBAL: return control_do_globals(r);
	case WIRE_SET_GLOBAL: return control_do_set_global(r);
	case WIRE_BATCH: return control_do_batch(r);
	case WIRE_ENUM_JOBS: return control_do_jobs(r);
	case WIRE_ENUM_JOBS_PAGE: return control_do_jobs_page(r);
	case WIRE_ENUM_AUDIT_PAGE: return control_do_audit_page(r);
	case WIRE_SIP_INFO: return control_do_sip(r);
	case WIRE_RETRY_JOB: return control_do_retry(r);
	case WIRE_GET_JOB: return control_do_get_job(r);
	case WIRE_ENUM_CALLS_PAGE: return control_do_calls_page(r);
	case WIRE_ENUM_AUDIT: return control_do_audit(r);
	case WIRE_SUBSCRIBE: return control_do_subscribe(r);
	case WIRE_SEND_BEGIN: return control_do_send_begin(r);
	case WIRE_SEND_DATA: return control_do_send_data(r);
	case WIRE_SEND_COMMIT: return control_do_send_commit(r);
	case WIRE_CANCEL_JOB: return control_do_cancel(r);
	default: return FGW_E_PROTOCOL;
	}
}

/* The core reports extension load failures once, at faxgwd's start,
 * usually before anyone subscribed: each new subscriber that asked for
 * them gets them (in the core's form, "IMAGE: REASON") after the reply to
 * its subscription. */
static void control_replay_load_failures(struct control_conn *c)
{
	struct control *ctl = c->ctl;
	fgw_gateway_info gi = { .start_time = 0 };
	size_t n = core_extension_count(ctl->core);

	if (!(c->event_mask & FGW_EVENT_MASK(FGW_EVENT_EXTENSION_LOAD_FAILED)))
		return;
	for (size_t i = 0; i < n && !c->dead; i++) {
		char text[FGW_MAX_PATH + FGW_MAX_ERROR_TEXT + 4];
		fgw_extension_info x;
		fgw_event ev = { 0 };

		if (core_extension_at(ctl->core, i, &x) != 0 || x.loaded)
			continue;
		if (gi.start_time == 0 && core_gateway_info(ctl->core, &gi) != 0)
			gi.start_time = (uint64_t)time(NULL);
		snprintf(text, sizeof(text), "%s: %s", x.image_name, x.error);
		ev.type = FGW_EVENT_EXTENSION_LOAD_FAILED;
		ev.time = gi.start_time;
		ev.guid = "";
		ev.text = text;
		wire_writer_reset(&ctl->evout);
		wire_enc_event(&ctl->evout, &ev);
		if (wire_finish(&ctl->evout) == 0)
			control_queue(c, ctl->evout.buf, ctl->evout.len);
		wire_writer_reset(&ctl->evout);
	}
}

static void control_request(struct control_conn *c, const struct wire_header *h,
			    const uint8_t *body)
{
	struct control *ctl = c->ctl;
	struct control_req r = { .c = c, .w = &ctl->out };
	struct wire_request *rq = malloc(sizeof(*rq));

	if (rq == NULL) {
		control_send_error(c, h->id, FGW_E_NOMEM, 0, "faxgwd is out of memory");
		return;
	}
	int rc = wire_dec_request(h, body, rq, r.reason, sizeof(r.reason));
	if (rc != 0) {
		log_info("control: pid %d uid %u: %s", (int)c->pid, (unsigned)c->uid, r.reason);
		control_send_error(c, h->id, rc, 0, r.reason);
		control_close_after(c);
		free(rq);
		return;
	}
	r.rq = rq;
	r.failed = (uint32_t)rq->nchanges;
	wire_writer_reset(&ctl->out);
	rc = control_dispatch(&r);
	if (rc == CONTROL_PENDING) {
		wire_request_free(rq);
		free(rq);
		return;
	}
	if (rc == 0) {
		rc = wire_finish(&ctl->out);
		if (rc != 0)
			snprintf(r.reason, sizeof(r.reason), "the %s reply is over a limit (%s)",
				 wire_type_name(h->type), fgw_strerror(rc));
	}
	if (rc == 0)
		control_flush_reply(c);
	else
		control_send_error(c, h->id, rc, r.failed, r.reason);
	if (rc == 0 && r.replay)
		control_replay_load_failures(c);
	wire_request_free(rq);
	free(rq);
}

/* --- I/O callbacks ------------------------------------------------------------- */

static void control_on_read(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char reason[FGW_MAX_ERROR_TEXT];

	while (!c->dead && !c->closing && c->op == NULL && c->commit == NULL) {
		uint8_t hb[WIRE_HEADER_LEN];
		struct wire_header h;
		size_t avail = evbuffer_get_length(in);
		if (avail < WIRE_HEADER_LEN)
			return;
		evbuffer_copyout(in, hb, sizeof(hb));
		int rc = wire_parse_header(hb, sizeof(hb), &h, reason, sizeof(reason));
		if (rc != 0) {
			log_info("control: pid %d uid %u: %s", (int)c->pid, (unsigned)c->uid,
				 reason);
			control_send_error(c, 0, FGW_E_PROTOCOL, 0, reason);
			control_close_after(c);
			break;
		}
		size_t total = WIRE_HEADER_LEN + (size_t)h.len;
		if (avail < total)
			return;
		const uint8_t *frame = evbuffer_pullup(in, (ev_ssize_t)total);
		if (frame == NULL) {
			control_conn_kill(c);
			return;
		}
		control_request(c, &h, frame + WIRE_HEADER_LEN);
		evbuffer_drain(in, total);
	}
	/* A closing connection's further input is dropped, so that closing
	 * does not reset the peer before it read our answer. */
	if (c->closing)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void control_on_write(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;

	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		control_conn_kill(c);
}

static void control_on_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		log_info("control: pid %d uid %u idle for %u ms: disconnected", (int)c->pid,
			 (unsigned)c->uid, c->ctl->idle_ms);
		control_conn_kill(c);
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		log_debug("control: pid %d uid %u disconnected", (int)c->pid, (unsigned)c->uid);
		control_conn_kill(c);
	}
}

/* The peer's credentials (SO_PEERCRED); false when unavailable. */
static bool control_peer(int fd, struct control_conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
		return false;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	return true;
}

/* Answers a refused connection as best it can, and drops it. */
static void control_reject_now(struct control *ctl, int fd, int code, const char *reason)
{
	wire_writer_reset(&ctl->out);
	wire_enc_error(&ctl->out, 0, code, 0, reason);
	if (wire_finish(&ctl->out) == 0 &&
	    send(fd, ctl->out.buf, ctl->out.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("control: could not answer a rejected client: %s", strerror(errno));
	wire_writer_reset(&ctl->out);
	close(fd);
}

static size_t control_uid_count(const struct control *ctl, uid_t uid)
{
	size_t n = 0;

	for (const struct control_conn *c = ctl->conns; c != NULL; c = c->next)
		n += !c->dead && c->uid == uid;
	return n;
}

/* Whether a connection of c's peer fits the limits: the last
 * FGW_CONTROL_RESERVED slots are kept for root and admin-group, and any
 * other uid may hold FGW_MAX_CLIENTS_PER_UID at most. */
static bool control_admit(const struct control *ctl, const struct control_conn *c,
			  char *reason, size_t reasonlen)
{
	if (ctl->nconns >= FGW_MAX_CLIENTS) {
		snprintf(reason, reasonlen, "faxgwd has %d control connections open already",
			 FGW_MAX_CLIENTS);
		return false;
	}
	if (c->privileged)
		return true;
	if (ctl->nconns >= FGW_MAX_CLIENTS - FGW_CONTROL_RESERVED) {
		snprintf(reason, reasonlen, "faxgwd has %zu control connections open; the "
			 "remaining %d are kept for root and admin-group", ctl->nconns,
			 FGW_CONTROL_RESERVED);
		return false;
	}
	if (control_uid_count(ctl, c->uid) >= FGW_MAX_CLIENTS_PER_UID) {
		snprintf(reason, reasonlen, "uid %u has %d control connections open already",
			 (unsigned)c->uid, FGW_MAX_CLIENTS_PER_UID);
		return false;
	}
	return true;
}

/* Refused connections are logged at most every FGW_CONTROL_LOG_EVERY_S. */
static void control_log_refused(struct control *ctl, const struct control_conn *c,
				const char *reason)
{
	time_t now = time(NULL);

	ctl->refused++;
	if (now - ctl->refused_logged < FGW_CONTROL_LOG_EVERY_S)
		return;
	log_warn("control: refused pid %d uid %u: %s (%lu refused in the last %d s)",
		 (int)c->pid, (unsigned)c->uid, reason, ctl->refused, FGW_CONTROL_LOG_EVERY_S);
	ctl->refused_logged = now;
	ctl->refused = 0;
}

static void control_link(struct control *ctl, struct control_conn *c)
{
	c->next = ctl->conns;
	if (ctl->conns != NULL)
		ctl->conns->prev = c;
	ctl->conns = c;
	ctl->nconns++;
}

static void control_on_accept(struct evconnlistener *l, evutil_socket_t fd,
			      struct sockaddr *sa, int salen, void *arg)
{
	struct control *ctl = arg;
	char reason[FGW_MAX_ERROR_TEXT];
	struct control_conn *c = calloc(1, sizeof(*c));

	(void)l;
	(void)sa;
	(void)salen;
	if (c == NULL || !control_peer(fd, c)) {
		free(c);
		control_reject_now(ctl, fd, FGW_E_INTERNAL, "cannot read the peer's credentials");
		return;
	}
	c->ctl = ctl;
	c->privileged = control_is_admin(ctl, c->uid, c->gid);
	if (!control_admit(ctl, c, reason, sizeof(reason))) {
		control_log_refused(ctl, c, reason);
		free(c);
		control_reject_now(ctl, fd, FGW_E_LIMIT, reason);
		return;
	}
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		close(fd);
		return;
	}
	control_link(ctl, c);
	bufferevent_setcb(c->bev, control_on_read, control_on_write, control_on_conn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, FGW_MAX_FRAME);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (!control_rights(c, reason, sizeof(reason))) {
		log_notice("control: refused pid %d: %s", (int)c->pid, reason);
		control_send_error(c, 0, FGW_E_ACCESS, 0, reason);
		control_close_after(c);
		return;
	}
	control_idle_timeout(c);
	log_debug("control: pid %d uid %u connected (%s)", (int)c->pid, (unsigned)c->uid,
		  c->may_modify ? "modify" : "query");
}

void control_set_idle_timeout(struct control *ctl, unsigned ms)
{
	ctl->idle_ms = ms;
}

/* After a reload that changed admin-group or query-group: every open
 * connection gets the rights the new groups give it.  A connection that
 * lost modify rights keeps its port handles for QUERY only; one that may
 * no longer query is closed with the reason. */
void control_recheck_rights(struct control *ctl)
{
	char reason[FGW_MAX_ERROR_TEXT];

	for (struct control_conn *c = ctl->conns; c != NULL; c = c->next) {
		bool could_modify = c->may_modify;
		if (c->dead || c->closing)
			continue;
		c->privileged = control_is_admin(ctl, c->uid, c->gid);
		control_idle_timeout(c);
		if (!control_rights(c, reason, sizeof(reason))) {
			log_notice("control: pid %d uid %u closed after reload: %s", (int)c->pid,
				   (unsigned)c->uid, reason);
			control_send_error(c, 0, FGW_E_ACCESS, 0, reason);
			control_close_after(c);
			continue;
		}
		if (!could_modify || c->may_modify)
			continue;
		for (size_t i = 0; i < c->nhandles; i++)
			c->handles[i].modify = false;
		log_notice("control: pid %d uid %u may no longer modify after reload",
			   (int)c->pid, (unsigned)c->uid);
	}
}

static void control_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(ctl->listener);
}

static void control_on_accept_error(struct evconnlistener *l, void *arg)
{
	struct control *ctl = arg;
	struct timeval one = { 1, 0 };

	log_warn("control: accept: %s", strerror(errno));
	evconnlistener_disable(l);
	event_add(ctl->resume, &one);
}

/* --- events -------------------------------------------------------------------- */

static void control_on_event(void *arg, const fgw_event *ev)
{
	struct control *ctl = arg;

	wire_writer_reset(&ctl->evout);
	wire_enc_event(&ctl->evout, ev);
	if (wire_finish(&ctl->evout) != 0) {
		log_warn("control: event %d could not be encoded", (int)ev->type);
		return;
	}
	for (struct control_conn *c = ctl->conns; c != NULL; c = c->next) {
		if (!c->dead && c->subscribed && (ev->type < 32) &&
		    (c->event_mask & FGW_EVENT_MASK(ev->type)))
			control_queue(c, ctl->evout.buf, ctl->evout.len);
	}
	wire_writer_reset(&ctl->evout);
}

/* --- the socket ----------------------------------------------------------------- */

static int control_mkdir_parent(const char *path, char *err, size_t errlen)
{
	char dir[FGW_MAX_PATH], why[FGW_MAX_ERROR_TEXT];

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (fgwx_mkdir_p(dir, 0755, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "control socket: %s", why);
		return -1;
	}
	return 0;
}

/* Removes a stale socket file; refuses when a daemon listens on it. */
static int control_clear_path(const char *path, const struct sockaddr_un *sa, char *err,
			      size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s exists and is not a socket", path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "control socket %s: another faxgwd is listening there",
			 path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(e));
		return -1;
	}
	log_notice("control: removing stale socket %s", path);
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int control_listen(struct control *ctl, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = ctl->cfg->control;
	struct stat st;

	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path \"%s\" is empty or too long "
			 "(at most %zu bytes)", path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	if (control_mkdir_parent(path, err, errlen) != 0 ||
	    control_clear_path(path, &sa, err, errlen) != 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "control socket %s: bind: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (stat(path, &st) == 0) {
		ctl->dev = st.st_dev;
		ctl->ino = st.st_ino;
		ctl->bound = true;
	}
	/* Access is checked by credentials on every connection. */
	if (chmod(path, 0666) != 0)
		log_warn("control: chmod %s: %s", path, strerror(errno));
	ctl->listener = evconnlistener_new(ctl->base, control_on_accept, ctl,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
					   CONTROL_BACKLOG, fd);
	if (ctl->listener == NULL) {
		snprintf(err, errlen, "control socket %s: listen: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	evconnlistener_set_error_cb(ctl->listener, control_on_accept_error);
	return 0;
}

struct control *control_new(struct event_base *base, const struct config *cfg,
			    struct core *core, char *err, size_t errlen)
{
	struct control *ctl = calloc(1, sizeof(*ctl));

	if (ctl == NULL) {
		snprintf(err, errlen, "control: out of memory");
		return NULL;
	}
	ctl->base = base;
	ctl->cfg = cfg;
	ctl->core = core;
	ctl->self_uid = geteuid();
	ctl->idle_ms = FGW_CONTROL_IDLE_MS;
	wire_writer_init(&ctl->out);
	wire_writer_init(&ctl->evout);
	ctl->reaper = event_new(base, -1, 0, control_on_reap, ctl);
	ctl->resume = evtimer_new(base, control_on_resume, ctl);
	if (ctl->reaper == NULL || ctl->resume == NULL) {
		snprintf(err, errlen, "control: cannot create events");
		control_free(ctl);
		return NULL;
	}
	if (control_listen(ctl, err, errlen) != 0) {
		control_free(ctl);
		return NULL;
	}
	core_set_event_sink(core, control_on_event, ctl);
	core_set_loop(core, base);
	return ctl;
}

void control_free(struct control *ctl)
{
	struct stat st;

	if (ctl == NULL)
		return;
	if (ctl->listener != NULL) {
		core_set_event_sink(ctl->core, NULL, NULL);
		evconnlistener_free(ctl->listener);
	}
	while (ctl->conns != NULL)
		control_conn_free(ctl->conns);
	if (ctl->bound && stat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
	if (ctl->reaper != NULL)
		event_free(ctl->reaper);
	if (ctl->resume != NULL)
		event_free(ctl->resume);
	wire_writer_free(&ctl->out);
	wire_writer_free(&ctl->evout);
	free(ctl);
}

size_t control_client_count(const struct control *ctl)
{
	size_t n = 0;

	for (const struct control_conn *c = ctl->conns; c != NULL; c = c->next)
		if (!c->dead)
			n++;
	return n;
}
