/*
 * test-api: the public library as a program outside qvirt uses it:
 * only <qvirt/qvirt.h>, linked against libqvirt.so (which exports the
 * qvirt_* calls and nothing else).  Argument checks that need no guest
 * (lookups, refused flag combinations, the copy destination XML), then
 * the life cycle of a real QEMU guest, and the error codes a caller acts
 * on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <qvirt/qvirt.h>

static char *root;

/* Assert a failure with @code, and clear it */
#define EXPECT_CODE(rc, err, code) \
    do { \
        g_assert_cmpint((rc), ==, -1); \
        g_assert_error((err), QVIRT_ERROR, (code)); \
        g_clear_error(&(err)); \
    } while (0)

static void
expect_error(int rc, GError **err, const char *want)
{
    g_assert_cmpint(rc, ==, -1);
    g_assert_nonnull(*err);
    if (!strstr((*err)->message, want))
        g_error("expected '%s' in: %s", want, (*err)->message);
    g_clear_error(err);
}

static void
test_api(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvirtConnect) conn = qvirt_connect_open(root, &err);
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *xml = NULL, *path = NULL, *cmd = NULL;

    g_assert_no_error(err);
    g_assert_null(qvirt_domain_lookup(conn, "nosuch", &err));
    g_assert_nonnull(strstr(err->message, "nosuch"));
    g_clear_error(&err);

    path = g_build_filename(root, "vm.xml", NULL);
    xml = g_strdup("<domain type='qemu'><name>vm</name><memory unit='MiB'>64</memory><devices/></domain>");
    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
    cmd = g_strdup_printf("'%s' --root '%s' define '%s' >/dev/null", g_getenv("QVIRT_BIN"), root, path);
    g_assert_cmpint(system(cmd), ==, 0);
    g_assert_nonnull((dom = qvirt_domain_lookup(conn, "vm", &err)));
    g_assert_cmpstr(qvirt_domain_get_name(dom), ==, "vm");

    expect_error(qvirt_domain_block_rebase(dom, "vda", NULL, 0, QVIRT_DOMAIN_BLOCK_REBASE_REUSE_EXT, &err),
                 &err, "requires a copy job");
    expect_error(qvirt_domain_block_rebase(dom, "vda", "relative.qcow2", 0, QVIRT_DOMAIN_BLOCK_REBASE_COPY, &err),
                 &err, "absolute path");
    expect_error(qvirt_domain_block_copy(dom, "vda", "<disk type='file'><source file='x'/></disk>", NULL, 0, 0, &err),
                 &err, "<source file='/absolute/path'/>");
    expect_error(qvirt_domain_block_copy(dom, "vda", "<disk", NULL, 0, 0, &err), &err, "XML error");
    {
        QvirtTypedParameter p = { QVIRT_DOMAIN_BLOCK_COPY_GRANULARITY, 1000 };

        expect_error(qvirt_domain_block_copy(dom, "vda", "<disk type='file'><source file='/x'/></disk>", &p, 1, 0, &err),
                     &err, "power of two");
    }
    expect_error(qvirt_domain_block_commit(dom, "vda", NULL, NULL, 0, 1u << 12, &err), &err, "unsupported flags");
    expect_error(qvirt_domain_snapshot_create_xml(dom, "<domainsnapshot/>", 0, &err), &err, "disk-only");
    /* the guest is not running: said so */
    expect_error(qvirt_domain_block_job_abort(dom, "vda", 0, &err), &err, "is not running");
}

static void
run_qemu_img(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5,
             const char *a6)
{
    const char *argv[] = { "qemu-img", a1, a2, a3, a4, a5, a6, NULL };
    g_autofree char *err = NULL;
    int status = -1;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, NULL));
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("qemu-img %s failed: %s", a1, err);
}

/* A qcow2 image holding 32 MiB of data, so that a throttled copy lasts:
 * a mirror's first pass copies up to its buffer (16 MiB) at once */
#define DATA_SIZE (32 << 20)
static char *
image_with_data(const char *name)
{
    g_autofree char *raw = g_build_filename(root, "data.raw", NULL);
    g_autofree char *data = g_malloc(DATA_SIZE);
    char *path = g_build_filename(root, name, NULL);

    memset(data, 0x5a, DATA_SIZE);
    g_assert_true(g_file_set_contents(raw, data, DATA_SIZE, NULL));
    run_qemu_img("convert", "-q", "-O", "qcow2", raw, path);
    return path;
}

