/*
 * calls.h - the calls in progress, as the main thread knows them
 * (faxgwctl calls, fgw_enum_calls).
 *
 * calls.c: a table kept from the port reports the main thread already
 * applies (port.h: STARTED adds a call, PAGE counts its pages, MEDIA
 * changes its transport, ENDED removes it), so answering a listing reads
 * no other thread's objects.  Each call is known by a key (the port's
 * struct port_call) and a slot the table gives at calls_start().
 *
 * Threads: main thread only.  Ownership: calls_new() / calls_free()
 * (NULL is fine); strings given are copied (cut to their caps).
 */
#ifndef FAXGW_CALLS_H
#define FAXGW_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include <faxgw/admin.h>

struct calls;

/* What a call is at its start. */
struct calls_entry {
	uint32_t port_id;
	uint32_t channel;             /* a sip port's channel, else 0 */
	const char *port_name;
	const char *peer;             /* the media address */
	const char *transport;
	const char *sip_call_id, *sip_from;  /* "" for a static port */
	uint64_t start_time;          /* Unix time */
};

struct calls *calls_new(void);
void calls_free(struct calls *t);
/* Adds a call; its slot (for the calls below) in *slot.  -1 when out of
 * memory (the call is then not listed; the calls below ignore
 * CALLS_NO_SLOT). */
#define CALLS_NO_SLOT ((size_t)-1)
int calls_start(struct calls *t, const struct calls_entry *e, size_t *slot);
void calls_pages(struct calls *t, size_t slot, uint32_t pages);
void calls_transport(struct calls *t, size_t slot, const char *transport);
void calls_end(struct calls *t, size_t slot);
size_t calls_count(const struct calls *t);
/* The calls in port id, channel order as one block (array and strings):
 * free().  *out NULL when *n is 0.  -1 when out of memory. */
int calls_list(const struct calls *t, fgw_call **out, size_t *n);

#endif
