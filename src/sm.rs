//! Secure messaging (ICAO 9303 Part 11 §9.8, ISO/IEC 7816-4 §10): protecting command and response
//! APDUs with DO'85'/'87' (cryptogram), DO'97' (Le), DO'99' (status) and DO'8E' (MAC), and the SSC.
//!
//! One [`SecureChannel`] serves either end of the link: the terminal calls [`SecureChannel::wrap`]
//! and [`SecureChannel::unwrap`], the software chip [`SecureChannel::unwrap_command`] and
//! [`SecureChannel::wrap_response`]. Both ends increment the send sequence counter once per
//! command and once per response, before using it.

use std::fmt;

use thiserror::Error;
use zeroize::Zeroize;

use crate::apdu::{Command, Response, StatusWord};
use crate::crypto::cipher::{self, CipherError};
use crate::crypto::keys::{CipherSuite, SessionKeys};
use crate::crypto::mac::{self, MAC_LEN};

/// DO'85': cryptogram of BER-TLV data (odd INS), no padding-content indicator.
const TAG_CRYPTOGRAM_ODD: u8 = 0x85;
/// DO'87': padding-content indicator ‖ cryptogram (even INS).
const TAG_CRYPTOGRAM: u8 = 0x87;
/// DO'8E': cryptographic checksum.
const TAG_MAC: u8 = 0x8E;
/// DO'97': expected length Le.
const TAG_LE: u8 = 0x97;
/// DO'99': processing status SW1 SW2.
const TAG_STATUS: u8 = 0x99;
/// Padding-content indicator of DO'87': ISO/IEC 9797-1 method 2 padding.
const PADDING_INDICATOR: u8 = 0x01;

/// Errors of secure messaging, split by whose fault: the peer sent malformed or unauthentic
/// data, or the caller asked for something that cannot be protected.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmError {
    /// DO'8E' did not match: the message was altered, or the keys or SSC are out of step.
    #[error("secure messaging MAC check failed")]
    MacMismatch,
    /// A success status, or data, arrived without DO'8E': never accepted as authentic.
    #[error("secure messaging response with status {sw} carries no MAC (DO'8E')")]
    MissingMac {
        /// The outer status word.
        sw: StatusWord,
    },
    /// The chip side received a protected command without DO'8E'.
    #[error("protected command carries no MAC (DO'8E')")]
    CommandWithoutMac,
    /// The chip side received a command whose CLA does not announce secure messaging.
    #[error("command CLA {cla:02X} is not secure messaging")]
    NotProtected {
        /// The CLA byte received.
        cla: u8,
    },
    /// A data object that has no place in a secure messaging APDU.
    #[error("unexpected data object tag {tag:02X} at offset {offset}")]
    UnexpectedTag {
        /// The tag byte.
        tag: u8,
        /// Its offset in the data field.
        offset: usize,
    },
    /// A data object appeared twice.
    #[error("duplicate data object {tag:02X} at offset {offset}")]
    DuplicateTag {
        /// The tag byte.
        tag: u8,
        /// Offset of the second occurrence.
        offset: usize,
    },
    /// The TLV structure is broken (truncated, bad length, data after DO'8E', wrong DO size).
    #[error("malformed secure messaging data at offset {offset}: {what}")]
    Malformed {
        /// What is wrong.
        what: &'static str,
        /// Offset in the data field.
        offset: usize,
    },
    /// DO'87' starts with a padding-content indicator other than 01.
    #[error("unsupported padding-content indicator {0:02X} in DO'87'")]
    PaddingIndicator(u8),
    /// The plain command cannot be protected: its data is too long for extended length.
    #[error("protected command data of {0} bytes exceeds 65535")]
    CommandTooLong(usize),
    /// The plain command's Le is outside 1..=65536.
    #[error("expected length Le={0} is out of range 1..=65536")]
    InvalidLe(usize),
    /// The SSC given does not have the suite's block length.
    #[error("SSC of {found} bytes, the {suite} SSC has {expected}")]
    SscLength {
        /// The suite.
        suite: CipherSuite,
        /// Its block length.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A failure of the cipher layer, including bad padding after decryption.
    #[error("secure messaging cipher: {0}")]
    Cipher(#[from] CipherError),
}

impl SmError {
    /// The status word a chip answers (unprotected) when unwrapping a command fails, ending the
    /// session (ISO/IEC 7816-4 §10): 6987 when SM objects are missing, 6988 when they are wrong.
    pub fn chip_status_word(&self) -> StatusWord {
        match self {
            SmError::NotProtected { .. } | SmError::CommandWithoutMac => StatusWord(0x6987),
            _ => StatusWord(0x6988),
        }
    }
}

/// An established secure messaging session: session keys, the send sequence counter and the suite.
///
/// 3DES sessions use an 8-byte SSC, the retail MAC and a zero IV; AES sessions a 16-byte SSC,
/// CMAC and the IV `E(KS_enc, SSC)` (Part 11 §9.8.6).
pub struct SecureChannel {
    keys: SessionKeys,
    ssc: [u8; 16],
    /// Whether the last command unwrapped on the chip side had an odd INS (DO'85' in the answer).
    last_ins_odd: bool,
}

impl fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureChannel")
            .field("suite", &self.suite())
            .field("keys", &format_args!("<redacted>"))
            .finish()
    }
}

