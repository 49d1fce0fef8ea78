// SPDX-License-Identifier: GPL-2.0-only
/* User-space run of the shared placement cases. */
#include "../../kmod/swarm-layout.c"
#include "../../kmod/swarm-place.c"
#include "../../kmod/swarm-disk.c"
#include "../../kmod/swarm-select.h"
#include "../../kmod/swarm-health.h"
#include "utest.h"

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define CHECK(ctx, cond, ...) do { (void)(ctx); EXPECT(cond, __VA_ARGS__); } while (0)
#include "../common/place-cases.h"
#include "../common/select-cases.h"
#include "../common/stable-cases.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#include "../common/disk-cases.h"
#include "../common/redund-cases.h"

#define CASE(f) { #f, f ## _run }
#define RUN(f) static void f ## _run(void) { f(NULL); }
RUN(case_eq7)
RUN(case_replication)
RUN(case_budget)
RUN(case_anti_affinity)
RUN(case_capacity_balance)
RUN(case_random)
RUN(case_validation)
RUN(case_least_loaded)
RUN(case_spread)
RUN(case_gap)
RUN(case_gap_batch)
RUN(case_choose_ok)
RUN(case_disk_layout)
RUN(case_disk_superblock)
RUN(case_disk_beside_records)
RUN(case_stable_same)
RUN(case_stable_80)
RUN(case_stable_striped)
RUN(case_stable_runs)
RUN(case_stable_join)
RUN(case_stable_random)
RUN(case_merge)
RUN(case_min_default)
RUN(case_min_upload)
RUN(case_min_stable)
RUN(case_min_table)

int main(void)
{
	static const struct utest_case cases[] = {
		CASE(case_eq7), CASE(case_replication), CASE(case_budget),
		CASE(case_anti_affinity), CASE(case_capacity_balance),
		CASE(case_random), CASE(case_validation),
		CASE(case_least_loaded), CASE(case_spread), CASE(case_gap),
		CASE(case_gap_batch),
		CASE(case_choose_ok),
		CASE(case_disk_layout), CASE(case_disk_superblock),
		CASE(case_disk_beside_records),
		CASE(case_stable_same), CASE(case_stable_80),
		CASE(case_stable_striped), CASE(case_stable_runs),
		CASE(case_stable_join),
		CASE(case_stable_random),
		CASE(case_merge),
		CASE(case_min_default), CASE(case_min_upload),
		CASE(case_min_stable), CASE(case_min_table),
	};

	return utest_run("place", cases, ARRAY_SIZE(cases));
}
