/*
 * qv-launch: the CLI's side of the supervisor: start one (for `start`,
 * or to take over a QEMU whose supervisor died) and wait for its report,
 * and send it requests on its control socket.
 *
 * The supervisor is the qvirt executable run as `qvirt __supervise`,
 * double-forked and in a session of its own, so that it outlives the CLI
 * and signals to the CLI's process group never reach it.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

#include "conf/qv-conn.h"
#include "supervisor/qv-ctl-proto.h"
#include "supervisor/qv-status.h"
#include "supervisor/qv-supervisor.h"

G_BEGIN_DECLS

/*
 * Whether a supervisor is a fork of this process that runs its main
 * directly (true), or `qvirt __supervise` (false, the default).  Only for
 * a process that has no other threads and holds nothing the supervisor
 * must not inherit: the qvirt CLI says so.  It saves an exec, the dynamic
 * linking and the definition parse of a second qvirt (about 15 ms of a
 * 150 ms start).
 */
void qv_launch_fork_in_process(bool on);

/*
 * Spawn a supervisor for @name and wait for its report: the object the
 * supervisor sent ({"state": ..., "dropped": [...]}, new reference) on
 * success, NULL with its error otherwise.
 */
json_object *qv_guest_spawn_supervisor(QvConn *conn, const char *name,
                                       QvSuperviseMode mode, bool paused,
                                       GError **error);

/* Make sure a supervisor watches @name's QEMU; fine when one already does */
bool qv_guest_ensure_supervisor(QvConn *conn, const char *name,
                                GError **error);

/*
 * Send control command @cmd with @args (NULL: none) to the supervisor of
 * @name, reattaching first when it is gone, and return its answer
 * (optional @ret: a new reference, NULL for null) or its error, code
 * preserved.  "domain 'x' is not running" when it is not.  The request
 * is checked against the command's spec before it is sent.
 */
bool qv_ctl_call(QvConn *conn, const char *name, QvCtlCommand cmd,
                 const QvCtlArgs *args, unsigned int timeout_ms,
                 json_object **ret, GError **error);

/*
 * The state of guest @name, for list, dominfo and the guest commands.
 * A guest whose supervisor died while QEMU still runs gets a new
 * supervisor (reattach); one whose QEMU died unsupervised is recorded as
 * shut off, reason "crashed", and its run files removed.  *@reason
 * (optional, new string) is the reason of the state, or NULL.
 */
bool qv_guest_state(QvConn *conn, const char *name, QvGuestState *state,
                    char **reason, GError **error);

G_END_DECLS
