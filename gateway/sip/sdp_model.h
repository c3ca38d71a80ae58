/*
 * sdp_model.h - the values of the SDP layer (sdp.h): the parsed session
 * description (RFC 4566), T.38 attributes (ITU-T T.38 Annex D, RFC 3362),
 * a port's settings and the media plan an answer decides (RFC 3264).
 * Types only, shared by sdp.c and t38sdp.c; plain values, no pointers to
 * keep alive.
 */
#ifndef FAXGW_SIP_SDP_MODEL_H
#define FAXGW_SIP_SDP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

/* Every failure of this module; negative, SDP_OK is 0. */
enum sdp_err {
	SDP_OK = 0,
	SDP_E_INVAL = -1,              /* NULL argument or invalid settings */
	SDP_E_TOO_BIG = -2,            /* body longer than FGW_SDP_MAX_BODY */
	SDP_E_LINE_TOO_LONG = -3,      /* a line longer than FGW_SDP_MAX_LINE */
	SDP_E_CHARSET = -4,            /* NUL, a control character or a lone CR */
	SDP_E_SYNTAX = -5,             /* a line not "<letter>=<value>", or a bad t= */
	SDP_E_VERSION = -6,            /* the first line is not v=0 */
	SDP_E_MISSING = -7,            /* o=, s= or t= missing before the first m= */
	SDP_E_ORIGIN = -8,             /* malformed o= */
	SDP_E_CONNECTION = -9,         /* malformed c=, or not a numeric IPv4/IPv6 address */
	SDP_E_NO_CONNECTION = -10,     /* an active stream without c= (nor a session c=) */
	SDP_E_MEDIA = -11,             /* malformed m= */
	SDP_E_TOO_MANY_MEDIA = -12,    /* more than FGW_SDP_MAX_MEDIA m= lines */
	SDP_E_TOO_MANY_FORMATS = -13,  /* more than FGW_SDP_MAX_FORMATS formats on an m= line */
	SDP_E_TOO_MANY_ATTRS = -14,    /* more than FGW_SDP_MAX_ATTRS a= lines in a section */
	SDP_E_ATTRIBUTE = -15,         /* malformed rtpmap, ptime, maxptime */
	SDP_E_T38 = -16,               /* malformed T.38 attribute (T.38 Annex D) */
	SDP_E_DUPLICATE = -17,         /* a line or attribute repeated where one is allowed */
	SDP_E_NOT_ACCEPTABLE = -18,    /* nothing acceptable: answer 488 */
	SDP_E_NO_SPACE = -19           /* writer: the buffer is too small */
};


enum sdp_media_type { SDP_MEDIA_OTHER = 0, SDP_MEDIA_AUDIO, SDP_MEDIA_IMAGE };
enum sdp_proto { SDP_PROTO_OTHER = 0, SDP_PROTO_RTP_AVP, SDP_PROTO_UDPTL };

/* Payload formats we tell apart (RFC 3551 table 4 and rtpmap names).
 * PCMU and PCMA are answered; the others are recognised and ignored. */
enum sdp_codec {
	SDP_CODEC_OTHER = 0,
	SDP_CODEC_PCMU,
	SDP_CODEC_PCMA,
	SDP_CODEC_TELEPHONE_EVENT,     /* RFC 4733 */
	SDP_CODEC_G726,                /* G726-16/24/32/40, AAL2-G726-*, static 2 */
	SDP_CODEC_G729                 /* G729, static 18 */
};

/* Stream direction (RFC 4566 6, RFC 3264 6.1).  UNSET only while parsing. */
enum sdp_dir { SDP_DIR_UNSET = 0, SDP_DIR_SENDRECV, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY,
	       SDP_DIR_INACTIVE };

/* ----- T.38 in SDP (ITU-T T.38 Annex D, RFC 3362) -------------------------- */

/* Bits of struct sdp_t38.present: which attributes were written. */
#define SDP_T38_HAS_VERSION      0x001u
#define SDP_T38_HAS_MAX_BITRATE  0x002u
#define SDP_T38_HAS_FILL_BIT     0x004u
#define SDP_T38_HAS_MMR          0x008u
#define SDP_T38_HAS_JBIG         0x010u
#define SDP_T38_HAS_RATE_MGMT    0x020u
#define SDP_T38_HAS_MAX_BUFFER   0x040u
#define SDP_T38_HAS_MAX_DATAGRAM 0x080u
#define SDP_T38_HAS_UDP_EC       0x100u

/* The optional boolean attributes (struct sdp_t38.flags, settings.t38_flags). */
#define SDP_T38_FILL_BIT_REMOVAL 0x1u  /* T38FaxFillBitRemoval */
#define SDP_T38_TRANSCODING_MMR  0x2u  /* T38FaxTranscodingMMR */
#define SDP_T38_TRANSCODING_JBIG 0x4u  /* T38FaxTranscodingJBIG */
#define SDP_T38_ALL_FLAGS        0x7u

/* How booleans are written: a bare attribute (Annex D: present = true) or
 * with a value `:0`/`:1` (Cisco and others, who expect it mirrored). */
enum sdp_t38_style { SDP_T38_STYLE_BARE = 0, SDP_T38_STYLE_VALUE };

enum sdp_t38_rate { SDP_T38_RATE_NONE = 0, SDP_T38_RATE_LOCAL_TCF, SDP_T38_RATE_TRANSFERRED_TCF };

/* UDPTL error correction, weakest first (the answer may only weaken). */
enum sdp_t38_ec { SDP_T38_EC_NONE = 0, SDP_T38_EC_REDUNDANCY, SDP_T38_EC_FEC };

/* The T.38 attributes of one image stream, as read or as to be written.
 * A value whose SDP_T38_HAS_* bit is clear is 0 / NONE. */
