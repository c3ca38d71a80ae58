/*
 * test_extension.c - the routing extension loader and the two shipped
 * extensions (Store in folder, Run program).
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <faxgw/admin.h>
#include <faxgw/routing.h>

#include "caps.h"
#include "testutil.h"
#include "config.h"
#include "extension.h"

Suite *extension_suite(void);

#define SF_GUID "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"
#define RP_GUID "{57b68a34-09e7-416d-82b1-7e98d07dbdaf}"
#define OK_GUID1 "{00000000-0000-4000-8000-000000000001}"
#define OK_GUID2 "{00000000-0000-4000-8000-000000000002}"

static char tx_root[256];
static char tx_path[4][1024];
static struct config *tx_cfg;
static struct extension_set *tx_ext;

/* root/rel in one of four rotating buffers (so two can be used at once). */
static const char *tx_p(const char *rel)
{
	static unsigned next;
	char *p = tx_path[next++ % 4];

	snprintf(p, sizeof(tx_path[0]), "%s/%s", tx_root, rel);
	return p;
}

static void tx_write(const char *rel, const char *text, mode_t mode)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tx_root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

/* Copies a built .so (FAXGW_BUILD_DIR/rel) into the extensions dir as name. */
static void tx_install(const char *rel, const char *name)
{
	char dst[1024];

	snprintf(dst, sizeof(dst), "%s/ext/%s", tx_root, name);
	testutil_install_built(rel, dst);
}

static void tx_config_load(void)
{
	tx_cfg = testutil_config(tx_root,
				 "admin-group =\n"
				 "query-group =\n"
				 "[port 1]\n"
				 "transport = t38\n"
				 "listen = 127.0.0.1:4000\n"
				 "[port 2]\n"
				 "transport = audio\n"
				 "listen = 127.0.0.1:4002\n"
				 "[http]\n"
				 "timeout = 7s\n");
}

static void tx_setup(void)
{
	snprintf(tx_root, sizeof(tx_root), "/tmp/faxgw-ext-XXXXXX");
	ck_assert(mkdtemp(tx_root) != NULL);
	mkdir(tx_p("ext"), 0755);
	mkdir(tx_p("fax"), 0755);
	mkdir(tx_p("fax/inbox"), 0755);
	mkdir(tx_p("exec"), 0755);
	mkdir(tx_p("spool"), 0755);
	mkdir(tx_p("outside"), 0755);
	tx_config_load();
	tx_ext = NULL;
}

static void tx_teardown(void)
{
	extension_set_free(tx_ext);
	config_free(tx_cfg);
	testutil_rmtree(tx_root);
}

static void tx_load(void)
{
	char err[256];

	extension_set_free(tx_ext);
	tx_ext = NULL;
	ck_assert_int_eq(extension_set_load(tx_cfg, &tx_ext, err, sizeof(err)), 0);
}

/* The image whose path ends in name, or NULL. */
static const struct extension_image *tx_image(const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < extension_count(tx_ext); i++) {
		const struct extension_image *img = extension_at(tx_ext, i);
		size_t pl = strlen(img->path);
		if (pl >= nl && strcmp(img->path + pl - nl, name) == 0)
			return img;
	}
	return NULL;
}

/* --- loader ------------------------------------------------------------------ */

START_TEST(test_guid_form)
{
	ck_assert(extension_guid_valid(SF_GUID));
	ck_assert(!extension_guid_valid("{92041A90-9af2-11d0-abf7-00c04fd91a4e}"));
	ck_assert(!extension_guid_valid("92041a90-9af2-11d0-abf7-00c04fd91a4e"));
	ck_assert(!extension_guid_valid("{92041a90-9af2-11d0-abf7-00c04fd91a4e"));
	ck_assert(!extension_guid_valid("{92041a909-af2-11d0-abf7-00c04fd91a4e}"));
	ck_assert(!extension_guid_valid("{92041a90-9af2-11d0-abf7-00c04fd91a4g}"));
	ck_assert(!extension_guid_valid(""));
	ck_assert(!extension_guid_valid(NULL));
}
END_TEST

