/*
 * client.c - libfaxgw: the admin API of faxgw/admin.h over the control
 * socket (protocol in wire.h).
 *
 * A server handle owns one connection; port handles use their server's
 * connection; a subscription owns a second connection to the same socket.
 * Every call is one request and one reply, waited for with poll() for at
 * most the connection's timeout (FGW_CLIENT_TIMEOUT_MS unless
 * fgw_set_timeout() chose another).  After a timeout or a malformed reply
 * the connection is out of step and is closed: later calls give
 * FGW_E_CLOSED.  One reply waits longer: the SEND_COMMIT of
 * fgw_send_document(), which faxgwd answers once it has checked (and
 * rendered) the document, waits FGW_SEND_COMMIT_TIMEOUT_MS.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <faxgw/admin.h>

#include "socketpath.h"
#include "wire.h"

#ifndef FAXGW_VERSION
#define FAXGW_VERSION "unknown"
#endif

enum client_kind { CLIENT_SERVER = 1, CLIENT_PORT, CLIENT_SUB };

struct fgw_handle {
	enum client_kind kind;
	int fd;                        /* SERVER, SUB: own connection; -1 closed */
	struct fgw_handle *server;     /* PORT, SUB: NULL once the server closed */
	struct fgw_handle *children;   /* SERVER: its ports and subscriptions */
	struct fgw_handle *next_child;
	uint32_t remote;               /* PORT: faxgwd's handle number */
	uint32_t port_id;              /* PORT */
	uint32_t next_id;              /* last request id used */
	int timeout_ms;                /* SERVER, SUB: per call (fgw_set_timeout) */
	int may_modify;                /* SERVER: faxgwd's answer to HELLO */
	char path[FGW_MAX_PATH];       /* SERVER: the socket, for fgw_subscribe */
	uint8_t *rbuf;                 /* received bytes not yet consumed */
	size_t rlen, rcap;
	char error[FGW_MAX_ERROR_TEXT];
};

/* The reason of the calling thread's last failed fgw_connect(), which has
 * no handle to keep it in: fgw_last_error_message(NULL). */
static _Thread_local char client_connect_error[FGW_MAX_ERROR_TEXT];

FGW_API const char *fgw_last_error_message(const fgw_handle *h)
{
	return h != NULL ? h->error : client_connect_error;
}

FGW_API void fgw_free_buffer(void *buffer)
{
	free(buffer);
}

__attribute__((format(printf, 3, 4)))
static int client_fail(fgw_handle *h, int code, const char *fmt, ...)
{
	char *dst = h != NULL ? h->error : client_connect_error;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, FGW_MAX_ERROR_TEXT, fmt, ap);
	va_end(ap);
	return code;
}

/* --- transport --------------------------------------------------------------- */

static int64_t client_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* deadline -1: forever.  0 ready, FGW_E_TIMEOUT, FGW_E_CLOSED. */
static int client_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - client_now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		int rc = poll(&pfd, 1, timeout);
		if (rc > 0)
			return 0;
		if (rc == 0)
			return FGW_E_TIMEOUT;
		if (errno != EINTR)
			return FGW_E_CLOSED;
	}
}

static void client_disconnect(fgw_handle *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->rlen = 0;
}

static int client_send(fgw_handle *c, fgw_handle *errh, const uint8_t *p, size_t len,
		       int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = client_wait(c->fd, POLLOUT, deadline);
			if (rc != 0)
				return client_fail(errh, rc, "sending to faxgwd: %s",
						   fgw_strerror(rc));
			continue;
		}
		/* faxgwd may have answered (e.g. refused us) before closing: the
		 * reply is read by the caller. */
		return FGW_E_CLOSED;
	}
	return 0;
}

static int client_grow(fgw_handle *c, size_t need)
{
	if (need <= c->rcap)
		return 0;
	size_t cap = c->rcap ? c->rcap : 4096;
	while (cap < need)
		cap *= 2;
	uint8_t *nb = realloc(c->rbuf, cap);
	if (nb == NULL)
		return FGW_E_NOMEM;
	c->rbuf = nb;
	c->rcap = cap;
	return 0;
}

/* Waits for one whole frame at the start of c->rbuf. */
static int client_frame(fgw_handle *c, fgw_handle *errh, int64_t deadline,
			int quiet_timeout, struct wire_header *hdr)
{
	char reason[FGW_MAX_ERROR_TEXT];

	for (;;) {
		int rc = wire_parse_header(c->rbuf, c->rlen, hdr, reason, sizeof(reason));
		if (rc < 0)
			return client_fail(errh, rc, "faxgwd sent a bad message: %s", reason);
		size_t need = rc == 0 ? WIRE_HEADER_LEN + (size_t)hdr->len : WIRE_HEADER_LEN;
		if (rc == 0 && c->rlen >= need)
			return 0;
		if (client_grow(c, need) != 0)
			return client_fail(errh, FGW_E_NOMEM, "out of memory");
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
		if (n > 0) {
			c->rlen += (size_t)n;
			continue;
		}
		if (n == 0)
			return client_fail(errh, FGW_E_CLOSED, "faxgwd closed the connection");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return client_fail(errh, FGW_E_CLOSED, "reading from faxgwd: %s",
					   strerror(errno));
		rc = client_wait(c->fd, POLLIN, deadline);
		if (rc == FGW_E_TIMEOUT && quiet_timeout)
			return FGW_E_TIMEOUT;
		if (rc != 0)
			return client_fail(errh, rc, "waiting for faxgwd: %s", fgw_strerror(rc));
	}
}

