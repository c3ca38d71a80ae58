/*
 * test_winfax.c - the Windows fax routing API of faxgw/winfax.h against a
 * live control server (testsrv.h), compared with what libfaxgw returns for
 * the same calls: whole records, A and W forms, the Win32 errors, and
 * buffers that are one block each (ASan/LeakSanitizer check the frees).
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include <faxgw/admin.h>
#include <faxgw/winfax.h>

#include "config.h"
#include "control.h"
#include "core.h"
#include "fgwx_utf16.h"
#include "testsrv.h"

Suite *winfax_suite(void);

#define SIF "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"
#define NOPE "{00000000-0000-0000-0000-000000000000}"

static struct testsrv srv;

static void setup(void)
{
	static const struct testsrv_opts o = { .udp_base = 14100, .local_ident = "+49 30 1234" };

	testsrv_init(&srv, "faxgw-winfax");
	testsrv_config(&srv, &o);
	testsrv_start(&srv);
}

static void teardown(void)
{
	testsrv_cleanup(&srv);
}

static void srv_mkdir(const char *sub)
{
	char path[FGW_MAX_PATH];

	snprintf(path, sizeof(path), "%s/%s", srv.dir, sub);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* --- helpers -------------------------------------------------------------------- */

static HANDLE fax_connect(void)
{
	HANDLE h = NULL;

	ck_assert_msg(FaxConnectFaxServerA(srv.sock, &h), "connect: %lu %s",
		      (unsigned long)GetLastError(), FaxGetLastErrorMessage());
	ck_assert_ptr_nonnull(h);
	return h;
}

static HANDLE fax_open(HANDLE s, DWORD port, DWORD flags)
{
	HANDLE p = NULL;

	ck_assert_msg(FaxOpenPort(s, port, flags, &p), "open port %lu: %lu %s",
		      (unsigned long)port, (unsigned long)GetLastError(),
		      FaxGetLastErrorMessage());
	return p;
}

static fgw_handle *fgw_connect_ok(void)
{
	fgw_handle *h = NULL;

	ck_assert_int_eq(fgw_connect(srv.sock, &h), 0);
	return h;
}

/* A W string as UTF-8 (the converter has its own tests below). */
static const char *narrow(LPCWSTR w)
{
	static char out[4][FGW_MAX_PATH * 4];
	static int next;
	size_t n = 0, len;
	char *o = out[next++ % 4];

	ck_assert_ptr_nonnull(w);
	while (w[n] != 0)
		n++;
	len = fgwx_utf16_to_utf8(w, n, NULL);
	ck_assert_uint_ne(len, FGWX_UTF_BAD);
	ck_assert_uint_lt(len, sizeof(out[0]));
	fgwx_utf16_to_utf8(w, n, o);
	o[len] = '\0';
	return o;
}

/* ASCII text widened into out (room for it and a terminator). */
static size_t widen(const char *ascii, WCHAR *out)
{
	size_t n = 0;

	for (; ascii[n] != '\0'; n++)
		out[n] = (WCHAR)(unsigned char)ascii[n];
	out[n] = 0;
	return n;
}

static void expect_error(BOOL ok, DWORD err)
{
	ck_assert_msg(!ok, "call succeeded; expected error %lu", (unsigned long)err);
	ck_assert_msg(GetLastError() == err, "error %lu (%s), expected %lu",
		      (unsigned long)GetLastError(), FaxGetLastErrorMessage(),
		      (unsigned long)err);
	ck_assert_str_ne(FaxGetLastErrorMessage(), "");
}

/* --- the structures equal what libfaxgw returns ----------------------------- */

