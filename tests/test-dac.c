/*
 * test-dac: qemu.conf's confinement keys, the DAC labels of files (as
 * root, on real files: owners, modes, libvirt's xattrs, reference
 * counts, stale boot timestamps, the record) and the <seclabel> XML.
 * test-dac-guest runs the same with real QEMU.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "conf/qv-domain-xml.h"
#include "security/qv-dac.h"
#include "security/qv-security-conf.h"
#include "util/qv-error.h"
#include "qv-test-libvirt.h"
#include "qv-test-util.h"

static char *tmp;

/* ---- qemu.conf ---- */

typedef struct {
    const char *name;
    const char *text;
    const char *want;      /* "user group dyn remember driver seccomp", or NULL */
    const char *err;
} ConfCase;

static const ConfCase conf_cases[] = {
    { "empty", "", "- - 1 1 dac 1", NULL },
    { "all", "user = \"qemu\"\ngroup = 'kvm'\ndynamic_ownership = 0\nremember_owner = 0\n"
      "security_driver = \"none\"\nseccomp_sandbox = 0\n", "qemu kvm 0 0 none 0", NULL },
    { "numeric", "user = \"+107\"\ngroup = \"+108\"", "+107 +108 1 1 dac 1", NULL },
    { "seccomp-default", "seccomp_sandbox = -1", "- - 1 1 dac -1", NULL },
    /* libvirt's keys that qvirt does not apply, or applies elsewhere */
    { "libvirt-keys", "lock_manager = \"lockd\"\nvnc_listen = \"0.0.0.0\"\nnamespaces = []\n",
      "- - 1 1 dac 1", NULL },
    { "unknown", "\nuser_name = \"qemu\"", NULL, "qemu.conf:2: unknown key 'user_name'" },
    { "twice", "user = \"a\"\nuser = \"b\"", NULL,
      "qemu.conf:2: key 'user' is given twice (first on line 1)" },
    { "user-int", "user = 107", NULL, "qemu.conf:1: key 'user': expected a string, got an integer" },
    { "user-empty", "user = \"\"", NULL,
      "qemu.conf:1: key 'user': the name is empty (leave the key out for the default)" },
    { "user-plus", "user = \"+x\"", NULL, "qemu.conf:1: key 'user': '+x' is not a number after '+'" },
    { "dyn-2", "dynamic_ownership = 2", NULL, "qemu.conf:1: key 'dynamic_ownership': expected 0 or 1" },
    { "driver-selinux", "security_driver = \"selinux\"", NULL,
      "qemu.conf:1: key 'security_driver': unknown driver 'selinux' (qvirt has \"dac\" and \"none\")" },
    { "driver-list", "security_driver = [ \"dac\" ]", NULL,
      "qemu.conf:1: key 'security_driver': qvirt has one driver: give \"dac\" or \"none\", not a list" },
    { "seccomp-2", "seccomp_sandbox = 2", NULL,
      "qemu.conf:1: key 'seccomp_sandbox': expected -1, 0 or 1" },
};

static void
test_conf(gconstpointer data)
{
    const ConfCase *c = data;
    g_autoptr(QvSecurityConfig) cfg = qv_security_config_new_defaults();
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;
    bool ok = qv_security_config_parse(cfg, c->text, strlen(c->text), "qemu.conf", &err);

    if (c->err) {
        g_assert_false(ok);
        g_assert_cmpstr(err->message, ==, c->err);
        /* an error leaves the defaults */
        g_assert_null(cfg->user);
        g_assert_true(cfg->dynamic_ownership);
        return;
    }
    g_assert_no_error(err);
    got = g_strdup_printf("%s %s %d %d %s %d", cfg->user ? cfg->user : "-",
                          cfg->group ? cfg->group : "-", cfg->dynamic_ownership,
                          cfg->remember_owner, qv_security_driver_to_string(cfg->driver),
                          cfg->seccomp_sandbox);
    g_assert_cmpstr(got, ==, c->want);
}

