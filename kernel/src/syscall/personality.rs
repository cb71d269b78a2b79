//! personality(2): the process's execution domain and its flags, as Linux
//! keeps them — any value is accepted and stored, 0xffffffff only
//! queries, and the old value is returned. Aramid runs PER_LINUX (0) code
//! only and has no address-space randomization, so ADDR_NO_RANDOMIZE is
//! honoured trivially and the other flags are remembered, not acted on.
//! Inherited by fork, kept across exec.

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::SysResult;

const QUERY: u32 = 0xffff_ffff;

pub fn personality(call: &Call<'_>, persona: u32) -> SysResult {
    let p = &call.thread.process.personality;
    let old = if persona == QUERY { p.load(Ordering::Relaxed) } else { p.swap(persona, Ordering::Relaxed) };
    Ok(old as u64)
}
