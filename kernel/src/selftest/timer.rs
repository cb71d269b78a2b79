//! Timer sleeps never wake early: on every CPU at once, five sleeps of
//! 10 ms each; each must end at or after its deadline. The overshoot is
//! logged as a figure, not judged.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::sched;

const SLEEP_NS: u64 = 10_000_000;
const ROUNDS: usize = 5;

pub async fn sleep_never_early() -> Result<String, String> {
    let n = platform::smp::cpus_online();
    let handles: Vec<_> = (0..n)
        .map(|cpu| {
            sched::spawn_on(cpu, async move {
                let mut overshoots = Vec::new();
                for _ in 0..ROUNDS {
                    let deadline = platform::time::now_ns() + SLEEP_NS;
                    sched::sleep_until(deadline).await;
                    let now = platform::time::now_ns();
                    if now < deadline {
                        return Err(format!("CPU {cpu} woke {} ns early", deadline - now));
                    }
                    overshoots.push(now - deadline);
                }
                Ok(overshoots)
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.map_err(|e| format!("{e:?}"))??);
    }
    all.sort_unstable();
    let us = |ns: u64| ns / 1000;
    Ok(format!(
        "{} sleeps on {n} CPUs, none early; overshoot min {} us, median {} us, max {} us",
        all.len(),
        us(all[0]),
        us(all[all.len() / 2]),
        us(all[all.len() - 1])
    ))
}
