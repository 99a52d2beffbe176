/*
 * Domain definition commands, with virsh's names and flags: define,
 * undefine, list, dumpxml, domblklist, dominfo, validate, edit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qvirt-cli.h"
#include "conf/qv-conn.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "lib/qv-launch.h"
#include "qemu/qv-qemu-validate.h"
#include "supervisor/qv-status.h"

#define QV_MAX_XML_SIZE (64 * 1024 * 1024)

/* Defined at the end, with their help texts */
static const QvCommand qv_cmd_define, qv_cmd_undefine, qv_cmd_list,
    qv_cmd_dumpxml, qv_cmd_domblklist, qv_cmd_dominfo, qv_cmd_validate,
    qv_cmd_edit;
extern const QvCommand *const qv_conf_commands[];
extern const size_t qv_conf_ncommands;

static char *
read_xml_file(const char *path, GError **error)
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

/* A connection whose define applies the QEMU rules, as start would */
static QvConn *
open_conn(GError **error)
{
    QvConn *conn = qv_conn_open(qv_cli_root, error);

    if (conn)
        conn->validate_def = qv_qemu_validate_def;
    return conn;
}

static void
print_kept_note(const QvDomainDef *def)
{
    g_autofree char *kept = qv_domain_kept_summary(def);

    if (kept)
        printf("note: kept as written but not applied by qvirt: %s\n", kept);
}

