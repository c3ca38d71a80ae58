/*
 * fax_session.c - one fax call on a spandsp 0.0.6 T.38 or audio terminal.
 *
 * T.30 (ITU-T T.30) runs inside spandsp; this module configures it from
 * the port's settings, clocks it in 20 ms steps and collects the outcome
 * from the phase B/D/E handlers.  See fax_session.h for the contract.
 */
#include "caps.h"
#include "fax_session.h"
#include "fgwx_text.h"
#include "rxfile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* A receiver takes each page's rows from spandsp's T.4 receiver, which
 * lives inside its T.30 state (no accessor for it in spandsp 0.0.6). */
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#define FAX_SESSION_MAX_TAG 64
#define FAX_SESSION_T38_VERSION_MAX 3
_Static_assert(FAX_SESSION_FILE_ERROR == T30_ERR_FILEERROR, "spandsp's file error code");
/* Without /proc: spandsp's own file is this name beside ours. */
#define FAX_SESSION_T4_SUFFIX ".t4rx"

struct fax_session {
	enum fax_session_mode mode;
	enum fax_session_dir dir;
	bool use_alaw;
	fax_session_tx_ifp_fn tx_ifp;
	void *tx_arg;
	fax_session_frame_fn frame_fn;
	void *frame_arg;
	fax_session_page_fn page_fn;
	void *page_arg;

	t38_terminal_state_t *t38;
	fax_state_t *fax;
	t30_state_t *t30;
	/* audio answering: CNG and V.21 flags from the caller, until heard */
	modem_connect_tones_rx_state_t *cng_rx, *flags_rx;
	bool peer_signal;

	bool done;
	bool phase_e;
	bool terminal_done;
	int status;
	int pages;
	int pages_told;              /* pages the page hook was called for */
	int pages_in_file;
	int bit_rate;
	bool ecm;
	int x_res, y_res, width, length, encoding;
	int bad_rows;
	int degraded_pages;
	int longest_bad_run;
	struct fax_page_quality last_page;
	int n_degraded;
	struct fax_page_quality degraded[FGW_MAX_DEGRADED_LIST];
	char remote_ident[FGW_MAX_IDENT + 1];

	char file[FGW_MAX_PATH];
	/* receiver: our file, the pages handed to it, spandsp's own file */
	struct rxfile *out;
	int pages_out;
	char t4_file[FGW_MAX_PATH + sizeof(FAX_SESSION_T4_SUFFIX)];
	char ident[FGW_MAX_IDENT + 1];
	char tag[FAX_SESSION_MAX_TAG];
};

static fax_session_log_fn fax_session_log_handler;

static void fax_session_log_line(int level, const char *text)
{
	if (fax_session_log_handler != NULL) {
		fax_session_log_handler(level, text);
		return;
	}
	fputs(text, stderr);
}

void fax_session_set_log_handler(fax_session_log_fn fn)
{
	fax_session_log_handler = fn;
}

/* spandsp's T.4 receiver opens a TIFF file of its own when a document
 * starts and, holding no page (the rows come to fax_session_rows), removes
 * it at the end.  It gets /proc/self/fd/N of one anonymous memory file of
 * the process: opening it touches no file system, and removing it fails
 * (EPERM), so no step of a call waits on a directory for it.  Concurrent
 * sessions all truncate it; nothing ever reads it. */
static int fax_session_scratch_fd = -1;
static pthread_once_t fax_session_scratch_once = PTHREAD_ONCE_INIT;

static void fax_session_scratch_open(void)
{
	char path[64];
	int fd = memfd_create("faxgw-t4rx", MFD_CLOEXEC);

	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (access(path, W_OK) != 0) {
		close(fd);
		return;
	}
	fax_session_scratch_fd = fd;
}

/* spandsp's file for a receiver of `file`. */
static void fax_session_scratch(struct fax_session *s)
{
	pthread_once(&fax_session_scratch_once, fax_session_scratch_open);
	if (fax_session_scratch_fd >= 0)
		snprintf(s->t4_file, sizeof(s->t4_file), "/proc/self/fd/%d", fax_session_scratch_fd);
	else
		fax_session_scratch(s);
}

