//! Decompressing the compressed members of an initramfs image, in pieces:
//! what Linux's `lib/decompress_inflate.c` and `lib/decompress_unzstd.c`
//! do for `init/initramfs.c`.
//!
//! - gzip (RFC 1952): the member header is read here (flags, extra field,
//!   name, comment, header CRC), the deflate data is inflated by
//!   `miniz_oxide`, and the trailer's CRC-32 and length are checked (Linux
//!   skips that check; a corrupt image is reported here instead of
//!   unpacked). One call decompresses one gzip member, as Linux's does.
//! - zstd (RFC 8878): frames are decoded by `ruzstd`, with their content
//!   checksum verified; one call decodes a run of consecutive frames
//!   (skippable frames are passed over), as `zstd -d` concatenates them.
//!
//! Output goes to a callback in pieces of at most [`CHUNK`] bytes, so the
//! decompressed image is never held whole in memory: the decoders keep
//! only their window (32 KiB for deflate, the frame's window for zstd).
//! Other methods Linux knows (bzip2, lzma, xz, lzo, lz4) are recognised by
//! their magic and reported as not supported, the way Linux reports a
//! method it was built without.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec;

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use ruzstd::io::Read;

/// Largest piece handed to the output callback.
pub const CHUNK: usize = 64 * 1024;

/// Largest zstd window accepted (the format allows up to 3.75 TiB; `zstd
/// --long=27` and `-19` stay below this).
const ZSTD_MAX_WINDOW: u64 = 128 << 20;

/// A compression method, as told by a member's first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Gzip,
    Zstd,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Gzip => "gzip",
            Method::Zstd => "zstd",
        }
    }
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fn is_zstd_or_skippable(data: &[u8]) -> bool {
    data.starts_with(&ZSTD_MAGIC)
        || (data.len() >= 4 && data[0] & 0xf0 == 0x50 && data[1..4] == [0x2a, 0x4d, 0x18])
}

/// The method of the member starting `data`, or, for a method Linux
/// knows but Aramid does not decompress, its name.
pub fn detect(data: &[u8]) -> Result<Method, Option<&'static str>> {
    // gzip, and the "old gzip" magic Linux also accepts.
    if data.starts_with(&[0x1f, 0x8b]) || data.starts_with(&[0x1f, 0x9e]) {
        return Ok(Method::Gzip);
    }
    if data.starts_with(&ZSTD_MAGIC) {
        return Ok(Method::Zstd);
    }
    let known: [(&[u8], &str); 5] = [
        (b"BZh", "bzip2"),
        (&[0x5d, 0, 0], "lzma"),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0], "xz"),
        (&[0x89, b'L', b'Z', b'O', 0], "lzo"),
        (&[0x02, 0x21, 0x4c, 0x18], "lz4"),
    ];
    Err(known.iter().find(|(magic, _)| data.starts_with(magic)).map(|(_, name)| *name))
}

/// Why a member could not be decompressed: the input's fault, or the
/// output callback's error.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure<E> {
    Input(String),
    Output(E),
}

fn bad<E>(why: &str) -> Failure<E> {
    Failure::Input(why.to_string())
}

/// What [`decompress`] took from its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Input bytes.
    pub used: usize,
    /// gzip members or zstd frames (skippable ones not counted).
    pub members: usize,
}

