/*
 * Migration commands, with virsh's names and flags: migrate,
 * migrate-getspeed, migrate-setspeed, domjobinfo, domjobabort; and the
 * hidden __migrate-incoming, the destination's side that `migrate` runs
 * (locally, or through ssh on the other host).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qvirt/qvirt.h"
#include "qvirt-cli.h"
#include "lib/qv-cli-support.h"
#include "lib/qv-migrate.h"

static const QvCommand qv_cmd_migrate, qv_cmd_getspeed, qv_cmd_setspeed, qv_cmd_jobinfo,
    qv_cmd_jobabort, qv_cmd_incoming;
extern const QvCommand *const qv_migrate_commands[];
extern const size_t qv_migrate_ncommands;

static QvirtDomain *
open_dom(QvirtConnect **conn, const char *name, GError **error)
{
    if (!(*conn = qvirt_connect_open(qv_cli_root, error)))
        return NULL;
    qv_cli_fork_supervisors(true);
    return qvirt_domain_lookup(*conn, name, error);
}

typedef struct {
    int last;
    bool tty;
} Progress;

/* virsh's "Migration: [ NN %]", the storage first, then the memory */
static void
show_progress(QvirtDomain *dom, const QvirtDomainJobInfo *info, void *opaque)
{
    Progress *p = opaque;
    int pct;

    if (!info->data_total)
        return;
    pct = (int)(100 - (info->data_remaining * 100) / info->data_total);
    if (pct >= 100)
        pct = 99;
    if (pct == p->last)
        return;
    p->last = pct;
    fprintf(stderr, "%sMigration: [%3d %%] %s%s", p->tty ? "\r" : "", pct,
            info->phase ? info->phase : "", p->tty ? "   " : "\n");
}

