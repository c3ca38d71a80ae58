/*
 * winfax_msdn.c - a Windows fax admin program written only against
 * Microsoft's documented winfax.h declarations (the FaxXxx pages of the
 * Windows API reference): no faxgw name appears, and it includes
 * <winfax.h> as a Windows program does.
 *
 * tests/integration/winfax_example.sh compiles it with -Wall -Wextra
 * -Werror in C99 and C11, with and without UNICODE, links it with
 * -lfaxgw and runs it against a faxgwd (the local server, NULL).
 *
 * Every function is first taken through a pointer of its documented
 * type, so a parameter or result type that differs from Microsoft's
 * fails to compile.
 */
#include <stdio.h>

#include <winfax.h>

typedef BOOL (WINAPI *CONNECT_A)(LPCSTR, LPHANDLE);
typedef BOOL (WINAPI *CONNECT_W)(LPCWSTR, LPHANDLE);
typedef BOOL (WINAPI *CLOSE)(HANDLE);
typedef BOOL (WINAPI *OPEN_PORT)(HANDLE, DWORD, DWORD, LPHANDLE);
typedef VOID (WINAPI *FREE_BUFFER)(LPVOID);
typedef BOOL (WINAPI *ENUM_PORTS_A)(HANDLE, PFAX_PORT_INFOA *, LPDWORD);
typedef BOOL (WINAPI *ENUM_PORTS_W)(HANDLE, PFAX_PORT_INFOW *, LPDWORD);
typedef BOOL (WINAPI *GET_PORT_A)(HANDLE, PFAX_PORT_INFOA *);
typedef BOOL (WINAPI *GET_PORT_W)(HANDLE, PFAX_PORT_INFOW *);
typedef BOOL (WINAPI *ENUM_METHODS_A)(HANDLE, PFAX_ROUTING_METHODA *, LPDWORD);
typedef BOOL (WINAPI *ENUM_METHODS_W)(HANDLE, PFAX_ROUTING_METHODW *, LPDWORD);
typedef BOOL (WINAPI *GET_INFO_A)(HANDLE, LPCSTR, LPBYTE *, LPDWORD);
typedef BOOL (WINAPI *GET_INFO_W)(HANDLE, LPCWSTR, LPBYTE *, LPDWORD);
typedef BOOL (WINAPI *SET_INFO_A)(HANDLE, LPCSTR, const BYTE *, DWORD);
typedef BOOL (WINAPI *SET_INFO_W)(HANDLE, LPCWSTR, const BYTE *, DWORD);
typedef BOOL (WINAPI *ENABLE_A)(HANDLE, LPCSTR, BOOL);
typedef BOOL (WINAPI *ENABLE_W)(HANDLE, LPCWSTR, BOOL);
typedef BOOL (WINAPI *ENUM_GLOBAL_A)(HANDLE, PFAX_GLOBAL_ROUTING_INFOA *, LPDWORD);
typedef BOOL (WINAPI *ENUM_GLOBAL_W)(HANDLE, PFAX_GLOBAL_ROUTING_INFOW *, LPDWORD);
typedef BOOL (WINAPI *SET_GLOBAL_A)(HANDLE, const FAX_GLOBAL_ROUTING_INFOA *);
typedef BOOL (WINAPI *SET_GLOBAL_W)(HANDLE, const FAX_GLOBAL_ROUTING_INFOW *);
typedef DWORD (WINAPI *GET_LAST_ERROR)(VOID);

