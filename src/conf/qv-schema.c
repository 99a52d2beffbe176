/*
 * qv-schema: finds, parses (once) and applies schemas/domain.rng.
 *
 * libxml2 reports a fault inside an optional or repeated element of an
 * <interleave> as "Extra element devices in interleave" at the top, which
 * says nothing useful.  So when a document fails, the elements qvirt
 * models (disk, driver, source, backingStore, ...) are checked again one
 * by one against the schema's own definition for them, and the innermost
 * one that fails is reported with its line and libxml2's message.
 */
#include "conf/qv-schema.h"

#include <string.h>
#include <unistd.h>
#include <libxml/relaxng.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

#include "qvirt-config.h"
#include "util/qv-error.h"

#define SCHEMA_FILE "domain.rng"

/* Element re-checks on failure are bounded: a chain thousands deep must
 * not turn a bad document into a quadratic walk */
#define DRILL_BUDGET 256

typedef struct {
    char *path;              /* NULL when not found */
    char *missing;           /* why not found */
    xmlRelaxNGPtr rng;       /* NULL when @path does not parse */
    char *broken;            /* why it does not parse */
} QvSchema;

/* The first problem libxml2 reports, and the first element it names */
typedef struct {
    char *message;
    char *element;
    long line;
} QvSchemaFault;

static void
fault_clear(QvSchemaFault *f)
{
    g_clear_pointer(&f->message, g_free);
    g_clear_pointer(&f->element, g_free);
    f->line = 0;
}

static void
collect_fault(void *opaque, xmlErrorPtr err)
{
    QvSchemaFault *f = opaque;
    xmlNodePtr node = err->node;

    if (!f->message && err->message)
        f->message = g_strstrip(g_strdup(err->message));
    if (!f->element && node && node->type == XML_ELEMENT_NODE) {
        f->element = g_strdup((const char *)node->name);
        f->line = xmlGetLineNo(node);
    }
    if (!f->line && err->line > 0)
        f->line = err->line;
}

/* Errors raised outside a validation context (loading an include, ...)
 * would go to libxml2's global handlers, which print; catch them too. */
typedef struct {
    xmlStructuredErrorFunc serror;
    void *sctx;
    xmlGenericErrorFunc gerror;
    void *gctx;
    QvSchemaFault stray;
} QvErrorGuard;

static void G_GNUC_PRINTF(2, 3)
ignore_generic(void *ctx, const char *msg, ...)
{
}

static void
guard_enter(QvErrorGuard *g)
{
    memset(g, 0, sizeof(*g));
    g->serror = xmlStructuredError;
    g->sctx = xmlStructuredErrorContext;
    g->gerror = xmlGenericError;
    g->gctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(&g->stray, collect_fault);
    xmlSetGenericErrorFunc(NULL, ignore_generic);
}

static void
guard_leave(QvErrorGuard *g)
{
    xmlSetStructuredErrorFunc(g->sctx, g->serror);
    xmlSetGenericErrorFunc(g->gctx, g->gerror);
    fault_clear(&g->stray);
}

static char *
find_schema(char **missing)
{
    const char *env = g_getenv("QVIRT_SCHEMA_DIR");
    const char *dirs[] = {
#ifdef QVIRT_SCHEMA_DIR_BUILD
        QVIRT_SCHEMA_DIR_BUILD,
#endif
        QVIRT_DATADIR "/schemas",
    };
    g_autofree char *tried = NULL;

    /* an explicit setting is never silently replaced by another copy */
    if (env && *env) {
        g_autofree char *dir = g_canonicalize_filename(env, NULL);
        char *path = g_build_filename(dir, SCHEMA_FILE, NULL);

        if (access(path, R_OK) == 0)
            return path;
        *missing = g_strdup_printf("domain schema '%s' (from QVIRT_SCHEMA_DIR) cannot be read", path);
        g_free(path);
        return NULL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
        char *path = g_build_filename(dirs[i], SCHEMA_FILE, NULL);
        char *more;

        if (access(path, R_OK) == 0)
            return path;
        more = g_strdup_printf("%s%s'%s'", tried ? tried : "",
                               tried ? ", " : "", path);
        g_free(tried);
        tried = more;
        g_free(path);
    }
    *missing = g_strdup_printf("domain schema not found (looked for %s); set QVIRT_SCHEMA_DIR to the folder holding " SCHEMA_FILE, tried);
    return NULL;
}

