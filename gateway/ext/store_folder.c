/*
 * store_folder.c - the "Store in folder" routing method (faxgw-methods(7)).
 *
 * Routing data: the absolute path of a directory (UTF-8 text, no NUL)
 * that resolves (realpath) strictly below the configured store-root, is a
 * directory and is writable by faxgwd.  The routing function copies the
 * fax into it atomically: a temporary file in the folder, fsync, a rename
 * that never replaces an existing file, fsync of the folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/routing_entry.h"
#include "fgwx_text.h"
#include <faxgw/routing.h>

#define SF_GUID "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"
#define SF_FUNCTION "RouteStoreInFolder"
#define SF_MAX_SUFFIX 1000            /* name collisions tried per fax */

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status RouteStoreInFolder(const fgw_route_host *host, const fgw_fax *fax,
				    const void *data, size_t len, char *msg, size_t msglen);

/* Checks the data and resolves it: real receives the realpath of the
 * folder (PATH_MAX bytes).  0, or -1 with a reason. */
static int sf_resolve(const fgw_route_host *host, const void *data, size_t len, char *real,
		      char *reason, size_t reasonlen)
{
	char path[PATH_MAX], root[PATH_MAX];
	struct stat sb;
	size_t rl;

	if (len == 0) {
		snprintf(reason, reasonlen, "no folder set");
		return -1;
	}
	if (len >= sizeof(path) || len >= FGW_MAX_PATH) {
		snprintf(reason, reasonlen, "folder path is longer than %d bytes", FGW_MAX_PATH - 1);
		return -1;
	}
	if (!fgwx_utf8_text(data, len)) {
		snprintf(reason, reasonlen, "folder path must be UTF-8 text without control "
			 "characters");
		return -1;
	}
	memcpy(path, data, len);
	path[len] = '\0';
	if (path[0] != '/') {
		snprintf(reason, reasonlen, "folder %s is not an absolute path", path);
		return -1;
	}
	if (host->store_root == NULL || host->store_root[0] == '\0') {
		snprintf(reason, reasonlen, "store-root is not set in the configuration");
		return -1;
	}
	if (realpath(host->store_root, root) == NULL) {
		snprintf(reason, reasonlen, "store-root %s: %s", host->store_root, strerror(errno));
		return -1;
	}
	if (realpath(path, real) == NULL) {
		if (errno == ENOENT)
			snprintf(reason, reasonlen, "folder %s does not exist", path);
		else
			snprintf(reason, reasonlen, "folder %s: %s", path, strerror(errno));
		return -1;
	}
	rl = strlen(root);
	if (strcmp(root, "/") == 0)
		rl = 0;
	if (strncmp(real, root, rl) != 0 || real[rl] != '/' || real[rl + 1] == '\0') {
		snprintf(reason, reasonlen, "folder %s is not below store-root %s", path,
			 host->store_root);
		return -1;
	}
	if (stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(reason, reasonlen, "folder %s is not a directory", path);
		return -1;
	}
	if (access(real, W_OK | X_OK) != 0) {
		snprintf(reason, reasonlen, "folder %s is not writable by faxgwd: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int sf_validate(const fgw_route_host *host, const char *guid, uint32_t port_id,
		       const void *data, size_t len, char *reason, size_t reasonlen)
{
	char real[PATH_MAX];

	(void)guid;
	(void)port_id;
	return sf_resolve(host, data, len, real, reason, reasonlen);
}

static int sf_can_enable(const fgw_route_host *host, const char *guid, uint32_t port_id,
			 const void *data, size_t len, char *reason, size_t reasonlen)
{
	if (len == 0) {
		snprintf(reason, reasonlen, "no folder set: set the routing data first");
		return -1;
	}
	return sf_validate(host, guid, port_id, data, len, reason, reasonlen);
}

/* Copies src into the open file out; 0 or -1 with errno. */
static int sf_copy(int in, int out)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			off += w;
		}
	}
}

/* Moves tmp to name in dirfd without replacing anything. */
static int sf_place(int dirfd, const char *tmp, const char *name)
{
	if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: link() never replaces. */
	if (linkat(dirfd, tmp, dirfd, name, 0) != 0)
		return -1;
	unlinkat(dirfd, tmp, 0);
	return 0;
}

