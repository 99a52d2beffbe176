/*
 * test-dac-guest: QEMU as its own unprivileged user, with real QEMU (as
 * root, TCG): its credentials and seccomp filter, the labels of every
 * chain element while it runs and their restoration after, through
 * kills, shared images, block jobs, snapshots and hotplug.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "security/qv-dac.h"
#include "qv-test-guest.h"

static uid_t quid;
static gid_t qgid;

typedef struct {
    uid_t uid;
    gid_t gid;
    mode_t mode;
} Owner;

static Owner
owner_of(const char *path)
{
    struct stat st;
    Owner o;

    g_assert_cmpint(stat(path, &st), ==, 0);
    o.uid = st.st_uid;
    o.gid = st.st_gid;
    o.mode = st.st_mode & 07777;
    return o;
}

static void
assert_owner(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
    Owner o = owner_of(path);

    if (o.uid != uid || o.gid != gid || o.mode != mode)
        g_error("'%s' is %u:%u %04o, expected %u:%u %04o", path, (unsigned int)o.uid,
                (unsigned int)o.gid, (unsigned int)o.mode, (unsigned int)uid,
                (unsigned int)gid, (unsigned int)mode);
}

static char *
xattr(const char *path, const char *name)
{
    char buf[256];
    ssize_t n = getxattr(path, name, buf, sizeof(buf) - 1);

    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return g_strdup(buf);
}

static void
assert_ref(const char *path, const char *want)
{
    g_autofree char *v = xattr(path, QV_DAC_XATTR_REF);

    if (g_strcmp0(v, want) != 0)
        g_error("'%s': ref_dac is %s, expected %s", path, v ? v : "(none)", want ? want : "(none)");
}

static void
assert_no_xattrs(const char *path)
{
    char list[1024];
    ssize_t n = listxattr(path, list, sizeof(list));

    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
        if (g_str_has_prefix(list + i, "trusted."))
            g_error("'%s' still has %s", path, list + i);
    }
}

/* A qcow2 chain PREFIX-base <- PREFIX-mid <- PREFIX-top, root 0600 */
static void
chain(Env *e, const char *prefix)
{
    const char *names[] = { "base", "mid", "top" };

    for (int i = 0; i < 3; i++) {
        g_autofree char *n = g_strdup_printf("%s-%s.qcow2", prefix, names[i]);
        g_autofree char *below = i ? g_strdup_printf("%s-%s.qcow2", prefix, names[i - 1]) : NULL;
        g_autofree char *p = img(e, n);

        mkqcow(e, n, below);
        g_assert_cmpint(chmod(p, 0600), ==, 0);
    }
}

static char *
elem(Env *e, const char *prefix, const char *name)
{
    g_autofree char *n = g_strdup_printf("%s-%s.qcow2", prefix, name);

    return img(e, n);
}

/* Every file of @prefix's chain is root:root 0600 with no xattrs */
static void
assert_chain_restored(Env *e, const char *prefix)
{
    const char *names[] = { "base", "mid", "top" };

    for (int i = 0; i < 3; i++) {
        g_autofree char *p = elem(e, prefix, names[i]);

        assert_owner(p, 0, 0, 0600);
        assert_no_xattrs(p);
    }
}

/* QEMU's user owns the top; the layers below are readable by its group
 * and writable by nobody but root */
static void
assert_chain_labelled(Env *e, const char *prefix)
{
    g_autofree char *top = elem(e, prefix, "top");
    g_autofree char *mid = elem(e, prefix, "mid");
    g_autofree char *base = elem(e, prefix, "base");

    assert_owner(top, quid, qgid, 0600);
    assert_owner(mid, 0, qgid, 0640);
    assert_owner(base, 0, qgid, 0640);
}

static char *
proc_status(pid_t pid, const char *key)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *data = NULL;
    g_autofree char *k = g_strdup_printf("\n%s:\t", key);
    const char *p;

    g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
    p = strstr(data, k);
    g_assert_nonnull(p);
    p += strlen(k);
    return g_strndup(p, strcspn(p, "\n"));
}

