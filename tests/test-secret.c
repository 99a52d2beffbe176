/*
 * test-secret: the secret store and the XML around it.  Secret XML parse
 * and format (libvirt's messages; what is written valid against
 * libvirt's secret.rng), the store's rules (uuid and usage unique, update
 * keeps the value, private values refused except to qvirt itself,
 * ephemeral secrets never in the config folder, files 0600), the public
 * API's lookups and list filters, the disk <encryption>/<auth> golden
 * outputs valid against libvirt's domain.rng, and the secret-* commands
 * as a user runs them (a value is never taken on the command line).
 */
#include <string.h>
#include <sys/stat.h>

#include "conf/qv-secret-store.h"
#include "qvirt/qvirt.h"
#include "util/qv-error.h"
#include "qv-test-libvirt.h"
#include "qv-test-util.h"

#define UUID1 "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
#define UUID2 "b7a0e3c4-1f2d-4e5a-9b6c-7d8e9f0a1b2c"

static char *
secret_xml(const char *attrs, const char *uuid, const char *usage)
{
    return g_strdup_printf("<secret%s>%s%s%s%s</secret>", attrs ? attrs : "",
                           uuid ? "<uuid>" : "", uuid ? uuid : "", uuid ? "</uuid>" : "",
                           usage ? usage : "");
}

static QvPaths *
paths_in(const char *dir)
{
    g_autoptr(GError) err = NULL;
    QvPaths *p = qv_paths_new(dir, &err);

    g_assert_no_error(err);
    return p;
}

/* ---- XML ---- */

static void
test_xml_round_trip(void)
{
    static const char *const cases[] = {
        "<secret ephemeral='no' private='yes'><uuid>0A81F5B2-8403-7B23-C8D6-21CCC2F80D6F</uuid>"
        "<description>disk &amp; more</description><usage type='volume'><volume>/i/a.luks</volume></usage></secret>",
        "<secret><usage type='ceph'><name>client.admin secret</name></usage></secret>",
        "<secret ephemeral='yes'><usage type='iscsi'><target>libvirtiscsi</target></usage></secret>",
        "<secret><usage type='tls'><name>tls-client</name></usage></secret>",
        "<secret><usage type='vtpm'><name>VTPM_example</name></usage></secret>",
        "<secret/>",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QvSecretDef) def = qv_secret_parse_xml(cases[i], "s.xml", &err);
        g_autoptr(QvSecretDef) again = NULL;
        g_autofree char *out = NULL;
        g_autofree char *out2 = NULL;

        g_assert_no_error(err);
        out = qv_secret_format_xml(def);
        qv_test_assert_libvirt_valid("secret.rng", out, cases[i]);
        again = qv_secret_parse_xml(out, "out.xml", &err);
        g_assert_no_error(err);
        out2 = qv_secret_format_xml(again);
        g_assert_cmpstr(out, ==, out2);
    }
}

static void
test_xml_errors(void)
{
    static const struct {
        const char *xml;
        const char *message;
    } cases[] = {
        { "<domain/>", "s.xml: the root element is <domain>, expected <secret>" },
        { "<secret ephemeral='maybe'/>", "s.xml: invalid value of 'ephemeral': 'maybe' (expected 'yes' or 'no')" },
        { "<secret><uuid>1234</uuid></secret>",
          "s.xml: malformed uuid element '1234': expected 32 hexadecimal digits as 8-4-4-4-12" },
        { "<secret><usage type='disk'/></secret>",
          "s.xml: unknown secret usage type disk (expected 'volume', 'ceph', 'iscsi', 'tls', 'vtpm')" },
        { "<secret><usage/></secret>",
          "s.xml: unknown secret usage type: <usage> has no type attribute (expected 'volume', 'ceph', 'iscsi', 'tls', 'vtpm')" },
        { "<secret><usage type='volume'/></secret>", "s.xml: volume usage specification must include path" },
        { "<secret><usage type='ceph'><target>x</target></usage></secret>",
          "s.xml: unexpected <target> in a 'ceph' <usage> (it holds one <name>)" },
        { "<secret><usage type='iscsi'/></secret>", "s.xml: iSCSI usage specification must include target" },
        { "<secret><usage type='volume'><volume>a.img</volume></usage></secret>",
          "s.xml: the volume of a 'volume' <usage> must be an absolute path, not 'a.img'" },
        { "<secret><value>x</value></secret>",
          "s.xml: unexpected element <value> in <secret> (it has <uuid>, <description> and <usage>, once each)" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QvSecretDef) def = qv_secret_parse_xml(cases[i].xml, "s.xml", &err);

        g_assert_null(def);
        g_assert_error(err, QV_ERROR, QV_ERR_XML);
        g_assert_cmpstr(err->message, ==, cases[i].message);
    }
}

