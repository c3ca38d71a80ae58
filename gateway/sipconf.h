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

/* Starts the SIP thread when c has a [sip] section (*out NULL otherwise),
 * its calls' media on dp's sip channels (sipmedia.h; NULL: no media):
 * 0, or -1 with the reason in err. */
struct dataplane;
int sipconf_start(const struct config *c, struct dataplane *dp, struct sip_thread **out,
		  char *err, size_t errlen);

/* The SIP counters of t (NULL: not running) for the control server
 * (struct core_sip of rtable.h): the gateway's in out[0], then c's sip
 * ports in configuration order, their sip-user lists in users[]. */
int sipconf_info(const struct config *c, const struct sip_thread *t, fgw_sip_port *out,
		 char (*users)[FGW_MAX_SIP_USERS_TEXT], size_t max, size_t *n);

/* Logs how many answers of each class the SIP thread sent. */
void sipconf_log_answers(const struct sip_thread *t);

#endif
