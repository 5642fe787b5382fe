//! Unit tests of `apdu`.

use super::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// Every case, short and extended, with the byte layout of ISO/IEC 7816-4 §5.1 (Table 1–3).
#[test]
fn cases_short_and_extended() {
    let vectors: Vec<(Command, &str, LengthForm, ApduCase)> = vec![
        // Case 1.
        (
            Command::new(0x00, 0x84, 0x00, 0x00),
            "00840000",
            LengthForm::Short,
            ApduCase::Case1,
        ),
        // Case 2S: GET CHALLENGE for 8 bytes (ICAO 9303 Part 11 §4.3.4.1, Appendix D.3).
        (
            Command::new(0x00, 0x84, 0x00, 0x00).with_le(8),
            "0084000008",
            LengthForm::Short,
            ApduCase::Case2,
        ),
        // Le = 256 → short 00.
        (
            Command::new(0x00, 0xB0, 0x00, 0x00).with_le(256),
            "00B0000000",
            LengthForm::Short,
            ApduCase::Case2,
        ),
        // Case 2E: Le = 257 and Le = 65536 (0000).
        (
            Command::new(0x00, 0xB0, 0x00, 0x00).with_le(257),
            "00B0000000 0101",
            LengthForm::Extended,
            ApduCase::Case2,
        ),
        (
            Command::new(0x00, 0xB0, 0x00, 0x00).with_le(65536),
            "00B0000000 0000",
            LengthForm::Extended,
            ApduCase::Case2,
        ),
        // Case 3S: SELECT EF.COM (ICAO 9303 Part 10 §3.6.2).
        (
            Command::select_ef(0x011E),
            "00A4020C 02 011E",
            LengthForm::Short,
            ApduCase::Case3,
        ),
        // Case 4S: MUTUAL AUTHENTICATE with 40 bytes, Le 40 (ICAO 9303 Part 11 Appendix D.3).
        (
            Command::new(0x00, 0x82, 0x00, 0x00)
                .with_data([0xAA; 40])
                .with_le(40),
            "00820000 28 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 28",
            LengthForm::Short,
            ApduCase::Case4,
        ),
        // Case 4S with Le = 256.
        (
            Command::new(0x0C, 0xB0, 0x00, 0x00)
                .with_data([1, 2])
                .with_le(256),
            "0CB00000 02 0102 00",
            LengthForm::Short,
            ApduCase::Case4,
        ),
    ];
    for (command, encoded, form, case) in vectors {
        let bytes = hex(encoded);
        assert_eq!(command.to_bytes().unwrap(), bytes, "{encoded}");
        assert_eq!(command.case(), case, "{encoded}");
        assert_eq!(
            Command::parse_with_form(&bytes).unwrap(),
            (command, form),
            "{encoded}"
        );
    }
    // Case 3E and 4E: 300 data bytes force extended; case 4E has a 2-byte Le without 00.
    let data: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
    let c3 = Command::new(0x00, 0xDA, 0x01, 0x02).with_data(data.clone());
    let b3 = c3.to_bytes().unwrap();
    assert_eq!(b3[..7], hex("00DA0102 00012C")[..]);
    assert_eq!(b3.len(), 7 + 300);
    assert_eq!(
        Command::parse_with_form(&b3).unwrap(),
        (c3, LengthForm::Extended)
    );
    let c4 = Command::new(0x00, 0x86, 0x00, 0x00)
        .with_data(data.clone())
        .with_le(65536);
    let b4 = c4.to_bytes().unwrap();
    assert_eq!(b4[..7], hex("00860000 00012C")[..]);
    assert_eq!(b4[307..], [0x00, 0x00]);
    assert_eq!(b4.len(), 7 + 300 + 2);
    assert_eq!(
        Command::parse_with_form(&b4).unwrap(),
        (c4.clone(), LengthForm::Extended)
    );
    // Case 4 with short data but Le > 256: both fields extended.
    let c = Command::new(0x00, 0xB1, 0x00, 0x00)
        .with_data([0x54, 0x02, 0x80, 0x00])
        .with_le(0x1000);
    assert_eq!(c.to_bytes().unwrap(), hex("00B10000 000004 54028000 1000"));
    // Forced extended encoding of a short-fitting command.
    let s = Command::select_ef(0x0101).with_le(256);
    assert_eq!(
        s.encode(LengthForm::Extended).unwrap(),
        hex("00A4020C 000002 0101 0100")
    );
    assert_eq!(
        Command::parse(&s.encode(LengthForm::Extended).unwrap()).unwrap(),
        s
    );
    assert_eq!(
        c4.encode(LengthForm::Short),
        Err(ApduError::NeedsExtendedLength)
    );
    assert_eq!(
        Command::new(0, 0, 0, 0)
            .with_data(vec![0; 65536])
            .to_bytes(),
        Err(ApduError::DataTooLong(65536))
    );
    assert_eq!(
        Command::new(0, 0, 0, 0).with_le(0).to_bytes(),
        Err(ApduError::LeOutOfRange(0))
    );
    assert_eq!(
        Command::new(0, 0, 0, 0).with_le(65537).to_bytes(),
        Err(ApduError::LeOutOfRange(65537))
    );
    // Maximum extended data.
    let max = Command::new(0, 0xD6, 0, 0)
        .with_data(vec![7; 65535])
        .with_le(65536);
    assert_eq!(Command::parse(&max.to_bytes().unwrap()).unwrap(), max);
}

