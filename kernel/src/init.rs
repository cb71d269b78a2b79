//! Starting PID 1.
//!
//! The init program is `init=` from the command line, else `/init`, else
//! `/sbin/init`, looked up in the initramfs (`-initrd`, a cpio archive; it is
//! never compiled into the kernel). Until the files issue unpacks the
//! archive into tmpfs, it is loaded straight from the archive and started as PID 1
//! with the console on fds 0, 1 and 2. When no init can be executed the
//! kernel does what Linux does: it panics with "No working init found".

use alloc::format;
use alloc::string::String;

use fs::cpio;
use platform::BootInfo;

fn describe(data: &[u8]) -> &'static str {
    match data {
        [0x7f, b'E', b'L', b'F', ..] => "ELF executable",
        [b'#', b'!', ..] => "script",
        _ => "unknown format",
    }
}

/// Finds init in the initramfs; returns a one-line report.
pub fn find(info: &BootInfo) -> Result<String, String> {
    let image = info.initrd.ok_or_else(|| String::from("no initramfs was given (-initrd)"))?;
    let explicit = platform::cmdline::get().get("init");
    let candidates: &[&str] = match explicit {
        Some(ref p) => core::slice::from_ref(p),
        None => &["/init", "/sbin/init"],
    };
    let mut entries = 0usize;
    for e in cpio::Reader::new(image) {
        e.map_err(|e| format!("initramfs is not a valid cpio archive: {e:?}"))?;
        entries += 1;
    }
    for path in candidates {
        let mut target = String::from(*path);
        // Follow symlinks inside the archive (bounded, like ELOOP).
        for _ in 0..8 {
            match cpio::find(image, &target).map_err(|e| format!("initramfs: {e:?}"))? {
                Some(e) if e.is_symlink() => {
                    let link = core::str::from_utf8(e.data).unwrap_or("");
                    target = if link.starts_with('/') {
                        String::from(link)
                    } else {
                        let dir = target.rsplit_once('/').map_or("", |(d, _)| d);
                        format!("{dir}/{link}")
                    };
                }
                Some(e) if e.is_file() => {
                    return Ok(format!(
                        "found init {path} ({}, {} bytes) in a {}-entry initramfs",
                        describe(e.data),
                        e.data.len(),
                        entries
                    ));
                }
                Some(_) => break,
                None => break,
            }
        }
    }
    Err(format!("no init found (tried {})", candidates.join(", ")))
}

/// Starts init as PID 1 with fds 0-2 on the console. Like Linux, tries
/// `init=` (or `/init`, then `/sbin/init`) and panics with "No working init
/// found" when none can be executed.
pub fn run(info: &BootInfo) {
    crate::file::vfs::init(info.initrd);
    match find(info) {
        Ok(report) => log::info!("{report}"),
        Err(why) => log::error!("{why}"),
    }
    let explicit = platform::cmdline::get().get("init");
    let candidates: &[&str] = match explicit {
        Some(ref p) => core::slice::from_ref(p),
        None => &["/init", "/sbin/init"],
    };
    for path in candidates {
        let argv: [&[u8]; 1] = [path.as_bytes()];
        let envp: [&[u8]; 2] = [b"HOME=/", b"TERM=linux"];
        match crate::exec::load(None, path, &argv, &envp) {
            Ok(image) => {
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
    let console = Arc::new(crate::file::File::new(crate::file::FileKind::Console(crate::file::console::Console), crate::file::O_RDWR));
    // Like Linux, init's stdio is /dev/console, opened read-write.
    for _ in 0..3 {
        let _ = files.install(console.clone(), false, 1024);
    }
    let pid = crate::proc::pid::alloc();
    let process = crate::proc::Process::new(pid, Weak::new(), image.mm, Arc::new(spin::Mutex::new(files)), 17);
    let thread = crate::proc::Thread::new(pid, process, platform::user::fpu::FpuState::new());
    thread.set_name(image.name.as_bytes());
    crate::proc::thread::spawn(thread, image.ctx);
}
