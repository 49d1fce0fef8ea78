/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: the few kernel helpers the pure code uses, for user space.
 * Only included when __KERNEL__ is not defined.
 */
#ifndef DM_SWARM_USER_H
#define DM_SWARM_USER_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef U64_MAX
#define U64_MAX UINT64_MAX
#endif
#ifndef U32_MAX
#define U32_MAX UINT32_MAX
#endif

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

static inline unsigned int ilog2(unsigned long n)
{
	return (unsigned int)(8 * sizeof(n) - 1 - __builtin_clzl(n));
}

static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = (u32)(dividend % divisor);
	return dividend / divisor;
}

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

/* Like the kernel's: decimal digits only, one optional trailing newline. */
static inline int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long v = 0;
	const char *p = s;

	if (base != 10 || !*p)
		return -EINVAL;
	if (*p == '+')
		p++;
	if (!*p)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (ULLONG_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (p == s || (*p == '\n' && p[1]) || (*p && *p != '\n'))
		return -EINVAL;
	*res = v;
	return 0;
}

static inline int kstrtou32(const char *s, unsigned int base, u32 *res)
{
	unsigned long long v;
	int r = kstrtoull(s, base, &v);

	if (r)
		return r;
	if (v > U32_MAX)
		return -ERANGE;
	*res = (u32)v;
	return 0;
}

#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define BIT_ULL(n)		(1ULL << (n))
#define hweight64(x)		((unsigned int)__builtin_popcountll(x))

#define swarm_zalloc(n, size)	calloc(n, size)
#define swarm_free(p)		free(p)

/* The kernel's sort() has the same shape as qsort() plus a swap hook. */
static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *), void *swap)
{
	(void)swap;
	qsort(base, num, size, cmp);
}

/* On-disk integers (swarm-disk.h) are little-endian. */
#include <endian.h>
typedef uint32_t __le32;
typedef uint64_t __le64;
typedef uint16_t __le16;
#define cpu_to_le16(x)	htole16(x)
#define le16_to_cpu(x)	le16toh(x)
#define cpu_to_le32(x)	htole32(x)
#define cpu_to_le64(x)	htole64(x)
#define le32_to_cpu(x)	le32toh(x)
#define le64_to_cpu(x)	le64toh(x)
#define round_up(x, y)	((((x) + (y) - 1) / (y)) * (y))

#endif /* DM_SWARM_USER_H */
