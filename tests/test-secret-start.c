/*
 * test-secret-start: encrypted disks in a real QEMU (started -S, no guest
 * OS).  A LUKS image and a qcow2 with LUKS encryption, made by qemu-img
 * with a pattern written by qemu-io, start from secrets of the store and
 * read back the pattern through the guest's devices (HMP qemu-io); chain
 * probing says they are encrypted; QEMU's command line, its log and
 * every file qvirt wrote outside the secret store hold no passphrase;
 * the master key is a private file that goes with the guest; the secret
 * objects fit QEMU's own QMP schema; a wrong passphrase and a missing
 * secret are refused with messages naming the disk and the secret.
 */
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "qemu/qv-qapi.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "qv-test-util.h"

#define LUKS_UUID "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
#define QCOW_UUID "b7a0e3c4-1f2d-4e5a-9b6c-7d8e9f0a1b2c"
#define LUKS_PASS "correct horse battery"
#define QCOW_PASS "staple-qcow2-luks"

static char *dir;
static char *root;

static char *
P(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

/* qvirt --root ROOT ARGS...: must succeed; its stdout */
static char *
ok(const char *first, ...)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *a;
    va_list ap;

    g_ptr_array_add(args, (char *)"--root");
    g_ptr_array_add(args, root);
    va_start(ap, first);
    for (a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(args, (char *)a);
    va_end(ap);
    g_ptr_array_add(args, NULL);
    if (qv_test_qvirtv(&out, &err, (const char *const *)args->pdata) != 0)
        g_error("qvirt %s failed: %s", first, err);
    return g_steal_pointer(&out);
}

/* qvirt --root ROOT ARGS... must fail; its stderr */
static char *
fails(const char *first, ...)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_autofree char *err = NULL;
    const char *a;
    va_list ap;

    g_ptr_array_add(args, (char *)"--root");
    g_ptr_array_add(args, root);
    va_start(ap, first);
    for (a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(args, (char *)a);
    va_end(ap);
    g_ptr_array_add(args, NULL);
    g_assert_cmpint(qv_test_qvirtv(NULL, &err, (const char *const *)args->pdata), !=, 0);
    return g_steal_pointer(&err);
}

static void
write_file(const char *name, const char *text)
{
    g_autofree char *path = P(name);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/*
 * qemu-img create of an encrypted image.  Making a LUKS header runs
 * QEMU's PBKDF benchmark, which on a loaded host sometimes measures 0 ms
 * of CPU time and gives up ("Unable to get accurate CPU usage"): that
 * one failure is retried, any other fails the test.
 */
static void
create_encrypted(const char *const *argv)
{
    for (int attempt = 0;; attempt++) {
        g_autofree char *err = NULL;

        if (qv_test_run(argv, NULL, &err) == 0)
            return;
        if (!strstr(err, "Unable to get accurate CPU usage") || attempt == 20)
            g_error("qemu-img create failed: %s", err);
    }
}

/* Images: the passphrases reach qemu-img and qemu-io from files */
static void
make_images(void)
{
    g_autofree char *luks = P("luks.img");
    g_autofree char *qcow = P("enc.qcow2");
    g_autofree char *o1 = NULL, *o2 = NULL, *i1 = NULL, *i2 = NULL;
    g_autofree char *lp = P("luks.pass");
    g_autofree char *qp = P("qcow.pass");

    write_file("luks.pass", LUKS_PASS);
    write_file("qcow.pass", QCOW_PASS);
    o1 = g_strdup_printf("secret,id=s0,file=%s", lp);
    o2 = g_strdup_printf("secret,id=s0,file=%s", qp);
    {
        const char *c1[] = { "qemu-img", "create", "-q", "--object", o1, "-f", "luks", "-o", "key-secret=s0",
                             luks, "8M", NULL };
        const char *c2[] = { "qemu-img", "create", "-q", "--object", o2, "-f", "qcow2", "-o",
                             "encrypt.format=luks,encrypt.key-secret=s0", qcow, "8M", NULL };

        create_encrypted(c1);
        create_encrypted(c2);
    }
    i1 = g_strdup_printf("driver=luks,key-secret=s0,file.filename=%s", luks);
    i2 = g_strdup_printf("driver=qcow2,encrypt.key-secret=s0,file.filename=%s", qcow);
    {
        const char *w1[] = { "qemu-io", "--object", o1, "--image-opts", i1, "-c", "write -P 0x5a 0 64k", NULL };
        const char *w2[] = { "qemu-io", "--object", o2, "--image-opts", i2, "-c", "write -P 0xa5 64k 64k", NULL };

        g_assert_cmpint(qv_test_run(w1, NULL, NULL), ==, 0);
        g_assert_cmpint(qv_test_run(w2, NULL, NULL), ==, 0);
    }
}

static const char domain_xml[] =
    "<domain type='qemu'>\n"
    "  <name>enc</name>\n"
    "  <memory unit='MiB'>128</memory>\n"
    "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source file='@DIR@/luks.img'>\n"
    "        <encryption format='luks'><secret type='passphrase' uuid='" LUKS_UUID "'/></encryption>\n"
    "      </source>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='@DIR@/enc.qcow2'/>\n"
    "      <target dev='vdb' bus='virtio'/>\n"
    "      <encryption format='luks'><secret type='passphrase' usage='@DIR@/enc.qcow2'/></encryption>\n"
    "    </disk>\n"
    "  </devices>\n"
    "</domain>\n";

static void
define_all(void)
{
    g_autofree char *xml = qv_test_replace(domain_xml, "@DIR@", dir);
    g_autofree char *s2 = g_strdup_printf("<secret><uuid>" QCOW_UUID "</uuid><usage type='volume'>"
                                          "<volume>%s/enc.qcow2</volume></usage></secret>", dir);
    g_autofree char *sp1 = P("s1.xml"), *sp2 = P("s2.xml"), *dp = P("dom.xml");
    g_autofree char *lp = P("luks.pass"), *qp = P("qcow.pass");

    write_file("s1.xml", "<secret private='yes'><uuid>" LUKS_UUID "</uuid><description>the LUKS disk</description></secret>");
    write_file("s2.xml", s2);
    write_file("dom.xml", xml);
    g_free(ok("secret-define", sp1, NULL));
    g_free(ok("secret-define", sp2, NULL));
    g_free(ok("secret-set-value", LUKS_UUID, "--file", lp, "--plain", NULL));
    g_free(ok("secret-set-value", QCOW_UUID, "--file", qp, "--plain", NULL));
    g_free(ok("define", dp, NULL));
}

static char *
state_file(const char *suffix)
{
    g_autofree char *base = g_strconcat("enc", suffix, NULL);

    return g_build_filename(root, "var", "lib", base, NULL);
}

static char *
qemu_cmdline(void)
{
    g_autofree char *rt = state_file(".runtime.json");
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    g_autoptr(json_object) obj = NULL;
    json_object *pid = NULL;
    char *cmd = NULL;
    gsize len = 0;

    g_assert_true(g_file_get_contents(rt, &text, NULL, NULL));
    obj = json_tokener_parse(text);
    g_assert_true(json_object_object_get_ex(obj, "qemu_pid", &pid));
    path = g_strdup_printf("/proc/%d/cmdline", json_object_get_int(pid));
    g_assert_true(g_file_get_contents(path, &cmd, &len, NULL));
    for (gsize i = 0; i + 1 < len; i++) {
        if (cmd[i] == '\0')
            cmd[i] = '\n';
    }
    return cmd;
}

/* The guest reads @pattern at @offset of disk @n: through its device */
static void
guest_read(int n, const char *pattern, const char *offset)
{
    g_autofree char *line = g_strdup_printf(
        "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":"
        "\"qemu-io -d /machine/peripheral/virtio-disk%d/virtio-backend \\\"read -P %s %s 64k\\\"\"}}",
        n, pattern, offset);
    g_autofree char *out = ok("qemu-monitor-command", "enc", line, NULL);

    g_assert_cmpstr(g_strstrip(out), ==, "{\"return\":\"\"}");
}

/* Each -object of QEMU's command line fits object-add in QEMU's own schema */
static void
check_objects_schema(const char *cmdline)
{
    g_autofree char *out = ok("qemu-monitor-command", "enc", "{\"execute\":\"query-qmp-schema\"}", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) reply = qv_json_parse_object(out, &err);
    g_auto(GStrv) args = g_strsplit(cmdline, "\n", -1);
    json_object *ret = NULL;
    g_autoptr(QvQapiSchema) schema = NULL;
    unsigned int nobjects = 0;

    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(reply, "return", &ret));
    schema = qv_qapi_schema_new(ret, &err);
    g_assert_no_error(err);
    for (size_t i = 0; args[i] && args[i + 1]; i++) {
        g_autoptr(json_object) obj = NULL;

        if (strcmp(args[i], "-object") != 0)
            continue;
        obj = qv_json_parse_object(args[i + 1], &err);
        g_assert_no_error(err);
        if (!qv_qapi_validate_command_args(schema, "object-add", obj, &err))
            g_error("%s: %s", args[i + 1], err->message);
        nobjects++;
    }
    g_assert_cmpuint(nobjects, ==, 3);
}

static void
assert_no_passphrase(const char *what, const char *text)
{
    if (strstr(text, LUKS_PASS) || strstr(text, QCOW_PASS))
        g_error("%s holds a passphrase:\n%s", what, text);
}

/* Every file under @path (the store's folder aside) */
static void
scan_files(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *n;

    if (!d)
        return;
    while ((n = g_dir_read_name(d))) {
        g_autofree char *full = g_build_filename(path, n, NULL);
        g_autofree char *text = NULL;

        if (strcmp(n, "secrets") == 0)
            continue;
        if (g_file_test(full, G_FILE_TEST_IS_DIR))
            scan_files(full);
        else if (g_file_test(full, G_FILE_TEST_IS_REGULAR) &&
                 g_file_get_contents(full, &text, NULL, NULL))
            assert_no_passphrase(full, text);
    }
}

static void
test_start_read(void)
{
    g_autofree char *cmdline = NULL, *log = NULL, *chain = NULL, *key = NULL, *xml = NULL;
    g_autofree char *logpath = state_file(".log");
    g_autofree char *status = state_file(".status.xml");
    g_autofree char *keypath = state_file(".master-key.aes");
    g_autofree char *luks = P("luks.img"), *qcow = P("enc.qcow2");
    g_autofree char *err = NULL;
    gsize keylen = 0;
    struct stat st;

    g_free(ok("start", "enc", "--paused", NULL));
    cmdline = qemu_cmdline();
    assert_no_passphrase("QEMU's command line", cmdline);
    g_assert_nonnull(strstr(cmdline, "\"id\":\"masterKey0\",\"format\":\"raw\",\"file\":\""));
    g_assert_nonnull(strstr(cmdline, "\"id\":\"vda-f1-encryption-secret0\",\"data\":\""));
    g_assert_nonnull(strstr(cmdline, "\"keyid\":\"masterKey0\",\"iv\":\""));
    g_assert_nonnull(strstr(cmdline, "\"driver\":\"luks\",\"node-name\":\"vda-f1\""));
    g_assert_nonnull(strstr(cmdline, "\"encrypt\":{\"format\":\"luks\",\"key-secret\":\"vdb-f2-encryption-secret0\"}"));
    check_objects_schema(cmdline);

    /* the master key: 32 bytes only its owner reads */
    g_assert_cmpint(stat(keypath, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_assert_true(g_file_get_contents(keypath, &key, &keylen, NULL));
    g_assert_cmpuint(keylen, ==, 32);

    guest_read(0, "0x5a", "0");
    guest_read(1, "0xa5", "64k");
    guest_read(1, "0x11", "0");      /* a pattern that is not there fails */
    g_assert_true(g_file_get_contents(logpath, &log, NULL, NULL));
    g_assert_nonnull(strstr(log, "read 65536/65536 bytes at offset 0\n"));
    g_assert_nonnull(strstr(log, "read 65536/65536 bytes at offset 65536\n"));
    /* the third read only: the pattern written before matched */
    g_assert_nonnull(strstr(log, "Pattern verification failed at offset 0, 65536 bytes\n"));
    g_assert_null(strstr(strstr(log, "Pattern verification failed") + 1, "Pattern verification failed"));
    assert_no_passphrase("QEMU's log", log);
    g_assert_true(g_file_get_contents(status, &xml, NULL, NULL));
    g_assert_nonnull(strstr(xml, "<secret type='passphrase' uuid='" LUKS_UUID "'/>"));
    assert_no_passphrase("the status XML", xml);

    scan_files(root);

    /* chain probing reads the encryption from the headers */
    chain = ok("chain", luks, NULL);
    g_assert_nonnull(strstr(chain, "encrypted:     luks"));
    g_free(chain);
    chain = ok("chain", qcow, NULL);
    g_assert_nonnull(strstr(chain, "format:        qcow2"));
    g_assert_nonnull(strstr(chain, "encrypted:     luks"));

    /* the LUKS secret is private: its value is QEMU's only */
    err = fails("secret-get-value", LUKS_UUID, NULL);
    g_assert_nonnull(strstr(err, "secret " LUKS_UUID " is private"));

    g_free(ok("destroy", "enc", NULL));
    g_assert_false(g_file_test(keypath, G_FILE_TEST_EXISTS));
}

static void
test_wrong_passphrase(void)
{
    g_autofree char *wrong = P("wrong.pass");
    g_autofree char *err = NULL;
    g_autofree char *lp = P("luks.pass");
    g_autofree char *logpath = state_file(".log");
    g_autofree char *log = NULL;
    g_autofree char *want = g_strdup_printf(
        "qvirt: error: domain 'enc': disk 'vda': the passphrase of the secret with uuid '" LUKS_UUID
        "' does not unlock '%s/luks.img' (QEMU: Invalid password, cannot unlock any keyslot); set the right one with secret-set-value\n",
        dir);

    write_file("wrong.pass", "not the passphrase");
    g_free(ok("secret-set-value", LUKS_UUID, "--file", wrong, "--plain", NULL));
    err = fails("start", "enc", "--paused", NULL);
    g_assert_cmpstr(err, ==, want);
    g_assert_true(g_file_get_contents(logpath, &log, NULL, NULL));
    g_assert_null(strstr(log, "not the passphrase"));
    g_free(ok("secret-set-value", LUKS_UUID, "--file", lp, "--plain", NULL));
}

static void
test_missing_secret(void)
{
    g_autofree char *err = NULL;
    g_autofree char *want = g_strdup_printf(
        "qvirt: error: disk 'vdb': the encryption secret of '%s/enc.qcow2' (usage '%s/enc.qcow2') is not usable: "
        "no secret with matching usage '%s/enc.qcow2' of type 'volume' (see secret-list; secret-define creates one)\n",
        dir, dir, dir);
    g_autofree char *want2 = g_strdup_printf(
        "qvirt: error: disk 'vda': the encryption secret of '%s/luks.img' (uuid '" LUKS_UUID "') is not usable: "
        "secret '" LUKS_UUID "' does not have a value (set one with secret-set-value)\n", dir);
    g_autofree char *sp1 = P("s1.xml");
    g_autofree char *lp = P("luks.pass");
    g_autofree char *keypath = state_file(".master-key.aes");

    g_free(ok("secret-undefine", QCOW_UUID, NULL));
    err = fails("start", "enc", "--paused", NULL);
    g_assert_cmpstr(err, ==, want);
    g_free(err);
    /* a secret with no value: the same, before QEMU runs */
    g_free(ok("secret-undefine", LUKS_UUID, NULL));
    g_free(ok("secret-define", sp1, NULL));
    err = fails("start", "enc", "--paused", NULL);
    g_assert_cmpstr(err, ==, want2);
    g_assert_false(g_file_test(keypath, G_FILE_TEST_EXISTS));
    g_free(ok("secret-set-value", LUKS_UUID, "--file", lp, "--plain", NULL));
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids of QEMU's user-created objects, newline-joined and sorted */
static char *
qemu_objects(void)
{
    g_autofree char *out = ok("qemu-monitor-command", "enc",
                              "{\"execute\":\"qom-list\",\"arguments\":{\"path\":\"/objects\"}}", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) reply = qv_json_parse_object(out, &err);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    json_object *ret = NULL;

    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(reply, "return", &ret));
    for (size_t i = 0; i < json_object_array_length(ret); i++) {
        json_object *o = json_object_array_get_idx(ret, i), *name = NULL, *type = NULL;

        json_object_object_get_ex(o, "name", &name);
        json_object_object_get_ex(o, "type", &type);
        if (g_str_has_prefix(json_object_get_string(type), "child<secret"))
            g_ptr_array_add(names, (char *)json_object_get_string(name));
    }
    g_ptr_array_sort(names, cmp_names);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

/* An encrypted disk plugged in gets its secret object before its nodes,
 * and loses it after they are gone */
static void
test_hotplug(void)
{
    g_autofree char *img = P("hot.img");
    g_autofree char *lp = P("luks.pass");
    g_autofree char *sx = g_strdup_printf("<secret><uuid>c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f</uuid>"
                                          "<usage type='volume'><volume>%s</volume></usage></secret>", img);
    g_autofree char *dx = g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                                          "<source file='%s'><encryption format='luks'>"
                                          "<secret type='passphrase' usage='%s'/></encryption></source>"
                                          "<target dev='vdc' bus='virtio'/></disk>", img, img);
    g_autofree char *sp = P("s3.xml"), *dp = P("hot.xml"), *luks = P("luks.img");
    g_autofree char *objs = NULL, *log = NULL, *logpath = state_file(".log");
    g_autofree char *data = NULL;
    gsize len = 0;
    int tries;

    g_assert_true(g_file_get_contents(luks, &data, &len, NULL));
    g_assert_true(g_file_set_contents(img, data, (gssize)len, NULL));
    write_file("s3.xml", sx);
    write_file("hot.xml", dx);
    g_free(ok("secret-define", sp, NULL));
    g_free(ok("secret-set-value", "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f", "--file", lp, "--plain", NULL));
    g_free(ok("start", "enc", "--paused", NULL));
    g_free(ok("attach-device", "enc", dp, "--live", NULL));
    objs = qemu_objects();
    g_assert_cmpstr(objs, ==, "masterKey0 vda-f1-encryption-secret0 vdb-f2-encryption-secret0 vdc-f3-encryption-secret0");
    guest_read(2, "0x5a", "0");
    g_assert_true(g_file_get_contents(logpath, &log, NULL, NULL));
    g_assert_null(strstr(log, "Pattern verification failed"));
    g_free(ok("detach-device", "enc", dp, "--live", NULL));
    /* the unplug ends when QEMU says the device is gone: wait for that, not for a time */
    for (tries = 0; tries < 600; tries++) {
        g_free(objs);
        objs = qemu_objects();
        if (!strstr(objs, "vdc-"))
            break;
        g_usleep(100 * 1000);
    }
    g_assert_cmpstr(objs, ==, "masterKey0 vda-f1-encryption-secret0 vdb-f2-encryption-secret0");
    g_free(ok("destroy", "enc", NULL));
}

/* A backing image that is encrypted, found by reading the chain at start
 * and given no <encryption>: refused before QEMU runs, naming it */
static void
test_encrypted_backing_undeclared(void)
{
    g_autofree char *top = P("top.qcow2");
    g_autofree char *base = P("enc.qcow2");
    g_autofree char *xml = g_strdup_printf("<domain type='qemu'><name>bk</name><memory unit='MiB'>128</memory>"
                                           "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                                           "<source file='%s'/><target dev='vda' bus='virtio'/></disk></devices></domain>",
                                           top);
    g_autofree char *dp = P("bk.xml");
    g_autofree char *err = NULL;
    g_autofree char *want = g_strdup_printf(
        "qvirt: error: disk 'vda': '%s' is encrypted (luks) but the definition gives no <encryption> for it; "
        "add <encryption format='luks'><secret type='passphrase' uuid='...'/></encryption> to its <source> "
        "(in a <backingStore> for a backing image)\n", base);

    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", base, "-F", "qcow2", top, "8M", NULL);
    write_file("bk.xml", xml);
    g_free(ok("define", dp, NULL));
    err = fails("start", "bk", "--paused", NULL);
    g_assert_cmpstr(err, ==, want);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    dir = qv_test_mkdtemp();
    root = g_build_filename(dir, "root", NULL);
    make_images();
    define_all();
    g_test_add_func("/secret-start/start-read", test_start_read);
    g_test_add_func("/secret-start/hotplug", test_hotplug);
    g_test_add_func("/secret-start/wrong-passphrase", test_wrong_passphrase);
    g_test_add_func("/secret-start/missing-secret", test_missing_secret);
    g_test_add_func("/secret-start/encrypted-backing-undeclared", test_encrypted_backing_undeclared);
    rc = g_test_run();
    qv_test_rmtree(dir);
    g_free(dir);
    g_free(root);
    return rc;
}
