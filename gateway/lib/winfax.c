/*
 * winfax.c - the Windows fax routing API (faxgw/winfax.h) as a
 * translation over libfaxgw (faxgw/admin.h).
 *
 * A HANDLE is the fgw_handle itself; every rule is faxgwd's, every call
 * one libfaxgw call.  What the layer adds: the Win32 error codes, the
 * Windows structures in one block per buffer, and UTF-16 for the W forms
 * (each W function converts its strings and calls the A path).
 */
#include <stdlib.h>
#include <string.h>

#include <faxgw/admin.h>
#include <faxgw/winfax.h>

#include "winfax_block.h"
#include "winfax_error.h"

#define WFX_BAD_GUID "RoutingGuid is not UTF-16 (an unpaired surrogate)"

static fgw_handle *wfx_h(HANDLE h)
{
	return (fgw_handle *)h;
}

static BOOL wfx_no_handle(void)
{
	return wfx_fail_win(ERROR_INVALID_HANDLE, "no handle given");
}

static BOOL wfx_no_out(const char *what)
{
	return wfx_fail_win(ERROR_INVALID_PARAMETER, what);
}

/* --- connect, open, close, free -------------------------------------------- */

static BOOL wfx_connect(const char *name, LPHANDLE out)
{
	fgw_handle *h = NULL;
	int rc;

	if (out == NULL)
		return wfx_no_out("FaxHandle is NULL");
	*out = NULL;
	if (name != NULL && name[0] == '\0')
		name = NULL;
	if (name != NULL && strchr(name, '/') == NULL)
		return wfx_fail_win(RPC_S_SERVER_UNAVAILABLE,
				    "faxgw reaches no remote machine: give NULL for the local "
				    "gateway or the path of a control socket");
	rc = fgw_connect(name, &h);
	/* Busy at connect time is faxgwd's connection limit, not a port. */
	if (rc != 0)
		return wfx_fail(rc, NULL, rc == FGW_E_BUSY ? RPC_S_SERVER_TOO_BUSY : ERROR_SUCCESS);
	*out = h;
	return TRUE;
}

WINFAXAPI BOOL WINAPI FaxConnectFaxServerA(LPCSTR MachineName, LPHANDLE FaxHandle)
{
	return wfx_connect(MachineName, FaxHandle);
}

WINFAXAPI BOOL WINAPI FaxConnectFaxServerW(LPCWSTR MachineName, LPHANDLE FaxHandle)
{
	char *name;
	BOOL ok;

	if (FaxHandle != NULL)
		*FaxHandle = NULL;
	if (!wfx_wide_in(MachineName, "MachineName is not UTF-16 (an unpaired surrogate)",
			 &name))
		return FALSE;
	ok = wfx_connect(name, FaxHandle);
	free(name);
	return ok;
}

WINFAXAPI BOOL WINAPI FaxClose(HANDLE FaxHandle)
{
	if (FaxHandle == NULL)
		return wfx_no_handle();
	int rc = fgw_close(wfx_h(FaxHandle));
	return rc == 0 ? TRUE : wfx_fail(rc, NULL, ERROR_SUCCESS);
}

WINFAXAPI BOOL WINAPI FaxOpenPort(HANDLE FaxHandle, DWORD DeviceId, DWORD Flags,
                                  LPHANDLE FaxPortHandle)
{
	fgw_handle *port = NULL;
	int flags, rc;

	if (FaxPortHandle == NULL)
		return wfx_no_out("FaxPortHandle is NULL");
	*FaxPortHandle = NULL;
	if (FaxHandle == NULL)
		return wfx_no_handle();
	if ((Flags & ~(DWORD)(PORT_OPEN_QUERY | PORT_OPEN_MODIFY)) != 0 || Flags == 0)
		return wfx_fail_win(ERROR_INVALID_PARAMETER,
				    "Flags must be PORT_OPEN_QUERY and/or PORT_OPEN_MODIFY");
	flags = (Flags & PORT_OPEN_MODIFY) ? FGW_PORT_OPEN_MODIFY : FGW_PORT_OPEN_QUERY;
	rc = fgw_open_port(wfx_h(FaxHandle), DeviceId, flags, &port);
	if (rc != 0)
		return wfx_fail(rc, wfx_h(FaxHandle), ERROR_SUCCESS);
	*FaxPortHandle = port;
	return TRUE;
}