struct sdp_t38 {
	unsigned present;              /* SDP_T38_HAS_* */
	unsigned version;              /* T38FaxVersion (0..255 read; 0..3 meaningful) */
	uint32_t max_bitrate;          /* T38MaxBitRate, bit/s */
	unsigned flags;                /* SDP_T38_* booleans that are true */
	enum sdp_t38_style style;      /* VALUE if any boolean was written with a value */
	enum sdp_t38_rate rate;        /* T38FaxRateManagement */
	uint32_t max_buffer;           /* T38FaxMaxBuffer, bytes */
	uint32_t max_datagram;         /* T38FaxMaxDatagram, bytes */
	enum sdp_t38_ec ec;            /* T38FaxUdpEC */
};

/* ----- the parsed session description -------------------------------------- */

/* A numeric connection address (c=IN IP4 / IP6, RFC 4566 5.7). */
struct sdp_addr {
	int family;                    /* AF_INET or AF_INET6; 0 when absent */
	uint8_t bytes[16];             /* network order; IPv4 in the first 4 */
	char text[FGW_SDP_MAX_ADDR_TEXT]; /* canonical form (inet_ntop) */
};

/* One payload format of an RTP m= line. */
struct sdp_format {
	uint8_t pt;                    /* payload type 0..127 */
	enum sdp_codec codec;          /* by a=rtpmap name, else by static number */
	bool rtpmap;                   /* an a=rtpmap named it */
};

/* One m= section (RFC 4566 5.14) with what a fax gateway reads of it. */
struct sdp_media {
	enum sdp_media_type type;
	enum sdp_proto proto;
	char type_text[FGW_SDP_MAX_TOKEN + 1];  /* as written: echoed when rejected */
	char proto_text[FGW_SDP_MAX_TOKEN + 1];
	char fmt_text[FGW_SDP_MAX_TOKEN + 1];   /* the first format, as written */
	uint16_t port;                 /* 0: the stream is disabled */
	struct sdp_addr conn;          /* its c=, else the session's (family 0: none, port 0) */
	size_t n_formats;              /* RTP/AVP only: formats[] in offer order */
	struct sdp_format formats[FGW_SDP_MAX_FORMATS];
	bool t38;                      /* udptl with format t38 */
	unsigned ptime;                /* a=ptime ms (media, else session level); 0 absent */
	unsigned maxptime;             /* a=maxptime ms; 0 absent */
	enum sdp_dir dir;              /* resolved: media, else session, else sendrecv */
	struct sdp_t38 t38p;           /* the T.38 attributes (image streams only) */
};

struct sdp_session {
	char origin_user[FGW_SDP_MAX_TOKEN + 1];    /* o= username */
	char origin_id[FGW_SDP_MAX_TOKEN + 1];      /* o= sess-id (digits) */
	char origin_version[FGW_SDP_MAX_TOKEN + 1]; /* o= sess-version: unchanged means
						   the same SDP (RFC 3264 8) */
	struct sdp_addr conn;          /* session-level c= (family 0: none) */
	size_t n_media;
	struct sdp_media media[FGW_SDP_MAX_MEDIA];
};

/* ----- offer/answer (RFC 3264) ------------------------------------------------ */

enum sdp_t38_mode { SDP_T38_NO = 0, SDP_T38_ACCEPT, SDP_T38_OFFER };

/* What a port allows and announces (a [port] with transport = sip). */
struct sdp_settings {
	enum sdp_t38_mode t38;         /* t38 = offer | accept | no */
	size_t n_codecs;               /* 1..FGW_SDP_MAX_CODECS */
	enum sdp_codec codecs[FGW_SDP_MAX_CODECS]; /* PCMU/PCMA, our preference first */
	unsigned t38_version;          /* 0..3: the highest we speak */
	uint32_t max_rate;             /* max-rate, bit/s */
	enum sdp_t38_ec udptl_ec;      /* the strongest error correction we allow */
	unsigned t38_flags;            /* SDP_T38_* booleans we support */
	uint32_t t38_max_datagram;     /* T38FaxMaxDatagram we announce (> 0) */
	uint32_t t38_max_buffer;       /* T38FaxMaxBuffer we announce; 0: not written */
	unsigned ptime;                /* ms in our own audio offers (10..60; 0: 20) */
};

enum sdp_transport { SDP_TRANSPORT_NONE = 0, SDP_TRANSPORT_AUDIO, SDP_TRANSPORT_T38 };

/*
 * The media plan: what the SIP thread hands to a media thread, plain values
 * only.  Audio fields are zero for T.38 and the reverse.
 */
struct sdp_plan {
	enum sdp_transport transport;
	size_t media_index;            /* the accepted m= line */
	struct sdp_addr remote;        /* where to send; media only from there */
	uint16_t remote_port;
	enum sdp_dir dir;              /* our direction (RFC 3264 6.1) */
	/* audio (G.711) */
	uint8_t payload_type;          /* the peer's number for the law */
	enum sdp_codec law;            /* SDP_CODEC_PCMU or SDP_CODEC_PCMA */
	unsigned ptime;                /* ms, 10..60 */
	/* T.38 */
	struct sdp_t38 t38;            /* negotiated: as we answer it (or as answered) */
	uint32_t t38_send_max_datagram; /* our UDPTL datagrams stay within this */
};

/* The decision on an offer: status 200 with a plan, or 488 with a warning. */
struct sdp_answer {
	int status;                    /* 200 or 488 */
	char warning[FGW_SDP_MAX_WARNING]; /* 488: text for a Warning header (RFC 3261 20.43) */
	struct sdp_plan plan;          /* status 200 only */
};

#endif
