//! Processes and threads.
//!
//! A Linux thread is an executor task ([`thread::run`]) whose future is the
//! thread's whole kernel life: enter user mode, handle what brought it back
//! (a syscall, a fault, an interrupt), repeat. A process groups threads
//! sharing an address space ([`crate::mm::Mm`]) and a descriptor table.

pub mod access;
pub mod creds;
pub mod limits;
pub mod pid;
pub mod process;
pub mod sched_attr;
pub mod task_count;
pub mod thread;

pub use process::Process;
pub use thread::Thread;