START_TEST(test_routing_methods_match)
{
	HANDLE s = fax_connect(), p = fax_open(s, 1, PORT_OPEN_QUERY);
	fgw_handle *fs = fgw_connect_ok(), *fp = NULL;
	fgw_routing_method *m;
	PFAX_ROUTING_METHODA a = NULL;
	PFAX_ROUTING_METHODW w = NULL;
	DWORD na = 0, nw = 0;
	size_t n;

	ck_assert_int_eq(fgw_open_port(fs, 1, FGW_PORT_OPEN_QUERY, &fp), 0);
	ck_assert_int_eq(fgw_enum_routing_methods(fp, &m, &n), 0);
	ck_assert(FaxEnumRoutingMethodsA(p, &a, &na));
	ck_assert(FaxEnumRoutingMethodsW(p, &w, &nw));
	ck_assert_uint_ge(n, 5);
	ck_assert_uint_eq(na, n);
	ck_assert_uint_eq(nw, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(a[i].SizeOfStruct, sizeof(FAX_ROUTING_METHODA));
		ck_assert_uint_eq(a[i].DeviceId, m[i].device_id);
		ck_assert_int_eq(a[i].Enabled, m[i].enabled);
		ck_assert_str_eq(a[i].DeviceName, m[i].device_name);
		ck_assert_str_eq(a[i].Guid, m[i].guid);
		ck_assert_str_eq(a[i].FriendlyName, m[i].friendly_name);
		ck_assert_str_eq(a[i].FunctionName, m[i].function_name);
		ck_assert_str_eq(a[i].ExtensionImageName, m[i].extension_image_name);
		ck_assert_str_eq(a[i].ExtensionFriendlyName, m[i].extension_friendly_name);
		ck_assert_uint_eq(w[i].SizeOfStruct, sizeof(FAX_ROUTING_METHODW));
		ck_assert_uint_eq(w[i].DeviceId, m[i].device_id);
		ck_assert_int_eq(w[i].Enabled, m[i].enabled);
		ck_assert_str_eq(narrow(w[i].DeviceName), m[i].device_name);
		ck_assert_str_eq(narrow(w[i].Guid), m[i].guid);
		ck_assert_str_eq(narrow(w[i].FriendlyName), m[i].friendly_name);
		ck_assert_str_eq(narrow(w[i].FunctionName), m[i].function_name);
		ck_assert_str_eq(narrow(w[i].ExtensionImageName), m[i].extension_image_name);
		ck_assert_str_eq(narrow(w[i].ExtensionFriendlyName),
				 m[i].extension_friendly_name);
	}
	/* One block each: the strings lie inside it, after the array. */
	ck_assert((const char *)a[0].Guid >= (const char *)(a + na));
	ck_assert((const void *)w[0].Guid >= (const void *)(w + nw));
	fgw_free_buffer(m);
	FaxFreeBuffer(a);
	FaxFreeBuffer(w);
	fgw_close(fp);
	fgw_close(fs);
	ck_assert(FaxClose(p));
	ck_assert(FaxClose(s));
	testsrv_stop(&srv);
}
END_TEST

START_TEST(test_ports_match)
{
	HANDLE s = fax_connect(), p;
	fgw_handle *fs = fgw_connect_ok();
	fgw_port_info *fi;
	PFAX_PORT_INFOA a = NULL, one = NULL;
	PFAX_PORT_INFOW w = NULL, onew = NULL;
	DWORD na = 0, nw = 0;
	size_t n;

	ck_assert_int_eq(fgw_enum_ports(fs, &fi, &n), 0);
	ck_assert(FaxEnumPortsA(s, &a, &na));
	ck_assert(FaxEnumPortsW(s, &w, &nw));
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(na, 2);
	ck_assert_uint_eq(nw, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(a[i].SizeOfStruct, sizeof(FAX_PORT_INFOA));
		ck_assert_uint_eq(a[i].DeviceId, fi[i].id);
		ck_assert_uint_eq(a[i].State, FPS_AVAILABLE);
		ck_assert_uint_eq(a[i].Flags, FPF_RECEIVE);
		ck_assert_uint_eq(a[i].Rings, 0);
		ck_assert_uint_eq(a[i].Priority, fi[i].id);
		ck_assert_str_eq(a[i].DeviceName, fi[i].name);
		ck_assert_str_eq(a[i].Tsid, fi[i].local_ident);
		ck_assert_str_eq(a[i].Csid, fi[i].local_ident);
		ck_assert_uint_eq(w[i].SizeOfStruct, sizeof(FAX_PORT_INFOW));
		ck_assert_uint_eq(w[i].DeviceId, fi[i].id);
		ck_assert_uint_eq(w[i].State, a[i].State);
		ck_assert_str_eq(narrow(w[i].DeviceName), fi[i].name);
		ck_assert_str_eq(narrow(w[i].Csid), fi[i].local_ident);
		ck_assert_str_eq(narrow(w[i].Tsid), fi[i].local_ident);
	}
	ck_assert_str_eq(a[0].Csid, "+49 30 1234");
	p = fax_open(s, 2, PORT_OPEN_QUERY);
	ck_assert(FaxGetPortA(p, &one));
	ck_assert(FaxGetPortW(p, &onew));
	ck_assert_uint_eq(one->DeviceId, 2);
	ck_assert_str_eq(one->DeviceName, fi[1].name);
	ck_assert_uint_eq(onew->DeviceId, 2);
	ck_assert_str_eq(narrow(onew->DeviceName), fi[1].name);
	FaxFreeBuffer(one);
	FaxFreeBuffer(onew);
	fgw_free_buffer(fi);
	FaxFreeBuffer(a);
	FaxFreeBuffer(w);
	fgw_close(fs);
	ck_assert(FaxClose(p));
	ck_assert(FaxClose(s));
	testsrv_stop(&srv);
}
END_TEST

