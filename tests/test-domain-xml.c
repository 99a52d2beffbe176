/*
 * test-domain-xml: domain XML parse and format.
 *
 * Golden round trips: every tests/data/domain/NAME.xml (not *.out.xml) is
 * parsed, formatted and compared with NAME.out.xml (QV_TEST_REGENERATE=1
 * rewrites it; a missing one fails); the output must then parse again and
 * format to itself.  Inputs named status-* are status documents.  Beside
 * them: the messages of refused documents, chains deeper than libxml2's
 * default nesting limit, uuid and memory-unit handling, the flat view, a
 * block copy's destination (a lone <disk> read for its source).
 */
#include <string.h>

#include <libxml/parser.h>

#include "conf/qv-domain-xml.h"
#include "conf/qv-source-xml.h"
#include "util/qv-error.h"
#include "qv-test-libvirt.h"
#include "qv-test-util.h"

static unsigned int
case_flags(const char *name)
{
    return g_str_has_prefix(name, "status-") ? QV_DOMAIN_XML_STATUS : 0;
}

/* format(parse(@xml)) must give @xml back */
static void
check_idempotent(const char *xml, const char *origin, unsigned int flags)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = qv_domain_parse_xml(xml, origin, flags,
                                                     &err);
    g_autofree char *again = NULL;

    g_assert_no_error(err);
    again = qv_domain_format_xml(def, flags);
    g_assert_cmpstr(again, ==, xml);
}

/* Outputs libvirt's own schema does not take: qvirt's quorum and
 * <backingChain> extensions, and a few older cases whose documents
 * libvirt's schema refuses for reasons outside the disks */
static bool
libvirt_checked(const char *name)
{
    static const char *const skip[] = {
        "chain-no-format", "driver-modes", "leases", "many-disks", "network-protocols",
    };

    if (g_str_has_prefix(name, "quorum-"))
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(skip); i++) {
        if (strcmp(name, skip[i]) == 0)
            return false;
    }
    return true;
}

static void
test_golden(gconstpointer data)
{
    const char *name = data;
    unsigned int flags = case_flags(name);
    g_autofree char *in = g_strdup_printf("%s.xml", name);
    g_autofree char *out_rel = g_strdup_printf("domain/%s.out.xml", name);
    g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"),
                                             "domain", in, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = qv_domain_parse_file(path, flags, &err);
    g_autofree char *out = NULL;

    g_assert_no_error(err);
    out = qv_domain_format_xml(def, flags);
    qv_test_golden(out_rel, out);
    check_idempotent(out, out_rel, flags);
    if (libvirt_checked(name))
        qv_test_assert_libvirt_valid("domain.rng", out, out_rel);
}

static void
test_enough_cases(gconstpointer data)
{
    const GPtrArray *names = data;

    g_assert_cmpuint(names->len, >=, 40);
}

/* ------------------------------------------------------------------ */

#define DOMAIN_HEAD "<domain type='kvm'><name>t</name><memory>1024</memory>"

static char *
wrap_disks(const char *disks)
{
    return g_strdup_printf(DOMAIN_HEAD "<devices>%s</devices></domain>",
                           disks);
}

typedef struct {
    const char *xml;     /* a whole document, or disks when it has no '<domain' */
    unsigned int flags;
    const char *message;
} ErrorCase;

