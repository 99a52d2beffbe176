/*
 * test-conf-file: the virConf syntax of util/qv-conf-file.  One row per
 * form of value, separator and comment, and per syntax error with the
 * line it must name; then the inputs a fuzzer would throw at it: NUL
 * bytes, a text with no NUL at its end, very long lines, and every
 * prefix of a valid file (each must parse or fail, never crash).
 */
#include <string.h>

#include "util/qv-conf-file.h"
#include "util/qv-error.h"

typedef struct {
    const char *name;
    const char *text;
    const char *want;       /* the entries as dump() writes them, or NULL */
    const char *err;        /* else the whole error message */
} SyntaxCase;

static const SyntaxCase cases[] = {
    { "empty", "", "", NULL },
    { "blank-lines", "\n\n  \t\n", "", NULL },
    { "comments-only", "# one\n   # two\n#", "", NULL },
    { "string-double", "a = \"x y\"\n", "a@1=s:x y", NULL },
    { "string-single", "a = 'x \"y\"'\n", "a@1=s:x \"y\"", NULL },
    { "string-double-holds-single", "a = \"it's\"", "a@1=s:it's", NULL },
    { "string-empty", "a = ''\nb = \"\"\n", "a@1=s: b@2=s:", NULL },
    { "string-no-escapes", "a = \"C:\\path\\n\"", "a@1=s:C:\\path\\n", NULL },
    { "string-hash", "a = \"#not a comment\" # a comment", "a@1=s:#not a comment", NULL },
    { "string-utf8", "a = \"/srv/d\xc3\xa9j\xc3\xa0\"", "a@1=s:/srv/d\xc3\xa9j\xc3\xa0", NULL },
    { "triple", "a = \"\"\"one\n\"two\"\n'three'\"\"\"\nb = 1\n",
      "a@1=s:one\n\"two\"\n'three' b@4=i:1", NULL },
    { "triple-empty", "a = \"\"\"\"\"\"", "a@1=s:", NULL },
    { "int", "a = 0\nb = 42\nc = -7\nd = +3\ne = 007\n",
      "a@1=i:0 b@2=i:42 c@3=i:-7 d@4=i:3 e@5=i:7", NULL },
    { "int-minus-zero", "a = -0", "a@1=i:-0", NULL },
    { "int-limits", "a = 9223372036854775807\nb = -9223372036854775808\n",
      "a@1=i:9223372036854775807 b@2=i:-9223372036854775808", NULL },
    { "list", "a = [ \"x\", 'y', 3 ]", "a@1=[s:x,s:y,i:3]", NULL },
    { "list-empty", "a = []\nb = [ \n ]", "a@1=[] b@2=[]", NULL },
    { "list-trailing-comma", "a = [ \"x\", ]", "a@1=[s:x]", NULL },
    { "list-lines-comments",
      "a = [\n  # the first\n  \"x\",   # after x\n\n  \"y\"  # after y\n  , 2\n] # done\nb = 1\n",
      "a@1=[s:x,s:y,i:2] b@8=i:1", NULL },
    { "comment-after-value", "a = 1 # one\nb = 'x'# x\n", "a@1=i:1 b@2=s:x", NULL },
    { "semicolon", "a = 1; b = 2 ;c = 'x'; # end\nd = 4;", "a@1=i:1 b@1=i:2 c@1=s:x d@2=i:4", NULL },
    { "no-blanks", "a=1\nb='x'", "a@1=i:1 b@2=s:x", NULL },
    { "indented", "  \ta = 1\n", "a@1=i:1", NULL },
    { "crlf", "a = 1\r\nb = \"x\"\r\n# c\r\n\r\nd = [ 1,\r\n 2 ]\r\n",
      "a@1=i:1 b@2=s:x d@5=[i:1,i:2]", NULL },
    { "no-final-newline", "a = 1", "a@1=i:1", NULL },
    { "key-chars", "_x.y-z9 = 1\nA_B = 2", "_x.y-z9@1=i:1 A_B@2=i:2", NULL },
    { "duplicate-kept", "a = 1\na = 2", "a@1=i:1 a@2=i:2", NULL },
    /* errors */
    { "no-equals", "\n\nauto_disk_leases 1\n", NULL, "f.conf:3: expected '=' after key 'auto_disk_leases'" },
    { "equals-next-line", "a\n= 1", NULL, "f.conf:1: expected '=' after key 'a'" },
    { "no-key", "= 1", NULL, "f.conf:1: expected a key, found '=' (column 1)" },
    { "key-digit", "\n9a = 1", NULL, "f.conf:2: expected a key, found '9' (column 1)" },
    { "key-control", "a = 1\n\x01", NULL, "f.conf:2: expected a key, found byte 0x01 (column 1)" },
    { "no-value-eol", "a =\nb = 1", NULL, "f.conf:1: expected a value for key 'a'" },
    { "no-value-eof", "a = ", NULL, "f.conf:1: expected a value for key 'a'" },
    { "no-value-comment", "a = # x", NULL, "f.conf:1: expected a value for key 'a'" },
    { "bare-word", "a = yes", NULL,
      "f.conf:1: expected a value for key 'a' (a quoted string, an integer or a list), found 'y' (column 5)" },
    { "sign-alone", "a = -", NULL, "f.conf:1: expected digits after the sign of the value of key 'a', found the end of the file" },
    { "sign-twice", "a = +-1", NULL, "f.conf:1: expected digits after the sign of the value of key 'a', found '-' (column 6)" },
    { "int-overflow", "\na = 9223372036854775808", NULL, "f.conf:2: the integer value of key 'a' does not fit in 64 bits" },
    { "int-underflow", "a = -9223372036854775809", NULL, "f.conf:1: the integer value of key 'a' does not fit in 64 bits" },
    { "int-long", "a = 99999999999999999999999999999999999999", NULL, "f.conf:1: the integer value of key 'a' does not fit in 64 bits" },
    { "int-suffix", "a = 12k", NULL, "f.conf:1: unexpected 'k' (column 7) after the value of key 'a'" },
    { "int-hex", "a = 0x10", NULL, "f.conf:1: unexpected 'x' (column 6) after the value of key 'a'" },
    { "int-float", "a = 1.5", NULL, "f.conf:1: unexpected '.' (column 6) after the value of key 'a'" },
    { "two-values", "a = 'x' 'y'", NULL, "f.conf:1: unexpected ''' (column 9) after the value of key 'a'" },
    { "two-statements", "a = 1 b = 2", NULL, "f.conf:1: unexpected 'b' (column 7) after the value of key 'a'" },
    { "unterminated-double", "a = 1\nb = \"x\nc = 2\"", NULL,
      "f.conf:2: the string of key 'b' is not terminated (a string ends on its line and holds no \"; \"\"\"triple quotes\"\"\" allow both)" },
    { "unterminated-single", "b = 'it's'", NULL, "f.conf:1: unexpected 's' (column 9) after the value of key 'b'" },
    { "unterminated-single-eof", "b = 'x", NULL,
      "f.conf:1: the string of key 'b' is not terminated (a string ends on its line and holds no '; \"\"\"triple quotes\"\"\" allow both)" },
    { "unterminated-triple", "a = \"\"\"x\n\n\"\"", NULL, "f.conf:1: the triple-quoted string of key 'a' is not terminated" },
    { "unclosed-list", "a = [ 'x',\n'y'\n", NULL, "f.conf:1: the list of key 'a' is not closed with ']'" },
    { "unclosed-list-comma", "\na = [ 'x',", NULL, "f.conf:2: the list of key 'a' is not closed with ']'" },
    { "unclosed-list-empty", "a = [", NULL, "f.conf:1: the list of key 'a' is not closed with ']'" },
    { "list-no-comma", "a = [ 'x'\n  'y' ]", NULL, "f.conf:2: expected ',' or ']' in the list of key 'a', found ''' (column 3)" },
    { "list-leading-comma", "a = [ , 'x' ]", NULL,
      "f.conf:1: expected a value for key 'a' (a quoted string, an integer or a list), found ',' (column 7)" },
    { "list-two-commas", "a = [ 'x',, ]", NULL,
      "f.conf:1: expected a value for key 'a' (a quoted string, an integer or a list), found ',' (column 11)" },
    { "list-nested", "a = [ 1,\n [ 2 ] ]", NULL, "f.conf:2: a list cannot hold a list (key 'a', column 2)" },
    { "list-unterminated-string", "a = [ 'x ]", NULL,
      "f.conf:1: the string of key 'a' is not terminated (a string ends on its line and holds no '; \"\"\"triple quotes\"\"\" allow both)" },
    { "after-list", "a = [ 1 ] 2", NULL, "f.conf:1: unexpected '2' (column 11) after the value of key 'a'" },
    { "double-semicolon", "a = 1;;", NULL, "f.conf:1: expected a key, found ';' (column 7)" },
    { "lone-semicolon", "; a = 1", NULL, "f.conf:1: expected a key, found ';' (column 1)" },
    { "form-feed", "a =\f1", NULL, "f.conf:1: expected a value for key 'a' (a quoted string, an integer or a list), found byte 0x0c (column 4)" },
    { "high-byte-key", "\xc3\xa9 = 1", NULL, "f.conf:1: expected a key, found byte 0xc3 (column 1)" },
};

