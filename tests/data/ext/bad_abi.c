/*
 * bad_abi.c - a test extension built for another routing ABI version: it
 * refuses the host's version.
 */
#include <stdio.h>

#include <faxgw/routing.h>

#define BAD_ABI_WANTS (FGW_ROUTING_ABI_VERSION + 1u)

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	(void)ext;
	if (host->abi_version != BAD_ABI_WANTS) {
		snprintf(err, errlen, "routing ABI version %u is not supported (need %u)",
			 (unsigned)host->abi_version, (unsigned)BAD_ABI_WANTS);
		return -1;
	}
	return 0;
}