#[test]
fn parse_rejects_inconsistent_lengths() {
    let e = |s: &str| Command::parse(&hex(s)).unwrap_err();
    assert_eq!(e(""), ApduError::CommandTooShort(0));
    assert_eq!(e("00A402"), ApduError::CommandTooShort(3));
    // Lc = 2 but one data byte.
    assert_eq!(
        e("00A4020C 02 01"),
        ApduError::InconsistentLength {
            len: 6,
            lc: 2,
            form: "short"
        }
    );
    // Lc = 2, data, then two trailing bytes.
    assert_eq!(
        e("00A4020C 02 011E 0000"),
        ApduError::InconsistentLength {
            len: 9,
            lc: 2,
            form: "short"
        }
    );
    // 00 then a single byte: neither 2E nor a valid extended Lc.
    assert_eq!(e("00B00000 00 01"), ApduError::TruncatedExtendedLength(6));
    // Extended Lc = 0000 with data following.
    assert_eq!(
        e("00B00000 000000 41"),
        ApduError::InconsistentLength {
            len: 8,
            lc: 0,
            form: "extended"
        }
    );
    // Extended Lc = 3 with 2 data bytes.
    assert_eq!(
        e("00D60000 000003 4142"),
        ApduError::InconsistentLength {
            len: 9,
            lc: 3,
            form: "extended"
        }
    );
    // Extended Lc = 1, data, one Le byte (needs two).
    assert_eq!(
        e("00D60000 000001 41 00"),
        ApduError::InconsistentLength {
            len: 9,
            lc: 1,
            form: "extended"
        }
    );
}

#[test]
fn read_binary_builders() {
    // READ BINARY of the first 4 bytes (ICAO 9303 Part 11 Appendix D.4 reads EF.COM so).
    assert_eq!(
        Command::read_binary(0, 4).unwrap().to_bytes().unwrap(),
        hex("00B0000004")
    );
    assert_eq!(
        Command::read_binary(0x7FFF, 1).unwrap().to_bytes().unwrap(),
        hex("00B07FFF01")
    );
    assert_eq!(
        Command::read_binary(0x8000, 1),
        Err(ApduError::ParameterOutOfRange {
            what: "READ BINARY offset",
            value: 0x8000
        })
    );
    // SFI 1E (EF.COM): P1 = 9E.
    assert_eq!(
        Command::read_binary_sfi(0x1E, 0, 4)
            .unwrap()
            .to_bytes()
            .unwrap(),
        hex("00B09E0004")
    );
    assert!(Command::read_binary_sfi(0, 0, 4).is_err());
    assert!(Command::read_binary_sfi(31, 0, 4).is_err());
    assert_eq!(
        Command::read_binary_odd(0x8000, 0xDF).to_bytes().unwrap(),
        hex("00B10000 04 54028000 DF")
    );
    assert_eq!(
        Command::read_binary_odd(0, 4).to_bytes().unwrap(),
        hex("00B10000 03 540100 04")
    );
    assert_eq!(
        Command::read_binary_odd(0x012345, 4).data,
        hex("5403012345")
    );
    assert_eq!(
        Command::get_response(0x10).to_bytes().unwrap(),
        hex("00C0000010")
    );
    assert_eq!(
        Command::select_application(&hex("A0000002471001"))
            .to_bytes()
            .unwrap(),
        hex("00A4040C07A0000002471001")
    );
}

