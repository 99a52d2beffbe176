/*
 * qv-sup-snapshot: disk-only external snapshots of a running guest: a
 * qcow2 overlay per disk (recording its backing file's format), opened
 * in QEMU, and every disk switched to its overlay in one QMP transaction;
 * then the live and persistent definitions grow by one layer, and the
 * snapshot's metadata is kept unless asked not to.
 *
 * The request (qv-ctl-proto's "snapshot") names the snapshot and, for
 * the disks it lists, the mode ("external" or "no") and the overlay;
 * disks not listed get an overlay next to their top when writable.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conf/qv-snapshot-xml.h"
#include "qemu/qv-blockdev.h"
#include "storage/qv-image.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

typedef struct {
    QvDiskDef *disk;
    QvStorageSource *overlay;    /* until it becomes the disk's top */
    char *created;               /* a file made here, removed on failure */
    bool added;                  /* its nodes are in QEMU */
} SnapDisk;

static void
snap_disk_clear(SnapDisk *sd)
{
    qv_source_free(sd->overlay);
    g_free(sd->created);
}

/* libvirt's default overlay name: the top's name with its extension
 * replaced by the snapshot's name */
static char *
default_overlay(const char *top, const char *name)
{
    const char *slash = strrchr(top, '/');
    const char *dot = strrchr(top, '.');

    if (dot && (!slash || dot > slash))
        return g_strdup_printf("%.*s.%s", (int)(dot - top), top, name);
    return g_strdup_printf("%s.%s", top, name);
}

/* What the request says about @disk: NULL when it is left out */
static const QvCtlSnapDisk *
disk_spec(const QvCtlArgs *args, const char *dst)
{
    for (guint i = 0; args->disks && i < args->disks->len; i++) {
        const QvCtlSnapDisk *d = args->disks->pdata[i];

        if (g_strcmp0(d->disk, dst) == 0)
            return d;
    }
    return NULL;
}

static bool
check_spec_names(QvSupervisor *sup, const QvCtlArgs *args, GError **error)
{
    for (guint i = 0; args->disks && i < args->disks->len; i++) {
        const QvCtlSnapDisk *d = args->disks->pdata[i];

        if (!qv_domain_find_disk(sup->live, d->disk)) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "domain '%s' has no disk '%s'", sup->files->name, d->disk);
            return false;
        }
    }
    return true;
}

/* Which disks, with what overlay; refuses disks it cannot snapshot */
static bool
plan(QvSupervisor *sup, const QvCtlArgs *args, bool reuse, GArray *out, GError **error)
{
    const char *name = args->name;

    if (!check_spec_names(sup, args, error))
        return false;
    for (size_t i = 0; i < sup->live->ndisks; i++) {
        QvDiskDef *disk = sup->live->disks[i];
        const QvCtlSnapDisk *spec = disk_spec(args, disk->dst);
        const char *mode = spec ? spec->snapshot : NULL, *file = spec ? spec->file : NULL;
        SnapDisk sd = { disk, NULL, NULL, false };
        QvSupJob *job;

        /* the disk's own snapshot='...' is its default, as in libvirt */
        if (!mode && disk->opts.snapshot)
            mode = qv_disk_snapshot_to_string(disk->opts.snapshot);
        if (g_strcmp0(mode, "no") == 0)
            continue;
        /* by default: every writable disk with an image */
        if (!spec && (disk->readonly || disk->device != QV_DISK_DEVICE_DISK ||
                      !qv_blockdev_disk_has_media(disk)))
            continue;
        if (mode && strcmp(mode, "external") != 0) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': snapshot mode '%s' is not supported (external or no)", disk->dst, mode);
            return false;
        }
        if (qv_sup_hotplug_unplugging(sup, disk)) {
            g_set_error(error, QV_ERROR, QV_ERR_BUSY, "disk '%s' is being unplugged: no snapshot of it (use --diskspec %s,snapshot=no)", disk->dst, disk->dst);
            return false;
        }
        if ((job = qv_sup_job_find(sup, disk->dst))) {
            g_set_error(error, QV_ERROR, QV_ERR_BUSY, "disk '%s' has a running %s job '%s': no snapshot until it ends", disk->dst, qv_job_type_to_string(job->type), job->id);
            return false;
        }
        if (qv_blockdev_disk_has_media(disk) && disk->src->type == QV_STORAGE_QUORUM) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s' is a quorum: an overlay above it would take the writes out of the vote, so it gets none (use --diskspec %s,snapshot=no; 'qvirt blockcopy' copies it whole)", disk->dst, disk->dst);
            return false;
        }
        if (!qv_blockdev_disk_has_media(disk) ||
            !qv_source_is_local(disk->src) || !disk->src->path) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': only a disk whose top is a local file or block device can get an overlay (use --diskspec %s,snapshot=no)", disk->dst, disk->dst);
            return false;
        }
        sd.overlay = qv_source_new(QV_STORAGE_FILE);
        sd.overlay->path = file ? g_strdup(file) : default_overlay(disk->src->path, name);
        sd.overlay->format = QV_FORMAT_QCOW2;
        sd.overlay->backing_known = true;
        if (sd.overlay->path[0] != '/') {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': the overlay '%s' must be an absolute path", disk->dst, sd.overlay->path);
            snap_disk_clear(&sd);
            return false;
        }
        if (reuse != g_file_test(sd.overlay->path, G_FILE_TEST_EXISTS)) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, reuse ?
                        "disk '%s': the overlay '%s' does not exist (--reuse-external needs it)" :
                        "disk '%s': the overlay '%s' exists already; use --reuse-external to use it",
                        disk->dst, sd.overlay->path);
            snap_disk_clear(&sd);
            return false;
        }
        g_array_append_val(out, sd);
    }
    if (out->len == 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': no disk to snapshot", sup->files->name);
        return false;
    }
    return true;
}

