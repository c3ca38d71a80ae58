/*
 * testutil.c - file helpers shared by the Check suites.
 */
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
