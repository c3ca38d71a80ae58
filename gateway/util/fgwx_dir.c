/*
 * fgwx_dir.c - mkdir -p (fgwx_dir.h).
 */
#include "fgwx_dir.h"

#include <errno.h>
#include <faxgw/limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* One component: made now, or already a directory. */
static int fgwx_mkdir_one(const char *dir, mode_t mode)
{
	struct stat st;

	if (mkdir(dir, mode) == 0)
		return 0;
	int e = errno;
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		e = ENOTDIR;
	}
	errno = e;
	return -1;
}

int fgwx_mkdir_p(const char *path, mode_t mode, char *err, size_t errlen)
{
	char dir[FGW_MAX_PATH];
	size_t len = path != NULL ? strlen(path) : 0;

	if (path == NULL || len == 0 || len >= sizeof(dir)) {
		errno = path == NULL ? EINVAL : len == 0 ? ENOENT : ENAMETOOLONG;
		snprintf(dir, sizeof(dir), "%.80s%s", path != NULL ? path : "(null)",
			 len > 80 ? "..." : "");
		goto fail;
	}
	memcpy(dir, path, len + 1);
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		if (fgwx_mkdir_one(dir, mode) != 0)
			goto fail;
		*p = '/';
	}
	if (fgwx_mkdir_one(dir, mode) == 0)
		return 0;
fail:;
	int e = errno;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(e));
	errno = e;
	return -1;
}
