/* setuid/setreuid/setresuid and the gid counterparts: the transition rules
 * for root and for an ordinary user, the saved set-user-ID, invalid ids.
 * Every case runs in a forked child (the parent stays root). */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../t.h"

/* 0 when the real, effective and saved uids are r, e, s. */
static int uids_are(unsigned r, unsigned e, unsigned s) {
    uid_t a, b, c;
    if (syscall(SYS_getresuid, &a, &b, &c) != 0)
        return 0;
    return a == r && b == e && c == s;
}
static int gids_are(unsigned r, unsigned e, unsigned s) {
    gid_t a, b, c;
    if (syscall(SYS_getresgid, &a, &b, &c) != 0)
        return 0;
    return a == r && b == e && c == s;
}

static int root_setuid_sets_all(void) {
    STEP(1, syscall(SYS_setuid, 1000) == 0);
    STEP(2, uids_are(1000, 1000, 1000));
    STEP(3, getuid() == 1000 && geteuid() == 1000);
    return 0;
}
static int nonroot_setuid_to_other_eperm(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    STEP(2, syscall(SYS_setuid, 0) == -1 && errno == EPERM);
    STEP(3, syscall(SYS_setuid, 2000) == -1 && errno == EPERM);
    STEP(4, syscall(SYS_setuid, 1000) == 0 && uids_are(1000, 1000, 1000));
    return 0;
}
static int setuid_to_saved_changes_euid_only(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 3000) == 0);
    STEP(2, syscall(SYS_setuid, 3000) == 0);
    STEP(3, uids_are(1000, 3000, 3000));
    STEP(4, syscall(SYS_setuid, 1000) == 0);
    STEP(5, uids_are(1000, 1000, 3000));
    return 0;
}
static int setuid_saved_root_back(void) {
    /* euid 1000 with saved 0: no CAP_SETUID, so setuid(0) changes euid only */
    STEP(1, syscall(SYS_setresuid, 1000, 1000, 0) == 0);
    STEP(2, syscall(SYS_setuid, 0) == 0);
    STEP(3, uids_are(1000, 0, 0));
    /* now root again: setuid sets all three */
    STEP(4, syscall(SYS_setuid, 1000) == 0);
    STEP(5, uids_are(1000, 1000, 1000));
    return 0;
}
static int root_euid_with_nonroot_real(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 0, 2000) == 0);
    STEP(2, syscall(SYS_setuid, 4000) == 0);
    STEP(3, uids_are(4000, 4000, 4000));
    return 0;
}
static int setresuid_permutes(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 3000) == 0);
    STEP(2, syscall(SYS_setresuid, 3000, 1000, 2000) == 0);
    STEP(3, uids_are(3000, 1000, 2000));
    STEP(4, syscall(SYS_setresuid, 4000, -1, -1) == -1 && errno == EPERM);
    STEP(5, syscall(SYS_setresuid, -1, -1, 4000) == -1 && errno == EPERM);
    STEP(6, uids_are(3000, 1000, 2000));
    STEP(7, syscall(SYS_setresuid, -1, -1, -1) == 0 && uids_are(3000, 1000, 2000));
    return 0;
}
static int setreuid_euid_to_saved_moves_saved(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 3000) == 0);
    /* new euid differs from the real uid: saved follows it */
    STEP(2, syscall(SYS_setreuid, -1, 3000) == 0);
    STEP(3, uids_are(1000, 3000, 3000));
    /* euid back to the real uid: saved unchanged */
    STEP(4, syscall(SYS_setreuid, -1, 1000) == 0);
    STEP(5, uids_are(1000, 1000, 3000));
    STEP(6, syscall(SYS_setreuid, -1, 5000) == -1 && errno == EPERM);
    return 0;
}
static int setreuid_real_rules(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 3000) == 0);
    /* the real uid may become the effective one, never the saved one */
    STEP(2, syscall(SYS_setreuid, 3000, -1) == -1 && errno == EPERM);
    STEP(3, syscall(SYS_setreuid, 2000, -1) == 0);
    /* setting the real uid makes saved = new effective */
    STEP(4, uids_are(2000, 2000, 2000));
    return 0;
}
static int setreuid_swap(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 2000) == 0);
    STEP(2, syscall(SYS_setreuid, 2000, 1000) == 0);
    STEP(3, uids_are(2000, 1000, 1000));
    STEP(4, syscall(SYS_setreuid, -1, 3000) == -1 && errno == EPERM);
    return 0;
}
static int invalid_uid_einval(void) {
    STEP(1, syscall(SYS_setuid, -1) == -1 && errno == EINVAL);
    STEP(2, syscall(SYS_setgid, -1) == -1 && errno == EINVAL);
    STEP(3, uids_are(0, 0, 0) && gids_are(0, 0, 0));
    STEP(4, syscall(SYS_setreuid, -1, -1) == 0 && syscall(SYS_setregid, -1, -1) == 0);
    STEP(5, uids_are(0, 0, 0));
    return 0;
}
static int gid_rules_nonroot(void) {
    STEP(1, syscall(SYS_setresgid, 100, 200, 300) == 0);
    STEP(2, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    STEP(3, syscall(SYS_setgid, 300) == 0 && gids_are(100, 300, 300));
    STEP(4, syscall(SYS_setgid, 400) == -1 && errno == EPERM);
    STEP(5, syscall(SYS_setregid, -1, 100) == 0 && gids_are(100, 100, 300));
    STEP(6, syscall(SYS_setregid, 300, -1) == -1 && errno == EPERM);
    STEP(7, syscall(SYS_setresgid, 300, 100, -1) == 0 && gids_are(300, 100, 300));
    STEP(8, syscall(SYS_setresgid, -1, 500, -1) == -1 && errno == EPERM);
    return 0;
}
static int gid_change_needs_euid_root(void) {
    /* CAP_SETGID goes with euid 0: root's setgid sets all three gids */
    STEP(1, syscall(SYS_setgid, 700) == 0 && gids_are(700, 700, 700));
    STEP(2, syscall(SYS_setresuid, 0, 1000, 0) == 0);
    STEP(3, syscall(SYS_setgid, 800) == -1 && errno == EPERM);
    STEP(4, syscall(SYS_setresuid, -1, 0, -1) == 0);
    STEP(5, syscall(SYS_setgid, 800) == 0 && gids_are(800, 800, 800));
    return 0;
}
static int uid_change_keeps_gids(void) {
    STEP(1, syscall(SYS_setresgid, 10, 20, 30) == 0);
    STEP(2, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    STEP(3, gids_are(10, 20, 30));
    STEP(4, getgid() == 10 && getegid() == 20);
    return 0;
}
static int fork_inherits_ids(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 3000) == 0);
    pid_t p = fork();
    if (p == 0)
        _exit(uids_are(1000, 2000, 3000) ? 0 : 1);
    int st;
    STEP(2, waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
static int nonroot_cannot_kill_root(void) {
    pid_t victim = fork();
    if (victim == 0) {
        pause();
        _exit(0);
    }
    pid_t p = fork();
    if (p == 0) {
        if (syscall(SYS_setresuid, 1000, 1000, 1000) != 0)
            _exit(1);
        _exit(kill(victim, SIGTERM) == -1 && errno == EPERM ? 0 : 2);
    }
    int st, st2;
    waitpid(p, &st, 0);
    kill(victim, SIGKILL);
    waitpid(victim, &st2, 0);
    STEP(1, WIFEXITED(st) && WEXITSTATUS(st) == 0);
    STEP(2, WIFSIGNALED(st2) && WTERMSIG(st2) == SIGKILL);
    return 0;
}
static int same_real_uid_may_kill(void) {
    /* kill is allowed when the sender's real or effective uid matches the
     * target's real or saved uid */
    pid_t victim = fork();
    if (victim == 0) {
        if (syscall(SYS_setresuid, 1000, 5000, 6000) != 0)
            _exit(9);
        pause();
        _exit(0);
    }
    t_sleep_ms(50);
    pid_t p = fork();
    if (p == 0) {
        if (syscall(SYS_setresuid, 7000, 6000, 7000) != 0)
            _exit(1);
        _exit(kill(victim, SIGTERM) == 0 ? 0 : 2);
    }
    int st, st2;
    waitpid(p, &st, 0);
    kill(victim, SIGKILL);
    waitpid(victim, &st2, 0);
    STEP(1, WIFEXITED(st) && WEXITSTATUS(st) == 0);
    STEP(2, WIFSIGNALED(st2) && WTERMSIG(st2) == SIGTERM);
    return 0;
}

int main(void) {
    t_watchdog(30);
    CHECK_CHILD(root_setuid_sets_all, "root's setuid sets real, effective and saved uid");
    CHECK_CHILD(nonroot_setuid_to_other_eperm, "a non-root setuid to an id it does not hold is EPERM");
    CHECK_CHILD(setuid_to_saved_changes_euid_only, "a non-root setuid to its real or saved uid changes only the effective uid");
    CHECK_CHILD(setuid_saved_root_back, "setuid(0) with saved uid 0 regains euid 0; then setuid sets all three");
    CHECK_CHILD(root_euid_with_nonroot_real, "setuid with euid 0 and other real/saved uids sets all three");
    CHECK_CHILD(setresuid_permutes, "a non-root setresuid may permute its ids but not add one");
    CHECK_CHILD(setreuid_euid_to_saved_moves_saved, "setreuid: an effective uid other than the real one becomes the saved uid");
    CHECK_CHILD(setreuid_real_rules, "setreuid: the real uid may become the effective uid only; saved follows");
    CHECK_CHILD(setreuid_swap, "setreuid swaps real and effective uids; saved follows the new effective uid");
    CHECK_CHILD(invalid_uid_einval, "setuid(-1)/setgid(-1) are EINVAL; setreuid(-1, -1) is a no-op");
    CHECK_CHILD(gid_rules_nonroot, "without CAP_SETGID the gids move only among real, effective and saved");
    CHECK_CHILD(gid_change_needs_euid_root, "CAP_SETGID follows the effective uid");
    CHECK_CHILD(uid_change_keeps_gids, "changing uids leaves the gids alone");
    CHECK_CHILD(fork_inherits_ids, "a forked child inherits real, effective and saved uids");
    CHECK_CHILD(nonroot_cannot_kill_root, "a non-root process cannot signal a root process (EPERM)");
    CHECK_CHILD(same_real_uid_may_kill, "kill is allowed when the sender's euid matches the target's saved uid");
    CHECK_NO_CHILDREN();
    return t_done("cred_setuid");
}
