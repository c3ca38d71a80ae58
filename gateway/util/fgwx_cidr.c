/*
 * fgwx_cidr.c - address prefixes and matching (fgwx_cidr.h).
 */
#include "fgwx_cidr.h"
#include "fgwx_number.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* Whether the first `bits` bits of a and b are equal. */
static bool fgwx_cidr_bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* Whether every bit of addr after the first `bits` of `len` bytes is 0. */
static bool fgwx_cidr_host_zero(const uint8_t *addr, size_t len, unsigned bits)
{
	uint8_t tail[16];

	/* addr masked to the prefix must be addr itself */
	memcpy(tail, addr, len);
	for (size_t i = 0; i < len; i++) {
		unsigned first = (unsigned)i * 8;
		if (first >= bits)
			tail[i] = 0;
		else if (bits - first < 8)
			tail[i] &= (uint8_t)(0xFFu << (8 - (bits - first)));
	}
	return memcmp(tail, addr, len) == 0;
}

static int fgwx_cidr_fail(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return -1;
}

int fgwx_cidr_parse(const char *text, struct fgwx_cidr *out, const char **why)
{
	char host[FGWX_CIDR_TEXT];
	const char *slash = strchr(text, '/');
	size_t hl = slash != NULL ? (size_t)(slash - text) : strlen(text);
	struct fgwx_cidr c;
	uint64_t n;
	unsigned max;

	memset(&c, 0, sizeof(c));
	if (hl == 0 || hl >= sizeof(host))
		return fgwx_cidr_fail(why, "not an IPv4 or IPv6 address");
	memcpy(host, text, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, c.addr) == 1) {
		c.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, c.addr) == 1) {
		c.family = AF_INET6;
		max = 128;
	} else {
		return fgwx_cidr_fail(why, "not an IPv4 or IPv6 address");
	}
	n = max;
	if (slash != NULL && fgwx_str_number(slash + 1, &n, max) != FGWX_NUM_OK)
		return fgwx_cidr_fail(why, max == 32 ? "prefix length is not 0..32"
						     : "prefix length is not 0..128");
	c.prefix = (uint8_t)n;
	if (!fgwx_cidr_host_zero(c.addr, max / 8, c.prefix))
		return fgwx_cidr_fail(why, "address has bits set after the prefix length");
	*out = c;
	return 0;
}

static const uint8_t fgwx_cidr_v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };

bool fgwx_cidr_match(const struct fgwx_cidr *c, const struct sockaddr *sa)
{
	const uint8_t *a;

	if (sa->sa_family == AF_INET) {
		if (c->family != AF_INET)
			return false;
		a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		return fgwx_cidr_bits_equal(a, c->addr, c->prefix);
	}
	if (sa->sa_family != AF_INET6)
		return false;
	a = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (c->family == AF_INET6)
		return fgwx_cidr_bits_equal(a, c->addr, c->prefix);
	/* an IPv4 prefix and an IPv4-mapped IPv6 source */
	return memcmp(a, fgwx_cidr_v4mapped, sizeof(fgwx_cidr_v4mapped)) == 0 &&
	       fgwx_cidr_bits_equal(a + 12, c->addr, c->prefix);
}

bool fgwx_cidr_allowed(const struct fgwx_cidr *list, size_t n, const struct sockaddr *sa)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (fgwx_cidr_match(&list[i], sa))
			return true;
	return false;
}