static const ErrorCase error_cases[] = {
    { "<domain><name>x</name>\n  <memory>1</memory\n</domain>", 0,
      "t.xml:3:1: XML error: expected '>'" },
    { "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY x 'y'>]>\n<domain/>", 0,
      "t.xml:2: XML error: DTDs and entity declarations are not accepted" },
    { "<!DOCTYPE domain SYSTEM 'file:///etc/passwd'>\n<domain/>", 0,
      "t.xml:1: XML error: DTDs and entity declarations are not accepted" },
    { "<domain><name>&x;</name></domain>", 0,
      "t.xml:1:18: XML error: Entity 'x' not defined" },
    { "<domain><name>x</name><q:a/></domain>", 0,
      "t.xml:1:27: XML error: Namespace prefix q on a is not defined" },
    { "", 0, "t.xml:1:1: XML error: Document is empty" },
    { "<guest/>", 0, "t.xml: the root element is <guest>, expected <domain>" },
    { "<domain><memory>1</memory></domain>", 0, "the domain has no <name>" },
    { "<domain><name>a</name><name>b</name></domain>", 0,
      "more than one <name>" },
    { "<domain><name>a</name><uuid>1234</uuid></domain>", 0,
      "<uuid>: malformed UUID '1234': expected 32 hexadecimal digits as 8-4-4-4-12" },
    { "<domain><name>a</name><memory unit='furlong'>1</memory></domain>", 0,
      "<memory>: unknown unit 'furlong' (expected 'b', 'bytes', 'KB', 'k', 'KiB', 'MB', 'M', 'MiB', 'GB', 'G', 'GiB', 'TB', 'T', 'TiB', 'PB', 'P', 'PiB', 'EB', 'E', 'EiB')" },
    { "<domain><name>a</name><memory unit='EiB'>16</memory></domain>", 0,
      "<memory>: invalid size '16': expected an unsigned integer that fits in 64 bits of bytes" },
    { "<domain><name>a</name><vcpu>two</vcpu></domain>", 0,
      "<vcpu>: invalid count 'two': expected an unsigned integer" },
    { "<disk><source file='/a'/><target dev='vda'/></disk>"
      "<disk><source file='/b'/><target bus='virtio'/></disk>", 0,
      "disk 2: missing <target dev=...>" },
    { "<disk type='floppy'><target dev='vda'/></disk>", 0,
      "disk 'vda': unknown disk type 'floppy' (expected 'file', 'block', 'dir', 'network', 'volume', 'quorum', 'nvme', 'vhostuser')" },
    { "<disk device='tape'><target dev='vda'/></disk>", 0,
      "disk 'vda': unknown disk device 'tape' (expected 'disk', 'cdrom', 'floppy', 'lun')" },
    { "<disk><driver cache='fast'/><source file='/a'/><target dev='vdb'/></disk>", 0,
      "disk 'vdb': unknown cache mode 'fast' (expected 'none', 'writethrough', 'writeback', 'directsync', 'unsafe')" },
    { "<disk><driver type='qcow3'/><source file='/a'/><target dev='vdb'/></disk>", 0,
      "disk 'vdb': unknown format 'qcow3' (expected 'raw', 'iso', 'qcow', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'luks', 'fat', 'bochs', 'cloop', 'dmg', 'ploop', 'vhd')" },
    { "<disk><source file='/a'/><target dev='vdb' bus='pata'/></disk>", 0,
      "disk 'vdb': unknown bus 'pata' (expected 'virtio', 'scsi', 'ide', 'sata', 'fdc', 'usb', 'sd')" },
    { "<disk><source file='/a' startupPolicy='maybe'/><target dev='vdb'/></disk>", 0,
      "disk 'vdb': unknown startupPolicy 'maybe' (expected 'mandatory', 'requisite', 'optional')" },
    { "<disk><source file='/a'/>"
      "<backingStore type='file'><format type='qcow2'/><source file='/b'/>"
      "<backingStore type='file'><format type='qcow3'/><source file='/c'/>"
      "</backingStore></backingStore><target dev='vdb'/></disk>", 0,
      "disk 'vdb': backingStore 2: unknown format 'qcow3' (expected 'raw', 'iso', 'qcow', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'luks', 'fat', 'bochs', 'cloop', 'dmg', 'ploop', 'vhd')" },
    { "<disk><source file='/a'/><backingStore type='file'><format type='raw'/>"
      "</backingStore><target dev='vdb'/></disk>", 0,
      "disk 'vdb': backingStore 1: missing <source>" },
    { "<disk><source file='/a'/><backingStore type='file'><source/>"
      "</backingStore><target dev='vdb'/></disk>", 0,
      "disk 'vdb': backingStore 1: <source> has no file attribute" },
    { "<disk><source file='/a'/><backingStore/><backingStore/>"
      "<target dev='vdb'/></disk>", 0,
      "disk 'vdb': more than one <backingStore>; only a quorum has several" },
    { "<disk type='quorum'><threshold value='1'/>"
      "<backingStore type='file'><source file='/a'/></backingStore>"
      "<backingStore type='file'><format type='qcow3'/><source file='/b'/></backingStore>"
      "<target dev='vdq'/></disk>", 0,
      "disk 'vdq': backingStore 1 (quorum child 2): unknown format 'qcow3' (expected 'raw', 'iso', 'qcow', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'luks', 'fat', 'bochs', 'cloop', 'dmg', 'ploop', 'vhd')" },
    { "<disk type='quorum'><threshold value='1'/>"
      "<backingStore type='quorum'><threshold value='1'/>"
      "<backingStore type='file'><source file='/a'/></backingStore>"
      "<backingStore type='file'><source file='/b'/>"
      "<backingStore type='block'><source file='/c'/></backingStore>"
      "</backingStore></backingStore>"
      "<target dev='vdq'/></disk>", 0,
      "disk 'vdq': backingStore 3 (below quorum child 1.2): <source> has no dev attribute" },
    { "<disk type='quorum'><source file='/a'/><target dev='vdq'/></disk>", 0,
      "disk 'vdq': a quorum disk has no <source>; its children are <backingStore> elements" },
    { "<disk type='quorum'><threshold value='many'/><target dev='vdq'/></disk>", 0,
      "disk 'vdq': invalid threshold 'many': expected an unsigned integer" },
    { "<disk><driver type='quorum'/><source file='/a'/><target dev='vdq'/></disk>", 0,
      "disk 'vdq': driver type 'quorum' needs <disk type='quorum'>" },
    { "<disk type='network'><source protocol='nbd'><host name='h' port='99999'/>"
      "</source><target dev='vda'/></disk>", 0,
      "disk 'vda': <host> 1: invalid port '99999': expected a number from 0 to 65535" },
    { "<disk type='network'><source protocol='nbd'><host name='h'/>"
      "<host transport='pigeon'/></source><target dev='vda'/></disk>", 0,
      "disk 'vda': <host> 2: unknown transport 'pigeon' (expected 'tcp', 'unix', 'rdma')" },
    { "<disk type='network'><source protocol='smb'/><target dev='vda'/></disk>", 0,
      "disk 'vda': unknown protocol 'smb' (expected 'nbd', 'iscsi', 'rbd', 'gluster', 'http', 'https', 'ftp', 'ftps', 'ssh', 'nfs')" },
    { "<disk type='network'><source protocol='rbd'><auth username='a'>"
      "<secret type='ceph'/></auth></source><target dev='vda'/></disk>", 0,
      "disk 'vda': <secret> needs exactly one of uuid and usage" },
    { "<disk><source file='/a'/><target dev='vda'/><iotune><bogus>1</bogus></iotune></disk>", 0,
      "disk 'vda': unsupported element <bogus> in <iotune>" },
    { "<disk><source file='/a'/><target dev='vda'/><iotune><total_bytes_sec>x</total_bytes_sec></iotune></disk>", 0,
      "disk 'vda': disk iotune field 'total_bytes_sec' must be an integer, not 'x'" },
    { "<disk><source file='/a'/><target dev='vda'/><wwn>1</wwn><wwn>2</wwn></disk>", 0,
      "disk 'vda': more than one <wwn>" },
    { "<disk><source file='/a'/><target dev='hda'/><geometry cyls='1'/></disk>", 0,
      "disk 'hda': <geometry> needs cyls, heads and secs attributes" },
    { "<disk><driver error_policy='retry'/><source file='/a'/><target dev='vda'/></disk>", 0,
      "disk 'vda': unknown error_policy 'retry' (expected 'stop', 'report', 'ignore', 'enospace')" },
    { "<disk><driver rerror_policy='enospace'/><source file='/a'/><target dev='vda'/></disk>", 0,
      "disk 'vda': unknown rerror_policy 'enospace' (expected 'stop', 'report', 'ignore')" },
    { "<disk><driver queues='0'/><source file='/a'/><target dev='vda'/></disk>", 0,
      "disk 'vda': invalid queues '0' on <driver>: expected an integer from 1 to 4294967295" },
    { "<disk><driver><metadata_cache><max_size unit='parsec'>1</max_size></metadata_cache></driver>"
      "<source file='/a'/><target dev='vda'/></disk>", 0,
      "disk 'vda': <max_size>: unknown unit 'parsec'" },
    { "<disk snapshot='sometimes'><source file='/a'/><target dev='vda'/></disk>", 0,
      "disk 'vda': unknown snapshot mode 'sometimes' (expected 'no', 'internal', 'external', 'manual')" },
    { "<disk><source file='/a'><slices><slice type='storage' offset='0'/></slices></source>"
      "<target dev='vda'/></disk>", 0,
      "disk 'vda': a <slice> needs offset and size attributes" },
    { "<disk type='network'><source protocol='https' name='/x'><host name='h'/>"
      "<cookies><cookie name='a'>1</cookie><cookie name='a'>2</cookie></cookies></source>"
      "<target dev='vda'/></disk>", 0,
      "disk 'vda': duplicate cookie 'a'" },
    { "<disk type='network'><source protocol='ssh' name='/x'><host name='h'/>"
      "<identity user='u'/></source><target dev='vda'/></disk>", 0,
      "disk 'vda': <identity> applies to nfs sources only" },
    { "<disk type='network'><source protocol='nbd' tls='maybe'><host name='h'/></source>"
      "<target dev='vda'/></disk>", 0,
      "disk 'vda': unknown value of tls 'maybe' (expected 'yes', 'no')" },
    { "<disk type='volume'><source pool='p' volume='v' mode='remote'/><target dev='vda'/></disk>", 0,
      "disk 'vda': unknown volume mode 'remote' (expected 'host', 'direct')" },
    { "<disk type='nvme'><source type='pci' namespace='1'/><target dev='vda'/></disk>", 0,
      "disk 'vda': an nvme <source> needs its PCI <address>" },
    { "<disk type='nvme'><source type='pci' namespace='1'><address bus='0x100'/></source>"
      "<target dev='vda'/></disk>", 0,
      "disk 'vda': invalid PCI address bus '0x100' (at most 0xff)" },
    { "<disk type='vhostuser'><source type='unix' path='/s'><reconnect/></source>"
      "<target dev='vda'/></disk>", 0,
      "disk 'vda': <reconnect> needs an enabled attribute" },
    { "<disk><source file='/a'/><target dev='vda'/><mirror job='push'>"
      "<source file='/b'/></mirror></disk>", QV_DOMAIN_XML_STATUS,
      "disk 'vda': mirror: unknown job 'push' (expected 'copy', 'active-commit')" },
    { "<disk><source file='/a'/><target dev='vda'/><boot order='0'/></disk>", 0,
      "disk 'vda': <boot> needs an order attribute, a number from 1" },
    { "<disk><backingStore/><target dev='hdc'/></disk>", 0,
      "disk 'hdc': <backingStore> without a <source>" },
    { "<lease><key>k</key><target path='/p'/></lease>"
      "<lease><lockspace>l</lockspace><target path='/p'/></lease>", 0,
      "lease 2: missing <key>" },
    { "<lease><key>k</key></lease>", 0, "lease 1: missing <target path=...>" },
    { "<lease><key>k</key><target path='/p' offset='-1'/></lease>", 0,
      "lease 1: invalid offset '-1': expected an unsigned integer" },
};

