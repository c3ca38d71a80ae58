/*
 * faxgw/winfax.h - the Windows fax routing API on faxgw.
 *
 * Declares the names, types and constants of Microsoft's winfax.h that
 * the port and routing API uses (FaxConnectFaxServer, FaxOpenPort,
 * FaxEnumPorts, FaxGetPort, FaxEnumRoutingMethods, FaxGetRoutingInfo,
 * FaxSetRoutingInfo, FaxEnableRoutingMethod, FaxEnumGlobalRoutingInfo,
 * FaxSetGlobalRoutingInfo, FaxFreeBuffer, FaxClose), so that admin code
 * written for the Windows Fax Service compiles and runs against faxgw.
 * Link with -lfaxgw.  faxgw-winfax(3) lists what differs from Windows.
 *
 * The layer is a translation over libfaxgw (faxgw/admin.h): a server
 * handle is a libfaxgw server handle, a port handle a libfaxgw port handle,
 * and every rule (one MODIFY handle per port, who may change what, what
 * routing data an extension accepts) is faxgwd's.
 *
 * Results: BOOL, nonzero on success.  On failure GetLastError() gives the
 * Win32 error code (ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER, ...) and
 * FaxGetLastErrorMessage() faxgwd's or the routing extension's reason.
 * Both are kept per thread; a call that succeeds leaves them alone.
 *
 * Strings: the A forms take and give UTF-8; the W forms UTF-16 in WCHAR,
 * a 16-bit type here as on Windows (not wchar_t), in host byte order.
 * Routing data (FaxGetRoutingInfo, FaxSetRoutingInfo) is text in faxgw:
 * the A forms carry it as a NUL-terminated UTF-8 string, the W forms as a
 * NUL-terminated UTF-16 string; the size given back counts the
 * terminator, a size given in may include it or not.
 *
 * Ownership: every buffer an enum or get call returns is one allocation
 * holding the structures and every string they point to; release it with
 * one FaxFreeBuffer().  It does not depend on the handle: it stays valid
 * after FaxClose().  FaxClose() of a server handle also closes the port
 * handles opened through it; each of those must still be passed to
 * FaxClose() to release it.
 *
 * Threads: a handle must not be used by two threads at once.
 */
#ifndef FAXGW_WINFAX_H
#define FAXGW_WINFAX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define WINFAXAPI __attribute__((visibility("default")))
#else
#define WINFAXAPI
#endif

/* --- Windows base types, unless a Windows-compatibility layer (Wine,
 * MinGW headers, WinPR) already has them. ------------------------------ */
#if !defined(_WINDEF_) && !defined(FAXGW_WINTYPES_DEFINED)
#define FAXGW_WINTYPES_DEFINED 1
#ifndef WINAPI
#define WINAPI
#endif
#ifndef VOID
#define VOID void
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
typedef int BOOL;
typedef uint32_t DWORD;            /* 32 bits, as on Windows (LLP64) */
typedef uint8_t BYTE;
typedef char CHAR;
typedef uint16_t WCHAR;            /* UTF-16 code unit, not wchar_t */
typedef void *HANDLE;
typedef HANDLE *LPHANDLE;
typedef void *LPVOID;
typedef BYTE *LPBYTE;
typedef DWORD *LPDWORD;
typedef CHAR *LPSTR;
typedef const CHAR *LPCSTR;
typedef WCHAR *LPWSTR;
typedef const WCHAR *LPCWSTR;
#ifdef UNICODE
typedef WCHAR TCHAR;
#else
typedef CHAR TCHAR;
#endif
typedef TCHAR *LPTSTR;
typedef const TCHAR *LPCTSTR;
#endif

/* --- Win32 error codes the layer gives (winerror.h values) ----------- */
#ifndef ERROR_SUCCESS
#define ERROR_SUCCESS 0L
#endif
#ifndef ERROR_ACCESS_DENIED
#define ERROR_ACCESS_DENIED 5L
#endif
#ifndef ERROR_INVALID_HANDLE
#define ERROR_INVALID_HANDLE 6L
#endif
#ifndef ERROR_NOT_ENOUGH_MEMORY
#define ERROR_NOT_ENOUGH_MEMORY 8L
#endif
#ifndef ERROR_INVALID_DATA
#define ERROR_INVALID_DATA 13L
#endif
#ifndef ERROR_BAD_UNIT
#define ERROR_BAD_UNIT 20L
#endif
#ifndef ERROR_GEN_FAILURE
#define ERROR_GEN_FAILURE 31L
#endif
#ifndef ERROR_INVALID_PARAMETER
#define ERROR_INVALID_PARAMETER 87L
#endif
#ifndef ERROR_CANTWRITE
#define ERROR_CANTWRITE 1013L
#endif
#ifndef ERROR_NOT_FOUND
#define ERROR_NOT_FOUND 1168L
#endif
#ifndef ERROR_INTERNAL_ERROR
#define ERROR_INTERNAL_ERROR 1359L
#endif
#ifndef ERROR_TIMEOUT
#define ERROR_TIMEOUT 1460L
#endif
#ifndef RPC_S_SERVER_UNAVAILABLE
#define RPC_S_SERVER_UNAVAILABLE 1722L
#endif
#ifndef RPC_S_SERVER_TOO_BUSY
#define RPC_S_SERVER_TOO_BUSY 1723L
#endif
#ifndef RPC_S_CALL_FAILED
#define RPC_S_CALL_FAILED 1726L
#endif
#ifndef RPC_S_PROTOCOL_ERROR
#define RPC_S_PROTOCOL_ERROR 1728L
#endif
#ifndef ERROR_INVALID_STATE
#define ERROR_INVALID_STATE 5023L
#endif

