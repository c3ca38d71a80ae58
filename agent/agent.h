/*
 * agent.h - faxgw-agent, the AgentX subagent (RFC 2741) that serves
 * FAXGW-MIB (mibs/FAXGW-MIB.txt) for faxgwd.
 *
 * The agent is a plain libfaxgw client (faxgw/admin.h).  Its modules:
 *   main.c         options, Net-SNMP set-up, the one event loop
 *   agent_log.c    logging through Net-SNMP's log (syslog, or stderr with -f)
 *   cache.c        the model (gateway, ports, methods, extensions) kept
 *                  fresh from faxgwd; the connection and its back-off
 *   mib_scalars.c  faxgwGateway scalars
 *   mib_ports.c    faxPortTable
 *   mib_methods.c  faxRoutingMethodTable (reads; SETs go to set.c)
 *   mib_ext.c      faxgwExtensionTable
 *   cache_jobs.c   the rows of faxJobTable (the most recent faxes, received
 *                  and sent)
 *   cache_sip.c    faxgwd's SIP counters and its sip ports' settings
 *   mib_jobs.c     faxJobTable
 *   mib_sip.c      faxgwSip scalars
 *   set.c          RFC 3416 SET phases through fgw_set_routing_batch
 *   notify.c       faxgwd events -> FAXGW-MIB notifications
 *
 * Every read is answered from the cache: no call to faxgwd happens in a
 * GET, GETNEXT or GETBULK path.  Everything runs on the main thread, except
 * the set-up of a connection to faxgwd (cache.c's connector thread, whose
 * handles the main thread takes over when it is done).
 */
#ifndef FAXGW_AGENT_H
#define FAXGW_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <net-snmp/library/large_fd_set.h>

#include <faxgw/admin.h>

/* --- FAXGW-MIB object identifiers ------------------------------------------
 * faxgwMIB ::= { enterprises 32473 1 }; 32473 is RFC 5612's documentation
 * number, named only here (AGENT_ENTERPRISE). */
#define AGENT_ENTERPRISE 32473
#define AGENT_MIB_OID 1, 3, 6, 1, 4, 1, AGENT_ENTERPRISE, 1
#define AGENT_MIB_OID_LEN 8

/* faxgwObjects (1) children */
#define AGENT_GATEWAY 1        /* faxgwGateway scalars */
#define AGENT_PORT_TABLE 2     /* faxPortTable */
#define AGENT_METHOD_TABLE 3   /* faxRoutingMethodTable */
#define AGENT_NOTIFY_OBJECTS 4 /* faxgwNotifyObjects */
#define AGENT_EXT_TABLE 5      /* faxgwExtensionTable */
#define AGENT_JOB_TABLE 6      /* faxJobTable */
#define AGENT_SIP 7            /* faxgwSip scalars */

/* faxJobTableMaxRows: the bound of faxJobTable. */
#define AGENT_JOB_MAX_ROWS 500
/* fgw_get_job() calls (a row's remote address, rate, T.30 result, ...)
 * per re-read of faxJobTable, so that one never takes long. */
#define AGENT_JOB_DETAILS_PER_PASS 32

/* faxgwGateway scalars */
enum agent_scalar {
	AGENT_SC_VERSION = 1,
	AGENT_SC_PORT_COUNT = 2,
	AGENT_SC_ACTIVE_CALLS = 3,
	AGENT_SC_SPOOL_PENDING = 4,
	AGENT_SC_DEAD_LETTERS = 5,
	AGENT_SC_EXT_LOAD_FAILURES = 6,
	AGENT_SC_CONTROL_CONNECTED = 7,
	AGENT_SC_START_TIME = 8,
	AGENT_SC_SPOOL_UNROUTED = 9,
	AGENT_SC_JOB_MAX_ROWS = 10,
};

