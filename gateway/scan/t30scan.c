/*
 * t30scan.c - passive observer of a T.30 call.  See t30scan.h.
 *
 * Frame formats: T.30 clause 5.3 (HDLC frames, FCF values 5.3.6.1), Table 2
 * (DIS/DTC/DCS bits), 5.3.6.2.4-5.3.6.2.6 (identities, in reverse order);
 * ECM: T.30 Annex A (FCD frames with their frame number, RCP, PPS carrying
 * FCF2, page, block and frame count, A.4).
 */
#include "caps.h"
#include "t30scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#define T30SCAN_ECM_FRAMES  256    /* frames of one ECM block, T.30 A.4 */
#define T30SCAN_ECM_OCTETS  256    /* octets of one FCD frame at most */

enum t30scan_phase {
	PH_IDLE,                       /* phase B or unknown */
	PH_TCF,                        /* DCS sent: the next image burst is TCF */
	PH_READY,                      /* CFR or MCF(MPS): the next image burst is a page */
	PH_RESP,                       /* post-page message sent, waiting for the answer */
	PH_END                         /* DCN */
};

struct t30scan {
	struct t30scan_result r;
	char *path;
	t4_rx_state_t *t4;
	bool finished;
	enum t30scan_phase phase;
	int ppm;                       /* post-page message waiting for its answer */
	bool ppm_last_confirmed;       /* the last post-page message was answered MCF / RTP */
	int pps_frames;                /* ECM: frames in the block announced by PPS */
	bool in_tcf, in_page;
	bool page_pending;             /* image received, not yet confirmed or rejected */
	bool have_dcs_dir[2];
	struct t30scan_dcs dcs_dir[2];
	uint8_t *page;                 /* coded image data of the current page */
	size_t page_len, page_cap;
	bool page_truncated;           /* over the cap, or data lost in transport */
	bool loss_before_page;
	struct {                       /* the last control frame per direction */
		size_t len;
		uint64_t ts;
		uint8_t b[FGW_T30SCAN_MAX_HDLC];
	} last[2];
	uint16_t ecm_len[T30SCAN_ECM_FRAMES];
	bool ecm_have[T30SCAN_ECM_FRAMES];
	uint8_t ecm[T30SCAN_ECM_FRAMES][T30SCAN_ECM_OCTETS];
};

/* ----- frame names and fields ----------------------------------------------- */

const char *t30scan_fcf_name(uint8_t fcf)
{
	switch (fcf) {             /* initial identification: exact values */
	case T30_DIS: return "DIS";
	case T30_CSI: return "CSI";
	case T30_NSF: return "NSF";
	case T30_DTC: return "DTC";
	case T30_CIG: return "CIG";
	case T30_NSC: return "NSC";
	case T30_PWD: return "PWD";
	case T30_SEP: return "SEP";
	case T30_PSA: return "PSA";
	case T30_CIA: return "CIA";
	case T30_ISP: return "ISP";
	default: break;
	}
	switch (fcf & 0xFE) {
	case T30_DCS: return "DCS";
	case T30_TSI: return "TSI";
	case T30_NSS: return "NSS";
	case T30_SUB: return "SUB";
	case T30_SID: return "SID";
	case T30_CTC: return "CTC";
	case T30_TSA: return "TSA";
	case T30_IRA: return "IRA";
	case T30_CFR: return "CFR";
	case T30_FTT: return "FTT";
	case T30_CTR: return "CTR";
	case T30_CSA: return "CSA";
	case T30_EOM: return "EOM";
	case T30_MPS: return "MPS";
	case T30_EOP: return "EOP";
	case T30_PRI_EOM: return "PRI-EOM";
	case T30_PRI_MPS: return "PRI-MPS";
	case T30_PRI_EOP: return "PRI-EOP";
	case T30_EOS: return "EOS";
	case T30_PPS: return "PPS";
	case T30_EOR: return "EOR";
	case T30_RR: return "RR";
	case T30_MCF: return "MCF";
	case T30_RTP: return "RTP";
	case T30_RTN: return "RTN";
	case T30_PIP: return "PIP";
	case T30_PIN: return "PIN";
	case T30_PPR: return "PPR";
	case T30_RNR: return "RNR";
	case T30_ERR: return "ERR";
	case T30_FDM: return "FDM";
	case T30_DCN: return "DCN";
	case T30_CRP: return "CRP";
	case T30_FNV: return "FNV";
	case T30_TNR: return "TNR";
	case T30_TR: return "TR";
	case T4_FCD: return "FCD";
	case T4_RCP: return "RCP";
	default: return "???";
	}
}