static void
test_errors(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
        const ErrorCase *c = &error_cases[i];
        g_autofree char *xml = strstr(c->xml, "<domain") || !*c->xml ||
                               g_str_has_prefix(c->xml, "<guest") ?
                               g_strdup(c->xml) : wrap_disks(c->xml);
        g_autoptr(GError) err = NULL;
        g_autoptr(QvDomainDef) def = qv_domain_parse_xml(
            xml, "t.xml", c->flags | QV_DOMAIN_XML_NO_SCHEMA, &err);

        if (def)
            g_error("case %zu was accepted: %s", i, xml);
        g_assert_error(err, QV_ERROR, QV_ERR_XML);
        g_assert_cmpstr(err->message, ==, c->message);
    }
}

static void
test_origin_default(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = qv_domain_parse_xml("<domain>", NULL, 0,
                                                     &err);

    g_assert_null(def);
    g_assert_true(g_str_has_prefix(err->message, "domain XML:1:9: XML error: "));
}

static void
test_missing_file(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def =
        qv_domain_parse_file("/nonexistent/qvirt/dom.xml", 0, &err);

    g_assert_null(def);
    g_assert_error(err, QV_ERROR, QV_ERR_NOT_FOUND);
}

/* libxml2 stops at 256 levels unless told otherwise; chains go deeper */
static void
test_deep_chain(void)
{
    const unsigned int depth = 1500;
    g_autoptr(GString) xml = g_string_new(DOMAIN_HEAD "<devices><disk>"
                                          "<source file='/c/0'/>");
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    g_autofree char *out = NULL;
    const QvStorageSource *s;
    unsigned int n = 0;

    for (unsigned int i = 1; i <= depth; i++)
        g_string_append_printf(xml, "<backingStore type='file'>"
                               "<format type='qcow2'/><source file='/c/%u'/>",
                               i);
    g_string_append(xml, "<backingStore/>");
    for (unsigned int i = 1; i <= depth; i++)
        g_string_append(xml, "</backingStore>");
    g_string_append(xml, "<target dev='vda'/></disk></devices></domain>");

    def = qv_domain_parse_xml(xml->str, "deep.xml", QV_DOMAIN_XML_NO_SCHEMA,
                              &err);
    g_assert_no_error(err);
    for (s = def->disks[0]->src; s->nbacking; s = s->backing[0])
        n++;
    g_assert_cmpuint(n, ==, depth);
    g_assert_true(s->backing_known);
    g_assert_cmpstr(s->path, ==, "/c/1500");
    out = qv_domain_format_xml(def, 0);
    check_idempotent(out, "deep.out.xml", QV_DOMAIN_XML_NO_SCHEMA);
}