static int
run_migrate(int argc, char **argv, GError **error)
{
    gboolean live = FALSE, offline = FALSE, all = FALSE, inc = FALSE, syncw = FALSE;
    gboolean persistent = FALSE, undefine = FALSE, suspend = FALSE, unsafe = FALSE;
    gboolean verbose = FALSE, tsuspend = FALSE, tpostcopy = FALSE, abort_err = FALSE;
    gboolean json = FALSE, p2p = FALSE, direct = FALSE, tunnelled = FALSE;
    gint timeout = 0;
    gint64 bandwidth = 0;
    g_autofree char *disks = NULL, *muri = NULL, *duri = NULL, *dname = NULL, *xmlfile = NULL;
    const GOptionEntry entries[] = {
        { "live", 0, 0, G_OPTION_ARG_NONE, &live, "the guest runs while its memory is copied", NULL },
        { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, "move the definition of a shut off domain (needs --persistent)", NULL },
        { "p2p", 0, 0, G_OPTION_ARG_NONE, &p2p, "accepted: qvirt always drives both sides itself", NULL },
        { "direct", 0, 0, G_OPTION_ARG_NONE, &direct, "accepted, as --p2p", NULL },
        { "tunnelled", 0, 0, G_OPTION_ARG_NONE, &tunnelled, "refused: qvirt has no daemon to tunnel through", NULL },
        { "copy-storage-all", 0, 0, G_OPTION_ARG_NONE, &all, "copy every writable disk", NULL },
        { "copy-storage-inc", 0, 0, G_OPTION_ARG_NONE, &inc, "copy the top images; the bases are on both hosts", NULL },
        { "copy-storage-synchronous-writes", 0, 0, G_OPTION_ARG_NONE, &syncw, "guest writes wait for the copy (it converges)", NULL },
        { "migrate-disks", 0, 0, G_OPTION_ARG_STRING, &disks, "the disks to copy (vda,vdb)", "LIST" },
        { "persistent", 0, 0, G_OPTION_ARG_NONE, &persistent, "define the domain on the destination", NULL },
        { "undefinesource", 0, 0, G_OPTION_ARG_NONE, &undefine, "undefine it here afterwards", NULL },
        { "suspend", 0, 0, G_OPTION_ARG_NONE, &suspend, "leave it paused on the destination", NULL },
        { "unsafe", 0, 0, G_OPTION_ARG_NONE, &unsafe, "skip the safety checks (storage, cache)", NULL },
        { "verbose", 0, 0, G_OPTION_ARG_NONE, &verbose, "show the progress", NULL },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "suspend the guest after S seconds", "S" },
        { "timeout-suspend", 0, 0, G_OPTION_ARG_NONE, &tsuspend, "what --timeout does (the default)", NULL },
        { "timeout-postcopy", 0, 0, G_OPTION_ARG_NONE, &tpostcopy, "refused: no post-copy", NULL },
        { "abort-on-error", 0, 0, G_OPTION_ARG_NONE, &abort_err, "abort when an I/O error pauses the guest, and at --timeout", NULL },
        { "bandwidth", 0, 0, G_OPTION_ARG_INT64, &bandwidth, "MiB/s for the disks and the memory", "N" },
        { "migrateuri", 0, 0, G_OPTION_ARG_STRING, &muri, "where the memory goes: tcp://HOST[:PORT], unix:PATH", "URI" },
        { "disks-uri", 0, 0, G_OPTION_ARG_STRING, &duri, "where the disks go: tcp://HOST[:PORT], unix:PATH", "URI" },
        { "dname", 0, 0, G_OPTION_ARG_STRING, &dname, "its name on the destination", "NAME" },
        { "xml", 0, 0, G_OPTION_ARG_FILENAME, &xmlfile, "the destination's definition (other image paths)", "FILE" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print the figures as JSON", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_auto(GStrv) disk_list = NULL;
    g_autofree char *xml = NULL;
    QvirtMigrateResult result = { 0 };
    QvirtMigrateParams params = { 0 };
    Progress prog = { -1, isatty(2) };
    unsigned int flags = 0;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_migrate, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    if (tunnelled || tpostcopy) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_UNSUPPORTED, "migrate: %s is not supported",
                    tunnelled ? "--tunnelled" : "--timeout-postcopy");
        return 1;
    }
    if (timeout < 0 || bandwidth < 0) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "migrate: --timeout and --bandwidth take positive numbers");
        return 1;
    }
    if (timeout && !live) {
        /* virsh's words */
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "migrate: Unexpected timeout for offline migration");
        return 1;
    }
    if (tsuspend && !timeout) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "migrate: --timeout-suspend requires --timeout");
        return 1;
    }
    if (xmlfile && !g_file_get_contents(xmlfile, &xml, NULL, error))
        return 1;
    flags |= live ? QVIRT_MIGRATE_LIVE : 0;
    flags |= offline ? QVIRT_MIGRATE_OFFLINE : 0;
    flags |= all ? QVIRT_MIGRATE_NON_SHARED_DISK : 0;
    flags |= inc ? QVIRT_MIGRATE_NON_SHARED_INC : 0;
    flags |= syncw ? QVIRT_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES : 0;
    flags |= persistent ? QVIRT_MIGRATE_PERSIST_DEST : 0;
    flags |= undefine ? QVIRT_MIGRATE_UNDEFINE_SOURCE : 0;
    flags |= suspend ? QVIRT_MIGRATE_PAUSED : 0;
    flags |= unsafe ? QVIRT_MIGRATE_UNSAFE : 0;
    flags |= abort_err ? QVIRT_MIGRATE_ABORT_ON_ERROR : 0;
    if (disks)
        disk_list = g_strsplit(disks, ",", -1);
    params.migrate_disks = (const char *const *)disk_list;
    params.dest_xml = xml;
    params.dest_name = dname;
    params.migrate_uri = muri;
    params.disks_uri = duri;
    params.bandwidth = (unsigned long long)bandwidth;
    params.timeout_s = (unsigned int)timeout;
    params.result = &result;
    if (verbose) {
        params.progress = show_progress;
        params.opaque = &prog;
    }
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_migrate(dom, argv[2], &params, flags, error) < 0) {
        if (verbose && prog.tty && prog.last >= 0)
            fputc('\n', stderr);
        return 1;
    }
    if (verbose)
        fprintf(stderr, "%sMigration: [100 %%]%s\n", prog.tty ? "\r" : "",
                prog.tty ? "              " : "");
    if (json) {
        g_autoptr(json_object) o = json_object_new_object();

        json_object_object_add(o, "total_ms", json_object_new_uint64(result.total_ms));
        json_object_object_add(o, "memory_ms", json_object_new_uint64(result.memory_ms));
        json_object_object_add(o, "downtime_ms", json_object_new_uint64(result.downtime_ms));
        json_object_object_add(o, "disk_bytes", json_object_new_uint64(result.disk_bytes));
        json_object_object_add(o, "memory_bytes", json_object_new_uint64(result.memory_bytes));
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    }
    return 0;
}