static void fax_session_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* --- outcome, from the T.30 phase handlers ------------------------------ */

static void fax_session_take_stats(struct fax_session *s, bool page_done)
{
	t30_stats_t st;

	t30_get_transfer_statistics(s->t30, &st);
	int pages = s->dir == FAX_SESSION_RECEIVE ? st.pages_rx : st.pages_tx;
	if (pages > s->pages)
		s->pages = pages;
	if (st.pages_in_file >= 0 && s->dir == FAX_SESSION_SEND)
		s->pages_in_file = st.pages_in_file;
	if (st.bit_rate > 0)
		s->bit_rate = st.bit_rate;
	s->ecm = st.error_correcting_mode != 0;
	if (page_done) {
		/* T.30 phase D: the page's geometry is still valid here; a
		 * receiver reports length 0 once the call reaches phase E. */
		if (st.x_resolution > 0)
			s->x_res = st.x_resolution;
		if (st.y_resolution > 0)
			s->y_res = st.y_resolution;
		if (st.width > 0)
			s->width = st.width;
		if (st.length > 0)
			s->length = st.length;
		s->encoding = st.encoding;
	}
}

/* T.30 phase D of a receiver, once its page count grew: the page just
 * put in the file.  spandsp's T.4 statistics still describe it here. */
static void fax_session_take_quality(struct fax_session *s)
{
	t30_stats_t st;
	struct fax_page_quality *q = &s->last_page;

	t30_get_transfer_statistics(s->t30, &st);
	q->page = s->pages;
	q->rows = st.length > 0 ? st.length : 0;
	q->bad_rows = st.bad_rows > 0 ? st.bad_rows : 0;
	q->longest_bad_run = st.longest_bad_row_run > 0 ? st.longest_bad_row_run : 0;
	if (q->bad_rows == 0)
		return;
	s->bad_rows += q->bad_rows;
	s->degraded_pages++;
	if (q->longest_bad_run > s->longest_bad_run)
		s->longest_bad_run = q->longest_bad_run;
	if (s->n_degraded < FGW_MAX_DEGRADED_LIST)
		s->degraded[s->n_degraded++] = *q;
}

static void fax_session_take_ident(struct fax_session *s)
{
	const char *id = t30_get_rx_ident(s->t30);

	/* The sender's TSI is shown in logs, terminals, SNMP and handed to
	 * programs: controls and broken UTF-8 never get that far. */
	if (id != NULL && id[0] != '\0')
		fgwx_text_sanitize(s->remote_ident, sizeof(s->remote_ident), id, strlen(id));
}

/* --- a receiver's pages: spandsp decodes, rxfile writes ------------------ */

/* spandsp's T.4 receiver calls this at the end of a page with each row,
 * then once with NULL.  At the NULL call the page's rows are the whole
 * of t4->image_buffer: the page takes that buffer (spandsp allocates a
 * new one for the next page) and goes to the file, so that encoding it
 * into the TIFF file never runs on the thread that steps the call. */
static int fax_session_rows(void *arg, const uint8_t buf[], size_t len)
{
	struct fax_session *s = arg;
	t4_rx_state_t *t4 = &s->t30->t4.rx;
	struct rx_page *pg;

	(void)len;
	if (buf != NULL)
		return 0;
	s->pages_out++;
	pg = calloc(1, sizeof(*pg));
	if (pg == NULL || t4->image_buffer == NULL || t4->image_length <= 0) {
		free(pg);
		rxfile_lost_page(s->out, s->pages_out);
		return -1;
	}
	pg->rows = t4->image_buffer;
	t4->image_buffer = NULL;
	t4->image_buffer_size = 0;
	pg->width = (uint32_t)t4->image_width;
	pg->length = (uint32_t)t4->image_length;
	pg->bytes_per_row = (uint32_t)t4->bytes_per_row;
	pg->x_res = t4->x_resolution;
	pg->y_res = t4->y_resolution;
	pg->bad_rows = t4->t4_t6_rx.bad_rows;
	pg->longest_bad_run = t4->t4_t6_rx.longest_bad_row_run;
	pg->started = t4->page_start_time;
	pg->ended = time(NULL);
	memcpy(pg->ident, s->remote_ident, sizeof(pg->ident));
	rxfile_page(s->out, pg);
	return 0;
}