/* Deeper than anything qvirt walks safely: refused, not a stack overflow */
static void
test_too_deep(void)
{
    const unsigned int depth = 100000;
    g_autoptr(GString) xml = g_string_new("<domain><name>d</name><features>");
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = NULL;

    for (unsigned int i = 0; i < depth; i++)
        g_string_append(xml, "<a>");
    for (unsigned int i = 0; i < depth; i++)
        g_string_append(xml, "</a>");
    g_string_append(xml, "</features></domain>");
    def = qv_domain_parse_xml(xml->str, "deep.xml", QV_DOMAIN_XML_NO_SCHEMA,
                              &err);
    g_assert_null(def);
    g_assert_cmpstr(err->message, ==,
                    "deep.xml: XML error: elements nest deeper than 2048 levels");
}

static void
test_uuid(void)
{
    static const struct {
        const char *in;
        const char *out;
    } forms[] = {
        { "0123456789ABCDEF0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdef" },
        { " 01234567-89ab-cdef-0123-456789ABCDEF\n", "01234567-89ab-cdef-0123-456789abcdef" },
        { "01-23456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdef" },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) a = qv_domain_parse_xml(
        "<domain><name>a</name></domain>", NULL, QV_DOMAIN_XML_NO_SCHEMA, &err);
    g_autoptr(QvDomainDef) b = qv_domain_parse_xml(
        "<domain><name>a</name></domain>", NULL, QV_DOMAIN_XML_NO_SCHEMA, &err);

    g_assert_no_error(err);
    g_assert_true(g_uuid_string_is_valid(a->uuid));
    g_assert_cmpstr(a->uuid, !=, b->uuid);
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_autofree char *xml = g_strdup_printf(
            "<domain><name>a</name><uuid>%s</uuid></domain>", forms[i].in);
        g_autoptr(QvDomainDef) def =
            qv_domain_parse_xml(xml, NULL, QV_DOMAIN_XML_NO_SCHEMA, &err);

        g_assert_no_error(err);
        g_assert_cmpstr(def->uuid, ==, forms[i].out);
    }
}

