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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).expect("test vector hex")
    }

    /// ICAO 9303 Part 11, Appendix D.3: session keys and SSC after BAC.
    fn appendix_d_channel() -> SecureChannel {
        let keys = SessionKeys::new(
            CipherSuite::TripleDes,
            &hex("979EC13B1CBFE9DCD01AB0FED307EAE5"),
            &hex("F1CB1F1FB5ADF208806B89DC579DC1F8"),
        )
        .expect("16-byte keys");
        SecureChannel::new(keys, &hex("887022120C06C226")).expect("8-byte SSC")
    }

    fn parse_command(bytes: &[u8]) -> Command {
        // Test helper for short APDUs only: CLA INS P1 P2 [Lc data] [Le].
        let mut cmd = Command::new(bytes[0], bytes[1], bytes[2], bytes[3]);
        let rest = &bytes[4..];
        match rest.len() {
            0 => {}
            1 => cmd.le = Some(if rest[0] == 0 { 256 } else { rest[0] as usize }),
            _ => {
                let lc = rest[0] as usize;
                cmd.data = rest[1..1 + lc].to_vec();
                if let Some(&le) = rest.get(1 + lc) {
                    cmd.le = Some(if le == 0 { 256 } else { le as usize });
                }
            }
        }
        cmd
    }

    #[test]
    fn appendix_d4_exchange_terminal_side() {
        // ICAO 9303 Part 11, Appendix D.4: SELECT EF.COM, READ BINARY 4 bytes, READ BINARY 18 bytes.
        let mut sm = appendix_d_channel();

        let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(hex("011E"));
        let protected = sm.wrap(&select).expect("wrap");
        assert_eq!(sm.ssc(), hex("887022120C06C227"));
        assert_eq!(
            protected.to_bytes().expect("encode"),
            hex("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
        );
        let rapdu = Response::parse(&hex("990290008E08FA855A5D4C50A8ED9000")).expect("rapdu");
        let plain = sm.unwrap(&rapdu).expect("unwrap");
        assert_eq!(sm.ssc(), hex("887022120C06C228"));
        assert!(plain.data.is_empty());
        assert_eq!(plain.sw, StatusWord::SUCCESS);

        let read4 = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
        let protected = sm.wrap(&read4).expect("wrap");
        assert_eq!(sm.ssc(), hex("887022120C06C229"));
        assert_eq!(
            protected.to_bytes().expect("encode"),
            hex("0CB000000D9701048E08ED6705417E96BA5500")
        );
        let rapdu = Response::parse(&hex(
            "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
        ))
        .expect("rapdu");
        let plain = sm.unwrap(&rapdu).expect("unwrap");
        assert_eq!(sm.ssc(), hex("887022120C06C22A"));
        assert_eq!(plain.data, hex("60145F01"));
        assert_eq!(plain.sw, StatusWord::SUCCESS);

        let read_rest = Command::new(0x00, 0xB0, 0x00, 0x04).with_le(0x12);
        let protected = sm.wrap(&read_rest).expect("wrap");
        assert_eq!(sm.ssc(), hex("887022120C06C22B"));
        assert_eq!(
            protected.to_bytes().expect("encode"),
            hex("0CB000040D9701128E082EA28A70F3C7B53500")
        );
        let rapdu = Response::parse(&hex(
            "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
        ))
        .expect("rapdu");
        let plain = sm.unwrap(&rapdu).expect("unwrap");
        assert_eq!(sm.ssc(), hex("887022120C06C22C"));
        assert_eq!(plain.data, hex("04303130365F36063034303030305C026175"));
    }

    #[test]
    fn appendix_d4_exchange_chip_side() {
        // The same ICAO 9303 Part 11 Appendix D.4 exchange, seen from the chip: each published
        // protected command unwraps to the plain one, and each plain answer wraps to the
        // published protected response.
        let mut chip = appendix_d_channel();
        let steps = [
            (
                "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
                "00A4020C02011E",
                "",
                "990290008E08FA855A5D4C50A8ED",
            ),
            (
                "0CB000000D9701048E08ED6705417E96BA5500",
                "00B0000004",
                "60145F01",
                "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED",
            ),
            (
                "0CB000040D9701128E082EA28A70F3C7B53500",
                "00B0000412",
                "04303130365F36063034303030305C026175",
                "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D74",
            ),
        ];
        for (protected, plain, answer, protected_answer) in steps {
            let cmd = chip
                .unwrap_command(&parse_command(&hex(protected)))
                .expect("unwrap_command");
            assert_eq!(cmd, parse_command(&hex(plain)));
            let resp = chip
                .wrap_response(&Response {
                    data: hex(answer),
                    sw: StatusWord::SUCCESS,
                })
                .expect("wrap_response");
            assert_eq!(resp.data, hex(protected_answer));
        }
        assert_eq!(chip.ssc(), hex("887022120C06C22C"));
    }

    fn aes_channel(ks_enc: &str, ks_mac: &str, ssc: &str) -> SecureChannel {
        let keys = SessionKeys::new(CipherSuite::Aes128, &hex(ks_enc), &hex(ks_mac)).expect("keys");
        SecureChannel::new(keys, &hex(ssc)).expect("16-byte SSC")
    }

    #[test]
    fn aes_exchanges_captured_from_a_chip() {
        // AES-128 secure messaging after PACE, captured from a real passport and published with
        // the gmrtd project's tests (iso7816/secure_messaging_test.go): an MSE:Set AT command
        // (SSC ...BA → ...BB) and a 224-byte READ BINARY answer (SSC ...0B → ...0C).
        let mut sm = aes_channel(
            "CC86415F2ED7E8FD663B754265695AE1",
            "581E84B8EE06C4D3EEE30461498D7FB3",
            "000000000000000000000000000000BA",
        );
        let mse =
            Command::new(0x00, 0x22, 0x41, 0xA4).with_data(hex("800A04007F000702020302028401C3"));
        assert_eq!(
            sm.wrap(&mse).expect("wrap").to_bytes().expect("encode"),
            hex("0C2241A41D871101980953D37F67558690045D78A853B18A8E08929767A2CEF172E200")
        );
        assert_eq!(sm.ssc(), hex("000000000000000000000000000000BB"));

        let mut sm = aes_channel(
            "A8E85E938514EC67AE33CDA3D43D3C48",
            "27F1ADEB705A049A305B0C619B14B9B3",
            "0000000000000000000000000000000B",
        );
        let rapdu = Response::parse(&hex(concat!(
            "8781E1012FABF9E0655D7E987FD28A8AEB19C9CADD990D49399799ED1FE465BCEA56DA9BA3024291D40D23",
            "D7F1E00485D71FADDC6D8C1382E8028DD22EFDCC72ED47663D56D20DD6C4B867956FE0507313083AE7FC54",
            "FB46133F184FEBBE13AD6FD3E2616A1F4A829E75ADA1A0E443CA738288F6014BE8A7745D8259B089E6BEE3",
            "5BCC4BF5B63DB5FDD84244F67ECA099213B70A861B4487225AA68AF684278FCEB4CB809DE42BE3EE95B0E0",
            "D72BCDB0ED47CB56EFC264E04A9397A90E81AD1D81EFA2D14B2CA8EC7BD997F4B1C1FD344D5DEE8589C38B",
            "227CA4CB35810060A7CC76403E990290008E083EB47EF4FA82AFC99000"
        )))
        .expect("rapdu");
        let plain = sm.unwrap(&rapdu).expect("authentic");
        assert_eq!(sm.ssc(), hex("0000000000000000000000000000000C"));
        // The chip side rebuilds the captured answer byte for byte from the plain data.
        let mut chip = aes_channel(
            "A8E85E938514EC67AE33CDA3D43D3C48",
            "27F1ADEB705A049A305B0C619B14B9B3",
            "0000000000000000000000000000000B",
        );
        assert_eq!(chip.wrap_response(&plain).expect("wrap_response"), rapdu);
        assert_eq!(plain.sw, StatusWord::SUCCESS);
        assert_eq!(
            plain.data,
            hex(concat!(
                "A729901D1A71874700133107EC53306404307BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB227871391",
                "65EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826043004A8C7DD22CE28268B39B55416F0447C2FB77DE1",
                "07DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C110461041D1C64F068CF45FFA2A63A81B7",
                "C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E8ABE1D7520F9C2A45C",
                "B1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C53150231008CB9",
                "1E82A3"
            ))
        );
    }

    #[test]
    fn tampered_response_is_rejected_before_decryption() {
        let mut sm = appendix_d_channel();
        sm.wrap(&Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(hex("011E")))
            .expect("wrap");
        // One bit of the published MAC flipped.
        let rapdu = Response::parse(&hex("990290008E08FA855A5D4C50A8EC9000")).expect("rapdu");
        assert_eq!(sm.unwrap(&rapdu), Err(SmError::MacMismatch));
        // A status changed under a valid-looking structure fails the MAC too.
        let mut sm = appendix_d_channel();
        sm.wrap(&Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(hex("011E")))
            .expect("wrap");
        let rapdu = Response::parse(&hex("990262828E08FA855A5D4C50A8ED9000")).expect("rapdu");
        assert_eq!(sm.unwrap(&rapdu), Err(SmError::MacMismatch));
    }

    #[test]
    fn unauthenticated_statuses() {
        let mut sm = appendix_d_channel();
        // A bare 9000 is never accepted.
        let bare = Response::parse(&hex("9000")).expect("rapdu");
        assert_eq!(
            sm.unwrap(&bare),
            Err(SmError::MissingMac {
                sw: StatusWord::SUCCESS
            })
        );
        // A bare error status is passed up as a status, without data.
        let refused = Response::parse(&hex("6A82")).expect("rapdu");
        let out = sm.unwrap(&refused).expect("status passes up");
        assert_eq!(out.sw, StatusWord(0x6A82));
        assert!(out.data.is_empty());
        // Data without DO'8E' is not accepted, whatever the status.
        let unmacced = Response::parse(&hex("990290009000")).expect("rapdu");
        assert!(matches!(
            sm.unwrap(&unmacced),
            Err(SmError::MissingMac { .. })
        ));
        // Each response advances the SSC once, refused or not.
        assert_eq!(sm.ssc(), hex("887022120C06C229"));
    }

    #[test]
    fn response_without_do99_uses_outer_status() {
        // Some chips omit DO'99': the MAC then covers DO'87' alone and the status is the outer SW.
        let mut terminal = appendix_d_channel();
        let mut chip = appendix_d_channel();
        let cmd = terminal
            .wrap(&Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4))
            .expect("wrap");
        chip.unwrap_command(&cmd).expect("unwrap_command");
        chip.increment_ssc();
        let cryptogram = chip.encrypt(&hex("60145F01")).expect("encrypt");
        let mut body = Vec::new();
        push_tlv(&mut body, TAG_CRYPTOGRAM, &[&[1], &cryptogram]).expect("tlv");
        let cc = chip.mac_over(&[&body]).expect("mac");
        push_tlv(&mut body, TAG_MAC, &[&cc]).expect("tlv");
        let out = terminal
            .unwrap(&Response {
                data: body,
                sw: StatusWord::SUCCESS,
            })
            .expect("unwrap");
        assert_eq!(out.data, hex("60145F01"));
        assert_eq!(out.sw, StatusWord::SUCCESS);
    }

    #[test]
    fn protected_error_status_comes_from_do99() {
        let mut terminal = appendix_d_channel();
        let mut chip = appendix_d_channel();
        let cmd = terminal
            .wrap(&Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(hex("0101")))
            .expect("wrap");
        chip.unwrap_command(&cmd).expect("unwrap_command");
        let resp = chip
            .wrap_response(&Response {
                data: Vec::new(),
                sw: StatusWord(0x6A82),
            })
            .expect("wrap_response");
        let out = terminal.unwrap(&resp).expect("unwrap");
        assert_eq!(out.sw, StatusWord(0x6A82));
        assert!(out.data.is_empty());
    }

    #[test]
    fn extended_length_and_odd_ins() {
        for suite in CipherSuite::ALL {
            let keys = SessionKeys::derive(suite, b"extended");
            let mut terminal = SecureChannel::with_zero_ssc(keys.clone());
            let mut chip = SecureChannel::with_zero_ssc(keys);
            // READ BINARY with odd INS B1: offset in DO'54', Le above 256 forces extended length.
            let cmd = Command::new(0x00, 0xB1, 0x00, 0x00)
                .with_data(hex("54028000"))
                .with_le(1000);
            let protected = terminal.wrap(&cmd).expect("wrap");
            assert_eq!(protected.data[0], TAG_CRYPTOGRAM_ODD);
            assert_eq!(protected.le, Some(65536));
            let bytes = protected.to_bytes().expect("encode");
            assert_eq!(bytes[4], 0, "extended Lc");
            assert_eq!(
                chip.unwrap_command(&protected).expect("unwrap_command"),
                cmd
            );
            let answer = Response {
                data: (0..1000u32).map(|i| i as u8).collect(),
                sw: StatusWord::SUCCESS,
            };
            let resp = chip.wrap_response(&answer).expect("wrap_response");
            assert_eq!(resp.data[0], TAG_CRYPTOGRAM_ODD);
            assert_eq!(terminal.unwrap(&resp).expect("unwrap"), answer);
            // Long data with a short Le still goes extended because the DOs overflow short Lc.
            let put = Command::new(0x00, 0xDA, 0x01, 0x02)
                .with_data(vec![7u8; 250])
                .with_le(16);
            let protected = terminal.wrap(&put).expect("wrap");
            assert!(protected.data.len() > 255);
            assert_eq!(protected.le, Some(65536));
            assert_eq!(
                chip.unwrap_command(&protected).expect("unwrap_command"),
                put
            );
        }
    }

    #[test]
    fn chip_rejects_unprotected_and_tampered_commands() {
        let mut chip = appendix_d_channel();
        let plain = parse_command(&hex("00A4020C02011E"));
        let err = chip.unwrap_command(&plain).expect_err("plain command");
        assert_eq!(err, SmError::NotProtected { cla: 0x00 });
        assert_eq!(err.chip_status_word(), StatusWord(0x6987));
        let no_mac = parse_command(&hex("0CA4020C0B8709016375432908C044F6"));
        let err = chip.unwrap_command(&no_mac).expect_err("no DO'8E'");
        assert_eq!(err, SmError::CommandWithoutMac);
        assert_eq!(err.chip_status_word(), StatusWord(0x6987));
        let mut chip = appendix_d_channel();
        let mut cmd = parse_command(&hex(
            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
        ));
        cmd.p1 = 0x04; // header change must break the MAC
        let err = chip.unwrap_command(&cmd).expect_err("tampered header");
        assert_eq!(err, SmError::MacMismatch);
        assert_eq!(err.chip_status_word(), StatusWord(0x6988));
    }

    #[test]
    fn max_plain_response_fits() {
        for suite in CipherSuite::ALL {
            let keys = SessionKeys::derive(suite, b"sizes");
            let terminal = SecureChannel::with_zero_ssc(keys.clone());
            // Sizes do not depend on the SSC, so the chip side wraps answers out of step here.
            let mut chip = SecureChannel::with_zero_ssc(keys);
            for max in [20usize, 40, 100, 150, 258, 300, 1000, 65538] {
                let n = terminal.max_plain_response(max);
                let wrap = |chip: &mut SecureChannel, len: usize| {
                    chip.wrap_response(&Response {
                        data: vec![0xAB; len],
                        sw: StatusWord::SUCCESS,
                    })
                    .expect("wrap_response")
                    .to_bytes()
                    .len()
                };
                assert!(wrap(&mut chip, n) <= max, "{suite} {max}: {n} does not fit");
                // One more byte no longer fits (n is the maximum), when anything fits at all.
                if n > 0 {
                    assert!(
                        wrap(&mut chip, n + 1) > max,
                        "{suite} {max}: {n} is not maximal"
                    );
                }
            }
            // Short APDUs: the well-known 0xE7 (3DES) and 0xDF (AES) read sizes.
            let expected = if suite.is_aes() { 0xDF } else { 0xE7 };
            assert_eq!(terminal.max_plain_response(258), expected);
        }
    }

    #[test]
    fn max_plain_command_data_fits() {
        for suite in CipherSuite::ALL {
            let mut terminal = SecureChannel::with_zero_ssc(SessionKeys::derive(suite, b"sizes"));
            for max in [30usize, 64, 261, 1000, 65544] {
                let n = terminal.max_plain_command_data(max);
                let cmd = Command::new(0, 0xD6, 0, 0)
                    .with_data(vec![1; n])
                    .with_le(65536);
                let len = terminal
                    .wrap(&cmd)
                    .expect("wrap")
                    .to_bytes()
                    .expect("encode")
                    .len();
                assert!(len <= max, "{suite} {max}: {n} bytes give {len}");
            }
        }
    }

    #[test]
    fn sizes_saturate_on_huge_links() {
        let sm = appendix_d_channel();
        assert_eq!(
            sm.max_plain_response(usize::MAX),
            sm.max_plain_response(65538)
        );
        assert!(sm.max_plain_response(65538) > 65000);
        assert_eq!(sm.max_plain_command_data(usize::MAX), 65535);
        assert_eq!(sm.max_plain_response(10), 0);
    }

    #[test]
    fn invalid_le_is_rejected_without_touching_the_ssc() {
        let mut sm = appendix_d_channel();
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(0);
        assert_eq!(sm.wrap(&cmd), Err(SmError::InvalidLe(0)));
        assert_eq!(sm.ssc(), hex("887022120C06C226"));
    }

    #[test]
    fn debug_is_redacted() {
        let sm = appendix_d_channel();
        let printed = format!("{sm:?}");
        assert!(printed.contains("<redacted>"));
        assert!(!printed.contains("979E"));
    }

    #[test]
    fn ssc_length_checked() {
        let keys = SessionKeys::derive(CipherSuite::Aes128, b"k");
        assert!(matches!(
            SecureChannel::new(keys, &[0; 8]),
            Err(SmError::SscLength { expected: 16, .. })
        ));
    }

    fn suite_strategy() -> impl Strategy<Value = CipherSuite> {
        prop::sample::select(CipherSuite::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn unwrap_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300), suite in suite_strategy()) {
            let mut sm = SecureChannel::with_zero_ssc(SessionKeys::derive(suite, b"fuzz"));
            if let Ok(resp) = Response::parse(&bytes) {
                let _ = sm.unwrap(&resp);
            }
            // Structured inputs that pass the TLV layer and reach the MAC check.
            let mut data = vec![0x87, 0x11, 0x01];
            data.extend_from_slice(&bytes[..bytes.len().min(16)]);
            data.resize(19, 0);
            data.extend_from_slice(&[0x99, 0x02, 0x90, 0x00, 0x8E, 0x08]);
            data.extend_from_slice(&[0u8; 8]);
            prop_assert_eq!(sm.unwrap(&Response { data, sw: StatusWord::SUCCESS }), Err(SmError::MacMismatch));
        }

        #[test]
        fn unwrap_command_never_panics(data in prop::collection::vec(any::<u8>(), 0..300), ins in any::<u8>()) {
            let mut sm = SecureChannel::with_zero_ssc(SessionKeys::derive(CipherSuite::Aes128, b"fuzz"));
            let _ = sm.unwrap_command(&Command::new(0x0C, ins, 0, 0).with_data(data));
        }

        #[test]
        fn command_round_trip(
            suite in suite_strategy(),
            ins in any::<u8>(),
            p1 in any::<u8>(),
            cla in prop::sample::select(vec![0x00u8, 0x01, 0x10, 0x43, 0x80]),
            data in prop::collection::vec(any::<u8>(), 0..600),
            le in prop::option::of(1usize..=65536),
        ) {
            let keys = SessionKeys::derive(suite, b"round trip");
            let mut terminal = SecureChannel::with_zero_ssc(keys.clone());
            let mut chip = SecureChannel::with_zero_ssc(keys);
            let cmd = Command { cla, ins, p1, p2: 0x0C, data, le };
            let protected = terminal.wrap(&cmd).expect("wrap");
            let bytes = protected.to_bytes().expect("encodable");
            prop_assert!(bytes.len() > 4);
            prop_assert_eq!(chip.unwrap_command(&protected).expect("unwrap_command"), cmd);
            prop_assert_eq!(terminal.ssc(), chip.ssc());
        }

        #[test]
        fn response_round_trip(
            suite in suite_strategy(),
            odd in any::<bool>(),
            data in prop::collection::vec(any::<u8>(), 0..600),
            sw in any::<u16>(),
        ) {
            let keys = SessionKeys::derive(suite, b"round trip");
            let mut terminal = SecureChannel::with_zero_ssc(keys.clone());
            let mut chip = SecureChannel::with_zero_ssc(keys);
            let ins = if odd { 0xB1 } else { 0xB0 };
            let cmd = terminal.wrap(&Command::new(0, ins, 0, 0).with_le(256)).expect("wrap");
            chip.unwrap_command(&cmd).expect("unwrap_command");
            let resp = Response { data, sw: StatusWord(sw) };
            let protected = chip.wrap_response(&resp).expect("wrap_response");
            prop_assert_eq!(terminal.unwrap(&protected).expect("unwrap"), resp);
            prop_assert_eq!(terminal.ssc(), chip.ssc());
        }
    }
}
