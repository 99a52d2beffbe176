/*
 * qv-sup-quorum: what qv-sup-quorum.c (the quorum operations and their
 * jobs) and qv-sup-health.c (disk and quorum child health) share.
 */
#pragma once

#include "supervisor/qv-supervisor-priv.h"

/*
 * The health document (state/NAME.health.json), one member per disk:
 *   "vdb": {"error": ENTRY,                  the disk's last error
 *           "children": {"vdb-f3": ENTRY},   each quorum child's, by node
 *           "scrub": {"state": "running"|"completed"|"failed"|"aborted",
 *                     "started", "ended": seconds,
 *                     "bad": [{"node", "type", "sector", "count"}]}}
 *   ENTRY: {"event", "type" (read, write, flush, quorum), "error"?,
 *           "nospace"?, "time" (seconds), "sector", "count"}
 * It holds the last of each kind, never a count: QEMU throttles the
 * quorum events to one a second per node (research note §2.3).
 */

/* @dst's member (borrowed), created when @create; NULL otherwise */
json_object *qv_sup_health_disk(QvSupervisor *sup, const char *dst, bool create);
void qv_sup_health_save(QvSupervisor *sup);
/* A child that left the quorum leaves its health behind */
void qv_sup_health_forget_child(QvSupervisor *sup, const char *dst, const char *node);
/* A scrub of @dst starts (state running, no bad range) or ends */
void qv_sup_health_scrub(QvSupervisor *sup, const char *dst, const char *state);
