//! Unit tests of `transport::trace`.

use super::*;
use crate::apdu::Response;
use crate::transport::InMemory;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn commands_are_redacted() {
    // Plain SELECT and READ BINARY: data shown.
    assert_eq!(
        redact_command(&hex("00A4020C02011E")),
        "00A4020C Lc=2 [011E]"
    );
    assert_eq!(redact_command(&hex("00B0000004")), "00B00000 Le=4");
    assert_eq!(redact_command(&hex("0084000008")), "00840000 Le=8");
    // EXTERNAL AUTHENTICATE with E_IFD‖M_IFD (ICAO 9303 Part 11 Appendix D.3).
    let ea = hex(
        "0082000028 72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7 28",
    );
    assert_eq!(redact_command(&ea), "00820000 Lc=40 <redacted> Le=40");
    // GENERAL AUTHENTICATE (PACE) and MSE:Set AT.
    assert_eq!(
        redact_command(&hex("10860000 02 7C00 00")),
        "10860000 Lc=2 <redacted> Le=256"
    );
    assert_eq!(
        redact_command(&hex("0022C1A4 0F 800A04007F00070202040202 830101")),
        "0022C1A4 Lc=15 <redacted>"
    );
    // An SM-protected SELECT (ICAO 9303 Part 11 Appendix D.4): CLA 0C hides the data.
    let sm_select = hex("0CA4020C 15 8709016375432908C044F6 8E08BF8B92D635FF24F8 00");
    assert_eq!(
        redact_command(&sm_select),
        "0CA4020C Lc=21 <redacted> Le=256"
    );
    // Unknown INS: redacted by default.
    assert_eq!(
        redact_command(&hex("00DA0000 02 ABCD")),
        "00DA0000 Lc=2 <redacted>"
    );
    assert_eq!(redact_command(&hex("00A4")), "<2 bytes, not an APDU>");
    assert!(!redact_command(&ea).contains("72C29C23"));
    assert!(!redact_command(&sm_select).contains("8709"));
}

#[test]
fn responses_are_logged_as_length_and_sw_only() {
    let chip = InMemory::new(
        |c: &[u8]| match c.get(1) {
            Some(0x84) => Response::new(hex("4608F91988702212"), StatusWord::SUCCESS).to_bytes(),
            Some(0xB0) => vec![0x90],
            _ => Response::status(StatusWord::FILE_NOT_FOUND).to_bytes(),
        },
        Capabilities {
            max_command_len: 10,
            ..Capabilities::SHORT
        },
    );
    let mut entries = Vec::new();
    let mut link = Traced::new(chip, |e: &TraceEntry| entries.push(e.clone()));
    // GET CHALLENGE: the RND.IC of ICAO 9303 Part 11 Appendix D.3 must not appear.
    let r = link.transmit(&hex("0084000008")).unwrap();
    assert_eq!(r.len(), 10);
    link.transmit(&hex("00A4020C020101")).unwrap();
    link.transmit(&hex("00B0000004")).unwrap();
    assert!(link.transmit(&hex("00D6000008 0102030405060708")).is_err());
    assert_eq!(link.exchanges(), 4);
    assert_eq!(link.capabilities().max_command_len, 10);
    let _chip = link.into_inner();
    assert_eq!(
        entries[0].outcome,
        TraceOutcome::Response {
            len: 8,
            sw: Some(StatusWord::SUCCESS)
        }
    );
    assert_eq!(
        entries[1].outcome,
        TraceOutcome::Response {
            len: 0,
            sw: Some(StatusWord::FILE_NOT_FOUND)
        }
    );
    assert_eq!(
        entries[2].outcome,
        TraceOutcome::Response { len: 1, sw: None }
    );
    assert!(matches!(entries[3].outcome, TraceOutcome::Error(_)));
    let text: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
    assert_eq!(text[0], "#1 > 00840000 Le=8 < 8 bytes 9000 (success)");
    assert_eq!(
        text[1],
        "#2 > 00A4020C Lc=2 [0101] < 0 bytes 6A82 (file or application not found)"
    );
    assert_eq!(text[2], "#3 > 00B00000 Le=4 < 1 bytes, no status word");
    assert!(text[3].starts_with("#4 > 00D60000 Lc=8 <redacted> < error: "));
    for t in &text {
        assert!(!t.contains("4608F919"), "{t}");
    }
}
