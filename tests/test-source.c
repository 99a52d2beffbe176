/*
 * test-source: the storage source model: copy equals original (checked
 * by comparison and by formatting both), every field takes part in the
 * comparison, deep chains and nested quorums survive copy and free.
 */
#include <string.h>

#include "storage/qv-chain.h"
#include "storage/qv-chain-json.h"
#include "conf/qv-source-xml.h"
#include "storage/qv-source.h"

static QvStorageSource *
make_file(const char *path, QvFormat fmt)
{
    QvStorageSource *s = qv_source_new(QV_STORAGE_FILE);

    s->path = g_strdup(path);
    s->format = fmt;
    s->capacity = 1 << 20;
    s->allocation = 4096;
    s->physical = 8192;
    s->sizes_known = true;
    s->backing_known = true;
    return s;
}

static QvStorageSource *
make_network(void)
{
    QvStorageSource *s = qv_source_new(QV_STORAGE_NETWORK);

    s->protocol = QV_PROTO_RBD;
    s->path = g_strdup("pool/image");
    s->snapshot = g_strdup("snap1");
    s->config = g_strdup("/etc/ceph/ceph.conf");
    s->user = g_strdup("admin");
    s->query = g_strdup("a=b");
    s->format = QV_FORMAT_RAW;
    qv_source_add_host(s, "mon1.example.org", 6789, QV_TRANSPORT_TCP, NULL);
    qv_source_add_host(s, "::1", 0, QV_TRANSPORT_TCP, NULL);
    qv_source_add_host(s, NULL, 0, QV_TRANSPORT_UNIX, "/run/x.sock");
    return s;
}

/* quorum(threshold 2) of: a chain of 3, a network disk, quorum(1) of 2 */
static QvStorageSource *
make_tree(void)
{
    QvStorageSource *q = qv_source_new(QV_STORAGE_QUORUM);
    QvStorageSource *inner = qv_source_new(QV_STORAGE_QUORUM);
    QvStorageSource *top = make_file("/i/top.qcow2", QV_FORMAT_QCOW2);
    QvStorageSource *mid = make_file("/i/mid.qcow2", QV_FORMAT_QCOW2);
    QvStorageSource *base = make_file("/i/base.img", QV_FORMAT_RAW);
    QvStorageSource *net = make_network();
    QvStorageSource *c1 = make_file("/i/c1.qcow2", QV_FORMAT_QCOW2);
    QvStorageSource *c2 = qv_source_new(QV_STORAGE_BLOCK);

    top->backing_name = g_strdup("mid.qcow2");
    top->backing_format = QV_FORMAT_QCOW2;
    top->data_file = g_strdup("data.raw");
    top->data_file_raw = true;
    top->encrypted = true;
    top->encryption = g_strdup("luks");
    top->format_version = 3;
    top->incompat_unknown = 1u << 9;
    top->dev = 42;
    top->ino = 4242;
    top->have_identity = true;
    mid->relpath = g_strdup("mid.qcow2");
    mid->readonly = true;
    mid->format_probed = true;
    c2->path = g_strdup("/dev/sdz");
    c2->format = QV_FORMAT_RAW;
    c2->index = 7;
    q->threshold = 2;
    inner->threshold = 1;

    qv_source_add_backing(mid, &base);
    qv_source_add_backing(top, &mid);
    qv_source_add_backing(inner, &c1);
    qv_source_add_backing(inner, &c2);
    qv_source_add_backing(q, &top);
    qv_source_add_backing(q, &net);
    qv_source_add_backing(q, &inner);
    return q;
}

static void
assert_same_output(const QvStorageSource *a, const QvStorageSource *b)
{
    g_autofree char *ja = qv_chain_format_json(a);
    g_autofree char *jb = qv_chain_format_json(b);
    g_autofree char *xa = qv_source_xml_format_disk(a);
    g_autofree char *xb = qv_source_xml_format_disk(b);
    g_autofree char *fa = qv_source_xml_format_flat(a);
    g_autofree char *fb = qv_source_xml_format_flat(b);

    g_assert_cmpstr(ja, ==, jb);
    g_assert_cmpstr(xa, ==, xb);
    g_assert_cmpstr(fa, ==, fb);
}

static void
test_copy_equal(void)
{
    g_autoptr(QvStorageSource) tree = make_tree();
    g_autoptr(QvStorageSource) copy = qv_source_copy(tree);

    g_assert_true(qv_source_equal(tree, copy));
    g_assert_true(tree != copy);
    g_assert_true(tree->backing[1]->hosts != copy->backing[1]->hosts);
    g_assert_cmpuint(qv_source_count(tree), ==, 8);
    g_assert_cmpuint(qv_source_count(copy), ==, 8);
    assert_same_output(tree, copy);
}

typedef void (*Mutator)(QvStorageSource *q);

