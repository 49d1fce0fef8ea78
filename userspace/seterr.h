/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The error-message helper every user-space module shares: write one
 * formatted line into the caller's buffer, if it gave one.
 */
#ifndef SWARM_SETERR_H
#define SWARM_SETERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

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

#endif /* SWARM_SETERR_H */
