/*
 * fgwx_be.h - big-endian (network byte order) loads and stores of 16, 32
 * and 64-bit unsigned integers, one byte at a time: no alignment needed,
 * no casts of packet bytes to wider types.
 *
 * The caller guarantees that p points to at least 2, 4 or 8 bytes; these
 * functions check nothing (p must not be NULL).  Header-only, so any layer
 * (including libfaxgw.so) can use them without linking libfaxutil.a.
 */
#ifndef FAXGW_UTIL_FGWX_BE_H
#define FAXGW_UTIL_FGWX_BE_H

#include <stdint.h>

static inline uint16_t fgwx_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t fgwx_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t fgwx_get_be64(const uint8_t *p)
{
	return (uint64_t)fgwx_get_be32(p) << 32 | fgwx_get_be32(p + 4);
}

static inline void fgwx_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void fgwx_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void fgwx_put_be64(uint8_t *p, uint64_t v)
{
	fgwx_put_be32(p, (uint32_t)(v >> 32));
	fgwx_put_be32(p + 4, (uint32_t)v);
}

#endif
