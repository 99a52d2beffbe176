/*
 * test-domain: definitions end to end.  Invalid documents
 * (tests/data/invalid/NAME.xml) must be refused with exactly the message
 * in NAME.err; documents only QEMU cannot run (tests/data/qemu-invalid,
 * @DIR@ standing for the test folder) are accepted by conf's rules alone
 * and refused by the QEMU ones with the message in NAME.err, by
 * validate and define (nothing stored) and, stored directly, by start;
 * --validate-chains against images made by qemu-img; and the
 * commands (define, list, dumpxml, domblklist, dominfo, validate, edit,
 * undefine) run as a user runs them, under a --root folder.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "conf/qv-conn.h"
#include "conf/qv-domain-store.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"
#include "qemu/qv-qemu-validate.h"
#include "qv-test-util.h"

static char *dir;

static char *
P(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static void
test_invalid_documents(void)
{
    const char *datadir = g_getenv("QV_TEST_DATA");
    g_autofree char *inv = g_build_filename(datadir, "invalid", NULL);
    g_autoptr(GDir) d = g_dir_open(inv, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *n;

    g_assert_nonnull(d);
    while ((n = g_dir_read_name(d))) {
        if (g_str_has_suffix(n, ".xml"))
            g_ptr_array_add(names, g_strndup(n, strlen(n) - 4));
    }
    g_assert_cmpuint(names->len, >=, 30);
    for (guint i = 0; i < names->len; i++) {
        const char *name = names->pdata[i];
        g_autofree char *file = g_strdup_printf("invalid/%s.xml", name);
        g_autofree char *errfile = g_strdup_printf("invalid/%s.err", name);
        g_autofree char *path = g_build_filename(datadir, file, NULL);
        g_autofree char *xml = NULL;
        g_autofree char *msg = NULL;
        g_autoptr(GError) err = NULL;
        g_autoptr(QvDomainDef) def = NULL;

        g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
        def = qv_conn_check_xml(xml, file, 0, qv_qemu_validate_def, &err);
        if (def)
            g_error("invalid document '%s' was accepted", file);
        g_assert_nonnull(err);
        msg = g_strdup_printf("%s\n", err->message);
        qv_test_golden(errfile, msg);
    }
}

static const char *chain_xml =
    "<domain type='qemu'>\n"
    "  <name>chained</name>\n"
    "  <memory unit='MiB'>128</memory>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='@DIR@/top.qcow2'/>\n"
    "      <backingStore type='file'>\n"
    "        <format type='@MIDFMT@'/>\n"
    "        <source file='@DIR@/@MID@'/>\n"
    "        @TAIL@\n"
    "      </backingStore>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "  </devices>\n"
    "</domain>\n";

static char *
chain_doc(const char *mid, const char *midfmt, const char *tail)
{
    g_autofree char *a = qv_test_replace(chain_xml, "@DIR@", dir);
    g_autofree char *b = qv_test_replace(a, "@MID@", mid);
    g_autofree char *c = qv_test_replace(b, "@MIDFMT@", midfmt);

    return qv_test_replace(c, "@TAIL@", tail);
}

static char *
check_chain_err(const char *mid, const char *midfmt, const char *tail)
{
    g_autofree char *xml = chain_doc(mid, midfmt, tail);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    g_autoptr(QvDomainDef) trusted = NULL;

    /* without the flag the given chain is trusted as it is */
    trusted = qv_conn_check_xml(xml, "chain.xml", 0, NULL, &err);
    g_assert_no_error(err);
    def = qv_conn_check_xml(xml, "chain.xml", QV_DEFINE_VALIDATE_CHAINS, NULL, &err);
    if (!err)
        return NULL;
    g_assert_null(def);
    return qv_test_replace(err->message, dir, "@TMP@");
}

