//! Unit tests of `transport::pcsc`.

use super::*;

#[test]
fn feature_and_property_parsing() {
    // A CCID-style feature list: VERIFY_PIN_DIRECT (06) then GET_TLV_PROPERTIES (12).
    let features = hex::decode("060442330006120442330012").unwrap();
    assert_eq!(
        feature_control_code(&features, FEATURE_GET_TLV_PROPERTIES),
        Some(0x4233_0012)
    );
    assert_eq!(feature_control_code(&features, 0x20), None);
    assert_eq!(feature_control_code(&features[..7], 0x12), None);
    // vpcd's answer (ifd-vpcd.c): dwMaxAPDUDataSize = 0x10000, little-endian.
    let props = hex::decode("0A0400000100").unwrap();
    assert_eq!(tlv_property(&props, 0x0A), Some(0x10000));
    // CCID: wIdVendor (0B, 2 bytes) before dwMaxAPDUDataSize 0 (short APDUs only).
    let props = hex::decode("0B02E6040A0400000000").unwrap();
    assert_eq!(tlv_property(&props, 0x0A), Some(0));
    assert_eq!(tlv_property(&props, 0x0B), Some(0x04E6));
    // Truncated and oversized values.
    assert_eq!(tlv_property(&[0x0A, 0x04, 0x00], 0x0A), None);
    assert_eq!(tlv_property(&[0x0A, 0x05, 0, 0, 0, 0, 0], 0x0A), None);
}

#[test]
fn extended_length_decision() {
    let vicc = hex::decode("3B951381018073FF01000B").unwrap();
    let ours_ext = crate::transport::atr::emrtd_atr(true);
    let bare = hex::decode("3B80800101").unwrap();
    use ExtendedLengthSource as S;
    assert_eq!(
        decide_extended_length(Some(true), &vicc, None),
        (true, S::Forced)
    );
    // The card says no: that wins over a capable reader.
    assert_eq!(
        decide_extended_length(None, &vicc, Some(0x10000)),
        (false, S::Atr)
    );
    assert_eq!(
        decide_extended_length(None, &bare, Some(0x10000)),
        (
            true,
            S::Reader {
                max_apdu_data: 0x10000
            }
        )
    );
    assert_eq!(
        decide_extended_length(None, &ours_ext, Some(0)),
        (false, S::Reader { max_apdu_data: 0 })
    );
    assert_eq!(
        decide_extended_length(None, &ours_ext, None),
        (true, S::Atr)
    );
    assert_eq!(
        decide_extended_length(None, &bare, None),
        (false, S::Default)
    );
    assert_eq!(decide_extended_length(None, b"", None), (false, S::Default));
}

#[test]
fn errors_map_to_typed_variants() {
    use pcsc::Error as E;
    assert!(matches!(map_error(E::NoSmartcard, "r"), TransportError::NoCard(r) if r == "r"));
    assert!(matches!(
        map_error(E::RemovedCard, "r"),
        TransportError::CardRemoved(_)
    ));
    assert!(matches!(
        map_error(E::ResetCard, "r"),
        TransportError::Reset
    ));
    assert!(matches!(
        map_error(E::UnknownReader, "r"),
        TransportError::NoReader(_)
    ));
    assert!(matches!(
        map_error(E::NoService, "r"),
        TransportError::NoReader(_)
    ));
    assert!(matches!(
        map_error(E::NoReadersAvailable, "r"),
        TransportError::NoReader(_)
    ));
    assert!(matches!(
        map_error(E::CommError, "r"),
        TransportError::Other(_)
    ));
}
