/*
 * test-json-build: qv_json_add and qv_json_new.  One row per code and
 * per omitted or refused value; then the properties a caller relies on:
 * members keep their order, a key is never given twice, a failed call
 * leaves the target as it was, and every stolen value is taken, even
 * after the member that failed (valgrind checks that none leaks).
 */
#include <stdint.h>
#include <string.h>

#include "conf/qv-domain.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"

/* 'T' takes QvTristate's values without util knowing the type */
G_STATIC_ASSERT(QV_TRISTATE_DEFAULT == 0);
G_STATIC_ASSERT(QV_TRISTATE_ON == 1);
G_STATIC_ASSERT(QV_TRISTATE_OFF == 2);

typedef struct {
    const char *spec;
    const char *str;        /* s, S */
    int64_t num;            /* i, I, b, B, T; u, U as uint64_t */
    const char *json;       /* a, A, m: the value as JSON; NULL: NULL */
    const char *want;       /* the object built, or NULL: an error */
} BuildCase;

static const BuildCase cases[] = {
    { "s:k", "v", 0, NULL, "{\"k\":\"v\"}" },
    { "s:k", "", 0, NULL, "{\"k\":\"\"}" },
    { "s:k", NULL, 0, NULL, NULL },
    { "S:k", "v", 0, NULL, "{\"k\":\"v\"}" },
    { "S:k", NULL, 0, NULL, "{}" },
    { "i:k", NULL, 0, NULL, "{\"k\":0}" },
    { "i:k", NULL, -7, NULL, "{\"k\":-7}" },
    { "i:k", NULL, G_MAXINT, NULL, "{\"k\":2147483647}" },
    { "I:k", NULL, 0, NULL, "{}" },
    { "I:k", NULL, -1, NULL, "{\"k\":-1}" },
    { "u:k", NULL, 0, NULL, "{\"k\":0}" },
    { "u:k", NULL, (int64_t)UINT64_MAX, NULL, "{\"k\":18446744073709551615}" },
    { "U:k", NULL, 0, NULL, "{}" },
    { "U:k", NULL, 1048576, NULL, "{\"k\":1048576}" },
    { "b:k", NULL, 1, NULL, "{\"k\":true}" },
    { "b:k", NULL, 0, NULL, "{\"k\":false}" },
    { "B:k", NULL, 1, NULL, "{\"k\":true}" },
    { "B:k", NULL, 0, NULL, "{}" },
    { "T:k", NULL, 0, NULL, "{}" },
    { "T:k", NULL, 1, NULL, "{\"k\":true}" },
    { "T:k", NULL, 2, NULL, "{\"k\":false}" },
    { "T:k", NULL, 3, NULL, NULL },
    { "T:k", NULL, -1, NULL, NULL },
    { "n:k", NULL, 0, NULL, "{\"k\":null}" },
    { "a:k", NULL, 0, "{\"x\":[1,2]}", "{\"k\":{\"x\":[1,2]}}" },
    { "a:k", NULL, 0, "[]", "{\"k\":[]}" },
    { "a:k", NULL, 0, "\"str\"", "{\"k\":\"str\"}" },
    { "a:k", NULL, 0, NULL, NULL },
    { "A:k", NULL, 0, "{}", "{\"k\":{}}" },
    { "A:k", NULL, 0, NULL, "{}" },
    { "m:k", NULL, 0, "[\"a\",\"b\"]", "{\"k\":[\"a\",\"b\"]}" },
    { "m:k", NULL, 0, "[]", "{}" },
    { "m:k", NULL, 0, "{\"a\":1}", NULL },
    { "m:k", NULL, 0, NULL, NULL },
    /* malformed members */
    { "s:", "v", 0, NULL, NULL },
    { "sk", "v", 0, NULL, NULL },
    { "", "v", 0, NULL, NULL },
    { "x:k", "v", 0, NULL, NULL },
};

static char *
to_string(json_object *obj)
{
    return g_strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* One call with the row's member, its value passed with the code's type */
static bool
add_case(json_object **obj, const BuildCase *c, json_object **val,
         GError **error)
{
    switch (c->spec[0]) {
    case 'i':
    case 'I':
    case 'b':
    case 'B':
    case 'T':
        return qv_json_add(obj, error, c->spec, (int)c->num, NULL);
    case 'u':
    case 'U':
        return qv_json_add(obj, error, c->spec, (uint64_t)c->num, NULL);
    case 'n':
        return qv_json_add(obj, error, c->spec, NULL);
    case 'a':
    case 'A':
    case 'm':
        return qv_json_add(obj, error, c->spec, val, NULL);
    default:
        return qv_json_add(obj, error, c->spec, c->str, NULL);
    }
}

static void
test_code(gconstpointer data)
{
    const BuildCase *c = data;
    g_autoptr(json_object) obj = NULL;
    g_autoptr(json_object) val = c->json ? json_tokener_parse(c->json) : NULL;
    g_autoptr(GError) err = NULL;
    bool ok = add_case(&obj, c, &val, &err);

    if (c->want) {
        g_autofree char *got = NULL;

        g_assert_no_error(err);
        g_assert_true(ok);
        g_assert_nonnull(obj);
        got = to_string(obj);
        g_assert_cmpstr(got, ==, c->want);
    } else {
        g_assert_false(ok);
        g_assert_error(err, QV_ERROR, QV_ERR_INTERNAL);
        g_assert_null(obj);
    }
    /* taken whether it was added, omitted or refused */
    if (c->spec[0] && strchr("aAm", c->spec[0]))
        g_assert_null(val);
}

/* Members keep their order, and a second call appends to the first */
static void
test_order(void)
{
    g_autoptr(json_object) obj = NULL;
    g_autoptr(json_object) cache = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;

    g_assert_true(qv_json_add(&cache, &err, "b:direct", true, "b:no-flush", false, NULL));
    g_assert_true(qv_json_add(&obj, &err, "s:driver", "file", "S:aio", NULL,
                              "s:filename", "/i/a,b.img", NULL));
    g_assert_true(qv_json_add(&obj, &err, "b:read-only", false, "A:cache", &cache,
                              "n:backing", "U:speed", (uint64_t)0, NULL));
    g_assert_no_error(err);
    g_assert_null(cache);
    got = to_string(obj);
    g_assert_cmpstr(got, ==, "{\"driver\":\"file\",\"filename\":\"/i/a,b.img\",\"read-only\":false,\"cache\":{\"direct\":true,\"no-flush\":false},\"backing\":null}");
}

static void
test_new(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) obj = qv_json_new(&err, "s:driver", "quorum", "i:vote-threshold", 2, NULL);
    g_autoptr(json_object) empty = qv_json_new(&err, "S:a", NULL, "B:b", false, NULL);
    g_autoptr(json_object) bad = qv_json_new(&err, "s:driver", NULL, NULL);
    g_autofree char *got = to_string(obj);
    g_autofree char *got_empty = to_string(empty);

    g_assert_cmpstr(got, ==, "{\"driver\":\"quorum\",\"vote-threshold\":2}");
    g_assert_cmpstr(got_empty, ==, "{}");
    g_assert_null(bad);
    g_assert_error(err, QV_ERROR, QV_ERR_INTERNAL);
    g_assert_cmpstr(err->message, ==, "building a JSON object: member 's:driver' has no value");
}