static int
run_getspeed(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    unsigned long bw = 0;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_getspeed, NULL, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_migrate_get_max_speed(dom, &bw, 0, error) < 0)
        return 1;
    /* virsh prints libvirt's "unlimited" as its largest value; 0 is clearer */
    printf("%lu\n", bw);
    return 0;
}

static int
run_setspeed(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    guint64 bw = 0;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_setspeed, NULL, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!g_ascii_string_to_unsigned(argv[2], 10, 0, G_MAXULONG >> 21, &bw, NULL)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "migrate-setspeed: '%s' is not a bandwidth in MiB/s", argv[2]);
        return 1;
    }
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_migrate_set_max_speed(dom, (unsigned long)bw, 0, error) < 0)
        return 1;
    return 0;
}

static void
line_bytes(const char *label, unsigned long long v)
{
    printf("%-17s %.3f MiB\n", label, (double)v / (1024.0 * 1024.0));
}

static int
run_jobinfo(int argc, char **argv, GError **error)
{
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    QvirtDomainJobInfo info;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_jobinfo, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_get_job_info(dom, &info, error) < 0)
        return 1;
    if (json) {
        g_autoptr(json_object) o = json_object_new_object();

        json_object_object_add(o, "type", json_object_new_string(
                                   info.type == QVIRT_DOMAIN_JOB_NONE ? "none" : "unbounded"));
        if (info.type != QVIRT_DOMAIN_JOB_NONE) {
            json_object_object_add(o, "operation", json_object_new_string("outgoing migration"));
            json_object_object_add(o, "phase", info.phase ? json_object_new_string(info.phase) : NULL);
            json_object_object_add(o, "time_elapsed_ms", json_object_new_uint64(info.time_elapsed));
            json_object_object_add(o, "data_total", json_object_new_uint64(info.data_total));
            json_object_object_add(o, "data_processed", json_object_new_uint64(info.data_processed));
            json_object_object_add(o, "data_remaining", json_object_new_uint64(info.data_remaining));
            json_object_object_add(o, "file_total", json_object_new_uint64(info.file_total));
            json_object_object_add(o, "file_processed", json_object_new_uint64(info.file_processed));
            json_object_object_add(o, "mem_total", json_object_new_uint64(info.mem_total));
            json_object_object_add(o, "mem_processed", json_object_new_uint64(info.mem_processed));
        }
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        return 0;
    }
    if (info.type == QVIRT_DOMAIN_JOB_NONE) {
        printf("%-17s %s\n", "Job type:", "None");
        return 0;
    }
    printf("%-17s %s\n", "Job type:", "Unbounded");
    printf("%-17s %s\n", "Operation:", "Outgoing migration");
    printf("%-17s %s\n", "Phase:", info.phase ? info.phase : "-");
    printf("%-17s %-12llu ms\n", "Time elapsed:", info.time_elapsed);
    line_bytes("Data processed:", info.data_processed);
    line_bytes("Data remaining:", info.data_remaining);
    line_bytes("Data total:", info.data_total);
    line_bytes("Memory processed:", info.mem_processed);
    line_bytes("Memory remaining:", info.mem_remaining);
    line_bytes("Memory total:", info.mem_total);
    line_bytes("File processed:", info.file_processed);
    line_bytes("File remaining:", info.file_remaining);
    line_bytes("File total:", info.file_total);
    return 0;
}

static int
run_jobabort(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_jobabort, NULL, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) || qvirt_domain_abort_job(dom, error) < 0)
        return 1;
    return 0;
}

static int
run_incoming(int argc, char **argv, GError **error)
{
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_incoming, NULL, &argc, &argv, 0, 0, &help_shown, error))
        return help_shown ? 0 : 1;
    qv_cli_fork_supervisors(false);
    return qv_migrate_incoming_main(qv_cli_root, 0, 1);
}

