/*
 * fgwx_dir.h - directories: mkdir -p.
 */
#ifndef FAXGW_UTIL_FGWX_DIR_H
#define FAXGW_UTIL_FGWX_DIR_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Creates path and each missing parent with mode (the umask applies), like
 * mkdir -p.  Directories that already exist (or symbolic links to them)
 * are fine; a component that exists and is not a directory fails with
 * ENOTDIR.  Paths of FGW_MAX_PATH bytes or more fail with ENAMETOOLONG,
 * an empty path with ENOENT, a NULL path with EINVAL.
 *
 * Returns 0, or -1 with errno set and, when err is not NULL, the reason
 * "cannot create directory COMPONENT: STRERROR" in err (errlen bytes,
 * truncated, NUL-terminated), COMPONENT being the prefix of path that
 * failed.  Nothing is removed on failure.
 */
int fgwx_mkdir_p(const char *path, mode_t mode, char *err, size_t errlen);

#endif
