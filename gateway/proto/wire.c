/*
 * wire.c - the faxgw control protocol codec (frame layout in wire.h).
 */
#include "wire.h"
#include "fgwx_be.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- writer ---------------------------------------------------------------- */

void wire_writer_init(struct wire_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void wire_writer_reset(struct wire_writer *w)
{
	w->len = 0;
	w->start = 0;
	w->err = 0;
}

void wire_writer_free(struct wire_writer *w)
{
	if (w == NULL)
		return;
	free(w->buf);
	wire_writer_init(w);
}

static uint8_t *wire_reserve(struct wire_writer *w, size_t n)
{
	if (w->err != 0)
		return NULL;
	if (w->len - w->start + n > FGW_MAX_FRAME) {
		w->err = FGW_E_TOO_BIG;
		return NULL;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap < w->len + n)
			cap *= 2;
		uint8_t *nb = realloc(w->buf, cap);
		if (nb == NULL) {
			w->err = FGW_E_NOMEM;
			return NULL;
		}
		w->buf = nb;
		w->cap = cap;
	}
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

void wire_put_u8(struct wire_writer *w, uint8_t v)
{
	uint8_t *p = wire_reserve(w, 1);
	if (p != NULL)
		p[0] = v;
}

void wire_put_u16(struct wire_writer *w, uint16_t v)
{
	uint8_t *p = wire_reserve(w, 2);
	if (p != NULL)
		fgwx_put_be16(p, v);
}

void wire_put_u32(struct wire_writer *w, uint32_t v)
{
	uint8_t *p = wire_reserve(w, 4);
	if (p != NULL)
		fgwx_put_be32(p, v);
}

void wire_put_u64(struct wire_writer *w, uint64_t v)
{
	uint8_t *p = wire_reserve(w, 8);
	if (p != NULL)
		fgwx_put_be64(p, v);
}

static void wire_put_raw(struct wire_writer *w, const void *src, size_t len)
{
	uint8_t *p = wire_reserve(w, 2 + len);
	if (p != NULL) {
		fgwx_put_be16(p, (uint16_t)len);
		if (len > 0)
			memcpy(p + 2, src, len);
	}
}

void wire_put_str(struct wire_writer *w, const char *s)
{
	if (s == NULL)
		s = "";
	wire_put_raw(w, s, strnlen(s, FGW_MAX_WIRE_STRING));
}

void wire_put_bytes(struct wire_writer *w, const void *p, size_t len)
{
	if (len > FGW_MAX_ROUTING_DATA) {
		if (w->err == 0)
			w->err = FGW_E_TOO_BIG;
		return;
	}
	if (len > 0 && p == NULL) {
		if (w->err == 0)
			w->err = FGW_E_INVAL;
		return;
	}
	wire_put_raw(w, p, len);
}

void wire_begin(struct wire_writer *w, uint16_t type, uint32_t id)
{
	if (w->err != 0)
		return;
	w->start = w->len;
	uint8_t *p = wire_reserve(w, WIRE_HEADER_LEN);
	if (p == NULL)
		return;
	p[0] = WIRE_MAGIC0;
	p[1] = WIRE_MAGIC1;
	p[2] = WIRE_VERSION;
	p[3] = 0;
	fgwx_put_be16(p + 4, type);
	fgwx_put_be32(p + 6, id);
	fgwx_put_be32(p + 10, 0);
}

int wire_finish(struct wire_writer *w)
{
	int err = w->err;

	if (err != 0) {
		w->len = w->start;
		w->err = 0;
		return err;
	}
	fgwx_put_be32(w->buf + w->start + 10, (uint32_t)(w->len - w->start - WIRE_HEADER_LEN));
	w->start = w->len;
	return 0;
}

/* --- reader ---------------------------------------------------------------- */

void wire_reader_init(struct wire_reader *r, const void *body, size_t len)
{
	r->p = body;
	r->left = len;
	r->err = 0;
}

static const uint8_t *wire_take(struct wire_reader *r, size_t n)
{
	if (r->err != 0)
		return NULL;
	if (r->left < n) {
		r->err = FGW_E_PROTOCOL;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

uint8_t wire_get_u8(struct wire_reader *r)
{
	const uint8_t *p = wire_take(r, 1);
	return p ? p[0] : 0;
}

uint16_t wire_get_u16(struct wire_reader *r)
{
	const uint8_t *p = wire_take(r, 2);
	return p ? fgwx_get_be16(p) : 0;
}

uint32_t wire_get_u32(struct wire_reader *r)
{
	const uint8_t *p = wire_take(r, 4);
	return p ? fgwx_get_be32(p) : 0;
}

uint64_t wire_get_u64(struct wire_reader *r)
{
	const uint8_t *p = wire_take(r, 8);
	return p ? fgwx_get_be64(p) : 0;
}

/* A string field: its bytes (not NUL-terminated) and length. */
static const uint8_t *wire_get_text(struct wire_reader *r, size_t *len)
{
	uint16_t n = wire_get_u16(r);
	const uint8_t *p = wire_take(r, n);

	*len = 0;
	if (p == NULL)
		return NULL;
	if (n > FGW_MAX_WIRE_STRING || memchr(p, 0, n) != NULL) {
		r->err = FGW_E_PROTOCOL;
		return NULL;
	}
	*len = n;
	return p;
}

static const uint8_t *wire_get_blob(struct wire_reader *r, size_t *len)
{
	uint16_t n = wire_get_u16(r);
	const uint8_t *p;

	*len = 0;
	if (r->err == 0 && n > FGW_MAX_ROUTING_DATA) {
		r->err = FGW_E_TOO_BIG;
		return NULL;
	}
	p = wire_take(r, n);
	if (p != NULL)
		*len = n;
	return p;
}

void wire_get_str_buf(struct wire_reader *r, char *out, size_t outlen)
{
	size_t n;
	const uint8_t *p = wire_get_text(r, &n);

	out[0] = '\0';
	if (p == NULL)
		return;
	if (n >= outlen) {
		r->err = FGW_E_PROTOCOL;
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

int wire_reader_end(const struct wire_reader *r)
{
	if (r->err != 0)
		return r->err;
	return r->left == 0 ? 0 : FGW_E_PROTOCOL;
}

/* --- header ---------------------------------------------------------------- */

int wire_parse_header(const void *buf, size_t len, struct wire_header *h,
		      char *reason, size_t reasonlen)
{
	const uint8_t *p = buf;

	if (len < WIRE_HEADER_LEN)
		return 1;
	if (p[0] != WIRE_MAGIC0 || p[1] != WIRE_MAGIC1) {
		snprintf(reason, reasonlen, "not a faxgw control message (bad magic)");
		return FGW_E_PROTOCOL;
	}
	h->version = p[2];
	h->type = fgwx_get_be16(p + 4);
	h->id = fgwx_get_be32(p + 6);
	h->len = fgwx_get_be32(p + 10);
	if (h->version != WIRE_VERSION) {
		snprintf(reason, reasonlen,
			 "protocol version mismatch: peer speaks version %u, this side "
			 "speaks version %u", (unsigned)h->version, (unsigned)WIRE_VERSION);
		return FGW_E_PROTOCOL;
	}
	if (p[3] != 0) {
		snprintf(reason, reasonlen, "unknown header flags 0x%02x", (unsigned)p[3]);
		return FGW_E_PROTOCOL;
	}
	if (h->len > FGW_MAX_FRAME - WIRE_HEADER_LEN) {
		snprintf(reason, reasonlen, "message of %lu bytes is over the limit of %u",
			 (unsigned long)h->len + WIRE_HEADER_LEN, (unsigned)FGW_MAX_FRAME);
		return FGW_E_PROTOCOL;
	}
	return 0;
}

static const char *const wire_request_names[] = {
	[WIRE_HELLO] = "HELLO", [WIRE_SET_ORIGIN] = "SET_ORIGIN",
	[WIRE_GATEWAY_INFO] = "GATEWAY_INFO", [WIRE_ENUM_PORTS] = "ENUM_PORTS",
	[WIRE_ENUM_EXTENSIONS] = "ENUM_EXTENSIONS", [WIRE_OPEN_PORT] = "OPEN_PORT",
	[WIRE_CLOSE_PORT] = "CLOSE_PORT", [WIRE_GET_PORT] = "GET_PORT",
	[WIRE_ENUM_METHODS] = "ENUM_METHODS", [WIRE_GET_ROUTING] = "GET_ROUTING",
	[WIRE_SET_ROUTING] = "SET_ROUTING", [WIRE_ENABLE] = "ENABLE",
	[WIRE_ENUM_GLOBAL] = "ENUM_GLOBAL", [WIRE_SET_GLOBAL] = "SET_GLOBAL",
	[WIRE_BATCH] = "BATCH", [WIRE_ENUM_JOBS] = "ENUM_JOBS",
	[WIRE_RETRY_JOB] = "RETRY_JOB", [WIRE_ENUM_AUDIT] = "ENUM_AUDIT",
	[WIRE_SUBSCRIBE] = "SUBSCRIBE", [WIRE_ENUM_JOBS_PAGE] = "ENUM_JOBS_PAGE",
	[WIRE_ENUM_AUDIT_PAGE] = "ENUM_AUDIT_PAGE", [WIRE_GET_JOB] = "GET_JOB",
	[WIRE_ENUM_CALLS_PAGE] = "ENUM_CALLS_PAGE", [WIRE_SIP_INFO] = "SIP_INFO",
	[WIRE_SEND_BEGIN] = "SEND_BEGIN", [WIRE_SEND_DATA] = "SEND_DATA",
	[WIRE_SEND_COMMIT] = "SEND_COMMIT", [WIRE_CANCEL_JOB] = "CANCEL_JOB",
};

static const char *const wire_reply_names[] = {
	"R_OK", "R_ERROR", "R_HELLO", "R_OPENED", "R_DATA", "R_GATEWAY", "R_PORT",
	"R_PORTS", "R_EXTENSIONS", "R_METHODS", "R_GLOBALS", "R_JOBS", "R_AUDIT",
	"R_EVENT", "R_JOBS_PAGE", "R_AUDIT_PAGE", "R_JOB", "R_CALLS_PAGE", "R_SIP",
	"R_JOB_ID",
};

const char *wire_type_name(uint16_t type)
{
	if (type >= WIRE_HELLO && type <= WIRE_REQUEST_LAST)
		return wire_request_names[type];
	if (type >= WIRE_R_OK && type <= WIRE_REPLY_LAST)
		return wire_reply_names[type - WIRE_R_OK];
	return "unknown";
}

/* --- one-block decoding -------------------------------------------------------
 * Records are decoded twice: once to count the bytes their strings need
 * (base NULL), once to copy them into the block after the array. */

struct wire_arena {
	char *base;                /* NULL: counting pass */
	size_t used;
};

static const char *wire_get_str_arena(struct wire_reader *r, struct wire_arena *a)
{
	size_t n;
	const uint8_t *p = wire_get_text(r, &n);
	char *out;

	if (p == NULL)
		return "";
	a->used += n + 1;
	if (a->base == NULL)
		return "";
	out = a->base + a->used - n - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static const void *wire_get_bytes_arena(struct wire_reader *r, struct wire_arena *a,
					size_t *len)
{
	const uint8_t *p = wire_get_blob(r, len);

	if (p == NULL)
		return NULL;
	a->used += *len + 1;
	if (a->base == NULL)
		return NULL;
	char *out = a->base + a->used - *len - 1;
	memcpy(out, p, *len);
	out[*len] = '\0';
	return out;
}

/* --- records ---------------------------------------------------------------- */

void wire_put_gateway(struct wire_writer *w, const fgw_gateway_info *g)
{
	wire_put_str(w, g->version);
	wire_put_u32(w, g->port_count);
	wire_put_u32(w, g->active_calls);
	wire_put_u32(w, g->spool_pending);
	wire_put_u32(w, g->dead_letters);
	wire_put_u32(w, g->unrouted);
	wire_put_u32(w, g->extension_load_failures);
	wire_put_u64(w, g->start_time);
}

static void wire_get_gateway(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_gateway_info *g = rec;

	g->version = wire_get_str_arena(r, a);
	g->port_count = wire_get_u32(r);
	g->active_calls = wire_get_u32(r);
	g->spool_pending = wire_get_u32(r);
	g->dead_letters = wire_get_u32(r);
	g->unrouted = wire_get_u32(r);
	g->extension_load_failures = wire_get_u32(r);
	g->start_time = wire_get_u64(r);
}

void wire_put_port(struct wire_writer *w, const fgw_port_info *p)
{
	wire_put_u32(w, p->id);
	wire_put_str(w, p->name);
	wire_put_u8(w, (uint8_t)p->transport);
	wire_put_str(w, p->local_address);
	wire_put_str(w, p->local_ident);
	wire_put_u8(w, (uint8_t)p->state);
	wire_put_u64(w, p->faxes_received);
	wire_put_u64(w, p->pages_received);
	wire_put_u64(w, p->faxes_failed);
	wire_put_u64(w, p->routing_failures);
	wire_put_str(w, p->last_remote_ident);
	wire_put_u8(w, p->modify_held ? 1 : 0);
	wire_put_u64(w, p->faxes_sent);
	wire_put_u64(w, p->pages_sent);
	wire_put_u64(w, p->send_failures);
}

static void wire_get_port(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_port_info *p = rec;

	p->id = wire_get_u32(r);
	p->name = wire_get_str_arena(r, a);
	p->transport = (fgw_transport)wire_get_u8(r);
	p->local_address = wire_get_str_arena(r, a);
	p->local_ident = wire_get_str_arena(r, a);
	p->state = (fgw_port_state)wire_get_u8(r);
	p->faxes_received = wire_get_u64(r);
	p->pages_received = wire_get_u64(r);
	p->faxes_failed = wire_get_u64(r);
	p->routing_failures = wire_get_u64(r);
	p->last_remote_ident = wire_get_str_arena(r, a);
	p->modify_held = wire_get_u8(r);
	p->faxes_sent = wire_get_u64(r);
	p->pages_sent = wire_get_u64(r);
	p->send_failures = wire_get_u64(r);
}

void wire_put_extension(struct wire_writer *w, const fgw_extension_info *e)
{
	wire_put_str(w, e->image_name);
	wire_put_str(w, e->friendly_name);
	wire_put_u8(w, e->loaded ? 1 : 0);
	wire_put_str(w, e->error);
	wire_put_u32(w, e->method_count);
}

static void wire_get_extension(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_extension_info *e = rec;

	e->image_name = wire_get_str_arena(r, a);
	e->friendly_name = wire_get_str_arena(r, a);
	e->loaded = wire_get_u8(r) != 0;
	e->error = wire_get_str_arena(r, a);
	e->method_count = wire_get_u32(r);
}

void wire_put_method(struct wire_writer *w, const fgw_routing_method *m)
{
	wire_put_u32(w, m->device_id);
	wire_put_str(w, m->device_name);
	wire_put_u8(w, m->enabled ? 1 : 0);
	wire_put_str(w, m->guid);
	wire_put_str(w, m->friendly_name);
	wire_put_str(w, m->function_name);
	wire_put_str(w, m->extension_image_name);
	wire_put_str(w, m->extension_friendly_name);
	wire_put_u32(w, m->method_index);
	wire_put_u32(w, m->priority);
	wire_put_u64(w, m->routed);
	wire_put_u64(w, m->failures);
	wire_put_str(w, m->last_error);
}

static void wire_get_method(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_routing_method *m = rec;

	m->device_id = wire_get_u32(r);
	m->device_name = wire_get_str_arena(r, a);
	m->enabled = wire_get_u8(r) != 0;
	m->guid = wire_get_str_arena(r, a);
	m->friendly_name = wire_get_str_arena(r, a);
	m->function_name = wire_get_str_arena(r, a);
	m->extension_image_name = wire_get_str_arena(r, a);
	m->extension_friendly_name = wire_get_str_arena(r, a);
	m->method_index = wire_get_u32(r);
	m->priority = wire_get_u32(r);
	m->routed = wire_get_u64(r);
	m->failures = wire_get_u64(r);
	m->last_error = wire_get_str_arena(r, a);
}

void wire_put_global(struct wire_writer *w, const fgw_global_routing_info *g)
{
	wire_put_u32(w, g->priority);
	wire_put_str(w, g->guid);
	wire_put_str(w, g->friendly_name);
	wire_put_str(w, g->function_name);
	wire_put_str(w, g->extension_image_name);
	wire_put_str(w, g->extension_friendly_name);
	wire_put_u32(w, g->method_index);
}

static void wire_get_global(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_global_routing_info *g = rec;

	g->priority = wire_get_u32(r);
	g->guid = wire_get_str_arena(r, a);
	g->friendly_name = wire_get_str_arena(r, a);
	g->function_name = wire_get_str_arena(r, a);
	g->extension_image_name = wire_get_str_arena(r, a);
	g->extension_friendly_name = wire_get_str_arena(r, a);
	g->method_index = wire_get_u32(r);
}

void wire_put_job(struct wire_writer *w, const fgw_job *j)
{
	wire_put_u64(w, j->id);
	wire_put_u32(w, j->port_id);
	wire_put_u8(w, (uint8_t)j->state);
	wire_put_u32(w, j->attempts);
	wire_put_u64(w, j->received_time);
	wire_put_u64(w, j->next_attempt_time);
	wire_put_u32(w, j->pages);
	wire_put_u8(w, j->partial ? 1 : 0);
	wire_put_str(w, j->remote_ident);
	wire_put_str(w, j->path);
	wire_put_str(w, j->last_error);
	wire_put_u32(w, j->degraded_pages);
	wire_put_u32(w, j->bad_rows);
	wire_put_u32(w, j->longest_bad_run);
	wire_put_str(w, j->degraded_list);
	wire_put_u8(w, (uint8_t)j->direction);
	wire_put_str(w, j->to);
}

static void wire_get_job(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_job *j = rec;

	j->id = wire_get_u64(r);
	j->port_id = wire_get_u32(r);
	j->state = (fgw_job_state)wire_get_u8(r);
	j->attempts = wire_get_u32(r);
	j->received_time = wire_get_u64(r);
	j->next_attempt_time = wire_get_u64(r);
	j->pages = wire_get_u32(r);
	j->partial = wire_get_u8(r) != 0;
	j->remote_ident = wire_get_str_arena(r, a);
	j->path = wire_get_str_arena(r, a);
	j->last_error = wire_get_str_arena(r, a);
	j->degraded_pages = wire_get_u32(r);
	j->bad_rows = wire_get_u32(r);
	j->longest_bad_run = wire_get_u32(r);
	j->degraded_list = wire_get_str_arena(r, a);
	j->direction = (fgw_job_direction)wire_get_u8(r);
	j->to = wire_get_str_arena(r, a);
}

/* What wire_put_str() writes for s. */
static size_t wire_str_size(const char *s)
{
	return 2 + (s != NULL ? strnlen(s, FGW_MAX_WIRE_STRING) : 0);
}

static size_t wire_job_size(const fgw_job *j)
{
	return 8 + 4 + 1 + 4 + 8 + 8 + 4 + 1 + 3 * 4 + 1 + wire_str_size(j->remote_ident) +
	       wire_str_size(j->path) + wire_str_size(j->last_error) +
	       wire_str_size(j->degraded_list) + wire_str_size(j->to);
}

size_t wire_enc_jobs_page(struct wire_writer *w, uint32_t id, const fgw_job *v, size_t n,
			  uint64_t next)
{
	size_t used = WIRE_HEADER_LEN + 8 + 4, k = 0;

	while (k < n && (k == 0 || used + wire_job_size(&v[k]) <= FGW_MAX_FRAME))
		used += wire_job_size(&v[k++]);
	if (k < n)
		next = v[k - 1].id;
	wire_begin(w, WIRE_R_JOBS_PAGE, id);
	wire_put_u64(w, next);
	wire_put_u32(w, (uint32_t)k);
	for (size_t i = 0; i < k; i++)
		wire_put_job(w, &v[i]);
	return k;
}

static size_t wire_audit_size(const fgw_audit_entry *e)
{
	return 8 + 8 + 4 + wire_str_size(e->who) + wire_str_size(e->what) +
	       wire_str_size(e->old_value) + wire_str_size(e->new_value);
}

size_t wire_enc_audit_page(struct wire_writer *w, uint32_t id, const fgw_audit_entry *v,
			   size_t n, uint64_t next)
{
	size_t used = WIRE_HEADER_LEN + 8 + 4, k = 0;

	while (k < n && (k == 0 || used + wire_audit_size(&v[k]) <= FGW_MAX_FRAME))
		used += wire_audit_size(&v[k++]);
	if (k < n)
		next = v[k - 1].id;
	wire_begin(w, WIRE_R_AUDIT_PAGE, id);
	wire_put_u64(w, next);
	wire_put_u32(w, (uint32_t)k);
	for (size_t i = 0; i < k; i++)
		wire_put_audit(w, &v[i]);
	return k;
}

void wire_put_audit(struct wire_writer *w, const fgw_audit_entry *e)
{
	wire_put_u64(w, e->id);
	wire_put_u64(w, e->time);
	wire_put_u32(w, e->uid);
	wire_put_str(w, e->who);
	wire_put_str(w, e->what);
	wire_put_str(w, e->old_value);
	wire_put_str(w, e->new_value);
}

static void wire_get_audit(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_audit_entry *e = rec;

	e->id = wire_get_u64(r);
	e->time = wire_get_u64(r);
	e->uid = wire_get_u32(r);
	e->who = wire_get_str_arena(r, a);
	e->what = wire_get_str_arena(r, a);
	e->old_value = wire_get_str_arena(r, a);
	e->new_value = wire_get_str_arena(r, a);
}

void wire_put_event(struct wire_writer *w, const fgw_event *ev)
{
	wire_put_u16(w, (uint16_t)ev->type);
	wire_put_u64(w, ev->time);
	wire_put_u32(w, ev->port_id);
	wire_put_str(w, ev->guid);
	wire_put_u64(w, ev->job_id);
	wire_put_u32(w, (uint32_t)ev->port_state);
	wire_put_str(w, ev->text);
	wire_put_u32(w, (uint32_t)ev->job_state);
}

static void wire_get_event(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_event *ev = rec;

	ev->type = (fgw_event_type)wire_get_u16(r);
	ev->time = wire_get_u64(r);
	ev->port_id = wire_get_u32(r);
	ev->guid = wire_get_str_arena(r, a);
	ev->job_id = wire_get_u64(r);
	ev->port_state = (int)wire_get_u32(r);
	ev->text = wire_get_str_arena(r, a);
	ev->job_state = (int)(int32_t)wire_get_u32(r);
}

void wire_put_sip_port(struct wire_writer *w, const fgw_sip_port *p)
{
	const fgw_sip_stats *st = &p->stats;

	wire_put_u32(w, p->port_id);
	wire_put_u32(w, p->channels);
	wire_put_str(w, p->sip_users);
	wire_put_u32(w, st->running);
	wire_put_u32(w, st->calls);
	wire_put_u64(w, st->invites);
	wire_put_u64(w, st->answered);
	for (int k = 3; k <= 6; k++)
		wire_put_u64(w, st->rejected[k]);
	wire_put_u64(w, st->t38_sent);
	wire_put_u64(w, st->t38_accepted);
	wire_put_u64(w, st->t38_refused);
	wire_put_u64(w, st->t38_peer);
	wire_put_u64(w, st->refreshes);
}

static void wire_get_sip_port(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_sip_port *p = rec;
	fgw_sip_stats *st = &p->stats;

	p->port_id = wire_get_u32(r);
	p->channels = wire_get_u32(r);
	p->sip_users = wire_get_str_arena(r, a);
	st->running = wire_get_u32(r);
	st->calls = wire_get_u32(r);
	st->invites = wire_get_u64(r);
	st->answered = wire_get_u64(r);
	for (int k = 3; k <= 6; k++)
		st->rejected[k] = wire_get_u64(r);
	st->t38_sent = wire_get_u64(r);
	st->t38_accepted = wire_get_u64(r);
	st->t38_refused = wire_get_u64(r);
	st->t38_peer = wire_get_u64(r);
	st->refreshes = wire_get_u64(r);
}

void wire_enc_event(struct wire_writer *w, const fgw_event *ev)
{
	wire_begin(w, WIRE_R_EVENT, 0);
	wire_put_event(w, ev);
}

/* --- one job with its details, calls in progress ------------------------------ */

static void wire_put_job_method(struct wire_writer *w, const fgw_job_method_result *m)
{
	wire_put_str(w, m->guid);
	wire_put_str(w, m->friendly_name);
	wire_put_u8(w, (uint8_t)m->state);
	wire_put_u32(w, m->attempts);
	wire_put_str(w, m->last_error);
}

static size_t wire_job_method_size(const fgw_job_method_result *m)
{
	return 1 + 4 + wire_str_size(m->guid) + wire_str_size(m->friendly_name) +
	       wire_str_size(m->last_error);
}

void wire_enc_job_info(struct wire_writer *w, uint32_t id, const fgw_job_info *j)
{
	const char *const strs[] = { j->port_name, j->local_ident, j->caller, j->t30_text,
				     j->sip_call_id, j->sip_from, j->sip_to,
				     j->sip_user_agent, j->transport };
	size_t used = WIRE_HEADER_LEN + wire_job_size(&j->job) + 8 * 3 + 4 * 5 + 4, k = 0;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		used += wire_str_size(strs[i]);
	used += 4 + 4 + wire_str_size(j->submitted_by);      /* the sending tail */
	while (k < j->nmethods && used + wire_job_method_size(&j->methods[k]) <= FGW_MAX_FRAME)
		used += wire_job_method_size(&j->methods[k++]);
	wire_begin(w, WIRE_R_JOB, id);
	wire_put_job(w, &j->job);
	wire_put_str(w, j->port_name);
	wire_put_str(w, j->local_ident);
	wire_put_str(w, j->caller);
	wire_put_u64(w, j->start_time);
	wire_put_u64(w, j->end_time);
	wire_put_u32(w, j->x_res);
	wire_put_u32(w, j->y_res);
	wire_put_u32(w, j->bit_rate);
	wire_put_u8(w, j->ecm ? 1 : 0);
	wire_put_u32(w, (uint32_t)j->t30_status);
	wire_put_str(w, j->t30_text);
	wire_put_u64(w, j->finished_time);
	for (size_t i = 4; i < sizeof(strs) / sizeof(strs[0]); i++)
		wire_put_str(w, strs[i]);
	wire_put_u32(w, (uint32_t)k);
	for (size_t i = 0; i < k; i++)
		wire_put_job_method(w, &j->methods[i]);
	wire_put_u32(w, j->document_pages);
	wire_put_u32(w, j->sip_status);
	wire_put_str(w, j->submitted_by);
}

/* One pass over a WIRE_R_JOB body (see wire_dec_records): counting when
 * a->base is NULL, else filling j and its methods (room for them given). */
static uint32_t wire_get_job_info(struct wire_reader *r, struct wire_arena *a, fgw_job_info *j,
				  fgw_job_method_result *m)
{
	uint32_t count;
	fgw_job_method_result scratch;

	wire_get_job(r, a, &j->job);
	j->port_name = wire_get_str_arena(r, a);
	j->local_ident = wire_get_str_arena(r, a);
	j->caller = wire_get_str_arena(r, a);
	j->start_time = wire_get_u64(r);
	j->end_time = wire_get_u64(r);
	j->x_res = wire_get_u32(r);
	j->y_res = wire_get_u32(r);
	j->bit_rate = wire_get_u32(r);
	j->ecm = wire_get_u8(r) != 0;
	j->t30_status = (int)(int32_t)wire_get_u32(r);
	j->t30_text = wire_get_str_arena(r, a);
	j->finished_time = wire_get_u64(r);
	j->sip_call_id = wire_get_str_arena(r, a);
	j->sip_from = wire_get_str_arena(r, a);
	j->sip_to = wire_get_str_arena(r, a);
	j->sip_user_agent = wire_get_str_arena(r, a);
	j->transport = wire_get_str_arena(r, a);
	count = wire_get_u32(r);
	if (count > FGW_MAX_METHODS) {
		if (r->err == 0)
			r->err = FGW_E_TOO_BIG;
		return 0;
	}
	for (uint32_t i = 0; i < count && r->err == 0; i++) {
		fgw_job_method_result *x = m != NULL ? &m[i] : &scratch;
		x->guid = wire_get_str_arena(r, a);
		x->friendly_name = wire_get_str_arena(r, a);
		x->state = (fgw_job_state)wire_get_u8(r);
		x->attempts = wire_get_u32(r);
		x->last_error = wire_get_str_arena(r, a);
	}
	j->document_pages = wire_get_u32(r);
	j->sip_status = wire_get_u32(r);
	j->submitted_by = wire_get_str_arena(r, a);
	return count;
}

int wire_dec_job_info(const void *body, size_t len, fgw_job_info **out)
{
	struct wire_reader r;
	struct wire_arena a = { NULL, 0 };
	fgw_job_info scratch;
	uint32_t count;
	int rc;

	*out = NULL;
	wire_reader_init(&r, body, len);
	count = wire_get_job_info(&r, &a, &scratch, NULL);
	rc = wire_reader_end(&r);
	if (rc != 0)
		return rc;
	size_t head = sizeof(fgw_job_info) + (size_t)count * sizeof(fgw_job_method_result);
	char *block = calloc(1, head + a.used);
	if (block == NULL)
		return FGW_E_NOMEM;
	fgw_job_info *j = (fgw_job_info *)(void *)block;
	j->methods = count > 0 ? (fgw_job_method_result *)(void *)(block + sizeof(*j)) : NULL;
	j->nmethods = count;
	wire_reader_init(&r, body, len);
	a.base = block + head;
	a.used = 0;
	wire_get_job_info(&r, &a, j, j->methods);
	*out = j;
	return 0;
}

void wire_put_call(struct wire_writer *w, const fgw_call *c)
{
	wire_put_u32(w, c->port_id);
	wire_put_u32(w, c->channel);
	wire_put_str(w, c->port_name);
	wire_put_str(w, c->peer);
	wire_put_str(w, c->transport);
	wire_put_str(w, c->sip_call_id);
	wire_put_str(w, c->sip_from);
	wire_put_u32(w, c->pages);
	wire_put_u64(w, c->start_time);
}

static void wire_get_call(struct wire_reader *r, struct wire_arena *a, void *rec)
{
	fgw_call *c = rec;

	c->port_id = wire_get_u32(r);
	c->channel = wire_get_u32(r);
	c->port_name = wire_get_str_arena(r, a);
	c->peer = wire_get_str_arena(r, a);
	c->transport = wire_get_str_arena(r, a);
	c->sip_call_id = wire_get_str_arena(r, a);
	c->sip_from = wire_get_str_arena(r, a);
	c->pages = wire_get_u32(r);
	c->start_time = wire_get_u64(r);
}

static size_t wire_call_size(const fgw_call *c)
{
	return 4 + 4 + 4 + 8 + wire_str_size(c->port_name) + wire_str_size(c->peer) +
	       wire_str_size(c->transport) + wire_str_size(c->sip_call_id) +
	       wire_str_size(c->sip_from);
}

uint64_t wire_call_key(const fgw_call *c)
{
	return (uint64_t)c->port_id << 32 | c->channel;
}

size_t wire_enc_calls_page(struct wire_writer *w, uint32_t id, const fgw_call *v, size_t n,
			   uint64_t next)
{
	size_t used = WIRE_HEADER_LEN + 8 + 4, k = 0;

	while (k < n && (k == 0 || used + wire_call_size(&v[k]) <= FGW_MAX_FRAME))
		used += wire_call_size(&v[k++]);
	if (k < n)
		next = wire_call_key(&v[k - 1]) + 1;
	wire_begin(w, WIRE_R_CALLS_PAGE, id);
	wire_put_u64(w, next);
	wire_put_u32(w, (uint32_t)k);
	for (size_t i = 0; i < k; i++)
		wire_put_call(w, &v[i]);
	return k;
}

union wire_any_record {
	fgw_gateway_info gateway;
	fgw_port_info port;
	fgw_extension_info extension;
	fgw_routing_method method;
	fgw_global_routing_info global;
	fgw_job job;
	fgw_audit_entry audit;
	fgw_event event;
	fgw_call call;
	fgw_sip_port sip_port;
};

struct wire_record_kind {
	size_t size;
	void (*get)(struct wire_reader *r, struct wire_arena *a, void *rec);
	uint16_t one_type, list_type;
};

static const struct wire_record_kind wire_records[] = {
	[WIRE_REC_GATEWAY] = { sizeof(fgw_gateway_info), wire_get_gateway, WIRE_R_GATEWAY, 0 },
	[WIRE_REC_PORT] = { sizeof(fgw_port_info), wire_get_port, WIRE_R_PORT, WIRE_R_PORTS },
	[WIRE_REC_EXTENSION] = { sizeof(fgw_extension_info), wire_get_extension, 0,
				 WIRE_R_EXTENSIONS },
	[WIRE_REC_METHOD] = { sizeof(fgw_routing_method), wire_get_method, 0, WIRE_R_METHODS },
	[WIRE_REC_GLOBAL] = { sizeof(fgw_global_routing_info), wire_get_global, 0,
			      WIRE_R_GLOBALS },
	[WIRE_REC_JOB] = { sizeof(fgw_job), wire_get_job, 0, WIRE_R_JOBS },
	[WIRE_REC_AUDIT] = { sizeof(fgw_audit_entry), wire_get_audit, 0, WIRE_R_AUDIT },
	[WIRE_REC_EVENT] = { sizeof(fgw_event), wire_get_event, WIRE_R_EVENT, 0 },
	/* only in pages (WIRE_R_CALLS_PAGE, wire_dec_page) */
	[WIRE_REC_CALL] = { sizeof(fgw_call), wire_get_call, 0, 0 },
	[WIRE_REC_SIP_PORT] = { sizeof(fgw_sip_port), wire_get_sip_port, 0, WIRE_R_SIP },
};

uint16_t wire_record_reply_type(enum wire_record kind, int list)
{
	if ((size_t)kind >= sizeof(wire_records) / sizeof(wire_records[0]))
		return 0;
	return list ? wire_records[kind].list_type : wire_records[kind].one_type;
}

/* Decodes `count` records (after the count field, if any) into one block. */
static int wire_dec_records(const void *body, size_t len, int has_count,
			    enum wire_record kind, void **out, size_t *n)
{
	const struct wire_record_kind *k = &wire_records[kind];
	struct wire_reader r;
	struct wire_arena a = { NULL, 0 };
	union wire_any_record scratch;
	uint32_t count = 1;
	int rc;

	*out = NULL;
	*n = 0;
	wire_reader_init(&r, body, len);
	if (has_count)
		count = wire_get_u32(&r);
	if (count > FGW_MAX_LIST)
		return FGW_E_TOO_BIG;
	const struct wire_reader start = r;
	for (uint32_t i = 0; i < count && r.err == 0; i++)
		k->get(&r, &a, &scratch);
	rc = wire_reader_end(&r);
	if (rc != 0)
		return rc;
	if (count == 0)
		return 0;
	size_t arr = (size_t)count * k->size;
	char *block = malloc(arr + a.used);
	if (block == NULL)
		return FGW_E_NOMEM;
	r = start;
	a.base = block + arr;
	a.used = 0;
	for (uint32_t i = 0; i < count; i++)
		k->get(&r, &a, block + (size_t)i * k->size);
	*out = block;
	*n = count;
	return 0;
}

int wire_dec_list(const void *body, size_t len, enum wire_record kind, void **out,
		  size_t *n)
{
	return wire_dec_records(body, len, 1, kind, out, n);
}

int wire_dec_page(const void *body, size_t len, enum wire_record kind, void **out,
		  size_t *n, uint64_t *next)
{
	struct wire_reader r;
	int rc;

	*out = NULL;
	*n = 0;
	*next = 0;
	if (kind != WIRE_REC_JOB && kind != WIRE_REC_AUDIT && kind != WIRE_REC_CALL)
		return FGW_E_PROTOCOL;
	wire_reader_init(&r, body, len);
	uint64_t cursor = wire_get_u64(&r);
	if (r.err != 0)
		return r.err;
	rc = wire_dec_records(r.p, r.left, 1, kind, out, n);
	if (rc == 0)
		*next = cursor;
	return rc;
}

int wire_dec_one(const void *body, size_t len, enum wire_record kind, void **out)
{
	size_t n;
	return wire_dec_records(body, len, 0, kind, out, &n);
}

/* --- simple replies -------------------------------------------------------- */

void wire_enc_ok(struct wire_writer *w, uint32_t id)
{
	wire_begin(w, WIRE_R_OK, id);
}

void wire_enc_error(struct wire_writer *w, uint32_t id, int code, uint32_t failed_index,
		    const char *reason)
{
	wire_begin(w, WIRE_R_ERROR, id);
	wire_put_u32(w, (uint32_t)code);
	wire_put_u32(w, failed_index);
	wire_put_str(w, reason);
}

void wire_enc_hello(struct wire_writer *w, uint32_t id, const char *version, int may_modify)
{
	wire_begin(w, WIRE_R_HELLO, id);
	wire_put_str(w, version);
	wire_put_u8(w, may_modify ? 1 : 0);
}

void wire_enc_opened(struct wire_writer *w, uint32_t id, uint32_t handle)
{
	wire_begin(w, WIRE_R_OPENED, id);
	wire_put_u32(w, handle);
}

void wire_enc_data(struct wire_writer *w, uint32_t id, const void *data, size_t len)
{
	wire_begin(w, WIRE_R_DATA, id);
	wire_put_bytes(w, data, len);
}

void wire_enc_job_id(struct wire_writer *w, uint32_t id, uint64_t job_id)
{
	wire_begin(w, WIRE_R_JOB_ID, id);
	wire_put_u64(w, job_id);
}

int wire_dec_error(const void *body, size_t len, struct wire_error *e)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	e->code = (int)(int32_t)wire_get_u32(&r);
	e->failed_index = wire_get_u32(&r);
	wire_get_str_buf(&r, e->reason, sizeof(e->reason));
	int rc = wire_reader_end(&r);
	if (rc != 0)
		return rc;
	if (e->code >= 0 || e->code < FGW_E_MIN)
		return FGW_E_PROTOCOL;
	return 0;
}

int wire_dec_hello(const void *body, size_t len, char *version, size_t versionlen,
		   int *may_modify)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	wire_get_str_buf(&r, version, versionlen);
	*may_modify = wire_get_u8(&r) != 0;
	return wire_reader_end(&r);
}

int wire_dec_opened(const void *body, size_t len, uint32_t *handle)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	*handle = wire_get_u32(&r);
	return wire_reader_end(&r);
}

int wire_dec_job_id(const void *body, size_t len, uint64_t *job_id)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	*job_id = wire_get_u64(&r);
	return wire_reader_end(&r);
}

int wire_dec_data(const void *body, size_t len, void **data, size_t *dlen)
{
	struct wire_reader r;
	size_t n;

	*data = NULL;
	*dlen = 0;
	wire_reader_init(&r, body, len);
	const uint8_t *p = wire_get_blob(&r, &n);
	int rc = wire_reader_end(&r);
	if (rc != 0)
		return rc;
	char *copy = malloc(n + 1);
	if (copy == NULL)
		return FGW_E_NOMEM;
	if (n > 0)
		memcpy(copy, p, n);
	copy[n] = '\0';
	*data = copy;
	*dlen = n;
	return 0;
}

/* --- requests ---------------------------------------------------------------
 * Field letters: S text, I a second text (ident, at most FGW_MAX_IDENT),
 * G guid, D routing data, H handle, P port id, N number (u32), J job id
 * or size (u64), F flag (u8), B batch of changes, X document chunk. */

static const char *const wire_layouts[] = {
	[WIRE_HELLO] = "S", [WIRE_SET_ORIGIN] = "S", [WIRE_GATEWAY_INFO] = "",
	[WIRE_ENUM_PORTS] = "", [WIRE_ENUM_EXTENSIONS] = "", [WIRE_OPEN_PORT] = "PN",
	[WIRE_CLOSE_PORT] = "H", [WIRE_GET_PORT] = "H", [WIRE_ENUM_METHODS] = "H",
	[WIRE_GET_ROUTING] = "HG", [WIRE_SET_ROUTING] = "HGD", [WIRE_ENABLE] = "HGF",
	[WIRE_ENUM_GLOBAL] = "", [WIRE_SET_GLOBAL] = "GN", [WIRE_BATCH] = "B",
	[WIRE_ENUM_JOBS] = "F", [WIRE_RETRY_JOB] = "J", [WIRE_ENUM_AUDIT] = "N",
	[WIRE_SUBSCRIBE] = "N", [WIRE_ENUM_JOBS_PAGE] = "FJN", [WIRE_ENUM_AUDIT_PAGE] = "JN",
	[WIRE_GET_JOB] = "J", [WIRE_ENUM_CALLS_PAGE] = "JN",
	[WIRE_SIP_INFO] = "", [WIRE_SEND_BEGIN] = "PSIJ", [WIRE_SEND_DATA] = "X",
	[WIRE_SEND_COMMIT] = "", [WIRE_CANCEL_JOB] = "J",
};

static void wire_put_batch(struct wire_writer *w, const fgw_routing_change *c, size_t n)
{
	if (n > FGW_MAX_BATCH || (n > 0 && c == NULL)) {
		if (w->err == 0)
			w->err = n > FGW_MAX_BATCH ? FGW_E_TOO_BIG : FGW_E_INVAL;
		return;
	}
	wire_put_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		if (c[i].guid == NULL || strlen(c[i].guid) > FGW_GUID_LEN) {
			if (w->err == 0)
				w->err = FGW_E_INVAL;
			return;
		}
		wire_put_u32(w, c[i].port_id);
		wire_put_str(w, c[i].guid);
		wire_put_u8(w, c[i].set_enabled ? 1 : 0);
		wire_put_u8(w, c[i].enabled ? 1 : 0);
		wire_put_u8(w, c[i].set_data ? 1 : 0);
		wire_put_bytes(w, c[i].set_data ? c[i].data : NULL,
			       c[i].set_data ? c[i].data_len : 0);
	}
}

/* A document chunk: u32 length (1..FGW_SEND_CHUNK), the bytes. */
static void wire_put_chunk(struct wire_writer *w, const uint8_t *p, size_t len)
{
	int err = len > FGW_SEND_CHUNK ? FGW_E_TOO_BIG : len == 0 || p == NULL ? FGW_E_INVAL : 0;

	if (err != 0) {
		if (w->err == 0)
			w->err = err;
		return;
	}
	uint8_t *dst = wire_reserve(w, 4 + len);
	if (dst != NULL) {
		fgwx_put_be32(dst, (uint32_t)len);
		memcpy(dst + 4, p, len);
	}
}

int wire_enc_request(struct wire_writer *w, const struct wire_request *rq)
{
	if (rq->type < WIRE_HELLO || rq->type > WIRE_REQUEST_LAST)
		return FGW_E_INVAL;
	wire_begin(w, rq->type, rq->id);
	for (const char *f = wire_layouts[rq->type]; *f != '\0'; f++) {
		switch (*f) {
		case 'S': wire_put_str(w, rq->text); break;
		case 'I': wire_put_str(w, rq->ident); break;
		case 'G': wire_put_str(w, rq->guid); break;
		case 'D': wire_put_bytes(w, rq->data, rq->data_len); break;
		case 'H': wire_put_u32(w, rq->handle); break;
		case 'P': wire_put_u32(w, rq->port_id); break;
		case 'N': wire_put_u32(w, rq->num); break;
		case 'J': wire_put_u64(w, rq->job_id); break;
		case 'F': wire_put_u8(w, rq->flag); break;
		case 'B': wire_put_batch(w, rq->changes, rq->nchanges); break;
		case 'X': wire_put_chunk(w, rq->chunk, rq->chunk_len); break;
		default: break;
		}
	}
	return wire_finish(w);
}

static void wire_get_change(struct wire_reader *r, struct wire_arena *a,
			    fgw_routing_change *c)
{
	size_t n;

	c->port_id = wire_get_u32(r);
	const uint8_t *g = wire_get_text(r, &n);
	if (g != NULL && n > FGW_GUID_LEN)
		r->err = FGW_E_PROTOCOL;
	if (r->err == 0) {
		a->used += n + 1;
		if (a->base != NULL) {
			char *s = a->base + a->used - n - 1;
			memcpy(s, g, n);
			s[n] = '\0';
			c->guid = s;
		}
	}
	c->set_enabled = wire_get_u8(r) != 0;
	c->enabled = wire_get_u8(r) != 0;
	c->set_data = wire_get_u8(r) != 0;
	c->data = wire_get_bytes_arena(r, a, &c->data_len);
}

static int wire_get_batch(struct wire_reader *r, struct wire_request *rq)
{
	struct wire_arena a = { NULL, 0 };
	fgw_routing_change scratch;
	uint32_t n = wire_get_u32(r);

	if (r->err != 0)
		return r->err;
	if (n > FGW_MAX_BATCH)
		return FGW_E_TOO_BIG;
	const struct wire_reader start = *r;
	for (uint32_t i = 0; i < n && r->err == 0; i++)
		wire_get_change(r, &a, &scratch);
	if (r->err != 0)
		return r->err;
	size_t arr = (size_t)n * sizeof(fgw_routing_change);
	char *block = malloc(arr + a.used + 1);
	if (block == NULL)
		return FGW_E_NOMEM;
	*r = start;
	a.base = block + arr;
	a.used = 0;
	fgw_routing_change *changes = (fgw_routing_change *)(void *)block;
	for (uint32_t i = 0; i < n; i++)
		wire_get_change(r, &a, &changes[i]);
	rq->alloc = block;
	rq->changes = changes;
	rq->nchanges = n;
	return 0;
}

/* A document chunk into its own allocation (rq->alloc): a length over
 * FGW_SEND_CHUNK is over the limit, 0 or one the body cannot hold is
 * malformed (so is one shorter than the body: trailing bytes). */
static int wire_get_chunk(struct wire_reader *r, struct wire_request *rq)
{
	uint32_t n = wire_get_u32(r);

	if (r->err != 0)
		return r->err;
	if (n > FGW_SEND_CHUNK)
		return FGW_E_TOO_BIG;
	const uint8_t *p = n > 0 ? wire_take(r, n) : NULL;
	if (p == NULL)
		return FGW_E_PROTOCOL;
	uint8_t *copy = malloc(n);
	if (copy == NULL)
		return FGW_E_NOMEM;
	memcpy(copy, p, n);
	rq->alloc = copy;
	rq->chunk = copy;
	rq->chunk_len = n;
	return 0;
}

static void wire_get_request_field(struct wire_reader *r, char f, struct wire_request *rq)
{
	size_t n;
	const uint8_t *p;

	switch (f) {
	case 'S': wire_get_str_buf(r, rq->text, sizeof(rq->text)); break;
	case 'I': wire_get_str_buf(r, rq->ident, sizeof(rq->ident)); break;
	case 'G': wire_get_str_buf(r, rq->guid, sizeof(rq->guid)); break;
	case 'D':
		p = wire_get_blob(r, &n);
		if (p != NULL && n > 0)
			memcpy(rq->data, p, n);
		rq->data_len = n;
		break;
	case 'H': rq->handle = wire_get_u32(r); break;
	case 'P': rq->port_id = wire_get_u32(r); break;
	case 'N': rq->num = wire_get_u32(r); break;
	case 'J': rq->job_id = wire_get_u64(r); break;
	case 'F': rq->flag = wire_get_u8(r); break;
	case 'B':
		if (r->err == 0) {
			int rc = wire_get_batch(r, rq);
			if (rc != 0 && r->err == 0)
				r->err = rc;
		}
		break;
	case 'X':
		if (r->err == 0) {
			int rc = wire_get_chunk(r, rq);
			if (rc != 0 && r->err == 0)
				r->err = rc;
		}
		break;
	default: break;
	}
}

int wire_dec_request(const struct wire_header *h, const void *body,
		     struct wire_request *rq, char *reason, size_t reasonlen)
{
	struct wire_reader r;
	int rc;

	memset(rq, 0, sizeof(*rq));
	rq->type = h->type;
	rq->id = h->id;
	if (h->type < WIRE_HELLO || h->type > WIRE_REQUEST_LAST) {
		snprintf(reason, reasonlen, "unknown request type %u", (unsigned)h->type);
		return FGW_E_PROTOCOL;
	}
	wire_reader_init(&r, body, h->len);
	for (const char *f = wire_layouts[h->type]; *f != '\0' && r.err == 0; f++)
		wire_get_request_field(&r, *f, rq);
	rc = wire_reader_end(&r);
	if (rc != 0) {
		snprintf(reason, reasonlen, "malformed %s request (%s)", wire_type_name(h->type),
			 rc == FGW_E_TOO_BIG ? "a field is over its limit"
			 : rc == FGW_E_NOMEM ? "out of memory"
			 : r.err != 0 ? "a field is cut short or invalid" : "trailing bytes");
		wire_request_free(rq);
	}
	return rc;
}

void wire_request_free(struct wire_request *rq)
{
	if (rq == NULL)
		return;
	free(rq->alloc);
	rq->alloc = NULL;
	rq->changes = NULL;
	rq->nchanges = 0;
	rq->chunk = NULL;
	rq->chunk_len = 0;
}
