/*
 * errors.c - the texts of the FGW_E_* codes (faxgw/admin.h), shared by
 * libfaxgw and faxgwd: the daemon puts them in its replies and log, the
 * library returns them from fgw_strerror().
 */
#include <faxgw/admin.h>

static const char *const fgw_error_texts[] = {
	[0] = "success",
	[-FGW_E_INVAL] = "invalid argument",
	[-FGW_E_NOMEM] = "out of memory",
	[-FGW_E_CONNECT] = "cannot connect to faxgwd",
	[-FGW_E_PROTOCOL] = "protocol error (malformed or incompatible message)",
	[-FGW_E_CLOSED] = "connection to faxgwd closed",
	[-FGW_E_TIMEOUT] = "faxgwd did not answer in time",
	[-FGW_E_ACCESS] = "access denied",
	[-FGW_E_BUSY] = "port busy (open for modification elsewhere)",
	[-FGW_E_NO_PORT] = "no such port",
	[-FGW_E_NO_METHOD] = "no such routing method",
	[-FGW_E_BAD_DATA] = "routing data refused",
	[-FGW_E_NOT_ENABLEABLE] = "routing method cannot be enabled",
	[-FGW_E_TOO_BIG] = "over a size limit",
	[-FGW_E_STORAGE] = "faxgwd could not store the change",
	[-FGW_E_NO_JOB] = "no such job",
	[-FGW_E_HANDLE] = "wrong kind of handle",
	[-FGW_E_STATE] = "not possible in the current state",
	[-FGW_E_INTERNAL] = "internal error in faxgwd",
	[-FGW_E_LIMIT] = "faxgwd refused the connection: too many open",
	[-FGW_E_BAD_DOCUMENT] = "document cannot be sent (not a TIFF-F or PDF fax can carry)",
	[-FGW_E_BAD_ADDRESS] = "destination cannot be dialled",
};

FGW_API const char *fgw_strerror(int code)
{
	if (code > 0 || code < FGW_E_MIN)
		return "unknown error";
	return fgw_error_texts[-code];
}