START_TEST(test_load_good_and_broken)
{
	tx_install("routing/store_folder.so", "store_folder.so");
	tx_install("routing/run_program.so", "run_program.so");
	tx_install("test-ext/test_ok.so", "test_ok.so");
	tx_install("test-ext/no_entry.so", "no_entry.so");
	tx_install("test-ext/bad_abi.so", "bad_abi.so");
	tx_install("test-ext/init_fails.so", "init_fails.so");
	tx_install("test-ext/missing_fn.so", "missing_fn.so");
	tx_install("test-ext/crash_route.so", "crash_route.so");
	tx_write("ext/README", "not an extension\n", 0644);
	tx_load();

	ck_assert_uint_eq(extension_count(tx_ext), 8);
	/* Sorted by name. */
	for (size_t i = 1; i < extension_count(tx_ext); i++)
		ck_assert(strcmp(extension_at(tx_ext, i - 1)->path, extension_at(tx_ext, i)->path) < 0);
	ck_assert_uint_eq(extension_failures(tx_ext), 4);

	const struct extension_image *img = tx_image("/no_entry.so");
	ck_assert(img != NULL && !img->loaded);
	ck_assert_ptr_nonnull(strstr(img->error, "faxgw_routing_init"));
	img = tx_image("/bad_abi.so");
	ck_assert(img != NULL && !img->loaded);
	ck_assert_ptr_nonnull(strstr(img->error, "ABI version 1 is not supported"));
	img = tx_image("/init_fails.so");
	ck_assert(img != NULL && !img->loaded);
	ck_assert_ptr_nonnull(strstr(img->error, "backing service is unavailable"));
	img = tx_image("/missing_fn.so");
	ck_assert(img != NULL && !img->loaded);
	ck_assert_ptr_nonnull(strstr(img->error, "NoSuchRoutingFunction"));

	img = tx_image("/store_folder.so");
	ck_assert(img != NULL && img->loaded);
	ck_assert_str_eq(img->friendly_name, "faxgw standard routing: store in folder");
	ck_assert_uint_eq(img->method_count, 1);
	ck_assert_str_eq(img->error, "");
	ck_assert_uint_eq(tx_image("/test_ok.so")->method_count, 2);

	/* Methods of failed images are forgotten (rollback). */
	ck_assert_uint_eq(extension_method_count(tx_ext), 5);
	ck_assert_ptr_null(extension_method_find(tx_ext, "{00000000-0000-4000-8000-000000000005}", NULL));
	ck_assert_ptr_null(extension_method_find(tx_ext, "{00000000-0000-4000-8000-000000000003}", NULL));

	const struct extension_method *m = extension_method_find(tx_ext, SF_GUID, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->function_name, "RouteStoreInFolder");
	ck_assert_str_eq(m->friendly_name, "Store in folder");
	ck_assert_ptr_nonnull(m->fn);
	ck_assert_ptr_eq((void *)extension_routing_fn(tx_ext, SF_GUID), (void *)m->fn);
	/* Case-insensitive lookup. */
	ck_assert_ptr_eq(extension_method_find(tx_ext, "{92041A90-9AF2-11D0-ABF7-00C04FD91A4E}", NULL),
			 m);
	ck_assert_ptr_nonnull(extension_method_find(tx_ext, RP_GUID, NULL));
	ck_assert_ptr_nonnull(extension_method_find(tx_ext, "{00000000-0000-4000-8000-000000000004}",
						    NULL));
}
END_TEST

START_TEST(test_unsafe_files_refused)
{
	char target[1024];

	tx_install("test-ext/test_ok.so", "a_writable.so");
	chmod(tx_p("ext/a_writable.so"), 0757);
	tx_install("test-ext/crash_route.so", "b_owned.so");
	/* As root the file is given away; otherwise it is made world-writable. */
	if (chown(tx_p("ext/b_owned.so"), 12345, 12345) != 0)
		chmod(tx_p("ext/b_owned.so"), 0757);
	snprintf(target, sizeof(target), "%s/routing/store_folder.so", FAXGW_BUILD_DIR);
	ck_assert_int_eq(symlink(target, tx_p("ext/c_link.so")), 0);
	mkdir(tx_p("ext/sub"), 0755);
	tx_install("routing/run_program.so", "sub/run_program.so");
	tx_install("routing/run_program.so", ".hidden.so");
	tx_load();

	ck_assert_uint_eq(extension_count(tx_ext), 3);
	ck_assert_ptr_nonnull(strstr(tx_image("/a_writable.so")->error, "writable by everyone"));
	ck_assert_ptr_nonnull(strstr(tx_image("/b_owned.so")->error,
				     geteuid() == 0 ? "owned by uid 12345" : "writable by everyone"));
	ck_assert_ptr_nonnull(strstr(tx_image("/c_link.so")->error, "symbolic link"));
	ck_assert_uint_eq(extension_method_count(tx_ext), 0);
	ck_assert_uint_eq(extension_failures(tx_ext), 3);
}
END_TEST