static void
test_memory_units(void)
{
    static const struct {
        const char *unit;
        const char *value;
        guint64 kib;
    } rows[] = {
        { NULL, "1000", 1000 },
        { "b", "1025", 2 },
        { "bytes", "1024", 1 },
        { "KB", "1024", 1000 },
        { "k", "7", 7 },
        { "KiB", "7", 7 },
        { "MB", "1", 977 },
        { "M", "3", 3072 },
        { "MiB", "3", 3072 },
        { "GB", "1", 976563 },
        { "G", "2", 2097152 },
        { "gib", "1", 1048576 },
        { "TB", "1", 976562500 },
        { "T", "1", 1073741824 },
        { "TiB", "1", 1073741824 },
        { "EiB", "15", G_GUINT64_CONSTANT(16106127360) * 1024 * 1024 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autofree char *unit = rows[i].unit ?
            g_strdup_printf(" unit='%s'", rows[i].unit) : g_strdup("");
        g_autofree char *xml = g_strdup_printf(
            "<domain><name>m</name><memory%s>%s</memory></domain>", unit,
            rows[i].value);
        g_autoptr(GError) err = NULL;
        g_autoptr(QvDomainDef) def =
            qv_domain_parse_xml(xml, NULL, QV_DOMAIN_XML_NO_SCHEMA, &err);

        g_assert_no_error(err);
        g_assert_cmpuint(def->memory_kib, ==, rows[i].kib);
    }
}

/* Elements of other namespaces are never mistaken for ours */
static void
test_namespaced(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = qv_domain_parse_xml(
        "<domain xmlns:q='urn:q'><name>a</name><q:name>b</q:name>"
        "<devices><q:disk/></devices></domain>", NULL,
        QV_DOMAIN_XML_NO_SCHEMA, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(def->name, ==, "a");
    g_assert_cmpuint(def->nkept_toplevel, ==, 1);
    g_assert_cmpstr(def->kept_toplevel[0], ==,
                    "<q:name xmlns:q=\"urn:q\">b</q:name>");
    g_assert_cmpuint(def->ndisks, ==, 0);
    g_assert_cmpuint(def->nkept_devices, ==, 1);
}

/* The model behind the XML: what the other layers rely on */
static void
test_model(void)
{
    g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"),
                                             "domain", "many-disks.xml", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = qv_domain_parse_file(path, 0, &err);
    const QvDiskDef *cd;
    const QvDiskDef *q;

    g_assert_no_error(err);
    g_assert_cmpuint(def->ndisks, ==, 5);
    g_assert_false(def->disks[0]->chain_given);
    g_assert_false(def->disks[0]->src->backing_known);
    q = qv_domain_find_disk(def, "vdd");
    g_assert_true(q->has_source);
    g_assert_true(q->chain_given);
    g_assert_cmpint(q->src->type, ==, QV_STORAGE_QUORUM);
    g_assert_cmpuint(q->src->nbacking, ==, 3);
    g_assert_cmpuint(q->src->threshold, ==, 2);
    g_assert_true(q->src->backing[2]->backing_known);
    cd = qv_domain_find_disk(def, "sda");
    g_assert_false(cd->has_source);
    g_assert_cmpint(cd->src->type, ==, QV_STORAGE_NONE);
    g_assert_cmpint(cd->src->format, ==, QV_FORMAT_RAW);
}

static void
test_flat_chains(void)
{
    g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"),
                                             "domain", "quorum-child-chains.xml",
                                             NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = qv_domain_parse_file(path, 0, &err);
    g_autoptr(QvDomainDef) again = NULL;
    g_autofree char *flat = NULL;
    g_autofree char *plain = NULL;
    g_autofree char *plain2 = NULL;

    g_assert_no_error(err);
    flat = qv_domain_format_xml(def, QV_DOMAIN_XML_FLAT_CHAINS);
    qv_test_golden("domain/quorum-child-chains.flat.out.xml", flat);
    /* the flat view is derived: reading it back ignores it */
    again = qv_domain_parse_xml(flat, "flat", 0, &err);
    g_assert_no_error(err);
    plain = qv_domain_format_xml(def, 0);
    plain2 = qv_domain_format_xml(again, 0);
    g_assert_cmpstr(plain, ==, plain2);
}

/* One <disk> on its own, as hotplug uses it */
static void
test_disk_node(void)
{
    static const char *xml =
        "<disk type='block' device='lun'>\n"
        "  <driver name='qemu' type='raw'/>\n"
        "  <source dev='/dev/sdz'/>\n"
        "  <target dev='sdz' bus='scsi'/>\n"
        "  <shareable/>\n"
        "</disk>\n";
    xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), NULL, NULL, XML_PARSE_NONET);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDiskDef) disk = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    g_assert_nonnull(doc);
    disk = qv_disk_parse_node(xmlDocGetRootElement(doc), 0, &err);
    xmlFreeDoc(doc);
    g_assert_no_error(err);
    qv_disk_format(out, disk, 0, 0);
    g_assert_cmpstr(out->str, ==, xml);
}

