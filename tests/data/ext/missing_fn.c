/*
 * missing_fn.c - a test extension that registers a method whose routing
 * function does not exist: the whole extension must fail to load.
 */
#include <stdio.h>

#include <faxgw/routing.h>

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);

static int missing_fn_ok(const fgw_route_host *host, const char *guid, uint32_t port_id,
			 const void *data, size_t len, char *reason, size_t reasonlen)
{
	(void)host;
	(void)guid;
	(void)port_id;
	(void)data;
	(void)len;
	(void)reason;
	(void)reasonlen;
	return 0;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	ext->friendly_name = "faxgw test: missing function";
	ext->validate = missing_fn_ok;
	ext->can_enable = missing_fn_ok;
	if (host->register_method(host->host, "{00000000-0000-4000-8000-000000000003}",
				  "NoSuchRoutingFunction", "Missing function") != 0) {
		snprintf(err, errlen, "cannot register");
		return -1;
	}
	return 0;
}