START_TEST(test_global_routing_info)
{
	HANDLE s = fax_connect();
	fgw_handle *fs = fgw_connect_ok();
	fgw_global_routing_info *g;
	PFAX_GLOBAL_ROUTING_INFOA a = NULL;
	PFAX_GLOBAL_ROUTING_INFOW w = NULL;
	DWORD na = 0, nw = 0;
	size_t n, k = 0;

	ck_assert_int_eq(fgw_enum_global_routing_info(fs, &g, &n), 0);
	ck_assert(FaxEnumGlobalRoutingInfoA(s, &a, &na));
	ck_assert(FaxEnumGlobalRoutingInfoW(s, &w, &nw));
	ck_assert_uint_eq(na, n);
	ck_assert_uint_eq(nw, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(a[i].SizeOfStruct, sizeof(FAX_GLOBAL_ROUTING_INFOA));
		ck_assert_uint_eq(a[i].Priority, g[i].priority);
		ck_assert_str_eq(a[i].Guid, g[i].guid);
		ck_assert_str_eq(a[i].FriendlyName, g[i].friendly_name);
		ck_assert_str_eq(a[i].FunctionName, g[i].function_name);
		ck_assert_str_eq(a[i].ExtensionImageName, g[i].extension_image_name);
		ck_assert_str_eq(a[i].ExtensionFriendlyName, g[i].extension_friendly_name);
		ck_assert_uint_eq(w[i].SizeOfStruct, sizeof(FAX_GLOBAL_ROUTING_INFOW));
		ck_assert_uint_eq(w[i].Priority, g[i].priority);
		ck_assert_str_eq(narrow(w[i].Guid), g[i].guid);
		ck_assert_str_eq(narrow(w[i].FunctionName), g[i].function_name);
		if (strcmp(g[i].guid, SIF) == 0)
			k = i;
	}
	fgw_free_buffer(g);

	/* Store in folder first, through A; then last, through W. */
	FAX_GLOBAL_ROUTING_INFOA ga = a[k];
	ga.Priority = 1;
	ck_assert(FaxSetGlobalRoutingInfoA(s, &ga));
	FAX_GLOBAL_ROUTING_INFOW gw = w[k];
	gw.Priority = (DWORD)n;
	ck_assert(FaxSetGlobalRoutingInfoW(s, &gw));
	ck_assert_int_eq(fgw_enum_global_routing_info(fs, &g, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].guid, SIF) == 0)
			ck_assert_uint_eq(g[i].priority, n);
	fgw_free_buffer(g);

	/* SizeOfStruct is checked; an unknown Guid is ERROR_INVALID_DATA
	 * (Microsoft's FaxSetGlobalRoutingInfo page). */
	ga.SizeOfStruct = sizeof(ga) - 1;
	expect_error(FaxSetGlobalRoutingInfoA(s, &ga), ERROR_INVALID_PARAMETER);
	ga.SizeOfStruct = sizeof(ga);
	ga.Guid = NOPE;
	expect_error(FaxSetGlobalRoutingInfoA(s, &ga), ERROR_INVALID_DATA);
	ga.Guid = NULL;
	expect_error(FaxSetGlobalRoutingInfoA(s, &ga), ERROR_INVALID_PARAMETER);
	expect_error(FaxSetGlobalRoutingInfoA(s, NULL), ERROR_INVALID_PARAMETER);
	FaxFreeBuffer(a);
	FaxFreeBuffer(w);
	fgw_close(fs);
	ck_assert(FaxClose(s));
	testsrv_stop(&srv);
}
END_TEST