impl Drop for SecureChannel {
    fn drop(&mut self) {
        self.ssc.zeroize();
    }
}

impl SecureChannel {
    /// A session with the given keys and initial SSC (BAC: from the nonces; `suite.block_len()` bytes).
    pub fn new(keys: SessionKeys, ssc: &[u8]) -> Result<Self, SmError> {
        let suite = keys.suite();
        let expected = suite.block_len();
        if ssc.len() != expected {
            return Err(SmError::SscLength {
                suite,
                expected,
                found: ssc.len(),
            });
        }
        let mut counter = [0u8; 16];
        counter[..expected].copy_from_slice(ssc);
        Ok(SecureChannel {
            keys,
            ssc: counter,
            last_ins_odd: false,
        })
    }

    /// A session starting with an all-zero SSC (PACE and chip authentication, §9.8.2).
    pub fn with_zero_ssc(keys: SessionKeys) -> Self {
        SecureChannel {
            keys,
            ssc: [0u8; 16],
            last_ins_odd: false,
        }
    }

    /// The cipher suite.
    pub fn suite(&self) -> CipherSuite {
        self.keys.suite()
    }

    /// The current send sequence counter (8 bytes for 3DES, 16 for AES).
    pub fn ssc(&self) -> &[u8] {
        &self.ssc[..self.suite().block_len()]
    }

    /// The largest plain response data that fits, once protected, in a response APDU of
    /// `max_response_len` bytes (data + SW): DO'87' with padding, DO'99' and DO'8E' are taken off.
    ///
    /// A reader sizes READ BINARY by this (with short APDUs: 231 for 3DES, 223 for AES).
    pub fn max_plain_response(&self, max_response_len: usize) -> usize {
        // DO'99' (4) + DO'8E' (2 + 8) + SW (2).
        let fixed = 4 + 2 + MAC_LEN + 2;
        // A response APDU carries at most 65536 data bytes whatever the link could take.
        let Some(room) = max_response_len.min(65536 + 2).checked_sub(fixed) else {
            return 0;
        };
        max_plain_in_cryptogram(self.suite().block_len(), room)
    }

