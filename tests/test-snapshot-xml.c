/*
 * test-snapshot-xml: <domainsnapshot> parse and format.
 *
 * Golden round trips: every tests/data/snapshot-xml/NAME.xml (not
 * *.out.xml) is parsed, formatted and compared with NAME.out.xml
 * (QV_TEST_REGENERATE=1 rewrites it; a missing one fails); the output
 * must parse again, format to itself and be valid against libvirt's own
 * domainsnapshot.rng (Debian's libvirt0, which scripts/deps.sh installs;
 * QV_TEST_LIBVIRT_SCHEMAS names another folder).  Beside them: the
 * messages of refused documents, and values that need escaping.
 */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "conf/qv-snapshot-xml.h"
#include "util/qv-error.h"
#include "qv-test-libvirt.h"
#include "qv-test-util.h"

/* @xml must be well-formed and valid against libvirt's schema */
static void
assert_libvirt_valid(const char *xml, const char *what)
{
    qv_test_assert_libvirt_valid("domainsnapshot.rng", xml, what);
}

/* ------------------------------------------------------------------ */
/* Golden files                                                        */

static char *
roundtrip(const char *xml, const char *origin)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvSnapshotDef) def = qv_snapshot_parse_xml(xml, origin, &err);

    g_assert_no_error(err);
    return qv_snapshot_format_xml(def);
}

static void
test_golden(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in = g_strdup_printf("%s.xml", name);
    g_autofree char *out_rel = g_strdup_printf("snapshot-xml/%s.out.xml",
                                               name);
    g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"),
                                             "snapshot-xml", in, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvSnapshotDef) def = qv_snapshot_parse_file(path, &err);
    g_autofree char *out = NULL;
    g_autofree char *again = NULL;

    g_assert_no_error(err);
    out = qv_snapshot_format_xml(def);
    qv_test_golden(out_rel, out);
    again = roundtrip(out, out_rel);
    g_assert_cmpstr(again, ==, out);
    assert_libvirt_valid(out, out_rel);
}

static void
test_enough_cases(gconstpointer data)
{
    const GPtrArray *names = data;

    g_assert_cmpuint(names->len, >=, 7);
}

/* ------------------------------------------------------------------ */
/* Refusals                                                            */

#define SNAP(body) "<domainsnapshot>" body "</domainsnapshot>"
#define DISKS(body) SNAP("<disks>" body "</disks>")

static const struct {
    const char *xml;
    const char *message;
} error_cases[] = {
    { "<domainsnapshot><name>x</name\n</domainsnapshot>",
      "s.xml:2:1: XML error: expected '>'" },
    { "<!DOCTYPE domainsnapshot [<!ENTITY x 'y'>]><domainsnapshot/>",
      "s.xml:1: XML error: DTDs and entity declarations are not accepted" },
    { "<domain/>", "s.xml must be a <domainsnapshot> element" },
    { SNAP("<name>a</name><name>b</name>"), "s.xml: more than one <name>" },
    { SNAP("<disks/><disks/>"), "s.xml: more than one <disks>" },
    { SNAP("<bogus/>"), "s.xml: unsupported element <bogus> in <domainsnapshot>" },
    { SNAP("<x:name xmlns:x='urn:x'>n</x:name>"),
      "s.xml: unsupported element <name> of namespace 'urn:x' in <domainsnapshot>" },
    { SNAP("<state>asleep</state>"),
      "s.xml: unknown snapshot state 'asleep' (expected 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'disk-snapshot')" },
    { SNAP("<creationTime>yesterday</creationTime>"),
      "s.xml: invalid creationTime 'yesterday': expected seconds since the epoch" },
    { SNAP("<creationTime>-1</creationTime>"),
      "s.xml: invalid creationTime '-1': expected seconds since the epoch" },
    { DISKS("<volume name='vda'/>"), "s.xml: <disks> holds <disk name='...'> elements" },
    { DISKS("<disk snapshot='no'/>"), "s.xml: <disks> holds <disk name='...'> elements" },
    { DISKS("<disk name=''/>"), "s.xml: <disks> holds <disk name='...'> elements" },
    { DISKS("<disk name='vda'/><disk name='vda'/>"), "s.xml: disk 'vda' is listed twice" },
    { DISKS("<disk name='vda' snapshot='sometimes'/>"),
      "s.xml: disk 'vda': unknown snapshot mode 'sometimes' (expected 'no', 'internal', 'external', 'manual')" },
    { DISKS("<disk name='vda' snapshot='default'/>"),
      "s.xml: disk 'vda': unknown snapshot mode 'default' (expected 'no', 'internal', 'external', 'manual')" },
    { DISKS("<disk name='vda' type='dir'/>"),
      "s.xml: disk 'vda': unsupported disk type 'dir' (expected 'file' or 'block')" },
    { DISKS("<disk name='vda' type='network'><source protocol='nbd' name='e'/></disk>"),
      "s.xml: disk 'vda': unsupported disk type 'network' (expected 'file' or 'block')" },
    { DISKS("<disk name='vda'><target dev='vda'/></disk>"),
      "s.xml: disk 'vda': unsupported element <target> in a snapshot <disk>" },
    { DISKS("<disk name='vda'><source file='/a'/><source file='/b'/></disk>"),
      "s.xml: disk 'vda': more than one <source>" },
    { DISKS("<disk name='vda'><driver type='qcow3'/></disk>"),
      "s.xml: disk 'vda': unknown format 'qcow3' (expected 'raw', 'iso', 'qcow', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'luks', 'fat', 'bochs', 'cloop', 'dmg', 'ploop', 'vhd')" },
    { DISKS("<disk name='vda'><driver><metadata_cache/></driver></disk>"),
      "s.xml: disk 'vda': unsupported element <metadata_cache> in <driver>" },
    /* a <seclabel> is libvirt's (domainsnapshot.rng has it), checked as in a definition */
    { DISKS("<disk name='vda'><source file='/a'><seclabel/></source></disk>"),
      "s.xml: disk 'vda': <seclabel> needs relabel='no' or a <label>" },
    { DISKS("<disk name='vda'><source file='/a'><label/></source></disk>"),
      "s.xml: disk 'vda': unsupported element <label> in a file <source>" },
    { DISKS("<disk name='vda' snapshot='no'><source file='/a'/></disk>"),
      "s.xml: disk 'vda': a type, <driver> or <source> requires snapshot='external', not 'no'" },
    { DISKS("<disk name='vda' snapshot='internal' type='block'/>"),
      "s.xml: disk 'vda': a type, <driver> or <source> requires snapshot='external', not 'internal'" },
};

