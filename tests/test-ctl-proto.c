/*
 * test-ctl-proto: the control protocol's one encoder and decoder: every
 * command round-trips its fields; the decoder refuses an unknown
 * command, a key the command does not take, a value of the wrong type, a
 * missing required key and flags outside the command's mask, each with
 * a message naming the command and the key; the encoder refuses the
 * same things before anything is sent.
 */
#include <string.h>

#include "supervisor/qv-ctl-proto.h"
#include "util/qv-error.h"
#include "util/qv-json.h"

static void
test_names(void)
{
    for (int c = 0; c < QV_CTL_LAST; c++) {
        const QvCtlCommandSpec *spec = qv_ctl_command_spec(c);

        g_assert_nonnull(spec);
        g_assert_nonnull(spec->name);
        g_assert_nonnull(spec->what);
        g_assert_nonnull(spec->reply);
        g_assert_cmpint(qv_ctl_command_from_string(spec->name), ==, c);
        /* a required key is one the command takes */
        g_assert_cmpuint(spec->required & ~spec->keys, ==, 0);
        /* a command with flags takes the key */
        if (spec->flags)
            g_assert_true(spec->keys & QV_CTL_KEY_FLAGS);
    }
    g_assert_cmpint(qv_ctl_command_from_string("no-such"), ==, -1);
    g_assert_cmpint(qv_ctl_command_from_string(NULL), ==, -1);
    for (int t = 0; t < QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST; t++)
        g_assert_cmpint(qv_ctl_job_type_from_string(qv_ctl_job_type_to_string(t)), ==, t);
}

static void
roundtrip(QvCtlCommand cmd, const QvCtlArgs *in, QvCtlArgs *out)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) msg = qv_ctl_encode(cmd, in, &err);
    g_autoptr(json_object) reparsed = NULL;
    QvCtlCommand got = QV_CTL_LAST;

    g_assert_no_error(err);
    g_assert_nonnull(msg);
    /* through text, as on the wire */
    reparsed = qv_json_parse_object(json_object_to_json_string(msg), &err);
    g_assert_no_error(err);
    g_assert_true(qv_ctl_decode(reparsed, &got, out, &err));
    g_assert_no_error(err);
    g_assert_cmpint(got, ==, cmd);
}

static void
test_roundtrip(void)
{
    g_auto(QvCtlArgs) copy = {
        .disk = g_strdup("vda[3]"), .flags = QVIRT_DOMAIN_BLOCK_COPY_SHALLOW,
        .bandwidth = G_MAXUINT64, .granularity = 65536, .buf_size = 1 << 20,
        .dest_path = g_strdup("/d/x.qcow2"), .dest_format = g_strdup("qcow2"), .dest_block = true,
    };
    g_auto(QvCtlArgs) copy2 = { 0 };
    g_auto(QvCtlArgs) destroy = { .grace = 0, .has_grace = true };
    g_auto(QvCtlArgs) destroy2 = { 0 };
    g_auto(QvCtlArgs) snap = { .name = g_strdup("s1"),
                               .flags = QVIRT_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY };
    g_auto(QvCtlArgs) snap2 = { 0 };
    g_auto(QvCtlArgs) qmp = { .execute = g_strdup("query-block") };
    g_auto(QvCtlArgs) qmp2 = { 0 };
    g_autoptr(GError) err = NULL;

    roundtrip(QV_CTL_BLOCK_COPY, &copy, &copy2);
    g_assert_cmpstr(copy2.disk, ==, "vda[3]");
    g_assert_cmpuint(copy2.flags, ==, QVIRT_DOMAIN_BLOCK_COPY_SHALLOW);
    g_assert_cmpuint(copy2.bandwidth, ==, G_MAXUINT64);
    g_assert_cmpuint(copy2.granularity, ==, 65536);
    g_assert_cmpuint(copy2.buf_size, ==, 1 << 20);
    g_assert_cmpstr(copy2.dest_path, ==, "/d/x.qcow2");
    g_assert_cmpstr(copy2.dest_format, ==, "qcow2");
    g_assert_true(copy2.dest_block);

    /* a grace of 0 is given, not absent */
    roundtrip(QV_CTL_DESTROY, &destroy, &destroy2);
    g_assert_true(destroy2.has_grace);
    g_assert_cmpuint(destroy2.grace, ==, 0);

    /* a null grace is no grace: destroy's default applies */
    {
        g_autoptr(json_object) msg = qv_json_parse_object("{\"cmd\": \"destroy\", \"grace\": null}", &err);
        g_auto(QvCtlArgs) nul = { 0 };
        QvCtlCommand cmd;

        g_assert_true(qv_ctl_decode(msg, &cmd, &nul, &err));
        g_assert_no_error(err);
        g_assert_false(nul.has_grace);
    }

    qv_ctl_args_add_snap_disk(&snap, "vda", "external", "/o/a.qcow2");
    qv_ctl_args_add_snap_disk(&snap, "vdb", "no", NULL);
    roundtrip(QV_CTL_SNAPSHOT, &snap, &snap2);
    g_assert_cmpstr(snap2.name, ==, "s1");
    g_assert_cmpuint(snap2.disks->len, ==, 2);
    g_assert_cmpstr(((QvCtlSnapDisk *)snap2.disks->pdata[0])->file, ==, "/o/a.qcow2");
    g_assert_cmpstr(((QvCtlSnapDisk *)snap2.disks->pdata[1])->snapshot, ==, "no");
    g_assert_null(((QvCtlSnapDisk *)snap2.disks->pdata[1])->file);

    qmp.arguments = qv_json_parse_object("{\"flat\": true}", &err);
    g_assert_no_error(err);
    roundtrip(QV_CTL_QMP, &qmp, &qmp2);
    g_assert_cmpstr(qmp2.execute, ==, "query-block");
    g_assert_true(json_object_get_boolean(json_object_object_get(qmp2.arguments, "flat")));
}

