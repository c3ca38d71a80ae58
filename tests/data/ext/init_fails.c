/*
 * init_fails.c - a test extension whose entry registers a method and then
 * fails: faxgwd must forget the method (full rollback).
 */
#include <stdio.h>

#include <faxgw/routing.h>

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status InitFailsRoute(const fgw_route_host *host, const fgw_fax *fax,
				const void *data, size_t len, char *msg, size_t msglen);

fgw_route_status InitFailsRoute(const fgw_route_host *host, const fgw_fax *fax,
				const void *data, size_t len, char *msg, size_t msglen)
{
	(void)host;
	(void)fax;
	(void)data;
	(void)len;
	snprintf(msg, msglen, "never called");
	return FGW_ROUTE_FAIL;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	ext->friendly_name = "faxgw test: init fails";
	host->register_method(host->host, "{00000000-0000-4000-8000-000000000005}",
			      "InitFailsRoute", "Init fails");
	snprintf(err, errlen, "test: the backing service is unavailable");
	return -1;
}