/* spandsp (re)initialises its T.4 receiver when a document starts (the
 * first DCS): the row hook is set from then on.  Called for every T.30
 * frame (CFR always goes out before page data) and every step. */
static void fax_session_hook_rows(struct fax_session *s)
{
	t4_rx_state_t *t4;

	if (s->out == NULL)
		return;
	t4 = &s->t30->t4.rx;
	if (t4->rx && t4->tiff.tiff_file != NULL && t4->t4_t6_rx.row_write_handler != fax_session_rows)
		t4_rx_set_row_write_handler(t4, fax_session_rows, s);
}

/* T.30 5.3.6 phase B: capabilities exchanged, the peer's ident is known. */
static int fax_session_phase_b(t30_state_t *t30, void *arg, int result)
{
	struct fax_session *s = arg;

	(void)t30;
	(void)result;
	fax_session_take_ident(s);
	/* A receiver whose file could not be created refuses the document
	 * (DCN), as spandsp does when it cannot open its own: the sender
	 * must not hear MCF for pages nobody keeps. */
	if (s->out != NULL && rxfile_unusable(s->out))
		return T30_ERR_FILEERROR;
	return T30_ERR_OK;
}

/* T.30 phase D: post-message procedure after each page. */
static int fax_session_phase_d(t30_state_t *t30, void *arg, int result)
{
	struct fax_session *s = arg;

	(void)t30;
	fax_session_take_stats(s, true);
	/* A receiver's page is in the file once the count grows (a page
	 * refused with RTN, or an ECM partial page, does not count). */
	if (s->dir == FAX_SESSION_RECEIVE && s->pages > s->pages_told) {
		s->pages_told = s->pages;
		if (s->pages_out < s->pages) {
			/* Never expected: the page went to spandsp's own file. */
			fax_session_log_line(SPAN_LOG_ERROR, "fax: page not handed over by spandsp\n");
			rxfile_lost_page(s->out, s->pages);
			s->pages_out = s->pages;
		}
		fax_session_take_quality(s);
		if (s->page_fn != NULL)
			s->page_fn(s->page_arg, s->pages, result == T30_EOP || result == T30_PRI_EOP);
	}
	return T30_ERR_OK;
}

/* T.30 phase E: call release. */
static void fax_session_phase_e(t30_state_t *t30, void *arg, int completion_code)
{
	struct fax_session *s = arg;

	(void)t30;
	s->status = completion_code;
	s->phase_e = true;
	fax_session_take_ident(s);
	fax_session_take_stats(s, false);
}

static void fax_session_frame(t30_state_t *t30, void *arg, int direction,
                              const uint8_t msg[], int len)
{
	struct fax_session *s = arg;

	(void)t30;
	fax_session_hook_rows(s);
	if (direction)
		s->peer_signal = true;
	if (s->frame_fn != NULL)
		s->frame_fn(s->frame_arg, direction, msg, len);
}

static int fax_session_t38_tx(t38_core_state_t *core, void *arg, const uint8_t *buf,
                              int len, int count)
{
	struct fax_session *s = arg;

	(void)core;
	if (len > 0 && s->tx_ifp != NULL)
		s->tx_ifp(s->tx_arg, buf, (size_t)len, count);
	return 0;
}

/* --- set-up ------------------------------------------------------------- */

static int fax_session_modems(int max_rate)
{
	switch (max_rate) {
	case 2400:
	case 4800:
		return T30_SUPPORT_V27TER;
	case 7200:
	case 9600:
		return T30_SUPPORT_V27TER | T30_SUPPORT_V29;
	case 0:
	case 12000:
	case 14400:
		return T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17;
	default:
		return -1;
	}
}