    /// The largest plain command data that fits, once protected, in a command APDU of
    /// `max_command_len` bytes (header, Lc, DO'87', DO'97' with a two-byte Le, DO'8E', Le).
    pub fn max_plain_command_data(&self, max_command_len: usize) -> usize {
        // Header (4) + extended Lc (3) + DO'97' (4) + DO'8E' (10) + extended Le (2).
        let fixed = 4 + 3 + 4 + 2 + MAC_LEN + 2;
        let Some(room) = max_command_len.checked_sub(fixed) else {
            return 0;
        };
        max_plain_in_cryptogram(self.suite().block_len(), room).min(65535)
    }

    // ---- terminal side ------------------------------------------------------------------

    /// Protects a command (terminal side, §9.8.4): SSC+1, CLA with the SM bits, the data
    /// encrypted into DO'87' (DO'85' for an odd INS), Le into DO'97', the MAC into DO'8E'.
    ///
    /// Extended length is used when the plain command needs it or the protected data does not
    /// fit short length; the protected command always asks for the whole response (Le = 00/0000).
    pub fn wrap(&mut self, cmd: &Command) -> Result<Command, SmError> {
        if let Some(le) = cmd.le
            && !(1..=65536).contains(&le)
        {
            return Err(SmError::InvalidLe(le));
        }
        self.increment_ssc();
        let cla = protect_cla(cmd.cla);
        let block_len = self.suite().block_len();
        let odd = cmd.ins & 1 == 1;

        let mut body = Vec::new();
        if !cmd.data.is_empty() {
            let cryptogram = self.encrypt(&cmd.data)?;
            if odd {
                push_tlv(&mut body, TAG_CRYPTOGRAM_ODD, &[&cryptogram])?;
            } else {
                push_tlv(
                    &mut body,
                    TAG_CRYPTOGRAM,
                    &[&[PADDING_INDICATOR], &cryptogram],
                )?;
            }
        }
        if let Some(le) = cmd.le {
            if le <= 256 {
                push_tlv(&mut body, TAG_LE, &[&[(le % 256) as u8]])?;
            } else {
                push_tlv(&mut body, TAG_LE, &[&((le % 65536) as u16).to_be_bytes()])?;
            }
        }
        let header = cipher::pad(&[cla, cmd.ins, cmd.p1, cmd.p2], block_len);
        let cc = self.mac_over(&[&header, &body])?;
        push_tlv(&mut body, TAG_MAC, &[&cc])?;
        if body.len() > 65535 {
            return Err(SmError::CommandTooLong(body.len()));
        }
        let extended = cmd.needs_extended() || body.len() > 255;
        Ok(Command {
            cla,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data: body,
            le: Some(if extended { 65536 } else { 256 }),
        })
    }

    /// Checks and decrypts a protected response (terminal side, §9.8.5): SSC+1, DO'8E' verified
    /// in constant time before anything is decrypted, the status taken from DO'99' (or from the
    /// outer SW when the chip omits DO'99').
    ///
    /// A response with no data and an error status (anything but 9000) is the chip refusing
    /// without protection; it is returned as that status with no data. A 9000 or any data
    /// without DO'8E' is [`SmError::MissingMac`].
    pub fn unwrap(&mut self, resp: &Response) -> Result<Response, SmError> {
        self.increment_ssc();
        if resp.data.is_empty() {
            if resp.sw.is_success() {
                return Err(SmError::MissingMac { sw: resp.sw });
            }
            return Ok(Response {
                data: Vec::new(),
                sw: resp.sw,
            });
        }
        let dos = parse_objects(
            &resp.data,
            &[TAG_CRYPTOGRAM, TAG_CRYPTOGRAM_ODD, TAG_STATUS],
        )?;
        let Some(mac_value) = dos.mac else {
            return Err(SmError::MissingMac { sw: resp.sw });
        };
        self.verify_over(&[dos.authenticated], mac_value)?;

        let sw = match dos.get(TAG_STATUS) {
            Some(status) => match status.value {
                [sw1, sw2] => StatusWord(u16::from_be_bytes([*sw1, *sw2])),
                _ => {
                    return Err(SmError::Malformed {
                        what: "DO'99' must hold exactly two status bytes",
                        offset: status.offset,
                    });
                }
            },
            None => resp.sw,
        };
        let data = self.decrypt_object(&dos)?;
        Ok(Response { data, sw })
    }

