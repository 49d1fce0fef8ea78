// SPDX-License-Identifier: GPL-2.0-only
/* Tests of the grouping of traced reads into steps (trace record). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/record.h"
#include "utest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define US 1000ULL

static void ev(struct dm_swarm_trace_event *e, uint32_t pid, uint64_t t_us,
	       uint64_t entry)
{
	e->pid = pid;
	e->tgid = pid;
	e->time_ns = t_us * US;
	e->entry = entry;
}

/* Two threads interleaved, bursts 1 ms apart, repeats dropped. */
static void grouping(void)
{
	struct dm_swarm_trace_event e[10];
	struct swarm_step *s;
	uint64_t *ent;
	long n;

	ev(&e[0], 7, 0, 1);
	ev(&e[1], 9, 5, 100);
	ev(&e[2], 7, 10, 2);
	ev(&e[3], 7, 20, 1);	/* repeat within the step */
	ev(&e[4], 9, 15, 101);
	ev(&e[5], 7, 1100, 3);	/* 1 ms later: a new step of thread 7 */
	ev(&e[6], 7, 1150, 4);
	ev(&e[7], 9, 2000, 102);
	ev(&e[8], 9, 2001, 103);
	ev(&e[9], 7, 1120, 5);
	n = swarm_group_steps(e, ARRAY_SIZE(e), 500 * US, true, &s, &ent);
	EXPECT(n == 4, "steps %ld", n);
	if (n != 4)
		return;
	/* By start time: 7@0, 9@5, 7@1100, 9@2000. */
	EXPECT(s[0].nr == 2 && ent[s[0].first] == 1 && ent[s[0].first + 1] == 2,
	       "step 0");
	EXPECT(s[1].nr == 2 && ent[s[1].first] == 100 && ent[s[1].first + 1] == 101,
	       "step 1");
	EXPECT(s[2].nr == 3 && ent[s[2].first] == 3 && ent[s[2].first + 1] == 5 &&
	       ent[s[2].first + 2] == 4, "step 2");
	EXPECT(s[3].nr == 2 && ent[s[3].first] == 102, "step 3");
	free(s);
	free(ent);
}

/*
 * By process: an io_uring worker thread of the same process continues the
 * step its submitter started.
 */
static void by_process(void)
{
	struct dm_swarm_trace_event e[4];
	struct swarm_step *s;
	uint64_t *ent;
	long n;

	ev(&e[0], 7, 0, 1);
	ev(&e[1], 8, 10, 2);	/* worker thread 8 of process 7 */
	e[1].tgid = 7;
	ev(&e[2], 7, 20, 3);
	ev(&e[3], 9, 30, 4);	/* another process */
	n = swarm_group_steps(e, ARRAY_SIZE(e), 500 * US, false, &s, &ent);
	EXPECT(n == 2, "steps %ld", n);
	if (n == 2)
		EXPECT(s[0].nr == 3 && s[1].nr == 1, "sizes %zu %zu", s[0].nr, s[1].nr);
	free(s);
	free(ent);
	ev(&e[0], 7, 0, 1);	/* the call above rewrote them */
	ev(&e[1], 8, 10, 2);
	e[1].tgid = 7;
	ev(&e[2], 7, 20, 3);
	ev(&e[3], 9, 30, 4);
	n = swarm_group_steps(e, ARRAY_SIZE(e), 500 * US, true, &s, &ent);
	EXPECT(n == 3, "by thread: steps %ld", n);
	free(s);
	free(ent);
}

static void empty(void)
{
	struct swarm_step *s;
	uint64_t *ent;

	EXPECT(swarm_group_steps(NULL, 0, 1, false, &s, &ent) == 0 && !s && !ent,
	       "empty");
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "grouping", grouping },
		{ "by_process", by_process },
		{ "empty", empty },
	};

	return utest_run("record", cases, ARRAY_SIZE(cases));
}
