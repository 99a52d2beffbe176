/*
 * qv-sanlock-lease: what the sanlock driver and the cleanup share: the
 * sanlk_resource of a lease, its text form for messages, sanlock's
 * errors as GErrors, and the safe creation of lease files.
 * Internal to src/locking; only built with libsanlock.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <sanlock.h>

#include "locking/qv-lock-config.h"

G_BEGIN_DECLS

/* A one-disk resource, checked against sanlock's limits (name shorter
 * than SANLK_NAME_LEN, path with escapes shorter than SANLK_PATH_LEN);
 * free with g_free */
struct sanlk_resource *qv_sanlock_resource_new(const char *lockspace, const char *name,
                                               const char *path, uint64_t offset,
                                               uint32_t flags, GError **error);

/* "lockspace:name:path:offset" of @res, for messages */
char *qv_sanlock_resource_describe(const struct sanlk_resource *res);

/* "held by host_id 2" (or "held by host_id 1, 2"), or NULL when sanlock
 * reports no owner or cannot tell */
char *qv_sanlock_resource_holders(const struct sanlk_resource *res);

/* Set *@error to @code with "MESSAGE: <sanlock's or the system's text>
 * (rv)" for the sanlock return value @rv (< 0) */
void qv_sanlock_set_error(GError **error, int code, int rv, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* The text of a sanlock return value (static or from @buf) */
const char *qv_sanlock_strerror(int rv, char *buf, size_t len);

/*
 * Create the lease file of @res (its one disk, offset 0) when it is
 * missing: a temporary file in the same folder, zeroed to
 * sanlock_align's size and formatted, then linked to the final name
 * without replacing it (a concurrent creator's file wins).  A failure
 * leaves nothing under the final name.
 */
bool qv_sanlock_lease_create(const QvSanlockConfig *cfg, const struct sanlk_resource *res,
                             GError **error);

/* The prefix and suffix of the temporary files (the cleanup's business) */
#define QV_SANLOCK_TMP_PREFIX ".qvirt-"
#define QV_SANLOCK_TMP_SUFFIX ".tmp"

G_END_DECLS
