//! Classic BPF socket filters (SO_ATTACH_FILTER, filter(2) of old: Linux's
//! net/core/filter.c): the check a program passes when it is attached
//! ([`Program::new`], bpf_check_classic) and the interpreter that runs it
//! over a datagram ([`Program::run`]).
//!
//! As Linux: a program has 1 to 4096 instructions and ends with a RET;
//! jumps stay inside it; scratch memory has 16 words; division or modulo
//! by a constant 0 and shifts by a constant of 32 or more are refused at
//! attach (EINVAL). At run time a load past the packet's end, and a
//! division by an X of 0, end the program with 0 (the packet is dropped).
//! Loads are big-endian. The ancillary loads (negative offsets,
//! SKF_AD_OFF) are not supported: such a load drops the packet, as a load
//! out of range does. The value a program returns is how many bytes of the
//! packet the socket keeps (0: drop).

use alloc::vec::Vec;

use crate::Errno;

/// BPF_MAXINSNS.
pub const MAX_INSNS: usize = 4096;
/// BPF_MEMWORDS.
const MEM_WORDS: u32 = 16;

/// One instruction (`struct sock_filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

impl Insn {
    /// Decodes the 8-byte `struct sock_filter` at the start of `b`.
    pub fn decode(b: &[u8; 8]) -> Insn {
        Insn { code: u16::from_ne_bytes([b[0], b[1]]), jt: b[2], jf: b[3], k: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]) }
    }
}

// Instruction classes and fields.
const LD: u16 = 0x00;
const LDX: u16 = 0x01;
const ST: u16 = 0x02;
const STX: u16 = 0x03;
const ALU: u16 = 0x04;
const JMP: u16 = 0x05;
const RET: u16 = 0x06;
const MISC: u16 = 0x07;

const W: u16 = 0x00;
const H: u16 = 0x08;
const B: u16 = 0x10;

const IMM: u16 = 0x00;
const ABS: u16 = 0x20;
const IND: u16 = 0x40;
const MEM: u16 = 0x60;
const LEN: u16 = 0x80;
const MSH: u16 = 0xa0;

const ADD: u16 = 0x00;
const SUB: u16 = 0x10;
const MUL: u16 = 0x20;
const DIV: u16 = 0x30;
const OR: u16 = 0x40;
const AND: u16 = 0x50;
const LSH: u16 = 0x60;
const RSH: u16 = 0x70;
const NEG: u16 = 0x80;
const MOD: u16 = 0x90;
const XOR: u16 = 0xa0;

const JA: u16 = 0x00;
const JEQ: u16 = 0x10;
const JGT: u16 = 0x20;
const JGE: u16 = 0x30;
const JSET: u16 = 0x40;

const SRC_X: u16 = 0x08;
const RVAL_A: u16 = 0x10;
const TAX: u16 = 0x00;
const TXA: u16 = 0x80;

/// A checked program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program(Vec<Insn>);

/// Whether `code` is an instruction classic BPF knows (chk_code_allowed).
fn known(code: u16) -> bool {
    match code & 7 {
        LD => matches!(code & !7, 0x00 | 0x20 | 0x28 | 0x30 | 0x40 | 0x48 | 0x50 | 0x60 | 0x80),
        LDX => matches!(code & !7, IMM | MEM | LEN) || code & !7 == B | MSH,
        ST | STX => code & !7 == 0,
        ALU => {
            let op = code & 0xf0;
            code & !0xff == 0 && op <= XOR && (op != NEG || code & SRC_X == 0)
        }
        JMP => {
            let op = code & 0xf0;
            code & !0xff == 0 && op <= JSET && (op != JA || code & SRC_X == 0)
        }
        RET => matches!(code & !7, 0x00 | RVAL_A),
        MISC => matches!(code & !7, TAX | TXA),
        _ => false,
    }
}