/* T.30 Table 2: bit n (1-based) of the FIF. */
static bool t30scan_bit(const uint8_t *fif, size_t len, int n)
{
	size_t i = (size_t)(n - 1) / 8;
	return i < len && (fif[i] & (1u << ((n - 1) % 8))) != 0;
}

/* Bits 11-14: DCS modulation and rate, or DIS capabilities (Table 2). */
static void t30scan_rate(int code, bool dcs, struct t30scan_dcs *o)
{
	static const struct { int code, rate, modem; } tab[] = {
		{ 0x0, 2400, 27 }, { 0x2, 4800, 27 }, { 0x1, 9600, 29 }, { 0x3, 7200, 29 },
		{ 0x8, 14400, 17 }, { 0xA, 12000, 17 }, { 0x9, 9600, 17 }, { 0xB, 7200, 17 }
	};
	o->bit_rate = 0;
	o->modem = 0;
	if (dcs) {
		for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (tab[i].code == code) {
				o->bit_rate = tab[i].rate;
				o->modem = tab[i].modem;
			}
		return;
	}
	if (code & 0x8) {
		o->bit_rate = 14400; o->modem = 17;
	} else if (code & 0x1) {
		o->bit_rate = 9600; o->modem = 29;
	} else {
		o->bit_rate = (code & 0x2) ? 4800 : 2400; o->modem = 27;
	}
}

bool t30scan_decode_dcs(const uint8_t *fif, size_t len, bool dcs, struct t30scan_dcs *o)
{
	memset(o, 0, sizeof(*o));
	if (len < 3)
		return false;
	t30scan_rate((fif[1] >> 2) & 0x0F, dcs, o);
	o->fine = t30scan_bit(fif, len, 15);
	bool ext3 = t30scan_bit(fif, len, 24), ext4 = ext3 && t30scan_bit(fif, len, 32);
	bool ext5 = ext4 && t30scan_bit(fif, len, 40);
	o->ecm = ext3 && t30scan_bit(fif, len, 27);
	o->ecm_frame = ext3 && t30scan_bit(fif, len, 28) ? 64 : 256;
	if (ext3 && t30scan_bit(fif, len, 31))
		o->encoding = T4_COMPRESSION_ITU_T6;
	else if (t30scan_bit(fif, len, 16))
		o->encoding = T4_COMPRESSION_ITU_T4_2D;
	else
		o->encoding = T4_COMPRESSION_ITU_T4_1D;
	if (ext5) {
		o->superfine = t30scan_bit(fif, len, 41);
		o->r300 = t30scan_bit(fif, len, 42);
		o->r16 = t30scan_bit(fif, len, 43);
	}
	int w = T4_WIDTH_R8_A4;
	if (t30scan_bit(fif, len, 17) && !t30scan_bit(fif, len, 18))
		w = T4_WIDTH_R8_B4;
	else if (!t30scan_bit(fif, len, 17) && t30scan_bit(fif, len, 18))
		w = T4_WIDTH_R8_A3;
	o->x_res = T4_X_RESOLUTION_R8;
	o->y_res = o->fine ? T4_Y_RESOLUTION_FINE : T4_Y_RESOLUTION_STANDARD;
	if (dcs && o->r16) {
		o->x_res = T4_X_RESOLUTION_R16;
		o->y_res = T4_Y_RESOLUTION_SUPERFINE;
		w *= 2;
	} else if (dcs && o->r300) {
		o->x_res = T4_X_RESOLUTION_300;
		o->y_res = T4_Y_RESOLUTION_300;
		w = w * 3 / 2;
	} else if (dcs && o->superfine) {
		o->y_res = T4_Y_RESOLUTION_SUPERFINE;
	}
	o->width = w;
	return true;
}