/* --- FaxOpenPort access levels ----------------------------------------- */
#define PORT_OPEN_QUERY  0x00000001
#define PORT_OPEN_MODIFY 0x00000002

/* --- FAX_PORT_INFO.Flags and .State ------------------------------------ */
#define FPF_RECEIVE 0x00000001
#define FPF_SEND    0x00000002
#define FPF_VIRTUAL 0x00000004

#define FPS_DIALING          0x20000001
#define FPS_SENDING          0x20000002
#define FPS_RECEIVING        0x20000004
#define FPS_COMPLETED        0x20000008
#define FPS_HANDLED          0x20000010
#define FPS_UNAVAILABLE      0x20000020
#define FPS_BUSY             0x20000040
#define FPS_NO_ANSWER        0x20000080
#define FPS_BAD_ADDRESS      0x20000100
#define FPS_NO_DIAL_TONE     0x20000200
#define FPS_DISCONNECTED     0x20000400
#define FPS_FATAL_ERROR      0x20000800
#define FPS_NOT_FAX_CALL     0x20001000
#define FPS_CALL_DELAYED     0x20002000
#define FPS_CALL_BLACKLISTED 0x20004000
#define FPS_INITIALIZING     0x20008000
#define FPS_OFFLINE          0x20010000
#define FPS_RINGING          0x20020000
#define FPS_AVAILABLE        0x20100000
#define FPS_ABORTING         0x20200000
#define FPS_ROUTING          0x20400000
#define FPS_ANSWERED         0x20800000

/* --- structures (field names, order and meaning as Microsoft's) ------- */

/* FaxEnumPorts, FaxGetPort.  DeviceId: the faxgw port id (faxgwctl
 * ports, FAXGW-MIB faxPortIndex); State: FPS_AVAILABLE (idle),
 * FPS_RECEIVING, FPS_SENDING, FPS_OFFLINE (disabled), FPS_UNAVAILABLE
 * (failed); Flags: FPF_RECEIVE; Rings: 0 (no rings on T.38 or RTP);
 * Priority: the DeviceId; Tsid and Csid: the port's local identity. */
typedef struct _FAX_PORT_INFOA {
	DWORD SizeOfStruct;
	DWORD DeviceId;
	DWORD State;
	DWORD Flags;
	DWORD Rings;
	DWORD Priority;
	LPCSTR DeviceName;
	LPCSTR Tsid;
	LPCSTR Csid;
} FAX_PORT_INFOA, *PFAX_PORT_INFOA;

typedef struct _FAX_PORT_INFOW {
	DWORD SizeOfStruct;
	DWORD DeviceId;
	DWORD State;
	DWORD Flags;
	DWORD Rings;
	DWORD Priority;
	LPCWSTR DeviceName;
	LPCWSTR Tsid;
	LPCWSTR Csid;
} FAX_PORT_INFOW, *PFAX_PORT_INFOW;

/* FaxEnumRoutingMethods.  ExtensionImageName is the path of the
 * extension's .so. */
typedef struct _FAX_ROUTING_METHODA {
	DWORD SizeOfStruct;
	DWORD DeviceId;
	BOOL Enabled;
	LPCSTR DeviceName;
	LPCSTR Guid;
	LPCSTR FriendlyName;
	LPCSTR FunctionName;
	LPCSTR ExtensionImageName;
	LPCSTR ExtensionFriendlyName;
} FAX_ROUTING_METHODA, *PFAX_ROUTING_METHODA;

typedef struct _FAX_ROUTING_METHODW {
	DWORD SizeOfStruct;
	DWORD DeviceId;
	BOOL Enabled;
	LPCWSTR DeviceName;
	LPCWSTR Guid;
	LPCWSTR FriendlyName;
	LPCWSTR FunctionName;
	LPCWSTR ExtensionImageName;
	LPCWSTR ExtensionFriendlyName;
} FAX_ROUTING_METHODW, *PFAX_ROUTING_METHODW;

