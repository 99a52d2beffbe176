/*
 * qv-test-guest: shared helpers of the guest tests (see qv-test-guest.c).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "qv-test-util.h"

typedef struct {
    char *root;
    char *dir;                   /* images */
} Env;

extern char *tmp;
extern GArray *qemu_pids;        /* every QEMU seen, killed at the end */

void qv_test_guest_init(void);
void qv_test_guest_cleanup(void);
void env_init(Env *e, const char *name);
void env_clear(Env *e);
int qv(Env *e, char **out, char **err, const char *a1, const char *a2,
   const char *a3);
void qv_ok(Env *e, char **out, const char *a1, const char *a2, const char *a3);
void define(Env *e, const char *name, const char *devices);
char *file_disk(const char *dev, const char *file, const char *extra);
char *img(Env *e, const char *name);
void mkqcow(Env *e, const char *name, const char *backing);
json_object *runtime(Env *e, const char *name);
pid_t runtime_pid(Env *e, const char *name, const char *key);
char *domstate(Env *e, const char *name);
void assert_state(Env *e, const char *name, const char *want);
void wait_state(Env *e, const char *name, const char *want);
void assert_run_files_gone(Env *e, const char *name);
void start_destroy(Env *e, const char *name, bool paused);
/* SIGKILL @pid and wait until it is gone or a zombie: a kill is
 * delivered asynchronously, and a dying process still looks alive */
void kill_and_wait(pid_t pid);

/* @text contains @want, or the test fails showing both */
void assert_contains(const char *text, const char *want);

/* `qvirt --root ROOT start NAME` in the background, for starts that race */
typedef struct {
    GPid pid;
    int errfd;
} StartAsync;
void start_async(StartAsync *a, const char *root, const char *name);
/* Any `qvirt --root ROOT CMD A1 [A2]` the same way (@a2 may be NULL) */
void start_async_cmd(StartAsync *a, const char *root, const char *cmd, const char *a1,
                     const char *a2);
/* Wait for it: true when it started; else false with *@err (new string)
 * what it said */
bool start_wait(StartAsync *a, char **err);
