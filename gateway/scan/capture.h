/*
 * capture.h - UDP datagrams out of packet captures: pcap and pcapng files
 * read with libpcap, link types Ethernet II with 802.1Q / QinQ tags (IEEE
 * 802.1Q), Linux cooked capture v1 and v2, BSD NULL / LOOP and raw IP; IPv4
 * (RFC 791) with fragment reassembly, IPv6 (RFC 8200) with its extension
 * headers skipped and fragments reassembled; UDP (RFC 768).
 *
 * Every layer checks its lengths against the captured length and copies
 * header fields out byte by byte.  A frame cut short by the snapshot length
 * or inconsistent with its own length fields is counted and skipped.
 *
 * Two ways in: capture_open() reads a file; capture_new() takes frames the
 * caller supplies (unit tests, fuzzers) through capture_frame().
 *
 * Ownership: struct capture is opaque, created by capture_open() /
 * capture_new() and released with capture_free() (accepts NULL).  The
 * payload pointer of a struct capture_udp borrows the capture's buffers and
 * is valid until the next call on the same capture.
 */
#ifndef FAXGW_MEDIA_CAPTURE_H
#define FAXGW_MEDIA_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <faxgw/limits.h>

/* Link types (the values of libpcap's DLT_* on Linux). */
#define CAPTURE_LINK_NULL      0
#define CAPTURE_LINK_ETHERNET  1
#define CAPTURE_LINK_RAW       12
#define CAPTURE_LINK_LOOP      108
#define CAPTURE_LINK_SLL       113
#define CAPTURE_LINK_IPV4      228
#define CAPTURE_LINK_IPV6      229
#define CAPTURE_LINK_SLL2      276

enum capture_err {
	CAPTURE_OK = 0,
	CAPTURE_END = 1,               /* capture_next(): no more packets */
	CAPTURE_E_OPEN = -1,           /* file missing, unreadable or not a capture */
	CAPTURE_E_LINK = -2,           /* link type not supported */
	CAPTURE_E_READ = -3,           /* the file is damaged past some point */
	CAPTURE_E_NOMEM = -4
};

struct capture_endpoint {
	int family;                    /* 4 or 6 */
	uint8_t addr[16];              /* IPv4: first 4 bytes */
	uint16_t port;
};

/* One UDP datagram found in the capture. */
struct capture_udp {
	uint64_t ts_us;                /* capture time, microseconds since the epoch */
	uint64_t frame;                /* 1-based number of the (last) frame that carried it */
	struct capture_endpoint src, dst;
	const uint8_t *payload;        /* borrowed, see above */
	size_t len;
};

struct capture_stats {
	uint64_t frames;               /* frames read */
	uint64_t udp;                  /* UDP datagrams returned */
	uint64_t truncated;            /* frames cut short (snapshot length or lying length fields) */
	uint64_t malformed;            /* impossible header values (bad version, IHL < 5 ...) */
	uint64_t not_ip;               /* ARP, LLC and other non-IP frames */
	uint64_t not_udp;              /* IP packets of other protocols */
	uint64_t fragments;            /* IP fragments taken in */
	uint64_t reassembled;          /* datagrams rebuilt from fragments */
	uint64_t frag_dropped;         /* fragments dropped: table full, too long, expired */
};

/* Static English text for an enum capture_err value. */
const char *capture_strerror(int err);

/* Opens a pcap or pcapng file.  NULL with a reason in err on failure. */
struct capture *capture_open(const char *path, char *err, size_t errlen);
/* A capture fed by the caller with frames of link type `link`
 * (CAPTURE_LINK_*).  NULL when the link type is not supported. */
struct capture *capture_new(int link);
void capture_free(struct capture *c);

/* Link type of the capture (CAPTURE_LINK_* or libpcap's DLT value). */
int capture_link(const struct capture *c);
/* True when the link type is one this module decodes. */
bool capture_link_supported(int link);

/* Next UDP datagram of a file capture: CAPTURE_OK (out filled), CAPTURE_END,
 * or CAPTURE_E_READ (reason in err; what was read so far stays valid). */
enum capture_err capture_next(struct capture *c, struct capture_udp *out, char *err, size_t errlen);

/* Decodes one frame of caplen captured bytes (wirelen on the wire).
 * Returns true with *out filled when it completes a UDP datagram. */
bool capture_frame(struct capture *c, const uint8_t *data, size_t caplen, size_t wirelen,
		   uint64_t ts_us, struct capture_udp *out);

const struct capture_stats *capture_stats(const struct capture *c);

/* "192.0.2.1:5004" or "[2001:db8::1]:5004" into buf (FGW_MAX_ADDRESS). */
void capture_endpoint_str(const struct capture_endpoint *e, char *buf, size_t len);
bool capture_endpoint_eq(const struct capture_endpoint *a, const struct capture_endpoint *b);

#endif
