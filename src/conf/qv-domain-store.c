/*
 * qv-domain-store: definitions as files under CONFIG_DIR/domains.
 *
 * One lock for the whole store rather than one per domain: a define must
 * see every other definition to keep uuids unique, so writers are
 * serialised anyway.  Readers take no lock: files are only ever replaced
 * by rename, so a reader gets one complete definition or none.
 */
#include "conf/qv-domain-store.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <libxml/xmlreader.h>

#include "util/qv-error.h"
#include "util/qv-file.h"

#define STORE_SUBDIR "domains"
#define DEF_SUFFIX ".xml"
#define LOCK_FILE ".lock"
#define TMP_SUFFIX ".tmp"
#define NAME_MAX_BYTES 200
#define DEF_MAX_BYTES (64 * 1024 * 1024)

struct _QvDomainStore {
    char *dir;
    char *lock_path;
};

QvDomainStore *
qv_domain_store_open(const QvPaths *paths, GError **error)
{
    g_autofree char *dir = g_build_filename(paths->config_dir, STORE_SUBDIR, NULL);
    QvDomainStore *s;

    if (!qv_mkdir_p(dir, 0755, error))
        return NULL;
    s = g_new0(QvDomainStore, 1);
    s->lock_path = g_build_filename(dir, LOCK_FILE, NULL);
    s->dir = g_steal_pointer(&dir);
    return s;
}

void
qv_domain_store_free(QvDomainStore *store)
{
    if (!store)
        return;
    g_free(store->dir);
    g_free(store->lock_path);
    g_free(store);
}

char *
qv_domain_store_file(QvDomainStore *store, const char *name)
{
    g_autofree char *base = g_strconcat(name, DEF_SUFFIX, NULL);

    return g_build_filename(store->dir, base, NULL);
}

static bool
has_control_char(const char *name)
{
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        if (g_unichar_iscntrl(g_utf8_get_char(p)))
            return true;
    }
    return false;
}

bool
qv_domain_name_check(const char *name, GError **error)
{
    if (!name || !*name) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain name must not be empty");
        return false;
    }
    if (!g_utf8_validate(name, -1, NULL)) {
        g_autofree char *shown = g_utf8_make_valid(name, -1);

        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain name '%s' is not valid UTF-8", shown);
        return false;
    }
    if (has_control_char(name)) {
        g_autofree char *shown = g_strescape(name, NULL);

        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain name '%s' must not contain control characters", shown);
        return false;
    }
    if (strlen(name) > NAME_MAX_BYTES) {
        g_autofree char *start = g_utf8_substring(name, 0, 32);

        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain name '%s...' is too long (%zu bytes; at most %d)", start, strlen(name), NAME_MAX_BYTES);
        return false;
    }
    if (name[0] == '.') {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain name '%s' must not start with '.'", name);
        return false;
    }
    if (strchr(name, '/')) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain name '%s' must not contain '/'", name);
        return false;
    }
    return true;
}

/* uuids compare without dashes and case: both are libvirt spellings */
static bool
uuid_equal(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-')
            a++;
        while (*b == '-')
            b++;
        if (g_ascii_tolower(*a) != g_ascii_tolower(*b))
            return false;
        if (!*a)
            return true;
        a++;
        b++;
    }
}

static bool
looks_like_uuid(const char *s)
{
    size_t digits = 0;

    for (; *s; s++) {
        if (g_ascii_isxdigit(*s))
            digits++;
        else if (*s != '-')
            return false;
    }
    return digits == 32;
}

static void
ignore_reader_error(void *opaque, xmlErrorPtr err)
{
}

/* /domain/uuid of a stored file, read as a stream: it comes long before
 * the devices, which can be large.  NULL when absent or unreadable. */
static char *
stored_uuid(const char *path)
{
    xmlTextReaderPtr r = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
    char *uuid = NULL;

    if (!r)
        return NULL;
    xmlTextReaderSetStructuredErrorHandler(r, ignore_reader_error, NULL);
    while (xmlTextReaderRead(r) == 1) {
        const char *local = (const char *)xmlTextReaderConstLocalName(r);
        xmlChar *text;

        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
            xmlTextReaderDepth(r) != 1 || g_strcmp0(local, "uuid") != 0)
            continue;
        text = xmlTextReaderReadString(r);
        if (text)
            uuid = g_strstrip(g_strdup((const char *)text));
        xmlFree(text);
        break;
    }
    xmlFreeTextReader(r);
    return uuid;
}

typedef bool (*QvStoreVisit)(QvDomainStore *store, const char *name,
                             void *opaque, GError **error);

/*
 * Call @visit for every stored definition; @visit returns false to stop,
 * setting *error if that is a failure.  Temporary files left by a writer that
 * died are removed when @clean_temps (only under the store lock).
 */
static bool
store_foreach(QvDomainStore *store, bool clean_temps, QvStoreVisit visit,
              void *opaque, GError **error)
{
    DIR *d = opendir(store->dir);
    GError *local = NULL;
    struct dirent *ent;

    if (!d) {
        qv_error_set_errno(error, errno, "cannot list domain folder '%s'", store->dir);
        return false;
    }
    while ((ent = readdir(d))) {
        const char *e = ent->d_name;
        g_autofree char *name = NULL;

        if (e[0] == '.') {
            if (clean_temps && g_str_has_suffix(e, TMP_SUFFIX))
                unlinkat(dirfd(d), e, 0);
            continue;
        }
        if (!g_str_has_suffix(e, DEF_SUFFIX))
            continue;
        name = g_strndup(e, strlen(e) - strlen(DEF_SUFFIX));
        if (qv_domain_name_check(name, NULL) &&
            !visit(store, name, opaque, &local))
            break;
    }
    closedir(d);
    if (local) {
        g_propagate_error(error, local);
        return false;
    }
    return true;
}