static int fax_session_check(const struct fax_session_params *p, char *err, size_t errlen)
{
	if (p->file == NULL || p->file[0] == '\0') {
		snprintf(err, errlen, "no TIFF file given");
		return -1;
	}
	if (strlen(p->file) >= FGW_MAX_PATH) {
		snprintf(err, errlen, "file name too long");
		return -1;
	}
	if (p->local_ident != NULL && strlen(p->local_ident) > FGW_MAX_IDENT) {
		snprintf(err, errlen, "local ident longer than %d characters", FGW_MAX_IDENT);
		return -1;
	}
	if (fax_session_modems(p->max_rate) < 0) {
		snprintf(err, errlen, "max-rate %d is not one of 2400 4800 7200 9600 12000 14400",
		         p->max_rate);
		return -1;
	}
	if (p->mode != FAX_SESSION_T38 && p->mode != FAX_SESSION_AUDIO) {
		snprintf(err, errlen, "unknown fax mode");
		return -1;
	}
	if (p->mode == FAX_SESSION_T38) {
		if (p->t38_version < 0 || p->t38_version > FAX_SESSION_T38_VERSION_MAX) {
			snprintf(err, errlen, "t38-version %d is not 0..3", p->t38_version);
			return -1;
		}
		if (p->tx_ifp == NULL) {
			snprintf(err, errlen, "T.38 session without a transmit callback");
			return -1;
		}
		if (p->max_datagram < 0 || p->max_datagram > FGW_MAX_DATAGRAM) {
			snprintf(err, errlen, "max datagram %d out of range", p->max_datagram);
			return -1;
		}
	}
	if (p->dir == FAX_SESSION_SEND && access(p->file, R_OK) != 0) {
		snprintf(err, errlen, "cannot read %s", p->file);
		return -1;
	}
	return 0;
}

static void fax_session_log_state(logging_state_t *ls, const struct fax_session *s, int level)
{
	if (ls == NULL)
		return;
	span_log_set_message_handler(ls, fax_session_log_line);
	span_log_set_tag(ls, s->tag);
	span_log_set_level(ls, level > 0 ? (SPAN_LOG_SHOW_TAG | SPAN_LOG_SHOW_PROTOCOL
	                                    | SPAN_LOG_SHOW_SEVERITY | (level & SPAN_LOG_SEVERITY_MASK))
	                                 : SPAN_LOG_NONE);
}

static int fax_session_new_t38(struct fax_session *s, const struct fax_session_params *p)
{
	s->t38 = t38_terminal_init(NULL, p->calling_party, fax_session_t38_tx, s);
	if (s->t38 == NULL)
		return -1;
	t38_core_state_t *core = t38_terminal_get_t38_core_state(s->t38);
	/* T.38 clause 6.2 / Annex D: the negotiated T38FaxVersion,
	 * T38FaxRateManagement (transferredTCF over UDP), T38FaxMaxDatagram,
	 * T38FaxFillBitRemoval. */
	t38_set_t38_version(core, p->t38_version);
	t38_set_data_rate_management_method(core, T38_DATA_RATE_MANAGEMENT_TRANSFERRED_TCF);
	t38_set_max_datagram_size(core, p->max_datagram > 0 ? p->max_datagram : FGW_MAX_DATAGRAM);
	t38_set_fastest_image_data_rate(core, p->max_rate > 0 ? p->max_rate : 14400);
	t38_set_fill_bit_removal(core, p->fill_bit_removal);
	t38_terminal_set_fill_bit_removal(s->t38, p->fill_bit_removal);
	t38_terminal_set_tep_mode(s->t38, 0);
	s->t30 = t38_terminal_get_t30_state(s->t38);
	fax_session_log_state(t38_terminal_get_logging_state(s->t38), s, p->log_level);
	fax_session_log_state(t38_core_get_logging_state(core), s, p->log_level);
	return 0;
}

/* A connect tone heard (the detectors report with code > 0). */
static void fax_session_tone(void *arg, int code, int level, int delay)
{
	struct fax_session *s = arg;

	(void)level;
	(void)delay;
	if (code > 0)
		s->peer_signal = true;
}

