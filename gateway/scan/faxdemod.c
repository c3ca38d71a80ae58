/*
 * faxdemod.c - passive modem bank for one direction of a G.711 fax call.
 * See faxdemod.h.  V.21 channel 2 at 300 bit/s carries the T.30 control
 * frames (T.30 5.3.1); the image modem is the one the DCS selected (T.30
 * Table 2 bits 11-14: V.27ter 2400/4800, V.29 7200/9600, V.17 7200-14400).
 * V.17 trains long after a DCS and short for the following image transfers
 * at the same rate (V.17 clause 7, T.30 5.3.2.4).
 */
#include "caps.h"
#include "faxdemod.h"

#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

struct faxdemod {
	struct t30scan *scan;
	int dir;
	uint64_t ts;
	fsk_rx_state_t *v21;
	hdlc_rx_state_t *v21_hdlc;
	modem_connect_tones_rx_state_t *cng, *ced;
	/* image modem */
	int modem, rate;               /* 0: none */
	bool ecm;
	bool short_train;
	int dcs_seen;                  /* DCS count of the observer when configured */
	v17_rx_state_t *v17;
	v29_rx_state_t *v29;
	v27ter_rx_state_t *v27;
	hdlc_rx_state_t *fast_hdlc;
	bool burst;
	uint8_t byte;
	int nbits;
	uint8_t out[64];
	size_t nout;
};

static void faxdemod_v21_frame(void *arg, const uint8_t *pkt, int len, int ok)
{
	struct faxdemod *d = arg;

	if (len <= 0 || pkt == NULL)
		return;                    /* signal status */
	t30scan_hdlc(d->scan, d->dir, pkt, (size_t)len, ok != 0, d->ts);
}

static void faxdemod_v21_bit(void *arg, int bit)
{
	struct faxdemod *d = arg;

	hdlc_rx_put_bit(d->v21_hdlc, bit);
}

static void faxdemod_tone(void *arg, int code, int level, int delay)
{
	struct faxdemod *d = arg;

	(void)level;
	(void)delay;
	if (code == MODEM_CONNECT_TONES_FAX_CNG)
		t30scan_tone(d->scan, d->dir, T30SCAN_TONE_CNG, d->ts);
	else if (code == MODEM_CONNECT_TONES_FAX_CED)
		t30scan_tone(d->scan, d->dir, T30SCAN_TONE_CED, d->ts);
}

static void faxdemod_flush(struct faxdemod *d)
{
	if (d->nout > 0)
		t30scan_image_bytes(d->scan, d->dir, d->out, d->nout);
	d->nout = 0;
}

static void faxdemod_restart_fast(struct faxdemod *d)
{
	if (d->v17 != NULL)
		v17_rx_restart(d->v17, d->rate, d->short_train);
	if (d->v29 != NULL)
		v29_rx_restart(d->v29, d->rate, false);
	if (d->v27 != NULL)
		v27ter_rx_restart(d->v27, d->rate, false);
}

static void faxdemod_burst_end(struct faxdemod *d)
{
	if (!d->burst)
		return;
	d->burst = false;
	if (!d->ecm)
		faxdemod_flush(d);
	t30scan_image_end(d->scan, d->dir, d->ts);
}

/* Bits of the image modem: T.30 non-ECM data, or ECM HDLC frames. */
static void faxdemod_fast_bit(void *arg, int bit)
{
	struct faxdemod *d = arg;

	if (bit < 0) {
		switch (bit) {
		case SIG_STATUS_TRAINING_SUCCEEDED:
			d->burst = true;
			d->byte = 0;
			d->nbits = 0;
			d->nout = 0;
			if (d->ecm)
				hdlc_rx_restart(d->fast_hdlc);
			/* TCF or a page: the observer knows which */
			t30scan_image_begin(d->scan, d->dir, d->ts);
			if (d->modem == 17)
				d->short_train = true;
			break;
		case SIG_STATUS_CARRIER_DOWN:
		case SIG_STATUS_TRAINING_FAILED:
			faxdemod_burst_end(d);
			faxdemod_restart_fast(d);
			break;
		default:
			break;
		}
		return;
	}
	if (!d->burst)
		return;
	if (d->ecm) {
		hdlc_rx_put_bit(d->fast_hdlc, bit);
		return;
	}
	d->byte |= (uint8_t)((bit & 1) << d->nbits);   /* first bit in the LSB */
	if (++d->nbits == 8) {
		d->out[d->nout++] = d->byte;
		d->byte = 0;
		d->nbits = 0;
		if (d->nout == sizeof(d->out))
			faxdemod_flush(d);
	}
}

static void faxdemod_fast_free(struct faxdemod *d)
{
	if (d->v17 != NULL)
		v17_rx_free(d->v17);
	if (d->v29 != NULL)
		v29_rx_free(d->v29);
	if (d->v27 != NULL)
		v27ter_rx_free(d->v27);
	d->v17 = NULL;
	d->v29 = NULL;
	d->v27 = NULL;
	d->modem = 0;
}

