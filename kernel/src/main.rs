#![no_std]
#![no_main]
#![forbid(unsafe_code)]
fn bsp_main(i: &'static platform::BootInfo) -> ! {
    log::info!("hello from the kernel, {} cpus present, initrd {:?}", i.cpus_present, i.initrd.map(|d| d.len()));
    let n = platform::smp::start_aps();
    log::info!("aramid: {n} CPUs online");
    platform::power::exit(0)
}
fn ap_main(c: usize) -> ! { log::info!("cpu {c} up"); loop { platform::cpu::interrupts::enable_and_halt(); } }
platform::entry_points!(bsp: bsp_main, ap: ap_main);
