/*
 * test_ok.c - a valid test routing extension with two methods whose
 * routing data must start with "good".  device_change calls are counted
 * in test_ok_changes; the [http] timeout seen at init is kept in
 * test_ok_http_timeout (tests read both with dlsym).
 */
#include <stdio.h>
#include <string.h>

#include <faxgw/routing.h>

#define TEST_OK_GUID1 "{00000000-0000-4000-8000-000000000001}"
#define TEST_OK_GUID2 "{00000000-0000-4000-8000-000000000002}"

int test_ok_changes;
char test_ok_http_timeout[64];

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status TestOkRoute(const fgw_route_host *host, const fgw_fax *fax,
			     const void *data, size_t len, char *msg, size_t msglen);
fgw_route_status TestOkRouteTwo(const fgw_route_host *host, const fgw_fax *fax,
				const void *data, size_t len, char *msg, size_t msglen);

static int test_ok_validate(const fgw_route_host *host, const char *guid, uint32_t port_id,
			    const void *data, size_t len, char *reason, size_t reasonlen)
{
	(void)host;
	(void)guid;
	(void)port_id;
	if (len >= 4 && memcmp(data, "good", 4) == 0)
		return 0;
	snprintf(reason, reasonlen, "test data must start with 'good'");
	return -1;
}

static int test_ok_can_enable(const fgw_route_host *host, const char *guid, uint32_t port_id,
			      const void *data, size_t len, char *reason, size_t reasonlen)
{
	if (len == 0) {
		snprintf(reason, reasonlen, "no test data set");
		return -1;
	}
	return test_ok_validate(host, guid, port_id, data, len, reason, reasonlen);
}

static void test_ok_device_change(const fgw_route_host *host, const char *guid,
				  uint32_t port_id, int enabled, const void *data, size_t len)
{
	(void)host;
	(void)guid;
	(void)port_id;
	(void)enabled;
	(void)data;
	(void)len;
	test_ok_changes++;
}

fgw_route_status TestOkRoute(const fgw_route_host *host, const fgw_fax *fax,
			     const void *data, size_t len, char *msg, size_t msglen)
{
	(void)host;
	snprintf(msg, msglen, "test routed job %llu with %.*s", (unsigned long long)fax->job_id,
		 (int)len, (const char *)data);
	return FGW_ROUTE_OK;
}

fgw_route_status TestOkRouteTwo(const fgw_route_host *host, const fgw_fax *fax,
				const void *data, size_t len, char *msg, size_t msglen)
{
	return TestOkRoute(host, fax, data, len, msg, msglen);
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	const char *timeout;

	if (host->abi_version != FGW_ROUTING_ABI_VERSION) {
		snprintf(err, errlen, "unsupported ABI version %u", (unsigned)host->abi_version);
		return -1;
	}
	timeout = host->config_value(host->host, "http", "timeout");
	snprintf(test_ok_http_timeout, sizeof(test_ok_http_timeout), "%s",
		 timeout != NULL ? timeout : "(none)");
	ext->friendly_name = "faxgw test extension";
	ext->validate = test_ok_validate;
	ext->can_enable = test_ok_can_enable;
	ext->device_change = test_ok_device_change;
	if (host->register_method(host->host, TEST_OK_GUID1, "TestOkRoute", "Test OK") != 0 ||
	    host->register_method(host->host, TEST_OK_GUID2, "TestOkRouteTwo",
				  "Test OK two") != 0) {
		snprintf(err, errlen, "cannot register the test methods");
		return -1;
	}
	return 0;
}
