/*
 * test-cli: the qvirt command as a user runs it: exit codes, one-line
 * errors on stderr, help and version, and golden files for
 * `chain --json`, `--xml` and `--flat` (tests/data/chain/).  Paths of the
 * temporary folder become @TMP@ and allocations (which depend on the file
 * system) become 0 before comparison.
 */
#include <string.h>
#include <unistd.h>

#include "qvirt-config.h"
#include "qv-test-util.h"

static char *dir;

static char *
P(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static char *
normalise(const char *out)
{
    g_autofree char *a = qv_test_replace(out, dir, "@TMP@");
    g_autoptr(GRegex) re = g_regex_new("\"allocation\": [0-9]+", 0, 0, NULL);
    /* the ALLOCATION column of `chain --flat` */
    g_autoptr(GRegex) col = g_regex_new("^([0-9]+ +[-0-9]+ +[a-z0-9]+ +[0-9]+ +)[0-9]+",
                                        G_REGEX_MULTILINE, 0, NULL);
    g_autofree char *b = g_regex_replace_literal(re, a, -1, 0, "\"allocation\": 0", 0, NULL);

    return g_regex_replace(col, b, -1, 0, "\\g<1>0", 0, NULL);
}

/* Run `qvirt chain IMAGE ARGS...` expecting success; compare with golden */
static void
golden(const char *golden_name, const char *image, const char *a1,
       const char *a2, const char *a3)
{
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *norm = NULL;
    g_autofree char *path = P(image);
    int rc = qv_test_qvirt(&out, &err, "chain", path, a1, a2, a3, NULL);

    if (rc != 0)
        g_error("qvirt chain %s failed (%d): %s", image, rc, err);
    g_assert_cmpstr(err, ==, "");
    norm = normalise(out);
    qv_test_golden(golden_name, norm);
}

static void
test_version_help(void)
{
    g_autofree char *out = NULL, *err = NULL, *want = NULL;
    g_autofree char *o2 = NULL, *e2 = NULL, *o3 = NULL, *e3 = NULL;

    g_assert_cmpint(qv_test_qvirt(&out, &err, "--version", NULL), ==, 0);
    want = g_strdup_printf("qvirt %s\n", QVIRT_VERSION);
    g_assert_cmpstr(out, ==, want);

    g_assert_cmpint(qv_test_qvirt(&o2, &e2, "help", NULL), ==, 0);
    g_assert_nonnull(strstr(o2, "  chain "));
    g_assert_cmpint(qv_test_qvirt(&o3, &e3, "help", "chain", NULL), ==, 0);
    g_assert_true(g_str_has_prefix(o3, "Usage: qvirt chain IMAGE [--format FMT] [--json] [--xml] [--flat]\n"));
}

/* Each bad invocation: exit 1 and exactly one line on stderr */
static void
test_errors(void)
{
    static const struct { const char *args[4]; const char *want; } rows[] = {
        { { "frobnicate" }, "qvirt: error: unknown command 'frobnicate'; run 'qvirt help' for the list\n" },
        { { "chain" }, "qvirt: error: chain: missing arguments; usage: qvirt chain IMAGE [--format FMT] [--json] [--xml] [--flat]\n" },
        { { "chain", "a", "b" }, "qvirt: error: chain: too many arguments; usage: qvirt chain IMAGE [--format FMT] [--json] [--xml] [--flat]\n" },
        { { "chain", "--format", "qcow3", "x" }, "qvirt: error: chain: unknown format 'qcow3' (known: raw, iso, qcow, qcow2, qed, vmdk, vdi, vpc, vhdx, luks)\n" },
        { { "chain", "--json", "--xml", "x" }, "qvirt: error: chain: --json and --xml cannot be used together\n" },
        { { "chain", "--bogus", "x" }, "qvirt: error: chain: Unknown option --bogus\n" },
        { { "chain", "@TMP@/nope.qcow2" }, "qvirt: error: image '@TMP@/nope.qcow2' does not exist\n" },
        { { "chain", "@TMP@/top.qcow2" }, "qvirt: error: format of image '@TMP@/top.qcow2' was not given and it looks like qcow2 naming backing file 'mid.qcow2'; refusing to follow a guessed format (a raw disk can hold any header): give the format, e.g. --format qcow2\n" },
        { { "help", "nosuch" }, "qvirt: error: unknown command 'nosuch'; run 'qvirt help' for the list\n" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autofree char *out = NULL, *err = NULL, *norm = NULL;
        char *a[4] = { NULL };
        int rc;

        for (int j = 0; j < 4; j++)
            a[j] = rows[i].args[j] ? qv_test_replace(rows[i].args[j], "@TMP@", dir) : NULL;
        rc = qv_test_qvirt(&out, &err, a[0], a[1], a[2], a[3], NULL);
        for (int j = 0; j < 4; j++)
            g_free(a[j]);
        g_assert_cmpint(rc, ==, 1);
        g_assert_cmpstr(out, ==, "");
        norm = qv_test_replace(err, dir, "@TMP@");
        g_assert_cmpstr(norm, ==, rows[i].want);
    }
}

static void
test_golden_outputs(void)
{
    g_autofree char *base = P("base.qcow2");
    g_autofree char *json = g_strdup_printf("json:{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"%s\"}}", base);
    g_autofree char *df = P("df.qcow2");
    g_autofree char *dfopt = g_strdup("data_file=df.raw");
    g_autofree char *vbase = P("base.vmdk");

    golden("chain/three.json", "top.qcow2", "--format", "qcow2", "--json");
    golden("chain/three.xml", "top.qcow2", "--format=qcow2", "--xml", NULL);
    golden("chain/three-flat.xml", "top.qcow2", "--xml", "--flat", "--format=qcow2");
    golden("chain/three-flat.txt", "top.qcow2", "--flat", "--format", "qcow2");
    golden("chain/probed-base.json", "base.qcow2", "--json", NULL, NULL);

    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b",
                     "nbd+unix:///exp?socket=/run/nbd.sock", "-F", "raw",
                     "nbd.qcow2", "1M", NULL);
    golden("chain/nbd-unix.json", "nbd.qcow2", "--json", "--format", "qcow2");
    golden("chain/nbd-unix.xml", "nbd.qcow2", "--xml", "--format", "qcow2");

    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", json, "-F",
                     "qcow2", "json.qcow2", "1M", NULL);
    golden("chain/json-backing.json", "json.qcow2", "--json", "--format", "qcow2");
    golden("chain/json-backing.xml", "json.qcow2", "--xml", "--format", "qcow2");

    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-o", dfopt, df, "1M", NULL);
    golden("chain/data-file.json", "df.qcow2", "--json", "--format", "qcow2");

    qv_test_qemu_img("create", "-q", "-f", "qed", "-b", base, "-F", "qcow2",
                     "top.qed", "1M", NULL);
    golden("chain/qed.json", "top.qed", "--json", "--format", "qed");
    golden("chain/qed.xml", "top.qed", "--xml", "--format", "qed");

    qv_test_qemu_img("create", "-q", "-f", "vmdk", "base.vmdk", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "vmdk", "-b", vbase, "-F",
                     "vmdk", "top.vmdk", "1M", NULL);
    golden("chain/vmdk.json", "top.vmdk", "--json", "--format", "vmdk");
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    dir = qv_test_enter_tmpdir();
    qv_test_make_chain3();
    g_test_add_func("/cli/version-help", test_version_help);
    g_test_add_func("/cli/errors", test_errors);
    g_test_add_func("/cli/golden", test_golden_outputs);
    ret = g_test_run();
    qv_test_rmtree(dir);
    g_free(dir);
    return ret;
}
