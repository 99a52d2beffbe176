/*
 * qv-sup-control: what the supervisor does for its clients and with
 * QEMU's events: the control requests (status, destroy, shutdown,
 * suspend, resume, query-block, domblkinfo, qmp), the event log, and the
 * runtime file kept in step with the guest's state.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

void
qv_sup_save_runtime(QvSupervisor *sup)
{
    g_autoptr(GError) err = NULL;

    if (!qv_runtime_save(sup->files, sup->rt, &err))
        g_printerr("domain '%s': %s\n", sup->files->name, err->message);
}

static void
set_state(QvSupervisor *sup, QvGuestState state, const char *reason)
{
    if (sup->rt->state == state && g_strcmp0(sup->rt->reason, reason) == 0)
        return;
    sup->rt->state = state;
    g_free(sup->rt->reason);
    sup->rt->reason = g_strdup(reason);
    qv_sup_save_runtime(sup);
}

/* One line per event, in QEMU's own form: {"event", "data", "timestamp"} */
static void
record_event(QvSupervisor *sup, const char *name, json_object *data,
             gint64 seconds, gint64 microseconds)
{
    g_autoptr(json_object) event = json_object_new_object();
    json_object *ts = json_object_new_object();
    g_autofree char *line = NULL;
    size_t len, off = 0;

    if (sup->events_fd < 0)
        return;
    json_object_object_add(event, "event", json_object_new_string(name));
    if (data)
        json_object_object_add(event, "data", json_object_get(data));
    json_object_object_add(ts, "seconds", json_object_new_int64(seconds));
    json_object_object_add(ts, "microseconds", json_object_new_int64(microseconds));
    json_object_object_add(event, "timestamp", ts);
    line = g_strdup_printf("%s\n", json_object_to_json_string_ext(event, JSON_C_TO_STRING_PLAIN));
    len = strlen(line);
    while (off < len) {
        ssize_t n = write(sup->events_fd, line + off, len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_printerr("domain '%s': cannot record an event in '%s': %s\n",
                       sup->files->name, sup->files->events, g_strerror(errno));
            return;
        }
        off += (size_t)n;
    }
}

void
qv_sup_qmp_event(QvQmp *qmp, const char *name, json_object *data,
                 gint64 seconds, gint64 microseconds, gpointer opaque)
{
    QvSupervisor *sup = opaque;

    record_event(sup, name, data, seconds, microseconds);
    if (strcmp(name, "STOP") == 0 && sup->rt->state == QV_GUEST_RUNNING)
        set_state(sup, QV_GUEST_PAUSED, "user");
    else if (strcmp(name, "RESUME") == 0)
        set_state(sup, QV_GUEST_RUNNING, "unpaused");
    else if (strcmp(name, "SHUTDOWN") == 0)
        sup->shutdown_seen = true;
    else if (strcmp(name, "JOB_STATUS_CHANGE") == 0 && data)
        qv_sup_job_status_event(sup, data);
}

json_object *
qv_sup_status_json(QvSupervisor *sup)
{
    json_object *o = json_object_new_object();
    json_object *dropped = json_object_new_array();

    json_object_object_add(o, "state",
                           json_object_new_string(qv_guest_state_to_string(sup->rt->state)));
    json_object_object_add(o, "reason",
                           sup->rt->reason ? json_object_new_string(sup->rt->reason) : NULL);
    json_object_object_add(o, "qemu_pid", json_object_new_int64(sup->rt->qemu_pid));
    json_object_object_add(o, "supervisor_pid", json_object_new_int64(getpid()));
    for (guint i = 0; i < sup->rt->dropped->len; i++)
        json_object_array_add(dropped, json_object_new_string(sup->rt->dropped->pdata[i]));
    json_object_object_add(o, "dropped", dropped);
    return o;
}

typedef struct {
    QvSupervisor *sup;
    QvCtlRequest *req;
    char *what;              /* the control command */
    char *disk;              /* domblkinfo */
} QvPending;

static void
pending_free(QvPending *p)
{
    g_free(p->what);
    g_free(p->disk);
    g_free(p);
}

static json_object *domblkinfo_from_nodes(QvSupervisor *sup, const char *dst,
                                          json_object *nodes, GError **error);