static xmlRelaxNGPtr
parse_schema(xmlRelaxNGParserCtxtPtr pctxt, char **broken)
{
    QvSchemaFault fault = { 0 };
    xmlRelaxNGPtr rng;

    xmlRelaxNGSetParserStructuredErrors(pctxt, collect_fault, &fault);
    rng = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!rng)
        *broken = g_strdup_printf("line %ld: %s", fault.line,
                                  fault.message ? fault.message : "unknown error");
    fault_clear(&fault);
    return rng;
}

static gpointer
load_schema(gpointer unused)
{
    QvSchema *s = g_new0(QvSchema, 1);
    QvErrorGuard guard;
    xmlRelaxNGParserCtxtPtr pctxt;

    if (!(s->path = find_schema(&s->missing)))
        return s;
    guard_enter(&guard);
    pctxt = xmlRelaxNGNewParserCtxt(s->path);
    if (pctxt) {
        g_autofree char *why = NULL;

        s->rng = parse_schema(pctxt, &why);
        if (!s->rng)
            s->broken = g_strdup_printf("domain schema '%s' is invalid: %s", s->path, why);
    } else {
        s->broken = g_strdup_printf("cannot load domain schema '%s'", s->path);
    }
    guard_leave(&guard);
    return s;
}

static QvSchema *
schema_get(void)
{
    static GOnce once = G_ONCE_INIT;

    return g_once(&once, load_schema, NULL);
}

const char *
qv_schema_path(void)
{
    return schema_get()->path;
}

/*
 * A grammar whose start is one definition of domain.rng, for re-checking
 * a single element.  Built on first need and kept; NULL if it fails.
 */
static xmlRelaxNGPtr
sub_schema(const QvSchema *s, const char *define)
{
    static GMutex lock;
    static GHashTable *cache;
    gpointer rng = NULL;

    g_mutex_lock(&lock);
    if (!cache)
        cache = g_hash_table_new(g_str_hash, g_str_equal);
    if (!g_hash_table_lookup_extended(cache, define, NULL, &rng)) {
        xmlChar *uri = xmlPathToURI((const xmlChar *)s->path);
        g_autofree char *href = g_markup_escape_text((const char *)uri, -1);
        g_autofree char *text = g_strdup_printf("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><include href='%s'><start><ref name='%s'/></start></include></grammar>", href, define);
        xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewMemParserCtxt(text, (int)strlen(text));
        g_autofree char *why = NULL;

        xmlFree(uri);
        rng = pctxt ? parse_schema(pctxt, &why) : NULL;
        g_hash_table_insert(cache, (gpointer)define, rng);
    }
    g_mutex_unlock(&lock);
    return rng;
}

/* 0 valid, > 0 invalid (@fault filled), < 0 libxml2 could not run */
static int
run_validation(xmlRelaxNGPtr rng, xmlDocPtr doc, QvSchemaFault *fault)
{
    xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(rng);
    int rc;

    if (!vctxt)
        return -1;
    xmlRelaxNGSetValidStructuredErrors(vctxt, collect_fault, fault);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    return rc;
}

static bool
element_fails(xmlRelaxNGPtr rng, xmlNodePtr node, QvSchemaFault *fault)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr copy = xmlDocCopyNode(node, doc, 1);
    int rc = -1;

    if (copy) {
        xmlDocSetRootElement(doc, copy);
        rc = run_validation(rng, doc, fault);
    }
    xmlFreeDoc(doc);
    if (rc > 0 && !fault->element) {
        fault->element = g_strdup((const char *)node->name);
        fault->line = xmlGetLineNo(node);
    }
    return rc > 0;
}

static bool
name_is(xmlNodePtr node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && !node->ns &&
           strcmp((const char *)node->name, name) == 0;
}

