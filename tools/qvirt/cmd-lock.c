/*
 * cmd-lock: disk leases: lock-status (what running domains hold) and
 * sanlock-cleanup (virt-sanlock-cleanup).
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/qv-cli-support.h"
#include "qvirt-cli.h"

extern const QvCommand *const qv_lock_commands[];
extern const size_t qv_lock_ncommands;

static const QvCommand qv_cmd_lock_status, qv_cmd_sanlock_cleanup;

static const char *
str_of(json_object *o, const char *key)
{
    json_object *v = NULL;

    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
           json_object_get_string(v) : NULL;
}

/* One domain's answer: a row per lease, or one that says none are held */
static void
print_status(const char *name, json_object *st)
{
    json_object *leases = NULL, *v = NULL;
    const char *driver = str_of(st, "driver");
    const char *host = str_of(st, "host");
    long long pid = json_object_object_get_ex(st, "qemu_pid", &v) ? json_object_get_int64(v) : 0;
    size_t n;

    json_object_object_get_ex(st, "leases", &leases);
    n = json_object_is_type(leases, json_type_array) ? json_object_array_length(leases) : 0;
    if (g_strcmp0(driver, "nop") == 0) {
        printf("%-16s %-8s %-10s %-22s %s\n", name, driver, "-", "-", "(no leases: lock_manager is nop)");
        return;
    }
    if (n == 0) {
        json_object *released = NULL;

        json_object_object_get_ex(st, "released", &released);
        printf("%-16s %-8s %-10s %-22s %s\n", name, driver ? driver : "-", "-", "-",
               json_object_get_boolean(released) ? "(none held: paused)" : "(none held)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *l = json_object_array_get_idx(leases, i), *h = NULL;
        g_autofree char *holder = g_strdup_printf("pid %lld on %s", pid, host ? host : "?");
        /* the driver's word: "held": false is a lease it did not take
         * (lockd without auto_disk_leases, a read-only disk under sanlock) */
        bool held = !json_object_object_get_ex(l, "held", &h) || json_object_get_boolean(h);

        printf("%-16s %-8s %-10s %-22s %s\n", name, driver ? driver : "-",
               !held ? "(none)" : str_of(l, "mode") ? str_of(l, "mode") : "-",
               held ? holder : "-", str_of(l, "what") ? str_of(l, "what") : str_of(l, "key"));
    }
}

static int
run_lock_status(int argc, char **argv, GError **error)
{
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON for scripts", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(json_object) all = json_object_new_object();
    QvirtDomain **doms = NULL;
    bool help_shown;
    int n, rc = 0;

    if (!qv_cli_parse(&qv_cmd_lock_status, entries, &argc, &argv, 0, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = qvirt_connect_open(qv_cli_root, error)))
        return 1;
    qv_cli_fork_supervisors(true);
    if (argc > 1) {
        doms = g_new0(QvirtDomain *, 2);
        if (!(doms[0] = qvirt_domain_lookup(conn, argv[1], error))) {
            g_free(doms);
            return 1;
        }
        n = 1;
    } else if ((n = qvirt_connect_list_all_domains(conn, &doms, QVIRT_CONNECT_LIST_DOMAINS_ACTIVE,
                                                   error)) < 0) {
        return 1;
    }
    if (!json)
        printf("%-16s %-8s %-10s %-22s %s\n", "DOMAIN", "DRIVER", "MODE", "HOLDER", "RESOURCE");
    for (int i = 0; i < n; i++) {
        const char *name = qvirt_domain_get_name(doms[i]);
        g_autoptr(GError) err = NULL;
        g_autofree char *text = qv_cli_lock_status(doms[i], &err);
        json_object *st;

        if (!text) {
            /* one domain stopped meanwhile: the others are still told */
            if (argc > 1) {
                g_propagate_error(error, g_steal_pointer(&err));
                rc = 1;
            } else {
                fprintf(stderr, "qvirt: %s\n", err->message);
            }
            continue;
        }
        if (!(st = json_tokener_parse(text)))
            continue;
        if (json)
            json_object_object_add(all, name, st);
        else {
            print_status(name, st);
            json_object_put(st);
        }
    }
    for (int i = 0; i < n; i++)
        qvirt_domain_free(doms[i]);
    g_free(doms);
    if (json && rc == 0)
        printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY |
                                                      JSON_C_TO_STRING_SPACED));
    return rc;
}

static int
run_sanlock_cleanup(int argc, char **argv, GError **error)
{
    gboolean dry_run = FALSE;
    const GOptionEntry entries[] = {
        { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "say what would be removed, remove nothing", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_auto(GStrv) removed = NULL;
    g_auto(GStrv) kept = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_sanlock_cleanup, entries, &argc, &argv, 0, 0, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = qvirt_connect_open(qv_cli_root, error)) ||
        !qv_cli_sanlock_cleanup(conn, dry_run, &removed, &kept, error))
        return 1;
    for (size_t i = 0; removed[i]; i++)
        printf("%s %s\n", dry_run ? "idle (would remove)" : "removed", removed[i]);
    for (size_t i = 0; kept[i]; i++)
        printf("kept %s\n", kept[i]);
    return 0;
}

static const QvCommand qv_cmd_sanlock_cleanup = {
    .name = "sanlock-cleanup", .args = "[--dry-run]",
    .summary = "remove the sanlock lease files no host holds",
    .help = "virt-sanlock-cleanup for qemu-sanlock.conf's disk_lease_dir: each lease file no host holds is removed while this command holds its lease, so that no host can be using it meanwhile; a lease any host holds is kept. --dry-run checks the same way and removes nothing. Needs the host's sanlock daemon and host_id.",
    .run = run_sanlock_cleanup,
};

static const QvCommand qv_cmd_lock_status = {
    .name = "lock-status", .args = "[DOMAIN] [--json]",
    .summary = "show the disk leases running domains hold",
    .help = "For each running domain (or DOMAIN): the lock driver (lockd, sanlock, nop), each lease its QEMU holds with its mode (exclusive, shared), the holder (QEMU's pid, and the host), and the disk or <lease> it protects. A paused domain holds none: they are let go on pause and taken back before it runs again. --json prints each domain's record: {DOMAIN: {driver, host, qemu_pid, released, state, leases: [...]}}.",
    .run = run_lock_status,
};

/* Merged by the module into its command table */
const QvCommand *const qv_lock_commands[] = {
    &qv_cmd_lock_status,
    &qv_cmd_sanlock_cleanup,
};
const size_t qv_lock_ncommands = G_N_ELEMENTS(qv_lock_commands);