/* A QMP answer for a control request: translate and answer */
static void
qmp_done(QvQmp *qmp, json_object *ret, const GError *qerr, gpointer opaque)
{
    QvPending *p = opaque;
    QvSupervisor *sup = p->sup;
    g_autoptr(GError) err = NULL;
    json_object *out = NULL;

    if (qerr) {
        err = g_error_copy(qerr);
        g_prefix_error(&err, "domain '%s': %s: ", sup->files->name, p->what);
        qv_ctl_reply_error(p->req, err);
        pending_free(p);
        return;
    }
    if (strcmp(p->what, "suspend") == 0) {
        set_state(sup, QV_GUEST_PAUSED, "user");
    } else if (strcmp(p->what, "resume") == 0) {
        set_state(sup, QV_GUEST_RUNNING, "unpaused");
    } else if (strcmp(p->what, "status") == 0) {
        out = qv_sup_status_json(sup);
        json_object_object_add(out, "qemu", ret ? json_object_get(ret) : NULL);
    } else if (strcmp(p->what, "domblkinfo") == 0) {
        if (!(out = domblkinfo_from_nodes(sup, p->disk, ret, &err))) {
            qv_ctl_reply_error(p->req, err);
            pending_free(p);
            return;
        }
    } else if (ret) {
        out = json_object_get(ret);
    }
    qv_ctl_reply(p->req, out);
    pending_free(p);
}

static void
send_qmp(QvSupervisor *sup, QvCtlRequest *req, const char *what,
         const char *qmp_cmd, json_object *args, const char *disk)
{
    QvPending *p = g_new0(QvPending, 1);

    p->sup = sup;
    p->req = req;
    p->what = g_strdup(what);
    p->disk = g_strdup(disk);
    qv_qmp_command(sup->qmp, qmp_cmd, args, QV_QMP_TIMEOUT_MS, qmp_done, p);
}

static gboolean
destroy_kill(gpointer opaque)
{
    QvSupervisor *sup = opaque;

    sup->kill_timer = 0;
    if (sup->qemu_pid > 0) {
        g_printerr("domain '%s': QEMU ignored SIGTERM for %d s; sending SIGKILL\n",
                   sup->files->name, QV_DESTROY_GRACE_S);
        kill(sup->qemu_pid, SIGKILL);
    }
    return G_SOURCE_REMOVE;
}

static void
do_destroy(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    uint64_t grace = QV_DESTROY_GRACE_S;
    bool found = false;

    qv_json_get_uint64(msg, "grace", &grace, &found, NULL);
    sup->exit_waiters = g_list_append(sup->exit_waiters, req);
    if (sup->destroying)
        return;
    sup->destroying = true;
    kill(sup->qemu_pid, SIGTERM);
    sup->kill_timer = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, (guint)grace,
                                                 destroy_kill, sup, NULL);
}

/* Capacity and allocation from the top format node, physical from its
 * protocol node (the file's size), as virsh domblkinfo reports them */
static json_object *
domblkinfo_from_nodes(QvSupervisor *sup, const char *dst, json_object *nodes,
                      GError **error)
{
    QvDiskDef *disk = sup->live ? qv_domain_find_disk(sup->live, dst) : NULL;
    unsigned int index = disk && disk->src ? disk->src->index : 0;
    g_autofree char *fmt = qv_blockdev_node_name(dst, index, true);
    g_autofree char *proto = qv_blockdev_node_name(dst, index, false);
    json_object *out = json_object_new_object();
    bool have_fmt = false;

    for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++) {
        json_object *n = json_object_array_get_idx(nodes, i), *nn, *img, *v;
        const char *name;

        if (!json_object_object_get_ex(n, "node-name", &nn) ||
            !(name = json_object_get_string(nn)) ||
            !json_object_object_get_ex(n, "image", &img))
            continue;
        if (strcmp(name, fmt) == 0) {
            have_fmt = true;
            if (json_object_object_get_ex(img, "virtual-size", &v))
                json_object_object_add(out, "capacity", json_object_get(v));
            if (json_object_object_get_ex(img, "actual-size", &v))
                json_object_object_add(out, "allocation", json_object_get(v));
        } else if (strcmp(name, proto) == 0 &&
                   json_object_object_get_ex(img, "virtual-size", &v)) {
            json_object_object_add(out, "physical", json_object_get(v));
        }
    }
    if (!have_fmt) {
        json_object_put(out);
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': disk '%s' has no image open in QEMU", sup->files->name, dst);
        return NULL;
    }
    return out;
}