    // ---- chip side ----------------------------------------------------------------------

    /// Checks and decrypts a protected command (chip side): SSC+1, DO'8E' verified over the
    /// header and the DOs before it, then the data decrypted and Le taken from DO'97'.
    pub fn unwrap_command(&mut self, cmd: &Command) -> Result<Command, SmError> {
        self.increment_ssc();
        if !is_protected_cla(cmd.cla) {
            return Err(SmError::NotProtected { cla: cmd.cla });
        }
        self.last_ins_odd = cmd.ins & 1 == 1;
        let dos = parse_objects(&cmd.data, &[TAG_CRYPTOGRAM, TAG_CRYPTOGRAM_ODD, TAG_LE])?;
        let Some(mac_value) = dos.mac else {
            return Err(SmError::CommandWithoutMac);
        };
        let header = cipher::pad(
            &[cmd.cla, cmd.ins, cmd.p1, cmd.p2],
            self.suite().block_len(),
        );
        self.verify_over(&[&header, dos.authenticated], mac_value)?;

        let le = match dos.get(TAG_LE) {
            None => None,
            Some(obj) => Some(match obj.value {
                [0] => 256,
                [n] => usize::from(*n),
                [0, 0] => 65536,
                [hi, lo] => usize::from(u16::from_be_bytes([*hi, *lo])),
                _ => {
                    return Err(SmError::Malformed {
                        what: "DO'97' must hold one or two bytes",
                        offset: obj.offset,
                    });
                }
            }),
        };
        let data = self.decrypt_object(&dos)?;
        Ok(Command {
            cla: unprotect_cla(cmd.cla),
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data,
            le,
        })
    }

    /// Protects a response (chip side): SSC+1, the data encrypted into DO'87' (DO'85' when the
    /// command had an odd INS), the status into DO'99', the MAC into DO'8E'.
    pub fn wrap_response(&mut self, resp: &Response) -> Result<Response, SmError> {
        self.increment_ssc();
        let mut body = Vec::new();
        if !resp.data.is_empty() {
            let cryptogram = self.encrypt(&resp.data)?;
            if self.last_ins_odd {
                push_tlv(&mut body, TAG_CRYPTOGRAM_ODD, &[&cryptogram])?;
            } else {
                push_tlv(
                    &mut body,
                    TAG_CRYPTOGRAM,
                    &[&[PADDING_INDICATOR], &cryptogram],
                )?;
            }
        }
        push_tlv(&mut body, TAG_STATUS, &[&resp.sw.0.to_be_bytes()])?;
        let cc = self.mac_over(&[&body])?;
        push_tlv(&mut body, TAG_MAC, &[&cc])?;
        Ok(Response {
            data: body,
            sw: resp.sw,
        })
    }

    // ---- shared -------------------------------------------------------------------------

    fn increment_ssc(&mut self) {
        let len = self.suite().block_len();
        for byte in self.ssc[..len].iter_mut().rev() {
            let (next, carry) = byte.overflowing_add(1);
            *byte = next;
            if !carry {
                break;
            }
        }
    }

    /// 3DES: zero IV; AES: `E(KS_enc, SSC)` (Part 11 §9.8.6.2).
    fn iv(&self) -> Result<Vec<u8>, SmError> {
        let suite = self.suite();
        if suite.is_aes() {
            Ok(cipher::encrypt_block(
                suite,
                self.keys.ks_enc(),
                self.ssc(),
            )?)
        } else {
            Ok(cipher::zero_iv(suite))
        }
    }

    fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, SmError> {
        let suite = self.suite();
        let mut padded = cipher::pad(plain, suite.block_len());
        let result = cipher::cbc_encrypt(suite, self.keys.ks_enc(), &self.iv()?, &padded);
        padded.zeroize();
        Ok(result?)
    }