static void
write_conf(Env *e, const char *text)
{
    g_autofree char *dir = g_build_filename(e->root, "etc", NULL);
    g_autofree char *path = g_build_filename(dir, "qemu.conf", NULL);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static char *
chain_disk(const char *dev, const char *prefix)
{
    g_autofree char *f = g_strdup_printf("%s-top.qcow2", prefix);

    return file_disk(dev, f, NULL);
}

static void
test_process(void)
{
    Env e;
    g_autofree char *d = NULL, *uid = NULL, *gid = NULL, *groups = NULL, *sec = NULL;
    g_autofree char *cmdline = NULL, *want = NULL, *cl = NULL, *qg = NULL;
    pid_t pid;
    gsize len;

    env_init(&e, "proc");
    chain(&e, "p");
    d = chain_disk("vda", "p");
    define(&e, "proc", d);
    qv_ok(&e, NULL, "start", "proc", NULL);
    pid = runtime_pid(&e, "proc", "qemu_pid");
    uid = proc_status(pid, "Uid");
    gid = proc_status(pid, "Gid");
    groups = proc_status(pid, "Groups");
    sec = proc_status(pid, "Seccomp");
    want = g_strdup_printf("%u\t%u\t%u\t%u", (unsigned int)quid, (unsigned int)quid,
                           (unsigned int)quid, (unsigned int)quid);
    g_assert_cmpstr(uid, ==, want);
    g_free(want);
    want = g_strdup_printf("%u\t%u\t%u\t%u", (unsigned int)qgid, (unsigned int)qgid,
                           (unsigned int)qgid, (unsigned int)qgid);
    g_assert_cmpstr(gid, ==, want);
    qg = g_strdup_printf("%u", (unsigned int)qgid);
    assert_contains(groups, qg);
    g_assert_cmpstr(sec, ==, "2");
    cl = g_strdup_printf("/proc/%d/cmdline", (int)pid);
    g_assert_true(g_file_get_contents(cl, &cmdline, &len, NULL));
    for (gsize i = 0; i + 1 < len; i++)
        if (!cmdline[i])
            cmdline[i] = ' ';
    assert_contains(cmdline, "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
                             "resourcecontrol=deny");
    g_assert_null(strstr(cmdline, "-runas"));
    assert_chain_labelled(&e, "p");
    qv_ok(&e, NULL, "destroy", "proc", NULL);
    assert_chain_restored(&e, "p");
    env_clear(&e);
}

/* A 3-layer chain root 0600: labelled while QEMU runs, as before after */
static void
test_chain(void)
{
    Env e;
    g_autofree char *d = NULL, *top = NULL, *mid = NULL, *stamp = qv_dac_boot_timestamp();
    g_autofree char *orig = NULL, *ts = NULL, *mode = NULL;

    env_init(&e, "chain");
    chain(&e, "c");
    d = chain_disk("vda", "c");
    define(&e, "chain", d);
    qv_ok(&e, NULL, "start", "chain", "--paused");
    runtime_pid(&e, "chain", "qemu_pid");
    assert_chain_labelled(&e, "c");
    top = elem(&e, "c", "top");
    mid = elem(&e, "c", "mid");
    orig = xattr(top, QV_DAC_XATTR_LABEL);
    ts = xattr(top, QV_DAC_XATTR_TIMESTAMP);
    mode = xattr(mid, QV_DAC_XATTR_MODE);
    g_assert_cmpstr(orig, ==, "+0:+0");
    g_assert_cmpstr(ts, ==, stamp);
    g_assert_cmpstr(mode, ==, "600");
    assert_ref(top, "1");
    qv_ok(&e, NULL, "destroy", "chain", NULL);
    assert_chain_restored(&e, "c");
    env_clear(&e);
}

/* Two guests read one base; the base goes back when the last one stops */
static void
test_shared_base(void)
{
    Env e;
    g_autofree char *base = NULL, *a = NULL, *b = NULL;

    env_init(&e, "sharedbase");
    mkqcow(&e, "base.qcow2", NULL);
    mkqcow(&e, "a.qcow2", "base.qcow2");
    mkqcow(&e, "b.qcow2", "base.qcow2");
    base = img(&e, "base.qcow2");
    g_assert_cmpint(chmod(base, 0600), ==, 0);
    a = file_disk("vda", "a.qcow2", NULL);
    b = file_disk("vda", "b.qcow2", NULL);
    define(&e, "ga", a);
    define(&e, "gb", b);
    qv_ok(&e, NULL, "start", "ga", "--paused");
    runtime_pid(&e, "ga", "qemu_pid");
    assert_ref(base, "1");
    qv_ok(&e, NULL, "start", "gb", "--paused");
    runtime_pid(&e, "gb", "qemu_pid");
    assert_ref(base, "2");
    assert_owner(base, 0, qgid, 0640);
    qv_ok(&e, NULL, "destroy", "ga", NULL);
    /* gb still reads it */
    assert_ref(base, "1");
    assert_owner(base, 0, qgid, 0640);
    qv_ok(&e, NULL, "destroy", "gb", NULL);
    assert_owner(base, 0, 0, 0600);
    assert_no_xattrs(base);
    env_clear(&e);
}

/* One <shareable/> raw disk in two guests: QEMU's while either runs */
static void
test_shareable(void)
{
    Env e;
    g_autofree char *disk = NULL, *path = NULL;

    env_init(&e, "shareable");
    path = img(&e, "shared.raw");
    qv_test_qemu_img("create", "-q", "-f", "raw", path, "1M", NULL);
    g_assert_cmpint(chmod(path, 0600), ==, 0);
    disk = g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='raw' "
                           "cache='none'/><source file='%s'/><target dev='vda' bus='virtio'/>"
                           "<shareable/></disk>", path);
    define(&e, "sa", disk);
    define(&e, "sb", disk);
    qv_ok(&e, NULL, "start", "sa", "--paused");
    runtime_pid(&e, "sa", "qemu_pid");
    qv_ok(&e, NULL, "start", "sb", "--paused");
    runtime_pid(&e, "sb", "qemu_pid");
    assert_owner(path, quid, qgid, 0600);
    assert_ref(path, "2");
    qv_ok(&e, NULL, "destroy", "sa", NULL);
    /* never restored while another guest may use it */
    assert_owner(path, quid, qgid, 0600);
    assert_ref(path, "1");
    qv_ok(&e, NULL, "destroy", "sb", NULL);
    assert_owner(path, 0, 0, 0600);
    assert_no_xattrs(path);
    env_clear(&e);
}

