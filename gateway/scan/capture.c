/*
 * capture.c - link, network and transport layers of packet captures.
 * See capture.h.  Header layouts: IEEE 802.3 clause 3.2.6 (Ethernet II
 * type field), IEEE 802.1Q clause 9 (tags, TPID 0x8100 / 0x88A8 and the
 * old 0x9100), Linux cooked capture v1 / v2 (tcpdump.org LINKTYPE_LINUX_SLL
 * and LINKTYPE_LINUX_SLL2), LINKTYPE_NULL / LINKTYPE_LOOP, RFC 791 (IPv4,
 * fragmentation 2.3 and 3.2), RFC 8200 (IPv6, extension headers section 4,
 * fragment header 4.5), RFC 768 (UDP).
 */
#include "caps.h"
#include "capture.h"
#include "fgwx_be.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_ETH_LEN      14
#define CAP_VLAN_LEN     4
#define CAP_SLL_LEN      16
#define CAP_SLL2_LEN     20
#define CAP_NULL_LEN     4
#define CAP_IP4_MIN      20
#define CAP_IP6_LEN      40
#define CAP_UDP_LEN      8
#define CAP_PROTO_UDP    17
#define CAP_ET_IP4       0x0800
#define CAP_ET_IP6       0x86DD
#define CAP_BLOCKS       (FGW_CAPTURE_MAX_REASM / 8)

/* One IP datagram being put together from fragments (RFC 791 3.2). */
struct cap_frag {
	bool used;
	int family;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t proto;
	uint64_t first_us;
	size_t total;                  /* payload length once the last fragment came, else 0 */
	uint8_t have[CAP_BLOCKS / 8];  /* 8-byte blocks received */
	uint8_t *data;                 /* FGW_CAPTURE_MAX_REASM bytes */
};

struct capture {
	pcap_t *pcap;
	int link;
	uint64_t frame_no;
	struct capture_stats stats;
	struct cap_frag frag[FGW_CAPTURE_FRAG_SLOTS];
	uint8_t out[FGW_CAPTURE_MAX_REASM];  /* a completed reassembly */
};

/* An IP packet located inside a frame, fields copied out. */
struct cap_ip {
	int family;
	uint8_t src[16], dst[16];
	uint8_t proto;
	const uint8_t *payload;
	size_t len;
	bool fragment;
	uint32_t id;
	size_t offset;                 /* bytes */
	bool more;
};

const char *capture_strerror(int err)
{
	switch (err) {
	case CAPTURE_OK: return "success";
	case CAPTURE_END: return "end of capture";
	case CAPTURE_E_OPEN: return "cannot open the capture";
	case CAPTURE_E_LINK: return "link type not supported";
	case CAPTURE_E_READ: return "capture damaged";
	case CAPTURE_E_NOMEM: return "out of memory";
	default: return "unknown capture error";
	}
}

bool capture_link_supported(int link)
{
	switch (link) {
	case CAPTURE_LINK_NULL: case CAPTURE_LINK_ETHERNET: case CAPTURE_LINK_RAW:
	case 14: /* DLT_RAW on OpenBSD */ case 101: /* LINKTYPE_RAW */
	case CAPTURE_LINK_LOOP: case CAPTURE_LINK_SLL: case CAPTURE_LINK_IPV4:
	case CAPTURE_LINK_IPV6: case CAPTURE_LINK_SLL2:
		return true;
	default:
		return false;
	}
}

struct capture *capture_new(int link)
{
	if (!capture_link_supported(link))
		return NULL;
	struct capture *c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->link = link;
	return c;
}

struct capture *capture_open(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline(path, perr);

	if (p == NULL) {
		snprintf(err, errlen, "cannot read capture %s: %s", path, perr);
		return NULL;
	}
	int link = pcap_datalink(p);
	struct capture *c = capture_new(link);
	if (c == NULL) {
		const char *name = pcap_datalink_val_to_name(link);
		snprintf(err, errlen, "capture %s: link type %d (%s) not supported", path, link,
			 name != NULL ? name : "unknown");
		pcap_close(p);
		return NULL;
	}
	c->pcap = p;
	return c;
}

void capture_free(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	for (size_t i = 0; i < FGW_CAPTURE_FRAG_SLOTS; i++)
		free(c->frag[i].data);
	free(c);
}

int capture_link(const struct capture *c)
{
	return c->link;
}

const struct capture_stats *capture_stats(const struct capture *c)
{
	return &c->stats;
}

