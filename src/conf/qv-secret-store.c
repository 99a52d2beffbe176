/*
 * qv-secret-store: secret definitions and values as files (see the
 * header).  The files are the truth: lookups read the folder, there is
 * no index.  One lock for the store, as for domains: a define must see
 * every other secret to keep uuids and usages unique.
 */
#include "conf/qv-secret-store.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util/qv-error.h"
#include "util/qv-file.h"

#define SECRET_SUBDIR "secrets"
#define XML_SUFFIX ".xml"
#define VALUE_SUFFIX ".base64"
#define LOCK_FILE ".lock"
#define XML_MAX_BYTES (1024 * 1024)

struct _QvSecretStore {
    char *dir;               /* persistent secrets */
    char *ephemeral_dir;     /* ephemeral ones, under the run folder */
    char *lock_path;
};

QvSecretStore *
qv_secret_store_open(const QvPaths *paths, GError **error)
{
    g_autofree char *dir = g_build_filename(paths->config_dir, SECRET_SUBDIR, NULL);
    g_autofree char *edir = g_build_filename(paths->run_dir, SECRET_SUBDIR, NULL);
    QvSecretStore *s;

    /* the folders above keep the modes everyone else makes them with */
    if (!qv_mkdir_p(paths->config_dir, 0755, error) || !qv_mkdir_p(paths->run_dir, 0755, error) ||
        !qv_mkdir_p(dir, 0700, error) || !qv_mkdir_p(edir, 0700, error))
        return NULL;
    /* a folder made by hand (or an older umask) must not show what it holds */
    if (chmod(dir, 0700) < 0 || chmod(edir, 0700) < 0) {
        qv_error_set_errno(error, errno, "cannot make secret folder '%s' private", dir);
        return NULL;
    }
    s = g_new0(QvSecretStore, 1);
    s->lock_path = g_build_filename(dir, LOCK_FILE, NULL);
    s->dir = g_steal_pointer(&dir);
    s->ephemeral_dir = g_steal_pointer(&edir);
    return s;
}

void
qv_secret_store_free(QvSecretStore *store)
{
    if (!store)
        return;
    g_free(store->dir);
    g_free(store->ephemeral_dir);
    g_free(store->lock_path);
    g_free(store);
}

void
qv_secret_value_free(uint8_t *value, size_t len)
{
    if (!value)
        return;
    explicit_bzero(value, len);
    g_free(value);
}

static char *
file_in(const char *dir, const char *uuid, const char *suffix)
{
    g_autofree char *base = g_strconcat(uuid, suffix, NULL);

    return g_build_filename(dir, base, NULL);
}

static QvSecretDef *
read_def(const char *path, GError **error)
{
    g_autofree char *xml = NULL;

    if (!qv_file_read_all(path, &xml, NULL, XML_MAX_BYTES, error))
        return NULL;
    return qv_secret_parse_xml(xml, path, error);
}

/* Every stored definition, from both folders; a file that does not
 * parse is skipped (it was not written by qvirt) */
static GPtrArray *
load_all(QvSecretStore *store, GError **error)
{
    const char *dirs[] = { store->dir, store->ephemeral_dir };
    GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)qv_secret_def_free);

    for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
        DIR *d = opendir(dirs[i]);
        struct dirent *ent;

        if (!d) {
            qv_error_set_errno(error, errno, "cannot list secret folder '%s'", dirs[i]);
            g_ptr_array_unref(all);
            return NULL;
        }
        while ((ent = readdir(d))) {
            char canon[QV_UUID_STRING_LEN];
            g_autofree char *uuid = NULL;
            g_autofree char *path = NULL;
            QvSecretDef *def;

            if (ent->d_name[0] == '.' || !g_str_has_suffix(ent->d_name, XML_SUFFIX))
                continue;
            uuid = g_strndup(ent->d_name, strlen(ent->d_name) - strlen(XML_SUFFIX));
            if (!qv_uuid_canonical(uuid, canon) || strcmp(canon, uuid) != 0)
                continue;
            path = g_build_filename(dirs[i], ent->d_name, NULL);
            if ((def = read_def(path, NULL)) && strcmp(def->uuid, uuid) == 0)
                g_ptr_array_add(all, def);
            else
                qv_secret_def_free(def);
        }
        closedir(d);
    }
    return all;
}

