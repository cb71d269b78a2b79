//! Heap stress: 100,000 allocations of mixed sizes (8 B to 16 KiB) spread
//! over all CPUs at once, each filled with a pattern that is checked before
//! it is freed; afterwards the heap's allocated bytes are back where they
//! started (no leak). "Where they started" allows [`SLACK`] bytes: the
//! executor frees a finished task's memory when its CPU next reaps, not at
//! the moment the join completes, and a leak of even one byte per
//! allocation would be 100 KB.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::sched;

const TOTAL: usize = 100_000;
const WINDOW: usize = 512;
const SLACK: u64 = 16 * 1024;

/// xorshift64: deterministic sizes without a dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn churn(cpu: usize, count: usize) -> Result<usize, String> {
    let mut rng = 0x9e37_79b9_7f4a_7c15 ^ (cpu as u64 + 1);
    let mut live: Vec<Vec<u8>> = Vec::with_capacity(WINDOW);
    let check = |v: &Vec<u8>| v.iter().all(|&b| b == (v.len() as u8 ^ 0x5a));
    let mut bytes = 0;
    for i in 0..count {
        let size = match next(&mut rng) % 16 {
            0 => 4096 + (next(&mut rng) % 12288) as usize,
            1..=4 => 256 + (next(&mut rng) % 3840) as usize,
            _ => 8 + (next(&mut rng) % 248) as usize,
        };
        bytes += size;
        let v = alloc::vec![size as u8 ^ 0x5a; size];
        if live.len() == WINDOW {
            let victim = live.swap_remove((next(&mut rng) % WINDOW as u64) as usize);
            if !check(&victim) {
                return Err(format!("CPU {cpu}: allocation {i} found corrupted memory"));
            }
        }
        live.push(v);
    }
    if !live.iter().all(check) {
        return Err(format!("CPU {cpu}: corrupted memory at the end"));
    }
    Ok(bytes)
}

pub async fn stress() -> Result<String, String> {
    let n = platform::smp::cpus_online();
    let before = platform::mem::heap::allocated_bytes();
    let start = platform::time::now_ns();
    let handles: Vec<_> = (0..n).map(|cpu| sched::spawn_on(cpu, async move { churn(cpu, TOTAL / n) })).collect();
    let mut bytes = 0;
    for h in handles {
        bytes += h.await.map_err(|e| format!("{e:?}"))??;
    }
    let ms = (platform::time::now_ns() - start) / 1_000_000;
    let after = platform::mem::heap::allocated_bytes();
    if after > before + SLACK {
        return Err(format!("heap grew from {before} to {after} allocated bytes: a leak"));
    }
    Ok(format!(
        "{} allocations ({} MiB) on {n} CPUs in {ms} ms, heap size {} MiB",
        TOTAL / n * n,
        bytes >> 20,
        platform::mem::heap::heap_bytes() >> 20
    ))
}
