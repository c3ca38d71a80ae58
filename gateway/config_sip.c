/*
 * config_sip.c - the [sip] and sip-port values of faxgwd.conf(5)
 * (config_sip.h).  Lists are split at commas, each entry trimmed of
 * spaces and tabs; nothing is kept from a list with a bad entry.
 */
#include "config_sip.h"
#include "config_addr.h"
#include "fgwx_number.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool config_sip_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The entry s[0..*len) without the spaces around it. */
static const char *config_sip_trim(const char *s, size_t *len)
{
	while (*len > 0 && config_sip_space(*s)) {
		s++;
		(*len)--;
	}
	while (*len > 0 && config_sip_space(s[*len - 1]))
		(*len)--;
	return s;
}

const char *config_sip_proto_name(enum config_sip_proto p)
{
	return p == CONFIG_SIP_TCP ? "tcp" : "udp";
}

/* One "udp:ADDR:PORT" or "tcp:ADDR:PORT" (RFC 3261 18). */
static int config_sip_listen_one(const char *text, size_t len, struct config_sip_listen *out,
				 char *why, size_t whylen)
{
	char tok[FGW_MAX_ADDRESS + 8];

	text = config_sip_trim(text, &len);
	if (len < 5 || len >= sizeof(tok) ||
	    (strncasecmp(text, "udp:", 4) != 0 && strncasecmp(text, "tcp:", 4) != 0)) {
		snprintf(why, whylen, "'%.*s' is not udp:ADDRESS:PORT or tcp:ADDRESS:PORT",
			 (int)(len < 80 ? len : 80), text);
		return -1;
	}
	memcpy(tok, text + 4, len - 4);
	tok[len - 4] = '\0';
	out->proto = strncasecmp(text, "udp:", 4) == 0 ? CONFIG_SIP_UDP : CONFIG_SIP_TCP;
	if (config_addr_parse(tok, &out->addr, &out->addr_len, out->text, sizeof(out->text), why,
			      whylen) != 0)
		return -1;
	if (config_addr_is_multicast(&out->addr)) {
		snprintf(why, whylen, "'%.80s' is a multicast address", tok);
		return -1;
	}
	return 0;
}

static bool config_sip_listen_dup(const struct config_sip_listen *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].proto == list[n].proto && strcmp(list[i].text, list[n].text) == 0)
			return true;
	return false;
}

int config_sip_listen(const char *val, struct config_sip_listen *list, size_t *n, char *why,
		      size_t whylen)
{
	const char *s = val;

	*n = 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		if (*n == FGW_MAX_SIP_LISTEN) {
			snprintf(why, whylen, "more than %d entries", FGW_MAX_SIP_LISTEN);
			goto fail;
		}
		if (config_sip_listen_one(s, len, &list[*n], why, whylen) != 0)
			goto fail;
		if (config_sip_listen_dup(list, *n)) {
			snprintf(why, whylen, "%s:%s is listed twice",
				 config_sip_proto_name(list[*n].proto), list[*n].text);
			goto fail;
		}
		(*n)++;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
fail:
	*n = 0;
	return -1;
}

int config_sip_public_address(const char *val, char *why, size_t whylen)
{
	unsigned char a[16];

	if (val[0] != '\0' && inet_pton(AF_INET, val, a) != 1 && inet_pton(AF_INET6, val, a) != 1) {
		snprintf(why, whylen, "'%.80s' is not a numeric IPv4 or IPv6 address", val);
		return -1;
	}
	return 0;
}

int config_sip_media_ports(const char *val, unsigned *low, unsigned *high, char *why,
			   size_t whylen)
{
	const char *dash = strchr(val, '-');
	uint64_t lo, hi;

	if (dash == NULL ||
	    fgwx_number_len(val, (size_t)(dash - val), &lo, 65535) != FGWX_NUM_OK ||
	    fgwx_number_len(dash + 1, strlen(dash + 1), &hi, 65535) != FGWX_NUM_OK ||
	    lo < 1024 || hi < lo) {
		snprintf(why, whylen, "'%.80s' is not a range LOW-HIGH of UDP ports from 1024 "
			 "to 65535", val);
		return -1;
	}
	*low = (unsigned)lo;
	*high = (unsigned)hi;
	return 0;
}

/* RFC 3261 19.1: the scheme, then something; no characters that would
 * need quoting in a header. */
int config_sip_uri(const char *val, char *why, size_t whylen)
{
	bool ok = val[0] == '\0' || strncasecmp(val, "sip:", 4) == 0 ||
		  strncasecmp(val, "sips:", 5) == 0;

	if (ok && val[0] != '\0')
		ok = strchr(val, ':')[1] != '\0' && strpbrk(val, " \t\"<>\\") == NULL;
	if (!ok) {
		snprintf(why, whylen, "'%.80s' is not a sip: or sips: URI", val);
		return -1;
	}
	return 0;
}

/* A user part of a request-URI: unreserved, escaped and user-unreserved
 * characters of RFC 3261 25.1 (digits, letters, "-_.!~*'()&=+$,;?/%"). */
static bool config_sip_user_ok(const char *u, size_t len)
{
	static const char extra[] = "-_.!~*'()&=+$,;?/%";

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = u[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c != '\0' && strchr(extra, c) != NULL)))
			return false;
	}
	return true;
}

int config_sip_users(const char *val, char users[][FGW_MAX_SIP_USER], size_t *n, bool *any,
		     char *why, size_t whylen)
{
	const char *s = val;

	*n = 0;
	*any = false;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		const char *u = config_sip_trim(s, &len);
		if (len == 1 && u[0] == '*') {
			*any = true;
		} else if (!config_sip_user_ok(u, len) || len >= FGW_MAX_SIP_USER) {
			snprintf(why, whylen, "'%.*s' is not a SIP user part (RFC 3261 25.1, at "
				 "most %d characters) nor *", (int)(len < 80 ? len : 80), u,
				 FGW_MAX_SIP_USER - 1);
			goto fail;
		} else if (*n == FGW_MAX_SIP_USERS) {
			snprintf(why, whylen, "more than %d users", FGW_MAX_SIP_USERS);
			goto fail;
		} else {
			memcpy(users[*n], u, len);
			users[(*n)++][len] = '\0';
		}
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
fail:
	*n = 0;
	*any = false;
	return -1;
}

int config_sip_laws(const char *val, int *laws, size_t max, size_t *n, char *why,
		    size_t whylen)
{
	static const char *const names[] = { "pcmu", "pcma" };
	const char *s = val;

	*n = 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		const char *w = config_sip_trim(s, &len);
		int law = -1;
		for (int i = 0; i < 2 && law < 0; i++)
			if (len == 4 && strncasecmp(w, names[i], 4) == 0)
				law = i;
		if (law < 0) {
			snprintf(why, whylen, "'%.*s' is not one of: pcma pcmu",
				 (int)(len < 80 ? len : 80), w);
			goto fail;
		}
		for (size_t i = 0; i < *n; i++)
			if (laws[i] == law) {
				snprintf(why, whylen, "%s is listed twice", names[law]);
				goto fail;
			}
		if (*n == max) {
			snprintf(why, whylen, "more than %zu laws", max);
			goto fail;
		}
		laws[(*n)++] = law;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
fail:
	*n = 0;
	return -1;
}