WINFAXAPI VOID WINAPI FaxFreeBuffer(LPVOID Buffer)
{
	fgw_free_buffer(Buffer);
}

/* --- the fill functions: one body for the A and the W structure -------- */

/* FAXGW-MIB faxPortState -> FPS_*. */
static DWORD wfx_port_state(fgw_port_state s)
{
	switch (s) {
	case FGW_PORT_IDLE: return FPS_AVAILABLE;
	case FGW_PORT_RECEIVING: return FPS_RECEIVING;
	case FGW_PORT_SENDING: return FPS_SENDING;
	case FGW_PORT_DISABLED: return FPS_OFFLINE;
	default: return FPS_UNAVAILABLE;
	}
}

#define WFX_FILL_PORT(NAME, T)                                                   \
	static void NAME(struct wfx_block *b, void *elem, const void *src, size_t i) \
	{                                                                            \
		const fgw_port_info *p = (const fgw_port_info *)src + i;             \
		T *o = elem;                                                         \
		o->SizeOfStruct = sizeof(*o);                                        \
		o->DeviceId = p->id;                                                 \
		o->State = wfx_port_state(p->state);                                 \
		o->Flags = FPF_RECEIVE;                                              \
		o->Rings = 0;                                                        \
		o->Priority = p->id;                                                 \
		o->DeviceName = wfx_block_str(b, p->name);                           \
		o->Tsid = wfx_block_str(b, p->local_ident);                          \
		o->Csid = wfx_block_str(b, p->local_ident);                          \
	}
WFX_FILL_PORT(wfx_fill_port_a, FAX_PORT_INFOA)
WFX_FILL_PORT(wfx_fill_port_w, FAX_PORT_INFOW)

#define WFX_FILL_METHOD(NAME, T)                                                 \
	static void NAME(struct wfx_block *b, void *elem, const void *src, size_t i) \
	{                                                                            \
		const fgw_routing_method *m = (const fgw_routing_method *)src + i;   \
		T *o = elem;                                                         \
		o->SizeOfStruct = sizeof(*o);                                        \
		o->DeviceId = m->device_id;                                          \
		o->Enabled = m->enabled ? TRUE : FALSE;                              \
		o->DeviceName = wfx_block_str(b, m->device_name);                    \
		o->Guid = wfx_block_str(b, m->guid);                                 \
		o->FriendlyName = wfx_block_str(b, m->friendly_name);                \
		o->FunctionName = wfx_block_str(b, m->function_name);                \
		o->ExtensionImageName = wfx_block_str(b, m->extension_image_name);   \
		o->ExtensionFriendlyName = wfx_block_str(b, m->extension_friendly_name); \
	}
WFX_FILL_METHOD(wfx_fill_method_a, FAX_ROUTING_METHODA)
WFX_FILL_METHOD(wfx_fill_method_w, FAX_ROUTING_METHODW)

#define WFX_FILL_GLOBAL(NAME, T)                                                 \
	static void NAME(struct wfx_block *b, void *elem, const void *src, size_t i) \
	{                                                                            \
		const fgw_global_routing_info *g = (const fgw_global_routing_info *)src + i; \
		T *o = elem;                                                         \
		o->SizeOfStruct = sizeof(*o);                                        \
		o->Priority = g->priority;                                           \
		o->Guid = wfx_block_str(b, g->guid);                                 \
		o->FriendlyName = wfx_block_str(b, g->friendly_name);                \
		o->FunctionName = wfx_block_str(b, g->function_name);                \
		o->ExtensionImageName = wfx_block_str(b, g->extension_image_name);   \
		o->ExtensionFriendlyName = wfx_block_str(b, g->extension_friendly_name); \
	}
