/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libswarm: the user-space side of dm-swarm.
 *
 *  - a parser of cluster map files (userspace/MAP-FORMAT.md);
 *  - wrappers of the ioctls of /dev/dm-swarm-control
 *    (uapi/linux/dm-swarm.h).
 *
 * Every function that can fail returns 0 or a negative errno and, when the
 * caller gives an error buffer, writes one line that says what went wrong
 * (without a trailing newline). Parse errors read "FILE:LINE: message".
 */
#ifndef LIBSWARM_H
#define LIBSWARM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/dm-swarm.h>

/* Room for any message libswarm writes. */
#define SWARM_ERR_MAX	512

/* ---- Map files ---- */

/**
 * struct swarm_map_cluster - one cluster of a parsed map.
 * @id: cluster id, 0..nr_clusters-1.
 * @nr_members: number of members, >= 1.
 * @medoid: the medoid entry, one of the members.
 * @frequency: activation count.
 * @first: index of the first member in struct swarm_map @members.
 * @line: line of the map file it came from.
 */
struct swarm_map_cluster {
	uint32_t id;
	uint32_t nr_members;
	uint64_t medoid;
	uint64_t frequency;
	uint64_t first;
	unsigned long line;
};

/**
 * struct swarm_map_weight - one co-activation weight of a parsed map.
 * @a: a cluster id.
 * @b: another cluster id, != @a.
 * @weight: the weight.
 * @line: line of the map file it came from.
 */
struct swarm_map_weight {
	uint32_t a;
	uint32_t b;
	uint64_t weight;
	unsigned long line;
};

/**
 * struct swarm_map - a parsed, validated cluster map.
 * @clusters: @nr_clusters clusters, in file order.
 * @members: @nr_members entries: each cluster's members in file order,
 *	cluster after cluster.
 * @weights: @nr_weights weights, in file order.
 */
struct swarm_map {
	struct swarm_map_cluster *clusters;
	uint32_t nr_clusters;
	uint32_t nr_weights;
	uint64_t nr_members;
	uint64_t *members;
	struct swarm_map_weight *weights;
	/* private: allocated sizes */
	size_t cap_clusters, cap_members, cap_weights;
};

/*
 * Parse and validate a map file. On success *map holds the map (free it
 * with swarm_map_free()); on failure *map is empty and @err says why.
 * @name is the file name used in messages.
 */
int swarm_map_parse_file(const char *path, struct swarm_map *map,
			 char *err, size_t errlen);
int swarm_map_parse_stream(FILE *f, const char *name, struct swarm_map *map,
			   char *err, size_t errlen);
void swarm_map_free(struct swarm_map *map);

/*
 * Write a map file safely: swarm_mapfile_create() opens PATH.tmp and
 * writes the header (@comment may be NULL); the caller writes the
 * cluster and weight lines; swarm_mapfile_commit() closes the file and
 * renames it over @path, or removes it on any error. Both return 0 or
 * -errno with @err set; on failure of create nothing is left open.
 */
int swarm_mapfile_create(const char *path, const char *comment,
			 uint64_t nr_clusters, uint64_t nr_members,
			 uint64_t nr_weights, FILE **f, char **tmp,
			 char *err, size_t errlen);
int swarm_mapfile_commit(FILE *f, char *tmp, const char *path, char *err,
			 size_t errlen);

/*
 * Check every member against the device's entry count: -ERANGE and
 * "NAME:LINE: member M of cluster C is beyond the device's N entries".
 */
int swarm_map_check_entries(const struct swarm_map *map, const char *name,
			    uint64_t nr_entries, char *err, size_t errlen);

/* ---- Devices and the control device ---- */

/**
 * struct swarm_dev - a swarm dm device, as the ioctls name it.
 * @major: its major number.
 * @minor: its minor number.
 */
struct swarm_dev {
	uint32_t major;
	uint32_t minor;
};

#define SWARM_CONTROL_PATH	"/dev/" DM_SWARM_CONTROL_NAME
/* Environment variable that names another control device path. */
#define SWARM_CONTROL_ENV	"DM_SWARM_CONTROL"

/*
 * Resolve a dm device: a block device path (/dev/dm-0, /dev/mapper/kv),
 * a bare dm name (kv: /dev/mapper/kv) or MAJOR:MINOR.
 */
int swarm_dev_resolve(const char *spec, struct swarm_dev *dev,
		      char *err, size_t errlen);

/*
 * Open the control device: @path, or if NULL $DM_SWARM_CONTROL, or
 * SWARM_CONTROL_PATH.
 */
int swarm_ctl_open(const char *path, char *err, size_t errlen);

/* DM_SWARM_VERSION. */
int swarm_version(int fd, struct dm_swarm_version *v, char *err, size_t errlen);
/* DM_SWARM_VERSION, and -EPROTO unless the kernel's major is ours. */
int swarm_check_version(int fd, char *err, size_t errlen);

/* Upload limits per ioctl; swarm_map_upload() uses the defaults. */
#define SWARM_BATCH_MEMBERS	(1U << 20)

struct swarm_upload_opts {
	uint32_t flags;			/* DM_SWARM_MAP_* */
	uint32_t batch_clusters;	/* 1..DM_SWARM_MAX_BATCH, 0 = max */
	uint64_t batch_members;		/* 0 = SWARM_BATCH_MEMBERS */
	uint32_t batch_weights;		/* 1..DM_SWARM_MAX_BATCH, 0 = max */
};

