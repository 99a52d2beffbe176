/*
 * test-quorum: the children of a running quorum added, removed and
 * replaced, the quorum scrubbed, and its health, with real QEMU (TCG; the
 * guest runs SeaBIOS only).  Guest writes are HMP qemu-io on the disk's
 * device; data is checked with qemu-img compare once QEMU is gone.
 * Faults: bytes corrupted from outside (raw children), blkdebug nodes
 * put into the quorum with QMP past qvirt (the XML cannot express
 * blkdebug), a 2-of-2 quorum with one child corrupted (QUORUM_FAILURE).
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qvirt/qvirt.h"
#include "util/qv-json.h"
#include "qv-test-guest.h"

#define SIZE "8M"

typedef struct {
    Env e;
    QvirtConnect *conn;
    QvirtDomain *dom;
    const char *name;
} Fx;

static void
mkraw(Fx *fx, const char *name)
{
    g_autofree char *p = img(&fx->e, name);

    qv_test_qemu_img("create", "-q", "-f", "raw", p, SIZE, NULL);
}

static char *
quorum_xml(const char *dev, unsigned int threshold, const char *const *files)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/>"
                           "<threshold value='%u'/>", threshold);
    for (; *files; files++)
        g_string_append_printf(s, "<backingStore type='file'><format type='raw'/>"
                               "<source file='@DIR@/%s'/></backingStore>", *files);
    g_string_append_printf(s, "<target dev='%s' bus='virtio'/></disk>", dev);
    return g_string_free(s, FALSE);
}

static void
fx_init(Fx *fx, const char *name, const char *devices)
{
    g_autoptr(GError) err = NULL;

    fx->name = name;
    env_init(&fx->e, name);
    define(&fx->e, name, devices);
    fx->conn = qvirt_connect_open(fx->e.root, &err);
    g_assert_no_error(err);
    fx->dom = qvirt_domain_lookup(fx->conn, name, &err);
    g_assert_no_error(err);
}

static void
fx_clear(Fx *fx)
{
    g_autofree char *log = g_strdup_printf("%s/var/lib/%s.supervisor.log", fx->e.root, fx->name);
    g_autofree char *text = NULL;

    qv(&fx->e, NULL, NULL, "destroy", fx->name, NULL);
    /* every graph check after a change passed, and no edit failed */
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_assert_null(strstr(text, "differs"));
    g_assert_null(strstr(text, "cannot"));
    qvirt_domain_free(fx->dom);
    qvirt_connect_close(fx->conn);
    env_clear(&fx->e);
}

static json_object *
qmp(Fx *fx, const char *cmd)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    json_object *reply, *ret = NULL;

    if (qvirt_domain_qemu_monitor_command(fx->dom, cmd, &out, 0, &err) != 0)
        g_error("%s: %s", cmd, err->message);
    g_assert_nonnull(reply = json_tokener_parse(out));
    if (!json_object_object_get_ex(reply, "return", &ret))
        g_error("%s: %s", cmd, out);
    json_object_get(ret);
    json_object_put(reply);
    return ret;
}

/* The qdev id of the device on the node whose name starts with @node */
static char *
qdev_of(Fx *fx, const char *node)
{
    g_autoptr(json_object) list = qmp(fx, "{\"execute\":\"query-block\"}");

    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *b = json_object_array_get_idx(list, i), *ins = NULL, *nn = NULL, *q = NULL;

        if (json_object_object_get_ex(b, "inserted", &ins) &&
            json_object_object_get_ex(ins, "node-name", &nn) &&
            g_str_has_prefix(json_object_get_string(nn), node) &&
            json_object_object_get_ex(b, "qdev", &q))
            return g_strdup(json_object_get_string(q));
    }
    g_error("no device on node '%s'", node);
    return NULL;
}

/* HMP qemu-io on the device of @dst's top node */
static void
qemu_io(Fx *fx, const char *dst, const char *io)
{
    g_autofree char *node = g_strdup_printf("%s-f", dst);
    g_autofree char *qdev = qdev_of(fx, node);
    g_autofree char *cmd = g_strdup_printf("{\"execute\":\"human-monitor-command\",\"arguments\":"
                                           "{\"command-line\":\"qemu-io -d %s \\\"%s\\\"\"}}", qdev, io);
    g_autoptr(json_object) r = qmp(fx, cmd);
}

