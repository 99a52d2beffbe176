/*
 * test-chain: chain discovery against images made by qemu-img during the
 * run: formats, relative/absolute/symlinked/"./" names, network and json:
 * backings, missing files, loops, guessed formats that must not be
 * followed, a raw disk holding a qcow2 header that names /etc/shadow, and
 * a 5,000-layer chain.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "storage/qv-chain.h"
#include "util/qv-error.h"
#include "qv-test-util.h"

static char *dir;

static char *
P(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static void
mk(const char *fmt, const char *name, const char *backing, const char *bfmt)
{
    g_autofree char *path = P(name);

    if (backing)
        qv_test_qemu_img("create", "-q", "-f", fmt, "-u", "-b", backing,
                         "-F", bfmt, path, "1M", NULL);
    else
        qv_test_qemu_img("create", "-q", "-f", fmt, path, "1M", NULL);
}

static QvStorageSource *
open_ok(const char *name, QvFormat fmt)
{
    g_autofree char *path = P(name);
    g_autoptr(GError) err = NULL;
    QvStorageSource *src = qv_chain_open(path, fmt, &err);

    g_assert_no_error(err);
    g_assert_nonnull(src);
    return src;
}

static char *
open_fail(const char *name, QvFormat fmt, QvErrorCode code)
{
    g_autofree char *path = P(name);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src = qv_chain_open(path, fmt, &err);

    g_assert_null(src);
    g_assert_error(err, QV_ERROR, (int)code);
    return qv_test_replace(err->message, dir, "@TMP@");
}

static void
test_three_layers(void)
{
    g_autoptr(QvStorageSource) top = NULL;
    const QvStorageSource *mid, *base;

    mk("qcow2", "base.qcow2", NULL, NULL);
    mk("qcow2", "mid.qcow2", "base.qcow2", "qcow2");
    mk("qcow2", "top.qcow2", "mid.qcow2", "qcow2");
    top = open_ok("top.qcow2", QV_FORMAT_QCOW2);

    g_assert_cmpuint(qv_source_count(top), ==, 3);
    g_assert_cmpstr(top->backing_name, ==, "mid.qcow2");
    g_assert_cmpint(top->backing_format, ==, QV_FORMAT_QCOW2);
    g_assert_false(top->format_probed);
    g_assert_cmpuint(top->capacity, ==, 1 << 20);
    g_assert_cmpuint(top->format_version, ==, 3);
    mid = top->backing[0];
    g_assert_cmpstr(mid->relpath, ==, "mid.qcow2");
    g_assert_true(g_str_has_suffix(mid->path, "/mid.qcow2"));
    g_assert_true(mid->readonly);
    base = mid->backing[0];
    g_assert_cmpuint(base->nbacking, ==, 0);
    g_assert_true(base->backing_known);
    g_assert_null(base->backing_name);
    g_assert_cmpint(base->format, ==, QV_FORMAT_QCOW2);
    g_assert_true(base->allocation > 0);
}

static void
test_guessed_top(void)
{
    g_autoptr(QvStorageSource) base = open_ok("base.qcow2", QV_FORMAT_NONE);
    g_autofree char *msg = NULL;

    /* a guessed image without backing is fine */
    g_assert_true(base->format_probed);
    g_assert_cmpint(base->format, ==, QV_FORMAT_QCOW2);

    /* a guessed image naming a backing file is not followed */
    msg = open_fail("top.qcow2", QV_FORMAT_NONE, QV_ERR_UNSAFE);
    g_assert_cmpstr(msg, ==, "format of image '@TMP@/top.qcow2' was not given and it looks like qcow2 naming backing file 'mid.qcow2'; refusing to follow a guessed format (a raw disk can hold any header): give the format, e.g. --format qcow2");
}

/* Turn the backing-format header extension into an unknown one, which
 * QEMU ignores: what images written before -F became mandatory look like */
static void
strip_backing_format(const char *name)
{
    g_autofree char *path = P(name);
    g_autofree char *data = NULL;
    gsize len = 0;
    static const guint8 magic[] = { 0xe2, 0x79, 0x2a, 0xca };
    static const guint8 other[] = { 0x12, 0x34, 0x56, 0x78 };

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    for (gsize i = 72; i + 4 <= MIN(len, 65536); i++) {
        if (memcmp(data + i, magic, 4) == 0) {
            qv_test_write_at(path, (long)i, other, 4);
            return;
        }
    }
    g_error("no backing format extension in '%s'", path);
}

