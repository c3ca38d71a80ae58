/*
 * winfax_lasterror.c - GetLastError()/SetLastError() of faxgw/winfax.h:
 * one Win32 error code per thread.
 *
 * A file of its own: a program that links a Windows-compatibility layer
 * with its own pair does not pull this object out of libfaxgw.a; with
 * libfaxgw.so, the dynamic linker binds the program and the winfax layer
 * to the same pair (whichever it finds first), so what the layer sets is
 * what the program reads.
 */
#include <faxgw/winfax.h>

static _Thread_local DWORD wfx_last_error;

WINFAXAPI DWORD WINAPI GetLastError(VOID)
{
	return wfx_last_error;
}

WINFAXAPI VOID WINAPI SetLastError(DWORD dwErrCode)
{
	wfx_last_error = dwErrCode;
}
