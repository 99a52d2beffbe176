/*
 * qv-sup-incoming: the destination's part of a live migration.
 *
 * The migration's destination process (src/lib/qv-migrate-dst.c) writes
 * state/NAME.incoming.json and starts a supervisor in "incoming" mode:
 *
 *   {"xml": the definition to run, "uri": where QEMU takes the RAM
 *    stream ("unix:PATH", "tcp:HOST:PORT"), "nbd": the NBD server's
 *    address (QMP's SocketAddressLegacy) or null, "exports": [{"disk",
 *    "name"}], "late_block_activate": bool}
 *
 * QEMU starts with -S -incoming defer and no lease taken (it opens its
 * images inactive and writes nothing but what the NBD exports receive);
 * the supervisor starts the NBD server and the exports, then
 * migrate-incoming, and reports.  "migrate-finish" comes once the
 * source's QEMU has completed: the NBD server stops, every lease is
 * taken with the state the source let go of, and the guest continues
 * (or stays paused with "suspend").
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib-unix.h>

#include "conf/qv-domain-xml.h"
#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "util/qv-json-build.h"
#include "supervisor/qv-supervisor-priv.h"

struct _QvSupIncoming {
    char *path;                  /* the parameters' file */
    char *uri;
    json_object *nbd;            /* or NULL */
    json_object *exports;        /* [{"disk", "name"}] */
    bool late_block_activate;
    bool completed;              /* QEMU's MIGRATION completed */
    char *failed;                /* ... failed: why */
    QvCtlRequest *finish_req;    /* a finish that waits for the completion */
    json_object *finish_args;
    GPtrArray *created;          /* the images the destination process made */
    GSource *owner_watch;        /* that process: gone before the finish, all goes */
    int owner_fd;
};

void
qv_sup_incoming_free(QvSupervisor *sup)
{
    QvSupIncoming *in = sup->incoming;

    if (!in)
        return;
    sup->incoming = NULL;
    if (in->owner_watch) {
        g_source_destroy(in->owner_watch);
        g_source_unref(in->owner_watch);
    }
    if (in->owner_fd >= 0)
        close(in->owner_fd);
    if (in->created)
        g_ptr_array_free(in->created, TRUE);
    if (in->finish_req) {
        g_autoptr(GError) err = g_error_new(QV_ERROR, QV_ERR_OPERATION_FAILED,
                                            "domain '%s': the incoming migration ended: %s",
                                            sup->files->name,
                                            in->failed ? in->failed : "QEMU exited");

        qv_ctl_reply_error(in->finish_req, err);
    }
    json_object_put(in->finish_args);
    g_free(in->path);
    g_free(in->uri);
    json_object_put(in->nbd);
    json_object_put(in->exports);
    g_free(in->failed);
    g_free(in);
}

/* The destination process is gone before the guest could run here:
 * nobody will finish or abort, so everything made for it goes */
static gboolean
owner_gone(gint fd, GIOCondition cond, gpointer opaque)
{
    QvSupervisor *sup = opaque;
    QvSupIncoming *in = sup->incoming;

    if (!in)
        return G_SOURCE_REMOVE;
    g_source_unref(in->owner_watch);
    in->owner_watch = NULL;
    g_printerr("domain '%s': the migration's destination process is gone: undoing the "
               "incoming migration\n", sup->files->name);
    for (guint i = 0; i < in->created->len; i++)
        unlink(in->created->pdata[i]);
    unlink(in->path);
    sup->exit_reason = "failed";
    if (!sup->destroying && sup->qemu_pid > 0) {
        sup->destroying = true;
        kill(sup->qemu_pid, SIGKILL);
    }
    return G_SOURCE_REMOVE;
}

static bool
watch_owner(QvSupervisor *sup, json_object *o, GError **error)
{
    QvSupIncoming *in = sup->incoming;
    uint64_t pid = 0, start = 0;
    unsigned long long now = 0;

    if (!qv_json_get_uint64(o, "owner_pid", &pid, NULL, error) ||
        !qv_json_get_uint64(o, "owner_start", &start, NULL, error))
        return false;
    if (!pid)
        return true;
    if ((in->owner_fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0)) < 0 ||
        !qv_proc_start_time((pid_t)pid, &now) || now != start) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_FAILED,
                    "domain '%s': the migration's destination process (pid %" G_GUINT64_FORMAT
                    ") is gone", sup->files->name, pid);
        return false;
    }
    in->owner_watch = g_unix_fd_source_new(in->owner_fd, G_IO_IN);
    g_source_set_callback(in->owner_watch, (GSourceFunc)(void (*)(void))owner_gone, sup, NULL);
    g_source_attach(in->owner_watch, sup->ctx);
    return true;
}