static void
test_unrecorded_backing_format(void)
{
    g_autoptr(QvStorageSource) ok = NULL;
    g_autofree char *msg = NULL;

    /* ends at a guessed image without backing: followed */
    mk("qcow2", "u-mid.qcow2", "base.qcow2", "qcow2");
    strip_backing_format("u-mid.qcow2");
    ok = open_ok("u-mid.qcow2", QV_FORMAT_QCOW2);
    g_assert_cmpint(ok->backing_format, ==, QV_FORMAT_NONE);
    g_assert_true(ok->backing[0]->format_probed);
    g_assert_cmpint(ok->backing[0]->format, ==, QV_FORMAT_QCOW2);

    /* a guessed middle that names a backing file: refused, with the fix */
    mk("qcow2", "u-top.qcow2", "mid.qcow2", "qcow2");
    strip_backing_format("u-top.qcow2");
    msg = open_fail("u-top.qcow2", QV_FORMAT_QCOW2, QV_ERR_UNSAFE);
    g_assert_cmpstr(msg, ==, "'@TMP@/u-top.qcow2' does not record the format of its backing file '@TMP@/mid.qcow2', which looks like qcow2 and names backing file 'base.qcow2'; refusing to follow a guessed format: record it with 'qemu-img rebase -u -F qcow2 -b mid.qcow2 @TMP@/u-top.qcow2'");
}

static void
test_missing(void)
{
    g_autofree char *m1 = NULL;
    g_autofree char *m2 = NULL;
    g_autofree char *m3 = NULL;
    g_autofree char *abs = P("gone.qcow2");

    mk("qcow2", "orphan.qcow2", "nothere.qcow2", "qcow2");
    m1 = open_fail("orphan.qcow2", QV_FORMAT_QCOW2, QV_ERR_NOT_FOUND);
    g_assert_cmpstr(m1, ==, "backing file 'nothere.qcow2' (resolved to '@TMP@/nothere.qcow2') of '@TMP@/orphan.qcow2' does not exist");

    mk("qcow2", "orphan2.qcow2", abs, "qcow2");
    m2 = open_fail("orphan2.qcow2", QV_FORMAT_QCOW2, QV_ERR_NOT_FOUND);
    g_assert_cmpstr(m2, ==, "backing file '@TMP@/gone.qcow2' of '@TMP@/orphan2.qcow2' does not exist");

    /* missing in the middle: names the middle image that needs it */
    mk("qcow2", "orphan3.qcow2", "orphan.qcow2", "qcow2");
    m3 = open_fail("orphan3.qcow2", QV_FORMAT_QCOW2, QV_ERR_NOT_FOUND);
    g_assert_cmpstr(m3, ==, "backing file 'nothere.qcow2' (resolved to '@TMP@/nothere.qcow2') of '@TMP@/orphan.qcow2' does not exist");
}

static void
test_loops(void)
{
    g_autofree char *self = P("self.qcow2");
    g_autofree char *a = P("loop-a.qcow2");
    g_autofree char *m1 = NULL;
    g_autofree char *m2 = NULL;

    mk("qcow2", "self.qcow2", NULL, NULL);
    qv_test_qemu_img("rebase", "-u", "-F", "qcow2", "-b", "self.qcow2", self, NULL);
    m1 = open_fail("self.qcow2", QV_FORMAT_QCOW2, QV_ERR_LOOP);
    g_assert_cmpstr(m1, ==, "backing chain loops: backing file 'self.qcow2' (resolved to '@TMP@/self.qcow2') of '@TMP@/self.qcow2' is an image already in the chain");

    mk("qcow2", "loop-a.qcow2", NULL, NULL);
    mk("qcow2", "loop-b.qcow2", "loop-a.qcow2", "qcow2");
    qv_test_qemu_img("rebase", "-u", "-F", "qcow2", "-b", "loop-b.qcow2", a, NULL);
    m2 = open_fail("loop-a.qcow2", QV_FORMAT_QCOW2, QV_ERR_LOOP);
    g_assert_cmpstr(m2, ==, "backing chain loops: backing file 'loop-a.qcow2' (resolved to '@TMP@/loop-a.qcow2') of '@TMP@/loop-b.qcow2' is an image already in the chain");
}