static void
do_domblkinfo(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    const char *disk = NULL;
    json_object *args;

    if (!qv_json_require_string(msg, "disk", &disk, &err)) {
        qv_ctl_reply_error(req, err);
        return;
    }
    if (!sup->live || !qv_domain_find_disk(sup->live, disk)) {
        g_set_error(&err, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s' has no disk '%s'", sup->files->name, disk);
        qv_ctl_reply_error(req, err);
        return;
    }
    args = json_object_new_object();
    json_object_object_add(args, "flat", json_object_new_boolean(1));
    send_qmp(sup, req, "domblkinfo", "query-named-block-nodes", args, disk);
}

/* {"cmd": "qmp", "execute": NAME, "arguments": {...}}: for the commands
 * built on top of the supervisor (block jobs, hotplug) */
static void
do_qmp(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    const char *exec = NULL;
    json_object *args = NULL;

    if (!qv_json_require_string(msg, "execute", &exec, &err) ||
        !qv_json_get_object(msg, "arguments", &args, &err)) {
        qv_ctl_reply_error(req, err);
        return;
    }
    send_qmp(sup, req, exec, exec, args ? json_object_get(args) : NULL, NULL);
}

void
qv_sup_control_handle(QvCtlRequest *req, json_object *msg, gpointer opaque)
{
    QvSupervisor *sup = opaque;
    g_autoptr(GError) err = NULL;
    const char *cmd = NULL;

    if (!qv_json_require_string(msg, "cmd", &cmd, &err)) {
        g_prefix_error(&err, "control request: ");
        qv_ctl_reply_error(req, err);
    } else if (sup->destroying && strcmp(cmd, "destroy") != 0) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG,
                    "domain '%s' is being destroyed", sup->files->name);
        qv_ctl_reply_error(req, err);
    } else if (strcmp(cmd, "destroy") == 0) {
        do_destroy(sup, req, msg);
    } else if (strcmp(cmd, "status") == 0) {
        send_qmp(sup, req, "status", "query-status", NULL, NULL);
    } else if (strcmp(cmd, "shutdown") == 0) {
        send_qmp(sup, req, "shutdown", "system_powerdown", NULL, NULL);
    } else if (strcmp(cmd, "suspend") == 0) {
        send_qmp(sup, req, "suspend", "stop", NULL, NULL);
    } else if (strcmp(cmd, "resume") == 0) {
        send_qmp(sup, req, "resume", "cont", NULL, NULL);
    } else if (strcmp(cmd, "query-block") == 0) {
        send_qmp(sup, req, "query-block", "query-block", NULL, NULL);
    } else if (strcmp(cmd, "domblkinfo") == 0) {
        do_domblkinfo(sup, req, msg);
    } else if (strcmp(cmd, "qmp") == 0) {
        do_qmp(sup, req, msg);
    } else if (strcmp(cmd, "snapshot") == 0 && sup->live) {
        qv_sup_snapshot_request(sup, req, msg);
    } else if (g_str_has_prefix(cmd, "block-") &&
               (strcmp(cmd, "block-copy") == 0 || strcmp(cmd, "block-pull") == 0 ||
                strcmp(cmd, "block-commit") == 0 || strcmp(cmd, "block-job-info") == 0 ||
                strcmp(cmd, "block-job-speed") == 0 || strcmp(cmd, "block-job-abort") == 0 ||
                strcmp(cmd, "block-job-wait") == 0)) {
        if (!sup->live) {
            g_set_error(&err, QV_ERROR, QV_ERR_INTERNAL,
                        "domain '%s': the supervisor has no status document", sup->files->name);
            qv_ctl_reply_error(req, err);
        } else {
            qv_sup_blockjob_request(sup, req, cmd, msg);
        }
    } else {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG,
                    "domain '%s': unknown control command '%s'", sup->files->name, cmd);
        qv_ctl_reply_error(req, err);
    }
}