static void
test_resolve(void)
{
    g_autoptr(QvSecurityConfig) cfg = qv_security_config_new_defaults();
    g_autoptr(QvQemuCred) cred = NULL;
    g_autoptr(GError) err = NULL;
    struct passwd *pw = getpwnam(QV_SECURITY_DEFAULT_USER);
    bool kvm = false;

    /* as root: qvirt-qemu, with its groups (the install step made it) */
    g_assert_nonnull(pw);
    cred = qv_security_resolve(cfg, &err);
    g_assert_no_error(err);
    g_assert_true(cred->change);
    g_assert_cmpuint(cred->uid, ==, pw->pw_uid);
    g_assert_cmpuint(cred->gid, ==, getgrnam(QV_SECURITY_DEFAULT_GROUP)->gr_gid);
    for (int i = 0; i < cred->ngroups; i++)
        kvm |= getgrnam("kvm") && cred->groups[i] == getgrnam("kvm")->gr_gid;
    g_assert_true(kvm || access("/dev/kvm", F_OK) != 0);
    g_clear_pointer(&cred, qv_qemu_cred_free);

    /* a user that does not exist says how to make one */
    cfg->user = g_strdup("qvirt-no-such-user");
    g_assert_null(qv_security_resolve(cfg, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "QEMU's user 'qvirt-no-such-user' (qemu.conf 'user') "
                                          "does not exist: create it with 'useradd --system"));
    g_clear_error(&err);

    /* numbers need no account; driver none: QEMU runs as the caller */
    g_free(cfg->user);
    cfg->user = g_strdup("+4242");
    cfg->group = g_strdup("+4343");
    cred = qv_security_resolve(cfg, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(cred->uid, ==, 4242);
    g_assert_cmpuint(cred->gid, ==, 4343);
    g_clear_pointer(&cred, qv_qemu_cred_free);
    cfg->driver = QV_SECURITY_DRIVER_NONE;
    cred = qv_security_resolve(cfg, &err);
    g_assert_no_error(err);
    g_assert_false(cred->change);
    g_assert_cmpuint(cred->uid, ==, 0);
}

/* ---- labels on files ---- */

typedef struct {
    QvQemuCred *cred;
    QvDac dac;
    char *dir;
} Fx;

static void
fx_init(Fx *fx, bool remember)
{
    g_autoptr(QvSecurityConfig) cfg = qv_security_config_new_defaults();
    g_autoptr(GError) err = NULL;

    fx->cred = qv_security_resolve(cfg, &err);
    g_assert_no_error(err);
    fx->dac.cred = fx->cred;
    fx->dac.dynamic_ownership = true;
    fx->dac.remember_owner = remember;
    fx->dir = g_build_filename(tmp, remember ? "rem" : "norem", NULL);
    g_assert_cmpint(g_mkdir_with_parents(fx->dir, 0755), ==, 0);
}

static void
fx_clear(Fx *fx)
{
    qv_qemu_cred_free(fx->cred);
    g_free(fx->dir);
}

static char *
mkfile(Fx *fx, const char *name, mode_t mode)
{
    char *p = g_build_filename(fx->dir, name, NULL);

    g_assert_true(g_file_set_contents(p, "x", 1, NULL));
    g_assert_cmpint(chown(p, 0, 0), ==, 0);
    g_assert_cmpint(chmod(p, mode), ==, 0);
    return p;
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
assert_xattr(const char *path, const char *name, const char *want)
{
    g_autofree char *v = xattr(path, name);

    g_assert_cmpstr(v, ==, want);
}

static void
assert_no_xattrs(const char *path)
{
    char list[1024];
    ssize_t n = listxattr(path, list, sizeof(list));

    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
        g_assert_false(g_str_has_prefix(list + i, "trusted."));
}

static void
assert_owner(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpuint(st.st_uid, ==, uid);
    g_assert_cmpuint(st.st_gid, ==, gid);
    g_assert_cmpuint(st.st_mode & 07777, ==, mode);
}

static QvDacLabel *
label(Fx *fx, const char *path, QvDacAccess access, bool shared)
{
    QvDacRequest req = { .path = path, .access = access, .shared = shared };
    g_autoptr(GError) err = NULL;
    QvDacLabel *l = NULL;

    g_assert_true(qv_dac_label(&fx->dac, &req, &l, &err));
    g_assert_no_error(err);
    return l;
}

static void
restore(QvDacLabel *l)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(qv_dac_restore(l, &err));
    g_assert_no_error(err);
    qv_dac_label_free(l);
}

static void
test_label_remembered(void)
{
    Fx fx;
    g_autofree char *top = NULL, *base = NULL, *open = NULL, *stamp = qv_dac_boot_timestamp();
    QvDacLabel *t, *b1, *b2, *o;

    fx_init(&fx, true);
    top = mkfile(&fx, "top", 0600);
    base = mkfile(&fx, "base", 0660);
    open = mkfile(&fx, "open", 0644);

    /* the top is QEMU's; the original is remembered with the boot time */
    t = label(&fx, top, QV_DAC_WRITE, false);
    g_assert_cmpint(t->how, ==, QV_DAC_REMEMBERED);
    assert_owner(top, fx.cred->uid, fx.cred->gid, 0600);
    assert_xattr(top, QV_DAC_XATTR_LABEL, "+0:+0");
    assert_xattr(top, QV_DAC_XATTR_REF, "1");
    assert_xattr(top, QV_DAC_XATTR_TIMESTAMP, stamp);
    assert_xattr(top, QV_DAC_XATTR_MODE, NULL);

    /* a backing layer: readable by QEMU's group, its write bit gone */
    b1 = label(&fx, base, QV_DAC_READ, true);
    assert_owner(base, 0, fx.cred->gid, 0640);
    assert_xattr(base, QV_DAC_XATTR_MODE, "660");
    /* a second user counts, changes nothing */
    b2 = label(&fx, base, QV_DAC_READ, true);
    assert_xattr(base, QV_DAC_XATTR_REF, "2");
    restore(b1);
    assert_xattr(base, QV_DAC_XATTR_REF, "1");
    assert_owner(base, 0, fx.cred->gid, 0640);
    restore(b2);
    assert_owner(base, 0, 0, 0660);
    assert_no_xattrs(base);

    /* readable already: left alone, nothing remembered */
    o = label(&fx, open, QV_DAC_READ, true);
    g_assert_cmpint(o->how, ==, QV_DAC_UNTOUCHED);
    assert_owner(open, 0, 0, 0644);
    assert_no_xattrs(open);
    restore(o);

    restore(t);
    assert_owner(top, 0, 0, 0600);
    assert_no_xattrs(top);
    fx_clear(&fx);
}

/* xattrs from an earlier boot (a host that lost power) are wiped: the
 * owner they name is not restored, the count starts again */
static void
test_label_stale(void)
{
    Fx fx;
    g_autofree char *top = NULL;
    QvDacLabel *t;

    fx_init(&fx, true);
    top = mkfile(&fx, "stale", 0600);
    g_assert_cmpint(setxattr(top, QV_DAC_XATTR_LABEL, "+5:+5", 5, 0), ==, 0);
    g_assert_cmpint(setxattr(top, QV_DAC_XATTR_REF, "3", 1, 0), ==, 0);
    g_assert_cmpint(setxattr(top, QV_DAC_XATTR_TIMESTAMP, "1", 1, 0), ==, 0);
    t = label(&fx, top, QV_DAC_WRITE, false);
    assert_xattr(top, QV_DAC_XATTR_REF, "1");
    assert_xattr(top, QV_DAC_XATTR_LABEL, "+0:+0");
    restore(t);
    assert_owner(top, 0, 0, 0600);
    assert_no_xattrs(top);
    fx_clear(&fx);
}

/* remember_owner = 0: the record keeps the original; a shared file is
 * never restored from it (other guests may use it), as in libvirt */
static void
test_label_recorded(void)
{
    Fx fx;
    g_autofree char *top = NULL, *base = NULL, *rec = NULL;
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func((GDestroyNotify)qv_dac_label_free);
    g_autoptr(GError) err = NULL;

    fx_init(&fx, false);
    top = mkfile(&fx, "top", 0600);
    base = mkfile(&fx, "base", 0600);
    g_ptr_array_add(labels, label(&fx, top, QV_DAC_WRITE, false));
    g_ptr_array_add(labels, label(&fx, base, QV_DAC_READ, true));
    g_assert_cmpint(((QvDacLabel *)labels->pdata[0])->how, ==, QV_DAC_RECORDED);
    assert_no_xattrs(top);
    assert_owner(top, fx.cred->uid, fx.cred->gid, 0600);
    /* through the record file, as a new supervisor would */
    rec = g_build_filename(fx.dir, "labels.json", NULL);
    g_assert_true(qv_dac_record_save(rec, labels, &err));
    g_assert_no_error(err);
    qv_dac_record_restore(rec);
    g_assert_false(g_file_test(rec, G_FILE_TEST_EXISTS));
    assert_owner(top, 0, 0, 0600);
    assert_owner(base, 0, fx.cred->gid, 0640);
    fx_clear(&fx);
}

/* relabel='no' and explicit labels; the access check runs as QEMU */
static void
test_label_seclabel(void)
{
    Fx fx;
    g_autofree char *a = NULL, *b = NULL, *sub = NULL, *c = NULL;
    QvDacRequest req = { 0 };
    g_autoptr(GError) err = NULL;
    QvDacLabel *l = NULL;

    fx_init(&fx, true);
    a = mkfile(&fx, "norelabel", 0600);
    req.path = a;
    req.access = QV_DAC_READ;
    req.norelabel = true;
    g_assert_true(qv_dac_label(&fx.dac, &req, &l, &err));
    g_assert_cmpint(l->how, ==, QV_DAC_UNTOUCHED);
    assert_owner(a, 0, 0, 0600);
    qv_dac_label_free(l);
    g_assert_false(qv_dac_check_access(fx.cred, &req, 1, &err));
    g_assert_cmpstr(strstr(err->message, "QEMU (user 'qvirt-qemu') cannot read"), ==, err->message);
    g_assert_nonnull(strstr(err->message, "root:root 0600"));
    g_assert_nonnull(strstr(err->message, "set relabel='yes'"));
    g_clear_error(&err);

    b = mkfile(&fx, "explicit", 0600);
    req.path = b;
    req.norelabel = false;
    req.label = "+4242:+4343";
    g_assert_true(qv_dac_label(&fx.dac, &req, &l, &err));
    assert_owner(b, 4242, 4343, 0600);
    restore(l);
    assert_owner(b, 0, 0, 0600);
    req.label = "no-such-user:root";
    g_assert_false(qv_dac_label(&fx.dac, &req, &l, &err));
    g_assert_nonnull(strstr(err->message, "names no user and group of this host"));
    g_clear_error(&err);

    /* a folder QEMU cannot get through is named, with the fix */
    sub = g_build_filename(fx.dir, "closed", NULL);
    g_assert_cmpint(mkdir(sub, 0700), ==, 0);
    c = g_build_filename(sub, "img", NULL);
    g_assert_true(g_file_set_contents(c, "x", 1, NULL));
    g_assert_cmpint(chmod(c, 0666), ==, 0);
    req.path = c;
    req.label = NULL;
    req.access = QV_DAC_WRITE;
    g_assert_false(qv_dac_check_access(fx.cred, &req, 1, &err));
    g_assert_nonnull(strstr(err->message, "the folder"));
    g_assert_nonnull(strstr(err->message, "closed' (root:root 0700) does not let it through"));
    g_assert_nonnull(strstr(err->message, "chmod o+x"));
    fx_clear(&fx);
}

/* ---- <seclabel> in XML ---- */

#define DOM(src) \
    "<domain type='qemu'><name>s</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>" \
    "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>" src \
    "<target dev='vda' bus='virtio'/></disk></devices></domain>"

static void
test_xml(void)
{
    static const char *const bad[][2] = {
        { DOM("<source file='/a'><seclabel model='dac' relabel='no'><label>+1:+1</label>"
              "</seclabel></source>"), "<seclabel relabel='no'> takes no <label>" },
        { DOM("<source file='/a'><seclabel model='dac' relabel='yes'/></source>"),
          "<seclabel> needs relabel='no' or a <label>" },
        { DOM("<source file='/a'><seclabel model='dac' relabel='maybe'/></source>"),
          "<seclabel> relabel='maybe' (expected 'yes' or 'no')" },
        { DOM("<source file='/a'><seclabel model='dac'><label>107</label></seclabel></source>"),
          "label '107' is not '+UID:+GID' or 'USER:GROUP'" },
        { DOM("<source file='/a'><seclabel model='dac' relabel='no'/>"
              "<seclabel model='dac' relabel='no'/></source>"),
          "more than one <seclabel> for model 'dac'" },
    };
    const char *good = DOM("<source file='/a'><seclabel model='dac' relabel='no'/></source>"
                           "<backingStore type='file'><format type='raw'/><source file='/b'>"
                           "<seclabel model='dac'><label>+107:+107</label></seclabel></source>"
                           "<backingStore/></backingStore>");
    g_autoptr(GError) err = NULL;
    QvDomainDef *def;
    g_autofree char *out = NULL;
    const QvSecLabelDef *sl;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_null(qv_domain_parse_xml(bad[i][0], "t", QV_DOMAIN_XML_NO_SCHEMA, &err));
        if (!strstr(err->message, bad[i][1]))
            g_error("'%s' does not say '%s'", err->message, bad[i][1]);
        g_clear_error(&err);
    }
    def = qv_domain_parse_xml(good, "t", 0, &err);
    g_assert_no_error(err);
    sl = qv_source_dac_seclabel(def->disks[0]->src);
    g_assert_cmpint(sl->relabel, ==, QV_SECLABEL_RELABEL_NO);
    sl = qv_source_dac_seclabel(def->disks[0]->src->backing[0]);
    g_assert_cmpstr(sl->label, ==, "+107:+107");
    out = qv_domain_format_xml(def, 0);
    qv_test_assert_libvirt_valid("domain.rng", out, "a definition with <seclabel>s");
    g_assert_nonnull(strstr(out, "<seclabel model='dac' relabel='no'/>"));
    qv_domain_def_free(def);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmp = qv_test_mkdtemp();
    for (size_t i = 0; i < G_N_ELEMENTS(conf_cases); i++) {
        g_autofree char *path = g_strdup_printf("/dac/conf/%s", conf_cases[i].name);

        g_test_add_data_func(path, &conf_cases[i], test_conf);
    }
    g_test_add_func("/dac/resolve", test_resolve);
    g_test_add_func("/dac/label/remembered", test_label_remembered);
    g_test_add_func("/dac/label/stale", test_label_stale);
    g_test_add_func("/dac/label/recorded", test_label_recorded);
    g_test_add_func("/dac/label/seclabel", test_label_seclabel);
    g_test_add_func("/dac/xml", test_xml);
    ret = g_test_run();
    qv_test_rmtree(tmp);
    g_free(tmp);
    qv_test_libvirt_schemas_free();
    return ret;
}
