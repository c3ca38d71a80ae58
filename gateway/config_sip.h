/*
 * config_sip.h - the values of faxgwd.conf(5)'s [sip] section and of
 * sip ports, parsed from their text: listen addresses with transports,
 * media port ranges, SIP URIs, request-URI users, G.711 law lists.
 * config.c calls these from its key table and records the errors; every
 * function writes a reason into why[0..whylen) on failure and leaves its
 * outputs empty (counts 0).
 */
#ifndef FAXGW_CONFIG_SIP_H
#define FAXGW_CONFIG_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "caps.h"

/* A [sip] listen entry's transport (RFC 3261 18). */
enum config_sip_proto { CONFIG_SIP_UDP, CONFIG_SIP_TCP };

struct config_sip_listen {
	enum config_sip_proto proto;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char text[FGW_MAX_ADDRESS];           /* canonical "a.b.c.d:p" or "[v6]:p" */
};

/* "udp" or "tcp". */
const char *config_sip_proto_name(enum config_sip_proto p);

/* "udp:ADDR:PORT, tcp:[V6]:PORT": up to FGW_MAX_SIP_LISTEN distinct
 * unicast entries into list[], their number in *n.  0 or -1. */
int config_sip_listen(const char *val, struct config_sip_listen *list, size_t *n, char *why,
		      size_t whylen);

/* A numeric IPv4 or IPv6 address without port, or "".  0 or -1. */
int config_sip_public_address(const char *val, char *why, size_t whylen);

/* "LOW-HIGH", 1024 <= LOW <= HIGH <= 65535.  0 or -1. */
int config_sip_media_ports(const char *val, unsigned *low, unsigned *high, char *why,
			   size_t whylen);

/* A sip: or sips: URI without spaces, quotes or angle brackets, or "". */
int config_sip_uri(const char *val, char *why, size_t whylen);

/* "5550100, 5550101, *": up to FGW_MAX_SIP_USERS user parts (RFC 3261
 * 25.1) into users[], their number in *n; *any for `*`.  0 or -1. */
int config_sip_users(const char *val, char users[][FGW_MAX_SIP_USER], size_t *n, bool *any,
		     char *why, size_t whylen);

/* "pcma, pcmu": distinct G.711 laws in order into laws[] (0 pcmu, 1 pcma,
 * as enum config_codec), at most max, their number in *n.  0 or -1. */
int config_sip_laws(const char *val, int *laws, size_t max, size_t *n, char *why,
		    size_t whylen);

#endif