static void
test_validate_chains(void)
{
    static const char *base_tail =
        "<backingStore type='file'><format type='qcow2'/><source file='@DIR@/base.qcow2'/><backingStore/></backingStore>";
    g_autofree char *tail = qv_test_replace(base_tail, "@DIR@", dir);
    g_autofree char *ok1 = check_chain_err("mid.qcow2", "qcow2", tail);
    g_autofree char *ok2 = check_chain_err("./mid.qcow2", "qcow2", "");
    g_autofree char *wrongfile = check_chain_err("base.qcow2", "qcow2", "");
    g_autofree char *wrongfmt = check_chain_err("mid.qcow2", "raw", "");
    g_autofree char *missing = check_chain_err("nothere.qcow2", "qcow2", "");
    g_autofree char *tooshort = check_chain_err("mid.qcow2", "qcow2", "<backingStore/>");
    g_autofree char *toolong = NULL;
    g_autofree char *extra = qv_test_replace(
        "<backingStore type='file'><format type='qcow2'/><source file='@DIR@/base.qcow2'/>"
        "<backingStore type='file'><format type='raw'/><source file='@DIR@/x.raw'/></backingStore></backingStore>",
        "@DIR@", dir);

    toolong = check_chain_err("mid.qcow2", "qcow2", extra);
    g_assert_null(ok1);
    g_assert_null(ok2);   /* same file by identity, other spelling */
    g_assert_cmpstr(wrongfile, ==, "disk 'vda': backingStore 1 ('@TMP@/base.qcow2') differs from the images: '@TMP@/top.qcow2' names backing file 'mid.qcow2' ('@TMP@/mid.qcow2')");
    g_assert_cmpstr(wrongfmt, ==, "disk 'vda': backingStore 1 ('@TMP@/mid.qcow2') has format 'raw' in the XML but the images say 'qcow2'");
    g_assert_cmpstr(missing, ==, "disk 'vda': backingStore 1 ('@TMP@/nothere.qcow2') does not exist");
    g_assert_cmpstr(tooshort, ==, "disk 'vda': the XML ends the chain at backingStore 1 ('@TMP@/mid.qcow2'), but the image names backing file 'base.qcow2'");
    g_assert_cmpstr(toolong, ==, "disk 'vda': the XML lists backingStore 3 ('@TMP@/x.raw'), but '@TMP@/base.qcow2' has no backing file");
}

/* qvirt --root ROOT ARGS...; returns stdout, asserts the exit code */
static char *
qv(int want_rc, char **err_out, const char *a1, const char *a2,
   const char *a3, const char *a4)
{
    g_autofree char *root = P("root");
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int rc = qv_test_qvirt(&out, &err, "--root", root, a1, a2, a3, a4, NULL);

    if (rc != want_rc)
        g_error("qvirt %s %s: exit %d, wanted %d; stderr: %s", a1,
                a2 ? a2 : "", rc, want_rc, err);
    if (err_out)
        *err_out = qv_test_replace(err, dir, "@TMP@");
    return qv_test_replace(out, dir, "@TMP@");
}

static void
write_doc(const char *name, const char *xml)
{
    g_autofree char *path = P(name);

    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
}

