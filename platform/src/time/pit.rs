//! The 8254 PIT, used only to calibrate the TSC: channel 2 counts down
//! 10 ms with its gate on (speaker off) while we read the TSC.

use x86_64::instructions::port::Port;

const PIT_HZ: u64 = 1_193_182;

fn outb(port: u16, v: u8) {
    // SAFETY: PIT and port-0x61 registers; device effects only.
    unsafe { Port::<u8>::new(port).write(v) }
}

fn inb(port: u16) -> u8 {
    // SAFETY: as above.
    unsafe { Port::<u8>::new(port).read() }
}

/// Measures the TSC frequency over 10 ms of PIT time (best of three).
pub(crate) fn measure_tsc_hz() -> u64 {
    let count = (PIT_HZ / 100) as u16; // 10 ms
    let mut best = u64::MAX;
    let mut result = 0;
    for _ in 0..3 {
        outb(0x61, (inb(0x61) & !0x02) | 0x01); // gate on, speaker off
        outb(0x43, 0xb0); // channel 2, lobyte/hibyte, mode 0
        outb(0x42, count as u8);
        outb(0x42, (count >> 8) as u8);
        // Restart the count by toggling the gate.
        let g = inb(0x61) & !0x01;
        outb(0x61, g);
        outb(0x61, g | 0x01);
        let t0 = super::tsc::rdtsc();
        let mut spins = 0u64;
        while inb(0x61) & 0x20 == 0 && spins < 50_000_000 {
            spins += 1;
        }
        let t1 = super::tsc::rdtsc();
        let ticks = t1 - t0;
        // Shortest run had the least overhead around the edges, but a
        // measurement far too short means the PIT did not count.
        if ticks < best {
            best = ticks;
            result = ticks * 100;
        }
    }
    if result < 100_000_000 {
        log::warn!("tsc: PIT calibration failed, assuming 1 GHz");
        return 1_000_000_000;
    }
    result
}