typedef struct {
    const char *name;
    const char *uuid;
    bool exists;
} QvUniqueCheck;

static bool
check_unique_one(QvDomainStore *store, const char *name, void *opaque,
                 GError **error)
{
    QvUniqueCheck *c = opaque;
    g_autofree char *path = qv_domain_store_file(store, name);
    g_autofree char *uuid = stored_uuid(path);
    bool same_name = strcmp(name, c->name) == 0;

    if (same_name)
        c->exists = true;
    if (!uuid)
        return true;
    if (same_name && !uuid_equal(uuid, c->uuid)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s' already exists with uuid '%s'; the new definition has uuid '%s'", name, uuid, c->uuid);
        return false;
    }
    if (!same_name && uuid_equal(uuid, c->uuid)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s' already exists with uuid '%s'", name, uuid);
        return false;
    }
    return true;
}

static bool
define_locked(QvDomainStore *store, const char *name, const char *uuid,
              const char *xml, bool *created, GError **error)
{
    QvUniqueCheck check = { name, uuid, false };
    g_autofree char *path = NULL;

    if (!store_foreach(store, true, check_unique_one, &check, error))
        return false;
    path = qv_domain_store_file(store, name);
    if (!qv_file_write_atomic(path, xml, strlen(xml), 0600, error))
        return false;
    if (created)
        *created = !check.exists;
    return true;
}

bool
qv_domain_store_define(QvDomainStore *store, const char *name,
                       const char *uuid, const char *xml, bool *created,
                       GError **error)
{
    int lock;
    bool ok;

    if (!qv_domain_name_check(name, error))
        return false;
    if (!uuid || !looks_like_uuid(uuid)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': uuid '%s' is not a valid uuid", name, uuid ? uuid : "");
        return false;
    }
    if ((lock = qv_file_lock(store->lock_path, true, true, error)) < 0)
        return false;
    ok = define_locked(store, name, uuid, xml, created, error);
    close(lock);
    return ok;
}

static bool
undefine_locked(QvDomainStore *store, const char *name, GError **error)
{
    g_autofree char *path = qv_domain_store_file(store, name);

    if (unlink(path) < 0) {
        if (errno == ENOENT)
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "domain '%s' is not defined", name);
        else
            qv_error_set_errno(error, errno, "cannot remove the definition of domain '%s' ('%s')", name, path);
        return false;
    }
    /* the definition is gone; only its durability is in doubt */
    return qv_file_sync_dir(store->dir, error);
}

bool
qv_domain_store_undefine(QvDomainStore *store, const char *name,
                         GError **error)
{
    int lock;
    bool ok;

    if (!qv_domain_name_check(name, error))
        return false;
    if ((lock = qv_file_lock(store->lock_path, true, true, error)) < 0)
        return false;
    ok = undefine_locked(store, name, error);
    close(lock);
    return ok;
}

typedef struct {
    const char *uuid;
    char *found;
} QvUuidLookup;

static bool
find_uuid_one(QvDomainStore *store, const char *name, void *opaque,
              GError **error)
{
    QvUuidLookup *l = opaque;
    g_autofree char *path = qv_domain_store_file(store, name);
    g_autofree char *uuid = stored_uuid(path);

    if (uuid && uuid_equal(uuid, l->uuid)) {
        l->found = g_strdup(name);
        return false;
    }
    return true;
}

/* The definition of @name; a missing file is "domain KEY is not defined" */
static char *
read_named(QvDomainStore *store, const char *name, const char *key,
           GError **error)
{
    g_autofree char *path = qv_domain_store_file(store, name);
    g_autoptr(GError) local = NULL;
    char *xml = NULL;

    if (qv_file_read_all(path, &xml, NULL, DEF_MAX_BYTES, &local))
        return xml;
    if (g_error_matches(local, QV_ERROR, QV_ERR_NOT_FOUND))
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "domain '%s' is not defined", key);
    else
        g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
}

char *
qv_domain_store_read(QvDomainStore *store, const char *name_or_uuid,
                     char **name_out, GError **error)
{
    const char *key = name_or_uuid ? name_or_uuid : "";
    QvUuidLookup lookup = { key, NULL };
    g_autoptr(GError) local = NULL;
    g_autofree char *name = NULL;
    char *xml = NULL;

    if (qv_domain_name_check(key, NULL)) {
        xml = read_named(store, key, key, &local);
        if (xml)
            name = g_strdup(key);
        else if (!g_error_matches(local, QV_ERROR, QV_ERR_NOT_FOUND) ||
                 !looks_like_uuid(key)) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
    }
    if (!xml) {
        if (!looks_like_uuid(key) ||
            !store_foreach(store, false, find_uuid_one, &lookup, error))
            goto not_found;
        if (!(name = g_steal_pointer(&lookup.found)))
            goto not_found;
        if (!(xml = read_named(store, name, key, error)))
            return NULL;
    }
    if (name_out)
        *name_out = g_steal_pointer(&name);
    return xml;

 not_found:
    if (error && !*error)
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "domain '%s' is not defined", key);
    return NULL;
}

static bool
list_one(QvDomainStore *store, const char *name, void *opaque,
         GError **error)
{
    g_ptr_array_add(opaque, g_strdup(name));
    return true;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
qv_domain_store_list(QvDomainStore *store, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    if (!store_foreach(store, false, list_one, names, error))
        return NULL;
    g_ptr_array_sort(names, compare_names);
    return g_steal_pointer(&names);
}
