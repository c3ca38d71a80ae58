/*
 * fuzz_fax_call.c - libFuzzer harness for what a peer's datagrams reach
 * through a fax port: UDPTL or RTP decoding, then the spandsp terminal.
 *
 * Input: first byte picks T.38 (even) or audio (odd) and, for audio, the
 * ptime we send (10..60 ms from its other bits: the FIFO of the sender
 * runs as the peer's packets come); then records of a 2-byte big-endian
 * length and that many datagram bytes; a zero length means "one 20 ms
 * tick".  The call receives into a temporary file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fax_call.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_send(void *arg, const uint8_t *buf, size_t len)
{
	(void)arg; (void)buf; (void)len;
}

static struct fax_call *fuzz_call_new(uint8_t mode, const char *file)
{
	int audio = mode & 1;
	struct fax_call_params p;
	char err[256];

	fax_call_params_default(&p);
	p.session.mode = audio ? FAX_SESSION_AUDIO : FAX_SESSION_T38;
	p.session.dir = FAX_SESSION_RECEIVE;
	p.session.file = file;
	p.session.local_ident = "fuzz";
	p.rtp_seed = 1;
	p.ptime = 10u * (1u + (unsigned)(mode >> 1) % 6u);
	p.send = fuzz_send;
	return fax_call_new(&p, err, sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char file[] = "/tmp/fuzz-fax-call-XXXXXX";
	int fd;

	if (size < 1)
		return 0;
	fd = mkstemp(file);
	if (fd < 0)
		return 0;
	close(fd);
	struct fax_call *call = fuzz_call_new(data[0], file);
	size_t pos = 1;
	while (call != NULL && pos + 2 <= size) {
		size_t len = ((size_t)data[pos] << 8) | data[pos + 1];
		pos += 2;
		if (len == 0) {
			fax_call_tick(call);
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		fax_call_datagram_in(call, data + pos, len);
		pos += len;
	}
	fax_call_free(call);
	unlink(file);
	return 0;
}