WFX_FILL_GLOBAL(wfx_fill_global_a, FAX_GLOBAL_ROUTING_INFOA)
WFX_FILL_GLOBAL(wfx_fill_global_w, FAX_GLOBAL_ROUTING_INFOW)

/* Turns a libfaxgw list (rc, list, n) into the caller's block: the list
 * is freed either way. */
static BOOL wfx_give(int rc, fgw_handle *h, void *list, size_t n, size_t elem_size,
                     bool wide, wfx_fill_fn *fill, void **out, LPDWORD count)
{
	BOOL ok;

	if (rc != 0)
		return wfx_fail(rc, h, ERROR_SUCCESS);
	if (n > UINT32_MAX) {
		fgw_free_buffer(list);
		return wfx_fail_win(ERROR_INVALID_DATA, "too many entries");
	}
	ok = wfx_block_build(n, elem_size, wide, fill, list, out);
	fgw_free_buffer(list);
	if (ok && count != NULL)
		*count = (DWORD)n;
	return ok;
}

/* --- ports -------------------------------------------------------------------- */

static BOOL wfx_enum_ports(HANDLE h, void **out, LPDWORD count, bool wide)
{
	fgw_port_info *ports = NULL;
	size_t n = 0;

	if (count == NULL)
		return wfx_no_out("PortsReturned is NULL");
	*count = 0;
	if (h == NULL)
		return wfx_no_handle();
	int rc = fgw_enum_ports(wfx_h(h), &ports, &n);
	return wfx_give(rc, wfx_h(h), ports, n,
			wide ? sizeof(FAX_PORT_INFOW) : sizeof(FAX_PORT_INFOA), wide,
			wide ? wfx_fill_port_w : wfx_fill_port_a, out, count);
}

WINFAXAPI BOOL WINAPI FaxEnumPortsA(HANDLE FaxHandle, PFAX_PORT_INFOA *PortInfo,
                                    LPDWORD PortsReturned)
{
	void *buf = NULL;
	BOOL ok;

	if (PortInfo == NULL)
		return wfx_no_out("PortInfo is NULL");
	ok = wfx_enum_ports(FaxHandle, &buf, PortsReturned, false);
	*PortInfo = buf;
	return ok;
}

WINFAXAPI BOOL WINAPI FaxEnumPortsW(HANDLE FaxHandle, PFAX_PORT_INFOW *PortInfo,
                                    LPDWORD PortsReturned)
{
	void *buf = NULL;
	BOOL ok;

	if (PortInfo == NULL)
		return wfx_no_out("PortInfo is NULL");
	ok = wfx_enum_ports(FaxHandle, &buf, PortsReturned, true);
	*PortInfo = buf;
	return ok;
}

static BOOL wfx_get_port(HANDLE h, void **out, bool wide)
{
	fgw_port_info *info = NULL;

	if (h == NULL)
		return wfx_no_handle();
	int rc = fgw_get_port(wfx_h(h), &info);
	return wfx_give(rc, wfx_h(h), info, 1,
			wide ? sizeof(FAX_PORT_INFOW) : sizeof(FAX_PORT_INFOA), wide,
			wide ? wfx_fill_port_w : wfx_fill_port_a, out, NULL);
}

WINFAXAPI BOOL WINAPI FaxGetPortA(HANDLE FaxPortHandle, PFAX_PORT_INFOA *PortInfo)
{
	void *buf = NULL;
	BOOL ok;

	if (PortInfo == NULL)
		return wfx_no_out("PortInfo is NULL");
	ok = wfx_get_port(FaxPortHandle, &buf, false);
	*PortInfo = buf;
	return ok;
}

WINFAXAPI BOOL WINAPI FaxGetPortW(HANDLE FaxPortHandle, PFAX_PORT_INFOW *PortInfo)
{
	void *buf = NULL;
	BOOL ok;

	if (PortInfo == NULL)
		return wfx_no_out("PortInfo is NULL");
	ok = wfx_get_port(FaxPortHandle, &buf, true);
	*PortInfo = buf;
	return ok;
}