/* faxPortEntry columns */
enum agent_port_col {
	AGENT_PC_NAME = 2,
	AGENT_PC_TRANSPORT = 3,
	AGENT_PC_LOCAL_ADDRESS = 4,
	AGENT_PC_STATE = 5,
	AGENT_PC_FAXES_RECEIVED = 6,
	AGENT_PC_PAGES_RECEIVED = 7,
	AGENT_PC_FAXES_FAILED = 8,
	AGENT_PC_ROUTING_FAILURES = 9,
	AGENT_PC_LAST_REMOTE_IDENT = 10,
	AGENT_PC_LOCAL_IDENT = 11,
	AGENT_PC_MODIFY_HELD = 12,
	AGENT_PC_CHANNELS = 13,
	AGENT_PC_ACTIVE_CALLS = 14,
	AGENT_PC_SIP_USERS = 15,
	AGENT_PC_FAXES_SENT = 16,
	AGENT_PC_PAGES_SENT = 17,
	AGENT_PC_SEND_FAILURES = 18,
};

/* faxJobEntry columns */
enum agent_job_col {
	AGENT_JC_DIRECTION = 2,
	AGENT_JC_PORT = 3,
	AGENT_JC_STATE = 4,
	AGENT_JC_REMOTE_IDENT = 5,
	AGENT_JC_PAGES = 6,
	AGENT_JC_PARTIAL = 7,
	AGENT_JC_RECEIVED_TIME = 8,
	AGENT_JC_ATTEMPTS = 9,
	AGENT_JC_LAST_ERROR = 10,
	AGENT_JC_DEGRADED_PAGES = 11,
	/* From fgw_get_job(): zero/empty until the agent fetched them. */
	AGENT_JC_REMOTE_ADDR_TYPE = 12,
	AGENT_JC_REMOTE_ADDR = 13,
	AGENT_JC_REMOTE_PORT = 14,
	AGENT_JC_BIT_RATE = 15,
	AGENT_JC_ECM = 16,
	AGENT_JC_T30_STATUS = 17,
	AGENT_JC_T30_TEXT = 18,
	AGENT_JC_START_TIME = 19,
	AGENT_JC_END_TIME = 20,
	/* From the listing (fgw_job.to). */
	AGENT_JC_DESTINATION = 21,
	/* From fgw_get_job(), as 12-20. */
	AGENT_JC_DOCUMENT_PAGES = 22,
	AGENT_JC_SIP_STATUS = 23,
	AGENT_JC_SUBMITTED_BY = 24,
};
/* faxJobDirection: the values of fgw_job_direction. */
#define AGENT_JOB_RECEIVED 1   /* received(1) = FGW_DIR_RECEIVE */
#define AGENT_JOB_SENT 2       /* sent(2) = FGW_DIR_SEND */

/* FaxgwInetAddressType: the values of RFC 4001's InetAddressType. */
enum agent_addr_type {
	AGENT_ADDR_UNKNOWN = 0,
	AGENT_ADDR_IPV4 = 1,
	AGENT_ADDR_IPV6 = 2,
};

/* faxgwSip scalars */
enum agent_sip_scalar {
	AGENT_SIP_RUNNING = 1,
	AGENT_SIP_CALLS = 2,
	AGENT_SIP_INVITES = 3,
	AGENT_SIP_ANSWERED = 4,
	AGENT_SIP_REJECTED_3XX = 5,
	AGENT_SIP_REJECTED_4XX = 6,
	AGENT_SIP_REJECTED_5XX = 7,
	AGENT_SIP_REJECTED_6XX = 8,
	AGENT_SIP_T38_SENT = 9,
	AGENT_SIP_T38_ACCEPTED = 10,
	AGENT_SIP_T38_REFUSED = 11,
	AGENT_SIP_T38_PEER = 12,
	AGENT_SIP_REFRESHES = 13,
};

