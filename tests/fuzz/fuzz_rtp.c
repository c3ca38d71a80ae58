/*
 * fuzz_rtp.c - libFuzzer harness for RTP (RFC 3550 5.1, 5.3.1).
 *
 * The whole input is one datagram for rtp_parse(); the parsed fields must
 * stay inside it.  The input is also read as a stream of datagrams, each
 * prefixed by a one-byte length whose top bit asks for a 20 ms pull first,
 * and fed to a receiving stream; a short chunk is the header of a packet
 * of 10 to 80 ms (by its length), so every ptime meets every other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_parse(const uint8_t *data, size_t size)
{
	struct rtp_header h;

	if (rtp_parse(data, size, &h) != RTP_OK)
		return;
	if (h.payload < data || h.payload + h.payload_len > data + size)
		abort();
	if (h.extension && (h.ext < data || h.ext + h.ext_len > h.payload))
		abort();
	if (12u + 4u * h.csrc_count + h.payload_len + h.pad_len > size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rtp_rx rx;
	static uint8_t frame[RTP_FRAME_BYTES];
	static uint8_t dg[12 + 8 * 80];
	bool lost;

	fz_parse(data, size);
	if (size < 1)
		return 0;
	if (rtp_rx_init(&rx, (data[0] & 1) ? RTP_PT_PCMA : RTP_PT_PCMU, (data[0] >> 1) % 9u) != RTP_OK)
		abort();
	size_t pos = 1;
	while (pos < size) {
		size_t n = data[pos] & 0x7Fu;
		bool pull = (data[pos] & 0x80u) != 0;
		pos++;
		if (n > size - pos)
			n = size - pos;
		if (pull)
			rtp_rx_pull(&rx, frame, &lost);
		/* a chunk of 4..11 bytes becomes the header of a packet of
		 * 10..80 ms (over 60: refused as bad_size) */
		if (n >= 4 && n < 12 && (data[pos] >> 6) == 2) {
			memset(dg, 0, sizeof(dg));
			memcpy(dg, data + pos, n);
			rtp_rx_put(&rx, dg, 12 + 80 * (n - 3));
		} else {
			rtp_rx_put(&rx, data + pos, n);
		}
		pos += n;
	}
	/* A frame is played when at least one of its samples came; a packet
	 * holds at most FGW_RTP_MAX_SAMPLES of them. */
	if (rx.stats.concealed > rx.stats.played * (RTP_FRAME_BYTES - 1))
		abort();
	if (rx.stats.played * RTP_FRAME_BYTES - rx.stats.concealed >
	    rx.stats.received * FGW_RTP_MAX_SAMPLES)
		abort();
	return 0;
}