/* --- routing data: A and W agree, non-ASCII through W ------------------ */

START_TEST(test_routing_info_wide_roundtrip)
{
	HANDLE s = fax_connect(), p = fax_open(s, 1, PORT_OPEN_MODIFY);
	fgw_handle *fs = fgw_connect_ok(), *fp = NULL;
	/* fax/Eingang-üß-𝄞: U+00FC, U+00DF, U+1D11E (a surrogate pair). */
	const char *utf8_name = "fax/Eingang-\xc3\xbc\xc3\x9f-\xf0\x9d\x84\x9e";
	char path[FGW_MAX_PATH];
	WCHAR wpath[FGW_MAX_PATH], wguid[64];
	size_t n;

	srv_mkdir(utf8_name);
	snprintf(path, sizeof(path), "%s/%s", srv.dir, utf8_name);
	char ascii[FGW_MAX_PATH];
	snprintf(ascii, sizeof(ascii), "%s/fax/Eingang-", srv.dir);
	n = widen(ascii, wpath);
	wpath[n++] = 0x00fc;
	wpath[n++] = 0x00df;
	wpath[n++] = '-';
	wpath[n++] = 0xd834;
	wpath[n++] = 0xdd1e;
	wpath[n] = 0;
	widen(SIF, wguid);

	ck_assert_msg(FaxSetRoutingInfoW(p, wguid, (const BYTE *)wpath,
					 (DWORD)((n + 1) * sizeof(WCHAR))),
		      "set W: %lu %s", (unsigned long)GetLastError(), FaxGetLastErrorMessage());
	/* libfaxgw sees the UTF-8 ... */
	void *data;
	size_t len;
	ck_assert_int_eq(fgw_open_port(fs, 1, FGW_PORT_OPEN_QUERY, &fp), 0);
	ck_assert_int_eq(fgw_get_routing_info(fp, SIF, &data, &len), 0);
	ck_assert_uint_eq(len, strlen(path));
	ck_assert_str_eq(data, path);
	fgw_free_buffer(data);
	/* ... the A form the same bytes, its size counting the NUL ... */
	LPBYTE buf = NULL;
	DWORD size = 0;
	ck_assert(FaxGetRoutingInfoA(p, SIF, &buf, &size));
	ck_assert_uint_eq(size, strlen(path) + 1);
	ck_assert_str_eq((const char *)buf, path);
	FaxFreeBuffer(buf);
	/* ... and the W form the same UTF-16 units. */
	ck_assert(FaxGetRoutingInfoW(p, wguid, &buf, &size));
	ck_assert_uint_eq(size, (n + 1) * sizeof(WCHAR));
	ck_assert_int_eq(memcmp(buf, wpath, size), 0);
	FaxFreeBuffer(buf);
	/* Without the terminator in the size, and back through A. */
	ck_assert(FaxSetRoutingInfoW(p, wguid, (const BYTE *)wpath, (DWORD)(n * sizeof(WCHAR))));
	ck_assert(FaxSetRoutingInfoA(p, SIF, (const BYTE *)path, (DWORD)strlen(path) + 1));
	ck_assert_int_eq(fgw_get_routing_info(fp, SIF, &data, &len), 0);
	ck_assert_str_eq(data, path);
	fgw_free_buffer(data);
	ck_assert(FaxEnableRoutingMethodW(p, wguid, FALSE));
	ck_assert(FaxEnableRoutingMethodA(p, SIF, TRUE));
	fgw_close(fp);
	fgw_close(fs);
	ck_assert(FaxClose(p));
	ck_assert(FaxClose(s));
	testsrv_stop(&srv);
}
END_TEST

