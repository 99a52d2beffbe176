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

/* The module's command tables, by symbol: they are joined in this order */
static const struct {
    const char *table;
    const char *count;
} module_tables[] = {
    { "qv_conf_commands", "qv_conf_ncommands" },
    { "qv_guest_commands", "qv_guest_ncommands" },
    { "qv_block_commands", "qv_block_ncommands" },
    { "qv_lock_commands", "qv_lock_ncommands" },
    { "qv_device_commands", "qv_device_ncommands" },
    { "qv_quorum_commands", "qv_quorum_ncommands" },
    { "qv_migrate_commands", "qv_migrate_ncommands" },
    { "qv_iotune_commands", "qv_iotune_ncommands" },
    { "qv_secret_commands", "qv_secret_ncommands" },
};

static GPtrArray *module_cmds;

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
    void *h;

    if (module_cmds) {
        *n = module_cmds->len;
        return (const QvCommand *const *)module_cmds->pdata;
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
    module_cmds = g_ptr_array_new();
    for (size_t t = 0; t < G_N_ELEMENTS(module_tables); t++) {
        const QvCommand *const *cmds = dlsym(h, module_tables[t].table);
        const size_t *count = dlsym(h, module_tables[t].count);

        if (!cmds || !count) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                        "the qvirt module %s does not export its command table '%s'",
                        QV_CONF_MODULE, module_tables[t].table);
            g_clear_pointer(&module_cmds, g_ptr_array_unref);
            return NULL;
        }
        for (size_t k = 0; k < *count; k++)
            g_ptr_array_add(module_cmds, (gpointer)cmds[k]);
    }
    /* the module stays loaded until exit: its commands are running */
    *n = module_cmds->len;
    return (const QvCommand *const *)module_cmds->pdata;
}