static void
test_commands(void)
{
    g_autofree char *doc = chain_doc("mid.qcow2", "qcow2", "");
    g_autofree char *doc2 = NULL;
    g_autofree char *path = P("vm.xml");
    g_autofree char *bad = P("bad.xml");
    g_autofree char *o = NULL, *e = NULL;

    /* add a device qvirt keeps but does not act on, and drop the chain:
     * dumpxml then reads it from the images */
    doc2 = qv_test_replace(doc, "    </disk>\n", "    </disk>\n    <interface type='network'><source network='default'/></interface>\n");
    write_doc("vm.xml", doc2);

    g_free(o); o = qv(0, NULL, "define", path, NULL, NULL);
    g_assert_cmpstr(o, ==, "Domain 'chained' defined from @TMP@/vm.xml\nnote: kept as written but not applied by qvirt: interface\n");
    g_free(o); o = qv(0, NULL, "define", path, "--validate-chains", NULL);
    g_assert_true(g_str_has_prefix(o, "Domain 'chained' updated from"));

    g_free(o); o = qv(0, NULL, "list", NULL, NULL, NULL);
    g_assert_null(strstr(o, "chained"));
    g_free(o); o = qv(0, NULL, "list", "--all", "--name", NULL);
    g_assert_cmpstr(o, ==, "chained\n");
    g_free(o); o = qv(0, NULL, "list", "--all", "--json", NULL);
    g_assert_nonnull(strstr(o, "\"state\": \"shut off\""));

    g_free(o); o = qv(0, NULL, "domblklist", "chained", NULL, NULL);
    g_assert_cmpstr(o, ==, " Target   Source\n------------------------------------------------\n vda      @TMP@/top.qcow2\n");
    g_free(o); o = qv(0, NULL, "dominfo", "chained", NULL, NULL);
    g_assert_nonnull(strstr(o, "Name:           chained\n"));
    g_assert_nonnull(strstr(o, "Max memory:     131072 KiB\n"));

    g_free(o); o = qv(0, NULL, "dumpxml", "chained", NULL, NULL);
    g_assert_nonnull(strstr(o, "<source file='@TMP@/mid.qcow2'/>"));
    g_assert_nonnull(strstr(o, "<interface type=\"network\">"));
    g_free(o); o = qv(0, NULL, "dumpxml", "chained", "--flat-chains", NULL);
    g_assert_nonnull(strstr(o, "parent='0'"));

    /* no chain given: dumpxml reads it from the images, --inactive not */
    {
        g_autofree char *plain = g_strdup_printf(
            "<domain type='qemu'><name>probed</name><memory>65536</memory><devices>"
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            "<source file='%s/top.qcow2'/><target dev='vda' bus='virtio'/></disk>"
            "</devices></domain>", dir);
        g_autofree char *ppath = P("probed.xml");

        write_doc("probed.xml", plain);
        g_free(o); o = qv(0, NULL, "define", ppath, NULL, NULL);
        g_free(o); o = qv(0, NULL, "dumpxml", "probed", NULL, NULL);
        g_assert_nonnull(strstr(o, "<source file='@TMP@/base.qcow2'/>"));
        g_assert_nonnull(strstr(o, "<backingStore/>"));
        g_free(o); o = qv(0, NULL, "dumpxml", "probed", "--inactive", NULL);
        g_assert_null(strstr(o, "backingStore"));
        g_free(o); o = qv(0, NULL, "undefine", "probed", NULL, NULL);
    }

    /* a refused define keeps the old definition */
    write_doc("bad.xml", "<domain type='qemu'><name>chained</name><memory>0</memory></domain>");
    g_free(o); o = qv(1, &e, "define", bad, NULL, NULL);
    g_assert_cmpstr(e, ==, "qvirt: error: domain 'chained': <memory> must be greater than 0\n");
    g_free(e); e = NULL;
    g_free(o); o = qv(0, NULL, "dominfo", "chained", NULL, NULL);
    g_assert_nonnull(strstr(o, "Max memory:     131072 KiB\n"));

    g_free(o); o = qv(0, NULL, "validate", path, NULL, NULL);
    g_assert_cmpstr(o, ==, "@TMP@/vm.xml validates\n");
    g_free(o); o = qv(1, &e, "validate", bad, NULL, NULL);
    g_free(e); e = NULL;

    g_free(o); o = qv(0, NULL, "undefine", "chained", NULL, NULL);
    g_assert_cmpstr(o, ==, "Domain 'chained' has been undefined\n");
    g_free(o); o = qv(1, &e, "dominfo", "chained", NULL, NULL);
    g_assert_cmpstr(e, ==, "qvirt: error: domain 'chained' is not defined\n");
}

/* define names, once, each disk setting it keeps but does not apply, and
 * the runtime state it drops; dumpxml has the settings and not that */
static void
test_define_notes(void)
{
    static const char xml[] =
        "<domain type='qemu'><name>noted</name><memory unit='MiB'>128</memory>\n"
        "  <devices>\n"
        "    <disk type='file' device='disk'>\n"
        "      <driver name='qemu' type='raw' error_policy='stop'/>\n"
        "      <source file='/i/a.raw'/>\n"
        "      <mirror type='file' job='copy'><source file='/i/b.raw'/></mirror>\n"
        "      <target dev='vda' bus='virtio'/>\n"
        "      <iotune><total_bytes_sec>1048576</total_bytes_sec></iotune>\n"
        "      <transient/>\n"
        "    </disk>\n"
        "    <disk type='block' device='lun' rawio='yes'>\n"
        "      <source dev='/dev/sdz'><reservations managed='yes'/></source>\n"
        "      <target dev='sda' bus='scsi'/>\n"
        "    </disk>\n"
        "  </devices>\n"
        "</domain>\n";
    g_autofree char *path = P("noted.xml");
    g_autofree char *o = NULL;

    write_doc("noted.xml", xml);
    o = qv(0, NULL, "define", path, NULL, NULL);
    g_assert_cmpstr(o, ==,
                    "Domain 'noted' defined from @TMP@/noted.xml\n"
                    "note: kept as written but not applied by qvirt: disk 'vda': <transient> (qvirt adds no overlay that is discarded at shutdown: writes reach the image)\n"
                    "note: kept as written but not applied by qvirt: disk 'vda': <mirror> dropped (runtime state, as libvirt drops it from a definition)\n"
                    "note: kept as written but not applied by qvirt: disk 'sda': rawio (QEMU runs unprivileged and gets no CAP_SYS_RAWIO)\n"
                    "note: kept as written but not applied by qvirt: disk 'sda': <reservations> (qvirt starts no qemu-pr-helper and creates no pr-manager object)\n");
    g_free(o);
    o = qv(0, NULL, "dumpxml", "noted", NULL, NULL);
    g_assert_nonnull(strstr(o, "<total_bytes_sec>1048576</total_bytes_sec>"));
    g_assert_nonnull(strstr(o, "error_policy='stop'"));
    g_assert_nonnull(strstr(o, "<reservations managed='yes'/>"));
    g_assert_null(strstr(o, "<mirror"));
    g_free(o);
    o = qv(0, NULL, "undefine", "noted", NULL, NULL);
}