static int
run_define(int argc, char **argv, GError **error)
{
    gboolean validate_chains = FALSE;
    const GOptionEntry entries[] = {
        { "validate-chains", 0, 0, G_OPTION_ARG_NONE, &validate_chains, "compare given chains with the images", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    g_autofree char *xml = NULL;
    bool help_shown, created = false;

    if (!qv_cli_parse(&qv_cmd_define, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(xml = read_xml_file(argv[1], error)) ||
        !(conn = open_conn(error)) ||
        !(def = qv_conn_define_xml(conn, xml, argv[1],
                                   validate_chains ? QV_DEFINE_VALIDATE_CHAINS : 0,
                                   &created, error)))
        return 1;
    printf("Domain '%s' %s from %s\n", def->name,
           created ? "defined" : "updated", argv[1]);
    print_kept_note(def);
    return 0;
}

static int
run_undefine(int argc, char **argv, GError **error)
{
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_undefine, NULL, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = qv_conn_open(qv_cli_root, error)) ||
        !(def = qv_conn_lookup(conn, argv[1], error)) ||
        !qv_conn_undefine(conn, def->name, error))
        return 1;
    printf("Domain '%s' has been undefined\n", def->name);
    return 0;
}

/* virsh shows a domain id; qvirt's is the pid of the guest's QEMU */
static char *
guest_id(QvConn *conn, const char *name, QvGuestState st)
{
    g_autoptr(QvGuestFiles) files = NULL;
    g_autoptr(QvRuntime) rt = NULL;

    if (st == QV_GUEST_SHUTOFF)
        return g_strdup("-");
    files = qv_guest_files_new(conn->paths, name);
    rt = qv_runtime_load(files, NULL);
    return rt ? g_strdup_printf("%d", (int)rt->qemu_pid) : g_strdup("-");
}

static int
run_list(int argc, char **argv, GError **error)
{
    gboolean all = FALSE, name_only = FALSE, json = FALSE;
    const GOptionEntry entries[] = {
        { "all", 0, 0, G_OPTION_ARG_NONE, &all, "inactive domains too", NULL },
        { "name", 0, 0, G_OPTION_ARG_NONE, &name_only, "names only", NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON for scripts", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(GPtrArray) names = NULL;
    struct json_object *arr = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_list, entries, &argc, &argv, 0, 0,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = qv_conn_open(qv_cli_root, error)) ||
        !(names = qv_conn_list(conn, error)))
        return 1;

    /* as virsh: running and paused guests, and with --all the others */
    if (json)
        arr = json_object_new_array();
    else if (!name_only)
        printf(" %-8s %-30s %s\n%s\n", "Id", "Name", "State",
               "--------------------------------------------------");
    for (guint i = 0; i < names->len; i++) {
        const char *n = names->pdata[i];
        g_autofree char *reason = NULL;
        g_autofree char *id = NULL;
        QvGuestState st = QV_GUEST_SHUTOFF;

        if (!qv_guest_state(conn, n, &st, &reason, error))
            return 1;
        if (st == QV_GUEST_SHUTOFF && !all)
            continue;
        id = guest_id(conn, n, st);
        if (json) {
            struct json_object *o = json_object_new_object();

            json_object_object_add(o, "name", json_object_new_string(n));
            json_object_object_add(o, "id", strcmp(id, "-") ?
                                   json_object_new_string(id) : NULL);
            json_object_object_add(o, "state", json_object_new_string(qv_guest_state_to_string(st)));
            json_object_object_add(o, "reason", reason ? json_object_new_string(reason) : NULL);
            json_object_array_add(arr, o);
        } else if (name_only) {
            printf("%s\n", n);
        } else {
            printf(" %-8s %-30s %s\n", id, n, qv_guest_state_to_string(st));
        }
    }
    if (json) {
        printf("%s\n", json_object_to_json_string_ext(arr,
               JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
        json_object_put(arr);
    }
    return 0;
}

static int
run_dumpxml(int argc, char **argv, GError **error)
{
    gboolean inactive = FALSE, flat = FALSE;
    const GOptionEntry entries[] = {
        { "inactive", 0, 0, G_OPTION_ARG_NONE, &inactive, "the stored definition as defined", NULL },
        { "flat-chains", 0, 0, G_OPTION_ARG_NONE, &flat, "add a flat view of every chain", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    g_autofree char *out = NULL;
    bool help_shown;
    unsigned int xml_flags = 0;

    if (!qv_cli_parse(&qv_cmd_dumpxml, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = qv_conn_open(qv_cli_root, error)) ||
        !(def = qv_conn_lookup(conn, argv[1], error)))
        return 1;
    if (!inactive) {
        QvGuestState st = QV_GUEST_SHUTOFF;
        g_autoptr(QvGuestFiles) files = NULL;
        g_autoptr(QvDomainDef) live = NULL;

        if (!qv_guest_state(conn, def->name, &st, NULL, error))
            return 1;
        /* a running guest: the definition it runs with, from its status */
        files = qv_guest_files_new(conn->paths, def->name);
        if (st != QV_GUEST_SHUTOFF &&
            (live = qv_domain_parse_file(files->status, QV_DOMAIN_XML_STATUS, NULL))) {
            qv_domain_def_free(def);
            def = g_steal_pointer(&live);
            /* the live XML shows what runs: aliases, <mirror> */
            xml_flags |= QV_DOMAIN_XML_STATUS;
        } else {
            qv_domain_probe_chains(def);
        }
    }
    out = qv_domain_format_xml(def, xml_flags | (flat ? QV_DOMAIN_XML_FLAT_CHAINS : 0));
    fputs(out, stdout);
    return 0;
}

static const char *
source_text(const QvDiskDef *disk, char **tmp)
{
    if (!disk->has_source || disk->src->type == QV_STORAGE_NONE)
        return "-";
    *tmp = qv_source_describe(disk->src);
    return *tmp;
}

static int
run_domblklist(int argc, char **argv, GError **error)
{
    gboolean details = FALSE;
    const GOptionEntry entries[] = {
        { "details", 0, 0, G_OPTION_ARG_NONE, &details, "type and device too", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_domblklist, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = qv_conn_open(qv_cli_root, error)) ||
        !(def = qv_conn_lookup(conn, argv[1], error)))
        return 1;
    if (details)
        printf(" %-8s %-8s %-8s %s\n", "Type", "Device", "Target", "Source");
    else
        printf(" %-8s %s\n", "Target", "Source");
    printf("------------------------------------------------\n");
    for (size_t i = 0; i < def->ndisks; i++) {
        const QvDiskDef *d = def->disks[i];
        g_autofree char *tmp = NULL;
        const char *src = source_text(d, &tmp);

        if (details)
            printf(" %-8s %-8s %-8s %s\n",
                   qv_storage_type_to_string(d->src->type == QV_STORAGE_NONE ?
                                             QV_STORAGE_FILE : d->src->type),
                   qv_disk_device_to_string(d->device), d->dst, src);
        else
            printf(" %-8s %s\n", d->dst, src);
    }
    return 0;
}

static int
run_dominfo(int argc, char **argv, GError **error)
{
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    g_autofree char *reason = NULL;
    g_autofree char *id = NULL;
    QvGuestState st = QV_GUEST_SHUTOFF;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_dominfo, NULL, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = qv_conn_open(qv_cli_root, error)) ||
        !(def = qv_conn_lookup(conn, argv[1], error)))
        return 1;
    if (!qv_guest_state(conn, def->name, &st, &reason, error))
        return 1;
    id = guest_id(conn, def->name, st);
    printf("%-15s %s\n", "Id:", id);
    printf("%-15s %s\n", "Name:", def->name);
    printf("%-15s %s\n", "UUID:", def->uuid);
    if (def->title)
        printf("%-15s %s\n", "Title:", def->title);
    printf("%-15s %s\n", "OS Type:", def->os_type ? def->os_type : "hvm");
    if (reason)
        printf("%-15s %s (%s)\n", "State:", qv_guest_state_to_string(st), reason);
    else
        printf("%-15s %s\n", "State:", qv_guest_state_to_string(st));
    printf("%-15s %u\n", "CPU(s):", def->vcpus);
    printf("%-15s %" G_GUINT64_FORMAT " KiB\n", "Max memory:", def->memory_kib);
    printf("%-15s %" G_GUINT64_FORMAT " KiB\n", "Used memory:",
           def->current_memory_kib ? def->current_memory_kib : def->memory_kib);
    printf("%-15s %s\n", "Persistent:", "yes");
    printf("%-15s %zu\n", "Disks:", def->ndisks);
    printf("%-15s %zu\n", "Leases:", def->nleases);
    return 0;
}

static int
run_validate(int argc, char **argv, GError **error)
{
    gboolean validate_chains = FALSE;
    const GOptionEntry entries[] = {
        { "validate-chains", 0, 0, G_OPTION_ARG_NONE, &validate_chains, "compare given chains with the images", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvDomainDef) def = NULL;
    g_autofree char *xml = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_validate, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(xml = read_xml_file(argv[1], error)) ||
        !(def = qv_conn_check_xml(xml, argv[1],
                                  validate_chains ? QV_DEFINE_VALIDATE_CHAINS : 0,
                                  qv_qemu_validate_def, error)))
        return 1;
    printf("%s validates\n", argv[1]);
    return 0;
}

static bool
run_editor(const char *path, GError **error)
{
    const char *editor = g_getenv("VISUAL");
    g_autofree char *cmd = NULL;
    int status;

    if (!editor || !*editor)
        editor = g_getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    cmd = g_strdup_printf("%s '%s'", editor, path);
    status = system(cmd);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "editor '%s' failed on '%s'; the definition is unchanged",
                    editor, path);
        return false;
    }
    return true;
}

static int
run_edit(int argc, char **argv, GError **error)
{
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    g_autoptr(QvDomainDef) newdef = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *tmp = NULL;
    bool help_shown, created;
    int fd;

    if (!qv_cli_parse(&qv_cmd_edit, NULL, &argc, &argv, 1, 1, &help_shown,
                      error))
        return help_shown ? 0 : 1;
    if (!(conn = open_conn(error)) ||
        !(def = qv_conn_lookup(conn, argv[1], error)))
        return 1;
    before = qv_domain_format_xml(def, 0);
    if ((fd = g_file_open_tmp("qvirt-edit-XXXXXX.xml", &tmp, error)) < 0)
        return 1;
    close(fd);
    if (!g_file_set_contents(tmp, before, -1, error) ||
        !run_editor(tmp, error) ||
        !g_file_get_contents(tmp, &after, NULL, error))
        return 1;
    if (strcmp(before, after) == 0) {
        unlink(tmp);
        printf("Domain '%s' XML configuration not changed.\n", def->name);
        return 0;
    }
    newdef = qv_conn_define_xml(conn, after, tmp, 0, &created, error);
    if (!newdef) {
        g_prefix_error(error, "the definition of '%s' is unchanged; your edit is kept in '%s': ",
                       def->name, tmp);
        return 1;
    }
    unlink(tmp);
    printf("Domain '%s' XML configuration edited.\n", newdef->name);
    print_kept_note(newdef);
    return 0;
}

static const QvCommand qv_cmd_define = {
    .name = "define", .args = "FILE [--validate-chains]",
    .summary = "define (or update) a domain from libvirt domain XML",
    .help = "Parses FILE ('-' for standard input), checks it against the schema, qvirt's rules and what QEMU can run (the checks start makes on the definition), and stores it atomically. A <backingStore> chain given in the XML is trusted; with --validate-chains it is compared with the images first and a mismatch is refused, naming the first element that differs. Elements qvirt keeps but does not act on are listed once.",
    .run = run_define,
};
static const QvCommand qv_cmd_undefine = {
    .name = "undefine", .args = "DOMAIN",
    .summary = "remove the definition of a domain",
    .help = "DOMAIN is a name or uuid. Images are not touched.",
    .run = run_undefine,
};
static const QvCommand qv_cmd_list = {
    .name = "list", .args = "[--all] [--name] [--json]",
    .summary = "list domains",
    .help = "Running domains; with --all, defined ones that are shut off too. --name prints names only; --json prints [{\"name\", \"id\", \"state\"}].",
    .run = run_list,
};
static const QvCommand qv_cmd_dumpxml = {
    .name = "dumpxml", .args = "DOMAIN [--inactive] [--flat-chains]",
    .summary = "print the domain XML",
    .help = "Prints the definition with the backing chain of every disk: given chains as defined, other chains read from the images (an image that cannot be read leaves its chain open). --inactive prints the stored definition exactly. --flat-chains adds a <backingChain> per disk listing each element once with its index and its parent's index.",
    .run = run_dumpxml,
};
static const QvCommand qv_cmd_domblklist = {
    .name = "domblklist", .args = "DOMAIN [--details]",
    .summary = "list the disks of a domain",
    .help = "One line per disk: target and source; --details adds the source type and the device.",
    .run = run_domblklist,
};
static const QvCommand qv_cmd_dominfo = {
    .name = "dominfo", .args = "DOMAIN",
    .summary = "show basic information about a domain",
    .help = "Name, uuid, state, vcpus, memory, disks and leases.",
    .run = run_dominfo,
};
static const QvCommand qv_cmd_validate = {
    .name = "validate", .args = "FILE [--validate-chains]",
    .summary = "check a domain XML document without defining it",
    .help = "Runs every check define runs (schema, semantics, the QEMU rules and, with --validate-chains, the given chains against the images) and stores nothing.",
    .run = run_validate,
};
static const QvCommand qv_cmd_edit = {
    .name = "edit", .args = "DOMAIN",
    .summary = "edit a domain definition in $VISUAL or $EDITOR",
    .help = "Opens the stored definition in an editor, then checks and stores the result. When the result is refused the old definition stays and the edited file is kept; its path is in the error.",
    .run = run_edit,
};

/* What the executable looks up after loading this module */
const QvCommand *const qv_conf_commands[] = {
    &qv_cmd_define,
    &qv_cmd_undefine,
    &qv_cmd_list,
    &qv_cmd_dumpxml,
    &qv_cmd_domblklist,
    &qv_cmd_dominfo,
    &qv_cmd_validate,
    &qv_cmd_edit,
};
const size_t qv_conf_ncommands = G_N_ELEMENTS(qv_conf_commands);
