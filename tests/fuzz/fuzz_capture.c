/*
 * fuzz_capture.c - libFuzzer harness for faxpcap's packet layers and stream
 * decoders (capture.h, pcapstream.h, t30scan.h, faxdemod.h).
 *
 * The input is used twice:
 *   - as one link-layer frame for capture_frame() under every supported
 *     link type, then cut into frames by one-byte length prefixes and fed
 *     to a raw-IP capture (fragment reassembly state across frames);
 *   - as a whole pcap / pcapng file (written to a memfd, opened by path
 *     through /proc/self/fd), run through both passes of pcapstream_run()
 *     without writing pages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <spandsp.h>

#include "capture.h"
#include "pcapstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fz_links[] = {
	CAPTURE_LINK_NULL, CAPTURE_LINK_ETHERNET, CAPTURE_LINK_RAW, CAPTURE_LINK_LOOP,
	CAPTURE_LINK_SLL, CAPTURE_LINK_IPV4, CAPTURE_LINK_IPV6, CAPTURE_LINK_SLL2
};

static void fz_touch(const struct capture_udp *u)
{
	volatile uint8_t sink = 0;

	for (size_t i = 0; i < u->len; i++)
		sink ^= u->payload[i];
	(void)sink;
}

static void fz_frames(const uint8_t *data, size_t size)
{
	struct capture_udp u;

	for (size_t i = 0; i < sizeof(fz_links) / sizeof(fz_links[0]); i++) {
		struct capture *c = capture_new(fz_links[i]);
		if (c == NULL)
			abort();
		if (capture_frame(c, data, size, size, 1, &u))
			fz_touch(&u);
		capture_free(c);
	}
	struct capture *c = capture_new(CAPTURE_LINK_RAW);
	for (size_t o = 0; o < size;) {
		size_t n = data[o++];
		if (n > size - o)
			n = size - o;
		if (capture_frame(c, data + o, n, n, o, &u))
			fz_touch(&u);
		o += n;
	}
	capture_free(c);
}

static void fz_quiet(int level, const char *text)
{
	(void)level;
	(void)text;
}

static void fz_file(const uint8_t *data, size_t size)
{
	char path[64], err[256];
	struct pcapstream_report *rep = NULL;
	int fd = memfd_create("fuzz_capture", 0);

	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (pcapstream_run(path, NULL, &rep, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < rep->n_calls; i++)
			if ((rep->calls[i].res == NULL) != (rep->calls[i].scan == NULL))
				abort();
		pcapstream_report_free(rep);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;

	if (!init) {
		span_set_message_handler(fz_quiet);
		init = 1;
	}
	fz_frames(data, size);
	fz_file(data, size);
	return 0;
}
