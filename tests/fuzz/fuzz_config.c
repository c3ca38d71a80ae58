/*
 * fuzz_config.c - libFuzzer harness for the faxgwd.conf parser.
 *
 * Feeds the input as a config file, checks that a load either fails with
 * at least one error or succeeds with a consistent configuration, and
 * that every error is a terminated "NAME:..." string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(const struct config *c)
{
	if (c->nports == 0)
		abort();
	for (size_t i = 0; i < c->nports; i++) {
		const struct config_port *p = &c->ports[i];
		if (p->id == 0 || p->id > FGW_MAX_PORT_ID || config_find_port(c, p->id) != p)
			abort();
		if (i > 0 && c->ports[i - 1].id >= p->id)
			abort();
		if (p->transport != CONFIG_T38 && p->transport != CONFIG_AUDIO)
			abort();
		if (p->listen_len == 0 || strnlen(p->name, sizeof(p->name)) == sizeof(p->name) ||
		    strnlen(p->local_ident, sizeof(p->local_ident)) > FGW_MAX_IDENT)
			abort();
	}
	if (c->retry_attempts < 1 || c->retry_attempts > FGW_MAX_RETRY_ATTEMPTS)
		abort();
	if (c->http.present && (c->http.timeout_ms < 1000 || c->http.timeout_ms > 600000))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config_errors errs;
	struct config *c = NULL;

	if (config_load_string("fuzz.conf", (const char *)data, size, &c, &errs) == 0) {
		if (c == NULL || errs.n != 0)
			abort();
		fuzz_check(c);
	} else {
		if (c != NULL || errs.n == 0)
			abort();
		for (size_t i = 0; i < errs.n; i++)
			if (strncmp(errs.msg[i], "fuzz.conf:", 10) != 0 ||
			    strnlen(errs.msg[i], sizeof(errs.msg[i])) == sizeof(errs.msg[i]))
				abort();
	}
	config_free(c);
	return 0;
}
