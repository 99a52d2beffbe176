/*
 * qv-security-conf: qemu.conf's confinement keys, and the QEMU user they
 * give.  Every entry is checked before any is stored.
 */
#include "security/qv-security-conf.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/qv-conf-file.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-qemu-conf-keys.h"

#define CONFIG_FILE_MAX (1024 * 1024)

static const char *const driver_names[QV_SECURITY_DRIVER_LAST] = {
    [QV_SECURITY_DRIVER_DAC] = "dac",
    [QV_SECURITY_DRIVER_NONE] = "none",
};

const char *
qv_security_driver_to_string(QvSecurityDriver d)
{
    return d < QV_SECURITY_DRIVER_LAST ? driver_names[d] : NULL;
}

int
qv_security_driver_from_string(const char *s)
{
    for (int i = 0; s && i < QV_SECURITY_DRIVER_LAST; i++) {
        if (strcmp(driver_names[i], s) == 0)
            return i;
    }
    return -1;
}

QvSecurityConfig *
qv_security_config_new_defaults(void)
{
    QvSecurityConfig *cfg = g_new0(QvSecurityConfig, 1);

    cfg->dynamic_ownership = true;
    cfg->remember_owner = true;
    cfg->driver = QV_SECURITY_DRIVER_DAC;
    cfg->seccomp_sandbox = 1;
    return cfg;
}

void
qv_security_config_free(QvSecurityConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->user);
    g_free(cfg->group);
    g_free(cfg);
}

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, __VA_ARGS__); \
        return false; \
    } while (0)

static bool
want_type(const QvConfEntry *e, QvConfType type, const char *origin, GError **error)
{
    if (e->value.type == type)
        return true;
    FAIL("%s:%zu: key '%s': expected %s, got %s", origin, e->line, e->key,
         qv_conf_type_to_string(type), qv_conf_type_to_string(e->value.type));
}

static bool
want_bool(const QvConfEntry *e, const char *origin, GError **error)
{
    if (e->value.type != QV_CONF_INT || e->value.negative ||
        (e->value.num != 0 && e->value.num != 1))
        FAIL("%s:%zu: key '%s': expected 0 or 1", origin, e->line, e->key);
    return true;
}

/* A user or group as libvirt takes it: a name, or "+N" for a number */
static bool
want_name(const QvConfEntry *e, const char *origin, GError **error)
{
    const char *s;

    if (!want_type(e, QV_CONF_STRING, origin, error))
        return false;
    s = e->value.str;
    if (!s[0])
        FAIL("%s:%zu: key '%s': the name is empty (leave the key out for the default)",
             origin, e->line, e->key);
    if (s[0] == '+') {
        char *end = NULL;
        guint64 n;

        errno = 0;
        n = g_ascii_strtoull(s + 1, &end, 10);
        if (!g_ascii_isdigit(s[1]) || *end || errno || n >= (guint64)UINT32_MAX)
            FAIL("%s:%zu: key '%s': '%s' is not a number after '+'", origin, e->line, e->key, s);
    }
    return true;
}

static bool
check_entry(const QvConfFile *conf, const QvConfEntry *e, GError **error)
{
    const char *origin = conf->origin;
    const QvConfEntry *first = qv_conf_file_lookup(conf, e->key);

    if (!qv_qemu_conf_key_known(e->key))
        FAIL("%s:%zu: unknown key '%s'", origin, e->line, e->key);
    if (first != e)
        FAIL("%s:%zu: key '%s' is given twice (first on line %zu)", origin, e->line, e->key,
             first->line);
    if (strcmp(e->key, "user") == 0 || strcmp(e->key, "group") == 0)
        return want_name(e, origin, error);
    if (strcmp(e->key, "dynamic_ownership") == 0 || strcmp(e->key, "remember_owner") == 0)
        return want_bool(e, origin, error);
    if (strcmp(e->key, "security_driver") == 0) {
        if (e->value.type == QV_CONF_LIST)
            FAIL("%s:%zu: key 'security_driver': qvirt has one driver: give \"dac\" or \"none\", "
                 "not a list", origin, e->line);
        if (!want_type(e, QV_CONF_STRING, origin, error))
            return false;
        if (qv_security_driver_from_string(e->value.str) < 0)
            FAIL("%s:%zu: key 'security_driver': unknown driver '%s' (qvirt has \"dac\" and "
                 "\"none\")", origin, e->line, e->value.str);
        return true;
    }
    if (strcmp(e->key, "seccomp_sandbox") == 0) {
        const QvConfValue *v = &e->value;

        if (!want_type(e, QV_CONF_INT, origin, error))
            return false;
        if (!(v->num == 0 || v->num == 1 || (v->num == -1 && v->negative)))
            FAIL("%s:%zu: key 'seccomp_sandbox': expected -1, 0 or 1", origin, e->line);
        return true;
    }
    /* one of libvirt's keys that another module applies, or none */
    return true;
}