static void mut_path(QvStorageSource *q) { g_free(q->backing[0]->backing[0]->path); q->backing[0]->backing[0]->path = g_strdup("/i/other"); }
static void mut_host_port(QvStorageSource *q) { q->backing[1]->hosts[0].port++; }
static void mut_host_sock(QvStorageSource *q) { g_free(q->backing[1]->hosts[2].socket); q->backing[1]->hosts[2].socket = NULL; }
static void mut_threshold(QvStorageSource *q) { q->backing[2]->threshold = 2; }
static void mut_deep_format(QvStorageSource *q) { q->backing[0]->backing[0]->backing[0]->format = QV_FORMAT_QCOW2; }
static void mut_relpath(QvStorageSource *q) { g_clear_pointer(&q->backing[0]->backing[0]->relpath, g_free); }
static void mut_snapshot(QvStorageSource *q) { g_clear_pointer(&q->backing[1]->snapshot, g_free); }
static void mut_backing_known(QvStorageSource *q) { q->backing[0]->backing_known = false; }
static void mut_incompat(QvStorageSource *q) { q->backing[0]->incompat_unknown = 0; }
static void mut_index(QvStorageSource *q) { q->backing[2]->backing[1]->index = 8; }
static void mut_extra_child(QvStorageSource *q)
{
    QvStorageSource *c = make_file("/i/extra", QV_FORMAT_RAW);

    qv_source_add_backing(q->backing[2], &c);
}

static void
test_every_field_compared(void)
{
    static const struct { const char *name; Mutator fn; } muts[] = {
        { "path", mut_path }, { "host port", mut_host_port },
        { "host socket", mut_host_sock }, { "threshold", mut_threshold },
        { "deep format", mut_deep_format }, { "relpath", mut_relpath },
        { "snapshot", mut_snapshot }, { "backing known", mut_backing_known },
        { "incompat", mut_incompat }, { "index", mut_index },
        { "extra child", mut_extra_child },
    };
    g_autoptr(QvStorageSource) tree = make_tree();

    for (size_t i = 0; i < G_N_ELEMENTS(muts); i++) {
        g_autoptr(QvStorageSource) copy = qv_source_copy(tree);

        muts[i].fn(copy);
        if (qv_source_equal(tree, copy))
            g_error("changing '%s' went unnoticed by qv_source_equal", muts[i].name);
    }
}

static void
count_visit(const QvStorageSource *src, size_t index, gssize parent,
            unsigned int depth, void *opaque)
{
    GString *s = opaque;

    g_string_append_printf(s, "%zu:%zd ", index, parent);
}

static void
test_foreach_order(void)
{
    g_autoptr(QvStorageSource) tree = make_tree();
    g_autoptr(GString) s = g_string_new(NULL);

    qv_chain_foreach(tree, count_visit, s);
    /* quorum 0; chain 1,2,3; network 4; inner quorum 5 with 6 and 7 */
    g_assert_cmpstr(s->str, ==, "0:-1 1:0 2:1 3:2 4:0 5:0 6:5 7:5 ");
}

static void
test_deep_chain(void)
{
    const size_t depth = 20000;
    g_autoptr(QvStorageSource) top = make_file("/d/0", QV_FORMAT_QCOW2);
    g_autoptr(QvStorageSource) copy = NULL;
    QvStorageSource *tail = top;

    for (size_t i = 1; i < depth; i++) {
        g_autofree char *p = g_strdup_printf("/d/%zu", i);
        QvStorageSource *next = make_file(p, QV_FORMAT_QCOW2);
        QvStorageSource *keep = next;

        qv_source_add_backing(tail, &next);
        tail = keep;
    }
    copy = qv_source_copy(top);
    g_assert_cmpuint(qv_source_count(copy), ==, depth);
    g_assert_true(qv_source_equal(top, copy));
    g_free(tail->path);
    tail->path = g_strdup("/d/changed");
    g_assert_false(qv_source_equal(top, copy));
}

static void
test_tables(void)
{
    for (int f = 0; f < QV_FORMAT_LAST; f++)
        g_assert_cmpint(qv_format_from_string(qv_format_to_string(f)), ==, f);
    for (int p = 0; p < QV_PROTO_LAST; p++)
        g_assert_cmpint(qv_protocol_from_string(qv_protocol_to_string(p)), ==, p);
    for (int t = 0; t < QV_STORAGE_LAST; t++)
        g_assert_cmpint(qv_storage_type_from_string(qv_storage_type_to_string(t)), ==, t);
    for (int t = 0; t < QV_TRANSPORT_LAST; t++)
        g_assert_cmpint(qv_transport_from_string(qv_transport_to_string(t)), ==, t);
    g_assert_cmpint(qv_format_from_string("qcow3"), ==, -1);
    g_assert_cmpint(qv_format_from_string(NULL), ==, -1);
    g_assert_null(qv_format_to_string(QV_FORMAT_LAST));
    g_assert_cmpuint(qv_protocol_default_port(QV_PROTO_NBD), ==, 10809);
}

static void
test_describe(void)
{
    g_autoptr(QvStorageSource) net = make_network();
    g_autofree char *d = qv_source_describe(net);

    g_assert_cmpstr(d, ==, "rbd://mon1.example.org:6789/pool/image@snap1?a=b");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/source/copy-equal", test_copy_equal);
    g_test_add_func("/source/every-field-compared", test_every_field_compared);
    g_test_add_func("/source/foreach-order", test_foreach_order);
    g_test_add_func("/source/deep-chain", test_deep_chain);
    g_test_add_func("/source/tables", test_tables);
    g_test_add_func("/source/describe", test_describe);
    return g_test_run();
}
