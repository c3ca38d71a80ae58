/*
 * fuzz_spool_meta.c - libFuzzer harness for the reception sidecar parser
 * (spool_sidecar.h: spool/tmp/NAME.meta, outside input at recovery).
 *
 * The input is one sidecar file.  A parse must fail with a "sidecar ..."
 * reason and a zeroed record, or succeed with every field in range and
 * terminated; then formatting the record gives back the input byte for
 * byte (the format is canonical), and recovery's decision on it, for a few
 * page counts of the file, gives a consistent fax (never complete without
 * every confirmed page in the file).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "spool.h"
#include "spool_sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_zero(const struct spool_sidecar *sc)
{
	static const struct spool_sidecar zero;

	return memcmp(sc, &zero, sizeof(zero)) == 0;
}

static void fz_check_record(const struct spool_sidecar *sc)
{
	if (sc->port_id == 0 || sc->port_id > FGW_MAX_PORT_ID || sc->pages > FGW_MAX_RX_PAGES ||
	    sc->start_time < 0 || sc->update_time < 0 || sc->t30_status < 0)
		abort();
	if (strnlen(sc->port_name, sizeof(sc->port_name)) == sizeof(sc->port_name) ||
	    strnlen(sc->remote_ident, sizeof(sc->remote_ident)) == sizeof(sc->remote_ident) ||
	    strnlen(sc->local_ident, sizeof(sc->local_ident)) == sizeof(sc->local_ident) ||
	    strnlen(sc->caller, sizeof(sc->caller)) == sizeof(sc->caller) ||
	    strnlen(sc->t30_text, sizeof(sc->t30_text)) == sizeof(sc->t30_text) ||
	    strnlen(sc->degraded_list, sizeof(sc->degraded_list)) == sizeof(sc->degraded_list) ||
	    strnlen(sc->degraded_detail, sizeof(sc->degraded_detail)) ==
	    sizeof(sc->degraded_detail))
		abort();
	if (sc->version < 1 || sc->version > SPOOL_SIDECAR_VERSION ||
	    sc->degraded_pages > FGW_MAX_RX_PAGES)
		abort();
}

static void fz_check_decision(const struct spool_sidecar *sc)
{
	const int in_file[] = { 0, 1, (int)sc->pages, (int)sc->pages + 1 };
	struct spool_fax fax;

	for (size_t i = 0; i < sizeof(in_file) / sizeof(in_file[0]); i++) {
		spool_fax_from_sidecar(sc, in_file[i], &fax);
		if (fax.port_id != sc->port_id || fax.pages != (uint32_t)in_file[i])
			abort();
		if (!fax.partial && (sc->pages == 0 || fax.pages != sc->pages))
			abort();
		if (strnlen(fax.t30_text, sizeof(fax.t30_text)) == sizeof(fax.t30_text))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[FGW_MAX_SIDECAR + 1];
	static struct spool_sidecar sc, back;
	char err[FGW_MAX_ERROR_TEXT];
	size_t len = 0;

	err[0] = '\0';
	if (spool_sidecar_parse((const char *)data, size, &sc, err, sizeof(err)) != 0) {
		if (strncmp(err, "sidecar", 7) != 0 || !fz_zero(&sc))
			abort();
		return 0;
	}
	fz_check_record(&sc);
	if (spool_sidecar_format(&sc, text, sizeof(text), &len, err, sizeof(err)) != 0)
		abort();
	if (len != size || memcmp(text, data, size) != 0)
		abort();
	if (spool_sidecar_parse(text, len, &back, err, sizeof(err)) != 0 ||
	    memcmp(&sc, &back, sizeof(sc)) != 0)
		abort();
	fz_check_decision(&sc);
	return 0;
}
