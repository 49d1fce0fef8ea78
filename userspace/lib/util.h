/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The small helpers every part of the user space shares (lib/, cluster/,
 * cli/, bench/): error messages into a caller's buffer, growing arrays,
 * qsort() comparators, a 64-bit mixer, clocks and the peak RSS.
 */
#ifndef SWARM_UTIL_H
#define SWARM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Write one formatted line into the caller's buffer @err, if it gave
 * one: libswarm's way of saying what went wrong.
 */
static inline void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Make room for @need elements of @size bytes in *@arr, of which *@cap
 * fit now: the capacity doubles (at least 16). 0 or -ENOMEM.
 */
int swarm_grow(void **arr, size_t *cap, size_t need, size_t size);

/* qsort() comparators: ascending. */
int cmp_u32(const void *a, const void *b);
int cmp_u64(const void *a, const void *b);
int cmp_double(const void *a, const void *b);

/* A 64-bit finaliser (MurmurHash3's fmix64): hashing, seeds. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Seconds: monotonic (now_s) and the CPU time of every thread (cpu_s). */
double now_s(void);
double cpu_s(void);
/* The process's peak resident set so far, MiB. */
double peak_rss_mib(void);

#endif /* SWARM_UTIL_H */