#[test]
fn class_bits() {
    assert!(!Command::new(0x00, 0xB0, 0, 0).is_secure_messaging());
    assert!(Command::new(0x0C, 0xB0, 0, 0).is_secure_messaging());
    assert!(Command::new(0x08, 0xB0, 0, 0).is_secure_messaging());
    assert!(Command::new(0x60, 0xB0, 0, 0).is_secure_messaging());
    assert!(!Command::new(0x80, 0xB0, 0, 0).is_secure_messaging());
    assert!(Command::new(0x10, 0x86, 0, 0).is_chained());
    assert!(!Command::new(0x0C, 0x86, 0, 0).is_chained());
}

#[test]
fn status_meanings() {
    use StatusMeaning::*;
    let table = [
        (0x9000, Success),
        (0x6110, MoreDataAvailable { remaining: 16 }),
        (0x6100, MoreDataAvailable { remaining: 256 }),
        (0x6281, WarningDataCorrupted),
        (0x6282, WarningEndOfFile),
        (0x6300, AuthenticationFailed),
        (0x63C2, CounterWarning { remaining: 2 }),
        (0x6581, MemoryFailure),
        (0x6700, WrongLength),
        (0x6881, LogicalChannelNotSupported),
        (0x6882, SecureMessagingNotSupported),
        (0x6883, LastCommandOfChainExpected),
        (0x6884, ChainingNotSupported),
        (0x6900, CommandNotAllowed),
        (0x6981, IncompatibleFileStructure),
        (0x6982, SecurityStatusNotSatisfied),
        (0x6983, AuthenticationMethodBlocked),
        (0x6984, ReferenceDataNotUsable),
        (0x6985, ConditionsOfUseNotSatisfied),
        (0x6986, NoCurrentEf),
        (0x6987, SmDataObjectsMissing),
        (0x6988, SmDataObjectsIncorrect),
        (0x6A80, IncorrectDataField),
        (0x6A81, FunctionNotSupported),
        (0x6A82, FileNotFound),
        (0x6A83, RecordNotFound),
        (0x6A84, NotEnoughMemory),
        (0x6A86, IncorrectP1P2),
        (0x6A87, LcInconsistentWithP1P2),
        (0x6A88, ReferencedDataNotFound),
        (0x6B00, WrongP1P2),
        (0x6C20, WrongLe { exact: 32 }),
        (0x6C00, WrongLe { exact: 256 }),
        (0x6D00, InsNotSupported),
        (0x6E00, ClaNotSupported),
        (0x6F00, NoPreciseDiagnosis),
        (0x6283, OtherWarning(StatusWord(0x6283))),
        (0x63F1, OtherWarning(StatusWord(0x63F1))),
        (0x6A89, OtherError(StatusWord(0x6A89))),
        (0x6400, OtherError(StatusWord(0x6400))),
        (0x9100, Proprietary(StatusWord(0x9100))),
        (0x0000, Proprietary(StatusWord(0x0000))),
    ];
    for (sw, meaning) in table {
        let sw = StatusWord(sw);
        assert_eq!(sw.meaning(), meaning, "{sw}");
        assert!(!meaning.to_string().is_empty());
    }
    assert_eq!(StatusWord::new(0x6A, 0x82), StatusWord::FILE_NOT_FOUND);
    assert_eq!(StatusWord::FILE_NOT_FOUND.to_string(), "6A82");
    assert_eq!(
        format!("{:#}", StatusWord::FILE_NOT_FOUND),
        "6A82 (file or application not found)"
    );
    assert_eq!(
        format!("{:#}", StatusWord(0x6C05)),
        "6C05 (wrong Le, 5 bytes available)"
    );
    assert_eq!(StatusWord(0x6110).more_data(), Some(16));
    assert_eq!(StatusWord(0x6C00).exact_le(), Some(256));
    assert_eq!(StatusWord::SUCCESS.more_data(), None);
    assert!(StatusWord::END_OF_FILE.is_warning() && !StatusWord::END_OF_FILE.is_error());
    assert!(StatusWord::WRONG_P1P2.is_error());
    assert!(!StatusWord::SUCCESS.is_error() && !StatusWord::SUCCESS.is_warning());
}