bool
qv_sup_incoming_load(QvSupervisor *sup, GError **error)
{
    g_autofree char *path = g_strdup_printf("%s/%s.incoming.json",
                                            sup->conn->paths->state_dir, sup->files->name);
    g_autofree char *text = NULL;
    g_autoptr(json_object) o = NULL;
    json_object *nbd = NULL, *exports = NULL, *v;
    const char *xml = NULL, *uri = NULL;
    QvSupIncoming *in;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': no incoming migration is prepared ('%s')", sup->files->name,
                    path);
        return false;
    }
    if (!(o = qv_json_parse_object(text, error)) ||
        !qv_json_require_string(o, "xml", &xml, error) ||
        !qv_json_require_string(o, "uri", &uri, error) ||
        !qv_json_get_object(o, "nbd", &nbd, error) ||
        !qv_json_get_array(o, "exports", &exports, error)) {
        g_prefix_error(error, "domain '%s': '%s': ", sup->files->name, path);
        return false;
    }
    if (!(sup->live = qv_domain_parse_xml(xml, path, 0, error)))
        return false;
    in = g_new0(QvSupIncoming, 1);
    in->path = g_steal_pointer(&path);
    in->uri = g_strdup(uri);
    in->nbd = nbd ? json_object_get(nbd) : NULL;
    in->exports = exports ? json_object_get(exports) : json_object_new_array();
    if (json_object_object_get_ex(o, "late_block_activate", &v))
        in->late_block_activate = json_object_get_boolean(v);
    in->owner_fd = -1;
    in->created = g_ptr_array_new_with_free_func(g_free);
    if (json_object_object_get_ex(o, "created", &v) && json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            const char *c = json_object_get_string(json_object_array_get_idx(v, i));

            if (c && *c == '/')
                g_ptr_array_add(in->created, g_strdup(c));
        }
    }
    sup->incoming = in;
    return watch_owner(sup, o, error);
}

static bool
qmp(QvSupervisor *sup, const char *cmd, json_object *args, GError **error)
{
    if (qv_qmp_command_sync(sup->qmp, cmd, &args, QV_QMP_TIMEOUT_MS, NULL, error))
        return true;
    g_prefix_error(error, "domain '%s': incoming migration: %s: ", sup->files->name, cmd);
    return false;
}

/* QEMU is up with -incoming defer: the exports, then the RAM stream */
bool
qv_sup_incoming_listen(QvSupervisor *sup, GError **error)
{
    QvSupIncoming *in = sup->incoming;
    json_object *caps = json_object_new_array();

    json_object_array_add(caps, qv_json_new(NULL, "s:capability", "events", "b:state", true,
                                            NULL));
    /* a guest that stays paused on arrival keeps it off: QEMU 7.2 aborts
     * when such a guest migrates on with its images still inactive */
    json_object_array_add(caps, qv_json_new(NULL, "s:capability", "late-block-activate",
                                            "b:state", in->late_block_activate, NULL));
    if (!qmp(sup, "migrate-set-capabilities", qv_json_new(NULL, "a:capabilities", &caps, NULL),
             error))
        return false;
    if (in->nbd && json_object_array_length(in->exports)) {
        json_object *addr = NULL;

        json_object_deep_copy(in->nbd, &addr, NULL);
        if (!qmp(sup, "nbd-server-start", qv_json_new(NULL, "a:addr", &addr, NULL), error))
            return false;
    }
    for (size_t i = 0; i < json_object_array_length(in->exports); i++) {
        json_object *e = json_object_array_get_idx(in->exports, i);
        const char *target = NULL, *name = NULL;
        g_autofree char *node = NULL, *id = NULL;
        QvDiskDef *disk;

        if (!qv_json_require_string(e, "disk", &target, error) ||
            !qv_json_require_string(e, "name", &name, error))
            return false;
        if (!(disk = qv_domain_find_disk(sup->live, target)) || !disk->src) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "domain '%s': incoming migration: no disk '%s' to receive",
                        sup->files->name, target);
            return false;
        }
        node = qv_sup_fmt_node(disk, disk->src);
        id = g_strdup_printf("qvirt-nbd-%s", node);
        if (!qmp(sup, "block-export-add", qv_json_new(NULL, "s:type", "nbd", "s:id", id,
                                                      "s:node-name", node, "b:writable", true,
                                                      "s:name", name, NULL), error)) {
            g_prefix_error(error, "disk '%s': ", target);
            return false;
        }
    }
    if (!qmp(sup, "migrate-incoming", qv_json_new(NULL, "s:uri", in->uri, NULL), error))
        return false;
    g_free(sup->rt->reason);
    sup->rt->reason = g_strdup("migration");
    return true;
}

