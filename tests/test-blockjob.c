/*
 * test-blockjob: block jobs on guests run by real QEMU, through the qvirt
 * binary: copy (full, shallow, raw, reuse-external for moving a whole
 * chain), pivot and abort, refused flag combinations, pull, commit and
 * active commit, writes mirrored while a copy runs, and the crash cases
 * (the CLI killed during --wait, the supervisor killed during a job).
 * The guest's view of its disk is compared with qemu-img before and
 * after every job.
 */
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "conf/qv-snapshot-xml.h"
#include "util/qv-json.h"
#include "qv-test-guest.h"

/* base <- snap1 <- snap2, each layer with its own pattern, and a raw
 * image of what the guest sees (ref.raw) */
static void
make_chain(Env *e)
{
    const char *const layers[][2] = { { "base.qcow2", "write -P 1 0 1M" },
                                      { "snap1.qcow2", "write -P 2 1M 1M" },
                                      { "snap2.qcow2", "write -P 3 2M 1M" } };

    for (size_t i = 0; i < G_N_ELEMENTS(layers); i++) {
        g_autofree char *p = img(e, layers[i][0]);
        const char *argv[] = { "qemu-io", "-c", layers[i][1], p, NULL };

        if (i == 0)
            qv_test_qemu_img("create", "-q", "-f", "qcow2", p, "8M", NULL);
        else
            qv_test_qemu_img("create", "-q", "-f", "qcow2", "-b", layers[i - 1][0], "-F", "qcow2", p, NULL);
        g_assert_cmpint(qv_test_run(argv, NULL, NULL), ==, 0);
    }
    {
        g_autofree char *top = img(e, "snap2.qcow2");
        g_autofree char *ref = img(e, "ref.raw");

        qv_test_qemu_img("convert", "-O", "raw", top, ref, NULL);
    }
}

static void
start_vm(Env *e, const char *name)
{
    g_autofree char *d = file_disk("vda", "snap2.qcow2", NULL);

    make_chain(e);
    define(e, name, d);
    qv_ok(e, NULL, "start", name, "--paused");
    runtime_pid(e, name, "qemu_pid");
}

/* The guest's data, read from @file's chain, equals ref.raw */
static void
assert_data(Env *e, const char *file)
{
    g_autofree char *a = g_str_has_prefix(file, "/") ? g_strdup(file) : img(e, file);
    g_autofree char *ref = img(e, "ref.raw");
    const char *argv[] = { "qemu-img", "compare", "-U", "-F", "raw", a, ref, NULL };
    g_autofree char *out = NULL;

    if (qv_test_run(argv, &out, NULL) != 0)
        g_error("'%s' differs from the guest's data: %s", a, out);
}

/* qvirt --root ROOT ARGS... (NULL-terminated); returns the exit status.
 * *out is replaced (an earlier output is freed) */
static int
qvv(Env *e, char **out, char **err, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    const char *a;
    va_list ap;

    if (out)
        g_clear_pointer(out, g_free);
    g_ptr_array_add(argv, (gpointer)g_getenv("QVIRT_BIN"));
    g_ptr_array_add(argv, (gpointer)"--root");
    g_ptr_array_add(argv, e->root);
    va_start(ap, err);
    while ((a = va_arg(ap, const char *)))
        g_ptr_array_add(argv, (gpointer)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    return qv_test_run((const char *const *)argv->pdata, out, err);
}

#define OK(e, out, ...) do { \
        g_autofree char *err_ = NULL; \
        int rc_ = qvv(e, out, &err_, __VA_ARGS__, NULL); \
        if (rc_ != 0) \
            g_error("line %d: qvirt failed (%d): %s", __LINE__, rc_, err_); \
    } while (0)

#define FAILS(e, want, ...) do { \
        g_autofree char *err_ = NULL; \
        int rc_ = qvv(e, NULL, &err_, __VA_ARGS__, NULL); \
        if (rc_ == 0 || !strstr(err_, want)) \
            g_error("line %d: expected a failure with '%s', got %d: %s", __LINE__, want, rc_, err_); \
    } while (0)

