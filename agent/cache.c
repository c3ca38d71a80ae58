/*
 * cache.c - faxgw-agent's model of faxgwd: the gateway scalars and the
 * rows of faxPortTable, faxRoutingMethodTable and faxgwExtensionTable,
 * kept in table_container containers that the MIB handlers read.
 *
 * The main loop calls into faxgwd from here: on a timer (a sweep over all
 * ports, a few at a time), when faxgwd's events say something changed
 * (the ports named, once per batch of events), and for SETs (set.c).  A
 * lost connection keeps the last values (faxgwControlConnected false(2))
 * and is retried with a doubling back-off by a connector thread; a new
 * connection subscribes again and re-reads everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define CACHE_BACKOFF_MIN 1     /* seconds before the first reconnection */
#define CACHE_BACKOFF_MAX 30
#define CACHE_EVENTS_PER_READ 256 /* events handled per turn of the main loop */
#define CACHE_EVENT_BATCH 32    /* events whose rows are re-read together */
#define CACHE_DATA_RESYNC 60    /* seconds between full re-reads of routing data */
#define CACHE_REFRESH_SECS 5   /* full re-read of the model */
#define CACHE_SWEEP_PORTS 32   /* ports re-read per turn of the main loop */
#define CACHE_HOLD_MAX 30       /* a SET that never finished releases its hold */
/* Every call to faxgwd waits at most this long (fgw_set_timeout): the main
 * loop, and so snmpd (agentxTimeout is 1 s by default), never waits for a
 * stopped or hung faxgwd longer than one such call; the timeout drops the
 * connection, which the connector thread then retries. */
#define CACHE_CALL_TIMEOUT_MS 500
#define CACHE_STEP_MS 100       /* a step of the sweep stops after this long */

struct cache_conn_job {
	char path[FGW_MAX_PATH];       /* "" : fgw_default_socket() */
	fgw_handle *server, *sub;
	int rc, origin_rc, sub_rc;
	char error[FGW_MAX_ERROR_TEXT];
};

static struct {
	char socket[FGW_MAX_PATH];
	int have_socket;
	fgw_handle *server, *sub;
	int connected;
	time_t next_try;
	int backoff;
	int lost_logged;
	unsigned gen;
	time_t last_resync;
	time_t last_refresh;
	uint32_t *sweep_ids;             /* ports of the sweep in progress */
	size_t sweep_n, sweep_next;
	int sweep_active, sweep_data;
	int64_t sweep_t0;
	int hold;                        /* SET states alive (cache_set_hold) */
	time_t hold_since;
	int64_t deadline_ms;             /* cache_set_deadline(), or 0 */
	struct cache_gateway gw;
	netsnmp_container *ports, *methods, *exts;
	pthread_t conn_thread;          /* cache_connector(), while conn_running */
	int conn_running;
	int conn_pipe[2];
	struct cache_conn_job conn_job;
} cache;

/* Who is told of each event (cache_on_event()); apart from `cache`, which
 * cache_init() clears, so that it may be set before or after it. */
static cache_event_fn cache_event_handler;
static cache_conn_fn cache_conn_handler;

