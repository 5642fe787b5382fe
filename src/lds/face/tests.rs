//! Unit tests of `lds::face`.

use super::*;
use proptest::prelude::*;

/// The facial record inside fixtures/dumps/td3-rsa2048/DG2.bin: the 5F2E value, found by its magic.
fn fixture_record(dump: &str) -> Vec<u8> {
    let dg2 = std::fs::read(format!("fixtures/dumps/{dump}/DG2.bin")).unwrap();
    let at = dg2.windows(4).position(|w| w == b"FAC\0").unwrap();
    dg2[at..].to_vec()
}

#[test]
fn parses_and_decodes_jpeg_face() {
    // fixtures/pki/generate.py: one 360x480 JPEG face, female, blue eyes, blonde hair.
    let rec = FacialRecord::parse(&fixture_record("td3-rsa2048")).unwrap();
    assert_eq!(rec.version, "010");
    let face = &rec.faces[0];
    assert_eq!(
        (
            face.info.gender,
            face.info.eye_colour,
            face.info.hair_colour
        ),
        (2, 2, 4)
    );
    assert_eq!(face.image_info.format, ImageFormat::Jpeg);
    let img = face.decode().unwrap();
    assert_eq!((img.width, img.height, img.channels), (360, 480, 3));
    assert_eq!(img.pixels.len(), 360 * 480 * 3);
}

#[test]
fn parses_and_decodes_jpeg2000_face() {
    // fixtures/dumps/ecdsa-bp256-jp2: 640x480 JP2 made by `opj_compress -r 80`.
    let rec = FacialRecord::parse(&fixture_record("ecdsa-bp256-jp2")).unwrap();
    let face = &rec.faces[0];
    assert_eq!(face.image_info.format, ImageFormat::Jpeg2000);
    assert_eq!((face.image_info.width, face.image_info.height), (640, 480));
    let img = face.decode().unwrap();
    assert_eq!((img.width, img.height, img.channels), (640, 480, 3));
    // The drawn face is "peachpuff" (255,218,185) at the centre; lossy coding keeps it close.
    let i = ((240 * 640 + 320) * 3) as usize;
    let px = &img.pixels[i..i + 3];
    assert!(px[0] > 200 && px[1] > 170 && px[2] > 130, "{px:?}");
}

#[test]
fn truncated_records_error() {
    let rec = fixture_record("td3-rsa2048");
    for cut in [0, 3, 8, 13, 14, 20, 40, 45, 46] {
        assert!(FacialRecord::parse(&rec[..cut]).is_err(), "cut {cut}");
    }
}

#[test]
fn garbage_images_error() {
    assert!(decode_image(b"").is_err());
    assert!(decode_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).is_err());
    assert!(decode_image(&[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 1, 2, 3]).is_err());
}

proptest! {
    #[test]
    fn random_records_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut d = b"FAC\x00010\x00".to_vec();
        d.extend_from_slice(&data);
        let _ = FacialRecord::parse(&d);
        let _ = FacialRecord::parse(&data);
    }

    #[test]
    fn mutated_header_never_panics(pos in 0usize..60, byte in any::<u8>()) {
        let mut rec = fixture_record("td3-rsa2048");
        rec[pos] = byte;
        if let Ok(r) = FacialRecord::parse(&rec) {
            prop_assert!(!r.faces.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Hostile image bytes (a decoder is fed whatever the chip sends): errors, never panics.
    #[test]
    fn mutated_images_never_panic(
        jp2 in any::<bool>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let rec = FacialRecord::parse(&fixture_record(if jp2 { "ecdsa-bp256-jp2" } else { "td3-rsa2048" })).unwrap();
        let mut img = rec.faces[0].image.clone();
        for (pos, b) in edits {
            // Mostly the headers, where lengths and sizes live.
            let i = if pos % 2 == 0 { pos % 200.min(img.len()) } else { pos % img.len() };
            img[i] = b;
        }
        let _ = decode_image(&img);
        let cut = cut % (img.len() + 1);
        let _ = decode_image(&img[..cut]);
    }

}
