/*
 * spool.h - received faxes on disk (faxgwd(8), "Received faxes").
 *
 * Layout under the configured spool directory:
 *
 *   tmp/P<port>-<time>-<pid>-<n>.tif  a reception in progress (spandsp writes it)
 *   tmp/P<port>-<time>-<pid>-<n>.meta its metadata after each confirmed page
 *                                     (spool_sidecar.h)
 *   <job id>.tif                      a committed fax waiting for routing
 *   failed/<job id>.tif               a dead-lettered fax
 *   done/<job id>.tif                 a routed fax kept for `retention`
 *                                     (history.h removes it)
 *
 * Commit (spool_commit, spool_commit_group) makes a fax durable before any routing method
 * sees it: the TIFF is fsynced, the job row (with its metadata and the
 * port's enabled methods) is inserted in one transaction that names the
 * tmp file as the job's path and also counts the fax as received on its
 * port; then the file is renamed to <job id>.tif, the directories are
 * fsynced and the path updated (without an fsync of its own: the next
 * durable commit carries it, and spool_locate covers a crash before).  A crash
 * at any point leaves either a tmp file with no job (recovered as a partial
 * fax), or a job whose file is in tmp/ or already renamed (recovery and
 * spool_locate finish the move): no page is lost, no job is routed twice
 * at the same time.
 *
 * The job metadata is stored as "key=value" lines in jobs.meta.
 *
 * Every function returns 0 or -1 with a reason in err.  Paths given out
 * are written into caller buffers of FGW_MAX_PATH bytes.
 */
#ifndef FAXGW_SPOOL_H
#define FAXGW_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <faxgw/limits.h>

#include "caps.h"

struct state;
struct state_job;

/* The metadata of a received fax (faxgwd(8), "Received faxes"). */
struct spool_fax {
	uint32_t port_id;
	char port_name[FGW_MAX_NAME];
	char remote_ident[FGW_MAX_IDENT + 1];
	char local_ident[FGW_MAX_IDENT + 1];
	char caller[FGW_MAX_ADDRESS];
	int64_t start_time, end_time;       /* Unix time */
	uint32_t pages;
	uint32_t x_res, y_res;              /* pixels per metre */
	uint32_t bit_rate;
	int ecm;
	int t30_status;
	char t30_text[FGW_MAX_ERROR_TEXT];
	int partial;
	/* Page quality (spandsp's T.4 receiver): pages with bad rows are
	 * degraded.  Metadata written before these existed reads as 0 / "". */
	uint32_t degraded_pages;
	uint32_t bad_rows;                  /* over the pages */
	uint32_t longest_bad_run;           /* the longest run of bad rows of any page */
	char degraded_list[FGW_MAX_DEGRADED_TEXT];     /* "2,5": the first degraded pages */
	char degraded_detail[FGW_MAX_DEGRADED_DETAIL]; /* "2:280/110/60 5:...": of each,
						      * rows/bad rows/longest bad run */
	/* A fax received over SIP: the call's identities (cut to
	 * FGW_MAX_SIP_IDENT - 1 bytes; "" on a static port) and the
	 * transport used ("G.711 PCMU ptime 20", "T.38 v0, ...", "T.38
	 * (static port)").  Metadata written before these existed reads as "". */
	char sip_call_id[FGW_MAX_SIP_IDENT];
	char sip_from[FGW_MAX_SIP_IDENT];
	char sip_to[FGW_MAX_SIP_IDENT];
	char sip_user_agent[FGW_MAX_SIP_IDENT];
	char transport[FGW_MAX_TRANSPORT_TEXT];
};

/* Creates spool/, spool/tmp/, spool/failed/ and spool/done/ when missing. */
int spool_init(const char *spool, char *err, size_t errlen);

/* A new unique tmp/ path for a reception on port_id. */
int spool_tmp_path(const char *spool, uint32_t port_id, char *out, size_t outlen);
/* spool/<id>.tif and spool/failed/<id>.tif; */
int spool_job_path(const char *spool, uint64_t job_id, char *out, size_t outlen);
int spool_failed_path(const char *spool, uint64_t job_id, char *out, size_t outlen);
/* spool/done/<id>.tif */
int spool_done_path(const char *spool, uint64_t job_id, char *out, size_t outlen);

/* Commits the fax in tmp_path as a new job: PENDING with the methods
 * guids[0..n), or UNROUTED when n is 0, and counts it as received
 * (state_count_received).  *job_id receives its id. */
int spool_commit(struct state *st, const char *spool, const char *tmp_path,
                 const struct spool_fax *fax, const char (*guids)[FGW_GUID_LEN + 1],
                 size_t n, uint64_t *job_id, char *err, size_t errlen);

