/*
 * qv-lock-config: the lock manager's configuration: the typed schema of
 * qemu.conf, qemu-lockd.conf and qemu-sanlock.conf over the syntax of
 * util/qv-conf-file, their defaults, and reading them from a folder.
 *
 * Each file is a table of keys, one row a key: its kind (which says the
 * type and the checks), where its value goes in QvLockConfig, and its
 * range.  A file is applied in two passes, every entry checked before any
 * is stored, so a file with an error leaves the configuration as it was.
 * Checks that span keys (sanlock's auto_disk_leases without a host_id)
 * belong to the driver's init, not here: only defaults that follow
 * another key are computed here, once the file is read.
 */
#include "locking/qv-lock-config.h"

#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "util/qv-conf-file.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-qemu-conf-keys.h"

/* libvirt's own cap is 10 MiB; its qemu.conf is under 50 KiB */
#define CONFIG_FILE_MAX (1024 * 1024)

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

/* ------------------------------------------------------------------ */
/* The schemas                                                         */

typedef enum {
    KEY_BOOL,           /* 0 or 1, as libvirt's virConfGetValueBool: bool */
    KEY_UINT,           /* an unsigned integer in min..max: unsigned int */
    KEY_PATH,           /* an absolute path: char * */
    KEY_NAME,           /* a user or group name, not empty: char * */
    KEY_MANAGER,        /* a lock manager's name: QvLockManagerKind */
} KeyKind;

typedef struct {
    const char *key;
    KeyKind kind;
    size_t offset;      /* of the value in QvLockConfig */
    unsigned int min;   /* KEY_UINT */
    unsigned int max;
    bool zero_unsets;   /* KEY_UINT: 0 is allowed too, meaning "unset" */
} KeyDef;

typedef struct {
    const char *name;
    const KeyDef *keys;
    size_t nkeys;
    /* libvirt's version holds many keys of its own (qemu.conf's user is
     * QEMU's): a name shared with another file here says nothing, and
     * libvirt's keys this table does not apply are accepted (other
     * modules apply some, e.g. security/qv-security-conf) */
    bool own_namespace;
    /* defaults that follow other keys, once the file is applied */
    void (*finish)(QvLockConfig *cfg, const QvConfFile *conf);
} FileDef;

#define AT(field) offsetof(QvLockConfig, field)

static const KeyDef qemu_keys[] = {
    { "lock_manager", KEY_MANAGER, AT(manager) },
};

static const KeyDef lockd_keys[] = {
    { "auto_disk_leases", KEY_BOOL, AT(lockd.auto_disk_leases) },
    { "require_lease_for_disks", KEY_BOOL, AT(lockd.require_lease_for_disks) },
    { "file_lockspace_dir", KEY_PATH, AT(lockd.file_lockspace_dir) },
    { "lvm_lockspace_dir", KEY_PATH, AT(lockd.lvm_lockspace_dir) },
    { "scsi_lockspace_dir", KEY_PATH, AT(lockd.scsi_lockspace_dir) },
};

static const KeyDef sanlock_keys[] = {
    { "auto_disk_leases", KEY_BOOL, AT(sanlock.auto_disk_leases) },
    { "disk_lease_dir", KEY_PATH, AT(sanlock.disk_lease_dir) },
    { "host_id", KEY_UINT, AT(sanlock.host_id), 1, 2000, true },
    { "require_lease_for_disks", KEY_BOOL, AT(sanlock.require_lease_for_disks) },
    { "io_timeout", KEY_UINT, AT(sanlock.io_timeout), 0, UINT_MAX },
    { "user", KEY_NAME, AT(sanlock.user) },
    { "group", KEY_NAME, AT(sanlock.group) },
};

/* As in libvirt, leases are required by default only when none are
 * made automatically, whatever the order of the two keys */
static void
lockd_finish(QvLockConfig *cfg, const QvConfFile *conf)
{
    if (!qv_conf_file_lookup(conf, "require_lease_for_disks"))
        cfg->lockd.require_lease_for_disks = !cfg->lockd.auto_disk_leases;
}

static void
sanlock_finish(QvLockConfig *cfg, const QvConfFile *conf)
{
    if (!qv_conf_file_lookup(conf, "require_lease_for_disks"))
        cfg->sanlock.require_lease_for_disks = !cfg->sanlock.auto_disk_leases;
}