/* ----- link layers ----------------------------------------------------------- */

/* Finds the network-layer packet; returns its ethertype-like protocol
 * (CAP_ET_IP4 / CAP_ET_IP6) or 0 (not IP), -1 truncated. */
static int cap_link(const struct capture *c, const uint8_t *d, size_t len, size_t *off)
{
	uint16_t et;
	size_t o = 0;

	switch (c->link) {
	case CAPTURE_LINK_ETHERNET:
		if (len < CAP_ETH_LEN)
			return -1;
		et = fgwx_get_be16(d + 12);
		o = CAP_ETH_LEN;
		for (int tags = 0; et == 0x8100 || et == 0x88A8 || et == 0x9100; tags++) {
			if (tags >= FGW_CAPTURE_MAX_VLAN)
				return 0;
			if (len < o + CAP_VLAN_LEN)
				return -1;
			et = fgwx_get_be16(d + o + 2);
			o += CAP_VLAN_LEN;
		}
		break;
	case CAPTURE_LINK_SLL:
		if (len < CAP_SLL_LEN)
			return -1;
		et = fgwx_get_be16(d + 14);
		o = CAP_SLL_LEN;
		break;
	case CAPTURE_LINK_SLL2:
		if (len < CAP_SLL2_LEN)
			return -1;
		et = fgwx_get_be16(d);
		o = CAP_SLL2_LEN;
		break;
	case CAPTURE_LINK_NULL:
	case CAPTURE_LINK_LOOP: {
		if (len < CAP_NULL_LEN)
			return -1;
		/* The family is in the capturing host's byte order (NULL) or in
		 * network order (LOOP): accept either. */
		uint32_t fam = fgwx_get_be32(d);
		if (fam > 0xFFFF)
			fam = (uint32_t)d[0] | ((uint32_t)d[1] << 8);
		o = CAP_NULL_LEN;
		if (fam == 2)
			et = CAP_ET_IP4;
		else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			et = CAP_ET_IP6;
		else
			return 0;
		break;
	}
	default:                       /* raw IP: the version nibble decides */
		if (len < 1)
			return -1;
		et = (d[0] >> 4) == 4 ? CAP_ET_IP4 : (d[0] >> 4) == 6 ? CAP_ET_IP6 : 0;
		break;
	}
	*off = o;
	return et == CAP_ET_IP4 || et == CAP_ET_IP6 ? et : 0;
}

/* ----- network layers -------------------------------------------------------- */

enum cap_res { CAP_RES_OK, CAP_RES_TRUNC, CAP_RES_BAD, CAP_RES_OTHER };

/* RFC 791 3.1.  A total length beyond the captured bytes is truncation. */
static enum cap_res cap_ip4(const uint8_t *d, size_t len, struct cap_ip *ip)
{
	if (len < CAP_IP4_MIN)
		return CAP_RES_TRUNC;
	if ((d[0] >> 4) != 4)
		return CAP_RES_BAD;
	size_t ihl = (size_t)(d[0] & 0x0F) * 4;
	size_t total = fgwx_get_be16(d + 2);
	if (ihl < CAP_IP4_MIN || total < ihl)
		return CAP_RES_BAD;
	if (total > len)
		return CAP_RES_TRUNC;
	uint16_t fl = fgwx_get_be16(d + 6);
	ip->family = 4;
	memset(ip->src, 0, sizeof(ip->src));
	memset(ip->dst, 0, sizeof(ip->dst));
	memcpy(ip->src, d + 12, 4);
	memcpy(ip->dst, d + 16, 4);
	ip->proto = d[9];
	ip->payload = d + ihl;
	ip->len = total - ihl;         /* link padding cut off */
	ip->id = fgwx_get_be16(d + 4);
	ip->offset = (size_t)(fl & 0x1FFF) * 8;
	ip->more = (fl & 0x2000) != 0;
	ip->fragment = ip->more || ip->offset != 0;
	return CAP_RES_OK;
}

/* RFC 8200 4: hop-by-hop (0), routing (43), destination options (60) and
 * fragment (44) headers are walked, at most FGW_CAPTURE_MAX_IP6_EXT. */