START_TEST(test_enable_matches)
{
	HANDLE s = fax_connect(), p = fax_open(s, 2, PORT_OPEN_MODIFY | PORT_OPEN_QUERY);
	fgw_handle *fs = fgw_connect_ok(), *fp = NULL;
	fgw_routing_method *m;
	size_t n;
	WCHAR wguid[64];

	widen(SIF, wguid);
	ck_assert_int_eq(fgw_open_port(fs, 2, FGW_PORT_OPEN_QUERY, &fp), 0);
	ck_assert(FaxEnableRoutingMethodW(p, wguid, FALSE));
	ck_assert_int_eq(fgw_enum_routing_methods(fp, &m, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].guid, SIF) == 0)
			ck_assert_int_eq(m[i].enabled, 0);
	fgw_free_buffer(m);
	/* Enabling with no data is refused, with the reason. */
	ck_assert(FaxSetRoutingInfoA(p, SIF, (const BYTE *)"", 0));
	expect_error(FaxEnableRoutingMethodA(p, SIF, TRUE), ERROR_INVALID_DATA);
	fgw_close(fp);
	fgw_close(fs);
	ck_assert(FaxClose(p));
	ck_assert(FaxClose(s));
	testsrv_stop(&srv);
}
END_TEST

/* --- Windows' rules and error codes ------------------------------------- */

START_TEST(test_query_handle_cannot_set)
{
	HANDLE s = fax_connect(), p = fax_open(s, 1, PORT_OPEN_QUERY);
	WCHAR wguid[64], wdata[8];

	widen(SIF, wguid);
	widen("/x", wdata);
	expect_error(FaxSetRoutingInfoA(p, SIF, (const BYTE *)"/x", 3), ERROR_ACCESS_DENIED);
	ck_assert_ptr_nonnull(strstr(FaxGetLastErrorMessage(), "QUERY"));
	expect_error(FaxSetRoutingInfoW(p, wguid, (const BYTE *)wdata, 6), ERROR_ACCESS_DENIED);
	expect_error(FaxEnableRoutingMethodA(p, SIF, TRUE), ERROR_ACCESS_DENIED);
	/* A success leaves the last error alone, as on Windows. */
	LPBYTE buf = NULL;
	DWORD size;
	ck_assert(FaxGetRoutingInfoA(p, SIF, &buf, &size));
	ck_assert_uint_eq(GetLastError(), ERROR_ACCESS_DENIED);
	FaxFreeBuffer(buf);
	ck_assert(FaxClose(p));
	ck_assert(FaxClose(s));
	testsrv_stop(&srv);
}
END_TEST

START_TEST(test_second_modify_handle)
{
	HANDLE a = fax_connect(), b = fax_connect();
	HANDLE pa = fax_open(a, 1, PORT_OPEN_MODIFY), pb = (HANDLE)&pb;

	/* [MS-FAX] 3.1.4.1.65: ERROR_INVALID_HANDLE. */
	expect_error(FaxOpenPort(b, 1, PORT_OPEN_MODIFY, &pb), ERROR_INVALID_HANDLE);
	ck_assert_ptr_null(pb);
	ck_assert_ptr_nonnull(strstr(FaxGetLastErrorMessage(), "MODIFY"));
	/* Also from the same server handle; QUERY is still fine. */
	expect_error(FaxOpenPort(a, 1, PORT_OPEN_MODIFY, &pb), ERROR_INVALID_HANDLE);
	HANDLE q = fax_open(b, 1, PORT_OPEN_QUERY);
	ck_assert(FaxClose(pa));
	pb = fax_open(b, 1, PORT_OPEN_MODIFY);
	ck_assert(FaxClose(pb));
	ck_assert(FaxClose(q));
	ck_assert(FaxClose(a));
	ck_assert(FaxClose(b));
	testsrv_stop(&srv);
}
END_TEST

