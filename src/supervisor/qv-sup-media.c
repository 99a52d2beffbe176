/*
 * qv-sup-media: media changes of a running guest's cdroms and floppies:
 * tray opened (a tray the guest locked gets its time, or --force),
 * medium removed, the old chain's nodes deleted, the new chain added and
 * inserted, tray closed, as QEMU requires (research note live-disks
 * §1.6); DEVICE_TRAY_MOVED kept in the live definition.
 */
#include <string.h>

#include "conf/qv-domain-xml.h"
#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-sup-hotplug.h"

/* libvirt's CHANGE_MEDIA_TIMEOUT: a guest asked to open a locked tray */
#define TRAY_WAIT_MS 5000

static gboolean
wake(gpointer flag)
{
    *(bool *)flag = true;
    return G_SOURCE_REMOVE;
}

/* Let the main loop run for @ms (events, other requests) */
static void
wait_ms(QvSupervisor *sup, guint ms)
{
    bool done = false;

    g_timeout_add(ms, wake, &done);
    while (!done)
        g_main_context_iteration(sup->ctx, TRUE);
}

/* DEVICE_TRAY_MOVED {device, id, tray-open}: the live XML follows */
void
qv_sup_hotplug_tray_moved(QvSupervisor *sup, json_object *data)
{
    json_object *id = NULL, *open = NULL;
    QvDiskDef *disk;

    if (!json_object_object_get_ex(data, "id", &id) ||
        !json_object_object_get_ex(data, "tray-open", &open) ||
        !(disk = qv_sup_hp_disk_by_alias(sup, json_object_get_string(id))))
        return;
    disk->tray = json_object_get_boolean(open) ? QV_TRAY_OPEN : QV_TRAY_CLOSED;
    qv_sup_save_status(sup, NULL);
}

static bool
tray_call(QvSupervisor *sup, const char *command, const char *id, bool force, GError **error)
{
    json_object *args = qv_json_new(error, "s:id", id, NULL);

    if (args && force)
        json_object_object_add(args, "force", json_object_new_boolean(true));
    return args && qv_qmp_command_sync(sup->qmp, command, &args, QV_QMP_TIMEOUT_MS, NULL, error);
}

/* The tray of device @id as query-block has it: open, locked */
static bool
tray_state(QvSupervisor *sup, const char *id, bool *open, bool *locked, GError **error)
{
    g_autoptr(json_object) list = NULL;

    if (!qv_qmp_command_sync(sup->qmp, "query-block", NULL, QV_QMP_TIMEOUT_MS, &list, error))
        return false;
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *b = json_object_array_get_idx(list, i), *q = NULL, *o = NULL, *l = NULL;

        g_autofree char *path = g_strdup_printf("/machine/peripheral/%s/", id);

        /* qdev is the id, or the device's QOM path (its virtio backend) */
        if (!json_object_object_get_ex(b, "qdev", &q) ||
            (g_strcmp0(json_object_get_string(q), id) != 0 &&
             !g_str_has_prefix(json_object_get_string(q), path)))
            continue;
        *open = json_object_object_get_ex(b, "tray_open", &o) && json_object_get_boolean(o);
        *locked = json_object_object_get_ex(b, "locked", &l) && json_object_get_boolean(l);
        return true;
    }
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "QEMU has no block device '%s'", id);
    return false;
}

/* The new medium of a media change: a removable disk with @disk's
 * target, front end and options, and another (or no) source */
static bool
check_media(const QvDiskDef *disk, const QvDiskDef *nd, GError **error)
{
    if (disk->device != QV_DISK_DEVICE_CDROM && disk->device != QV_DISK_DEVICE_FLOPPY) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': disk source can be changed "
                    "only in removable drive (this is a %s)", disk->dst,
                    qv_disk_device_to_string(disk->device));
        return false;
    }
    if (nd->device != disk->device || nd->bus != disk->bus) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': cannot change the device "
                    "type or bus of a disk live", disk->dst);
        return false;
    }
    return true;
}

typedef struct {
    QvSupervisor *sup;
    QvDiskDef *disk;             /* the live disk */
    QvDiskDef *nd;               /* the new medium; no source: eject */
    bool force;
} Media;

