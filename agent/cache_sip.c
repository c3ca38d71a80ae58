/*
 * cache_sip.c - faxgwd's SIP counters (faxgwSip) and the settings of its
 * sip ports (faxPortChannels, faxPortActiveCalls, faxPortSipUsers), read
 * with fgw_get_sip_info() every CACHE_SIP_REFRESH_SECS on the main loop:
 * the counters move with every call and no event reports them.  GETs
 * read what was last stored here.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "agent.h"

#define CACHE_SIP_REFRESH_SECS 3

static struct {
	fgw_sip_stats gw;
	struct cache_sip_port *ports;    /* ascending port_id */
	size_t n;
	int unsupported;                 /* faxgwd does not know the call */
	uint64_t start_time;             /* faxgwStartTime it was found for */
	time_t last;                     /* CLOCK_MONOTONIC seconds */
	int read_once;
} sip;

static time_t sip_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void cache_sip_shutdown(void)
{
	free(sip.ports);
	memset(&sip, 0, sizeof(sip));
}

const fgw_sip_stats *cache_sip_stats(void)
{
	return &sip.gw;
}

static int sip_cmp(const void *a, const void *b)
{
	const struct cache_sip_port *x = a, *y = b;

	return x->port_id < y->port_id ? -1 : x->port_id > y->port_id;
}

const struct cache_sip_port *cache_sip_port(uint32_t port_id)
{
	struct cache_sip_port key = { .port_id = port_id };

	if (sip.n == 0)
		return NULL;
	return bsearch(&key, sip.ports, sip.n, sizeof(*sip.ports), sip_cmp);
}

int cache_sip_set(const fgw_sip_stats *gw, const fgw_sip_port *ports, size_t n)
{
	struct cache_sip_port *v = NULL;

	if (n > 0) {
		v = calloc(n, sizeof(*v));
		if (v == NULL)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *users = ports[i].sip_users != NULL ? ports[i].sip_users : "";
		size_t len = strlen(users);

		if (len > AGENT_MAX_TEXT)
			len = AGENT_MAX_TEXT;
		v[i].port_id = ports[i].port_id;
		v[i].channels = ports[i].channels;
		v[i].calls = ports[i].stats.calls;
		memcpy(v[i].users, users, len);
		v[i].users[len] = '\0';
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), sip_cmp);
	free(sip.ports);
	sip.ports = v;
	sip.n = n;
	sip.gw = *gw;
	return 0;
}

int cache_sip_refresh(void)
{
	fgw_handle *server = cache_server();
	fgw_sip_stats gw;
	fgw_sip_port *ports = NULL;
	size_t n = 0;
	int rc;

	if (server == NULL)
		return FGW_E_CLOSED;
	sip.last = sip_now();
	rc = cache_budget();
	if (rc == 0)
		rc = fgw_get_sip_info(server, &gw, &ports, &n);
	if (rc == 0) {
		sip.read_once = 1;
		if (cache_sip_set(&gw, ports, n) != 0)
			agent_log(LOG_WARNING, "out of memory for the SIP ports");
		fgw_free_buffer(ports);
		return 0;
	}
	if (rc == FGW_E_PROTOCOL) {
		/* An older faxgwd closes the connection on an unknown request:
		 * the call is not made again until another faxgwd runs. */
		sip.unsupported = 1;
		sip.start_time = cache_gateway()->start_time;
		agent_log(LOG_WARNING, "faxgwd does not report SIP counters: faxgwSip stays "
			  "zero until it is upgraded");
	}
	if (!cache_check_lost(rc))
		agent_log(LOG_WARNING, "cannot read the SIP counters: %s: %s", fgw_strerror(rc),
			  fgw_last_error_message(server));
	return rc;
}

void cache_sip_tick(void)
{
	if (sip.unsupported && cache_gateway()->start_time != sip.start_time)
		sip.unsupported = 0;     /* another faxgwd: perhaps a newer one */
	if (sip.unsupported || cache_server() == NULL)
		return;
	if (!sip.read_once || sip_now() - sip.last >= CACHE_SIP_REFRESH_SECS)
		cache_sip_refresh();
}