impl Program {
    /// bpf_check_classic: EINVAL for an empty or too long program, an
    /// unknown instruction, a jump out of it, a scratch word past 15,
    /// a constant division by 0 or shift by 32 or more, or a last
    /// instruction that is not a RET.
    pub fn new(insns: Vec<Insn>) -> Result<Program, Errno> {
        let len = insns.len();
        if len == 0 || len > MAX_INSNS {
            return Err(Errno::EINVAL);
        }
        for (pc, i) in insns.iter().enumerate() {
            if !known(i.code) {
                return Err(Errno::EINVAL);
            }
            let class = i.code & 7;
            let op = i.code & 0xf0;
            let mem = (matches!(class, LD | LDX) && i.code & 0xe0 == MEM) || matches!(class, ST | STX);
            if mem && i.k >= MEM_WORDS {
                return Err(Errno::EINVAL);
            }
            if class == ALU && i.code & SRC_X == 0 {
                if matches!(op, DIV | MOD) && i.k == 0 {
                    return Err(Errno::EINVAL);
                }
                if matches!(op, LSH | RSH) && i.k >= 32 {
                    return Err(Errno::EINVAL);
                }
            }
            if class == JMP {
                let rest = (len - pc - 1) as u64;
                if op == JA {
                    if i.k as u64 >= rest {
                        return Err(Errno::EINVAL);
                    }
                } else if i.jt as u64 >= rest || i.jf as u64 >= rest {
                    return Err(Errno::EINVAL);
                }
            }
        }
        if insns[len - 1].code & 7 != RET {
            return Err(Errno::EINVAL);
        }
        Ok(Program(insns))
    }

