/* Execute permission. PROT_EXEC is enforced (NX): code in a read-write
 * page, on the stack or the heap, or in a read-only file mapping faults
 * with SEGV_ACCERR; mprotect to read-exec makes it run and back to
 * read-write stops it again; code in a private file mapping runs; code
 * rewritten in a read-write-exec page runs in its new form. (The same
 * changes made while another thread uses the page: pending/mm_tlb_threads.c.)
 * Also .data, PROT_EXEC alone, PROT_NONE and unmapped pages. */
#define _GNU_SOURCE
#include <stdint.h>
#include "../t.h"
#include "../exec_code.h"

#define PG 4096UL
#define D "/tmp/mm_exec_prot.d"

static unsigned char data_code[16] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* in .data */

int main(void) {
    char *p = t_exec_prot_checks();
    int r;

    r = t_try_call(data_code);
    CHECK(r == -1 && t_fcode == SEGV_ACCERR, "the data segment is not executable", "r %d code %d", r, t_fcode);
    mprotect(p, PG, PROT_EXEC);
    r = t_try_call(p);
    CHECK(r == 42, "PROT_EXEC alone lets the code run", "r %d", r);
    mprotect(p, PG, PROT_NONE);
    r = t_try_call(p);
    CHECK(r == -1 && t_fcode == SEGV_ACCERR && t_faddr == p, "calling into a PROT_NONE page is SEGV_ACCERR", "r %d code %d",
          r, t_fcode);
    munmap(p, PG);
    r = t_try_call(p);
    CHECK(r == -1 && t_fcode == SEGV_MAPERR && t_faddr == p, "calling into an unmapped page is SEGV_MAPERR",
          "r %d code %d", r, t_fcode);
    return t_done("mm_exec_prot");
}