/* One fax of a group commit.  The caller fills the first four fields;
 * job_id (0: not committed) and err are the outcome. */
struct spool_commit {
	const char *tmp_path;
	const struct spool_fax *fax;
	const char (*guids)[FGW_GUID_LEN + 1];
	size_t n;
	uint64_t job_id;
	char err[FGW_MAX_ERROR_TEXT];
};

/* Commits c[0..n) as spool_commit() does each, with the same guarantees,
 * in one database transaction and one fsync of each directory for the
 * whole group (each TIFF is still fsynced on its own).  When the shared
 * transaction fails, each fax is committed on its own.  Returns how many
 * were committed; a fax that was not keeps its tmp file (recovered at the
 * next start). */
size_t spool_commit_group(struct state *st, const char *spool, struct spool_commit *c,
                          size_t n);

/* Moves a job's file to `to` (rename + fsync of both directories) and
 * records the new path in j (not in the database). */
int spool_move(struct state_job *j, const char *to, char *err, size_t errlen);

/* Finds a job's file: its path, else spool/<id>.tif, else
 * spool/failed/<id>.tif; fixes j->path when found elsewhere.  Returns 0
 * (found), or -1 when the file is nowhere. */
int spool_locate(const char *spool, struct state_job *j);

/* Metadata <-> text ("key=value" lines; values cut to their fields). */
void spool_meta_format(const struct spool_fax *fax, char *out, size_t outlen);
void spool_meta_parse(const char *text, struct spool_fax *fax);

/* Pages a TIFF file holds (readable directories), 0 when unreadable. */
int spool_tiff_pages(const char *path);

/* fsync of a file and of a directory. */
int spool_fsync_path(const char *path);
int spool_fsync_dir_of(const char *path);

/* Start-up recovery (before any call and before routing):
 *   jobs left ROUTING go back to PENDING;
 *   tmp/ files named by a job are moved into place; other tmp/ files with
 *   readable pages become jobs (methods from methods_fn): with the
 *   metadata of a valid sidecar (complete or partial as it says, counted
 *   as received on its port), else partial with what the file name tells
 *   (not counted); the rest are removed; sidecars go with their tmp
 *   files, and sidecars without one are removed;
 *   spool files (<id>.tif) with no job get one (port unknown: UNROUTED);
 *   spool files of jobs already DONE are removed.
 * methods_fn gives the enabled methods of a port now. */
typedef int (*spool_methods_fn)(void *arg, uint32_t port_id, char (*guids)[FGW_GUID_LEN + 1],
                                size_t max, size_t *n);
struct spool_recovery {
	unsigned routing_reset;   /* not counted precisely: 1 when the reset ran */
	unsigned tmp_jobs;        /* faxes made from tmp/ files */
	unsigned tmp_with_meta;   /* of them, with the metadata of a sidecar */
	unsigned tmp_complete;    /* of them, complete (every page confirmed) */
	unsigned sidecars_removed; /* sidecars without a tmp/ file */
	unsigned tmp_moved;       /* committed jobs whose move was finished */
	unsigned tmp_removed;     /* tmp/ files without a page (spandsp's .t4rx files too) */
	unsigned orphans;         /* spool files given a job */
	unsigned done_removed;    /* files of jobs already done (a stop before the unlink) */
};
int spool_recover(struct state *st, const char *spool, spool_methods_fn methods_fn,
                  void *arg, struct spool_recovery *rec, char *err, size_t errlen);

/* --- a call's metadata in its sidecar (spool_sidecar.h) --- */

struct spool_sidecar;

/* The record of a call so far from its metadata (fax: as a commit would
 * take it, end_time the time of the record; partial is not kept).  With
 * t30_done false the T.30 result is left 0 and "". */
void spool_fax_to_sidecar(const struct spool_fax *fax, bool end_of_document, bool t30_done,
                          struct spool_sidecar *sc);

/* Recovery's decision: the metadata of a fax made from a tmp file that
 * holds tiff_pages readable pages and this sidecar.  The fax is complete
 * when the file holds exactly the pages confirmed (at least one) and T.30
 * had reached the end of the document: while the call ran, the last page
 * confirmed came with EOP (end_of_document); once T.30 had finished
 * (t30_done), its status is 0, as a live commit decides.  Otherwise it is
 * partial.  pages is what the file holds; the T.30 result is the
 * sidecar's when t30_done, else 0 with a text that says what happened.
 * end_time is the sidecar's update_time. */
void spool_fax_from_sidecar(const struct spool_sidecar *sc, int tiff_pages,
                            struct spool_fax *fax);

#endif
