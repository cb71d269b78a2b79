//! Kernel randomness: RDRAND where the CPU has it, mixed with the TSC
//! through a SplitMix64 generator otherwise. Feeds AT_RANDOM and (later)
//! getrandom and /dev/urandom.

use core::sync::atomic::{AtomicU64, Ordering};

static STATE: AtomicU64 = AtomicU64::new(0x853c_49e6_748f_ea9b);

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A random 64-bit value.
pub fn next_u64() -> u64 {
    let hw = platform::cpu::rdrand().unwrap_or(0);
    let s = STATE.fetch_add(platform::time::tsc::rdtsc() | 1, Ordering::Relaxed);
    splitmix(s ^ hw)
}

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        let v = next_u64().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}