/* The test folder's copy of qemu-invalid/NAME.xml, @DIR@ replaced */
static char *
qemu_invalid_doc(const char *name, char **path)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *src = g_build_filename(g_getenv("QV_TEST_DATA"), "qemu-invalid", file, NULL);
    g_autofree char *xml = NULL;
    char *doc;

    g_assert_true(g_file_get_contents(src, &xml, NULL, NULL));
    doc = qv_test_replace(xml, "@DIR@", dir);
    *path = P(file);
    write_doc(file, doc);
    return doc;
}

static void
test_qemu_invalid(void)
{
    g_autofree char *qdir = g_build_filename(g_getenv("QV_TEST_DATA"), "qemu-invalid", NULL);
    g_autoptr(GDir) d = g_dir_open(qdir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *listed = NULL;
    const char *n;

    g_assert_nonnull(d);
    while ((n = g_dir_read_name(d))) {
        if (g_str_has_suffix(n, ".xml"))
            g_ptr_array_add(names, g_strndup(n, strlen(n) - 4));
    }
    g_assert_cmpuint(names->len, >=, 20);
    for (guint i = 0; i < names->len; i++) {
        const char *name = names->pdata[i];
        g_autofree char *errfile = g_strdup_printf("qemu-invalid/%s.err", name);
        g_autofree char *path = NULL;
        g_autofree char *doc = qemu_invalid_doc(name, &path);
        g_autofree char *msg = NULL;
        g_autofree char *want = NULL;
        g_autofree char *o = NULL, *e = NULL;
        g_autoptr(GError) err = NULL;
        g_autoptr(QvDomainDef) conf_only = NULL;
        g_autoptr(QvDomainDef) def = NULL;

        /* conf's rules accept it: the rule that refuses it is QEMU's */
        conf_only = qv_conn_check_xml(doc, name, 0, NULL, &err);
        g_assert_no_error(err);
        def = qv_conn_check_xml(doc, name, 0, qv_qemu_validate_def, &err);
        if (def)
            g_error("qemu-invalid document '%s' was accepted", name);
        msg = qv_test_replace(err->message, dir, "@TMP@");
        g_free(want);
        want = g_strdup_printf("%s\n", msg);
        qv_test_golden(errfile, want);

        if (!qv_test_valgrind_sample(i))
            continue;
        g_free(want);
        want = g_strdup_printf("qvirt: error: %s\n", msg);
        o = qv(1, &e, "validate", path, NULL, NULL);
        g_assert_cmpstr(e, ==, want);
        g_free(o); g_free(e);
        o = qv(1, &e, "define", path, NULL, NULL);
        g_assert_cmpstr(e, ==, want);
    }
    /* a refused define stores nothing */
    listed = qv(0, NULL, "list", "--all", "--name", NULL);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *line = g_strdup_printf("%s\n", (char *)names->pdata[i]);

        g_assert_null(strstr(listed, line));
    }
}

/* Store @doc as define would, without its checks: what a definition
 * written before the rule moved to define looks like to start */
static void
store_unchecked(const char *doc)
{
    g_autofree char *root = P("root");
    g_autoptr(GError) err = NULL;
    g_autoptr(QvConn) conn = qv_conn_open(root, &err);
    g_autoptr(QvDomainDef) def = NULL;
    g_autofree char *out = NULL;

    g_assert_no_error(err);
    def = qv_domain_parse_xml(doc, "unchecked", 0, &err);
    g_assert_no_error(err);
    out = qv_domain_format_xml(def, 0);
    g_assert_true(qv_domain_store_define(conn->store, def->name, def->uuid, out, NULL, &err));
    g_assert_no_error(err);
}

/* start refuses what define refuses, with the message define gives */
static void
check_start_refuses(const char *name, const char *doc, const char *msg)
{
    g_autofree char *want = g_strdup_printf("qvirt: error: %s\n", msg);
    g_autofree char *o = NULL, *e = NULL;

    store_unchecked(doc);
    o = qv(1, &e, "start", name, NULL, NULL);
    g_assert_cmpstr(e, ==, want);
    g_free(o);
    o = qv(0, NULL, "undefine", name, NULL, NULL);
}

