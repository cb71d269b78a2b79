//! Starting PID 1.
//!
//! The init program is `init=` from the command line, else `/init`, else
//! `/sbin/init`, looked up in the initramfs (`-initrd`, a cpio archive; it is
//! never compiled into the kernel). Until the files issue unpacks the
//! archive into tmpfs, it is loaded straight from the archive and started as PID 1
//! with the console on fds 0, 1 and 2. When no init can be executed the
//! kernel does what Linux does: it panics with "No working init found".

use platform::BootInfo;

/// Starts init as PID 1 with fds 0-2 on the console. Like Linux, tries
/// `init=` (or `/init`, then `/sbin/init`) and panics with "No working init
/// found" when none can be executed.
pub fn run(info: &BootInfo) {
    let initrd = platform::boot::take_initrd();
    if info.initrd_size.is_none() {
        log::error!("no initramfs was given (-initrd)");
    }
    crate::file::vfs::init(initrd.as_ref().map(|i| i.data()));
    // Its files are in the root tmpfs now: the image's memory is free,
    // as on Linux.
    if let Some(i) = initrd {
        log::info!("Freeing initrd memory: {}K", i.release() / 1024);
    }
    crate::exec::vdso::init();
    // Linux tries the initramfs's `rdinit=` first, then `init=`; without
    // either, /init and /sbin/init.
    let cmdline = platform::cmdline::get();
    let explicit: alloc::vec::Vec<_> = [cmdline.get("rdinit"), cmdline.get("init")].into_iter().flatten().collect();
    let candidates: &[&str] = if explicit.is_empty() { &["/init", "/sbin/init"] } else { &explicit };
    // Like Linux, words after " -- " on the command line are init's
    // arguments.
    let line = platform::cmdline::get().as_str();
    let extra: alloc::vec::Vec<&[u8]> = match line.split_once(" -- ") {
        Some((_, rest)) => rest.split_ascii_whitespace().map(str::as_bytes).collect(),
        None => alloc::vec::Vec::new(),
    };
    for path in candidates {
        let mut argv: alloc::vec::Vec<&[u8]> = alloc::vec![path.as_bytes()];
        argv.extend(&extra);
        let envp: [&[u8]; 3] = [b"HOME=/", b"TERM=linux", b"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
        match crate::exec::load(None, path.as_bytes(), &argv, &envp) {
            Ok(image) => {
                log::info!("starting init {path}");
                start_init(image);
                return;
            }
            Err(e) => log::error!("Requested init {path} failed ({})", e.name()),
        }
    }
    panic!("No working init found. Try passing init= option to kernel.")
}

fn start_init(image: crate::exec::Image) {
    use alloc::sync::{Arc, Weak};
    let mut files = crate::file::FdTable::default();
    let console = Arc::new(crate::file::File::new(crate::file::console::Console, crate::file::O_RDWR));
    // Like Linux, init's stdio is /dev/console, opened read-write.
    for _ in 0..3 {
        let _ = files.install(console.clone(), false, 1024);
    }
    let pid = crate::proc::pid::alloc();
    let process = crate::proc::Process::new(pid, Weak::new(), None, image.mm, Arc::new(spin::Mutex::new(files)), false, 17);
    let thread = crate::proc::Thread::new(pid, process, platform::user::fpu::FpuState::new(), crate::proc::creds::Creds::root());
    thread.set_name(&image.name);
    crate::proc::thread::spawn(thread, image.ctx);
}