static const FileDef files[] = {
    { "qemu.conf", qemu_keys, G_N_ELEMENTS(qemu_keys), true, NULL },
    { "qemu-lockd.conf", lockd_keys, G_N_ELEMENTS(lockd_keys), false, lockd_finish },
    { "qemu-sanlock.conf", sanlock_keys, G_N_ELEMENTS(sanlock_keys), false, sanlock_finish },
};

static const FileDef *
find_file(const char *name)
{
    for (size_t i = 0; name && i < G_N_ELEMENTS(files); i++) {
        if (strcmp(files[i].name, name) == 0)
            return &files[i];
    }
    return NULL;
}

static const KeyDef *
find_key(const FileDef *file, const char *key)
{
    for (size_t i = 0; i < file->nkeys; i++) {
        if (strcmp(file->keys[i].key, key) == 0)
            return &file->keys[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Unknown keys: a suggestion                                          */

/* Edit distance of @a and @b, or a large number for long strings */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[64];

    if (la >= G_N_ELEMENTS(row) || lb >= G_N_ELEMENTS(row))
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);

            best = MIN(best, up + 1);
            best = MIN(best, row[j - 1] + 1);
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* " (did you mean 'x'?)", " (it belongs in qemu-sanlock.conf)" or "" */
static char *
suggest(const FileDef *file, const char *key)
{
    const char *best = NULL;
    size_t best_d = 3;      /* at most two edits away */

    for (size_t i = 0; i < file->nkeys; i++) {
        size_t d = distance(key, file->keys[i].key);

        if (d < best_d) {
            best_d = d;
            best = file->keys[i].key;
        }
    }
    if (best)
        return g_strdup_printf(" (did you mean '%s'?)", best);
    for (size_t i = 0; !file->own_namespace && i < G_N_ELEMENTS(files); i++) {
        if (&files[i] != file && find_key(&files[i], key))
            return g_strdup_printf(" (it belongs in %s)", files[i].name);
    }
    return g_strdup("");
}

/* ------------------------------------------------------------------ */
/* Checking and storing                                                */

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, __VA_ARGS__); \
        return false; \
    } while (0)

/* An integer as it was written, "-0" included */
static char *
int_text(const QvConfValue *v)
{
    uint64_t mag = v->negative ? 0 - (uint64_t)v->num : (uint64_t)v->num;

    return g_strdup_printf("%s%" PRIu64, v->negative ? "-" : "", mag);
}

static bool
check_uint(const KeyDef *def, const QvConfEntry *e, const char *origin,
           GError **error)
{
    const QvConfValue *v = &e->value;
    g_autofree char *text = NULL;

    if (!v->negative && v->num == 0 && def->zero_unsets)
        return true;
    if (!v->negative && (uint64_t)v->num >= def->min && (uint64_t)v->num <= def->max)
        return true;
    text = int_text(v);
    if (def->zero_unsets)
        FAIL("%s:%zu: key '%s': %s is out of range %u to %u (or 0: unset)",
             origin, e->line, e->key, text, def->min, def->max);
    FAIL("%s:%zu: key '%s': %s is out of range %u to %u", origin, e->line, e->key, text,
         def->min, def->max);
}

/* Is @e's value right for @def?  Nothing is stored. */
static bool
check_value(const KeyDef *def, const QvConfEntry *e, const char *origin,
            GError **error)
{
    const QvConfValue *v = &e->value;
    QvConfType want = def->kind == KEY_BOOL || def->kind == KEY_UINT ? QV_CONF_INT : QV_CONF_STRING;

    if (v->type != want && def->kind == KEY_BOOL)
        FAIL("%s:%zu: key '%s': expected 0 or 1, got %s", origin, e->line, e->key,
             qv_conf_type_to_string(v->type));
    if (v->type != want)
        FAIL("%s:%zu: key '%s': expected %s, got %s", origin, e->line, e->key,
             qv_conf_type_to_string(want), qv_conf_type_to_string(v->type));

    switch (def->kind) {
    case KEY_BOOL:
        if (v->negative || (v->num != 0 && v->num != 1)) {
            g_autofree char *text = int_text(v);

            FAIL("%s:%zu: key '%s': expected 0 or 1, got %s", origin, e->line, e->key, text);
        }
        return true;
    case KEY_UINT:
        return check_uint(def, e, origin, error);
    case KEY_PATH:
        if (!g_path_is_absolute(v->str))
            FAIL("%s:%zu: key '%s': '%s' is not an absolute path", origin, e->line, e->key, v->str);
        return true;
    case KEY_NAME:
        if (!v->str[0])
            FAIL("%s:%zu: key '%s': the name is empty (leave the key out to keep the owner)",
                 origin, e->line, e->key);
        return true;
    case KEY_MANAGER:
        if (qv_lock_manager_kind_from_string(v->str) < 0)
            FAIL("%s:%zu: key '%s': unknown lock manager '%s' (expected 'nop', 'lockd' or 'sanlock')",
                 origin, e->line, e->key, v->str);
        return true;
    }
    FAIL("%s:%zu: key '%s': internal error: unknown kind %d", origin, e->line, e->key, (int)def->kind);
}