/* --- routing methods ------------------------------------------------------- */

static BOOL wfx_enum_methods(HANDLE h, void **out, LPDWORD count, bool wide)
{
	fgw_routing_method *methods = NULL;
	size_t n = 0;

	if (count == NULL)
		return wfx_no_out("MethodsReturned is NULL");
	*count = 0;
	if (h == NULL)
		return wfx_no_handle();
	int rc = fgw_enum_routing_methods(wfx_h(h), &methods, &n);
	return wfx_give(rc, wfx_h(h), methods, n,
			wide ? sizeof(FAX_ROUTING_METHODW) : sizeof(FAX_ROUTING_METHODA), wide,
			wide ? wfx_fill_method_w : wfx_fill_method_a, out, count);
}

WINFAXAPI BOOL WINAPI FaxEnumRoutingMethodsA(HANDLE FaxPortHandle,
                                             PFAX_ROUTING_METHODA *RoutingMethod,
                                             LPDWORD MethodsReturned)
{
	void *buf = NULL;
	BOOL ok;

	if (RoutingMethod == NULL)
		return wfx_no_out("RoutingMethod is NULL");
	ok = wfx_enum_methods(FaxPortHandle, &buf, MethodsReturned, false);
	*RoutingMethod = buf;
	return ok;
}

WINFAXAPI BOOL WINAPI FaxEnumRoutingMethodsW(HANDLE FaxPortHandle,
                                             PFAX_ROUTING_METHODW *RoutingMethod,
                                             LPDWORD MethodsReturned)
{
	void *buf = NULL;
	BOOL ok;

	if (RoutingMethod == NULL)
		return wfx_no_out("RoutingMethod is NULL");
	ok = wfx_enum_methods(FaxPortHandle, &buf, MethodsReturned, true);
	*RoutingMethod = buf;
	return ok;
}

/* The common checks of the calls that name a routing method on a port. */
static BOOL wfx_port_guid_ok(HANDLE h, const void *guid)
{
	if (h == NULL)
		return wfx_no_handle();
	if (guid == NULL)
		return wfx_fail_win(ERROR_INVALID_PARAMETER, "RoutingGuid is NULL");
	return TRUE;
}

/* A form: the data as libfaxgw gives it (NUL-terminated UTF-8, one
 * block), the size counting the NUL; W form: converted to UTF-16. */
static BOOL wfx_get_out_ok(LPBYTE *out, LPDWORD size)
{
	if (out == NULL || size == NULL)
		return wfx_no_out("RoutingInfoBuffer or RoutingInfoBufferSize is NULL");
	*out = NULL;
	*size = 0;
	return TRUE;
}

static BOOL wfx_get_routing(HANDLE h, const char *guid, LPBYTE *out, LPDWORD size, bool wide)
{
	void *data = NULL;
	size_t len = 0;
	BOOL ok = TRUE;
	int rc = fgw_get_routing_info(wfx_h(h), guid, &data, &len);

	if (rc != 0)
		return wfx_fail(rc, wfx_h(h), ERROR_SUCCESS);
	if (wide) {
		ok = wfx_data_out_wide(data, len, out, size);
		fgw_free_buffer(data);
	} else {
		*out = data;
		*size = (DWORD)(len + 1);
	}
	return ok;
}

WINFAXAPI BOOL WINAPI FaxGetRoutingInfoA(HANDLE FaxPortHandle, LPCSTR RoutingGuid,
                                         LPBYTE *RoutingInfoBuffer,
                                         LPDWORD RoutingInfoBufferSize)
{
	if (!wfx_get_out_ok(RoutingInfoBuffer, RoutingInfoBufferSize) ||
	    !wfx_port_guid_ok(FaxPortHandle, RoutingGuid))
		return FALSE;
	return wfx_get_routing(FaxPortHandle, RoutingGuid, RoutingInfoBuffer,
			       RoutingInfoBufferSize, false);
}

