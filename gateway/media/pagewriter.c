/*
 * pagewriter.c - jobs run in order on a thread of their own
 * (pagewriter.h).
 */
#include "pagewriter.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pagewriter {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t idle;          /* a batch ran (pagewriter_flush) */
	struct pw_job *head, *tail;   /* under lock */
	bool busy;                    /* under lock: a batch is running */
	bool stopping;                /* under lock */
	unsigned index;
};

/* Takes the whole queue at once: one lock per batch, not per job. */
static struct pw_job *pagewriter_take(struct pagewriter *w, bool *stop)
{
	struct pw_job *list;

	pthread_mutex_lock(&w->lock);
	w->busy = false;
	pthread_cond_broadcast(&w->idle);
	while (w->head == NULL && !w->stopping)
		pthread_cond_wait(&w->wake, &w->lock);
	list = w->head;
	w->head = w->tail = NULL;
	w->busy = list != NULL;
	*stop = w->stopping && list == NULL;
	pthread_mutex_unlock(&w->lock);
	return list;
}

static void *pagewriter_main(void *arg)
{
	struct pagewriter *w = arg;
	char name[16];
	bool stop = false;

	snprintf(name, sizeof(name), "pagewriter %u", w->index % 1000u);
	pthread_setname_np(pthread_self(), name);
	while (!stop) {
		struct pw_job *j = pagewriter_take(w, &stop);
		while (j != NULL) {
			struct pw_job *next = j->next;   /* run() may free j */
			j->run(j);
			j = next;
		}
	}
	return NULL;
}

int pagewriter_new(unsigned index, struct pagewriter **out, char *err, size_t errlen)
{
	struct pagewriter *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int rc;

	*out = NULL;
	if (w == NULL) {
		snprintf(err, errlen, "page writer %u: out of memory", index);
		return -1;
	}
	w->index = index;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->idle, NULL);
	/* Signals stay with the main loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, pagewriter_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "page writer %u: cannot start its thread: %s", index,
			 strerror(rc));
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

void pagewriter_free(struct pagewriter *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void pagewriter_submit(struct pagewriter *w, struct pw_job *job)
{
	bool was_empty;

	job->next = NULL;
	if (w == NULL) {
		job->run(job);
		return;
	}
	pthread_mutex_lock(&w->lock);
	was_empty = w->head == NULL;
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	if (was_empty)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void pagewriter_flush(struct pagewriter *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->head != NULL || w->busy)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}
