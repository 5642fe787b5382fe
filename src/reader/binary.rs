//! Reading one transparent EF in as few APDUs as possible (ICAO 9303 Part 10 §3.6, ISO/IEC
//! 7816-4 §11.2.3): a short first read for the TLV header, then the rest in the largest reads
//! the link, secure messaging and the chip allow, stepping down on 6700/6Cxx.

use crate::apdu::{Command, Response, StatusWord};
use crate::sm::SecureChannel;
use crate::tlv::{Tlv, TlvError, header_len_and_total};
use crate::transport::{Capabilities, Transport};

use super::{LdsFile, ReadError};

/// Bytes asked for by the first read: a one-byte tag and a length of up to five bytes
/// (`84 xx xx xx xx`) — every LDS outer header fits.
pub const HEADER_READ_LEN: usize = 6;

/// The largest file the reader accepts (1 MiB): a length field announcing more is the chip's
/// fault, and nothing is allocated for it.
pub const MAX_FILE_LEN: usize = 1 << 20;

/// The largest offset READ BINARY B0 can address (15 bits); beyond it the odd INS B1 is used.
const MAX_EVEN_OFFSET: usize = 0x7FFF;

/// Reads smaller than this are not attempted: a chip refusing them is refusing the file.
const MIN_READ_LEN: usize = 16;

/// Step-downs allowed per file before the chip's length answers count as a refusal.
const MAX_STEP_DOWNS: usize = 24;

/// How a file is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FileAccess {
    /// The first READ BINARY names the file by short EF identifier (P1 = `80 | SFI`): no SELECT.
    #[default]
    ShortFileId,
    /// SELECT by file identifier (`00 A4 02 0C 02 FID`), then READ BINARY.
    Select,
}

/// What one file read came to when the file could not be read but the session goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unreadable {
    /// 6982 (or 6985/6983): the file needs access this session does not have, e.g. DG3/DG4
    /// behind Extended Access Control.
    Protected(StatusWord),
    /// 6A82: the file is listed but not on the chip.
    NotFound,
    /// Another refusal, for a file whose absence is tolerated (EF.CardAccess).
    Refused(StatusWord),
    /// Malformed content, for a file whose absence is tolerated (EF.CardAccess).
    Malformed(String),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Protected(sw) => write!(f, "protected ({sw})"),
            Unreadable::NotFound => f.write_str("not found (6A82)"),
            Unreadable::Refused(sw) => write!(f, "refused ({sw:#})"),
            Unreadable::Malformed(what) => write!(f, "malformed: {what}"),
        }
    }
}

/// The outcome of reading one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// The whole file, outer tag included.
    Read(Vec<u8>),
    /// The chip would not give it; the session is still usable.
    Unreadable(Unreadable),
}

/// Progress of one file: `read` of `total` bytes (`total` is 0 until the header is in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The file.
    pub file: LdsFile,
    /// Bytes read so far.
    pub read: usize,
    /// The file's size from its TLV header.
    pub total: usize,
}

/// Read sizes: what the link and SM allow, and what the chip has accepted so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sizing {
    /// Plain response bytes to ask for per READ BINARY (the Le before protection).
    pub max_read: usize,
    /// The largest short-length read (Le ≤ 256 and the protected answer within 258 bytes).
    pub short_max: usize,
    /// Whether the current `max_read` was reached with extended length.
    pub extended: bool,
}

impl Sizing {
    /// The starting sizes for a link with `caps`, with or without `sm`.
    pub fn new(caps: Capabilities, sm: Option<&SecureChannel>, allow_extended: bool) -> Self {
        let plain_room = |response_len: usize| match sm {
            Some(sm) => sm.max_plain_response(response_len),
            None => response_len.saturating_sub(2).min(65536),
        };
        let short_max = plain_room(caps.max_response_len.min(258)).min(256);
        let extended = allow_extended && caps.extended_length;
        let max_read = if extended {
            plain_room(caps.max_response_len).max(short_max)
        } else {
            short_max
        };
        Sizing {
            max_read,
            short_max,
            extended: extended && max_read > short_max,
        }
    }

    /// After 6700: halve, but go no lower than one short read while above it. `false` when the
    /// reads are already as small as the reader goes.
    fn step_down(&mut self) -> bool {
        if self.max_read <= MIN_READ_LEN {
            return false;
        }
        self.max_read = if self.max_read > self.short_max {
            (self.max_read / 2).max(self.short_max)
        } else {
            (self.max_read / 2).max(MIN_READ_LEN)
        };
        self.extended = self.max_read > self.short_max;
        true
    }
}

/// The link as the reader uses it: exchanges through secure messaging once it is up.
pub(crate) struct Channel<'a, T> {
    pub link: &'a mut T,
    pub sm: Option<&'a mut SecureChannel>,
}