START_TEST(test_bad_guid_and_arguments)
{
	HANDLE s = fax_connect(), p = fax_open(s, 1, PORT_OPEN_MODIFY), x = (HANDLE)&x;
	LPBYTE buf = (LPBYTE)&buf;
	DWORD size = 7;
	WCHAR wnope[64];

	widen(NOPE, wnope);
	expect_error(FaxGetRoutingInfoA(p, NOPE, &buf, &size), ERROR_INVALID_PARAMETER);
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(size, 0);
	expect_error(FaxGetRoutingInfoW(p, wnope, &buf, &size), ERROR_INVALID_PARAMETER);
	expect_error(FaxGetRoutingInfoA(p, "not a guid", &buf, &size), ERROR_INVALID_PARAMETER);
	expect_error(FaxGetRoutingInfoA(p, NULL, &buf, &size), ERROR_INVALID_PARAMETER);
	expect_error(FaxGetRoutingInfoA(p, SIF, NULL, &size), ERROR_INVALID_PARAMETER);
	expect_error(FaxSetRoutingInfoA(p, NOPE, (const BYTE *)"x", 1), ERROR_INVALID_PARAMETER);
	expect_error(FaxSetRoutingInfoA(p, SIF, NULL, 1), ERROR_INVALID_PARAMETER);
	expect_error(FaxEnableRoutingMethodA(p, NOPE, TRUE), ERROR_INVALID_PARAMETER);
	expect_error(FaxEnableRoutingMethodW(p, wnope, TRUE), ERROR_INVALID_PARAMETER);
	/* An unpaired surrogate is no GUID either. */
	WCHAR lone[] = { '{', 0xd800, '}', 0 };
	expect_error(FaxEnableRoutingMethodW(p, lone, TRUE), ERROR_INVALID_PARAMETER);

	/* Ports and handles. */
	expect_error(FaxOpenPort(s, 99, PORT_OPEN_QUERY, &x), ERROR_BAD_UNIT);
	ck_assert_ptr_null(x);
	expect_error(FaxOpenPort(s, 1, 0, &x), ERROR_INVALID_PARAMETER);
	expect_error(FaxOpenPort(s, 1, 4, &x), ERROR_INVALID_PARAMETER);
	expect_error(FaxOpenPort(s, 1, PORT_OPEN_QUERY, NULL), ERROR_INVALID_PARAMETER);
	x = (HANDLE)&x;
	expect_error(FaxOpenPort(NULL, 1, PORT_OPEN_QUERY, &x), ERROR_INVALID_HANDLE);
	ck_assert_ptr_null(x);
	buf = (LPBYTE)&buf;
	size = 7;
	expect_error(FaxGetRoutingInfoA(NULL, SIF, &buf, &size), ERROR_INVALID_HANDLE);
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(size, 0);
	expect_error(FaxClose(NULL), ERROR_INVALID_HANDLE);
	PFAX_ROUTING_METHODA m = (PFAX_ROUTING_METHODA)&m;
	DWORD n = 9;
	expect_error(FaxEnumRoutingMethodsA(s, &m, &n), ERROR_INVALID_HANDLE);
	ck_assert_ptr_null(m);
	ck_assert_uint_eq(n, 0);
	PFAX_PORT_INFOA pi = NULL;
	expect_error(FaxEnumPortsA(p, &pi, &n), ERROR_INVALID_HANDLE);
	n = 9;
	expect_error(FaxEnumPortsW(NULL, (PFAX_PORT_INFOW *)&pi, &n), ERROR_INVALID_HANDLE);
	ck_assert_ptr_null(pi);
	ck_assert_uint_eq(n, 0);
	expect_error(FaxEnumPortsA(s, NULL, &n), ERROR_INVALID_PARAMETER);
	expect_error(FaxEnumPortsA(s, &pi, NULL), ERROR_INVALID_PARAMETER);

	/* Data the extension refuses comes with its reason. */
	expect_error(FaxSetRoutingInfoA(p, SIF, (const BYTE *)"/etc", 5), ERROR_INVALID_DATA);
	ck_assert_ptr_nonnull(strstr(FaxGetLastErrorMessage(), "store-root"));
	/* W data: an odd size, an unpaired surrogate. */
	WCHAR wbad[] = { '/', 0xdc00, 0 };
	expect_error(FaxSetRoutingInfoW(p, wnope, (const BYTE *)wbad, 3), ERROR_INVALID_PARAMETER);
	WCHAR wsif[64];
	widen(SIF, wsif);
	expect_error(FaxSetRoutingInfoW(p, wsif, (const BYTE *)wbad, sizeof(wbad)),
		     ERROR_INVALID_DATA);
	/* Over FGW_MAX_ROUTING_DATA. */
	static BYTE big[FGW_MAX_ROUTING_DATA + 2];
	memset(big, 'a', sizeof(big) - 1);
	expect_error(FaxSetRoutingInfoA(p, SIF, big, sizeof(big)), ERROR_INVALID_PARAMETER);
	ck_assert(FaxClose(p));
	ck_assert(FaxClose(s));
	testsrv_stop(&srv);
}
END_TEST

