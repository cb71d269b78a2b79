//! Looking files up in the initramfs image, until the VFS unpacks it into
//! tmpfs (the files issue). Symbolic links inside the archive are followed
//! (at most 40, like Linux's ELOOP limit).

use alloc::format;
use alloc::string::String;

use fs::cpio;

use crate::errno::Errno;

static IMAGE: spin::Once<&'static [u8]> = spin::Once::new();

pub fn init(image: Option<&'static [u8]>) {
    IMAGE.call_once(|| image.unwrap_or(&[]));
}

/// Resolves `path` (absolute) to a regular file's contents.
pub fn lookup(path: &str) -> Result<&'static [u8], Errno> {
    let image = *IMAGE.get().ok_or(Errno::ENOENT)?;
    let mut target = String::from(path);
    for _ in 0..40 {
        // A regular file in the middle of the path is ENOTDIR.
        let mut prefix = String::new();
        let comps: alloc::vec::Vec<&str> = target.split('/').filter(|c| !c.is_empty()).collect();
        for c in comps.iter().take(comps.len().saturating_sub(1)) {
            prefix.push('/');
            prefix.push_str(c);
            if let Ok(Some(e)) = cpio::find(image, &prefix) {
                if e.is_file() {
                    return Err(Errno::ENOTDIR);
                }
            }
        }
        if comps.is_empty() {
            return Err(Errno::EACCES); // the root directory
        }
        let entry = cpio::find(image, &target).map_err(|_| Errno::EIO)?.ok_or(Errno::ENOENT)?;
        if entry.is_file() {
            return Ok(entry.data);
        }
        if !entry.is_symlink() {
            // A directory or device cannot be executed.
            return Err(Errno::EACCES);
        }
        let link = core::str::from_utf8(entry.data).map_err(|_| Errno::ENOENT)?;
        target = if link.starts_with('/') {
            String::from(link)
        } else {
            let dir = target.rsplit_once('/').map_or("", |(d, _)| d);
            format!("{dir}/{link}")
        };
    }
    Err(Errno::ELOOP)
}

/// The target of the symbolic link at `path` (the last component is not
/// followed; components before it are not resolved either yet).
pub fn readlink(path: &str) -> Result<alloc::vec::Vec<u8>, Errno> {
    let image = *IMAGE.get().ok_or(Errno::ENOENT)?;
    let entry = cpio::find(image, path).map_err(|_| Errno::EIO)?.ok_or(Errno::ENOENT)?;
    if !entry.is_symlink() {
        return Err(Errno::EINVAL);
    }
    Ok(entry.data.to_vec())
}