/* faxRoutingMethodEntry columns */
enum agent_method_col {
	AGENT_MC_GUID = 2,
	AGENT_MC_FUNCTION_NAME = 3,
	AGENT_MC_FRIENDLY_NAME = 4,
	AGENT_MC_EXT_IMAGE = 5,
	AGENT_MC_EXT_NAME = 6,
	AGENT_MC_ENABLED = 7,
	AGENT_MC_DATA = 8,
	AGENT_MC_PRIORITY = 9,
	AGENT_MC_ROUTED = 10,
	AGENT_MC_FAILURES = 11,
	AGENT_MC_LAST_ERROR = 12,
};

/* faxgwExtensionEntry columns */
enum agent_ext_col {
	AGENT_EC_IMAGE = 2,
	AGENT_EC_NAME = 3,
	AGENT_EC_STATUS = 4,
	AGENT_EC_LOAD_ERROR = 5,
	AGENT_EC_METHOD_COUNT = 6,
};

/* faxgwNotifyObjects */
#define AGENT_NO_JOB_ID 1
#define AGENT_NO_REASON 2

/* Notifications (faxgwNotifications 0) */
enum agent_notification {
	AGENT_TRAP_ROUTING_FAILED = 1,
	AGENT_TRAP_DEAD_LETTERED = 2,
	AGENT_TRAP_RECEIVE_FAILED = 3,
	AGENT_TRAP_ROUTING_CHANGED = 4,
	AGENT_TRAP_EXT_LOAD_FAILED = 5,
	AGENT_TRAP_PORT_STATE_CHANGED = 6,
	AGENT_TRAP_CONTROL_LOST = 7,
	AGENT_TRAP_CONTROL_RESTORED = 8,
	AGENT_TRAP_SEND_FAILED = 9,
};

/* SNMP TruthValue (RFC 2579) */
#define AGENT_TRUE 1
#define AGENT_FALSE 2

/* Text sizes of the MIB's DisplayStrings (longer values are cut). */
#define AGENT_MAX_TEXT 255
#define AGENT_MAX_VERSION 64

/* --- agent_log.c --------------------------------------------------------------- */

/* foreground: stderr, else syslog (LOG_DAEMON, ident faxgw-agent);
 * debug: LOG_DEBUG messages are written too. */
void agent_log_init(int foreground, int debug);
void agent_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- cache.c ------------------------------------------------------------------ */

struct cache_gateway {
	int known;                                 /* faxgwd was reached at least once */
	char version[AGENT_MAX_VERSION + 1];
	uint32_t port_count, active_calls, spool_pending, dead_letters, unrouted;
	uint32_t extension_load_failures;
	uint64_t start_time;
};

/* Rows start with their netsnmp_index (table_container's key). Rows are
 * updated in place and removed only when no SET is in progress, so a
 * row pointer held by a SET request stays valid through its phases. */
struct cache_port {
	netsnmp_index idx;
	oid idx_oid[1];
	unsigned gen;
	int data_dirty;                            /* re-read routing data */
	uint32_t id;
	char name[FGW_MAX_NAME + 1];
	int transport;
	char local_address[FGW_MAX_ADDRESS + 1];
	char local_ident[FGW_MAX_IDENT + 1];
	int state;
	int event_state;                           /* last state an event reported */
	uint64_t faxes_received, pages_received, faxes_failed, routing_failures;
	char last_remote_ident[FGW_MAX_IDENT + 1];
	int modify_held;
	uint64_t faxes_sent, pages_sent, send_failures;
};

struct cache_method {
	netsnmp_index idx;
	oid idx_oid[2];
	unsigned gen;
	uint32_t port_id, method_index;
	char guid[FGW_GUID_LEN + 1];
	char function_name[FGW_MAX_NAME + 1];
	char friendly_name[FGW_MAX_NAME + 1];
	char ext_image[AGENT_MAX_TEXT + 1];
	char ext_name[FGW_MAX_NAME + 1];
	int enabled;
	unsigned char data[FGW_MAX_ROUTING_DATA];
	size_t data_len;
	uint32_t priority;
	uint64_t routed, failures;
	char last_error[AGENT_MAX_TEXT + 1];
};