    fn decrypt(&self, cryptogram: &[u8]) -> Result<Vec<u8>, SmError> {
        let suite = self.suite();
        let mut padded = cipher::cbc_decrypt(suite, self.keys.ks_enc(), &self.iv()?, cryptogram)?;
        let plain = cipher::unpad(&padded, suite.block_len()).map(<[u8]>::to_vec);
        padded.zeroize();
        Ok(plain?)
    }

    fn decrypt_object(&self, dos: &Objects<'_>) -> Result<Vec<u8>, SmError> {
        if let Some(obj) = dos.get(TAG_CRYPTOGRAM) {
            match obj.value.split_first() {
                Some((&PADDING_INDICATOR, cryptogram)) => self.decrypt(cryptogram),
                Some((&other, _)) => Err(SmError::PaddingIndicator(other)),
                None => Err(SmError::Malformed {
                    what: "empty DO'87'",
                    offset: obj.offset,
                }),
            }
        } else if let Some(obj) = dos.get(TAG_CRYPTOGRAM_ODD) {
            self.decrypt(obj.value)
        } else {
            Ok(Vec::new())
        }
    }

    /// MAC over `SSC ‖ parts…`, padded (method 2) to the block length.
    fn mac_over(&self, parts: &[&[u8]]) -> Result<[u8; MAC_LEN], SmError> {
        let input = self.mac_input(parts);
        Ok(mac::mac(self.suite(), self.keys.ks_mac(), &input)?)
    }

    fn verify_over(&self, parts: &[&[u8]], expected: &[u8]) -> Result<(), SmError> {
        let input = self.mac_input(parts);
        match mac::verify_mac(self.suite(), self.keys.ks_mac(), &input, expected) {
            Ok(()) => Ok(()),
            Err(CipherError::MacMismatch) => Err(SmError::MacMismatch),
            Err(other) => Err(SmError::Cipher(other)),
        }
    }

    fn mac_input(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut m = self.ssc().to_vec();
        for part in parts {
            m.extend_from_slice(part);
        }
        cipher::pad(&m, self.suite().block_len())
    }
}

/// Sets the secure messaging indication in CLA (ISO/IEC 7816-4 §5.4.1): bits b4 b3 = 11 for the
/// first interindustry values (and, as eMRTD readers do, proprietary ones), b6 for further
/// interindustry values 40–7F. Logical channel and chaining bits are kept.
fn protect_cla(cla: u8) -> u8 {
    if cla & 0xC0 == 0x40 {
        cla | 0x20
    } else {
        cla | 0x0C
    }
}

fn unprotect_cla(cla: u8) -> u8 {
    if cla & 0xC0 == 0x40 {
        cla & !0x20
    } else {
        cla & !0x0C
    }
}

fn is_protected_cla(cla: u8) -> bool {
    if cla & 0xC0 == 0x40 {
        cla & 0x20 != 0
    } else {
        cla & 0x0C == 0x0C
    }
}

/// Appends `tag ‖ BER length ‖ parts…`.
fn push_tlv(out: &mut Vec<u8>, tag: u8, parts: &[&[u8]]) -> Result<(), SmError> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.push(tag);
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => return Err(SmError::CommandTooLong(len)),
    }
    for part in parts {
        out.extend_from_slice(part);
    }
    Ok(())
}

/// Bytes that DO'87' (tag, BER length, indicator, padded cryptogram) takes for `plain_len` bytes
/// of data; 0 for no data, since then the object is left out.
fn cryptogram_object_len(block_len: usize, plain_len: usize) -> usize {
    if plain_len == 0 {
        return 0;
    }
    let value_len = (plain_len / block_len)
        .saturating_add(1)
        .saturating_mul(block_len)
        .saturating_add(1);
    let len_len = match value_len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        _ => 3,
    };
    value_len.saturating_add(1 + len_len)
}

