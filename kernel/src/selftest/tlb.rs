//! TLB shootdown: every CPU reads a kernel page (caching its translation),
//! the page is remapped to another frame, a shootdown is sent, and every CPU
//! must then read the new frame's contents, not the stale one's.

use alloc::format;
use alloc::string::String;

use platform::mem::{frame, paging};

use crate::sched;

const VA: u64 = 0xffff_fd00_0000_0000;

async fn read_everywhere(n: usize) -> Result<alloc::vec::Vec<Option<u64>>, String> {
    let mut values = alloc::vec::Vec::new();
    for cpu in 0..n {
        let v = sched::spawn_on(cpu, async { paging::read_kernel_u64(VA) }).await.map_err(|e| format!("{e:?}"))?;
        values.push(v);
    }
    Ok(values)
}

pub async fn shootdown_reaches_every_cpu() -> Result<String, String> {
    let n = platform::smp::cpus_online();
    let (a, b) = (frame::alloc().ok_or("no frame")?, frame::alloc().ok_or("no frame")?);
    paging::write_phys_u64(a, 0xaaaa);
    paging::write_phys_u64(b, 0xbbbb);
    paging::map_kernel_page(VA, a, false).map_err(String::from)?;
    let first = read_everywhere(n).await?;
    if first.iter().any(|v| *v != Some(0xaaaa)) {
        return Err(format!("before remapping, CPUs read {first:x?}"));
    }
    let old = paging::unmap_kernel_page(VA).ok_or("unmap failed")?;
    paging::map_kernel_page(VA, b, false).map_err(String::from)?;
    let acked = platform::ipi::tlb_shootdown(VA, VA + 4096);
    let second = read_everywhere(n).await?;
    paging::unmap_kernel_page(VA);
    platform::ipi::tlb_shootdown(VA, VA + 4096);
    frame::free(old);
    frame::free(b);
    if second.iter().any(|v| *v != Some(0xbbbb)) {
        return Err(format!("after the shootdown, CPUs read {second:x?} (stale TLB)"));
    }
    Ok(format!("{acked} other CPUs acknowledged; all {n} read the new page"))
}
