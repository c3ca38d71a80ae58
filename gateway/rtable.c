/*
 * rtable.c - the in-memory per-port routing table.
 */
#include "rtable.h"

#include <stdlib.h>
#include <string.h>

struct rtable {
	size_t nports, nmethods;
	struct rtable_entry e[];
};

struct rtable *rtable_new(size_t nports, size_t nmethods)
{
	size_t cells = nports * nmethods;
	struct rtable *t;

	if (nmethods != 0 && cells / nmethods != nports)
		return NULL;
	t = calloc(1, sizeof(*t) + cells * sizeof(t->e[0]));
	if (t == NULL)
		return NULL;
	t->nports = nports;
	t->nmethods = nmethods;
	return t;
}

void rtable_free(struct rtable *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nports * t->nmethods; i++) {
		free(t->e[i].data);
		free(t->e[i].last_error);
	}
	free(t);
}

struct rtable_entry *rtable_entry(struct rtable *t, size_t p, size_t m)
{
	if (t == NULL || p >= t->nports || m >= t->nmethods)
		return NULL;
	return &t->e[p * t->nmethods + m];
}

int rtable_copy_data(const void *data, size_t len, unsigned char **buf)
{
	*buf = NULL;
	if (len == 0)
		return 0;
	*buf = malloc(len);
	if (*buf == NULL)
		return -1;
	memcpy(*buf, data, len);
	return 0;
}

void rtable_take_data(struct rtable_entry *e, unsigned char *buf, size_t len)
{
	free(e->data);
	e->data = len > 0 ? buf : NULL;
	e->len = len > 0 ? len : 0;
	if (len == 0)
		free(buf);
}

int rtable_set_last_error(struct rtable_entry *e, const char *text)
{
	char *copy;

	if (text == NULL || text[0] == '\0') {
		free(e->last_error);
		e->last_error = NULL;
		return 0;
	}
	if (e->last_error != NULL && strcmp(e->last_error, text) == 0)
		return 0;
	copy = strdup(text);
	if (copy == NULL)
		return -1;
	free(e->last_error);
	e->last_error = copy;
	return 0;
}