/* kill -9 of QEMU: the supervisor restores at once; of the supervisor:
 * the next one restores when QEMU stops; of both: whoever finds the
 * guest dead restores from the record */
static void
test_kills(void)
{
    Env e;
    g_autofree char *d = NULL, *top = NULL;

    env_init(&e, "kills");
    chain(&e, "k");
    d = chain_disk("vda", "k");
    define(&e, "kills", d);
    top = elem(&e, "k", "top");

    qv_ok(&e, NULL, "start", "kills", "--paused");
    kill_and_wait(runtime_pid(&e, "kills", "qemu_pid"));
    wait_state(&e, "kills", "shut off (crashed)");
    assert_chain_restored(&e, "k");

    qv_ok(&e, NULL, "start", "kills", "--paused");
    runtime_pid(&e, "kills", "qemu_pid");
    kill_and_wait(runtime_pid(&e, "kills", "supervisor_pid"));
    assert_chain_labelled(&e, "k");
    qv_ok(&e, NULL, "destroy", "kills", NULL);
    assert_chain_restored(&e, "k");

    qv_ok(&e, NULL, "start", "kills", "--paused");
    runtime_pid(&e, "kills", "qemu_pid");
    kill_and_wait(runtime_pid(&e, "kills", "supervisor_pid"));
    kill_and_wait(runtime_pid(&e, "kills", "qemu_pid"));
    assert_chain_labelled(&e, "k");
    assert_state(&e, "kills", "shut off (crashed)");
    assert_chain_restored(&e, "k");
    /* and a start after it counts from one again */
    qv_ok(&e, NULL, "start", "kills", "--paused");
    runtime_pid(&e, "kills", "qemu_pid");
    assert_ref(top, "1");
    qv_ok(&e, NULL, "destroy", "kills", NULL);
    assert_chain_restored(&e, "k");
    env_clear(&e);
}