static char *
info(Fx *fx, const char *disk)
{
    g_autoptr(GError) err = NULL;
    char *text = qvirt_domain_block_quorum_info(fx->dom, disk, 0, &err);

    g_assert_no_error(err);
    return text;
}

static size_t
nchildren(Fx *fx, const char *disk)
{
    g_autofree char *text = info(fx, disk);
    g_autoptr(json_object) o = json_tokener_parse(text);
    json_object *kids = NULL;

    g_assert_true(json_object_object_get_ex(o, "children", &kids));
    return json_object_array_length(kids);
}

static char *
child(Fx *fx, const char *file)
{
    return g_strdup_printf("<backingStore type='file'><format type='raw'/><source file='%s/%s'/>"
                           "</backingStore>", fx->e.dir, file);
}

static void
wait_job(Fx *fx, const char *disk)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(qvirt_domain_block_job_wait(fx->dom, disk, 60000, &err), ==, 0);
    g_assert_no_error(err);
}

static void
assert_same(Fx *fx, const char *a, const char *b)
{
    g_autofree char *pa = img(&fx->e, a), *pb = img(&fx->e, b);
    g_autofree char *out = NULL, *err = NULL;
    const char *argv[] = { "qemu-img", "compare", "-q", "-f", "raw", "-F", "raw", pa, pb, NULL };

    if (qv_test_run(argv, &out, &err) != 0)
        g_error("'%s' and '%s' differ: %s%s", a, b, out, err);
}

static void
corrupt(Fx *fx, const char *file, long offset)
{
    g_autofree char *p = img(&fx->e, file);
    char junk[512];

    memset(junk, 0xe7, sizeof(junk));
    qv_test_write_at(p, offset, junk, sizeof(junk));
}

/* Poll `qvirt domblkerror` until it names @want (events come late:
 * QEMU throttles them) */
static char *
wait_blkerror(Fx *fx, const char *want)
{
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    char *out = NULL;

    for (;;) {
        g_free(out);
        out = NULL;
        qv_ok(&fx->e, &out, "domblkerror", fx->name, NULL);
        if (strstr(out, want))
            return out;
        if (g_get_monotonic_time() > deadline)
            g_error("domblkerror never showed '%s': %s", want, out);
        g_usleep(100 * 1000);
    }
}

/* Add a child (filled first), remove one, the threshold refusal; every
 * child holds the same data in the end */
