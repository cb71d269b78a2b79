//! IPI round trips between every ordered pair of CPUs: a task on CPU `a`
//! makes CPU `b` run a function in interrupt context and waits for it; the
//! function records which CPU ran it.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::sched;

static RAN_ON: [AtomicU64; platform::cpu::percpu::MAX_CPUS] =
    [const { AtomicU64::new(u64::MAX) }; platform::cpu::percpu::MAX_CPUS];

fn record(slot: u64) {
    RAN_ON[slot as usize].store(platform::cpu::percpu::cpu_id() as u64, Ordering::SeqCst);
}

pub async fn round_trip_all_pairs() -> Result<String, String> {
    let n = platform::smp::cpus_online();
    if n == 1 {
        return Ok(String::from("one CPU: no pairs"));
    }
    let mut times = Vec::new();
    for a in 0..n {
        let t = sched::spawn_on(a, async move {
            let mut times = Vec::new();
            for b in (0..n).filter(|&b| b != a) {
                RAN_ON[b].store(u64::MAX, Ordering::SeqCst);
                let t0 = platform::time::now_ns();
                platform::ipi::call_on(b, record, b as u64);
                times.push(platform::time::now_ns() - t0);
                let got = RAN_ON[b].load(Ordering::SeqCst);
                if got != b as u64 {
                    return Err(format!("IPI from CPU {a} to CPU {b} ran on CPU {got}"));
                }
            }
            Ok(times)
        });
        times.extend(t.await.map_err(|e| format!("{e:?}"))??);
    }
    times.sort_unstable();
    Ok(format!(
        "{} pairs; round trip median {} us, max {} us",
        times.len(),
        times[times.len() / 2] / 1000,
        times[times.len() - 1] / 1000
    ))
}