/* ---- the store ---- */

static void
assert_mode(const char *path, mode_t mode)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, mode);
}

static void
test_store(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autoptr(QvPaths) paths = paths_in(dir);
    g_autoptr(QvSecretStore) store = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *x1 = secret_xml(NULL, UUID1, "<usage type='volume'><volume>/i/a</volume></usage>");
    g_autofree char *x1b = secret_xml(NULL, UUID1, "<description>d</description><usage type='volume'><volume>/i/a</volume></usage>");
    g_autofree char *x1c = secret_xml(NULL, UUID1, "<usage type='volume'><volume>/i/b</volume></usage>");
    g_autofree char *x1p = secret_xml(" private='yes'", UUID1, "<usage type='volume'><volume>/i/a</volume></usage>");
    g_autofree char *x2 = secret_xml(NULL, UUID2, "<usage type='volume'><volume>/i/a</volume></usage>");
    g_autofree char *file = NULL;
    g_autoptr(QvSecretDef) def = NULL;
    g_autoptr(GPtrArray) all = NULL;
    uint8_t *value = NULL;
    size_t len = 0;

    store = qv_secret_store_open(paths, &err);
    g_assert_no_error(err);
    def = qv_secret_store_define(store, x1, "x1", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(def->uuid, ==, UUID1);
    g_clear_pointer(&def, qv_secret_def_free);

    /* no value yet */
    g_assert_false(qv_secret_store_get_value(store, UUID1, false, &value, &len, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==, "secret '" UUID1 "' does not have a value (set one with secret-set-value)");
    g_clear_error(&err);
    g_assert_true(qv_secret_store_set_value(store, UUID1, (const uint8_t *)"pass\0word", 9, &err));
    g_assert_no_error(err);
    file = g_build_filename(dir, "etc", "secrets", UUID1 ".base64", NULL);
    assert_mode(file, 0600);
    g_free(file);
    file = g_build_filename(dir, "etc", "secrets", UUID1 ".xml", NULL);
    assert_mode(file, 0600);
    g_free(file);
    file = g_build_filename(dir, "etc", "secrets", NULL);
    assert_mode(file, 0700);

    /* an update keeps the value; a new usage or flag for the uuid is refused */
    def = qv_secret_store_define(store, x1b, "x1b", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(def->description, ==, "d");
    g_clear_pointer(&def, qv_secret_def_free);
    g_assert_true(qv_secret_store_get_value(store, UUID1, false, &value, &len, &err));
    g_assert_cmpuint(len, ==, 9);
    g_assert_cmpmem(value, len, "pass\0word", 9);
    qv_secret_value_free(value, len);
    g_assert_null(qv_secret_store_define(store, x1c, "x1c", &err));
    g_assert_cmpstr(err->message, ==, "a secret with UUID " UUID1 " already defined for use with volume /i/a; undefine it first to change its usage");
    g_clear_error(&err);
    g_assert_null(qv_secret_store_define(store, x1p, "x1p", &err));
    g_assert_cmpstr(err->message, ==, "cannot change the private flag of existing secret " UUID1 "; undefine it first");
    g_clear_error(&err);
    g_assert_null(qv_secret_store_define(store, x2, "x2", &err));
    g_assert_cmpstr(err->message, ==, "a secret with UUID " UUID1 " is already defined for use with volume /i/a");
    g_clear_error(&err);

    /* lookups */
    def = qv_secret_store_lookup_usage(store, QV_SECRET_USAGE_VOLUME, "/i/a", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(def->uuid, ==, UUID1);
    g_clear_pointer(&def, qv_secret_def_free);
    g_assert_null(qv_secret_store_lookup_usage(store, QV_SECRET_USAGE_CEPH, "/i/a", &err));
    g_assert_cmpstr(err->message, ==, "no secret with matching usage '/i/a' of type 'ceph' (see secret-list; secret-define creates one)");
    g_clear_error(&err);
    g_assert_null(qv_secret_store_lookup_uuid(store, UUID2, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==, "no secret with matching uuid '" UUID2 "' (see secret-list; secret-define creates one)");
    g_clear_error(&err);
    def = qv_secret_store_lookup_uuid(store, "0A81F5B284037B23C8D621CCC2F80D6F", &err);
    g_assert_no_error(err);
    g_clear_pointer(&def, qv_secret_def_free);

    all = qv_secret_store_list(store, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(all->len, ==, 1);
    g_assert_true(qv_secret_store_undefine(store, UUID1, &err));
    g_assert_no_error(err);
    g_assert_false(qv_secret_store_has_value(store, UUID1));
    g_assert_false(qv_secret_store_undefine(store, UUID1, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    qv_test_rmtree(dir);
}

static void
test_private_ephemeral(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autoptr(QvPaths) paths = paths_in(dir);
    g_autoptr(QvSecretStore) store = qv_secret_store_open(paths, NULL);
    g_autofree char *xml = secret_xml(" ephemeral='yes' private='yes'", UUID2,
                                      "<usage type='ceph'><name>client.admin</name></usage>");
    g_autofree char *in_run = g_build_filename(dir, "run", "secrets", UUID2 ".xml", NULL);
    g_autofree char *in_etc = g_build_filename(dir, "etc", "secrets", UUID2 ".xml", NULL);
    g_autoptr(QvSecretDef) def = NULL;
    g_autoptr(GError) err = NULL;
    uint8_t *value = NULL;
    size_t len = 0;

    def = qv_secret_store_define(store, xml, "x", &err);
    g_assert_no_error(err);
    g_assert_true(g_file_test(in_run, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(in_etc, G_FILE_TEST_EXISTS));
    g_assert_true(qv_secret_store_set_value(store, UUID2, (const uint8_t *)"k", 1, &err));
    g_assert_false(qv_secret_store_get_value(store, UUID2, false, &value, &len, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_OPERATION_INVALID);
    g_assert_cmpstr(err->message, ==, "secret " UUID2 " is private: its value is not handed out (only qvirt passes it to QEMU)");
    g_clear_error(&err);
    g_assert_true(qv_secret_store_get_value(store, UUID2, true, &value, &len, &err));
    g_assert_cmpmem(value, len, "k", 1);
    qv_secret_value_free(value, len);
    qv_test_rmtree(dir);
}

/* ---- the public API ---- */

static void
test_api(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autoptr(GError) err = NULL;
    g_autoptr(QvirtConnect) conn = qvirt_connect_open(dir, &err);
    g_autofree char *x1 = secret_xml(NULL, UUID1, "<usage type='iscsi'><target>t1</target></usage>");
    g_autofree char *x2 = secret_xml(" private='yes'", UUID2, "<usage type='ceph'><name>c</name></usage>");
    g_autoptr(QvirtSecret) s1 = NULL;
    g_autoptr(QvirtSecret) s2 = NULL;
    g_autoptr(QvirtSecret) found = NULL;
    g_autofree char *desc = NULL;
    QvirtSecret **list = NULL;
    unsigned char *value;
    size_t size = 0;

    g_assert_no_error(err);
    s1 = qvirt_secret_define_xml(conn, x1, 0, &err);
    g_assert_no_error(err);
    s2 = qvirt_secret_define_xml(conn, x2, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qvirt_secret_get_usage_type(s1), ==, QVIRT_SECRET_USAGE_TYPE_ISCSI);
    g_assert_cmpstr(qvirt_secret_get_usage_id(s1), ==, "t1");
    found = qvirt_secret_lookup_by_usage(conn, QVIRT_SECRET_USAGE_TYPE_CEPH, "c", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(qvirt_secret_get_uuid_string(found), ==, UUID2);
    g_assert_null(qvirt_secret_lookup_by_usage(conn, 9, "c", &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG);
    g_clear_error(&err);
    desc = qvirt_secret_get_xml_desc(s1, 0, &err);
    g_assert_no_error(err);
    qv_test_assert_libvirt_valid("secret.rng", desc, "secret XML");
    g_assert_cmpint(qvirt_secret_set_value(s1, (const unsigned char *)"abc", 3, 0, &err), ==, 0);
    value = qvirt_secret_get_value(s1, &size, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpmem(value, size, "abc", 3);
    g_free(value);
    g_assert_cmpint(qvirt_secret_set_value(s2, (const unsigned char *)"abc", 3, 0, &err), ==, 0);
    g_assert_null(qvirt_secret_get_value(s2, &size, 0, &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_OPERATION_INVALID);
    g_clear_error(&err);
    g_assert_cmpint(qvirt_connect_list_all_secrets(conn, NULL, 0, &err), ==, 2);
    g_assert_cmpint(qvirt_connect_list_all_secrets(conn, &list, QVIRT_CONNECT_LIST_SECRETS_NO_PRIVATE, &err), ==, 1);
    g_assert_cmpstr(qvirt_secret_get_uuid_string(list[0]), ==, UUID1);
    g_assert_null(list[1]);
    qvirt_secret_free(list[0]);
    g_free(list);
    g_assert_cmpint(qvirt_connect_list_all_secrets(conn, NULL, QVIRT_CONNECT_LIST_SECRETS_PRIVATE |
                                                   QVIRT_CONNECT_LIST_SECRETS_NO_PRIVATE, &err), ==, 2);
    g_assert_cmpint(qvirt_connect_list_all_secrets(conn, NULL, 1 << 9, &err), ==, -1);
    g_clear_error(&err);
    /* a copy's destination is not encrypted: asking for it is refused, not dropped */
    {
        g_autoptr(QvirtDomain) dom = NULL;

        dom = qvirt_domain_define_xml(conn, "<domain type='qemu'><name>c</name><memory>65536</memory>"
                                      "<devices><disk type='file'><driver name='qemu' type='raw'/>"
                                      "<source file='/i/a.raw'/><target dev='vda' bus='virtio'/></disk>"
                                      "</devices></domain>", 0, &err);
        g_assert_no_error(err);
        g_assert_cmpint(qvirt_domain_block_copy(dom, "vda", "<disk type='file'><source file='/i/b.img'>"
                                                "<encryption format='luks'><secret type='passphrase' usage='b'/>"
                                                "</encryption></source></disk>", NULL, 0, 0, &err), ==, -1);
        g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_UNSUPPORTED);
        g_assert_nonnull(strstr(err->message, "asks for <encryption>"));
        g_clear_error(&err);
    }
    g_assert_cmpint(qvirt_secret_undefine(s1, &err), ==, 0);
    g_assert_null(qvirt_secret_lookup_by_uuid_string(conn, UUID1, &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_NOT_FOUND);
    qv_test_rmtree(dir);
}

/* ---- disk XML against libvirt's schema ---- */

static void
test_disk_xml_libvirt_valid(void)
{
    static const char *const names[] = { "encryption-luks", "encryption-network", "status-encryption" };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *base = g_strdup_printf("%s.out.xml", names[i]);
        g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"), "domain", base, NULL);
        g_autofree char *xml = NULL;

        g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
        qv_test_assert_libvirt_valid("domain.rng", xml, path);
    }
}

/* ---- the commands ---- */

/* qvirt --root @dir ARGS with @stdin_text on standard input, through sh */
static int
qvirt_stdin(const char *dir, const char *stdin_text, const char *args, char **out, char **err)
{
    const char *wrapper = g_getenv("QV_TEST_WRAPPER");
    g_autofree char *script = g_strdup_printf("printf '%%s' '%s' | %s '%s' --root '%s' %s",
                                              stdin_text, wrapper ? wrapper : "",
                                              g_getenv("QVIRT_BIN"), dir, args);
    const char *argv[] = { "/bin/sh", "-c", script, NULL };

    return qv_test_run(argv, out, err);
}

static void
test_cli(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *xml_path = g_build_filename(dir, "s.xml", NULL);
    g_autofree char *value_path = g_build_filename(dir, "v.bin", NULL);
    g_autofree char *out = NULL, *err = NULL;
    const char *xml = "<secret ephemeral='no' private='no'>\n  <uuid>" UUID1 "</uuid>\n"
                      "  <usage type='volume'>\n    <volume>/i/a.luks</volume>\n  </usage>\n</secret>\n";

    g_assert_true(g_file_set_contents(xml_path, xml, -1, NULL));
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-define", xml_path, NULL), ==, 0);
    g_assert_cmpstr(out, ==, "Secret " UUID1 " created\n");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-list", NULL), ==, 0);
    g_assert_nonnull(strstr(out, " " UUID1 "   volume /i/a.luks\n"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-dumpxml", UUID1, NULL), ==, 0);
    g_assert_cmpstr(out, ==, xml);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    /* the value: never an argument; base64 on stdin; a raw file */
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-set-value", UUID1, "c2VjcmV0", NULL), ==, 1);
    g_assert_nonnull(strstr(err, "the value is not taken on the command line"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qvirt_stdin(dir, "c2VjcmV0\n", "secret-set-value " UUID1, &out, &err), ==, 0);
    g_assert_cmpstr(out, ==, "Secret value set\n");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-get-value", UUID1, NULL), ==, 0);
    g_assert_cmpstr(out, ==, "c2VjcmV0\n");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qvirt_stdin(dir, "not base64!", "secret-set-value " UUID1, &out, &err), ==, 1);
    g_assert_nonnull(strstr(err, "the value on standard input is not base64"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_true(g_file_set_contents(value_path, "raw\npass", 8, NULL));
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-set-value", UUID1, "--file",
                                  value_path, "--plain", NULL), ==, 0);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-get-value", UUID1, NULL), ==, 0);
    g_assert_cmpstr(out, ==, "cmF3CnBhc3M=\n");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-undefine", UUID1, NULL), ==, 0);
    g_assert_cmpstr(out, ==, "Secret " UUID1 " deleted\n");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv_test_qvirt(&out, &err, "--root", dir, "secret-get-value", UUID1, NULL), ==, 1);
    g_assert_nonnull(strstr(err, "no secret with matching uuid '" UUID1 "'"));
    qv_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/secret/xml/round-trip", test_xml_round_trip);
    g_test_add_func("/secret/xml/errors", test_xml_errors);
    g_test_add_func("/secret/store", test_store);
    g_test_add_func("/secret/private-ephemeral", test_private_ephemeral);
    g_test_add_func("/secret/api", test_api);
    g_test_add_func("/secret/disk-xml-libvirt-valid", test_disk_xml_libvirt_valid);
    g_test_add_func("/secret/cli", test_cli);
    rc = g_test_run();
    qv_test_libvirt_schemas_free();
    return rc;
}