static gint
cmp_strp(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The node names QEMU has, sorted, space-separated */
static char *
qemu_nodes(Env *e, const char *name)
{
    g_autofree char *out = NULL;
    g_autoptr(json_object) reply = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    json_object *list = NULL;
    GString *s = g_string_new(NULL);

    OK(e, &out, "qemu-monitor-command", name,
       "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}");
    g_assert_nonnull((reply = json_tokener_parse(out)));
    g_assert_true(json_object_object_get_ex(reply, "return", &list));
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *v = NULL;

        json_object_object_get_ex(json_object_array_get_idx(list, i), "node-name", &v);
        g_ptr_array_add(names, (gpointer)json_object_get_string(v));
    }
    g_ptr_array_sort(names, cmp_strp);
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", (char *)names->pdata[i]);
    return g_string_free(s, FALSE);
}

/* The files of vda's live chain, top first, by base name (not the
 * <mirror>'s) */
static char *
live_chain(Env *e, const char *name)
{
    g_autofree char *xml = NULL;
    GString *s = g_string_new(NULL);
    const char *p, *mirror;

    OK(e, &xml, "dumpxml", name);
    mirror = strstr(xml, "<mirror");
    for (p = xml; (p = strstr(p, "<source file='")); p++) {
        g_autofree char *f = g_strndup(p + 14, strcspn(p + 14, "'"));

        if (mirror && p > mirror && p < strstr(mirror, "</mirror>"))
            continue;
        g_string_append_printf(s, "%s%s", s->len ? " " : "", strrchr(f, '/') + 1);
    }
    return g_string_free(s, FALSE);
}

/* A write by the guest: QEMU's qemu-io through the disk's device, so it
 * takes the path guest I/O takes (through a job's filter nodes) */
static void
guest_write(Env *e, const char *name, const char *cmd)
{
    g_autofree char *line = g_strdup_printf("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \\\"%s\\\"\"}}", cmd);
    g_autofree char *ref = img(e, "ref.raw");
    g_autofree char *out = NULL;
    const char *argv[] = { "qemu-io", "-f", "raw", "-c", cmd, ref, NULL };

    OK(e, &out, "qemu-monitor-command", name, line);
    g_assert_cmpstr(g_strstrip(out), ==, "{\"return\":\"\"}");
    /* the same write on the reference */
    g_assert_cmpint(qv_test_run(argv, NULL, NULL), ==, 0);
}

static void
assert_str(const char *got, const char *want)
{
    g_assert_cmpstr(got, ==, want);
}

/* Full copy: mirrors a write made while it runs; pivot; the definition
 * follows; the old nodes leave QEMU */
static void
test_copy_full(void)
{
    Env e;
    g_autofree char *dest = NULL, *out = NULL, *xml = NULL, *nodes = NULL, *chain = NULL;

    env_init(&e, "copy");
    start_vm(&e, "vm");
    dest = img(&e, "copy.qcow2");
    OK(&e, &out, "blockcopy", "vm", "vda", dest, "--wait");
    g_assert_nonnull(strstr(out, "Now in mirroring phase"));
    OK(&e, &xml, "dumpxml", "vm");
    g_assert_nonnull(strstr(xml, "<mirror type='file' job='copy' ready='yes'>"));
    FAILS(&e, "already has a block job: copy job", "blockpull", "vm", "vda");
    guest_write(&e, "vm", "write -P 9 3M 64k");
    OK(&e, NULL, "blockjob", "vm", "vda", "--pivot");
    chain = live_chain(&e, "vm");
    assert_str(chain, "copy.qcow2");
    nodes = qemu_nodes(&e, "vm");
    assert_str(nodes, "vda-f4 vda-s4");
    OK(&e, &xml, "dumpxml", "vm", "--inactive");
    g_assert_nonnull(strstr(xml, "copy.qcow2"));
    g_assert_null(strstr(xml, "<mirror"));
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, "copy.qcow2");
    env_clear(&e);
}