static int64_t cache_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static time_t cache_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Copies a C string into a fixed buffer, cut to fit. */
static void cache_copy(char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static netsnmp_container *cache_new_container(const char *name)
{
	netsnmp_container *c = netsnmp_container_find("table_container");

	if (c != NULL)
		c->container_name = strdup(name);
	return c;
}

int cache_init(const char *socket_path)
{
	memset(&cache, 0, sizeof(cache));
	if (socket_path != NULL) {
		if (strlen(socket_path) >= sizeof(cache.socket))
			return -1;
		cache_copy(cache.socket, sizeof(cache.socket), socket_path);
		cache.have_socket = 1;
	}
	cache.gen = 1;
	cache.conn_pipe[0] = cache.conn_pipe[1] = -1;
	cache.backoff = CACHE_BACKOFF_MIN;
	cache.ports = cache_new_container("faxPortTable");
	cache.methods = cache_new_container("faxRoutingMethodTable");
	cache.exts = cache_new_container("faxgwExtensionTable");
	if (cache.ports == NULL || cache.methods == NULL || cache.exts == NULL)
		return -1;
	return 0;
}

static void cache_free_row(void *row, void *ctx)
{
	(void)ctx;
	free(row);
}

static void cache_sweep_stop(void)
{
	free(cache.sweep_ids);
	cache.sweep_ids = NULL;
	cache.sweep_n = cache.sweep_next = 0;
	cache.sweep_active = 0;
}

static void cache_disconnect(void)
{
	fgw_close(cache.sub);
	fgw_close(cache.server);
	cache.sub = NULL;
	cache.server = NULL;
	cache.connected = 0;
	cache_sweep_stop();
}

void cache_shutdown(void)
{
	netsnmp_container *all[3] = { cache.ports, cache.methods, cache.exts };

	if (cache.conn_running) {
		pthread_join(cache.conn_thread, NULL);
		cache.conn_running = 0;
		fgw_close(cache.conn_job.sub);
		fgw_close(cache.conn_job.server);
	}
	cache_disconnect();
	/* The containers stay registered with the table handlers: only
	 * their rows are released. */
	for (size_t i = 0; i < 3; i++)
		if (all[i] != NULL)
			CONTAINER_CLEAR(all[i], cache_free_row, NULL);
}

void cache_on_event(cache_event_fn fn)
{
	cache_event_handler = fn;
}

void cache_on_connection(cache_conn_fn fn)
{
	cache_conn_handler = fn;
}

netsnmp_container *cache_port_container(void) { return cache.ports; }
netsnmp_container *cache_method_container(void) { return cache.methods; }
netsnmp_container *cache_ext_container(void) { return cache.exts; }
const struct cache_gateway *cache_gateway(void) { return &cache.gw; }
int cache_connected(void) { return cache.connected; }
fgw_handle *cache_server(void) { return cache.connected ? cache.server : NULL; }
int cache_event_fd(void) { return cache.sub != NULL ? fgw_event_fd(cache.sub) : -1; }

void cache_set_hold(int on)
{
	if (on) {
		cache.hold++;
		cache.hold_since = cache_now();
	} else if (cache.hold > 0) {
		cache.hold--;
	}
}

int cache_held(void)
{
	return cache.hold;
}

void cache_set_deadline(int ms)
{
	cache.deadline_ms = ms > 0 ? cache_now_ms() + ms : 0;
	if (ms <= 0 && cache.server != NULL)
		fgw_set_timeout(cache.server, CACHE_CALL_TIMEOUT_MS);
}

int cache_budget(void)
{
	int64_t left;

	if (cache.server == NULL)
		return FGW_E_CLOSED;
	if (cache.deadline_ms == 0)
		return 0;
	left = cache.deadline_ms - cache_now_ms();
	if (left <= 0) {
		fgw_set_timeout(cache.server, 1); /* for a port handle's close */
		return FGW_E_TIMEOUT;
	}
	fgw_set_timeout(cache.server, left < CACHE_CALL_TIMEOUT_MS ? (int)left
							       : CACHE_CALL_TIMEOUT_MS);
	return 0;
}

static int cache_is_lost_code(int rc)
{
	return rc == FGW_E_CLOSED || rc == FGW_E_CONNECT || rc == FGW_E_TIMEOUT ||
	       rc == FGW_E_PROTOCOL;
}

int cache_check_lost(int rc)
{
	if (!cache_is_lost_code(rc) || cache.server == NULL)
		return 0;
	agent_log(LOG_WARNING, "lost the connection to faxgwd (%s); serving the last "
		  "values, reconnecting", fgw_strerror(rc));
	cache_disconnect();
	cache.backoff = CACHE_BACKOFF_MIN;
	cache.next_try = cache_now() + cache.backoff;
	cache.lost_logged = 0;
	if (cache_conn_handler != NULL)
		cache_conn_handler(0);
	return 1;
}

/* --- rows ---------------------------------------------------------------------- */

struct cache_port *cache_find_port(uint32_t port_id)
{
	oid o[1] = { port_id };
	netsnmp_index key = { .len = 1, .oids = o };

	return CONTAINER_FIND(cache.ports, &key);
}

struct cache_method *cache_find_method(uint32_t port_id, uint32_t method_index)
{
	oid o[2] = { port_id, method_index };
	netsnmp_index key = { .len = 2, .oids = o };

	return CONTAINER_FIND(cache.methods, &key);
}

struct cache_port *cache_first_port(void)
{
	return CONTAINER_FIRST(cache.ports);
}

struct cache_method *cache_find_method_guid(uint32_t port_id, const char *guid)
{
	oid o[1] = { port_id };
	netsnmp_index key = { .len = 1, .oids = o };
	struct cache_method *m;

	if (guid == NULL || guid[0] == '\0')
		return NULL;
	/* Rows of one port are consecutive; the first follows {port_id}. */
	for (m = CONTAINER_NEXT(cache.methods, &key); m != NULL;
	     m = CONTAINER_NEXT(cache.methods, &m->idx)) {
		if (m->port_id != port_id)
			break;
		if (strcasecmp(m->guid, guid) == 0)
			return m;
	}
	return NULL;
}

struct cache_ext *cache_find_ext_image(const char *image, uint32_t *index)
{
	netsnmp_iterator *it;
	struct cache_ext *e, *found = NULL;

	if (index != NULL)
		*index = 0;
	if (image == NULL || cache.exts == NULL)
		return NULL;
	it = CONTAINER_ITERATOR(cache.exts);
	if (it == NULL)
		return NULL;
	for (e = ITERATOR_FIRST(it); e != NULL; e = ITERATOR_NEXT(it)) {
		size_t len = strlen(e->image);

		if (strncmp(e->image, image, len) == 0 &&
		    (image[len] == '\0' || (image[len] == ':' && image[len + 1] == ' '))) {
			found = e;
			if (index != NULL)
				*index = (uint32_t)e->idx_oid[0];
			break;
		}
	}
	ITERATOR_RELEASE(it);
	return found;
}

static struct cache_port *cache_port_row(uint32_t id)
{
	struct cache_port *p = cache_find_port(id);

	if (p != NULL)
		return p;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->idx_oid[0] = id;
	p->idx.oids = p->idx_oid;
	p->idx.len = 1;
	p->id = id;
	p->data_dirty = 1;
	if (CONTAINER_INSERT(cache.ports, p) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

struct cache_port *cache_put_port(uint32_t port_id)
{
	struct cache_port *p = cache.ports != NULL ? cache_port_row(port_id) : NULL;

	if (p != NULL)
		p->gen = cache.gen;
	return p;
}

static void cache_port_update(const fgw_port_info *in)
{
	struct cache_port *p = cache_port_row(in->id);

	if (p == NULL)
		return;
	p->gen = cache.gen;
	cache_copy(p->name, sizeof(p->name), in->name);
	p->transport = (int)in->transport;
	cache_copy(p->local_address, sizeof(p->local_address), in->local_address);
	cache_copy(p->local_ident, sizeof(p->local_ident), in->local_ident);
	p->state = (int)in->state;
	if (p->event_state == 0)
		p->event_state = p->state;
	p->faxes_received = in->faxes_received;
	p->pages_received = in->pages_received;
	p->faxes_failed = in->faxes_failed;
	p->routing_failures = in->routing_failures;
	cache_copy(p->last_remote_ident, sizeof(p->last_remote_ident), in->last_remote_ident);
	p->modify_held = in->modify_held != 0;
	p->faxes_sent = in->faxes_sent;
	p->pages_sent = in->pages_sent;
	p->send_failures = in->send_failures;
}

static struct cache_method *cache_method_row(uint32_t port_id, uint32_t method_index)
{
	struct cache_method *m = cache_find_method(port_id, method_index);

	if (m != NULL)
		return m;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->idx_oid[0] = port_id;
	m->idx_oid[1] = method_index;
	m->idx.oids = m->idx_oid;
	m->idx.len = 2;
	m->port_id = port_id;
	m->method_index = method_index;
	if (CONTAINER_INSERT(cache.methods, m) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

struct cache_method *cache_put_method(uint32_t port_id, uint32_t method_index)
{
	struct cache_method *m = cache.methods != NULL ? cache_method_row(port_id, method_index)
						       : NULL;

	if (m != NULL)
		m->gen = cache.gen;
	return m;
}

static struct cache_method *cache_method_update(uint32_t port_id, const fgw_routing_method *in)
{
	struct cache_method *m = cache_method_row(port_id, in->method_index);

	if (m == NULL)
		return NULL;
	m->gen = cache.gen;
	cache_copy(m->guid, sizeof(m->guid), in->guid);
	cache_copy(m->function_name, sizeof(m->function_name), in->function_name);
	cache_copy(m->friendly_name, sizeof(m->friendly_name), in->friendly_name);
	cache_copy(m->ext_image, sizeof(m->ext_image), in->extension_image_name);
	cache_copy(m->ext_name, sizeof(m->ext_name), in->extension_friendly_name);
	m->enabled = in->enabled != 0;
	m->priority = in->priority;
	m->routed = in->routed;
	m->failures = in->failures;
	cache_copy(m->last_error, sizeof(m->last_error), in->last_error);
	return m;
}

static void cache_ext_update(uint32_t index, const fgw_extension_info *in)
{
	oid o[1] = { index };
	netsnmp_index key = { .len = 1, .oids = o };
	struct cache_ext *e = CONTAINER_FIND(cache.exts, &key);

	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return;
		e->idx_oid[0] = index;
		e->idx.oids = e->idx_oid;
		e->idx.len = 1;
		if (CONTAINER_INSERT(cache.exts, e) != 0) {
			free(e);
			return;
		}
	}
	e->gen = cache.gen;
	cache_copy(e->image, sizeof(e->image), in->image_name);
	cache_copy(e->name, sizeof(e->name), in->friendly_name);
	e->loaded = in->loaded != 0;
	cache_copy(e->error, sizeof(e->error), in->error);
	e->method_count = in->method_count;
}

struct cache_stale {
	netsnmp_index **rows;
	size_t n, cap;
	unsigned gen;
	size_t gen_offset;
};

static void cache_collect_stale(void *row, void *ctx)
{
	struct cache_stale *s = ctx;
	unsigned gen;

	memcpy(&gen, (char *)row + s->gen_offset, sizeof(gen));
	if (gen == s->gen)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		netsnmp_index **r = realloc(s->rows, cap * sizeof(*r));
		if (r == NULL)
			return;
		s->rows = r;
		s->cap = cap;
	}
	s->rows[s->n++] = row;
}

/* Removes the rows that the refresh of generation `gen` did not see. */
static void cache_drop_stale(netsnmp_container *c, size_t gen_offset)
{
	struct cache_stale s = { .gen = cache.gen, .gen_offset = gen_offset };

	CONTAINER_FOR_EACH(c, cache_collect_stale, &s);
	for (size_t i = 0; i < s.n; i++) {
		CONTAINER_REMOVE(c, s.rows[i]);
		free(s.rows[i]);
	}
	free(s.rows);
}

/* --- reading faxgwd --------------------------------------------------------- */

static int cache_read_data(fgw_handle *port, struct cache_method *m)
{
	void *data = NULL;
	size_t len = 0;
	int rc = cache_budget();

	if (rc == 0)
		rc = fgw_get_routing_info(port, m->guid, &data, &len);

	if (rc != 0)
		return rc;
	if (len > sizeof(m->data))
		len = sizeof(m->data);
	if (len > 0)
		memcpy(m->data, data, len);
	m->data_len = len;
	fgw_free_buffer(data);
	return 0;
}

/* One port's methods (and their data when with_data). */
static int cache_read_methods(uint32_t port_id, int with_data, fgw_port_info **info)
{
	fgw_handle *port = NULL;
	fgw_routing_method *ms = NULL;
	size_t n = 0;
	int rc = cache_budget();

	if (rc == 0)
		rc = fgw_open_port(cache.server, port_id, FGW_PORT_OPEN_QUERY, &port);
	if (rc != 0)
		return rc;
	if (info != NULL && (rc = cache_budget()) == 0)
		rc = fgw_get_port(port, info);
	if (rc == 0 && (rc = cache_budget()) == 0)
		rc = fgw_enum_routing_methods(port, &ms, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct cache_method *m = cache_method_update(port_id, &ms[i]);
		if (m != NULL && with_data)
			rc = cache_read_data(port, m);
	}
	fgw_free_buffer(ms);
	cache_budget();
	fgw_close(port);
	return rc;
}

int cache_refresh_gateway(void)
{
	fgw_gateway_info *gi = NULL;
	fgw_extension_info *ext = NULL;
	size_t n = 0;
	int rc;

	if (cache.server == NULL)
		return FGW_E_CLOSED;
	rc = fgw_get_gateway_info(cache.server, &gi);
	if (rc == 0) {
		cache.gw.known = 1;
		cache_copy(cache.gw.version, sizeof(cache.gw.version), gi->version);
		cache.gw.port_count = gi->port_count;
		cache.gw.active_calls = gi->active_calls;
		cache.gw.spool_pending = gi->spool_pending;
		cache.gw.dead_letters = gi->dead_letters;
		cache.gw.unrouted = gi->unrouted;
		cache.gw.extension_load_failures = gi->extension_load_failures;
		cache.gw.start_time = gi->start_time;
		fgw_free_buffer(gi);
		rc = fgw_enum_extensions(cache.server, &ext, &n);
	}
	if (rc == 0) {
		for (size_t i = 0; i < n && i < FGW_MAX_EXTENSIONS; i++)
			cache_ext_update((uint32_t)(i + 1), &ext[i]);
		fgw_free_buffer(ext);
		if (!cache.hold)
			cache_drop_stale(cache.exts, offsetof(struct cache_ext, gen));
	}
	if (rc != 0 && !cache_check_lost(rc))
		agent_log(LOG_WARNING, "cannot read the gateway status: %s: %s",
			  fgw_strerror(rc), fgw_last_error_message(cache.server));
	return rc;
}

int cache_refresh_port(uint32_t port_id)
{
	fgw_port_info *info = NULL;
	int rc;

	if (cache.server == NULL)
		return FGW_E_CLOSED;
	rc = cache_read_methods(port_id, 1, &info);
	if (info != NULL) {
		struct cache_port *p = cache_find_port(port_id);
		unsigned gen = p != NULL ? p->gen : cache.gen;

		cache_port_update(info);
		p = cache_find_port(port_id);
		if (p != NULL) {
			p->gen = gen;
			if (rc == 0)
				p->data_dirty = 0;
		}
		fgw_free_buffer(info);
	}
	if (rc != 0 && !cache_check_lost(rc))
		agent_log(LOG_WARNING, "cannot read port %u: %s: %s", (unsigned)port_id,
			  fgw_strerror(rc), fgw_last_error_message(cache.server));
	return rc;
}

/* The periodic re-read of everything is a sweep done in steps of
 * CACHE_SWEEP_PORTS ports between two turns of the main loop, so that a
 * large configuration never holds up snmpd's requests for long. */
/* Gateway, extensions and the port list now; the methods in steps. */
static int cache_sweep_start(void)
{
	fgw_port_info *ports = NULL;
	size_t n = 0;
	int rc;

	cache_sweep_stop();
	cache.gen++;
	cache.sweep_t0 = cache_now_ms();
	cache.sweep_data = cache_now() - cache.last_resync >= CACHE_DATA_RESYNC;
	rc = cache_refresh_gateway();
	if (rc != 0)
		return rc;
	rc = fgw_enum_ports(cache.server, &ports, &n);
	if (rc != 0) {
		if (!cache_check_lost(rc))
			agent_log(LOG_WARNING, "cannot read the ports: %s: %s", fgw_strerror(rc),
				  fgw_last_error_message(cache.server));
		return rc;
	}
	cache.sweep_ids = calloc(n > 0 ? n : 1, sizeof(*cache.sweep_ids));
	if (cache.sweep_ids == NULL) {
		fgw_free_buffer(ports);
		return FGW_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		cache_port_update(&ports[i]);
		cache.sweep_ids[i] = ports[i].id;
	}
	cache.sweep_n = n;
	cache.sweep_active = 1;
	fgw_free_buffer(ports);
	return 0;
}

static void cache_sweep_finish(void)
{
	if (cache.sweep_data)
		cache.last_resync = cache_now();
	if (!cache.hold) {
		cache_drop_stale(cache.ports, offsetof(struct cache_port, gen));
		cache_drop_stale(cache.methods, offsetof(struct cache_method, gen));
	}
	cache.last_refresh = cache_now();
	agent_log(LOG_DEBUG, "refreshed %zu ports, %zu method rows in %lld ms",
		  CONTAINER_SIZE(cache.ports), CONTAINER_SIZE(cache.methods),
		  (long long)(cache_now_ms() - cache.sweep_t0));
	cache_sweep_stop();
}

int cache_busy(void)
{
	return cache.sweep_active;
}

void cache_step(void)
{
	int64_t t0 = cache_now_ms();
	size_t end;

	if (!cache.sweep_active)
		return;
	end = cache.sweep_next + CACHE_SWEEP_PORTS;
	if (end > cache.sweep_n)
		end = cache.sweep_n;
	for (; cache.sweep_next < end && cache.server != NULL &&
	       cache_now_ms() - t0 < CACHE_STEP_MS; cache.sweep_next++) {
		uint32_t id = cache.sweep_ids[cache.sweep_next];
		struct cache_port *p = cache_find_port(id);
		int with_data = cache.sweep_data || (p != NULL && p->data_dirty);
		int rc = cache_read_methods(id, with_data, NULL);

		if (rc == FGW_E_NO_PORT)
			continue;
		if (rc != 0) {
			if (!cache_check_lost(rc))
				agent_log(LOG_WARNING, "cannot read port %u: %s: %s", (unsigned)id,
					  fgw_strerror(rc), fgw_last_error_message(cache.server));
			cache_sweep_stop();
			return;
		}
		p = cache_find_port(id);
		if (p != NULL && with_data)
			p->data_dirty = 0;
	}
	if (cache.server == NULL)
		cache_sweep_stop();
	else if (cache.sweep_next >= cache.sweep_n)
		cache_sweep_finish();
}

static void cache_subscribe(void)
{
	int rc = fgw_subscribe(cache.server, FGW_EVENT_ALL, &cache.sub);

	if (rc != 0) {
		cache.sub = NULL;
		agent_log(LOG_WARNING, "cannot subscribe to faxgwd's events: %s: %s; "
			  "notifications are off until the next try", fgw_strerror(rc),
			  fgw_last_error_message(cache.server));
	}
}

/* --- connecting ----------------------------------------------------------------
 * fgw_connect() waits up to FGW_CLIENT_TIMEOUT_MS for faxgwd's greeting: a
 * hung faxgwd would hold up the main loop (and so snmpd) for that long on
 * every retry.  So connections are made by a short-lived thread; the main
 * loop takes the new handles over when the thread says it is done (a
 * handle is only ever used by one thread at a time). */
static void *cache_connector(void *arg)
{
	struct cache_conn_job *job = arg;
	const char *path = job->path[0] != '\0' ? job->path : NULL;
	char byte = 1;

	job->rc = fgw_connect(path, &job->server);
	if (job->rc != 0) {
		job->server = NULL;
		cache_copy(job->error, sizeof(job->error), fgw_last_error_message(NULL));
	} else {
		job->origin_rc = fgw_set_origin(job->server, "snmp");
		job->sub_rc = fgw_subscribe(job->server, FGW_EVENT_ALL, &job->sub);
		if (job->sub_rc != 0) {
			job->sub = NULL;
			cache_copy(job->error, sizeof(job->error),
				   fgw_last_error_message(job->server));
		}
	}
	while (write(cache.conn_pipe[1], &byte, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void cache_connect(void)
{
	if (cache.conn_running)
		return;
	if (cache.conn_pipe[0] < 0 && pipe2(cache.conn_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		agent_log(LOG_ERR, "pipe: %s", strerror(errno));
		return;
	}
	memset(&cache.conn_job, 0, sizeof(cache.conn_job));
	if (cache.have_socket)
		cache_copy(cache.conn_job.path, sizeof(cache.conn_job.path), cache.socket);
	if (pthread_create(&cache.conn_thread, NULL, cache_connector, &cache.conn_job) != 0) {
		agent_log(LOG_ERR, "cannot start a thread to connect to faxgwd");
		return;
	}
	cache.conn_running = 1;
}

int cache_connect_fd(void)
{
	return cache.conn_running ? cache.conn_pipe[0] : -1;
}

static void cache_connect_failed(const struct cache_conn_job *job)
{
	const char *path = cache.have_socket ? cache.socket : fgw_default_socket();

	if (!cache.lost_logged)
		agent_log(LOG_WARNING, "cannot connect to faxgwd at %s: %s; retrying", path,
			  job->error[0] != '\0' ? job->error : fgw_strerror(job->rc));
	cache.lost_logged = 1;
	cache.next_try = cache_now() + cache.backoff;
	cache.backoff = cache.backoff * 2 > CACHE_BACKOFF_MAX ? CACHE_BACKOFF_MAX
							       : cache.backoff * 2;
}

void cache_connect_done(void)
{
	struct cache_conn_job *job = &cache.conn_job;
	char buf[16];
	int done = 0;

	if (!cache.conn_running)
		return;
	while (read(cache.conn_pipe[0], buf, sizeof(buf)) > 0)
		done = 1;
	if (!done)
		return;                  /* the thread is still connecting */
	pthread_join(cache.conn_thread, NULL);
	cache.conn_running = 0;
	if (job->rc != 0) {
		cache_connect_failed(job);
		return;
	}
	if (job->origin_rc != 0)
		agent_log(LOG_WARNING, "faxgwd refused the origin 'snmp': %s",
			  fgw_strerror(job->origin_rc));
	if (job->sub_rc != 0)
		agent_log(LOG_WARNING, "cannot subscribe to faxgwd's events: %s: %s; "
			  "notifications are off until the next try", fgw_strerror(job->sub_rc),
			  job->error);
	cache.server = job->server;
	cache.sub = job->sub;
	job->server = job->sub = NULL;
	fgw_set_timeout(cache.server, CACHE_CALL_TIMEOUT_MS);
	cache.connected = 1;
	cache.backoff = CACHE_BACKOFF_MIN;
	cache.lost_logged = 0;
	cache.last_resync = 0;
	cache.last_refresh = 0;
	agent_log(LOG_INFO, "connected to faxgwd at %s",
		  cache.have_socket ? cache.socket : fgw_default_socket());
	cache_tick();
	if (cache.connected && cache_conn_handler != NULL)
		cache_conn_handler(1);
}

void cache_tick(void)
{
	if (cache.hold && cache_now() - cache.hold_since > CACHE_HOLD_MAX)
		cache.hold = 0;
	if (cache.server == NULL) {
		if (cache_now() >= cache.next_try)
			cache_connect();
		return;
	}
	if (cache.sub == NULL && cache_now() - cache.last_refresh >= CACHE_REFRESH_SECS)
		cache_subscribe();
	if (cache.server != NULL && !cache.sweep_active &&
	    cache_now() - cache.last_refresh >= CACHE_REFRESH_SECS &&
	    cache_sweep_start() != 0)
		cache.last_refresh = cache_now(); /* try again at the next period */
	/* Events that libfaxgw already holds leave nothing to read on the
	 * descriptor (several frames came in one recv), e.g. the extension
	 * load failures faxgwd replays right after the reply to a new
	 * subscription: look once a tick, after the model was read. */
	if (cache.sub != NULL)
		cache_read_events();
}

/* What a batch of events changes in the model, before their notifications
 * go out: each port named once, the gateway scalars once. */
struct cache_batch {
	uint32_t ports[CACHE_EVENT_BATCH];
	size_t nports;
	int gateway, all;
};

static void cache_batch_add(struct cache_batch *b, const fgw_event *ev)
{
	size_t i;

	if (ev->type == FGW_EVENT_ROUTING_CHANGED && ev->port_id == 0)
		b->all = 1;              /* a priority change: every row */
	b->gateway = 1;
	if (ev->port_id == 0)
		return;
	for (i = 0; i < b->nports && b->ports[i] != ev->port_id; i++)
		;
	if (i == b->nports && b->nports < CACHE_EVENT_BATCH)
		b->ports[b->nports++] = ev->port_id;
}

static void cache_batch_apply(const struct cache_batch *b)
{
	struct cache_port *first = cache_first_port();

	for (size_t i = 0; i < b->nports && cache.server != NULL; i++)
		cache_refresh_port(b->ports[i]);
	if (b->all && first != NULL && cache.server != NULL)
		cache_refresh_port(first->id); /* the notification's instances */
	if (b->gateway && cache.server != NULL)
		cache_refresh_gateway();
	if (b->all && cache.server != NULL && cache_sweep_start() != 0)
		cache_sweep_stop();
}

/* Reads up to CACHE_EVENT_BATCH events; 0 when the stream is still open. */
static int cache_read_batch(fgw_event **evs, size_t *n)
{
	*n = 0;
	while (*n < CACHE_EVENT_BATCH && cache.sub != NULL) {
		fgw_event *ev = NULL;
		int rc = fgw_read_event(cache.sub, &ev, 0);

		if (rc == FGW_E_TIMEOUT || rc == FGW_E_NOMEM)
			return 0;
		if (rc != 0) {
			/* faxgwd went away: the server connection goes with it. */
			agent_log(LOG_DEBUG, "event stream ended: %s", fgw_strerror(rc));
			return -1;
		}
		agent_log(LOG_DEBUG, "event %d port %u %s: %s", (int)ev->type,
			  (unsigned)ev->port_id, ev->guid != NULL ? ev->guid : "",
			  ev->text != NULL ? ev->text : "");
		evs[(*n)++] = ev;
	}
	return 0;
}

void cache_read_events(void)
{
	for (int round = 0; round < CACHE_EVENTS_PER_READ / CACHE_EVENT_BATCH; round++) {
		fgw_event *evs[CACHE_EVENT_BATCH];
		struct cache_batch b = { .nports = 0 };
		size_t n = 0;
		int ended = cache_read_batch(evs, &n);

		for (size_t i = 0; i < n; i++)
			cache_batch_add(&b, evs[i]);
		if (n > 0)
			cache_batch_apply(&b);
		for (size_t i = 0; i < n; i++) {
			if (cache_event_handler != NULL)
				cache_event_handler(evs[i]);
			fgw_free_buffer(evs[i]);
		}
		if (ended) {
			cache_check_lost(FGW_E_CLOSED);
			return;
		}
		if (n < CACHE_EVENT_BATCH)
			return;
	}
}