/* A block copy's destination: a lone <disk> read for its source */
static const struct {
    const char *xml;
    int code;
    const char *message;
} copy_dest_errors[] = {
    { "<disk type='file'>&x;</disk>", QV_ERR_XML,
      "the destination XML:1:22: XML error: Entity 'x' not defined" },
    { "<domain/>", QV_ERR_XML, "the destination XML must be a <disk> element" },
    { "<disk><source file='/x'/></disk>", QV_ERR_UNSUPPORTED,
      "the destination disk must have type 'file' or 'block', not ''" },
    { "<disk type='network'/>", QV_ERR_UNSUPPORTED,
      "the destination disk must have type 'file' or 'block', not 'network'" },
    { "<disk type='qcow'/>", QV_ERR_UNSUPPORTED,
      "the destination disk must have type 'file' or 'block', not 'qcow'" },
    { "<disk type='file'/>", QV_ERR_INVALID_ARG,
      "the destination XML needs <source file='/absolute/path'/>" },
    { "<disk type='file'><source file='x'/></disk>", QV_ERR_INVALID_ARG,
      "the destination XML needs <source file='/absolute/path'/>" },
    { "<disk type='file'><source file=''/></disk>", QV_ERR_INVALID_ARG,
      "the destination XML needs <source file='/absolute/path'/>" },
    { "<disk type='block'><source file='/dev/sdz'/></disk>", QV_ERR_INVALID_ARG,
      "the destination XML needs <source dev='/absolute/path'/>" },
    { "<disk type='file'><driver type='qcow3'/><source file='/x'/></disk>", QV_ERR_XML,
      "the destination XML: disk: unknown format 'qcow3' (expected 'raw', 'iso', 'qcow', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'luks', 'fat', 'bochs', 'cloop', 'dmg', 'ploop', 'vhd')" },
    { "<disk type='file'><source file='/x'/><target dev='vdz'/><bogus/></disk>", QV_ERR_XML,
      "the destination XML: disk 'vdz': unsupported element <bogus> in <disk>" },
    { "<disk type='file'><source file='/x'><slices/></source></disk>", QV_ERR_XML,
      "the destination XML: disk: <slices> holds one <slice type='storage'>" },
};

