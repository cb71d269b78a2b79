//! restart_syscall(2): resumes a call that a stop signal interrupted
//! (Linux's restart_block), with the deadline it saved
//! ([`crate::signal::restart`]). Without a saved block it is EINTR, as
//! Linux's do_no_restart_syscall.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::signal::restart::{self, RestartBlock};

pub async fn restart_syscall(call: &Call<'_>) -> SysResult {
    match restart::take_block(call.thread) {
        None => Err(Errno::EINTR),
        Some(RestartBlock::Sleep { deadline, realtime, rem }) => super::time::resume_sleep(call, deadline, realtime, rem).await,
        Some(RestartBlock::CpuSleep { clock, expires, rem }) => super::time::resume_cpu_sleep(call, clock, expires, rem).await,
        Some(RestartBlock::Futex { uaddr, val, bitset, private, deadline }) => {
            let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
            super::futex::wait(call, &mm, uaddr, val, bitset, private, Some(deadline)).await
        }
        Some(RestartBlock::Poll { fds, nfds, deadline }) => super::poll::resume_poll(call, fds, nfds, deadline).await,
    }
}