/* The top image was unlinked while QEMU has it open: the copy is sized
 * from what QEMU has open, not from the file, and carries the data */
static void
test_copy_unlinked_top(void)
{
    Env e;
    g_autofree char *dest = NULL, *top = NULL, *out = NULL;
    const char *argv[] = { "qemu-img", "info", "-U", "--output=json", NULL, NULL };

    env_init(&e, "unlinked");
    start_vm(&e, "vm");
    top = img(&e, "snap2.qcow2");
    g_assert_cmpint(unlink(top), ==, 0);
    dest = img(&e, "copy.qcow2");
    OK(&e, NULL, "blockcopy", "vm", "vda", dest, "--wait", "--pivot");
    argv[4] = dest;
    g_assert_cmpint(qv_test_run(argv, &out, NULL), ==, 0);
    g_assert_nonnull(strstr(out, "\"virtual-size\": 8388608"));
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, "copy.qcow2");
    env_clear(&e);
}

/* The last "TITLE: [ N %]" line of --verbose's progress */
static char *
last_progress(const char *err, const char *title)
{
    g_auto(GStrv) lines = g_strsplit_set(err, "\r\n", -1);
    const char *last = NULL;

    for (int i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], title))
            last = lines[i];
    }
    if (!last)
        g_error("no '%s' progress line in: %s", title, err);
    return g_strdup(last);
}

/* --wait --verbose: the progress ends at 100 % when the job is ready or
 * complete, also for a shallow copy of an empty top (0 of 0 bytes) */
static void
test_copy_verbose(void)
{
    Env e;
    g_autofree char *dest = NULL, *out = NULL, *err = NULL, *line = NULL, *d = NULL;

    env_init(&e, "verbose");
    make_chain(&e);
    {
        g_autofree char *top = img(&e, "empty.qcow2");

        qv_test_qemu_img("create", "-q", "-f", "qcow2", "-b", "snap2.qcow2", "-F", "qcow2", top, NULL);
    }
    d = file_disk("vda", "empty.qcow2", NULL);
    define(&e, "vm", d);
    qv_ok(&e, NULL, "start", "vm", "--paused");
    runtime_pid(&e, "vm", "qemu_pid");
    dest = img(&e, "copy.qcow2");
    g_assert_cmpint(qvv(&e, &out, &err, "blockcopy", "vm", "vda", dest, "--shallow", "--wait",
                        "--verbose", "--pivot", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "Successfully pivoted"));
    line = last_progress(err, "Block Copy:");
    assert_str(line, "Block Copy: [100 %]");
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qvv(&e, &out, &err, "blockpull", "vm", "vda", "--base", "vda[3]",
                        "--wait", "--verbose", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "Block Pull complete"));
    g_free(line);
    line = last_progress(err, "Block ");
    g_assert_nonnull(strstr(line, "[100 %]"));
    OK(&e, NULL, "destroy", "vm");
    env_clear(&e);
}

/* Shallow copy: only the top is copied; the copy shares the backing
 * chain (same nodes); --raw copies flatten into a raw file */