START_TEST(test_connect_names)
{
	HANDLE h = (HANDLE)&h;
	char missing[128];
	WCHAR wsock[128];

	expect_error(FaxConnectFaxServerA("FAXSRV", &h), RPC_S_SERVER_UNAVAILABLE);
	ck_assert_ptr_null(h);
	snprintf(missing, sizeof(missing), "%s/nothing.sock", srv.dir);
	expect_error(FaxConnectFaxServerA(missing, &h), RPC_S_SERVER_UNAVAILABLE);
	expect_error(FaxConnectFaxServerA(srv.sock, NULL), ERROR_INVALID_PARAMETER);
	/* NULL and "" are the default socket: $FAXGW_SOCKET first. */
	setenv("FAXGW_SOCKET", srv.sock, 1);
	ck_assert(FaxConnectFaxServerA(NULL, &h));
	ck_assert(FaxClose(h));
	ck_assert(FaxConnectFaxServerA("", &h));
	ck_assert(FaxClose(h));
	ck_assert(FaxConnectFaxServerW(NULL, &h));
	ck_assert(FaxClose(h));
	unsetenv("FAXGW_SOCKET");
	widen(srv.sock, wsock);
	ck_assert(FaxConnectFaxServerW(wsock, &h));
	/* Closing the server handle closes its ports; each is still closed. */
	HANDLE p = fax_open(h, 1, PORT_OPEN_MODIFY);
	ck_assert(FaxClose(h));
	PFAX_ROUTING_METHODA m = NULL;
	DWORD n = 0;
	expect_error(FaxEnumRoutingMethodsA(p, &m, &n), RPC_S_CALL_FAILED);
	ck_assert(FaxClose(p));
	h = fax_connect();
	p = fax_open(h, 1, PORT_OPEN_MODIFY);
	ck_assert(FaxClose(p));
	ck_assert(FaxClose(h));
	testsrv_stop(&srv);
}
END_TEST

/* --- buffers -------------------------------------------------------------------- */

START_TEST(test_buffer_outlives_close)
{
	HANDLE s = fax_connect(), p = fax_open(s, 1, PORT_OPEN_QUERY);
	PFAX_ROUTING_METHODA a = NULL;
	PFAX_ROUTING_METHODW w = NULL;
	DWORD na = 0, nw = 0;
	int found = 0;

	ck_assert(FaxEnumRoutingMethodsA(p, &a, &na));
	ck_assert(FaxEnumRoutingMethodsW(p, &w, &nw));
	ck_assert(FaxClose(p));
	ck_assert(FaxClose(s));
	testsrv_stop(&srv);
	/* Under ASan a read of freed memory would stop here. */
	for (DWORD i = 0; i < na; i++) {
		ck_assert_str_eq(narrow(w[i].Guid), a[i].Guid);
		ck_assert_str_eq(narrow(w[i].ExtensionImageName), a[i].ExtensionImageName);
		found |= strcmp(a[i].Guid, SIF) == 0 && strcmp(a[i].FunctionName,
								 "RouteStoreInFolder") == 0;
	}
	ck_assert(found);
	FaxFreeBuffer(a);
	FaxFreeBuffer(w);
	FaxFreeBuffer(NULL);
}
END_TEST

