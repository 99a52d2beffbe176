/*
 * fuzz-lock-config: libFuzzer target for qv_conf_file_parse(),
 * qv_lock_config_parse() and qemu.conf's confinement keys
 * (qv_security_config_parse()).
 *
 * The lock manager's files are written by admins, copied from libvirt
 * and edited by hand, so every byte sequence must give entries or an
 * error, never a crash, a leak or undefined behaviour.  The input is
 * handed over as it is, without a NUL after it, so that a read past its
 * end is ASan's to see.  Whatever parses must obey the grammar (keys,
 * lines in order, lists of scalars); each of the three files must parse
 * only if the syntax does, keep its values in range, and leave the
 * configuration untouched when it fails.
 * Seeds: fuzz/corpus/lock-config/, one file each.
 */
#include "locking/qv-lock-config.h"
#include "security/qv-security-conf.h"
#include "util/qv-conf-file.h"
#include "util/qv-error.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
is_key(const char *k)
{
    size_t n = strlen(k);

    if (n == 0 || n > 128 || !(g_ascii_isalpha(k[0]) || k[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        if (!(g_ascii_isalnum(k[i]) || strchr("_.-", k[i])))
            return false;
    }
    return true;
}

static void
check_syntax(const QvConfFile *conf, size_t lines)
{
    size_t prev = 1;

    for (size_t i = 0; i < conf->nentries; i++) {
        const QvConfEntry *e = &conf->entries[i];

        if (!is_key(e->key) || e->line < prev || e->line > lines || e->value.line < e->line)
            __builtin_trap();
        prev = e->line;
        if (e->value.type == QV_CONF_STRING && !e->value.str)
            __builtin_trap();
        for (size_t j = 0; e->value.type == QV_CONF_LIST && j < e->value.nitems; j++) {
            if (e->value.items[j].type == QV_CONF_LIST)
                __builtin_trap();
        }
    }
}

static bool
same_str(const char *a, const char *b)
{
    return g_strcmp0(a, b) == 0;
}

static bool
same_config(const QvLockConfig *a, const QvLockConfig *b)
{
    return a->manager == b->manager &&
        a->lockd.auto_disk_leases == b->lockd.auto_disk_leases &&
        a->lockd.require_lease_for_disks == b->lockd.require_lease_for_disks &&
        same_str(a->lockd.file_lockspace_dir, b->lockd.file_lockspace_dir) &&
        same_str(a->lockd.lvm_lockspace_dir, b->lockd.lvm_lockspace_dir) &&
        same_str(a->lockd.scsi_lockspace_dir, b->lockd.scsi_lockspace_dir) &&
        a->sanlock.auto_disk_leases == b->sanlock.auto_disk_leases &&
        same_str(a->sanlock.disk_lease_dir, b->sanlock.disk_lease_dir) &&
        a->sanlock.host_id == b->sanlock.host_id &&
        a->sanlock.require_lease_for_disks == b->sanlock.require_lease_for_disks &&
        a->sanlock.io_timeout == b->sanlock.io_timeout &&
        same_str(a->sanlock.user, b->sanlock.user) &&
        same_str(a->sanlock.group, b->sanlock.group);
}

static bool
absolute_or_null(const char *path)
{
    return !path || g_path_is_absolute(path);
}

static void
check_file(const char *file, const uint8_t *data, size_t size, bool syntax_ok)
{
    g_autoptr(QvLockConfig) cfg = qv_lock_config_new_defaults("/fuzz");
    g_autoptr(QvLockConfig) defaults = qv_lock_config_new_defaults("/fuzz");
    g_autoptr(GError) err = NULL;
    bool ok = qv_lock_config_parse(cfg, file, (const char *)data, size, "fuzz", &err);

    if (ok == !!err || (ok && !syntax_ok))
        __builtin_trap();
    if (!ok) {
        if (!g_error_matches(err, QV_ERROR, QV_ERR_PARSE) || !g_str_has_prefix(err->message, "fuzz:") ||
            !same_config(cfg, defaults))
            __builtin_trap();
        return;
    }
    if (cfg->manager >= QV_LOCK_MANAGER_LAST || cfg->sanlock.host_id > 2000 ||
        !absolute_or_null(cfg->lockd.file_lockspace_dir) ||
        !absolute_or_null(cfg->lockd.lvm_lockspace_dir) ||
        !absolute_or_null(cfg->lockd.scsi_lockspace_dir) ||
        !absolute_or_null(cfg->sanlock.disk_lease_dir) ||
        (cfg->sanlock.user && !cfg->sanlock.user[0]) ||
        (cfg->sanlock.group && !cfg->sanlock.group[0]))
        __builtin_trap();
}

/* qemu.conf's confinement keys: parsed only if the syntax is, values in
 * range, the defaults untouched on failure */
static void
check_security(const uint8_t *data, size_t size, bool syntax_ok)
{
    g_autoptr(QvSecurityConfig) cfg = qv_security_config_new_defaults();
    g_autoptr(GError) err = NULL;
    bool ok = qv_security_config_parse(cfg, (const char *)data, size, "fuzz", &err);

    if (ok == !!err || (ok && !syntax_ok))
        __builtin_trap();
    if (!ok) {
        if (!g_str_has_prefix(err->message, "fuzz:") || cfg->user || cfg->group ||
            !cfg->dynamic_ownership || !cfg->remember_owner ||
            cfg->driver != QV_SECURITY_DRIVER_DAC || cfg->seccomp_sandbox != 1)
            __builtin_trap();
        return;
    }
    if (cfg->driver >= QV_SECURITY_DRIVER_LAST || cfg->seccomp_sandbox < -1 ||
        cfg->seccomp_sandbox > 1 || (cfg->user && !cfg->user[0]) || (cfg->group && !cfg->group[0]))
        __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvConfFile) conf = qv_conf_file_parse((const char *)data, size, "fuzz", &err);
    size_t lines = 1;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    /* Exactly one of the two is set */
    if (!conf == !err)
        __builtin_trap();
    if (conf)
        check_syntax(conf, lines);
    else if (!g_error_matches(err, QV_ERROR, QV_ERR_PARSE) || !g_str_has_prefix(err->message, "fuzz:"))
        __builtin_trap();

    check_file("qemu.conf", data, size, conf != NULL);
    check_file("qemu-lockd.conf", data, size, conf != NULL);
    check_file("qemu-sanlock.conf", data, size, conf != NULL);
    check_security(data, size, conf != NULL);
    return 0;
}