/* T.30 5.3.6.2.4: 20 digits, the last one sent first. */
static void t30scan_ident(const uint8_t *fif, size_t len, char *out)
{
	size_t n = 0;

	if (len > FGW_MAX_IDENT)
		len = FGW_MAX_IDENT;
	for (size_t i = len; i > 0; i--) {
		uint8_t c = fif[i - 1];
		out[n++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
	}
	out[n] = '\0';
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
	size_t lead = strspn(out, " ");
	memmove(out, out + lead, n - lead + 1);
}

static const char *t30scan_enc_name(int enc)
{
	return enc == T4_COMPRESSION_ITU_T6 ? "T.6" : enc == T4_COMPRESSION_ITU_T4_2D ? "T.4 2-D" : "T.4 1-D";
}

static const char *t30scan_res_name(const struct t30scan_dcs *d)
{
	if (d->r16) return "400x400";
	if (d->r300) return "300x300";
	if (d->superfine) return "superfine";
	return d->fine ? "fine" : "standard";
}

static void t30scan_info(const uint8_t *f, size_t len, const char *name, char *info, size_t ilen)
{
	struct t30scan_dcs d;
	const uint8_t *fif = f + 3;
	size_t flen = len - 3;

	info[0] = '\0';
	if (strcmp(name, "DCS") == 0 && t30scan_decode_dcs(fif, flen, true, &d)) {
		snprintf(info, ilen, "%d bit/s V.%s, %s, %s%s", d.bit_rate,
			 d.modem == 27 ? "27ter" : d.modem == 29 ? "29" : "17",
			 t30scan_res_name(&d), t30scan_enc_name(d.encoding), d.ecm ? ", ECM" : "");
	} else if ((strcmp(name, "DIS") == 0 || strcmp(name, "DTC") == 0) &&
		   t30scan_decode_dcs(fif, flen, false, &d)) {
		int code = (fif[1] >> 2) & 0x0F;
		snprintf(info, ilen, "V.27ter%s%s, up to %d bit/s%s%s%s%s%s", (code & 0x1) ? ", V.29" : "",
			 (code & 0x8) ? ", V.17" : "", d.bit_rate, d.fine ? ", fine" : "",
			 t30scan_bit(fif, flen, 41) && t30scan_bit(fif, flen, 40) ? ", superfine" : "",
			 d.encoding == T4_COMPRESSION_ITU_T4_1D ? "" : d.encoding == T4_COMPRESSION_ITU_T6 ?
			 ", 2-D, T.6" : ", 2-D", d.ecm ? ", ECM" : "",
			 t30scan_bit(fif, flen, 10) ? "" : ", not ready to receive");
	} else if (strcmp(name, "CSI") == 0 || strcmp(name, "TSI") == 0 || strcmp(name, "CIG") == 0) {
		char id[FGW_MAX_IDENT + 1];
		t30scan_ident(fif, flen, id);
		snprintf(info, ilen, "\"%s\"", id);
	} else if (strcmp(name, "PPS") == 0 && flen >= 4) {
		snprintf(info, ilen, "%s, page %u, block %u, %u frames",
			 fif[0] == 0 ? "NULL" : t30scan_fcf_name(fif[0]), fif[1], fif[2], fif[3] + 1u);
	} else if ((strcmp(name, "NSF") == 0 || strcmp(name, "NSS") == 0) && flen >= 1) {
		snprintf(info, ilen, "country code 0x%02X", fif[0]);
	}
}

/* ----- lifetime ----------------------------------------------------------------- */

struct t30scan *t30scan_new(const char *tiff_path)
{
	struct t30scan *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (tiff_path != NULL && (s->path = strdup(tiff_path)) == NULL) {
		free(s);
		return NULL;
	}
	s->r.sender_dir = -1;
	s->r.dcn_dir = -1;
	return s;
}

void t30scan_free(struct t30scan *s)
{
	if (s == NULL)
		return;
	t30scan_finish(s);
	free(s->page);
	free(s->path);
	free(s);
}

const struct t30scan_result *t30scan_result(const struct t30scan *s)
{
	return &s->r;
}

bool t30scan_dcs_for(const struct t30scan *s, int dir, struct t30scan_dcs *out)
{
	if (dir < 0 || dir > 1 || !s->have_dcs_dir[dir])
		return false;
	*out = s->dcs_dir[dir];
	return true;
}

static void t30scan_touch(struct t30scan *s, uint64_t ts)
{
	if (s->r.first_us == 0 || ts < s->r.first_us)
		s->r.first_us = ts;
	if (ts > s->r.last_us)
		s->r.last_us = ts;
}

/* ----- pages ---------------------------------------------------------------------- */

static void t30scan_page_append(struct t30scan *s, const uint8_t *d, size_t n)
{
	if (n == 0)
		return;
	if (s->page_len + n > FGW_T30SCAN_MAX_PAGE) {
		s->page_truncated = true;
		return;
	}
	if (s->page_len + n > s->page_cap) {
		size_t cap = s->page_cap ? s->page_cap : 65536;
		while (cap < s->page_len + n)
			cap *= 2;
		if (cap > FGW_T30SCAN_MAX_PAGE)
			cap = FGW_T30SCAN_MAX_PAGE;
		uint8_t *p = realloc(s->page, cap);
		if (p == NULL) {
			s->page_truncated = true;
			return;
		}
		s->page = p;
		s->page_cap = cap;
	}
	memcpy(s->page + s->page_len, d, n);
	s->page_len += n;
}

static void t30scan_page_reset(struct t30scan *s)
{
	s->page_len = 0;
	s->page_truncated = false;
	s->page_pending = false;
}

/* Runs the page's coded data through spandsp's T.4 decoder into the TIFF. */
static void t30scan_page_decode(struct t30scan *s, bool confirmed)
{
	const struct t30scan_dcs *d = &s->r.dcs;

	if (s->page_len == 0 || !s->r.have_dcs || s->r.pages_decoded >= FGW_T30SCAN_MAX_PAGES) {
		t30scan_page_reset(s);
		return;
	}
	struct t30scan_page *pg = &s->r.page[s->r.pages_decoded];
	memset(pg, 0, sizeof(*pg));
	pg->x_res = d->x_res;
	pg->y_res = d->y_res;
	pg->width = d->width;
	pg->confirmed = confirmed;
	pg->incomplete = s->page_truncated;
	if (!confirmed)
		s->r.pages_unconfirmed++;
	if (s->page_truncated)
		s->r.pages_incomplete++;
	if (s->path == NULL) {
		s->r.pages_decoded++;
		t30scan_page_reset(s);
		return;
	}
	if (s->t4 == NULL && (s->r.write_failed ||
			      (s->t4 = t4_rx_init(NULL, s->path, T4_COMPRESSION_ITU_T6)) == NULL)) {
		s->r.write_failed = true;
		t30scan_page_reset(s);
		return;
	}
	t4_rx_set_rx_encoding(s->t4, d->encoding);
	t4_rx_set_image_width(s->t4, d->width);
	t4_rx_set_x_resolution(s->t4, d->x_res);
	t4_rx_set_y_resolution(s->t4, d->y_res);
	if (s->r.ident[s->r.sender_dir < 0 ? 0 : s->r.sender_dir][0] != '\0')
		t4_rx_set_far_ident(s->t4, s->r.ident[s->r.sender_dir < 0 ? 0 : s->r.sender_dir]);
	t4_rx_start_page(s->t4);
	/* true once the decoder met the end of the page: RTC (T.4 4.1.4) or
	 * EOFB (T.6 2.4) */
	if (!t4_rx_put_chunk(s->t4, s->page, (int)s->page_len) && !s->page_truncated) {
		s->r.pages_incomplete++;
		pg->incomplete = true;
	}
	t4_rx_end_page(s->t4);
	t4_stats_t st;
	t4_rx_get_transfer_statistics(s->t4, &st);
	s->r.bad_rows += st.bad_rows;
	pg->rows = st.length;
	pg->bad_rows = st.bad_rows;
	s->r.pages_decoded++;
	snprintf(s->r.tiff, sizeof(s->r.tiff), "%s", s->path);
	t30scan_page_reset(s);
}

/* ECM: the frames of the block announced by PPS join the page, T.30 A.4. */
static void t30scan_ecm_commit(struct t30scan *s, int frames)
{
	if (frames <= 0 || frames > T30SCAN_ECM_FRAMES)
		frames = T30SCAN_ECM_FRAMES;
	int last = -1;
	for (int i = 0; i < T30SCAN_ECM_FRAMES; i++)
		if (s->ecm_have[i])
			last = i;
	if (last < 0)
		return;
	if (frames < last + 1)
		frames = last + 1;
	for (int i = 0; i < frames; i++) {
		if (s->ecm_have[i])
			t30scan_page_append(s, s->ecm[i], s->ecm_len[i]);
		else
			s->r.ecm_missing_frames++;
	}
	memset(s->ecm_have, 0, sizeof(s->ecm_have));
	s->page_pending = true;
}

static bool t30scan_ecm_any(const struct t30scan *s)
{
	for (int i = 0; i < T30SCAN_ECM_FRAMES; i++)
		if (s->ecm_have[i])
			return true;
	return false;
}

/* ----- the dialogue ------------------------------------------------------------- */

static void t30scan_log(struct t30scan *s, int dir, const uint8_t *f, size_t len, bool ok, uint64_t ts)
{
	if (s->r.n_frames >= FGW_T30SCAN_MAX_FRAMES) {
		s->r.frames_dropped++;
		return;
	}
	struct t30scan_frame *e = &s->r.frames[s->r.n_frames++];
	e->ts_us = ts;
	e->dir = (uint8_t)dir;
	e->fcf = len >= 3 ? f[2] : 0;
	e->crc_ok = ok;
	snprintf(e->name, sizeof(e->name), "%s", len >= 3 ? t30scan_fcf_name(f[2]) : "???");
	if (ok && len >= 3)
		t30scan_info(f, len, e->name, e->info, sizeof(e->info));
}

static bool t30scan_is_ppm(int fcf)
{
	return fcf == T30_MPS || fcf == T30_EOP || fcf == T30_EOM || fcf == T30_PRI_MPS ||
	       fcf == T30_PRI_EOP || fcf == T30_PRI_EOM || fcf == T30_EOS;
}

static bool t30scan_is_eop(int ppm)
{
	return ppm == T30_EOP || ppm == T30_PRI_EOP;
}

static void t30scan_on_dcs(struct t30scan *s, int dir, const uint8_t *fif, size_t len)
{
	struct t30scan_dcs d;

	if (!t30scan_decode_dcs(fif, len, true, &d))
		return;
	if (s->page_pending)
		t30scan_page_decode(s, false);
	s->r.dcs_count++;
	s->r.dcs = d;
	s->r.have_dcs = true;
	s->r.sender_dir = dir;
	s->dcs_dir[dir] = d;
	s->have_dcs_dir[dir] = true;
	s->phase = PH_TCF;
}

/* MCF / RTP / PIP: the page (or ECM block) before it is good. */
static void t30scan_on_confirm(struct t30scan *s, int fcf)
{
	if (s->phase != PH_RESP)
		return;
	s->ppm_last_confirmed = true;
	bool ecm = s->r.dcs.ecm;
	if (ecm)
		t30scan_ecm_commit(s, s->pps_frames);
	if (!ecm || s->ppm != T30_NULL) {
		if (s->page_len > 0 || s->page_pending) {
			s->r.pages_confirmed++;
			t30scan_page_decode(s, true);
		}
		if (t30scan_is_eop(s->ppm))
			s->r.eop_confirmed = true;
	}
	if (s->ppm == T30_EOM || s->ppm == T30_PRI_EOM || fcf == T30_RTP || fcf == T30_PIP)
		s->phase = PH_IDLE;
	else
		s->phase = PH_READY;
}

static void t30scan_on_control(struct t30scan *s, int dir, const uint8_t *f, size_t len)
{
	uint8_t fcf = f[2];
	const uint8_t *fif = f + 3;
	size_t flen = len - 3;
	int m = fcf & 0xFE;

	if (fcf == T30_DIS || fcf == T30_DTC) {
		s->r.dis_count++;
		return;
	}
	if (fcf == T30_CSI || fcf == T30_CIG || m == T30_TSI) {
		t30scan_ident(fif, flen, s->r.ident[dir]);
		return;
	}
	switch (m) {
	case T30_DCS:
		t30scan_on_dcs(s, dir, fif, flen);
		break;
	case T30_CFR:
		s->r.cfr_count++;
		s->phase = PH_READY;
		break;
	case T30_FTT:
		s->r.ftt_count++;
		if (s->r.n_ftt_rates < 8)
			s->r.ftt_rates[s->r.n_ftt_rates++] = s->r.dcs.bit_rate;
		s->phase = PH_IDLE;
		break;
	case T30_PPS:
		if (flen >= 4) {
			s->ppm = fif[0] & 0xFE;
			s->ppm_last_confirmed = false;
			s->pps_frames = fif[3] + 1;
			s->phase = PH_RESP;
		}
		break;
	case T30_MCF: case T30_RTP: case T30_PIP:
		s->r.mcf_count += m == T30_MCF;
		t30scan_on_confirm(s, m);
		break;
	case T30_RTN: case T30_PIN:
		s->r.rtn_count++;
		if (s->phase == PH_RESP) {
			s->r.pages_rejected++;
			t30scan_page_reset(s);
		}
		s->phase = PH_IDLE;
		break;
	case T30_PPR:
		s->r.ppr_count++;
		s->phase = PH_READY;
		break;
	case T30_DCN:
		s->r.dcn_seen = true;
		s->r.dcn_dir = dir;
		s->phase = PH_END;
		break;
	default:
		if (t30scan_is_ppm(m) && !s->r.dcs.ecm) {
			s->ppm = m;
			s->ppm_last_confirmed = false;
			s->phase = PH_RESP;
		}
		break;
	}
}

/* T.30 A.3: FCD = address, control, FCF, frame number, data. */
static void t30scan_on_fcd(struct t30scan *s, const uint8_t *f, size_t len)
{
	s->r.fcd_frames++;
	if (len < 4)
		return;
	unsigned n = f[3];
	size_t dl = len - 4;
	if (dl > T30SCAN_ECM_OCTETS)
		dl = T30SCAN_ECM_OCTETS;
	memcpy(s->ecm[n], f + 4, dl);
	s->ecm_len[n] = (uint16_t)dl;
	s->ecm_have[n] = true;
}

/* A frame identical to the one the other side sent less than 1.5 s before
 * is that frame's line echo (G.711 calls), not a new message. */
static bool t30scan_echo(struct t30scan *s, int dir, const uint8_t *f, size_t len, uint64_t ts)
{
	const size_t cap = sizeof(s->last[0].b);
	bool echo = s->last[!dir].len == len && len <= cap && ts >= s->last[!dir].ts &&
		    ts - s->last[!dir].ts < 1500000u && memcmp(s->last[!dir].b, f, len) == 0;

	if (!echo && len <= cap) {
		memcpy(s->last[dir].b, f, len);
		s->last[dir].len = len;
		s->last[dir].ts = ts;
	}
	return echo;
}

void t30scan_hdlc(struct t30scan *s, int dir, const uint8_t *f, size_t len, bool crc_ok, uint64_t ts)
{
	if (s->finished || dir < 0 || dir > 1)
		return;
	t30scan_touch(s, ts);
	if (len < 3 || f[0] != 0xFF || (f[1] & 0xEF) != 0x03) {
		s->r.bad_crc++;
		return;
	}
	int m = f[2] & 0xFE;
	if (m == T4_FCD || m == T4_RCP) {
		if (crc_ok && m == T4_FCD)
			t30scan_on_fcd(s, f, len);
		return;
	}
	if (crc_ok && t30scan_echo(s, dir, f, len, ts)) {
		s->r.echoes++;
		return;
	}
	t30scan_log(s, dir, f, len, crc_ok, ts);
	if (!crc_ok) {
		s->r.bad_crc++;
		return;
	}
	s->r.frames_dir[dir]++;
	t30scan_on_control(s, dir, f, len);
}

void t30scan_image_begin(struct t30scan *s, int dir, uint64_t ts)
{
	if (s->finished || dir != s->r.sender_dir)
		return;
	t30scan_touch(s, ts);
	if (s->r.dcs.ecm && s->phase != PH_TCF)
		return;                    /* ECM image data comes as HDLC frames */
	if (s->phase == PH_TCF) {
		if (!s->in_tcf)
			s->r.tcf_count++;
		s->in_tcf = true;
	} else if (s->phase == PH_READY) {
		if (s->page_pending)
			t30scan_page_decode(s, false);
		t30scan_page_reset(s);
		s->page_truncated = s->loss_before_page;
		s->loss_before_page = false;
		s->in_page = true;
	}
}

void t30scan_image_bytes(struct t30scan *s, int dir, const uint8_t *d, size_t n)
{
	if (s->finished || dir != s->r.sender_dir || !s->in_page)
		return;
	t30scan_page_append(s, d, n);
}

void t30scan_image_end(struct t30scan *s, int dir, uint64_t ts)
{
	if (s->finished || dir != s->r.sender_dir)
		return;
	t30scan_touch(s, ts);
	if (s->in_page && s->page_len > 0)
		s->page_pending = true;
	s->in_page = false;
	s->in_tcf = false;
}

void t30scan_data_lost(struct t30scan *s, int dir)
{
	if (s->finished || dir != s->r.sender_dir)
		return;
	if (s->in_page)
		s->page_truncated = true;
	else if (s->phase == PH_READY)
		s->loss_before_page = true;   /* the start of the next page may be gone */
}

void t30scan_tone(struct t30scan *s, int dir, enum t30scan_tone_kind tone, uint64_t ts)
{
	if (s->finished || dir < 0 || dir > 1)
		return;
	t30scan_touch(s, ts);
	s->r.tones[dir] |= (unsigned)tone;
}

/* ----- the verdict ---------------------------------------------------------------- */

static void t30scan_rates(const struct t30scan_result *r, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->n_ftt_rates && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? ", " : "", r->ftt_rates[i]);
}