static void
dump_value(GString *out, const QvConfValue *v)
{
    switch (v->type) {
    case QV_CONF_STRING:
        g_string_append_printf(out, "s:%s", v->str);
        return;
    case QV_CONF_INT:
        if (v->negative && v->num == 0)
            g_string_append(out, "i:-0");
        else
            g_string_append_printf(out, "i:%" G_GINT64_FORMAT, v->num);
        return;
    case QV_CONF_LIST:
        g_string_append_c(out, '[');
        for (size_t i = 0; i < v->nitems; i++) {
            g_assert_cmpint(v->items[i].type, !=, QV_CONF_LIST);
            if (i)
                g_string_append_c(out, ',');
            dump_value(out, &v->items[i]);
        }
        g_string_append_c(out, ']');
        return;
    case QV_CONF_TYPE_LAST:
        break;
    }
    g_assert_not_reached();
}

/* "key@line=value key@line=value ..." */
static char *
dump(const QvConfFile *conf)
{
    GString *out = g_string_new(NULL);

    for (size_t i = 0; i < conf->nentries; i++) {
        if (i)
            g_string_append_c(out, ' ');
        g_string_append_printf(out, "%s@%zu=", conf->entries[i].key, conf->entries[i].line);
        dump_value(out, &conf->entries[i].value);
    }
    return g_string_free(out, FALSE);
}

