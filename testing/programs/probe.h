/* Memory probes for the mm programs: a read or write that reports a
 * SIGSEGV/SIGBUS instead of dying. The program installs on_fault (with
 * t_handle_info(sig, on_fault, SA_SIGINFO...)); probe_read/probe_write
 * return 0 if the access succeeded, else 1 with the signal, si_code and
 * si_addr in fault_sig, fault_code and fault_addr. */
#ifndef ARAMID_PROBE_H
#define ARAMID_PROBE_H
#include <setjmp.h>
#include "t.h"

static sigjmp_buf jb;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    fault_sig = sig;
    fault_code = si->si_code;
    fault_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static inline int probe_read(volatile char *p) {
    fault_sig = 0;
    fault_code = 0;
    fault_addr = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        (void)*p;
        return 0;
    }
    return 1;
}
static inline int probe_write(volatile char *p, char v) {
    fault_sig = 0;
    fault_code = 0;
    fault_addr = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        *p = v;
        return 0;
    }
    return 1;
}
#endif
