/*
 * cli-module: find and load the qvirt-conf module, which holds the
 * commands that read domain XML.
 *
 * Looked for in $QVIRT_MODULE_DIR, then beside the executable (a build
 * tree), then in the installed module folder.
 */
#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include "qvirt-cli.h"

static const QvCommand *const *module_cmds;
static size_t module_ncmds;

static char *
exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return g_path_get_dirname(buf);
}

static void *
try_open(const char *dir, GString *tried)
{
    g_autofree char *path = NULL;
    void *h;

    if (!dir || !*dir)
        return NULL;
    path = g_build_filename(dir, QV_CONF_MODULE, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_string_append_printf(tried, "%s'%s'", tried->len ? ", " : "", path);
        return NULL;
    }
    if (!(h = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
        g_string_append_printf(tried, "%s'%s' (%s)", tried->len ? ", " : "",
                               path, dlerror());
    return h;
}

const QvCommand *const *
qv_cli_module_commands(size_t *n, GError **error)
{
    g_autoptr(GString) tried = NULL;
    g_autofree char *here = NULL;
    const size_t *count;
    void *h;

    if (module_cmds) {
        *n = module_ncmds;
        return module_cmds;
    }
    tried = g_string_new(NULL);
    here = exe_dir();
    if (!(h = try_open(g_getenv("QVIRT_MODULE_DIR"), tried)) &&
        !(h = try_open(here, tried)) &&
        !(h = try_open(QVIRT_MODULEDIR, tried))) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "cannot load the qvirt module %s; tried %s (set QVIRT_MODULE_DIR to its folder)",
                    QV_CONF_MODULE, tried->str);
        return NULL;
    }
    module_cmds = dlsym(h, "qv_conf_commands");
    count = dlsym(h, "qv_conf_ncommands");
    if (!module_cmds || !count) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "the qvirt module %s does not export its command table",
                    QV_CONF_MODULE);
        module_cmds = NULL;
        return NULL;
    }
    /* the module stays loaded until exit: its commands are running */
    module_ncmds = *count;
    *n = module_ncmds;
    return module_cmds;
}
