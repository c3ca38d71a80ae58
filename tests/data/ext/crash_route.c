/*
 * crash_route.c - a valid test extension whose routing function crashes
 * (SIGSEGV): the router must survive it and retry the job.
 */
#include <signal.h>
#include <stdio.h>

#include <faxgw/routing.h>

#define CRASH_GUID "{00000000-0000-4000-8000-000000000004}"

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status CrashRoute(const fgw_route_host *host, const fgw_fax *fax,
			    const void *data, size_t len, char *msg, size_t msglen);

static int crash_accept(const fgw_route_host *host, const char *guid, uint32_t port_id,
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

fgw_route_status CrashRoute(const fgw_route_host *host, const fgw_fax *fax,
			    const void *data, size_t len, char *msg, size_t msglen)
{
	(void)host;
	(void)fax;
	(void)data;
	(void)len;
	(void)msg;
	(void)msglen;
	raise(SIGSEGV);
	return FGW_ROUTE_FAIL;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	if (host->abi_version != FGW_ROUTING_ABI_VERSION) {
		snprintf(err, errlen, "unsupported ABI version %u", (unsigned)host->abi_version);
		return -1;
	}
	ext->friendly_name = "faxgw test: crashing route";
	ext->validate = crash_accept;
	ext->can_enable = crash_accept;
	if (host->register_method(host->host, CRASH_GUID, "CrashRoute", "Crash route") != 0) {
		snprintf(err, errlen, "cannot register");
		return -1;
	}
	return 0;
}
