/* SPDX-License-Identifier: GPL-2.0-only */
/* A minimal unit-test harness: prints one line per case and a summary. */
#ifndef DM_SWARM_UTEST_H
#define DM_SWARM_UTEST_H

#include <inttypes.h>
#include <stdio.h>

static int utest_failures;

#define EXPECT(cond, ...) do {						\
	if (!(cond)) {							\
		utest_failures++;					\
		fprintf(stderr, "%s:%d: expected %s: ", __FILE__,	\
			__LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

struct utest_case {
	const char *name;
	void (*fn)(void);
};

static inline int utest_run(const char *suite, const struct utest_case *c,
			    unsigned int n)
{
	unsigned int i, passed = 0, failed = 0;

	for (i = 0; i < n; i++) {
		int before = utest_failures;

		c[i].fn();
		if (utest_failures == before) {
			passed++;
			printf("PASS: %s.%s\n", suite, c[i].name);
		} else {
			failed++;
			printf("FAIL: %s.%s\n", suite, c[i].name);
		}
	}
	printf("%s: %u passed, %u failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}

#endif /* DM_SWARM_UTEST_H */