static bool
prepare(QvSupervisor *sup, GArray *disks, bool reuse, GError **error)
{
    unsigned int last = qv_domain_assign_indexes(sup->live, false);
    g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);

    for (guint i = 0; i < disks->len; i++) {
        SnapDisk *sd = &g_array_index(disks, SnapDisk, i);
        g_autoptr(json_object) props = NULL;
        g_autoptr(GPtrArray) wants = NULL;
        uint64_t size = 0;

        if (reuse) {
            QvFormat fmt = qv_image_probe_format(sd->overlay->path, error);

            if (fmt == QV_FORMAT_NONE) {
                g_prefix_error(error, "the destination: ");
                return false;
            }
            if (fmt != QV_FORMAT_QCOW2 && fmt != QV_FORMAT_QED) {
                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': the overlay '%s' is %s, which cannot have a backing file", sd->disk->dst, sd->overlay->path, qv_format_to_string(fmt));
                return false;
            }
            sd->overlay->format = fmt;
        } else {
            if (!qv_sup_disk_capacity(sup, sd->disk, &size, error) ||
                !qv_image_create(sd->overlay->path, QV_FORMAT_QCOW2, size, sd->disk->src, error))
                return false;
            sd->created = g_strdup(sd->overlay->path);
        }
        last = qv_source_tree_assign_indexes(sd->overlay, last);
        /* the overlay is locked before QEMU opens it to write (the
         * overlays of the disks before it stay locked) */
        wants = qv_lock_wants_for_source(sd->disk, sd->overlay);
        qv_sup_locks_extra_add(sup, wants);
        while (wants->len)
            g_ptr_array_add(extra, g_ptr_array_steal_index(wants, 0));
        if (!qv_sup_locks_sync(sup, extra, error))
            return false;
        if (!(props = qv_blockdev_chain_props(sd->disk, sd->overlay, NULL, sup->qemu_cwd, error)) ||
            !qv_sup_blockdev_add_all(sup, props, error))
            return false;
        sd->added = true;
    }
    return true;
}

static bool
transaction(QvSupervisor *sup, GArray *disks, GError **error)
{
    g_autoptr(json_object) actions = json_object_new_array();
    json_object *args = NULL;

    for (guint i = 0; i < disks->len; i++) {
        SnapDisk *sd = &g_array_index(disks, SnapDisk, i);
        g_autofree char *node = qv_sup_fmt_node(sd->disk, sd->disk->src);
        g_autofree char *overlay = qv_sup_fmt_node(sd->disk, sd->overlay);
        json_object *data = qv_json_new(error, "s:node", node, "s:overlay", overlay, NULL);
        json_object *a = data ? qv_json_new(error, "s:type", "blockdev-snapshot",
                                            "a:data", &data, NULL) : NULL;

        if (!a)
            return false;
        json_object_array_add(actions, a);
    }
    if (!qv_json_add(&args, error, "a:actions", &actions, NULL))
        return false;
    return qv_qmp_command_sync(sup->qmp, "transaction", &args, QV_QMP_TIMEOUT_MS, NULL, error);
}

/* Snapshot metadata: state/NAME.snapshots/SNAP.xml, as libvirt's
 * <domainsnapshot> for a disk-only snapshot, each disk with its overlay */
