// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the helpers every part of the user space shares: the hash map
 * (userspace/lib/hmap.h) against a plain array, including the key that
 * marks empty slots and growth, and lib/util.h's comparators, mixer and
 * array growth.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/util.h"
#include "utest.h"

/* Keys spread over the whole range, and some neighbours. */
static uint64_t key_of(uint64_t i)
{
	return i % 3 ? mix64(i) : i;
}

static void hmap_basic(void)
{
	struct swarm_hmap m;
	bool added;
	float *v;

	swarm_hmap_init(&m, sizeof(float));
	EXPECT(!swarm_hmap_find(&m, 7), "empty map finds 7");
	v = swarm_hmap_get(&m, 7, &added);
	EXPECT(v && added && *v == 0, "first get adds a zero value");
	*v += 2.5f;
	v = swarm_hmap_get(&m, 7, &added);
	EXPECT(v && !added && *v == 2.5f, "second get finds %g", v ? *v : -1);
	v = swarm_hmap_find(&m, 7);
	EXPECT(v && *v == 2.5f, "find");
	EXPECT(m.n == 1, "n %zu", m.n);
	swarm_hmap_free(&m);
	EXPECT(!m.keys && !m.vals && !m.n && m.val_size == sizeof(float),
	       "freed map is empty and keeps its value size");
}

/* UINT64_MAX marks empty slots; it is a key like any other. */
static void hmap_empty_key(void)
{
	struct swarm_hmap m;
	uint64_t *v, key, seen = 0;
	size_t pos = 0;
	bool added;

	swarm_hmap_init(&m, sizeof(uint64_t));
	EXPECT(!swarm_hmap_find(&m, UINT64_MAX), "not there yet");
	v = swarm_hmap_get(&m, UINT64_MAX, &added);
	EXPECT(v && added, "added");
	*v = 11;
	v = swarm_hmap_get(&m, 0, &added);
	EXPECT(v && added, "0 added");
	*v = 12;
	v = swarm_hmap_find(&m, UINT64_MAX);
	EXPECT(v && *v == 11, "UINT64_MAX -> %llu",
	       v ? (unsigned long long)*v : 0ULL);
	EXPECT(m.n == 2, "n %zu", m.n);
	while ((v = swarm_hmap_next(&m, &pos, &key)))
		seen += key == UINT64_MAX ? *v * 100 : *v;
	EXPECT(seen == 1112, "walk saw %llu", (unsigned long long)seen);
	swarm_hmap_free(&m);
}

/* 100000 keys through many growths: every value kept, walked once. */
static void hmap_many(void)
{
	const uint64_t n = 100000;
	struct swarm_hmap m;
	uint64_t i, key, walked = 0, sum = 0;
	size_t pos = 0;
	uint32_t *v;
	bool ok = true;

	swarm_hmap_init(&m, sizeof(uint32_t));
	for (i = 0; i < n && ok; i++) {
		v = swarm_hmap_get(&m, key_of(i), NULL);
		ok = v != NULL;
		if (v)
			*v = (uint32_t)i;
	}
	EXPECT(ok && m.n == n, "n %zu", m.n);
	EXPECT(m.cap * 3 >= m.n * 4, "at most 3/4 full: %zu of %zu", m.n,
	       m.cap);
	for (i = 0; i < n && ok; i++) {
		v = swarm_hmap_find(&m, key_of(i));
		ok = v && *v == i;
	}
	EXPECT(ok, "key %llu lost", (unsigned long long)i - 1);
	EXPECT(!swarm_hmap_find(&m, key_of(n)), "a key never added");
	while ((v = swarm_hmap_next(&m, &pos, &key))) {
		walked++;
		sum += *v;
		ok &= key == key_of(*v);
	}
	EXPECT(ok && walked == n && sum == n * (n - 1) / 2,
	       "walk: %llu keys", (unsigned long long)walked);
	swarm_hmap_free(&m);
}

/* Values wider than a word are copied whole when the table grows. */
static void hmap_wide_values(void)
{
	struct val {
		uint64_t a, b, c;
	} *v;
	struct swarm_hmap m;
	uint64_t i;
	bool ok = true;

	swarm_hmap_init(&m, sizeof(struct val));
	for (i = 0; i < 5000 && ok; i++) {
		v = swarm_hmap_get(&m, i * 7, NULL);
		ok = v != NULL;
		if (v)
			*v = (struct val){ i, ~i, i * i };
	}
	for (i = 0; i < 5000 && ok; i++) {
		v = swarm_hmap_find(&m, i * 7);
		ok = v && v->a == i && v->b == ~i && v->c == i * i;
	}
	EXPECT(ok, "value of key %llu", (unsigned long long)(i - 1) * 7);
	swarm_hmap_free(&m);
}

static void compare(void)
{
	uint64_t a64[] = { 5, UINT64_MAX, 0, 1ULL << 40, 5 };
	uint32_t a32[] = { 3, UINT32_MAX, 0, 2 };
	double ad[] = { 1.5, -2, 0, 1e9 };
	size_t i;
	bool ok = true;

	qsort(a64, ARRAY_SIZE(a64), sizeof(*a64), cmp_u64);
	qsort(a32, ARRAY_SIZE(a32), sizeof(*a32), cmp_u32);
	qsort(ad, ARRAY_SIZE(ad), sizeof(*ad), cmp_double);
	for (i = 1; i < ARRAY_SIZE(a64); i++)
		ok &= a64[i - 1] <= a64[i];
	for (i = 1; i < ARRAY_SIZE(a32); i++)
		ok &= a32[i - 1] <= a32[i];
	for (i = 1; i < ARRAY_SIZE(ad); i++)
		ok &= ad[i - 1] <= ad[i];
	EXPECT(ok, "sorted");
	EXPECT(a64[4] == UINT64_MAX && a32[3] == UINT32_MAX && ad[0] == -2,
	       "extremes");
	EXPECT(cmp_u64(&a64[0], &a64[0]) == 0, "equal");
}

static void mixer_and_grow(void)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	/* MurmurHash3's fmix64: seeds and MinHash depend on these values */
	EXPECT(mix64(0) == 0, "mix64(0) %llx", (unsigned long long)mix64(0));
	EXPECT(mix64(1) == 0xb456bcfc34c2cb2cULL, "mix64(1) %llx",
	       (unsigned long long)mix64(1));
	EXPECT(!swarm_grow((void **)&a, &cap, 1, sizeof(*a)) && cap == 16,
	       "cap %zu", cap);
	EXPECT(!swarm_grow((void **)&a, &cap, 16, sizeof(*a)) && cap == 16,
	       "no growth needed: cap %zu", cap);
	EXPECT(!swarm_grow((void **)&a, &cap, 100, sizeof(*a)) && cap == 128,
	       "cap %zu", cap);
	a[99] = 1;
	EXPECT(swarm_grow((void **)&a, &cap, SIZE_MAX / 2, sizeof(*a)) ==
	       -ENOMEM && cap == 128, "overflow");
	free(a);
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "hmap_basic", hmap_basic },
		{ "hmap_empty_key", hmap_empty_key },
		{ "hmap_many", hmap_many },
		{ "hmap_wide_values", hmap_wide_values },
		{ "compare", compare },
		{ "mixer_and_grow", mixer_and_grow },
	};

	return utest_run("util", cases, ARRAY_SIZE(cases));
}
