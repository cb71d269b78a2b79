//! The initial user stack, laid out exactly as Linux's `create_elf_tables`
//! does: from the top, the executable's name, the environment and argument
//! strings, the platform string and 16 random bytes; then, 16-byte aligned,
//! argc, the argv pointers, NULL, the envp pointers, NULL, and the
//! auxiliary vector ending in AT_NULL.

use alloc::vec::Vec;

use crate::errno::Errno;
use crate::mm::Mm;
use crate::uaccess;

pub const AT_NULL: u64 = 0;
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
pub const AT_BASE: u64 = 7;
pub const AT_FLAGS: u64 = 8;
pub const AT_ENTRY: u64 = 9;
pub const AT_UID: u64 = 11;
pub const AT_EUID: u64 = 12;
pub const AT_GID: u64 = 13;
pub const AT_EGID: u64 = 14;
pub const AT_PLATFORM: u64 = 15;
pub const AT_HWCAP: u64 = 16;
pub const AT_CLKTCK: u64 = 17;
pub const AT_SECURE: u64 = 23;
pub const AT_RANDOM: u64 = 25;
pub const AT_SYSINFO_EHDR: u64 = 33;
pub const AT_HWCAP2: u64 = 26;
pub const AT_EXECFN: u64 = 31;
pub const AT_MINSIGSTKSZ: u64 = 51;

/// Auxiliary entries that need a pointer to a string the builder places.
pub enum AuxValue {
    Value(u64),
    Platform,
    Random,
    ExecFn,
}

/// Writes the stack below `top`; returns the initial RSP (pointing at argc).
pub fn build(mm: &Mm, top: u64, argv: &[&[u8]], envp: &[&[u8]], execfn: &[u8], aux: &[(u64, AuxValue)]) -> Result<u64, Errno> {
    let mut sp = top - 8; // Linux leaves the last 8 bytes as a NULL marker.
    let push_bytes = |sp: &mut u64, bytes: &[u8], nul: bool| -> Result<u64, Errno> {
        let len = bytes.len() as u64 + nul as u64;
        *sp = sp.checked_sub(len).ok_or(Errno::E2BIG)?;
        uaccess::write_bytes(mm, *sp, bytes)?;
        if nul {
            uaccess::write_bytes(mm, *sp + bytes.len() as u64, &[0])?;
        }
        Ok(*sp)
    };
    let execfn_at = push_bytes(&mut sp, execfn, true)?;
    let mut env_at = Vec::with_capacity(envp.len());
    for e in envp.iter().rev() {
        env_at.push(push_bytes(&mut sp, e, true)?);
    }
    env_at.reverse();
    let mut arg_at = Vec::with_capacity(argv.len());
    for a in argv.iter().rev() {
        arg_at.push(push_bytes(&mut sp, a, true)?);
    }
    arg_at.reverse();
    // The strings lie contiguously: arguments, then the environment, then
    // the file name.
    let env_start = env_at.first().copied().unwrap_or(execfn_at);
    let arg_start = arg_at.first().copied().unwrap_or(env_start);
    mm.with(|m| m.args = [arg_start, env_start, env_start, execfn_at]);
    let platform_at = push_bytes(&mut sp, b"x86_64", true)?;
    sp &= !15;
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let random_at = push_bytes(&mut sp, &random, false)?;
    sp &= !15;

    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend(&arg_at);
    words.push(0);
    words.extend(&env_at);
    words.push(0);
    for (key, value) in aux {
        words.push(*key);
        words.push(match value {
            AuxValue::Value(v) => *v,
            AuxValue::Platform => platform_at,
            AuxValue::Random => random_at,
            AuxValue::ExecFn => execfn_at,
        });
    }
    words.push(AT_NULL);
    words.push(0);
    // RSP must be 16-byte aligned at argc.
    let size = words.len() as u64 * 8;
    let rsp = (sp - size) & !15;
    let mut bytes = Vec::with_capacity(size as usize);
    for w in &words {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    uaccess::write_bytes(mm, rsp, &bytes)?;
    Ok(rsp)
}
