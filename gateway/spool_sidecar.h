/*
 * spool_sidecar.h - the metadata of a reception in progress, kept durable
 * beside its TIFF in spool/tmp/ (faxgwd(8), "Received faxes").
 *
 * While a call runs, spandsp writes tmp/NAME.tif page by page; after each
 * page T.30 confirms, the main thread writes tmp/NAME.meta (this module:
 * to NAME.meta.new, fsynced, renamed over NAME.meta) with what is known of
 * the call then.  A crash between the end of a call and its spool commit
 * leaves both files; start-up recovery (spool_recover) reads the sidecar
 * and commits the fax with its metadata, complete when T.30 had confirmed
 * the end of the document (spool_fax_from_sidecar, spool.h), instead of a partial fax
 * with none.  The sidecar goes when the fax is committed or discarded.
 *
 * The format is text, one "key=value\n" line per field in a fixed order
 * after a "faxgw-sidecar V\n" line, numbers in canonical decimal, strings
 * of printable bytes (no control characters).  The file is outside input
 * at recovery: the parser takes a pointer and a length, accepts at most
 * FGW_MAX_SIDECAR bytes, every field exactly once in its order, values in
 * range, nothing after the last line, and fails with a reason otherwise;
 * what it accepts, spool_sidecar_format() writes back byte for byte.
 * Version 1 has the fields up to t30_text; version 2 adds the page
 * quality; version 3 (written now) the SIP identities and the transport.
 * A version 1 or 2 file (left by an older faxgwd) still reads, as a fax
 * with intact pages (version 1) and no SIP identities.
 *
 * Every function returns 0 or -1 with a reason in err (when err is not
 * NULL); none allocates.  Thread-safe: no shared state.
 */
#ifndef FAXGW_SPOOL_SIDECAR_H
#define FAXGW_SPOOL_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"


#define SPOOL_SIDECAR_MAGIC "faxgw-sidecar "   /* then the version */
#define SPOOL_SIDECAR_VERSION 3

struct spool_sidecar {
	uint32_t port_id;                        /* 1..FGW_MAX_PORT_ID */
	char port_name[FGW_MAX_NAME];
	char local_ident[FGW_MAX_IDENT + 1];
	char remote_ident[FGW_MAX_IDENT + 1];
	char caller[FGW_MAX_ADDRESS];
	int64_t start_time;                      /* Unix time the call started */
	int64_t update_time;                     /* Unix time of this record */
	uint32_t pages;                          /* pages T.30 confirmed (in the TIFF) */
	uint32_t x_res, y_res;                   /* pixels per metre, last page */
	uint32_t bit_rate;                       /* bit/s, last image transfer */
	bool ecm;
	bool end_of_document;                    /* the last confirmed page ended the
						  * document (post-message command EOP) */
	bool t30_done;                           /* T.30 finished (phase E): the two
						  * fields below are its result */
	int t30_status;                          /* T30_ERR_*; 0 while !t30_done */
	char t30_text[FGW_MAX_ERROR_TEXT];
	uint32_t version;                        /* of the file read, or to write:
						  * 1..3 (0: SPOOL_SIDECAR_VERSION) */
	/* version 2: page quality of the confirmed pages (spool.h) */
	uint32_t degraded_pages, bad_rows, longest_bad_run;
	char degraded_list[FGW_MAX_DEGRADED_TEXT];
	char degraded_detail[FGW_MAX_DEGRADED_DETAIL];
	/* version 3: the SIP identities and the transport (spool.h) */
	char sip_call_id[FGW_MAX_SIP_IDENT];
	char sip_from[FGW_MAX_SIP_IDENT];
	char sip_to[FGW_MAX_SIP_IDENT];
	char sip_user_agent[FGW_MAX_SIP_IDENT];
	char transport[FGW_MAX_TRANSPORT_TEXT];
};

/* tmp/NAME.tif -> tmp/NAME.meta ("NAME.meta" appended when the path does
 * not end in ".tif").  -1 when out is too small. */
int spool_sidecar_path(const char *tif_path, char *out, size_t outlen);

/* The text of sc into out[0..outlen) (NUL-terminated), its length without
 * the NUL in *len.  -1 when a field is out of range or outlen too small
 * (FGW_MAX_SIDECAR + 1 is always enough).  Control characters in strings
 * are written as spaces. */
int spool_sidecar_format(const struct spool_sidecar *sc, char *out, size_t outlen,
			 size_t *len, char *err, size_t errlen);

/* Parses buf[0..len) (need not be NUL-terminated) into *sc.  On failure
 * *sc is zeroed and err says what is wrong and where (line number). */
int spool_sidecar_parse(const char *buf, size_t len, struct spool_sidecar *sc, char *err,
			size_t errlen);

/* Writes the sidecar of tif_path: NAME.meta.new, fsync, rename to
 * NAME.meta.  The directory is not fsynced: the caller does it once for
 * the sidecars it writes together (spool_fsync_dir_of). */
int spool_sidecar_write(const char *tif_path, const struct spool_sidecar *sc, char *err,
			size_t errlen);

/* Reads and parses the sidecar of tif_path.  *found is 0 when there is
 * none (then 0 is returned); a sidecar that cannot be read or parsed is
 * -1 with the reason. */
int spool_sidecar_read(const char *tif_path, struct spool_sidecar *sc, int *found, char *err,
		       size_t errlen);

/* Removes NAME.meta and NAME.meta.new of tif_path (what is missing is
 * fine). */
void spool_sidecar_remove(const char *tif_path);


#endif
