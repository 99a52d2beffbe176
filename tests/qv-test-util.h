/*
 * qv-test-util: helpers shared by the test programs: temporary folders,
 * running qemu-img and qvirt, golden-file comparison.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* A new temporary folder; removed (recursively) by qv_test_rmtree() */
char *qv_test_mkdtemp(void);
void qv_test_rmtree(const char *path);

/* The names (without .xml) of the golden-test inputs in tests/data/@dir:
 * every NAME.xml that is not an expected output NAME.out.xml, sorted */
GPtrArray *qv_test_list_cases(const char *dir);

/* Run argv (NULL-terminated), capture output; returns the exit status */
int qv_test_run(const char *const *argv, char **out, char **err);

/* Run qemu-img with the given arguments; fails the test on error */
void qv_test_qemu_img(const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Run the qvirt binary (QVIRT_BIN, under QV_TEST_WRAPPER when set) */
int qv_test_qvirt(char **out, char **err, const char *first, ...)
    G_GNUC_NULL_TERMINATED;
/* The same with the arguments as a NULL-terminated array */
int qv_test_qvirtv(char **out, char **err, const char *const *args);

/* Write @len bytes at @offset in @path (created if absent) */
void qv_test_write_at(const char *path, long offset, const void *data,
                      size_t len);

/*
 * Compare @actual with tests/data/@rel.  With QV_TEST_REGENERATE=1 the
 * expected file is (re)written instead.  A missing expected file fails.
 */
void qv_test_golden(const char *rel, const char *actual);

/*
 * Run test @path again in a fresh copy of the program @self (not a fork:
 * caches and home folders must not carry over), with @env_name=1 in its
 * environment, and require success.  g_test_trap_subprocess() would do,
 * but leaves a helper thread behind that valgrind reports.
 */
void qv_test_run_self(const char *self, const char *path,
                      const char *env_name);

/* Make and enter a temporary folder (qv_test_rmtree() it at the end) */
char *qv_test_enter_tmpdir(void);

/* base.qcow2 <- mid.qcow2 <- top.qcow2 in the current folder */
void qv_test_make_chain3(void);

/*
 * Whether case @i runs what costs a valgrind process of its own (a qvirt
 * command per case): always in the plain run, every 8th under valgrind
 * (QV_TEST_VALGRIND), where each costs seconds and the plain run has
 * checked them all; the in-process checks run for every case there too
 */
bool qv_test_valgrind_sample(unsigned int i);

/* Replace every occurrence of @needle in @s by @repl (new string) */
char *qv_test_replace(const char *s, const char *needle, const char *repl);