static gint
by_uuid(gconstpointer a, gconstpointer b)
{
    const QvSecretDef *x = *(QvSecretDef *const *)a;
    const QvSecretDef *y = *(QvSecretDef *const *)b;

    return strcmp(x->uuid, y->uuid);
}

GPtrArray *
qv_secret_store_list(QvSecretStore *store, GError **error)
{
    GPtrArray *all = load_all(store, error);

    if (all)
        g_ptr_array_sort(all, by_uuid);
    return all;
}

static char *
describe_usage(const QvSecretDef *def)
{
    if (def->usage == QV_SECRET_USAGE_NONE)
        return g_strdup("no usage");
    return g_strdup_printf("%s %s", qv_secret_usage_to_string(def->usage), def->usage_id);
}

static bool
check_unique(GPtrArray *all, const QvSecretDef *def, const QvSecretDef **same,
             GError **error)
{
    *same = NULL;
    for (guint i = 0; i < all->len; i++) {
        const QvSecretDef *o = all->pdata[i];

        if (strcmp(o->uuid, def->uuid) == 0) {
            g_autofree char *was = describe_usage(o);

            *same = o;
            if (o->usage != def->usage || g_strcmp0(o->usage_id, def->usage_id) != 0) {
                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                            "a secret with UUID %s already defined for use with %s; undefine it first to change its usage",
                            o->uuid, was);
                return false;
            }
            if (o->ephemeral != def->ephemeral || o->private_ != def->private_) {
                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                            "cannot change the %s flag of existing secret %s; undefine it first",
                            o->ephemeral != def->ephemeral ? "ephemeral" : "private", o->uuid);
                return false;
            }
        } else if (def->usage != QV_SECRET_USAGE_NONE && o->usage == def->usage &&
                   g_strcmp0(o->usage_id, def->usage_id) == 0) {
            g_autofree char *use = describe_usage(def);

            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "a secret with UUID %s is already defined for use with %s", o->uuid, use);
            return false;
        }
    }
    return true;
}

QvSecretDef *
qv_secret_store_define(QvSecretStore *store, const char *xml, const char *origin,
                       GError **error)
{
    g_autoptr(QvSecretDef) def = qv_secret_parse_xml(xml, origin, error);
    g_autoptr(GPtrArray) all = NULL;
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    const QvSecretDef *same;
    int lock;
    bool ok;

    if (!def || (lock = qv_file_lock(store->lock_path, true, true, error)) < 0)
        return NULL;
    ok = (all = load_all(store, error)) && check_unique(all, def, &same, error);
    if (ok) {
        text = qv_secret_format_xml(def);
        path = file_in(def->ephemeral ? store->ephemeral_dir : store->dir, def->uuid, XML_SUFFIX);
        ok = qv_file_write_atomic(path, text, strlen(text), 0600, error);
    }
    close(lock);
    return ok ? g_steal_pointer(&def) : NULL;
}

static const char *
dir_of(QvSecretStore *store, const char *uuid)
{
    g_autofree char *eph = file_in(store->ephemeral_dir, uuid, XML_SUFFIX);

    return g_file_test(eph, G_FILE_TEST_EXISTS) ? store->ephemeral_dir : store->dir;
}

QvSecretDef *
qv_secret_store_lookup_uuid(QvSecretStore *store, const char *uuid, GError **error)
{
    char canon[QV_UUID_STRING_LEN];
    g_autofree char *path = NULL;
    g_autoptr(GError) local = NULL;
    QvSecretDef *def;

    if (!qv_uuid_canonical(uuid, canon)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "malformed secret uuid '%s': expected 32 hexadecimal digits as 8-4-4-4-12", uuid);
        return NULL;
    }
    path = file_in(dir_of(store, canon), canon, XML_SUFFIX);
    if (!(def = read_def(path, &local))) {
        if (g_error_matches(local, QV_ERROR, QV_ERR_NOT_FOUND))
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "no secret with matching uuid '%s' (see secret-list; secret-define creates one)", canon);
        else
            g_propagate_error(error, g_steal_pointer(&local));
    }
    return def;
}