/* relabel='no' on one backing layer: left alone, and a QEMU that cannot
 * read it means a start that fails naming it; readable, it works */
static void
test_relabel_no(void)
{
    Env e;
    g_autofree char *d = NULL, *mid = NULL, *err = NULL;

    env_init(&e, "norelabel");
    chain(&e, "n");
    mid = elem(&e, "n", "mid");
    d = g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                        "<source file='@DIR@/n-top.qcow2'/><backingStore type='file'>"
                        "<format type='qcow2'/><source file='@DIR@/n-mid.qcow2'>"
                        "<seclabel model='dac' relabel='no'/></source><backingStore type='file'>"
                        "<format type='qcow2'/><source file='@DIR@/n-base.qcow2'/><backingStore/>"
                        "</backingStore></backingStore><target dev='vda' bus='virtio'/></disk>");
    define(&e, "norelabel", d);
    g_assert_cmpint(qv(&e, NULL, &err, "start", "norelabel", "--paused"), !=, 0);
    assert_contains(err, "QEMU (user 'qvirt-qemu') cannot read '");
    assert_contains(err, mid);
    assert_contains(err, "relabel='no'>: set relabel='yes'");
    assert_state(&e, "norelabel", "shut off (failed)");
    assert_chain_restored(&e, "n");

    g_assert_cmpint(chmod(mid, 0644), ==, 0);
    qv_ok(&e, NULL, "start", "norelabel", "--paused");
    runtime_pid(&e, "norelabel", "qemu_pid");
    assert_owner(mid, 0, 0, 0644);
    assert_no_xattrs(mid);
    {
        g_autofree char *top = elem(&e, "n", "top");

        assert_owner(top, quid, qgid, 0600);
    }
    qv_ok(&e, NULL, "destroy", "norelabel", NULL);
    assert_owner(mid, 0, 0, 0644);

    /* on the top, it holds for the layers below that have none */
    {
        const char *names[] = { "base", "mid", "top" };
        g_autofree char *d2 = g_strdup_printf(
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            "<source file='@DIR@/n-top.qcow2'><seclabel model='dac' relabel='no'/></source>"
            "<target dev='vda' bus='virtio'/></disk>");

        for (int i = 0; i < 3; i++) {
            g_autofree char *p = elem(&e, "n", names[i]);

            g_assert_cmpint(chmod(p, 0666), ==, 0);
        }
        define(&e, "norelabel", d2);
        qv_ok(&e, NULL, "start", "norelabel", "--paused");
        runtime_pid(&e, "norelabel", "qemu_pid");
        for (int i = 0; i < 3; i++) {
            g_autofree char *p = elem(&e, "n", names[i]);

            assert_owner(p, 0, 0, 0666);
            assert_no_xattrs(p);
        }
        qv_ok(&e, NULL, "destroy", "norelabel", NULL);
    }
    env_clear(&e);
}

/* security_driver = "none": QEMU runs as root, no file changes; with
 * seccomp_sandbox = 0 no filter either */
