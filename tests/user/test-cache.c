// SPDX-License-Identifier: GPL-2.0-only
/* User-space run of the DRAM tier's policy cases. */
#include "../../kmod/swarm-cache-policy.c"
#include "utest.h"

#define CHECK(ctx, cond, ...) do { (void)(ctx); EXPECT(cond, __VA_ARGS__); } while (0)
#include "../common/cache-cases.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CASE(f) { #f, f ## _run }
#define RUN(f) static void f ## _run(void) { f(NULL); }
RUN(case_cache_weight)
RUN(case_cache_f_update)
RUN(case_cache_heap_order)
RUN(case_cache_lru_order)
RUN(case_cache_random)
RUN(case_cache_cold)

int main(void)
{
	static const struct utest_case cases[] = {
		CASE(case_cache_weight), CASE(case_cache_f_update),
		CASE(case_cache_heap_order), CASE(case_cache_lru_order),
		CASE(case_cache_random), CASE(case_cache_cold),
	};

	return utest_run("cache", cases, ARRAY_SIZE(cases));
}