struct cache_ext {
	netsnmp_index idx;
	oid idx_oid[1];
	unsigned gen;
	char image[AGENT_MAX_TEXT + 1];
	char name[FGW_MAX_NAME + 1];
	int loaded;
	char error[AGENT_MAX_TEXT + 1];
	uint32_t method_count;
	uint64_t notified_start;                   /* faxgwStartTime it was notified for */
};

/* socket_path NULL: fgw_default_socket().  Creates the containers. */
int cache_init(const char *socket_path);
void cache_shutdown(void);

netsnmp_container *cache_port_container(void);
netsnmp_container *cache_method_container(void);
netsnmp_container *cache_ext_container(void);
const struct cache_gateway *cache_gateway(void);
int cache_connected(void);
/* The server handle while connected, else NULL (set.c). */
fgw_handle *cache_server(void);
/* The subscription's descriptor, or -1. */
int cache_event_fd(void);

/* Connections to faxgwd are made by a helper thread: its descriptor
 * (readable when it is done, else -1) and what the main loop calls then
 * (it returns at once while the thread is still at work). */
int cache_connect_fd(void);
void cache_connect_done(void);
/* Connects (when the back-off allows it) and refreshes everything;
 * called from the timer and at start.  Never from a GET path. */
void cache_tick(void);
/* A periodic re-read is in progress: call cache_step() without waiting. */
int cache_busy(void);
/* Re-reads the next few ports of the periodic re-read. */
void cache_step(void);
/* Re-reads one port's row and its methods (with routing data) now. */
int cache_refresh_port(uint32_t port_id);
/* Re-reads the gateway scalars and the extension table now. */
int cache_refresh_gateway(void);
/* Reads and handles every waiting event: re-reads the rows they name,
 * then hands each to the handler set with cache_on_event(). */
void cache_read_events(void);
/* The cache knows nothing of its users: main.c sets notify_event() here.
 * fn is called on the main thread, once per event, after the rows the
 * event names were re-read; the event is freed when it returns.  NULL:
 * events only refresh the model. */
typedef void (*cache_event_fn)(const fgw_event *ev);
void cache_on_event(cache_event_fn fn);
/* Told when the connection to faxgwd goes (0: right after it was
 * dropped) or comes (1: after the model was first re-read); main.c sets
 * notify_connection() here.  NULL: nobody is told. */
typedef void (*cache_conn_fn)(int connected);
void cache_on_connection(cache_conn_fn fn);
/* Marks the connection lost after a failed call (rc a FGW_E_* code) if
 * rc means the connection is gone. Returns 1 if it did. */
int cache_check_lost(int rc);

struct cache_port *cache_find_port(uint32_t port_id);
struct cache_method *cache_find_method(uint32_t port_id, uint32_t method_index);
struct cache_method *cache_find_method_guid(uint32_t port_id, const char *guid);
struct cache_port *cache_first_port(void);
/* The row of `image`, also given as "IMAGE: REASON" (a load failure
 * event's text); index: the row's faxgwExtensionIndex, or 0. */
struct cache_ext *cache_find_ext_image(const char *image, uint32_t *index);

/* The row with that index, created (zeroed but for its index) when it is
 * not there; NULL when out of memory or before cache_init().  The cache
 * owns it.  For callers that fill the model themselves (the unit tests);
 * the next refresh from faxgwd overwrites or removes it. */
struct cache_port *cache_put_port(uint32_t port_id);
struct cache_method *cache_put_method(uint32_t port_id, uint32_t method_index);

/* Holds counted per SET request state (set.c): while any is held, no row
 * is removed.  on: take one; 0: release one.  cache_held(): how many are
 * held (a hold older than 30 s is dropped: a SET that never finished). */
void cache_set_hold(int on);
int cache_held(void);
/* Bounds the calls to faxgwd that follow (cache_refresh_port(), and a
 * caller's own after cache_budget()) to `ms` from now in all; 0 lifts the
 * bound.  Every call is bounded anyway (500 ms, then the connection is
 * dropped and retried). */
