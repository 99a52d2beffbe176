/*
 * qv-paths: the configuration, state and run folders.
 */
#include "util/qv-paths.h"

#include <string.h>

#include <unistd.h>

#include "util/qv-error.h"

static QvPaths *
paths_under_root(const char *root)
{
    g_autofree char *abs = g_canonicalize_filename(root, NULL);
    QvPaths *p = g_new0(QvPaths, 1);

    p->config_dir = g_build_filename(abs, "etc", NULL);
    p->state_dir = g_build_filename(abs, "var", "lib", NULL);
    p->run_dir = g_build_filename(abs, "run", NULL);
    return p;
}

/* $VAR when set to an absolute path (the XDG rule), else HOME/@fallback */
static char *
xdg_dir(const char *var, const char *fallback)
{
    const char *v = g_getenv(var);

    if (v && g_path_is_absolute(v))
        return g_build_filename(v, "qvirt", NULL);
    if (!fallback)
        return NULL;
    return g_build_filename(g_get_home_dir(), fallback, "qvirt", NULL);
}

static QvPaths *
paths_for_user(void)
{
    QvPaths *p = g_new0(QvPaths, 1);

    p->config_dir = xdg_dir("XDG_CONFIG_HOME", ".config");
    p->state_dir = xdg_dir("XDG_STATE_HOME", ".local/state");
    p->run_dir = xdg_dir("XDG_RUNTIME_DIR", NULL);
    if (!p->run_dir)
        p->run_dir = g_build_filename(p->state_dir, "run", NULL);
    return p;
}

QvPaths *
qv_paths_new(const char *root, GError **error)
{
    QvPaths *p;

    if (root && !*root) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "root folder must not be empty");
        return NULL;
    }
    if (!root) {
        const char *env = g_getenv("QVIRT_ROOT");

        if (env && *env)
            root = env;
    }
    if (root)
        return paths_under_root(root);
    if (geteuid() == 0) {
        p = g_new0(QvPaths, 1);
        p->config_dir = g_strdup("/etc/qvirt");
        p->state_dir = g_strdup("/var/lib/qvirt");
        p->run_dir = g_strdup("/run/qvirt");
        return p;
    }
    return paths_for_user();
}

void
qv_paths_free(QvPaths *paths)
{
    if (!paths)
        return;
    g_free(paths->config_dir);
    g_free(paths->state_dir);
    g_free(paths->run_dir);
    g_free(paths);
}

char *
qv_paths_root(const QvPaths *paths)
{
    g_autofree char *dir = g_path_get_dirname(paths->run_dir);
    g_autofree char *etc = g_build_filename(dir, "etc", NULL);
    g_autofree char *lib = g_build_filename(dir, "var", "lib", NULL);
    g_autofree char *run = g_build_filename(dir, "run", NULL);

    if (strcmp(etc, paths->config_dir) == 0 && strcmp(lib, paths->state_dir) == 0 &&
        strcmp(run, paths->run_dir) == 0)
        return g_steal_pointer(&dir);
    return NULL;
}