/* 1 when the files a and b in dirfd hold the same bytes. */
static int sf_same_content(int dirfd, const char *a, const char *b)
{
	int fa = openat(dirfd, a, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int fb = openat(dirfd, b, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sa, sb;
	char ba[8192], bb[8192];
	int same = fa >= 0 && fb >= 0 && fstat(fa, &sa) == 0 && fstat(fb, &sb) == 0 &&
		   S_ISREG(sa.st_mode) && S_ISREG(sb.st_mode) && sa.st_size == sb.st_size;

	while (same) {
		ssize_t na = read(fa, ba, sizeof(ba)), nb = read(fb, bb, sizeof(bb));
		if (na <= 0 || na != nb || memcmp(ba, bb, (size_t)na) != 0) {
			same = na == 0 && nb == 0;
			break;
		}
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/* Writes the temporary copy; returns its fd or -1 (msg set). */
static int sf_write_temp(int dirfd, const fgw_fax *fax, char *tmp, size_t tmplen, char *msg,
			 size_t msglen)
{
	int in, out = -1;

	in = open(fax->path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(msg, msglen, "cannot read %s: %s", fax->path, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; out < 0 && i < SF_MAX_SUFFIX; i++) {
		snprintf(tmp, tmplen, ".fax-%llu-%ld-%u.tmp", (unsigned long long)fax->job_id,
			 (long)getpid(), i);
		out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     0640);
		if (out < 0 && errno != EEXIST)
			break;
	}
	if (out < 0) {
		snprintf(msg, msglen, "cannot create a file in the folder: %s", strerror(errno));
	} else if (sf_copy(in, out) != 0 || fsync(out) != 0) {
		snprintf(msg, msglen, "cannot write the fax into the folder: %s", strerror(errno));
		close(out);
		unlinkat(dirfd, tmp, 0);
		out = -1;
	}
	close(in);
	return out;
}

fgw_route_status RouteStoreInFolder(const fgw_route_host *host, const fgw_fax *fax,
				    const void *data, size_t len, char *msg, size_t msglen)
{
	char real[PATH_MAX], tmp[96], name[128], stamp[32];
	time_t t = fax->end_time > 0 ? (time_t)fax->end_time : time(NULL);
	struct tm tm;
	int dirfd, out, placed = -1;

	if (sf_resolve(host, data, len, real, msg, msglen) != 0)
		return FGW_ROUTE_RETRY;
	dirfd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(msg, msglen, "cannot open folder %s: %s", real, strerror(errno));
		return FGW_ROUTE_RETRY;
	}
	out = sf_write_temp(dirfd, fax, tmp, sizeof(tmp), msg, msglen);
	if (out < 0) {
		close(dirfd);
		return FGW_ROUTE_RETRY;
	}
	close(out);
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (unsigned i = 0; placed != 0 && i < SF_MAX_SUFFIX; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "fax-%llu-p%u-%s.tif",
				 (unsigned long long)fax->job_id, (unsigned)fax->port_id, stamp);
		else
			snprintf(name, sizeof(name), "fax-%llu-p%u-%s-%u.tif",
				 (unsigned long long)fax->job_id, (unsigned)fax->port_id, stamp, i);
		placed = sf_place(dirfd, tmp, name);
		if (placed != 0 && errno != EEXIST)
			break;
		/* A run of this job before a crash may have stored it already
		 * (routing is at least once): then it is not stored twice. */
		if (placed != 0 && sf_same_content(dirfd, tmp, name)) {
			unlinkat(dirfd, tmp, 0);
			close(dirfd);
			snprintf(msg, msglen, "%s/%s (stored before)", real, name);
			return FGW_ROUTE_OK;
		}
	}
	if (placed != 0) {
		snprintf(msg, msglen, "cannot name the fax in %s: %s", real, strerror(errno));
		unlinkat(dirfd, tmp, 0);
		close(dirfd);
		return FGW_ROUTE_RETRY;
	}
	if (fsync(dirfd) != 0) {
		snprintf(msg, msglen, "cannot sync folder %s: %s", real, strerror(errno));
		close(dirfd);
		return FGW_ROUTE_RETRY;
	}
	close(dirfd);
	snprintf(msg, msglen, "%s/%s", real, name);
	return FGW_ROUTE_OK;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	static const struct routing_entry entry = {
		.friendly_name = "faxgw standard routing: store in folder",
		.guid = SF_GUID,
		.function_name = SF_FUNCTION,
		.method_name = "Store in folder",
		.validate = sf_validate,
		.can_enable = sf_can_enable,
	};

	return routing_entry_init(host, ext, &entry, err, errlen);
}