/*
 * Upload @map: MAP_BEGIN, MAP_ADD batches, MAP_WEIGHTS batches,
 * MAP_COMMIT. If a step after MAP_BEGIN fails, MAP_ABORT is sent and
 * @err names the failed step and its errno.
 */
int swarm_map_upload(int fd, const struct swarm_dev *dev,
		     const struct swarm_map *map, uint32_t flags,
		     char *err, size_t errlen);
int swarm_map_upload_opts(int fd, const struct swarm_dev *dev,
			  const struct swarm_map *map,
			  const struct swarm_upload_opts *opts,
			  char *err, size_t errlen);

/**
 * struct swarm_stats - what DM_SWARM_STATS returns.
 * @s: the reply; @s.nr_devs is the number of members.
 * @devs: the first min(@s.nr_devs, DM_SWARM_MAX_DEVS) members.
 */
struct swarm_stats {
	struct dm_swarm_stats s;
	struct dm_swarm_dev_stats devs[DM_SWARM_MAX_DEVS];
};

int swarm_stats(int fd, const struct swarm_dev *dev, struct swarm_stats *st,
		char *err, size_t errlen);
int swarm_stats_reset(int fd, const struct swarm_dev *dev,
		      char *err, size_t errlen);

/*
 * The ABI 1.1 fields of struct dm_swarm_stats (data_start ... uuid) are
 * zero from an ABI 1.0 kernel, which has no on-disk format: a 1.1 kernel
 * always reports dev_slots.
 */
static inline int swarm_stats_has_disk(const struct dm_swarm_stats *s)
{
	return s->dev_slots != 0;
}

/* A migration runs (or waits while the device is suspended). */
static inline int swarm_migrating(const struct dm_swarm_stats *s)
{
	return s->migrate_state == DM_SWARM_MIGRATE_RUNNING ||
	       s->migrate_state == DM_SWARM_MIGRATE_PAUSED;
}

/* Poll period of swarm_map_wait(), and how long a commit may not show. */
#define SWARM_WAIT_POLL_MS	100
#define SWARM_WAIT_STALL_MS	2000

/*
 * Wait until the map committed after generation @old_generation is live:
 * poll DM_SWARM_STATS every SWARM_WAIT_POLL_MS while a migration to it
 * runs or is paused, calling @progress (may be NULL) after each poll. On
 * a device without data the commit is immediate: map_generation has
 * advanced and there is nothing to wait for. @st holds the last
 * statistics. Returns 0 when the new map is live; the migration's
 * negative errno (-EIO if it gave none) when it failed, with "migration
 * to generation G failed: ..." in @err; -ETIMEDOUT when for
 * SWARM_WAIT_STALL_MS neither the generation advanced nor a migration
 * ran; an ioctl's error.
 */
int swarm_map_wait(int fd, const struct swarm_dev *dev,
		   uint64_t old_generation,
		   void (*progress)(const struct swarm_stats *st, void *arg),
		   void *arg, struct swarm_stats *st, char *err, size_t errlen);

/*
 * DM_SWARM_PLACEMENT for @n entries: the caller fills each @entry, the
 * kernel the copies. Any @n; sent in batches of DM_SWARM_MAX_BATCH.
 */
int swarm_placement(int fd, const struct swarm_dev *dev,
		    struct dm_swarm_placement *p, size_t n,
		    char *err, size_t errlen);

/*
 * DM_SWARM_LOST once, from @q->start (ABI 1.4): the caller fills @start,
 * @nr_ranges and @ranges, the kernel the rest. ENOTTY from a kernel
 * before ABI 1.4.
 */
int swarm_lost(int fd, const struct swarm_dev *dev, struct dm_swarm_lost *q,
	       char *err, size_t errlen);

/* Names of DM_SWARM_SELECT_* and DM_SWARM_PLACE_* values. */
const char *swarm_selector_name(uint32_t selector);
const char *swarm_placement_name(uint32_t placement);
/* Names of DM_SWARM_MIGRATE_* values: idle, running, paused, done, failed. */
const char *swarm_migrate_state_name(uint32_t state);
/* A set uuid as 8-4-4-4-12 hex digits; @buf has room for 37 bytes. */
void swarm_uuid_str(const uint8_t *uuid, char *buf);

/*
 * Every ioctl goes through this pointer, ioctl(2) by default. Tests set
 * it to a fake kernel.
 */
extern int (*swarm_ioctl_fn)(int fd, unsigned long req, void *arg);

/*
 * The client API (lib/client.c, include/swarm-client.h) asks this
 * pointer whether its open @fd is a dm device, and which: 0 and *@dev,
 * or -ENOTBLK for a file. Tests make a file pass for a swarm device.
 */
struct stat;
extern int (*swarm_client_devno_fn)(int fd, const struct stat *st,
				    struct swarm_dev *dev);

/*
 * The submission order of a batch (lib/client.c): the @n indices @idx
 * of @io sorted by @key[entry] ((member + 1) << 40 | slot; NULL: by
 * entry), then dealt out member by member in turn, into @out.
 */
struct swarm_entry_io;
void swarm_client_order(const struct swarm_entry_io *io, const uint64_t *key,
			uint32_t *idx, size_t n, uint32_t *out);

#endif /* LIBSWARM_H */