/* FaxEnumGlobalRoutingInfo, FaxSetGlobalRoutingInfo (which changes
 * Priority only; SizeOfStruct must be set). */
typedef struct _FAX_GLOBAL_ROUTING_INFOA {
	DWORD SizeOfStruct;
	DWORD Priority;
	LPCSTR Guid;
	LPCSTR FriendlyName;
	LPCSTR FunctionName;
	LPCSTR ExtensionImageName;
	LPCSTR ExtensionFriendlyName;
} FAX_GLOBAL_ROUTING_INFOA, *PFAX_GLOBAL_ROUTING_INFOA;

typedef struct _FAX_GLOBAL_ROUTING_INFOW {
	DWORD SizeOfStruct;
	DWORD Priority;
	LPCWSTR Guid;
	LPCWSTR FriendlyName;
	LPCWSTR FunctionName;
	LPCWSTR ExtensionImageName;
	LPCWSTR ExtensionFriendlyName;
} FAX_GLOBAL_ROUTING_INFOW, *PFAX_GLOBAL_ROUTING_INFOW;

/* --- functions ------------------------------------------------------------ */

/* MachineName NULL or "": the local faxgwd (libfaxgw's default socket:
 * $FAXGW_SOCKET, ./var/faxgw.sock, /run/faxgw/faxgw.sock).  A name with a
 * '/' is the path of a faxgwd control socket.  Any other name (a remote
 * machine) fails with RPC_S_SERVER_UNAVAILABLE: faxgw has no RPC. */
WINFAXAPI BOOL WINAPI FaxConnectFaxServerA(LPCSTR MachineName, LPHANDLE FaxHandle);
WINFAXAPI BOOL WINAPI FaxConnectFaxServerW(LPCWSTR MachineName, LPHANDLE FaxHandle);
/* A server or port handle.  NULL fails with ERROR_INVALID_HANDLE. */
WINFAXAPI BOOL WINAPI FaxClose(HANDLE FaxHandle);
/* Flags: PORT_OPEN_QUERY, PORT_OPEN_MODIFY (or both: MODIFY).  A second
 * MODIFY handle on a port fails with ERROR_INVALID_HANDLE, as Windows's
 * fax service does ([MS-FAX] 3.1.4.1.65). */
WINFAXAPI BOOL WINAPI FaxOpenPort(HANDLE FaxHandle, DWORD DeviceId, DWORD Flags,
                                  LPHANDLE FaxPortHandle);
/* Frees a buffer of a FaxEnum* or FaxGet* call.  NULL is fine. */
WINFAXAPI VOID WINAPI FaxFreeBuffer(LPVOID Buffer);

WINFAXAPI BOOL WINAPI FaxEnumPortsA(HANDLE FaxHandle, PFAX_PORT_INFOA *PortInfo,
                                    LPDWORD PortsReturned);
WINFAXAPI BOOL WINAPI FaxEnumPortsW(HANDLE FaxHandle, PFAX_PORT_INFOW *PortInfo,
                                    LPDWORD PortsReturned);
WINFAXAPI BOOL WINAPI FaxGetPortA(HANDLE FaxPortHandle, PFAX_PORT_INFOA *PortInfo);
WINFAXAPI BOOL WINAPI FaxGetPortW(HANDLE FaxPortHandle, PFAX_PORT_INFOW *PortInfo);

WINFAXAPI BOOL WINAPI FaxEnumRoutingMethodsA(HANDLE FaxPortHandle,
                                             PFAX_ROUTING_METHODA *RoutingMethod,
                                             LPDWORD MethodsReturned);
WINFAXAPI BOOL WINAPI FaxEnumRoutingMethodsW(HANDLE FaxPortHandle,
                                             PFAX_ROUTING_METHODW *RoutingMethod,
                                             LPDWORD MethodsReturned);
WINFAXAPI BOOL WINAPI FaxGetRoutingInfoA(HANDLE FaxPortHandle, LPCSTR RoutingGuid,
                                         LPBYTE *RoutingInfoBuffer,
                                         LPDWORD RoutingInfoBufferSize);
WINFAXAPI BOOL WINAPI FaxGetRoutingInfoW(HANDLE FaxPortHandle, LPCWSTR RoutingGuid,
                                         LPBYTE *RoutingInfoBuffer,
                                         LPDWORD RoutingInfoBufferSize);
/* Needs a PORT_OPEN_MODIFY handle (else ERROR_ACCESS_DENIED); the
 * extension checks the data first (ERROR_INVALID_DATA with its reason). */
WINFAXAPI BOOL WINAPI FaxSetRoutingInfoA(HANDLE FaxPortHandle, LPCSTR RoutingGuid,
                                         const BYTE *RoutingInfoBuffer,
                                         DWORD RoutingInfoBufferSize);