static int fax_session_new_audio(struct fax_session *s, const struct fax_session_params *p)
{
	s->fax = fax_init(NULL, p->calling_party);
	if (s->fax == NULL)
		return -1;
	if (!p->calling_party) {
		s->cng_rx = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CNG,
							fax_session_tone, s);
		s->flags_rx = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_PREAMBLE,
							  fax_session_tone, s);
		if (s->cng_rx == NULL || s->flags_rx == NULL)
			return -1;
	}
	fax_set_transmit_on_idle(s->fax, 1);
	fax_set_tep_mode(s->fax, 0);
	s->t30 = fax_get_t30_state(s->fax);
	fax_session_log_state(fax_get_logging_state(s->fax), s, p->log_level);
	return 0;
}

static void fax_session_setup_t30(struct fax_session *s, const struct fax_session_params *p)
{
	t30_state_t *t = s->t30;

	if (s->ident[0] != '\0')
		t30_set_tx_ident(t, s->ident);
	t30_set_ecm_capability(t, p->ecm);
	t30_set_supported_modems(t, fax_session_modems(p->max_rate));
	/* T.4 1-D and 2-D; T.6 is only used with ECM (T.30 Annex A), which
	 * spandsp enforces. */
	t30_set_supported_compressions(t, T30_SUPPORT_T4_1D_COMPRESSION
	                               | T30_SUPPORT_T4_2D_COMPRESSION | T30_SUPPORT_T6_COMPRESSION);
	t30_set_supported_resolutions(t, T30_SUPPORT_STANDARD_RESOLUTION | T30_SUPPORT_FINE_RESOLUTION
	                              | T30_SUPPORT_SUPERFINE_RESOLUTION | T30_SUPPORT_R8_RESOLUTION
	                              | T30_SUPPORT_R16_RESOLUTION | T30_SUPPORT_300_300_RESOLUTION
	                              | T30_SUPPORT_400_400_RESOLUTION);
	t30_set_supported_image_sizes(t, T30_SUPPORT_US_LETTER_LENGTH | T30_SUPPORT_US_LEGAL_LENGTH
	                              | T30_SUPPORT_UNLIMITED_LENGTH | T30_SUPPORT_A4_LENGTH
	                              | T30_SUPPORT_B4_LENGTH | T30_SUPPORT_215MM_WIDTH
	                              | T30_SUPPORT_255MM_WIDTH | T30_SUPPORT_303MM_WIDTH);
	if (s->dir == FAX_SESSION_RECEIVE) {
		/* T.4 2-D in spandsp's file, never used (rxfile.h writes ours). */
		t30_set_rx_encoding(t, T4_COMPRESSION_ITU_T4_2D);
		t30_set_rx_file(t, s->t4_file, -1);
	} else {
		t30_set_tx_file(t, s->file, -1, -1);
	}
	t30_set_phase_b_handler(t, fax_session_phase_b, s);
	t30_set_phase_d_handler(t, fax_session_phase_d, s);
	t30_set_phase_e_handler(t, fax_session_phase_e, s);
	t30_set_real_time_frame_handler(t, fax_session_frame, s);
	fax_session_log_state(t30_get_logging_state(t), s, p->log_level);
}

struct fax_session *fax_session_new(const struct fax_session_params *p, char *err, size_t errlen)
{
	struct fax_session *s = NULL;

