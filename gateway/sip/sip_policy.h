/*
 * sip_policy.h - what faxgwd answers to a SIP request, decided from plain
 * values: the source address, the request-URI user, the calls in progress
 * and the SDP offer (faxgwd(8) SIP, DESIGN 2b).  No sofia-sip here: the
 * SIP thread (sip_thread.c) asks, and sends what it is told; the unit
 * tests ask the same questions without a network.
 *
 * Settings are plain values, copied by sip_thread_start(); nothing here
 * allocates or keeps a pointer.  Every function is re-entrant.
 */
#ifndef FAXGW_SIP_POLICY_H
#define FAXGW_SIP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "caps.h"
#include "fgwx_cidr.h"
#include "sdp.h"

/* One port with transport = sip. */
struct sip_port_settings {
	uint32_t id;                              /* the [port N] id */
	char users[FGW_MAX_SIP_USERS][FGW_MAX_SIP_USER]; /* request-URI users answered */
	size_t nusers;
	bool any;                                 /* `*`: every user no port claims */
	unsigned channels;                        /* calls at once (>= 1) */
	struct sdp_settings sdp;                  /* what the port accepts in SDP */
};

/* The [sip] section and its ports, as the daemon hands them over. */
struct sip_settings {
	char listen_url[FGW_MAX_SIP_LISTEN][FGW_MAX_SIP_URI]; /* "sip:1.2.3.4:5060;transport=udp" */
	struct sockaddr_storage listen_addr[FGW_MAX_SIP_LISTEN]; /* the same, to check first */
	socklen_t listen_len[FGW_MAX_SIP_LISTEN];  /* 0: not checked */
	bool listen_tcp[FGW_MAX_SIP_LISTEN];
	size_t nlisten;
	struct fgwx_cidr allow[FGW_MAX_ALLOW];    /* sources served; n == 0: every one */
	size_t nallow;
	unsigned max_calls;                       /* calls at once, all ports (>= 1) */
	unsigned max_calls_per_source;            /* calls at once from one source IP (>= 1) */
	char username[FGW_MAX_CREDENTIAL];        /* digest authentication of INVITEs, */
	char password[FGW_MAX_CREDENTIAL];        /*   realm SIP_AUTH_REALM; "": none */
	/* The calls' media sockets: bound to media_bind's address with a port
	 * of media_port_min..max; media_addr is the address our SDP names. */
	struct sockaddr_storage media_bind;
	socklen_t media_bind_len;
	char media_addr[FGW_SDP_MAX_ADDR_TEXT];
	unsigned media_port_min, media_port_max;
	/* Sending (sip_thread_dial): the From of our INVITEs, a whole sip: or
	 * sips: URI ([sip] from, else sip:faxgw@ the first listen address). */
	char from[FGW_MAX_SIP_URI];
	size_t nports;
	struct sip_port_settings ports[];         /* flexible: sip_settings_size(nports) */
};

/* Bytes of a struct sip_settings with n ports. */
size_t sip_settings_size(size_t nports);

/* The realm of faxgwd's digest challenges (RFC 3261 22.1). */
#define SIP_AUTH_REALM "faxgw"

/* Whether src (NULL: unknown, never) may use faxgwd's SIP at all. */
bool sip_policy_allowed(const struct sip_settings *s, const struct sockaddr *src);

/* The port answering user (exact match first, then the `*` port), or -1. */
int sip_policy_port(const struct sip_settings *s, const char *user);

/* The state a decision needs: calls in progress, all ports and per port
 * (port_calls[i] for s->ports[i]), and whether faxgwd is draining. */
struct sip_load {
	unsigned calls;
	const unsigned *port_calls;
	bool draining;
	unsigned source_calls;        /* calls in progress from this request's source IP */
};

/*
 * The answer to an INVITE before its SDP is looked at (RFC 3261 21.4-21.5):
 * 403 for a source outside allow, 503 while draining, at max-calls or at
 * max-calls-per-source for this source (the caller adds Retry-After), 404 for an unknown user, 486 when the port's
 * channels are taken; 0 when the call may go on, with its port index in
 * *port.  src may be NULL (unknown: refused with 403).
 */
int sip_policy_invite(const struct sip_settings *s, const struct sockaddr *src,
		      const char *user, const struct sip_load *load, int *port);

/* The answer to OPTIONS: 403 outside allow, 503 while draining, else 200. */
int sip_policy_options(const struct sip_settings *s, const struct sockaddr *src, bool draining);

/*
 * The SDP offer of an INVITE to port p, parsed into *offer (the caller's
 * space: about 20 kB): 200 when it is acceptable (the decision in *ans),
 * else 488 with a Warning text in warning[0..size) (RFC 3261 20.43:
 * "code agent text" is built by the caller from it).  A missing offer
 * (len 0) is 200 with ans->status 0: we would make the offer (RFC 3264 5).
 */
int sip_policy_offer(const struct sip_port_settings *p, const char *body, size_t len,
		     struct sdp_session *offer, struct sdp_answer *ans, char *warning,
		     size_t size);

/*
 * A Warning header value (RFC 3261 20.43), `CODE AGENT "TEXT"`, into
 * out[0..size) (size > 0), always NUL-terminated, the text cut to fit;
 * '"', '\' and control characters of text become '\'' so the quoted
 * string stays one.  For faxgwd's SIP thread and faxpeer alike.
 */
void sip_policy_warning(char *out, size_t size, int code, const char *agent, const char *text);

#endif