static const char *t30scan_side(const struct t30scan_result *r, int dir)
{
	if (r->sender_dir < 0)
		return dir == 0 ? "the first endpoint" : "the second endpoint";
	return dir == r->sender_dir ? "the sender" : "the receiver";
}

static void t30scan_reason(struct t30scan *s)
{
	struct t30scan_result *r = &s->r;
	char *b = r->reason;
	size_t n = sizeof(r->reason);
	char rates[64];
	bool oneway = (r->frames_dir[0] == 0) != (r->frames_dir[1] == 0);

	if (r->n_frames == 0 && (r->tones[0] || r->tones[1])) {
		snprintf(b, n, "fax tones (CNG/CED) but no T.30 frame on this stream: no DIS was "
			 "sent here (the call may have moved to T.38 or been cut)");
	} else if (r->dis_count == 0 && r->dcs_count == 0 && r->n_frames > 0 &&
		   strcmp(r->frames[0].name, "NSF") != 0 && strcmp(r->frames[0].name, "CSI") != 0) {
		snprintf(b, n, "the capture starts in the middle of the call (first T.30 frame "
			 "seen: %s); no DIS/DCS negotiation to decode", r->frames[0].name);
	} else if (r->dis_count == 0 && r->dcs_count == 0) {
		snprintf(b, n, "no DIS: the called side never sent its capabilities");
	} else if (r->dcs_count == 0) {
		snprintf(b, n, "no DIS answer: DIS sent %d time%s and never answered with DCS",
			 r->dis_count, r->dis_count == 1 ? "" : "s");
	} else if (r->cfr_count == 0 && r->ftt_count > 0) {
		t30scan_rates(r, rates, sizeof(rates));
		snprintf(b, n, "training failed at %s bit/s (%d FTT)%s", rates, r->ftt_count,
			 r->dcn_seen ? ", then disconnect" : "");
	} else if (r->cfr_count == 0) {
		snprintf(b, n, "DCS at %d bit/s %snever answered (no CFR or FTT)", r->dcs.bit_rate,
			 r->tcf_count ? "and its training check (TCF) sent, " : "");
	} else if (r->pages_confirmed == 0 && r->eop_confirmed) {
		snprintf(b, n, "the end of the document was confirmed but no page image could be "
			 "followed in the capture");
	} else if (r->pages_confirmed == 0 && r->rtn_count > 0) {
		snprintf(b, n, "the receiver rejected the page (RTN %d time%s)", r->rtn_count,
			 r->rtn_count == 1 ? "" : "s");
	} else if (!r->eop_confirmed && r->dcn_seen) {
		snprintf(b, n, "%s hung up (DCN) after page %d, before the end of the document",
			 t30scan_side(r, r->dcn_dir), r->pages_confirmed);
	} else if (!r->eop_confirmed && s->ppm_last_confirmed && s->ppm == T30_MPS) {
		snprintf(b, n, "the call was cut after page %d: MPS announced more pages, then nothing "
			 "(no DCN)%s", r->pages_confirmed,
			 r->pages_unconfirmed ? "; an unconfirmed page follows" : "");
	} else if (!r->eop_confirmed) {
		snprintf(b, n, "the call ends after page %d without a confirmed EOP%s",
			 r->pages_confirmed, r->pages_unconfirmed ? " (last page unconfirmed)" : "");
	} else if (r->write_failed) {
		snprintf(b, n, "the pages could not be written to %s", s->path ? s->path : "?");
	} else if (r->pages_incomplete > 0) {
		snprintf(b, n, "%d page%s decoded without their end of page: image data is missing "
			 "from the capture", r->pages_incomplete, r->pages_incomplete == 1 ? "" : "s");
	} else if (r->pages_unconfirmed > 0 || r->pages_decoded < r->pages_confirmed) {
		snprintf(b, n, "%d of %d confirmed pages could not be rebuilt from the capture",
			 r->pages_confirmed - (r->pages_decoded - r->pages_unconfirmed),
			 r->pages_confirmed);
	} else {
		b[0] = '\0';
	}
	if (b[0] != '\0' && oneway) {
		size_t l = strlen(b);
		snprintf(b + l, n - l, "; only one direction of the call is in the capture");
	}
}

void t30scan_finish(struct t30scan *s)
{
	struct t30scan_result *r = &s->r;

	if (s->finished)
		return;
	if (r->have_dcs && r->dcs.ecm && t30scan_ecm_any(s))
		t30scan_ecm_commit(s, 0);
	if (s->page_pending || s->page_len > 0)
		t30scan_page_decode(s, false);
	if (s->t4 != NULL) {
		t4_rx_free(s->t4);
		s->t4 = NULL;
	}
	s->finished = true;
	if (r->n_frames == 0 && !r->tones[0] && !r->tones[1] && r->fcd_frames == 0) {
		r->outcome = T30SCAN_NO_FAX;
		snprintf(r->reason, sizeof(r->reason), "no T.30 frame found");
		return;
	}
	t30scan_reason(s);
	r->outcome = r->reason[0] == '\0' ? T30SCAN_COMPLETE : T30SCAN_PARTIAL;
}