START_TEST(test_unsafe_directory_refused)
{
	tx_install("routing/store_folder.so", "store_folder.so");
	chmod(tx_p("ext"), 0777);
	tx_load();
	ck_assert_uint_eq(extension_count(tx_ext), 1);
	ck_assert(!extension_at(tx_ext, 0)->loaded);
	ck_assert_ptr_nonnull(strstr(extension_at(tx_ext, 0)->error, "writable by everyone"));
	ck_assert_uint_eq(extension_method_count(tx_ext), 0);

	chmod(tx_p("ext"), 0755);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(tx_p("ext"), 12345, 12345), 0);
		tx_load();
		ck_assert_uint_eq(extension_count(tx_ext), 1);
		ck_assert_ptr_nonnull(strstr(extension_at(tx_ext, 0)->error, "owned by uid 12345"));
		ck_assert_uint_eq(extension_failures(tx_ext), 1);
	}

	snprintf(tx_cfg->extensions, sizeof(tx_cfg->extensions), "%s/nonexistent", tx_root);
	tx_load();
	ck_assert_uint_eq(extension_failures(tx_ext), 1);
	ck_assert_ptr_nonnull(strstr(extension_at(tx_ext, 0)->error, "No such file"));
}
END_TEST

START_TEST(test_duplicate_guid_refused)
{
	tx_install("test-ext/test_ok.so", "a_test.so");
	tx_install("test-ext/test_ok.so", "b_test.so");
	tx_load();
	ck_assert(tx_image("/a_test.so")->loaded);
	ck_assert(!tx_image("/b_test.so")->loaded);
	ck_assert_uint_eq(extension_method_count(tx_ext), 2);
}
END_TEST

