/*
 * blkdeviotune, as virsh has it: show or change a disk's I/O limits, in
 * the running guest, in the definition, or both.
 */
#include <stdio.h>
#include <string.h>

#include "qvirt/qvirt.h"
#include "qvirt-cli.h"
#include "lib/qv-cli-support.h"

static const QvCommand qv_cmd_blkdeviotune;
extern const QvCommand *const qv_iotune_commands[];
extern const size_t qv_iotune_ncommands;

/* virsh's option names: libvirt's with '-' for '_' */
static const char *const settings[] = {
    "total_bytes_sec", "read_bytes_sec", "write_bytes_sec",
    "total_iops_sec", "read_iops_sec", "write_iops_sec",
    "total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max",
    "total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max",
    "size_iops_sec",
    "total_bytes_sec_max_length", "read_bytes_sec_max_length", "write_bytes_sec_max_length",
    "total_iops_sec_max_length", "read_iops_sec_max_length", "write_iops_sec_max_length",
};
#define NSETTINGS G_N_ELEMENTS(settings)

static int
run_blkdeviotune(int argc, char **argv, GError **error)
{
    gchar *values[NSETTINGS] = { NULL };
    g_autofree char *group = NULL;
    gboolean live = FALSE, config = FALSE, current = FALSE;
    GOptionEntry entries[NSETTINGS + 5];
    g_autofree char **names = g_new0(char *, NSETTINGS + 1);
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    QvirtTypedParameter params[NSETTINGS];
    unsigned int flags = 0;
    int n = 0, rc = 1;
    bool help_shown;

    for (size_t i = 0; i < NSETTINGS; i++) {
        names[i] = g_strdelimit(g_strdup(settings[i]), "_", '-');
        entries[i] = (GOptionEntry){ names[i], 0, 0, G_OPTION_ARG_STRING, &values[i],
                                     "the limit (0: none)", "N" };
    }
    entries[NSETTINGS] = (GOptionEntry){ "group-name", 0, 0, G_OPTION_ARG_STRING, &group,
                                         "the throttle group it shares", "NAME" };
    entries[NSETTINGS + 1] = (GOptionEntry){ "live", 0, 0, G_OPTION_ARG_NONE, &live,
                                             "the running guest", NULL };
    entries[NSETTINGS + 2] = (GOptionEntry){ "config", 0, 0, G_OPTION_ARG_NONE, &config,
                                             "the definition", NULL };
    entries[NSETTINGS + 3] = (GOptionEntry){ "current", 0, 0, G_OPTION_ARG_NONE, &current,
                                             "the running guest if it runs, else the definition",
                                             NULL };
    entries[NSETTINGS + 4] = (GOptionEntry)G_OPTION_ENTRY_NULL;
    if (!qv_cli_parse(&qv_cmd_blkdeviotune, entries, &argc, &argv, 2, 2, &help_shown, error)) {
        rc = help_shown ? 0 : 1;
        goto out;
    }
    if (current && (live || config)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "blkdeviotune: --current excludes --live and --config");
        goto out;
    }
    flags |= live ? QVIRT_DOMAIN_AFFECT_LIVE : 0;
    flags |= config ? QVIRT_DOMAIN_AFFECT_CONFIG : 0;
    for (size_t i = 0; i < NSETTINGS; i++) {
        guint64 v;

        if (!values[i])
            continue;
        /* virsh takes scaled byte counts too (1M); plain numbers here */
        if (!g_ascii_string_to_unsigned(values[i], 10, 0, G_MAXUINT64, &v, NULL)) {
            g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                        "blkdeviotune: --%s takes a number, not '%s'", names[i], values[i]);
            goto out;
        }
        params[n].field = settings[i];
        params[n].value = v;
        n++;
    }
    if (!(conn = qvirt_connect_open(qv_cli_root, error)))
        goto out;
    qv_cli_fork_supervisors(true);
    if (!(dom = qvirt_domain_lookup(conn, argv[1], error)))
        goto out;
    if (n || group) {
        rc = qvirt_domain_set_block_io_tune(dom, argv[2], params, n, group, flags, error) < 0;
    } else {
        g_autofree QvirtTypedParameter *got = NULL;
        g_autofree char *gname = NULL;
        int ngot = 0;

        if (qvirt_domain_get_block_io_tune(dom, argv[2], &got, &ngot, &gname, flags, error) < 0)
            goto out;
        for (int i = 0; i < ngot; i++)
            printf("%-27s: %llu\n", got[i].field, got[i].value);
        printf("%-27s: %s\n", "group_name", gname ? gname : "");
        rc = 0;
    }
out:
    for (size_t i = 0; i < NSETTINGS; i++) {
        g_free(values[i]);
        g_free(names[i]);
    }
    return rc;
}

static const QvCommand qv_cmd_blkdeviotune = {
    .name = "blkdeviotune",
    .args = "DOMAIN DISK [--total-bytes-sec N] [--read-bytes-sec N] [--write-bytes-sec N] [--total-iops-sec N] [--read-iops-sec N] [--write-iops-sec N] [...-max N] [...-max-length S] [--size-iops-sec N] [--group-name NAME] [--live] [--config] [--current]",
    .summary = "show or change the I/O limits of a disk",
    .help = "As virsh: without a setting, prints the <iotune> of DISK (a target name) of the running guest, or with --config of the definition. With settings, changes them (QEMU's block_set_io_throttle while the guest runs; the definition with --config; both with --live --config; --current, the default, is the guest when it runs). Settings not given are kept, but a total given clears the read and write limits of its kind and a read or write limit the total, as libvirt does; 0 lifts a limit. Checked with QEMU's rules first (a maximum needs its base rate, limits up to 1e15).",
    .run = run_blkdeviotune,
};

const QvCommand *const qv_iotune_commands[] = {
    &qv_cmd_blkdeviotune,
};
const size_t qv_iotune_ncommands = G_N_ELEMENTS(qv_iotune_commands);