static void
test_copy_shallow_raw(void)
{
    Env e;
    g_autofree char *dest = NULL, *raw = NULL, *chain = NULL, *nodes = NULL, *info = NULL;

    env_init(&e, "shallow");
    start_vm(&e, "vm");
    dest = img(&e, "shallow.qcow2");
    raw = img(&e, "flat.raw");
    FAILS(&e, "a shallow copy to a raw destination needs a source without a backing file",
          "blockcopy", "vm", "vda", raw, "--shallow", "--raw");
    FAILS(&e, "does not exist (--reuse-external needs an existing file)",
          "blockcopy", "vm", "vda", raw, "--reuse-external");
    OK(&e, NULL, "blockcopy", "vm", "vda", dest, "--shallow", "--wait", "--pivot");
    {
        g_autofree char *rel = img(&e, "snap1.qcow2");
        g_autofree char *out = NULL;
        const char *argv[] = { "qemu-img", "info", "-U", dest, NULL };

        g_assert_cmpint(qv_test_run(argv, &out, NULL), ==, 0);
        g_assert_nonnull(strstr(out, rel));
    }
    chain = live_chain(&e, "vm");
    g_assert_nonnull(strstr(chain, "shallow.qcow2 snap1.qcow2 base.qcow2"));
    nodes = qemu_nodes(&e, "vm");
    assert_str(nodes, "vda-f2 vda-f3 vda-f4 vda-s2 vda-s3 vda-s4");
    assert_data(&e, "shallow.qcow2");
    OK(&e, NULL, "blockcopy", "vm", "vda", raw, "--raw", "--wait", "--finish");
    /* --finish: the copy is complete, the disk stays where it was */
    g_free(chain);
    chain = live_chain(&e, "vm");
    g_assert_nonnull(strstr(chain, "shallow.qcow2 snap1.qcow2 base.qcow2"));
    {
        g_autofree char *ref = img(&e, "ref.raw");
        const char *argv[] = { "qemu-img", "compare", "-U", "-f", "raw", "-F", "raw", raw, ref, NULL };

        g_assert_cmpint(qv_test_run(argv, NULL, NULL), ==, 0);
    }
    OK(&e, &info, "blockjob", "vm", "vda");
    g_assert_nonnull(strstr(info, "No current block job for vda"));
    OK(&e, NULL, "destroy", "vm");
    env_clear(&e);
}

/* Moving a whole chain: the backing files copied by hand, a new top
 * pre-created with a relative backing name, a shallow reuse-external
 * copy, pivot: the guest then runs entirely on the new storage */
static void
test_copy_migrate_chain(void)
{
    Env e;
    g_autofree char *newdir = NULL, *ntop = NULL, *chain = NULL, *out = NULL;

    env_init(&e, "migrate");
    start_vm(&e, "vm");
    newdir = g_build_filename(e.root, "new", NULL);
    g_assert_cmpint(g_mkdir_with_parents(newdir, 0755), ==, 0);
    for (int i = 0; i < 2; i++) {
        const char *f = i ? "snap1.qcow2" : "base.qcow2";
        g_autofree char *from = img(&e, f);
        g_autofree char *to = g_build_filename(newdir, f, NULL);
        g_autofree char *data = NULL;
        gsize len = 0;

        g_assert_true(g_file_get_contents(from, &data, &len, NULL));
        g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
    }
    ntop = g_build_filename(newdir, "snap2.qcow2", NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", "snap1.qcow2", "-F", "qcow2", ntop, "8M", NULL);
    OK(&e, &out, "blockcopy", "vm", "vda", ntop, "--shallow", "--reuse-external", "--wait", "--pivot");
    chain = live_chain(&e, "vm");
    g_assert_nonnull(strstr(chain, "snap2.qcow2 snap1.qcow2 base.qcow2"));
    {
        g_autofree char *xml = NULL;

        OK(&e, &xml, "dumpxml", "vm");
        g_assert_nonnull(strstr(xml, "/new/snap2.qcow2"));
        g_assert_nonnull(strstr(xml, "/new/snap1.qcow2"));
        g_assert_nonnull(strstr(xml, "/new/base.qcow2"));
        g_assert_null(strstr(xml, "/img/"));
    }
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, ntop);
    env_clear(&e);
}