START_TEST(test_host_services)
{
	void *h;
	char *timeout;
	const fgw_route_host *host;

	tx_install("test-ext/test_ok.so", "test_ok.so");
	tx_load();
	host = extension_host(tx_ext);
	ck_assert_uint_eq(host->abi_version, FGW_ROUTING_ABI_VERSION);
	ck_assert_str_eq(host->store_root, tx_cfg->store_root);
	ck_assert_str_eq(host->config_value(host->host, "http", "timeout"), "7000ms");
	ck_assert_str_eq(host->config_value(host->host, "http", "attach"), "pdf");
	ck_assert_str_eq(host->config_value(host->host, "http", "valid"), "yes");
	ck_assert_ptr_null(host->config_value(host->host, "http", "nokey"));
	ck_assert_ptr_null(host->config_value(host->host, "mail", "smtp-url"));
	ck_assert_int_eq(host->register_method(host->host, "{00000000-0000-4000-8000-00000000000a}",
					       "X", "x"), -1);

	h = dlopen(tx_p("ext/test_ok.so"), RTLD_NOW | RTLD_NOLOAD);
	ck_assert_ptr_nonnull(h);
	timeout = dlsym(h, "test_ok_http_timeout");
	ck_assert_ptr_nonnull(timeout);
	ck_assert_str_eq(timeout, "7000ms");
	int *changes = dlsym(h, "test_ok_changes");
	extension_device_change(tx_ext, OK_GUID1, 1, 1, "good", 4);
	ck_assert_int_eq(*changes, 1);
	dlclose(h);

	char reason[256];
	ck_assert_int_eq(extension_validate(tx_ext, OK_GUID1, 1, "good one", 8, reason, sizeof(reason)),
			 0);
	ck_assert_int_eq(extension_validate(tx_ext, OK_GUID1, 1, "bad", 3, reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	ck_assert_str_eq(reason, "test data must start with 'good'");
	ck_assert_int_eq(extension_can_enable(tx_ext, OK_GUID2, 1, "", 0, reason, sizeof(reason)),
			 FGW_E_NOT_ENABLEABLE);
	ck_assert_int_eq(extension_validate(tx_ext, SF_GUID, 1, "x", 1, reason, sizeof(reason)),
			 FGW_E_NO_METHOD);
}
END_TEST

/* --- Store in folder ------------------------------------------------------------ */

static int tx_sf_validate(const char *folder, char *reason, size_t reasonlen)
{
	return extension_validate(tx_ext, SF_GUID, 1, folder, strlen(folder), reason, reasonlen);
}

START_TEST(test_store_folder_validate)
{
	char reason[512], path[1200], root[300];

	tx_install("routing/store_folder.so", "store_folder.so");
	tx_load();
	snprintf(root, sizeof(root), "%s/fax", tx_root);

	ck_assert_int_eq(tx_sf_validate(tx_p("fax/inbox"), reason, sizeof(reason)), 0);
	/* Plain outside. */
	ck_assert_int_eq(tx_sf_validate(tx_p("outside"), reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "not below store-root"));
	/* Escape through "..". */
	snprintf(path, sizeof(path), "%s/inbox/../../outside", root);
	ck_assert_int_eq(tx_sf_validate(path, reason, sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "not below store-root"));
	/* Escape through a symbolic link. */
	ck_assert_int_eq(symlink(tx_p("outside"), tx_p("fax/link")), 0);
	ck_assert_int_eq(tx_sf_validate(tx_p("fax/link"), reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "not below store-root"));
	/* A prefix that is not a path component: /x/fax-evil is not below /x/fax. */
	mkdir(tx_p("fax-evil"), 0755);
	ck_assert_int_eq(tx_sf_validate(tx_p("fax-evil"), reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	/* store-root itself. */
	ck_assert_int_eq(tx_sf_validate(root, reason, sizeof(reason)), FGW_E_BAD_DATA);
	snprintf(path, sizeof(path), "%s/inbox/..", root);
	ck_assert_int_eq(tx_sf_validate(path, reason, sizeof(reason)), FGW_E_BAD_DATA);
	/* Missing, relative, a file, empty, NUL inside, too long. */
	ck_assert_int_eq(tx_sf_validate(tx_p("fax/nope"), reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "does not exist"));
	ck_assert_int_eq(tx_sf_validate("fax/inbox", reason, sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "absolute"));
	tx_write("fax/file", "x", 0644);
	ck_assert_int_eq(tx_sf_validate(tx_p("fax/file"), reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "not a directory"));
	ck_assert_int_eq(extension_can_enable(tx_ext, SF_GUID, 1, "", 0, reason, sizeof(reason)),
			 FGW_E_NOT_ENABLEABLE);
	snprintf(path, sizeof(path), "%s", tx_p("fax/inbox"));
	size_t pl = strlen(path);
	path[pl - 2] = '\0';
	ck_assert_int_eq(extension_validate(tx_ext, SF_GUID, 1, path, pl, reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	char longp[1100];
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	ck_assert_int_eq(extension_validate(tx_ext, SF_GUID, 1, longp, sizeof(longp), reason,
					    sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_int_eq(extension_validate(tx_ext, SF_GUID, 1, "/tmp/\xff", 6, reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
}
END_TEST

static fgw_fax tx_fax(const char *path)
{
	fgw_fax fax;

	memset(&fax, 0, sizeof(fax));
	fax.job_id = 42;
	fax.port_id = 1;
	fax.port_name = "t38-1";
	fax.path = path;
	fax.remote_ident = "+1 555 0199";
	fax.local_ident = "+1 555 0100";
	fax.caller_address = "127.0.0.1:5000";
	fax.start_time = 1700000000;
	fax.end_time = 1700000060;
	fax.pages = 3;
	fax.x_resolution = 8031;
	fax.y_resolution = 3850;
	fax.bit_rate = 14400;
	fax.ecm = 1;
	fax.t30_status = 0;
	fax.t30_text = "OK";
	return fax;
}

static int tx_count_entries(const char *dir, const char *prefix)
{
	char cmd[1200];
	FILE *f;
	int n = 0;
	char line[512];

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	f = popen(cmd, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	if (f != NULL)
		pclose(f);
	return n;
}

START_TEST(test_store_folder_route)
{
	char msg[1024], msg2[1024], folder[1024], spooled[1024], buf[64];
	const char *content = "II*\0fake tiff content";
	fgw_routing_fn fn;
	fgw_fax fax;
	int fd;

	tx_install("routing/store_folder.so", "store_folder.so");
	tx_load();
	fd = open(tx_p("spool/job42.tif"), O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, content, 21), 21);
	close(fd);
	snprintf(spooled, sizeof(spooled), "%s", tx_p("spool/job42.tif"));
	fax = tx_fax(spooled);
	snprintf(folder, sizeof(folder), "%s", tx_p("fax/inbox"));
	fn = extension_routing_fn(tx_ext, SF_GUID);
	ck_assert_ptr_nonnull(fn);

	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, folder, strlen(folder), msg, sizeof(msg)),
			 FGW_ROUTE_OK);
	ck_assert_ptr_nonnull(strstr(msg, "/fax/inbox/fax-42-p1-"));
	ck_assert_ptr_nonnull(strstr(msg, ".tif"));
	fd = open(msg, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 21);
	ck_assert_int_eq(memcmp(buf, content, 21), 0);
	close(fd);
	/* The same fax again (its routing ran twice): stored once. */
	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, folder, strlen(folder), msg2, sizeof(msg2)),
			 FGW_ROUTE_OK);
	ck_assert_ptr_nonnull(strstr(msg2, "(stored before)"));
	ck_assert_int_eq(tx_count_entries(folder, "fax-42-p1-"), 1);
	/* Other bytes under the same name never overwrite: a second name. */
	fd = open(spooled, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "another fax", 11), 11);
	close(fd);
	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, folder, strlen(folder), msg2, sizeof(msg2)),
			 FGW_ROUTE_OK);
	ck_assert_str_ne(msg, msg2);
	ck_assert_int_eq(tx_count_entries(folder, "fax-42-p1-"), 2);
	ck_assert_int_eq(tx_count_entries(folder, "."), 0);

	/* A folder removed since is a retryable failure with the reason. */
	char gone[1024];
	snprintf(gone, sizeof(gone), "%s", tx_p("fax/gone"));
	mkdir(gone, 0755);
	rmdir(gone);
	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, gone, strlen(gone), msg, sizeof(msg)),
			 FGW_ROUTE_RETRY);
	ck_assert_ptr_nonnull(strstr(msg, "does not exist"));
	/* A missing spool file: retry, no temporary left behind. */
	fax.path = "/nonexistent/fax.tif";
	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, folder, strlen(folder), msg, sizeof(msg)),
			 FGW_ROUTE_RETRY);
	ck_assert_int_eq(tx_count_entries(folder, "."), 0);
}
END_TEST