WINFAXAPI BOOL WINAPI FaxSetRoutingInfoW(HANDLE FaxPortHandle, LPCWSTR RoutingGuid,
                                         const BYTE *RoutingInfoBuffer,
                                         DWORD RoutingInfoBufferSize);
WINFAXAPI BOOL WINAPI FaxEnableRoutingMethodA(HANDLE FaxPortHandle, LPCSTR RoutingGuid,
                                              BOOL Enabled);
WINFAXAPI BOOL WINAPI FaxEnableRoutingMethodW(HANDLE FaxPortHandle, LPCWSTR RoutingGuid,
                                              BOOL Enabled);

WINFAXAPI BOOL WINAPI FaxEnumGlobalRoutingInfoA(HANDLE FaxHandle,
                                                PFAX_GLOBAL_ROUTING_INFOA *RoutingInfo,
                                                LPDWORD MethodsReturned);
WINFAXAPI BOOL WINAPI FaxEnumGlobalRoutingInfoW(HANDLE FaxHandle,
                                                PFAX_GLOBAL_ROUTING_INFOW *RoutingInfo,
                                                LPDWORD MethodsReturned);
WINFAXAPI BOOL WINAPI FaxSetGlobalRoutingInfoA(HANDLE FaxHandle,
                                               const FAX_GLOBAL_ROUTING_INFOA *RoutingInfo);
WINFAXAPI BOOL WINAPI FaxSetGlobalRoutingInfoW(HANDLE FaxHandle,
                                               const FAX_GLOBAL_ROUTING_INFOW *RoutingInfo);

/* faxgw's addition: the reason that came with this thread's last failure
 * (UTF-8; "" if there was none).  Valid until the thread's next failing
 * Fax* call. */
WINFAXAPI LPCSTR WINAPI FaxGetLastErrorMessage(VOID);

/* This thread's last error.  Not declared where a Windows-compatibility
 * layer has them already (_WINBASE_, or FAXGW_NO_LASTERROR defined): the
 * layer sets the error through SetLastError(), so the compatibility
 * layer's own pair, when it is the one linked, sees it too. */
#if !defined(_WINBASE_) && !defined(FAXGW_NO_LASTERROR)
WINFAXAPI DWORD WINAPI GetLastError(VOID);
WINFAXAPI VOID WINAPI SetLastError(DWORD dwErrCode);
#endif

#ifdef UNICODE
#define FaxConnectFaxServer      FaxConnectFaxServerW
#define FaxEnumPorts             FaxEnumPortsW
#define FaxGetPort               FaxGetPortW
#define FaxEnumRoutingMethods    FaxEnumRoutingMethodsW
#define FaxGetRoutingInfo        FaxGetRoutingInfoW
#define FaxSetRoutingInfo        FaxSetRoutingInfoW
#define FaxEnableRoutingMethod   FaxEnableRoutingMethodW
#define FaxEnumGlobalRoutingInfo FaxEnumGlobalRoutingInfoW
#define FaxSetGlobalRoutingInfo  FaxSetGlobalRoutingInfoW
typedef FAX_PORT_INFOW FAX_PORT_INFO;
typedef PFAX_PORT_INFOW PFAX_PORT_INFO;
typedef FAX_ROUTING_METHODW FAX_ROUTING_METHOD;
typedef PFAX_ROUTING_METHODW PFAX_ROUTING_METHOD;
typedef FAX_GLOBAL_ROUTING_INFOW FAX_GLOBAL_ROUTING_INFO;
typedef PFAX_GLOBAL_ROUTING_INFOW PFAX_GLOBAL_ROUTING_INFO;
#else
#define FaxConnectFaxServer      FaxConnectFaxServerA
#define FaxEnumPorts             FaxEnumPortsA
#define FaxGetPort               FaxGetPortA
#define FaxEnumRoutingMethods    FaxEnumRoutingMethodsA
#define FaxGetRoutingInfo        FaxGetRoutingInfoA
#define FaxSetRoutingInfo        FaxSetRoutingInfoA
#define FaxEnableRoutingMethod   FaxEnableRoutingMethodA
#define FaxEnumGlobalRoutingInfo FaxEnumGlobalRoutingInfoA
#define FaxSetGlobalRoutingInfo  FaxSetGlobalRoutingInfoA
typedef FAX_PORT_INFOA FAX_PORT_INFO;
typedef PFAX_PORT_INFOA PFAX_PORT_INFO;
typedef FAX_ROUTING_METHODA FAX_ROUTING_METHOD;
typedef PFAX_ROUTING_METHODA PFAX_ROUTING_METHOD;
typedef FAX_GLOBAL_ROUTING_INFOA FAX_GLOBAL_ROUTING_INFO;
typedef PFAX_GLOBAL_ROUTING_INFOA PFAX_GLOBAL_ROUTING_INFO;
#endif

#ifdef __cplusplus
}
#endif
#endif