QvSecretDef *
qv_secret_store_lookup_usage(QvSecretStore *store, QvSecretUsage usage, const char *usage_id,
                             GError **error)
{
    g_autoptr(GPtrArray) all = load_all(store, error);

    if (!all)
        return NULL;
    for (guint i = 0; i < all->len; i++) {
        QvSecretDef *d = all->pdata[i];

        if (d->usage == usage && g_strcmp0(d->usage_id, usage_id) == 0)
            return g_ptr_array_steal_index(all, i);
    }
    g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                "no secret with matching usage '%s' of type '%s' (see secret-list; secret-define creates one)",
                usage_id ? usage_id : "", qv_secret_usage_to_string(usage));
    return NULL;
}

bool
qv_secret_store_undefine(QvSecretStore *store, const char *uuid, GError **error)
{
    g_autoptr(QvSecretDef) def = qv_secret_store_lookup_uuid(store, uuid, error);
    g_autofree char *xml = NULL;
    g_autofree char *value = NULL;
    const char *dir;
    int lock;
    bool ok = true;

    if (!def || (lock = qv_file_lock(store->lock_path, true, true, error)) < 0)
        return false;
    dir = dir_of(store, def->uuid);
    value = file_in(dir, def->uuid, VALUE_SUFFIX);
    xml = file_in(dir, def->uuid, XML_SUFFIX);
    /* the value first: a definition left without one is harmless */
    if (unlink(value) < 0 && errno != ENOENT) {
        qv_error_set_errno(error, errno, "cannot remove the value of secret %s ('%s')", def->uuid, value);
        ok = false;
    } else if (unlink(xml) < 0) {
        qv_error_set_errno(error, errno, "cannot remove secret %s ('%s')", def->uuid, xml);
        ok = false;
    }
    ok = ok && qv_file_sync_dir(dir, error);
    close(lock);
    return ok;
}

bool
qv_secret_store_has_value(QvSecretStore *store, const char *uuid)
{
    g_autofree char *path = file_in(dir_of(store, uuid), uuid, VALUE_SUFFIX);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

bool
qv_secret_store_set_value(QvSecretStore *store, const char *uuid, const uint8_t *value,
                          size_t len, GError **error)
{
    g_autoptr(QvSecretDef) def = qv_secret_store_lookup_uuid(store, uuid, error);
    g_autofree char *path = NULL;
    char *b64;
    int lock;
    bool ok;

    if (!def)
        return false;
    if (len > QV_SECRET_VALUE_MAX) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "secret %s: the value is %zu bytes; at most %d are accepted",
                    def->uuid, len, QV_SECRET_VALUE_MAX);
        return false;
    }
    if ((lock = qv_file_lock(store->lock_path, true, true, error)) < 0)
        return false;
    path = file_in(dir_of(store, def->uuid), def->uuid, VALUE_SUFFIX);
    b64 = g_base64_encode(value, len);
    ok = qv_file_write_atomic(path, b64, strlen(b64), 0600, error);
    explicit_bzero(b64, strlen(b64));
    g_free(b64);
    close(lock);
    return ok;
}

bool
qv_secret_store_get_value(QvSecretStore *store, const char *uuid, bool internal,
                          uint8_t **value, size_t *len, GError **error)
{
    g_autoptr(QvSecretDef) def = qv_secret_store_lookup_uuid(store, uuid, error);
    g_autofree char *path = NULL;
    g_autoptr(GError) local = NULL;
    char *b64 = NULL;
    size_t b64len = 0;
    gsize n = 0;

    if (!def)
        return false;
    if (def->private_ && !internal) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "secret %s is private: its value is not handed out (only qvirt passes it to QEMU)", def->uuid);
        return false;
    }
    path = file_in(dir_of(store, def->uuid), def->uuid, VALUE_SUFFIX);
    if (!qv_file_read_all(path, &b64, &b64len, QV_SECRET_VALUE_MAX * 2, &local)) {
        if (g_error_matches(local, QV_ERROR, QV_ERR_NOT_FOUND))
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "secret '%s' does not have a value (set one with secret-set-value)", def->uuid);
        else
            g_propagate_error(error, g_steal_pointer(&local));
        return false;
    }
    *value = g_base64_decode(b64, &n);
    *len = n;
    explicit_bzero(b64, b64len);
    g_free(b64);
    return true;
}