#[test]
fn responses() {
    let r = Response::parse(&hex("60145F01 9000")).unwrap();
    assert_eq!(r, Response::new(hex("60145F01"), StatusWord::SUCCESS));
    assert!(r.is_success());
    assert_eq!(r.to_bytes(), hex("60145F019000"));
    assert_eq!(
        Response::parse(&hex("6A82")).unwrap(),
        Response::status(StatusWord::FILE_NOT_FOUND)
    );
    assert_eq!(
        Response::parse(&hex("90")),
        Err(ApduError::ResponseTooShort(1))
    );
    assert_eq!(Response::parse(&[]), Err(ApduError::ResponseTooShort(0)));
    // Debug never shows data.
    let dbg = format!(
        "{:?}",
        Response::new(b"SECRET".to_vec(), StatusWord::SUCCESS)
    );
    assert!(!dbg.contains("SECRET") && !dbg.contains("83"), "{dbg}");
    let dbg = format!(
        "{:?}",
        Command::new(0, 0x82, 0, 0).with_data(b"KEY".to_vec())
    );
    assert!(!dbg.contains("KEY") && !dbg.contains("75"), "{dbg}");
}

fn any_command() -> impl Strategy<Value = Command> {
    (
        any::<[u8; 4]>(),
        prop_oneof![
            3 => proptest::collection::vec(any::<u8>(), 0..=255),
            1 => proptest::collection::vec(any::<u8>(), 256..1200),
        ],
        prop_oneof![
            Just(None),
            (1usize..=256).prop_map(Some),
            (1usize..=65536).prop_map(Some),
            Just(Some(65536)),
        ],
    )
        .prop_map(|([cla, ins, p1, p2], data, le)| Command {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
        })
}

proptest! {
    #[test]
    fn command_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok((c, form)) = Command::parse_with_form(&bytes) {
            // Whatever parses re-encodes in the same form to the same bytes.
            prop_assert_eq!(c.encode(form).unwrap(), bytes);
        }
    }

    #[test]
    fn command_round_trip(c in any_command()) {
        let bytes = c.to_bytes().unwrap();
        prop_assert_eq!(Command::parse(&bytes).unwrap(), c.clone());
        let ext = c.encode(LengthForm::Extended).unwrap();
        let form = if c.case() == ApduCase::Case1 { LengthForm::Short } else { LengthForm::Extended };
        prop_assert_eq!(Command::parse_with_form(&ext).unwrap(), (c, form));
    }

    #[test]
    fn response_parse_never_panics_and_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        match Response::parse(&bytes) {
            Ok(r) => prop_assert_eq!(r.to_bytes(), bytes),
            Err(e) => prop_assert_eq!(e, ApduError::ResponseTooShort(bytes.len())),
        }
    }

    #[test]
    fn every_status_word_has_a_meaning(sw in any::<u16>()) {
        let sw = StatusWord(sw);
        let _ = format!("{:#}", sw);
        prop_assert!(!(sw.is_warning() && sw.is_error()));
    }
}
