/*
 * fuzz_claim.c - libFuzzer harness for the port claim checks (claim.h).
 *
 * The first input byte picks the port's rules (bits 0-1: T.38 version,
 * bit 2: audio, bit 3: PCMA); the rest is one datagram for claim_check()
 * and, as an IFP, for claim_ifp_kind().  A T.38 claim must agree with
 * udptl_decode() and with the IFP check of its primary; an audio claim
 * with rtp_parse(): the port's payload type and a whole ptime of
 * FGW_RTP_MIN_PTIME..FGW_RTP_MAX_PTIME ms; a watch started by the datagram
 * must never let more than FGW_CLAIM_TX_CAP out.
 */
#include <stdint.h>
#include <stdlib.h>

#include "claim.h"
#include "rtp.h"
#include "udptl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct claim_rules r;
	struct claim_watch w;
	struct udptl_packet pk;
	struct rtp_header h;
	uint16_t seq = 0;

	if (size < 1)
		return 0;
	r.t38_version = data[0] & 3;
	r.t38 = (data[0] & 4) == 0;
	r.rtp_pt = (data[0] & 8) ? RTP_PT_PCMA : RTP_PT_PCMU;
	data++;
	size--;
	enum claim_ifp k = claim_ifp_kind(data, size, r.t38_version);
	if (k < CLAIM_IFP_BAD || k > CLAIM_IFP_DATA)
		abort();
	if (claim_check(&r, data, size, &seq) != 0)
		return 0;
	if (r.t38 && (udptl_decode(data, size, &pk) != UDPTL_OK || pk.seq != seq ||
		      claim_ifp_kind(pk.primary.data, pk.primary.len, r.t38_version) == CLAIM_IFP_BAD))
		abort();
	if (!r.t38) {
		unsigned ms = rtp_parse(data, size, &h) == RTP_OK ? rtp_g711_ptime(h.payload_len) : 0;
		if (h.pt != r.rtp_pt || ms < FGW_RTP_MIN_PTIME || ms > FGW_RTP_MAX_PTIME ||
		    h.payload_len != (size_t)ms * FGW_RTP_SAMPLES_PER_MS)
			abort();
	}
	claim_watch_start(&w, &r, seq);
	claim_watch_rx(&w, data, size);          /* the same datagram proves nothing */
	if (w.proven)
		abort();
	for (int i = 0; i < 2 * FGW_CLAIM_TX_CAP; i++)
		if (claim_watch_tx(&w) != (i < FGW_CLAIM_TX_CAP))
			abort();
	return 0;
}