/* Abort before ready; pivot refused until ready; the API's flag checks */
static void
test_copy_abort_refusals(void)
{
    Env e;
    g_autofree char *dest = NULL, *chain = NULL, *nodes = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;

    env_init(&e, "abort");
    start_vm(&e, "vm");
    dest = img(&e, "slow.qcow2");
    /* 1 KiB/s: stays in its copy phase for the whole test */
    OK(&e, NULL, "blockcopy", "vm", "vda", dest, "--bandwidth", "1024", "--bytes");
    FAILS(&e, "is not ready yet", "blockjob", "vm", "vda", "--pivot");
    FAILS(&e, "already has a block job", "blockcommit", "vm", "vda", "--active");
    OK(&e, NULL, "blockjob", "vm", "vda", "--abort");
    chain = live_chain(&e, "vm");
    g_assert_nonnull(strstr(chain, "snap2.qcow2 snap1.qcow2 base.qcow2"));
    nodes = qemu_nodes(&e, "vm");
    assert_str(nodes, "vda-f1 vda-f2 vda-f3 vda-s1 vda-s2 vda-s3");
    FAILS(&e, "no block job is running on disk 'vda'", "blockjob", "vm", "vda", "--abort");
    FAILS(&e, "exists already; use --reuse-external", "blockcopy", "vm", "vda", dest);
    FAILS(&e, "has no disk 'vdz'", "blockcopy", "vm", "vdz", dest);

    g_assert_nonnull((conn = qvirt_connect_open(e.root, &err)));
    g_assert_nonnull((dom = qvirt_domain_lookup(conn, "vm", &err)));
    g_assert_cmpint(qvirt_domain_block_rebase(dom, "vda", NULL, 0, QVIRT_DOMAIN_BLOCK_REBASE_SHALLOW, &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "requires a copy job"));
    g_clear_error(&err);
    g_assert_cmpint(qvirt_domain_block_rebase(dom, "vda", NULL, 0, QVIRT_DOMAIN_BLOCK_REBASE_COPY_RAW, &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "requires a copy job"));
    g_clear_error(&err);
    g_assert_cmpint(qvirt_domain_block_copy(dom, "vda", "<disk type='network'/>", NULL, 0, 0, &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "type 'file' or 'block'"));
    g_clear_error(&err);
    OK(&e, NULL, "destroy", "vm");
    env_clear(&e);
}

static void
test_pull_commit(void)
{
    Env e;
    g_autofree char *chain = NULL, *out = NULL, *snap1 = NULL;

    env_init(&e, "pull");
    start_vm(&e, "vm");
    /* pull snap1 into snap2: snap2 <- base */
    OK(&e, &out, "blockpull", "vm", "vda", "--base", "vda[3]", "--keep-relative", "--wait");
    g_assert_nonnull(strstr(out, "Block Pull complete"));
    {
        g_autofree char *top = img(&e, "snap2.qcow2");
        g_autofree char *info = NULL;
        const char *argv[] = { "qemu-img", "info", "-U", "--output=json", top, NULL };

        g_assert_cmpint(qv_test_run(argv, &info, NULL), ==, 0);
        g_assert_nonnull(strstr(info, "\"backing-filename\": \"base.qcow2\""));
    }
    chain = live_chain(&e, "vm");
    assert_str(chain, "snap2.qcow2 base.qcow2");
    {
        g_autofree char *nodes = qemu_nodes(&e, "vm");

        assert_str(nodes, "vda-f1 vda-f3 vda-s1 vda-s3");
    }
    /* QEMU writes its cached metadata out when it stops */
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, "snap2.qcow2");
    env_clear(&e);

    env_init(&e, "commit");
    start_vm(&e, "vm");
    snap1 = img(&e, "snap1.qcow2");
    FAILS(&e, "needs --active", "blockcommit", "vm", "vda");
    OK(&e, &out, "blockcommit", "vm", "vda", "--top", snap1, "--wait", "--delete");
    g_free(chain);
    chain = live_chain(&e, "vm");
    assert_str(chain, "snap2.qcow2 base.qcow2");
    g_assert_false(g_file_test(snap1, G_FILE_TEST_EXISTS));
    /* active commit: ready, then pivot to the base */
    guest_write(&e, "vm", "write -P 7 5M 64k");
    OK(&e, &out, "blockcommit", "vm", "vda", "--active", "--wait", "--pivot");
    g_free(chain);
    chain = live_chain(&e, "vm");
    assert_str(chain, "base.qcow2");
    {
        g_autofree char *nodes = qemu_nodes(&e, "vm");

        assert_str(nodes, "vda-f3 vda-s3");
    }
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, "base.qcow2");
    env_clear(&e);
}