/// Decompresses the member (gzip) or run of frames (zstd) of `method` at
/// the start of `input`, handing the output to `out`.
pub fn decompress<E>(
    method: Method,
    input: &[u8],
    out: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<Decoded, Failure<E>> {
    match method {
        Method::Gzip => gunzip(input, out).map(|used| Decoded { used, members: 1 }),
        Method::Zstd => unzstd(input, out),
    }
}

/// Length of a gzip member header (RFC 1952 §2.3).
fn gzip_header<E>(input: &[u8]) -> Result<usize, Failure<E>> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let short = || bad("truncated gzip header");
    let fixed = input.get(..10).ok_or_else(short)?;
    if fixed[2] != 8 {
        return Err(bad("gzip member not compressed with deflate"));
    }
    let flags = fixed[3];
    if flags & 0xe0 != 0 {
        return Err(bad("reserved gzip header flags set"));
    }
    let mut pos = 10;
    if flags & FEXTRA != 0 {
        let len = input.get(pos..pos + 2).ok_or_else(short)?;
        pos += 2 + u16::from_le_bytes([len[0], len[1]]) as usize;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let rest = input.get(pos..).ok_or_else(short)?;
            pos += rest.iter().position(|&b| b == 0).ok_or_else(short)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        pos += 2;
    }
    if pos > input.len() {
        return Err(short());
    }
    Ok(pos)
}

fn gunzip<E>(
    input: &[u8],
    out: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<usize, Failure<E>> {
    let mut rest = &input[gzip_header(input)?..];
    let mut state: Box<InflateState> = InflateState::new_boxed(DataFormat::Raw);
    let mut buf = vec![0u8; CHUNK];
    let mut crc = crc32fast::Hasher::new();
    let mut size = 0u32;
    loop {
        let r = inflate(&mut state, rest, &mut buf, MZFlush::None);
        rest = &rest[r.bytes_consumed..];
        if r.bytes_written > 0 {
            let piece = &buf[..r.bytes_written];
            crc.update(piece);
            size = size.wrapping_add(piece.len() as u32);
            out(piece).map_err(Failure::Output)?;
        }
        match r.status {
            Ok(MZStatus::StreamEnd) => break,
            Ok(_) if r.bytes_consumed > 0 || r.bytes_written > 0 => {}
            Ok(_) | Err(MZError::Buf) => return Err(bad("truncated gzip data")),
            Err(_) => return Err(bad("corrupt deflate data")),
        }
    }
    let trailer = rest.get(..8).ok_or_else(|| bad("truncated gzip trailer"))?;
    if u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]) != crc.finalize() {
        return Err(bad("gzip CRC-32 mismatch"));
    }
    if u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]) != size {
        return Err(bad("gzip length mismatch"));
    }
    Ok(input.len() - rest.len() + 8)
}

fn zstd_error<E>(e: FrameDecoderError) -> Failure<E> {
    Failure::Input(alloc::format!("zstd: {e}"))
}

fn unzstd<E>(
    input: &[u8],
    out: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<Decoded, Failure<E>> {
    let mut rest = input;
    let mut members = 0;
    let mut dec = FrameDecoder::new();
    dec.set_max_window_size(ZSTD_MAX_WINDOW);
    let mut buf = vec![0u8; CHUNK];
    while is_zstd_or_skippable(rest) {
        match dec.init(&mut rest) {
            Ok(()) => {}
            Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                length,
                ..
            })) => {
                rest = rest.get(length as usize..).ok_or_else(|| bad("truncated skippable zstd frame"))?;
                continue;
            }
            Err(e) => return Err(zstd_error(e)),
        }
        members += 1;
        loop {
            dec.decode_blocks(&mut rest, BlockDecodingStrategy::UptoBytes(CHUNK))
                .map_err(zstd_error)?;
            loop {
                let n = dec
                    .read(&mut buf)
                    .map_err(|e| Failure::Input(alloc::format!("zstd: {e}")))?;
                if n == 0 {
                    break;
                }
                out(&buf[..n]).map_err(Failure::Output)?;
            }
            if dec.is_finished() && dec.can_collect() == 0 {
                break;
            }
        }
        if let (Some(stored), Some(computed)) =
            (dec.get_checksum_from_data(), dec.get_calculated_checksum())
        {
            if stored != computed {
                return Err(bad("zstd frame checksum mismatch"));
            }
        }
    }
    Ok(Decoded { used: input.len() - rest.len(), members })
}
