/*
 * qv-dac: labelling files for an unprivileged QEMU and restoring them
 * (the rules are in qv-dac.h).
 */
#include "security/qv-dac.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utmpx.h>

#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"

void
qv_dac_label_free(QvDacLabel *label)
{
    if (!label)
        return;
    g_free(label->path);
    g_free(label);
}

/* "+N" or a name, of a user (@user) or a group */
static bool
parse_id(const char *s, size_t len, bool user, guint32 *out)
{
    g_autofree char *part = g_strndup(s, len);
    char *end = NULL;

    if (part[0] == '+') {
        guint64 n;

        if (!g_ascii_isdigit(part[1]))
            return false;
        n = g_ascii_strtoull(part + 1, &end, 10);
        if (*end || n >= G_MAXUINT32)
            return false;
        *out = (guint32)n;
        return true;
    }
    if (!part[0])
        return false;
    if (user) {
        struct passwd *pw = getpwnam(part);

        if (pw)
            *out = pw->pw_uid;
        return pw != NULL;
    } else {
        struct group *gr = getgrnam(part);

        if (gr)
            *out = gr->gr_gid;
        return gr != NULL;
    }
}

bool
qv_dac_parse_label(const char *s, uid_t *uid, gid_t *gid)
{
    const char *colon = s ? strchr(s, ':') : NULL;
    guint32 u, g;

    if (!colon || !parse_id(s, (size_t)(colon - s), true, &u) ||
        !parse_id(colon + 1, strlen(colon + 1), false, &g))
        return false;
    *uid = (uid_t)u;
    *gid = (gid_t)g;
    return true;
}

/* ---- xattrs ---- */

char *
qv_dac_boot_timestamp(void)
{
    static char *cached;
    struct utmpx id = { .ut_type = BOOT_TIME };
    struct utmpx *res;
    unsigned long long when = 0;

    if (cached)
        return g_strdup(cached);
    /* libvirt's order: utmp's boot record, then the kernel's btime */
    if ((res = getutxid(&id)))
        when = (unsigned long long)res->ut_tv.tv_sec;
    endutxent();
    if (!when) {
        g_autofree char *stat = NULL;
        const char *p;

        if (g_file_get_contents("/proc/stat", &stat, NULL, NULL) &&
            (p = strstr(stat, "\nbtime ")))
            when = g_ascii_strtoull(p + 7, NULL, 10);
    }
    cached = g_strdup_printf("%llu", when);
    return g_strdup(cached);
}

/* The value of @name on @path, NUL-terminated; NULL with errno
 * (ENODATA: not there, ENOTSUP: no xattrs here) */
static char *
xattr_get(const char *path, const char *name)
{
    char buf[256];
    ssize_t n = getxattr(path, name, buf, sizeof(buf) - 1);

    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return g_strdup(buf);
}

static bool
xattr_set(const char *path, const char *name, const char *value, GError **error)
{
    if (setxattr(path, name, value, strlen(value), 0) == 0)
        return true;
    qv_error_set_errno(error, errno, "cannot set the xattr %s on '%s'", name, path);
    return false;
}

static void
xattr_wipe(const char *path)
{
    removexattr(path, QV_DAC_XATTR_REF);
    removexattr(path, QV_DAC_XATTR_LABEL);
    removexattr(path, QV_DAC_XATTR_TIMESTAMP);
    removexattr(path, QV_DAC_XATTR_MODE);
}

/* The reference count on @path: 0 when there is none or it is stale
 * (then wiped), -1 when @path has no xattrs, -2 on another error */
static long
xattr_ref(const char *path, GError **error)
{
    g_autofree char *ref = xattr_get(path, QV_DAC_XATTR_REF);
    g_autofree char *stamp = NULL;
    g_autofree char *now = NULL;
    char *end = NULL;
    long n;

    if (!ref) {
        if (errno == ENOTSUP || errno == ENOSYS)
            return -1;
        if (errno == ENODATA) {
            /* a mode left by a restore libvirt made */
            removexattr(path, QV_DAC_XATTR_MODE);
            return 0;
        }
        qv_error_set_errno(error, errno, "cannot read the xattr %s of '%s'", QV_DAC_XATTR_REF, path);
        return -2;
    }
    stamp = xattr_get(path, QV_DAC_XATTR_TIMESTAMP);
    now = qv_dac_boot_timestamp();
    n = strtol(ref, &end, 10);
    if (g_strcmp0(stamp, now) != 0 || *end || n <= 0) {
        /* remembered before this boot (or broken): nobody holds it now */
        g_message("'%s': the remembered owner is from an earlier boot; forgotten", path);
        xattr_wipe(path);
        return 0;
    }
    return n;
}

