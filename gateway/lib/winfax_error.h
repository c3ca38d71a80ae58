/*
 * winfax_error.h - the Win32 side of faxgw/winfax.h's errors: FGW_E_*
 * codes mapped to Win32 error codes, and this thread's last reason for
 * FaxGetLastErrorMessage().
 */
#ifndef FAXGW_LIB_WINFAX_ERROR_H
#define FAXGW_LIB_WINFAX_ERROR_H

#include <faxgw/admin.h>
#include <faxgw/winfax.h>

/* The Win32 error a Windows caller sees for an FGW_E_* code (the table of
 * faxgw-winfax(3)); ERROR_GEN_FAILURE for a code it does not know. */
DWORD wfx_error_map(int code);

/* Records a libfaxgw failure: GetLastError() gives wfx_error_map(code)
 * (or err when err is not ERROR_SUCCESS), FaxGetLastErrorMessage() the
 * reason libfaxgw kept for h (NULL: for the last fgw_connect), or the
 * code's name when there is none.  Returns FALSE. */
BOOL wfx_fail(int code, const fgw_handle *h, DWORD err);

/* Records a failure the layer found itself.  Returns FALSE. */
BOOL wfx_fail_win(DWORD err, const char *reason);

#endif
