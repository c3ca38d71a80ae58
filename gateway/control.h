/*
 * control.h - faxgwd's control server: the Unix-domain socket that
 * libfaxgw clients (faxgwctl, faxgw-agent, tests) talk to (wire.h).
 *
 * It listens on cfg->control (mode 0666: access control is by the peer's
 * credentials, SO_PEERCRED, checked on every connection: root and the
 * daemon's own uid may do everything, admin-group members may modify,
 * query-group members (anyone when query-group is empty) may query; others
 * are refused with FGW_E_ACCESS and a reason naming the group).  It keeps
 * the handle rules (QUERY handles change nothing; one MODIFY handle per
 * port across all connections, released when its connection closes or
 * dies), calls the core (core.h) for everything else, and forwards the
 * core's events to subscribed connections.
 *
 * Everything runs on the event loop of `base`; no client can block it
 * (non-blocking I/O, bounded input and output per connection), nor can an
 * extension: routing changes (set, enable, batch) are validated off the
 * loop (core_apply_start) and answered when the core has the answer; the
 * connection reads nothing more until then (its later requests wait in
 * order) while every other connection is served.
 */
#ifndef FAXGW_CONTROL_H
#define FAXGW_CONTROL_H

#include <stddef.h>

struct event_base;
struct config;
struct core;
struct control;

/* Creates the socket (its parent directory 0755 when missing; a stale
 * socket file is removed only when nothing listens on it; another daemon
 * listening there is an error) and starts accepting.  Installs itself as
 * the core's event sink.  base, cfg and core are borrowed and must outlive
 * the control server; lends base to the core for its off-loop extension
 * calls (core_set_loop).  Returns NULL with a reason in err on failure. */
struct control *control_new(struct event_base *base, const struct config *cfg,
			    struct core *core, char *err, size_t errlen);
/* Closes every connection, removes the socket file (when it is still the
 * one it created) and detaches from the core.  NULL is fine. */
void control_free(struct control *ctl);

/* After a configuration reload: re-checks every open connection's rights
 * against the (new) admin-group and query-group of cfg. */
void control_recheck_rights(struct control *ctl);

/* How long an unprivileged connection without a request or a subscription
 * stays open (FGW_CONTROL_IDLE_MS; tests shorten it); for new connections. */
void control_set_idle_timeout(struct control *ctl, unsigned ms);

/* Connections open right now (for status and tests). */
size_t control_client_count(const struct control *ctl);

#endif