json_object *
qv_sup_incoming_report(QvSupervisor *sup)
{
    json_object *o = qv_sup_status_json(sup);

    json_object_object_add(o, "incoming", json_object_new_string(sup->incoming->uri));
    return o;
}

static bool
finish_now(QvSupervisor *sup, json_object *args, GError **error)
{
    QvSupIncoming *in = sup->incoming;
    const char *state = NULL;
    bool suspend = false;
    json_object *v;

    if (!qv_json_get_string(args, "lock_state", &state, error))
        return false;
    if (json_object_object_get_ex(args, "suspend", &v))
        suspend = json_object_get_boolean(v);
    if (in->nbd && json_object_array_length(in->exports) &&
        !qmp(sup, "nbd-server-stop", NULL, error))
        return false;
    /* nested calls above: QEMU may be gone */
    if (!(in = sup->incoming) || sup->qemu_pid <= 0) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_FAILED,
                    "domain '%s': QEMU exited before the migration finished", sup->files->name);
        return false;
    }
    g_free(sup->lock_state);
    sup->lock_state = g_strdup(state);
    /* everything that can fail comes before the guest runs here */
    if (!qv_sup_save_status(sup, error))
        return false;
    if (suspend) {
        qv_sup_set_state(sup, QV_GUEST_PAUSED, "user");
    } else {
        /* every lease before the guest's first cycle here */
        if (!qv_sup_locks_acquire_all(sup, error)) {
            g_prefix_error(error, "domain '%s': ", sup->files->name);
            return false;
        }
        if (!qmp(sup, "cont", NULL, error)) {
            qv_sup_locks_release_all(sup);
            return false;
        }
        qv_sup_set_state(sup, QV_GUEST_RUNNING, "migrated");
    }
    if ((in = sup->incoming))
        unlink(in->path);
    return true;
}

static void
finish_reply(QvSupervisor *sup, QvCtlRequest *req, json_object *args)
{
    g_autoptr(GError) err = NULL;

    if (!sup->incoming) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_FAILED,
                    "domain '%s': the incoming migration ended before its finish",
                    sup->files->name);
        qv_ctl_reply_error(req, err);
        json_object_put(args);
        return;
    }
    if (!finish_now(sup, args, &err)) {
        qv_ctl_reply_error(req, err);
        json_object_put(args);
        return;
    }
    json_object_put(args);
    qv_sup_incoming_free(sup);
    qv_ctl_reply(req, qv_sup_status_json(sup));
}

static void
finish_requester_gone(gpointer opaque)
{
    QvSupervisor *sup = opaque;
    QvSupIncoming *in = sup->incoming;

    if (!in || !in->finish_req)
        return;
    g_printerr("domain '%s': the migration's finish was given up\n", sup->files->name);
    g_clear_pointer(&in->finish_args, json_object_put);
    qv_ctl_reply(in->finish_req, NULL);
    in->finish_req = NULL;
}

void
qv_sup_do_migrate_finish(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    QvSupIncoming *in = sup->incoming;
    g_autoptr(GError) err = NULL;

    if (!in || in->finish_req) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s': %s", sup->files->name,
                    in ? "its migration is being finished" : "no incoming migration to finish");
        qv_ctl_reply_error(call->req, err);
        return;
    }
    if (!in->completed) {
        in->finish_req = call->req;
        in->finish_args = json_object_get(call->args->arguments);
        /* nobody to hear it: the guest must not run here */
        qv_ctl_request_on_close(call->req, finish_requester_gone, sup);
        return;
    }
    qv_sup_locks_when_idle(sup, finish_reply, call->req,
                           json_object_get(call->args->arguments));
}

void
qv_sup_incoming_event(QvSupervisor *sup, const char *name, json_object *data)
{
    QvSupIncoming *in = sup->incoming;
    const char *status = NULL;

    if (strcmp(name, "MIGRATION") != 0 || !data ||
        !qv_json_get_string(data, "status", &status, NULL) || !status)
        return;
    if (strcmp(status, "completed") == 0) {
        in->completed = true;
        if (in->finish_req) {
            QvCtlRequest *req = in->finish_req;
            json_object *args = in->finish_args;

            in->finish_req = NULL;
            in->finish_args = NULL;
            qv_sup_locks_when_idle(sup, finish_reply, req, args);
        }
    } else if (strcmp(status, "failed") == 0) {
        g_free(in->failed);
        in->failed = g_strdup("QEMU's incoming migration failed");
        g_printerr("domain '%s': the incoming migration failed\n", sup->files->name);
    }
}