static bool
set_ref(const char *path, long n, GError **error)
{
    g_autofree char *v = g_strdup_printf("%ld", n);

    return xattr_set(path, QV_DAC_XATTR_REF, v, error);
}

/* ---- access ---- */

static bool
in_groups(const QvQemuCred *cred, gid_t gid)
{
    if (cred->gid == gid)
        return true;
    for (int i = 0; i < cred->ngroups; i++) {
        if (cred->groups[i] == gid)
            return true;
    }
    return false;
}

/* The mode bits (rwx, 0..7) @st gives @cred */
static unsigned int
bits_for(const struct stat *st, uid_t uid, gid_t gid, const QvQemuCred *cred)
{
    if (uid == cred->uid)
        return (st->st_mode >> 6) & 7;
    if (in_groups(cred, gid))
        return (st->st_mode >> 3) & 7;
    return st->st_mode & 7;
}

static bool
enough(unsigned int bits, QvDacAccess access)
{
    return access == QV_DAC_WRITE ? (bits & 6) == 6 : (bits & 4) == 4;
}

/* ---- labelling ---- */

static bool
apply(const char *path, const struct stat *st, uid_t uid, gid_t gid, mode_t mode,
      const QvQemuCred *cred, GError **error)
{
    if ((st->st_uid != uid || st->st_gid != gid) && chown(path, uid, gid) < 0) {
        qv_error_set_errno(error, errno, "cannot give '%s' to QEMU's user '%s' (chown %u:%u)",
                           path, cred->user, (unsigned int)uid, (unsigned int)gid);
        return false;
    }
    if ((st->st_mode & 07777) != mode && chmod(path, mode) < 0) {
        qv_error_set_errno(error, errno, "cannot make '%s' readable by QEMU's user '%s' "
                           "(chmod %04o)", path, cred->user, (unsigned int)mode);
        return false;
    }
    return true;
}

/* The owner and mode @req wants for @st; false when it has them already */
static bool
target(const QvDac *dac, const QvDacRequest *req, const struct stat *st, uid_t *uid,
       gid_t *gid, mode_t *mode)
{
    const QvQemuCred *cred = dac->cred;

    *uid = st->st_uid;
    *gid = st->st_gid;
    *mode = st->st_mode & 07777;
    if (req->label) {
        qv_dac_parse_label(req->label, uid, gid);
        return *uid != st->st_uid || *gid != st->st_gid;
    }
    if (enough(bits_for(st, st->st_uid, st->st_gid, cred), req->access))
        return false;
    if (req->access == QV_DAC_WRITE) {
        *uid = cred->uid;
        *gid = cred->gid;
        return true;
    }
    /* readable, never writable: QEMU's group, with g+r and g-w (the
     * owner, when it is QEMU's user, is not the owner here) */
    *gid = cred->gid;
    *mode = (*mode | S_IRGRP) & ~(mode_t)S_IWGRP;
    return true;
}

static QvDacLabel *
label_new(const QvDacRequest *req, QvDacHow how, const struct stat *st)
{
    QvDacLabel *l = g_new0(QvDacLabel, 1);

    l->path = g_strdup(req->path);
    l->access = req->access;
    l->shared = req->shared;
    l->how = how;
    if (st) {
        l->uid = st->st_uid;
        l->gid = st->st_gid;
        l->mode = st->st_mode & 07777;
    }
    return l;
}

/* With xattrs: one more reference; the first remembers the original.
 * *@nox when @req->path has no xattrs. */
