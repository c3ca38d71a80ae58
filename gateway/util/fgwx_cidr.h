/*
 * fgwx_cidr.h - address prefixes (CIDR, RFC 4632; IPv6 RFC 4291 2.3) and
 * whether a socket address falls in one: the `allow` lists of
 * faxgwd.conf(5).
 *
 * Text forms: "a.b.c.d", "a.b.c.d/N" (N 0..32), an IPv6 address in the
 * usual notation without brackets, "v6/N" (N 0..128).  No prefix length
 * means the one host.  The bits after the prefix must be zero
 * ("10.1.2.3/8" is refused: it is most likely a typing mistake).  An
 * IPv4 prefix also matches IPv4-mapped IPv6 sources (::ffff:a.b.c.d), as
 * a socket bound to [::] reports them.
 *
 * No allocation, no locale; nothing is written on failure.
 */
#ifndef FAXGW_UTIL_FGWX_CIDR_H
#define FAXGW_UTIL_FGWX_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define FGWX_CIDR_TEXT 64       /* longest text accepted: an IPv6 address and "/128" */

struct fgwx_cidr {
	sa_family_t family;     /* AF_INET or AF_INET6 */
	uint8_t prefix;         /* bits that must match */
	uint8_t addr[16];       /* network order; IPv4 in the first 4 bytes */
};

/* Parses one prefix (no spaces).  0, or -1 with a static English reason in
 * *why (may be NULL). */
int fgwx_cidr_parse(const char *text, struct fgwx_cidr *out, const char **why);

/* Whether sa (AF_INET or AF_INET6; anything else never matches) is in c. */
bool fgwx_cidr_match(const struct fgwx_cidr *c, const struct sockaddr *sa);

/* Whether sa is in any of the n prefixes; an empty list (n == 0) allows
 * every source. */
bool fgwx_cidr_allowed(const struct fgwx_cidr *list, size_t n, const struct sockaddr *sa);

#endif
