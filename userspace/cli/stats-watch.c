// SPDX-License-Identifier: GPL-2.0-only
/* swarmctl stats --watch: rates and their lines (cli/stats-watch.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/stats-watch.h"

#define MIB	(1024.0 * 1024.0)

static uint32_t devs_of(const struct swarm_stats *st)
{
	return st->s.nr_devs < DM_SWARM_MAX_DEVS ? st->s.nr_devs :
	       DM_SWARM_MAX_DEVS;
}

/* @b - @a, or @b itself when the counter went backwards (a reset). */
static uint64_t since(uint64_t a, uint64_t b, bool reset)
{
	return reset || b < a ? b : b - a;
}

static bool went_back(const struct swarm_stats *a, const struct swarm_stats *b)
{
	uint32_t i, n = devs_of(b) < devs_of(a) ? devs_of(b) : devs_of(a);

	if (b->s.reads < a->s.reads || b->s.writes < a->s.writes ||
	    b->s.multi_copy_reads < a->s.multi_copy_reads ||
	    b->s.redirected_reads < a->s.redirected_reads ||
	    devs_of(a) != devs_of(b))
		return true;
	for (i = 0; i < n; i++) {
		const struct dm_swarm_dev_stats *x = &a->devs[i], *y = &b->devs[i];

		if (y->reads < x->reads || y->writes < x->writes ||
		    y->read_bytes < x->read_bytes ||
		    y->write_bytes < x->write_bytes || y->busy_ns < x->busy_ns)
			return true;
	}
	return false;
}

void watch_delta(const struct swarm_stats *a, const struct swarm_stats *b,
		 double secs, struct watch *w)
{
	uint64_t dev_reads = 0;
	uint32_t i;
	bool r;

	memset(w, 0, sizeof(*w));
	if (secs <= 0)
		secs = 1e-9;
	r = went_back(a, b);
	w->secs = secs;
	w->reset = r;
	w->nr_devs = devs_of(b);
	w->selector = b->s.selector;
	w->generation = b->s.map_generation;
	w->reads_s = since(a->s.reads, b->s.reads, r) / secs;
	w->writes_s = since(a->s.writes, b->s.writes, r) / secs;
	w->multi_s = since(a->s.multi_copy_reads, b->s.multi_copy_reads, r) / secs;
	w->redirected_s = since(a->s.redirected_reads, b->s.redirected_reads,
				r) / secs;
	if (w->multi_s > 0)
		w->redirected_pct = 100.0 * w->redirected_s / w->multi_s;
	for (i = 0; i < w->nr_devs; i++)
		dev_reads += since(a->devs[i].reads, b->devs[i].reads, r);
	for (i = 0; i < w->nr_devs; i++) {
		const struct dm_swarm_dev_stats *x = &a->devs[i], *y = &b->devs[i];
		struct watch_dev *d = &w->devs[i];
		uint64_t reads = since(x->reads, y->reads, r);
		double util;

		d->read_mib_s = since(x->read_bytes, y->read_bytes, r) / MIB / secs;
		d->write_mib_s = since(x->write_bytes, y->write_bytes, r) / MIB / secs;
		d->read_iops = reads / secs;
		d->write_iops = since(x->writes, y->writes, r) / secs;
		d->inflight = y->inflight;
		util = 100.0 * since(x->busy_ns, y->busy_ns, r) / (secs * 1e9);
		d->util_pct = util > 100.0 ? 100.0 : util;
		if (dev_reads)
			d->read_share_pct = 100.0 * reads / dev_reads;
	}
}

/* snprintf at @*pos of @buf, keeping the total length like snprintf. */
static void __attribute__((format(printf, 4, 5)))
add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL,
		      *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += n;
}

static size_t format_json(const struct watch *w, double t, char *buf,
			  size_t len)
{
	size_t pos = 0;
	uint32_t i;

	add(buf, len, &pos, "{\"t\":%.3f,\"interval_s\":%.3f,\"reset\":%s,"
	    "\"generation\":%" PRIu64 ",\"selector\":\"%s\",\"reads_s\":%.1f,"
	    "\"writes_s\":%.1f,\"multi_copy_reads_s\":%.1f,"
	    "\"redirected_reads_s\":%.1f,\"redirected_pct\":%.1f,\"devs\":[",
	    t, w->secs, w->reset ? "true" : "false", w->generation,
	    swarm_selector_name(w->selector), w->reads_s, w->writes_s,
	    w->multi_s, w->redirected_s, w->redirected_pct);
	for (i = 0; i < w->nr_devs; i++) {
		const struct watch_dev *d = &w->devs[i];

		add(buf, len, &pos, "%s{\"dev\":%" PRIu32 ",\"read_mib_s\":%.2f,"
		    "\"write_mib_s\":%.2f,\"read_iops\":%.1f,"
		    "\"write_iops\":%.1f,\"inflight\":%" PRIu64 ","
		    "\"util_pct\":%.1f,\"read_share_pct\":%.1f}", i ? "," : "",
		    i, d->read_mib_s, d->write_mib_s, d->read_iops,
		    d->write_iops, d->inflight, d->util_pct, d->read_share_pct);
	}
	add(buf, len, &pos, "]}\n");
	return pos;
}

size_t watch_format(const struct watch *w, double t, bool json, char *buf,
		    size_t len)
{
	size_t pos = 0;
	uint32_t i;

	if (len)
		buf[0] = '\0';
	if (json)
		return format_json(w, t, buf, len);
	add(buf, len, &pos, "%9.1f s %4s %9s %9s %9s %9s %8s %6s %7s%s\n", t,
	    "dev", "rMiB/s", "wMiB/s", "r/s", "w/s", "inflight", "util%",
	    "rshare%", w->reset ? "  (statistics reset)" : "");
	for (i = 0; i < w->nr_devs; i++) {
		const struct watch_dev *d = &w->devs[i];

		add(buf, len, &pos, "%11s %4" PRIu32 " %9.2f %9.2f %9.1f %9.1f "
		    "%8" PRIu64 " %6.1f %7.1f\n", "", i, d->read_mib_s,
		    d->write_mib_s, d->read_iops, d->write_iops, d->inflight,
		    d->util_pct, d->read_share_pct);
	}
	add(buf, len, &pos, "%11s swarm reads/s %.1f writes/s %.1f, selector %s: "
	    "%.1f/s with a choice, %.1f/s redirected (%.1f%%), generation %"
	    PRIu64 "\n", "", w->reads_s, w->writes_s,
	    swarm_selector_name(w->selector), w->multi_s, w->redirected_s,
	    w->redirected_pct, w->generation);
	return pos;
}
