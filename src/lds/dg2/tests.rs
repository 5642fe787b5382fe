//! Unit tests of `lds::dg2`.

use super::*;
use crate::lds::face::ImageFormat;

#[test]
fn fixture_dg2_jpeg() {
    // fixtures/pki/generate.py: one template, ISO/IEC 7816-11 header (format owner 0101, type 0008),
    // a 360x480 JPEG.
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/DG2.bin").unwrap();
    let dg2 = Dg2::parse(&bytes).unwrap();
    assert_eq!(dg2.faces.len(), 1);
    assert_eq!(dg2.faces[0].header.format_owner, Some(0x0101));
    assert_eq!(dg2.faces[0].header.format_type, Some(0x0008));
    assert_eq!(
        dg2.faces[0].record.faces[0].image_info.format,
        ImageFormat::Jpeg
    );
    let img = dg2.decode_first_image().unwrap();
    assert_eq!((img.width, img.height), (360, 480));
}

#[test]
fn fixture_dg2_jpeg2000() {
    let bytes = std::fs::read("fixtures/dumps/ecdsa-bp256-jp2/DG2.bin").unwrap();
    let img = Dg2::parse(&bytes).unwrap().decode_first_image().unwrap();
    assert_eq!((img.width, img.height, img.channels), (640, 480, 3));
}

#[test]
fn fixture_dg7() {
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/DG7.bin").unwrap();
    let dg7 = Dg7::parse(&bytes).unwrap();
    assert_eq!(dg7.images.len(), 1);
    let img = dg7.decode(0).unwrap();
    assert_eq!((img.width, img.height), (200, 60));
}

#[test]
fn count_mismatch_is_an_error() {
    // 75 { 7F61 { 02 01 02 } }: two instances announced, none present.
    let bytes = [0x75, 0x06, 0x7F, 0x61, 0x03, 0x02, 0x01, 0x02];
    assert!(matches!(Dg2::parse(&bytes), Err(LdsError::Invalid { .. })));
    assert!(matches!(
        Dg7::parse(&[0x67, 0x03, 0x02, 0x01, 0x01]),
        Err(LdsError::Invalid { .. })
    ));
}