impl<T: Transport> Channel<'_, T> {
    /// One command, protected if SM is up; the answer unprotected (MAC checked first).
    pub fn exchange(
        &mut self,
        cmd: &Command,
        file: Option<LdsFile>,
    ) -> Result<Response, ReadError> {
        let transport = |source| ReadError::transport(file, source);
        let sm_error = |source| ReadError::SecureMessaging { file, source };
        match self.sm.as_deref_mut() {
            None => self.link.exchange(cmd).map_err(transport),
            Some(sm) => {
                let protected = sm.wrap(cmd).map_err(sm_error)?;
                let answer = self.link.exchange(&protected).map_err(transport)?;
                sm.unwrap(&answer).map_err(sm_error)
            }
        }
    }
}

/// What one READ BINARY of the body came to.
enum Attempt {
    /// The data read.
    Got(Vec<u8>),
    /// 6700 or 6Cxx: try again with the (already lowered) sizes.
    Retry,
    Refused(StatusWord),
}

/// Status words with which a chip refuses READ BINARY by short EF identifier itself (not the
/// file): incorrect or wrong P1-P2, function not supported, no current EF.
const SFI_REFUSALS: [StatusWord; 4] = [
    StatusWord::INCORRECT_P1P2,
    StatusWord::WRONG_P1P2,
    StatusWord(0x6A81),
    StatusWord::NO_CURRENT_EF,
];

/// A file read, or the chip's refusal of SFI addressing (to retry with SELECT).
pub(crate) enum Read {
    /// The file, or why it is unreadable.
    Done(FileOutcome),
    /// The first READ BINARY by SFI got one of [`SFI_REFUSALS`].
    SfiRefused(StatusWord),
}