/// The largest plain length whose DO'87' fits in `room` bytes (the size grows with the length,
/// so a binary search finds it).
fn max_plain_in_cryptogram(block_len: usize, room: usize) -> usize {
    let (mut fits, mut too_big) = (0usize, room.saturating_add(1));
    while too_big - fits > 1 {
        let mid = fits + (too_big - fits) / 2;
        if cryptogram_object_len(block_len, mid) <= room {
            fits = mid;
        } else {
            too_big = mid;
        }
    }
    fits
}

/// One data object found in a secure messaging data field.
#[derive(Clone, Copy)]
struct Object<'a> {
    tag: u8,
    value: &'a [u8],
    offset: usize,
}

/// The data objects of a protected APDU: those before DO'8E' (the MAC input) and DO'8E'.
struct Objects<'a> {
    list: Vec<Object<'a>>,
    /// Bytes covered by the MAC: every object before DO'8E', as received.
    authenticated: &'a [u8],
    mac: Option<&'a [u8]>,
}

impl<'a> Objects<'a> {
    fn get(&self, tag: u8) -> Option<Object<'a>> {
        self.list.iter().copied().find(|o| o.tag == tag)
    }
}

/// Parses the SM data objects; only `allowed` tags and DO'8E' (which must come last) may occur,
/// each at most once.
fn parse_objects<'a>(data: &'a [u8], allowed: &[u8]) -> Result<Objects<'a>, SmError> {
    let mut list = Vec::new();
    let mut pos = 0usize;
    let mut mac = None;
    let mut authenticated: &[u8] = data;
    while let Some(&tag) = data.get(pos) {
        if mac.is_some() {
            return Err(SmError::Malformed {
                what: "data after DO'8E'",
                offset: pos,
            });
        }
        let start = pos;
        if tag != TAG_MAC && !allowed.contains(&tag) {
            return Err(SmError::UnexpectedTag { tag, offset: pos });
        }
        if list.iter().any(|o: &Object<'_>| o.tag == tag) {
            return Err(SmError::DuplicateTag { tag, offset: pos });
        }
        let (len, header_len) = read_length(data, pos + 1)?;
        let value_start = pos + 1 + header_len;
        let value = value_start
            .checked_add(len)
            .and_then(|end| data.get(value_start..end))
            .ok_or(SmError::Malformed {
                what: "data object runs past the end",
                offset: start,
            })?;
        pos = value_start + len;
        if tag == TAG_MAC {
            if value.len() != MAC_LEN {
                return Err(SmError::Malformed {
                    what: "DO'8E' must hold an 8-byte MAC",
                    offset: start,
                });
            }
            mac = Some(value);
            authenticated = data.get(..start).unwrap_or_default();
        } else {
            list.push(Object {
                tag,
                value,
                offset: start,
            });
        }
    }
    Ok(Objects {
        list,
        authenticated,
        mac,
    })
}

/// Reads a BER length at `pos`: returns (length, bytes used). Forms 00–7F, 81 xx, 82 xx xx.
fn read_length(data: &[u8], pos: usize) -> Result<(usize, usize), SmError> {
    let malformed = |what| SmError::Malformed { what, offset: pos };
    match data.get(pos).copied() {
        None => Err(malformed("missing length")),
        Some(n @ 0..=0x7F) => Ok((usize::from(n), 1)),
        Some(0x81) => data
            .get(pos + 1)
            .map(|&n| (usize::from(n), 2))
            .ok_or(malformed("truncated length")),
        Some(0x82) => match data.get(pos + 1..pos + 3) {
            Some([hi, lo]) => Ok((usize::from(u16::from_be_bytes([*hi, *lo])), 3)),
            _ => Err(malformed("truncated length")),
        },
        Some(_) => Err(malformed("unsupported length form")),
    }
}

#[cfg(test)]
mod tests;