static void
test_add_remove(void)
{
    Fx fx;
    const char *three[] = { "a.img", "b.img", "c.img", NULL };
    const char *strict[] = { "x.img", "y.img", "z.img", NULL };
    g_autofree char *q = quorum_xml("vdb", 2, three);
    g_autofree char *s = quorum_xml("vdc", 3, strict);
    g_autofree char *devs = g_strconcat(q, s, NULL);
    g_autofree char *d = NULL, *text = NULL, *out = NULL;
    g_autoptr(GError) err = NULL;

    fx_init(&fx, "qadd", devs);
    for (const char *const *f = three; *f; f++)
        mkraw(&fx, *f);
    for (const char *const *f = strict; *f; f++)
        mkraw(&fx, *f);
    mkraw(&fx, "d.img");
    qv_ok(&fx.e, NULL, "start", "qadd", NULL);
    qemu_io(&fx, "vdb", "write -P 0x5a 0 1M");
    qemu_io(&fx, "vdb", "write -P 0x33 6M 512k");
    d = child(&fx, "d.img");
    g_assert_cmpint(qvirt_domain_block_quorum_add(fx.dom, "vdb", d, 0, &err), ==, 0);
    g_assert_no_error(err);
    wait_job(&fx, "vdb");
    g_assert_cmpuint(nchildren(&fx, "vdb"), ==, 4);
    text = info(&fx, "vdb");
    assert_contains(text, "d.img");
    /* a write after the add reaches the new child too */
    qemu_io(&fx, "vdb", "write -P 0x6b 1M 64k");
    /* the first child leaves (its edge is children.0) */
    g_assert_cmpint(qvirt_domain_block_quorum_remove(fx.dom, "vdb", "0", 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(nchildren(&fx, "vdb"), ==, 3);
    g_free(text);
    text = info(&fx, "vdb");
    g_assert_null(strstr(text, "a.img"));
    /* by path: b.img leaves, then the threshold holds */
    {
        g_autofree char *b = img(&fx.e, "b.img");

        g_assert_cmpint(qvirt_domain_block_quorum_remove(fx.dom, "vdb", b, 0, &err), ==, 0);
        g_assert_no_error(err);
    }
    g_assert_cmpuint(nchildren(&fx, "vdb"), ==, 2);
    g_assert_cmpint(qvirt_domain_block_quorum_remove(fx.dom, "vdc", "0", 0, &err), ==, -1);
    g_assert_nonnull(err);
    assert_contains(err->message, "quorum 'vdc' has 3 children and a vote threshold of 3: removing one would leave 2");
    g_clear_error(&err);
    qv_ok(&fx.e, &out, "blockquorum", "qadd", "vdb");
    assert_contains(out, "vote threshold 2 of 2 children");
    qv_ok(&fx.e, NULL, "destroy", "qadd", NULL);
    assert_same(&fx, "c.img", "d.img");
    fx_clear(&fx);
}

/* A corrupted child rebuilt on a new image while the guest writes */
static void
test_replace(void)
{
    Fx fx;
    const char *three[] = { "a.img", "b.img", "c.img", NULL };
    g_autofree char *q = quorum_xml("vdb", 2, three);
    g_autofree char *e = NULL, *text = NULL;
    g_autoptr(GError) err = NULL;

    fx_init(&fx, "qrep", q);
    for (const char *const *f = three; *f; f++)
        mkraw(&fx, *f);
    mkraw(&fx, "e.img");
    qv_ok(&fx.e, NULL, "start", "qrep", NULL);
    qemu_io(&fx, "vdb", "write -P 0x11 0 2M");
    corrupt(&fx, "b.img", 4096);
    e = child(&fx, "e.img");
    g_assert_cmpint(qvirt_domain_block_quorum_replace(fx.dom, "vdb", "vdb[3]", e, 0, &err), ==, 0);
    g_assert_no_error(err);
    qemu_io(&fx, "vdb", "write -P 0x22 3M 256k");
    wait_job(&fx, "vdb");
    qemu_io(&fx, "vdb", "write -P 0x44 5M 64k");
    text = info(&fx, "vdb");
    assert_contains(text, "e.img");
    g_assert_null(strstr(text, "b.img"));
    g_assert_cmpuint(nchildren(&fx, "vdb"), ==, 3);
    qv_ok(&fx.e, NULL, "destroy", "qrep", NULL);
    assert_same(&fx, "a.img", "e.img");
    assert_same(&fx, "c.img", "e.img");
    fx_clear(&fx);
}

/* A scrub finds the child corrupted from outside, and the range */
static void
test_scrub(void)
{
    Fx fx;
    const char *three[] = { "a.img", "b.img", "c.img", NULL };
    g_autofree char *q = quorum_xml("vdb", 2, three);
    g_autofree char *out = NULL, *cpath = NULL;

    fx_init(&fx, "qscrub", q);
    for (const char *const *f = three; *f; f++)
        mkraw(&fx, *f);
    qv_ok(&fx.e, NULL, "start", "qscrub", "--paused");
    qemu_io(&fx, "vdb", "write -P 0x77 0 8M");
    corrupt(&fx, "c.img", 4 << 20);
    g_assert_cmpint(qv_test_qvirt(&out, NULL, "--root", fx.e.root, "blockquorum", "qscrub", "vdb",
                                  "--scrub", "--wait", NULL), ==, 0);
    assert_contains(out, "Scrub complete");
    assert_contains(out, "Last scrub: completed, 1 bad range");
    cpath = img(&fx.e, "c.img");
    assert_contains(out, cpath);
    /* 1 MiB chunks: the bad sector 8192 is in the range reported */
    assert_contains(out, "sector 8192");
    g_free(out);
    out = wait_blkerror(&fx, "vdb[4]");
    assert_contains(out, "unspecified error");
    /* the live XML has it as the child's <health>, and stays valid */
    g_free(out);
    qv_ok(&fx.e, &out, "dumpxml", "qscrub", NULL);
    assert_contains(out, "<health element='vdb[4]' event='QUORUM_REPORT_BAD' type='read'");
    {
        g_autofree char *path = g_build_filename(fx.e.root, "live.xml", NULL);

        g_assert_true(g_file_set_contents(path, out, -1, NULL));
        qv_ok(&fx.e, NULL, "validate", path, NULL);
    }
    fx_clear(&fx);
}

/* blkdebug children put in past qvirt: read and write errors; a 2-of-2
 * quorum with a corrupted child fails the vote; the health survives a
 * kill -9 of the supervisor */
static void
test_errors(void)
{
    Fx fx;
    const char *three[] = { "a.img", "b.img", "c.img", NULL };
    const char *two[] = { "x.img", "y.img", NULL };
    g_autofree char *q = quorum_xml("vdb", 2, three);
    g_autofree char *p = quorum_xml("vdc", 2, two);
    g_autofree char *devs = g_strconcat(q, p, NULL);
    g_autofree char *out = NULL, *after = NULL, *nodes0 = NULL;
    const char *names[] = { "bdr.img", "bdw.img" };

    fx_init(&fx, "qerr", devs);
    for (const char *const *f = three; *f; f++)
        mkraw(&fx, *f);
    for (const char *const *f = two; *f; f++)
        mkraw(&fx, *f);
    for (int i = 0; i < 2; i++) {
        g_autofree char *path = NULL;

        mkraw(&fx, names[i]);
        /* added by hand over QMP below, so qvirt labels nothing: QEMU
         * (its own user) must be able to write them */
        path = img(&fx.e, names[i]);
        g_assert_cmpint(chmod(path, 0666), ==, 0);
    }
    qv_ok(&fx.e, NULL, "start", "qerr", NULL);
    qv_ok(&fx.e, &out, "domblkerror", "qerr", NULL);
    assert_contains(out, "No errors found");
    for (int i = 0; i < 2; i++) {
        g_autofree char *path = img(&fx.e, names[i]);
        g_autofree char *add = g_strdup_printf(
            "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\",\"node-name\":\"%s\","
            "\"file\":{\"driver\":\"blkdebug\",\"inject-error\":[{\"event\":\"%s\",\"errno\":%d,"
            "\"iotype\":\"%s\",\"once\":false}],\"image\":{\"driver\":\"file\",\"filename\":\"%s\"}}}}",
            i ? "bdw" : "bdr", i ? "write_aio" : "read_aio", i ? 28 : 5, i ? "write" : "read", path);
        g_autofree char *join = g_strdup_printf(
            "{\"execute\":\"x-blockdev-change\",\"arguments\":{\"parent\":\"vdb-f1\",\"node\":\"%s\"}}",
            i ? "bdw" : "bdr");
        g_autoptr(json_object) r1 = qmp(&fx, add);
        g_autoptr(json_object) r2 = qmp(&fx, join);
    }
    qemu_io(&fx, "vdb", "read 0 4k");
    qemu_io(&fx, "vdb", "write -P 0x1 0 4k");
    g_free(out);
    out = wait_blkerror(&fx, "bdw: no space");
    g_free(out);
    out = wait_blkerror(&fx, "bdr: unspecified error (read: Input/output error");
    /* dominfo names them too */
    g_free(out);
    qv_ok(&fx.e, &out, "dominfo", fx.name, NULL);
    assert_contains(out, "Disk errors:");
    assert_contains(out, "bdw");
    /* 2 of 2 with one corrupted child: the vote fails */
    qemu_io(&fx, "vdc", "write -P 0x9 0 64k");
    corrupt(&fx, "y.img", 0);
    qemu_io(&fx, "vdc", "read 0 64k");
    g_free(out);
    out = wait_blkerror(&fx, "vdc: unspecified error (quorum:");
    {
        g_autofree char *events = NULL;

        qv_ok(&fx.e, &events, "event", "qerr", NULL);
        assert_contains(events, "quorum child bdw No space left on device on write");
        assert_contains(events, "failed its vote at sector 0");
    }
    /* a new supervisor knows the same */
    nodes0 = info(&fx, "vdb");
    kill_and_wait(runtime_pid(&fx.e, "qerr", "supervisor_pid"));
    qv_ok(&fx.e, &after, "domblkerror", "qerr", NULL);
    g_assert_cmpstr(after, ==, out);
    fx_clear(&fx);
}

/* A child added, then the supervisor killed: the new one has the same
 * children and can remove the new child */
static void
test_kill_supervisor(void)
{
    Fx fx;
    const char *three[] = { "a.img", "b.img", "c.img", NULL };
    g_autofree char *q = quorum_xml("vdb", 2, three);
    g_autofree char *d = NULL, *before = NULL, *after = NULL;
    g_autoptr(GError) err = NULL;

    fx_init(&fx, "qkill", q);
    for (const char *const *f = three; *f; f++)
        mkraw(&fx, *f);
    mkraw(&fx, "d.img");
    qv_ok(&fx.e, NULL, "start", "qkill", "--paused");
    d = child(&fx, "d.img");
    g_assert_cmpint(qvirt_domain_block_quorum_add(fx.dom, "vdb", d, 0, &err), ==, 0);
    g_assert_no_error(err);
    wait_job(&fx, "vdb");
    before = info(&fx, "vdb");
    kill_and_wait(runtime_pid(&fx.e, "qkill", "supervisor_pid"));
    after = info(&fx, "vdb");
    g_assert_cmpstr(after, ==, before);
    {
        g_autofree char *dp = img(&fx.e, "d.img");

        g_assert_cmpint(qvirt_domain_block_quorum_remove(fx.dom, "vdb", dp, 0, &err), ==, 0);
        g_assert_no_error(err);
    }
    g_assert_cmpuint(nchildren(&fx, "vdb"), ==, 3);
    fx_clear(&fx);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The supervisor stopped right after the add started, then killed: the
 * fill ends while nobody listens (its record is in the jobs file), and
 * the next supervisor finishes it: the child joins with the quorum's data */
static void
test_kill_during_add(void)
{
    Fx fx;
    const char *three[] = { "a.img", "b.img", "c.img", NULL };
    g_autofree char *q = quorum_xml("vdb", 2, three);
    g_autofree char *d = NULL, *text = NULL;
    g_autoptr(GError) err = NULL;
    pid_t sup;

    fx_init(&fx, "qmid", q);
    for (const char *const *f = three; *f; f++)
        mkraw(&fx, *f);
    mkraw(&fx, "d.img");
    qv_ok(&fx.e, NULL, "start", "qmid", NULL);
    qemu_io(&fx, "vdb", "write -P 0x5e 0 8M");
    sup = runtime_pid(&fx.e, "qmid", "supervisor_pid");
    d = child(&fx, "d.img");
    g_assert_cmpint(qvirt_domain_block_quorum_add(fx.dom, "vdb", d, 0, &err), ==, 0);
    g_assert_no_error(err);
    kill(sup, SIGSTOP);
    g_usleep(300 * 1000);
    kill_and_wait(sup);
    wait_job(&fx, "vdb");
    g_assert_cmpuint(nchildren(&fx, "vdb"), ==, 4);
    text = info(&fx, "vdb");
    assert_contains(text, "d.img");
    assert_state(&fx.e, "qmid", "running (unpaused)");
    qv_ok(&fx.e, NULL, "destroy", "qmid", NULL);
    assert_same(&fx, "a.img", "d.img");
    fx_clear(&fx);
}

/* QEMU's node names, sorted and joined by spaces */
static char *
node_names(Fx *fx)
{
    g_autoptr(json_object) list = qmp(fx, "{\"execute\":\"query-named-block-nodes\","
                                          "\"arguments\":{\"flat\":true}}");
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *n = NULL;

        if (json_object_object_get_ex(json_object_array_get_idx(list, i), "node-name", &n))
            g_ptr_array_add(names, g_strdup(json_object_get_string(n)));
    }
    g_ptr_array_sort(names, cmp_str);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

/* A child with its own chain, given in XML; failed adds (a missing file,
 * a wrong size, a qcow2 without its format) leave QEMU's nodes as they
 * were and no job behind */
static void
test_add_chain(void)
{
    Fx fx;
    const char *three[] = { "a.img", "b.img", "c.img", NULL };
    g_autofree char *q = quorum_xml("vdb", 2, three);
    g_autofree char *base = NULL, *top = NULL, *xml = NULL, *text = NULL, *before = NULL;
    g_autofree char *after = NULL, *small = NULL, *miss = NULL, *noformat = NULL;
    g_autoptr(GError) err = NULL;
    QvirtDomainBlockJobInfo ji;

    fx_init(&fx, "qchain", q);
    for (const char *const *f = three; *f; f++)
        mkraw(&fx, *f);
    small = img(&fx.e, "small.img");
    qv_test_qemu_img("create", "-q", "-f", "raw", small, "4M", NULL);
    base = img(&fx.e, "base.qcow2");
    top = img(&fx.e, "top.qcow2");
    qv_test_qemu_img("create", "-q", "-f", "qcow2", base, SIZE, NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", top, NULL);
    qv_ok(&fx.e, NULL, "start", "qchain", "--paused");
    before = node_names(&fx);
    miss = child(&fx, "missing.img");
    g_assert_cmpint(qvirt_domain_block_quorum_add(fx.dom, "vdb", miss, 0, &err), ==, -1);
    assert_contains(err->message, "missing.img");
    g_clear_error(&err);
    noformat = g_strdup_printf("<backingStore type='file'><source file='%s'/></backingStore>", top);
    g_assert_cmpint(qvirt_domain_block_quorum_add(fx.dom, "vdb", noformat, 0, &err), ==, -1);
    assert_contains(err->message, "looks like a qcow2 image");
    g_clear_error(&err);
    xml = child(&fx, "small.img");
    g_assert_cmpint(qvirt_domain_block_quorum_add(fx.dom, "vdb", xml, 0, &err), ==, 0);
    g_assert_cmpint(qvirt_domain_block_job_wait(fx.dom, "vdb", 60000, &err), ==, -1);
    assert_contains(err->message, "different sizes");
    g_clear_error(&err);
    g_assert_cmpint(qvirt_domain_get_block_job_info(fx.dom, "vdb", &ji, 0, &err), ==, 0);
    after = node_names(&fx);
    g_assert_cmpstr(after, ==, before);
    g_free(xml);
    xml = g_strdup_printf("<backingStore type='file'><format type='qcow2'/><source file='%s'/>"
                          "<backingStore type='file'><format type='qcow2'/><source file='%s'/>"
                          "<backingStore/></backingStore></backingStore>", top, base);
    g_assert_cmpint(qvirt_domain_block_quorum_add(fx.dom, "vdb", xml, 0, &err), ==, 0);
    g_assert_no_error(err);
    wait_job(&fx, "vdb");
    text = info(&fx, "vdb");
    assert_contains(text, "\"depth\":2");
    assert_contains(text, "top.qcow2");
    /* by the path of the backing file: the whole child goes */
    g_assert_cmpint(qvirt_domain_block_quorum_remove(fx.dom, "vdb", base, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_free(after);
    after = node_names(&fx);
    g_assert_cmpstr(after, ==, before);
    fx_clear(&fx);
}

/* Jobs on a quorum disk: a full copy out of it (read through the vote),
 * --shallow refused with the reason, domblkinfo, a snapshot refused */
static void
test_copy_out(void)
{
    Fx fx;
    const char *three[] = { "a.img", "b.img", "c.img", NULL };
    g_autofree char *q = quorum_xml("vdb", 2, three);
    g_autofree char *dest = NULL, *xml = NULL, *out = NULL, *err_text = NULL, *live = NULL;
    g_autoptr(GError) err = NULL;

    fx_init(&fx, "qcopy", q);
    for (const char *const *f = three; *f; f++)
        mkraw(&fx, *f);
    qv_ok(&fx.e, NULL, "start", "qcopy", "--paused");
    qemu_io(&fx, "vdb", "write -P 0x3c 0 3M");
    /* b is outvoted: the copy has what the vote says */
    corrupt(&fx, "b.img", 8192);
    qv_ok(&fx.e, &out, "domblkinfo", "qcopy", "vdb");
    assert_contains(out, "Capacity:       8388608");
    /* three raw children of 8 MiB */
    assert_contains(out, "Physical:       25165824");
    g_assert_cmpint(qv(&fx.e, NULL, &err_text, "snapshot-create-as", "qcopy", "--disk-only"), !=, 0);
    assert_contains(err_text, "disk 'vdb' is a quorum");
    dest = img(&fx.e, "copy.img");
    xml = g_strdup_printf("<disk type='file'><source file='%s'/></disk>", dest);
    g_assert_cmpint(qvirt_domain_block_copy(fx.dom, "vdb", xml, NULL, 0, QVIRT_DOMAIN_BLOCK_COPY_SHALLOW,
                                            &err), ==, -1);
    assert_contains(err->message, "a quorum has none");
    g_clear_error(&err);
    g_assert_cmpint(qvirt_domain_block_copy(fx.dom, "vdb", xml, NULL, 0, QVIRT_DOMAIN_BLOCK_COPY_TRANSIENT_JOB,
                                            &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(qvirt_domain_block_job_wait(fx.dom, "vdb", 60000, &err), ==, 1);
    g_assert_cmpint(qvirt_domain_block_job_abort(fx.dom, "vdb", QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(qv(&fx.e, &live, NULL, "dumpxml", "qcopy", NULL), ==, 0);
    assert_contains(live, "copy.img");
    g_assert_null(strstr(live, "type='quorum'"));
    qv_ok(&fx.e, NULL, "destroy", "qcopy", NULL);
    assert_same(&fx, "a.img", "copy.img");
    fx_clear(&fx);
}


/* A child's own chain flattened while the guest runs: blockpull into the
 * child's top; the other children and the vote are left alone.  A commit
 * inside a child is refused with the way out (QEMU commits only below a
 * root node) */
static void
test_pull_in_child(void)
{
    Fx fx;
    g_autofree char *q = NULL, *base = NULL, *mid = NULL, *top = NULL, *err_text = NULL;
    g_autofree char *live = NULL, *nodes = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) list = NULL;

    q = g_strdup_printf("<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/>"
                        "<threshold value='2'/>"
                        "<backingStore type='file'><format type='raw'/><source file='@DIR@/a.img'/></backingStore>"
                        "<backingStore type='file'><format type='raw'/><source file='@DIR@/b.img'/></backingStore>"
                        "<backingStore type='file'><format type='qcow2'/><source file='@DIR@/c-top.qcow2'/>"
                        "</backingStore><target dev='vdb' bus='virtio'/></disk>");
    fx_init(&fx, "qpull", q);
    mkraw(&fx, "a.img");
    mkraw(&fx, "b.img");
    mkraw(&fx, "c-base.img");
    base = img(&fx.e, "c-base.img");
    mid = img(&fx.e, "c-mid.qcow2");
    top = img(&fx.e, "c-top.qcow2");
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", mid, NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-b", mid, "-F", "qcow2", top, NULL);
    qv_ok(&fx.e, NULL, "start", "qpull", NULL);
    qemu_io(&fx, "vdb", "write -P 0x5d 0 1M");
    g_assert_cmpint(qv(&fx.e, NULL, &err_text, "blockcommit", "qpull", "vdb"), !=, 0);
    assert_contains(err_text, "flattens a child's chain instead");
    g_free(err_text);
    err_text = NULL;
    /* the disk's name is the quorum, not a chain to pull into */
    g_assert_cmpint(qvirt_domain_block_pull(fx.dom, "vdb", 0, 0, &err), ==, -1);
    assert_contains(err->message, "a child's top image");
    g_clear_error(&err);
    g_assert_cmpint(qvirt_domain_block_pull(fx.dom, top, 0, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(qvirt_domain_block_job_wait(fx.dom, top, 60000, &err), ==, 0);
    g_assert_no_error(err);
    qv_ok(&fx.e, &live, "dumpxml", "qpull", NULL);
    g_assert_null(strstr(live, "c-mid.qcow2"));
    g_assert_null(strstr(live, "c-base.img"));
    assert_contains(live, "c-top.qcow2");
    list = qmp(&fx, "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}");
    /* the quorum, three children, no layers below the third */
    g_assert_cmpuint(json_object_array_length(list), ==, 7);
    qv_ok(&fx.e, NULL, "destroy", "qpull", NULL);
    /* the child holds all it had, on its own now */
    {
        g_autofree char *out = NULL, *errs = NULL;
        g_autofree char *a = img(&fx.e, "a.img");
        const char *argv[] = { "qemu-img", "compare", "-q", "-f", "raw", "-F", "qcow2", a, top, NULL };
        const char *info[] = { "qemu-img", "info", "--output=json", top, NULL };

        if (qv_test_run(argv, &out, &errs) != 0)
            g_error("the pulled child differs from a.img: %s%s", out, errs);
        g_free(out);
        out = NULL;
        g_assert_cmpint(qv_test_run(info, &out, NULL), ==, 0);
        g_assert_null(strstr(out, "backing-filename"));
    }
    fx_clear(&fx);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    g_test_add_func("/quorum/add-remove", test_add_remove);
    g_test_add_func("/quorum/replace", test_replace);
    g_test_add_func("/quorum/scrub", test_scrub);
    g_test_add_func("/quorum/errors", test_errors);
    g_test_add_func("/quorum/kill-supervisor", test_kill_supervisor);
    g_test_add_func("/quorum/copy-out", test_copy_out);
    g_test_add_func("/quorum/add-chain", test_add_chain);
    g_test_add_func("/quorum/kill-during-add", test_kill_during_add);
    g_test_add_func("/quorum/pull-in-child", test_pull_in_child);
    rc = g_test_run();
    qv_test_guest_cleanup();
    return rc;
}