void cache_set_deadline(int ms);
/* Before a call to faxgwd: sets the server's timeout to what is left of
 * the deadline.  0, FGW_E_TIMEOUT when nothing is left, FGW_E_CLOSED when
 * not connected. */
int cache_budget(void);

/* --- cache_jobs.c --------------------------------------------------------------
 * Uses cache.c (the connection); cache.c knows nothing of it: main.c
 * calls the init, tick, event and shutdown functions.
 * faxJobTable's rows: the newest AGENT_JOB_MAX_ROWS jobs of faxgwd,
 * received and sent, read with fgw_enum_jobs_page() (newest first) when
 * an event says a job changed (at most once a second) and every
 * CACHE_JOBS_REFRESH_SECS. */
struct cache_job {
	netsnmp_index idx;
	oid idx_oid[1];
	unsigned gen;
	uint32_t port_id;
	int direction;                             /* fgw_job_direction = faxJobDirection */
	int state;                                 /* fgw_job_state = faxJobState */
	char remote_ident[FGW_MAX_IDENT + 1];
	uint32_t pages, attempts, degraded_pages;
	int partial;
	uint64_t received_time;
	char last_error[AGENT_MAX_TEXT + 1];
	char destination[AGENT_MAX_TEXT + 1];      /* fgw_job.to: "" when received */
	/* fgw_get_job()'s details: fetched once for a received fax (its call
	 * never changes), again after each change of state or attempts for a
	 * sent one (its last attempt's call: `detailed` goes to 0, the old
	 * values stay until the new ones come).  A new row's are zero/empty
	 * until fetched. */
	int detailed;
	struct cache_job_addr {
		int type;                          /* enum agent_addr_type */
		unsigned char bytes[16];           /* network order */
		size_t len;                        /* 0, 4 or 16 */
		uint32_t port;
	} remote;
	uint32_t bit_rate;
	int ecm;
	int32_t t30_status;
	char t30_text[AGENT_MAX_TEXT + 1];
	uint64_t start_time, end_time;
	uint32_t document_pages, sip_status;       /* sent faxes; 0 when received */
	char submitted_by[AGENT_MAX_TEXT + 1];
};

int cache_jobs_init(void);
void cache_jobs_shutdown(void);
netsnmp_container *cache_job_container(void);
struct cache_job *cache_find_job(uint32_t id);
/* A faxgwd event (main.c hands each one here): a fax stored, routed,
 * queued, dialled, sent or failed marks the jobs and re-reads them if
 * none was read in the last second.  A send job that failed for good
 * (FGW_EVENT_SEND_FAILED with job_state FGW_JOB_FAILED) is read at once
 * (cache_jobs_fetch()), so that faxSendFailed finds its row. */
void cache_jobs_event(const fgw_event *ev);
/* Re-reads the jobs when marked (once a second at most) or due; called
 * from the main loop's timer, never from a GET path. */
void cache_jobs_tick(void);
/* Re-reads them now: 0 or a FGW_E_* code. */
int cache_jobs_refresh(void);
/* A refresh in pieces, for cache_jobs_refresh() and the unit tests:
 * begin, put the jobs newest first, end(complete): a complete refresh
 * removes the rows it did not put.  put returns -1 once
 * AGENT_JOB_MAX_ROWS rows were put (the rest are older: stop), 0
 * otherwise (ids 0 and above 2^32-1 are skipped). */
void cache_jobs_begin(void);
int cache_jobs_put(const fgw_job *j);
void cache_jobs_end(int complete);
/* Puts fgw_get_job()'s details into the row of info->job.id (which
 * cache_jobs_put() made); 0, or -1 when there is no such row.  A row put
 * again with another received_time (ids used again after faxgwd's spool
 * was replaced) loses its details, to be fetched again. */
int cache_jobs_put_info(const fgw_job_info *info);
/* One job as fgw_get_job() gives it: its row is put (made if missing,
 * as the newest job) with its listing columns and its details; 0, or -1
 * (an id without a faxJobIndex, or out of memory).  The next complete
 * re-read keeps the row or removes it, as any other. */
