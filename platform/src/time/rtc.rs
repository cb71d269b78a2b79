//! The CMOS real-time clock, read once at boot to give CLOCK_REALTIME its
//! starting point (seconds since the epoch, UTC).

use x86_64::instructions::port::Port;

fn read(reg: u8) -> u8 {
    // SAFETY: CMOS index/data ports; reading a clock register has no other
    // effect. NMI-disable bit (0x80) kept set while indexing.
    unsafe {
        Port::<u8>::new(0x70).write(0x80 | reg);
        Port::<u8>::new(0x71).read()
    }
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp as i64 + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since 1970-01-01 UTC according to the RTC, or 0 if it reads
/// nonsense.
pub fn read_epoch_seconds() -> u64 {
    // Wait for no update in progress, then read twice until stable.
    let snapshot = || {
        let mut spins = 0;
        while read(0x0a) & 0x80 != 0 && spins < 1_000_000 {
            spins += 1;
        }
        [read(0x00), read(0x02), read(0x04), read(0x07), read(0x08), read(0x09), read(0x32)]
    };
    let mut a = snapshot();
    for _ in 0..5 {
        let b = snapshot();
        if a == b {
            break;
        }
        a = b;
    }
    let status_b = read(0x0b);
    let bcd = |v: u8| if status_b & 0x04 == 0 { (v & 0x0f) + (v >> 4) * 10 } else { v };
    let (sec, min) = (bcd(a[0]) as u64, bcd(a[1]) as u64);
    let hour_raw = a[2];
    let mut hour = bcd(hour_raw & 0x7f) as u64;
    if status_b & 0x02 == 0 && hour_raw & 0x80 != 0 {
        hour = (hour % 12) + 12; // 12-hour mode, PM
    }
    let (day, month) = (bcd(a[3]) as u32, bcd(a[4]) as u32);
    let century = if a[6] != 0 { bcd(a[6]) as i64 } else { 20 };
    let year = century * 100 + bcd(a[5]) as i64;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return 0;
    }
    let days = days_from_civil(year, month, day);
    if days < 0 {
        return 0;
    }
    days as u64 * 86_400 + hour * 3600 + min * 60 + sec
}