/* A copy of each source (QvSourceOpts included) equals its original and
 * formats the same: the copy is hand-written, the formatter is not */
static void
test_source_copy(void)
{
    static const char *const files[] = {
        "source-network-opts", "source-local-opts", "disk-nvme-vhostuser", "disk-lun-opts",
    };

    for (size_t f = 0; f < G_N_ELEMENTS(files); f++) {
        g_autofree char *in = g_strdup_printf("%s.xml", files[f]);
        g_autofree char *path = g_build_filename(g_getenv("QV_TEST_DATA"), "domain", in, NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(QvDomainDef) def = qv_domain_parse_file(path, 0, &err);

        g_assert_no_error(err);
        for (size_t i = 0; i < def->ndisks; i++) {
            g_autoptr(QvStorageSource) copy = qv_source_copy(def->disks[i]->src);
            g_autoptr(GString) a = g_string_new(NULL);
            g_autoptr(GString) b = g_string_new(NULL);

            g_assert_true(qv_source_equal(copy, def->disks[i]->src));
            qv_source_xml_format_source(a, def->disks[i]->src, 0);
            qv_source_xml_format_source(b, copy, 0);
            g_assert_cmpstr(a->str, ==, b->str);
            /* and a difference in the options is seen */
            copy->opts.readahead++;
            g_assert_false(qv_source_equal(copy, def->disks[i]->src));
        }
    }
}

static void
test_copy_destination_errors(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(copy_dest_errors); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QvStorageSource) src = qv_disk_parse_copy_destination(
            copy_dest_errors[i].xml, &err);

        if (src)
            g_error("case %zu was accepted: %s", i, copy_dest_errors[i].xml);
        g_assert_error(err, QV_ERROR, copy_dest_errors[i].code);
        g_assert_cmpstr(err->message, ==, copy_dest_errors[i].message);
    }
}