static void client_consume(fgw_handle *c, const struct wire_header *hdr)
{
	size_t n = WIRE_HEADER_LEN + (size_t)hdr->len;
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

/* The connection a handle talks through, or NULL. */
static fgw_handle *client_conn(fgw_handle *h)
{
	fgw_handle *c = h->kind == CLIENT_PORT ? h->server : h;
	return c != NULL && c->fd >= 0 ? c : NULL;
}

/* The outcome of one request. */
struct client_reply {
	struct wire_header hdr;
	const uint8_t *body;       /* valid until client_done() */
	uint32_t failed_index;
};

/* Sends rq on h's connection and waits for the reply of type `want`, both
 * within timeout_ms.  An error reply is turned into its code and reason (in h).  On 0 the
 * caller decodes rep->body and then calls client_done(). */
static int client_call_wait(fgw_handle *h, struct wire_request *rq, uint16_t want,
			    struct client_reply *rep, int timeout_ms)
{
	fgw_handle *c = client_conn(h);
	struct wire_writer w;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (c == NULL)
		return client_fail(h, FGW_E_CLOSED, "the connection to faxgwd is closed");
	if (++c->next_id == 0)
		c->next_id = 1;
	rq->id = c->next_id;
	wire_writer_init(&w);
	rc = wire_enc_request(&w, rq);
	if (rc != 0) {
		wire_writer_free(&w);
		return client_fail(h, rc, "cannot encode the %s request: %s",
				   wire_type_name(rq->type), fgw_strerror(rc));
	}
	int64_t deadline = client_now_ms() + timeout_ms;
	int src = client_send(c, h, w.buf, w.len, deadline);
	wire_writer_free(&w);
	if (src == FGW_E_TIMEOUT) {
		client_disconnect(c);
		return src;
	}
	rc = client_frame(c, h, deadline, 0, &rep->hdr);
	if (rc == 0 && rep->hdr.type == WIRE_R_ERROR &&
	    (rep->hdr.id == rq->id || rep->hdr.id == 0)) {
		struct wire_error e;
		int drc = wire_dec_error(c->rbuf + WIRE_HEADER_LEN, rep->hdr.len, &e);
		client_consume(c, &rep->hdr);
		if (drc != 0) {
			client_disconnect(c);
			return client_fail(h, FGW_E_PROTOCOL, "faxgwd sent a malformed error reply");
		}
		if (rep->hdr.id == 0)
			client_disconnect(c);
		rep->failed_index = e.failed_index;
		return client_fail(h, e.code, "%s", e.reason);
	}
	if (rc == 0 && (rep->hdr.id != rq->id || rep->hdr.type != want)) {
		rc = client_fail(h, FGW_E_PROTOCOL, "faxgwd answered %s with %s (id %u, not %u)",
				 wire_type_name(rq->type), wire_type_name(rep->hdr.type),
				 (unsigned)rep->hdr.id, (unsigned)rq->id);
	}
	if (rc != 0) {
		if (src != 0 && rc != FGW_E_PROTOCOL)
			rc = client_fail(h, FGW_E_CLOSED, "faxgwd closed the connection");
		client_disconnect(c);
		return rc;
	}
	rep->body = c->rbuf + WIRE_HEADER_LEN;
	return 0;
}

/* client_call_wait() with the connection's own timeout. */
static int client_call(fgw_handle *h, struct wire_request *rq, uint16_t want,
		       struct client_reply *rep)
{
	fgw_handle *c = client_conn(h);

	return client_call_wait(h, rq, want, rep,
				c != NULL ? c->timeout_ms : FGW_CLIENT_TIMEOUT_MS);
}

/* Releases the reply frame; a body that did not decode closes the
 * connection (we cannot trust what follows). */
static int client_done(fgw_handle *h, struct client_reply *rep, int decode_rc)
{
	fgw_handle *c = client_conn(h);

	if (c != NULL)
		client_consume(c, &rep->hdr);
	if (decode_rc == 0)
		return 0;
	if (decode_rc == FGW_E_NOMEM)
		return client_fail(h, decode_rc, "out of memory");
	if (c != NULL)
		client_disconnect(c);
	return client_fail(h, FGW_E_PROTOCOL, "faxgwd sent a malformed %s reply",
			   wire_type_name(rep->hdr.type));
}

/* A request with an empty OK reply. */
static int client_simple(fgw_handle *h, struct wire_request *rq)
{
	struct client_reply rep;
	int rc = client_call(h, rq, WIRE_R_OK, &rep);

	if (rc != 0)
		return rc;
	return client_done(h, &rep, rep.hdr.len == 0 ? 0 : FGW_E_PROTOCOL);
}

static int client_list(fgw_handle *h, struct wire_request *rq, enum wire_record kind,
		       void **out, size_t *n)
{
	struct client_reply rep;
	int rc = client_call(h, rq, wire_record_reply_type(kind, 1), &rep);

	if (rc != 0)
		return rc;
	return client_done(h, &rep, wire_dec_list(rep.body, rep.hdr.len, kind, out, n));
}

static int client_one(fgw_handle *h, struct wire_request *rq, enum wire_record kind,
		      void **out)
{
	struct client_reply rep;
	int rc = client_call(h, rq, wire_record_reply_type(kind, 0), &rep);

	if (rc != 0)
		return rc;
	return client_done(h, &rep, wire_dec_one(rep.body, rep.hdr.len, kind, out));
}

/* --- handles ----------------------------------------------------------------- */

static fgw_handle *client_handle_new(enum client_kind kind)
{
	fgw_handle *h = calloc(1, sizeof(*h));
	if (h != NULL) {
		h->kind = kind;
		h->fd = -1;
		h->timeout_ms = FGW_CLIENT_TIMEOUT_MS;
	}
	return h;
}

static void client_handle_free(fgw_handle *h)
{
	client_disconnect(h);
	free(h->rbuf);
	free(h);
}

static void client_link(fgw_handle *server, fgw_handle *child)
{
	child->server = server;
	child->next_child = server->children;
	server->children = child;
}

static void client_unlink(fgw_handle *child)
{
	fgw_handle *s = child->server;
	if (s == NULL)
		return;
	for (fgw_handle **pp = &s->children; *pp != NULL; pp = &(*pp)->next_child) {
		if (*pp == child) {
			*pp = child->next_child;
			break;
		}
	}
	child->server = NULL;
}

static int client_socket(const char *path, int timeout_ms, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return client_fail(NULL, FGW_E_INVAL, "socket path %s is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return client_fail(NULL, FGW_E_CONNECT, "socket: %s", strerror(errno));
	/* A Unix-domain connect does not wait: EAGAIN means faxgwd's backlog
	 * is full, so try again for a while rather than block. */
	int64_t deadline = client_now_ms() + timeout_ms;
	int rc;
	for (;;) {
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (rc == 0 || (errno != EINTR && errno != EAGAIN))
			break;
		if (errno == EAGAIN) {
			if (client_now_ms() >= deadline)
				break;
			poll(NULL, 0, 10);
		}
	}
	if (rc != 0) {
		int e = errno;
		close(fd);
		return client_fail(NULL, e == EAGAIN ? FGW_E_TIMEOUT : FGW_E_CONNECT,
				   "cannot connect to %s: %s%s%s", path, strerror(e),
				   e == ENOENT || e == ECONNREFUSED ? " (is faxgwd running?)" : "",
				   socketpath_hint(path));
	}
	*fdp = fd;
	return 0;
}

/* Connects and greets, each step within timeout_ms; the handle keeps the
 * reason of a failure. */
static int client_open_conn(const char *path, enum client_kind kind, int timeout_ms,
			    fgw_handle **out)
{
	fgw_handle *h = client_handle_new(kind);
	struct wire_request rq = { .type = WIRE_HELLO };
	struct client_reply rep;
	char version[FGW_MAX_NAME];
	int rc;

	*out = NULL;
	if (h == NULL)
		return client_fail(NULL, FGW_E_NOMEM, "out of memory");
	h->timeout_ms = timeout_ms;
	rc = client_socket(path, timeout_ms, &h->fd);
	if (rc == 0) {
		snprintf(h->path, sizeof(h->path), "%s", path);
		snprintf(rq.text, sizeof(rq.text), "libfaxgw %s", FAXGW_VERSION);
		rc = client_call(h, &rq, WIRE_R_HELLO, &rep);
		if (rc == 0)
			rc = client_done(h, &rep, wire_dec_hello(rep.body, rep.hdr.len, version,
								  sizeof(version), &h->may_modify));
		if (rc != 0)
			client_fail(NULL, rc, "%s", h->error[0] ? h->error : fgw_strerror(rc));
	}
	if (rc != 0) {
		client_handle_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

FGW_API int fgw_connect(const char *socket_path, fgw_handle **server)
{
	if (server == NULL)
		return client_fail(NULL, FGW_E_INVAL, "no place for the handle");
	if (socket_path == NULL || socket_path[0] == '\0')
		socket_path = fgw_default_socket();
	return client_open_conn(socket_path, CLIENT_SERVER, FGW_CLIENT_TIMEOUT_MS, server);
}

FGW_API int fgw_close(fgw_handle *h)
{
	if (h == NULL)
		return 0;
	if (h->kind == CLIENT_SERVER) {
		for (fgw_handle *ch = h->children, *next; ch != NULL; ch = next) {
			next = ch->next_child;
			ch->server = NULL;
			ch->next_child = NULL;
			client_disconnect(ch);
		}
	} else if (h->kind == CLIENT_PORT && client_conn(h) != NULL) {
		struct wire_request rq = { .type = WIRE_CLOSE_PORT, .handle = h->remote };
		client_simple(h, &rq);
	}
	client_unlink(h);
	client_handle_free(h);
	return 0;
}

static int client_check(fgw_handle *h, enum client_kind kind)
{
	if (h == NULL)
		return FGW_E_INVAL;
	if (h->kind != kind)
		return client_fail(h, FGW_E_HANDLE, "this call needs a %s handle",
				   kind == CLIENT_SERVER ? "server"
				   : kind == CLIENT_PORT ? "port" : "subscription");
	return 0;
}

static int client_check_guid(fgw_handle *h, const char *guid, char *out)
{
	if (guid == NULL)
		return client_fail(h, FGW_E_INVAL, "no routing method GUID given");
	size_t n = strlen(guid);
	if (n > FGW_GUID_LEN)
		return client_fail(h, FGW_E_NO_METHOD, "no routing method %.60s%s", guid,
				   n > 60 ? "..." : "");
	memcpy(out, guid, n + 1);
	return 0;
}

FGW_API int fgw_set_timeout(fgw_handle *server, int timeout_ms)
{
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0)
		return rc;
	if (timeout_ms < 0 || timeout_ms > FGW_CLIENT_TIMEOUT_MS)
		return client_fail(server, FGW_E_INVAL, "timeout %d ms is not within 0..%d",
				   timeout_ms, FGW_CLIENT_TIMEOUT_MS);
	server->timeout_ms = timeout_ms > 0 ? timeout_ms : FGW_CLIENT_TIMEOUT_MS;
	return 0;
}

FGW_API int fgw_set_origin(fgw_handle *server, const char *origin)
{
	struct wire_request rq = { .type = WIRE_SET_ORIGIN };
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0)
		return rc;
	size_t n = origin != NULL ? strlen(origin) : 0;
	if (n == 0 || n > FGW_MAX_ORIGIN)
		return client_fail(server, FGW_E_INVAL, "an origin is 1..%d characters",
				   FGW_MAX_ORIGIN);
	memcpy(rq.text, origin, n + 1);
	return client_simple(server, &rq);
}

/* --- queries and changes ------------------------------------------------------ */

FGW_API int fgw_get_gateway_info(fgw_handle *server, fgw_gateway_info **info)
{
	struct wire_request rq = { .type = WIRE_GATEWAY_INFO };
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || info == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	return client_one(server, &rq, WIRE_REC_GATEWAY, (void **)info);
}

/* The reply's first entry is the gateway's: it goes to *gateway, the
 * ports move down in the same block. */
FGW_API int fgw_get_sip_info(fgw_handle *server, fgw_sip_stats *gateway, fgw_sip_port **ports,
			     size_t *n)
{
	struct wire_request rq = { .type = WIRE_SIP_INFO };
	fgw_sip_port *v = NULL;
	size_t m = 0;
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || gateway == NULL || ports == NULL || n == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*ports = NULL;
	*n = 0;
	rc = client_list(server, &rq, WIRE_REC_SIP_PORT, (void **)&v, &m);
	if (rc != 0)
		return rc;
	if (m == 0) {
		fgw_free_buffer(v);
		return client_fail(server, FGW_E_PROTOCOL, "SIP reply without the gateway's entry");
	}
	*gateway = v[0].stats;
	memmove(&v[0], &v[1], (m - 1) * sizeof(v[0]));
	if (m == 1) {
		fgw_free_buffer(v);
		v = NULL;
	}
	*ports = v;
	*n = m - 1;
	return 0;
}

FGW_API int fgw_enum_ports(fgw_handle *server, fgw_port_info **ports, size_t *n)
{
	struct wire_request rq = { .type = WIRE_ENUM_PORTS };
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || ports == NULL || n == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	return client_list(server, &rq, WIRE_REC_PORT, (void **)ports, n);
}

FGW_API int fgw_enum_extensions(fgw_handle *server, fgw_extension_info **ext, size_t *n)
{
	struct wire_request rq = { .type = WIRE_ENUM_EXTENSIONS };
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || ext == NULL || n == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	return client_list(server, &rq, WIRE_REC_EXTENSION, (void **)ext, n);
}

FGW_API int fgw_open_port(fgw_handle *server, uint32_t port_id, int flags,
			  fgw_handle **port)
{
	struct wire_request rq = { .type = WIRE_OPEN_PORT, .port_id = port_id };
	struct client_reply rep;
	uint32_t remote = 0;
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || port == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*port = NULL;
	if (flags != FGW_PORT_OPEN_QUERY && flags != FGW_PORT_OPEN_MODIFY)
		return client_fail(server, FGW_E_INVAL,
				   "flags must be FGW_PORT_OPEN_QUERY or FGW_PORT_OPEN_MODIFY");
	rq.num = (uint32_t)flags;
	rc = client_call(server, &rq, WIRE_R_OPENED, &rep);
	if (rc == 0)
		rc = client_done(server, &rep, wire_dec_opened(rep.body, rep.hdr.len, &remote));
	if (rc != 0)
		return rc;
	fgw_handle *h = client_handle_new(CLIENT_PORT);
	if (h == NULL) {
		struct wire_request cl = { .type = WIRE_CLOSE_PORT, .handle = remote };
		client_simple(server, &cl);
		return client_fail(server, FGW_E_NOMEM, "out of memory");
	}
	h->remote = remote;
	h->port_id = port_id;
	client_link(server, h);
	*port = h;
	return 0;
}

FGW_API int fgw_get_port(fgw_handle *port, fgw_port_info **info)
{
	int rc = client_check(port, CLIENT_PORT);

	if (rc != 0 || info == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	struct wire_request rq = { .type = WIRE_GET_PORT, .handle = port->remote };
	return client_one(port, &rq, WIRE_REC_PORT, (void **)info);
}

FGW_API int fgw_enum_routing_methods(fgw_handle *port, fgw_routing_method **methods,
				     size_t *n)
{
	int rc = client_check(port, CLIENT_PORT);

	if (rc != 0 || methods == NULL || n == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	struct wire_request rq = { .type = WIRE_ENUM_METHODS, .handle = port->remote };
	return client_list(port, &rq, WIRE_REC_METHOD, (void **)methods, n);
}

FGW_API int fgw_get_routing_info(fgw_handle *port, const char *guid, void **data,
				 size_t *len)
{
	struct wire_request rq = { .type = WIRE_GET_ROUTING };
	struct client_reply rep;
	int rc = client_check(port, CLIENT_PORT);

	if (rc != 0 || data == NULL || len == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*data = NULL;
	*len = 0;
	rc = client_check_guid(port, guid, rq.guid);
	if (rc != 0)
		return rc;
	rq.handle = port->remote;
	rc = client_call(port, &rq, WIRE_R_DATA, &rep);
	if (rc != 0)
		return rc;
	return client_done(port, &rep, wire_dec_data(rep.body, rep.hdr.len, data, len));
}

FGW_API int fgw_set_routing_info(fgw_handle *port, const char *guid, const void *data,
				 size_t len)
{
	struct wire_request rq = { .type = WIRE_SET_ROUTING };
	int rc = client_check(port, CLIENT_PORT);

	if (rc != 0)
		return rc;
	rc = client_check_guid(port, guid, rq.guid);
	if (rc != 0)
		return rc;
	if (len > FGW_MAX_ROUTING_DATA)
		return client_fail(port, FGW_E_TOO_BIG,
				   "routing data of %zu bytes is over the limit of %d bytes", len,
				   FGW_MAX_ROUTING_DATA);
	if (len > 0 && data == NULL)
		return client_fail(port, FGW_E_INVAL, "no routing data given");
	rq.handle = port->remote;
	if (len > 0)
		memcpy(rq.data, data, len);
	rq.data_len = len;
	return client_simple(port, &rq);
}

FGW_API int fgw_enable_routing_method(fgw_handle *port, const char *guid, int enabled)
{
	struct wire_request rq = { .type = WIRE_ENABLE };
	int rc = client_check(port, CLIENT_PORT);

	if (rc != 0)
		return rc;
	rc = client_check_guid(port, guid, rq.guid);
	if (rc != 0)
		return rc;
	rq.handle = port->remote;
	rq.flag = enabled ? 1 : 0;
	return client_simple(port, &rq);
}

FGW_API int fgw_enum_global_routing_info(fgw_handle *server,
					 fgw_global_routing_info **info, size_t *n)
{
	struct wire_request rq = { .type = WIRE_ENUM_GLOBAL };
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || info == NULL || n == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	return client_list(server, &rq, WIRE_REC_GLOBAL, (void **)info, n);
}

FGW_API int fgw_set_global_routing_info(fgw_handle *server,
					const fgw_global_routing_info *info)
{
	struct wire_request rq = { .type = WIRE_SET_GLOBAL };
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || info == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	rc = client_check_guid(server, info->guid, rq.guid);
	if (rc != 0)
		return rc;
	rq.num = info->priority;
	return client_simple(server, &rq);
}

FGW_API int fgw_set_routing_batch(fgw_handle *server, const fgw_routing_change *changes,
				  size_t n, size_t *failed_index)
{
	struct wire_request rq = { .type = WIRE_BATCH, .changes = changes, .nchanges = n };
	struct client_reply rep;
	size_t dummy;
	int rc = client_check(server, CLIENT_SERVER);

	if (failed_index == NULL)
		failed_index = &dummy;
	*failed_index = n;
	if (rc != 0)
		return rc;
	if (n > FGW_MAX_BATCH)
		return client_fail(server, FGW_E_TOO_BIG, "%zu changes are over the limit of %d",
				   n, FGW_MAX_BATCH);
	if (n > 0 && changes == NULL)
		return client_fail(server, FGW_E_INVAL, "no changes given");
	for (size_t i = 0; i < n; i++) {
		const fgw_routing_change *c = &changes[i];
		char guid[FGW_GUID_LEN + 1];
		rc = client_check_guid(server, c->guid, guid);
		if (rc == 0 && c->set_data && c->data_len > FGW_MAX_ROUTING_DATA)
			rc = client_fail(server, FGW_E_TOO_BIG,
					 "routing data of %zu bytes is over the limit of %d bytes",
					 c->data_len, FGW_MAX_ROUTING_DATA);
		if (rc == 0 && c->set_data && c->data_len > 0 && c->data == NULL)
			rc = client_fail(server, FGW_E_INVAL, "no routing data given");
		if (rc != 0) {
			*failed_index = i;
			return rc;
		}
	}
	rc = client_call(server, &rq, WIRE_R_OK, &rep);
	if (rc != 0) {
		if (rep.hdr.type == WIRE_R_ERROR && rep.failed_index < n)
			*failed_index = rep.failed_index;
		return rc;
	}
	return client_done(server, &rep, rep.hdr.len == 0 ? 0 : FGW_E_PROTOCOL);
}

FGW_API int fgw_enum_jobs_page(fgw_handle *server, int failed_only, uint64_t cursor,
				uint32_t max, fgw_job **jobs, size_t *n, uint64_t *next_cursor)
{
	struct wire_request rq = { .type = WIRE_ENUM_JOBS_PAGE, .flag = failed_only ? 1 : 0,
				   .job_id = cursor, .num = max };
	struct client_reply rep;
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || jobs == NULL || n == NULL || next_cursor == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*jobs = NULL;
	*n = 0;
	*next_cursor = 0;
	if (max == 0 || max > FGW_MAX_JOBS_PAGE)
		rq.num = FGW_MAX_JOBS_PAGE;
	rc = client_call(server, &rq, WIRE_R_JOBS_PAGE, &rep);
	if (rc != 0)
		return rc;
	void *out = NULL;
	rc = wire_dec_page(rep.body, rep.hdr.len, WIRE_REC_JOB, &out, n, next_cursor);
	*jobs = out;
	return client_done(server, &rep, rc);
}

/* The text a job points to, as one string area needs it. */
static size_t client_job_text(const fgw_job *j)
{
	return strlen(j->remote_ident) + strlen(j->path) + strlen(j->last_error) +
	       strlen(j->degraded_list) + strlen(j->to) + 5;
}

static const char *client_put(char **area, const char *s)
{
	size_t len = strlen(s) + 1;
	char *dst = *area;

	memcpy(dst, s, len);
	*area += len;
	return dst;
}

/* Joins pages (each newest first) into one block in ascending id order. */
static int client_jobs_join(fgw_job **pages, const size_t *counts, size_t npages,
			    fgw_job **out, size_t *n)
{
	size_t total = 0, text = 0, k;

	for (size_t p = 0; p < npages; p++)
		for (size_t i = 0; i < counts[p]; i++) {
			total++;
			text += client_job_text(&pages[p][i]);
		}
	*out = NULL;
	*n = total;
	if (total == 0)
		return 0;
	fgw_job *v = malloc(total * sizeof(*v) + text);
	if (v == NULL)
		return FGW_E_NOMEM;
	char *area = (char *)(v + total);
	k = total;
	for (size_t p = 0; p < npages; p++)
		for (size_t i = 0; i < counts[p]; i++) {
			fgw_job *d = &v[--k];

			*d = pages[p][i];
			d->remote_ident = client_put(&area, pages[p][i].remote_ident);
			d->path = client_put(&area, pages[p][i].path);
			d->last_error = client_put(&area, pages[p][i].last_error);
			d->degraded_list = client_put(&area, pages[p][i].degraded_list);
			d->to = client_put(&area, pages[p][i].to);
		}
	*out = v;
	return 0;
}

#define CLIENT_MAX_JOB_PAGES (FGW_MAX_LIST / FGW_MAX_JOBS_PAGE)

/* Page after page, newest first, up to FGW_MAX_LIST jobs. */
static int client_jobs_paged(fgw_handle *server, int failed_only, fgw_job **jobs, size_t *n)
{
	fgw_job *pages[CLIENT_MAX_JOB_PAGES] = { NULL };
	size_t counts[CLIENT_MAX_JOB_PAGES] = { 0 }, np = 0;
	uint64_t cursor = 0;
	int rc = 0;

	do {
		if (np == CLIENT_MAX_JOB_PAGES) {
			rc = client_fail(server, FGW_E_TOO_BIG, "more than %d jobs: list them "
					 "with fgw_enum_jobs_page()",
					 CLIENT_MAX_JOB_PAGES * FGW_MAX_JOBS_PAGE);
			break;
		}
		rc = fgw_enum_jobs_page(server, failed_only, cursor, FGW_MAX_JOBS_PAGE,
					&pages[np], &counts[np], &cursor);
		if (rc == 0)
			np++;
	} while (rc == 0 && cursor != 0);
	if (rc == 0 && (rc = client_jobs_join(pages, counts, np, jobs, n)) != 0)
		client_fail(server, rc, "out of memory");
	for (size_t p = 0; p < np; p++)
		free(pages[p]);
	return rc;
}

FGW_API int fgw_enum_jobs(fgw_handle *server, int failed_only, fgw_job **jobs, size_t *n)
{
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || jobs == NULL || n == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*jobs = NULL;
	*n = 0;
	return client_jobs_paged(server, failed_only, jobs, n);
}

FGW_API int fgw_retry_job(fgw_handle *server, uint64_t job_id)
{
	struct wire_request rq = { .type = WIRE_RETRY_JOB, .job_id = job_id };
	int rc = client_check(server, CLIENT_SERVER);

	return rc != 0 ? rc : client_simple(server, &rq);
}

FGW_API int fgw_enum_audit_page(fgw_handle *server, uint64_t cursor, uint32_t max,
				 fgw_audit_entry **entries, size_t *n, uint64_t *next_cursor)
{
	struct wire_request rq = { .type = WIRE_ENUM_AUDIT_PAGE, .job_id = cursor, .num = max };
	struct client_reply rep;
	void *out = NULL;
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || entries == NULL || n == NULL || next_cursor == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*entries = NULL;
	*n = 0;
	*next_cursor = 0;
	if (max == 0 || max > FGW_MAX_AUDIT_PAGE)
		rq.num = FGW_MAX_AUDIT_PAGE;
	rc = client_call(server, &rq, WIRE_R_AUDIT_PAGE, &rep);
	if (rc != 0)
		return rc;
	rc = wire_dec_page(rep.body, rep.hdr.len, WIRE_REC_AUDIT, &out, n, next_cursor);
	*entries = out;
	return client_done(server, &rep, rc);
}

static size_t client_audit_text(const fgw_audit_entry *e)
{
	return strlen(e->who) + strlen(e->what) + strlen(e->old_value) + strlen(e->new_value) + 4;
}

/* Joins pages (each newest first) into one block, oldest first. */
static int client_audit_join(fgw_audit_entry **pages, const size_t *counts, size_t npages,
			     fgw_audit_entry **out, size_t *n)
{
	size_t total = 0, text = 0, k;

	for (size_t p = 0; p < npages; p++)
		for (size_t i = 0; i < counts[p]; i++) {
			total++;
			text += client_audit_text(&pages[p][i]);
		}
	*out = NULL;
	*n = total;
	if (total == 0)
		return 0;
	fgw_audit_entry *v = malloc(total * sizeof(*v) + text);
	if (v == NULL)
		return FGW_E_NOMEM;
	char *area = (char *)(v + total);
	k = total;
	for (size_t p = 0; p < npages; p++)
		for (size_t i = 0; i < counts[p]; i++) {
			fgw_audit_entry *d = &v[--k];

			*d = pages[p][i];
			d->who = client_put(&area, pages[p][i].who);
			d->what = client_put(&area, pages[p][i].what);
			d->old_value = client_put(&area, pages[p][i].old_value);
			d->new_value = client_put(&area, pages[p][i].new_value);
		}
	*out = v;
	return 0;
}

/* A page may hold fewer entries than asked (faxgwd cuts it at the frame
 * cap): room for FGW_MAX_AUDIT_QUERY entries in pages of one at worst is
 * not needed, as every page but the last holds what fits in a frame. */
#define CLIENT_MAX_AUDIT_PAGES 1024

FGW_API int fgw_enum_audit(fgw_handle *server, uint32_t max, fgw_audit_entry **entries,
			   size_t *n)
{
	fgw_audit_entry **pages = NULL;
	size_t *counts = NULL, np = 0, got = 0;
	uint64_t cursor = 0;
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || entries == NULL || n == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*entries = NULL;
	*n = 0;
	if (max == 0 || max > FGW_MAX_AUDIT_QUERY)
		max = FGW_MAX_AUDIT_QUERY;
	pages = calloc(CLIENT_MAX_AUDIT_PAGES, sizeof(*pages));
	counts = calloc(CLIENT_MAX_AUDIT_PAGES, sizeof(*counts));
	if (pages == NULL || counts == NULL) {
		rc = client_fail(server, FGW_E_NOMEM, "out of memory");
		goto done;
	}
	do {
		uint32_t want = max - (uint32_t)got;
		if (np == CLIENT_MAX_AUDIT_PAGES) {
			rc = client_fail(server, FGW_E_TOO_BIG, "the audit log came in too many pages");
			break;
		}
		rc = fgw_enum_audit_page(server, cursor,
					 want < FGW_MAX_AUDIT_PAGE ? want : FGW_MAX_AUDIT_PAGE,
					 &pages[np], &counts[np], &cursor);
		if (rc == 0)
			got += counts[np++];
	} while (rc == 0 && cursor != 0 && got < max);
	if (rc == 0 && (rc = client_audit_join(pages, counts, np, entries, n)) != 0)
		client_fail(server, rc, "out of memory");
done:
	for (size_t p = 0; p < np; p++)
		free(pages[p]);
	free(pages);
	free(counts);
	return rc;
}

/* --- sending -------------------------------------------------------------------- */

/* `to` as faxgwd takes it: 1..FGW_MAX_SEND_TO characters, none of them a
 * control character or a space; a number (anything but a sip:/sips: URI)
 * has a digit.  faxgwd checks it again, and knows more (its dial plan). */
static int client_check_to(fgw_handle *h, const char *to)
{
	size_t n = to != NULL ? strnlen(to, FGW_MAX_SEND_TO + 1) : 0;
	int digits = 0;

	if (n == 0)
		return client_fail(h, FGW_E_BAD_ADDRESS, "no destination given");
	if (n > FGW_MAX_SEND_TO)
		return client_fail(h, FGW_E_BAD_ADDRESS,
				   "the destination is over the limit of %d characters",
				   FGW_MAX_SEND_TO);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)to[i];
		if (ch <= ' ' || ch == 0x7f)     /* not echoed: it may hold control bytes */
			return client_fail(h, FGW_E_BAD_ADDRESS, "the destination has %s at "
					   "character %zu", ch == ' ' ? "a space" : "a control character",
					   i + 1);
		digits |= ch >= '0' && ch <= '9';
	}
	if (!digits && strncasecmp(to, "sip:", 4) != 0 && strncasecmp(to, "sips:", 5) != 0)
		return client_fail(h, FGW_E_BAD_ADDRESS, "destination '%.64s' is neither a "
				   "number nor a sip: URI", to);
	return 0;
}

static int client_check_send_options(fgw_handle *h, const fgw_send_options *o, char *ident)
{
	ident[0] = '\0';
	if (o == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(o->reserved) / sizeof(o->reserved[0]); i++)
		if (o->reserved[i] != 0)
			return client_fail(h, FGW_E_INVAL, "fgw_send_options.reserved must be zero");
	if (o->local_ident == NULL)
		return 0;
	size_t n = strnlen(o->local_ident, FGW_MAX_IDENT + 1);
	if (n > FGW_MAX_IDENT)
		return client_fail(h, FGW_E_TOO_BIG, "local ident is over the limit of %d "
				   "characters (ITU-T T.30 5.3.6.2.4)", FGW_MAX_IDENT);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)o->local_ident[i] < ' ' || o->local_ident[i] == 0x7f)
			return client_fail(h, FGW_E_INVAL, "local ident: a control character at "
					   "character %zu", i + 1);
	memcpy(ident, o->local_ident, n + 1);
	return 0;
}

/* A failed open or read of the document: no right to read it is
 * FGW_E_ACCESS, anything else makes it a document we cannot send. */
static int client_doc_error(fgw_handle *h, const char *path, int err)
{
	int code = err == EACCES || err == EPERM ? FGW_E_ACCESS
		   : err == ENOMEM ? FGW_E_NOMEM : FGW_E_BAD_DOCUMENT;

	return client_fail(h, code, "cannot read %s: %s", path, strerror(err));
}

/* Opens the document with the caller's rights: a regular file of
 * 1..FGW_MAX_SEND_BYTES bytes.  O_NONBLOCK: a FIFO does not hang the open. */
static int client_doc_open(fgw_handle *h, const char *path, int *fdp, uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return client_doc_error(h, path, errno);
	int rc = 0;
	if (fstat(fd, &st) != 0)
		rc = client_doc_error(h, path, errno);
	else if (!S_ISREG(st.st_mode))
		rc = client_fail(h, FGW_E_BAD_DOCUMENT, "%s is not a regular file", path);
	else if (st.st_size == 0)
		rc = client_fail(h, FGW_E_BAD_DOCUMENT, "%s is empty", path);
	else if ((uint64_t)st.st_size > FGW_MAX_SEND_BYTES)
		rc = client_fail(h, FGW_E_TOO_BIG, "%s is %llu bytes, over the limit of %u bytes",
				 path, (unsigned long long)st.st_size, (unsigned)FGW_MAX_SEND_BYTES);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	*fdp = fd;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Reads exactly len bytes (fewer only at the end of the file): the count
 * read, or -1 with errno. */
static ssize_t client_doc_read(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int client_doc_changed(fgw_handle *h, const char *path)
{
	return client_fail(h, FGW_E_BAD_DOCUMENT, "%s changed size while it was read", path);
}

/* SEND_DATA after SEND_DATA: the file in chunks of FGW_SEND_CHUNK, each
 * answered; the file must end where fstat said it would. */
static int client_send_chunks(fgw_handle *h, const char *path, int fd, uint64_t size)
{
	uint8_t *buf = malloc(FGW_SEND_CHUNK);
	uint64_t sent = 0;
	struct stat st;
	int rc = 0;

	if (buf == NULL)
		return client_fail(h, FGW_E_NOMEM, "out of memory");
	while (rc == 0 && sent < size) {
		size_t want = size - sent < FGW_SEND_CHUNK ? (size_t)(size - sent) : FGW_SEND_CHUNK;
		ssize_t n = client_doc_read(fd, buf, want);
		if (n < 0) {
			rc = client_doc_error(h, path, errno);
		} else if ((size_t)n < want) {
			rc = client_doc_changed(h, path);
		} else {
			struct wire_request rq = { .type = WIRE_SEND_DATA, .chunk = buf,
						   .chunk_len = want };
			rc = client_simple(h, &rq);
			sent += want;
		}
	}
	if (rc == 0) {
		ssize_t more = client_doc_read(fd, buf, 1);
		if (more < 0)
			rc = client_doc_error(h, path, errno);
		else if (more > 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size != size)
			rc = client_doc_changed(h, path);
	}
	free(buf);
	return rc;
}

FGW_API int fgw_send_document(fgw_handle *server, uint32_t port_id, const char *to,
			      const char *path, const fgw_send_options *options,
			      uint64_t *job_id)
{
	struct wire_request rq = { .type = WIRE_SEND_BEGIN, .port_id = port_id };
	struct client_reply rep;
	uint64_t size = 0, id = 0;
	int fd = -1, rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || job_id == NULL || path == NULL)
		return rc != 0 ? rc : client_fail(server, FGW_E_INVAL, "no %s given",
						  job_id == NULL ? "place for the job id" : "file");
	*job_id = 0;
	if ((rc = client_check_to(server, to)) != 0 ||
	    (rc = client_check_send_options(server, options, rq.ident)) != 0 ||
	    (rc = client_doc_open(server, path, &fd, &size)) != 0)
		return rc;
	memcpy(rq.text, to, strlen(to) + 1);
	rq.job_id = size;
	rc = client_simple(server, &rq);
	if (rc == 0)
		rc = client_send_chunks(server, path, fd, size);
	close(fd);
	if (rc != 0)
		return rc;
	struct wire_request commit = { .type = WIRE_SEND_COMMIT };
	rc = client_call_wait(server, &commit, WIRE_R_JOB_ID, &rep, FGW_SEND_COMMIT_TIMEOUT_MS);
	if (rc != 0)
		return rc;
	rc = wire_dec_job_id(rep.body, rep.hdr.len, &id);
	rc = client_done(server, &rep, rc == 0 && id == 0 ? FGW_E_PROTOCOL : rc);
	if (rc == 0)
		*job_id = id;
	return rc;
}

FGW_API int fgw_cancel_job(fgw_handle *server, uint64_t job_id)
{
	struct wire_request rq = { .type = WIRE_CANCEL_JOB, .job_id = job_id };
	int rc = client_check(server, CLIENT_SERVER);

	return rc != 0 ? rc : client_simple(server, &rq);
}

/* --- events ------------------------------------------------------------------ */

FGW_API int fgw_subscribe(fgw_handle *server, uint32_t mask, fgw_handle **sub)
{
	struct wire_request rq = { .type = WIRE_SUBSCRIBE, .num = mask };
	fgw_handle *h;
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || sub == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*sub = NULL;
	if (server->fd < 0)
		return client_fail(server, FGW_E_CLOSED, "the connection to faxgwd is closed");
	rc = client_open_conn(server->path, CLIENT_SUB, server->timeout_ms, &h);
	if (rc != 0)
		return client_fail(server, rc, "%s", client_connect_error);
	rc = client_simple(h, &rq);
	if (rc != 0) {
		client_fail(server, rc, "%s", h->error);
		client_handle_free(h);
		return rc;
	}
	client_link(server, h);
	*sub = h;
	return 0;
}

FGW_API int fgw_event_fd(const fgw_handle *sub)
{
	if (sub == NULL || sub->kind != CLIENT_SUB)
		return -1;
	return sub->fd;
}

FGW_API int fgw_read_event(fgw_handle *sub, fgw_event **ev, int timeout_ms)
{
	struct wire_header hdr;
	int rc = client_check(sub, CLIENT_SUB);

	if (rc != 0 || ev == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*ev = NULL;
	if (sub->fd < 0)
		return client_fail(sub, FGW_E_CLOSED, "the subscription is closed");
	int64_t deadline = timeout_ms < 0 ? -1 : client_now_ms() + timeout_ms;
	rc = client_frame(sub, sub, deadline, 1, &hdr);
	if (rc == FGW_E_TIMEOUT)
		return rc;
	if (rc == 0 && hdr.type != WIRE_R_EVENT)
		rc = client_fail(sub, FGW_E_PROTOCOL, "faxgwd sent %s on a subscription",
				 wire_type_name(hdr.type));
	if (rc == 0) {
		rc = wire_dec_one(sub->rbuf + WIRE_HEADER_LEN, hdr.len, WIRE_REC_EVENT,
				  (void **)ev);
		client_consume(sub, &hdr);
		if (rc != 0 && rc != FGW_E_NOMEM)
			rc = client_fail(sub, FGW_E_PROTOCOL, "faxgwd sent a malformed event");
	}
	if (rc != 0 && rc != FGW_E_NOMEM) {
		client_disconnect(sub);
		if (rc != FGW_E_PROTOCOL)
			rc = FGW_E_CLOSED;
	}
	return rc;
}

/* --- one job, calls in progress ------------------------------------------------ */

FGW_API int fgw_get_job(fgw_handle *server, uint64_t job_id, fgw_job_info **job)
{
	struct wire_request rq = { .type = WIRE_GET_JOB, .job_id = job_id };
	struct client_reply rep;
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || job == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*job = NULL;
	rc = client_call(server, &rq, WIRE_R_JOB, &rep);
	if (rc != 0)
		return rc;
	rc = wire_dec_job_info(rep.body, rep.hdr.len, job);
	return client_done(server, &rep, rc);
}

/* One page of calls from cursor on; *next 0 after the last. */
static int client_calls_page(fgw_handle *server, uint64_t cursor, fgw_call **calls, size_t *n,
			     uint64_t *next)
{
	struct wire_request rq = { .type = WIRE_ENUM_CALLS_PAGE, .job_id = cursor, .num = 0 };
	struct client_reply rep;
	void *out = NULL;
	int rc = client_call(server, &rq, WIRE_R_CALLS_PAGE, &rep);

	if (rc != 0)
		return rc;
	rc = wire_dec_page(rep.body, rep.hdr.len, WIRE_REC_CALL, &out, n, next);
	*calls = out;
	return client_done(server, &rep, rc);
}

static size_t client_call_text(const fgw_call *c)
{
	return strlen(c->port_name) + strlen(c->peer) + strlen(c->transport) +
	       strlen(c->sip_call_id) + strlen(c->sip_from) + 5;
}

/* Appends the calls v[0..n) to the block *acc of *total calls: a new
 * block with both; -1 when out of memory (*acc unchanged). */
static int client_calls_append(fgw_call **acc, size_t *total, const fgw_call *v, size_t n)
{
	size_t all = *total + n, text = 0;
	fgw_call *out;
	char *area;

	for (size_t i = 0; i < *total; i++)
		text += client_call_text(&(*acc)[i]);
	for (size_t i = 0; i < n; i++)
		text += client_call_text(&v[i]);
	out = malloc(all * sizeof(*out) + text);
	if (out == NULL)
		return -1;
	area = (char *)(out + all);
	for (size_t i = 0; i < all; i++) {
		const fgw_call *src = i < *total ? &(*acc)[i] : &v[i - *total];
		out[i] = *src;
		out[i].port_name = client_put(&area, src->port_name);
		out[i].peer = client_put(&area, src->peer);
		out[i].transport = client_put(&area, src->transport);
		out[i].sip_call_id = client_put(&area, src->sip_call_id);
		out[i].sip_from = client_put(&area, src->sip_from);
	}
	free(*acc);
	*acc = out;
	*total = all;
	return 0;
}

FGW_API int fgw_enum_calls(fgw_handle *server, fgw_call **calls, size_t *n)
{
	uint64_t cursor = 0;
	int rc = client_check(server, CLIENT_SERVER);

	if (rc != 0 || calls == NULL || n == NULL)
		return rc != 0 ? rc : FGW_E_INVAL;
	*calls = NULL;
	*n = 0;
	do {
		fgw_call *page = NULL;
		size_t k = 0;
		rc = client_calls_page(server, cursor, &page, &k, &cursor);
		if (rc == 0 && *calls == NULL) {
			*calls = page;
			*n = k;
		} else if (rc == 0) {
			if (*n + k > FGW_MAX_LIST)
				rc = client_fail(server, FGW_E_TOO_BIG, "more than %u calls",
						 (unsigned)FGW_MAX_LIST);
			else if (client_calls_append(calls, n, page, k) != 0)
				rc = client_fail(server, FGW_E_NOMEM, "out of memory");
			free(page);
		}
	} while (rc == 0 && cursor != 0);
	if (rc != 0) {
		free(*calls);
		*calls = NULL;
		*n = 0;
	}
	return rc;
}