static enum cap_res cap_ip6(const uint8_t *d, size_t len, struct cap_ip *ip)
{
	if (len < CAP_IP6_LEN)
		return CAP_RES_TRUNC;
	if ((d[0] >> 4) != 6)
		return CAP_RES_BAD;
	size_t plen = fgwx_get_be16(d + 4);
	if (plen == 0)
		return CAP_RES_OTHER;      /* jumbogram: not for fax */
	if (CAP_IP6_LEN + plen > len)
		return CAP_RES_TRUNC;
	ip->family = 6;
	memcpy(ip->src, d + 8, 16);
	memcpy(ip->dst, d + 24, 16);
	ip->fragment = false;
	ip->offset = 0;
	ip->more = false;
	ip->id = 0;
	uint8_t nh = d[6];
	const uint8_t *p = d + CAP_IP6_LEN;
	size_t rem = plen;
	for (int n = 0;; n++) {
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		if (n >= FGW_CAPTURE_MAX_IP6_EXT || ip->fragment)
			return CAP_RES_OTHER;  /* headers after a fragment header: unfragmentable part ended */
		if (rem < 8)
			return CAP_RES_BAD;
		size_t hl = nh == 44 ? 8 : ((size_t)p[1] + 1) * 8;
		if (hl > rem)
			return CAP_RES_BAD;
		if (nh == 44) {
			uint16_t fo = fgwx_get_be16(p + 2);
			ip->fragment = true;
			ip->offset = (size_t)(fo >> 3) * 8;
			ip->more = (fo & 1) != 0;
			ip->id = fgwx_get_be32(p + 4);
			if (ip->offset == 0 && !ip->more)
				ip->fragment = false;   /* atomic fragment, RFC 8200 4.5 */
		}
		nh = p[0];
		p += hl;
		rem -= hl;
	}
	ip->proto = nh;
	ip->payload = p;
	ip->len = rem;
	return CAP_RES_OK;
}

/* ----- fragment reassembly (RFC 791 3.2, RFC 8200 4.5) -------------------- */

static void cap_frag_drop(struct cap_frag *f)
{
	f->used = false;
}

static struct cap_frag *cap_frag_find(struct capture *c, const struct cap_ip *ip, uint64_t now)
{
	struct cap_frag *free_slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < FGW_CAPTURE_FRAG_SLOTS; i++) {
		struct cap_frag *f = &c->frag[i];
		if (f->used && now - f->first_us > FGW_CAPTURE_FRAG_TTL_US && now >= f->first_us) {
			c->stats.frag_dropped++;
			cap_frag_drop(f);
		}
		if (!f->used) {
			if (free_slot == NULL)
				free_slot = f;
			continue;
		}
		if (f->family == ip->family && f->id == ip->id && f->proto == ip->proto &&
		    memcmp(f->src, ip->src, 16) == 0 && memcmp(f->dst, ip->dst, 16) == 0)
			return f;
		if (oldest == NULL || f->first_us < oldest->first_us)
			oldest = f;
	}
	struct cap_frag *f = free_slot != NULL ? free_slot : oldest;
	if (f == NULL)
		return NULL;
	if (f->used)
		c->stats.frag_dropped++;   /* table full: the oldest gives way */
	if (f->data == NULL && (f->data = malloc(FGW_CAPTURE_MAX_REASM)) == NULL)
		return NULL;
	f->used = true;
	f->family = ip->family;
	f->id = ip->id;
	f->proto = ip->proto;
	memcpy(f->src, ip->src, 16);
	memcpy(f->dst, ip->dst, 16);
	f->first_us = now;
	f->total = 0;
	memset(f->have, 0, sizeof(f->have));
	return f;
}

static bool cap_frag_complete(const struct cap_frag *f)
{
	if (f->total == 0)
		return false;
	for (size_t b = 0; b < (f->total + 7) / 8; b++)
		if (!(f->have[b / 8] & (1u << (b % 8))))
			return false;
	return true;
}

/* Takes one fragment; true when it completes the datagram, then ip->payload
 * and ip->len describe the whole reassembled payload (in c->out). */