/* Which <source> a disk, backingStore or mirror takes depends on its type */
static const char *
source_define(xmlNodePtr owner)
{
    g_autofree char *type = (char *)xmlGetProp(owner, (const xmlChar *)"type");
    static const char *const kinds[][2] = {
        { "file", "sourceFile" }, { "block", "sourceBlock" },
        { "dir", "sourceDir" }, { "network", "sourceNetwork" },
        { "volume", "sourceVolume" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        if (g_strcmp0(type ? type : "file", kinds[i][0]) == 0)
            return kinds[i][1];
    }
    return NULL;
}

/* The schema definition that checks @node on its own, if any */
static const char *
drill_define(xmlNodePtr node)
{
    static const char *const table[][3] = {
        /* parent, element, definition */
        { "domain", "uuid", "domainUuid" },
        { "domain", "memory", "memory" },
        { "domain", "currentMemory", "currentMemory" },
        { "domain", "os", "os" },
        { "domain", "vcpu", "vcpu" },
        { "devices", "disk", "disk" },
        { "devices", "lease", "lease" },
        { "disk", "driver", "driver" },
        { "disk", "target", "target" },
        { "disk", "mirror", "mirror" },
        { "disk", "threshold", "threshold" },
        { "disk", "backingStore", "backingStore" },
        { "backingStore", "backingStore", "backingStore" },
        { "backingStore", "threshold", "threshold" },
        { "backingStore", "format", "format" },
        { "mirror", "backingStore", "backingStore" },
        { "mirror", "format", "format" },
        { "source", "host", "host" },
        { "source", "auth", "auth" },
    };
    xmlNodePtr parent = node->parent;

    if (name_is(node, "source") &&
        (name_is(parent, "disk") || name_is(parent, "backingStore") ||
         name_is(parent, "mirror")))
        return source_define(parent);
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        if (name_is(parent, table[i][0]) && name_is(node, table[i][1]))
            return table[i][2];
    }
    return NULL;
}

/*
 * Find the innermost checkable element under @node that fails on its
 * own; its fault goes to @fault.  Returns false when none does.
 */
static bool
drill(const QvSchema *s, xmlNodePtr node, QvSchemaFault *fault,
      unsigned int *budget)
{
    for (xmlNodePtr c = node->children; c && *budget > 0; c = c->next) {
        const char *define;
        xmlRelaxNGPtr rng;
        QvSchemaFault mine = { 0 };

        if (c->type != XML_ELEMENT_NODE)
            continue;
        define = drill_define(c);
        rng = define ? sub_schema(s, define) : NULL;
        if (!rng) {
            if (drill(s, c, fault, budget))
                return true;
            continue;
        }
        (*budget)--;
        if (!element_fails(rng, c, &mine))
            continue;
        if (!drill(s, c, fault, budget))
            *fault = mine;
        else
            fault_clear(&mine);
        return true;
    }
    return false;
}

static void
set_fault_error(GError **error, const char *origin, const QvSchemaFault *f)
{
    const char *msg = f->message ? f->message : "does not match the domain schema";

    if (f->element)
        g_set_error(error, QV_ERROR, QV_ERR_XML, "%s:%ld: element '%s': %s",
                    origin, f->line, f->element, msg);
    else
        g_set_error(error, QV_ERROR, QV_ERR_XML, "%s:%ld: %s",
                    origin, f->line, msg);
}

static bool
validate(const QvSchema *s, xmlDocPtr doc, const char *origin,
         GError **error)
{
    QvSchemaFault top = { 0 };
    QvSchemaFault inner = { 0 };
    unsigned int budget = DRILL_BUDGET;
    int rc = run_validation(s->rng, doc, &top);

    if (rc < 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "%s: libxml2 could not run the schema validation", origin);
    } else if (rc > 0) {
        if (drill(s, (xmlNodePtr)doc, &inner, &budget))
            set_fault_error(error, origin, &inner);
        else
            set_fault_error(error, origin, &top);
    }
    fault_clear(&top);
    fault_clear(&inner);
    return rc == 0;
}

bool
qv_schema_validate(xmlDocPtr doc, const char *origin, GError **error)
{
    QvSchema *s = schema_get();
    QvErrorGuard guard;
    bool ok;

    if (!origin)
        origin = doc->URL ? (const char *)doc->URL : "domain XML";
    if (!s->path) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "%s", s->missing);
        return false;
    }
    if (!s->rng) {
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "%s", s->broken);
        return false;
    }
    guard_enter(&guard);
    ok = validate(s, doc, origin, error);
    guard_leave(&guard);
    return ok;
}