static void
test_driver_none(void)
{
    Env e;
    g_autofree char *d = NULL, *uid = NULL, *sec = NULL, *top = NULL, *err = NULL;
    pid_t pid;

    env_init(&e, "none");
    chain(&e, "z");
    d = chain_disk("vda", "z");
    define(&e, "none", d);
    write_conf(&e, "security_driver = \"none\"\nseccomp_sandbox = 0\n");
    qv_ok(&e, NULL, "start", "none", "--paused");
    pid = runtime_pid(&e, "none", "qemu_pid");
    uid = proc_status(pid, "Uid");
    sec = proc_status(pid, "Seccomp");
    g_assert_cmpstr(uid, ==, "0\t0\t0\t0");
    g_assert_cmpstr(sec, ==, "0");
    assert_chain_restored(&e, "z");
    qv_ok(&e, NULL, "destroy", "none", NULL);
    assert_chain_restored(&e, "z");

    /* a user that does not exist: a clear refusal */
    write_conf(&e, "user = \"qvirt-no-such-user\"\n");
    g_assert_cmpint(qv(&e, NULL, &err, "start", "none", NULL), !=, 0);
    assert_contains(err, "QEMU's user 'qvirt-no-such-user' (qemu.conf 'user') does not exist: "
                         "create it with 'useradd --system");
    top = elem(&e, "z", "top");
    assert_owner(top, 0, 0, 0600);
    env_clear(&e);
}

/* qvirt --root ROOT ARGS... (NULL-terminated) must succeed */
#define QV_OK(e, ...) do { \
        g_autofree char *err_ = NULL; \
        int rc_ = qv_test_qvirt(NULL, &err_, "--root", (e)->root, __VA_ARGS__, NULL); \
        if (rc_ != 0) \
            g_error("line %d: qvirt failed (%d): %s", __LINE__, rc_, err_); \
    } while (0)

/* What a job hands QEMU is labelled, what leaves the chain goes back:
 * a copy's destination, a snapshot's overlay, an active commit */
static void
test_jobs(void)
{
    Env e;
    g_autofree char *d = NULL, *copy = NULL, *over = NULL;

    env_init(&e, "jobs");
    chain(&e, "j");
    d = chain_disk("vda", "j");
    define(&e, "jobs", d);
    qv_ok(&e, NULL, "start", "jobs", "--paused");
    runtime_pid(&e, "jobs", "qemu_pid");
    copy = img(&e, "copy.qcow2");
    /* a full copy, pivoted to: the new top is QEMU's, the old chain is
     * as it was */
    QV_OK(&e, "blockcopy", "jobs", "vda", copy, "--wait", "--pivot");
    assert_owner(copy, quid, qgid, 0644);
    assert_ref(copy, "1");
    assert_chain_restored(&e, "j");
    /* a snapshot: the overlay is QEMU's; its backing (readable already)
     * goes back to its owner */
    QV_OK(&e, "snapshot-create-as", "jobs", "s1", "--disk-only");
    over = img(&e, "copy.s1");
    assert_owner(over, quid, qgid, 0644);
    assert_owner(copy, 0, 0, 0644);
    assert_no_xattrs(copy);
    /* an active commit back into it: written by QEMU again, the overlay
     * that left the chain restored */
    QV_OK(&e, "blockcommit", "jobs", "vda", "--active", "--wait", "--pivot");
    assert_owner(copy, quid, qgid, 0644);
    assert_owner(over, 0, 0, 0644);
    assert_no_xattrs(over);
    qv_ok(&e, NULL, "destroy", "jobs", NULL);
    assert_owner(copy, 0, 0, 0644);
    assert_no_xattrs(copy);
    env_clear(&e);
}

/* A commit below the top writes into its base: the base is QEMU's only
 * while the job runs, the layer committed away goes back */