static void
store_entry(QvSecurityConfig *cfg, const QvConfEntry *e)
{
    if (strcmp(e->key, "user") == 0) {
        g_free(cfg->user);
        cfg->user = g_strdup(e->value.str);
    } else if (strcmp(e->key, "group") == 0) {
        g_free(cfg->group);
        cfg->group = g_strdup(e->value.str);
    } else if (strcmp(e->key, "dynamic_ownership") == 0) {
        cfg->dynamic_ownership = e->value.num == 1;
    } else if (strcmp(e->key, "remember_owner") == 0) {
        cfg->remember_owner = e->value.num == 1;
    } else if (strcmp(e->key, "security_driver") == 0) {
        cfg->driver = (QvSecurityDriver)qv_security_driver_from_string(e->value.str);
    } else if (strcmp(e->key, "seccomp_sandbox") == 0) {
        cfg->seccomp_sandbox = (int)e->value.num;
    }
}

bool
qv_security_config_parse(QvSecurityConfig *cfg, const char *text, size_t len,
                         const char *origin, GError **error)
{
    g_autoptr(QvConfFile) conf = qv_conf_file_parse(text, len, origin, error);

    if (!conf)
        return false;
    for (size_t i = 0; i < conf->nentries; i++) {
        if (!check_entry(conf, &conf->entries[i], error))
            return false;
    }
    for (size_t i = 0; i < conf->nentries; i++)
        store_entry(cfg, &conf->entries[i]);
    return true;
}

QvSecurityConfig *
qv_security_config_load(const char *config_dir, GError **error)
{
    g_autoptr(QvSecurityConfig) cfg = qv_security_config_new_defaults();
    g_autofree char *path = g_build_filename(config_dir, "qemu.conf", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    size_t len = 0;

    if (!qv_file_read_all(path, &text, &len, CONFIG_FILE_MAX, &err)) {
        if (g_error_matches(err, QV_ERROR, QV_ERR_NOT_FOUND))
            return g_steal_pointer(&cfg);
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    if (!qv_security_config_parse(cfg, text, len, path, error))
        return NULL;
    return g_steal_pointer(&cfg);
}

void
qv_qemu_cred_free(QvQemuCred *cred)
{
    if (!cred)
        return;
    g_free(cred->groups);
    g_free(cred->user);
    g_free(cred->group);
    g_free(cred);
}

#define HOW_TO_CREATE \
    "create it with 'useradd --system --user-group --no-create-home --home-dir /nonexistent " \
    "--shell /usr/sbin/nologin %s' (scripts/deps.sh does for " QV_SECURITY_DEFAULT_USER "), " \
    "or set 'user' and 'group' in qemu.conf"

static bool
resolve_user(QvQemuCred *cred, const char *name, GError **error)
{
    struct passwd *pw;

    if (name[0] == '+') {
        cred->uid = (uid_t)g_ascii_strtoull(name + 1, NULL, 10);
        pw = getpwuid(cred->uid);
        cred->gid = pw ? pw->pw_gid : (gid_t)cred->uid;
        cred->user = g_strdup(name);
        return true;
    }
    if (!(pw = getpwnam(name))) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "QEMU's user '%s' (qemu.conf 'user') does not exist: " HOW_TO_CREATE, name,
                    name);
        return false;
    }
    cred->uid = pw->pw_uid;
    cred->gid = pw->pw_gid;
    cred->user = g_strdup(name);
    return true;
}

static bool
resolve_group(QvQemuCred *cred, const char *name, GError **error)
{
    struct group *gr;

    if (name[0] == '+') {
        cred->gid = (gid_t)g_ascii_strtoull(name + 1, NULL, 10);
        cred->group = g_strdup(name);
        return true;
    }
    if (!(gr = getgrnam(name))) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "QEMU's group '%s' (qemu.conf 'group') does not exist: " HOW_TO_CREATE, name,
                    name);
        return false;
    }
    cred->gid = gr->gr_gid;
    cred->group = g_strdup(name);
    return true;
}

/* The user's groups, as login would give them, with @cred->gid first */
static void
resolve_groups(QvQemuCred *cred)
{
    struct passwd *pw = cred->user[0] == '+' ? NULL : getpwnam(cred->user);
    int n = 16;

    if (pw) {
        for (;;) {
            g_free(cred->groups);
            cred->groups = g_new0(gid_t, n);
            if (getgrouplist(cred->user, cred->gid, cred->groups, &n) >= 0)
                break;
        }
        cred->ngroups = n;
        return;
    }
    cred->groups = g_new0(gid_t, 1);
    cred->groups[0] = cred->gid;
    cred->ngroups = 1;
}

QvQemuCred *
qv_security_resolve(const QvSecurityConfig *cfg, GError **error)
{
    g_autoptr(QvQemuCred) cred = g_new0(QvQemuCred, 1);

    if (geteuid() != 0 || cfg->driver == QV_SECURITY_DRIVER_NONE) {
        cred->uid = geteuid();
        cred->gid = getegid();
        cred->user = g_strdup_printf("+%u", (unsigned int)cred->uid);
        cred->group = g_strdup_printf("+%u", (unsigned int)cred->gid);
        return g_steal_pointer(&cred);
    }
    cred->change = true;
    if (!resolve_user(cred, cfg->user ? cfg->user : QV_SECURITY_DEFAULT_USER, error))
        return NULL;
    if (cfg->group || !cfg->user) {
        if (!resolve_group(cred, cfg->group ? cfg->group : QV_SECURITY_DEFAULT_GROUP, error))
            return NULL;
    } else {
        cred->group = g_strdup_printf("+%u", (unsigned int)cred->gid);
    }
    resolve_groups(cred);
    return g_steal_pointer(&cred);
}