static const struct {
	CONNECT_A connect_a;
	CONNECT_W connect_w;
	CLOSE close;
	OPEN_PORT open_port;
	FREE_BUFFER free_buffer;
	ENUM_PORTS_A enum_ports_a;
	ENUM_PORTS_W enum_ports_w;
	GET_PORT_A get_port_a;
	GET_PORT_W get_port_w;
	ENUM_METHODS_A enum_methods_a;
	ENUM_METHODS_W enum_methods_w;
	GET_INFO_A get_info_a;
	GET_INFO_W get_info_w;
	SET_INFO_A set_info_a;
	SET_INFO_W set_info_w;
	ENABLE_A enable_a;
	ENABLE_W enable_w;
	ENUM_GLOBAL_A enum_global_a;
	ENUM_GLOBAL_W enum_global_w;
	SET_GLOBAL_A set_global_a;
	SET_GLOBAL_W set_global_w;
	GET_LAST_ERROR get_last_error;
} api = {
	FaxConnectFaxServerA, FaxConnectFaxServerW, FaxClose, FaxOpenPort, FaxFreeBuffer,
	FaxEnumPortsA, FaxEnumPortsW, FaxGetPortA, FaxGetPortW,
	FaxEnumRoutingMethodsA, FaxEnumRoutingMethodsW,
	FaxGetRoutingInfoA, FaxGetRoutingInfoW, FaxSetRoutingInfoA, FaxSetRoutingInfoW,
	FaxEnableRoutingMethodA, FaxEnableRoutingMethodW,
	FaxEnumGlobalRoutingInfoA, FaxEnumGlobalRoutingInfoW,
	FaxSetGlobalRoutingInfoA, FaxSetGlobalRoutingInfoW, GetLastError,
};

static int fail(const char *what)
{
	printf("%s failed: %lu\n", what, (unsigned long)api.get_last_error());
	return 1;
}

/* The routing methods of one port, and the data of the first one, read
 * and written back unchanged through a MODIFY handle. */
static int one_port(HANDLE fax, DWORD device)
{
	HANDLE port = NULL;
	PFAX_ROUTING_METHOD methods = NULL;
	LPBYTE data = NULL;
	DWORD n = 0, size = 0;
	int rc = 0;

	if (!FaxOpenPort(fax, device, PORT_OPEN_QUERY | PORT_OPEN_MODIFY, &port))
		return fail("FaxOpenPort");
	if (!FaxEnumRoutingMethods(port, &methods, &n))
		rc = fail("FaxEnumRoutingMethods");
	else if (n > 0 && !FaxGetRoutingInfo(port, methods[n - 1].Guid, &data, &size))
		rc = fail("FaxGetRoutingInfo");
	else if (n > 0 && !FaxSetRoutingInfo(port, methods[n - 1].Guid, data, size))
		rc = fail("FaxSetRoutingInfo");
	else if (n > 0 && !FaxEnableRoutingMethod(port, methods[n - 1].Guid,
						  methods[n - 1].Enabled))
		rc = fail("FaxEnableRoutingMethod");
	else
		printf("port %lu: %lu routing methods, %lu bytes of routing data\n",
		       (unsigned long)device, (unsigned long)n, (unsigned long)size);
	FaxFreeBuffer(data);
	FaxFreeBuffer(methods);
	FaxClose(port);
	return rc;
}

static int global(HANDLE fax)
{
	PFAX_GLOBAL_ROUTING_INFO info = NULL;
	DWORD n = 0;
	int rc = 0;

	if (!FaxEnumGlobalRoutingInfo(fax, &info, &n))
		return fail("FaxEnumGlobalRoutingInfo");
	if (n > 0 && !FaxSetGlobalRoutingInfo(fax, &info[0]))
		rc = fail("FaxSetGlobalRoutingInfo");
	else
		printf("%lu global routing entries\n", (unsigned long)n);
	FaxFreeBuffer(info);
	return rc;
}

int main(void)
{
	HANDLE fax = NULL, port = NULL;
	PFAX_PORT_INFO ports = NULL, one = NULL;
	DWORD n = 0;
	int rc = 0;

	if (!FaxConnectFaxServer(NULL, &fax))
		return fail("FaxConnectFaxServer");
	if (!FaxEnumPorts(fax, &ports, &n) || n == 0) {
		FaxClose(fax);
		return fail("FaxEnumPorts");
	}
	if (!api.open_port(fax, ports[0].DeviceId, PORT_OPEN_QUERY, &port) ||
	    !FaxGetPort(port, &one) || one->SizeOfStruct != sizeof(FAX_PORT_INFO))
		rc = fail("FaxGetPort");
	api.free_buffer(one);
	if (port != NULL)
		api.close(port);
	if (rc == 0)
		rc = one_port(fax, ports[0].DeviceId);
	if (rc == 0)
		rc = global(fax);
	printf("%lu ports\n", (unsigned long)n);
	FaxFreeBuffer(ports);
	FaxClose(fax);
	return rc;
}
