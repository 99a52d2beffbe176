/*
 * qv-sup-secrets: the secret objects of a disk plugged into a running
 * guest (object-add before its blockdev-add, object-del after its nodes
 * are gone), encrypted with the master key the guest was started with,
 * as start does for the disks it opens (qv-secret-objects).
 */
#include <string.h>

#include "conf/qv-secret-store.h"
#include "qemu/qv-secret-objects.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "supervisor/qv-supervisor-priv.h"

static void
del_ids(QvSupervisor *sup, GPtrArray *ids, guint upto)
{
    for (guint i = 0; i < upto; i++) {
        g_autoptr(GError) err = NULL;
        json_object *args = qv_json_new(NULL, "s:id", ids->pdata[i], NULL);

        if (!qv_qmp_command_sync(sup->qmp, "object-del", &args, QV_QMP_TIMEOUT_MS, NULL, &err) &&
            !(err->message && strstr(err->message, "not found")))
            g_printerr("domain '%s': cannot remove secret object '%s': %s\n", sup->files->name,
                       (const char *)ids->pdata[i], err->message);
    }
}

bool
qv_sup_secrets_add(QvSupervisor *sup, const QvDiskDef *disk, GError **error)
{
    g_autoptr(GPtrArray) ids = qv_qemu_secret_ids(disk);
    g_autoptr(QvQemuSecrets) s = NULL;
    g_autoptr(QvSecretStore) store = NULL;
    g_autoptr(GError) local = NULL;
    size_t n;

    if (ids->len == 0)
        return true;
    s = qv_qemu_secrets_new();
    if (!qv_qemu_secrets_load_master_key(s, sup->files->master_key, &local)) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "disk '%s' needs a secret, but the guest has no master key to pass it with (%s); restart the guest with this qvirt",
                    disk->dst, local->message);
        return false;
    }
    if (!(store = qv_secret_store_open(sup->conn->paths, error)) ||
        !qv_qemu_secrets_add_disk(s, disk, store, error))
        return false;
    n = json_object_array_length(s->objects);
    for (size_t i = 0; i < n; i++) {
        json_object *args = json_object_get(json_object_array_get_idx(s->objects, i));

        if (!qv_qmp_command_sync(sup->qmp, "object-add", &args, QV_QMP_TIMEOUT_MS, NULL, error)) {
            g_prefix_error(error, "disk '%s': object-add of its secret '%s': ", disk->dst,
                           (const char *)ids->pdata[i]);
            del_ids(sup, ids, (guint)i);
            return false;
        }
    }
    return true;
}

void
qv_sup_secrets_del(QvSupervisor *sup, const QvDiskDef *disk)
{
    g_autoptr(GPtrArray) ids = qv_qemu_secret_ids(disk);

    del_ids(sup, ids, ids->len);
}

void
qv_sup_secrets_del_ids(QvSupervisor *sup, GPtrArray *ids)
{
    del_ids(sup, ids, ids->len);
}
