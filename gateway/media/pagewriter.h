/*
 * pagewriter.h - a thread that runs jobs in the order they were given:
 * the TIFF work of received pages (rxfile.h), off the media thread that
 * received them, and what must wait for it.
 *
 * A media thread steps its calls every 20 ms; encoding a finished page
 * into its TIFF file takes milliseconds, long enough to make every other
 * call of that thread late.  The media thread hands such work to its page
 * writer instead.  Jobs run one at a time, first in first out, so a job
 * given after a page's job (the page's record for the spool, the call's
 * end) runs only once the page is in its file.
 *
 * A job is caller memory (embed struct pw_job in the object the job
 * works on): pagewriter_submit() never allocates and never fails.  A job
 * may free its own memory from inside run().
 *
 * Threads: pagewriter_submit() from any thread; run() on the writer's
 * thread.  Ownership: pagewriter_new() gives a writer that
 * pagewriter_free() releases (NULL is fine) after running every job
 * already given.
 */
#ifndef FAXGW_PAGEWRITER_H
#define FAXGW_PAGEWRITER_H

#include <stddef.h>

struct pw_job {
	struct pw_job *next;          /* the queue's link */
	void (*run)(struct pw_job *job);
};

struct pagewriter;

/* index: for the thread's name ("pagewriter N"). */
int pagewriter_new(unsigned index, struct pagewriter **out, char *err, size_t errlen);
/* Runs the jobs still queued, stops the thread and frees w. */
void pagewriter_free(struct pagewriter *w);

/* Queues job; with w NULL it runs at once on the caller's thread. */
void pagewriter_submit(struct pagewriter *w, struct pw_job *job);
/* Waits until every job given so far has run (NULL is fine).  Not from
 * a job. */
void pagewriter_flush(struct pagewriter *w);

#endif