static void
assert_state(QvirtDomain *dom, int want, int want_reason)
{
    g_autoptr(GError) err = NULL;
    int state = -1, reason = -1;

    g_assert_cmpint(qvirt_domain_get_state(dom, &state, &reason, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(state, ==, want);
    g_assert_cmpint(reason, ==, want_reason);
}

static int
count(QvirtConnect *conn, unsigned int flags)
{
    g_autoptr(GError) err = NULL;
    QvirtDomain **doms = NULL;
    int n = qvirt_connect_list_all_domains(conn, &doms, flags, &err);

    g_assert_no_error(err);
    g_assert_cmpint(n, >=, 0);
    g_assert_null(doms[n]);
    for (int i = 0; i < n; i++)
        qvirt_domain_free(doms[i]);
    g_free(doms);
    return n;
}

/* Define, look up, list, start paused, state, suspend, resume, XML,
 * sizes, QMP, a busy disk, a timed-out wait, destroy, undefine */
static void
test_lifecycle(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvirtConnect) conn = qvirt_connect_open(root, &err);
    g_autoptr(QvirtDomain) dom = NULL;
    g_autoptr(QvirtDomain) again = NULL;
    g_autofree char *disk = image_with_data("life.qcow2");
    g_autofree char *copy = g_build_filename(root, "copy.qcow2", NULL);
    g_autofree char *copy2 = g_build_filename(root, "copy2.qcow2", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>life</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk></devices></domain>", disk);
    g_autofree char *dest = g_strdup_printf("<disk type='file'><source file='%s'/></disk>", copy);
    g_autofree char *dest2 = g_strdup_printf("<disk type='file'><source file='%s'/></disk>", copy2);
    g_autofree char *desc = NULL, *reply = NULL, *uuid = NULL;
    QvirtTypedParameter slow = { QVIRT_DOMAIN_BLOCK_COPY_BANDWIDTH, 1024 };
    QvirtDomainBlockInfo bi;
    QvirtDomainInfo info;
    int n0 = count(conn, 0);

    g_assert_no_error(err);
    /* malformed XML, an unknown domain */
    g_assert_null(qvirt_domain_define_xml(conn, "<domain", QVIRT_DOMAIN_DEFINE_VALIDATE, &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_XML);
    g_clear_error(&err);
    g_assert_null(qvirt_domain_lookup_by_name(conn, "life", &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_NO_DOMAIN);
    g_clear_error(&err);
    g_assert_null(qvirt_domain_lookup_by_uuid(conn, "c7a5fdbd-cdaf-9455-926a-d65c16db1809", &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_NO_DOMAIN);
    g_clear_error(&err);
    /* define applies the QEMU rules start would (qvirt_connect_open sets them) */
    {
        g_autofree char *usb = g_strdup_printf(
            "<domain type='qemu'><name>usb</name><memory unit='MiB'>64</memory>"
            "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
            "<disk type='file' device='cdrom'><driver name='qemu' type='qcow2'/>"
            "<source file='%s'/><target dev='sda' bus='usb'/></disk></devices></domain>", disk);

        g_assert_null(qvirt_domain_define_xml(conn, usb, 0, &err));
        g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_UNSUPPORTED);
        g_assert_cmpstr(err->message, ==, "disk 'sda': device 'cdrom' on bus 'usb' is not supported");
        g_clear_error(&err);
    }
    g_assert_cmpstr(qvirt_error_code_to_string(QVIRT_ERR_NO_DOMAIN), ==, "no-domain");
    g_assert_null(qvirt_error_code_to_string(QVIRT_ERR_LAST));

    /* defined: found by name and by uuid, listed as inactive */
    dom = qvirt_domain_define_xml(conn, xml, QVIRT_DOMAIN_DEFINE_VALIDATE, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(qvirt_domain_get_name(dom), ==, "life");
    uuid = g_strdup(qvirt_domain_get_uuid_string(dom));
    g_assert_cmpuint(strlen(uuid), ==, 36);
    again = qvirt_domain_lookup_by_uuid(conn, uuid, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(qvirt_domain_get_name(again), ==, "life");
    g_clear_pointer(&again, qvirt_domain_free);
    g_assert_null(qvirt_domain_lookup_by_name(conn, uuid, &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_NO_DOMAIN);
    g_clear_error(&err);
    g_assert_cmpint(count(conn, 0), ==, n0 + 1);
    g_assert_cmpint(count(conn, QVIRT_CONNECT_LIST_DOMAINS_ACTIVE), ==, 0);
    g_assert_cmpint(count(conn, QVIRT_CONNECT_LIST_DOMAINS_INACTIVE | QVIRT_CONNECT_LIST_DOMAINS_PERSISTENT), ==, n0 + 1);
    g_assert_cmpint(count(conn, QVIRT_CONNECT_LIST_DOMAINS_TRANSIENT), ==, 0);
    assert_state(dom, QVIRT_DOMAIN_SHUTOFF, QVIRT_DOMAIN_SHUTOFF_UNKNOWN);
    g_assert_cmpuint(qvirt_domain_get_id(dom), ==, (unsigned int)-1);
    g_assert_cmpint(qvirt_domain_get_info(dom, &info, &err), ==, 0);
    g_assert_cmpuint(info.max_mem, ==, 64 * 1024);
    g_assert_cmpuint(info.nr_virt_cpu, ==, 1);
    g_assert_cmpint(info.state, ==, QVIRT_DOMAIN_SHUTOFF);

    /* what needs a running domain says it is not */
    EXPECT_CODE(qvirt_domain_destroy(dom, &err), err, QVIRT_ERR_OPERATION_INVALID);
    EXPECT_CODE(qvirt_domain_suspend(dom, &err), err, QVIRT_ERR_OPERATION_INVALID);
    EXPECT_CODE(qvirt_domain_create_with_flags(dom, 1u << 8, &err), err, QVIRT_ERR_INVALID_ARG);

    /* started paused, then resumed and suspended */
    g_assert_cmpint(qvirt_domain_create_with_flags(dom, QVIRT_DOMAIN_START_PAUSED, &err), ==, 0);
    g_assert_no_error(err);
    assert_state(dom, QVIRT_DOMAIN_PAUSED, QVIRT_DOMAIN_PAUSED_USER);
    g_assert_cmpuint(qvirt_domain_get_id(dom), !=, (unsigned int)-1);
    EXPECT_CODE(qvirt_domain_create(dom, &err), err, QVIRT_ERR_OPERATION_INVALID);
    g_assert_cmpint(count(conn, QVIRT_CONNECT_LIST_DOMAINS_PAUSED), ==, 1);
    g_assert_cmpint(count(conn, QVIRT_CONNECT_LIST_DOMAINS_RUNNING), ==, 0);
    g_assert_cmpint(qvirt_domain_resume(dom, &err), ==, 0);
    assert_state(dom, QVIRT_DOMAIN_RUNNING, QVIRT_DOMAIN_RUNNING_UNPAUSED);
    g_assert_cmpint(qvirt_domain_suspend(dom, &err), ==, 0);
    assert_state(dom, QVIRT_DOMAIN_PAUSED, QVIRT_DOMAIN_PAUSED_USER);
    g_assert_cmpint(qvirt_domain_resume(dom, &err), ==, 0);
    g_assert_no_error(err);

    /* the live XML shows what runs, the inactive one what was defined */
    desc = qvirt_domain_get_xml_desc(dom, 0, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(desc, "<alias name="));
    g_clear_pointer(&desc, g_free);
    desc = qvirt_domain_get_xml_desc(dom, QVIRT_DOMAIN_XML_INACTIVE | QVIRT_DOMAIN_XML_FLAT_CHAINS, &err);
    g_assert_no_error(err);
    g_assert_null(strstr(desc, "<alias name="));
    g_assert_nonnull(strstr(desc, "<backingChain"));

    g_assert_cmpint(qvirt_domain_get_block_info(dom, "vda", &bi, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(bi.capacity, ==, DATA_SIZE);
    g_assert_cmpint(qvirt_domain_qemu_monitor_command(dom, "{\"execute\":\"query-status\"}", &reply, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(reply, "\"return\""));
    g_assert_nonnull(strstr(reply, "\"running\""));
    g_clear_pointer(&reply, g_free);
    EXPECT_CODE(qvirt_domain_qemu_monitor_command(dom, "{}", &reply, 0, &err), err, QVIRT_ERR_INVALID_ARG);

    /* a throttled copy: the disk is busy, and a short wait times out */
    g_assert_cmpint(qvirt_domain_block_copy(dom, "vda", dest, &slow, 1, 0, &err), ==, 0);
    g_assert_no_error(err);
    EXPECT_CODE(qvirt_domain_block_copy(dom, "vda", dest2, NULL, 0, 0, &err), err, QVIRT_ERR_BUSY);
    EXPECT_CODE(qvirt_domain_block_job_wait(dom, "vda", 200, &err), err, QVIRT_ERR_TIMEOUT);
    EXPECT_CODE(qvirt_domain_block_job_abort(dom, "vda", QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT, &err), err,
                QVIRT_ERR_OPERATION_INVALID);
    g_assert_cmpint(qvirt_domain_block_job_abort(dom, "vda", 0, &err), ==, 0);
    g_assert_no_error(err);
    EXPECT_CODE(qvirt_domain_block_job_abort(dom, "vda", 0, &err), err, QVIRT_ERR_OPERATION_INVALID);

    /* destroyed, then undefined */
    g_assert_cmpint(qvirt_domain_destroy_flags(dom, 0, &err), ==, 0);
    g_assert_no_error(err);
    assert_state(dom, QVIRT_DOMAIN_SHUTOFF, QVIRT_DOMAIN_SHUTOFF_DESTROYED);
    g_assert_cmpuint(qvirt_domain_get_id(dom), ==, (unsigned int)-1);
    g_assert_cmpint(qvirt_domain_undefine(dom, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_null(qvirt_domain_lookup(conn, "life", &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_NO_DOMAIN);
    g_clear_error(&err);
    EXPECT_CODE(qvirt_domain_undefine(dom, &err), err, QVIRT_ERR_NO_DOMAIN);
    g_assert_cmpint(count(conn, 0), ==, n0);
}

/* The chain reader the qvirt executable uses for `qvirt chain` */
static void
test_chain(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *base = image_with_data("cbase.qcow2");
    g_autofree char *top = g_build_filename(root, "ctop.qcow2", NULL);
    g_autoptr(QvirtChain) chain = NULL;
    g_autofree char *json = NULL, *flat = NULL, *text = NULL;

    {
        const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, top, NULL };

        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   NULL, NULL, NULL, NULL));
    }
    g_assert_null(qvirt_chain_open(top, "nosuch", 0, &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG);
    g_clear_error(&err);
    chain = qvirt_chain_open(top, "qcow2", 0, &err);
    g_assert_no_error(err);
    json = qvirt_chain_format(chain, QVIRT_CHAIN_FORMAT_JSON, 0, &err);
    g_assert_nonnull(strstr(json, "\"elements\""));
    g_assert_nonnull(strstr(json, "cbase.qcow2"));
    flat = qvirt_chain_format(chain, QVIRT_CHAIN_FORMAT_XML, QVIRT_CHAIN_FORMAT_FLAT, &err);
    g_assert_nonnull(strstr(flat, "parent='0'"));
    text = qvirt_chain_format(chain, QVIRT_CHAIN_FORMAT_TEXT, 0, &err);
    g_assert_true(g_str_has_prefix(text, "[0] "));
    g_assert_null(qvirt_chain_format(chain, 42, 0, &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG);
}

int
main(int argc, char **argv)
{
    char tmpl[] = "/tmp/qvirt-api-XXXXXX";
    int ret;

    g_test_init(&argc, &argv, NULL);
    /* 0755: QEMU runs as its own user and must reach the images */
    root = g_mkdtemp_full(tmpl, 0755);
    g_test_add_func("/api/checks", test_api);
    g_test_add_func("/api/lifecycle", test_lifecycle);
    g_test_add_func("/api/chain", test_chain);
    ret = g_test_run();
    {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);

        if (system(cmd) != 0)
            ret = 1;
    }
    return ret;
}
