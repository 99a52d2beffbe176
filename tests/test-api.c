/*
 * test-api: the public library as a program outside qvirt uses it:
 * only <qvirt/qvirt.h>, linked against libqvirt.so (which exports the
 * qvirt_* calls and nothing else).  Argument checks that need no guest:
 * lookups, refused flag combinations, the copy destination XML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <qvirt/qvirt.h>

static char *root;

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

int
main(int argc, char **argv)
{
    char tmpl[] = "/tmp/qvirt-api-XXXXXX";
    int ret;

    g_test_init(&argc, &argv, NULL);
    root = g_mkdtemp(tmpl);
    g_test_add_func("/api/checks", test_api);
    ret = g_test_run();
    {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);

        if (system(cmd) != 0)
            ret = 1;
    }
    return ret;
}