/* --- Run program ---------------------------------------------------------------- */

static int tx_rp_validate(const char *name, char *reason, size_t reasonlen)
{
	return extension_validate(tx_ext, RP_GUID, 1, name, strlen(name), reason, reasonlen);
}

START_TEST(test_run_program_validate)
{
	char reason[512];

	tx_install("routing/run_program.so", "run_program.so");
	tx_load();
	tx_write("exec/good.sh", "#!/bin/sh\nexit 0\n", 0755);
	tx_write("exec/noexec.sh", "#!/bin/sh\nexit 0\n", 0644);
	tx_write("exec/worldw.sh", "#!/bin/sh\nexit 0\n", 0757);
	tx_write("outside/evil.sh", "#!/bin/sh\nexit 0\n", 0755);
	ck_assert_int_eq(symlink(tx_p("outside/evil.sh"), tx_p("exec/linkout")), 0);
	ck_assert_int_eq(symlink("good.sh", tx_p("exec/linkin")), 0);
	mkdir(tx_p("exec/subdir"), 0755);

	ck_assert_int_eq(tx_rp_validate("good.sh", reason, sizeof(reason)), 0);
	ck_assert_int_eq(tx_rp_validate("linkin", reason, sizeof(reason)), 0);
	ck_assert_int_eq(tx_rp_validate("linkout", reason, sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "outside exec-dir"));
	ck_assert_int_eq(tx_rp_validate("noexec.sh", reason, sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_int_eq(tx_rp_validate("worldw.sh", reason, sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "writable by everyone"));
	ck_assert_int_eq(tx_rp_validate("../outside/evil.sh", reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	ck_assert_int_eq(tx_rp_validate(tx_p("outside/evil.sh"), reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
	ck_assert_int_eq(tx_rp_validate("..", reason, sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_int_eq(tx_rp_validate("subdir", reason, sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_int_eq(tx_rp_validate("missing", reason, sizeof(reason)), FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(reason, "does not exist"));
	ck_assert_int_eq(extension_can_enable(tx_ext, RP_GUID, 1, "", 0, reason, sizeof(reason)),
			 FGW_E_NOT_ENABLEABLE);
	ck_assert_int_eq(extension_validate(tx_ext, RP_GUID, 1, "good.sh\0x", 9, reason, sizeof(reason)),
			 FGW_E_BAD_DATA);
}
END_TEST

START_TEST(test_run_program_route)
{
	char msg[FGW_MAX_PROGRAM_OUTPUT + 64];
	fgw_routing_fn fn;
	fgw_fax fax = tx_fax("/spool/fax 42.tif");

	tx_install("routing/run_program.so", "run_program.so");
	tx_load();
	tx_write("exec/env.sh",
		 "#!/bin/sh\n"
		 "echo first line\n"
		 "echo to stderr >&2\n"
		 "printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\\n' \"$1\" \"$FAXGW_JOB_ID\" "
		 "\"$FAXGW_PORT_NAME\" \"$FAXGW_REMOTE_IDENT\" \"$FAXGW_PAGES\" "
		 "\"$FAXGW_RESOLUTION\" \"$FAXGW_ECM\" \"$PATH\" \"$FAXGW_FAX_FILE\"\n"
		 "read x && echo stdin was not empty\n"
		 "exit 0\n", 0755);
	tx_write("exec/quality.sh",
		 "#!/bin/sh\nprintf '%s|%s|%s|%s\\n' \"$FAXGW_DEGRADED_PAGES\" \"$FAXGW_BAD_ROWS\" "
		 "\"$FAXGW_LONGEST_BAD_RUN\" \"$FAXGW_DEGRADED_LIST\"\n", 0755);
	tx_write("exec/fail.sh", "#!/bin/sh\necho cannot deliver\nexit 3\n", 0755);
	tx_write("exec/slow.sh", "#!/bin/sh\necho started\nsleep 30\n", 0755);
	tx_write("exec/noise.sh",
		 "#!/bin/sh\ni=0\nwhile [ $i -lt 2000 ]; do echo \"line $i of noise output\"; "
		 "i=$((i+1)); done\necho the end\n", 0755);
	fn = extension_routing_fn(tx_ext, RP_GUID);
	ck_assert_ptr_nonnull(fn);

	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, "env.sh", 6, msg, sizeof(msg)),
			 FGW_ROUTE_OK);
	ck_assert_str_eq(msg, "/spool/fax 42.tif|42|t38-1|+1 555 0199|3|8031x3850|1|"
			 "/usr/bin:/bin|/spool/fax 42.tif");

	/* Page quality: an intact fax (and an fgw_fax zeroed past what an
	 * older host filled in) says 0; a degraded one says so. */
	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, "quality.sh", 10, msg, sizeof(msg)),
			 FGW_ROUTE_OK);
	ck_assert_str_eq(msg, "0|0|0|");
	fax.degraded_pages = 2;
	fax.bad_rows = 110;
	fax.longest_bad_run = 60;
	fax.degraded_list = "2,3";
	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, "quality.sh", 10, msg, sizeof(msg)),
			 FGW_ROUTE_OK);
	ck_assert_str_eq(msg, "2|110|60|2,3");

	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, "fail.sh", 7, msg, sizeof(msg)),
			 FGW_ROUTE_RETRY);
	ck_assert_str_eq(msg, "exit status 3: cannot deliver");

	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, "noise.sh", 8, msg, sizeof(msg)),
			 FGW_ROUTE_OK);
	ck_assert_str_eq(msg, "the end");

	setenv("FAXGW_RUN_PROGRAM_TIMEOUT", "1", 1);
	time_t t0 = time(NULL);
	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, "slow.sh", 7, msg, sizeof(msg)),
			 FGW_ROUTE_RETRY);
	ck_assert_int_le(time(NULL) - t0, 5);
	ck_assert_ptr_nonnull(strstr(msg, "time limit of 1 s: started"));

	ck_assert_int_eq(fn(extension_host(tx_ext), &fax, "missing", 7, msg, sizeof(msg)),
			 FGW_ROUTE_RETRY);
	ck_assert_ptr_nonnull(strstr(msg, "does not exist"));
}
END_TEST

Suite *extension_suite(void)
{
	Suite *s = suite_create("extension");
	TCase *tc = tcase_create("loader");

	tcase_add_checked_fixture(tc, tx_setup, tx_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_guid_form);
	tcase_add_test(tc, test_load_good_and_broken);
	tcase_add_test(tc, test_unsafe_files_refused);
	tcase_add_test(tc, test_unsafe_directory_refused);
	tcase_add_test(tc, test_duplicate_guid_refused);
	tcase_add_test(tc, test_host_services);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped");
	tcase_add_checked_fixture(tc, tx_setup, tx_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_store_folder_validate);
	tcase_add_test(tc, test_store_folder_route);
	tcase_add_test(tc, test_run_program_validate);
	tcase_add_test(tc, test_run_program_route);
	suite_add_tcase(s, tc);
	return s;
}
