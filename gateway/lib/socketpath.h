/*
 * socketpath.h - what libfaxgw's connect says about where it looked for
 * the control socket (the lookup itself is fgw_default_socket(), admin.h).
 */
#ifndef FAXGW_LIB_SOCKETPATH_H
#define FAXGW_LIB_SOCKETPATH_H

/* A hint for a failed connect to path: when path is the system socket
 * and the current directory is a checkout whose own faxgwd has run
 * (./var/faxgw.db) but is not running now, the text names
 * ./var/faxgw.sock too; else "".  Static text. */
const char *socketpath_hint(const char *path);

#endif