/* A copy of @text without its NUL: a read past the end is valgrind's to see */
static QvConfFile *
parse_exact(const char *text, size_t len, GError **error)
{
    g_autofree char *copy = g_memdup2(text, len);

    return qv_conf_file_parse(copy, len, "f.conf", error);
}

static void
test_syntax(gconstpointer data)
{
    const SyntaxCase *c = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(QvConfFile) conf = parse_exact(c->text, strlen(c->text), &err);

    if (c->want) {
        g_autofree char *got = NULL;

        g_assert_no_error(err);
        g_assert_nonnull(conf);
        g_assert_cmpstr(conf->origin, ==, "f.conf");
        got = dump(conf);
        g_assert_cmpstr(got, ==, c->want);
    } else {
        g_assert_null(conf);
        g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
        g_assert_cmpstr(err->message, ==, c->err);
    }
}

static void
test_lookup(void)
{
    static const char text[] = "a = 1\nb = 'x'\na = 2\n";
    g_autoptr(GError) err = NULL;
    g_autoptr(QvConfFile) conf = qv_conf_file_parse(text, strlen(text), "f.conf", &err);
    const QvConfEntry *e;

    g_assert_no_error(err);
    e = qv_conf_file_lookup(conf, "a");
    g_assert_nonnull(e);
    g_assert_cmpuint(e->line, ==, 1);
    g_assert_cmpint(e->value.num, ==, 1);
    e = qv_conf_file_lookup(conf, "b");
    g_assert_nonnull(e);
    g_assert_cmpstr(e->value.str, ==, "x");
    g_assert_null(qv_conf_file_lookup(conf, "c"));
    g_assert_null(qv_conf_file_lookup(NULL, "a"));
    g_assert_cmpstr(qv_conf_type_to_string(QV_CONF_LIST), ==, "a list");
    g_assert_null(qv_conf_type_to_string(QV_CONF_TYPE_LAST));
}

