/*
 * config_addr.h - numeric socket addresses as faxgwd.conf(5) writes them:
 * "a.b.c.d:PORT" or "[IPv6]:PORT", PORT 1..65535, no host names.  Used by
 * the [port N] and [sip] parsers (config.c, config_sip.c).
 */
#ifndef FAXGW_CONFIG_ADDR_H
#define FAXGW_CONFIG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Parses val into ss and sslen, and its canonical text ("a.b.c.d:p",
 * "[v6]:p") into text[0..textlen).  0, or -1 with the reason in why. */
int config_addr_parse(const char *val, struct sockaddr_storage *ss, socklen_t *sslen,
		      char *text, size_t textlen, char *why, size_t whylen);

bool config_addr_is_multicast(const struct sockaddr_storage *ss);

#endif