    /// Runs the program over `pkt`: how many bytes to keep (0: drop).
    pub fn run(&self, pkt: &[u8]) -> u32 {
        let load = |at: u32, size: u16| -> Option<u32> {
            let n = match size {
                W => 4,
                H => 2,
                _ => 1,
            };
            let at = at as usize;
            let b = pkt.get(at..at.checked_add(n)?)?;
            Some(b.iter().fold(0u32, |v, &x| (v << 8) | x as u32))
        };
        let (mut a, mut x) = (0u32, 0u32);
        let mut mem = [0u32; MEM_WORDS as usize];
        let mut pc = 0usize;
        // Every jump goes forward (checked at attach), so this ends.
        while let Some(i) = self.0.get(pc) {
            pc += 1;
            let src = if i.code & SRC_X != 0 { x } else { i.k };
            match i.code & 7 {
                LD => {
                    a = match i.code & 0xe0 {
                        IMM => i.k,
                        LEN => pkt.len() as u32,
                        MEM => mem[(i.k % MEM_WORDS) as usize],
                        ABS if (i.k as i32) >= 0 => match load(i.k, i.code & 0x18) {
                            Some(v) => v,
                            None => return 0,
                        },
                        IND if (i.k as i32) >= 0 => match load(x.wrapping_add(i.k), i.code & 0x18) {
                            Some(v) => v,
                            None => return 0,
                        },
                        _ => return 0,
                    }
                }
                LDX => {
                    x = match i.code & 0xe0 {
                        IMM => i.k,
                        LEN => pkt.len() as u32,
                        MEM => mem[(i.k % MEM_WORDS) as usize],
                        _ => match load(i.k, B) {
                            Some(v) if (i.k as i32) >= 0 => (v & 0xf) << 2,
                            _ => return 0,
                        },
                    }
                }
                ST => mem[(i.k % MEM_WORDS) as usize] = a,
                STX => mem[(i.k % MEM_WORDS) as usize] = x,
                ALU => {
                    a = match i.code & 0xf0 {
                        ADD => a.wrapping_add(src),
                        SUB => a.wrapping_sub(src),
                        MUL => a.wrapping_mul(src),
                        DIV => match a.checked_div(src) {
                            Some(v) => v,
                            None => return 0,
                        },
                        MOD => match a.checked_rem(src) {
                            Some(v) => v,
                            None => return 0,
                        },
                        OR => a | src,
                        AND => a & src,
                        LSH => a.checked_shl(src).unwrap_or(0),
                        RSH => a.checked_shr(src).unwrap_or(0),
                        NEG => a.wrapping_neg(),
                        _ => a ^ src,
                    }
                }
                JMP => {
                    let taken = match i.code & 0xf0 {
                        JA => {
                            pc += i.k as usize;
                            continue;
                        }
                        JEQ => a == src,
                        JGT => a > src,
                        JGE => a >= src,
                        _ => a & src != 0,
                    };
                    pc += if taken { i.jt } else { i.jf } as usize;
                }
                RET => return if i.code & RVAL_A != 0 { a } else { i.k },
                _ => {
                    if i.code & 0xf8 == TXA {
                        a = x;
                    } else {
                        x = a;
                    }
                }
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ins(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
        Insn { code, jt, jf, k }
    }

    #[test]
    fn rejects_what_linux_rejects() {
        assert_eq!(Program::new(vec![]), Err(Errno::EINVAL));
        // Not ending with RET.
        assert_eq!(Program::new(vec![ins(LD | W | IMM, 0, 0, 1)]), Err(Errno::EINVAL));
        // A jump past the end.
        assert_eq!(Program::new(vec![ins(JMP | JEQ, 1, 0, 0), ins(RET, 0, 0, 0)]), Err(Errno::EINVAL));
        // Division by a constant 0, shift by 32, scratch word 16.
        assert_eq!(Program::new(vec![ins(ALU | DIV, 0, 0, 0), ins(RET, 0, 0, 0)]), Err(Errno::EINVAL));
        assert_eq!(Program::new(vec![ins(ALU | LSH, 0, 0, 32), ins(RET, 0, 0, 0)]), Err(Errno::EINVAL));
        assert_eq!(Program::new(vec![ins(ST, 0, 0, 16), ins(RET, 0, 0, 0)]), Err(Errno::EINVAL));
        // An unknown opcode.
        assert_eq!(Program::new(vec![ins(0xffff, 0, 0, 0), ins(RET, 0, 0, 0)]), Err(Errno::EINVAL));
        assert!(Program::new(vec![ins(RET, 0, 0, 0xffff_ffff)]).is_ok());
    }

    #[test]
    fn matches_a_prefix_like_udev_monitors() {
        // Accept packets whose first word is "libu" (big-endian load).
        let p = Program::new(vec![
            ins(LD | W | ABS, 0, 0, 0),
            ins(JMP | JEQ, 0, 1, u32::from_be_bytes(*b"libu")),
            ins(RET, 0, 0, 0xffff_ffff),
            ins(RET, 0, 0, 0),
        ])
        .unwrap();
        assert_eq!(p.run(b"libudev\0"), 0xffff_ffff);
        assert_eq!(p.run(b"add@/devices"), 0);
        assert_eq!(p.run(b"li"), 0, "a load past the end drops");
    }

    #[test]
    fn alu_memory_and_index() {
        let p = Program::new(vec![
            ins(LDX | B | MSH, 0, 0, 0),      // X = 4 * (P[0] & 15)
            ins(LD | B | IND, 0, 0, 0),       // A = P[X]
            ins(ST, 0, 0, 3),                 // M[3] = A
            ins(LD | W | LEN, 0, 0, 0),       // A = len
            ins(ALU | ADD | SRC_X, 0, 0, 0),  // A += X
            ins(MISC | TAX, 0, 0, 0),         // X = A
            ins(LD | MEM, 0, 0, 3),           // A = M[3]
            ins(ALU | MUL | SRC_X, 0, 0, 0),  // A *= X
            ins(RET | RVAL_A, 0, 0, 0),
        ])
        .unwrap();
        // P[0] = 1 -> X = 4; P[4] = 7; len 5 -> X = 9; A = 63.
        assert_eq!(p.run(&[1, 0, 0, 0, 7]), 63);
        let div = Program::new(vec![ins(ALU | DIV | SRC_X, 0, 0, 0), ins(RET, 0, 0, 5)]).unwrap();
        assert_eq!(div.run(b"x"), 0, "division by an X of 0 drops");
    }
}