static bool cap_frag_add(struct capture *c, struct cap_ip *ip, uint64_t now)
{
	c->stats.fragments++;
	if (ip->offset + ip->len > FGW_CAPTURE_MAX_REASM || (ip->more && ip->len % 8 != 0) ||
	    (ip->more && ip->len == 0)) {
		c->stats.frag_dropped++;
		return false;
	}
	struct cap_frag *f = cap_frag_find(c, ip, now);
	if (f == NULL) {
		c->stats.frag_dropped++;
		return false;
	}
	if (!ip->more) {
		size_t end = ip->offset + ip->len;
		if (f->total != 0 && f->total != end) {
			c->stats.frag_dropped++;   /* two different ends: give up on it */
			cap_frag_drop(f);
			return false;
		}
		f->total = end;
	}
	memcpy(f->data + ip->offset, ip->payload, ip->len);
	for (size_t b = ip->offset / 8; b < (ip->offset + ip->len + 7) / 8; b++)
		f->have[b / 8] |= (uint8_t)(1u << (b % 8));
	if (!cap_frag_complete(f))
		return false;
	memcpy(c->out, f->data, f->total);
	ip->payload = c->out;
	ip->len = f->total;
	ip->fragment = false;
	cap_frag_drop(f);
	c->stats.reassembled++;
	return true;
}

/* ----- UDP -------------------------------------------------------------------- */

static bool cap_udp(struct capture *c, const struct cap_ip *ip, uint64_t ts, struct capture_udp *out)
{
	if (ip->len < CAP_UDP_LEN) {
		c->stats.truncated++;
		return false;
	}
	size_t ulen = fgwx_get_be16(ip->payload + 4);
	if (ulen == 0 && ip->family == 6)
		ulen = ip->len;            /* RFC 2675 jumbo convention */
	if (ulen < CAP_UDP_LEN) {
		c->stats.malformed++;
		return false;
	}
	if (ulen > ip->len) {
		c->stats.truncated++;
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->ts_us = ts;
	out->frame = c->frame_no;
	out->src.family = out->dst.family = ip->family;
	memcpy(out->src.addr, ip->src, 16);
	memcpy(out->dst.addr, ip->dst, 16);
	out->src.port = fgwx_get_be16(ip->payload);
	out->dst.port = fgwx_get_be16(ip->payload + 2);
	out->payload = ip->payload + CAP_UDP_LEN;
	out->len = ulen - CAP_UDP_LEN;
	c->stats.udp++;
	return true;
}

bool capture_frame(struct capture *c, const uint8_t *data, size_t caplen, size_t wirelen,
		   uint64_t ts_us, struct capture_udp *out)
{
	size_t off = 0;
	struct cap_ip ip;
	enum cap_res r;

	c->frame_no++;
	c->stats.frames++;
	(void)wirelen;                 /* each layer checks against caplen: a cut that
	                                * matters shows as a length beyond it */
	int et = cap_link(c, data, caplen, &off);
	if (et < 0) {
		c->stats.truncated++;
		return false;
	}
	if (et == 0) {
		c->stats.not_ip++;
		return false;
	}
	if (et == CAP_ET_IP4)
		r = cap_ip4(data + off, caplen - off, &ip);
	else
		r = cap_ip6(data + off, caplen - off, &ip);
	if (r == CAP_RES_TRUNC) {
		c->stats.truncated++;
		return false;
	}
	if (r == CAP_RES_BAD) {
		c->stats.malformed++;
		return false;
	}
	if (r == CAP_RES_OTHER || ip.proto != CAP_PROTO_UDP) {
		c->stats.not_udp++;
		return false;
	}
	if (ip.fragment && !cap_frag_add(c, &ip, ts_us))
		return false;
	return cap_udp(c, &ip, ts_us, out);
}

enum capture_err capture_next(struct capture *c, struct capture_udp *out, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *d;

	if (c->pcap == NULL)
		return CAPTURE_END;
	for (;;) {
		int r = pcap_next_ex(c->pcap, &h, &d);
		if (r == PCAP_ERROR_BREAK)
			return CAPTURE_END;
		if (r != 1) {
			snprintf(err, errlen, "capture damaged after frame %llu: %s",
				 (unsigned long long)c->frame_no, pcap_geterr(c->pcap));
			return CAPTURE_E_READ;
		}
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		if (h->ts.tv_sec < 0)
			ts = 0;
		if (capture_frame(c, d, h->caplen, h->len, ts, out))
			return CAPTURE_OK;
	}
}

void capture_endpoint_str(const struct capture_endpoint *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (e->family == 4)
		inet_ntop(AF_INET, e->addr, a, sizeof(a));
	else
		inet_ntop(AF_INET6, e->addr, a, sizeof(a));
	if (e->family == 6)
		snprintf(buf, len, "[%s]:%u", a, e->port);
	else
		snprintf(buf, len, "%s:%u", a, e->port);
}

bool capture_endpoint_eq(const struct capture_endpoint *a, const struct capture_endpoint *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}