static void
test_duplicate(void)
{
    g_autoptr(json_object) obj = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;

    g_assert_false(qv_json_add(&obj, &err, "s:driver", "file", "s:driver", "raw", NULL));
    g_assert_null(obj);
    g_assert_error(err, QV_ERROR, QV_ERR_INTERNAL);
    g_assert_cmpstr(err->message, ==, "building a JSON object: member 'driver' is given twice");
    g_clear_error(&err);

    /* also against what the object has already */
    g_assert_true(qv_json_add(&obj, &err, "s:driver", "file", NULL));
    g_assert_false(qv_json_add(&obj, &err, "s:filename", "/a", "n:driver", NULL));
    g_assert_cmpstr(err->message, ==, "building a JSON object: member 'driver' is given twice");
    got = to_string(obj);
    g_assert_cmpstr(got, ==, "{\"driver\":\"file\"}");
}

static void
test_not_object(void)
{
    g_autoptr(json_object) arr = json_object_new_array();
    g_autoptr(json_object) val = json_object_new_object();
    g_autoptr(GError) err = NULL;
    json_object *before = arr;

    g_assert_false(qv_json_add(&arr, &err, "s:a", "b", "a:c", &val, NULL));
    g_assert_true(arr == before);
    g_assert_cmpuint(json_object_array_length(arr), ==, 0);
    g_assert_null(val);
    g_assert_cmpstr(err->message, ==, "building a JSON object: the target is a JSON array, not an object");
}

/* A failed call adds nothing and takes every stolen value of the list */
static void
test_error_frees(void)
{
    g_autoptr(json_object) obj = qv_json_new(NULL, "s:driver", "qcow2", NULL);
    g_autoptr(json_object) before = json_tokener_parse("{\"x\":1}");
    g_autoptr(json_object) inner = json_tokener_parse("{\"y\":[1,2,3]}");
    g_autoptr(json_object) after = json_tokener_parse("{\"z\":\"zz\"}");
    g_autoptr(json_object) empty = json_object_new_array();
    g_autoptr(json_object) list = json_tokener_parse("[\"a\"]");
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;

    g_assert_false(qv_json_add(&obj, &err, "a:before", &before, "S:none", NULL,
                               "s:bad", NULL, "A:inner", &inner, "a:after", &after,
                               "m:empty", &empty, "m:list", &list, "s:bad", NULL, NULL));
    /* the first error is the one reported */
    g_assert_cmpstr(err->message, ==, "building a JSON object: member 's:bad' has no value");
    g_assert_null(before);
    g_assert_null(inner);
    g_assert_null(after);
    g_assert_null(empty);
    g_assert_null(list);
    got = to_string(obj);
    g_assert_cmpstr(got, ==, "{\"driver\":\"qcow2\"}");
}

/* After an unknown code the list cannot be read: the rest stays the
 * caller's, what came before is freed */
static void
test_unknown_code(void)
{
    g_autoptr(json_object) obj = NULL;
    g_autoptr(json_object) before = json_object_new_object();
    g_autoptr(json_object) after = json_object_new_object();
    g_autoptr(GError) err = NULL;

    g_assert_false(qv_json_add(&obj, &err, "a:before", &before, "d:speed", 1.5,
                               "a:after", &after, NULL));
    g_assert_cmpstr(err->message, ==, "building a JSON object: 'd:speed' has an unknown code 'd'");
    g_assert_null(obj);
    g_assert_null(before);
    g_assert_nonnull(after);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/json-build/code/%02zu-%s", i,
                                                cases[i].spec[0] ? cases[i].spec : "empty");

        g_test_add_data_func(path, &cases[i], test_code);
    }
    g_test_add_func("/json-build/order", test_order);
    g_test_add_func("/json-build/new", test_new);
    g_test_add_func("/json-build/duplicate", test_duplicate);
    g_test_add_func("/json-build/not-object", test_not_object);
    g_test_add_func("/json-build/error-frees", test_error_frees);
    g_test_add_func("/json-build/unknown-code", test_unknown_code);
    return g_test_run();
}
