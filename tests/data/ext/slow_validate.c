/*
 * slow_validate.c - a test routing extension whose validate hangs on the
 * data "hang" (30 s, as a server that accepts and never answers would),
 * crashes on "crash", and accepts data starting with "good".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <faxgw/routing.h>

#define SLOW_GUID "{00000000-0000-4000-8000-0000000000a1}"

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status SlowRoute(const fgw_route_host *host, const fgw_fax *fax,
			   const void *data, size_t len, char *msg, size_t msglen);

static int slow_is(const void *data, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(data, word, len) == 0;
}

static int slow_validate(const fgw_route_host *host, const char *guid, uint32_t port_id,
			 const void *data, size_t len, char *reason, size_t reasonlen)
{
	(void)host;
	(void)guid;
	(void)port_id;
	if (slow_is(data, len, "hang"))
		sleep(30);
	if (slow_is(data, len, "crash"))
		abort();
	if (len >= 4 && memcmp(data, "good", 4) == 0)
		return 0;
	snprintf(reason, reasonlen, "slow test data must start with 'good'");
	return -1;
}

static int slow_can_enable(const fgw_route_host *host, const char *guid, uint32_t port_id,
			   const void *data, size_t len, char *reason, size_t reasonlen)
{
	if (len == 0) {
		snprintf(reason, reasonlen, "no slow test data set");
		return -1;
	}
	return slow_validate(host, guid, port_id, data, len, reason, reasonlen);
}

fgw_route_status SlowRoute(const fgw_route_host *host, const fgw_fax *fax,
			   const void *data, size_t len, char *msg, size_t msglen)
{
	(void)host;
	(void)fax;
	(void)data;
	(void)len;
	snprintf(msg, msglen, "slow test routed");
	return FGW_ROUTE_OK;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	if (host->abi_version != FGW_ROUTING_ABI_VERSION) {
		snprintf(err, errlen, "unsupported ABI version %u", (unsigned)host->abi_version);
		return -1;
	}
	ext->friendly_name = "faxgw slow validate test extension";
	ext->validate = slow_validate;
	ext->can_enable = slow_can_enable;
	if (host->register_method(host->host, SLOW_GUID, "SlowRoute", "Slow validate") != 0) {
		snprintf(err, errlen, "cannot register the slow test method");
		return -1;
	}
	return 0;
}