/// Reads `file` whole: SELECT first for [`FileAccess::Select`], otherwise the first read names
/// the SFI.
pub(crate) fn read_file<T: Transport>(
    channel: &mut Channel<'_, T>,
    sizing: &mut Sizing,
    file: LdsFile,
    access: FileAccess,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Read, ReadError> {
    let by_sfi = access == FileAccess::ShortFileId;
    if !by_sfi {
        let answer = channel.exchange(&Command::select_ef(file.fid()), Some(file))?;
        match answer.sw {
            StatusWord::SUCCESS => {}
            sw => return refusal(file, "SELECT", sw).map(Read::Done),
        }
    }

    // The header read: a few bytes, Le lowered only if the chip insists (6Cxx, 6700).
    let mut header_le = HEADER_READ_LEN.min(sizing.max_read);
    let mut step_downs = 0usize;
    let first = loop {
        let cmd = if by_sfi {
            Command::read_binary_sfi(file.sfi(), 0, header_le)?
        } else {
            Command::read_binary(0, header_le)?
        };
        let answer = channel.exchange(&cmd, Some(file))?;
        match answer.sw {
            StatusWord::SUCCESS | StatusWord::END_OF_FILE => break answer.data,
            sw => {
                let exact = sw.exact_le().filter(|e| *e < header_le);
                match (exact, sw) {
                    (Some(exact), _) => header_le = exact,
                    (None, StatusWord::WRONG_LENGTH) if header_le > 1 => header_le /= 2,
                    (None, sw) if by_sfi && SFI_REFUSALS.contains(&sw) => {
                        return Ok(Read::SfiRefused(sw));
                    }
                    _ => return refusal(file, "READ BINARY", sw).map(Read::Done),
                }
                step_downs = step_downs.saturating_add(1);
                if step_downs > MAX_STEP_DOWNS {
                    return refusal(file, "READ BINARY", sw).map(Read::Done);
                }
            }
        }
    };
    if first.len() > header_le {
        return Err(ReadError::malformed(
            Some(file),
            format!("{} bytes in answer to Le={header_le}", first.len()),
        ));
    }
    let total = match header_len_and_total(&first) {
        Ok((_, total)) => total,
        Err(e) => {
            return Err(ReadError::malformed(
                Some(file),
                format!("TLV header of the first {} bytes: {e}", first.len()),
            ));
        }
    };
    if total > MAX_FILE_LEN {
        return Err(ReadError::malformed(
            Some(file),
            format!("length field announces {total} bytes, above the {MAX_FILE_LEN}-byte limit"),
        ));
    }
    let mut content = first;
    // A file may be longer than its data object (padding after it): the object is the file.
    content.truncate(total);
    content.reserve_exact(total.saturating_sub(content.len()));
    progress(&Progress {
        file,
        read: content.len(),
        total,
    });

    while content.len() < total {
        let offset = content.len();
        let remaining = total.saturating_sub(offset);
        match read_piece(channel, sizing, file, offset, remaining)? {
            Attempt::Got(piece) => {
                if piece.is_empty() {
                    return Err(ReadError::malformed(
                        Some(file),
                        format!("no data at offset {offset} of {total}"),
                    ));
                }
                let take = piece.len().min(remaining);
                content.extend_from_slice(piece.get(..take).unwrap_or(&piece));
                progress(&Progress {
                    file,
                    read: content.len(),
                    total,
                });
            }
            Attempt::Retry => {
                step_downs = step_downs.saturating_add(1);
                if step_downs > MAX_STEP_DOWNS {
                    return refusal(file, "READ BINARY", StatusWord::WRONG_LENGTH).map(Read::Done);
                }
            }
            Attempt::Refused(sw) => {
                return Err(ReadError::Refused {
                    command: "READ BINARY",
                    file: Some(file),
                    sw,
                });
            }
        }
    }
    Ok(Read::Done(FileOutcome::Read(content)))
}

/// One READ BINARY of up to `remaining` bytes at `offset`: B0 with the offset in P1-P2 up to
/// 7FFF, B1 with DO'54' beyond (its answer is DO'53').
fn read_piece<T: Transport>(
    channel: &mut Channel<'_, T>,
    sizing: &mut Sizing,
    file: LdsFile,
    offset: usize,
    remaining: usize,
) -> Result<Attempt, ReadError> {
    let odd = offset > MAX_EVEN_OFFSET;
    let (cmd, le, data_len) = if odd {
        let offset32 = u32::try_from(offset).map_err(|_| {
            ReadError::malformed(Some(file), format!("offset {offset} beyond 32 bits"))
        })?;
        // Le counts the DO'53' wrapper: the largest n whose `53 L n-bytes` fits.
        let mut n = remaining.min(sizing.max_read);
        while n > 0 && do53_len(n) > sizing.max_read {
            n = n.saturating_sub(1);
        }
        if n == 0 {
            return Ok(Attempt::Refused(StatusWord::WRONG_LENGTH));
        }
        let le = do53_len(n);
        (Command::read_binary_odd(offset32, le), le, n)
    } else {
        let le = remaining.min(sizing.max_read);
        (Command::read_binary(offset, le)?, le, le)
    };
    let answer = channel.exchange(&cmd, Some(file))?;
    match answer.sw {
        StatusWord::SUCCESS | StatusWord::END_OF_FILE => {}
        sw => {
            if let Some(exact) = sw.exact_le() {
                // 6Cxx: the chip names the Le it accepts; smaller is a buffer limit.
                if exact < le && exact >= MIN_READ_LEN.min(le) && exact > 0 {
                    sizing.max_read = exact;
                    sizing.extended = exact > sizing.short_max;
                    return Ok(Attempt::Retry);
                }
                return Ok(Attempt::Refused(sw));
            }
            if sw == StatusWord::WRONG_LENGTH && sizing.step_down() {
                return Ok(Attempt::Retry);
            }
            return Ok(Attempt::Refused(sw));
        }
    }
    if answer.data.len() > le {
        return Err(ReadError::malformed(
            Some(file),
            format!(
                "{} bytes in answer to Le={le} at offset {offset}",
                answer.data.len()
            ),
        ));
    }
    let data = if odd {
        unwrap_do53(&answer.data).map_err(|what| {
            ReadError::malformed(
                Some(file),
                format!("READ BINARY (B1) at offset {offset}: {what}"),
            )
        })?
    } else {
        answer.data
    };
    if data.len() > data_len {
        return Err(ReadError::malformed(
            Some(file),
            format!("{} bytes where {data_len} were asked", data.len()),
        ));
    }
    Ok(Attempt::Got(data))
}

/// Size of DO'53' around `n` bytes: tag, minimal BER length, value.
fn do53_len(n: usize) -> usize {
    let header = match n {
        0..=0x7F => 2,
        0x80..=0xFF => 3,
        0x100..=0xFFFF => 4,
        _ => 5,
    };
    n.saturating_add(header)
}

/// The value of the DO'53' that an odd-INS READ BINARY answers with.
fn unwrap_do53(data: &[u8]) -> Result<Vec<u8>, String> {
    let tlv = Tlv::parse_exact(data).map_err(|e: TlvError| e.to_string())?;
    if tlv.tag.number() != 0x53 {
        return Err(format!(
            "DO'{:X}' where DO'53' was expected",
            tlv.tag.number()
        ));
    }
    Ok(tlv.value.to_vec())
}

/// 6982/6983/6985 and 6A82 leave the session usable; other refusals end the read.
fn refusal(file: LdsFile, command: &'static str, sw: StatusWord) -> Result<FileOutcome, ReadError> {
    match sw {
        StatusWord::SECURITY_STATUS_NOT_SATISFIED
        | StatusWord::CONDITIONS_NOT_SATISFIED
        | StatusWord(0x6983) => Ok(FileOutcome::Unreadable(Unreadable::Protected(sw))),
        StatusWord::FILE_NOT_FOUND => Ok(FileOutcome::Unreadable(Unreadable::NotFound)),
        sw => Err(ReadError::Refused {
            command,
            file: Some(file),
            sw,
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
