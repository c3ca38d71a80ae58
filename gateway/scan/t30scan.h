/*
 * t30scan.h - a passive observer of one fax call (ITU-T T.30): it watches
 * the T.30 frames and the image data of both directions, as a capture
 * shows them, without taking part.  It never answers and never runs a T.30
 * state machine: a capture holds what both sides said, so the observer
 * follows the dialogue (T.30 clause 5, figure 5-2) and the image transfer
 * (non-ECM T.4 data, or ECM blocks of T.30 Annex A) and writes each page
 * it can rebuild to a TIFF file with spandsp's T.4 decoder.
 *
 * Inputs come from a transport decoder (T.38 IFPs, or G.711 audio through
 * a modem bank), with the direction (0 or 1: which endpoint sent it):
 *   - t30scan_hdlc(): an HDLC frame (address, control, FCF, FIF; no FCS),
 *     bits in T.30 transmission order (first bit in the octet's LSB), from
 *     V.21 (control) or from the image modem (ECM FCD / RCP frames);
 *   - t30scan_image_begin() / _bytes() / _end(): a non-ECM burst of the
 *     image modem (TCF or a page), octets LSB first;
 *   - t30scan_tone(): CNG / CED.
 * Feed them in capture order, then call t30scan_finish() once.
 *
 * Ownership: t30scan_new() copies the path; t30scan_free() (NULL is fine)
 * finishes the TIFF file.  The result is owned by the observer.
 */
#ifndef FAXGW_MEDIA_T30SCAN_H
#define FAXGW_MEDIA_T30SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

/* Fields of a DIS / DTC / DCS frame (T.30 Table 2). */
struct t30scan_dcs {
	int bit_rate;                  /* DCS: 2400..14400; DIS: fastest offered */
	int modem;                     /* 27 (V.27ter), 29 (V.29), 17 (V.17) */
	bool fine, superfine, r300, r16;   /* bits 15, 41, 42, 43 */
	int encoding;                  /* T4_COMPRESSION_ITU_T4_1D / _2D / T6 */
	int width;                     /* pixels per row */
	int x_res, y_res;              /* pixels per metre (spandsp's T4_*_RESOLUTION_*) */
	bool ecm;                      /* bit 27 */
	int ecm_frame;                 /* 256 or 64 octets (bit 28) */
};

/* Decodes the FIF of a DCS (dcs true) or DIS/DTC (capabilities) frame:
 * fif points after the FCF.  Returns false when shorter than 3 octets. */
bool t30scan_decode_dcs(const uint8_t *fif, size_t len, bool dcs, struct t30scan_dcs *out);

/* Name of a T.30 frame from its FCF octet (X bit ignored where T.30 does),
 * e.g. "DIS", "DCS", "MCF"; "FCD" / "RCP" for ECM; "???" when unknown. */
const char *t30scan_fcf_name(uint8_t fcf);

enum t30scan_tone_kind { T30SCAN_TONE_CNG = 1, T30SCAN_TONE_CED = 2 };

struct t30scan_frame {
	uint64_t ts_us;
	uint8_t dir;                   /* 0 or 1 */
	uint8_t fcf;
	bool crc_ok;
	char name[8];
	char info[160];                /* decoded essentials: ident, DCS rate/res, PPS counters */
};

/* One page put into the TIFF. */
struct t30scan_page {
	int x_res, y_res;              /* pixels per metre, from the DCS in force */
	int width, rows, bad_rows;     /* as decoded (rows 0 when nothing is written) */
	bool confirmed;                /* MCF / RTP to its post-page message */
	bool incomplete;               /* end of page missing or data lost */
};

enum t30scan_outcome {
	T30SCAN_NO_FAX = 0,            /* no T.30 frame and no fax tone */
	T30SCAN_COMPLETE,              /* every page confirmed, EOP confirmed, every page decoded */
	T30SCAN_PARTIAL                /* anything less; see reason */
};

struct t30scan_result {
	enum t30scan_outcome outcome;
	char reason[FGW_MAX_ERROR_TEXT];   /* "" when complete */
	size_t n_frames;               /* frames logged (FCD / RCP only counted) */
	size_t frames_dropped;         /* beyond FGW_T30SCAN_MAX_FRAMES */
	struct t30scan_frame frames[FGW_T30SCAN_MAX_FRAMES];
	uint64_t frames_dir[2];        /* control frames per direction */
	uint64_t bad_crc;              /* frames with a bad FCS */
	uint64_t echoes;               /* frames heard again in the other direction (line echo), ignored */
	uint64_t fcd_frames;           /* ECM image frames seen */
	unsigned tones[2];             /* per direction: bit T30SCAN_TONE_* set when seen */
	int sender_dir;                /* direction that sent DCS, -1 unknown */
	bool have_dcs;
	struct t30scan_dcs dcs;        /* the last DCS */
	char ident[2][FGW_MAX_IDENT + 1];  /* CSI/CIG/TSI per direction */
	int tcf_count;                 /* training checks (TCF) seen after a DCS */
	int dis_count, dcs_count, cfr_count, ftt_count, rtn_count, ppr_count, mcf_count;
	int ftt_rates[8];              /* rates that failed training, in order */
	int n_ftt_rates;
	int pages_confirmed;           /* MCF / RTP to a post-page message */
	int pages_decoded;             /* pages written to the TIFF */
	struct t30scan_page page[FGW_T30SCAN_MAX_PAGES];   /* [0, pages_decoded) */
	int pages_unconfirmed;         /* decoded from image data nobody confirmed */
	int pages_rejected;            /* RTN */
	int pages_incomplete;          /* decoded without their end (RTC / EOFB): data missing */
	int bad_rows;                  /* over the decoded pages */
	int ecm_missing_frames;        /* ECM frames never received, over the pages */
	bool eop_confirmed;
	bool dcn_seen;
	int dcn_dir;
	uint64_t first_us, last_us;    /* first and last event */
	char tiff[FGW_MAX_PATH];       /* "" when no page was written */
	bool write_failed;             /* the TIFF file could not be created */
};

/* tiff_path: where pages go (created on the first page); NULL: decode and
 * count pages but write nothing.  NULL on allocation failure. */
struct t30scan *t30scan_new(const char *tiff_path);
void t30scan_free(struct t30scan *s);

void t30scan_hdlc(struct t30scan *s, int dir, const uint8_t *frame, size_t len, bool crc_ok,
		  uint64_t ts_us);
void t30scan_image_begin(struct t30scan *s, int dir, uint64_t ts_us);
void t30scan_image_bytes(struct t30scan *s, int dir, const uint8_t *data, size_t len);
void t30scan_image_end(struct t30scan *s, int dir, uint64_t ts_us);
void t30scan_tone(struct t30scan *s, int dir, enum t30scan_tone_kind tone, uint64_t ts_us);
/* The transport lost data in direction dir (UDPTL packets not recovered,
 * RTP frames missing): a non-ECM page being received is marked damaged. */
void t30scan_data_lost(struct t30scan *s, int dir);

/* The DCS last sent in direction dir (the image modem to expect there);
 * false when none. */
bool t30scan_dcs_for(const struct t30scan *s, int dir, struct t30scan_dcs *out);

/* Ends the observation: pages still pending are decoded (unconfirmed), the
 * TIFF is closed, the outcome and reason are settled.  Idempotent. */
void t30scan_finish(struct t30scan *s);
const struct t30scan_result *t30scan_result(const struct t30scan *s);

#endif
