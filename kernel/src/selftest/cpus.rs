//! Every online CPU runs work: a task pinned to each CPU reports the CPU it
//! actually ran on.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::sched;

pub async fn each_cpu_runs_work() -> Result<String, String> {
    let n = platform::smp::cpus_online();
    let handles: Vec<_> = (0..n).map(|cpu| sched::spawn_on(cpu, async move { platform::cpu::percpu::cpu_id() })).collect();
    for (cpu, h) in handles.into_iter().enumerate() {
        let ran_on = h.await.map_err(|e| format!("task for CPU {cpu}: {e:?}"))?;
        if ran_on != cpu {
            return Err(format!("task pinned to CPU {cpu} ran on CPU {ran_on}"));
        }
    }
    Ok(format!("{n} CPUs each ran a pinned task"))
}
