/*
 * addr.c - UDP endpoint addresses as text: "HOST:PORT" and, for IPv6,
 * "[ADDR]:PORT" (the RFC 3986 3.2.2 bracket form).
 */
#include "faxpeer.h"
#include "fgwx_number.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits text into host and port; -1 on bad syntax. */
static int faxpeer_addr_split(const char *text, char *host, size_t hostsize, long *port)
{
	const char *colon, *h = text;
	size_t hlen;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return -1;
		h = text + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL || memchr(text, ':', (size_t)(colon - text)) != NULL)
			return -1;            /* IPv6 without brackets */
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0 || hlen >= hostsize)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	uint64_t v;
	if (fgwx_str_number(colon + 1, &v, 65535) != FGWX_NUM_OK)
		return -1;
	*port = (long)v;
	return 0;
}

int faxpeer_addr_syntax(const char *text, bool allow_port0, char *err, size_t errlen)
{
	char host[FAXPEER_MAX_HOST];
	long pnum;

	if (text == NULL || faxpeer_addr_split(text, host, sizeof(host), &pnum) < 0) {
		snprintf(err, errlen, "bad address '%s': expected HOST:PORT or [IPV6-ADDRESS]:PORT",
		         text ? text : "");
		return -1;
	}
	if (pnum == 0 && !allow_port0) {
		snprintf(err, errlen, "bad address '%s': port 0 is not a destination", text);
		return -1;
	}
	return 0;
}

int faxpeer_addr_parse(const char *text, bool passive, bool allow_port0,
                       struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen)
{
	char host[FAXPEER_MAX_HOST], port[8];
	struct addrinfo hints, *res = NULL;
	long pnum;

	if (faxpeer_addr_syntax(text, allow_port0, err, errlen) < 0)
		return -1;
	faxpeer_addr_split(text, host, sizeof(host), &pnum);
	snprintf(port, sizeof(port), "%ld", pnum);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -2;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void faxpeer_addr_format(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, size, "?");
	}
}

bool faxpeer_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port
		       && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}