/* A NUL byte is refused wherever it is, with its line and column */
static void
test_nul(void)
{
    static const struct {
        const char *text;
        size_t len;
        const char *err;
    } rows[] = {
        { "\0", 1, "f.conf:1: NUL byte at column 1 (is this a text file?)" },
        { "a = 'x\0y'", 9, "f.conf:1: NUL byte at column 7 (is this a text file?)" },
        { "a = 1\n# \0\n", 10, "f.conf:2: NUL byte at column 3 (is this a text file?)" },
        { "a = 1\nb = 2\n\n\0", 14, "f.conf:4: NUL byte at column 1 (is this a text file?)" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QvConfFile) conf = parse_exact(rows[i].text, rows[i].len, &err);

        g_assert_null(conf);
        g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
        g_assert_cmpstr(err->message, ==, rows[i].err);
    }
}

/* Only @len bytes are read: what follows in memory is not the text's */
static void
test_length(void)
{
    static const char text[] = "a = 1\nb = 2";
    g_autoptr(GError) err = NULL;
    g_autoptr(QvConfFile) conf = qv_conf_file_parse(text, 5, "f.conf", &err);
    g_autoptr(QvConfFile) cut = NULL;
    g_autofree char *got = NULL;

    g_assert_no_error(err);
    got = dump(conf);
    g_assert_cmpstr(got, ==, "a@1=i:1");
    cut = qv_conf_file_parse("a = 'x'", 6, "f.conf", &err);
    g_assert_null(cut);
    g_assert_error(err, QV_ERROR, QV_ERR_PARSE);
}

static void
test_long(void)
{
    const size_t n = 1 << 20;
    g_autoptr(GString) text = g_string_new("k = \"");
    g_autoptr(GString) key = g_string_new(NULL);
    g_autoptr(GString) list = g_string_new("l = [");
    g_autoptr(QvConfFile) conf = NULL;
    g_autoptr(GError) err = NULL;

    for (size_t i = 0; i < n; i++)
        g_string_append_c(text, 'x');
    g_string_append(text, "\"\n");
    conf = parse_exact(text->str, text->len, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(strlen(conf->entries[0].value.str), ==, n);
    g_clear_pointer(&conf, qv_conf_file_free);

    /* a long key is refused, and the message does not repeat it */
    for (size_t i = 0; i < 200; i++)
        g_string_append_c(key, 'k');
    g_string_append(key, " = 1");
    conf = parse_exact(key->str, key->len, &err);
    g_assert_null(conf);
    g_assert_cmpstr(err->message, ==, "f.conf:1: a key is at most 128 characters long, 'kkkkkkkkkkkkkkkkkkkk...' is 200");
    g_clear_error(&err);

    /* a long list on many lines, and an unterminated one */
    for (size_t i = 0; i < 100000; i++)
        g_string_append(list, "1,\n");
    conf = parse_exact(list->str, list->len, &err);
    g_assert_null(conf);
    g_assert_cmpstr(err->message, ==, "f.conf:1: the list of key 'l' is not closed with ']'");
    g_clear_error(&err);
    g_string_append(list, "]\nm = 2");
    conf = parse_exact(list->str, list->len, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(conf->nentries, ==, 2);
    g_assert_cmpuint(conf->entries[0].value.nitems, ==, 100000);
    g_assert_cmpuint(conf->entries[1].line, ==, 100002);
}

/* Every prefix of a file using all the syntax parses or fails cleanly */
static void
test_prefixes(void)
{
    static const char text[] =
        "# qemu-sanlock.conf\n"
        "auto_disk_leases = 1   # on\n"
        "disk_lease_dir = \"/var/lib/libvirt/sanlock\"\n"
        "user = 'sanlock'; group = \"\"\"qemu\"\"\"\n"
        "list = [ \"a\", # a\n  'b', -3, ]\r\n"
        "host_id = +12\n";

    for (size_t len = 0; len <= sizeof(text) - 1; len++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QvConfFile) conf = parse_exact(text, len, &err);

        g_assert_true(!conf != !err);
        if (len == sizeof(text) - 1) {
            g_assert_no_error(err);
            g_assert_cmpuint(conf->nentries, ==, 6);
        }
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/conf-file/syntax/%s", cases[i].name);

        g_test_add_data_func(path, &cases[i], test_syntax);
    }
    g_test_add_func("/conf-file/lookup", test_lookup);
    g_test_add_func("/conf-file/nul", test_nul);
    g_test_add_func("/conf-file/length", test_length);
    g_test_add_func("/conf-file/long", test_long);
    g_test_add_func("/conf-file/prefixes", test_prefixes);
    return g_test_run();
}