static void
test_qemu_invalid_start(void)
{
    /* one front-end rule, block-graph rules of a file and of a network
     * source: each reached at start after the files were found */
    static const char *const cases[] = {
        "io-native-cache-default", "detect-zeroes-unmap-no-discard",
        "floppy-serial", "sata-beyond-bus", "rbd-no-image", "nbd-rdma",
        "readonly-sata-disk", "iotune-max-below-base", "iothread-undefined",
    };
    g_autofree char *quorum = qv_test_replace(
        "<domain type='qemu'><name>quorum-start</name><memory>65536</memory><devices>"
        "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/>"
        "<threshold value='3'/>"
        "<backingStore type='file'><format type='raw'/><source file='@DIR@/raw.img'/></backingStore>"
        "<backingStore type='file'><format type='raw'/><source file='@DIR@/base.img'/></backingStore>"
        "<target dev='vda' bus='virtio'/></disk></devices></domain>", "@DIR@", dir);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *errfile = g_strdup_printf("%s/qemu-invalid/%s.err", g_getenv("QV_TEST_DATA"), cases[i]);
        g_autofree char *path = NULL;
        g_autofree char *doc = qemu_invalid_doc(cases[i], &path);
        g_autofree char *msg = NULL;

        g_assert_true(g_file_get_contents(errfile, &msg, NULL, NULL));
        g_strchomp(msg);
        check_start_refuses(cases[i], doc, msg);
    }
    /* the quorum threshold: one rule (conf's), one message, at define
     * and at start */
    def = qv_conn_check_xml(quorum, "quorum", 0, NULL, &err);
    g_assert_null(def);
    check_start_refuses("quorum-start", quorum, err->message);
}

static void
test_edit(void)
{
    g_autofree char *doc = chain_doc("mid.qcow2", "qcow2", "");
    g_autofree char *path = P("ed.xml");
    g_autofree char *editor = P("editor.sh");
    g_autofree char *bad_editor = P("bad-editor.sh");
    g_autofree char *o = NULL, *e = NULL;

    write_doc("ed.xml", doc);
    write_doc("editor.sh", "#!/bin/sh\nsed -i \"s/<memory unit='KiB'>131072</<memory unit='KiB'>262144</\" \"$1\"\n");
    write_doc("bad-editor.sh", "#!/bin/sh\nsed -i \"s/<memory unit='KiB'>[0-9]*</<memory unit='KiB'>0</\" \"$1\"\n");
    g_assert_cmpint(g_chmod(editor, 0755), ==, 0);
    g_assert_cmpint(g_chmod(bad_editor, 0755), ==, 0);
    g_free(o); o = qv(0, NULL, "define", path, NULL, NULL);

    g_setenv("VISUAL", editor, TRUE);
    g_free(o); o = qv(0, NULL, "edit", "chained", NULL, NULL);
    g_assert_cmpstr(o, ==, "Domain 'chained' XML configuration edited.\n");
    g_free(o); o = qv(0, NULL, "dominfo", "chained", NULL, NULL);
    g_assert_nonnull(strstr(o, "Max memory:     262144 KiB\n"));

    g_setenv("VISUAL", bad_editor, TRUE);
    g_free(o); o = qv(1, &e, "edit", "chained", NULL, NULL);
    g_assert_true(g_str_has_prefix(e, "qvirt: error: the definition of 'chained' is unchanged; your edit is kept in '"));
    g_free(o); o = qv(0, NULL, "dominfo", "chained", NULL, NULL);
    g_assert_nonnull(strstr(o, "Max memory:     262144 KiB\n"));
    g_unsetenv("VISUAL");
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    dir = qv_test_enter_tmpdir();
    qv_test_make_chain3();
    qv_test_qemu_img("create", "-q", "-f", "raw", "raw.img", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "raw", "base.img", "1M", NULL);
    g_test_add_func("/domain/invalid-documents", test_invalid_documents);
    g_test_add_func("/domain/validate-chains", test_validate_chains);
    g_test_add_func("/domain/commands", test_commands);
    g_test_add_func("/domain/define-notes", test_define_notes);
    g_test_add_func("/domain/edit", test_edit);
    g_test_add_func("/domain/qemu-invalid", test_qemu_invalid);
    g_test_add_func("/domain/qemu-invalid-start", test_qemu_invalid_start);
    ret = g_test_run();
    qv_test_rmtree(dir);
    g_free(dir);
    return ret;
}