static bool
label_remembered(const QvDac *dac, const QvDacRequest *req, const struct stat *st,
                 bool change, uid_t uid, gid_t gid, mode_t mode, bool *nox, GError **error)
{
    long ref = xattr_ref(req->path, error);

    *nox = ref == -1;
    if (ref < 0)
        return false;
    if (ref == 0 && !change) {
        /* nothing to change and nobody to count: nothing done */
        *nox = true;
        return false;
    }
    if (ref == 0) {
        g_autofree char *orig = g_strdup_printf("+%u:+%u", (unsigned int)st->st_uid,
                                                (unsigned int)st->st_gid);
        g_autofree char *omode = g_strdup_printf("%o", (unsigned int)(st->st_mode & 07777));
        g_autofree char *stamp = qv_dac_boot_timestamp();

        if (!xattr_set(req->path, QV_DAC_XATTR_LABEL, orig, error) ||
            !xattr_set(req->path, QV_DAC_XATTR_TIMESTAMP, stamp, error) ||
            ((st->st_mode & 07777) != mode &&
             !xattr_set(req->path, QV_DAC_XATTR_MODE, omode, error))) {
            xattr_wipe(req->path);
            return false;
        }
    }
    if (!set_ref(req->path, ref + 1, error) ||
        (change && !apply(req->path, st, uid, gid, mode, dac->cred, error))) {
        if (ref == 0)
            xattr_wipe(req->path);
        else
            set_ref(req->path, ref, NULL);
        return false;
    }
    return true;
}

bool
qv_dac_label(const QvDac *dac, const QvDacRequest *req, QvDacLabel **out, GError **error)
{
    struct stat st;
    uid_t uid;
    gid_t gid;
    mode_t mode;
    bool change, nox = false;
    g_autoptr(GError) err = NULL;

    *out = NULL;
    if (!dac->cred->change || !dac->dynamic_ownership || req->norelabel) {
        *out = label_new(req, QV_DAC_UNTOUCHED, NULL);
        return true;
    }
    if (stat(req->path, &st) < 0) {
        qv_error_set_errno(error, errno, "cannot label '%s' for QEMU's user '%s'", req->path,
                           dac->cred->user);
        return false;
    }
    if (req->label && !qv_dac_parse_label(req->label, &uid, &gid)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "'%s': <seclabel model='dac'> label '%s' names no user and group of this "
                    "host (give '+UID:+GID' or existing names)", req->path, req->label);
        return false;
    }
    change = target(dac, req, &st, &uid, &gid, &mode);
    if (dac->remember_owner) {
        if (label_remembered(dac, req, &st, change, uid, gid, mode, &nox, &err)) {
            *out = label_new(req, QV_DAC_REMEMBERED, NULL);
            return true;
        }
        if (!nox) {
            g_propagate_error(error, g_steal_pointer(&err));
            return false;
        }
    }
    if (!change) {
        *out = label_new(req, QV_DAC_UNTOUCHED, NULL);
        return true;
    }
    if (!apply(req->path, &st, uid, gid, mode, dac->cred, error))
        return false;
    *out = label_new(req, QV_DAC_RECORDED, &st);
    return true;
}

/* The last reference went: the original owner and mode back */
static bool
restore_remembered(const char *path, GError **error)
{
    g_autofree char *orig = xattr_get(path, QV_DAC_XATTR_LABEL);
    g_autofree char *omode = xattr_get(path, QV_DAC_XATTR_MODE);
    uid_t uid;
    gid_t gid;

    xattr_wipe(path);
    if (!orig || !qv_dac_parse_label(orig, &uid, &gid))
        return true;
    if (chown(path, uid, gid) < 0) {
        qv_error_set_errno(error, errno, "cannot give '%s' back to %s", path, orig);
        return false;
    }
    if (omode && chmod(path, (mode_t)g_ascii_strtoull(omode, NULL, 8) & 07777) < 0) {
        qv_error_set_errno(error, errno, "cannot give '%s' back its mode %s", path, omode);
        return false;
    }
    return true;
}

bool
qv_dac_restore(const QvDacLabel *label, GError **error)
{
    long ref;

    switch (label->how) {
    case QV_DAC_UNTOUCHED:
        return true;
    case QV_DAC_REMEMBERED:
        if ((ref = xattr_ref(label->path, error)) == -2) {
            if (g_error_matches(*error, QV_ERROR, QV_ERR_NOT_FOUND)) {
                g_clear_error(error);
                return true;
            }
            return false;
        }
        if (ref <= 0)
            return true;        /* gone, forgotten or wiped meanwhile */
        if (ref > 1)
            return set_ref(label->path, ref - 1, error);
        return restore_remembered(label->path, error);
    case QV_DAC_RECORDED:
        /* without a count, a file others may use keeps QEMU's label */
        if (label->shared)
            return true;
        if (chown(label->path, label->uid, label->gid) < 0 && errno != ENOENT) {
            qv_error_set_errno(error, errno, "cannot give '%s' back to +%u:+%u", label->path,
                               (unsigned int)label->uid, (unsigned int)label->gid);
            return false;
        }
        if (chmod(label->path, label->mode) < 0 && errno != ENOENT) {
            qv_error_set_errno(error, errno, "cannot give '%s' back its mode %04o", label->path,
                               (unsigned int)label->mode);
            return false;
        }
        return true;
    case QV_DAC_HOW_LAST:
        break;
    }
    return true;
}

