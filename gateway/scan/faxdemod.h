/*
 * faxdemod.h - a passive fax modem bank for one direction of a G.711 call:
 * spandsp's V.21 channel 2 receiver with an HDLC receiver for the T.30
 * control frames (T.30 clause 5.3, ITU-T V.21), and the image modem
 * announced by the last DCS of the same direction (V.27ter, V.29 or V.17)
 * feeding an HDLC receiver (ECM, T.30 Annex A) or the non-ECM image data,
 * plus CNG / CED detection.  Everything it finds goes to a t30scan
 * observer, tagged with the direction.  It only listens.
 *
 * Ownership: the observer is borrowed and must outlive the bank;
 * faxdemod_free() accepts NULL.
 */
#ifndef FAXGW_MEDIA_FAXDEMOD_H
#define FAXGW_MEDIA_FAXDEMOD_H

#include <stddef.h>
#include <stdint.h>

#include "t30scan.h"

struct faxdemod *faxdemod_new(struct t30scan *scan, int dir);
void faxdemod_free(struct faxdemod *d);

/* n linear samples at 8 kHz received at capture time ts_us. */
void faxdemod_rx(struct faxdemod *d, const int16_t *amp, size_t n, uint64_t ts_us);
/* n samples missing (lost packets). */
void faxdemod_fillin(struct faxdemod *d, size_t n, uint64_t ts_us);
/* End of the stream: closes an image burst still open. */
void faxdemod_end(struct faxdemod *d, uint64_t ts_us);

#endif