static const QvCommand qv_cmd_migrate = {
    .name = "migrate",
    .args = "DOMAIN DESTURI [--live] [--offline] [--copy-storage-all | --copy-storage-inc] [--copy-storage-synchronous-writes] [--migrate-disks vda,vdb] [--persistent] [--undefinesource] [--suspend] [--unsafe] [--verbose] [--timeout S [--timeout-suspend]] [--abort-on-error] [--bandwidth MiB/s] [--migrateuri URI] [--disks-uri URI] [--dname NAME] [--xml FILE] [--json]",
    .summary = "move a running domain to another host or root",
    .help = "DESTURI is qvirt:///ROOT (another root on this host: the streams go over unix sockets) or qvirt+ssh://[USER@]HOST[:PORT][/ROOT] (qvirt's destination side runs there through ssh, as 'qvirt __migrate-incoming'; ?keyfile=F, ?known_hosts=F, ?no_verify=1 and ?command=PATH are passed to ssh; the streams go over TCP to HOST, ports 49152-49215 unless --migrateuri/--disks-uri say). "
            "--copy-storage-all copies every writable disk (or those of --migrate-disks) into images the destination creates with the same format and size, at the same paths or at those of --xml FILE (a destination path that is the source guest's own file is refused); --copy-storage-inc copies the top images onto overlays of the same base, which must be on both hosts. Without them the storage is shared: the destination opens the same chains (refused as unsafe for a disk on a local file system of another host, unless --unsafe). "
            "The source copies the disks (QEMU's mirror to NBD exports on the destination) until they are in step, then the memory with a pause before the switch; at the switch the guest is paused, its leases are let go here and taken there before it runs there. Any failure before that leaves the guest running here with its leases, and nothing on the destination. "
            "Afterwards the domain is shut off here (reason migrated; undefined with --undefinesource) and runs there (paused with --suspend); it is defined there with --persistent, else only while it runs. --timeout S suspends the guest after S seconds so that the copy converges (--abort-on-error: aborts instead). --verbose shows 'Migration: [ NN %]'; --json prints the total time, QEMU's memory phase and downtime in ms, and the bytes copied.",
    .run = run_migrate,
};
static const QvCommand qv_cmd_getspeed = {
    .name = "migrate-getspeed", .args = "DOMAIN",
    .summary = "print the bandwidth limit of a running domain's migrations",
    .help = "In MiB/s; 0 is unlimited (the default).",
    .run = run_getspeed,
};
static const QvCommand qv_cmd_setspeed = {
    .name = "migrate-setspeed", .args = "DOMAIN MiB/s",
    .summary = "limit the bandwidth of a running domain's migrations",
    .help = "Applies at once to a migration under way (its disk copies and its memory) and to the next ones; 0 is unlimited.",
    .run = run_setspeed,
};
static const QvCommand qv_cmd_jobinfo = {
    .name = "domjobinfo", .args = "DOMAIN [--json]",
    .summary = "show the progress of a domain's migration",
    .help = "As virsh: Job type None when no migration runs; else the phase (storage, memory, switchover), the time elapsed and the data processed, remaining and in total, for the memory and the disks (File).",
    .run = run_jobinfo,
};
static const QvCommand qv_cmd_jobabort = {
    .name = "domjobabort", .args = "DOMAIN",
    .summary = "abort a domain's migration",
    .help = "During the storage copy or the memory phase: everything is undone and the guest runs here with its leases. Refused once the switch has begun.",
    .run = run_jobabort,
};
static const QvCommand qv_cmd_incoming = {
    .name = "__migrate-incoming", .args = "[--root ROOT]",
    .summary = "(internal) the destination's side of a migration",
    .help = "Run by 'qvirt migrate' on the destination host (through ssh) or for another root; speaks the migration protocol (docs/migration-protocol.md) on stdin and stdout. Not for direct use.",
    .run = run_incoming,
};

const QvCommand *const qv_migrate_commands[] = {
    &qv_cmd_migrate,
    &qv_cmd_getspeed,
    &qv_cmd_setspeed,
    &qv_cmd_jobinfo,
    &qv_cmd_jobabort,
    &qv_cmd_incoming,
};
const size_t qv_migrate_ncommands = G_N_ELEMENTS(qv_migrate_commands);