static void
test_commit(void)
{
    Env e;
    g_autofree char *d = NULL, *mid = NULL, *base = NULL;

    env_init(&e, "commit");
    chain(&e, "m");
    d = chain_disk("vda", "m");
    define(&e, "commit", d);
    qv_ok(&e, NULL, "start", "commit", "--paused");
    runtime_pid(&e, "commit", "qemu_pid");
    mid = elem(&e, "m", "mid");
    base = elem(&e, "m", "base");
    QV_OK(&e, "blockcommit", "commit", "vda", "--top", mid, "--wait");
    /* mid left the chain; base is a backing layer again */
    assert_owner(mid, 0, 0, 0600);
    assert_no_xattrs(mid);
    assert_owner(base, 0, qgid, 0640);
    QV_OK(&e, "blockpull", "commit", "vda", "--wait");
    assert_owner(base, 0, 0, 0600);
    assert_no_xattrs(base);
    qv_ok(&e, NULL, "destroy", "commit", NULL);
    assert_chain_restored(&e, "m");
    env_clear(&e);
}

static char *
hp_disk(Env *e, const char *file, const char *dev)
{
    return g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                           "<source file='%s/%s'/><target dev='%s' bus='virtio'/></disk>",
                           e->dir, file, dev);
}

/* A plugged chain is labelled before QEMU opens it and restored after
 * the unplug; an attach that fails restores what it labelled */
static void
test_hotplug(void)
{
    Env e;
    g_autoptr(GError) err = NULL;
    g_autofree char *x = NULL, *xf = NULL, *xml = NULL, *path = NULL;
    QvirtConnect *conn;
    QvirtDomain *dom;

    env_init(&e, "hp");
    chain(&e, "h");
    chain(&e, "f");
    xml = g_strdup_printf("<domain type='qemu'><name>hp</name><memory unit='MiB'>64</memory>"
                          "<vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>"
                          "<devices></devices></domain>");
    path = g_build_filename(e.root, "hp.xml", NULL);
    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
    qv_ok(&e, NULL, "define", path, NULL);
    qv_ok(&e, NULL, "start", "hp", NULL);
    runtime_pid(&e, "hp", "qemu_pid");
    conn = qvirt_connect_open(e.root, &err);
    g_assert_no_error(err);
    dom = qvirt_domain_lookup(conn, "hp", &err);
    g_assert_no_error(err);

    x = hp_disk(&e, "h-top.qcow2", "vdb");
    g_assert_cmpint(qvirt_domain_attach_device_flags(dom, x, QVIRT_DOMAIN_AFFECT_LIVE, &err), ==, 0);
    g_assert_no_error(err);
    assert_chain_labelled(&e, "h");
    g_assert_cmpint(qvirt_domain_detach_device_flags(dom, x, QVIRT_DOMAIN_AFFECT_LIVE, &err), ==, 0);
    g_assert_no_error(err);
    assert_chain_restored(&e, "h");

    /* the spare root ports taken, the next attach fails after its nodes
     * were added: its chain goes back */
    for (int i = 0; i < 4; i++) {
        g_autofree char *name = g_strdup_printf("p%d.qcow2", i);
        g_autofree char *dev = g_strdup_printf("vd%c", 'c' + i);
        g_autofree char *px = hp_disk(&e, name, dev);

        mkqcow(&e, name, NULL);
        g_assert_cmpint(qvirt_domain_attach_device_flags(dom, px, QVIRT_DOMAIN_AFFECT_LIVE, &err),
                        ==, 0);
        g_assert_no_error(err);
    }
    xf = hp_disk(&e, "f-top.qcow2", "vdz");
    g_assert_cmpint(qvirt_domain_attach_device_flags(dom, xf, QVIRT_DOMAIN_AFFECT_LIVE, &err), ==, -1);
    assert_contains(err->message, "no free PCIe root port for disk 'vdz'");
    assert_chain_restored(&e, "f");
    qvirt_domain_free(dom);
    qvirt_connect_close(conn);
    qv_ok(&e, NULL, "destroy", "hp", NULL);
    env_clear(&e);
}

#define CDROM "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>%s" \
              "<target dev='sdc' bus='scsi'/><readonly/></disk>"

/* A medium is readable by QEMU while inserted, as before once changed
 * or ejected */
