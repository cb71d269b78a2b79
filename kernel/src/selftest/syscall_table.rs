//! The syscall table and the restart rules, checked at boot: every x86-64
//! number Linux 6.12 assigns has exactly one row, in order, with a sane
//! name and arguments; well-known numbers carry their Linux names; and the
//! restart matrix is signal(7)'s.

use alloc::format;
use alloc::string::String;

use crate::errno::Errno;
use crate::signal::restart::Restart;
use crate::syscall::table::{self, Policy, ROWS};

/// Numbers x86-64 Linux leaves unassigned (the gap before the calls shared
/// with 32-bit ABIs).
const UNASSIGNED: core::ops::RangeInclusive<u16> = 335..=423;
const LAST: u16 = 462;

pub async fn rows_are_linux() -> Result<String, String> {
    let mut prev: Option<u16> = None;
    for r in ROWS {
        if prev.is_some_and(|p| p >= r.nr) {
            return Err(format!("row {} ({}) out of order", r.nr, r.name));
        }
        prev = Some(r.nr);
        if r.name.is_empty() || !r.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(format!("row {} has a bad name {:?}", r.nr, r.name));
        }
        if r.args.len() > 6 {
            return Err(format!("{} has {} arguments", r.name, r.args.len()));
        }
        for (i, (a, _)) in r.args.iter().enumerate() {
            if r.args[..i].iter().any(|(b, _)| b == a) {
                return Err(format!("{} names argument {a} twice", r.name));
            }
        }
        if ROWS.iter().filter(|o| o.name == r.name).count() != 1 {
            return Err(format!("{} has more than one row", r.name));
        }
    }
    for nr in 0..=LAST {
        let has = table::row(nr as u64).is_some();
        if has == UNASSIGNED.contains(&nr) {
            return Err(format!("number {nr}: row {has}, but Linux {} it", if has { "leaves unassigned" } else { "assigns" }));
        }
    }
    let known = [
        (0, "read"), (1, "write"), (3, "close"), (9, "mmap"), (15, "rt_sigreturn"), (39, "getpid"), (56, "clone"),
        (57, "fork"), (59, "execve"), (60, "exit"), (61, "wait4"), (62, "kill"), (202, "futex"), (219, "restart_syscall"),
        (231, "exit_group"), (257, "openat"), (262, "newfstatat"), (281, "epoll_pwait"), (302, "prlimit64"),
        (318, "getrandom"), (332, "statx"), (334, "rseq"), (424, "pidfd_send_signal"), (435, "clone3"),
        (439, "faccessat2"), (441, "epoll_pwait2"), (452, "fchmodat2"), (462, "mseal"),
    ];
    for (nr, name) in known {
        let got = table::row(nr).map(|r| r.name);
        if got != Some(name) {
            return Err(format!("number {nr} is {got:?}, Linux's is {name}"));
        }
    }
    Ok(format!("{} rows, numbers 0-{LAST} but the unassigned {UNASSIGNED:?}", ROWS.len()))
}

pub async fn restart_matrix() -> Result<String, String> {
    let sys = Errno::ERESTARTSYS;
    let block = Errno::ERESTART_RESTARTBLOCK;
    // (policy, code) -> kind recorded (None: EINTR at once).
    let cases = [
        (Policy::Sys, sys, Some(Restart::Sys)),
        (Policy::NoHand, sys, Some(Restart::NoHand)),
        (Policy::NoIntr, sys, Some(Restart::NoIntr)),
        (Policy::Block, sys, Some(Restart::Sys)),
        (Policy::Block, block, Some(Restart::Block)),
        (Policy::Never, sys, None),
    ];
    for (p, e, want) in cases {
        if p.on_interrupt(e) != want {
            return Err(format!("{p:?} interrupted with {e:?} gave {:?}, want {want:?}", p.on_interrupt(e)));
        }
    }
    // After a handler runs: restarted or EINTR, by SA_RESTART (signal(7)).
    let after = [
        (Restart::Sys, [false, true]),
        (Restart::NoHand, [false, false]),
        (Restart::NoIntr, [true, true]),
        (Restart::Block, [false, false]),
    ];
    for (k, want) in after {
        for (sa_restart, w) in [false, true].into_iter().zip(want) {
            if k.after_handler(sa_restart) != w {
                return Err(format!("{k:?} after a handler (SA_RESTART {sa_restart}) should restart: {w}"));
            }
        }
    }
    // The rows' own policies for the calls signal(7) names.
    let policy_of = |name: &str| ROWS.iter().find(|r| r.name == name).map(|r| r.policy);
    let named = [
        ("read", Policy::Sys), ("wait4", Policy::Sys), ("flock", Policy::Sys), ("fcntl", Policy::Sys),
        ("pause", Policy::NoHand), ("rt_sigsuspend", Policy::NoHand), ("select", Policy::NoHand),
        ("pselect6", Policy::NoHand), ("ppoll", Policy::NoHand), ("poll", Policy::Block),
        ("nanosleep", Policy::Block), ("clock_nanosleep", Policy::Block), ("futex", Policy::Block),
        ("epoll_wait", Policy::Never), ("epoll_pwait", Policy::Never), ("epoll_pwait2", Policy::Never),
        ("rt_sigtimedwait", Policy::Never), ("fork", Policy::NoIntr), ("clone3", Policy::NoIntr),
    ];
    for (name, want) in named {
        if policy_of(name) != Some(want) {
            return Err(format!("{name} has restart policy {:?}, signal(7) says {want:?}", policy_of(name)));
        }
    }
    Ok(String::from("every policy and SA_RESTART case as signal(7)"))
}
