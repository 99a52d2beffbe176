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

#include "qvirt/qvirt.h"
#include "qvirt-cli.h"
#include "lib/qv-cli-support.h"
#include "lib/qv-cli-device.h"

/* Defined at the end, with their help texts */
static const QvCommand qv_cmd_define, qv_cmd_undefine, qv_cmd_list,
    qv_cmd_dumpxml, qv_cmd_domblklist, qv_cmd_dominfo, qv_cmd_validate,
    qv_cmd_edit;
extern const QvCommand *const qv_conf_commands[];
extern const size_t qv_conf_ncommands;

static void
print_kept_note(const char *kept)
{
    g_auto(GStrv) lines = kept ? g_strsplit(kept, "\n", -1) : NULL;

    for (size_t i = 0; lines && lines[i]; i++)
        printf("note: kept as written but not applied by qvirt: %s\n", lines[i]);
}

static int
run_define(int argc, char **argv, GError **error)
{
    gboolean validate_chains = FALSE;
    const GOptionEntry entries[] = {
        { "validate-chains", 0, 0, G_OPTION_ARG_NONE, &validate_chains, "compare given chains with the images", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *kept = NULL;
    bool help_shown, created = false;

    if (!qv_cli_parse(&qv_cmd_define, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(xml = qv_cli_read_xml_file(argv[1], error)) ||
        !(conn = qvirt_connect_open(qv_cli_root, error)) ||
        !(dom = qv_cli_define_xml(conn, xml, argv[1], QVIRT_DOMAIN_DEFINE_VALIDATE |
                                  (validate_chains ? QVIRT_DOMAIN_DEFINE_VALIDATE_CHAINS : 0),
                                  &created, &kept, error)))
        return 1;
    printf("Domain '%s' %s from %s\n", qvirt_domain_get_name(dom),
           created ? "defined" : "updated", argv[1]);
    print_kept_note(kept);
    return 0;
}

/* Open the root and look DOMAIN (name or uuid) up */
static QvirtDomain *
open_dom(QvirtConnect **conn, const char *name, GError **error)
{
    if (!(*conn = qvirt_connect_open(qv_cli_root, error)))
        return NULL;
    return qvirt_domain_lookup(*conn, name, error);
}

static int
run_undefine(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_undefine, NULL, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_undefine(dom, error) < 0)
        return 1;
    printf("Domain '%s' has been undefined\n", qvirt_domain_get_name(dom));
    return 0;
}

/* virsh's names of the states and of their reasons */
const char *
qv_cli_state_name(int state)
{
    switch (state) {
    case QVIRT_DOMAIN_RUNNING:
        return "running";
    case QVIRT_DOMAIN_PAUSED:
        return "paused";
    case QVIRT_DOMAIN_SHUTOFF:
        return "shut off";
    default:
        return "no state";
    }
}

const char *
qv_cli_reason_name(int state, int reason)
{
    static const struct {
        int state, reason;
        const char *name;
    } names[] = {
        { QVIRT_DOMAIN_RUNNING, QVIRT_DOMAIN_RUNNING_BOOTED, "booted" },
        { QVIRT_DOMAIN_RUNNING, QVIRT_DOMAIN_RUNNING_UNPAUSED, "unpaused" },
        { QVIRT_DOMAIN_RUNNING, QVIRT_DOMAIN_RUNNING_MIGRATED, "migrated" },
        { QVIRT_DOMAIN_PAUSED, QVIRT_DOMAIN_PAUSED_MIGRATION, "migrating" },
        { QVIRT_DOMAIN_SHUTOFF, QVIRT_DOMAIN_SHUTOFF_MIGRATED, "migrated" },
        { QVIRT_DOMAIN_PAUSED, QVIRT_DOMAIN_PAUSED_USER, "user" },
        { QVIRT_DOMAIN_PAUSED, QVIRT_DOMAIN_PAUSED_IOERROR, "I/O error" },
        { QVIRT_DOMAIN_PAUSED, QVIRT_DOMAIN_PAUSED_STARTING_UP, "starting" },
        { QVIRT_DOMAIN_SHUTOFF, QVIRT_DOMAIN_SHUTOFF_SHUTDOWN, "shutdown" },
        { QVIRT_DOMAIN_SHUTOFF, QVIRT_DOMAIN_SHUTOFF_DESTROYED, "destroyed" },
        { QVIRT_DOMAIN_SHUTOFF, QVIRT_DOMAIN_SHUTOFF_CRASHED, "crashed" },
        { QVIRT_DOMAIN_SHUTOFF, QVIRT_DOMAIN_SHUTOFF_FAILED, "failed" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (names[i].state == state && names[i].reason == reason)
            return names[i].name;
    }
    return NULL;
}

/* virsh shows a domain id; qvirt's is the pid of the guest's QEMU */
static char *
guest_id(QvirtDomain *dom, int state)
{
    unsigned int id = state == QVIRT_DOMAIN_SHUTOFF ? (unsigned int)-1 : qvirt_domain_get_id(dom);

    return id == (unsigned int)-1 ? g_strdup("-") : g_strdup_printf("%u", id);
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
    g_autoptr(QvirtConnect) conn = NULL;
    QvirtDomain **doms = NULL;
    struct json_object *arr = NULL;
    bool help_shown;
    int n, ret = 0;

    if (!qv_cli_parse(&qv_cmd_list, entries, &argc, &argv, 0, 0,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    /* as virsh: running and paused guests, and with --all the others */
    if (!(conn = qvirt_connect_open(qv_cli_root, error)) ||
        (n = qvirt_connect_list_all_domains(conn, &doms, all ? 0 : QVIRT_CONNECT_LIST_DOMAINS_ACTIVE,
                                            error)) < 0)
        return 1;

    if (json)
        arr = json_object_new_array();
    else if (!name_only)
        printf(" %-8s %-30s %s\n%s\n", "Id", "Name", "State",
               "--------------------------------------------------");
    for (int i = 0; i < n && ret == 0; i++) {
        const char *name = qvirt_domain_get_name(doms[i]);
        g_autofree char *id = NULL;
        int st, reason;

        if (qvirt_domain_get_state(doms[i], &st, &reason, 0, error) < 0) {
            ret = 1;
            break;
        }
        id = guest_id(doms[i], st);
        if (json) {
            struct json_object *o = json_object_new_object();
            const char *why = qv_cli_reason_name(st, reason);

            json_object_object_add(o, "name", json_object_new_string(name));
            json_object_object_add(o, "id", strcmp(id, "-") ?
                                   json_object_new_string(id) : NULL);
            json_object_object_add(o, "state", json_object_new_string(qv_cli_state_name(st)));
            json_object_object_add(o, "reason", why ? json_object_new_string(why) : NULL);
            json_object_array_add(arr, o);
        } else if (name_only) {
            printf("%s\n", name);
        } else {
            printf(" %-8s %-30s %s\n", id, name, qv_cli_state_name(st));
        }
    }
    if (json && ret == 0)
        printf("%s\n", json_object_to_json_string_ext(arr,
               JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
    if (arr)
        json_object_put(arr);
    for (int i = 0; i < n; i++)
        qvirt_domain_free(doms[i]);
    g_free(doms);
    return ret;
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
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *out = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_dumpxml, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        !(out = qvirt_domain_get_xml_desc(dom, (inactive ? QVIRT_DOMAIN_XML_INACTIVE : 0) |
                                          (flat ? QVIRT_DOMAIN_XML_FLAT_CHAINS : 0), error)))
        return 1;
    fputs(out, stdout);
    return 0;
}

/* The tray of each cdrom and floppy, from the live XML (the definition
 * of a domain that is shut off) */
static GHashTable *
disk_trays(QvirtDomain *dom, bool inactive, GError **error)
{
    g_autofree char *xml = qvirt_domain_get_xml_desc(dom, inactive ? QVIRT_DOMAIN_XML_INACTIVE : 0,
                                                     error);

    return xml ? qv_cli_disk_trays(xml, error) : NULL;
}

static int
run_domblklist(int argc, char **argv, GError **error)
{
    gboolean details = FALSE, inactive = FALSE;
    const GOptionEntry entries[] = {
        { "details", 0, 0, G_OPTION_ARG_NONE, &details, "type, device and tray too", NULL },
        { "inactive", 0, 0, G_OPTION_ARG_NONE, &inactive, "the stored definition's disks", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autoptr(GHashTable) trays = NULL;
    QvirtDomainDisk *disks = NULL;
    bool help_shown;
    int n;

    if (!qv_cli_parse(&qv_cmd_domblklist, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        (details && !(trays = disk_trays(dom, inactive, error))) ||
        (n = qvirt_domain_get_disks(dom, &disks, inactive ? QVIRT_DOMAIN_XML_INACTIVE : 0,
                                    error)) < 0)
        return 1;
    if (details)
        printf(" %-8s %-8s %-8s %-8s %s\n", "Type", "Device", "Target", "Tray", "Source");
    else
        printf(" %-8s %s\n", "Target", "Source");
    printf("------------------------------------------------\n");
    for (int i = 0; i < n; i++) {
        const QvirtDomainDisk *d = &disks[i];
        const char *src = d->source ? d->source : "-";
        const char *tray = trays ? g_hash_table_lookup(trays, d->target) : NULL;

        if (details)
            printf(" %-8s %-8s %-8s %-8s %s\n", d->type, d->device, d->target, tray ? tray : "-", src);
        else
            printf(" %-8s %s\n", d->target, src);
    }
    qvirt_domain_disks_free(disks, n);
    return 0;
}

/* A running guest's disks (and quorum children) whose last I/O failed,
 * as domblkerror lists them: "Disk errors:    vdb[3], vda" or "none" */
static int
print_disk_errors(QvirtDomain *dom, int state, GError **error)
{
    QvirtDomainDiskError *errs = NULL;
    g_autoptr(GString) names = g_string_new(NULL);
    int n;

    if (state == QVIRT_DOMAIN_SHUTOFF)
        return 0;
    if ((n = qvirt_domain_get_disk_errors(dom, &errs, 0, error)) < 0)
        return 1;
    for (int i = 0; i < n; i++)
        g_string_append_printf(names, "%s%s", i ? ", " : "", errs[i].disk);
    printf("%-15s %s\n", "Disk errors:", n ? names->str : "none");
    qvirt_domain_disk_errors_free(errs, n);
    return 0;
}

static int
run_dominfo(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autoptr(GError) no_title = NULL;
    g_autofree char *title = NULL;
    g_autofree char *os_type = NULL;
    g_autofree char *id = NULL;
    QvirtDomainDisk *disks = NULL;
    QvirtDomainInfo info;
    const char *reason;
    int st, why, ndisks, nleases;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_dominfo, NULL, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        qvirt_domain_get_state(dom, &st, &why, 0, error) < 0 ||
        qvirt_domain_get_info(dom, &info, error) < 0 ||
        !(os_type = qvirt_domain_get_os_type(dom, error)) ||
        (ndisks = qvirt_domain_get_disks(dom, &disks, 0, error)) < 0)
        return 1;
    qvirt_domain_disks_free(disks, ndisks);
    if ((nleases = qv_cli_lease_count(dom, error)) < 0)
        return 1;
    title = qvirt_domain_get_metadata(dom, QVIRT_DOMAIN_METADATA_TITLE, NULL, 0, &no_title);
    reason = qv_cli_reason_name(st, why);
    id = guest_id(dom, st);
    printf("%-15s %s\n", "Id:", id);
    printf("%-15s %s\n", "Name:", qvirt_domain_get_name(dom));
    printf("%-15s %s\n", "UUID:", qvirt_domain_get_uuid_string(dom));
    if (title)
        printf("%-15s %s\n", "Title:", title);
    printf("%-15s %s\n", "OS Type:", os_type);
    if (reason)
        printf("%-15s %s (%s)\n", "State:", qv_cli_state_name(st), reason);
    else
        printf("%-15s %s\n", "State:", qv_cli_state_name(st));
    printf("%-15s %u\n", "CPU(s):", (unsigned int)info.nr_virt_cpu);
    printf("%-15s %lu KiB\n", "Max memory:", info.max_mem);
    printf("%-15s %lu KiB\n", "Used memory:", info.memory);
    printf("%-15s %s\n", "Persistent:", "yes");
    printf("%-15s %d\n", "Disks:", ndisks);
    printf("%-15s %d\n", "Leases:", nleases);
    return print_disk_errors(dom, st, error);
}

static int
run_validate(int argc, char **argv, GError **error)
{
    gboolean validate_chains = FALSE;
    const GOptionEntry entries[] = {
        { "validate-chains", 0, 0, G_OPTION_ARG_NONE, &validate_chains, "compare given chains with the images", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autofree char *xml = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_validate, entries, &argc, &argv, 1, 1,
                      &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(xml = qv_cli_read_xml_file(argv[1], error)) ||
        !qv_cli_validate_xml(xml, argv[1], QVIRT_DOMAIN_DEFINE_VALIDATE |
                             (validate_chains ? QVIRT_DOMAIN_DEFINE_VALIDATE_CHAINS : 0),
                             error))
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
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "editor '%s' failed on '%s'; the definition is unchanged",
                    editor, path);
        return false;
    }
    return true;
}

static int
run_edit(int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autoptr(QvirtDomain) newdom = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *kept = NULL;
    bool help_shown, created;
    int fd;

    if (!qv_cli_parse(&qv_cmd_edit, NULL, &argc, &argv, 1, 1, &help_shown,
                      error))
        return help_shown ? 0 : 1;
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        !(before = qvirt_domain_get_xml_desc(dom, QVIRT_DOMAIN_XML_INACTIVE, error)))
        return 1;
    if ((fd = g_file_open_tmp("qvirt-edit-XXXXXX.xml", &tmp, error)) < 0)
        return 1;
    close(fd);
    if (!g_file_set_contents(tmp, before, -1, error) ||
        !run_editor(tmp, error) ||
        !g_file_get_contents(tmp, &after, NULL, error))
        return 1;
    if (strcmp(before, after) == 0) {
        unlink(tmp);
        printf("Domain '%s' XML configuration not changed.\n", qvirt_domain_get_name(dom));
        return 0;
    }
    newdom = qv_cli_define_xml(conn, after, tmp, QVIRT_DOMAIN_DEFINE_VALIDATE, &created, &kept, error);
    if (!newdom) {
        g_prefix_error(error, "the definition of '%s' is unchanged; your edit is kept in '%s': ",
                       qvirt_domain_get_name(dom), tmp);
        return 1;
    }
    unlink(tmp);
    printf("Domain '%s' XML configuration edited.\n", qvirt_domain_get_name(newdom));
    print_kept_note(kept);
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
    .name = "domblklist", .args = "DOMAIN [--details] [--inactive]",
    .summary = "list the disks of a domain",
    .help = "One line per disk: target and source, of the disks the guest runs with when it runs (hotplugged disks, changed media) and of its definition otherwise or with --inactive; --details adds the source type, the device and, for a cdrom or floppy, the tray (open or closed, as the live XML says; '-' for a disk without one).",
    .run = run_domblklist,
};
static const QvCommand qv_cmd_dominfo = {
    .name = "dominfo", .args = "DOMAIN",
    .summary = "show basic information about a domain",
    .help = "Name, uuid, state, vcpus, memory, disks and leases; for a running guest the disks and quorum children whose last I/O failed (domblkerror has the details).",
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
