//! Unit tests of `lds::security_info`.

use super::*;
use proptest::prelude::*;

#[test]
fn card_access_pace_info() {
    // fixtures/dumps/td3-rsa2048/EF.CardAccess.bin: PACEInfo id-PACE-ECDH-GM-AES-CBC-CMAC-128
    // (0.4.0.127.0.7.2.2.4.2.2), version 2, parameterId 13 (brainpoolP256r1, BSI TR-03110-3 Table 4).
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/EF.CardAccess.bin").unwrap();
    let infos = parse_security_infos(&bytes).unwrap();
    assert_eq!(
        infos,
        vec![SecurityInfo::Pace {
            protocol: ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.2"),
            version: 2,
            parameter_id: Some(13),
        }]
    );
}

#[test]
fn german_eid_test_card_access() {
    // EF.CardAccess of the German eID test card as published with OpenPACE's examples (read to the
    // file's full size, so 38 bytes of padding follow the SET): TerminalAuthenticationInfo v2,
    // ChipAuthenticationInfo id-CA-ECDH-AES-CBC-CMAC-128 v2 keyId 0x41, PACEInfo
    // id-PACE-ECDH-GM-AES-CBC-CMAC-128 v2 parameterId 13, ChipAuthenticationDomainParameterInfo
    // id-CA-ECDH {id-ecc standardized 13} keyId 0x41, CardInfoLocator (id 0.4.0.127.0.7.2.2.6).
    let bytes = hex::decode(concat!(
        "318182300D060804007F00070202020201023012060A04007F000702020302020201020201413012060A04007F",
        "0007020204020202010202010D301C060904007F000702020302300C060704007F0007010202010D020141302B",
        "060804007F0007020206161F655041202D2042447220476D6248202D20546573746B617274652076322E300449",
        "1715411928800A01B421FA07000000000000000000000000000000000000201010291010"
    ))
    .unwrap();
    let infos = parse_security_infos(&bytes).unwrap();
    assert_eq!(infos.len(), 5);
    assert_eq!(
        infos[0],
        SecurityInfo::TerminalAuthentication {
            protocol: ID_TA,
            version: 2
        }
    );
    assert_eq!(
        infos[1],
        SecurityInfo::ChipAuthentication {
            protocol: ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3.2.2"),
            version: 2,
            key_id: Some(0x41),
        }
    );
    assert!(matches!(
        infos[2],
        SecurityInfo::Pace {
            version: 2,
            parameter_id: Some(13),
            ..
        }
    ));
    assert!(matches!(
        infos[3],
        SecurityInfo::ChipAuthenticationDomainParameters {
            key_id: Some(0x41),
            ..
        }
    ));
    assert!(matches!(infos[4], SecurityInfo::Other { .. }));
}

#[test]
fn garbage_is_an_error() {
    assert!(parse_security_infos(&[]).is_err());
    assert!(parse_security_infos(&[0x30, 0x00]).is_err());
    assert!(parse_security_infos(&[0x31, 0x03, 0x30, 0x01, 0x06]).is_err());
}

proptest! {
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_security_infos(&data);
        let mut set = vec![0x31, data.len().min(127) as u8];
        set.extend_from_slice(&data[..data.len().min(127)]);
        let _ = parse_security_infos(&set);
    }
}