	if (fax_session_check(p, err, errlen) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->mode = p->mode;
	s->dir = p->dir;
	s->use_alaw = p->use_alaw;
	s->tx_ifp = p->tx_ifp;
	s->tx_arg = p->arg;
	s->pages_in_file = -1;
	fax_session_copy(s->file, sizeof(s->file), p->file);
	fax_session_scratch(s);
	if (p->dir == FAX_SESSION_RECEIVE &&
	    (s->out = rxfile_new(s->file, p->writer, p->file_status)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	fax_session_copy(s->ident, sizeof(s->ident), p->local_ident ? p->local_ident : "");
	fax_session_copy(s->tag, sizeof(s->tag), p->log_tag ? p->log_tag : "fax");
	int rc = p->mode == FAX_SESSION_T38 ? fax_session_new_t38(s, p) : fax_session_new_audio(s, p);
	if (rc < 0 || s->t30 == NULL) {
		snprintf(err, errlen, "spandsp %s terminal init failed",
		         p->mode == FAX_SESSION_T38 ? "T.38" : "audio");
		fax_session_free(s);
		return NULL;
	}
	fax_session_setup_t30(s, p);
	return s;
}

void fax_session_free(struct fax_session *s)
{
	if (s == NULL)
		return;
	if (s->t38 != NULL)
		t38_terminal_free(s->t38);
	if (s->fax != NULL)
		fax_free(s->fax);
	if (s->cng_rx != NULL)
		modem_connect_tones_rx_free(s->cng_rx);
	if (s->flags_rx != NULL)
		modem_connect_tones_rx_free(s->flags_rx);
	rxfile_close(s->out);   /* after spandsp's last page (its release) */
	free(s);
}

/* --- media in and out --------------------------------------------------- */

void fax_session_rx_ifp(struct fax_session *s, const uint8_t *ifp, size_t len, uint16_t seq)
{
	if (s->t38 == NULL || s->done || ifp == NULL || len == 0 || len > FGW_MAX_IFP)
		return;
	t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(s->t38), ifp, (int)len, seq);
}

/* The connect tone detectors, until the peer has signalled. */
static void fax_session_listen(struct fax_session *s, const int16_t *pcm, size_t n)
{
	if (s->peer_signal || s->cng_rx == NULL)
		return;
	modem_connect_tones_rx(s->cng_rx, pcm, (int)n);
	modem_connect_tones_rx(s->flags_rx, pcm, (int)n);
}

bool fax_session_peer_signalled(const struct fax_session *s)
{
	return s->peer_signal;
}

void fax_session_rx_g711(struct fax_session *s, const uint8_t *g711, size_t n)
{
	int16_t pcm[FGW_SAMPLES_PER_TICK];

	if (s->fax == NULL || g711 == NULL)
		return;
	while (n > 0) {
		size_t k = n < FGW_SAMPLES_PER_TICK ? n : FGW_SAMPLES_PER_TICK;
		for (size_t i = 0; i < k; i++)
			pcm[i] = s->use_alaw ? alaw_to_linear(g711[i]) : ulaw_to_linear(g711[i]);
		fax_session_listen(s, pcm, k);
		fax_rx(s->fax, pcm, (int)k);
		g711 += k;
		n -= k;
	}
}

void fax_session_rx_lost(struct fax_session *s, size_t samples)
{
	if (s->fax == NULL)
		return;
	while (samples > 0) {
		size_t k = samples < FGW_SAMPLES_PER_TICK ? samples : FGW_SAMPLES_PER_TICK;
		fax_rx_fillin(s->fax, (int)k);
		samples -= k;
	}
}

size_t fax_session_tx_g711(struct fax_session *s, uint8_t *g711, size_t n)
{
	int16_t pcm[FGW_SAMPLES_PER_TICK];

	if (s->fax == NULL || g711 == NULL)
		return 0;
	for (size_t off = 0; off < n;) {
		size_t k = n - off < FGW_SAMPLES_PER_TICK ? n - off : FGW_SAMPLES_PER_TICK;
		int got = fax_tx(s->fax, pcm, (int)k);
		if (got < 0)
			got = 0;
		for (size_t i = (size_t)got; i < k; i++)
			pcm[i] = 0;
		for (size_t i = 0; i < k; i++)
			g711[off + i] = s->use_alaw ? linear_to_alaw(pcm[i]) : linear_to_ulaw(pcm[i]);
		off += k;
	}
	return n;
}

/* --- time and outcome --------------------------------------------------- */

bool fax_session_tick(struct fax_session *s)
{
	if (s->done)
		return true;
	fax_session_hook_rows(s);
	if (s->t38 != NULL && t38_terminal_send_timeout(s->t38, FGW_SAMPLES_PER_TICK))
		s->terminal_done = true;
	if (s->phase_e || s->terminal_done)
		s->done = true;
	return s->done;
}

bool fax_session_done(const struct fax_session *s)
{
	return s->done || s->phase_e;
}

void fax_session_hangup(struct fax_session *s)
{
	if (!s->phase_e) {
		t30_stats_t st;
		t30_get_transfer_statistics(s->t30, &st);
		if (st.current_status == T30_ERR_OK)
			t30_set_status(s->t30, T30_ERR_CALLDROPPED);
		t30_terminate(s->t30);
		if (!s->phase_e) {
			/* spandsp had already left T.30 without phase E. */
			s->phase_e = true;
			s->status = T30_ERR_CALLDROPPED;
			fax_session_take_stats(s, false);
		}
	}
	s->done = true;
}

void fax_session_result(const struct fax_session *s, struct fax_session_result *r)
{
	memset(r, 0, sizeof(*r));
	r->done = s->done || s->phase_e;
	r->t30_status = s->phase_e ? s->status : T30_ERR_OK;
	fax_session_copy(r->t30_text, sizeof(r->t30_text),
	                 s->phase_e ? t30_completion_code_to_str(s->status) : "in progress");
	r->pages = s->pages;
	r->pages_in_file = s->dir == FAX_SESSION_RECEIVE ? s->pages : s->pages_in_file;
	r->success = s->phase_e && s->status == T30_ERR_OK && s->pages > 0;
	r->partial = r->done && !r->success && s->pages > 0;
	r->bit_rate = s->bit_rate;
	r->ecm = s->ecm;
	r->x_res = s->x_res;
	r->y_res = s->y_res;
	r->width = s->width;
	r->length = s->length;
	r->encoding = s->encoding;
	r->bad_rows = s->bad_rows;
	r->degraded_pages = s->degraded_pages;
	r->longest_bad_run = s->longest_bad_run;
	r->last_page = s->last_page;
	r->n_degraded = s->n_degraded;
	memcpy(r->degraded, s->degraded, sizeof(r->degraded));
	fax_session_copy(r->remote_ident, sizeof(r->remote_ident), s->remote_ident);
}

/* Appends entry (with a separator after the first) when it fits whole. */
static void fax_session_append(char *out, size_t outlen, size_t *o, char sep, const char *entry)
{
	size_t n = strlen(entry) + (*o > 0);

	if (outlen == 0 || *o + n >= outlen)
		return;
	if (*o > 0)
		out[(*o)++] = sep;
	memcpy(out + *o, entry, strlen(entry) + 1);
	*o += strlen(entry);
}

void fax_session_degraded_text(const struct fax_session_result *r, char *list, size_t listlen,
                               char *detail, size_t detaillen)
{
	size_t lo = 0, dn = 0;
	char e[64];

	if (listlen > 0)
		list[0] = '\0';
	if (detaillen > 0)
		detail[0] = '\0';
	for (int i = 0; i < r->n_degraded && i < FGW_MAX_DEGRADED_LIST; i++) {
		const struct fax_page_quality *q = &r->degraded[i];
		snprintf(e, sizeof(e), "%d", q->page);
		fax_session_append(list, listlen, &lo, ',', e);
		snprintf(e, sizeof(e), "%d:%d/%d/%d", q->page, q->rows, q->bad_rows,
		         q->longest_bad_run);
		fax_session_append(detail, detaillen, &dn, ' ', e);
	}
}

void fax_session_set_frame_hook(struct fax_session *s, fax_session_frame_fn fn, void *arg)
{
	s->frame_fn = fn;
	s->frame_arg = arg;
}

void fax_session_set_page_hook(struct fax_session *s, fax_session_page_fn fn, void *arg)
{
	s->page_fn = fn;
	s->page_arg = arg;
}

void *fax_session_terminal(struct fax_session *s)
{
	return s->t38 != NULL ? (void *)s->t38 : (void *)s->fax;
}
