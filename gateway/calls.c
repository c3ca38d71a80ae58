/*
 * calls.c - the table of calls in progress (calls.h).
 */
#include "calls.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"

struct calls_row {
	bool used;
	uint32_t port_id, channel, pages;
	uint64_t start_time;
	char port_name[FGW_MAX_NAME];
	char peer[FGW_MAX_ADDRESS];
	char transport[FGW_MAX_TRANSPORT_TEXT];
	char sip_call_id[FGW_MAX_SIP_IDENT];
	char sip_from[FGW_MAX_SIP_IDENT];
};

struct calls {
	struct calls_row *row;
	size_t cap, used;
	size_t *free_slot;            /* stack of unused slots below cap */
	size_t nfree;
};

struct calls *calls_new(void)
{
	return calloc(1, sizeof(struct calls));
}

void calls_free(struct calls *t)
{
	if (t == NULL)
		return;
	free(t->row);
	free(t->free_slot);
	free(t);
}

/* Room for one more row: doubles the arrays when every slot is used. */
static int calls_grow(struct calls *t)
{
	size_t cap = t->cap == 0 ? 16 : t->cap * 2;
	struct calls_row *row;
	size_t *fs;

	if (t->nfree > 0)
		return 0;
	row = realloc(t->row, cap * sizeof(*row));
	if (row == NULL)
		return -1;
	t->row = row;
	fs = realloc(t->free_slot, cap * sizeof(*fs));
	if (fs == NULL)
		return -1;
	t->free_slot = fs;
	for (size_t i = cap; i > t->cap; i--) {
		memset(&t->row[i - 1], 0, sizeof(t->row[i - 1]));
		t->free_slot[t->nfree++] = i - 1;
	}
	t->cap = cap;
	return 0;
}

int calls_start(struct calls *t, const struct calls_entry *e, size_t *slot)
{
	struct calls_row *r;

	*slot = CALLS_NO_SLOT;
	if (t == NULL || calls_grow(t) != 0)
		return -1;
	*slot = t->free_slot[--t->nfree];
	r = &t->row[*slot];
	memset(r, 0, sizeof(*r));
	r->used = true;
	r->port_id = e->port_id;
	r->channel = e->channel;
	r->start_time = e->start_time;
	snprintf(r->port_name, sizeof(r->port_name), "%s", e->port_name);
	snprintf(r->peer, sizeof(r->peer), "%s", e->peer);
	snprintf(r->transport, sizeof(r->transport), "%s", e->transport);
	snprintf(r->sip_call_id, sizeof(r->sip_call_id), "%s", e->sip_call_id);
	snprintf(r->sip_from, sizeof(r->sip_from), "%s", e->sip_from);
	t->used++;
	return 0;
}

static struct calls_row *calls_at(struct calls *t, size_t slot)
{
	if (t == NULL || slot >= t->cap || !t->row[slot].used)
		return NULL;
	return &t->row[slot];
}

void calls_pages(struct calls *t, size_t slot, uint32_t pages)
{
	struct calls_row *r = calls_at(t, slot);

	if (r != NULL)
		r->pages = pages;
}

void calls_transport(struct calls *t, size_t slot, const char *transport)
{
	struct calls_row *r = calls_at(t, slot);

	if (r != NULL)
		snprintf(r->transport, sizeof(r->transport), "%s", transport);
}

void calls_end(struct calls *t, size_t slot)
{
	struct calls_row *r = calls_at(t, slot);

	if (r == NULL)
		return;
	r->used = false;
	t->used--;
	t->free_slot[t->nfree++] = slot;
}

size_t calls_count(const struct calls *t)
{
	return t != NULL ? t->used : 0;
}

static int calls_cmp(const void *a, const void *b)
{
	const fgw_call *x = a, *y = b;

	if (x->port_id != y->port_id)
		return x->port_id < y->port_id ? -1 : 1;
	if (x->channel != y->channel)
		return x->channel < y->channel ? -1 : 1;
	return 0;
}

/* A copy of s at *pool (the block's string area). */
static const char *calls_str(char **pool, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = *pool;

	memcpy(d, s, n);
	*pool += n;
	return d;
}

int calls_list(const struct calls *t, fgw_call **out, size_t *n)
{
	size_t k = 0, strs = 0;
	fgw_call *v;
	char *pool;

	*out = NULL;
	*n = 0;
	if (calls_count(t) == 0)
		return 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->row[i].used)
			strs += strlen(t->row[i].port_name) + strlen(t->row[i].peer) +
				strlen(t->row[i].transport) + strlen(t->row[i].sip_call_id) +
				strlen(t->row[i].sip_from) + 5;
	v = malloc(t->used * sizeof(*v) + strs);
	if (v == NULL)
		return -1;
	pool = (char *)(v + t->used);
	for (size_t i = 0; i < t->cap; i++) {
		const struct calls_row *r = &t->row[i];
		if (!r->used)
			continue;
		memset(&v[k], 0, sizeof(v[k]));
		v[k].port_id = r->port_id;
		v[k].channel = r->channel;
		v[k].pages = r->pages;
		v[k].start_time = r->start_time;
		v[k].port_name = calls_str(&pool, r->port_name);
		v[k].peer = calls_str(&pool, r->peer);
		v[k].transport = calls_str(&pool, r->transport);
		v[k].sip_call_id = calls_str(&pool, r->sip_call_id);
		v[k].sip_from = calls_str(&pool, r->sip_from);
		k++;
	}
	qsort(v, k, sizeof(*v), calls_cmp);
	*out = v;
	*n = k;
	return 0;
}