/* The supervisor killed during a job: the next command reattaches, finds
 * the job, and a pivot works; the CLI killed during --wait: the job
 * goes on */
static void
test_crash(void)
{
    Env e;
    g_autofree char *dest = NULL, *info = NULL, *chain = NULL;
    pid_t sup, cli;

    env_init(&e, "crash");
    start_vm(&e, "vm");
    dest = img(&e, "copy.qcow2");
    cli = fork();
    if (cli == 0) {
        execl(g_getenv("QVIRT_BIN"), "qvirt", "--root", e.root, "blockcopy", "vm", "vda", dest,
              "--wait", "--bandwidth", "1024", "--bytes", (char *)NULL);
        _exit(127);
    }
    /* the job exists once the copy's destination does */
    for (int i = 0; i < 200 && !g_file_test(dest, G_FILE_TEST_EXISTS); i++)
        g_usleep(50 * 1000);
    g_usleep(300 * 1000);
    kill(cli, SIGKILL);
    waitpid(cli, NULL, 0);
    OK(&e, &info, "blockjob", "vm", "vda", "--info");
    g_assert_nonnull(strstr(info, "Block Copy"));
    sup = runtime_pid(&e, "vm", "supervisor_pid");
    kill_and_wait(sup);
    OK(&e, &info, "blockjob", "vm", "vda", "--info");
    g_assert_nonnull(strstr(info, "Block Copy"));
    g_assert_cmpint(runtime_pid(&e, "vm", "supervisor_pid"), !=, sup);
    OK(&e, NULL, "blockjob", "vm", "vda", "--bandwidth", "0");
    {
        gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
        g_autofree char *out = NULL;

        do {
            g_usleep(100 * 1000);
            OK(&e, &out, "blockjob", "vm", "vda", "--info");
        } while (!strstr(out, "[100 %]") && g_get_monotonic_time() < deadline);
    }
    OK(&e, NULL, "blockjob", "vm", "vda", "--pivot");
    chain = live_chain(&e, "vm");
    assert_str(chain, "copy.qcow2");
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, "copy.qcow2");
    env_clear(&e);
}

/* The other accepted combinations: REUSE_EXT into an empty qcow2 (format
 * probed) with TRANSIENT_JOB, SYNCHRONOUS_WRITES, granularity and buffer
 * size; REUSE_EXT|RAW into an empty raw file; --timeout aborts; pull of
 * everything; commit with --keep-relative; active commit --keep-overlay */
