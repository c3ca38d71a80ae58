/*
 * sip_media.c - the UDP port of a SIP call's media (RTP or UDPTL), taken
 * from [sip] media-ports (sip_internal.h).
 *
 * The search starts where the last one stopped, so a port just released
 * is reused last: a late datagram of the previous call then finds nobody
 * rather than the next call.
 */
#include "sip_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void sip_media_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

int sip_media_bind(const struct sip_settings *s, unsigned *cursor, uint16_t *port, char *err,
		   size_t errlen)
{
	unsigned n = s->media_port_max - s->media_port_min + 1;
	struct sockaddr_storage a = s->media_bind;
	int fd = socket(a.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "no media socket: %s", strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned p = s->media_port_min + (*cursor + i) % n;
		sip_media_set_port(&a, (uint16_t)p);
		if (bind(fd, (const struct sockaddr *)&a, s->media_bind_len) == 0) {
			*cursor = (*cursor + i + 1) % n;
			*port = (uint16_t)p;
			return fd;
		}
		if (errno != EADDRINUSE && errno != EACCES)
			break;
	}
	snprintf(err, errlen, "no free media port in %u-%u: %s", s->media_port_min,
		 s->media_port_max, strerror(errno));
	close(fd);
	return -1;
}
