/*
 * pcapw.c - writes the datagrams of a call to a pcap file, each with
 * synthetic headers built from the real socket addresses: Ethernet II
 * (IEEE 802.3 clause 3.2.6 type field) or none (LINKTYPE_RAW), IPv4
 * (RFC 791) or IPv6 (RFC 8200), and UDP (RFC 768; checksums per RFC 768 /
 * RFC 8200 8.1, over the pseudo-header).  libpcap writes the file.
 */
#include "caps.h"
#include "faxpeer.h"
#include "fgwx_be.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAXPEER_ETH_LEN   14
#define FAXPEER_IP4_LEN   20
#define FAXPEER_IP6_LEN   40
#define FAXPEER_UDP_LEN   8
#define FAXPEER_FRAME_MAX (FAXPEER_ETH_LEN + FAXPEER_IP6_LEN + FAXPEER_UDP_LEN + FGW_MAX_DATAGRAM + 1)
#define FAXPEER_SNAPLEN   65535

struct faxpeer_pcap {
	pcap_t *dead;
	pcap_dumper_t *dump;
	enum faxpeer_link link;
	uint16_t ip_id;
	uint8_t frame[FAXPEER_FRAME_MAX];
};

/* An address reduced to what the headers need; IPv4 peers of an IPv6
 * socket become IPv4-mapped IPv6 addresses (RFC 4291 2.5.5.2). */
struct faxpeer_ep {
	int family;
	uint8_t addr[16];
	uint16_t port;
};

struct faxpeer_pcap *faxpeer_pcap_open(const char *path, enum faxpeer_link link,
                                       char *err, size_t errlen)
{
	struct faxpeer_pcap *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->link = link;
	p->dead = pcap_open_dead(link == FAXPEER_LINK_RAW ? DLT_RAW : DLT_EN10MB, FAXPEER_SNAPLEN);
	if (p->dead == NULL) {
		snprintf(err, errlen, "pcap_open_dead failed");
		free(p);
		return NULL;
	}
	p->dump = pcap_dump_open(p->dead, path);
	if (p->dump == NULL) {
		snprintf(err, errlen, "cannot write capture %s: %s", path, pcap_geterr(p->dead));
		pcap_close(p->dead);
		free(p);
		return NULL;
	}
	return p;
}

int faxpeer_pcap_close(struct faxpeer_pcap *p)
{
	int rc = 0;

	if (p == NULL)
		return 0;
	if (pcap_dump_flush(p->dump) != 0)
		rc = -1;
	pcap_dump_close(p->dump);
	pcap_close(p->dead);
	free(p);
	return rc;
}

static void faxpeer_pcap_ep(const struct sockaddr *sa, struct faxpeer_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		ep->family = AF_INET;
		memcpy(ep->addr, &in->sin_addr, 4);
		ep->port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		ep->family = AF_INET6;
		memcpy(ep->addr, &in6->sin6_addr, 16);
		ep->port = ntohs(in6->sin6_port);
	}
}

static void faxpeer_pcap_to_v6(struct faxpeer_ep *ep)
{
	if (ep->family != AF_INET)
		return;
	memmove(ep->addr + 12, ep->addr, 4);
	memset(ep->addr, 0, 10);
	ep->addr[10] = ep->addr[11] = 0xff;
	ep->family = AF_INET6;
}

/* RFC 1071 one's complement sum, folded, not inverted. */
static uint32_t faxpeer_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += fgwx_get_be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static size_t faxpeer_pcap_ip4(struct faxpeer_pcap *p, uint8_t *h, const struct faxpeer_ep *s,
                               const struct faxpeer_ep *d, size_t udp_len)
{
	memset(h, 0, FAXPEER_IP4_LEN);
	h[0] = 0x45;                                      /* version 4, 5 words */
	fgwx_put_be16(h + 2, (uint16_t)(FAXPEER_IP4_LEN + udp_len));
	fgwx_put_be16(h + 4, p->ip_id++);
	fgwx_put_be16(h + 6, 0x4000);                     /* DF */
	h[8] = 64;
	h[9] = IPPROTO_UDP;
	memcpy(h + 12, s->addr, 4);
	memcpy(h + 16, d->addr, 4);
	fgwx_put_be16(h + 10, (uint16_t)~faxpeer_sum(0, h, FAXPEER_IP4_LEN));
	return FAXPEER_IP4_LEN;
}