static void
test_loop_through_symlink(void)
{
    g_autofree char *link = P("alias.qcow2");
    g_autofree char *m = NULL;

    /* sl-top -> alias.qcow2, a symlink back to sl-top: same inode */
    g_assert_cmpint(symlink("sl-top.qcow2", link), ==, 0);
    mk("qcow2", "sl-top.qcow2", "alias.qcow2", "qcow2");
    m = open_fail("sl-top.qcow2", QV_FORMAT_QCOW2, QV_ERR_LOOP);
    g_assert_nonnull(strstr(m, "'alias.qcow2'"));
}

static void
test_evil_raw(void)
{
    g_autoptr(QvStorageSource) raw = NULL;
    g_autoptr(QvStorageSource) top = NULL;
    g_autofree char *msg = NULL;

    /* a "raw" guest disk whose guest wrote a qcow2 header naming /etc/shadow */
    mk("qcow2", "evil.img", "/etc/shadow", "raw");
    msg = open_fail("evil.img", QV_FORMAT_NONE, QV_ERR_UNSAFE);
    g_assert_nonnull(strstr(msg, "'/etc/shadow'"));

    raw = open_ok("evil.img", QV_FORMAT_RAW);
    g_assert_cmpuint(qv_source_count(raw), ==, 1);
    g_assert_null(raw->backing_name);
    g_assert_true(raw->backing_known);

    /* as the raw backing file of a qcow2: the walk ends there */
    mk("qcow2", "over-evil.qcow2", "evil.img", "raw");
    top = open_ok("over-evil.qcow2", QV_FORMAT_QCOW2);
    g_assert_cmpuint(qv_source_count(top), ==, 2);
    g_assert_cmpint(top->backing[0]->format, ==, QV_FORMAT_RAW);
    g_assert_cmpuint(top->backing[0]->nbacking, ==, 0);
}

