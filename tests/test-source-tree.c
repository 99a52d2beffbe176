/*
 * test-source-tree: walks, lookups and cuts over trees of storage
 * sources: the walk's order, indexes, parents and depths (a quorum with
 * a chained child and a nested quorum), its early stop, lookups by
 * index and by parent, chain membership and bottom, the cut a job makes
 * when layers leave a chain, and the backing strings written into
 * overlays.  A 100,000-deep chain is walked without recursion.
 */
#include "storage/qv-source-tree.h"

static QvStorageSource *
file(const char *path, unsigned int index)
{
    QvStorageSource *s = qv_source_new(QV_STORAGE_FILE);

    s->path = g_strdup(path);
    s->index = index;
    return s;
}

/* top(1) -> mid(2) -> base(3) */
static QvStorageSource *
chain3(void)
{
    QvStorageSource *top = file("/i/top", 1), *mid = file("/i/mid", 2), *base = file("/i/base", 3);

    qv_source_add_backing(mid, &base);
    qv_source_add_backing(top, &mid);
    return top;
}

/* quorum(1) of [a(2) -> a0(3), quorum(4) of [b(5), c(6)], d(7)] */
static QvStorageSource *
quorum_tree(void)
{
    QvStorageSource *q = qv_source_new(QV_STORAGE_QUORUM), *inner = qv_source_new(QV_STORAGE_QUORUM);
    QvStorageSource *a = file("/q/a", 2), *a0 = file("/q/a0", 3), *b = file("/q/b", 5);
    QvStorageSource *c = file("/q/c", 6), *d = file("/q/d", 7);

    q->index = 1;
    inner->index = 4;
    qv_source_add_backing(a, &a0);
    qv_source_add_backing(inner, &b);
    qv_source_add_backing(inner, &c);
    qv_source_add_backing(q, &a);
    qv_source_add_backing(q, &inner);
    qv_source_add_backing(q, &d);
    return q;
}

static bool
record(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    g_string_append_printf(opaque, "%u:%zu:%zd:%u ", src->index, i, parent, depth);
    return true;
}

typedef struct {
    unsigned int stop_at;
    unsigned int seen;
} Stop;

static bool
stop_at(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    Stop *s = opaque;

    s->seen++;
    return src->index != s->stop_at;
}

static void
test_walk(void)
{
    g_autoptr(QvStorageSource) q = quorum_tree();
    g_autoptr(GString) out = g_string_new(NULL);
    Stop s = { 5, 0 };

    g_assert_true(qv_source_walk(q, record, out));
    /* index:position:parent:depth, a source before its backing stores */
    g_assert_cmpstr(out->str, ==, "1:0:-1:0 2:1:0:1 3:2:1:2 4:3:0:1 5:4:3:2 6:5:3:2 7:6:0:1 ");
    g_assert_false(qv_source_walk(q, stop_at, &s));
    g_assert_cmpuint(s.seen, ==, 5);
}

static void
test_find(void)
{
    g_autoptr(QvStorageSource) q = quorum_tree();
    QvStorageSource *inner = q->backing[1], *c = inner->backing[1], *a0 = q->backing[0]->backing[0];
    size_t slot = 99;

    g_assert_true(qv_source_find_index(q, 6) == c);
    g_assert_true(qv_source_find_index(q, 1) == q);
    g_assert_null(qv_source_find_index(q, 0));
    g_assert_null(qv_source_find_index(q, 8));
    g_assert_true(qv_source_find_parent(q, c, &slot) == inner);
    g_assert_cmpuint(slot, ==, 1);
    g_assert_true(qv_source_find_parent(q, a0, &slot) == q->backing[0]);
    g_assert_cmpuint(slot, ==, 0);
    g_assert_null(qv_source_find_parent(q, q, NULL));
    g_assert_null(qv_source_find_parent(q->backing[0], c, NULL));
}

static void
test_assign(void)
{
    g_autoptr(QvStorageSource) top = chain3();
    g_autoptr(GString) out = g_string_new(NULL);

    top->index = 0;
    top->backing[0]->backing[0]->index = 0;
    /* only elements without an index get one, top-down */
    g_assert_cmpuint(qv_source_tree_assign_indexes(top, 10), ==, 12);
    qv_source_walk(top, record, out);
    g_assert_cmpstr(out->str, ==, "11:0:-1:0 2:1:0:1 12:2:1:2 ");
    g_assert_cmpuint(qv_source_tree_assign_indexes(top, 12), ==, 12);
    g_assert_cmpuint(qv_source_tree_assign_indexes(NULL, 4), ==, 4);
}

