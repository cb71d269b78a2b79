//! Kernel self-tests, chosen with `aramid.test=NAME` on the command line and
//! run by the guest suites in `testing/suites/`.
//!
//! - `boot`: every test below, then power off with the number of failures
//!   as the exit status (0 = all passed); one test by its name, e.g.
//!   `heap_stress`;
//! - `serial_input`: reads a line typed on the console (the runner types it);
//! - `probe`: nothing; powers off with 0 as soon as every CPU is online
//!   (the runner's KVM probe);
//! - `pagefault` / `panic`: a deliberate kernel fault / panic, to check the
//!   report and the backtrace;
//! - `hang`: never finishes, to check that the runner notices.
//!
//! Each test prints `selftest: NAME ... ok (details)` or `... FAILED: why`.

use alloc::boxed::Box;
use alloc::string::String;
use core::future::Future;
use core::pin::Pin;

mod cpus;
mod executor;
mod heap;
mod ipi;
mod serial;
mod syscall_table;
mod timer;
mod tlb;
mod user_mode;

type TestFuture = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;
/// A test's name and how to start it.
type Test = (&'static str, fn() -> TestFuture);

const BOOT_TESTS: &[Test] = &[
    ("cpus_run_work", || Box::pin(cpus::each_cpu_runs_work())),
    ("syscall_table", || Box::pin(syscall_table::rows_are_linux())),
    ("restart_policy", || Box::pin(syscall_table::restart_matrix())),
    ("timer_sleep_10ms", || Box::pin(timer::sleep_never_early())),
    ("heap_stress", || Box::pin(heap::stress())),
    ("ipi_round_trip", || Box::pin(ipi::round_trip_all_pairs())),
    ("tlb_shootdown", || Box::pin(tlb::shootdown_reaches_every_cpu())),
    ("user_mode", || Box::pin(user_mode::round_trips())),
    ("sleep_1ms", || Box::pin(executor::one_ms_sleeps())),
    ("wait_queue_ping_pong", || Box::pin(executor::wait_queue_ping_pong())),
    ("sleep_1ms_after_load", || Box::pin(executor::one_ms_sleeps())),
];

/// Tests that need something from outside (the runner types on the
/// console); run by name only.
const INTERACTIVE_TESTS: &[Test] = &[
    ("serial_input", || Box::pin(serial::read_line())),
    ("bench_wake", || Box::pin(executor::bench_cross_cpu_wake())),
];

/// Runs self-test `name`; powers off with the number of failures.
pub async fn run(name: &str) -> ! {
    match name {
        "probe" => platform::power::exit(0),
        "pagefault" => platform::selftest::trigger_page_fault(),
        "panic" => panic!("deliberate panic (aramid.test=panic)"),
        "hang" => {
            log::info!("selftest: hanging on purpose");
            core::future::pending::<()>().await;
            unreachable!()
        }
        _ => {}
    }
    let selected: alloc::vec::Vec<_> = BOOT_TESTS
        .iter()
        .filter(|(n, _)| name == "boot" || *n == name)
        .chain(INTERACTIVE_TESTS.iter().filter(|(n, _)| *n == name))
        .collect();
    if selected.is_empty() {
        log::error!("selftest: unknown test {name:?}");
        platform::power::exit(1);
    }
    let (mut passed, mut failed) = (0u32, 0u32);
    for (test, make) in selected {
        match make().await {
            Ok(details) => {
                passed += 1;
                log::info!("selftest: {test} ... ok ({details})");
            }
            Err(why) => {
                failed += 1;
                log::error!("selftest: {test} ... FAILED: {why}");
            }
        }
    }
    log::info!("selftest: {passed} passed, {failed} failed");
    if failed == 0 {
        log::info!("selftest: all passed");
    }
    platform::power::exit(failed.min(0x7d) as u8)
}
