/*
 * test-graph: the check that QEMU's block graph is the one the command
 * line describes, on x-debug-query-block-graph answers: equal graphs
 * pass; a node QEMU opened on its own (a backing file the definition
 * did not name), a missing node, and a link to the wrong backing are
 * each reported by name.
 */
#include <stdlib.h>
#include <string.h>

#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

/* -blockdev arguments: base <- top, each a format and a protocol node */
static GPtrArray *
argv_chain(void)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    const char *const nodes[] = {
        "{\"driver\":\"file\",\"filename\":\"/i/base.qcow2\",\"node-name\":\"vda-s2\"}",
        "{\"driver\":\"qcow2\",\"node-name\":\"vda-f2\",\"file\":\"vda-s2\",\"backing\":null}",
        "{\"driver\":\"file\",\"filename\":\"/i/top.qcow2\",\"node-name\":\"vda-s1\"}",
        "{\"driver\":\"qcow2\",\"node-name\":\"vda-f1\",\"file\":\"vda-s1\",\"backing\":\"vda-f2\"}",
    };

    g_ptr_array_add(argv, g_strdup("qemu-system-x86_64"));
    for (size_t i = 0; i < G_N_ELEMENTS(nodes); i++) {
        g_ptr_array_add(argv, g_strdup("-blockdev"));
        g_ptr_array_add(argv, g_strdup(nodes[i]));
    }
    g_ptr_array_add(argv, g_strdup("-device"));
    g_ptr_array_add(argv, g_strdup("{\"driver\":\"virtio-blk-pci\",\"drive\":\"vda-f1\"}"));
    return argv;
}

/* An answer of QEMU's, built from "id:type:name" nodes and
 * "parent:child:role" edges */
static json_object *
reply(const char *const *nodes, const char *const *edges)
{
    json_object *r = json_object_new_object();
    json_object *ns = json_object_new_array(), *es = json_object_new_array();

    for (; *nodes; nodes++) {
        g_auto(GStrv) p = g_strsplit(*nodes, ":", 3);
        json_object *n = json_object_new_object();

        json_object_object_add(n, "id", json_object_new_int(atoi(p[0])));
        json_object_object_add(n, "type", json_object_new_string(p[1]));
        json_object_object_add(n, "name", json_object_new_string(p[2]));
        json_object_array_add(ns, n);
    }
    for (; *edges; edges++) {
        g_auto(GStrv) p = g_strsplit(*edges, ":", 3);
        json_object *e = json_object_new_object();

        json_object_object_add(e, "parent", json_object_new_int(atoi(p[0])));
        json_object_object_add(e, "child", json_object_new_int(atoi(p[1])));
        json_object_object_add(e, "name", json_object_new_string(p[2]));
        json_object_object_add(e, "perm", json_object_new_array());
        json_object_object_add(e, "shared-perm", json_object_new_array());
        json_object_array_add(es, e);
    }
    json_object_object_add(r, "nodes", ns);
    json_object_object_add(r, "edges", es);
    return r;
}

static void
check(const char *const *nodes, const char *const *edges, const char *want)
{
    g_autoptr(GPtrArray) argv = argv_chain();
    g_autoptr(json_object) r = reply(nodes, edges);
    g_autoptr(GError) err = NULL;
    bool ok = qv_sup_graph_check_reply("vm", argv, r, &err);

    if (!want) {
        g_assert_no_error(err);
        g_assert_true(ok);
        return;
    }
    g_assert_false(ok);
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, want);
}

static void
test_equal(void)
{
    const char *const nodes[] = { "1:block-backend:virtio-disk0", "2:block-driver:vda-f1",
                                  "3:block-driver:vda-s1", "4:block-driver:vda-f2",
                                  "5:block-driver:vda-s2", NULL };
    const char *const edges[] = { "1:2:root", "2:3:file", "2:4:backing", "4:5:file", NULL };

    check(nodes, edges, NULL);
}

static void
test_implicit_backing(void)
{
    /* QEMU opened a backing file of base on its own: an auto-named node */
    const char *const nodes[] = { "2:block-driver:vda-f1", "3:block-driver:vda-s1",
                                  "4:block-driver:vda-f2", "5:block-driver:vda-s2",
                                  "6:block-driver:#block123", "7:block-driver:#block456", NULL };
    const char *const edges[] = { "2:3:file", "2:4:backing", "4:5:file", "4:6:backing",
                                  "6:7:file", NULL };

    check(nodes, edges, "domain 'vm': QEMU's block graph differs from the definition: unexpected nodes '#block123', '#block456'; unexpected links '#block123 file #block456', 'vda-f2 backing #block123'");
}

static void
test_wrong_link(void)
{
    /* top's backing is missing and its file points at the base's file */
    const char *const nodes[] = { "2:block-driver:vda-f1", "3:block-driver:vda-s1",
                                  "4:block-driver:vda-f2", "5:block-driver:vda-s2", NULL };
    const char *const edges[] = { "2:5:file", "4:5:file", NULL };

    check(nodes, edges, "domain 'vm': QEMU's block graph differs from the definition: missing links 'vda-f1 backing vda-f2', 'vda-f1 file vda-s1'; unexpected links 'vda-f1 file vda-s2'");
}

static void
test_missing_node(void)
{
    const char *const nodes[] = { "2:block-driver:vda-f1", "3:block-driver:vda-s1", NULL };
    const char *const edges[] = { "2:3:file", NULL };

    check(nodes, edges, "domain 'vm': QEMU's block graph differs from the definition: missing nodes 'vda-f2', 'vda-s2'; missing links 'vda-f1 backing vda-f2', 'vda-f2 file vda-s2'");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/graph/equal", test_equal);
    g_test_add_func("/graph/implicit-backing", test_implicit_backing);
    g_test_add_func("/graph/wrong-link", test_wrong_link);
    g_test_add_func("/graph/missing-node", test_missing_node);
    return g_test_run();
}