static void
test_relative_forms(void)
{
    g_autofree char *sub = P("sub");
    g_autofree char *real = P("real");
    g_autofree char *linkdir = P("linked");
    g_autoptr(QvStorageSource) dot = NULL;
    g_autoptr(QvStorageSource) nested = NULL;
    g_autoptr(QvStorageSource) viasym = NULL;
    g_autofree char *want = NULL;

    mk("qcow2", "dot.qcow2", "./base.qcow2", "qcow2");
    dot = open_ok("dot.qcow2", QV_FORMAT_QCOW2);
    g_assert_cmpstr(dot->backing[0]->relpath, ==, "./base.qcow2");
    want = g_strdup_printf("%s/./base.qcow2", dir);
    g_assert_cmpstr(dot->backing[0]->path, ==, want);

    /* sub/a.qcow2 -> ../base.qcow2; top -> sub/a.qcow2 */
    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
    mk("qcow2", "sub/a.qcow2", "../base.qcow2", "qcow2");
    mk("qcow2", "nested.qcow2", "sub/a.qcow2", "qcow2");
    nested = open_ok("nested.qcow2", QV_FORMAT_QCOW2);
    g_assert_cmpuint(qv_source_count(nested), ==, 3);
    g_assert_cmpstr(nested->backing[0]->backing[0]->relpath, ==, "../base.qcow2");

    /* A symlinked top resolves relative names against the link's folder,
     * as QEMU does: linked/top -> real/top, base found in linked/ */
    g_assert_cmpint(g_mkdir(real, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(linkdir, 0755), ==, 0);
    mk("qcow2", "real/top.qcow2", "lbase.qcow2", "qcow2");
    mk("qcow2", "linked/lbase.qcow2", NULL, NULL);
    {
        g_autofree char *target = P("real/top.qcow2");
        g_autofree char *lnk = P("linked/top.qcow2");

        g_assert_cmpint(symlink(target, lnk), ==, 0);
    }
    viasym = open_ok("linked/top.qcow2", QV_FORMAT_QCOW2);
    g_assert_true(g_str_has_suffix(viasym->backing[0]->path, "/linked/lbase.qcow2"));
}

static void
test_network_and_json(void)
{
    g_autoptr(QvStorageSource) net = NULL;
    g_autoptr(QvStorageSource) js = NULL;
    g_autofree char *base = P("base.qcow2");
    g_autofree char *json = g_strdup_printf("json:{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"%s\"}}", base);

    mk("qcow2", "net.qcow2", "nbd://localhost:10809/export", "raw");
    net = open_ok("net.qcow2", QV_FORMAT_QCOW2);
    g_assert_cmpuint(qv_source_count(net), ==, 2);
    g_assert_cmpint(net->backing[0]->type, ==, QV_STORAGE_NETWORK);
    g_assert_cmpint(net->backing[0]->protocol, ==, QV_PROTO_NBD);
    g_assert_cmpstr(net->backing[0]->path, ==, "export");
    g_assert_false(net->backing[0]->backing_known);
    g_assert_true(net->backing_known);

    mk("qcow2", "json.qcow2", json, "qcow2");
    js = open_ok("json.qcow2", QV_FORMAT_QCOW2);
    g_assert_cmpuint(qv_source_count(js), ==, 2);
    g_assert_cmpstr(js->backing[0]->path, ==, base);
    g_assert_cmpint(js->backing[0]->format, ==, QV_FORMAT_QCOW2);
}

static void
test_truncated(void)
{
    g_autofree char *path = P("trunc.qcow2");
    g_autofree char *msg = NULL;

    mk("qcow2", "trunc.qcow2", "base.qcow2", "qcow2");
    g_assert_cmpint(truncate(path, 40), ==, 0);
    msg = open_fail("trunc.qcow2", QV_FORMAT_QCOW2, QV_ERR_CORRUPT);
    g_assert_nonnull(strstr(msg, "'@TMP@/trunc.qcow2'"));
}

static void
test_top_missing_and_dir(void)
{
    g_autofree char *m1 = open_fail("absent.qcow2", QV_FORMAT_QCOW2, QV_ERR_NOT_FOUND);
    g_autofree char *m2 = open_fail("sub", QV_FORMAT_NONE, QV_ERR_UNSUPPORTED);

    g_assert_cmpstr(m1, ==, "image '@TMP@/absent.qcow2' does not exist");
    g_assert_cmpstr(m2, ==, "image '@TMP@/sub' is a directory, not a disk image");
}

/* Layers are copies of one qemu-img-made layer with the backing name
 * patched (same length): 5,000 qemu-img runs would take over a minute. */
static void
test_deep_chain(void)
{
    const int depth = 5000;
    g_autofree char *deep = P("deep");
    g_autofree char *tmpl = P("deep/template.qcow2");
    g_autofree char *data = NULL;
    g_autoptr(QvStorageSource) top = NULL;
    gsize len = 0;
    char *at;
    const QvStorageSource *s;
    int i;

    g_assert_cmpint(g_mkdir(deep, 0755), ==, 0);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-o", "cluster_size=512",
                     "-u", "-b", "l99999.qcow2", "-F", "qcow2", tmpl, "1M", NULL);
    mk("qcow2", "deep/l00000.qcow2", NULL, NULL);
    g_assert_true(g_file_get_contents(tmpl, &data, &len, NULL));
    at = memmem(data, len, "l99999.qcow2", 12);
    g_assert_nonnull(at);
    for (i = 1; i < depth; i++) {
        g_autofree char *name = g_strdup_printf("deep/l%05d.qcow2", i);
        g_autofree char *path = P(name);
        g_autofree char *bname = g_strdup_printf("l%05d.qcow2", i - 1);

        memcpy(at, bname, 12);
        g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    }
    top = open_ok("deep/l04999.qcow2", QV_FORMAT_QCOW2);
    g_assert_cmpuint(qv_source_count(top), ==, (guint)depth);
    for (s = top; s->nbacking; s = s->backing[0])
        ;
    g_assert_true(g_str_has_suffix(s->path, "/deep/l00000.qcow2"));
    g_assert_true(s->backing_known);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    dir = qv_test_enter_tmpdir();
    g_test_add_func("/chain/three-layers", test_three_layers);
    g_test_add_func("/chain/guessed-top", test_guessed_top);
    g_test_add_func("/chain/unrecorded-backing-format", test_unrecorded_backing_format);
    g_test_add_func("/chain/missing", test_missing);
    g_test_add_func("/chain/loops", test_loops);
    g_test_add_func("/chain/loop-through-symlink", test_loop_through_symlink);
    g_test_add_func("/chain/evil-raw", test_evil_raw);
    g_test_add_func("/chain/relative-forms", test_relative_forms);
    g_test_add_func("/chain/network-and-json", test_network_and_json);
    g_test_add_func("/chain/truncated", test_truncated);
    g_test_add_func("/chain/top-missing-and-dir", test_top_missing_and_dir);
    g_test_add_func("/chain/deep-5000", test_deep_chain);
    ret = g_test_run();
    qv_test_rmtree(dir);
    g_free(dir);
    return ret;
}
