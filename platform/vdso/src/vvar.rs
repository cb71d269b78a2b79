// The vDSO data page ("vvar"): written by the kernel (platform::vdso),
// read by the vDSO, mapped read-only one page below the vDSO image. Shared
// by both through `include!`, so there is one definition of the layout.

/// The time and CPU data the vDSO reads.
#[repr(C)]
pub struct Vvar {
    /// Sequence count: odd while the kernel updates the fields below.
    pub seq: u32,
    /// 1 when RDTSCP's TSC_AUX holds the CPU number (getcpu without a
    /// system call), else 0.
    pub getcpu_rdtscp: u32,
    /// The TSC at the kernel's first instruction (CLOCK_MONOTONIC zero).
    pub boot_tsc: u64,
    /// Nanoseconds per TSC tick, 32.32 fixed point.
    pub ns_per_tick: u64,
    /// CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns.
    pub realtime_offset: i64,
}