static void
test_media(void)
{
    Env e;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL, *path = NULL, *one = NULL, *two = NULL;
    g_autofree char *x1 = NULL, *x2 = NULL, *none = NULL;
    QvirtConnect *conn;
    QvirtDomain *dom;

    env_init(&e, "media");
    one = img(&e, "one.iso");
    two = img(&e, "two.iso");
    g_assert_true(g_file_set_contents(one, "1", 1, NULL));
    g_assert_true(g_file_set_contents(two, "2", 1, NULL));
    g_assert_cmpint(chmod(one, 0600), ==, 0);
    g_assert_cmpint(chmod(two, 0600), ==, 0);
    none = g_strdup_printf(CDROM, "");
    xml = g_strdup_printf("<domain type='qemu'><name>media</name><memory unit='MiB'>64</memory>"
                          "<vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>"
                          "<devices>%s</devices></domain>", none);
    path = g_build_filename(e.root, "media.xml", NULL);
    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
    qv_ok(&e, NULL, "define", path, NULL);
    qv_ok(&e, NULL, "start", "media", "--paused");
    runtime_pid(&e, "media", "qemu_pid");
    conn = qvirt_connect_open(e.root, &err);
    g_assert_no_error(err);
    dom = qvirt_domain_lookup(conn, "media", &err);
    g_assert_no_error(err);
    {
        g_autofree char *s1 = g_strdup_printf("<source file='%s'/>", one);
        g_autofree char *s2 = g_strdup_printf("<source file='%s'/>", two);

        x1 = g_strdup_printf(CDROM, s1);
        x2 = g_strdup_printf(CDROM, s2);
    }
    g_assert_cmpint(qvirt_domain_update_device_flags(dom, x1, QVIRT_DOMAIN_AFFECT_LIVE, &err), ==, 0);
    g_assert_no_error(err);
    assert_owner(one, 0, qgid, 0640);
    g_assert_cmpint(qvirt_domain_update_device_flags(dom, x2, QVIRT_DOMAIN_AFFECT_LIVE, &err), ==, 0);
    g_assert_no_error(err);
    assert_owner(one, 0, 0, 0600);
    assert_no_xattrs(one);
    assert_owner(two, 0, qgid, 0640);
    g_assert_cmpint(qvirt_domain_update_device_flags(dom, none, QVIRT_DOMAIN_AFFECT_LIVE, &err), ==, 0);
    g_assert_no_error(err);
    assert_owner(two, 0, 0, 0600);
    assert_no_xattrs(two);
    qvirt_domain_free(dom);
    qvirt_connect_close(conn);
    qv_ok(&e, NULL, "destroy", "media", NULL);
    env_clear(&e);
}

int
main(int argc, char **argv)
{
    struct passwd *pw;
    int ret;

    g_test_init(&argc, &argv, NULL);
    pw = getpwnam("qvirt-qemu");
    g_assert_nonnull(pw);   /* made by the install step (scripts/qemu-user.sh) */
    quid = pw->pw_uid;
    qgid = getgrnam("qvirt-qemu")->gr_gid;
    qv_test_guest_init();
    g_test_add_func("/dac-guest/process", test_process);
    g_test_add_func("/dac-guest/chain", test_chain);
    g_test_add_func("/dac-guest/shared-base", test_shared_base);
    g_test_add_func("/dac-guest/shareable", test_shareable);
    g_test_add_func("/dac-guest/kills", test_kills);
    g_test_add_func("/dac-guest/relabel-no", test_relabel_no);
    g_test_add_func("/dac-guest/driver-none", test_driver_none);
    g_test_add_func("/dac-guest/jobs", test_jobs);
    g_test_add_func("/dac-guest/commit", test_commit);
    g_test_add_func("/dac-guest/hotplug", test_hotplug);
    g_test_add_func("/dac-guest/media", test_media);
    ret = g_test_run();
    qv_test_guest_cleanup();
    return ret;
}
