/*
 * routing_entry.h - the work of faxgw_routing_init() (FGW_ROUTING_ENTRY_NAME)
 * that every single-method extension shipped with faxgw does: check the ABI
 * version, fill in the extension, register its one method (faxgw/routing.h).
 * Extension side only; the loader in faxgwd is gateway/extension.c.
 */
#ifndef FAXGW_ROUTING_ENTRY_H
#define FAXGW_ROUTING_ENTRY_H

#include <stddef.h>
#include <faxgw/routing.h>

struct routing_entry {
	const char *friendly_name;        /* the extension's */
	const char *guid;                 /* the method's */
	const char *function_name;
	const char *method_name;
	fgw_route_validate_fn validate;
	fgw_route_validate_fn can_enable;
	/* Optional (NULL): see fgw_route_extension.redact. */
	int (*redact)(const fgw_route_host *host, const char *guid, const void *data,
		      size_t len, void *out, size_t outcap, size_t *outlen);
};

/* 0, or -1 with a reason in err.  The strings must stay valid while the
 * extension is loaded (literals). */
int routing_entry_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       const struct routing_entry *e, char *err, size_t errlen);

#endif
