/*
 * sipconf.h - faxgwd's side of the SIP thread: the [sip] section and the
 * sip ports of the configuration turned into the plain values the SIP
 * layer takes (gateway/sip/sip_policy.h), and its log routed into ours.
 * The daemon calls down into gateway/sip; nothing there calls back up
 * except through the hooks given here.
 */
#ifndef FAXGW_SIPCONF_H
#define FAXGW_SIPCONF_H

#include <faxgw/admin.h>

#include "config.h"
#include "sip_thread.h"

/* The settings for c (c->sip.present), allocated; free() them.  NULL when
 * out of memory. */
struct sip_settings *sipconf_settings(const struct config *c);

/* Hooks that log through log.h (thread-safe). */
struct sip_hooks sipconf_hooks(void);

/* The SIP thread's reports on the dials of send jobs (sip_hooks
 * dial_answered, dial_failed), carried to the main thread: a list under a
 * mutex and an eventfd in base's loop, where each becomes
 * core_send_answered() or core_send_dial_failed() on core.  New: NULL
 * when out of memory.  Free (NULL ok) only after the SIP thread stopped:
 * reports not applied yet are dropped (logged; a restart requeues the
 * jobs, sendq.h). */
struct sipconf_link;
struct event_base;
struct core;
struct sipconf_link *sipconf_link_new(struct event_base *base, struct core *core);
void sipconf_link_free(struct sipconf_link *l);

/* Starts the SIP thread when c has a [sip] section (*out NULL otherwise),
 * its calls' media on dp's sip channels (sipmedia.h; NULL: no media), its
 * dials' reports through link (NULL: not told): 0, or -1 with the reason
 * in err. */
struct dataplane;
int sipconf_start(const struct config *c, struct dataplane *dp, struct sipconf_link *link,
		  struct sip_thread **out, char *err, size_t errlen);

/* Sending.  The request-URI for `to` into out[0..outlen): a sip: or sips:
 * URI is taken whole; a number (digits, a leading '+', '*'; spaces, '-',
 * '.', '(' and ')' are dropped as visual separators) becomes
 * sip:NUMBER@HOST[:PORT] of proxy, the [sip] outbound-proxy, with its URI
 * parameters (";transport=tcp").  -1 with the reason in err: no proxy for
 * a number, not a number, too long. */
int sipconf_dial_uri(const char *to, const char *proxy, char *out, size_t outlen, char *err,
		     size_t errlen);
/* The index of port_id among the sip ports of c (sip_settings.ports), or
 * -1 when it is not a sip port. */
int sipconf_port_index(const struct config *c, uint32_t port_id);
/* core_sip.dial (rtable.h): d as a sip_dial for t (sip_thread_dial). */
struct core_dial;
int sipconf_dial(const struct config *c, struct sip_thread *t, const struct core_dial *d,
		 char *err, size_t errlen);

/* The SIP counters of t (NULL: not running) for the control server
 * (struct core_sip of rtable.h): the gateway's in out[0], then c's sip
 * ports in configuration order, their sip-user lists in users[]. */
int sipconf_info(const struct config *c, const struct sip_thread *t, fgw_sip_port *out,
		 char (*users)[FGW_MAX_SIP_USERS_TEXT], size_t max, size_t *n);

/* Logs how many answers of each class the SIP thread sent. */
void sipconf_log_answers(const struct sip_thread *t);

#endif