/* A new DCS in this direction: the image modem it names, trained long. */
static void faxdemod_configure(struct faxdemod *d)
{
	struct t30scan_dcs dcs;
	const struct t30scan_result *r = t30scan_result(d->scan);

	if (r->dcs_count == d->dcs_seen || !t30scan_dcs_for(d->scan, d->dir, &dcs))
		return;
	d->dcs_seen = r->dcs_count;
	faxdemod_burst_end(d);
	if (dcs.modem != d->modem || dcs.bit_rate != d->rate) {
		faxdemod_fast_free(d);
		d->rate = dcs.bit_rate;
		if (dcs.modem == 17)
			d->v17 = v17_rx_init(NULL, d->rate, faxdemod_fast_bit, d);
		else if (dcs.modem == 29)
			d->v29 = v29_rx_init(NULL, d->rate, faxdemod_fast_bit, d);
		else if (dcs.modem == 27)
			d->v27 = v27ter_rx_init(NULL, d->rate, faxdemod_fast_bit, d);
		d->modem = (d->v17 || d->v29 || d->v27) ? dcs.modem : 0;
	}
	d->ecm = dcs.ecm;
	d->short_train = false;
	faxdemod_restart_fast(d);
}

static void faxdemod_ecm_frame(void *arg, const uint8_t *pkt, int len, int ok)
{
	struct faxdemod *d = arg;

	if (len <= 0 || pkt == NULL)
		return;
	t30scan_hdlc(d->scan, d->dir, pkt, (size_t)len, ok != 0, d->ts);
}

struct faxdemod *faxdemod_new(struct t30scan *scan, int dir)
{
	struct faxdemod *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->scan = scan;
	d->dir = dir;
	d->v21_hdlc = hdlc_rx_init(NULL, false, true, 5, faxdemod_v21_frame, d);
	d->fast_hdlc = hdlc_rx_init(NULL, false, true, 5, faxdemod_ecm_frame, d);
	d->v21 = fsk_rx_init(NULL, &preset_fsk_specs[FSK_V21CH2], FSK_FRAME_MODE_SYNC,
			     faxdemod_v21_bit, d);
	d->cng = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CNG, faxdemod_tone, d);
	d->ced = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CED, faxdemod_tone, d);
	if (d->v21_hdlc == NULL || d->fast_hdlc == NULL || d->v21 == NULL || d->cng == NULL ||
	    d->ced == NULL) {
		faxdemod_free(d);
		return NULL;
	}
	hdlc_rx_set_max_frame_len(d->v21_hdlc, FGW_T30SCAN_MAX_HDLC);
	fsk_rx_signal_cutoff(d->v21, -50.0f);
	hdlc_rx_set_max_frame_len(d->fast_hdlc, FGW_T30SCAN_MAX_HDLC);
	return d;
}

void faxdemod_free(struct faxdemod *d)
{
	if (d == NULL)
		return;
	faxdemod_fast_free(d);
	if (d->v21 != NULL)
		fsk_rx_free(d->v21);
	if (d->v21_hdlc != NULL)
		hdlc_rx_free(d->v21_hdlc);
	if (d->fast_hdlc != NULL)
		hdlc_rx_free(d->fast_hdlc);
	if (d->cng != NULL)
		modem_connect_tones_rx_free(d->cng);
	if (d->ced != NULL)
		modem_connect_tones_rx_free(d->ced);
	free(d);
}

void faxdemod_rx(struct faxdemod *d, const int16_t *amp, size_t n, uint64_t ts)
{
	d->ts = ts;
	faxdemod_configure(d);
	fsk_rx(d->v21, amp, (int)n);
	modem_connect_tones_rx(d->cng, amp, (int)n);
	modem_connect_tones_rx(d->ced, amp, (int)n);
	if (d->v17 != NULL)
		v17_rx(d->v17, amp, (int)n);
	else if (d->v29 != NULL)
		v29_rx(d->v29, amp, (int)n);
	else if (d->v27 != NULL)
		v27ter_rx(d->v27, amp, (int)n);
}

void faxdemod_fillin(struct faxdemod *d, size_t n, uint64_t ts)
{
	d->ts = ts;
	if (d->burst && !d->ecm)
		t30scan_data_lost(d->scan, d->dir);
	fsk_rx_fillin(d->v21, (int)n);
	if (d->v17 != NULL)
		v17_rx_fillin(d->v17, (int)n);
	else if (d->v29 != NULL)
		v29_rx_fillin(d->v29, (int)n);
	else if (d->v27 != NULL)
		v27ter_rx_fillin(d->v27, (int)n);
}

void faxdemod_end(struct faxdemod *d, uint64_t ts)
{
	d->ts = ts;
	faxdemod_burst_end(d);
}