static const struct {
    const char *msg;
    const char *error;
} refused[] = {
    { "{}", "control request: missing 'cmd'" },
    { "{\"cmd\": 3}", "control request: 'cmd' must be a string" },
    { "{\"cmd\": \"reboot\"}", "unknown control command 'reboot'" },
    { "{\"cmd\": \"status\", \"disk\": \"vda\"}", "control command 'status' does not take 'disk'" },
    { "{\"cmd\": \"block-pull\", \"disk\": \"vda\", \"speed\": 1}", "control command 'block-pull' does not take 'speed'" },
    { "{\"cmd\": \"block-copy\", \"disk\": \"vda\"}", "control command 'block-copy' needs 'dest-path'" },
    { "{\"cmd\": \"block-job-info\"}", "control command 'block-job-info' needs 'disk'" },
    { "{\"cmd\": \"block-pull\", \"disk\": 7}", "control command 'block-pull': 'disk' must be a string" },
    { "{\"cmd\": \"block-pull\", \"disk\": \"vda\", \"bandwidth\": -1}", "control command 'block-pull': 'bandwidth' must be a non-negative integer, not '-1'" },
    { "{\"cmd\": \"block-copy\", \"disk\": \"vda\", \"dest-path\": \"/x\", \"dest-block\": 1}", "control command 'block-copy': 'dest-block' must be a boolean" },
    { "{\"cmd\": \"block-commit\", \"disk\": \"vda\", \"flags\": 4294967296}", "control command 'block-commit': 'flags' out of range" },
    { "{\"cmd\": \"block-commit\", \"disk\": \"vda\", \"flags\": 32}", "block commit: unsupported flags 0x20" },
    { "{\"cmd\": \"block-job-abort\", \"disk\": \"vda\", \"flags\": 4}", "block job abort: unsupported flags 0x4" },
    { "{\"cmd\": \"snapshot\", \"name\": \"s\", \"disks\": [{\"file\": \"/a\"}]}", "control command 'snapshot': 'disks' item 0: missing 'disk'" },
    { "{\"cmd\": \"snapshot\", \"name\": \"s\", \"disks\": {}}", "control command 'snapshot': 'disks' must be an array" },
    { "{\"cmd\": \"qmp\", \"execute\": \"x\", \"arguments\": [1]}", "control command 'qmp': 'arguments' must be an object" },
};

static void
test_refused(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(json_object) msg = qv_json_parse_object(refused[i].msg, &err);
        g_auto(QvCtlArgs) args = { 0 };
        QvCtlCommand cmd;

        g_assert_no_error(err);
        g_assert_false(qv_ctl_decode(msg, &cmd, &args, &err));
        g_assert_nonnull(err);
        if (strcmp(err->message, refused[i].error) != 0)
            g_error("%s: got \"%s\", want \"%s\"", refused[i].msg, err->message, refused[i].error);
    }
}

static void
test_encode_refused(void)
{
    g_auto(QvCtlArgs) flags = { .disk = g_strdup("vda"), .flags = 1u << 20 };
    g_auto(QvCtlArgs) extra = { .disk = g_strdup("vda") };
    g_auto(QvCtlArgs) missing = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_null(qv_ctl_encode(QV_CTL_BLOCK_PULL, &flags, &err));
    g_assert_cmpstr(err->message, ==, "block pull: unsupported flags 0x100000");
    g_clear_error(&err);
    g_assert_null(qv_ctl_encode(QV_CTL_STATUS, &extra, &err));
    g_assert_cmpstr(err->message, ==, "status does not take 'disk'");
    g_clear_error(&err);
    g_assert_null(qv_ctl_encode(QV_CTL_DOMBLKINFO, &missing, &err));
    g_assert_cmpstr(err->message, ==, "domblkinfo: 'disk' is required");
}

static void
test_job_info(void)
{
    QvCtlJobInfo in = { QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT, (char *)"qvirt-x", true,
                        5, 9, 1048576, (char *)"ready" };
    g_auto(QvCtlJobInfo) out = { 0 };
    g_autoptr(json_object) o = qv_ctl_job_info_encode(&in);
    g_autoptr(json_object) bad = qv_json_parse_object("{\"id\": \"x\"}", NULL);
    g_autoptr(GError) err = NULL;

    g_assert_true(qv_ctl_job_info_decode(o, &out, &err));
    g_assert_no_error(err);
    g_assert_cmpint(out.type, ==, in.type);
    g_assert_cmpstr(out.id, ==, in.id);
    g_assert_true(out.ready);
    g_assert_cmpuint(out.cur, ==, 5);
    g_assert_cmpuint(out.end, ==, 9);
    g_assert_cmpuint(out.bandwidth, ==, 1048576);
    g_assert_cmpstr(out.status, ==, "ready");
    qv_ctl_job_info_clear(&out);
    g_assert_false(qv_ctl_job_info_decode(bad, &out, &err));
    g_assert_cmpstr(err->message, ==, "block job info: missing 'type'");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ctl-proto/names", test_names);
    g_test_add_func("/ctl-proto/roundtrip", test_roundtrip);
    g_test_add_func("/ctl-proto/refused", test_refused);
    g_test_add_func("/ctl-proto/encode-refused", test_encode_refused);
    g_test_add_func("/ctl-proto/job-info", test_job_info);
    return g_test_run();
}