WINFAXAPI BOOL WINAPI FaxGetRoutingInfoW(HANDLE FaxPortHandle, LPCWSTR RoutingGuid,
                                         LPBYTE *RoutingInfoBuffer,
                                         LPDWORD RoutingInfoBufferSize)
{
	char *guid;
	BOOL ok;

	if (!wfx_get_out_ok(RoutingInfoBuffer, RoutingInfoBufferSize) ||
	    !wfx_port_guid_ok(FaxPortHandle, RoutingGuid) ||
	    !wfx_wide_in(RoutingGuid, WFX_BAD_GUID, &guid))
		return FALSE;
	ok = wfx_get_routing(FaxPortHandle, guid, RoutingInfoBuffer, RoutingInfoBufferSize, true);
	free(guid);
	return ok;
}

/* data/len: UTF-8, a final NUL already dropped. */
static BOOL wfx_set_routing(HANDLE h, const char *guid, const void *data, size_t len)
{
	int rc = fgw_set_routing_info(wfx_h(h), guid, len > 0 ? data : "", len);

	return rc == 0 ? TRUE : wfx_fail(rc, wfx_h(h), ERROR_SUCCESS);
}

WINFAXAPI BOOL WINAPI FaxSetRoutingInfoA(HANDLE FaxPortHandle, LPCSTR RoutingGuid,
                                         const BYTE *RoutingInfoBuffer,
                                         DWORD RoutingInfoBufferSize)
{
	size_t len = RoutingInfoBufferSize;

	if (!wfx_port_guid_ok(FaxPortHandle, RoutingGuid))
		return FALSE;
	if (RoutingInfoBuffer == NULL)
		return wfx_no_out("RoutingInfoBuffer is NULL");
	if (len > 0 && RoutingInfoBuffer[len - 1] == 0)
		len--;
	return wfx_set_routing(FaxPortHandle, RoutingGuid, RoutingInfoBuffer, len);
}

WINFAXAPI BOOL WINAPI FaxSetRoutingInfoW(HANDLE FaxPortHandle, LPCWSTR RoutingGuid,
                                         const BYTE *RoutingInfoBuffer,
                                         DWORD RoutingInfoBufferSize)
{
	char *guid = NULL, *data = NULL;
	size_t len = 0;
	BOOL ok;

	if (!wfx_port_guid_ok(FaxPortHandle, RoutingGuid))
		return FALSE;
	if (RoutingInfoBuffer == NULL)
		return wfx_no_out("RoutingInfoBuffer is NULL");
	ok = wfx_wide_in(RoutingGuid, WFX_BAD_GUID, &guid) &&
	     wfx_data_in_wide(RoutingInfoBuffer, RoutingInfoBufferSize, &data, &len) &&
	     wfx_set_routing(FaxPortHandle, guid, data, len);
	free(guid);
	free(data);
	return ok;
}

WINFAXAPI BOOL WINAPI FaxEnableRoutingMethodA(HANDLE FaxPortHandle, LPCSTR RoutingGuid,
                                              BOOL Enabled)
{
	if (!wfx_port_guid_ok(FaxPortHandle, RoutingGuid))
		return FALSE;
	int rc = fgw_enable_routing_method(wfx_h(FaxPortHandle), RoutingGuid, Enabled != FALSE);
	return rc == 0 ? TRUE : wfx_fail(rc, wfx_h(FaxPortHandle), ERROR_SUCCESS);
}

WINFAXAPI BOOL WINAPI FaxEnableRoutingMethodW(HANDLE FaxPortHandle, LPCWSTR RoutingGuid,
                                              BOOL Enabled)
{
	char *guid;
	BOOL ok;

	if (!wfx_port_guid_ok(FaxPortHandle, RoutingGuid) ||
	    !wfx_wide_in(RoutingGuid, WFX_BAD_GUID, &guid))
		return FALSE;
	ok = FaxEnableRoutingMethodA(FaxPortHandle, guid, Enabled);
	free(guid);
	return ok;
}

/* --- global routing information --------------------------------------- */

