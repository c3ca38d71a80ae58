/*
 * ext_entry.h - the entry-symbol work every single-method extension shipped
 * with faxgw does: check the ABI version, fill in the extension, register
 * its one method (faxgw/routing.h).
 */
#ifndef FAXGW_EXT_ENTRY_H
#define FAXGW_EXT_ENTRY_H

#include <stddef.h>
#include <faxgw/routing.h>

struct ext_entry {
	const char *friendly_name;        /* the extension's */
	const char *guid;                 /* the method's */
	const char *function_name;
	const char *method_name;
	fgw_route_validate_fn validate;
	fgw_route_validate_fn can_enable;
};

/* 0, or -1 with a reason in err.  The strings must stay valid while the
 * extension is loaded (literals). */
int ext_entry_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		   const struct ext_entry *e, char *err, size_t errlen);

#endif
