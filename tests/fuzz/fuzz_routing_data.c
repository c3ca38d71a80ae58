/*
 * fuzz_routing_data.c - the routing data validators of every shipped
 * method (the sources in gateway/ext, compiled in with their entry symbols renamed by
 * the Makefile): e-mail address lists, URLs, printer names, folders and
 * program names.  Each input is offered to every method's validate and
 * can_enable, as a SET from an administrator would be.
 *
 * Store in folder and Run program resolve paths below a private temporary
 * directory; Print asks a CUPS server on a closed loopback port.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <faxgw/routing.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_EXT(name) \
	int faxgw_routing_init_##name(const struct fgw_route_host *host, \
				      struct fgw_route_extension *ext, char *err, size_t errlen);
FZ_EXT(mail)
FZ_EXT(post_url)
FZ_EXT(print)
FZ_EXT(run_program)
FZ_EXT(store_folder)

#define FZ_NEXT 5

static fgw_routing_init_fn fz_inits[FZ_NEXT] = {
	faxgw_routing_init_mail, faxgw_routing_init_post_url, faxgw_routing_init_print,
	faxgw_routing_init_run_program, faxgw_routing_init_store_folder,
};
static fgw_route_extension fz_ext[FZ_NEXT];
static char fz_guid[FZ_NEXT][64];
static size_t fz_loading;
static char fz_root[64], fz_store[128], fz_exec[128];

static int fz_register(void *host, const char *guid, const char *fn, const char *friendly)
{
	(void)host;
	(void)fn;
	(void)friendly;
	snprintf(fz_guid[fz_loading], sizeof(fz_guid[0]), "%s", guid);
	return 0;
}

static void fz_log(void *host, int level, const char *fmt, ...)
{
	(void)host;
	(void)level;
	(void)fmt;
}

static const char *fz_config(void *host, const char *section, const char *key)
{
	(void)host;
	if (strcmp(key, "valid") == 0)
		return "yes";
	if (strcmp(section, "mail") == 0 && strcmp(key, "smtp-url") == 0)
		return "smtp://127.0.0.1:1";
	if (strcmp(section, "mail") == 0 && strcmp(key, "from-address") == 0)
		return "fax@example.org";
	if (strcmp(section, "http") == 0 && strcmp(key, "timeout") == 0)
		return "1000ms";
	return "";
}

static fgw_route_host fz_host = {
	.abi_version = FGW_ROUTING_ABI_VERSION,
	.register_method = fz_register,
	.log = fz_log,
	.config_value = fz_config,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(fz_root, sizeof(fz_root), "/tmp/faxgw-fuzz-rd-XXXXXX");
	if (mkdtemp(fz_root) == NULL)
		abort();
	snprintf(fz_store, sizeof(fz_store), "%s/fax", fz_root);
	snprintf(fz_exec, sizeof(fz_exec), "%s/exec", fz_root);
	mkdir(fz_store, 0755);
	mkdir(fz_exec, 0755);
	snprintf(err, sizeof(err), "%s/inbox", fz_store);
	mkdir(err, 0755);
	snprintf(err, sizeof(err), "%s/tofax", fz_exec);
	f = fopen(err, "w");
	if (f != NULL) {
		fputs("#!/bin/sh\nexit 0\n", f);
		fclose(f);
		chmod(err, 0755);
	}
	fz_host.store_root = fz_store;
	fz_host.exec_dir = fz_exec;
	fz_host.spool_dir = fz_root;
	setenv("CUPS_SERVER", "127.0.0.1:1", 1);
	for (fz_loading = 0; fz_loading < FZ_NEXT; fz_loading++)
		if (fz_inits[fz_loading](&fz_host, &fz_ext[fz_loading], err, sizeof(err)) != 0)
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[FGW_MAX_ERROR_TEXT];

	if (size > FGW_MAX_ROUTING_DATA)
		return 0;
	for (size_t i = 0; i < FZ_NEXT; i++) {
		/* The host never passes more than FGW_MAX_ROUTING_DATA bytes. */
		memset(reason, 0x55, sizeof(reason));
		if (fz_ext[i].validate(&fz_host, fz_guid[i], 1, size ? (const void *)data : "",
				       size, reason, sizeof(reason)) != 0 &&
		    memchr(reason, '\0', sizeof(reason)) == NULL)
			abort();
		memset(reason, 0x55, sizeof(reason));
		if (fz_ext[i].can_enable(&fz_host, fz_guid[i], 1, size ? (const void *)data : "",
					 size, reason, sizeof(reason)) != 0 &&
		    (memchr(reason, '\0', sizeof(reason)) == NULL || reason[0] == '\0'))
			abort();
	}
	return 0;
}
