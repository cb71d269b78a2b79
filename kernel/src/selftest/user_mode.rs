//! User mode round trips without any loader: a page of hand-assembled code
//! is mapped into a fresh address space and run. It checks, in order: a
//! syscall returns to the kernel with its number and arguments and resumes
//! with the result; a user page fault comes back as a trap with CR2; a user
//! loop is preempted by the LAPIC timer; and the user-copy routines copy
//! mapped memory and answer a fault (never a kernel crash) for unmapped or
//! kernel addresses.

use alloc::format;
use alloc::string::String;

use platform::mem::frame;
use platform::user::addrspace::{AddressSpace, Prot};
use platform::user::copy::{copy_from_user, copy_to_user, Fault};
use platform::user::fpu::FpuState;
use platform::user::{enter_user, Exit, UserContext};

const CODE_VA: u64 = 0x40_0000;
const STACK_VA: u64 = 0x7fff_0000;
const UNMAPPED: u64 = 0x1000_0000;

#[rustfmt::skip]
const CODE: &[u8] = &[
    0x48, 0xc7, 0xc0, 0x27, 0x00, 0x00, 0x00,             // mov rax, 39 (getpid)
    0x48, 0xc7, 0xc7, 0x11, 0x00, 0x00, 0x00,             // mov rdi, 0x11
    0x0f, 0x05,                                           // syscall
    0x48, 0x89, 0xc7,                                     // mov rdi, rax
    0x48, 0xc7, 0xc0, 0x3c, 0x00, 0x00, 0x00,             // mov rax, 60 (exit)
    0x0f, 0x05,                                           // syscall
    0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x10,       // mov rax, [0x10000000]
    0xeb, 0xfe,                                           // jmp . (spin)
];
const FAULT_INSN: u64 = CODE_VA + 28;
const SPIN: u64 = CODE_VA + 36;

fn expect(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

pub async fn round_trips() -> Result<String, String> {
    let mut space = AddressSpace::new().ok_or("no memory for an address space")?;
    let (code, stack) = (frame::alloc_zeroed().ok_or("no frame")?, frame::alloc_zeroed().ok_or("no frame")?);
    frame::write(code, 0, CODE);
    space.map(CODE_VA, code, Prot { read: true, write: false, exec: true }).map_err(|e| format!("{e:?}"))?;
    space.map(STACK_VA, stack, Prot { read: true, write: true, exec: false }).map_err(|e| format!("{e:?}"))?;
    space.activate();

    let fpu = FpuState::new();
    let mut ctx = UserContext { rip: CODE_VA, rsp: STACK_VA + 4096, ..Default::default() };
    let exit = enter_user(&mut ctx, &fpu);
    expect(exit == Exit::Syscall && ctx.rax == 39 && ctx.rdi == 0x11, || format!("first exit {exit:?}, rax {} rdi {:#x}", ctx.rax, ctx.rdi))?;
    ctx.rax = 4242; // the "result"
    let exit = enter_user(&mut ctx, &fpu);
    expect(exit == Exit::Syscall && ctx.rax == 60 && ctx.rdi == 4242, || format!("second exit {exit:?}, rax {} rdi {}", ctx.rax, ctx.rdi))?;
    let exit = enter_user(&mut ctx, &fpu);
    expect(
        matches!(exit, Exit::Trap { vector: 14, cr2: UNMAPPED, error_code } if error_code & 4 != 0) && ctx.rip == FAULT_INSN,
        || format!("expected a user #PF at {UNMAPPED:#x}, got {exit:?} at rip {:#x}", ctx.rip),
    )?;
    ctx.rip = SPIN;
    // Interrupts off until user mode, as the thread loop does: a timer
    // interrupt taken in between would leave the loop nothing to end it.
    platform::cpu::interrupts::disable();
    platform::apic::lapic::set_deadline(Some(platform::time::now_ns() + 2_000_000));
    let exit = enter_user(&mut ctx, &fpu);
    expect(
        matches!(exit, Exit::Trap { vector: 0x20, .. }) && ctx.rip == SPIN,
        || format!("expected the timer to preempt the loop, got {exit:?} at {:#x}", ctx.rip),
    )?;

    let mut buf = [0u8; 16];
    copy_from_user(&mut buf, CODE_VA).map_err(|f| format!("copy from mapped code: {f:?}"))?;
    expect(buf == CODE[..16], || String::from("copied code differs"))?;
    expect(copy_from_user(&mut buf, UNMAPPED) == Err(Fault { addr: UNMAPPED }), || String::from("unmapped read not reported"))?;
    expect(copy_to_user(CODE_VA, &buf).is_err(), || String::from("write to read-only code page not reported"))?;
    expect(copy_from_user(&mut buf, 0xffff_8000_0000_0000).is_err(), || String::from("kernel address accepted"))?;
    expect(copy_from_user(&mut buf, STACK_VA + 4090).is_err(), || String::from("read past the stack page accepted"))?;
    copy_to_user(STACK_VA + 8, b"aramid").map_err(|f| format!("copy to stack: {f:?}"))?;
    let mut back = [0u8; 6];
    frame::read(stack, 8, &mut back);
    expect(&back == b"aramid", || String::from("copy_to_user wrote elsewhere"))?;

    drop(fpu);
    space.unmap(CODE_VA);
    space.unmap(STACK_VA);
    drop(space);
    frame::free(code);
    frame::free(stack);
    Ok(String::from("syscall, resume, user #PF, timer preemption, user copies and faults"))
}
