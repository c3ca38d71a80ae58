/*
 * routing_entry.c - the shared entry-symbol work of faxgw's shipped
 * extensions (routing_entry.h).
 */
#include "routing_entry.h"

#include <stdio.h>

int routing_entry_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       const struct routing_entry *e, char *err, size_t errlen)
{
	if (host->abi_version != FGW_ROUTING_ABI_VERSION) {
		snprintf(err, errlen, "routing ABI version %u is not supported (need %u)",
			 (unsigned)host->abi_version, (unsigned)FGW_ROUTING_ABI_VERSION);
		return -1;
	}
	ext->friendly_name = e->friendly_name;
	ext->validate = e->validate;
	ext->can_enable = e->can_enable;
	ext->redact = e->redact;
	if (host->register_method(host->host, e->guid, e->function_name, e->method_name) != 0) {
		snprintf(err, errlen, "cannot register method %s", e->guid);
		return -1;
	}
	return 0;
}
