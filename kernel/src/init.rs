//! Starting PID 1.
//!
//! The init program is `init=` from the command line, else `/init`, else
//! `/sbin/init`, looked up in the initramfs (`-initrd`, a cpio archive; it is
//! never compiled into the kernel). Until user programs can run (the
//! processes issue), the kernel reports what it found and then does what
//! Linux does when no init can be executed: it panics with
//! "No working init found".

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

/// Reports what was found, then panics: no init can run yet.
pub fn run(info: &BootInfo) -> ! {
    match find(info) {
        Ok(report) => log::info!("{report}"),
        Err(why) => log::error!("{why}"),
    }
    panic!("No working init found: running user programs arrives with the processes issue")
}
