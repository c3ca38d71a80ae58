/*
 * testutil.c - file helpers shared by the Check suites.
 */
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

void testutil_install_built(const char *rel, const char *dst)
{
	char src[1024], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/%s", FAXGW_BUILD_DIR, rel);
	in = open(src, O_RDONLY);
	ck_assert_msg(in >= 0, "%s: %s (build it first)", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static int testutil_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void testutil_rmtree(const char *dir)
{
	nftw(dir, testutil_rm, 16, FTW_DEPTH | FTW_PHYS);
}

struct config *testutil_config(const char *root, const char *rest)
{
	struct config_errors *errs = calloc(1, sizeof(*errs));
	struct config *cfg = NULL;
	char text[8192];
	int n;

	ck_assert_ptr_nonnull(errs);
	n = snprintf(text, sizeof(text),
		     "[gateway]\n"
		     "spool = %1$s/spool\n"
		     "state = %1$s/state.db\n"
		     "control = %1$s/faxgw.sock\n"
		     "extensions = %1$s/ext\n"
		     "store-root = %1$s/fax\n"
		     "exec-dir = %1$s/exec\n"
		     "%2$s",
		     root, rest);
	ck_assert(n > 0 && (size_t)n < sizeof(text));
	ck_assert_msg(config_load_string("test.conf", text, strlen(text), &cfg, errs) == 0,
		      "config: %s", errs->n ? errs->msg[0] : "?");
	free(errs);
	return cfg;
}
