/*
 * qv-sup-iotune: blkdeviotune on a running guest: a disk's <iotune>
 * read from the live definition, or changed (merged with what it has,
 * as libvirt's virDomainSetBlockIoTune does), checked by QEMU's rules,
 * set with block_set_io_throttle and kept in the live definition.
 *
 * "arguments" is {FIELD: N, ..., "group_name": S}, libvirt's typed
 * parameter names; absent: the answer is the disk's settings only.
 */
#include <string.h>

#include "conf/qv-disk-opts.h"
#include "qemu/qv-disk-props.h"
#include "qemu/qv-qemu-validate-disk.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "util/qv-json-build.h"
#include "supervisor/qv-supervisor-priv.h"

static json_object *
iotune_json(const QvDiskIotune *t)
{
    json_object *o = json_object_new_object();

    for (size_t i = 0; i < qv_iotune_nfields; i++)
        json_object_object_add(o, qv_iotune_fields[i].name,
                               json_object_new_uint64(QV_IOTUNE_VALUE(t, i)));
    json_object_object_add(o, "group_name",
                           json_object_new_string(t->group_name ? t->group_name : ""));
    return o;
}

static int
field_index(const char *name)
{
    for (size_t i = 0; i < qv_iotune_nfields; i++) {
        if (strcmp(qv_iotune_fields[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* @t updated by @given (libvirt's names); false with @error naming a
 * setting it does not know */
static bool
merge(QvDiskIotune *t, json_object *given, GError **error)
{
    QvDiskIotune g = { 0 };
    bool set[32] = { false }, group_set = false;

    G_STATIC_ASSERT(G_N_ELEMENTS(set) >= 19);
    json_object_object_foreach(given, key, val) {
        int i = field_index(key);

        if (strcmp(key, "group_name") == 0) {
            g.group_name = (char *)json_object_get_string(val);
            group_set = true;
            continue;
        }
        if (i < 0 || !json_object_is_type(val, json_type_int) || json_object_get_int64(val) < 0) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "'%s' is not a block I/O tuning setting with a number", key);
            return false;
        }
        QV_IOTUNE_VALUE(&g, i) = json_object_get_uint64(val);
        set[i] = true;
    }
    qv_disk_iotune_merge(t, &g, set, group_set);
    return true;
}

static void
iotune_copy(QvDiskIotune *dst, const QvDiskIotune *src)
{
    *dst = *src;
    dst->group_name = g_strdup(src->group_name);
}

/* block_set_io_throttle with @disk's settings; all zero lifts them */
static bool
set_throttle(QvSupervisor *sup, const QvDiskDef *disk, GError **error)
{
    g_autoptr(json_object) args = NULL;
    const char *alias = disk->alias ? disk->alias : disk->dst;

    if (!qv_qemu_iotune_args(disk, &args, error))
        return false;
    if (!args) {
        g_autofree char *id = disk->bus == QV_DISK_BUS_VIRTIO ?
            g_strdup_printf("/machine/peripheral/%s/virtio-backend", alias) : g_strdup(alias);

        args = qv_json_new(error, "s:id", id, "u:bps", (uint64_t)0, "u:bps_rd", (uint64_t)0,
                           "u:bps_wr", (uint64_t)0, "u:iops", (uint64_t)0,
                           "u:iops_rd", (uint64_t)0, "u:iops_wr", (uint64_t)0, NULL);
        if (!args)
            return false;
    }
    return qv_qmp_command_sync(sup->qmp, "block_set_io_throttle", &args, QV_QMP_TIMEOUT_MS,
                               NULL, error);
}

void
qv_sup_do_block_iotune(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    json_object *given = call->args->arguments;
    g_autoptr(GError) err = NULL;
    QvDiskIotune old;

    if (!given) {
        qv_ctl_reply(call->req, iotune_json(&disk->opts.iotune));
        return;
    }
    if (!disk->has_source) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s': disk '%s' has no medium to throttle", sup->files->name,
                    disk->dst);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    iotune_copy(&old, &disk->opts.iotune);
    if (!merge(&disk->opts.iotune, given, &err) ||
        !qv_qemu_validate_disk_settings(sup->live, disk, &err) ||
        !set_throttle(sup, disk, &err)) {
        g_free(disk->opts.iotune.group_name);
        disk->opts.iotune = old;
        g_prefix_error(&err, "domain '%s': ", sup->files->name);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    g_free(old.group_name);
    if (!qv_sup_save_status(sup, &err))
        g_printerr("domain '%s': after blkdeviotune: %s\n", sup->files->name, err->message);
    qv_ctl_reply(call->req, iotune_json(&disk->opts.iotune));
}