int cache_jobs_put_job(const fgw_job_info *info);
/* Reads job `id` from faxgwd now (one bounded fgw_get_job() call) and
 * puts it with cache_jobs_put_job(): 0 or a FGW_E_* code. */
int cache_jobs_fetch(uint64_t id);
/* Fetches the details of the newest AGENT_JOB_DETAILS_PER_PASS rows
 * without them (cache_jobs_refresh() and the tick call it; a job faxgwd
 * no longer has counts as done): 0 or a FGW_E_* code. */
int cache_jobs_details(void);
/* How many rows still wait for their details. */
size_t cache_jobs_undetailed(void);
/* A media address as faxgwd writes it ("192.0.2.7:4000",
 * "[2001:db8::1]:4000") into its InetAddressType, bytes and port: 0, or
 * -1 (out all zero: unknown(0)) for "", "?" or anything else. */
int cache_jobs_parse_address(const char *text, struct cache_job_addr *out);

/* --- cache_sip.c -----------------------------------------------------------------
 * Uses cache.c, as cache_jobs.c; main.c calls its tick and shutdown.
 * faxgwd's SIP counters and its sip ports (fgw_get_sip_info()), re-read
 * every CACHE_SIP_REFRESH_SECS: the counters move without events. */
struct cache_sip_port {
	uint32_t port_id, channels, calls;
	char users[AGENT_MAX_TEXT + 1];
};

void cache_sip_shutdown(void);
const fgw_sip_stats *cache_sip_stats(void);
/* The port's SIP settings, or NULL (not a sip port, or not read yet). */
const struct cache_sip_port *cache_sip_port(uint32_t port_id);
void cache_sip_tick(void);
int cache_sip_refresh(void);
/* Replaces the model with these values (cache_sip_refresh(), unit
 * tests); 0, or -1 when out of memory (the model is then unchanged). */
int cache_sip_set(const fgw_sip_stats *gw, const fgw_sip_port *ports, size_t n);

/* --- mib_*.c ------------------------------------------------------------------ */

/* A read-only table served from a cache container (mib_rotable.c). */
typedef int (*mib_rotable_value_fn)(netsnmp_variable_list *vb, const void *row, unsigned col);
struct mib_rotable {
	const char *name;
	const oid *root;
	size_t rootlen;
	unsigned min_column, max_column;
	netsnmp_container *container;
	mib_rotable_value_fn value;      /* 0, or -1 for no such column */
	netsnmp_table_registration_info *tinfo;  /* set by register */
};
int mib_rotable_register(struct mib_rotable *t);
void mib_rotable_shutdown(struct mib_rotable *t);

int mib_scalars_init(void);
int mib_ports_init(void);
int mib_methods_init(void);
int mib_ext_init(void);
int mib_jobs_init(void);
int mib_sip_init(void);
/* RFC 2579 DateAndTime of a Unix time (UTC): 11 octets, or 8 zero
 * octets for 0 (unknown).  Returns the length. */
size_t mib_scalars_date(uint64_t t, u_char out[11]);
/* After shutdown_agent(): frees the table registrations' index info. */
void mib_ports_shutdown(void);
void mib_methods_shutdown(void);
void mib_ext_shutdown(void);
void mib_jobs_shutdown(void);

/* --- set.c ------------------------------------------------------------------- */

/* The SET phases of faxRoutingMethodTable (called by mib_methods.c). */
int set_handle(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests);
/* Maps a libfaxgw code to an SNMP error status (RFC 3416 4.2.5). */
int set_map_error(int fgw_rc);

/* --- notify.c ---------------------------------------------------------------- */

/* Sends the notification an event calls for, from the cache's rows (a
 * cache_event_fn, set by main.c). */
void notify_event(const fgw_event *ev);
/* faxgwControlLost when connected is 0; faxgwControlRestored when it is 1
 * after a faxgwControlLost (a cache_conn_fn, set by main.c). */
void notify_connection(int connected);

#endif
