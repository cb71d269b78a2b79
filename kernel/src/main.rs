//! The Aramid kernel binary.
//!
//! The platform crate boots the machine and calls [`bsp_main`] on the
//! bootstrap CPU and [`ap_main`] on each application processor. Every CPU
//! then runs the executor loop ([`sched`]); all kernel work, from the
//! self-tests to (later) every user thread, is a task on it.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod abi;
mod cgroup;
mod clock_set;
mod errno;
mod exec;
mod file;
mod fsnotify;
mod futex;
mod init;
mod ipc;
mod lock_order;
mod mm;
mod ns;
mod power;
mod proc;
mod procfs;
mod ptrace;
mod random;
mod sched;
mod selftest;
mod signal;
mod sysfs;
pub mod syscall;
mod timer;
mod uaccess;

use core::sync::atomic::{AtomicUsize, Ordering};

use platform::BootInfo;

/// CPUs whose executor loop has run a task.
static CPUS_RUNNING: AtomicUsize = AtomicUsize::new(0);

fn bsp_main(info: &'static BootInfo) -> ! {
    file::kmsg::init();
    log::info!(
        "kernel: {} MiB usable, {} CPU(s) present, initramfs {}",
        info.usable_memory >> 20,
        info.cpus_present,
        match info.initrd_size {
            Some(n) => alloc::format!("{} KiB", n / 1024),
            None => alloc::string::String::from("absent"),
        }
    );
    sched::init(info.cpus_present);
    syscall::init();
    file::console::init();
    power::init();
    let online = platform::smp::start_aps();
    // One task pinned to each CPU: the last to run announces that every
    // CPU runs its executor loop.
    for cpu in 0..online {
        drop(sched::spawn_on(cpu, async move {
            if CPUS_RUNNING.fetch_add(1, Ordering::AcqRel) + 1 == online {
                log::info!("aramid: {online} CPUs online");
                drop(sched::spawn_on(0, start(info)));
            }
        }));
    }
    sched::run_cpu(0)
}

fn ap_main(cpu: usize) -> ! {
    sched::run_cpu(cpu)
}

/// What runs once every CPU is up: a self-test, or init.
async fn start(info: &'static BootInfo) {
    match platform::cmdline::get().get("aramid.test") {
        Some(test) => selftest::run(test).await,
        None => init::run(info),
    }
}

platform::entry_points!(bsp: bsp_main, ap: ap_main);
