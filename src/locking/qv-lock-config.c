/*
 * qv-lock-config: the defaults of the lock manager's configuration.
 * (The parser of qemu.conf, qemu-lockd.conf and qemu-sanlock.conf comes
 * in the next change.)
 */
#include "locking/qv-lock-config.h"

#include <string.h>

#include "util/qv-error.h"

static const char *const kind_names[QV_LOCK_MANAGER_LAST] = {
    [QV_LOCK_MANAGER_NOP] = "nop",
    [QV_LOCK_MANAGER_LOCKD] = "lockd",
    [QV_LOCK_MANAGER_SANLOCK] = "sanlock",
};

const char *
qv_lock_manager_kind_to_string(QvLockManagerKind kind)
{
    return kind < QV_LOCK_MANAGER_LAST ? kind_names[kind] : NULL;
}

int
qv_lock_manager_kind_from_string(const char *s)
{
    for (int i = 0; s && i < QV_LOCK_MANAGER_LAST; i++) {
        if (strcmp(kind_names[i], s) == 0)
            return i;
    }
    return -1;
}

QvLockConfig *
qv_lock_config_new_defaults(const char *config_dir)
{
    QvLockConfig *cfg = g_new0(QvLockConfig, 1);

    cfg->config_dir = g_strdup(config_dir);
    cfg->manager = QV_LOCK_MANAGER_LOCKD;
    cfg->lockd.auto_disk_leases = true;
    cfg->lockd.require_lease_for_disks = false;
    cfg->sanlock.auto_disk_leases = false;
    cfg->sanlock.disk_lease_dir = g_strdup("/var/lib/libvirt/sanlock");
    cfg->sanlock.require_lease_for_disks = true;
    return cfg;
}

void
qv_lock_config_free(QvLockConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->config_dir);
    g_free(cfg->lockd.file_lockspace_dir);
    g_free(cfg->lockd.lvm_lockspace_dir);
    g_free(cfg->lockd.scsi_lockspace_dir);
    g_free(cfg->sanlock.disk_lease_dir);
    g_free(cfg->sanlock.user);
    g_free(cfg->sanlock.group);
    g_free(cfg);
}

bool
qv_lock_config_parse(QvLockConfig *cfg, const char *file, const char *text,
                     size_t len, const char *origin, GError **error)
{
    g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                "%s: configuration files are not read yet", origin);
    return false;
}

QvLockConfig *
qv_lock_config_load(const char *config_dir, GError **error)
{
    return qv_lock_config_new_defaults(config_dir);
}
