/*
 * lockfile.c - one faxgwd per spool and per state database (lockfile.h).
 */
#include "lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOCKFILE_PID_TEXT 24           /* "<pid>\n" with room to spare */
#define LOCKFILE_HOLDER_TRIES 20       /* 10 ms apart: a holder writes its pid */

struct lockfile {
	int fd;
	pid_t owner;                   /* the process that took it or set the pid */
};

static int lockfile_write_pid(int fd, pid_t pid)
{
	char text[LOCKFILE_PID_TEXT];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)pid);

	if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n)
		return -1;
	return 0;
}

static pid_t lockfile_read_pid(int fd)
{
	char text[LOCKFILE_PID_TEXT];
	ssize_t got = pread(fd, text, sizeof(text) - 1, 0);
	char *end = NULL;
	long pid;

	if (got <= 0)
		return 0;
	text[got] = '\0';
	errno = 0;
	pid = strtol(text, &end, 10);
	if (errno != 0 || end == text || (*end != '\n' && *end != '\0') || pid <= 0 ||
	    (long)(pid_t)pid != pid)
		return 0;
	return (pid_t)pid;
}

pid_t lockfile_holder(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	pid_t pid;

	if (fd < 0)
		return 0;
	pid = lockfile_read_pid(fd);
	close(fd);
	return pid;
}

/* The holder may have locked the file a moment ago and not yet written
 * its pid: look a few times before calling it unknown. */
static pid_t lockfile_wait_holder(int fd)
{
	struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
	pid_t pid = 0;

	for (int i = 0; i < LOCKFILE_HOLDER_TRIES && pid == 0; i++) {
		if (i > 0)
			nanosleep(&ten_ms, NULL);
		pid = lockfile_read_pid(fd);
	}
	return pid;
}

int lockfile_take(const char *path, struct lockfile **out, pid_t *holder, char *err,
		  size_t errlen)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	struct lockfile *l = NULL;
	int fd, rc = LOCKFILE_ERROR;

	*out = NULL;
	*holder = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return LOCKFILE_ERROR;
	}
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		if (errno == EAGAIN || errno == EACCES) {
			*holder = lockfile_wait_holder(fd);
			snprintf(err, errlen, "%s is locked", path);
			rc = LOCKFILE_BUSY;
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		}
		goto fail;
	}
	if (lockfile_write_pid(fd, getpid()) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	l = malloc(sizeof(*l));
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	l->fd = fd;
	l->owner = getpid();
	*out = l;
	return LOCKFILE_OK;
fail:
	close(fd);                     /* releases the lock when it was taken */
	return rc;
}

int lockfile_set_pid(struct lockfile *l, pid_t pid, char *err, size_t errlen)
{
	if (lockfile_write_pid(l->fd, pid) != 0) {
		snprintf(err, errlen, "cannot write the lock file: %s", strerror(errno));
		return -1;
	}
	l->owner = pid;
	return 0;
}

void lockfile_free(struct lockfile *l)
{
	if (l == NULL)
		return;
	/* A stale pid would name a process that no longer holds anything. */
	if (l->owner == getpid() && ftruncate(l->fd, 0) != 0) {
		/* Harmless: the pid is only read while the lock is held. */
	}
	close(l->fd);
	free(l);
}