static void
test_copy_flags(void)
{
    Env e;
    g_autofree char *q = NULL, *r = NULL, *slow = NULL, *xml = NULL, *chain = NULL, *out = NULL;

    env_init(&e, "flags");
    start_vm(&e, "vm");
    q = img(&e, "empty.qcow2");
    r = img(&e, "empty.raw");
    slow = img(&e, "slow.qcow2");
    qv_test_qemu_img("create", "-q", "-f", "qcow2", q, "8M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "raw", r, "8M", NULL);
    FAILS(&e, "--pivot and --finish need --wait", "blockcopy", "vm", "vda", q, "--pivot");
    OK(&e, NULL, "blockcopy", "vm", "vda", r, "--reuse-external", "--raw", "--wait", "--finish");
    {
        g_autofree char *ref = img(&e, "ref.raw");
        const char *argv[] = { "qemu-img", "compare", "-U", "-f", "raw", "-F", "raw", r, ref, NULL };

        g_assert_cmpint(qv_test_run(argv, NULL, NULL), ==, 0);
    }
    OK(&e, NULL, "blockcopy", "vm", "vda", q, "--reuse-external", "--transient-job",
       "--synchronous-writes", "--granularity", "65536", "--buf-size", "1048576", "--wait", "--pivot");
    chain = live_chain(&e, "vm");
    assert_str(chain, "empty.qcow2");
    OK(&e, &xml, "dumpxml", "vm", "--inactive");
    g_assert_nonnull(strstr(xml, "snap2.qcow2"));
    g_assert_null(strstr(xml, "empty.qcow2"));
    FAILS(&e, "did not end within 1 s; it was aborted", "blockcopy", "vm", "vda", slow,
          "--bandwidth", "1024", "--bytes", "--wait", "--timeout", "1");
    OK(&e, &out, "blockjob", "vm", "vda");
    g_assert_nonnull(strstr(out, "No current block job"));
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, "empty.qcow2");
    env_clear(&e);

    env_init(&e, "relative");
    start_vm(&e, "vm");
    OK(&e, NULL, "blockcommit", "vm", "vda", "--top", "vda[2]", "--keep-relative", "--wait");
    {
        g_autofree char *top = img(&e, "snap2.qcow2");
        g_autofree char *info = NULL;
        const char *argv[] = { "qemu-img", "info", "-U", "--output=json", top, NULL };

        g_assert_cmpint(qv_test_run(argv, &info, NULL), ==, 0);
        g_assert_nonnull(strstr(info, "\"backing-filename\": \"base.qcow2\""));
    }
    OK(&e, NULL, "blockcommit", "vm", "vda", "--active", "--wait", "--keep-overlay");
    g_free(chain);
    chain = live_chain(&e, "vm");
    assert_str(chain, "snap2.qcow2 base.qcow2");
    OK(&e, NULL, "blockpull", "vm", "vda", "--wait");
    g_free(chain);
    chain = live_chain(&e, "vm");
    assert_str(chain, "snap2.qcow2");
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, "snap2.qcow2");
    env_clear(&e);
}

/* The metadata file of snapshot @name: it parses, names the snapshot and
 * lists @ndisks overlays, the first one ending in @first_overlay */
static void
assert_metadata(const char *path, const char *name, size_t ndisks, const char *first_overlay)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvSnapshotDef) def = qv_snapshot_parse_file(path, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(def->name, ==, name);
    g_assert_cmpint(def->state, ==, QV_SNAPSHOT_STATE_DISK_SNAPSHOT);
    g_assert_true(def->has_creation_time);
    g_assert_cmpuint(def->ndisks, ==, ndisks);
    g_assert_cmpint(def->disks[0]->snapshot, ==, QV_SNAPSHOT_LOCATION_EXTERNAL);
    g_assert_cmpint(def->disks[0]->src->format, ==, QV_FORMAT_QCOW2);
    if (!g_str_has_suffix(def->disks[0]->src->path, first_overlay))
        g_error("%s: overlay '%s' does not end in '%s'", path, def->disks[0]->src->path, first_overlay);
}

/* Disk-only snapshots: every writable disk in one transaction, overlays
 * that record their backing format, writes land in the overlay, the
 * definition grows, metadata kept; refusals */
