/* Dynamically linked (Debian's ld.so and libc.so.6 from the initramfs):
 * thread-local storage in the program and in a shared library, a program
 * with several shared libraries (libm, libpthread, librt, libdl), dlopen of
 * a library, and threads on every CPU. */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include "../t.h"

extern __thread int lib_tls;
int lib_tls_bump(void);

static __thread int prog_tls = 7;
static atomic_int cpus_seen;

static void *worker(void *arg) {
    long id = (long)arg;
    prog_tls = (int)id;
    for (int i = 0; i < 10; i++)
        lib_tls_bump();
    int ok = prog_tls == (int)id && lib_tls == 110;
    atomic_fetch_add(&cpus_seen, 1);
    return (void *)(long)ok;
}

int main(void) {
    CHECK(prog_tls == 7 && lib_tls == 100, "TLS initial values in the program and a shared library", "%d %d", prog_tls, lib_tls);
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    int all = 1;
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        all &= (long)r == 1;
    }
    CHECK(all && lib_tls == 100 && atomic_load(&cpus_seen) == 8, "each thread has its own TLS in program and library", "all %d", all);
    CHECK(fabs(sqrt(2.0) * sqrt(2.0) - 2.0) < 1e-12 && (int)floor(cos(0.0) * 42.0) == 42, "libm works", "math");
    struct timespec ts;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0, "librt clock_gettime", "rt");
    void *h = dlopen("libtlsdemo.so", RTLD_NOW);
    int (*add)(int, int) = h ? (int (*)(int, int))dlsym(h, "lib_add") : NULL;
    CHECK(add && add(40, 2) == 42, "dlopen and dlsym of a shared library", "%s", h ? "no symbol" : dlerror());
    void *missing = dlopen("libdoesnotexist.so", RTLD_NOW);
    CHECK(missing == NULL, "dlopen of a missing library fails cleanly", "loaded?");
    return t_done("dyn_libs");
}
