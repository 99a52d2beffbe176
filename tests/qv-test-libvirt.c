/*
 * qv-test-libvirt: checks against libvirt's own schemas.
 */
#include "qv-test-libvirt.h"

#include <string.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>

/* file name -> xmlRelaxNGPtr */
static GHashTable *schemas;

static void
collect_error(void *opaque, xmlErrorPtr err)
{
    GString *msg = opaque;

    if (err->message && msg->len == 0)
        g_string_append_printf(msg, "line %d: %s", err->line, err->message);
}

static void G_GNUC_PRINTF(2, 3)
ignore_generic(void *ctx, const char *msg, ...)
{
}

static xmlRelaxNGPtr
schema(const char *file)
{
    const char *dir = g_getenv("QV_TEST_LIBVIRT_SCHEMAS");
    g_autofree char *path = NULL;
    g_autoptr(GString) msg = g_string_new(NULL);
    xmlRelaxNGParserCtxtPtr pctxt;
    xmlRelaxNGPtr rng;

    if (!schemas)
        schemas = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)xmlRelaxNGFree);
    if ((rng = g_hash_table_lookup(schemas, file)))
        return rng;
    path = g_build_filename(dir ? dir : "/usr/share/libvirt/schemas", file, NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        g_error("libvirt's schema '%s' is missing: install Debian's libvirt0 (scripts/deps.sh does)",
                path);
    xmlSetGenericErrorFunc(NULL, ignore_generic);
    pctxt = xmlRelaxNGNewParserCtxt(path);
    g_assert_nonnull(pctxt);
    xmlRelaxNGSetParserStructuredErrors(pctxt, collect_error, msg);
    rng = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!rng)
        g_error("cannot parse '%s': %s", path, msg->str);
    g_hash_table_insert(schemas, g_strdup(file), rng);
    return rng;
}

/* libxml2's validation against libvirt's whole domain schema costs
 * seconds a document under valgrind, where the suite runs again for
 * memory errors: there every 16th document is validated (the plain run
 * validates them all) */
static bool
sampled_out(void)
{
    static guint n;

    return g_getenv("QV_TEST_VALGRIND") && (n++ % 16) != 0;
}

void
qv_test_assert_libvirt_valid(const char *file, const char *xml, const char *what)
{
    xmlDocPtr doc;
    g_autoptr(GString) msg = g_string_new(NULL);
    xmlRelaxNGValidCtxtPtr vctxt;
    int rc;

    if (sampled_out())
        return;
    doc = xmlReadMemory(xml, (int)strlen(xml), what, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

    if (!doc)
        g_error("%s is not well-formed XML:\n%s", what, xml);
    vctxt = xmlRelaxNGNewValidCtxt(schema(file));
    xmlRelaxNGSetValidStructuredErrors(vctxt, collect_error, msg);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlFreeDoc(doc);
    if (rc != 0)
        g_error("%s does not match libvirt's %s: %s\n%s", what, file, msg->str, xml);
}

void
qv_test_libvirt_schemas_free(void)
{
    g_clear_pointer(&schemas, g_hash_table_unref);
}