static bool
save_metadata(QvSupervisor *sup, const char *name, GArray *disks, GError **error)
{
    g_autofree char *dir = g_strdup_printf("%s/%s.snapshots", sup->conn->paths->state_dir, sup->files->name);
    g_autofree char *file = g_strdup_printf("%s/%s.xml", dir, name);
    g_autoptr(QvSnapshotDef) def = qv_snapshot_def_new();
    g_autofree char *xml = NULL;

    if (!qv_mkdir_p(dir, 0755, error))
        return false;
    def->name = g_strdup(name);
    def->state = QV_SNAPSHOT_STATE_DISK_SNAPSHOT;
    def->has_creation_time = true;
    def->creation_time = g_get_real_time() / G_USEC_PER_SEC;
    for (guint i = 0; i < disks->len; i++) {
        SnapDisk *sd = &g_array_index(disks, SnapDisk, i);
        g_autoptr(QvSnapshotDiskDef) d = qv_snapshot_disk_def_new(sd->disk->dst, QV_SNAPSHOT_LOCATION_EXTERNAL);

        /* the disk's top is its overlay by now */
        d->src->path = g_strdup(sd->disk->src->path);
        d->src->format = sd->disk->src->format;
        qv_snapshot_add_disk(def, &d);
    }
    xml = qv_snapshot_format_xml(def);
    return qv_file_write_atomic(file, xml, strlen(xml), 0600, error);
}

static bool
name_ok(QvSupervisor *sup, const char *name, bool metadata, GError **error)
{
    g_autofree char *file = NULL;

    if (!name || !name[0] || strchr(name, '/') || name[0] == '.') {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "invalid snapshot name '%s'", name ? name : "");
        return false;
    }
    file = g_strdup_printf("%s/%s.snapshots/%s.xml", sup->conn->paths->state_dir, sup->files->name, name);
    if (metadata && g_file_test(file, G_FILE_TEST_EXISTS)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s' has a snapshot '%s' already", sup->files->name, name);
        return false;
    }
    return true;
}

static void snapshot_take(QvSupCall *call);

/* While its QMP calls let other requests in, no job starts and no other
 * snapshot is taken (qv-sup-control.c refuses them) */
void
qv_sup_do_snapshot(QvSupCall *call)
{
    call->sup->snapshotting = true;
    snapshot_take(call);
    call->sup->snapshotting = false;
}

static void
snapshot_take(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    QvCtlRequest *req = call->req;
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) disks = g_array_new(FALSE, TRUE, sizeof(SnapDisk));
    const char *name = call->args->name;
    bool reuse = call->args->flags & QVIRT_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT;
    bool nometa = call->args->flags & QVIRT_DOMAIN_SNAPSHOT_CREATE_NO_METADATA;

    if (!(call->args->flags & QVIRT_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)) {
        g_set_error(&err, QV_ERROR, QV_ERR_UNSUPPORTED, "only disk-only snapshots are supported (give DISK_ONLY, --disk-only)");
        goto fail;
    }
    if (!name_ok(sup, name, !nometa, &err) ||
        !plan(sup, call->args, reuse, disks, &err))
        goto fail;
    if (!prepare(sup, disks, reuse, &err) || !transaction(sup, disks, &err))
        goto undo;
    /* QEMU switched every disk: the definitions follow */
    for (guint i = 0; i < disks->len; i++) {
        SnapDisk *sd = &g_array_index(disks, SnapDisk, i);
        QvStorageSource *old = sd->disk->src;

        sd->disk->src = g_steal_pointer(&sd->overlay);
        qv_source_add_backing(sd->disk->src, &old);
        qv_sup_update_definition(sup, sd->disk);
    }
    /* the old tops are backing layers now: shared */
    qv_sup_locks_extra_done(sup);
    if (!qv_sup_locks_sync(sup, NULL, &err) ||
        !qv_sup_save_status(sup, &err) ||
        (!nometa && !save_metadata(sup, name, disks, &err)) ||
        !qv_sup_check_live_graph(sup, &err))
        goto fail_cleared;
    for (guint i = 0; i < disks->len; i++)
        snap_disk_clear(&g_array_index(disks, SnapDisk, i));
    qv_ctl_reply(req, NULL);
    return;

 undo:
    for (guint i = 0; i < disks->len; i++) {
        SnapDisk *sd = &g_array_index(disks, SnapDisk, i);

        if (sd->added)
            qv_sup_blockdev_del_chain(sup, sd->disk, sd->overlay, NULL);
        if (sd->created)
            unlink(sd->created);
    }
    qv_sup_locks_extra_done(sup);
    qv_sup_locks_sync(sup, NULL, NULL);
 fail:
    for (guint i = 0; i < disks->len; i++)
        snap_disk_clear(&g_array_index(disks, SnapDisk, i));
    g_prefix_error(&err, "snapshot: ");
    qv_ctl_reply_error(req, err);
    return;
 fail_cleared:
    for (guint i = 0; i < disks->len; i++)
        snap_disk_clear(&g_array_index(disks, SnapDisk, i));
    g_prefix_error(&err, "snapshot taken, but: ");
    qv_ctl_reply_error(req, err);
}