static BOOL wfx_enum_global(HANDLE h, void **out, LPDWORD count, bool wide)
{
	fgw_global_routing_info *info = NULL;
	size_t n = 0;

	if (count == NULL)
		return wfx_no_out("MethodsReturned is NULL");
	*count = 0;
	if (h == NULL)
		return wfx_no_handle();
	int rc = fgw_enum_global_routing_info(wfx_h(h), &info, &n);
	return wfx_give(rc, wfx_h(h), info, n,
			wide ? sizeof(FAX_GLOBAL_ROUTING_INFOW) : sizeof(FAX_GLOBAL_ROUTING_INFOA),
			wide, wide ? wfx_fill_global_w : wfx_fill_global_a, out, count);
}

WINFAXAPI BOOL WINAPI FaxEnumGlobalRoutingInfoA(HANDLE FaxHandle,
                                                PFAX_GLOBAL_ROUTING_INFOA *RoutingInfo,
                                                LPDWORD MethodsReturned)
{
	void *buf = NULL;
	BOOL ok;

	if (RoutingInfo == NULL)
		return wfx_no_out("RoutingInfo is NULL");
	ok = wfx_enum_global(FaxHandle, &buf, MethodsReturned, false);
	*RoutingInfo = buf;
	return ok;
}

WINFAXAPI BOOL WINAPI FaxEnumGlobalRoutingInfoW(HANDLE FaxHandle,
                                                PFAX_GLOBAL_ROUTING_INFOW *RoutingInfo,
                                                LPDWORD MethodsReturned)
{
	void *buf = NULL;
	BOOL ok;

	if (RoutingInfo == NULL)
		return wfx_no_out("RoutingInfo is NULL");
	ok = wfx_enum_global(FaxHandle, &buf, MethodsReturned, true);
	*RoutingInfo = buf;
	return ok;
}

/* Only the priority changes, as on Windows.  An unknown Guid gives
 * ERROR_INVALID_DATA here, as Microsoft documents for this function. */
static BOOL wfx_set_global(HANDLE h, DWORD size, DWORD want, DWORD priority, const char *guid)
{
	fgw_global_routing_info info = { .priority = priority, .guid = guid };
	int rc;

	if (size != want)
		return wfx_fail_win(ERROR_INVALID_PARAMETER,
				    "SizeOfStruct is not sizeof(FAX_GLOBAL_ROUTING_INFO)");
	if (guid == NULL)
		return wfx_fail_win(ERROR_INVALID_PARAMETER, "Guid is NULL");
	rc = fgw_set_global_routing_info(wfx_h(h), &info);
	if (rc == 0)
		return TRUE;
	return wfx_fail(rc, wfx_h(h), rc == FGW_E_NO_METHOD ? ERROR_INVALID_DATA : ERROR_SUCCESS);
}

WINFAXAPI BOOL WINAPI FaxSetGlobalRoutingInfoA(HANDLE FaxHandle,
                                               const FAX_GLOBAL_ROUTING_INFOA *RoutingInfo)
{
	if (FaxHandle == NULL)
		return wfx_no_handle();
	if (RoutingInfo == NULL)
		return wfx_no_out("RoutingInfo is NULL");
	return wfx_set_global(FaxHandle, RoutingInfo->SizeOfStruct, sizeof(*RoutingInfo),
			      RoutingInfo->Priority, RoutingInfo->Guid);
}

WINFAXAPI BOOL WINAPI FaxSetGlobalRoutingInfoW(HANDLE FaxHandle,
                                               const FAX_GLOBAL_ROUTING_INFOW *RoutingInfo)
{
	char *guid;
	BOOL ok;

	if (FaxHandle == NULL)
		return wfx_no_handle();
	if (RoutingInfo == NULL)
		return wfx_no_out("RoutingInfo is NULL");
	if (!wfx_wide_in(RoutingInfo->Guid, "Guid is not UTF-16 (an unpaired surrogate)", &guid))
		return FALSE;
	ok = wfx_set_global(FaxHandle, RoutingInfo->SizeOfStruct, sizeof(*RoutingInfo),
			    RoutingInfo->Priority, guid);
	free(guid);
	return ok;
}
