/*
 * socketpath.c - where every faxgw client finds the control socket
 * (faxgwctl(8)): -s (the caller's argument), else $FAXGW_SOCKET,
 * else ./var/faxgw.sock when it exists (the embedded default of a
 * checkout), else /run/faxgw/faxgw.sock.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <faxgw/admin.h>

#include "socketpath.h"

#define SOCKETPATH_CHECKOUT "./var/faxgw.sock"
#define SOCKETPATH_SYSTEM "/run/faxgw/faxgw.sock"
#define SOCKETPATH_CHECKOUT_STATE "./var/faxgw.db"

FGW_API const char *fgw_default_socket(void)
{
	const char *env = getenv("FAXGW_SOCKET");
	struct stat st;

	if (env != NULL && env[0] != '\0')
		return env;
	if (stat(SOCKETPATH_CHECKOUT, &st) == 0)
		return SOCKETPATH_CHECKOUT;
	return SOCKETPATH_SYSTEM;
}

const char *socketpath_hint(const char *path)
{
	struct stat st;

	if (path == NULL || strcmp(path, SOCKETPATH_SYSTEM) != 0 ||
	    stat(SOCKETPATH_CHECKOUT_STATE, &st) != 0 || stat(SOCKETPATH_CHECKOUT, &st) == 0)
		return "";
	return "; nor is the faxgwd of this checkout running (no " SOCKETPATH_CHECKOUT ")";
}