/* Store @e's value, checked already */
static void
store_value(QvLockConfig *cfg, const KeyDef *def, const QvConfEntry *e)
{
    void *field = (char *)cfg + def->offset;

    switch (def->kind) {
    case KEY_BOOL:
        *(bool *)field = e->value.num == 1;
        return;
    case KEY_UINT:
        *(unsigned int *)field = (unsigned int)e->value.num;
        return;
    case KEY_PATH:
    case KEY_NAME:
        g_free(*(char **)field);
        *(char **)field = g_strdup(e->value.str);
        return;
    case KEY_MANAGER:
        *(QvLockManagerKind *)field = (QvLockManagerKind)qv_lock_manager_kind_from_string(e->value.str);
        return;
    }
}

/* Every entry of @conf is a known key, given once, with a good value */
static bool
check_file(const FileDef *file, const QvConfFile *conf, GError **error)
{
    for (size_t i = 0; i < conf->nentries; i++) {
        const QvConfEntry *e = &conf->entries[i];
        const QvConfEntry *first = qv_conf_file_lookup(conf, e->key);
        const KeyDef *def = find_key(file, e->key);

        if (!def && file->own_namespace && qv_qemu_conf_key_known(e->key)) {
            if (first != e)
                FAIL("%s:%zu: key '%s' is given twice (first on line %zu)", conf->origin, e->line,
                     e->key, first->line);
            continue;
        }
        if (!def) {
            g_autofree char *hint = suggest(file, e->key);

            FAIL("%s:%zu: unknown key '%s'%s", conf->origin, e->line, e->key, hint);
        }
        if (first != e)
            FAIL("%s:%zu: key '%s' is given twice (first on line %zu)", conf->origin, e->line,
                 e->key, first->line);
        if (!check_value(def, e, conf->origin, error))
            return false;
    }
    return true;
}

bool
qv_lock_config_parse(QvLockConfig *cfg, const char *file, const char *text,
                     size_t len, const char *origin, GError **error)
{
    const FileDef *def = find_file(file);
    g_autoptr(QvConfFile) conf = NULL;

    if (!def) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "%s: unknown lock configuration file '%s' (expected qemu.conf, qemu-lockd.conf or qemu-sanlock.conf)",
                    origin, file ? file : "(null)");
        return false;
    }
    conf = qv_conf_file_parse(text, len, origin, error);
    if (!conf || !check_file(def, conf, error))
        return false;
    for (size_t i = 0; i < conf->nentries; i++) {
        const KeyDef *key = find_key(def, conf->entries[i].key);

        if (key)        /* always, once checked */
            store_value(cfg, key, &conf->entries[i]);
    }
    if (def->finish)
        def->finish(cfg, conf);
    return true;
}

QvLockConfig *
qv_lock_config_load(const char *config_dir, GError **error)
{
    g_autoptr(QvLockConfig) cfg = qv_lock_config_new_defaults(config_dir);

    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = g_build_filename(config_dir, files[i].name, NULL);
        g_autofree char *text = NULL;
        g_autoptr(GError) err = NULL;
        size_t len = 0;

        if (!qv_file_read_all(path, &text, &len, CONFIG_FILE_MAX, &err)) {
            /* a file left out is its defaults */
            if (g_error_matches(err, QV_ERROR, QV_ERR_NOT_FOUND))
                continue;
            g_propagate_error(error, g_steal_pointer(&err));
            return NULL;
        }
        if (!qv_lock_config_parse(cfg, files[i].name, text, len, path, error))
            return NULL;
    }
    return g_steal_pointer(&cfg);
}