static void
test_snapshot(void)
{
    Env e;
    g_autofree char *devs = NULL, *vda = NULL, *vdb = NULL, *xml = NULL, *chain = NULL;
    g_autofree char *ov = NULL, *out = NULL, *meta = NULL, *pre = NULL, *slow = NULL;

    env_init(&e, "snapshot");
    make_chain(&e);
    mkqcow(&e, "other.qcow2", NULL);
    vda = file_disk("vda", "snap2.qcow2", NULL);
    vdb = file_disk("vdb", "other.qcow2", NULL);
    devs = g_strconcat(vda, vdb, NULL);
    define(&e, "vm", devs);
    OK(&e, NULL, "start", "vm", "--paused");
    runtime_pid(&e, "vm", "qemu_pid");
    FAILS(&e, "only disk-only snapshots are supported", "snapshot-create-as", "vm", "s0");
    OK(&e, &out, "snapshot-create-as", "vm", "s1", "--disk-only");
    g_assert_nonnull(strstr(out, "Domain snapshot s1 created"));
    chain = live_chain(&e, "vm");
    assert_str(chain, "snap2.s1 snap2.qcow2 snap1.qcow2 base.qcow2 other.s1 other.qcow2");
    ov = img(&e, "snap2.s1");
    {
        const char *argv[] = { "qemu-img", "info", "-U", ov, NULL };
        g_autofree char *info = NULL;

        g_assert_cmpint(qv_test_run(argv, &info, NULL), ==, 0);
        g_assert_nonnull(strstr(info, "backing file format: qcow2"));
    }
    meta = g_strdup_printf("%s/var/lib/vm.snapshots/s1.xml", e.root);
    assert_metadata(meta, "s1", 2, "snap2.s1");
    FAILS(&e, "has a snapshot 's1' already", "snapshot-create-as", "vm", "s1", "--disk-only");
    OK(&e, &xml, "dumpxml", "vm", "--inactive");
    g_assert_nonnull(strstr(xml, "snap2.s1'"));
    g_assert_nonnull(strstr(xml, "other.s1'"));
    guest_write(&e, "vm", "write -P 5 4M 64k");
    /* one disk only, into an overlay made beforehand, no record */
    pre = img(&e, "pre.qcow2");
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", ov, "-F", "qcow2", pre, "8M", NULL);
    {
        g_autofree char *spec = g_strdup_printf("vda,snapshot=external,file=%s", pre);

        OK(&e, NULL, "snapshot-create-as", "vm", "s2", "--disk-only", "--reuse-external", "--no-metadata",
           "--diskspec", spec, "--diskspec", "vdb,snapshot=no");
    }
    g_free(chain);
    chain = live_chain(&e, "vm");
    assert_str(chain, "pre.qcow2 snap2.s1 snap2.qcow2 snap1.qcow2 base.qcow2 other.s1 other.qcow2");
    /* not while a copy runs on a disk */
    slow = img(&e, "slow.qcow2");
    OK(&e, NULL, "blockcopy", "vm", "vdb", slow, "--bandwidth", "1024", "--bytes");
    FAILS(&e, "disk 'vdb' has a running copy job", "snapshot-create-as", "vm", "s3", "--disk-only");
    OK(&e, NULL, "blockjob", "vm", "vdb", "--abort");
    /* a name that needs escaping: its metadata is XML that gives it back */
    {
        static const char name[] = "q<&'\"";
        g_autofree char *qmeta = g_strdup_printf("%s/var/lib/vm.snapshots/%s.xml", e.root, name);

        OK(&e, NULL, "snapshot-create-as", "vm", name, "--disk-only", "--diskspec", "vdb,snapshot=no");
        assert_metadata(qmeta, name, 1, "pre.q<&'\"");
    }
    OK(&e, NULL, "destroy", "vm");
    assert_data(&e, "pre.qcow2");
    env_clear(&e);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    g_test_add_func("/blockjob/copy-full", test_copy_full);
    g_test_add_func("/blockjob/copy-unlinked-top", test_copy_unlinked_top);
    g_test_add_func("/blockjob/copy-shallow-raw", test_copy_shallow_raw);
    g_test_add_func("/blockjob/copy-verbose", test_copy_verbose);
    g_test_add_func("/blockjob/copy-migrate-chain", test_copy_migrate_chain);
    g_test_add_func("/blockjob/copy-abort-refusals", test_copy_abort_refusals);
    g_test_add_func("/blockjob/copy-flags", test_copy_flags);
    g_test_add_func("/blockjob/pull-commit", test_pull_commit);
    g_test_add_func("/blockjob/crash", test_crash);
    g_test_add_func("/blockjob/snapshot", test_snapshot);
    ret = g_test_run();
    qv_test_guest_cleanup();
    return ret;
}
