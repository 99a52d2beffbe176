/*
 * qv-test-sanlock: real sanlock daemons for tests, one per simulated
 * host, each with a run folder of its own.
 *
 *   QvTestSanlock *a = qv_test_sanlock_start(tmpdir, "A");
 *   qv_test_sanlock_use(a);          // this process's calls go to A
 *   ... sanlock calls, or spawn with qv_test_sanlock_environ(a, NULL) ...
 *   qv_test_sanlock_stop(a);
 *
 * The client library (libsanlock_client 3.8.5) reads SANLOCK_RUN_DIR
 * once, at a process's first call, and keeps it for the life of the
 * process, forked children included.  A process therefore talks to
 * one daemon only: processes that exec (a supervisor, QEMU) get it
 * from their environment (qv_test_sanlock_environ), and in-process
 * tests run each host's calls in an agent, a child forked from a test
 * process that never calls libsanlock itself:
 *
 *   QvTestSanlockAgent *ag = qv_test_sanlock_agent_start(a, NULL, NULL, NULL);
 *   g_autofree char *reply = qv_test_sanlock_agent_call(ag, my_func, "arg");
 *   qv_test_sanlock_agent_stop(ag);     // fails the test if it failed
 *
 * my_func(ctx, arg) runs in the agent (same code, its own memory) and
 * returns a new string; agents of two hosts run concurrently when both
 * are sent a call before either is waited for.
 * Daemons run without a watchdog (-w 0), memory locking (-l 0) or RR
 * scheduling, under a stable host name (-e host<NAME>) so that a
 * restart rejoins at once, with io_timeout 1 (-o 1), and with
 * tests/qv-test-setrlimit.so preloaded ($QV_TEST_SANLOCK_PRELOAD, set
 * by meson) since a container cannot raise RLIMIT_MEMLOCK.  A daemon
 * dies with the test process (PR_SET_PDEATHSIG), however the test ends.
 * Lockspaces for tests should be written with io_timeout 1 so that a
 * join takes about 3 s: the driver does so with qemu-sanlock.conf's
 * io_timeout = 1, or qv_test_sanlock_write_lockspace().
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct QvTestSanlock QvTestSanlock;

/* Start the daemon of host @name ("A", "B"...) with its run folder
 * @base/sanlock-@name (created), and wait until it answers.  Fails the
 * test (with the daemon's log) when it cannot start. */
QvTestSanlock *qv_test_sanlock_start(const char *base, const char *name);

const char *qv_test_sanlock_run_dir(const QvTestSanlock *h);
pid_t qv_test_sanlock_pid(const QvTestSanlock *h);
/* The daemon's stderr so far (its log), a new string */
char *qv_test_sanlock_log(const QvTestSanlock *h);

/* Point this process's sanlock calls (and its children's) at @h: only
 * before its first call (see above) */
void qv_test_sanlock_use(const QvTestSanlock *h);

/* A copy of @envp (NULL: this process's environment) that points at @h;
 * g_strfreev it */
char **qv_test_sanlock_environ(const QvTestSanlock *h, char **envp);

/* Kill the daemon with SIGKILL, as a host dying would (its leases stay
 * on disk as they were); stop() still frees @h */
void qv_test_sanlock_kill(QvTestSanlock *h);

/* Stop the daemon (sanlock shutdown -f 1, then SIGTERM, then SIGKILL)
 * and free @h; NULL is fine */
void qv_test_sanlock_stop(QvTestSanlock *h);

/* Stop every daemon still running (registered with atexit too) */
void qv_test_sanlock_stop_all(void);

/* Write lockspace @name at @path (created 1 MiB if missing) with
 * @io_timeout, with `sanlock direct init` (no daemon needed) */
void qv_test_sanlock_write_lockspace(const char *name, const char *path,
                                     unsigned int io_timeout);

/* ---- agents: a process per host for in-process tests ---- */

typedef struct QvTestSanlockAgent QvTestSanlockAgent;

/* A call run in the agent: @ctx is the agent's context, the reply a new
 * string (NULL is sent as "") */
typedef char *(*QvTestSanlockFunc)(void *ctx, const char *arg);

/* Fork an agent that talks to @h only.  In the agent, @ctx_new (may be
 * NULL) makes the context from @data; @ctx_free (may be NULL) frees it
 * when the test process stops the agent.  The calling process must not
 * have called libsanlock. */
QvTestSanlockAgent *qv_test_sanlock_agent_start(const QvTestSanlock *h,
                                                void *(*ctx_new)(gpointer data),
                                                void (*ctx_free)(void *ctx),
                                                gpointer data);
/* The same for the daemon of run folder @run_dir (which may have none) */
QvTestSanlockAgent *qv_test_sanlock_agent_start_at(const char *run_dir,
                                                   void *(*ctx_new)(gpointer data),
                                                   void (*ctx_free)(void *ctx),
                                                   gpointer data);
void qv_test_sanlock_agent_send(QvTestSanlockAgent *a, QvTestSanlockFunc fn, const char *arg);
char *qv_test_sanlock_agent_wait(QvTestSanlockAgent *a);
char *qv_test_sanlock_agent_call(QvTestSanlockAgent *a, QvTestSanlockFunc fn, const char *arg);
pid_t qv_test_sanlock_agent_pid(const QvTestSanlockAgent *a);
/* Close the agent's input, wait for it and fail the test unless it
 * exited 0 (valgrind's leak check runs in the agent too); NULL is fine */
void qv_test_sanlock_agent_stop(QvTestSanlockAgent *a);