static size_t faxpeer_pcap_ip6(uint8_t *h, const struct faxpeer_ep *s, const struct faxpeer_ep *d,
                               size_t udp_len)
{
	memset(h, 0, FAXPEER_IP6_LEN);
	h[0] = 0x60;
	fgwx_put_be16(h + 4, (uint16_t)udp_len);
	h[6] = IPPROTO_UDP;
	h[7] = 64;
	memcpy(h + 8, s->addr, 16);
	memcpy(h + 24, d->addr, 16);
	return FAXPEER_IP6_LEN;
}

static void faxpeer_pcap_udp(uint8_t *u, const struct faxpeer_ep *s, const struct faxpeer_ep *d,
                             const uint8_t *payload, size_t len)
{
	size_t alen = s->family == AF_INET ? 4 : 16;
	size_t ulen = FAXPEER_UDP_LEN + len;
	uint8_t pseudo[4];
	uint32_t sum;

	fgwx_put_be16(u, s->port);
	fgwx_put_be16(u + 2, d->port);
	fgwx_put_be16(u + 4, (uint16_t)ulen);
	fgwx_put_be16(u + 6, 0);
	memcpy(u + FAXPEER_UDP_LEN, payload, len);
	sum = faxpeer_sum(0, s->addr, alen);
	sum = faxpeer_sum(sum, d->addr, alen);
	pseudo[0] = 0;
	pseudo[1] = IPPROTO_UDP;
	fgwx_put_be16(pseudo + 2, (uint16_t)ulen);
	sum = faxpeer_sum(sum, pseudo, sizeof(pseudo));
	sum = faxpeer_sum(sum, u, ulen);
	sum = ~sum & 0xffff;
	fgwx_put_be16(u + 6, (uint16_t)(sum == 0 ? 0xffff : sum));
}

void faxpeer_pcap_write(struct faxpeer_pcap *p, const struct sockaddr *src,
                        const struct sockaddr *dst, const uint8_t *payload, size_t len)
{
	struct faxpeer_ep s, d;
	struct pcap_pkthdr hdr;
	struct timespec now;
	size_t off = 0;

	if (p == NULL || len > FGW_MAX_DATAGRAM + 1)
		return;
	faxpeer_pcap_ep(src, &s);
	faxpeer_pcap_ep(dst, &d);
	if (s.family != d.family) {
		faxpeer_pcap_to_v6(&s);
		faxpeer_pcap_to_v6(&d);
	}
	if (p->link == FAXPEER_LINK_ETHER) {
		static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
		static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };
		bool a_first = memcmp(s.addr, d.addr, 16) < 0 || (memcmp(s.addr, d.addr, 16) == 0
		                                                  && s.port < d.port);
		memcpy(p->frame, a_first ? mac_b : mac_a, 6);   /* destination */
		memcpy(p->frame + 6, a_first ? mac_a : mac_b, 6);
		fgwx_put_be16(p->frame + 12, s.family == AF_INET ? 0x0800 : 0x86DD);
		off = FAXPEER_ETH_LEN;
	}
	size_t udp_len = FAXPEER_UDP_LEN + len;
	if (s.family == AF_INET)
		off += faxpeer_pcap_ip4(p, p->frame + off, &s, &d, udp_len);
	else
		off += faxpeer_pcap_ip6(p->frame + off, &s, &d, udp_len);
	faxpeer_pcap_udp(p->frame + off, &s, &d, payload, len);
	off += udp_len;
	clock_gettime(CLOCK_REALTIME, &now);
	hdr.ts.tv_sec = now.tv_sec;
	hdr.ts.tv_usec = (suseconds_t)(now.tv_nsec / 1000);
	hdr.caplen = (bpf_u_int32)off;
	hdr.len = (bpf_u_int32)off;
	pcap_dump((u_char *)p->dump, &hdr, p->frame);
}
