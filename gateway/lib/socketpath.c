/*
 * socketpath.c - where every faxgw client finds the control socket
 * (faxgwctl(8)): -s (the caller's argument), else $FAXGW_SOCKET,
 * else ./var/faxgw.sock when it exists (the embedded default of a
 * checkout), else /run/faxgw/faxgw.sock.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include <faxgw/admin.h>

#define SOCKETPATH_CHECKOUT "./var/faxgw.sock"
#define SOCKETPATH_SYSTEM "/run/faxgw/faxgw.sock"

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