/* ---- the record ---- */

static const char *const how_names[QV_DAC_HOW_LAST] = { "untouched", "remembered", "recorded" };

json_object *
qv_dac_label_to_json(const QvDacLabel *l)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "path", json_object_new_string(l->path));
    json_object_object_add(o, "access", json_object_new_string(l->access == QV_DAC_WRITE ? "write"
                                                                                        : "read"));
    json_object_object_add(o, "shared", json_object_new_boolean(l->shared));
    json_object_object_add(o, "how", json_object_new_string(how_names[l->how]));
    if (l->how == QV_DAC_RECORDED) {
        json_object_object_add(o, "uid", json_object_new_int64(l->uid));
        json_object_object_add(o, "gid", json_object_new_int64(l->gid));
        json_object_object_add(o, "mode", json_object_new_int(l->mode));
    }
    return o;
}

QvDacLabel *
qv_dac_label_from_json(json_object *o)
{
    json_object *v = NULL;
    g_autoptr(QvDacLabel) l = g_new0(QvDacLabel, 1);
    const char *how;

    if (!json_object_object_get_ex(o, "path", &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    l->path = g_strdup(json_object_get_string(v));
    if (json_object_object_get_ex(o, "access", &v))
        l->access = g_strcmp0(json_object_get_string(v), "write") == 0 ? QV_DAC_WRITE : QV_DAC_READ;
    if (json_object_object_get_ex(o, "shared", &v))
        l->shared = json_object_get_boolean(v);
    if (!json_object_object_get_ex(o, "how", &v))
        return NULL;
    how = json_object_get_string(v);
    for (int i = 0; i < QV_DAC_HOW_LAST; i++) {
        if (g_strcmp0(how, how_names[i]) == 0)
            l->how = (QvDacHow)i;
    }
    if (json_object_object_get_ex(o, "uid", &v))
        l->uid = (uid_t)json_object_get_int64(v);
    if (json_object_object_get_ex(o, "gid", &v))
        l->gid = (gid_t)json_object_get_int64(v);
    if (json_object_object_get_ex(o, "mode", &v))
        l->mode = (mode_t)json_object_get_int(v) & 07777;
    return g_steal_pointer(&l);
}

/* ---- a record file ---- */

bool
qv_dac_record_save(const char *path, GPtrArray *labels, GError **error)
{
    g_autoptr(json_object) arr = json_object_new_array();
    const char *text;

    if (!labels || labels->len == 0) {
        if (unlink(path) < 0 && errno != ENOENT) {
            qv_error_set_errno(error, errno, "cannot remove '%s'", path);
            return false;
        }
        return true;
    }
    for (guint i = 0; i < labels->len; i++)
        json_object_array_add(arr, qv_dac_label_to_json(labels->pdata[i]));
    text = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY);
    return qv_file_write_atomic(path, text, strlen(text), 0600, error);
}

GPtrArray *
qv_dac_record_load(const char *path)
{
    GPtrArray *labels = g_ptr_array_new_with_free_func((GDestroyNotify)qv_dac_label_free);
    g_autofree char *text = NULL;
    g_autoptr(json_object) arr = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(arr = json_tokener_parse(text)) || !json_object_is_type(arr, json_type_array))
        return labels;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        QvDacLabel *l = qv_dac_label_from_json(json_object_array_get_idx(arr, i));

        if (l)
            g_ptr_array_add(labels, l);
    }
    return labels;
}

void
qv_dac_record_restore(const char *path)
{
    g_autoptr(GPtrArray) labels = qv_dac_record_load(path);

    for (guint i = 0; i < labels->len; i++) {
        g_autoptr(GError) err = NULL;

        if (!qv_dac_restore(labels->pdata[i], &err))
            g_warning("%s", err->message);
    }
    unlink(path);
}
