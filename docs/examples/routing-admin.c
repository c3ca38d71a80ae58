/*
 * routing-admin.c - Microsoft's "Managing Fax Routing Data for Individual
 * Ports" walk-through as a program, compiled against faxgw's winfax.h.
 *
 * It connects to the fax server, opens the first port for query,
 * enumerates the port's routing methods and prints each one, reads the
 * routing data of the "Store in folder" method, reopens the port for
 * modification, sets the data and reads it back, frees every buffer and
 * closes every handle.  Only Windows names are used: the same source
 * builds against the Windows SDK.
 *
 *   routing-admin [SERVER [FOLDER]]
 *
 * SERVER "" (or none) is the local fax server; with faxgw a path with a
 * '/' names the control socket of a faxgwd.  Without FOLDER the data read
 * is written back unchanged.
 *
 *   cc -o routing-admin routing-admin.c -lfaxgw
 */
#include <stdio.h>
#include <string.h>

#include <faxgw/winfax.h>

/* The GUID of the Windows Fax Service's "Store in folder" routing method
 * (faxgw's store_folder extension offers it under the same GUID). */
static const char STORE_IN_FOLDER[] = "{92041a90-9af2-11d0-abf7-00c04fd91a4e}";

static int failed(const char *what)
{
	fprintf(stderr, "routing-admin: %s failed: error %lu: %s\n", what,
		(unsigned long)GetLastError(), FaxGetLastErrorMessage());
	return 1;
}

static void print_method(DWORD i, const FAX_ROUTING_METHOD *m)
{
	printf("method %lu:\n", (unsigned long)i + 1);
	printf("  SizeOfStruct: %lu\n", (unsigned long)m->SizeOfStruct);
	printf("  DeviceId: %lu\n", (unsigned long)m->DeviceId);
	printf("  Enabled: %s\n", m->Enabled ? "TRUE" : "FALSE");
	printf("  DeviceName: %s\n", m->DeviceName);
	printf("  Guid: %s\n", m->Guid);
	printf("  FriendlyName: %s\n", m->FriendlyName);
	printf("  FunctionName: %s\n", m->FunctionName);
	printf("  ExtensionImageName: %s\n", m->ExtensionImageName);
	printf("  ExtensionFriendlyName: %s\n", m->ExtensionFriendlyName);
}

/* Opens the port, lists its methods, gives the routing data of Store in
 * folder (free it with FaxFreeBuffer). */
static int query(HANDLE fax, DWORD device, LPBYTE *data, DWORD *size)
{
	HANDLE port = NULL;
	PFAX_ROUTING_METHOD methods = NULL;
	DWORD count = 0;

	if (!FaxOpenPort(fax, device, PORT_OPEN_QUERY, &port))
		return failed("FaxOpenPort(PORT_OPEN_QUERY)");
	if (!FaxEnumRoutingMethods(port, &methods, &count)) {
		FaxClose(port);
		return failed("FaxEnumRoutingMethods");
	}
	for (DWORD i = 0; i < count; i++)
		print_method(i, &methods[i]);
	FaxFreeBuffer(methods);
	if (!FaxGetRoutingInfo(port, STORE_IN_FOLDER, data, size)) {
		FaxClose(port);
		return failed("FaxGetRoutingInfo");
	}
	FaxClose(port);
	printf("routing info: %s (%lu bytes)\n", (const char *)*data, (unsigned long)*size);
	return 0;
}

/* Reopens the port for modification and sets the routing data. */
static int modify(HANDLE fax, DWORD device, const BYTE *data, DWORD size)
{
	HANDLE port = NULL;
	LPBYTE now = NULL;
	DWORD now_size = 0;
	int rc = 0;

	if (!FaxOpenPort(fax, device, PORT_OPEN_MODIFY, &port))
		return failed("FaxOpenPort(PORT_OPEN_MODIFY)");
	if (!FaxSetRoutingInfo(port, STORE_IN_FOLDER, data, size))
		rc = failed("FaxSetRoutingInfo");
	else if (!FaxGetRoutingInfo(port, STORE_IN_FOLDER, &now, &now_size))
		rc = failed("FaxGetRoutingInfo");
	else
		printf("routing info now: %s (%lu bytes)\n", (const char *)now,
		       (unsigned long)now_size);
	FaxFreeBuffer(now);
	FaxClose(port);
	return rc;
}

static int first_port(HANDLE fax, DWORD *device)
{
	PFAX_PORT_INFO ports = NULL;
	DWORD count = 0;

	if (!FaxEnumPorts(fax, &ports, &count))
		return failed("FaxEnumPorts");
	if (count == 0) {
		FaxFreeBuffer(ports);
		fprintf(stderr, "routing-admin: the server has no port\n");
		return 1;
	}
	*device = ports[0].DeviceId;
	printf("port: DeviceId %lu, DeviceName %s, Csid %s\n", (unsigned long)ports[0].DeviceId,
	       ports[0].DeviceName, ports[0].Csid);
	FaxFreeBuffer(ports);
	return 0;
}

int main(int argc, char **argv)
{
	const char *server = argc > 1 && argv[1][0] != '\0' ? argv[1] : NULL;
	HANDLE fax = NULL;
	LPBYTE data = NULL;
	DWORD size = 0, device = 0;
	int rc;

	if (argc > 3) {
		fprintf(stderr, "usage: routing-admin [SERVER [FOLDER]]\n");
		return 2;
	}
	if (!FaxConnectFaxServer(server, &fax))
		return failed("FaxConnectFaxServer");
	rc = first_port(fax, &device);
	if (rc == 0)
		rc = query(fax, device, &data, &size);
	if (rc == 0 && argc > 2)
		rc = modify(fax, device, (const BYTE *)argv[2], (DWORD)strlen(argv[2]) + 1);
	else if (rc == 0)
		rc = modify(fax, device, data, size);
	FaxFreeBuffer(data);
	FaxClose(fax);
	if (rc == 0)
		printf("done\n");
	return rc;
}
