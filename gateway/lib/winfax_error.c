/*
 * winfax_error.c - FGW_E_* -> Win32 errors and the last reason
 * (winfax_error.h).  The Win32 code itself is kept by SetLastError(),
 * in winfax_lasterror.c, so that a Windows-compatibility layer's own
 * SetLastError/GetLastError pair can take its place.
 */
#include "winfax_error.h"

#include <stdio.h>

static _Thread_local char wfx_reason[FGW_MAX_ERROR_TEXT];

/* What the Windows Fax Service gives in the same situation; the
 * references are to Microsoft's winfax.h function pages and [MS-FAX]. */
static const DWORD wfx_errors[] = {
	[-FGW_E_INVAL] = ERROR_INVALID_PARAMETER,
	[-FGW_E_NOMEM] = ERROR_NOT_ENOUGH_MEMORY,
	[-FGW_E_CONNECT] = RPC_S_SERVER_UNAVAILABLE,
	[-FGW_E_PROTOCOL] = RPC_S_PROTOCOL_ERROR,
	[-FGW_E_CLOSED] = RPC_S_CALL_FAILED,
	[-FGW_E_TIMEOUT] = ERROR_TIMEOUT,
	[-FGW_E_ACCESS] = ERROR_ACCESS_DENIED,
	/* [MS-FAX] 3.1.4.1.65 FAX_OpenPort: a port already open for
	 * modification fails with ERROR_INVALID_HANDLE. */
	[-FGW_E_BUSY] = ERROR_INVALID_HANDLE,
	/* FAX_OpenPort: no line for the DeviceId. */
	[-FGW_E_NO_PORT] = ERROR_BAD_UNIT,
	[-FGW_E_NO_METHOD] = ERROR_INVALID_PARAMETER,
	[-FGW_E_BAD_DATA] = ERROR_INVALID_DATA,
	[-FGW_E_NOT_ENABLEABLE] = ERROR_INVALID_DATA,
	[-FGW_E_TOO_BIG] = ERROR_INVALID_PARAMETER,
	[-FGW_E_STORAGE] = ERROR_CANTWRITE,
	[-FGW_E_NO_JOB] = ERROR_NOT_FOUND,
	[-FGW_E_HANDLE] = ERROR_INVALID_HANDLE,
	[-FGW_E_STATE] = ERROR_INVALID_STATE,
	[-FGW_E_INTERNAL] = ERROR_INTERNAL_ERROR,
	[-FGW_E_LIMIT] = RPC_S_SERVER_TOO_BUSY,
};

DWORD wfx_error_map(int code)
{
	if (code == FGW_OK)
		return ERROR_SUCCESS;
	if (code < 0 && (size_t)-code < sizeof(wfx_errors) / sizeof(wfx_errors[0]) &&
	    wfx_errors[-code] != 0)
		return wfx_errors[-code];
	return ERROR_GEN_FAILURE;
}

BOOL wfx_fail(int code, const fgw_handle *h, DWORD err)
{
	const char *reason = fgw_last_error_message(h);

	if (reason == NULL || reason[0] == '\0')
		reason = fgw_strerror(code);
	return wfx_fail_win(err != ERROR_SUCCESS ? err : wfx_error_map(code), reason);
}

BOOL wfx_fail_win(DWORD err, const char *reason)
{
	snprintf(wfx_reason, sizeof(wfx_reason), "%s", reason != NULL ? reason : "");
	SetLastError(err);
	return FALSE;
}

WINFAXAPI LPCSTR WINAPI FaxGetLastErrorMessage(VOID)
{
	return wfx_reason;
}