static void
test_errors(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QvSnapshotDef) def = qv_snapshot_parse_xml(
            error_cases[i].xml, "s.xml", &err);

        if (def)
            g_error("case %zu was accepted: %s", i, error_cases[i].xml);
        g_assert_error(err, QV_ERROR, QV_ERR_XML);
        g_assert_cmpstr(err->message, ==, error_cases[i].message);
    }
}

static void
test_missing_file(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvSnapshotDef) def = qv_snapshot_parse_file(
        "/nonexistent/s1.xml", &err);

    g_assert_null(def);
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
    g_assert_true(g_str_has_prefix(err->message,
                                   "cannot read snapshot XML '/nonexistent/s1.xml': "));
}

/* ------------------------------------------------------------------ */
/* Escaping and the supervisor's metadata                              */

/* What the supervisor records, built the way it builds it */
static QvSnapshotDef *
metadata_def(const char *name, const char *overlay)
{
    QvSnapshotDef *def = qv_snapshot_def_new();
    g_autoptr(QvSnapshotDiskDef) d = qv_snapshot_disk_def_new(
        "vda", QV_SNAPSHOT_LOCATION_EXTERNAL);

    def->name = g_strdup(name);
    def->state = QV_SNAPSHOT_STATE_DISK_SNAPSHOT;
    def->has_creation_time = true;
    def->creation_time = 1700000000;
    d->src->path = g_strdup(overlay);
    d->src->format = QV_FORMAT_QCOW2;
    qv_snapshot_add_disk(def, &d);
    return def;
}

static void
test_escaping(void)
{
    static const char *const names[] = {
        "<&'\"", "a<b>c", "&amp;", "tab\there", "two\nlines", "cr\rhere",
        " spaced ", "]]>",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        /* libvirt's schema takes no line end in a path: those only in
         * the name */
        g_autofree char *overlay = strpbrk(names[i], "\n\r\t") ?
            g_strdup("/images/it's <&> \"here\".qcow2") :
            g_strdup_printf("/images/vda.%s", names[i]);
        g_autoptr(QvSnapshotDef) def = metadata_def(names[i], overlay);
        g_autofree char *xml = qv_snapshot_format_xml(def);
        g_autoptr(GError) err = NULL;
        g_autoptr(QvSnapshotDef) back = qv_snapshot_parse_xml(xml, "m.xml",
                                                              &err);

        g_assert_no_error(err);
        g_assert_cmpstr(back->name, ==, names[i]);
        g_assert_cmpuint(back->ndisks, ==, 1);
        g_assert_cmpstr(back->disks[0]->name, ==, "vda");
        g_assert_cmpstr(back->disks[0]->src->path, ==, overlay);
        g_assert_cmpint(back->disks[0]->src->format, ==, QV_FORMAT_QCOW2);
        g_assert_cmpint(back->disks[0]->snapshot, ==,
                        QV_SNAPSHOT_LOCATION_EXTERNAL);
        g_assert_cmpint(back->state, ==, QV_SNAPSHOT_STATE_DISK_SNAPSHOT);
        g_assert_true(back->has_creation_time);
        g_assert_cmpint(back->creation_time, ==, 1700000000);
        assert_libvirt_valid(xml, names[i]);
    }
}

/* The metadata's exact layout: libvirt's, for a disk-only snapshot */
static void
test_metadata_layout(void)
{
    g_autoptr(QvSnapshotDef) def = metadata_def("s1", "/images/vda.s1");
    g_autofree char *xml = qv_snapshot_format_xml(def);

    g_assert_cmpstr(xml, ==,
                    "<domainsnapshot>\n"
                    "  <name>s1</name>\n"
                    "  <state>disk-snapshot</state>\n"
                    "  <creationTime>1700000000</creationTime>\n"
                    "  <disks>\n"
                    "    <disk name='vda' snapshot='external' type='file'>\n"
                    "      <driver type='qcow2'/>\n"
                    "      <source file='/images/vda.s1'/>\n"
                    "    </disk>\n"
                    "  </disks>\n"
                    "</domainsnapshot>\n");
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) names = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    names = qv_test_list_cases("snapshot-xml");
    g_test_add_data_func("/snapshot-xml/golden/count", names,
                         test_enough_cases);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *tp = g_strdup_printf("/snapshot-xml/golden/%s",
                                              (char *)names->pdata[i]);

        g_test_add_data_func(tp, names->pdata[i], test_golden);
    }
    g_test_add_func("/snapshot-xml/errors", test_errors);
    g_test_add_func("/snapshot-xml/missing-file", test_missing_file);
    g_test_add_func("/snapshot-xml/escaping", test_escaping);
    g_test_add_func("/snapshot-xml/metadata-layout", test_metadata_layout);
    ret = g_test_run();
    qv_test_libvirt_schemas_free();
    return ret;
}
