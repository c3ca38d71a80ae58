/*
 * config_addr.c - numeric socket addresses of faxgwd.conf(5)
 * (config_addr.h): getaddrinfo(3) with AI_NUMERICHOST, IPv4 as four dotted
 * decimals only (inet_pton), the canonical text from getnameinfo(3).
 */
#include "config_addr.h"
#include "fgwx_number.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* "a.b.c.d:port" or "[v6addr]:port", numeric only, port 1..65535. */
int config_addr_parse(const char *val, struct sockaddr_storage *ss, socklen_t *sslen,
		      char *text, size_t textlen, char *why, size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 64];
	const char *colon, *hs = val;
	size_t hl;
	uint64_t port;
	struct addrinfo hints = { 0 }, *res = NULL;

	if (val[0] == '[') {
		const char *close = strchr(val, ']');
		if (close == NULL || close[1] != ':')
			goto bad;
		hs = val + 1;
		hl = (size_t)(close - hs);
		colon = close + 1;
		hints.ai_family = AF_INET6;
	} else {
		colon = strchr(val, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			goto bad;
		hl = (size_t)(colon - val);
		hints.ai_family = AF_INET;
	}
	if (hl == 0 || hl >= sizeof(host) ||
	    fgwx_number_len(colon + 1, strlen(colon + 1), &port, 65535) != FGWX_NUM_OK || port == 0)
		goto bad;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	if (hints.ai_family == AF_INET) {
		struct in_addr a;
		if (inet_pton(AF_INET, host, &a) != 1)   /* four dotted decimals only */
			goto bad;
	}
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || res == NULL ||
	    res->ai_addrlen > sizeof(*ss))
		goto bad;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = (socklen_t)res->ai_addrlen;
	freeaddrinfo(res);
	char h[NI_MAXHOST];
	if (getnameinfo((struct sockaddr *)ss, *sslen, h, sizeof(h), NULL, 0, NI_NUMERICHOST) != 0)
		goto bad;
	int n = snprintf(text, textlen, ss->ss_family == AF_INET6 ? "[%s]:%lu" : "%s:%lu", h,
			 (unsigned long)port);
	if (n < 0 || (size_t)n >= textlen)
		goto bad;
	return 0;
bad:
	if (res != NULL)
		freeaddrinfo(res);
	snprintf(why, whylen, "'%.80s' is not a numeric address a.b.c.d:PORT or [IPv6]:PORT "
		 "with PORT 1..65535", val);
	return -1;
}

bool config_addr_is_multicast(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return IN_MULTICAST(ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr));
	return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}
