/*
 * qv-cli-support: the CLI's calls beyond the public API (see the header).
 */
#include "lib/qv-cli-support.h"

#include <stdio.h>
#include <string.h>

#include "lib/qv-api-priv.h"
#include "lib/qv-launch.h"
#include "locking/qv-lock-config.h"
#include "qvirt-config.h"
#if QVIRT_WITH_SANLOCK
#include "locking/qv-lock-sanlock.h"
#endif
#include "qemu/qv-qemu-validate.h"
#include "supervisor/qv-status.h"
#include "supervisor/qv-supervisor.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "util/qv-file.h"

#define QV_MAX_XML_SIZE (64 * 1024 * 1024)

void
qv_cli_fork_supervisors(bool on)
{
    qv_launch_fork_in_process(on);
}

char *
qv_cli_read_xml_file(const char *path, GError **error)
{
    char *data = NULL;
    size_t len = 0;

    if (strcmp(path, "-") == 0) {
        g_autoptr(GString) buf = g_string_new(NULL);
        char chunk[65536];
        size_t n;

        while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
            g_string_append_len(buf, chunk, (gssize)n);
            if (buf->len > QV_MAX_XML_SIZE) {
                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                            "standard input is larger than %d bytes",
                            QV_MAX_XML_SIZE);
                return NULL;
            }
        }
        return g_string_free(g_steal_pointer(&buf), FALSE);
    }
    if (!qv_file_read_all(path, &data, &len, QV_MAX_XML_SIZE, error))
        return NULL;
    return data;
}

QvirtDomain *
qv_cli_define_xml(QvirtConnect *conn, const char *xml, const char *origin,
                  unsigned int flags, bool *created, char **kept, GError **error)
{
    return qv_api_define(conn, xml, origin, flags, created, kept, error);
}

bool
qv_cli_validate_xml(const char *xml, const char *origin, unsigned int flags,
                    GError **error)
{
    g_autoptr(QvDomainDef) def = NULL;

    if (!qv_api_check_flags(flags, QVIRT_DOMAIN_DEFINE_VALIDATE |
                            QVIRT_DOMAIN_DEFINE_VALIDATE_CHAINS, "validate", error))
        return false;
    def = qv_conn_check_xml(xml, origin,
                            flags & QVIRT_DOMAIN_DEFINE_VALIDATE_CHAINS ? QV_DEFINE_VALIDATE_CHAINS : 0,
                            qv_qemu_validate_def, error);
    return def != NULL;
}

int
qv_cli_create(QvirtDomain *dom, unsigned int flags, char ***dropped, GError **error)
{
    return qv_api_create(dom, flags, dropped, error);
}

char *
qv_cli_events_path(QvirtDomain *dom)
{
    g_autoptr(QvGuestFiles) files = qv_guest_files_new(dom->conn->conn->paths, dom->name);

    return g_strdup(files->events);
}

int
qv_cli_lease_count(QvirtDomain *dom, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_conn_lookup(dom->conn->conn, dom->name, error);

    return def ? (int)def->nleases : -1;
}

char *
qv_cli_lock_status(QvirtDomain *dom, GError **error)
{
    g_autoptr(json_object) ret = NULL;

    if (!qv_ctl_call(dom->conn->conn, dom->name, QV_CTL_LOCK_STATUS, NULL, 30000, &ret, error))
        return NULL;
    return g_strdup(json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_SPACED));
}

bool
qv_cli_sanlock_cleanup(QvirtConnect *conn, bool dry_run, char ***removed, char ***kept,
                       GError **error)
{
#if QVIRT_WITH_SANLOCK
    g_autoptr(QvLockConfig) cfg = qv_lock_config_load(conn->conn->paths->config_dir, error);
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) stay = g_ptr_array_new_with_free_func(g_free);

    if (!cfg || !qv_sanlock_cleanup(&cfg->sanlock, dry_run, gone, stay, error))
        return false;
    g_ptr_array_add(gone, NULL);
    g_ptr_array_add(stay, NULL);
    *removed = (char **)g_ptr_array_steal(gone, NULL);
    *kept = (char **)g_ptr_array_steal(stay, NULL);
    return true;
#else
    g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                "sanlock-cleanup: this qvirt is built without sanlock (-Dsanlock=enabled)");
    return false;
#endif
}

int
qv_cli_supervise(const char *root, const char *name, const char *mode, bool paused,
                 int report_fd, GError **error)
{
    QvSuperviseArgs args = { 0 };
    int m = qv_supervise_mode_from_string(mode ? mode : "start");

    if (m < 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "__supervise: unknown mode '%s'", mode);
        return -1;
    }
    args.root = root;
    args.name = name;
    args.mode = (QvSuperviseMode)m;
    args.paused = paused;
    args.report_fd = report_fd;
    return qv_supervisor_main(&args);
}