static void
test_copy_destination(void)
{
    static const struct {
        const char *xml;
        QvStorageType type;
        const char *path;
        QvFormat format;
    } cases[] = {
        { "<disk type='file'><source file='/d/copy.qcow2'/></disk>",
          QV_STORAGE_FILE, "/d/copy.qcow2", QV_FORMAT_NONE },
        { "<disk type='file'><driver type='raw'/><source file='/d/&lt;&amp;&apos;&quot;'/></disk>",
          QV_STORAGE_FILE, "/d/<&'\"", QV_FORMAT_RAW },
        /* libvirt's full form, target and all */
        { "<disk type='block' device='disk'><driver name='qemu' type='qcow2'/>"
          "<source dev='/dev/vg/copy'/><backingStore/><target dev='vda' bus='virtio'/></disk>",
          QV_STORAGE_BLOCK, "/dev/vg/copy", QV_FORMAT_QCOW2 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QvStorageSource) src = qv_disk_parse_copy_destination(
            cases[i].xml, &err);

        g_assert_no_error(err);
        g_assert_cmpint(src->type, ==, cases[i].type);
        g_assert_cmpstr(src->path, ==, cases[i].path);
        g_assert_cmpint(src->format, ==, cases[i].format);
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) names = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    names = qv_test_list_cases("domain");
    g_test_add_data_func("/domain-xml/golden/count", names,
                         test_enough_cases);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *tp = g_strdup_printf("/domain-xml/golden/%s",
                                              (char *)names->pdata[i]);

        /* every case in the plain run; a sample under valgrind, where
         * each costs seconds of schema validation */
        if (qv_test_valgrind_sample(i))
            g_test_add_data_func(tp, names->pdata[i], test_golden);
    }
    g_test_add_func("/domain-xml/errors", test_errors);
    g_test_add_func("/domain-xml/origin-default", test_origin_default);
    g_test_add_func("/domain-xml/missing-file", test_missing_file);
    g_test_add_func("/domain-xml/deep-chain", test_deep_chain);
    g_test_add_func("/domain-xml/too-deep", test_too_deep);
    g_test_add_func("/domain-xml/uuid", test_uuid);
    g_test_add_func("/domain-xml/memory-units", test_memory_units);
    g_test_add_func("/domain-xml/namespaced", test_namespaced);
    g_test_add_func("/domain-xml/model", test_model);
    g_test_add_func("/domain-xml/flat-chains", test_flat_chains);
    g_test_add_func("/domain-xml/disk-node", test_disk_node);
    g_test_add_func("/domain-xml/copy-destination", test_copy_destination);
    g_test_add_func("/domain-xml/source-copy", test_source_copy);
    g_test_add_func("/domain-xml/copy-destination-errors",
                    test_copy_destination_errors);
    ret = g_test_run();
    qv_test_libvirt_schemas_free();
    return ret;
}