static void
test_chain(void)
{
    g_autoptr(QvStorageSource) top = chain3();
    g_autoptr(QvStorageSource) q = quorum_tree();
    QvStorageSource *mid = top->backing[0], *base = mid->backing[0];

    g_assert_true(qv_source_chain_has(top, mid));
    g_assert_true(qv_source_chain_has(top, base));
    g_assert_false(qv_source_chain_has(top, top));
    g_assert_false(qv_source_chain_has(mid, top));
    g_assert_true(qv_source_chain_bottom(top) == base);
    g_assert_true(qv_source_chain_bottom(base) == base);
    /* a quorum's children are chains of their own, not the quorum's */
    g_assert_false(qv_source_chain_has(q, q->backing[0]));
    g_assert_true(qv_source_chain_bottom(q) == q);
    g_assert_true(qv_source_chain_bottom(q->backing[0]) == q->backing[0]->backing[0]);
}

static void
test_cut(void)
{
    g_autoptr(QvStorageSource) top = chain3();
    QvStorageSource *mid = top->backing[0], *base = mid->backing[0];
    QvStorageSource *gone;

    /* a commit of mid into base: top backs onto base, mid leaves */
    gone = qv_source_cut_above(mid, base);
    g_assert_true(gone == mid);
    g_assert_null(mid->backing[0]);
    g_assert_false(qv_source_chain_has(mid, base));
    top->backing[0] = base;
    qv_source_free(gone);
    g_assert_true(qv_source_chain_has(top, base));
    g_assert_true(qv_source_chain_bottom(top) == base);
    /* nothing to cut */
    g_assert_true(qv_source_cut_above(top, NULL) == top);
    g_assert_true(top->backing[0] == base);
}

static void
test_backing_string(void)
{
    g_autoptr(QvStorageSource) over = file("/i/a/top.qcow2", 1);
    g_autoptr(QvStorageSource) near = file("/i/a/b/base.qcow2", 2);
    g_autoptr(QvStorageSource) far = file("/i/other/base.qcow2", 3);
    g_autoptr(QvStorageSource) prefix = file("/i/ab/base.qcow2", 4);
    g_autoptr(QvStorageSource) net = qv_source_new(QV_STORAGE_NETWORK);
    g_autofree char *s1 = qv_source_backing_string(over, near, true);
    g_autofree char *s2 = qv_source_backing_string(over, near, false);
    g_autofree char *s3 = qv_source_backing_string(over, far, true);
    g_autofree char *s4 = qv_source_backing_string(over, prefix, true);
    g_autofree char *s5 = qv_source_backing_string(over, net, true);

    g_assert_cmpstr(s1, ==, "b/base.qcow2");
    g_assert_cmpstr(s2, ==, "/i/a/b/base.qcow2");
    g_assert_cmpstr(s3, ==, "/i/other/base.qcow2");
    /* "/i/a" is a prefix of "/i/ab" as text, not as a folder */
    g_assert_cmpstr(s4, ==, "/i/ab/base.qcow2");
    g_assert_null(s5);
}

static bool
count(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    (*(size_t *)opaque)++;
    return true;
}

static void
test_deep(void)
{
    const unsigned int depth = 100000;
    g_autoptr(QvStorageSource) top = NULL;
    QvStorageSource *bottom = file("/d/0", 1);
    size_t n = 0;

    top = bottom;
    for (unsigned int i = 1; i < depth; i++) {
        QvStorageSource *s = file("/d/x", i + 1);
        QvStorageSource *below = top;

        qv_source_add_backing(s, &below);
        top = s;
    }
    g_assert_true(qv_source_walk(top, count, &n));
    g_assert_cmpuint(n, ==, depth);
    g_assert_true(qv_source_find_index(top, 1) == bottom);
    g_assert_true(qv_source_chain_bottom(top) == bottom);
    g_assert_true(qv_source_chain_has(top, bottom));
    g_assert_nonnull(qv_source_find_parent(top, bottom, NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/source-tree/walk", test_walk);
    g_test_add_func("/source-tree/find", test_find);
    g_test_add_func("/source-tree/assign", test_assign);
    g_test_add_func("/source-tree/chain", test_chain);
    g_test_add_func("/source-tree/cut", test_cut);
    g_test_add_func("/source-tree/backing-string", test_backing_string);
    g_test_add_func("/source-tree/deep", test_deep);
    return g_test_run();
}