static bool
media_steps(Media *m, GError **error)
{
    QvSupervisor *sup = m->sup;
    QvDiskDef *disk = m->disk;
    const char *id = disk->alias;
    g_autoptr(json_object) old_props = NULL;
    g_autoptr(json_object) new_props = NULL;
    g_autoptr(GPtrArray) wants = NULL;
    bool open = false, locked = false, has_new = qv_blockdev_disk_has_media(m->nd);
    g_autofree char *what = g_strdup_printf("disk '%s'", disk->dst);

    if (has_new) {
        wants = qv_lock_wants_for_disk(m->nd);
        qv_sup_locks_extra_add(sup, wants);
        if (!qv_sup_locks_sync(sup, wants, error)) {
            g_prefix_error(error, "%s: leases: ", what);
            return false;
        }
        if (!(new_props = qv_blockdev_props_cwd(m->nd, sup->qemu_cwd, error)))
            return false;
    }
    if (!tray_state(sup, id, &open, &locked, error))
        return false;
    if (!open) {
        if (!tray_call(sup, "blockdev-open-tray", id, m->force, error))
            return false;
        /* a locked tray was asked to open: the guest may (libvirt waits
         * CHANGE_MEDIA_TIMEOUT, 5 s) */
        for (int i = 0; i <= TRAY_WAIT_MS / 100; i++) {
            if (!tray_state(sup, id, &open, &locked, error))
                return false;
            if (open || m->force)
                break;
            wait_ms(sup, 100);
        }
        if (!open) {
            g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID, "%s: the guest has locked "
                        "the tray; it was asked to open it (eject it in the guest, or use --force)",
                        what);
            return false;
        }
    }
    if (!tray_call(sup, "blockdev-remove-medium", id, false, error))
        return false;
    if (qv_blockdev_disk_has_media(disk) &&
        (old_props = qv_blockdev_props_cwd(disk, sup->qemu_cwd, NULL))) {
        g_autoptr(json_object) names = qv_sup_hp_names_top_down(old_props);

        qv_sup_blockdev_del_all(sup, names);
        qv_sup_secrets_del(sup, disk);
    }
    /* the old medium is out from here: the live disk says so */
    qv_source_free(disk->src);
    disk->src = qv_source_new(QV_STORAGE_NONE);
    disk->has_source = false;
    if (has_new) {
        g_autofree char *node = qv_blockdev_top_node(m->nd);
        json_object *args = NULL;

        if (!qv_sup_secrets_add(sup, m->nd, error))
            return false;
        if (!qv_sup_blockdev_add_all(sup, new_props, error)) {
            g_prefix_error(error, "%s: blockdev-add: ", what);
            qv_sup_secrets_del(sup, m->nd);
            return false;
        }
        if (!qv_json_add(&args, error, "s:id", id, "s:node-name", node, NULL) ||
            !qv_qmp_command_sync(sup->qmp, "blockdev-insert-medium", &args, QV_QMP_TIMEOUT_MS,
                                 NULL, error)) {
            g_autoptr(json_object) names = qv_sup_hp_names_top_down(new_props);

            qv_sup_blockdev_del_all(sup, names);
            qv_sup_secrets_del(sup, m->nd);
            return false;
        }
        qv_source_free(disk->src);
        disk->src = g_steal_pointer(&m->nd->src);
        m->nd->src = qv_source_new(QV_STORAGE_NONE);
        disk->has_source = true;
        disk->chain_given = m->nd->chain_given;
    }
    return tray_call(sup, "blockdev-close-tray", id, false, error);
}

void
qv_sup_do_change_media(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QvDiskDef) nd = NULL;
    Media m = { sup, call->disk, NULL, (call->args->flags & QV_CTL_MEDIA_FLAGS) != 0 };
    QvSupJob *job = qv_sup_job_find(sup, call->disk->dst);
    bool ok;

    if (job) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "can't change media while a block job is "
                    "running on the device (%s job '%s')", qv_job_type_to_string(job->type), job->id);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    if (qv_sup_hotplug_unplugging(sup, call->disk)) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "disk '%s' is being unplugged", call->disk->dst);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    if (call->args->xml) {
        if (!(nd = qv_disk_parse_xml(call->args->xml, "the disk XML", 0, &err)) ||
            !check_media(call->disk, nd, &err)) {
            qv_sup_call_fail(call, g_steal_pointer(&err));
            return;
        }
        /* the medium it has: nothing to do (libvirt compares the same) */
        if (call->disk->has_source && nd->has_source && call->disk->src->path && nd->src->path &&
            call->disk->src->type == nd->src->type &&
            strcmp(call->disk->src->path, nd->src->path) == 0) {
            qv_ctl_reply(call->req, qv_sup_hp_reply_dropped(NULL));
            return;
        }
        if (!qv_sup_hp_prepare_disk(&nd, dropped, &err)) {
            qv_sup_call_fail(call, g_steal_pointer(&err));
            return;
        }
    } else {
        nd = qv_disk_def_new();
        nd->device = call->disk->device;
        nd->bus = call->disk->bus;
    }
    if (!qv_sup_hp_enter_op(sup, "a media change", &err)) {
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    sup->rt->index_hwm = qv_disk_assign_indexes(nd, qv_sup_hp_next_index(sup));
    qv_sup_save_runtime(sup);
    g_free(nd->dst);
    nd->dst = g_strdup(call->disk->dst);
    m.nd = nd;
    ok = media_steps(&m, &err);
    qv_sup_locks_extra_done(sup);
    qv_sup_hp_leave_op(sup);
    {
        g_autoptr(GError) lerr = NULL;

        if (!qv_sup_locks_sync(sup, NULL, &lerr) || !qv_sup_save_status(sup, &lerr) ||
            (ok && !qv_sup_check_live_graph(sup, &lerr)))
            g_printerr("domain '%s': after the media change of '%s': %s\n", sup->files->name,
                       call->disk->dst, lerr->message);
    }
    if (!ok) {
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    g_printerr("domain '%s': disk '%s': %s\n", sup->files->name, call->disk->dst,
               call->disk->has_source ? "medium changed" : "medium ejected");
    qv_ctl_reply(call->req, qv_sup_hp_reply_dropped(dropped));
}