/* --- the last error is per thread ------------------------------------------- */

static void *other_thread(void *arg)
{
	DWORD *seen = arg;

	seen[0] = GetLastError();
	(void)FaxClose(NULL);
	seen[1] = GetLastError();
	return NULL;
}

START_TEST(test_last_error_per_thread)
{
	pthread_t t;
	DWORD seen[2] = { 99, 99 };

	SetLastError(ERROR_ACCESS_DENIED);
	ck_assert_int_eq(pthread_create(&t, NULL, other_thread, seen), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_eq(seen[0], ERROR_SUCCESS);
	ck_assert_uint_eq(seen[1], ERROR_INVALID_HANDLE);
	ck_assert_uint_eq(GetLastError(), ERROR_ACCESS_DENIED);
	testsrv_stop(&srv);
}
END_TEST

/* --- the UTF-16 edge (fgwx_utf16) --------------------------------------------- */

START_TEST(test_utf16_conversions)
{
	/* ü, ß, € (3 bytes), 𝄞 (4 bytes, a surrogate pair): RFC 2781 2.1. */
	const char *s = "\xc3\xbc\xc3\x9f\xe2\x82\xac\xf0\x9d\x84\x9e";
	const uint16_t want[] = { 0x00fc, 0x00df, 0x20ac, 0xd834, 0xdd1e };
	uint16_t w[8];
	char back[16];

	ck_assert_uint_eq(fgwx_utf8_to_utf16(s, strlen(s), NULL, false), 5);
	ck_assert_uint_eq(fgwx_utf8_to_utf16(s, strlen(s), w, false), 5);
	ck_assert_int_eq(memcmp(w, want, sizeof(want)), 0);
	ck_assert_uint_eq(fgwx_utf16_to_utf8(want, 5, NULL), strlen(s));
	ck_assert_uint_eq(fgwx_utf16_to_utf8(want, 5, back), strlen(s));
	ck_assert_int_eq(memcmp(back, s, strlen(s)), 0);
	/* Malformed UTF-8: an overlong NUL, a surrogate, a cut sequence. */
	ck_assert_uint_eq(fgwx_utf8_to_utf16("\xc0\x80", 2, NULL, false), FGWX_UTF_BAD);
	ck_assert_uint_eq(fgwx_utf8_to_utf16("\xed\xa0\x80", 3, NULL, false), FGWX_UTF_BAD);
	ck_assert_uint_eq(fgwx_utf8_to_utf16("a\xc3", 2, w, true), 2);
	ck_assert_uint_eq(w[1], 0xfffd);
	/* Unpaired surrogates. */
	const uint16_t hi[] = { 'a', 0xd834 }, lo[] = { 0xdd1e, 'a' }, rev[] = { 0xdd1e, 0xd834 };
	ck_assert_uint_eq(fgwx_utf16_to_utf8(hi, 2, NULL), FGWX_UTF_BAD);
	ck_assert_uint_eq(fgwx_utf16_to_utf8(lo, 2, NULL), FGWX_UTF_BAD);
	ck_assert_uint_eq(fgwx_utf16_to_utf8(rev, 2, NULL), FGWX_UTF_BAD);
	testsrv_stop(&srv);
}
END_TEST

Suite *winfax_suite(void)
{
	Suite *s = suite_create("winfax");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_routing_methods_match);
	tcase_add_test(tc, test_ports_match);
	tcase_add_test(tc, test_global_routing_info);
	tcase_add_test(tc, test_routing_info_wide_roundtrip);
	tcase_add_test(tc, test_enable_matches);
	tcase_add_test(tc, test_query_handle_cannot_set);
	tcase_add_test(tc, test_second_modify_handle);
	tcase_add_test(tc, test_bad_guid_and_arguments);
	tcase_add_test(tc, test_connect_names);
	tcase_add_test(tc, test_buffer_outlives_close);
	tcase_add_test(tc, test_last_error_per_thread);
	tcase_add_test(tc, test_utf16_conversions);
	suite_add_tcase(s, tc);
	return s;
}
